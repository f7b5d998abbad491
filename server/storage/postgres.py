"""PostgreSQL storage (asyncpg), for deployments with several server processes.

Same behaviour as storage/sqlite.py, method for method (tests/server runs against both). What
differs because several processes share the database:

- Sequence numbers: push and compact first lock the journal's row (`SELECT ... FOR UPDATE`)
  and only then take numbers from the records identity column. Two pushes to one journal
  therefore commit one after the other, in the order of their numbers, so a device pulling
  `seq > cursor` can never see a later number before an earlier one has committed (which would
  make it skip that record for good). Pushes to different journals do not wait for each other.
  The pusher's role and the journal's epoch are read in the statement after that lock (a
  fresh snapshot, `_checked_stored_records`): a rotation or a departure, which lock the same
  row, either commits before and is seen, or waits for the push to commit.
- Lock order: journals (in id order), then account rows, then usage counters (in account
  id order). An account's erasure first takes the account's erasure lock (a transaction
  advisory lock keyed by the account's `erasure_lock` number, which the database gives and
  no client chooses: `_lock_erased`), then locks its journals, then its account row; then it
  deletes its devices and frees counters. A rotation or a journal creation only tries the
  erasure locks of the accounts it would add (shared, never waiting: `_not_erasing`), so
  that once an erasure waits for its lock no membership of that account can appear, and no
  other account can keep the erasure from completing.
- Live notices travel by `NOTIFY tj_live` and every process `LISTEN`s (storage/pg_live.py).
- Migrations run under an advisory lock, so processes starting together apply each once,
  each waiting a bounded time for its table locks (`migrate`).

Connection and server failures become StorageError (503: the client retries); a write applies
whole or not at all (one transaction per method, as in the interface).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import nacl.utils

from server.errors import StorageError
from server.storage import migrations, pg_live
from server.storage.base import (
    AUDIT_COLUMNS,
    AUDIT_HIGH,
    AUDIT_LOG,
    CHAIN_LENGTHS,
    LISTED_KEY_BYTES,
    LISTED_KEYS,
    OWNED_EXTRA_BYTES,
    SIGN_INS_AFTER,
    SIGN_INS_KEPT,
    SIGN_INS_KEPT_MS,
    AccountGoneError,
    AccountRow,
    AuditRow,
    ChainConflictError,
    CredentialsChanged,
    DeviceRow,
    DuplicateError,
    Fetch,
    JournalRow,
    KeyRow,
    LiveEvent,
    LiveHandler,
    LoginWait,
    MemberRow,
    MetaChangedError,
    NewRecord,
    QuotaError,
    RecordConflictError,
    RecordRow,
    ShareRow,
    SignInRow,
    WriteLimits,
    WriterCheck,
    WriterState,
    inherited_account,
    sign_in_rows,
    write_subject,
)

log = logging.getLogger("tj.server.postgres")
MIGRATION_LOCK = 0x746A5F6D69677261  # pg_advisory_lock key: "tj_migra"
MIGRATION_LOCK_TIMEOUT = "1s"
"""How long one try of a migration waits for a table lock (PostgreSQL `lock_timeout`) where
the connection sets no timeout of its own: while it waits for an ACCESS EXCLUSIVE lock (an
ALTER TABLE), every other access to that table queues behind it, so each wait is short; the
migration is tried again (MIGRATION_LOCK_TRIES), and a long-running old transaction makes it
fail, not stop the service (`migrate`)."""
MIGRATION_LOCK_TRIES = 10
"""Tries of one migration whose lock wait timed out (about 10 s of waiting in all), with a
pause between them (`migration_pause`) in which nothing queues behind it."""
MIGRATION_RETRY_PAUSE_S = 0.5


async def migration_pause() -> None:
    """The pause between two tries of a migration: MIGRATION_RETRY_PAUSE_S, jittered (so
    that several servers starting at once do not try in step)."""
    await asyncio.sleep(MIGRATION_RETRY_PAUSE_S * random.uniform(0.5, 1.5))


ACCOUNT_COLUMNS = (
    "account_id, username, salt, opslimit, memlimit, login_public_key, "
    "recovery_login_public_key, bundle, recovery_bundle, sign_public_key, box_public_key, "
    "identity_signature, created_at"
)
RECOVERY_UPDATE = (
    "UPDATE accounts SET recovery_login_public_key = $1, recovery_bundle = $2, "
    "recovery_key_changed_at = GREATEST(recovery_key_changed_at, $4) WHERE account_id = $3"
)
DEVICE_COLUMNS = (
    "device_id, account_id, name, token_hash, created_at, last_seen_at, expires_at, revoked"
)
# Errors that mean "the database is unreachable or refused": the client should retry.
UNAVAILABLE = pg_live.UNAVAILABLE

LIVE_SLOT_LOCK = (
    "SELECT pg_advisory_xact_lock($1, erasure_lock::bit(32)::integer) FROM accounts "
    "WHERE account_id = $2"
)
"""The account's live-slot lock (`take_live_slot`): the two-key form (int4, int4), which
PostgreSQL keeps apart from every one-key (bigint) lock, the erasure locks (`_lock_erased`)
and MIGRATION_LOCK among them (pg_locks: objsubid 2, not 1); its first key is
pg_live.ACCOUNT_LOCK_SPACE, not the worker keys' WORKER_LOCK_SPACE; its second the low 32 bits
of the account's `erasure_lock` number. The database gives those numbers in turn and no
client chooses one, so two accounts share a live-slot lock only when their numbers are 2**32
apart. An account not found takes none (it is gone: its slot's insert fails)."""

MEMBERED = "SELECT journal_id FROM members WHERE account_id = $1 AND role != 'owner'"
"""The journals of other owners the account `$1` is a member of."""


def is_postgres_url(database: str) -> bool:
    return database.startswith(("postgresql://", "postgres://"))


async def migrate(connection: asyncpg.Connection) -> list[int]:
    """Apply the pending schema migrations under an advisory lock; returns their versions.

    Each migration is one transaction whose statements wait at most the connection's
    `lock_timeout` for a lock (MIGRATION_LOCK_TIMEOUT where it sets none, as by default, so
    that other accesses to the table never queue long behind it): one that waits longer
    (another transaction holds the table, a long-running one of an older server, say) is
    rolled back whole and tried again after a pause, MIGRATION_LOCK_TRIES times in all (once
    where the connection sets its own timeout); then it raises
    migrations.MigrationLockTimeoutError saying so; the migrations before it stay applied,
    and it is tried again at the next start. Raises SchemaError subclasses as
    migrations.pending does."""
    await connection.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
    try:
        await connection.execute(migrations.VERSION_TABLE_POSTGRESQL)
        rows = await connection.fetch("SELECT version, name FROM schema_migrations")
        todo = migrations.pending({int(row[0]): str(row[1]) for row in rows})
        for migration in todo:
            await _apply_migration(connection, migration)
        return [migration.version for migration in todo]
    finally:
        await connection.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)


async def _apply_migration(connection: asyncpg.Connection, migration: migrations.Migration) -> None:
    """One migration in one transaction, tried again while its lock wait times out (`migrate`)."""
    tries = 0
    while True:
        tries += 1
        own = True
        waited = ""
        try:
            async with connection.transaction():
                if await connection.fetchval("SHOW lock_timeout") == "0":
                    own = False
                    await connection.execute(f"SET LOCAL lock_timeout = '{MIGRATION_LOCK_TIMEOUT}'")
                waited = str(await connection.fetchval("SHOW lock_timeout"))
                await connection.execute(migration.postgresql)
                await connection.execute(
                    "INSERT INTO schema_migrations VALUES ($1, $2, $3)",
                    migration.version,
                    migration.name,
                    int(time.time() * 1000),
                )
            return
        except asyncpg.LockNotAvailableError as error:
            if not own and tries < MIGRATION_LOCK_TRIES:
                await migration_pause()  # rolled back: nothing queues behind it meanwhile
                continue
            times = "" if tries == 1 else f" at each of {tries} tries"
            raise migrations.MigrationLockTimeoutError(
                f"schema migration {migration.version} ({migration.name}) waited more than "
                f"{waited} for a lock on a table another transaction holds{times} (a "
                "long-running transaction: see pg_stat_activity), and nothing of it was "
                "applied; end that transaction, then start the server again (or run "
                "tj-server migrate)"
            ) from error


async def migrate_url(url: str) -> list[int]:
    """`tj-server migrate`: connect, migrate, disconnect."""
    connection = await asyncpg.connect(url)
    try:
        return await migrate(connection)
    finally:
        await connection.close()


class PostgresStorage:
    def __init__(self, pool: asyncpg.Pool, url: str) -> None:
        self._pool = pool
        self._listener = pg_live.Listener(url)

    @classmethod
    async def open(cls, url: str, *, min_size: int = 2, max_size: int = 10) -> PostgresStorage:
        try:
            pool = await asyncpg.create_pool(url, min_size=min_size, max_size=max_size)
            async with pool.acquire() as connection:
                await migrate(connection)
        except UNAVAILABLE as error:
            raise StorageError(f"cannot use the PostgreSQL database: {error}") from error
        return cls(pool, url)

    async def close(self) -> None:
        await self._listener.close()
        await self._pool.close()

    @asynccontextmanager
    async def _tx(self) -> AsyncIterator[asyncpg.Connection]:
        """A connection in a transaction; failures other than a unique violation become
        StorageError (the request gets a 503 and nothing of it is applied)."""
        try:
            async with self._pool.acquire() as connection, connection.transaction():
                yield connection
        except asyncpg.UniqueViolationError:
            raise
        except UNAVAILABLE as error:
            log.error("database failure: %s", type(error).__name__)
            raise StorageError("the database is unavailable; try again") from error

    async def _all(self, sql: str, *params: Any) -> list[asyncpg.Record]:
        try:
            return list(await self._pool.fetch(sql, *params))
        except UNAVAILABLE as error:
            log.error("database failure: %s", type(error).__name__)
            raise StorageError("the database is unavailable; try again") from error

    async def _one(self, sql: str, *params: Any) -> asyncpg.Record | None:
        rows = await self._all(sql, *params)
        return rows[0] if rows else None

    # --- live notices (storage/pg_live.py) ------------------------------------------------

    async def publish(self, event: LiveEvent) -> None:
        await pg_live.publish(self._pool, event, self._listener)

    async def subscribe(self, handler: LiveHandler) -> None:
        await self._listener.subscribe(handler)

    # --- server -----------------------------------------------------------------------------

    async def server_secrets(self) -> tuple[bytes, bytes]:
        async with self._tx() as db:
            values = {}
            for name, size in (("server_id", 16), ("prelogin_secret", 32)):
                await db.execute(
                    "INSERT INTO server_meta VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
                    name,
                    nacl.utils.random(size),
                )
                values[name] = bytes(
                    await db.fetchval("SELECT value FROM server_meta WHERE name = $1", name)
                )
            return values["server_id"], values["prelogin_secret"]

    # --- accounts ---------------------------------------------------------------------------

    async def create_account(self, account: AccountRow, device: DeviceRow) -> None:
        try:
            async with self._tx() as db:
                await db.execute(
                    f"INSERT INTO accounts ({ACCOUNT_COLUMNS}) VALUES ({_marks(13)})",
                    *_account_values(account),
                )
                await _insert_device(db, device)
                await _log_sign_in(db, device, False)
        except asyncpg.UniqueViolationError:
            raise DuplicateError("account") from None

    async def account_by_username(self, username: str) -> AccountRow | None:
        row = await self._one(
            f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE username = $1", username
        )
        return AccountRow(*row) if row else None

    async def account_by_id(self, account_id: bytes) -> AccountRow | None:
        row = await self._one(
            f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE account_id = $1", account_id
        )
        return AccountRow(*row) if row else None

    async def existing_accounts(self, account_ids: list[bytes]) -> set[bytes]:
        rows = await self._all(
            "SELECT account_id FROM accounts WHERE account_id = ANY($1::bytea[])", account_ids
        )
        return {bytes(row[0]) for row in rows}

    async def update_credentials(
        self,
        account_id: bytes,
        salt: bytes,
        opslimit: int,
        memlimit: int,
        login_public_key: bytes,
        bundle: bytes,
        recovery: tuple[bytes, bytes] | None = None,
        device_id: bytes = b"",
        now: int = 0,
    ) -> list[bytes]:
        async with self._tx() as db:
            await db.execute(
                "UPDATE accounts SET salt = $1, opslimit = $2, memlimit = $3, "
                "login_public_key = $4, bundle = $5, "
                "password_changed_at = GREATEST(password_changed_at, $7) WHERE account_id = $6",
                salt,
                opslimit,
                memlimit,
                login_public_key,
                bundle,
                account_id,
                now,
            )
            await db.execute("DELETE FROM recovery_sessions WHERE device_id = $1", device_id)
            if recovery is None:
                return []
            return await _set_recovery(db, account_id, *recovery, now)

    async def update_recovery(
        self,
        account_id: bytes,
        recovery_login_public_key: bytes,
        recovery_bundle: bytes,
        device_id: bytes = b"",
        now: int = 0,
    ) -> list[bytes]:
        async with self._tx() as db:
            await db.execute("DELETE FROM recovery_sessions WHERE device_id = $1", device_id)
            return await _set_recovery(
                db, account_id, recovery_login_public_key, recovery_bundle, now
            )

    async def delete_account(self, account_id: bytes, username: str) -> None:
        owned = "SELECT journal_id FROM journals WHERE owner_id = $1"
        async with self._tx() as db:
            # Its erasure lock, its journals and those of other owners it is a member of,
            # then its own row (`_lock_erased`): a concurrent push, rotation or erasure
            # waits instead of deadlocking with the erasure, and no membership of it
            # appears meanwhile.
            await _lock_erased(db, account_id)
            # The journals of other owners it was a member of: their meta_version moves, as
            # at a leave, so that the owner's next sync asks who the server still serves
            # and tells the owner the member is gone (protocol.md, "How the owner is told").
            await db.execute(
                "UPDATE journals SET meta_version = meta_version + 1 WHERE owner_id != $1 "
                f"AND journal_id IN ({MEMBERED})",
                account_id,
            )
            # Then its devices, before anything else is deleted (R21 F3): a push of the
            # account into another owner's journal reads its device row FOR SHARE in its
            # check (`_checked_stored_records`, after that journal's lock). Either it got there
            # first, and this waits for it to commit (its records are then seen and deleted
            # below), or it waits for the erasure and finds no device (401). Lock order:
            # journals, then accounts, then devices, then counters.
            await db.execute("DELETE FROM devices WHERE account_id = $1", account_id)
            # Records other accounts pushed into its journals go too: free their bytes.
            freed = await db.fetch(
                "SELECT pushed_by, SUM(length(ciphertext)) FROM records WHERE journal_id IN "
                f"({owned}) AND pushed_by != $1 GROUP BY pushed_by",
                account_id,
            )
            await _free_bytes(db, [(r[0], int(r[1])) for r in freed])
            await db.execute("DELETE FROM account_usage WHERE account_id = $1", account_id)
            # Its audit rows in other owners' journals stay, its account_id set NULL by the
            # foreign key: those owners' record of what it read (protocol.md, erasure).
            await db.execute(f"DELETE FROM audit WHERE journal_id IN ({owned})", account_id)
            for table, column in (
                ("records", "pushed_by"),
                ("journal_keys", "account_id"),
                ("members", "account_id"),
            ):
                await db.execute(
                    f"DELETE FROM {table} WHERE journal_id IN ({owned}) OR {column} = $1",
                    account_id,
                )
            await db.execute(f"DELETE FROM access_chain WHERE journal_id IN ({owned})", account_id)
            await db.execute("DELETE FROM journals WHERE owner_id = $1", account_id)
            await db.execute("DELETE FROM sign_ins WHERE account_id = $1", account_id)
            await db.execute("DELETE FROM accounts WHERE account_id = $1", account_id)

    async def use_challenge(self, nonce: bytes, keep_until: int) -> bool:
        async with self._tx() as db:
            status = await db.execute(
                "INSERT INTO used_challenges VALUES ($1, $2) ON CONFLICT DO NOTHING",
                nonce,
                keep_until,
            )
        return bool(status == "INSERT 0 1")

    async def purge(self, now: int, forget_before: int) -> None:
        async with self._tx() as db:
            await db.execute("DELETE FROM used_challenges WHERE keep_until < $1", now)
            await db.execute("DELETE FROM login_failures WHERE last_failure_at < $1", forget_before)
            await db.execute("DELETE FROM rate_windows WHERE window_start < $1", forget_before)
            await db.execute("DELETE FROM devices WHERE expires_at < $1", forget_before)
            await db.execute(
                f"DELETE FROM live_sockets WHERE worker_key NOT IN ({pg_live.LIVE_WORKERS})"
            )

    # --- live slots (shared by every process: tj-server --workers N) ------------------------

    async def take_live_slot(
        self, account_id: bytes, device_id: bytes, per_device: int, per_account: int
    ) -> bytes:
        # A row per open socket, with the worker key of its process (storage/pg_live.py);
        # rows whose key nobody holds are of a process that is gone, and are dropped here.
        # Takes for one account are serialised by a transaction-scoped advisory lock, so
        # two processes cannot both see room for the last slot. Its key is the account's
        # `erasure_lock` number (given by the database, never by a client: migration 10) in
        # the live-slot lock space, so no account can choose an id whose set-ups wait for
        # another's (it was a 32-bit hash of the client-chosen id). `_live_slot_lock`.
        worker = self._listener.worker_key
        if worker is None:
            raise StorageError("the live notice connection is down; try again")
        slot = nacl.utils.random(16)
        async with self._tx() as db:
            await db.execute(LIVE_SLOT_LOCK, pg_live.ACCOUNT_LOCK_SPACE, account_id)
            await db.execute(
                "DELETE FROM live_sockets WHERE account_id = $1 "
                f"AND worker_key NOT IN ({pg_live.LIVE_WORKERS})",
                account_id,
            )
            held, on_device = await db.fetchrow(
                "SELECT count(*), count(*) FILTER (WHERE device_id = $2) FROM live_sockets "
                "WHERE account_id = $1",
                account_id,
                device_id,
            )
            if on_device >= per_device:
                raise QuotaError("live_device")
            if held >= per_account:
                raise QuotaError("live_account")
            await db.execute(
                "INSERT INTO live_sockets VALUES ($1, $2, $3, $4)",
                slot,
                worker,
                account_id,
                device_id,
            )
        return slot

    async def release_live_slot(self, slot: bytes) -> None:
        async with self._tx() as db:
            await db.execute("DELETE FROM live_sockets WHERE socket_id = $1", slot)

    # --- throttling and rates ---------------------------------------------------------------

    async def reserve_login_attempt(
        self, subjects: list[str], now: int, forget_before: int, wait: LoginWait
    ) -> int:
        async with self._tx() as db:
            # Rows exist (a zero counter is "no failure") and are locked, in one order, so
            # concurrent attempts from several processes queue here instead of slipping by.
            await db.executemany(
                "INSERT INTO login_failures VALUES ($1, 0, 0) ON CONFLICT (subject) DO NOTHING",
                [(subject,) for subject in sorted(subjects)],
            )
            rows = await db.fetch(
                "SELECT subject, failures, last_failure_at FROM login_failures "
                "WHERE subject = ANY($1::text[]) ORDER BY subject FOR UPDATE",
                subjects,
            )
            counters = {
                str(r[0]): (int(r[1]), int(r[2])) for r in rows if int(r[2]) >= forget_before
            }
            wait_ms = wait(counters)
            if wait_ms > 0:
                return wait_ms
            await db.execute(
                "UPDATE login_failures SET failures = CASE WHEN last_failure_at < $2 THEN 1 "
                "ELSE failures + 1 END, last_failure_at = $3 WHERE subject = ANY($1::text[])",
                subjects,
                forget_before,
                now,
            )
            return 0

    async def forgive_login_attempt(self, cleared: str, taken_back: list[str]) -> None:
        async with self._tx() as db:
            # Locked in reserve_login_attempt's order first: two logins of one username at
            # once (one reserving, one forgiving) deadlocked when these rows were locked in
            # the subjects' order instead.
            await db.execute(
                "SELECT 1 FROM login_failures WHERE subject = ANY($1::text[]) "
                "ORDER BY subject FOR UPDATE",
                [cleared, *taken_back],
            )
            await db.execute("DELETE FROM login_failures WHERE subject = $1", cleared)
            for subject in taken_back:
                await db.execute(
                    "DELETE FROM login_failures WHERE subject = $1 AND failures <= 1", subject
                )
                await db.execute(
                    "UPDATE login_failures SET failures = failures - 1 WHERE subject = $1 "
                    "AND failures > 0",
                    subject,
                )

    async def count_request(
        self, limits: list[tuple[str, int]], window_start: int, count: int = 1
    ) -> bool:
        try:
            async with self._tx() as db:
                await _count_all(db, limits, window_start, count)
        except _Refused:
            return False
        return True

    # --- devices ----------------------------------------------------------------------------

    async def create_device(
        self,
        device: DeviceRow,
        max_devices: int,
        by_recovery_key: bool = False,
        checked_key: bytes | None = None,
        proof: bytes = b"",
    ) -> None:
        async with self._tx() as db:
            await _lock_account(db, device.account_id)
            if checked_key is not None:  # under the account's row lock: a change waits
                column = "recovery_login_public_key" if by_recovery_key else "login_public_key"
                held = await db.fetchval(
                    f"SELECT {column} FROM accounts WHERE account_id = $1", device.account_id
                )
                if held is None or bytes(held) != checked_key:
                    raise CredentialsChanged("login key")
            count = await db.fetchval(
                "SELECT COUNT(*) FROM devices WHERE account_id = $1 AND revoked = 0 "
                "AND expires_at >= $2",
                device.account_id,
                device.created_at,
            )
            if int(count) >= max_devices:
                raise QuotaError("devices")
            if await db.fetchval(
                "SELECT 1 FROM used_device_ids WHERE device_id = $1", device.device_id
            ):
                raise DuplicateError("device")  # checked before the prune, as on SQLite
            # Signed-out rows (revoked or expired): only the newest `max_devices` are kept, so
            # that a login/logout loop cannot pile up rows (R9 finding 8).
            await db.execute(
                "DELETE FROM devices WHERE account_id = $1 AND (revoked = 1 OR expires_at < $2) "
                "AND device_id NOT IN (SELECT device_id FROM devices WHERE account_id = $1 "
                "AND (revoked = 1 OR expires_at < $2) ORDER BY created_at DESC LIMIT $3)",
                device.account_id,
                device.created_at,
                max_devices,
            )
            await _insert_device(db, device)
            if by_recovery_key:
                await db.execute(
                    "INSERT INTO recovery_sessions (device_id, account_id) VALUES ($1, $2)",
                    device.device_id,
                    device.account_id,
                )
            await _log_sign_in(db, device, by_recovery_key, proof)  # under the account's row lock

    async def device_by_token_hash(self, token_hash: bytes) -> DeviceRow | None:
        row = await self._one(
            f"SELECT {DEVICE_COLUMNS} FROM devices WHERE token_hash = $1", token_hash
        )
        return _device(row) if row else None

    async def touch_device(self, device_id: bytes, now: int) -> None:
        async with self._tx() as db:
            await db.execute(
                "UPDATE devices SET last_seen_at = $1 WHERE device_id = $2", now, device_id
            )

    async def list_devices(
        self, account_id: bytes, after: tuple[int, bytes] | None, limit: int, now: int
    ) -> list[DeviceRow]:
        start = after or (-1, b"")
        rows = await self._all(
            f"SELECT {DEVICE_COLUMNS} FROM devices WHERE account_id = $1 AND revoked = 0 "
            "AND expires_at >= $5 AND (created_at, device_id) > ($2, $3) "
            "ORDER BY created_at, device_id LIMIT $4",
            account_id,
            *start,
            limit,
            now,
        )
        return [_device(row) for row in rows]

    async def sign_ins(
        self, account_id: bytes, after: int, limit: int, now: int
    ) -> list[SignInRow]:
        rows = await self._all(SIGN_INS_AFTER.format("$"), now, account_id, after, limit)
        return sign_in_rows(rows)

    async def credential_changes(self, account_id: bytes) -> tuple[int, int]:
        row = await self._one(
            "SELECT password_changed_at, recovery_key_changed_at FROM accounts "
            "WHERE account_id = $1",
            account_id,
        )
        return (int(row[0]), int(row[1])) if row else (0, 0)

    async def revoke_device(self, account_id: bytes, device_id: bytes) -> bool:
        async with self._tx() as db:
            status = await db.execute(
                "UPDATE devices SET revoked = 1 WHERE account_id = $1 AND device_id = $2 "
                "AND revoked = 0",
                account_id,
                device_id,
            )
            return _count(status) == 1

    async def delete_journal(self, journal_id: bytes) -> None:
        async with self._tx() as db:
            # Lock the journal first, so a concurrent push waits instead of racing the delete.
            await db.execute("SELECT 1 FROM journals WHERE journal_id = $1 FOR UPDATE", journal_id)
            freed = await db.fetch(
                "SELECT pushed_by, SUM(length(ciphertext)) FROM records WHERE journal_id = $1 "
                "GROUP BY pushed_by",
                journal_id,
            )
            await _free_bytes(db, [(r[0], int(r[1])) for r in freed])
            for table in (
                "records",
                "audit",
                "journal_keys",
                "members",
                "access_chain",
                "journals",
            ):
                await db.execute(f"DELETE FROM {table} WHERE journal_id = $1", journal_id)

    async def rename_device(self, account_id: bytes, device_id: bytes, name: str) -> bool:
        async with self._tx() as db:
            status = await db.execute(
                "UPDATE devices SET name = $1 WHERE account_id = $2 AND device_id = $3 "
                "AND revoked = 0",
                name,
                account_id,
                device_id,
            )
            return _count(status) == 1

    # --- journals ---------------------------------------------------------------------------

    async def create_journal(
        self,
        journal_id: bytes,
        owner_id: bytes,
        key: KeyRow,
        meta: bytes,
        chain: list[bytes],
        now: int,
        max_journals: int,
        max_stored_bytes: int | None = None,
    ) -> None:
        try:
            async with self._tx() as db:
                await _not_erasing(db, [owner_id])  # the erasure then waits and sees it
                if not await _lock_account(db, owner_id):
                    raise AccountGoneError()  # erased since the session was checked
                if await db.fetchval("SELECT 1 FROM journals WHERE journal_id = $1", journal_id):
                    raise DuplicateError("journal")
                owned = await db.fetchval(
                    "SELECT COUNT(*) FROM journals WHERE owner_id = $1", owner_id
                )
                if int(owned) >= max_journals:
                    raise QuotaError("journals")
                await db.execute(
                    "INSERT INTO journals VALUES ($1, $2, $3, $4, 1, 0, $5)",
                    journal_id,
                    owner_id,
                    key.epoch,
                    meta,
                    now,
                )
                await db.execute(
                    "INSERT INTO members VALUES ($1, $2, 'owner', 0)", journal_id, owner_id
                )
                await db.execute(
                    "INSERT INTO journal_keys VALUES ($1, $2, $3, $4)",
                    journal_id,
                    owner_id,
                    key.epoch,
                    key.envelope,
                )
                await _append_chain(db, journal_id, 0, chain)
                if max_stored_bytes is not None:
                    await _check_owner_bytes(db, owner_id, max_stored_bytes)
        except asyncpg.UniqueViolationError:
            raise DuplicateError("journal") from None

    async def chain_entries(
        self, journal_id: bytes, after: int, limit: int
    ) -> tuple[int, list[bytes]]:
        async with self._tx() as db:  # one snapshot: the length and the entries agree
            length = await db.fetchval(
                "SELECT COALESCE(max(position) + 1, 0) FROM access_chain WHERE journal_id = $1",
                journal_id,
            )
            rows = await db.fetch(
                "SELECT entry FROM access_chain WHERE journal_id = $1 AND position >= $2 "
                "ORDER BY position LIMIT $3",
                journal_id,
                after,
                limit,
            )
        return int(length), [bytes(row[0]) for row in rows]

    async def chain_lengths(self, journal_ids: list[bytes]) -> dict[bytes, int]:
        rows = await self._all(
            f"{CHAIN_LENGTHS} WHERE j.journal_id = ANY($1::bytea[])", journal_ids
        )
        return {bytes(row[0]): int(row[1]) for row in rows}

    async def journals_for(
        self,
        account_id: bytes,
        now: int,
        after: tuple[int, bytes] | None = None,
        limit: int | None = None,
        key_bytes: int = LISTED_KEY_BYTES,
    ) -> list[JournalRow]:
        start = after or (-1, b"")
        rows = await self._all(
            "SELECT j.journal_id, j.owner_id, m.role, j.epoch, j.meta, j.meta_version, j.head, "
            "a.username, m.expires_at, "
            "(SELECT COALESCE(max(c.position) + 1, 0) FROM access_chain c "
            "WHERE c.journal_id = j.journal_id), "
            "j.created_at FROM members m JOIN journals j ON j.journal_id = m.journal_id "
            "JOIN accounts a ON a.account_id = j.owner_id "
            "WHERE m.account_id = $1 AND (m.expires_at = 0 OR m.expires_at > $2) "
            "AND (j.created_at, j.journal_id) > ($3, $4) "
            "ORDER BY j.created_at, j.journal_id LIMIT $5",
            account_id,
            now,
            *start,
            limit,
        )
        key_rows = await self._all(
            LISTED_KEYS.format(
                cap="$3", length="octet_length", account="$1", listed="= ANY($2::bytea[])"
            ),
            account_id,
            [bytes(row[0]) for row in rows],
            key_bytes,
        )
        keys: dict[bytes, list[KeyRow]] = {}
        cut: set[bytes] = set()
        for journal_id, epoch, envelope in key_rows:
            if envelope is None:
                cut.add(journal_id)
            else:
                keys.setdefault(journal_id, []).append(KeyRow(epoch, envelope))
        return [
            JournalRow(
                journal_id=row[0],
                owner_id=row[1],
                role=row[2],
                epoch=row[3],
                meta=row[4],
                meta_version=row[5],
                head=row[6],
                keys=tuple(keys.get(row[0], ())),
                owner_name=row[7],
                expires_at=row[8],
                chain_length=int(row[9]),
                created_at=int(row[10]),
                keys_complete=row[0] not in cut,
            )
            for row in rows
        ]

    async def key_page(
        self, journal_id: bytes, account_id: bytes, from_epoch: int, to_epoch: int, limit: int
    ) -> list[KeyRow]:
        rows = await self._all(
            "SELECT epoch, envelope FROM journal_keys WHERE journal_id = $1 AND account_id = $2 "
            "AND epoch BETWEEN $3 AND $4 ORDER BY epoch LIMIT $5",
            journal_id,
            account_id,
            from_epoch,
            to_epoch,
            limit,
        )
        return [KeyRow(row[0], row[1]) for row in rows]

    async def heads_for(self, account_id: bytes, now: int) -> dict[bytes, tuple[int, int, str]]:
        rows = await self._all(
            "SELECT j.journal_id, j.head, j.meta_version, m.role FROM members m "
            "JOIN journals j ON j.journal_id = m.journal_id WHERE m.account_id = $1 "
            "AND (m.expires_at = 0 OR m.expires_at > $2)",
            account_id,
            now,
        )
        return {row[0]: (row[1], row[2], row[3]) for row in rows}

    async def role_in(self, journal_id: bytes, account_id: bytes, now: int) -> str | None:
        row = await self._one(
            "SELECT role FROM members WHERE journal_id = $1 AND account_id = $2 "
            "AND (expires_at = 0 OR expires_at > $3)",
            journal_id,
            account_id,
            now,
        )
        return str(row[0]) if row else None

    async def journal_epoch(self, journal_id: bytes) -> int | None:
        row = await self._one("SELECT epoch FROM journals WHERE journal_id = $1", journal_id)
        return int(row[0]) if row else None

    async def meta_version(self, journal_id: bytes) -> int | None:
        row = await self._one("SELECT meta_version FROM journals WHERE journal_id = $1", journal_id)
        return int(row[0]) if row else None

    # --- sharing ----------------------------------------------------------------------------

    async def leave_journal(
        self, journal_id: bytes, account_id: bytes, max_inherited: int | None = None
    ) -> bool:
        async with self._tx() as db:
            await db.execute("SELECT 1 FROM journals WHERE journal_id = $1 FOR UPDATE", journal_id)
            status = await db.execute(
                "DELETE FROM members WHERE journal_id = $1 AND account_id = $2 AND role != 'owner'",
                journal_id,
                account_id,
            )
            left = _count(status) == 1
            if left:
                await _recharge_to_owner(db, journal_id, [account_id], max_inherited)
                await db.execute(
                    "DELETE FROM journal_keys WHERE journal_id = $1 AND account_id = $2",
                    journal_id,
                    account_id,
                )
                await db.execute(
                    "UPDATE journals SET meta_version = meta_version + 1 WHERE journal_id = $1",
                    journal_id,
                )
            return left

    async def shares_of(
        self, owner_id: bytes, after: tuple[bytes, bytes] | None = None, limit: int | None = None
    ) -> list[ShareRow]:
        rows = await self._all(
            "SELECT m.journal_id, m.account_id, a.username, m.role, m.expires_at, j.epoch, "
            "k.envelope FROM members m "
            "JOIN journals j ON j.journal_id = m.journal_id "
            "JOIN accounts a ON a.account_id = m.account_id "
            "LEFT JOIN journal_keys k ON k.journal_id = m.journal_id "
            "AND k.account_id = m.account_id AND k.epoch = j.epoch "
            "WHERE j.owner_id = $1 AND m.role != 'owner' AND (m.journal_id, m.account_id) > ($2, $3) "
            "ORDER BY m.journal_id, m.account_id LIMIT $4",
            owner_id,
            *(after or (b"", b"")),
            limit,
        )
        return [ShareRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6] or b"") for r in rows]

    async def rotate(
        self,
        journal_id: bytes,
        epoch: int,
        meta: bytes,
        members: list[MemberRow],
        chain_after: int,
        chain: list[bytes],
        max_shares: int,
        max_stored_bytes: int | None = None,
    ) -> None:
        try:
            async with self._tx() as db:
                # The journal's row first, then the owner's: the order a push and an erasure
                # take them in (R21 F6).
                owner_id = await db.fetchval(
                    "SELECT owner_id FROM journals WHERE journal_id = $1 FOR UPDATE", journal_id
                )
                if owner_id is not None:  # the owner's share count, across processes
                    await _lock_account(db, bytes(owner_id))
                owner = bytes(owner_id) if owner_id is not None else b""
                # No member's erasure under way (refused as gone if one is): an erasure
                # that started waits for this rotation and then sees the new membership.
                others = sorted({m.account_id for m in members} - {owner})
                await _not_erasing(db, others)
                # Then the members' rows, before any counter: a key-share lock, as the
                # members insert's foreign key takes, so an erasure of one of them (which
                # locks that row FOR UPDATE, `_lock_erased`) that came first leaves the
                # account gone.
                found = await db.fetch(
                    "SELECT 1 FROM accounts WHERE account_id = ANY($1::bytea[]) "
                    "ORDER BY account_id FOR KEY SHARE",
                    others,
                )
                if len(found) != len(others):
                    raise AccountGoneError()
                extra_before = await _owner_extra_bytes(db, owner)
                await _append_chain(db, journal_id, chain_after, chain)
                before = await _shares_granted(db, journal_id)
                listed = [m.account_id for m in members]
                current = {
                    bytes(row[0])
                    for row in await db.fetch(
                        "SELECT account_id FROM members WHERE journal_id = $1", journal_id
                    )
                }
                removed = sorted(current - set(listed))
                only_removes = bool(removed) and set(listed) <= current
                await _recharge_to_owner(db, journal_id, removed, max_stored_bytes)
                for table in ("journal_keys", "members"):
                    await db.execute(
                        f"DELETE FROM {table} WHERE journal_id = $1 "
                        "AND NOT (account_id = ANY($2::bytea[]))",
                        journal_id,
                        listed,
                    )
                await db.executemany(
                    "INSERT INTO members VALUES ($1, $2, $3, $4) "
                    "ON CONFLICT (journal_id, account_id) "
                    "DO UPDATE SET role = excluded.role, expires_at = excluded.expires_at",
                    [(journal_id, m.account_id, m.role, m.expires_at) for m in members],
                )
                await _put_keys(
                    db, journal_id, [(m.account_id, epoch, m.envelope) for m in members]
                )
                await db.execute(
                    "UPDATE journals SET epoch = $1, meta = $2, meta_version = meta_version + 1 "
                    "WHERE journal_id = $3",
                    epoch,
                    meta,
                    journal_id,
                )
                after = await _shares_granted(db, journal_id)
                if after > before and after > max_shares:
                    raise QuotaError("shares")  # the transaction rolls back: nothing changes
                if max_stored_bytes is not None and not only_removes:
                    if await _owner_extra_bytes(db, owner) > extra_before:
                        await _check_owner_bytes(db, owner, max_stored_bytes)
        except asyncpg.UniqueViolationError:
            raise ChainConflictError(journal_id.hex()) from None

    async def add_audit(
        self, account_id: bytes, device_id: bytes, at: int, fetches: list[Fetch]
    ) -> set[bytes]:
        # As storage/sqlite.py: a replayed sync adds nothing and opens no transaction.
        fresh = []
        for fetch in fetches:
            high = await self._one(AUDIT_HIGH.format("$"), fetch.journal_id, account_id, device_id)
            if fetch.seqs and high is not None and fetch.seqs[-1] > int(high[0]):
                fresh.append(fetch)
        if not fresh:
            return set()
        left: set[bytes] = set()
        async with self._tx() as db:
            # The locks the audit rows' foreign keys take, taken first in the one lock
            # order: the journals (in id order), then the account. Left to the inserts,
            # they come row by row (a journal's, the account's, the next journal's), and
            # an erasure of the account holding a later journal while it waits for the
            # account's row deadlocks with them. A journal or an account gone meanwhile
            # gets no audit row (the erasure or deletion would have deleted it). So does a
            # journal the account is no longer a member of, read once the journals are
            # locked: a leave or a removal (which lock the journal's row FOR UPDATE first)
            # then waits for this transaction; the caller sends none of its records.
            kept = {
                bytes(row[0])
                for row in await db.fetch(
                    "SELECT journal_id FROM journals WHERE journal_id = ANY($1::bytea[]) "
                    "ORDER BY journal_id FOR KEY SHARE",
                    sorted({fetch.journal_id for fetch in fresh}),
                )
            }
            name = await db.fetchval(
                "SELECT username FROM accounts WHERE account_id = $1 FOR KEY SHARE", account_id
            )
            if name is None:  # erased since the read: no row, and no record (sqlite.py)
                return {fetch.journal_id for fetch in fetches}
            member = {
                bytes(row[0])
                for row in await db.fetch(
                    "SELECT m.journal_id FROM members m WHERE m.journal_id = ANY($1::bytea[]) "
                    "AND m.account_id = $2 AND (m.expires_at = 0 OR m.expires_at > $3)",
                    sorted(kept),
                    account_id,
                    at,
                )
            }
            for fetch in fresh:
                if fetch.journal_id not in kept:
                    continue
                if fetch.journal_id not in member:
                    left.add(fetch.journal_id)
                    continue
                previous = int(
                    await db.fetchval(
                        AUDIT_HIGH.format("$"), fetch.journal_id, account_id, device_id
                    )
                )
                if fetch.seqs[-1] > previous:
                    await db.execute(
                        f"INSERT INTO audit ({AUDIT_COLUMNS}) "
                        "VALUES ($1, $2, $3, $4, $5, $6, $2, $7)",
                        fetch.journal_id,
                        account_id,
                        device_id,
                        at,
                        fetch.seqs[-1],
                        sum(1 for seq in fetch.seqs if seq > previous),
                        name,
                    )
        return left

    async def audit_log(
        self,
        journal_id: bytes,
        account_id: bytes | None,
        after: tuple[int, bytes, int] | None = None,
        limit: int | None = None,
    ) -> list[AuditRow]:
        sql = (
            f"{AUDIT_LOG} WHERE u.journal_id = $1 "
            "AND (u.at, u.device_id, u.up_to_seq) > ($2, $3, $4)"
        )
        params: tuple[Any, ...] = (journal_id, *(after or (-1, b"", -1)))
        if account_id is not None:
            sql += " AND u.account_id = $5"
            params += (account_id,)
        sql += f" ORDER BY u.at, u.device_id, u.up_to_seq LIMIT ${len(params) + 1}"
        rows = await self._all(sql, *params, limit)
        return [AuditRow(*row) for row in rows]

    async def update_meta(
        self,
        journal_id: bytes,
        account_id: bytes,
        device_id: bytes,
        meta: bytes,
        now: int,
        check: WriterCheck,
        meta_version: int = 0,
    ) -> None:
        async with self._tx() as db:
            await _lock_journal(db, journal_id)
            await _checked_stored_records(db, journal_id, account_id, device_id, now, check, [])
            status = await db.execute(
                "UPDATE journals SET meta = $1, meta_version = meta_version + 1 "
                "WHERE journal_id = $2 AND ($3::bigint = 0 OR meta_version = $3::bigint)",
                meta,
                journal_id,
                meta_version,
            )
            if status.split()[-1] == "0":
                raise MetaChangedError

    # --- records ----------------------------------------------------------------------------

    async def append_records(
        self,
        journal_id: bytes,
        pushed_by: bytes,
        device_id: bytes,
        records: list[NewRecord],
        now: int,
        limits: WriteLimits,
        check: WriterCheck,
    ) -> list[tuple[bytes, int]]:
        async with self._tx() as db:
            await _lock_journal(db, journal_id)
            ids = [record.record_id for record in records]
            stored = await _checked_stored_records(
                db, journal_id, pushed_by, device_id, now, check, ids
            )
            await _check_resent(db, journal_id, records, stored)
            fresh = [record for record in records if record.record_id not in stored]
            await _charge(db, pushed_by, [len(r.ciphertext) for r in fresh], now, limits)
            if fresh:
                # One statement for the batch and the journal's head; WITH ORDINALITY keeps
                # the batch's order in seq.
                inserted = await db.fetch(
                    "WITH inserted AS (INSERT INTO records (journal_id, record_id, epoch, "
                    "ciphertext, pushed_by, created_at, pushed_device) SELECT $1, "
                    "r.record_id, r.epoch, r.ciphertext, $2, $3, $7 "
                    "FROM unnest($4::bytea[], $5::bigint[], $6::bytea[]) WITH ORDINALITY "
                    "AS r(record_id, epoch, ciphertext, n) ORDER BY r.n "
                    "RETURNING record_id, seq), raised AS (UPDATE journals SET head = "
                    "GREATEST(head, (SELECT max(seq) FROM inserted)) WHERE journal_id = $1) "
                    "SELECT record_id, seq FROM inserted",
                    journal_id,
                    pushed_by,
                    now,
                    [r.record_id for r in fresh],
                    [r.epoch for r in fresh],
                    [r.ciphertext for r in fresh],
                    device_id,
                )
                for record_id, seq in inserted:
                    stored[record_id] = (seq, 0, 0)
            accepted = [(record_id, stored[record_id][0]) for record_id in ids]
            if not fresh:
                await _raise_head(db, journal_id, max(seq for _, seq in accepted))
            return accepted

    async def compact(
        self,
        journal_id: bytes,
        pushed_by: bytes,
        device_id: bytes,
        snapshot: NewRecord,
        supersedes: list[bytes],
        now: int,
        limits: WriteLimits,
        check: WriterCheck,
    ) -> tuple[int, int]:
        async with self._tx() as db:
            await _lock_journal(db, journal_id)
            ids = [snapshot.record_id]
            if not await _checked_stored_records(
                db, journal_id, pushed_by, device_id, now, check, ids
            ):
                # What the snapshot replaces is credited first (see storage/sqlite.py).
                credit = await db.fetchval(
                    "SELECT COALESCE(SUM(length(ciphertext)), 0) FROM records WHERE "
                    "journal_id = $1 AND pushed_by = $2 AND record_id = ANY($3::bytea[])",
                    journal_id,
                    pushed_by,
                    supersedes,
                )
                await _charge(db, pushed_by, [len(snapshot.ciphertext)], now, limits, int(credit))
            seq = await _insert_record(db, journal_id, pushed_by, snapshot, now)
            freed = await db.fetch(
                "SELECT pushed_by, SUM(length(ciphertext)) FROM records WHERE journal_id = $1 "
                "AND seq < $2 AND record_id = ANY($3::bytea[]) GROUP BY pushed_by",
                journal_id,
                seq,
                supersedes,
            )
            await _free_bytes(db, [(r[0], int(r[1])) for r in freed])
            status = await db.execute(
                "DELETE FROM records WHERE journal_id = $1 AND seq < $2 "
                "AND record_id = ANY($3::bytea[])",
                journal_id,
                seq,
                supersedes,
            )
            await _raise_head(db, journal_id, seq)
            return seq, _count(status)

    async def members_of(self, journal_id: bytes, now: int) -> list[tuple[bytes, str]]:
        rows = await self._all(
            "SELECT account_id, role FROM members WHERE journal_id = $1 "
            "AND (expires_at = 0 OR expires_at > $2)",
            journal_id,
            now,
        )
        return [(row[0], str(row[1])) for row in rows]

    async def seq_before(self, journal_id: bytes, seq: int) -> int | None:
        # Identity values are taken when a row is inserted, not in commit order: a push that
        # commits later may hold a lower seq. No range of a journal is known for good here.
        return None

    async def records_after(
        self,
        journal_id: bytes,
        after: int,
        limit: int,
        max_bytes: int,
        stub_device: bytes | None = None,
    ) -> list[RecordRow]:
        # The cut is found from the lengths first (octet_length does not detoast), then only
        # the records that fit are read: a page reads about what it sends (R9 finding 17).
        # Both reads share one REPEATABLE READ snapshot: a compaction or an erasure that
        # commits between them cannot shift the second read onto records whose sizes the
        # first never saw (a page over its byte budget, or one not matching the cut).
        try:
            async with (
                self._pool.acquire() as db,
                db.transaction(isolation="repeatable_read", readonly=True),
            ):
                count = await self._page_length(
                    db, journal_id, after, limit, max_bytes, stub_device
                )
                if not count:
                    return []
                # A record `stub_device` pushed comes without its ciphertext (NULL never
                # equals it; a CASE branch not taken is not detoasted).
                rows = await db.fetch(
                    "SELECT seq, record_id, epoch, CASE WHEN pushed_device = $4 "
                    "THEN ''::bytea ELSE ciphertext END FROM records "
                    "WHERE journal_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                    journal_id,
                    after,
                    count,
                    stub_device,
                )
        except UNAVAILABLE as error:
            log.error("database failure: %s", type(error).__name__)
            raise StorageError("the database is unavailable; try again") from error
        return [
            RecordRow(seq, record_id, epoch, ciphertext)
            for seq, record_id, epoch, ciphertext in rows
        ]

    async def _page_length(
        self,
        db: asyncpg.Connection,
        journal_id: bytes,
        after: int,
        limit: int,
        max_bytes: int,
        stub_device: bytes | None,
    ) -> int:
        """How many of the next `limit` records after `after` fit in `max_bytes` (at least
        one, if there is one), from their lengths alone, in the caller's snapshot; a stub of
        `stub_device`'s record counts 0 bytes."""
        sizes = await db.fetch(
            "SELECT CASE WHEN pushed_device = $4 THEN 0 ELSE octet_length(ciphertext) END "
            "FROM records WHERE journal_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
            journal_id,
            after,
            limit,
            stub_device,
        )
        count, size = 0, 0
        for (length,) in sizes:
            size += int(length)
            if count and size > max_bytes:
                break
            count += 1
        return count


async def _lock_erased(db: asyncpg.Connection, account_id: bytes) -> None:
    """Lock, for an erasure, the account's erasure lock, then the journals the account owns
    or is a member of (in journal id order), then the account's row FOR UPDATE.

    The erasure lock comes first, while nothing else is held: the erasure waits for the
    rotations and journal creations that hold it shared (`_not_erasing`: they may add the
    account to a journal), and, once it waits, every later one is refused without waiting
    (PostgreSQL queues a lock request behind a waiting one that conflicts with it), so the
    erasure is never overtaken and never retries. When it is granted, every membership of
    the account that will ever exist is committed: the journals read next are all of them,
    and each is raised or deleted. Without this, a rotation's uncommitted membership was
    missed (its ON DELETE CASCADE dropped it with no meta_version bump), and an owner adding
    the account to one journal after another could make its erasure fail every time.

    Raises StorageError (503) if a journal of the account appeared after they were read,
    which the erasure lock rules out."""
    await db.execute(
        "SELECT pg_advisory_xact_lock(erasure_lock) FROM accounts WHERE account_id = $1",
        account_id,
    )
    journals = f"SELECT journal_id FROM journals WHERE owner_id = $1 OR journal_id IN ({MEMBERED})"
    locked = await db.fetch(f"{journals} ORDER BY journal_id FOR UPDATE", account_id)
    await db.execute("SELECT 1 FROM accounts WHERE account_id = $1 FOR UPDATE", account_id)
    now = await db.fetch(journals, account_id)
    if not {bytes(row[0]) for row in now} <= {bytes(row[0]) for row in locked}:
        log.error("an account's journals changed during its erasure, under its erasure lock")
        raise StorageError("the account's journals changed during its erasure; try again")


async def _not_erasing(db: asyncpg.Connection, account_ids: list[bytes]) -> None:
    """Take the erasure locks of `account_ids` shared, without waiting, until the
    transaction ends (`_lock_erased`). Raises AccountGoneError if one is being erased (its
    erasure holds or waits for the lock): the account is as good as gone. Never waits, so it
    adds no edge to the lock order. An account not found has no lock to take: the caller
    finds it gone when it locks its row.

    A lock's key is the account's `erasure_lock` number, given by the database (migration
    10) and never given again, so no two accounts share one: no client can choose an
    account id whose erasure refuses another account's rotations."""
    if not account_ids:
        return
    taken = await db.fetchval(
        "SELECT coalesce(bool_and(pg_try_advisory_xact_lock_shared(erasure_lock)), true) "
        "FROM accounts WHERE account_id = ANY($1::bytea[])",
        account_ids,
    )
    if not taken:
        raise AccountGoneError()


async def _lock_journal(db: asyncpg.Connection, journal_id: bytes) -> None:
    """Serialise the journal's writers until commit: commit order = seq order (module doc)."""
    await db.execute("SELECT 1 FROM journals WHERE journal_id = $1 FOR UPDATE", journal_id)


async def _shares_granted(db: asyncpg.Connection, journal_id: bytes) -> int:
    """As storage/sqlite.py's `_shares_granted`."""
    granted = await db.fetchval(
        "SELECT COUNT(*) FROM members m JOIN journals j ON j.journal_id = m.journal_id "
        "WHERE j.owner_id = (SELECT owner_id FROM journals WHERE journal_id = $1) "
        "AND m.role != 'owner'",
        journal_id,
    )
    return int(granted)


async def _log_sign_in(
    db: asyncpg.Connection, device: DeviceRow, by_recovery_key: bool, proof: bytes = b""
) -> None:
    """Append the sign-in of `device` (with its device `proof`) to its account's log and prune it (sqlite.py
    `_log_sign_in`); the caller holds the account's row lock (or just created it), so two
    sign-ins never take the same number."""
    await db.execute(
        "INSERT INTO sign_ins (account_id, seq, device_id, name, at, by_recovery_key, proof) "
        "SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4, $5, $6 FROM sign_ins "
        "WHERE account_id = $1",
        device.account_id,
        device.device_id,
        device.name,
        device.created_at,
        int(by_recovery_key),
        proof,
    )
    await db.execute(
        "DELETE FROM sign_ins WHERE account_id = $1 AND seq < (SELECT MAX(seq) FROM sign_ins "
        "WHERE account_id = $1) AND (at < $2 OR seq <= (SELECT MAX(seq) FROM sign_ins "
        "WHERE account_id = $1) - $3)",
        device.account_id,
        device.created_at - SIGN_INS_KEPT_MS,
        SIGN_INS_KEPT,
    )


async def _set_recovery(
    db: asyncpg.Connection,
    account_id: bytes,
    recovery_login_public_key: bytes,
    recovery_bundle: bytes,
    now: int = 0,
) -> list[bytes]:
    """Put the new recovery key in place (changed at `now`, ms) and sign out the sessions
    the old one opened (the asking device's row is already gone); returns their device ids."""
    await db.execute(RECOVERY_UPDATE, recovery_login_public_key, recovery_bundle, account_id, now)
    rows = await db.fetch(
        "DELETE FROM recovery_sessions WHERE account_id = $1 RETURNING device_id", account_id
    )
    ended = [bytes(row[0]) for row in rows]
    await db.execute(
        "UPDATE devices SET revoked = 1 WHERE account_id = $1 AND device_id = ANY($2::bytea[])",
        account_id,
        ended,
    )
    return ended


async def _lock_account(db: asyncpg.Connection, account_id: bytes) -> bool:
    """Serialise an account's quota checks (journals, devices, shares) across processes.
    FOR NO KEY UPDATE conflicts with itself (and with the erasure's DELETE), but not with
    the key-share lock a foreign key check takes: a push that makes the account's usage row
    while a rotation holds this lock does not wait for it (R21 F6: no lock cycle with a push
    that holds the journal's row). False if the account does not exist."""
    locked = await db.fetch(
        "SELECT 1 FROM accounts WHERE account_id = $1 FOR NO KEY UPDATE", account_id
    )
    return bool(locked)


async def _recharge_to_owner(
    db: asyncpg.Connection, journal_id: bytes, members: list[bytes], max_inherited: int | None
) -> None:
    """As storage/sqlite.py's `_recharge_to_owner` (R9 finding 12, R9B finding 5). The
    owner's counter row is locked first: departures from its journals happen one at a time,
    so two cannot both find room in its inherited allowance."""
    owner_id = await db.fetchval("SELECT owner_id FROM journals WHERE journal_id = $1", journal_id)
    owner = bytes(owner_id) if owner_id is not None else b""
    members = [m for m in members if m != owner]
    if not members or not owner:
        return
    rows = await db.fetch(
        "SELECT pushed_by, SUM(length(ciphertext)) FROM records WHERE journal_id = $1 "
        "AND pushed_by = ANY($2::bytea[]) GROUP BY pushed_by ORDER BY pushed_by",
        journal_id,
        members,
    )
    found = [(bytes(r[0]), int(r[1])) for r in rows]
    if not found:
        return
    for account in sorted([owner] + [member for member, _ in found]):  # one lock order
        await _stored_bytes(db, account)  # the counters exist (and are locked) first
    heir = inherited_account(owner)
    room = None
    if max_inherited is not None:
        inherited = await db.fetchval(
            "SELECT COALESCE(SUM(length(ciphertext)), 0) FROM records WHERE pushed_by = $1",
            heir,
        )
        room = max_inherited - int(inherited or 0)
    moved = []
    for member, size in found:
        if room is None or size <= room:
            moved.append((member, size))
            room = None if room is None else room - size
    if not moved:
        return
    await _free_bytes(db, moved)
    await db.execute(
        "UPDATE records SET pushed_by = $1 WHERE journal_id = $2 AND pushed_by = ANY($3::bytea[])",
        heir,
        journal_id,
        [member for member, _ in moved],
    )


async def _owner_extra_bytes(db: asyncpg.Connection, owner_id: bytes) -> int:
    return int(await db.fetchval(OWNED_EXTRA_BYTES.format("$1"), owner_id) or 0)


async def _check_owner_bytes(db: asyncpg.Connection, owner_id: bytes, limit: int) -> None:
    """QuotaError("storage") if the owner's records and OWNED_EXTRA_BYTES pass `limit`."""
    if await _stored_bytes(db, owner_id) + await _owner_extra_bytes(db, owner_id) > limit:
        raise QuotaError("storage")


async def _stored_bytes(db: asyncpg.Connection, account_id: bytes) -> int:
    """The account's stored record bytes, its counter row locked; created from the records
    the first time."""
    used = await db.fetchval(
        "SELECT stored_bytes FROM account_usage WHERE account_id = $1 FOR UPDATE", account_id
    )
    if used is not None:
        return int(used)
    total = await db.fetchval(
        "SELECT COALESCE(SUM(length(ciphertext)), 0) FROM records WHERE pushed_by = $1",
        account_id,
    )
    await db.execute(
        "INSERT INTO account_usage VALUES ($1, $2) ON CONFLICT (account_id) DO NOTHING",
        account_id,
        int(total),
    )
    used = await db.fetchval(
        "SELECT stored_bytes FROM account_usage WHERE account_id = $1 FOR UPDATE", account_id
    )
    return int(used)


async def _free_bytes(db: asyncpg.Connection, freed: list[tuple[bytes, int]]) -> None:
    """Take `freed` (account id, bytes) off those accounts' stored bytes, their usage rows
    updated (and so locked) in account id order, the one lock order `_recharge_to_owner`
    and every other writer of several usage rows keep: no lock cycle between two of them."""
    await db.executemany(
        "UPDATE account_usage SET stored_bytes = stored_bytes - $1 WHERE account_id = $2",
        [(size, account_id) for account_id, size in sorted(freed)],
    )


class _Refused(Exception):
    """A request limit refused the request: its transaction rolls back (nothing counted)."""


async def _count_all(
    db: asyncpg.Connection, limits: list[tuple[str, int]], window_start: int, count: int = 1
) -> None:
    """Count `count` requests of every (subject, limit) in its window, or raise _Refused
    (the caller's transaction then rolls back) if any subject would have more than `limit`
    requests in it. Subjects in sorted order, so that concurrent transactions lock their
    rows alike."""
    ordered = sorted(dict(limits).items())
    for subject, limit in ordered:
        row = await db.fetchrow(
            "SELECT window_start, requests FROM rate_windows WHERE subject = $1", subject
        )
        used = int(row[1]) if row is not None and int(row[0]) == window_start else 0
        if used + count > limit:
            raise _Refused(subject)  # refused before any write: a flood costs no write
    for subject, limit in ordered:
        used, _ = await _window(db, subject, window_start, count)
        if used > limit:
            raise _Refused(subject)  # the transaction rolls back: this count with it


async def _window(
    db: asyncpg.Connection, subject: str, window_start: int, requests: int = 0, size: int = 0
) -> tuple[int, int]:
    """(requests, bytes) of `subject` in the window starting at `window_start` once
    `requests` and `size` are added, its row locked, in one statement; a counter left from
    an earlier window starts again from zero. A caller that finds a limit passed raises: its
    transaction rolls back, the addition with it."""
    row = await db.fetchrow(
        "INSERT INTO rate_windows VALUES ($1, $2, $3, $4) ON CONFLICT (subject) DO UPDATE "
        "SET requests = excluded.requests + CASE WHEN rate_windows.window_start = "
        "excluded.window_start THEN rate_windows.requests ELSE 0 END, "
        "bytes = excluded.bytes + CASE WHEN rate_windows.window_start = "
        "excluded.window_start THEN rate_windows.bytes ELSE 0 END, "
        "window_start = excluded.window_start RETURNING requests, bytes",
        subject,
        window_start,
        requests,
        size,
    )
    return (int(row[0]), int(row[1])) if row else (0, 0)


async def _charge(
    db: asyncpg.Connection,
    account_id: bytes,
    sizes: list[int],
    now: int,
    limits: WriteLimits,
    credit: int = 0,
) -> None:
    """As storage/sqlite.py's `_charge`: storage quota and write rate, or QuotaError. The
    counters are raised first and checked after (two statements): a refusal rolls the
    caller's transaction back, the raises with it."""
    if not sizes:
        return
    total = sum(sizes)
    if await _add_stored_bytes(db, account_id, total) - credit > limits.max_stored_bytes:
        raise QuotaError("storage")
    subject = write_subject(account_id)
    records, size = await _window(db, subject, limits.window_start, len(sizes), total)
    if records > limits.records_per_window or size > limits.bytes_per_window:
        raise QuotaError("write_rate", limits.window_start + limits.window_ms - now)


async def _add_stored_bytes(db: asyncpg.Connection, account_id: bytes, size: int) -> int:
    """The account's stored record bytes once `size` is added, its counter row locked (made
    from the records first when it has none)."""
    add = (
        "UPDATE account_usage SET stored_bytes = stored_bytes + $1 WHERE account_id = $2 "
        "RETURNING stored_bytes"
    )
    used = await db.fetchval(add, size, account_id)
    if used is None:
        await _stored_bytes(db, account_id)
        used = await db.fetchval(add, size, account_id)
    return int(used)


async def _stored_records(
    db: asyncpg.Connection, journal_id: bytes, record_ids: list[bytes]
) -> dict[bytes, tuple[int, int, int]]:
    """record id -> (seq, epoch, ciphertext length) for the ids already stored in the journal
    (the ciphertexts are not read: R9 finding 18)."""
    rows = await db.fetch(
        "SELECT record_id, seq, epoch, octet_length(ciphertext) FROM records "
        "WHERE journal_id = $1 AND record_id = ANY($2::bytea[])",
        journal_id,
        record_ids,
    )
    return {row[0]: (row[1], row[2], int(row[3])) for row in rows}


async def _checked_stored_records(
    db: asyncpg.Connection,
    journal_id: bytes,
    account_id: bytes,
    device_id: bytes,
    now: int,
    check: WriterCheck,
    record_ids: list[bytes],
) -> dict[bytes, tuple[int, int, int]]:
    """`check(state)` (storage/base.py WriterCheck), then `_stored_records`, in one
    statement: the push keeps its statement count. It must run after `_lock_journal`, as
    its own statement: under READ COMMITTED each statement reads a fresh snapshot, so one
    taken once the lock is held sees every revocation or rotation committed before (they
    lock the journal's row too), while the statement that waited for the lock would still
    read the members as they were when it began. The writing device's row is read FOR SHARE:
    a sign-out (an UPDATE of that row) or an erasure (its DELETE) either committed before,
    and is seen, or waits until this write commits; lock order journal, then device, as in
    `delete_account`."""
    rows = await db.fetch(
        "SELECT d.revoked, d.expires_at, m.role, j.epoch, r.record_id, r.seq, r.epoch, "
        "octet_length(r.ciphertext) FROM devices d "
        "LEFT JOIN journals j ON j.journal_id = $1 "
        "LEFT JOIN members m ON m.journal_id = j.journal_id "
        "AND m.account_id = d.account_id AND (m.expires_at = 0 OR m.expires_at > $4) "
        "LEFT JOIN records r ON r.journal_id = j.journal_id AND r.record_id = ANY($2::bytea[]) "
        "WHERE d.device_id = $5 AND d.account_id = $3 FOR SHARE OF d",
        journal_id,
        record_ids,
        account_id,
        now,
        device_id,
    )
    if not rows:
        check(WriterState(None, None, None))
        return {}
    revoked, expires_at, role, epoch = rows[0][:4]
    check(WriterState((bool(revoked), int(expires_at)), role, epoch))
    return {row[4]: (row[5], row[6], int(row[7])) for row in rows if row[4] is not None}


async def _check_resent(
    db: asyncpg.Connection,
    journal_id: bytes,
    records: list[NewRecord],
    stored: dict[bytes, tuple[int, int, int]],
) -> None:
    """As storage/sqlite.py's `_check_resent`: epoch and length first, then the database
    compares the bytes of the candidates in one query."""
    candidates = []
    for record in records:
        if record.record_id not in stored:
            continue
        _, epoch, size = stored[record.record_id]
        if (epoch, size) != (record.epoch, len(record.ciphertext)):
            raise RecordConflictError(record.record_id.hex())
        candidates.append(record)
    if not candidates:
        return
    same = await db.fetch(
        "SELECT r.record_id FROM unnest($2::bytea[], $3::bytea[]) AS u(record_id, ciphertext) "
        "JOIN records r ON r.journal_id = $1 AND r.record_id = u.record_id "
        "AND r.ciphertext = u.ciphertext",
        journal_id,
        [r.record_id for r in candidates],
        [r.ciphertext for r in candidates],
    )
    equal = {row[0] for row in same}
    for record in candidates:
        if record.record_id not in equal:
            raise RecordConflictError(record.record_id.hex())


async def _insert_record(
    db: asyncpg.Connection, journal_id: bytes, pushed_by: bytes, record: NewRecord, now: int
) -> int:
    """Insert a record unless its id is stored; the same id with other content conflicts."""
    stored = await _stored_records(db, journal_id, [record.record_id])
    if record.record_id in stored:
        await _check_resent(db, journal_id, [record], stored)
        return int(stored[record.record_id][0])
    seq = await db.fetchval(
        "INSERT INTO records (journal_id, record_id, epoch, ciphertext, pushed_by, created_at) "
        "VALUES ($1, $2, $3, $4, $5, $6) RETURNING seq",
        journal_id,
        record.record_id,
        record.epoch,
        record.ciphertext,
        pushed_by,
        now,
    )
    return int(seq)


async def _put_keys(
    db: asyncpg.Connection, journal_id: bytes, keys: list[tuple[bytes, int, bytes]]
) -> None:
    """Store (account, epoch, envelope) key rows, replacing an envelope already stored."""
    await db.executemany(
        "INSERT INTO journal_keys VALUES ($1, $2, $3, $4) "
        "ON CONFLICT (journal_id, account_id, epoch) DO UPDATE SET envelope = excluded.envelope",
        [(journal_id, account, epoch, envelope) for account, epoch, envelope in keys],
    )


async def _append_chain(
    db: asyncpg.Connection, journal_id: bytes, after: int, entries: list[bytes]
) -> None:
    """Append access chain entries at position `after`, which must be the chain's length."""
    length = await db.fetchval(
        "SELECT COALESCE(max(position) + 1, 0) FROM access_chain WHERE journal_id = $1", journal_id
    )
    if int(length) != after:
        raise ChainConflictError(journal_id.hex())
    await db.executemany(
        "INSERT INTO access_chain VALUES ($1, $2, $3)",
        [(journal_id, after + i, entry) for i, entry in enumerate(entries)],
    )


async def _raise_head(db: asyncpg.Connection, journal_id: bytes, head: int) -> None:
    await db.execute(
        "UPDATE journals SET head = GREATEST(head, $1) WHERE journal_id = $2", head, journal_id
    )


def _count(status: str) -> int:
    """Rows touched, from a command status such as "DELETE 3" or "UPDATE 1"."""
    return int(status.rsplit(" ", 1)[-1])


def _marks(count: int) -> str:
    return ", ".join(f"${n}" for n in range(1, count + 1))


def _account_values(a: AccountRow) -> tuple[Any, ...]:
    return (
        a.account_id,
        a.username,
        a.salt,
        a.opslimit,
        a.memlimit,
        a.login_public_key,
        a.recovery_login_public_key,
        a.bundle,
        a.recovery_bundle,
        a.sign_public_key,
        a.box_public_key,
        a.identity_signature,
        a.created_at,
    )


def _device_values(d: DeviceRow) -> tuple[Any, ...]:
    return (
        d.device_id,
        d.account_id,
        d.name,
        d.token_hash,
        d.created_at,
        d.last_seen_at,
        d.expires_at,
        int(d.revoked),
    )


def _device(row: Any) -> DeviceRow:
    return DeviceRow(row[0], row[1], row[2], row[3], row[4], row[5], row[6], bool(row[7]))


async def _insert_device(db: asyncpg.Connection, device: DeviceRow) -> None:
    """Insert `device` and mark its id taken while its row is kept (`used_device_ids`, which
    goes with it: protocol.md 2.3); raises DuplicateError("device") if a device row holds
    its id (also one inserted by a concurrent transaction)."""
    inserted = await db.fetchval(
        f"INSERT INTO devices ({DEVICE_COLUMNS}) VALUES ({_marks(8)}) "
        "ON CONFLICT (device_id) DO NOTHING RETURNING device_id",
        *_device_values(device),
    )
    if inserted is None:
        raise DuplicateError("device")
    await db.execute(
        "INSERT INTO used_device_ids (device_id, account_id) VALUES ($1, $2)",
        device.device_id,
        device.account_id,
    )
