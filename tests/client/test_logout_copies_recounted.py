"""`Client.logout` counts the read-only copies of the account's own journals again in the
transaction that ends the store (rev29a F3), as it counts unsynced changes (S8-1): a copy
made while the server held its answer to `/v1/auth/logout` (another program's sync, in which
the server withheld a journal) is never deleted unasked, and `copies_deleted` names what
was deleted."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from client_sdk import Client, LoggedOut, UnsyncedChanges
from tests.client.hostile import HostileServer, serving
from tests.client.test_rev_s8_logout import held_logout, phone_of
from tests.conftest import ClientFactory, RunningServer
from tests.test_cli_brief_read_only_copy import without_journal


async def _copy_made_while_held(
    phone: Client, other: Client, hostile: HostileServer, discard_copies: bool = False
) -> asyncio.Task[LoggedOut]:
    """`phone.logout(discard_copies=...)` started; while the server holds its answer, `other` (the
    app beside `tj`, same home) syncs and the server leaves "Dreams" out of its list. Returns
    the logout's task, the server's answer released."""
    dreams = (await phone.journals.get("Dreams")).id
    async with held_logout(hostile) as (held, release):
        logging_out = asyncio.create_task(phone.logout(discard_copies=discard_copies))
        await held.wait()  # copies counted (none); the server holds its answer
        hostile.replies["/v1/journals/list"] = without_journal(bytes.fromhex(dreams))
        await other.journals.create("Later")
        await other.sync()  # the app's background sync: Dreams is a copy now
        copies = [j.name for j in await other.journals.list() if j.read_only_copy]
        assert copies == ["Dreams"], copies
        release.set()
        await asyncio.sleep(0)
    return logging_out


async def test_a_copy_made_while_the_server_held_the_logout_answer_is_never_deleted_unasked(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    """The reviewer's test (tests/client/test_rev29a.py on branch rev29a), to the fixed
    outcome: UnsyncedChanges naming Dreams (the server signed the device out), nothing
    deleted, the client open; a login again on the home keeps the copy, and agreeing to lose
    it then logs out and names it."""
    laptop = await signup("ana")
    await laptop.journals.create("Dreams")
    await laptop.entries.write("Dreams", "A dream only this account has.")
    await laptop.sync()
    async with serving(HostileServer(live_server.url)) as hostile:
        phone = await phone_of(hostile, tmp_path)
        await phone.sync()
        dreams = (await phone.journals.get("Dreams")).id
        other = await Client.open(phone.home)
        try:
            logging_out = await _copy_made_while_held(phone, other, hostile)
            with pytest.raises(UnsyncedChanges) as raised:
                await logging_out
            refused = raised.value
            assert (refused.copies, refused.count, refused.signed_out) == (("Dreams",), 0, True)
            assert str(refused) == (
                "the journal 'Dreams' of this account is no longer on the server (deleted on "
                "another device, or withheld by it) and this device holds a read-only copy that "
                "may be the only one left: logging out would delete it for good. Export it "
                "first (archive.export_json), or log out with discard_copies=True once the user "
                "agreed to lose it. The server already signed this device out: log in again on "
                "this home to use it (Client.login keeps what it holds). Nothing was deleted"
            )
            assert (tmp_path / "phone" / "store.db").exists()
            held = [(j.name, j.read_only_copy) for j in await phone.journals.list()]
            assert ("Dreams", True) in held  # the client stays open, the copy kept
            bodies = {e.body for e in await phone.entries.list("Dreams")}
            assert bodies == {"A dream only this account has."}
        finally:
            await other.close()
            await phone.close()
        again = await phone_of(hostile, tmp_path)  # signed out: a login again keeps the copy
        try:
            held = [(j.name, j.read_only_copy) for j in await again.journals.list()]
            assert ("Dreams", True) in held
            done = await again.logout(discard_copies=[dreams])
            assert done.copies_deleted == ("Dreams",)
            assert not (tmp_path / "phone" / "store.db").exists()
        finally:
            await again.close()


async def test_copies_deleted_names_a_copy_made_while_the_server_held_the_answer(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    """With `discard_copies=True` (any copy agreed to), the copy made during the wait is
    deleted and said: `copies_deleted` is what the transaction that ended the store found
    (it was empty, counted before the wait)."""
    laptop = await signup("ana")
    await laptop.journals.create("Dreams")
    await laptop.sync()
    async with serving(HostileServer(live_server.url)) as hostile:
        phone = await phone_of(hostile, tmp_path)
        await phone.sync()
        other = await Client.open(phone.home)
        try:
            logging_out = await _copy_made_while_held(phone, other, hostile, discard_copies=True)
            done = await logging_out
            assert done.copies_deleted == ("Dreams",), done
            assert not (tmp_path / "phone" / "store.db").exists()
        finally:
            await other.close()
            await phone.close()
