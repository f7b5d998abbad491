"""R18: the unverified-owner budget's `downloaded` count is read at a pull's start and
written whole at its end (read-modify-write across a sync): a second Client on the same
profile (another process: `tj watch` beside the app) whose sync overlaps loses the other's
count, so the device downloads the budget once per overlapping client."""

from __future__ import annotations

from typing import Any

import pytest

from client_sdk import Client, hold_back
from client_sdk.hold_back import UNVERIFIED_SHARE_BYTES
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import journal_id
from tests.client.test_unverified_budget import big_text, received
from tests.conftest import ClientFactory

EDITS = 7


async def test_two_clients_on_one_profile_download_the_budget_twice(
    hostile: HostileServer, signup: ClientFactory, through: Through
) -> None:
    vera = await through("vera")
    owner = await signup("owner")
    entry = await owner.entries.write("Personal", big_text(), title="edited")
    for _ in range(EDITS):
        await owner.entries.edit(entry.id, body=big_text())
    await owner.sync()
    await owner.shares.grant("Personal", "vera", trust_on_first_use=True)
    await owner.sync()
    shared = await journal_id(owner, "Personal")
    second = await Client.open(vera.home)  # the same profile, as another process opens it
    try:
        transport = vera.replica.transport
        call = transport.call
        ran = False

        async def overlapping(path: str, request: Any, kind: Any) -> Any:
            nonlocal ran
            if path == "/v1/sync" and not ran:
                ran = True
                await second.sync()  # the other client's sync runs while vera's pull waits
            return await call(path, request, kind)

        start = len(hostile.exchanges)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(transport, "call", overlapping)
            await vera.sync()
        for _ in range(2):
            await vera.sync()
            await second.sync()
        records, size = received(hostile, start, shared)
        counted = hold_back.decode(await vera.store.setting(hold_back.SETTING)).downloaded
        print("received", records, size, "counted", counted.get(shared))
        # One client alone receives 9 records (the first reply naming the journal, whole) and
        # lets 5 through, counted (test_one_client_alone below). Two overlapping: twice that,
        # and the setting counts one client's share only.
        assert records <= 9 and counted[shared] >= 2 * UNVERIFIED_SHARE_BYTES, (
            f"the device downloaded {size} bytes of an unverified owner's journal; "
            f"the setting counts {counted.get(shared)}"
        )
    finally:
        await second.close()


async def test_one_client_alone(
    hostile: HostileServer, signup: ClientFactory, through: Through
) -> None:
    """The control: the same journal, one client."""
    vera = await through("vera")
    owner = await signup("owner")
    entry = await owner.entries.write("Personal", big_text(), title="edited")
    for _ in range(EDITS):
        await owner.entries.edit(entry.id, body=big_text())
    await owner.sync()
    await owner.shares.grant("Personal", "vera", trust_on_first_use=True)
    await owner.sync()
    shared = await journal_id(owner, "Personal")
    start = len(hostile.exchanges)
    for _ in range(3):
        await vera.sync()
    records, size = received(hostile, start, shared)
    counted = hold_back.decode(await vera.store.setting(hold_back.SETTING)).downloaded
    print("alone received", records, size, "counted", counted.get(shared))
    assert records <= 9
