"""Opening a page's records on two threads at once: the event loop's and one worker.

Decrypting and verifying a record is mostly libsodium, which runs without Python's lock, so
two threads open records in about half the time of one (issue 10: Ed25519 verification is
most of a pull's CPU). An `Opening` hands out a list's items in chunks, from the front to the
worker and from the back to the loop's thread, until none is left: neither waits for the
other while there is work, on a machine whose other work slows one of them (a static half
each left the loop's thread waiting for a slow worker, or the reverse).

An Opening can also start before its page is applied: the worker opens the records of the
next reply of a pull while the loop's thread stores the page before it (`Replica._open_early`).
What it computed is used only where every input it was computed from is the same then
(replica.py checks), so no record is ever taken as verified on other grounds.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

CHUNK = 16
"""Items a thread takes at a time (about 2 ms of opening on a 2-core machine): small enough
that the last chunk left to wait for is short, large enough that taking one costs nothing."""
PARALLEL_MIN = 64
"""Items from which the worker is asked to help: below it the hand-off costs more than it saves."""

_WORKER: list[ThreadPoolExecutor] = []


def worker() -> ThreadPoolExecutor | None:
    """The one worker thread that opens records beside the event loop's (made at first use,
    shared by every client of the process), or None on a machine with a single core (the
    cores this process may run on where the system says, on Linux; else the machine's)."""
    if not _WORKER:
        affinity = getattr(os, "sched_getaffinity", None)
        cores = len(affinity(0)) if affinity is not None else os.cpu_count() or 1
        if cores < 2:
            return None
        _WORKER.append(ThreadPoolExecutor(max_workers=1, thread_name_prefix="tj-open"))
    return _WORKER[0]


class Opening(Generic[T, R]):
    """`open_one` applied to every item of `items`, by whichever thread takes it first.
    `open_one` is called once per item (never for an item after `cancel`); an exception it
    raises ends the Opening with that exception."""

    def __init__(self, items: Sequence[T], open_one: Callable[[T], R]) -> None:
        self.items = list(items)
        self._open_one = open_one
        self._results: list[R | None] = [None] * len(self.items)
        self._front = 0
        self._back = len(self.items)
        self._left = len(self.items)
        self._lock = threading.Lock()
        self._cancelled = False
        self._busy = 0  # chunks taken and not finished yet
        self.finished: Future[None] = Future()
        self._idle: Future[None] = Future()  # set once cancelled with no chunk in progress
        if not self.items:
            self.finished.set_result(None)

    def _claim(self, front: bool) -> tuple[int, int] | None:
        with self._lock:
            if self._cancelled or self._front >= self._back:
                return None
            if front:
                low, high = self._front, min(self._front + CHUNK, self._back)
                self._front = high
            else:
                low, high = max(self._back - CHUNK, self._front), self._back
                self._back = low
            self._busy += 1
            return low, high

    def run(self, front: bool) -> None:
        """Open chunks (from the front, else the back) until none is left to take."""
        while (span := self._claim(front)) is not None:
            self._open(*span)

    def _open(self, low: int, high: int) -> None:
        try:
            for index in range(low, high):
                self._results[index] = self._open_one(self.items[index])
        except BaseException as error:
            with self._lock:
                self._cancelled = True
                if not self.finished.done():
                    self.finished.set_exception(error)
            raise
        else:
            with self._lock:
                self._left -= high - low
                if self._left == 0 and not self.finished.done():
                    self.finished.set_result(None)
        finally:
            with self._lock:
                self._busy -= 1
                self._set_idle()

    def _set_idle(self) -> None:
        # Under self._lock.
        if self._cancelled and self._busy == 0 and not self._idle.done():
            self._idle.set_result(None)

    def start(self, on: ThreadPoolExecutor) -> None:
        """Have the worker `on` take chunks from the front as soon as it is free."""
        on.submit(self.run, True)

    def cancel(self) -> None:
        """Take no more chunks (what is being opened finishes); `finished` may never be set."""
        with self._lock:
            self._cancelled = True
            self._set_idle()

    async def results(self) -> list[R]:
        """Open what is left on this thread, wait for the chunks the worker took, and return
        every item's result in order. The event loop runs between chunks: a reply on its way
        (a pull's next page, asked ahead) is read meanwhile, and its records start to be
        opened in the worker as soon as it is free, while this thread stores this page.

        When this raises (an error opening an item, on either thread), the Opening is
        cancelled and the chunk the worker is in has finished: nothing is left running past
        this call. When the task is cancelled, the Opening is cancelled too (the worker takes
        no more chunk: what it opens would be thrown away, and every client of the process
        shares it) and CancelledError is raised at once, without waiting for the one chunk the
        worker may be in (at most CHUNK items; a cancel is not held up by the other thread)."""
        try:
            while (span := self._claim(False)) is not None:
                self._open(*span)
                if self._front >= self._back:
                    break  # nothing left to take: no turn of the loop to give
                await asyncio.sleep(0)
            if not self.finished.done():  # the worker still opens a chunk
                await asyncio.wrap_future(self.finished)
            self.finished.result()  # raises what opening an item raised
        except asyncio.CancelledError:
            self.cancel()
            raise
        except BaseException:
            self.cancel()
            await asyncio.wrap_future(self._idle)
            raise
        return self._results  # type: ignore[return-value]  # every index set once finished
