"""What syncs brought since the user last looked (`Client.unseen_news`, NU43 #4): a
command's quick sync before it shows something used to take the only summary, so that a
later `tj sync` said "nothing new" about a client's entry the therapist never saw named."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from client_sdk import departures
from client_sdk import sync as sync_plan
from client_sdk.client import UNSEEN_DEPARTURES
from client_sdk.departures import Departure
from client_sdk.sync import News
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory


async def test_news_of_every_sync_wait_merged_until_marked_seen(signup: ClientFactory) -> None:
    hugo, drruiz = await signup("hugo"), await signup("drruiz")
    await share_with(hugo, drruiz)
    await drruiz.sync()
    await drruiz.mark_news_seen()
    assert await drruiz.unseen_news() == []

    await hugo.entries.write("Personal", "I had a really bad night.", mood=2)
    await hugo.sync()
    first = await drruiz.sync()  # a command's quick sync: its report is not shown
    assert [str(n) for n in first.news] == ["1 new entry from hugo"]
    await hugo.entries.write("Personal", "Better today.", mood=5)
    await hugo.goals.add("Sleep 7h")
    await hugo.sync()
    await drruiz.sync()
    assert [str(n) for n in await drruiz.unseen_news()] == [
        "2 new entries from hugo",
        "1 new goal from hugo",
    ]

    version = await drruiz.store.version()
    quiet = await drruiz.sync()  # nothing new: nothing written, the news kept
    assert quiet.news == [] and await drruiz.store.version() == version
    assert len(await drruiz.unseen_news()) == 2

    await drruiz.mark_news_seen()
    assert await drruiz.unseen_news() == []
    await hugo.entries.write("Personal", "Slept.", mood=6)
    await hugo.sync()
    await drruiz.sync()
    assert [str(n) for n in await drruiz.unseen_news()] == ["1 new entry from hugo"]


def test_merged_news_adds_counts_of_the_same_news_only() -> None:
    from_hugo = News(1, "entry", True, "hugo")
    updated = News(1, "entry", False, "hugo")
    from_gina = News(2, "entry", True, "gina")
    merged = sync_plan.merged_news([from_hugo, updated], [from_gina, from_hugo, from_hugo])
    assert [str(n) for n in merged] == [
        "3 new entries from hugo",
        "1 updated entry from hugo",
        "2 new entries from gina",
    ]
    renamed = News(1, "journal", False, "", change="renamed", journal="Work", renamed_from="Job")
    again = News(1, "journal", False, "", change="renamed", journal="Office", renamed_from="Work")
    assert sync_plan.merged_news([renamed], [again]) == [renamed, again]  # two names: two items


def test_kept_news_read_back_whatever_the_setting_holds() -> None:
    news = [News(2, "entry", True, "hugo"), News(1, "safety_flag", True, "ana", own=False)]
    assert sync_plan.decode_news(sync_plan.encode_news(news)) == news
    for kept in (None, b"\x00", "not json", "[1, 2]", '[{"count": 1}]', "{}", "[" * 100_000):
        assert sync_plan.decode_news(kept) == []


async def test_marking_what_was_shown_keeps_what_another_sync_brought_meanwhile(
    signup: ClientFactory,
) -> None:
    """NU44 F4: a watch that printed its own report marked every news seen, what another
    command fetched before it too. Only what is shown is taken off."""
    hugo, drruiz = await signup("hugo"), await signup("drruiz")
    await share_with(hugo, drruiz)
    await drruiz.sync()
    await drruiz.mark_news_seen()
    await hugo.entries.write("Personal", "One.", mood=4)
    await hugo.sync()
    earlier = (await drruiz.sync()).news  # fetched by one command, not shown
    await hugo.entries.write("Personal", "Two.", mood=5)
    await hugo.goals.add("Walk")
    await hugo.sync()
    shown = (await drruiz.sync()).news  # a watch's report, printed
    await drruiz.mark_news_seen(shown)
    assert [str(n) for n in await drruiz.unseen_news()] == [str(n) for n in earlier]
    await drruiz.mark_news_seen(earlier)
    assert await drruiz.unseen_news() == []


def test_news_without_takes_off_counts_and_keeps_the_rest() -> None:
    kept = [News(3, "entry", True, "hugo"), News(1, "goal", True, "hugo")]
    seen = [News(2, "entry", True, "hugo"), News(1, "goal", True, "gina")]
    assert sync_plan.news_without(kept, seen) == [
        News(1, "entry", True, "hugo"),
        News(1, "goal", True, "hugo"),
    ]
    assert sync_plan.news_without(kept, kept) == []


def test_news_grouped_by_source_name_each_source_once() -> None:
    """NU44 F7: with many clients, "2 new entries from ana, 1 updated entry from ana, 1 new
    goal from ben, ..." named a client once per item."""
    news = [
        News(2, "entry", True, "ana"),
        News(1, "goal", True, "ben"),
        News(1, "entry", False, "ana"),
        News(1, "entry", False, "phone", own=True),
        News(1, "note", False, "drsmith", withdrawn=True),
        News(1, "entry", False, "ana", change="trashed"),
        News(1, "journal", True, "", journal="Work"),
    ]
    assert sync_plan.grouped_by_source(news) == (
        "from ana: 2 new entries, 1 updated entry, 1 entry moved to the trash; "
        "from ben: 1 new goal; on your phone: 1 updated entry; "
        "from drsmith: 1 note withdrawn; new journal Work"
    )
    assert [str(n) for n in news[:2]] == ["2 new entries from ana", "1 new goal from ben"]


async def test_share_changes_of_every_sync_wait_until_marked_seen(signup: ClientFactory) -> None:
    """NU44 F6: a share's start or end a quick sync told is kept for the next `tj sync`'s
    "Earlier" (`unseen_departures`) as news are, and marked seen the same way."""
    hugo, drruiz = await signup("hugo"), await signup("drruiz")
    await share_with(hugo, drruiz)
    started = (await drruiz.sync()).departures
    assert [(d.owner, d.reason) for d in started] == [("hugo", "shared")]
    assert await drruiz.unseen_departures() == started
    await drruiz.mark_news_seen(await drruiz.unseen_news())  # the news only: the start stays
    assert await drruiz.unseen_departures() == started

    await hugo.shares.revoke("Personal", "drruiz")
    ended = (await drruiz.sync()).departures
    assert [(d.owner, d.reason) for d in ended] == [("hugo", "no longer served")]
    assert await drruiz.unseen_departures() == [*started, *ended]
    version = await drruiz.store.version()
    assert (await drruiz.sync()).departures == []  # nothing new: nothing written
    assert await drruiz.store.version() == version

    await drruiz.mark_news_seen(started)  # what was shown, no more
    assert await drruiz.unseen_departures() == ended
    await drruiz.mark_news_seen()
    assert await drruiz.unseen_departures() == []


TOLD = {
    "member": "drruiz",
    "journal": "Personal",
    "journal_id": "ab" * 16,
    "reason": "removed",
    "at": 1_790_000_000_000,
    "owner": "hugo",
    "source": "",
    "fields": [],
    "items": False,
    "discarded": False,
    "narrowed": "",
    "copy": "",
    "was_role": "",
    "role": "",
    "was_until": None,
    "until": None,
    "member_id": "",
    "safety_flags": False,
}


def test_kept_share_changes_read_back_whatever_the_setting_holds() -> None:
    told = [
        Departure("drruiz", "Personal", "ab" * 16, "end date", at=5, member_id="cd" * 16),
        Departure("drlee", "Work", "ef" * 16, "unshared", source="Personal", fields=("mood",)),
        replace(Departure("x", "Y", "01" * 16, "changed", was_until=0, until=9), safety_flags=True),
    ]
    back = departures.decode_told(departures.encode_told(told))
    assert back == told
    assert [(d.member_id, d.safety_flags) for d in back] == [
        ("cd" * 16, False),
        ("", False),
        ("", True),
    ]
    for kept in (None, b"\x00", "not json", "[1, 2]", "{}", "[" * 100_000):
        assert departures.decode_told(kept) == []


@pytest.mark.parametrize(
    "bad",
    [
        {**TOLD, "reason": "vanished"},
        {**TOLD, "journal_id": "not hex"},
        {**TOLD, "at": "yesterday"},
        {**TOLD, "at": True},
        {**TOLD, "at": -1},
        {**TOLD, "fields": "mood"},
        {**TOLD, "fields": [1]},
        {**TOLD, "items": 1},
        {**TOLD, "until": "never"},
        {**TOLD, "was_until": -5},
        {**TOLD, "owner": None},
        {k: v for k, v in TOLD.items() if k != "safety_flags"},
        {k: v for k, v in TOLD.items() if k != "member"},
    ],
    ids=[
        "unknown reason", "journal id", "time in words", "bool time", "negative time",
        "fields text", "fields numbers", "items number", "end in words", "negative end",
        "owner null", "flag missing", "member missing",
    ],
)  # fmt: skip
async def test_a_share_change_kept_in_another_form_is_dropped_never_an_error(
    signup: ClientFactory, bad: dict[str, object]
) -> None:
    """An item of another form (another version's, a hand edit) is left out: syncs, the
    read and the mark go on, and what it held is never said wrongly."""
    hugo, drruiz = await signup("hugo"), await signup("drruiz")
    await drruiz.store.put_setting(UNSEEN_DEPARTURES, json.dumps([bad, TOLD]))
    [kept] = await drruiz.unseen_departures()
    assert (kept.owner, kept.reason, kept.journal_id) == ("hugo", "removed", "ab" * 16)
    await share_with(hugo, drruiz)
    shared = (await drruiz.sync()).departures
    assert await drruiz.unseen_departures() == [kept, *shared]
    await drruiz.mark_news_seen(await drruiz.unseen_departures())
    assert await drruiz.unseen_departures() == []


def test_told_without_takes_off_each_seen_once() -> None:
    one = Departure("drruiz", "Personal", "ab" * 16, "removed", at=5, owner="hugo")
    other = replace(one, journal="Work", journal_id="cd" * 16)
    assert departures.told_without([one, other, one], [one]) == [other, one]
    assert departures.told_without([one], [other]) == [one]
