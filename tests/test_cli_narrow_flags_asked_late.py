"""`tj share --only` asks before narrowing a share whose member receives safety flags (NU24
C13), from what it reads first (`narrowing_costs`). Should flags begin to reach the member
after that read (opted in on another device in between), the SDK refuses the narrowing
(FlagsWouldStop) unless told the user agreed: the CLI then says so and asks, and nothing is
changed on "no". The in-between opt-in is stood in for by `narrowing_costs` answering as it
would have before it (a stand-in for the CLI's own earlier read, not for the server, the
crypto or the store). Real server on loopback, real crypto, CliRunner."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device


async def flags_for_drsmith(
    server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Device:
    ana = await new_device(server, tmp_path, "ana")
    await new_device(server, tmp_path, "drsmith")
    await ana.ok("write", "--mood", "5", "A day.")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--safety-flags",
        "--trust-on-first-use",
    )  # fmt: skip

    async def read_before_the_opt_in(
        journal: str, member: str, only: object, fingerprint: object, client: object
    ) -> object:
        return [], None  # nothing undelivered, no flag reaching them: no question

    monkeypatch.setattr("cli.sharing.narrowing_costs", read_before_the_opt_in)
    return ana


async def test_flags_found_reaching_the_member_at_the_share_are_said_and_asked(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana = await flags_for_drsmith(live_server, tmp_path, monkeypatch)
    refused = await ana.tj("share", "Personal", "drsmith", "--only", "mood,tags", input="n\n")
    assert refused.exit_code == 1, refused.output
    said = " ".join(refused.stderr.split())
    assert said.startswith(
        "Safety flags of Personal go to drsmith now. A share of only some fields carries none"
    ), said
    assert said.endswith(
        "Stop safety flags to drsmith and share only some fields of Personal with them? "
        '[y/N]: n Not done: you answered no to "Stop safety flags to drsmith and share only '
        'some fields of Personal with them?".'
    ), said
    [share] = await ana.json("shares")  # nothing changed
    assert (share["journal"], share["member"], share["fields"]) == ("Personal", "drsmith", None)
    assert share["safety_flags"] is True  # they still receive flags

    agreed = await ana.ok("share", "Personal", "drsmith", "--only", "mood,tags", input="y\n")
    assert "Stop safety flags to drsmith" in agreed.stderr
    [share] = [s for s in await ana.json("shares") if not s["expired"]]
    assert share["fields"] == ["mood", "tags"]


async def test_with_yes_the_late_flags_are_said_and_not_asked(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana = await flags_for_drsmith(live_server, tmp_path, monkeypatch)
    done = await ana.ok("share", "Personal", "drsmith", "--only", "mood,tags", "--yes")
    said = " ".join(done.stderr.split())
    assert "Safety flags of Personal go to drsmith now." in said and "[y/N]" not in said
    [share] = [s for s in await ana.json("shares") if not s["expired"]]
    assert share["fields"] == ["mood", "tags"]
