"""An app that follows `client.changes(live=True)` learns what the feed's own syncs have to
tell beyond the documents they merged: a share that ended, a field settled on another
device's value, a merged text, a safety flag sealed late. Each comes as a change of kind
"report" carrying the sync's SyncReport; the share changes are also kept for
`unseen_departures()`; and `watch()`'s reports carry the same. Real server on 127.0.0.1,
two devices of one account (and a therapist), real crypto."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from client_sdk import Change, ChangeStream, Client, SyncReport
from tests.client.sharing_support import share_with
from tests.client.test_late_safety_flags import ITEM_9, answer_later, devices
from tests.conftest import ClientFactory, RunningServer

HANG = 60.0  # only turns a hang into a failure; no latency claim


async def next_report(feed: ChangeStream) -> SyncReport:
    """The next change of kind "report" in `feed` (document changes before it skipped)."""

    async def read() -> SyncReport:
        async for change in feed:
            if change.kind == "report":
                assert change.report is not None and (change.id, change.journal) == ("", "")
                assert change.origin == "sync"
                return change.report
            assert change.report is None
        raise AssertionError("the feed ended without a report")

    return await asyncio.wait_for(read(), HANG)


async def test_a_share_the_client_ended_reaches_the_therapist_s_live_feed_and_is_kept(
    signup: ClientFactory,
) -> None:
    ana, drsmith = await signup("ana"), await signup("drsmith")
    await share_with(ana, drsmith)
    await ana.sync()
    await drsmith.sync()
    await drsmith.mark_news_seen()
    async with drsmith.changes(live=True) as feed:
        await ana.shares.revoke("Personal", "drsmith")
        report = await next_report(feed)
    [ended] = report.departures
    assert ended.owner == "ana" and "Personal" in ended.describe()
    assert any("Personal" in line for line in report.lines())
    # kept for the app's "since you last looked" too, as a sync()'s are
    assert [d.describe() for d in await drsmith.unseen_departures()] == [ended.describe()]
    assert (await drsmith.sync()).departures == []  # told once


async def test_a_settled_field_and_a_merged_text_reach_the_live_feed_of_the_device_told(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    entry = await laptop.entries.write(None, "Base text.", mood=5)
    await laptop.sync()
    await phone.sync()
    await laptop.entries.edit(entry.id, mood=3, append="From laptop.")
    await phone.entries.edit(entry.id, mood=9, append="From phone.")
    await laptop.sync()  # the laptop's goes out first: the phone's sync merges
    async with phone.changes(live=True) as feed:
        told = await next_report(feed)
    merged = await phone.entries.get(entry.id)
    assert "From laptop." in merged.body and "From phone." in merged.body
    [text] = told.merged_texts
    assert (text.kind, text.doc_id) == ("entry", entry.id)
    if merged.mood == 9:  # the phone's value was kept: the laptop is the one told
        async with laptop.changes(live=True) as feed:
            told = await next_report(feed)
        mine, kept = 3, 9
    else:
        mine, kept = 9, 3
    assert [(s.entry_id, s.field, s.mine, s.kept) for s in told.settled] == [
        (entry.id, "mood", mine, kept)
    ]
    assert any(line.startswith("Settled: the mood of entry") for line in told.lines())


async def test_a_late_safety_flag_reaches_the_live_feed(
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    laptop, phone, drsmith = await devices(signup, login)
    await share_with(laptop, drsmith, role="annotate")
    await laptop.safety.set_plan(share_flags=True, flags_for="drsmith")
    await laptop.sync()
    answer_later(live_server, monkeypatch)
    taken = await phone.measures.take("phq9", ITEM_9)  # the phone has not synced
    await phone.safety.respond(taken.result)
    async with phone.changes(live=True) as feed:
        report = await next_report(feed)
    [late] = report.late_flags
    assert late.result_id == taken.result.id and late.members == ("drsmith",)
    assert f"Safety: {late.line()}" in report.lines()


async def test_a_document_change_alone_gives_no_report(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """A sync that only merged documents gives their changes, no report (nothing more to
    tell): the feed stays a list of documents for an app that only refreshes views."""
    laptop = await signup("ana")
    phone = await login("ana")
    seen: list[Change] = []
    async with phone.changes(live=True) as feed:
        entry = await laptop.entries.write(None, "From the laptop")
        await laptop.sync()
        async for change in feed:
            seen.append(change)
            if change.id == entry.id:
                break
        marker = await phone.entries.write(None, "Marker")
        async for change in feed:
            seen.append(change)
            if change.id == marker.id:
                break
    assert [c.kind for c in seen if c.kind == "report"] == []


@contextlib.asynccontextmanager
async def watching(client: Client) -> AsyncIterator[asyncio.Queue[SyncReport]]:
    """`client.watch()` run by the caller, its reports in a queue."""
    reports: asyncio.Queue[SyncReport] = asyncio.Queue()

    async def run() -> None:
        async with contextlib.aclosing(client.watch()) as found:
            async for report in found:
                reports.put_nowait(report)

    task = asyncio.ensure_future(run())
    try:
        yield reports
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def next_notice(reports: asyncio.Queue[SyncReport]) -> SyncReport:
    while True:
        report = await asyncio.wait_for(reports.get(), HANG)
        if report.has_notices():
            return report


async def test_watch_s_reports_carry_the_share_s_end_and_the_merge(
    signup: ClientFactory, login: ClientFactory
) -> None:
    ana, drsmith = await signup("ana"), await signup("drsmith")
    phone = await login("ana")
    entry = await ana.entries.write(None, "Base text.")
    await share_with(ana, drsmith)
    await ana.sync()
    await phone.sync()
    await drsmith.sync()
    await drsmith.mark_news_seen()
    async with watching(drsmith) as reports:
        await ana.shares.revoke("Personal", "drsmith")
        ended = await next_notice(reports)
    assert [d.owner for d in ended.departures] == ["ana"]
    assert len(await drsmith.unseen_departures()) == 1  # kept, as a sync()'s

    await ana.entries.edit(entry.id, append="From the laptop.")
    await phone.entries.edit(entry.id, append="From the phone.")
    await ana.sync()
    async with watching(phone) as reports:
        merged = await next_notice(reports)
    assert [m.doc_id for m in merged.merged_texts] == [entry.id]
