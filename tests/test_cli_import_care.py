"""`tj export` then `tj import` into a new account brings the person's own questionnaire
results and safety plan (NU45 #13, NU48 #3): they show in `tj measure list` and `tj safety
plan`, the change from an imported result to a new one is measured, a second import adds
nothing, and a hand-edited score refuses the file in one line (real server, CliRunner)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import failed_with_one_line
from tests.test_cli_insights import new_device
from tests.test_cli_measures import flat


async def exported(live_server: RunningServer, tmp_path: Path) -> Path:
    """Ana's export: a severe PHQ-9 a month ago answering item 9 above 0, a GAD-7 today,
    her safety plan; the path of the JSON file."""
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok(
        "measure", "take", "phq9", "--answers", "3,3,3,2,2,2,2,2,1", "--date", "2026-11-01 09:00",
    )  # fmt: skip
    await ana.ok("measure", "take", "gad7", "--answers", "1,1,1,1,1,1,1")
    await ana.ok("safety", "plan", "--emergency", "999", "--text", "Ring Jo, then walk.")
    return Path((await ana.ok("export", "--out", str(tmp_path / "out"))).stdout.strip())


async def test_results_and_safety_plan_show_in_the_new_account_and_import_once(
    live_server: RunningServer, tmp_path: Path
) -> None:
    path = await exported(live_server, tmp_path)
    mia = await new_device(live_server, tmp_path, "mia")
    # named: an import writes into an existing journal (mia's own Personal) only so
    said = (await mia.ok("import", str(path), "--journal", "Personal")).stdout.strip()
    said = " ".join(said.split())  # wrapped at the width (NU50 F5)
    assert said == (
        "Imported 2 questionnaire results and 1 safety plan into 'Personal' (read by no one else); the "
        "emergency "
        "number the safety message shows for Personal is now the file's, '999' (check it "
        "with `tj safety plan --journal Personal`)."
    ), said

    listed = await mia.json("measure", "list")
    assert [(r["measure"], r["score"], r["safety_concern"]) for r in listed] == [
        ("gad7", 7, False),
        ("phq9", 20, True),
    ]
    assert listed[1]["taken_at"].startswith("2026-11-01")
    shown = (await mia.ok("measure", "list")).stdout
    assert "item 9 above 0" in shown  # the safety mark, as for a result taken here
    plan = (await mia.ok("safety", "plan")).stdout
    assert "Ring Jo, then walk." in plan and "999" in plan

    taken = flat((await mia.ok("measure", "take", "phq9", "--answers", "1,1,1,1,0,1,0,0,0")).stdout)
    assert "change: -15 since last time (from 20 on 2026-11-01)" in taken
    assert "course: -15 since the first (from 20 on 2026-11-01), reliable improvement" in taken

    again = " ".join((await mia.ok("import", str(path))).stdout.split())  # nothing made
    assert again == (
        "Nothing new to import: 2 questionnaire results and 1 safety plan already here (in "
        "'Personal')."
    )
    assert len(await mia.json("measure", "list")) == 3


async def test_a_plan_written_here_is_kept_and_the_summary_says_so(
    live_server: RunningServer, tmp_path: Path
) -> None:
    path = await exported(live_server, tmp_path)
    mia = await new_device(live_server, tmp_path, "mia")
    await mia.ok("safety", "plan", "--text", "Call my sister.")
    said = (await mia.ok("import", str(path), "--journal", "Personal")).stdout.strip()
    said = " ".join(said.split())  # wrapped at the width (NU50 F5)
    assert said == (
        "Imported 2 questionnaire results into 'Personal' (read by no one else); kept "
        "the safety plan you wrote here in Personal: the file's differs and stays in the file "
        '("safety_plans"; `tj safety plan` shows yours).'
    ), said
    assert "Call my sister." in (await mia.ok("safety", "plan")).stdout


async def test_a_score_edited_in_the_file_refuses_it_in_one_line_and_imports_nothing(
    live_server: RunningServer, tmp_path: Path
) -> None:
    path = await exported(live_server, tmp_path)
    data = json.loads(path.read_text())
    data["results"][0]["score"] = 2  # the PHQ-9 answering 20
    path.write_text(json.dumps(data))
    mia = await new_device(live_server, tmp_path, "mia")
    line = failed_with_one_line(await mia.tj("import", str(path)), 2)
    assert line.startswith(
        "Error: results[0]: 'score' is 2, not the total of its answers (20): the SDK computes "
        "the score from the answers again"
    ), line
    assert "nothing of the file was imported" in line
    assert await mia.json("measure", "list") == []
    assert "Ring Jo" not in (await mia.ok("safety", "plan")).stdout


async def test_import_help_says_results_and_plan_come_too(
    live_server: RunningServer, tmp_path: Path
) -> None:
    mia = await new_device(live_server, tmp_path, "mia")
    said = " ".join((await mia.ok("import", "--help")).raw_stdout.split())  # help as written
    assert "Your own questionnaire results come too" in said
    assert "one you have written here is kept, never overwritten" in said
    exported = " ".join((await mia.ok("export", "--help")).stdout.split())
    assert "your own questionnaire results and safety plan" in exported


async def test_import_help_says_a_therapists_crisis_line_and_copies_are_kept(
    live_server: RunningServer, tmp_path: Path
) -> None:
    mia = await new_device(live_server, tmp_path, "mia")
    said = " ".join((await mia.ok("import", "--help")).raw_stdout.split())  # help as written
    assert "A crisis line your therapist set stays in force" in said
    assert "`tj safety plan --crisis-line`" in said
    assert '"NAME (imported)" when you have a journal of that name' in said
    assert "never writes into an existing journal unless you name it with `--journal`" in said


async def test_the_summary_names_the_emergency_number_and_crisis_line_the_message_now_shows(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """The file's emergency number, like its crisis line (REV-S10B F3), is what the safety
    message shows from now on: the summary names both, for the person to check."""
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok(
        "safety", "plan", "--emergency", "999", "--crisis-line", "Samaritans: call 116 123",
    )  # fmt: skip
    path = (await ana.ok("export", "--out", str(tmp_path / "out"))).stdout.strip()
    mia = await new_device(live_server, tmp_path, "mia")
    said = (await mia.ok("import", path, "--journal", "Personal")).stdout.strip()
    said = " ".join(said.split())  # wrapped at the width (NU50 F5)
    assert said == (
        "Imported 1 safety plan into 'Personal' (read by no one else); the emergency number "
        "the safety message shows "
        "for Personal is now the file's, '999' (check it with `tj safety plan --journal Personal`); the crisis "
        "line the safety message shows for Personal is now the file's, 'Samaritans: call 116 "
        "123' (check it with `tj safety plan --journal Personal`)."
    ), said
    plan = (await mia.ok("safety", "plan")).stdout
    assert "999" in plan and "Samaritans: call 116 123" in plan
    # the default: the plan goes into a journal of its own, whose message shows it; the
    # default journal's message, which has none, borrows no other journal's (rev29a F1)
    cleo = await new_device(live_server, tmp_path, "cleo")
    said = " ".join((await cleo.ok("import", path)).stdout.split())
    assert (
        "the emergency number the safety message shows for Personal (imported) is now the "
        "file's, '999' (check it with `tj safety plan --journal 'Personal (imported)'`)"
    ) in said, said
    assert (
        "the crisis line the safety message shows for Personal (imported) is now the file's, "
        "'Samaritans: call 116 123'"
    ) in said, said
    taken = await cleo.json("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,1")
    assert taken["journal"] == "Personal"
    message = " ".join(taken["safety_message"]["lines"])
    assert "call 999" not in message and "Samaritans" not in message, message
    shown = await cleo.json("safety", "plan")
    assert (shown["emergency_number"], shown["crisis_line"], shown["shown_from"]) == (
        None,
        None,
        None,
    )
    imported = await cleo.json("safety", "plan", "--journal", "Personal (imported)")
    assert (imported["emergency_number"], imported["crisis_line"]) == (
        "999",
        "Samaritans: call 116 123",
    )
    again = await cleo.json("import", path)  # nothing new: nothing changes, nothing said
    assert again["emergency_numbers_imported"] == again["crisis_lines_imported"] == {}
