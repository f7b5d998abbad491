"""`glued_inserts`: two devices' inserts at one place, glued by the merge, get one space
between them, written alike by every device that finds them (twins, kept once); a join a
user made is never separated, and the rule never writes twice where it wrote once. Pure
(pycrdt documents in memory), no I/O."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pycrdt import Doc, Text

from client_sdk.documents import replace_text, state_clocks
from client_sdk.glued_inserts import glued_pairs, separator_update
from client_sdk.twin_inserts import twin_deletes
from client_sdk.yjs_updates import decode


def _doc(client: int, state: bytes = b"") -> tuple[Doc[Any], Text]:
    doc: Doc[Any] = Doc(client_id=client)
    if state:
        doc.apply_update(state)
    return doc, doc.get("body", type=Text)


def _base(text: str) -> bytes:
    doc, body = _doc(1)
    body += text
    return bytes(doc.get_update())


def _edit(doc: Doc[Any], body: Text, change: Any) -> bytes:
    before = doc.get_state()
    change(body)
    return bytes(doc.get_update(before))


def _concurrent(old: str, on_a: str, on_b: str, ids: tuple[int, int] = (2, 3)) -> list[Doc[Any]]:
    """Two documents (clients `ids`) that each replaced `old` (`replace_text`) and then
    received the other's update: the raw merge, before any merge-time write."""
    base = _base(old)
    docs = []
    updates = []
    for client, new in zip(ids, (on_a, on_b), strict=True):
        doc, body = _doc(client, base)
        updates.append(_edit(doc, body, lambda t, new=new: replace_text(t, new)))
        docs.append(doc)
    docs[0].apply_update(updates[1])
    docs[1].apply_update(updates[0])
    return docs


def _settle(docs: list[Doc[Any]], fresh: int = 1000) -> int:
    """Rounds of merge-time writes (twin deletes, then separators under fresh client ids) on
    every document, each then given to the others, until none writes; returns the rounds."""
    for rounds in range(1, 8):
        written: list[list[bytes]] = []
        for doc in docs:
            mine = []
            update = twin_deletes(bytes(doc.get_update()))
            if update is not None:
                doc.apply_update(update)
                mine.append(update)
            fresh += 1
            update = separator_update(bytes(doc.get_update()), fresh)
            if update is not None:
                doc.apply_update(update)
                mine.append(update)
            written.append(mine)
        if not any(written):
            return rounds
        for index, doc in enumerate(docs):
            for other, updates in enumerate(written):
                if other != index:
                    for update in updates:
                        doc.apply_update(update)
    raise AssertionError("the merge-time writes never settle")


def _held(doc: Doc[Any]) -> tuple[dict[int, int], dict[int, list[tuple[int, int]]], str]:
    """What `doc` holds: its state vector, its delete set, its body."""
    return state_clocks(doc.get_state()), decode(bytes(doc.get_update()))[1], _body(doc)


def _body(doc: Doc[Any]) -> str:
    return str(doc.get("body", type=Text))


def test_two_rewrites_of_one_sentence_get_one_space_from_two_devices() -> None:
    docs = _concurrent("Work is hard.", "Work is fine now.", "Work still worries me.")
    assert _body(docs[0]) == "Work is fine now.Work still worries me."
    assert _settle(docs) == 3  # both write a space; both delete the higher one; nothing
    assert [_body(d) for d in docs] == ["Work is fine now. Work still worries me."] * 2
    assert _held(docs[0]) == _held(docs[1])


def test_the_separator_names_the_last_live_character_of_one_and_the_first_of_the_other() -> None:
    """Its origins are the two characters it goes between, whatever deleted items lie between
    them ("!" here, deleted by a third device after the merge): two devices that hold the
    same state write the same item, and a twin of it."""
    docs = _concurrent("Work is hard.", "Work is fine now!", "Work still worries me.")
    third, body = _doc(7, bytes(docs[0].get_update()))
    assert str(body) == "Work is fine now!Work still worries me."
    cut = _edit(third, body, lambda t: t.__delitem__(slice(16, 17)))
    for doc in docs:
        doc.apply_update(cut)
    state = bytes(docs[0].get_update())
    ((name, left, right),) = glued_pairs(state)
    structs, _ = decode(state)

    def char(client: int, clock: int) -> str:
        (struct,) = [
            s
            for s in structs
            if s.client == client and s.clock <= clock < s.clock + s.length and s.text
        ]
        assert struct.text is not None
        return struct.text[clock - struct.clock]

    assert name == "body" and left[0] == 2 and right[0] == 3
    assert char(*left) == "w" and char(*right) == "W"
    (deleted,) = [s for s in structs if (s.client, s.clock) == (2, left[1] + 1)]
    assert deleted.text is None and deleted.length == 1  # the "!", deleted: between them
    update = separator_update(state, 99)
    assert update is not None
    (separator,) = decode(update)[0]
    assert (separator.client, separator.clock, separator.text) == (99, 0, " ")
    assert (separator.origin, separator.right_origin) == (left, right)
    assert _settle(docs) == 3
    assert [_body(d) for d in docs] == ["Work is fine now Work still worries me."] * 2


def test_a_word_typed_before_another_is_never_separated() -> None:
    """A user who types "un" before "happy", or a word before one inserted at the start,
    had it: the insert names it (or what is between) as right origin, never the same
    neighbours as it; nothing is written."""
    doc, body = _doc(2, _base("I am happy"))
    _edit(doc, body, lambda t: t.insert(5, "un"))
    assert str(body) == "I am unhappy" and glued_pairs(bytes(doc.get_update())) == []
    doc, body = _doc(2, _base("Aa"))
    _edit(doc, body, lambda t: t.insert(0, "Uu"))
    later, text = _doc(3, bytes(doc.get_update()))
    _edit(later, text, lambda t: t.insert(0, "Xx"))
    assert str(text) == "XxUuAa" and glued_pairs(bytes(later.get_update())) == []


def test_a_separator_the_user_deleted_is_not_written_again() -> None:
    """The user joins the two again (deletes the space, or the space and a character next
    to it): a device wrote between them once, so nothing is written."""
    for cut in (slice(17, 18), slice(16, 18), slice(17, 19)):
        docs = _concurrent("Work is hard.", "Work is fine now.", "Work still worries me.")
        _settle(docs)
        doc, body = _doc(9, bytes(docs[0].get_update()))
        assert str(body)[cut.start] in " .W"
        _edit(doc, body, lambda t, cut=cut: t.__delitem__(cut))
        assert " " not in str(body)[15:19]
        assert glued_pairs(bytes(doc.get_update())) == [], str(body)


def test_white_space_or_a_script_without_spaces_at_the_junction_needs_no_separator() -> None:
    """Two devices each type at the start of "Aa" (the same neighbours): only two spaced
    letters (or marks) meeting are separated."""
    base = _base("Aa")
    for on_a, on_b, glued in (
        ("Uu", "Xx", True),
        ("Uu.", "Xx", True),
        ("Uu ", "Xx", False),
        ("Uu", "\nXx", False),
        ("今天", "很累", False),
        ("Uu", "很累", False),
    ):
        docs = []
        updates = []
        for client, words in ((2, on_a), (3, on_b)):
            doc, body = _doc(client, base)
            updates.append(_edit(doc, body, lambda t, words=words: t.insert(0, words)))
            docs.append(doc)
        docs[0].apply_update(updates[1])
        docs[1].apply_update(updates[0])
        assert _body(docs[0]) == on_a + on_b + "Aa"
        _settle(docs)
        expected = f"{on_a} {on_b}Aa" if glued else f"{on_a}{on_b}Aa"
        assert [_body(d) for d in docs] == [expected] * 2


def test_a_surrogate_pair_at_the_junction_is_kept_whole() -> None:
    docs = _concurrent("Aa bb.", "Xx bb.", "Uu 😀 bb.")
    assert _settle(docs) == 3
    bodies = {_body(d) for d in docs}
    assert len(bodies) == 1
    (body,) = bodies
    assert body.replace(" ", "") == "Uu😀Xxbb." or body.replace(" ", "") == "XxUu😀bb.", body
    assert "  " not in body


_words = st.lists(st.sampled_from(["aa", "bb", "Cc", "x", "!", ".", " ", "  ", "é", "😀"]))


@settings(max_examples=300)
@given(
    old=_words,
    on_a=_words,
    on_b=_words,
    ids=st.sampled_from([(2, 3), (3, 2)]),
)
def test_two_devices_merge_time_writes_converge_and_only_add_single_spaces(
    old: list[str], on_a: list[str], on_b: list[str], ids: tuple[int, int]
) -> None:
    """Whatever two devices write concurrently: their merge-time writes settle in at most
    three rounds, leave both with the same state, and only put single spaces between
    characters that were not white space (the raw merge's characters are all kept, in
    order); the settled state has no glued pair left to write."""
    docs = _concurrent("".join(old), "".join(on_a), "".join(on_b), ids)
    copy = _doc(5, bytes(docs[0].get_update()))[0]
    update = twin_deletes(bytes(copy.get_update()))
    if update is not None:
        copy.apply_update(update)
    merged = _body(copy)  # the raw merge, its twins deleted
    assert _settle(docs) <= 3
    assert _held(docs[0]) == _held(docs[1])
    final = _body(docs[0])
    assert _body(docs[1]) == final
    assert glued_pairs(bytes(docs[0].get_update())) == []
    at = 0
    for index, char in enumerate(final):  # `merged` with single spaces put in
        if at < len(merged) and char == merged[at]:
            at += 1
            continue
        assert char == " " and 0 < index < len(final) - 1, (merged, final)
        assert not final[index - 1].isspace() and not final[index + 1].isspace(), final
    assert at == len(merged), (merged, final)


def test_an_insert_whose_first_letters_were_deleted_is_still_kept_apart() -> None:
    """A third device deleted the first letter of the laptop's words (held glued): the
    words left are still the laptop's, glued to the phone's."""
    base = _base("Aa")
    docs, updates = [], []
    for client, words in ((2, "Uu"), (3, "Xx")):
        doc, body = _doc(client, base)
        updates.append(_edit(doc, body, lambda t, words=words: t.insert(0, words)))
        docs.append(doc)
    docs[0].apply_update(updates[1])
    docs[1].apply_update(updates[0])
    third, body = _doc(7, bytes(docs[0].get_update()))
    cut = _edit(third, body, lambda t: t.__delitem__(slice(0, 1)))
    for doc in docs:
        doc.apply_update(cut)
    assert _body(docs[0]) == "uXxAa"
    _settle(docs)
    assert [_body(d) for d in docs] == ["u XxAa"] * 2


def test_twins_the_twin_rule_did_not_delete_yet_are_never_separated() -> None:
    """The same fix made on two devices ("teh" -> "the" twice) reads "thethe" until a device
    writes the twin delete (one that cannot write here, an archived journal, leaves it to
    another): no space goes between twins, which would read "the the", then "the  park"."""
    docs = _concurrent("I went to teh park.", "I went to the park.", "I went to the park.")
    assert _body(docs[0]) == "I went to thethe park."
    assert glued_pairs(bytes(docs[0].get_update())) == []
    _settle(docs)
    assert [_body(d) for d in docs] == ["I went to the park."] * 2
