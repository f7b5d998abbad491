"""Records waiting for their epoch's key (KEY_WAITS): the pull again asks a server that
never serves them less and less often (after 1, 2, 4, ... syncs), and asks again at every
sync once it serves one; what it waits for (refused key ranges, epochs not served) is kept
in the store, so a new `Client` on the same store keeps waiting instead of asking at once;
the waiting records of a journal no longer listed are told once when its owner signed the
end, at every sync while only the server's list leaves it out; and a
row left for a record applied already (a stop between the apply and the row's removal) is
dropped, not told as waiting.

Real server on loopback (its database edited as a hostile server would; the hostile proxy
counts the requests), real SQLite store, real crypto."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from datetime import datetime, timedelta
from typing import Any

import pytest

from client_sdk import Client, wire
from client_sdk import replica as replica_module
from client_sdk.replica import KEY_WAIT_BACKOFF, KEY_WAITS
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import journal_id, server_db, share_with
from tests.client.test_listed_key_envelopes import (
    _listed_as,
    _opened,
    _put_back,
    _server_envelopes,
)
from tests.client.test_records_waiting_for_keys import (
    _kept,
    _restore_record,
    _take_record,
    _told,
)
from tests.client.test_share_ended_notices import DAY_MS, move_clocks
from tests.conftest import ClientFactory, RunningServer


async def _waiting_through(
    through: Through, signup: ClientFactory, live_server: RunningServer
) -> tuple[Client, Client, bytes, list[Any]]:
    """kim (every request through the hostile proxy) is served ben's envelopes of ana's
    journal in place of hers: ana's "first" waits on kim's device. Returns ana, kim, the
    journal and kim's real envelope rows."""
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
    assert report.refused == 1, report.problems
    assert len(await _kept(kim, shared)) == 1
    return ana, kim, shared, kims


def _pulls_again(hostile: HostileServer, shared: bytes, cursor: int, since: int) -> int:
    """The /v1/sync requests since the `since`-th that ask `shared` alone from below the
    device's `cursor`: the pull again's (a pull asks from the cursor on)."""
    found = 0
    for body in hostile.bodies("/v1/sync")[since:]:
        cursors = wire.decode(wire.SyncRequest, body).cursors
        if [c.journal_id for c in cursors] == [shared] and cursors[0].after < cursor:
            found += 1
    return found


async def _cursor(kim: Client, shared: bytes) -> int:
    return next(j.cursor for j in await kim.store.journals() if j.journal_id == shared)


async def test_a_server_that_never_serves_waiting_records_is_asked_less_often(
    hostile: HostileServer, through: Through, signup: ClientFactory, live_server: RunningServer
) -> None:
    """kim's key verifies again, but the server never serves the waiting record: over 10
    syncs the pull again asks it 4 times (after 1, 2, 4 and 8 syncs), not at every sync, and
    each sync tells the record. A new `Client` on the same store keeps waiting (no request
    in its first 5 syncs: the next is due 6 syncs after the last). Once the server serves
    it again, it opens at the next request, and is asked at every sync again."""
    _ana, kim, shared, kims = await _waiting_through(through, signup, live_server)
    [waiting] = await _kept(kim, shared)
    taken = _take_record(live_server, shared, waiting)
    _put_back(live_server, shared, kim.profile.account_id, kims)
    cursor = await _cursor(kim, shared)

    before = len(hostile.bodies("/v1/sync"))
    for _ in range(10):
        report = await kim.sync()
        assert waiting.hex() in _told(report), report.problems
    assert _pulls_again(hostile, shared, cursor, before) == 4  # at every sync: 10
    assert await kim.store.setting(KEY_WAIT_BACKOFF)

    home = kim.home
    await kim.close()
    kim = await Client.open(home)
    try:
        before = len(hostile.bodies("/v1/sync"))
        for _ in range(5):
            report = await kim.sync()
            assert waiting.hex() in _told(report), report.problems
            assert "did not serve them when last asked" in _told(report), report.problems
        assert _pulls_again(hostile, shared, cursor, before) == 0  # asked at once: 1 or more

        _restore_record(live_server, taken)
        report = await kim.sync()  # the 6th: due
        assert await _opened(kim, shared) == ["first"], report.problems
        assert await _kept(kim, shared) == []
        assert await kim.store.setting(KEY_WAITS) is None
        assert await kim.store.setting(KEY_WAIT_BACKOFF) is None
    finally:
        await kim.close()


async def test_a_new_client_on_the_same_store_keeps_backing_off_refused_key_pages(
    hostile: HostileServer, through: Through, signup: ClientFactory, live_server: RunningServer
) -> None:
    """The server keeps refusing kim her key of the epoch a record waits for: the key pages
    are asked after 1, 2, 4, ... syncs. Just after an ask whose next one is due 2 syncs or
    more later, kim's app restarts: the new `Client` asks no key page until that sync (it
    asked them at once when the wait lived in memory only), and asks them then."""
    _ana, kim, shared, _kims = await _waiting_through(through, signup, live_server)
    left = 0
    for _ in range(4):
        before = len(hostile.paths)
        report = await kim.sync()
        assert "still wait" in _told(report), report.problems
        [[_journal, _first, _last, _times, left]] = json.loads(
            await kim.store.setting(KEY_WAIT_BACKOFF)
        )["keys"]
        if "/v1/journals/keys" in hostile.paths[before:] and left >= 2:
            break
    assert left >= 2

    home = kim.home
    await kim.close()
    kim = await Client.open(home)
    try:
        for _ in range(left - 1):
            before = len(hostile.paths)
            report = await kim.sync()
            assert "still wait" in _told(report), report.problems
            assert "/v1/journals/keys" not in hostile.paths[before:]  # asked at once before
        before = len(hostile.paths)
        await kim.sync()
        assert "/v1/journals/keys" in hostile.paths[before:]
    finally:
        await kim.close()


@pytest.mark.parametrize("end", ["revoked", "end date"])
async def test_waiting_records_of_an_unlisted_journal_are_told_once_only_for_a_signed_end(
    signup: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
    end: str,
) -> None:
    """ana ends kim's share while a record of it waits on kim's device for its key. When the
    end date she signed passes, the next sync tells it (the end signed), later ones do not,
    and a new `Client` on the same store does not either. When she removes kim, which kim's
    device is not served (the journal only left out of the list: the server's word, as a
    hostile server's hiding looks), every sync tells it, a new `Client`'s too. Either way it
    stays kept (a problem, and in KEY_WAITS) until the copy is forgotten."""
    ana = await signup("ana")
    kim = await signup("kim")
    ben = await signup("ben")
    await share_with(ana, ben)
    tomorrow = datetime.now().astimezone() + timedelta(days=1)
    await share_with(ana, kim, **({"expires_at": tomorrow} if end == "end date" else {}))
    await ana.entries.write("Personal", "first")
    await ana.sync()
    shared = await journal_id(ana, "Personal")
    _listed_as(live_server, shared, kim.profile.account_id, ben.profile.account_id)
    assert (await kim.sync()).refused == 1
    [waiting] = await _kept(kim, shared)

    if end == "revoked":
        await ana.shares.revoke("Personal", "kim")
    else:
        move_clocks(live_server, monkeypatch, 2 * DAY_MS)
        await ana.sync()  # the owner's device ends the share (signed `ended`)
    ended = await kim.sync()
    assert waiting.hex() in _told(ended), ended.problems
    why = "its owner signed the end" if end == "end date" else "not in the server's journal list"
    assert why in _told(ended), ended.problems
    once = end == "end date"  # told once for the owner's signed end, else at every sync
    for _ in range(2):
        report = await kim.sync()
        assert (waiting.hex() in _told(report)) is not once, report.problems
        assert (why in _told(report)) is not once, report.problems
        assert await _kept(kim, shared) == [waiting]
        assert await kim.store.setting(KEY_WAITS)
    home = kim.home
    await kim.close()
    kim = await Client.open(home)
    try:
        report = await kim.sync()
        assert (waiting.hex() in _told(report)) is not once, report.problems
        assert await _kept(kim, shared) == [waiting]
    finally:
        await kim.close()


async def test_a_waiting_row_of_a_record_applied_already_is_dropped(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    """A stop between applying a waiting record and removing its row left the row (written
    here directly) while the server no longer serves the record: the next process's sync
    drops it, without telling it as still waiting and without asking the server."""
    ana = await signup("ana")
    kim = await signup("kim")
    await share_with(ana, kim)
    await ana.entries.write("Personal", "first")
    await ana.sync()
    await kim.sync()
    shared = await journal_id(ana, "Personal")
    assert await _opened(kim, shared) == ["first"]
    with closing(sqlite3.connect(server_db(live_server))) as db:
        rows = db.execute(
            "SELECT record_id, epoch, seq FROM records WHERE journal_id = ? ORDER BY seq",
            (shared,),
        ).fetchall()
    record_id, epoch, seq = bytes(rows[-1][0]), int(rows[-1][1]), int(rows[-1][2])
    assert await kim.store.seen_counters(shared, [record_id]) != {}
    _take_record(live_server, shared, record_id)
    async with kim.store.transaction() as tx:
        await tx.set_setting(
            KEY_WAITS, replica_module._encode_key_waits({shared: [(epoch, seq, record_id)]})
        )
    home = kim.home
    await kim.close()
    kim = await Client.open(home)
    try:
        report = await kim.sync()
        assert record_id.hex() not in _told(report), report.problems
        assert not any("still wait" in line for line in report.problems), report.problems
        assert await kim.store.setting(KEY_WAITS) is None
        assert await _opened(kim, shared) == ["first"]
    finally:
        await kim.close()


@pytest.mark.parametrize(
    "stored",
    [
        '{"keys": [["00", 1, 2, 1, Infinity]], "pulls": [], "told": []}',
        '{"keys": [], "pulls": [["00", 1, 1, -Infinity]], "told": []}',
        '{"keys": ' + "[" * 100_000 + "]" * 100_000 + "}",
        "[" * 100_000,
    ],
    ids=["infinite wait", "infinite pull wait", "deeply nested", "deeply nested, cut"],
)
def test_a_damaged_back_off_or_waits_setting_reads_as_none(stored: str) -> None:
    """A damaged `key_wait_backoff` (or `records_waiting_for_keys`) value, one holding an
    infinite number or nested too deeply for the JSON reader, reads as nothing waited for
    (rewritten by the next sync), never an error that would fail every sync."""
    assert replica_module._decode_backoff(stored, 3) == replica_module._Backoff({}, {}, set())
    waits = stored.replace('"keys"', '"00"')
    assert replica_module._decode_key_waits(waits) == {}
    assert replica_module._decode_key_waits('{"00": [[Infinity, 1, "00"]]}') == {}
