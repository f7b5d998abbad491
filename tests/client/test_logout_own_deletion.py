"""A logout's own deletion, and whose a store left without its profile is.

- `Client.logout` deletes only the profile it read and only the store it marked: another
  program that signs in once the mark is committed (finishing the logout itself) keeps its
  new sign-in.
- The logout's mark is committed with `synchronous=FULL`: durable before the profile goes.
- A store records its account's id: that account's own login adopts it even when it holds
  no journal of its own; another account's is refused.
- A store with no recorded id and no journal (written by an earlier version) is deleted on
  another account's sign-in only when nothing in it was never sent.

Real server on loopback, real SQLite files."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from client_sdk import INSECURE_TEST_COST, Client, InvalidInput
from client_sdk.profile import remove_profile
from client_sdk.store import ACCOUNT_ID, ACCOUNT_USERNAME, STORE_FILE
from tests.client.sharing_support import share_with
from tests.conftest import PASSWORD, ClientFactory, RunningServer


async def _login(server: RunningServer, name: str, home: Path) -> Client:
    return await Client.login(
        server.url, name, PASSWORD, home=home, minimum_cost=INSECURE_TEST_COST
    )


async def test_a_logout_never_deletes_a_sign_in_made_after_its_mark(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Program A logs out: its mark commits, then it closes its HTTP session before it
    deletes. Program B signs in meanwhile (finishing A's logout, as designed). A's deletion
    then finds the logout finished and deletes nothing of B's."""
    ana = await signup("ana")
    await ana.entries.write(None, "synced first")
    await ana.sync()
    home = ana.home
    closing, go_on = asyncio.Event(), asyncio.Event()
    original_close = ana.transport.close

    async def slow_close() -> None:  # A is slow here only to fix the order
        closing.set()
        await go_on.wait()
        await original_close()

    monkeypatch.setattr(ana.transport, "close", slow_close)
    a = asyncio.create_task(ana.logout(discard_unsynced=True))
    await closing.wait()  # A's mark committed, its store closed, its deletion to come
    b = await _login(live_server, "ana", home)  # program B
    try:
        await b.entries.write(None, "written after logging in again")
        go_on.set()
        await a
        assert (home / "profile").exists(), "B's sign-in was deleted by A's logout"
        assert (home / STORE_FILE).exists()
        await b.entries.write(None, "another, later")
        await b.sync()
    finally:
        await b.close()
    again = await Client.open(home)
    try:
        bodies = {e.body for e in await again.entries.list()}
        assert {"written after logging in again", "another, later"} <= bodies
    finally:
        await again.close()


async def test_the_logout_mark_is_committed_with_a_full_sync(signup: ClientFactory) -> None:
    """The COMMIT that makes the logout's triggers runs after `PRAGMA synchronous=FULL`
    (a WAL commit then syncs the log), and the level goes back to NORMAL after it."""
    ana = await signup("ana")
    await ana.entries.write(None, "synced first")
    await ana.sync()
    statements: list[str] = []
    ana.store._db._connection.set_trace_callback(statements.append)
    await ana.logout()
    triggers = [i for i, s in enumerate(statements) if s.startswith("CREATE TRIGGER")]
    assert triggers, statements
    commit = next(i for i in range(triggers[-1], len(statements)) if statements[i] == "COMMIT")
    levels = [
        (i, s) for i, s in enumerate(statements) if s.upper().startswith("PRAGMA SYNCHRONOUS")
    ]
    before = [s for i, s in levels if i < commit]
    after = [s for i, s in levels if i > commit]
    assert before and before[-1].upper().endswith("FULL"), statements
    assert after and after[0].upper().endswith("NORMAL"), statements


async def test_an_own_store_without_an_own_journal_is_adopted_by_its_account(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    """kim (a therapist) deleted her own journal; she is a member of ana's. Her profile is
    removed (a forgotten passphrase, say); her own login takes her store, what she never
    synced included. Another account's login is refused."""
    ana = await signup("ana")
    kim = await signup("kim")
    await kim.journals.delete("Personal")
    await share_with(ana, kim)
    await kim.sync()
    assert [j.name for j in await kim.journals.list()], "kim holds ana's journal"
    home = kim.home
    await kim.close()
    remove_profile(home)
    await (await signup("ben")).close()

    with pytest.raises(InvalidInput) as refused:
        await _login(live_server, "ben", home)
    assert "another account" in str(refused.value), refused.value

    again = await _login(live_server, "kim", home)
    try:
        assert [j.name for j in await again.journals.list()]
    finally:
        await again.close()


def _unrecord(home: Path, *, journals: bool) -> None:
    """Make the store of `home` one written before the account id (and later its username)
    was recorded (and, with `journals`, one holding no journal row)."""
    db = sqlite3.connect(home / STORE_FILE)
    try:
        db.execute("DELETE FROM settings WHERE name IN (?, ?)", (ACCOUNT_ID, ACCOUNT_USERNAME))
        if journals:
            db.execute("DELETE FROM journals")
        db.execute("INSERT INTO settings VALUES ('test.left', 'kim''s')")
        db.commit()
    finally:
        db.close()


def _settings(home: Path) -> set[str]:
    db = sqlite3.connect(home / STORE_FILE)
    try:
        return {row[0] for row in db.execute("SELECT name FROM settings")}
    finally:
        db.close()


async def test_a_store_without_an_id_or_journal_is_deleted_only_when_nothing_is_unsent(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    """A store left without its profile that records no account and holds no journal:
    another account's sign-in deletes it and starts afresh (none of its settings taken over)
    when nothing in it waits to be sent; it is refused, the store left as it was, when
    something does."""
    kim = await signup("kim")
    await kim.journals.delete("Personal")
    await kim.sync()
    home = kim.home
    await kim.close()
    remove_profile(home)
    _unrecord(home, journals=False)
    await (await signup("ben")).close()

    ben = await _login(live_server, "ben", home)
    try:
        assert "test.left" not in _settings(home), "ben took over kim's store"
    finally:
        await ben.close()

    ana = await signup("ana")
    await ana.entries.write(None, "never synced")
    home = ana.home
    await ana.close()
    remove_profile(home)
    _unrecord(home, journals=True)
    with pytest.raises(InvalidInput) as refused:
        await _login(live_server, "ben", home)
    assert "never synced" in str(refused.value), refused.value
    said = str(refused.value)  # move the store's files into another folder, never "log in"
    assert "into another folder" in said and "log in" not in said, said
    assert not (home / "profile").exists()
    assert "test.left" in _settings(home)
    db = sqlite3.connect(home / STORE_FILE)
    try:
        assert db.execute("SELECT count(*) FROM outbox").fetchone()[0] >= 1
    finally:
        db.close()
