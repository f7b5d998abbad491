"""wire.decode builds only what a message's schema allows (R9 finding 5): a body packed with
millions of values costs memory in proportion to its size and is refused at the first value
out of place, while every legal message, up to the largest, still decodes."""

from __future__ import annotations

import dataclasses
import os
import time
import tracemalloc
import typing
from collections.abc import Callable
from typing import Any

import msgpack
import pytest

from client_sdk import wire

MiB = 1024 * 1024
ROOM = wire.MAX_BODY_BYTES - 64


def array(count: int, item: bytes) -> bytes:
    """A msgpack array32 of `count` copies of the one-value encoding `item`."""
    return b"\xdd" + count.to_bytes(4, "big") + item * count


def key(name: str) -> bytes:
    packed: bytes = msgpack.packb(name)
    return packed


def nested_cursors() -> bytes:
    """{"cursors": 10,000 arrays of ~800 two-byte ints, "limit": 1}: each cursor should be
    a map; all of it fits in 16 MiB."""
    per_item = (ROOM - 100) // 10_000 // 2 - 3
    item = b"\xdc" + per_item.to_bytes(2, "big") + b"\xd0\x80" * per_item
    return b"\x82" + key("limit") + b"\x01" + key("cursors") + b"\xdc\x27\x10" + item * 10_000


def records_of_arrays() -> bytes:
    """A push of 500 records whose `record_id` is an array of ~16,000 empty maps."""
    per_record = (ROOM - 100) // 500 - 80
    record = b"\x83" + key("record_id") + array(per_record, b"\x80")
    record += key("epoch") + b"\x00" + key("ciphertext") + b"\xc4\x28" + bytes(40)
    return (
        b"\x82"
        + key("journal_id")
        + b"\xc4\x10"
        + bytes(16)
        + key("records")
        + (b"\xdc\x01\xf4" + record * 500)
    )


BOMBS: dict[str, tuple[type[Any], bytes, str]] = {
    "16M empty maps as the body": (wire.Empty, array(ROOM, b"\x80"), "invalid_field"),
    "16M empty maps as the cursors": (
        wire.SyncRequest,
        b"\x82" + key("limit") + b"\x01" + key("cursors") + array(ROOM - 20, b"\x80"),
        "too_large",
    ),
    "cursors that are arrays of ints": (wire.SyncRequest, nested_cursors(), "invalid_field"),
    "record ids that are arrays of maps": (wire.PushRequest, records_of_arrays(), "invalid_field"),
    "a million empty audit entries": (
        wire.AuditLog,
        b"\x81" + key("entries") + array(1_000_000, b"\x80"),
        "missing_field",
    ),
    "16M short strings as a field name's value": (
        wire.PreloginRequest,
        b"\x81" + key("username") + array(ROOM // 3, b"\xa2ab"),
        "invalid_field",
    ),
    "16M floats": (wire.Empty, array(ROOM // 5, b"\xca\x00\x00\x00\x00"), "invalid_field"),
}


def measured(decode: Callable[[], Any]) -> tuple[Any, int, float]:
    """What `decode` returned or raised, the peak of Python allocations meanwhile (bytes)
    and the time it took (s)."""
    tracemalloc.start()
    started = time.process_time()
    try:
        outcome = decode()
    except wire.WireError as error:
        outcome = error
    took = time.process_time() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return outcome, peak, took


@pytest.mark.parametrize("name", BOMBS)
def test_a_body_packed_with_values_costs_memory_in_proportion_to_its_size(name: str) -> None:
    cls, body, code = BOMBS[name]
    assert len(body) <= wire.MAX_BODY_BYTES
    outcome, peak, took = measured(lambda: wire.decode(cls, body))
    assert isinstance(outcome, wire.WireError), outcome
    assert outcome.code == code, outcome.message
    # The bytes themselves, copied into the Unpacker (twice when the error is checked for
    # malformed bytes after it), plus little: 16 million dicts took 1.2 GB before.
    assert peak < 2 * len(body) + 4 * MiB, f"{name}: peak {peak / MiB:.0f} MiB"
    assert took < 2.0, f"{name}: {took:.2f} s of CPU"


def cursors(count: int) -> list[wire.Cursor]:
    return [wire.Cursor(os.urandom(16), n) for n in range(count)]


def test_the_largest_legal_messages_still_decode() -> None:
    sync = wire.SyncRequest(cursors(wire.MAX_JOURNALS), wire.MAX_RECORDS_PER_PAGE)
    assert wire.decode(wire.SyncRequest, wire.encode(sync)) == sync
    access = wire.AccessRequest(cursors(wire.MAX_JOURNALS))
    assert wire.decode(wire.AccessRequest, wire.encode(access)) == access
    uploads = [
        wire.RecordUpload(os.urandom(16), 0, os.urandom(32 * 1024))
        for _ in range(wire.MAX_RECORDS_PER_PUSH)
    ]
    push = wire.PushRequest(os.urandom(16), uploads)
    assert len(wire.encode(push)) > 15 * MiB
    assert wire.decode(wire.PushRequest, wire.encode(push)) == push
    # A reply of ~16 MiB of small records: 10,000 pages of 15 records of 40 bytes (built
    # as plain msgpack: 150,000 dataclasses would make the test slow, not the decoder).
    record = {"seq": 1, "record_id": bytes(16), "epoch": 0, "ciphertext": bytes(40)}
    page = {"journal_id": bytes(16), "records": [record] * 15, "cursor": 15, "head": 15}
    encoded = msgpack.packb(
        {"pages": [{**page, "meta_version": 0}] * wire.MAX_JOURNALS, "done": True}
    )
    assert 12 * MiB < len(encoded) <= wire.MAX_BODY_BYTES
    reply = wire.decode(wire.SyncReply, encoded)
    assert len(reply.pages) == wire.MAX_JOURNALS and reply.done
    assert {len(page.records) for page in reply.pages} == {15}
    assert reply.pages[-1].records[-1] == wire.StoredRecord(1, bytes(16), 0, bytes(40))


def test_one_item_over_a_lists_limit_is_too_large() -> None:
    sync = wire.SyncRequest(cursors(wire.MAX_JOURNALS + 1), 1)
    with pytest.raises(wire.WireError) as raised:
        wire.decode(wire.SyncRequest, wire.encode(sync))
    assert raised.value.code == "too_large"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"\x82" + key("username") + b"\xa3ana" + key("username") + b"\xa3bob", "invalid_field"),
        (b"\x81" + key("username") + b"\x91\xa3ana", "invalid_field"),  # a list for a str
        (b"\x81" + key("username") + b"\xd6\xff" + bytes(4), "invalid_field"),  # a timestamp
        (b"\x81" + key("username") + b"\xa3an", "malformed_body"),  # cut short
        (b"\x81\x91\xa1a\xa3ana", "malformed_body"),  # an array as a key
        (b"\x82" + key("username") + b"\xa3ana\x01\x02", "malformed_body"),  # an int key
        (b"\x81" + key("bogus") + b"\x91", "malformed_body"),  # unknown field, then cut short
    ],
)
def test_a_field_twice_or_out_of_place_and_malformed_bytes_keep_their_codes(
    body: bytes, code: str
) -> None:
    """protocol.md 2.2: bytes that are not one msgpack value are `malformed_body` whatever
    else is wrong; a field given twice is `invalid_field` (a decoder keeping the first or
    the last would disagree with another implementation)."""
    with pytest.raises(wire.WireError) as raised:
        wire.decode(wire.PreloginRequest, body)
    assert raised.value.code == code, raised.value.message


def wire_messages() -> list[type]:
    return [
        cls
        for cls in vars(wire).values()
        if isinstance(cls, type)
        and dataclasses.is_dataclass(cls)
        and cls.__module__ == wire.__name__
    ]


def test_no_integer_a_message_can_carry_overflows_the_databases_int64() -> None:
    """Every `int` field of every message is bounded within 0..2^63-1, so no number decoded
    from a request can overflow SQLite's INTEGER or PostgreSQL's BIGINT when it is bound (R9B
    finding 11 was such a number, read from the bytes of a list position: see
    server/cursors.py). msgpack itself carries up to 2^64-1 and down to -2^63."""
    checked = 0
    for cls in wire_messages():
        hints = typing.get_type_hints(cls)
        for field in dataclasses.fields(cls):
            if hints[field.name] is int:
                bounds = field.metadata
                assert bounds, f"{cls.__name__}.{field.name} has no limits"
                assert 0 <= bounds["lo"] <= bounds["hi"] <= 2**63 - 1, (cls, field.name)
                checked += 1
    assert checked > 30  # the scan found the messages' integers
    too_big = msgpack.packb({"journal_id": bytes(16), "after": 2**63})
    with pytest.raises(wire.WireError) as refused:
        wire.decode(wire.Cursor, too_big)
    assert refused.value.code == "invalid_field"
