"""Load benchmark: `python -m bench.load [--sockets 300] [--devices 40] [--seconds 30]` prints
one JSON object.

Starts the real server (`python -m server`, SQLite) on 127.0.0.1 and, for a bounded time,
drives it from this process with the real SDK: `--devices` devices (two per account: one
writes an entry and syncs it, the other syncs to pull it, each pausing `--think` seconds
between operations) while `--sockets` live WebSockets stay open on the same accounts and count
the notices they receive. Printed:

- `requests_per_s`: HTTP calls the devices made per second (every call of every sync);
- `ops`: per operation (`write`: a local write; `push`: the sync that sends it; `pull`: the
  other device's sync that fetches it), its count and p50/p99 latency in milliseconds;
- `notices`: live notices received over all sockets; `sockets_open_at_end`;
- `errors`: failed operations plus sockets closed before the end (must be 0);
- `server_peak_rss_mb`: the server process's peak resident memory (VmHWM);
- `floor`: this machine's floor from the same run: sealing 1 KiB records with raw libsodium
  (XChaCha20-Poly1305) and durable SQLite commits (WAL, synchronous=FULL), per second.

Loopback only; the weakest Argon2id cost through the server's explicit test setting (the
password hash is not what is measured). A tiny run is a test (tests/e2e/test_load_bench.py).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import aiohttp
import nacl.bindings
import nacl.utils

from bench.crash import Server
from client_sdk import INSECURE_TEST_COST, Client
from client_sdk.live import live_url

PASSWORD = "load benchmark password"


@dataclass
class Tally:
    """Latencies (ms) per operation, calls, notices and errors over the run."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    calls: int = 0
    notices: int = 0
    errors: list[str] = field(default_factory=list)

    async def timed(self, op: str, action: Callable[[], Awaitable[Any]]) -> None:
        started = time.perf_counter()
        try:
            await action()
        except Exception as error:  # counted and shown: a load run must report, not stop
            self.errors.append(f"{op}: {type(error).__name__}: {error}")
            return
        self.latencies.setdefault(op, []).append((time.perf_counter() - started) * 1000)


def counted(client: Client, tally: Tally) -> Client:
    """Count every HTTP call the client's transport makes."""
    call = client.transport.call

    async def counting(path: str, message: Any, reply: Any, **options: Any) -> Any:
        tally.calls += 1
        return await call(path, message, reply, **options)

    client.transport.call = counting  # type: ignore[method-assign]
    return client


async def writer_loop(client: Client, tally: Tally, until: float, think: float) -> None:
    n = 0
    while time.monotonic() < until:
        n += 1
        await tally.timed("write", partial(client.entries.write, None, f"Load entry {n}.", mood=5))
        await tally.timed("push", client.sync)
        await asyncio.sleep(think)


async def reader_loop(client: Client, tally: Tally, until: float, think: float) -> None:
    while time.monotonic() < until:
        await tally.timed("pull", client.sync)
        await asyncio.sleep(think)


async def hold_socket(
    session: aiohttp.ClientSession, client: Client, tally: Tally, until: float
) -> None:
    """One live WebSocket, open until `until`; closing early is an error."""
    headers = {"Authorization": f"Bearer {client.transport.token}"}
    try:
        async with session.ws_connect(
            live_url(client.transport.base_url), headers=headers, heartbeat=30.0
        ) as socket:
            while True:
                left = until - time.monotonic()
                if left <= 0:
                    return
                try:
                    message = await socket.receive(timeout=left)
                except TimeoutError:
                    return
                if message.type == aiohttp.WSMsgType.BINARY:
                    tally.notices += 1
                else:
                    tally.errors.append(f"socket closed early: {message.type.name}")
                    return
    except (aiohttp.ClientError, OSError) as error:
        tally.errors.append(f"socket: {type(error).__name__}: {error}")


async def devices(url: str, work: Path, count: int, tally: Tally) -> list[tuple[Client, Client]]:
    pairs = []
    for index in range((count + 1) // 2):
        name = f"load{index}"
        writer = await Client.signup(
            url, name, PASSWORD, home=work / f"{name}-w", kdf_cost=INSECURE_TEST_COST
        )
        reader = await Client.login(
            url, name, PASSWORD, home=work / f"{name}-r", minimum_cost=INSECURE_TEST_COST
        )
        pairs.append((counted(writer, tally), counted(reader, tally)))
    return pairs


async def drive(url: str, work: Path, args: argparse.Namespace) -> dict[str, Any]:
    tally = Tally()
    pairs = await devices(url, work, args.devices, tally)
    everyone = [client for pair in pairs for client in pair]
    tally.calls = 0
    started = time.monotonic()
    until = started + args.seconds
    async with aiohttp.ClientSession() as session:
        sockets = [
            asyncio.create_task(hold_socket(session, everyone[i % len(everyone)], tally, until))
            for i in range(args.sockets)
        ]
        await asyncio.sleep(0.5)  # let the sockets connect before the writes start
        loops = [writer_loop(w, tally, until, args.think) for w, _ in pairs]
        loops += [reader_loop(r, tally, until, args.think) for _, r in pairs]
        await asyncio.gather(*loops)
        await asyncio.gather(*sockets)
    elapsed = time.monotonic() - started
    for client in everyone:
        await client.close()
    return {
        "seconds": round(elapsed, 1),
        "devices": len(everyone),
        "sockets": args.sockets,
        "requests": tally.calls,
        "requests_per_s": round(tally.calls / elapsed, 1),
        "ops": {op: summary(samples) for op, samples in sorted(tally.latencies.items())},
        "notices": tally.notices,
        "errors": len(tally.errors),
        "error_samples": tally.errors[:5],
    }


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "count": len(ordered),
        "p50_ms": round(statistics.median(ordered), 2),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 2),
    }


def floor(work: Path, seconds: float = 0.5) -> dict[str, float]:
    """This machine's floor: raw libsodium sealing and durable SQLite commits per second."""
    key, plaintext, ad = nacl.utils.random(32), bytes(1024), bytes(64)
    seals, deadline = 0, time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        nonce = nacl.utils.random(24)
        nacl.bindings.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, ad, nonce, key)
        seals += 1
    with contextlib.closing(sqlite3.connect(work / "floor.db", isolation_level=None)) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("CREATE TABLE records (seq INTEGER PRIMARY KEY, body BLOB)")
        commits, deadline = 0, time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            db.execute("BEGIN IMMEDIATE")
            db.execute("INSERT INTO records (body) VALUES (?)", (plaintext,))
            db.execute("COMMIT")
            commits += 1
    return {
        "seal_1kib_per_s": round(seals / seconds),
        "sqlite_durable_commits_per_s": round(commits / seconds),
    }


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    # The sockets share the devices (several a device): the server (a child process, which
    # reads its limits from the environment) must allow that many per device.
    per_device = -(-args.sockets // max(args.devices, 1))
    os.environ["TJ_SERVER_MAX_LIVE_PER_DEVICE"] = str(max(per_device, 4))
    server = Server(work / "server", work / "server.log")
    server.start()
    try:
        result = asyncio.run(drive(server.url, work, args))
        assert server.process is not None
        result["server_peak_rss_mb"] = peak_rss_mb(server.process.pid)
        result["server_alive_at_end"] = server.process.poll() is None
    finally:
        server.kill()
    result["floor"] = floor(work)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument("--sockets", type=int, default=300, help="live WebSockets held open")
    parser.add_argument("--devices", type=int, default=40, help="devices pushing and pulling")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of the run")
    parser.add_argument("--think", type=float, default=0.05, help="pause between operations")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as work:
        os.chmod(work, 0o700)
        print(json.dumps(run(args, Path(work))))


if __name__ == "__main__":
    main()
