"""NU42 #9 and #11 through the CLI (real server on loopback, real crypto).

9. `tj goal checkin ID --progress 50` on a 12-session goal was saved at once: a typo for 5
   marked the goal reached. One check-in of more sessions than the goal's whole target asks
   first (`--yes` does not; a script with no answer changes nothing, exit 1).
11. At 80 columns `tj shares` wrapped a copy's "sees" over 7 lines, `tj list` cut a tag list
   to "work, stre…" beside a title cut anyway, `tj goal list` wrapped a title beside a
   14-cell status and `tj briefs` broke the brief's name over three lines ("ana/" above
   it): each now reads on as few lines as the width allows."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.conftest import RunningServer
from tests.table_cells import column
from tests.test_cli import Device, failed_with_one_line, laptop  # noqa: F401 (fixtures)
from tests.test_cli_insights import new_device
from tests.test_cli_nu34_tables import cut_from
from tests.test_cli_nu35_tables import tables, width_of
from tests.test_cli_nu36_tables import lines_under

QUESTION = "50 sessions in one check-in is more than the whole goal (12 sessions). Save it?"
TOFU = "--trust-on-first-use"


async def test_a_check_in_of_more_sessions_than_the_whole_goal_asks_first(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    goal = (await laptop.ok("goal", "add", "Walk", "--measure", "12 sessions")).stdout.strip()

    async def checkins() -> list[int]:
        return [c["progress"] for c in (await laptop.json("goal", "show", goal))["checkins"]]

    # a script with no answer: one line naming the question and --yes, nothing saved
    line = failed_with_one_line(await laptop.tj("goal", "checkin", goal, "--progress", "50"))
    assert line == (
        "Error: this needs confirming and standard input ended with no answer: pass --yes to "
        f"skip the question. The question: {QUESTION}"
    )
    declined = await laptop.tj("goal", "checkin", goal, "--progress", "50", input="n\n")
    assert declined.exit_code == 1
    assert f'Not done: you answered no to "{QUESTION}".' in declined.stderr
    assert await checkins() == []

    saved = await laptop.ok("goal", "checkin", goal, "--progress", "50", input="y\n")
    asked = saved.stderr.split(" [y/N]")[0]  # wrapped at 80 columns, room for [y/N] (NU50 F5)
    assert " ".join(asked.split()).endswith(QUESTION) and "50/12 sessions" in saved.stdout
    assert max(len(line) for line in asked.splitlines()) <= 80 - len(" [y/N]: ")
    assert "that brings the goal to 50 of 12 sessions, more than its target" in saved.stderr
    forced = await laptop.ok("goal", "checkin", goal, "--progress", "13", "--yes")
    assert "Save it?" not in forced.stderr and "63/12 sessions" in forced.stdout
    whole = await laptop.ok("goal", "checkin", goal, "--progress", "12")  # the target: asks not
    assert "Save it?" not in whole.stderr
    assert await checkins() == [50, 13, 12]

    # correcting a check-in to more than the whole goal asks the same
    first = (await laptop.json("goal", "show", goal))["checkins"][0]["id"][:6]
    line = failed_with_one_line(
        await laptop.tj("goal", "checkin-edit", goal, first, "--progress", "50")
    )
    assert line.endswith(f"The question: {QUESTION}")
    await laptop.ok("goal", "checkin-edit", goal, first, "--progress", "5")  # fewer: asks not
    await laptop.ok("goal", "checkin-edit", goal, first, "--progress", "40", "--yes")
    assert await checkins() == [40, 13, 12]

    # a percent goal's 100 is its whole, never asked; an unknown goal or a goal this account
    # may only read is refused before the question (NU23 C8)
    percent = (await laptop.ok("goal", "add", "Say no", "--measure", "percent")).stdout.strip()
    done = await laptop.ok("goal", "checkin", percent, "--progress", "100")
    assert "Save it?" not in done.stderr
    unknown = failed_with_one_line(
        await laptop.tj("goal", "checkin", "abcdef12", "--progress", "50")
    )
    assert "needs confirming" not in unknown and "abcdef12" in unknown
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await laptop.ok("share", "Personal", "drsmith", "--full", "--role", "read", TOFU)
    await drsmith.ok("sync")
    refused = failed_with_one_line(await drsmith.tj("goal", "checkin", goal, "--progress", "50"))
    assert "needs confirming" not in refused and "Save it?" not in refused
    assert await checkins() == [40, 13, 12]


async def shown(device: Device, width: int, *args: str) -> str:
    """The one table a command prints at `width` columns (every line within it)."""
    [table] = tables((await device.ok(*args, env={"COLUMNS": str(width)})).stdout, width)
    return table


@pytest.mark.parametrize("width", [80, 120])
async def test_a_copys_sees_is_not_squeezed_beside_short_flags(
    live_server: RunningServer, tmp_path: Path, width: int
) -> None:
    """`tj shares`: a copy's "sees" was 16 cells over 7 lines beside "no (a copy)" whole."""
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("share", "Personal", "drsmith", "--only", "mood,tags,scores", TOFU)
    table = await shown(ana, width, "shares")
    [sees] = column(table, "sees")
    assert sees.startswith("mood, tags and scores dated from "), table  # its journal: beside
    assert sees.endswith(" (a copy kept for drsmith)"), table
    assert column(table, "flags") == ["no (a copy)"], table
    assert column(table, "journal") == ["Personal (mood, tags, scores) for drsmith"], table
    assert lines_under(table, "sees") <= (5 if width == 80 else 2), table


@pytest.mark.parametrize("width", [80, 120])
async def test_a_short_tag_list_is_whole_beside_a_title_cut_anyway(
    live_server: RunningServer, tmp_path: Path, width: int
) -> None:
    """`tj list --limit 3`: "work, stre…" on every row (cut by one cell) beside a title
    column cut anyway: the tags whole now, one title cut by a cell more."""
    ana = await new_device(live_server, tmp_path, "ana")
    written = ["First entry about things", "Second about things", "Third about things"]
    for title in written:
        await ana.ok("write", "--tag", "work", "--tag", "stress", "--mood", "5", title)
    table = await shown(ana, width, "list", "--limit", "3")
    assert column(table, "tags") == ["work, stress"] * 3, table
    titles = column(table, "title or text")
    assert all(t == w or cut_from(t, w) for t, w in zip(titles, written[::-1], strict=True))
    assert titles[0] == written[2] and (width == 80 or titles == written[::-1]), table
    assert width_of(table, "title or text") >= 16, table
    # beside a long tag list, cut anyway, the short ones stay whole
    tags = ("anxiety", "family", "sleep", "work", "exercise")
    await ana.ok("write", *(x for tag in tags for x in ("--tag", tag)), "A night")
    table = await shown(ana, width, "list", "--limit", "4")
    [longest, *short] = column(table, "tags")
    assert short == ["work, stress"] * 3, table
    assert longest == ", ".join(tags) or cut_from(longest, ", ".join(tags)), table
    assert width_of(table, "title or text") >= 16, table


@pytest.mark.parametrize("width", [80, 120])
async def test_a_goals_title_is_on_one_line_beside_its_status(
    live_server: RunningServer, tmp_path: Path, width: int
) -> None:
    """`tj goal list`: "Walk three times a" above "week" beside "due 2027-03-01": "due" now
    goes above the date when that makes room for the title."""
    ana = await new_device(live_server, tmp_path, "ana")
    ahead = (date.today() + timedelta(days=60)).isoformat()
    goal = await ana.ok(
        "goal", "add", "Walk three times a week", "--measure", "12 sessions", "--target", ahead
    )
    await ana.ok("goal", "checkin", goal.stdout.strip(), "--progress", "3")
    table = await shown(ana, width, "goal", "list")
    [row] = [line for line in table.splitlines() if line.startswith(goal.stdout.strip()[:12])]
    assert "Walk three times a week" in row and "3/12 sessions" in row, table
    assert column(table, "goal") == ["Walk three times a week"], table
    assert column(table, "status") == [f"due {ahead}"], table
    assert (f"due {ahead}" in row) == (width == 120), table  # whole where there is room


@pytest.mark.parametrize("width", [80, 120])
async def test_a_briefs_row_is_one_line_with_the_client_first(
    live_server: RunningServer, tmp_path: Path, width: int
) -> None:
    """`tj briefs`: "ana/" above "Brief 2026-12-04 18:07" above "for drsmith": the client
    column names her, so the name was without "ana/" (NU42 #11); NU47 #14: the name's date
    repeats "shared" and "for drsmith" is the reader, so the journal has no column, the
    client first: a row takes one line; --json keeps the whole name."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("write", "--mood", "4", "A week.")
    await ana.ok("brief", "drsmith", "--journal", "Personal", "--yes", TOFU)
    await drsmith.ok("sync")
    table = await shown(drsmith, width, "briefs")
    assert table.splitlines()[0].split() == ["client", "id", "shared", "expires"], table
    assert column(table, "client") == ["ana"], table
    assert len(table.strip().splitlines()) == 3, table  # headers, rule, one line
    [brief] = await drsmith.json("briefs")
    assert brief["journal"].startswith("ana/Brief ") and brief["journal"].endswith(" for drsmith")
    mine = await shown(ana, width, "briefs")  # the client's own: for whom, in the journal
    [name] = column(mine, "journal")
    assert name.startswith("Brief ") and name.endswith(" for drsmith"), mine
