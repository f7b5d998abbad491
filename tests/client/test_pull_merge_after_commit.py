"""A pull's page merges its documents with their stored state read inside its writing
transaction whenever a commit came after they were loaded: an edit stored meanwhile (here by
another client of the same home, as another program on the device would) is kept, never
written over. With no commit since (a page of new documents, as a first pull brings), that
read is left out (issue 10). Real server on 127.0.0.1, real crypto and SQLite."""

from __future__ import annotations

from typing import Any

import pytest

from client_sdk import Client
from client_sdk.store import Store, Transaction
from tests.conftest import ClientFactory


async def test_an_edit_stored_after_the_page_loaded_its_documents_is_kept(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    laptop = await signup("ana")
    entry = await laptop.entries.write(None, "one", title="first")
    await laptop.sync()
    phone = await login("ana")
    await phone.sync()
    await phone.entries.edit(entry.id, body="one from the phone")
    await phone.sync()

    other = await Client.open(laptop.home)  # another program on the laptop's home
    loaded = Store.documents_and_creators
    edited: list[bool] = []

    async def then_edited(self: Store, doc_ids: list[bytes]) -> Any:
        found = await loaded(self, doc_ids)
        if self is laptop.store and bytes.fromhex(entry.id) in doc_ids and not edited:
            edited.append(True)  # after the page read the entry, before its transaction
            await other.entries.edit(entry.id, title="laptop title")
        return found

    monkeypatch.setattr(Store, "documents_and_creators", then_edited)
    try:
        await laptop.sync()
    finally:
        await other.close()
    assert edited == [True]
    held = await laptop.entries.get(entry.id)
    assert (held.title, held.body) == ("laptop title", "one from the phone")


async def test_a_page_of_new_documents_reads_no_stored_state(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    laptop = await signup("ana")
    for index in range(5):
        await laptop.entries.write(None, f"entry {index}")
    await laptop.sync()

    read: list[list[bytes]] = []
    states = Transaction.document_states

    async def counted(self: Transaction, doc_ids: list[bytes]) -> Any:
        read.append(doc_ids)
        return await states(self, doc_ids)

    monkeypatch.setattr(Transaction, "document_states", counted)
    phone = await login("ana")
    await phone.sync()
    assert len(await phone.entries.list()) == 5
    assert read == []
