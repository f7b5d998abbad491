"""Records waiting for their epoch's key (KEY_WAITS) against a server that lies in its
journal lists, its key pages or its pages: a journal left out of one list keeps its waiting
records (told, and pulled again once it is listed again); a record applied late by the pull
again is not reported withheld in the sync that applied it (a real gap still is); the key
pages of refused epochs are asked within the sync's bounded requests, less and less often
while refused; and journals of owners never verified cannot take the room of verified ones.

Real server on loopback (its database edited as a hostile server would; the hostile proxy
counts the requests), real SQLite store, real crypto."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest

from client_sdk import Client
from client_sdk import replica as replica_module
from client_sdk.replica import KEY_WAITS
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import journal_id, server_db, share_with
from tests.client.test_listed_key_envelopes import (
    _listed_as,
    _opened,
    _put_back,
    _refused_envelope_and_record,
    _server_envelopes,
)
from tests.client.test_records_waiting_for_keys import _kept, _told
from tests.conftest import ClientFactory, RunningServer


async def test_a_journal_left_out_of_one_list_keeps_its_waiting_records(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    """The server leaves the journal out of kim's journal list for two syncs (kim keeps it
    read-only; its owner signed no end): its waiting record is told in each of them (the
    server's word alone, never told once and then silent), still waits, and opens once the
    journal is listed again with kim's own envelope."""
    _ana, kim, shared, kims = await _refused_envelope_and_record(signup, live_server)
    report = await kim.sync()
    assert report.refused == 1, report.problems
    waiting = await _kept(kim, shared)
    assert len(waiting) == 1 and await kim.store.setting(KEY_WAITS)

    with closing(sqlite3.connect(server_db(live_server))) as db, db:
        db.row_factory = None
        columns = [r[1] for r in db.execute("PRAGMA table_info(members)")]
        row = db.execute(
            "SELECT * FROM members WHERE journal_id = ? AND account_id = ?",
            (shared, kim.profile.account_id),
        ).fetchone()
        db.execute(
            "DELETE FROM members WHERE journal_id = ? AND account_id = ?",
            (shared, kim.profile.account_id),
        )
    for _ in range(2):  # told at every sync while only the server's list leaves it out
        hidden = await kim.sync()
        assert waiting[0].hex() in _told(hidden), hidden.problems
        assert any("not in the server's journal list" in line for line in hidden.problems)
        assert await kim.store.setting(KEY_WAITS)
        assert await _kept(kim, shared) == waiting

    with closing(sqlite3.connect(server_db(live_server))) as db, db:
        db.execute(
            f"INSERT INTO members ({', '.join(columns)}) VALUES ({', '.join('?' * len(row))})",
            row,
        )
    _put_back(live_server, shared, kim.profile.account_id, kims)
    for _ in range(2):
        report = await kim.sync()
        if "first" in await _opened(kim, shared):
            break
        assert waiting[0].hex() in _told(report), report.problems
    assert "first" in await _opened(kim, shared)
    assert await kim.store.setting(KEY_WAITS) in (None, "{}")
    await kim.close()


@pytest.mark.parametrize("hide", [False, True])
async def test_a_record_applied_late_is_not_reported_withheld_and_a_real_gap_is(
    signup: ClientFactory, live_server: RunningServer, hide: bool
) -> None:
    """ana's "first" waits on kim's device (its epoch's envelope refused); later records of
    ana's device arrive under a key kim holds, and the pull again applies "first" in that
    same sync: its counters are received, not withheld. With `hide`, the server also drops
    one later record of ana's ("hidden"): that one counter is reported withheld, no more."""
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
    await share_with(ana, carl)  # epoch 3
    await ana.entries.write("Personal", "first")  # under epoch 3: kim's key refused below
    await ana.sync()
    kims = _server_envelopes(live_server, shared, kim.profile.account_id)
    _listed_as(live_server, shared, kim.profile.account_id, ben.profile.account_id)
    refusing = await kim.sync()
    assert refusing.refused >= 1, refusing.problems

    _put_back(live_server, shared, kim.profile.account_id, kims)
    await ana.shares.revoke("Personal", "carl")  # epoch 4: kim's own envelope
    await ana.entries.write("Personal", "second")
    await ana.sync()
    if hide:
        await ana.entries.write("Personal", "hidden")
        await ana.sync()
        with closing(sqlite3.connect(server_db(live_server))) as db, db:
            db.execute(
                "DELETE FROM records WHERE journal_id = ? AND seq = "
                "(SELECT max(seq) FROM records WHERE journal_id = ?)",
                (shared, shared),
            )
        await ana.entries.write("Personal", "third")
        await ana.sync()
    late = await kim.sync()
    opened = sorted(await _opened(kim, shared))
    assert opened == sorted(["first", "second", "zero"] + (["third"] if hide else []))
    if hide:
        assert sum(gap.count() for gap in late.withheld) == 1, late.withheld
    else:
        assert late.withheld == [], "a record applied in this sync reported withheld"
        assert (await kim.sync()).withheld == []
    await kim.close()


def _swap_one(
    server: RunningServer, journal: bytes, member: bytes, other: bytes, epoch: int
) -> None:
    """The server holds `other`'s envelope of `epoch` in place of `member`'s."""
    with closing(sqlite3.connect(server_db(server))) as db, db:
        (envelope,) = db.execute(
            "SELECT envelope FROM journal_keys WHERE journal_id = ? AND account_id = ? "
            "AND epoch = ?",
            (journal, other, epoch),
        ).fetchone()
        db.execute(
            "UPDATE journal_keys SET envelope = ? WHERE journal_id = ? AND account_id = ? "
            "AND epoch = ?",
            (envelope, journal, member, epoch),
        )


def _epoch(server: RunningServer, journal: bytes) -> int:
    with closing(sqlite3.connect(server_db(server))) as db:
        return int(
            db.execute(
                "SELECT max(epoch) FROM journal_keys WHERE journal_id = ?", (journal,)
            ).fetchone()[0]
        )


EPOCHS = 4


async def _refused_every_other_epoch(
    through: Through, signup: ClientFactory, live_server: RunningServer
) -> tuple[Client, bytes]:
    """kim holds her key of every other epoch of ana's journal; the server refuses her the
    ones between (each a key range of its own), and a record of each waits."""
    kim = await through("kim")
    ana = await signup("ana")
    ben = await signup("ben")
    carl = await signup("carl")
    await share_with(ana, ben)
    await share_with(ana, kim)
    await ana.entries.write("Personal", "zero")
    await ana.sync()
    await kim.sync()
    shared = await journal_id(ana, "Personal")
    for n in range(EPOCHS):
        await share_with(ana, carl)  # an epoch whose key kim gets
        await ana.entries.write("Personal", f"open {n}")
        await ana.sync()
        await kim.sync()
        await ana.shares.revoke("Personal", "carl")  # one whose envelope is ben's
        await ana.entries.write("Personal", f"wait {n}")
        await ana.sync()
        account = kim.profile.account_id
        _swap_one(live_server, shared, account, ben.profile.account_id, _epoch(live_server, shared))
        await kim.sync()
    waits = replica_module._decode_key_waits(await kim.store.setting(KEY_WAITS))
    assert len({e for e, _, _ in waits.get(shared, [])}) == EPOCHS
    return kim, shared


async def test_refused_key_ranges_are_asked_less_often_while_refused(
    hostile: HostileServer, through: Through, signup: ClientFactory, live_server: RunningServer
) -> None:
    """Over 8 syncs that change nothing, each refused range is asked again after 1, 2, 4, ...
    syncs (at most 4 times each), not at every sync; the records still wait, told."""
    kim, shared = await _refused_every_other_epoch(through, signup, live_server)
    before = len(hostile.paths)
    for _ in range(8):
        report = await kim.sync()
        assert any("wait" in line for line in report.problems), report.problems
    walks = hostile.paths[before:].count("/v1/journals/keys")
    assert 0 < walks <= EPOCHS * 4, walks  # asked at every sync: EPOCHS * 8
    await kim.close()


async def test_key_pages_asked_again_count_in_the_requests_of_a_sync(
    hostile: HostileServer,
    through: Through,
    signup: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The key pages the pull again asks count in its bounded requests a sync: past them the
    other ranges wait for a later sync, told as not asked again in this one."""
    kim, shared = await _refused_every_other_epoch(through, signup, live_server)
    monkeypatch.setattr(replica_module, "RETRY_REQUESTS", 1)
    later = False
    for _ in range(3):
        before = len(hostile.paths)
        report = await kim.sync()
        asked = hostile.paths[before:]
        assert asked.count("/v1/journals/keys") <= 1, asked
        later |= any("not asked for again in this sync" in line for line in report.problems)
    assert later
    await kim.close()


async def test_waiting_rows_of_unverified_owners_cannot_starve_a_verified_journal(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """mal (a stranger kim never verifies) fills the journals of unverified owners' share of
    the waiting rows with records whose key the server refuses; a record of ana's journal
    (verified) still waits in the room left, and opens once its key verifies. The bounds
    are set to 2 in all and 1 for unverified owners, to stand for 5,000 and 1,000."""
    monkeypatch.setattr(replica_module, "MAX_KEY_WAITS_ALL", 2)
    monkeypatch.setattr(replica_module, "MAX_KEY_WAITS_UNVERIFIED", 1, raising=False)
    kim = await signup("kim")
    mal = await signup("mal")
    ben = await signup("ben")
    await mal.shares.grant("Personal", "ben", trust_on_first_use=True, full=True)
    await mal.shares.grant("Personal", "kim", trust_on_first_use=True, full=True)
    await mal.entries.write("Personal", "junk 1")
    await mal.entries.write("Personal", "junk 2")
    await mal.sync()
    strangers = await journal_id(mal, "Personal")
    _listed_as(live_server, strangers, kim.profile.account_id, ben.profile.account_id)
    first = await kim.sync()
    assert first.refused == 2, first.problems
    waits = replica_module._decode_key_waits(await kim.store.setting(KEY_WAITS))
    assert list(waits) == [strangers]

    ana = await signup("ana")
    carl = await signup("carl")
    await share_with(ana, carl)
    await share_with(ana, kim)
    await kim.shares.verify("ana", await ana.shares.fingerprint())
    await ana.entries.write("Personal", "first")
    await ana.sync()
    shared = await journal_id(ana, "Personal")
    kims = _server_envelopes(live_server, shared, kim.profile.account_id)
    _listed_as(live_server, shared, kim.profile.account_id, carl.profile.account_id)
    refusing = await kim.sync()
    assert refusing.refused >= 1, refusing.problems
    waits = replica_module._decode_key_waits(await kim.store.setting(KEY_WAITS))
    assert shared in waits, refusing.problems
    assert len(waits[strangers]) == 1  # the other stranger's record was not kept waiting

    _put_back(live_server, shared, kim.profile.account_id, kims)  # the key verifies now
    await ana.journals.rename("Personal", "Shared notes")  # kim's next sync lists journals
    await ana.sync()
    for _ in range(2):
        await kim.sync()
    assert await _opened(kim, shared) == ["first"]
    await kim.close()
