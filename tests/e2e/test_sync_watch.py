"""`tj sync --watch` as a user runs it: a real `tj` process stays connected to the live channel
and pulls a change made on another device when the channel tells it to, until interrupted.

Timeouts here only bound a hang (a broken build must fail, not stall CI); they never measure
speed, so they are generous for a busy 2-core machine (see tests/README.md).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

from client_sdk import INSECURE_TEST_COST, Client
from client_sdk.devices import SIGN_INS
from tests.conftest import PASSWORD, RunningServer
from tests.test_cli import Outage, outage  # noqa: F401 (the outage fixture)

TJ = str(Path(sys.executable).parent / "tj")
# `tj` as a terminal starts it: with SIGINT at its default. A process started in the
# background by a non-interactive shell (nohup, `cmd &`, some CI runners) ignores SIGINT, its
# children inherit that, and Python then installs no KeyboardInterrupt handler: Ctrl-C would
# be ignored and the watcher would never stop. Reset it before exec'ing `tj`.
AS_FROM_A_TERMINAL = [
    sys.executable,
    "-c",
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "os.execv(sys.argv[1], sys.argv[1:])",
    TJ,
]
HANG = 60.0  # seconds after which a step is a hang, not a slow machine


async def read_line_containing(stream: asyncio.StreamReader, text: str) -> str:
    async def scan() -> str:
        while True:
            line = (await stream.readline()).decode()
            if not line:
                raise AssertionError(f"the process ended before printing {text!r}")
            if text in line:
                return line

    return await asyncio.wait_for(scan(), HANG)


async def test_sync_watch_pulls_a_change_through_the_live_channel_and_exits_on_ctrl_c(
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
        *AS_FROM_A_TERMINAL,
        "sync",
        "--watch",
        "--json",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert watcher.stderr is not None and watcher.stdout is not None
        # Printed once the socket is up and the catch-up sync that follows connecting is done:
        # from here on, only the live channel can bring the laptop's change.
        await read_line_containing(watcher.stderr, "connected: watching for changes")
        await laptop.entries.write(None, "written on the laptop")
        await laptop.sync()
        line = json.loads(await read_line_containing(watcher.stdout, '"pulled": 1'))
        assert (line["pushed"], line["pulled"], line["problems"]) == (0, 1, [])
        assert line["trigger"] == "notice"
        watcher.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(watcher.wait(), HANG) == 0
        assert "stopped watching" in (await watcher.stderr.read()).decode()
    finally:
        if watcher.returncode is None:
            watcher.kill()
            await watcher.wait()
        await laptop.close()
    phone = await Client.open(tmp_path / "phone")
    try:
        assert [e.body for e in await phone.entries.list()] == ["written on the laptop"]
    finally:
        await phone.close()


async def test_sync_watch_in_text_prints_one_plain_line_per_change(
    live_server: RunningServer, tmp_path: Path
) -> None:
    laptop = await Client.signup(
        live_server.url,
        "ana",
        PASSWORD,
        home=tmp_path / "laptop",
        device_name="laptop",
        kdf_cost=INSECURE_TEST_COST,
    )
    phone = await Client.login(
        live_server.url, "ana", PASSWORD, home=tmp_path / "phone", minimum_cost=INSECURE_TEST_COST
    )
    await phone.close()
    env = {**os.environ, "TJ_HOME": str(tmp_path / "phone"), "TJ_INSECURE_TEST_KDF": "1"}
    watcher = await asyncio.create_subprocess_exec(
        *AS_FROM_A_TERMINAL,
        "sync",
        "--watch",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert watcher.stderr is not None and watcher.stdout is not None
        await read_line_containing(watcher.stderr, "connected: watching for changes")
        await laptop.entries.write(None, "first")
        await laptop.entries.write(None, "second")
        await laptop.goals.add("Walk daily")
        await laptop.sync()
        lines = [await read_line_containing(watcher.stdout, "from laptop")]
        while (
            not any("goal" in line for line in lines)
            or sum(int(line.split()[1]) for line in lines if "entr" in line) < 2
        ):
            lines.append(await read_line_containing(watcher.stdout, "from laptop"))
        for line in lines:
            at, rest = line.strip().split(" ", 1)
            assert len(at) == 5 and at[2] == ":"  # HH:MM, local time
            assert rest in {
                "2 new entries from laptop",
                "1 new entry from laptop",
                "1 new goal from laptop",
            }
        watcher.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(watcher.wait(), HANG) == 0
    finally:
        if watcher.returncode is None:
            watcher.kill()
            await watcher.wait()
        await laptop.close()


async def test_a_damaged_local_store_fails_the_command_instead_of_hanging_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """Store.open used to leave aiosqlite's worker thread running when setting the database
    up failed (a damaged file, or Ctrl-C while opening): the process could never exit."""
    laptop = await Client.signup(
        live_server.url, "ana", PASSWORD, home=tmp_path / "laptop", kdf_cost=INSECURE_TEST_COST
    )
    await laptop.close()
    (tmp_path / "laptop" / "store.db").write_bytes(b"not a database " * 1000)
    for name in ("store.db-wal", "store.db-shm"):
        (tmp_path / "laptop" / name).unlink(missing_ok=True)
    env = {**os.environ, "TJ_HOME": str(tmp_path / "laptop")}
    command = await asyncio.create_subprocess_exec(
        TJ, "list", env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        assert await asyncio.wait_for(command.wait(), HANG) == 1
        assert command.stderr is not None
        assert "Error: the local store" in (await command.stderr.read()).decode()
    finally:
        if command.returncode is None:
            command.kill()
            await command.wait()


async def test_sync_watch_says_when_it_lost_the_connection_and_when_it_is_back(
    live_server: RunningServer,
    tmp_path: Path,
    outage: Outage,  # noqa: F811
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
        *AS_FROM_A_TERMINAL,
        "sync",
        "--watch",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert watcher.stderr is not None and watcher.stdout is not None
        await read_line_containing(watcher.stderr, "connected: watching for changes")
        await outage.begin()
        lost = await read_line_containing(watcher.stderr, "connection lost")
        assert "the server cannot be reached" in lost
        await laptop.entries.write(None, "written while the phone was cut off")
        await outage.end()
        await laptop.sync()
        back = await read_line_containing(watcher.stderr, "connected again")
        assert "(lost at " in back and "caught up" in back
        await read_line_containing(watcher.stdout, "1 new entry")
        watcher.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(watcher.wait(), HANG) == 0
    finally:
        if watcher.returncode is None:
            watcher.kill()
            await watcher.wait()
        await laptop.close()


async def test_sync_watch_tells_a_sign_in_its_hourly_look_finds(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """The watch's syncs look for new sign-ins once an hour: one found with nothing else
    new is printed by the watch (it used to be taken as seen and never said, neither by the
    watch nor by a later `tj sync`)."""
    laptop = await Client.signup(
        live_server.url, "ana", PASSWORD, home=tmp_path / "laptop", kdf_cost=INSECURE_TEST_COST
    )
    await laptop.sync()  # the baseline look
    kept = json.loads(await laptop.store.setting(SIGN_INS) or "{}")
    await laptop.store.put_setting(SIGN_INS, json.dumps({**kept, "at": 1}))  # an hour on
    await laptop.close()
    thief = await Client.login(
        live_server.url,
        "ana",
        PASSWORD,
        home=tmp_path / "thief",
        device_name="thief",
        minimum_cost=INSECURE_TEST_COST,
    )
    await thief.close()  # stays signed in
    env = {**os.environ, "TJ_HOME": str(tmp_path / "laptop"), "TJ_INSECURE_TEST_KDF": "1"}
    watcher = await asyncio.create_subprocess_exec(
        *AS_FROM_A_TERMINAL,
        "sync",
        "--watch",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert watcher.stderr is not None and watcher.stdout is not None
        await read_line_containing(watcher.stderr, "connected: watching for changes")
        told = await read_line_containing(watcher.stderr, "New sign-in on this account")
        assert "'thief'" in told
        watcher.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(watcher.wait(), HANG) == 0
    finally:
        if watcher.returncode is None:
            watcher.kill()
            await watcher.wait()
    again = await asyncio.create_subprocess_exec(
        TJ, "sync", env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    _, err = await asyncio.wait_for(again.communicate(), HANG)
    assert again.returncode == 0
    assert "New sign-in" not in err.decode()  # told once, by the watch
