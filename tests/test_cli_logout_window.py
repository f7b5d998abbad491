"""REV-S8 S8-1 in the CLI: `tj logout` passed `discard_unsynced=True` whatever its own check
found, so a change written after that check (by another `tj` or an app on the same home,
while the user read the question or the server held the logout) was deleted unasked. It now
passes the count it asked about (none when it found none): a change written meanwhile stops
the logout with one line, and nothing is deleted (real `tj`, CliRunner, a loopback proxy in
front of the real server)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from aiohttp import web

from client_sdk import Client
from tests.client.hostile import HostileServer, hostile  # noqa: F401 (fixture)
from tests.conftest import RunningServer
from tests.test_cli import Device, failed_with_one_line
from tests.test_cli_insights import new_device

# Replies are lost or requests failed here to test what the retry does, not how long it
# waits: every client retries with QUICK_RETRY (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("quick_retries")


@asynccontextmanager
async def written_while_logging_out(
    hostile: HostileServer,  # noqa: F811
    phone: Device,
    *args: str,
    answered: bool = True,
) -> AsyncIterator[asyncio.Task[object]]:
    """Run `tj logout` (with `args` before it) on `phone`; while the proxy holds its
    `/v1/auth/logout`, another program of the home (an app) writes an entry, then the
    request goes on (`answered`), or is held until `tj` gave up on it and then never reaches
    the server. Yields the finished `tj` run's task."""
    held, release = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        held.set()
        await release.wait()
        if not answered:
            raise web.HTTPServiceUnavailable()  # never forwarded: the session stands

    hostile.holds["/v1/auth/logout"] = hold
    app = await Client.open(phone.home)
    try:
        run = asyncio.create_task(phone.tj(*args, "logout"))
        await held.wait()  # `tj logout` found nothing unsynced and asked nothing
        await app.entries.write(None, "Written in the app while tj logged out.")
        if answered:
            release.set()
        await asyncio.wait([run])
        yield run
    finally:
        release.set()
        del hostile.holds["/v1/auth/logout"]
        await app.close()


async def test_a_change_written_while_tj_logout_waits_for_the_server_stops_it(
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The server ended the session before the entry was found: nothing is deleted, and the
    line says how to send it (`tj login` on this home), which works."""
    laptop = await new_device(live_server, tmp_path, "ana")
    phone = Device(tmp_path / "phone", hostile.url)
    await phone.ok("login", hostile.url, "ana", "--device-name", "phone")
    async with written_while_logging_out(hostile, phone) as run:
        line = failed_with_one_line(run.result())  # type: ignore[arg-type]
    login = f"{phone.command} login {hostile.url} ana"
    assert line == (
        "Error: Changes to 1 item (entries, goals, notes...) were written on this device while "
        "logging out (by another `tj` or app using it) and have not reached the server. "
        f"Nothing was deleted, but the server already signed this device out: `{login}` signs "
        f"it in again and sends the changes to 1 item waiting on it (`{phone.command} sync` "
        f"cannot while it is signed out; `{phone.command} logout` would delete them)."
    )
    assert (phone.home / "store.db").exists()

    await phone.ok("login", hostile.url, "ana")  # as the line says
    await phone.ok("sync")
    bodies = {e["body"] for e in await laptop.json("list")}
    assert "Written in the app while tj logged out." in bodies


async def test_a_change_written_while_tj_logout_cannot_reach_the_server_stops_it(
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The server held the logout past `--server-wait` (not told): the device is still
    signed in, and the line says to sync, then log out again; both work."""
    laptop = await new_device(live_server, tmp_path, "ana")
    phone = Device(tmp_path / "phone", hostile.url)
    await phone.ok("login", hostile.url, "ana", "--device-name", "phone")
    async with written_while_logging_out(
        hostile, phone, "--server-wait", "1", answered=False
    ) as run:
        line = failed_with_one_line(run.result())  # type: ignore[arg-type]
    assert line == (
        "Error: Changes to 1 item (entries, goals, notes...) were written on this device while "
        "logging out (by another `tj` or app using it) and have not reached the server. "
        f"Nothing was deleted, and this device is still signed in: run `{phone.command} sync` "
        f"to send them, then `{phone.command} logout` again."
    )
    await phone.ok("sync")
    bodies = {e["body"] for e in await laptop.json("list")}
    assert "Written in the app while tj logged out." in bodies
    done = await phone.ok("logout")
    assert "Signed out; the local data of this device was deleted:" in done.stderr
    assert not (phone.home / "store.db").exists()
