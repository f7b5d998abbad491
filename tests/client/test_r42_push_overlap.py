"""R42 (hostile review of issue 10, p15-import): a push records batch k's acknowledgement
while batch k+1 is on its way. A process killed, or a sync cancelled, between two batches
(batch k+1 stored by the server, its reply never read) must lose no acknowledgement, mark no
unacknowledged record delivered, count no record twice, and leave the withholding check as
right as before.

Real server on loopback, real crypto; the proxy forwards every request to the real server and
may hold a reply after the real server answered it (the server stored the batch, the device
never hears so)."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
import textwrap
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from client_sdk import INSECURE_TEST_COST, Client, pushing, wire
from client_sdk.errors import IntegrityError
from client_sdk.store import Store
from tests.client.hostile import HostileServer
from tests.client.sharing_support import journal_id, rows, server_db
from tests.conftest import PASSWORD, ClientFactory, RunningServer

PUSH = "/v1/records/push"


@dataclass
class HoldingProxy(HostileServer):
    """A HostileServer that can also hold a reply once the real server answered it."""

    after: dict[str, Callable[[int], Awaitable[None]]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    async def forward(self, session: aiohttp.ClientSession, request: web.Request) -> web.Response:
        response = await super().forward(session, request)
        self.counts[request.path] = self.counts.get(request.path, 0) + 1
        if request.path in self.after:
            await self.after[request.path](self.counts[request.path])
        return response


@pytest.fixture
async def proxy(live_server: RunningServer) -> AsyncIterator[HoldingProxy]:
    holding = HoldingProxy(live_server.url)
    async with aiohttp.ClientSession() as session:

        async def handle(request: web.Request) -> web.Response:
            return await holding.forward(session, request)

        app = web.Application()
        app.router.add_post("/{tail:.*}", handle)
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        holding.url = str(server.make_url("")).rstrip("/")
        try:
            yield holding
        finally:
            await server.close()


SYNCER = textwrap.dedent(
    """
    import asyncio, sys
    from client_sdk import Client

    async def main() -> None:
        client = await Client.open(sys.argv[1])
        await client.sync()
        print("synced", flush=True)

    asyncio.run(main())
    """
)


async def two_batches(proxy: HoldingProxy, tmp_path: Path) -> tuple[Path, list[str]]:
    """A home of "ana" through the proxy whose outbox is two push batches (one per journal:
    Personal, then Work), closed; returns it and the bodies written."""
    laptop = await Client.login(
        proxy.url,
        "ana",
        PASSWORD,
        home=tmp_path / "ana-laptop-via-proxy",
        device_name="laptop",
        minimum_cost=INSECURE_TEST_COST,
    )
    await laptop.journals.create("Work")
    await laptop.sync()
    bodies = []
    for index in range(3):
        bodies.append(f"personal {index}")
        await laptop.entries.write("Personal", bodies[-1])
    for index in range(3):
        bodies.append(f"work {index}")
        await laptop.entries.write("Work", bodies[-1])
    assert await laptop.pending() == 6
    home = laptop.home
    await laptop.close()
    return home, bodies


async def outbox_ids(home: Path) -> list[bytes]:
    store = await Store.open(home)
    try:
        return [bytes(r[0]) for r in await store._all("SELECT record_id FROM outbox")]
    finally:
        await store.close()


async def assert_delivered_once(
    home: Path,
    bodies: list[str],
    live_server: RunningServer,
    login: ClientFactory,
    journals: dict[str, bytes],
) -> None:
    """The device restarted syncs: everything goes, once, and every check stays quiet."""
    waiting = await outbox_ids(home)
    stored = {bytes(r[0]) for r in rows(server_db(live_server), "SELECT record_id FROM records")}
    reopened = await Client.open(home)
    try:
        report = await reopened.sync()
        assert (report.problems, report.withheld, report.set_aside) == ([], [], []), report
        # each record still waiting is pushed once (counted once), whether the server
        # already stored it or not; none acknowledged before is pushed again
        assert report.pushed == len(waiting), (report.pushed, len(waiting))
        assert await reopened.pending() == 0
        again = await reopened.sync()
        assert (again.pushed, again.problems, again.withheld) == (0, [], [])
    finally:
        await reopened.close()
    for name, jid in journals.items():
        ids = [
            bytes(r[0])
            for r in rows(
                server_db(live_server), "SELECT record_id FROM records WHERE journal_id = ?", jid
            )
        ]
        assert len(ids) == len(set(ids)), name  # never stored twice
    assert stored <= {
        bytes(r[0]) for r in rows(server_db(live_server), "SELECT record_id FROM records")
    }
    phone = await login("ana")
    seen = await phone.sync()
    assert (seen.problems, seen.withheld) == ([], [])
    assert sorted(e.body for e in await phone.entries.list(journal=None)) == sorted(bodies)


async def test_r42_a_process_killed_between_push_batches_pushes_each_record_once_after_restart(
    signup: ClientFactory,
    login: ClientFactory,
    proxy: HoldingProxy,
    live_server: RunningServer,
    tmp_path: Path,
) -> None:
    ana = await signup("ana")
    journals = {"Personal": await journal_id(ana, "Personal")}
    home, bodies = await two_batches(proxy, tmp_path)
    await ana.sync()
    journals["Work"] = await journal_id(ana, "Work")
    second_stored = asyncio.Event()
    base = proxy.counts.get(PUSH, 0)

    async def hold(count: int) -> None:
        if count == base + 2:  # batch 2 (Work) stored by the server; its reply held
            second_stored.set()
            await asyncio.Event().wait()

    proxy.after[PUSH] = hold
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", SYNCER, str(home), stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )  # fmt: skip
    try:
        await asyncio.wait_for(second_stored.wait(), timeout=120)
    finally:
        process.send_signal(signal.SIGKILL)  # no clean close, as a crash
        await process.wait()
    del proxy.after[PUSH]
    # the server holds both batches; the device heard of the first at most
    waiting = await outbox_ids(home)
    assert len(waiting) in (3, 6), waiting
    await assert_delivered_once(home, bodies, live_server, login, journals)


async def test_r42_a_sync_cancelled_between_push_batches_records_the_first_and_repushes_once(
    signup: ClientFactory,
    login: ClientFactory,
    proxy: HoldingProxy,
    live_server: RunningServer,
    tmp_path: Path,
) -> None:
    ana = await signup("ana")
    journals = {"Personal": await journal_id(ana, "Personal")}
    home, bodies = await two_batches(proxy, tmp_path)
    await ana.sync()
    journals["Work"] = await journal_id(ana, "Work")
    second_stored = asyncio.Event()
    base = proxy.counts.get(PUSH, 0)

    async def hold(count: int) -> None:
        if count == base + 2:
            second_stored.set()
            await asyncio.Event().wait()

    proxy.after[PUSH] = hold
    laptop = await Client.open(home)
    try:
        task = asyncio.create_task(laptop.sync())
        await asyncio.wait_for(second_stored.wait(), timeout=120)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # the first batch's acknowledgement, read before the cancel, is recorded
        assert await laptop.pending() == 3
    finally:
        await laptop.close()
    del proxy.after[PUSH]
    await assert_delivered_once(home, bodies, live_server, login, journals)


async def test_r42_a_lying_acknowledgement_of_batch_2_leaves_batch_1_recorded_and_2_waiting(
    signup: ClientFactory,
    login: ClientFactory,
    proxy: HoldingProxy,
    live_server: RunningServer,
    tmp_path: Path,
) -> None:
    ana = await signup("ana")
    journals = {"Personal": await journal_id(ana, "Personal")}
    home, bodies = await two_batches(proxy, tmp_path)
    await ana.sync()
    journals["Work"] = await journal_id(ana, "Work")
    pushes = 0

    def lie(request: bytes, reply: bytes) -> bytes:
        nonlocal pushes
        pushes += 1
        if pushes != 2:
            return reply
        real = wire.decode(wire.PushReply, reply)
        return wire.encode(wire.PushReply(real.accepted[:-1]))  # one record left out

    proxy.replies[PUSH] = lie
    laptop = await Client.open(home)
    try:
        with pytest.raises(IntegrityError):
            await laptop.sync()
        assert await laptop.pending() == 3  # batch 1 recorded, batch 2 not taken as delivered
    finally:
        await laptop.close()
    del proxy.replies[PUSH]
    await assert_delivered_once(home, bodies, live_server, login, journals)


async def test_a_batch_is_recorded_once_the_next_batch_has_left_not_before(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 10: recording batch k's acknowledgement holds the event loop for a while (a
    transaction over its records); started before batch k+1's request was written, it held
    that request back and the server waited for it. It is recorded once that request's body
    has left (`Transport.call`'s `on_sent`), and the last batch once nothing is left to send;
    every batch is still recorded, in order, before the sync ends."""
    ana = await signup("ana")
    await ana.journals.create("Work")
    await ana.sync()
    names = {await journal_id(ana, name): name for name in ("Personal", "Work")}
    for name in ("Personal", "Work"):  # two push batches: one per journal
        for index in range(3):
            await ana.entries.write(name, f"{name} {index}")
    events: list[str] = []
    call = ana.transport.call

    async def noted(path: str, message: Any, reply: Any, **options: Any) -> Any:
        on_sent = options.get("on_sent")
        if path == PUSH:
            assert on_sent is not None
            name = names[message.journal_id]

            def sent() -> None:
                events.append(f"sent {name}")
                on_sent()

            options["on_sent"] = sent
        return await call(path, message, reply, **options)

    acknowledge = pushing.acknowledge_pushed

    def recorded(db: sqlite3.Connection, journal: bytes, pushed: list[Any], **kept: Any) -> None:
        events.append(f"recorded {names[journal]}")
        acknowledge(db, journal, pushed, **kept)

    monkeypatch.setattr(ana.transport, "call", noted)
    monkeypatch.setattr(pushing, "acknowledge_pushed", recorded)
    report = await ana.sync()
    assert report.pushed == 6 and report.problems == []
    assert events == ["sent Personal", "sent Work", "recorded Personal", "recorded Work"]
    assert await ana.pending() == 0
