"""NU21 C2: on a device whose account was deleted from another device, `tj sync` and `tj
login` said only "check the username and password" / "wrong username or password". The
server must not tell whether an account exists, so the device names the deletion as a
possibility, and says how to keep what it holds."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device, failed_with_one_line, laptop, phone  # noqa: F401 (fixtures)


async def test_a_device_of_a_deleted_account_is_told_it_may_have_been_deleted(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    await phone.ok("write", "only on the phone now")
    await laptop.ok("account", "delete", "--yes")

    synced = failed_with_one_line(await phone.tj("sync"))
    assert "may have been deleted from another device" in synced
    assert re.search(r"tj (--home \S+ )?export", synced), synced
    assert "check the username and password" not in synced

    again = failed_with_one_line(await phone.tj("login", live_server.url, "ana"))
    assert "wrong username or password" in again  # it may still be the password
    assert "this device was signed in to ana" in again
    assert "may have been deleted from another device" in again
    assert re.search(r"tj (--home \S+ )?export", again), again

    # What the phone holds is still there to save.
    assert "only on the phone now" in (await phone.ok("list")).stdout

    # A home that never held the account is told nothing of the kind.
    stranger = Device(tmp_path / "stranger", live_server.url)
    refused = failed_with_one_line(await stranger.tj("login", live_server.url, "ana"))
    assert "wrong username or password" in refused
    assert "deleted" not in refused
