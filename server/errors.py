"""Server errors. Each carries its HTTP status and a stable code (listed in protocol.md);
one middleware renders them all as msgpack `{"code": ..., "message": ...}`.

    ServerError
    ├── BadRequest (400)        malformed_body, invalid_field, missing_field, invalid_username,
    │   │                       invalid_signature, duplicate_record, malformed_request,
    │   │                       invalid_kdf_cost
    │   └── BodyRefused         malformed_body (400), too_large (413), unsupported_media_type
    │                           (415): refused unread or mid-body, the connection closed
    ├── TooLarge (413)          too_large
    ├── QuotaExceeded (413)     journal_quota_exceeded, device_quota_exceeded,
    │                           storage_quota_exceeded, share_quota_exceeded
    ├── Unauthorized (401)      auth_required, auth_failed, token_expired, device_revoked
    ├── Forbidden (403)         forbidden
    ├── NotFound (404)          not_found
    ├── MethodNotAllowed (405)  method_not_allowed
    ├── BodyTimeout (408)       body_timeout
    ├── Conflict (409)          username_taken, device_id_taken, journal_exists,
    │                           record_conflict
    ├── UnsupportedMedia (415)  unsupported_media_type
    ├── TooManyRequests (429)   login_throttled, write_rate_exceeded, lookup_rate_exceeded,
    │                           signup_throttled, live_limit, connection_limit
    └── StorageError (503)      storage_unavailable
"""

from __future__ import annotations


class ServerError(Exception):
    status = 500
    code = "internal_error"
    # True when the request body was left unread (refused part-way): the answer carries
    # `Connection: close` and the connection is dropped instead of draining the rest.
    closes_connection = False

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class BadRequest(ServerError):
    status = 400
    code = "invalid_field"


class TooLarge(ServerError):
    status = 413
    code = "too_large"


class BodyRefused(BadRequest):
    """A request body refused before or while it was still arriving (it does not decompress,
    it grows past a limit, or a public endpoint is sent a compressed one): the connection is
    closed after the answer."""

    closes_connection = True

    def __init__(self, message: str, code: str = "malformed_body", status: int = 400) -> None:
        super().__init__(message, code)
        self.status = status


class QuotaExceeded(ServerError):
    """An account limit (journals, devices, stored bytes, shares) is reached: retrying the
    same request cannot succeed until the account frees something or the limit is raised."""

    status = 413
    code = "storage_quota_exceeded"


class Unauthorized(ServerError):
    status = 401
    code = "auth_failed"


class Forbidden(ServerError):
    status = 403
    code = "forbidden"


class NotFound(ServerError):
    status = 404
    code = "not_found"


class MethodNotAllowed(ServerError):
    status = 405
    code = "method_not_allowed"


class BodyTimeout(ServerError):
    """The request body did not arrive in time (`Settings.body_timeout_ms`); the connection
    is closed after the answer."""

    status = 408
    code = "body_timeout"
    closes_connection = True


class Conflict(ServerError):
    status = 409
    code = "conflict"


class UnsupportedMedia(ServerError):
    status = 415
    code = "unsupported_media_type"


class TooManyRequests(ServerError):
    """A rate limit: the same request succeeds after `retry_after_ms` (sent as Retry-After).
    Also signup_throttled (signups per client address an hour)."""

    status = 429
    code = "write_rate_exceeded"

    def __init__(self, message: str, retry_after_ms: int, code: str | None = None) -> None:
        super().__init__(message, code)
        self.retry_after_ms = max(0, retry_after_ms)


class StorageError(ServerError):
    """The database failed; rendered as a 503 so clients retry, never as a traceback."""

    status = 503
    code = "storage_unavailable"
