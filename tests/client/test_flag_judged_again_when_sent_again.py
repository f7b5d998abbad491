"""A safety flag whose judgement was over (dropped from FLAGS_SENT: every member told or
acknowledging it, or JUDGED_FOR_MS after its first judgement) and whose kept record is sent
again, because the server dropped it, is judged again by the push that stored it (fix31c
2): before, `note_sent_again` changed only entries still held, so a member removed before
the copy that stuck was never told of. Real server on loopback, a proxy in front of it,
records deleted from the server's database after it acknowledged them; the entry is taken
out of FLAGS_SENT as the end of its judgement takes it out."""

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


async def test_a_flag_no_longer_judged_is_judged_again_when_sent_again(
    signup: ClientFactory,
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    through: Through,  # noqa: F811
) -> None:
    ana, tom, flag_id, taken = await flag_for_tom(signup, through)
    pushed = keep_pushes(hostile)
    dropping = {"on": True}

    async def drop() -> None:  # every record ana pushed goes once acknowledged
        if not dropping["on"]:
            return
        ids = {r.record_id for b in pushed for r in wire.decode(wire.PushRequest, b).records}
        with closing(sqlite3.connect(server_db(live_server))) as db, db:
            for record_id in ids:
                db.execute("DELETE FROM records WHERE record_id = ?", (record_id,))

    hostile.holds["/v1/sync"] = drop
    first = await ana.sync()
    assert [u.cause for u in first.undelivered_flags] == ["withheld"]
    held = json.loads(await ana.store.setting(FLAGS_SENT) or "{}")
    assert "judged" in held[flag_id]
    del held[flag_id]  # its judgement over
    await ana.store.put_setting(FLAGS_SENT, json.dumps(held))
    dropping["on"] = False
    await ana.shares.revoke("Personal", "tom")  # its sync stores the flag only now
    report = await ana.sync()
    told = [u for u in report.undelivered_flags if u.flag_id == flag_id]
    assert [(u.members, u.surely) for u in told] == [(("tom",), False)], report.lines()
    assert "may NOT have been delivered to tom" in told[0].line()
    [flag] = [f for f in await ana.safety.flags() if f.id == flag_id]
    assert (flag.status, flag.not_delivered) == ("not delivered", ("tom",))
    assert (await ana.sync()).undelivered_flags == []  # told once
    await tom.sync()
    assert flag_id not in {f.id for f in await tom.safety.flags()}  # he never had it
