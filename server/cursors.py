"""Page positions of the paged lists (protocol.md 2.8): made by the server, opaque to clients.

A position is read back from a request's `after` before any of it reaches storage: its
length must be the kind's, and every number in it must fit the databases' signed 64-bit
integer (SQLite INTEGER, PostgreSQL BIGINT). A number read from 8 bytes big-endian goes up
to 2^64 - 1, and binding one past 2^63 - 1 makes the database driver fail (R9B finding 11):
such an `after` is no position the server ever gave, so it is 400 `invalid_field`.
"""

from __future__ import annotations

from client_sdk import wire
from server.errors import BadRequest

INT64_MAX = 2**63 - 1  # the largest integer SQLite and PostgreSQL (BIGINT) store
NOT_A_POSITION = "after must be the `next` of the previous page"

TimeAndId = tuple[int, bytes]
"""(created_at in ms since the epoch, UTC; a 16-byte id): devices and journals."""
TwoIds = tuple[bytes, bytes]
"""(journal id, member id): shares."""
AuditPosition = tuple[int, bytes, int]
"""(at in ms since the epoch, UTC; device id; up_to_seq): a journal's audit log."""


def _number(raw: bytes) -> int:
    """8 bytes big-endian as an integer in 0..INT64_MAX, else BadRequest."""
    number = int.from_bytes(raw, "big")
    if number > INT64_MAX:
        raise BadRequest(NOT_A_POSITION)
    return number


def _sized(after: bytes, size: int) -> bytes:
    if len(after) != size:
        raise BadRequest(NOT_A_POSITION)
    return after


def time_and_id(after: bytes) -> TimeAndId | None:
    """The position of a devices or journals page (None: the first page)."""
    if not after:
        return None
    _sized(after, 8 + wire.ID_BYTES)
    return _number(after[:8]), after[8:]


def time_and_id_next(created_at: int, item_id: bytes) -> bytes:
    """The `next` after an item ordered by (created_at, id): 8 bytes big-endian, then the id."""
    return created_at.to_bytes(8, "big") + item_id


def two_ids(after: bytes) -> TwoIds | None:
    """The position of a shares page (None: the first page)."""
    if not after:
        return None
    _sized(after, 2 * wire.ID_BYTES)
    return after[: wire.ID_BYTES], after[wire.ID_BYTES :]


def audit(after: bytes) -> AuditPosition | None:
    """The position of an audit log page (None: the first page)."""
    if not after:
        return None
    _sized(after, 16 + wire.ID_BYTES)
    return _number(after[:8]), after[8:24], _number(after[24:])


def audit_next(at: int, device_id: bytes, up_to_seq: int) -> bytes:
    """The `next` after an audit entry: `at`, the device id, `up_to_seq` (8 bytes big-endian)."""
    return at.to_bytes(8, "big") + device_id + up_to_seq.to_bytes(8, "big")
