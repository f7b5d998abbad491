"""NU50 (a new user's week from the README): a change's date is the earlier score's and says
so (F1); the PCL-5's 33 is a provisional cut-point, not caseness (F2); `tj forget` names every
safety record a kept copy holds before asking (F3); an error's advice names the profile in
every command it prints (F4); long notices wrap at the terminal's width (F5). Real server on
loopback, real crypto, the real CLI."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device


def flat(text: str) -> str:
    return " ".join(text.split())


PHQ9_14 = "2,2,2,2,2,2,2,0,0"
PHQ9_17 = "2,2,2,2,2,2,2,3,0"


async def test_a_change_is_dated_by_the_earlier_score_not_read_as_the_later_one(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F1: "+3 since last time (14 → 17 on 2026-11-07)" read as 17 reached on 2026-11-07,
    the date of the 14."""
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("measure", "take", "phq9", "--answers", PHQ9_14, "--date", "2026-11-07 14:00")
    taken = await ana.ok(
        "measure", "take", "phq9", "--answers", PHQ9_17, "--date", "2026-11-14 19:00"
    )
    text = flat(taken.stdout)
    assert "change: +3 since last time (from 14 on 2026-11-07)" in text, text
    assert "course: +3 since the first (from 14 on 2026-11-07), no reliable change" in text
    assert "→" not in text
    [latest, _] = await ana.json("measure", "list")
    shown = flat((await ana.ok("measure", "show", latest["id"][:8])).stdout)
    assert "change: +3 since last time (from 14 on 2026-11-07)" in shown


async def test_the_pcl5_course_names_its_provisional_cut_point_not_caseness(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F2: "now below the clinical cut-off of 33 (caseness)" under a score line calling 33 a
    provisional cut-point."""
    emma = await new_device(live_server, tmp_path, "emma")
    high = "3,3,3,2,2,3,3,2,2,2,2,2,3,2,2,3,3,2,1,1"  # 46
    await emma.ok("measure", "take", "pcl5", "--answers", high, "--date", "2026-12-01 12:30")
    low = ",".join(["1"] * 20)  # 20
    text = flat((await emma.ok("measure", "take", "pcl5", "--answers", low)).stdout)
    assert (
        "course: -26 since the first (from 46 on 2026-12-01), no single reliable-change "
        "threshold is published for PCL-5, now below the provisional cut-point of 33"
    ) in text, text
    assert "caseness" not in text and "clinical cut-off" not in text


async def test_forget_names_the_item_9_results_and_acknowledged_flags_before_asking(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F3: before discarding a former client's copy, `tj forget` named only a GAD-7 "severe"
    since retaken, not the PHQ-9 results with item 9 above 0 nor the (acknowledged) safety
    flag: every one is named now, counted and dated, safety first."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share",
        "Personal",
        "drsmith",
        "--full",
        "--role",
        "annotate",
        "--trust-on-first-use",
        "--safety-flags",
    )
    await ana.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,1", "--date",
                 "2026-11-07 14:00")  # fmt: skip
    await ana.ok("measure", "take", "gad7", "--answers", "3,3,3,2,2,1,1", "--date",
                 "2026-11-21 19:10")  # fmt: skip  # 15, severe
    await ana.ok("measure", "take", "gad7", "--answers", "1,1,1,1,1,1,1", "--date",
                 "2026-11-28 19:10")  # fmt: skip  # 7: retaken
    now = await ana.json("measure", "take", "phq9", "--answers", "2,2,2,2,2,2,2,1,2")
    at = datetime.fromisoformat(now["taken_at"]).astimezone().strftime("%Y-%m-%d %H:%M")
    await drsmith.ok("sync")
    [flag] = (await drsmith.json("safety", "flags"))["flags"]  # raised by the one taken now
    await drsmith.ok("safety", "ack", flag["id"])
    await ana.ok("unshare", "Personal", "drsmith", "--yes")
    await drsmith.ok("sync")

    [row] = await drsmith.json("shared-with-me")
    copy = "ana/Personal"  # as every list names it
    label = f"ana (account {row['owner_id'][:8]})/Personal"  # as its commands name it
    kept = await drsmith.tj("forget", "ana/Personal", "--unlisted", input="\n")  # default: no
    assert kept.exit_code == 1
    said = flat(kept.stderr)
    assert (
        f"{copy} holds 1 acknowledged safety flag (PHQ-9 item 9 answered 2, {at}), 2 "
        f"PHQ-9 results with item 9 above 0 (answered 2, {at}; answered 1, 2026-11-07 14:00) "
        "and 1 "
        "GAD-7 in its highest band (15, Severe, 2026-11-21 19:10, an older result: the latest "
        "is 7, Mild, 2026-11-28 19:10). For your clinical records, "
        f"export it first: `{drsmith.command} export --journal '{label}' --out DIR` "
        "writes it out."
    ) in said, said
    assert (
        f"Discard the copy of {copy}, with 1 acknowledged safety flag, 2 PHQ-9 results "
        "with item 9 above 0 and 1 GAD-7 in its highest band, from this device for good?"
    ) in said
    assert [s["owner"] for s in await drsmith.json("shared-with-me")] == ["ana"]


async def test_the_advice_after_an_erased_account_names_the_profile_in_every_command(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F4: the phone's advice gave `tj --home PHONE login ...` but `tj export` without
    --home: pasted as is, it read the default profile and said "no account on this device"."""
    laptop = await new_device(live_server, tmp_path, "ana")
    phone = Device(tmp_path / "phone", live_server.url)
    await phone.ok("login", live_server.url, "ana")
    await laptop.ok("account", "delete", "--yes")
    failed = await phone.tj("sync")
    assert failed.exit_code == 1
    said = flat(failed.stderr)
    home = f"{phone.command}"
    assert f"`{home} login {live_server.url} ana` signs it in again" in said, said
    assert (
        f"if it refuses the right password, `{home} export --out DIR` saves this device's copy "
        f"(before any `{home} logout`)"
    ) in said
    assert "`BARE tj" not in said  # each command names the profile


COLUMNS = {"COLUMNS": "80"}


def widest(text: str) -> int:
    return max((len(line) for line in text.splitlines()), default=0)


async def test_the_earlier_line_of_tj_sync_goes_one_line_per_person_at_80_columns(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F5: "Earlier, fetched by other commands since your last `tj sync` or sign-in: from ben: ...; from
    carla: ...; ..." was one line of 180 characters at 80 columns."""
    drruiz = await new_device(live_server, tmp_path, "drruiz")
    clients = [await new_device(live_server, tmp_path, n) for n in ("benjamin", "carla", "devon")]
    for client in clients:
        await client.ok("share", "Personal", "drruiz", "--full", "--trust-on-first-use")
    await drruiz.ok("sync")
    for client in clients:
        await client.ok("write", "--mood", "4", "A hard week.")
        await client.ok("goal", "add", "Walk every day")
    await drruiz.ok("caseload")  # syncs quietly first
    said = (await drruiz.ok("sync", env=COLUMNS)).stdout.splitlines()
    assert said[:2] == [
        "nothing new",
        "Earlier, fetched by other commands since your last `tj sync` or sign-in:",
    ]
    assert sorted(said[2:]) == [
        f"  from {name}: 1 new entry, 1 new goal" for name in ("benjamin", "carla", "devon")
    ], said


async def test_share_confirmations_and_safety_plans_keep_within_80_columns(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F5: `tj share`'s confirmation and "Safety flags: on for ..." lines, and the plan's own
    text in `tj safety plan`, were single lines past 80 columns."""
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drsmith")
    shared = await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--trust-on-first-use",
        "--safety-flags", env=COLUMNS,
    )  # fmt: skip
    assert "Safety flags: on for drsmith. When a PHQ-9 item 9 is answered above 0" in flat(
        shared.stderr
    )
    assert "after their next `BARE tj sync`" in flat(shared.stderr)
    assert widest(shared.stderr.replace("`BARE tj ", "`tj ")) <= 80, shared.stderr  # as laid out
    plan = (
        "Ring my sister Jo first, then walk to the park and sit by the pond until it passes, "
        "then ring the crisis line if it has not."
    )
    await ana.ok("safety", "plan", "--text", plan)
    shown = (await ana.ok("safety", "plan", env=COLUMNS)).stdout
    assert widest(shown) <= 80, shown
    assert plan in flat(shown)


async def test_deleting_a_result_never_shared_names_no_copies(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F9: "Delete the PHQ-9 of ... for good, and the copies you shared of it?" for a result
    no one was given."""
    ana = await new_device(live_server, tmp_path, "ana")
    taken = await ana.json("measure", "take", "phq9", "--answers", PHQ9_14)
    asked = await ana.tj("measure", "delete", taken["id"][:8], input="n\n")
    assert asked.exit_code == 1
    assert re.search(r"Delete the PHQ-9 of [\d-]+ [\d:]+ \(score 14, Moderate\) for good\?",
                     flat(asked.stderr)), asked.stderr  # fmt: skip
    assert "copies" not in asked.stderr
    deleted = await ana.ok("measure", "delete", taken["id"][:8], "--yes")
    assert "Deleted the PHQ-9 of" in deleted.stderr and "copies" not in deleted.stderr


async def test_the_markdown_exports_say_item_9_to_each_reader_and_keep_the_difficulty(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F6: the client's own questionnaires.md quoted the manual's clinician wording, dropped
    the PHQ-9 difficulty answer, and safety.md headed a flag "phq9"."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--trust-on-first-use",
        "--safety-flags",
    )  # fmt: skip
    await ana.ok("measure", "take", "phq9", "--answers", "0,1,0,1,1,0,0,0,1", "--difficulty", "1")
    mine = tmp_path / "mine"
    await ana.ok("export", "--format", "markdown", "--out", str(mine))
    page = (mine / "personal" / "questionnaires.md").read_text()
    assert (
        "- **item 9 answered 1 (Several days), above 0**: whatever the total score, this answer "
        "needs a closer talk with someone who can help: please talk with your therapist or a "
        "doctor, and keep your safety plan to hand."
    ) in page, page
    assert "Instruction Manual" not in page
    assert (
        "- not scored: If you checked off any problems, how difficult have these problems made "
        "it for you to do your work, take care of things at home, or get along with other "
        "people? 1 (Somewhat difficult)"
    ) in page
    assert "## Safety flag: PHQ-9 item 9, answer 1" in (mine / "personal" / "safety.md").read_text()

    await drsmith.ok("sync")
    theirs = tmp_path / "theirs"
    await drsmith.ok("export", "--format", "markdown", "--out", str(theirs))
    [copy] = list(theirs.glob("ana/*/questionnaires.md"))
    assert "PHQ Instruction Manual" in copy.read_text()  # the clinician's words, quoted


async def test_listing_an_erased_clients_copy_says_the_servers_word_not_may_have_changed(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F11: `tj list --journal` of an erased client's copy said "ana may have changed these
    entries since", beside a caseload calling her account erased."""
    kai = await new_device(live_server, tmp_path, "kai")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await kai.ok("write", "--mood", "3", "Hard week.")
    await kai.ok("share", "Personal", "drlee", "--trust-on-first-use")
    await drlee.ok("sync")
    await kai.ok("account", "delete", "--yes")
    await drlee.ok("shared-with-me")  # asks the server whether kai's account still exists
    [row] = await drlee.json("shared-with-me")
    assert row["owner_erased"] is True, row
    said = flat((await drlee.ok("list", "--journal", "kai/Personal")).stderr)
    assert (
        "as this device last synced it; kai's account appears to have been erased (the server "
        "no longer knows it)."
    ) in said, said
    assert "may have changed these entries" not in said


def test_a_long_run_of_records_names_the_newest_and_counts_the_rest() -> None:
    """F3: a copy with many item-9 results names the 4 newest with their dates, then how many
    earlier ones (a warning of thirty dates would bury the question)."""
    from cli.output import Held

    held = Held("PHQ-9 result with item 9 above 0", "PHQ-9 results with item 9 above 0",
                tuple(f"answered 1, 2026-11-{day:02d} 19:00" for day in range(28, 21, -1)))  # fmt: skip
    assert held.words() == (
        "7 PHQ-9 results with item 9 above 0 (answered 1, 2026-11-28 19:00; answered 1, "
        "2026-11-27 19:00; answered 1, 2026-11-26 19:00; answered 1, 2026-11-25 19:00; and 3 "
        "earlier ones)"
    )
    assert held.counted() == "7 PHQ-9 results with item 9 above 0"
