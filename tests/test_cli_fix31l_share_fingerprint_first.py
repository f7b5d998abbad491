"""fix31l (nu79 F1): `tj share JOURNAL MEMBER --role annotate --safety-flags` on a device that
never pinned MEMBER's keys, given neither --fingerprint nor --trust-on-first-use: the refusal
for the fingerprint is said first, with no "Share all of JOURNAL with MEMBER?" question (it was
asked, and after a yes the share was refused). With --trust-on-first-use, the share goes on:
the question is asked. Real server on loopback, real crypto; CliRunner."""

from __future__ import annotations

from tests.test_cli import Device
from tests.test_cli_r22_departures import ana, tom  # noqa: F401 (fixtures)


def said(text: str) -> str:
    return " ".join(text.split())


async def test_the_fingerprint_is_asked_for_before_the_share_question(
    ana: Device,  # noqa: F811
    tom: Device,  # noqa: F811
) -> None:
    share = ["share", "Personal", "tom", "--role", "annotate", "--safety-flags"]
    done = await ana.tj(*share, input="y\n")
    assert done.exit_code != 0, done.output
    text = said(done.output)
    assert "Share all of Personal with tom?" not in text, text
    assert "confirm tom's fingerprint first" in text, text
    assert "pass --fingerprint or --trust-on-first-use" in text, text
    assert await ana.json("shares") == []  # nothing shared
    # trust on first use: the share would go on, so the question is asked (declined here)
    declined = await ana.tj(*share, "--trust-on-first-use", input="n\n")
    assert declined.exit_code == 1, declined.output
    assert "Share all of Personal with tom?" in said(declined.output), declined.output
    assert await ana.json("shares") == []
