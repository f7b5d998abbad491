"""An entry's named emotions and the prompt it answers: validation, storage, forgiving reads."""

from __future__ import annotations

import pytest

from client_sdk.documents import (
    EMOTIONS,
    ENTRY,
    Document,
    EntryFields,
    edit_entry_update,
    entry_view,
    new_entry_update,
    normalize_emotions,
)
from client_sdk.errors import InvalidInput

DOC_ID = b"\x09" * 16


def test_the_emotion_list_is_documented_lowercase_and_without_repeats() -> None:
    assert len(EMOTIONS) >= 12 and len(set(EMOTIONS)) == len(EMOTIONS)
    assert {"anxious", "calm", "sad", "hopeful", "angry", "grateful"} <= set(EMOTIONS)
    assert all(e == e.strip().lower() for e in EMOTIONS)


def test_emotions_and_the_prompt_are_stored_and_read_back() -> None:
    document = Document(DOC_ID, ENTRY)
    fields = EntryFields(body="b", emotions=("calm", "hopeful"), prompt_id="trust-01")
    new_entry_update(document, fields, 1)
    view = entry_view(document)
    assert (view.emotions, view.prompt_id) == (("calm", "hopeful"), "trust-01")


def test_an_entry_without_emotions_reads_as_none_and_can_gain_them_later() -> None:
    document = Document(DOC_ID, ENTRY)
    new_entry_update(document, EntryFields(body="b"), 1)
    assert (entry_view(document).emotions, entry_view(document).prompt_id) == ((), None)
    copy = Document.from_state(DOC_ID, ENTRY, document.state())
    copy.apply(edit_entry_update(document, EntryFields(emotions=("sad",)), 2))
    assert entry_view(copy).emotions == ("sad",)


def test_names_are_normalized_before_they_are_checked() -> None:
    assert normalize_emotions([" Calm", "calm", "SAD "]) == ("calm", "sad")


@pytest.mark.parametrize(
    "emotions", [("bored",), ("Calm",), ("calm", "calm")], ids=["unknown", "case", "repeat"]
)
def test_emotions_outside_the_list_are_refused(emotions: tuple[str, ...]) -> None:
    with pytest.raises(InvalidInput, match="emotion"):
        EntryFields(emotions=emotions).validate()


@pytest.mark.parametrize("prompt_id", ["", "Trust-01", "trust 01", "-x", "a" * 65, "é"])
def test_malformed_prompt_ids_are_refused(prompt_id: str) -> None:
    with pytest.raises(InvalidInput, match="prompt id"):
        EntryFields(prompt_id=prompt_id).validate()


def test_odd_values_from_another_client_read_as_none() -> None:
    document = Document(DOC_ID, ENTRY)
    document.change(fields={"emotions": "calm", "prompt_id": 7})
    assert (entry_view(document).emotions, entry_view(document).prompt_id) == ((), None)
