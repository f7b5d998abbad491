"""Limits of mergeable texts (protocol.md 5, "Limits of merged texts"; NU22 C19): edits that
each kept within a limit on their device can merge past it. The text is read whole and stays
editable: an edit that does not lengthen it is accepted, growth past the limit is refused
with how far over the text is. Single-value fields settle on one writer's value (rule 3)
and cannot be merged past their limits."""

from __future__ import annotations

import pytest

from client_sdk.documents import (
    ENTRY,
    MAX_BODY,
    MAX_TAGS,
    MAX_TITLE,
    Document,
    EntryFields,
    edit_entry_update,
    entry_view,
    new_entry_update,
)
from client_sdk.errors import InvalidInput
from client_sdk.goals import GOAL, MAX_WHY, edit_goal_update, new_goal_update
from client_sdk.safety import MAX_PLAN, SAFETY_PLAN, plan_update

DOC_ID = b"\x07" * 16


def merged(kind: str, create: bytes, one: dict[str, str], other: dict[str, str]) -> Document:
    """A document created by `create`, then edited apart on two devices (each `change`'s
    texts), and merged."""
    a = Document.from_state(DOC_ID, kind, create, client_id=2)
    b = Document.from_state(DOC_ID, kind, create, client_id=3)
    update_a = a.change(texts=one)
    update_b = b.change(texts=other)
    a.apply(update_b)
    b.apply(update_a)
    assert a.text(next(iter(one))) == b.text(next(iter(one)))
    return a


def test_two_appends_within_the_limit_merge_past_it_and_the_entry_stays_editable() -> None:
    first = Document(DOC_ID, ENTRY, client_id=1)
    created = new_entry_update(first, EntryFields(body="x" * (MAX_BODY - 10)), now_ms=1)
    a = Document.from_state(DOC_ID, ENTRY, created, client_id=2)
    b = Document.from_state(DOC_ID, ENTRY, created, client_id=3)
    update_a = edit_entry_update(a, EntryFields(append="a" * 7), now_ms=2)
    update_b = edit_entry_update(b, EntryFields(append="b" * 7), now_ms=2)
    a.apply(update_b)
    body = entry_view(a).body
    assert len(body) == MAX_BODY + 4

    before = a.state()
    with pytest.raises(InvalidInput, match=r"has 100,004 \(4 over.*make it 100,005"):
        edit_entry_update(a, EntryFields(append="y"), now_ms=3)
    with pytest.raises(InvalidInput, match="4 over"):
        edit_entry_update(a, EntryFields(body=body + "y"), now_ms=3)
    assert a.state() == before  # refused: nothing changed

    edit_entry_update(a, EntryFields(mood=4, title="Still mine", tags=("t",)), now_ms=3)
    edit_entry_update(a, EntryFields(append=""), now_ms=3)  # lengthens nothing
    edit_entry_update(a, EntryFields(body=body.replace("a", "c")), now_ms=3)  # same length
    edit_entry_update(a, EntryFields(body=body[:-2]), now_ms=4)  # shorter, still over
    assert len(entry_view(a).body) == MAX_BODY + 2
    b.apply(update_a)
    b.apply(a.state())
    assert entry_view(b).body == entry_view(a).body  # the shortened text merges as any edit


def test_a_new_entry_or_a_growing_edit_is_refused_with_how_far_over_it_goes() -> None:
    document = Document(DOC_ID, ENTRY)
    limit = r"holds at most 100,000 characters: .*100,001 \(1 over\); shorten the text, or "
    with pytest.raises(InvalidInput, match=limit):
        new_entry_update(document, EntryFields(body="x" * (MAX_BODY + 1)), now_ms=1)
    new_entry_update(document, EntryFields(body="x" * 10), now_ms=1)
    with pytest.raises(InvalidInput, match=r"100,002 \(2 over\)"):
        edit_entry_update(document, EntryFields(body="y" * (MAX_BODY + 2)), now_ms=2)


def test_single_value_fields_settle_on_one_writers_value_within_its_limits() -> None:
    first = Document(DOC_ID, ENTRY, client_id=1)
    created = new_entry_update(first, EntryFields(body="x"), now_ms=1)
    a = Document.from_state(DOC_ID, ENTRY, created, client_id=2)
    b = Document.from_state(DOC_ID, ENTRY, created, client_id=3)
    tags_a = tuple(f"a{i}" for i in range(MAX_TAGS))
    tags_b = tuple(f"b{i}" for i in range(MAX_TAGS))
    update_a = edit_entry_update(a, EntryFields(title="A" * MAX_TITLE, tags=tags_a), now_ms=2)
    update_b = edit_entry_update(b, EntryFields(title="B" * MAX_TITLE, tags=tags_b), now_ms=2)
    a.apply(update_b)
    b.apply(update_a)
    view = entry_view(a)
    assert view == entry_view(b)
    assert len(view.title) == MAX_TITLE and view.tags in (tags_a, tags_b)


def test_a_goal_why_merged_past_its_limit_may_shrink_but_not_grow() -> None:
    first = Document(DOC_ID, GOAL, client_id=1)
    created = new_goal_update(first, "Walk", now_ms=1, why="w" * (MAX_WHY - 1))
    document = merged(GOAL, created, {"why": "A" + "w" * (MAX_WHY - 1)}, {"why": "w" * MAX_WHY})
    why = document.text("why")
    assert len(why) == MAX_WHY + 1
    with pytest.raises(InvalidInput, match="a goal's why .*1 over"):
        edit_goal_update(document, now_ms=2, why=why + "!")
    edit_goal_update(document, now_ms=2, title="Walk daily")  # another part: accepted
    edit_goal_update(document, now_ms=3, why=why[1:])
    assert document.text("why") == why[1:]


def test_a_safety_plan_merged_past_its_limit_may_shrink_but_not_grow() -> None:
    first = Document(DOC_ID, SAFETY_PLAN, client_id=1)
    created = plan_update(first, 1, plan="p" * (MAX_PLAN - 1), creating=True)
    document = merged(
        SAFETY_PLAN, created, {"plan": "A" + "p" * (MAX_PLAN - 1)}, {"plan": "p" * MAX_PLAN}
    )
    plan = document.text("plan")
    assert len(plan) == MAX_PLAN + 1
    with pytest.raises(InvalidInput, match="a safety plan .*1 over"):
        plan_update(document, 2, plan=plan + "!")
    plan_update(document, 2, crisis_line="988")  # another part: accepted
    plan_update(document, 3, plan=plan[:-1])
    assert document.text("plan") == plan[:-1]
    limit = r"a safety plan holds at most 10,000 characters: .*\(1 over\); shorten the text$"
    with pytest.raises(InvalidInput, match=limit):
        plan_update(Document(DOC_ID, SAFETY_PLAN), 1, plan="p" * (MAX_PLAN + 1), creating=True)
