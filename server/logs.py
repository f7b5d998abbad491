"""Quiet logs: what a client causes is at most one WARNING line without a traceback, and
a flood of them is rate-limited; no library logs SQL parameters, whatever the level.

Each application installs its own filter while it runs (`create_app`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection

from aiohttp.abc import AbstractAccessLogger
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web import BaseRequest, RequestPayloadError, StreamResponse

from server.routes import ROUTES

# Loggers through which client-caused trouble reaches the log.
CLIENT_FAULT_LOGGERS = ("aiohttp.server", "aiohttp.web", "aiohttp.websocket", "tj.server")
CLIENT_FAULTS: tuple[type[BaseException], ...] = (
    HttpProcessingError,
    RequestPayloadError,
    ConnectionError,
    TimeoutError,
)


class ClientFaultFilter(logging.Filter):
    """Turns a record caused by a client (malformed HTTP, a reset connection, a 4xx answer)
    into one WARNING line without traceback, and lets at most `burst` such lines through per
    `period_s`; the next line that passes says how many were dropped."""

    def __init__(
        self, burst: int = 20, period_s: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__()
        self.burst = burst
        self.period_s = period_s
        self._clock = clock
        self._window_start = clock()
        self._passed = 0
        self._dropped = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if not is_client_fault(record):
            return True
        now = self._clock()
        if now - self._window_start >= self.period_s:
            self._window_start, self._passed = now, 0
        if self._passed >= self.burst:
            self._dropped += 1
            return False
        self._passed += 1
        message = record.getMessage()
        error = record.exc_info[1] if record.exc_info else None
        if error is not None:
            # The exception's name and HTTP status only: its text may quote what the client
            # sent (aiohttp's LineTooLong holds the first bytes of an oversized header, i.e. a
            # token).
            message = f"{message}: {type(error).__name__}"
            if isinstance(error, HttpProcessingError) and error.code:
                message += f" ({error.code})"
        if self._dropped:
            message += f" ({self._dropped} similar lines dropped)"
            self._dropped = 0
        record.msg, record.args = message.replace("\n", " "), None
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        if record.levelno > logging.WARNING:
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def is_client_fault(record: logging.LogRecord) -> bool:
    if record.name == "tj.server":
        return getattr(record, "client_fault", False) is True
    error = record.exc_info[1] if record.exc_info else None
    return isinstance(error, CLIENT_FAULTS)


def install(fault_filter: ClientFaultFilter) -> None:
    """Put `fault_filter` on the loggers client faults reach."""
    for name in CLIENT_FAULT_LOGGERS:
        logger = logging.getLogger(name)
        if fault_filter not in logger.filters:
            logger.addFilter(fault_filter)


def uninstall(fault_filter: ClientFaultFilter) -> None:
    for name in CLIENT_FAULT_LOGGERS:
        logging.getLogger(name).removeFilter(fault_filter)


# Methods named as sent in access and error lines; any other is written "OTHER".
KNOWN_METHODS = frozenset({"GET", "POST", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"})
UNKNOWN_PATH = "(unknown path)"


def where(request: BaseRequest, paths: Collection[str]) -> str:
    """`METHOD /path` for a log line, echoing none of the client's bytes: a path outside
    `paths` (the server's endpoints) and its query string are never written (they may hold
    a token a client put in the URL), nor a method outside KNOWN_METHODS."""
    method = request.method if request.method in KNOWN_METHODS else "OTHER"
    path = request.path if request.path in paths else UNKNOWN_PATH
    return f"{method} {path}"


class AccessLogger(AbstractAccessLogger):
    """One access line per request: method, endpoint, status, reply bytes and time taken.
    No query string, header, client address or any other byte the client sent
    (`log_format` is ignored)."""

    @property
    def enabled(self) -> bool:
        """Whether access lines are written at all: not below INFO (`--log-level WARNING`),
        where aiohttp then skips building one per request (issue 10)."""
        return self.logger.isEnabledFor(logging.INFO)

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        self.logger.info(
            "%s %s %s %.3fs",
            where(request, ROUTES),
            response.status,
            response.body_length,
            time,
        )
