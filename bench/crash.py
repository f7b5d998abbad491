"""Crash benchmark: `python -m bench.crash [--kills 100] [--workers 3]` prints one JSON object.

Several client processes (one account each, the real SDK) write entries and sync them in a
loop while this process kills the real server (`python -m server`, SQLite) with SIGKILL at
random moments and starts it again on the same data, `--kills` times. Then every worker syncs
to the end, and a fresh device of each account pulls everything. Printed:

- `pushes`: syncs the workers started with something in their outbox; `written`: entries;
- `kills`: SIGKILLs of the server;
- `acknowledged`: records the server acknowledged to a worker during the kills;
- `present`: of those, how many the server holds and a fresh device shows;
- `lost`: acknowledged but missing (must be 0); `duplicated`: records stored twice or
  entries shown twice on the fresh device (must be 0); `unacknowledged_then_pushed`:
  records whose push was cut by a kill and that landed, once, on a later sync.

Loopback only (127.0.0.1); the weakest Argon2id cost, through the server's explicit test
setting. A short run (`--kills 5`) is a test (tests/e2e/test_crash_bench.py).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from client_sdk import INSECURE_TEST_COST, Client, TJError

PASSWORD = "crash benchmark password"
START_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """`python -m server` on a fixed loopback port and data directory; killable."""

    def __init__(self, data: Path, log: Path) -> None:
        self.data = data
        self.log = log
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "server",
                    "--data",
                    str(self.data),
                    "--port",
                    str(self.port),
                    "--log-level",
                    "WARNING",
                    "--insecure-test-kdf",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: {self.log.read_text()[-2000:]}")
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=1),
            ):
                return
            time.sleep(0.02)
        raise RuntimeError("the server did not start")

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, like a power cut of the process."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def record_ids(self) -> Counter[bytes]:
        with contextlib.closing(sqlite3.connect(self.data / "journal.db")) as db:
            return Counter(bytes(row[0]) for row in db.execute("SELECT record_id FROM records"))


# --- a worker process: one account writing and syncing until told to stop ----------------------


async def work(home: Path, name: str, stop: Path, result: Path) -> None:
    client = await Client.open(home)
    written: dict[bytes, str] = {}  # record id -> entry text
    acknowledged: set[bytes] = set()
    pushes = 0
    n = 0
    try:
        while not stop.exists():
            text = f"{name} entry {n}"
            await client.entries.write(None, text)
            n += 1
            written[(await client.store.outbox())[-1].record_id] = text
            pushes += 1
            with contextlib.suppress(TJError):  # the server is down: the outbox waits
                await client.sync()
            acknowledged |= set(written) - {r.record_id for r in await client.store.outbox()}
        during = set(acknowledged)
        for _ in range(100):  # the server is up for good now
            try:
                await client.sync()
                break
            except TJError:
                await asyncio.sleep(0.2)
        left = {r.record_id for r in await client.store.outbox()}
        data = {
            "written": {r.hex(): text for r, text in written.items()},
            "acknowledged": sorted(r.hex() for r in during),
            "pending_at_end": sorted(r.hex() for r in left),
            "pushes": pushes,
        }
        result.write_text(json.dumps(data))
    finally:
        await client.close()


# --- the conductor ------------------------------------------------------------------------------


async def signup(url: str, home: Path, name: str) -> None:
    client = await Client.signup(
        url, name, PASSWORD, home=home, device_name="crash", kdf_cost=INSECURE_TEST_COST
    )
    await client.close()


async def fresh_entries(url: str, home: Path, name: str) -> list[str]:
    client = await Client.login(
        url, name, PASSWORD, home=home, device_name="fresh", minimum_cost=INSECURE_TEST_COST
    )
    try:
        await client.sync()
        return [entry.body for entry in await client.entries.list(include_deleted=True)]
    finally:
        await client.close()


def chaos(server: Server, kills: int, pause: tuple[float, float]) -> int:
    done = 0
    for _ in range(kills):
        time.sleep(random.uniform(*pause))
        server.kill()
        done += 1
        server.start()
    return done


def run(kills: int, workers: int, work_dir: Path, pause: tuple[float, float]) -> dict[str, Any]:
    server = Server(work_dir / "server", work_dir / "server.log")
    server.start()
    names = [f"crash{i}" for i in range(workers)]
    try:
        for name in names:
            asyncio.run(signup(server.url, work_dir / name, name))
        stop = work_dir / "stop"
        processes = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "bench.crash",
                    "--worker",
                    name,
                    "--home",
                    str(work_dir / name),
                    "--stop",
                    str(stop),
                    "--result",
                    str(work_dir / f"{name}.json"),
                ]
            )
            for name in names
        ]
        started = time.monotonic()
        done = chaos(server, kills, pause)
        stop.touch()
        for process in processes:
            if process.wait(timeout=600) != 0:
                raise RuntimeError("a worker failed")
        seconds = time.monotonic() - started
        results = {name: json.loads((work_dir / f"{name}.json").read_text()) for name in names}
        stored = server.record_ids()
        shown = Counter(
            body
            for name in names
            for body in asyncio.run(fresh_entries(server.url, work_dir / f"{name}-fresh", name))
        )
    finally:
        server.kill()
    return summarize(results, stored, shown, done, seconds)


def summarize(
    results: dict[str, Any], stored: Counter[bytes], shown: Counter[str], kills: int, seconds: float
) -> dict[str, Any]:
    acknowledged = present = written = pushes = pending = late = 0
    for result in results.values():
        texts = {bytes.fromhex(r): text for r, text in result["written"].items()}
        written += len(texts)
        pushes += result["pushes"]
        pending += len(result["pending_at_end"])
        during = {bytes.fromhex(r) for r in result["acknowledged"]}
        acknowledged += len(during)
        present += sum(1 for r in during if stored[r] == 1 and shown[texts[r]] == 1)
        late += sum(1 for r in set(texts) - during if stored[r] == 1)
    duplicated = sum(n - 1 for n in stored.values() if n > 1) + sum(
        n - 1 for n in shown.values() if n > 1
    )
    return {
        "workers": len(results),
        "kills": kills,
        "seconds": round(seconds, 1),
        "pushes": pushes,
        "written": written,
        "acknowledged": acknowledged,
        "present": present,
        "lost": acknowledged - present,
        "duplicated": duplicated,
        "unacknowledged_then_pushed": late,
        "pending_at_end": pending,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.crash", description=__doc__)
    parser.add_argument("--kills", type=int, default=100, help="SIGKILLs of the server")
    parser.add_argument("--workers", type=int, default=3, help="client processes")
    parser.add_argument("--min-pause", type=float, default=0.2, help="seconds between kills")
    parser.add_argument("--max-pause", type=float, default=0.8, help="seconds between kills")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--home", help=argparse.SUPPRESS)
    parser.add_argument("--stop", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        asyncio.run(work(Path(args.home), args.worker, Path(args.stop), Path(args.result)))
        return
    with tempfile.TemporaryDirectory() as work_dir:
        os.chmod(work_dir, 0o700)
        pause = (args.min_pause, args.max_pause)
        print(json.dumps(run(args.kills, args.workers, Path(work_dir), pause)))


if __name__ == "__main__":
    main()
