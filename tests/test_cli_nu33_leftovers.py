"""Leftovers of the NU32/NU33 walkthroughs, against a real server on loopback with real
crypto (see tests/test_cli.py for the set-up):

- NU33 #11: on 80 columns, a `tj caseload` flag such as "safety flag (1 unacknowledged, 1
  raised before this share: ...)" wrapped onto 13 lines of its narrow column;
"""

from __future__ import annotations

from pathlib import Path

from rich.cells import cell_len

from tests.conftest import RunningServer
from tests.table_cells import column
from tests.test_cli_role_flags import flags_for_drsmith

NARROW: dict[str, str | None] = {"COLUMNS": "80"}


async def test_caseload_flags_fit_80_columns_with_each_whole_flag_below_the_table(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU33 #11: the table says each flag in a few words ("safety flag (1)", "PHQ-9 item 9
    above 0") and fits 80 columns, ana's row on a line a flag at most; each flag it shortened is
    said whole on its own line below ("ana: safety flag (1 unacknowledged; ...)")."""
    ana, drsmith = await flags_for_drsmith(live_server, tmp_path)
    await ana.ok("measure", "take", "phq9", "--answers", "3,3,3,3,3,3,3,3,2")
    await ana.ok("share", "Personal", "drsmith", "--role", "read", "--yes")
    await drsmith.ok("sync")
    [row] = await drsmith.json("caseload")
    long_flag = "safety flag (1 unacknowledged; you only read this journal now and cannot mark"
    assert row["flags"][0].startswith(long_flag), row["flags"]
    [item_9] = [f for f in row["flags"] if "item 9" in f]

    shown = (await drsmith.ok("caseload", env=NARROW)).stdout
    table, _, below = shown.partition("\n\n")
    lines = table.splitlines()
    assert max(cell_len(line) for line in lines) <= 80, shown
    assert len(lines) <= 2 + len(row["flags"]), shown  # header, rule: a line a flag at most
    [flags] = column(table, "flags")
    assert flags.startswith("safety flag (1); PHQ-9 item 9 above 0"), flags
    assert f"ana: {row['flags'][0]}" in below.splitlines()
    assert "you only read this journal" not in table
    whole = item_9 == "PHQ-9 item 9 answered above 0"  # the latest answer: said whole above
    assert (f"ana: {item_9}" in below.splitlines()) is not whole
