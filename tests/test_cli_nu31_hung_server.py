"""NU31 F1: a server that accepts connections and then never answers (a real server process
stopped with SIGSTOP: the kernel still completes the TCP handshake) held every command that
needs the server for minutes, silently: `tj devices` 4 min, `tj logout --yes` 5 min (it
retried a push `--yes` had agreed to drop). Each request now waits at most `tj
--server-wait` seconds without a byte from the server (30 by default; $TJ_SERVER_WAIT, set to
0.4 here, below its least of 1 s through the test setting $TJ_TEST_SERVER_WAIT_LEAST, so the
suite pays seconds, not minutes: the same code path and outcome), is not
retried, and the command ends with one line saying what failed, that nothing on this device
was lost, and what to do. `tj logout --yes` ends within its quick sync and a bounded sign-out
request, and deletes the local data as agreed."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from cli.main import SERVER_WAIT_S
from client_sdk import AnswerWait, Client, NetworkError, answer_wait
from client_sdk.crypto import INSECURE_TEST_COST
from client_sdk.profile import PROFILE_FILE
from client_sdk.transport import NO_ANSWER, NO_ANSWER_S, Transport
from tests.conftest import PASSWORD
from tests.e2e.test_server_restart import ServerProcess
from tests.test_cli import Device, succeeded

WAIT = 0.4
"""$TJ_SERVER_WAIT in these tests (under its least of 1 s: $TJ_TEST_SERVER_WAIT_LEAST)."""
WAIT_ENV = {"TJ_SERVER_WAIT": str(WAIT), "TJ_TEST_SERVER_WAIT_LEAST": "0.1"}
QUICK_SYNC = 0.2
"""`cli.main.QUICK_SYNC_S` in these tests (10 s for real): the server is stopped, so any
wait ends the same way."""
BOUND = 20.0
"""Each command's end, at most: a few times WAIT (a quick sync first, then one request) on a
slow shared machine; before the fix each took 60 s or more."""


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[ServerProcess]:
    process = ServerProcess(tmp_path / "server-data", tmp_path / "server.log")
    try:
        await process.start()
        yield process
    finally:
        process.kill()  # SIGKILL ends a stopped process too


def stop(server: ServerProcess, sig: signal.Signals) -> None:
    assert server._process is not None
    os.kill(server._process.pid, sig)


async def timed(device: Device, *args: str) -> tuple[Result, float]:
    started = time.monotonic()
    result = await asyncio.wait_for(device.tj(*args, env=WAIT_ENV), BOUND + 40)
    return result, time.monotonic() - started


def no_answer_line(result: Result, url: str) -> str:
    """The command's last stderr line: one `Error:` line naming the server, the wait, that
    nothing was lost and what to do; exit status 1, no traceback."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith(f"Error: cannot reach the server at {url}: "), line
    assert f"sent nothing for {WAIT:g} s" in line, line
    assert "nothing on this device was lost; try again once it answers" in line, line
    return line


async def test_server_commands_give_up_on_a_hung_server_within_the_bound(
    server: ServerProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert SERVER_WAIT_S == NO_ANSWER_S  # the CLI's documented default is the SDK's
    laptop = Device(tmp_path / "laptop", server.url)
    await laptop.ok("signup", server.url, "ana", "--device-name", "laptop")
    drsmith = Device(tmp_path / "drsmith", server.url)
    await drsmith.ok("signup", server.url, "drsmith", "--device-name", "office")
    await laptop.ok("write", "before the hang")

    stop(server, signal.SIGSTOP)
    # The commands' quick syncs too, shorter still: each command's own request then waits
    # WAIT.
    monkeypatch.setattr("cli.main.QUICK_SYNC_S", QUICK_SYNC)
    # As on a terminal: each command says once that it waits (after 0.1 s here, 5 s for real).
    monkeypatch.setattr("cli.main.stderr_is_terminal", lambda: True)
    monkeypatch.setattr("cli.main.WAIT_NOTICE_S", 0.1)
    try:
        written, _ = await timed(laptop, "write", "while it hangs")
        succeeded(written)  # saved locally: dropped by the logout below, as agreed
        for command in (
            ["devices"],
            ["shares", "log", "Personal"],
            ["fingerprint", "drsmith"],
            ["share", "Personal", "drsmith", "--role", "read", "--trust-on-first-use"],
            ["verify-head", "Personal"],
            ["sync"],
        ):
            result, took = await timed(laptop, *command)
            no_answer_line(result, server.url)
            assert took < BOUND, (command, took)
            waiting = (
                f"Waiting for the server at {server.url} to answer (tj gives up after {WAIT:g} s"
            )
            assert result.stderr.count(waiting) == 1, result.stderr

        logged_out, took = await timed(laptop, "logout", "--yes", "--discard-unsynced")
        assert took < BOUND, took
        succeeded(logged_out)
        assert "that had not reached the server were discarded" in logged_out.stderr
        assert "the server could not be reached to sign it out" in logged_out.stderr
        assert not (laptop.home / "store.db").exists()
        assert not (laptop.home / PROFILE_FILE).exists()
    finally:
        monkeypatch.undo()
        stop(server, signal.SIGCONT)

    # The server answers again: what reached it before the hang is there, once each (a push
    # it took while stopped may be stored once it runs again: R46 F4).
    phone = Device(tmp_path / "phone", server.url)
    await phone.ok("login", server.url, "ana", "--device-name", "phone")
    bodies = [e["body"] for e in await phone.json("list")]
    assert "before the hang" in bodies
    assert sorted(set(bodies)) == sorted(bodies)
    assert set(bodies) <= {"before the hang", "while it hangs"}


async def test_sdk_request_fails_after_no_answer_s_and_says_it_is_waiting(
    server: ServerProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SDK: `answer_wait` bounds the silence of every request in its block (not retried:
    one wait, not four: the attempts are counted, `Transport._call_once`), and calls
    `notice` once a request has waited `notice_s`."""
    client = await Client.signup(
        server.url, "ana", PASSWORD, home=tmp_path / "ana", kdf_cost=INSECURE_TEST_COST
    )
    heard: list[tuple[str, float]] = []
    attempts: list[str] = []
    real = Transport._call_once

    async def counting(transport: Transport, path: str, *args: Any) -> Any:
        attempts.append(path)
        return await real(transport, path, *args)

    monkeypatch.setattr(Transport, "_call_once", counting)
    stop(server, signal.SIGSTOP)
    try:
        with answer_wait(
            AnswerWait(no_answer_s=0.6, notice_s=0.2, notice=lambda *a: heard.append(a))
        ):
            with pytest.raises(NetworkError) as failed:
                await asyncio.wait_for(client.devices.list(), 30)  # a hang only
    finally:
        stop(server, signal.SIGCONT)
        await client.close()
    assert failed.value.subject == NO_ANSWER
    assert not failed.value.transient
    assert "sent nothing for 0.6 s" in str(failed.value)
    assert len(attempts) == 1, attempts  # one attempt, not four (DEFAULT_RETRY)
    assert heard == [(server.url, 0.6)]
