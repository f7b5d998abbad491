"""A server whose paged list never ends (its `next` repeats) or whose sync slices go
backwards cannot keep a device asking forever: the SDK stops and says so."""

from __future__ import annotations

import pytest

from client_sdk import NetworkError, wire
from tests.client.hostile import HostileServer, Through


async def test_a_list_whose_next_repeats_is_a_network_error_not_a_loop(
    hostile: HostileServer, through: Through
) -> None:
    ana = await through("ana")

    def endless(request: bytes, reply: bytes) -> bytes:
        page = wire.decode(wire.DeviceList, reply)
        return wire.encode(wire.DeviceList(page.devices, bytes(24)))  # "there is more"

    hostile.replies["/v1/devices/list"] = endless
    with pytest.raises(NetworkError, match="does not end"):
        await ana.devices.list()
    assert hostile.paths.count("/v1/devices/list") == 2  # the first page, and the repeat


async def test_a_sync_slice_that_goes_backwards_is_not_followed(
    hostile: HostileServer, through: Through
) -> None:
    ana = await through("ana")
    await ana.entries.write("Personal", "Mine.")
    await ana.sync()

    def backwards(request: bytes, reply: bytes) -> bytes:
        answer = wire.decode(wire.SyncReply, reply)
        return wire.encode(wire.SyncReply(answer.pages, False, b"\x00" * 16))

    hostile.replies["/v1/sync"] = backwards
    before = hostile.paths.count("/v1/sync")
    report = await ana.sync()
    assert report.incomplete  # reported, not looped on
    assert hostile.paths.count("/v1/sync") - before <= 5
