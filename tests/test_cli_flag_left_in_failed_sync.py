"""A safety flag the client was told had NOT left, and what a device says of its delivery when
the sync that sends it fails after its push: the failed sync's own words say it left, a signed-out `tj sync --json` carries the held flag's
rows, and a push whose reply was lost is said to have no answer, never "has NOT left" (real
server on loopback, CliRunner, a hostile proxy in front of it)."""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp
from aiohttp import web

from client_sdk import Client
from tests.client.hostile import HostileServer, hostile  # noqa: F401 (fixture)
from tests.conftest import RunningServer
from tests.test_cli import PASSWORD, Device, Outage, outage  # noqa: F401 (fixture)
from tests.test_cli_insights import new_device
from tests.test_cli_nu52_findings import flat

ITEM_9_ONE = "0,0,0,0,0,0,0,0,1"


async def shared_with_drsmith(ana: Device, live_server: RunningServer, tmp_path: Path) -> Device:
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--safety-flags",
        "--fingerprint", drsmith.signup["fingerprint"],
    )  # fmt: skip
    return drsmith


async def test_a_flag_that_left_in_a_sync_failing_after_its_push_is_said_left_once(
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The server stores and acknowledges the flag's push, then fails the pull of the same
    sync: the failed sync's own words say it left (fix29d), so the next sync that completes
    does not say it again."""
    ana = Device(tmp_path / "ana", hostile.url)
    ana.signup = await ana.json("signup", hostile.url, "ana")
    drsmith = await shared_with_drsmith(ana, live_server, tmp_path)
    down = [True]

    async def cut() -> None:
        if down[0]:
            raise web.HTTPServiceUnavailable()  # a passing failure: kept, tried again later

    async with await Client.open(ana.home) as offline:  # recorded with no sync, as offline
        taken = await offline.measures.take("phq9", [0] * 8 + [1])
        assert (await offline.safety.respond(taken.result)).flag_id is not None
        [waiting] = await offline.safety.unsent()
        assert waiting.cause == "not sent", waiting
    hostile.holds["/v1/sync"] = cut  # the push goes through, the pull after it fails
    failed = await ana.tj("sync", "--json")
    error = json.loads(failed.raw_stdout)["error"]
    said = flat(error["message"])
    assert failed.exit_code != 0, said
    [flag] = (await drsmith.json("safety", "flags"))["flags"]  # it reached the server
    assert (
        f"flag {flag['id'][:8]}) left this device before the sync failed: the server "
        "acknowledged it, so drsmith can get it at their next sync"
    ) in said, said
    assert "has NOT left" not in said, said
    [row] = error["flags_sent"]
    assert (row["id"], row["members"]) == (flag["id"], ["drsmith"]), row
    down[0] = False
    again = await ana.tj("sync")
    said = flat(again.stderr)
    assert again.exit_code == 0, said
    assert "left this device" not in said, said  # said once, by the failed sync
    [mine] = (await ana.json("safety", "flags"))["flags"]
    assert mine["status"] == "sent", mine


async def test_a_signed_out_sync_json_carries_the_held_flags_rows(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """A device revoked by another holds a flag: `tj sync --json`'s error object has its row
    in `unsent_flags`, as an offline sync's has, besides the words in its message."""
    laptop = Device(tmp_path / "laptop", live_server.url)
    await laptop.ok("signup", live_server.url, "ana", "--device-name", "laptop")
    phone = Device(tmp_path / "phone", live_server.url)
    await phone.ok(
        "login", live_server.url, "ana", "--device-name", "phone", env={"TJ_PASSWORD": PASSWORD}
    )
    await shared_with_drsmith(laptop, live_server, tmp_path)
    await phone.ok("sync")
    [row] = [d for d in await laptop.json("devices") if d["name"] == "phone"]
    await laptop.ok("devices", "revoke", row["id"][:8], "--yes")
    await phone.tj("measure", "take", "phq9", "--answers", ITEM_9_ONE, "--json")
    failed = await phone.tj("sync", "--json")
    error = json.loads(failed.raw_stdout)["error"]
    assert failed.exit_code != 0 and "has NOT left" in error["message"], error
    [flag] = error["unsent_flags"]
    assert flag["status"] == "not sent" and flag["measure"] == "phq9", flag


async def test_a_push_whose_reply_was_lost_is_never_said_not_to_have_left(
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The server stores the flag's push and the reply never comes back (the connection
    closed after it answered): the failed sync says the flag may NOT have left (no reply
    confirmed it), never that it has NOT left nor that drsmith cannot see it, while drsmith
    holds it; its JSON status is "unknown", and the next sync settles it as sent."""
    ana = Device(tmp_path / "ana", hostile.url)
    ana.signup = await ana.json("signup", hostile.url, "ana")
    drsmith = await shared_with_drsmith(ana, live_server, tmp_path)
    async with await Client.open(ana.home) as offline:  # recorded with no sync, as offline
        taken = await offline.measures.take("phq9", [0] * 8 + [1])
        assert (await offline.safety.respond(taken.result)).flag_id is not None
    forward = hostile.forward
    lose = [True]

    async def reply_lost(session: aiohttp.ClientSession, request: web.Request) -> web.Response:
        answer = await forward(session, request)
        if lose[0] and request.path == "/v1/records/push":
            assert request.transport is not None
            request.transport.close()  # stored, and the answer never reaches the device
        return answer

    hostile.forward = reply_lost  # type: ignore[method-assign]
    failed = await ana.tj("sync", "--json")
    error = json.loads(failed.raw_stdout)["error"]
    assert failed.exit_code != 0, error
    [flag] = (await drsmith.json("safety", "flags"))["flags"]  # the server holds it
    assert "has NOT left" not in error["message"] and "cannot see it" not in error["message"]
    assert "may NOT have left this device: a push that carried it reached the server" in said(
        error["message"]
    ), error
    [row] = error["unsent_flags"]
    assert (row["id"], row["status"]) == (flag["id"], "unknown"), row
    shown = said((await ana.tj("safety", "flags")).stdout)  # its sync loses the reply too
    assert "No answer: The safety flag of your PHQ-9" in shown, shown
    assert "Not sent:" not in shown and "has NOT left" not in shown, shown
    lose[0] = False
    settled = await ana.tj("sync")
    assert settled.exit_code == 0, settled.output
    [mine] = (await ana.json("safety", "flags"))["flags"]
    assert mine["status"] == "sent", mine


def said(text: str) -> str:
    return " ".join(text.split())


async def test_a_take_whose_flags_push_reply_was_lost_says_its_status_is_unknown(
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """`tj measure take` whose own sync pushes the flag and loses the reply: its `flag`
    status is "unknown" and its words say it may NOT have left, never "has NOT left", while
    drsmith holds the flag."""
    ana = Device(tmp_path / "ana", hostile.url)
    ana.signup = await ana.json("signup", hostile.url, "ana")
    drsmith = await shared_with_drsmith(ana, live_server, tmp_path)
    forward = hostile.forward

    async def reply_lost(session: aiohttp.ClientSession, request: web.Request) -> web.Response:
        answer = await forward(session, request)
        if request.path == "/v1/records/push":
            assert request.transport is not None
            request.transport.close()
        return answer

    hostile.forward = reply_lost  # type: ignore[method-assign]
    taken = await ana.tj("measure", "take", "phq9", "--answers", ITEM_9_ONE, "--json")
    flag = json.loads(taken.raw_stdout)["flag"]
    [held] = (await drsmith.json("safety", "flags"))["flags"]
    assert (flag["id"], flag["status"]) == (held["id"], "unknown"), flag
    text = said(taken.stderr)
    assert "has NOT left" not in text and "The safety flag may NOT have left this device" in text
