"""Whose a local store is, and the store's own guards.

- A store written before it recorded its account id, of an account that owns no journal
  (a therapist member of a client's journal), left without its profile: whose it is cannot
  be told, so no login adopts it (another member of the same journal's included, also when
  the store holds that member's key envelopes, as a server listing them leaves it); the
  refusal says to move its files aside or put its profile back, which opens it.
- A store that records an account id is never opened for another account's profile.
- A logout whose ROLLBACK fails raises its first error.
- The refusal over a deleted account's store says to move its files aside.
- An account deletion deletes the local data under the store's write lock, and only while
  the profile is still the one it read.

Real server on loopback, real SQLite files."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from client_sdk import INSECURE_TEST_COST, AuthError, Client, InvalidInput, StoreBusy, database
from client_sdk import client as client_module
from client_sdk.profile import remove_profile
from client_sdk.store import ACCOUNT_ID, STORE_FILE, Store
from tests.client.sharing_support import share_with
from tests.client.test_store_busy_at_open import HeldStore
from tests.conftest import PASSWORD, ClientFactory, RunningServer
from tests.e2e.test_sync_watch import HANG


async def _login(server: RunningServer, name: str, home: Path) -> Client:
    return await Client.login(
        server.url, name, PASSWORD, home=home, minimum_cost=INSECURE_TEST_COST
    )


def _unrecord(home: Path) -> None:
    """Make the store of `home` one written before the account id was recorded."""
    db = sqlite3.connect(home / STORE_FILE)
    try:
        db.execute("DELETE FROM settings WHERE name = ?", (ACCOUNT_ID,))
        db.commit()
    finally:
        db.close()


async def _member_only_store(signup: ClientFactory) -> tuple[Path, bytes, Client]:
    """kim (a therapist, no journal of her own) and ben are members of ana's journal: ben
    first (epoch 1), then kim (epoch 2), so that ben holds an envelope of every epoch kim
    holds. kim's store records no account id (an earlier
    version wrote it) and her profile is gone. Returns kim's home, her profile's bytes and
    ben's client (closed)."""
    ana = await signup("ana")
    kim = await signup("kim")
    ben = await signup("ben")
    await kim.journals.delete("Personal")
    await share_with(ana, ben)
    await share_with(ana, kim)
    await kim.sync()
    await ben.sync()
    assert [j.name for j in await kim.journals.list()], "kim holds ana's journal"
    home = kim.home
    profile = (home / "profile").read_bytes()
    await kim.close()
    await ben.close()
    remove_profile(home)
    _unrecord(home)
    return home, profile, ben


def _store_state(home: Path) -> tuple[list[Any], ...]:
    db = sqlite3.connect(home / STORE_FILE)
    try:
        return tuple(
            sorted(db.execute(f"SELECT * FROM {table}").fetchall())
            for table in ("journals", "journal_keys", "peers", "settings")
        )
    finally:
        db.close()


async def test_an_older_store_of_a_member_only_account_is_adopted_by_no_login(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    """Neither ben's login nor kim's own adopts kim's store: holding only journals shared
    with it, it cannot tell whose it is. Each refusal says so, that nothing was changed, and
    to move its files aside or put the profile back; nothing in it changed. kim's profile
    put back opens it as before."""
    home, profile, _ = await _member_only_store(signup)
    before = _store_state(home)

    for name in ("ben", "kim"):
        with pytest.raises(InvalidInput) as refused:
            await _login(live_server, name, home)
        message = str(refused.value)
        assert "another account's, or whose account cannot be told" in message, message
        assert "nothing in it was changed" in message, message
        assert "first move its files store.db, store.db-wal and store.db-shm" in message, message
        assert f"put it back in {home}" in message, message
        assert not (home / "profile").exists()
        assert _store_state(home) == before, name

    (home / "profile").write_bytes(profile)
    again = await Client.open(home)
    try:
        assert [j.name for j in await again.journals.list()]
    finally:
        await again.close()


async def test_an_older_store_holding_another_members_envelopes_is_not_that_members(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    """kim's store holds, in place of each of her key envelopes, ben's of the same epoch (a
    server that listed ben's envelopes to kim could leave it so, in a version that stored
    them unchecked): the owner's signature on them proves that ana shared the journal with
    ben, never that ben's device wrote this store. ben's login is refused; kim's contacts
    and unsynced data are never his."""
    home, _, ben = await _member_only_store(signup)
    ben_keys = {
        (bytes(j), e): bytes(v)
        for j, e, v in _rows(ben.home, "SELECT journal_id, epoch, envelope FROM journal_keys")
    }
    kim_keys = _rows(home, "SELECT journal_id, epoch FROM journal_keys")
    assert kim_keys and all((bytes(j), e) in ben_keys for j, e in kim_keys), (kim_keys, ben_keys)
    db = sqlite3.connect(home / STORE_FILE)
    try:
        for j, e in kim_keys:
            db.execute(
                "UPDATE journal_keys SET envelope = ? WHERE journal_id = ? AND epoch = ?",
                (ben_keys[(bytes(j), e)], bytes(j), e),
            )
        db.commit()
    finally:
        db.close()

    with pytest.raises(InvalidInput) as refused:
        adopted = await _login(live_server, "ben", home)
        recorded = _recorded(home)
        await adopted.close()
        pytest.fail(f"ben adopted kim's store (recorded as ben's: {recorded is not None})")
    assert "cannot be told" in str(refused.value), refused.value
    assert _recorded(home) is None and not (home / "profile").exists()


def _rows(home: Path, sql: str) -> list[Any]:
    db = sqlite3.connect(home / STORE_FILE)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def _recorded(home: Path) -> bytes | None:
    db = sqlite3.connect(home / STORE_FILE)
    try:
        row = db.execute("SELECT value FROM settings WHERE name = ?", (ACCOUNT_ID,)).fetchone()
        return None if row is None else bytes(row[0])
    finally:
        db.close()


async def test_a_profile_of_one_account_never_opens_the_store_of_another(
    signup: ClientFactory,
) -> None:
    """Two sign-ins racing on one home (the last profile saved wins), or a profile copied in
    by hand: ben's profile over kim's store. Opening it is refused, saying what to do, and
    kim's store is left as it was; ben never sees kim's entries."""
    kim = await signup("kim")
    await kim.entries.write(None, "kim's, never synced")
    kim_id = kim.profile.account_id
    home = kim.home
    await kim.close()
    ben = await signup("ben")
    await ben.close()
    shutil.copyfile(ben.home / "profile", home / "profile")  # ben's profile over kim's store

    with pytest.raises(InvalidInput) as refused:
        opened = await Client.open(home)
        try:  # the bug: opened, kim's entries shown to ben's profile
            bodies = [e.body for e in await opened.entries.list()]
        finally:
            await opened.close()
        pytest.fail(f"ben's profile opened kim's store: {bodies}")
    message = str(refused.value)
    assert "another account" in message and "aside" in message, message
    assert refused.value.subject == "profile"
    assert _recorded(home) == kim_id

    with pytest.raises(InvalidInput):  # and at the store itself
        await Store.open(home, b"d" * 16, account=b"x" * 16)
    assert _recorded(home) == kim_id


async def test_a_logout_whose_rollback_fails_raises_its_first_error(
    signup: ClientFactory,
) -> None:
    """The logout's end fails (its triggers refused), then its ROLLBACK fails too: the first
    error is raised, the ROLLBACK's in a note; setting `synchronous` back (which SQLite
    refuses inside the transaction left open) no longer hides both. SQLite's authorizer
    refuses the two statements."""
    ana = await signup("ana")
    await ana.entries.write(None, "synced first")
    await ana.sync()
    connection = ana.store._db._connection

    def refuse(action: int, arg1: str | None, *_: str | None) -> int:
        if action == sqlite3.SQLITE_CREATE_TRIGGER:
            return sqlite3.SQLITE_DENY
        if action == sqlite3.SQLITE_TRANSACTION and arg1 == "ROLLBACK":
            return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK

    connection.set_authorizer(refuse)
    try:
        with pytest.raises(sqlite3.DatabaseError) as failed:
            await ana.store.end_for_logout(set(), ana.profile.secrets.account_key, None, "x")
    finally:
        connection.set_authorizer(None)
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        connection.execute("PRAGMA synchronous=NORMAL")
    error = failed.value
    assert "safety level" not in str(error).lower(), error
    assert "not authorized" in str(error), error
    assert any("ROLLBACK failed" in note for note in getattr(error, "__notes__", [])), error
    assert [e.body for e in await ana.entries.list()] == ["synced first"]  # still open
    await ana.close()


async def test_the_refusal_over_a_deleted_accounts_store_says_to_move_it_aside(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    """An account deletion stopped after the server deleted the account and before the
    store's files went: ben's login there is refused. The message no longer tells to log in
    to that account (it is gone); moving its files aside is the way."""
    kim = await signup("kim")
    await kim.entries.write(None, "kim's words")
    home = kim.home
    await kim.close()
    kept = {name: (home / name).read_bytes() for name in _store_files(home)}
    kim = await Client.open(home)
    await kim.delete_account(  # closes kim; its entry never synced: agreed to lose it
        PASSWORD, minimum_cost=INSECURE_TEST_COST, discard_unsynced=True
    )
    assert not (home / STORE_FILE).exists()
    for name, content in kept.items():  # the files the deletion would have left
        (home / name).write_bytes(content)
    await (await signup("ben")).close()

    with pytest.raises(InvalidInput) as refused:
        await _login(live_server, "ben", home)
    message = str(refused.value)
    assert "another account" in message, message
    assert "first move its files store.db, store.db-wal and store.db-shm" in message, message
    assert "log in to that account on this home" not in message, message
    assert (home / STORE_FILE).exists() and not (home / "profile").exists()


def _store_files(home: Path) -> list[str]:
    return [
        name
        for name in (STORE_FILE, f"{STORE_FILE}-wal", f"{STORE_FILE}-shm")
        if (home / name).exists()
    ]


@pytest.mark.parametrize("profile_changed", [False, True], ids=["same profile", "new profile"])
async def test_an_account_deletion_deletes_the_local_data_under_the_store_lock(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch, profile_changed: bool
) -> None:
    """Another program holds the store's write lock while the account is deleted: the local
    data is deleted only once it let go, and only while the profile is still the one read
    (another program saving a profile meanwhile keeps it, and the store). A spy on the
    guarded deletion only tells when it began."""
    kim = await signup("kim")
    await kim.entries.write(None, "kim's")
    await kim.sync()
    home = kim.home
    began = asyncio.Event()
    loop = asyncio.get_running_loop()
    guarded = client_module.delete_if_account

    def spy(*args: Any) -> bool:
        loop.call_soon_threadsafe(began.set)
        return guarded(*args)

    monkeypatch.setattr(client_module, "delete_if_account", spy)
    held = HeldStore(home)
    held.hold()
    try:
        deleting = asyncio.create_task(
            kim.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)
        )
        waiting = asyncio.create_task(began.wait())
        await asyncio.wait({deleting, waiting}, return_when=asyncio.FIRST_COMPLETED)
        assert not deleting.done(), "deleted while another program held the write lock"
        assert (home / STORE_FILE).exists() and (home / "profile").exists()
        if profile_changed:  # another program saves a profile here meanwhile
            (home / "profile").write_bytes((home / "profile").read_bytes() + b" ")
    finally:
        held.close()
    await deleting
    assert (home / "profile").exists() is profile_changed
    assert (home / STORE_FILE).exists() is profile_changed


async def test_an_account_deletion_under_a_busy_store_first_waits_to_delete(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once the server erased the account, closing the client saved the last sync's time
    first: under another program's write lock that write waited all of WRITE_WAIT_S (5 s) for
    a store about to be deleted, before the deletion waited as long again. The deletion is
    now the first thing to wait for the lock (a wait no test sits out: it would hang here)."""
    monkeypatch.setattr(database, "WRITE_WAIT_S", 600.0)
    kim = await signup("kim")
    await kim.entries.write(None, "kim's")
    await kim.sync()
    await kim.sync()  # its time is newer than the one kept (kept once a minute at most)
    home = kim.home
    began = asyncio.Event()
    loop = asyncio.get_running_loop()
    guarded = client_module.delete_if_account

    def spy(*args: Any) -> bool:
        loop.call_soon_threadsafe(began.set)
        return guarded(*args)

    monkeypatch.setattr(client_module, "delete_if_account", spy)
    held = HeldStore(home)
    held.hold()
    try:
        deleting = asyncio.create_task(
            kim.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)
        )
        await asyncio.wait_for(began.wait(), HANG)
        assert not deleting.done(), "deleted while another program held the write lock"
    finally:
        held.close()
    await deleting
    assert not (home / "profile").exists() and not (home / STORE_FILE).exists()


async def test_an_account_deletion_the_store_lock_keeps_waiting_says_what_is_left(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another program keeps the store's write lock past the wait: the account is deleted
    on the server, its local data is not. StoreBusy says so (never "try again": the account
    is gone), nothing is deleted, and a logout on this device afterwards deletes it."""
    kim = await signup("kim")
    await kim.entries.write(None, "kim's")
    await kim.sync()
    home = kim.home
    monkeypatch.setattr(database, "WRITE_WAIT_S", 0.2)  # the wait, shortened for the test
    held = HeldStore(home)
    held.hold()
    try:
        with pytest.raises(StoreBusy) as busy:
            await kim.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)
    finally:
        held.close()
    message = str(busy.value)
    assert "account was deleted" in message and "log out" in message, message
    assert "try again" not in message, message
    assert (home / "profile").exists() and (home / STORE_FILE).exists()
    left = await Client.open(home)
    await left.logout(discard_unsynced=True)
    assert not (home / "profile").exists() and not (home / STORE_FILE).exists()


def _damage(home: Path, how: str) -> None:
    """The store file damaged (a disk error): garbage in place of it, or its first page's
    header kept and the rest garbage (SQLite then finds a malformed page)."""
    path = home / STORE_FILE
    kept = path.read_bytes()[:100] if how == "malformed" else b""
    size = path.stat().st_size
    for name in (STORE_FILE, f"{STORE_FILE}-wal", f"{STORE_FILE}-shm"):
        (home / name).unlink(missing_ok=True)
    path.write_bytes(kept + b"\xa5" * max(size - len(kept), 4096))


@pytest.mark.parametrize("how", ["not a database", "malformed"])
async def test_an_account_deletion_over_a_damaged_store_deletes_the_profile_and_store(
    signup: ClientFactory, live_server: RunningServer, how: str
) -> None:
    """The store's file is damaged while the client is open; the server deletes the
    account, and the local deletion, unable to read the store, deletes the profile (the
    deleted account's secrets) and the store all the same, as the profile is still the one
    read: no raw SQLite error."""
    kim = await signup("kim")
    await kim.entries.write(None, "kim's")
    await kim.sync()
    home = kim.home
    _damage(home, how)

    await kim.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)

    assert not (home / "profile").exists(), "the deleted account's profile was kept"
    assert _store_files(home) == []
    with pytest.raises(AuthError):
        await _login(live_server, "kim", home)


async def test_an_account_deletion_over_a_damaged_store_keeps_a_profile_saved_since(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another program saves a profile on the home while the account is deleted: that
    profile, and the damaged store beside it, are its own to keep, as for a store that
    reads. The spy only changes the profile before the guarded deletion runs."""
    kim = await signup("kim")
    await kim.sync()
    home = kim.home
    _damage(home, "not a database")
    guarded = client_module.delete_if_account

    def saved_meanwhile(*args: Any) -> bool:
        (home / "profile").write_bytes((home / "profile").read_bytes() + b" ")
        return guarded(*args)

    monkeypatch.setattr(client_module, "delete_if_account", saved_meanwhile)
    await kim.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)
    assert (home / "profile").exists() and (home / STORE_FILE).exists()
