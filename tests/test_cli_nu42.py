"""NU42: a new user's findings through the CLI (real server on loopback, real crypto)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device, laptop, phone  # noqa: F401  (fixtures)
from tests.test_cli_insights import new_device


async def test_a_deleted_entry_shared_again_from_the_phone_leaves_the_therapist_at_once(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    """NU42 #1: the laptop shared an entry one by one, the phone edited it and shared it
    again; `tj delete` on the laptop said "synced" and that it leaves drsmith's view at
    their next sync, but the copy's trash waited for the laptop's next sync."""
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    written = await laptop.json("write", "--tag", "x", "A fresh one for sharing")
    entry = written["id"][:8]
    await laptop.ok("share-entry", entry, "drsmith", "--trust-on-first-use")
    await phone.ok("sync")
    await phone.ok("edit", entry, "--append", "Edited on phone.")
    await phone.ok("share-entry", entry, "drsmith", "--trust-on-first-use")
    await drsmith.ok("sync")
    assert len(await drsmith.json("list", "--journal", "ana/Shared with drsmith")) == 1
    await laptop.ok("delete", entry, "--yes")
    await drsmith.ok("sync")
    assert await drsmith.json("list", "--journal", "ana/Shared with drsmith") == []


async def test_trashing_an_entry_says_a_former_member_keeps_what_was_downloaded(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU42 #3: after ana ended drsmith's share of Personal, trashing an entry he had
    downloaded named nobody (or only the copy shared one by one, "removes it from their
    view"), while his read-only copy of Personal kept it: now the question and the result
    say that a former member keeps what their device downloaded."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("share", "Personal", "drsmith", "--full", "--trust-on-first-use")
    written = await ana.json("write", "After Tuesday's session.")
    await drsmith.ok("sync")
    await ana.ok("unshare", "Personal", "drsmith", "--yes")
    asked = await ana.tj("delete", written["id"][:8], input="n\n")
    said = " ".join((asked.stdout + asked.stderr).split())
    kept = "drsmith, whose share of Personal ended, keeps what their device downloaded"
    assert kept in said, said
    done = await ana.ok("delete", written["id"][:8], "--yes")
    assert kept in " ".join(done.stderr.split())
    await drsmith.ok("sync")
    assert [e["id"] for e in await drsmith.json("list")] == [written["id"]]  # as said


async def test_search_finds_an_emotion_and_names_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU42 #8: `tj search calm` said "No entries match" for a check-in with the emotion
    calm (tags were searched, emotions not)."""
    ana = await new_device(live_server, tmp_path, "ana")
    checked = await ana.json("mood", "7", "--emotion", "calm")
    [hit] = await ana.json("search", "calm")
    assert hit["entry"]["id"] == checked["id"] and hit["emotions_matched"] == ["calm"]
    shown = await ana.ok("search", "calm", env={"COLUMNS": "120"})
    assert "emotion: calm" in shown.stdout
