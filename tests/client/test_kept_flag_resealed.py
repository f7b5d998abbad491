"""A safety flag the server acknowledged and dropped is kept whole and sent again (rev29d F1).
Sealed again as a fresh snapshot under a new record id (a grant moved the journal's cut, made
on another device or on this one), it stays kept under the new record, and, dropped once
more, is sent again until a pull serves it back (rev30b F1): the server dropping it twice
never makes the device stop sending it while it says it sends it. Real server on loopback, a
proxy in front of it, records deleted from the server's database after it acknowledged them.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest

from client_sdk import Client, wire
from tests.client.hostile import HostileServer, Through, hostile, through  # noqa: F401
from tests.client.sharing_support import server_db, share_with
from tests.client.test_withheld_rotation import keep_pushes
from tests.conftest import ClientFactory, RunningServer


def _pushed_ids(pushed: list[bytes]) -> set[bytes]:
    return {r.record_id for b in pushed for r in wire.decode(wire.PushRequest, b).records}


@pytest.mark.parametrize("granted_on", ["laptop", "phone"])
async def test_a_kept_flag_sealed_again_fresh_and_dropped_again_is_still_sent_again(
    granted_on: str,
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    through: Through,  # noqa: F811
) -> None:
    ana = await through("ana")
    sue = await signup("sue")
    laptop = await login("ana", "laptop")
    await share_with(ana, sue, role="annotate", safety_flags=True)
    await ana.sync()
    await laptop.sync()
    taken = await ana.measures.take("phq9", [0] * 8 + [2])
    flag_id = (await ana.safety.respond(taken.result)).flag_id
    pushed = keep_pushes(hostile)
    dropping = {"on": True}

    async def drop() -> None:  # every record the phone pushed goes once acknowledged
        if not dropping["on"] or not pushed:
            return
        with closing(sqlite3.connect(server_db(live_server))) as db, db:
            for record_id in _pushed_ids(pushed):
                db.execute("DELETE FROM records WHERE record_id = ?", (record_id,))

    hostile.holds["/v1/sync"] = drop
    first = await ana.sync()
    assert [u.cause for u in first.undelivered_flags] == ["withheld"]
    # the flag's record, and its result's kept with it (fix31c 1)
    [old] = [k for k in await ana.store.kept_flags() if k.doc_id.hex() == flag_id]
    result = bytes.fromhex(taken.result.id)
    assert {k.doc_id for k in await ana.store.kept_flags()} == {old.doc_id, result}
    bob = await signup("bob")
    granter: Client = laptop if granted_on == "laptop" else ana
    await laptop.sync()
    await share_with(granter, bob, role="read")  # a grant: a new cut
    await ana.sync()  # the kept record: sealed again as a fresh snapshot, dropped again
    kept = await ana.store.kept_flags()
    assert kept and old.record_id not in {k.record_id for k in kept}, kept
    assert {k.doc_id for k in kept} == {old.doc_id, result}
    for _ in range(2):  # each sync sends the flag's new record again
        n = len(pushed)
        await ana.sync()
        assert {k.record_id for k in kept} <= _pushed_ids(pushed[n:])
    assert any(u.flag_id == flag_id for u in await ana.safety.unsent())
    dropping["on"] = False
    await ana.sync()
    await ana.sync()
    assert await ana.store.kept_flags() == []  # served back at last
    assert await ana.safety.unsent() == []
    await sue.sync()
    assert flag_id in {f.id for f in await sue.safety.flags()}
