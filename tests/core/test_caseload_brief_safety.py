"""NU41 #2: the caseload ranked a client whose brief says PHQ-9 item 9 was answered above 0
(the therapist held the brief, not the result) with "nothing flagged". A safety item a brief
the client shares says is a tier-1 signal (client_sdk/caseload.py, tier 1), unless the
therapist holds that result's answers (the results decide) or a result a whole recall period
later clears it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from client_sdk.caseload import BriefSafety, attention_order, brief_safety_items, caseload_row
from client_sdk.results import MeasureResult
from tests.core.test_caseload import NOW, FakeEntry, days_ago

BRIEF_AT = days_ago(1)


def said(days: float, answer: int = 1, **changed: Any) -> dict[str, Any]:
    """One of a digest's `safety_items` (brief.py `_safety_items`)."""
    item = {
        "measure": "phq9",
        "name": "PHQ-9",
        "item": 9,
        "answer": answer,
        "label": "Several days",
        "taken_at": days_ago(days).isoformat(),
    }
    item.update(changed)
    return item


def with_answers(days: float, item9: int, rid: str) -> MeasureResult:
    answers = (1, 1, 1, 1, 1, 1, 1, 1, item9)
    return MeasureResult(
        rid, "ben/P", "00", "phq9", "PHQ-9", 1, sum(answers), "Mild", days_ago(days), answers,
        None, item9 > 0,
    )  # fmt: skip


def row(client: str, brief: list[BriefSafety], results: tuple[MeasureResult, ...] = ()) -> Any:
    return caseload_row(
        client, [f"{client}/P"], [FakeEntry(days_ago(1), 5)], list(results), [], [], [],
        ("b1", BRIEF_AT), now=NOW, brief_safety=brief,
    )  # fmt: skip


def test_a_brief_that_says_item_9_was_answered_above_0_is_a_tier_1_signal() -> None:
    [item] = brief_safety_items({"safety_items": [said(3)]}, BRIEF_AT)
    assert item == BriefSafety("phq9", "PHQ-9", 9, days_ago(3), BRIEF_AT)
    ben = row("ben", [item])
    calm = row("ana", [])
    assert ben.tier == 1 and calm.tier == 4
    day, brief_day = days_ago(3).date().isoformat(), BRIEF_AT.date().isoformat()
    assert ben.flags == (f"PHQ-9 item 9 answered above 0 on {day} (in the brief of {brief_day})",)
    assert [r.client for r in attention_order([calm, ben])] == ["ben", "ana"]


def test_what_the_therapist_holds_of_the_result_decides_instead() -> None:
    [item] = brief_safety_items({"safety_items": [said(3)]}, BRIEF_AT)
    held = row("ben", [item], (with_answers(3, 1, "r"),))  # the same result, answers shared
    assert held.flags == ("PHQ-9 item 9 answered above 0",) and held.tier == 0  # held: safety tier
    cleared = row("ben", [item], (with_answers(3 - 14, 0, "later"),))  # 14 days later: 0
    assert cleared.tier == 4, cleared.flags
    retaken = row("ben", [item], (with_answers(3 - 13, 0, "retake"),))  # within the period
    assert retaken.tier == 1, retaken.flags  # only the brief says it


def test_a_digest_item_that_does_not_read_as_a_safety_answer_is_left_out() -> None:
    digest = {
        "safety_items": [
            said(2, answer=0),  # not above 0
            said(2, item=3),  # not a safety item of the PHQ-9
            said(2, measure="nope"),  # unknown instrument
            said(2, taken_at="2026-11-28T10:00:00"),  # no UTC offset
            said(2, taken_at="yesterday"),
            said(2, item="9"),
            said(2, item=9.5),
            said(2, answer=True),
            "not a dict",
        ]
    }
    assert brief_safety_items(digest, BRIEF_AT) == []
    assert brief_safety_items({"safety_items": "x"}, BRIEF_AT) == []
    assert brief_safety_items([], BRIEF_AT) == []
    assert brief_safety_items({}, datetime(2026, 1, 1, tzinfo=UTC) + timedelta(0)) == []
    # numbers as a digest read back from its Yjs map holds them: floats
    assert len(brief_safety_items({"safety_items": [said(2, item=9.0, answer=1.0)]}, NOW)) == 1


def test_two_answers_of_one_day_in_a_brief_make_one_line_not_two() -> None:
    """A brief holding two PHQ-9 results of one day, item 9 above 0 in both, printed the
    caseload's line twice, word for word (and "PHQ-9 item 9 above 0" twice in the table's
    flags): each line once, at the latest of their times; another day keeps its own line."""
    items = [said(3), said(3 - 1 / 24, answer=2), said(5)]
    found = brief_safety_items({"safety_items": items}, BRIEF_AT)
    assert len(found) == 3
    ben = row("ben", found)
    brief_day = BRIEF_AT.date().isoformat()
    day, other = days_ago(3).date().isoformat(), days_ago(5).date().isoformat()
    assert days_ago(3 - 1 / 24).date().isoformat() == day
    assert ben.flags == (
        f"PHQ-9 item 9 answered above 0 on {day} (in the brief of {brief_day})",
        f"PHQ-9 item 9 answered above 0 on {other} (in the brief of {brief_day})",
    )
    assert ben.tier == 1 and ben.signal_at == days_ago(3 - 1 / 24)
