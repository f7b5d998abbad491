"""A pre-session brief's header names exactly the days it covers (NU19 C22), and a brief whose
share ended is not dropped without a word: the therapist's device lists it as expired (or
unshared), with when, and `briefs.get(id)` says so instead of "no such brief" (NU19 C21)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest

from client_sdk import NotFound
from client_sdk.brief import EXPIRED, UNSHARED, compute_brief
from client_sdk.results import MeasureResult
from tests.client.test_share_ended_notices import DAY_MS, move_clocks
from tests.conftest import ClientFactory, RunningServer

ZONE = timezone(timedelta(hours=1))


@dataclass(frozen=True)
class Written:
    id: str
    created_at: datetime
    mood: int | None
    utc_offset: int | None = 60
    title: str = ""
    body: str = ""
    tags: tuple[str, ...] = ()


def phq9(result_id: str, taken_at: datetime, score: int, band: str) -> MeasureResult:
    return MeasureResult(
        result_id, "Personal", "00", "phq9", "PHQ-9", 1, score, band, taken_at, None, None, False
    )


def at(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=ZONE)


def test_a_one_day_brief_covers_today_only_and_says_so() -> None:
    """The report's case: 30 Nov 12:00 mood 8, 1 Dec 08:00 mood 6, 1 Dec 18:42 mood 7, made
    at 18:43 with --days 1: the header named 30 Nov, whose entry it counted as "before"."""
    entries = [
        Written("a", at(30, 12, month=11), 8),
        Written("b", at(1, 8), 6),
        Written("c", at(1, 18, 42), 7),
    ]
    brief = compute_brief(entries, [], [], [], now=at(1, 18, 43), days=1)
    assert brief.text().splitlines()[0] == "Brief for 2026-12-01 to 2026-12-01 18:43 (UTC+0100)"
    assert (brief.entries, brief.mood_recent, brief.mood_before) == (2, 6.5, 8.0)
    assert brief.period_start == at(1, 0)


def test_the_first_day_of_the_header_is_covered_whole_and_the_day_before_not_at_all() -> None:
    now = at(1, 18, 43)
    inside = [Written("first", at(18, 0, 5, month=11), 5), Written("today", at(1, 9), 5)]
    outside = [Written("before", at(17, 23, 55, month=11), 9)]
    brief = compute_brief(inside + outside, [], [], [], now=now, days=14)
    assert brief.text().splitlines()[0] == "Brief for 2026-11-18 to 2026-12-01 18:43 (UTC+0100)"
    assert brief.entries == 2 and brief.mood_recent == 5.0 and brief.mood_before == 9.0
    # A result is in the period by the same bounds: taken at the first day's midnight, in.
    results = [
        phq9("r1", at(18, 0, 0, month=11), 3, "None-minimal"),
        phq9("r0", at(17, 23, 59, month=11), 9, "Mild"),
    ]
    brief = compute_brief(inside, results, [], [], now=now, days=14)
    assert [r["score"] for r in brief.results] == [3]


async def test_an_expired_brief_is_listed_as_expired_with_when_on_both_sides(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await ana.entries.write("Personal", "Before the session.", mood=4)
    until = datetime.now().astimezone() + timedelta(days=1)
    shared = await ana.briefs.share(
        await ana.briefs.prepare(journals=["Personal"]),
        "tom",
        expires_at=until,
        fingerprint=await tom.shares.fingerprint(),
    )
    assert shared.expires_at is not None
    await tom.sync()
    [live] = await tom.briefs.received()
    assert (live.expires_at, live.ended) == (shared.expires_at, "")
    assert "Before the session" not in live.text and live.digest["entries"] == 1

    later = move_clocks(live_server, monkeypatch, 2 * DAY_MS)
    monkeypatch.setattr("client_sdk.practice.now_ms", lambda: later)
    await ana.sync()
    await tom.sync()
    assert await tom.briefs.received() == []  # the client time-boxed it: not shown
    [gone] = await tom.briefs.received(include_ended=True)
    assert (gone.id, gone.ended, gone.expires_at) == (live.id, EXPIRED, shared.expires_at)
    assert (gone.text, gone.digest) == ("", {})
    with pytest.raises(NotFound) as refused:
        await tom.briefs.get(live.id[:8])
    assert refused.value.subject == "ended brief"
    when = shared.expires_at.strftime("%Y-%m-%d %H:%M")
    assert f"expired at {when} UTC (the end date ana chose)" in str(refused.value)
    [own] = await ana.briefs.received()  # the client's own, still readable, marked
    assert (own.id, own.ended, own.expires_at) == (live.id, EXPIRED, shared.expires_at)
    assert own.text == live.text


async def test_a_brief_the_client_unshared_early_is_listed_as_unshared(
    signup: ClientFactory,
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await ana.briefs.share(
        await ana.briefs.prepare(journals=["Personal"]),
        "tom",
        fingerprint=await tom.shares.fingerprint(),
    )
    await tom.sync()
    [live] = await tom.briefs.received()
    await ana.shares.revoke(live.journal.split("/", 1)[1], "tom")
    await tom.sync()
    [gone] = await tom.briefs.received(include_ended=True)
    assert gone.ended == UNSHARED and gone.expires_at is not None
    with pytest.raises(NotFound, match="is no longer served to you \\(ana stopped sharing it, or"):
        await tom.briefs.get(live.id)
    assert [b.ended for b in await ana.briefs.received()] == [UNSHARED]
