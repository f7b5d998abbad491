"""A safety flag the server acknowledged and dropped, found so by a sync inside another call
(`briefs.share`'s, `Client._inner_sync`: its report is handed to no one), is told by the next
sync whose report is handed: as "withheld" while the server still withholds it, and, when the
server served it back meanwhile (its record went back in the outbox at once), as withheld
then served back since (`UndeliveredFlag.reason`), never lost (rev30c F4). Real server on
loopback, a proxy in front of it, the records deleted from the server's database after it
acknowledged them."""

from __future__ import annotations

import sqlite3
from contextlib import closing

from client_sdk import Client, wire
from client_sdk.safety import WITHHELD_SERVED_SINCE
from tests.client.hostile import HostileServer, Through, hostile, through  # noqa: F401
from tests.client.sharing_support import server_db, share_with
from tests.client.test_withheld_rotation import keep_pushes
from tests.conftest import ClientFactory, RunningServer


async def dropped_in_an_inner_sync(
    ana: Client, tom: Client, live_server: RunningServer, proxy: HostileServer
) -> tuple[str, list[bool]]:
    """ana's flag, pushed by an inner sync, acknowledged and dropped by the server; the
    switch that keeps dropping its pushes (on)."""
    await share_with(ana, tom, role="annotate", safety_flags=True)
    await ana.sync()
    taken = await ana.measures.take("phq9", [0] * 8 + [2])
    flag_id = (await ana.safety.respond(taken.result)).flag_id
    assert flag_id is not None
    pushed = keep_pushes(proxy)
    dropping = [True]

    async def drop() -> None:  # acknowledged, then dropped before any pull serves it
        if not dropping[0]:
            return
        records = {r.record_id for b in pushed for r in wire.decode(wire.PushRequest, b).records}
        with closing(sqlite3.connect(server_db(live_server))) as db, db:
            for record_id in records:
                db.execute("DELETE FROM records WHERE record_id = ?", (record_id,))

    proxy.holds["/v1/sync"] = drop
    inner = await ana._inner_sync()  # as briefs.share runs it: no one reads its report
    assert [(u.flag_id, u.cause) for u in inner.undelivered_flags] == [(flag_id, "withheld")]
    return flag_id, dropping


async def test_withheld_found_by_an_inner_sync_then_served_back_is_told(
    signup: ClientFactory,
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    through: Through,  # noqa: F811
) -> None:
    ana = await through("ana")
    tom = await signup("tom")
    flag_id, dropping = await dropped_in_an_inner_sync(ana, tom, live_server, hostile)
    dropping[0] = False
    report = await ana.sync()  # sent again, stored, served back: no gap left to find
    [told] = report.undelivered_flags
    assert (told.flag_id, told.cause, told.members) == (flag_id, "withheld", ("tom",))
    assert told.reason == WITHHELD_SERVED_SINCE
    said = " ".join(report.lines())
    assert "may have reached tom late, or not at all: the server acknowledged storing it" in said
    assert "so this device sent it again; the server has served it back since." in said, said
    assert told.to_dict()["reason"] == WITHHELD_SERVED_SINCE
    third = await ana.sync()
    assert third.undelivered_flags == [], "told once"
    assert await ana.safety.unsent() == []
    await tom.sync()
    assert flag_id in {f.id for f in await tom.safety.flags()}


async def test_withheld_found_by_an_inner_sync_still_withheld_is_told_once(
    signup: ClientFactory,
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    through: Through,  # noqa: F811
) -> None:
    ana = await through("ana")
    tom = await signup("tom")
    flag_id, _ = await dropped_in_an_inner_sync(ana, tom, live_server, hostile)
    report = await ana.sync()  # sent again, dropped again: withheld still
    [told] = report.undelivered_flags
    assert (told.flag_id, told.cause, told.reason) == (flag_id, "withheld", "")
    again = await ana.sync()
    assert again.undelivered_flags == [], "told once"
    assert [(u.flag_id, u.cause) for u in await ana.safety.unsent()] == [(flag_id, "withheld")]
