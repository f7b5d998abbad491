"""Records refused because their epoch's key was refused wait for a key that verifies, and
are pulled again by a later sync; a hostile server cannot use that wait to hide a record,
to get past the bound on unverified owners, or to end the sync.

- A waiting record stays kept as a problem (`Client.problems()`) and is told at every sync
  until that record itself (same id, epoch and seq) is applied, or refused for another
  reason that is told; a server that does not serve it again, or serves something else in
  its place, hides nothing.
- The pull again takes only the waiting records (nothing else below the cursor) and counts
  them against the bound on unverified owners' journals (hold_back.py).
- A share that ends just before the pull again is told; the sync goes on.
- Key pages refused are asked again at most once a sync; the waiting rows are bounded, and
  a bound reached is told; rows of a journal whose share ended stay (told once) until the
  journal leaves the device.

Real server on loopback (its database edited as a hostile server would; the hostile proxy
where a request is rewritten), real SQLite store, real crypto."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from typing import Any

import nacl.utils
import pytest

from client_sdk import Client, wire
from client_sdk import replica as replica_module
from client_sdk import store as store_module
from client_sdk.hold_back import UNVERIFIED_SHARE_BYTES
from client_sdk.replica import KEY_WAITS
from client_sdk.sync import SyncReport
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import journal_id, server_db, share_with
from tests.client.test_listed_key_envelopes import (
    _lines_of,
    _listed_as,
    _opened,
    _put_back,
    _refused_envelope_and_record,
    _server_envelopes,
)
from tests.conftest import ClientFactory, RunningServer


def _told(report: SyncReport) -> str:
    return " ".join(report.problems + report.incomplete) + " ".join(str(g) for g in report.withheld)


async def _kept(kim: Client, shared: bytes) -> list[bytes]:
    return [p.record_id for p in await kim.problems() if p.journal_id == shared]


def _take_record(server: RunningServer, shared: bytes, record_id: bytes) -> tuple[Any, ...]:
    """Delete a record from the server's database; returns its row (to put it back)."""
    with closing(sqlite3.connect(server_db(server))) as db, db:
        db.row_factory = None
        columns = [r[1] for r in db.execute("PRAGMA table_info(records)")]
        row = db.execute(
            "SELECT * FROM records WHERE journal_id = ? AND record_id = ?", (shared, record_id)
        ).fetchone()
        db.execute(
            "DELETE FROM records WHERE journal_id = ? AND record_id = ?", (shared, record_id)
        )
    return (columns, row)


def _restore_record(server: RunningServer, taken: tuple[Any, ...]) -> None:
    columns, row = taken
    with closing(sqlite3.connect(server_db(server))) as db, db:
        db.execute(
            f"INSERT INTO records ({', '.join(columns)}) VALUES ({', '.join('?' * len(row))})",
            row,
        )


async def test_a_waiting_record_not_served_again_is_told_at_every_sync_until_it_opens(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    """Once kim's key verifies, the server does not serve the waiting record again: it stays
    a problem, waits, and each sync tells it (it was dropped from every report, its problem
    row deleted before a pull that never brought it). Served again, it opens, once asked
    again (after 2 syncs: it was not served twice), and is no longer a problem."""
    _ana, kim, shared, kims = await _refused_envelope_and_record(signup, live_server)
    report = await kim.sync()
    lines = _lines_of(report.problems, shared)
    assert len(lines) == 1 and "pulled again once this device holds one" in lines[0], lines
    waiting = await _kept(kim, shared)
    assert len(waiting) == 1
    assert await kim.store.setting(KEY_WAITS)

    taken = _take_record(live_server, shared, waiting[0])
    _put_back(live_server, shared, kim.profile.account_id, kims)
    for _ in range(2):  # told at every sync while it waits
        report = await kim.sync()
        assert await _opened(kim, shared) == []
        assert waiting[0].hex() in _told(report), report.problems
        assert "not served again by the server" in _told(report), report.problems
        assert await _kept(kim, shared) == waiting
        assert await kim.store.setting(KEY_WAITS)

    # Not served twice in a row: asked again after 2 syncs (the first one tells it resting).
    _restore_record(live_server, taken)
    report = await kim.sync()
    assert await _opened(kim, shared) == []
    assert "the server did not serve them when last asked" in _told(report), report.problems
    assert await _kept(kim, shared) == waiting
    report = await kim.sync()
    assert await _opened(kim, shared) == ["first"]
    assert _lines_of(report.problems, shared) == [], report.problems
    assert await _kept(kim, shared) == []
    assert await kim.store.setting(KEY_WAITS) is None
    await kim.close()


async def test_a_waiting_record_with_another_served_at_its_seq_stays_waiting(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    """The server serves, at the waiting records' highest seq, a record kim holds already
    (its "zero") and none of the waiting ones: the pull again reached past their seqs, yet
    they are not received, so they still wait, kept and told ("first" was ana's last
    record: no counter gap would tell it)."""
    ana = await signup("ana")
    kim = await signup("kim")
    ben = await signup("ben")
    carl = await signup("carl")
    await share_with(ana, ben)  # epoch 1
    await share_with(ana, kim)  # epoch 2
    await ana.entries.write("Personal", "zero")
    await ana.sync()
    await kim.sync()
    shared = await journal_id(ana, "Personal")
    assert await _opened(kim, shared) == ["zero"]
    await share_with(ana, carl)  # epoch 3: kim's key of it not held yet
    await ana.entries.write("Personal", "first")
    await ana.sync()
    kims = _server_envelopes(live_server, shared, kim.profile.account_id)
    _listed_as(live_server, shared, kim.profile.account_id, ben.profile.account_id)

    report = await kim.sync()
    assert report.refused >= 1, report.problems
    waiting = await _kept(kim, shared)
    assert len(waiting) == report.refused
    assert await kim.store.setting(KEY_WAITS)

    with closing(sqlite3.connect(server_db(live_server))) as db, db:
        seqs = []
        for record_id in waiting:
            (seq,) = db.execute(
                "SELECT seq FROM records WHERE journal_id = ? AND record_id = ?",
                (shared, record_id),
            ).fetchone()
            seqs.append(seq)
            db.execute(
                "DELETE FROM records WHERE journal_id = ? AND record_id = ?", (shared, record_id)
            )
        (zero_seq,) = db.execute(
            "SELECT max(seq) FROM records WHERE journal_id = ? AND seq < ?", (shared, min(seqs))
        ).fetchone()
        db.execute("UPDATE records SET seq = ? WHERE seq = ?", (max(seqs), zero_seq))
    _put_back(live_server, shared, kim.profile.account_id, kims)

    report = await kim.sync()
    assert await _opened(kim, shared) == ["zero"]
    told = _told(report)
    assert all(record_id.hex() in told for record_id in waiting), report.problems
    assert await _kept(kim, shared) == waiting
    assert await kim.store.setting(KEY_WAITS)
    await kim.close()


async def test_a_share_ended_before_the_pull_again_is_told_and_the_sync_goes_on(
    hostile: HostileServer,
    through: Through,
    signup: ClientFactory,
    live_server: RunningServer,
) -> None:
    """The share ends just as the pull again's /v1/sync arrives (an honest race): the sync
    returns its report (it raised AccessError, and the rest of the sync did not run); the
    record is still kept as a problem, and keeps waiting (told once) while the journal is
    not listed: only forgetting the journal drops its waiting rows."""
    kim = await through("kim")
    ana = await signup("ana")
    ben = await signup("ben")
    await share_with(ana, ben)
    await share_with(ana, kim)
    await ana.entries.write("Personal", "first")
    await ana.sync()
    shared = await journal_id(ana, "Personal")
    kims = _server_envelopes(live_server, shared, kim.profile.account_id)
    _listed_as(live_server, shared, kim.profile.account_id, ben.profile.account_id)
    report = await kim.sync()
    assert report.refused >= 1 and await kim.store.setting(KEY_WAITS)
    waiting = await _kept(kim, shared)
    _put_back(live_server, shared, kim.profile.account_id, kims)
    cursor = next(j.cursor for j in await kim.store.journals() if j.journal_id == shared)

    def end_share_at_the_pull_again(body: bytes) -> bytes:
        request = wire.decode(wire.SyncRequest, body)
        cursors = request.cursors
        if [c.journal_id for c in cursors] == [shared] and cursors[0].after < cursor:
            with closing(sqlite3.connect(server_db(live_server))) as db, db:
                db.execute(
                    "DELETE FROM members WHERE journal_id = ? AND account_id = ?",
                    (shared, kim.profile.account_id),
                )
        return body

    hostile.requests["/v1/sync"] = end_share_at_the_pull_again
    report = await kim.sync()  # raised AccessError before
    assert waiting[0].hex() in _told(report), report.problems
    assert await _kept(kim, shared) == waiting
    del hostile.requests["/v1/sync"]
    report = await kim.sync()  # the share ended: kept waiting until listed again, told
    assert waiting[0].hex() in _told(report), report.problems
    assert any("not in the server's journal list" in line for line in report.problems)
    assert await kim.store.setting(KEY_WAITS)
    assert await _kept(kim, shared) == waiting
    await kim.close()


@pytest.mark.usefixtures("uncompressed_records")  # records as large as their text
async def test_the_pull_again_takes_only_waiting_records_within_the_unverified_budget(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    """mal (a stranger) shares a journal with vera, who never verifies mal. The server lists
    another member's envelope to vera (mal's R0 waits) and announces a head far ahead, so
    vera's cursor goes there; mal then writes 800 KB, all below vera's cursor. Once the
    server lists vera's own envelope, the pull again takes R0 only: nothing else below the
    cursor, and nothing past the 512 KiB bound on unverified owners (it kept all 800 KB)."""
    mal = await signup("mal")
    ben = await signup("ben")
    vera = await signup("vera")
    await mal.shares.grant("Personal", "ben", trust_on_first_use=True, full=True)
    await mal.shares.grant("Personal", "vera", trust_on_first_use=True, full=True)
    await mal.entries.write("Personal", "R0")
    await mal.sync()
    shared = await journal_id(mal, "Personal")
    veras = _server_envelopes(live_server, shared, vera.profile.account_id)
    _listed_as(live_server, shared, vera.profile.account_id, ben.profile.account_id)
    with closing(sqlite3.connect(server_db(live_server))) as db, db:
        db.execute("UPDATE journals SET head = ? WHERE journal_id = ?", (10**9, shared))

    first = await vera.sync()
    assert first.refused >= 1, first.problems
    cursor = next(j.cursor for j in await vera.store.journals() if j.journal_id == shared)
    assert cursor == 10**9

    for n in range(8):  # 100 KB each
        await mal.entries.write("Personal", nacl.utils.random(50_000).hex(), title=f"big {n}")
    await mal.sync()
    with closing(sqlite3.connect(server_db(live_server))) as db:
        (below,) = db.execute(
            "SELECT sum(length(ciphertext)) FROM records WHERE journal_id = ? AND seq < ?",
            (shared, 10**9),
        ).fetchone()
    assert below > UNVERIFIED_SHARE_BYTES  # all of it below vera's cursor

    _put_back(live_server, shared, vera.profile.account_id, veras)
    await vera.sync()

    assert await vera.store.journal_bytes(shared) <= UNVERIFIED_SHARE_BYTES
    assert [e.body for e in await vera.entries.list("mal/Personal")] == ["R0"]
    assert await vera.store.setting(KEY_WAITS) is None
    await vera.close()


async def test_refused_key_pages_are_asked_once_a_sync(
    hostile: HostileServer, through: Through, signup: ClientFactory, live_server: RunningServer
) -> None:
    """While a record waits for a key the server keeps refusing, each sync asks the key
    pages once: the sync that refused them asked twice (the pull, then the pull again)."""
    kim = await through("kim")
    ana = await signup("ana")
    ben = await signup("ben")
    await share_with(ana, ben)
    await share_with(ana, kim)
    await ana.entries.write("Personal", "first")
    await ana.sync()
    shared = await journal_id(ana, "Personal")
    _listed_as(live_server, shared, kim.profile.account_id, ben.profile.account_id)

    for _ in range(2):
        before = len(hostile.paths)
        report = await kim.sync()
        assert report.problems
        assert hostile.paths[before:].count("/v1/journals/keys") == 1, hostile.paths[before:]
    assert await kim.store.setting(KEY_WAITS)
    await kim.close()


@pytest.mark.parametrize("bound", ["MAX_KEY_WAITS", "MAX_KEY_WAITS_ALL"])
async def test_the_waiting_rows_are_bounded_and_the_bound_told(
    signup: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
    bound: str,
) -> None:
    """Past the bound on records kept waiting for a key (a journal's, or all journals'), a
    refused record is told as not kept waiting (never promised a pull again), and still
    kept as a problem."""
    monkeypatch.setattr(replica_module, bound, 1)
    _ana, kim, shared, _kims = await _refused_envelope_and_record(signup, live_server)
    await _ana.entries.write("Personal", "second")
    await _ana.sync()
    report = await kim.sync()
    assert len(await _kept(kim, shared)) == 2
    assert any("not kept waiting" in line for line in report.problems), report.problems
    assert len(replica_module._decode_key_waits(await kim.store.setting(KEY_WAITS))[shared]) == 1
    await kim.close()


@pytest.mark.usefixtures("uncompressed_records")  # records as large as their text
async def test_waiting_records_of_an_unverified_owner_are_cut_at_the_bound(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    """The waiting records themselves go past the bound on unverified owners: the pull again
    stops where a pull would (hold_back.HoldBack.cut); the rest wait, told as held back by
    the bound, until the owner is verified, then open (it took them all)."""
    mal = await signup("mal")
    ben = await signup("ben")
    vera = await signup("vera")
    await mal.shares.grant("Personal", "ben", trust_on_first_use=True, full=True)
    await mal.shares.grant("Personal", "vera", trust_on_first_use=True, full=True)
    shared = await journal_id(mal, "Personal")
    veras = _server_envelopes(live_server, shared, vera.profile.account_id)
    _listed_as(live_server, shared, vera.profile.account_id, ben.profile.account_id)
    texts = [nacl.utils.random(50_000).hex() for _ in range(4)]  # 100 KB each
    for n, text in enumerate(texts):
        await mal.entries.write("Personal", text, title=f"big {n}")
    await mal.sync()
    first = await vera.sync()
    assert first.refused == 4, first.problems

    _put_back(live_server, shared, vera.profile.account_id, veras)
    report = await vera.sync()
    opened = [e.body for e in await vera.entries.list("mal/Personal")]
    assert 0 < len(opened) < 4  # cut where the bound is reached
    assert await vera.store.journal_bytes(shared) <= UNVERIFIED_SHARE_BYTES
    told = _told(report)
    assert "the owner not verified" in told, report.problems
    assert len(replica_module._decode_key_waits(await vera.store.setting(KEY_WAITS))[shared]) == (
        4 - len(opened)
    )

    await vera.shares.verify("mal", await mal.shares.fingerprint())
    report = await vera.sync()
    assert sorted(e.body for e in await vera.entries.list("mal/Personal")) == sorted(texts)
    assert await vera.store.setting(KEY_WAITS) is None
    assert _lines_of(report.problems, shared) == [], report.problems
    assert [p for p in await vera.problems() if p.journal_id == shared] == []
    await vera.close()


async def test_waiting_records_past_the_kept_problems_are_told_by_problems(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A journal whose problems are full (store.MAX_PROBLEMS_KEPT, here 1) still has its
    records waiting for a key told by `Client.problems()`: one more Problem for the journal,
    naming the waiting record not kept and how many wait (not one row per record)."""
    monkeypatch.setattr(store_module, "MAX_PROBLEMS_KEPT", 1)
    ana, kim, shared, _kims = await _refused_envelope_and_record(signup, live_server)
    await ana.entries.write("Personal", "second")
    await ana.entries.write("Personal", "third")
    await ana.sync()
    await kim.sync()
    waiting = replica_module._decode_key_waits(await kim.store.setting(KEY_WAITS))[shared]
    assert len(waiting) == 3
    assert len(await kim.store.problems()) == 1  # the table is full
    problems = [p for p in await kim.problems() if p.journal_id == shared]
    assert len(problems) == 2, problems
    kept, summary = problems
    left = sorted((seq, r) for _, seq, r in waiting if r != kept.record_id)
    assert (summary.seq, summary.record_id) == left[0]
    assert summary.message.startswith("2 records refused for want of their epoch's key wait")
    assert all(r.hex() in summary.message for _, r in left)
    assert "at most 1 problems a journal" in summary.message
    await kim.close()
