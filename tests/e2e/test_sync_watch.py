"""`tj sync --watch` as a user runs it: a real `tj` process stays connected to the live channel
and pulls a change made on another device, without polling, until interrupted."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from client_sdk import INSECURE_TEST_COST, Client
from tests.conftest import PASSWORD, RunningServer

TJ = str(Path(sys.executable).parent / "tj")


async def read_line_containing(stream: asyncio.StreamReader, text: str, timeout: float) -> str:
    async def scan() -> str:
        while True:
            line = (await stream.readline()).decode()
            if not line:
                raise AssertionError(f"the process ended before printing {text!r}")
            if text in line:
                return line

    return await asyncio.wait_for(scan(), timeout)


async def test_sync_watch_pulls_a_change_from_another_device_until_interrupted(
    live_server: RunningServer, tmp_path: Path
) -> None:
    laptop = await Client.signup(
        live_server.url, "ana", PASSWORD, home=tmp_path / "laptop", kdf_cost=INSECURE_TEST_COST
    )
    phone = await Client.login(
        live_server.url, "ana", PASSWORD, home=tmp_path / "phone", minimum_cost=INSECURE_TEST_COST
    )
    await phone.close()
    env = {**os.environ, "TJ_HOME": str(tmp_path / "phone"), "TJ_INSECURE_TEST_KDF": "1"}
    watcher = await asyncio.create_subprocess_exec(
        TJ,
        "sync",
        "--watch",
        "--json",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert watcher.stderr is not None and watcher.stdout is not None
        await read_line_containing(watcher.stderr, "watching for changes", timeout=20)
        await asyncio.sleep(0.3)  # let the socket connect
        await laptop.write(None, "written on the laptop")
        await laptop.sync()
        line = await read_line_containing(watcher.stdout, '"pulled": 1', timeout=20)
        assert '"pushed": 0' in line
        watcher.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(watcher.wait(), 20) == 0
    finally:
        if watcher.returncode is None:
            watcher.kill()
            await watcher.wait()
        await laptop.close()
    phone = await Client.open(tmp_path / "phone")
    try:
        assert [e.body for e in await phone.entries()] == ["written on the laptop"]
    finally:
        await phone.close()
