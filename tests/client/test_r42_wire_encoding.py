"""R42 (hostile review of issue 10, p15-import): the wire encoding's exact-type dispatch
(fields looked up once per class) gives the bytes the isinstance-based encoding gave, for
subclasses too (bool for int, IntEnum, bytes and list subclasses, tuples, a message
subclass): compared with that encoding, as it was before the change."""

from __future__ import annotations

import dataclasses
import enum
from typing import Any

import msgpack
import pytest

from client_sdk import wire


def before(value: Any) -> Any:
    """`wire._to_plain` as it was before issue 10's exact-type dispatch."""
    if isinstance(value, list):
        return [before(item) for item in value]
    if isinstance(value, (bytes, int, str)) or value is None:
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        plain = {}
        for name, default in wire._defaults(type(value)):
            item = getattr(value, name)
            if default is dataclasses.MISSING or not wire._at_default(item, default):
                plain[name] = before(item)
        return plain
    return value


class Small(enum.IntEnum):
    ONE = 1
    SEVEN = 7


class Id(bytes):
    pass


class Items(list[Any]):
    pass


@dataclasses.dataclass(frozen=True)
class Record(wire.StoredRecord):
    pass


JID = Id(b"\x01" * 16)
MESSAGES = [
    wire.SyncRequest(Items([wire.Cursor(JID, Small.SEVEN)]), True, Id(b""), 1),  # type: ignore[arg-type]
    wire.SyncRequest([wire.Cursor(JID, False)], Small.ONE, skip_own=0),  # type: ignore[arg-type]
    wire.SyncReply(
        (wire.JournalPage(JID, [Record(1, JID, 0, Id(b"x"))], 1, True, 0),),  # type: ignore[arg-type]
        1,  # type: ignore[arg-type]
    ),
    wire.SyncReply([], False, bytearray(b"\x02" * 16)),  # type: ignore[arg-type]
]


@pytest.mark.parametrize("message", MESSAGES, ids=range(len(MESSAGES)))
def test_r42_exact_type_dispatch_encodes_subclasses_as_before(message: Any) -> None:
    wire._DATACLASS_FIELDS.clear()  # the first encoding of each class, then the cached one
    expected = outcome(lambda: msgpack.packb(before(message), use_bin_type=True))
    assert outcome(lambda: wire.encode(message)) == expected
    assert outcome(lambda: wire.encode(message)) == expected


def outcome(encode: Any) -> Any:
    """The bytes, or the kind of error (a tuple of messages is not encoded, before or now)."""
    try:
        return encode()
    except TypeError as error:
        return type(error)
