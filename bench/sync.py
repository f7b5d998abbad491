"""Sync benchmark: `python -m bench.sync [--entries N]` prints one JSON object.

Starts a real `tj-server` on loopback (SQLite in a temporary directory, or PostgreSQL with
`--database postgresql` or a URL), drives the SDK with
the default (MODERATE) password cost, and measures push, fresh pull, no-op sync on a large and
a small journal, live propagation between two connected devices, storage per entry and peak
memory of both processes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg

from client_sdk import Client
from tests.postgres_cluster import PostgresCluster

PASSWORD = "benchmark password"
BODY_WORDS = ("calm", "tired", "hopeful", "session", "walk", "sleep", "anxious", "grateful")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def entry_text(index: int) -> str:
    """About 1 KB of text per entry."""
    words = [BODY_WORDS[(index * 7 + i) % len(BODY_WORDS)] for i in range(150)]
    return f"Entry {index}. " + " ".join(words)


async def wait_until_up(url: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            try:
                async with session.post(
                    url + "/v1/health",
                    data=b"\x80",
                    headers={"Content-Type": "application/msgpack"},
                ) as reply:
                    if reply.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
    raise RuntimeError("the server did not start")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def timed(action: Callable[[], Awaitable[Any]]) -> float:
    start = time.perf_counter()
    await action()
    return time.perf_counter() - start


async def noop_sync_ms(client: Client, rounds: int = 200) -> list[float]:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        report = await client.sync()
        samples.append((time.perf_counter() - start) * 1000)
        assert report.pushed == report.pulled == 0
    return samples


def p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


async def live_latencies_ms(writer: Client, reader: Client, rounds: int) -> list[float]:
    """Time from a write on `writer` to its arrival on the live-connected `reader`."""
    arrived: asyncio.Queue[float] = asyncio.Queue()

    async def follow() -> None:
        async for report in reader.watch():
            if report.pulled:
                arrived.put_nowait(time.perf_counter())

    follower = asyncio.create_task(follow())
    await asyncio.sleep(0.5)  # let the socket connect and the first catch-up sync finish
    while not arrived.empty():
        arrived.get_nowait()
    samples = []
    for index in range(rounds):
        start = time.perf_counter()
        await writer.write(None, f"live {index}")
        await writer.sync()
        end = await asyncio.wait_for(arrived.get(), timeout=10)
        samples.append((end - start) * 1000)
    follower.cancel()
    return samples


async def database_bytes(database: str) -> int:
    """PostgreSQL's size of the database: tables, indexes, TOAST and free space in them."""
    connection = await asyncpg.connect(database)
    try:
        return int(await connection.fetchval("SELECT pg_database_size(current_database())"))
    finally:
        await connection.close()


async def run(entries: int, work: Path, database: str | None = None) -> dict[str, Any]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    storage = ["--database", database] if database else ["--data", str(work / "server")]
    server = subprocess.Popen(
        [sys.executable, "-m", "server", *storage, "--port", str(port), "--log-level", "WARNING"]
    )
    try:
        await wait_until_up(url)
        empty_bytes = await database_bytes(database) if database else 0
        writer = await Client.signup(url, "bench", PASSWORD, home=work / "writer")
        write_start = time.perf_counter()
        for index in range(entries):
            await writer.write(None, entry_text(index), title=f"Day {index}", mood=1 + index % 10)
        write_s = time.perf_counter() - write_start
        push_s = await timed(writer.sync)

        kdf_start = time.perf_counter()
        fresh = await Client.login(url, "bench", PASSWORD, home=work / "fresh")
        login_s = time.perf_counter() - kdf_start
        fresh_pull_s = await timed(fresh.sync)
        assert len(await fresh.entries()) == entries
        kdf_s = await timed(lambda: asyncio.to_thread(_kdf_once))

        large = await noop_sync_ms(fresh)
        small_client = await Client.signup(url, "small", PASSWORD, home=work / "small")
        for index in range(10):
            await small_client.write(None, entry_text(index))
        await small_client.sync()
        small = await noop_sync_ms(small_client)

        phone = await Client.login(url, "small", PASSWORD, home=work / "phone")
        await phone.sync()
        live = await live_latencies_ms(small_client, phone, rounds=100)

        for client in (writer, fresh, small_client, phone):
            await client.close()
        server_rss = peak_rss_mb(server.pid)
        server.terminate()
        server.wait(timeout=10)  # a clean stop checkpoints the WAL into the database file
        if database:
            server_bytes = await database_bytes(database) - empty_bytes
        else:
            server_bytes = sum(p.stat().st_size for p in (work / "server").iterdir())
        result = {
            "database": "postgresql" if database else "sqlite",
            "entries": entries,
            "write_s": round(write_s, 3),
            "push_s": round(push_s, 3),
            "fresh_pull_s": round(fresh_pull_s, 3),
            "login_s": round(login_s, 3),
            "kdf_s": round(kdf_s, 3),
            "noop_sync_ms_median": round(statistics.median(large), 2),
            "noop_sync_ms_p99": round(p99(large), 2),
            "noop_sync_ms_median_small": round(statistics.median(small), 2),
            "live_ms_median": round(statistics.median(live), 2),
            "live_ms_p99": round(p99(live), 2),
            "server_bytes_per_entry": round(server_bytes / entries),
            "client_peak_rss_mb": round(
                resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
            ),
            "server_peak_rss_mb": round(server_rss, 1),
        }
        return result
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait(timeout=10)


def _kdf_once() -> None:
    from client_sdk import MODERATE, crypto

    crypto.derive_root(PASSWORD, bytes(16), MODERATE)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.sync", description=__doc__)
    parser.add_argument("--entries", type=int, default=10_000, help="entries to push and pull")
    parser.add_argument(
        "--database",
        default="sqlite",
        help="sqlite (default), postgresql (a throwaway local PostgreSQL 15 cluster, as the "
        "tests start), or a postgresql:// URL of an empty database",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work, contextlib.ExitStack() as stack:
        os.chmod(work, 0o700)
        database = None if args.database == "sqlite" else args.database
        if database == "postgresql":
            cluster = stack.enter_context(PostgresCluster.start())
            database = cluster.url()
        print(json.dumps(asyncio.run(run(args.entries, Path(work), database))))


if __name__ == "__main__":
    main()
