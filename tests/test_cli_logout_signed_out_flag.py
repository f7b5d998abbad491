"""`tj logout` whose last count, after the server signed the device out, finds a safety flag
another program sealed meanwhile: the flag is named once, in the words saying the logout
would delete it, never a second time in the advice to log in again (real `tj`, CliRunner, a
loopback proxy in front of the real server)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from client_sdk import Client
from tests.client.hostile import HostileServer, hostile  # noqa: F401 (fixture)
from tests.conftest import RunningServer
from tests.test_cli import Device, failed_with_one_line
from tests.test_cli_flag_left_in_failed_sync import shared_with_drsmith


async def test_a_flag_sealed_while_tj_logout_waits_is_named_once(
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    ana = Device(tmp_path / "ana", hostile.url)
    ana.signup = await ana.json("signup", hostile.url, "ana")
    await shared_with_drsmith(ana, live_server, tmp_path)
    held, release = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        held.set()
        await release.wait()

    hostile.holds["/v1/auth/logout"] = hold
    app = await Client.open(ana.home)
    try:
        run = asyncio.create_task(ana.tj("logout"))
        await held.wait()  # `tj logout` found nothing unsynced and asked nothing
        taken = await app.measures.take("phq9", [0] * 8 + [1])
        flag_id = (await app.safety.respond(taken.result)).flag_id
        assert flag_id is not None
        release.set()
        await asyncio.wait([run])
    finally:
        release.set()
        await app.close()
    line = failed_with_one_line(run.result())
    assert "the server already signed this device out" in line, line
    assert line.count(f"flag {flag_id[:8]})") == 1, line
    assert "logging out deletes it, and drsmith will never get it" in line, line
