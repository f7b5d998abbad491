"""A new user's findings (NU73): `tj assign ... phq9 --every N` syncs before it decides, so
an item-9 answer the client sent minutes ago is weighed and its flag said (F3); `tj set-aside
move ID --journal X` into a journal someone else reads names them and asks first (F8). Real
server on loopback."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from client_sdk import Client
from tests.conftest import RunningServer
from tests.test_cli import Device, laptop, phone  # noqa: F401
from tests.test_cli_insights import new_device
from tests.test_cli_nu52_findings import TOFU, flat

MINIMAL = "1,1,1,0,0,1,0,0,0"  # 4, None-minimal; item 9 "Not at all"
ITEM_9_ONE = "2,2,2,1,1,1,1,1,1"  # 12, Moderate; item 9 "Several days"


async def test_assign_syncs_first_so_an_item_9_answer_sent_minutes_ago_decides(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F3: the therapist's device last synced before the client's item-9 answer; `tj assign
    --every 14` said the older minimal PHQ-9 "counts for it" and put the first due date off
    14 days, then its closing sync brought the flag with only "Synced."."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(  # a new member: asked
        "share", "Personal", "drsmith", "--role", "annotate", "--safety-flags", TOFU, input="y\n"
    )
    days_ago = (datetime.now() - timedelta(days=6)).strftime("%Y-%m-%d %H:%M")
    await ana.ok("measure", "take", "phq9", "--answers", MINIMAL, "--date", days_ago)
    await drsmith.ok("sync")
    await ana.ok("measure", "take", "phq9", "--answers", ITEM_9_ONE)  # sent at once
    assigned = await drsmith.ok("assign", "ana/Personal", "measure", "phq9", "--every", "14")
    said = flat(assigned.stderr)
    assert "which counts for it" not in said, said
    assert "(12, Moderate; item 9 answered 1 (Several days), above 0)" in said, said
    assert "this is not one to put off" in said, said
    assert "Safety: 1 new safety flag from ana" in said, said
    [listed] = await drsmith.json("assignments")
    assert listed["due_at"] == listed["starts_at"] and listed["last_done"] is None, listed


async def test_moving_set_aside_words_into_a_journal_someone_reads_names_them_and_asks(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    """F8: words written offline into a private journal deleted on another device were
    moved into one the therapist reads with nothing said nor asked."""
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await laptop.ok("journal", "create", "Work")  # read by no one else
    await laptop.ok("share", "Personal", "drsmith", "--fingerprint", drsmith.signup["fingerprint"])
    await phone.ok("sync")
    await laptop.ok("journal", "delete", "Work", input="Work\n")
    offline = await Client.open(phone.home)  # offline: no sync
    try:
        await offline.entries.write("Work", "I want to quit this job.")
    finally:
        await offline.close()
    assert (await phone.tj("sync")).exit_code == 4  # set aside: Work is gone
    [kept] = await phone.json("set-aside", "list")
    short = kept["doc_id"][:8]

    declined = await phone.tj("set-aside", "move", short, "--journal", "Personal", input="n\n")
    asked = flat(declined.stderr)
    assert declined.exit_code != 0, asked
    assert "'Personal' is read by drsmith: move the words written for another journal" in asked
    assert await phone.json("set-aside", "list") == [kept]  # nothing moved
    assert await phone.json("list", "--journal", "Personal") == []

    moved = await phone.ok("set-aside", "move", short, "--journal", "Personal", "--yes")
    assert "Moved it into Personal (read by drsmith) as entry" in flat(moved.stderr), moved.stderr
    assert await phone.json("set-aside", "list") == []


async def test_a_therapists_line_is_not_said_to_be_in_use_where_this_device_cannot_know(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F6: ana wrote her own plan, with its line, in Personal (her default) and none in
    Dreams; drsmith set a line in ana/Dreams. Her message for Dreams shows her own line (the
    README's rule: a journal with no plan borrows the default journal's); drsmith's view
    showed his line as the line, with nothing said of what his device cannot see."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("journal", "create", "Dreams")
    await ana.ok("share", "Dreams", "drsmith", "--role", "annotate", TOFU)
    own = "Ana's own line 0800 222"
    await ana.ok("safety", "plan", "--crisis-line", own, "--text", "Ring Jo.")
    await drsmith.ok("sync")
    await drsmith.ok("safety", "crisis-line", "ana/Dreams", "Clinic 020 0000")
    await ana.ok("sync")

    plan = await ana.json("safety", "plan", "--journal", "Dreams")
    assert plan["safety_message"]["crisis_line"] == own, plan
    assert plan["crisis_line_in_use"] == "Clinic 020 0000", plan  # set in Dreams, not shown
    assert plan["safety_message"]["seen_from"] is None, plan

    theirs = await drsmith.json("safety", "plan", "--journal", "ana/Dreams")
    assert theirs["safety_message"]["seen_from"] == "this journal only", theirs
    shown = flat((await drsmith.ok("safety", "plan", "--journal", "ana/Dreams")).stdout)
    assert "Clinic 020 0000 (set by drsmith), set in this journal; ana's safety message" in shown
    assert "this device cannot see their other journals" in shown, shown


async def test_an_archived_default_journal_is_said_to_take_no_plain_write(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F4: `tj journal default` of an archived journal said nothing; then every plain write,
    mood and questionnaire was refused."""
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("journal", "create", "Night dreams")
    await ana.ok("journal", "archive", "Night dreams")
    chosen = flat((await ana.ok("journal", "default", "Night dreams")).stderr)
    assert "Your default journal on this device is now 'Night dreams'." in chosen, chosen
    assert "Note: 'Night dreams' is archived: nothing written with no --journal" in chosen
    assert "tj journal unarchive 'Night dreams'" in chosen, chosen
    shown = flat((await ana.ok("journal", "default")).stderr)
    assert "is archived: nothing written with no --journal" in shown, shown
