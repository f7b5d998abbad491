"""Encoders made faster for issue 10 write the same bytes as before: each is compared, on
drawn inputs, with a verbatim copy of the code it replaced (kept here as the reference)."""

from __future__ import annotations

import struct
from collections.abc import Mapping

from hypothesis import given
from hypothesis import strategies as st

from client_sdk.yjs_binary import FIELDS_ROOT, new_document_update, varuint

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
