"""Records in live notices (protocol.md GET /v1/live, `records=1`): a device of the journal's
owner applies the records a notice carries without asking /v1/sync, with every check a page
gets; a notice that does not follow on from what the device holds makes it pull as before;
a lying notice (forged or altered records, a wrong `after`, `meta_version` or journal) can do
no more than a lying /v1/sync page; other journals still catch up; members, and devices that
did not ask, get notices without records."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from client_sdk import INSECURE_TEST_COST, Backoff, Client, crypto, wire
from client_sdk.live import live_url
from client_sdk.live import notices as live_notices
from client_sdk.transport import Transport
from server import live
from tests.client.hostile import HostileServer
from tests.client.test_live import HANG, watching
from tests.client.test_withholding import freeze
from tests.conftest import PASSWORD, ClientFactory

THERAPIST = "dr_tom"


class Notices:
    """A raw live socket of `client`'s session, as a second connection of its device."""

    def __init__(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        self.socket = socket

    async def next(self, journal_id: bytes) -> wire.LiveNotice:
        """The next "journal" notice for `journal_id` (others are skipped)."""
        async with asyncio.timeout(HANG):
            while True:
                message = await self.socket.receive()
                assert message.type == aiohttp.WSMsgType.BINARY, message
                notice = wire.decode(wire.LiveNotice, message.data)
                if notice.kind == wire.LIVE_JOURNAL and notice.journal_id == journal_id:
                    return notice


@asynccontextmanager
async def notices(client: Client, records: bool = True) -> AsyncIterator[Notices]:
    url = live_url(client.transport.base_url) + ("?" + wire.LIVE_RECORDS_QUERY if records else "")
    headers = {"Authorization": f"Bearer {client.transport.token}"}
    async with client.transport.session().ws_connect(url, headers=headers) as socket:
        hello = wire.decode(wire.LiveNotice, (await socket.receive()).data)
        assert hello.kind == wire.LIVE_HELLO
        yield Notices(socket)


def count_requests(client: Client) -> list[str]:
    """The paths `client` asks from now on (its own transport, wrapped: no server mock)."""
    paths: list[str] = []
    call_once = client.transport._call_once

    async def counted(path: str, message: Any, reply: Any, *args: Any) -> Any:
        paths.append(path)
        return await call_once(path, message, reply, *args)

    client.transport._call_once = counted  # type: ignore[method-assign]
    return paths


async def quiet(client: Client) -> None:
    """Two syncs: the second finds nothing to send and leaves the device quiet."""
    await client.sync()
    await client.sync()


async def personal(client: Client) -> bytes:
    return bytes.fromhex((await client.journals.get("Personal")).id)


async def bodies(client: Client) -> set[str]:
    return {entry.body for entry in await client.entries.list()}


async def test_a_watching_device_applies_a_notices_records_without_asking_the_server(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    phone = await login("ana")
    async with watching(phone) as watcher:
        asked = count_requests(phone)
        entry = await laptop.entries.write(None, "Written on the laptop", mood=6)
        await laptop.sync()
        report = await watcher.next_report()
        assert report.pulled == 1 and not report.problems
        assert report.trigger is not None and report.trigger.journal_id is not None
        # (the news names the laptop: its name is asked once, then kept: devices.py)
        assert "/v1/sync" not in asked, "the notice brought the record: no pull"
    [seen] = await phone.entries.list()
    assert (seen.id, seen.body, seen.mood) == (entry.id, "Written on the laptop", 6)
    cursors = {j.journal_id: j.cursor for j in await phone.store.journals()}
    assert cursors[await personal(phone)] == report.trigger.head


async def test_a_notice_applied_sync_leaves_last_synced_as_it_was(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """It asked the server nothing of the other journals, and the live channel does not
    announce every change (a journal renamed or made on another device: R31 F1): not a
    completed sync of them."""
    laptop = await signup("ana")
    phone = await login("ana")
    async with watching(phone) as watcher:
        before = await phone.last_synced()  # the catch-up sync after connecting
        asked = count_requests(phone)
        await laptop.entries.write(None, "Written on the laptop")
        await laptop.sync()
        report = await watcher.next_report()
        assert report.notice_only and "/v1/sync" not in asked, "the notice path was taken"
        after = await phone.last_synced()
    assert before is not None and after == before


async def test_a_notice_from_outside_the_watch_leaves_last_synced_as_it_was(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """A notice applied outside watch() (here, one from another socket of the device) came
    on no channel known to have told this device every change since its last sync: it
    asked the server nothing of the other journals, so it is not a completed sync of them."""
    laptop = await signup("ana")
    phone = await login("ana")
    await quiet(phone)
    before = await phone.last_synced()
    async with notices(phone) as live:
        await laptop.entries.write(None, "Written on the laptop")
        await laptop.sync()
        notice = await live.next(await personal(laptop))
    asked = count_requests(phone)
    report = await phone._sync(notice=notice)
    assert report.pulled == 1 and "/v1/sync" not in asked, "the notice path was taken"
    assert report.notice_only
    assert await phone.last_synced() == before
    await phone.sync()
    after = await phone.last_synced()
    assert before is not None and after is not None and after > before


async def test_a_notice_for_one_journal_pulls_only_it_and_a_later_sync_catches_up_the_other(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    sleep = bytes.fromhex((await laptop.journals.create("Sleep")).id)
    await laptop.sync()
    phone = await login("ana")
    await quiet(phone)
    journal = await personal(laptop)
    async with notices(phone) as live:
        await laptop.entries.write("Sleep", "Slept eight hours")
        await laptop.sync()
        in_sleep = await live.next(sleep)
        await laptop.entries.write("Personal", "A good day")
        await laptop.sync()
        in_personal = await live.next(journal)
    # Seqs are the server's across journals: Personal's notice starts after its own last
    # record (`after`), not after Sleep's.
    assert len(in_sleep.records) == len(in_personal.records) == 1
    assert in_personal.after < in_sleep.head < in_personal.head
    asked = count_requests(phone)
    report = await phone._sync(notice=in_personal)  # as watch() does for this notice
    assert report.pulled == 1 and "/v1/sync" not in asked
    assert await bodies(phone) == {"A good day"}, "only the journal the notice names"
    # Sleep's notice was lost (as while disconnected): the catch-up sync brings it.
    report = await phone.sync()
    assert report.pulled >= 1 and "/v1/sync" in asked
    assert await bodies(phone) == {"A good day", "Slept eight hours"}
    assert report.withheld == [] and report.incomplete == [] and not report.problems


LIES: dict[str, Callable[[wire.LiveNotice, bytes], wire.LiveNotice]] = {
    "after not the cursor": lambda n, _: dataclasses.replace(n, after=n.after + 1),
    "after behind the cursor": lambda n, _: dataclasses.replace(n, after=n.after - 1),
    "another meta_version": lambda n, _: dataclasses.replace(n, meta_version=n.meta_version + 1),
    "a journal not held": lambda n, _: dataclasses.replace(n, journal_id=bytes(16)),
    "a seq past the head": lambda n, _: dataclasses.replace(n, head=n.records[-1].seq - 1),
    "a future epoch": lambda n, _: dataclasses.replace(
        n, records=[dataclasses.replace(r, epoch=r.epoch + 1) for r in n.records]
    ),
    "a head past the last record": lambda n, _: dataclasses.replace(n, head=n.head + 1),
    "seqs not contiguous": lambda n, _: dataclasses.replace(
        n,
        head=n.head + 2,
        records=[
            *n.records,
            dataclasses.replace(n.records[-1], seq=n.head + 2, record_id=bytes(wire.ID_BYTES)),
        ],
    ),
    "a seq given twice": lambda n, _: dataclasses.replace(n, records=[*n.records, n.records[-1]]),
    "seqs descending": lambda n, _: dataclasses.replace(
        n,
        head=n.head + 1,
        records=[
            dataclasses.replace(n.records[-1], seq=n.head + 1, record_id=bytes(wire.ID_BYTES)),
            *n.records,
        ],
    ),
    "a hello that carries records": lambda n, _: dataclasses.replace(n, kind=wire.LIVE_HELLO),
    "an unknown kind": lambda n, _: dataclasses.replace(n, kind="journals"),
}


@pytest.mark.parametrize("lie", sorted(LIES))
async def test_a_lying_notice_only_makes_the_device_pull_as_before(
    signup: ClientFactory, login: ClientFactory, lie: str
) -> None:
    """Notices that do not follow on from what the device holds (or name what it does not)
    are not applied: the sync pulls, and ends with what an honest sync gives."""
    laptop = await signup("ana")
    other = bytes.fromhex((await laptop.journals.create("Sleep")).id)
    await laptop.sync()
    phone = await login("ana")
    await quiet(phone)
    async with notices(phone) as live:
        await laptop.entries.write(None, "The real entry")
        await laptop.sync()
        honest = await live.next(await personal(laptop))
    asked = count_requests(phone)
    report = await phone._sync(notice=LIES[lie](honest, other))
    assert "/v1/sync" in asked and not report.notice_only, "not applied: pulled instead"
    assert report.pulled == 1 and report.refused == 0 and not report.problems
    assert await bodies(phone) == {"The real entry"}
    assert report.withheld == [] and report.incomplete == []


async def test_altered_forged_or_misplaced_records_in_a_notice_are_refused_like_a_pages(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """Records that follow on from the cursor but do not open (altered, forged, or another
    journal's: the journal id is bound into every record's AEAD) are refused and stored
    nowhere, as in a /v1/sync page."""
    laptop = await signup("ana")
    sleep = bytes.fromhex((await laptop.journals.create("Sleep")).id)
    await laptop.sync()
    phone = await login("ana")
    await quiet(phone)
    journal = await personal(laptop)
    async with notices(phone) as live:
        honest = []
        for text in ("first", "second", "third"):
            await laptop.entries.write(None, text)
            await laptop.sync()
            honest.append(await live.next(journal))
    real = honest[0].records[0]
    altered = bytearray(real.ciphertext)
    altered[len(altered) // 2] ^= 1
    forged = wire.StoredRecord(
        honest[1].records[0].seq,
        crypto.random_bytes(wire.ID_BYTES),
        real.epoch,
        crypto.random_bytes(300),
    )
    lies = [
        dataclasses.replace(honest[0], records=[dataclasses.replace(real, ciphertext=altered)]),
        dataclasses.replace(honest[1], records=[forged]),
    ]
    for lie in lies:
        asked = count_requests(phone)
        report = await phone._sync(notice=lie)
        assert asked == [] and report.pulled == 0 and report.refused == 1, report.problems
    # Personal's third record, told as Sleep's, where the cursor and meta_version match.
    held = {j.journal_id: j for j in await phone.store.journals()}
    misplaced = dataclasses.replace(
        honest[2],
        journal_id=sleep,
        after=held[sleep].cursor,
        meta_version=held[sleep].meta_version,
        head=max(held[sleep].cursor + 1, honest[2].records[0].seq),
    )
    misplaced = dataclasses.replace(
        misplaced, records=[dataclasses.replace(honest[2].records[0], seq=misplaced.head)]
    )
    report = await phone._sync(notice=misplaced)
    assert report.pulled == 0 and report.refused == 1, report.problems
    assert await bodies(phone) == set(), "nothing of them is stored"


async def test_notices_carry_records_only_to_the_owners_devices_that_asked(
    signup: ClientFactory, login: ClientFactory
) -> None:
    ana = await signup("ana")
    phone = await login("ana")
    tom = await signup(THERAPIST)
    await ana.shares.grant(
        "Personal", THERAPIST, role="annotate", trust_on_first_use=True, full=True
    )
    await tom.sync()
    journal = await personal(ana)
    async with notices(phone) as asked, notices(phone, records=False) as plain:
        async with notices(tom) as member:
            await ana.entries.write(None, "Shared")
            await ana.sync()
            with_records = await asked.next(journal)
            without = await plain.next(journal)
            for_member = await member.next(journal)
    assert len(with_records.records) == 1 and with_records.after == with_records.head - 1
    # A device that did not ask gets the notice it always got, byte for byte.
    expected = wire.LiveNotice(wire.LIVE_JOURNAL, journal, with_records.head)
    assert without == for_member == expected
    assert wire.encode(without) == wire.encode(expected)
    # The member reads them with /v1/sync, which the owner's audit shows (R9 finding 9).
    assert (await tom.sync()).pulled >= 1


async def test_a_notice_after_an_incomplete_sync_makes_the_device_pull(
    signup: ClientFactory, login: ClientFactory, hostile: HostileServer, tmp_path: Path
) -> None:
    """A notice is taken only from the state a sync left with nothing incomplete: after a
    pull the server did not finish (it never says "done"), the next sync pulls again, and
    its report says the pull is incomplete, as every pull's does, where a notice-applied
    sync would have said nothing of it."""
    laptop = await signup("ana")
    sleep = bytes.fromhex((await laptop.journals.create("Sleep")).id)
    await laptop.sync()
    third = await login("ana")  # its socket brings the notice: the proxy serves POST alone
    phone = await Client.login(
        hostile.url,
        "ana",
        PASSWORD,
        home=tmp_path / "phone-via-proxy",
        device_name="phone",
        minimum_cost=INSECURE_TEST_COST,
    )
    try:
        await quiet(phone)
        cursors = {j.journal_id: j.cursor for j in await phone.store.journals()}
        hostile.replies["/v1/sync"] = freeze({sleep: cursors[sleep]}, done=False)  # type: ignore[assignment]
        assert (await phone.sync()).incomplete
        assert (await phone.sync()).incomplete
        async with notices(third) as live:
            await laptop.entries.write(None, "A good day")
            await laptop.sync()
            notice = await live.next(await personal(laptop))
        assert notice.records and notice.after == cursors[await personal(laptop)]
        asked = count_requests(phone)
        report = await phone._sync(notice=notice)
        assert "/v1/sync" in asked and not report.notice_only, "pulled, not taken"
        assert report.incomplete, "the pull the server does not finish is reported"
        assert report.withheld == [] and await bodies(phone) == {"A good day"}
    finally:
        await phone.close()


async def test_a_members_device_never_applies_a_notices_records(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """Records in notices are for the owner's devices (protocol.md): a member's device
    given the owner's notice (a server that sends it anyway) pulls with /v1/sync, which
    the owner's audit shows, and ends as an honest sync does."""
    ana = await signup("ana")
    phone = await login("ana")
    tom = await signup(THERAPIST)
    await ana.shares.grant("Personal", THERAPIST, role="read", trust_on_first_use=True, full=True)
    await tom.shares.verify("ana", await ana.shares.fingerprint())
    await quiet(tom)
    async with notices(phone) as live:
        await ana.entries.write(None, "Shared")
        await ana.sync()
        notice = await live.next(await personal(ana))
    held = {j.journal_id: j for j in await tom.store.journals()}
    assert held[notice.journal_id].cursor == notice.after, "it follows on from tom's copy"
    asked = count_requests(tom)
    report = await tom._sync(notice=notice)
    assert "/v1/sync" in asked, "not applied: pulled instead"
    assert report.pulled == 1 and not report.problems and report.withheld == []
    assert {e.body for e in await tom.entries.list(journal="ana/Personal")} == {"Shared"}


async def test_a_record_sent_twice_in_a_notice_is_counted_once(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    phone = await login("ana")
    await quiet(phone)
    async with notices(phone) as live:
        await laptop.entries.write(None, "Once")
        await laptop.sync()
        honest = await live.next(await personal(laptop))
    [record] = honest.records
    twice = dataclasses.replace(
        honest,
        head=record.seq + 1,
        records=[record, dataclasses.replace(record, seq=record.seq + 1)],
    )
    asked = count_requests(phone)
    report = await phone._sync(notice=twice)
    assert "/v1/sync" not in asked and report.pulled == 1 and not report.problems
    assert await bodies(phone) == {"Once"}


def test_a_messages_cached_defaults_cannot_be_changed() -> None:
    """wire._defaults is cached and shared: a list default is kept as a tuple, and a notice
    without records still encodes to the bytes of a sender that does not know the field."""
    defaults = dict(wire._defaults(wire.LiveNotice))
    assert defaults["records"] == ()
    plain = wire.LiveNotice(wire.LIVE_JOURNAL, bytes(16), 3)
    assert wire.encode(plain) == wire.encode(dataclasses.replace(plain, records=[]))
    assert b"records" not in wire.encode(plain)
    decoded = wire.decode(wire.LiveNotice, wire.encode(plain))
    assert (
        decoded.records == []
        and decoded.records is not wire.decode(wire.LiveNotice, wire.encode(plain)).records
    )


def repeated(notice: wire.LiveNotice, copies: int) -> wire.LiveNotice:
    """`notice` with its one record given `copies` times at seqs that follow one another: a
    notice that follows on from the device's cursor in every way (a record given twice is
    applied once: above), whose size alone can be wrong."""
    [record] = notice.records
    return dataclasses.replace(
        notice,
        head=record.seq + copies - 1,
        records=[dataclasses.replace(record, seq=record.seq + n) for n in range(copies)],
    )


@pytest.mark.parametrize("bound", ["records", "bytes"])
async def test_a_notice_past_the_protocols_bounds_only_makes_the_device_pull(
    signup: ClientFactory, login: ClientFactory, bound: str
) -> None:
    """A notice carries at most wire.MAX_LIVE_RECORDS records and wire.LIVE_RECORD_BYTES of
    ciphertext (protocol.md GET /v1/live): one past either bound is no hint, however well
    it follows on. The device pulls, and ends as an honest sync does; the same notice at
    the bound is applied."""
    laptop = await signup("ana")
    phone = await login("ana")
    await quiet(phone)
    text = "A short day." if bound == "records" else "A long day, written out. " * 800
    journal = await personal(laptop)
    async with notices(phone) as live:
        await laptop.entries.write(None, "first: " + text)
        await laptop.sync()
        first = await live.next(journal)
        size = len(first.records[0].ciphertext)
        if bound == "records":
            at = wire.MAX_LIVE_RECORDS
            assert at * size <= wire.LIVE_RECORD_BYTES, "only the count is past its bound"
        else:
            at = wire.LIVE_RECORD_BYTES // size
            assert 1 <= at < wire.MAX_LIVE_RECORDS, "only the bytes are past their bound"
        asked = count_requests(phone)
        report = await phone._sync(notice=repeated(first, at + 1))
        assert "/v1/sync" in asked and not report.notice_only, "not applied: pulled instead"
        assert report.pulled == 1 and report.refused == 0 and not report.problems
        assert report.withheld == [] and report.incomplete == []
        assert await bodies(phone) == {"first: " + text}
        await quiet(phone)
        await laptop.entries.write(None, "second: " + text)
        await laptop.sync()
        second = await live.next(journal)
    asked = count_requests(phone)
    report = await phone._sync(notice=repeated(second, at))
    assert "/v1/sync" not in asked and report.notice_only, "at the bound: applied"
    assert report.pulled == 1 and not report.problems
    assert await bodies(phone) == {"first: " + text, "second: " + text}


def largest_notices() -> list[wire.LiveNotice]:
    """Notices as large as the protocol lets a server make them: every number at its
    largest, the most records, the most ciphertext (spread evenly, or in one record)."""

    def notice(sizes: list[int]) -> wire.LiveNotice:
        records = [
            wire.StoredRecord(wire.U63 - n, bytes([255]) * wire.ID_BYTES, wire.U32, bytes(size))
            for n, size in enumerate(sizes)
        ]
        return wire.LiveNotice(
            "j" * 16, bytes(wire.ID_BYTES), wire.U63, wire.U63, wire.U63, records
        )

    most = wire.MAX_LIVE_RECORDS
    return [
        notice([wire.LIVE_RECORD_BYTES // most] * most),
        notice([wire.LIVE_RECORD_BYTES] + [0] * (most - 1)),
    ]


def test_the_largest_notice_the_protocol_allows_fits_the_frames_a_device_reads() -> None:
    for notice in largest_notices():
        assert len(wire.encode(notice)) <= wire.MAX_LIVE_NOTICE_BYTES


async def test_a_frame_past_the_protocols_bounds_ends_the_socket_unread() -> None:
    """A frame longer than the largest notice (wire.MAX_LIVE_NOTICE_BYTES), or one with more
    records than a notice may carry, is never yielded: the channel says it was lost and
    reconnects, and the new socket's hello starts the usual catch-up sync (Client.watch).
    The largest notice the protocol allows still gets through."""
    journal = bytes(wire.ID_BYTES)
    one = wire.StoredRecord(2, bytes(wire.ID_BYTES), 0, bytes(wire.MAX_LIVE_NOTICE_BYTES))
    too_long = wire.LiveNotice(wire.LIVE_JOURNAL, journal, 2, after=1, records=[one])
    assert wire.decode(wire.LiveNotice, wire.encode(too_long)) == too_long  # its length alone
    many = [wire.StoredRecord(2 + n, bytes(wire.ID_BYTES), 0, b"x") for n in range(65)]
    too_many = wire.LiveNotice(wire.LIVE_JOURNAL, journal, 66, after=1, records=many)
    largest = largest_notices()[0]
    frames = [wire.encode(too_long), wire.encode(too_many), wire.encode(largest)]
    served = 0

    async def serve(request: web.Request) -> web.WebSocketResponse:
        nonlocal served
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        await socket.send_bytes(wire.encode(wire.LiveNotice(wire.LIVE_HELLO, b"", 0)))
        if served < len(frames):
            served += 1
            await socket.send_bytes(frames[served - 1])
        async for _ in socket:  # until the device closes it
            pass
        return socket

    app = web.Application()
    app.router.add_get("/v1/live", serve)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    transport = Transport(str(server.make_url("")).rstrip("/"), token="t")
    seen: list[wire.LiveNotice | None] = []
    try:
        async with asyncio.timeout(HANG):
            channel = live_notices(transport, Backoff(first=0.01, cap=0.05))
            async with contextlib.aclosing(channel) as received:
                async for notice in received:
                    seen.append(notice)
                    if notice is not None and notice.kind != wire.LIVE_HELLO:
                        break
    finally:
        await transport.close()
        await server.close()
    hello = wire.LiveNotice(wire.LIVE_HELLO, b"", 0)
    assert seen == [hello, None, hello, None, hello, largest]


ROUNDS = 50


async def test_in_a_write_then_sync_loop_every_notice_to_a_watching_device_carries_records(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server puts records in a notice only for a socket with nothing on its way (a
    device on a slow link is not dropped behind notices of 72 KiB: server/live.py
    LiveHub.notify). A device that reads all the time always has nothing on its way when
    the next push comes: in the live benchmark's pattern (a write, then the writing
    device's sync; the other device watching) each of ROUNDS notices carries its record,
    and the watching device never asks /v1/sync."""
    offer = live.LiveSocket.offer
    carried: list[int] = []  # per "journal" notice: how many records it carries

    def counted(socket: live.LiveSocket, message: bytes) -> None:
        notice = wire.decode(wire.LiveNotice, message)
        if notice.kind == wire.LIVE_JOURNAL:
            carried.append(len(notice.records))
        offer(socket, message)

    laptop = await signup("ana")
    phone = await login("ana")
    async with watching(phone) as watcher:
        monkeypatch.setattr(live.LiveSocket, "offer", counted)
        asked = count_requests(phone)
        taken = 0
        for index in range(ROUNDS):
            await laptop.entries.write(None, f"live {index}")
            await laptop.sync()
            report = await watcher.next_report()
            assert report.pulled == 1 and not report.problems, report
            taken += report.notice_only
    assert carried == [1] * ROUNDS, carried
    assert taken == ROUNDS and "/v1/sync" not in asked, (taken, asked)
    assert len(await phone.entries.list()) == ROUNDS
