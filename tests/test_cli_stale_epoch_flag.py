"""A server that refuses every push as `stale_epoch` (the journal's key moved, it says, while
the verified access chain shows no newer key) keeps a safety flag on the device for as long as
it refuses: `tj sync` names the flag held (which answer, of when, for whom, in which journal)
and says to tell them directly, and `tj sync --json` has it in `undelivered_flags` (cause
"refused", its journal in `reason`), at every such sync (rev30c F7). Real server on loopback,
CliRunner, a proxy in front of it refusing the pushes."""

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


def refuse_pushes_as_stale(proxy: HostileServer) -> None:
    """Every push is answered 409 `stale_epoch`, never forwarded."""
    forward = proxy.forward

    async def refused(session: aiohttp.ClientSession, request: web.Request) -> web.Response:
        if request.path == "/v1/records/push":
            await request.read()
            error = wire.encode(wire.ErrorReply("stale_epoch", "the journal's key changed"))
            return web.Response(status=409, body=error, content_type="application/msgpack")
        return await forward(session, request)

    proxy.forward = refused  # type: ignore[method-assign]


async def test_tj_sync_names_a_flag_held_by_stale_epoch_refusals(
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
    refuse_pushes_as_stale(hostile)

    for _ in range(2):  # at every sync the server refuses it
        synced = await ana.tj("sync")
        text = said(synced.stdout + synced.stderr)
        assert "Safety: The safety flag of your PHQ-9 of 20" in text, text  # and its time
        assert (
            f" UTC (item 9 answered 1; flag {flag_id[:8]}) for drsmith has NOT reached drsmith: "
            "the server refused it (as sealed under an old key of Personal, while this device "
            "has verified no newer key of it"
        ) in text, text
        assert "If you want them to know, tell them yourself." in text, text
        assert "Your safety plan: `tj safety plan`" in text, text

    report = json.loads((await ana.tj("sync", "--json")).raw_stdout)
    [row] = report["undelivered_flags"]
    assert (row["flag_id"], row["cause"], row["journal"], row["members"]) == (
        flag_id,
        "refused",
        "Personal",
        ["drsmith"],
    ), row
    assert row["reason"].startswith("as sealed under an old key of Personal"), row
    assert row["raised_at"] is not None
    assert [r["id"] for r in report["unsent_flags"]] == [flag_id]
