"""Versioned schema migrations, on both backends: a new database records every migration, `tj-server
migrate` applies pending ones once, a database from a newer release is refused with one clear
line, and a SQLite database from before versioning adopts it keeping its rows."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import asyncpg
import pytest

from server.storage import sqlite as sqlite_storage
from server.storage.migrations import (
    MIGRATIONS,
    SQLITE_INITIAL,
    VERSION_TABLE_POSTGRESQL,
    VERSION_TABLE_SQLITE,
)
from tests.conftest import RunningServer
from tests.postgres_cluster import PostgresCluster, free_port

LATEST = MIGRATIONS[-1].version


def tj_server(
    *argv: str, timeout: float = 60, busy_timeout_ms: int | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m server ARGV` (`tj-server`); `busy_timeout_ms`: with the SQLite backend's
    wait for another process's write lock (server/storage/sqlite.py BUSY_TIMEOUT_MS, 5 s)
    set to that, a test setting."""
    command = [sys.executable, "-m", "server", *argv]
    if busy_timeout_ms is not None:
        command = [
            sys.executable,
            "-c",
            "import runpy, sys; from server.storage import sqlite; "
            "sqlite.BUSY_TIMEOUT_MS = int(sys.argv.pop(1)); "
            "runpy.run_module('server', run_name='__main__', alter_sys=True)",
            str(busy_timeout_ms),
            *argv,
        ]
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "TJ_DATABASE_URL": ""},
    )


async def empty_database(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> list[str]:
    """`--data DIR` or `--database URL` of a database no server has touched."""
    if backend == "sqlite":
        return ["--data", str(tmp_path / "fresh")]
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    name = f"tj_empty_{os.getpid()}_{tmp_path.name[-20:].replace('-', '_').lower()}"
    admin = await asyncpg.connect(cluster.url())
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {name}")
        await admin.execute(f"CREATE DATABASE {name}")
    finally:
        await admin.close()
    return ["--database", cluster.url(name)]


async def test_a_new_database_records_every_migration(live_server: RunningServer) -> None:
    rows = await live_server.rows("SELECT version, name FROM schema_migrations ORDER BY version")
    assert rows == [(m.version, m.name) for m in MIGRATIONS]


async def test_tj_server_migrate_applies_pending_migrations_once(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path
) -> None:
    where = await empty_database(request, backend, tmp_path)
    first = tj_server("migrate", *where)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip().endswith(": " + ", ".join(str(m.version) for m in MIGRATIONS))
    again = tj_server("migrate", *where)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip().endswith(": none pending")


async def test_a_database_migrated_by_a_newer_release_is_refused_with_one_clear_line(
    live_server: RunningServer, tmp_path: Path
) -> None:
    newer = LATEST + 1
    if live_server.database_url is None:
        with closing(sqlite3.connect(live_server.data_dir / "journal.db")) as db, db:
            db.execute("INSERT INTO schema_migrations VALUES (?, 'from the future', 0)", (newer,))
        where = ["--data", str(live_server.data_dir)]
    else:
        connection = await asyncpg.connect(live_server.database_url)
        try:
            await connection.execute(
                "INSERT INTO schema_migrations VALUES ($1, 'from the future', 0)", newer
            )
        finally:
            await connection.close()
        where = ["--database", live_server.database_url]
    for argv in (["migrate", *where], [*where, "--port", str(free_port())]):
        result = tj_server(*argv)
        assert result.returncode != 0
        assert f"schema version {newer}, newer than this server's {LATEST}" in result.stderr
        assert "Traceback" not in result.stderr


def test_a_sqlite_database_from_before_versioning_adopts_it_and_keeps_its_rows(
    tmp_path: Path,
) -> None:
    data = tmp_path / "old"
    data.mkdir()
    with closing(sqlite3.connect(data / "journal.db")) as db:
        db.executescript(SQLITE_INITIAL)
        db.execute("INSERT INTO server_meta VALUES ('server_id', ?)", (b"0123456789abcdef",))
        db.commit()
    result = tj_server("migrate", "--data", str(data))
    assert result.returncode == 0, result.stderr
    with closing(sqlite3.connect(data / "journal.db")) as db:
        assert db.execute("SELECT value FROM server_meta").fetchall() == [(b"0123456789abcdef",)]
        versions = [v for (v,) in db.execute("SELECT version FROM schema_migrations")]
    assert versions == [m.version for m in MIGRATIONS]


def test_a_sqlite_database_locked_by_another_process_is_one_line_not_a_traceback(
    tmp_path: Path,
) -> None:
    """R18 finding 4: `tj-server migrate` waits for the write lock as a server does (the
    busy timeout), then says so in one line."""
    data = tmp_path / "locked"
    assert tj_server("migrate", "--data", str(data)).returncode == 0
    with closing(sqlite3.connect(data / "journal.db", isolation_level=None)) as holder:
        holder.execute("BEGIN IMMEDIATE")  # another process writing, for longer than the wait
        result = tj_server("migrate", "--data", str(data), busy_timeout_ms=300)
        holder.execute("ROLLBACK")
    assert result.returncode != 0
    assert "cannot open the database" in result.stderr and "unavailable" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("command", [[], ["migrate"]])
def test_an_unreachable_database_is_one_line_that_hides_the_password(command: list[str]) -> None:
    url = f"postgresql://tj:s3cret-password@127.0.0.1:{free_port()}/tj"
    result = tj_server(
        *command, "--database", url, *([] if command else ["--port", str(free_port())])
    )
    assert result.returncode == 1
    assert (
        "tj-server: cannot open the database (database postgresql://tj:***@127.0.0.1"
        in result.stderr
    )
    assert "s3cret-password" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_a_database_url_that_is_not_postgresql_is_refused() -> None:
    result = tj_server("--database", "mysql://db/tj")
    assert result.returncode == 2
    assert "--database takes a postgresql:// URL" in result.stderr


def test_migration_versions_count_up_from_one_without_a_gap_or_a_repeat() -> None:
    """Two branches that each add "migration 2" must not both land as version 2."""
    assert [m.version for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))
    assert len({m.name for m in MIGRATIONS}) == len(MIGRATIONS)


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_both_backends_have_the_same_tables_and_columns(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """The migrations of each dialect describe one schema: tables and column names match."""
    assert tj_server("migrate", "--data", str(tmp_path / "parity")).returncode == 0
    sqlite_path = tmp_path / "parity" / "journal.db"
    sqlite_columns: set[tuple[str, str]] = set()
    with closing(sqlite3.connect(sqlite_path)) as db:
        tables = [t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            if table == "sqlite_sequence":
                continue
            for row in db.execute(f"PRAGMA table_info({table})"):
                sqlite_columns.add((table, row[1]))
    rows = await live_server.rows(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'public'"
    )
    assert {(str(t), str(c)) for t, c in rows} == sqlite_columns


async def _at_version(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path, version: int
) -> list[str]:
    """A database that this code's migrations brought to `version` only, as a server of that
    release left it, with one account and one device row; `--data DIR` or `--database URL`."""
    where = await empty_database(request, backend, tmp_path)
    account = (b"A" * 16, "ana", b"s" * 16, 1, 8192, b"l", b"r", b"b", b"rb", b"sk", b"bk", b"i", 1)
    device = (b"D" * 16, b"A" * 16, "laptop", b"t" * 32, 1, 1, 2**40, 0)
    done = [m for m in MIGRATIONS if m.version <= version]
    if backend == "sqlite":
        Path(where[1]).mkdir()
        with closing(sqlite3.connect(Path(where[1]) / "journal.db")) as db:
            db.execute(VERSION_TABLE_SQLITE)
            for migration in done:
                db.executescript(migration.sqlite)
                db.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?, 0)",
                    (migration.version, migration.name),
                )
            db.execute(f"INSERT INTO accounts ({ACCOUNT}) VALUES ({', '.join('?' * 13)})", account)
            db.execute(f"INSERT INTO devices ({DEVICE}) VALUES ({', '.join('?' * 8)})", device)
            db.commit()
        return where
    connection = await asyncpg.connect(where[1])
    try:
        await connection.execute(VERSION_TABLE_POSTGRESQL)
        for migration in done:
            await connection.execute(migration.postgresql)
            await connection.execute(
                "INSERT INTO schema_migrations VALUES ($1, $2, 0)",
                migration.version,
                migration.name,
            )
        marks = ", ".join(f"${i}" for i in range(1, 14))
        await connection.execute(f"INSERT INTO accounts ({ACCOUNT}) VALUES ({marks})", *account)
        marks = ", ".join(f"${i}" for i in range(1, 9))
        await connection.execute(f"INSERT INTO devices ({DEVICE}) VALUES ({marks})", *device)
    finally:
        await connection.close()
    return where


ACCOUNT = (
    "account_id, username, salt, opslimit, memlimit, login_public_key, "
    "recovery_login_public_key, bundle, recovery_bundle, sign_public_key, box_public_key, "
    "identity_signature, created_at"
)
DEVICE = "device_id, account_id, name, token_hash, created_at, last_seen_at, expires_at, revoked"


async def _query(where: list[str], sql: str) -> list[tuple[object, ...]]:
    if where[0] == "--data":
        with closing(sqlite3.connect(Path(where[1]) / "journal.db")) as db:
            return [tuple(row) for row in db.execute(sql)]
    connection = await asyncpg.connect(where[1])
    try:
        return [tuple(row) for row in await connection.fetch(sql)]
    finally:
        await connection.close()


async def test_a_database_at_migration_8_pushed_device_upgrades_to_used_device_ids(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path
) -> None:
    """A database of a release whose last migration was 8 (records' pushing device) gets 9
    (device ids taken, with their device rows) and the ones after it, and nothing else: its
    device's id is taken while its row is kept."""
    assert (MIGRATIONS[7].version, MIGRATIONS[7].name) == (8, "the device that pushed each record")
    assert (MIGRATIONS[8].version, MIGRATIONS[8].name) == (
        9,
        "device ids taken, with their device rows",
    )
    where = await _at_version(request, backend, tmp_path, 8)
    result = tj_server("migrate", *where)
    assert result.returncode == 0, result.stderr
    later = ", ".join(str(m.version) for m in MIGRATIONS[8:])
    assert result.stdout.strip().endswith(f": {later}")
    assert await _query(where, "SELECT version, name FROM schema_migrations ORDER BY version") == [
        (m.version, m.name) for m in MIGRATIONS
    ]
    assert await _query(where, "SELECT device_id FROM used_device_ids") == [(b"D" * 16,)]
    assert await _query(where, "SELECT pushed_device FROM records") == []  # the column is there


async def test_a_database_whose_migration_of_a_version_is_another_builds_is_refused(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path
) -> None:
    """A database migrated by a build whose migration 8 was another one (a branch that also
    added "migration 8": device ids before they became 9) is refused with one clear line, by
    `tj-server migrate` and at start, and left as it is: applying the rest by number would
    skip this server's migration 8."""
    where = await _at_version(request, backend, tmp_path, 7)
    if backend == "sqlite":
        with closing(sqlite3.connect(Path(where[1]) / "journal.db")) as db, db:
            db.executescript(MIGRATIONS[8].sqlite)
            db.execute("INSERT INTO schema_migrations VALUES (8, ?, 0)", (MIGRATIONS[8].name,))
    else:
        connection = await asyncpg.connect(where[1])
        try:
            await connection.execute(MIGRATIONS[8].postgresql)
            await connection.execute(
                "INSERT INTO schema_migrations VALUES (8, $1, 0)", MIGRATIONS[8].name
            )
        finally:
            await connection.close()
    for argv in (["migrate", *where], [*where, "--port", str(free_port())]):
        result = tj_server(*argv)
        assert result.returncode != 0
        assert (
            "the database's schema migration 8 is 'device ids taken, with their device rows', this "
            "server's is 'the device that pushed each record'"
        ) in result.stderr
        assert "Traceback" not in result.stderr
    versions = await _query(where, "SELECT version FROM schema_migrations ORDER BY version")
    assert versions == [(v,) for v in range(1, 9)]


JOURNAL = "journal_id, owner_id, epoch, meta, meta_version, head, created_at"
OLD_AUDIT = "journal_id, account_id, device_id, at, up_to_seq, records"
KEPT_AUDIT = f"{OLD_AUDIT}, reader_id, reader_name"


async def _at_version_10_with_audit_rows(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path
) -> list[str]:
    """A database at migration 10 (audit rows that cascade with their reader's account) in
    which ben (B) read ana's (A) journal J twice, from device E."""
    assert (MIGRATIONS[9].version, MIGRATIONS[10].version) == (10, 11)
    where = await _at_version(request, backend, tmp_path, 10)
    ben = (b"B" * 16, "ben", b"s" * 16, 1, 8192, b"l", b"r", b"b", b"rb", b"sk", b"bk", b"i", 1)
    journal = (b"J" * 16, b"A" * 16, 1, b"m", 0, 3, 1)
    audit = [(b"J" * 16, b"B" * 16, b"E" * 16, at, at, 1) for at in (2, 3)]
    if backend == "sqlite":
        with closing(sqlite3.connect(Path(where[1]) / "journal.db")) as db, db:
            db.execute(f"INSERT INTO accounts ({ACCOUNT}) VALUES ({', '.join('?' * 13)})", ben)
            db.execute(f"INSERT INTO journals ({JOURNAL}) VALUES (?, ?, ?, ?, ?, ?, ?)", journal)
            db.executemany(f"INSERT INTO audit ({OLD_AUDIT}) VALUES (?, ?, ?, ?, ?, ?)", audit)
        return where
    connection = await asyncpg.connect(where[1])
    try:
        marks = ", ".join(f"${i}" for i in range(1, 14))
        await connection.execute(f"INSERT INTO accounts ({ACCOUNT}) VALUES ({marks})", *ben)
        await connection.execute(
            f"INSERT INTO journals ({JOURNAL}) VALUES ($1, $2, $3, $4, $5, $6, $7)", *journal
        )
        await connection.executemany(
            f"INSERT INTO audit ({OLD_AUDIT}) VALUES ($1, $2, $3, $4, $5, $6)", audit
        )
    finally:
        await connection.close()
    return where


async def _delete(where: list[str], table: str, column: str, value: bytes) -> None:
    """Delete a row, foreign keys enforced (as the server's connections do)."""
    if where[0] == "--data":
        with closing(sqlite3.connect(Path(where[1]) / "journal.db")) as db, db:
            db.execute("PRAGMA foreign_keys=ON")
            db.execute(f"DELETE FROM {table} WHERE {column} = ?", (value,))
        return
    connection = await asyncpg.connect(where[1])
    try:
        await connection.execute(f"DELETE FROM {table} WHERE {column} = $1", value)
    finally:
        await connection.close()


@pytest.mark.parametrize("how", ["tj-server migrate", "server start"])
async def test_a_database_at_migration_10_keeps_its_audit_rows_past_the_readers_erasure(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path, how: str
) -> None:
    """Migration 11 (audit rows kept past the reader's erasure) keeps every audit row of a
    database at 10, each with its reader's id and username copied in; from then on, erasing
    the reader keeps the rows (account_id NULL), and deleting the journal still deletes
    them. `server start`: SQLite migrated by the server's own connection, foreign keys on
    (the table is rebuilt under them); PostgreSQL migrates alike either way."""
    where = await _at_version_10_with_audit_rows(request, backend, tmp_path)
    if how == "server start" and backend == "sqlite":
        sqlite_storage.connect_writer(Path(where[1]) / "journal.db").close()
    else:
        result = tj_server("migrate", *where)
        assert result.returncode == 0, result.stderr
        applied = ", ".join(str(m.version) for m in MIGRATIONS[10:])
        assert result.stdout.strip().endswith(f": {applied}")  # 11 and every later one
    rows = [(b"J" * 16, b"B" * 16, b"E" * 16, at, at, 1, b"B" * 16, "ben") for at in (2, 3)]
    read = f"SELECT {KEPT_AUDIT} FROM audit ORDER BY at"
    assert await _query(where, read) == rows
    await _delete(where, "accounts", "account_id", b"B" * 16)  # ben's erasure
    assert await _query(where, read) == [(row[0], None, *row[2:]) for row in rows]
    await _delete(where, "journals", "journal_id", b"J" * 16)
    assert await _query(where, read) == []


async def test_a_database_at_migration_11_gets_an_empty_sign_in_log_that_goes_with_its_account(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path
) -> None:
    """Migration 12 (the sign-in log) on a database at 11: the log is empty (sign-ins before
    it are not known), the account's change times are 0 (unknown), and a row of the log
    goes with its account."""
    assert MIGRATIONS[11].version == 12
    where = await _at_version(request, backend, tmp_path, 11)
    result = tj_server("migrate", *where)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith(": " + ", ".join(str(m.version) for m in MIGRATIONS[11:]))
    assert await _query(where, "SELECT * FROM sign_ins") == []
    times = "SELECT password_changed_at, recovery_key_changed_at FROM accounts"
    assert await _query(where, times) == [(0, 0)]
    row = (b"A" * 16, 1, b"D" * 16, "laptop", 1, 0)
    columns = "account_id, seq, device_id, name, at, by_recovery_key"
    if backend == "sqlite":
        with closing(sqlite3.connect(Path(where[1]) / "journal.db")) as db, db:
            db.execute(f"INSERT INTO sign_ins ({columns}) VALUES (?, ?, ?, ?, ?, ?)", row)
    else:
        connection = await asyncpg.connect(where[1])
        try:
            await connection.execute(
                f"INSERT INTO sign_ins ({columns}) VALUES ($1, $2, $3, $4, $5, $6)", *row
            )
        finally:
            await connection.close()
    assert await _query(where, f"SELECT {columns} FROM sign_ins") == [row]
    await _delete(where, "devices", "account_id", b"A" * 16)
    await _delete(where, "accounts", "account_id", b"A" * 16)
    assert await _query(where, "SELECT * FROM sign_ins") == []
