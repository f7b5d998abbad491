"""The local store busy in another process while it opens or is scrubbed, and a logout cut
short between its commit and the deletion of the files. Real server on loopback, real
SQLite: "another process" is a second SQLite connection holding the store's write lock."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from client_sdk import INSECURE_TEST_COST, Client, ClientClosed, InvalidInput, StoreBusy, database
from client_sdk.database import LOGGED_OUT
from client_sdk.store import ACCOUNT_ID, COUNTS_TABLE, STORE_FILE
from tests.conftest import PASSWORD, ClientFactory, RunningServer


class HeldStore:
    """Another process's write transaction on the store: a connection of its own holding
    the write lock (BEGIN IMMEDIATE) from `hold` until `release`."""

    def __init__(self, home: Path) -> None:
        self._connection = sqlite3.connect(
            home / STORE_FILE, isolation_level=None, check_same_thread=False
        )
        self._lock = threading.Lock()
        self.held = False

    def hold(self) -> None:
        with self._lock:
            if not self.held:
                self._connection.execute("BEGIN IMMEDIATE")
                self.held = True

    def release(self) -> None:
        with self._lock:
            if self.held:
                self._connection.execute("ROLLBACK")
                self.held = False

    def close(self) -> None:
        self.release()
        self._connection.close()


TJ_COUNT_TRIGGERS = (
    "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name GLOB 'tj_count*'"
)


def aged(home: Path, change: str) -> None:
    """Make the store at `home` look like one an earlier version made, so that opening it
    changes it (a migration): `change` names which."""
    with sqlite3.connect(home / STORE_FILE, isolation_level=None) as db:
        if change == "column":  # a column added since
            db.execute("ALTER TABLE journals DROP COLUMN named_at")
        elif change == "table":  # a table added since
            db.execute("DROP TABLE parked_records")
        elif change == "entry index":  # the index of entries, made once
            db.execute("DROP TABLE entry_rows_read")
        elif change == "legacy counters":  # counters kept per journal only
            db.execute("INSERT INTO write_counters VALUES (?, ?)", (b"j" * 16, 3))
        elif change == "counts":  # the counts of changes, made once (0.1.0: temporary)
            for (name,) in db.execute(TJ_COUNT_TRIGGERS).fetchall():
                db.execute(f"DROP TRIGGER {name}")
            db.execute(f"DROP TABLE {COUNTS_TABLE}")
    db.close()


def still_aged(home: Path, change: str) -> bool:
    """Whether the change `aged` made is still there (the migration did not run)."""
    with sqlite3.connect(home / STORE_FILE, isolation_level=None) as db:
        if change == "column":
            found = not any(r[1] == "named_at" for r in db.execute("PRAGMA table_info(journals)"))
        elif change == "table":
            found = not db.execute(
                "SELECT 1 FROM sqlite_master WHERE name = 'parked_records'"
            ).fetchall()
        elif change == "entry index":
            found = not db.execute(
                "SELECT 1 FROM sqlite_master WHERE name = 'entry_rows_read'"
            ).fetchall()
        elif change == "counts":
            found = not db.execute(TJ_COUNT_TRIGGERS).fetchall()
        else:
            found = bool(db.execute("SELECT 1 FROM write_counters").fetchall())
    db.close()
    return found


async def closed_home(signup: ClientFactory) -> Path:
    """A home with one entry written, its client closed."""
    ana = await signup("ana")
    await ana.entries.write(None, "first")
    await ana.close()
    return ana.home


async def ticks_while(task: asyncio.Task[object]) -> int:
    """How many times the event loop ran other work while `task` waits: a task holding the
    loop (waiting for a lock on its thread) would be done, or keep it from ticking."""
    ticks = 0
    for _ in range(20):
        await asyncio.sleep(0.01)
        if task.done():
            break
        ticks += 1
    return ticks


CHANGES = ["column", "table", "entry index", "legacy counters", "counts"]


@pytest.mark.parametrize("change", CHANGES)
async def test_opening_a_store_to_migrate_waits_for_another_process_off_the_loop(
    signup: ClientFactory, change: str
) -> None:
    home = await closed_home(signup)
    aged(home, change)
    held = HeldStore(home)
    held.hold()
    try:
        opening = asyncio.create_task(Client.open(home))
        assert await ticks_while(opening) == 20  # the loop ran: the wait is in the worker
        assert not opening.done() and still_aged(home, change)
    finally:
        held.close()
    ana = await asyncio.wait_for(opening, 10)
    try:
        assert not still_aged(home, change)
        assert [e.body for e in await ana.entries.list()] == ["first"]
    finally:
        await ana.close()


@pytest.mark.parametrize("change", CHANGES)
async def test_opening_a_store_another_process_keeps_busy_raises_store_busy_not_damaged(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    """A busy store was called damaged ("the local store ... is damaged: database is
    locked"): a user could delete it and lose changes never synced."""
    home = await closed_home(signup)
    aged(home, change)
    monkeypatch.setattr(database, "WRITE_WAIT_S", 0.2)  # the wait, shortened for the test
    held = HeldStore(home)
    held.hold()
    try:
        with pytest.raises(StoreBusy) as busy:
            await Client.open(home)
    finally:
        held.close()
    error = busy.value
    assert error.subject == "store busy" and "damaged" not in str(error)
    assert "another program" in str(error) and "try again" in str(error)
    assert isinstance(error.__cause__, sqlite3.OperationalError)
    assert still_aged(home, change)  # nothing changed
    ana = await Client.open(home)  # and it opens once the other program is done
    try:
        assert not still_aged(home, change)
        assert [e.body for e in await ana.entries.list()] == ["first"]
    finally:
        await ana.close()


async def test_opening_a_store_waiting_for_another_process_can_be_cancelled(
    signup: ClientFactory,
) -> None:
    home = await closed_home(signup)
    aged(home, "column")
    held = HeldStore(home)
    held.hold()
    try:
        opening = asyncio.create_task(Client.open(home))
        assert await ticks_while(opening) == 20
        opening.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(opening, 10)  # the worker stops waiting: no 5 s more
        assert still_aged(home, "column")  # nothing changed
    finally:
        held.close()
    ana = await Client.open(home)
    await ana.close()
    assert not still_aged(home, "column")


def holding_at(statement: str, held: HeldStore) -> Callable[[str], None]:
    """A trace callback of the client's connection: the other process takes the write lock
    just as the client's connection starts `statement` (SQLite calls it before running it)."""

    def traced(sql: str) -> None:
        if sql.strip().upper() == statement:
            held.hold()

    return traced


async def test_a_scrub_waits_for_another_process_off_the_loop(signup: ClientFactory) -> None:
    """The VACUUM of a scrub waited for another process's write lock on the loop's thread."""
    ana = await signup("ana")
    await ana.entries.write(None, "first")
    held = HeldStore(ana.home)
    connection = ana.store._db._connection
    connection.set_trace_callback(holding_at("VACUUM", held))
    try:
        scrub = asyncio.create_task(ana.store.scrub())
        assert await ticks_while(scrub) == 20  # the loop ran: the VACUUM waits in the worker
        assert held.held and not scrub.done()
    finally:
        connection.set_trace_callback(None)
        held.close()
    assert await asyncio.wait_for(scrub, 10)  # done once the other process is
    assert [e.body for e in await ana.entries.list()] == ["first"]


async def test_a_scrub_another_process_keeps_busy_stops_saying_so(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana = await signup("ana")
    await ana.entries.write(None, "first")
    monkeypatch.setattr(database, "WRITE_WAIT_S", 0.2)
    held = HeldStore(ana.home)
    connection = ana.store._db._connection
    connection.set_trace_callback(holding_at("VACUUM", held))
    try:
        assert not await ana.store.scrub()  # not finished: the rows are gone all the same
        assert held.held
    finally:
        connection.set_trace_callback(None)
        held.close()
    assert [e.body for e in await ana.entries.list()] == ["first"]
    assert await ana.store.scrub()


async def test_opening_a_home_whose_logout_committed_but_deleted_nothing_finishes_it(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    """A logout's program stopped (killed, a power cut) between the commit that ended the
    store and the deletion of the files: the profile opened again, every write refused.
    Opening it now finishes the logout."""
    ana = await signup("ana")
    await ana.entries.write(None, "synced first")
    await ana.sync()
    home = ana.home
    # The logout's steps up to its commit (`Client.logout`), and then the program stops.
    ended = await ana.store.end_for_logout(
        await ana._copies(), ana.profile.secrets.account_key, None, LOGGED_OUT
    )
    assert ended == (0, 0, True, (), frozenset(), False)
    ana._forget_open()  # the program is gone: its client no longer holds the home
    await ana.transport.close()
    assert (home / "profile").exists() and (home / STORE_FILE).exists()

    with pytest.raises(InvalidInput) as finished:
        await Client.open(home)
    said = str(finished.value)
    assert finished.value.subject == "profile"
    assert "logged out" in said and "Log in again" in said, said
    assert "damaged" not in said
    assert not (home / "profile").exists()
    for name in (STORE_FILE, f"{STORE_FILE}-wal", f"{STORE_FILE}-shm"):
        assert not (home / name).exists(), name
    with pytest.raises(InvalidInput) as again:  # the ordinary "no account" from now on
        await Client.open(home)
    assert "sign up or log in first" in str(again.value)

    relogin = await Client.login(
        live_server.url, "ana", PASSWORD, home=home, minimum_cost=INSECURE_TEST_COST
    )
    try:
        await relogin.sync()
        assert [e.body for e in await relogin.entries.list()] == ["synced first"]
        [here] = [d for d in await relogin.devices.list() if d.current]
        assert here.name == "laptop"  # its name kept for the next login, as a logout does
    finally:
        await relogin.close()


async def test_a_scrub_waits_for_another_process_reading_off_the_loop(
    signup: ClientFactory,
) -> None:
    """The scrub's emptying of the log (a TRUNCATE checkpoint) waits until no other
    connection reads an older state: it waited on the loop's thread, up to 5 seconds."""
    ana = await signup("ana")
    await ana.entries.write(None, "first")
    reader = sqlite3.connect(ana.home / STORE_FILE, isolation_level=None)
    try:
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM documents").fetchone()[0] > 0  # reading
        scrub = asyncio.create_task(ana.store.scrub())
        assert await ticks_while(scrub) == 20  # the loop ran: the wait is in the worker
        assert not scrub.done()
        reader.execute("ROLLBACK")
        assert await asyncio.wait_for(scrub, 10)  # done once the other process stops reading
    finally:
        reader.close()
    assert [e.body for e in await ana.entries.list()] == ["first"]


def _recorded_account(home: Path) -> bytes | None:
    with contextlib.closing(sqlite3.connect(home / STORE_FILE)) as db:
        row = db.execute("SELECT value FROM settings WHERE name = ?", (ACCOUNT_ID,)).fetchone()
    return None if row is None else bytes(row[0])


async def test_recording_the_account_of_an_older_store_while_another_process_writes(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store an earlier version wrote records no account id: its next open writes it once.
    Another program holding the write lock all that while: StoreBusy, worded for an open
    (nothing changed, the store not damaged), the id still unrecorded; once it let go, the
    open records it and the store is whole."""
    home = await closed_home(signup)
    with contextlib.closing(sqlite3.connect(home / STORE_FILE)) as db, db:
        db.execute("DELETE FROM settings WHERE name = ?", (ACCOUNT_ID,))
    monkeypatch.setattr(database, "WRITE_WAIT_S", 0.2)  # the wait, shortened for the test
    held = HeldStore(home)
    held.hold()
    try:
        with pytest.raises(StoreBusy) as busy:
            await Client.open(home)
    finally:
        held.close()
    error = busy.value
    message = str(error)
    assert error.subject == "store busy" and "damaged" not in message, message
    assert "another program" in message and "try again" in message, message
    assert "not opened" in message and "nothing was written" not in message, message
    assert isinstance(error.__cause__, sqlite3.OperationalError)
    assert _recorded_account(home) is None  # nothing changed
    ana = await Client.open(home)
    try:
        assert _recorded_account(home) == ana.profile.account_id
        assert [e.body for e in await ana.entries.list()] == ["first"]
    finally:
        await ana.close()


async def test_a_close_with_the_store_kept_busy_still_closes_without_a_second_error(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A close saves the last sync's time when it moved; with another program keeping the
    store busy past the wait that save raised StoreBusy out of `close()` (after a refused
    logout, a second error replacing the first). The time is a convenience: the close goes
    on, its HTTP session and store closed, and the time is saved by a later sync."""
    home = await closed_home(signup)
    monkeypatch.setattr(database, "WRITE_WAIT_S", 0.2)  # the wait, shortened for the test
    ana = await Client.open(home)
    await ana.sync()
    kept = ana._synced_kept
    assert kept is not None
    ana._synced_at = kept + 1  # a sync completed since the time was last saved
    session = ana.transport._session
    assert session is not None and not session.closed
    held = HeldStore(home)
    held.hold()
    try:
        await ana.close()  # raised StoreBusy before
    finally:
        held.close()
    assert session.closed
    with pytest.raises(ClientClosed):
        await ana.entries.list()
    again = await Client.open(home)  # nothing damaged: it opens once the other program is done
    try:
        assert [e.body for e in await again.entries.list()] == ["first"]
    finally:
        await again.close()
