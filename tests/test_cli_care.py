"""`tj assign`, `tj due`, `tj homework` through click's CliRunner against a real server."""

from __future__ import annotations

import json
from pathlib import Path

import click
from click.testing import CliRunner

from cli import output
from cli.main import TJGroup
from cli.terminal import CONTROLS
from client_sdk import Client, keys
from client_sdk.documents import Document
from client_sdk.models import is_control
from client_sdk.results import MEASURE
from client_sdk.schedule import ASSIGNMENT
from tests.conftest import RunningServer
from tests.table_cells import column
from tests.test_cli import Device, failed_with_one_line
from tests.test_cli_insights import new_device


async def shared_mood_only(
    live_server: RunningServer, tmp_path: Path
) -> tuple[Device, Device, str]:
    """ana shares her moods only with drsmith (annotate): (ana, drsmith, the copy's name as
    drsmith names it)."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--only", "mood", "--role", "annotate",
        "--trust-on-first-use",
    )  # fmt: skip
    await drsmith.ok("sync")
    [shared] = await drsmith.json("shared-with-me")
    return ana, drsmith, shared["journal"]


NIGHT = [
    "--set", "bed_time=23:00", "--set", "try_sleep_time=23:30",
    "--set", "sleep_onset_minutes=20", "--set", "awakenings=2", "--set", "awake_minutes=15",
    "--set", "final_wake_time=06:30", "--set", "out_of_bed_time=07:00",
]  # fmt: skip
"""A sleep diary's fields as `--set` options (a night of 80.2% sleep efficiency)."""


async def test_a_therapist_assigns_and_the_client_sees_it_due_then_does_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--trust-on-first-use"
    )
    await drsmith.ok("sync")
    made = await drsmith.json("assign", "ana/Personal", "measure", "phq9", "--every", "14")
    assert (made["title"], made["every_days"]) == ("PHQ-9", 14)
    await drsmith.ok("assign", "ana/Personal", "homework", "sleep-diary", "--note", "Mornings")
    unknown = [("measure", "nosuch", "unknown measure"), ("homework", "x", "unknown template")]
    for kind, name, said in unknown:  # values refused as given: 2 (NU38 N3)
        assert said in failed_with_one_line(
            await drsmith.tj("assign", "ana/Personal", kind, name), 2
        )
    await ana.ok("sync")
    due = await ana.json("due")
    assert sorted(d["target_id"] for d in due) == ["phq9", "sleep-diary"]
    assert {d["status"] for d in due} == {"due"}
    assert all(d["seen_by_assigner"] for d in due)  # a whole-journal share carries everything

    await ana.ok("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,0")
    added = await ana.json("homework", "add", "sleep-diary", *NIGHT, "--completion", "partly")
    assert added["computed"]["sleep_efficiency_percent"] == 80.2
    assert await ana.json("due") == []
    assert "Nothing is due." in (await ana.ok("due")).stderr
    listed = (await ana.ok("homework", "list")).stdout
    assert "80.2%" in listed and "partly" in listed

    assert "no journal named" in failed_with_one_line(
        await ana.tj("assign", "drsmith/Personal", "measure", "phq9")
    )


async def test_homework_with_a_bad_value_fails_with_one_line_and_saves_nothing(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    error = failed_with_one_line(
        await ana.tj(
            "homework",
            "add",
            "behavioural-activation",
            "--set",
            "activity=walk",
            "--set",
            "planned=yes",
            "--set",
            "done=no",
            "--set",
            "pleasure=12",
        ),  # fmt: skip
        2,  # a value refused as given (NU37 #5)
    )
    assert "0 to 10" in error
    assert await ana.json("homework", "list") == []


async def test_homework_is_edited_and_deleted_from_the_command_line(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    added = await ana.json(
        "homework", "add", "behavioural-activation", "--set", "activity=Walk",
        "--set", "planned=yes", "--set", "done=no", "--completion", "not done",
    )  # fmt: skip
    edited = await ana.json(
        "homework", "edit", added["id"][:6], "--set", "done=yes", "--set", "pleasure=6",
        "--completion", "fully",
    )  # fmt: skip
    assert (edited["values"]["done"], edited["values"]["pleasure"], edited["completion"]) == (
        True,
        6,
        "fully",
    )
    cleared = await ana.json("homework", "edit", added["id"], "--set", "pleasure=")
    assert "pleasure" not in cleared["values"] and cleared["values"]["activity"] == "Walk"
    assert "0 to 10" in failed_with_one_line(
        await ana.tj("homework", "edit", added["id"], "--set", "pleasure=11"), 2
    )
    assert (await ana.tj("homework", "edit", added["id"])).exit_code != 0  # nothing to change

    await ana.ok("homework", "delete", added["id"], "--yes")
    assert await ana.json("homework", "list") == []
    assert "deleted" in failed_with_one_line(await ana.tj("homework", "delete", added["id"]))


async def test_homework_show_and_list_print_fields_in_the_templates_order_with_plain_labels(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    record = [
        "--set", "rerated_intensity=40", "--set", "evidence_for=They frowned.",
        "--set", "balanced_thought=They were tired.", "--set", "intensity=80",
        "--set", "emotion=shame", "--set", "automatic_thought=They think I'm useless.",
        "--set", "evidence_against=They thanked me.", "--set", "situation=The team meeting.",
    ]  # fmt: skip
    added = await ana.json("homework", "add", "thought-record", *record)
    order = [
        "situation", "automatic_thought", "emotion", "intensity", "evidence_for",
        "evidence_against", "balanced_thought", "rerated_intensity",
    ]  # fmt: skip
    assert list(added["values"]) == order
    shown = [(await ana.ok("homework", "show", added["id"][:8])).stdout for _ in range(3)]
    assert shown[0] == shown[1] == shown[2]
    lines = shown[0].splitlines()
    labels = [
        "Situation: where were you, what happened?",
        "Automatic thought: what went through your mind?",
        "Emotion you felt",
        "How intense was the emotion (0-100%)?",
        "Evidence that supports the thought",
        "Evidence that does not support the thought",
        "Alternative, balanced thought",
        "How intense is the emotion now (0-100%)?",
    ]
    assert [line for line in lines if line in labels] == labels
    assert lines[lines.index(labels[0]) + 1] == "  The team meeting."
    assert not any(name in shown[0] for name in ("evidence_for", "rerated_intensity"))
    assert list((await ana.json("homework", "show", added["id"][:8]))["values"]) == order
    listed = [(await ana.ok("homework", "list")).stdout for _ in range(3)]
    assert listed[0] == listed[1] == listed[2]
    assert "The team" in listed[0] and "meeting." in listed[0]  # the situation, wrapped

    night = [
        "--set", "out_of_bed_time=07:00", "--set", "bed_time=23:00",
        "--set", "final_wake_time=06:30", "--set", "try_sleep_time=23:30",
        "--set", "awake_minutes=0", "--set", "awakenings=0", "--set", "sleep_onset_minutes=0",
    ]  # fmt: skip
    diary = await ana.json("homework", "add", "sleep-diary", *night)
    assert list(diary["computed"]) == [
        "time_in_bed_minutes", "total_sleep_minutes", "sleep_efficiency_percent",
    ]  # fmt: skip
    text = (await ana.ok("homework", "show", diary["id"][:8])).stdout
    assert "Sleep efficiency (%: total sleep time / time in bed)\n  87.5" in text
    assert text.index("What time did you get into bed?") < text.index("What time was your final")


async def test_an_interactive_thought_record_asks_a_bad_answer_again_and_the_therapist_sees_whose_it_is(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """New-user pass 2, findings 9 and 10: one bad value no longer throws the whole form
    away, completion is asked, and the therapist's homework list names the client."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("share", "Personal", "drsmith", "--trust-on-first-use")
    answers = "Meeting with boss\nI will be fired\nfear\n150\nabc\n80\n\n\n\n\npartly\n"
    added = await ana.ok("homework", "add", "thought-record", input=answers)
    assert "  The answer is from 0 to 100, not 150: try again." in added.stderr
    assert "  The answer is a whole number from 0 to 100, not 'abc': try again." in added.stderr
    assert "intensity" not in added.stderr  # the field's id, never asked by (NU78 F1)
    [saved] = await ana.json("homework", "list")
    assert saved["values"]["intensity"] == 80 and saved["completion"] == "partly"
    assert saved["values"]["situation"] == "Meeting with boss"
    await ana.ok("sync")
    await drsmith.ok("sync")
    listed = (await drsmith.ok("homework", "list", env={"COLUMNS": "120"})).stdout
    assert "ana/Personal" in listed and "Meeting with boss" in listed


async def test_cancelling_an_assignment_says_what_was_cancelled(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """New-user pass 2, finding 32: `tj assignments cancel` printed only "synced"."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--trust-on-first-use"
    )
    await drsmith.ok("sync")
    made = await drsmith.json("assign", "ana/Personal", "measure", "phq9", "--every", "14")
    cancelled = await drsmith.ok("assignments", "cancel", made["id"][:6], "--yes")
    assert "Cancelled PHQ-9, every 14 days, for ana/Personal; " in cancelled.stderr


async def test_a_measure_assigned_in_a_share_without_scores_warns_the_client(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """New-user pass 2, finding 42: the client did it, the therapist never saw it, and
    nobody said so."""
    ana, drsmith, copy = await shared_mood_only(live_server, tmp_path)
    await drsmith.ok("assign", copy, "measure", "phq9", "--every", "7")
    await drsmith.ok("sync")
    await ana.ok("sync")
    [due] = await ana.json("due")
    assert due["seen_by_assigner"] is False
    assert "drsmith will not see your result" in (await ana.ok("due")).stderr
    taken = await ana.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,0")
    assert "drsmith will not see it. To show it: `tj measure share " in taken.stderr


async def test_a_daily_assignment_reads_every_day(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--trust-on-first-use"
    )
    await drsmith.ok("sync")
    made = await drsmith.ok("assign", "ana/Personal", "homework", "sleep-diary", "--every", "1")
    assert len(made.stdout.strip()) == 32  # the id alone on stdout, for scripts
    said = " ".join(made.stderr.split())
    assert (
        "Assigned Sleep diary (Consensus Sleep Diary, core items), every day, in ana/Personal; first due "
        in said
    )
    await ana.ok("sync")
    due = (await ana.ok("due")).stdout
    assert "every day" in " ".join(due.split()) and "every 1 days" not in due


async def test_a_far_start_from_a_hostile_member_breaks_neither_due_nor_the_caseload(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """R13 finding 1: an annotating member's assignment with `starts_at` = 2**53 ms (a
    number, but no date) is skipped; `tj due` and `tj caseload` still work, no traceback."""
    ana = await new_device(live_server, tmp_path, "ana")
    tom = await new_device(live_server, tmp_path, "tom")
    await ana.ok("share", "Personal", "tom", "--full", "--role", "annotate", "--trust-on-first-use")
    await tom.ok("sync")
    await tom.ok("assign", "ana/Personal", "measure", "gad7")
    member = await Client.open(tom.home)
    try:  # tom's own build of the SDK, skipping its checks on the values
        local = await member.context.local_journal("ana/Personal")
        document = Document(keys.new_doc_id(member.profile.account_id), ASSIGNMENT)
        fields = {"type": "measure", "target": "phq9", "every_days": 14, "starts_at": 2**53,
                  "created_at": 1, "note": "", "cancelled": False}  # fmt: skip
        await member.replica.commit(local, document, document.change(fields=fields))
        await member.sync()
    finally:
        await member.close()
    await ana.ok("sync")
    assert [d["target_id"] for d in await ana.json("due")] == ["gad7"]
    assert "Traceback" not in (await ana.ok("due")).output
    [row] = await tom.json("caseload")
    assert row["client"] == "ana"


def test_an_unexpected_error_is_one_line_without_a_traceback() -> None:
    """Any error no check foresaw (a bug) ends a command with one line, not a traceback."""

    @click.group(cls=TJGroup)
    def group() -> None:
        pass

    @group.command()
    def broken() -> None:
        raise ValueError("year 287396 is out of range")

    result = CliRunner().invoke(group, ["broken"], env={"TJ_TRACEBACK": None})
    line = failed_with_one_line(result)
    assert "ValueError: year 287396 is out of range" in line and "a bug in tj" in line


def test_text_from_another_account_reaches_the_terminal_without_control_characters() -> None:
    """R13 finding 2: ESC sequences, C1 controls, DEL and bidirectional overrides are shown
    as visible escapes; newlines and tabs of long text stay; rich markup is escaped in cells."""
    hostile = "116 123\x1b[3A\x1b[2K\x9b2J\x7f\u202eevil\n\tnext [bold]x[/]"
    assert output.shown(hostile) == (
        "116 123\\x1b[3A\\x1b[2K\\x9b2J\\x7f\\u202eevil\n\tnext [bold]x[/]"
    )
    assert "\n" not in output.shown("a\nb", multiline=False)
    assert output.shown("[bold]x[/]", markup=True) == "\\[bold]x\\[/]"


def test_the_terminal_escapes_exactly_the_characters_is_control_names() -> None:
    """`shown` and `print_json` escape by a pattern (issue 10): on every code point it must
    agree with `is_control`, with and without `multiline`."""
    every = "".join(map(chr, range(0x110000)))
    for multiline in (False, True):
        expected = {c for c in every if is_control(c, multiline=multiline)}
        assert set(CONTROLS[multiline].findall(every)) == expected
    assert json.loads(output.json_escaped(json.dumps("a\x1b\u202eb", ensure_ascii=False))) == (
        "a\x1b\u202eb"
    )


async def test_a_result_with_invalid_answers_is_listed_as_invalid_with_its_item_9_answer(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """R13 finding 8: `tj measure list` never shows such a result by its stored score; it
    says the result is invalid and that item 9 is answered above 0."""
    ana = await new_device(live_server, tmp_path, "ana")
    tom = await new_device(live_server, tmp_path, "tom")
    await ana.ok("share", "Personal", "tom", "--full", "--role", "annotate", "--trust-on-first-use")
    client = await Client.open(ana.home)
    try:  # a buggy or hostile build of the client's SDK
        local = await client.context.local_journal("Personal")
        document = Document(keys.new_doc_id(client.profile.account_id), MEASURE)
        fields = {"measure": "phq9", "version": 1, "score": 4, "taken_at": 1000,
                  "answers": [0, 0, 0, 0, 0, 0, 0, 0, 7], "deleted": False}  # fmt: skip
        await client.replica.commit(local, document, document.change(fields=fields))
        await client.sync()
    finally:
        await client.close()
    listed = await tom.ok("measure", "list")
    assert (
        "Invalid PHQ-9 result" in listed.stderr and "item 9) is answered above 0" in listed.stderr
    )
    assert "PHQ-9" not in listed.stdout


async def test_tj_assignments_says_where_each_stands_for_the_therapist(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU43 #6: the therapist's `tj assignments` showed id, what, by and note only: a one-off
    done looked like one still open, and nothing said what was due or overdue. Now a status
    (OVERDUE, due, next, done) with its time and the last completion, in the table and in
    --json; no "by" column when every assignment is this therapist's own."""
    from datetime import datetime, timedelta

    ivan = await new_device(live_server, tmp_path, "ivan")
    drruiz = await new_device(live_server, tmp_path, "drruiz")
    await ivan.ok(
        "share", "Personal", "drruiz", "--full", "--role", "annotate", "--trust-on-first-use"
    )
    await drruiz.ok("sync")
    week_ago = (datetime.now().astimezone() - timedelta(days=7)).strftime("%Y-%m-%d %H:%M")
    once = await drruiz.json("assign", "ivan/Personal", "measure", "phq9")
    daily = await drruiz.json(
        "assign", "ivan/Personal", "homework", "sleep-diary", "--every", "1", "--starts", week_ago
    )
    await ivan.ok("sync")
    await ivan.ok("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,0")
    await ivan.ok("sync")

    rows = {a["id"]: a for a in await drruiz.json("assignments")}
    assert rows[once["id"]]["status"] == "done" and rows[once["id"]]["last_done"] is not None
    assert (rows[daily["id"]]["status"], rows[daily["id"]]["last_done"]) == ("overdue", None)
    assert rows[daily["id"]]["due_at"] is not None
    table = (await drruiz.ok("assignments", env={"COLUMNS": "120"})).stdout
    header = table.splitlines()[0]
    assert "status" in header and "last done" in header and " by " not in f"{header} "
    statuses = column(table, "status")
    assert "done" in statuses and any(s.startswith("OVERDUE ") for s in statuses)
    done_cells = sorted(column(table, "last done"))  # the PHQ-9's completion time; never
    assert done_cells[0][:2] == "20" and done_cells[1] == "never", done_cells


async def test_homework_for_a_one_off_done_already_is_kept_and_said(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU43 #6: a second sleep diary for a "once" assignment was accepted without a word."""
    carla = await new_device(live_server, tmp_path, "carla")
    drruiz = await new_device(live_server, tmp_path, "drruiz")
    await carla.ok(
        "share", "Personal", "drruiz", "--full", "--role", "annotate", "--trust-on-first-use"
    )
    await drruiz.ok("sync")
    made = await drruiz.json("assign", "carla/Personal", "homework", "sleep-diary")
    await carla.ok("sync")
    first = await carla.ok("homework", "add", "sleep-diary", *NIGHT, "--assignment", made["id"][:8])
    assert "already done" not in first.stderr
    second = await carla.ok(
        "homework", "add", "sleep-diary", *NIGHT, "--assignment", made["id"][:8]
    )
    assert (
        "Note: Sleep diary (Consensus Sleep Diary, core items) was assigned once and "
        in second.stderr
    )
    assert (
        "was already done on " in second.stderr and "; this one is saved as well." in second.stderr
    )
    assert len(await carla.json("homework", "list")) == 2
