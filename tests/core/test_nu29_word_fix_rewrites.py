"""NU29 F1: a word fixed on one device while another device rewrote that sentence merges
glued to a neighbour ("My manager praised my report.tough Dinner was nice."), in a middle
sentence, a last one and a text of one sentence, not only at the end of a text's first
sentence as the README said. The new-user's own texts, merged as both devices end up with
them (`merged`: the merge-time writes included), each client id first. Pure (pycrdt), no I/O."""

from __future__ import annotations

import string

import pytest

from tests.core.test_nu27_sentence_rewrites import merged

IDS = [(2, 3), (3, 2)]


def _spaced_words(text: str) -> set[str]:
    """The words of `text` as white space separates them, without punctuation at their ends:
    "report.tough" stays one (glued), "report." is "report"."""
    return {token.strip(string.punctuation) for token in text.split()} - {""}


def _check(old: str, on_laptop: str, on_phone: str, body: str) -> None:
    """Every word of the merge, as white space separates it, is a word one device wrote (none
    glued to another across a full stop or directly), and the fixed word is in it."""
    written = _spaced_words(on_laptop) | _spaced_words(on_phone)
    assert _spaced_words(body) <= written, body


def _reason(output: str) -> str:
    return (
        "NU29 F1: a one-word fix goes with the other device's rewrite of its sentence, "
        "inside the deleted run, with no white space of its own; the rewrite's new sentence "
        f"has its white space on the other side, so the word is glued: {output!r} (both "
        "client-id orders)."
    )


@pytest.mark.xfail(
    strict=True, reason=_reason("I slept ok. My manager praised my report.tough Dinner was nice.")
)
@pytest.mark.parametrize(("laptop_id", "phone_id"), IDS)
def test_nu29_f1_g_a_word_fixed_in_a_middle_sentence_another_device_rewrote(
    laptop_id: int, phone_id: int
) -> None:
    old = "I slept ok. Work is hard today. Dinner was nice."
    on_laptop = "I slept ok. Work is tough today. Dinner was nice."
    on_phone = "I slept ok. My manager praised my report. Dinner was nice."
    body = merged(old, on_laptop, on_phone, laptop_id, phone_id)
    _check(old, on_laptop, on_phone, body)
    assert "tough" in body.split() and "My manager praised my report." in body, body
    assert body.startswith("I slept ok. ") and body.endswith(" Dinner was nice."), body


@pytest.mark.xfail(
    strict=True, reason=_reason("I slept ok. Everything took forever and I gave up.slow.")
)
@pytest.mark.parametrize(("laptop_id", "phone_id"), IDS)
def test_nu29_f1_h_a_word_fixed_in_a_last_sentence_another_device_rewrote(
    laptop_id: int, phone_id: int
) -> None:
    old = "I slept ok. The day was long."
    on_laptop = "I slept ok. The day was slow."
    on_phone = "I slept ok. Everything took forever and I gave up."
    body = merged(old, on_laptop, on_phone, laptop_id, phone_id)
    _check(old, on_laptop, on_phone, body)
    assert "slow" in _spaced_words(body) and "Everything took forever and I gave up." in body
    assert body.startswith("I slept ok. "), body


@pytest.mark.xfail(
    strict=True,
    reason=_reason("Nobody listened to my idea in the meeting, so I left early.poorly"),
)
@pytest.mark.parametrize(("laptop_id", "phone_id"), IDS)
def test_nu29_f1_c_a_word_fixed_in_a_one_sentence_text_another_device_rewrote(
    laptop_id: int, phone_id: int
) -> None:
    old = "The meeting went badly and I felt tired."
    on_laptop = "The meeting went poorly and I felt tired."
    on_phone = "Nobody listened to my idea in the meeting, so I left early."
    body = merged(old, on_laptop, on_phone, laptop_id, phone_id)
    _check(old, on_laptop, on_phone, body)
    assert "poorly" in body.split() and on_phone in body, body


@pytest.mark.xfail(
    strict=True,
    reason="NU29 F1 E (the README's exception: the end of a text's first sentence): the "
    "rewrite of a first sentence deletes the white space after it, so the other device's "
    "fixed word meets the next sentence: 'Monday felt endless and grey. tiringI slept ok.' "
    "(both client-id orders; the R49 F3 and NU27 C2 strict xfails are this family).",
)
@pytest.mark.parametrize(("laptop_id", "phone_id"), IDS)
def test_nu29_f1_e_a_word_fixed_in_a_first_sentence_another_device_rewrote(
    laptop_id: int, phone_id: int
) -> None:
    old = "Monday was long. I slept ok."
    on_laptop = "Monday felt endless and grey. I slept ok."
    on_phone = "Monday was tiring. I slept ok."
    body = merged(old, on_laptop, on_phone, laptop_id, phone_id)
    _check(old, on_laptop, on_phone, body)
    assert "tiring" in _spaced_words(body) and on_laptop.split(" I")[0] in body, body
    assert body.endswith(" I slept ok."), body


@pytest.mark.xfail(
    strict=True,
    reason="NU29 F1 (found fixing it): a word added before another word carries the space "
    "after it (the diff's common prefix comes first), none before it; with the rewrite of a "
    "middle sentence taking the space before the sentence, the word meets the new sentence's "
    "end: 'I slept ok. My manager praised my report.very  Dinner was nice.' (both client-id "
    "orders; the R49 property's word check, regex \\w+, reads 'report.very' as two words).",
)
@pytest.mark.parametrize(("laptop_id", "phone_id"), IDS)
def test_nu29_f1_a_word_added_before_another_in_a_middle_sentence_another_device_rewrote(
    laptop_id: int, phone_id: int
) -> None:
    old = "I slept ok. Work is hard today. Dinner was nice."
    on_laptop = "I slept ok. Work is very hard today. Dinner was nice."
    on_phone = "I slept ok. My manager praised my report. Dinner was nice."
    body = merged(old, on_laptop, on_phone, laptop_id, phone_id)
    _check(old, on_laptop, on_phone, body)
    assert "very" in body.split() and "My manager praised my report." in body, body


@pytest.mark.parametrize(("laptop_id", "phone_id"), IDS)
def test_nu29_f1_a_word_added_before_another_in_a_first_sentence_keeps_its_space(
    laptop_id: int, phone_id: int
) -> None:
    """What the README says reads right: in a text's first sentence the added word comes
    before the next sentence, and its own space is after it."""
    body = merged(
        "Work is hard today. Dinner was nice.",
        "Work is very hard today. Dinner was nice.",
        "My manager praised my report. Dinner was nice.",
        laptop_id,
        phone_id,
    )
    assert body == "My manager praised my report. very Dinner was nice.", body
