"""REV-SRV2 N1: an honest device whose app is busy keeps its live socket.

The server pings each live socket and drops one whose pong is late (half a heartbeat: 12.5 s);
aiohttp's client answers a ping only while its socket is read. The SDK reads the socket in a
task of its own (live.Inbox), whatever the consumer does: `watch()` during a long sync while
another device keeps writing (its notices pile up: past live.MAX_WAITING they are squashed
into one "sync everything" notice), and an app that works between the notices of
`Client.live()`. Before, both stopped reading, and the server dropped the socket ("no pong to
a ping"; `tj watch`: "connection lost").

The server's heartbeat is 1 s here (Settings.live_heartbeat_ms). "Busy" lasts
until the server has had two pongs from the device since the work began, or has dropped its
socket: it ends on what the server saw, never on a guessed time.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from typing import Any

import pytest
from aiohttp import WSMsgType

from client_sdk.live import EVERYTHING
from server import live
from server.service import Settings
from tests.conftest import TEST_SETTINGS, ClientFactory, RunningServer

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)

HANG = 30.0  # turns a hang into a failure; no latency claim


@pytest.fixture
def server_settings() -> Settings:
    return dataclasses.replace(TEST_SETTINGS, live_heartbeat_ms=1000)


class ServerSide:
    """What the server's live sockets saw: pongs that answered our ping, and aborts."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.pongs = 0
        self.aborts: list[str] = []
        self.changed = asyncio.Event()
        answered, abort = live.LiveSocket.answered, live.LiveSocket.abort

        def count_pong(socket: live.LiveSocket, kind: WSMsgType, data: bytes) -> None:
            if kind == WSMsgType.PONG and data == socket._ping:
                self.pongs += 1
                self.changed.set()
            answered(socket, kind, data)

        def count_abort(socket: live.LiveSocket, why: str) -> None:
            self.aborts.append(why)
            self.changed.set()
            abort(socket, why)

        monkeypatch.setattr(live.LiveSocket, "answered", count_pong)
        monkeypatch.setattr(live.LiveSocket, "abort", count_abort)

    async def busy(self) -> None:
        """Work without reading the live channel until the server has pinged the device and
        had its pong twice since, or dropped its socket."""
        start = self.pongs
        async with asyncio.timeout(HANG):
            while self.pongs < start + 2 and not self.aborts:
                self.changed.clear()
                await self.changed.wait()


async def test_a_watching_device_keeps_its_socket_through_a_long_sync_while_another_writes(
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = ServerSide(monkeypatch)
    laptop = await signup("ana")
    await laptop.entries.write(None, "entry before")  # the journal exists: no meta notice
    await laptop.sync()
    phone = await login("ana")
    lost: list[str] = []
    slow = asyncio.Event()
    written = asyncio.Event()
    real_sync = phone._sync

    async def long_sync(*args: Any, **kwargs: Any) -> Any:
        if slow.is_set():
            slow.clear()  # one long sync: it lasts while the laptop writes, and then some
            await written.wait()
            await server.busy()
        return await real_sync(*args, **kwargs)

    monkeypatch.setattr(phone, "_sync", long_sync)
    reports: asyncio.Queue[Any] = asyncio.Queue()

    async def run() -> None:
        async for report in phone.watch(on_lost=lambda: lost.append("lost")):
            reports.put_nowait(report)

    task = asyncio.create_task(run())
    try:
        await asyncio.wait_for(reports.get(), HANG)  # the sync after the hello
        slow.set()
        for i in range(20):  # an active writer: 20 pushes, 20 notices, during one sync
            await laptop.entries.write(None, f"entry {i}")
            await laptop.sync()
        written.set()
        triggers = []
        async with asyncio.timeout(HANG):
            while len(await phone.entries.list()) < 21:
                triggers.append((await reports.get()).trigger)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    log = live_server.log_file.read_text(errors="replace")
    assert not server.aborts and "live: socket aborted" not in log, server.aborts
    assert not lost
    assert server.pongs >= 2
    # The notices that came during the long sync were read, and squashed past MAX_WAITING:
    # one ordinary sync brought them all.
    assert EVERYTHING in triggers, triggers


async def test_an_app_that_works_between_live_notices_keeps_its_socket(
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = ServerSide(monkeypatch)
    laptop = await signup("ana")
    await laptop.entries.write(None, "entry before")
    await laptop.sync()
    phone = await login("ana")
    async with contextlib.aclosing(phone.live()) as notices, asyncio.timeout(HANG):
        hello = await anext(notices)
        assert hello.connected
        await server.busy()  # the app's work on the hello (a sync of its own, say)
        await laptop.entries.write(None, "entry after")
        await laptop.sync()
        after = await anext(notices)
    log = live_server.log_file.read_text(errors="replace")
    assert not server.aborts and "live: socket aborted" not in log, server.aborts
    assert not after.lost and after.journal_id is not None, after
