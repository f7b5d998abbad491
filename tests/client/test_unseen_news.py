"""What syncs brought since the user last looked (`Client.unseen_news`, NU43 #4): a
command's quick sync before it shows something used to take the only summary, so that a
later `tj sync` said "nothing new" about a client's entry the therapist never saw named."""

from __future__ import annotations

from client_sdk import sync as sync_plan
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
    for kept in (None, b"\x00", "not json", "[1, 2]", '[{"count": 1}]', "{}"):
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
