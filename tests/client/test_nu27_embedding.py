"""NU27 C7 and C16: what the README tells an embedding app about login and about one home open
twice is what happens (real server on loopback, real crypto)."""

from __future__ import annotations

from pathlib import Path

from client_sdk import Client
from tests.conftest import ClientFactory


async def test_after_login_the_journal_fills_at_the_first_sync_as_documented(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """C7: `Client.login` fetches keys and journals, not their contents; its docstring and the
    README say to call `sync()` right after it."""
    laptop = await signup("ana")
    await laptop.entries.write("Personal", "Slept badly.", mood=4)
    await laptop.sync()
    phone = await login("ana")
    assert [j.name for j in await phone.journals.list()] == ["Personal"]
    assert await phone.entries.list() == []  # what the docs warn of
    await phone.sync()
    assert [e.body for e in await phone.entries.list()] == ["Slept badly."]
    doc = Client.login.__doc__ or ""
    assert "sync()" in doc and "right after `login`" in doc


async def test_one_home_open_in_two_clients_at_once_shares_writes_and_syncs(
    signup: ClientFactory, login: ClientFactory, tmp_path: Path
) -> None:
    """C16: the README says one home may be open in several processes at once (an app and
    `tj`): each sees the other's writes and both may sync, a record pushed by both stored
    once. Two clients on one home here stand for the two processes (one SQLite connection
    each, as two processes have)."""
    first = await signup("ana")
    second = await Client.open(tmp_path / "ana-laptop")
    try:
        await first.entries.write("Personal", "from the app")
        await second.entries.write("Personal", "from tj")
        assert sorted(e.body for e in await first.entries.list()) == ["from the app", "from tj"]
        assert sorted(e.body for e in await second.entries.list()) == ["from the app", "from tj"]
        await first.sync()
        await second.sync()
        assert await first.pending() == 0 and await second.pending() == 0
    finally:
        await second.close()
    phone = await login("ana")
    await phone.sync()
    assert sorted(e.body for e in await phone.entries.list()) == ["from the app", "from tj"]
