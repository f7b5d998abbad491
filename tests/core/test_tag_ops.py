"""The tag additions and removals a device keeps until its tags settle (settling.TAG_OPS),
and how they apply again to the tags another device's concurrent change left (NU34 #1)."""

from __future__ import annotations

from datetime import UTC, datetime

from client_sdk.settling import Settled, tag_ops_after, with_tag_ops


def test_a_later_edit_of_a_tag_cancels_an_earlier_one_ignoring_case() -> None:
    ops = tag_ops_after(None, ["work"], [])
    ops = tag_ops_after(ops, ["Family"], ["Sleep"])
    assert ops == {"add": ["work", "Family"], "remove": ["Sleep"]}
    ops = tag_ops_after(ops, ["sleep"], ["WORK"])  # added back, and removed again
    assert ops == {"add": ["Family", "sleep"], "remove": ["WORK"]}


def test_additions_and_removals_apply_to_the_tags_kept_ignoring_case() -> None:
    ops = {"add": ["from laptop", "SLEEP"], "remove": ["Work"]}
    assert with_tag_ops(["work", "family"], ops) == ["family", "from laptop", "SLEEP"]
    assert with_tag_ops(["Sleep"], ops) == ["Sleep", "from laptop"]  # present: kept as is
    assert with_tag_ops([], {"add": [], "remove": ["x"]}) == []


def test_the_line_of_tags_applied_again_says_so_and_when_they_are_sent() -> None:
    at = datetime(2026, 12, 1, 18, 47, tzinfo=UTC)
    settled = Settled("3f" * 16, "Monday", "tags", ["Sleep", "from laptop"], ["from laptop"],
                      at, applied_again=True)  # fmt: skip
    assert settled.line() == (
        'Settled: the tags of entry 3f3f3f3f3f3f ("Monday") were changed on another device; '
        "this device's additions and removals were applied to them again: they are 'from "
        "laptop' now (sent at the next sync). This device had 'Sleep, from laptop' ('Sleep' "
        "not kept): the entry's history keeps it."
    )
    assert settled.to_dict()["applied_again"] is True
