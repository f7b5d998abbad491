"""The other device of the live benchmark, in its own process: `python -m bench.follow HOME`.

Opens the profile in HOME and keeps it in sync with `Client.watch()`. For each entry a sync
brought, it reads the entry through the public API (`client.entries.get`), as an app that
shows it does, and prints one line: the `time.perf_counter()` reading once it was read
(CLOCK_MONOTONIC, the same clock in every process of the machine), a space, and the entry's
body, which the benchmark checks is the one it wrote. Prints "ready" once the first sync
after connecting is done (that one is not timed).
"""

from __future__ import annotations

import asyncio
import gc
import sys
import time

from client_sdk import Client
from client_sdk.documents import ENTRY


async def follow(home: str) -> None:
    client = await Client.open(home)
    try:
        ready = False
        async for report in client.watch():
            if not ready:
                ready = True
                gc.collect()  # start-up's garbage now, not in a timed round
                print("ready", flush=True)
                continue
            for arrival in report.arrivals.values():
                if arrival.kind == ENTRY:
                    entry = await client.entries.get(arrival.doc_id.hex())
                    print(f"{time.perf_counter():.6f} {entry.body}", flush=True)
    finally:
        await client.close()


if __name__ == "__main__":
    asyncio.run(follow(sys.argv[1]))
