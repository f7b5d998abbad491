"""NU36 #3, #7, #8, #9 and #11 (part): the tables (cli/tables.py) with a 29-character client
and her 63-character journal, at 80, 120 and 200 columns.

3. A client's own `tj list`, `due`, `notes` and `measure list` at 80 columns kept the journal
   in a 12-14 column cell over 5-7 lines and cut the title to 14 columns and a tag to "sle…":
   a name beside the texts now takes at most three lines, else it goes below its row (as the
   therapist's did), and a listing's cut text keeps 16 columns.
7. A date was split from its time ("ended 2026-12-04" above "00:20", "(end" above "of day)",
   a brief's name over four lines): never now.
8. An untitled entry was cut at 40 characters even at 200 columns, a homework summary cut at
   40 and then wrapped: both are cut at the column's width only, on one line.
9. At 120 columns "carla/Personal (mood, tags, scores) for drsmith" broke inside the journal's
   name beside a longer name that could not break after its "/": it breaks after "carla/".
11. `tj safety flags` named the measure "phq9" where every other table says "PHQ-9".

`--json` does not change with the width. Real server on loopback, real crypto."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

from cli.tables import FIXED, NAME, WHOLE_WORDS, Column, fitted
from tests.conftest import RunningServer
from tests.table_cells import BELOW_LINE, below, column
from tests.test_cli import Device
from tests.test_cli_insights import new_device
from tests.test_cli_nu34_tables import cut_from, printed
from tests.test_cli_nu35_tables import tables, width_of

CLIENT = "maximiliane-schwarzenegger-hb"  # 29 characters
JOURNAL = "Weekly reflections on anxiety, sleep and work-life balance 2026"  # 63
THERAPIST = "drsmith"
UNTITLED = "I could not get out of bed and everything felt heavy and grey today"  # 67
TITLE = "Sunday evening dread before the work week starts again"
SITUATION = "Sunday evening, thinking about Monday's meeting with the whole team and my manager"
NOTE = "Bring the sleep diary next time."
HOMEWORK = "Every morning this week"
COPY = f"carla/Personal (mood, tags, scores) for {THERAPIST}"
RECORD = [
    "--set", f"situation={SITUATION}", "--set", "automatic_thought=I will fail.",
    "--set", "emotion=dread", "--set", "intensity=80", "--set", "evidence_for=Last week.",
    "--set", "evidence_against=It went fine.", "--set", "balanced_thought=It may go fine.",
    "--set", "rerated_intensity=40",
]  # fmt: skip
TOFU = "--trust-on-first-use"


async def scenario(server: RunningServer, tmp_path: Path) -> tuple[Device, Device]:
    client = await new_device(server, tmp_path, CLIENT)
    therapist = await new_device(server, tmp_path, THERAPIST)
    carla = await new_device(server, tmp_path, "carla")
    await client.ok("journal", "create", JOURNAL)
    await client.ok("write", "--journal", JOURNAL, "--mood", "2", UNTITLED)
    await client.ok(
        "write", "--journal", JOURNAL, "--title", TITLE, "--mood", "3", "--tag", "work",
        "--tag", "sleep", "x",
    )  # fmt: skip
    await client.ok(
        "share", JOURNAL, THERAPIST, "--full", "--role", "annotate", "--safety-flags", TOFU
    )
    answers = ("--answers", "1,1,1,1,1,1,1,1,2")
    await client.ok("measure", "take", "phq9", "--journal", JOURNAL, *answers)
    await client.ok("homework", "add", "thought-record", "--journal", JOURNAL, *RECORD)
    await carla.ok("share", "Personal", THERAPIST, "--only", "mood,tags,scores", TOFU)
    await carla.ok("write", "--mood", "4", "--tag", "family", "Dinner with my sister.")
    await therapist.ok("sync")
    await therapist.ok("note", f"{CLIENT}/{JOURNAL}", NOTE)
    await therapist.ok(
        "assign", f"{CLIENT}/{JOURNAL}", "homework", "sleep-diary", "--note", HOMEWORK
    )
    await client.ok("sync")
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    await client.ok("share", "Personal", THERAPIST, "--full", "--until", tomorrow, TOFU)
    await client.ok("brief", THERAPIST, "--days", "1", "--yes", TOFU)
    await therapist.ok("sync")
    return client, therapist


def heads(table: str) -> list[str]:
    return re.findall(r"\S+(?: \S+)*", table.splitlines()[0])


def lines_under(table: str, header: str) -> int:
    """How many lines of `table` have something in the column headed `header` (not counting
    the lines of cells moved below a row)."""
    head = table.splitlines()[0]
    start = head.index(header)
    later = [m.start() for m in re.finditer(r"\S+(?: \S+)*", head) if m.start() > start]
    end = later[0] if later else None
    count, moved = 0, False
    for line in table.splitlines()[2:]:
        if BELOW_LINE.match(line):
            moved = True
        elif line[:1].strip():
            moved = False
        count += not moved and bool(line[start:end].strip())
    return count


def dates_whole(output: str) -> None:
    """No date cut from its time or from "(end of day)", no "(end" above "of day)"."""
    assert not re.search(r"\d{4}-\d{2}-\d{2}(?=  |\s*$)", output, re.M), output
    assert not re.search(r"^\s+(\d{1,2}:\d{2}\b|of day\))", output, re.M), output
    assert not re.search(r"\(end(?=  |\s*$)", output, re.M), output


async def shown(device: Device, width: int, *args: str) -> str:
    return str((await device.ok(*args, env={"COLUMNS": str(width)})).stdout)


async def test_a_clients_tables_at_80_put_a_long_journal_below_each_row_texts_16_columns(
    live_server: RunningServer, tmp_path: Path
) -> None:
    client, therapist = await scenario(live_server, tmp_path)

    # 3: the client's own tables at 80: the journal below each row, the texts 16 columns
    for args, header, text in (
        (("list",), "title or text", TITLE),
        (("due",), "what", HOMEWORK),
        (("notes",), "text", NOTE),
        (("measure", "list"), "band", "Moderate; item 9 above 0"),
    ):
        [table, *_] = tables(await shown(client, 80, *args), 80)
        assert "journal" not in heads(table), table  # was 12-14 columns, over 5-7 lines
        if args == ("list",):  # every entry is in that journal: not named (NU48 #8)
            assert below(table, "journal") == [] and JOURNAL not in table, table
        else:
            assert JOURNAL in below(table, "journal"), table
        assert width_of(table, header) >= min(WHOLE_WORDS, len(text)), table
        cells = column(table, header)
        assert any(text in cell or cut_from(cell, text) for cell in cells), table
        if args == ("list",):
            assert "work, sleep" in column(table, "tags"), table  # not "sle…"
        assert await client.json(*args, env={"COLUMNS": "80"}) == await client.json(
            *args, env={"COLUMNS": "200"}
        )  # --json does not depend on the width


async def test_an_untitled_entry_and_a_homework_summary_are_cut_at_the_columns_width_only(
    live_server: RunningServer, tmp_path: Path
) -> None:
    client, therapist = await scenario(live_server, tmp_path)

    # 8: an untitled entry fills its column (was cut at 40 whatever the width)
    [table] = tables(await shown(client, 200, "list"), 200)
    assert UNTITLED in column(table, "title or text"), table
    [table] = tables(await shown(client, 80, "list"), 80)
    [untitled] = [c for c in column(table, "title or text") if c.startswith("I could")]
    assert cut_from(untitled, UNTITLED) and len(untitled) > 16, table
    # a homework summary on one line: cut at its column's width, not cut and then wrapped
    for width in (120, 200):
        [table] = tables(await shown(therapist, width, "homework", "list"), width)
        [summary] = column(table, "summary")
        assert summary == SITUATION or cut_from(summary, SITUATION), table
        assert lines_under(table, "summary") == 1, table
        assert len(summary) > 41 or width < 200, table  # was cut at 40 at any width
    # the trash likewise: an untitled entry was cut at 60, with no "…" (it read as whole)
    trashed = f"{UNTITLED}, and I stayed in bed"  # 88 characters
    entry = (await client.ok("write", "--journal", JOURNAL, trashed)).stdout.strip()
    await client.ok("delete", entry, "--yes")
    for width in (80, 200):
        [table] = tables(await shown(client, width, "trash"), width)
        [cell] = column(table, "title or text")
        assert cell == trashed if width == 200 else cut_from(cell, trashed), table


async def test_at_120_a_copys_name_breaks_after_its_slash_beside_a_longer_name(
    live_server: RunningServer, tmp_path: Path
) -> None:
    client, therapist = await scenario(live_server, tmp_path)

    # 9: at 120 carla's copy breaks after its "/", the journal's name whole on its line
    [table] = tables(await shown(therapist, 120, "list"), 120)
    assert COPY in column(table, "journal"), table
    at = heads(table).index("journal")
    start = table.splitlines()[0].index("journal")
    end = table.splitlines()[0].index(heads(table)[at + 1])
    cells = [line[start:end].strip() for line in table.splitlines()[2:]]
    assert COPY in cells or COPY.removeprefix("carla/") in cells, table


async def test_a_date_is_never_split_from_its_time_nor_end_of_day(
    live_server: RunningServer, tmp_path: Path
) -> None:
    client, therapist = await scenario(live_server, tmp_path)

    # 7: a date never split from its time, nor "(end of day)"; a brief's name as few lines
    for device, args in ((client, ("shares",)), (therapist, ("briefs",))):
        for width in (80, 120):
            output = await shown(device, width, *args)
            tables(output, width)
            dates_whole(output)
    [table] = tables(await shown(client, 80, "shares"), 80)
    ends = below(table, "expires")  # below its row beside a 63-character journal (NU42 #11)
    assert any(re.search(r"\d{4}-\d{2}-\d{2} \(end of day\)", c) for c in ends), table
    [brief] = [c for c in column(table, "journal") if c.startswith("Brief ")]
    assert re.fullmatch(rf"Brief \d{{4}}-\d{{2}}-\d{{2}} \d{{2}}:\d{{2}} for {THERAPIST}", brief)
    [row] = [n for n, line in enumerate(table.splitlines()) if line.startswith("Brief ")]
    later = []  # the name's later lines: two at most now (was four)
    for line in table.splitlines()[row + 1 :]:
        if BELOW_LINE.match(line):
            break
        later.append(line)
    assert len(later) <= 1, table


async def test_safety_flags_name_the_measure_phq9_as_every_table_does(
    live_server: RunningServer, tmp_path: Path
) -> None:
    client, therapist = await scenario(live_server, tmp_path)

    # 11: the measure as every other table names it
    for width in (80, 120):
        output = await shown(therapist, width, "safety", "flags")
        assert "phq9" not in output and "PHQ-9" in output, output
    [flag] = (await therapist.json("safety", "flags"))["flags"]
    assert flag["measure"] == "phq9"  # --json keeps the measure's id


def test_an_ended_share_and_an_end_of_day_are_never_split() -> None:
    """Without a server: `tj shares`' columns at 80 and 120 with an ended share, a share to
    the end of a day and a brief: each date whole with its time (NU36 #7), on one line."""
    columns = [Column("journal", NAME), Column("member", NAME), Column("role", FIXED)]
    columns += [Column("sees"), Column("expires"), Column("flags")]
    rows = [
        ("Personal", THERAPIST, "annotate", "every field", "ended 2026-12-04 00:20", "-"),
        (f"Brief 2026-12-04 00:08 for {THERAPIST}", THERAPIST, "read", "one pre-session brief",
         "2026-12-18 00:08", "no (a brief)"),
        ("Personal", "dana-therapist", "read", "every field", "2026-12-05 (end of day)", "no"),
    ]  # fmt: skip
    for width in (80, 120):
        text = printed(fitted(columns, rows, width=width), width)
        dates_whole(text)
        assert column(text, "expires") == [row[4] for row in rows], text
        assert column(text, "journal")[1] == rows[1][0], text
