"""NU28 findings (CLI), real server on 127.0.0.1, real crypto.

C3: after PHQ-9 item 9 is answered above 0, the score's band ("None-minimal") is never shown
alone: `tj measure take`'s result, `tj measure list` and the top of `tj measure show` say
that item 9 was answered above 0 and, whatever the total, that this answer needs a closer
talk: to the client kindly, in this app's own words (REV-CLIN F3: they were presented as
"the PHQ-9's instructions"), to a therapist in the PHQ Instruction Manual's words, quoted
and named. Scoring, bands and the safety message do not change.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli_insights import new_device

TOFU = "--trust-on-first-use"
ITEM_9 = "0,1,0,1,1,0,0,0,1"  # score 4, None-minimal, item 9 answered 1
NO_ITEM_9 = "0,1,0,1,1,0,0,1,0"  # score 4, None-minimal, item 9 answered 0
HEADING = "Your answer about thoughts of being better off dead or of hurting yourself matters."
CLIENT_LINE = (
    "item 9: answered 1 (Several days), above 0. Whatever the total score, this answer "
    "needs a closer talk with someone who can help: "
)
MANUAL = (
    'the PHQ Instruction Manual says a patient who answers yes to question 9 "needs further '
    'assessment for suicide risk by an individual who is competent to assess this risk"'
)
THERAPIST_LINE = f"item 9: answered 1 (Several days), above 0. Whatever the total score, {MANUAL}."


def flat(text: str) -> str:
    """A one-row table as one line: the terminal's width may wrap a cell."""
    return " ".join(text.split())


def lines_of(text: str) -> list[str]:
    """The text's lines, each wrapped one (a "label: value" line's later lines are indented
    under its value at the terminal's width: NU37 #8) joined back, runs of spaces as one."""
    lines: list[str] = []
    for line in text.splitlines():
        if line.startswith(" ") and lines and lines[-1]:
            lines[-1] += " " + line.strip()
        else:
            lines.append(line)
    return [" ".join(line.split()) for line in lines]


async def test_an_item_9_answer_above_0_is_said_next_to_a_low_score_everywhere(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("share", "Personal", "drsmith", "--full", TOFU)

    taken = await ana.ok("measure", "take", "phq9", "--answers", ITEM_9)
    assert HEADING in flat(taken.stderr)  # the safety message itself, unchanged, at once
    out = lines_of(taken.stdout)
    score = out.index("score: 4 of 27 (None-minimal)")  # scoring and band unchanged
    assert out[score + 1] == CLIENT_LINE + (
        "please read the safety message shown on the screen with this result and talk with "
        "your therapist or a doctor."
    )  # not "above": this line is on stdout, the message on stderr (NU32 #14)
    assert out[score + 2].startswith("change: ")
    result_id = out[0].removeprefix("id: ")

    shown = lines_of((await ana.ok("measure", "show", result_id[:8])).stdout)
    score = shown.index("score: 4 of 27 (None-minimal)")
    assert shown[score + 1] == CLIENT_LINE + (
        "please talk with your therapist or a doctor; your safety plan: "
        "`tj safety plan --journal Personal`."
    )

    listed = await ana.ok("measure", "list")
    # the first PHQ-9 of its journal: no change, so no change column (NU43 #19)
    assert "PHQ-9 Personal 4 None-minimal; item 9 above 0" in flat(listed.stdout), listed.stdout
    assert lines_of(listed.stderr)[-1] == (
        "item 9 above 0: whatever the total score, that answer needs a closer talk with "
        "someone who can help: please talk with your therapist or a doctor; your safety "
        "plan: `tj safety plan --journal Personal`."
    )

    await drsmith.ok("sync")  # the therapist reads it in the manual's terms
    shown = lines_of((await drsmith.ok("measure", "show", result_id[:8])).stdout)
    score = shown.index("score: 4 of 27 (None-minimal)")
    assert shown[score + 1] == THERAPIST_LINE
    listed = await drsmith.ok("measure", "list")
    assert "PHQ-9 ana/Personal 4 None-minimal; item 9 above 0" in flat(listed.stdout), listed.stdout
    assert lines_of(listed.stderr)[-1] == f"item 9 above 0: whatever the total score, {MANUAL}."


async def test_without_an_item_9_answer_the_result_and_list_say_nothing_more(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    taken = await ana.ok("measure", "take", "phq9", "--answers", NO_ITEM_9)
    assert "item 9" not in taken.output
    out = taken.stdout.splitlines()
    score = out.index("score:   4 of 27 (None-minimal)")
    assert out[score + 1].startswith("change:  ")
    listed = await ana.ok("measure", "list")
    assert "item 9" not in listed.output
    assert flat(listed.stdout).endswith("PHQ-9 Personal 4 None-minimal"), listed.stdout
    [result] = await ana.json("measure", "list")
    assert result["safety_concern"] is False


async def test_write_goal_add_and_note_say_what_was_saved_and_keep_the_id_alone_on_stdout(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """C5: a bare 32-hex id told a new user nothing; the sentence goes to stderr so that
    `id=$(tj write ...)` still gets the id alone."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    written = await ana.ok("write", "--title", "After session", "--mood", "6", "Slept badly.")
    assert re.fullmatch(r"[0-9a-f]{32}\n", written.stdout)
    assert written.stderr == f"Entry {written.stdout[:12]} ('After session') saved; synced.\n"
    untitled = await ana.ok("write", "Phone entry.")
    assert untitled.stderr == f"Entry {untitled.stdout[:12]} saved; synced.\n"
    goal = await ana.ok("goal", "add", "Walk daily", "--measure", "percent")
    assert re.fullmatch(r"[0-9a-f]{32}\n", goal.stdout)
    assert goal.stderr == f"Goal {goal.stdout[:12]} ('Walk daily') saved; synced.\n"
    await ana.ok("goal", "checkin", goal.stdout.strip(), "--progress", "10")  # still scriptable
    await ana.ok("share", "Personal", "drsmith", "--full", "--role", "annotate", TOFU)
    await drsmith.ok("sync")
    note = await drsmith.ok("note", "ana/Personal", "Good progress.")
    assert re.fullmatch(r"[0-9a-f]{32}\n", note.stdout)
    assert note.stderr == f"Note {note.stdout[:12]} in ana/Personal saved; synced.\n"
    as_json = await ana.ok("write", "--json", "Scripted.")
    assert json.loads(as_json.stdout)["body"] == "Scripted."  # --json unchanged


def test_the_readme_signup_line_names_the_device_and_says_how_else_it_is_named() -> None:
    """C6: the quick start's signup silently named the laptop after the host ("vm")."""
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    first_run = readme[readme.index("## First run") : readme.index("## Using the CLI")]
    assert "tj signup http://127.0.0.1:8765 ana --device-name laptop " in first_run
    using = readme[readme.index("## Using the CLI") :]
    quick_start = using[using.index("tj signup ") :]
    first = quick_start[: quick_start.index("tj write")]
    assert first.startswith("tj signup http://127.0.0.1:8765 ana --device-name laptop\n")
    assert "host name" in first and "tj devices rename" in first


async def test_the_markdown_export_marks_an_item_9_answer_above_0(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """C3: questionnaires.md showed "PHQ-9: 4 (None-minimal)" and the answers only."""
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("measure", "take", "phq9", "--answers", ITEM_9)
    await ana.ok("measure", "take", "phq9", "--answers", NO_ITEM_9)
    markdown = tmp_path / "md"
    await ana.ok("export", "--format", "markdown", "--out", str(markdown))
    page = (markdown / "personal" / "questionnaires.md").read_text()
    marked = (  # the client's own export: this app's words, as on her screen (NU50 F6)
        "- **item 9 answered 1 (Several days), above 0**: whatever the total score, this answer "
        "needs a closer talk with someone who can help: please talk with your therapist or a "
        "doctor, and keep your safety plan to hand."
    )
    assert page.count(marked) == 1
    assert page.count("PHQ-9: 4 (None-minimal)") == 2
    with_item_9 = page[page.index("- answers: 0, 1, 0, 1, 1, 0, 0, 0, 1") :]
    assert with_item_9.splitlines()[1] == marked
