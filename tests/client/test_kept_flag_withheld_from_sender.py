"""A safety flag the server holds and serves to the therapist, but withholds from the device
that sealed it, is kept and sent again (rev29d F1). Sent again after another device of the
owner rotated the key, it goes as a fresh snapshot under a new id, never as other bytes
under the id the server holds (a 409 `record_conflict` at every sync for ever, rev30b F2);
and the words say what the device knows: it "may NOT" have reached the therapist, not that
it has not (rev30b F4). Real server on loopback, a proxy in front of it; the record is taken
out of the server's database during the sender's sync and put back, below its cursor."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from typing import Any

from client_sdk import wire
from tests.client.hostile import HostileServer, Through, hostile, through  # noqa: F401
from tests.client.sharing_support import server_db, share_with
from tests.client.test_withheld_rotation import keep_pushes
from tests.conftest import ClientFactory, RunningServer


async def test_a_flag_withheld_from_its_sender_only_is_sent_again_fresh_after_a_rotation(
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    through: Through,  # noqa: F811
) -> None:
    ana = await through("ana")
    tom = await signup("tom")
    laptop = await login("ana", "laptop")
    await share_with(ana, tom, role="annotate", safety_flags=True)
    await ana.sync()
    await laptop.sync()
    await tom.sync()
    taken = await ana.measures.take("phq9", [0] * 8 + [2])
    flag_id = (await ana.safety.respond(taken.result)).flag_id
    pushed = keep_pushes(hostile)
    saved: list[tuple[Any, ...]] = []
    hiding = {"on": True}

    async def hide() -> None:  # out during ana's sync, put back after it (below)
        if not hiding["on"] or not pushed:
            return
        ids = {r.record_id for b in pushed for r in wire.decode(wire.PushRequest, b).records}
        with closing(sqlite3.connect(server_db(live_server))) as db, db:
            for record_id in ids:
                found = db.execute("SELECT * FROM records WHERE record_id = ?", (record_id,))
                saved.extend(found.fetchall())
                db.execute("DELETE FROM records WHERE record_id = ?", (record_id,))

    hostile.holds["/v1/sync"] = hide
    first = await ana.sync()
    hiding["on"] = False
    with closing(sqlite3.connect(server_db(live_server))) as db, db:  # same seq: below
        db.executemany(f"INSERT INTO records VALUES ({','.join('?' * len(saved[0]))})", saved)
    [told] = first.undelivered_flags
    assert told.cause == "withheld"
    assert "may NOT have reached tom" in told.line(), told.line()
    assert "has NOT" not in told.line()
    await tom.sync()
    assert flag_id in {f.id for f in await tom.safety.flags()}  # tom has it
    await laptop.sync()
    await laptop.shares.revoke("Personal", "tom")  # a rotation on another device
    for _ in range(3):
        report = await ana.sync()
        assert not [s for s in report.set_aside if s.code == "record_conflict"], report.lines()
    assert await ana.set_aside() == []
    assert await ana.store.kept_flags() == []  # the fresh snapshot was served back
    assert await ana.store.outbox() == []
    await laptop.sync()
    assert flag_id in {f.id for f in await laptop.safety.flags()}
    # tom's removal was signed moments after the flag's pushes: "may NOT", never "was NOT"
    [flag] = [f for f in await ana.safety.flags() if f.id == flag_id]
    assert flag.surely_not_delivered == ()
    assert await ana.safety.unsent() == []
