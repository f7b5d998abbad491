"""A journal list read by one process while another process on the same home stores a later
one (a `tj sync --watch` beside a `tj sync`): the row is decided against what is stored in
the write's transaction, never against what was read before the list's round trips (rev34d
F1). The interleaving is forced by running the other devices' changes inside a network
await of the list (`chains.update`, `_keep_listed_keys`); real server, crypto and SQLite."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

from client_sdk import Client
from client_sdk.store import STORE_FILE
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory


def stored(home: Any) -> list[tuple[Any, ...]]:
    with contextlib.closing(sqlite3.connect(home / STORE_FILE)) as db:
        return db.execute("SELECT name, named_at, epoch, role, meta FROM journals").fetchall()


async def list_with_meanwhile(
    client: Client, hook: str, meanwhile: Callable[[], Awaitable[None]]
) -> None:
    """`client` reads the journal list; `meanwhile` runs once inside its `hook` (a method of
    the replica, or `chains.update`), between the list's read and its write."""
    owner: Any = client.replica.chains if hook == "chains.update" else client.replica
    name = hook.rsplit(".", 1)[-1]
    original = getattr(owner, name)
    raced = False

    async def hooked(*args: Any, **kwargs: Any) -> Any:
        nonlocal raced
        if not raced:
            raced = True
            await meanwhile()
        return await original(*args, **kwargs)

    setattr(owner, name, hooked)
    try:
        await client.replica.refresh_journals()
    finally:
        setattr(owner, name, original)
    assert raced


async def test_a_rename_stored_by_another_process_meanwhile_stays(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    phone = await login("ana")
    await laptop.journals.rename("Personal", "Work")
    await laptop.sync()
    await phone.sync()
    other = await Client.open(laptop.home)  # a second process on the laptop's home
    try:
        await other.sync()

        async def rename_on_the_phone() -> None:
            await phone.journals.rename("Work", "Daily")
            await phone.sync()
            await other.sync()  # the other process stores "Daily"

        await list_with_meanwhile(laptop, "chains.update", rename_on_the_phone)
        [(name, named_at, _, _, meta)] = stored(laptop.home)
        assert name == "Daily"
        assert f'"named_at": {named_at}' in meta and '"name": "Daily"' in meta
        await laptop.sync()
        await other.sync()
        await phone.sync()
        assert [j.name for j in await laptop.journals.list()] == ["Daily"]
        assert [j.name for j in await phone.journals.list()] == ["Daily"]
    finally:
        await other.close()


async def test_an_unarchive_stored_by_another_process_meanwhile_stays(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    await laptop.journals.create("Work")
    await laptop.journals.archive("Work")
    await laptop.sync()
    phone = await login("ana")
    await phone.sync()
    other = await Client.open(laptop.home)
    try:
        await other.sync()

        async def unarchive_on_the_phone() -> None:
            await phone.journals.archive("Work", archived=False)
            await phone.sync()
            await other.sync()

        await list_with_meanwhile(laptop, "chains.update", unarchive_on_the_phone)
        await laptop.sync()
        await other.sync()
        await phone.sync()
        for client in (laptop, phone):
            work = [j for j in await client.journals.list() if j.name == "Work"]
            assert [j.archived for j in work] == [False]
    finally:
        await other.close()


async def test_an_epoch_stored_by_another_process_meanwhile_stays(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    dr = await signup("drsmith")
    await share_with(laptop, dr, role="annotate")
    await laptop.sync()
    await dr.sync()
    phone = await login("ana")
    await phone.sync()
    other = await Client.open(laptop.home)
    try:
        await other.sync()
        assert [row[2] for row in stored(laptop.home)] == [1]

        async def remove_on_the_phone() -> None:
            await phone.shares.revoke("Personal", "drsmith")
            await phone.sync()
            await other.sync()  # the other process stores epoch 2
            assert [row[2] for row in stored(laptop.home)] == [2]

        await list_with_meanwhile(laptop, "_keep_listed_keys", remove_on_the_phone)
        assert [row[2:4] for row in stored(laptop.home)] == [(2, "owner")]
        await other.entries.write(None, "written by the other process after the removal")
        with contextlib.closing(sqlite3.connect(laptop.home / STORE_FILE)) as db:
            assert db.execute("SELECT DISTINCT epoch FROM outbox").fetchall() == [(2,)]
    finally:
        await other.close()


async def test_a_row_kept_with_a_later_names_time_takes_that_name_and_never_signs_its_own(
    signup: ClientFactory, login: ClientFactory
) -> None:
    # A store written before the fix: the old name and its metadata under the later
    # rename's `named_at` (what the race above left). The next list's later name replaces
    # it, and this owner device never signs the old name again with the later time.
    laptop = await signup("ana")
    phone = await login("ana")
    await laptop.journals.rename("Personal", "Work")
    await laptop.sync()
    await phone.sync()
    await phone.journals.rename("Work", "Daily")
    await phone.sync()
    [(_, later, _, _, _)] = stored(phone.home)
    await laptop.close()
    with contextlib.closing(sqlite3.connect(laptop.home / STORE_FILE)) as db, db:
        db.execute("UPDATE journals SET named_at = ?", (later,))
    laptop = await Client.open(laptop.home)
    try:
        await laptop.sync()
        await laptop.sync()
        await phone.sync()
        assert [j.name for j in await laptop.journals.list()] == ["Daily"]
        assert [j.name for j in await phone.journals.list()] == ["Daily"]
    finally:
        await laptop.close()
