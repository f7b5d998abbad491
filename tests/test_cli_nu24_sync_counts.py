"""NU24 C5 and C7: what `tj sync` says it received is what happened. An entry trashed,
deleted for good or restored on another device is told so, never as "updated" (C7); a safety
flag this account acknowledged (verified on this device) is never announced as a new flag;
one of an earlier share whose copy the therapist discarded with `tj forget` before the client
shared again is new (R46 F5), and what is said of it is true (C5). Real server on loopback, real crypto, CliRunner."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.notice_times import timeless, unwrapped
from tests.test_cli import Device, laptop, phone
from tests.test_cli_insights import new_device

__all__ = ["laptop", "phone"]  # fixtures


FIRST_SHARE = (
    "Notice: ana shared 'Personal' with you (HH:MM): read it with `tj list --journal "
    "ana/Personal` (`tj shared-with-me` lists what is shared with you)."
)
FIRST_SHARE_OF_RESULTS = (  # a result and no entry yet: `tj list` would show nothing (NU54 F8)
    "Notice: ana shared 'Personal' with you (HH:MM): it holds questionnaire results so far: "
    "read them with `tj measure list --journal ana/Personal` (`tj list --journal "
    "ana/Personal` shows its entries)."
)


def said(text: str) -> str:
    # a message wraps on a narrow terminal; a notice's time (HH:MM, local; with its date
    # after midnight) is the test's own
    return timeless(" ".join(text.split()))


async def synced(device: Device) -> tuple[str, list[str]]:
    """`tj sync`'s summary (stdout) and its lines on stderr."""
    result = await device.ok("sync")
    return result.stdout.strip(), [said(line) for line in unwrapped(result.stderr).splitlines()]


async def test_entries_trashed_deleted_or_restored_elsewhere_are_counted_as_such(
    live_server: RunningServer, laptop: Device, phone: Device
) -> None:
    ids = [(await laptop.ok("write", f"Entry {n}.")).stdout.strip() for n in range(3)]
    assert await synced(phone) == ("3 new entries from laptop", [])
    await laptop.ok("delete", ids[0], "--yes")
    await laptop.ok("delete", ids[1], "--yes")
    assert await synced(phone) == ("2 entries moved to the trash on laptop", [])
    await laptop.ok("restore", ids[1])
    assert await synced(phone) == ("1 entry restored from the trash on laptop", [])
    await laptop.ok("trash", "empty", "--yes")
    assert await synced(phone) == ("1 entry deleted for good on laptop", [])
    await laptop.ok("delete", ids[2], "--yes")
    await laptop.ok("trash", "empty", "--yes")  # trashed and deleted between two syncs
    report = await phone.json("sync")
    assert report["news"] == [
        {"count": 1, "kind": "entry", "new": False, "withdrawn": False, "what": "deleted",
         "from": "laptop"},
    ]  # fmt: skip
    # Written and deleted for good before the phone held it: nothing to tell.
    never = (await laptop.ok("write", "Never mind.")).stdout.strip()
    await laptop.ok("delete", never, "--yes")
    await laptop.ok("trash", "empty", "--yes")
    assert await synced(phone) == ("nothing new", [])
    # Written and trashed before the phone held it: in the trash there, not "new".
    gone = (await laptop.ok("write", "Not for now.")).stdout.strip()
    await laptop.ok("delete", gone, "--yes")
    assert await synced(phone) == ("1 entry moved to the trash on laptop", [])
    assert [e["body"] for e in await phone.json("trash")] == ["Not for now."]


async def test_a_therapist_is_told_by_whom_an_entry_was_trashed(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    entry = (await ana.ok("write", "A hard day.")).stdout.strip()
    await ana.ok("share", "Personal", "drsmith", "--full", "--trust-on-first-use")
    assert await synced(drsmith) == (  # the first share is told once (NU25 C4)
        "1 new entry from ana, 1 share change (below)",
        [
            FIRST_SHARE,
        ],
    )
    await ana.ok("delete", entry, "--yes")
    report = await drsmith.json("sync")
    assert [(n["count"], n["what"], n["from"]) for n in report["news"]] == [(1, "trashed", "ana")]
    await ana.ok("restore", entry)
    assert await synced(drsmith) == ("1 entry restored from the trash by ana", [])


async def flagged_and_acknowledged(
    server: RunningServer, tmp_path: Path, laptop: Device
) -> tuple[Device, str]:
    """ana shares Personal with drsmith with safety flags and answers PHQ-9 item 9 with 3;
    drsmith's device acknowledges the flag; ana's laptop has the acknowledgement."""
    drsmith = await new_device(server, tmp_path, "drsmith")
    await laptop.ok("safety", "plan", "--share-flags")
    await laptop.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate",
        "--trust-on-first-use", "--safety-flags",
    )  # fmt: skip
    await laptop.ok("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,3")
    summary, lines = await synced(drsmith)
    assert summary.splitlines()[0].startswith("ana: 1 new safety flag, ")  # NU47 #3
    assert lines == [
        "Safety: 1 new safety flag from ana: see `tj safety flags` and `tj caseload`.",
        FIRST_SHARE_OF_RESULTS,  # the first share, told once (NU25 C4)
    ]
    [flag] = (await drsmith.json("safety", "flags"))["flags"]
    await drsmith.ok("safety", "ack", flag["id"])
    await laptop.ok("sync")
    return drsmith, flag["id"]


async def test_a_flag_acknowledged_then_forgotten_and_shared_again_is_new_and_told_why(
    live_server: RunningServer, tmp_path: Path, laptop: Device
) -> None:
    """R46 F5 changed this NU24 C5 test: a flag whose acknowledgement went with a discarded
    copy is told as NEW on the Safety line (no acknowledgement of it verifies on this device,
    and "earlier share" was read from clocks), with the true context said: the copy was
    discarded with `tj forget`, never "this device was added after"."""
    drsmith, flag_id = await flagged_and_acknowledged(live_server, tmp_path, laptop)
    await laptop.ok("unshare", "Personal", "drsmith", "--yes")
    await drsmith.ok("sync")
    await drsmith.ok("forget", "ana/Personal", "--unlisted", "--yes")
    await laptop.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--safety-flags"
    )
    summary, lines = await synced(drsmith)
    assert summary.splitlines() == [  # a flag to look at first (NU20 C6), by client (NU47 #3)
        "ana: 1 new safety flag, 1 new safety plan or safety-flag choice, 1 new",
        "     questionnaire result",
        "1 share change (below)",
    ]  # the share change is told once, by its notice below (NU25 C5)
    assert lines == [
        "Safety: 1 new safety flag from ana: see `tj safety flags` and `tj caseload`.",
        "Notice: ana shared 'Personal' with you again (HH:MM), after you had discarded "
        "it on this device with `tj forget`: it is on this device again, with what they "
        "share now.",
    ]
    [flag] = (await drsmith.json("safety", "flags"))["flags"]
    assert (flag["id"], flag["acknowledged"], flag["before_share"], flag["copy_forgotten"]) == (
        flag_id, [], True, True,
    )  # fmt: skip
    table = said((await drsmith.ok("safety", "flags")).stdout)
    assert "this device was added after" not in table  # not what happened (NU24 C5)
    assert "NOT YET (before this share)" in table
    assert (
        "Flags marked 'before this share' were raised, by ana's clock, before the current "
        "share began; you discarded this device's copy of that share with `tj forget`, your "
        "acknowledgements (and notes) from then with it"
    ) in table
    [row] = await drsmith.json("caseload")
    assert (
        "safety flag (1 unacknowledged, 1 raised before this share: earlier share whose copy "
        "you discarded with `tj forget`)"
    ) in row["flags"]
    listed = said((await drsmith.ok("notes")).stdout)
    assert "which was added after it ended" not in listed
    assert (
        "ana/Personal was shared with you before: the notes and prompts you wrote during that "
        "earlier share went with this device's copy, which you discarded with `tj forget`"
    ) in listed
    # Acknowledged again here: every device agrees, and nothing more is said.
    await drsmith.ok("safety", "ack", flag_id)
    [flag] = (await drsmith.json("safety", "flags"))["flags"]
    assert [a["by"] for a in flag["acknowledged"]] == ["drsmith"]
    assert await synced(drsmith) == ("nothing new", [])


async def test_a_flag_acknowledged_on_another_device_is_not_new_on_a_new_one(
    live_server: RunningServer, tmp_path: Path, laptop: Device
) -> None:
    await flagged_and_acknowledged(live_server, tmp_path, laptop)
    tablet = Device(tmp_path / "drsmith-tablet", live_server.url)
    login = await tablet.ok("login", live_server.url, "drsmith", "--device-name", "tablet")
    told = said(login.stderr)
    assert "new safety flag" not in told and "Safety:" not in told
    assert (  # one line per source (NU47 #3)
        "ana: 1 new safety plan or safety-flag choice, 1 new questionnaire result, 1 safety "
        "flag you had acknowledged already"
    ) in told
    report = await tablet.json("sync")
    assert report["news"] == []  # told once


async def test_records_gone_with_an_erased_account_are_told_once_whatever_its_devices(
    live_server: RunningServer, tmp_path: Path, laptop: Device, phone: Device
) -> None:
    """NU24 C6: a therapist with two devices wrote a note from each in ana's journal, then
    deleted their account; ana's phone, which had not received the notes, printed "Notice: 1
    record(s) by account ... in journal ... are gone" twice, word for word: once per device of
    the erased account. It is one account: one notice, counting both."""
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    tablet = Device(tmp_path / "drsmith-tablet", live_server.url)
    await tablet.ok("login", live_server.url, "drsmith", "--device-name", "tablet")
    await laptop.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--trust-on-first-use"
    )
    await phone.ok("sync")
    for device, text in ((drsmith, "From the desk."), (tablet, "From the tablet.")):
        await device.ok("sync")
        await device.ok("note", "ana/Personal", text)
    await laptop.ok("sync")
    await laptop.ok("write", "After the notes.")  # its seen vector names both devices' notes
    [personal] = [j for j in await laptop.json("journal", "list") if j["name"] == "Personal"]
    await drsmith.ok("account", "delete", "--yes")
    result = await phone.ok("sync")
    # drsmith, still a member by the chain, is taken off it before the records are excused
    # (rev-complete F5): that share change is told too, once, as a member who left is
    assert result.stdout.strip() == "1 new entry from laptop, 1 share change (below)"
    notices = [line for line in unwrapped(result.stderr).splitlines() if line.startswith("Notice:")]
    gone = [line for line in notices if "record(s)" in line]
    assert len(gone) == 1, unwrapped(result.stderr)
    # named as the device knows them (fix-misc): the journal's name, the account's username
    # from the journal's verified access chain, no ids
    assert gone == [
        "Notice: 2 record(s) by drsmith in Personal are gone: the server says that account "
        "was deleted"
    ], notices
    [dropped] = [line for line in notices if line not in gone]
    assert dropped.startswith("Notice: drsmith no longer reads Personal"), notices
    assert personal["id"][:12] not in unwrapped(result.stderr)
    assert (await phone.ok("sync")).stderr == ""  # told once
