"""The same words inserted at the same place on two devices, found in a merged document, and
the Yjs update that keeps one copy (R45 F3).

Yjs keeps every insert: a typo fixed the same way on two devices before they synced ("teh" ->
"the" twice) reads "thethe" everywhere once merged, as two insert items with the same content
and the same neighbours when written (left and right origins) from two clients. Such
*twins* are found here from a document's state alone (`twin_deletes`), so every device
holding the same records finds the same ones and keeps the same copy: the one of the lowest
client id. The others are deleted by an update that holds a delete set only; a device that
deletes them too, or later, changes nothing (deletes are idempotent), so devices converge
whichever of them write it.

The decoding follows Yjs' update format v1 (yjs `readClientsStructRefs`, `readItemContent`,
`readDeleteSet`; lib0 `readAny`): pure, no I/O, and it gives up (None) on anything it does
not read, in which case nothing is deleted.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

_ORIGIN, _RIGHT_ORIGIN, _PARENT_SUB = 0x80, 0x40, 0x20
_GC, _DELETED, _JSON, _BINARY, _STRING, _EMBED, _FORMAT, _TYPE, _ANY, _DOC, _SKIP = (
    0,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    10,
)


class _Unreadable(Exception):
    """An update this decoder does not read."""


@dataclass(frozen=True)
class _Insert:
    """A string item of a text: its id, its length in UTF-16 units (Yjs clocks) and what
    places it: origins and parent."""

    client: int
    clock: int
    length: int
    origin: tuple[int, int] | None
    right_origin: tuple[int, int] | None
    parent: tuple[str, object] | None  # ("root", name) or ("item", (client, clock)); None: copied
    text: str


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def byte(self) -> int:
        if self.at >= len(self.data):
            raise _Unreadable
        value = self.data[self.at]
        self.at += 1
        return value

    def uint(self) -> int:
        value, shift = 0, 0
        while True:
            byte = self.byte()
            value |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                return value
            if shift > 70:
                raise _Unreadable

    def varint(self) -> int:  # lib0 readVarInt
        byte = self.byte()
        value, negative = byte & 0x3F, bool(byte & 0x40)
        shift = 6
        while byte & 0x80:
            byte = self.byte()
            value |= (byte & 0x7F) << shift
            shift += 7
            if shift > 70:
                raise _Unreadable
        return -value if negative else value

    def take(self, count: int) -> bytes:
        if self.at + count > len(self.data):
            raise _Unreadable
        value = self.data[self.at : self.at + count]
        self.at += count
        return value

    def string(self) -> str:
        try:
            return self.take(self.uint()).decode("utf-8")
        except UnicodeDecodeError as error:
            raise _Unreadable from error

    def any(self, depth: int = 0) -> object:
        if depth > 64:
            raise _Unreadable
        kind = self.byte()
        if kind in (127, 126):
            return None
        if kind == 125:
            return self.varint()
        if kind == 124:
            return struct.unpack(">f", self.take(4))[0]
        if kind in (123, 122):
            return self.take(8)
        if kind in (121, 120):
            return kind == 120
        if kind == 119:
            return self.string()
        if kind == 118:
            return {self.string(): self.any(depth + 1) for _ in range(self.uint())}
        if kind == 117:
            return [self.any(depth + 1) for _ in range(self.uint())]
        if kind == 116:
            return self.take(self.uint())
        raise _Unreadable


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _content_length(reader: _Reader, ref: int) -> tuple[int, str | None]:
    """Read an item's content of type `ref`: (its length in clocks, its text if a string)."""
    if ref == _DELETED:
        return reader.uint(), None
    if ref == _JSON:
        count = reader.uint()
        for _ in range(count):
            reader.string()
        return count, None
    if ref == _BINARY:
        reader.take(reader.uint())
        return 1, None
    if ref == _STRING:
        text = reader.string()
        return _utf16_length(text), text
    if ref == _EMBED:
        reader.string()
        return 1, None
    if ref == _FORMAT:
        reader.string()
        reader.string()
        return 1, None
    if ref == _TYPE:
        if reader.uint() in (3, 6):  # YXmlElement, YXmlHook: a name
            reader.string()
        return 1, None
    if ref == _ANY:
        count = reader.uint()
        for _ in range(count):
            reader.any()
        return count, None
    if ref == _DOC:
        reader.string()
        reader.any()
        return 1, None
    raise _Unreadable


def _decode(state: bytes) -> tuple[list[_Insert], dict[int, list[tuple[int, int]]]]:
    """The string items of a v1 update (a document's whole state) and its delete set
    (client -> [(clock, length)])."""
    reader = _Reader(state)
    inserts = []
    for _ in range(reader.uint()):
        structs, client, clock = reader.uint(), reader.uint(), reader.uint()
        for _ in range(structs):
            info = reader.byte()
            ref = info & 0x1F
            if ref in (_GC, _SKIP):
                clock += reader.uint()
                continue
            origin = (reader.uint(), reader.uint()) if info & _ORIGIN else None
            right = (reader.uint(), reader.uint()) if info & _RIGHT_ORIGIN else None
            parent: tuple[str, object] | None = None
            if not info & (_ORIGIN | _RIGHT_ORIGIN):
                if reader.uint() == 1:
                    parent = ("root", reader.string())
                else:
                    parent = ("item", (reader.uint(), reader.uint()))
                if info & _PARENT_SUB:
                    reader.string()
                    parent = None  # a map entry: never a text's insert
            length, text = _content_length(reader, ref)
            if length <= 0:
                raise _Unreadable
            if text is not None and not info & _PARENT_SUB:
                inserts.append(_Insert(client, clock, length, origin, right, parent, text))
            clock += length
    deletes: dict[int, list[tuple[int, int]]] = {}
    for _ in range(reader.uint()):
        client = reader.uint()
        deletes[client] = [(reader.uint(), reader.uint()) for _ in range(reader.uint())]
    if reader.at != len(state):
        raise _Unreadable
    return inserts, deletes


def _touched(ranges: list[tuple[int, int]], clock: int, length: int) -> bool:
    return any(start < clock + length and clock < start + size for start, size in ranges)


def twin_deletes(state: bytes) -> bytes | None:
    """A Yjs v1 update (no structs, a delete set only) deleting every *twin* insert of the
    document whose whole state is `state`: a string item, not deleted at all, with the same
    text, left origin, right origin and parent as a live item of a lower client id (the
    words inserted at the same place on two devices before either had the other's; an insert
    made after another has that one or its words as an origin, never the same ones). The
    lowest client's copy is kept. None when there is none, or `state` does not decode here.
    (An item without origins, the first words of an empty text, names its parent: the words
    of two texts are never twins.)"""
    try:
        inserts, deletes = _decode(state)
    except _Unreadable:
        return None
    places: dict[tuple[object, ...], list[_Insert]] = {}
    for item in inserts:
        places.setdefault((item.origin, item.right_origin, item.parent, item.text), []).append(item)
    twins: dict[int, list[tuple[int, int]]] = {}
    for items in places.values():
        if len({item.client for item in items}) < 2:
            continue  # the usual case: checked without reading the delete set
        live = sorted(
            (i for i in items if not _touched(deletes.get(i.client, []), i.clock, i.length)),
            key=lambda i: (i.client, i.clock),
        )
        for item in live[1:]:
            if item.client != live[0].client:
                twins.setdefault(item.client, []).append((item.clock, item.length))
    if not twins:
        return None
    out = bytearray(_uint(0))  # no structs
    out += _uint(len(twins))
    for client in sorted(twins):
        ranges = sorted(twins[client])
        out += _uint(client) + _uint(len(ranges))
        for clock, length in ranges:
            out += _uint(clock) + _uint(length)
    return bytes(out)


def _uint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)
