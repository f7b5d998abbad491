"""REV-NEWS3: the share changes and news kept for "Earlier" (NU44 F6) against a server that
stalls, a concurrent `tj forget` / `tj journal delete`, and a server that flaps. The
reviewer's tests (/work/REV-NEWS3-FINDINGS.md), rewritten to the fixed outcome; each
failed before the fix."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sqlite3
from collections.abc import Awaitable, Callable
from contextlib import closing
from dataclasses import replace
from typing import Any

import pytest

from client_sdk import Client, departures
from client_sdk import sync as sync_plan
from client_sdk.departures import (
    GONE,
    RELISTED,
    SHARED,
    UNLISTED,
    UNSHARED,
    Departure,
)
from client_sdk.store import STORE_FILE
from client_sdk.sync import News
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import journal_id, share_with
from tests.conftest import ClientFactory


def settings_naming(client: Client, *needles: str) -> list[str]:
    """The settings rows of the client's store whose value holds one of `needles`."""
    with closing(sqlite3.connect(client.home / STORE_FILE)) as db:
        rows = db.execute("SELECT name, value FROM settings").fetchall()
    return [
        str(name)
        for name, value in rows
        if any(n.encode() in (value if isinstance(value, bytes) else str(value).encode())
               for n in needles)
    ]  # fmt: skip


def paused(
    target: object, name: str, monkeypatch: pytest.MonkeyPatch
) -> tuple[asyncio.Event, asyncio.Event]:
    """`target.name` (a coroutine method) made to wait, once called, until the second event
    is set; the first is set when it is called: the scheduling of another process between
    two steps of this one."""
    reached, go_on = asyncio.Event(), asyncio.Event()
    real: Callable[..., Awaitable[Any]] = getattr(target, name)

    async def slow(*args: Any, **kwargs: Any) -> Any:
        reached.set()
        await go_on.wait()
        return await real(*args, **kwargs)

    monkeypatch.setattr(target, name, slow)
    return reached, go_on


@pytest.mark.parametrize("cut", [False, True], ids=["control", "cut-off"])
async def test_f1_a_share_change_taken_by_a_sync_cut_off_later_is_still_told(
    hostile: HostileServer,
    through: Through,
    signup: ClientFactory,
    login: ClientFactory,
    cut: bool,
) -> None:
    """F1: the sync took the told share changes out of `departures_pending` long before it
    kept them in `unseen_departures`, and asked the server between the two (the device
    list, for the names of arrivals from this account's other devices). A server stalling
    that request past a command's quick-sync limit (`quick_sync` cancels after 10 s) made
    the share change vanish. Now they are moved from one to the other in one transaction,
    before any such request: the sync cut off kept it, and it is told exactly once."""
    ana = await through("ana")  # the laptop, every request through the hostile server
    tom = await signup("tom")
    await share_with(ana, tom)
    await ana.sync()
    await ana.mark_news_seen()
    tablet = await login("ana", device="tablet")  # a device the laptop has never named
    await tablet.sync()
    await tablet.shares.revoke("Personal", "tom")
    await tablet.entries.write("Personal", "written on the tablet")
    await tablet.sync()

    stalled = asyncio.Event()
    held: list[bool] = []

    async def stall() -> None:
        held.append(True)
        limit.reschedule(asyncio.get_running_loop().time())  # the cut, now: it is held
        await stalled.wait()

    reported: list[Departure] = []
    if cut:
        hostile.holds["/v1/devices/list"] = stall
        with pytest.raises(TimeoutError):  # what `quick_sync` does after QUICK_SYNC_S
            async with asyncio.timeout(30) as limit:  # cut as soon as the request is held
                await ana.sync()
        assert held  # cut off while its device-list request was held, not elsewhere
        del hostile.holds["/v1/devices/list"]
        stalled.set()
    else:
        reported = (await ana.sync()).departures
    kept = await ana.unseen_departures()
    reported += (await ana.sync()).departures  # the next sync: not told twice
    assert [(d.member, d.journal, d.reason) for d in kept] == [("tom", "Personal", UNSHARED)]
    assert [(d.member, d.reason) for d in reported] == ([] if cut else [("tom", UNSHARED)])
    assert await ana.unseen_departures() == kept


@pytest.mark.parametrize(
    "pause",
    ["_follow_removals", "_with_sources", "_same_names"],
    ids=["before-the-sync-tells", "while-it-words-them", "after-it-took-them"],
)
async def test_f2_a_sync_racing_a_forget_keeps_nothing_of_the_forgotten_journal(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch, pause: str
) -> None:
    """F2: two processes of tom's profile. One (`tj caseload`'s quick sync) has found that
    the server no longer serves ana/Personal; the other (`tj forget ana/Personal
    --unlisted`) forgets the journal at one of three points of the first one's sync:
    before it tells its share changes, while it words them, or once it took them. The
    share change then appended from memory named the forgotten journal (id and name) for
    good, and the next `tj sync` said "ana's 'Personal' is no longer served to you" about a
    journal the user removed. Now the forget takes the journal's pending share changes too,
    and the sync keeps (and tells) none of a journal the store no longer holds."""
    ana, tom = await signup("ana"), await signup("tom")
    await ana.entries.write("Personal", "before the share")
    await share_with(ana, tom)
    await tom.sync()
    await tom.mark_news_seen()
    journal = await journal_id(ana, "Personal")
    await ana.shares.revoke("Personal", "tom")

    other = await Client.open(tom.home)  # the other process on the same profile
    try:
        target = other.sharing if pause == "_with_sources" else other
        reached, go_on = paused(target, pause, monkeypatch)
        syncing = asyncio.create_task(other.sync())
        await asyncio.wait_for(reached.wait(), 20)
        assert await tom.shares.forget("ana/Personal", unlisted=True) is True
        assert settings_naming(tom, journal.hex()) == []  # clean as the forget left it
        go_on.set()
        report = await syncing
    finally:
        await other.close()
    told = [d.reason for d in report.departures]
    assert told == (["no longer served"] if pause == "_same_names" else [])
    assert await tom.unseen_departures() == [], "a forgotten journal's share change is kept"
    assert settings_naming(tom, journal.hex()) == [], "the forgotten journal's id lingers"


async def test_f2_a_share_change_pending_of_a_journal_no_longer_held_is_not_told(
    signup: ClientFactory,
) -> None:
    """A share change still pending of a journal this device no longer holds (removed by an
    older version, whose forget left them pending) is neither told nor kept; one of a
    journal held still is, both."""
    hugo, drruiz = await signup("hugo"), await signup("drruiz")
    await share_with(hugo, drruiz)
    await drruiz.sync()
    await drruiz.mark_news_seen()
    held = (await journal_id(hugo, "Personal")).hex()
    live = Departure("drruiz", "Personal", held, UNLISTED, at=1_790_000_000_000, owner="hugo")
    gone = replace(live, journal="Old notes", journal_id="cd" * 16)
    await drruiz.store.put_setting(
        departures.PENDING, departures.Pending([], [gone, live]).encode()
    )
    report = await drruiz.sync()
    assert [(d.journal, d.reason) for d in report.departures] == [("Personal", UNLISTED)]
    assert [d.journal for d in await drruiz.unseen_departures()] == ["Personal"]
    assert settings_naming(drruiz, "cd" * 16, "Old notes") == []


async def test_f3_a_deleted_journals_name_goes_from_the_kept_news(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """F3: the phone creates journal "Divorce notes"; the laptop's quick sync (`tj list`)
    keeps "new journal Divorce notes" in `unseen_news`. The user then deletes the journal
    on the laptop (`tj journal delete`): the news named it by name only, and stayed, and
    the next `tj sync` said "Earlier ...: new journal Divorce notes" about a journal
    deleted. Journal news now carry the journal's id, and go with the journal; one an older
    version kept (no id) goes by the name the journal had here."""
    laptop = await signup("ana")
    phone = await login("ana")
    await phone.journals.create("Divorce notes")
    await phone.journals.create("Work")
    await phone.sync()
    report = await laptop.sync()
    news = sorted(n.journal for n in report.news if n.kind == "journal")
    assert news == ["Divorce notes", "Work"]
    divorce = await journal_id(laptop, "Divorce notes")
    assert [n.journal_id for n in report.news if n.journal == "Divorce notes"] == [divorce.hex()]
    await laptop.journals.delete("Divorce notes")
    assert [n.journal for n in await laptop.unseen_news() if n.kind == "journal"] == ["Work"]
    assert settings_naming(laptop, "Divorce notes") == []
    assert settings_naming(laptop, divorce.hex()) == []

    # Kept by an older version: without the id, named by name.
    older = News(1, "journal", False, "", own=True, change="renamed", journal="Work",
                 renamed_from="Job")  # fmt: skip
    item = {k: v for k, v in dataclasses.asdict(older).items() if k != "journal_id"}
    await laptop.store.put_setting(sync_plan.UNSEEN_NEWS, json.dumps([item]))
    assert await laptop.unseen_news() == [older]  # still read
    await laptop.journals.delete("Work")
    assert await laptop.unseen_news() == []
    assert settings_naming(laptop, "Work") == []


async def test_f3_a_sync_racing_a_journal_delete_keeps_no_news_of_it(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """F3 as F2: the laptop's sync (one process) brought "new journal Divorce notes"; the
    user deletes it in another process before that sync keeps its news: the news of a
    journal the store no longer holds is not kept."""
    laptop = await signup("ana")
    phone = await login("ana")
    await phone.journals.create("Divorce notes")
    await phone.sync()
    other = await Client.open(laptop.home)
    try:
        reached, go_on = paused(other, "_same_names", monkeypatch)
        syncing = asyncio.create_task(other.sync())
        await asyncio.wait_for(reached.wait(), 20)
        await laptop.sync()  # the journal, here too, to delete it
        await laptop.mark_news_seen()
        await laptop.journals.delete("Divorce notes")
        go_on.set()
        report = await syncing
    finally:
        await other.close()
    assert [n.journal for n in report.news if n.kind == "journal"] == ["Divorce notes"]
    assert await laptop.unseen_news() == []
    assert settings_naming(laptop, "Divorce notes") == []


async def test_f5_server_word_flapping_keeps_the_signed_share_change(
    signup: ClientFactory,
) -> None:
    """F5: `unseen_departures` kept the last 200, whatever they were. A hostile server that
    stops and starts serving a member's journal ("no longer served" / "served again": its
    own word, a pair per flap) evicted the owner-signed change kept before them ("hugo
    shared 'Personal' with you"), which the next `tj sync`'s Earlier line then never said.
    The flaps are stood for by the share changes pending when a sync takes them."""
    hugo, drruiz = await signup("hugo"), await signup("drruiz")
    await share_with(hugo, drruiz)
    [signed] = (await drruiz.sync()).departures
    assert signed.reason == SHARED
    flaps = [
        replace(signed, reason=(UNLISTED, RELISTED)[n % 2], at=signed.at + n + 1)
        for n in range(240)
    ]
    await drruiz.store.put_setting(departures.PENDING, departures.Pending([], flaps).encode())
    report = await drruiz.sync()
    assert len(report.departures) == 240  # each told by that sync, as before
    assert await drruiz.unseen_departures() == [signed]  # the flaps cancel out


def test_f5_the_cap_drops_the_servers_word_before_signed_share_changes() -> None:
    """`departures.kept_told`: under the cap, everything in order; over it, a stop and a
    restart of the same journal cancel out, then the oldest of the server's own words
    (SERVER_SAID) go, and only then the oldest of the others."""
    from client_sdk.departures import kept_told

    at = 1_790_000_000_000
    signed = Departure("drruiz", "Personal", "ab" * 16, SHARED, at, owner="hugo")
    flaps = [
        replace(signed, reason=(UNLISTED, RELISTED)[n // 30 % 2], at=at + n,
                journal_id=f"{n % 30:032x}")
        for n in range(240)
    ]  # fmt: skip
    assert kept_told([signed], flaps[:199], 200) == [signed, *flaps[:199]]
    assert kept_told([signed], flaps, 200) == [signed]  # 30 journals, 4 flaps each
    gone = [replace(signed, reason=GONE, at=at + n, journal_id=f"{n:032x}") for n in range(250)]
    assert kept_told([signed], gone, 200) == [signed, *gone[-199:]]
    stopped = [replace(f, reason=UNLISTED) for f in flaps[:210]]  # not served again
    assert kept_told([signed], stopped, 200) == [signed, *stopped[-199:]]
    many = [replace(signed, at=at + n, journal_id=f"{n:032x}") for n in range(210)]
    assert kept_told(many[:5], [*many[5:], *gone[:3]], 200) == many[10:]
