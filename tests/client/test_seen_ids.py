"""Records another process stored since a pull read them as fresh (`Transaction.seen_ids`,
NU55 F9) are looked for only when a commit came meanwhile (issue 10: a statement a page of
every pull otherwise): the log's header (Database.log_state) tells any commit, another
process's included; where it cannot be read, PRAGMA data_version tells other connections'.
The other program is a real second process (its own SQLite, its own mapping of `-shm`)."""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from client_sdk.database import Database
from client_sdk.store import STORE_FILE, LocalJournal, SeenRecord, Store

JOURNAL = LocalJournal(b"\x01" * 16, b"\x02" * 16, "owner", 1, "Personal", 1, 0)
TAG = b"\x07" * 32
IDS = [bytes([n]) * 16 for n in range(1, 5)]

# In another process: store the record `argv[2]` (hex) as seen, as another `tj` pulling
# the same page would.
_STORE_ONE = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
db.execute(
    "INSERT INTO seen_records (journal_id, record_id, seq) VALUES (?, ?, 1)",
    (bytes.fromhex(sys.argv[2]), bytes.fromhex(sys.argv[3])),
)
db.close()
"""


def _another_process_stores(home: Path, record_id: bytes) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            _STORE_ONE,
            str(home / STORE_FILE),
            JOURNAL.journal_id.hex(),
            record_id.hex(),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


@contextlib.contextmanager
def _statements(store: Store) -> Iterator[list[str]]:
    ran: list[str] = []
    connection: sqlite3.Connection = store._db._connection
    connection.set_trace_callback(ran.append)
    try:
        yield ran
    finally:
        connection.set_trace_callback(None)


async def _store(home: Path) -> Store:
    store = await Store.open(home)
    async with store.transaction() as tx:
        await tx.put_journal(JOURNAL, counters_tag=TAG)
        await tx.mark_seen([SeenRecord(JOURNAL.journal_id, IDS[0], 1)])
    return store


def _looked(ran: list[str]) -> list[str]:
    """The reads `seen_ids` makes: of the records, and of data_version (the fallback)."""
    return [sql for sql in ran if sql.startswith(("SELECT record_id FROM", "PRAGMA data_version"))]


@pytest.mark.parametrize("header", ["read", "unreadable"])
async def test_records_are_looked_for_again_only_after_a_commit_came(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, header: str
) -> None:
    if header == "unreadable":  # no -shm to read: PRAGMA data_version instead
        monkeypatch.setattr(Database, "log_state", lambda self: None)
    store = await _store(tmp_path)
    try:
        seen, mark = await store.seen_counters_marked(JOURNAL.journal_id, IDS)
        assert list(seen) == [IDS[0]]
        assert (mark.log is None) == (header == "unreadable")
        assert (mark.data_version is None) == (header == "read")

        # No commit since: nothing is looked for (the fallback reads data_version alone).
        with _statements(store) as ran:
            async with store.transaction() as tx:
                assert await tx.seen_ids(JOURNAL.journal_id, IDS, since=mark) == set()
        assert _looked(ran) == ([] if header == "read" else ["PRAGMA data_version"])

        # Another process stores one of them: it is found.
        _another_process_stores(tmp_path, IDS[1])
        with _statements(store) as ran:
            async with store.transaction() as tx:
                assert await tx.seen_ids(JOURNAL.journal_id, IDS, since=mark) == {
                    IDS[0],
                    IDS[1],
                }
        assert any(sql.startswith("SELECT record_id FROM") for sql in ran), ran

        # This connection's own commit since the mark: looked for too (data_version does
        # not move with it, the row count does).
        seen, mark = await store.seen_counters_marked(JOURNAL.journal_id, IDS)
        async with store.transaction() as tx:
            await tx.mark_seen([SeenRecord(JOURNAL.journal_id, IDS[2], 3)])
        async with store.transaction() as tx:
            assert await tx.seen_ids(JOURNAL.journal_id, IDS, since=mark) == set(IDS[:3])

        # Without a mark: always read.
        with _statements(store) as ran:
            async with store.transaction() as tx:
                assert await tx.seen_ids(JOURNAL.journal_id, IDS) == set(IDS[:3])
        assert any(sql.startswith("SELECT record_id FROM") for sql in ran), ran
    finally:
        await store.close()
