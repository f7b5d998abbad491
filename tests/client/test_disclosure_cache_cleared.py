"""The disclosure settings opened once per sealed bytes (`access.open_disclosure_cached`)
are kept with the account key that opened them: a logout or a close of the client lets them
go, as forgetting a journal does, so nothing of the account stays in the process's memory.
Real server on 127.0.0.1, real crypto and SQLite."""

from __future__ import annotations

from client_sdk import Client, access
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory


async def _copied_write(ana: Client, tom: Client) -> None:
    """ana writes an entry copied for tom: its copy's settings are opened (and kept)."""
    await share_with(ana, tom, only=["mood"])
    await ana.entries.write("Personal", "a dream", mood=8)
    assert access.open_disclosure_cached.cache_info().currsize > 0


async def test_after_a_logout_the_opened_settings_cache_holds_nothing_of_the_account(
    signup: ClientFactory,
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await _copied_write(ana, tom)
    await ana.logout(discard_unsynced=True)
    assert access.open_disclosure_cached.cache_info().currsize == 0


async def test_after_a_close_the_opened_settings_cache_holds_nothing_of_the_account(
    signup: ClientFactory,
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await _copied_write(ana, tom)
    await ana.close()
    assert access.open_disclosure_cached.cache_info().currsize == 0
