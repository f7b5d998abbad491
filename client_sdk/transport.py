"""HTTP transport: posts wire messages, maps HTTP failures to SDK errors, and retries the
calls that are safe to repeat after a transient failure. No crypto here.

A request waits at most `AnswerWait.no_answer_s` (NO_ANSWER_S, 30 s by default) without a
byte from the server: to connect, for its reply to begin, and between two reads of the
reply; a reply that keeps coming is never cut by that, only by the transport's total
timeout (60 s a request). A server that takes the connection but does not answer (a hung
process, a stalled proxy or captive portal) thus fails the request with NetworkError
(subject NO_ANSWER) after that wait, and the request is not retried: repeating it to a
server that does not answer only multiplies the wait, and the next sync tries again.

Retries use tenacity (bounded attempts, exponential backoff with jitter, and at least the
wait a server asks for in Retry-After). Only `RETRIED_PATHS` are retried: reads, and writes
that are idempotent by record id, so repeating one after a lost reply changes nothing.
Logins, password changes, erasure, journal creation and shares are never repeated blindly
(a challenge is single use; the caller decides).
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import io
import re
import ssl
import time
import zlib
from collections.abc import Awaitable, Callable, Hashable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, Protocol, TypeVar

import aiohttp
import yarl
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt
from tenacity.wait import wait_random_exponential

from client_sdk import wire
from client_sdk.error_words import (
    not_a_journal_server,
    signup_limit_words,
    subject_for,
    words_for,
)
from client_sdk.errors import (
    BAD_VALUE,
    NOT_A_JOURNAL_SERVER,
    PROFILE_ADDRESS,
    SESSION_ENDED,
    SESSION_EXPIRED,
    AccessError,
    AuthError,
    ConflictError,
    InvalidInput,
    NetworkError,
    NotFound,
    QuotaExceeded,
    RateLimited,
    TJError,
)
from client_sdk.loops import check_loop, running_loop
from client_sdk.models import now_ms

MSGPACK = "application/msgpack"
RETRIED_PATHS = frozenset(
    {
        "/v1/health",
        "/v1/sync",
        "/v1/records/push",
        "/v1/records/compact",
        "/v1/journals/list",
        "/v1/journals/keys",
        "/v1/shares/list",
        "/v1/shares/audit",
        "/v1/devices/list",
        "/v1/account/identity",
        "/v1/account/identity-by-id",
        "/v1/account/known",
        "/v1/account/sign-ins",
    }
)
"""Calls safe to repeat when their outcome is unknown (protocol.md, "Retries")."""
TRANSIENT_STATUSES = frozenset({408, 429})  # and every 5xx
ACCEPTED_ENCODINGS = "gzip, deflate"
"""Reply codings this SDK inflates itself (`read_bounded`); the server sends none, a proxy
in front of it may."""
READ_CHUNK = 64 * 1024
"""Bytes read from the socket at a time."""
INFLATE_STEP = 1024 * 1024
"""Bytes inflated at a time: what a reply holds beyond its body while it is read."""
STATUS_ERRORS: dict[int, type[TJError]] = {
    400: InvalidInput,
    401: AuthError,
    403: AccessError,
    404: NotFound,
    409: ConflictError,
    413: InvalidInput,
    415: InvalidInput,
}


@dataclass(frozen=True)
class RetryPolicy:
    """How a call in RETRIED_PATHS is retried after a transient NetworkError.

    `attempts` bounds the calls (first one included); the n-th wait is drawn at random
    between `first` and `first` * 2^(n-1) seconds, at most `cap` (jittered exponential
    backoff), and are never shorter than the server's Retry-After. A
    Retry-After longer than `longest_wait` seconds is not waited for: the call fails at once
    and the caller (a later sync) tries again. `connect_timeout` bounds, in seconds, the wait
    for a connection to the server (None, and never more than: `AnswerWait.no_answer_s`,
    30 s by default), so that a quick try against an unreachable server fails fast. A
    request the server does not answer (subject NO_ANSWER) is never retried.

    A connection the network turns down at once (nothing listens at the address, no route to
    it, a name that cannot be found: `refused_at_once`) is a definite answer, not a passing
    failure: it is tried `refused_attempts` times in all (first one included, never more
    than `attempts`), `refused_wait` seconds apart, and then the call fails, so that a device
    whose server is down or which is offline says so at once; a later sync tries again.
    """

    attempts: int = 4
    first: float = 0.25
    cap: float = 4.0
    longest_wait: float = 30.0
    connect_timeout: float | None = None
    refused_attempts: int = 2
    refused_wait: float = 0.1

    def should_retry(self, error: BaseException) -> bool:
        """Transient NetworkErrors, and any error carrying a `retry_after` (a 429, however
        the SDK names it) that asks for no more than `longest_wait`."""
        asked = _retry_after(error)
        transient = isinstance(error, NetworkError) and error.transient
        if not transient and asked is None:
            return False
        return asked is None or asked <= self.longest_wait

    def wait(self, state: RetryCallState) -> float:
        """Seconds before the next attempt: exponential backoff with jitter, at least the
        server's Retry-After; `refused_wait` after a connection refused at once."""
        error = state.outcome.exception() if state.outcome else None
        if refused_at_once(error):
            return self.refused_wait
        window = wait_random_exponential(multiplier=self.first, max=self.cap, min=self.first)
        backoff = window(state)
        return max(backoff, _retry_after(error) or 0.0)


def refused_at_once(error: BaseException | None) -> bool:
    """Whether `error` is the NetworkError of a request whose connection the network turned
    down as it was asked for (refused: nothing listens there; no route; a name not found; a
    TLS handshake that failed), as against one that waited for an answer or broke off: no
    byte of it left, and trying again at once is told the same (`RetryPolicy`)."""
    return isinstance(error, NetworkError) and isinstance(
        error.__cause__, aiohttp.ClientConnectorError
    )


PROXY_STATUSES = frozenset({408, 413, 429, 502, 503, 504, 520, 521, 522, 523, 524})
"""Statuses a reverse proxy (or load balancer) in front of a Therapy Journal server answers on
its own, with a body of its own: a timeout, a body over its limit, its rate limit, the server
behind it down or slow (520 to 524: Cloudflare's, the origin failed, refused, timed out, was
unreachable, or was slow to answer: rev32c F3). Such an answer says as much as the status,
as before."""

NO_ANSWER_S = 30.0
"""Default of `AnswerWait.no_answer_s`: seconds a request waits without a byte from the
server before it fails (see the module's docstring)."""
NO_ANSWER = "no answer"
"""`TJError.subject` of the NetworkError of a request the server did not answer within
`AnswerWait.no_answer_s` (a connection not accepted, or a request taken and nothing sent
back): not retried."""


@dataclass(frozen=True)
class AnswerWait:
    """How long a request waits for a server that does not answer, and who hears of it.

    `no_answer_s`: seconds without a byte from the server (to connect, for the reply to
    begin, between two reads of it: aiohttp's sock_connect and sock_read) before the
    request fails with NetworkError, subject NO_ANSWER, not retried. A reply that keeps
    coming is not cut by it, only by the transport's total timeout.
    `notice_s`, `notice`: when a request has waited `notice_s` seconds for its reply to
    begin, `notice(base_url, no_answer_s)` is called, once for that request, on the event
    loop (an app says "waiting for the server"); it must not raise. Set for a block of code
    with `answer_wait()`: it applies to every Transport's requests made inside the block,
    in the tasks it starts too (a context variable)."""

    no_answer_s: float = NO_ANSWER_S
    notice_s: float | None = None
    notice: Callable[[str, float], None] | None = None


TIMEOUTS_KEPT = 8
"""A Transport keeps the timeouts of this many (connect, no answer) pairs, made again after:
its memory stays bounded when every request has its own AnswerWait (a deadline's time left)."""

DEFAULT_ANSWER_WAIT = AnswerWait()
ANSWER_WAIT: ContextVar[AnswerWait] = ContextVar("tj_answer_wait", default=DEFAULT_ANSWER_WAIT)
"""The AnswerWait in force (`answer_wait` sets it; frozen, so shared safely)."""


@contextlib.contextmanager
def answer_wait(wait: AnswerWait) -> Iterator[AnswerWait]:
    """Apply `wait` to every request made in the block (and in the tasks it starts)."""
    token = ANSWER_WAIT.set(wait)
    try:
        yield wait
    finally:
        ANSWER_WAIT.reset(token)


def _retry_after(error: BaseException | None) -> float | None:
    asked = getattr(error, "retry_after", None)
    return float(asked) if isinstance(asked, (int, float)) else None


class Paged(Protocol):
    """A page of a paged list: `next` is empty on the last one."""

    @property
    def next(self) -> bytes: ...


PagedT = TypeVar("PagedT", bound=Paged)
ItemT = TypeVar("ItemT")
MAX_LIST_PAGES = 10_000
"""More pages than this (5,000,000 items) is a server that never ends its list."""
PAGE_SLACK = 2
"""Pages a list may take beyond the full pages its items fill (`page_bound`): room for a
short page or two (an item filtered out after the server's LIMIT), never for a trickle."""


def page_bound(items: int, per_page: int) -> int:
    """The most pages an honest server needs to send `items` items at up to `per_page` a
    page, plus PAGE_SLACK; at most MAX_LIST_PAGES."""
    return min(-(-items // per_page) + PAGE_SLACK, MAX_LIST_PAGES)


@dataclass
class WaitBudget:
    """Seconds a series of calls (the lookups by id of one sync) may still spend waiting
    between attempts, in all: each retry's wait (backoff, or the server's Retry-After) is
    taken from `left`; a retry whose wait would exceed what is left is not made, and the
    call raises its last error (a 429: RateLimited) at once. `sleep(seconds)` is how a wait
    is waited (None: asyncio.sleep). `waits` counts the waits taken."""

    left: float
    sleep: Callable[[float], Awaitable[None]] | None = None
    waits: int = 0

    def allows(self, seconds: float) -> bool:
        """Whether a wait of `seconds` fits in what is left."""
        return seconds <= self.left

    def spend(self, seconds: float) -> None:
        """Take one wait of `seconds` from what is left."""
        self.left = max(0.0, self.left - seconds)
        self.waits += 1


DEFAULT_RETRY = RetryPolicy()
NO_RETRY = RetryPolicy(attempts=1)
QUICK_TRY = RetryPolicy(attempts=1, connect_timeout=2.0)
"""One try that waits at most 2 s for a connection: for a sync after a local change, or
before showing data, where the user should not wait on a server that is down."""


def request_body(message: Any, known: Known[Any] | None = None) -> bytes | io.BytesIO:
    """The encoded message (`known.body` when given: the same message, encoded once), as
    aiohttp sends it without holding the event loop: a body past aiohttp's 1 MiB warning
    size (a share's snapshots, an import's pushes) goes as a file object, written in chunks;
    a fresh one for each attempt."""
    body = wire.encode(message) if known is None else known.body
    return io.BytesIO(body) if len(body) > LARGE_BODY_BYTES else body


ReplyT = TypeVar("ReplyT")


class Known(Generic[ReplyT]):
    """A request made before and the reply it got, for a caller that makes the same request
    again and compares its reply with that one (a pull that found nothing: replica.py
    `_CleanPull`, issue 10's no-op sync): `Transport.call(known=)` sends `body`, the request
    encoded once (encoding is a function of the message alone), and returns `reply` itself,
    not decoded again, for a reply whose bytes are those of the last reply that decoded equal
    to it (`raw`, learned by the first such call): decoding is a function of the bytes alone,
    so the same bytes decode to an equal message, with every check of `wire.decode` passed
    before. Any other reply is decoded and checked as usual."""

    __slots__ = ("body", "raw", "reply", "request")

    def __init__(self, request: Any, reply: ReplyT) -> None:
        self.request = request
        self.body = wire.encode(request)
        self.reply = reply
        self.raw: bytes | None = None

    def decoded(self, kind: type[ReplyT], raw: bytes) -> ReplyT:
        """`raw` decoded as `kind` (`wire.decode`: WireError when it does not fit), or
        `reply` when `raw` is the bytes that decoded to it."""
        if raw == self.raw:
            return self.reply
        found = wire.decode(kind, raw)
        if found == self.reply:
            self.raw = raw
        return found


LARGE_BODY_BYTES = 1024 * 1024
"""aiohttp warns (ResourceWarning) about a bytes body larger than this (payload.py)."""


def _body_sent_tracing() -> aiohttp.TraceConfig:
    """aiohttp tracing that calls a request's `trace_request_ctx`, when it is a callable
    (`Transport.call`'s `on_sent`), as the request's body is handed to the connection: its
    bytes are written to the socket in the same step, before any other task runs (for a
    body sent in chunks, past LARGE_BODY_BYTES, at each chunk: the first one starts it)."""
    config = aiohttp.TraceConfig()

    async def chunk_sent(
        _session: aiohttp.ClientSession, context: Any, _params: aiohttp.TraceRequestChunkSentParams
    ) -> None:
        on_sent = context.trace_request_ctx
        if callable(on_sent):
            on_sent()

    config.on_request_chunk_sent.append(chunk_sent)
    return config


async def _no_redirect(
    request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
) -> aiohttp.ClientResponse:
    """aiohttp client middleware (it sees every hop) that turns a 3xx answer into
    `aiohttp.WSServerHandshakeError` with that status, the connection closed, before aiohttp
    can follow it: nothing, the token least of all, goes to the address it names. For the
    live channel's upgrade, which `ws_connect` offers no `allow_redirects=False` for (the
    posts pass that; REV-S3 F1, protocol.md 2.1)."""
    response = await handler(request)
    if 300 <= response.status < 400:
        response.close()
        raise aiohttp.WSServerHandshakeError(
            response.request_info,
            (),
            status=response.status,
            message="a redirect, which the API does not use: not followed",
            headers=response.headers,
        )
    return response


class UpgradeRefused(aiohttp.WSServerHandshakeError):
    """An error status (4xx, 5xx) answered to the live channel's upgrade, with its body
    (`body`, b"" when it could not be read): `upgrade_refusal` tells from it whether the
    server's own API answered, as for a post."""

    def __init__(self, response: aiohttp.ClientResponse, body: bytes) -> None:
        super().__init__(
            response.request_info,
            (),
            status=response.status,
            message="the upgrade was refused",
            headers=response.headers,
        )
        self.body = body


async def _refusal_read(
    request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
) -> aiohttp.ClientResponse:
    """aiohttp client middleware of the live channel's upgrade: an error status (400 and
    above) raises UpgradeRefused holding the answer's body (read as a post's, at most
    wire.MAX_BODY_BYTES), the connection closed; `ws_connect` itself keeps no body."""
    response = await handler(request)
    if response.status < 400:
        return response
    try:
        body = await read_bounded(response, request.url.path)
    except NetworkError:  # too large, or in a coding not read: no reply of this API
        body = b""
    finally:
        response.close()
    raise UpgradeRefused(response, body)


def upgrade_refusal(error: aiohttp.WSServerHandshakeError, path: str, server: str) -> TJError:
    """The TJError of an error status answered to the live channel's upgrade (`path`) at
    `server` (its base URL), by the posts' rule (`_error_from`): an answer that is not this API's `ErrorReply`
    is another web server's (subject NOT_A_JOURNAL_SERVER), whatever its status; so only the
    server's own 401 is an AuthError of the session (rev33a F7: a portal's HTML 401 is none)."""
    body = error.body if isinstance(error, UpgradeRefused) else b""
    return _error_from(error.status, body, None, path, server)


ABANDONED_KEPT = 64
"""How many abandoned calls' ids a `LiveCalls` keeps, to discard their late replies: an app
that gives up more syncs than that before their replies come loses its socket (reconnected)."""


class LiveCalls:
    """Requests sent on this device's open live WebSocket instead of an HTTP POST (protocol.md
    GET /v1/live, "Calls on the live channel"): each a `wire.LiveCall` with an id of its own,
    answered by the `LiveNotice` of kind LIVE_REPLY naming it, which the socket's reader
    (live.py) hands to `answered`. A call whose socket is lost before its reply came gets
    None (`Transport` then sends it as an HTTP POST: the calls carried, `/v1/sync`, are reads,
    safe to repeat), as does one the server answers with wire.LIVE_OVER_HTTP. The reply to a
    call its caller abandoned (cancelled, or timed out) is discarded, for the last
    ABANDONED_KEPT such calls; a reply naming no other call is a broken protocol (WireError:
    the reader drops the socket, the calls waiting on it go over HTTP)."""

    def __init__(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        self._socket = socket
        self._last = 0
        self._waiting: dict[int, asyncio.Future[wire.LiveNotice | None]] = {}
        self._abandoned: dict[int, None] = {}  # ids in the order abandoned (oldest first)
        self.open = True

    async def call(self, path: str, body: bytes, no_answer_s: float) -> wire.LiveNotice | None:
        """The reply to `body` sent to `path`, or None: the socket is lost (or was), or the
        call is larger than a server reads on it (wire.MAX_LIVE_CALL_BYTES). Raises
        TimeoutError when no reply came within `no_answer_s` seconds."""
        self._last += 1
        call_id = self._last
        frame = wire.encode(wire.LiveCall(call_id, path, body))
        if not self.open or len(frame) > wire.MAX_LIVE_CALL_BYTES:
            return None
        future: asyncio.Future[wire.LiveNotice | None] = asyncio.get_running_loop().create_future()
        self._waiting[call_id] = future
        try:
            try:
                await self._socket.send_bytes(frame)
            except (ConnectionError, RuntimeError, aiohttp.ClientError):
                return None  # not sent, or on a socket being closed: over HTTP instead
            async with asyncio.timeout(no_answer_s):
                return await future
        finally:
            if self._waiting.pop(call_id, None) is not None:  # not answered, socket open
                self._abandoned[call_id] = None  # its reply may still come: discarded
                if len(self._abandoned) > ABANDONED_KEPT:
                    del self._abandoned[next(iter(self._abandoned))]

    def answered(self, reply: wire.LiveNotice) -> None:
        """Hand `reply` to the call it names (discard it for an abandoned call); raises
        WireError when it names no such call."""
        future = self._waiting.pop(reply.call, None)
        if future is None:
            if self._abandoned.pop(reply.call, 0) is None:
                return  # the reply to a call its caller gave up: discarded
            raise wire.WireError("invalid_field", "a reply to no call waiting on this socket")
        if not future.done():
            future.set_result(reply)

    def ended(self) -> None:
        """The socket is gone: every call waiting gets None (sent again over HTTP)."""
        self.open = False
        waiting, self._waiting = self._waiting, {}
        for future in waiting.values():
            if not future.done():
                future.set_result(None)


class Transport:
    """One aiohttp session against one server; `token` is sent when set; `retry` applies to
    RETRIED_PATHS."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        timeout: float = 60.0,
        retry: RetryPolicy = DEFAULT_RETRY,
    ) -> None:
        self.base_url = normalize_url(base_url)
        self.token = token
        self.refusal: InvalidInput | None = None
        """Why no request may be sent (every one raises an InvalidInput of these words and
        names, subject PROFILE_ADDRESS): a profile whose address normalize_url refuses,
        opened for what works offline (`Client.open`, rev33a F3). None: requests are sent."""
        self.retry = retry
        self.session_ends_ms: int | None = None
        """When this device's session ends (ms since 1970-01-01 UTC: `SessionReply.expires_at`
        as kept at its sign-in, `Client.SESSION_ENDS`), by this device's clock; None when not
        known (a home signed in before it was kept). Only words depend on it: an
        `auth_failed` to a call made with the session after that time is told as the
        expired session it is (`session_told`), as the server forgets an expired session a
        day after its end and then answers `auth_failed`, not `token_expired`."""
        self.answered = False
        """Whether a Therapy Journal server answered a request of this transport: a reply
        that decoded, or an error reply of this API (not a proxy's or another web server's
        page, nor a timeout or a connection that failed); a signup uses it to tell a proxy's
        page from its server's own answer (rev32d)."""
        self.server_id: bytes | None = None
        """The id of the server this account signed in at (`Profile.server_id`), once a
        profile is open: a challenge naming another id is refused before anything is signed
        (`account.signed_challenge`, REV-ACCT F4). None before a first sign-in."""
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._timeouts: dict[tuple[float, float], aiohttp.ClientTimeout] = {}
        """A request's timeouts by (sock_connect, sock_read) seconds: `_call_once`; at most
        TIMEOUTS_KEPT of them."""
        self._session: aiohttp.ClientSession | None = None
        self._traced: aiohttp.ClientSession | None = None
        self._live: aiohttp.ClientSession | None = None
        self.live_calls: LiveCalls | None = None
        """The open live socket's calls, while the live channel is open and read (live.py):
        the requests of wire.LIVE_CALL_PATHS (`/v1/sync`) go on it instead of as HTTP
        POSTs, and as HTTP POSTs again once it is lost."""
        self.live_not_ours: int | None = None
        """The HTTP status of the last answer to the live channel's upgrade that was not this
        API's (subject NOT_A_JOURNAL_SERVER: a portal's or a proxy's HTML 401, say), while
        the channel is lost for it (live.py); None otherwise (never opened yet, open, or
        lost for a network failure): what an app says of the outage (nu83 F5)."""
        self._loop = running_loop()
        """The event loop it was made in (else its first session's): its sessions are bound
        to it, and a use from another loop is refused (`_bound`)."""

    async def close(self) -> None:
        """Close the sessions; from another event loop than theirs (a Client closed after
        its `asyncio.run` ended: NU45 #11) they are let go, their connections closed as far
        as that loop still allows."""
        sessions = [s for s in (self._session, self._traced, self._live) if s is not None]
        self.live_calls = None
        self._session = self._traced = self._live = None
        for session in sessions:
            if self._loop in (None, running_loop()):
                await session.close()
                continue
            connector = session.connector
            session.detach()  # closed, without a call on its loop
            if connector is not None:
                with contextlib.suppress(RuntimeError):  # "Event loop is closed"
                    await connector.close()  # that loop closed: marked closed, nothing to await

    def _bound(self) -> None:
        """ClientClosed (loops.OTHER_LOOP) from another event loop than its own (made outside
        one, the first session's); `refusal`'s InvalidInput when set (nothing is sent)."""
        if self.refusal is not None:
            raise InvalidInput(
                *self.refusal.args, subject=PROFILE_ADDRESS, names=self.refusal.names
            )
        if self._loop is None:
            self._loop = running_loop()
        else:
            check_loop(self._loop)

    def session(self) -> aiohttp.ClientSession:
        """The shared aiohttp session (created lazily, reused for every call). Raises
        ClientClosed from another event loop than its own (`_bound`)."""
        self._bound()
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    def live_session(self) -> aiohttp.ClientSession:
        """The session of the live channel's WebSocket (created lazily, reused): it follows
        no redirect (`_no_redirect`), as no call does, so a 3xx answer to the upgrade is a
        failed connect (`aiohttp.WSServerHandshakeError`), never a connection to the address
        it names; an error status keeps its body (`_refusal_read`: UpgradeRefused). The
        posts' session has no middleware, which would cost each call."""
        self._bound()
        if self._live is None or self._live.closed:
            self._live = aiohttp.ClientSession(
                timeout=self._timeout, middlewares=(_no_redirect, _refusal_read)
            )
        return self._live

    def _traced_session(self) -> aiohttp.ClientSession:
        """The session of the calls that ask `on_sent` (`_body_sent_tracing`; created lazily,
        reused, with its own connection): aiohttp traces every request of a session that has
        a trace, about 20 µs a call that the other calls (a no-op sync's) do not pay."""
        self._bound()
        if self._traced is None or self._traced.closed:
            self._traced = aiohttp.ClientSession(
                timeout=self._timeout, trace_configs=[_body_sent_tracing()]
            )
        return self._traced

    async def call(
        self,
        path: str,
        message: Any,
        reply: type[wire.M],
        *,
        wait_rate_limit: bool = True,
        on_sent: Callable[[], None] | None = None,
        retry: RetryPolicy | None = None,
        budget: WaitBudget | None = None,
        known: Known[wire.M] | None = None,
    ) -> wire.M:
        """POST `message` to `path` and decode the reply as `reply`; retried per `retry`
        (default `self.retry`) when `path` is in RETRIED_PATHS. With `wait_rate_limit=False` a 429 (RateLimited) is
        raised at once, for a caller that paces itself (pushing.py). `on_sent()` is called
        as the request's body is handed to the connection (at each attempt; not at all for
        a request that never got that far): a caller that has other work for the loop
        (pushing.py) starts it then, not before, so the request is not held back by it.
        `budget`: the waits between attempts are taken from it (shared by several calls);
        a wait past what is left is not made and the last error is raised.
        `known`: `message` made before, and its reply (`Known`): sent as encoded then, and
        a reply of the same bytes is that reply, not decoded again.
        Raises the TJError the status maps to."""
        policy = self.retry if retry is None else retry
        if path not in RETRIED_PATHS or policy.attempts <= 1:
            return await self._call_once(path, message, reply, on_sent, policy, known)
        maybe_sent = False  # once an attempt may have left, the call is never "unsent"
        refusals = 0  # attempts whose connection was refused at once (`refused_at_once`)

        async def call_once() -> wire.M:
            nonlocal maybe_sent, refusals
            try:
                return await self._call_once(path, message, reply, on_sent, policy, known)
            except NetworkError as error:
                refusals += refused_at_once(error)
                maybe_sent = maybe_sent or not error.unsent
                error.unsent = not maybe_sent  # R46 F4: every attempt unsent, or none is
                raise
            except TJError:
                maybe_sent = True
                raise

        def should_retry(error: BaseException) -> bool:
            if not wait_rate_limit and isinstance(error, RateLimited):
                return False
            if refused_at_once(error) and refusals >= policy.refused_attempts:
                return False  # a definite no, told as often as the policy asks: not again
            return policy.should_retry(error)

        try:  # the first attempt outside tenacity, whose set-up costs ~100 µs a call
            return await call_once()
        except TJError as error:
            if not should_retry(error):
                raise
            first_failure = error
        attempts = 0

        async def attempt() -> wire.M:
            nonlocal attempts
            attempts += 1
            if attempts == 1:
                raise first_failure  # the attempt made above: tenacity counts it and waits
            return await call_once()

        if budget is None:
            retrying = AsyncRetrying(
                stop=stop_after_attempt(policy.attempts),
                wait=policy.wait,
                retry=retry_if_exception(should_retry),
                reraise=True,
            )
            return await retrying(attempt)
        spending = budget
        attempts_stop = stop_after_attempt(policy.attempts)

        def stop(state: RetryCallState) -> bool:  # run once the next wait is known
            return attempts_stop(state) or not spending.allows(state.upcoming_sleep)

        async def sleep(seconds: float) -> None:
            spending.spend(seconds)
            await (spending.sleep or asyncio.sleep)(seconds)

        retrying = AsyncRetrying(
            sleep=sleep,
            stop=stop,
            wait=policy.wait,
            retry=retry_if_exception(should_retry),
            reraise=True,
        )
        return await retrying(attempt)

    async def pages(
        self,
        path: str,
        reply: type[PagedT],
        items: Callable[[PagedT], Sequence[ItemT]],
        key: Callable[[ItemT], Hashable],
        request: Callable[[bytes], Any] = wire.ListRequest,
        per_page: int = wire.PAGE_ITEMS,
    ) -> list[ItemT]:
        """Every item of a paged list (protocol.md 2.8), in the server's order: `request(b"")`
        first, then `request(next)` with each reply's `next` until it is empty. `items(page)`
        are a page's items, `key(item)` an item's identity (its id); `per_page` is the most
        items the server puts on a page. An item whose key came before is dropped.

        Raises NetworkError (not transient), instead of following the server, on a page that
        is not the last and brings no new item, on a `next` that repeats, and once the pages
        outnumber what the items received need (`page_bound`: a server that trickles one item
        a page, or pages without items, cannot keep a device asking). Used by every paged
        reader of the SDK; one for a new list needs only `items` and `key`."""
        found: dict[Hashable, ItemT] = {}
        after, seen, count = b"", set(), 0
        while True:
            page = await self.call(path, request(after), reply)
            count += 1
            new = 0
            for item in items(page):
                identity = key(item)
                if identity not in found:
                    found[identity] = item
                    new += 1
            after = page.next
            if not after:
                return list(found.values())
            if new == 0:
                problem = "sent a page without any new item that is not the last"
            elif after in seen:
                problem = "repeated a page position"
            elif count >= page_bound(len(found), per_page):
                problem = f"took {count} pages for {len(found)} items"
            else:
                seen.add(after)
                continue
            raise NetworkError(
                f"the server's {path} list does not end: it {problem}; try again later",
                transient=False,
            )

    async def _call_once(
        self,
        path: str,
        message: Any,
        reply: type[wire.M],
        on_sent: Callable[[], None] | None = None,
        policy: RetryPolicy | None = None,
        known: Known[wire.M] | None = None,
    ) -> wire.M:
        calls = self.live_calls
        if calls is not None and on_sent is None and path in wire.LIVE_CALL_PATHS:
            answered = await self._call_on_socket(calls, path, message, reply, known)
            if answered is not None:
                return answered
        retry = self.retry if policy is None else policy
        headers = {"Content-Type": MSGPACK, "Accept-Encoding": ACCEPTED_ENCODINGS}
        if self.token is not None:
            headers["Authorization"] = f"Bearer {self.token}"
        url = self.base_url + path
        wait = ANSWER_WAIT.get()
        connect = wait.no_answer_s
        if retry.connect_timeout is not None:
            connect = min(connect, retry.connect_timeout)
        timeout = self._timeouts.get((connect, wait.no_answer_s))
        if timeout is None:  # made once per pair (an attrs class: a few µs a request)
            timeout = aiohttp.ClientTimeout(
                total=self._timeout.total, sock_connect=connect, sock_read=wait.no_answer_s
            )
            if len(self._timeouts) >= TIMEOUTS_KEPT:  # an app's own wait per request, say
                self._timeouts.clear()
            self._timeouts[(connect, wait.no_answer_s)] = timeout
        notice = None
        if wait.notice is not None and wait.notice_s is not None:
            notice = asyncio.get_running_loop().call_later(
                wait.notice_s, wait.notice, self.base_url, wait.no_answer_s
            )
        try:
            session = self.session() if on_sent is None else self._traced_session()
            async with session.post(
                url,
                data=request_body(message, known),
                headers=headers,
                # Never followed (REV-S3 F1): the API has no redirects, and a failure at the
                # address one names would read as a request that never left (`unsent`) when
                # the server had stored it. A 3xx is an error like any other status.
                allow_redirects=False,
                auto_decompress=False,
                timeout=timeout,
                trace_request_ctx=on_sent,  # called by `_body_sent_tracing`
            ) as resp:
                if notice is not None:
                    notice.cancel()  # the reply has begun
                raw = await read_bounded(resp, path)
                status = resp.status
                retry_after = parse_retry_after(resp.headers.get("Retry-After"))
        except aiohttp.ServerTimeoutError as error:  # sock_connect or sock_read
            connecting = isinstance(error, aiohttp.ConnectionTimeoutError)
            what = (
                f"it did not take the connection within {connect:g} s"
                if connecting
                else f"it took the request but sent nothing for {wait.no_answer_s:g} s"
            )
            failure = NetworkError(
                f"cannot reach the server at {self.base_url}: {what}",
                transient=False,  # repeated, it would only wait as long again
                unsent=connecting,
            )
            failure.subject = NO_ANSWER
            raise failure from error
        except (TimeoutError, aiohttp.ClientError, OSError) as error:
            # The aiohttp exception stays as __cause__ (for logs), out of the words.
            raise NetworkError(
                f"cannot reach the server at {self.base_url}: {reason(error)}",
                unsent=isinstance(error, aiohttp.ClientConnectorError),  # no connection made
            ) from error
        finally:
            if notice is not None:
                notice.cancel()
        if status != 200:
            refused = _error_from(status, raw, retry_after, path, self.base_url)
            self.answered = self.answered or _ours(refused)
            raise session_told(refused, self.session_ends_ms)
        try:
            decoded = wire.decode(reply, raw) if known is None else known.decoded(reply, raw)
            self.answered = True
            return decoded
        except wire.WireError as error:
            raise NetworkError(
                f"the server sent a malformed reply to {path}: {error}", transient=False
            ) from None

    async def _call_on_socket(
        self,
        calls: LiveCalls,
        path: str,
        message: Any,
        reply: type[wire.M],
        known: Known[wire.M] | None = None,
    ) -> wire.M | None:
        """`_call_once` on the open live socket: its reply, decoded and checked as an HTTP
        reply's (an error status raises the same TJError), or None when the socket is lost
        before the reply came (the caller then sends the request over HTTP). Waits for the
        reply as long as an HTTP request would (`AnswerWait`): a reply on the socket is at most
        wire.MAX_LIVE_REPLY_BYTES, or it says wire.LIVE_OVER_HTTP (None). Raises ClientClosed from
        another event loop than the transport's, as an HTTP request does (`_bound`)."""
        self._bound()
        wait = ANSWER_WAIT.get()
        notice = None
        if wait.notice is not None and wait.notice_s is not None:
            notice = asyncio.get_running_loop().call_later(
                wait.notice_s, wait.notice, self.base_url, wait.no_answer_s
            )
        try:
            body = wire.encode(message) if known is None else known.body
            got = await calls.call(path, body, wait.no_answer_s)
        except TimeoutError:
            failure = NetworkError(
                f"cannot reach the server at {self.base_url}: it took the request but sent "
                f"nothing for {wait.no_answer_s:g} s",
                transient=False,
            )
            failure.subject = NO_ANSWER
            raise failure from None
        finally:
            if notice is not None:
                notice.cancel()
        if got is None or got.status == wire.LIVE_OVER_HTTP:
            return None
        if got.status != 200:
            refused = _error_from(got.status, got.body, None, path, self.base_url)
            raise session_told(refused, self.session_ends_ms)
        try:
            return wire.decode(reply, got.body) if known is None else known.decoded(reply, got.body)
        except wire.WireError as error:
            raise NetworkError(
                f"the server sent a malformed reply to {path}: {error}", transient=False
            ) from None


async def read_bounded(resp: aiohttp.ClientResponse, path: str) -> bytes:
    """A reply's body, read from the socket in chunks of READ_CHUNK and inflated as it
    comes (gzip, deflate, or none), stopping with NetworkError (not transient) once it passes
    `wire.MAX_BODY_BYTES` (16 MiB) inflated: a hostile server cannot make the device hold
    more than that, however well its body compresses or however long it goes on. Error
    replies are read the same way. An unknown `Content-Encoding` is a NetworkError too."""
    coding = resp.headers.get("Content-Encoding", "identity").strip().lower()
    if coding in ("gzip", "x-gzip"):
        inflater: Any = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    elif coding == "deflate":
        inflater = Inflater()
    elif coding in ("", "identity"):
        inflater = None
    else:
        raise NetworkError(
            f"the server answered {path} in a coding this SDK does not read ({coding[:40]!r})",
            transient=False,
        )
    limit = wire.MAX_BODY_BYTES
    length = resp.content_length
    if inflater is None and length is not None and length <= min(limit, READ_CHUNK):
        # Small and not compressed: aiohttp's parser ends the body at its Content-Length, so
        # read whole at once it is at most that (every no-op sync's reply: issue 10).
        return await resp.read()
    too_large = NetworkError(
        f"the server's reply to {path} exceeds {limit} bytes: not read further", transient=False
    )
    body = bytearray()
    try:
        async for chunk in resp.content.iter_chunked(READ_CHUNK):
            data = chunk
            while data:
                room = min(limit + 1 - len(body), INFLATE_STEP)  # 1 byte past: too large
                if inflater is None:
                    out, data = data[:room], data[room:]
                else:
                    out = inflater.decompress(data, room)
                    data = inflater.unconsumed_tail
                body += out
                if len(body) > limit:
                    raise too_large
        if inflater is not None:
            while not inflater.eof and len(body) <= limit:
                out = inflater.decompress(b"", INFLATE_STEP)
                if not out:
                    break
                body += out
            if len(body) > limit:
                raise too_large
    except zlib.error:
        raise NetworkError(
            f"the server's compressed reply to {path} is corrupt", transient=False
        ) from None
    return bytes(body)


class Inflater:
    """`Content-Encoding: deflate`: a zlib stream (RFC 9110 section 8.4.1.2), or the raw
    deflate some servers send instead, told apart by its first two bytes (RFC 1950 header
    check), as browsers do. The interface of `zlib.decompressobj` that `read_bounded` uses."""

    def __init__(self) -> None:
        self._inner: Any = None
        self._start = b""
        self.unconsumed_tail = b""

    @property
    def eof(self) -> bool:
        return self._inner is not None and bool(self._inner.eof)

    def decompress(self, data: bytes, max_length: int) -> bytes:
        if self._inner is None:
            self._start += data
            if len(self._start) < 2:
                self.unconsumed_tail = b""
                return b""
            first, second = self._start[0], self._start[1]
            wrapped = first & 0x0F == 8 and ((first << 8) | second) % 31 == 0
            self._inner = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
            data, self._start = self._start, b""
        out: bytes = self._inner.decompress(data, max_length)
        self.unconsumed_tail = self._inner.unconsumed_tail
        return out


def reason(error: BaseException) -> str:
    """Why a request did not reach the server, in plain words."""
    if isinstance(error, TimeoutError):
        return "it did not answer in time"
    if isinstance(error, aiohttp.ClientSSLError | ssl.SSLError):
        return "the secure (https) connection failed: check whether the address is http or https"
    if isinstance(error, aiohttp.ClientConnectorDNSError):  # NU41 #10: a mistyped name
        return "its name cannot be found (check the address, or whether you are offline)"
    if isinstance(error, aiohttp.ClientConnectorError | ConnectionRefusedError):
        return "nothing answers at that address (is it down, or are you offline?)"
    if isinstance(error, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError):
        return "the connection broke off"
    return "the network failed"


def shown_url(url: str) -> str:
    """`url` as every message shows an address given or kept: cut before its query ("?...")
    or fragment ("#..."), where a secret sits in an address (a token in `?token=`,
    `#access_token=`: rev33a F3); of one holding "@", only the scheme and its host, never a
    user name or password (rev32d F1), and only when one reading of it names a host
    (`_host_readings`) and that host is the one aiohttp's parser (yarl) reads, as the
    transport would connect, when it reads one: a password may be typed with "/", "?", "#" or "@" in it, so
    "https://j.smith:1987?Fall@clinic.example" may be the host "j.smith" on port 1987 or the
    user "j.smith" with the password "1987?Fall" at clinic.example,
    "https://ana:pa/ss@clinic.org#x@evil.example" may name clinic.org or evil.example
    (rev34a F1), and "https://clinic.org:8443/journal@evil.example" clinic.org (yarl's
    reading) or evil.example (rev34b F1): no host is guessed then. NOT_SHOWN for an address
    holding a character no URL may hold (RFC 3986 2: a space, or anything outside ASCII: a
    full-width "＠" is "@" to yarl's NFKC normalization, rev34b F3), and when nothing of one
    holding "@" can be shown so ("the address given" for one without "@" that is all query
    or fragment). Pure."""
    url = url.strip()
    if not _URL_CHARACTERS.fullmatch(url):
        return NOT_SHOWN
    if "@" not in url:
        return url.split("?")[0].split("#")[0] or "the address given"
    scheme, separator, rest = url.partition("://")
    if not separator or scheme.lower() not in ("http", "https"):
        return NOT_SHOWN
    hosts = _host_readings(rest)
    if len(hosts) != 1:
        return NOT_SHOWN
    host = hosts.pop()
    parsed = _parsed_host(url)  # None for a password holding "/": fix34e's one reading
    return f"{scheme.lower()}://{host}" if parsed in (None, host.lower()) else NOT_SHOWN


def _parsed_host(url: str) -> str | None:
    """The host (with a port given in it) that aiohttp reads in `url` (`yarl.URL`), written
    as `_host_readings` writes one (an IPv6 address in brackets), in lower case; None when
    yarl reads none or refuses the address. Pure."""
    try:
        parsed = yarl.URL(url)
    except ValueError:
        return None
    host = parsed.raw_host
    if not host:
        return None
    host = f"[{host}]" if ":" in host else host
    port = parsed.explicit_port
    return (host if port is None else f"{host}:{port}").lower()


_URL_CHARACTERS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*")
"""The characters a URL may hold (RFC 3986 section 2: unreserved, reserved and "%"): no space,
nothing outside ASCII (an address of others is refused, `normalize_url`, never shown,
`shown_url`)."""


NOT_SHOWN = "the address given (not shown: it may hold a password)"
"""What `shown_url` shows of an address of which nothing can be shown: no host reads in it,
or more than one may be its host."""


def _host_readings(rest: str) -> set[str]:
    """The hosts (with any port) that an address holding "@" may name, `rest` its part after
    "://": the part before its first "/", "?" or "#" when that is a host with no "@", whatever
    follows it ("/journal@evil.example" is its path to aiohttp: rev34b F1); and for each
    "@", what follows it up to the next "/", "?" or "#" when that is a host and what comes
    before it reads as a user name (no "/", "?" or "#" before its first ":"; a password
    after that ":" may hold anything). Pure."""
    found: set[str] = set()
    authority = _AUTHORITY_END.split(rest, maxsplit=1)[0]
    if "@" not in authority and _is_host(authority):  # whatever its path holds (rev34b F1)
        found.add(authority)
    for at in (i for i, char in enumerate(rest) if char == "@"):
        user = rest[:at].partition(":")[0]
        host = _AUTHORITY_END.split(rest[at + 1 :], maxsplit=1)[0]
        if not _AUTHORITY_END.search(user) and _is_host(host):
            found.add(host)
    return found


def _is_host(text: str) -> bool:
    """Whether `text` reads as a host and port only: a dotted name or address, "localhost" or
    a bracketed IPv6 address, any port in digits (`shown_url`)."""
    if not _HOST.fullmatch(text):
        return False
    if text.startswith("["):
        name, _, port = text.partition("]")
        port = port.removeprefix(":")
    else:
        name, _, port = text.partition(":")
    return (port == "" or port.isdigit()) and (
        "." in name or name.lower() == "localhost" or name.startswith("[")
    )


_AUTHORITY_END = re.compile(r"[/?#]")
"""Where an address's authority (user name, password, host and port) ends (RFC 3986 3.2)."""


_HOST = re.compile(r"[A-Za-z0-9.\-_~%:\[\]]+")
"""A host (a name, an IPv4 or a bracketed IPv6 address) and its port, as `shown_url` shows
one: nothing of a query that held an "@" passes."""


def normalize_url(url: str) -> str:
    """The server's address as the SDK keeps it: trimmed, without a trailing "/", its scheme
    in lower case ("HTTPS://" is "https://"). Raises InvalidInput (subject "value") for an
    address that does not start with http:// or https://, names no host, or holds a query
    ("?..."), a fragment ("#...") or the API's path ("/v1", "/v1/sync"): the SDK adds the
    API's paths itself, and a server answering a path twice over refuses as if the account
    did not exist. A path before the API's (a server behind a proxy at "/journal") is kept.
    A user name or password in it ("https://user:password@host") is refused too (InvalidInput,
    subject "value"), and so is an address holding a character no URL may hold (a space,
    anything outside ASCII: a full-width "＠" is "@" to aiohttp, rev34b F3) or naming no host
    aiohttp reads: never repeated, nor kept. The error never repeats a user name, a password,
    a query or a fragment (`shown_url`)."""
    url = url.strip().rstrip("/")
    if not _URL_CHARACTERS.fullmatch(url):  # nothing of it repeated: it may hold a password
        raise InvalidInput(
            "the server address holds a character no web address may hold (a space, or a "
            'letter or sign outside ASCII such as a full-width "@"; the address is not '
            "repeated here, as it may hold a password): type it again in plain ASCII, as "
            "https://HOST or https://HOST:PORT",
            subject=BAD_VALUE,
        )
    scheme, separator, rest = url.partition("://")
    if "@" in url:  # wherever it is: a password may hold "/", "?" or "#"; never repeated
        shown = shown_url(url)
        give = f"give {shown!r}" if "://" in shown else "give the address without it"
        raise InvalidInput(
            "the server address must not hold a user name or password (the part before "
            f'"@"): {give}, and keep the password out of it',
            subject=BAD_VALUE,
        )
    if not separator or scheme.lower() not in ("http", "https"):
        raise InvalidInput(
            f"the server address must start with http:// or https://, not {shown_url(url)!r}",
            subject=BAD_VALUE,
        )
    url = f"{scheme.lower()}://{rest}"
    host, _, path = rest.partition("/")
    segments = path.split("/")
    if "?" in url or "#" in url or not host or "v1" in segments:
        kept = segments[: segments.index("v1")] if "v1" in segments else []
        prefix = "/".join(kept).split("?")[0].split("#")[0].rstrip("/")  # a proxy's path
        shown = f"{scheme.lower()}://{host.split('?')[0].split('#')[0]}"
        shown += f"/{prefix}" if prefix else ""
        secret = "?" in url or "#" in url  # a token may sit there: never repeated
        raise InvalidInput(
            f"give the server's address without a path to the API, a query or a fragment: "
            f"{shown!r}"
            + (", and keep any token out of it" if secret else f", not {shown_url(url)!r}"),
            subject=BAD_VALUE,
        )
    if _parsed_host(url) is None:  # as the transport would connect: aiohttp reads no host
        raise InvalidInput(
            "the server address names no host a client can connect to (the address is not "
            "repeated here): give it as https://HOST or https://HOST:PORT",
            subject=BAD_VALUE,
        )
    return url


LONGEST_RETRY_AFTER_S = 366 * 86400.0
"""A Retry-After above a year is read as a year: nothing waits that long anyway (RetryPolicy,
upload_limit.py), and a server's absurd number must not overflow a date."""


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: delay-seconds or an HTTP date (RFC 9110
    section 10.2.3), at most LONGEST_RETRY_AFTER_S; None when absent or unreadable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), LONGEST_RETRY_AFTER_S)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return min(max(moment.timestamp() - time.time(), 0.0), LONGEST_RETRY_AFTER_S)


SESSION_UNSURE = (
    "the server no longer accepts this device's session: log in again (the session may have "
    "expired: one lasts 30 days from its login; else, if the server then refuses the password "
    "you used until now, it may have been changed on another device, or the account may have "
    "been deleted from another device; this device still holds its copy)"
)
"""An `auth_failed` to a call made with a session whose end this device does not know
(`Transport.session_ends_ms` None): each thing it can be, the likeliest first."""


def session_told(error: TJError, ends_ms: int | None) -> TJError:
    """`error` as told to the user: an `auth_failed` answered to a call made with this
    device's session (subject SESSION_ENDED) after the session's end by this device's clock
    (`ends_ms`) is the expired session (the words and subject of `token_expired`; `code`
    and `detail` stay the server's), never a possibly deleted account; with `ends_ms`
    unknown, SESSION_UNSURE says which it could be. Any other error is returned as it is."""
    if error.subject != SESSION_ENDED:
        return error
    if ends_ms is not None and now_ms() < ends_ms:
        return error
    expired = ends_ms is not None
    told = type(error)(words_for("token_expired", 401) if expired else SESSION_UNSURE)
    told.code, told.detail = error.code, error.detail
    told.subject = SESSION_EXPIRED if expired else SESSION_ENDED
    return told


def _ours(error: TJError) -> bool:
    """Whether `error` (`_error_from`) is an error reply of this API: a Therapy Journal
    server's answer, not a proxy's or another web server's page (code `unknown`)."""
    return error.subject != NOT_A_JOURNAL_SERVER and error.code != "unknown"


def _error_from(
    status: int, raw: bytes, retry_after: float | None, path: str = "", server: str = ""
) -> TJError:
    """The TJError of an error `status` answered to `path` at `server` (its base URL) with
    the body `raw`. A body that is no error reply of this API, with a status no proxy in front
    of the server gives by itself (PROXY_STATUSES), is another web server's answer: said so,
    naming `server`, subject NOT_A_JOURNAL_SERVER, never transient (nu80 F3)."""
    ours = True
    try:
        reply = wire.decode(wire.ErrorReply, raw)
        code, detail = reply.code, reply.message
    except wire.WireError:
        code, detail = "unknown", None
        ours = status in PROXY_STATUSES
    # the SDK's own words for the code (error_words.py); the server's text only as detail
    text = words_for(code, status, path) if ours else not_a_journal_server(server, status)
    if ours and code == "signup_throttled":
        text = signup_limit_words(detail)
    error_type = STATUS_ERRORS.get(status)
    error: TJError
    if status == 429:
        wait = retry_after if retry_after is not None else 60.0
        at = datetime.now(UTC) + timedelta(seconds=wait)
        seconds = max(1, round(wait))
        error = RateLimited(f"{text}; try again after {at:%H:%M:%S} UTC (in {seconds} s)", wait, at)
    elif status == 413 and code.endswith("_quota_exceeded"):
        error = QuotaExceeded(text)
    elif error_type is not None:
        error = error_type(text)
    else:
        transient = ours and (status >= 500 or status in TRANSIENT_STATUSES)
        error = NetworkError(text, transient=transient, retry_after=retry_after)
    error.code = code
    error.detail = detail
    subject = subject_for(code, path)
    if subject is not None:
        error.subject = subject
    if not ours:
        error.subject = NOT_A_JOURNAL_SERVER
    return error
