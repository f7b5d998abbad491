"""Encoders and decoders made faster for issue 10 do what they did: each is compared, on
drawn inputs, with a verbatim copy of the code it replaced (kept here, or for the wire
decoder in tests/core/wire_decoding_reference.py, as the reference): the same bytes, the
same values, the same errors."""

from __future__ import annotations

import dataclasses
import struct
import typing
from collections.abc import Mapping
from typing import Any

import msgpack
import pytest
from hypothesis import given
from hypothesis import strategies as st

from client_sdk import wire
from client_sdk.wire_decoding import read_message
from client_sdk.yjs_binary import FIELDS_ROOT, new_document_update, varuint
from tests.core import wire_decoding_reference

# --- the previous yjs_binary encoders, verbatim --------------------------------------------

_SAFE_INTEGER = 2**53


def old_varuint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    out.append(value)
    return bytes(out)


def old_var_string(text: str) -> bytes:
    data = text.encode("utf-8")
    return old_varuint(len(data)) + data


def old_any(value: object) -> bytes | None:
    if value is None:
        return b"\x7e"
    if value is True:
        return b"\x78"
    if value is False:
        return b"\x79"
    if isinstance(value, str):
        return b"\x77" + old_var_string(value)
    if isinstance(value, int):
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
        items = [old_any(item) for item in value]
        if any(item is None for item in items):
            return None
        return b"\x75" + old_varuint(len(items)) + b"".join(item for item in items if item)
    return None


def old_new_document_update(
    client_id: int, fields: Mapping[str, object], texts: Mapping[str, str]
) -> bytes | None:
    if FIELDS_ROOT in texts or not 0 <= client_id < _SAFE_INTEGER:
        return None
    structs = []
    parent = b"\x01" + old_var_string(FIELDS_ROOT)
    for key, value in fields.items():
        encoded = old_any(value)
        if encoded is None:
            return None
        structs.append(b"\x28" + parent + old_var_string(key) + b"\x01" + encoded)
    for name, text in texts.items():
        if text:
            structs.append(b"\x04\x01" + old_var_string(name) + old_var_string(text))
    if not structs:
        return b"\x00\x00"
    return (
        old_varuint(1)
        + old_varuint(len(structs))
        + old_varuint(client_id)
        + old_varuint(0)
        + b"".join(structs)
        + old_varuint(0)
    )


# --- drawn inputs ----------------------------------------------------------------------------

text = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=200)
edge_integers = st.sampled_from(
    [
        0,
        1,
        -1,
        127,
        128,
        2**24 - 1,
        2**24,
        2**24 + 1,
        -(2**24),
        -(2**24) - 1,
        2**25,
        2**25 + 2,
        2**31,
        2**53 - 1,
        2**53,
        -(2**53) + 1,
        -(2**53),
        1_764_633_600_000,
        1_764_633_600_001,
    ]
)
plain_values = st.recursive(
    st.none()
    | st.booleans()
    | text
    | st.integers(min_value=-(2**60), max_value=2**60)
    | st.integers(min_value=-(2**25), max_value=2**25)
    | edge_integers
    | st.floats(allow_nan=False),
    lambda items: st.lists(items, max_size=3) | st.tuples(items),
    max_leaves=8,
)
keys = st.sampled_from(["title", "mood", "tags", "created_at", "deleted", "x", "é", ""]) | text


@given(st.integers(min_value=0, max_value=2**70) | edge_integers.filter(lambda n: n >= 0))
def test_varuint_writes_the_bytes_it_wrote(value: int) -> None:
    assert varuint(value) == old_varuint(value)


@given(
    client_id=st.integers(min_value=-5, max_value=2**53 + 5),
    fields=st.dictionaries(keys, plain_values, max_size=8),
    texts=st.dictionaries(st.sampled_from(["body", "notes", FIELDS_ROOT]) | text, text),
)
def test_a_new_document_update_is_the_bytes_it_was(
    client_id: int, fields: dict[str, object], texts: dict[str, str]
) -> None:
    assert new_document_update(client_id, fields, texts) == old_new_document_update(
        client_id, fields, texts
    )


# --- wire decoding: the same values and the same errors as before ---------------------------

WIRE_MESSAGES = sorted(
    (
        cls
        for cls in vars(wire).values()
        if isinstance(cls, type)
        and dataclasses.is_dataclass(cls)
        and cls.__module__ == wire.__name__
    ),
    key=lambda cls: cls.__name__,
)


def _field_names(cls: type) -> list[str]:
    names: list[str] = []
    for spec in dataclasses.fields(cls):
        names.append(spec.name)
        hint = typing.get_type_hints(cls)[spec.name]
        inner = typing.get_args(hint)[0] if typing.get_origin(hint) is list else hint
        if dataclasses.is_dataclass(inner):
            names.extend(_field_names(inner))  # type: ignore[arg-type]
    return names


FIELD_NAMES = sorted({name for cls in WIRE_MESSAGES for name in _field_names(cls)})
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.sampled_from([0, 1, 16, 2**32 - 1, 2**32, 2**63 - 1, 2**63])
    | st.binary(max_size=40)
    | st.sampled_from([bytes(16), bytes(15), bytes(32), bytes(64), b""])
    | st.text(max_size=20)
    | st.floats(allow_nan=False)
)
wire_values = st.recursive(
    scalars,
    lambda items: (
        st.lists(items, max_size=4)
        | st.dictionaries(st.sampled_from(FIELD_NAMES) | st.text(max_size=5), items, max_size=6)
    ),
    max_leaves=30,
)
bodies = st.dictionaries(st.sampled_from(FIELD_NAMES) | st.text(max_size=5), wire_values)


def _outcome(read: Any, cls: type, raw: bytes) -> tuple[str, object]:
    try:
        return "value", read(cls, raw)
    except (wire.WireError, wire_decoding_reference.WireError) as error:
        return "error", (error.code, error.message)  # type: ignore[union-attr]


@given(
    cls=st.sampled_from(WIRE_MESSAGES),
    body=bodies | wire_values,
    cut=st.none() | st.integers(min_value=0, max_value=200),
    noise=st.none() | st.binary(max_size=8),
)
def test_wire_messages_decode_to_the_values_and_errors_they_did(
    cls: type, body: object, cut: int | None, noise: bytes | None
) -> None:
    raw: bytes = msgpack.packb(body, use_bin_type=True)
    if cut is not None:
        raw = raw[:cut]  # truncated
    if noise is not None:
        raw += noise  # bytes after the value, or the rest of a truncated one
    assert _outcome(read_message, cls, raw) == _outcome(
        wire_decoding_reference.read_message, cls, raw
    )


@given(st.data(), st.booleans())
def test_messages_drawn_from_their_schema_decode_to_the_values_they_did(
    data: st.DataObject, valid: bool
) -> None:
    """Messages drawn from their schema (most of what the test above draws is refused
    early): valid ones (every required field, every value within its limits), and ones
    with values just past their limits, of another type, or fields left out."""
    cls = data.draw(st.sampled_from(WIRE_MESSAGES))
    body = data.draw(_message_of(cls, valid))
    raw: bytes = msgpack.packb(body, use_bin_type=True)
    outcome = _outcome(read_message, cls, raw)
    assert outcome == _outcome(wire_decoding_reference.read_message, cls, raw)
    if valid:
        assert outcome[0] == "value"


def _message_of(cls: type, valid: bool) -> st.SearchStrategy[dict[str, object]]:
    hints = typing.get_type_hints(cls)
    required, optional = {}, {}
    for spec in dataclasses.fields(cls):
        value = _value_of(hints[spec.name], spec.metadata, valid)
        has_default = (
            spec.default is not dataclasses.MISSING
            or spec.default_factory is not dataclasses.MISSING
        )
        (optional if has_default or not valid else required)[spec.name] = value
    return st.fixed_dictionaries(required, optional=optional)


def _value_of(hint: Any, limits: Any, valid: bool) -> st.SearchStrategy[Any]:
    lo, hi = (limits["lo"], limits["hi"]) if limits and "lo" in limits else (0, 2**63 - 1)
    past = 0 if valid else 1
    if hint is bytes:
        within = st.binary(min_size=max(lo - past, 0), max_size=min(hi + past, 64))
        return within if valid else within | st.integers(0, 3)
    if hint is int:
        within = st.integers(min_value=lo - past, max_value=min(hi + past, 2**64 - 1))
        return within if valid else within | st.booleans() | st.binary(max_size=2)
    if hint is str:
        within = st.text(min_size=max(lo - past, 0), max_size=min(hi + past, 40))
        return within if valid else within | st.integers(0, 3)
    if hint is bool:
        return st.booleans() if valid else st.booleans() | st.integers(0, 2)
    if typing.get_origin(hint) is list:
        (item,) = typing.get_args(hint)
        item_limits = limits.get("item", {}) if limits else {}
        items = _value_of(item, item_limits, valid)
        return st.lists(items, min_size=min(lo, 3), max_size=min(max(hi + past, lo), 4))
    nested = st.deferred(lambda: _message_of(hint, valid))
    return nested if valid else nested | st.integers(0, 3)


def _map(*pairs: tuple[object, object]) -> bytes:
    """A msgpack map of `pairs` in this order, duplicates kept (a dict would merge them)."""
    out = bytes([0x80 | len(pairs)])
    for name, value in pairs:
        out += msgpack.packb(name, use_bin_type=True) + msgpack.packb(value, use_bin_type=True)
    return out


ID = bytes(16)


@pytest.mark.parametrize(
    ("cls", "raw"),
    [
        (wire.Accepted, _map(("record_id", ID), ("seq", 1), ("seq", 2))),  # a field twice
        (wire.Accepted, _map(("record_id", ID), (b"seq", 1))),  # a bytes key
        (wire.Accepted, _map(("record_id", ID), (7, 1))),  # an integer key
        (wire.Accepted, _map(("record_id", ID), ({}, 1))),  # an empty map as a key
        (wire.Accepted, _map(("record_id", ID), ([], 1))),  # an empty list as a key
        (wire.Accepted, _map(("record_id", ID), ("seq", {}))),  # an empty map as a value
        (wire.Accepted, _map(("record_id", ID), ("seq", [1]))),  # a list as a value
        (wire.Accepted, _map(("record_id", "é"), ("seq", 1))),  # text for binary
        (wire.Accepted, _map(("record_id", ID), ("seq", True))),  # a bool for an integer
        (wire.Accepted, _map(("record_id", ID), ("seq", 0))),  # below its limit
        (wire.Accepted, _map(("record_id", ID), ("seq", 1.0))),  # a float
        (wire.Accepted, _map(("record_id", ID))),  # a field missing
        (wire.Accepted, _map(("record_id", ID), ("seq", 1)) + b"\x00"),  # a byte after it
        (wire.Accepted, _map(("record_id", ID), ("seq", 1))[:-1]),  # cut short
        (wire.Accepted, _map(("record_id", ID), ("seq", 1)).replace(b"seq", b"s\xffq")),
        (wire.PushReply, _map(("accepted", [{"record_id": ID, "seq": 3}, {"seq": 4}]))),
        (wire.SyncRequest, _map(("cursors", []), ("limit", 1), ("skip_own", 1))),
    ],
)
def test_hand_made_bodies_decode_as_they_did(cls: type, raw: bytes) -> None:
    assert _outcome(read_message, cls, raw) == _outcome(
        wire_decoding_reference.read_message, cls, raw
    )
