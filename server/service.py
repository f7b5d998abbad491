"""The server's rules: who may do what, login challenges, sessions, limits, cursors.

Handlers (routes.py) decode a wire message, call one method here, and encode the reply.
Nothing here sees plaintext: records, bundles, envelopes and journal names are opaque bytes.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hmac
import logging
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import nacl.bindings
import nacl.encoding
import nacl.exceptions
import nacl.hash
import nacl.signing
import nacl.utils
from nacl.pwhash import argon2id

from client_sdk import wire
from server import cursors, throttle
from server.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    QuotaExceeded,
    ServerError,
    StorageError,
    TooManyRequests,
    Unauthorized,
)
from server.live import LiveHub
from server.storage.base import (
    DEVICE_PROOF_BYTES,
    LISTED_KEY_BYTES,
    AccountGoneError,
    AccountRow,
    ChainConflictError,
    CredentialsChanged,
    DeviceRow,
    DuplicateError,
    Fetch,
    InlineRecords,
    KeyRow,
    LiveEvent,
    MemberRow,
    MetaChangedError,
    NewRecord,
    QuotaError,
    RecordConflictError,
    Storage,
    WriteLimits,
    WriterCheck,
    WriterState,
    write_subject,
)

log = logging.getLogger("tj.server")
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
CHALLENGE_TTL_MS = 60_000
TOUCH_INTERVAL_MS = 60_000
PAGE_BYTES = 4 * 1024 * 1024
PURPOSES = ("login", "recover", "password", "recovery-key", "delete")
SHARE_ROLES = ("read", "annotate")
# libsodium's INTERACTIVE cost: the server refuses to store anything weaker for new passwords.
MIN_OPSLIMIT = 2
MIN_MEMLIMIT = 64 * 1024 * 1024
# The most any SDK client accepts (client_sdk.crypto.MAXIMUM_COST: libsodium's SENSITIVE
# memory, 1 GiB, with four times its passes); the server refuses to store anything above it.
MAX_OPSLIMIT = 4 * argon2id.OPSLIMIT_SENSITIVE
MAX_MEMLIMIT = argon2id.MEMLIMIT_SENSITIVE
# libsodium's MODERATE cost, the SDK's default: what unknown usernames are told by default.
DEFAULT_UNKNOWN_NAME_COSTS = ((argon2id.OPSLIMIT_MODERATE, argon2id.MEMLIMIT_MODERATE, 1),)
CHALLENGE_CONTEXT = b"tj/login-challenge/v1"
# A challenge (32 bytes, opaque to clients): issue time (ms, big-endian), random nonce, and a
# keyed BLAKE2b MAC by the server secret (protocol.md /v1/auth/challenge).
CHALLENGE_TIME_BYTES = 6
CHALLENGE_NONCE_BYTES = 10
CHALLENGE_MAC_BYTES = 16
CHALLENGE_BYTES = CHALLENGE_TIME_BYTES + CHALLENGE_NONCE_BYTES + CHALLENGE_MAC_BYTES
TICKET_CONTEXT = b"tj/login-ticket/v2"
TICKET_ID_BYTES = 16
TICKET_MAC_BYTES = 32
IDENTITY_CONTEXT = b"tj/identity/v1"


@dataclass(frozen=True)
class Caller:
    """The authenticated account and device behind a request."""

    account_id: bytes
    device_id: bytes


MINUTE_MS = 60_000
REQUESTS_RETRY_AFTER_MS = 5_000  # the Retry-After of 429 `connection_limit`
HOUR_MS = 60 * MINUTE_MS


@dataclass(frozen=True)
class Settings:
    """Everything an operator can tune (each has a `tj-server` flag and environment variable,
    listed in README.md). Times in milliseconds, sizes in bytes."""

    token_ttl_ms: int = 30 * 24 * 3600 * 1000
    min_opslimit: int = MIN_OPSLIMIT
    min_memlimit: int = MIN_MEMLIMIT
    max_opslimit: int = MAX_OPSLIMIT
    max_memlimit: int = MAX_MEMLIMIT
    # The Argon2id costs (opslimit, memlimit, weight) /v1/auth/prelogin gives a username that
    # has no account: each name always gets the same one, drawn by a keyed hash of the name
    # with probability weight / total, whatever accounts exist. List every cost your clients
    # sign up with, weighted like their share of accounts: an account whose cost is not listed
    # can be told apart from an unknown name by its cost.
    unknown_name_costs: tuple[tuple[int, int, int], ...] = DEFAULT_UNKNOWN_NAME_COSTS
    # Failed logins: free attempts per username from one client address (and per login
    # ticket, and per device for a password change or deletion), per username from all
    # addresses (a much looser limit: guessing from many addresses), and per client address;
    # then delays that double from `login_delay_base_ms` up to `login_delay_max_ms`;
    # forgotten after a quiet `login_forget_ms`. See server/throttle.py.
    login_free_failures_per_user: int = 5
    login_free_failures_per_user_all_addresses: int = 100
    login_free_failures_per_address: int = 20
    login_delay_base_ms: int = 1000
    login_delay_max_ms: int = 15 * MINUTE_MS
    login_forget_ms: int = 24 * 3600 * 1000
    # Proxies whose X-Forwarded-For is believed (addresses or networks); none by default.
    trusted_proxies: tuple[str, ...] = ()
    # Quotas per account.
    max_journals: int = 1000
    max_devices: int = 100
    max_stored_bytes: int = 2 * 1024**3
    max_records_per_minute: int = 20_000
    max_bytes_per_minute: int = 256 * 1024**2
    max_shares: int = 1000
    identity_lookups_per_minute: int = 60
    # Account ids looked up a minute by one account (identity-by-id, each id of known): ids
    # are 16 random bytes, so they cannot be enumerated blind and are counted per account
    # only (a clinic's therapists behind one address look up their members freely); the
    # bound is on load, ten times a new therapist device's first sync of 60 clients.
    id_lookups_per_minute: int = 600
    # Per client address (IPv6: its /56, and 4x per /48; X-Forwarded-For only from a trusted
    # proxy): accounts created an hour (each answers "is this name taken?"). Identity lookups
    # by username are counted per account and per client address.
    signups_per_address_per_hour: int = 20
    # How often used challenges past their expiry and stale counters are deleted.
    purge_interval_ms: int = MINUTE_MS
    # How often a live socket re-checks its session (expiry is also timed exactly).
    live_check_interval_ms: int = MINUTE_MS
    # Requests one client address (counted like signups: IPv6 by /56, and 4x by /48;
    # X-Forwarded-For only from a trusted proxy) may have in progress at once in this server
    # process, each open live WebSocket counting as one; past it 429 `connection_limit`
    # (protocol.md 2.7). Far above what a clinic's devices behind one NAT hold (one live
    # socket and a request or two each), and what the tests and benchmarks open on loopback.
    max_requests_per_address: int = 512
    # A request body must keep arriving: `body_timeout_ms` for its first MiB and as much
    # again for each further MiB received (an average of at least 1 MiB per 60 s by
    # default, about 17 KiB/s); else 408 `body_timeout` (protocol.md 2.7).
    body_timeout_ms: int = MINUTE_MS
    # A body to a public endpoint (no session: anyone may send one, at most 64 KiB, a signup
    # under 10 KiB) must arrive whole within this time, or the body timeout if shorter: a
    # stranger who trickles one holds its connection and buffer this long, not a minute.
    public_body_timeout_ms: int = 10_000
    # An answer must be taken by its client (written to the connection) within
    # `send_timeout_ms`, and as much again for each further MiB of it; else the connection is
    # dropped (logged at INFO). Until then the request still counts under its address
    # (`max_requests_per_address`): an answer a client does not read holds a connection, a
    # task and up to a sync page (4 MiB) of buffers, so it is bounded in number and in time.
    send_timeout_ms: int = MINUTE_MS
    # A connection must send a complete request line and headers within `header_timeout_ms`
    # of opening, and of its previous answer (keep-alive), or it is closed without an answer
    # (R9B finding 13; nginx's client_header_timeout). 0: the same as `body_timeout_ms`.
    header_timeout_ms: int = 0
    # Live WebSockets one signed-in device, and one account, may hold open, over every
    # server process of the deployment (`--workers N` counts in PostgreSQL); past them 429
    # `live_limit` (protocol.md /v1/live).
    max_live_per_device: int = 4
    max_live_per_account: int = 200
    # Frames one live socket may have waiting to be sent, and the time one frame may take to
    # be sent; past either the socket is dropped and its device reconnects and syncs, so a
    # device that never reads delays nobody else (REV-SRV F1; protocol.md /v1/live).
    live_outbox: int = 64
    live_send_timeout_ms: int = 15_000
    # A ping on each live socket this long after the last (once nothing waits to be sent);
    # a socket whose pong is not back within half of it is dropped (a dead or unread peer),
    # and a refused upgrade is told to wait this long and 5 s more (Retry-After).
    live_heartbeat_ms: int = 25_000
    # Envelope bytes of one journal a journal list carries (the newest epochs'); the older
    # ones are read a page at a time through /v1/journals/keys (protocol.md).
    listed_key_bytes: int = LISTED_KEY_BYTES

    def __post_init__(self) -> None:
        throttle.parse_networks(self.trusted_proxies)  # ValueError now, not at the first login
        if not self.unknown_name_costs:
            raise ValueError("unknown_name_costs must list at least one cost")
        for opslimit, memlimit, weight in self.unknown_name_costs:
            if weight < 1 or cost_problem(self, opslimit, memlimit) is not None:
                raise ValueError(
                    f"unknown_name_costs: {opslimit}:{memlimit}:{weight} must have a weight of "
                    f"at least 1 and a cost within opslimit {self.min_opslimit}-"
                    f"{self.max_opslimit}, memlimit {self.min_memlimit}-{self.max_memlimit}"
                )
        if self.max_records_per_minute < wire.MAX_RECORDS_PER_PUSH:
            raise ValueError("max_records_per_minute must allow one full push (500 records)")
        if self.max_live_per_device < 1 or self.max_live_per_account < 1:
            raise ValueError("max_live_per_device and max_live_per_account must be at least 1")
        if self.live_outbox < 1 or self.live_send_timeout_ms < 1 or self.live_heartbeat_ms < 1:
            raise ValueError(
                "live_outbox, live_send_timeout_ms and live_heartbeat_ms must be at least 1"
            )
        if self.max_requests_per_address < 1:
            raise ValueError("max_requests_per_address must be at least 1")
        if self.body_timeout_ms < 1 or self.public_body_timeout_ms < 1:
            raise ValueError("body_timeout_ms and public_body_timeout_ms must be at least 1")
        if self.send_timeout_ms < 1:
            raise ValueError("send_timeout_ms must be at least 1")
        if self.header_timeout_ms < 0:
            raise ValueError("header_timeout_ms must be 0 (the body timeout) or more")
        if self.max_bytes_per_minute < wire.MAX_BODY_BYTES:
            raise ValueError("max_bytes_per_minute must allow one full push (16 MiB)")

    @property
    def public_body_deadline_ms(self) -> int:
        """Milliseconds a public endpoint's body has to arrive whole (protocol.md 2.7)."""
        return min(self.public_body_timeout_ms, self.body_timeout_ms)

    def send_deadline_s(self, size: int) -> float:
        """Seconds an answer of `size` bytes has to be taken by its client: `send_timeout_ms`
        for its first MiB and as much again for each further MiB (protocol.md 2.7)."""
        return self.send_timeout_ms / 1000 * (1 + max(0, size) / (1024 * 1024))

    @property
    def header_deadline_s(self) -> float:
        """Seconds a connection has to send complete request headers (protocol.md 2.7)."""
        return (self.header_timeout_ms or self.body_timeout_ms) / 1000


def frame(*parts: bytes) -> bytes:
    return b"".join(len(part).to_bytes(4, "big") + part for part in parts)


def writer_check(roles: tuple[str, ...], epochs: list[int], now: int) -> WriterCheck:
    """What a write of sealed data (records, a journal's metadata) checks, inside its
    transaction (storage/base.py WriterCheck): the writing device is still signed in at
    `now` (401 `device_revoked`, `token_expired`: a sign-out between the request's
    authentication and its write), the writer has one of `roles` (an unexpired membership),
    and everything written is sealed under the journal's current key (every epoch of
    `epochs`), so that after a rotation a revoked member's old key opens nothing written
    later (409 `stale_epoch`). Checked in the transaction that writes, a sign-out,
    revocation or rotation cannot come between the check and the write."""

    def check(state: WriterState) -> None:
        _check_session(state.device, now)
        _check_role(state.role, roles)
        if any(epoch != state.epoch for epoch in epochs):
            raise Conflict(
                "the journal's key changed: refresh the journal list and seal again",
                code="stale_epoch",
            )

    return check


def _check_session(device: tuple[bool, int] | None, now: int) -> None:
    """Unauthorized unless `device` ((revoked, expires_at ms); None: no such device) is a
    session still signed in at `now`: the same answers as `Service.authenticate`."""
    if device is None:
        raise Unauthorized("this session is not valid; log in again")
    revoked, expires_at = device
    if revoked:
        raise Unauthorized("this device was signed out; log in again", code="device_revoked")
    if expires_at < now:
        raise Unauthorized("this session expired; log in again", code="token_expired")


def meta_epoch(meta: bytes) -> int:
    """The key epoch sealed metadata names in its clear 4-byte big-endian prefix (protocol.md
    4.14); the wire limits keep `meta` at least 40 bytes long."""
    return int.from_bytes(meta[:4], "big")


def _check_role(role: str | None, roles: tuple[str, ...]) -> str:
    """`role` if it is one of `roles`; else Forbidden (None: not a member, or no journal)."""
    if role is None:
        raise Forbidden("no such journal, or it is not shared with this account")
    if role not in roles:
        raise Forbidden("this account may not change that journal")
    return role


def token_hash(token: str) -> bytes:
    # surrogateescape: a header's undecodable bytes (auth_middleware refuses them first)
    return nacl.bindings.crypto_hash_sha256(token.encode(errors="surrogateescape"))


def normalize_username(username: str) -> str:
    name = username.strip().lower()
    if not USERNAME.match(name):
        raise BadRequest(
            "a username is 3 to 64 characters: lowercase letters, digits, '.', '_' or '-'",
            code="invalid_username",
        )
    return name


def public_identity(account: AccountRow) -> wire.Identity:
    return wire.Identity(
        account.account_id,
        account.username,
        account.sign_public_key,
        account.box_public_key,
        account.identity_signature,
    )


def page_cursor(
    after: int, head: int, records: list[wire.StoredRecord], limit: int, max_bytes: int
) -> int:
    """The cursor a sync page hands back: the last record sent, or `head` when the page holds
    every record left after `after`.

    Records can be deleted (compaction, an erased account's notes) while `head` never goes
    down, so the last records of a log may be gone: without moving to `head`, a client would
    ask for them forever. The page provably holds everything when storage returned nothing,
    or fewer records than `limit` while any further record (at most MAX_RECORD_BYTES) would
    still have fitted in `max_bytes` (see Storage.records_after). `head` was read before the
    records, and a record is stored in the same transaction that raises `head`, so nothing at
    or below `head` can appear later.
    """
    last = records[-1].seq if records else after
    sent = sum(len(record.ciphertext) for record in records)
    if not records or (len(records) < limit and sent + wire.MAX_RECORD_BYTES <= max_bytes):
        return max(last, head)
    return last


def cost_problem(settings: Settings, opslimit: int, memlimit: int) -> str | None:
    """Why a new password's Argon2id cost is refused, or None when it is within bounds."""
    if opslimit < settings.min_opslimit or memlimit < settings.min_memlimit:
        return "the password hashing cost is below this server's minimum"
    if opslimit > settings.max_opslimit or memlimit > settings.max_memlimit:
        return (
            f"the password hashing cost is above this server's maximum (opslimit at most "
            f"{settings.max_opslimit}, memlimit at most {settings.max_memlimit} bytes)"
        )
    return None


def pick_cost(costs: tuple[tuple[int, int, int], ...], draw: int) -> tuple[int, int]:
    """The (opslimit, memlimit) of `costs` (opslimit, memlimit, weight) that `draw` (a uniform
    integer) lands on when each cost takes a share of the range proportional to its weight.
    A pure function of its arguments: who signs up never moves an unknown name's answer."""
    point = draw % sum(weight for _, _, weight in costs)
    for opslimit, memlimit, weight in costs:
        if point < weight:
            return opslimit, memlimit
        point -= weight
    raise AssertionError("unreachable: point < total weight")


def _per_address(prefix: str, client: str, limit: int) -> list[tuple[str, int]]:
    """(subject, limit) for every bucket a per-address limit counts `client` in: the address
    (an IPv6 /56) at `limit`, and for IPv6 its /48 at a small multiple (throttle.py,
    R9B finding 9)."""
    return [
        (prefix + bucket, limit * multiple) for bucket, multiple in throttle.address_buckets(client)
    ]


def _seconds(ms: int) -> int:
    """Whole seconds, rounded up (what Retry-After carries)."""
    return max(1, -(-ms // 1000))


def _verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    try:
        nacl.signing.VerifyKey(public_key).verify(message, signature)
        return True
    except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError, ValueError):
        return False


class Service:
    def __init__(
        self,
        storage: Storage,
        clock: Callable[[], int],
        settings: Settings,
        server_id: bytes,
        prelogin_secret: bytes,
    ) -> None:
        self.storage = storage
        self.clock = clock
        self.settings = settings
        self.server_id = server_id
        self._prelogin_secret = prelogin_secret
        self.live = LiveHub(
            settings.max_live_per_device,
            settings.max_live_per_account,
            settings.live_outbox,
            settings.live_send_timeout_ms / 1000,
            settings.live_heartbeat_ms / 1000,
        )
        self._unreleased_live_slots: set[bytes] = set()  # released again at each purge
        self.open_requests = throttle.OpenCounts(settings.max_requests_per_address)
        self.trusted_proxies = throttle.parse_networks(settings.trusted_proxies)
        # Whether the one warning about forwarding headers nobody reads was logged.
        self.forwarding_warned = False
        # For unknown usernames: a public key whose private half was never kept, so the
        # signature check does the same work as for a real account and cannot succeed.
        self._nobody_key = nacl.signing.SigningKey.generate().verify_key.encode()

    # --- accounts ---------------------------------------------------------------------------

    async def prelogin(self, request: wire.PreloginRequest) -> wire.PreloginReply:
        username = normalize_username(request.username)
        account = await self.storage.account_by_username(username)
        fake = self._fake_prelogin(username)  # on both paths: the same work, the same timing
        if account is None:
            return fake
        return wire.PreloginReply(account.salt, account.opslimit, account.memlimit)

    def _fake_prelogin(self, username: str) -> wire.PreloginReply:
        """A stable answer for unknown names, so accounts cannot be enumerated: a keyed
        hash of the name gives the salt, and another picks the cost among the operator's
        `unknown_name_costs` by weight. Nothing about other accounts enters the answer, so
        signups cannot change it (R9 findings 3 and 15)."""
        salt = nacl.hash.blake2b(
            username.encode(),
            digest_size=16,
            key=self._prelogin_secret,
            encoder=nacl.encoding.RawEncoder,
        )
        pick = nacl.hash.blake2b(
            username.encode(),
            digest_size=8,
            key=self._prelogin_secret,
            person=b"tj-fake-cost",
            encoder=nacl.encoding.RawEncoder,
        )
        costs = self.settings.unknown_name_costs
        return wire.PreloginReply(salt, *pick_cost(costs, int.from_bytes(pick, "big")))

    def _check_cost(self, opslimit: int, memlimit: int) -> None:
        problem = cost_problem(self.settings, opslimit, memlimit)
        if problem is not None:
            raise BadRequest(problem, code="invalid_kdf_cost")

    async def signup(
        self, request: wire.SignupRequest, client: str = "unknown"
    ) -> wire.SessionReply:
        username = normalize_username(request.username)
        if username != request.username:
            raise BadRequest("send the username in its normalized form", code="invalid_username")
        self._check_cost(request.opslimit, request.memlimit)
        device_id = _chosen_device_id(request.device_id)
        identity = request.identity
        if identity.account_id != request.account_id or identity.username != username:
            raise BadRequest("the identity does not match the account")
        message = frame(
            IDENTITY_CONTEXT,
            identity.account_id,
            username.encode(),
            identity.sign_public_key,
            identity.box_public_key,
        )
        if not _verify(identity.sign_public_key, message, identity.signature):
            raise BadRequest("the identity self-signature is invalid", code="invalid_signature")
        # Counted before the name is looked up: a 409 `username_taken` tells whether a name
        # exists, so signups are an enumeration oracle (and an account factory) to limit.
        await self._count_request(
            _per_address("signup:", client, self.settings.signups_per_address_per_hour),
            "new accounts from one address",
            code="signup_throttled",
            window_ms=HOUR_MS,
        )
        now = self.clock()
        account = AccountRow(
            account_id=request.account_id,
            username=username,
            salt=request.salt,
            opslimit=request.opslimit,
            memlimit=request.memlimit,
            login_public_key=request.login_public_key,
            recovery_login_public_key=request.recovery_login_public_key,
            bundle=request.bundle,
            recovery_bundle=request.recovery_bundle,
            sign_public_key=identity.sign_public_key,
            box_public_key=identity.box_public_key,
            identity_signature=identity.signature,
            created_at=now,
        )
        token, device = self._new_device(request.account_id, request.device_name, now, device_id)
        try:
            await self.storage.create_account(account, device)
        except DuplicateError as error:
            if str(error) == "device":
                raise _device_id_taken() from None
            raise Conflict("that username is taken", code="username_taken") from None
        return self._session_reply(token, device, account, account.bundle)

    def _new_device(
        self, account_id: bytes, name: str, now: int, device_id: bytes | None = None
    ) -> tuple[str, DeviceRow]:
        """A device row and its token; `device_id`: the id the device chose (a random one
        picked here when None)."""
        token = base64.urlsafe_b64encode(nacl.utils.random(32)).decode().rstrip("=")
        device = DeviceRow(
            device_id=nacl.utils.random(wire.ID_BYTES) if device_id is None else device_id,
            account_id=account_id,
            name=name,
            token_hash=token_hash(token),
            created_at=now,
            last_seen_at=now,
            expires_at=now + self.settings.token_ttl_ms,
            revoked=False,
        )
        return token, device

    def _session_reply(
        self, token: str, device: DeviceRow, account: AccountRow, bundle: bytes
    ) -> wire.SessionReply:
        return wire.SessionReply(
            token=token,
            account_id=account.account_id,
            device_id=device.device_id,
            expires_at=device.expires_at,
            server_id=self.server_id,
            bundle=bundle,
            salt=account.salt,
            opslimit=account.opslimit,
            memlimit=account.memlimit,
            login_ticket=self._login_ticket(account.username, account.login_public_key),
        )

    def _challenge_mac(self, username: str, purpose: str, issued: bytes, nonce: bytes) -> bytes:
        return nacl.hash.blake2b(
            frame(CHALLENGE_CONTEXT, username.encode(), purpose.encode(), issued, nonce),
            digest_size=CHALLENGE_MAC_BYTES,
            key=self._prelogin_secret,
            person=b"tj-challenge",
            encoder=nacl.encoding.RawEncoder,
        )

    async def challenge(self, request: wire.ChallengeRequest) -> wire.ChallengeReply:
        """A stateless challenge: issue time, random nonce and a MAC of (username, purpose,
        issue time, nonce) by the server secret. Nothing is stored, whoever asks and whether
        or not the account exists (the same work, so the same answer and time): a flood from
        any number of addresses writes nothing (protocol.md /v1/auth/challenge)."""
        username = normalize_username(request.username)
        if request.purpose not in PURPOSES:
            raise BadRequest(f"purpose must be one of {', '.join(PURPOSES)}")
        now = self.clock()
        issued = now.to_bytes(CHALLENGE_TIME_BYTES, "big")
        nonce = nacl.utils.random(CHALLENGE_NONCE_BYTES)
        challenge = issued + nonce + self._challenge_mac(username, request.purpose, issued, nonce)
        return wire.ChallengeReply(challenge, self.server_id, now + CHALLENGE_TTL_MS)

    def _valid_challenge(
        self, username: str, purpose: str, challenge: bytes
    ) -> tuple[bytes, int] | None:
        """(nonce, expiry in ms) of `challenge` if this server made it for `username` and
        `purpose` and it is still valid now; else None."""
        if len(challenge) != CHALLENGE_BYTES:
            return None
        issued = challenge[:CHALLENGE_TIME_BYTES]
        nonce = challenge[CHALLENGE_TIME_BYTES : CHALLENGE_TIME_BYTES + CHALLENGE_NONCE_BYTES]
        mac = challenge[CHALLENGE_TIME_BYTES + CHALLENGE_NONCE_BYTES :]
        expected = self._challenge_mac(username, purpose, issued, nonce)
        issued_at = int.from_bytes(issued, "big")
        now = self.clock()
        # A challenge issued "in the future" by up to a lifetime is accepted: the clock of
        # another worker, or this one stepped back, must not refuse a fresh challenge.
        fresh = issued_at - CHALLENGE_TTL_MS <= now <= issued_at + CHALLENGE_TTL_MS
        if not hmac.compare_digest(mac, expected) or not fresh:
            return None
        return nonce, issued_at + CHALLENGE_TTL_MS

    async def _check_challenge(
        self,
        username: str,
        purpose: str,
        challenge: bytes,
        signature: bytes,
        public_keys: tuple[bytes, ...],
        subjects: dict[str, int],
    ) -> None:
        """Check the challenge (made here for this username and purpose, not expired) and its
        signature by one of the keys, then use it up: single use holds because the nonce of a
        verified challenge is recorded until it expires, and only of a verified one (an
        unauthenticated flood writes nothing of its own).

        Every attempt first passes the failed-login throttle of `subjects` (subject -> free
        failures, the first one cleared by a success, see `_login_subjects`): 429
        `login_throttled` while any must wait, even with the right password, so that a
        guesser learns nothing during the delay; a failure counts."""
        await self._reserve_login_attempt(subjects)
        valid = self._valid_challenge(username, purpose, challenge)
        message = frame(
            CHALLENGE_CONTEXT, username.encode(), self.server_id, purpose.encode(), challenge
        )
        verified = [_verify(key, message, signature) for key in public_keys]
        if valid is None or not any(verified):
            raise Unauthorized("wrong username or password, or the login attempt expired")
        # Only the random nonce is kept (nothing that names the account, even with the
        # secret), one lifetime past the expiry: see _valid_challenge's clock margin.
        nonce, expires_at = valid
        if not await self.storage.use_challenge(nonce, expires_at + CHALLENGE_TTL_MS):
            raise Unauthorized("wrong username or password, or the login attempt expired")
        cleared, *taken_back = subjects
        await self.storage.forgive_login_attempt(cleared, taken_back)

    def _login_subjects(
        self, username: str, login_public_key: bytes, client: str, ticket: bytes
    ) -> dict[str, int]:
        """The subjects a login attempt counts for, with their free failures. With a valid
        login ticket for `username` and its current login key: the ticket, the username's
        ticketed attempts from every address (as loose as the username's all-addresses
        limit: tickets stolen from a device buy no more guesses than that, R9B finding 7)
        and the address, so that nobody else's failures delay a device that logged in
        before (R9 finding 16). Without: the username from this address, the username from
        every address and the address (every address bucket: throttle.address_buckets)."""
        settings = self.settings
        addresses = dict(
            _per_address(throttle.ADDRESS_PREFIX, client, settings.login_free_failures_per_address)
        )
        ticket_id = self._valid_ticket_id(username, login_public_key, ticket)
        if ticket_id is not None:
            return {
                throttle.ticket_subject(ticket_id): settings.login_free_failures_per_user,
                throttle.user_ticketed_subject(
                    username
                ): settings.login_free_failures_per_user_all_addresses,
                **addresses,
            }
        return {
            throttle.user_at_address_subject(
                username, client
            ): settings.login_free_failures_per_user,
            throttle.user_subject(username): settings.login_free_failures_per_user_all_addresses,
            **addresses,
        }

    def _session_subjects(self, caller: Caller, client: str) -> dict[str, int]:
        """A password change or account deletion is made with a session: it counts for that
        device and the address, so failures of others cannot stop it."""
        settings = self.settings
        return {
            throttle.device_subject(caller.device_id): settings.login_free_failures_per_user,
            **dict(
                _per_address(
                    throttle.ADDRESS_PREFIX, client, settings.login_free_failures_per_address
                )
            ),
        }

    def _ticket_mac(self, username: str, login_public_key: bytes, ticket_id: bytes) -> bytes:
        return nacl.hash.blake2b(
            frame(TICKET_CONTEXT, username.encode(), login_public_key, ticket_id),
            digest_size=TICKET_MAC_BYTES,
            key=self._prelogin_secret,
            person=b"tj-login-ticket",
            encoder=nacl.encoding.RawEncoder,
        )

    def _login_ticket(self, username: str, login_public_key: bytes) -> bytes:
        """A new login ticket for a device that just proved the password: a random id and
        a MAC of (username, the account's login public key, id) by the server secret;
        nothing is stored. The login key is the account's credential generation: a password
        change (a recovery is followed by one) replaces it and so voids every earlier ticket
        (R9B finding 7)."""
        ticket_id = nacl.utils.random(TICKET_ID_BYTES)
        return ticket_id + self._ticket_mac(username, login_public_key, ticket_id)

    def _valid_ticket_id(
        self, username: str, login_public_key: bytes, ticket: bytes
    ) -> bytes | None:
        if len(ticket) != TICKET_ID_BYTES + TICKET_MAC_BYTES:
            return None
        ticket_id, mac = ticket[:TICKET_ID_BYTES], ticket[TICKET_ID_BYTES:]
        expected = self._ticket_mac(username, login_public_key, ticket_id)
        return ticket_id if hmac.compare_digest(mac, expected) else None

    async def _reserve_login_attempt(self, free: dict[str, int]) -> None:
        settings, now = self.settings, self.clock()

        def policy(counters: dict[str, tuple[int, int]]) -> int:
            return throttle.wait_ms(
                counters, free, settings.login_delay_base_ms, settings.login_delay_max_ms, now
            )

        wait = await self.storage.reserve_login_attempt(
            list(free), now, now - settings.login_forget_ms, policy
        )
        if wait > 0:
            raise TooManyRequests(
                f"too many failed logins for this username or from this address; "
                f"try again in {_seconds(wait)} s",
                wait,
                code="login_throttled",
            )

    async def login(
        self, request: wire.LoginRequest, purpose: str, client: str = "unknown"
    ) -> wire.SessionReply:
        username = normalize_username(request.username)
        device_id = _chosen_device_id(request.device_id)
        proof = _device_proof(request)
        account = await self.storage.account_by_username(username)
        recovering = purpose == "recover"
        if account is None:
            key = self._nobody_key  # fails like a wrong password, after the same work
        else:
            key = account.recovery_login_public_key if recovering else account.login_public_key
        generation = b"" if account is None else account.login_public_key
        subjects = self._login_subjects(username, generation, client, request.ticket)
        await self._check_challenge(
            username, purpose, request.challenge, request.signature, (key,), subjects
        )
        if account is None:  # unreachable: nobody holds the private half of _nobody_key
            raise Unauthorized("wrong username or password, or the login attempt expired")
        token, device = self._new_device(
            account.account_id, request.device_name, self.clock(), device_id
        )
        try:
            await self.storage.create_device(
                device,
                self.settings.max_devices,
                by_recovery_key=recovering,
                checked_key=key,
                proof=proof,
            )
        except CredentialsChanged:  # changed since the check (REV-ACCT F1, F2): as a wrong key
            raise Unauthorized("wrong username or password, or the login attempt expired") from None
        except DuplicateError:
            raise _device_id_taken() from None
        except QuotaError:
            raise QuotaExceeded(
                f"this account has {self.settings.max_devices} signed-in devices, the most "
                "this server allows: sign one out from a device still signed in, then log in "
                "again",
                code="device_quota_exceeded",
            ) from None
        bundle = account.recovery_bundle if recovering else account.bundle
        return self._session_reply(token, device, account, bundle)

    async def change_password(
        self, caller: Caller, request: wire.PasswordChangeRequest, client: str = "unknown"
    ) -> wire.PasswordChangeReply:
        """Replace the password, and the recovery key too when the request carries a new one
        (a recovery does: the key just used is retired in the same transaction). Every login
        ticket given before is void from now on (they are bound to the login key); the reply
        carries a new one for the calling device."""
        account = await self._account(caller)
        self._check_cost(request.opslimit, request.memlimit)
        recovery = _new_recovery(request.recovery_login_public_key, request.recovery_bundle)
        keys = (account.login_public_key, account.recovery_login_public_key)
        subjects = self._session_subjects(caller, client)
        await self._check_challenge(
            account.username, "password", request.challenge, request.signature, keys, subjects
        )
        ended = await self.storage.update_credentials(
            account.account_id,
            request.salt,
            request.opslimit,
            request.memlimit,
            request.login_public_key,
            request.bundle,
            recovery,
            caller.device_id,
            now=self.clock(),
        )
        await self._signed_out(account.account_id, ended)
        return wire.PasswordChangeReply(
            self._login_ticket(account.username, request.login_public_key)
        )

    async def replace_recovery_key(
        self, caller: Caller, request: wire.RecoveryKeyRequest, client: str = "unknown"
    ) -> None:
        """Put a new recovery key's public half and bundle in place of the account's, once
        the password's login key signed a "recovery-key" challenge (a session token alone is
        not enough). The recovery key itself cannot: whoever copied it could otherwise swap
        in a key of their own without anything the owner would notice (R22 F7); a recovery
        replaces the key together with the password (`change_password`). A challenge signed
        by the current recovery login key is refused with 401 `password_required`.

        The old recovery key stops working in the same transaction, and so does every
        session it opened alone (`/v1/auth/recover` not followed by a password change: R22
        F6), whose live channels are closed. The password, its login tickets and the other
        sessions are left as they are."""
        account = await self._account(caller)
        subjects = self._session_subjects(caller, client)
        try:
            await self._check_challenge(
                account.username,
                "recovery-key",
                request.challenge,
                request.signature,
                (account.login_public_key,),
                subjects,
            )
        except Unauthorized:
            message = frame(
                CHALLENGE_CONTEXT,
                account.username.encode(),
                self.server_id,
                b"recovery-key",
                request.challenge,
            )
            if _verify(account.recovery_login_public_key, message, request.signature):
                raise Unauthorized(
                    "a recovery key cannot replace the recovery key of a signed-in account: "
                    "the replacement must be signed with the password (a recovery replaces the "
                    "key together with the password instead)",
                    code="password_required",
                ) from None
            raise
        ended = await self.storage.update_recovery(
            account.account_id,
            request.recovery_login_public_key,
            request.recovery_bundle,
            caller.device_id,
            now=self.clock(),
        )
        await self._signed_out(account.account_id, ended)

    async def current_recovery_key(self, caller: Caller) -> wire.RecoveryKeyReply:
        """The public half of the caller's account's recovery key in force: what a device
        that kept a recovery key for an unfinished signup compares before showing it (R23
        F2). Public already to whoever holds the key; only the account's own sessions ask."""
        account = await self._account(caller)
        return wire.RecoveryKeyReply(account.recovery_login_public_key)

    async def _signed_out(self, account_id: bytes, devices: list[bytes]) -> None:
        """Close the live channels of `devices`, just signed out by the server."""
        for device_id in devices:
            await self.storage.publish(LiveEvent("device", (account_id,), device_id=device_id))

    async def delete_account(
        self, caller: Caller, request: wire.AccountDeleteRequest, client: str = "unknown"
    ) -> None:
        """Erase the account and everything of it, once the login key signed a "delete"
        challenge (a session token alone is not enough), then close its live channels."""
        account = await self._account(caller)
        await self._check_challenge(
            account.username,
            "delete",
            request.challenge,
            request.signature,
            (account.login_public_key,),
            self._session_subjects(caller, client),
        )
        concerned = await self._others_of_journals(account.account_id)
        await self.storage.delete_account(account.account_id, account.username)
        await self.storage.publish(LiveEvent("account", (account.account_id,)))
        await self._announce_meta(concerned)

    async def _account(self, caller: Caller) -> AccountRow:
        account = await self.storage.account_by_id(caller.account_id)
        if account is None:
            raise Unauthorized("this account no longer exists")
        return account

    async def identity(
        self, caller: Caller, request: wire.IdentityRequest, client: str = "unknown"
    ) -> wire.Identity:
        """Look an account up by name: needs a session and is rate-limited per account and
        per client address (accounts are cheap: R9B finding 4), so that sessions cannot be
        used to enumerate usernames."""
        await self._count_lookups(caller, client)
        account = await self.storage.account_by_username(normalize_username(request.username))
        if account is None:
            raise NotFound("no account has that username")
        return public_identity(account)

    async def _count_lookups(self, caller: Caller, client: str) -> None:
        """Count one lookup of an account by username (/v1/account/identity) against
        `identity_lookups_per_minute`, per account and per client address; past it, 429
        `lookup_rate_exceeded` and nothing is looked up."""
        limit = self.settings.identity_lookups_per_minute
        await self._count_request(
            [("identity:" + caller.account_id.hex(), limit)]
            + _per_address("identity-at:", client, limit),
            "identity lookups by this account or from this address",
            code="lookup_rate_exceeded",
        )

    async def _count_id_lookups(self, caller: Caller, count: int) -> None:
        """Count `count` lookups of accounts by id (identity-by-id, each id of known) against
        `id_lookups_per_minute`, per account (REV-S11 S11-4: one account checked 6,000 ids a
        minute); past it, 429 `lookup_rate_exceeded` and nothing is looked up."""
        await self._count_request(
            [("account-ids:" + caller.account_id.hex(), self.settings.id_lookups_per_minute)],
            "lookups of accounts by id by this account",
            code="lookup_rate_exceeded",
            count=count,
        )

    async def _count_request(
        self,
        limits: list[tuple[str, int]],
        what: str,
        *,
        code: str,
        window_ms: int = MINUTE_MS,
        count: int = 1,
    ) -> None:
        """Count `count` requests of every (subject, limit) of `limits` in the current fixed
        window of `window_ms`; past a limit in it, 429 `code` with Retry-After until the
        window ends (and nothing counted)."""
        limit = limits[0][1]
        now = self.clock()
        window_start = now - now % window_ms
        if not await self.storage.count_request(limits, window_start, count):
            wait = window_start + window_ms - now
            period = "an hour" if window_ms == HOUR_MS else "a minute"
            raise TooManyRequests(
                f"at most {limit} {what} {period}; try again in {_seconds(wait)} s",
                wait,
                code=code,
            )

    async def purge(self) -> None:
        """Delete used challenges past their expiry, counters nobody needs any more and live
        slots of gone processes; release again the live slots whose release failed."""
        now = self.clock()
        await self.storage.purge(now, now - max(self.settings.login_forget_ms, MINUTE_MS))
        for slot in list(self._unreleased_live_slots):
            await self.storage.release_live_slot(slot)
            self._unreleased_live_slots.discard(slot)

    def take_request_slot(self, client: str) -> list[str]:
        """Count one request of the client address `client` (a live socket: while it is
        open); the caller gives the result to `open_requests.release` when the request ends
        (`app.address_middleware`). Raises TooManyRequests `connection_limit` (the connection
        then closes) when the address already has `max_requests_per_address` in progress."""
        taken = self.open_requests.take(client)
        if taken is None:
            refused = TooManyRequests(
                f"this address already has {self.settings.max_requests_per_address} requests "
                "and live connections open at once, the most the server allows; retry later",
                REQUESTS_RETRY_AFTER_MS,
                code="connection_limit",
            )
            refused.closes_connection = True
            raise refused
        return taken

    @contextlib.asynccontextmanager
    async def live_slot(self, caller: Caller) -> AsyncIterator[None]:
        """Hold one of the device's and the account's live slots while the block runs: in
        this process (LiveHub.slot, checked and counted with no await between) and in
        storage, over every process sharing the database. Raises TooManyRequests
        `live_limit` when either has none free."""
        s = self.settings
        with self.live.slot(caller.account_id, caller.device_id):
            try:
                slot = await self.storage.take_live_slot(
                    caller.account_id,
                    caller.device_id,
                    s.max_live_per_device,
                    s.max_live_per_account,
                )
            except QuotaError as error:
                raise self.live.refused(error.kind) from None
            try:
                yield
            finally:
                # aiohttp cancels the handler of a socket whose client went away: the
                # release runs in its own task, to the end, whatever happens to this one.
                await asyncio.shield(asyncio.ensure_future(self._release_live_slot(slot)))

    async def _release_live_slot(self, slot: bytes) -> None:
        try:
            await self.storage.release_live_slot(slot)
        except StorageError as error:
            log.warning(
                "live slot not released (%s); retrying at the next purge", type(error).__name__
            )
            self._unreleased_live_slots.add(slot)

    def _write_limits(self, now: int) -> WriteLimits:
        s = self.settings
        return WriteLimits(
            s.max_stored_bytes,
            s.max_records_per_minute,
            s.max_bytes_per_minute,
            now - now % MINUTE_MS,
            MINUTE_MS,
        )

    async def _count_write(self, caller: Caller) -> None:
        """Count a write other than records (a rename, a sealed name, a journal created, a
        rotation) as one unit of the account's per-minute write rate, the window its new
        records count in: each is a durable transaction on the server's writer (R9B finding
        8). Past `max_records_per_minute`, 429 `write_rate_exceeded`; nothing is written."""
        now = self.clock()
        window_start = now - now % MINUTE_MS
        limit = [(write_subject(caller.account_id), self.settings.max_records_per_minute)]
        if not await self.storage.count_request(limit, window_start):
            raise self._write_refused(QuotaError("write_rate", window_start + MINUTE_MS - now))

    def _storage_refused(self) -> ServerError:
        return QuotaExceeded(
            f"this account stores {self.settings.max_stored_bytes} bytes (records, access "
            "chains and keys), the most this server allows; nothing of this request was stored",
            code="storage_quota_exceeded",
        )

    def _write_refused(self, error: QuotaError) -> ServerError:
        s = self.settings
        if error.kind == "storage":
            return self._storage_refused()
        wait = error.retry_after_ms
        return TooManyRequests(
            f"this account may write {s.max_records_per_minute} records (each other change "
            f"counts as one) and {s.max_bytes_per_minute} bytes a minute; try again in "
            f"{_seconds(wait)} s (nothing of this request was stored)",
            wait,
            code="write_rate_exceeded",
        )

    async def session_left_ms(self, token: str) -> int:
        """How long the session of `token` lasts (ms); 0 once it is expired, revoked or gone."""
        device = await self.storage.device_by_token_hash(token_hash(token))
        if device is None or device.revoked:
            return 0
        return max(0, device.expires_at - self.clock())

    # --- sessions ---------------------------------------------------------------------------

    async def authenticate(self, token: str) -> Caller:
        device = await self.storage.device_by_token_hash(token_hash(token))
        now = self.clock()
        if device is None:
            raise Unauthorized("this session is not valid; log in again")
        _check_session((device.revoked, device.expires_at), now)
        if now - device.last_seen_at > TOUCH_INTERVAL_MS:
            await self.storage.touch_device(device.device_id, now)
        return Caller(device.account_id, device.device_id)

    async def devices(self, caller: Caller, request: wire.ListRequest) -> wire.DeviceList:
        """One page of the account's signed-in devices, oldest first (protocol.md 2.8)."""
        after = cursors.time_and_id(request.after)
        now = self.clock()
        rows = await self.storage.list_devices(caller.account_id, after, wire.PAGE_ITEMS + 1, now)
        page, more = rows[: wire.PAGE_ITEMS], len(rows) > wire.PAGE_ITEMS
        return wire.DeviceList(
            [
                wire.Device(
                    row.device_id,
                    row.name,
                    row.created_at,
                    row.last_seen_at,
                    row.expires_at,
                    row.device_id == caller.device_id,
                )
                for row in page
            ],
            cursors.time_and_id_next(page[-1].created_at, page[-1].device_id) if more else b"",
        )

    async def sign_ins(self, caller: Caller, request: wire.SignInsRequest) -> wire.SignInList:
        """One page of the caller's account's sign-in log after `request.after`, oldest
        first, with when its password and recovery key last changed (protocol.md
        /v1/account/sign-ins)."""
        rows = await self.storage.sign_ins(
            caller.account_id, request.after, wire.PAGE_ITEMS + 1, self.clock()
        )
        page = rows[: wire.PAGE_ITEMS]
        password_at, recovery_at = await self.storage.credential_changes(caller.account_id)
        return wire.SignInList(
            [
                wire.SignIn(
                    r.seq,
                    r.device_id,
                    r.name,
                    r.at,
                    r.by_recovery_key,
                    r.signed_out,
                    r.device_id == caller.device_id and not r.signed_out,
                    *(_proof_fields(r.proof) if request.with_keys else ()),
                )
                for r in page
            ],
            len(rows) > wire.PAGE_ITEMS,
            password_at,
            recovery_at,
        )

    async def revoke_device(self, caller: Caller, device_id: bytes) -> None:
        if not await self.storage.revoke_device(caller.account_id, device_id):
            raise NotFound("no active device of this account has that id")
        await self.storage.publish(LiveEvent("device", (caller.account_id,), device_id=device_id))

    async def delete_journal(self, caller: Caller, request: wire.JournalRequest) -> None:
        """The owner deletes a journal; its members' devices and the owner's others hear of
        it (a "meta" notice: their next journal list no longer names it)."""
        await self._require_role(caller, request.journal_id, ("owner",))
        members = await self.storage.members_of(request.journal_id, self.clock())
        await self.storage.delete_journal(request.journal_id)
        await self._announce_meta([account for account, _ in members], caller)

    async def rename_device(self, caller: Caller, request: wire.DeviceRenameRequest) -> None:
        name = request.name.strip()
        if not name:
            raise BadRequest("a device name is 1 to 100 characters")
        await self._count_write(caller)
        if not await self.storage.rename_device(caller.account_id, request.device_id, name):
            raise NotFound("no active device of this account has that id")

    # --- journals and records ---------------------------------------------------------------

    async def create_journal(self, caller: Caller, request: wire.JournalCreateRequest) -> None:
        """Create a journal owned by the caller at epoch `request.key.epoch`; its metadata
        must be sealed under that epoch (409 `stale_epoch`), like every later write of it."""
        key = KeyRow(request.key.epoch, request.key.envelope)
        if meta_epoch(request.meta) != key.epoch:
            raise Conflict(
                "the journal's metadata is not sealed under its first key epoch",
                code="stale_epoch",
            )
        limit = self.settings.max_journals
        await self._count_write(caller)
        try:
            await self.storage.create_journal(
                request.journal_id,
                caller.account_id,
                key,
                request.meta,
                request.chain,
                self.clock(),
                limit,
                self.settings.max_stored_bytes,
            )
        except DuplicateError:
            raise Conflict("a journal with that id exists", code="journal_exists") from None
        except AccountGoneError:  # being erased, or erased since the session was checked
            raise Unauthorized("this account no longer exists") from None
        except QuotaError as error:
            if error.kind == "storage":
                raise self._storage_refused() from None
            raise QuotaExceeded(
                f"this account owns {limit} journals, the most this server allows",
                code="journal_quota_exceeded",
            ) from None
        await self._announce_meta([caller.account_id], caller)  # its other devices

    async def journals(self, caller: Caller, request: wire.ListRequest) -> wire.JournalList:
        """One page of the journals the caller reads, oldest first (protocol.md 2.8)."""
        after = cursors.time_and_id(request.after)
        rows = await self.storage.journals_for(
            caller.account_id,
            self.clock(),
            after,
            wire.PAGE_ITEMS + 1,
            self.settings.listed_key_bytes,
        )
        page, more = rows[: wire.PAGE_ITEMS], len(rows) > wire.PAGE_ITEMS
        # A byte budget too, like /v1/sync: at least one journal, then none that would take
        # the page past PAGE_BYTES (each journal's keys are bounded: listed_key_bytes).
        size = 0
        for count, row in enumerate(page):
            size += 256 + len(row.meta) + sum(64 + len(k.envelope) for k in row.keys)
            if count and size > PAGE_BYTES:
                page, more = page[:count], True
                break
        return wire.JournalList(
            [
                wire.Journal(
                    row.journal_id,
                    row.owner_id,
                    row.role,
                    row.epoch,
                    row.meta,
                    row.meta_version,
                    [wire.KeyEnvelope(k.epoch, k.envelope) for k in row.keys],
                    row.owner_name,
                    row.expires_at,
                    row.chain_length,
                    row.keys_complete,
                )
                for row in page
            ],
            cursors.time_and_id_next(page[-1].created_at, page[-1].journal_id) if more else b"",
        )

    async def journal_keys(self, caller: Caller, request: wire.KeyPageRequest) -> wire.KeyPage:
        """One page of the caller's own key envelopes of a journal it reads, oldest epoch
        first: at most `request.limit`, and none past PAGE_BYTES (at least one). Another
        account's envelopes are never read; a journal the caller does not read is refused
        like one that does not exist (403 `forbidden`)."""
        if request.to_epoch < request.from_epoch:
            raise BadRequest("to_epoch is before from_epoch")
        await self._require_role(caller, request.journal_id, ("owner", *SHARE_ROLES))
        rows = await self.storage.key_page(
            request.journal_id,
            caller.account_id,
            request.from_epoch,
            request.to_epoch,
            request.limit + 1,
        )
        page, more = rows[: request.limit], len(rows) > request.limit
        size = 0
        for count, row in enumerate(page):
            size += 64 + len(row.envelope)
            if count and size > PAGE_BYTES:
                page, more = page[:count], True
                break
        return wire.KeyPage([wire.KeyEnvelope(k.epoch, k.envelope) for k in page], not more)

    async def access_chains(self, caller: Caller, request: wire.AccessRequest) -> wire.AccessReply:
        """Access chain entries of journals the caller belongs to, each from its cursor on;
        at most MAX_CHAIN_PAGE entries in all (ask again for the rest). Each journal once:
        a request's work is bounded by the journals it names (a chain's length is read from
        the index, not counted)."""
        named = [cursor.journal_id for cursor in request.cursors]
        if len(set(named)) != len(named):
            raise BadRequest("an access request names the same journal twice")
        heads = await self.storage.heads_for(caller.account_id, self.clock())
        for journal_id in named:
            if journal_id not in heads:
                raise Forbidden("no such journal, or it is not shared with this account")
        # Every length in one query; entries only for journals behind their cursor, and only
        # while the budget lasts (each such read returns at least one entry): a request makes
        # at most 1 + MAX_CHAIN_PAGE reads whatever it names (R9 finding 13).
        lengths = await self.storage.chain_lengths(named)
        budget = wire.MAX_CHAIN_PAGE
        chains = []
        for cursor in request.cursors:
            length, entries = lengths.get(cursor.journal_id, 0), list[bytes]()
            if budget > 0 and cursor.after < length:
                length, entries = await self.storage.chain_entries(
                    cursor.journal_id, cursor.after, budget
                )
                budget -= len(entries)
            chains.append(wire.AccessChain(cursor.journal_id, length, entries))
        return wire.AccessReply(chains)

    async def _require_role(self, caller: Caller, journal_id: bytes, roles: tuple[str, ...]) -> str:
        role = await self.storage.role_in(journal_id, caller.account_id, self.clock())
        return _check_role(role, roles)

    async def update_meta(self, caller: Caller, request: wire.JournalMetaRequest) -> None:
        """Replace an owned journal's sealed metadata. Checked again in the write's
        transaction (`writer_check`): the caller still owns it, and the metadata is sealed
        under the journal's current epoch (409 `stale_epoch`), so that a device that missed
        a revocation cannot store a new name under a key the revoked member kept (R21 F1).
        The check before is a fast path only (a refusal costs no write). A request naming a
        `meta_version` (not 0) is stored only while the journal's is that one (409
        `meta_changed`: another device renamed it meanwhile, W4); older clients send none."""
        await self._require_role(caller, request.journal_id, ("owner",))
        await self._count_write(caller)
        now = self.clock()
        try:
            await self.storage.update_meta(
                request.journal_id,
                caller.account_id,
                caller.device_id,
                request.meta,
                now,
                writer_check(("owner",), [meta_epoch(request.meta)], now),
                request.meta_version,
            )
        except MetaChangedError:
            raise Conflict(
                "the journal's metadata changed meanwhile: refresh the journal list and retry",
                code="meta_changed",
            ) from None
        members = await self.storage.members_of(request.journal_id, self.clock())
        await self._announce_meta([account for account, _ in members], caller)

    async def push(self, caller: Caller, request: wire.PushRequest) -> wire.PushReply:
        ids = [record.record_id for record in request.records]
        if len(set(ids)) != len(ids):
            raise BadRequest("a batch names the same record id twice", code="duplicate_record")
        records = [NewRecord(r.record_id, r.epoch, r.ciphertext) for r in request.records]
        now = self.clock()
        check = writer_check(("owner", "annotate"), [r.epoch for r in records], now)
        try:
            accepted = await self.storage.append_records(
                request.journal_id,
                caller.account_id,
                caller.device_id,
                records,
                now,
                self._write_limits(now),
                check,
            )
        except QuotaError as error:
            raise self._write_refused(error) from None
        except RecordConflictError:
            raise Conflict(
                "a record id in this batch is already stored with other content",
                code="record_conflict",
            ) from None
        head = max(seq for _, seq in accepted)
        await self._announce(request.journal_id, head, caller, _pushed(request, accepted))
        return wire.PushReply([wire.Accepted(record_id, seq) for record_id, seq in accepted])

    async def compact(self, caller: Caller, request: wire.CompactRequest) -> wire.CompactReply:
        """Replace superseded records by a snapshot; the server cannot check the snapshot's
        content, so only the journal's owner may compact."""
        if request.snapshot.record_id in request.supersedes:
            raise BadRequest("a snapshot cannot supersede itself", code="duplicate_record")
        snapshot = request.snapshot
        now = self.clock()
        try:
            seq, removed = await self.storage.compact(
                request.journal_id,
                caller.account_id,
                caller.device_id,
                NewRecord(snapshot.record_id, snapshot.epoch, snapshot.ciphertext),
                list(dict.fromkeys(request.supersedes)),
                now,
                self._write_limits(now),
                writer_check(("owner",), [snapshot.epoch], now),
            )
        except QuotaError as error:
            raise self._write_refused(error) from None
        except RecordConflictError:
            raise Conflict(
                "the snapshot's record id is already stored with other content",
                code="record_conflict",
            ) from None
        await self._announce(request.journal_id, seq)
        return wire.CompactReply(seq, removed)

    async def _announce(
        self,
        journal_id: bytes,
        head: int,
        caller: Caller | None = None,
        pushed: tuple[tuple[int, bytes, int, bytes], ...] = (),
    ) -> None:
        """Tell the journal's members' devices its new head. `pushed`: the records `caller`
        just pushed, with seqs that follow one another (`_pushed`): with the journal's
        highest seq below them (where storage knows it for good: `seq_before`), they ride
        along to the owner's devices that asked for them (protocol.md GET /v1/live)."""
        now = self.clock()
        members = await self.storage.members_of(journal_id, now)
        accounts = tuple(account for account, _ in members)
        owner = next((account for account, role in members if role == "owner"), None)
        inline = None
        if pushed and caller is not None and owner is not None and self.live.wants_records(owner):
            after = await self.storage.seq_before(journal_id, pushed[0][0])
            # The pusher still a member (as `members` says, read as of `now`), and the one
            # journal's meta version: not every journal of the pusher (`heads_for`), which
            # grew with their number on every push (issue 10).
            meta = None
            if after is not None and caller.account_id in accounts:
                meta = await self.storage.meta_version(journal_id)
            if after is not None and meta is not None:
                inline = InlineRecords(owner, after, meta, pushed)
        await self.storage.publish(LiveEvent("journal", accounts, journal_id, head, inline=inline))
        if any(self.live.connected(account) for account in accounts):
            # The notices wait in this process's sockets' outboxes (LiveHub.notify): one
            # step of the loop lets their senders write them before the caller's answer is
            # written, which the devices told would otherwise wait behind (issue 10: live
            # propagation; the answer waits one step, ~0.1 ms).
            await asyncio.sleep(0)

    async def _announce_meta(self, accounts: list[bytes], caller: Caller | None = None) -> None:
        """Tell the devices of `accounts` (but `caller`'s, which made the change) that what a
        sync brings of their journals changed: a journal made, renamed or deleted, its access
        chain or members changed, or one of them left it (protocol.md GET /v1/live, "Meta
        notices"). The notice names nothing, so it may go to an account that just lost the
        journal. Only accounts concerned are named: the change shows in their next sync."""
        if accounts:
            made_by = caller.device_id if caller is not None else b""
            await self.storage.publish(LiveEvent("meta", tuple(accounts), device_id=made_by))

    async def _others_of_journals(self, account_id: bytes) -> list[bytes]:
        """The accounts whose sync shows a change when `account_id` is erased: every other
        member of a journal it owns (the journal goes), and the owner of each journal it is
        a member of (the member goes; other members see no change)."""
        now = self.clock()
        concerned: list[bytes] = []
        for journal_id, (_, _, role) in (await self.storage.heads_for(account_id, now)).items():
            for member, member_role in await self.storage.members_of(journal_id, now):
                if member != account_id and (role == "owner" or member_role == "owner"):
                    concerned.append(member)
        return list(dict.fromkeys(concerned))

    async def sync(self, caller: Caller, request: wire.SyncRequest) -> wire.SyncReply:
        """One page of new records for the journals the caller reads, by per-journal cursor:
        at most SYNC_JOURNALS journals, by id, after `request.after_journal`; `next_journal`
        says where the next slice starts (protocol.md, /v1/sync)."""
        heads = await self.storage.heads_for(caller.account_id, self.clock())
        positions = {cursor.journal_id: cursor.after for cursor in request.cursors}
        for journal_id in positions:
            if journal_id not in heads:
                raise Forbidden("no such journal, or it is not shared with this account")
        later = sorted(j for j in heads if j > request.after_journal)
        chosen = later[: wire.SYNC_JOURNALS]
        next_journal = chosen[-1] if len(later) > len(chosen) else b""
        pages: list[wire.JournalPage] = []
        fetches: list[Fetch] = []
        budget, byte_budget, done = request.limit, PAGE_BYTES, not next_journal
        # Its own records come as stubs, only in journals the request names (one it does not
        # name is new to the device: protocol.md "Own records as stubs").
        own = caller.device_id if request.skip_own else None
        for journal_id in chosen:
            head, meta_version, role = heads[journal_id]
            after = positions.get(journal_id, 0)
            records: list[wire.StoredRecord] = []
            cursor = after
            if after < head and budget > 0 and byte_budget > 0:
                stubs = own if journal_id in positions else None
                rows = await self.storage.records_after(
                    journal_id, after, budget, byte_budget, stubs
                )
                records = [
                    wire.StoredRecord(r.seq, r.record_id, r.epoch, r.ciphertext) for r in rows
                ]
                cursor = page_cursor(after, head, records, budget, byte_budget)
                budget -= len(rows)
                byte_budget -= sum(len(r.ciphertext) for r in rows)
            if records and role != "owner":
                fetches.append(Fetch(journal_id, [record.seq for record in records]))
            if cursor < head:
                done = False
            pages.append(wire.JournalPage(journal_id, records, cursor, head, meta_version))
        if fetches:  # the reply's audit rows, in one transaction (R9 finding 9)
            left = await self.storage.add_audit(
                caller.account_id, caller.device_id, self.clock(), fetches
            )
            # No longer shared with the caller (or its account erased meanwhile): none of
            # their records goes unlogged.
            if left:
                pages = [
                    wire.JournalPage(
                        p.journal_id, [], positions.get(p.journal_id, 0), p.head, p.meta_version
                    )
                    if p.journal_id in left
                    else p
                    for p in pages
                ]
                done = False  # asked again, the journal is refused as any other not shared
        return wire.SyncReply(pages, done, next_journal)

    # --- sharing ----------------------------------------------------------------------------

    async def shares(self, caller: Caller, request: wire.ListRequest) -> wire.ShareList:
        """One page of the memberships of the caller's journals (protocol.md 2.8)."""
        after = cursors.two_ids(request.after)
        now = self.clock()
        rows = await self.storage.shares_of(caller.account_id, after, wire.PAGE_ITEMS + 1)
        page, more = rows[: wire.PAGE_ITEMS], len(rows) > wire.PAGE_ITEMS
        return wire.ShareList(
            [
                wire.Share(
                    r.journal_id,
                    r.member_id,
                    r.member_name,
                    r.role,
                    r.expires_at,
                    r.expires_at != 0 and r.expires_at <= now,
                    r.epoch,
                    r.envelope,
                )
                for r in page
            ],
            page[-1].journal_id + page[-1].member_id if more else b"",
        )

    async def leave_share(self, caller: Caller, request: wire.JournalRequest) -> None:
        """The caller stops being a member of a journal shared with it: it is no longer served
        the journal or its keys. The owner-signed access chain still lists it until the
        owner's next change of members, which removes it (a member the server no longer
        serves is dropped: that only narrows access); a member cannot sign the chain."""
        heads = await self.storage.heads_for(caller.account_id, self.clock())
        if request.journal_id not in heads:
            raise Forbidden("no such journal, or it is not shared with this account")
        _, _, role = heads[request.journal_id]
        if role == "owner":
            raise BadRequest(
                "the owner cannot leave its own journal: delete it or end its shares instead"
            )
        owners = [
            account
            for account, member_role in await self.storage.members_of(
                request.journal_id, self.clock()
            )
            if member_role == "owner"
        ]
        left = await self.storage.leave_journal(
            request.journal_id, caller.account_id, self.settings.max_stored_bytes
        )
        if not left:
            raise Forbidden("no such journal, or it is not shared with this account")
        # The owner's devices drop the member; this account's others drop the journal.
        await self._announce_meta([*owners, caller.account_id], caller)

    async def rotate(self, caller: Caller, request: wire.RotateRequest) -> None:
        """Start a new key epoch sealed to exactly the accounts of `keys`, which become the
        journal's members (the owner's access chain entries, appended in the same
        transaction, are what devices believe; this table only decides what to serve)."""
        await self._require_role(caller, request.journal_id, ("owner",))
        if meta_epoch(request.meta) != request.epoch:
            raise Conflict(
                "the journal's metadata is not sealed under the new key epoch",
                code="stale_epoch",
            )
        current = await self.storage.journal_epoch(request.journal_id)
        if current is None or request.epoch != current + 1:
            raise Conflict(
                "the journal's key changed meanwhile: refresh and retry", code="stale_epoch"
            )
        members = [MemberRow(k.account_id, k.envelope, k.role, k.expires_at) for k in request.keys]
        await self._check_members(caller, members)
        # Counted in the write rate unless it only removes members: a revocation always
        # goes through (it cannot repeat without members added, which are counted).
        serving = {
            account
            for account, _ in await self.storage.members_of(request.journal_id, self.clock())
        }
        if not {m.account_id for m in members} < serving:
            await self._count_write(caller)
        try:
            await self.storage.rotate(
                request.journal_id,
                request.epoch,
                request.meta,
                members,
                request.chain_after,
                request.chain,
                self.settings.max_shares,
                self.settings.max_stored_bytes,
            )
        except ChainConflictError:
            raise Conflict(
                "the journal's access chain changed meanwhile: refresh and retry",
                code="chain_conflict",
            ) from None
        except AccountGoneError:  # erased since `_check_members`
            raise NotFound("no account has that id") from None
        except QuotaError as error:
            if error.kind == "storage":
                raise self._storage_refused() from None
            raise QuotaExceeded(
                f"this account has granted {self.settings.max_shares} shares, the most this "
                "server allows: end one first (nothing was changed)",
                code="share_quota_exceeded",
            ) from None
        # Every member before (one removed loses the journal) and after (a new chain entry).
        await self._announce_meta([*serving, *(m.account_id for m in members)], caller)

    async def _check_members(self, caller: Caller, members: list[MemberRow]) -> None:
        accounts = [m.account_id for m in members]
        if len(set(accounts)) != len(accounts):
            raise BadRequest("a rotation names the same account twice")
        existing = await self.storage.existing_accounts(accounts)  # one query for every member
        for member in members:
            if member.account_id == caller.account_id:
                if member.role != "owner" or member.expires_at:
                    raise BadRequest("the owner's key is listed with role owner and no end")
                continue
            if member.role not in SHARE_ROLES:
                raise BadRequest(f"role must be one of {', '.join(SHARE_ROLES)}")
            if member.account_id not in existing:
                raise NotFound("no account has that id")
        if caller.account_id not in accounts:
            raise BadRequest("a rotation seals the new key to the owner too")

    async def audit(self, caller: Caller, request: wire.AuditRequest) -> wire.AuditLog:
        """One page of who fetched what, oldest first: the owner sees every member's
        fetches; a member sees their own."""
        role = await self._require_role(caller, request.journal_id, ("owner", "read", "annotate"))
        only = None if role == "owner" else caller.account_id
        after = cursors.audit(request.after)
        rows = await self.storage.audit_log(request.journal_id, only, after, wire.PAGE_ITEMS + 1)
        page, more = rows[: wire.PAGE_ITEMS], len(rows) > wire.PAGE_ITEMS
        last = page[-1] if more else None
        return wire.AuditLog(
            [
                wire.AuditEntry(  # the flag to a client that reads it alone (older ones do not)
                    r.account_id,
                    r.username,
                    r.device_id,
                    r.at,
                    r.up_to_seq,
                    r.records,
                    r.erased and request.with_erased,
                )
                for r in page
            ],
            b"" if last is None else cursors.audit_next(last.at, last.device_id, last.up_to_seq),
        )

    async def identity_by_id(self, caller: Caller, request: wire.AccountRequest) -> wire.Identity:
        """An account's public identity by id; one lookup of `_count_id_lookups`."""
        await self._count_id_lookups(caller, 1)
        account = await self.storage.account_by_id(request.account_id)
        if account is None:
            raise NotFound("no account has that id")
        return public_identity(account)

    async def accounts_known(
        self, caller: Caller, request: wire.AccountsRequest
    ) -> wire.AccountsKnown:
        """Of the account ids asked, those that have an account here, in the order asked
        (each once): how a member's device learns, in one question, that the owners of its
        ended shares erased their accounts (NU49 F6). Each id asked (once) is one lookup of
        `_count_id_lookups` (REV-S11 S11-4)."""
        asked = list(dict.fromkeys(request.account_ids))
        await self._count_id_lookups(caller, len(asked))
        existing = await self.storage.existing_accounts(asked)  # one query, not one an id
        return wire.AccountsKnown([account_id for account_id in asked if account_id in existing])


def _new_recovery(public_key: bytes, bundle: bytes) -> tuple[bytes, bytes] | None:
    """The (recovery login public key, recovery bundle) a password change also sets: both
    given (32 bytes, and a sealed bundle of at least 40), or neither (None)."""
    if not public_key and not bundle:
        return None
    if len(public_key) != 32 or len(bundle) < 40:
        raise BadRequest(
            "a new recovery key needs both recovery_login_public_key (32 bytes) and "
            "recovery_bundle (40 bytes or more)"
        )
    return public_key, bundle


def _pushed(
    request: wire.PushRequest, accepted: list[tuple[bytes, int]]
) -> tuple[tuple[int, bytes, int, bytes], ...]:
    """The records of a push, (seq, record_id, epoch, ciphertext) by seq, when they may ride
    along in its live notice: their seqs follow one another (then they are every record of
    the journal in that range), within wire.MAX_LIVE_RECORDS and wire.LIVE_RECORD_BYTES;
    else ()."""
    if len(accepted) > wire.MAX_LIVE_RECORDS:
        return ()
    seqs = dict(accepted)
    if len(seqs) != len(request.records) or any(r.record_id not in seqs for r in request.records):
        return ()
    rows = sorted((seqs[r.record_id], r.record_id, r.epoch, r.ciphertext) for r in request.records)
    if sum(len(row[3]) for row in rows) > wire.LIVE_RECORD_BYTES:
        return ()
    if any(later[0] != row[0] + 1 for row, later in zip(rows, rows[1:], strict=False)):
        return ()
    return tuple(rows)


def _chosen_device_id(requested: bytes) -> bytes:
    """The id a signup or login asks for (protocol.md 2.3): 16 bytes the device chose; for a
    request without one (a client older than device-chosen ids, kept working) a random one
    picked here. Raises BadRequest (`invalid_field`) for any other length."""
    if not requested:
        return nacl.utils.random(wire.ID_BYTES)
    if len(requested) != wire.ID_BYTES:
        raise BadRequest(
            f"device_id must be {wire.ID_BYTES} bytes or left out", code="invalid_field"
        )
    return requested


def _proof_fields(proof: bytes) -> tuple[bytes, bytes, bytes, int]:
    """(device key, challenge, signature, signed time) of a kept device proof; empty ones
    (and 0) for none; 0 for a time of a proof kept before it (128 bytes)."""
    if len(proof) not in (128, DEVICE_PROOF_BYTES):
        return b"", b"", b"", 0
    return proof[:32], proof[32:64], proof[64:128], int.from_bytes(proof[128:], "big")


def _device_proof(request: wire.LoginRequest) -> bytes:
    """The sign-in's device proof as its log row keeps it (`SignInRow.proof`): device key,
    challenge, signature, the signed time (u64 big-endian); b"" for a login without a device
    key. Checked by the devices that read it, never here (protocol.md 4.21). Raises
    BadRequest (`invalid_field`) unless the three fields are left out or the key is 32
    bytes, the signature 64 and the time given."""
    key, signature, signed_at = (
        request.device_key, request.device_signature, request.device_signed_at
    )  # fmt: skip
    if not key and not signature and not signed_at:
        return b""
    if len(key) != 32 or len(signature) != 64 or not signed_at:
        raise BadRequest(
            "device_key (32 bytes), device_signature (64 bytes) and device_signed_at go "
            "together or are left out",
            code="invalid_field",
        )
    return key + request.challenge + signature + signed_at.to_bytes(8, "big")


def _device_id_taken() -> Conflict:
    return Conflict(
        "that device id is taken (a device the server keeps holds it, signed in or signed out "
        "not long ago): choose another random one",
        code="device_id_taken",
    )
