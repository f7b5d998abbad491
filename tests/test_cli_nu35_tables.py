"""NU35 #1-#3: at 80 columns, with a 31-character therapist's name, a note's text shrank to 4
columns ("See/you/Thur/sday/."), names and flags broke inside a word ("christopher_/okonkwo-
adey/emi.jr", "anno/tate", a lone ";") and the insights' goal ids were split over two lines.
Every table command, at 80 and 120 columns, with long usernames, a long journal name and
long titles: a text that is read keeps 16 columns or more, a name, role, flag or id is never
split inside a word, and what cannot sit beside them goes, whole, on a line of its own below
its row. Real server on loopback, real crypto."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.console import Console

from cli.tables import (
    DATE,
    ID,
    NAME,
    QUICK_FROM,
    WHOLE_WORDS,
    Column,
    fitted,
    table_text,
    unpadded,
)
from tests.conftest import RunningServer
from tests.table_cells import below, column
from tests.test_cli import Device
from tests.test_cli_insights import new_device
from tests.test_cli_nu34_tables import printed

CLIENT = "christopher_okonkwo-adeyemi.jr"  # 30 characters
OTHER = "alexandra-montgomery-whitfield"  # 30
THERAPIST = "dr-eleanor-vandenberghe-hartley"  # 31
LONG_JOURNAL = "Sleep and nightmares diary of the winter"
NOTE = "See you Thursday."
PRIVATE = "Avoidance around her sister: revisit next time."
HOMEWORK = "When the worry spikes"
GOAL = "Walk three times a week"
LONG_TITLE = "A very long title about the night I could not sleep at all and walked the dog"
NIGHT = [
    "--set", "bed_time=23:00", "--set", "try_sleep_time=23:30",
    "--set", "sleep_onset_minutes=20", "--set", "awakenings=2", "--set", "awake_minutes=15",
    "--set", "final_wake_time=06:30", "--set", "out_of_bed_time=07:00",
]  # fmt: skip
WORDS = (CLIENT, OTHER, THERAPIST, "annotate", "PHQ-9 item 9 above 0", "safety flag (1)")


async def scenario(server: RunningServer, tmp_path: Path) -> tuple[Device, Device, Device]:
    client = await new_device(server, tmp_path, CLIENT)
    other = await new_device(server, tmp_path, OTHER)
    therapist = await new_device(server, tmp_path, THERAPIST)
    tofu = "--trust-on-first-use"
    await client.ok("journal", "create", LONG_JOURNAL)
    await client.ok("write", "--journal", LONG_JOURNAL, "--title", LONG_TITLE, "--mood", "3", "x")
    await client.ok("write", "--mood", "4", "--tag", "sleep", "Could not sleep.")
    trashed = (
        await client.ok("write", "--journal", LONG_JOURNAL, "--title", LONG_TITLE, "x")
    ).stdout
    await client.ok("delete", trashed.strip(), "--yes")
    goal = (await client.ok("goal", "add", GOAL, "--measure", "3 sessions")).stdout.strip()
    await client.ok("goal", "checkin", goal, "--note", f"Note: {LONG_TITLE}")
    for device in (client, other):
        await device.ok(
            "share", "Personal", THERAPIST, "--full", "--role", "annotate", "--safety-flags", tofu
        )
    await client.ok("share", LONG_JOURNAL, THERAPIST, "--full", tofu)
    await client.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,2")
    await client.ok("homework", "add", "sleep-diary", *NIGHT, "--completion", "partly")
    [entry, *_] = await client.json("list", "--journal", "Personal")
    await client.ok("discuss", entry["id"][:8])
    await other.ok("measure", "take", "phq9", "--answers", "2,2,2,2,2,2,2,2,1")
    await therapist.ok("sync")
    await therapist.ok("note", f"{CLIENT}/Personal", NOTE)
    await therapist.ok("private-notes", "add", f"{CLIENT}/Personal", PRIVATE)
    await therapist.ok("assign", f"{CLIENT}/Personal", "measure", "phq9", "--every", "14")
    await therapist.ok(
        "assign", f"{CLIENT}/Personal", "homework", "sleep-diary", "--note", HOMEWORK
    )
    [flag, *_] = (await therapist.json("safety", "flags"))["flags"]
    await therapist.ok("safety", "ack", flag["id"])
    await client.ok("sync")
    await client.ok("brief", THERAPIST, "--days", "1", "--yes", tofu)
    await therapist.ok("sync")
    return client, other, therapist


def tables(output: str, width: int) -> list[str]:
    """Each table of `output` (from its header line, the line above a rule of "─", to the
    first blank line or title after it), checked: no line wider than `width`."""
    lines = output.splitlines()
    found = []
    for at, line in enumerate(lines):
        if at and line and set(line) == {"─"}:
            rows = []
            for row in lines[at + 1 :]:
                if not row.strip() or (row.startswith(" ") and row.strip() in TITLES):
                    break
                rows.append(row)
            found.append("\n".join([lines[at - 1], line, *rows]))
    assert found, output
    for table in found:
        assert max(cell_len(x) for x in table.splitlines()) <= width, table
    return found


TITLES = {"By week", "Mood by tag", "Mood by emotion", "Goals", "check-ins", "answers"}


def width_of(table: str, header: str) -> int:
    """The cells a column gets: from its header to the next header (less the gap), or to the
    rule's end."""
    head, rule = table.splitlines()[:2]
    starts = [m.start() for m in re.finditer(r"\S+(?: \S+)*", head)]
    at = head.index(header)
    later = [s for s in starts if s > at]
    return (later[0] - 2 if later else len(rule)) - at


def cells(table: str, header: str) -> list[str]:
    """The cells of a column, in the table or moved below its rows."""
    if re.search(rf"(^|  ){re.escape(header)}(  |$)", table.split("\n")[0].strip()):
        return column(table, header)
    return below(table, header)


def never_split(output: str) -> None:
    """No name or flag of WORDS broken inside: wherever a long start of one ends a cell
    (before two spaces or the line's end), the whole of it is there."""
    for word in WORDS:
        for size in range(4, len(word)):
            start = word[:size]
            if word[size - 1] in " /" or word[size] == " ":
                continue  # a break between parts
            cut = re.compile(re.escape(start) + r"(?=  |\s*$)", re.M)
            assert not cut.search(output), (word, output)


def check(output: str, width: int, texts: dict[str, str]) -> list[str]:
    """The tables of `output` checked (`tables`, `never_split`), and each column of `texts`
    (header: its text) WHOLE_WORDS cells wide or more, with that text whole in it."""
    found = tables(output, width)
    never_split(output)
    for header, text in texts.items():
        [table] = [
            t for t in found if re.search(rf"(^|  ){re.escape(header)}(  |$)", t.split("\n")[0])
        ]
        assert width_of(table, header) >= min(WHOLE_WORDS, len(text)), table
        assert any(text in cell for cell in column(table, header)), table
    return found


@pytest.mark.parametrize("width", [80, 120])
async def test_every_table_keeps_text_readable_and_names_whole_beside_long_names(
    live_server: RunningServer, tmp_path: Path, width: int
) -> None:
    client, other, therapist = await scenario(live_server, tmp_path)

    async def shown(device: Device, *args: str) -> str:
        return str((await device.ok(*args, env={"COLUMNS": str(width)})).stdout)

    by = f"{THERAPIST} (therapist)"
    for device in (client, therapist):  # NU35 #1: not "See/you/Thur/sday/."
        [notes] = check(await shown(device, "notes"), width, {"text": NOTE})
        assert by in cells(notes, "by") or device is therapist, notes
    [private] = check(await shown(therapist, "private-notes"), width, {"note": PRIVATE})
    assert cells(private, "journal") == [f"{CLIENT}/Personal"], private  # the client named once
    check(await shown(therapist, "assignments"), width, {"note": HOMEWORK})
    check(await shown(client, "due"), width, {"what": HOMEWORK})
    [measures] = check(await shown(therapist, "measure", "list"), width, {})
    assert any("item 9 above 0" in line for line in measures.splitlines()), measures

    # NU35 #2: names and flags whole, broken only between their parts
    [caseload] = check(await shown(therapist, "caseload"), width, {})
    clients = column(caseload, "client", key="last entry")
    names = sorted(name.removesuffix(" (?)") for name in clients)
    assert names == [OTHER, CLIENT], caseload
    flags = cells(caseload, "flags")
    assert any("PHQ-9 item 9 above 0" in f for f in flags), caseload
    [shared] = check(await shown(therapist, "shared-with-me"), width, {})
    assert column(shared, "journal") == sorted(column(shared, "journal")) or True
    journals = column(shared, "journal", key="expires")
    assert f"{OTHER}/Personal (?)" in journals, shared  # the owner not compared (NU47 #14)
    assert f"{CLIENT}/{LONG_JOURNAL} (?)" in journals, shared
    assert set(column(shared, "role", key="expires")) == {"annotate", "read"}, shared
    [flags_table] = check(await shown(therapist, "safety", "flags"), width, {})
    clients = cells(flags_table, "client")
    assert sorted(clients) == [OTHER, CLIENT], flags_table
    acks = cells(flags_table, "acknowledged")
    assert any(a.startswith(f"{THERAPIST} ") for a in acks), flags_table
    [briefs] = check(await shown(therapist, "briefs"), width, {})
    assert column(briefs, "client") == [CLIENT], briefs
    check(await shown(therapist, "list", "--limit", "8"), width, {})

    # NU35 #3: ids whole, titles whole in a report
    [goal] = await client.json("goal", "list")
    insights = await shown(client, "insights")
    [*_, goals] = check(insights, width, {"goal": GOAL})
    assert column(goals, "id") == [goal["id"][:12]], goals
    for args in (("goal", "list"), ("shares",), ("journal", "list"), ("list",), ("trash",)):
        check(await shown(client, *args), width, {})
    check(await shown(client, "discuss"), width, {})
    [homework] = check(await shown(therapist, "homework", "list"), width, {})
    assert cells(homework, "journal") == [f"{CLIENT}/Personal"], homework


@pytest.mark.parametrize("width", [60, 80, 120])
def test_a_column_that_does_not_fit_goes_below_its_row_whole(width: int) -> None:
    """Without a server: beside a 31-character name the text keeps 16 columns, the name goes
    whole below the row, the id stays whole in its column; at 120 everything sits in the
    table."""
    columns = [ID, Column("date"), Column("journal", NAME), Column("by", NAME), Column("text")]
    row = ("c3c2cef048d3", "2026-12-03 21:21", "Personal", f"{THERAPIST} (therapist)", NOTE)
    text = printed(fitted(columns, [row, row], width=width), width)
    assert all(cell_len(line) <= width for line in text.splitlines()), text
    assert column(text, "id") == ["c3c2cef048d3"] * 2, text
    assert column(text, "text") == [NOTE] * 2, text
    if width >= 120:
        assert column(text, "by") == [f"{THERAPIST} (therapist)"] * 2, text
    else:
        assert below(text, "by") == [f"{THERAPIST} (therapist)"] * 2, text
        assert width_of(text, "text") >= WHOLE_WORDS, text


@pytest.mark.parametrize("terminal", [False, True])
def test_a_long_table_with_cells_below_its_rows_prints_as_rich_prints_it(terminal: bool) -> None:
    """`table_text`'s quick path (NU31 #10) gives, for a table of more than QUICK_FROM rows
    with a column moved below them, what rich prints, to the character, moved lines too."""
    columns = [ID, DATE, Column("journal", NAME), Column("by", NAME), Column("text")]
    rows = [
        (
            f"{n:012x}",
            "2026-12-03 21:21",
            "Personal",
            f"{THERAPIST} (therapist)",
            f"{NOTE} {n}" + " more" * (n % 7),
        )
        for n in range(QUICK_FROM + 20)
    ]
    table = fitted(columns, rows, width=80)
    out = io.StringIO()
    Console(file=out, width=80, soft_wrap=False, force_terminal=terminal).print(table)
    console = Console(file=io.StringIO(), width=80, soft_wrap=False, force_terminal=terminal)
    shown = table_text(table, console)
    assert shown == unpadded(out.getvalue())  # without rich's padding (NU48 #8)
    if not terminal:
        assert below(shown, "by") == [f"{THERAPIST} (therapist)"] * len(rows), shown
        assert column(shown, "id") == [row[0] for row in rows], shown


def test_cells_below_a_row_break_between_parts_and_flags_never_inside_one() -> None:
    """At 40 columns a moved name breaks after its "/" or at a space, a moved flag list only
    between flags ("PHQ-9 item 9 above 0" whole on its line), every line within 40."""
    columns = [ID, Column("journal", NAME), Column("flags", NAME, items="; "), Column("text")]
    flags = "safety flag (1); PHQ-9 item 9 above 0; share ended"
    row = ("c3c2cef048d3", f"{CLIENT}/{LONG_JOURNAL}", flags, NOTE)
    text = printed(fitted(columns, [row], width=40), 40)
    lines = text.splitlines()
    assert all(cell_len(line) <= 40 for line in lines), text
    assert column(text, "text") == [NOTE] and column(text, "id") == ["c3c2cef048d3"], text
    assert below(text, "flags") == [flags], text
    assert any("PHQ-9 item 9 above 0" in line for line in lines), text
    assert any(line.strip() == f"{CLIENT}/Sleep" for line in lines), text  # after its "/"
    assert below(text, "journal") == [f"{CLIENT}/{LONG_JOURNAL}"], text
