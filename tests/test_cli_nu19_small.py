"""NU19 C28's smaller findings, each through the CLI against a real server on loopback: a
therapist gets advice they can follow on an empty shared journal (C28.1), the HTML caseload
says "1 entry" (C28.6), and the
therapist's note on an assignment is in the client's `tj due` (C28.5)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.notice_times import unwrapped
from tests.test_cli_insights import new_device


async def test_a_therapists_empty_views_say_what_to_do_and_the_html_counts_right(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await ana.ok("share", "Personal", "drlee", "--trust-on-first-use")
    empty = unwrapped((await drlee.ok("list", "--journal", "ana/Personal")).stderr)
    # its own sync just ran: no "shows after `tj sync`" (NU62 F11)
    assert "No entries in ana/Personal: ana shares none there now (as of a sync just now)." in empty
    assert "tj write" not in empty
    insights = " ".join((await drlee.ok("insights")).stdout.split())  # wrapped (NU50 F5)
    assert "(a client's journal: --journal OWNER/NAME)" in insights
    shared = " ".join((await drlee.ok("insights", "--journal", "ana/Personal")).stdout.split())
    assert "what ana shares shows after `tj sync`" in shared and "tj write" not in shared

    await ana.ok("write", "--mood", "5", "One entry.")
    page = tmp_path / "caseload.html"
    await drlee.ok("caseload", "--html", str(page))
    html = page.read_text(encoding="utf-8")
    assert "<dd>1 entry</dd>" in html and "1 entries" not in html
    assert "mood by week, 8 weeks" in html


async def test_the_therapists_note_on_an_assignment_is_in_the_clients_due(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await ana.ok("share", "Personal", "drlee", "--role", "annotate", "--trust-on-first-use")
    await drlee.ok("sync")
    await drlee.ok("assign", "ana/Personal", "homework", "thought-record", "--note", "Low mood")
    due = " ".join((await ana.ok("due", env={"COLUMNS": "200"})).stdout.split())
    assert 'Thought record (CBT), once: "Low mood"' in due


async def test_listings_over_every_journal_say_so_in_their_help() -> None:
    """C28.15: `--help` said "(default: Personal)" where no --journal lists every journal."""
    from tests.test_cli import run_tj

    for command in (
        ["measure", "list"], ["homework", "list"], ["assignments"], ["goal", "list"],
        ["safety", "flags"],
    ):  # fmt: skip
        shown = " ".join((await run_tj([*command, "--help"])).output.split())
        assert "Default: every journal." in shown and "default: Personal" not in shown, command
    due = " ".join((await run_tj(["due", "--help"])).output.split())
    assert "Default: every journal you own." in due
