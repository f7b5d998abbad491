"""Renames on several owner devices converge, and a rename that does not take is told (W4 of
/work/REV-WN-FINDINGS.md, protocol.md 4.14 "Names never go back"): an owner device that holds
a higher `named_at` than the server serves sends its own metadata again; a rename reads the
journal list first and is stored only while the server's metadata is the one it read
(`meta_version`, 409 `meta_changed`), else RenamedElsewhere. And a device never signs a name
it did not verify (W7). Real server on 127.0.0.1, real crypto; the server that keeps a
delayed or older rename, or serves metadata nobody can open, is played by direct edits of
its database."""

from __future__ import annotations

import contextlib
import sqlite3
from typing import Any

import pytest

from client_sdk import Client, IntegrityError, RenamedElsewhere
from client_sdk.replica import HEAL_NAMES
from tests.client.sharing_support import journal_id, server_db, share_with
from tests.conftest import ClientFactory, RunningServer

META = "/v1/journals/meta"


def served(live_server: RunningServer, journal: bytes) -> tuple[bytes, int]:
    """The sealed metadata the server holds for the journal, and its `meta_version`."""
    with contextlib.closing(sqlite3.connect(server_db(live_server))) as db:
        [(meta, version)] = db.execute(
            "SELECT meta, meta_version FROM journals WHERE journal_id = ?", (journal,)
        )
    return bytes(meta), int(version)


def store_as_latest(live_server: RunningServer, journal: bytes, meta: bytes) -> None:
    """What a server does with a rename it delayed, or that an older SDK sent from stale
    metadata (no `meta_version`): it stores it last, as /v1/journals/meta does."""
    with contextlib.closing(sqlite3.connect(server_db(live_server))) as db, db:
        db.execute(
            "UPDATE journals SET meta = ?, meta_version = meta_version + 1 WHERE journal_id = ?",
            (meta, journal),
        )


async def names(device: Client) -> list[str]:
    return sorted(j.name for j in await device.journals.list())


async def shared(device: Client, owner: str = "ana") -> list[str]:
    """The names of the journals `owner` shares with the device's account."""
    return [name for name in await names(device) if name.startswith(f"{owner}/")]


def calls_to(device: Client, path: str) -> list[str]:
    """Counts the device's requests to `path` from now on (the list grows by one each)."""
    transport = device.replica.transport
    real = transport.call
    made: list[str] = []

    async def call(called: str, *args: Any, **kwargs: Any) -> Any:
        if called == path:
            made.append(called)
        return await real(called, *args, **kwargs)

    transport.call = call  # type: ignore[method-assign]
    return made


async def test_an_owner_device_sends_its_name_again_when_the_server_keeps_an_older_one(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    """The laptop renames Personal to Work; the server then stores the metadata from before
    (a rename it delayed, or one an older SDK signed from stale metadata, with a lower
    `named_at`) as the latest. The laptop refuses it and sends Work again at its next sync:
    a device of the owner that syncs only now, and the member, read Work, and the laptop
    sends nothing more once the server serves Work."""
    laptop, tom = await signup("ana"), await signup("tom")
    await laptop.entries.write("Personal", "Monday.")
    await share_with(laptop, tom)
    personal = await journal_id(laptop, "Personal")
    older, _ = served(live_server, personal)
    await laptop.journals.rename("Personal", "Work")
    store_as_latest(live_server, personal, older)

    sent = calls_to(laptop, META)
    await laptop.sync()
    assert sent == [META]  # sent again, once
    assert await names(laptop) == ["Work"]
    assert await laptop.store.setting(HEAL_NAMES, "") == ""
    newcomer = await login("ana", "tablet")
    await newcomer.sync()
    assert await names(newcomer) == ["Work"]  # without the heal: Personal
    await tom.sync()
    assert await shared(tom) == ["ana/Work"]
    _, version = served(live_server, personal)
    await laptop.sync()
    await laptop.sync()
    assert sent == [META]
    assert served(live_server, personal)[1] == version


async def test_a_name_to_send_again_outlives_the_process(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The send again fails (the network drops it): the sync goes on, the journal stays
    noted in the store, and the device sends it at a sync after it is opened again, when no
    journal list says anything new any more."""
    laptop = await signup("ana")
    await laptop.entries.write("Personal", "Monday.")
    await laptop.sync()
    personal = await journal_id(laptop, "Personal")
    older, _ = served(live_server, personal)
    await laptop.journals.rename("Personal", "Work")
    store_as_latest(live_server, personal, older)

    async def offline(*args: Any, **kwargs: Any) -> None:
        from client_sdk.errors import NetworkError

        raise NetworkError("the connection dropped")

    with monkeypatch.context() as dropped:
        dropped.setattr(laptop.replica, "_send_meta", offline)
        report = await laptop.sync()  # the sync itself goes on
    assert not report.problems
    assert await laptop.store.setting(HEAL_NAMES, "") == personal.hex()
    home = laptop.home
    await laptop.close()
    async with await Client.open(home) as reopened:
        await reopened.sync()
        assert await reopened.store.setting(HEAL_NAMES, "") == ""
    async with await Client.open(home) as again:
        assert await names(again) == ["Work"]
    assert served(live_server, personal)[0] != older


async def test_a_rename_that_loses_to_one_made_meanwhile_on_another_device_is_told(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    """The phone reads the journal list, then the laptop renames Personal to Work before
    the phone's rename to Home reaches the server: the server refuses the phone's
    (`meta_changed`), the phone raises RenamedElsewhere naming Work, and nothing of Home is
    stored; every device shows Work. Renamed again, Home then takes everywhere."""
    laptop = await signup("ana")
    await laptop.entries.write("Personal", "Monday.")
    await laptop.sync()
    phone = await login("ana")
    await phone.sync()
    transport = phone.replica.transport
    real = transport.call
    raced: list[bool] = []

    async def call(path: str, *args: Any, **kwargs: Any) -> Any:
        if path == META and not raced:
            raced.append(True)
            await laptop.journals.rename("Personal", "Work")  # just before the phone's
        return await real(path, *args, **kwargs)

    transport.call = call  # type: ignore[method-assign]
    with pytest.raises(RenamedElsewhere) as told:
        await phone.journals.rename("Personal", "Home")
    assert (told.value.name, told.value.wanted, told.value.before) == ("Work", "Home", "Personal")
    assert "'Work'" in str(told.value) and "'Home'" in str(told.value)
    for device in (laptop, phone):
        await device.sync()
        assert await names(device) == ["Work"]

    await phone.journals.rename("Work", "Home")
    for device in (phone, laptop):
        await device.sync()
        assert await names(device) == ["Home"]


async def test_a_rename_that_a_name_signed_with_a_higher_named_at_replaces_is_told(
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The laptop, its clock a minute ahead, renames Personal to Work; the server holds that
    request back (it serves Personal) and stores it just after the phone's rename to Home:
    Work's `named_at` is the higher, so every device takes Work, and the phone's rename
    raises RenamedElsewhere naming Work instead of returning Home."""
    from client_sdk import replica

    laptop = await signup("ana")
    await laptop.entries.write("Personal", "Monday.")
    await laptop.sync()
    personal = await journal_id(laptop, "Personal")
    before, _ = served(live_server, personal)
    with monkeypatch.context() as ahead:
        ahead.setattr(replica, "now_ms", lambda: replica_now() + 60_000)
        await laptop.journals.rename("Personal", "Work")
    held_back, _ = served(live_server, personal)
    store_as_latest(live_server, personal, before)  # what the server serves meanwhile
    phone = await login("ana")
    await phone.sync()
    assert await names(phone) == ["Personal"]
    transport = phone.replica.transport
    real = transport.call

    async def call(path: str, *args: Any, **kwargs: Any) -> Any:
        answer = await real(path, *args, **kwargs)
        if path == META:
            store_as_latest(live_server, personal, held_back)  # the laptop's, stored now
        return answer

    transport.call = call  # type: ignore[method-assign]
    with pytest.raises(RenamedElsewhere) as told:
        await phone.journals.rename("Personal", "Home")
    assert (told.value.name, told.value.wanted) == ("Work", "Home")
    for device in (phone, laptop):
        await device.sync()
        assert await names(device) == ["Work"]


def replica_now() -> int:
    from client_sdk.models import now_ms

    return now_ms()


async def test_a_rotation_on_a_device_that_never_verified_the_name_is_refused(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    """A new owner device whose every journal list serves metadata nobody can open holds
    a placeholder name: sharing the journal (a rotation) and archiving it are refused with a
    reason (no placeholder signed as the owner's name), nothing reaches the server; renamed
    by its id, it can be shared again and the member reads the new name."""
    laptop, tom = await signup("ana"), await signup("tom")
    await laptop.entries.write("Personal", "Monday.")
    await laptop.sync()
    personal = await journal_id(laptop, "Personal")
    meta, _ = served(live_server, personal)
    store_as_latest(live_server, personal, meta[:-1] + bytes([meta[-1] ^ 1]))
    phone = await login("ana")
    await phone.sync()
    [held] = await names(phone)
    assert held.startswith("(unreadable journal")
    _, version = served(live_server, personal)
    with pytest.raises(IntegrityError, match="rename the journal first"):
        await share_with(phone, tom, personal.hex())
    with pytest.raises(IntegrityError, match="rename the journal first"):
        await phone.journals.archive(personal.hex())
    assert served(live_server, personal)[1] == version
    await tom.sync()
    assert await shared(tom) == []

    await phone.journals.rename(personal.hex(), "Personal")
    await share_with(phone, tom, "Personal")
    await tom.sync()
    assert await shared(tom) == ["ana/Personal"]


async def test_a_rename_on_a_device_that_missed_another_devices_rename_is_told(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    """The laptop renames Personal to Work; the phone, which has not synced since, renames
    Personal to Home (nu82 F10): the phone's rename reads the journal list and finds the
    name its user gave is not the journal's any more, so it raises RenamedElsewhere naming
    Work and stores nothing; every device keeps Work."""
    laptop = await signup("ana")
    await laptop.entries.write("Personal", "Monday.")
    await laptop.sync()
    phone = await login("ana")
    await phone.sync()
    await laptop.journals.rename("Personal", "Work")
    with pytest.raises(RenamedElsewhere) as told:
        await phone.journals.rename("Personal", "Home")
    assert (told.value.name, told.value.wanted, told.value.before) == ("Work", "Home", "Personal")
    for device in (laptop, phone):
        await device.sync()
        assert await names(device) == ["Work"]


async def test_a_rename_on_a_device_that_missed_an_archive_is_told(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    """The laptop archives Personal; the phone, which has not synced since, renames it: the
    rename raises RenamedElsewhere and the journal keeps its name, archived (nu82 F10)."""
    laptop = await signup("ana")
    await laptop.entries.write("Personal", "Monday.")
    await laptop.sync()
    phone = await login("ana")
    await phone.sync()
    await laptop.journals.archive("Personal")
    with pytest.raises(RenamedElsewhere) as told:
        await phone.journals.rename("Personal", "Home")
    assert (told.value.name, told.value.before) == ("Personal", "Personal")
    for device in (laptop, phone):
        await device.sync()
        [journal] = await device.journals.list()
        assert (journal.name, journal.archived) == ("Personal", True)
