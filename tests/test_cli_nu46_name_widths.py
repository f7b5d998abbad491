"""NU46 #8 and #9: names beside the texts, and names that break when the table has room.

8. At 120 columns drlee's `tj list` gave the copy journal "maya/Personal (mood, tags) for
   drlee (no longer served)" 52 cells (broken after "maya/" only) and cut the titles beside
   it to 19, though the README says a title keeps about half of the room it shares with the
   names: the name now also breaks before its closing "(no longer served)".
9. At 80 columns `tj caseload` broke "maya (?)" in a 78-wide table and `tj measure list`
   "maya/Personal" in a 77-wide one: a broken name takes the cells the table leaves unused,
   or cells another name gives by breaking instead, when the rows then take fewer lines.

Real server on loopback, real crypto for #8; #9's tables are made from the columns the
commands print, without a server."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from cli.measures import CHANGE
from cli.tables import DATE, FIXED, ID, NAME, Column, fitted
from tests.conftest import RunningServer
from tests.table_cells import column
from tests.test_cli_insights import new_device

TOFU = "--trust-on-first-use"
COPY = "maya/Personal (mood, tags) for drlee"
TITLES = ["I'm the new kim and this is my first entry", "Everything feels heavy again today"]


async def test_at_120_a_copys_name_breaks_before_no_longer_served_and_titles_keep_half(
    live_server: RunningServer, tmp_path: Path
) -> None:
    maya = await new_device(live_server, tmp_path, "maya")
    kim = await new_device(live_server, tmp_path, "kim")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await maya.ok("share", "Personal", "drlee", "--only", "mood,tags", TOFU)
    await maya.ok("mood", "5")
    await kim.ok("share", "Personal", "drlee", TOFU)
    for title in TITLES:
        await kim.ok("write", "--title", title, "--mood", "4", "x")
    await drlee.ok("sync")
    await maya.ok("unshare", "Personal", "drlee", "--yes")
    await drlee.ok("sync")

    table = (await drlee.ok("list", env={"COLUMNS": "120"})).stdout
    head, _, *lines = table.splitlines()
    ended = f"{COPY} (no longer served)"
    assert sorted(column(table, "journal")) == sorted([ended, "kim/Personal", "kim/Personal"])
    start, end = head.index("journal"), head.index("title or text")
    cells = [line[start:end].strip() for line in lines]
    at = cells.index(COPY)  # on two lines: broken before "(no longer served)", not after "/"
    assert cells[at : at + 2] == [COPY, "(no longer served)"], table
    shared = len(head.rstrip()) - start  # the names' and the texts' room, with their gaps
    assert end - start <= shared // 2 + 2, table  # the texts keep about half (was 52 of 80)
    cells = column(table, "title or text")
    titles = [c.removesuffix("…") for c in cells if c != "(no text shared)"]  # maya's copy
    assert len(titles) == 2 and all(len(t) > 19 for t in titles), table  # were cut to 19
    assert all(any(t.startswith(cell) for t in TITLES) for cell in titles), table


def printed(columns: list[Column], rows: list[tuple[str, ...]], width: int = 80) -> str:
    out = io.StringIO()
    Console(file=out, width=width, color_system=None).print(fitted(columns, rows, width=width))
    return out.getvalue()


def test_a_caseload_name_takes_the_cell_its_table_leaves_unused() -> None:
    columns = [Column("client", NAME), Column("flags", NAME, items="; ")]
    columns += [Column("last entry", FIXED), Column("week", FIXED), Column("mood 8 wk", FIXED)]
    columns += [Column("scores", NAME, items=", "), Column("overdue", FIXED)]
    flags = "safety flag (1); PHQ-9 item 9 above 0; share ended (erased?)"
    rows = [
        (client, flags, "2026-12-04", "1", "▁▂▃▄▅▆▇█", "PHQ-9 9, GAD-7 6", "0")
        for client in ("kim (?)", "maya (?)")
    ]
    table = printed(columns, rows)
    assert max(len(line.rstrip()) for line in table.splitlines()) <= 80, table
    assert column(table, "client", key="last entry") == ["kim (?)", "maya (?)"], table
    assert [line.split("  ")[0] for line in table.splitlines()[2:] if line[:1].strip()] == [
        "kim (?)",
        "maya (?)",
    ], table  # each on one line (was "maya" above "(?)")


def test_a_measure_lists_journal_stays_whole_when_the_change_can_break_instead() -> None:
    columns = [ID, DATE, Column("measure", FIXED), Column("journal", NAME)]
    columns += [Column("score", FIXED), CHANGE, Column("band", NAME, items="; ")]
    rows = [
        ("24da3b430cf3", "2026-12-01 09:00", "PHQ-9", "kim/Personal", "15", "", "mild"),
        (
            "24da3b430cf4",
            "2026-12-04 09:00",
            "PHQ-9",
            "maya/Personal",
            "9",
            "-2, retake",
            "minimal",
        ),
    ]
    table = printed(columns, rows)
    assert max(len(line.rstrip()) for line in table.splitlines()) <= 80, table
    assert column(table, "journal") == ["kim/Personal", "maya/Personal"], table
    assert column(table, "change") == ["", "-2, retake"], table
    assert len([line for line in table.splitlines()[2:] if line.strip()]) == 3, table  # was 4
    assert "maya/Personal" in table and "kim/Personal" in table, table  # not "maya/" above it
