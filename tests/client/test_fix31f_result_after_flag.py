"""rev31b F2: a stopped questionnaire's answers saved under the id its safety flag names
(`event`) after the flag left are kept whole, as a result pushed with its flag is
(`pushing.flagged_results`): a server that acknowledges and drops them gets them again, and
the member whose flag names them receives them (real server on 127.0.0.1, behind the
rewriting proxy of tests/client/hostile.py; records deleted from the server's database after
it acknowledged them)."""

from __future__ import annotations

import sqlite3
from contextlib import closing

from client_sdk import wire
from tests.client.hostile import HostileServer, Through, hostile, through  # noqa: F401
from tests.client.sharing_support import server_db, share_with
from tests.client.test_withheld_rotation import keep_pushes
from tests.conftest import ClientFactory, RunningServer


async def test_answers_saved_after_their_flag_left_are_sent_again_when_dropped(
    signup: ClientFactory,
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    through: Through,  # noqa: F811
) -> None:
    ana = await through("ana")
    tom = await signup("tom")
    await share_with(ana, tom, role="annotate", safety_flags=True)
    await ana.sync()
    rid = ana.measures.new_result_id()
    flag_id = (await ana.safety.respond_to_answer("phq9", 9, 2, result_id=rid)).flag_id
    assert flag_id is not None
    await ana.sync()
    await ana.sync()  # the flag left and was served back
    await tom.sync()
    assert flag_id in [f.id for f in await tom.safety.flags()]
    taken = await ana.measures.take("phq9", [0] * 8 + [2], result_id=rid)
    await ana.safety.respond(taken.result)
    pushed = keep_pushes(hostile)
    dropping = [True]

    async def drop() -> None:  # what the server acknowledged, gone
        if not dropping[0]:
            return
        ids = {r.record_id for b in pushed for r in wire.decode(wire.PushRequest, b).records}
        with closing(sqlite3.connect(server_db(live_server))) as db, db:
            for record_id in ids:
                db.execute("DELETE FROM records WHERE record_id = ?", (record_id,))

    hostile.holds["/v1/sync"] = drop
    await ana.sync()
    await ana.sync()
    dropping[0] = False
    reports = [await ana.sync() for _ in range(3)]
    assert reports[-1].withheld == [], [r.lines() for r in reports]
    await tom.sync()
    assert taken.result.id in [r.id for r in await tom.measures.list()]
