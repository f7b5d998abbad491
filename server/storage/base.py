"""The storage interface the service is written against, and the rows it moves.

SQLite (storage/sqlite.py) is the embedded default; PostgreSQL (storage/postgres.py) serves
several server processes. Both implement the same methods with the same behaviour (tests/server
runs against each); their schema is in storage/migrations.py. Every method that writes does
so in one transaction: it applies whole or not at all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol


@dataclass(frozen=True)
class AccountRow:
    account_id: bytes
    username: str
    salt: bytes
    opslimit: int
    memlimit: int
    login_public_key: bytes
    recovery_login_public_key: bytes
    bundle: bytes
    recovery_bundle: bytes
    sign_public_key: bytes
    box_public_key: bytes
    identity_signature: bytes
    created_at: int


@dataclass(frozen=True)
class DeviceRow:
    device_id: bytes
    account_id: bytes
    name: str
    token_hash: bytes
    created_at: int
    last_seen_at: int
    expires_at: int
    revoked: bool


@dataclass(frozen=True)
class SignInRow:
    """One row of an account's sign-in log (`Storage.sign_ins`): `seq` its number (from 1 per
    account, increasing, never reused), the device's id and name at sign-in, `at` (ms, the
    device row's `created_at`), `by_recovery_key` (/v1/auth/recover, else the password: a
    login or the signup), `signed_out`: no live session of that device opened then."""

    seq: int
    device_id: bytes
    name: str
    at: int
    by_recovery_key: bool
    signed_out: bool
    proof: bytes = b""
    """The device key, challenge, device signature and signed time (u64 big-endian) the
    sign-in sent (32 + 32 + 64 + 8 bytes, `DEVICE_PROOF_BYTES`; 128, without the time, from
    before it), or empty (protocol.md 4.21): kept, never checked here."""


DEVICE_PROOF_BYTES = 136
"""A sign-in's device proof as kept: device key (32), login challenge (32), signature (64),
the home's signed time of the sign-in (8, ms, u64 big-endian)."""

SIGN_INS_KEPT_MS = 90 * 24 * 3_600_000
"""How long an account's sign-in log keeps a row (ms): 90 days."""
SIGN_INS_KEPT = 1000
"""The most rows an account's sign-in log keeps: at a sign-in, rows older than
`SIGN_INS_KEPT_MS` and all but the newest `SIGN_INS_KEPT` are dropped. The newest row is never
dropped, so numbers are never reused, and numbers are consecutive: a device that asks after a
number whose next rows were dropped (more than `SIGN_INS_KEPT` sign-ins since it looked) sees
the gap and says how many it cannot name (protocol.md /v1/account/sign-ins)."""


@dataclass(frozen=True)
class KeyRow:
    epoch: int
    envelope: bytes


@dataclass(frozen=True)
class JournalRow:
    journal_id: bytes
    owner_id: bytes
    role: str
    epoch: int
    meta: bytes
    meta_version: int
    head: int
    keys: tuple[KeyRow, ...]
    owner_name: str
    expires_at: int
    chain_length: int = 0
    created_at: int = 0
    keys_complete: bool = True
    """False when `keys` leaves out older epochs' envelopes (see LISTED_KEY_BYTES)."""


@dataclass(frozen=True)
class MemberRow:
    """One account a rotation seals the new key to, with its role and end date."""

    account_id: bytes
    envelope: bytes
    role: str
    expires_at: int


@dataclass(frozen=True)
class ShareRow:
    journal_id: bytes
    member_id: bytes
    member_name: str
    role: str
    expires_at: int
    epoch: int
    envelope: bytes  # the member's envelope for the current epoch, as the owner signed it


@dataclass(frozen=True)
class AuditRow:
    account_id: bytes
    username: str
    device_id: bytes
    at: int
    up_to_seq: int
    records: int
    erased: bool = False
    """The reader's account was erased since (`account_id` and `username` are its own, as
    written with the row)."""


@dataclass(frozen=True)
class Fetch:
    """The records of one journal a /v1/sync reply sends: their seqs, ascending."""

    journal_id: bytes
    seqs: list[int]


@dataclass(frozen=True)
class NewRecord:
    record_id: bytes
    epoch: int
    ciphertext: bytes


@dataclass(frozen=True)
class RecordRow:
    seq: int
    record_id: bytes
    epoch: int
    ciphertext: bytes


@dataclass(frozen=True)
class LiveEvent:
    """What connected devices must hear about, on whichever server process holds their socket.

    kind "journal": `journal_id` has a new head (new records) for `account_ids`;
    kind "device": `device_id` of `account_ids[0]` was signed out;
    kind "account": `account_ids[0]` was erased: close all its sockets;
    kind "meta": what a sync brings of `account_ids`' journals changed otherwise than by new
    records (a journal created, renamed, deleted, shared or unshared, a member left or was
    removed): their devices, except `device_id` (the one that made the change), are told
    so, with no journal named (server/live.py);
    kind "resync": this process may have missed events (storage/pg_live.py): every device
    should reconnect and catch up.
    """

    kind: str
    account_ids: tuple[bytes, ...]
    journal_id: bytes = b""
    head: int = 0
    device_id: bytes = b""
    inline: InlineRecords | None = None
    """For kind "journal" on the process that stored them: the records to hand the owner's
    devices that asked for them (server/live.py). Never sent between processes
    (storage/pg_live.py): a notice without them is complete on its own."""


@dataclass(frozen=True)
class InlineRecords:
    """The records of one push, all those of a journal with a `seq` in (`after`, the
    event's head], for the devices of `owner_id` (whose reads are not audited)."""

    owner_id: bytes
    after: int
    meta_version: int
    records: tuple[tuple[int, bytes, int, bytes], ...]
    """(seq, record_id, epoch, ciphertext), by seq."""


LiveHandler = Callable[[LiveEvent], Awaitable[None]]


@dataclass(frozen=True)
class WriteLimits:
    """What one account may write, checked inside the write's own transaction so that a
    refused request stores nothing and the limit holds across server processes.

    The rate limits are per fixed window `[window_start, window_start + window_ms)` (ms).
    """

    max_stored_bytes: int
    records_per_window: int
    bytes_per_window: int
    window_start: int
    window_ms: int


INHERITED_SUFFIX = b"/inherited"


def inherited_account(owner_id: bytes) -> bytes:
    """Who a journal owner's **inherited** records are charged to: those that members which
    left (or were removed) had pushed into its journals. A counter of its own in
    allowance beside the owner's own stored bytes, capped at the stored-bytes quota: a departing member
    can never fill the owner's own quota (R9B finding 5), and what the allowance cannot take
    stays charged to the member that wrote it. Records carry it as `pushed_by`, so
    compaction and deletion remove them like any pusher's, and the former member's erasure
    leaves them (they are no longer its). It has no `account_usage` row (that table holds
    accounts): its bytes are summed from its records, through the pusher index, only when a
    member departs."""
    return owner_id + INHERITED_SUFFIX


def write_subject(account_id: bytes) -> str:
    """The rate window of an account's writes: `requests` counts its new records and every
    other write request (one each, R9B finding 8), `bytes` its new record bytes."""
    return "write:" + account_id.hex()


class QuotaError(Exception):
    """A limit refused a write; nothing was stored. `kind` is one of QUOTA_KINDS;
    `retry_after_ms` is how long a rate limit lasts (0 for a quota that does not pass)."""

    def __init__(self, kind: str, retry_after_ms: int = 0) -> None:
        super().__init__(kind)
        self.kind = kind
        self.retry_after_ms = retry_after_ms


LISTED_KEY_BYTES = 256 * 1024
"""Envelope bytes of one journal in a journal list, newest epochs first (the default of
`Settings.listed_key_bytes`): a thousand real envelopes or more (one per rotation), while a
hostile owner rotating thousands of times with 4 KiB envelopes cannot make a member's list
unbounded (R9 finding 1). Older epochs' envelopes beyond it are left out of the list (the
journal is listed with `keys_complete` false) and read a page at a time through
/v1/journals/keys (`Storage.key_page`)."""

LISTED_KEYS = (
    "SELECT journal_id, epoch, CASE WHEN newer <= {cap} THEN envelope END FROM ("
    "SELECT journal_id, epoch, envelope, {length}(envelope) AS size, "
    "SUM({length}(envelope)) OVER (PARTITION BY journal_id ORDER BY epoch DESC) AS newer "
    "FROM journal_keys WHERE account_id = {account} AND journal_id {listed}) AS keys "
    "WHERE newer - size <= {cap} ORDER BY epoch"
)
"""The envelopes of the newest epochs of each listed journal, LISTED_KEY_BYTES (`{cap}`) at
most per journal, and one row more where they were cut: the newest epoch left out, with a
NULL envelope (so a journal's list entry says whether it is complete in the same query)."""

OWNED_EXTRA_BYTES = (
    "SELECT (SELECT COALESCE(SUM(length(c.entry)), 0) FROM access_chain c "
    "JOIN journals j ON j.journal_id = c.journal_id WHERE j.owner_id = {0}) "
    "+ (SELECT COALESCE(SUM(length(k.envelope)), 0) FROM journal_keys k "
    "JOIN journals j ON j.journal_id = k.journal_id WHERE j.owner_id = {0}) "
    "+ (SELECT COALESCE(SUM(length(meta)), 0) FROM journals WHERE owner_id = {0})"
)
"""Bytes an owner makes the server keep outside `records`: the access chains, key envelopes
and sealed names of its journals (`{0}` is the owner id's placeholder)."""

QUOTA_KINDS = (
    "journals", "devices", "storage", "shares", "write_rate", "live_device", "live_account"
)  # fmt: skip

CHAIN_LENGTHS = (
    "SELECT j.journal_id, (SELECT COALESCE(max(c.position) + 1, 0) FROM access_chain c "
    "WHERE c.journal_id = j.journal_id) FROM journals j"
)
"""Each journal's access chain length, from the chain's primary key (positions run from 0
without gaps): one index seek per journal, where count(*) read the whole chain (R9 finding
13). Both backends append a WHERE on `j.journal_id`."""

AUDIT_HIGH = (
    "SELECT COALESCE(max(up_to_seq), 0) FROM audit WHERE journal_id = {0}1 "
    "AND account_id = {0}2 AND device_id = {0}3"
)
"""The highest up_to_seq logged for a device of a live account in a journal (through the
index audit_by_journal: the journal's rows, which coalescing keeps to one per first fetch);
format with the placeholder prefix (`?` for SQLite, `$` for PostgreSQL). An erased account's
rows have a NULL account_id: never counted for another account given its id later."""

SIGN_INS_AFTER = (
    "SELECT s.seq, s.device_id, s.name, s.at, s.by_recovery_key, s.proof, NOT EXISTS ("
    "SELECT 1 FROM devices d WHERE d.device_id = s.device_id AND d.account_id = "
    "s.account_id AND d.created_at = s.at AND d.revoked = 0 AND d.expires_at >= {0}1) "
    "FROM sign_ins s WHERE s.account_id = {0}2 AND s.seq > {0}3 ORDER BY s.seq LIMIT {0}4"
)
"""`Storage.sign_ins`: an account's sign-in log after a number, oldest first, each with
whether its session is signed out (no live device row of that id opened at that time);
parameters now, account id, after, limit; format with the placeholder prefix (`?` for
SQLite, `$` for PostgreSQL)."""


def sign_in_rows(rows: Iterable[Sequence[Any]]) -> list[SignInRow]:
    """SIGN_INS_AFTER's rows as `SignInRow`s."""
    return [
        SignInRow(int(r[0]), bytes(r[1]), r[2], int(r[3]), bool(r[4]), bool(r[6]), bytes(r[5]))
        for r in rows
    ]


AUDIT_COLUMNS = "journal_id, account_id, device_id, at, up_to_seq, records, reader_id, reader_name"
"""An audit row's columns, as an insert names them: `account_id` is the live account (NULL
once erased), `reader_id` and `reader_name` the reader as it was when the row was written
(migration 11)."""

AUDIT_LOG = (
    "SELECT u.reader_id, u.reader_name, u.device_id, u.at, u.up_to_seq, u.records, "
    "u.account_id IS NULL FROM audit u"
)
"""An audit page's rows (AuditRow's fields, in order); both backends add the WHERE."""


class WriterState(NamedTuple):
    """What a write's check reads inside the write's own transaction (see WriterCheck)."""

    device: tuple[bool, int] | None
    """(revoked, expires_at ms) of the writing device's session; None: the account has no
    such device (its row deleted: signed out long ago, or the account erased)."""
    role: str | None
    """The writer's role in the journal; None if it is not an unexpired member."""
    epoch: int | None
    """The journal's current key epoch; None if there is no such journal."""


WriterCheck = Callable[[WriterState], None]
"""Who may write sealed data into a journal (records, its metadata), decided inside the
write's own transaction: called with the WriterState read in that transaction, after the
journal is locked for the write; it raises to refuse (the transaction rolls back, nothing is
stored). Reading them in the same transaction is what keeps a revocation, a rotation or a
device's sign-out from slipping between the check and the write: a push either commits
before the revocation or sign-out (its seqs below it) or sees it. It must do no I/O (SQLite
calls it in the writer thread)."""

LoginWait = Callable[[dict[str, tuple[int, int]]], int]
"""Throttling policy: (subject -> (failures, last failure ms)) -> how long to wait (ms)."""


class RecordConflictError(Exception):
    """A record id already exists in the journal with different content."""


class CredentialsChanged(Exception):
    """The key a login's signature was checked against is no longer the account's
    (`create_device`'s `checked_key`)."""


class DuplicateError(Exception):
    """A unique name or id is already taken."""


class ChainConflictError(Exception):
    """The access chain does not have the length the request expected."""


class AccountGoneError(Exception):
    """An account a rotation lists as a member, or a new journal's owner, no longer exists
    or is being erased (erased meanwhile)."""


class MetaChangedError(Exception):
    """The journal's `meta_version` is not the one the request expected (W4)."""


class Storage(Protocol):
    async def close(self) -> None: ...

    async def publish(self, event: LiveEvent) -> None:
        """Deliver the event to the subscribers of every server process on this database
        (SQLite: this process; PostgreSQL: NOTIFY, heard by every process's LISTEN)."""
        ...

    async def subscribe(self, handler: LiveHandler) -> None:
        """Call `handler` for every published event, in publication order."""
        ...

    async def server_secrets(self) -> tuple[bytes, bytes]:
        """(server_id, secret for fake prelogin answers), created on first use."""
        ...

    async def create_account(self, account: AccountRow, device: DeviceRow) -> None: ...

    async def account_by_username(self, username: str) -> AccountRow | None: ...

    async def account_by_id(self, account_id: bytes) -> AccountRow | None: ...

    async def existing_accounts(self, account_ids: list[bytes]) -> set[bytes]:
        """Those of `account_ids` that have an account here, read in one query (chunks of
        500 ids on SQLite)."""
        ...

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
        """Replace the password's salt, cost, login public key and bundle and, when
        `recovery` = (recovery login public key, recovery bundle) is given, the recovery
        key's too, in one transaction. `device_id`, the device asking, has now proven the
        password: it is no longer a session of the recovery key. With `recovery`, every
        other session opened by the recovery key alone is signed out in the same
        transaction (the key that opened it is retired); their ids are returned."""
        ...

    async def update_recovery(
        self,
        account_id: bytes,
        recovery_login_public_key: bytes,
        recovery_bundle: bytes,
        device_id: bytes = b"",
        now: int = 0,
    ) -> list[bytes]:
        """Replace the recovery login public key and the recovery bundle together, in one
        transaction: the old recovery key stops working as the new one starts, and every
        session it opened alone (`create_device(..., by_recovery_key=True)`), but
        `device_id`'s, is signed out; their ids are returned."""
        ...

    async def delete_account(self, account_id: bytes, username: str) -> None:
        """Erase the account in one transaction: its journals with their records, keys,
        memberships and audit rows; its memberships and keys in other accounts' journals
        (each of those journals' `meta_version` is raised, as at a leave); the records it
        pushed there; its devices. Its audit rows in other accounts' journals stay, marked
        erased (`AuditRow.erased`): their owners' record of what it read."""
        ...

    async def use_challenge(self, nonce: bytes, keep_until: int) -> bool:
        """Record the nonce of a verified login challenge as used until `keep_until` (ms);
        False, and nothing written, when it was already used (a replay)."""
        ...

    async def purge(self, now: int, forget_before: int) -> None:
        """Delete used challenges kept until before `now`, failed-login counters whose last
        failure is older than `forget_before`, rate windows that ended before it, devices
        (revoked or not) whose token expired before it, and the live slots of server
        processes that are gone."""
        ...

    # --- throttling and rates (state in the database: it must hold across processes) ------

    async def reserve_login_attempt(
        self, subjects: list[str], now: int, forget_before: int, wait: LoginWait
    ) -> int:
        """Atomically: read the failure counters of `subjects` (a counter whose last failure
        is before `forget_before` counts as 0), ask `wait` how long the caller must wait,
        and if 0, count this attempt as a failure of every subject (forgiven by
        `forgive_login_attempt` if it succeeds). Returns the wait in ms (0: go ahead)."""
        ...

    async def forgive_login_attempt(self, cleared: str, taken_back: list[str]) -> None:
        """A login succeeded: delete the counter of `cleared` (the username from this
        address, the ticket or the device), take this attempt back from each of
        `taken_back` (the username from every address, the address)."""
        ...

    async def take_live_slot(
        self, account_id: bytes, device_id: bytes, per_device: int, per_account: int
    ) -> bytes:
        """Count one live socket of the device against `per_device` and `per_account`, over
        every server process that shares this database; returns the slot's id for
        `release_live_slot`. Raises QuotaError "live_device" or "live_account" (nothing
        counted) when the device or the account holds its maximum. A slot of a process
        that died stops counting by itself."""
        ...

    async def release_live_slot(self, slot: bytes) -> None:
        """Stop counting a slot of `take_live_slot` (its socket closed)."""
        ...

    async def count_request(
        self, limits: list[tuple[str, int]], window_start: int, count: int = 1
    ) -> bool:
        """Count `count` requests (one by default; each account id a lookup names) of every
        subject of `limits` (subject, limit) in the window starting at `window_start` (ms),
        in one transaction: False (and nothing counted for any subject) if some subject
        would pass its limit of requests in that window."""
        ...

    async def create_device(
        self,
        device: DeviceRow,
        max_devices: int,
        by_recovery_key: bool = False,
        checked_key: bytes | None = None,
        proof: bytes = b"",
    ) -> None:
        """`proof`: the sign-in's device proof, kept in its sign-in log row (`SignInRow`).
        Raises QuotaError("devices") if the account has `max_devices` unexpired,
        unrevoked devices already. `by_recovery_key`: the session was opened with the
        recovery key alone (remembered in the same transaction, see `update_recovery`).
        `checked_key`: the account's key the login's signature was checked against (its
        recovery login key when `by_recovery_key`, else its login key): raises
        CredentialsChanged, creating nothing, when the account no longer has that key in
        the transaction that would create the device (a password change or a recovery
        key replaced since the check: REV-ACCT F1, F2), or no longer exists."""
        ...

    async def device_by_token_hash(self, token_hash: bytes) -> DeviceRow | None: ...

    async def touch_device(self, device_id: bytes, now: int) -> None: ...

    async def list_devices(
        self, account_id: bytes, after: tuple[int, bytes] | None, limit: int, now: int
    ) -> list[DeviceRow]:
        """Up to `limit` unrevoked devices whose session has not expired at `now` (ms),
        ordered by (created_at, device_id), those after `after` only. Expired ones are left
        out by the query, before its LIMIT, so that no page of the list is empty but the
        last (protocol.md 2.8)."""
        ...

    async def revoke_device(self, account_id: bytes, device_id: bytes) -> bool: ...

    async def sign_ins(
        self, account_id: bytes, after: int, limit: int, now: int
    ) -> list[SignInRow]:
        """The account's sign-in log after number `after`, oldest first, at most `limit`
        rows; `signed_out` as at `now` (ms). Rows are added by `create_account` and
        `create_device` in their transaction (and pruned there)."""
        ...

    async def credential_changes(self, account_id: bytes) -> tuple[int, int]:
        """(when the password last changed, when the recovery key last changed), ms; 0 for
        a change before the server kept it (or none since signup). Set by `update_credentials`
        and `update_recovery` given `now`."""
        ...

    async def delete_journal(self, journal_id: bytes) -> None:
        """Delete the journal and everything of it (records, keys, members, access chain,
        audit rows) in one transaction, freeing the stored bytes it counted."""
        ...

    async def rename_device(self, account_id: bytes, device_id: bytes, name: str) -> bool:
        """Rename an active device of the account; False if it has none with that id."""
        ...

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
        """Create the journal with its owner's key, sealed name and first access chain
        entries (positions 0, 1, ...). DuplicateError if the id exists; QuotaError("journals")
        if the owner has `max_journals` journals already; QuotaError("storage") if the
        owner's stored bytes (its records, and OWNED_EXTRA_BYTES) would pass
        `max_stored_bytes`."""
        ...

    async def chain_entries(
        self, journal_id: bytes, after: int, limit: int
    ) -> tuple[int, list[bytes]]:
        """(chain length, up to `limit` entries from position `after` on)."""
        ...

    async def chain_lengths(self, journal_ids: list[bytes]) -> dict[bytes, int]:
        """The access chain length of each journal of `journal_ids` that exists, in one
        query of one index seek per journal (never a count over a chain)."""
        ...

    async def journals_for(
        self,
        account_id: bytes,
        now: int,
        after: tuple[int, bytes] | None = None,
        limit: int | None = None,
        key_bytes: int = LISTED_KEY_BYTES,
    ) -> list[JournalRow]:
        """Journals the account owns or is an unexpired member of, with its key envelopes
        (of the newest epochs, `key_bytes` at most per journal, in epoch order; the row's
        `keys_complete` is False when older ones were left out), ordered by (created_at,
        journal_id): up to `limit`, those after `after` only."""
        ...

    async def key_page(
        self, journal_id: bytes, account_id: bytes, from_epoch: int, to_epoch: int, limit: int
    ) -> list[KeyRow]:
        """The account's own envelopes of the journal with `from_epoch <= epoch <= to_epoch`,
        by epoch, `limit` at most (one primary-key range read). The caller checks that the
        account reads the journal."""
        ...

    async def heads_for(self, account_id: bytes, now: int) -> dict[bytes, tuple[int, int, str]]:
        """journal id -> (head seq, meta version, role) for every journal the account reads."""
        ...

    async def role_in(self, journal_id: bytes, account_id: bytes, now: int) -> str | None: ...

    async def journal_epoch(self, journal_id: bytes) -> int | None: ...

    async def meta_version(self, journal_id: bytes) -> int | None:
        """The journal's meta version (as `heads_for` gives it), None when it does not exist."""
        ...

    async def shares_of(
        self, owner_id: bytes, after: tuple[bytes, bytes] | None = None, limit: int | None = None
    ) -> list[ShareRow]:
        """Memberships of the owner's journals, ordered by (journal_id, member_id): up to
        `limit`, those after `after` only."""
        ...

    async def leave_journal(
        self, journal_id: bytes, account_id: bytes, max_inherited: int | None = None
    ) -> bool:
        """A member (not the owner) stops being served the journal: its membership and every
        key envelope of the journal for it are deleted and `meta_version` is raised, in one
        transaction. The records it pushed there move to the owner's inherited bytes
        (`inherited_account`) if they fit within `max_inherited` (None: no cap); else they
        stay charged to it. False if it was not a member."""
        ...

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
        """Start `epoch`, atomically: append `chain` at position `chain_after` (else
        ChainConflictError), make `members` exactly the journal's members (with their role
        and end date; anyone else loses membership and every key of the journal), store
        their envelopes, the sealed name and the epoch.

        QuotaError("shares") if this raises the number of memberships the journal's owner
        has granted (members other than the owner, over all its journals) above
        `max_shares`; a rotation that does not add members is never refused.
        QuotaError("storage") if it grows the owner's stored bytes (records and
        OWNED_EXTRA_BYTES) past `max_stored_bytes`; a rotation that only removes members
        (adds none) is never refused for storage: a revocation must always go through, and
        removals cannot repeat without members added in between."""
        ...

    async def add_audit(
        self, account_id: bytes, device_id: bytes, at: int, fetches: list[Fetch]
    ) -> set[bytes]:
        """Log what one /v1/sync reply gave a member's device, in one transaction (R9 finding
        9). Each fetch adds a row (journal, account, device, `at`, up_to_seq = its highest
        seq, records = how many of its seqs are above the device's previous up_to_seq for
        that journal) only when its highest seq passes that previous up_to_seq: a re-fetch
        of what the device already fetched adds nothing, so a row says when a device first
        fetched records up to where.

        Decided when the rows are written, not when the sync read the records: a journal
        gone meanwhile gets no row (its deletion would have deleted it); nor does a journal
        `account_id` is no longer a member of at `at` (it left, was removed, or its share's
        end passed since the read). Returns those last journals (ids), and every journal of
        `fetches` when the account was erased meanwhile (no row is written): the reply must
        not send the records it did not log (the server's audit would miss a fetch a
        leaving or erased member could time to race its own sync)."""
        ...

    async def audit_log(
        self,
        journal_id: bytes,
        account_id: bytes | None,
        after: tuple[int, bytes, int] | None = None,
        limit: int | None = None,
    ) -> list[AuditRow]:
        """Audit entries ordered by (at, device_id, up_to_seq): up to `limit`, those after
        `after` only; only the live account `account_id`'s when it is given. Entries of an
        erased reader are kept, with its id and username, `erased` True."""
        ...

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
        """Replace the journal's sealed metadata and raise its meta_version, once `check`
        passed in the same transaction (as in `append_records`), and only while the
        journal's meta_version is `meta_version` (0: whatever it is); MetaChangedError
        otherwise, nothing written."""
        ...

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
        """Store records not yet stored (by record id) and return (record id, seq) for all.

        First, in the same transaction, `check` is called with the session of `pushed_by`'s
        device `device_id`, `pushed_by`'s role (an unexpired membership at `now`) and the
        journal's epoch; whatever it raises refuses the push. The records not yet stored count against `pushed_by`'s limits:
        QuotaError("storage") or QuotaError("write_rate", retry_after_ms), and nothing is
        stored."""
        ...

    async def members_of(self, journal_id: bytes, now: int) -> list[tuple[bytes, str]]:
        """(account, role) of every unexpired member, owner included."""
        ...

    async def seq_before(self, journal_id: bytes, seq: int) -> int | None:
        """After a commit that stored records of the journal from `seq` on: the highest seq
        of its records below `seq` (0: none), where no record stored later can take a seq
        below those committed (then the journal's records in that range are known for
        good: a live notice may carry them, server/live.py); None where that does not hold."""
        ...

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
        """Store the snapshot and delete the superseded records older than it, atomically,
        once `check` passed in the same transaction (as in `append_records`). The snapshot
        counts against `limits` like a push; deleted records free their pushers' stored
        bytes.

        Returns (snapshot seq, records removed). Ids not (or no longer) stored are skipped.
        """
        ...

    async def records_after(
        self,
        journal_id: bytes,
        after: int,
        limit: int,
        max_bytes: int,
        stub_device: bytes | None = None,
    ) -> list[RecordRow]:
        """The journal's records with `seq > after`, ascending: at most `limit`, and stopping
        before the first record that would bring the ciphertext total over `max_bytes` (the
        first record is returned whatever its size). The service relies on exactly this to
        tell a page that reaches the end of the log (`service.page_cursor`).

        A record pushed (`append_records`) by the device `stub_device` comes as a stub: its
        ciphertext empty, counting 0 bytes (protocol.md /v1/sync `skip_own`); None: none.

        Every backend must raise a journal's `head` in the transaction that stores the record,
        and make records visible in `seq` order within a journal: a reader that sees `head`
        must also see every record at or below it that was not deleted."""
        ...
