"""nu83 F9, F6: `tj safety flags` on the laptop says a flag the phone sealed "may NOT" have
reached a therapist whose share ended before acknowledging it, as the phone does (the phone
alone tells it in a sync's safety line); a therapist who left is named as having left, not as
an unshare or an end date (real server on loopback, CliRunner)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import RunningServer
from tests.test_cli import Device, laptop, phone  # noqa: F401
from tests.test_cli_insights import new_device
from tests.test_cli_unshare_undelivered import ITEM_9, opted_in, said


async def test_the_laptop_lists_the_phones_lost_flag_as_not_delivered(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await laptop.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate",
        "--safety-flags", "--fingerprint", drsmith.signup["fingerprint"],
    )  # fmt: skip
    await phone.ok("sync")
    await phone.ok("measure", "take", "phq9", "--answers", ITEM_9)
    await phone.ok("sync")
    await laptop.ok("sync")
    await laptop.ok("unshare", "Personal", "drsmith", "--yes")
    first = await phone.ok("sync")  # the phone, which sealed it, tells it
    assert "may NOT have been delivered to drsmith" in said(first.stdout + first.stderr)
    [lost] = (await laptop.json("safety", "flags"))["flags"]
    assert lost["status"] == "not delivered" and lost["not_delivered"] == ["drsmith"]
    assert lost["surely_not_delivered"] == []
    [mirror] = (await phone.json("safety", "flags"))["flags"]
    assert mirror["status"] == "not delivered" and mirror["id"] == lost["id"]
    flags = said((await laptop.ok("safety", "flags")).stdout)
    assert "not delivered to drsmith: may NOT have reached them" in flags
    assert "after the flag left the device of yours that sealed it" in flags
    assert "sent: not acknowledged yet" not in flags
    again = await laptop.ok("sync")  # the laptop never tells it: the phone did, once
    assert "NOT have been delivered" not in said(again.stdout + again.stderr)


async def test_a_therapist_who_left_is_named_as_leaving_in_the_safety_line(
    live_server: RunningServer, tmp_path: Path
) -> None:
    lea, drlee = await opted_in(live_server, tmp_path)
    await lea.ok("measure", "take", "phq9", "--answers", ITEM_9)
    await drlee.ok("leave", "lea/Personal", "--yes")
    synced = await lea.ok("sync")
    text = said(synced.stdout + synced.stderr)
    if "NOT have been delivered" not in text:
        synced = await lea.ok("sync")
        text = said(synced.stdout + synced.stderr)
    assert "may NOT have been delivered to drlee" in text
    assert "the server says they left the share, or that their account was deleted" in text
    assert "its end date, or an unshare" not in text
    flags = said((await lea.ok("safety", "flags")).stdout)
    assert "the share ended (the server says they left it, or their account was deleted)" in flags
    assert "on one of your devices, or by its end date" not in flags


async def test_sharing_again_after_the_therapist_left_says_safety_flags_are_on(
    live_server: RunningServer, tmp_path: Path
) -> None:
    lea, drlee = await opted_in(live_server, tmp_path)
    await drlee.ok("leave", "lea/Personal", "--yes")
    await lea.ok("sync")
    again = await lea.ok("share", "Personal", "drlee", "--full", "--role", "annotate")
    text = said(again.stdout + again.stderr)
    [share] = await lea.json("shares")
    assert share["member"] == "drlee" and share["safety_flags"] is True
    assert "Safety flags: on for drlee." in text


async def test_a_share_end_tj_list_showed_on_a_terminal_is_not_recapped_by_tj_sync(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lea, drlee = await opted_in(live_server, tmp_path)
    await drlee.ok("leave", "lea/Personal", "--yes")
    monkeypatch.setattr("cli.output.stderr_on_terminal", lambda: True)
    listed = await lea.ok("list")
    assert "drlee no longer reads Personal" in said(listed.stderr)
    synced = await lea.ok("sync")
    assert "Earlier" not in synced.stdout and "no longer reads" not in said(synced.stdout)


async def test_a_share_end_a_script_did_not_show_is_recapped_by_tj_sync(
    live_server: RunningServer, tmp_path: Path
) -> None:
    lea, drlee = await opted_in(live_server, tmp_path)
    await drlee.ok("leave", "lea/Personal", "--yes")
    await lea.ok("list")  # stderr is no terminal here: not seen
    synced = await lea.ok("sync")
    assert "Earlier, fetched by other commands" in said(synced.stdout)
    assert "drlee" in said(synced.stdout)
