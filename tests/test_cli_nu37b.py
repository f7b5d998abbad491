"""NU37 (a new user's walkthrough) findings 3, 5, 6, 7, 8 and 12, each with the commands
that showed it (real server on loopback, CliRunner, real crypto):

- #3, #7: `tj journal list` with a long journal name: its later lines are indented (none
  reads as a journal of its own) and the ids stay in their column, at 80 and 120 columns,
  even for a 100-character name of one word;
- #5: a malformed check-in id, a target both given and cleared, an empty search and a bad
  homework value are usage errors: exit status 2;
- #6: `tj discuss` given a goal's or a result's id, `tj show` given a journal's or a
  check-in's, `tj goal show` given a check-in's say what the id is and what shows it;
- #8: long "label: value" lines wrap under their value; `--emotion`'s names in the help
  wrap;
- #12: `tj goal checkin` and `tj private-notes add` say what they saved, a reached goal
  says how to mark it done, `tj journal list` says "fingerprint not verified", and `tj
  prompt list` leaves its prompts room at 80 columns.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import RunningServer
from tests.table_cells import below, column
from tests.test_cli import failed_with_one_line
from tests.test_cli_insights import new_device

TOFU = "--trust-on-first-use"
SUMMER = "Notes about the long summer at the lake house with my whole family in 2026"
WORD = "x" * 100  # one word of the longest name a journal takes


@pytest.mark.parametrize("width", [80, 120])
async def test_journal_list_indents_a_long_name_and_keeps_the_ids_in_their_column(
    live_server: RunningServer, tmp_path: Path, width: int
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drsmith")
    for name in (SUMMER, WORD):
        await ana.ok("journal", "create", name)
    await ana.ok("share", "Personal", "drsmith", "--only", "mood,tags", TOFU)
    journals = await ana.json("journal", "list")
    names = [j["name"] for j in journals]
    shown = (await ana.ok("journal", "list", env={"COLUMNS": str(width)})).stdout
    lines = shown.splitlines()
    assert all(len(line) <= width for line in lines), shown
    starts = [line for line in lines[2:] if line[:1].strip()]
    assert len(starts) == len(journals), shown  # one line at column 0 a journal
    read = [cell.replace(" ", "") for cell in column(shown, "name")]  # a fold reads as a space
    assert read == [name.replace(" ", "") for name in names], shown  # each name whole
    assert below(shown, "id") == [], shown  # no id pushed out of the table
    assert [cell for cell in column(shown, "id")] == [j["id"][:12] for j in journals], shown


async def test_usage_errors_exit_2(live_server: RunningServer, tmp_path: Path) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    goal = (await ana.ok("goal", "add", "Walk", "--target", "2027-01-01")).stdout.strip()
    await ana.ok("goal", "checkin", goal[:8])

    said = failed_with_one_line(await ana.tj("goal", "undo", goal[:8], "zzzz", "--yes"), 2)
    assert said == "Error: 'zzzz' is not a check-in id (4 to 16 hex digits)"
    both = await ana.tj("goal", "edit", goal[:8], "--no-target", "--target", "2027-02-01")
    assert "not both" in failed_with_one_line(both, 2)
    assert "search for at least one word" in failed_with_one_line(await ana.tj("search", ""), 2)
    late = await ana.tj(
        "homework", "add", "sleep-diary", "--set", "bed_time=25:10", "--completion", "fully"
    )
    assert failed_with_one_line(late, 2) == "Error: bed_time is a time HH:MM (24 h), not '25:10'"
    assert await ana.json("homework", "list") == []  # nothing saved
    [kept] = await ana.json("goal", "list")
    assert kept["target"] == "2027-01-01" and len(kept["checkins"]) == 1


async def test_an_id_of_another_kind_says_what_it_is_and_what_shows_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    goal = (await ana.json("goal", "add", "Walk daily"))["id"]
    checked = await ana.json("goal", "checkin", goal[:8], "--note", "Went")
    checkin = checked["checkins"][0]["id"]
    await ana.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,0")
    [result] = await ana.json("measure", "list")
    [journal] = [j for j in await ana.json("journal", "list") if j["name"] == "Personal"]

    said = failed_with_one_line(await ana.tj("discuss", goal[:8]))
    assert said == (
        f"Error: {goal[:8]} is a goal, not an entry or note: `{ana.command} goal show {goal[:12]}` shows it"
    )
    said = failed_with_one_line(await ana.tj("discuss", result["id"][:8]))
    assert said == (
        f"Error: {result['id'][:8]} is a questionnaire result, not an entry or note: "
        f"`{ana.command} measure show {result['id'][:12]}` shows it"
    )
    said = failed_with_one_line(await ana.tj("show", journal["id"][:8]))
    assert said == (
        f"Error: {journal['id'][:8]} is a journal, not an entry: "
        f"`{ana.command} list --journal {journal['id'][:12]}` lists its entries"
    )
    for command in (("show",), ("goal", "show"), ("discuss",)):
        said = failed_with_one_line(await ana.tj(*command, checkin[:6]))
        wanted = {"show": "an entry", "goal": "a goal", "discuss": "an entry or note"}
        assert said == (
            f"Error: {checkin[:6]} is a goal's check-in, not {wanted[command[0]]}: "
            f"`{ana.command} goal show {goal[:12]}` shows it"
        )
    await ana.ok("list", "--journal", journal["id"][:12])  # the command said works
    assert "Went" in (await ana.ok("goal", "show", goal[:12])).stdout  # as said


async def test_long_label_lines_wrap_under_their_value(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("measure", "take", "phq9", "--answers", "0,1,0,1,1,0,0,0,1")
    [result] = await ana.json("measure", "list")
    for width in (80, 120):
        env = {"COLUMNS": str(width)}
        shown = (await ana.ok("measure", "show", result["id"][:8], env=env)).stdout
        lines = shown.splitlines()
        assert all(len(line) <= width for line in lines), shown
        item = next(i for i, line in enumerate(lines) if line.startswith("item 9:  "))
        assert lines[item + 1].startswith(" " * 9) and lines[item + 1][9] != " "  # under it
        at = next(i for i, line in enumerate(lines) if line.startswith("Developed by Drs."))
        assert "Pfizer Inc." in " ".join(lines[at : at + 3]), shown  # the attribution wrapped
        listed = (await ana.ok("measure", "list", env=env)).stderr.splitlines()
        assert listed[0].startswith("item 9 above 0: whatever the total score")
        assert all(line.startswith(" " * 16) for line in listed[1:]) and listed[1:], listed
        await ana.ok("lock", env={"TJ_NEW_PASSPHRASE": "a long local passphrase"})
        who = (await ana.ok("whoami", input="", env={**env, "TJ_PASSPHRASE": None})).stdout
        [locked, *rest] = who.splitlines()[4:]
        assert locked.startswith("Locked:      yes (a passphrase opens") and rest, who
        assert all(line.startswith(" " * 13) and len(line) <= width for line in rest), who
        await ana.ok("unlock", env={"TJ_PASSPHRASE": "a long local passphrase"})

    helped = (await ana.ok("write", "--help", env={"COLUMNS": "80"})).stdout
    named = [line for line in helped.splitlines() if "anxious" in line or "scared" in line]
    assert named and all(len(line) <= 80 for line in named), helped  # not one of 137
    assert "--emotion NAME" in helped and "anxious, calm, sad" in helped


async def test_saved_messages_plurals_and_a_reached_goal(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    goal = (await ana.ok("goal", "add", "Attend", "--measure", "2 sessions")).stdout.strip()
    first = await ana.ok("goal", "checkin", goal[:8])
    assert first.stderr == f"Check-in on goal {goal[:12]} ('Attend') saved; synced.\n"
    second = await ana.ok("goal", "checkin", goal[:8])
    assert second.stderr.splitlines()[-1] == (
        f"Note: that reaches the goal's 2 sessions: `tj goal done {goal[:12]}` marks it done."
    )
    status = next(
        line
        for line in (await ana.ok("goal", "show", goal[:8])).stdout.splitlines()
        if line.startswith("status:")
    )
    assert status == f"status:   reached: `tj goal done {goal[:12]}` marks it done"  # NU38 #4

    await ana.ok("share", "Personal", "drsmith", "--full", TOFU)
    await drsmith.ok("sync")
    added = await drsmith.ok("private-notes", "add", "ana/Personal", "Revisit.")
    note = added.stdout.strip()
    assert added.stderr == f"Private note {note[:12]} about ana saved; synced.\n"

    listed = (await drsmith.ok("journal", "list", env={"COLUMNS": "200"})).stdout
    assert "fingerprint not verified" in listed and "owner not verified" not in listed

    prompts = (await ana.ok("prompt", "list", env={"COLUMNS": "80"})).stdout
    assert prompts.splitlines()[0].split() == ["id", "category", "prompt"]  # none answered
    widths = [len(line.rstrip()) for line in prompts.splitlines()[2:]]
    assert max(widths) > 70, prompts  # the prompt has the room the empty column had
