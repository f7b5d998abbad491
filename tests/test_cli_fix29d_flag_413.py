"""A safety flag the server refuses with HTTP 413 (`too_large`) is set aside and sent again at
every sync: `tj sync --json` lists it in `unsent_flags` beside its `set_aside` row, and the
text names it as a flag still on this device, whom it is for and where help is (fix29d).
Real server on loopback, CliRunner, a proxy in front of it refusing the pushes."""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp
from aiohttp import web

from client_sdk import Client, wire
from tests.client.hostile import HostileServer, hostile  # noqa: F401 (fixture)
from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_flag_left_in_failed_sync import said, shared_with_drsmith


def refuse_pushes_as_too_large(proxy: HostileServer) -> None:
    """Every push is answered 413 `too_large`, never forwarded."""
    forward = proxy.forward

    async def refused(session: aiohttp.ClientSession, request: web.Request) -> web.Response:
        if request.path == "/v1/records/push":
            await request.read()
            error = wire.encode(wire.ErrorReply("too_large", "too large"))
            return web.Response(status=413, body=error, content_type="application/msgpack")
        return await forward(session, request)

    proxy.forward = refused  # type: ignore[method-assign]


async def test_a_flag_set_aside_by_a_413_is_listed_as_unsent(
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    ana = Device(tmp_path / "ana", hostile.url)
    ana.signup = await ana.json("signup", hostile.url, "ana")
    await shared_with_drsmith(ana, live_server, tmp_path)
    async with await Client.open(ana.home) as offline:  # recorded with no sync, as offline
        taken = await offline.measures.take("phq9", [0] * 8 + [1])
        flag_id = (await offline.safety.respond(taken.result)).flag_id
    assert flag_id is not None
    refuse_pushes_as_too_large(hostile)

    synced = await ana.tj("sync", "--json")
    assert synced.exit_code == 4, synced.output
    report = json.loads(synced.raw_stdout)
    assert flag_id in [row["doc_id"] for row in report["set_aside"]], report["set_aside"]
    [row] = report["unsent_flags"]
    assert (row["id"], row["status"], row["unsent"]) == (flag_id, "not sent", True), row

    again = await ana.tj("sync")
    text = said(again.stdout + again.stderr)
    assert again.exit_code == 4, text
    assert f"flag {flag_id[:8]})" in text and "for drsmith" in text, text
    assert "Your safety plan: `tj safety plan`" in text, text

    shown = said((await ana.tj("safety", "flags")).stdout)
    assert (
        "has NOT reached drsmith: the server refused it (the change is larger than the server "
        "accepts); this device keeps it and sends it again at every sync"
    ) in shown, shown
    assert "until this device syncs" not in shown, shown  # no sync sends it while refused
    assert "Refused: The safety flag of your PHQ-9" in shown and "Not sent:" not in shown
    async with await Client.open(ana.home) as client:
        [unsent] = await client.safety.unsent()
    assert (unsent.flag_id, unsent.cause) == (flag_id, "refused"), unsent
    assert unsent.to_dict()["reason"] == "the change is larger than the server accepts"
