"""A safety flag refused for good (set aside) by a sync the hostile server then cuts off
(503): that sync's report never reaches the app. The next sync sends it again, the server
refuses it again, and the report tells it as new (`SetAside.refused_before` False, so `tj sync`
tells it in full and exits 4), never as a reminder of something the user was told before:
a set-aside safety flag is told in full at every sync (real server behind a lying proxy)."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from cli import output
from cli.main import NOT_DELIVERED_EXIT, sync_exit_status
from client_sdk import NetworkError, wire
from tests.client.flag_judging import ITEM_9
from tests.client.hostile import HostileServer, hostile, login_through  # noqa: F401
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory

# Replies are lost or requests failed here to test what the retry does, not how long it
# waits: every client retries with QUICK_RETRY (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("quick_retries")


async def test_a_flag_set_aside_by_a_cut_off_sync_is_told_in_full_at_the_next(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    laptop, drsmith = await signup("ana"), await signup("drsmith")
    await share_with(laptop, drsmith, role="annotate")
    await laptop.safety.set_plan(share_flags=True)
    await laptop.sync()
    tablet = await login_through(hostile, "ana", tmp_path / "tablet")
    state = {"refuse": True, "cut": False}
    forward = hostile.forward

    async def lying(session: aiohttp.ClientSession, request: web.Request) -> web.Response:
        if state["cut"] or (state.get("armed") and request.path != "/v1/records/push"):
            state["cut"] = True
            error = wire.encode(wire.ErrorReply("unavailable", "try later"))
            return web.Response(status=503, body=error, content_type="application/msgpack")
        if state["refuse"] and request.path == "/v1/records/push":
            state["armed"] = first[0]  # the first time: cut the rest of that sync after the pushes
            error = wire.encode(wire.ErrorReply("record_too_large", "refused"))
            return web.Response(status=413, body=error, content_type="application/msgpack")
        return await forward(session, request)

    first = [False]
    try:
        await tablet.sync()
        hostile.forward = lying  # type: ignore[method-assign]
        taken = await tablet.measures.take("phq9", ITEM_9)
        flag_id = (await tablet.safety.respond(taken.result)).flag_id
        first[0] = True
        with pytest.raises(NetworkError):
            await tablet.sync()  # flag set aside, then the sync cut off: no report
        aside_kinds = [(c.kind, c.doc_id == flag_id) for c in await tablet.set_aside()]
        assert aside_kinds == [("measure", False), ("safety_flag", True)], aside_kinds
        first[0] = False
        state["cut"] = False
        state["armed"] = False
        report = await tablet.sync()  # refused again
        [aside] = [s for s in report.set_aside if s.doc_id == flag_id]
        assert aside.tried_again and not aside.refused_before, aside  # told in full again
        [result] = [s for s in report.set_aside if s.doc_id != flag_id]
        assert result.refused_before, result  # a result is only reminded of
        assert output.newly_set_aside(report) == [aside]
        assert sync_exit_status(report) == NOT_DELIVERED_EXIT
    finally:
        await tablet.close()
