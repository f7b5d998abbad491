"""NU47 #4: a brief from a client whose fingerprint the therapist has not compared yet, held
back by the download budget, was listed as a journal by `tj shared-with-me` and `tj journal
list`, and its sync notice said "read it with `tj list --journal 'ana/Brief ...'`", a command
that fails. Real server on loopback, real crypto; CliRunner."""

from __future__ import annotations

from pathlib import Path

import pytest

from client_sdk.departures import SHARED, Departure, decode_told, encode_told
from tests.conftest import RunningServer
from tests.test_cli_insights import new_device


def said(text: str) -> str:
    return " ".join(text.split())


async def test_a_held_back_brief_is_no_journal_and_its_notice_names_tj_briefs(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a small budget, so ana's journal fills it and her brief is held back, as with 30
    # clients sharing at once and 512 KiB
    monkeypatch.setattr("client_sdk.hold_back.UNVERIFIED_SHARE_BYTES", 3000)
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    for day in range(8):
        await ana.ok("write", f"Day {day}: " + "slept badly, " * 40)
    await ana.ok("share", "Personal", "drsmith", "--full", "--trust-on-first-use")
    await drsmith.ok("sync")
    await ana.ok("brief", "drsmith", "--yes")

    synced = await drsmith.ok("sync")
    out = said(synced.stdout + synced.stderr)
    assert (
        "Notice: ana sent you a pre-session brief (" in out
        and "): `tj briefs` shows it once you verify ana (`tj verify ana FINGERPRINT`) and sync."
        in out
    ), out
    assert "tj list --journal 'ana/Brief" not in out and "shared 'Brief" not in out

    assert [j["name"] for j in await drsmith.json("shared-with-me")] == ["ana/Personal"]
    assert "Brief" not in (await drsmith.ok("shared-with-me")).stdout
    assert [j["name"] for j in await drsmith.json("journal", "list")] == [
        "Personal",
        "ana/Personal",
    ]
    assert "Brief" not in (await drsmith.ok("journal", "list")).stdout

    # once verified, the brief downloads and is read with `tj briefs`, still no journal
    await drsmith.ok("verify", "ana", ana.signup["fingerprint"])
    await drsmith.ok("sync")
    [brief] = await drsmith.json("briefs")
    assert brief["journal"].startswith("ana/Brief ")
    assert [j["name"] for j in await drsmith.json("shared-with-me")] == ["ana/Personal"]
    assert "ana/Brief" not in said((await drsmith.ok("journal", "list")).stdout)


def test_a_brief_shared_is_told_in_app_neutral_words_and_kept_as_one() -> None:
    """The SDK's own words for the notice name no command (`Departure.describe`), and an
    "Earlier" notice kept for later reads back as a brief's."""
    brief = Departure("drsmith", "Brief 2026-12-05 01:38 for drsmith", "ab" * 16, SHARED, owner="wen",
                      at=1, brief=True)  # fmt: skip
    assert brief.describe(lambda at: "01:38") == "wen sent you a pre-session brief (01:38)"
    assert decode_told(encode_told([brief])) == [brief]
