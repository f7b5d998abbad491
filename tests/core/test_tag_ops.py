"""The tag additions and removals a device keeps (settling.TAG_OPS), each with the Yjs item of
the tags its edit wrote, and how they are judged against the tags another device wrote
(`judge_tag_ops`, `yjs_updates.key_writes`: NU34 #1, REV-TAGS F1-F7). Pure: documents in
memory, no server."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from client_sdk.documents import Document, EntryFields, edit_entry_update, entry_view, new_entry
from client_sdk.settling import Settled, judge_tag_ops, tag_ops_after, with_tag_ops
from client_sdk.yjs_updates import Id, KeyWrites, key_writes


def test_a_later_edit_of_a_tag_replaces_an_earlier_one_ignoring_case_with_its_item() -> None:
    ops = tag_ops_after(None, ["work"], [], (1, 5))
    ops = tag_ops_after(ops, ["Family"], ["Sleep"], (1, 9))  # on another value: (1, 5) kept
    assert ops == {
        "ops": [
            {"tag": "work", "add": True, "items": [[1, 5]]},
            {"tag": "Family", "add": True, "items": [[1, 9]]},
            {"tag": "Sleep", "add": False, "items": [[1, 9]]},
        ],
    }
    ops = tag_ops_after(ops, ["sleep"], ["WORK"], (1, 12), (1, 9))  # added back, removed again
    assert [(op["tag"], op["add"], op["items"]) for op in ops["ops"]] == [
        ("Family", True, [[1, 9], [1, 12]]),  # the edit was made on (1, 9): (1, 12) holds it
        ("sleep", True, [[1, 12]]),
        ("WORK", False, [[1, 12]]),
    ]


def test_ops_kept_by_an_earlier_version_are_read_with_their_items() -> None:
    """A TAG_OPS value of the version before REV-TAGS2 (one `item` an op, `mine`, and `was`
    while applied again) is read as the op's items."""
    old = {
        "mine": [1, 9],
        "ops": [{"tag": "x", "add": True, "item": [1, 9]}, {"tag": "y", "add": False,
                "item": None, "was": [1, 5]}],
    }  # fmt: skip
    assert tag_ops_after(old, [], [], (1, 12), (1, 9))["ops"] == [
        {"tag": "x", "add": True, "items": [[1, 9], [1, 12]]},
        {"tag": "y", "add": False, "items": [[1, 5]]},
    ]


def test_additions_and_removals_apply_to_the_tags_kept_ignoring_case() -> None:
    ops = [
        {"tag": "from laptop", "add": True},
        {"tag": "SLEEP", "add": True},
        {"tag": "Work", "add": False},
    ]
    assert with_tag_ops(["work", "family"], ops) == ["family", "from laptop", "SLEEP"]
    assert with_tag_ops(["Sleep"], ops) == ["Sleep", "from laptop"]  # present: kept as is
    assert with_tag_ops([], [{"tag": "x", "add": False}]) == []


def test_the_line_of_tags_applied_again_names_nothing_lost() -> None:
    """REV-TAGS F7: what is not in the tags applied again is the other device's removal,
    which stands: not named as lost, no command to add it back."""
    at = datetime(2026, 12, 1, 18, 47, tzinfo=UTC)
    settled = Settled("3f" * 16, "Monday", "tags", ["Sleep", "from laptop"], ["from laptop"],
                      at, applied_again=True)  # fmt: skip
    assert settled.line() == (
        'Settled: the tags of entry 3f3f3f3f3f3f ("Monday") were changed on another device; '
        "this device's additions and removals were applied to them again: they are 'from "
        "laptop' now (sent at the next sync). This device had 'Sleep, from laptop': the "
        "entry's history keeps it."
    )
    assert settled.lost() == []
    assert settled.to_dict()["applied_again"] is True


def test_a_settled_list_of_additions_and_removals_names_only_what_this_device_added() -> None:
    at = datetime(2026, 12, 1, 18, 47, tzinfo=UTC)
    mine, kept = ["Sleep", "x", "y"], ["x"]
    assert Settled("3f" * 16, "", "tags", mine, kept, at).lost() == ["Sleep", "y"]
    assert Settled("3f" * 16, "", "tags", mine, kept, at, added=("X", "Y")).lost() == ["y"]


def entry(tags: tuple[str, ...]) -> tuple[bytes, bytes]:
    doc_id = os.urandom(16)
    document = Document(doc_id, "entry")
    new_entry(document, EntryFields(body="Text.", tags=tags), 1000)
    return doc_id, document.state()


def device(doc_id: bytes, state: bytes, client_id: int | None = None) -> Document:
    return Document.from_state(doc_id, "entry", state, client_id=client_id)


def write_tags(document: Document, tags: tuple[str, ...]) -> tuple[bytes, Id]:
    update = edit_entry_update(document, EntryFields(tags=tags), 2000)
    current = key_writes(document.state(), "fields", "tags").current
    assert current is not None
    return update, current


def test_the_value_written_on_top_of_an_item_holds_it_and_a_concurrent_one_does_not() -> None:
    doc_id, state = entry(("Sleep",))
    laptop, phone = device(doc_id, state), device(doc_id, state)
    added, mine = write_tags(laptop, ("Sleep", "x"))
    removed, theirs = write_tags(phone, ())
    laptop.apply(removed)
    phone.apply(added)
    both = key_writes(laptop.state(), "fields", "tags")
    assert both == key_writes(phone.state(), "fields", "tags")
    assert both.current in (mine, theirs)
    assert not both.holds(mine if both.current == theirs else theirs)  # concurrent
    later, _ = write_tags(phone, ("P", *entry_view(phone).tags))  # on top of what won
    laptop.apply(later)
    after = key_writes(laptop.state(), "fields", "tags")
    assert both.current is not None and after.holds(both.current)


def test_an_item_deleted_and_merged_with_its_neighbours_is_still_held() -> None:
    """Yjs merges a client's deleted items: the chain reads ranges, not single ids."""
    doc_id, state = entry(("Sleep",))
    laptop = device(doc_id, state)
    first, one = write_tags(laptop, ("a",))
    second, two = write_tags(laptop, ("a", "b"))
    phone = device(doc_id, state)
    phone.apply(first)
    phone.apply(second)
    write_tags(phone, ("c",))
    writes = key_writes(phone.state(), "fields", "tags")
    assert writes.holds(one) and writes.holds(two)


def test_judging_drops_what_a_writer_saw_keeps_what_the_value_does_and_applies_the_rest() -> None:
    current: Id = (7, 3)
    # (7, 3) is held, written on (7, 2), deleted, written on (1, 5): that writer saw (1, 5)
    held = KeyWrites(current, ((7, 3, 4), (1, 5, 6)), ((7, 2, 3, (1, 5)), (7, 3, 4, (7, 2))))
    kept = {
        "ops": [
            {"tag": "x", "add": False, "items": [[1, 5]]},  # seen: the writer's choice stands
            {"tag": "y", "add": True, "items": [[1, 9]]},  # not seen, not there: again
            {"tag": "z", "add": False, "items": [[1, 9]]},  # not seen, not there: done here
        ],
    }
    judgment = judge_tag_ops(kept, held, ["x", "w"])
    assert judgment.wanted == ["x", "w", "y"]
    assert judgment.lost == ()  # a removal: nothing to tell
    assert judgment.with_item((1, 20)) == {
        "ops": [
            {"tag": "y", "add": True, "items": [[1, 9], [1, 20]]},
            {"tag": "z", "add": False, "items": [[1, 9], [7, 3], [1, 20]]},
        ],
    }
    assert judgment.with_item(None) == {  # not written: waits, for the next judgment
        "ops": [
            {"tag": "y", "add": True, "items": [[1, 9]]},
            {"tag": "z", "add": False, "items": [[1, 9], [7, 3]]},
        ],
    }


def test_judging_this_devices_own_value_or_no_value_does_nothing() -> None:
    kept = {"ops": [{"tag": "y", "add": True, "items": [[1, 9]]}]}
    own = KeyWrites((1, 9), ((1, 9, 10),), ((1, 9, 10, None),))
    assert judge_tag_ops(kept, own, ["y"]).wanted is None
    assert judge_tag_ops(kept, own, ["y"]).kept == kept
    assert judge_tag_ops(kept, KeyWrites(None), []).wanted is None
    assert judge_tag_ops(kept, KeyWrites(None), []).kept == kept
    seen = KeyWrites((2, 1), ((2, 1, 2), (1, 9, 10)), ((1, 9, 10, None), (2, 1, 2, (1, 9))))
    everything_held = judge_tag_ops(kept, seen, [])
    assert everything_held.wanted is None and everything_held.kept is None
    assert everything_held.lost == ("y",)  # seen, then removed: told, not added back


def test_an_op_is_judged_by_its_own_item_not_by_who_wrote_the_value_held() -> None:
    """REV-TAGS2 F1: the value held is this device's own later write, made on top of another
    device's value that never saw the op: the op is applied again (the old shortcut "the
    value is this device's own write: nothing to do" lost it)."""
    kept = tag_ops_after(None, ["from laptop"], [], (1, 3), (9, 1))
    kept = tag_ops_after(kept, ["y"], [], (1, 4), (5, 2))  # on the phone's (5, 2), after a cut
    writes = KeyWrites(
        (1, 4),
        ((1, 4, 5), (5, 2, 3), (9, 1, 2)),
        ((9, 1, 2, None), (1, 3, 4, (9, 1)), (5, 2, 3, (9, 1)), (1, 4, 5, (5, 2))),
    )
    judgment = judge_tag_ops(kept, writes, ["y"])
    assert judgment.wanted == ["y", "from laptop"]


def test_an_item_written_on_an_op_is_seen_whether_it_won_or_lost() -> None:
    """REV-TAGS2 F5: a removal written on top of the addition (the tablet saw it) lost to a
    concurrent list of a third device (the phone never saw it): the addition is done, not
    applied again, and told as lost; in a document built by pycrdt, the removal's item
    deleted (its content collected), found by its id and origin."""
    doc_id, state = entry(("Sleep",))
    # Client ids chosen, not random: which of two concurrent writes wins is Yjs's choice by
    # client id; with random ids the tablet's could outrank every phone the loop tried (a
    # flaky run, ci-123). The laptop's and the tablet's are mid-range; one of the phone's
    # extremes wins whichever way Yjs orders them.
    laptop, tablet = device(doc_id, state, 1_000_000), device(doc_id, state, 2_000_000)
    added, mine = write_tags(laptop, ("Sleep", "x"))
    kept = tag_ops_after(None, ["x"], [], mine)
    tablet.apply(added)
    removed, _ = write_tags(tablet, ("Sleep",))  # on top of 'x': seen, removed on purpose
    for phone_id in (2**32 - 2, 7):  # a phone whose list wins over the tablet's
        phone = device(doc_id, state, phone_id)
        listed, theirs = write_tags(phone, ())
        laptop_now = device(doc_id, state)
        for update in (added, removed, listed):
            laptop_now.apply(update)
        writes = key_writes(laptop_now.state(), "fields", "tags")
        if writes.current == theirs:
            break
    assert writes.current == theirs and list(entry_view(laptop_now).tags) == []
    assert not writes.holds(mine)  # the chain of the value held does not tell it
    assert writes.written_on(mine)  # the tablet's deleted item does
    judgment = judge_tag_ops(kept, writes, [])
    assert judgment.wanted is None and judgment.kept is None and judgment.lost == ("x",)


def test_this_devices_own_writes_on_an_op_are_no_one_having_seen_it() -> None:
    """An op written in several edits here (each on top of the one before, merged by Yjs
    once deleted) is not "seen" by those writes; another device's write on any is."""
    doc_id, state = entry(("Sleep",))
    laptop = device(doc_id, state)
    start = key_writes(state, "fields", "tags").current
    _, one = write_tags(laptop, ("Sleep", "x"))
    kept = tag_ops_after(None, ["x"], [], one, start)
    _, two = write_tags(laptop, ("Sleep", "x", "y"))
    kept = tag_ops_after(kept, ["y"], [], two, one)
    _, three = write_tags(laptop, ("Sleep", "x", "y", "z"))
    kept = tag_ops_after(kept, ["z"], [], three, two)
    writes = key_writes(laptop.state(), "fields", "tags")
    assert writes.written_on(one) and writes.written_on(two)  # by this device
    judgment = judge_tag_ops(kept, writes, ["Sleep", "x", "y", "z"])
    assert judgment.wanted is None and judgment.kept is not None
    assert [op["tag"] for op in judgment.kept["ops"]] == ["x", "y", "z"]  # none seen
    phone = device(doc_id, laptop.state())
    later, _ = write_tags(phone, ("Sleep", "y", "z"))  # on top of (three): 'x' removed
    laptop.apply(later)
    judgment = judge_tag_ops(
        kept, key_writes(laptop.state(), "fields", "tags"), ["Sleep", "y", "z"]
    )
    assert judgment.wanted is None and judgment.kept is None and judgment.lost == ("x",)


def test_an_item_written_on_a_deleted_merged_item_is_found_by_its_clock() -> None:
    """Yjs merges a client's deleted items of a key: the item at clock k of a merged struct
    was written on k - 1 (`KeyWrites.items` keeps the struct's first origin only)."""
    writes = KeyWrites((2, 1), (), ((1, 3, 6, (9, 1)), (2, 1, 2, (1, 4))))
    assert writes.written_on((9, 1))  # (1, 3) on it
    assert writes.written_on((1, 3)) and writes.written_on((1, 4))  # (1, 4), (1, 5) on them
    assert writes.written_on((1, 5)) is False  # the last of the struct: nothing on it
    assert writes.written_on((1, 3), besides=[(1, 4)]) is False  # only (1, 4), besides
    assert writes.written_on((1, 4), besides=[(1, 5)])  # (2, 1) on it too


def test_the_line_of_tags_applied_again_names_an_addition_seen_and_lost_since() -> None:
    """An addition done elsewhere (seen, then lost to a third device) beside ops applied
    again: the applied-again line names it as not kept; the other device's removal still
    not (REV-TAGS F7)."""
    at = datetime(2026, 12, 1, 18, 47, tzinfo=UTC)
    settled = Settled("3f" * 16, "", "tags", ["Sleep", "x", "y"], ["y"], at,
                      applied_again=True, added=("x",))  # fmt: skip
    assert settled.lost() == ["x"]
    assert "('x' not kept)" in settled.line()


def test_a_removal_is_done_only_once_the_value_held_was_written_on_it() -> None:
    """A deleted item written on a removal's item may have carried it (another device's
    application again, that then lost: test_three_devices_each_changing_the_tags_apart_keep_
    every_change) or undone it; its content is collected, so the removal stays, and is
    applied again to a value that lacks it; once the value held was written on it, it is
    done."""
    kept = {"ops": [{"tag": "Sleep", "add": False, "items": [[5, 2]]}]}
    # (5, 2) the removal, (8, 4) written on it and deleted, (1, 3) concurrent with both: held
    writes = KeyWrites((1, 3), ((1, 3, 4), (9, 1, 2)), ((5, 2, 3, (9, 1)), (8, 4, 5, (5, 2))))
    assert writes.written_on((5, 2))
    judgment = judge_tag_ops(kept, writes, ["Sleep", "L"])
    assert judgment.wanted == ["L"] and judgment.lost == ()
    later = KeyWrites((8, 6), ((8, 6, 7), (5, 2, 3)), ((5, 2, 3, (9, 1)), (8, 6, 7, (5, 2))))
    done = judge_tag_ops(kept, later, ["Sleep"])
    assert done.wanted is None and done.kept is None


def test_ops_kept_in_the_first_format_are_read_without_items_and_judged_not_done() -> None:
    """A TAG_OPS value of the first format ({"add": [...], "remove": [...]}, a build never
    released) is read as ops without items (REV-TAGS3 F5): no writer is known to have seen
    them, so they are applied again where the tags lack them (never read as no ops, the
    addition then lost unnamed), and take the item of the value written."""
    first = {"add": ["x"], "remove": ["Sleep"]}
    held = KeyWrites((7, 3), ((7, 3, 4),), ((7, 3, 4, None),))  # another device's value
    judgment = judge_tag_ops(first, held, ["Sleep", "w"])
    assert judgment.wanted == ["w", "x"]
    assert judgment.lost == ()
    assert judgment.with_item((1, 20)) == {
        "ops": [
            {"tag": "x", "add": True, "items": [[1, 20]]},
            {"tag": "Sleep", "add": False, "items": [[1, 20]]},
        ],
    }
    assert judgment.with_item(None) == {  # not written: waits, still without items
        "ops": [
            {"tag": "x", "add": True, "items": []},
            {"tag": "Sleep", "add": False, "items": []},
        ],
    }
    assert judge_tag_ops(judgment.with_item(None), held, ["Sleep", "w"]) == judgment
    done = judge_tag_ops(first, held, ["w", "x"])  # the value does them: they take its item
    assert done.wanted is None
    assert done.kept == {
        "ops": [
            {"tag": "x", "add": True, "items": [[7, 3]]},
            {"tag": "Sleep", "add": False, "items": [[7, 3]]},
        ],
    }
    assert judge_tag_ops({"add": "x", "remove": None}, held, []).kept is None  # not lists
