"""The safety message and flag when a questionnaire is asked item by item (NEWUSER2 finding
36, R13 finding 10): the message is shown the moment PHQ-9 item 9 is answered above 0, before
the next question; stopping at the skippable difficulty question still saves the complete
result; stopping before the last item saves nothing and says so. (A flag without a score,
for an instrument whose safety item is not its last, is tested through the SDK in
tests/client/test_safety_without_a_score.py.) CLI through click's CliRunner against a real
server on loopback."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device

HEADING = "Your answer about thoughts of being better off dead or of hurting yourself matters."
DIFFICULTY = "how difficult have these problems made it for you"
LINE_STARTS = ("Your answer about thoughts of being better off dead", "how difficult have these")
"""The first words of HEADING and DIFFICULTY, on the first line of each at any width from 80
(the rest wraps at the terminal's width: NU38 N2), for a test that reads line by line."""


def flat(text: str) -> str:
    """Printed text with its line breaks as spaces: the safety message and the questions wrap
    at the terminal's width (NU38 N2), their words unchanged."""
    return " ".join(text.split())


EIGHT = "1\n1\n1\n1\n1\n1\n1\n1\n"


async def opted_in(live_server: RunningServer, tmp_path: Path) -> tuple[Device, Device]:
    ben = await new_device(live_server, tmp_path, "ben")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ben.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate",
        "--trust-on-first-use", "--safety-flags",
    )  # fmt: skip
    await ben.ok("safety", "plan", "--emergency", "999", "--text", "Ring Jo, then walk.")
    return ben, drsmith


async def test_input_ending_at_the_difficulty_question_saves_the_complete_phq9_with_its_flag(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """Every scored item answered, then end of input at the skippable difficulty question:
    the result is valid, so it is saved without the difficulty answer (R13 finding 10),
    and the flag sealed for the therapist is linked to it."""
    ben, drsmith = await opted_in(live_server, tmp_path)
    taken = await ben.tj("measure", "take", "phq9", input=EIGHT + "3\n")  # then end of input
    assert taken.exit_code == 0, taken.output
    assert "Traceback" not in taken.output
    err = flat(taken.stderr)
    assert HEADING in err and "call 999" in err and "Ring Jo, then walk." in err
    assert "not monitored in real time" in err
    # the message came before the next question was asked
    assert err.index(HEADING) < err.index(DIFFICULTY)
    assert "(no answer to this one: your PHQ-9 is saved without it)" in err
    assert "Stopped" not in err
    [result] = await ben.json("measure", "list")
    assert (result["score"], result["unscored"]) == (11, None)

    await drsmith.ok("sync")
    [flag] = (await drsmith.json("safety", "flags"))["flags"]
    assert (flag["owner"], flag["measure"], flag["item"], flag["answer"]) == ("ben", "phq9", 9, 3)
    assert flag["result_id"] == result["id"]


async def test_the_message_shows_at_item_9_and_the_finished_result_is_linked_to_that_one_flag(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ben, drsmith = await opted_in(live_server, tmp_path)
    taken = await ben.ok("measure", "take", "phq9", "--json", input=EIGHT + "2\n\n")
    err = flat(taken.stderr)
    assert err.index(HEADING) < err.index(DIFFICULTY)
    assert "(Enter to skip)" in err
    [result] = await ben.json("measure", "list")
    assert (result["score"], result["unscored"]) == (10, None)

    await drsmith.ok("sync")
    [flag] = (await drsmith.json("safety", "flags"))["flags"]  # one flag, linked to the result
    assert flag["result_id"] == result["id"] and flag["answer"] == 2


async def test_without_opt_in_item_9_shows_the_message_and_seals_nothing(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    taken = await ana.ok("measure", "take", "phq9", input=EIGHT + "1\n")
    assert HEADING in flat(taken.stderr) and "flag" not in taken.stderr
    assert [r["score"] for r in await ana.json("measure", "list")] == [9]
    assert (await ana.json("safety", "flags"))["flags"] == []


async def test_stopping_before_the_last_item_saves_nothing_and_says_so(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    stopped = await ana.tj("measure", "take", "gad7", input="1\n1\n1\n")
    assert stopped.exit_code == 1
    assert "Stopped: nothing was saved of this GAD-7 (3 of 7 answers" in stopped.stderr
    assert HEADING not in flat(stopped.stderr)
    assert await ana.json("measure", "list") == []


async def test_phq9_difficulty_question_is_skipped_with_enter_or_by_ending_the_input(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """The PHQ-9's: GAD-7 asks none since its version 3 (REV-CLIN F2)."""
    ana = await new_device(live_server, tmp_path, "ana")
    five = "1\n1\n1\n1\n1\n0\n0\n0\n0\n"
    ended = await ana.ok("measure", "take", "phq9", input=five)
    assert "(no answer to this one: your PHQ-9 is saved without it)" in ended.stderr
    wrong_then_skip = await ana.ok("measure", "take", "phq9", input=five + "7\n\n")
    assert "Give one of 0, 1, 2, 3, or Enter to skip." in wrong_then_skip.stderr
    assert [(t["score"], t["unscored"]) for t in await ana.json("measure", "list")] == [
        (5, None),
        (5, None),
    ]


async def test_the_brief_lists_the_flag_and_who_acknowledged_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ben, drsmith = await opted_in(live_server, tmp_path)
    await ben.ok("measure", "take", "phq9", input=EIGHT + "2\n\n")
    await drsmith.ok("sync")
    [flag] = (await drsmith.json("safety", "flags"))["flags"]
    await drsmith.ok("safety", "ack", flag["id"][:8])
    await ben.ok("sync")
    shown = await ben.ok("brief", "drsmith", input="n\n")
    text = " ".join(shown.stdout.split())
    assert "Safety flag raised on " in text and ": acknowledged by drsmith on " in text
    assert "stopped" not in text
    shared = await ben.json("brief", "drsmith", "--yes")
    [raised] = shared["brief"]["safety_flags"]
    assert (raised["scored"], raised["item"]) == (True, 9)
    assert [a["by"] for a in raised["acknowledged"]] == ["drsmith"]


async def test_safety_flags_need_the_annotate_role_and_the_confirmation_says_they_are_on(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """R13 finding 9: a read-only member could never mark a flag as read."""
    ben = await new_device(live_server, tmp_path, "ben")
    await new_device(live_server, tmp_path, "drsmith")
    refused = await ben.tj(
        "share", "Personal", "drsmith", "--trust-on-first-use", "--safety-flags"
    )  # the default role is read
    assert refused.exit_code == 2 and "--safety-flags needs --role annotate" in refused.stderr
    assert await ben.json("shares") == []
    plan = await ben.json("safety", "plan")
    assert plan["share_flags"] is False
    shared = await ben.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate",
        "--trust-on-first-use", "--safety-flags",
    )  # fmt: skip
    words = " ".join(shared.stderr.split())  # wrapped at the terminal's width
    assert "Safety flags: on for drsmith." in words and "drsmith sees it" in words, words


async def test_an_answer_that_is_not_an_option_is_asked_again_with_the_options_named(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    taken = await ana.ok("measure", "take", "gad7", input="x\n9\n1\n1\n1\n1\n1\n0\n0\n\n")
    assert taken.stderr.count("Error: give one of 0, 1, 2, 3") == 2
    assert "not a valid integer" not in taken.stderr
    [result] = await ana.json("measure", "list")
    assert result["score"] == 5


async def test_a_digit_other_than_0_to_9_is_asked_again_not_a_traceback(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """REV-CLIN F8: "²" passed `isdigit()` and `int()` raised ValueError: the questionnaire
    ended with a traceback and nothing saved. "٣" (Arabic-Indic 3) is refused as well,
    never read as 3: each is asked again with the message any other bad answer gets."""
    ana = await new_device(live_server, tmp_path, "ana")
    taken = await ana.ok("measure", "take", "gad7", input="0\n0\n²\n٣\n1\n1\n1\n1\n1\n")
    assert taken.stderr.count("Error: give one of 0, 1, 2, 3") == 2, taken.stderr
    assert "Traceback" not in taken.stderr and "ValueError" not in taken.stderr
    [result] = await ana.json("measure", "list")
    assert (result["answers"], result["score"]) == ([0, 0, 1, 1, 1, 1, 1], 5)
