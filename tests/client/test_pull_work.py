"""The work of a fresh device's pull, counted (issue 10): statements on the local store and
commits per page, never a time. A bulk pull writes each page in one transaction, a row of
`documents` and one of `seen_records` per record in one statement each (executemany), and a
few statements a page besides (its lookups, its counters, its cursor): a statement, a commit
or a call added per record shows here as a count that grows with the records."""

from __future__ import annotations

import contextlib
import sqlite3
from collections import Counter
from collections.abc import Iterator

import pytest

from client_sdk import Client, replica
from tests.conftest import ClientFactory

ENTRIES = 300
PAGE = 100
"""Records per page of the pull (replica.PULL_PAGE, 1,000 otherwise): three pages."""

ROW_STATEMENTS = ("INSERT INTO documents ", "INSERT INTO seen_records ")
"""The statements a pull runs once per record (each page's rows in one executemany)."""

LOOKED_AGAIN = "SELECT record_id FROM seen_records "
"""What a page's transaction reads to find records another process stored since they were
read as fresh (`Transaction.seen_ids`): run only when a commit came meanwhile, never
when no other program uses the home."""

STATES_AGAIN = "SELECT doc_id, state, waiting FROM documents "
"""What a page's transaction reads to merge its documents with states stored since it
loaded them (`replica._merged`): run only when a commit came meanwhile, never when no other
program uses the home."""

PAGE_STATEMENTS = 17
"""At most this many other statements per page (12 now: its lookups of the records and
documents held, its counters, its cursor, BEGIN and COMMIT)."""

SYNC_STATEMENTS = 90
"""At most this many other statements for the sync around the pages (74 now)."""

PAGE_CALLS = 16
"""At most this many calls into the store (`Database.calls`: a statement, or a transaction's
statements, handed to SQLite at once) per page (12 now: each page's rows in one)."""

SYNC_CALLS = 60
"""At most this many calls for the sync around the pages (49 now)."""


@contextlib.contextmanager
def traced(client: Client) -> Iterator[list[str]]:
    """The statements `client`'s store runs meanwhile, each row of an executemany once (a
    trigger's program, which SQLite traces again under the statement's text, left out)."""
    ran: list[str] = []
    connection: sqlite3.Connection = client.store._db._connection

    def trace(sql: str) -> None:
        if not sql.startswith("--") and (not ran or ran[-1] != sql):
            ran.append(sql)

    connection.set_trace_callback(trace)
    try:
        yield ran
    finally:
        connection.set_trace_callback(None)


async def test_a_fresh_pull_runs_two_statements_a_record_and_one_commit_a_page(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    laptop = await signup("ana")
    for index in range(ENTRIES):
        await laptop.entries.write(None, f"entry {index}", title=f"Day {index}", mood=5)
    await laptop.sync()
    monkeypatch.setattr(replica, "PULL_PAGE", PAGE)
    phone = await login("ana")
    calls = phone.store._db.calls
    with traced(phone) as ran:
        report = await phone.sync()
    calls = phone.store._db.calls - calls
    assert report.pulled == ENTRIES
    assert len(await phone.entries.list()) == ENTRIES
    pages = -(-ENTRIES // PAGE)
    kinds = Counter(
        next((head for head in ROW_STATEMENTS if sql.startswith(head)), "other") for sql in ran
    )
    assert kinds["INSERT INTO documents "] == ENTRIES, kinds
    assert kinds["INSERT INTO seen_records "] == ENTRIES, kinds
    commits = [sql for sql in ran if sql == "COMMIT"]
    begins = [sql for sql in ran if sql.startswith("BEGIN")]
    assert len(commits) == len(begins) <= pages + 5, (commits, begins)  # one a page, a few more
    assert [sql for sql in ran if sql.startswith(LOOKED_AGAIN)] == []  # no other writer
    assert [sql for sql in ran if sql.startswith(STATES_AGAIN)] == []
    assert kinds["other"] <= PAGE_STATEMENTS * pages + SYNC_STATEMENTS, Counter(
        sql[:60] for sql in ran if not sql.startswith(ROW_STATEMENTS)
    )
    assert calls <= PAGE_CALLS * pages + SYNC_CALLS, calls
