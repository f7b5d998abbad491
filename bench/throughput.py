"""Server throughput with 1, 2 and 4 processes: `python -m bench.throughput` prints JSON.

Starts a throwaway PostgreSQL cluster on loopback (tests/postgres_cluster.py; or uses
`--database postgresql://...`, whose tables it fills), then for each process count a fresh
database and `tj-server --workers N`, and drives it from LOAD_PROCESSES load processes with
`--connections` concurrent clients in all, each an account with its own journal:

- push: batches of `--batch` records (1 KiB of random ciphertext each) for `--seconds`:
  records/s acknowledged;
- sync: no-op syncs (the device is up to date; one journal per account): syncs/s.

The same single-process run on SQLite is printed beside it. Everything shares this machine's
cores: the load generator, PostgreSQL and the server processes; read the figures for what they
are on it (`os.cpu_count()` is printed). Accounts use the insecure test KDF cost (the server's
hidden test flag): key derivation is client-side and not what is measured here.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg

from bench.sync import free_port, wait_until_up
from client_sdk import INSECURE_TEST_COST, Client, wire
from tests.postgres_cluster import PostgresCluster

LOAD_PROCESSES = 2
MSGPACK = {"Content-Type": "application/msgpack"}


def start_server(
    database: str | None, data: Path, port: int, workers: int
) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-m", "server", "--port", str(port), "--log-level", "WARNING",
            "--insecure-test-kdf", "--signups-per-address-per-hour", "100000"]  # fmt: skip
    argv += (
        ["--database", database, "--workers", str(workers)] if database else ["--data", str(data)]
    )
    return subprocess.Popen(argv)


async def make_accounts(url: str, count: int, home: Path) -> list[tuple[str, bytes]]:
    """(token, journal id) of `count` fresh accounts."""
    accounts = []
    for index in range(count):
        client = await Client.signup(url, f"load{index:04d}", "load benchmark password",
                                     home=home / str(index), kdf_cost=INSECURE_TEST_COST)  # fmt: skip
        journal = bytes.fromhex((await client.journals.get("Personal")).id)
        accounts.append((client.profile.token, journal))
        await client.close()
    return accounts


async def _load(url: str, accounts: list[tuple[str, bytes]], kind: str, seconds: float,
                batch: int, offset: int) -> int:  # fmt: skip
    """Run one kind of load from this process; returns records pushed or syncs done per second."""
    done = 0
    start = time.monotonic()
    deadline = start + seconds
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def client(token: str, journal: bytes, number: int) -> None:
            nonlocal done
            headers = {**MSGPACK, "Authorization": f"Bearer {token}"}
            counter = 0
            head = await current_head(session, url, headers, journal)
            while time.monotonic() < deadline:
                if kind == "push":
                    records = []
                    for _ in range(batch):
                        counter += 1
                        record_id = (number << 40 | counter).to_bytes(wire.ID_BYTES, "big")
                        records.append(wire.RecordUpload(record_id, 0, os.urandom(1024)))
                    body = wire.encode(wire.PushRequest(journal, records))
                    path = "/v1/records/push"
                else:
                    body = wire.encode(wire.SyncRequest([wire.Cursor(journal, head)], 1000))
                    path = "/v1/sync"
                async with session.post(url + path, data=body, headers=headers) as reply:
                    await reply.read()
                    if reply.status != 200:
                        raise RuntimeError(f"{path} answered {reply.status}")
                done += batch if kind == "push" else 1

        await asyncio.gather(*(client(t, j, offset + n) for n, (t, j) in enumerate(accounts)))
    return done / (time.monotonic() - start)


async def current_head(
    session: aiohttp.ClientSession, url: str, headers: dict[str, str], journal: bytes
) -> int:
    """The journal's head, so that the syncs measured are no-ops (the device is up to date)."""
    body = wire.encode(wire.SyncRequest([wire.Cursor(journal, 0)], 1))
    async with session.post(url + "/v1/sync", data=body, headers=headers) as reply:
        answer = wire.decode(wire.SyncReply, await reply.read())
    return max(page.head for page in answer.pages)


def _load_process(args: tuple[str, list[tuple[str, bytes]], str, float, int, int]) -> float:
    return asyncio.run(_load(*args))


def measure(url: str, accounts: list[tuple[str, bytes]], kind: str, seconds: float,
            batch: int) -> float:  # fmt: skip
    share = [accounts[i::LOAD_PROCESSES] for i in range(LOAD_PROCESSES)]
    jobs = [(url, part, kind, seconds, batch, 1000 * i) for i, part in enumerate(share)]
    with multiprocessing.get_context("spawn").Pool(LOAD_PROCESSES) as pool:
        return sum(pool.map(_load_process, jobs))


async def create_database(admin_url: str, name: str) -> str:
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.execute(f"CREATE DATABASE {name}")
    finally:
        await admin.close()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def run_one(
    database: str | None, work: Path, workers: int, args: argparse.Namespace
) -> dict[str, Any]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = start_server(database, work / f"sqlite-{workers}", port, workers)
    try:
        asyncio.run(wait_until_up(url))
        accounts = asyncio.run(make_accounts(url, args.connections, work / f"homes-{port}"))
        pushed = measure(url, accounts, "push", args.seconds, args.batch)
        syncs = measure(url, accounts, "sync", args.seconds, args.batch)
        return {"records_per_s_pushed": round(pushed), "noop_syncs_per_s": round(syncs)}
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.throughput", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--connections", type=int, default=32, help="concurrent clients")
    parser.add_argument("--seconds", type=float, default=10.0, help="per measurement")
    parser.add_argument("--batch", type=int, default=50, help="records per push")
    parser.add_argument("--database", help="a postgresql:// URL of a server to use (its "
                        "database must be empty); default: a throwaway local cluster")  # fmt: skip
    args = parser.parse_args()
    result: dict[str, Any] = {"cpu_count": os.cpu_count(), "connections": args.connections,
                              "seconds": args.seconds, "batch": args.batch}  # fmt: skip
    with tempfile.TemporaryDirectory() as directory:
        work = Path(directory)
        result["sqlite_1_process"] = run_one(None, work, 1, args)
        cluster = None if args.database else PostgresCluster.start()
        try:
            admin = args.database or cluster.url()  # type: ignore[union-attr]
            for workers in args.processes:
                database = asyncio.run(create_database(admin, f"tj_bench_{workers}"))
                result[f"postgresql_{workers}_processes"] = run_one(database, work, workers, args)
        finally:
            if cluster is not None:
                cluster.stop()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
