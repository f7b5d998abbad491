"""Server errors. Each carries its HTTP status and a stable code (listed in protocol.md);
one middleware renders them all as msgpack `{"code": ..., "message": ...}`.

    ServerError
    ├── BadRequest (400)        malformed_body, invalid_field, missing_field, invalid_username,
    │                           invalid_signature, duplicate_record, malformed_request
    ├── TooLarge (413)          too_large
    ├── Unauthorized (401)      auth_required, auth_failed, token_expired, device_revoked
    ├── Forbidden (403)         forbidden
    ├── NotFound (404)          not_found
    ├── MethodNotAllowed (405)  method_not_allowed
    ├── Conflict (409)          username_taken, journal_exists, record_conflict
    ├── UnsupportedMedia (415)  unsupported_media_type
    └── StorageError (503)      storage_unavailable
"""

from __future__ import annotations


class ServerError(Exception):
    status = 500
    code = "internal_error"

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


class Conflict(ServerError):
    status = 409
    code = "conflict"


class UnsupportedMedia(ServerError):
    status = 415
    code = "unsupported_media_type"


class StorageError(ServerError):
    """The database failed; rendered as a 503 so clients retry, never as a traceback."""

    status = 503
    code = "storage_unavailable"
