"""What a device says of a safety flag whose push may have stored it, though it never
recorded the server's answer: a sync stopped after the push's reply arrived and before the
acknowledgement was recorded says the flag may have left (cause "no answer", status
"unknown"), never "has NOT left"; a flag whose push got no answer and that the server then
refused (set aside) says both, never "refused" alone, which would say the server holds
nothing (real server on loopback behind a lying proxy, real crypto)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

import cli.main  # noqa: F401  (the commands load in order)
from cli.safety import status_words
from client_sdk import NetworkError, wire
from tests.client.flag_judging import opted_in_through, seal_flag
from tests.client.hostile import HostileServer, hostile  # noqa: F401 (fixture)
from tests.conftest import ClientFactory

pytestmark = pytest.mark.usefixtures("quick_retries")


async def test_a_sync_stopped_before_recording_the_push_reply_says_the_flag_may_have_left(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    laptop, tablet, drsmith = await opted_in_through(signup, hostile, tmp_path / "tablet")
    try:
        flag_id = await seal_flag(tablet)  # not synced: "offline"
        forward = hostile.forward
        busy = asyncio.Lock()  # the store busy with another transaction of this process

        async def answered(session: aiohttp.ClientSession, request: web.Request) -> web.Response:
            reply = await forward(session, request)
            if request.path == "/v1/records/push" and not busy.locked():
                await tablet.store._lock.acquire()  # the reply arrives; nothing is recorded
                await busy.acquire()
            return reply

        hostile.forward = answered  # type: ignore[method-assign]
        cut = asyncio.create_task(tablet.sync())
        while not busy.locked():
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.3)  # the reply reached the device, which waits to record it
        cut.cancel()  # a quick sync's time limit
        await asyncio.sleep(0.1)
        tablet.store._lock.release()
        await asyncio.wait([cut])
        assert cut.cancelled()
        hostile.forward = forward  # type: ignore[method-assign]

        await drsmith.sync()
        assert flag_id in {f.id for f in await drsmith.safety.flags()}  # stored
        [flag] = await tablet.safety.unsent()
        assert (flag.flag_id, flag.cause) == (flag_id, "no answer"), flag
        said = flag.line()
        assert "has NOT left" not in said and "cannot see it" not in said, said
        assert "may have left this device: the sync stopped after a push that carried it" in said
        [mine] = [f for f in await tablet.safety.flags() if f.id == flag_id]
        assert mine.status == "unknown", mine
        assert status_words(mine) == (
            "unknown: sent, its storing never confirmed here; a later sync settles it"
        )

        await tablet.sync()  # the next push settles it
        assert await tablet.safety.unsent() == []
        [mine] = [f for f in await tablet.safety.flags() if f.id == flag_id]
        assert mine.status == "sent", mine
    finally:
        await tablet.close()


async def test_a_flag_whose_push_got_no_answer_then_refused_says_it_may_have_left(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    laptop, tablet, drsmith = await opted_in_through(signup, hostile, tmp_path / "tablet")
    try:
        flag_id = await seal_flag(tablet)  # not synced: "offline"
        forward = hostile.forward
        answers = [503, 413]  # no answer the device can trust, then refused for good

        async def lying(session: aiohttp.ClientSession, request: web.Request) -> web.Response:
            if request.path == "/v1/records/push" and answers:
                status = answers[0]
                code = "unavailable" if status == 503 else "record_too_large"
                error = wire.encode(wire.ErrorReply(code, "refused"))
                return web.Response(status=status, body=error, content_type="application/msgpack")
            return await forward(session, request)

        hostile.forward = lying  # type: ignore[method-assign]
        with pytest.raises(NetworkError):
            await tablet.sync()  # no answer: the server may hold it
        answers.pop(0)
        report = await tablet.sync()  # sent again: refused, set aside
        assert flag_id in {s.doc_id for s in report.set_aside}

        [flag] = await tablet.safety.unsent()
        assert (flag.flag_id, flag.cause) == (flag_id, "no answer"), flag
        assert flag.reason, flag  # the later refusal's why, kept
        said = flag.line()
        assert "has NOT reached" not in said and "cannot see it" not in said, said
        assert "may have left this device: a push that carried it got no answer" in said, said
        assert "then refused it (" in said, said
        [mine] = [f for f in await tablet.safety.flags() if f.id == flag_id]
        assert mine.status == "unknown", mine
    finally:
        await tablet.close()
