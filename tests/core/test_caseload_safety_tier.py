"""The caseload's safety tier is what the therapist can read, not whether a flag was sealed:
a PHQ-9 item 9 answered "Nearly every day" (and Severe 27) in a result whose answers the
therapist holds ranked below milder item-9 answers that came with a flag, because the client
answered before opting in to safety flags (NU66 F3). Now an item 9 above 0 in a held result
is tier 0 with or without a flag, and within tier 0 the highest answer the therapist can read
comes first; a result shared without its answers tells no answer and ranks no one there."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from client_sdk.caseload import attention_order, caseload_row
from client_sdk.results import InvalidResult, MeasureResult
from client_sdk.safety import SafetyFlag
from tests.core.test_caseload import NOW, TODAY, answered, days_ago


def row(client: str, results: list[MeasureResult], flags: Sequence[SafetyFlag] = ()) -> Any:
    return caseload_row(
        client, [f"{client}/P"], TODAY, results, [], [], list(flags), None, now=NOW
    )  # fmt: skip


def flag(answer: int, days: float, result_id: str) -> SafetyFlag:
    return SafetyFlag(
        "f" + result_id, "x/P", "00", "x", result_id, "phq9", 9, answer, days_ago(days)
    )


def severe(item9: int, days: float, rid: str) -> MeasureResult:
    """A PHQ-9 of 27 or near it, item 9 answered `item9`."""
    answers = (3,) * 8 + (item9,)
    return dataclasses.replace(
        answered(item9, days, rid), answers=answers, score=sum(answers), band_name="Severe"
    )


def score_only(result: MeasureResult) -> MeasureResult:
    """The result as a reader of scores only holds it: no answers, item 9 not known."""
    return dataclasses.replace(result, answers=None, safety_concern=False, safety_unknown=True)


def test_a_held_item_9_of_3_without_a_flag_ranks_before_flagged_milder_answers() -> None:
    """NU66 F3, as reported: ben's paper form (27, item 9 = 3) and a later form (item 9 = 1)
    raised no flag; cara (item 9 = 1) and dan (item 9 = 2) did, later on."""
    ben = row("ben", [severe(3, 3, "b1"), answered(1, 1, "b2")])
    cara = row("cara", [answered(1, 0.1, "c")], [flag(1, 0.1, "c")])
    dan = row("dan", [answered(2, 0.2, "d")], [flag(2, 0.2, "d")])
    assert (ben.tier, cara.tier, dan.tier) == (0, 0, 0), ben.flags
    # ben's latest form retook the 27 within the recall period: its answer of 3 still counts
    assert (ben.safety_answer, cara.safety_answer, dan.safety_answer) == (3, 1, 2)
    assert [r.client for r in attention_order([cara, dan, ben])] == ["ben", "dan", "cara"]
    assert ben.to_dict()["safety_answer"] == 3


def test_item_9_answered_0_1_and_3_with_and_without_a_flag() -> None:
    none = row("amy", [answered(0, 1, "a")])
    assert (none.tier, none.safety_answer, none.flags) == (4, 0, ())
    one = row("bob", [answered(1, 1, "b")])
    one_flagged = row("cy", [answered(1, 1, "c")], [flag(1, 1, "c")])
    three = row("dee", [answered(3, 2, "d")])
    three_flagged = row("eve", [answered(3, 2, "e")], [flag(3, 2, "e")])
    rows = [none, one, one_flagged, three, three_flagged]
    assert [r.tier for r in rows] == [4, 0, 0, 0, 0]
    assert [r.safety_answer for r in rows] == [0, 1, 1, 3, 3]
    # the answer, then the newest signal, then the name: the flag does not rank above
    assert [r.client for r in attention_order(rows)] == ["dee", "eve", "bob", "cy", "amy"]
    # a flag the therapist acknowledged leaves the held answer in the safety tier
    acknowledged = row("fay", [answered(2, 1, "f")], [])
    assert acknowledged.tier == 0 and acknowledged.safety_answer == 2
    # a flag alone (the result not held here): its own answer ranks it
    alone = row("gus", [], [flag(3, 5, "g")])
    assert alone.tier == 0 and alone.safety_answer == 3
    assert [r.client for r in attention_order([one, alone])] == ["gus", "bob"]


def test_a_reader_of_scores_only_is_told_no_answer_it_cannot_see() -> None:
    """A result shared without its answers (`--only scores`): item 9 = 3 on the client's
    side, but the reader holds no answer: no safety tier, no answer, "item 9 not shared"."""
    hidden = row("hal", [score_only(severe(3, 1, "h"))])
    assert hidden.tier == 2 and hidden.safety_answer is None, hidden.flags  # unknown, not 0
    assert not any("answered above 0" in f for f in hidden.flags), hidden.flags
    assert "PHQ-9 item 9 not shared" in hidden.flags
    assert hidden.to_dict()["safety_answer"] is None
    shown = row("ian", [answered(1, 3, "i")])
    assert [r.client for r in attention_order([hidden, shown])] == ["ian", "hal"]
    # with the client's flag the reader is told the answer (the flag says it): ranked by it
    told = row("jo", [score_only(severe(3, 1, "j"))], [flag(3, 1, "j")])
    assert told.tier == 0 and told.safety_answer == 3
    # a score-only later form does not hide an earlier held answer, nor lower it
    earlier = row("kim", [answered(2, 3, "k1"), score_only(answered(0, 1, "k2"))])
    assert earlier.tier == 0 and earlier.safety_answer == 2


def test_an_invalid_result_with_item9_above_0_ranks_by_its_answer_not_below_a_milder_one() -> None:
    """An invalid PHQ-9 (answers not the instrument's) whose item 9 reads 3 half a day ago,
    or whose level is not known, ranks before a valid item 9 = 1 of 3 days ago; one whose
    item 9 reads 1 ranks with it by time (the newer first)."""
    bob = caseload_row("bob", ["bob/P"], TODAY, [answered(1, 3, "b")], [], [], [], None, now=NOW)
    for level in (3, None, 1):
        bad = InvalidResult("a1", "ann/P", "00", "phq9", "PHQ-9", days_ago(0.5), True, level)
        ann = caseload_row(
            "ann", ["ann/P"], TODAY, [], [], [], [], None, now=NOW, invalid_results=[bad]
        )
        assert (ann.tier, bob.tier) == (0, 0)
        assert ann.safety_answer == (3 if level is None else level)
        assert [r.client for r in attention_order([bob, ann])] == ["ann", "bob"], level
