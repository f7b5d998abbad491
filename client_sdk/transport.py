"""HTTP transport: posts wire messages, maps HTTP failures to SDK errors. No crypto here."""

from __future__ import annotations

from typing import Any

import aiohttp

from client_sdk import wire
from client_sdk.errors import (
    AccessError,
    AuthError,
    ConflictError,
    InvalidInput,
    NetworkError,
    NotFound,
    TJError,
)

MSGPACK = "application/msgpack"
STATUS_ERRORS: dict[int, type[TJError]] = {
    400: InvalidInput,
    401: AuthError,
    403: AccessError,
    404: NotFound,
    409: ConflictError,
    413: InvalidInput,
    415: InvalidInput,
}


class Transport:
    """One aiohttp session against one server; `token` is sent when set."""

    def __init__(self, base_url: str, token: str | None = None, timeout: float = 60.0) -> None:
        self.base_url = normalize_url(base_url)
        self.token = token
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def session(self) -> aiohttp.ClientSession:
        """The shared aiohttp session (created lazily, reused for every call)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def call(self, path: str, message: Any, reply: type[wire.M]) -> wire.M:
        headers = {"Content-Type": MSGPACK}
        if self.token is not None:
            headers["Authorization"] = f"Bearer {self.token}"
        url = self.base_url + path
        try:
            async with self.session().post(url, data=wire.encode(message), headers=headers) as resp:
                raw = await resp.read()
                status = resp.status
        except (TimeoutError, aiohttp.ClientError, OSError) as error:
            raise NetworkError(
                f"cannot reach the server at {self.base_url} ({type(error).__name__}); "
                "your changes are kept on this device and will sync later"
            ) from None
        if status != 200:
            raise _error_from(status, raw)
        try:
            return wire.decode(reply, raw)
        except wire.WireError as error:
            raise NetworkError(f"the server sent a malformed reply to {path}: {error}") from None


def normalize_url(url: str) -> str:
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise InvalidInput(f"the server address must start with http:// or https://, not {url!r}")
    return url


def _error_from(status: int, raw: bytes) -> TJError:
    try:
        reply = wire.decode(wire.ErrorReply, raw)
        code, message = reply.code, reply.message
    except wire.WireError:
        code, message = "unknown", f"the server answered HTTP {status}"
    error_type = STATUS_ERRORS.get(status, NetworkError)
    error = error_type(f"{message} [{code}]")
    error.code = code  # type: ignore[attr-defined]
    return error
