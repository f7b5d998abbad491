"""A questionnaire's answers are never lost to a save that fails (`tj measure take`): what can
be checked (the journal exists and takes results; the profile unlocks) is checked before the
first question; answers given one by one that a save still fails to save are kept in a draft
in the profile's drafts folder, which `tj measure take MEASURE --draft FILE` saves later with
the time they were given; a safety item answered above 0 shows the safety message whatever
fails. A real `tj` process where answers are piped while another command runs; click's
CliRunner elsewhere; a real server on loopback.

Timeouts only bound a hang (tests/README.md); they never measure speed.
"""

from __future__ import annotations

import asyncio
import json
import os
from datetime import datetime
from pathlib import Path

from tests.conftest import PASSWORD, RunningServer
from tests.e2e.test_questionnaire_hangup import DUMPING, ends_within_hang
from tests.e2e.test_sync_watch import TJ, read_line_containing
from tests.test_cli import Device
from tests.test_cli_insights import new_device
from tests.test_cli_safety_item import DIFFICULTY, EIGHT, HEADING, flat, opted_in

KEPT = "*.answers.json"


def kept_drafts(device: Device) -> list[Path]:
    return sorted((device.home / "drafts").glob(KEPT))


async def test_a_journal_that_cannot_take_the_result_is_said_before_the_first_question(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """`--journal` naming no journal, or an archived one, was said only after the last
    answer, at the save, and every answer was lost: now before anything is asked."""
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("journal", "create", "Work")
    await ana.ok("journal", "archive", "Work")
    for journal, said in (("Nope", "no journal named 'Nope'"), ("Work", "is archived")):
        taking = await ana.tj("measure", "take", "phq9", "--journal", journal, input=EIGHT)
        assert taking.exit_code == 1
        assert said in taking.stderr
        assert "1. Little interest" not in taking.stderr  # no question was asked
    assert kept_drafts(ana) == []


async def take_in(device: Device, *args: str) -> asyncio.subprocess.Process:
    """`tj measure take ARGS` as a real process on `device`'s profile, answers piped."""
    env = {
        **os.environ,
        "TJ_HOME": str(device.home),
        "TJ_PASSWORD": PASSWORD,
        "TJ_INSECURE_TEST_KDF": "1",
        **DUMPING,
    }
    return await asyncio.create_subprocess_exec(
        TJ, "measure", "take", *args,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def test_answers_a_failed_save_could_not_save_are_kept_in_a_draft_saved_later(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """The journal is archived on the same device while the questions are answered: the
    save fails after the last answer. The answers were lost; now they are kept in a draft
    (said, with the command that saves it), the safety message of item 9 was shown as it
    was answered, and no flag is claimed. The draft saves them later, dated when they were
    given, and is deleted then."""
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("journal", "create", "Work")
    taking = await take_in(ana, "phq9", "--journal", "Work")
    assert taking.stdin is not None and taking.stderr is not None
    try:
        taking.stdin.write(b"1\n1\n1\n")
        await taking.stdin.drain()
        await read_line_containing(taking.stderr, "4. ")  # the first three were read
        before = datetime.now().astimezone()
        await ana.ok("journal", "archive", "Work")
        taking.stdin.write(b"1\n1\n1\n1\n1\n2\n1\n")
        await taking.stdin.drain()
        assert await ends_within_hang(taking) == 1
    finally:
        if taking.returncode is None:
            taking.kill()
            await taking.wait()
    said = flat((await taking.stderr.read()).decode())
    [draft] = kept_drafts(ana)
    assert os.stat(draft).st_mode & 0o777 == 0o600
    assert f"Your answers were not saved: they are kept in {draft}" in said
    assert f"measure take phq9 --draft {draft}` saves them" in said
    assert said.count(HEADING) == 1  # shown at item 9, not again
    assert "No safety flag was sent from these answers" in said
    assert "is archived" in said
    kept = json.loads(draft.read_text())
    assert (kept["answers"], kept["unscored"], kept["journal"]) == ([1] * 8 + [2], 1, "Work")
    assert await ana.json("measure", "list") == []

    await ana.ok("journal", "unarchive", "Work")
    saving = await ana.ok("measure", "take", "phq9", "--draft", str(draft))
    assert HEADING in flat(saving.stderr)  # item 9 above 0: the message, with the result
    assert f"Saved the answers of {draft}, and deleted it." in flat(saving.stderr)
    assert not draft.exists()
    [result] = await ana.json("measure", "list")
    assert (result["score"], result["unscored"], result["journal"]) == (10, 1, "Work")
    taken_at = datetime.fromisoformat(result["taken_at"])
    assert before.replace(microsecond=0) <= taken_at <= datetime.now().astimezone()


async def test_a_failed_save_of_answers_given_at_once_still_shows_the_safety_message(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """`--answers` with item 9 above 0 to a journal that takes no result: the save failed
    before the safety message was shown, and none was. It is shown; the answers are the
    command's own (no draft kept)."""
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("journal", "create", "Work")
    await ana.ok("journal", "archive", "Work")
    taking = await ana.tj(
        "measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,3", "--journal", "Work"
    )
    assert taking.exit_code == 1
    said = flat(taking.stderr)
    assert said.count(HEADING) == 1 and "nearest emergency department" in said
    assert said.index(HEADING) < said.index("is archived")
    assert "Your answers were not saved. The safety message above still applies" in said
    assert kept_drafts(ana) == []
    # answers without a safety answer above 0: the error only
    plain = await ana.tj(
        "measure", "take", "gad7", "--answers", "1,1,1,1,1,1,1", "--journal", "Work"
    )
    assert plain.exit_code == 1 and HEADING not in flat(plain.stderr)


async def test_a_draft_of_another_measure_or_not_a_draft_saves_nothing(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    draft = tmp_path / "phq9.answers.json"
    draft.write_text(
        json.dumps(
            {
                "measure": "phq9",
                "answers": [0] * 9,
                "unscored": None,
                "taken_at": "2026-11-30T10:00:00+00:00",
                "journal": None,
            }
        )
    )
    other = await ana.tj("measure", "take", "gad7", "--draft", str(draft))
    assert other.exit_code == 1 and "holds answers to phq9, not gad7" in other.stderr
    both = await ana.tj("measure", "take", "phq9", "--draft", str(draft), "--answers", "1")
    assert both.exit_code == 2 and "give none of --answers" in both.stderr
    bad = tmp_path / "notes.json"
    bad.write_text('{"measure": "phq9", "answers": ["1"]}')
    refused = await ana.tj("measure", "take", "phq9", "--draft", str(bad))
    assert refused.exit_code == 1 and "is not answers kept by" in refused.stderr
    assert await ana.json("measure", "list") == []
    await ana.ok("measure", "take", "phq9", "--draft", str(draft))
    [result] = await ana.json("measure", "list")
    assert (result["score"], result["taken_at"][:10]) == (0, "2026-11-30")
    assert draft.exists()  # not in the profile's drafts folder: the user's own file


async def test_the_message_is_shown_with_the_emergency_lines_when_the_plan_cannot_be_read(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """Item 9 answered above 0, and the journal's plan cannot be read for its message (here:
    the journal was deleted by another command while the questions were answered; one this
    device never held is refused before the first question now): the message is shown all
    the same, with the emergency lines and the default journal's plan, which it would
    borrow anyway (nu79 F9: its words now name no journal; the built-in lines and "could not
    be read" only when even that plan cannot be: tests/e2e/test_questionnaire_hangup.py),
    instead of the command ending on the error with no message. (Moved from
    tests/test_cli_safety_item.py, which named a journal this device does not hold.) The
    save then fails too: the answers are kept."""
    ben, _drsmith = await opted_in(live_server, tmp_path)
    await ben.ok("journal", "create", "Work")
    taking = await take_in(ben, "phq9", "--journal", "Work")
    assert taking.stdin is not None and taking.stderr is not None
    try:
        taking.stdin.write(b"1\n1\n1\n")
        await taking.stdin.drain()
        await read_line_containing(taking.stderr, "4. ")
        await ben.ok("journal", "delete", "Work", "--yes")
        taking.stdin.write(b"1\n1\n1\n1\n1\n2\n1\n")
        await taking.stdin.drain()
        assert await ends_within_hang(taking) == 1
    finally:
        if taking.returncode is None:
            taking.kill()
            await taking.wait()
    err = flat((await taking.stderr.read()).decode())
    assert "Traceback" not in err
    assert HEADING in err and "nearest emergency department" in err
    assert "findahelpline.com" in err
    assert "Ring Jo, then walk." in err and "999" in err  # her plan, from the default journal
    assert "could not be read" not in err
    assert err.index(HEADING) < err.index(DIFFICULTY)
    assert len(kept_drafts(ben)) == 1


async def test_logout_names_answers_kept_in_a_draft_before_deleting_them(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """Answers kept in a draft go with the device's local data at `tj logout`, which asks
    first, naming them and the command that saves them (it named only entries' drafts, and
    deleted kept answers unsaid)."""
    from cli.measures import KeptAnswers, keep_answers

    ana = await new_device(live_server, tmp_path, "ana")
    at = datetime.now().astimezone()
    draft = keep_answers(ana.home, KeptAnswers("gad7", [1] * 7, None, at, None))
    kept = await ana.tj("logout", input="n\n")
    said = flat(kept.stderr)
    assert kept.exit_code != 0 and draft.exists()
    assert "1 draft never saved" in said
    assert f"`tj measure take gad7 --draft {draft}`" in said, said  # its own, by its path
    assert "tj write --draft" not in said, said
    gone = await ana.tj("logout", input="y\n")
    assert gone.exit_code == 0 and not draft.exists(), gone.output
    assert "Deleted 1 draft never saved" in flat(gone.stderr)
