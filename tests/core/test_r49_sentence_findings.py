"""R49 F3 (fix-nu27c2, `whole_sentences`): a word added at the end of a sentence on one
device while another rewrote most of that sentence is glued to the next sentence's first
word. Pure merge of two offline devices' edits (pycrdt), no I/O."""

from __future__ import annotations

import re

import pytest

from tests.core.test_nu27_sentence_rewrites import merged


@pytest.mark.parametrize(("laptop_id", "phone_id"), [(2, 3), (3, 2)])
def test_a_word_added_to_a_sentence_another_device_rewrote_is_not_glued_to_the_next(
    laptop_id: int, phone_id: int
) -> None:
    """The laptop adds "today" to "Work is hard." (an insertion: no word deleted); the
    phone rewrites the sentence, which `whole_sentences` widens to delete it whole with the
    space after it. The laptop's insert sits among the deleted characters, before the next
    sentence, with the space before it but none after: "Work still worries me.  todayI
    slept ok." on both devices: the word "I" the client wrote is gone from the text as a
    word ("todayI"). Before NU27 C2 the phone replaced only "is hard" and the merge kept
    every word apart. The strict xfail in test_nu27_sentence_rewrites covers a one-word
    *fix* (deletion and insertion); a plain addition, the commonest edit, does it too."""
    body = merged(
        "Work is hard. I slept ok.",
        "Work is hard today. I slept ok.",
        "Work still worries me. I slept ok.",
        laptop_id,
        phone_id,
    )
    written = set(re.findall(r"\w+", "Work is hard today. Work still worries me. I slept ok."))
    assert set(re.findall(r"\w+", body)) <= written, body
    assert "I slept ok." in body, body
