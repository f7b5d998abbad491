"""A safety flag the server acknowledged and dropped, and stored only when sent again just
before a member's removal, is judged by the push that was stored, not by its first push's
time (rev30b F5): "may NOT have been delivered" to that member, never "sent". Real server on
loopback, a proxy in front of it, records deleted from the server's database after it
acknowledged them; the device's record of when the flag first left is moved 20 minutes back
(time passing between the dropped push and the one that stuck)."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing

from client_sdk import wire
from client_sdk.safety import FLAGS_SENT
from tests.client.flag_judging import flag_for_tom
from tests.client.hostile import HostileServer, Through, hostile, through  # noqa: F401
from tests.client.sharing_support import server_db
from tests.client.test_withheld_rotation import keep_pushes
from tests.conftest import ClientFactory, RunningServer

EARLIER = 20 * 60 * 1000  # the flag first left 20 minutes before the removal


async def test_a_flag_stored_only_when_sent_again_is_judged_by_that_push(
    signup: ClientFactory,
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    through: Through,  # noqa: F811
) -> None:
    ana, tom, flag_id, taken = await flag_for_tom(signup, through)
    pushed = keep_pushes(hostile)
    dropping = {"on": True}

    async def drop() -> None:  # every record the phone pushed goes once acknowledged
        if not dropping["on"]:
            return
        ids = {r.record_id for b in pushed for r in wire.decode(wire.PushRequest, b).records}
        with closing(sqlite3.connect(server_db(live_server))) as db, db:
            for record_id in ids:
                db.execute("DELETE FROM records WHERE record_id = ?", (record_id,))

    hostile.holds["/v1/sync"] = drop
    first = await ana.sync()
    assert [u.cause for u in first.undelivered_flags] == ["withheld"]
    await ana.sync()  # sent again, dropped again
    held = json.loads(await ana.store.setting(FLAGS_SENT) or "{}")
    for entry in held.values():  # 20 minutes pass
        for key in ("since", "offered", "left", "judged"):
            if isinstance(entry.get(key), int):
                entry[key] -= EARLIER
    await ana.store.put_setting(FLAGS_SENT, json.dumps(held))
    dropping["on"] = False
    await ana.shares.revoke("Personal", "tom")  # its sync stores the flag only now
    report = await ana.sync()
    told = [u for u in report.undelivered_flags if u.flag_id == flag_id]
    assert [(u.members, u.surely) for u in told] == [(("tom",), False)], report.lines()
    assert "may NOT have been delivered to tom" in told[0].line()
    [flag] = [f for f in await ana.safety.flags() if f.id == flag_id]
    assert (flag.status, flag.not_delivered, flag.surely_not_delivered) == (
        "not delivered",
        ("tom",),
        (),
    )
    await tom.sync()
    assert flag_id not in {f.id for f in await tom.safety.flags()}  # he never had it
