"""NU42's leftovers through the CLI (real server on loopback, real crypto)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli_insights import new_device


async def test_a_goal_reads_the_same_in_the_goal_list_and_in_insights(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU42 #10: `tj goal list` said "due 2027-03-01", `tj insights` "open", for one goal
    at one moment: insights now say "due DATE" (and "overdue DATE") as the list does."""
    ana = await new_device(live_server, tmp_path, "ana")
    ahead = (date.today() + timedelta(days=60)).isoformat()
    await ana.ok("goal", "add", "Walk three times a week", "--target", ahead)
    await ana.ok("goal", "add", "Call my sister", "--target", "2020-01-01")
    await ana.ok("goal", "add", "Read more")
    listed = " ".join((await ana.ok("goal", "list", env={"COLUMNS": "160"})).stdout.split())
    shown = " ".join((await ana.ok("insights", env={"COLUMNS": "160"})).stdout.split())
    for words in (f"due {ahead}", "overdue 2020-01-01"):
        assert words in listed and words in shown, (words, listed, shown)


async def test_listing_by_a_clients_name_says_which_journal_and_names_the_others(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU42 #5: after maya ended the whole share and shared one entry, `tj list --journal
    maya` listed the single entry's journal and nothing said that her ended share's copy was
    left out: the others of hers are named."""
    maya = await new_device(live_server, tmp_path, "maya")
    okafor = await new_device(live_server, tmp_path, "okafor")
    await maya.ok("share", "Personal", "okafor", "--full", "--trust-on-first-use")
    written = await maya.json("write", "After Tuesday's session.")
    await okafor.ok("sync")
    await maya.ok("unshare", "Personal", "okafor", "--yes")
    await maya.ok("share-entry", written["id"][:8], "okafor")
    listed = await okafor.ok("list", "--journal", "maya")
    said = " ".join(listed.stderr.split())
    assert "Listed 'maya/Shared with okafor'; maya also has 'maya/Personal' on this device" in said
    plain = await okafor.ok("list", "--journal", "maya/Personal")
    assert "also has" not in plain.stderr


async def test_an_entry_dated_before_a_copy_began_says_it_is_not_in_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU43 #3: an entry dated back (`--date yesterday`) after a `--only` share began was
    "saved; synced", and the therapist was told a sync would bring it; the copy holds the
    entries dated from its start, so it never came: the client is told at once."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("share", "Personal", "drsmith", "--only", "mood,tags", "--trust-on-first-use")
    back = await ana.ok("write", "--mood", "4", "--date", "yesterday 21:00", "Last night.")
    said = " ".join(back.stderr.split())
    assert "not in the copy of Personal kept for drsmith, which holds entries dated from" in said
    mood = await ana.ok("mood", "5", "--date", "yesterday 22:00")
    assert "not in the copy of Personal kept for drsmith" in " ".join(mood.stderr.split())
    now = await ana.ok("write", "--mood", "6", "Today.")
    assert "not in the copy" not in now.stderr
    await drsmith.ok("sync")
    assert [e["mood"] for e in await drsmith.json("list")] == [6]  # as said
