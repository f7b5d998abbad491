"""R22: the member-left notice through the CLI's everyday commands (s8-left)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import RunningServer
from tests.notice_times import NOTICE_TIME, unwrapped
from tests.test_cli import Device


@pytest.fixture
async def ana(live_server: RunningServer, tmp_path: Path) -> Device:
    device = Device(tmp_path / "ana", live_server.url)
    device.signup = await device.json("signup", live_server.url, "ana")
    return device


@pytest.fixture
async def tom(live_server: RunningServer, tmp_path: Path) -> Device:
    device = Device(tmp_path / "tom", live_server.url)
    device.signup = await device.json("signup", live_server.url, "tom")
    return device


async def test_a_leave_learnt_by_the_sync_inside_tj_write_is_still_told(
    ana: Device, tom: Device
) -> None:
    await ana.ok("share", "Personal", "tom", "--fingerprint", tom.signup["fingerprint"])
    await ana.ok("sync")
    await tom.ok("sync")
    await tom.ok("leave", "ana/Personal", "--yes")
    # The client's next command is the everyday one: writing an entry (it syncs after).
    wrote = await ana.ok("write", "Today was hard.")
    later = await ana.ok("sync")
    shown = wrote.stdout + wrote.stderr + later.stdout + later.stderr
    assert [
        (s["member"], s["expired"], s["dropped_at"] is not None) for s in await ana.json("shares")
    ] == [("tom", True, True)]  # ended: they left (NU22 C9)
    assert "tom no longer reads Personal" in shown, shown


@pytest.mark.parametrize(
    "command",
    [
        ["notes"],  # synced_first: every command that shows what others sent
        ["verify-head", "Personal"],
        ["set-aside", "retry"],
        ["logout", "--yes"],  # the last sync before the device's data is deleted
    ],
)
async def test_every_command_that_syncs_shows_the_departure_it_learns(
    ana: Device, tom: Device, command: list[str]
) -> None:
    await ana.ok("share", "Personal", "tom", "--fingerprint", tom.signup["fingerprint"])
    await ana.ok("sync")
    await tom.ok("sync")
    await tom.ok("leave", "ana/Personal", "--yes")
    shown = await ana.ok(*command)
    assert re.search(  # local time, as every notice (NU26 C6)
        rf"Notice: tom no longer reads Personal \({NOTICE_TIME}\): the server says they left",
        shown.stderr,
    ), shown.stderr
    held = f"--fingerprint '{tom.signup['fingerprint']}'"  # as the chain holds it (nu84 F5)
    assert f"share again: `tj share Personal tom --full {held}`" in shown.stderr
    assert "no longer reads" not in shown.stdout  # notices go to stderr, data stays clean


async def test_the_owners_other_device_is_told_the_removal_was_the_servers_word(
    ana: Device, tom: Device, live_server: RunningServer, tmp_path: Path
) -> None:
    """R22 F5: the phone drops tom on the server's word; the laptop's `tj sync` says so,
    once, as the server's word acted on by another device, not as ana's revocation."""
    phone = Device(tmp_path / "ana-phone", live_server.url)
    await phone.ok("login", live_server.url, "ana")
    await ana.ok("share", "Personal", "tom", "--fingerprint", tom.signup["fingerprint"])
    await ana.ok("sync")
    await phone.ok("sync")
    await tom.ok("sync")
    await tom.ok("leave", "ana/Personal", "--yes")
    await phone.ok("sync")  # this device drops tom and is told "they left"
    shown = await ana.ok("sync")
    assert "another of your devices removed them" in unwrapped(shown.stderr), unwrapped(
        shown.stderr
    )
    assert "the server says they left the share or their account was deleted" in unwrapped(
        shown.stderr
    )
    held = f"--fingerprint '{tom.signup['fingerprint']}'"  # as the chain holds it (nu84 F5)
    assert f"To share with them again: `tj share Personal tom --full {held}`" in unwrapped(
        shown.stderr
    )
    again = await ana.ok("sync")
    assert "tom" not in unwrapped(again.stderr) + again.stdout
