"""Goal documents: creation, check-ins, progress per measure, and offline merges."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from client_sdk.documents import Document
from client_sdk.errors import InvalidInput
from client_sdk.goals import (
    GOAL,
    Goal,
    Measure,
    checkin_update,
    complete_goal_update,
    edit_goal_update,
    goal_view,
    new_goal_update,
)
from client_sdk.models import to_datetime

GOAL_ID = b"\x07" * 16
DAY_MS = 86_400_000


def new_goal(measure: str | None = None, **options: object) -> Document:
    document = Document(GOAL_ID, GOAL)
    new_goal_update(
        document,
        "Walk three times a week",
        1_000,
        measure=Measure.parse(measure) if measure else None,
        **options,  # type: ignore[arg-type]
    )
    return document


def copy_of(document: Document) -> Document:
    return Document.from_state(GOAL_ID, GOAL, document.state())


def read(document: Document) -> Goal:
    return goal_view(document, "Personal", "00" * 16)


def test_a_new_goal_reads_back_with_every_field() -> None:
    document = new_goal("5 sessions", why="I feel calmer after walks.", target=date(2027, 3, 1))
    goal = goal_view(document, "Personal", "ab" * 16)
    assert (goal.title, goal.why, goal.target, str(goal.measure)) == (
        "Walk three times a week",
        "I feel calmer after walks.",
        date(2027, 3, 1),
        "5 sessions",
    )
    assert (goal.done, goal.done_at, goal.checkins, goal.progress, goal.fraction) == (
        False,
        None,
        (),
        0,
        0.0,
    )
    assert goal.id == GOAL_ID.hex() and goal.journal == "Personal"
    assert set(goal.to_dict()) == {
        "id", "journal", "journal_id", "title", "why", "target", "measure", "done",
        "done_at", "created_at", "updated_at", "progress", "fraction", "checkins",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("text", "kind", "target"),
    [("5 sessions", "sessions", 5), ("1 session", "sessions", 1), ("12 Sessions", "sessions", 12),
     ("percent", "percent", 100), ("%", "percent", 100)],
)  # fmt: skip
def test_a_measure_is_some_sessions_or_a_percentage(text: str, kind: str, target: int) -> None:
    assert Measure.parse(text) == Measure(kind, target)


@pytest.mark.parametrize("text", ["", "five sessions", "0 sessions", "3 hours", "1001 sessions"])
def test_other_measures_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match="sessions"):
        Measure.parse(text)


def test_session_check_ins_add_up_towards_the_target() -> None:
    document = new_goal("4 sessions")
    checkin_update(document, "c1", 2_000)
    checkin_update(document, "c2", 3_000, progress=2, note="Two walks this weekend")
    goal = read(document)
    assert [(c.id, c.progress, c.note) for c in goal.checkins] == [
        ("c1", 1, ""),
        ("c2", 2, "Two walks this weekend"),
    ]
    assert (goal.progress, goal.fraction) == (3, 0.75)


def test_a_percent_goal_shows_the_latest_percentage_reached() -> None:
    document = new_goal("percent")
    checkin_update(document, "b", 3_000, progress=60)
    checkin_update(document, "a", 2_000, progress=30)
    checkin_update(document, "c", 4_000, note="no number this time")
    goal = read(document)
    assert [c.id for c in goal.checkins] == ["a", "b", "c"]
    assert (goal.progress, goal.fraction) == (60, 0.6)


def test_two_check_ins_in_one_millisecond_keep_their_order() -> None:
    """The latest check-in is by time, then id: a check-in dated in the same millisecond as
    the one before (or a little behind it) is dated 1 ms after it, so the later one is the
    latest whatever the ids (tests/client/test_nu27_sdk_fixes.py failed 1 run in 3 on a
    fast machine: 80 then 100 percent read 80)."""
    for first, second in (("b", "a"), ("a", "b")):
        document = new_goal("percent")
        checkin_update(document, first, 5_000, progress=80)
        checkin_update(document, second, 5_000, progress=100)
        checkin_update(document, "c", 4_200, progress=90)  # a clock stepped back 0.8 s
        goal = read(document)
        assert [c.id for c in goal.checkins] == [first, second, "c"]
        assert [c.at for c in goal.checkins][1:] == [to_datetime(5_001), to_datetime(5_002)]
        assert goal.progress == 90
    document = new_goal("percent")
    checkin_update(document, "b", 5_000, progress=80)
    checkin_update(document, "a", 4_000, progress=30)  # a second or more behind: its own time
    assert [c.id for c in read(document).checkins] == ["a", "b"]


def test_a_goal_without_a_measure_counts_its_check_ins() -> None:
    document = new_goal()
    for number in range(3):
        checkin_update(document, f"c{number}", 2_000 + number)
    goal = read(document)
    assert (goal.progress, goal.fraction, goal.measure) == (3, None, None)


def test_progress_beyond_the_target_is_complete_not_more() -> None:
    document = new_goal("2 sessions")
    checkin_update(document, "c", 2_000, progress=5)
    assert read(document).fraction == 1.0


@pytest.mark.parametrize(("measure", "progress"), [("percent", 101), ("percent", -1), (None, -3)])
def test_out_of_range_progress_is_refused(measure: str | None, progress: int) -> None:
    with pytest.raises(InvalidInput, match="progress"):
        checkin_update(new_goal(measure), "c", 2_000, progress=progress)


def test_blank_or_overlong_titles_are_refused() -> None:
    for title in ("", "   ", "x" * 201):
        with pytest.raises(InvalidInput, match="title"):
            new_goal_update(Document(GOAL_ID, GOAL), title, 1)


def test_completing_a_goal_sets_done_and_when() -> None:
    document = new_goal()
    complete_goal_update(document, 5 * DAY_MS)
    goal = read(document)
    assert goal.done and goal.done_at is not None
    assert goal.done_at.timestamp() * 1000 == 5 * DAY_MS


def test_editing_changes_only_the_given_parts() -> None:
    document = new_goal("3 sessions", why="Sleep better.")
    edit_goal_update(document, 2_000, why="Sleep better and worry less.")
    goal = read(document)
    assert (goal.title, goal.why, str(goal.measure)) == (
        "Walk three times a week",
        "Sleep better and worry less.",
        "3 sessions",
    )


def test_concurrent_check_ins_on_two_offline_devices_are_both_kept_in_every_order() -> None:
    phone = new_goal("5 sessions")
    laptop = copy_of(phone)
    created = phone.state()
    from_phone = checkin_update(phone, "phone", 2_000, note="after session")
    from_laptop = checkin_update(laptop, "laptop", 2_000, progress=2)
    results = set()
    for order in itertools.permutations([created, from_phone, from_laptop]):
        device = Document(GOAL_ID, GOAL)
        for update in order:
            device.apply(update)
        goal = read(device)
        results.add((tuple(c.id for c in goal.checkins), goal.progress))
    assert results == {(("laptop", "phone"), 3)}


def test_a_check_in_racing_completion_keeps_both() -> None:
    phone = new_goal()
    laptop = copy_of(phone)
    done = complete_goal_update(phone, 2_000)
    checked = checkin_update(laptop, "late", 2_500)
    phone.apply(checked)
    laptop.apply(done)
    assert read(phone) == read(laptop)
    assert read(phone).done and [c.id for c in read(phone).checkins] == ["late"]


def test_odd_values_from_another_client_read_as_absent() -> None:
    document = Document(GOAL_ID, GOAL)
    document.change(
        fields={"title": 3, "target": "not a date", "measure": "lots", "done": "yes"},
        pushes={"checkins": "not a check-in"},
    )
    document.change(pushes={"checkins": {"id": "ok", "at": float("inf"), "progress": "x"}})
    goal = read(document)
    assert (goal.title, goal.target, goal.measure, goal.done) == ("", None, None, False)
    assert [(c.id, c.progress, c.at.timestamp()) for c in goal.checkins] == [("ok", None, 0)]


@given(progress=st.lists(st.integers(0, 100), max_size=8))
def test_a_percent_goal_is_never_more_than_complete(progress: list[int]) -> None:
    document = new_goal("percent")
    for number, value in enumerate(progress):
        checkin_update(document, f"c{number}", 2_000 + number, progress=value)
    goal = read(document)
    assert goal.fraction is not None and 0.0 <= goal.fraction <= 1.0
    assert goal.progress == (progress[-1] if progress else 0)


def test_every_command_and_the_export_say_a_goals_status_in_the_same_words() -> None:
    """NU42 #10: one goal at one moment read "due 2027-03-01" in `tj goal list` and "(open)"
    in the Markdown export. goals.status_words says it for all of them."""
    from datetime import UTC, date, datetime

    from client_sdk.archive import ArchivedCheckin, ArchivedGoal, goals_markdown
    from client_sdk.goals import status_words

    today = date(2026, 12, 4)
    assert status_words(False, False, date(2027, 3, 1), today) == "due 2027-03-01"
    assert status_words(False, False, date(2026, 12, 3), today) == "overdue 2026-12-03"
    assert status_words(False, False, date(2026, 12, 4), today) == "due 2026-12-04"
    assert status_words(False, True, date(2026, 12, 3), today) == "reached"
    assert status_words(True, True, None, today, date(2026, 12, 2)) == "done 2026-12-02"
    assert status_words(True, False, None, today) == "done"
    assert status_words(False, False, None, today) == "open"

    at = datetime(2026, 12, 1, tzinfo=UTC)

    def goal(
        title: str, target: date | None, measure: str | None, progress: list[int]
    ) -> ArchivedGoal:
        checkins = tuple(ArchivedCheckin(f"c{i}", at, p, "") for i, p in enumerate(progress))
        return ArchivedGoal("g" + title, "j", "Personal", title, "", target, measure, False,
                            None, at, at, checkins)  # fmt: skip

    page = goals_markdown(
        [
            goal("Walk", date(2027, 3, 1), "4 sessions", [1]),
            goal("Sleep", date(2026, 12, 1), None, []),
            goal("Read", None, "2 sessions", [1, 1]),
            goal("Odd", None, "not a measure", [5]),
        ],
        UTC,
        today,
    )
    assert "## Walk (due 2027-03-01)" in page and "## Sleep (overdue 2026-12-01)" in page
    assert "## Read (reached)" in page and "## Odd (open)" in page
