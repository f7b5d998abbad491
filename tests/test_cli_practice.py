"""`tj brief`, `tj briefs`, `tj show` of a brief and `tj caseload` (with its HTML page) through
click's CliRunner against a real server."""

from __future__ import annotations

import re
import stat
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from client_sdk.caseload import UNLISTED_ENDED
from client_sdk.models import json_time
from tests.client.test_share_ended_notices import DAY_MS, move_clocks
from tests.conftest import RunningServer
from tests.run_days import days_from
from tests.table_cells import column
from tests.test_cli import failed_with_one_line
from tests.test_cli_insights import new_device


async def test_a_client_reads_then_shares_a_brief_and_the_therapist_sees_it_everywhere(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("share", "Personal", "drsmith", "--trust-on-first-use")
    await ana.ok("write", "--mood", "3", "--tag", "to-discuss", "--title", "Sister", "We argued.")
    await ana.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,0")
    start = date.today()
    goal_id = (await ana.ok("goal", "add", "Walk", "--measure", "4 sessions")).stdout.strip()
    await ana.ok("goal", "checkin", goal_id)

    declined = await ana.ok("brief", "drsmith", input="n\n")
    assert "To discuss:" in declined.stdout and "- Sister" in declined.stdout
    assert "Not shared." in declined.stderr
    shared = await ana.json("brief", "drsmith", "--yes")
    assert shared["share"]["expires_at"] is not None and "PHQ-9: 8 (Mild)" in shared["text"]

    await drsmith.ok("sync")
    [brief] = await drsmith.json("briefs")
    assert brief["client"] == "ana"
    shown = await drsmith.ok("show", brief["id"][:8])
    assert "brief from ana" in shown.stdout and "- Sister" in shown.stdout
    [row] = await drsmith.json("caseload")
    assert row["client"] == "ana" and row["brief"]["id"] == brief["id"]
    assert row["scores"][0]["score"] == 8 and row["entries_this_week"] == 1

    page = tmp_path / "caseload.html"
    table = await drsmith.ok("caseload", "--html", str(page))
    assert "ana" in table.stdout
    # goals and the brief show in `tj caseload` too (R13 finding 7), not only --json and --html
    assert any(  # the days the check-in and the brief were made
        f"ana: goals Walk 25% (checked in {checked}); brief {brief}" in table.stdout
        for checked in days_from(start)
        for brief in days_from(start)
        if checked <= brief
    ), table.stdout
    html = page.read_text()
    assert "<h2>ana</h2>" in html and "PHQ-9 8 (Mild)" in html
    assert stat.S_IMODE(page.stat().st_mode) == 0o600

    again = await ana.ok("brief", "drsmith", "--yes")
    ends = re.search(
        r"Shared the brief with drsmith until \d{4}-\d\d-\d\d( \d\d:\d\d| \(end of day\))\.",
        again.stderr,
    )
    assert ends is not None, again.stderr  # a local time to the minute, not an ISO timestamp
    start = date.today()
    today = await ana.ok("brief", "drsmith", "--until", "today", "--yes")  # as README allows
    assert any(f"until {day} (end of day)." in today.stderr for day in days_from(start))


async def test_tj_discuss_marks_an_entry_for_the_next_brief_and_clears_after_the_session(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drsmith")  # an account: checked first (NU36 #10)
    written = await ana.json("write", "--title", "The move", "Boxes everywhere.")
    assert "Nothing is marked" in (await ana.ok("discuss")).stderr
    [marked] = await ana.json("discuss", written["id"][:6])
    assert (marked["id"], marked["kind"], marked["title"]) == (written["id"], "entry", "The move")
    listed = await ana.ok("discuss")
    assert "The move" in listed.stdout
    shown = await ana.tj(
        "brief", "drsmith", "--journal", "Personal", input="n\n"
    )  # read: drsmith's keys not known
    assert "To discuss:" in shown.stdout and "- The move" in shown.stdout
    assert await ana.json("discuss", written["id"], "--off") == []
    await ana.ok("discuss", written["id"])
    assert "Unmarked 1 item." in (await ana.ok("discuss", "--clear")).stderr
    assert await ana.json("discuss") == []
    assert (await ana.tj("discuss", "--off")).exit_code != 0


async def test_a_therapist_with_many_clients_sees_briefs_apart_whole_names_at_80_columns_and_ended_shares_kept(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """Finding 15 of the first new-user pass: briefs are not journals, names are never cut to
    "ana/Perso…" at 80 columns, and a client whose share ended stays in the caseload and in
    `tj safety flags`, marked, with what was last known."""
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    ana = await new_device(live_server, tmp_path, "ana")
    long = await new_device(live_server, tmp_path, "margaret-oconnell")
    for client in (ana, long):
        await client.ok(
            "share", "Personal", "drsmith", "--full", "--role", "annotate", "--trust-on-first-use"
        )
        await client.ok("write", "--mood", "4", "--title", "A long day at work", "Tired.")
    await ana.ok("safety", "plan", "--share-flags", input="y\n")  # names drsmith, asks
    taken = await ana.tj("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,1")
    assert taken.exit_code == 0 and "not monitored in real time" in taken.stderr
    await ana.ok("brief", "drsmith", "--journal", "Personal", "--yes")
    await drsmith.ok("sync")

    shared = await drsmith.json("shared-with-me")
    assert sorted(s["journal"] for s in shared) == ["ana/Personal", "margaret-oconnell/Personal"]
    assert not any("Brief" in j["name"] for j in await drsmith.json("journal", "list"))
    [brief] = await drsmith.json("briefs")
    assert brief["client"] == "ana"
    for who in ("ana", "margaret-oconnell"):
        await drsmith.ok("assign", f"{who}/Personal", "measure", "phq9", "--every", "14")
    await drsmith.ok("sync")
    await long.ok("sync")

    narrow = {"COLUMNS": "80"}
    for device, command, name in (
        (drsmith, ["list"], "margaret-oconnell/"),
        (drsmith, ["assignments"], "margaret-oconnell/"),
        (drsmith, ["caseload"], "margaret-oconnell"),
        (drsmith, ["safety", "flags"], "ana"),
        (long, ["due"], "drsmith"),
    ):
        shown = (await device.ok(*command, env=narrow)).stdout
        uncut = shown
        if command == ["list"]:  # a listing cuts its text to a line (NU34 #9), never a name
            texts = column(shown, "title or text")
            title = "A long day at work"
            assert all(t == title or title.startswith(t.removesuffix("…")) for t in texts)
            uncut = "\n".join(column(shown, "journal"))
        assert "…" not in uncut, (command, shown)
        assert max(len(line) for line in shown.splitlines()) <= 80, (command, shown)
        assert name in shown, (command, shown)  # whole, or broken only after its "/"
    listed = (await drsmith.ok("list", env=narrow)).stdout
    assert (
        "margaret-oconnell/Personal" in listed
        or "Personal" in listed.split("margaret-oconnell/")[1].splitlines()[1]
    )

    # drsmith never marked the flag read: ana is told it may never reach them (NU19 C2)
    ended = await ana.ok("unshare", "Personal", "drsmith", "--yes")
    assert "drsmith may not have received this from Personal" in " ".join(ended.stderr.split())
    await drsmith.ok("sync")
    rows = {row["client"]: row for row in await drsmith.json("caseload")}
    # drsmith's device is not served ana's signed removal: the end is the server's word
    assert (rows["ana"]["unlisted"], rows["ana"]["share_ended"]) == (True, False)
    assert not rows["margaret-oconnell"]["read_only_copies"]
    # the safety flag first, then the tag (NU52 F4)
    flags = rows["ana"]["flags"]
    assert flags[0] == "safety flag (1 unacknowledged when it stopped being served)", flags
    assert flags.index(UNLISTED_ENDED) == 2, flags  # after the item 9 above 0 too
    assert rows["ana"]["last_entry"] is not None and rows["ana"]["scores"][0]["score"] == 9
    # an ended share does not demote a client whose last data carries a safety flag (NU19 C6)
    assert list(rows) == ["ana", "margaret-oconnell"]
    assert rows["ana"]["tier"] == 0
    [flag] = (await drsmith.json("safety", "flags"))["flags"]
    said = (flag["owner"], flag["read_only_copy"], flag["share_ended"], flag["unlisted"])
    assert said == ("ana", True, False, True) and flag["answer"] == 1, flag
    wide = {"COLUMNS": "200"}
    assert "ana (unserved)" in (await drsmith.ok("safety", "flags", env=wide)).stdout
    refused = await drsmith.tj("safety", "ack", flag["id"][:8])
    said = " ".join(refused.stderr.split())
    assert refused.exit_code == 1 and "the server no longer serves ana's 'Personal'" in said


async def test_private_notes_from_the_command_line_stay_with_the_therapist(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--trust-on-first-use"
    )
    await drsmith.ok("sync")
    added = await drsmith.json("private-notes", "add", "ana/Personal", "Check the sleep diary")
    assert (added["client"], added["journal"]) == ("ana", "ana/Personal")
    [listed] = await drsmith.json("private-notes", "--client", "ana")
    assert listed["id"] == added["id"]
    assert "Check the sleep diary" in (await drsmith.ok("private-notes")).stdout
    await ana.ok("sync")
    assert "Check the sleep diary" not in (await ana.ok("notes")).stdout
    assert await ana.json("private-notes") == []
    refused = await drsmith.tj("share", "Private notes", "ana", "--trust-on-first-use")
    assert refused.exit_code == 1 and "never shared" in refused.stderr
    # Deleting asks first, naming the note (NU19 C28.10: it deleted without a word).
    kept = await drsmith.tj("private-notes", "delete", added["id"][:8], input="n\n")
    assert kept.exit_code == 1
    assert "Delete your private note about ana (ana/Personal) of " in kept.output
    assert "'Check the sleep diary' for good?" in kept.output  # quoted as names are
    assert [n["id"] for n in await drsmith.json("private-notes")] == [added["id"]]
    deleted = await drsmith.ok("private-notes", "delete", added["id"][:8], "--yes")
    assert "Deleted your private note about ana (ana/Personal)" in deleted.stderr
    assert await drsmith.json("private-notes") == []
    # A client's name will do when they share one journal with you.
    by_name = await drsmith.json("private-notes", "add", "ana", "Ask about the new job")
    assert by_name["journal"] == "ana/Personal"
    unknown = await drsmith.tj("private-notes", "add", "zed", "Who?")
    assert unknown.exit_code == 1 and "no client 'zed' shares one" in unknown.output


async def test_a_brief_that_cannot_be_shared_is_refused_before_the_question_and_leaves_nothing(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU19 C16: an end date in the past, or the client herself as the therapist, were refused
    only after the question and after the brief's journal was made, which `tj briefs` then
    listed as if shared."""
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("write", "--mood", "5", "A day.")
    before = await ana.json("journal", "list")

    past = await ana.tj("brief", "drsmith", "--until", "2020-01-01", "--trust-on-first-use")
    assert past.exit_code == 2  # a value refused as given (NU35 #9)
    assert "an end date cannot be in the past" in past.output
    assert "Share this brief" not in past.output
    mine = await ana.tj("brief", "ana", "--yes", "--trust-on-first-use")
    assert mine.exit_code == 1 and "you cannot share a brief with yourself" in mine.output
    assert await ana.json("briefs") == []
    assert await ana.json("journal", "list") == before


async def test_an_expired_brief_is_listed_expired_and_tj_show_says_when(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """NU19 C21: `tj briefs` has an expires column; once the end date passed, the therapist's
    `tj briefs` lists the brief as EXPIRED and `tj show` says it expired and when (not "no
    entry"); the client's `tj briefs` marks it too."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("write", "--mood", "5", "A week.")
    shared = await ana.json(
        "brief",
        "drsmith",
        "--journal",
        "Personal",
        "--yes",
        "--until",
        "tomorrow",
        "--trust-on-first-use",
    )
    end = datetime.fromisoformat(shared["share"]["expires_at"])
    listed = (await drsmith.ok("briefs")).stdout
    assert "expires" in listed and f"{end.astimezone() - timedelta(days=1):%Y-%m-%d}" in listed
    [brief] = await drsmith.json("briefs")
    assert (brief["ended"], brief["expires_at"]) == (None, json_time(end))

    later = move_clocks(live_server, monkeypatch, 3 * DAY_MS)
    monkeypatch.setattr("client_sdk.practice.now_ms", lambda: later)
    await ana.ok("sync")
    [gone] = await drsmith.json("briefs")
    assert (gone["id"], gone["ended"], gone["text"]) == (brief["id"], "expired", "")
    assert "EXPIRED" in (await drsmith.ok("briefs")).stdout
    shown = failed_with_one_line(await drsmith.tj("show", brief["id"][:8]))
    assert f"expired at {end.astimezone(UTC):%Y-%m-%d %H:%M} UTC (the end date ana chose)" in shown
    assert "ask the client for a new one" in shown and "no entry" not in shown
    assert "EXPIRED" in (await ana.ok("briefs")).stdout


async def test_tj_caseload_flags_a_low_mood_this_week_and_low_mood_moves_the_line(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU43 #5: a client's mood 2 ("thought about ending things") left an empty flags cell
    among the clients with nothing flagged. Flagged now, with its day, in the table and in
    --json; `--low-mood 1` and `--low-mood 0` leave a 2 unflagged, `--low-mood 3` flags a 3."""
    hugo = await new_device(live_server, tmp_path, "hugo")
    drruiz = await new_device(live_server, tmp_path, "drruiz")
    await hugo.ok("share", "Personal", "drruiz", "--trust-on-first-use")
    await hugo.ok("write", "--mood", "2", "I had a really bad night.")
    await drruiz.ok("sync")
    [row] = await drruiz.json("caseload")
    [flag] = [f for f in row["flags"] if f.startswith("mood ")]
    assert re.fullmatch(r"mood 2/10 on \d{4}-\d\d-\d\d", flag) and row["tier"] == 3
    table = await drruiz.ok("caseload")
    assert "mood 2/10" in column(table.stdout, "flags")
    for line in ("1", "0"):
        [row] = await drruiz.json("caseload", "--low-mood", line)
        assert not any(f.startswith("mood ") for f in row["flags"]), row["flags"]
    await hugo.ok("write", "--mood", "3", "A bit better.")
    await hugo.ok("sync")
    [row] = await drruiz.json("caseload", "--low-mood", "3")
    # the lowest (2), and how many at or below 3
    assert [f for f in row["flags"] if f.startswith("mood ")] == [
        f"{flag} (2 at or below 3 in 7 days)"
    ]
    refused = await drruiz.tj("caseload", "--low-mood", "10")
    assert refused.exit_code == 2 and "--low-mood" in refused.stderr


async def test_tj_brief_asks_for_the_fingerprint_before_it_asks_to_share(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU43 #14: `tj brief drruiz` showed the digest, asked "Share this brief with drruiz?",
    and after "y" failed for drruiz's fingerprint. The digest is still shown to read, but no
    question is asked that would fail: it says what sharing needs; --yes refuses first;
    with --trust-on-first-use it asks and shares."""
    emma = await new_device(live_server, tmp_path, "emma")
    await new_device(live_server, tmp_path, "drruiz")
    await emma.ok("write", "--mood", "6", "A day.")
    read = await emma.tj("brief", "drruiz", "--journal", "Personal", input="y\n")
    assert read.exit_code == 1 and "Mood: " in read.stdout  # the digest, to read
    assert "Share this brief" not in read.stderr
    assert "Not shared: to share it, confirm drruiz's fingerprint first" in read.stderr
    said = " ".join(read.stderr.split())  # the options that share it, named (NU54 F14)
    assert (
        "then pass it, or explicitly trust it on first use: `tj brief drruiz --journal "
        "Personal --fingerprint FINGERPRINT` (they see it with `BARE tj fingerprint`), or `tj "
        "brief drruiz --journal Personal --trust-on-first-use`."
    ) in said, said
    refused = await emma.tj("brief", "drruiz", "--journal", "Personal", "--yes")
    assert refused.exit_code != 0 and "fingerprint first" in refused.stderr
    assert refused.stdout == ""  # refused before the digest
    shared = await emma.tj(
        "brief", "drruiz", "--journal", "Personal", "--trust-on-first-use", input="y\n"
    )
    assert shared.exit_code == 0 and "Share this brief with drruiz?" in shared.stderr
