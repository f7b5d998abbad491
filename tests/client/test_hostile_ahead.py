"""A hostile server that lies only in the reply to the /v1/sync request a pull sends ahead
(`_Ahead` in client_sdk/replica.py: the pull's next request, sent while the page in hand is
verified and stored, issue 10).

Each lie is told twice, to two new devices of one account over the same records: once in
the reply to the first request sent ahead, once (asking ahead turned off) in the reply to
the same request sent the ordinary way. The two devices must end alike, after the lying
sync and after an honest one, and as each test says: a reply sent ahead is refused and
reported exactly as an ordinary one. ana's laptop writes straight to the real server; her
phones go through the hostile one."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import nacl.signing
import pytest
from aiohttp import web

from client_sdk import INSECURE_TEST_COST, Client, crypto, records, replica, wire
from client_sdk.documents import ENTRY, Document, EntryFields, new_entry_update
from client_sdk.sync import SyncReport
from tests.client.hostile import HostileServer
from tests.conftest import PASSWORD, ClientFactory, RunningServer

PAGE = 3
"""Records a pull asks for per request (`replica.PULL_PAGE`): a pull of a few replies."""

Rewrite = Callable[[wire.SyncRequest, wire.SyncReply, list[wire.SyncReply]], wire.SyncReply]
"""(request, the real reply to it, the real replies before it in the pull) -> the lie."""


@dataclass
class Lie:
    """A /v1/sync rewrite that lies in one reply of a pull: `ahead`, the reply to the first
    request the device sent ahead; else the reply to the request number `at` (from 0)."""

    rewrite: Rewrite
    ahead: bool
    at: int = -1
    meanwhile: Callable[[wire.SyncReply], wire.SyncReply] | None = None
    """A rewrite of every reply before the lie (None: the truth)."""
    after: bool = False
    """With `ahead`: the lie is in the reply to the first request sent after the next one
    (`_Ahead.send_after`, in a bulk pull), not to the first sent ahead."""
    sent_ahead: list[wire.SyncRequest] = field(default_factory=list)
    sent_after: list[wire.SyncRequest] = field(default_factory=list)
    taken: list[wire.SyncRequest] = field(default_factory=list)
    """Requests whose reply was one sent ahead (`_Ahead.take` handed it back)."""
    seen: list[wire.SyncRequest] = field(default_factory=list)
    real: list[wire.SyncReply] = field(default_factory=list)
    told: int | None = None
    """The number of the request whose reply was the lie."""

    def __call__(self, body: bytes, reply: bytes) -> bytes:
        request = wire.decode(wire.SyncRequest, body)
        real = wire.decode(wire.SyncReply, reply)
        number = len(self.seen)
        self.seen.append(request)
        self.real.append(real)
        if self.told is not None:
            return reply
        target = self.sent_after if self.after else self.sent_ahead
        before = self.ahead and not (target and request == target[0])
        if before or (not self.ahead and number != self.at):
            return wire.encode(self.meanwhile(real)) if self.meanwhile else reply
        self.told = number
        return wire.encode(self.rewrite(request, real, self.real[:-1]))

    def watch(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Note what the pull sends ahead and takes; with `ahead` off, send nothing ahead."""
        send, take = replica._Ahead.send, replica._Ahead.take
        send_after = replica._Ahead.send_after

        def noting_send(ahead: replica._Ahead, request: wire.SyncRequest, call: Any) -> None:
            self.sent_ahead.append(request)
            send(ahead, request, call)

        def noting_send_after(ahead: replica._Ahead, request: wire.SyncRequest, call: Any) -> None:
            self.sent_after.append(request)
            send_after(ahead, request, call)

        def noting_take(ahead: replica._Ahead, request: wire.SyncRequest) -> Any:
            task = take(ahead, request)
            if task is not None:
                self.taken.append(request)
            return task

        monkeypatch.setattr(replica._Ahead, "send", noting_send)
        monkeypatch.setattr(replica._Ahead, "send_after", noting_send_after)
        monkeypatch.setattr(replica._Ahead, "take", noting_take)
        if not self.ahead:
            monkeypatch.setattr(
                replica.Replica, "_worth_asking_ahead", staticmethod(lambda *args: False)
            )


@dataclass(frozen=True)
class Outcome:
    """What a device ends with after a sync: its report's findings, its entries, the
    records it refused, its cursors."""

    problems: list[str]
    refused: int
    incomplete: list[str]
    held_back: list[str]
    withheld: list[tuple[bytes, bytes, tuple[tuple[int, int], ...]]]
    entries: list[tuple[str, str]]
    refused_records: frozenset[bytes]
    cursors: dict[str, int]


async def outcome(phone: Client, report: SyncReport) -> Outcome:
    journals = await phone.store.journals()
    return Outcome(
        report.problems,
        report.refused,
        report.incomplete,
        [held.line() for held in report.held_back],
        sorted((g.journal_id, g.device, g.missing) for g in report.withheld),
        sorted((e.journal, e.body) for e in await phone.entries.list()),
        frozenset(p.record_id for p in await phone.problems()),
        {j.name: j.cursor for j in journals},
    )


@dataclass
class Ana:
    laptop: Client
    personal: bytes
    work: bytes
    bodies: list[tuple[str, str]]


@pytest.fixture
async def ana(signup: ClientFactory) -> Ana:
    """ana's laptop: 12 entries in Personal, 6 in Work, on the real server."""
    laptop = await signup("ana")
    await laptop.journals.create("Work")
    bodies = [("Personal", f"Personal {i}") for i in range(12)]
    bodies += [("Work", f"Work {i}") for i in range(6)]
    for journal, body in bodies:
        await laptop.entries.write(journal, body)
    await laptop.sync(strict=True)
    personal = bytes.fromhex((await laptop.journals.get("Personal")).id)
    work = bytes.fromhex((await laptop.journals.get("Work")).id)
    return Ana(laptop, personal, work, sorted(bodies))


async def pull_told(
    hostile: HostileServer,
    tmp_path: Path,
    lie: Lie,
    name: str,
    user: str = "ana",
    bulk: bool = False,
) -> tuple[Outcome, Outcome]:
    """A new phone of `user`'s through `hostile`: its first sync told `lie`, then an honest
    one; the outcome of each. `bulk`: its pages count as a bulk pull's (VERIFY_AHEAD_MIN)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(replica, "PULL_PAGE", PAGE)
        if bulk:  # every full page counts as a bulk pull's: the request after next is sent too
            monkeypatch.setattr(replica, "VERIFY_AHEAD_MIN", PAGE)
        lie.watch(monkeypatch)
        phone = await Client.login(
            hostile.url, user, PASSWORD, home=tmp_path / name, minimum_cost=INSECURE_TEST_COST
        )
        try:
            hostile.replies["/v1/sync"] = lie
            lying = await outcome(phone, await phone.sync())
            del hostile.replies["/v1/sync"]
            honest = await outcome(phone, await phone.sync())
        finally:
            hostile.replies.pop("/v1/sync", None)
            await phone.close()
    return lying, honest


async def told_both_ways(
    hostile: HostileServer,
    tmp_path: Path,
    rewrite: Rewrite,
    meanwhile: Callable[[wire.SyncReply], wire.SyncReply] | None = None,
    user: str = "ana",
    way: str = "next",
) -> tuple[Outcome, Outcome]:
    """The lie told in the reply to the first request sent ahead (`way` "after-next": to the
    first one a bulk pull sends after the next one, `_Ahead.send_after`), then the same lie in
    the reply to the same request sent the ordinary way (`meanwhile` rewriting the replies
    before it both times); asserts both devices end alike and returns the outcomes (the
    lying sync's, the honest one's)."""
    after = way == "after-next"
    ahead = Lie(rewrite, ahead=True, meanwhile=meanwhile, after=after)
    through_ahead = await pull_told(hostile, tmp_path, ahead, "phone-ahead", user, bulk=after)
    assert ahead.told is not None, "no request was sent ahead: the lie was never told"
    if after:
        lied_to = ahead.seen[ahead.told]
        assert ahead.sent_after[:1] == [lied_to] and lied_to in ahead.taken, "not used"
    else:
        assert ahead.taken[:1] == ahead.sent_ahead[:1], "the reply sent ahead was not the one used"

    ordinary = Lie(rewrite, ahead=False, at=ahead.told, meanwhile=meanwhile)
    the_ordinary_way = await pull_told(
        hostile, tmp_path, ordinary, "phone-ordinary", user, bulk=after
    )
    assert ordinary.sent_ahead == [] and ordinary.sent_after == []
    assert ordinary.told == ahead.told
    assert ordinary.seen[: ahead.told + 1] == ahead.seen[: ahead.told + 1], "not the same request"
    assert through_ahead == the_ordinary_way
    return through_ahead


@pytest.fixture(params=["next", "after-next"])
def way(request: pytest.FixtureRequest) -> str:
    """Which request sent ahead is lied to (`told_both_ways`)."""
    return str(request.param)


def server_records(live_server: RunningServer, journal_id: bytes) -> list[wire.StoredRecord]:
    """A journal's records as the server stores them (a compromised server reads them)."""
    path = live_server.data_dir / "journal.db"
    with contextlib.closing(sqlite3.connect(path)) as db:
        rows = db.execute(
            "SELECT seq, record_id, epoch, ciphertext FROM records WHERE journal_id = ? "
            "ORDER BY seq",
            (journal_id,),
        ).fetchall()
    return [wire.StoredRecord(s, bytes(r), e, bytes(c)) for s, r, e, c in rows]


def with_records(reply: wire.SyncReply) -> wire.JournalPage:
    """The first page of the reply that carries records (the lie needs one)."""
    return next(page for page in reply.pages if page.records)


def replace_page(reply: wire.SyncReply, page: wire.JournalPage) -> wire.SyncReply:
    pages = [page if p.journal_id == page.journal_id else p for p in reply.pages]
    return dataclasses.replace(reply, pages=pages)


# --- junk and forged records ---------------------------------------------------------------


def forged(laptop: Client, journal_id: bytes, seq: int) -> wire.StoredRecord:
    """A well-formed entry under the journal's real key, signed by a stranger's key."""
    document = Document(crypto.random_bytes(16), ENTRY)
    body = records.RecordBody(
        author=laptop.profile.account_id,
        device=laptop.profile.device_id,
        counter=10_000,
        doc_id=document.doc_id,
        doc_kind=ENTRY,
        kind=records.UPDATE,
        payload=new_entry_update(document, EntryFields(title="Forged", body="Never wrote"), 1),
        written_at=1,
    )
    record_id = crypto.random_bytes(16)
    key = laptop.replica._keys[(journal_id, 0)]
    stranger = nacl.signing.SigningKey.generate()
    return wire.StoredRecord(
        seq, record_id, 0, records.seal_record(key, journal_id, record_id, 0, body, stranger)
    )


async def test_junk_and_forged_records_in_the_reply_sent_ahead_are_refused_as_in_any_reply(
    hostile: HostileServer, ana: Ana, tmp_path: Path, way: str
) -> None:
    bad: set[bytes] = set()
    made: dict[tuple[bytes, int], wire.StoredRecord] = {}  # one forgery, told both ways

    def junk_and_forgeries(
        request: wire.SyncRequest, real: wire.SyncReply, before: list[wire.SyncReply]
    ) -> wire.SyncReply:
        page = with_records(real)
        first, *rest = page.records
        altered = bytearray(first.ciphertext)
        altered[len(altered) // 2] ^= 0x40
        last = page.records[-1].seq
        junk = wire.StoredRecord(last, b"\x07" * 16, 0, b"\x07" * 200)
        place = (page.journal_id, last)
        if place not in made:
            made[place] = forged(ana.laptop, *place)
        forgery = made[place]
        bad.update({first.record_id, junk.record_id, forgery.record_id})
        lied = [dataclasses.replace(first, ciphertext=bytes(altered)), *rest, junk, forgery]
        return replace_page(real, dataclasses.replace(page, records=lied))

    lying, honest = await told_both_ways(hostile, tmp_path, junk_and_forgeries, way=way)

    assert lying.refused == 3 and lying.refused_records == bad
    assert all(sum(r.hex() in line for line in lying.problems) == 1 for r in bad)
    # Every other record is kept: one entry short (the altered one), none made up.
    assert len(lying.entries) == len(ana.bodies) - 1 and set(lying.entries) < set(ana.bodies)
    # The altered record's counter never arrived, below later ones: withheld, every sync.
    assert lying.withheld and honest.withheld == lying.withheld
    assert honest.problems == [] and honest.refused_records == bad


# --- a lowered head (a rollback) -----------------------------------------------------------


async def test_a_head_lowered_in_the_reply_sent_ahead_is_a_rollback_as_in_any_reply(
    hostile: HostileServer, ana: Ana, tmp_path: Path, way: str
) -> None:
    def rolled_back(
        request: wire.SyncRequest, real: wire.SyncReply, before: list[wire.SyncReply]
    ) -> wire.SyncReply:
        furthest = max(request.cursors, key=lambda c: c.after)
        head = furthest.after - 1  # below what this device already received
        page = next(p for p in real.pages if p.journal_id == furthest.journal_id)
        return replace_page(real, dataclasses.replace(page, records=[], cursor=head, head=head))

    lying, honest = await told_both_ways(hostile, tmp_path, rolled_back, way=way)

    assert [line for line in lying.problems if "rolled back" in line], lying.problems
    assert lying.refused == 0 and lying.refused_records == frozenset()
    assert honest.entries == ana.bodies and honest.problems == [] and honest.withheld == []


# --- a cursor behind the request -------------------------------------------------------------


async def test_a_cursor_behind_the_request_sent_ahead_is_refused_as_in_any_reply(
    hostile: HostileServer, ana: Ana, tmp_path: Path, way: str
) -> None:
    """A page whose cursor is below the `after` asked (its records as sent) would move the
    device's cursor back: refused and reported, the cursor kept, and the pull goes on from
    it (the next reply is the truth)."""
    asked: list[int] = []

    def behind(
        request: wire.SyncRequest, real: wire.SyncReply, before: list[wire.SyncReply]
    ) -> wire.SyncReply:
        furthest = max(request.cursors, key=lambda c: c.after)
        asked.append(furthest.after)
        page = next(p for p in real.pages if p.journal_id == furthest.journal_id)
        return replace_page(real, dataclasses.replace(page, cursor=furthest.after - 1))

    lying, honest = await told_both_ways(hostile, tmp_path, behind, way=way)

    assert asked[0] == asked[1] > 0
    [line] = lying.problems
    assert f"put the cursor at {asked[0] - 1}, below the position {asked[0]}" in line
    assert lying.refused == 0 and lying.incomplete == [] and lying.withheld == []
    assert lying.entries == ana.bodies  # nothing lost: the records came in the next reply
    assert honest.problems == [] and honest.entries == ana.bodies


# --- `done` with a `next_journal` ------------------------------------------------------------


async def test_done_with_a_next_journal_in_the_reply_sent_ahead_is_incomplete_as_in_any_reply(
    hostile: HostileServer, ana: Ana, tmp_path: Path, way: str
) -> None:
    short: list[bool] = []  # whether the page kept stopped before its head, each time told

    def done_naming_a_next_slice(
        request: wire.SyncRequest, real: wire.SyncReply, before: list[wire.SyncReply]
    ) -> wire.SyncReply:
        first = min(page.journal_id for page in real.pages)
        kept = [page for page in real.pages if page.journal_id == first]
        short.append(kept[0].cursor < kept[0].head)
        return wire.SyncReply(kept, True, first)

    lying, honest = await told_both_ways(hostile, tmp_path, done_naming_a_next_slice, way=way)

    assert replica.DONE_WITH_NEXT in lying.incomplete
    # The journal the reply left out is reported, and so is the one it left short, if so.
    assert sum("sent nothing about this journal" in line for line in lying.incomplete) == 1
    assert short[0] == short[1]
    assert sum("sent nothing after" in line for line in lying.incomplete) == short[0]
    assert len(lying.entries) < len(ana.bodies)
    assert honest.entries == ana.bodies and honest.incomplete == [] and honest.withheld == []


# --- records of another journal ------------------------------------------------------------


async def test_another_journals_records_in_the_reply_sent_ahead_are_refused_as_in_any_reply(
    hostile: HostileServer, ana: Ana, tmp_path: Path, way: str, live_server: RunningServer
) -> None:
    moved: set[bytes] = set()
    at_the_end: list[bool] = []  # whether the page lied about is its journal's last

    def from_another_journal(
        request: wire.SyncRequest, real: wire.SyncReply, before: list[wire.SyncReply]
    ) -> wire.SyncReply:
        page = with_records(real)
        at_the_end.append(page.cursor >= page.head)
        other = ana.work if page.journal_id == ana.personal else ana.personal
        theirs = server_records(live_server, other)[: len(page.records)]
        swapped = [  # the other journal's records, at this page's places
            dataclasses.replace(record, seq=mine.seq)
            for record, mine in zip(theirs, page.records, strict=True)
        ]
        moved.update(record.record_id for record in swapped)
        return replace_page(real, dataclasses.replace(page, records=swapped))

    lying, honest = await told_both_ways(hostile, tmp_path, from_another_journal, way=way)

    assert lying.refused == len(moved) == PAGE and lying.refused_records == moved
    assert all(sum(r.hex() in line for line in lying.problems) == 1 for r in moved)
    assert len(lying.entries) == len(ana.bodies) - PAGE and set(lying.entries) < set(ana.bodies)
    # The records displaced are withheld, every sync; but where the request after the next
    # one (whose place depends on the journals' random ids) asks a journal's last page: no
    # counter comes after theirs, so neither device can tell (both end alike, above).
    assert lying.withheld or (way == "after-next" and at_the_end[0])
    assert honest.withheld == lying.withheld


# --- a journal of an unverified owner ---------------------------------------------------------


@pytest.mark.usefixtures("uncompressed_records")  # records as large as their text
async def test_an_unverified_owners_page_in_the_reply_sent_ahead_is_cut_at_the_budget(
    hostile: HostileServer, signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    """The pull asks nothing ahead while a page is of a journal whose owner is not verified
    (its page may be cut at the budget, hold_back.py), so the server leaves that journal out
    of the replies until it is asked ahead, then sends all of it (800 KB) in the reply sent
    ahead: cut at the budget and held back, as in any reply."""
    vera, stranger = await signup("vera"), await signup("stranger")
    mine = "Personal"  # vera's records go to a journal whose id sorts in the lower half, so
    for n in range(20):  # that one of the stranger's sorts after it soon (ids are random)
        if (await vera.journals.get(mine)).id < "80":
            break
        mine = f"Mine {n}"
        await vera.journals.create(mine)
    for n in range(12):
        await vera.entries.write(mine, f"mine {n}")
    await vera.sync(strict=True)
    own = bytes.fromhex((await vera.journals.get(mine)).id)
    name = "Personal"  # the stranger's journal shared: one whose id sorts after vera's
    for n in range(40):
        if bytes.fromhex((await stranger.journals.get(name)).id) > own:
            break
        name = f"Shared {n}"
        await stranger.journals.create(name)
    shared = bytes.fromhex((await stranger.journals.get(name)).id)
    assert shared > own  # vera's records fill the replies first: the pull is going well
    await stranger.shares.grant(name, "vera", trust_on_first_use=True, full=True)
    for n in range(8):  # written after the share: records vera keeps, 100 KB each
        await stranger.entries.write(name, crypto.random_bytes(50_000).hex(), title=f"s{n}")
    await stranger.sync(strict=True)
    whole = server_records(live_server, shared)

    def left_out(reply: wire.SyncReply) -> wire.SyncReply:
        return dataclasses.replace(reply, pages=[p for p in reply.pages if p.journal_id != shared])

    def all_of_it(
        request: wire.SyncRequest, real: wire.SyncReply, before: list[wire.SyncReply]
    ) -> wire.SyncReply:
        page = next(p for p in real.pages if p.journal_id == shared)
        head = max(page.head, whole[-1].seq)
        big = dataclasses.replace(page, records=whole, cursor=head, head=head)
        return replace_page(real, big)

    lying, honest = await told_both_ways(hostile, tmp_path, all_of_it, left_out, user="vera")

    assert len(lying.held_back) == 1 and "stranger" in lying.held_back[0]
    theirs = [body for journal, body in lying.entries if journal != mine]
    assert 0 < len(theirs) < 8  # cut at the budget
    assert lying.problems == [] and lying.refused == 0
    assert honest.held_back == lying.held_back and honest.entries == lying.entries


# --- a reply made for another request --------------------------------------------------------


async def test_a_replayed_reply_to_the_request_sent_ahead_is_no_progress_as_in_any_reply(
    hostile: HostileServer, ana: Ana, tmp_path: Path, way: str
) -> None:
    def the_previous_reply(
        request: wire.SyncRequest, real: wire.SyncReply, before: list[wire.SyncReply]
    ) -> wire.SyncReply:
        return before[-1]  # what the device asked before this, again

    lying, honest = await told_both_ways(hostile, tmp_path, the_previous_reply, way=way)

    assert lying.entries == ana.bodies and lying.problems == [] and lying.incomplete == []
    assert honest == lying


async def test_the_first_reply_again_for_the_request_sent_ahead_is_handled_as_in_any_reply(
    hostile: HostileServer, ana: Ana, tmp_path: Path, way: str
) -> None:
    def the_first_reply(
        request: wire.SyncRequest, real: wire.SyncReply, before: list[wire.SyncReply]
    ) -> wire.SyncReply:
        return before[0]  # the reply to cursors at the start: pages behind what was asked

    lying, honest = await told_both_ways(hostile, tmp_path, the_first_reply, way=way)

    # Pages behind the request are refused and reported (a cursor is never moved back), and
    # the pull goes on from what was received.
    assert lying.entries == ana.bodies and lying.incomplete == [] and lying.withheld == []
    assert lying.problems and all("below the position" in line for line in lying.problems)
    assert honest.problems == [] and (honest.entries, honest.cursors) == (
        lying.entries,
        lying.cursors,
    )


async def test_a_reply_sent_ahead_for_a_request_the_pull_then_does_not_ask_is_never_used(
    hostile: HostileServer,
    ana: Ana,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The pull learns a journal while a request is on its way ahead (a page's `meta_version`
    changed: the list is read again, and now names "Late"), so it then asks another request.
    The reply to the one sent ahead (here all lies) must not be used for it."""
    late = bytes.fromhex((await ana.laptop.journals.create("Late")).id)
    await ana.laptop.entries.write("Late", "Late 0")
    await ana.laptop.sync(strict=True)
    bodies = sorted([*ana.bodies, ("Late", "Late 0")])
    shown = asyncio.Event()  # "Late" is listed from now on
    told = asyncio.Event()  # the reply to the request sent ahead was the lie

    def listed(request: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.JournalList, reply)
        if shown.is_set():
            return reply
        return wire.encode(
            dataclasses.replace(real, journals=[j for j in real.journals if j.journal_id != late])
        )

    def all_lies(
        request: wire.SyncRequest, real: wire.SyncReply, before: list[wire.SyncReply]
    ) -> wire.SyncReply:
        pages = []
        for page in real.pages:
            after = next((c.after for c in request.cursors if c.journal_id == page.journal_id), 0)
            junk = wire.StoredRecord(after + 1, b"\x09" * 16, 0, crypto.random_bytes(120))
            pages.append(dataclasses.replace(page, records=[junk], cursor=after + 1))
        told.set()
        return wire.SyncReply(pages, False)

    lie = Lie(all_lies, ahead=True)

    def sync_replies(request: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.SyncReply, reply)
        if not shown.is_set():
            real = dataclasses.replace(real, pages=[p for p in real.pages if p.journal_id != late])
            if len(lie.seen) == 1:  # the pull's second reply: its first page's meta changed
                first = real.pages[0]
                bumped = dataclasses.replace(first, meta_version=first.meta_version + 1)
                real = replace_page(real, bumped)
                shown.set()
        return lie(request, wire.encode(real))

    forward = hostile.forward

    async def list_once_the_lie_is_told(
        session: aiohttp.ClientSession, request: web.Request
    ) -> web.Response:
        if request.path == "/v1/journals/list" and shown.is_set():
            await asyncio.wait_for(told.wait(), 60)  # the lie reaches the device first
        return await forward(session, request)

    hostile.replies["/v1/journals/list"] = listed
    monkeypatch.setattr(hostile, "forward", list_once_the_lie_is_told)
    monkeypatch.setattr(replica, "PULL_PAGE", PAGE)
    lie.watch(monkeypatch)
    phone = await Client.login(
        hostile.url, "ana", PASSWORD, home=tmp_path / "phone", minimum_cost=INSECURE_TEST_COST
    )
    try:
        assert "Late" not in {j.name for j in await phone.journals.list()}
        hostile.replies["/v1/sync"] = sync_replies
        report = await phone.sync()
        assert lie.told is not None and told.is_set(), "no request was sent ahead"
        assert lie.sent_ahead[0] not in lie.taken  # the pull asked another request
        assert all(late not in {c.journal_id for c in r.cursors} for r in lie.sent_ahead[:1])
        assert report.problems == [] and report.incomplete == [] and report.withheld == []
        assert await phone.problems() == []
        assert sorted((e.journal, e.body) for e in await phone.entries.list()) == bodies
    finally:
        await phone.close()
