"""The installed `tj-server` and `tj` commands, run as separate processes on loopback.

This is what a user runs after `pip install`: console scripts, argument parsing, environment
variables and exit codes, with nothing of the test process shared with them.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
PASSWORD = "correct horse battery"
STARTUP_SECONDS = 60.0  # bounds a hang; a busy machine may start slowly


def installed(command: str) -> str:
    """The console script next to this Python (the venv), else the one on PATH."""
    beside = Path(sys.executable).parent / command
    found = str(beside) if beside.exists() else shutil.which(command)
    if found is None:
        pytest.fail(f"{command} is not installed: run `pip install -e .`")
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1):
            return True
    except urllib.error.HTTPError as answer:
        answer.close()
        return True  # any HTTP answer (404, 405, ...) means the server is up
    except OSError:
        return False


def wait_until_answering(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while not answers(url):
        if server.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"tj-server did not start:\n{log.read_text()}")
        time.sleep(0.1)


@pytest.fixture
def server_url(tmp_path: Path) -> Iterator[str]:
    """A real `tj-server` process on a free loopback port, with the test-only KDF floor."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "tj-server.log"
    command = [
        installed("tj-server"),
        "--data",
        str(tmp_path / "server-data"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--insecure-test-kdf",
    ]
    with log.open("wb") as output:
        server = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    try:
        wait_until_answering(url, server, log)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def tj(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TJ_PASSWORD": PASSWORD, "TJ_INSECURE_TEST_KDF": "1", "TJ_HOME": str(home)}
    result = subprocess.run(
        [installed("tj"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, (args, result.stdout, result.stderr)
    return result


def test_installed_tj_signs_up_writes_and_syncs_to_a_second_home(
    server_url: str, tmp_path: Path
) -> None:
    laptop, phone = tmp_path / "laptop", tmp_path / "phone"
    signup = json.loads(tj(laptop, "signup", server_url, "ana", "--json").stdout)
    assert signup["username"] == "ana" and signup["recovery_key"]
    entry_id = tj(laptop, "write", "--mood", "6", "--tag", "sleep", "Slept well.").stdout.strip()
    [entry] = json.loads(tj(laptop, "list", "--json").stdout)
    assert (entry["id"], entry["body"], entry["mood"], entry["tags"]) == (
        entry_id,
        "Slept well.",
        6,
        ["sleep"],
    )
    login = tj(phone, "login", server_url, "ana")
    assert "Synced: 1 new entry from " in login.stderr  # login fetches the journal
    assert json.loads(tj(phone, "list", "--json").stdout) == [entry]
    assert json.loads(tj(phone, "sync", "--json").stdout)["pulled"] == 0


def test_installed_tj_reports_a_wrong_password_in_one_line(server_url: str, tmp_path: Path) -> None:
    tj(tmp_path / "laptop", "signup", server_url, "ana")
    env = {
        **os.environ,
        "TJ_PASSWORD": "not the password",
        "TJ_INSECURE_TEST_KDF": "1",
        "TJ_HOME": str(tmp_path / "intruder"),
    }
    result = subprocess.run(
        [installed("tj"), "login", server_url, "ana"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Error: ")
