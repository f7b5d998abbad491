"""REV-CARE4 (/work/REV-CARE4-FINDINGS.md), fixed: `tj assignments` on a copy of some
fields, `tj homework add`'s note, `tj show`'s share state. The reviewer's tests, rewritten
to the fixed outcome."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from tests.conftest import RunningServer
from tests.table_cells import column
from tests.test_cli_care import NIGHT, shared_mood_only
from tests.test_cli_insights import new_device


async def test_tj_show_says_no_longer_served_like_tj_list(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """Held: `tj list` and `tj show` agree; the server's word alone is `unlisted`, never
    `share_ended` (the reviewer's API note)."""
    maya = await new_device(live_server, tmp_path, "maya")
    okafor = await new_device(live_server, tmp_path, "okafor")
    await maya.ok("share", "Personal", "okafor", "--trust-on-first-use")
    await maya.ok("write", "--title", "River walk", "Walked by the river at dawn.")
    await okafor.ok("sync")
    await maya.ok("unshare", "Personal", "okafor", "--yes")  # the server stops serving it;
    await okafor.ok("sync")  # okafor's device holds no chain entry that ends it
    [listed] = await okafor.json("list")
    assert (listed["share_ended"], listed["unlisted"]) == (False, True)
    shown = await okafor.json("show", listed["id"][:8])
    assert (shown["share_ended"], shown["unlisted"]) == (False, True)


async def test_tj_assignments_never_says_overdue_for_work_the_therapist_may_not_see(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F1: in a field-level share without scores, the client took the PHQ-9 that was asked;
    the therapist's status said "OVERDUE" and "never" done. On a copy of some fields the
    therapist's device cannot tell: "not seen", no "never"; in a copy whose name says it
    carries no results, "cannot be seen in this copy" (NU64 F15)."""
    ana, drsmith, copy = await shared_mood_only(live_server, tmp_path)
    days_ago = (datetime.now().astimezone() - timedelta(days=3)).strftime("%Y-%m-%d %H:%M")
    made = await drsmith.json("assign", copy, "measure", "phq9", "--starts", days_ago)
    await ana.ok("sync")
    await ana.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,0")
    await ana.ok("sync")
    assert [d for d in await ana.json("due", "--all") if d["id"] == made["id"]] == []  # done
    await drsmith.ok("sync")
    [row] = [a for a in await drsmith.json("assignments") if a["id"] == made["id"]]
    assert (row["status"], row["last_done"]) == ("cannot be seen", None)
    table = (await drsmith.ok("assignments", env={"COLUMNS": "200"})).stdout
    assert "OVERDUE" not in table and "never" not in table
    assert column(table, "status") == [
        "cannot be seen in this copy: it does not carry the client's results, so whether they "
        "took it does not reach you, done or not"
    ]
    [client_row] = await drsmith.json("caseload")
    assert not any("overdue" in flag for flag in client_row["flags"])


async def test_homework_add_counts_only_this_assignments_or_unassigned_homework(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F4: a sleep diary written for a daily assignment made the first diary for a new
    one-off say "was already done on ..."."""
    carla = await new_device(live_server, tmp_path, "carla")
    drruiz = await new_device(live_server, tmp_path, "drruiz")
    await carla.ok(
        "share", "Personal", "drruiz", "--full", "--role", "annotate", "--trust-on-first-use"
    )
    await drruiz.ok("sync")
    daily = await drruiz.json("assign", "carla/Personal", "homework", "sleep-diary", "--every", "1")
    once = await drruiz.json("assign", "carla/Personal", "homework", "sleep-diary")
    await carla.ok("sync")
    await carla.ok("homework", "add", "sleep-diary", *NIGHT, "--assignment", daily["id"][:8])
    first = await carla.ok("homework", "add", "sleep-diary", *NIGHT, "--assignment", once["id"][:8])
    assert "already done" not in first.stderr
    second = await carla.ok(
        "homework", "add", "sleep-diary", *NIGHT, "--assignment", once["id"][:8]
    )
    assert "was assigned once and was already done on" in second.stderr
