"""Leftovers of the CLI walkthroughs, against a real server on loopback with real crypto
(see tests/test_cli.py for the set-up):

- `tj private-notes` named the client twice in each row ("carla" in a client column, then
  "carla/Personal"): the note's journal names them once, and the note keeps its room at 80
  columns;
- text given on the command line beside `tj write TEXT` and `tj edit --body/--append`
  (NU33 #1's leftovers: a goal check-in's note, an assignment's note, a homework answer,
  a safety plan's crisis line) kept a byte order mark and CR line endings pasted from a
  Windows file (`"$(cat notes.txt)"`): made plain as TEXT is.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from rich.cells import cell_len

from cli.private_notes import about_text
from client_sdk.private_notes import PrivateNote
from tests.conftest import RunningServer
from tests.table_cells import column
from tests.test_cli import Device
from tests.test_cli_insights import new_device

NOTE = "Avoidance around her sister at the weekend: revisit it next time, gently."
PASTED = "\ufeffFirst line\r\nsecond\rthird\r"  # a Windows file, as "$(cat notes.txt)" gives it
PLAIN = "First line\nsecond\nthird"


async def therapist_of(server: RunningServer, tmp_path: Path, name: str) -> tuple[Device, Device]:
    client = await new_device(server, tmp_path, name)
    therapist = await new_device(server, tmp_path, "drsmith")
    await client.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--trust-on-first-use"
    )
    await therapist.ok("sync")
    return client, therapist


async def test_private_notes_name_the_client_once_and_keep_the_note_readable(
    live_server: RunningServer, tmp_path: Path
) -> None:
    _, drsmith = await therapist_of(live_server, tmp_path, "carla")
    added = await drsmith.json("private-notes", "add", "carla", NOTE)
    shown = (await drsmith.ok("private-notes", env={"COLUMNS": "80"})).stdout
    lines = shown.splitlines()
    assert max(cell_len(line) for line in lines) <= 80, shown
    assert lines[0].split() == ["id", "date", "journal", "note"], shown
    assert column(shown, "journal") == ["carla/Personal"], shown
    assert column(shown, "note") == [NOTE], shown
    assert shown.count("carla") == 1, shown  # named once, in the journal's name
    assert len(lines) <= 2 + 4, shown  # header, rule, the note on 4 lines at most
    # --json keeps both fields
    [listed] = await drsmith.json("private-notes")
    assert (listed["client"], listed["journal"]) == ("carla", "carla/Personal")
    assert listed == added


def test_a_note_whose_journal_does_not_name_its_client_still_names_them() -> None:
    """A note written by another app may hold a journal name without "client/": the row
    then names the client before it, never leaving them out."""
    when = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
    note = PrivateNote("ab" * 16, "carla", "Personal", "cd" * 16, "x", when)
    assert about_text(note) == "carla: Personal"
    assert about_text(PrivateNote("ab" * 16, "carla", "carla/Personal", "cd" * 16, "x", when)) == (
        "carla/Personal"
    )


async def test_text_pasted_into_other_arguments_is_stored_plain(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """A goal check-in's --note (and checkin-edit's), `tj assign --note`, a homework
    answer given with --set (add and edit) and a safety plan's --crisis-line drop one leading
    byte order mark and read CRLF and a lone CR as a line break, as `tj write TEXT` does."""
    carla, drsmith = await therapist_of(live_server, tmp_path, "carla")
    goal_id = (await carla.ok("goal", "add", "Walk", "--measure", "3 sessions")).stdout.strip()
    await carla.ok("goal", "checkin", goal_id, "--note", PASTED)
    [checkin] = (await carla.json("goal", "list"))[0]["checkins"]
    assert checkin["note"] == PLAIN
    await carla.ok("goal", "checkin-edit", goal_id, checkin["id"], "--note", "\ufeffBetter\r")
    [checkin] = (await carla.json("goal", "list"))[0]["checkins"]
    assert checkin["note"] == "Better"

    record = [f"situation={PASTED}", "automatic_thought=I will fail.", "emotion=dread"]
    record += ["intensity=80", "evidence_for=Last week.", "evidence_against=It went fine."]
    record += ["balanced_thought=It may go fine.", "rerated_intensity=40"]
    sets = [word for pair in record for word in ("--set", pair)]
    added = await carla.json("homework", "add", "thought-record", *sets)
    assert added["values"]["situation"] == PLAIN
    edited = await carla.json(
        "homework", "edit", added["id"], "--set", "automatic_thought=\ufeffI may fail.\r\n"
    )
    assert edited["values"]["automatic_thought"] == "I may fail."

    await carla.ok("safety", "plan", "--crisis-line", "\ufeffSamaritans 116 123\r")
    shown = (await carla.ok("safety", "plan")).stdout
    assert "Samaritans 116 123" in shown and "\ufeff" not in shown and "\\x0d" not in shown

    assigned = await drsmith.json(
        "assign", "carla/Personal", "homework", "sleep-diary", "--note", PASTED
    )
    assert assigned["note"] == PLAIN
