"""A new user's findings (NU71): the notes that sum a result up by its score and band never
drop item 9 (F15), a sync inside another command says a held safety flag has now left (F6),
a field-level share past its end date says what it no longer carries (F13), `--json` has the
flags that left or are held (F14, F3), caseload rows carry the client's account id (F1), and
two flags of one minute are told apart (F4). Real server on loopback."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli_insights import new_device
from tests.test_cli_nu52_findings import TOFU, flat

ITEM_9_ONE = "0,0,0,0,0,0,0,0,1"  # score 1, None-minimal; item 9 "Several days"


async def test_assigning_a_phq9_after_one_with_item_9_names_it_and_suggests_no_wait(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F15: after a PHQ-9 of score 1 with item 9 answered 1, `tj assign` said "(1,
    None-minimal)" and how to put the next one off two weeks. Now it names item 9 as `tj
    measure show` does and suggests no wait; a second one-off assigned with --yes is said."""
    cleo = await new_device(live_server, tmp_path, "cleo")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await cleo.ok("share", "Personal", "drsmith", "--role", "annotate", TOFU)
    await cleo.ok("measure", "take", "phq9", "--answers", ITEM_9_ONE)
    await drsmith.ok("sync")
    assigned = await drsmith.ok("assign", "cleo/Personal", "measure", "phq9", "--yes")
    said = flat(assigned.stderr)
    assert "(1, None-minimal; item 9 answered 1 (Several days), above 0)" in said, said
    assert "needs further assessment for suicide risk" in said, said
    assert "not one to put off" in said, said
    assert "--starts" not in said and "assignments cancel" not in said, said
    assert "already has" not in said, said  # the first one

    again = await drsmith.ok("assign", "cleo/Personal", "measure", "phq9", "--yes")
    said = flat(again.stderr)
    [first, second] = await drsmith.json("assignments")
    older, newer = sorted([first, second], key=lambda a: a["created_at"])
    assert f"Note: cleo/Personal already has PHQ-9 once ({older['id'][:12]})" in said, said
    assert (
        f"so the client is asked for it twice: `tj assignments cancel {newer['id'][:12]}`" in said
    )


async def test_a_result_without_item_9_still_offers_to_wait_and_deleting_names_item_9(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """The note without item 9 still offers to put it off (NU52 F6); `tj measure delete`'s
    question names item 9 of the result it deletes."""
    cleo = await new_device(live_server, tmp_path, "cleo")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await cleo.ok("share", "Personal", "drsmith", "--role", "annotate", TOFU)
    taken = await cleo.json("measure", "take", "phq9", "--answers", "1,1,1,1,1,0,0,0,0")
    await drsmith.ok("sync")
    said = flat((await drsmith.ok("assign", "cleo/Personal", "measure", "phq9")).stderr)
    assert "(5, Mild); it asks about the last 2 weeks, so this one may repeat it:" in said
    assert "assignments cancel" in said, said
    flagged = await cleo.json("measure", "take", "phq9", "--answers", "1,1,1,1,1,0,0,0,2")
    asked = await cleo.tj("measure", "delete", flagged["id"], input="n\n")
    assert "(score 7, Mild; item 9 answered 2 (More than half the days), above 0)" in flat(
        asked.stderr
    ), asked.stderr
    asked = await cleo.tj("measure", "delete", taken["id"], input="n\n")
    assert "(score 5, Mild) for good" in flat(asked.stderr), asked.stderr


async def test_assigning_a_phq9_after_one_shared_without_its_answers_suggests_no_wait(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F15: a PHQ-9 in a copy of mood and scores comes without its answers: whether its item
    9 was above 0 is not known, so the note says so and suggests no wait either."""
    ben = await new_device(live_server, tmp_path, "ben")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ben.ok(
        "share", "Personal", "drsmith", "--only", "mood,scores", "--role", "annotate", TOFU
    )
    await ben.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,0,0,0,0")
    await drsmith.ok("sync")
    said = flat((await drsmith.ok("assign", "ben", "measure", "phq9")).stderr)
    assert "(5, Mild; item 9 not shared)" in said, said
    assert "whether its item 9 was answered above 0 is not known to you" in said, said
    assert "not one to put off" in said and "assignments cancel" not in said, said
