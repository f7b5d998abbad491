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
"""`varuint` of 0 to 127: one byte each, made once (most lengths and counts are small)."""


def varuint(value: int) -> bytes:
    """`value` (>= 0) as lib0's unsigned varint."""
    if 0 <= value < 0x80:
        return _ONE_BYTE[value]
    if 0x80 <= value < 0x4000:  # two bytes: a text's length, most often
        return bytes((0x80 | (value & 0x7F), value >> 7))
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
_FLOAT32_EXACT = 2**24
"""Whole numbers of a magnitude up to this are exact as a float32 (24-bit significand)."""
_FLOAT32 = struct.Struct(">f")
_FLOAT64 = struct.Struct(">d")


def _var_string(text: str) -> bytes:
    """lib0's string: its UTF-8 length (a varuint), then its UTF-8 bytes."""
    data = text.encode("utf-8")
    return varuint(len(data)) + data


def _any(value: object) -> bytes | None:
    """`value` in lib0's `writeAny` encoding, as pycrdt (yrs) writes a Python value it holds
    in a map: None (null), a bool, a str, a whole number of magnitude below 2**53 (a float
    when pycrdt stores it: as float32 where that is exact, else float64), or a list or tuple
    of such values (an array). None for anything else (left to pycrdt), subclasses included:
    pycrdt reads a subclass's own characters, digits or items, where Python code here would
    call its `encode`, `__float__` or `__iter__` (rev-perf11 F5)."""
    if value is None:
        return b"\x7e"
    if value is True:
        return b"\x78"
    if value is False:
        return b"\x79"
    if type(value) is str:
        return b"\x77" + _var_string(value)
    if type(value) is int:
        return _number(value)
    if type(value) is list or type(value) is tuple:
        if not value:
            return b"\x75\x00"  # an empty array (an entry's tags, most often)
        items = [_any(item) for item in value]
        if any(item is None for item in items):
            return None
        return b"\x75" + varuint(len(items)) + b"".join(item for item in items if item)
    return None


def _number(value: int) -> bytes | None:
    """A whole number (an int, not a bool) as `_any` writes it: a float32 where that is exact,
    else a float64; None for a magnitude of 2**53 or more. A whole number below 2**53 is exact
    as a float32 when its odd part (it without its trailing zero bits) is below 2**24, the
    float32's significand: told from the number itself (issue 10: a time, ms since 1970, is
    two of an entry's fields), not by packing it as a float32 and unpacking it to compare."""
    if -_FLOAT32_EXACT <= value <= _FLOAT32_EXACT:  # every such whole number is exact
        return b"\x7c" + _FLOAT32.pack(value)
    if not -_SAFE_INTEGER < value < _SAFE_INTEGER:
        return None
    magnitude = -value if value < 0 else value
    if magnitude >> ((magnitude & -magnitude).bit_length() - 1) < _FLOAT32_EXACT:
        return b"\x7c" + _FLOAT32.pack(value)
    return b"\x7b" + _FLOAT64.pack(value)


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
    # A key, text name or text that is a str subclass: None (left to pycrdt, as in `_any`).
    # The common values are written here, the rest by `_any`, and the update's pieces joined
    # once (issue 10: a call less a field, no bytes made only to be copied into more).
    parts = [b""]  # the head, once the structs are counted
    add = parts.append
    structs = 0
    for key, value in fields.items():
        if type(key) is not str:
            return None
        head = _KEY_HEADS.get(key)
        if head is None:
            head = _FIELD_HEAD + _var_string(key) + b"\x01"
            if len(_KEY_HEADS) < _KEY_HEADS_KEPT:
                _KEY_HEADS[key] = head
        add(head)
        kind = type(value)
        if kind is str:
            data = value.encode("utf-8")  # type: ignore[attr-defined]
            add(b"\x77")
            add(varuint(len(data)))
            add(data)
        else:
            encoded = _number(value) if kind is int else _any(value)  # type: ignore[arg-type]
            if encoded is None:
                return None
            add(encoded)
        structs += 1
    for name, text in texts.items():
        if type(name) is not str or type(text) is not str:
            return None
        if text:
            data = text.encode("utf-8")
            add(b"\x04\x01" + _var_string(name))
            add(varuint(len(data)))
            add(data)
            structs += 1
    if not structs:
        return b"\x00\x00"
    parts[0] = b"\x01" + varuint(structs) + varuint(client_id) + b"\x00"  # one client, clock 0
    add(b"\x00")  # an empty delete set
    return b"".join(parts)


class _NotCanonical(Exception):
    """Raised inside `read_new_document_update`: not bytes `new_document_update` writes."""


def read_new_document_update(
    update: bytes,
) -> tuple[int, dict[str, object], dict[str, str]] | None:
    """The inverse of `new_document_update`: (client id, fields, texts) such that
    `new_document_update(client id, fields, texts)` is exactly `update`, or None for any
    other update (pycrdt then reads it). Numbers come back as the whole numbers
    `new_document_update` takes (pycrdt reads them as floats: `as_read_by_pycrdt`).

    A pull receives most documents as the one update that created them: read so, the
    document's fields are known without building a pycrdt document (issue 10). Exactly
    those bytes, checked as they are read rather than by encoding again (which costs
    twice the reading): every varuint in its shortest form (one byte, or a last byte that
    is not zero), strings valid UTF-8, each number in the one form `_any` writes for it,
    fields before texts, no key or text twice, no empty text, no text named FIELDS_ROOT, a
    client id below 2**53, an empty delete set and nothing after it. An update read here is
    one pycrdt writes for a new document, so it applies to an empty one
    (tests/core/test_documents.py checks all of it with hypothesis)."""
    if update == b"\x00\x00":
        return 0, {}, {}
    try:
        return _read_new_document(update)
    except (_NotCanonical, IndexError, UnicodeDecodeError, RecursionError):
        return None


def _read_new_document(update: bytes) -> tuple[int, dict[str, object], dict[str, str]] | None:
    if update[0] != 1:  # one client
        return None
    count, at = _canonical_varuint(update, 1)
    client_id, at = _canonical_varuint(update, at)
    if count == 0 or client_id >= _SAFE_INTEGER or update[at] != 0:  # from clock 0
        return None
    at += 1
    fields: dict[str, object] = {}
    texts: dict[str, str] = {}
    head = _FIELD_HEAD
    width = len(head)
    size = len(update)
    # A field item (`_FIELD_HEAD`: info 0x28, its parent the root FIELDS_ROOT) and its
    # common values are read inline (a key or string shorter than 128 bytes, a boolean, null,
    # an empty array; a whole number by `_canonical_number`), each exactly as
    # `_canonical_string` and `_canonical_any` read it: a pull reads one such update per
    # record (issue 10).
    for _ in range(count):
        if not texts and update.startswith(head, at):
            at += width
            length = update[at]
            if length < 0x80:  # a key of fewer than 128 bytes (`_canonical_string` inline)
                end = at + 1 + length
                if end > size:
                    return None
                key = update[at + 1 : end].decode("utf-8")
                at = end
            else:
                key, at = _canonical_string(update, at)
            if key in fields or update[at] != 1:  # one value
                return None
            tag = update[at + 1]
            if tag == 0x77 and update[at + 2] < 0x80:  # a string of fewer than 128 bytes
                end = at + 3 + update[at + 2]
                if end > size:
                    return None
                fields[key] = update[at + 3 : end].decode("utf-8")
                at = end
            elif tag == 0x7C or tag == 0x7B:  # a whole number
                fields[key], at = _canonical_number(update, at + 2, tag)
            elif tag == 0x78 or tag == 0x79:
                fields[key] = tag == 0x78
                at += 2
            elif tag == 0x7E:
                fields[key] = None
                at += 2
            elif tag == 0x75 and update[at + 2] == 0:  # an empty array
                fields[key] = []
                at += 3
            else:
                fields[key], at = _canonical_any(update, at + 1)
        elif update[at] == 0x04 and update[at + 1] == 1:
            name, at = _canonical_string(update, at + 2)
            text, at = _canonical_string(update, at)
            if not text or name in texts or name == FIELDS_ROOT:
                return None
            texts[name] = text
        else:
            return None
    if at != size - 1 or update[at] != 0:  # an empty delete set, then the end
        return None
    return client_id, fields, texts


def _canonical_varuint(data: bytes, at: int) -> tuple[int, int]:
    """`read_varuint`, in its shortest form only (what `varuint` writes): one byte, or
    several whose last is not zero."""
    byte = data[at]
    if byte < 0x80:
        return byte, at + 1
    value, end = read_varuint(data, at)
    if data[end - 1] == 0:
        raise _NotCanonical
    return value, end


def _canonical_string(data: bytes, at: int) -> tuple[str, int]:
    """lib0's string as `_var_string` writes it: (text, next). Strict UTF-8 decoding takes
    exactly the bytes `str.encode` writes (no overlong form, no surrogate)."""
    length, at = _canonical_varuint(data, at)
    end = at + length
    if end > len(data):
        raise IndexError("past the end")
    return data[at:end].decode("utf-8"), end


def _canonical_number(data: bytes, at: int, tag: int) -> tuple[int, int]:
    """A whole number as `_any` writes it after its tag `tag` (0x7C: float32, 0x7B:
    float64), its bytes at `at`: (number, next). _NotCanonical for a number `_any` would
    write in the other width, a negative zero, or one that is not whole or not below 2**53
    in magnitude; IndexError past the end. The one copy of these rules: `_canonical_any`
    and the inline reading of a field (`_read_new_document`) both call it."""
    size = 4 if tag == 0x7C else 8
    if at + size > len(data):
        raise IndexError("past the end")
    (number,) = (_FLOAT32 if tag == 0x7C else _FLOAT64).unpack_from(data, at)
    if not (-_SAFE_INTEGER < number < _SAFE_INTEGER) or number != int(number):
        raise _NotCanonical  # NaN fails the first test, an infinity too
    whole = int(number)
    if whole == 0 and data[at] != 0:  # a negative zero: `_any(0)` writes +0.0
        raise _NotCanonical
    if tag == 0x7B:  # float64 only where float32 is not exact (`_any`)
        try:
            single = _FLOAT32.pack(number)
        except OverflowError:  # (not below 2**53 in magnitude: refused above)
            single = b""
        if single and _FLOAT32.unpack(single)[0] == number:
            raise _NotCanonical
    return whole, at + size


_CANONICAL_DEPTH = 32
"""Arrays nested deeper than this are not read here but left to pycrdt, as before 43761c1:
a member's record of an array nested 1,500 deep made the reader recurse past Python's limit
and every sync of the journal fail (rev-perf12 F1). No SDK document nests arrays."""


def _canonical_any(data: bytes, at: int, depth: int = 0) -> tuple[object, int]:
    """A value as `_any` writes it, at `at`: (value, next); _NotCanonical for anything else
    (a number `_any` would write in the other width, a negative zero, a number that is not
    whole or not below 2**53 in magnitude, another type, arrays nested deeper than
    _CANONICAL_DEPTH). Numbers come back as ints."""
    tag = data[at]
    at += 1
    if tag == 0x77:
        return _canonical_string(data, at)
    if tag == 0x7E:
        return None, at
    if tag == 0x78:
        return True, at
    if tag == 0x79:
        return False, at
    if tag == 0x7C or tag == 0x7B:
        return _canonical_number(data, at, tag)
    if tag == 0x75:
        if depth >= _CANONICAL_DEPTH:
            raise _NotCanonical
        length, at = _canonical_varuint(data, at)
        items = []
        for _ in range(length):
            item, at = _canonical_any(data, at, depth + 1)
            items.append(item)
        return items, at
    raise _NotCanonical


def as_read_by_pycrdt(value: object) -> object:
    """A value of `read_new_document_update`'s fields as pycrdt reads it from the document:
    numbers as floats, arrays as lists."""
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, list):
        return [as_read_by_pycrdt(item) for item in value]
    return value
