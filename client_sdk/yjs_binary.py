"""Yjs v1 binary pieces both the document layer and the twin rule need (pure, no I/O):
lib0's unsigned varint (yjs `lib0/encoding.writeVarUint`, `lib0/decoding.readVarUint`) and an
update holding only a delete set (yjs `writeDeleteSet`). pycrdt reads and applies such
updates; it has no Python API to write one."""

from __future__ import annotations

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


def varuint(value: int) -> bytes:
    """`value` (>= 0) as lib0's unsigned varint."""
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
