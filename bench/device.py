"""A fresh device of the sync benchmark, in its own process so that its memory is its own:
`python -m bench.device URL USERNAME HOME ENTRIES`.

Logs in (Argon2id at the default cost), pulls everything, checks it holds ENTRIES entries,
then times no-op syncs. Prints one JSON object: login_s, fresh_pull_s (and fresh_pull_cpu_s, this process's CPU
seconds in it, and fresh_pull_helper_cpu_s, those of the SDK's signature helper process,
client_sdk/verifying.py: 0 when none ran), noop_sync_ms (list),
and resident memory in MiB: rss_peak_mb (VmHWM: includes the KDF's 256 MiB working set,
freed when login returns), rss_after_login_mb and rss_steady_mb (VmRSS after the pull and
the no-op syncs).
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import sys
import time
from pathlib import Path

from client_sdk import Client
from client_sdk.verifying import helper_pid

PASSWORD = "sync benchmark password"


def cpu_s(pid: int | None) -> float:
    """User + system CPU seconds process `pid` used so far (0 for None)."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
        start, cpu, helper_cpu = time.perf_counter(), time.process_time(), cpu_s(helper_pid())
        await client.sync()
        fresh_pull_s = time.perf_counter() - start
        fresh_pull_cpu_s = time.process_time() - cpu
        fresh_pull_helper_cpu_s = cpu_s(helper_pid()) - helper_cpu
        listed = []
        for _ in range(2):  # what an app waits for to show the newest entries: first, again
            start = time.perf_counter()
            await client.entries.list(limit=20)
            listed.append((time.perf_counter() - start) * 1000)
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
            "fresh_pull_helper_cpu_s": fresh_pull_helper_cpu_s,
            "noop_sync_ms": noop,
            "list_ms": listed,
            "rss_peak_mb": status_mb("VmHWM"),
            "rss_after_login_mb": after_login,
            "rss_steady_mb": status_mb("VmRSS"),
        }
    finally:
        await client.close()


if __name__ == "__main__":
    url, username, home, count = sys.argv[1:5]
    print(json.dumps(asyncio.run(device(url, username, home, int(count)))))
