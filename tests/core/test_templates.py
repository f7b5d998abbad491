"""Homework templates (client_sdk/templates.py) and the schedule of assignments
(client_sdk/schedule.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from client_sdk.errors import InvalidInput
from client_sdk.models import json_time
from client_sdk.schedule import (
    DAY_MS,
    DONE,
    DUE,
    OVERDUE,
    UPCOMING,
    Assignment,
    ShareEnded,
    due_status,
    standing,
)
from client_sdk.templates import builtin_templates, sleep_figures, template

NIGHT = {
    "bed_time": "23:00",
    "try_sleep_time": "23:30",
    "sleep_onset_minutes": 20,
    "awakenings": 2,
    "awake_minutes": 15,
    "final_wake_time": "06:30",
    "out_of_bed_time": "07:00",
}


def test_sleep_efficiency_is_total_sleep_over_time_in_bed_across_midnight() -> None:
    # in bed 23:00-07:00 = 480 min; asleep from 23:30 to 06:30 = 420 min, minus 20 + 15
    assert sleep_figures(NIGHT) == {
        "time_in_bed_minutes": 480,
        "total_sleep_minutes": 385,
        "sleep_efficiency_percent": 80.2,
    }


def test_sleep_efficiency_of_a_night_that_starts_after_midnight() -> None:
    night = {**NIGHT, "bed_time": "00:30", "try_sleep_time": "00:30", "awake_minutes": 0}
    night.update(sleep_onset_minutes=0, final_wake_time="08:30", out_of_bed_time="08:30")
    assert sleep_figures(night)["sleep_efficiency_percent"] == 100.0


@pytest.mark.parametrize(
    "change",
    [
        {"final_wake_time": "23:10"},  # final awakening before trying to sleep
        {"sleep_onset_minutes": 400, "awake_minutes": 100},  # more awake than the night
    ],
)
def test_sleep_diary_times_that_do_not_fit_are_refused(change: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        template("sleep-diary").computed_values({**NIGHT, **change})


def test_templates_check_required_fields_ranges_and_unknown_fields() -> None:
    thought = template("thought-record")
    with pytest.raises(InvalidInput, match="situation is required"):
        thought.check({"automatic_thought": "I'll fail", "emotion": "fear", "intensity": 80})
    with pytest.raises(InvalidInput, match="0 to 100"):
        thought.check(
            {"situation": "s", "automatic_thought": "a", "emotion": "e", "intensity": 101}
        )
    with pytest.raises(InvalidInput, match="no field"):
        thought.check({"mood": 3})
    activation = template("behavioral-activation")
    with pytest.raises(InvalidInput, match="0 to 10"):
        activation.check({"activity": "walk", "planned": True, "done": True, "pleasure": 11})
    assert set(builtin_templates()) == {"thought-record", "behavioural-activation", "sleep-diary"}


def assignment(every_days: int | None, start_ms: int = 0) -> Assignment:
    moment = datetime.fromtimestamp(start_ms / 1000, UTC)
    return Assignment(
        "a", "J", "00", "measure", "phq9", "PHQ-9", every_days, moment, moment, "", "tom", False
    )


def test_a_recurring_assignment_is_due_at_start_then_a_period_after_each_completion() -> None:
    every_14 = assignment(14)
    first = due_status(every_14, [], 0)
    assert first is not None and (first.status, first.due_at.timestamp()) == (DUE, 0)
    late = due_status(every_14, [], DAY_MS)
    assert late is not None and late.status == OVERDUE
    after = due_status(every_14, [3 * DAY_MS], 4 * DAY_MS)
    assert after is not None and after.status == UPCOMING
    assert after.due_at.timestamp() * 1000 == 14 * DAY_MS
    missed = due_status(every_14, [3 * DAY_MS], 15 * DAY_MS)
    assert missed is not None and missed.status == OVERDUE


def test_a_one_off_is_gone_once_done_and_a_cancelled_one_is_never_due() -> None:
    once = assignment(None, 5 * DAY_MS)
    assert due_status(once, [6 * DAY_MS], 7 * DAY_MS) is None
    still = due_status(once, [4 * DAY_MS], 7 * DAY_MS)  # done before it started
    assert still is not None and still.status == OVERDUE
    cancelled = Assignment(**{**once.__dict__, "cancelled": True})
    assert due_status(cancelled, [], 7 * DAY_MS) is None


def test_a_one_off_done_says_when_with_include_done() -> None:
    """NU43 #6: a therapist's list says a one-off is done, and when (the last completion
    since it started); a cancelled one stays out; a recurring one is unchanged."""
    once = assignment(None, 5 * DAY_MS)
    done = due_status(once, [6 * DAY_MS, 5 * DAY_MS + 1], 9 * DAY_MS, include_done=True)
    assert done is not None and (done.status, done.last_done) == (
        DONE,
        datetime.fromtimestamp(6 * DAY_MS / 1000, UTC),
    )
    assert done.due_at == once.starts_at
    not_yet = due_status(once, [4 * DAY_MS], 9 * DAY_MS, include_done=True)  # before its start
    assert not_yet is not None and not_yet.status == OVERDUE and not_yet.last_done is None
    cancelled = Assignment(**{**once.__dict__, "cancelled": True})
    assert due_status(cancelled, [6 * DAY_MS], 9 * DAY_MS, include_done=True) is None
    every_14 = assignment(14)
    assert due_status(every_14, [DAY_MS], 2 * DAY_MS, include_done=True) == due_status(
        every_14, [DAY_MS], 2 * DAY_MS
    )


def at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def test_homework_naming_an_assignment_counts_whatever_its_date() -> None:
    """NU46 #5: a sleep diary dated this morning for an assignment made this afternoon. Named
    (`linked_ms`), it completes a one-off, and a recurring one as done at its start (next due
    a period later); `last_done` is its own date. Not named, it counts only from the start."""
    once = assignment(None, 5 * DAY_MS)
    done = due_status(once, [], 6 * DAY_MS, include_done=True, linked_ms=[4 * DAY_MS])
    assert done is not None and (done.status, done.last_done) == (DONE, at(4 * DAY_MS))
    assert due_status(once, [], 6 * DAY_MS, linked_ms=[4 * DAY_MS]) is None
    loose = due_status(once, [4 * DAY_MS], 6 * DAY_MS, include_done=True)
    assert loose is not None and (loose.status, loose.last_done) == (OVERDUE, None)
    every_7 = assignment(7, 5 * DAY_MS)
    early = due_status(every_7, [], 6 * DAY_MS, linked_ms=[4 * DAY_MS])
    assert early is not None and (early.status, early.due_at, early.last_done) == (
        UPCOMING,
        at(12 * DAY_MS),
        at(4 * DAY_MS),
    )
    # a later completion (named or not) moves it on as before; the latest is last done
    later = due_status(every_7, [13 * DAY_MS], 14 * DAY_MS, linked_ms=[4 * DAY_MS])
    assert later is not None and (later.due_at, later.last_done) == (
        at(19 * DAY_MS),
        at(13 * DAY_MS),
    )
    named_late = due_status(every_7, [], 14 * DAY_MS, linked_ms=[4 * DAY_MS, 13 * DAY_MS])
    assert named_late == later
    cancelled = Assignment(**{**once.__dict__, "cancelled": True})
    assert due_status(cancelled, [], 6 * DAY_MS, linked_ms=[4 * DAY_MS]) is None


def test_standing_keeps_done_through_the_end_of_the_share() -> None:
    """NU46 #6: a one-off done before its share ended stays "done" (with when); one not done
    is "ended" with no due date; a cancelled one is "cancelled"."""
    once = assignment(None, 5 * DAY_MS)
    ended = Assignment(**{**once.__dict__, "share_ended": ShareEnded("removed", at(8 * DAY_MS))})
    done = due_status(ended, [6 * DAY_MS], 9 * DAY_MS, include_done=True)
    assert standing(ended, done) == {
        "status": "done",
        "due_at": json_time(at(5 * DAY_MS)),
        "last_done": json_time(at(6 * DAY_MS)),
    }
    not_done = due_status(ended, [], 9 * DAY_MS, include_done=True)
    assert standing(ended, not_done) == {"status": "ended", "due_at": None, "last_done": None}
    assert standing(ended, None)["status"] == "ended"
    every_7 = Assignment(**{**ended.__dict__, "every_days": 7})
    assert standing(every_7, due_status(every_7, [6 * DAY_MS], 9 * DAY_MS)) == {
        "status": "ended",
        "due_at": None,
        "last_done": json_time(at(6 * DAY_MS)),
    }
    cancelled = Assignment(**{**once.__dict__, "cancelled": True})
    assert standing(cancelled, None) == {"status": "cancelled", "due_at": None, "last_done": None}
    live = due_status(once, [], 9 * DAY_MS)
    assert standing(once, live) == {
        "status": OVERDUE,
        "due_at": json_time(at(5 * DAY_MS)),
        "last_done": None,
    }


def test_a_measure_taken_within_a_period_before_a_recurring_assignment_counts() -> None:
    """A PHQ-9 assigned every 14 days the minute after the client took one was "due now",
    "last done: never": that result counts (its `last_done`), and the assignment is first
    due 14 days after it, then every 14 days from there. One taken a whole period before
    the start, a one-off, or homework is not counted so."""
    start = 20 * DAY_MS
    every_14 = assignment(14, start)
    taken = start - 60_000  # the minute before
    right_after = due_status(every_14, [taken], start + 60_000)
    assert right_after is not None and right_after.status == UPCOMING
    assert (right_after.last_done, right_after.due_at) == (at(taken), at(taken + 14 * DAY_MS))
    twice = due_status(every_14, [taken - DAY_MS, taken], start)  # the latest of them
    assert twice is not None and twice.due_at == at(taken + 14 * DAY_MS)
    # once one is done from the start on, the cycle runs from the start as without it
    again = due_status(every_14, [taken, start + 2 * DAY_MS], start + 3 * DAY_MS)
    assert again is not None and again.due_at == at(start + 14 * DAY_MS)
    assert again.last_done == at(start + 2 * DAY_MS)
    later = due_status(every_14, [taken, taken + 15 * DAY_MS], start + 16 * DAY_MS)
    assert later is not None and later.due_at == at(start + 28 * DAY_MS)
    # one the hour after a period before the start, and one half an hour after the start:
    # done, not due again at the start and an hour (a read-back of this rule)
    edge = [start - 14 * DAY_MS + 3_600_000, start + 1_800_000]
    soon = due_status(every_14, edge, start + 3_600_000 + 1)
    assert soon is not None and (soon.status, soon.due_at) == (UPCOMING, at(start + 14 * DAY_MS))
    missed = due_status(every_14, [taken], taken + 15 * DAY_MS + 1)
    assert missed is not None and missed.status == OVERDUE
    old = due_status(every_14, [start - 14 * DAY_MS], start)  # a whole period before
    assert old is not None and (old.status, old.last_done, old.due_at) == (DUE, None, at(start))
    once = due_status(assignment(None, start), [taken], start)  # a one-off: from its start
    assert once is not None and (once.status, once.last_done) == (DUE, None)
    homework = Assignment(**{**every_14.__dict__, "type": "homework", "target": "sleep-diary"})
    diary = due_status(homework, [taken], start)
    assert diary is not None and (diary.status, diary.last_done) == (DUE, None)


def test_a_percent_field_takes_a_trailing_percent_sign() -> None:
    """NU61 F9: the label says "(0-100%)" but "80%" was refused ("intensity is a whole
    number, not '80%'"). A field whose label is in percent takes it; another does not."""
    from client_sdk.templates import parse_field_value

    fields = {f.id: f for f in template("thought-record").fields}
    assert parse_field_value(fields["intensity"], "80%") == 80
    assert parse_field_value(fields["intensity"], " 80 % ") == 80
    assert parse_field_value(fields["intensity"], "80") == 80
    sleep = {f.id: f for f in template("sleep-diary").fields}
    number = next(f for f in sleep.values() if f.type == "integer" and "%" not in f.label)
    with pytest.raises(InvalidInput, match="is a whole number"):
        parse_field_value(number, "8%")
