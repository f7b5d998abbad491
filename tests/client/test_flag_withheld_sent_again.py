"""A safety flag the server acknowledged storing and then dropped (rev29d F1) is kept due on
the device that sealed it: the sync whose withholding check finds it missing tells it once
(`SyncReport.undelivered_flags`, cause "withheld"), and puts its record, as pushed, back in
the outbox; every later sync sends it again until a pull serves it back, and then the
therapist gets it. Real server on loopback, a proxy in front of it, the records deleted from
the server's database after it acknowledged them."""

from __future__ import annotations

import sqlite3
from contextlib import closing

from client_sdk import wire
from tests.client.flag_judging import flag_for_tom
from tests.client.hostile import HostileServer, Through, hostile, through  # noqa: F401
from tests.client.sharing_support import server_db
from tests.client.test_withheld_rotation import keep_pushes
from tests.conftest import ClientFactory, RunningServer


async def test_a_flag_the_server_dropped_is_told_once_and_sent_again_until_served_back(
    signup: ClientFactory,
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    through: Through,  # noqa: F811
) -> None:
    ana, tom, flag_id, taken = await flag_for_tom(signup, through)
    pushed = keep_pushes(hostile)
    dropping = [True]

    def flag_records() -> set[bytes]:
        return {r.record_id for body in pushed for r in wire.decode(wire.PushRequest, body).records}

    async def drop() -> None:  # acknowledged, then dropped before any pull serves it
        if not dropping[0]:
            return
        with closing(sqlite3.connect(server_db(live_server))) as db, db:
            for record_id in flag_records():
                db.execute("DELETE FROM records WHERE record_id = ?", (record_id,))

    hostile.holds["/v1/sync"] = drop
    first = await ana.sync()  # pushed, acknowledged, dropped: its pull finds the gap
    assert [g.author for g in first.withheld] == [ana.profile.account_id]
    [told] = [u for u in first.undelivered_flags if u.cause == "withheld"]
    assert (told.flag_id, told.members) == (flag_id, ("tom",))
    said = " ".join(first.lines())
    assert "the server acknowledged storing it but has not served it back" in said, said
    assert "this device sends it again at every sync until the server serves it back" in said
    [kept] = await ana.safety.unsent()
    assert (kept.flag_id, kept.cause) == (flag_id, "withheld")

    pushes_before = len(pushed)
    again = await ana.sync()  # sent again, dropped again: not told again
    assert len(pushed) > pushes_before, "the flag's record was pushed again"
    assert [u for u in again.undelivered_flags if u.cause == "withheld"] == []
    assert [f.flag_id for f in await ana.safety.unsent()] == [flag_id]

    dropping[0] = False
    await ana.sync()  # sent again and kept: a pull serves it back
    assert await ana.safety.unsent() == []
    await tom.sync()
    assert flag_id in {f.id for f in await tom.safety.flags()}
