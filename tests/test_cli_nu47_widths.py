"""NU47 #14 (rest): a therapist's commands at 80 and 120 columns. Sync notices ("Notice:
...", 354 to 401 columns) and ended assignments ("Ended: ...") wrapped under their label
as warnings are; `tj shared-with-me` without an owner column repeating the journal's
"ana/"; `tj briefs` with the client first; the caseload's scores given the room a long
client name took (real server on loopback, CliRunner)."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from cli.practice import caseload_columns
from cli.tables import fitted, table_text
from tests.conftest import RunningServer
from tests.notice_times import unwrapped
from tests.table_cells import column
from tests.test_cli_insights import new_device

NARROW = {"COLUMNS": "80"}


def widest(text: str) -> int:
    return max((len(line) for line in text.splitlines()), default=0)


async def test_share_notices_and_ended_assignments_wrap_under_their_label(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--trust-on-first-use"
    )
    await drsmith.ok("sync")
    await drsmith.ok("assign", "ana/Personal", "measure", "phq9", "--every", "14", "--yes")
    await ana.ok("sync")
    await ana.ok("unshare", "Personal", "drsmith", "--yes")

    told = await drsmith.ok("sync", env=NARROW)
    notices = [line for line in told.stderr.splitlines() if not line.startswith(" ")]
    assert [line.split(":")[0] for line in notices] == ["Notice"], told.stderr
    assert len(told.stderr.splitlines()) > 2 and widest(told.stderr) <= 80, told.stderr
    assert all(line.startswith(" " * len("Notice: ")) for line in told.stderr.splitlines()[1:]), (
        told.stderr
    )
    assert "ana's 'Personal' is no longer served to you" in unwrapped(told.stderr)

    listed = await drsmith.ok("assignments", env=NARROW)
    ended = [line for line in listed.stderr.splitlines() if line.startswith("Ended: ")]
    assert len(ended) == 1 and widest(listed.stderr) <= 80, listed.stderr
    assert "Ended: your assignment in ana's 'Personal' (PHQ-9 every 14 days) is no longer " in (
        unwrapped(listed.stderr)
    )


async def test_shared_with_me_names_each_owner_once_in_the_journal(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """At 80 columns "  owner: ana (?)" was printed under each of 54 rows, the name the
    journal "ana/Personal" already gives."""
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    long_name = "yusuf-abdullahi-okonkwo-m"  # 25 characters, as in the review
    for name in ("ana", long_name):
        client = await new_device(live_server, tmp_path, name)
        await client.ok("share", "Personal", "drsmith", "--trust-on-first-use")
    ana = await new_device(live_server, tmp_path, "ana.b")
    await ana.ok("share", "Personal", "drsmith", "--fingerprint", drsmith.signup["fingerprint"])
    fingerprint = (await ana.ok("fingerprint")).stdout.strip()
    await drsmith.ok("verify", "ana.b", fingerprint)

    shown = await drsmith.ok("shared-with-me", env=NARROW)
    lines = shown.stdout.strip().splitlines()
    assert lines[0].split() == ["journal", "role", "expires"], shown.stdout
    assert column(shown.stdout, "journal") == [
        "ana/Personal (?)",
        "ana.b/Personal",
        f"{long_name}/Personal (?)",
    ]
    assert len(lines) == 2 + 3 and "owner" not in shown.stdout, shown.stdout  # a line each
    assert "fingerprints not compared (?): ana and " in unwrapped(shown.stderr)


RETAKEN = "GAD-7 18 (+1, retake), PHQ-9 20 (+1, retake)"


def test_the_caseloads_scores_are_broken_between_scores_never_inside_one() -> None:
    """A 25-character client and long flags left "scores" 15 cells: "GAD-7 18 (+1," above
    "retake),", four lines a client (at 120 columns in the review, at 80 still); each
    score is now whole on its line (below the row, where the table has no room for it)."""
    width = 80
    rows = [
        ("yusuf-abdullahi-okonkwo-m", "", "2026-12-03", "6", "4.4▄▄▄▅▄▅▅▅", RETAKEN, "0"),
        ("uma", "GAD-7 reliable deterioration; GAD-7 severe; PHQ-9 severe; mood 1/10",
         "2026-12-03", "5", "4.4▃▃▃▃▃▃▂▃", RETAKEN, "0"),
        ("farid", "safety flag (1); PHQ-9 item 9 above 0; mood 2/10", "2026-12-03", "4",
         "4.4▄▅▆▄▅▅▅▅", "PHQ-9 18 (+11, retake)", "0"),
    ]  # fmt: skip
    console = Console(file=io.StringIO(), width=width, soft_wrap=False)
    printed = table_text(fitted(caseload_columns(), rows, width=width), console)
    assert widest(printed) <= width, printed
    for score in ("GAD-7 18 (+1, retake)", "PHQ-9 20 (+1, retake)", "PHQ-9 18 (+11, retake)"):
        assert printed.count(score) == {"PHQ-9 18 (+11, retake)": 1}.get(score, 2), printed
