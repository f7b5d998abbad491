"""The disclosure settings opened once per sealed bytes (`access.open_disclosure_cached`)
are kept with the account key that opened them: a logout or a close of the client lets them
go, as forgetting a journal does, so nothing of the account stays in the process's memory.
Real server on 127.0.0.1, real crypto and SQLite."""

from __future__ import annotations

import asyncio

import pytest

from client_sdk import Client, access, replica, search
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


def _kept() -> dict[str, int]:
    """How many entries each process-wide cache of opened data holds."""
    return {
        "disclosures": access.open_disclosure_cached.cache_info().currsize,
        "archived": replica._archived.cache_info().currsize,
        "signed_name": replica._signed_name.cache_info().currsize,
    }


@pytest.mark.parametrize("end", ["logout", "close"])
async def test_the_journal_metadata_caches_hold_nothing_after_a_logout_or_close(
    signup: ClientFactory, end: str
) -> None:
    """`_archived` and `_signed_name` are keyed by a journal's decrypted metadata (its name):
    emptied at a logout or a close as the disclosure cache is."""
    ana, tom = await signup("ana"), await signup("tom")
    await ana.journals.create("Divorce notes")
    await ana.entries.write("Divorce notes", "x", mood=3)
    await _copied_write(ana, tom)
    await ana.sync()
    assert _kept()["archived"] > 0
    if end == "logout":
        await ana.logout(discard_unsynced=True)
    else:
        await ana.close()
    assert _kept() == {"disclosures": 0, "archived": 0, "signed_name": 0}


@pytest.mark.parametrize("yields", [0, 1, 3, 8, 20])
async def test_a_write_running_at_the_close_leaves_no_opened_data_cached(
    signup: ClientFactory, yields: int
) -> None:
    """A write scheduled before `close()` may run during it: the caches are emptied again
    once the store is closed, so nothing it opened stays after `close()` returns."""
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, only=["mood"])
    await ana.entries.write("Personal", "first", mood=2)
    task = asyncio.create_task(ana.entries.write("Personal", "in flight", mood=8))
    for _ in range(yields):
        await asyncio.sleep(0)
    await ana.close()
    await asyncio.gather(task, return_exceptions=True)
    assert _kept() == {"disclosures": 0, "archived": 0, "signed_name": 0}


async def test_the_characters_a_search_folded_are_not_kept_after_a_logout(
    signup: ClientFactory,
) -> None:
    """A search folds each distinct character of the decrypted text it reads, cached
    process-wide: emptied at a logout, so no character of the journal stays."""
    ana = await signup("ana")
    await ana.entries.write("Personal", "今日は母と喧嘩した Страх", mood=3)
    assert await ana.entries.search("喧嘩", journal="Personal")
    assert search._fold_char.cache_info().currsize > 0
    await ana.logout(discard_unsynced=True)
    assert search._fold_char.cache_info().currsize == 0
