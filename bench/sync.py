"""Sync benchmark: `python -m bench.sync [--entries N]` prints one JSON object.

Starts a real `tj-server` on loopback (SQLite in a temporary directory, or PostgreSQL with
`--database postgresql` or a URL) and drives the SDK with the default (MODERATE) password
cost, measuring what a user waits for:

- `push_total_s`: writing N entries of ~1 KB through the public API, one `client.entries.write` per
  entry as an app does (`write_s`), then one sync until the server holds them (`upload_s`);
- `import_s`: `tj import` of an export of those N entries into another account, as a user
  runs it (a new process: start-up, import, sync);
- `fresh_pull_s`: a new device (its own process, after login) pulling everything; then
  `list_ms_first`/`list_ms_again`: its `client.entries.list(limit=20)`, the first time and
  once more (the newest entries an app shows);
- no-op sync on N entries and on 10 (`noop_sync_ms_*`), live propagation between two
  processes (`live_ms_*`: from a write's call and a sync on one device until the other,
  connected to the live channel, has read that entry through the public API; the writer
  only writes and syncs), and the same with the writer connected to its live channel too, as
  an app showing the journal is (`live_watching_ms_*`: its pushes then skip the journal-list
  read while that channel has told of no change, protocol.md section 6);
- bytes the server allocates on disk per entry (blocks, not file sizes, minus an empty
  server), the server's CPU seconds per 1,000 records pushed and pulled, the fresh device's
  resident memory (peak, with the KDF's transient 256 MiB, and steady after the pull).

Beside them, this machine's floor from the same run (bench/floor.py) and the ratios to it,
the client's CPU seconds for the write loop, the upload and the fresh pull (`*_cpu_s`: on a
machine shared with other work, wall times swing with its load while CPU seconds barely
move; `fresh_pull_helper_cpu_s`: the SDK's signature helper process's, client_sdk/verifying.py), and the 1-minute load average at the start and the end of the run.
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import contextlib
import gc
import json
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg

import cli
import client_sdk
from bench.floor import (
    filesystem_of,
    floor_commit_ms,
    floor_push_pull_s,
    floor_rtt_ms,
    floor_write_each_s,
)
from client_sdk import Client
from tests.postgres_cluster import PostgresCluster

PASSWORD = "sync benchmark password"

LIVE_ROUNDS = 300
"""Rounds of live propagation (`live_ms_*`): a p99 of 100 rounds is their second slowest."""

CLIENTS_DIR_HELP = (
    "a directory on another file system (e.g. /dev/shm) for the stores of the live "
    "propagation's two devices; default: beside the server's data, so that the three "
    "processes share one disk and a client's checkpoint (an fsync of megabytes) can hold up "
    "the server's commit, which clients on their own devices never do"
)


def _vocabulary(size: int = 2000) -> list[str]:
    """Made-up words of one to three syllables, the same on every run."""
    onsets = "- b c d f g h j k l m n p r s t v w st th ch sh br tr pl gr".split()
    vowels = "a e i o u ea ou ai ee y".split()
    codas = "- - n r s t l m nd ng st ck".split()
    rng = random.Random(2026)
    words: set[str] = set()
    while len(words) < size:
        syllables = rng.choice((1, 1, 2, 2, 3))
        words.add(
            "".join(
                (rng.choice(onsets) + rng.choice(vowels) + rng.choice(codas)).replace("-", "")
                for _ in range(syllables)
            )
        )
    return sorted(words)


VOCABULARY = _vocabulary()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def entry_text(index: int) -> str:
    """About 1 KB of text per entry: words drawn at random (seeded by `index`) from 2,000
    made-up ones, which zlib deflates to about 0.54 of their size (English prose: about 0.47).
    The text before (eight words repeated) deflated 13-fold: a figure measured on it would
    flatter anything whose cost depends on what the text holds."""
    rng = random.Random(index)
    words = " ".join(rng.choice(VOCABULARY) for _ in range(200))
    return f"Entry {index}. {words}"[:1036]


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


async def timed(action: Callable[[], Awaitable[Any]]) -> float:
    start = time.perf_counter()
    await action()
    return time.perf_counter() - start


def p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


BENCH_LIMITS = ("--max-records-per-minute", str(10**9), "--max-bytes-per-minute", str(2**50))
"""The benchmark measures speed, not quotas: one account pushes all its entries in one sync
(100,000 with --entries 100000), above the default write rate (server/service.py Settings)."""


def start_server(work: Path, port: int, database: str | None = None) -> subprocess.Popen[bytes]:
    storage = ["--database", database] if database else ["--data", str(work)]
    return subprocess.Popen(
        [sys.executable, "-m", "server", *storage, "--port", str(port), "--log-level", "WARNING"]
        + list(BENCH_LIMITS)
    )


async def database_bytes(database: str) -> int:
    """PostgreSQL's size of the database: tables, indexes, TOAST and free space in them."""
    connection = await asyncpg.connect(database)
    try:
        return int(await connection.fetchval("SELECT pg_database_size(current_database())"))
    finally:
        await connection.close()


def stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    server.wait(timeout=30)  # a clean stop checkpoints the WAL into the database file


def allocated_bytes(directory: Path) -> int:
    """Bytes of disk blocks the files in `directory` hold (st_blocks counts 512-byte units)."""
    return sum(p.stat().st_blocks * 512 for p in directory.iterdir() if p.is_file())


RECORD_INDEXES = ("sqlite_autoindex_records_1", "records_by_journal", "records_by_pusher")


def record_figures(
    ciphertext: float, table: float | None, indexes: float | None, entries: int
) -> dict[str, int]:
    """The records' mean ciphertext length, and their table's and indexes' bytes per entry."""
    figures = {"record_ciphertext_bytes": round(ciphertext)}
    if table is not None and indexes is not None:
        figures["server_records_table_bytes_per_entry"] = round(table / entries)
        figures["server_record_indexes_bytes_per_entry"] = round(indexes / entries)
    return figures


def sqlite_record_bytes(path: Path, entries: int) -> dict[str, int | float]:
    """Where a stopped server's SQLite bytes go (`record_figures`), read from SQLite's `dbstat`
    table (the pages of each table and index; left out where this SQLite lacks it), and how
    the records table's leaf pages are filled: rows per page, a row's bytes (its payload:
    record header, ids, epoch, time and ciphertext) and the bytes per entry its pages leave
    unused (a row fits a page whole or not at all)."""
    with contextlib.closing(sqlite3.connect(f"file:{path}?immutable=1", uri=True)) as db:
        (ciphertext,) = db.execute("SELECT AVG(length(ciphertext)) FROM records").fetchone()
        try:
            pages = dict(db.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"))
            leaves = db.execute(
                "SELECT COUNT(*), SUM(ncell), SUM(payload), SUM(unused) FROM dbstat "
                "WHERE name = 'records' AND pagetype = 'leaf'"
            ).fetchone()
        except sqlite3.OperationalError:  # built without SQLITE_ENABLE_DBSTAT_VTAB
            return dict(record_figures(ciphertext or 0, None, None, entries))
    indexes = sum(pages.get(name, 0) for name in RECORD_INDEXES)
    figures: dict[str, int | float] = dict(
        record_figures(ciphertext or 0, pages.get("records", 0), indexes, entries)
    )
    count, rows, payload, unused = leaves
    if count and rows:
        figures["server_records_rows_per_page"] = round(rows / count, 2)
        figures["server_records_row_bytes"] = round(payload / rows)
        figures["server_records_unused_bytes_per_entry"] = round(unused / entries)
    return figures


async def postgresql_record_bytes(database: str, entries: int) -> dict[str, int]:
    """The same for PostgreSQL: the records heap with its TOAST, and its indexes."""
    connection = await asyncpg.connect(database)
    try:
        row = await connection.fetchrow(
            "SELECT (SELECT AVG(length(ciphertext)) FROM records), "
            "pg_table_size('records'), pg_indexes_size('records')"
        )
    finally:
        await connection.close()
    return record_figures(float(row[0] or 0), row[1], row[2], entries)


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_s(pid: int) -> float:
    """User + system CPU seconds a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def empty_server_bytes(work: Path) -> int:
    """What a server that holds nothing allocates on disk, after a clean stop."""
    port = free_port()
    server = start_server(work, port)
    try:
        await wait_until_up(f"http://127.0.0.1:{port}")
    finally:
        stop(server)
    return allocated_bytes(work)


async def run_json(*command: str, env: dict[str, str] | None = None) -> Any:
    process = await asyncio.create_subprocess_exec(
        *command, stdout=subprocess.PIPE, env={**os.environ, **(env or {})}
    )
    out, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:3])} failed with status {process.returncode}")
    return json.loads(out)


async def timed_import(url: str, work: Path, export: dict[str, Any]) -> float:
    """`tj import` of `export` into a new account, in a new process, as a user runs it.

    An installed app starts from compiled bytecode (pip compiles a wheel's modules when it
    installs them); an editable checkout under PYTHONDONTWRITEBYTECODE=1 would compile the SDK
    and the CLI from source in every `tj` run (about 1 s here). So they are compiled first."""
    for package in (client_sdk, cli):
        compileall.compile_dir(Path(package.__file__).parent, quiet=1)
    importer = await Client.signup(url, "importer", PASSWORD, home=work / "importer")
    await importer.close()
    path = work / "export.json"
    path.write_text(json.dumps(export))
    start = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "tj"), "import", str(path), "--json",
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "TJ_HOME": str(work / "importer")},
    )  # fmt: skip
    if await process.wait() != 0:
        raise RuntimeError("tj import failed")
    return time.perf_counter() - start


@dataclass
class LiveRun:
    """`live_latencies_ms`'s result: one latency per round (ms), and the CPU milliseconds
    per round of the writing process, of the server and of the follower (`cpu_ms`: on a
    machine shared with other work, CPU moves less than wall time)."""

    samples: list[float]
    cpu_ms: dict[str, float]


async def live_latencies_ms(
    writer: Client, follower_home: Path, rounds: int, server_pid: int | None = None
) -> LiveRun:
    """From a write on `writer` (the call, then a sync, as an app does) until another device
    of the account, in another process (`bench.follow`, `Client.watch()`), has read that
    entry through the public API; the follower's line must name the entry written, else
    RuntimeError. `server_pid`: the server's process, for its CPU per round. Garbage left
    by what ran before in this process and the follower's is collected before the rounds
    (`gc.collect()`; no collector setting is changed)."""
    follower = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.follow", str(follower_home), stdout=subprocess.PIPE
    )
    assert follower.stdout is not None
    try:
        line = await asyncio.wait_for(follower.stdout.readline(), timeout=30)
        if line.strip() != b"ready":
            raise RuntimeError("the follower did not start")
        samples = []
        # This process's garbage so far (a write loop, an import) is collected before the
        # timed rounds, as the follower's is before it says "ready": a full collection of a
        # heap after start-up (~10 ms) is a once-per-process pause, not propagation.
        gc.collect()
        pids = {"server": server_pid, "follower": follower.pid}
        cpu_start = time.process_time(), {k: cpu_s(p) for k, p in pids.items() if p}
        for index in range(rounds):
            await asyncio.sleep(0.01)  # a user does not write 100 entries a second
            body = f"live {index}"
            start = time.perf_counter()
            await writer.entries.write(None, body)
            await writer.sync()
            line = await asyncio.wait_for(follower.stdout.readline(), timeout=10)
            arrived, _, read = line.decode().rstrip("\n").partition(" ")
            if read != body:
                raise RuntimeError(f"the follower read {read!r}, not the entry written ({body!r})")
            samples.append((float(arrived) - start) * 1000)
        cpu_ms = {"writer": (time.process_time() - cpu_start[0]) * 1000 / rounds}
        for name, pid in pids.items():
            if pid:
                cpu_ms[name] = (cpu_s(pid) - cpu_start[1][name]) * 1000 / rounds
        return LiveRun(samples, {name: round(ms, 3) for name, ms in cpu_ms.items()})
    finally:
        follower.terminate()
        await follower.wait()


@contextlib.asynccontextmanager
async def watching(client: Client) -> AsyncIterator[None]:
    """`client` connected to its live channel (`Client.live()`, notices read and dropped) for
    the block, as an app showing the journal is: connected and synced once before the block
    starts (RuntimeError after 10 s without a connection)."""

    async def follow() -> None:
        async for _ in client.live():
            pass

    task = asyncio.create_task(follow())
    try:
        deadline = time.monotonic() + 10
        while client.transport.live_calls is None:
            if task.done() or time.monotonic() > deadline:
                raise RuntimeError("the writer's live channel did not connect")
            await asyncio.sleep(0.01)
        await client.sync()
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def run(
    entries: int, work: Path, database: str | None = None, clients_dir: Path | None = None
) -> dict[str, Any]:
    load_start = round(os.getloadavg()[0], 2)  # other work on the machine skews wall times
    empty_bytes = 0 if database else await empty_server_bytes(work / "empty")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = start_server(work / "server", port, database)
    try:
        await wait_until_up(url)
        if database:
            empty_bytes = await database_bytes(database)
        rtt_ms = await floor_rtt_ms(url)
        writer = await Client.signup(url, "bench", PASSWORD, home=work / "writer")
        texts = [entry_text(index) for index in range(entries)]
        write_start, write_cpu = time.perf_counter(), time.process_time()
        for index, text in enumerate(texts):
            await writer.entries.write(None, text, title=f"Day {index}", mood=1 + index % 10)
        write_s = time.perf_counter() - write_start
        write_cpu_s = time.process_time() - write_cpu
        cpu_before = cpu_s(server.pid)
        upload_cpu = time.process_time()
        upload_s = await timed(writer.sync)
        upload_cpu_s = time.process_time() - upload_cpu
        push_cpu = cpu_s(server.pid) - cpu_before

        cpu_before = cpu_s(server.pid)
        device = await run_json(
            sys.executable, "-m", "bench.device", url, "bench", str(work / "fresh"), str(entries)
        )
        pull_cpu = cpu_s(server.pid) - cpu_before
        if not database:
            # Disk per entry: the server holds only these entries now; a clean stop
            # checkpoints the write-ahead log into the database file. Then serve again.
            stop(server)
            stored_bytes = allocated_bytes(work / "server") - empty_bytes
            record_bytes = sqlite_record_bytes(work / "server" / "journal.db", entries)
            server = start_server(work / "server", port)
            await wait_until_up(url)
        else:
            stored_bytes = await database_bytes(database) - empty_bytes
            record_bytes = await postgresql_record_bytes(database, entries)
        import_s = await timed_import(url, work, await writer.archive.export_json())
        kdf_s = await timed(lambda: asyncio.to_thread(_kdf_once))

        clients = clients_dir or work
        small_client = await Client.signup(url, "small", PASSWORD, home=clients / "small")
        for index in range(10):
            await small_client.entries.write(None, entry_text(index))
        await small_client.sync()
        small = []
        for _ in range(200):
            small.append(await timed(small_client.sync) * 1000)
        phone = await Client.login(url, "small", PASSWORD, home=clients / "phone")
        await phone.sync()
        await phone.close()
        live = (await live_latencies_ms(small_client, clients / "phone", LIVE_ROUNDS)).samples
        async with watching(small_client):
            phone_rounds = await live_latencies_ms(small_client, clients / "phone", LIVE_ROUNDS)
        live_watching = phone_rounds.samples

        for client in (writer, small_client):
            await client.close()
        server_rss_mb = peak_rss_mb(server.pid)
        stop(server)
        body_bytes = len(entry_text(0).encode())
        floor_push_s, floor_pull_s = floor_push_pull_s(entries, body_bytes + 100, work)
        write_each_s = floor_write_each_s(entries, body_bytes + 100, work)
        commit_ms = floor_commit_ms(work)
        large = device["noop_sync_ms"]
        push_total_s = write_s + upload_s
        noop_median = statistics.median(large)
        return {
            "database": "postgresql" if database else "sqlite",
            "entries": entries,
            "push_total_s": round(push_total_s, 3),
            "write_s": round(write_s, 3),
            "upload_s": round(upload_s, 3),
            "write_cpu_s": round(write_cpu_s, 3),
            "upload_cpu_s": round(upload_cpu_s, 3),
            "import_s": round(import_s, 3),
            "fresh_pull_s": round(device["fresh_pull_s"], 3),
            "pull_us_per_record": round(device["fresh_pull_s"] / entries * 1e6, 1),
            "fresh_pull_cpu_s": round(device["fresh_pull_cpu_s"], 3),
            "list_ms_first": round(device["list_ms"][0], 1),
            "list_ms_again": round(device["list_ms"][1], 1),
            "fresh_pull_helper_cpu_s": round(device["fresh_pull_helper_cpu_s"], 3),
            "login_s": round(device["login_s"], 3),
            "kdf_s": round(kdf_s, 3),
            "noop_sync_ms_median": round(noop_median, 3),
            "noop_sync_ms_p99": round(p99(large), 3),
            "noop_sync_ms_median_small": round(statistics.median(small), 3),
            "live_ms_median": round(statistics.median(live), 2),
            "live_ms_p99": round(p99(live), 2),
            "live_watching_ms_median": round(statistics.median(live_watching), 2),
            "live_watching_ms_p99": round(p99(live_watching), 2),
            "server_bytes_per_entry": round(stored_bytes / entries),
            **record_bytes,
            "server_cpu_s_per_1000_pushed": round(push_cpu / entries * 1000, 3),
            "server_cpu_s_per_1000_pulled": round(pull_cpu / entries * 1000, 3),
            "server_peak_rss_mb": round(server_rss_mb, 1),
            "client_rss_peak_mb": round(device["rss_peak_mb"], 1),
            "client_rss_after_login_mb": round(device["rss_after_login_mb"], 1),
            "client_rss_steady_mb": round(device["rss_steady_mb"], 1),
            "floor_push_s": round(floor_push_s, 3),
            "floor_pull_s": round(floor_pull_s, 3),
            "floor_write_each_s": round(write_each_s, 3),
            "floor_rtt_ms": round(rtt_ms, 3),
            "floor_commit_ms": round(commit_ms, 3),
            "push_total_to_floor": round(push_total_s / floor_push_s, 1),
            "write_to_floor_each": round(write_s / write_each_s, 1),
            "fresh_pull_to_floor": round(device["fresh_pull_s"] / floor_pull_s, 1),
            "noop_sync_to_rtt": round(noop_median / rtt_ms, 1),
            "live_p99_to_commit": round(p99(live) / commit_ms, 1),
            "live_clients_filesystem": filesystem_of(clients),
            "load_1m_start_end": [load_start, round(os.getloadavg()[0], 2)],
        }
    finally:
        if server.poll() is None:
            stop(server)


def _kdf_once() -> None:
    from client_sdk import MODERATE, crypto

    crypto.derive_root(PASSWORD, bytes(16), MODERATE)


def run_once(entries: int, database: str, clients_parent: Path | None = None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as work, contextlib.ExitStack() as stack:
        os.chmod(work, 0o700)
        url = None if database == "sqlite" else database
        if url == "postgresql":
            url = stack.enter_context(PostgresCluster.start()).url()
        return asyncio.run(run(entries, Path(work), url, clients_dir(stack, clients_parent)))


def clients_dir(stack: contextlib.ExitStack, parent: Path | None) -> Path | None:
    """A private temporary directory in `parent` (`--clients-dir`) for the live devices'
    stores, removed when `stack` closes; None without a parent (beside the server's)."""
    if parent is None:
        return None
    made = Path(stack.enter_context(tempfile.TemporaryDirectory(dir=parent)))
    os.chmod(made, 0o700)
    return made


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.sync", description=__doc__)
    parser.add_argument("--entries", type=int, default=10_000, help="entries to push and pull")
    parser.add_argument(
        "--database",
        default="sqlite",
        help="sqlite (default), postgresql (a throwaway local PostgreSQL 15 cluster, as the "
        "tests start), or a postgresql:// URL of an empty database (one run only)",
    )
    parser.add_argument(
        "--runs", type=int, default=1, help="whole runs; each figure is the median of the runs"
    )
    parser.add_argument("--clients-dir", type=Path, default=None, help=CLIENTS_DIR_HELP)
    args = parser.parse_args()
    results = [run_once(args.entries, args.database, args.clients_dir) for _ in range(args.runs)]
    if args.runs == 1:
        print(json.dumps(results[0]))
        return
    for result in results:
        print(json.dumps(result), file=sys.stderr)
    medians = {
        key: statistics.median(r[key] for r in results)
        if isinstance(value, (int, float))
        else value
        if key == "database"
        else [r[key] for r in results]
        for key, value in results[0].items()
    }
    print(json.dumps({**medians, "runs": args.runs}))


if __name__ == "__main__":
    main()
