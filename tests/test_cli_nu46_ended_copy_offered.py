"""NU46 #11: a client's name that names several of their journals shared with this account is
refused naming each; the read-only copy of a share that ended, which may hold what is looked
for, was left out of the list."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli_insights import new_device

TOFU = "--trust-on-first-use"


async def test_a_clients_name_offers_the_ended_shares_copy_too(
    live_server: RunningServer, tmp_path: Path
) -> None:
    maya = await new_device(live_server, tmp_path, "maya")
    drlee = await new_device(live_server, tmp_path, "drlee")
    entry = (await maya.ok("write", "--mood", "3", "Before the narrowing.")).stdout.strip()
    await maya.ok("share", "Personal", "drlee", "--full", TOFU)
    await drlee.ok("sync")
    await maya.ok("share", "Personal", "drlee", "--only", "mood,tags")  # the whole share ends
    await maya.ok("share-entry", entry, "drlee", "--only", "mood")
    await drlee.ok("sync")
    refused = await drlee.tj("list", "--journal", "maya")
    assert refused.exit_code != 0
    said = " ".join(refused.stderr.split())
    assert (
        "maya shares several journals with you: name one of "
        "'maya/Personal (mood, tags) for drlee', 'maya/Shared with drlee' (or a read-only copy "
        "of a share that ended: 'maya/Personal')"
    ) in said, said
    # the copy it names is listed by that name
    listed = await drlee.json("list", "--journal", "maya/Personal")
    assert [e["mood"] for e in listed] == [3]
