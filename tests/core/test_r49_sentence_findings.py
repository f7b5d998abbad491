"""R49 F3 (fix-nu27c2, `whole_sentences`): a word added at the end of a sentence on one
device while another rewrote most of that sentence is glued to the next sentence's first
word. Pure merge of two offline devices' edits (pycrdt), no I/O."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from client_sdk.documents import semantic_diff, whole_sentences
from tests.core.test_nu27_sentence_rewrites import merged


@pytest.mark.xfail(
    strict=True,
    reason="R49 F3 remaining: a text's first sentence has no white space before it; its "
    "rewrite must delete the space after it, or two devices' rewrites of it would be glued "
    "(test_nu27_c2_a_sentence_partly_rewritten_on_two_devices_keeps_both_whole_and_apart), "
    "so a word the other device added at its end is glued to the next sentence: "
    "'Work still worries me.  todayI slept ok.' No one diff can keep both apart (fixed for a "
    "sentence after another one, below)."
    " The merge-time separator (glued_inserts) does not reach it: the glued word and the "
    "next sentence are not two inserts at one place (the next sentence is the old text, "
    "its space deleted by the other device), and a Yjs state does not say who deleted a "
    "character when, so that delete cannot be told from a join the user made.",
)
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


@pytest.mark.parametrize(("laptop_id", "phone_id"), [(2, 3), (3, 2)])
def test_a_word_added_at_a_sentences_start_is_no_rewrite_that_undoes_a_fix_made_meanwhile(
    laptop_id: int, phone_id: int
) -> None:
    """R49 F4: the laptop adds one word at the start of "Work is hard." ("Today work is
    hard.": the diff replaces "Work" with "Today work", white space inside, so it counts as
    a rewrite, and "is hard." kept after it is no longer than "Today work": `whole_sentences`
    deletes and re-inserts the whole sentence). The phone meanwhile corrects "hard" to
    "tough". Merged on both devices: "Today work is hard. toughI slept ok.": the phone's
    correction is undone (the laptop's re-inserted copy says "hard") and its word is glued
    to the next sentence. A word-level merge (before NU27 C2) kept both edits: "Today work
    is tough. I slept ok." Short sentences, common in a journal, make almost any two-word
    edit "most of the sentence"."""
    body = merged(
        "Work is hard. I slept ok.",
        "Today work is hard. I slept ok.",
        "Work is tough. I slept ok.",
        laptop_id,
        phone_id,
    )
    words = re.findall(r"\w+", body)
    assert "tough" in words and "hard" not in words, body
    assert body.endswith(" I slept ok."), body


@pytest.mark.parametrize(("laptop_id", "phone_id"), [(2, 3), (3, 2)])
@pytest.mark.parametrize(
    ("old", "on_laptop", "on_phone", "expected"),
    [
        (  # a word added to a sentence after another one
            "Monday. Work is hard. I slept ok.",
            "Monday. Work is hard today. I slept ok.",
            "Monday. Work still worries me. I slept ok.",
            "Monday. Work still worries me. today I slept ok.",
        ),
        (  # two sentences joined ("andI" before)
            "Monday. Work is hard. I slept ok.",
            "Monday. Work is hard and I slept ok.",
            "Monday. Work still worries me. I slept ok.",
            "Monday. Work still worries me. and I slept ok.",
        ),
        (  # lines: the line break before the sentence goes with it
            "Monday.\nWork is hard.\nI slept ok.",
            "Monday.\nWork is hard today.\nI slept ok.",
            "Monday.\nWork still worries me.\nI slept ok.",
            "Monday.\nWork still worries me. today\nI slept ok.",
        ),
        (  # a last sentence (as before)
            "Monday. Work is hard.",
            "Monday. Work is hard today.",
            "Monday. Work still worries me.",
            "Monday. Work still worries me. today",
        ),
    ],
)
def test_a_word_added_to_a_rewritten_sentence_after_another_keeps_a_space_after_it(
    old: str, on_laptop: str, on_phone: str, expected: str, laptop_id: int, phone_id: int
) -> None:
    """R49 F3, fixed where the sentence has one before it: the rewrite deletes the white
    space before the sentence instead of the one after it, so the separator after it stays
    and the other device's word keeps a space before the next sentence."""
    assert merged(old, on_laptop, on_phone, laptop_id, phone_id) == expected


@pytest.mark.xfail(
    strict=True,
    reason="R49 F3 remaining: a sentence that starts a line (a line break before it) and "
    "is followed by a space: the rewrite still deletes the space after it (the two devices' "
    "rewrites stay apart by that space, test_two_concurrent_rewrites_of_one_sentence_keep_"
    "each_new_sentence_whole), so a word the other device added at its end is glued to the "
    "next sentence: 'Monday.\\nWork still worries me.  todayI slept ok.'"
    " The merge-time separator (glued_inserts) does not reach it: the glued word and the "
    "next sentence are not two inserts at one place (the next sentence is the old text, "
    "its space deleted by the other device), and a Yjs state does not say who deleted a "
    "character when, so that delete cannot be told from a join the user made.",
)
def test_a_word_added_to_a_rewritten_sentence_starting_a_line_is_not_glued() -> None:
    body = merged(
        "Monday.\nWork is hard. I slept ok.",
        "Monday.\nWork is hard today. I slept ok.",
        "Monday.\nWork still worries me. I slept ok.",
        2,
        3,
    )
    assert "todayI" not in body and " I slept ok." in body, body


def test_an_insertion_or_a_one_word_change_is_never_widened_to_its_sentence() -> None:
    old = "Work is hard. I slept ok."
    for new in (
        "Today work is hard. I slept ok.",  # "Work" -> "Today work": nothing removed
        "Today, work is hard. I slept ok.",
        "Work is really hard. I slept ok.",
        "Work was hard. I slept ok.",
        "Work, is hard. I slept ok.",
        "Sadly work is hard. I slept ok.",
        "Work is hard. Today I slept ok.",
    ):
        plain = semantic_diff(old, new)
        assert whole_sentences(old, plain) == plain, new
    # a word removed and two written, or two removed: a rewrite (NU27 C2)
    for new in ("Work is fine now. I slept ok.", "Work still worries me. I slept ok."):
        assert whole_sentences(old, semantic_diff(old, new))[0] == (-1, "Work is hard. ")
    # after another sentence: the white space before it goes with it, the one after stays
    two = "Monday. " + old
    assert whole_sentences(two, semantic_diff(two, "Monday. Work is fine now. I slept ok.")) == [
        (0, "Monday."),
        (-1, " Work is hard."),
        (1, " Work is fine now."),
        (0, " I slept ok."),
    ]


def _sentence(tokens: list[str]) -> str:
    text = " ".join(tokens) + "."
    return text[:1].upper() + text[1:]


def _words_of(text: str) -> list[str]:
    return [w.casefold() for w in re.findall(r"\w+", text)]


@example(  # CI found it: "UuXx ba." before the merge-time separator (glued_inserts)
    context=("", ""),
    old_words=["aa", "ab", "ba"],
    keeps=(0, 1),
    first_words=["xx"],
    second_at=0,
    second_word="uu",
    second_fixes=True,
    first_id_lower=False,
)
@example(  # the docstring's "Vuw abaabC."
    context=("", ""),
    old_words=["abaab", "cc"],
    keeps=(0, 1),
    first_words=[],
    second_at=0,
    second_word="vuw",
    second_fixes=False,
    first_id_lower=True,
)
@given(
    context=st.sampled_from(
        [
            ("", ""),  # a text of one sentence
            ("I slept ok. ", " Then lunch."),
            ("Monday.\n", "\nTuesday."),
            ("Tue: calm! ", ""),  # a last sentence
        ]
    ),
    old_words=st.lists(
        st.text(alphabet="abc", min_size=2, max_size=5), min_size=2, max_size=6, unique=True
    ),
    keeps=st.tuples(st.integers(0, 6), st.integers(0, 6)),
    first_words=st.lists(st.text(alphabet="xyz", min_size=2, max_size=7), max_size=4),
    second_at=st.integers(0, 6),
    second_word=st.text(alphabet="uvw", min_size=2, max_size=7),
    second_fixes=st.booleans(),
    first_id_lower=st.booleans(),
)
def test_a_word_edit_racing_another_devices_edit_of_its_sentence_is_kept_apart(
    context: tuple[str, str],
    old_words: list[str],
    keeps: tuple[int, int],
    first_words: list[str],
    second_at: int,
    second_word: str,
    second_fixes: bool,
    first_id_lower: bool,
) -> None:
    """R49 F3/F4 property. The first device edits a sentence (keeps some words at its start
    and end, writes `first_words` between: a rewrite, an insertion, a one-word change); the
    second device meanwhile adds one word to it or fixes one of its words. Every word the
    second device wrote is in the merge as a word of its own (not glued to another: each word
    of the merge is one of the two devices'), the text around the sentence is kept, and
    unless the first device's edit rewrote most of the sentence (`whole_sentences` widened
    it), the second device's fix of a word the first kept is not undone. The merge is what
    both devices hold after the merge-time writes (`merged`): two inserts made at one place
    and glued ("UuXx ba.", "Vuw abaabC." from "Abaab c." -> "C." / "Vuw abaab c.") get a
    space between them (`glued_inserts`), so where a device changes the sentence's first
    word (both re-write its capital) nothing is glued either; a first device that removes
    the first word and writes none re-cases the word after it, which it so edits. (A text's
    first sentence followed by another is left out: the strict xfail above.)"""
    before, tail = context
    front, back = min(keeps[0], len(old_words)), keeps[1]
    back = min(back, len(old_words) - front)
    first_tokens = old_words[:front] + first_words + old_words[len(old_words) - back :]
    assume(first_tokens and first_tokens != old_words)
    at = min(second_at, len(old_words) - 1 if second_fixes else len(old_words))
    second_tokens = list(old_words)
    if second_fixes:
        second_tokens[at] = second_word
    else:
        second_tokens.insert(at, second_word)
    old, on_first, on_second = (
        before + _sentence(tokens) + tail for tokens in (old_words, first_tokens, second_tokens)
    )
    ids = (2, 3) if first_id_lower else (3, 2)
    body = merged(old, on_first, on_second, *ids)
    assert body.startswith(before) and body.endswith(tail), body
    diff = semantic_diff(old, on_first)
    widened = whole_sentences(old, diff) != diff
    removed = len(old_words) - front - back
    if not removed or (removed == 1 and len(first_words) <= 1):
        assert not widened, on_first  # an insertion or a one-word change stays (R49 F4)
    # the words the first device changed (a new first word re-cases the old one: changed)
    # (and with no new word the kept word after the removed first one, re-cased as the first)
    end = len(old_words) - back + (not front and not first_words)
    edited = range(front, max(end, 0 if front else 1) + (not second_fixes))
    if widened or at not in edited:  # (both edited one word: the twin-insert tests)
        assert second_word in _words_of(body), body  # the second device's word, apart
        written = set(_words_of(on_first)) | set(_words_of(on_second))
        assert set(_words_of(body)) <= written, body  # nothing glued into a new "word"
    if second_fixes and at not in edited and not widened:
        # the fix is kept: the word it replaced is in the merge as often as the first
        # device's text has it, less the one the second device fixed
        fixed = old_words[at].casefold()
        assert _words_of(body).count(fixed) == _words_of(on_first).count(fixed) - 1, body


@pytest.mark.xfail(
    strict=True,
    reason="R49 F4 remaining: a word added before a sentence's first word re-cases it "
    "('Aa ab.' -> 'Xx aa ab.': the diff replaces 'Aa' by 'Xx aa'); a concurrent fix of that "
    "first word ('Aa' -> 'Uu') replaces the same word: both inserts are kept side by side "
    "and the old word is back, 'Uu Xx aa ab.' (no longer glued since the merge-time "
    "separator of glued_inserts, but the fix is still undone).",
)
def test_a_fix_of_a_sentences_first_word_racing_a_word_added_before_it_is_kept() -> None:
    body = merged("Aa ab.", "Xx aa ab.", "Uu ab.", 3, 2)
    assert body == "Xx uu ab.", body
