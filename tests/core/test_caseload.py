"""The caseload's rules (client_sdk/caseload.py) and the brief's digest (client_sdk/brief.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from client_sdk.brief import compute_brief
from client_sdk.caseload import attention_order, caseload_row, mood_trend
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


@dataclass(frozen=True)
class FakeGoal:
    title: str
    done: bool = False
    fraction: float | None = None
    checkins: tuple[object, ...] = field(default=())


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
    assert quiet.flags == ("no entry for 9 days",)  # type: ignore[attr-defined]
    drop = row("cy", [FakeEntry(days_ago(1), 3), FakeEntry(days_ago(30), 5)])
    assert drop.flags == ("mood down 2.0",)  # type: ignore[attr-defined]
    worse = row("di", [FakeEntry(days_ago(1), 5)], results=[phq9(5, 20, "a"), phq9(12, 1, "b")])
    assert worse.flags == ("PHQ-9 reliable deterioration",)  # type: ignore[attr-defined]
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
    assert "To discuss:" in text and "- Work" in text and "Goal 'Walk': 0 check-in(s)" in text
