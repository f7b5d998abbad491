"""A logout whose end committed (the store's `tj_logged_out_*` triggers, its mark) but whose
program stopped before the local data was deleted: the marked store is never adopted, by the
same account (what the logout discarded is never sent) or by another (never shown); every
sign-in and `Client.open` finish the logout first, and never delete a sign-in another program
made meanwhile. Real server on loopback, real SQLite files; "the program stops" is the
logout's steps run up to that point and the client dropped."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from client_sdk import INSECURE_TEST_COST, Client, InvalidInput
from client_sdk import client as client_module
from client_sdk.database import LOGGED_OUT
from client_sdk.profile import remove_profile
from client_sdk.store import STORE_FILE
from tests.conftest import PASSWORD, ClientFactory, RunningServer

STRONG = "plum ferry whistle lantern"
SECRET = "ana's private words, never synced"


async def _cut_short(client: Client, allowed: int | None = None) -> Path:
    """`Client.logout`'s steps up to its commit (the store marked), then the program stops:
    its client is dropped, nothing deleted. Returns the home."""
    home = client.home
    ended = await client.store.end_for_logout(
        await client._copies(), client.profile.secrets.account_key, allowed, LOGGED_OUT
    )
    assert ended[2]
    client._forget_open()  # the program is gone: its client no longer holds the home
    await client.transport.close()
    return home


def _documents(home: Path) -> int:
    with sqlite3.connect(home / STORE_FILE) as db:
        return int(db.execute("SELECT count(*) FROM documents").fetchone()[0])


def _store_files(home: Path) -> list[str]:
    return [
        n for n in (STORE_FILE, f"{STORE_FILE}-wal", f"{STORE_FILE}-shm") if (home / n).exists()
    ]


async def test_open_finishes_a_logout_stopped_after_the_profile_was_deleted(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    """The deletion stopped after the profile went (its first step): only the marked store
    is left. `Client.open` said "no account" and left it for the next sign-in to adopt."""
    ana = await signup("ana")
    await ana.entries.write(None, SECRET)
    home = await _cut_short(ana)
    remove_profile(home)

    with pytest.raises(InvalidInput) as finished:
        await Client.open(home)
    assert finished.value.subject == "profile"
    assert "logged out" in str(finished.value), finished.value
    assert _store_files(home) == []
    with pytest.raises(InvalidInput) as again:  # the ordinary "no account" from now on
        await Client.open(home)
    assert "sign up or log in first" in str(again.value)


@pytest.mark.parametrize("profile_left", [True, False])
async def test_another_account_signing_in_over_a_logout_cut_short_sees_none_of_it(
    signup: ClientFactory, live_server: RunningServer, profile_left: bool
) -> None:
    """Ana's logout stopped before deleting anything, or after the profile only; ben logs in
    on that home. He adopted her store: her unsynced entry and her journal were his."""
    ana = await signup("ana")
    await ana.entries.write(None, SECRET)
    home = await _cut_short(ana)
    if not profile_left:
        remove_profile(home)
    await (await signup("ben")).close()

    ben = await Client.login(
        live_server.url, "ben", PASSWORD, home=home, minimum_cost=INSECURE_TEST_COST
    )
    try:
        assert _documents(home) == 0
        assert [e.body for e in await ben.entries.list()] == []
        await ben.sync()
        assert [e.body for e in await ben.entries.list()] == []
        assert [j.name for j in await ben.journals.list()] == ["Personal"]
        assert ben.profile.username == "ben"
    finally:
        await ben.close()


async def test_a_signup_over_a_logout_cut_short_takes_none_of_it(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    """A new account made on a home whose logout stopped halfway starts empty."""
    ana = await signup("ana")
    await ana.entries.write(None, SECRET)
    home = await _cut_short(ana)
    remove_profile(home)

    cara = await Client.signup(
        live_server.url, "cara", PASSWORD, home=home, kdf_cost=INSECURE_TEST_COST
    )
    try:
        assert _documents(home) == 0 or [e.body for e in await cara.entries.list()] == []
        assert [e.body for e in await cara.entries.list()] == []
        assert [j.name for j in await cara.journals.list()] == ["Personal"]
    finally:
        await cara.close()


SignIn = Callable[[RunningServer, Path, str], Awaitable[Client]]


async def _login_again(server: RunningServer, home: Path, _key: str) -> Client:
    return await Client.login(
        server.url, "ana", PASSWORD, home=home, minimum_cost=INSECURE_TEST_COST
    )


async def _recover(server: RunningServer, home: Path, key: str) -> Client:
    return await Client.recover(
        server.url, "ana", key, STRONG, home=home, kdf_cost=INSECURE_TEST_COST
    )


@pytest.mark.parametrize("sign_in", [_login_again, _recover], ids=["login", "recover"])
async def test_signing_in_again_over_a_logout_cut_short_never_sends_what_it_discarded(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer, sign_in: SignIn
) -> None:
    """The user agreed to lose one unsynced entry, the logout committed, then stopped. A
    sign-in again of the same account kept the store and sent that entry to the server."""
    ana = await signup("ana")
    key = ana.recovery_key
    assert key is not None
    await ana.entries.write(None, "synced")
    await ana.sync()
    await ana.entries.write(None, "discarded at logout, never to be sent")
    home = await _cut_short(ana, allowed=1)

    again = await sign_in(live_server, home, key)
    try:
        await again.sync()
        assert sorted(e.body for e in await again.entries.list()) == ["synced"]
        if sign_in is _login_again:  # a login takes the name the logout kept (recover never)
            [here] = [d for d in await again.devices.list() if d.current]
            assert here.name == "laptop"
    finally:
        await again.close()
    phone = await login("ana", password=STRONG if sign_in is _recover else PASSWORD)
    await phone.sync()
    assert sorted(e.body for e in await phone.entries.list()) == ["synced"]


async def test_a_store_of_another_account_left_without_a_profile_is_never_adopted(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    """No logout mark: ana's profile is gone (an account deletion stopped halfway, a
    profile removed by hand) but her store stays. Ben's login adopted it and listed her
    entry; now it is refused, the store left as it was, and ana's own login takes it."""
    ana = await signup("ana")
    await ana.entries.write(None, SECRET)
    home = ana.home
    await ana.close()
    remove_profile(home)
    await (await signup("ben")).close()

    with pytest.raises(InvalidInput) as refused:
        await Client.login(
            live_server.url, "ben", PASSWORD, home=home, minimum_cost=INSECURE_TEST_COST
        )
    assert "another account" in str(refused.value), refused.value
    assert not (home / "profile").exists()
    assert _documents(home) == 1

    back = await Client.login(
        live_server.url, "ana", PASSWORD, home=home, minimum_cost=INSECURE_TEST_COST
    )
    try:
        assert [e.body for e in await back.entries.list()] == [SECRET]
    finally:
        await back.close()


async def test_open_finishing_a_logout_never_deletes_a_login_made_meanwhile(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Program A opens the home and reads the logout's mark; before it deletes, program B
    logs in there anew and writes. A deleted B's new profile and store, and B's writes went
    on, silently, into an unlinked file. A's pause is only to order the two programs."""
    ana = await signup("ana")
    await ana.entries.write(None, "synced first")
    await ana.sync()
    home = await _cut_short(ana)

    marked = asyncio.Event()
    go_on = asyncio.Event()
    original = client_module._finish_logout

    async def paused(*args: object) -> bool:
        marked.set()
        await go_on.wait()
        return await original(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(client_module, "_finish_logout", paused)
    a = asyncio.create_task(Client.open(home))
    await marked.wait()
    monkeypatch.setattr(client_module, "_finish_logout", original)  # B's own: not paused

    b = await Client.login(
        live_server.url, "ana", PASSWORD, home=home, minimum_cost=INSECURE_TEST_COST
    )
    await b.entries.write(None, "written after logging in again")
    go_on.set()
    opened = await a  # A opens the home as it now is: B's sign-in
    try:
        assert opened.profile.device_id == b.profile.device_id
    finally:
        opened._forget_open()
        await opened.store.close()
        await opened.transport.close()
    await b.entries.write(None, "another, later")
    await b.close()

    assert (home / "profile").exists(), "the login made meanwhile was deleted"
    reopened = await Client.open(home)
    try:
        await reopened.sync()
        assert sorted(e.body for e in await reopened.entries.list()) == [
            "another, later",
            "synced first",
            "written after logging in again",
        ]
    finally:
        await reopened.close()


async def test_open_finishes_a_logout_only_under_the_store_lock(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reads the mark; meanwhile another program finishes the logout and B signs in anew,
    its fresh store and profile in place. A, resuming, reads the home again: it must find
    B's store unmarked and B's profile not the one it loaded, and delete nothing."""
    ana = await signup("ana")
    home = await _cut_short(ana)
    original = client_module._finish_logout
    b: list[Client] = []
    calls: list[object] = []

    async def others_first(*args: object) -> bool:
        calls.append(args)
        if len(calls) == 1:  # A's: B signs in (finishing the logout itself) before it goes on
            b.append(
                await Client.login(
                    live_server.url, "ana", PASSWORD, home=home, minimum_cost=INSECURE_TEST_COST
                )
            )
            await b[0].entries.write(None, "B's")
        return await original(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(client_module, "_finish_logout", others_first)
    opened = await Client.open(home)
    try:
        assert opened.profile.device_id == b[0].profile.device_id
        assert [e.body for e in await opened.entries.list()] == ["B's"]
    finally:
        opened._forget_open()
        await opened.store.close()
        await opened.transport.close()
        await b[0].close()
    assert (home / "profile").exists() and (home / STORE_FILE).exists()


async def test_finishing_a_logout_deletes_only_the_profile_it_read(
    signup: ClientFactory,
) -> None:
    """The profile on disk is not the one the finishing program read (another program saved
    its own since): nothing is deleted, neither the profile nor the marked store."""
    ana = await signup("ana")
    home = await _cut_short(ana)
    read_then = (home / "profile").read_bytes()

    assert not await client_module._finish_logout(home, read_then + b"x", None, None)
    assert (home / "profile").read_bytes() == read_then
    assert _store_files(home) != []
    assert not await client_module._finish_logout(home, None, None, None)  # none was read
    assert (home / "profile").exists()
    assert await client_module._finish_logout(home, read_then, None, None)
    assert not (home / "profile").exists() and _store_files(home) == []


async def test_finishing_a_logout_waits_for_the_store_lock(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The mark is read again, and the files deleted, under the store's write lock: while
    another program holds it (a sign-in dropping the store's state), nothing is deleted."""
    from client_sdk import StoreBusy, database

    ana = await signup("ana")
    home = await _cut_short(ana)
    read_then = (home / "profile").read_bytes()
    monkeypatch.setattr(database, "WRITE_WAIT_S", 0.2)
    other = sqlite3.connect(home / STORE_FILE, isolation_level=None, check_same_thread=False)
    try:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(StoreBusy):
            await client_module._finish_logout(home, read_then, None, None)
        assert (home / "profile").exists() and (home / STORE_FILE).exists()
        other.execute("ROLLBACK")
    finally:
        other.close()
    assert await client_module._finish_logout(home, read_then, None, None)
    assert not (home / "profile").exists() and _store_files(home) == []


async def test_a_logout_committed_while_signing_in_is_never_adopted(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another program's logout commits after the sign-in looked for one (while the server
    answered) and before it opens the store: the sign-in refuses the marked store, and the
    next open finishes that logout."""
    from client_sdk.store import Store

    ana = await signup("ana")
    await ana.entries.write(None, SECRET)
    home = ana.home
    account_key = ana.profile.secrets.account_key
    await ana.close()
    saved = Client._new_profile

    async def then_logged_out(*args: object) -> object:
        profile = await saved(*args)  # type: ignore[arg-type]
        other = await Store.open(home)  # the other program's logout, up to its commit
        assert (await other.end_for_logout(set(), account_key, None, LOGGED_OUT))[2]
        return profile

    monkeypatch.setattr(Client, "_new_profile", staticmethod(then_logged_out))
    with pytest.raises(InvalidInput) as refused:
        await Client.login(
            live_server.url, "ana", PASSWORD, home=home, minimum_cost=INSECURE_TEST_COST
        )
    assert "logged out by another program" in str(refused.value), refused.value
    monkeypatch.setattr(Client, "_new_profile", saved)
    with pytest.raises(InvalidInput) as finished:
        await Client.open(home)
    assert "logged out" in str(finished.value)
    assert not (home / "profile").exists() and _store_files(home) == []


async def test_a_sign_in_kept_from_finishing_a_logout_says_no_sign_in_was_made(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sign-in that could not delete a cut-short logout's data (another program held the
    store's write lock) said "nothing was written; try again", as a failed write: it says
    the sign-in was not made on this device."""
    from client_sdk import StoreBusy, database

    ana = await signup("ana")
    home = await _cut_short(ana)
    monkeypatch.setattr(database, "WRITE_WAIT_S", 0.2)
    other = sqlite3.connect(home / STORE_FILE, isolation_level=None, check_same_thread=False)
    try:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(StoreBusy) as refused:
            await Client.login(
                live_server.url, "ana", PASSWORD, home=home, minimum_cost=INSECURE_TEST_COST
            )
        other.execute("ROLLBACK")
    finally:
        other.close()
    message = str(refused.value)
    assert refused.value.signing_in and "the sign-in was not made on this device" in message
    assert "nothing was written" not in message, message
    assert (home / "profile").exists() and (home / STORE_FILE).exists()


async def test_a_logout_kept_from_deleting_its_data_says_the_deletion_is_owed(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A logout whose mark committed, whose deletion another program's write lock held up,
    said "nothing was written; try again": the device is logged out, its data not deleted
    yet, which logging out again there (any opening of the home) does."""
    from client_sdk import StoreBusy, database

    ana = await signup("ana")
    home = ana.home
    original = client_module._finish_logout
    held: list[sqlite3.Connection] = []

    async def another_program_first(*args: object) -> bool:
        other = sqlite3.connect(home / STORE_FILE, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")  # after the mark, before the deletion
        held.append(other)
        return await original(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(database, "WRITE_WAIT_S", 0.2)
    monkeypatch.setattr(client_module, "_finish_logout", another_program_first)
    try:
        with pytest.raises(StoreBusy) as refused:
            await ana.logout()
    finally:
        for other in held:
            other.execute("ROLLBACK")
            other.close()
    monkeypatch.setattr(client_module, "_finish_logout", original)
    message = str(refused.value)
    assert refused.value.logged_out and "this device was logged out" in message, message
    assert "not deleted yet" in message and "log out on this device again" in message, message
    assert "nothing was written" not in message, message
    assert (home / "profile").exists()
    with pytest.raises(InvalidInput, match="that is done now"):  # the next opening deletes it
        await Client.open(home)
    assert not (home / "profile").exists() and _store_files(home) == []
