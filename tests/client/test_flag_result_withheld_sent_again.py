"""The PHQ-9 result a safety flag belongs to, dropped by the server with the flag after it
acknowledged both, is sent again with the flag (fix31c 1): before, only the flag's record
was kept and sent again, so the therapist got a flag pointing at a result he never
received, and the client's every sync reported her own result withheld for good. Real
server on loopback, a proxy in front of it, the records deleted from the server's database
after it acknowledged them."""

from __future__ import annotations

import sqlite3
from contextlib import closing

from client_sdk import wire
from tests.client.flag_judging import flag_for_tom
from tests.client.hostile import HostileServer, Through, hostile, through  # noqa: F401
from tests.client.sharing_support import server_db
from tests.client.test_withheld_rotation import keep_pushes
from tests.conftest import ClientFactory, RunningServer


async def test_the_result_a_dropped_flag_belongs_to_is_sent_again_with_it(
    signup: ClientFactory,
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    through: Through,  # noqa: F811
) -> None:
    ana, tom, flag_id, taken = await flag_for_tom(signup, through)
    pushed = keep_pushes(hostile)
    dropping = [True]

    async def drop() -> None:  # the flag and its result: acknowledged, then dropped
        if not dropping[0]:
            return
        ids = {r.record_id for b in pushed for r in wire.decode(wire.PushRequest, b).records}
        with closing(sqlite3.connect(server_db(live_server))) as db, db:
            for record_id in ids:
                db.execute("DELETE FROM records WHERE record_id = ?", (record_id,))

    hostile.holds["/v1/sync"] = drop
    first = await ana.sync()
    assert [g.author for g in first.withheld] == [ana.profile.account_id]
    assert [u.cause for u in first.undelivered_flags] == ["withheld"]  # the flag alone told
    await ana.sync()  # both sent again, dropped again

    dropping[0] = False
    await ana.sync()  # both sent again, and kept: a pull serves them back
    last = await ana.sync()
    assert last.withheld == [], last.withheld  # her own result is no longer missing
    assert await ana.safety.unsent() == []
    await tom.sync()
    [flag] = [f for f in await tom.safety.flags() if f.id == flag_id]
    assert flag.result_id == taken.result.id
    [result] = [r for r in await tom.measures.list() if r.id == taken.result.id]
    assert result.score == taken.result.score
