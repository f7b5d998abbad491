"""rev-perf11: hostile review of the perf11 local-store checkpoint change (859e92c, 9839a76,
acf2111). These tests state what the store promised before it (SQLite's automatic
checkpoint: the write-ahead log bounded by about 1,000 pages plus one transaction) and what
859e92c's own docstring promises ("the log then holds about 12 MB at most"). They fail at
5bee784 and pass at fa56c49 (before the change)."""

from __future__ import annotations

from pathlib import Path

from client_sdk.documents import ENTRY, Document
from client_sdk.store import Store, StoredDocument

JOURNAL = b"\x01" * 16
DOC = b"\x02" * 16
LOG_BOUND = 12_000_000
"""database.CHECKPOINT_CHANGES's docstring: "the log then holds about 12 MB at most"."""


def _long_entry_states(edits: int) -> list[bytes]:
    """The states a 100,000-character entry (the body limit) goes through as it is edited
    `edits` times (one character appended each time): what `documents.state` is rewritten
    with at every local edit of it (Transaction.put_documents, one row changed)."""
    document = Document(DOC, ENTRY, client_id=7)
    document.change(texts={"body": "x" * 99_000})
    states = []
    for _ in range(edits):
        document.change(appends={"body": "y"})
        states.append(document.state())
    return states


def _wal(home: Path) -> int:
    wal = home / "store.db-wal"
    return wal.stat().st_size if wal.exists() else 0


async def _edit(store: Store, state: bytes, at: int) -> None:
    async with store.transaction() as transaction:  # a local edit's transaction
        await transaction.put_documents([StoredDocument(DOC, JOURNAL, ENTRY, state)], at)


async def test_the_log_stays_bounded_when_each_write_rewrites_a_long_entry(
    tmp_path: Path,
) -> None:
    """Checkpoints are due after CHECKPOINT_CHANGES *rows* (1,000), whatever their size.
    Editing one long entry changes one row but rewrites its whole state (about 100 KB,
    25 pages of overflow): 200 edits put 20 MB in the log with no checkpoint at all, where
    SQLite's automatic one (disabled by 859e92c) ran every 1,000 pages (about 4 MB). The
    bound is rows x row size (1,000 x up to ~400 KB for a non-ASCII entry: ~400 MB), not
    12 MB, and the -wal file keeps that size until the store is closed."""
    store = await Store.open(tmp_path)
    try:
        sizes = []
        for at, state in enumerate(_long_entry_states(200)):
            await _edit(store, state, at)
            sizes.append(_wal(tmp_path))
        assert max(sizes) < LOG_BOUND, f"log reached {max(sizes):,} bytes"
    finally:
        await store.close()


async def test_a_store_left_open_does_not_let_the_log_grow_while_other_processes_write(
    tmp_path: Path,
) -> None:
    """A long-running session (an app, `Client.watch`) keeps the store open and writes
    little; `tj` commands (other processes: here other connections, which SQLite treats
    alike) open it, write fewer than CHECKPOINT_CHANGES rows and close. None of them ever
    checkpoints: each set wal_autocheckpoint=0, none reaches 1,000 changed rows of its own,
    and none is the last connection at its close (the long-running one is). The log then
    grows by everything every command writes, without bound, until the long-running one
    closes. Before 859e92c each connection's automatic checkpoint kept it near 4 MB."""
    resident = await Store.open(tmp_path)  # the app / watch: idle meanwhile
    states = _long_entry_states(240)
    try:
        for session in range(12):  # twelve `tj` commands, twenty edits each
            command = await Store.open(tmp_path)
            try:
                for at in range(session * 20, session * 20 + 20):
                    await _edit(command, states[at], at)
            finally:
                await command.close()
        # the resident session reads (as a watch, a list) and stays open
        assert await resident.setting("nothing") is None
        assert _wal(tmp_path) < LOG_BOUND, f"log reached {_wal(tmp_path):,} bytes"
    finally:
        await resident.close()


async def test_closing_twice_at_once_does_nothing_the_second_time(tmp_path: Path) -> None:
    """Database.close: "closing again does nothing". Before 859e92c close never suspended
    (one call on the loop's thread), so two closes could not interleave. Now it awaits the
    checkpoint thread first (`_stop_checkpoints`, which sets `_checkpointer` to None before
    it awaits): a second close made meanwhile finds nothing to stop, closes the connection
    and marks the store closed, and the first one then runs its `self.run(db.close())` on a
    closed store: ClientClosed out of close (the connection itself is closed by the second
    one, before the checkpoint connection: harmless to the data, the checkpoint connection
    is then the last and removes the log)."""
    import asyncio

    store = await Store.open(tmp_path)
    await asyncio.gather(store.close(), store.close())
