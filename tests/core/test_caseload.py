"""The caseload's rules (client_sdk/caseload.py) and the brief's digest (client_sdk/brief.py)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

from client_sdk.brief import compute_brief, discuss_item, discuss_update
from client_sdk.caseload import attention_order, caseload_row, client_zone, mood_trend
from client_sdk.documents import Document
from client_sdk.models import json_time
from client_sdk.results import MeasureResult
from client_sdk.safety import SafetyFlag

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


@dataclass(frozen=True)
class FakeEntry:
    created_at: datetime
    mood: int | None
    id: str = "e"
    title: str = ""
    body: str = ""
    tags: tuple[str, ...] = ()
    utc_offset: int | None = None


@dataclass(frozen=True)
class FakeGoal:
    title: str
    done: bool = False
    fraction: float | None = None
    checkins: tuple[object, ...] = field(default=())
    measure: object = None
    progress: int = 0


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def phq9(score: int, days: float, rid: str) -> MeasureResult:
    return MeasureResult(
        rid, "ana/P", "00", "phq9", "PHQ-9", 1, score, "x", days_ago(days), None, None, False
    )


def test_mood_trend_compares_the_last_28_days_with_the_28_before() -> None:
    entries = [FakeEntry(days_ago(1), 4), FakeEntry(days_ago(27), 6), FakeEntry(days_ago(29), 8)]
    entries.append(FakeEntry(days_ago(57), 1))  # older than both windows
    assert mood_trend(entries, NOW) == (5.0, 8.0, -3.0)


def row(client: str, entries: list[FakeEntry], **extra: object) -> object:
    defaults: dict[str, object] = {
        "results": [], "goals": [], "due": [], "safety_flags": [], "brief": None,
    }  # fmt: skip
    defaults.update(extra)
    return caseload_row(
        client, [f"{client}/P"], entries, defaults["results"], defaults["goals"],  # type: ignore[arg-type]
        defaults["due"], defaults["safety_flags"], defaults["brief"], now=NOW,  # type: ignore[arg-type]
    )  # fmt: skip


def test_flags_name_quiet_clients_mood_drops_and_reliable_deterioration() -> None:
    quiet = row("bo", [FakeEntry(days_ago(9), 5)])
    assert quiet.flags == ("no shared entry for 9 days",)  # type: ignore[attr-defined]
    drop = row("cy", [FakeEntry(days_ago(1), 3), FakeEntry(days_ago(30), 5)])
    assert drop.flags == ("mood down 2.0",)  # type: ignore[attr-defined]
    worse = row("di", [FakeEntry(days_ago(1), 5)], results=[phq9(5, 20, "a"), phq9(12, 1, "b")])
    assert worse.flags == ("PHQ-9 reliable deterioration (from 5 on 2026-11-10)",)  # type: ignore[attr-defined]
    fine = row("ed", [FakeEntry(days_ago(1), 5)], results=[phq9(5, 20, "a"), phq9(10, 1, "b")])
    assert fine.flags == ()  # type: ignore[attr-defined]


def test_an_unacknowledged_safety_flag_comes_first_whatever_else() -> None:
    flag = SafetyFlag("f", "zoe/P", "00", "zoe", "r", "phq9", 9, 1, days_ago(1))
    safe = row("zoe", [FakeEntry(days_ago(1), 6)], safety_flags=[flag])
    read = SafetyFlag(**{**flag.__dict__, "acknowledged": ("x",)})  # acknowledged
    calm = row("amy", [FakeEntry(days_ago(1), 6)], safety_flags=[read])
    busy = row("bob", [FakeEntry(days_ago(20), 1), FakeEntry(days_ago(40), 9)])
    ordered = attention_order([calm, busy, safe])  # type: ignore[list-item]
    assert [r.client for r in ordered] == ["zoe", "bob", "amy"]
    assert ordered[0].flags[0] == "safety flag (1 unacknowledged)"


def test_the_brief_lists_entries_tagged_to_discuss_and_counts_homework() -> None:
    entries = [
        FakeEntry(days_ago(2), 4, "a1", "Work", "The meeting again.", ("to-discuss",)),
        FakeEntry(days_ago(3), 6, "a2", "Walk", "Nice.", ("walk",)),
        FakeEntry(days_ago(20), 6, "a3", "Old", "Before the period.", ("to-discuss",)),
    ]
    brief = compute_brief(entries, [], [FakeGoal("Walk")], [], now=NOW, days=14)  # type: ignore[list-item]
    assert [e["id"] for e in brief.to_discuss] == ["a1"]
    assert (brief.entries, brief.mood_recent) == (2, 5.0)
    text = brief.text()
    assert "To discuss:" in text and "- Work" in text and "Goal 'Walk': 0 check-ins" in text


HONOLULU = -600  # UTC-10, minutes
AUCKLAND = 780  # UTC+13 in the southern summer


def local(offset: int, *moment: int) -> datetime:
    """A moment on the client's wall clock (year, month, day, hour, minute) at `offset`."""
    return datetime(*moment, tzinfo=timezone(timedelta(minutes=offset)))  # type: ignore[misc]


def test_this_week_counts_the_clients_local_days_not_the_last_168_hours() -> None:
    # NOW is 2026-11-30 12:00 UTC = 2026-12-01 01:00 in Auckland: "this week" is Nov 25 - Dec 1
    entries = [
        FakeEntry(local(AUCKLAND, 2026, 12, 1, 0, 30), 5, utc_offset=AUCKLAND),
        FakeEntry(local(AUCKLAND, 2026, 11, 25, 0, 10), 5, utc_offset=AUCKLAND),  # first day
        FakeEntry(local(AUCKLAND, 2026, 11, 24, 23, 30), 5, utc_offset=AUCKLAND),  # 8th day back
    ]
    # the last one is within 168 hours of NOW (6 days 23 h 30 min before it) but a local
    # day too early
    assert NOW - entries[2].created_at < timedelta(days=7)
    assert row("ana", entries).entries_this_week == 2  # type: ignore[attr-defined]


def test_no_entry_for_n_days_counts_the_clients_calendar_days() -> None:
    # NOW = Nov 30 02:00 in Honolulu; the last entry was Nov 23 at 23:00 there: 7 local days,
    # although only 6 days and 3 hours have passed
    last = FakeEntry(local(HONOLULU, 2026, 11, 23, 23, 0), 6, utc_offset=HONOLULU)
    assert (NOW - last.created_at).days == 6
    quiet = row("bo", [last])
    assert quiet.flags == ("no shared entry for 7 days",)  # type: ignore[attr-defined]
    assert row("bo", [last]).entries_this_week == 0  # type: ignore[attr-defined]


def test_the_therapists_time_zone_changes_nothing() -> None:
    entries = [
        FakeEntry(local(HONOLULU, 2026, 11, 29, 23, 0), 3, utc_offset=HONOLULU),
        FakeEntry(local(HONOLULU, 2026, 11, 2, 22, 0), 7, utc_offset=HONOLULU),
        FakeEntry(local(HONOLULU, 2026, 10, 31, 21, 0), 9, utc_offset=HONOLULU),
    ]
    rows = []
    for therapist_offset in (-480, 0, 540, 780):
        now = NOW.astimezone(timezone(timedelta(minutes=therapist_offset)))
        made = caseload_row("cy", ["cy/P"], entries, [], [], [], [], None, now=now)
        rows.append((made.entries_this_week, made.mood_recent, made.mood_before, made.flags))
    assert len(set(rows)) == 1
    # Nov 30 is the 1st of the 28 recent local days, Nov 3 the last: Nov 2 is in the 28 before
    assert rows[0][1:3] == (3.0, 8.0)


def test_the_clients_zone_is_their_latest_entrys_offset() -> None:
    entries = [
        FakeEntry(days_ago(3), 5, utc_offset=AUCKLAND),
        FakeEntry(days_ago(1), 5, utc_offset=HONOLULU),
        FakeEntry(days_ago(0.5), 5),  # no offset recorded: does not decide
    ]
    assert client_zone(entries, NOW) == timezone(timedelta(minutes=HONOLULU))
    assert client_zone([FakeEntry(days_ago(1), 5)], NOW) == UTC
    # mood_trend uses the same days: an entry at 23:30 on the 28th local day back is recent
    edge = FakeEntry(local(AUCKLAND, 2026, 11, 4, 23, 30), 2, utc_offset=AUCKLAND)
    assert mood_trend([edge], NOW) == (2.0, None, None)


def test_marked_items_lead_the_brief_whenever_written_and_are_listed_once() -> None:
    def note(doc_id: bytes, body: str, **fields: object) -> Document:
        document = Document(doc_id, "note")
        document.apply(
            document.change(fields={"created_at": 1_000, **fields}, texts={"body": body})
        )
        return document

    marked = note(
        b"\x01" * 16, "Ask   about\nthe  diary " + "x" * 200, to_discuss=True, to_discuss_at=5_000
    )
    unmarked = note(b"\x02" * 16, "Not this one.", to_discuss=False)
    deleted = note(b"\x03" * 16, "Gone.", to_discuss=True, deleted=True)
    item = discuss_item(marked, "Personal")
    assert item is not None and item.kind == "note" and item.journal == "Personal"
    assert item.preview.startswith("Ask about the diary x") and len(item.preview) == 120
    assert item.marked_at == datetime.fromtimestamp(5, UTC)
    assert discuss_item(unmarked, "P") is None and discuss_item(deleted, "P") is None

    tagged = FakeEntry(days_ago(2), 4, "a1", "Work", "The meeting.", ("to-discuss",))
    also_marked = FakeEntry(days_ago(3), 4, item.id, "", "", ("to-discuss",))
    brief = compute_brief([tagged, also_marked], [], [], [], now=NOW, marked=[item])  # type: ignore[list-item]
    assert [(e["id"], e["kind"]) for e in brief.to_discuss] == [(item.id, "note"), ("a1", "entry")]
    assert "- Ask about the diary" in brief.text()


def test_marking_an_entry_moves_its_updated_at_and_unmarking_clears_the_time() -> None:
    entry = Document(b"\x04" * 16, "entry")
    entry.apply(
        entry.change(
            fields={"created_at": 1, "updated_at": 1, "deleted": False}, texts={"body": "x"}
        )
    )
    entry.apply(discuss_update(entry, True, 7_000))
    assert (entry.field("to_discuss"), entry.field("to_discuss_at"), entry.field("updated_at")) == (
        True,
        7_000,
        7_000,
    )
    entry.apply(discuss_update(entry, False, 8_000))
    assert (entry.field("to_discuss"), entry.field("to_discuss_at")) == (False, None)
    assert discuss_item(entry, "P") is None


def banded(measure: str, name: str, score: int, band: str) -> MeasureResult:
    return MeasureResult(
        "r", "ana/P", "00", measure, name, 1, score, band, days_ago(1), None, None, False
    )


def test_a_latest_score_in_the_instruments_highest_band_is_a_reason_for_attention() -> None:
    """New-user pass 2, finding 18: a first PHQ-9 of 26 raised nothing."""
    today = [FakeEntry(days_ago(0), 5)]
    pcl5 = "at or above the provisional cut-point (probable PTSD)"
    for measure, name, score, band, said in (
        ("phq9", "PHQ-9", 20, "Severe", "Severe"),
        ("phq9", "PHQ-9", 27, "Severe", "Severe"),
        ("gad7", "GAD-7", 15, "severe", "Severe"),  # as the PHQ-9's reads (NU54 F6)
        ("pcl5", "PCL-5", 33, pcl5, pcl5),
    ):
        flagged = row("ana", today, results=[banded(measure, name, score, band)])
        assert flagged.flags == (f"{name} {said}",), (measure, score)  # type: ignore[attr-defined]
    for measure, name, score, band in (
        ("phq9", "PHQ-9", 19, "Moderately Severe"),
        ("gad7", "GAD-7", 14, "moderate"),
        ("pcl5", "PCL-5", 32, "below the provisional cut-point"),
    ):
        calm = row("ana", today, results=[banded(measure, name, score, band)])
        assert calm.flags == (), (measure, score)  # type: ignore[attr-defined]


def test_a_share_that_ended_beside_one_still_live_is_named() -> None:
    live = caseload_row(
        "ana", ["ana/Shared with drsmith"], [FakeEntry(days_ago(0), 5)], [], [], [], [], None,
        now=NOW, ended_journals=["ana/Personal"],
    )  # fmt: skip
    assert live.flags == ("ended: ana/Personal",) and not live.share_ended


def test_a_brief_keeps_a_positive_safety_item_and_every_score_of_its_period() -> None:
    """New-user pass 2, finding 24: a later, lower PHQ-9 hid an item 9 answered 1."""
    high = MeasureResult(
        "h", "Personal", "00", "phq9", "PHQ-9", 1, 16, "Moderately Severe", days_ago(2),
        (2, 2, 2, 2, 2, 2, 2, 1, 1), None, True,
    )  # fmt: skip
    low = MeasureResult(
        "l", "Personal", "00", "phq9", "PHQ-9", 1, 8, "Mild", days_ago(1),
        (1, 1, 1, 1, 1, 1, 1, 1, 0), None, False,
    )  # fmt: skip
    old = MeasureResult(
        "o", "Personal", "00", "phq9", "PHQ-9", 1, 20, "Severe", days_ago(40),
        (3, 3, 3, 3, 2, 2, 2, 1, 1), None, True,
    )  # fmt: skip
    brief = compute_brief([], [old, high, low], [], [], now=NOW, days=14)
    assert [r["score"] for r in brief.results] == [16, 8]
    [item] = brief.safety_items
    assert (item["name"], item["item"], item["answer"], item["label"]) == (
        "PHQ-9", 9, 1, "Several days",
    )  # fmt: skip
    text = brief.text()
    assert "Safety: PHQ-9 item 9 answered 1 (Several days) on " in text
    assert "All results in the period: PHQ-9 16 " in text and "; PHQ-9 8 " in text
    assert set(brief.to_dict()) >= {"results", "safety_items"}
    quiet = compute_brief([], [low], [], [], now=NOW, days=14)
    assert quiet.safety_items == [] and "Safety:" not in quiet.text()
    assert "All results in the period" not in quiet.text()  # the one score is already listed


def test_phq9_item_9_above_0_is_a_reason_for_attention_only_when_the_answers_are_readable() -> None:
    today = [FakeEntry(days_ago(0), 5)]

    def result(answers: tuple[int, ...] | None, concern: bool) -> MeasureResult:
        return MeasureResult(
            "r", "ana/P", "00", "phq9", "PHQ-9", 1, 9, "Mild", days_ago(1), answers, None, concern
        )

    positive = result((1, 1, 1, 1, 1, 1, 1, 1, 1), True)
    assert row("ana", today, results=[positive]).flags == ("PHQ-9 item 9 answered above 0",)  # type: ignore[attr-defined]
    assert row("ana", today, results=[result((1,) * 8 + (0,), False)]).flags == ()  # type: ignore[attr-defined]
    assert row("ana", today, results=[result(None, False)]).flags == ()  # type: ignore[attr-defined]


# --- who needs attention first (NU19 C5, C6) ------------------------------------------------


@dataclass(frozen=True)
class FakeAssignment:
    title: str


@dataclass(frozen=True)
class FakeDue:
    assignment: FakeAssignment
    due_at: datetime
    status: str = "overdue"
    seen_by_assigner: bool = True


def answered(item9: int, days: float, rid: str, journal_id: str = "00") -> MeasureResult:
    answers = (1,) * 8 + (item9,)
    return MeasureResult(
        rid, "ana/P", journal_id, "phq9", "PHQ-9", 1, sum(answers), "Mild", days_ago(days),
        answers, None, item9 > 0,
    )  # fmt: skip


def order(*rows: object) -> list[str]:
    return [r.client for r in attention_order(rows)]  # type: ignore[arg-type]


TODAY = [FakeEntry(days_ago(0), 5)]


def test_item_9_above_0_comes_before_an_overdue_form_whatever_the_names() -> None:
    """Two clients differing only by the signal: item 9 above 0 first, not by name."""
    zoe = row("zoe", TODAY, results=[answered(1, 1, "z")])
    abe = row("abe", TODAY, due=[FakeDue(FakeAssignment("GAD-7"), days_ago(2))])
    assert (zoe.tier, abe.tier) == (0, 3)  # type: ignore[attr-defined]
    assert order(abe, zoe) == order(zoe, abe) == ["zoe", "abe"]


def test_the_tiers_in_order_safety_flag_item_9_deterioration_others_none() -> None:
    flag = SafetyFlag("f", "a/P", "00", "a", "r", "phq9", 9, 1, days_ago(3))
    flagged = row("eve", TODAY, safety_flags=[flag])
    item9 = row("dan", TODAY, results=[answered(1, 1, "d")])
    worse = row("cal", TODAY, results=[phq9(5, 20, "a"), phq9(12, 1, "b")])
    severe = row("bea", TODAY, results=[banded("phq9", "PHQ-9", 22, "Severe")])
    quiet = row("amy", [FakeEntry(days_ago(9), 5)])
    calm = row("aaa", TODAY)
    tiers = [r.tier for r in (flagged, item9, worse, severe, quiet, calm)]  # type: ignore[attr-defined]
    # a flag and a held item 9 above 0 are one safety tier (the flag only delivers it): the
    # same answer (1), so the more recent signal first
    assert tiers == [0, 0, 2, 2, 3, 4]
    got = order(calm, quiet, severe, worse, item9, flagged)
    assert got[:2] == ["dan", "eve"] and got[4:] == ["amy", "aaa"]


def test_an_ended_share_keeps_its_safety_tier_and_its_tag() -> None:
    """An ended share with item 9 > 0 comes before an active client with only an overdue form;
    an ended share with no safety signal still comes last."""
    ended = caseload_row(
        "zed", ["zed/P"], TODAY, [answered(2, 1, "z")], [], [], [], None, now=NOW,
        share_ended=True,
    )  # fmt: skip
    overdue = row("abe", TODAY, due=[FakeDue(FakeAssignment("GAD-7"), days_ago(2))])
    calm = row("bob", TODAY)
    gone = caseload_row("aba", ["aba/P"], TODAY, [], [], [], [], None, now=NOW, share_ended=True)
    # the safety signal first, then the tag (NU52 F4)
    assert ended.flags == ("PHQ-9 item 9 answered above 0", "share ended") and ended.tier == 0
    assert gone.flags == ("share ended",) and gone.tier == 5
    assert order(gone, calm, overdue, ended) == ["zed", "abe", "bob", "aba"]
    worse = caseload_row(
        "yan", ["yan/P"], TODAY, [phq9(5, 20, "a"), phq9(12, 1, "b")], [], [], [], None,
        now=NOW, share_ended=True,
    )  # fmt: skip
    assert worse.tier == 2 and order(overdue, worse) == ["yan", "abe"]
    flag = SafetyFlag("f", "x/P", "00", "x", "r", "phq9", 9, 1, days_ago(3))
    left = caseload_row(
        "xia", ["xia/P"], TODAY, [], [], [], [flag], None, now=NOW, share_ended=True
    )
    # one safety tier: zed's item 9 answered 2 before xia's flag of an answer of 1
    assert left.tier == 0 and order(ended, left) == order(left, ended) == ["zed", "xia"]


def test_within_a_tier_the_most_recent_signal_comes_first_then_the_name() -> None:
    older = row("amy", TODAY, results=[answered(1, 5, "a")])
    newer = row("zoe", TODAY, results=[answered(1, 1, "z")])
    assert order(older, newer) == ["zoe", "amy"]
    same = row("bob", TODAY, results=[answered(1, 5, "b")])  # a tie: by name
    assert order(same, newer, older) == ["zoe", "amy", "bob"]
    assert newer.signal_at == days_ago(1)  # type: ignore[attr-defined]
    late = row("cy", TODAY, due=[FakeDue(FakeAssignment("GAD-7"), days_ago(1))])
    early = row("al", TODAY, due=[FakeDue(FakeAssignment("GAD-7"), days_ago(6))])
    quiet = row("ab", [FakeEntry(days_ago(12), 5)])  # no time of its own: after timed ones
    assert order(quiet, early, late) == ["cy", "al", "ab"]
    a = row("bo", [FakeEntry(days_ago(2), 5)])
    b = row("ay", [FakeEntry(days_ago(1), 5)])
    assert order(a, b) == ["ay", "bo"]  # nothing flagged: the latest entry first


def test_a_compared_fingerprint_comes_first_within_a_tier_only() -> None:
    unverified = caseload_row(
        "amy", ["amy/P"], TODAY, [answered(1, 1, "a")], [], [], [], None, now=NOW,
        owner_verified=False,
    )  # fmt: skip
    verified = row("zoe", TODAY, results=[answered(1, 3, "z")])
    overdue = row("abe", TODAY, due=[FakeDue(FakeAssignment("GAD-7"), days_ago(0))])
    assert order(overdue, unverified, verified) == ["zoe", "amy", "abe"]


def test_a_later_score_without_answers_does_not_hide_an_earlier_item_9() -> None:
    """NU19 C1: a score shared without answers says nothing about item 9."""
    earlier = answered(1, 3, "a")
    later = phq9(10, 1, "b")  # no answers, no reliable change from 9
    flagged = row("ana", TODAY, results=[earlier, later])
    assert flagged.flags == ("PHQ-9 item 9 answered above 0 on 2026-11-27",)  # type: ignore[attr-defined]
    assert flagged.tier == 0 and flagged.signal_at == days_ago(3)  # type: ignore[attr-defined]
    # NU22 C1: a form with answers 2.5 days later is a retake within the recall period:
    # it keeps the earlier item 9 in view; one taken 14 days or more after it clears it
    retaken = row("ana", TODAY, results=[earlier, later, answered(0, 0.5, "c")])
    assert retaken.flags == ("PHQ-9 item 9 answered above 0 on 2026-11-27 (retaken since)",)  # type: ignore[attr-defined]
    old = answered(1, 15, "a")
    cleared = row("ana", TODAY, results=[old, phq9(10, 5, "b"), answered(0, 0.5, "c")])
    assert cleared.flags == () and cleared.tier == 4  # type: ignore[attr-defined]


def test_a_retake_within_the_recall_period_keeps_item_9_in_the_attention_group() -> None:
    """NU22 C1: item 9 = 1, retaken a minute later with item 9 = 0: the client stays in tier
    0, said truthfully; exactly 14 days (the PHQ-9's recall period) apart, or more, clears
    it; a retake with item 9 still above 0 is the latest result's own flag."""
    minute = 1 / (24 * 60)
    first = answered(1, 1, "a")
    retake = answered(0, 1 - minute, "b")
    kept = row("ana", TODAY, results=[first, retake])
    assert kept.flags == ("PHQ-9 item 9 answered above 0 on 2026-11-29 (retaken since)",)  # type: ignore[attr-defined]
    assert kept.tier == 0 and kept.signal_at == first.taken_at  # type: ignore[attr-defined]
    # just under 14 days apart: the same period
    near = row("ana", TODAY, results=[answered(2, 14, "a"), answered(0, 0.001, "b")])
    assert near.tier == 0 and near.flags[0].endswith("(retaken since)")  # type: ignore[attr-defined]
    # exactly 14 days apart: a measure of change, it clears the earlier answer
    exact = row("ana", TODAY, results=[answered(2, 14, "a"), answered(0, 0, "b")])
    assert exact.flags == () and exact.tier == 4  # type: ignore[attr-defined]
    # a retake with item 9 still above 0: the latest result's own flag, nothing "retaken"
    still = row("ana", TODAY, results=[first, answered(2, 1 - minute, "b")])
    assert still.flags == ("PHQ-9 item 9 answered above 0",)  # type: ignore[attr-defined]
    # two retakes: the latest positive one in the period is named
    twice = [answered(3, 30, "a"), answered(1, 25, "b"), answered(0, 21, "c")]
    named = row("ana", TODAY, results=twice)
    assert named.flags == ("PHQ-9 item 9 answered above 0 on 2026-11-05 (retaken since)",)  # type: ignore[attr-defined]
    # a later form outside the recall period of the positive one clears it, even after a
    # retake that was inside it
    cleared = row("ana", TODAY, results=[*twice, answered(0, 1, "d")])
    assert cleared.flags == ()  # type: ignore[attr-defined]
    assert order(row("zed", TODAY), kept) == ["ana", "zed"]


def test_the_score_change_spans_the_clients_journals() -> None:
    """NU19 C1: 16 in the kept copy of an ended share, then 18 in a journal of one item."""
    ended = phq9(7, 20, "a")
    worse = MeasureResult(
        "b", "ana/P", "00", "phq9", "PHQ-9", 1, 16, "x", days_ago(2), None, None, False
    )
    single = MeasureResult(
        "c", "ana/S", "11", "phq9", "PHQ-9", 1, 18, "x", days_ago(1), None, None, False
    )
    [line] = row("ana", TODAY, results=[ended, worse, single]).scores  # type: ignore[attr-defined]
    assert line.result.score == 18 and line.change is not None and line.change.change == 2


def test_reliable_deterioration_reads_the_first_result_however_soon_the_latest_came() -> None:
    """REV-CLIN F1 (was NU19 C12's retake rule): reliable change is judged from the first
    result to the latest, as the NHS Talking Therapies manual does (weekly forms are its
    practice). Rising 5 -> 12 twelve minutes apart raises the flag, naming the first score
    and its day; back at 5 minutes after a 5 -> 12, the latest is no deterioration, but a
    form about some of the same days clears no flag (REV-S11 S11-1): the 12's stays, "retaken
    since"; the score cell's change is the plain difference from the one before."""
    today = [FakeEntry(days_ago(1), 5)]
    minutes_12 = 12 / (24 * 60)
    raised = row("ana", today, results=[phq9(5, 1 + minutes_12, "a"), phq9(12, 1, "b")])
    assert raised.flags == ("PHQ-9 reliable deterioration (from 5 on 2026-11-29)",)  # type: ignore[attr-defined]
    line = raised.scores[0]  # type: ignore[attr-defined]
    assert (line.change.change, line.since_baseline.change, line.baseline.id) == (7, 7, "a")
    back = row(
        "ana", today, results=[phq9(5, 20, "a"), phq9(12, 1, "b"), phq9(5, 1 - minutes_12, "c")]
    )
    day, first_day = days_ago(1).date().isoformat(), days_ago(20).date().isoformat()
    assert back.flags == (  # type: ignore[attr-defined]
        f"PHQ-9 reliable deterioration on {day} (from 5 on {first_day}; retaken since)",
    )
    assert back.tier == 2  # type: ignore[attr-defined]
    line = back.scores[0]  # type: ignore[attr-defined]
    assert (line.change.change, line.since_baseline.change) == (-7, 0)
    assert line.to_dict()["since_baseline"]["reliable"] == "no reliable change"
    assert line.to_dict()["baseline_at"] == json_time(days_ago(20))
    first = row("ana", today, results=[phq9(27, 1, "a")])
    line = first.scores[0]  # type: ignore[attr-defined]
    assert (line.change, line.since_baseline, line.baseline) == (None, None, None)


def test_the_score_chart_marks_reliable_change_from_the_first_result() -> None:
    """REV-CLIN F1: the HTML report's chart marks each result that is a reliable change from
    the first charted (first score to that one), however soon after the one before."""
    from client_sdk.score_charts import measure_chart
    from client_sdk.scoring import instrument

    minute = 1 / (24 * 60)
    apart = measure_chart(instrument("phq9"), [phq9(5, 29, "a"), phq9(12, 15, "b")])
    assert apart.count('class="reliable-deterioration"') == 1
    soon = measure_chart(instrument("phq9"), [phq9(5, 15 + minute, "a"), phq9(12, 15, "b")])
    assert soon.count('class="reliable-deterioration"') == 1
    assert "reliable deterioration (+7 since the first)" in soon
    weekly = [phq9(20, 28, "a"), phq9(16, 21, "b"), phq9(12, 14, "c"), phq9(15, 7, "d")]
    chart = measure_chart(instrument("phq9"), weekly)  # -4, -8, -5 from 20
    assert chart.count('class="reliable-improvement"') == 1
    assert 'class="reliable-deterioration"' not in chart


def test_the_brief_says_the_change_since_the_one_before_and_since_the_first() -> None:
    """REV-CLIN F1: a PHQ-9 taken a day after the previous one is listed with its plain
    difference and its change since the first, labelled (first score to last)."""
    soon = compute_brief([], [phq9(20, 2, "a"), phq9(8, 1, "b")], [], [], now=NOW, days=14)
    day = days_ago(2).astimezone().strftime("%Y-%m-%d")
    assert (
        f"PHQ-9: 8 (X) on {days_ago(1).date()}, -12 since the one before, -12 since the "
        f"first (from 20 on {day}), "
        "reliable improvement"
    ) in soon.text()
    assert "not a measure of change" not in soon.text() and "retake" not in soon.text()
    course = [phq9(20, 28, "a"), phq9(16, 21, "b"), phq9(12, 14, "c"), phq9(15, 7, "d")]
    weekly = compute_brief([], course, [], [], now=NOW, days=14)
    day = days_ago(28).astimezone().strftime("%Y-%m-%d")
    assert (
        f"PHQ-9: 15 (X) on {days_ago(7).date()}, +3 since the one before, -5 since the "
        f"first (from 20 on {day}), "
        "no reliable change"
    ) in weekly.text()
    relapse = [phq9(20, 28, "a"), phq9(4, 14, "b"), phq9(12, 1, "c")]  # REV-S11 S11-5
    shown = compute_brief([], relapse, [], [], now=NOW, days=30).text()
    low_day = days_ago(14).astimezone().strftime("%Y-%m-%d")
    assert f", reliable improvement, up 8 from its lowest (4 on {low_day})" in shown, shown


def phq9_banded(score: int, band: str, days: float, rid: str) -> MeasureResult:
    return dataclasses.replace(phq9(score, days, rid), band_name=band)


def test_a_quick_retake_does_not_clear_a_severe_score() -> None:
    """NU43 #2: a PHQ-9 of 24 ("Severe") retaken as 3 six minutes later left the row with no
    flag at all, where a retake within the recall period clears no item 9 answer: the
    severe score stays in view, tier 2, said truthfully; a result a whole recall period
    (14 days) later clears it; a latest severe score is its own flag."""
    six_minutes = 6 / (24 * 60)
    severe = phq9_banded(24, "Severe", 1, "a")
    kept = row("kim", TODAY, results=[severe, phq9_banded(3, "None-minimal", 1 - six_minutes, "b")])
    assert "PHQ-9 Severe on 2026-11-29 (retaken since)" in kept.flags  # type: ignore[attr-defined]
    assert kept.tier == 2 and kept.signal_at == severe.taken_at  # type: ignore[attr-defined]
    near = [phq9_banded(24, "Severe", 14, "a"), phq9_banded(3, "None-minimal", 0.001, "b")]
    assert row("kim", TODAY, results=near).tier == 2  # type: ignore[attr-defined]
    exact = [phq9_banded(24, "Severe", 14, "a"), phq9_banded(3, "None-minimal", 0, "b")]
    cleared = row("kim", TODAY, results=exact)
    assert not any("Severe" in f for f in cleared.flags)  # type: ignore[attr-defined]
    still = row("kim", TODAY, results=[severe, phq9_banded(22, "Severe", 0.5, "b")])
    assert still.flags.count("PHQ-9 Severe") == 1  # type: ignore[attr-defined]
    assert not any("retaken" in f for f in still.flags)  # type: ignore[attr-defined]


def test_a_low_mood_this_week_is_a_reason_for_attention_at_its_edges() -> None:
    """NU43 #5: one mood of 2 or less (care_terms.DEFAULT_LOW_MOOD) in the client's last 7
    local days flags the row, a 4-week mean being too slow to say it: the lowest, the latest
    of those, named with its day, and how many when several (NU44 F1), the row's signal the
    latest of them; 3 does not, nor a mood 7 days back, nor one dated ahead."""
    two = row("hugo", [FakeEntry(days_ago(0.5), 2), FakeEntry(days_ago(2), 8)])
    assert two.flags == ("mood 2/10 on 2026-11-30",)  # type: ignore[attr-defined]
    assert two.tier == 3 and two.signal_at == days_ago(0.5)  # type: ignore[attr-defined]
    assert row("ana", [FakeEntry(days_ago(0.5), 3)]).flags == ()  # type: ignore[attr-defined]
    week = [FakeEntry(days_ago(6), 1), FakeEntry(days_ago(1), 2), FakeEntry(days_ago(3), 1)]
    lowest = row("kim", week)  # the lowest (1), of those the latest (3 days back)
    assert lowest.flags == ("mood 1/10 on 2026-11-27 (3 at or below 2 in 7 days)",)  # type: ignore[attr-defined]
    assert lowest.signal_at == days_ago(1)  # type: ignore[attr-defined]  # the latest low one
    eli = row("eli", [FakeEntry(days_ago(4), 1), FakeEntry(days_ago(0.2), 2)])
    ana = row("ana", [FakeEntry(days_ago(2), 2)])
    assert [r.client for r in attention_order([ana, eli])] == ["eli", "ana"]  # type: ignore[list-item]
    old = row("bo", [FakeEntry(days_ago(7), 1), FakeEntry(days_ago(0.5), 6)])
    assert old.flags == ()  # type: ignore[attr-defined]
    ahead = row("cy", [FakeEntry(NOW + timedelta(hours=1), 1), FakeEntry(days_ago(0.5), 6)])
    assert ahead.flags == ()  # type: ignore[attr-defined]


def test_the_low_mood_flag_counts_the_clients_days_and_can_be_turned_off() -> None:
    # NOW = 2026-12-01 01:00 in Auckland: an entry of Nov 24 23:30 there is a local day too
    # early although within 168 hours; one of Nov 25 00:10 is the week's first day
    early = FakeEntry(local(AUCKLAND, 2026, 11, 24, 23, 30), 1, utc_offset=AUCKLAND)
    first = FakeEntry(local(AUCKLAND, 2026, 11, 25, 0, 10), 2, utc_offset=AUCKLAND)
    assert row("ana", [early]).flags == ("no shared entry for 7 days",)  # type: ignore[attr-defined]
    assert row("ana", [early, first]).flags == ("mood 2/10 on 2026-11-25",)  # type: ignore[attr-defined]
    entries = [FakeEntry(days_ago(1), 1)]
    off = caseload_row("ana", ["ana/P"], entries, [], [], [], [], None, now=NOW, low_mood=0)
    higher = caseload_row("ana", ["ana/P"], entries, [], [], [], [], None, now=NOW, low_mood=4)
    assert off.flags == () and higher.flags == ("mood 1/10 on 2026-11-29",)
    ended = caseload_row("ana", ["ana/P"], entries, [], [], [], [], None, now=NOW, share_ended=True)
    # said as last known (NU44 F2: the row said only "share ended"), in no tier
    assert ended.flags == ("share ended", "mood 1/10 on 2026-11-29") and ended.tier == 5


def test_an_overdue_assignment_the_therapist_may_not_see_done_is_no_flag() -> None:
    """REV-CARE4 F1: in a copy of some fields, what completes an assignment may not reach
    the therapist's device (`Due.seen_by_assigner` False there): no "overdue" flag."""
    late = FakeDue(FakeAssignment("PHQ-9"), days_ago(3))
    unseen = FakeDue(FakeAssignment("GAD-7"), days_ago(3), seen_by_assigner=False)
    flagged = row("ana", [FakeEntry(days_ago(1), 6)], due=[late, unseen])
    assert flagged.flags == ("1 overdue",) and flagged.overdue == ("PHQ-9",)  # type: ignore[attr-defined]
    quiet = row("bo", [FakeEntry(days_ago(1), 6)], due=[unseen])
    assert quiet.flags == () and quiet.overdue == ()  # type: ignore[attr-defined]


def test_the_last_entry_day_is_the_clients_day_as_the_flags_are() -> None:
    """NU44 F5: the table's "last entry" was the therapist's day beside a low-mood flag
    naming the client's: an entry at 23:30 in Honolulu on Nov 29 is Nov 30 in UTC."""
    late = FakeEntry(local(HONOLULU, 2026, 11, 29, 23, 30), 2, utc_offset=HONOLULU)
    made = row("hugo", [late])
    assert made.last_entry_day.isoformat() == "2026-11-29"  # type: ignore[attr-defined]
    assert made.last_entry.astimezone(UTC).date().isoformat() == "2026-11-30"  # type: ignore[attr-defined]
    assert made.flags == ("mood 2/10 on 2026-11-29",)  # type: ignore[attr-defined]
    assert made.to_dict()["last_entry_day"] == "2026-11-29"  # type: ignore[attr-defined]
    assert row("bo", []).last_entry_day is None  # type: ignore[attr-defined]


def test_a_client_who_shares_only_briefs_is_not_flagged_for_no_entries() -> None:
    """NU43 #15: a client who shared a brief and no journal was flagged "no shared entries
    yet" (red in HTML) above clients with data; no journal of entries: no quiet flag."""
    brief_only = caseload_row("emma", [], [], [], [], [], [], ("b1", days_ago(1)), now=NOW)
    assert brief_only.flags == () and brief_only.tier == 4
    with_journal = caseload_row(
        "emma", ["emma/P"], [], [], [], [], [], ("b1", days_ago(1)), now=NOW
    )
    assert with_journal.flags == ("no shared entries yet",)


def test_a_share_ending_within_days_is_said_to_renew_in_time() -> None:
    """NU43 #12: until a share ended, nothing said it would: "ask to renew before Thursday"
    could not be planned. A live share's signed end within days is a tier-3 reason."""
    end = NOW + timedelta(days=1)
    ending = caseload_row(
        "gina", ["gina/P"], [FakeEntry(days_ago(1), 6)], [], [], [], [], None,
        now=NOW, ending_soon=[("gina/P", end)],
    )  # fmt: skip
    assert ending.flags == ("share ends 2026-12-01 12:00: gina/P",) and ending.tier == 3
    midnight = datetime(2026, 12, 2, tzinfo=UTC)  # `--until 2026-12-01`: its last day
    at_midnight = caseload_row(
        "gina", ["gina/P"], [FakeEntry(days_ago(1), 6)], [], [], [], [], None,
        now=NOW, ending_soon=[("gina/P", midnight)],
    )  # fmt: skip
    assert at_midnight.flags == ("share ends 2026-12-01 (end of day): gina/P",)


def test_a_fortnightly_phq9_answered_earlier_in_the_day_is_a_measure_of_change() -> None:
    """NU47 #10: a PHQ-9 of 7, then 18 thirteen days and 21 hours later (the next of a
    fortnightly schedule, answered earlier in the day): flagged as a reliable deterioration;
    thirteen days apart, or a week, too (REV-CLIN F1: no retake rule)."""
    entries = [FakeEntry(days_ago(1), 5)]
    fortnight = [phq9(7, 14, "a"), phq9(18, 14 - (13 + 21 / 24), "b")]
    assert row("ana", entries, results=fortnight).flags == (  # type: ignore[attr-defined]
        "PHQ-9 reliable deterioration (from 7 on 2026-11-16)",
    )
    for days in (1, 7):
        sooner = [phq9(7, days + 13, "a"), phq9(18, days, "b")]
        assert "PHQ-9 reliable deterioration" in " ".join(row("ana", entries, results=sooner).flags)  # type: ignore[attr-defined]


def test_the_brief_dates_each_latest_score_and_marks_one_from_before_its_days() -> None:
    """A brief headed "2026-11-17 to 2026-11-30" showed "GAD-7: 6 (mild)" from a result of
    the day before its first day, undated: each score's line now names its day, and one
    taken before the brief's days says so."""
    older = dataclasses.replace(
        banded("gad7", "GAD-7", 6, "mild"), taken_at=datetime(2026, 11, 16, 20, tzinfo=UTC)
    )
    brief = compute_brief([], [older, phq9(8, 2, "p")], [], [], now=NOW, days=14)
    lines = brief.text().splitlines()
    assert lines[0].startswith("Brief for 2026-11-17 to ")
    assert "GAD-7: 6 (Mild) on 2026-11-16 (before these days)" in lines, lines
    assert "PHQ-9: 8 (X) on 2026-11-28" in lines, lines
    [gad7] = [s for s in brief.to_dict()["scores"] if s["name"] == "GAD-7"]
    assert gad7["taken_at"] == json_time(older.taken_at)  # in the digest, as before


def test_a_briefs_goal_line_says_its_progress_beside_the_periods_check_ins() -> None:
    """A goal with 2 of 12 sessions done before the period reads "0 check-ins in this period
    (2 of 12 sessions so far)", never a bare "0 check-ins" (read as never checked in)."""
    from client_sdk.goals import Measure

    walk = FakeGoal("Walk")
    sessions = dataclasses.replace(walk, title="Run", measure=Measure("sessions", 12), progress=2)
    percent = dataclasses.replace(walk, title="Read", measure=Measure("percent", 100), progress=40)
    brief = compute_brief([], [], [walk, sessions, percent], [], now=NOW, days=14)  # type: ignore[list-item]
    text = brief.text()
    assert "Goal 'Walk': 0 check-ins in this period\n" in text, text
    assert "Goal 'Run': 0 check-ins in this period (2 of 12 sessions so far)" in text, text
    assert "Goal 'Read': 0 check-ins in this period (40% so far)" in text, text
    assert brief.to_dict()["goals"][1] == {
        "title": "Run", "checkins": 0, "progress": 2, "measure": "12 sessions",
    }  # fmt: skip
