"""The throwaway PostgreSQL cluster of the tests does not outlive a killed test run: the next
run stops and removes it (a suite stopped with Ctrl-C or killed by CI would otherwise leave a
postmaster running)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.postgres_cluster import PostgresCluster, PostgresUnavailable, find_bin_dir, stop_orphans

HANG = 60.0
STARTS_A_CLUSTER = (
    "import sys, time\n"
    "from tests.postgres_cluster import PostgresCluster\n"
    "cluster = PostgresCluster.start()\n"
    "print(cluster.root, cluster.port, flush=True)\n"
    "time.sleep(3600)\n"
)


def test_a_cluster_whose_run_was_killed_is_stopped_and_removed_by_the_next_run() -> None:
    try:
        bin_dir = find_bin_dir()
    except PostgresUnavailable as missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the PostgreSQL tests: {missing}")
        pytest.skip(str(missing))
    run = subprocess.Popen(
        [sys.executable, "-c", STARTS_A_CLUSTER],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parent.parent,
    )
    try:
        assert run.stdout is not None
        root_text, port = run.stdout.readline().split()
    finally:
        run.send_signal(signal.SIGKILL)
        run.wait(HANG)
        if run.stdout is not None:
            run.stdout.close()
    root = Path(root_text)
    postmaster = int((root / "data" / "postmaster.pid").read_text().split()[0])
    assert Path(f"/proc/{postmaster}").exists(), "the killed run left its cluster running"

    stopped = stop_orphans(bin_dir, os.geteuid() == 0)

    assert root in stopped
    assert not root.exists()
    status = Path(f"/proc/{postmaster}/status")
    assert not status.exists() or "zombie" in status.read_text()


def test_a_live_runs_cluster_is_left_alone() -> None:
    try:
        cluster = PostgresCluster.start()
    except PostgresUnavailable as missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the PostgreSQL tests: {missing}")
        pytest.skip(str(missing))
    with cluster:
        assert cluster.root not in stop_orphans(cluster.bin_dir, os.geteuid() == 0)
        assert (cluster.data_dir / "postmaster.pid").exists()
