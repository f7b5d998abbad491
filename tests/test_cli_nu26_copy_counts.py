"""NU26 C6 (CLI): a `--full` share after `--only` (or made again after narrowing) counts as
new only what the therapist did not already have through the client's copy. Real server on
127.0.0.1, real crypto."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device

TOFU = "--trust-on-first-use"


async def shared_in_copy_then_whole(ben: Device, drsmith: Device) -> None:
    await ben.ok("write", "--mood", "5", "ben one")
    await ben.ok("share", "Personal", "drsmith", "--only", "mood,tags", TOFU)
    await drsmith.ok("sync")
    await ben.ok("write", "--mood", "3", "--tag", "x", "ben two")
    assert (await drsmith.ok("sync")).stdout.strip() == "1 new entry from ben"


async def test_a_whole_share_after_a_copy_counts_only_what_is_new_to_the_therapist(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU26 C6: "ben two" reached drsmith through the mood/tags copy; `--full` brings it
    again in full, with "ben one" (written before the copy, never shared): one new entry."""
    ben = await new_device(live_server, tmp_path, "ben")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await shared_in_copy_then_whole(ben, drsmith)
    await ben.ok("share", "Personal", "drsmith", "--full", "--yes")
    told = await drsmith.ok("sync")
    assert told.stdout.startswith("1 new entry from ben, "), told.stdout
    assert len(await drsmith.json("list", "--journal", "ben/Personal")) == 2


async def test_a_whole_share_again_after_narrowing_counts_no_entry_already_held(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """The whole share, narrowed (its copy kept read-only), an entry through the copy, then
    --full again: drsmith holds every entry already, so none is new."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("write", "--mood", "5", "ana one")
    await ana.ok("share", "Personal", "drsmith", "--full", "--role", "annotate", TOFU)
    await drsmith.ok("sync")
    await ana.ok("share", "Personal", "drsmith", "--only", "mood,tags", "--yes")
    await drsmith.ok("sync")
    await ana.ok("write", "--mood", "2", "ana after narrow")
    assert (await drsmith.ok("sync")).stdout.strip() == "1 new entry from ana"
    await ana.ok("share", "Personal", "drsmith", "--full", "--yes")
    told = await drsmith.ok("sync")
    assert told.stdout.strip() == "1 share change (below)", told.stdout
    assert "Notice: ana shared 'Personal' with you again (" in told.stderr
    # A new entry written after it still counts, once.
    await ana.ok("write", "--mood", "4", "ana later")
    assert (await drsmith.ok("sync")).stdout.strip() == "1 new entry from ana"


async def test_a_result_had_through_the_copy_is_not_new_in_the_whole_share(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ben = await new_device(live_server, tmp_path, "ben")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ben.ok("share", "Personal", "drsmith", "--only", "mood,scores", TOFU)
    await drsmith.ok("sync")
    await ben.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,0")
    assert (await drsmith.ok("sync")).stdout.strip() == "1 new questionnaire result from ben"
    await ben.ok("share", "Personal", "drsmith", "--full", "--yes")
    told = await drsmith.ok("sync")
    assert "questionnaire result" not in told.stdout, told.stdout
    assert len(await drsmith.json("measure", "list")) == 1
