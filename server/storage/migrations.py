"""Versioned schema migrations, for both backends, in one place.

Each migration has a version (1, 2, ...), a name, and its SQL for SQLite and for PostgreSQL;
a database records the versions applied in `schema_migrations`. Both backends apply the
missing ones in order at start (and `tj-server migrate` runs them explicitly), each migration in
its own transaction with its version row, so a crash never leaves half a migration.

To change the schema, append a migration: never edit one that has shipped. Write the same
tables, columns and constraints for both dialects (SQLite BLOB = PostgreSQL BYTEA; times in
milliseconds and sequence numbers are BIGINT in PostgreSQL), then implement the storage methods
in storage/sqlite.py and storage/postgres.py; tests/server runs against both.

Migration 1 is the schema before versioning; its `IF NOT EXISTS` lets a SQLite database made
by an earlier release adopt versioning without change.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sqlite: str
    postgresql: str


SQLITE_INITIAL = """
CREATE TABLE IF NOT EXISTS server_meta (name TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
    account_id BLOB PRIMARY KEY, username TEXT NOT NULL UNIQUE, salt BLOB NOT NULL,
    opslimit INTEGER NOT NULL, memlimit INTEGER NOT NULL, login_public_key BLOB NOT NULL,
    recovery_login_public_key BLOB NOT NULL, bundle BLOB NOT NULL, recovery_bundle BLOB NOT NULL,
    sign_public_key BLOB NOT NULL, box_public_key BLOB NOT NULL,
    identity_signature BLOB NOT NULL, created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS challenges (
    challenge BLOB PRIMARY KEY, username TEXT NOT NULL, purpose TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS devices (
    device_id BLOB PRIMARY KEY,
    account_id BLOB NOT NULL REFERENCES accounts(account_id) ON DELETE CASCADE,
    name TEXT NOT NULL, token_hash BLOB NOT NULL UNIQUE, created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, revoked INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS devices_by_account ON devices(account_id);
CREATE TABLE IF NOT EXISTS journals (
    journal_id BLOB PRIMARY KEY,
    owner_id BLOB NOT NULL REFERENCES accounts(account_id) ON DELETE CASCADE,
    epoch INTEGER NOT NULL, meta BLOB NOT NULL, meta_version INTEGER NOT NULL,
    head INTEGER NOT NULL, created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS members (
    journal_id BLOB NOT NULL REFERENCES journals(journal_id) ON DELETE CASCADE,
    account_id BLOB NOT NULL REFERENCES accounts(account_id) ON DELETE CASCADE,
    role TEXT NOT NULL, expires_at INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (journal_id, account_id)
);
CREATE INDEX IF NOT EXISTS members_by_account ON members(account_id);
CREATE TABLE IF NOT EXISTS journal_keys (
    journal_id BLOB NOT NULL REFERENCES journals(journal_id) ON DELETE CASCADE,
    account_id BLOB NOT NULL REFERENCES accounts(account_id) ON DELETE CASCADE,
    epoch INTEGER NOT NULL, envelope BLOB NOT NULL,
    PRIMARY KEY (journal_id, account_id, epoch)
);
CREATE TABLE IF NOT EXISTS records (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    journal_id BLOB NOT NULL REFERENCES journals(journal_id) ON DELETE CASCADE,
    record_id BLOB NOT NULL, epoch INTEGER NOT NULL, ciphertext BLOB NOT NULL,
    pushed_by BLOB NOT NULL, created_at INTEGER NOT NULL,
    UNIQUE (journal_id, record_id)
);
CREATE INDEX IF NOT EXISTS records_by_journal ON records(journal_id, seq);
CREATE TABLE IF NOT EXISTS audit (
    journal_id BLOB NOT NULL REFERENCES journals(journal_id) ON DELETE CASCADE,
    account_id BLOB NOT NULL REFERENCES accounts(account_id) ON DELETE CASCADE,
    device_id BLOB NOT NULL, at INTEGER NOT NULL, up_to_seq INTEGER NOT NULL,
    records INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_by_journal ON audit(journal_id, at);
"""

# Sequence numbers come from one identity column for all journals; push and compact lock the
# journal's row (SELECT ... FOR UPDATE) before taking numbers, so within a journal the commit
# order is the sequence order and a pull by cursor never skips a record that commits late.
POSTGRESQL_INITIAL = """
CREATE TABLE server_meta (name TEXT PRIMARY KEY, value BYTEA NOT NULL);
CREATE TABLE accounts (
    account_id BYTEA PRIMARY KEY, username TEXT NOT NULL UNIQUE, salt BYTEA NOT NULL,
    opslimit BIGINT NOT NULL, memlimit BIGINT NOT NULL, login_public_key BYTEA NOT NULL,
    recovery_login_public_key BYTEA NOT NULL, bundle BYTEA NOT NULL,
    recovery_bundle BYTEA NOT NULL, sign_public_key BYTEA NOT NULL,
    box_public_key BYTEA NOT NULL, identity_signature BYTEA NOT NULL, created_at BIGINT NOT NULL
);
CREATE TABLE challenges (
    challenge BYTEA PRIMARY KEY, username TEXT NOT NULL, purpose TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX challenges_by_expiry ON challenges(expires_at);
CREATE TABLE devices (
    device_id BYTEA PRIMARY KEY,
    account_id BYTEA NOT NULL REFERENCES accounts(account_id) ON DELETE CASCADE,
    name TEXT NOT NULL, token_hash BYTEA NOT NULL UNIQUE, created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, revoked INTEGER NOT NULL
);
CREATE INDEX devices_by_account ON devices(account_id);
CREATE TABLE journals (
    journal_id BYTEA PRIMARY KEY,
    owner_id BYTEA NOT NULL REFERENCES accounts(account_id) ON DELETE CASCADE,
    epoch BIGINT NOT NULL, meta BYTEA NOT NULL, meta_version BIGINT NOT NULL,
    head BIGINT NOT NULL, created_at BIGINT NOT NULL
);
CREATE INDEX journals_by_owner ON journals(owner_id);
CREATE TABLE members (
    journal_id BYTEA NOT NULL REFERENCES journals(journal_id) ON DELETE CASCADE,
    account_id BYTEA NOT NULL REFERENCES accounts(account_id) ON DELETE CASCADE,
    role TEXT NOT NULL, expires_at BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (journal_id, account_id)
);
CREATE INDEX members_by_account ON members(account_id);
CREATE TABLE journal_keys (
    journal_id BYTEA NOT NULL REFERENCES journals(journal_id) ON DELETE CASCADE,
    account_id BYTEA NOT NULL REFERENCES accounts(account_id) ON DELETE CASCADE,
    epoch BIGINT NOT NULL, envelope BYTEA NOT NULL,
    PRIMARY KEY (journal_id, account_id, epoch)
);
CREATE INDEX journal_keys_by_account ON journal_keys(account_id);
CREATE TABLE records (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    journal_id BYTEA NOT NULL REFERENCES journals(journal_id) ON DELETE CASCADE,
    record_id BYTEA NOT NULL, epoch BIGINT NOT NULL, ciphertext BYTEA NOT NULL,
    pushed_by BYTEA NOT NULL, created_at BIGINT NOT NULL,
    UNIQUE (journal_id, record_id)
);
CREATE INDEX records_by_journal ON records(journal_id, seq);
CREATE INDEX records_by_pusher ON records(pushed_by);
CREATE TABLE audit (
    journal_id BYTEA NOT NULL REFERENCES journals(journal_id) ON DELETE CASCADE,
    account_id BYTEA NOT NULL REFERENCES accounts(account_id) ON DELETE CASCADE,
    device_id BYTEA NOT NULL, at BIGINT NOT NULL, up_to_seq BIGINT NOT NULL,
    records BIGINT NOT NULL
);
CREATE INDEX audit_by_journal ON audit(journal_id, at);
CREATE INDEX audit_by_account ON audit(account_id);
"""

# Each journal's owner-signed access chain (protocol.md 4.19), stored and served as given.
SQLITE_ACCESS_CHAIN = """
CREATE TABLE access_chain (
    journal_id BLOB NOT NULL REFERENCES journals(journal_id) ON DELETE CASCADE,
    position INTEGER NOT NULL, entry BLOB NOT NULL,
    PRIMARY KEY (journal_id, position)
)
"""
POSTGRESQL_ACCESS_CHAIN = """
CREATE TABLE access_chain (
    journal_id BYTEA NOT NULL REFERENCES journals(journal_id) ON DELETE CASCADE,
    position BIGINT NOT NULL, entry BYTEA NOT NULL,
    PRIMARY KEY (journal_id, position)
)
"""

# Issue 9: failed-login counters, fixed-window rate counters, and each account's stored record
# bytes (created from its records on first use, so an older database needs no backfill).
# PostgreSQL's initial schema already indexes records by pusher.
SQLITE_DEFENCES = """
CREATE TABLE login_failures (
    subject TEXT PRIMARY KEY, failures INTEGER NOT NULL, last_failure_at INTEGER NOT NULL
);
CREATE TABLE rate_windows (
    subject TEXT PRIMARY KEY, window_start INTEGER NOT NULL, requests INTEGER NOT NULL,
    bytes INTEGER NOT NULL
);
CREATE TABLE account_usage (
    account_id BLOB PRIMARY KEY REFERENCES accounts(account_id) ON DELETE CASCADE,
    stored_bytes INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS records_by_pusher ON records(pushed_by)
"""
POSTGRESQL_DEFENCES = """
CREATE TABLE login_failures (
    subject TEXT PRIMARY KEY, failures BIGINT NOT NULL, last_failure_at BIGINT NOT NULL
);
CREATE TABLE rate_windows (
    subject TEXT PRIMARY KEY, window_start BIGINT NOT NULL, requests BIGINT NOT NULL,
    bytes BIGINT NOT NULL
);
CREATE TABLE account_usage (
    account_id BYTEA PRIMARY KEY REFERENCES accounts(account_id) ON DELETE CASCADE,
    stored_bytes BIGINT NOT NULL
)
"""

# Expired challenges are deleted by expiry at every login and purge (R9 finding 7); the
# PostgreSQL schema had this index from the start.
CHALLENGES_BY_EXPIRY = "CREATE INDEX IF NOT EXISTS challenges_by_expiry ON challenges(expires_at)"

# Issue 9: challenges are stateless (a MAC by the server secret); only the random nonces of
# the ones a verified login used are kept, until they expire, so that none is accepted twice. Challenges
# handed out and not yet used were rows of `challenges`: a login in flight during the upgrade
# fails once and asks again.
SQLITE_USED_CHALLENGES = """
DROP TABLE challenges;
CREATE TABLE used_challenges (nonce BLOB PRIMARY KEY, keep_until INTEGER NOT NULL);
CREATE INDEX used_challenges_by_expiry ON used_challenges(keep_until)
"""
POSTGRESQL_USED_CHALLENGES = """
DROP TABLE challenges;
CREATE TABLE used_challenges (nonce BYTEA PRIMARY KEY, keep_until BIGINT NOT NULL);
CREATE INDEX used_challenges_by_expiry ON used_challenges(keep_until)
"""

# Issue 9: the live sockets of every server process over one PostgreSQL database, so that
# the per-device and per-account limits hold across `tj-server --workers N` (a row counts
# while its process holds its worker key: storage/pg_live.py). A SQLite database has one
# process (server.lock), whose in-memory count (server/live.py) is the whole count: there
# the table exists, for one schema, and stays empty.
SQLITE_LIVE_SOCKETS = """
CREATE TABLE live_sockets (
    socket_id BLOB PRIMARY KEY, worker_key INTEGER NOT NULL,
    account_id BLOB NOT NULL REFERENCES accounts(account_id) ON DELETE CASCADE,
    device_id BLOB NOT NULL
);
CREATE INDEX live_sockets_by_account ON live_sockets(account_id)
"""
POSTGRESQL_LIVE_SOCKETS = """
CREATE TABLE live_sockets (
    socket_id BYTEA PRIMARY KEY, worker_key BIGINT NOT NULL,
    account_id BYTEA NOT NULL REFERENCES accounts(account_id) ON DELETE CASCADE,
    device_id BYTEA NOT NULL
);
CREATE INDEX live_sockets_by_account ON live_sockets(account_id)
"""

# R22 F6: the sessions opened with the recovery key alone (/v1/auth/recover), so that
# replacing that key (a signed-in replacement, or the recovery's own password change) also
# signs them out: whoever copied the key loses what the copy opened. A session leaves the
# table when it proves the password (the recovery's password change) or is signed out.
SQLITE_RECOVERY_SESSIONS = """
CREATE TABLE recovery_sessions (
    device_id BLOB PRIMARY KEY REFERENCES devices(device_id) ON DELETE CASCADE,
    account_id BLOB NOT NULL REFERENCES accounts(account_id) ON DELETE CASCADE
);
CREATE INDEX recovery_sessions_by_account ON recovery_sessions(account_id)
"""
POSTGRESQL_RECOVERY_SESSIONS = """
CREATE TABLE recovery_sessions (
    device_id BYTEA PRIMARY KEY REFERENCES devices(device_id) ON DELETE CASCADE,
    account_id BYTEA NOT NULL REFERENCES accounts(account_id) ON DELETE CASCADE
);
CREATE INDEX recovery_sessions_by_account ON recovery_sessions(account_id)
"""

# Issue 10: the device that pushed each record, so that a device's own records come back to it
# as stubs (no ciphertext) when its sync asks so (`skip_own`, protocol.md /v1/sync). Records
# stored before have none and always come back whole.
RECORDS_PUSHED_DEVICE = "ALTER TABLE records ADD COLUMN pushed_device BLOB"
RECORDS_PUSHED_DEVICE_POSTGRESQL = "ALTER TABLE records ADD COLUMN pushed_device BYTEA"

# The device ids the server refuses to give again (protocol.md 2.3), one row per device row it
# keeps, by account: a row goes with its device row (pruned after sign-out, R9 finding 8;
# forgotten after expiry) and with its account, so a login/logout loop cannot pile up rows
# (R36 F8). What keeps a device's id its own is the device, which draws 16 random bytes for
# every session and refuses a reply naming another id; the server remembers no id longer
# than the device row that holds it.
SQLITE_USED_DEVICE_IDS = """
CREATE TABLE used_device_ids (
    device_id BLOB PRIMARY KEY REFERENCES devices(device_id) ON DELETE CASCADE,
    account_id BLOB NOT NULL REFERENCES accounts(account_id) ON DELETE CASCADE
);
CREATE INDEX used_device_ids_by_account ON used_device_ids(account_id);
INSERT INTO used_device_ids (device_id, account_id) SELECT device_id, account_id FROM devices
"""
POSTGRESQL_USED_DEVICE_IDS = """
CREATE TABLE used_device_ids (
    device_id BYTEA PRIMARY KEY REFERENCES devices(device_id) ON DELETE CASCADE,
    account_id BYTEA NOT NULL REFERENCES accounts(account_id) ON DELETE CASCADE
);
CREATE INDEX used_device_ids_by_account ON used_device_ids(account_id);
INSERT INTO used_device_ids (device_id, account_id) SELECT device_id, account_id FROM devices
"""

# Each account's erasure lock (storage/postgres.py `_lock_erased`): a PostgreSQL advisory lock
# whose key is this number, given by the database and never given again, so that no client
# can pick an account id whose lock is another account's (the key was the id's first 8 bytes,
# and account ids are chosen by the client: a user could erase look-alike accounts over and
# over so that every rotation adding another user was refused as if that user were gone).
# Accounts that exist get their numbers now. SQLite takes no such lock (one writer): there
# the column exists, for one schema, and stays empty.
SQLITE_ERASURE_LOCKS = "ALTER TABLE accounts ADD COLUMN erasure_lock INTEGER"
POSTGRESQL_ERASURE_LOCKS = (
    "ALTER TABLE accounts ADD COLUMN erasure_lock BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE"
)

# An erased account's reads stay in the audit of the journals it read (protocol.md
# /v1/shares/audit): the owner's record of what a member did with the owner's data is the
# owner's, not the member's to erase. Each row keeps who read (`reader_id`, `reader_name`:
# the account's id and username when the row was written); `account_id` is the live account,
# NULL once it is erased (so a later account given the same id or name is never taken for
# it). Rows still go with their journal. SQLite changes a foreign key only by rebuilding the
# table; every row is copied, and SQLite gets the account index PostgreSQL had.
SQLITE_AUDIT_KEPT = """
CREATE TABLE audit_kept (
    journal_id BLOB NOT NULL REFERENCES journals(journal_id) ON DELETE CASCADE,
    account_id BLOB REFERENCES accounts(account_id) ON DELETE SET NULL,
    device_id BLOB NOT NULL, at INTEGER NOT NULL, up_to_seq INTEGER NOT NULL,
    records INTEGER NOT NULL, reader_id BLOB NOT NULL, reader_name TEXT NOT NULL
);
INSERT INTO audit_kept
    SELECT u.journal_id, u.account_id, u.device_id, u.at, u.up_to_seq, u.records,
        u.account_id, a.username
    FROM audit u JOIN accounts a ON a.account_id = u.account_id;
DROP TABLE audit;
ALTER TABLE audit_kept RENAME TO audit;
CREATE INDEX audit_by_journal ON audit(journal_id, at);
CREATE INDEX audit_by_account ON audit(account_id)
"""
POSTGRESQL_AUDIT_KEPT = """
ALTER TABLE audit ADD COLUMN reader_id BYTEA, ADD COLUMN reader_name TEXT;
UPDATE audit u SET reader_id = u.account_id, reader_name = a.username
    FROM accounts a WHERE a.account_id = u.account_id;
ALTER TABLE audit ALTER COLUMN reader_id SET NOT NULL, ALTER COLUMN reader_name SET NOT NULL,
    ALTER COLUMN account_id DROP NOT NULL, DROP CONSTRAINT audit_account_id_fkey,
    ADD CONSTRAINT audit_account_id_fkey FOREIGN KEY (account_id)
        REFERENCES accounts(account_id) ON DELETE SET NULL
"""

# The account's sign-in log, and when its password and recovery key last changed, for other
# devices to tell their user of a sign-in or a change they did not make (protocol.md
# /v1/account/sign-ins). Every signup, login and recovery appends a row numbered by the server
# (`seq`, from 1 per account, never reused: the newest row is never pruned), kept whether or
# not the session is signed out since, pruned by age and count (`storage.base.SIGN_INS_KEPT_MS`,
# `SIGN_INS_KEPT`), gone with the account. Server metadata, the server's word: nothing a
# device believes about journals depends on it. Accounts made before have 0 (unknown) times.
SIGN_IN_LOG = """
CREATE TABLE sign_ins (
    account_id {bin} NOT NULL REFERENCES accounts(account_id) ON DELETE CASCADE,
    seq BIGINT NOT NULL, device_id {bin} NOT NULL, name TEXT NOT NULL, at BIGINT NOT NULL,
    by_recovery_key INTEGER NOT NULL, PRIMARY KEY (account_id, seq)
);
ALTER TABLE accounts ADD COLUMN password_changed_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN recovery_key_changed_at BIGINT NOT NULL DEFAULT 0
"""

# Each sign-in's device proof (protocol.md 4.21): the device key the login named, its login
# challenge and the device key's signature, 128 bytes (136 since fix34i: with the home's
# signed time of the sign-in), or empty (a signup, an older client). Kept for other devices to check; the server checks none of it.
SIGN_IN_PROOFS = """
ALTER TABLE sign_ins ADD COLUMN proof {bin} NOT NULL DEFAULT {empty}
"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial schema", SQLITE_INITIAL, POSTGRESQL_INITIAL),
    Migration(2, "access chains", SQLITE_ACCESS_CHAIN, POSTGRESQL_ACCESS_CHAIN),
    Migration(
        3, "login throttling, rate windows, stored bytes", SQLITE_DEFENCES, POSTGRESQL_DEFENCES
    ),
    Migration(4, "challenges by expiry", CHALLENGES_BY_EXPIRY, CHALLENGES_BY_EXPIRY),
    Migration(5, "stateless challenges", SQLITE_USED_CHALLENGES, POSTGRESQL_USED_CHALLENGES),
    Migration(6, "live sockets of all processes", SQLITE_LIVE_SOCKETS, POSTGRESQL_LIVE_SOCKETS),
    Migration(
        7,
        "sessions opened by a recovery key",
        SQLITE_RECOVERY_SESSIONS,
        POSTGRESQL_RECOVERY_SESSIONS,
    ),
    Migration(
        8,
        "the device that pushed each record",
        RECORDS_PUSHED_DEVICE,
        RECORDS_PUSHED_DEVICE_POSTGRESQL,
    ),
    Migration(
        9,
        "device ids taken, with their device rows",
        SQLITE_USED_DEVICE_IDS,
        POSTGRESQL_USED_DEVICE_IDS,
    ),
    Migration(
        10,
        "erasure lock keys given by the database",
        SQLITE_ERASURE_LOCKS,
        POSTGRESQL_ERASURE_LOCKS,
    ),
    Migration(
        11,
        "audit rows kept past the reader's erasure",
        SQLITE_AUDIT_KEPT,
        POSTGRESQL_AUDIT_KEPT,
    ),
    Migration(
        12,
        "the sign-in log, when the password and recovery key changed",
        SIGN_IN_LOG.format(bin="BLOB"),
        SIGN_IN_LOG.format(bin="BYTEA"),
    ),
    Migration(
        13,
        "the device proof of each sign-in",
        SIGN_IN_PROOFS.format(bin="BLOB", empty="x''"),
        SIGN_IN_PROOFS.format(bin="BYTEA", empty="''::bytea"),
    ),
)

VERSION_TABLE_SQLITE = (
    "CREATE TABLE IF NOT EXISTS schema_migrations "
    "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)"
)
VERSION_TABLE_POSTGRESQL = (
    "CREATE TABLE IF NOT EXISTS schema_migrations "
    "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)"
)


class SchemaError(Exception):
    """The database's schema is not one this server can migrate (one line, for the operator)."""


class SchemaTooNewError(SchemaError):
    """The database was migrated by a newer release than this server."""


class SchemaMismatchError(SchemaError):
    """A version the database records was applied under another name than this server's
    migration of that version: another build, whose migration took the same number (two
    branches that each added "migration 8"). Applying the rest by number would skip this
    server's migration and make the other one's tables twice."""


class MigrationLockTimeoutError(SchemaError):
    """A migration's statement waited longer than its lock timeout for a lock another
    transaction holds (PostgreSQL `lock_timeout`): nothing of that migration was applied,
    and it is tried again at the next start (or `tj-server migrate`)."""


def pending(applied: dict[int, str]) -> list[Migration]:
    """The migrations not yet applied, in order. `applied`: version -> name, as recorded in
    `schema_migrations`. Refuses a database newer than this code (SchemaTooNewError) and one
    whose recorded migration of a version is not this code's (SchemaMismatchError)."""
    latest = MIGRATIONS[-1].version
    newer = sorted(version for version in applied if version > latest)
    if newer:
        raise SchemaTooNewError(
            f"the database has schema version {newer[-1]}, newer than this server's {latest}: "
            "upgrade the server"
        )
    for migration in MIGRATIONS:
        name = applied.get(migration.version)
        if name is not None and name != migration.name:
            raise SchemaMismatchError(
                f"the database's schema migration {migration.version} is {name!r}, this "
                f"server's is {migration.name!r}: the database was migrated by another build "
                "of the server; run that build, or restore a backup made before it"
            )
    return [migration for migration in MIGRATIONS if migration.version not in applied]
