"""`tj-server --workers N`: N server processes on one port, over PostgreSQL.

Each worker is a full server process (its own event loop, connection pool and LISTEN
connection) bound with SO_REUSEPORT, so the kernel spreads new connections over them. The
supervisor applies the schema migrations once, starts the workers, restarts one that dies, and
stops them all on SIGTERM or Ctrl-C. A worker that dies within STARTUP_S of starting (the
database is unreachable, the port is taken) stops everything: restarting it would only loop.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import signal
import time
from multiprocessing.process import BaseProcess

log = logging.getLogger("tj.server")
STARTUP_S = 10.0
POLL_S = 0.2


def _worker(args: argparse.Namespace) -> None:
    from server.__main__ import configure_logging, serve

    configure_logging(args.log_level)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the supervisor stops workers with SIGTERM
    serve(args, reuse_port=True)


def supervise(args: argparse.Namespace) -> int:
    """Run the workers until a signal; returns the exit status (0, or 1 on a failed start).
    The caller has applied the migrations."""
    context = multiprocessing.get_context("spawn")
    stopping = False

    def stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    def start() -> tuple[BaseProcess, float]:
        process = context.Process(target=_worker, args=(args,), daemon=False)
        process.start()
        return process, time.monotonic()

    running = [start() for _ in range(args.workers)]
    status = 0
    while not stopping:
        time.sleep(POLL_S)
        for index, (process, started) in enumerate(running):
            if process.is_alive() or stopping:
                continue
            if time.monotonic() - started < STARTUP_S:
                log.error("worker %s failed to start (exit %s); stopping", process.pid,
                          process.exitcode)  # fmt: skip
                stopping, status = True, 1
                break
            log.warning("worker %s exited (%s); starting another", process.pid, process.exitcode)
            running[index] = start()
    for process, _ in running:
        if process.is_alive():
            process.terminate()  # SIGTERM: aiohttp closes its sockets and storage cleanly
    for process, _ in running:
        process.join(timeout=15)
        if process.is_alive():
            process.kill()
    return status
