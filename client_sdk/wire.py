"""Wire messages: frozen dataclasses, validated in one place, mapped to and from msgpack.

Both the server and the SDK import this module; it holds no crypto and does no I/O. Every
field carries its limits (`limits(lo, hi)`: length for bytes, str and lists, value for
ints). `decode` rejects unknown fields, missing fields, wrong types and out-of-range values
with a `WireError` carrying a machine-readable code, so a handler only ever sees a message
that fits its schema.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field
from typing import Any, TypeVar

import msgpack

from client_sdk.frozen_init import filled_at_once
from client_sdk.wire_decoding import WireError as WireError  # raised by decode
from client_sdk.wire_decoding import read_message

PROTOCOL_VERSION = 1
ID_BYTES = 16
MAX_BODY_BYTES = 16 * 1024 * 1024
MAX_RECORD_BYTES = 256 * 1024
MAX_RECORDS_PER_PUSH = 500
MAX_RECORDS_PER_PAGE = 1000
MAX_JOURNALS = 10_000
MAX_META_BYTES = 4096
MAX_BUNDLE_BYTES = 4096
MAX_CHAIN_ENTRY_BYTES = 4096
MAX_CHAIN_APPEND = 16
MAX_CHAIN_PAGE = 1000
PAGE_ITEMS = 500  # devices, journals and shares per page of a list (protocol.md 2.8)
SYNC_JOURNALS = 1000  # journals one /v1/sync reply considers
MAX_PAGE_CURSOR = 32
MAX_KEY_PAGE = 500  # envelopes per /v1/journals/keys reply (500 x 4 KiB stays under 4 MiB)
MAX_TICKET_BYTES = 64  # a login ticket: opaque to clients (the server makes 48 bytes)
U32 = 2**32 - 1
U63 = 2**63 - 1
MAX_TIME_MS = 253_402_128_000_000
"""The latest time a message may carry, ms since 1970-01-01 UTC: 9999-12-30 UTC, the last
day a datetime holds in every time zone (`models.MAX_MS`, the bound of document times)."""
M = TypeVar("M")


def limits(lo: int, hi: int) -> dict[str, Any]:
    """Field metadata: allowed length (bytes, str, list) or value (int)."""
    return {"lo": lo, "hi": hi}


ID = limits(ID_BYTES, ID_BYTES)
TIME = limits(0, MAX_TIME_MS)
"""A time (ms since 1970-01-01 UTC; 0 where the field says "never"): any other number, from
a server that lies or a broken one, is `invalid_field` where the message is decoded, so no
reader of a decoded message meets a time a datetime cannot hold."""
PAGE_CURSOR = limits(0, MAX_PAGE_CURSOR)
CHAIN_APPEND = {**limits(1, MAX_CHAIN_APPEND), "item": limits(1, MAX_CHAIN_ENTRY_BYTES)}


# --- errors -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErrorReply:
    code: str = field(metadata=limits(1, 64))
    message: str = field(metadata=limits(0, 1000))


# --- accounts and sessions -----------------------------------------------------------------


@dataclass(frozen=True)
class PreloginRequest:
    username: str = field(metadata=limits(1, 64))


@dataclass(frozen=True)
class PreloginReply:
    salt: bytes = field(metadata=limits(16, 16))
    opslimit: int = field(metadata=limits(1, U32))
    memlimit: int = field(metadata=limits(8192, U63))


@dataclass(frozen=True)
class Identity:
    """An account's public identity, self-signed by its Ed25519 identity key."""

    account_id: bytes = field(metadata=ID)
    username: str = field(metadata=limits(1, 64))
    sign_public_key: bytes = field(metadata=limits(32, 32))
    box_public_key: bytes = field(metadata=limits(32, 32))
    signature: bytes = field(metadata=limits(64, 64))


@dataclass(frozen=True)
class SignupRequest:
    username: str = field(metadata=limits(1, 64))
    account_id: bytes = field(metadata=ID)
    salt: bytes = field(metadata=limits(16, 16))
    opslimit: int = field(metadata=limits(1, U32))
    memlimit: int = field(metadata=limits(8192, U63))
    login_public_key: bytes = field(metadata=limits(32, 32))
    recovery_login_public_key: bytes = field(metadata=limits(32, 32))
    bundle: bytes = field(metadata=limits(40, MAX_BUNDLE_BYTES))
    recovery_bundle: bytes = field(metadata=limits(40, MAX_BUNDLE_BYTES))
    identity: Identity = field()
    device_name: str = field(metadata=limits(1, 100))
    device_id: bytes = field(default=b"", metadata=limits(0, ID_BYTES))
    """The new device's id, 16 random bytes the device chose (protocol.md 2.3); empty (or
    left out) only from a client older than device-chosen ids: the server then picks one."""


@dataclass(frozen=True)
class ChallengeRequest:
    username: str = field(metadata=limits(1, 64))
    purpose: str = field(metadata=limits(1, 32))


@dataclass(frozen=True)
class ChallengeReply:
    challenge: bytes = field(metadata=limits(32, 32))
    server_id: bytes = field(metadata=ID)
    expires_at: int = field(metadata=TIME)


@dataclass(frozen=True)
class LoginRequest:
    """`ticket`: the `login_ticket` of this device's last session for this username, if it
    has one (protocol.md 2.7: a known device is not locked out by others' failures).
    `device_id`: the new session's device id, 16 random bytes the device chose, new for
    every login (protocol.md 2.3); empty (or left out) only from a client older than
    device-chosen ids: the server then picks one."""

    username: str = field(metadata=limits(1, 64))
    challenge: bytes = field(metadata=limits(32, 32))
    signature: bytes = field(metadata=limits(64, 64))
    device_name: str = field(metadata=limits(1, 100))
    ticket: bytes = field(default=b"", repr=False, metadata=limits(0, MAX_TICKET_BYTES))
    device_id: bytes = field(default=b"", metadata=limits(0, ID_BYTES))
    device_key: bytes = field(default=b"", repr=False, metadata=limits(0, 32))
    """The Ed25519 public key this home keeps for the account (its device key, protocol.md
    4.21), 32 bytes, or empty (left out when empty)."""
    device_signature: bytes = field(default=b"", metadata=limits(0, 64))
    """The device key's signature of this sign-in (4.21), 64 bytes, with `device_key`."""
    device_signed_at: int = field(default=0, metadata=TIME)
    """The home's time of this sign-in (ms, its clock) that `device_signature` signs (4.21),
    with `device_key`; 0 (left out) for none."""


@dataclass(frozen=True)
class SessionReply:
    token: str = field(repr=False, metadata=limits(1, 128))
    account_id: bytes = field(metadata=ID)
    device_id: bytes = field(metadata=ID)
    expires_at: int = field(metadata=TIME)
    server_id: bytes = field(metadata=ID)
    bundle: bytes = field(metadata=limits(0, MAX_BUNDLE_BYTES))
    salt: bytes = field(metadata=limits(16, 16))
    opslimit: int = field(metadata=limits(1, U32))
    memlimit: int = field(metadata=limits(8192, U63))
    login_ticket: bytes = field(default=b"", repr=False, metadata=limits(0, MAX_TICKET_BYTES))


@dataclass(frozen=True)
class PasswordChangeRequest:
    """New credentials; `signature` signs a fresh "password" challenge with the current
    login key or the recovery login key. With `recovery_login_public_key` and
    `recovery_bundle` (both or neither) the recovery key is replaced in the same
    transaction: what a recovery sends, so the key just used is retired with it."""

    challenge: bytes = field(metadata=limits(32, 32))
    signature: bytes = field(metadata=limits(64, 64))
    salt: bytes = field(metadata=limits(16, 16))
    opslimit: int = field(metadata=limits(1, U32))
    memlimit: int = field(metadata=limits(8192, U63))
    login_public_key: bytes = field(metadata=limits(32, 32))
    bundle: bytes = field(metadata=limits(40, MAX_BUNDLE_BYTES))
    recovery_login_public_key: bytes = field(default=b"", metadata=limits(0, 32))
    recovery_bundle: bytes = field(default=b"", metadata=limits(0, MAX_BUNDLE_BYTES))


@dataclass(frozen=True)
class RecoveryKeyRequest:
    """A new recovery key's public half and bundle, in place of the account's current ones;
    `signature` signs a fresh "recovery-key" challenge with the current login key (the
    password's; the recovery login key's is refused, 401 password_required: protocol.md,
    /v1/account/recovery-key)."""

    challenge: bytes = field(metadata=limits(32, 32))
    signature: bytes = field(metadata=limits(64, 64))
    recovery_login_public_key: bytes = field(metadata=limits(32, 32))
    recovery_bundle: bytes = field(metadata=limits(40, MAX_BUNDLE_BYTES))


@dataclass(frozen=True)
class RecoveryKeyReply:
    """The public half of the recovery key the server accepts for the caller's account now
    (protocol.md, /v1/account/recovery-key/current): the server's word, which is all a
    recovery ever rests on (the server decides whether to let a recovery in)."""

    recovery_login_public_key: bytes = field(metadata=limits(32, 32))


@dataclass(frozen=True)
class PasswordChangeReply:
    """`login_ticket`: a login ticket for the new password (protocol.md 2.7): a password
    change voids every earlier ticket, the changing device keeps this one."""

    login_ticket: bytes = field(default=b"", repr=False, metadata=limits(0, MAX_TICKET_BYTES))


@dataclass(frozen=True)
class AccountDeleteRequest:
    """Erase the account; `signature` signs a fresh "delete" challenge with the login key, so
    a stolen session token alone cannot erase anything."""

    challenge: bytes = field(metadata=limits(32, 32))
    signature: bytes = field(metadata=limits(64, 64))


@dataclass(frozen=True)
class IdentityRequest:
    username: str = field(metadata=limits(1, 64))


@dataclass(frozen=True)
class Empty:
    pass


@dataclass(frozen=True)
class ListRequest:
    """One page of a list: from the start (`after` empty, or the field left out) or after the
    `next` of the previous page."""

    after: bytes = field(default=b"", metadata=PAGE_CURSOR)


@dataclass(frozen=True)
class Device:
    device_id: bytes = field(metadata=ID)
    name: str = field(metadata=limits(1, 100))
    created_at: int = field(metadata=TIME)
    last_seen_at: int = field(metadata=TIME)
    expires_at: int = field(metadata=TIME)
    current: bool = field()


@dataclass(frozen=True)
class DeviceList:
    devices: list[Device] = field(metadata=limits(0, 1000))
    next: bytes = field(default=b"", metadata=PAGE_CURSOR)
    """Empty on the last page; else ask again with `ListRequest(after=next)`."""


@dataclass(frozen=True)
class SignInsRequest:
    """The account's sign-ins numbered after `after` (0: every one the server keeps)."""

    after: int = field(default=0, metadata=limits(0, U63))
    with_keys: bool = field(default=False)
    """Send each row's device key, challenge and signature (`SignIn.device_key`...); without
    it rows are sent as before those fields (an older client decodes them)."""


@dataclass(frozen=True)
class SignIn:
    """One sign-in of the account (signup, login or recovery), the server's word."""

    seq: int = field(metadata=limits(1, U63))
    """Its number: from 1 per account, consecutive, never reused."""
    device_id: bytes = field(metadata=ID)
    name: str = field(metadata=limits(1, 100))
    """The device's name when it signed in."""
    at: int = field(metadata=TIME)
    by_recovery_key: bool = field()
    """Signed in with the recovery key (/v1/auth/recover), else the password."""
    signed_out: bool = field()
    """The session it opened is no longer signed in (signed out, revoked or expired)."""
    current: bool = field()
    """The session it opened is the one asking (its own sign-in)."""
    device_key: bytes = field(default=b"", repr=False, metadata=limits(0, 32))
    """The device key the sign-in named (`LoginRequest.device_key`; empty: none), sent only
    to a request `with_keys`, left out when empty; with `challenge` and `device_signature`
    (protocol.md 4.21)."""
    challenge: bytes = field(default=b"", metadata=limits(0, 32))
    """The login challenge of that sign-in (with `device_key` only)."""
    device_signature: bytes = field(default=b"", metadata=limits(0, 64))
    """The device key's signature of that sign-in (with `device_key` only)."""
    device_signed_at: int = field(default=0, metadata=TIME)
    """The home's time of that sign-in its signature signs (`LoginRequest.device_signed_at`;
    with `device_key` only; 0: none, a proof of before it)."""


@dataclass(frozen=True)
class SignInList:
    sign_ins: list[SignIn] = field(metadata=limits(0, 1000))
    more: bool = field()
    """More follow: ask again with `after` the last `seq` of this page."""
    password_changed_at: int = field(metadata=TIME)
    """When the account's password last changed (ms; 0: not since the server kept it)."""
    recovery_key_changed_at: int = field(metadata=TIME)
    """When the account's recovery key last changed (ms; 0: not since the server kept it)."""


@dataclass(frozen=True)
class DeviceRevokeRequest:
    device_id: bytes = field(metadata=ID)


@dataclass(frozen=True)
class DeviceRenameRequest:
    device_id: bytes = field(metadata=ID)
    name: str = field(metadata=limits(1, 100))


# --- journals and records ------------------------------------------------------------------


@dataclass(frozen=True)
class KeyEnvelope:
    """A journal key for one epoch, wrapped for the account that reads it."""

    epoch: int = field(metadata=limits(0, U32))
    envelope: bytes = field(metadata=limits(40, MAX_BUNDLE_BYTES))


@dataclass(frozen=True)
class JournalCreateRequest:
    journal_id: bytes = field(metadata=ID)
    key: KeyEnvelope = field()
    meta: bytes = field(metadata=limits(40, MAX_META_BYTES))
    chain: list[bytes] = field(metadata=CHAIN_APPEND)
    """The first entries of the journal's owner-signed access chain (positions 0, 1, ...)."""


@dataclass(frozen=True)
class JournalMetaRequest:
    journal_id: bytes = field(metadata=ID)
    meta: bytes = field(metadata=limits(40, MAX_META_BYTES))
    meta_version: int = field(default=0, metadata=limits(0, U63))
    """The journal's `meta_version` the device read last: stored only while it is still the
    server's (409 `meta_changed`); 0 (or left out, clients before it): whatever it is."""


@dataclass(frozen=True)
class Journal:
    journal_id: bytes = field(metadata=ID)
    owner_id: bytes = field(metadata=ID)
    role: str = field(metadata=limits(1, 16))
    epoch: int = field(metadata=limits(0, U32))
    meta: bytes = field(metadata=limits(0, MAX_META_BYTES))
    meta_version: int = field(metadata=limits(0, U63))
    keys: list[KeyEnvelope] = field(metadata=limits(0, 100_000))
    owner_name: str = field(metadata=limits(1, 64))
    expires_at: int = field(metadata=TIME)
    chain_length: int = field(metadata=limits(0, U32))
    keys_complete: bool = field(default=True)
    """False when `keys` holds only the newest epochs' envelopes: the older ones are read
    through /v1/journals/keys (`KeyPageRequest`)."""


@dataclass(frozen=True)
class KeyPageRequest:
    """The caller's envelopes of one journal with `from_epoch <= epoch <= to_epoch`, oldest
    first, `limit` at most (protocol.md /v1/journals/keys)."""

    journal_id: bytes = field(metadata=ID)
    from_epoch: int = field(default=0, metadata=limits(0, U32))
    to_epoch: int = field(default=U32, metadata=limits(0, U32))
    limit: int = field(default=MAX_KEY_PAGE, metadata=limits(1, MAX_KEY_PAGE))


@dataclass(frozen=True)
class KeyPage:
    keys: list[KeyEnvelope] = field(metadata=limits(0, MAX_KEY_PAGE))
    done: bool = field()
    """True when no envelope of the range follows the last one in `keys`; else ask again
    from the epoch after it."""


@dataclass(frozen=True)
class JournalList:
    journals: list[Journal] = field(metadata=limits(0, MAX_JOURNALS))
    next: bytes = field(default=b"", metadata=PAGE_CURSOR)


@filled_at_once
@dataclass(frozen=True)
class RecordUpload:
    record_id: bytes = field(metadata=ID)
    epoch: int = field(metadata=limits(0, U32))
    ciphertext: bytes = field(metadata=limits(40, MAX_RECORD_BYTES))


@filled_at_once
@dataclass(frozen=True)
class PushRequest:
    journal_id: bytes = field(metadata=ID)
    records: list[RecordUpload] = field(metadata=limits(1, MAX_RECORDS_PER_PUSH))


@filled_at_once
@dataclass(frozen=True)
class Accepted:
    record_id: bytes = field(metadata=ID)
    seq: int = field(metadata=limits(1, U63))


@filled_at_once
@dataclass(frozen=True)
class PushReply:
    accepted: list[Accepted] = field(metadata=limits(0, MAX_RECORDS_PER_PUSH))


@filled_at_once
@dataclass(frozen=True)
class Cursor:
    journal_id: bytes = field(metadata=ID)
    after: int = field(metadata=limits(0, U63))


@filled_at_once
@dataclass(frozen=True)
class SyncRequest:
    cursors: list[Cursor] = field(metadata=limits(0, MAX_JOURNALS))
    limit: int = field(metadata=limits(1, MAX_RECORDS_PER_PAGE))
    after_journal: bytes = field(default=b"", metadata=limits(0, ID_BYTES))
    """Only journals whose id sorts after this one (empty: from the first)."""
    skip_own: bool = field(default=False)
    """Records the requesting device pushed come as stubs: ciphertext empty (issue 10)."""


@filled_at_once
@dataclass(frozen=True)
class StoredRecord:
    seq: int = field(metadata=limits(1, U63))
    record_id: bytes = field(metadata=ID)
    epoch: int = field(metadata=limits(0, U32))
    ciphertext: bytes = field(metadata=limits(0, MAX_RECORD_BYTES))


@filled_at_once
@dataclass(frozen=True)
class JournalPage:
    journal_id: bytes = field(metadata=ID)
    records: list[StoredRecord] = field(metadata=limits(0, MAX_RECORDS_PER_PAGE))
    cursor: int = field(metadata=limits(0, U63))
    head: int = field(metadata=limits(0, U63))
    meta_version: int = field(metadata=limits(0, U63))


@filled_at_once
@dataclass(frozen=True)
class SyncReply:
    pages: list[JournalPage] = field(metadata=limits(0, MAX_JOURNALS))
    done: bool = field()
    next_journal: bytes = field(default=b"", metadata=limits(0, ID_BYTES))
    """Empty when `pages` reach the caller's last journal; else the journals after this id
    come in a later request (`SyncRequest.after_journal`)."""


@dataclass(frozen=True)
class CompactRequest:
    """Store `snapshot` and delete the records it supersedes, in one transaction."""

    journal_id: bytes = field(metadata=ID)
    snapshot: RecordUpload = field()
    supersedes: list[bytes] = field(metadata={**limits(1, MAX_RECORDS_PER_PAGE), "item": ID})


@dataclass(frozen=True)
class CompactReply:
    seq: int = field(metadata=limits(1, U63))
    removed: int = field(metadata=limits(0, MAX_RECORDS_PER_PAGE))


# --- sharing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    journal_id: bytes = field(metadata=ID)
    member_id: bytes = field(metadata=ID)
    member_name: str = field(metadata=limits(1, 64))
    role: str = field(metadata=limits(1, 16))
    expires_at: int = field(metadata=TIME)
    expired: bool = field()
    epoch: int = field(metadata=limits(0, U32))
    envelope: bytes = field(metadata=limits(0, MAX_BUNDLE_BYTES))
    """The member's current-epoch share envelope: the owner's devices verify it with the
    owner's own key to learn which member keys the owner confirmed."""


@dataclass(frozen=True)
class ShareList:
    shares: list[Share] = field(metadata=limits(0, 100_000))
    next: bytes = field(default=b"", metadata=PAGE_CURSOR)


@dataclass(frozen=True)
class MemberKey:
    """The new epoch's key for one account, and the role and end date it is served with."""

    account_id: bytes = field(metadata=ID)
    envelope: bytes = field(metadata=limits(40, MAX_BUNDLE_BYTES))
    role: str = field(metadata=limits(1, 16))
    expires_at: int = field(metadata=TIME)


@dataclass(frozen=True)
class RotateRequest:
    """Move a journal to key epoch `epoch` (current + 1), sealed to exactly the accounts of
    `keys` (the owner and the members), with the access chain entries that say so."""

    journal_id: bytes = field(metadata=ID)
    epoch: int = field(metadata=limits(1, U32))
    meta: bytes = field(metadata=limits(40, MAX_META_BYTES))
    keys: list[MemberKey] = field(metadata=limits(1, 10_000))
    chain_after: int = field(metadata=limits(0, U32))
    chain: list[bytes] = field(metadata=CHAIN_APPEND)


@dataclass(frozen=True)
class AccessRequest:
    """Access chain entries of some journals, each from position `after` on."""

    cursors: list[Cursor] = field(metadata=limits(1, MAX_JOURNALS))


@dataclass(frozen=True)
class AccessChain:
    journal_id: bytes = field(metadata=ID)
    length: int = field(metadata=limits(0, U32))
    entries: list[bytes] = field(
        metadata={**limits(0, MAX_CHAIN_PAGE), "item": limits(1, MAX_CHAIN_ENTRY_BYTES)}
    )


@dataclass(frozen=True)
class AccessReply:
    chains: list[AccessChain] = field(metadata=limits(0, MAX_JOURNALS))


@dataclass(frozen=True)
class AccountRequest:
    account_id: bytes = field(metadata=ID)


MAX_ACCOUNTS_ASKED = 100
"""Account ids one /v1/account/known question names at most."""


@dataclass(frozen=True)
class AccountsRequest:
    """Which of these accounts the server still has (/v1/account/known)."""

    account_ids: list[bytes] = field(metadata={**limits(1, MAX_ACCOUNTS_ASKED), "item": ID})


@dataclass(frozen=True)
class AccountsKnown:
    """Of the ids asked, those the server has an account for (its word)."""

    account_ids: list[bytes] = field(metadata={**limits(0, MAX_ACCOUNTS_ASKED), "item": ID})


@dataclass(frozen=True)
class JournalRequest:
    journal_id: bytes = field(metadata=ID)


@dataclass(frozen=True)
class AuditEntry:
    account_id: bytes = field(metadata=ID)
    username: str = field(metadata=limits(1, 64))
    device_id: bytes = field(metadata=ID)
    at: int = field(metadata=TIME)
    up_to_seq: int = field(metadata=limits(0, U63))
    records: int = field(metadata=limits(0, U63))
    erased: bool = field(default=False)
    """The member's account was erased since: `account_id` and `username` are those it had
    (left out while False, and sent only to a request `with_erased`, so an older client
    reads the log as before)."""


@dataclass(frozen=True)
class AuditLog:
    entries: list[AuditEntry] = field(metadata=limits(0, 1_000_000))
    next: bytes = field(default=b"", metadata=PAGE_CURSOR)


@dataclass(frozen=True)
class AuditRequest:
    """One page of a journal's audit log (protocol.md 2.8)."""

    journal_id: bytes = field(metadata=ID)
    after: bytes = field(default=b"", metadata=PAGE_CURSOR)
    with_erased: bool = field(default=False)
    """Mark the entries of members erased since (`AuditEntry.erased`); without it they are
    sent as before that flag, named by the username they had (older clients decode it)."""


# --- live channel --------------------------------------------------------------------------

LIVE_HELLO = "hello"
LIVE_JOURNAL = "journal"
LIVE_META = "meta"
"""A notice that this account's journal list, a journal's metadata, its access chain or its
members changed (or that it lost a journal): no journal named, no head, no records; the
device runs an ordinary sync (protocol.md GET /v1/live, "Meta notices")."""
LIVE_REPLY = "reply"
"""Not a notice: the server's reply to a `LiveCall` the device sent on its socket, naming the
call (`LiveNotice.call`), with the HTTP status and body the same request would have got
(protocol.md GET /v1/live, "Calls on the live channel")."""
LIVE_CALLS_HEADER = "TJ-Live-Calls"
"""Sent with the value "1" on the live upgrade: the device would send calls on the socket; a
server that takes them says so in its hello (`LiveNotice.calls`). A server from before
calls ignores the header and says nothing, and the device sends every request over HTTP."""
LIVE_CALL_PATHS = frozenset({"/v1/sync"})
"""The requests a device may send on its open live socket instead of an HTTP POST."""
MAX_LIVE_CALL_BYTES = 512 * 1024
"""The largest `LiveCall` frame a server reads (a `/v1/sync` request with MAX_JOURNALS
cursors is under 460 KiB); a longer frame closes the socket (1009). A device sends a larger
request as an HTTP POST."""
MAX_LIVE_REPLY_BYTES = 64 * 1024
"""The largest reply body a server sends on the live socket: a larger one is not sent there
(its reply has status LIVE_OVER_HTTP, no body) and the device sends the same request over
HTTP at once. A reply frame then fits in MAX_LIVE_NOTICE_BYTES, the one frame limit of every
socket, and arrives about as fast as a notice, so the device's wait for it (`AnswerWait`) is
never cut while a large reply is still arriving on a slow link. A no-op `/v1/sync` reply (heads
only) is well under 1 KiB for a few journals, and the records a live notice carries are bounded
by the same 64 KiB (LIVE_RECORD_BYTES)."""
LIVE_OVER_HTTP = 0
"""The status of a reply that is not an answer: the server does not answer this call on the
socket (its reply would pass MAX_LIVE_REPLY_BYTES, or another call of the socket is being
answered), and the device sends the same request over HTTP (the calls carried are reads)."""


LIVE_RECORDS_QUERY = "records=1"
"""Asked on the live upgrade (`/v1/live?records=1`): notices of the device's own account's
journals may carry the records pushed (protocol.md, GET /v1/live)."""
MAX_LIVE_RECORDS = 64
LIVE_RECORD_BYTES = 64 * 1024
"""A server puts a push's records in its notice only up to these (records, ciphertext bytes)."""
MAX_LIVE_NOTICE_BYTES = LIVE_RECORD_BYTES + MAX_LIVE_RECORDS * 128 + 256
"""The largest `LiveNotice` frame a device reads (73,984 bytes): the most records a notice
may carry, each with its fields' encoding (under 80 bytes at their largest: a test checks it),
and the notice's own fields. A longer frame breaks the protocol: the device drops the
socket unread, as for any malformed frame (protocol.md GET /v1/live, "Records in notices")."""


@dataclass(frozen=True)
class LiveNotice:
    """Sent on the live WebSocket: "hello" once connected, "journal" when a journal changed,
    "meta" when what an ordinary sync brings of the account's journals changed otherwise.
    A "journal" notice may carry the records of the push that made it (`records`, every
    record with a `seq` in (`after`, `head`], and the journal's `meta_version`): a hint
    that saves a request, checked as a /v1/sync page of that journal would be."""

    kind: str = field(metadata=limits(1, 16))
    journal_id: bytes = field(metadata=limits(0, ID_BYTES))
    head: int = field(metadata=limits(0, U63))
    after: int = field(default=0, metadata=limits(0, U63))
    meta_version: int = field(default=0, metadata=limits(0, U63))
    records: list[StoredRecord] = field(default_factory=list, metadata=limits(0, MAX_LIVE_RECORDS))
    calls: bool = field(default=False)
    """Of kind LIVE_HELLO, to a socket whose upgrade asked (LIVE_CALLS_HEADER): the server
    answers `LiveCall`s on it."""
    call: int = field(default=0, metadata=limits(0, U63))
    """Of kind LIVE_REPLY: the `LiveCall.call` this replies to."""
    status: int = field(default=0, metadata=limits(0, 599))
    """Of kind LIVE_REPLY: the HTTP status the same request would have got (200, or an
    error's, its `body` then an `ErrorReply`), or LIVE_OVER_HTTP: not answered here."""
    body: bytes = field(default=b"", metadata=limits(0, MAX_LIVE_REPLY_BYTES))
    """Of kind LIVE_REPLY: the reply's body, as an HTTP reply's (at most
    MAX_LIVE_REPLY_BYTES; none with status LIVE_OVER_HTTP)."""


@dataclass(frozen=True)
class LiveCall:
    """Sent by a device on its live WebSocket: a request (`path` in LIVE_CALL_PATHS, `body`
    its HTTP body) that the server answers on that socket, with a `LiveNotice` of kind
    LIVE_REPLY naming `call` (protocol.md GET /v1/live, "Calls on the live channel")."""

    call: int = field(metadata=limits(1, U63))
    path: str = field(metadata=limits(1, 64))
    body: bytes = field(metadata=limits(0, MAX_LIVE_CALL_BYTES))


# --- encoding ------------------------------------------------------------------------------


def encode(message: Any) -> bytes:
    packed: bytes = msgpack.packb(_to_plain(message), use_bin_type=True)
    return packed


def _to_plain(value: Any) -> Any:
    kind = type(value)
    if kind is bytes or kind is int or kind is str:  # most values: no further test
        return value
    if kind is list:
        return [_to_plain(item) for item in value]
    fields = _DATACLASS_FIELDS.get(kind)
    if fields is None:
        return _to_plain_other(value)
    # An optional field at its default is left out: the bytes are those of a sender that
    # does not know the field (protocol.md 2.2).
    plain = {}
    for name, default in fields:
        item = getattr(value, name)
        if default is dataclasses.MISSING or not _at_default(item, default):
            plain[name] = _to_plain(item)
    return plain


_DATACLASS_FIELDS: dict[type, tuple[tuple[str, Any], ...]] = {}
"""`_defaults` of each message class `_to_plain` has met, by class: looked up once a value
(issue 10: a push encodes 500 records, and its reply 500 acknowledgements)."""


def _to_plain_other(value: Any) -> Any:
    """`_to_plain` of a value other than bytes, an int, a str, a list or a message of a class
    met before (a message class is then remembered)."""
    if isinstance(value, list):
        return [_to_plain(item) for item in value]
    if isinstance(value, (bytes, int, str)) or value is None:
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        _DATACLASS_FIELDS[type(value)] = _defaults(type(value))
        return _to_plain(value)
    return value


@functools.cache
def _defaults(cls: type) -> tuple[tuple[str, Any], ...]:
    """A message class's fields in order, each with its default (MISSING if required). A
    default made by a factory (a list: messages have no other) is kept as a tuple: the
    cached value is shared by every call, so it must not be a list anyone could change."""
    return tuple((f.name, _default(f)) for f in dataclasses.fields(cls))


def _default(f: dataclasses.Field[Any]) -> Any:
    if f.default_factory is dataclasses.MISSING:
        return f.default
    made = f.default_factory()
    if not isinstance(made, list):
        raise TypeError(f"field {f.name}: a message's factory default must be a list")
    return tuple(made)


def _at_default(item: Any, default: Any) -> bool:
    """Whether a field's value is its default (`_defaults`: a list's default is a tuple)."""
    if isinstance(default, tuple) and isinstance(item, list):
        return len(item) == len(default) and tuple(item) == default
    return bool(item == default)


def decode(cls: type[M], raw: bytes) -> M:
    """Parse and validate msgpack bytes as `cls`, or raise WireError. Values are built only
    where the schema expects them, after each list's size was checked (wire_decoding), so a
    body costs memory in proportion to the message it can legally be."""
    if len(raw) > MAX_BODY_BYTES:
        raise WireError("too_large", f"the body exceeds {MAX_BODY_BYTES} bytes")
    return read_message(cls, raw)
