"""Caseload benchmark: `python -m bench.caseload [--clients 30] [--days 365]` prints one JSON
object.

Starts a real `tj-server` on loopback; each client writes one entry a day for `--days` days
(dated back over that time, `created_at`), takes a PHQ-9 every 14 days and shares the
journal with one therapist, who verifies each client's fingerprint (as in person: a device
downloads at most 512 KiB from owners it has not verified) and syncs; the run stops unless
the therapist then holds every entry and questionnaire. Then it measures what the therapist
waits for: computing `client.caseload.list()` over everything shared (median of 5 runs), and
rendering the HTML page. Beside it, this machine's floor from the same run: reading every
document row of the therapist's local store with raw SQLite.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.sync import PASSWORD, entry_text, free_port, wait_until_up
from client_sdk import INTERACTIVE, Client
from client_sdk.caseload_html import render_caseload

DAY_MS = 24 * 3600 * 1000


async def populate(url: str, work: Path, clients: int, days: int) -> Client:
    therapist = await Client.signup(
        url, "therapist", PASSWORD, home=work / "therapist", kdf_cost=INTERACTIVE
    )
    start = int(time.time() * 1000) - days * DAY_MS
    for number in range(clients):
        client = await Client.signup(
            url, f"client{number:02d}", PASSWORD, home=work / f"client{number}",
            kdf_cost=INTERACTIVE,
        )  # fmt: skip
        for day in range(days):
            moment = datetime.fromtimestamp((start + day * DAY_MS) / 1000).astimezone()
            await client.entries.write(
                None, entry_text(day)[:300], mood=1 + (day + number) % 10, created_at=moment
            )
            if day % 14 == 0:
                answers = [(day // 14 + number + i) % 4 for i in range(9)]
                await client.measures.take("phq9", answers, taken_at=moment)
        await client.sync()
        await client.shares.grant(
            "Personal", "therapist", role="annotate", trust_on_first_use=True, full=True
        )
        fingerprint = await client.shares.fingerprint()
        await therapist.shares.verify(f"client{number:02d}", fingerprint)  # compared in person
        await client.close()
    report = await therapist.sync()
    if report.held_back or report.problems:
        raise RuntimeError(f"the therapist's sync held data back: {report}")
    return therapist


def floor_ms(home: Path, documents: int) -> float:
    started = time.perf_counter()
    with sqlite3.connect(home / "store.db") as db:
        rows = db.execute("SELECT doc_id, journal_id, kind, state FROM documents").fetchall()
    if len(rows) < documents:
        raise RuntimeError(f"the therapist holds {len(rows)} documents, not {documents}")
    return (time.perf_counter() - started) * 1000


async def run(clients: int, days: int, work: Path) -> dict[str, Any]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "server", "--data", str(work / "server"), "--port", str(port),
         "--log-level", "WARNING", "--signups-per-address-per-hour", "100000"],
    )  # fmt: skip
    try:
        await wait_until_up(url)
        setup_start = time.perf_counter()
        therapist = await populate(url, work, clients, days)
        setup_s = time.perf_counter() - setup_start
        samples: list[float] = []
        rows = []
        for _ in range(5):
            started = time.perf_counter()
            rows = await therapist.caseload.list()
            samples.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        render_caseload(rows, generated_at=datetime.now().astimezone())
        html_ms = (time.perf_counter() - started) * 1000
        await therapist.close()
        assert len(rows) == clients
        return {
            "clients": clients,
            "entries_per_client": days,
            "setup_s": round(setup_s, 1),
            "caseload_ms_median": round(statistics.median(samples), 1),
            "caseload_ms_max": round(max(samples), 1),
            "caseload_html_ms": round(html_ms, 1),
            "floor_sqlite_read_all_documents_ms": round(
                floor_ms(work / "therapist", clients * (days + (days + 13) // 14)), 1
            ),
        }
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.caseload", description=__doc__)
    parser.add_argument("--clients", type=int, default=30)
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        os.chmod(work, 0o700)
        print(json.dumps(asyncio.run(run(args.clients, args.days, Path(work)))))


if __name__ == "__main__":
    main()
