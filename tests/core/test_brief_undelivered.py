"""`undelivered.brief_undelivered`: what a pre-session brief shared with a member says of a
safety item answered above 0, from its digest as stored (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

from client_sdk.undelivered import BRIEF, brief_undelivered

MADE = datetime(2026, 12, 1, 9, tzinfo=UTC)
RAISED = "2026-11-30T20:00:00+00:00"


def flag(acknowledged: list[dict[str, str]]) -> dict[str, object]:
    return {"measure": "phq9", "item": 9, "raised_at": RAISED, "scored": False,
            "acknowledged": acknowledged}  # fmt: skip


def test_the_highest_answer_a_brief_says_is_its_item() -> None:
    digest = {
        "safety_items": [
            {"measure": "phq9", "item": 9, "answer": 1.0, "taken_at": RAISED},
            {"measure": "phq9", "item": 9, "answer": 2, "taken_at": RAISED},
        ]
    }
    found = brief_undelivered("b1", "Brief", digest, MADE, "drsmith", {})
    assert found is not None
    assert (found.kind, found.id, found.item, found.answer, found.score, found.at) == (
        BRIEF, "b1", 9, 2, None, MADE,
    )  # fmt: skip


def test_a_flag_line_counts_unless_the_member_had_marked_it_read() -> None:
    """A stopped questionnaire leaves a flag line and no safety item: its answer is the
    owner's flag's; the item's highest option when no flag held here matches."""
    unread = {"safety_flags": [flag([])]}
    known = brief_undelivered("b1", "Brief", unread, MADE, "drsmith", {("phq9", 9, RAISED): 2})
    assert known is not None and known.answer == 2
    unknown = brief_undelivered("b1", "Brief", unread, MADE, "drsmith", {})
    assert unknown is not None and unknown.answer == 3
    read = {"safety_flags": [flag([{"by": "drsmith", "at": RAISED}])]}
    assert brief_undelivered("b1", "Brief", read, MADE, "drsmith", {}) is None
    assert brief_undelivered("b1", "Brief", read, MADE, "tom", {}) is not None


def test_a_brief_that_says_no_safety_answer_or_a_malformed_one_is_not_listed() -> None:
    for digest in (
        {},
        {"safety_items": []},
        {"safety_items": [{"measure": "phq9", "item": 9, "answer": 0}]},
        {"safety_items": [{"measure": "phq9", "item": 3, "answer": 2}]},  # no safety item
        {"safety_items": [{"measure": "nope", "item": 9, "answer": 2}]},
        {"safety_items": [{"measure": "phq9", "item": 9, "answer": True}]},
        {"safety_items": ["phq9"], "safety_flags": [None, {"measure": "gad7", "item": 9}]},
        "not a digest",
    ):
        assert brief_undelivered("b1", "Brief", digest, MADE, "drsmith", {}) is None, digest
