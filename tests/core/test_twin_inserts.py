"""R45 F3: the same words inserted at the same place on two devices are kept once."""

from __future__ import annotations

import re

import pycrdt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from client_sdk import documents, twin_inserts, yjs_updates
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


# R47 F1: pieces of split inserts are never twins; only whole inserts, made at one place by
# two devices before either had the other's, with the same words, are.

words = st.lists(st.sampled_from(["I", "felt", "very", "calm", "tired", ".", " ", "the"]))
bodies = words.map("".join)


def whole_inserts(update: bytes) -> list[tuple[int, int, int, object]]:
    """The inserts of a text an edit's update wrote, each whole as written there (joined as
    Yjs writes one: a struct whose origin is the clock just before it, of its client):
    (client, first clock, length, what places it and its words)."""
    structs, _ = yjs_updates.decode(update)
    out = []
    for run in twin_inserts._runs(structs):
        text = run.text()
        if text is not None:
            place = (run.first.origin, run.first.right_origin, run.first.parent, text)
            out.append((run.first.client, run.first.clock, run.length, place))
    return out


def deleted_ranges(update: bytes) -> list[tuple[int, int, int]]:
    structs, deletes = yjs_updates.decode(update)
    assert structs == []  # a delete set only
    return [(c, k, n) for c, ranges in deletes.items() for k, n in ranges]


phrases = st.sampled_from([" I felt calm.", " I felt tired.", "very ", "the ", " the"]) | bodies


def edited(data: st.DataObject, body: str) -> str | None:
    """`body` as a device edits it (None: it does not): phrases inserted at, and words
    deleted from, places between words, drawn by `data`."""
    if not data.draw(st.booleans()):
        return None
    tokens = re.findall(r"\w+|\s+|[^\w\s]+", body)
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(tokens)))
        how = data.draw(st.sampled_from(["insert", "delete", "everywhere"]))
        if how == "everywhere" and tokens:  # the same change at each place a word is
            word = tokens[min(at, len(tokens) - 1)]
            add = data.draw(st.sampled_from(["", "very ", "the "]))
            tokens = [add + t if t == word and add else t for t in tokens if add or t != word]
        elif how == "delete" and at < len(tokens):
            del tokens[at]
        else:
            tokens.insert(at, data.draw(phrases))
    return "".join(tokens)


@settings(max_examples=200, deadline=None)
@given(old=st.sampled_from(["", "Start.", "I went to teh park."]) | bodies, data=st.data())
def test_a_twin_deleted_is_a_whole_insert_another_device_made_alike_at_once(
    old: str, data: st.DataObject
) -> None:
    """Rounds of edits on two devices (clients 2 and 3), each round's edits made apart (before
    either had the other's), then exchanged; after a round the devices keep twins once, or
    not (a device of an earlier version). Whatever twin deletion removes, at any round, is
    exactly one whole insert of some round that another device made in that same round with
    the same words at the same place (the same origins): words the user wrote otherwise, and
    words inserted inside, before or after them later (R47 F1), are never removed."""
    copies = apart(old, [old, old], [2, 3])
    made: list[list[tuple[int, int, int, object]]] = []
    for _ in range(data.draw(st.integers(1, 4))):
        body = entry_view(copies[0]).body
        updates = [
            edit_entry_update(copy, EntryFields(body=new), now_ms=2)
            for copy in copies
            if (new := edited(data, body)) is not None
        ]
        made.append([i for u in updates for i in whole_inserts(u)])
        for copy in copies:
            for update in updates:
                copy.apply(update)
        assert entry_view(copies[0]).body == entry_view(copies[1]).body
        before = entry_view(copies[0]).body
        deletions = [u for u in (twin_deletes(c.state()) for c in copies) if u is not None]
        for update in deletions:
            for client, clock, length in deleted_ranges(update):
                assert any(
                    (client, clock, length) == (c, k, n)
                    and any(c2 < c and p2 == place for c2, _, _, p2 in inserts)
                    for inserts in made
                    for c, k, n, place in inserts
                ), (before, client, clock, length, made)
        if data.draw(st.booleans()):
            kept_once(copies)
        assert entry_view(copies[0]).body == entry_view(copies[1]).body


@settings(max_examples=150, deadline=None)
@given(old=bodies, first=bodies, second=bodies, later=st.lists(bodies, min_size=1, max_size=3))
def test_edits_made_after_a_merge_are_kept_exactly(
    old: str, first: str, second: str, later: list[str]
) -> None:
    """Two devices edit apart and merge (twins kept once); then one device edits on, and
    the other pulls each edit: the text is exactly what that device wrote, every time (no
    edit made with the other's changes in hand creates twins, whatever Yjs splits)."""
    copies = apart(old, [first, second], [2, 3])
    kept_once(copies)
    for new in later:
        update = edit_entry_update(copies[0], EntryFields(body=new), now_ms=3)
        copies[1].apply(update)
        kept_once(copies)
        assert [entry_view(c).body for c in copies] == [new, new]


def test_different_sentences_added_at_one_place_then_edited_inside_keep_their_words() -> None:
    """R47 F1, the finding's own case, in the core: the left pieces " I felt " of two
    different sentences split by "very " have the same words and origins; not twins."""
    copies = apart("Start.", ["Start. I felt calm.", "Start. I felt tired."], [2, 3])
    kept_once(copies)
    merged = entry_view(copies[0]).body
    assert merged.count("I felt") == 2, merged
    edited = merged.replace("calm", "very calm").replace("tired", "very tired")
    copies[1].apply(edit_entry_update(copies[0], EntryFields(body=edited), now_ms=3))
    assert all(twin_deletes(c.state()) is None for c in copies)
    kept_once(copies)
    assert [entry_view(c).body for c in copies] == [edited, edited]


sentences = st.sampled_from([" I felt calm.", " I felt tired.", " I felt", " I felt very tired."])


@settings(max_examples=200, deadline=None)
@given(
    old=st.sampled_from(["", "Start.", "Start. End."]),
    at=st.integers(0, 4),
    on_2=sentences,
    on_3=sentences,
    data=st.data(),
)
def test_words_added_inside_or_cut_from_two_devices_inserts_keep_the_rest(
    old: str, at: int, on_2: str, on_3: str, data: st.DataObject
) -> None:
    """R47 F1 as a property: each device adds a sentence at one place apart (kept, once if
    the same), then one device changes every copy of a word alike (adds "very " before it,
    or deletes it): Yjs splits both inserts at the same offset, leaving pieces with the
    same words and origins. The text is then exactly what that device wrote."""
    tokens = re.findall(r"\w+|\s+|[^\w\s]+", old)
    at = min(at, len(tokens))
    first, second = ("".join([*tokens[:at], s, *tokens[at:]]) for s in (on_2, on_3))
    copies = apart(old, [first, second], [2, 3])
    kept_once(copies)
    merged = entry_view(copies[0]).body
    word = data.draw(st.sampled_from(["felt", "calm", "tired", "very", ".", " "]))
    add = data.draw(st.sampled_from(["", "very ", "so "]))
    later = merged.replace(word, add + word) if add else merged.replace(word, "")
    copies[1].apply(edit_entry_update(copies[0], EntryFields(body=later), now_ms=3))
    kept_once(copies)
    assert [entry_view(c).body for c in copies] == [later, later]


def test_twins_are_found_in_a_document_that_also_holds_an_xml_text() -> None:
    """Yjs type refs: an XmlElement (3) and an XmlHook (5) carry a name, an XmlText (6)
    nothing; reading a name after an XmlText's ref lost the whole state (None: the twins of
    every other text of the document were kept twice)."""
    base = pycrdt.Doc(client_id=1)
    base.get("x", type=pycrdt.XmlFragment).children.append(pycrdt.XmlText("hi"))
    base.get("body", type=pycrdt.Text).insert(0, "I went to  park.")
    copies = []
    for client_id in (2, 3):
        copy = pycrdt.Doc(client_id=client_id)
        copy.apply_update(base.get_update())
        copy.get("body", type=pycrdt.Text).insert(10, "the")
        copies.append(copy)
    copies[0].apply_update(copies[1].get_update())
    body = copies[0].get("body", type=pycrdt.Text)
    assert str(body) == "I went to thethe park."
    update = twin_deletes(bytes(copies[0].get_update()))
    assert update is not None
    copies[0].apply_update(update)
    assert str(body) == "I went to the park."


def twin_deleted_while_edited(
    sentence: str, edited: str, ids: tuple[int, int, int]
) -> tuple[Document, Document, bytes]:
    """R48 F1 as pure documents: the laptop (client ids[0]) and the phone (ids[1]) add the same
    `sentence` after "Start." before either has the other's; the laptop gets the phone's copy
    and deletes it if it is the higher (`twin_deletes`); the phone, not having that yet,
    rewrites its body as `edited` (a fresh client ids[2]), then gets the laptop's copy and
    delete. Returns (laptop, phone, the phone's state before that pull)."""
    base = Document(DOC_ID, ENTRY, client_id=1)
    base.apply(edit_entry_update(base, EntryFields(body="Start."), now_ms=1))
    laptop = Document.from_state(DOC_ID, ENTRY, base.state(), client_id=ids[0])
    phone = Document.from_state(DOC_ID, ENTRY, base.state(), client_id=ids[1])
    laptops = edit_entry_update(laptop, EntryFields(body="Start." + sentence), now_ms=2)
    phones = edit_entry_update(phone, EntryFields(body="Start." + sentence), now_ms=2)
    laptop.apply(phones)
    delete = twin_deletes(laptop.state())
    assert delete is not None
    laptop.apply(delete)
    editing = Document.from_state(DOC_ID, ENTRY, phone.state(), client_id=ids[2])
    edit = edit_entry_update(editing, EntryFields(body=edited), now_ms=3)
    phone.apply(edit)
    before = phone.state()
    phone.apply(laptops)
    phone.apply(delete)
    laptop.apply(edit)
    return laptop, phone, before


@pytest.mark.parametrize("ids", [(2, 3, 4), (3, 2, 4)])
@pytest.mark.parametrize(
    ("edited", "carried"),
    [
        # a word rewritten inside the copy: the copy kept whole, the edited one after it
        ("Start. I felt tired.", "Start. I felt calm. I felt tired."),
        ("Start. I felt very calm.", "Start. I felt very calm."),  # words added inside it
        ("Start. I felt calm. Slept well.", "Start. I felt calm. Slept well."),  # at its end
        ("Start. I calm.", "Start. I felt calm. I calm."),  # a word cut from it
        ("Begin. I felt tired.", "Begin. I felt calm. I felt tired."),  # and one outside it
    ],
)
def test_an_edit_of_a_twin_copy_deleted_meanwhile_is_carried_to_the_copy_kept(
    edited: str, carried: str, ids: tuple[int, int, int]
) -> None:
    """R48 F1: the phone's edit of its copy, made before it has the laptop's delete of that
    copy, lands among deleted items ("calm.tired."); the phone, which held the edit, carries
    it over: words added go into the copy kept; with words cut, the copy kept stays whole
    and the edited copy follows it ("Start. I felt calm. I felt tired.")."""
    laptop, phone, before = twin_deleted_while_edited(" I felt calm.", edited, ids)
    update = documents.carry_twin_edits(phone, before)
    if ids[1] < ids[0]:  # the laptop's copy was the one deleted: the phone's stays, edited
        assert update is None
    elif update is not None:  # None: the words landed where they read right already
        phone.apply(update)  # as its commit does
        laptop.apply(update)
    expected = edited if ids[1] < ids[0] else carried
    assert entry_view(phone).body == entry_view(laptop).body == expected
    assert documents.carry_twin_edits(phone, phone.state()) is None  # once


@pytest.mark.parametrize("ids", [(2, 3, 4), (3, 2, 4)])
def test_a_twin_copy_deleted_whole_by_its_writer_meanwhile_leaves_one_copy_or_none(
    ids: tuple[int, int, int],
) -> None:
    """The phone deletes its whole copy while the laptop deletes it as a twin, or keeps it and
    deletes its own: a copy deleted whole is not carried over (this device cannot tell it
    from a twin delete of its own), so the sentence stays once when the phone's copy was
    the higher, as without the twin rule, or goes."""
    laptop, phone, before = twin_deleted_while_edited(" I felt calm.", "Start.", ids)
    assert documents.carry_twin_edits(phone, before) is None
    expected = "Start. I felt calm." if ids[1] > ids[0] else "Start."
    assert entry_view(phone).body == entry_view(laptop).body == expected


def test_twins_kept_once_and_untouched_carry_nothing() -> None:
    """Without an edit of the deleted copy there is nothing to carry: R45 F3's rule alone."""
    laptop, phone, before = twin_deleted_while_edited(
        " I felt calm.", "Start. I felt calm.", (2, 3, 4)
    )
    assert documents.carry_twin_edits(phone, before) is None
    assert entry_view(phone).body == entry_view(laptop).body == "Start. I felt calm."


def test_a_removal_carried_again_at_a_share_is_told_from_a_late_one() -> None:
    """R48 F3: an owner device sets its restore-anew marker for an entry in the trash whose
    removal a share carried again (every client's changes, every value deleted) while it
    holds the values live; a late removal carried across a cut (some clients' changes only)
    and an ordinary change are not such a carry."""
    laptop = Document(DOC_ID, ENTRY, client_id=2)
    laptop.apply(edit_entry_update(laptop, EntryFields(body="Monday.", mood=3), now_ms=1))
    phone = Document.from_state(DOC_ID, ENTRY, laptop.state(), client_id=5)
    words = Document.from_state(DOC_ID, ENTRY, laptop.state(), client_id=6)
    late = edit_entry_update(words, EntryFields(body="Monday. More."), now_ms=2)
    laptop.apply(late)
    trashed = Document.from_state(DOC_ID, ENTRY, laptop.state(), client_id=7)
    trash = documents.trash_entry_update(trashed, now_ms=3)
    laptop.apply(trash)
    phone.apply(late)
    phone.apply(trash)
    everything = {c: 0 for c in documents.decode_state_vector(laptop.state_vector())}
    again = laptop.removal_since(everything, strip=True)
    assert again is not None
    assert twin_inserts.carries_stripped(again, phone.state())
    carried_late = laptop.removal_since({6: 0, 7: 0}, strip=True)
    assert carried_late is not None
    assert not twin_inserts.carries_stripped(carried_late, phone.state())
    assert not twin_inserts.carries_stripped(trash, phone.state())
    stripped = Document(DOC_ID, ENTRY, client_id=9)  # a member given the carry: holds nothing live
    stripped.apply(again)
    assert not twin_inserts.carries_stripped(again, stripped.state())


@settings(max_examples=60, deadline=None)
@given(edited=unicode_text, ids=st.permutations([2, 3, 4]))
def test_carrying_twin_edits_never_fails_and_devices_converge(edited: str, ids: list[int]) -> None:
    """Whatever the phone's edit (any text, any plane), carrying it over raises nothing, is
    written once, and both devices read the same body afterwards."""
    laptop, phone, before = twin_deleted_while_edited(" I felt calm.", edited, (ids[0], ids[1], 9))
    carried = documents.carry_twin_edits(phone, before)
    if carried is not None:
        phone.apply(carried)
        laptop.apply(carried)
    assert entry_view(phone).body == entry_view(laptop).body
    assert documents.carry_twin_edits(phone, phone.state()) is None


@settings(max_examples=150, deadline=None)
@given(
    start=st.integers(7, 19),
    cut=st.integers(0, 12),
    words=unicode_text,
    ids=st.permutations([2, 3, 4]),
)
def test_any_edit_inside_a_twin_copy_deleted_meanwhile_reads_as_written(
    start: int, cut: int, words: str, ids: list[int]
) -> None:
    """Any words of any plane written over any part of the copy (from after its first
    character on, so part of it stays), before the phone has the delete: both devices read
    the body as the user wrote it, or, when the edit cut words of the phone's copy deleted
    meanwhile, the laptop's copy whole and the phone's as edited after it; never a word of
    the copy kept lost."""
    sentence = "Start. I felt calm."
    edited = sentence[:start] + words + sentence[min(len(sentence), start + cut) :]
    laptop, phone, before = twin_deleted_while_edited(" I felt calm.", edited, (ids[0], ids[1], 9))
    carried = documents.carry_twin_edits(phone, before)
    if carried is not None:
        phone.apply(carried)
        laptop.apply(carried)
    assert entry_view(phone).body == entry_view(laptop).body
    # Both copies whole, in either order: when the edit removes two words, `replace_text`
    # rewrites the phone's whole sentence (NU27 C2 / R49 F4 rule), which deletes its copy
    # whole, so its new sentence lands before the kept copy (no word lost either way).
    assert entry_view(phone).body in (
        edited,
        sentence + edited[len("Start.") :],
        edited + sentence[len("Start.") :],
    )
    if ids[1] < ids[0]:
        assert entry_view(phone).body == edited


@settings(max_examples=300)
@given(
    st.lists(st.tuples(st.integers(0, 40), st.integers(1, 12)), max_size=8),
    st.integers(0, 50),
    st.integers(1, 12),
)
def test_covered_clocks_are_those_some_range_holds(
    ranges: list[tuple[int, int]], clock: int, length: int
) -> None:
    """`_covered` (and `_covered_sorted`, which `carries_stripped` uses with each client's
    ranges sorted once) says whether every clock of [clock, clock + length) is in one of
    the ranges ((start, size)), in any order, overlapping or not."""
    held = {c for start, size in ranges for c in range(start, start + size)}
    every = all(c in held for c in range(clock, clock + length))
    assert twin_inserts._covered(ranges, clock, length) is every
    assert twin_inserts._covered_sorted(sorted(ranges), clock, length) is every
