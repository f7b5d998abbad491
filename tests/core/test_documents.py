"""CRDT documents: local edits, merging concurrent edits, and the entry rules."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pycrdt import Decoder, Doc, Map, Text

from client_sdk.documents import (
    EMOTIONS,
    ENTRY,
    TRASH_MS,
    Document,
    EntryFields,
    delete_entry_update,
    edit_entry_update,
    encode_state_vector,
    entry_row_fields_of_state,
    entry_view,
    entry_view_of_state,
    new_entry,
    new_entry_update,
    removal,
    removed,
    replace_text,
    restore_entry_update,
    restore_kept_update,
    semantic_diff,
    state_clock,
    state_clocks,
    trash_entry_update,
    trash_expired,
    words,
)
from client_sdk.errors import IntegrityError, InvalidInput
from client_sdk.queries import entry_row
from client_sdk.twin_inserts import twin_deletes
from client_sdk.yjs_binary import (
    as_read_by_pycrdt,
    new_document_update,
    read_new_document_update,
    read_varuint,
    varuint,
)

DOC_ID = b"\x05" * 16
# Text from every plane: accents, CJK, emoji (4 bytes in UTF-8), combining marks.
unicode_text = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=40) | st.text(
    alphabet="aé中😀\u0301 \n", max_size=20
)


def two_copies(body: str = "") -> tuple[Document, Document]:
    """An entry written on one device and the same entry after sync on a second device."""
    first = Document(DOC_ID, ENTRY)
    new_entry_update(first, EntryFields(title="Title", body=body), now_ms=1)
    return first, Document.from_state(DOC_ID, ENTRY, first.state())


def exchange(a: Document, b: Document, update_a: bytes, update_b: bytes) -> None:
    a.apply(update_b)
    b.apply(update_a)


@given(old=unicode_text, new=unicode_text)
def test_replacing_text_yields_exactly_the_new_text(old: str, new: str) -> None:
    text = Doc().get("body", type=Text)
    text.insert(0, old)
    replace_text(text, new)
    assert str(text) == new


@given(old=unicode_text, new=unicode_text)
def test_a_replacement_update_rebuilds_the_text_on_another_copy(old: str, new: str) -> None:
    first, second = two_copies(old)
    update = edit_entry_update(first, EntryFields(body=new), now_ms=2)
    second.apply(update)
    assert entry_view(second).body == entry_view(first).body == new


@given(
    fields=st.fixed_dictionaries(
        {
            "title": st.text(max_size=50),
            "body": unicode_text,
            "mood": st.none() | st.integers(1, 10),
            "tags": st.lists(st.text(min_size=1, max_size=10).filter(str.strip), max_size=5),
        }
    )
)
def test_an_entry_round_trips_through_its_state(fields: dict[str, object]) -> None:
    document = Document(DOC_ID, ENTRY)
    new_entry_update(document, EntryFields(**fields), now_ms=42)  # type: ignore[arg-type]
    view = entry_view(Document.from_state(DOC_ID, ENTRY, document.state()))
    assert (view.title, view.body, view.mood, list(view.tags)) == (
        fields["title"],
        fields["body"],
        fields["mood"],
        fields["tags"],
    )
    assert (view.created_at, view.updated_at, view.deleted) == (42, 42, False)


new_entry_fields = st.builds(
    EntryFields,
    title=st.none() | st.text(max_size=50),
    body=st.none() | unicode_text,
    mood=st.none() | st.integers(1, 10),
    tags=st.lists(st.text(min_size=1, max_size=10).filter(str.strip), max_size=5).map(tuple),
    emotions=st.lists(st.sampled_from(EMOTIONS), unique=True, max_size=3).map(tuple),
    prompt_id=st.none() | st.sampled_from(["sleep", "week-1"]),
)
"""The fields of a new entry, any that `new_entry` takes."""


@given(
    fields=new_entry_fields,
    created_at=st.none() | st.integers(0, 42),
    offset=st.none() | st.integers(-1080, 1080),
)
def test_the_view_of_a_new_entry_is_the_view_read_back_from_its_document(
    fields: EntryFields, created_at: int | None, offset: int | None
) -> None:
    """`new_entry` builds the view from the values it writes (the write path's shortcut):
    it must equal what reading the document back gives, here and on another device."""
    document = Document(DOC_ID, ENTRY)
    _, view = new_entry(document, fields, now_ms=42, created_at_ms=created_at, utc_offset=offset)
    assert view == entry_view(document)
    assert view == entry_view(Document.from_state(DOC_ID, ENTRY, document.state()))


@given(
    fields=new_entry_fields,
    created_at=st.none() | st.integers(0, 42),
    offset=st.none() | st.integers(-1080, 1080),
    edit=st.none()
    | st.fixed_dictionaries({"title": st.text(max_size=20), "mood": st.integers(1, 10)}),
)
def test_the_view_read_from_a_state_without_pycrdt_is_the_view_pycrdt_reads(
    fields: EntryFields, created_at: int | None, offset: int | None, edit: dict[str, object] | None
) -> None:
    """`entry_view_of_state` (the listing's shortcut, issue 10) reads an entry written once
    without pycrdt, and equals `entry_view` of the document built from the same state; any
    other state (here: edited) it leaves to pycrdt (None) or reads equally."""
    document = Document(DOC_ID, ENTRY)
    new_entry(document, fields, now_ms=42, created_at_ms=created_at, utc_offset=offset)
    if edit is None:
        state = document.state()
        assert entry_view_of_state(DOC_ID, state) is not None  # the case it is for
    else:
        edit_entry_update(document, EntryFields(**edit), now_ms=43)  # type: ignore[arg-type]
        state = document.state()
    read = entry_view_of_state(DOC_ID, state)
    assert read is None or read == entry_view(Document.from_state(DOC_ID, ENTRY, state))


def test_concurrent_text_inserts_on_two_devices_keep_both_words() -> None:
    laptop, phone = two_copies("I felt calm.")
    from_laptop = edit_entry_update(laptop, EntryFields(body="I felt very calm."), now_ms=2)
    from_phone = edit_entry_update(phone, EntryFields(body="I felt calm. Slept well."), now_ms=3)
    exchange(laptop, phone, from_laptop, from_phone)
    assert entry_view(laptop).body == entry_view(phone).body == "I felt very calm. Slept well."


@pytest.mark.parametrize(
    ("old", "on_laptop", "on_phone"),
    [
        (
            "Work was hard today, I worry.",
            "Laptop version: work is fine now.",
            "Phone version: work still worries me.",
        ),
        ("To feel better.", "So that I sleep better at night.", "Because I was asked to."),
        ("Déjà vu 🙂 au café.", "Café with Zoé 😀 — été calme.", "Pas de café 😞, réunion."),
    ],
)
def test_a_text_rewritten_on_two_devices_keeps_both_wordings_whole(
    old: str, on_laptop: str, on_phone: str
) -> None:
    """NU24 C1: a raw character diff merged two rewrites letter by letter."""
    laptop, phone = two_copies(old)
    from_laptop = edit_entry_update(laptop, EntryFields(body=on_laptop), now_ms=2)
    from_phone = edit_entry_update(phone, EntryFields(body=on_phone), now_ms=3)
    exchange(laptop, phone, from_laptop, from_phone)
    merged = entry_view(laptop).body
    assert merged == entry_view(phone).body
    assert merged in (on_laptop + on_phone, on_phone + on_laptop)


def test_a_small_fix_stays_a_small_edit_and_a_rewrite_is_one_replacement() -> None:
    body = "Teh day was long, but I went for a walk after lunch."
    assert semantic_diff(body, body.replace("Teh", "The"))[-1] == (
        0,
        " day was long, but I went for a walk after lunch.",
    )
    assert semantic_diff(body, body + " Slept well.") == [(0, body), (1, " Slept well.")]
    assert semantic_diff("I feel ok.", "I am tired.") == [
        (0, "I "),
        (-1, "feel ok."),
        (1, "am tired."),
    ]


def test_concurrent_inserts_at_the_same_place_keep_both_words_in_one_order() -> None:
    laptop, phone = two_copies("Today: ")
    from_laptop = edit_entry_update(laptop, EntryFields(append="rain"), now_ms=2)
    from_phone = edit_entry_update(phone, EntryFields(append="sun"), now_ms=3)
    exchange(laptop, phone, from_laptop, from_phone)
    merged = entry_view(laptop).body
    assert merged == entry_view(phone).body
    assert merged in ("Today: rainsun", "Today: sunrain")


def test_concurrent_unicode_edits_merge_without_breaking_characters() -> None:
    laptop, phone = two_copies("Müde 😴 heute")
    from_laptop = edit_entry_update(laptop, EntryFields(body="Sehr müde 😴 heute"), now_ms=2)
    from_phone = edit_entry_update(phone, EntryFields(body="Müde 😴 heute 🌧️"), now_ms=3)
    exchange(laptop, phone, from_laptop, from_phone)
    assert entry_view(laptop).body == entry_view(phone).body == "Sehr müde 😴 heute 🌧️"


def test_an_edit_in_two_places_keeps_a_concurrent_insert_between_them_in_its_place() -> None:
    # A body replacement diffs character by character: the laptop's two changes touch only
    # their own words, so the phone's insert in between stays before "tired", not before or
    # after a deleted and re-inserted middle.
    laptop, phone = two_copies("Mon: calm. Tue: tired. Wed: hopeful.")
    from_laptop = edit_entry_update(
        laptop, EntryFields(body="Mon: very calm. Tue: tired. Wed: hopeful 🌈."), now_ms=2
    )
    from_phone = edit_entry_update(
        phone, EntryFields(body="Mon: calm. Tue: 😴 tired. Wed: hopeful."), now_ms=3
    )
    exchange(laptop, phone, from_laptop, from_phone)
    merged = "Mon: very calm. Tue: 😴 tired. Wed: hopeful 🌈."
    assert entry_view(laptop).body == entry_view(phone).body == merged


def test_a_replacement_deletes_and_inserts_only_the_characters_that_changed() -> None:
    laptop, _ = two_copies("a😀b é c")
    copy = Doc()
    body = copy.get("body", type=Text)
    copy.apply_update(laptop.state())
    deltas: list[list[dict[str, object]]] = []
    subscription = body.observe(lambda event: deltas.append(event.delta))
    copy.apply_update(edit_entry_update(laptop, EntryFields(body="a😀B é c😀"), now_ms=2))
    body.unobserve(subscription)
    changes = [step for delta in deltas for step in delta if "retain" not in step]
    assert changes == [{"delete": 1}, {"insert": "B"}, {"insert": "😀"}]
    assert str(body) == "a😀B é c😀"


# Three disjoint alphabets: each part of the new text can only match the same part of the old
# one, so a minimal diff keeps all of the middle. Parts are words apart (a space between them),
# and the middle is longer than each edit around it: a replacement diffs whole words and folds
# an equality no longer than the edits around it into them (`semantic_diff`, NU24 C1).
start = st.text(alphabet="ab c😀\u0301", max_size=12)
end = st.text(alphabet="de.\U0001f31e\n", max_size=12)
middle = st.text(alphabet="xyzé中\U0001f308", min_size=14, max_size=24)


@given(
    prefix=start, mid=middle, suffix=end, new_prefix=start, new_suffix=end,
    cut=st.integers(min_value=1), marker=st.text(alphabet="#🌙", min_size=1, max_size=3),
)  # fmt: skip
def test_concurrent_edits_at_different_places_both_keep_their_place(
    prefix: str, mid: str, suffix: str, new_prefix: str, new_suffix: str, cut: int, marker: str
) -> None:
    cut = 1 + cut % (len(mid) - 1)
    laptop, phone = two_copies(f"{prefix} {mid} {suffix}")
    from_laptop = edit_entry_update(
        laptop, EntryFields(body=f"{new_prefix} {mid} {new_suffix}"), now_ms=2
    )
    from_phone = edit_entry_update(
        phone, EntryFields(body=f"{prefix} {mid[:cut]}{marker}{mid[cut:]} {suffix}"), now_ms=3
    )
    exchange(laptop, phone, from_laptop, from_phone)
    merged = f"{new_prefix} {mid[:cut]}{marker}{mid[cut:]} {new_suffix}"
    assert entry_view(laptop).body == entry_view(phone).body == merged


@pytest.mark.parametrize(
    ("old", "on_laptop", "on_phone", "merged"),
    [
        # a word kept by one device and rewritten by the other is rewritten
        ("I slept. Work was ok.", "I slept well. Work was ok.", "I slept. Work was hard.", None),
    ],
)
def test_what_a_replacement_keeps_in_place(
    old: str, on_laptop: str, on_phone: str, merged: set[str] | None
) -> None:
    laptop, phone = two_copies(old)
    from_laptop = edit_entry_update(laptop, EntryFields(body=on_laptop), now_ms=2)
    from_phone = edit_entry_update(phone, EntryFields(body=on_phone), now_ms=3)
    exchange(laptop, phone, from_laptop, from_phone)
    body = entry_view(laptop).body
    assert body == entry_view(phone).body
    assert body in (merged or {"I slept well. Work was hard."})


def merged_apart(old: str, on_laptop: str, on_phone: str, laptop_id: int, phone_id: int) -> str:
    """The body both copies hold after the laptop (Yjs client `laptop_id`) and the phone
    (`phone_id`) each replaced `old` and they exchanged their updates."""
    base = Document(DOC_ID, ENTRY, client_id=1)
    new_entry_update(base, EntryFields(body=old), now_ms=1)
    laptop = Document.from_state(DOC_ID, ENTRY, base.state(), client_id=laptop_id)
    phone = Document.from_state(DOC_ID, ENTRY, base.state(), client_id=phone_id)
    from_laptop = edit_entry_update(laptop, EntryFields(body=on_laptop), now_ms=2)
    from_phone = edit_entry_update(phone, EntryFields(body=on_phone), now_ms=3)
    exchange(laptop, phone, from_laptop, from_phone)
    assert entry_view(laptop).body == entry_view(phone).body
    return entry_view(laptop).body


@pytest.mark.parametrize(("laptop_id", "phone_id"), [(2, 3), (3, 2)])
@pytest.mark.parametrize(
    ("old", "on_laptop", "on_phone", "merged"),
    [
        # R45 F1: the last word rewritten (its full stop folded in), a sentence added after it
        (
            "I slept badly.",
            "I slept well.",
            "I slept badly. Then work was calm.",
            "I slept well. Then work was calm.",
        ),
        # the same at the start: a lone mark folded in, a line added before it
        ("«Bad» day", "«Good» day", "Mon: «Bad» day", "Mon: «Good» day"),
        # a word inserted just before a rewritten word stays before the rewrite
        ("I slept badly.", "I slept well.", "I slept really badly.", "I slept really well."),
        # R45 F2: one-word fixes in one sentence without spaces merge in place
        (
            "我今天去了公司，很累。",
            "我今天去了学校，很累。",
            "我昨天去了公司，很累。",
            "我昨天去了学校，很累。",
        ),
        (
            "今日は会社に行った。",
            "今日は学校に行った。",
            "昨日は会社に行った。",
            "昨日は学校に行った。",
        ),
        ("วันนี้ไปทำงาน", "วันนี้ไปโรงเรียน", "เมื่อวานไปทำงาน", "เมื่อวานไปโรงเรียน"),
    ],
)
def test_concurrent_edits_next_to_a_replacement_keep_their_order_whatever_the_client_ids(
    old: str, on_laptop: str, on_phone: str, merged: str, laptop_id: int, phone_id: int
) -> None:
    """A replacement inserts its words inside the deleted run (`replace_text`), so Yjs never
    orders them against another device's insert next to the run by client id (R45 F1)."""
    assert merged_apart(old, on_laptop, on_phone, laptop_id, phone_id) == merged


@given(text=unicode_text | st.text(alphabet="我今天ที่नमस्ते\u200d👩💻 e\u0301.", max_size=30))
def test_the_words_of_a_text_are_the_text(text: str) -> None:
    assert "".join(words(text)) == text


def test_a_word_is_a_letter_in_scripts_without_spaces_and_marks_stay_with_their_letter() -> None:
    assert words("我今天去了公司，很累。") == list("我今天去了公司，很累。")
    assert words("コーヒーを飲んだ") == list("コーヒーを飲んだ")
    assert words("ที่บ้าน") == ["ที่", "บ้", "า", "น"]  # Thai: each letter with its marks
    assert words("नमस्ते दुनिया") == ["नमस्ते", " ", "दुनिया"]  # Devanagari vowel signs
    assert words("e\u0301te\u0301 ok.") == ["e\u0301te\u0301", " ", "ok", "."]
    assert words("회사에 갔다") == ["회사에", " ", "갔다"]  # Korean puts spaces between words
    assert words("👩\u200d💻 ok") == ["👩\u200d💻", " ", "ok"]


@pytest.mark.parametrize("carried", [True, False])
def test_values_kept_here_are_written_anew_when_another_device_restores_the_entry(
    carried: bool,
) -> None:
    """R45 F6: the phone restores an entry whose words and mood it holds deleted (carried
    so at a share's re-seal), then rewrites a word of it; the laptop, which kept them, writes
    them anew into the merged entry: its words in their place beside the phone's rewrite,
    its mood where the merge has none (a value the merge holds wins). Told which changes
    were carried (`since`), the laptop also leaves what the phone deleted since deleted."""
    laptop, phone = two_copies("Monday. Work was hard, as usual.")
    since = {laptop.client_id: state_clocks(laptop.state_vector()).get(laptop.client_id, 0)}
    edit_entry_update(
        laptop, EntryFields(body="Monday. Work was hard, as usual. Words.", mood=3), now_ms=2
    )
    stripped = Document.from_state(DOC_ID, ENTRY, laptop.state())  # what the phone gets
    stripped.change(
        texts={"body": "Monday. Work was hard, as usual."}, unkeyed={"fields": ["mood"]}
    )
    phone.apply(stripped.state())
    phone.apply(trash_entry_update(phone, now_ms=3))
    phone.apply(restore_entry_update(phone, now_ms=4))
    phone.apply(
        edit_entry_update(
            phone, EntryFields(body="Tuesday. Work was hard, as usual.", title="Phone"), now_ms=5
        )
    )
    update = restore_kept_update(phone, laptop, now_ms=6, since=since if carried else None)
    assert update is not None
    phone.apply(update)
    view = entry_view(phone)
    assert (view.body, view.mood, view.title) == (
        "Tuesday. Work was hard, as usual. Words." if carried else view.body,
        3,
        "Phone",
    )
    assert "Words." in view.body
    assert view.trashed_at is None


@pytest.mark.parametrize("at_once", [False, True])
def test_values_kept_on_two_devices_are_written_anew_once(at_once: bool) -> None:
    """R47 F3: two devices kept the same words (both carried one late removal) and pull
    another device's restore. The second to write sees them written anew already and writes
    nothing; two that write at once (neither had the other's) write the same words at the
    same place, kept once (`twin_deletes`): the words are there once, on every copy."""
    writer = Document(DOC_ID, ENTRY, client_id=1)
    new_entry_update(writer, EntryFields(body="Monday.", mood=4), now_ms=1)
    since = {1: state_clocks(writer.state_vector())[1]}
    edit_entry_update(writer, EntryFields(body="Monday. About my brother.", mood=2), now_ms=2)
    writer.apply(trash_entry_update(writer, now_ms=3))
    stripped = Document.from_state(DOC_ID, ENTRY, writer.state(), client_id=4)  # the carry
    stripped.change(texts={"body": "Monday."}, unkeyed={"fields": ["mood"]})
    stripped.apply(restore_entry_update(stripped, now_ms=5))  # restored on another device
    keepers = [Document.from_state(DOC_ID, ENTRY, writer.state(), client_id=i) for i in (2, 3)]
    before = [Document.from_state(DOC_ID, ENTRY, k.state()) for k in keepers]
    for keeper in keepers:
        keeper.apply(stripped.state())
    assert entry_view(keepers[0]).body == "Monday."
    first = restore_kept_update(keepers[0], before[0], now_ms=6, since=since)
    assert first is not None
    if not at_once:
        keepers[1].apply(first)  # pulled with the restore
    second = restore_kept_update(keepers[1], before[1], now_ms=7, since=since)
    assert (second is None) is not at_once
    copies = [*keepers, stripped]
    for copy in copies:
        for update in (first, second):
            if update is not None:
                copy.apply(update)
    deletes = [u for u in (twin_deletes(c.state()) for c in copies) if u is not None]
    for copy in copies:
        for update in deletes:
            copy.apply(update)
    views = [entry_view(c) for c in copies]
    assert [(v.body, v.mood) for v in views] == [("Monday. About my brother.", 2)] * 3


def test_a_copy_that_loaded_its_own_client_id_writes_under_a_fresh_one() -> None:
    # Two instances that drew the same random client id (forced here) must not both write
    # under it: Yjs would take the second writer's changes for the first's and drop them.
    first = Document(DOC_ID, ENTRY, client_id=7)
    new_entry_update(first, EntryFields(body="calm"), now_ms=1)
    second = Document.from_state(DOC_ID, ENTRY, first.state(), client_id=7)
    from_second = edit_entry_update(second, EntryFields(body="calm, rested"), now_ms=2)
    assert second.client_id != 7
    from_first = edit_entry_update(first, EntryFields(body="very calm"), now_ms=3)
    assert first.client_id == 7  # its own writes are no collision
    exchange(first, second, from_first, from_second)
    assert entry_view(first).body == entry_view(second).body == "very calm, rested"


def test_updates_merge_to_the_same_state_in_any_order_and_twice() -> None:
    laptop, phone = two_copies("base")
    updates = [
        edit_entry_update(laptop, EntryFields(append=" one"), now_ms=2),
        edit_entry_update(laptop, EntryFields(mood=3), now_ms=3),
        edit_entry_update(laptop, EntryFields(title="New title"), now_ms=4),
    ]
    for update in reversed(updates + updates):
        phone.apply(update)
    assert entry_view(phone) == entry_view(laptop)


def test_delete_wins_over_a_concurrent_edit() -> None:
    laptop, phone = two_copies("Draft")
    deletion = delete_entry_update(laptop, now_ms=2)
    edit = edit_entry_update(phone, EntryFields(title="Still here", append=" more"), now_ms=3)
    exchange(laptop, phone, deletion, edit)
    assert entry_view(laptop).deleted and entry_view(phone).deleted


def test_deleting_an_entry_for_good_leaves_none_of_its_content_in_its_state() -> None:
    document = Document(DOC_ID, ENTRY)
    fields = EntryFields(title="Never tell", body="About my brother.", mood=3, tags=("family",))
    new_entry_update(document, fields, now_ms=1)
    trash_entry_update(document, now_ms=2)
    delete_entry_update(document, now_ms=3)
    state = document.state()
    assert b"Never tell" not in state and b"brother" not in state and b"family" not in state
    view = entry_view(Document.from_state(DOC_ID, ENTRY, state))
    assert view.deleted and (view.title, view.body, view.mood, view.tags) == ("", "", None, ())


def test_an_entry_whose_creation_was_never_received_reads_as_deleted() -> None:
    laptop, _ = two_copies("Draft")
    lone = Document(DOC_ID, ENTRY)
    lone.apply(trash_entry_update(laptop, now_ms=2))  # a later change alone (its base missing)
    assert entry_view(lone).deleted


def test_an_edit_never_undeletes_an_entry() -> None:
    laptop, phone = two_copies("Draft")
    phone.apply(delete_entry_update(laptop, now_ms=2))
    laptop.apply(edit_entry_update(phone, EntryFields(mood=5), now_ms=3))
    assert entry_view(laptop).deleted


def test_concurrent_field_writes_settle_the_same_way_on_both_devices() -> None:
    laptop, phone = two_copies()
    from_laptop = edit_entry_update(laptop, EntryFields(mood=2, title="Laptop"), now_ms=2)
    from_phone = edit_entry_update(phone, EntryFields(mood=9, title="Phone"), now_ms=3)
    exchange(laptop, phone, from_laptop, from_phone)
    assert entry_view(laptop) == entry_view(phone)
    assert entry_view(laptop).mood in (2, 9)


def test_a_malformed_update_is_an_integrity_error() -> None:
    document = Document(DOC_ID, ENTRY)
    with pytest.raises(IntegrityError, match=DOC_ID.hex()):
        document.apply(b"\xff\xff\xff not a yjs update")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (EntryFields(mood=0), "mood"),
        (EntryFields(mood=11), "mood"),
        (EntryFields(mood=True), "mood"),
        (EntryFields(title="x" * 201), "title"),
        (EntryFields(tags=("",)), "tag"),
        (EntryFields(tags=tuple(f"t{i}" for i in range(21))), "tags"),
        (EntryFields(body="x" * 100_001), "characters"),
    ],
)
def test_invalid_entry_fields_are_refused(fields: EntryFields, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        fields.validate()


def test_an_entry_can_be_dated_in_the_past_with_the_writers_offset() -> None:
    document = Document(DOC_ID, ENTRY)
    new_entry_update(
        document, EntryFields(body="late"), now_ms=5_000, created_at_ms=1_000, utc_offset=-300
    )
    copy = Document.from_state(DOC_ID, ENTRY, document.state())
    view = entry_view(copy)
    assert (view.created_at, view.updated_at, view.utc_offset) == (1_000, 5_000, -300)


@pytest.mark.parametrize(
    ("created_at_ms", "utc_offset", "message"),
    [
        (6_000, None, "future"),
        (-1, None, "on or after 1970-01-01 00:00 UTC"),
        (None, 1081, "UTC offset"),
        (None, -1081, "UTC offset"),
        (None, True, "UTC offset"),
    ],
)
def test_a_future_date_or_an_impossible_offset_is_refused(
    created_at_ms: int | None, utc_offset: int | None, message: str
) -> None:
    document = Document(DOC_ID, ENTRY)
    with pytest.raises(InvalidInput, match=message):
        new_entry_update(
            document,
            EntryFields(body="x"),
            now_ms=5_000,
            created_at_ms=created_at_ms,
            utc_offset=utc_offset,
        )
    assert document.state() == Document(DOC_ID, ENTRY).state()


def test_a_stored_offset_out_of_range_reads_as_unknown() -> None:
    document = Document(DOC_ID, ENTRY)
    document.change(fields={"utc_offset": 5000, "created_at": 1, "updated_at": 1})
    assert entry_view(document).utc_offset is None
    document.change(fields={"utc_offset": 120.0})
    assert entry_view(document).utc_offset == 120


@pytest.mark.parametrize(
    ("stored", "mood"),
    [(7, 7), (7.0, 7), (1, 1), (10.0, 10), (7.5, None), (0, None), (11, None), (-3.0, None),
     ("7", None), (True, None), (None, None), (float("nan"), None), (float("inf"), None)],
)  # fmt: skip
def test_a_mood_reads_as_a_whole_number_from_1_to_10_however_it_was_encoded(
    stored: object, mood: int | None
) -> None:
    # Another client may write a number as an integer or a float (protocol.md §5, "Numbers").
    document = Document(DOC_ID, ENTRY)
    document.change(fields={"mood": stored, "created_at": 1, "updated_at": 1})
    assert entry_view(Document.from_state(DOC_ID, ENTRY, document.state())).mood == mood


def test_an_append_that_would_pass_the_body_limit_is_refused_and_changes_nothing() -> None:
    document = Document(DOC_ID, ENTRY)
    new_entry_update(document, EntryFields(body="x" * 99_995), now_ms=1)
    before = document.state()
    with pytest.raises(InvalidInput, match=r"holds at most 100,000 characters: .*100,001 \("):
        edit_entry_update(document, EntryFields(append="y" * 6), now_ms=2)
    assert document.state() == before
    edit_entry_update(document, EntryFields(append="y" * 5), now_ms=2)
    assert len(entry_view(document).body) == 100_000


def test_a_trashed_entry_is_restorable_until_thirty_days_have_passed() -> None:
    document = Document(DOC_ID, ENTRY)
    new_entry_update(document, EntryFields(body="x"), now_ms=1)
    trash_entry_update(document, now_ms=1_000)
    view = entry_view(document)
    assert view.trashed_at == 1_000 and not view.deleted
    assert not trash_expired(view, 1_000 + TRASH_MS - 1)
    assert trash_expired(view, 1_000 + TRASH_MS)
    restore_entry_update(document, now_ms=2_000)
    assert entry_view(document).trashed_at is None
    assert not trash_expired(entry_view(document), 10 * TRASH_MS)


def test_a_restore_racing_a_permanent_delete_leaves_the_entry_deleted() -> None:
    first, second = two_copies("body")
    trash_entry_update(first, now_ms=2)
    second.apply(first.state())
    a = restore_entry_update(first, now_ms=3)
    b = delete_entry_update(second, now_ms=3)
    exchange(first, second, a, b)
    assert entry_view(first).deleted and entry_view(second).deleted


def test_a_received_document_keeps_its_one_update_as_its_state_until_more_is_merged() -> None:
    # issue 10: a document received in one record is stored as that update, not re-encoded;
    # once a second update is merged, or it is changed here, the state holds everything.
    writer = Document(b"d" * 16, "entry")
    first = writer.change(fields={"title": "one"}, texts={"body": "first words"})
    second = writer.change(fields={"mood": 4})

    received = Document(b"d" * 16, "entry")
    received.apply(first)
    assert received.state() == first
    received.apply(second)
    merged = Document.from_state(b"d" * 16, "entry", received.state())
    assert (merged.field("title"), merged.field("mood"), merged.text("body")) == (
        "one",
        4,
        "first words",
    )

    edited = Document(b"d" * 16, "entry")
    edited.apply(first)
    edited.change(fields={"title": "two"})
    again = Document.from_state(b"d" * 16, "entry", edited.state())
    assert (again.field("title"), again.text("body")) == ("two", "first words")

    with pytest.raises(IntegrityError):
        Document(b"d" * 16, "entry").apply(b"\xff not an update")


def test_a_document_received_whole_reads_changes_and_refuses_like_one_built_at_once() -> None:
    # issue 10: the first update of a received document is decoded at once (a malformed one
    # refused there) and applied to a pycrdt document only when something reads or changes it.
    writer = Document(b"e" * 16, "entry")
    update = writer.change(fields={"title": "one", "mood": 3}, texts={"body": "some words"})
    for cut in (1, len(update) // 2, len(update) - 1):  # truncated: not an update
        with pytest.raises(IntegrityError, match=(b"e" * 16).hex()):
            Document(b"e" * 16, "entry").apply(update[:cut])

    received = Document(b"e" * 16, "entry")
    received.apply(update)
    assert received.state() == update
    assert (received.field("title"), received.field("mood"), received.text("body")) == (
        "one",
        3,
        "some words",
    )
    later = received.change(fields={"title": "two"})
    writer.apply(later)
    assert writer.field("title") == "two"
    assert received.client_id != writer.client_id  # it writes under its own id


@given(title=unicode_text, body=unicode_text)
def test_a_new_documents_update_is_the_one_a_document_with_history_would_send(
    title: str, body: str
) -> None:
    # issue 10: a fresh document encodes its first change without diffing against a state
    # vector and inserts a new text without a diff; the update must be byte for byte the
    # one the general path makes (same client id), and hold the whole document.
    fresh = Document(DOC_ID, ENTRY, client_id=7)
    general = Document(DOC_ID, ENTRY, client_id=7)
    general.apply(Doc().get_update())  # an empty update: `change` takes the general path
    fields = {"title": title, "mood": 3, "tags": ["a"], "deleted": False}
    update = fresh.change(fields=fields, texts={"body": body})
    assert update == general.change(fields=fields, texts={"body": body})
    assert fresh.state() == update
    copy = Document.from_state(DOC_ID, ENTRY, update)
    assert (copy.field("title"), copy.text("body")) == (title, body)


_CARRY_IN_A_CHILD = """
import sys
from typing import Any
from client_sdk.documents import ENTRY, Document, EntryFields, new_entry_update
from client_sdk.documents import edit_entry_update, trash_entry_update
entry = Document(b"\\x05" * 16, ENTRY, client_id=1)
new_entry_update(entry, EntryFields(body="Monday."), now_ms=1)
edit_entry_update(entry, EntryFields(body="Monday. " + sys.argv[1]), now_ms=2)
entry.apply(trash_entry_update(entry, now_ms=3))
assert entry.removal_since({1: 0}, strip=True) is not None
"""


@pytest.mark.parametrize("words", ["Café au lait.", "今日は雨。", "Ça va 😀", "plain words"])
def test_a_removal_is_carried_from_a_text_holding_any_characters(words: str) -> None:
    """`removal_since` (a removal carried at a share's re-seal, at a late record's carry,
    and for every removed document at a share: R43, R46 F7) deleted a text's words as the
    values of a list: yrs counts a text's length and a list's apart, and spun for ever on
    the first character outside ASCII, hanging the sync or the share. Run first in a child
    process, so that a hang fails this test instead of the test run."""
    subprocess.run([sys.executable, "-c", _CARRY_IN_A_CHILD, words], check=True, timeout=60)
    laptop, phone = two_copies("Monday.")
    edit_entry_update(laptop, EntryFields(body="Monday. " + words, mood=3), now_ms=2)
    laptop.apply(trash_entry_update(laptop, now_ms=3))
    carried = laptop.removal_since({laptop.client_id: 0}, strip=True)
    assert carried is not None
    phone.apply(carried)
    view = entry_view(phone)
    assert (view.body, view.mood, view.trashed_at is not None) == ("Monday.", None, True)
    assert entry_view(laptop).body == "Monday. " + words  # kept here


field_value = st.none() | st.booleans() | st.integers(-(2**31), 2**31) | st.text(max_size=5)


@given(
    values=st.fixed_dictionaries(
        {}, optional={"deleted": field_value, "trashed_at": field_value, "title": field_value}
    ),
    merged=st.booleans(),
)
def test_fields_read_at_once_are_the_fields_read_one_by_one(
    values: dict[str, object], merged: bool
) -> None:
    """`Document.fields_of` (one transaction) reads what `field` reads name by name, absent
    names as None, and `removal`/`removed` (which read so) say what the fields say: deleted
    for good when `deleted` is true, else trashed when `trashed_at` is set, else neither."""
    written = Document(DOC_ID, ENTRY)
    written.change(fields={"mood": 3, **values})
    document = written
    if merged:  # as a pull holds it: another instance, the update applied
        document = Document(DOC_ID, ENTRY)
        document.apply(written.state())
    names = ("deleted", "trashed_at", "title", "mood", "absent")
    assert document.fields_of(*names) == tuple(document.field(name) for name in names)
    expected = (
        "deleted"
        if values.get("deleted") is True
        else "trashed"
        if values.get("trashed_at") is not None
        else ""
    )
    assert removal(document) == expected
    assert removed(document) is (expected != "")


# --- a new document encoded without pycrdt (issue 10) ---------------------------------------

plain_values = st.recursive(
    st.none()
    | st.booleans()
    | unicode_text
    | st.integers(min_value=-(2**60), max_value=2**60)
    | st.sampled_from([0, 1, 2**24, 2**24 + 1, 2**31, 2**53 - 1, -(2**53) + 1, 1_764_633_600_000])
    | st.floats(allow_nan=False),
    lambda items: st.lists(items, max_size=3) | st.tuples(items),
    max_leaves=6,
)
long_text = st.text(alphabet="ab é中😀\n", min_size=5_000, max_size=30_000)


@given(
    client_id=st.integers(min_value=0, max_value=2**53 - 1),
    fields=st.dictionaries(
        st.sampled_from(["title", "mood", "tags", "created_at", "deleted", "x", "é"]),
        plain_values,
        max_size=7,
    ),
    texts=st.dictionaries(
        st.sampled_from(["body", "notes", "fields"]), unicode_text | long_text, max_size=2
    ),
)
def test_a_new_document_is_encoded_byte_for_byte_as_pycrdt_encodes_it(
    client_id: int, fields: dict[str, object], texts: dict[str, str]
) -> None:
    """`Document.change` of a new document writes its update without pycrdt where it can
    (`yjs_binary.new_document_update`): the same bytes as pycrdt writes, and afterwards the
    same document (read back, its state, and the update of a later change)."""
    fast = Document(DOC_ID, ENTRY, client_id=client_id)
    slow = Document(DOC_ID, ENTRY, client_id=client_id)
    assert slow.client_id == client_id  # its pycrdt document made: pycrdt writes the change
    update = fast.change(fields=fields, texts=texts)
    encoded_here = new_document_update(client_id, fields, texts) is not None
    assert (fast._built is None) == encoded_here  # else pycrdt wrote it (a float, say)
    assert update == slow.change(fields=fields, texts=texts)
    assert fast.state() == slow.state() == update
    assert fast.field_values() == slow.field_values()
    assert {name: fast.text(name) for name in texts} == {name: slow.text(name) for name in texts}
    later = {"fields": {"title": "later"}, "texts": {"body": "a later body"}}
    assert fast.change(**later) == slow.change(**later)  # type: ignore[arg-type]
    assert fast.state() == slow.state()


@given(
    client_id=st.integers(min_value=0, max_value=2**53 - 1),
    fields=st.dictionaries(
        st.sampled_from(
            [
                "title",
                "mood",
                "tags",
                "emotions",
                "created_at",
                "utc_offset",
                "deleted",
                "trashed_at",
                "x",
            ]
        ),
        plain_values | st.sampled_from([3, 7, -60, 600, True, 1.5]),
        max_size=9,
    ),
    body=st.none() | unicode_text,
)
def test_the_index_row_read_from_a_state_is_the_row_of_the_view_pycrdt_reads(
    client_id: int, fields: dict[str, object], body: str | None
) -> None:
    """`entry_row_fields_of_state` (the first listing's index rows without views, issue
    10) gives the row of the view pycrdt reads from the same state, whatever the fields
    hold (numbers as ints or floats, lists of numbers in tags and emotions, out-of-range
    times and moods), and reads exactly the states `entry_view_of_state` reads."""
    update = new_document_update(client_id, fields, {} if body is None else {"body": body})
    if update is None:
        return  # pycrdt writes it: a state read through pycrdt only
    row = entry_row_fields_of_state(update)
    assert (row is None) == (entry_view_of_state(DOC_ID, update) is None)
    assert row is not None  # every update `new_document_update` writes is read back
    assert entry_row(row) == entry_row(entry_view(Document.from_state(DOC_ID, ENTRY, update)))


def typed(value: object) -> object:
    """`value` with the type of every part spelled out, so that equality tells 3 from 3.0
    and a list from a tuple (pycrdt reads numbers as floats, lists as lists) but not the
    order of a dict's keys."""
    if isinstance(value, dict):
        return ("dict", sorted((key, repr(typed(item))) for key, item in value.items()))
    if isinstance(value, list | tuple):
        return (type(value).__name__, [typed(item) for item in value])
    return (type(value).__name__, value)


@given(
    client_id=st.integers(min_value=0, max_value=2**53 - 1),
    fields=st.dictionaries(
        st.sampled_from(["title", "mood", "tags", "created_at", "deleted", "trashed_at", "é"]),
        plain_values,
        max_size=7,
    ),
    texts=st.dictionaries(
        st.sampled_from(["body", "notes", "fields"]), unicode_text | long_text, max_size=2
    ),
)
def test_the_update_creating_a_document_is_read_back_as_pycrdt_reads_it(
    client_id: int, fields: dict[str, object], texts: dict[str, str]
) -> None:
    """`read_new_document_update` reads back every update `new_document_update` writes:
    the same fields (numbers as pycrdt reads them) and texts as pycrdt reads from a document
    it applied the update to, and a Document applying it without pycrdt holds the same
    state, fields, texts and removal as one applying it with pycrdt (issue 10)."""
    update = new_document_update(client_id, fields, texts)
    if update is None:
        return  # pycrdt writes it (a float, a text named "fields"): nothing to read back
    read = read_new_document_update(update)
    assert read is not None
    assert new_document_update(*read) == update
    doc: Doc[Any] = Doc()
    doc.apply_update(update)
    held = doc.get("fields", type=Map).to_py() or {}
    assert {key: as_read_by_pycrdt(value) for key, value in read[1].items()} == held
    assert read[2] == {name: str(doc.get(name, type=Text)) for name in read[2]}
    fast = Document(DOC_ID, ENTRY)
    fast.apply(update)
    assert fast._built is None  # read without pycrdt
    slow = Document(DOC_ID, ENTRY)
    assert slow.client_id >= 0  # its pycrdt document made: pycrdt applies the update
    slow.apply(update)
    assert fast.removal_fields() == slow.fields_of("deleted", "trashed_at")
    assert removal(fast) == removal(slow)
    assert fast.state() == slow.state() == update
    names = [*read[1], "absent", "title", "mood", "é"]
    assert typed(fast.field_values()) == typed(slow.field_values())
    assert typed([fast.field(name) for name in names]) == typed(
        [slow.field(name) for name in names]
    )
    assert typed([fast.field(name, "gone") for name in names]) == typed(
        [slow.field(name, "gone") for name in names]
    )
    assert typed(fast.fields_of(*names)) == typed(slow.fields_of(*names))
    assert [fast.holds_field(name) for name in names] == [slow.holds_field(name) for name in names]
    text_names = [*texts, "body", "notes", "absent"]
    assert [fast.text(name) for name in text_names] == [slow.text(name) for name in text_names]
    assert fast._built is None  # every read above answered without pycrdt (issue 10)
    later = {"fields": {"title": "later"}, "texts": {"body": "a later body"}}
    fast.change(**later)  # type: ignore[arg-type]
    slow.change(**later)  # type: ignore[arg-type]
    assert fast.field_values() == slow.field_values()
    assert [fast.field(name) for name in names] == [slow.field(name) for name in names]
    assert fast.text("body") == slow.text("body") == "a later body"


@given(
    client_id=st.integers(min_value=0, max_value=2**53 - 1),
    fields=st.dictionaries(st.sampled_from(["title", "mood", "deleted", "é"]), plain_values),
    texts=st.dictionaries(st.sampled_from(["body", "notes"]), unicode_text, max_size=2),
    edits=st.lists(
        st.tuples(
            st.integers(min_value=0),
            st.sampled_from(["set", "insert", "delete"]),
            st.integers(0, 255),
        ),
        min_size=1,
        max_size=3,
    ),
)
def test_only_the_bytes_new_document_update_writes_are_read_without_pycrdt(
    client_id: int,
    fields: dict[str, object],
    texts: dict[str, str],
    edits: list[tuple[int, str, int]],
) -> None:
    """Any other update (here: one written by `new_document_update`, then altered) is either
    read as exactly the fields and texts `new_document_update` writes it from, or not read
    at all (None: pycrdt applies it, or refuses it, as before)."""
    update = new_document_update(client_id, fields, texts)
    if update is None:
        return
    altered = bytearray(update)
    for at, how, byte in edits:
        at %= len(altered) + 1
        if how == "set" and at < len(altered):
            altered[at] = byte
        elif how == "insert":
            altered.insert(at, byte)
        elif at < len(altered):
            del altered[at]
    read = read_new_document_update(bytes(altered))
    assert read is None or new_document_update(*read) == bytes(altered)


@pytest.mark.parametrize(
    "update",
    [
        b"\x01\x01\x05\x00\x28\x01\x06fields\x01k\x01\x7c\x80\x00\x00\x00\x00",  # -0.0
        b"\x01\x01\x05\x00\x28\x01\x06fields\x01k\x01\x7b" + bytes(8) + b"\x00",  # 0 as f64
        b"\x01\x01\x85\x00\x00\x28\x01\x06fields\x01k\x01\x7e\x00",  # a long varuint
        b"\x01\x01\x05\x00\x28\x01\x06fields\x01k\x01\x7c\x3f\xc0\x00\x00\x00",  # 1.5
        b"\x01\x01\x05\x00\x04\x01\x04body\x00\x00",  # an empty text
        b"\x01\x02\x05\x00\x28\x01\x06fields\x01k\x01\x7e\x28\x01\x06fields\x01k\x01\x78\x00",
        b"\x01\x01\x05\x00\x28\x01\x06fields\x01k\x01\x7e\x01\x05\x01\x00\x01",  # deletes
        b"\x01\x01\x05\x01\x28\x01\x06fields\x01k\x01\x7e\x00",  # from clock 1
    ],
)
def test_updates_new_document_update_never_writes_are_left_to_pycrdt(update: bytes) -> None:
    assert read_new_document_update(update) is None
    document = Document(DOC_ID, ENTRY)
    try:
        document.apply(update)
    except IntegrityError:
        return
    assert document._built is not None  # pycrdt applied it


def test_a_new_entry_is_written_without_making_a_pycrdt_document() -> None:
    """The write path of every entry (`new_entry`) encodes its update itself, under a random
    client id below 2**53 drawn for the instance, and makes the pycrdt document only when the
    entry is read or changed again."""
    document = Document(DOC_ID, ENTRY)
    update, view = new_entry(document, EntryFields(title="T", body="b", mood=4, tags=("x",)), 5)
    assert document._built is None
    assert 0 <= document.client_id < 2**53
    assert entry_view(document) == view
    assert entry_view(Document.from_state(DOC_ID, ENTRY, update)) == view


def test_how_a_document_is_removed_is_read_again_after_every_change_and_update() -> None:
    """`removal` reads the fields `deleted` and `trashed_at` once until the document changes
    (a pull asks twice a record, issue 10): a change here and an update from elsewhere are
    both seen at the next call."""
    first, second = two_copies("text")
    assert removal(first) == removal(second) == ""
    update = trash_entry_update(first, 10)
    assert removal(first) == "trashed"
    second.apply(update)
    assert removal(second) == "trashed"
    update = restore_entry_update(second, 20)
    assert removal(second) == ""
    first.apply(update)
    assert removal(first) == ""
    update = delete_entry_update(first, 30)
    assert removal(first) == "deleted"
    second.apply(update)
    assert removal(second) == "deleted" and removed(second)


def test_a_document_is_written_once_until_another_client_writes_to_it() -> None:
    """`written_once` (an entry's view says it was not changed): one client's structs and
    nothing deleted, however many updates brought them; an update of a second client (a
    second device) makes it False. The count of clients is read first, so an entry edited
    thousands of times is not decoded whole."""
    laptop = Document(DOC_ID, ENTRY, client_id=2**52 + 7)
    created = laptop.change(fields={"mood": 3}, texts={"body": "a"})
    pushed = laptop.change(pushes={"checkins": {"at": 1, "note": "ok"}})
    reader = Document(DOC_ID, ENTRY)
    reader.apply(created)
    reader.apply(pushed)
    assert reader.written_once()
    phone = Document(DOC_ID, ENTRY, client_id=2**52 + 9)
    phone.apply(laptop.state())
    reader.apply(phone.change(pushes={"checkins": {"at": 2, "note": "ok"}}))
    assert not reader.written_once()


@given(st.dictionaries(st.integers(0, 2**53 - 1), st.integers(0, 2**32), max_size=20))
def test_a_state_vector_reads_as_pycrdt_reads_it(vector: dict[int, int]) -> None:
    """`state_clocks` reads lib0 varuints itself; what pycrdt's own decoder reads."""
    encoded = encode_state_vector(vector)
    decoder = Decoder(encoded)
    pairs = [
        (decoder.read_var_uint(), decoder.read_var_uint()) for _ in range(decoder.read_var_uint())
    ]
    assert state_clocks(encoded) == dict(pairs) == vector


some_id = st.integers(0, 300) | st.integers(0, 2**53 - 1)
"""Small ids too: their varuint is also the bytes of many clocks and of parts of others."""


@given(
    st.lists(st.tuples(some_id, st.integers(0, 300) | some_id), max_size=30),
    st.binary(max_size=8),
    some_id,
)
def test_one_clock_of_a_state_vector_is_the_one_decoding_reads(
    pairs: list[tuple[int, int]], trailing: bytes, other: int
) -> None:
    """`state_clock` searches the bytes for one client's id: it reads what decoding every
    pair reads (the last pair naming it; 0 for a client not named), whatever clock or part
    of another varuint has the same bytes, and nothing past the `count` pairs."""
    encoded = (
        varuint(len(pairs))
        + b"".join(varuint(client) + varuint(clock) for client, clock in pairs)
        + trailing
    )
    decoded = state_clocks(encoded)
    for client in {other, *(c for c, _ in pairs), *(k for _, k in pairs)}:
        assert state_clock(encoded, client) == decoded.get(client, 0)


def test_a_write_reads_its_own_clock_without_decoding_each_writer_s_pair() -> None:
    """An entry edited on many instances holds a state-vector pair for each one's client id;
    a write reads its own clock (`_own_clock`, before and after the change), which decoded
    every pair: a write's work grew with the entry's history (issue 10). The varuints read
    by one write are as many after 300 writers as after 3."""

    def varuints_read_by_a_write(writers: int) -> int:
        state = Document(DOC_ID, ENTRY).change(texts={"body": "a"})
        for _ in range(writers):
            earlier = Document.from_state(DOC_ID, ENTRY, state)
            earlier.change(appends={"body": " a"})
            state = earlier.state()
        writer = Document(DOC_ID, ENTRY)
        writer.apply_own(state)
        read = 0

        def count(frame: FrameType, event: str, _: object) -> None:
            nonlocal read
            read += event == "call" and frame.f_code is read_varuint.__code__

        sys.setprofile(count)
        try:
            writer.change(appends={"body": " end"})
        finally:
            sys.setprofile(None)
        assert len(state_clocks(writer.state_vector())) == writers + 2
        return read

    assert varuints_read_by_a_write(300) == varuints_read_by_a_write(3)


def _applied(work: Callable[[], object]) -> int:
    """How many updates `work()` gave pycrdt to apply (`pycrdt.Doc.apply_update` calls)."""
    applied = 0

    def count(frame: FrameType, event: str, _: object) -> None:
        nonlocal applied
        applied += event == "call" and frame.f_code is Doc.apply_update.__code__

    sys.setprofile(count)
    try:
        work()
    finally:
        sys.setprofile(None)
    return applied


def test_the_stored_state_an_instance_was_made_from_is_not_merged_again() -> None:
    """A write's commit reads the entry's stored state again in its transaction (another
    task may have stored a newer one meanwhile) and merges it into the instance it changed:
    when that is the state (and waiting updates) the instance was made from, nothing is
    applied and the instance's state stays as it was; a newer stored state is merged."""
    first = Document(DOC_ID, ENTRY)
    first.change(texts={"body": "a"})
    stored = first.state()
    laptop = Document.from_state(DOC_ID, ENTRY, stored, waiting=b"")
    laptop.change(appends={"body": " laptop"})
    before = laptop.state()
    assert _applied(lambda: laptop.apply_own(stored, waiting=b"")) == 0
    assert _applied(lambda: laptop.apply_own(stored)) == 0
    assert laptop.state() == before
    phone = Document.from_state(DOC_ID, ENTRY, stored)
    phone.change(appends={"body": " phone"})
    assert _applied(lambda: laptop.apply_own(phone.state())) == 1
    assert laptop.text("body") in ("a laptop phone", "a phone laptop")
