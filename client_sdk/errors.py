"""The SDK's errors. Every error a caller can act on derives from TJError:

    TJError
    ├── AuthError         wrong password, revoked device, expired session: log in again
    ├── AccessError       the account may not see or change that journal or record
    ├── IntegrityError    a record, bundle or key failed authentication: the data was altered
    ├── KeyChangedError   a peer's identity key differs from the one pinned: verify again
    ├── ConflictError     the server refused a write that collides with stored data
    ├── NotFound          no such journal, entry or account
    ├── NetworkError      the server could not be reached or answered nonsense
    └── InvalidInput      the caller passed something unusable (bad mood, bad name, ...)

Exceptions of aiohttp, aiosqlite, msgpack and PyNaCl are translated where they occur.
"""

from __future__ import annotations


class TJError(Exception):
    """Base of every SDK error; `str(error)` is a message a user can act on."""


class AuthError(TJError):
    pass


class AccessError(TJError):
    pass


class IntegrityError(TJError):
    def __init__(self, message: str, record_id: bytes | None = None) -> None:
        super().__init__(message)
        self.record_id = record_id


class KeyChangedError(TJError):
    pass


class ConflictError(TJError):
    pass


class NotFound(TJError):
    pass


class NetworkError(TJError):
    pass


class InvalidInput(TJError):
    pass
