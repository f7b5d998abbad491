"""Small CLI problems of the NU39 review (a new user following the README): the real `tj`
against a real server on loopback, real crypto."""

from __future__ import annotations

import socket
from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_login_with_the_server_down_says_nothing_changed_and_what_to_do(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU39 #7: `tj login` with nothing answering said only that the server cannot be
    reached. It now says nothing changed on this device and that the same command is all
    it takes once the server answers (exit 1, nothing made)."""
    await new_device(live_server, tmp_path, "ana")
    tablet = Device(tmp_path / "tablet", f"http://127.0.0.1:{unused_port()}")
    down = await tablet.tj("login", tablet.url, "ana", "--device-name", "tablet")
    assert down.exit_code == 1, down.output
    assert down.stderr.strip().endswith(
        "Nothing was changed on this device: run the same command again once the server answers"
    ), down.stderr
    assert (await tablet.tj("whoami")).exit_code != 0  # no account on this device
    up = Device(tablet.home, live_server.url)
    await up.ok("login", up.url, "ana", "--device-name", "tablet")
    assert (await up.json("whoami"))["username"] == "ana"
