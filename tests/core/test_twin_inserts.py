"""R45 F3: the same words inserted at the same place on two devices are kept once."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from client_sdk.documents import ENTRY, Document, EntryFields, edit_entry_update, entry_view
from client_sdk.twin_inserts import twin_deletes
from tests.core.test_documents import DOC_ID, unicode_text


def apart(old: str, edits: list[str], ids: list[int]) -> list[Document]:
    """Copies of an entry whose body is `old`, one per edit, each replacing it by its edit
    under its client id, after every copy applied every other copy's update."""
    base = Document(DOC_ID, ENTRY, client_id=1)
    base.apply(edit_entry_update(base, EntryFields(body=old, mood=3), now_ms=1))
    copies = [Document.from_state(DOC_ID, ENTRY, base.state(), client_id=i) for i in ids]
    updates = [
        edit_entry_update(copy, EntryFields(body=new), now_ms=2)
        for copy, new in zip(copies, edits, strict=True)
    ]
    for copy in copies:
        for update in updates:
            copy.apply(update)
    return copies


def kept_once(copies: list[Document]) -> None:
    """What each copy's device writes at its pull (`Replica._keep_one_twin`), exchanged."""
    updates = [u for u in (twin_deletes(c.state()) for c in copies) if u is not None]
    for copy in copies:
        for update in updates:
            copy.apply(update)


@pytest.mark.parametrize("ids", [[2, 3], [3, 2], [4, 2, 3]])
def test_the_same_fix_on_several_devices_is_kept_once_whatever_the_client_ids(
    ids: list[int],
) -> None:
    fixed = "I went to the park today."
    copies = apart("I went to teh park today.", [fixed] * len(ids), ids)
    assert entry_view(copies[0]).body == f"I went to {'the' * len(ids)} park today."  # Yjs
    kept_once(copies)
    assert [entry_view(c).body for c in copies] == [fixed] * len(ids)
    assert all(twin_deletes(c.state()) is None for c in copies)  # nothing left to delete


@pytest.mark.parametrize(
    ("old", "on_laptop", "on_phone", "merged"),
    [
        # the same words added at one place, with another change elsewhere
        (
            "I felt calm today.",
            "I felt very calm today.",
            "I felt very calm today. Slept well.",
            "I felt very calm today. Slept well.",
        ),
        # different rewrites are both kept, whole (NU24 C1): not twins
        ("Work was hard.", "Laptop version.", "Phone version.", None),
        # the same word inserted at different places is kept at both
        ("a b c", "a x b c", "a b x c", "a x b x c"),
    ],
)
def test_only_the_same_words_at_the_same_place_are_twins(
    old: str, on_laptop: str, on_phone: str, merged: str | None
) -> None:
    copies = apart(old, [on_laptop, on_phone], [2, 3])
    before = entry_view(copies[0]).body
    kept_once(copies)
    after = [entry_view(c).body for c in copies]
    assert after[0] == after[1] == (merged or before)


@given(old=unicode_text, first=unicode_text, second=unicode_text)
def test_devices_converge_after_keeping_twins_once(old: str, first: str, second: str) -> None:
    copies = apart(old, [first, second], [2, 3])
    assert entry_view(copies[0]).body == entry_view(copies[1]).body
    kept_once(copies)
    assert entry_view(copies[0]).body == entry_view(copies[1]).body
    if first == second:  # the same edit on both devices: made once
        assert entry_view(copies[0]).body == first


@given(data=st.binary(max_size=64))
def test_anything_that_is_not_a_state_deletes_nothing(data: bytes) -> None:
    assert twin_deletes(data) is None or twin_deletes(data)[:1] == b"\x00"


@given(old=unicode_text, new=unicode_text)
def test_the_same_edit_on_two_devices_is_made_once(old: str, new: str) -> None:
    copies = apart(old, [new, new], [2, 3])
    kept_once(copies)
    assert entry_view(copies[0]).body == entry_view(copies[1]).body == new
