"""REV-S8 S8-1: `Client.logout()` counted the unsynced changes before `/v1/auth/logout`
(which a server may hold up to the 30 s no-answer limit) and deleted the store after it: a
change another program of the same home wrote meanwhile was deleted with `discarded=0`.
Logout now counts again in the write transaction that ends the store for every other
writer, and `discard_unsynced` takes the number of items the user agreed to lose."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing
from pathlib import Path

import pytest

from cli.main import with_hint
from cli.output import shown
from client_sdk import (
    INSECURE_TEST_COST,
    Client,
    ClientClosed,
    InvalidInput,
    LoggedOut,
    UnsyncedChanges,
)
from client_sdk.database import LOGGED_OUT_ELSEWHERE
from client_sdk.profile import remove_profile
from client_sdk.store import LOGGED_OUT_TABLES, LOGGED_OUT_TRIGGERS
from tests.client.hostile import HostileServer, serving
from tests.conftest import PASSWORD, ClientFactory, RunningServer


@asynccontextmanager
async def held_logout(hostile: HostileServer) -> AsyncIterator[tuple[asyncio.Event, asyncio.Event]]:
    """Hold `/v1/auth/logout` at the proxy: (held: set once a logout waits there, release)."""
    held, release = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        held.set()
        await release.wait()

    hostile.holds["/v1/auth/logout"] = hold
    try:
        yield held, release
    finally:
        release.set()


async def phone_of(hostile: HostileServer, tmp_path: Path) -> Client:
    return await Client.login(
        hostile.url, "ana", PASSWORD, home=tmp_path / "phone", minimum_cost=INSECURE_TEST_COST
    )


async def test_logout_never_deletes_a_change_written_while_the_server_held_its_answer(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    """The reviewer's test (tests/client/test_rev_s8.py on branch rev-s8), rewritten to the
    fixed outcome: the count (0) is taken, the server holds its answer, another process of
    the profile (an app beside `tj`, or `tj write`) writes an entry; logout then refuses
    (UnsyncedChanges, the server having signed the device out) and deletes nothing. A login
    again on the home keeps the entry and sends it."""
    laptop = await signup("ana")
    async with serving(HostileServer(live_server.url)) as hostile:
        phone = await phone_of(hostile, tmp_path)
        await phone.sync()
        other = await Client.open(phone.home)  # the other process on the same profile
        try:
            async with held_logout(hostile) as (held, release):
                logging_out = asyncio.create_task(phone.logout())
                await held.wait()  # the count (0) is taken; the server holds its answer
                await other.entries.write(None, "Written in the app while tj logged out.")
                assert await other.unsynced_changes() == 1
                release.set()
                with pytest.raises(UnsyncedChanges) as raised:
                    await logging_out
            refused = raised.value
            assert (refused.count, refused.agreed, refused.signed_out) == (1, 0, True)
            assert str(refused) == (
                "changes to 1 item (entries, goals, notes...) written on this device have not "
                "reached the server, and logging out would delete them for good. The server "
                "already signed this device out, so a sync cannot send them: log in again on "
                "this home (Client.login keeps them and sends them), or log out with "
                "discard_unsynced=1 once the user agreed to lose them. Nothing was deleted"
            )
            assert (tmp_path / "phone" / "store.db").exists()
            assert await phone.unsynced_changes() == 1  # the client stays open
            await other.entries.write(None, "And one more: the store takes writes still.")
        finally:
            await other.close()
            await phone.close()

        again = await phone_of(hostile, tmp_path)  # the same home: it keeps the entries
        try:
            assert await again.unsynced_changes() == 2
            await again.sync()
            assert await again.unsynced_changes() == 0
        finally:
            await again.close()
    await laptop.sync()
    bodies = {e.body for e in await laptop.entries.list()}
    assert "Written in the app while tj logged out." in bodies


async def test_discard_unsynced_true_counts_a_change_written_during_the_wait(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    """With `discard_unsynced=True` the change written while the server held its answer is
    dropped, and said: `discarded` is what was deleted (it said 0 before)."""
    await signup("ana")
    async with serving(HostileServer(live_server.url)) as hostile:
        phone = await phone_of(hostile, tmp_path)
        await phone.sync()
        other = await Client.open(phone.home)
        try:
            async with held_logout(hostile) as (held, release):
                logging_out = asyncio.create_task(phone.logout(discard_unsynced=True))
                await held.wait()
                await other.entries.write(None, "Written while tj logged out.")
                release.set()
                done = await logging_out
            assert done == LoggedOut(1, True, phone.profile.device_id.hex())
            assert not (tmp_path / "phone" / "store.db").exists()
        finally:
            await other.close()


async def test_discard_unsynced_takes_the_count_the_user_agreed_to_and_no_more(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    """`discard_unsynced=1`: one item unsynced when the user was asked; a second written
    while the server held its answer stops the logout (count 2, agreed 1), nothing deleted.
    Before the request, more than agreed refuses without telling the server."""
    await signup("ana")
    async with serving(HostileServer(live_server.url)) as hostile:
        phone = await phone_of(hostile, tmp_path)
        await phone.sync()
        other = await Client.open(phone.home)
        try:
            await phone.entries.write(None, "Unsynced, and the user agreed to lose it.")
            await other.entries.write(None, "Also unsynced, not agreed.")
            with pytest.raises(UnsyncedChanges) as early:
                await phone.logout(discard_unsynced=1)
            assert (early.value.count, early.value.agreed, early.value.signed_out) == (2, 1, False)
            assert ", more than the 1 agreed (discard_unsynced=1)," in str(early.value)
            assert "/v1/auth/logout" not in hostile.paths  # refused before telling the server
            await phone.sync()

            await phone.entries.write(None, "Unsynced, and the user agreed to lose it.")
            async with held_logout(hostile) as (held, release):
                logging_out = asyncio.create_task(phone.logout(discard_unsynced=1))
                await held.wait()
                await other.entries.write(None, "Written while tj logged out.")
                release.set()
                with pytest.raises(UnsyncedChanges) as late:
                    await logging_out
            assert (late.value.count, late.value.agreed, late.value.signed_out) == (2, 1, True)
            assert (tmp_path / "phone" / "store.db").exists()
            assert await phone.unsynced_changes() == 2
        finally:
            await other.close()
            await phone.close()


async def test_a_write_of_another_program_after_the_logout_counted_is_refused_clearly(
    signup: ClientFactory,
) -> None:
    """Once logout counted (and deletes), another program with the store open cannot write
    into the deleted files: its write raises ClientClosed saying the device was logged out."""
    ana = await signup("ana")
    other = await Client.open(ana.home)
    try:
        assert (await ana.logout()).discarded == 0
        with pytest.raises(ClientClosed) as raised:
            await other.entries.write(None, "Written after the logout.")
        assert str(raised.value) == LOGGED_OUT_ELSEWHERE
        assert LOGGED_OUT_ELSEWHERE == (  # in no app's command (NU45 #4)
            "this device was logged out by another program using its home (an app, or a "
            "command, logging out) and its local data deleted: log in again (Client.login) to "
            "use the account on this device; nothing was changed"
        )
        assert raised.value.subject == "logged out elsewhere"
        assert shown(with_hint(raised.value)) == (  # the CLI's words, as printed
            "this device was logged out by another program using its home (`tj logout`, or "
            "an app logging out) and its local data deleted: log in again (Client.login) to "
            "use the account on this device; nothing was changed"
        )
    finally:
        await other.close()


EARLIER_TRIGGER_TEXT = (
    "this device was logged out by another program using its home (`tj logout`, or an app "
    "logging out) and its local data deleted: log in again (Client.login) to use the account "
    "on this device; nothing was changed"
)
"""The text the triggers of a logout refuse a write with, as every version wrote it since S8."""


async def test_a_logouts_trigger_of_another_version_is_recognised_both_ways(
    signup: ClientFactory,
) -> None:
    """NU45 #4 changed the words of LOGGED_OUT_ELSEWHERE, not the triggers' text: a logout's
    triggers live on in the store file and refuse the writes of a program that may run
    another version of the SDK, which recognises the refusal by that text (equality). A
    trigger an earlier version wrote is recognised here, and the triggers this version writes
    carry the text an earlier version recognises."""
    quoted = EARLIER_TRIGGER_TEXT.replace("'", "''")
    assert all(f"RAISE(ABORT, '{quoted}')" in trigger for _, trigger in LOGGED_OUT_TRIGGERS)
    ana = await signup("ana")
    try:
        with closing(sqlite3.connect(ana.home / "store.db")) as db:
            for table in LOGGED_OUT_TABLES:  # as an earlier version's logout wrote them
                for event in ("INSERT", "UPDATE"):
                    db.execute(
                        f"CREATE TRIGGER old_{table}_{event} BEFORE {event} ON main.{table} "
                        f"BEGIN SELECT RAISE(ABORT, '{quoted}'); END"
                    )
            db.commit()
        with pytest.raises(ClientClosed) as raised:
            await ana.entries.write(None, "Written after another version logged out.")
        assert str(raised.value) == LOGGED_OUT_ELSEWHERE
        assert raised.value.subject == "logged out elsewhere"
    finally:
        await ana.close()


async def test_a_negative_discard_unsynced_is_refused(signup: ClientFactory) -> None:
    ana = await signup("ana")
    with pytest.raises(InvalidInput, match="discard_unsynced is -1"):
        await ana.logout(discard_unsynced=-1)
    assert (ana.home / "store.db").exists()
    await ana.sync()  # still signed in, still open


async def test_a_login_again_on_a_home_whose_store_kept_a_logouts_triggers_writes(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    """A store a logout could not delete (a file another program held open, on Windows)
    keeps the triggers that refuse writes: signing in anew on that home drops them."""
    ana = await signup("ana")
    home = ana.home
    await ana.close()
    with sqlite3.connect(home / "store.db") as db:
        for _, trigger in LOGGED_OUT_TRIGGERS:
            db.execute(trigger)
    remove_profile(home)  # as logout does before it deletes the store
    again = await Client.login(
        live_server.url, "ana", PASSWORD, home=home, minimum_cost=INSECURE_TEST_COST
    )
    try:
        await again.entries.write(None, "Written after signing in again.")
        assert await again.unsynced_changes() == 1
    finally:
        await again.close()
