"""A `stale_epoch` refusal the server forges for a push sealed under the journal's current
epoch (rev30b F6). The device holds that journal's records under the refused epoch for the
rest of the sync (STALE_HELD, rev30a F3); the next sync reads the access chain again, finds
no newer epoch verified, and sends them again as they are (the server already had those
bytes), with what was sealed since (a safety flag), saying so (STALE_RELEASED). Real
server on 127.0.0.1 behind the hostile proxy, real crypto."""

from __future__ import annotations

import aiohttp
from aiohttp import web

from client_sdk import wire
from client_sdk.replica import STALE_HELD, STALE_RELEASED
from tests.client.hostile import HostileServer, Through, hostile, through  # noqa: F401
from tests.client.sharing_support import journal_id, share_with
from tests.conftest import ClientFactory


async def test_a_forged_stale_epoch_holds_the_journal_for_one_sync_only(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    through: Through,  # noqa: F811
) -> None:
    ana = await through("ana")
    tom = await signup("tom")
    await share_with(ana, tom, role="annotate", safety_flags=True)
    await ana.sync()
    personal = await journal_id(ana, "Personal")
    forged = [1]
    pushed: list[list[tuple[bytes, int, bytes]]] = []
    forward = hostile.forward

    async def refuse_once(session: aiohttp.ClientSession, request: web.Request) -> web.Response:
        if request.path == "/v1/records/push":
            sent = wire.decode(wire.PushRequest, await request.read())
            if sent.journal_id == personal:
                pushed.append([(r.record_id, r.epoch, r.ciphertext) for r in sent.records])
        if not (forged[0] and request.path == "/v1/records/push"):
            return await forward(session, request)
        forged[0] = 0
        refusal = wire.encode(wire.ErrorReply("stale_epoch", "the journal's key changed"))
        return web.Response(status=409, body=refusal, content_type="application/msgpack")

    hostile.forward = refuse_once  # type: ignore[method-assign]
    await ana.entries.write("Personal", "Before the refusal.")
    first = await ana.sync()
    held = f"journal 'Personal': changes kept on this device, not pushed: {STALE_HELD}"
    assert held in first.problems
    assert len(pushed) == 1, "not handed over again in the sync that was refused"
    refused = pushed[0]

    taken = await ana.measures.take("phq9", [0] * 8 + [2])
    flag = await ana.safety.respond(taken.result)
    second = await ana.sync()
    assert f"journal 'Personal': {STALE_RELEASED}" in second.problems
    assert held not in second.problems
    assert await ana.store.outbox() == []
    again = {record[0]: record for batch in pushed[1:] for record in batch}
    assert all(
        again[record_id] == (record_id, epoch, sealed) for record_id, epoch, sealed in refused
    ), "the refused records go again as they are"
    await tom.sync()
    assert [f.id for f in await tom.safety.flags()] == [flag.flag_id]
    assert "Before the refusal." in [e.body for e in await tom.entries.list("ana/Personal")]
    third = await ana.sync()
    assert third.problems == []
