"""NU78 F15: `PORT=18778 bash .ci/serve` printed "listening on http://127.0.0.1:18778 ..." and
nothing else, while every README example says http://127.0.0.1:8765: the new user had to
work out the address to give `tj signup`. The server names the next command with its own
address. A real `python -m server` process on a free loopback port."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from tests.e2e.test_server_restart import ServerProcess


async def test_the_server_names_the_signup_command_with_its_own_address(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "data", tmp_path / "server.log")
    log = tmp_path / "server.log"
    try:
        await server.start()
        deadline = time.monotonic() + 10
        while "tj signup" not in log.read_text() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        lines = log.read_text().splitlines()
    finally:
        server.kill()
    [listening] = [line for line in lines if "listening on" in line]
    [after] = lines[lines.index(listening) + 1 : lines.index(listening) + 2]
    assert after.endswith(
        f"next, in another terminal: `tj signup {server.url} NAME` (in the project, "
        f"`source .venv/bin/activate` first; README's examples use http://127.0.0.1:8765, "
        f"this server is {server.url}: TJ_SERVER={server.url} for its SDK example)"
    ), after
