"""A cancelled opening or sync stops the shared worker opening records for nobody (R32 F1:
hostile review of the pull's opening ahead, branch p6-pull)."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from client_sdk import opening, records
from tests.conftest import ClientFactory


async def test_a_cancelled_opening_leaves_the_worker_nothing_more_to_open() -> None:
    # A sync cancelled while a page is being opened (a timeout, the app closing) must not
    # leave the shared worker opening the rest of that page: the worker is the process's
    # only one (every client's pages wait for it) and what it opens is thrown away. What is
    # being opened when the cancel arrives may finish (`Opening.cancel`: "what is being
    # opened finishes"); no chunk may be taken after it.
    calls: list[tuple[int, str]] = []
    lock = threading.Lock()
    worker_in = threading.Event()
    gate = threading.Event()

    def open_one(item: int) -> int:
        with lock:
            calls.append((item, threading.current_thread().name))
        if threading.current_thread().name.startswith("r32-open") and not worker_in.is_set():
            worker_in.set()
            assert gate.wait(60)  # holds its first chunk until the cancel is through
        return item

    job = opening.Opening(list(range(10 * opening.CHUNK)), open_one)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="r32-open") as worker:
        job.start(worker)
        assert await asyncio.to_thread(worker_in.wait, 60)  # the worker took a chunk
        task = asyncio.create_task(job.results())
        await asyncio.sleep(0)  # the loop's thread opens one chunk, then lets the loop run
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        at_cancel = len(calls)
        gate.set()
        await asyncio.wrap_future(worker.submit(lambda: None))  # the worker is idle again
    after = calls[at_cancel:]
    assert len(after) < opening.CHUNK, (
        f"{len(after)} items opened by the worker after the opening was cancelled"
    )


async def test_a_sync_cancelled_while_opening_a_page_stops_the_worker_opening_it(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The same through a real sync: the phone's pull is cancelled while the loop's thread and
    # the worker open its first page; once the cancelled sync has ended, the worker must not
    # go on decrypting and verifying that page's records (for nobody) with this device's
    # keys and signers (only the chunk it was in may finish).
    from client_sdk import replica

    page = replica.PARALLEL_OPEN_MIN + 16
    monkeypatch.setattr(replica, "PULL_PAGE", page)
    laptop = await signup("ana")
    for i in range(2 * page):
        await laptop.entries.write("Personal", f"Body {i}")
    await laptop.sync()
    phone = await login("ana")

    worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="r32-open")
    monkeypatch.setattr(replica, "opening_worker", lambda: worker)
    calls: list[str] = []
    worker_in, gate = threading.Event(), threading.Event()
    sync: list[asyncio.Task[Any]] = []
    open_verified = records.open_verified

    def counting(*args: Any) -> Any:
        name = threading.current_thread().name
        calls.append(name)
        if name.startswith("r32-open") and not worker_in.is_set():
            worker_in.set()
            assert gate.wait(60)  # holds its first chunk until the cancel is through
        elif not name.startswith("r32-open") and sync and not sync[0].cancelling():
            assert worker_in.wait(60)  # the worker holds a chunk of this page
            sync[0].cancel()  # delivered when the loop's thread next lets the loop run
        return open_verified(*args)

    monkeypatch.setattr(records, "open_verified", counting)
    try:
        sync.append(asyncio.create_task(phone.sync()))
        with pytest.raises(asyncio.CancelledError):
            await sync[0]
        at_cancel = len(calls)
        gate.set()
        await asyncio.wrap_future(worker.submit(lambda: None))  # the worker is idle again
    finally:
        gate.set()
        worker.shutdown()
    after = calls[at_cancel:]
    assert len(after) < opening.CHUNK, (
        f"{len(after)} records opened by the worker after the sync was cancelled"
    )
