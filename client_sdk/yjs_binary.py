"""Yjs v1 binary pieces both the document layer and the twin rule need (pure, no I/O):
lib0's unsigned varint (yjs `lib0/encoding.writeVarUint`, `lib0/decoding.readVarUint`), an
update holding only a delete set (yjs `writeDeleteSet`), and the update creating a new
document of plain fields and texts (`new_document_update`, byte for byte what pycrdt
encodes, without building a pycrdt document). pycrdt reads and applies such updates; it has
no Python API to write the first, and takes three times as long for the last."""

from __future__ import annotations

import struct
from collections.abc import Iterable, Mapping


def read_varuint(data: bytes, at: int) -> tuple[int, int]:
    """lib0's unsigned varint (7 bits a byte, least significant first) at `at`: (value, next).
    Raises IndexError past the end."""
    value, shift = 0, 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, at


_ONE_BYTE = tuple(bytes((value,)) for value in range(0x80))
"""varuint(n) for n below 0x80: one byte, made once (most lengths, counts and clocks)."""


def varuint(value: int) -> bytes:
    """`value` (>= 0) as lib0's unsigned varint."""
    if 0 <= value < 0x80:
        return _ONE_BYTE[value]
    out = bytearray()
    while value >= 0x80:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    out.append(value)
    return bytes(out)


def delete_set_update(deletes: Mapping[int, Iterable[tuple[int, int]]]) -> bytes:
    """A Yjs v1 update holding no structs, only the delete set `deletes` (client -> its
    (clock, length) ranges): a count of clients, then for each its id, a count of ranges and
    each range's clock and length, all lib0 varuints (yjs `writeDeleteSet`), clients and
    ranges sorted. Applying it deletes those items wherever they are held."""
    out = bytearray(varuint(0) + varuint(len(deletes)))
    for client, ranges in sorted(deletes.items()):
        found = sorted(ranges)
        out += varuint(client) + varuint(len(found))
        for clock, length in found:
            out += varuint(clock) + varuint(length)
    return bytes(out)


FIELDS_ROOT = "fields"
"""The root map of every document's plain fields (documents.py `Document._fields`)."""

_SAFE_INTEGER = 2**53
"""Whole numbers of a magnitude below this are exact as the f64 pycrdt makes of them."""
_EXACT_SINGLE = 2**24
"""Whole numbers of a magnitude up to this are exact as a float32 (24-bit significand)."""
_pack_single = struct.Struct(">f").pack


def _var_string(text: str) -> bytes:
    """lib0's string: its UTF-8 length (a varuint), then its UTF-8 bytes."""
    data = text.encode("utf-8")
    return varuint(len(data)) + data


def _any(value: object) -> bytes | None:
    """`value` in lib0's `writeAny` encoding, as pycrdt (yrs) writes a Python value it holds
    in a map: None (null), a bool, a str, a whole number of magnitude below 2**53 (a float
    when pycrdt stores it: as float32 where that is exact, else float64), or a list or tuple
    of such values (an array). None for anything else (left to pycrdt)."""
    if value is None:
        return b"\x7e"
    if value is True:
        return b"\x78"
    if value is False:
        return b"\x79"
    if isinstance(value, str):
        return b"\x77" + _var_string(value)
    if isinstance(value, int):
        if -_EXACT_SINGLE <= value <= _EXACT_SINGLE:  # a float32 holds it exactly
            return b"\x7c" + _pack_single(value)
        if not -_SAFE_INTEGER < value < _SAFE_INTEGER:
            return None
        number = float(value)
        try:
            single = struct.pack(">f", number)
        except OverflowError:
            single = b""
        if single and struct.unpack(">f", single)[0] == number:
            return b"\x7c" + single
        return b"\x7b" + struct.pack(">d", number)
    if isinstance(value, (list, tuple)):
        items = [_any(item) for item in value]
        if any(item is None for item in items):
            return None
        return b"\x75" + varuint(len(items)) + b"".join(item for item in items if item)
    return None


_FIELD_HEAD = b"\x28\x01" + _var_string(FIELDS_ROOT)
"""What starts each field's struct: info 0x28 (a parent key, content "any"), its parent the
root named by a string, FIELDS_ROOT."""
_KEY_HEADS: dict[str, bytes] = {}
"""key -> the struct's head up to its value (`_FIELD_HEAD`, the key, the count 1), made once
per key for the first _KEY_HEADS_KEPT keys met: a process writes the same few keys (the
document kinds' fields) again and again."""
_KEY_HEADS_KEPT = 256


def new_document_update(
    client_id: int, fields: Mapping[str, object], texts: Mapping[str, str]
) -> bytes | None:
    """The Yjs v1 update that pycrdt encodes for a new, empty document in which client
    `client_id` sets `fields` (in this order) in the root map FIELDS_ROOT, then inserts each
    non-empty text of `texts` (in this order) into the root text of its name, in one
    transaction, the same bytes (issue 10: about a third of pycrdt's time, for every entry
    written; tests/core/test_documents.py compares them): one client's structs from clock 0,
    each key an item of one value (info 0x28: a parent key, content "any"; its parent the
    root named by a string), each text one string item (info 0x04), then an empty delete
    set. None where a value is not one `_any` encodes (or a text is named FIELDS_ROOT): the
    caller then asks pycrdt."""
    if FIELDS_ROOT in texts or not 0 <= client_id < _SAFE_INTEGER:
        return None
    structs = []
    for key, value in fields.items():
        encoded = _any(value)
        if encoded is None:
            return None
        head = _KEY_HEADS.get(key)
        if head is None:
            head = _FIELD_HEAD + _var_string(key) + b"\x01"
            if len(_KEY_HEADS) < _KEY_HEADS_KEPT:
                _KEY_HEADS[key] = head
        structs.append(head + encoded)
    for name, text in texts.items():
        if text:
            structs.append(b"\x04\x01" + _var_string(name) + _var_string(text))
    if not structs:
        return b"\x00\x00"
    return (
        varuint(1)
        + varuint(len(structs))
        + varuint(client_id)
        + varuint(0)
        + b"".join(structs)
        + varuint(0)
    )
