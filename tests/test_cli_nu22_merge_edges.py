"""NU22 C12 and C19 as a user sees them in the CLI (real server, CliRunner, two devices kept
apart by stopping the server).

C12: the phone edits an entry the laptop trashed meanwhile; the sync that brings the trash
says so once, with the command that restores the entry, and the edit is in it. C19: appends
on two devices push an entry past 100,000 characters; an append is then refused saying by
how much it is over, and an edit that shortens it is accepted."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device, Outage, failed_with_one_line, outage  # noqa: F401


async def two_devices(live_server: RunningServer, tmp_path: Path) -> tuple[Device, Device]:
    laptop = Device(tmp_path / "ana-laptop", live_server.url)
    await laptop.ok("signup", live_server.url, "ana", "--device-name", "laptop")
    phone = Device(tmp_path / "ana-phone", live_server.url)
    await phone.ok("login", live_server.url, "ana", "--device-name", "phone")
    return laptop, phone


async def test_an_edit_that_landed_in_the_trash_is_told_once_with_how_to_restore_it(
    live_server: RunningServer,
    tmp_path: Path,
    outage: Outage,  # noqa: F811
) -> None:
    laptop, phone = await two_devices(live_server, tmp_path)
    entry = (await laptop.ok("write", "--title", "Hard day", "Monday.")).stdout.strip()
    await phone.ok("sync")
    await outage.begin()
    await laptop.ok("delete", entry[:8], "--yes")
    await phone.ok("edit", entry[:8], "--append", " Important addition from the phone.")
    await outage.end()
    assert "Trashed:" not in (await laptop.ok("sync")).stderr
    said = " ".join((await phone.ok("sync")).stderr.split())
    assert f'Trashed: entry {entry[:12]} ("Hard day"), edited on this device at ' in said
    assert "was moved to the trash on laptop before it received that edit" in said
    assert f"`tj restore {entry[:12]}` brings the entry back with it" in said
    assert "Trashed:" not in (await phone.ok("sync")).stderr  # told once
    shown = await phone.json("show", entry)
    assert shown["trashed_at"] is not None
    assert shown["body"] == "Monday. Important addition from the phone."
    await phone.ok("restore", entry[:8])
    await laptop.ok("sync")
    assert (await laptop.json("show", entry))["body"].endswith("addition from the phone.")


async def test_the_sync_json_carries_the_overtaken_edit(
    live_server: RunningServer,
    tmp_path: Path,
    outage: Outage,  # noqa: F811
) -> None:
    laptop, phone = await two_devices(live_server, tmp_path)
    entry = (await laptop.ok("write", "Tuesday.")).stdout.strip()
    await phone.ok("sync")
    await outage.begin()
    await laptop.ok("delete", entry[:8], "--yes")
    await phone.ok("edit", entry[:8], "--mood", "4")
    await outage.end()
    assert (await phone.json("sync"))["overtaken"] == []  # the trash is not on the server yet
    await laptop.ok("sync")
    [told] = (await phone.json("sync"))["overtaken"]
    assert (told["entry_id"], told["deleted"], told["device"]) == (entry, False, "laptop")


async def test_an_entry_appended_past_the_limit_on_two_devices_stays_editable(
    live_server: RunningServer,
    tmp_path: Path,
    outage: Outage,  # noqa: F811
) -> None:
    laptop, phone = await two_devices(live_server, tmp_path)
    entry = (
        await laptop.ok("write", "x" * 99_989 + " ")
    ).stdout.strip()  # ends in white space: appends join as given (NU29 F8)
    await phone.ok("sync")
    await outage.begin()
    await laptop.ok("edit", entry[:8], "--append", "laptop!")
    await phone.ok("edit", entry[:8], "--append", "phone!!")
    await outage.end()
    for device in (laptop, phone, laptop):
        await device.ok("sync")
    body = (await laptop.json("show", entry))["body"]
    # the two appends kept apart by a space (glued_inserts), after the text's space
    assert body[99_990:] in ("laptop! phone!!", "phone!! laptop!"), body[99_990:]
    assert len(body) == 100_005 and (await phone.json("show", entry))["body"] == body

    error = failed_with_one_line(  # a value refused as given: exit 2 (NU41 #6)
        await laptop.tj("edit", entry[:8], "--append", "x"), 2
    )
    assert error == (
        "Error: an entry holds at most 100,000 characters; this one has 100,005 (5 over: edits "
        "made on several devices at once were merged) and this change would make it 100,007 "
        "(counting the space put before the appended text). An edit that does not lengthen it "
        "is accepted: shorten it first"
    )
    assert (await laptop.json("show", entry))["body"] == body  # nothing changed
    await laptop.ok("edit", entry[:8], "--mood", "5")  # not lengthening it: accepted
    await laptop.ok("edit", entry[:8], "--body", body[:-9])  # shortening it: accepted
    assert (await laptop.json("show", entry))["body"] == body[:-9]
    await laptop.ok("edit", entry[:8], "--append", "abc")  # after a space: the limit again
    assert (await laptop.json("show", entry))["body"] == body[:-9] + " abc"
