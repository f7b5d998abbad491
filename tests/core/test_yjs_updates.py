"""yjs_updates.refusal: the updates a device refuses to merge (protocol.md §5, "Updates a
device refuses"), and Document.apply refusing them without changing the document."""

from __future__ import annotations

from functools import cache
from typing import Any

import pycrdt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from client_sdk import documents
from client_sdk.documents import Document
from client_sdk.errors import IntegrityError
from client_sdk.inputs import MAX_DEPTH
from client_sdk.yjs_binary import varuint
from client_sdk.yjs_updates import (
    GC,
    MAX_NESTING,
    MERGED_CONTENT,
    SKIP,
    Struct,
    Unreadable,
    Walk,
    decode,
    refusal,
)

DOC_ID = b"d" * 16
CLIENT = 5


def _string(text: str) -> bytes:
    data = text.encode()
    return varuint(len(data)) + data


def _update(*structs: bytes) -> bytes:
    """A v1 update of `structs`, all of client CLIENT from clock 0, and an empty delete set."""
    return b"\x01" + varuint(len(structs)) + varuint(CLIENT) + b"\x00" + b"".join(structs) + b"\x00"


def _words(text: str = "hi") -> bytes:
    """A ContentString item in the root text `body`."""
    return b"\x04\x01" + _string("body") + _string(text)


def _field(key: str, value: bytes) -> bytes:
    """A ContentAny item under `key` in the root map `fields`, holding one lib0 Any value."""
    return b"\x28\x01" + _string("fields") + _string(key) + b"\x01" + value


def _nested_array(depth: int, inner: bytes = b"\x7e") -> bytes:
    """`inner` (lib0 Any; null by default) inside `depth` one-item arrays."""
    return b"\x75\x01" * depth + inner


def _nested_map(depth: int) -> bytes:
    """null inside `depth` one-key maps."""
    return (b"\x76\x01" + _string("k")) * depth + b"\x7e"


def test_values_nested_to_the_bound_are_merged_and_deeper_ones_refused() -> None:
    """A value inside MAX_NESTING arrays (or maps) may be merged: pycrdt applies and reads it.
    One more level, and the update is refused, text struct first (so that it is not the
    canonical form the fast reader reads) or not."""
    for nested in (_nested_array, _nested_map):
        deepest = _update(_words(), _field("mood", nested(MAX_NESTING)))
        assert refusal(deepest) is None
        document = Document(DOC_ID, "entry")
        document.apply(deepest)
        assert document.text("body") == "hi"
        assert document.field("mood") is not None
        for update in (
            _update(_words(), _field("mood", nested(MAX_NESTING + 1))),
            _update(_field("mood", nested(MAX_NESTING + 1)), _words()),
        ):
            assert refusal(update) == f"a value nested more than {MAX_NESTING} deep"
    assert MAX_NESTING >= 2 * MAX_DEPTH  # what the SDK writes is far from the bound


def test_a_value_nested_50000_deep_is_refused_before_pycrdt_reads_it() -> None:
    """O1: 100 KB (under a record's 256 KB), nested 50,000 deep. pycrdt 0.14 kills the process
    (SIGSEGV) applying it, and about 20,000 deep already reading it; now it never gets it."""
    update = _update(_words(), _field("mood", _nested_array(50_000)))
    assert len(update) < 256 * 1024
    assert refusal(update) == f"a value nested more than {MAX_NESTING} deep"
    # Document.apply with one pycrdt applies and reads without crashing (the 50,000-deep one
    # goes through a real pull in a process of its own: tests/client/test_deep_updates.py).
    document = Document(DOC_ID, "entry")
    with pytest.raises(IntegrityError, match="malformed update: a value nested more than 64 deep"):
        document.apply(_update(_words(), _field("mood", _nested_array(5_000))))


def test_a_sub_documents_options_nested_too_deep_are_refused() -> None:
    """ContentDoc's options are a lib0 Any too (pycrdt kills the process at about 60,000):
    the decoder reads them within the bound, and a sub-document is refused in any case."""
    subdoc = b"\x09\x01" + _string("list") + _string("guid") + _nested_array(MAX_NESTING + 1)
    with pytest.raises(Unreadable, match=f"a value nested more than {MAX_NESTING} deep"):
        decode(_update(subdoc))
    assert refusal(_update(subdoc)) == "a sub-document"


def test_content_this_protocol_never_writes_is_refused() -> None:
    """JSON, Embed and Format content (rich text, legacy JSON) are refused whatever they hold:
    Yrs reads content JSON's count of strings as one more than Yjs writes (rev-o1 F1), so
    the bytes after one would be read one way here and another by Yrs."""
    json = b"\x02\x01" + _string("list") + b"\x01" + _string("1")
    embed = b"\x05\x01" + _string("body") + _string("{}")
    text_format = b"\x06\x01" + _string("body") + _string("bold") + _string("true")
    assert refusal(_update(json)) == "JSON content"
    assert refusal(_update(embed)) == "an embed"
    assert refusal(_update(text_format)) == "a text format"
    assert refusal(_update(b"\x0b\x01" + _string("list"))) is not None  # Yrs' Move


def test_numbers_yrs_reads_otherwise_are_refused() -> None:
    """Clocks, and the clock after a struct or a deleted range, are below 2**31 (Yrs' 32-bit
    clocks: a struct wrapping past 2**32, and structs at 2**31, made it panic, rev-o1 F2),
    client ids are below 2**53, other varuints below 2**32 (Yrs wraps them), every varuint
    is written in the fewest bytes, and GC and Skip have no flag bits (F7: Yrs reads those
    as items)."""
    words = b"\x04\x01" + _string("body") + _string("abc")

    def at(clock: int, client: int = CLIENT) -> bytes:
        return b"\x01\x01" + varuint(client) + varuint(clock) + words + b"\x00"

    assert refusal(at(2**31 - 4)) is None  # its last clock 2**31 - 2, the next one 2**31 - 1
    assert refusal(at(2**31 - 3)) is not None
    assert refusal(at(2**32 - 1)) is not None
    assert refusal(at(0, 2**53 - 1)) is None
    assert refusal(at(0, 2**53)) is not None
    deletes = _update(words)[:-1] + b"\x01" + varuint(CLIENT) + b"\x01"
    assert refusal(deletes + varuint(2**31 - 3) + b"\x02") is None
    assert refusal(deletes + varuint(2**31 - 3) + b"\x03") is not None
    origin = b"\x84" + varuint(CLIENT) + varuint(2**31) + _string("x")
    assert refusal(_update(words, origin)) is not None
    long_string = b"\x04\x01" + _string("body") + varuint(2**32 + 3) + b"abc"
    assert refusal(_update(long_string)) is not None
    assert refusal(b"\x81\x00" + _update(words)[1:]) is not None  # 1 in two bytes
    assert refusal(_update(b"\x00\x03", words)) is None  # a GC of 3 clocks
    assert refusal(_update(b"\x80" + varuint(CLIENT) + b"\x00\x03", words)) is not None


def test_nested_shared_types_and_sub_documents_are_refused() -> None:
    """No device of this protocol writes either. A chain of nested maps needs no deep value
    to make pycrdt's to_py recurse past Python's limit (RecursionError, 1,000 maps: 8 KB)."""
    nested_map = b"\x27\x01" + _string("fields") + _string("mood") + b"\x01"  # a YMap
    assert refusal(_update(nested_map)) == "a nested shared type"
    inside = b"\x28\x00" + varuint(CLIENT) + b"\x00" + _string("k") + b"\x01\x7e"
    assert refusal(_update(inside)) == "an item inside a nested shared type"
    subdoc = b"\x09\x01" + _string("list") + _string("guid") + b"\x76\x00"
    assert refusal(_update(subdoc)) == "a sub-document"
    chain = [nested_map] + [
        b"\x27\x00" + varuint(CLIENT) + varuint(clock - 1) + _string("k") + b"\x01"
        for clock in range(1, 1000)
    ]
    update = _update(*chain)
    reader = pycrdt.Doc()
    reader.apply_update(update)  # what pycrdt made of it: unreadable as plain values
    with pytest.raises(RecursionError):
        reader.get("fields", type=pycrdt.Map).to_py()
    document = Document(DOC_ID, "entry")
    with pytest.raises(IntegrityError, match="malformed update: a nested shared type"):
        document.apply(update)


def test_what_does_not_decode_is_refused() -> None:
    """Truncated, trailing bytes, a struct type this protocol does not use (11: Yrs' Move),
    a string that is not UTF-8: refused, whether pycrdt would take it or not."""
    honest = _update(_words(), _field("mood", b"\x7d\x03"))
    assert refusal(honest) is None
    assert refusal(honest[:-3]) is not None
    assert refusal(honest + b"\x00") is not None
    assert refusal(_update(b"\x0b\x01" + _string("list"))) is not None
    assert refusal(_update(b"\x04\x01" + _string("body") + b"\x02\xff\xfe")) is not None
    assert refusal(b"") is not None


def test_a_refused_update_leaves_the_document_as_it_was() -> None:
    """The refusal comes before pycrdt: the document, its state and its next honest merge
    are those of a document that never saw the refused update."""
    laptop = Document(DOC_ID, "entry")
    first = laptop.change(fields={"mood": 3}, texts={"body": "Calm today."})
    phone = Document.from_state(DOC_ID, "entry", first)
    before = phone.state()
    bad = _update(_words("x"), _field("mood", _nested_array(MAX_NESTING + 1)))
    with pytest.raises(IntegrityError):
        phone.apply(bad)
    assert phone.state() == before
    phone.apply(laptop.change(texts={"body": "Calm today, mostly."}))
    assert phone.text("body") == "Calm today, mostly."
    assert phone.field("mood") == 3


_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
)


def _nested(depth: int) -> st.SearchStrategy[Any]:
    """Plain values inside up to `depth` lists or maps."""
    if depth == 0:
        return _SCALARS
    inner = _nested(depth - 1)
    return st.one_of(
        _SCALARS,
        st.lists(inner, max_size=3),
        st.dictionaries(st.text(max_size=4), inner, max_size=3),
    )


def _deepest(depth: int) -> Any:
    value: Any = "bottom"
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


@settings(max_examples=150, deadline=None)
@given(
    fields=st.dictionaries(st.sampled_from(["mood", "tags", "answers", "x"]), _nested(3)),
    texts=st.lists(st.text(max_size=20), min_size=1, max_size=4),
    pushes=st.lists(_nested(2), max_size=3),
    keyed=st.dictionaries(st.text(min_size=1, max_size=4), _nested(2), max_size=3),
)
def test_every_update_the_sdk_writes_is_merged(
    fields: dict[str, Any], texts: list[str], pushes: list[Any], keyed: dict[str, Any]
) -> None:
    """What `Document.change` writes (fields, texts edited and appended, list pushes and
    drops, keyed maps, values as deep as inputs allow) and every merged state are never
    refused: the check turns away only what no device of this protocol writes."""
    laptop = Document(DOC_ID, "entry")
    phone = Document(DOC_ID, "entry")
    updates = [laptop.change(fields={**fields, "deep": _deepest(MAX_DEPTH)}, texts={"body": ""})]
    phone.apply(updates[0])
    for index, text in enumerate(texts):
        writer, reader = (laptop, phone) if index % 2 else (phone, laptop)
        written = [writer.change(texts={"body": text}, appends={"tail": "."})]
        written += [writer.change(pushes={"checkins": value}) for value in pushes]
        if keyed:
            written.append(writer.change(keyed={"answers": keyed}))
        written.append(writer.change(drops={"checkins": lambda value: value is None}))
        written.append(writer.change(unkeyed={"answers": list(keyed)[:1]}))
        for update in written:
            reader.apply(update)
        updates += written
    for update in updates + [laptop.state(), phone.state()]:
        assert refusal(update) is None
    merged = Document(DOC_ID, "entry")
    for update in updates:
        merged.apply(update)
    assert merged.text("body") == laptop.text("body")


def _by_decoding(update: bytes) -> bool:
    """Whether `update` may be merged, told from `decode`'s every struct (what `refusal`
    walks in one pass) and, naively, from their origins: no cycle (`_cyclic`)."""
    try:
        structs, _ = decode(update)
    except Unreadable:
        return False
    return not _cyclic(structs) and all(
        item.ref in MERGED_CONTENT | {GC, SKIP}
        and (item.parent is None or item.parent[0] == "root")
        for item in structs
    )


def _cyclic(structs: list[Struct]) -> bool:
    """Whether no order integrates `structs` (one update's), each after its own client's
    earlier clocks and its origins, were every clock outside the update held: a client's
    clocks before its first struct here, and all of them once its structs here are in."""
    if any(
        needed is not None and needed[0] == item.client and needed[1] >= item.clock
        for item in structs
        for needed in (item.origin, item.right_origin)
    ):
        return True
    left: dict[int, list[Struct]] = {}
    for item in structs:
        left.setdefault(item.client, []).append(item)
    held = {client: items[0].clock for client, items in left.items()}

    def reached(client: int) -> float:
        if client not in left or not left[client]:
            return float("inf")
        return held[client]

    moved = True
    while moved:
        moved = False
        for client, items in left.items():
            while items:
                item = items[0]
                ready = item.ref == SKIP or (
                    item.clock <= reached(client)
                    and all(
                        needed is None or needed[1] < reached(needed[0])
                        for needed in (item.origin, item.right_origin)
                    )
                )
                if not ready:
                    break
                held[client] = max(held[client], item.clock + item.length)
                items.pop(0)
                moved = True
    return any(left.values())


@cache  # the same updates for every example: built once, only read
def _honest_updates() -> tuple[bytes, ...]:
    laptop = Document(DOC_ID, "entry", client_id=2**52 + 7)
    first = laptop.change(
        fields={"mood": 3, "tags": ["a", "b"], "answers": {"q": [1, [2, {"x": None}]]}},
        texts={"body": "I went to the park today."},
    )
    edit = laptop.change(texts={"body": "I went to the big park today 😌."})
    push = laptop.change(pushes={"checkins": {"at": 1, "note": "ok"}})
    drop = laptop.change(drops={"checkins": lambda value: True})
    body = "hello " * 30
    for index in range(80):  # an edit then carries 80 deleted ranges (a regex reads them)
        body = body[:20] + f"w{index} " + body[24:]
        many = laptop.change(texts={"body": body})
    return (first, edit, push, drop, laptop.state(), many)


@pytest.mark.slow
@settings(max_examples=2000, deadline=None)
@given(
    which=st.integers(min_value=0, max_value=5),
    edits=st.lists(
        st.tuples(
            st.integers(min_value=0),
            st.sampled_from(["flip", "cut", "insert"]),
            st.binary(min_size=1, max_size=3),
        ),
        min_size=1,
        max_size=3,
    ),
)
def test_refusal_walks_updates_as_decode_reads_them(
    which: int, edits: list[tuple[int, str, bytes]]
) -> None:
    """Honest updates changed at random places (bytes replaced, cut, inserted): `refusal`
    refuses exactly those that `decode` does not read or that hold what is refused."""
    update = bytearray(_honest_updates()[which])
    for position, how, data in edits:
        at = position % (len(update) + 1)
        if how == "flip":
            update[at : at + len(data)] = data
        elif how == "cut":
            del update[at:]
        else:
            update[at:at] = data
    assert (refusal(bytes(update)) is None) is _by_decoding(bytes(update))


def test_a_panic_in_yrs_is_a_malformed_update(monkeypatch: pytest.MonkeyPatch) -> None:
    """Should an update pass the check and still make Yrs panic (pyo3's PanicException, a
    BaseException that `except Exception` lets through: rev-o1 F2 escaped every sync so), it
    is a malformed update all the same. Shown with the check switched off and F2's update (a
    struct of client 7 at clock 2**32 - 1, and a delete set naming clocks 0-1)."""
    words = b"\x04\x01" + _string("body") + _string("abc")
    wrapped = b"\x01\x01\x07" + varuint(2**32 - 1) + words + b"\x01\x07\x01\x00\x02"
    with pytest.raises(BaseException) as raised:
        pycrdt.Doc().apply_update(wrapped)
    assert not isinstance(raised.value, Exception)  # what Yrs' panic is
    monkeypatch.setattr(documents, "walk", lambda update: (None, Walk()))
    with pytest.raises(IntegrityError, match="malformed update"):
        Document(DOC_ID, "entry").apply(wrapped)
