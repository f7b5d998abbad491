"""Thin HTTP handlers: decode the wire message, call the service, encode the reply."""

from __future__ import annotations

import asyncio
import functools
import logging
import sqlite3
import zlib
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from client_sdk import wire
from server import throttle
from server.errors import BodyRefused, BodyTimeout, NotFound, ServerError, Unauthorized
from server.live import Answer
from server.live import serve as serve_live
from server.service import Caller, Service

log = logging.getLogger("tj.server")
SERVICE: web.AppKey[Service] = web.AppKey("service", Service)
CALLER_KEY: web.RequestKey[Caller] = web.RequestKey("caller", Caller)
MSGPACK = "application/msgpack"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Endpoints reachable without a session token.
LIVE_PATH = "/v1/live"  # the one GET endpoint: a WebSocket upgrade

PUBLIC_PATHS = frozenset(
    {
        "/v1/auth/prelogin",
        "/v1/auth/signup",
        "/v1/auth/challenge",
        "/v1/auth/login",
        "/v1/auth/recover",
        "/v1/health",
    }
)


# The largest body of an endpoint whose messages are small (protocol.md 2.5), checked against
# Content-Length before reading and while reading; every other endpoint takes up to
# wire.MAX_BODY_BYTES. The public ones matter most (REV-SRV F4): a stranger must not make
# the server hold 16 MiB per connection. A signup, the largest of them, is under 10 KiB.
KIB = 1024
SMALL_BODY_BYTES = KIB  # an `Empty`
AUTH_BODY_BYTES = 64 * KIB
BODY_LIMITS = {
    "/v1/health": SMALL_BODY_BYTES,
    "/v1/auth/prelogin": AUTH_BODY_BYTES,
    "/v1/auth/signup": AUTH_BODY_BYTES,
    "/v1/auth/challenge": AUTH_BODY_BYTES,
    "/v1/auth/login": AUTH_BODY_BYTES,
    "/v1/auth/recover": AUTH_BODY_BYTES,
    "/v1/auth/logout": SMALL_BODY_BYTES,
    "/v1/account/recovery-key/current": SMALL_BODY_BYTES,
}


def body_limit(path: str) -> int:
    """The largest request body `path` takes (BODY_LIMITS, else wire.MAX_BODY_BYTES)."""
    return BODY_LIMITS.get(path, wire.MAX_BODY_BYTES)


def reply(message: Any) -> web.Response:
    return web.Response(body=wire.encode(message), content_type=MSGPACK)


MIB = 1024 * 1024
# A compressed body may inflate to MAX_INFLATION times the bytes that came on the wire, plus
# INFLATION_ALLOWANCE: the SDK never compresses, and msgpack of ciphertext, ids and
# signatures (random bytes) hardly compresses at all, while gzipped zeros inflate 1,000
# times (R9B finding 1). Past it: 413 `too_large`.
MAX_INFLATION = 32
INFLATION_ALLOWANCE = MIB


async def body(request: web.Request, cls: type[wire.M]) -> wire.M:
    """The request's body as `cls`, read under the route's size limit (`body_limit`) and
    deadline: a public endpoint's (anyone may call it) is `public_body_deadline_ms`, whole."""
    return wire.decode(cls, await body_bytes(request))


async def body_bytes(request: web.Request) -> bytes:
    """The request's body (`body`), not decoded."""
    settings = service(request).settings
    public = request.path in PUBLIC_PATHS
    timeout_ms = settings.public_body_deadline_ms if public else settings.body_timeout_ms
    return await read_body(request, timeout_ms, body_limit(request.path))


SYNC_REQUESTS_KEPT = 256
"""Bodies of /v1/sync requests kept decoded (`sync_request`), the most recently used, over
all accounts."""
KEPT_SYNC_BYTES = 2048
"""The largest /v1/sync body kept decoded: one of a device with up to 40 journals (a
therapist with thirty clients, who polls most). Measured (rev32b F2): 40 cursors, each
counter at the U63 maximum, with a 16-byte `after_journal`, encode to 1861 bytes (1621 with
5-digit counters); 30 cursors to 1411."""


def sync_request(raw: bytes, account_id: bytes) -> wire.SyncRequest:
    """`raw`, the body of a /v1/sync request of the account `account_id`, decoded as a
    SyncRequest (`wire.decode`, WireError when it does not fit): the same bytes again from
    the same account (a device's sync with nothing new, every few seconds, issue 10) are
    the message they decoded to before, not decoded again; decoding is a function of the
    bytes alone, and the message is only read (`Service.sync`). Kept per account: no
    object, and no time saved, is shared between accounts (rev32b F2). At most
    SYNC_REQUESTS_KEPT bodies of at most KEPT_SYNC_BYTES each are kept."""
    if len(raw) > KEPT_SYNC_BYTES:
        return wire.decode(wire.SyncRequest, raw)
    return _kept_sync_request(account_id, raw)


@functools.lru_cache(maxsize=SYNC_REQUESTS_KEPT)
def _kept_sync_request(account_id: bytes, raw: bytes) -> wire.SyncRequest:
    """`raw` decoded, kept by (account, bytes): `account_id` is only the key."""
    return wire.decode(wire.SyncRequest, raw)  # a WireError is raised, not kept


class Inflater:
    """Inflates a gzip or deflate body chunk by chunk, never beyond a given size."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        self._inflater: Any = None  # zlib's Decompress, made at the first byte

    def inflate(self, chunk: bytes, room: int) -> bytes:
        """The bytes `chunk` inflates to, at most `room` + 1 of them (one more than `room`
        means the body is larger than allowed; the rest is never inflated)."""
        if self._inflater is None:
            # HTTP's "deflate" is the zlib format (RFC 9110 8.4.1.2); some clients send raw
            # deflate, told apart by the first byte's compression method, as aiohttp does.
            raw_deflate = self.coding == "deflate" and chunk[0] & 0x0F != 8
            bits = -zlib.MAX_WBITS if raw_deflate else zlib.MAX_WBITS
            self._inflater = zlib.decompressobj(bits + (16 if "gzip" in self.coding else 0))
        if self._inflater.eof:
            raise BodyRefused("the body has bytes after its compressed stream")
        try:
            out: bytes = self._inflater.decompress(chunk, room + 1)
        except zlib.error:
            raise BodyRefused("the body does not decompress: check its Content-Encoding") from None
        return out

    def finish(self) -> None:
        """Check that the compressed stream ended, and with nothing after it."""
        if self._inflater is not None and (not self._inflater.eof or self._inflater.unused_data):
            raise BodyRefused("the body is not one whole compressed stream")


async def read_body(
    request: web.Request, timeout_ms: int, limit: int = wire.MAX_BODY_BYTES
) -> bytes:
    """The request body, inflated when it is gzip or deflate, at most `limit` bytes (the
    route's, `body_limit`) both on the wire and inflated, and inflated to at most
    MAX_INFLATION times its wire bytes plus INFLATION_ALLOWANCE. A Content-Length past
    `limit` is refused before a byte is read.

    It must keep arriving: the deadline is `timeout_ms` after the handler started, pushed
    back by `timeout_ms` for each MiB received *on the wire* (never for inflated bytes,
    R9B finding 1), so a client that stops sending (or trickles bytes) is answered 408
    `body_timeout` instead of holding its connection forever, while a 16 MiB push at
    1 Mbit/s (134 s) passes with the default 60 s (deadline 17 min). Raises BodyTimeout,
    BodyRefused (413 `too_large`, 400 `malformed_body`; the connection is then closed), and
    what aiohttp raises for a broken body (RequestPayloadError) or a client that went away
    (ConnectionError)."""
    coding = request.headers.get("Content-Encoding", "identity").strip().lower()
    content = request.content
    if (request.content_length or 0) > limit:
        raise too_large(f"the body exceeds {limit} bytes")
    if coding == "identity" and content.is_eof():
        # The whole body came with the request (a sync's, a push of a few records: one
        # segment on loopback): nothing to wait for, so no deadline to arm and cancel
        # (~40 µs of CPU a request on the 2-core machines, issue 10). Same size limit.
        whole = content.read_nowait()
        if len(whole) > limit:
            raise too_large(f"the body exceeds {limit} bytes")
        return whole
    loop = asyncio.get_running_loop()
    start, budget_s = loop.time(), timeout_ms / 1000
    inflater = None if coding == "identity" else Inflater(coding)
    received, wire_bytes = bytearray(), 0
    try:
        async with asyncio.timeout_at(start + budget_s) as deadline:
            while chunk := await request.content.readany():
                wire_bytes += len(chunk)
                if wire_bytes > limit:
                    raise too_large(f"the body exceeds {limit} bytes")
                if inflater is None:
                    received += chunk
                else:
                    allowed = min(limit, MAX_INFLATION * wire_bytes + INFLATION_ALLOWANCE)
                    received += inflater.inflate(chunk, allowed - len(received))
                    if len(received) > allowed:
                        raise too_large(
                            f"the body exceeds {limit} bytes"
                            if allowed == limit
                            else f"the body inflates to more than {MAX_INFLATION} times its "
                            "compressed size"
                        )
                deadline.reschedule(start + budget_s * (1 + wire_bytes / MIB))
    except TimeoutError:
        raise BodyTimeout(
            f"the body did not arrive in time ({wire_bytes} bytes in "
            f"{loop.time() - start:.0f} s); send it again"
        ) from None
    if inflater is not None and wire_bytes:
        inflater.finish()
    return bytes(received)


def too_large(message: str) -> BodyRefused:
    return BodyRefused(message, code="too_large", status=413)


def caller(request: web.Request) -> Caller:
    found: Caller = request[CALLER_KEY]
    return found


def service(request: web.Request) -> Service:
    return request.app[SERVICE]


def client(request: web.Request) -> str:
    """The client address failed logins, signups and challenges are counted under
    (X-Forwarded-For only from a trusted proxy, see server/throttle.py)."""
    forwarded = request.headers.getall("X-Forwarded-For", [])
    return throttle.client_address(request.remote, forwarded, service(request).trusted_proxies)


async def health(request: web.Request) -> web.Response:
    await body(request, wire.Empty)
    return reply(wire.Empty())


async def prelogin(request: web.Request) -> web.Response:
    return reply(await service(request).prelogin(await body(request, wire.PreloginRequest)))


async def signup(request: web.Request) -> web.Response:
    message = await body(request, wire.SignupRequest)
    return reply(await service(request).signup(message, client(request)))


async def challenge(request: web.Request) -> web.Response:
    message = await body(request, wire.ChallengeRequest)
    return reply(await service(request).challenge(message))


async def login(request: web.Request) -> web.Response:
    message = await body(request, wire.LoginRequest)
    return reply(await service(request).login(message, "login", client(request)))


async def recover(request: web.Request) -> web.Response:
    message = await body(request, wire.LoginRequest)
    return reply(await service(request).login(message, "recover", client(request)))


async def logout(request: web.Request) -> web.Response:
    await body(request, wire.Empty)
    who = caller(request)
    await service(request).revoke_device(who, who.device_id)
    return reply(wire.Empty())


async def change_password(request: web.Request) -> web.Response:
    message = await body(request, wire.PasswordChangeRequest)
    return reply(await service(request).change_password(caller(request), message, client(request)))


async def replace_recovery_key(request: web.Request) -> web.Response:
    message = await body(request, wire.RecoveryKeyRequest)
    await service(request).replace_recovery_key(caller(request), message, client(request))
    return reply(wire.Empty())


async def current_recovery_key(request: web.Request) -> web.Response:
    await body(request, wire.Empty)
    return reply(await service(request).current_recovery_key(caller(request)))


async def delete_account(request: web.Request) -> web.Response:
    message = await body(request, wire.AccountDeleteRequest)
    await service(request).delete_account(caller(request), message, client(request))
    return reply(wire.Empty())


async def identity(request: web.Request) -> web.Response:
    message = await body(request, wire.IdentityRequest)
    return reply(await service(request).identity(caller(request), message, client(request)))


async def devices(request: web.Request) -> web.Response:
    message = await body(request, wire.ListRequest)
    return reply(await service(request).devices(caller(request), message))


async def sign_ins(request: web.Request) -> web.Response:
    message = await body(request, wire.SignInsRequest)
    return reply(await service(request).sign_ins(caller(request), message))


async def revoke_device(request: web.Request) -> web.Response:
    message = await body(request, wire.DeviceRevokeRequest)
    await service(request).revoke_device(caller(request), message.device_id)
    return reply(wire.Empty())


async def delete_journal(request: web.Request) -> web.Response:
    message = await body(request, wire.JournalRequest)
    await service(request).delete_journal(caller(request), message)
    return reply(wire.Empty())


async def rename_device(request: web.Request) -> web.Response:
    message = await body(request, wire.DeviceRenameRequest)
    await service(request).rename_device(caller(request), message)
    return reply(wire.Empty())


async def create_journal(request: web.Request) -> web.Response:
    message = await body(request, wire.JournalCreateRequest)
    await service(request).create_journal(caller(request), message)
    return reply(wire.Empty())


async def list_journals(request: web.Request) -> web.Response:
    message = await body(request, wire.ListRequest)
    return reply(await service(request).journals(caller(request), message))


async def journal_keys(request: web.Request) -> web.Response:
    message = await body(request, wire.KeyPageRequest)
    return reply(await service(request).journal_keys(caller(request), message))


async def update_meta(request: web.Request) -> web.Response:
    message = await body(request, wire.JournalMetaRequest)
    await service(request).update_meta(caller(request), message)
    return reply(wire.Empty())


async def push(request: web.Request) -> web.Response:
    message = await body(request, wire.PushRequest)
    return reply(await service(request).push(caller(request), message))


async def compact(request: web.Request) -> web.Response:
    message = await body(request, wire.CompactRequest)
    return reply(await service(request).compact(caller(request), message))


async def list_shares(request: web.Request) -> web.Response:
    message = await body(request, wire.ListRequest)
    return reply(await service(request).shares(caller(request), message))


async def rotate(request: web.Request) -> web.Response:
    message = await body(request, wire.RotateRequest)
    await service(request).rotate(caller(request), message)
    return reply(wire.Empty())


async def access_chains(request: web.Request) -> web.Response:
    message = await body(request, wire.AccessRequest)
    return reply(await service(request).access_chains(caller(request), message))


async def leave_share(request: web.Request) -> web.Response:
    message = await body(request, wire.JournalRequest)
    await service(request).leave_share(caller(request), message)
    return reply(wire.Empty())


async def audit(request: web.Request) -> web.Response:
    message = await body(request, wire.AuditRequest)
    return reply(await service(request).audit(caller(request), message))


async def identity_by_id(request: web.Request) -> web.Response:
    message = await body(request, wire.AccountRequest)
    return reply(await service(request).identity_by_id(caller(request), message))


async def accounts_known(request: web.Request) -> web.Response:
    message = await body(request, wire.AccountsRequest)
    return reply(await service(request).accounts_known(caller(request), message))


async def live(request: web.Request) -> web.StreamResponse:
    who = caller(request)
    server = service(request)
    token = request.headers.get("Authorization", "").partition(" ")[2]
    asked_for_calls = request.headers.get(wire.LIVE_CALLS_HEADER) == "1"
    async with server.live_slot(who):  # or 429 live_limit, no upgrade
        return await serve_live(
            request,
            server.live,
            who.account_id,
            who.device_id,
            lambda: server.session_left_ms(token),
            server.settings.live_check_interval_ms / 1000,
            live_answer(server, token, who) if asked_for_calls else None,
        )


def live_answer(server: Service, token: str, who: Caller) -> Answer:
    """How the socket of `who`, opened with `token`, answers a call (protocol.md GET
    /v1/live, "Calls on the live channel"): as the same HTTP request would be answered, its
    session authenticated again for each call (an expired or revoked one is 401, which also
    closes the socket), and always as the socket's own device, whatever the call says."""

    async def answer(call: wire.LiveCall) -> tuple[int, bytes, float]:
        status, body = await live_call(server, token, who, call)
        return status, body, server.settings.send_deadline_s(len(body))

    return answer


async def live_call(
    server: Service, token: str, who: Caller, call: wire.LiveCall
) -> tuple[int, bytes]:
    """(HTTP status, body) of one call on a live socket; failures rendered as an HTTP
    request's are (`ErrorReply`), their code logged, never a payload."""
    where = f"POST {call.path} (live)" if call.path in wire.LIVE_CALL_PATHS else "live call"
    try:
        caller = await server.authenticate(token)  # at each call: a revocation is seen at once
        if caller != who:  # a token names one device for good: never another's socket
            raise Unauthorized("this session is not the socket's; log in again")
        if call.path not in wire.LIVE_CALL_PATHS:
            raise NotFound("no such call on the live channel: send it as an HTTP POST")
        request = sync_request(call.body, caller.account_id)
        return 200, wire.encode(await server.sync(caller, request))
    except ServerError as error:
        fault = {"client_fault": error.status < 500}
        log.info("%s -> %s %s", where, error.status, error.code, extra=fault)
        return error.status, wire.encode(wire.ErrorReply(error.code, error.message))
    except wire.WireError as error:
        status = 413 if error.code == "too_large" else 400
        log.info("%s -> %s %s", where, status, error.code, extra={"client_fault": True})
        return status, wire.encode(wire.ErrorReply(error.code, error.message))
    except sqlite3.Error as error:
        log.error("storage failure on %s: %s", where, type(error).__name__)
        message = "the database is unavailable; try again"
        return 503, wire.encode(wire.ErrorReply("storage_unavailable", message))
    except Exception:
        log.exception("unexpected failure on %s", where)
        message = "the server failed; try again later"
        return 500, wire.encode(wire.ErrorReply("internal_error", message))


async def sync(request: web.Request) -> web.Response:
    who = caller(request)
    message = sync_request(await body_bytes(request), who.account_id)
    return reply(await service(request).sync(who, message))


ROUTES: dict[str, Handler] = {
    "/v1/health": health,
    "/v1/auth/prelogin": prelogin,
    "/v1/auth/signup": signup,
    "/v1/auth/challenge": challenge,
    "/v1/auth/login": login,
    "/v1/auth/recover": recover,
    "/v1/auth/logout": logout,
    "/v1/account/password": change_password,
    "/v1/account/recovery-key": replace_recovery_key,
    "/v1/account/recovery-key/current": current_recovery_key,
    "/v1/account/identity": identity,
    "/v1/account/delete": delete_account,
    "/v1/account/sign-ins": sign_ins,
    "/v1/devices/list": devices,
    "/v1/devices/revoke": revoke_device,
    "/v1/devices/rename": rename_device,
    "/v1/journals/create": create_journal,
    "/v1/journals/list": list_journals,
    "/v1/journals/keys": journal_keys,
    "/v1/journals/meta": update_meta,
    "/v1/journals/delete": delete_journal,
    "/v1/records/push": push,
    "/v1/records/compact": compact,
    "/v1/journals/rotate": rotate,
    "/v1/journals/access": access_chains,
    "/v1/shares/list": list_shares,
    "/v1/shares/audit": audit,
    "/v1/shares/leave": leave_share,
    "/v1/account/identity-by-id": identity_by_id,
    "/v1/account/known": accounts_known,
    "/v1/sync": sync,
    LIVE_PATH: live,
}
