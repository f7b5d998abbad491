"""Entry views kept between listings (`Context.stored_entry_view`, issue 10): a listing decodes
only the entries whose stored state changed since the last one (a list of 10,000 entries
decoded every one at every call, ~1 s), shows every change whoever made it (this client,
another device after a sync, a deletion), and keeps nothing in memory of a journal the device
forgot."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from client_sdk import Client, Entry, NotFound, context
from client_sdk.documents import Document, EntryView
from tests.client.test_forget_share import ended_copy
from tests.conftest import ClientFactory


@contextmanager
def decoded(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bytes]]:
    """The ids of the entry documents read meanwhile (every call the listings make of
    `entry_view_of_state`, and of `entry_view` where that one cannot read the state), each
    once."""
    ids: list[bytes] = []
    read_state, read_document = context.entry_view_of_state, context.entry_view

    def of_state(doc_id: bytes, state: bytes) -> EntryView | None:
        ids.append(doc_id)
        return read_state(doc_id, state)

    def of_document(document: Document) -> EntryView:
        if not ids or ids[-1] != document.doc_id:
            ids.append(document.doc_id)
        return read_document(document)

    with monkeypatch.context() as patch:
        patch.setattr(context, "entry_view_of_state", of_state)
        patch.setattr(context, "entry_view", of_document)
        yield ids


def bodies(entries: list[Entry]) -> list[str]:
    return sorted(e.body for e in entries)


async def test_a_listing_decodes_only_what_changed_and_shows_every_change(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana = await signup("ana")
    first = await ana.entries.write(None, "first")
    second = await ana.entries.write(None, "second")
    await ana.entries.write(None, "third")
    with decoded(monkeypatch) as ids:
        assert bodies(await ana.entries.list()) == ["first", "second", "third"]
        assert len(ids) == 3  # the first listing reads each one
        ids.clear()
        assert bodies(await ana.entries.list()) == ["first", "second", "third"]
        assert ids == []  # nothing changed: nothing decoded again

        await ana.entries.edit(first.id, body="first, edited")
        await ana.entries.delete(second.id)
        fourth = await ana.entries.write(None, "fourth")
        ids.clear()
        assert bodies(await ana.entries.list()) == ["first, edited", "fourth", "third"]
        assert sorted(ids) == sorted(
            [bytes.fromhex(first.id), bytes.fromhex(second.id), bytes.fromhex(fourth.id)]
        )

        # Another device's edit reaches the store through a sync (a merge): listed as merged.
        await ana.sync()
        phone = await login("ana", device="phone")
        await phone.sync()
        await phone.entries.edit(fourth.id, append="and more")
        await phone.sync()
        ids.clear()
        await ana.sync()
        listed = {e.id: e.body for e in await ana.entries.list()}
        assert listed[fourth.id] == "fourth and more"
        assert ids == [bytes.fromhex(fourth.id)]


async def test_views_of_a_forgotten_journal_are_not_kept(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    journal = await ended_copy(ana, tom, "leave")
    assert bodies(await tom.entries.list()) == ["She told me about the accident on the bridge"]
    assert kept_journals(tom) == {journal}  # the test can fail: the view was kept
    assert await tom.shares.forget("ana/Personal")
    assert kept_journals(tom) == set()
    assert await tom.entries.list() == []


def kept_journals(client: Client) -> set[bytes]:
    return {kept[0] for kept in client.context._views.values()}


async def test_a_first_listing_after_a_pull_reads_only_the_entries_it_shows(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The index of entries reads the rows of entries pulled (written once) from their
    states without making their views (`documents.entry_row_fields_of_state`, issue 10):
    a first listing of a page after a pull reads the views of that page's entries only, and
    keeps no other; a later listing of all reads each other one once."""
    ana = await signup("ana")
    texts = [f"entry {n:02}" for n in range(12)]
    for text in texts:
        await ana.entries.write(None, text)
    await ana.sync()
    phone = await login("ana", device="phone")
    await phone.sync()
    with decoded(monkeypatch) as ids:
        shown = await phone.entries.list(limit=3)
        assert len(shown) == 3
        assert sorted(ids) == sorted(bytes.fromhex(e.id) for e in shown)  # the page only
        assert set(phone.context._views) == set(ids)
        assert bodies(await phone.entries.list()) == texts
        assert len(ids) == len(set(ids)) == 12  # the others, each once


def kept_by_journal(client: Client) -> dict[bytes, set[bytes]]:
    """The kept views' ids by journal, read from the views themselves."""
    grouped: dict[bytes, set[bytes]] = {}
    for doc_id, kept in client.context._views.items():
        grouped.setdefault(kept[0], set()).add(doc_id)
    return grouped


async def test_a_listing_of_one_journal_drops_only_its_own_missing_views(
    signup: ClientFactory,
) -> None:
    """A listing of one journal drops the kept views of its entries it no longer finds in
    the store (another process of the profile erased them, say), and keeps every other
    journal's; the index of views by journal (`_view_journals`, so that a caseload's
    listing of each client does not go over every journal's views) stays the views'."""
    ana = await signup("ana")
    await ana.journals.create("Work")
    personal = [await ana.entries.write(None, text) for text in ("p1", "p2")]
    work = [await ana.entries.write("Work", text) for text in ("w1", "w2")]
    assert bodies(await ana.entries.list()) == ["p1", "p2", "w1", "w2"]
    context_ = ana.context
    assert {j: ids for j, ids in context_._view_journals.items() if ids} == kept_by_journal(ana)
    assert len(context_._views) == 4

    gone = bytes.fromhex(work[0].id)
    with sqlite3.connect(ana.home / "store.db") as db:  # as another process erasing it
        db.execute("DELETE FROM documents WHERE doc_id = ?", (gone,))
    assert bodies(await ana.entries.list("Work")) == ["w2"]
    assert gone not in context_._views
    assert {bytes.fromhex(e.id) for e in personal} <= set(context_._views)  # kept
    assert {j: ids for j, ids in context_._view_journals.items() if ids} == kept_by_journal(ana)

    await ana.entries.edit(personal[0].id, body="p1, edited")  # the change feed forgets it
    assert bytes.fromhex(personal[0].id) not in context_._views
    assert {j: ids for j, ids in context_._view_journals.items() if ids} == kept_by_journal(ana)
    assert bodies(await ana.entries.list("Personal")) == ["p1, edited", "p2"]
    assert {j: ids for j, ids in context_._view_journals.items() if ids} == kept_by_journal(ana)


async def test_a_listing_serves_the_entries_it_made_before_while_the_journal_keeps_its_name(
    signup: ClientFactory,
) -> None:
    """An Entry is frozen: a listing serves the one it made of the same kept view before
    (`Context._listed`, issue 10: building them was a third of a caseload's listing), unless
    the journal is now named otherwise, or the entry changed."""
    ana = await signup("ana")
    await ana.journals.create("Work")
    written = [await ana.entries.write("Work", text) for text in ("w1", "w2")]
    first = await ana.entries.list("Work")
    again = await ana.entries.list("Work")
    assert again == first
    assert all(a is b for a, b in zip(again, first, strict=True))  # the kept objects

    await ana.journals.rename("Work", "Office")
    renamed = await ana.entries.list("Office")
    assert sorted((e.journal, e.body) for e in renamed) == [("Office", "w1"), ("Office", "w2")]
    assert (await ana.entries.list())[0].journal == "Office"

    await ana.entries.edit(written[0].id, body="w1, edited")
    edited = {e.id: e for e in await ana.entries.list("Office")}
    assert edited[written[0].id].body == "w1, edited"
    assert edited[written[0].id].changed
    assert edited[written[1].id] is next(e for e in renamed if e.id == written[1].id)


async def test_get_reads_an_entry_another_device_wrote_without_building_its_document(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`entries.get` reads the view from the stored state (issue 10: a live round's follower
    built a pycrdt document of the entry it had just merged, only to read it), and still
    tells each change: an edit, a move to the trash (NotFound, then found with
    `include_trashed`)."""
    laptop = await signup("ana")
    phone = await login("ana")
    written = await laptop.entries.write(None, "from the laptop", title="Monday")
    await laptop.sync()
    await phone.sync()
    built: list[bytes] = []
    from_state = Document.from_state.__func__  # type: ignore[attr-defined]

    def counted(cls: type[Document], doc_id: bytes, *args: object, **kwargs: object) -> Document:
        built.append(doc_id)
        return from_state(cls, doc_id, *args, **kwargs)  # type: ignore[no-any-return]

    with monkeypatch.context() as patch:
        patch.setattr(Document, "from_state", classmethod(counted))
        entry = await phone.entries.get(written.id)
        assert (entry.body, entry.title) == ("from the laptop", "Monday")
        assert built == []
    await laptop.entries.edit(written.id, body="edited on the laptop")
    await laptop.sync()
    await phone.sync()
    assert (await phone.entries.get(written.id)).body == "edited on the laptop"
    await laptop.entries.delete(written.id)  # to the trash
    await laptop.sync()
    await phone.sync()
    with pytest.raises(NotFound, match="in the trash"):
        await phone.entries.get(written.id)
    assert (await phone.entries.get(written.id, include_trashed=True)).body == (
        "edited on the laptop"
    )
