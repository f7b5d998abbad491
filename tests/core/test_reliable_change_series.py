"""REV-CLIN F1/F7: reliable change over a series of results, first score to last (the NHS
Talking Therapies manual's pre-post definition: PHQ-9 6 points, GAD-7 4), whatever the time
between results: weekly, fortnightly, monthly. The difference from the result before is
plain information. Pure: results.with_changes, changes_since_baseline and the caseload row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from client_sdk.caseload import MoodEntry, caseload_row
from client_sdk.results import MeasureResult, changes_since_baseline, with_changes
from client_sdk.scoring import (
    DETERIORATION,
    IMPROVEMENT,
    NO_RELIABLE_CHANGE,
    ScoreDifference,
    instrument,
)

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


def series(measure: str, scores: list[int], every_days: float) -> list[MeasureResult]:
    """`scores` taken `every_days` apart, the last one day before NOW, newest first (as
    `Measures.results` lists them)."""
    chosen = instrument(measure)
    last = len(scores) - 1
    found = [
        MeasureResult(
            f"r{index}",
            "ana/Personal",
            "j1",
            measure,
            chosen.name,
            1,
            score,
            chosen.band(score),
            NOW - timedelta(days=1 + (last - index) * every_days),
            None,
            None,
            False,
        )
        for index, score in enumerate(scores)
    ]
    return list(reversed(found))


def flags(results: list[MeasureResult]) -> tuple[str, ...]:
    wrote = [MoodEntry(NOW - timedelta(days=1), 0, 6)]  # an entry yesterday: no other flag
    row = caseload_row("ana", ["ana/Personal"], wrote, results, [], [], [], None, now=NOW)
    return row.flags


def latest(results: list[MeasureResult]):  # type: ignore[no-untyped-def]
    return with_changes(results, results[0])


def test_weekly_phq9_4_9_14_18_is_a_reliable_deterioration_in_the_caseload() -> None:
    weekly = series("phq9", [4, 9, 14, 18], 7)  # 22, 15, 8 and 1 days ago
    assert flags(weekly) == ("PHQ-9 reliable deterioration (from 4 on 2026-11-08)",)
    taken = latest(weekly)
    assert taken.change == ScoreDifference(14, 18, 4, 7 * 86_400_000)  # plain, since last
    assert taken.baseline is not None and taken.baseline.id == "r0"
    assert taken.since_baseline is not None
    assert (taken.since_baseline.change, taken.since_baseline.reliable) == (14, DETERIORATION)
    assert taken.to_dict()["since_baseline"]["reliable"] == DETERIORATION
    assert "reliable" not in taken.to_dict()["change"]  # the step carries no verdict


def test_fortnightly_phq9_4_9_14_19_is_a_reliable_deterioration_in_the_caseload() -> None:
    fortnightly = series("phq9", [4, 9, 14, 19], 14)
    assert flags(fortnightly) == ("PHQ-9 reliable deterioration (from 4 on 2026-10-18)",)
    courses = changes_since_baseline(fortnightly)
    assert [c and (c.change, c.reliable) for c in (courses[f"r{i}"] for i in range(4))] == [
        None,
        (5, NO_RELIABLE_CHANGE),
        (10, DETERIORATION),
        (15, DETERIORATION),
    ]


def test_fortnightly_phq9_20_to_4_is_a_reliable_improvement() -> None:
    course = series("phq9", [20, 16, 12, 8, 4], 14)
    taken = latest(course)
    assert taken.change is not None and taken.change.change == -4
    assert taken.since_baseline is not None
    assert (taken.since_baseline.change, taken.since_baseline.reliable) == (-16, IMPROVEMENT)
    assert taken.since_baseline.now_below_caseness  # 20 a case, 4 below 10
    courses = changes_since_baseline(course)
    assert [courses[f"r{i}"].reliable for i in range(1, 5)] == [  # type: ignore[union-attr]
        NO_RELIABLE_CHANGE,  # -4
        IMPROVEMENT,  # -8
        IMPROVEMENT,
        IMPROVEMENT,
    ]
    assert flags(course) == ()


def test_weekly_gad7_rising_is_a_reliable_deterioration() -> None:
    weekly = series("gad7", [3, 5, 6, 7], 7)
    assert flags(weekly) == ("GAD-7 reliable deterioration (from 3 on 2026-11-08)",)


def test_monthly_pcl5_shows_its_change_and_crossing_below_the_cut_point() -> None:
    """Every 28 days, less than the form's "past month" (30 days): each result is compared
    with the first (PCL-5 has no published reliable-change threshold: no verdict)."""
    monthly = series("pcl5", [50, 41, 30], 28)
    taken = latest(monthly)
    assert taken.change is not None and (taken.change.change, taken.change.apart_ms) == (
        -11,
        28 * 86_400_000,
    )
    assert taken.since_baseline is not None
    assert (taken.since_baseline.change, taken.since_baseline.reliable) == (-20, None)
    assert taken.since_baseline.now_below_caseness is True  # 50 at or above 33, 30 below
    middle = with_changes(monthly, monthly[1])
    assert middle.since_baseline is not None and not middle.since_baseline.now_below_caseness


def test_a_course_whose_latest_returned_near_the_first_has_no_flag() -> None:
    """Rising then falling back: the latest against the first decides (4 -> 18 -> 8), once
    the latest is a whole recall period after the 18 (fortnightly); a week after it
    (weekly), the 8 asks about some of the same days as the 18 and clears no flag (as it
    clears no severe score): the 18's deterioration stays, "retaken since" (REV-S11 S11-1)."""
    assert flags(series("phq9", [4, 12, 18, 8], 14)) == ()
    weekly = series("phq9", [4, 12, 18, 8], 7)
    first, high = weekly[-1].taken_at.date(), weekly[1].taken_at.date()
    assert flags(weekly) == (
        f"PHQ-9 reliable deterioration on {high} (from 4 on {first}; retaken since)",
    )


@pytest.mark.parametrize(
    ("measure", "scores", "reliable"),
    [
        ("phq9", [9, 12, 15], DETERIORATION),  # exactly 6 up from the first
        ("phq9", [9, 12, 14], NO_RELIABLE_CHANGE),  # 5 up
        ("phq9", [15, 12, 9], IMPROVEMENT),  # exactly 6 down
        ("phq9", [15, 12, 10], NO_RELIABLE_CHANGE),  # 5 down
        ("gad7", [8, 10, 12], DETERIORATION),  # exactly 4 up
        ("gad7", [8, 10, 11], NO_RELIABLE_CHANGE),  # 3 up
        ("gad7", [12, 10, 8], IMPROVEMENT),  # exactly 4 down
        ("gad7", [12, 10, 9], NO_RELIABLE_CHANGE),  # 3 down
    ],
)
def test_weekly_series_at_the_threshold_on_both_sides(
    measure: str, scores: list[int], reliable: str
) -> None:
    weekly = series(measure, scores, 7)
    taken = latest(weekly)
    assert taken.since_baseline is not None and taken.since_baseline.reliable == reliable
    assert taken.since_baseline.change == scores[-1] - scores[0]
    raised = any("reliable deterioration" in f for f in flags(weekly))
    assert raised is (reliable == DETERIORATION)


def test_the_baseline_is_the_first_result_of_that_measure_in_that_journal() -> None:
    """Another journal's or another measure's results are another course."""
    ana = series("phq9", [4, 9, 14, 18], 7)
    other = [
        MeasureResult(
            "x1", "ana/Work", "j2", "phq9", "PHQ-9", 1, 0, "none-minimal",
            NOW - timedelta(days=60), None, None, False,
        ),
        MeasureResult(
            "g1", "ana/Personal", "j1", "gad7", "GAD-7", 1, 21, "severe",
            NOW - timedelta(days=60), None, None, False,
        ),
    ]  # fmt: skip
    taken = with_changes([*ana, *other], ana[0])
    assert taken.baseline is not None and taken.baseline.id == "r0"
    assert with_changes([*ana, *other], ana[-1]).baseline is None  # the first itself


@pytest.mark.parametrize(
    ("measure", "scores", "rise"),
    [
        ("phq9", [20, 4, 10], 6),  # exactly the PHQ-9's threshold above the lowest: flagged
        ("phq9", [20, 4, 9], None),  # one under it
        ("gad7", [15, 2, 6], 4),  # exactly the GAD-7's
        ("gad7", [15, 2, 5], None),
        ("phq9", [12, 3, 8, 3, 9], 6),  # the lowest of equal ones is the earliest
        ("phq9", [4, 2, 11], None),  # a reliable deterioration first to last: that flag only
        ("phq9", [4, 2, 9], 7),  # +5 first to last (no verdict), +7 from the lowest
        ("pcl5", [60, 10, 50], None),  # no reliable-change threshold: no rise flagged
    ],
)
def test_a_rise_from_the_lowest_score_by_the_threshold_is_flagged_once(
    measure: str, scores: list[int], rise: int | None
) -> None:
    """A relapse after improvement (20 → 4 → 10) is a reliable improvement first score to
    last; the caseload flags the rise from the course's lowest score when it reaches the
    instrument's reliable-change threshold, naming that score and its day, and never beside
    a reliable deterioration from the first score (one flag for one worsening)."""
    results = series(measure, scores, 14)
    name = instrument(measure).name
    shown = [f for f in flags(results) if "lowest" in f or "deterioration" in f]
    if rise is None:
        assert not [f for f in shown if "lowest" in f], shown
        if scores[-1] - scores[0] >= 6 and measure == "phq9":
            assert shown == [f"{name} reliable deterioration (from {scores[0]} on 2026-11-01)"]
        return
    low = min(scores[:-1])
    first_low = scores.index(low)
    day = (NOW - timedelta(days=1 + (len(scores) - 1 - first_low) * 14)).date().isoformat()
    assert shown == [f"{name} up {rise} from its lowest ({low} on {day})"]


@pytest.mark.parametrize(
    ("measure", "scores", "expected"),
    [
        # REV-S11 S11-1: 4 -> 15 (a reliable deterioration), retaken as 9 six minutes later
        ("phq9", [4, 15, 9], "PHQ-9 reliable deterioration on {1} (from 4 on {0}; retaken since)"),
        # a relapse (20 -> 4 -> 12) retaken as 9 six minutes later
        ("phq9", [20, 4, 12, 9], "PHQ-9 up 8 on {2} from its lowest (4 on {1}; retaken since)"),
        ("gad7", [3, 12, 6], "GAD-7 reliable deterioration on {1} (from 3 on {0}; retaken since)"),
    ],
)
def test_a_retake_minutes_later_clears_no_course_flag(
    measure: str, scores: list[int], expected: str
) -> None:
    """A form taken minutes after the one that raised "reliable deterioration" or "up N from
    its lowest" asks about the same days: it clears neither (as it clears no severe score);
    a result a whole recall period after that one does."""
    results = list(reversed(series(measure, scores[:-1], 14)))  # oldest first
    retake = MeasureResult(
        "retake",
        "ana/Personal",
        "j1",
        measure,
        instrument(measure).name,
        1,
        scores[-1],
        instrument(measure).band(scores[-1]),
        results[-1].taken_at + timedelta(minutes=6),
        None,
        None,
        False,
    )
    days = [r.taken_at.date().isoformat() for r in results]
    got = flags([retake, *reversed(results)])
    assert got == (expected.format(*days),)
    later = MeasureResult(
        "later",
        "ana/Personal",
        "j1",
        measure,
        instrument(measure).name,
        1,
        scores[-1],
        instrument(measure).band(scores[-1]),
        results[-1].taken_at + timedelta(days=14),
        None,
        None,
        False,
    )
    assert not [f for f in flags([later, *reversed(results)]) if "retaken" in f]
