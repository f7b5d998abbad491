"""Meta notices (protocol.md GET /v1/live, "Meta notices"): the server tells every device of
every account concerned, but the device that made it, that a journal was made, renamed,
deleted, shared or unshared, or that a member left; the notice names nothing (a removed
member's device learns only that something changed); a watching device runs one ordinary
sync for it (one for a burst of them), which brings the change as it verifies it.

WATCH_FULL_SYNC_S is made a day here, so no timed sync runs during a test: each change
arrives by its notice. Real server on 127.0.0.1 on both backends (PostgreSQL's notices go
between processes by pg_notify); every wait ends on a report or a notice."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import aiohttp
import pytest

import client_sdk.client as client
from client_sdk import INSECURE_TEST_COST, Backoff, Client, Notice, wire
from server.routes import LIVE_PATH
from tests.client.sharing_support import journal_id, share_with
from tests.client.test_live import HANG, Watcher, watching
from tests.conftest import BACKENDS, PASSWORD, ClientFactory, RunningServer

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)

NAMELESS = wire.LiveNotice(wire.LIVE_META, b"", 0)
"""The only meta notice a server sends: no journal, no head, no records."""


@pytest.fixture(autouse=True)
def no_timed_sync(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client, "WATCH_FULL_SYNC_S", 24 * 3600.0)


async def until(watcher: Watcher, done: Callable[[], Awaitable[bool]]) -> list[Notice | None]:
    """The triggers of the reports read until `done()` (an async predicate) holds after one
    (at least one is read: the change under test is made after the watch's catch-up sync,
    so a sync of the watch brings it)."""
    triggers: list[Notice | None] = []
    async with asyncio.timeout(HANG):
        while True:
            triggers.append((await watcher.reports.get()).trigger)
            if await done():
                return triggers


META = Notice(False, None, 0, meta=True)
TIMED = Notice(False, None, 0)


def by_notices(triggers: list[Notice | None]) -> bool:
    """Every sync read was started by a notice of the change (meta, or a journal's for the
    records pushed with it): none by a reconnection or the timer."""
    return bool(triggers) and all(
        t is not None and not t.connected and t != TIMED for t in triggers
    )


def by_meta(triggers: list[Notice | None]) -> bool:
    """The syncs read were started by meta notices: the change pushed no record."""
    return bool(triggers) and all(t == META for t in triggers)


async def test_a_watching_members_device_learns_of_its_revocation_at_once(
    signup: ClientFactory, login: ClientFactory
) -> None:
    ana, tom_laptop = await signup("ana"), await signup("tom")
    await ana.entries.write("Personal", "Long week.")
    await share_with(ana, tom_laptop, role="annotate")
    await ana.sync()
    tom_phone = await login("tom")
    await tom_phone.sync()
    shared = sorted((j.name, j.role) for j in await tom_phone.journals.list())
    assert ("ana/Personal", "annotate") in shared
    async with watching(tom_phone) as watcher:
        await ana.shares.revoke("Personal", "tom")

        async def ended() -> bool:
            return sorted((j.name, j.role) for j in await tom_phone.journals.list()) != shared

        triggers = await until(watcher, ended)
        seen = sorted((j.name, j.role) for j in await tom_phone.journals.list())
    assert by_meta(triggers), triggers
    await tom_phone.sync()  # what an ordinary sync makes of it: the reference
    assert seen == sorted((j.name, j.role) for j in await tom_phone.journals.list())
    assert ("ana/Personal", "annotate") not in seen


async def test_a_rename_on_another_device_reaches_a_watching_device_at_once(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    await laptop.journals.create("Sleep")
    await laptop.sync()
    phone = await login("ana")
    async with watching(phone) as watcher:
        before = await phone.last_synced()
        await laptop.journals.rename("Sleep", "Rest")

        async def renamed() -> bool:
            return "Rest" in {j.name for j in await phone.journals.list()}

        triggers = await until(watcher, renamed)
        synced = await phone.last_synced()
    assert by_meta(triggers), triggers
    assert before is not None and synced is not None and synced > before  # an ordinary sync


async def test_a_journal_made_on_another_device_reaches_a_watching_device_at_once(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    phone = await login("ana")
    async with watching(phone) as watcher:
        await laptop.journals.create("Sleep")

        async def made() -> bool:
            return "Sleep" in {j.name for j in await phone.journals.list()}

        assert by_meta(await until(watcher, made))


async def test_a_share_made_on_another_device_reaches_the_owners_and_the_members_devices(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop, tom_laptop = await signup("ana"), await signup("tom")
    phone, tom_phone = await login("ana"), await login("tom")
    async with watching(phone) as ana_watch, watching(tom_phone) as tom_watch:
        await share_with(laptop, tom_laptop, role="read")

        async def listed() -> bool:
            return [s.member_name for s in await phone.replica.current_shares()] == ["tom"]

        async def received() -> bool:
            return ("ana/Personal", "read") in {
                (j.name, j.role) for j in await tom_phone.journals.list()
            }

        # The grant may push records too (journal notices): either notice brings it.
        assert by_notices(await until(ana_watch, listed))
        assert by_notices(await until(tom_watch, received))


async def test_a_member_who_leaves_reaches_the_owners_watching_device_and_their_own(
    signup: ClientFactory, login: ClientFactory
) -> None:
    ana, tom_laptop = await signup("ana"), await signup("tom")
    await share_with(ana, tom_laptop)
    await ana.sync()
    await tom_laptop.sync()
    tom_phone = await login("tom")
    await tom_phone.sync()
    assert [s.member_name for s in await ana.replica.current_shares()] == ["tom"]
    assert ("ana/Personal", "read") in {(j.name, j.role) for j in await tom_phone.journals.list()}
    async with watching(ana) as ana_watch, watching(tom_phone) as tom_watch:
        await tom_laptop.shares.leave("ana/Personal")

        async def dropped() -> bool:
            return await ana.replica.current_shares() == []

        async def gone() -> bool:
            return ("ana/Personal", "read") not in {
                (j.name, j.role) for j in await tom_phone.journals.list()
            }

        assert by_meta(await until(ana_watch, dropped))
        assert by_meta(await until(tom_watch, gone))


async def test_a_deleted_journal_leaves_its_members_watching_device_at_once(
    signup: ClientFactory,
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await ana.journals.create("Sleep")
    await share_with(ana, tom, "Sleep")
    await ana.sync()
    await tom.sync()
    assert ("ana/Sleep", "read") in {(j.name, j.role) for j in await tom.journals.list()}
    async with watching(tom) as watcher:
        await ana.journals.delete("Sleep")

        async def deleted() -> bool:
            return not any(
                j.name == "ana/Sleep" and j.role == "read" for j in await tom.journals.list()
            )

        assert by_meta(await until(watcher, deleted))


async def test_an_erased_account_reaches_the_watching_devices_of_its_shares_at_once(
    signup: ClientFactory,
) -> None:
    """zoe shares her journal with tom and is a member of ben's; she erases her account:
    tom's watching device loses her journal, ben's drops her from his shares."""
    zoe, tom, ben = await signup("zoe"), await signup("tom"), await signup("ben")
    await share_with(zoe, tom)
    await share_with(ben, zoe)
    for device in (zoe, tom, ben, zoe):
        await device.sync()
    assert [j.read_only_copy for j in await tom.journals.list() if j.name == "zoe/Personal"] == [
        False
    ]
    assert [s.expired for s in await ben.shares.list() if s.member == "zoe"] == [False]
    async with watching(tom) as tom_watch, watching(ben) as ben_watch:
        await zoe.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)

        async def lost() -> bool:
            return all(
                j.read_only_copy for j in await tom.journals.list() if j.name == "zoe/Personal"
            )

        async def dropped() -> bool:
            return all(s.expired for s in await ben.shares.list() if s.member == "zoe")

        assert by_meta(await until(tom_watch, lost))
        assert by_meta(await until(ben_watch, dropped))


# --- what each socket is sent: nothing to an account not concerned, nothing named ----------


@asynccontextmanager
async def socket_of(
    server: RunningServer, device: Client
) -> AsyncIterator[aiohttp.ClientWebSocketResponse]:
    """A live socket of `device`'s session, past its hello (so registered on the server)."""
    headers = {"Authorization": f"Bearer {device.profile.token}"}
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(server.url + LIVE_PATH, headers=headers) as socket,
    ):
        assert (await read(socket)).kind == wire.LIVE_HELLO
        yield socket


async def read(socket: aiohttp.ClientWebSocketResponse) -> wire.LiveNotice:
    message = await asyncio.wait_for(socket.receive(), HANG)
    assert message.type == aiohttp.WSMsgType.BINARY, message
    return wire.decode(wire.LiveNotice, message.data)


async def before_marker(
    socket: aiohttp.ClientWebSocketResponse, marker: bytes
) -> list[wire.LiveNotice]:
    """Every notice the socket gets before the journal notice of `marker` (a push made after
    everything under test: one socket's notices come in the order they were published)."""
    got: list[wire.LiveNotice] = []
    while (notice := await read(socket)).kind != wire.LIVE_JOURNAL or notice.journal_id != marker:
        got.append(notice)
    return got


async def test_meta_notices_name_nothing_and_reach_no_account_that_is_not_concerned(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    """ana makes, renames, shares, unshares and deletes a journal. Tom (a member for a
    while) gets meta notices that name nothing, and none about the journal once removed;
    eve (no member) and ana's device that made the changes get no meta notice at all."""
    ana, tom, eve = await signup("ana"), await signup("tom"), await signup("eve")
    ana_phone, tom_phone, eve_phone = await login("ana"), await login("tom"), await login("eve")
    async with (
        socket_of(live_server, ana) as ana_socket,
        socket_of(live_server, tom) as tom_socket,
        socket_of(live_server, eve) as eve_socket,
    ):
        await ana.journals.create("Sleep")
        await ana.journals.rename("Sleep", "Rest")
        await share_with(ana, tom, "Rest")
        await ana.shares.revoke("Rest", "tom")
        await ana.journals.delete("Rest")
        markers = {}
        for device in (ana_phone, tom_phone, eve_phone):  # a push of each account, last
            await device.entries.write("Personal", "marker")
            await device.sync()
            markers[device.username] = await journal_id(device, "Personal")
        to_ana = await before_marker(ana_socket, markers["ana"])
        to_tom = await before_marker(tom_socket, markers["tom"])
        to_eve = await before_marker(eve_socket, markers["eve"])
    assert to_eve == []
    assert [n for n in to_ana if n.kind == wire.LIVE_META] == []  # its own changes
    metas = [n for n in to_tom if n.kind == wire.LIVE_META]
    assert len(metas) >= 2 and all(n == NAMELESS for n in metas)  # shared, then removed
    # Rest never held a record: no journal notice either.
    assert [n for n in to_tom if n.kind != wire.LIVE_META] == []


# --- a burst of meta notices costs one sync --------------------------------------------------


async def test_a_burst_of_meta_notices_costs_one_sync_and_fake_ones_change_nothing(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Five meta notices read at once (here a stand-in channel yields them, as a server
    that sends them endlessly or a burst of real changes would; the syncs go to the real
    server) start one ordinary sync, not five; it finds nothing changed, as the notices
    announced nothing true. A journal notice read with them, before that sync started, is
    brought by it: no sync of its own (rev33d F4: notices coalesce)."""
    ana = await signup("ana")
    journal = await journal_id(ana, "Personal")
    names = sorted((j.name, j.role) for j in await ana.journals.list())
    marker = wire.LiveNotice(wire.LIVE_JOURNAL, journal, 10**6)
    burst = asyncio.Event()

    async def channel(
        backoff: Backoff,
    ) -> AsyncGenerator[tuple[Notice, wire.LiveNotice | None], None]:
        yield Notice(True, None, 0), wire.LiveNotice(wire.LIVE_HELLO, b"", 0)
        await burst.wait()  # after the catch-up sync: all five arrive together
        for _ in range(5):
            yield Notice(False, None, 0, meta=True), NAMELESS
        yield Notice(False, journal.hex(), marker.head), marker
        await asyncio.Event().wait()  # then nothing more

    monkeypatch.setattr(ana, "_live", channel)
    watcher = Watcher(ana)
    try:
        first = await watcher.next_report()
        burst.set()
        second = await watcher.next_report()
        with pytest.raises(TimeoutError):  # the journal notice too: one sync, not six
            await watcher.next_report(timeout=1.0)
    finally:
        watcher.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher.task
    assert first.trigger is not None and first.trigger.connected
    assert second.trigger == Notice(False, None, 0, meta=True) and not second.notice_only
    assert sorted((j.name, j.role) for j in await ana.journals.list()) == names
    assert second.pulled == 0 and second.rollbacks == [] and second.problems == []
