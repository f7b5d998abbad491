"""What a therapist's `tj sync` tells of an entry a client shares one by one after ending
their whole-journal share (NU42 #4: "nothing new" when the copy arrived, was trashed or
restored, for an entry the therapist already held in the ended share's read-only copy)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli_insights import new_device


async def test_an_entry_shared_one_by_one_after_the_share_ended_is_told_arriving_and_leaving(
    live_server: RunningServer, tmp_path: Path
) -> None:
    maya = await new_device(live_server, tmp_path, "maya")
    okafor = await new_device(live_server, tmp_path, "okafor")
    await maya.ok("share", "Personal", "okafor", "--full", "--trust-on-first-use")
    before = (await maya.json("write", "--mood", "4", "Before the session."))["id"][:8]
    written = (await maya.json("write", "--mood", "3", "After Tuesday's session."))["id"][:8]
    await okafor.ok("sync")
    await maya.ok("share-entry", before, "okafor")  # read in Personal, shared now: no news
    assert (await okafor.ok("sync")).stdout.splitlines() == ["1 share change (below)"]
    await maya.ok("unshare", "Personal", "okafor", "--yes")
    await okafor.ok("sync")

    await maya.ok("share-entry", written, "okafor")
    assert (await okafor.ok("sync")).stdout.splitlines() == ["1 new entry from maya"]
    assert len(await okafor.json("list", "--journal", "maya/Shared with okafor")) == 2
    await maya.ok("delete", written, "--yes")
    said = (await okafor.ok("sync")).stdout.splitlines()
    assert said == ["1 entry moved to the trash by maya"]
    assert len(await okafor.json("list", "--journal", "maya/Shared with okafor")) == 1
    await maya.ok("restore", written)
    restored = await okafor.ok("sync")
    assert restored.stdout.splitlines() == ["1 entry restored from the trash by maya"]
    assert (await okafor.ok("sync")).stdout.splitlines() == ["nothing new"]


async def test_a_result_shared_one_by_one_after_the_share_ended_is_new(
    live_server: RunningServer, tmp_path: Path
) -> None:
    maya = await new_device(live_server, tmp_path, "maya")
    okafor = await new_device(live_server, tmp_path, "okafor")
    await maya.ok("share", "Personal", "okafor", "--full", "--trust-on-first-use")
    taken = await maya.json("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,0")
    await okafor.ok("sync")
    await maya.ok("unshare", "Personal", "okafor", "--yes")
    await okafor.ok("sync")
    await maya.ok("measure", "share", taken["id"][:8], "okafor")
    said = (await okafor.ok("sync")).stdout.splitlines()
    assert said == ["1 new questionnaire result from maya, 1 share change (below)"]
