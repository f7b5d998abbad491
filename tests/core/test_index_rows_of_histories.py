"""The index row read from a stored state without building a view
(`entry_row_fields_of_state`, the first listing's path) is the row of the view pycrdt reads
from that state, for states made by histories of changes: several changes on two devices,
merges, updates delivered out of order (held, then applied), trash, restore and delete.
tests/core/test_documents.py checks it for states made in one call; a state pycrdt encodes
after later changes can take the same path (see the first test here).

Also: documents made with no buffered update share no buffer (held updates, deletes, the
floor of what they hold), whatever order updates arrive in, and converge."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from client_sdk.documents import (
    ENTRY,
    Document,
    EntryFields,
    delete_entry_update,
    edit_entry_update,
    entry_row_fields_of_state,
    entry_view,
    new_entry_update,
    restore_entry_update,
    trash_entry_update,
)
from client_sdk.errors import IntegrityError, InvalidInput
from client_sdk.queries import EntryRow, entry_row

DOC_ID = bytes(16)

raw_values = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.sampled_from([0, 1, 5, 10, 11, -60, 600, 1_764_633_600_000, 2**31, "ß", "Sleep"])
    | st.text(max_size=5)
    | st.lists(st.sampled_from(["Sleep", "ß", "SS", 1, True, None, 2.0]), max_size=3)
)
row_keys = st.sampled_from(
    ["title", "mood", "tags", "emotions", "created_at", "utc_offset", "deleted", "trashed_at"]
)
# (which device, the fields it sets, whether both devices then merge)
raw_change = st.tuples(
    st.integers(0, 1), st.dictionaries(row_keys, raw_values, max_size=4), st.booleans()
)

tag_lists = st.lists(
    st.sampled_from(["Sleep", "sleep", "ß", "SS", "work"]), max_size=3, unique=True
)
emotion_lists = st.lists(st.sampled_from(["calm", "anxious", "sad"]), max_size=2, unique=True)
# (which device, what it does, mood, tags, emotions, redate to (ms), UTC offset (minutes))
sdk_change = st.tuples(
    st.integers(0, 1),
    st.sampled_from(["edit", "trash", "restore", "delete", "merge"]),
    st.none() | st.integers(1, 10),
    st.none() | tag_lists,
    st.none() | emotion_lists,
    st.none() | st.integers(0, 10**12),
    st.sampled_from([None, -600, 0, 60, 840]),
)


def full_row(state: bytes, waiting: bytes) -> EntryRow:
    """The row of the view of the document stored as (`state`, `waiting`), read by pycrdt."""
    return entry_row(entry_view(Document.from_state(DOC_ID, ENTRY, state, waiting=waiting)))


def check_rows(document: Document) -> None:
    """The row read from `document`'s state, where the index would read one (nothing held
    back), is the row of its full view, and so is the row of the document itself."""
    state, waiting = document.state(), document.waiting()
    if waiting:
        return  # an entry with updates held back is always read through its view
    fast = entry_row_fields_of_state(state)
    if fast is not None:
        assert entry_row(fast) == full_row(state, waiting)
    assert entry_row(entry_view(document)) == full_row(state, waiting)


def merge(a: Document, b: Document) -> None:
    a.apply(b.state())
    b.apply(a.state())


def test_a_state_encoded_after_a_change_adding_a_field_is_read_without_a_view() -> None:
    """Why histories matter: after a second change that only adds a field, the state pycrdt
    encodes is still read by the path without a view, and gives the full view's row."""
    document = Document(DOC_ID, ENTRY, client_id=11)
    document.change(fields={"title": "x", "tags": ["Sleep"]})
    document.change(fields={"mood": 5})
    fast = entry_row_fields_of_state(document.state())
    assert fast is not None and fast.mood == 5
    assert entry_row(fast) == full_row(document.state(), b"")
    document.change(fields={"mood": 6})  # an overwrite: whichever path reads it, the same row
    check_rows(document)
    assert entry_row(entry_view(document)).mood == 6


@settings(max_examples=60, deadline=None)
@given(
    first=st.dictionaries(row_keys, raw_values, max_size=8),
    body=st.text(max_size=5),
    changes=st.lists(raw_change, max_size=5),
    order=st.permutations(range(6)),
)
def test_index_rows_of_raw_field_histories_equal_full_views(
    first: dict[str, Any],
    body: str,
    changes: list[tuple[int, dict[str, Any], bool]],
    order: list[int],
) -> None:
    """Raw field values of every type (ints near 2**53, bools, lists of mixed items)
    written in turns on two devices, with merges; then a third device receives the
    updates in another order, holding some back until what they follow arrives."""
    a = Document(DOC_ID, ENTRY, client_id=11)
    updates = [a.change(fields=first, texts={"body": body} if body else None)]
    b = Document.from_state(DOC_ID, ENTRY, a.state())
    check_rows(a)
    check_rows(b)
    for who, fields, merged in changes:
        updates.append((a, b)[who].change(fields=fields))
        if merged:
            merge(a, b)
        check_rows(a)
        check_rows(b)
    third = Document(DOC_ID, ENTRY)
    for i in [i for i in order if i < len(updates)] + list(range(len(updates))):
        try:
            third.apply(updates[i])
        except IntegrityError:
            pass  # an update it already holds, applied again
        stored = Document.from_state(DOC_ID, ENTRY, third.state(), waiting=third.waiting())
        assert entry_row(entry_view(stored)) == entry_row(entry_view(third))
        check_rows(third)
    assert third.waiting() == b""


@settings(max_examples=60, deadline=None)
@given(
    mood=st.none() | st.integers(1, 10),
    tags=tag_lists,
    emotions=emotion_lists,
    changes=st.lists(sdk_change, max_size=6),
    at=st.integers(10**12, 2 * 10**12),
    offset=st.sampled_from([None, -600, 60]),
)
def test_index_rows_of_entry_histories_equal_full_views(
    mood: int | None,
    tags: list[str],
    emotions: list[str],
    changes: list[
        tuple[int, str, int | None, list[str] | None, list[str] | None, int | None, int | None]
    ],
    at: int,
    offset: int | None,
) -> None:
    """The SDK's own updates (write, edit of mood, tags, emotions and date, trash,
    restore, delete) on two devices with merges; a third device applies them newest
    first, and ends with the row both devices have once merged."""
    a = Document(DOC_ID, ENTRY)
    fields = EntryFields(title="t", mood=mood, tags=tuple(tags), emotions=tuple(emotions), body="b")
    updates = [new_entry_update(a, fields, now_ms=at, utc_offset=offset)]
    b = Document.from_state(DOC_ID, ENTRY, a.state())
    check_rows(a)
    check_rows(b)
    now = at
    for who, kind, new_mood, new_tags, new_emotions, redate, new_offset in changes:
        now += 1000
        document = (a, b)[who]
        if kind == "merge":
            merge(a, b)
        elif kind == "edit":
            edit = EntryFields(
                mood=new_mood,
                tags=None if new_tags is None else tuple(new_tags),
                emotions=None if new_emotions is None else tuple(new_emotions),
            )
            try:
                updates.append(
                    edit_entry_update(
                        document, edit, now_ms=now, created_at_ms=redate, utc_offset=new_offset
                    )
                )
            except InvalidInput:
                continue  # e.g. an edit of a deleted entry
        elif kind == "trash":
            updates.append(trash_entry_update(document, now))
        elif kind == "restore":
            updates.append(restore_entry_update(document, now))
        else:
            updates.append(delete_entry_update(document, now))
        check_rows(a)
        check_rows(b)
    third = Document(DOC_ID, ENTRY)
    for update in reversed(updates):
        third.apply(update)
        check_rows(third)
    merge(a, b)
    assert third.waiting() == b""
    assert entry_row(entry_view(third)) == entry_row(entry_view(a)) == entry_row(entry_view(b))
    check_rows(a)


BUFFERS = ("_kept", "_blocked", "_deletes", "_floor")


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 5), order=st.permutations(range(5)))
def test_documents_share_no_buffer_whatever_order_updates_arrive_in(
    n: int, order: list[int]
) -> None:
    """Three documents receive one writer's updates in an order where some wait for
    others: none shares a buffer with another, nothing waits at the end, and each reads
    what the writer wrote, also once stored and read back."""
    writer = Document(DOC_ID, ENTRY, client_id=7)
    updates = [writer.change(fields={"title": "t0", "tags": ["a"]}, texts={"body": "x"})]
    for k in range(1, n):
        updates.append(
            writer.change(fields={"title": f"t{k}", "mood": k}, appends={"body": f" y{k}"})
        )
    documents = [Document(DOC_ID, ENTRY) for _ in range(3)]
    for document in documents:
        for i in [i for i in order if i < n]:
            document.apply(updates[i])
    empty = Document(DOC_ID, ENTRY)
    for x, y in itertools.combinations([*documents, writer], 2):
        # No public way to see a document's buffers: they are private. A document starts
        # with one shared read-only empty mapping for each (that of `empty`, never written
        # to), and must make its own at its first write.
        for name in BUFFERS:
            mine, theirs = getattr(x, name), getattr(y, name)
            assert mine is not theirs or mine is getattr(empty, name), name
    wrote = entry_view(writer)
    for document in documents:
        assert document.waiting() == b""
        assert (entry_view(document).title, entry_view(document).body) == (wrote.title, wrote.body)
        again = Document.from_state(DOC_ID, ENTRY, document.state(), waiting=document.waiting())
        assert entry_view(again.copy()).body == wrote.body
    for name in BUFFERS:
        assert not getattr(empty, name), name  # the shared empty mapping is still empty
