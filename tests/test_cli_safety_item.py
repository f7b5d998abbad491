"""The safety message and flag when a questionnaire is asked item by item and the client
stops after the safety item (NEWUSER2 finding 36): the message is shown before the next
question, nothing is saved, and an opted-in flag is sealed all the same (without a score).
CLI through click's CliRunner against a real server on loopback."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device

HEADING = "Your answer about thoughts of being better off dead or of hurting yourself matters."
DIFFICULTY = "how difficult have these problems made it for you"
EIGHT = "1\n1\n1\n1\n1\n1\n1\n1\n"


async def opted_in(live_server: RunningServer, tmp_path: Path) -> tuple[Device, Device]:
    ben = await new_device(live_server, tmp_path, "ben")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ben.ok(
        "share", "Personal", "drsmith", "--role", "annotate", "--trust-on-first-use",
        "--safety-flags",
    )  # fmt: skip
    await ben.ok("safety", "plan", "--emergency", "999", "--text", "Ring Jo, then walk.")
    return ben, drsmith


async def test_input_ending_after_item_9_still_shows_the_message_and_seals_the_flag_without_a_score(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ben, drsmith = await opted_in(live_server, tmp_path)
    stopped = await ben.tj("measure", "take", "phq9", input=EIGHT + "3\n")  # then end of input
    assert stopped.exit_code == 1, stopped.output
    assert "Traceback" not in stopped.output
    err = stopped.stderr
    assert HEADING in err and "call 999" in err and "Ring Jo, then walk." in err
    assert "not monitored in real time" in err
    # the message came before the next question was asked
    assert err.index(HEADING) < err.index(DIFFICULTY)
    assert "Stopped: nothing was saved of this PHQ-9 (9 of 9 answers" in err
    assert "sealed for drsmith without a score" in err
    assert await ben.json("measure", "list") == []

    await drsmith.ok("sync")
    [flag] = await drsmith.json("safety", "flags")
    assert (flag["owner"], flag["measure"], flag["item"], flag["answer"]) == ("ben", "phq9", 9, 3)
    assert flag["result_id"] == ""  # a safety event without a score
    table = (await drsmith.ok("safety", "flags")).stdout
    assert "(no" in table and "score)" in table  # "phq9 (no score)", wrapped in 80 columns


async def test_the_message_shows_at_item_9_and_the_finished_result_is_linked_to_that_one_flag(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ben, drsmith = await opted_in(live_server, tmp_path)
    taken = await ben.ok("measure", "take", "phq9", "--json", input=EIGHT + "2\n\n")
    err = taken.stderr
    assert err.index(HEADING) < err.index(DIFFICULTY)
    assert "(Enter to skip)" in err
    [result] = await ben.json("measure", "list")
    assert (result["score"], result["unscored"]) == (10, None)

    await drsmith.ok("sync")
    [flag] = await drsmith.json("safety", "flags")  # one flag, linked to the result
    assert flag["result_id"] == result["id"] and flag["answer"] == 2


async def test_without_opt_in_stopping_after_item_9_shows_the_message_and_seals_nothing(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    stopped = await ana.tj("measure", "take", "phq9", input=EIGHT + "1\n")
    assert stopped.exit_code == 1
    assert HEADING in stopped.stderr and "flag" not in stopped.stderr
    assert await ana.json("measure", "list") == []
    assert await ana.json("safety", "flags") == []


async def test_gad7_difficulty_question_is_skipped_with_enter_and_stopping_there_says_nothing_was_saved(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    stopped = await ana.tj("measure", "take", "gad7", input="1\n1\n1\n1\n1\n0\n0\n")
    assert stopped.exit_code == 1
    assert "Stopped: nothing was saved of this GAD-7 (7 of 7 answers" in stopped.stderr
    assert HEADING not in stopped.stderr
    assert await ana.json("measure", "list") == []
    wrong_then_skip = await ana.ok("measure", "take", "gad7", input="1\n1\n1\n1\n1\n0\n0\n7\n\n")
    assert "Give one of 0, 1, 2, 3, or Enter to skip." in wrong_then_skip.stderr
    [taken] = await ana.json("measure", "list")
    assert (taken["score"], taken["unscored"]) == (5, None)


async def test_the_brief_lists_the_flag_of_a_stopped_questionnaire_and_who_acknowledged_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ben, drsmith = await opted_in(live_server, tmp_path)
    assert (await ben.tj("measure", "take", "phq9", input=EIGHT + "2\n")).exit_code == 1
    await drsmith.ok("sync")
    [flag] = await drsmith.json("safety", "flags")
    await drsmith.ok("safety", "ack", flag["id"][:8])
    await ben.ok("sync")
    shown = await ben.ok("brief", "drsmith", input="n\n")
    text = " ".join(shown.stdout.split())
    assert "(questionnaire stopped after it: no score): acknowledged by drsmith" in text
    shared = await ben.json("brief", "drsmith", "--yes")
    [raised] = shared["brief"]["safety_flags"]
    assert (raised["scored"], raised["item"]) == (False, 9)
    assert [a["by"] for a in raised["acknowledged"]] == ["drsmith"]
