"""A fresh device of the sync benchmark, in its own process so that its memory is its own:
`python -m bench.device URL USERNAME HOME ENTRIES`.

Logs in (Argon2id at the default cost), pulls everything, checks it holds ENTRIES entries,
then times no-op syncs. Prints one JSON object: login_s, fresh_pull_s (and fresh_pull_cpu_s, this process's CPU
seconds in it), noop_sync_ms (list),
and resident memory in MiB: rss_peak_mb (VmHWM: includes the KDF's 256 MiB working set,
freed when login returns), rss_after_login_mb and rss_steady_mb (VmRSS after the pull and
the no-op syncs).
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import time
from pathlib import Path

from client_sdk import Client

PASSWORD = "sync benchmark password"


def status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


async def device(url: str, username: str, home: str, entries: int) -> dict[str, object]:
    start = time.perf_counter()
    client = await Client.login(url, username, PASSWORD, home=home)
    login_s = time.perf_counter() - start
    gc.collect()
    after_login = status_mb("VmRSS")
    try:
        start, cpu = time.perf_counter(), time.process_time()
        await client.sync()
        fresh_pull_s = time.perf_counter() - start
        fresh_pull_cpu_s = time.process_time() - cpu
        held = len(await client.entries.list())
        if held != entries:
            raise SystemExit(f"the fresh device holds {held} entries, not {entries}")
        noop = []
        for _ in range(200):
            start = time.perf_counter()
            report = await client.sync()
            noop.append((time.perf_counter() - start) * 1000)
            assert report.pushed == report.pulled == 0
        gc.collect()
        return {
            "login_s": login_s,
            "fresh_pull_s": fresh_pull_s,
            "fresh_pull_cpu_s": fresh_pull_cpu_s,
            "noop_sync_ms": noop,
            "rss_peak_mb": status_mb("VmHWM"),
            "rss_after_login_mb": after_login,
            "rss_steady_mb": status_mb("VmRSS"),
        }
    finally:
        await client.close()


if __name__ == "__main__":
    url, username, home, count = sys.argv[1:5]
    print(json.dumps(asyncio.run(device(url, username, home, int(count)))))
