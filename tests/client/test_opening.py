"""Opening a page's records on two threads (client_sdk/opening.py), and the rule that a
record opened ahead of its page is used only when opened from exactly the same inputs
(Replica._same_inputs, issue 10). Pure: no server."""

from __future__ import annotations

import asyncio
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from client_sdk import opening, records, wire
from client_sdk.replica import Replica, _OpenedEarly
from client_sdk.store import LocalJournal


@pytest.mark.parametrize("count", [0, 1, opening.CHUNK, opening.PARALLEL_MIN * 3 + 5])
async def test_every_item_is_opened_once_in_order_by_either_thread(count: int) -> None:
    calls: dict[int, int] = {}
    lock = threading.Lock()

    def open_one(item: int) -> int:
        with lock:
            calls[item] = calls.get(item, 0) + 1
        return item * 2

    items = list(range(count))
    job = opening.Opening(items, open_one)
    with ThreadPoolExecutor(max_workers=1) as worker:
        job.start(worker)
        assert await job.results() == [i * 2 for i in items]
    assert calls == dict.fromkeys(items, 1)


async def test_an_error_while_opening_is_raised_to_the_caller() -> None:
    def open_one(item: int) -> int:
        if item == 5:
            raise ValueError("broken")
        return item

    with pytest.raises(ValueError, match="broken"):
        await opening.Opening(list(range(40)), open_one).results()


async def test_an_error_on_the_loops_thread_is_raised_once_the_workers_chunk_is_done() -> None:
    # Nothing is left running past `results()`: the worker finishes the chunk it is in (and
    # takes no other) before the error reaches the caller.
    items = list(range(10 * opening.CHUNK))
    worker_calls: list[int] = []
    worker_in, gate = threading.Event(), threading.Event()

    def open_one(item: int) -> int:
        if threading.current_thread().name.startswith("test-open"):
            worker_calls.append(item)
            if not worker_in.is_set():
                worker_in.set()
                assert gate.wait(60)  # holds its first chunk while the loop's thread fails
            return item
        raise ValueError("broken")

    job = opening.Opening(items, open_one)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-open") as worker:
        job.start(worker)
        assert await asyncio.to_thread(worker_in.wait, 60)
        task = asyncio.create_task(job.results())
        await asyncio.sleep(0)  # one turn of the loop: the task's first step fails its chunk
        assert not task.done(), "raised while the worker was still opening a chunk"
        gate.set()
        with pytest.raises(ValueError, match="broken"):
            await task
        assert worker_calls == items[: opening.CHUNK]  # its chunk finished, then no other
        await asyncio.wrap_future(worker.submit(lambda: None))
    assert worker_calls == items[: opening.CHUNK]


@pytest.mark.parametrize(("cores", "helps"), [(1, False), (2, True), (None, False)])
def test_the_worker_is_made_from_the_cpu_count_where_affinity_is_unknown(
    monkeypatch: pytest.MonkeyPatch, cores: int | None, helps: bool
) -> None:
    # os.sched_getaffinity exists only on Linux (not macOS or Windows).
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    monkeypatch.setattr(opening, "_WORKER", [])
    made = opening.worker()
    try:
        assert (made is not None) == helps
    finally:
        if made is not None:
            made.shutdown()


def early(key: bytes = b"k" * 32, author_key: bytes = b"a" * 32) -> _OpenedEarly:
    body = records.RecordBody(
        author=b"A" * 16,
        device=b"D" * 16,
        counter=1,
        doc_id=b"d" * 16,
        doc_kind="entry",
        kind="update",
        payload=b"",
        written_at=0,
    )
    record = wire.StoredRecord(seq=1, record_id=b"r" * 16, epoch=3, ciphertext=b"c")
    return _OpenedEarly(record, b"J" * 16, key, author_key, body)


JOURNAL = LocalJournal(b"J" * 16, b"A" * 16, "owner", 3, "Personal", 0, 0)


def test_a_record_opened_ahead_is_used_only_with_the_same_journal_key_and_signer() -> None:
    def signers(account_id: bytes) -> bytes | None:
        return b"a" * 32 if account_id == b"A" * 16 else None

    keys: dict[int, bytes | Exception] = {3: b"k" * 32}
    assert Replica._same_inputs(early(), JOURNAL, keys, signers)
    # Another key for the epoch now, none, or an error getting it: opened again.
    assert not Replica._same_inputs(early(), JOURNAL, {3: b"x" * 32}, signers)
    assert not Replica._same_inputs(early(), JOURNAL, {}, signers)
    assert not Replica._same_inputs(early(), JOURNAL, {3: ValueError("no key")}, signers)
    # The author's signing key changed, or is unknown now: opened again.
    assert not Replica._same_inputs(early(author_key=b"b" * 32), JOURNAL, keys, signers)
    assert not Replica._same_inputs(early(), JOURNAL, keys, lambda account_id: None)
    # Another journal (the associated data differs): opened again.
    other = LocalJournal(b"K" * 16, b"A" * 16, "owner", 3, "Other", 0, 0)
    assert not Replica._same_inputs(early(), other, keys, signers)
