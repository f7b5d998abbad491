"""Where the test suite's time goes, from a fixed sample: every Nth test of the collected suite
run in one process, each test's wall time, CPU time and waits measured, scaled up to the suite.

Prints JSON:
- `collected`, `sampled` (every `--every`th test id, in collection order: the same sample for
  the same tests), `passed`/`failed`/`skipped`;
- `cpu_s`: the tests' CPU seconds (user + system of this process, every thread: the test, its
  in-process servers and CLI threads), `children_cpu_s` (child processes the tests waited
  for: `tj` and server processes, Chromium; not the PostgreSQL cluster, which is not a child
  of the test), `wall_s`;
- `timer_wait_s`: wall time in which the process only waited on a timer (a selector that timed
  out, or `time.sleep`) while using under 5 % of a core meanwhile: a sleep, a timeout, a
  back-off, a poll's step. A lower bound of the time a test process leaves its core idle
  (a wait for a child process or a reply is not counted);
- the same four figures scaled to the suite (`suite_*`: times collected / sampled), the
  `slowest` and `most_waiting` tests of the sample, and `model_wall_min`: the suite's wall
  time on a 2-core machine with 2, 3 and 4 test processes (pytest-xdist `-n`) if each test
  took its CPU time (shared between the processes using the cores) and then its timer wait,
  plus each process's collection (`--collect-cpu-s`): a model, not a measurement.

The CPU figures rise with the machine's load (other processes share the caches and the
cores): compare runs of one machine at one load, A/B interleaved, never across machines.
Run it where the suite runs: `.venv/bin/python -m bench.suite --every 40` (about 160 tests,
2 to 4 minutes at load 2 to 9 on the 2-core machine); `--tests-dir tests`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import resource
import selectors
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, SupportsIndex

import pytest

IDLE_SHARE = 0.05
"""A timer wait counts while the process used at most this share of a core meanwhile."""


def _cpu_s() -> float:
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


def _children_cpu_s() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _covered(spans: list[tuple[float, float]]) -> float:
    """Seconds covered by the union of (start, end) spans (threads' waits overlap)."""
    total, start, end = 0.0, 0.0, -1.0
    for begun, ended in sorted(spans):
        if begun > end:
            total += max(end - start, 0.0)
            start, end = begun, ended
        else:
            end = max(end, ended)
    return total + max(end - start, 0.0)


class Probe:
    """A pytest plugin: each test's wall, CPU, children's CPU and timer waits."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.outcomes: dict[str, str] = {}
        self._spans: list[tuple[float, float]] = []
        self._lock = threading.Lock()

    def _waited(self, began: float, cpu: float) -> None:
        ended = time.monotonic()
        if ended - began > 0.002 and _cpu_s() - cpu <= IDLE_SHARE * (ended - began):
            with self._lock:
                self._spans.append((began, ended))

    def install(self) -> None:
        """Wrap every selector's `select` and `time.sleep` in this process (for good: the
        process runs only the sample)."""
        for name in ("EpollSelector", "PollSelector", "SelectSelector"):
            kind = getattr(selectors, name, None)
            if kind is not None:
                kind.select = self._timed_select(kind.select)
        real_sleep = time.sleep

        def sleep(seconds: float | SupportsIndex) -> None:
            began, cpu = time.monotonic(), _cpu_s()
            real_sleep(seconds)
            self._waited(began, cpu)

        time.sleep = sleep

    def _timed_select(self, real: Callable[..., Any]) -> Callable[..., Any]:
        def select(selector: Any, timeout: float | None = None) -> Any:
            began, cpu = time.monotonic(), _cpu_s()
            ready = real(selector, timeout)
            if not ready and timeout is not None and timeout > 0:
                self._waited(began, cpu)
            return ready

        return select

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Iterator[None]:
        with self._lock:
            self._spans.clear()
        wall, cpu, children = time.monotonic(), _cpu_s(), _children_cpu_s()
        yield
        with self._lock:
            waited = _covered(self._spans)
        self.rows.append({
            "id": item.nodeid,
            "wall_s": time.monotonic() - wall,
            "cpu_s": _cpu_s() - cpu,
            "children_cpu_s": _children_cpu_s() - children,
            "timer_wait_s": waited,
        })  # fmt: skip

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call" or report.outcome != "passed":
            self.outcomes[report.nodeid] = report.outcome


def collected(tests_dir: str) -> list[str]:
    """Every test id of `tests_dir`, in collection order (pytest in a process of its own)."""
    listed = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", tests_dir],
        capture_output=True, text=True, check=True,
        env={k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
    )  # fmt: skip
    return [line for line in listed.stdout.splitlines() if "::" in line]


def model_wall_s(
    tests: list[tuple[float, float]], workers: int, collect_cpu_s: float, cores: float = 2.0
) -> float:
    """The wall time of `tests` ((CPU s, timer wait s) each, in order) run by `workers`
    processes, each taking the next test when free, on `cores` cores shared by the processes
    that need CPU; each process first collects (`collect_cpu_s` of CPU). 50 ms steps."""
    queue = list(reversed(tests))
    need = [[collect_cpu_s, 0.0] for _ in range(workers)]
    busy = [True] * workers
    step, now = 0.05, 0.0
    while True:
        for w in range(workers):
            if busy[w] and need[w][0] <= 0 and need[w][1] <= 0:
                if queue:
                    need[w] = list(queue.pop())
                else:
                    busy[w] = False
        if not any(busy):
            return now
        computing = [w for w in range(workers) if busy[w] and need[w][0] > 0]
        share = min(1.0, cores / len(computing)) if computing else 0.0
        for w in range(workers):
            if busy[w]:
                if need[w][0] > 0:
                    need[w][0] -= share * step
                else:
                    need[w][1] -= step
        now += step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=int, default=40, help="sample every Nth test (40)")
    parser.add_argument("--tests-dir", default="tests")
    parser.add_argument(
        "--collect-cpu-s", type=float, default=12.0,
        help="each test process's collection, CPU s, for the model (12: cached rewrites; "
        "about 42 on a clean clone, where pytest rewrites every test module's asserts)",
    )  # fmt: skip
    options = parser.parse_args()
    everything = collected(options.tests_dir)
    sample = everything[:: options.every]
    probe = Probe()
    probe.install()
    sys.dont_write_bytecode = False  # pytest caches its rewritten test modules, as .ci/run
    started = time.monotonic()
    with contextlib.redirect_stdout(sys.stderr):  # stdout: the JSON alone
        pytest.main(
            ["-q", "-p", "no:cacheprovider", "-o", "tmp_path_retention_policy=failed", *sample],
            plugins=[probe],
        )
    wall = time.monotonic() - started
    rows = probe.rows
    scale = len(everything) / max(len(rows), 1)
    totals = {
        key: round(sum(row[key] for row in rows), 2)
        for key in ("wall_s", "cpu_s", "children_cpu_s", "timer_wait_s")
    }
    suite = [(row["cpu_s"] + row["children_cpu_s"], row["timer_wait_s"]) for row in rows]
    suite = suite * round(scale)
    random.Random(0).shuffle(suite)  # collection order would cluster each module's tests
    outcomes = list(probe.outcomes.values())
    print(json.dumps({
        "collected": len(everything),
        "sampled": len(rows),
        "passed": outcomes.count("passed"),
        "failed": outcomes.count("failed"),
        "skipped": outcomes.count("skipped"),
        "run_wall_s": round(wall, 1),
        **totals,
        **{f"suite_{key}": round(value * scale) for key, value in totals.items()},
        "load_average": os.getloadavg(),
        "model_wall_min": {
            str(n): round(model_wall_s(suite, n, options.collect_cpu_s) / 60, 1) for n in (2, 3, 4)
        },
        "slowest": [
            {key: row[key] if key == "id" else round(row[key], 2) for key in row}
            for row in sorted(rows, key=lambda row: -row["wall_s"])[:8]
        ],
        "most_waiting": [
            {key: row[key] if key == "id" else round(row[key], 2) for key in row}
            for row in sorted(rows, key=lambda row: -row["timer_wait_s"])[:8]
            if row["timer_wait_s"] > 0.05
        ],
    }, indent=1))  # fmt: skip


if __name__ == "__main__":
    main()
