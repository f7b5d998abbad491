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
    ops = tag_ops_after(ops, ["Family"], ["Sleep"], (1, 9))
    assert ops == {
        "mine": [1, 9],
        "ops": [
            {"tag": "work", "add": True, "item": [1, 5]},
            {"tag": "Family", "add": True, "item": [1, 9]},
            {"tag": "Sleep", "add": False, "item": [1, 9]},
        ],
    }
    ops = tag_ops_after(ops, ["sleep"], ["WORK"], (1, 12))  # added back, and removed again
    assert [(op["tag"], op["add"], op["item"]) for op in ops["ops"]] == [
        ("Family", True, [1, 9]),
        ("sleep", True, [1, 12]),
        ("WORK", False, [1, 12]),
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


def device(doc_id: bytes, state: bytes) -> Document:
    return Document.from_state(doc_id, "entry", state)


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


def test_judging_drops_what_the_writer_held_keeps_what_it_did_and_applies_the_rest() -> None:
    current: Id = (7, 3)
    held = KeyWrites(current, ((7, 3, 4), (1, 5, 6)))  # written on top of (1, 5)
    kept = {
        "mine": [1, 9],
        "ops": [
            {"tag": "x", "add": False, "item": [1, 5]},  # held: the writer's choice stands
            {"tag": "y", "add": True, "item": [1, 9]},  # not held, not there: again
            {"tag": "z", "add": False, "item": [1, 9]},  # not held, not there: already done
        ],
    }
    judgment = judge_tag_ops(kept, held, ["x", "w"])
    assert judgment.wanted == ["x", "w", "y"]
    assert judgment.with_item((1, 20)) == {
        "mine": [1, 20],
        "ops": [
            {"tag": "y", "add": True, "item": [1, 20]},
            {"tag": "z", "add": False, "item": [7, 3]},
        ],
    }
    assert judgment.with_item(None) == {  # not written: waits as it was, for the next record
        "mine": [1, 9],
        "ops": [
            {"tag": "y", "add": True, "item": [1, 9]},
            {"tag": "z", "add": False, "item": [7, 3]},
        ],
    }


def test_judging_this_devices_own_value_or_no_value_does_nothing() -> None:
    kept = {"mine": [1, 9], "ops": [{"tag": "y", "add": True, "item": [1, 9]}]}
    assert judge_tag_ops(kept, KeyWrites((1, 9), ((1, 9, 10),)), ["y"]).wanted is None
    assert judge_tag_ops(kept, KeyWrites((1, 9), ((1, 9, 10),)), ["y"]).kept == kept
    assert judge_tag_ops(kept, KeyWrites(None), []).wanted is None
    everything_held = judge_tag_ops(kept, KeyWrites((2, 1), ((2, 1, 2), (1, 9, 10))), [])
    assert everything_held.wanted is None and everything_held.kept is None
