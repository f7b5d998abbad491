"""The work a field-level copy adds, counted (issue 10; never timed): a write of an entry
of a journal with a field-level copy reads the journal list, and asks whether this device
holds its owner's changes unread, once, whatever it copies or takes out of the copy. Before,
the write asked three times and read the list two or three times (once to copy, once to look
for copies it no longer covers, once more to find them). The copies after a sync ask once a
source journal, not three times a document. A pulled page of the source looks for its
copies only when it brings what they carry, opening no settings opened already. Real
server on 127.0.0.1, real crypto and SQLite."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import pytest

from client_sdk import Client, access
from client_sdk.replica import Replica
from client_sdk.sharing import Sharing
from tests.client.sharing_support import share_with
from tests.client.test_removed_never_copied import never_copies
from tests.conftest import ClientFactory


@contextmanager
def copy_work(
    client: Client, monkeypatch: pytest.MonkeyPatch, step: str = "mirror"
) -> Iterator[Counter[str]]:
    """How often `client`'s `Sharing.<step>` (`mirror`: the copies of a write;
    `follow_mirrors`: those after a sync) reads the journal list ("journals") and asks
    whether a journal holds its owner's changes unread ("unread") meanwhile."""
    counted: Counter[str] = Counter()
    inside = [False]
    counting = getattr(Sharing, step)
    journals = client.store.journals
    unread = client.replica.holds_unread_owner_changes

    async def counted_step(self: Sharing, *args: Any, **kwargs: Any) -> Any:
        inside[0] = self.replica is client.replica
        try:
            return await counting(self, *args, **kwargs)
        finally:
            inside[0] = False

    async def counted_journals(**kwargs: Any) -> Any:
        if inside[0]:
            counted["journals"] += 1
        return await journals(**kwargs)

    async def counted_unread(journal: Any) -> bool:
        if inside[0]:
            counted["unread"] += 1
        return await unread(journal)

    with monkeypatch.context() as patch:
        patch.setattr(Sharing, step, counted_step)
        patch.setattr(client.store, "journals", counted_journals)
        patch.setattr(client.replica, "holds_unread_owner_changes", counted_unread)
        yield counted


async def test_an_edit_of_a_copied_entry_reads_the_journals_and_asks_for_unread_changes_once(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, only=["mood"])
    entry = await ana.entries.write("Personal", "a dream", mood=8)
    with copy_work(ana, monkeypatch) as counted:
        await ana.entries.edit(entry.id, mood=6)  # copied
    assert counted == {"journals": 1, "unread": 1}
    await ana.sync()
    await tom.sync()
    assert [e.mood for e in await tom.entries.list()] == [6]
    with copy_work(ana, monkeypatch) as counted:  # out of what the copy covers: taken out
        await ana.entries.edit(
            entry.id, created_at=datetime.now().astimezone() - timedelta(days=30)
        )
    assert counted == {"journals": 1, "unread": 1}
    await ana.sync()
    await tom.sync()
    assert await tom.entries.list() == []


async def test_a_write_in_a_journal_without_a_copy_reads_nothing_for_copies(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another journal of the account has a field-level copy; this one has none."""
    ana, tom = await signup("ana"), await signup("tom")
    await ana.journals.create("Work")
    await share_with(ana, tom, only=["mood"])
    entry = await ana.entries.write("Work", "a meeting", mood=4)
    with copy_work(ana, monkeypatch) as counted:
        await ana.entries.edit(entry.id, mood=5)
    assert counted == {}


async def test_a_sync_bringing_entries_to_copy_asks_for_unread_changes_once_a_journal(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three entries written on the phone, which copies nothing (an older app): the laptop
    copies them after the sync that brings them. Before, it asked three times an entry."""
    laptop, tom = await signup("ana"), await signup("tom")
    phone = await login("ana", device="phone")
    await share_with(laptop, tom, only=["mood"])
    await laptop.sync()  # its one look over the source: done
    await phone.sync()
    never_copies(phone, monkeypatch)
    for mood in (3, 4, 5):
        await phone.entries.write("Personal", f"written on the phone, {mood}", mood=mood)
    await phone.sync()
    with copy_work(laptop, monkeypatch, "follow_mirrors") as counted:
        await laptop.sync()
    assert counted == {"journals": 1, "unread": 1}
    await laptop.sync()
    await tom.sync()
    assert sorted(e.mood for e in await tom.entries.list()) == [3, 4, 5]


async def test_a_pulled_page_asks_for_the_journals_copies_only_when_it_brings_what_they_carry(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page of the source journal bringing a goal (no copy carries goals) does not look
    for the journal's copies; one bringing an entry does, and opens no copy's settings the
    sharing side opened already. Before, every page looked, and opened every copy's
    settings again."""
    laptop, tom = await signup("ana"), await signup("tom")
    phone = await login("ana", device="phone")
    await share_with(laptop, tom, only=["mood"])
    await laptop.entries.write("Personal", "written on the laptop", mood=2)
    await laptop.sync()
    await phone.sync()
    never_copies(phone, monkeypatch)
    looked: list[int] = []  # settings opened, at each look for the journal's copies
    mirrored_live = Replica._mirrored_live
    open_disclosure = access.open_disclosure
    opened = [0]

    def counted_look(self: Replica, journal: Any) -> bool:
        if self is not laptop.replica:
            return mirrored_live(self, journal)
        before = opened[0]
        try:
            return mirrored_live(self, journal)
        finally:
            looked.append(opened[0] - before)

    def counted_open(*args: Any) -> Any:
        opened[0] += 1
        return open_disclosure(*args)

    monkeypatch.setattr(Replica, "_mirrored_live", counted_look)
    monkeypatch.setattr(access, "open_disclosure", counted_open)
    await phone.goals.add("Walk daily", journal="Personal")
    await phone.sync()
    await laptop.sync()
    assert looked == []
    await phone.entries.write("Personal", "written on the phone", mood=7)
    await phone.sync()
    await laptop.sync()
    assert looked == [0]
    await laptop.sync()
    await tom.sync()
    assert sorted(e.mood for e in await tom.entries.list()) == [2, 7]
