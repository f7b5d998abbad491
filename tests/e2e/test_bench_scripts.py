"""The crash and load benchmarks run, short, as tests: a real server process killed with
SIGKILL while client processes push (nothing acknowledged is lost, nothing is stored twice),
and a small load of devices and live sockets on loopback (no errors)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.floor import filesystem_of


def bench(module: str, *args: str) -> dict[str, Any]:
    finished = subprocess.run(
        [sys.executable, "-m", module, *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    result: dict[str, Any] = json.loads(finished.stdout)
    return result


def test_five_server_kills_lose_and_duplicate_no_acknowledged_record() -> None:
    result = bench("bench.crash", "--kills", "5", "--workers", "2")
    assert result["kills"] == 5
    assert result["acknowledged"] > 0
    assert (result["lost"], result["duplicated"]) == (0, 0)
    assert result["present"] == result["acknowledged"]
    assert result["pending_at_end"] == 0
    assert result["written"] == result["acknowledged"] + result["unacknowledged_then_pushed"]


def test_a_tiny_load_run_has_no_errors_and_reports_every_figure() -> None:
    result = bench("bench.load", "--sockets", "12", "--devices", "4", "--seconds", "2")
    assert result["errors"] == 0, result["error_samples"]
    assert set(result["ops"]) == {"write", "push", "pull"}
    assert all(op["count"] > 0 and op["p99_ms"] >= op["p50_ms"] for op in result["ops"].values())
    assert result["requests_per_s"] > 0 and result["notices"] > 0
    assert result["server_alive_at_end"] is True
    assert result["server_peak_rss_mb"] > 0
    assert set(result["floor"]) == {"seal_1kib_per_s", "sqlite_durable_commits_per_s"}


def test_a_short_live_run_keeps_the_clients_stores_where_asked(tmp_path: Path) -> None:
    result = bench(
        "bench.live",
        "--rounds",
        "5",
        "--noops",
        "3",
        "--large",
        "0",
        "--clients-dir",
        str(tmp_path),
    )
    assert len([k for k in result if k.startswith("live_ms_")]) == 3
    assert 0 < result["live_ms_median"] <= result["live_ms_p99"]
    assert Path(result["live_clients_dir"]).parent == tmp_path
    assert result["live_clients_filesystem"] == filesystem_of(tmp_path)
    assert list(tmp_path.iterdir()) == []  # the devices' stores went with the run
