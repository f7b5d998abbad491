"""A PostgreSQL migration waits a bounded time for its table locks (storage/postgres.py
`migrate`, MIGRATION_LOCK_TIMEOUT).

Migration 10 alters `accounts` (ACCESS EXCLUSIVE). It waited with no timeout: behind a
long-running transaction of an older server process that had read `accounts`, it queued, and
every other access to `accounts` (each sign-in, each request's session check) queued behind
it, for as long as that transaction lasted. Each try now waits a short lock timeout (so no
access queues long behind it), and is rolled back and tried again after a pause; past its
last try it fails, says so in one line, and leaves nothing of itself: the next start applies
it. (SQLite: a
migration waits the busy timeout, then says so: tests/server/test_migrations.py.)"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import pytest

from server.storage import migrations, postgres
from server.storage.migrations import MIGRATIONS
from tests.server.test_erasure_racing_a_rotation import Holder, done_or_blocked_by, until
from tests.server.test_migrations import _at_version, _query


async def columns(where: list[str]) -> set[str]:
    rows = await _query(
        where,
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'accounts'",
    )
    return {str(row[0]) for row in rows}


def ended(task: asyncio.Future[object]) -> Callable[[asyncpg.Connection], Awaitable[bool]]:
    async def check(_: asyncpg.Connection) -> bool:
        return task.done()

    return check


async def migrate(url: str) -> list[int]:
    connection = await asyncpg.connect(url)
    try:
        return await postgres.migrate(connection)
    finally:
        await connection.close()


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_a_migration_behind_a_long_transaction_fails_clearly_and_is_applied_later(
    request: pytest.FixtureRequest,
    backend: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A database at migration 9; an old transaction has read `accounts` and stays open.
    Migration 10 waits for its lock on `accounts` (seen in the lock table: blocked by that
    transaction), then, past its lock timeout (shortened here from 10 s), fails with one
    clear message: nothing of migration 10 applied, version 9 recorded. Once that
    transaction ended, the next migration applies it. With no lock timeout the migration
    waited until the old transaction ended (here: never, and `until` gives up)."""
    where = await _at_version(request, backend, tmp_path, 9)
    url = where[1]
    monkeypatch.setattr(postgres, "MIGRATION_LOCK_TIMEOUT", "300ms")
    monkeypatch.setattr(postgres, "MIGRATION_LOCK_TRIES", 2)
    pauses: list[None] = []

    async def pause() -> None:
        pauses.append(None)

    monkeypatch.setattr(postgres, "migration_pause", pause)
    holder = await Holder.open(url)
    try:
        assert await holder.hold("SELECT 1 FROM accounts") == 1  # an old transaction's read
        migrating = asyncio.ensure_future(migrate(url))
        await until(url, done_or_blocked_by(migrating, holder))  # it waits for the reader
        await until(url, ended(migrating))  # with no lock timeout, never: `until` gives up
        with pytest.raises(migrations.MigrationLockTimeoutError) as refused:
            await migrating
        assert holder.held is not None  # still open: the migration gave up, not the reader
    finally:
        if holder.held is not None:
            await holder.release()
        await holder.connection.close()
    said = str(refused.value)
    assert said.startswith(
        "schema migration 10 (erasure lock keys given by the database) waited more than "
        "300ms for a lock on a table another transaction holds"
    ), said
    assert "nothing of it was applied" in said and "start the server again" in said, said
    assert "\n" not in said
    assert "at each of 2 tries" in said and len(pauses) == 1, said
    recorded = await _query(where, "SELECT max(version) FROM schema_migrations")
    assert recorded == [(9,)]
    assert "erasure_lock" not in await columns(where)  # no part of migration 10 left

    assert await migrate(url) == [m.version for m in MIGRATIONS[9:]]  # the next start
    assert "erasure_lock" in await columns(where)
    assert await _query(where, "SELECT count(*) FROM accounts WHERE erasure_lock IS NULL") == [(0,)]


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_a_migration_whose_lock_wait_timed_out_is_tried_again(
    request: pytest.FixtureRequest,
    backend: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each try of a migration waits a short lock timeout (so that every other access to
    `accounts` queues at most that long behind it), then is rolled back and tried again
    after a pause: a transaction that ends meanwhile (here: during the first pause) lets the
    same `migrate` apply it. Failing at the first timeout, it stopped the start instead."""
    assert postgres.MIGRATION_LOCK_TIMEOUT == "1s"  # what queues behind a try, at most
    assert postgres.MIGRATION_LOCK_TRIES >= 5
    where = await _at_version(request, backend, tmp_path, 9)
    url = where[1]
    monkeypatch.setattr(postgres, "MIGRATION_LOCK_TIMEOUT", "300ms")
    holder = await Holder.open(url)
    pauses: list[None] = []

    async def pause() -> None:  # the first try timed out: the old transaction ends now
        pauses.append(None)
        if holder.held is not None:
            await holder.release()

    monkeypatch.setattr(postgres, "migration_pause", pause)
    try:
        assert await holder.hold("SELECT 1 FROM accounts") == 1
        assert await migrate(url) == [m.version for m in MIGRATIONS[9:]]
    finally:
        if holder.held is not None:
            await holder.release()
        await holder.connection.close()
    assert len(pauses) == 1
    assert "erasure_lock" in await columns(where)
    assert await _query(where, "SELECT count(*) FROM accounts WHERE erasure_lock IS NULL") == [(0,)]
