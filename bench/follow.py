"""The other device of the live benchmark, in its own process: `python -m bench.follow HOME`.

Opens the profile in HOME, keeps it in sync with `Client.watch()`, and prints one line per
sync that pulled records: the `time.perf_counter()` reading when the records were stored
(CLOCK_MONOTONIC, the same clock in every process of the machine). Prints "ready" once the
first sync after connecting is done (that one is not timed).
"""

from __future__ import annotations

import asyncio
import sys
import time

from client_sdk import Client


async def follow(home: str) -> None:
    client = await Client.open(home)
    try:
        ready = False
        async for report in client.watch():
            if not ready:
                ready = True
                print("ready", flush=True)
            elif report.pulled:
                print(f"{time.perf_counter():.6f}", flush=True)
    finally:
        await client.close()


if __name__ == "__main__":
    asyncio.run(follow(sys.argv[1]))
