"""The aiohttp application: `create_app` wires storage, service, middleware and routes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from aiohttp import web

from client_sdk import wire
from server import logs, routes, throttle
from server.errors import (
    BodyRefused,
    MethodNotAllowed,
    NotFound,
    ServerError,
    StorageError,
    TooManyRequests,
    Unauthorized,
    UnsupportedMedia,
)
from server.service import Service, Settings
from server.storage.base import Storage
from server.storage.postgres import PostgresStorage, is_postgres_url
from server.storage.sqlite import SQLiteStorage

log = logging.getLogger("tj.server")
DB_NAME = "journal.db"


def wall_clock_ms() -> int:
    return int(time.time() * 1000)


def error_response(
    status: int, code: str, message: str, retry_after_ms: int | None = None
) -> web.Response:
    body = wire.encode(wire.ErrorReply(code, message))
    response = web.Response(status=status, body=body, content_type=routes.MSGPACK)
    if retry_after_ms is not None:
        response.headers["Retry-After"] = str(max(1, -(-retry_after_ms // 1000)))
    return response


@web.middleware
async def errors_middleware(request: web.Request, handler: routes.Handler) -> web.StreamResponse:
    """Render every failure as `{code, message}`; log the code, never a payload or token."""
    try:
        return await handler(request)
    except ServerError as error:
        return refusal(request, error)
    except wire.WireError as error:
        status = 413 if error.code == "too_large" else 400
        log.info("%s -> %s %s", where(request), status, error.code, extra={"client_fault": True})
        return error_response(status, error.code, error.message)
    except web.HTTPRequestEntityTooLarge:
        return error_response(413, "too_large", f"the body exceeds {wire.MAX_BODY_BYTES} bytes")
    except web.RequestPayloadError:
        message = "the body cannot be read: check its Content-Encoding and framing"
        refused = error_response(400, "malformed_body", message)
        refused.force_close()  # "Connection: close"
        return refused
    except ConnectionError as error:
        # The client went away mid-request (a reset while its body was read): its doing, not
        # the server's. One rate-limited WARNING line, no traceback; the answer is never sent.
        log.warning(
            "%s -> client went away (%s)",
            where(request),
            type(error).__name__,
            extra={"client_fault": True},
        )
        gone = error_response(400, "malformed_body", "the connection was lost")
        gone.force_close()
        return gone
    except sqlite3.Error as error:
        log.error("storage failure on %s: %s", where(request), type(error).__name__)
        failure = StorageError("the database is unavailable; try again")
        return error_response(failure.status, failure.code, failure.message)
    except web.HTTPClientError as error:
        # aiohttp's own refusals, e.g. a GET on the live channel without a WebSocket handshake.
        log.info("%s -> %s malformed_request", where(request), error.status)
        reason = (error.text or error.reason).strip()[:200]
        return error_response(error.status, "malformed_request", f"bad request: {reason}")
    except web.HTTPException as error:
        # Any other answer aiohttp raises (none of the server's own code does): returned as
        # a response, so that `address_middleware` sends it like every other answer instead
        # of aiohttp writing it after the middleware returned, uncounted and without deadline.
        log.info("%s -> %s %s", where(request), error.status, error.reason)
        if error.status >= 500:
            return error_response(error.status, "internal_error", "the server failed; try again later")  # fmt: skip
        return error_response(error.status, "malformed_request", f"bad request: {error.reason}")
    except Exception:
        log.exception("unexpected failure on %s", where(request))
        return error_response(500, "internal_error", "the server failed; try again later")


def refusal(request: web.Request, error: ServerError) -> web.Response:
    """The answer to a request refused with `error`; its code logged, never a payload."""
    fault = {"client_fault": error.status < 500}
    log.info("%s -> %s %s", where(request), error.status, error.code, extra=fault)
    retry_after = error.retry_after_ms if isinstance(error, TooManyRequests) else None
    response = error_response(error.status, error.code, error.message, retry_after)
    if error.closes_connection:
        response.force_close()  # the rest of the body may still be on its way
    return response


def where(request: web.Request) -> str:
    """`METHOD /path` of a request for a log line, without any byte the client chose."""
    return logs.where(request, routes.ROUTES)


@web.middleware
async def address_middleware(request: web.Request, handler: routes.Handler) -> web.StreamResponse:
    """Count the request under its client address from its start until its answer is
    written (a live socket: while it is open); past `Settings.max_requests_per_address` it
    is refused 429 `connection_limit`, before anything else is looked at
    (Service.take_request_slot). Every answer is sent here within its send deadline
    (`send_answer`), and all but that 429 inside the count: a refusal by `errors_middleware`
    included (it turns every failure, aiohttp's own HTTP exceptions too, into a response).
    aiohttp would send a returned answer after the middleware returned, counted by nothing
    and with no deadline."""
    service = request.app[routes.SERVICE]
    if not service.forwarding_warned:
        warn_of_unread_forwarding(request, service)
    try:  # taken and given back by hand: every request passes here (issue 10's no-op sync)
        taken = service.take_request_slot(routes.client(request))
    except TooManyRequests as refused:
        busy = refusal(request, refused)  # a short answer, and the connection closes
        await send_answer(request, busy, service.settings)
        return busy
    try:
        response = await handler(request)
        await send_answer(request, response, service.settings)
        return response
    finally:
        service.open_requests.release(taken)


async def send_answer(request: web.Request, response: web.StreamResponse, settings: Settings) -> None:  # fmt: skip
    """Write `response` (unless its handler already did: a live socket) within
    `Settings.send_deadline_s` of its size. A client that does not take it in time is
    dropped (its connection aborted, one INFO line without payload); one that went away is
    left to aiohttp, which sees the closed connection when it finishes the response."""
    if response.prepared:
        return
    size = response.content_length or 0
    deadline_s = settings.send_deadline_s(size)
    try:
        async with asyncio.timeout(deadline_s):
            await response.prepare(request)
            await response.write_eof()
    except TimeoutError:
        log.info(
            "%s -> answer of %d bytes not taken within %d ms: connection dropped",
            where(request),
            size,
            round(deadline_s * 1000),
            extra={"client_fault": True},
        )
        if request.transport is not None:
            request.transport.abort()
    except ConnectionError:
        pass  # the client went away before it had its answer: nothing left to do


FORWARDING_HEADERS = ("X-Forwarded-For", "Forwarded")


def warn_of_unread_forwarding(request: web.Request, service: Service) -> None:
    """Log one WARNING per application, the first time a request carries X-Forwarded-For or
    Forwarded that the server does not read: from a peer that is not a `--trusted-proxy`, or
    only Forwarded from one. Behind such a proxy every client is counted under the proxy's
    address, so one address's limits (`--max-requests-per-address` above all) become limits
    on everyone. No header value or address is logged."""
    forwarded_for = "X-Forwarded-For" in request.headers
    if not any(name in request.headers for name in FORWARDING_HEADERS):
        return
    if not throttle.trusted_peer(request.remote, service.trusted_proxies):
        service.forwarding_warned = True
        hint = " (this peer is on loopback: --trusted-proxy 127.0.0.1, or ::1)"
        log.warning(
            "a request carries X-Forwarded-For or Forwarded from a peer that is not a "
            "--trusted-proxy, so the headers are ignored. If a reverse proxy forwards to this "
            "server, declare it with --trusted-proxy ADDRESS%s: until then every client behind "
            "it shares the proxy's address and its limits, --max-requests-per-address above "
            "all. Said once.",
            hint if throttle.loopback(request.remote) else "",
        )
    elif not forwarded_for:
        service.forwarding_warned = True
        log.warning(
            "a trusted proxy sent Forwarded without X-Forwarded-For: the server reads only "
            "X-Forwarded-For, so every client behind that proxy shares its address and its "
            "limits; make the proxy set X-Forwarded-For. Said once."
        )


# The characters of a session token (base64url, service.Service makes them): any other byte,
# one that is not UTF-8 included (aiohttp keeps those as surrogates), is 401 `auth_failed`.
TOKEN = re.compile(r"[A-Za-z0-9_-]+")
CODINGS = frozenset({"identity", "gzip", "x-gzip", "deflate"})  # what routes.read_body inflates


@web.middleware
async def auth_middleware(request: web.Request, handler: routes.Handler) -> web.StreamResponse:
    """Resolve the route, check the method and media type, and authenticate non-public calls."""
    if request.path not in routes.ROUTES:
        raise NotFound("no such endpoint")
    if request.path == routes.LIVE_PATH:
        if request.method != "GET":
            raise MethodNotAllowed("the live channel is a WebSocket: connect with GET")
    elif request.method != "POST":
        raise MethodNotAllowed("every endpoint takes POST with a msgpack body")
    elif request.content_type != routes.MSGPACK:
        raise UnsupportedMedia(f"send the body as {routes.MSGPACK}")
    elif request.headers.get("Content-Encoding", "identity").strip().lower() not in CODINGS:
        # Refused before the body is read, every coding alike (br and zstd too: aiohttp does
        # not decode request bodies here, see `handler_options`).
        raise UnsupportedMedia("send the body without a Content-Encoding, or gzip or deflate")
    elif (
        request.path in routes.PUBLIC_PATHS
        and request.headers.get("Content-Encoding", "identity").strip().lower() != "identity"
    ):
        # A stranger's body is never inflated (REV-SRV F4): refused unread, connection closed.
        raise BodyRefused(
            "send the body of a public endpoint without a Content-Encoding",
            code=UnsupportedMedia.code,
            status=UnsupportedMedia.status,
        )
    if request.path not in routes.PUBLIC_PATHS:
        header = request.headers.get("Authorization", "")
        # The scheme in any case, then one space or more (RFC 7235 `1*SP`, RFC 6750 2.1).
        scheme, _, token = header.partition(" ")
        token = token.lstrip(" ")
        bearer = scheme.isascii() and scheme.lower() == "bearer"
        if not bearer or not token or len(token) > 128:
            raise Unauthorized("log in first: this endpoint needs a session", code="auth_required")
        if not TOKEN.fullmatch(token):  # no token of ours: no lookup (REV-SRV F2)
            raise Unauthorized("this session is not valid; log in again")
        request[routes.CALLER_KEY] = await request.app[routes.SERVICE].authenticate(token)
    return await handler(request)


async def dispatch(request: web.Request) -> web.StreamResponse:
    return await routes.ROUTES[request.path](request)


async def open_storage(data_dir: Path | str | None, database: str | None) -> Storage:
    """PostgreSQL for a `postgresql://` URL, else SQLite under `data_dir`; migrated."""
    if database:
        if not is_postgres_url(database):
            raise ValueError("--database takes a postgresql:// URL (SQLite uses --data)")
        return await PostgresStorage.open(database)
    assert data_dir is not None
    return await SQLiteStorage.open(Path(data_dir) / DB_NAME)


async def purge_periodically(service: Service) -> None:
    """Delete expired login challenges and stale counters every `purge_interval_ms`, so they
    do not pile up on a server where nobody logs in."""
    while True:
        await asyncio.sleep(service.settings.purge_interval_ms / 1000)
        try:
            await service.purge()
        except (sqlite3.Error, StorageError) as error:
            log.warning(
                "purge of expired challenges failed: %s; retrying later", type(error).__name__
            )


def handler_options(settings: Settings) -> dict[str, object]:
    """How aiohttp's HTTP protocol handler treats every connection, whoever runs the app
    (`tj-server`, its workers, the tests): these override what a runner passes.

    - `auto_decompress` off: aiohttp would inflate gzip and deflate bodies itself, with a
      body deadline we could then only measure in inflated bytes (R9B finding 1), and it
      answers br or zstd with its own text/plain 400 (finding 10). `routes.read_body`
      inflates instead, bounded as it streams, on a deadline counted in bytes on the wire.
    - `keepalive_timeout`: aiohttp arms it when a connection opens and after each answer,
      and closes the connection if no complete request (line and headers) arrived by then.
      That is the header deadline (finding 13): `Settings.header_timeout_ms`, by default
      the body timeout, so idle keep-alive connections are bounded by it too."""
    return {"auto_decompress": False, "keepalive_timeout": settings.header_deadline_s}


def create_app(
    data_dir: Path | str | None = None,
    *,
    database: str | None = None,
    storage: Storage | None = None,
    settings: Settings | None = None,
    clock: Callable[[], int] = wall_clock_ms,
) -> web.Application:
    """The server as an aiohttp Application: on PostgreSQL when `database` is a
    `postgresql://` URL, else on SQLite under `data_dir`, or on a given storage."""
    if storage is None and data_dir is None and not database:
        raise ValueError("create_app needs a data directory, a database URL or a storage")
    app = web.Application(
        middlewares=[address_middleware, errors_middleware, auth_middleware],
        client_max_size=wire.MAX_BODY_BYTES,
        handler_args=handler_options(settings or Settings()),
    )

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        fault_filter = logs.ClientFaultFilter()  # this application's own flood budget
        logs.install(fault_filter)
        try:
            backend = storage or await open_storage(data_dir, database)
            server_id, secret = await backend.server_secrets()
            service = Service(backend, clock, settings or Settings(), server_id, secret)
            await backend.subscribe(service.live.deliver)
            app[routes.SERVICE] = service
            purger = asyncio.create_task(purge_periodically(service))
            yield
            purger.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await purger
            await backend.close()
        finally:
            logs.uninstall(fault_filter)

    async def close_live_sockets(app: web.Application) -> None:
        if routes.SERVICE in app:
            await app[routes.SERVICE].live.shut_down()

    app.cleanup_ctx.append(lifecycle)
    app.on_shutdown.append(close_live_sockets)
    app.router.add_route("*", "/{tail:.*}", dispatch)
    return app
