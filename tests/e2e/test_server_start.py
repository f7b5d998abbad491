"""Operator mistakes at start-up get one line and create nothing: a port already in use, and a
second server (or `tj-server migrate`) over the data folder a running server uses (SQLite:
two processes on one file would not hear each other's live notices)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.test_scale_out import ServerProcess
from tests.postgres_cluster import free_port


def tj_server(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server", *argv],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "TJ_SERVER_INSECURE_TEST_KDF": "1"},
    )


def test_a_port_in_use_is_one_line_and_creates_nothing(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = tj_server("--port", str(port), "--data", str(tmp_path / "data"))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"tj-server: port {port} on 127.0.0.1 is already in use (another tj-server?): stop it, "
        "or choose another port: --port N (`PORT=N bash .ci/serve`)"
    ]
    assert not (tmp_path / "data").exists()


ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(
    not (ROOT / ".venv" / ".tj-installed").is_file(), reason="needs .ci/setup's .venv"
)
async def test_the_quick_starts_refusals_name_the_variables_it_reads(tmp_path: Path) -> None:
    """NU33 #10: started as the README's quick start says (`PORT=N TJ_SERVER_DATA=DIR bash
    .ci/serve`), a port in use and a data folder in use name PORT= and TJ_SERVER_DATA=, the
    ways that start takes them, next to --port and --data."""
    env = {**os.environ, "TJ_SERVER_INSECURE_TEST_KDF": "1"}

    def serve(port: int, data: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", str(ROOT / ".ci" / "serve")],
            capture_output=True,
            text=True,
            timeout=120,
            env={**env, "PORT": str(port), "TJ_SERVER_DATA": str(data)},
        )

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = serve(port, tmp_path / "data")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"tj-server: port {port} on 127.0.0.1 is already in use (another tj-server?): stop it, "
        "or choose another port: --port N (`PORT=N bash .ci/serve`)"
    ]
    assert not (tmp_path / "data").exists()

    data = tmp_path / "used"
    first = ServerProcess(["--data", str(data)], tmp_path / "first.log")
    try:
        await first.wait_until_up()
        result = serve(free_port(), data)
        assert result.returncode == 1
        assert result.stderr.splitlines() == [
            f"tj-server: another tj-server (pid {first.process.pid}) is using the data folder "
            f"{data}: stop it first, or give this one its own: --data DIR "
            "(`TJ_SERVER_DATA=DIR bash .ci/serve`)"
        ]
    finally:
        first.stop()


async def test_a_second_server_on_the_same_data_folder_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = ServerProcess(["--data", str(data)], tmp_path / "first.log")
    try:
        await first.wait_until_up()
        for argv in (
            ("--port", str(free_port()), "--data", str(data)),
            ("migrate", "--data", str(data)),
        ):
            result = tj_server(*argv)
            assert result.returncode == 1, result.stderr
            assert f"another tj-server (pid {first.process.pid}) is using the data folder" in (
                result.stderr
            )
            assert "Traceback" not in result.stderr
        await first.wait_until_up()  # the first one still serves
        first.process.send_signal(signal.SIGKILL)  # the kernel releases the lock, even so
        first.stop()
        after = ServerProcess(["--data", str(data)], tmp_path / "after.log")
        try:
            await after.wait_until_up()
        finally:
            assert after.stop() == 0
    finally:
        first.stop()


async def test_a_clean_stop_is_the_logs_last_line(tmp_path: Path) -> None:
    """NU39 #10: nothing in the log told a clean stop (SIGTERM) from a crash."""
    server = ServerProcess(["--data", str(tmp_path / "data")], tmp_path / "server.log")
    try:
        await server.wait_until_up()
    finally:
        assert server.stop() == 0
    last = server.log_path.read_text().strip().splitlines()[-1]
    assert f"stopped (pid {server.process.pid}): storage closed" in last, last
