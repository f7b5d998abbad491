"""NU25: a new user's findings (real server on loopback, real crypto, CliRunner)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import RunningServer
from tests.notice_times import NOTICE_TIME, unwrapped
from tests.table_cells import below
from tests.test_cli import Device
from tests.test_cli_insights import new_device


def said(text: str) -> str:
    return " ".join(text.split())


async def shares_rows(device: Device) -> list[list[str]]:
    """`tj shares` as printed (wide enough for one line a row): its header, then each row."""
    printed = (await device.ok("shares", env={"COLUMNS": "250"})).stdout
    lines = [line for line in printed.splitlines() if line.strip()]
    return [re.split(r"\s{2,}", line.strip()) for line in [lines[0], *lines[2:]]]


async def test_widening_again_after_only_says_safety_flags_are_off_and_shares_shows_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU25 C1: a client opted drsmith in to safety flags, narrowed the share (--only) and
    widened it again (--full): flags were off for drsmith from then on (an opt-in counts for
    the share it was given in) and nothing said so until item 9 was answered above 0; `tj
    shares` had no flags column. Nothing is opted in for the client (consent is explicit)."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("share", "Personal", "drsmith", "--full", "--trust-on-first-use")
    on = await ana.ok("share", "Personal", "drsmith", "--role", "annotate", "--safety-flags")
    assert "Safety flags: on for drsmith." in on.stderr and "Safety flags: off" not in on.stderr
    [row] = await ana.json("shares")
    assert (row["safety_flags"], row["safety_flags_earlier"]) == (True, False)
    assert await shares_rows(ana) == [
        ["journal", "member", "role", "sees", "expires", "flags"],
        ["Personal", "drsmith", "annotate", "every field", "never", "yes"],
    ]

    await ana.ok("share", "Personal", "drsmith", "--only", "mood,scores", "--yes")
    [copy] = await ana.json("shares")
    assert (copy["kind"], copy["safety_flags"]) == ("mirror", None)
    [_, row] = await shares_rows(ana)
    assert row[0] == "Personal (mood, scores) for drsmith"
    assert row[-1] == "no (a copy)"

    widened = await ana.ok("share", "Personal", "drsmith", "--full", "--yes")
    [flags_line] = [  # wrapped under its label (NU50 F5)
        line for line in unwrapped(widened.stderr).splitlines() if "Safety flags" in line
    ]
    assert flags_line == (
        "Safety flags: off for drsmith. When a PHQ-9 item 9 is answered above 0 in Personal, "
        "no safety flag is made for them under this share (you chose to send them flags for "
        "an earlier share of Personal, and that choice does not carry over to this one). To "
        "send them safety flags: `tj share Personal drsmith --role annotate --safety-flags`"
    )
    whole = [s for s in await ana.json("shares") if s["journal"] == "Personal"]
    assert [(s["member"], s["safety_flags"], s["safety_flags_earlier"]) for s in whole] == [
        ("drsmith", False, True)
    ]
    rows = {row[0]: row[-1] for row in (await shares_rows(ana))[1:]}
    assert rows == {
        "Personal": "no (earlier share)",
        "Personal (mood, scores) for drsmith": "no (a copy)",
    }
    footnote = (await ana.ok("shares", env={"COLUMNS": "80"})).stderr.splitlines()
    assert footnote == [  # wrapped at 80 columns under their labels (NU46 #12)
        "Safety flags: drsmith was opted in for an earlier share of Personal, which does",
        "              not carry over to this one. To send them safety flags:",
        "              `tj share Personal drsmith --role annotate --safety-flags`.",
        'flags "no (a copy)": a copy kept for a member holds some fields of each entry',
        "                     and never a safety flag: flags are sealed only in the whole",
        "                     journal, for the members you chose",
        "                     (`tj share JOURNAL MEMBER --full --role annotate --safety-flags`).",
    ]

    # not opted in behind the client's back: item 9 > 0 seals nothing for drsmith
    await ana.ok("measure", "take", "phq9", "--answers", "2,2,2,2,1,1,1,1,1")
    await drsmith.ok("sync")
    flags = await drsmith.ok("safety", "flags")
    assert "No safety flags" in flags.stdout + flags.stderr

    # the command it names turns them on again, and `tj shares` says so
    again = await ana.json("share", "Personal", "drsmith", "--role", "annotate", "--safety-flags")
    assert (again["safety_flags"], again["safety_flags_earlier"]) == (True, False)
    whole = [s for s in await ana.json("shares") if s["journal"] == "Personal"]
    assert [(s["safety_flags"], s["safety_flags_earlier"]) for s in whole] == [(True, False)]


async def test_a_first_annotate_share_says_flags_are_off_and_a_read_share_does_not(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU25 C1: a member who may add notes (the role flags need) is told to be without flags
    until the client opts in; a read-only share of a journal never opted in says nothing."""
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drsmith")
    plain = await ana.ok("share", "Personal", "drsmith", "--full", "--trust-on-first-use")
    assert "Safety flags" not in plain.stderr + plain.stdout
    [row] = await ana.json("shares")
    assert (row["safety_flags"], row["safety_flags_earlier"]) == (False, False)
    annotate = await ana.ok("share", "Personal", "drsmith", "--role", "annotate")
    assert (
        "Safety flags: off for drsmith. When a PHQ-9 item 9 is answered above 0 in Personal, no "
        "safety flag is made for them under this share (you have not chosen to send them "
        "flags). To send them safety flags: `tj share Personal drsmith --role annotate "
        "--safety-flags`"
    ) in unwrapped(annotate.stderr).splitlines()  # wrapped under its label (NU50 F5)


def flat(text: str) -> str:
    """Printed text with its line breaks as spaces (a long line wraps at the terminal's
    width)."""
    return " ".join(text.split())


async def test_the_safety_message_is_shown_once_when_answers_are_typed_item_by_item(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU25 C2: typed item by item, the whole safety message was shown after item 9 (as the
    README says) and then again, whole, after the difficulty question. Once now; what the
    second said that the first could not (a flag sealed for drsmith) still follows."""
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("share", "Personal", "drsmith", "--full", "--trust-on-first-use")
    await ana.ok("share", "Personal", "drsmith", "--role", "annotate", "--safety-flags")
    taken = await ana.ok("measure", "take", "phq9", input="1\n" * 8 + "2\n1\n")
    heading = "Your answer about thoughts of being better off dead or of hurting yourself matters."
    told = flat(taken.stderr)  # the message wraps at the terminal's width (NU38 N2)
    assert told.count(heading) == 1, taken.stderr
    assert told.count("This app is not an emergency or crisis service") == 1
    flagged = (
        "Because you chose to, a safety flag was made for drsmith; they see it once their "
        "device next syncs (`BARE tj sync`, `BARE tj caseload`), not now."
    )
    assert told.count(flagged) == 1
    # the message came as item 9 was answered: before the difficulty question
    assert told.index(heading) < told.lower().index("how difficult") < told.index(flagged)
    once = flat((await ana.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,2")).stderr)
    assert once.count(heading) == 1 and once.count(flagged) == 1


async def test_a_therapist_names_a_copy_by_the_clients_name_and_reads_it_in_80_columns(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU25 C3: `tj list` at 80 columns put the name "ben/Personal (mood, tags, scores) for
    drsmith" one word a line (seven lines an entry), and `tj assign ben ...` failed ("no
    journal named 'ben'") while `tj private-notes add ben` took the client's name."""
    ben = await new_device(live_server, tmp_path, "ben")
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ben.ok(
        "share", "Personal", "drsmith", "--only", "mood,tags,scores", "--role", "annotate",
        "--trust-on-first-use",
    )  # fmt: skip
    await ben.ok("mood", "3")
    await ana.ok("share", "Personal", "drsmith", "--full", "--trust-on-first-use")
    await ana.ok("journal", "create", "Couples")
    await ana.ok("share", "Couples", "drsmith", "--full")
    await ana.ok("write", "Rough morning at work, then a long walk by the river helped.")
    await drsmith.ok("sync")
    copy = "ben/Personal (mood, tags, scores) for drsmith"

    listed = (await drsmith.ok("list", env={"COLUMNS": "80"})).stdout
    assert max(len(line) for line in listed.splitlines()) <= 80
    # the name on one line below its row, the title keeping 16 columns beside the name's 20
    # character "(mood, tags, scores)" (NU36 #3; it was three lines in a 20-column cell)
    assert sorted(below(listed, "journal")) == ["ana/Personal", copy]
    assert f"  journal: {copy}" in listed.splitlines(), listed

    assigned = await drsmith.ok("assign", "ben", "measure", "gad7", "--every", "7")
    assert f"Assigned GAD-7, every 7 days, in {copy};" in said(assigned.stderr)
    assert [a["journal"] for a in await drsmith.json("assignments")] == [copy]
    assert [e["journal"] for e in await drsmith.json("list", "--journal", "BEN")] == [copy]
    await drsmith.ok("private-notes", "add", "ben", "Sleep worse.")

    several = await drsmith.tj("assign", "ana", "measure", "gad7")
    assert several.exit_code == 1
    assert several.stderr.strip() == (
        "Error: ana shares several journals with you: name one of 'ana/Couples', 'ana/Personal'"
    )
    nobody = await drsmith.tj("assign", "tom", "measure", "gad7")
    assert nobody.exit_code == 1 and "no journal named 'tom'" in nobody.stderr


async def test_a_therapist_is_told_once_when_a_client_shares_for_the_first_time(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU25 C4: a share made again was told ("Notice: ana shared 'Personal' with you again"),
    a first one was not: with 30 clients a new share is easy to miss. Told once, at the time
    the owner signed it; a device that logs in later is not told what was shared before it."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await drsmith.ok("sync")
    await ana.ok("write", "A day.")
    await ana.ok("share", "Personal", "drsmith", "--full", "--trust-on-first-use")
    synced = await drsmith.ok("sync")
    [notice] = [
        line for line in unwrapped(synced.stderr).splitlines() if line.startswith("Notice:")
    ]
    assert re.fullmatch(
        rf"Notice: ana shared 'Personal' with you \({NOTICE_TIME}\): read it with `tj list --journal "
        r"ana/Personal` \(`tj shared-with-me` lists what is shared with you\)\.",
        notice,
    ), notice
    assert (await drsmith.json("sync"))["departures"] == []  # once
    again = await drsmith.ok("sync")
    assert "shared 'Personal' with you" not in again.stdout + unwrapped(again.stderr)

    await ana.ok("share", "Personal", "drsmith", "--only", "mood", "--yes")
    copy = await drsmith.json("sync")
    # The copy is told as what the narrowed share is read through (NU24 C11), not also as a
    # first share of its own: one event, one notice.
    assert [(d["owner"], d["journal"], d["reason"], d["copy"]) for d in copy["departures"]] == [
        ("ana", "ana/Personal", "no longer served", "ana/Personal (mood) for drsmith")
    ], copy["departures"]

    phone = Device(tmp_path / "drsmith-phone", live_server.url)
    logged_in = await phone.ok("login", live_server.url, "drsmith")
    first = await phone.ok("sync")
    told_there = (
        logged_in.stdout + unwrapped(logged_in.stderr) + first.stdout + unwrapped(first.stderr)
    )
    assert "shared Personal" not in told_there and "with you (" not in told_there


async def test_logging_out_and_in_again_on_a_home_keeps_its_device_name(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU25 C7: `tj logout` then `tj login` (no --device-name) on the same home named the
    device after the host, like the laptop: two rows "vm" in `tj devices`. The README says a
    login again on a home keeps its device name."""
    ana = await new_device(live_server, tmp_path, "ana")
    phone = Device(tmp_path / "ana-phone", live_server.url)
    await phone.ok("login", live_server.url, "ana", "--device-name", "phone")
    await phone.ok("logout", "--yes")
    await phone.ok("login", live_server.url, "ana")
    names = sorted(d["name"] for d in await ana.json("devices"))
    assert names.count("phone") == 1, names
    [mine] = [d for d in await phone.json("devices") if d["current"]]
    assert mine["name"] == "phone"
    await phone.ok("logout", "--yes")  # a name given at login wins over the kept one
    await phone.ok("login", live_server.url, "ana", "--device-name", "tablet")
    [mine] = [d for d in await phone.json("devices") if d["current"]]
    assert mine["name"] == "tablet"
    await new_device(live_server, tmp_path, "ben")
    other = await phone.tj("logout", "--yes")
    assert other.exit_code == 0
    await phone.ok("login", live_server.url, "ben")  # another account: not ana's name
    [theirs] = [d for d in await phone.json("devices") if d["current"]]
    assert theirs["name"] != "tablet"


async def test_checkin_and_edit_on_a_device_that_has_not_synced_sync_first(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU25 C8: `tj goal checkin ID` and `tj edit ID` for a goal or entry made on the other
    device since this one synced said "no goal ... on this device: try `tj sync`", while `tj
    show ID` synced first and found it. They sync first now, and still fail for an id that
    is nowhere."""
    laptop = await new_device(live_server, tmp_path, "ana")
    phone = Device(tmp_path / "ana-phone", live_server.url)
    await phone.ok("login", live_server.url, "ana", "--device-name", "phone")
    goal = (await laptop.ok("goal", "add", "Walk")).stdout.strip()
    entry = (await laptop.ok("write", "A day.")).stdout.strip()

    checked = await phone.ok("goal", "checkin", goal[:4], "--note", "x")
    assert "try `tj sync`" not in checked.stderr
    edited = await phone.ok("edit", entry[:6], "--append", " y")
    assert "try `tj sync`" not in edited.stderr
    await laptop.ok("sync")
    [walk] = await laptop.json("goal", "list")
    assert [c["note"] for c in walk["checkins"]] == ["x"]
    assert (await laptop.json("show", entry[:6]))["body"] == "A day. y"

    missing = await phone.tj("goal", "checkin", "abcd", "--note", "x")
    assert missing.exit_code == 1
    assert missing.stderr.strip() == (  # synced first: no "try `tj sync`" (NU33 #7)
        "Error: no goal abcd on this device (it synced just now): check the id"
    )
    missing = await phone.tj("edit", "abcdef", "--append", " y")
    assert missing.exit_code == 1
    assert missing.stderr.strip() == (
        "Error: no entry abcdef on this device (it synced just now): check the id"
    )


async def test_a_journal_named_in_a_share_notice_is_quoted(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU32 #7: "Notice: ana shared Shared with drsmith with you (14:28)" did not say where
    the journal's name ends: it is quoted, as in the other "OWNER ... JOURNAL with you"
    notices, and the command it names quotes it for the shell."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await drsmith.ok("sync")
    entry = (await ana.ok("write", "Only this one.")).stdout.strip()
    await ana.ok("share-entry", entry[:8], "drsmith", "--trust-on-first-use")
    synced = await drsmith.ok("sync")
    [notice] = [
        line for line in unwrapped(synced.stderr).splitlines() if line.startswith("Notice:")
    ]
    assert re.fullmatch(
        rf"Notice: ana shared 'Shared with drsmith' with you \({NOTICE_TIME}\): read it with "
        r"`tj list --journal 'ana/Shared with drsmith'` \(`tj shared-with-me` lists what is "
        r"shared with you\)\.",
        notice,
    ), notice
