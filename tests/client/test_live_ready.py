"""`Client.watch()` gets ready for notices when it starts (issue 10): what the first notice
would otherwise do first (import pycrdt's async backend with the first document of the event
loop, the device names' module for the report's summary, the entries' module an app reads
what arrived with) is done before the first report, in a fresh process, so that the first
live update costs what the next ones do. Checked on sys.modules, never on time."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import textwrap
from pathlib import Path

from tests.conftest import ClientFactory

HANG = 60.0  # seconds after which the subprocess is hung, not slow
READY_MODULES = ("anyio._backends._asyncio", "client_sdk.devices", "client_sdk.entries")

WATCH_ONCE = textwrap.dedent(
    """
    import asyncio, json, sys
    from client_sdk import Client

    async def main(home, wanted):
        client = await Client.open(home)
        try:
            before = [m for m in wanted if m in sys.modules]
            async for report in client.watch():  # the sync that follows connecting
                break
            after = [m for m in wanted if m in sys.modules]
            print(json.dumps({"before": before, "after": after, "pulled": report.pulled}))
        finally:
            await client.close()

    asyncio.run(main(sys.argv[1], json.loads(sys.argv[2])))
    """
)


async def test_watch_is_ready_for_the_first_notice_before_its_first_report(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    await laptop.entries.write(None, "before the phone watches")
    await laptop.sync()
    phone = await login("ana")
    await phone.sync()  # nothing is left to pull: the first report applies no document
    home = phone.home
    await phone.close()
    await laptop.close()

    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", WATCH_ONCE, str(home), json.dumps(READY_MODULES),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), HANG)
    assert process.returncode == 0, err.decode()
    seen = json.loads(out.decode().strip().splitlines()[-1])
    assert seen["pulled"] == 0
    assert seen["before"] == []  # opening the profile loads neither: the check can fail
    assert seen["after"] == list(READY_MODULES)
