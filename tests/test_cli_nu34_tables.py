"""NU34 #9: every table of `tj` in one style (no box: headers, a rule under them), a header
never broken over lines, a listing's long text cut with "…" on one line, names never cut; at
80 and 120 columns, with long titles and names. Real server on loopback, real crypto."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table

from cli.tables import ID, NAME, Column, fitted
from tests.conftest import RunningServer
from tests.table_cells import below, column
from tests.test_cli import Device
from tests.test_cli_insights import new_device

LONG_JOURNAL = "Sleep and nightmares diary of the winter"
LONG_TITLE = "A very long title about the night I could not sleep at all and walked the dog"
THERAPIST = "margaret-oconnell"
WALK = "Slept well after the walk."
BOXES = set("┏┓┗┛━┃┳┻╇╈┡┩│┌┐└┘╭╮╰╯")


async def scenario(server: RunningServer, tmp_path: Path) -> tuple[Device, Device, str]:
    ana = await new_device(server, tmp_path, "ana")
    therapist = await new_device(server, tmp_path, THERAPIST)
    await ana.ok("journal", "create", LONG_JOURNAL)
    for n in range(2):
        await ana.ok(
            "write", "--journal", LONG_JOURNAL, "--title", f"{LONG_TITLE} {n}", "--mood", "4",
            "--tag", "sleep", "--tag", "a-rather-long-tag-name", "Could not sleep, nightmares.",
        )  # fmt: skip
    await ana.ok("write", "--mood", "7", "--tag", "sleep", WALK)
    trashed = (await ana.ok("write", "--journal", LONG_JOURNAL, "--title", LONG_TITLE, "x")).stdout
    await ana.ok("delete", trashed.strip(), "--yes")
    goal = (await ana.ok("goal", "add", f"Goal: {LONG_TITLE}", "--measure", "4 sessions")).stdout
    await ana.ok("goal", "checkin", goal.strip(), "--note", f"Note: {LONG_TITLE}")
    await ana.ok(
        "share", "Personal", THERAPIST, "--full", "--role", "annotate", "--safety-flags",
        "--trust-on-first-use",
    )  # fmt: skip
    await ana.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,2")
    await therapist.ok("sync")
    await therapist.ok("note", "ana/Personal", f"Therapist's note: {LONG_TITLE}")
    await ana.ok("sync")
    return ana, therapist, goal.strip()


TITLES = {"By week", "Mood by tag", "Mood by emotion", "Goals", "check-ins"}


def table_at(printed: str, headers: list[str], width: int) -> str:
    """The table of `printed` headed `headers` (its header line, its rule, its rows), checked
    for the one style: the headers whole on one line, in order, two spaces or more apart; a
    rule of "─" under them; no box anywhere; no line of it wider than `width`."""
    lines = printed.splitlines()
    assert not BOXES & set(printed), printed
    pattern = re.compile(r" *" + r" {2,}".join(map(re.escape, headers)) + r" *")
    [at] = [n for n, line in enumerate(lines) if pattern.fullmatch(line)] or [None]
    assert at is not None, (headers, printed)  # every header whole, on the header line
    assert lines[at + 1] and set(lines[at + 1]) == {"─"}, printed  # the rule
    rows = []
    for line in lines[at + 2 :]:
        if not line.strip() or line.strip() in TITLES:
            break
        rows.append(line)
    table = lines[at : at + 2] + rows
    assert max(cell_len(line) for line in table) <= width, printed
    return "\n".join(table)


def cut_from(cell: str, whole: str) -> bool:
    """Whether `cell` is `whole` cut with "…" (a listing's long text on one line)."""
    return cell.endswith("…") and whole.startswith(cell[:-1].rstrip()) and len(cell) < len(whole)


@pytest.mark.parametrize("width", [80, 120])
async def test_every_table_in_one_style_headers_whole_listings_cut_names_whole(
    live_server: RunningServer, tmp_path: Path, width: int
) -> None:
    ana, therapist, goal = await scenario(live_server, tmp_path)

    async def shown(device: Device, *args: str) -> str:
        return str((await device.ok(*args, env={"COLUMNS": str(width)})).stdout)

    # at 80 the journal goes below each row, the title and tags keeping 16 columns (NU36 #3)
    entry_headers = ["id", "date", "journal", "title or text", "mood", "tags"]
    if width == 80:
        entry_headers.remove("journal")
    for args in (("list",), ("list", "--tag", "sleep")):  # NU34 #9: "title" above "or text"
        table = table_at(await shown(ana, *args), entry_headers, width)
        journals = column(table, "journal") if width == 120 else below(table, "journal")
        assert journals == ["Personal", LONG_JOURNAL, LONG_JOURNAL], table
        [walk, *nights] = column(table, "title or text")
        assert len(table.splitlines()) - 2 <= 1 + 3 + 3, table  # a row: its journal's lines
        assert walk == WALK or cut_from(walk, WALK), table
        assert all(cut_from(text, LONG_TITLE) for text in nights), table

    table = table_at(
        await shown(ana, "trash"), ["id", "written", "journal", "title or text", "days left"], width
    )
    assert column(table, "journal") == [LONG_JOURNAL], table  # never cut (the leftover)
    [text] = column(table, "title or text")
    assert cut_from(text, LONG_TITLE), table

    headers = ["id", "date", "journal", "title", "match"]
    table = table_at(await shown(ana, "search", "sleep"), headers, width)
    assert column(table, "journal")[:2] == [LONG_JOURNAL] * 2, table
    assert all(cut_from(t, LONG_TITLE) for t in column(table, "title")[:2]), table
    matches = column(table, "match")
    assert matches[:2] == ["Could not sleep, nightmares."] * 2, table  # wraps, whole
    # WALK holds "Slept", not a word starting "sleep": its tag alone matched, and the match
    # column shows that tag, not the text (NU40 #4)
    assert matches[2] == "tag: sleep", table

    headers = ["id", "name", "signed in", "last seen", "session ends"]
    table = table_at(await shown(ana, "devices"), headers, width)
    assert column(table, "last seen") == ["now (this device)"], table
    assert column(table, "name") == ["device"], table  # whole at 80 columns too
    assert column(table, "signed in") != ["not in the log"], table  # her signup

    headers = ["id", "goal", "journal", "progress", "status"]
    table = table_at(await shown(ana, "goal", "list"), headers, width)
    [text] = column(table, "goal")
    assert text == f"Goal: {LONG_TITLE}", table  # NU35 leftover #2: a goal's title whole

    headers = ["id", "date", "progress", "note", "edited"]
    table = table_at(await shown(ana, "goal", "show", goal), headers, width)
    assert column(table, "note") == [f"Note: {LONG_TITLE}"], table  # read whole here

    insights = await shown(ana, "insights")
    table_at(insights, ["week", "from", "entries", "mood"], width)
    table = table_at(insights, ["tag", "entries", "average mood"], width)
    assert column(table, "tag") == ["sleep", "a-rather-long-tag-name"], table
    headers = ["id", "goal", "journal", "progress", "status", "target", "last check-in"]
    lines = insights.splitlines()
    kept = re.split(r" {2,}", lines[[x.strip() for x in lines].index("Goals") + 1].strip())
    moved = [h for h in headers if h not in kept]
    assert kept == [h for h in headers if h in kept][: len(kept)] and len(kept) >= 4, insights
    assert moved == ([] if width == 120 else moved) and len(moved) <= 1, insights
    table = table_at(insights, [h for h in headers if h in kept], width)
    [text] = column(table, "goal")
    assert text == f"Goal: {LONG_TITLE}", insights  # a report: wraps, whole
    assert column(table, "id") == [goal[:12]], insights  # NU35 #3: never split
    for header in moved:  # NU35 #3: a cell that does not fit beside it goes below its row
        assert len(below(table, header)) == 1, insights

    headers = ["journal", "member", "role", "sees", "expires", "flags"]
    table = table_at(await shown(ana, "shares"), headers, width)
    assert column(table, "member") == [THERAPIST], table
    headers = ["id", "date", "journal", "kind", "by", "text"]
    if width == 80:  # NU35 #1: the text keeps 16 columns, the name goes below, whole
        headers.remove("by")
    table = table_at(await shown(ana, "notes"), headers, width)
    assert column(table, "text") == [f"Therapist's note: {LONG_TITLE}"], table  # whole
    if width == 80:
        assert below(table, "by") == [f"{THERAPIST} (therapist)"], table
    table = table_at(await shown(ana, "journal", "list"), ["name", "role", "id"], width)
    assert LONG_JOURNAL in column(table, "name"), table

    headers = ["journal", "role", "expires"]  # the journal names its owner (NU47 #14)
    table = table_at(await shown(therapist, "shared-with-me"), headers, width)
    assert column(table, "journal") == ["ana/Personal (?)"], table  # said below it (NU43 #7)

    caseload = await shown(therapist, "caseload")
    headers = ["client", "flags", "last entry", "week", "mood 4w, 8w", "scores", "overdue"]
    table = table_at(caseload, headers, width)
    assert column(table, "client") == ["ana (?)"], table
    assert column(table, "flags") == ["safety flag (1); PHQ-9 item 9 above 0"], table
    assert "fingerprint not verified" not in table  # no line of its own: said below
    assert any("PHQ-9 item 9 above 0" in line for line in table.splitlines()), table  # whole
    assert "ana: safety flag (1 unacknowledged)" in caseload.splitlines(), caseload
    assert "fingerprint not verified" not in caseload  # "(?)": one warning says it (NU43 #7)

    headers = ["id", "category", "prompt"]  # "answered" only once one was (NU37 #12)
    table_at(await shown(ana, "prompt", "list"), headers, width)


@pytest.mark.parametrize("width", [50, 60, 80, 120])
def test_a_header_is_never_broken_and_a_listing_is_cut_on_one_line(width: int) -> None:
    """Without a server: the table `tj list --tag sleep` printed with "title" above "or
    text" keeps its headers whole however narrow; a cut text is one line ending in "…"; a
    flag of the caseload's flags is never split (`Column.items`)."""
    columns = [ID, Column("journal", NAME), Column("title or text", cut=True), Column("tags")]
    rows = [("0" * 12, LONG_JOURNAL, LONG_TITLE, "sleep")]
    text = printed(fitted(columns, rows, width=width), width)
    head, rule, *lines = text.splitlines()
    # at 50 the journal goes below its row (NU36 #3: not over 4 lines beside the title)
    moved = width < 60
    assert head.split() == ["id", *([] if moved else ["journal"]), "title", "or", "text", "tags"]
    assert "title or text" in head and set(rule) == {"─"}, text
    [cell] = column(text, "title or text")
    assert cut_from(cell, LONG_TITLE) and "…" in lines[0], text
    assert (below(text, "journal") if moved else column(text, "journal")) == [LONG_JOURNAL]
    items = [Column("client", NAME), Column("flags", NAME, items="; ")]
    flags = "safety flag (1); PHQ-9 item 9 above 0; share ended"
    text = printed(fitted(items, [("ana", flags)], width=30), 30)
    assert column(text, "flags") == [flags], text
    assert any("PHQ-9 item 9 above 0" in line for line in text.splitlines()), text


def printed(table: Table, width: int) -> str:
    out = io.StringIO()
    Console(file=out, width=width, color_system=None).print(table)
    return out.getvalue()
