"""Closing a client whose sync found the store kept busy by another program past the wait
(StoreBusy from saving the time the sync completed, a convenience) does not wait for the
store a second time: `tj logout` on a store another program kept busy waited 5 s for the
quick sync's save, 5 s again for the same save at close, then 5 s for the logout itself.
Real server on loopback, real SQLite (another connection holds the write lock)."""

from __future__ import annotations

import asyncio

import pytest

from client_sdk import Client, StoreBusy, database
from client_sdk import client as client_module
from client_sdk.client import LAST_SYNCED
from tests.client.test_store_busy_at_open import HeldStore
from tests.conftest import ClientFactory
from tests.e2e.test_sync_watch import HANG


async def test_a_close_after_a_sync_found_the_store_busy_does_not_wait_for_it_again(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client_module, "LAST_SYNCED_STEP_MS", 0)  # every sync keeps its time
    ana = await signup("ana")
    await ana.entries.write(None, "an entry")
    await ana.sync()
    kept = await ana.store.setting(LAST_SYNCED)
    monkeypatch.setattr(database, "WRITE_WAIT_S", 0.2)
    held = HeldStore(ana.home)
    held.hold()
    try:
        with pytest.raises(StoreBusy):
            await ana.sync()  # brings nothing: only its time to keep, which waits and fails
        monkeypatch.setattr(database, "WRITE_WAIT_S", 600.0)  # a wait no test sits out
        await asyncio.wait_for(ana.close(), HANG)
    finally:
        held.close()
    async with await Client.open(ana.home) as again:  # the time of the sync that kept it
        assert await again.store.setting(LAST_SYNCED) == kept
