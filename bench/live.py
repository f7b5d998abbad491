"""Live propagation and no-op sync only: `python -m bench.live [--rounds 300] [--noops 500]`.

The two round-trip-bound figures of `bench.sync`, measured alone and many times, for A/B
comparisons on a shared machine (run the same script against both trees, interleaved):

- `live_ms_*`: from a write's call on one device (then a sync, as an app does) until another
  device of the account, in its own process (`bench.follow`, `Client.watch()`), has read that
  entry through the public API (as `bench.sync` measures), and `live_cpu_ms_per_round`: the
  CPU milliseconds per round of the writing process, the server and the follower;
- `noop_sync_ms_*_small` / `_large`: a sync with nothing to do on a device holding 10
  entries and one holding `--large` entries (default 10,000), as HTTP POSTs; the same with
  `_socket` (`noop_sync_ms_small_socket_*`...) while the device's live channel is open
  (`Client.live()` read by a task), which carries each /v1/sync; `*_cpu_us`: the CPU
  microseconds per sync of the client's process and of the server (the socket's figures
  include its opening and the one sync after it, over 1 / `--noops` of them).

Prints one JSON object, with this machine's loopback HTTP round trip (`floor_rtt_ms`) and
WebSocket round trip on an open live channel (`floor_ws_rtt_ms`: a ping and its pong), the
floor of live propagation on this disk (`floor_commit_ms_median`/`_p99`: one durable SQLite
commit, WAL and synchronous=FULL as the server's before it announces a push, as many times
as there are rounds and at their pace, beside the server's database: a push's propagation
waits for one), the file system the server's database is on (`server_data_filesystem`: a
real disk, as a server's, never tmpfs), the two devices' stores' directory and file system
(`live_clients_dir`, `live_clients_filesystem`: `--clients-dir` puts them on another, e.g.
/dev/shm, so that a client's checkpoint cannot hold up the server's commit, as on their own
devices), and the 1-minute load average at the start and the end (other work skews wall
times).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.floor import commit_samples_ms, filesystem_of, floor_rtt_ms, floor_ws_rtt_ms
from bench.sync import (
    CLIENTS_DIR_HELP,
    clients_dir,
    cpu_s,
    entry_text,
    free_port,
    live_latencies_ms,
    p99,
    start_server,
    stop,
    wait_until_up,
)
from client_sdk import INTERACTIVE, Client

PASSWORD = "live benchmark password"


def _figures(name: str, samples: list[float]) -> dict[str, float]:
    return {
        f"{name}_median": round(statistics.median(samples), 3),
        f"{name}_p90": round(sorted(samples)[int(len(samples) * 0.9)], 3),
        f"{name}_p99": round(p99(samples), 3),
    }


async def _noops(client: Client, count: int) -> list[float]:
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        report = await client.sync()
        samples.append((time.perf_counter() - start) * 1000)
        assert report.pushed == report.pulled == 0
    return samples


async def _timed_noops(
    name: str, client: Client, count: int, server_pid: int, socket: bool = False
) -> dict[str, Any]:
    """`_noops` (on the live socket when `socket`: `_noops_on_socket`), their figures as
    `name`_*, and `name`_cpu_us: the CPU microseconds per sync of this process (the client,
    its live reader included) and of the server."""
    cpu = time.process_time(), cpu_s(server_pid)
    samples = await (_noops_on_socket if socket else _noops)(client, count)
    used = {
        "client": (time.process_time() - cpu[0]) * 1e6 / count,
        "server": (cpu_s(server_pid) - cpu[1]) * 1e6 / count,
    }
    return {**_figures(name, samples), f"{name}_cpu_us": {k: round(v) for k, v in used.items()}}


async def _noops_on_socket(client: Client, count: int) -> list[float]:
    """`_noops` while the client's live channel is open (`Client.live()` read by a task):
    each sync's /v1/sync goes on the socket (protocol.md GET /v1/live, "Calls")."""

    async def read() -> None:
        async for _ in client.live():
            pass

    reader = asyncio.create_task(read())
    try:
        for _ in range(500):
            if client.transport.live_calls is not None:
                break
            await asyncio.sleep(0.01)
        else:
            raise RuntimeError("the live channel did not open")
        await client.sync()  # the sync a hello asks for, before timing
        return await _noops(client, count)
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader


async def run(
    work: Path, rounds: int, noops: int, large: int, clients: Path | None = None
) -> dict[str, Any]:
    load_start = round(os.getloadavg()[0], 2)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = start_server(work / "server", port)
    try:
        await wait_until_up(url)
        rtt_ms = await floor_rtt_ms(url)
        clients = clients or work
        small = await Client.signup(
            url, "small", PASSWORD, home=clients / "small", kdf_cost=INTERACTIVE
        )
        for index in range(10):
            await small.entries.write(None, entry_text(index))
        await small.sync()
        assert small.transport.token is not None
        ws_rtt_ms = await floor_ws_rtt_ms(url, small.transport.token)
        noop_small = await _timed_noops("noop_sync_ms_small", small, noops, server.pid)
        noop_small_socket = await _timed_noops(
            "noop_sync_ms_small_socket", small, noops, server.pid, socket=True
        )
        phone = await Client.login(url, "small", PASSWORD, home=clients / "phone")
        await phone.sync()
        await phone.close()
        live = await live_latencies_ms(small, clients / "phone", rounds, server.pid)
        await small.close()
        # The same disk and pace as the rounds (bench.sync's `live_latencies_ms` pauses
        # 10 ms before each), while nothing else of the benchmark runs.
        commits = await asyncio.to_thread(commit_samples_ms, work / "server", rounds, 0.01)
        result = {
            **_figures("live_ms", live.samples),
            "live_cpu_ms_per_round": live.cpu_ms,
            **noop_small,
            **noop_small_socket,
        }
        if large:
            big = await Client.signup(
                url, "large", PASSWORD, home=work / "large", kdf_cost=INTERACTIVE
            )
            for index in range(large):
                await big.entries.write(None, entry_text(index))
            await big.sync()
            result.update(await _timed_noops("noop_sync_ms_large", big, noops, server.pid))
            result.update(
                await _timed_noops("noop_sync_ms_large_socket", big, noops, server.pid, True)
            )
            await big.close()
        return {
            **result,
            "large_entries": large,
            "floor_rtt_ms": round(rtt_ms, 3),
            "floor_ws_rtt_ms": round(ws_rtt_ms, 3),
            **_figures("floor_commit_ms", commits),
            "server_data_filesystem": filesystem_of(work / "server"),
            "live_clients_filesystem": filesystem_of(clients),
            "live_clients_dir": str(clients),
            "load_1m_start_end": [load_start, round(os.getloadavg()[0], 2)],
        }
    finally:
        stop(server)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.live", description=__doc__)
    parser.add_argument("--rounds", type=int, default=300, help="live propagation rounds")
    parser.add_argument("--noops", type=int, default=500, help="no-op syncs per device")
    parser.add_argument("--large", type=int, default=10_000, help="entries of the large device")
    parser.add_argument("--clients-dir", type=Path, default=None, help=CLIENTS_DIR_HELP)
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        work = stack.enter_context(tempfile.TemporaryDirectory())
        os.chmod(work, 0o700)
        clients = clients_dir(stack, args.clients_dir)
        figures = asyncio.run(run(Path(work), args.rounds, args.noops, args.large, clients))
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
