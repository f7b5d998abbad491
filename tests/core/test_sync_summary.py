"""Sync summaries in plain words (client_sdk.sync.summarize, News): pure, no I/O."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from client_sdk import sync as sync_plan
from client_sdk import wire
from client_sdk.sync import Arrival, News, summarize

ANA, TOM = b"a" * 16, b"t" * 16
LAPTOP, PHONE, TOMS = b"L" * 16, b"P" * 16, b"T" * 16
NAMES = {LAPTOP: "laptop", PHONE: "phone"}


def arrival(n: int, kind: str, new: bool, author: bytes = ANA, device: bytes = PHONE) -> Arrival:
    return Arrival(bytes([n]) * 16, b"j" * 16, kind, new, author, device)


def source_of(author: bytes, device: bytes, _written_at: int = 0) -> str:
    return NAMES[device] if author == ANA else "drsmith"


def test_arrivals_are_counted_by_source_kind_and_newness_with_correct_plurals() -> None:
    arrivals = [
        arrival(1, "entry", True),
        arrival(2, "entry", True),
        arrival(3, "entry", False),
        arrival(4, "goal", True, device=LAPTOP),
        arrival(5, "note", True, author=TOM, device=TOMS),
        arrival(6, "result", False),
    ]
    assert [str(n) for n in summarize(arrivals, source_of)] == [
        "2 new entries from phone",
        "1 new goal from laptop",
        "1 new note from drsmith",
        "1 updated entry from phone",
        "1 updated questionnaire result from phone",
    ]


def test_an_unknown_kind_is_named_by_its_own_word() -> None:
    assert str(News(2, "mood_board", False, "phone")) == "2 updated mood boards from phone"


def test_care_kinds_are_named_in_plain_words() -> None:
    """New-user pass 2, finding 8: an opt-in to safety flags arrived as "1 new safety plan"."""
    assert str(News(1, "safety_plan", True, "ben")) == (
        "1 new safety plan or safety-flag choice from ben"
    )
    assert str(News(2, "measure", True, "ana")) == "2 new questionnaire results from ana"
    assert str(News(1, "safety_ack", True, "tom")) == "1 new safety-flag acknowledgement from tom"
    assert str(News(3, "homework", False, "phone")) == "3 updated homework from phone"
    assert summarize([], source_of) == []


def test_own_records_are_asked_as_stubs_only_where_the_device_holds_them() -> None:
    """protocol.md "Own records as stubs": own journals at any cursor, others once pulled;
    none with records in the outbox."""
    mine, theirs = b"\x01" * 16, b"\x02" * 16
    assert sync_plan.own_records_as_stubs({mine: 0, theirs: 5}, {mine}, set())
    assert not sync_plan.own_records_as_stubs({mine: 7, theirs: 0}, {mine}, set())
    assert sync_plan.own_records_as_stubs({}, set(), set())
    # A journal with records in the outbox (maybe stored, reply lost: 4.18): never as stubs.
    assert not sync_plan.own_records_as_stubs({mine: 0, theirs: 5}, {mine}, {theirs})
    assert sync_plan.own_records_as_stubs({mine: 0}, {mine}, {theirs})
    request = sync_plan.sync_request({mine: 3}, 10, b"", skip_own=True)
    assert request.skip_own and wire.decode(wire.SyncRequest, wire.encode(request)) == request
    assert not sync_plan.sync_request({mine: 3}, 10).skip_own


def test_removals_and_restores_are_told_as_such_never_as_updates() -> None:
    """NU24 C7: an entry another device moved to the trash, deleted for good or restored is
    counted so (`Arrival.before`/`after`); one deleted for good that this device never held,
    or held deleted already, is nothing to tell."""
    from client_sdk.documents import Document, removal

    def moved(n: int, new: bool, before: str, after: str, author: bytes = ANA) -> Arrival:
        device = PHONE if author == ANA else TOMS
        return Arrival(
            bytes([n]) * 16, b"j" * 16, "entry", new, author, device, before=before, after=after
        )

    arrivals = [
        moved(1, False, "", "trashed"),
        moved(2, False, "", "trashed"),
        moved(3, False, "trashed", "deleted"),
        moved(4, False, "", "deleted"),
        moved(5, False, "trashed", ""),
        moved(6, True, "", "trashed"),
        moved(7, True, "", "deleted"),  # never held: nothing
        moved(8, False, "deleted", "deleted"),  # deleted already: nothing
        moved(9, False, "", "trashed", author=TOM),
    ]
    news = summarize(arrivals, source_of, ANA)
    assert [str(n) for n in news] == [
        "1 entry restored from the trash on phone",
        "3 entries moved to the trash on phone",
        "1 entry moved to the trash by drsmith",
        "2 entries deleted for good on phone",
    ]
    assert [n.to_dict()["what"] for n in news] == ["restored", "trashed", "trashed", "deleted"]
    assert not any(n.to_dict()["new"] for n in news)
    entry = Document(b"e" * 16, "entry")
    assert removal(entry) == ""
    entry.apply(entry.change(fields={"trashed_at": 5}))
    assert removal(entry) == sync_plan.TRASHED
    entry.apply(entry.change(fields={"deleted": True}))
    assert removal(entry) == sync_plan.DELETED


def test_erased_records_are_counted_once_per_journal_and_account() -> None:
    """NU24 C6: `SyncReport.erased` has a gap per author device; an erased account with two
    devices is told once, with every record of both."""
    from client_sdk.sync import erased_by_account
    from client_sdk.withholding import Gap

    j1, j2 = b"1" * 16, b"2" * 16
    gaps = [
        Gap(j1, TOM, b"d" * 16, ((1, 2),), b""),
        Gap(j1, TOM, b"e" * 16, ((4, 4),), b""),
        Gap(j2, TOM, b"d" * 16, ((3, 3),), b""),
        Gap(j1, ANA, b"f" * 16, ((1, 1),), b""),
    ]
    assert erased_by_account(gaps) == [(j1, TOM, 3), (j2, TOM, 1), (j1, ANA, 1)]
    assert erased_by_account([]) == []


def test_a_long_summary_names_each_source_once_flagged_clients_first_then_by_name() -> None:
    """NU47 #3: 30 clients' first sync was one line, a client in three places."""
    report = sync_plan.SyncReport(
        pushed=2,
        news=[
            News(304, "entry", True, "ana.b"),
            News(1, "brief", True, "noor"),
            News(2, "entry", False, "phone", own=True),
            News(52, "measure", True, "ana.b"),
            News(1, "safety_flag", True, "zoe"),
            News(1, "journal", True, "", journal="Work"),
            News(2, "goal", True, "ana.b"),
            News(3, "entry", True, "Ana"),
            News(5, "entry", True, "zoe"),
        ],
    )
    assert report.summary_lines() == [
        "sent 2 changes, new journal Work",
        "zoe: 1 new safety flag, 5 new entries",
        "on your phone: 2 updated entries",
        "Ana: 3 new entries",
        "ana.b: 304 new entries, 52 new questionnaire results, 2 new goals",
        "noor: 1 new brief",
    ]
    assert report.summary().startswith("sent 2 changes, 1 new safety flag from zoe, 304 new ")
    assert sync_plan.SyncReport().summary_lines() == []


def test_the_news_are_joined_once_and_each_unflagged_line_built_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`summary_items` and `summary_lines` (both printed after one sync) joined the news
    (`joined_news`) once each, and `lines` built each unflagged answer's line twice: once
    each now, the news joined again only once they change."""
    from datetime import UTC, datetime

    from client_sdk.safety import UnflaggedAnswer

    joins: list[int] = []
    joined = sync_plan.joined_news

    def counted(news: Sequence[News]) -> list[News]:
        joins.append(len(news))
        return joined(news)

    monkeypatch.setattr(sync_plan, "joined_news", counted)
    built: list[str] = []
    line = UnflaggedAnswer.line

    def counted_line(self: UnflaggedAnswer, *, tell: str = "") -> str:
        built.append(self.result_id)
        return line(self, tell=tell)

    monkeypatch.setattr(UnflaggedAnswer, "line", counted_line)
    at = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    report = sync_plan.SyncReport(
        news=[News(1, "safety_flag", True, "zoe"), News(2, "entry", True, "ana")],
        unflagged=[UnflaggedAnswer("Personal", ("drsmith",), "ab" * 8, "phq9", at, at)],
    )
    assert report.summary_items() == ["1 new safety flag from zoe", "2 new entries from ana"]
    assert report.summary_lines() == ["zoe: 1 new safety flag", "ana: 2 new entries"]
    said = report.lines()
    assert joins == [2]
    assert built == ["ab" * 8]
    assert [s for s in said if s.startswith("Safety: No safety flag was sent to drsmith")]
    report.news.append(News(1, "goal", True, "ana"))  # changed: joined again, as they are now
    assert report.summary_lines()[-1] == "ana: 2 new entries, 1 new goal"
    assert joins == [2, 3]


def test_a_device_signed_out_since_reads_without_your() -> None:
    """NU51 F10: "on your a device signed out since: ..." after logging in again."""
    report = sync_plan.SyncReport(
        news=[
            News(2, "measure", True, "a device signed out since", own=True),
            News(1, "safety_flag", True, "a device signed out since", own=True),
            News(1, "entry", True, "another device (3f2a9c8d1e0b)", own=True),
            News(1, "entry", True, "laptop", own=True),
        ]
    )
    lines = report.summary_lines()
    assert "on a device signed out since: 2 new questionnaire results, 1 new safety flag" in lines
    assert "on another device (3f2a9c8d1e0b): 1 new entry" in lines
    assert "on your laptop: 1 new entry" in lines
    assert not any("your a" in line for line in lines), lines


def test_each_writer_is_named_once_whatever_its_records_times_but_a_timed_id() -> None:
    """A first pull brings thousands of records from a handful of devices, each record with
    its own signed time: the writer is named once, not once per record; only a device id this
    home ended at a known time is named per time (before or after that logout)."""
    ended, at = b"e" * 16, 1_000
    arrivals = [
        Arrival(bytes([n % 256, n // 256]) * 8, b"j" * 16, "entry", True, ANA, dev, written_at=n)
        for n in range(2_000)
        for dev in (b"p" * 16, ended)
    ]
    calls: list[tuple[bytes, bytes, int]] = []

    def counted(author: bytes, device: bytes, written_at: int) -> str:
        calls.append((author, device, written_at))
        return "earlier" if device == ended and written_at < at else device.decode()[:1]

    assert len(summarize(arrivals, counted, ANA)) == 2
    assert len(calls) == 2
    calls.clear()
    news = summarize(arrivals, counted, ANA, timed={ended})
    assert {(n.source, n.count) for n in news} == {("p", 2_000), ("earlier", 1_000), ("e", 1_000)}
    assert len([c for c in calls if c[1] != ended]) == 1
