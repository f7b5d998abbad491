"""The device's local store (SQLite, through `database.Database`): journals, document states, seen records, outbox.

Everything a user writes lands here first, in one transaction with the sealed record that
carries it, so nothing is lost across restarts or failed syncs. Journal keys are stored as
the server sent them (wrapped with the account key) and unwrapped in memory only.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import json
import re
import sqlite3
from collections.abc import (
    AsyncIterator,
    Callable,
    Collection,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from client_sdk import carrying, crypto, database, departures, forgotten
from client_sdk.access import CodeCover, CodeRecord, VerifiedRecord
from client_sdk.database import (
    LOGGED_OUT_TRIGGER_TEXT,
    Database,
    begin_immediate,
    commit,
    empty_log,
    is_busy,
    take_write_lock,
    to_the_end,
)
from client_sdk.errors import IntegrityError, InvalidInput, StoreBusy
from client_sdk.frozen_init import filled_at_once
from client_sdk.journal_meta import stored_name_holds
from client_sdk.models import to_datetime
from client_sdk.queries import EntryRow
from client_sdk.search import tag_key
from client_sdk.settling import WRITTEN_BODY, FieldWrite, encode, is_mark
from client_sdk.sync import (
    DEPENDS_ON_SET_ASIDE,
    OWN_REMOVALS,
    TRIED_AGAIN,
    UNSEEN_NEWS,
    OutboxRecord,
    decode_own_snapshots,
    encode_own_snapshots,
    news_without_journal,
)
from client_sdk.unsynced import unsynced_changes, unsynced_kinds
from client_sdk.withholding import (
    Cover,
    DeviceCounters,
    JournalCounters,
    Key,
    Range,
    add_range,
    bounded_in_order,
    decode_covers,
    decode_ranges,
    encode_ranges,
    is_cut,
    merge_covers,
)

STORE_FILE = "store.db"
ACCOUNT_ID = "store.account_id"
"""The setting holding the id (bytes) of the account whose store this is, recorded when the
store is opened for a profile (`Store.open`): a sign-in over a store left without its
profile adopts it only when it names the signing-in account (`Store.belongs_to`)."""
ACCOUNT_USERNAME = "store.username"
"""The setting holding the username (str) of the account whose store this is (ACCOUNT_ID),
recorded with it (`Store.open`): a sign-in as another username over a store left without
its profile is refused before anything is sent (`Store.recorded_username`; an account's
username never changes)."""
ANOTHER_ACCOUNTS_STORE = (
    "the local data in {home} is another account's than the profile there (two sign-ins "
    "on this home at once, or a profile copied in by hand): it was not opened, and nothing "
    "was changed. Move the folder {home} aside (it keeps what that account never synced) "
    "and sign in again, or use another home"
)
"""What `Store.open` raises (InvalidInput, subject "profile") for a profile of one account
over a store that records another (ACCOUNT_ID)."""
T = TypeVar("T")
V = TypeVar("V")

SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value);
CREATE TABLE IF NOT EXISTS journals (
    journal_id BLOB PRIMARY KEY, owner_id BLOB NOT NULL, role TEXT NOT NULL,
    epoch INTEGER NOT NULL, name TEXT NOT NULL, meta_version INTEGER NOT NULL,
    cursor INTEGER NOT NULL DEFAULT 0, owner_name TEXT NOT NULL DEFAULT '',
    expires_at INTEGER NOT NULL DEFAULT 0, meta TEXT NOT NULL DEFAULT '{}',
    named_at INTEGER NOT NULL DEFAULT 0, own_before INTEGER NOT NULL DEFAULT 0,
    own_not_held INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS peers (
    account_id BLOB PRIMARY KEY, username TEXT NOT NULL, sign_public_key BLOB NOT NULL,
    box_public_key BLOB NOT NULL, verified INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS peer_verifications (
    account_id BLOB NOT NULL, username TEXT NOT NULL, sign_public_key BLOB NOT NULL,
    box_public_key BLOB NOT NULL, verified_at INTEGER NOT NULL,
    replaced_at INTEGER NOT NULL DEFAULT 0, verified INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (account_id, username, sign_public_key, box_public_key)
);
CREATE TABLE IF NOT EXISTS shares (
    journal_id BLOB NOT NULL, member_id BLOB NOT NULL, member_name TEXT NOT NULL,
    role TEXT NOT NULL, expires_at INTEGER NOT NULL, expired INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (journal_id, member_id)
);
CREATE TABLE IF NOT EXISTS journal_keys (
    journal_id BLOB NOT NULL, epoch INTEGER NOT NULL, envelope BLOB NOT NULL,
    PRIMARY KEY (journal_id, epoch)
);
CREATE TABLE IF NOT EXISTS documents (
    doc_id BLOB PRIMARY KEY, journal_id BLOB NOT NULL, kind TEXT NOT NULL,
    state BLOB NOT NULL, updated_at INTEGER NOT NULL, creator BLOB, waiting BLOB,
    created_values TEXT
);
CREATE INDEX IF NOT EXISTS documents_by_journal ON documents(journal_id);
CREATE TABLE IF NOT EXISTS seen_records (
    journal_id BLOB NOT NULL, record_id BLOB NOT NULL, seq INTEGER, doc_id BLOB,
    author BLOB, device BLOB, counter INTEGER, epoch INTEGER, snapshot INTEGER,
    removes INTEGER, sealed BLOB,
    PRIMARY KEY (journal_id, record_id)
);
CREATE INDEX IF NOT EXISTS seen_by_document ON seen_records(doc_id);
CREATE TABLE IF NOT EXISTS outbox (
    position INTEGER PRIMARY KEY AUTOINCREMENT, journal_id BLOB NOT NULL,
    record_id BLOB NOT NULL, epoch INTEGER NOT NULL, ciphertext BLOB NOT NULL, doc_id BLOB
);
CREATE TABLE IF NOT EXISTS kept_flags (
    journal_id BLOB NOT NULL, record_id BLOB NOT NULL, epoch INTEGER NOT NULL,
    ciphertext BLOB NOT NULL, doc_id BLOB NOT NULL, PRIMARY KEY (journal_id, record_id)
);
CREATE TABLE IF NOT EXISTS offered (
    journal_id BLOB NOT NULL, doc_id BLOB NOT NULL, epoch INTEGER NOT NULL,
    PRIMARY KEY (journal_id, doc_id, epoch)
);
CREATE TABLE IF NOT EXISTS set_aside (
    position INTEGER PRIMARY KEY, journal_id BLOB NOT NULL, record_id BLOB NOT NULL,
    epoch INTEGER NOT NULL, ciphertext BLOB NOT NULL, doc_id BLOB,
    journal_name TEXT NOT NULL, code TEXT NOT NULL, reason TEXT NOT NULL,
    set_aside_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS write_counters (
    journal_id BLOB PRIMARY KEY, counter INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS device_write_counters (
    journal_id BLOB NOT NULL, device BLOB NOT NULL, counter INTEGER NOT NULL,
    PRIMARY KEY (journal_id, device)
);
CREATE TABLE IF NOT EXISTS kept_write_counters (
    tag BLOB NOT NULL, device BLOB NOT NULL, counter INTEGER NOT NULL,
    claimed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tag, device)
);
CREATE TABLE IF NOT EXISTS withdrawn (
    journal_id BLOB NOT NULL, author BLOB NOT NULL, device BLOB NOT NULL,
    lo INTEGER NOT NULL, hi INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS withdrawn_by_journal ON withdrawn(journal_id);
CREATE TABLE IF NOT EXISTS kept_withdrawn (
    tag BLOB NOT NULL, author BLOB NOT NULL, device BLOB NOT NULL,
    lo INTEGER NOT NULL, hi INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS kept_withdrawn_by_tag ON kept_withdrawn(tag);
CREATE TABLE IF NOT EXISTS device_counters (
    journal_id BLOB NOT NULL, author BLOB NOT NULL, device BLOB NOT NULL,
    received BLOB NOT NULL, claimed INTEGER NOT NULL, claimed_by BLOB NOT NULL,
    written INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (journal_id, author, device)
);
CREATE TABLE IF NOT EXISTS excused_counters (
    journal_id BLOB NOT NULL, author BLOB NOT NULL, device BLOB NOT NULL, excused BLOB NOT NULL,
    PRIMARY KEY (journal_id, author, device)
);
CREATE TABLE IF NOT EXISTS member_claims (
    journal_id BLOB NOT NULL, member BLOB NOT NULL, author BLOB NOT NULL, device BLOB NOT NULL,
    counter INTEGER NOT NULL, PRIMARY KEY (journal_id, member, author, device)
);
CREATE TABLE IF NOT EXISTS record_covers (
    journal_id BLOB NOT NULL, record_id BLOB NOT NULL, covers BLOB NOT NULL,
    PRIMARY KEY (journal_id, record_id)
);
CREATE TABLE IF NOT EXISTS access_entries (
    journal_id BLOB NOT NULL, position INTEGER NOT NULL, entry BLOB NOT NULL,
    PRIMARY KEY (journal_id, position)
);
CREATE TABLE IF NOT EXISTS access_problems (journal_id BLOB PRIMARY KEY, message TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pending_journals (
    position INTEGER PRIMARY KEY AUTOINCREMENT, journal_id BLOB NOT NULL UNIQUE,
    request BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS field_writes (
    doc_id BLOB NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL, at INTEGER NOT NULL,
    unsynced INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS field_writes_by_document ON field_writes(doc_id);
CREATE INDEX IF NOT EXISTS field_writes_by_field ON field_writes(field);
CREATE TABLE IF NOT EXISTS refused_journals (
    journal_id BLOB PRIMARY KEY, code TEXT NOT NULL, reason TEXT NOT NULL, at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS problems (
    journal_id BLOB NOT NULL, record_id BLOB NOT NULL, seq INTEGER NOT NULL,
    message TEXT NOT NULL, PRIMARY KEY (journal_id, record_id)
);
CREATE TABLE IF NOT EXISTS parked_records (
    journal_id BLOB NOT NULL, record_id BLOB NOT NULL, seq INTEGER NOT NULL,
    epoch INTEGER NOT NULL, ciphertext BLOB NOT NULL, version INTEGER NOT NULL,
    PRIMARY KEY (journal_id, record_id)
);
CREATE INDEX IF NOT EXISTS parked_by_version ON parked_records(version);
CREATE TABLE IF NOT EXISTS stale_holds (journal_id BLOB PRIMARY KEY, epoch INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS own_removals (
    journal_id BLOB NOT NULL, record_id BLOB NOT NULL, PRIMARY KEY (journal_id, record_id)
);
"""

ENTRY_ROWS = """
CREATE TABLE IF NOT EXISTS entry_rows (
    doc_id BLOB PRIMARY KEY, journal_id BLOB NOT NULL, created_at INTEGER NOT NULL,
    utc_offset INTEGER, trashed INTEGER NOT NULL, deleted INTEGER NOT NULL,
    tags TEXT NOT NULL, emotions TEXT NOT NULL, mood INTEGER
);
CREATE INDEX IF NOT EXISTS entry_rows_by_time ON entry_rows(created_at, doc_id);
CREATE INDEX IF NOT EXISTS entry_rows_by_journal ON entry_rows(journal_id, created_at, doc_id);
CREATE TABLE IF NOT EXISTS entry_rows_stale (
    n INTEGER PRIMARY KEY AUTOINCREMENT, doc_id BLOB NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS entry_rows_read (last INTEGER NOT NULL);
INSERT INTO entry_rows_read SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM entry_rows_read);
CREATE TRIGGER IF NOT EXISTS entry_rows_on_insert AFTER INSERT ON documents
WHEN NEW.rowid <= (SELECT last FROM entry_rows_read) BEGIN
    DELETE FROM entry_rows WHERE doc_id = NEW.doc_id;
    DELETE FROM entry_rows_stale WHERE doc_id = NEW.doc_id;
    INSERT OR REPLACE INTO entry_rows_stale (doc_id) SELECT NEW.doc_id WHERE NEW.kind = 'entry';
END;
CREATE TRIGGER IF NOT EXISTS entry_rows_on_delete AFTER DELETE ON documents BEGIN
    DELETE FROM entry_rows WHERE doc_id = OLD.doc_id;
    DELETE FROM entry_rows_stale WHERE doc_id = OLD.doc_id;
END;
CREATE TRIGGER IF NOT EXISTS entry_rows_on_update
AFTER UPDATE OF doc_id, journal_id, kind, state, waiting ON documents BEGIN
    DELETE FROM entry_rows WHERE doc_id IN (OLD.doc_id, NEW.doc_id);
    DELETE FROM entry_rows_stale WHERE doc_id = OLD.doc_id;
    INSERT OR REPLACE INTO entry_rows_stale (doc_id) SELECT NEW.doc_id WHERE NEW.kind = 'entry';
END;
"""
"""The index of entries (`Store.entry_page`): a row of what choosing and ordering entries
reads of each entry's view (`queries.EntryRow`). An entry has a row, or is new, or is stale:

- new: a document whose rowid is above `entry_rows_read.last`, the highest rowid the index
  has read (`Transaction.index_new_entries`, which reads them, writes their rows and moves
  `last` in one write transaction; -1 while a scrub owes a reset, `Store.scrub`). SQLite gives a new row a rowid above every row's, so a
  document written here, pulled or imported costs the index nothing when it is written
  (issue 10: no row, no mark, in the transaction of a `write`; a row left by an earlier
  document of the same id is written over before any listing reads the index); one given a
  rowid at or below `last` (the highest rows were deleted since) is marked stale by its
  trigger;
- stale: marked in `entry_rows_stale` by the triggers on `documents`, in the transaction of
  every change of any connection (another process's, an older version's), which also drop
  the row of a document that changes, so a row never outlives the state it was read from.
  `Transaction.index_entries` writes their rows, each only while its entry is still stale as
  it was read (`n`: a new one at every change).

Made once in a store that lacks it (`_add_entry_rows`), every entry new."""

FIELD_WRITE_PAGE = 500
"""Document ids per query of `Store.field_write_names` (SQLite's limit of parameters is 999
in older builds)."""

WAITING_TABLES = ("outbox", "pending_journals", "withdrawn")
"""Tables any row of which waits to be sent (`Store.waiting`; set-aside changes sent again
at every sync count too, `TRIED_AGAIN_WAITING`)."""

WATCHED = {
    "journals": ("journals",),
    "counting": ("withdrawn", "device_counters", "excused_counters"),
    "settings": ("settings", "own_removals"),
    "waiting": (*WAITING_TABLES, "set_aside"),
    "peers": ("peers", "peer_verifications"),
    "field_writes": ("field_writes",),
    "parked": ("parked_records",),
    "access": ("access_entries", "access_problems"),
    "refused": ("refused_journals",),
    "pending": ("pending_journals",),
    "excused": ("excused_counters",),
    "set_aside": ("set_aside",),
    "withdrawn": ("withdrawn",),
}
"""Tables whose changes the store counts (column of COUNTS_TABLE -> tables), so that
what was read from them can be kept in memory until they change (issue 10); an insert into
the outbox only when it held no other row (`_COUNTED_WHEN`)."""

WATCHED_KINDS = ("safety_plan",)
"""Kinds of documents whose rows the store counts apart (column `kind_<kind>` of
COUNTS_TABLE: a row of that kind inserted, deleted or changed, whichever column), so that
which journals hold one (`journals_holding`) is kept in memory until one of them changes,
not read again after every other document's change (issue 10: a sync that brought or sent
a record asked, for the late safety flags a plan may owe)."""

COUNTED = (*WATCHED, "own_marks", *(f"kind_{kind}" for kind in WATCHED_KINDS))
"""The columns of COUNTS_TABLE: `own_marks` counts the journals' rows inserted or deleted
and the changes of their `own_before` and `own_not_held` alone (read by `Store.own_before`),
not of their cursors, which a pull moves."""

_OWN_MARKS_UPDATE = "UPDATE OF own_before, own_not_held"
"""The change of a journal's row that `own_marks` counts besides its insert and delete."""


_TABLE = "TJ_COUNTS_TABLE"  # in _MADE_COUNTS, for COUNTS_TABLE


def _counting_triggers() -> list[str]:
    """One trigger per table and event, counting the change in every COUNTED column that
    watches it (a change of `withdrawn` moves `counting`, `waiting` and `withdrawn` in one
    UPDATE, not three triggers of one UPDATE each): run at each counted row change (issue
    10). `own_marks` counts the journals' inserts and deletes there and the change of their
    own marks alone apart; the WATCHED_KINDS triggers (`_KIND_TRIGGERS`), with their WHEN,
    are apart too."""
    counted_by: dict[tuple[str, str], list[str]] = {}
    for column, tables in WATCHED.items():
        for table in tables:
            for event in ("INSERT", "UPDATE", "DELETE"):
                counted_by.setdefault((table, event), []).append(column)
    for event in ("INSERT", "DELETE"):
        counted_by[("journals", event)].append("own_marks")
    counted_by[("journals", _OWN_MARKS_UPDATE)] = ["own_marks"]
    assert all(counted_by[event] == ["waiting"] for event in _COUNTED_WHEN)  # its one reader
    return [
        f"CREATE TRIGGER {_TABLE}_{table}_{event.split()[0].lower()}"
        f"{'_own_marks' if event == _OWN_MARKS_UPDATE else ''} AFTER {event} ON {table} "
        + (f"WHEN {_COUNTED_WHEN[(table, event)]} " if (table, event) in _COUNTED_WHEN else "")
        + f"BEGIN UPDATE {_TABLE} SET {', '.join(f'{c} = {c} + 1' for c in columns)}; END"
        for (table, event), columns in counted_by.items()
    ]


_COUNTED_WHEN = {
    ("outbox", "INSERT"): "NOT EXISTS (SELECT 1 FROM outbox WHERE position <> NEW.position)"
}
"""The changes of a WATCHED table counted only when they may change what is read of it: an
insert into the outbox only when the outbox held no other row (`waiting`, the one read of
its group, reads only whether it holds one). Every entry written inserts a record there: its
count, one page more in the log, cost each write ~18 k instructions, the WHEN ~7 k (issue
10)."""


_KIND_TRIGGERS = [
    f"CREATE TRIGGER {_TABLE}_kind_{kind}_{event.lower()} AFTER {event} "
    f"ON documents WHEN {when} "
    f"BEGIN UPDATE {_TABLE} SET kind_{kind} = kind_{kind} + 1; END"
    for kind in WATCHED_KINDS
    for event, when in (
        ("INSERT", f"NEW.kind = '{kind}'"),
        ("UPDATE", f"OLD.kind = '{kind}' OR NEW.kind = '{kind}'"),
        ("DELETE", f"OLD.kind = '{kind}'"),
    )
]

_MADE_COUNTS = [
    f"CREATE TABLE {_TABLE} ({', '.join(f'{c} INTEGER NOT NULL' for c in COUNTED)})",
    *_counting_triggers(),
    *_KIND_TRIGGERS,
]
COUNTS_TABLE = "tj_counts_" + hashlib.sha256(";".join(_MADE_COUNTS).encode()).hexdigest()[:12]
"""The name of the table of counts: named after what COUNTS makes, so that a store whose
counts another version made (other tables counted) is seen at once (`_counts_differ`). The
names of COUNTS' triggers begin with it too: the counts of two versions with the store open
at once (an upgrade while an older `tj` syncs) are apart, each version's own."""

COUNTS = [statement.replace(_TABLE, COUNTS_TABLE) for statement in _MADE_COUNTS]
"""The store's counts of its row changes, kept in the file (`_add_counts`): the table
COUNTS_TABLE, of one row, and the triggers that move its COUNTED columns at each change of
the WATCHED tables (any connection's: this SDK's, another process's, an older version's),
of the journals' own marks (`own_marks`) and of the documents of each WATCHED_KINDS kind
(`kind_<kind>`). A rollback takes the count back with the rows, so a count, with
`PRAGMA data_version` (which another connection's commit moves), names one committed state
of its tables. Both are read by `_changes`. Earlier versions made them temporary, this
connection's own, at every opening of a store (`CREATE TEMP TRIGGER`, 49 of them: 1.1 ms
an opening), which they still do beside these, counting in a table of their own
(temp.tj_changes); kept in the file, they are parsed with its schema (0.2 ms)."""

COUNTS_PREFIX = "tj_count"
"""What the names of the counts' table and triggers begin with, this version's (COUNTS) and
every other version's (and no other's in the store)."""


OWN_REMOVALS_READ = (
    "SELECT journal_id, record_id, NULL FROM own_removals UNION ALL "
    f"SELECT NULL, NULL, value FROM settings WHERE name = '{OWN_REMOVALS}'"
)
"""The rows of `own_removals`, then the setting sync.OWN_REMOVALS an earlier version writes
(`Store.own_removals`)."""
_OWN_REMOVALS_KEY = "\0own_removals"  # `Store._counted_rows`' key: no setting's name

CHANGES_READ = (
    f"SELECT {', '.join(COUNTED)}, (SELECT data_version FROM pragma_data_version) "
    f"FROM {COUNTS_TABLE}"
)


LOGGED_OUT_TABLES = (
    "outbox",
    "pending_journals",
    "withdrawn",
    "set_aside",
    "documents",
    "field_writes",
)
"""The tables a write of what a person changed goes to (a record to send, a journal to
create, a document's state...): once a logout counted what it deletes
(`Store.end_for_logout`), triggers on them refuse every write of any other connection, another
process's included, with database.LOGGED_OUT_ELSEWHERE (ClientClosed)."""

_REFUSED = LOGGED_OUT_TRIGGER_TEXT.replace("'", "''")  # an SQL string
LOGGED_OUT_TRIGGERS = [
    (
        f"tj_logged_out_{table}_{event.lower()}",
        f"CREATE TRIGGER IF NOT EXISTS tj_logged_out_{table}_{event.lower()} BEFORE {event} "
        f"ON main.{table} BEGIN SELECT RAISE(ABORT, '{_REFUSED}'); END",
    )
    for table in LOGGED_OUT_TABLES
    for event in ("INSERT", "UPDATE")
]

WAITING_FLAGS = (
    "SELECT o.doc_id FROM outbox o JOIN documents d ON d.doc_id = o.doc_id "
    "WHERE d.kind = 'safety_flag' UNION SELECT a.doc_id FROM set_aside a "
    "JOIN documents d ON d.doc_id = a.doc_id WHERE d.kind = 'safety_flag'"
)
"""The safety flags (document ids) with a record waiting in the outbox or set aside."""

WAITING_DOCUMENTS = (
    "SELECT journal_id, doc_id FROM outbox UNION ALL SELECT journal_id, doc_id FROM set_aside"
)

OUTBOX_DOCUMENTS = "SELECT journal_id, doc_id FROM outbox"  # those a sync can still send

WAITING_RECORDS = (  # of one journal's documents: (journal id, journal id)
    "SELECT record_id FROM outbox WHERE journal_id = ? AND doc_id IS NOT NULL "
    "UNION SELECT record_id FROM set_aside WHERE journal_id = ? AND doc_id IS NOT NULL"
)

DATA_VERSION_READ = "PRAGMA data_version"
HIGHEST_COUNTERS = (  # device -> the highest counter of an author's records held here
    "SELECT device, max(counter) FROM seen_records WHERE journal_id = ? AND author = ? "
    "AND device IS NOT NULL AND counter IS NOT NULL GROUP BY device"
)


IN_CHUNK = 500
"""Values one `IN (...)` list of a statement holds at most: a longer list is read in several
statements (SQLite's bound on a statement's variables is 999 before 3.32, 32,766 since)."""


def _in_chunks(values: Sequence[V]) -> Iterator[tuple[Sequence[V], str]]:
    """`values` in pieces of at most IN_CHUNK, each with its "?, ?, ..." for an `IN` list."""
    for start in range(0, len(values), IN_CHUNK):
        chunk = values[start : start + IN_CHUNK]
        yield chunk, ", ".join("?" * len(chunk))


def _after_prefix(prefix: bytes) -> bytes | None:
    """The least byte string greater than every string that starts with `prefix` (the
    exclusive end of their range), None when there is none (`prefix` empty or all 0xff)."""
    stripped = prefix.rstrip(b"\xff")
    if not stripped:
        return None
    return stripped[:-1] + bytes([stripped[-1] + 1])


def _data_version(changes: dict[str, tuple[int, int]]) -> int:
    return next(iter(changes.values()))[1]


def _changes(db: sqlite3.Connection) -> dict[str, tuple[int, int]]:
    """Per COUNTED column, (the store's count of the changes it counts, COUNTS, as this
    connection sees it; data_version): equal values mean the rows it counts hold what they
    held then, once committed."""
    row = _counts_read(db, CHANGES_READ)
    return {column: (int(row[i]), int(row[-1])) for i, column in enumerate(COUNTED)}


_TRIED_AGAIN_KINDS = ", ".join(f"'{kind}'" for kind in sorted(TRIED_AGAIN))
TRIED_AGAIN_ROWS = (
    "FROM set_aside WHERE EXISTS (SELECT 1 FROM documents "
    f"WHERE documents.doc_id = set_aside.doc_id AND kind IN ({_TRIED_AGAIN_KINDS}))"
)
"""The set-aside changes sent again at every sync (sync.TRIED_AGAIN), as a FROM clause."""
TRIED_AGAIN_WAITING = f"SELECT 1 {TRIED_AGAIN_ROWS} LIMIT 1"


class JournalsChanged(Exception):
    """The journals table changed since the journal list a write acted on (`counting_state`
    with `journals_as_of`): its transaction rolled back; read the list again and redo."""


@dataclass(frozen=True)
class LocalJournal:
    journal_id: bytes
    owner_id: bytes
    role: str
    epoch: int
    name: str
    meta_version: int
    cursor: int
    owner_name: str = ""
    expires_at: int = 0
    meta: str = "{}"
    """The journal's decrypted metadata as JSON (name, and what a disclosure journal mirrors)."""
    named_at: int = 0
    """The highest owner-signed `named_at` this device verified for the journal (protocol.md
    4.14; 0: none, or only version-1 names): a name signed with a lower one is refused. The
    store never lowers it (`put_journal`)."""


@dataclass(frozen=True)
class Peer:
    """Another account's identity keys, pinned on first use; `verified` once the fingerprint
    was compared."""

    account_id: bytes
    username: str
    sign_public_key: bytes
    box_public_key: bytes
    verified: bool


@dataclass(frozen=True)
class PeerVerification:
    """Keys this device marked verified (`peer`, its `verified` true), when (`verified_at`,
    ms UTC; 0: before this was kept), and when a verify of another account under the same
    username replaced their pin (`replaced_at`, ms UTC; 0: not replaced); a pin so replaced
    is kept here whether it was verified or pinned on first use (`peer.verified` says which:
    REV-S8 S8-2). Kept in a table of its own (`peers` keeps its columns for older SDKs
    sharing the store), NU43 #1."""

    peer: Peer
    verified_at: int
    replaced_at: int = 0


@dataclass(frozen=True)
class LocalShare:
    journal_id: bytes
    member_id: bytes
    member_name: str
    role: str
    expires_at: int
    expired: bool = False
    """Its signed end date had passed when it was read (`Replica.verified_shares`' `now`)."""

    def ended(self, now: int) -> bool:
        """Its signed end date passed by `now` (ms, UTC), or had when it was read."""
        return self.expired or bool(self.expires_at and self.expires_at <= now)


@dataclass(frozen=True)
class KeptFlag:
    """A safety flag's record this device pushed, kept whole until a pull serves it back
    (`Store.kept_flags`): its journal, id, document and counter (None: not known here)."""

    journal_id: bytes
    record_id: bytes
    doc_id: bytes
    counter: int | None
    waiting: bool = False
    """A record of the same document waits in the outbox (the flag sealed again, rev30b
    F1): this row is not known served back until that one is pushed."""


@filled_at_once
@dataclass(frozen=True)
class SeenRecord:
    """A record this device holds (written here or pulled), and which document it changed."""

    journal_id: bytes
    record_id: bytes
    seq: int | None
    doc_id: bytes | None = None
    author: bytes | None = None
    device: bytes | None = None
    counter: int | None = None
    epoch: int | None = None
    snapshot: bool | None = None
    removes: bool | None = None
    """Set for a record of a journal's owner in an annotation another account created: whether
    the record itself marks it deleted (its payload alone sets `deleted`: R31 F2)."""
    sealed: bytes | None = None
    """Set for this device's own records once the server acknowledged them (or served them
    back, stored with their reply lost): crypto.hash32 of the ciphertext the server stored.
    A whole record served back under its id must have it (R36 F6, protocol.md 4.18)."""


@filled_at_once
@dataclass(frozen=True)
class StoredDocument:
    """A document as this device stores it: `state` its whole state (`Document.state()`),
    `waiting` what of it waits for clocks the document lacks (`Document.waiting()`, b"" for
    nothing: nearly always), given back to `Document.from_state` (rev-o1b F4)."""

    doc_id: bytes
    journal_id: bytes
    kind: str
    state: bytes = field(repr=False)  # decrypted: never in a repr (a log, a crash report)
    waiting: bytes = field(default=b"", repr=False)


class LogoutEnd(NamedTuple):
    """What `Store.end_for_logout` counted in its transaction, and whether it ended the
    store (`ended`): then these are what the logout deletes."""

    items: int
    """Documents with changes that never reached the server (`Store.unsynced`)."""
    set_aside: int
    """Changes among them the server refused for good."""
    ended: bool
    copies: tuple[tuple[bytes, str], ...]
    """(journal id, name) of each read-only copy of the owner's own journals, by name."""
    flags: frozenset[bytes] = frozenset()
    """The safety flags (document ids) with a record waiting in the outbox or set aside, as
    the same transaction found them: those the logout deletes unsent."""
    unnamed: bool = False
    """Not ended only because a flag of `flags` was not among those the caller named
    (`end_for_logout`'s `named_flags`: sealed by another program since it read them)."""


@dataclass(frozen=True)
class SetAsideRow:
    """An outbox record the server refused for good, kept with why (code, reason) and when
    (ms); `record.position` is its place in the outbox, kept for a retry."""

    record: OutboxRecord
    journal_name: str
    code: str
    reason: str
    set_aside_at: int


MAX_PROBLEMS_KEPT = 1000
"""Records of one journal refused as problems that this device keeps (`Client.problems()`):
the first ones, as evidence; later ones are reported in the sync report only, except those
waiting for their epoch's key, which `Client.problems()` tells in one more Problem a journal."""


@dataclass(frozen=True)
class Problem:
    """A record that failed verification on this device (altered, moved or forged): its
    journal and record ids (bytes), its sequence number on the server and what failed."""

    journal_id: bytes
    record_id: bytes
    seq: int
    message: str


@dataclass(frozen=True)
class CommitMark:
    """Read just before a read of the store (`Store.seen_counters_marked`), to tell later,
    inside a write transaction, whether any commit came to the store since
    (`Transaction.seen_ids`): `log`, the log's header (Database.log_state), which every
    commit of any connection (another process's included) changes, or None when it could not
    be read; `data_version`, SQLite's `PRAGMA data_version`, which only other connections'
    commits change, read only when `log` is None; `total_changes`, this connection's count
    of rows changed (sqlite3.Connection.total_changes)."""

    log: bytes | None
    data_version: int | None
    total_changes: int


def _commit_mark(store: Database, db: sqlite3.Connection) -> CommitMark:
    """A CommitMark read now, on `db` (`store`'s connection), before any statement of the
    read it comes with: a commit after it is always told."""
    log = store.log_state()
    version = None if log is not None else int(db.execute(DATA_VERSION_READ).fetchone()[0])
    return CommitMark(log, version, db.total_changes)


@dataclass(frozen=True)
class ParkedRecord:
    """A verified record of a body version newer than this SDK reads (records.NewerRecord),
    kept as the server sent it until an SDK that reads `version` opens and applies it."""

    journal_id: bytes
    record_id: bytes
    seq: int
    epoch: int
    ciphertext: bytes
    version: int


@dataclass(frozen=True)
class ParkedCount:
    """How many records of one journal, one body version and one author are kept
    (`Transaction.park`); `author` None for a row whose author this store does not hold."""

    journal_id: bytes
    version: int
    author: bytes | None
    count: int


_LAST_ACCESS_ENTRIES = (
    "SELECT a.journal_id, a.position + 1, a.entry FROM access_entries a "
    "JOIN (SELECT journal_id, max(position) AS last FROM access_entries "
    "GROUP BY journal_id) m ON a.journal_id = m.journal_id AND a.position = m.last"
)
"""Each stored access chain's length and last entry (`Store.access_summary`)."""
_ACCESS_PROBLEMS = "SELECT journal_id, message FROM access_problems"
"""The journals' access problems (`Store.access_summary`, `Store.access_problems`): one
statement text, so both share what `_kept_rows` keeps."""


class Store:
    """Thin async access to the local database; all multi-row changes are transactions."""

    def __init__(self, connection: Database, device: bytes = b"") -> None:
        self._db = connection
        self.device = device
        """The device id of the home's profile: whose counters a write takes
        (`device_write_counters`, per journal and device: a home signed in again under a
        new device id numbers that device's records from 1, NU21 C10)."""
        self._lock = asyncio.Lock()
        self._journals: tuple[tuple[int, int], list[LocalJournal]] | None = None
        """The journal list as last read outside a transaction, with the `_changes` of the
        journals table then: read again only once they moved (issue 10: every write names
        its journal)."""
        self._settings_with_journals: tuple[int, int] | None = None
        """The settings' count (`_changes`) of the state the last `journals` answer was of
        (None: read in a transaction): `settings_with_journals`."""
        self._own_marks: tuple[tuple[int, int], dict[bytes, tuple[int, bool]]] | None = None
        """`own_before` as last read outside a transaction, with the `_changes` of the
        journals table then (issue 10: a pull reads it every round)."""
        self._last_journals: list[LocalJournal] = []
        """The journal list as last read from the database, in a transaction or not
        (`last_journals`)."""
        self._counting: dict[bytes, tuple[tuple[int, int], dict[Key, DeviceCounters]]] = {}
        """Per journal, what `counting_state` read of its device counters, with the
        `_changes` of the counting tables once committed, when it had nothing withdrawn:
        while they stand still, a write reads neither table again (issue 10)."""
        self._counted: dict[bytes, tuple[tuple[int, int], dict[Key, DeviceCounters]]] = {}
        """What `counting_state` read in the write transaction under way: kept in
        `_counting` once it commits."""
        self._read: tuple[int, dict[str, tuple[int, int]]] | None = None
        """The `_changes` last read outside a transaction, with the connection's
        `total_changes` then: what a read `as_of` a version (see `version`) trusts."""
        self._log_at_read: bytes | None = None
        """The log's header (Database.log_state) read just before `_read`'s counts were read
        or last found standing: while it is the same, no connection committed since."""
        self._settings: dict[str, tuple[tuple[int, int], tuple[Any, ...]]] = {}
        """Settings read `as_of` a version ((value,) or () when unset), with the `_changes`
        of the settings table then."""
        self._rows: dict[str, tuple[tuple[int, int], tuple[Any, ...]]] = {}
        """`_kept_rows`: the rows a statement read, by statement, with the `_changes` of the
        tables it reads then."""
        self._bytes: dict[bytes, int] = {}
        """`journal_bytes` read `as_of` the version `_bytes_at`, by journal."""
        self._bytes_at: tuple[int, int] | None = None
        self._no_field_writes: tuple[int, int] | None = None
        """The `_changes` of field_writes when `unsynced_field_writes` found none `as_of`."""
        self._no_marks: dict[str, tuple[int, int]] = {}
        """The `_changes` of field_writes when `marked_documents` found none, by name."""
        self._waiting: tuple[tuple[int, int], bool] | None = None
        self._waiting_rest: tuple[tuple[tuple[int, int], ...], tuple[bool, bool]] | None = None
        """`waiting`: whether a journal to create or a counter to withdraw waits, and whether
        any change is set aside, with the `_changes` of their tables then."""
        self.on_outbox: Callable[[], None] | None = None
        """Called after each transaction of this process that committed something new to
        send (a record put in the outbox, a journal to create on the server, changes set
        aside put back: `Transaction.sends`), from the task that wrote it (`Client.watch()`
        pushes it). Not for another process's writes: this connection is not told of them."""
        self._parked_versions: tuple[tuple[int, int], frozenset[int]] | None = None
        self.logged_out = False
        """Whether the store, as opened, holds the mark of a logout that committed
        (LOGGED_OUT_TRIGGERS, `end_for_logout`): a process stopped before it deleted the
        files (killed, a power cut) left them; `Client.open` and every sign-in finish that
        logout (`delete_if_logged_out`): such a store is never used again."""
        """The body versions kept in `parked_records`, with the `_changes` of that table."""
        """Whether anything waited to be sent (`waiting`), with the `_changes` of its tables."""

    @classmethod
    async def open(
        cls,
        home: Path,
        device: bytes = b"",
        *,
        account: bytes = b"",
        username: str = "",
        new_device: bool = False,
    ) -> Store:
        """Open (or create) the home's store for the profile's `device` id. The counters of
        a store from before counters were kept per device (`write_counters`, per journal
        only) are the device's that last wrote there: they go to `device` once, in the
        journals where the store shows it wrote (ADOPT_LEGACY_COUNTERS: else they were an
        earlier id's, R36 F7), so no counter is ever taken twice. With `new_device` (`device` is an id this home chose
        for a session just opened, which never wrote here) they are dropped instead: they
        belong to an earlier id of this home, which no session ever takes again (device ids
        are chosen by the device, random and new for every session: protocol.md 2.3), and
        a counter of one id is never given to another. `account`: the profile's account id
        (only its own records show where `device` wrote; without it they are dropped), which
        the store records as its account's (ACCOUNT_ID) when it records none yet, with
        `username`, the profile's (ACCOUNT_USERNAME), when it records none of that account.

        Raises InvalidInput (subject "profile", ANOTHER_ACCOUNTS_STORE; nothing changed)
        when the store records another account than `account`, StoreBusy when another
        program keeps the store busy while it is brought up to date, IntegrityError when the
        file is damaged."""
        path = home / STORE_FILE
        if not path.exists():
            database.create_private(path)
        connection = await Database.connect(str(path))
        try:
            await connection.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL: a committed write survives the app crashing; only a power cut may
            # lose the last moments, which FULL would cost an fsync per keystroke-sized edit.
            await connection.execute("PRAGMA synchronous=NORMAL")
            # Checkpoints of the log in a thread of their own, not in the COMMIT of a write
            # on the loop's thread (database.py; issue 10).
            await connection.checkpoint_in_background(str(path))
            # Each change of the file's tables below is a write transaction that waits for
            # another process's write lock as every write does: in the store's thread, never
            # on the event loop, cancellable, StoreBusy after WRITE_WAIT_S
            # (`database.take_write_lock`); a store that needs none of them takes no lock.
            await connection.run(_make_schema)
            await connection.run(_add_missing_columns)
            await connection.run(_add_entry_rows)
            # The counts of changes, made once (COUNTS); another version's kept while another
            # process has the store open.
            await connection.run(lambda db: _add_counts(db, connection.shared))
            await connection.run(lambda db: _adopt_own_removals(db, connection.shared))
            logged_out = await connection.run(_logged_out)
            if account and not logged_out:  # whose store it is, for a sign-in without profile
                recorded = await connection.run(lambda db: _record_account(db, account, username))
                if recorded != account:  # never one account's data under another's profile
                    raise InvalidInput(ANOTHER_ACCOUNTS_STORE.format(home=home), subject="profile")
            if device:
                await connection.run(
                    lambda db: _adopt_legacy_counters(db, device, account, new_device)
                )
        except BaseException as error:
            # A damaged file or a Ctrl-C here must not leave the store's thread running.
            with contextlib.suppress(Exception):
                await connection.close()
            if isinstance(error, StoreBusy):  # a write here waited (`take_write_lock`)
                raise StoreBusy(opening=True) from error.__cause__
            if isinstance(error, sqlite3.OperationalError) and is_busy(error):
                raise StoreBusy(opening=True) from error  # busy, never "damaged"
            if isinstance(error, sqlite3.DatabaseError):
                raise IntegrityError(f"the local store {path} is damaged: {error}") from None
            raise
        store = cls(connection, device)
        store.logged_out = logged_out
        return store

    async def close(self, because: str | None = None) -> None:
        """Close the store; a later call raises ClientClosed saying `because` (what closed
        it: database.CLOSED by default, database.LOGGED_OUT after a logout)."""
        if because is not None:
            self._db.closed_because = because
        await self._db.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        tx = Transaction(self._db, self.device)

        def begin(db: sqlite3.Connection) -> None:
            begin_immediate(db)  # the write lock held: no other connection commits now
            tx.began = (self._db.log_state(), db.total_changes)

        async with self._lock:
            try:
                # BEGIN inside the try: if the caller is cancelled while BEGIN runs, the
                # transaction it opened must still be rolled back, or every later one fails.
                await self._db.run(begin)  # waits for the lock off the loop
                yield tx
                await self._db.run(commit)  # a COMMIT that fails rolls back too
            except BaseException:
                await _rollback(self._db)
                raise
        if tx.sends:
            self._told_sends()

    def _told_sends(self) -> None:
        """A committed transaction gave the outbox something to send: `on_outbox`."""
        if self.on_outbox is not None:
            self.on_outbox()

    async def scrub(self) -> bool:
        """Leave nothing deleted in the store's files, after an erasure (`client.shares.
        forget`): SQLite keeps deleted rows in free pages and in the write-ahead log until
        they are reused, so the file is rebuilt (VACUUM) and the log emptied (checkpoint,
        TRUNCATE). Takes as long as copying the store once. Returns False when another
        connection (another `tj` on this profile) kept it from finishing: the rows are gone
        all the same, their bytes are overwritten at a later scrub or as pages are reused."""
        async with self._lock, self._db.checkpoints_paused():  # the log busy with none of ours
            try:
                # VACUUM may give rows new rowids: the index of entries, which reads new
                # documents by rowid (ENTRY_ROWS), is read again from the first one. Reset
                # before the VACUUM, and owed until after it (`last` -1: the next index
                # read resets it again, `_index_new_entries`), so a store busy once the
                # VACUUM is done never skips it (REV-S10B L2).
                await self._db.run(lambda db: _in_transaction(db, _owe_entry_rows_reset))
                await self._db.run(lambda db: take_write_lock(db, "VACUUM"))
                await self._db.run(lambda db: _in_transaction(db, _reset_entry_rows))
                return await self._db.run(empty_log)  # waits off the loop, as the VACUUM
            except (sqlite3.OperationalError, StoreBusy):  # another connection writes or reads
                return False

    async def write(self, fn: Callable[[sqlite3.Connection], T], *, sends: bool = False) -> T:
        """`fn(connection)` inside BEGIN IMMEDIATE ... COMMIT, in one hand-off to the store's
        thread (a transaction of several statements without one hand-off per statement).
        If `fn` raises, the transaction is rolled back and the error propagates. `sends`:
        `fn` puts records in the outbox (`insert_new_documents`): `on_outbox` is called once
        it committed."""
        async with self._lock:
            self._counted.clear()
            try:
                result = await self._db.run(lambda db: _in_transaction(db, fn), write=True)
            except BaseException:
                self._counted.clear()
                raise
            self._counting.update(self._counted)  # committed: what it read still holds
            self._counted.clear()
        if sends:
            self._told_sends()
        return result

    def counting_state(
        self,
        db: sqlite3.Connection,
        journal_id: bytes,
        count: int = 1,
        *,
        journals_as_of: tuple[int, int] | None = None,
    ) -> tuple[int, tuple[Cover, ...], dict[Key, DeviceCounters]]:
        """Inside `write`'s transaction: this device's next counter in the journal (the
        first of `count` taken at once, for that many records in a row), the counters it
        withdrew since its last record there (taken: the next record carries them), and
        what it knows of every device's counters (for the seen vector; read-only).

        `journals_as_of`: the version of a journal list the write acted on without reading
        the store (`cached_journals`); raises JournalsChanged (the transaction then rolls
        back, nothing written) when the journals table moved since, another process's
        commit included. Checked in the same statement that takes the counter.

        The counter is taken in the database every time (a record's counter is never used
        twice, whatever crashes). The other two are read from the database only when its
        withdrawn counters or device counters changed since this connection last read them
        in a committed write that left nothing withdrawn (`_changes`: any change of this
        connection, a commit of another process's): else nothing was withdrawn since, and
        the counters read then hold. Withdrawals past one record's covers stay withdrawn,
        and the next write reads them again (not cached): each record carries what fits
        until none is left (protocol.md 4.15, "Within the limits")."""
        counter, now, journals = _take_counters(db, journal_id, self.device, count)
        if journals_as_of is not None and journals != journals_as_of:
            raise JournalsChanged(journal_id)
        cached = self._counting.get(journal_id)
        if cached is not None and cached[0] == now:
            return counter, (), cached[1]
        withdrawn, more = _take_withdrawn_part(db, journal_id)
        counters = _journal_counters(db, journal_id)
        if not more:  # else the next write reads (and carries) the rest: protocol.md 4.15
            after = _changes(db)["counting"] if withdrawn else now  # taking them moved it
            self._counted[journal_id] = (after, counters)
        return counter, withdrawn, counters

    async def _all(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        async with self._lock:
            rows = await self._db.execute_fetchall(sql, tuple(params))  # one thread hop
            return list(rows)

    async def _kept_rows(
        self, group: str, sql: str, as_of: tuple[int, int] | None = None
    ) -> tuple[Any, ...]:
        """The rows `sql` reads (a statement without parameters reading only the tables of
        WATCHED `group`), kept in memory until this connection changes those tables or
        another connection commits (`_changes`): never what the tables no longer hold. A
        sync reads these at every push and pull (issue 10). `as_of` as in `setting`."""
        cached = self._rows.get(sql)
        if cached is not None and not self._lock.locked():
            # Without the lock or a call on the connection (as `version` answers): the
            # counts read last, while `as_of` holds, or while this connection changed no
            # row and no connection committed since they were read (the log's header).
            idle = self._db.idle_connection()
            if idle is not None:
                kept = self._read_as_of(idle, as_of) if as_of is not None else None
                kept = kept or self._unchanged(idle)
                if kept is not None and cached[0] == kept[group]:
                    return cached[1]

        def read(db: sqlite3.Connection) -> tuple[Any, ...]:
            now = self._now(db, as_of)[group]
            cached = self._rows.get(sql)
            if cached is not None and cached[0] == now:
                return cached[1]
            rows = tuple(db.execute(sql).fetchall())
            if not db.in_transaction:  # a count seen inside one may be rolled back
                self._rows[sql] = (now, rows)
            return rows

        async with self._lock:
            return await self._db.run(read)

    async def _kept_rows_together(
        self, group: str, sqls: tuple[str, ...], as_of: tuple[int, int] | None = None
    ) -> tuple[tuple[Any, ...], ...]:
        """`_kept_rows` of each of `sqls` (statements of the same WATCHED `group`), in that
        order: those not kept are read in one call on the connection, not one each."""
        kept_rows = [self._rows.get(sql) for sql in sqls]
        if not self._lock.locked() and all(c is not None for c in kept_rows):
            idle = self._db.idle_connection()  # as `_kept_rows`
            if idle is not None:
                kept = self._read_as_of(idle, as_of) if as_of is not None else None
                kept = kept or self._unchanged(idle)
                if kept is not None and all(
                    c is not None and c[0] == kept[group] for c in kept_rows
                ):
                    return tuple(c[1] for c in kept_rows if c is not None)

        def read(db: sqlite3.Connection) -> tuple[tuple[Any, ...], ...]:
            now = self._now(db, as_of)[group]
            found = []
            for sql in sqls:
                cached = self._rows.get(sql)
                if cached is not None and cached[0] == now:
                    found.append(cached[1])
                    continue
                rows = tuple(db.execute(sql).fetchall())
                if not db.in_transaction:  # a count seen inside one may be rolled back
                    self._rows[sql] = (now, rows)
                found.append(rows)
            return tuple(found)

        async with self._lock:
            return await self._db.run(read)

    async def version(self, since: tuple[int, int] | None = None) -> tuple[int, int]:
        """A value that changes whenever the store's contents may have: rows this connection
        inserted, updated or deleted (even in a transaction later rolled back), and commits
        by other connections, another process's included (PRAGMA data_version; not even
        that while the log's header, Database.log_state, is as when the counts kept were
        read: no statement). Read under the store's lock, so never inside another caller's
        open transaction, or without it when nothing is under way and nothing changed.
        Equal versions mean equal contents: a result computed from the store alone can be
        reused.

        `since`: a version this caller read before (in the same sync, say), returned as it is
        (no statement) while this connection changed no row since it was read; commits of
        other connections meanwhile are seen by the next read without `since`, as those just
        after this call would be. The reads that take `as_of` work the same way: a sync reads
        the version once at its start, and a sync with nothing to do reads nothing else."""

        if not self._lock.locked():
            # The common case, without the lock or a call on the connection (issue 10: a
            # sync asks three times): no caller is in the store, no worker call is running,
            # and this connection changed no row since `since` was read, or (without
            # `since`) none since the counts kept were read and no other committed.
            db = self._db.idle_connection()
            if db is None:
                pass
            elif since is not None and self._read_as_of(db, since) is not None:
                return since
            elif (kept := self._unchanged(db)) is not None:
                return db.total_changes, _data_version(kept)  # as `_version_as_of` would
        async with self._lock:
            return await self._db.run(lambda db: self._version_as_of(db, since))

    def _unchanged(self, db: sqlite3.Connection) -> dict[str, tuple[int, int]] | None:
        """The counts read last, when this connection changed no row since, is in no
        transaction, and no connection committed since (the log's header as it was then:
        Database.log_state); else None. No statement: the first read of a sync with
        nothing to do (issue 10)."""
        read = self._read
        if read is None or db.in_transaction or read[0] != db.total_changes:
            return None
        log = self._db.log_state()
        return read[1] if log is not None and log == self._log_at_read else None

    def _idle_as_of(self, as_of: tuple[int, int] | None) -> dict[str, tuple[int, int]] | None:
        """The counts read last (`_read_as_of`) when `as_of` still holds and no caller is in
        the store nor any worker call running: what a read `as_of` finds kept in memory can
        then be served on the loop's thread without the lock or a call on the connection,
        as `version(since=...)` does (issue 10: a sync with nothing to do asked the store
        six times more after its pull, each a call); or, `as_of` stale, the counts read
        since while they stand (`_unchanged`). None otherwise."""
        if as_of is None or self._lock.locked():
            return None
        db = self._db.idle_connection()
        if db is None:
            return None
        # `as_of` made stale by this connection's own write since (a sync that pushed): the
        # counts read after it stand while it changed no row more and no connection
        # committed (the log's header), as `_now` finds them, without the lock or a call
        return self._read_as_of(db, as_of) or self._unchanged(db)

    def _now(
        self, db: sqlite3.Connection, as_of: tuple[int, int] | None
    ) -> dict[str, tuple[int, int]]:
        """`_changes`, or those read last when `as_of` is that read's version and this
        connection changed nothing since (see `version`), or when, whatever `as_of`, this
        connection changed nothing since and no other connection committed (`PRAGMA
        data_version`, the cheaper read: a sync that wrote asks again as of its first
        version, stale by then, about eleven times a push; issue 10). Kept when read outside
        a transaction (a count seen inside one may be rolled back)."""
        read = self._read
        if as_of is not None and (kept := self._read_as_of(db, as_of)) is not None:
            return kept
        idle = not db.in_transaction
        # Read before any statement: a commit after it changes it, and the next read looks.
        log = self._db.log_state() if idle else None
        if read is not None and idle and read[0] == db.total_changes:
            # This connection changed no row since that read (its counts stand, a rollback's
            # included: total_changes counts the rows rolled back too) and no other committed
            # since: the log's header as it was then (no statement at all: every sync's
            # first read, issue 10), or else data_version, the cheaper read of the two, as
            # for every read as of a version this connection's own writes made stale since.
            if log is not None and log == self._log_at_read:
                return read[1]
            if db.execute(DATA_VERSION_READ).fetchone()[0] == _data_version(read[1]):
                self._log_at_read = log
                return read[1]
        changes = _changes(db)
        if idle:
            self._read = (db.total_changes, changes)
            self._log_at_read = log
        return changes

    def _read_as_of(
        self, db: sqlite3.Connection, as_of: tuple[int, int]
    ) -> dict[str, tuple[int, int]] | None:
        """The counts read last, when `as_of` is that read's version and this connection
        changed no row since and is in no transaction; else None (see `version`)."""
        read = self._read
        if (
            read is not None
            and not db.in_transaction
            and read[0] == db.total_changes == as_of[0]
            and _data_version(read[1]) == as_of[1]
        ):
            return read[1]
        return None

    def _version_as_of(
        self, db: sqlite3.Connection, as_of: tuple[int, int] | None
    ) -> tuple[int, int]:
        total = db.total_changes  # before the read: a version never newer than what it names
        return total, _data_version(self._now(db, as_of))

    async def setting(
        self, name: str, default: Any = None, *, as_of: tuple[int, int] | None = None
    ) -> Any:
        """A setting's value, or `default`. `as_of` (a `version` this caller read): kept in
        memory until this connection or another changes the settings table (`_changes`), and
        read as of that version (see `version`)."""
        if as_of is None:
            rows = await self._all("SELECT value FROM settings WHERE name = ?", (name,))
            return rows[0][0] if rows else default
        kept = self._idle_as_of(as_of)
        if kept is not None:
            cached = self._settings.get(name)
            if cached is not None and cached[0] == kept["settings"]:
                return cached[1][0] if cached[1] else default

        def read(db: sqlite3.Connection) -> tuple[Any, ...]:
            now = self._now(db, as_of)["settings"]
            cached = self._settings.get(name)
            if cached is not None and cached[0] == now:
                return cached[1]
            row = db.execute("SELECT value FROM settings WHERE name = ?", (name,)).fetchone()
            found = tuple(row) if row else ()
            if not db.in_transaction:
                self._settings[name] = (now, found)
            return found

        async with self._lock:
            found = await self._db.run(read)
        return found[0] if found else default

    async def own_removals(
        self, *, as_of: tuple[int, int] | None = None
    ) -> dict[bytes, dict[bytes, int]]:
        """The records this device sealed that left their document removed and whose bytes
        no pull served back yet (sync.OWN_REMOVALS; table `own_removals`, a row each, so a
        deletion writes one row, not the whole list: rev32c F4), as journal id -> {record
        id: 0} (the server's `seq` is read apart: `own_records_due`). `as_of` as in
        `setting` (the table's changes count as the settings'). With them, those of the
        setting an earlier version writes: a `tj` before the table, deleting while this
        process has the store open, writes only the setting, moved into the table at an
        opening when no other process has the store open (rev33b F3)."""
        rows = await self._counted_rows(_OWN_REMOVALS_KEY, OWN_REMOVALS_READ, as_of)
        found: dict[bytes, dict[bytes, int]] = {}
        for journal_id, record_id, earlier in rows:
            if earlier is None:
                found.setdefault(bytes(journal_id), {})[bytes(record_id)] = 0
            for listed, records_ in decode_own_snapshots(earlier).items():  # the setting
                found.setdefault(listed, {}).update(dict.fromkeys(records_, 0))
        return found

    async def _counted_rows(
        self, key: str, query: str, as_of: tuple[int, int] | None, params: tuple[Any, ...] = ()
    ) -> tuple[Any, ...]:
        """The rows of `query` with `params` (of tables counted as the settings), kept as
        `setting` keeps a setting's value (under `key`, which names no setting)."""
        if as_of is None:
            return tuple(await self._all(query, params))
        kept = self._idle_as_of(as_of)
        if kept is not None:
            cached = self._settings.get(key)
            if cached is not None and cached[0] == kept["settings"]:
                return cached[1]

        def read(db: sqlite3.Connection) -> tuple[Any, ...]:
            now = self._now(db, as_of)["settings"]
            cached = self._settings.get(key)
            if cached is not None and cached[0] == now:
                return cached[1]
            found = tuple(tuple(row) for row in db.execute(query, params))
            if not db.in_transaction:
                self._settings[key] = (now, found)
            return found

        async with self._lock:
            return await self._db.run(read)

    async def forget_own_removals(
        self, dropped: Collection[tuple[bytes, bytes]], on_device: Collection[bytes]
    ) -> None:
        """`own_removals` without the (journal id, record id) `dropped` and the rows of
        journals not in `on_device`, in one write transaction; the setting an earlier
        version writes (`own_removals`) without them too, the rest of it kept for that
        version (its pulls read only the setting)."""

        def forget(db: sqlite3.Connection) -> None:
            _earlier_own_removals_without(db, set(dropped), on_device)
            db.executemany(
                "DELETE FROM own_removals WHERE journal_id = ? AND record_id = ?", list(dropped)
            )
            listed = db.execute("SELECT DISTINCT journal_id FROM own_removals").fetchall()
            db.executemany(
                "DELETE FROM own_removals WHERE journal_id = ?",
                [(bytes(j),) for (j,) in listed if bytes(j) not in on_device],
            )

        await self.write(forget)

    async def settings(
        self, names: Sequence[str], *, as_of: tuple[int, int] | None = None
    ) -> dict[str, Any]:
        """The value of each of `names` that is set, read by one statement: one state of the
        store, never one setting from before another process's write and one from after.
        `as_of` as in `setting`: kept in memory, all together, until this connection or
        another changes the settings table."""
        marks = ", ".join("?" * len(names))
        rows = await self._counted_rows(
            "\0settings\0" + "\0".join(names),  # `_counted_rows`' key: no setting's name
            f"SELECT name, value FROM settings WHERE name IN ({marks})",
            as_of,
            tuple(names),
        )
        return {str(name): value for name, value in rows}

    async def waiting(self, as_of: tuple[int, int] | None = None) -> tuple[tuple[int, int], bool]:
        """The store's `version`, and whether anything waits to be sent at it: a record in
        the outbox, a journal to create on the server, a counter to withdraw, a change set
        aside that is sent again at every sync (sync.TRIED_AGAIN). Read again only
        once their tables changed (`_changes`); `as_of` as in `version`."""

        def read(db: sqlite3.Connection) -> tuple[tuple[int, int], bool]:
            total = db.total_changes
            changes = self._now(db, as_of)
            now = changes["waiting"]
            if self._waiting is not None and self._waiting[0] == now:
                return (total, _data_version(changes)), self._waiting[1]
            # The outbox, which a write and a push change, is looked at; the other tables
            # only once they changed (issue 10: three statements more after every push).
            waits = db.execute("SELECT 1 FROM outbox LIMIT 1").fetchone() is not None
            if not waits:
                key = (changes["pending"], changes["withdrawn"], changes["set_aside"])
                if self._waiting_rest is not None and self._waiting_rest[0] == key:
                    others, aside = self._waiting_rest[1]
                else:
                    others = any(
                        db.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone()
                        for table in WAITING_TABLES
                        if table != "outbox"
                    )
                    aside = db.execute("SELECT 1 FROM set_aside LIMIT 1").fetchone() is not None
                    if not db.in_transaction:
                        self._waiting_rest = (key, (others, aside))
                # what is set aside is sent again by its document's kind: read while any is
                waits = others or (aside and bool(db.execute(TRIED_AGAIN_WAITING).fetchone()))
            if not db.in_transaction:
                self._waiting = (now, waits)
            return (total, _data_version(changes)), waits

        async with self._lock:
            return await self._db.run(read)

    def cached_journals(self) -> tuple[list[LocalJournal], tuple[int, int]] | None:
        """The journal list as `journals` last read it and its version, without reading the
        store (None before the first read): it may be out of date (another process may have
        changed the journals since). A write that acts on it hands the version to
        `counting_state` (`journals_as_of`), which checks it inside the write's transaction
        (issue 10: a write need not read the journals' version a second time)."""
        if self._journals is None:
            return None
        return list(self._journals[1]), self._journals[0]

    def settings_with_journals(self) -> tuple[int, int] | None:
        """The settings' count (`_changes`: it moves at every write of the settings table,
        any connection's) of the store's state the last `journals` answer was of; None
        before, or when it was read in a transaction. With `cached_journals`' version, it
        names what a value derived from both the journal list and settings was derived
        from (`Context.chosen_default`)."""
        return self._settings_with_journals

    def last_journals(self) -> list[LocalJournal]:
        """The journal list as last read from the database (in a transaction or not; [] before
        the first read), without reading it: the same list object until the next read, which
        a caller may keep as the key of what it derived from it (`Replica.owner_label`).
        Never to be changed by the caller."""
        return self._last_journals

    async def belongs_to(self, account: bytes) -> bool | None:
        """Whether the store is `account`'s (account id), for a sign-in over a store left
        with no profile (a deletion stopped halfway, a profile removed by hand), which adopts
        it only when it is: by the account id the store records (ACCOUNT_ID, set when the
        store is opened for a profile), else, for a store written before it was recorded,
        True when it holds an own journal (role "owner") of `account` and none of another
        account, False when it holds any other journal (another account's, or one whose
        account cannot be told: a store holding only journals shared with it proves nothing
        of whose it is, as the key envelopes it holds are what the server listed), and None
        when it holds no journal at all (whose it is cannot be told: `orphan_unsent` then
        decides)."""

        def read(db: sqlite3.Connection) -> bool | None:
            recorded = _recorded_account(db)
            if recorded is not None:
                return recorded == account
            owners = {
                bytes(row[0])
                for row in db.execute("SELECT owner_id FROM journals WHERE role = 'owner'")
            }
            if owners:
                return owners == {account}
            if db.execute("SELECT 1 FROM journals LIMIT 1").fetchone() is not None:
                return False
            return None

        async with self._lock:
            return await self._db.run(read)

    async def recorded_username(self) -> str | None:
        """The username of the account whose store this is (ACCOUNT_USERNAME), None when the
        store records none (written before it was recorded, or never opened for a
        profile)."""

        def read(db: sqlite3.Connection) -> str | None:
            row = db.execute(
                "SELECT value FROM settings WHERE name = ?", (ACCOUNT_USERNAME,)
            ).fetchone()
            return row[0] if row is not None and isinstance(row[0], str) and row[0] else None

        async with self._lock:
            return await self._db.run(read)

    async def journals(self, *, as_of: tuple[int, int] | None = None) -> list[LocalJournal]:
        """The journals on this device, by name (ignoring case). Read from the database only
        when the journals table may have changed since the last read (`_changes`: a change
        by this connection, a commit of another, another process's included); else the list
        read then, which is what the table holds. `as_of` as in `version`."""
        kept = self._idle_as_of(as_of)
        if kept is not None and self._journals is not None:
            if self._journals[0] == kept["journals"]:
                self._settings_with_journals = kept["settings"]
                return list(self._journals[1])
        async with self._lock:
            return list(await self._db.run(lambda db: self._read_journals(db, as_of)))

    def _read_journals(
        self, db: sqlite3.Connection, as_of: tuple[int, int] | None = None
    ) -> list[LocalJournal]:
        now = self._now(db, as_of)
        version = now["journals"]
        self._settings_with_journals = None if db.in_transaction else now["settings"]
        if self._journals is not None and self._journals[0] == version:
            return self._journals[1]
        rows = db.execute(
            "SELECT journal_id, owner_id, role, epoch, name, meta_version, cursor, owner_name, "
            "expires_at, meta, named_at FROM journals ORDER BY name COLLATE NOCASE"
        ).fetchall()
        found = [LocalJournal(bytes(r[0]), bytes(r[1]), *r[2:]) for r in rows]
        self._last_journals = found
        # Never what an open transaction shows: after a rollback, a later commit may bring
        # the count back to the one it showed, with other rows.
        self._journals = None if db.in_transaction else (version, found)
        return found

    async def own_before(
        self, *, as_of: tuple[int, int] | None = None
    ) -> dict[bytes, tuple[int, bool]]:
        """Per journal removed here (its copy discarded or forgotten, its records with it)
        and back, in which this device id had drawn counters before (`put_journal`): the
        highest of them, whose records only the server holds now, and whether a pull still
        asks the journal's records whole, never this device's own as stubs (protocol.md
        "Own records as stubs"), as it does until one reaches the journal's head
        (`own_records_pulled`). Read from the database only when a journal's row was added
        or removed, or those two columns written, since the last read (`_changes`, its
        `own_marks`: not at every pull that moves a cursor). `as_of` as in `version`."""
        kept = self._idle_as_of(as_of)
        if kept is not None and self._own_marks is not None:
            if self._own_marks[0] == kept["own_marks"]:
                return dict(self._own_marks[1])
        async with self._lock:
            return dict(await self._db.run(lambda db: self._read_own_before(db, as_of)))

    def _read_own_before(
        self, db: sqlite3.Connection, as_of: tuple[int, int] | None = None
    ) -> dict[bytes, tuple[int, bool]]:
        version = self._now(db, as_of)["own_marks"]
        if self._own_marks is not None and self._own_marks[0] == version:
            return self._own_marks[1]
        rows = db.execute(
            "SELECT journal_id, own_before, own_not_held FROM journals WHERE own_before > 0"
        ).fetchall()
        found = {bytes(row[0]): (int(row[1]), bool(row[2])) for row in rows}
        # Never what an open transaction shows (as `_read_journals`).
        self._own_marks = None if db.in_transaction else (version, found)
        return found

    async def own_records_pulled(self, journal_id: bytes) -> None:
        """A pull that asked no stubs reached the journal's head: this device now holds
        what the server served of its own records there (`own_before`)."""
        await self.write(
            lambda db: db.execute(
                "UPDATE journals SET own_not_held = 0 WHERE journal_id = ? AND own_not_held != 0",
                (journal_id,),
            )
        )

    async def journals_holding_only(self, kind: str) -> set[bytes]:
        """Ids of the journals whose documents on this device are all of `kind` (at least
        one), e.g. the journals a client made to share a brief (brief.BRIEF)."""
        rows = await self._all(
            "SELECT journal_id FROM documents GROUP BY journal_id "
            "HAVING MIN(kind) = ? AND MAX(kind) = ?",
            (kind, kind),
        )
        return {bytes(r[0]) for r in rows}

    async def journals_holding_any(self) -> set[bytes]:
        """Ids of the journals holding at least one document on this device."""
        rows = await self._all("SELECT DISTINCT journal_id FROM documents")
        return {bytes(r[0]) for r in rows}

    async def journals_holding(self, kind: str) -> set[bytes]:
        """Ids of the journals holding at least one document of `kind` on this device; of a
        WATCHED_KINDS kind kept in memory until a document of that kind changes."""
        if kind in WATCHED_KINDS:  # a constant: no value of a caller's in the statement
            sql = f"SELECT DISTINCT journal_id FROM documents WHERE kind = '{kind}'"
            return {bytes(r[0]) for r in await self._kept_rows(f"kind_{kind}", sql)}
        rows = await self._all("SELECT DISTINCT journal_id FROM documents WHERE kind = ?", (kind,))
        return {bytes(r[0]) for r in rows}

    async def put_setting(
        self, name: str, value: Any
    ) -> tuple[tuple[int, int], tuple[int, int]] | None:
        """Set one setting in its own transaction. Returns the store's version before and
        after it when this write alone moved it (no other connection committed meanwhile),
        so that what was computed from the rest of the store at `before` (a clean
        withholding check) still holds at `after`; else None."""

        def write(db: sqlite3.Connection) -> tuple[tuple[int, int], tuple[int, int]] | None:
            before = _version(db)
            _in_transaction(db, lambda c: c.execute(SET_SETTING, (name, value)).close())
            after = _version(db)
            return (before, after) if after[1] == before[1] else None

        async with self._lock:
            return await self._db.run(write)

    async def settle_setting(
        self, flag: str, name: str, decide: Callable[[list[LocalJournal]], str | None]
    ) -> None:
        """Once per store: while the setting `flag` is not set, set `name` to
        `decide(journals)` (the journals this store holds then) unless `name` is set or that
        gives None, and set `flag` to that value (else 1), in one write transaction, so that
        a journal list another process on this profile stores meanwhile is either all before
        or all after it. Nothing is written once `flag` is set (one read)."""
        if await self.setting(flag) is not None:
            return

        def settle(db: sqlite3.Connection) -> None:
            if db.execute("SELECT 1 FROM settings WHERE name = ?", (flag,)).fetchone():
                return
            if not db.execute("SELECT 1 FROM settings WHERE name = ?", (name,)).fetchone():
                rows = db.execute(
                    "SELECT journal_id, owner_id, role, epoch, name, meta_version, cursor, "
                    "owner_name, expires_at, meta, named_at FROM journals"
                ).fetchall()
                value = decide([LocalJournal(bytes(r[0]), bytes(r[1]), *r[2:]) for r in rows])
                if value is not None:
                    db.execute(SET_SETTING, (name, value)).close()
                    db.execute(SET_SETTING, (flag, value)).close()
                    return
            db.execute(SET_SETTING, (flag, 1)).close()

        async with self._lock:
            await self._db.run(lambda db: _in_transaction(db, settle))

    async def merge_setting(
        self, name: str, merge: Callable[[Any, dict[bytes, int]], Any]
    ) -> tuple[tuple[int, int], tuple[int, int]] | None:
        """Read a setting and write `merge(value, cursors)` back in one write transaction,
        so that nothing another connection (another process on this profile) commits in
        between is overwritten: `value` is the stored one (None: not set), `cursors` every
        journal on this device (the copies of ended shares included) with its cursor, as
        read in that transaction. Nothing is written when the result equals `value`.
        Returns what `put_setting` returns, or None when nothing was written."""
        return await self.merge_settings(
            (name,), lambda values, cursors: {name: merge(values[name], cursors)}
        )

    async def merge_settings(
        self,
        names: Sequence[str],
        merge: Callable[[dict[str, Any], dict[bytes, int]], dict[str, Any]],
    ) -> tuple[tuple[int, int], tuple[int, int]] | None:
        """`merge_setting` for several settings at once: `merge` gets each of `names` with
        its stored value (None: not set) and `cursors`, all read in one write transaction,
        and returns the values to write (a setting it leaves out, or returns as it was, is
        not written; None deletes it). One step: a cancel or a crash leaves all of them
        as they were, or all written (REV-NEWS3 F1). Returns what `put_setting` returns,
        or None when nothing was written."""

        def change(db: sqlite3.Connection) -> bool:
            values = {}
            for name in names:
                row = db.execute("SELECT value FROM settings WHERE name = ?", (name,)).fetchone()
                values[name] = row[0] if row else None
            cursors = {
                bytes(journal_id): int(cursor)
                for journal_id, cursor in db.execute("SELECT journal_id, cursor FROM journals")
            }
            merged = merge(dict(values), cursors)
            written = False
            for name, value in merged.items():
                if name not in values or value == values[name]:
                    continue
                if value is None:
                    db.execute("DELETE FROM settings WHERE name = ?", (name,)).close()
                else:
                    db.execute(SET_SETTING, (name, value)).close()
                written = True
            return written

        def write(db: sqlite3.Connection) -> tuple[tuple[int, int], tuple[int, int]] | None:
            before = _version(db)
            if not _in_transaction(db, change):
                return None
            after = _version(db)
            return (before, after) if after[1] == before[1] else None

        async with self._lock:
            return await self._db.run(write)

    async def peer(self, account_id: bytes) -> Peer | None:
        rows = await self._all(
            "SELECT account_id, username, sign_public_key, box_public_key, verified FROM peers "
            "WHERE account_id = ?",
            (account_id,),
        )
        return [_peer(r) for r in rows][0] if rows else None

    async def peer_verifications(self, account_id: bytes) -> list[PeerVerification]:
        """The keys of the account this device marked verified, and those of its pin a verify
        of another account under its username replaced, verified or not (`PeerVerification`:
        `peer.verified` says which)."""
        rows = await self._all(
            "SELECT account_id, username, sign_public_key, box_public_key, verified_at, "
            "replaced_at, verified FROM peer_verifications WHERE account_id = ?",
            (account_id,),
        )
        return [
            PeerVerification(
                Peer(bytes(r[0]), r[1], bytes(r[2]), bytes(r[3]), bool(r[6])),
                int(r[4]),
                int(r[5]),
            )
            for r in rows
        ]

    async def replaced_under(self, username: str) -> list[Peer]:
        """The pins, verified or not, of accounts that bore `username` here and whose pin a
        verify of another account under it replaced (`PeerVerification.replaced_at`)."""
        rows = await self._all(
            "SELECT account_id, username, sign_public_key, box_public_key, verified FROM "
            "peer_verifications WHERE username = ? AND replaced_at > 0",
            (username,),
        )
        return [_peer(r) for r in rows]

    async def replaced_pins(self) -> dict[bytes, str]:
        """The accounts (id -> username) whose pin, verified or pinned on first use, a verify
        of another account under their username replaced (`PeerVerification.replaced_at`)."""
        rows = await self._kept_rows(
            "peers",
            "SELECT DISTINCT account_id, username FROM peer_verifications WHERE replaced_at > 0",
        )
        return {bytes(r[0]): str(r[1]) for r in rows}

    async def replaced_verified(self) -> set[bytes]:
        """Accounts whose verified pin a verify of another account under the same username
        replaced (`PeerVerification.replaced_at`)."""
        rows = await self._kept_rows(
            "peers",
            "SELECT DISTINCT account_id FROM peer_verifications WHERE replaced_at > 0 "
            "AND verified = 1",
        )
        return {bytes(r[0]) for r in rows}

    async def peers(self, *, as_of: tuple[int, int] | None = None) -> list[Peer]:
        """The accounts pinned on this device. `as_of` (a `version` this caller read): kept
        in memory until this connection or another changes the peers table (`_changes`),
        and read as of that version (see `version`)."""
        sql = "SELECT account_id, username, sign_public_key, box_public_key, verified FROM peers"
        return [_peer(r) for r in await self._kept_rows("peers", sql, as_of)]

    async def docs_sealed_in(self, journal_id: bytes, epochs: Iterable[int]) -> set[bytes]:
        """The documents of which this device holds a record (pulled or its own) sealed
        under one of `epochs`."""
        wanted = sorted(set(epochs))
        found: set[bytes] = set()
        for chunk, marks in _in_chunks(wanted):
            rows = await self._all(
                "SELECT DISTINCT doc_id FROM seen_records WHERE journal_id = ? "
                f"AND doc_id IS NOT NULL AND epoch IN ({marks})",
                (journal_id, *chunk),
            )
            found.update(bytes(row[0]) for row in rows)
        return found

    async def made_epoch(self, doc_id: bytes) -> int | None:
        """The earliest key epoch of a record of the document's creator (`creators`) that
        this device holds (pulled, or written here): the epoch it was made under, sealed in
        each record's associated data and verified when applied, so neither its author's
        clock nor the server chooses it. None when no such record with its epoch is kept."""
        rows = await self._all(
            "SELECT min(s.epoch) FROM seen_records s JOIN documents d ON d.doc_id = s.doc_id "
            "WHERE s.doc_id = ? AND s.author = d.creator AND s.epoch IS NOT NULL",
            (doc_id,),
        )
        found = list(rows)[0][0] if rows else None
        return int(found) if found is not None else None

    async def creators(self, doc_ids: list[bytes]) -> dict[bytes, bytes]:
        found: dict[bytes, bytes] = {}
        for chunk, marks in _in_chunks(doc_ids):
            rows = await self._all(
                "SELECT doc_id, creator FROM documents WHERE creator IS NOT NULL AND doc_id IN "
                f"({marks})",
                chunk,
            )
            found.update((bytes(r[0]), bytes(r[1])) for r in rows)
        return found

    async def pending_journals(self) -> list[tuple[bytes, bytes]]:
        """(journal id, encoded JournalCreateRequest) of journals created on this device
        that the server does not hold yet, oldest first."""
        rows = await self._kept_rows(
            "pending", "SELECT journal_id, request FROM pending_journals ORDER BY position"
        )
        return [(bytes(r[0]), bytes(r[1])) for r in rows]

    async def field_writes(self, doc_id: bytes) -> list[tuple[str, str, int]]:
        """(field, JSON value, ms) this device wrote to a document's fields, oldest first."""
        rows = await self._all(
            "SELECT field, value, at FROM field_writes WHERE doc_id = ? ORDER BY rowid", (doc_id,)
        )
        return [(str(r[0]), str(r[1]), int(r[2])) for r in rows]

    async def history(self, doc_id: bytes, kind: str) -> list[FieldWrite]:
        """The values this device wrote to the settling fields of a document of `kind`
        (settling.py), oldest first: those given at its creation kept on its row
        (CREATED_VALUES), then its field writes but the marks kept beside them (`settling.is_mark`).
        What `history` of entries, goals, homework and the safety plan returns."""
        rows = await self._all(
            f"SELECT {CREATED_VALUES} FROM documents WHERE doc_id = ?", (doc_id,)
        )
        created = decode_created(rows[0][0]) if rows else []
        written = [
            (name, json.loads(value), at)
            for name, value, at in await self.field_writes(doc_id)
            if not is_mark(name)
        ]
        return [
            FieldWrite(doc_id.hex(), name, value, to_datetime(at), kind)
            for name, value, at in [*created, *written]
        ]

    async def created_values_kept(self, doc_ids: Iterable[bytes]) -> set[bytes]:
        """Those of `doc_ids` whose row keeps values given at their creation (CREATED_VALUES),
        read by the primary key in pages of FIELD_WRITE_PAGE ids."""
        wanted = list(dict.fromkeys(doc_ids))
        found: set[bytes] = set()
        for start in range(0, len(wanted), FIELD_WRITE_PAGE):
            page = wanted[start : start + FIELD_WRITE_PAGE]
            rows = await self._all(
                f"SELECT doc_id FROM documents WHERE {CREATED_VALUES} IS NOT NULL "
                f"AND doc_id IN ({', '.join('?' for _ in page)})",
                page,
            )
            found.update(bytes(row[0]) for row in rows)
        return found

    async def field_write_names(self, doc_ids: Iterable[bytes]) -> dict[bytes, set[str]]:
        """The names of the field writes this device keeps of each of `doc_ids` that has
        any (read by the index on doc_id, in pages of FIELD_WRITE_PAGE ids); none read while
        the table holds no row (known without a statement while it is unchanged: a device
        that writes no field reads nothing for a sync's arrivals, issue 10)."""
        wanted = list(dict.fromkeys(doc_ids))
        found: dict[bytes, set[str]] = {}
        if not wanted or not await self._kept_rows(
            "field_writes", "SELECT 1 FROM field_writes LIMIT 1"
        ):
            return found
        for start in range(0, len(wanted), FIELD_WRITE_PAGE):
            page = wanted[start : start + FIELD_WRITE_PAGE]
            rows = await self._all(
                "SELECT DISTINCT doc_id, field FROM field_writes "
                f"WHERE doc_id IN ({', '.join('?' for _ in page)})",
                page,
            )
            for doc_id, name in rows:
                found.setdefault(bytes(doc_id), set()).add(str(name))
        return found

    async def last_counter(self, doc_id: bytes, author: bytes, device: bytes) -> int:
        """The counter of the latest record (author, device) wrote to a document, 0 if none."""
        rows = await self._all(
            "SELECT max(counter) FROM seen_records WHERE doc_id = ? AND author = ? AND device = ?",
            (doc_id, author, device),
        )
        return int(rows[0][0] or 0) if rows else 0

    async def marked_documents(
        self, name: str, *, as_of: tuple[int, int] | None = None
    ) -> list[bytes]:
        """The documents with a field write `name` (a mark: settling.TAGS_ARRIVED), in the
        order marked. `as_of` (a `version` this caller read): that there are none is kept in
        memory until the table changes, as `unsynced_field_writes` keeps it (issue 10: a
        sync that brought nothing reads nothing)."""
        kept = self._idle_as_of(as_of)
        if kept is not None and self._no_marks.get(name) == kept["field_writes"]:
            return []

        def read(db: sqlite3.Connection) -> list[bytes]:
            now = self._now(db, as_of)["field_writes"] if as_of is not None else None
            if now is not None and self._no_marks.get(name) == now:
                return []
            rows = db.execute(MARKED_DOCUMENTS, (name,)).fetchall()
            found = list(dict.fromkeys(bytes(row[0]) for row in rows))
            if now is not None and not db.in_transaction:
                if found:
                    self._no_marks.pop(name, None)
                else:
                    self._no_marks[name] = now
            return found

        async with self._lock:
            return await self._db.run(read)

    async def unsynced_field_writes(
        self, *, as_of: tuple[int, int] | None = None
    ) -> dict[bytes, dict[str, tuple[str, int]]]:
        """doc id -> field -> (last JSON value, ms) of writes no change from another device
        has followed yet (settling.py). `as_of` (a `version` this caller read): that there
        are none is kept in memory until this connection or another changes the table
        (`_changes`), and read as of that version (see `version`)."""

        def read(db: sqlite3.Connection) -> dict[bytes, dict[str, tuple[str, int]]]:
            now = self._now(db, as_of)["field_writes"] if as_of is not None else None
            if now is not None and now == self._no_field_writes:
                return {}
            rows = db.execute(
                "SELECT doc_id, field, value, at FROM field_writes WHERE unsynced = 1 "
                "ORDER BY rowid"
            ).fetchall()
            found: dict[bytes, dict[str, tuple[str, int]]] = {}
            for doc_id, name, value, at in rows:
                found.setdefault(bytes(doc_id), {})[str(name)] = (str(value), int(at))
            if now is not None and not db.in_transaction:
                self._no_field_writes = None if found else now
            return found

        async with self._lock:
            return await self._db.run(read)

    async def refused_journals(self) -> dict[bytes, tuple[str, str]]:
        """journal id -> (code, reason) of pending journal creations the server refused for
        good: set aside, not sent again until `restore_set_aside`."""
        rows = await self._kept_rows(
            "refused", "SELECT journal_id, code, reason FROM refused_journals"
        )
        return {bytes(r[0]): (str(r[1]), str(r[2])) for r in rows}

    async def journal_keys(self) -> dict[tuple[bytes, int], bytes]:
        """Every key envelope this device holds, by (journal id, epoch): for a journal-list
        refresh, which reads them all once. One journal's are read with `key_envelope`."""
        rows = await self._all("SELECT journal_id, epoch, envelope FROM journal_keys")
        return {(bytes(r[0]), r[1]): bytes(r[2]) for r in rows}

    async def key_envelope(self, journal_id: bytes, epoch: int) -> bytes | None:
        """The envelope of the journal's `epoch` this device holds (None: none): one lookup
        by primary key, so reading a journal of E epochs is O(E) rows (R15 finding O3)."""
        rows = await self._all(
            "SELECT envelope FROM journal_keys WHERE journal_id = ? AND epoch = ?",
            (journal_id, epoch),
        )
        return bytes(rows[0][0]) if rows else None

    async def next_key_epoch(self, journal_id: bytes, epoch: int) -> int | None:
        """The first epoch above `epoch` of the journal whose envelope this device holds
        (None: none), by the primary key's index."""
        rows = await self._all(
            "SELECT min(epoch) FROM journal_keys WHERE journal_id = ? AND epoch > ?",
            (journal_id, epoch),
        )
        return int(rows[0][0]) if rows and rows[0][0] is not None else None

    async def documents(
        self, journal_id: bytes | None = None, kinds: Collection[str] | None = None
    ) -> list[StoredDocument]:
        """The documents of one journal (None: of every journal), with their state; with
        `kinds`, only those of these kinds (filtered in SQL: a safety plan or the flags of a
        journal of 10,000 entries are read without building every entry's row)."""
        where: list[str] = []
        params: list[bytes | str] = []
        if journal_id is not None:
            where.append("journal_id = ?")
            params.append(journal_id)
        if kinds is not None:
            wanted = sorted(set(kinds))
            where.append(f"kind IN ({', '.join('?' * len(wanted))})")
            params += wanted
        sql = "SELECT doc_id, journal_id, kind, state, waiting FROM documents"
        rows = await self._all(sql + (" WHERE " + " AND ".join(where) if where else ""), params)
        return [_stored_document(r) for r in rows]

    async def stale_entries(
        self, after: int = 0, limit: int = 2000
    ) -> list[tuple[int, StoredDocument]]:
        """Entries without a row in the index of entries (ENTRY_ROWS), each with its mark
        (`n`, for `Transaction.index_entries`), in the order marked, from the one after
        mark `after`, at most `limit`."""
        rows = await self._all(
            "SELECT s.n, d.doc_id, d.journal_id, d.kind, d.state, d.waiting "
            "FROM entry_rows_stale s JOIN documents d ON d.doc_id = s.doc_id "
            "WHERE s.n > ? ORDER BY s.n LIMIT ?",
            (after, limit),
        )
        return [(int(r[0]), _stored_document(r[1:])) for r in rows]

    async def entry_page(self, query: EntryQuery) -> EntryPage | None:
        """The entries `query` chooses, by the index of entries (ENTRY_ROWS): the first
        `query.limit` in order, with their rows and documents, and how many it chooses in
        all; all read in one snapshot of the store. None when an entry has no row (stale:
        `Transaction.index_entries` first), or `query` names too many journals for a
        statement."""
        journals = list(query.journal_ids)
        if len(journals) > IN_CHUNK // 2:
            return None
        async with self._lock:
            return await self._db.run(lambda db: _entry_page(db, query, journals))

    async def document_ids(self) -> list[tuple[bytes, bytes]]:
        """(journal id, document id) of every document, without their states."""
        rows = await self._all("SELECT journal_id, doc_id FROM documents")
        return [(bytes(r[0]), bytes(r[1])) for r in rows]

    async def documents_by_ids(self, doc_ids: list[bytes]) -> list[StoredDocument]:
        found: list[StoredDocument] = []
        for chunk, marks in _in_chunks(doc_ids):
            rows = await self._all(
                f"SELECT doc_id, journal_id, kind, state, waiting FROM documents WHERE doc_id IN "
                f"({marks})",
                chunk,
            )
            found.extend(_stored_document(r) for r in rows)
        return found

    async def documents_and_creators(
        self, doc_ids: list[bytes]
    ) -> tuple[dict[bytes, StoredDocument], dict[bytes, bytes]]:
        """The stored documents of `doc_ids` by id, and the creator of those that have one
        known, read together (one query per 500 ids, where `documents_by_ids` and `creators`
        take one each: a pull reads both for every page, issue 10)."""
        documents: dict[bytes, StoredDocument] = {}
        creators: dict[bytes, bytes] = {}
        for chunk, marks in _in_chunks(doc_ids):
            rows = await self._all(
                "SELECT doc_id, journal_id, kind, state, waiting, creator FROM documents "
                f"WHERE doc_id IN ({marks})",
                chunk,
            )
            for r in rows:
                document = _stored_document(r)
                documents[document.doc_id] = document
                if r[5] is not None:
                    creators[document.doc_id] = bytes(r[5])
        return documents, creators

    async def document(self, doc_id: bytes) -> StoredDocument | None:
        rows = await self._all(
            "SELECT doc_id, journal_id, kind, state, waiting FROM documents WHERE doc_id = ?",
            (doc_id,),
        )
        return _stored_document(rows[0]) if rows else None

    async def document_ids_with_prefix(self, prefix: bytes) -> list[bytes]:
        """Ids of the documents whose id starts with `prefix` (any length, b"" for all).

        A range of the primary key (BLOBs compare bytewise, memcmp), so a lookup reads a
        few index entries whatever the number of documents: `substr(doc_id, ...) = ?` read
        every row, 5-7 ms a lookup at 10,000 entries, on the way to every `entries.get`
        (issue 10: the live benchmark's follower reads each entry that arrives so)."""
        end = _after_prefix(prefix)
        if end is None:  # b"" or only 0xff bytes: no id sorts past the prefix's range
            rows = await self._all("SELECT doc_id FROM documents WHERE doc_id >= ?", (prefix,))
        else:
            rows = await self._all(
                "SELECT doc_id FROM documents WHERE doc_id >= ? AND doc_id < ?", (prefix, end)
            )
        return [bytes(r[0]) for r in rows]

    async def outbox(self, limit: int = 100_000) -> list[OutboxRecord]:
        rows = await self._all(
            "SELECT position, journal_id, record_id, epoch, ciphertext, doc_id FROM outbox "
            "ORDER BY position LIMIT ?",
            (limit,),
        )
        return [
            OutboxRecord(r[0], bytes(r[1]), bytes(r[2]), r[3], bytes(r[4]), _blob(r[5]))
            for r in rows
        ]

    async def outbox_by_id(self, journal_id: bytes, record_ids: list[bytes]) -> list[OutboxRecord]:
        """The outbox records of `journal_id` among `record_ids`, in write order."""
        found: list[OutboxRecord] = []
        for chunk, marks in _in_chunks(record_ids):
            rows = await self._all(
                "SELECT position, journal_id, record_id, epoch, ciphertext, doc_id FROM outbox "
                f"WHERE journal_id = ? AND record_id IN ({marks})",
                (journal_id, *chunk),
            )
            found += [
                OutboxRecord(r[0], bytes(r[1]), bytes(r[2]), r[3], bytes(r[4]), _blob(r[5]))
                for r in rows
            ]
        return sorted(found, key=lambda record: record.position)

    async def outbox_holds(self, doc_id: bytes) -> bool:
        """Whether a record of the document `doc_id` still waits in the outbox."""
        return bool(await self._all("SELECT 1 FROM outbox WHERE doc_id = ? LIMIT 1", (doc_id,)))

    async def authors_on_server(self, doc_id: bytes) -> set[bytes]:
        """The authors of the records of the document `doc_id` that the server acknowledged
        or served (empty: the server holds no version of it that others may read)."""
        rows = await self._all(
            "SELECT DISTINCT author FROM seen_records WHERE doc_id = ? AND seq IS NOT NULL "
            "AND author IS NOT NULL",
            (doc_id,),
        )
        return {bytes(r[0]) for r in rows}

    async def removed_on_server_by(self, doc_id: bytes, author: bytes) -> bool:
        """Whether the server served or acknowledged a record of `author` that itself marks
        the document `doc_id` deleted (`SeenRecord.removes`: kept for a journal owner's
        records in annotations other accounts created)."""
        rows = await self._all(
            "SELECT 1 FROM seen_records WHERE doc_id = ? AND author = ? AND seq IS NOT NULL "
            "AND removes = 1 LIMIT 1",
            (doc_id, author),
        )
        return bool(rows)

    async def waiting_documents(self) -> list[tuple[bytes, bytes | None]]:
        """(journal id, document id or None) of every record in the outbox and set aside,
        oldest first: what never reached the server, without the ciphertexts."""
        return [(bytes(r[0]), _blob(r[1])) for r in await self._all(WAITING_DOCUMENTS)]

    async def unsynced(self, copies: set[bytes], account_key: bytes) -> tuple[int, int]:
        """(Items with changes written here that never reached the server, as
        `unsynced.unsynced_changes` counts them, a journal created here that the server does
        not hold counting as one more; changes set aside), read in one call (`_unsynced`).
        `copies`: the ids of the journals this account keeps for a member (disclosure
        journals); `account_key` derives a copy's document id from its original's."""
        async with self._lock:
            return await self._db.run(lambda db: _unsynced(db, copies, account_key))

    async def unsynced_kinds(self, copies: set[bytes], account_key: bytes) -> dict[str, int]:
        """`unsynced`'s items by kind (`unsynced.unsynced_kinds`), a journal created here
        that the server does not hold counted under "journal"."""

        def count(db: sqlite3.Connection) -> dict[str, int]:
            waiting = [(bytes(r[0]), _blob(r[1])) for r in db.execute(WAITING_DOCUMENTS)]
            kinds: dict[bytes, str] = {}
            originals: list[bytes] = []  # a copy's kind is its original's: read them all
            if any(journal_id in copies for journal_id, _ in waiting):
                for row in db.execute("SELECT doc_id, journal_id, kind FROM documents"):
                    kinds[bytes(row[0])] = str(row[2])
                    if bytes(row[1]) not in copies:
                        originals.append(bytes(row[0]))
            for doc_id in {doc_id for _, doc_id in waiting if doc_id is not None} - set(kinds):
                found = db.execute("SELECT kind FROM documents WHERE doc_id = ?", (doc_id,))
                row = found.fetchone()
                if row is not None:
                    kinds[doc_id] = str(row[0])
            counted = unsynced_kinds(waiting, copies, originals, account_key, kinds)
            created = int(db.execute("SELECT count(*) FROM pending_journals").fetchone()[0])
            if created:
                counted["journal"] = counted.get("journal", 0) + created
            return counted

        async with self._lock:
            return await self._db.run(count)

    async def sendable(self, copies: set[bytes], account_key: bytes) -> int:
        """Of `unsynced`'s items, those a sync can still send: with a change waiting in the
        outbox, and each journal created here that the server does not hold; an item whose
        only unsent changes are set aside (refused for good) is not counted."""
        async with self._lock:
            return await self._db.run(
                lambda db: _unsynced(db, copies, account_key, OUTBOX_DOCUMENTS)[0]
            )

    async def end_for_logout(
        self,
        copies: set[bytes],
        account_key: bytes,
        allowed: int | None,
        because: str,
        *,
        owner_id: bytes = b"",
        copies_agreed: Collection[bytes] | None = None,
        not_copies: Collection[bytes] = (),
        named_flags: Collection[bytes] | None = None,
    ) -> LogoutEnd:
        """A logout's last step before its files are deleted (S8-1), in one write transaction
        (BEGIN IMMEDIATE: no other connection, another process's included, commits
        meanwhile): counts what would be lost (`unsynced`: (items, set aside)), and the
        read-only copies of the journals of `owner_id` (role "revoked": journals the server
        no longer serves, maybe the only copies left; those of `not_copies`, the briefs, left
        out). When the items are more than `allowed` (None: any number), or a copy is not in
        `copies_agreed` (None: any copy), it is rolled back and the store stays open and as
        it was. Else, in the same transaction, triggers on
        LOGGED_OUT_TABLES make every later write of any other connection fail
        (ClientClosed, database.LOGGED_OUT_ELSEWHERE), so that nothing is written between
        this count and the deletion, and the store is closed (ClientClosed saying
        `because` afterwards). Returns what it counted and whether it closed the store
        (`LogoutEnd`), with the safety flags still waiting as it found them (`flags`); when
        one of those is not in `named_flags` (None: not checked), it is rolled back too
        (`unnamed`): the caller reads the flags again and names them. Runs in the store's
        thread: a transaction of another connection of this process delays it without
        holding the loop."""

        def end(db: sqlite3.Connection) -> LogoutEnd:
            # Durable before anything is deleted (the profile's removal is): a FULL commit
            # syncs the write-ahead log, a NORMAL one does not. SQLite takes the level only
            # outside a transaction, so it is set before BEGIN and set back after the end.
            db.execute("PRAGMA synchronous=FULL")
            failed = False
            try:
                begin_immediate(db)  # in the worker: waits, then StoreBusy
                try:
                    items, set_aside = _unsynced(db, copies, account_key)
                    gone = tuple(
                        sorted(
                            (
                                (bytes(r[0]), str(r[1]))
                                for r in db.execute(
                                    "SELECT journal_id, name FROM journals "
                                    "WHERE owner_id = ? AND role = 'revoked'",
                                    (owner_id,),
                                )
                                if bytes(r[0]) not in not_copies
                            ),
                            key=lambda c: (c[1].casefold(), c[1]),
                        )
                    )
                    unagreed = copies_agreed is not None and any(
                        journal_id not in copies_agreed for journal_id, _ in gone
                    )
                    flags = frozenset(bytes(r[0]) for r in db.execute(WAITING_FLAGS))
                    if (allowed is not None and items > allowed) or unagreed:
                        db.execute("ROLLBACK")
                        return LogoutEnd(items, set_aside, False, gone, flags)
                    if named_flags is not None and not flags <= set(named_flags):
                        db.execute("ROLLBACK")
                        return LogoutEnd(items, set_aside, False, gone, flags, unnamed=True)
                    for _, trigger in LOGGED_OUT_TRIGGERS:
                        db.execute(trigger)
                    commit(db)
                except BaseException as error:
                    failed = True
                    if db.in_transaction:
                        try:
                            db.execute("ROLLBACK")
                        except sqlite3.Error as rollback:  # the first error is raised
                            error.add_note(f"and its ROLLBACK failed: {rollback}")
                    raise
            except BaseException:
                failed = True
                raise
            finally:
                # Back to NORMAL; SQLite refuses it while a transaction is open (a ROLLBACK
                # that failed): the error already raised is what the caller gets then.
                try:
                    db.execute("PRAGMA synchronous=NORMAL")
                except sqlite3.Error:
                    if not failed:
                        raise
            return LogoutEnd(items, set_aside, True, gone, flags)

        async with self._lock:
            counted = await self._db.run_in_thread(end)
        if counted.ended:  # committed: closed even if the caller is cancelled meanwhile
            await to_the_end(self.close(because))
        return counted

    async def unsent(self, journal_id: bytes) -> int:
        """How many records of the journal `journal_id` never reached the server: waiting in
        the outbox or set aside."""
        rows = await self._all(
            "SELECT (SELECT count(*) FROM outbox WHERE journal_id = ?) + "
            "(SELECT count(*) FROM set_aside WHERE journal_id = ?)",
            (journal_id, journal_id),
        )
        return int(rows[0][0])

    async def outbox_journals(self) -> set[bytes]:
        """The journals with records in the outbox."""
        rows = await self._all("SELECT DISTINCT journal_id FROM outbox")
        return {bytes(r[0]) for r in rows}

    async def outbox_size(self) -> int:
        rows = await self._all("SELECT count(*) FROM outbox")
        return int(rows[0][0])

    async def outbox_documents(self, journal_ids: Iterable[bytes], kind: str) -> set[bytes]:
        """The documents of `kind` in `journal_ids` with a record waiting in the outbox."""
        wanted = list(journal_ids)
        found: set[bytes] = set()
        for chunk, marks in _in_chunks(wanted):
            rows = await self._all(
                "SELECT DISTINCT o.doc_id FROM outbox o JOIN documents d ON d.doc_id = o.doc_id "
                f"WHERE d.kind = ? AND o.journal_id IN ({marks})",
                (kind, *chunk),
            )
            found.update(bytes(r[0]) for r in rows)
        return found

    async def outbox_empty(self) -> bool:
        """Whether nothing waits to be pushed: one row looked at, where `outbox_size` counts
        every row (a scan of the table, ciphertexts' pages included: about 5 ms with 10,000
        records waiting, issue 10)."""
        rows = await self._all("SELECT NOT EXISTS (SELECT 1 FROM outbox)")
        return bool(rows[0][0])

    async def stale_holds(self) -> dict[bytes, int]:
        """Journal id -> the newest key epoch under which the server refused a push of it
        as `stale_epoch`, held by every process of this device until a sync releases it
        (`hold_stale`, `release_stale`; Replica.unsafe_epoch's STALE_HELD, rev31c F6)."""
        rows = await self._all("SELECT journal_id, epoch FROM stale_holds")
        return {bytes(r[0]): int(r[1]) for r in rows}

    async def hold_stale(self, journal_id: bytes, epoch: int) -> None:
        """Hold what was sealed under `epoch` (or an older one) in `journal_id`: the server
        refused a push of it as `stale_epoch` (a hold of a newer epoch stays as it is)."""
        await self.write(
            lambda db: db.execute(
                "INSERT INTO stale_holds VALUES (?, ?) ON CONFLICT (journal_id) "
                "DO UPDATE SET epoch = max(epoch, excluded.epoch)",
                (journal_id, epoch),
            ).close()
        )

    async def release_stale(self, journal_id: bytes, epoch: int) -> bool:
        """End the hold of `journal_id` as read (`epoch`); False when another process of
        this device released it meanwhile, or held a newer epoch (then it stays): a hold is
        released once, by one sync, which says so."""
        deleted: int = await self.write(
            lambda db: (
                db.execute(
                    "DELETE FROM stale_holds WHERE journal_id = ? AND epoch = ?",
                    (journal_id, epoch),
                ).rowcount
            )
        )
        return deleted == 1

    async def journals_pending(self) -> bool:
        """Whether a journal made here waits to be created on the server: one row looked at,
        where `pending_journals` reads every one with its request."""
        rows = await self._all("SELECT EXISTS (SELECT 1 FROM pending_journals)")
        return bool(rows[0][0])

    async def set_aside(self) -> list[SetAsideRow]:
        rows = await self._all(
            "SELECT position, journal_id, record_id, epoch, ciphertext, doc_id, journal_name, "
            "code, reason, set_aside_at FROM set_aside ORDER BY position"
        )
        return [
            SetAsideRow(
                OutboxRecord(r[0], bytes(r[1]), bytes(r[2]), r[3], bytes(r[4]), _blob(r[5])),
                *r[6:],
            )
            for r in rows
        ]

    async def set_aside_any(self) -> bool:
        """Whether any change is set aside (one row looked at)."""
        return bool(await self._kept_rows("set_aside", "SELECT 1 FROM set_aside LIMIT 1"))

    async def tried_again_by_id(
        self, journal_id: bytes, record_ids: list[bytes]
    ) -> list[OutboxRecord]:
        """The set-aside records of `journal_id` among `record_ids` that are sent again at
        every sync (sync.TRIED_AGAIN), as their outbox records (old position); not those
        set aside behind an earlier change of their document (DEPENDS_ON_SET_ASIDE: their
        delivery would run ahead of the change they build on, REV-CARE3 F3)."""
        found: list[OutboxRecord] = []
        for chunk, marks in _in_chunks(record_ids):
            rows = await self._all(
                "SELECT position, journal_id, record_id, epoch, ciphertext, doc_id "
                f"{TRIED_AGAIN_ROWS} AND journal_id = ? AND code != ? "
                f"AND record_id IN ({marks})",
                (journal_id, DEPENDS_ON_SET_ASIDE, *chunk),
            )
            found += [
                OutboxRecord(r[0], bytes(r[1]), bytes(r[2]), r[3], bytes(r[4]), _blob(r[5]))
                for r in rows
            ]
        return found

    async def set_aside_holds(self, doc_id: bytes) -> bool:
        """Whether a change of the document `doc_id` is set aside (refused by the server)."""
        rows = await self._all("SELECT 1 FROM set_aside WHERE doc_id = ? LIMIT 1", (doc_id,))
        return bool(rows)

    async def waiting_records(self, journal_id: bytes) -> set[bytes]:
        """`Transaction.waiting_records`, read outside a transaction."""
        rows = await self._all(WAITING_RECORDS, (journal_id, journal_id))
        return {bytes(r[0]) for r in rows}

    async def kinds(self, doc_ids: Collection[bytes]) -> dict[bytes, str]:
        """The kind of each of these documents this store holds."""
        found: dict[bytes, str] = {}
        for chunk, marks in _in_chunks(list(doc_ids)):
            rows = await self._all(
                f"SELECT doc_id, kind FROM documents WHERE doc_id IN ({marks})", tuple(chunk)
            )
            found.update((bytes(r[0]), r[1]) for r in rows)
        return found

    async def set_aside_documents(self) -> set[bytes]:
        """Documents with a change set aside: their later changes wait behind it."""
        rows = await self._kept_rows(
            "set_aside", "SELECT DISTINCT doc_id FROM set_aside WHERE doc_id IS NOT NULL"
        )
        return {bytes(r[0]) for r in rows}

    async def problems(self) -> list[Problem]:
        rows = await self._all(
            "SELECT journal_id, record_id, seq, message FROM problems ORDER BY seq"
        )
        return [Problem(bytes(r[0]), bytes(r[1]), r[2], r[3]) for r in rows]

    async def parked(
        self,
        versions: Collection[int] | None = None,
        journal_id: bytes | None = None,
        after: int | None = None,
        limit: int | None = None,
    ) -> list[ParkedRecord]:
        """Records kept for a newer body version (`Transaction.park`), by journal then in
        server order (`seq`); only those of `versions`, of `journal_id`, with a `seq` above
        `after`, at most `limit` of them, when given (a page: `Replica.open_parked` never
        holds more than one page of ciphertexts)."""
        sql = "SELECT journal_id, record_id, seq, epoch, ciphertext, version FROM parked_records"
        where: list[str] = []
        params: list[Any] = []
        if versions is not None:
            where.append(f"version IN ({', '.join('?' * len(versions))})")
            params.extend(versions)
        if journal_id is not None:
            where.append("journal_id = ?")
            params.append(journal_id)
        if after is not None:
            where.append("seq > ?")
            params.append(after)
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY journal_id, seq"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        rows = await self._all(sql, params)
        return [
            ParkedRecord(bytes(r[0]), bytes(r[1]), int(r[2]), int(r[3]), bytes(r[4]), int(r[5]))
            for r in rows
        ]

    async def member_claims(self, journal_id: bytes) -> dict[bytes, dict[Key, int]]:
        """Member account id -> (author, device) -> the highest counter of that device a
        record the member signed says their device had received (`note_member_claims`)."""
        rows = await self._all(
            "SELECT member, author, device, counter FROM member_claims WHERE journal_id = ?",
            (journal_id,),
        )
        found: dict[bytes, dict[Key, int]] = {}
        for member, author, device, counter in rows:
            found.setdefault(bytes(member), {})[(bytes(author), bytes(device))] = int(counter)
        return found

    async def mark_offered(
        self,
        records: list[OutboxRecord],
        also: Callable[[sqlite3.Connection], None] | None = None,
    ) -> list[tuple[bytes, bytes, int]]:
        """Note, before a push request carrying `records` is handed to the transport, that a
        record of each of their documents, sealed under its epoch, may have left this device
        (R46 F4): a server can store a record and answer the push with garbage, or never
        answer, so only a document never offered is one "no record of which has left this
        device". `also`: run in the same transaction, before this call's rows are added (what
        else a push notes before it can leave; it sees which documents were offered before). Returns the (journal id, document id, epoch) rows added now (for
        `unmark_offered`)."""
        rows = sorted({(r.journal_id, r.doc_id, r.epoch) for r in records if r.doc_id is not None})
        if not rows:
            return []

        def mark(db: sqlite3.Connection) -> list[tuple[bytes, bytes, int]]:
            # One transaction: the rows read as absent are the rows this call adds, even
            # with another process of this home pushing at once (its marks are never
            # returned here, so never undone by this call's `unmark_offered`).
            present: set[tuple[bytes, bytes, int]] = set()
            for journal_id, epoch in sorted({(j, e) for j, _, e in rows}):
                docs = [d for j, d, e in rows if (j, e) == (journal_id, epoch)]
                for chunk, marks in _in_chunks(docs):  # one statement a chunk
                    found = db.execute(
                        "SELECT doc_id FROM offered WHERE journal_id = ? AND epoch = ? "
                        f"AND doc_id IN ({marks})",
                        (journal_id, epoch, *chunk),
                    ).fetchall()
                    present.update((journal_id, bytes(row[0]), epoch) for row in found)
            added = [row for row in rows if row not in present]
            if also is not None:  # before the rows are added: it sees which were offered before
                also(db)
            for start in range(0, len(added), 300):  # one statement a chunk, not a row
                batch = added[start : start + 300]
                db.execute(
                    "INSERT INTO offered (journal_id, doc_id, epoch) VALUES "
                    + ", ".join("(?, ?, ?)" for _ in batch),
                    tuple(value for row in batch for value in row),
                ).close()
            return added

        return await self.write(mark)

    async def unmark_offered(self, rows: list[tuple[bytes, bytes, int]]) -> None:
        """Undo `mark_offered` for the rows it added, when the push request never left (no
        connection to the server was made: `NetworkError.unsent`). One transaction, one
        commit, for all of them: the store is in autocommit mode, where an executemany on
        its own commits each row durably by itself."""
        if not rows:
            return
        values = [tuple(row) for row in rows]
        await self.write(
            lambda db: db.executemany(
                "DELETE FROM offered WHERE journal_id = ? AND doc_id = ? AND epoch = ?", values
            ).close()
        )

    async def sent_epochs(self, journal_id: bytes, doc_id: bytes) -> set[int | None]:
        """The epochs of the document's records (a document of `journal_id`) that may have
        left this device: stored by the server (a `seq`) or put in a push request
        (`mark_offered`). None stands for a stored record whose epoch this device did not
        keep (any epoch, for a reader: R46 F1/F4)."""
        rows = await self._all(
            "SELECT epoch FROM seen_records WHERE doc_id = ? AND seq IS NOT NULL "
            "UNION SELECT epoch FROM offered WHERE journal_id = ? AND doc_id = ?",
            (doc_id, journal_id, doc_id),
        )
        return {None if r[0] is None else int(r[0]) for r in rows}

    async def receipt_records(self, doc_id: bytes) -> list[tuple[bytes, bytes, int, int]]:
        """(author, device, counter, epoch) of each record of a document that the server
        stored (a `seq`; R46 F1): with an epoch a member holds, one that could have brought
        it to that member's device."""
        rows = await self._all(
            "SELECT author, device, counter, epoch FROM seen_records "
            "WHERE doc_id = ? AND seq IS NOT NULL AND epoch IS NOT NULL "
            "AND author IS NOT NULL AND device IS NOT NULL AND counter IS NOT NULL",
            (doc_id,),
        )
        return [(bytes(r[0]), bytes(r[1]), int(r[2]), int(r[3])) for r in rows]

    async def highest_counters(self, journal_id: bytes, author: bytes) -> dict[bytes, int]:
        """Device -> the highest counter of `author`'s device in the journal that this device
        holds a record of (its own records are held from the moment they are written): what
        a claim of a member can soundly name (R46 F3)."""
        rows = await self._all(HIGHEST_COUNTERS, (journal_id, author))
        return {bytes(r[0]): int(r[1]) for r in rows}

    async def seen(self, journal_id: bytes, record_ids: list[bytes]) -> set[bytes]:
        found: set[bytes] = set()
        for chunk, marks in _in_chunks(record_ids):
            rows = await self._all(
                f"SELECT record_id FROM seen_records WHERE journal_id = ? AND record_id IN "
                f"({marks})",
                (journal_id, *chunk),
            )
            found.update(bytes(r[0]) for r in rows)
        return found

    async def withdrawn_journals(self) -> list[bytes]:
        """Journals where this device has counters to withdraw (protocol.md 4.18)."""
        rows = await self._kept_rows("withdrawn", "SELECT DISTINCT journal_id FROM withdrawn")
        return sorted(bytes(r[0]) for r in rows)

    async def holds_epochs_before(self, journal_id: bytes, epoch: int) -> bool:
        """Whether this device applied any record of the journal sealed under an epoch
        before `epoch` (a member's device that read an earlier share of it, NU22 C7)."""
        rows = await self._all(
            "SELECT 1 FROM seen_records WHERE journal_id = ? AND epoch < ? LIMIT 1",
            (journal_id, epoch),
        )
        return bool(rows)

    async def seen_counters(
        self, journal_id: bytes, record_ids: list[bytes]
    ) -> dict[bytes, tuple[bytes, bytes, int] | None]:
        """Of `record_ids`, those this device holds, with (author, device, counter) when known."""
        return (await self.seen_counters_marked(journal_id, record_ids))[0]

    async def seen_counters_marked(
        self, journal_id: bytes, record_ids: list[bytes]
    ) -> tuple[dict[bytes, tuple[bytes, bytes, int] | None], CommitMark]:
        """`seen_counters`, with the CommitMark read just before them, in the same call: a
        transaction that stores the others later asks `Transaction.seen_ids(since=mark)`
        which of them another connection stored meanwhile (no statement when no commit came
        since)."""
        found: dict[bytes, tuple[bytes, bytes, int] | None] = {}
        marked: list[CommitMark] = []

        def read(chunk: Sequence[bytes], marks: str) -> Callable[[sqlite3.Connection], list[Any]]:
            def run(db: sqlite3.Connection) -> list[Any]:
                if not marked:
                    marked.append(_commit_mark(self._db, db))
                if not chunk:
                    return []
                return db.execute(
                    "SELECT record_id, author, device, counter FROM seen_records "
                    f"WHERE journal_id = ? AND record_id IN ({marks})",
                    (journal_id, *chunk),
                ).fetchall()

            return run

        async with self._lock:
            for chunk, marks in list(_in_chunks(record_ids)) or [((), "")]:
                for r in await self._db.run(read(chunk, marks)):
                    known = r[3] is not None and r[1] is not None and r[2] is not None
                    found[bytes(r[0])] = (bytes(r[1]), bytes(r[2]), int(r[3])) if known else None
        return found, marked[0]

    async def own_records_due(
        self, journal_id: bytes, record_ids: list[bytes]
    ) -> dict[bytes, int | None]:
        """Of `record_ids` (this device's own records), those still to come back from the
        server, as record id -> `seq` once acknowledged, None while the outbox holds it; one
        set aside or forgotten (compacted, a copy removed) is left out."""
        found: dict[bytes, int | None] = {}
        for chunk, marks in _in_chunks(record_ids):
            rows = await self._all(
                "SELECT s.record_id, s.seq, EXISTS (SELECT 1 FROM outbox o WHERE o.journal_id "
                "= s.journal_id AND o.record_id = s.record_id) FROM seen_records s WHERE "
                f"s.journal_id = ? AND s.record_id IN ({marks})",
                (journal_id, *chunk),
            )
            for record_id, seq, waiting in rows:
                if seq is not None or waiting:
                    found[bytes(record_id)] = None if seq is None else int(seq)
        return found

    async def own_records_covered(
        self, journal_id: bytes, owner: bytes, record_ids: list[bytes]
    ) -> set[bytes]:
        """Of `record_ids` (this device's own records), those that another record of the
        journal, verified here and acknowledged by the server, names in its signed covers
        (author, device and counter): superseded, by a snapshot another device compacted
        them into, on the signed word of the journal's `owner` or of the record's own author
        (whose covers are accepted: protocol.md 4.18), never the server's. An honest server
        deletes what a compaction superseded, so those bytes never come back (rev32d F3).
        Only a snapshot's covers supersede: a `void`'s never do (a share's cut, which names
        every counter of the journal its writer received, only accounts for them; nor
        withdrawals), and an honest server deletes nothing they name (rev33b F2)."""
        if not record_ids:
            return set()
        own: dict[tuple[bytes, bytes], list[tuple[bytes, int]]] = {}
        for chunk, marks in _in_chunks(record_ids):
            rows = await self._all(
                "SELECT record_id, author, device, counter FROM seen_records WHERE "
                f"journal_id = ? AND record_id IN ({marks}) AND author IS NOT NULL "
                "AND device IS NOT NULL AND counter IS NOT NULL",
                (journal_id, *chunk),
            )
            for record_id, author, device, counter in rows:
                own.setdefault((bytes(author), bytes(device)), []).append(
                    (bytes(record_id), int(counter))
                )
        if not own:
            return set()
        authors = sorted({owner, *(author for author, _ in own)})
        covering = await self._all(
            "SELECT c.record_id, s.author, c.covers FROM record_covers c "
            "JOIN seen_records s ON s.journal_id = c.journal_id AND s.record_id = c.record_id "
            "WHERE c.journal_id = ? AND s.seq IS NOT NULL AND s.snapshot = 1 "
            f"AND s.author IN ({', '.join('?' * len(authors))})",
            (journal_id, *authors),
        )
        found: set[bytes] = set()
        for by_record, by, covers in covering:
            signer = bytes(by)
            for cover in decode_covers(bytes(covers)):
                if signer != owner and signer != cover.author:
                    continue  # a member's covers name only its own counters
                for record_id, counter in own.get((cover.author, cover.device), []):
                    if record_id != bytes(by_record) and any(
                        lo <= counter <= hi for lo, hi in cover.ranges
                    ):
                        found.add(record_id)
        return found

    async def sealed_hashes(self, journal_id: bytes, record_ids: list[bytes]) -> dict[bytes, bytes]:
        """Of `record_ids`, this device's own records the server acknowledged, with the hash of
        the ciphertext it stored (`SeenRecord.sealed`)."""
        found: dict[bytes, bytes] = {}
        for chunk, marks in _in_chunks(record_ids):
            rows = await self._all(
                "SELECT record_id, sealed FROM seen_records WHERE journal_id = ? AND sealed IS "
                f"NOT NULL AND record_id IN ({marks})",
                (journal_id, *chunk),
            )
            found.update((bytes(r[0]), bytes(r[1])) for r in rows)
        return found

    async def device_counters(self) -> dict[bytes, dict[Key, DeviceCounters]]:
        """Per journal, what this device knows of every author device's counters."""
        rows = await self._all(
            "SELECT journal_id, author, device, received, claimed, claimed_by, written "
            "FROM device_counters"
        )
        found: dict[bytes, dict[Key, DeviceCounters]] = {}
        for r in rows:
            found.setdefault(bytes(r[0]), {})[(bytes(r[1]), bytes(r[2]))] = DeviceCounters.decode(
                bytes(r[3]), r[4], bytes(r[5]), r[6]
            )
        return found

    async def excused_counters(self) -> dict[bytes, dict[Key, list[Range]]]:
        """Per journal, the counters of each author device that this device excused because
        the server said their author's account was erased (`Transaction.excuse_counters`):
        read by this device's own withholding check alone, never part of `device_counters`'
        `received`, so nothing this device signs (a seen vector, a cover, a share's
        boundary) ever accounts for them (rev-complete F5)."""
        rows = await self._kept_rows(
            "excused", "SELECT journal_id, author, device, excused FROM excused_counters"
        )
        found: dict[bytes, dict[Key, list[Range]]] = {}
        for r in rows:
            found.setdefault(bytes(r[0]), {})[(bytes(r[1]), bytes(r[2]))] = decode_ranges(
                bytes(r[3])
            )
        return found

    async def superseded(self, doc_id: bytes, limit: int) -> list[tuple[bytes, tuple[Cover, ...]]]:
        """The acknowledged records of a document, oldest first, each with what it accounts
        for: its own counter and the covers it carries (what a snapshot of them must cover)."""
        rows = await self._all(
            "SELECT s.record_id, s.author, s.device, s.counter, c.covers FROM seen_records s "
            "LEFT JOIN record_covers c ON c.journal_id = s.journal_id AND c.record_id = s.record_id "
            "WHERE s.doc_id = ? AND s.seq IS NOT NULL ORDER BY s.seq LIMIT ?",
            (doc_id, limit),
        )
        found = []
        for r in rows:
            own = [Cover(bytes(r[1]), bytes(r[2]), ((r[3], r[3]),))] if r[3] is not None else []
            carried = list(decode_covers(bytes(r[4]))) if r[4] is not None else []
            found.append((bytes(r[0]), merge_covers(own + carried)))
        return found

    async def compaction_candidates(
        self, doc_ids: list[bytes], threshold: int, author: bytes
    ) -> list[bytes]:
        """Of `doc_ids`, those with at least `threshold` acknowledged records, all by
        `author`, and nothing waiting in the outbox or set aside (a snapshot would carry a
        refused change to the server). The documents with `threshold` records of any kind
        are found first from the index alone (`seen_by_document`: no row read), and only
        they are then read whole: after a push of thousands of new documents (one record
        each) that is none (issue 10: about 2 % of the upload's time, every row read)."""
        found: list[bytes] = []
        for some, some_marks in _in_chunks(doc_ids):
            many = await self._all(
                f"SELECT doc_id FROM seen_records WHERE doc_id IN ({some_marks}) "
                "GROUP BY doc_id HAVING count(*) >= ?",
                (*some, threshold),
            )
            if many:
                found.extend(
                    await self._compaction_candidates(
                        [bytes(r[0]) for r in many], threshold, author
                    )
                )
        return found

    async def _compaction_candidates(
        self, doc_ids: list[bytes], threshold: int, author: bytes
    ) -> list[bytes]:
        """`compaction_candidates` of `doc_ids`, each row read."""
        found: list[bytes] = []
        for chunk, marks in _in_chunks(doc_ids):
            rows = await self._all(
                "SELECT doc_id FROM seen_records WHERE seq IS NOT NULL AND doc_id IN "
                f"({marks}) GROUP BY doc_id "
                "HAVING count(*) >= ? AND sum(author IS NOT ?) = 0 "
                "AND doc_id NOT IN (SELECT doc_id FROM outbox WHERE doc_id IS NOT NULL) "
                "AND doc_id NOT IN (SELECT doc_id FROM set_aside WHERE doc_id IS NOT NULL)",
                (*chunk, threshold, author),
            )
            found.extend(bytes(r[0]) for r in rows)
        return found

    async def access_entries(self) -> dict[bytes, list[bytes]]:
        """The access chain entries this device verified, by journal, in order."""
        rows = await self._all(
            "SELECT journal_id, entry FROM access_entries ORDER BY journal_id, position"
        )
        found: dict[bytes, list[bytes]] = {}
        for journal_id, entry in rows:
            found.setdefault(bytes(journal_id), []).append(bytes(entry))
        return found

    async def access_summary(
        self, as_of: tuple[int, int] | None = None
    ) -> tuple[dict[bytes, tuple[int, bytes]], dict[bytes, str]]:
        """Each stored access chain's length and last entry (journal id -> (count, entry))
        and the journals' problems: what `Chains.load_fresh` compares with what it holds (a
        chain another process replaced by one as long shows in its last entry). Read again
        only once the access tables changed (`_kept_rows`); `as_of` as in `setting`."""

        chains, problems = await self._kept_rows_together(
            "access", (_LAST_ACCESS_ENTRIES, _ACCESS_PROBLEMS), as_of
        )
        return (
            {bytes(r[0]): (int(r[1]), bytes(r[2])) for r in chains},
            {bytes(r[0]): str(r[1]) for r in problems},
        )

    async def access_problems(self) -> dict[bytes, str]:
        """The journals whose access chain this device found a problem in (journal id ->
        the problem, in words): the rows `access_summary` reads, kept with them."""
        rows = await self._kept_rows("access", _ACCESS_PROBLEMS)
        return {bytes(r[0]): str(r[1]) for r in rows}

    async def first_counters(
        self, author: bytes, device: bytes, doc_ids: list[bytes]
    ) -> dict[bytes, int]:
        """doc id -> the lowest counter of the records of (author, device) of that document
        this device holds: for this device's own, the record that created it."""
        found: dict[bytes, int] = {}
        for chunk, marks in _in_chunks(doc_ids):
            rows = await self._all(
                "SELECT doc_id, min(counter) FROM seen_records WHERE author = ? AND device = ? "
                f"AND counter IS NOT NULL AND doc_id IN ({marks}) "
                "GROUP BY doc_id",
                (author, device, *chunk),
            )
            found.update((bytes(r[0]), int(r[1])) for r in rows)
        return found

    async def record_tops_and_counts(
        self, journal_id: bytes, author: bytes
    ) -> tuple[dict[bytes, int], dict[bytes, int]]:
        """For the records of `author` in `journal_id` this device verified and accepted (or
        kept unread, a newer version), per device id, in one read: the highest counter
        (devices with none above 0 left out), and how many there are. Covers never count:
        what an owner device signs as a member's write limit (`Replica._limit_writes`), whose
        devices with the most records it names first (access.limits_and_gaps)."""
        rows = await self._all(
            "SELECT device, max(counter), count(*) FROM seen_records "
            "WHERE journal_id = ? AND author = ? "
            "AND device IS NOT NULL AND counter IS NOT NULL GROUP BY device",
            (journal_id, author),
        )
        tops = {bytes(r[0]): int(r[1]) for r in rows if int(r[1]) > 0}
        return tops, {bytes(r[0]): int(r[2]) for r in rows}

    async def received_ranges(self, journal_id: bytes, author: bytes, device: bytes) -> list[Range]:
        """The counters of (author, device) in `journal_id` this device counts as received
        (`DeviceCounters.received`: delivered, or accounted for by a cover it accepted)."""
        rows = await self._all(
            "SELECT received FROM device_counters WHERE journal_id = ? AND author = ? "
            "AND device = ?",
            (journal_id, author, device),
        )
        return DeviceCounters.decode(bytes(rows[0][0]), 0, b"").received if rows else []

    async def kept_flags(self) -> list[KeptFlag]:
        """The records of safety flags this device pushed and keeps whole until a pull
        serves them back (`acknowledge_pushed`'s `keep`), and those of the results they
        belong to kept with them (`pushing.flag_results`), with their counters and whether
        a record of the same document waits in the outbox (`KeptFlag.waiting`)."""
        rows = await self._all(
            "SELECT k.journal_id, k.record_id, k.doc_id, s.counter, EXISTS (SELECT 1 FROM "
            "outbox o WHERE o.journal_id = k.journal_id AND o.doc_id = k.doc_id) "
            "FROM kept_flags k LEFT JOIN seen_records s ON s.journal_id = k.journal_id "
            "AND s.record_id = k.record_id"
        )
        return [
            KeptFlag(
                bytes(r[0]),
                bytes(r[1]),
                bytes(r[2]),
                None if r[3] is None else int(r[3]),
                bool(r[4]),
            )
            for r in rows
        ]

    async def forget_kept_flags(self, rows: Collection[tuple[bytes, bytes]]) -> None:
        """`kept_flags` no longer keeps these (journal id, record id): served back."""
        values = [tuple(r) for r in rows]
        await self.write(
            lambda db: db.executemany(
                "DELETE FROM kept_flags WHERE journal_id = ? AND record_id = ?", values
            ).close()
        )

    async def send_kept_flags_again(self, rows: Collection[tuple[bytes, bytes]]) -> None:
        """These records of `kept_flags` (journal id, record id) go back into the outbox, as
        they were pushed (same id, epoch and bytes: a server that holds them answers the
        push as before), unless one is there or set aside already. One transaction."""
        values = [(*r, *r, *r) for r in rows]
        await self.write(
            lambda db: db.executemany(
                "INSERT INTO outbox (journal_id, record_id, epoch, ciphertext, doc_id) "
                "SELECT journal_id, record_id, epoch, ciphertext, doc_id FROM kept_flags "
                "WHERE journal_id = ? AND record_id = ? AND NOT EXISTS (SELECT 1 FROM outbox "
                "WHERE journal_id = ? AND record_id = ?) AND NOT EXISTS (SELECT 1 FROM "
                "set_aside WHERE journal_id = ? AND record_id = ?)",
                values,
            ).close(),
            sends=True,
        )

    async def received_ranges_of(
        self, journal_id: bytes, author: bytes
    ) -> dict[bytes, list[Range]]:
        """device id -> `received_ranges` of each device of `author` in `journal_id` this
        device counts anything of, in one read."""
        rows = await self._all(
            "SELECT device, received FROM device_counters WHERE journal_id = ? AND author = ?",
            (journal_id, author),
        )
        return {bytes(r[0]): DeviceCounters.decode(bytes(r[1]), 0, b"").received for r in rows}

    async def own_counters(self, doc_id: bytes, author: bytes, device: bytes) -> list[int]:
        """The counters of the records of the document `doc_id` that (author, device) wrote
        and the server acknowledged storing (a `seq`), ascending."""
        rows = await self._all(
            "SELECT counter FROM seen_records WHERE doc_id = ? AND author = ? AND device = ? "
            "AND seq IS NOT NULL AND counter IS NOT NULL ORDER BY counter",
            (doc_id, author, device),
        )
        return [int(r[0]) for r in rows]

    async def records_by_counter(
        self, journal_id: bytes, author: bytes, device: bytes, counters: list[int]
    ) -> dict[int, bytes]:
        """counter -> id of the record of (author, device) this device accepted with it."""
        found: dict[int, bytes] = {}
        for chunk, marks in _in_chunks(counters):
            rows = await self._all(
                "SELECT counter, record_id FROM seen_records WHERE journal_id = ? AND author = ? "
                f"AND device = ? AND counter IN ({marks})",
                (journal_id, author, device, *chunk),
            )
            found.update((int(r[0]), bytes(r[1])) for r in rows)
        return found

    async def journal_bytes(
        self, journal_id: bytes, *, as_of: tuple[int, int] | None = None
    ) -> int:
        """Bytes of document state this device stores for the journal (0: none): what its
        records took on this device (for a journal whose owner this account has not
        verified, the least of what was downloaded for it: hold_back.HoldBack.count).
        `as_of` (a `version` this caller read): kept in memory until the store's version
        moves (any change here or elsewhere), and read as of that version (see `version`): a
        sync with nothing new sums no journal's documents again (issue 10)."""
        sql = "SELECT coalesce(sum(length(state)), 0) FROM documents WHERE journal_id = ?"
        if as_of is None:
            rows = await self._all(sql, (journal_id,))
            return int(rows[0][0]) if rows else 0

        def read(db: sqlite3.Connection) -> int:
            version = self._version_as_of(db, as_of)
            if self._bytes_at != version:
                self._bytes.clear()
            if journal_id not in self._bytes:
                stored = int(db.execute(sql, (journal_id,)).fetchone()[0])
                if db.in_transaction:
                    return stored
                self._bytes[journal_id] = stored
                self._bytes_at = version
            return self._bytes[journal_id]

        async with self._lock:
            return await self._db.run(read)

    async def highest_seq(self, journal_id: bytes) -> int:
        """The highest `seq` of a record of the journal this device holds (0: none): where a
        pull can start again without losing anything this device already received."""
        rows = await self._all(
            "SELECT max(seq) FROM seen_records WHERE journal_id = ? AND seq IS NOT NULL",
            (journal_id,),
        )
        return int(rows[0][0]) if rows and rows[0][0] is not None else 0

    async def parked_versions(self) -> frozenset[int]:
        """The body versions of the records kept (`Transaction.park`): one read of an index,
        and none while `parked_records` is unchanged since the last (`_changes`: this
        connection's changes, and commits of other connections, another process's
        included)."""

        def read(db: sqlite3.Connection) -> frozenset[int]:
            now = _changes(db)["parked"]
            cached = self._parked_versions
            if cached is not None and cached[0] == now:
                return cached[1]
            rows = db.execute("SELECT DISTINCT version FROM parked_records").fetchall()
            found = frozenset(int(r[0]) for r in rows)
            if not db.in_transaction:
                self._parked_versions = (now, found)
            return found

        async with self._lock:
            return await self._db.run(read)

    async def parked_counts(self, journal_id: bytes | None = None) -> list[ParkedCount]:
        """How many records are kept, by journal, body version and author (the author from
        the record's verified prefix, kept in `seen_records` when it was parked), without
        reading a ciphertext; of `journal_id` only when given."""
        sql = (
            "SELECT p.journal_id, p.version, s.author, count(*) FROM parked_records p "
            "LEFT JOIN seen_records s ON s.journal_id = p.journal_id "
            "AND s.record_id = p.record_id"
        )
        params: tuple[Any, ...] = ()
        if journal_id is not None:
            sql += " WHERE p.journal_id = ?"
            params = (journal_id,)
        rows = await self._all(
            sql + " GROUP BY p.journal_id, p.version, s.author ORDER BY p.journal_id", params
        )
        return [ParkedCount(bytes(r[0]), int(r[1]), _blob(r[2]), int(r[3])) for r in rows]

    async def verified_records(self, journal_id: bytes) -> list[VerifiedRecord]:
        """Records of the journal this device verified and applied, acknowledged by the
        server (records refused as problems have no document and are left out)."""
        rows = await self._all(
            "SELECT record_id, seq, doc_id, epoch, snapshot, author FROM seen_records "
            "WHERE journal_id = ? AND seq IS NOT NULL AND doc_id IS NOT NULL "
            "AND epoch IS NOT NULL",
            (journal_id,),
        )
        return [
            VerifiedRecord(bytes(r[0]), r[1], bytes(r[2]), r[3], bool(r[4]), _blob(r[5]))
            for r in rows
        ]

    async def code_inputs(self, journal_id: bytes) -> tuple[list[CodeRecord], list[CodeCover]]:
        """What a head code reads (access.code_records, protocol.md 4.20), from the index
        only (no ciphertext is read): the records of the journal the server acknowledged
        (a `seq`) that this device verified and applied or keeps unread for a newer body
        version (an `epoch` and a signed prefix; never a `void`, which has no epoch here,
        nor a record refused as a problem, which has no author), and the covers of the
        verified records the server acknowledged."""

        def read(db: sqlite3.Connection) -> tuple[list[Any], list[Any]]:
            # one read transaction: a sync in another process committing a snapshot between
            # the two reads would leave out both it and what it supersedes (R46)
            own = not db.in_transaction
            if own:
                db.execute("BEGIN")
            try:
                records_read = db.execute(
                    "SELECT record_id, author, device, counter, doc_id, epoch FROM seen_records "
                    "WHERE journal_id = ? AND seq IS NOT NULL AND epoch IS NOT NULL "
                    "AND author IS NOT NULL AND device IS NOT NULL AND counter IS NOT NULL",
                    (journal_id,),
                ).fetchall()
                covers_read = db.execute(
                    "SELECT s.author, c.covers, s.doc_id, s.snapshot FROM record_covers c "
                    "JOIN seen_records s ON s.journal_id = c.journal_id "
                    "AND s.record_id = c.record_id "
                    "WHERE c.journal_id = ? AND s.seq IS NOT NULL AND s.author IS NOT NULL",
                    (journal_id,),
                ).fetchall()
            finally:
                if own:
                    db.execute("COMMIT")
            return records_read, covers_read

        async with self._lock:
            rows, covering = await self._db.run(read)
        found = [
            CodeRecord(bytes(r[0]), bytes(r[1]), bytes(r[2]), int(r[3]), _blob(r[4]), int(r[5]))
            for r in rows
        ]
        covers = [
            CodeCover(bytes(r[0]), decode_covers(bytes(r[1])), _blob(r[2]) if r[3] else None)
            for r in covering
        ]
        return found, covers


ADDED_COLUMNS = {
    "seen_records": ("epoch INTEGER", "snapshot INTEGER", "removes INTEGER", "sealed BLOB"),
    "journals": (
        "named_at INTEGER NOT NULL DEFAULT 0",
        "own_before INTEGER NOT NULL DEFAULT 0",
        "own_not_held INTEGER NOT NULL DEFAULT 0",
    ),
    "documents": ("waiting BLOB", "created_values TEXT"),
    "device_counters": ("written INTEGER NOT NULL DEFAULT 0",),
    "peer_verifications": ("verified INTEGER NOT NULL DEFAULT 1",),
    "kept_write_counters": ("claimed INTEGER NOT NULL DEFAULT 0",),
}


_COLUMNS_READ = (
    "SELECT t.name, c.name FROM sqlite_master t, pragma_table_info(t.name) c "
    "WHERE t.type = 'table' AND t.name IN (" + ", ".join(f"'{t}'" for t in ADDED_COLUMNS) + ")"
)
"""The columns of the tables of ADDED_COLUMNS, (table, column): one statement."""


def _missing_columns(db: sqlite3.Connection) -> list[tuple[str, str]]:
    """(table, column definition) of ADDED_COLUMNS the store lacks."""
    present = {(str(table), str(column)) for table, column in db.execute(_COLUMNS_READ)}
    return [
        (table, c)
        for table, columns in ADDED_COLUMNS.items()
        for c in columns
        if (table, c.split()[0]) not in present
    ]


def _add_missing_columns(db: sqlite3.Connection) -> None:
    """Columns added since a store was created (CREATE TABLE IF NOT EXISTS keeps old ones),
    in one write transaction (`begin_immediate`: another process adding them meanwhile is
    waited for, and its columns not added again); none taken when none is missing."""
    if not _missing_columns(db):
        return
    _in_transaction(db, _add_columns)


def _add_columns(db: sqlite3.Connection) -> None:
    for table, column in _missing_columns(db):  # read again, in the transaction
        db.execute(f"ALTER TABLE {table} ADD COLUMN {column}")


def _statements(script: str) -> list[str]:
    """The statements of `script`, each whole (a trigger's body holds several `;`)."""
    statements: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    if pending.strip():
        statements.append(pending.strip())
    return statements


_MADE = re.compile(r"CREATE (?:TABLE|INDEX|TRIGGER) IF NOT EXISTS (\w+)")


def _made_by(script: str) -> set[str]:
    """The names of the tables, indexes and triggers `script` creates."""
    return set(_MADE.findall(script))


def _lacks(db: sqlite3.Connection, names: set[str]) -> bool:
    """Whether the store lacks any of the tables, indexes or triggers `names`."""
    marks = ", ".join("?" for _ in names)
    found = db.execute(
        f"SELECT count(DISTINCT name) FROM sqlite_master WHERE name IN ({marks})", [*names]
    )
    return int(found.fetchone()[0]) < len(names)


_SCHEMA_NAMES = _made_by(SCHEMA)


def _make_schema(db: sqlite3.Connection) -> None:
    """SCHEMA, in one write transaction, in a store that lacks any of its tables or indexes
    (a new store, or one made before a table was added); none taken when none is missing."""
    if not _lacks(db, _SCHEMA_NAMES):
        return

    def make(db: sqlite3.Connection) -> None:
        for statement in _statements(SCHEMA):
            db.execute(statement)

    _in_transaction(db, make)


def delete_if_logged_out(
    home: Path, still_ours: Callable[[], bool], delete: Callable[[], None]
) -> bool:
    """Finish a logout of `home` whose end committed: under the store's write lock (BEGIN
    IMMEDIATE on a connection of its own, waiting up to database.WRITE_WAIT_S, then
    StoreBusy), when the file at the store's path is still the one locked, still holds the
    logout's mark (LOGGED_OUT_TRIGGERS) and `still_ours()`, runs `delete()` (which deletes
    the files) and returns True; else changes nothing and returns False (no store, no mark,
    or a store or profile another program made meanwhile). A sign-in anew takes the same
    lock to finish the logout first, so it never sees its store deleted under it. Blocking:
    call it in a thread."""
    path = home / STORE_FILE
    with database.holding(str(path)):  # a store open in this process keeps its locks
        return _delete_if(path, _logged_out, still_ours, delete)


def _delete_if(
    path: Path,
    condition: Callable[[sqlite3.Connection], bool],
    still_ours: Callable[[], bool],
    delete: Callable[[], None],
    *,
    unreadable: bool = False,
) -> bool:
    """`delete()` under the write lock of the store at `path` when `condition(db)` holds, the
    file is still the one locked and `still_ours()`; whether it ran. `unreadable`: a file
    SQLite cannot read as a store (damaged: "file is not a database", a malformed page) is
    taken as one whose account cannot be told, `still_ours()` deciding alone (no lock can be
    taken on it); without it, its sqlite3.DatabaseError is raised."""
    try:
        before = path.stat()
        db = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=rw",  # never creates a file deleted meanwhile
            uri=True,
            isolation_level=None,
            timeout=database.WRITE_WAIT_S,
        )
    except (OSError, sqlite3.Error):
        return False
    try:
        try:
            try:
                db.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as error:
                if is_busy(error):
                    raise StoreBusy() from error
                raise
            if not condition(db):
                return False  # none, or the store of a sign-in made since
        except sqlite3.DatabaseError:
            if not unreadable:
                raise
            # damaged: whose it is cannot be told; the profile, unchanged, decides
        try:
            now = path.stat()
        except OSError:
            return False
        if (now.st_dev, now.st_ino) != (before.st_dev, before.st_ino) or not still_ours():
            return False
        delete()
        return True
    finally:
        with contextlib.suppress(sqlite3.Error):
            if db.in_transaction:
                db.execute("ROLLBACK")
        db.close()


def delete_orphan_if_unknown(
    home: Path, still_ours: Callable[[], bool], delete: Callable[[], None]
) -> bool:
    """Delete a store left without a profile whose account cannot be told (no ACCOUNT_ID
    recorded, no journal: `Store.belongs_to` None) and that holds nothing waiting to be
    sent (WAITING_TABLES, `set_aside`): under its write lock, as `delete_if_logged_out`,
    when the file is still the one locked, still such a store, not marked by a logout and
    `still_ours()` (no profile saved meanwhile), runs `delete()` and returns True; else
    changes nothing and returns False. Its settings and verified contacts are then never
    taken over by another account signing in. Blocking: call it in a thread."""
    path = home / STORE_FILE
    with database.holding(str(path)):
        return _delete_if(path, _unknown_and_empty, still_ours, delete)


def delete_if_account(
    home: Path,
    account: bytes,
    still_ours: Callable[[], bool],
    delete: Callable[[], None],
    within: Callable[[sqlite3.Connection], bool] = lambda db: True,
) -> bool:
    """Delete the local data of `account` (account id) from `home`, after the account was
    deleted: under the store's write lock, as `delete_if_logged_out` (waiting up to
    database.WRITE_WAIT_S for another program's write, then StoreBusy), when the file is
    still the one locked, records `account` or no account (an earlier version's) or cannot
    be read (a damaged file, whose account cannot be told: the deleted account's profile is
    never kept for it), `within(db)` holds (read under that lock: what would be lost is
    agreed, `unsynced_on`) and `still_ours()` (the profile is still the one read), runs
    `delete()` and returns True; else changes nothing and returns False (no store, another
    account's, more unsynced than agreed, or a profile saved meanwhile by another program).
    Blocking: call it in a thread."""
    path = home / STORE_FILE
    with database.holding(str(path)):
        return _delete_if(
            path,
            lambda db: _recorded_account(db) in (None, account) and within(db),
            still_ours,
            delete,
            unreadable=True,
        )


def _unknown_and_empty(db: sqlite3.Connection) -> bool:
    """Whether the store records no account, holds no journal, no logout's mark and nothing
    waiting to be sent (`delete_orphan_if_unknown`)."""
    if _logged_out(db):
        return False
    if _recorded_account(db) is not None:
        return False
    return not any(
        db.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone()
        for table in ("journals", *WAITING_TABLES, "set_aside")
    )


def _recorded_account(db: sqlite3.Connection) -> bytes | None:
    """The account id the store records (ACCOUNT_ID), None when it records none."""
    row = db.execute("SELECT value FROM settings WHERE name = ?", (ACCOUNT_ID,)).fetchone()
    return bytes(row[0]) if row is not None and isinstance(row[0], bytes) else None


def _record_account(db: sqlite3.Connection, account: bytes, username: str = "") -> bytes | None:
    """Record `account` as the store's (ACCOUNT_ID) unless it records one already, and
    `username` (ACCOUNT_USERNAME) when the store is `account`'s and records no username: a
    write transaction only when one is missing. Returns the account id the store records
    then (another than `account` when it recorded another already)."""
    recorded = _recorded_account(db)
    named = not username or (
        db.execute("SELECT 1 FROM settings WHERE name = ?", (ACCOUNT_USERNAME,)).fetchone()
        is not None
    )
    if recorded is not None and (recorded != account or named):
        return recorded

    def record(db: sqlite3.Connection) -> None:
        db.execute("INSERT OR IGNORE INTO settings VALUES (?, ?)", (ACCOUNT_ID, account)).close()
        if username and _recorded_account(db) == account:
            db.execute(
                "INSERT OR IGNORE INTO settings VALUES (?, ?)", (ACCOUNT_USERNAME, username)
            ).close()

    _in_transaction(db, record)
    return _recorded_account(db)


def _logged_out(db: sqlite3.Connection) -> bool:
    """Whether the store holds a committed logout's triggers (LOGGED_OUT_TRIGGERS)."""
    names = [name for name, _ in LOGGED_OUT_TRIGGERS]
    marks = ", ".join("?" * len(names))
    found = db.execute(
        f"SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name IN ({marks}) LIMIT 1",
        names,
    ).fetchone()
    return found is not None


def unsynced_on(db: sqlite3.Connection, copies: set[bytes], account_key: bytes) -> tuple[int, int]:
    """`Store.unsynced`, read on `db` (a connection of the caller's, inside its transaction:
    `delete_if_account`'s `within`)."""
    return _unsynced(db, copies, account_key)


def _unsynced(
    db: sqlite3.Connection, copies: set[bytes], account_key: bytes, documents: str = ""
) -> tuple[int, int]:
    """`Store.unsynced` on the connection (inside the caller's transaction, if any); the
    items of `documents` (a query of (journal id, document id) rows) when given, else
    WAITING_DOCUMENTS (`Store.sendable`: OUTBOX_DOCUMENTS)."""
    query = documents or WAITING_DOCUMENTS
    waiting = [(bytes(r[0]), _blob(r[1])) for r in db.execute(query).fetchall()]
    originals: list[bytes] = []
    if any(journal_id in copies for journal_id, _ in waiting):
        originals = [
            bytes(r[1])
            for r in db.execute("SELECT journal_id, doc_id FROM documents").fetchall()
            if bytes(r[0]) not in copies
        ]
    created = int(db.execute("SELECT count(*) FROM pending_journals").fetchone()[0])
    set_aside = int(db.execute("SELECT count(*) FROM set_aside").fetchone()[0])
    return unsynced_changes(waiting, copies, originals, account_key) + created, set_aside


@dataclass(frozen=True)
class EntryQuery:
    """What `Store.entry_page` chooses: the entries of `journal_ids`, not in the trash nor
    deleted unless `include_deleted`, with any of `tags` (matched as `search.tag_key`: case and accents ignored) and any of
    `emotions` (empty: no filter), `created_at` (ms) within `rough` (inclusive, None: no
    bound), on a UTC day of `month_days` ("MM-DD"; empty: any) and kept by
    `keep(created_at, utc_offset)` (None: all), with their documents unless `rows_only`, newest first unless
    `newest_first` is False (by `created_at`, then id), at most `limit` (None: all).

    `copies` (journal id -> its owner's id) are journals holding copies of entries that the
    other journals of `journal_ids` hold whole (`queries.once_each`): an entry of one is
    left out when an entry of another of `journal_ids` not in `copies`, of the same owner
    (`owners`: journal id -> owner id), has the same `created_at` and `utc_offset` and
    `same(copy, whole)` (their documents) says it is the same entry."""

    journal_ids: Sequence[bytes]
    include_deleted: bool = False
    tags: frozenset[str] = frozenset()
    emotions: frozenset[str] = frozenset()
    rough: tuple[int | None, int | None] = (None, None)
    keep: Callable[[int, int | None], bool] | None = None
    month_days: frozenset[str] = frozenset()
    newest_first: bool = True
    rows_only: bool = False
    limit: int | None = None
    copies: Mapping[bytes, bytes] = field(default_factory=dict)
    owners: Mapping[bytes, bytes] = field(default_factory=dict)
    same: Callable[[StoredDocument, StoredDocument], bool] | None = None


@dataclass(frozen=True)
class EntryPage:
    """What `Store.entry_page` found: (id, journal id, row) of the entries chosen, in
    order, their documents by id, and how many it chose in all."""

    rows: list[tuple[bytes, bytes, EntryRow]]
    documents: dict[bytes, StoredDocument]
    total: int
    journal_ids: set[bytes]
    """The journals of every entry chosen, returned or not."""


def _entry_page(
    db: sqlite3.Connection, query: EntryQuery, journals: list[bytes]
) -> EntryPage | None:
    """`Store.entry_page` in one read transaction (or in the one open)."""
    began = not db.in_transaction
    if began:
        db.execute("BEGIN")
    try:
        return _entry_page_read(db, query, journals)
    finally:
        if began:
            db.execute("COMMIT")


_ROW_COLUMNS = "doc_id, journal_id, created_at, utc_offset, trashed, deleted, tags, emotions, mood"


def _entry_row(row: Any) -> tuple[bytes, bytes, EntryRow]:
    tags, emotions = json.loads(row[6]), json.loads(row[7])
    entry = EntryRow(
        int(row[2]), row[3], bool(row[4]), bool(row[5]), tuple(tags), tuple(emotions), row[8]
    )
    return bytes(row[0]), bytes(row[1]), entry


TAG_KEY_SQL = "tj_tag_key"
"""The SQL function `_entry_page_read` registers on its connection: `search.tag_key`."""


def _entry_page_read(
    db: sqlite3.Connection, query: EntryQuery, journals: list[bytes]
) -> EntryPage | None:
    if (
        db.execute("SELECT 1 FROM entry_rows_stale LIMIT 1").fetchall()
        or db.execute(NEW_ENTRIES + " LIMIT 1", (_rows_read(db),)).fetchall()
    ):
        return None
    if not journals:
        return EntryPage([], {}, 0, set())
    listed = "" if query.include_deleted else " AND {t}.trashed = 0 AND {t}.deleted = 0"
    where = [f"journal_id IN ({', '.join('?' * len(journals))})"]
    params: list[Any] = list(journals)
    if not query.include_deleted:
        where.append("trashed = 0 AND deleted = 0")
    if query.tags:  # accents and case ignored, as a search does (`search.tag_key`)
        db.create_function(TAG_KEY_SQL, 1, tag_key, deterministic=True)
    for column, wanted in (("tags", query.tags), ("emotions", query.emotions)):
        if wanted:
            names = sorted({tag_key(n) for n in wanted} if column == "tags" else wanted)
            value = f"{TAG_KEY_SQL}(value)" if column == "tags" else "value"
            where.append(
                f"EXISTS (SELECT 1 FROM json_each(entry_rows.{column}) "
                f"WHERE {value} IN ({', '.join('?' * len(names))}))"
            )
            params += names
    if query.month_days:
        days = sorted(query.month_days)
        where.append(
            f"strftime('%m-%d', created_at / 1000, 'unixepoch') IN ({', '.join('?' * len(days))})"
        )
        params += days
    low, high = query.rough
    if low is not None:
        where.append("created_at >= ?")
        params.append(low)
    if high is not None:
        where.append("created_at <= ?")
        params.append(high)
    dropped = _dropped_copies(db, query, journals, listed)
    if dropped is None:
        return None
    order = "DESC" if query.newest_first else "ASC"
    chosen = f"FROM entry_rows WHERE {' AND '.join(where)}"
    ordered = f"SELECT {_ROW_COLUMNS} {chosen} ORDER BY created_at {order}, doc_id {order}"
    rows: list[tuple[bytes, bytes, EntryRow]] = []
    if query.keep is None and not dropped:
        if query.limit is not None:
            ordered += f" LIMIT {int(query.limit)}"
        rows = [_entry_row(r) for r in db.execute(ordered, params)]
        in_journals = {journal_id for _, journal_id, _ in rows}
        total = len(rows)
        if query.limit is not None and len(rows) == query.limit:  # more may match
            counts = db.execute(f"SELECT journal_id, count(*) {chosen} GROUP BY journal_id", params)
            by_journal = {bytes(r[0]): int(r[1]) for r in counts}
            total, in_journals = sum(by_journal.values()), set(by_journal)
    else:
        total, in_journals = 0, set()
        for r in db.execute(ordered, params):
            if bytes(r[0]) in dropped or (
                query.keep is not None and not query.keep(int(r[2]), r[3])
            ):
                continue
            total += 1
            in_journals.add(bytes(r[1]))
            if query.limit is None or len(rows) < query.limit:
                rows.append(_entry_row(r))
    documents = {} if query.rows_only else _documents_read(db, [d for d, _, _ in rows])
    if len(documents) != len(rows) and not query.rows_only:
        return None
    return EntryPage(rows, documents, total, in_journals)


def _documents_read(db: sqlite3.Connection, doc_ids: list[bytes]) -> dict[bytes, StoredDocument]:
    found: dict[bytes, StoredDocument] = {}
    for chunk, marks in _in_chunks(doc_ids):
        for r in db.execute(
            f"SELECT doc_id, journal_id, kind, state, waiting FROM documents "
            f"WHERE doc_id IN ({marks})",
            chunk,
        ):
            found[bytes(r[0])] = _stored_document(r)
    return found


COPY_PAIRS_COMPARED = 2000
"""Pairs of a copy and an entry of the same owner and moment that the index of entries
compares at most (`_dropped_copies`); past it, the listing reads every entry instead: copies
that match no entry, written at one millisecond by a client, would cost the pairs' square."""


def _dropped_copies(
    db: sqlite3.Connection, query: EntryQuery, journals: list[bytes], listed: str
) -> set[bytes] | None:
    """The entries of `query.copies` that `queries.once_each` leaves out (`EntryQuery`);
    None when they cannot be told (no `same`)."""
    copies = [j for j in journals if j in query.copies]
    wholes = [j for j in journals if j not in query.copies]
    if not copies or not wholes:
        return set()
    if query.same is None:
        return None
    pairs = db.execute(
        "SELECT c.doc_id, c.journal_id, w.doc_id, w.journal_id FROM entry_rows c "
        "JOIN entry_rows w ON w.created_at = c.created_at AND w.utc_offset IS c.utc_offset "
        f"WHERE c.journal_id IN ({', '.join('?' * len(copies))}) "
        f"AND w.journal_id IN ({', '.join('?' * len(wholes))})"
        + listed.format(t="c")
        + listed.format(t="w"),
        [*copies, *wholes],
    ).fetchall()
    candidates = [
        (bytes(r[0]), bytes(r[2]))
        for r in pairs
        if query.copies[bytes(r[1])] == query.owners.get(bytes(r[3]), b"")
    ]
    if len(candidates) > COPY_PAIRS_COMPARED:
        return None  # the whole listing compares them, through its kept views (REV-S10B F4)
    documents = _documents_read(db, list({d for pair in candidates for d in pair}))
    dropped: set[bytes] = set()
    for copy, whole in candidates:  # each copy until one entry is the same (REV-S10 S10-1)
        if copy in dropped or copy not in documents or whole not in documents:
            continue
        if query.same(documents[copy], documents[whole]):
            dropped.add(copy)
    return dropped


ENTRY_KIND = "entry"
"""`documents.ENTRY`, as the statements of ENTRY_ROWS name it."""
NEW_ENTRIES = "SELECT 1 FROM documents WHERE rowid > ? AND kind = 'entry'"
"""Whether an entry is new to the index of entries (ENTRY_ROWS), with LIMIT 1."""


def _rows_read(db: sqlite3.Connection) -> int:
    """`entry_rows_read.last`: the highest rowid of `documents` the index has read."""
    return int(db.execute("SELECT last FROM entry_rows_read").fetchone()[0])


def _reset_entry_rows(db: sqlite3.Connection) -> None:
    """Empty the index of entries (ENTRY_ROWS): every document is new to it again."""
    db.execute("DELETE FROM entry_rows")
    db.execute("DELETE FROM entry_rows_stale")
    db.execute("UPDATE entry_rows_read SET last = 0")


def _owe_entry_rows_reset(db: sqlite3.Connection) -> None:
    """`_reset_entry_rows`, and owe it again (`last` -1, below every rowid: every
    document is new, and `_index_new_entries` resets the index before reading them) until
    `Store.scrub` does it once its VACUUM is done."""
    _reset_entry_rows(db)
    db.execute("UPDATE entry_rows_read SET last = -1")


def _index_new_entries(
    db: sqlite3.Connection, row_of: Callable[[StoredDocument], EntryRow], limit: int
) -> bool:
    """`Transaction.index_new_entries` in its transaction (first the reset a scrub owes:
    `_owe_entry_rows_reset`)."""
    last = _rows_read(db)
    if last < 0:
        _reset_entry_rows(db)
        last = 0
    found = db.execute(
        "SELECT rowid, doc_id, journal_id, kind, state, waiting FROM documents "
        "WHERE rowid > ? ORDER BY rowid LIMIT ?",
        (last, limit),
    ).fetchall()
    if not found:
        return False
    documents = [_stored_document(r[1:]) for r in found]
    _write_entry_rows(db, [(d, row_of(d)) for d in documents if d.kind == ENTRY_KIND])
    db.execute("UPDATE entry_rows_read SET last = ?", (int(found[-1][0]),))
    return len(found) == limit


def _write_entry_rows(db: sqlite3.Connection, rows: list[tuple[StoredDocument, EntryRow]]) -> None:
    db.executemany(
        f"INSERT OR REPLACE INTO entry_rows ({_ROW_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                stored.doc_id,
                stored.journal_id,
                row.created_at,
                row.utc_offset,
                int(row.trashed),
                int(row.deleted),
                _json_list(row.tags),
                _json_list(row.emotions),
                row.mood,
            )
            for stored, row in rows
        ],
    )


def _json_list(values: tuple[str, ...]) -> str:
    """`json.dumps(list(values))`: "[]" for none, as most entries have (no call to the JSON
    encoder: two an entry, for each of the 10,000 entries a first listing indexes, issue 10)."""
    return json.dumps(list(values)) if values else "[]"


def _lacks_entry_rows(db: sqlite3.Connection) -> bool:
    """Whether the store lacks ENTRY_ROWS's last table or column."""
    made = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'entry_rows_read'"
    columns = {str(r[1]) for r in db.execute("PRAGMA table_info(entry_rows)")}
    return not (db.execute(made).fetchall() and "mood" in columns)


_ENTRY_ROWS_DROPPED = (
    "DROP TABLE IF EXISTS entry_rows",
    "DROP TABLE IF EXISTS entry_rows_stale",
    "DROP TABLE IF EXISTS entry_rows_read",
    "DROP TRIGGER IF EXISTS entry_rows_on_insert",
    "DROP TRIGGER IF EXISTS entry_rows_on_delete",
    "DROP TRIGGER IF EXISTS entry_rows_on_update",
)


def _counts_made(db: sqlite3.Connection) -> dict[str, str]:
    """The store's tables and triggers named as the counts' are (COUNTS_PREFIX: this
    version's and any other's): name -> type."""
    rows = db.execute(
        "SELECT name, type FROM sqlite_master WHERE name GLOB ?", (f"{COUNTS_PREFIX}*",)
    )
    return {str(name): str(kind) for name, kind in rows}


_COUNTS_NAMES = [statement.split()[2] for statement in COUNTS]
_COUNTS_FOUND = (
    "SELECT count(*), coalesce(sum(name GLOB '" + COUNTS_TABLE + "*'), 0), "
    "coalesce(sum(name IN (" + ", ".join(f"'{name}'" for name in _COUNTS_NAMES) + ")), 0) "
    f"FROM sqlite_master WHERE name GLOB '{COUNTS_PREFIX}*'"
)


def _counts_found(db: sqlite3.Connection) -> tuple[bool, bool]:
    """(whether the store's table and triggers named as COUNTS' are not exactly COUNTS':
    its table is not COUNTS_TABLE, one is missing (a watched table dropped and made again)
    or another is there; whether another version's are there too)."""
    every, named_ours, ours = (int(n) for n in db.execute(_COUNTS_FOUND).fetchone())
    return (named_ours, ours) != (len(COUNTS), len(COUNTS)), every > named_ours


def _counts_differ(db: sqlite3.Connection) -> bool:
    """Whether the store's counts are not exactly COUNTS (`_counts_found`), or another
    version's are there beside them."""
    differ, others = _counts_found(db)
    return differ or others


def _add_counts(db: sqlite3.Connection, shared: Callable[[], bool] = lambda: False) -> None:
    """COUNTS, in one write transaction (`begin_immediate`), in a store whose counting table
    and triggers are not exactly COUNTS: none (a store an earlier version made, which counted
    in temporary triggers), or not all of them (what is there of them is dropped and COUNTS
    made, every count 0). Another version's (other tables counted; this version's names
    begin with COUNTS_TABLE, theirs not) are dropped only when no other process has the store
    open (`shared()` False, asked in the transaction: `Database.shared`): else that version
    may be syncing now, and its statements would fail without its table (an upgrade while an
    older `tj` runs); they are dropped at a later opening. None taken when the store has
    exactly COUNTS, or COUNTS and another version's while it is shared; another process
    making them at once is waited for, and what it made is kept."""
    differ, others = _counts_found(db)
    if not differ and not (others and not shared()):
        return

    _in_transaction(db, lambda db: _make_counts(db, shared))


def _make_counts(db: sqlite3.Connection, shared: Callable[[], bool]) -> None:
    """`_add_counts`' changes, in the write transaction `db` is in (what is there read
    again in it)."""
    differ, others = _counts_found(db)
    theirs = others and not shared()  # another version's, no other process to use them
    dropped = {
        name: kind
        for name, kind in _counts_made(db).items()
        if (differ if name.startswith(COUNTS_TABLE) else theirs)
    }
    for name, kind in sorted(dropped.items(), key=lambda item: item[1] == "table"):
        db.execute(f"DROP {kind.upper()} IF EXISTS {name}")  # triggers before the table
    if differ:
        for statement in COUNTS:
            db.execute(statement)
        db.execute(f"INSERT INTO {COUNTS_TABLE} VALUES ({', '.join('0' for _ in COUNTED)})")


def _counts_read(db: sqlite3.Connection, sql: str, params: Sequence[Any] = ()) -> Any:
    """The one row of `sql`, a statement reading COUNTS_TABLE. When the table is gone (an
    earlier version, which drops every other version's counts at its opening, opened the
    store while this process had it open), COUNTS are made again first (every count 0, with
    a `data_version` moved by that version's commit, so nothing read before matches them;
    another version's counts kept: its process is running) and `sql` run again: in this
    connection's write transaction when it is in one, else in one of its own."""
    try:
        return db.execute(sql, params).fetchone()
    except sqlite3.OperationalError as error:
        if COUNTS_TABLE not in str(error):
            raise
    if db.in_transaction:
        _make_counts(db, lambda: True)
    else:
        _add_counts(db, lambda: True)
    return db.execute(sql, params).fetchone()


def _adopt_own_removals(db: sqlite3.Connection, shared: Callable[[], bool]) -> None:
    """The setting sync.OWN_REMOVALS, which versions before the table `own_removals` wrote
    (one JSON list rewritten whole at each deletion: rev32c F4), moved into that table, in
    one write transaction; none taken when the store holds no such setting, or while another
    process has the store open (`shared()`: an earlier version's pulls read only the
    setting; this version reads both, `Store.own_removals`)."""
    found = "SELECT value FROM settings WHERE name = ?"
    if db.execute(found, (OWN_REMOVALS,)).fetchone() is None or shared():
        return

    def adopt(db: sqlite3.Connection) -> None:
        row = db.execute(found, (OWN_REMOVALS,)).fetchone()
        if row is None:  # another process moved it meanwhile
            return
        db.executemany(
            "INSERT OR IGNORE INTO own_removals VALUES (?, ?)",
            [
                (journal_id, record_id)
                for journal_id, records_ in decode_own_snapshots(row[0]).items()
                for record_id in records_
            ],
        )
        db.execute("DELETE FROM settings WHERE name = ?", (OWN_REMOVALS,))

    _in_transaction(db, adopt)


def _earlier_own_removals_without(
    db: sqlite3.Connection, dropped: set[tuple[bytes, bytes]], on_device: Collection[bytes]
) -> None:
    """The setting sync.OWN_REMOVALS (`_adopt_own_removals`) without the records `dropped`
    and those of journals not in `on_device`, in the write transaction `db` is in."""
    row = db.execute("SELECT value FROM settings WHERE name = ?", (OWN_REMOVALS,)).fetchone()
    if row is None:
        return
    listed = decode_own_snapshots(row[0])
    kept = {
        journal_id: {r: 0 for r in records_ if (journal_id, r) not in dropped}
        for journal_id, records_ in listed.items()
        if journal_id in on_device
    }
    value = encode_own_snapshots({j: records_ for j, records_ in kept.items() if records_})
    if value is None:
        db.execute("DELETE FROM settings WHERE name = ?", (OWN_REMOVALS,))
    elif value != row[0]:
        db.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", (OWN_REMOVALS, value))


def _add_entry_rows(db: sqlite3.Connection) -> None:
    """ENTRY_ROWS, in one write transaction (`begin_immediate`), in a store that lacks its
    last table or column (one made before them is made again: every entry new); none taken
    when the store has them. Another process doing it at once is waited for, and what it
    made is kept."""
    if not _lacks_entry_rows(db):
        return

    def make(db: sqlite3.Connection) -> None:
        if not _lacks_entry_rows(db):  # read again, in the transaction
            return
        for statement in (*_ENTRY_ROWS_DROPPED, *_statements(ENTRY_ROWS)):
            db.execute(statement)

    _in_transaction(db, make)


def _stored_document(row: Any) -> StoredDocument:
    """A row (doc_id, journal_id, kind, state, waiting) of `documents`."""
    return StoredDocument(bytes(row[0]), bytes(row[1]), row[2], bytes(row[3]), _blob(row[4]) or b"")


def _peer(row: Any) -> Peer:
    return Peer(bytes(row[0]), row[1], bytes(row[2]), bytes(row[3]), bool(row[4]))


def _blob(value: Any) -> bytes | None:
    return bytes(value) if value is not None else None


@filled_at_once
@dataclass(frozen=True)
class NewDocument:
    """A document created on this device and the sealed record that carries it."""

    document: StoredDocument
    record_id: bytes
    epoch: int
    ciphertext: bytes
    seen: SeenRecord
    creator: bytes
    updated_at: int
    covers: bytes | None = None
    """The covers the record carries, encoded (withholding.encode_covers), if any."""
    created: tuple[tuple[str, Any], ...] = ()
    """The settling fields this device gave it (name, value: settling.given_values), kept in
    its history on its own row (CREATED_VALUES)."""


def _version(db: sqlite3.Connection) -> tuple[int, int]:
    """`Store.version` read on the connection: (rows this connection changed, PRAGMA
    data_version, which moves when another connection commits)."""
    return db.total_changes, int(db.execute("PRAGMA data_version").fetchone()[0])


SET_SETTING = "INSERT OR REPLACE INTO settings VALUES (?, ?)"
REMEMBER_CREATION = "INSERT INTO field_writes VALUES (?, ?, ?, ?, 0)"
"""A value given at a document's creation, kept in its history: (doc id, name, JSON, ms)."""

CREATED_VALUES = "created_values"
"""The column of `documents` keeping the values this device gave a document it created here
through `insert_new_documents` (an entry's `write`), for its `history` (`Store.history`: they
come first): JSON `[ms, [[name, value], ...]]` (`encode_created`), NULL when none. Kept
on the row the creation inserts anyway, not as rows of `field_writes` (with its two indexes: a
write giving a title and a mood dirtied three pages more; issue 10). Written only by the
creation; the upsert of a state pulled or merged (`put_documents`) never names it, so it
outlives every later state and is never set from another device's data. Forgotten with the
document's field writes (`Transaction.forget_field_writes`) and deleted with its row. A store
made before it gets it NULL (ADDED_COLUMNS); creation values a version before kept in
`field_writes` (marked synced) stay there, read as before."""


_ENCODE_CREATED = json.JSONEncoder(check_circular=False).encode
"""`json.dumps` with its defaults, made once, without the check for a list holding itself (a
creation's values are JSON values read from what it wrote: none can): the same text, about a
third of its cost less (issue 10: ~9 k of an entry's ~1.26 M instructions)."""


def encode_created(at: int, values: tuple[tuple[str, Any], ...]) -> str | None:
    """CREATED_VALUES of (name, JSON value) pairs given at `at` (ms); None for none. One
    encoding with json's defaults (its fast encoder: a write pays a few microseconds); the
    tuples are JSON arrays as lists are."""
    return _ENCODE_CREATED((at, values)) if values else None


def decode_created(text: str | None) -> list[tuple[str, Any, int]]:
    """(name, value, ms) of a CREATED_VALUES (`encode_created`), in the order given."""
    if text is None:
        return []
    at, pairs = json.loads(text)
    return [(str(name), value, int(at)) for name, value in pairs]


def _in_transaction(db: sqlite3.Connection, fn: Callable[[sqlite3.Connection], T]) -> T:
    """`fn(db)` inside BEGIN IMMEDIATE ... COMMIT (`database.begin_immediate`: the wait for
    another connection's write lock is never on the event loop)."""
    begin_immediate(db)
    try:
        result = fn(db)
        commit(db)
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    return result


def insert_new_documents(db: sqlite3.Connection, changes: list[NewDocument]) -> None:
    """Inside a write transaction: documents created on this device, each with the record
    carrying it in the outbox (in this order), marked seen, with its covers; one statement
    per table for all of them (an import stores hundreds at a time). The caller's
    `Store.write` passes `sends=True`."""
    db.executemany(
        "INSERT INTO outbox (journal_id, record_id, epoch, ciphertext, doc_id) "
        "VALUES (?, ?, ?, ?, ?)",
        [
            (c.document.journal_id, c.record_id, c.epoch, c.ciphertext, c.document.doc_id)
            for c in changes
        ],
    )
    db.executemany(MARK_SEEN, [_seen_values(c.seen) for c in changes])
    covers = [
        (c.document.journal_id, c.record_id, c.covers) for c in changes if c.covers is not None
    ]
    if covers:  # usually none: no statement for nothing
        db.executemany(PUT_COVERS, covers)
    db.executemany(  # with the values given at creation, for its history (CREATED_VALUES)
        "INSERT INTO documents "
        f"(doc_id, journal_id, kind, state, updated_at, creator, waiting, {CREATED_VALUES}) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                c.document.doc_id,
                c.document.journal_id,
                c.document.kind,
                c.document.state,
                c.updated_at,
                c.creator,
                c.document.waiting or None,
                encode_created(c.updated_at, c.created),
            )
            for c in changes
        ],
    )


def _mark_acknowledged(
    db: sqlite3.Connection, journal_id: bytes, rows: list[tuple[bytes, int, bytes]]
) -> None:
    """`Transaction.mark_acknowledged` on the connection, inside a write transaction."""
    if not rows:
        return
    cursor = db.executemany(
        "UPDATE seen_records SET seq = ?, sealed = ? WHERE journal_id = ? AND record_id = ?",
        [(seq, sealed, journal_id, record_id) for record_id, seq, sealed in rows],
    )
    updated = cursor.rowcount
    cursor.close()
    if updated != len(rows):  # record ids are distinct in a push
        seen = [SeenRecord(journal_id, r, seq, sealed=sealed) for r, seq, sealed in rows]
        db.executemany(MARK_SEEN, [_seen_values(r) for r in seen]).close()


def _remove_outbox(db: sqlite3.Connection, positions: list[int]) -> None:
    """The outbox records at `positions` deleted, one statement a chunk of them (issue 10: not
    one a record acknowledged)."""
    for chunk, marks in _in_chunks(positions):
        db.execute(f"DELETE FROM outbox WHERE position IN ({marks})", chunk).close()


def _own_records(
    db: sqlite3.Connection, journal_id: bytes, record_ids: list[bytes]
) -> list[tuple[bytes, bytes, int, tuple[Cover, ...]]]:
    """`Transaction.own_records` on the connection."""
    found = []
    for chunk, marks in _in_chunks(record_ids):
        rows = db.execute(
            "SELECT s.author, s.device, s.counter, c.covers FROM seen_records s "
            "LEFT JOIN record_covers c ON c.journal_id = s.journal_id "
            "AND c.record_id = s.record_id WHERE s.journal_id = ? AND s.counter IS NOT NULL "
            f"AND s.record_id IN ({marks})",
            (journal_id, *chunk),
        ).fetchall()
        for r in rows:
            covers = decode_covers(bytes(r[3])) if r[3] is not None else ()
            found.append((bytes(r[0]), bytes(r[1]), int(r[2]), covers))
    return found


def _put_journal_counters(
    db: sqlite3.Connection, journal_id: bytes, devices: dict[Key, DeviceCounters]
) -> None:
    if not devices:
        return
    db.executemany(
        "INSERT OR REPLACE INTO device_counters (journal_id, author, device, received, "
        "claimed, claimed_by, written) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (journal_id, a, d, state.encode(), state.claimed, state.claimed_by, state.written)
            for (a, d), state in devices.items()
        ],
    ).close()


def _acknowledge_own(db: sqlite3.Connection, journal_id: bytes, record_ids: list[bytes]) -> None:
    """`Transaction.acknowledge_own` on the connection, inside a write transaction."""
    known = JournalCounters(journal_id, _journal_counters(db, journal_id))
    for author, device, counter, covers in _own_records(db, journal_id, record_ids):
        known.acknowledged(author, device, counter)
        if not is_cut(author, device, counter, covers):
            known.cover(covers)
    _put_journal_counters(db, journal_id, {k: known.devices[k] for k in known.changed})


def acknowledge_pushed(
    db: sqlite3.Connection,
    journal_id: bytes,
    pushed: list[tuple[int, bytes, int, bytes]],
    keep: Collection[int] = (),
) -> None:
    """Inside a write transaction: the server stored these records of this device's outbox,
    as (outbox position, record id, seq, crypto.hash32 of the ciphertext sent): marked
    acknowledged (`Transaction.mark_acknowledged`), out of the outbox, and accounted for
    (`Transaction.acknowledge_own`). Those at the positions `keep` (a safety flag's first
    push, and the result it belongs to: `pushing.flag_results`) are kept whole in `kept_flags` (`Store.kept_flags`), to be sent again should the
    server never serve them back; so is every record pushed of a document `kept_flags`
    keeps a record of (a kept flag sealed again, under its id or as a fresh snapshot under
    a new one, rev30b F1: the flag stays kept under what was last pushed). What `Pusher`
    records after each push, in one call."""
    _mark_acknowledged(db, journal_id, [(r, seq, sealed) for _, r, seq, sealed in pushed])
    wanted = set(keep)
    if wanted or _keeps_flags(db, journal_id):  # else none is kept: no statement a record
        _keep_flags(db, pushed, wanted)
    _remove_outbox(db, [position for position, _, _, _ in pushed])
    _acknowledge_own(db, journal_id, [r for _, r, _, _ in pushed])


def _keeps_flags(db: sqlite3.Connection, journal_id: bytes) -> bool:
    """Whether `kept_flags` keeps a record of the journal (issue 10: a push of entries, with
    none kept, copied nothing at one statement a record acknowledged)."""
    found = db.execute("SELECT 1 FROM kept_flags WHERE journal_id = ? LIMIT 1", (journal_id,))
    return found.fetchone() is not None


def _keep_flags(
    db: sqlite3.Connection, pushed: list[tuple[int, bytes, int, bytes]], wanted: set[int]
) -> None:
    """`acknowledge_pushed`'s copy into `kept_flags` of the records pushed at `wanted`
    positions and of those of documents it keeps a record of, from the outbox."""
    db.executemany(
        "INSERT OR REPLACE INTO kept_flags (journal_id, record_id, epoch, ciphertext, doc_id) "
        "SELECT o.journal_id, o.record_id, o.epoch, o.ciphertext, o.doc_id FROM outbox o "
        "WHERE o.position = ? AND o.doc_id IS NOT NULL AND (? OR EXISTS (SELECT 1 FROM "
        "kept_flags k WHERE k.journal_id = o.journal_id AND k.doc_id = o.doc_id))",
        [(p, p in wanted) for p, _, _, _ in pushed],
    ).close()


@functools.lru_cache(maxsize=4096)  # a journal list stores every journal listed (issue 10)
def legacy_counters_tag(journal_id: bytes) -> bytes:
    """What `kept_write_counters` named a removed journal by before R38 G1/G2: BLAKE2b-256,
    unkeyed, of its id in a frame of its own. Anyone who knows the id (the server, every
    member) computes it, so it is never written any more; rows a store already holds under
    it cannot be re-tagged (the store keeps no id to compute the keyed tag from) and are
    kept, read only to give their counters back when the journal is listed again
    (`Transaction.put_journal`), then deleted: dropping them instead would let a journal
    listed again make a device sign a counter twice (R36 F4/F5), which is worse than the
    trace they leave of a journal removed before this version."""
    return crypto.hash32(crypto.frame(b"tj kept write counters", journal_id))


ADOPT_LEGACY_COUNTERS = (
    "INSERT INTO device_write_counters (journal_id, device, counter) "
    "SELECT w.journal_id, :device, w.counter FROM write_counters w WHERE "
    "EXISTS (SELECT 1 FROM seen_records s WHERE s.journal_id = w.journal_id "
    "AND s.device = :device AND s.author = :account) "
    "OR EXISTS (SELECT 1 FROM withdrawn d WHERE d.journal_id = w.journal_id "
    "AND d.device = :device AND d.author = :account) "
    "OR EXISTS (SELECT 1 FROM device_counters c WHERE c.journal_id = w.journal_id "
    "AND c.device = :device AND c.author = :account) "
    "ON CONFLICT(journal_id, device) DO UPDATE SET counter = max(counter, excluded.counter)"
)
"""`Store.open`: the per-journal counters of a store from before counters were kept per
device go to the profile's device in the journals where the store shows it wrote (a record
of its id, a counter of its id withdrawn or counted), then are deleted. In such a journal the
profile's id was the last of the home's ids to write (a home's ids follow one another, and it
is the latest), so the journal's counter is its own. Where it never wrote, the counter was an
earlier id's (signed in again with the older SDK before this upgrade: R36 F7), and the
profile's id starts from 1 there. Only records of this account count (`:account`): a member
chooses the device field of the bodies it signs, and could name this home's id (R38 G4)."""


def _adopt_legacy_counters(
    db: sqlite3.Connection, device: bytes, account: bytes, new_device: bool
) -> None:
    """The legacy counters go to `device` (of `account`), or are dropped when it is
    `new_device` or the account is unknown."""
    legacy = "SELECT 1 FROM write_counters LIMIT 1"
    if db.execute(legacy).fetchone() is None:
        return

    def adopt(db: sqlite3.Connection) -> None:
        if db.execute(legacy).fetchone() is None:  # another process adopted them meanwhile
            return
        if not new_device and account:
            db.execute(ADOPT_LEGACY_COUNTERS, {"device": device, "account": account})
        db.execute("DELETE FROM write_counters")

    _in_transaction(db, adopt)  # `begin_immediate`: the wait for the lock off the loop


NEXT_COUNTER = (
    "INSERT INTO device_write_counters VALUES (?, ?, ?) ON CONFLICT(journal_id, device) "
    "DO UPDATE SET counter = counter + excluded.counter RETURNING counter"
)


def _next_counter(db: sqlite3.Connection, journal_id: bytes, device: bytes, count: int = 1) -> int:
    """Take the device's next `count` record counters in the journal (1, 2, 3, ...);
    returns the first. Counters are per (journal, device): protocol.md 4.18."""
    row = db.execute(NEXT_COUNTER, (journal_id, device, count)).fetchone()
    return int(row[0]) - count + 1


TAKE_COUNTERS = (
    "INSERT INTO device_write_counters VALUES (?, ?, ?) ON CONFLICT(journal_id, device) "
    "DO UPDATE SET counter = counter + excluded.counter RETURNING counter, "
    f"(SELECT counting FROM {COUNTS_TABLE}), (SELECT journals FROM {COUNTS_TABLE}), "
    "(SELECT data_version FROM pragma_data_version)"
)


def _take_counters(
    db: sqlite3.Connection, journal_id: bytes, device: bytes, count: int
) -> tuple[int, tuple[int, int], tuple[int, int]]:
    """`_next_counter`, and the `_changes` of the counting tables and of the journals table,
    in one statement (a write takes its counter and checks both: issue 10)."""
    row = _counts_read(db, TAKE_COUNTERS, (journal_id, device, count))
    version = int(row[3])
    return int(row[0]) - count + 1, (int(row[1]), version), (int(row[2]), version)


def _take_withdrawn(db: sqlite3.Connection, journal_id: bytes) -> tuple[Cover, ...]:
    """The counters withdrawn in the journal, taken (the next record carries them): as many
    as one record's covers carry within the limits readers take (`bounded_in_order`); the
    rest stay withdrawn, for the record after it (protocol.md 4.15, "Within the limits")."""
    return _take_withdrawn_part(db, journal_id)[0]


def _take_withdrawn_part(
    db: sqlite3.Connection, journal_id: bytes
) -> tuple[tuple[Cover, ...], bool]:
    """`_take_withdrawn`, and whether some stay withdrawn (they did not all fit)."""
    rows = db.execute(
        "DELETE FROM withdrawn WHERE journal_id = ? RETURNING author, device, lo, hi",
        (journal_id,),
    ).fetchall()
    if not rows:
        return (), False  # the common case: nothing withdrawn (no statement to put any back)
    taken, rest = bounded_in_order(
        Cover(bytes(r[0]), bytes(r[1]), ((int(r[2]), int(r[3])),)) for r in rows
    )
    db.executemany(
        "INSERT INTO withdrawn VALUES (?, ?, ?, ?, ?)",
        [(journal_id, c.author, c.device, lo, hi) for c in rest for lo, hi in c.ranges],
    )
    return taken, bool(rest)


def _journal_counters(db: sqlite3.Connection, journal_id: bytes) -> dict[Key, DeviceCounters]:
    rows = db.execute(
        "SELECT author, device, received, claimed, claimed_by, written FROM device_counters "
        "WHERE journal_id = ?",
        (journal_id,),
    ).fetchall()
    return {
        (bytes(r[0]), bytes(r[1])): DeviceCounters.decode(bytes(r[2]), r[3], bytes(r[4]), r[5])
        for r in rows
    }


MARKED_DOCUMENTS = "SELECT doc_id FROM field_writes WHERE field = ? ORDER BY rowid"
"""The documents with a mark (`Store.marked_documents`)."""
KEPT_AND_MARKED = "SELECT doc_id, field FROM field_writes WHERE field IN (?, ?)"
"""The documents with kept values of one name and those with a mark (`mark_where_kept`:
every pulled page holding entries asks it). Both read through `field_writes_by_field`,
not every field write of the device's history (issue 10)."""

MARK_SEEN = (
    "INSERT INTO seen_records (journal_id, record_id, seq, doc_id, author, device, "
    "counter, epoch, snapshot, removes, sealed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT(journal_id, record_id) DO UPDATE SET "
    "seq = coalesce(excluded.seq, seq), doc_id = coalesce(excluded.doc_id, doc_id), "
    "author = coalesce(excluded.author, author), "
    "device = coalesce(excluded.device, device), "
    "counter = coalesce(excluded.counter, counter), "
    "epoch = coalesce(excluded.epoch, epoch), "
    "snapshot = coalesce(excluded.snapshot, snapshot), "
    "removes = coalesce(excluded.removes, removes), "
    "sealed = coalesce(excluded.sealed, sealed)"
)


PUT_COVERS = "INSERT OR REPLACE INTO record_covers VALUES (?, ?, ?)"


def _seen_values(r: SeenRecord) -> tuple[Any, ...]:
    snapshot = None if r.snapshot is None else int(r.snapshot)
    removes = None if r.removes is None else int(r.removes)
    return (
        r.journal_id, r.record_id, r.seq, r.doc_id, r.author, r.device, r.counter, r.epoch,
        snapshot, removes, r.sealed,
    )  # fmt: skip


async def _rollback(db: Database) -> None:
    """Roll back the open transaction, if BEGIN got as far as opening one."""
    with contextlib.suppress(sqlite3.OperationalError):  # "no transaction is active"
        await db.execute("ROLLBACK")


JOURNAL_UNCHANGED = (
    "SELECT 1 FROM journals WHERE journal_id = ? AND owner_id = ? AND role = ? AND epoch = ? "
    "AND name = ? AND meta_version = ? AND owner_name = ? AND expires_at = ? AND meta = ? "
    "AND named_at >= ? AND NOT EXISTS (SELECT 1 FROM kept_write_counters WHERE tag IN (?, ?)) "
    "AND NOT EXISTS (SELECT 1 FROM kept_withdrawn WHERE tag = ?)"
)
"""A row `Transaction.put_journal` would write back as it is (every column its upsert sets
equal, `named_at` not below, SQLite's `=` on values of the column's type: exact bytes and
text) with no kept counters or withdrawals under the journal's tags to give back."""


class Transaction:
    """Writes inside one local transaction."""

    def __init__(self, db: Database, device: bytes) -> None:
        self._db = db
        self._device = device
        self.began: tuple[bytes | None, int] | None = None
        """The log's header (Database.log_state) and the connection's total_changes just
        after this transaction's BEGIN took the write lock (`Store.transaction`): what
        `seen_ids` compares a CommitMark with."""
        self.sends = False
        """Set once this transaction put something new to send (a record in the outbox, a
        journal to create, set-aside changes back in the outbox): `Store.on_outbox` is
        called when it commits. Not by `restore_tried_again`: the sync that runs it sends
        them."""

    async def set_setting(self, name: str, value: Any) -> None:
        await self._db.execute(SET_SETTING, (name, value))

    async def remove_setting(self, name: str) -> None:
        """Remove setting `name` (nothing when it is not set)."""
        await self._db.execute("DELETE FROM settings WHERE name = ?", (name,))

    async def index_entries(self, rows: Iterable[tuple[int, StoredDocument, EntryRow]]) -> int:
        """Write the index rows (ENTRY_ROWS) of entries read stale (`Store.stale_entries`:
        each with its mark and document as read): each only while the entry is still
        stale with the same mark, i.e. its document unchanged since it was read. Returns
        how many were written."""
        wanted = list(rows)

        def write(db: sqlite3.Connection) -> int:
            still = [
                (stored, row)
                for n, stored, row in wanted
                if db.execute("DELETE FROM entry_rows_stale WHERE n = ?", (n,)).rowcount == 1
            ]
            _write_entry_rows(db, still)
            return len(still)

        return await self._db.run(write)

    async def index_new_entries(
        self, row_of: Callable[[StoredDocument], EntryRow], limit: int = 500
    ) -> bool:
        """Read the documents new to the index of entries (ENTRY_ROWS: rowid above
        `entry_rows_read.last`), at most `limit`, in rowid order; write the rows of the
        entries among them (`row_of`: an entry's row, from its view) and move `last` past
        them all, in this transaction: nothing can change between the read and the write.
        Returns whether more may be new."""
        return await self._db.run(lambda db: _index_new_entries(db, row_of, limit))

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """A part of this transaction undone alone when it raises an Exception (SQLite
        SAVEPOINT ... ROLLBACK TO): what it wrote is gone, what the transaction wrote before
        it stays, to commit or roll back with the transaction; the exception propagates. One
        that ends the task (a cancel) rolls back the whole transaction (`Store.transaction`).
        Not nested."""
        await self._db.execute("SAVEPOINT part")
        try:
            yield
        except Exception:
            await self._db.execute("ROLLBACK TO part")
            await self._db.execute("RELEASE part")
            raise
        await self._db.execute("RELEASE part")

    async def seen_ids(
        self, journal_id: bytes, record_ids: Sequence[bytes], since: CommitMark | None = None
    ) -> set[bytes]:
        """Of `record_ids`, those this device holds as this transaction reads them (another
        process of this profile may have stored them since this one last read). `since`:
        the CommitMark read with that last read (`Store.seen_counters_marked`); when no
        commit came since (`committed_since`), none can have been stored meanwhile: set(),
        read without a statement."""
        if since is not None and not await self.committed_since(since):
            return set()
        found: set[bytes] = set()
        for chunk, marks in _in_chunks(record_ids):
            rows = await self._db.execute_fetchall(
                f"SELECT record_id FROM seen_records WHERE journal_id = ? AND record_id IN ({marks})",
                (journal_id, *chunk),
            )
            found.update(bytes(r[0]) for r in rows)
        return found

    async def committed_since(self, mark: CommitMark) -> bool:
        """Whether a commit (of another connection, another process's included, or of this
        one) may have come to the store between `mark` and this transaction's BEGIN (after
        which no other connection commits until it ends): False when the log's header is
        as it was at `mark` (every commit changes it; no statement), or, where the header
        could not be read then, when this connection changed no row since and PRAGMA
        data_version (which other connections' commits move) is as it was; True otherwise."""
        if self.began is None:
            return True
        log, total = self.began
        if mark.log is not None and log == mark.log:
            return False
        if mark.data_version is None or total != mark.total_changes:
            return True  # the header moved: a commit, of this connection or another
        rows = await self._db.execute_fetchall(DATA_VERSION_READ)
        return int(rows[0][0]) != mark.data_version

    async def waiting_records(self, journal_id: bytes) -> set[bytes]:
        """The ids of the records of the journal's documents in the outbox or set aside, as
        this transaction reads them (under its write lock: no other connection adds one
        before it ends): changes written here that reached no server. Records of no document
        (no words) are left out, as `Replica.unsent_changes` leaves them."""
        rows = await self._db.execute_fetchall(WAITING_RECORDS, (journal_id, journal_id))
        return {bytes(r[0]) for r in rows}

    async def keep_deleted_journal(
        self, journal: LocalJournal, code: str, reason: str, at: int
    ) -> None:
        """Keep an own journal the server deleted as a read-only copy (role "revoked", as one
        deleted on another device is kept), every change of it still in the outbox set aside
        with `code` and `reason` (words kept, never sent)."""
        await self._db.execute(
            "UPDATE journals SET role = 'revoked' WHERE journal_id = ?", (journal.journal_id,)
        )
        await self._db.execute(
            "INSERT INTO set_aside SELECT position, journal_id, record_id, epoch, ciphertext, "
            "doc_id, ?, ?, ?, ? FROM outbox WHERE journal_id = ?",
            (journal.name, code, reason, at, journal.journal_id),
        )
        await self._db.execute("DELETE FROM outbox WHERE journal_id = ?", (journal.journal_id,))

    async def setting(self, name: str, default: Any = None) -> Any:
        """A setting's value as this transaction reads it, or `default`."""
        rows = await self._db.execute_fetchall("SELECT value FROM settings WHERE name = ?", (name,))
        return rows[0][0] if rows else default

    async def journal_ids(self) -> set[bytes]:
        """The ids of the journals this device holds, as this transaction reads them."""
        rows = await self._db.execute_fetchall("SELECT journal_id FROM journals")
        return {bytes(r[0]) for r in rows}

    async def forgotten(self, journal_id: bytes) -> bool:
        """Whether the copy of the journal was forgotten on this device (forgotten.py), as
        this transaction reads it: the journal's row, keys and chain are then never written
        again, whatever another process (a sync that read the journal list before the
        forget) brings."""
        return forgotten.tag(journal_id) in forgotten.decode(await self.setting(forgotten.SETTING))

    async def forget_journal(
        self, journal_id: bytes, *, counters_tag: bytes, account: bytes
    ) -> None:
        """Every row this device keeps of a journal: the unsynced field writes of its
        documents, then the rows of every table with a `journal_id` column (found in the
        store's own schema, so a table added later is covered too). Settings that name the
        journal are the caller's (`Replica.forget_copy`). Its write counters, and the
        withdrawals `account` (this device's account id) owes there, are kept under
        `counters_tag` (`_keep_write_counters`)."""
        journal_name = await self._own_journal_name(journal_id)
        await self._keep_write_counters(journal_id, counters_tag, account)
        await self._db.execute(
            "DELETE FROM field_writes WHERE doc_id IN "
            "(SELECT doc_id FROM documents WHERE journal_id = ?)",
            (journal_id,),
        )
        for table in await self._journal_tables():
            await self._db.execute(f"DELETE FROM {table} WHERE journal_id = ?", (journal_id,))
        await self._forget_late(journal_id, journal_name)

    async def _keep_write_counters(self, journal_id: bytes, tag: bytes, account: bytes) -> None:
        """Keep this home's write counters of a journal it removes (`device_write_counters`),
        under `tag`, never the id: the device ids live on, and a journal listed again (shared
        again after `shares.forget`, or a journal deleted here that the server lists again)
        must never make one of them sign a counter twice (R36 F4, F5; protocol.md 4.18).
        `put_journal` gives them back.

        `tag` is `keys.kept_counters_tag` of the journal id, keyed with the account's secrets,
        which the store does not hold (the replica passes it): the store file alone, with the
        journal's id, does not tell that this home had the journal, nor how many records its
        devices wrote there (R38 G1, G2). A row then says only "some removed journal, this
        device id, this counter".

        Its withdrawn counters (`withdraw`) are kept under `tag` too (`kept_withdrawn`): the
        records they stand for never reached the server, and the next record a device of this
        home writes in the journal, once it is listed again, goes on from the kept counters,
        so without them every reader would see those counters as a gap, reported as withheld
        by an honest server at every sync (a note set aside at the end of a share, dropped,
        its copy forgotten, the journal shared again). Only what this home owes is kept: the
        rows of `account`, this device's account (its own ids, the earlier ids of this home
        included: whichever id the home has carries them). The rest, on an owner's device
        other accounts' counters that a set-aside snapshot covered, are records the server
        still holds, never this home's to withdraw, and would name co-members' accounts and
        devices for good. A kept withdrawal says only "a removed journal, this account and one
        of its device ids, these counters". None is kept of a journal this account deleted
        here (`forgotten.DELETED`, set before the removal): it is never taken back on this
        device (`Replica._without_deleted`), so no record of this home could carry them. Its
        write counters are kept all the same: they keep a device from signing a counter
        twice, whatever lists the journal again (R36 F5)."""
        await self._db.execute(
            "INSERT INTO kept_write_counters (tag, device, counter) SELECT ?, device, counter "
            "FROM device_write_counters WHERE journal_id = ? ON CONFLICT(tag, device) "
            "DO UPDATE SET counter = max(counter, excluded.counter)",
            (tag, journal_id),
        )
        # With the highest counter of each that this device knew exists (its own record
        # acknowledged, or another device's signed claim): taken back, the journal is checked
        # for those again (`put_journal`), never on the server's word (4.18 "Own records").
        await self._db.execute(
            "UPDATE kept_write_counters SET claimed = max(claimed, (SELECT c.claimed FROM "
            "device_counters c WHERE c.journal_id = ? AND c.author = ? "
            "AND c.device = kept_write_counters.device)) WHERE tag = ? AND EXISTS "
            "(SELECT 1 FROM device_counters c WHERE c.journal_id = ? AND c.author = ? "
            "AND c.device = kept_write_counters.device)",
            (journal_id, account, tag, journal_id, account),
        )
        if tag.hex() in forgotten.decode(await self.setting(forgotten.DELETED)):
            return
        await self._db.execute(
            "INSERT INTO kept_withdrawn (tag, author, device, lo, hi) "
            "SELECT ?, author, device, lo, hi FROM withdrawn WHERE journal_id = ? AND author = ?",
            (tag, journal_id, account),
        )

    async def _journal_tables(self) -> list[str]:
        tables = await self._db.execute_fetchall(
            "SELECT name FROM main.sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
        found = []
        for (table,) in tables:
            columns = await self._db.execute_fetchall(f"PRAGMA main.table_info({table})")
            if any(column[1] == "journal_id" for column in columns):
                found.append(str(table))
        return found

    async def next_counter(self, journal_id: bytes) -> int:
        """This device's next record counter in the journal: 1, 2, 3, ..."""
        device = self._device
        return await self._db.run(lambda db: _next_counter(db, journal_id, device))

    async def withdraw(self, journal_id: bytes, covers: tuple[Cover, ...]) -> None:
        """Counters of this account that will never reach the server: the next record this
        device writes in the journal says so (`take_withdrawn`)."""
        await self._db.executemany(
            "INSERT INTO withdrawn VALUES (?, ?, ?, ?, ?)",
            [(journal_id, c.author, c.device, lo, hi) for c in covers for lo, hi in c.ranges],
        )

    async def withdraw_records(self, journal_id: bytes, record_ids: list[bytes]) -> None:
        """This device's records that the server refused for good (set aside, never pushed):
        their counters, and what they carried, go into the next record's covers."""
        for record_id in record_ids:
            rows = list(
                await self._db.execute_fetchall(
                    "SELECT s.author, s.device, s.counter, c.covers FROM seen_records s "
                    "LEFT JOIN record_covers c ON c.journal_id = s.journal_id "
                    "AND c.record_id = s.record_id WHERE s.journal_id = ? AND s.record_id = ?",
                    (journal_id, record_id),
                )
            )
            for author, device, counter, covers in rows:
                if counter is not None:
                    own = Cover(bytes(author), bytes(device), ((counter, counter),))
                    carried = decode_covers(bytes(covers)) if covers is not None else ()
                    if is_cut(own.author, own.device, counter, carried):
                        # A cut carries no withdrawal (`_seal_cut`): what it covered goes
                        # into no ordinary cover, where every reader would take it (F4).
                        carried = ()
                    await self.withdraw(journal_id, merge_covers([own, *carried]))

    async def take_withdrawn(self, journal_id: bytes) -> tuple[Cover, ...]:
        return await self._db.run(lambda db: _take_withdrawn(db, journal_id))

    async def unwithdraw(self, journal_id: bytes, covers: tuple[Cover, ...]) -> None:
        """Counters withdrawn in advance did reach the server after all (a snapshot whose
        compaction succeeded): no need to withdraw them any more."""
        await self._db.executemany(
            "DELETE FROM withdrawn WHERE journal_id = ? AND author = ? AND device = ? "
            "AND lo = ? AND hi = ?",
            [(journal_id, c.author, c.device, lo, hi) for c in covers for lo, hi in c.ranges],
        )

    async def journal_counters(self, journal_id: bytes) -> dict[Key, DeviceCounters]:
        return await self._db.run(lambda db: _journal_counters(db, journal_id))

    async def note_member_claims(
        self, journal_id: bytes, claims: list[tuple[bytes, bytes, bytes, int]]
    ) -> None:
        """Keep, per member account, the highest counter of each owner device that a verified,
        accepted record of that member names in its signed seen vector: (member account id,
        owner account id, owner device id, counter). What `member_claims` answers. A claim
        past the highest counter of that device this device holds a record of (its own:
        drawn) names a record that does not exist yet: it is kept for nothing, so that it
        cannot turn true once the device draws that far (R46 F3). The counters held are read
        once per author (one statement, not one per claim: this runs on each pulled page)."""
        if not claims:
            return
        drawn: dict[Key, int] = {}
        for author in {a for _, a, _, _ in claims}:
            rows = await self._db.execute_fetchall(HIGHEST_COUNTERS, (journal_id, author))
            drawn.update(((author, bytes(device)), int(top)) for device, top in rows)
        highest: dict[tuple[bytes, bytes, bytes], int] = {}
        for member, author, device, counter in claims:
            top = drawn.get((author, device))
            if top is not None and counter <= top:
                key = (member, author, device)
                highest[key] = max(counter, highest.get(key, counter))
        await self._db.executemany(
            "INSERT INTO member_claims VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(journal_id, member, author, device) "
            "DO UPDATE SET counter = max(counter, excluded.counter)",
            [(journal_id, m, a, d, c) for (m, a, d), c in highest.items()],
        )

    async def put_journal_counters(
        self, journal_id: bytes, devices: dict[Key, DeviceCounters]
    ) -> None:
        if devices:
            await self._db.run(lambda db: _put_journal_counters(db, journal_id, devices))

    async def excuse_counters(
        self, journal_id: bytes, author: bytes, device: bytes, ranges: Iterable[Range]
    ) -> None:
        """Add `ranges` of (author, device) to the counters excused in the journal because
        the server said the author's account was erased (`Store.excused_counters`)."""
        rows = await self._db.execute_fetchall(
            "SELECT excused FROM excused_counters WHERE journal_id = ? AND author = ? "
            "AND device = ?",
            (journal_id, author, device),
        )
        excused = decode_ranges(bytes(rows[0][0])) if rows else []
        for lo, hi in ranges:
            add_range(excused, lo, hi)
        await self._db.execute(
            "INSERT OR REPLACE INTO excused_counters VALUES (?, ?, ?, ?)",
            (journal_id, author, device, encode_ranges(excused)),
        )

    async def withdraw_excuses(
        self, authors: Iterable[bytes], journal_id: bytes | None = None
    ) -> None:
        """Forget the counters excused (`excuse_counters`) of these authors, in the journal
        `journal_id` or (None) in every journal: something since showed their account
        exists, or the journal's verified chain lists them as current members again, so the
        server's word that it was erased excuses nothing any more (rev33d F2)."""
        for author in authors:
            if journal_id is None:
                await self._db.execute("DELETE FROM excused_counters WHERE author = ?", (author,))
            else:
                await self._db.execute(
                    "DELETE FROM excused_counters WHERE journal_id = ? AND author = ?",
                    (journal_id, author),
                )

    async def put_covers(self, journal_id: bytes, record_id: bytes, covers: bytes) -> None:
        await self._db.execute(PUT_COVERS, (journal_id, record_id, covers))

    async def sealed_since(self, journal_id: bytes, epoch: int) -> list[tuple[bytes, bytes, int]]:
        """(author, device, counter) of every record of the journal this device holds (pulled
        or its own) sealed under `epoch` or a later one (never a `void`: no epoch is kept
        for one): what a cut of `epoch` must not cover (`Replica._seal_cut`)."""
        rows = await self._db.execute_fetchall(
            "SELECT author, device, counter FROM seen_records WHERE journal_id = ? "
            "AND epoch IS NOT NULL AND epoch >= ? AND author IS NOT NULL "
            "AND device IS NOT NULL AND counter IS NOT NULL",
            (journal_id, epoch),
        )
        return [(bytes(author), bytes(device), int(counter)) for author, device, counter in rows]

    async def carried_by(self, doc_id: bytes) -> tuple[Cover, ...]:
        """What a fresh snapshot of a document carries (`Replica._seal_boundary`): the
        counter of every record of it this device holds that the server acknowledged, and
        what those records covered, as `Store.superseded` lists them for a compaction."""
        rows = await self._db.execute_fetchall(
            "SELECT s.author, s.device, s.counter, c.covers FROM seen_records s "
            "LEFT JOIN record_covers c ON c.journal_id = s.journal_id "
            "AND c.record_id = s.record_id WHERE s.doc_id = ? AND s.seq IS NOT NULL",
            (doc_id,),
        )
        found: list[Cover] = []
        for author, device, counter, covers in rows:
            if counter is not None:
                found.append(Cover(bytes(author), bytes(device), ((counter, counter),)))
            if covers is not None:
                found.extend(decode_covers(bytes(covers)))
        return merge_covers(found)

    async def has_withdrawn(self, journal_id: bytes) -> bool:
        """Whether this device has counters to withdraw in the journal (`take_withdrawn`)."""
        rows = await self._db.execute_fetchall(
            "SELECT 1 FROM withdrawn WHERE journal_id = ? LIMIT 1", (journal_id,)
        )
        return bool(list(rows))

    async def drawn_counter(self, journal_id: bytes) -> int:
        """The highest record counter this device drew in the journal (0: none yet)."""
        rows = await self._db.execute_fetchall(
            "SELECT counter FROM device_write_counters WHERE journal_id = ? AND device = ?",
            (journal_id, self._device),
        )
        return int(next(iter(rows))[0]) if rows else 0

    async def counters_before(
        self, journal_id: bytes, author: bytes, epoch: int
    ) -> list[tuple[bytes, int]]:
        """(device, counter) of every record of `author` this device holds (pulled or its
        own) that changed a document under a key epoch before `epoch`."""
        rows = await self._db.execute_fetchall(
            "SELECT device, counter FROM seen_records WHERE journal_id = ? AND author = ? "
            "AND epoch IS NOT NULL AND epoch < ? AND device IS NOT NULL "
            "AND counter IS NOT NULL",
            (journal_id, author, epoch),
        )
        return [(bytes(device), int(counter)) for device, counter in rows]

    async def acknowledge_own(self, journal_id: bytes, record_ids: list[bytes]) -> None:
        """The server stored these records of this device: each must come back in a pull (or
        be covered by a snapshot), and the counters they withdraw are accounted for
        (protocol.md 4.18). A cut's covers are not taken: its writer is owed what it covers
        (`withholding.is_cut`, rev-complete F4)."""
        await self._db.run(lambda db: _acknowledge_own(db, journal_id, record_ids))

    async def own_records(
        self, journal_id: bytes, record_ids: list[bytes]
    ) -> list[tuple[bytes, bytes, int, tuple[Cover, ...]]]:
        """(author, device, counter, covers) of records this device wrote, by id."""
        return await self._db.run(lambda db: _own_records(db, journal_id, record_ids))

    async def hold_name(self, journal_id: bytes, name: str, meta: str, named_at: int) -> None:
        """Set an owned journal's name and metadata (JSON) as this device just signed and
        sent them, with their `named_at` (never lowered: `LocalJournal.named_at`)."""
        await self._db.execute(
            "UPDATE journals SET name = ?, meta = ?, named_at = max(named_at, ?) "
            "WHERE journal_id = ?",
            (name, meta, named_at, journal_id),
        )

    async def _fresher_of(self, journal: LocalJournal) -> LocalJournal:
        """`journal` as `put_journal` writes it: with the name and the chain's terms of the
        row stored now where they are the newer (`put_journal`)."""
        rows = await self._db.execute_fetchall(
            "SELECT owner_id, role, epoch, name, meta_version, expires_at, meta, named_at "
            "FROM journals WHERE journal_id = ?",
            (journal.journal_id,),
        )
        if not rows:
            return journal
        owner_id, role, epoch, name, meta_version, expires_at, meta, named_at = rows[0]
        if stored_name_holds(journal.name, journal.meta, journal.named_at, name, meta, named_at):
            journal = replace(
                journal, name=name, meta=meta, named_at=named_at, meta_version=meta_version
            )
        if epoch > journal.epoch and journal.role != "revoked":  # replica.REVOKED
            # Never a share's end held back: it errs towards read-only, and the next list
            # (the chain) decides again.
            journal = replace(
                journal, owner_id=bytes(owner_id), role=role, epoch=epoch, expires_at=expires_at
            )
        return journal

    async def put_journal(
        self, journal: LocalJournal, *, counters_tag: bytes, account: bytes | None = None
    ) -> None:
        """Insert or update the journal's row; not for a journal whose copy was forgotten
        here (forgotten.py), read in this transaction: a journal list or sync of another
        process that read the list before the forget does not write the journal back.
        `counters_tag`: `keys.kept_counters_tag` of its id, under which its write counters
        were kept if it was removed here before (`_keep_write_counters`); a journal back so,
        in which this device drew counters, is marked as holding none of its own records
        there (`Store.own_before`), and the counters of `account`'s devices (this device's
        account) known to exist when it was removed are expected again (claimed), so that
        one the server no longer serves is reported withheld.

        Nothing is written when every statement below would leave the store as it is
        (issue 10: a journal list read before every push wrote each journal again):
        `JOURNAL_UNCHANGED` finds, in this transaction, the row holding every value the
        upsert writes (`named_at` at least as high: it is never lowered) and no kept
        counter or withdrawal under either tag, the only rows the statements after the
        upsert read; a journal whose copy was forgotten is written by none either.

        Decided against the row as it is in this transaction, never against one read before
        (rev34d F1: another process on this home may have stored a later list meanwhile):
        its name, metadata, `named_at` and `meta_version` stay together when the name held
        holds (`journal_meta.stored_name_holds`), and its owner, role, epoch and end date
        stay together when it holds a higher epoch than `journal` (a chain read before
        another process stored a later one), unless `journal` says the share ended (role
        "revoked": written, erring towards read-only): never an older name, archive
        setting or epoch over a newer one."""
        journal = await self._fresher_of(journal)
        legacy = legacy_counters_tag(journal.journal_id)
        unchanged = await self._db.execute_fetchall(
            JOURNAL_UNCHANGED,
            (
                journal.journal_id,
                journal.owner_id,
                journal.role,
                journal.epoch,
                journal.name,
                journal.meta_version,
                journal.owner_name,
                journal.expires_at,
                journal.meta,
                journal.named_at,
                counters_tag,
                legacy,
                counters_tag,
            ),
        )
        if unchanged:
            return
        if journal.role != "owner" and await self.forgotten(journal.journal_id):
            return
        await self._db.execute(
            "INSERT INTO journals (journal_id, owner_id, role, epoch, name, meta_version, "
            "cursor, owner_name, expires_at, meta, named_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(journal_id) "
            "DO UPDATE SET owner_id = excluded.owner_id, role = excluded.role, "
            "epoch = excluded.epoch, name = excluded.name, meta_version = excluded.meta_version, "
            "owner_name = excluded.owner_name, expires_at = excluded.expires_at, "
            "meta = excluded.meta, named_at = max(named_at, excluded.named_at)",
            (
                journal.journal_id,
                journal.owner_id,
                journal.role,
                journal.epoch,
                journal.name,
                journal.meta_version,
                journal.cursor,
                journal.owner_name,
                journal.expires_at,
                journal.meta,
                journal.named_at,
            ),
        )
        # A journal removed here before and listed again in which this device id drew
        # counters: the server may hold records this device pushed there, which it no longer
        # holds (its copy was removed with them). Marked until a pull brings them whole
        # (`own_not_held`), with the highest of those counters (`own_before`), before its
        # counters come back below.
        await self._db.execute(
            "UPDATE journals SET own_not_held = 1, own_before = max(own_before, "
            "(SELECT max(counter) FROM kept_write_counters WHERE tag IN (?, ?) AND device = ?)) "
            "WHERE journal_id = ? AND EXISTS (SELECT 1 FROM kept_write_counters "
            "WHERE tag IN (?, ?) AND device = ? AND counter > 0)",
            (counters_tag, legacy, self._device, journal.journal_id)
            + (counters_tag, legacy, self._device),
        )
        # A journal removed here before and listed again: its write counters come back
        # (`_keep_write_counters`), so its devices go on from where they were; so do those
        # an older store kept under the unkeyed tag (`legacy_counters_tag`).
        for tag in (counters_tag, legacy_counters_tag(journal.journal_id)):
            await self._db.execute(
                "INSERT INTO device_write_counters (journal_id, device, counter) SELECT ?, "
                "device, counter FROM kept_write_counters WHERE tag = ? "
                "ON CONFLICT(journal_id, device) "
                "DO UPDATE SET counter = max(counter, excluded.counter)",
                (journal.journal_id, tag),
            )
            if account is not None:
                claimed = await self._db.execute_fetchall(
                    "SELECT device, claimed FROM kept_write_counters WHERE tag = ? AND claimed > 0",
                    (tag,),
                )
                await self._db.executemany(
                    "INSERT INTO device_counters (journal_id, author, device, received, "
                    "claimed, claimed_by) VALUES (?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT(journal_id, author, device) DO UPDATE SET "
                    "claimed_by = CASE WHEN excluded.claimed > claimed THEN excluded.claimed_by "
                    "ELSE claimed_by END, claimed = max(claimed, excluded.claimed)",
                    [
                        (
                            journal.journal_id,
                            account,
                            bytes(device),
                            DeviceCounters().encode(),
                            int(counter),
                            account + bytes(device),
                        )
                        for device, counter in claimed
                    ],
                )
            await self._db.execute("DELETE FROM kept_write_counters WHERE tag = ?", (tag,))
        # So do its withdrawn counters: the next record this device writes there, or the
        # `void` of the next sync that may write one, carries them (protocol.md 4.18).
        await self._db.execute(
            "INSERT INTO withdrawn (journal_id, author, device, lo, hi) "
            "SELECT ?, author, device, lo, hi FROM kept_withdrawn WHERE tag = ?",
            (journal.journal_id, counters_tag),
        )
        await self._db.execute("DELETE FROM kept_withdrawn WHERE tag = ?", (counters_tag,))

    async def note_verified(self, peer: Peer, at: int) -> None:
        """Keep that this device marked `peer`'s keys verified at `at` (ms UTC); the first
        time is kept."""
        await self._db.execute(
            "INSERT INTO peer_verifications (account_id, username, sign_public_key, "
            "box_public_key, verified_at, replaced_at, verified) VALUES (?, ?, ?, ?, ?, 0, 1) "
            "ON CONFLICT (account_id, username, sign_public_key, box_public_key) DO UPDATE SET "
            "verified = 1, verified_at = CASE WHEN verified_at = 0 THEN excluded.verified_at "
            "ELSE verified_at END",
            (peer.account_id, peer.username, peer.sign_public_key, peer.box_public_key, at),
        )

    async def note_replaced(self, peer: Peer, at: int) -> None:
        """Keep that `peer`'s pin, verified or pinned on first use (`peer.verified`), was
        replaced at `at` (ms UTC) by a verify of another account under its username (its
        verification time 0 when not kept before): its keys stay the ones that id has here
        (REV-ERASED F1, REV-S8 S8-2)."""
        await self._db.execute(
            "INSERT INTO peer_verifications (account_id, username, sign_public_key, "
            "box_public_key, verified_at, replaced_at, verified) VALUES (?, ?, ?, ?, 0, ?, ?) "
            "ON CONFLICT (account_id, username, sign_public_key, box_public_key) DO UPDATE SET "
            "replaced_at = excluded.replaced_at, verified = max(verified, excluded.verified)",
            (
                peer.account_id,
                peer.username,
                peer.sign_public_key,
                peer.box_public_key,
                at,
                int(peer.verified),
            ),
        )

    async def forget_peer(self, account_id: bytes) -> None:
        await self._db.execute("DELETE FROM peers WHERE account_id = ?", (account_id,))

    async def put_peer(self, peer: Peer) -> None:
        await self._db.execute(
            "INSERT OR REPLACE INTO peers VALUES (?, ?, ?, ?, ?)",
            (
                peer.account_id,
                peer.username,
                peer.sign_public_key,
                peer.box_public_key,
                int(peer.verified),
            ),
        )

    async def replace_shares(self, shares: list[LocalShare]) -> None:
        """The `shares` table, written at the end of a journal refresh for older SDKs that
        may share this store (their journal refresh writes it, their private notes and
        safety flags read it: dropped, it broke them, REV-SHARES F3). Nothing here reads
        it: who shares a journal is read from the verified chains (`Replica.verified_shares`),
        which it can lag after a refresh cut off (REV-37 F1)."""
        await self._db.execute("DELETE FROM shares")
        await self._db.executemany(
            "INSERT INTO shares VALUES (?, ?, ?, ?, ?, ?)",
            [
                (s.journal_id, s.member_id, s.member_name, s.role, s.expires_at, int(s.expired))
                for s in shares
            ],
        )

    async def set_creators(self, creators: dict[bytes, bytes], replace: bool = False) -> None:
        """Record who created each document (kept once set, unless `replace`: a member's
        document, whose id proves its creator)."""
        condition = "" if replace else " AND creator IS NULL"
        await self._db.executemany(
            f"UPDATE documents SET creator = ? WHERE doc_id = ?{condition}",
            [(creator, doc_id) for doc_id, creator in creators.items()],
        )

    async def remove_journal(
        self, journal_id: bytes, *, counters_tag: bytes, account: bytes
    ) -> None:
        """Delete what this device holds of the journal; its write counters, and the
        withdrawals `account` (this device's account id) owes there unless it deleted the
        journal, are kept under `counters_tag`, `keys.kept_counters_tag` of its id
        (`_keep_write_counters`)."""
        journal_name = await self._own_journal_name(journal_id)
        await self._keep_write_counters(journal_id, counters_tag, account)
        await self._db.execute(
            "DELETE FROM field_writes WHERE doc_id IN "
            "(SELECT doc_id FROM documents WHERE journal_id = ?)",
            (journal_id,),
        )
        for table in (
            "journals",
            "journal_keys",
            "access_entries",
            "access_problems",
            "documents",
            "seen_records",
            "outbox",
            "set_aside",  # their words go with their documents: never a row left without them
            "problems",
            "withdrawn",
            "device_counters",
            "excused_counters",
            "member_claims",
            "record_covers",
            "offered",
            "parked_records",
            "write_counters",
            "device_write_counters",  # kept above under the tag, never under the id (R38 G1)
            "own_removals",
        ):
            await self._db.execute(f"DELETE FROM {table} WHERE journal_id = ?", (journal_id,))
        await self._forget_late(journal_id, journal_name)

    async def _own_journal_name(self, journal_id: bytes) -> str | None:
        """The name of one of this account's journals as this device holds it (what a
        journal's news names: `sync.News.journal`), None for another journal."""
        rows = await self._db.execute_fetchall(
            "SELECT name FROM journals WHERE journal_id = ? AND role = 'owner'", (journal_id,)
        )
        return str(rows[0][0]) if rows else None

    async def _forget_late(self, journal_id: bytes, journal_name: str | None) -> None:
        """The settings of carrying.py that name a journal removed (R43 F2), the share
        changes of it kept unseen (`departures.UNSEEN`) or not yet reported (`departures
        .PENDING`: REV-NEWS3 F2) and the news of it kept unseen (`sync.UNSEEN_NEWS`, by its
        id, or by `journal_name` for those an older version kept: REV-NEWS3 F3): nothing
        is left in the store that names it (R38 G1)."""
        name = carrying.setting_name(journal_id)
        await self._db.execute("DELETE FROM settings WHERE name = ?", (name,))
        pending = carrying.decode_pending(await self.setting(carrying.PENDING))
        if pending.pop(journal_id, None) is not None:
            value = carrying.encode_pending(pending)
            if value is None:
                await self._db.execute("DELETE FROM settings WHERE name = ?", (carrying.PENDING,))
            else:
                await self.set_setting(carrying.PENDING, value)
        for setting, without in (
            (departures.UNSEEN, departures.without_journal),
            (departures.PENDING, departures.pending_without),
            (UNSEEN_NEWS, lambda text, j: news_without_journal(text, j.hex(), journal_name)),
        ):
            changed, value = without(await self.setting(setting), journal_id)
            if changed and value is None:
                await self._db.execute("DELETE FROM settings WHERE name = ?", (setting,))
            elif changed:
                await self.set_setting(setting, value)

    async def add_pending_journal(self, journal_id: bytes, request: bytes) -> None:
        self.sends = True
        await self._db.execute(
            "INSERT INTO pending_journals (journal_id, request) VALUES (?, ?)",
            (journal_id, request),
        )

    async def drop_pending_journal(self, journal_id: bytes) -> None:
        await self._db.execute("DELETE FROM pending_journals WHERE journal_id = ?", (journal_id,))
        await self._db.execute("DELETE FROM refused_journals WHERE journal_id = ?", (journal_id,))

    async def add_field_writes(self, doc_id: bytes, values: dict[str, str], at: int) -> None:
        """Values (JSON) this device just wrote to a document's fields, not yet synced."""
        await self._db.executemany(
            "INSERT INTO field_writes VALUES (?, ?, ?, ?, 1)",
            [(doc_id, name, value, at) for name, value in values.items()],
        )

    async def remember_creation(self, doc_id: bytes, values: dict[str, str], at: int) -> None:
        """Keep the values (JSON: settling.created_values) this device gave a document it
        just created, in the creation's own transaction, for its `history` only: marked
        synced, so no sync compares them (nobody else held the document; settling.py)."""
        await self._db.executemany(
            REMEMBER_CREATION, [(doc_id, name, value, at) for name, value in values.items()]
        )

    async def put_field_write(self, doc_id: bytes, name: str, value: str, at: int) -> None:
        """Keep one write of `name` for a document (this one, not synced), replacing any."""
        await self.forget_field_write([doc_id], name)
        await self.add_field_writes(doc_id, {name: value}, at)

    async def remember_edit(
        self, doc_id: bytes, changed: dict[str, str], written: str | None, at: int
    ) -> None:
        """Keep what an edit of a document wrote, in the edit's own transaction: the settling
        fields it changed (`changed`: settling.changed_values of the values before the edit
        and right after its own update, read before the save merges what is stored), so that
        a sync in which another device's change replaces one says so and `history` keeps
        the value; and the text it left (`written`, read before the save merges: WRITTEN_BODY,
        replacing the one kept; None when the edit left the text as it was), so that a sync
        merging another device's change into it says so. `at`: when (ms)."""
        if changed:
            await self.add_field_writes(doc_id, changed, at)
        if written is not None:
            await self.put_field_write(doc_id, WRITTEN_BODY, encode(written), at)

    async def field_write(self, doc_id: bytes, name: str) -> str | None:
        """The last value (JSON) of the field write `name` of a document, read within this
        transaction (settling.TAG_OPS, read and rewritten in one: REV-TAGS2 F4); None: none."""
        rows = await self._db.execute_fetchall(
            "SELECT value FROM field_writes WHERE doc_id = ? AND field = ? "
            "ORDER BY rowid DESC LIMIT 1",
            (doc_id, name),
        )
        return str(rows[0][0]) if rows else None

    async def forget_field_write(self, doc_ids: list[bytes], name: str) -> None:
        await self._db.executemany(
            "DELETE FROM field_writes WHERE doc_id = ? AND field = ?", [(d, name) for d in doc_ids]
        )

    async def forget_field_writes(self, doc_ids: list[bytes]) -> None:
        """Forget every value this device wrote to the documents: their field writes and
        the values given at their creation (CREATED_VALUES): no history is left."""
        await self._db.executemany(
            "DELETE FROM field_writes WHERE doc_id = ?", [(d,) for d in doc_ids]
        )
        await self._db.executemany(
            f"UPDATE documents SET {CREATED_VALUES} = NULL "
            f"WHERE doc_id = ? AND {CREATED_VALUES} IS NOT NULL",
            [(d,) for d in doc_ids],
        )

    async def forget_field_writes_under(self, doc_id: bytes, prefix: str) -> None:
        """Forget the field writes of `doc_id` whose name starts with `prefix` (a deleted
        check-in's, "checkin.ID.")."""
        await self._db.execute(
            "DELETE FROM field_writes WHERE doc_id = ? AND substr(field, 1, ?) = ?",
            (doc_id, len(prefix), prefix),
        )

    async def mark_where_kept(self, doc_ids: list[bytes], kept: str, mark: str, at: int) -> None:
        """Add the field write `mark` ("1") to each of the documents that has one named
        `kept` and no `mark` yet (settling.TAGS_ARRIVED beside TAG_OPS). Reads the few rows
        named `kept` once, not one row per document (a first pull's page of 1,000)."""
        rows = await self._db.execute_fetchall(KEPT_AND_MARKED, (kept, mark))
        having = {bytes(r[0]) for r in rows if r[1] == kept}
        marked = {bytes(r[0]) for r in rows if r[1] == mark}
        wanted = [d for d in dict.fromkeys(doc_ids) if d in having and d not in marked]
        await self.add_many_field_writes([(d, mark, "1", at) for d in wanted])

    async def add_many_field_writes(self, rows: list[tuple[bytes, str, str, int]]) -> None:
        """(doc id, name, JSON value, ms) rows, each a write not yet synced."""
        if rows:
            await self._db.executemany("INSERT INTO field_writes VALUES (?, ?, ?, ?, 1)", rows)

    async def last_counter(self, doc_id: bytes, author: bytes, device: bytes) -> int:
        """As `Store.last_counter`, read within this transaction."""
        rows = await self._db.execute_fetchall(
            "SELECT max(counter) FROM seen_records WHERE doc_id = ? AND author = ? AND device = ?",
            (doc_id, author, device),
        )
        return int(rows[0][0] or 0) if rows else 0

    async def mark_field_writes_synced(
        self, doc_ids: list[bytes], *, keep: str | None = None
    ) -> None:
        """Mark the documents' field writes followed by another device's change, but for
        the field `keep` (left as it is)."""
        await self._db.executemany(
            "UPDATE field_writes SET unsynced = 0 WHERE doc_id = ? AND field IS NOT ?",
            [(d, keep) for d in doc_ids],
        )

    async def refuse_journal(self, journal_id: bytes, code: str, reason: str, at: int) -> None:
        """Set a pending journal creation aside: the server refused it for good."""
        await self._db.execute(
            "INSERT OR REPLACE INTO refused_journals VALUES (?, ?, ?, ?)",
            (journal_id, code, reason, at),
        )

    async def key_envelope(self, journal_id: bytes, epoch: int) -> bytes | None:
        """The envelope of the journal's `epoch` the store holds (None: none), read in this
        transaction: what another process of this profile stored before it began counts, and
        nothing can be stored in between until it ends (`Store.transaction`)."""
        rows = await self._db.execute_fetchall(
            "SELECT envelope FROM journal_keys WHERE journal_id = ? AND epoch = ?",
            (journal_id, epoch),
        )
        return bytes(rows[0][0]) if rows else None

    async def put_key(self, journal_id: bytes, epoch: int, envelope: bytes) -> None:
        """Keep a key envelope, in place of the one held for the epoch if any (read it first
        with `key_envelope` in the same transaction to keep that one); not for a journal
        forgotten here (`forgotten`)."""
        if await self.forgotten(journal_id):
            return
        await self._db.execute(
            "INSERT OR REPLACE INTO journal_keys VALUES (?, ?, ?)", (journal_id, epoch, envelope)
        )

    async def advance_cursor(self, journal_id: bytes, cursor: int) -> None:
        """Move the journal's cursor to `cursor` if that is further; never back. Another
        client of this profile (another process) may have pulled further since this one read
        the cursor: lowering it to an older page's would hide a later rollback from the check
        that compares a head with the cursor (R18 finding 3)."""
        await self._db.execute(
            "UPDATE journals SET cursor = max(cursor, ?) WHERE journal_id = ?",
            (cursor, journal_id),
        )

    async def restart_cursor(self, journal_id: bytes, cursor: int) -> None:
        """Set the journal's cursor back to `cursor`: only where a pull found the server's
        head below it, reported that, and starts again from what this device received
        (`Replica._restart`)."""
        await self._db.execute(
            "UPDATE journals SET cursor = ? WHERE journal_id = ?", (cursor, journal_id)
        )

    async def document_states(self, doc_ids: list[bytes]) -> dict[bytes, tuple[bytes, bytes]]:
        """The stored state of each of `doc_ids` stored, with what of it waits
        (`StoredDocument.waiting`, b"" for nothing), by id."""
        found: dict[bytes, tuple[bytes, bytes]] = {}
        for chunk, marks in _in_chunks(doc_ids):
            rows = await self._db.execute_fetchall(
                f"SELECT doc_id, state, waiting FROM documents WHERE doc_id IN ({marks})",
                chunk,
            )
            found.update((bytes(r[0]), (bytes(r[1]), _blob(r[2]) or b"")) for r in rows)
        return found

    async def put_documents(
        self,
        documents: list[StoredDocument],
        updated_at: int,
        creators: Mapping[bytes, bytes] | None = None,
        replace_creators: Collection[bytes] = (),
    ) -> None:
        """Store the states of `documents`, and in the same statement the creator of those
        named in `creators`: kept once set (as `set_creators`), unless the document is in
        `replace_creators` (a member's document, whose id proves its creator). One upsert per
        document where a separate UPDATE rewrote every row again (a pull, issue 10)."""
        creators = creators or {}
        replace = frozenset(replace_creators)
        await self._db.executemany(
            "INSERT INTO documents (doc_id, journal_id, kind, state, updated_at, creator, waiting) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?8) ON CONFLICT(doc_id) DO UPDATE "
            "SET state = excluded.state, updated_at = excluded.updated_at, "
            "waiting = excluded.waiting, "
            "creator = CASE WHEN ?7 THEN excluded.creator "
            "ELSE coalesce(documents.creator, excluded.creator) END",
            [
                (
                    d.doc_id,
                    d.journal_id,
                    d.kind,
                    d.state,
                    updated_at,
                    creators.get(d.doc_id),
                    d.doc_id in replace and d.doc_id in creators,
                    d.waiting or None,
                )
                for d in documents
            ],
        )

    async def add_outbox(
        self,
        journal_id: bytes,
        record_id: bytes,
        epoch: int,
        ciphertext: bytes,
        doc_id: bytes | None,
    ) -> None:
        self.sends = True
        await self._db.execute(
            "INSERT INTO outbox (journal_id, record_id, epoch, ciphertext, doc_id) "
            "VALUES (?, ?, ?, ?, ?)",
            (journal_id, record_id, epoch, ciphertext, doc_id),
        )

    async def mark_seen(self, rows: list[SeenRecord]) -> None:
        if not rows:
            return  # no statement for nothing (a page's refused records, usually none)
        await self._db.executemany(MARK_SEEN, [_seen_values(r) for r in rows])

    async def mark_acknowledged(
        self, journal_id: bytes, rows: list[tuple[bytes, int, bytes]]
    ) -> None:
        """Records of this device the server acknowledged, as (record id, seq, crypto.hash32
        of the ciphertext it stored): `mark_seen` with only `seq` and `sealed` given. Each
        was marked seen when written here, so one UPDATE each sets them (an upsert also
        tried an insert and touched the index by document); a row that is not there, should
        one ever be missing, is written by `mark_seen` itself."""
        await self._db.run(lambda db: _mark_acknowledged(db, journal_id, rows))

    async def park(self, rows: list[ParkedRecord]) -> None:
        """Keep verified records of a newer body version until this SDK reads it."""
        if rows:
            await self._db.executemany(
                "INSERT OR REPLACE INTO parked_records VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (r.journal_id, r.record_id, r.seq, r.epoch, r.ciphertext, r.version)
                    for r in rows
                ],
            )

    async def unpark(self, journal_id: bytes, record_ids: list[bytes]) -> set[bytes]:
        """Forget kept records of a newer version, once opened again (applied or refused);
        returns those this transaction removed (not those another process's re-open removed
        first)."""
        removed: set[bytes] = set()
        for chunk, marks in _in_chunks(record_ids):
            rows = await self._db.execute_fetchall(
                "DELETE FROM parked_records WHERE journal_id = ? AND record_id IN "
                f"({marks}) RETURNING record_id",
                (journal_id, *chunk),
            )
            removed.update(bytes(r[0]) for r in rows)
        return removed

    async def add_access_entries(self, journal_id: bytes, start: int, entries: list[bytes]) -> None:
        """Keep verified chain entries; not for a journal forgotten here (`forgotten`)."""
        if await self.forgotten(journal_id):
            return
        await self._db.executemany(
            "INSERT OR REPLACE INTO access_entries VALUES (?, ?, ?)",
            [(journal_id, start + i, entry) for i, entry in enumerate(entries)],
        )

    async def set_access_problem(self, journal_id: bytes, message: str | None) -> None:
        if message is None:
            await self._db.execute(
                "DELETE FROM access_problems WHERE journal_id = ?", (journal_id,)
            )
        else:
            await self._db.execute(
                "INSERT OR REPLACE INTO access_problems VALUES (?, ?)", (journal_id, message)
            )

    async def note_own_removal(self, journal_id: bytes, record_id: bytes) -> None:
        """`record_id`, sealed here, left its document removed (`Store.own_removals`)."""
        await self._db.execute(
            "INSERT OR IGNORE INTO own_removals VALUES (?, ?)", (journal_id, record_id)
        )

    async def forget_seen(self, journal_id: bytes, record_ids: list[bytes]) -> None:
        for table in ("seen_records", "record_covers"):
            await self._db.executemany(
                f"DELETE FROM {table} WHERE journal_id = ? AND record_id = ?",
                [(journal_id, record_id) for record_id in record_ids],
            )

    async def reseal_outbox(self, position: int, epoch: int, ciphertext: bytes) -> None:
        await self._db.execute(
            "UPDATE outbox SET epoch = ?, ciphertext = ? WHERE position = ?",
            (epoch, ciphertext, position),
        )

    async def remove_outbox(self, positions: list[int]) -> None:
        await self._db.run(lambda db: _remove_outbox(db, positions))

    async def set_aside(
        self, positions: list[int], journal_name: str, code: str, reason: str, at: int
    ) -> None:
        """Move outbox records to the set-aside table, keeping their outbox position."""
        for position in positions:
            await self._db.execute(
                "INSERT INTO set_aside SELECT position, journal_id, record_id, epoch, "
                "ciphertext, doc_id, ?, ?, ?, ? FROM outbox WHERE position = ?",
                (journal_name, code, reason, at, position),
            )
            await self._db.execute("DELETE FROM outbox WHERE position = ?", (position,))

    async def discard_set_aside(self, record_ids: list[bytes]) -> None:
        """Forget set-aside records that hold no change (void records: protocol.md 4.18)."""
        await self._db.executemany(
            "DELETE FROM set_aside WHERE record_id = ? AND doc_id IS NULL",
            [(record_id,) for record_id in record_ids],
        )

    async def drop_set_aside(self, record_ids: list[bytes]) -> None:
        """Forget set-aside changes that have nothing left to do (pushing.moot_withdrawals):
        their counters were withdrawn when they were set aside (`withdraw_records`)."""
        await self._db.executemany(
            "DELETE FROM set_aside WHERE record_id = ?", [(record_id,) for record_id in record_ids]
        )

    async def drop_set_aside_documents(self, doc_ids: list[bytes]) -> list[bytes]:
        """Forget every set-aside change of these documents (the user's choice, NU22 C11):
        their counters were withdrawn when they were set aside (`withdraw_records`), so
        nothing looks withheld. A document of which nothing reached the server (no record of
        it acknowledged, nothing of it in the outbox) exists on this device only and is
        removed with them, and its offered marks (`mark_offered`) in this transaction: no
        mark outlives the document it names (R38 G1); returns those removed. Another
        document keeps, on this device, the change dropped."""
        removed: list[bytes] = []
        for doc_id in doc_ids:
            await self._db.execute("DELETE FROM set_aside WHERE doc_id = ?", (doc_id,))
            delivered = await self._db.execute_fetchall(
                "SELECT 1 FROM seen_records WHERE doc_id = ? AND seq IS NOT NULL "
                "UNION ALL SELECT 1 FROM outbox WHERE doc_id = ? LIMIT 1",
                (doc_id, doc_id),
            )
            if not list(delivered):
                await self._db.execute("DELETE FROM field_writes WHERE doc_id = ?", (doc_id,))
                await self._db.execute(  # by the primary key (journal_id, doc_id, epoch)
                    "DELETE FROM offered WHERE doc_id = ?1 AND journal_id = "
                    "(SELECT journal_id FROM documents WHERE doc_id = ?1)",
                    (doc_id,),
                )
                await self._db.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))
                removed.append(doc_id)
        return removed

    async def restore_tried_again(self) -> set[bytes]:
        """Move the set-aside changes of kinds sent again at every sync (sync.TRIED_AGAIN)
        back into the outbox, at their old places; returns the record ids of those that are
        not safety flags (a set-aside safety flag is told in full at every sync, never only
        reminded of: `SetAside.refused_before`)."""
        rows = await self._db.execute_fetchall(
            f"SELECT record_id {TRIED_AGAIN_ROWS} AND NOT EXISTS (SELECT 1 FROM documents "
            "WHERE documents.doc_id = set_aside.doc_id AND kind = 'safety_flag')"
        )
        await self._db.execute(
            "INSERT INTO outbox (position, journal_id, record_id, epoch, ciphertext, doc_id) "
            f"SELECT position, journal_id, record_id, epoch, ciphertext, doc_id {TRIED_AGAIN_ROWS}"
        )
        await self._db.execute(f"DELETE {TRIED_AGAIN_ROWS}")
        return {bytes(row[0]) for row in rows}

    async def restore_set_aside(self) -> int:
        """Move every set-aside record back into the outbox at its old position, and send
        refused journal creations again; returns how many records and journals."""
        self.sends = True
        journals = await self._db.execute_fetchall("SELECT count(*) FROM refused_journals")
        await self._db.execute("DELETE FROM refused_journals")
        rows = await self._db.execute_fetchall("SELECT count(*) FROM set_aside")
        await self._db.execute(
            "INSERT INTO outbox (position, journal_id, record_id, epoch, ciphertext, doc_id) "
            "SELECT position, journal_id, record_id, epoch, ciphertext, doc_id FROM set_aside"
        )
        await self._db.execute("DELETE FROM set_aside")
        return int(list(rows)[0][0]) + int(list(journals)[0][0])

    async def restore_set_aside_of(self, journal_id: bytes, doc_ids: Collection[bytes]) -> None:
        """Move the set-aside records of the documents `doc_ids` of the journal `journal_id`
        back into the outbox at their old positions (`restore_set_aside`, for these documents
        only: a leave sending this device's changes of that journal once more,
        `Sharing.leave`); a record of another journal is never moved (rev34e's note)."""
        for chunk, marks in _in_chunks(list(doc_ids)):
            await self._db.execute(
                "INSERT INTO outbox (position, journal_id, record_id, epoch, ciphertext, doc_id) "
                "SELECT position, journal_id, record_id, epoch, ciphertext, doc_id FROM "
                f"set_aside WHERE journal_id = ? AND doc_id IN ({marks})",
                (journal_id, *chunk),
            )
            await self._db.execute(
                f"DELETE FROM set_aside WHERE journal_id = ? AND doc_id IN ({marks})",
                (journal_id, *chunk),
            )
        if doc_ids:
            self.sends = True

    async def take_back_refused(self, journal_id: bytes, record_ids: list[bytes]) -> None:
        """Forget that `record_ids` (records of `journal_id` refused as problems) were seen
        and refused, so that a pull opens them again (`Replica._retry_key_waits`: refused for
        want of a key this device now holds). Only a refused record's mark goes (no document,
        no author): a record this device applied keeps its own."""
        for chunk, marks in _in_chunks(record_ids):
            await self._db.execute(
                f"DELETE FROM problems WHERE journal_id = ? AND record_id IN ({marks})",
                (journal_id, *chunk),
            )
            await self._db.execute(
                f"DELETE FROM seen_records WHERE journal_id = ? AND record_id IN ({marks}) "
                "AND doc_id IS NULL AND author IS NULL",
                (journal_id, *chunk),
            )

    async def add_problems(self, journal_id: bytes, problems: list[Problem]) -> list[Problem]:
        """Keep `problems` (records of `journal_id` that failed verification) as evidence,
        while the journal holds fewer than MAX_PROBLEMS_KEPT; returns those kept. The rest
        are not stored at all: a server cannot grow the device's files by sending junk."""
        if not problems:
            return []  # nothing counted or written (every page of an honest server)
        rows = await self._db.execute_fetchall(
            "SELECT count(*) FROM problems WHERE journal_id = ?", (journal_id,)
        )
        kept = problems[: max(0, MAX_PROBLEMS_KEPT - int(rows[0][0]))]
        await self._db.executemany(
            "INSERT OR REPLACE INTO problems VALUES (?, ?, ?, ?)",
            [(p.journal_id, p.record_id, p.seq, p.message) for p in kept],
        )
        return kept
