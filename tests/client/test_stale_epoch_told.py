"""What a device says of the changes it holds after a `stale_epoch` refusal (rev30c F3, F7).
A hold is released only by a sync, which says so (STALE_RELEASED): never by a `push_outbox`
outside one, whose report no one reads. A server that refuses every push as `stale_epoch`
gets one line a sync, "refused again" (never "sent again" and "kept" both), and each safety
flag held so is named at every such sync (`SyncReport.undelivered_flags`, cause "refused",
its journal in `reason`). Real server on 127.0.0.1 behind the hostile proxy, real crypto."""

from __future__ import annotations

import aiohttp
from aiohttp import web

from client_sdk import Client, wire
from client_sdk.replica import STALE_HELD, STALE_REFUSED_AGAIN, STALE_RELEASED
from tests.client.hostile import HostileServer, Through, hostile, through  # noqa: F401
from tests.client.sharing_support import journal_id, share_with
from tests.conftest import ClientFactory


def refuse_as_stale(proxy: HostileServer, journal: bytes, times: int | None) -> list[int]:
    """The proxy answers the first `times` pushes of `journal` (None: every one) with 409
    `stale_epoch`, never forwarded. Returns the number of records of each push of it."""
    pushed: list[int] = []
    refused = [0]
    forward = proxy.forward

    async def refuse(session: aiohttp.ClientSession, request: web.Request) -> web.Response:
        if request.path == "/v1/records/push":
            sent = wire.decode(wire.PushRequest, await request.read())
            if sent.journal_id == journal:
                pushed.append(len(sent.records))
                if times is None or refused[0] < times:
                    refused[0] += 1
                    error = wire.encode(wire.ErrorReply("stale_epoch", "the journal's key changed"))
                    return web.Response(status=409, body=error, content_type="application/msgpack")
        return await forward(session, request)

    proxy.forward = refuse  # type: ignore[method-assign]
    return pushed


async def shared_personal(ana: Client, tom: Client) -> bytes:
    await share_with(ana, tom, role="annotate", safety_flags=True)
    await ana.sync()
    return await journal_id(ana, "Personal")


async def test_a_hold_is_released_by_a_sync_never_by_a_push_outside_one(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    through: Through,  # noqa: F811
) -> None:
    ana = await through("ana")
    tom = await signup("tom")
    pushed = refuse_as_stale(hostile, await shared_personal(ana, tom), times=1)
    await ana.entries.write("Personal", "Before the refusal.")
    first = await ana.sync()
    held = f"journal 'Personal': changes kept on this device, not pushed: {STALE_HELD}"
    assert held in first.problems
    assert pushed == [1]

    await ana.replica.push_outbox()  # a share's push, say: its report is read by no one
    assert pushed == [1], "held until a sync, which says it sends them again"
    assert len(await ana.store.outbox()) == 1

    second = await ana.sync()
    assert f"journal 'Personal': {STALE_RELEASED}" in second.problems, second.problems
    assert pushed == [1, 1]
    assert await ana.store.outbox() == []
    await tom.sync()
    assert "Before the refusal." in [e.body for e in await tom.entries.list("ana/Personal")]


async def test_a_server_refusing_every_push_as_stale_is_told_once_a_sync_naming_the_flag(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    through: Through,  # noqa: F811
) -> None:
    ana = await through("ana")
    tom = await signup("tom")
    pushed = refuse_as_stale(hostile, await shared_personal(ana, tom), times=None)
    await ana.entries.write("Personal", "Held by the server's refusals.")
    taken = await ana.measures.take("phq9", [0] * 8 + [2])
    flag_id = (await ana.safety.respond(taken.result)).flag_id
    assert flag_id is not None

    again = f"journal 'Personal': changes kept on this device, not pushed: {STALE_REFUSED_AGAIN}"
    for count in range(1, 4):
        report = await ana.sync()
        assert len(pushed) == count, "one push of the journal a sync"
        stale_lines = [line for line in report.problems if "old key" in line]
        if count == 1:
            assert stale_lines == [
                f"journal 'Personal': changes kept on this device, not pushed: {STALE_HELD}"
            ]
        else:  # released, refused again: one line, never "sent again as they are"
            assert stale_lines == [again], report.problems
        [flag] = report.undelivered_flags
        assert (flag.flag_id, flag.cause, flag.members) == (flag_id, "refused", ("tom",))
        assert flag.journal == "Personal" and flag.item == 9 and flag.answer == 2
        row = flag.to_dict()
        assert row["cause"] == "refused" and row["journal"] == "Personal"
        assert "old key of Personal" in row["reason"], row
        said = " ".join(report.lines())
        assert f"flag {flag_id[:8]}) for tom has NOT reached tom" in said, said
        assert "If you want them to know, tell them yourself." in said, said
    assert [(u.flag_id, u.cause) for u in await ana.safety.unsent()] == [(flag_id, "not sent")]
