"""A repeating measure's first due date never counts a result before its start when a result
of that period answered a safety item above 0 (client_sdk/schedule.py, `due_status`'s
`concern_ms`): a fortnightly PHQ-9 assigned after item 9 answered above 0 (or after a retake
of that one minutes later) is first due at its start, not two weeks on."""

from __future__ import annotations

from datetime import UTC, datetime

from client_sdk.schedule import DAY_MS, DUE, UPCOMING, Assignment, due_status

START = 100 * DAY_MS


def repeating(every_days: int, target: str = "phq9") -> Assignment:
    moment = datetime.fromtimestamp(START / 1000, UTC)
    return Assignment(
        "a", "J", "00", "measure", target, target, every_days, moment, moment, "", "tom", False
    )


def due_ms(every_days: int, taken: list[int], concern: list[int], target: str = "phq9") -> int:
    found = due_status(repeating(every_days, target), taken, START, concern_ms=concern)
    assert found is not None
    return int(found.due_at.timestamp() * 1000)


def test_a_result_with_item_9_above_0_is_not_counted_to_put_the_next_off() -> None:
    hour = 3600 * 1000
    taken = START - hour
    assert due_ms(14, [taken], []) == taken + 14 * DAY_MS  # counted: a period after it
    assert due_ms(14, [taken], [taken]) == START  # item 9 above 0: first due at its start
    retake = START - 30 * 60 * 1000  # item 9 = 0, minutes after the one above 0
    assert due_ms(14, [taken, retake], [taken]) == START
    found = due_status(repeating(14), [taken, retake], START, concern_ms=[taken])
    assert found is not None and found.status == DUE and found.last_done is None


def test_the_window_is_the_longer_of_the_period_and_the_recall_period() -> None:
    """Weekly PHQ-9 (P 7 days < R 14): an item-9 answer 10 days before, a retake the day
    before with item 9 = 0: still first due at its start. Exactly max(P, R) before the start
    is outside it (S - max(P, R) < C < S), as a result exactly a period before is not counted."""
    retake = START - DAY_MS
    assert due_ms(7, [START - 10 * DAY_MS, retake], [START - 10 * DAY_MS]) == START
    assert due_ms(7, [START - 15 * DAY_MS, retake], [START - 15 * DAY_MS]) == retake + 7 * DAY_MS
    edge = START - 14 * DAY_MS
    assert due_ms(7, [edge, retake], [edge]) == retake + 7 * DAY_MS
    assert due_ms(7, [edge + 1, retake], [edge + 1]) == START
    # PCL-5 asks about the past month: its recall period (30 days) is the window
    assert due_ms(7, [START - 29 * DAY_MS, retake], [START - 29 * DAY_MS], "pcl5") == START
    assert due_ms(7, [START - 30 * DAY_MS, retake], [START - 30 * DAY_MS], "pcl5") == (
        retake + 7 * DAY_MS
    )


def test_a_concern_from_the_start_on_counts_as_any_completion() -> None:
    """One taken from the start on completes the period it falls in, item 9 or not: the
    rule is only about results before the start."""
    after = START + DAY_MS
    found = due_status(repeating(14), [after], START + 2 * DAY_MS, concern_ms=[after])
    assert found is not None and found.status == UPCOMING
    assert found.due_at.timestamp() * 1000 == START + 14 * DAY_MS
