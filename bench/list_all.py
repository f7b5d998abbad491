"""`tj list --all` benchmark: `python -m bench.list_all [--entries 5000] [--runs 3]` prints one
JSON object.

Starts a real `tj-server` on loopback, signs an account up with the `tj` command, imports
`--entries` entries from a made-up Daylio CSV backup (`tj import`, the quickest way to many
entries), then times `tj list --all` and plain `tj list` (the newest 20) as a user runs them:
each a fresh `tj` process, its output to a pipe (median and slowest of `--runs`). NU31 #10
measured 10.3 s for 9,002 entries, 4.3 s for 3,000.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench.sync import PASSWORD, entry_text, free_port, wait_until_up

MOODS = ("awful", "bad", "meh", "good", "rad")
ACTIVITIES = ("work", "sleep", "family", "friends", "walk", "reading")


def write_daylio(path: Path, count: int) -> None:
    """A Daylio CSV backup of `count` entries, one every 3 hours back from now."""
    start = datetime.now().replace(second=0, microsecond=0) - timedelta(hours=3 * count)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["full_date", "date", "weekday", "time", "mood", "activities",
                         "note_title", "note"])  # fmt: skip
        for index in range(count):
            moment = start + timedelta(hours=3 * index)
            writer.writerow([
                moment.strftime("%Y-%m-%d"), moment.strftime("%B %d"), moment.strftime("%A"),
                moment.strftime("%H:%M"), MOODS[index % len(MOODS)],
                " | ".join(ACTIVITIES[i % len(ACTIVITIES)] for i in range(index % 3)),
                f"Day {index}" if index % 4 == 0 else "", entry_text(index)[:400],
            ])  # fmt: skip


def tj(home: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "TJ_PASSWORD": PASSWORD, "TJ_INSECURE_TEST_KDF": "1", "COLUMNS": "120"}
    env.pop("TJ_HOME", None)
    command = [str(Path(sys.executable).with_name("tj")), "--home", str(home), *args]
    return subprocess.run(command, env=env, capture_output=True, check=True)


def timed(home: Path, runs: int, *args: str) -> tuple[list[float], bytes]:
    samples, printed = [], b""
    for _ in range(runs):
        started = time.perf_counter()
        printed = tj(home, *args).stdout
        samples.append(time.perf_counter() - started)
    return samples, printed


def run(entries: int, runs: int, work: Path) -> dict[str, Any]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "server", "--data", str(work / "server"), "--port", str(port),
         "--log-level", "WARNING", "--insecure-test-kdf"],
    )  # fmt: skip
    try:
        home = work / "home"
        asyncio.run(wait_until_up(url))
        tj(home, "signup", url, "bench", "--device-name", "bench")
        backup = work / "daylio.csv"
        write_daylio(backup, entries)
        started = time.perf_counter()
        tj(home, "import", str(backup))
        import_s = time.perf_counter() - started
        every, printed = timed(home, runs, "list", "--all")
        newest, _ = timed(home, runs, "list")
        return {
            "entries": entries,
            "import_s": round(import_s, 2),
            "list_all_s_median": round(statistics.median(every), 2),
            "list_all_s_max": round(max(every), 2),
            "list_all_lines": printed.count(b"\n"),
            "list_newest_20_s_median": round(statistics.median(newest), 2),
        }
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.list_all", description=__doc__)
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="Build the account in this folder and keep it.")
    args = parser.parse_args()
    if args.keep is not None:
        args.keep.mkdir(mode=0o700, parents=True, exist_ok=True)
        print(json.dumps(run(args.entries, args.runs, args.keep)))
        return
    with tempfile.TemporaryDirectory() as work:
        os.chmod(work, 0o700)
        print(json.dumps(run(args.entries, args.runs, Path(work))))


if __name__ == "__main__":
    main()
