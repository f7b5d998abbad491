"""A server whose paged list never ends (its `next` repeats) or whose sync slices go
backwards cannot keep a device asking forever: the SDK stops and says so."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from client_sdk import NetworkError, transport, wire
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


def fake_device(n: int) -> wire.Device:
    return wire.Device(n.to_bytes(16, "big"), f"made up {n}", 1, 1, 0, False)


async def test_a_list_that_trickles_one_item_a_page_is_stopped_by_what_its_items_need(
    hostile: HostileServer, through: Through
) -> None:
    """A new item a page, each with a new `next`: every page is progress, but 500 items fit
    on one page, so more than a couple of pages for a handful of items is a server
    stretching the list (transport.page_bound)."""
    ana = await through("ana")
    sent = 0

    def trickle(request: bytes, reply: bytes) -> bytes:
        nonlocal sent
        sent += 1
        return wire.encode(wire.DeviceList([fake_device(sent)], sent.to_bytes(24, "big")))

    hostile.replies["/v1/devices/list"] = trickle
    with pytest.raises(NetworkError, match="does not end"):
        await ana.devices.list()
    assert hostile.paths.count("/v1/devices/list") == transport.page_bound(1, wire.PAGE_ITEMS)


@pytest.mark.parametrize(
    ("path", "rewrite"),
    [
        ("/v1/journals/list", lambda n: wire.encode(wire.JournalList([], n.to_bytes(24, "big")))),
        ("/v1/shares/list", lambda n: wire.encode(wire.ShareList([], n.to_bytes(32, "big")))),
    ],
)
async def test_every_paged_reader_stops_at_a_page_without_a_new_item(
    hostile: HostileServer, through: Through, path: str, rewrite: Callable[[int], bytes]
) -> None:
    """The journal list (read by every sync) and the share list go through the same reader
    (Transport.pages) as the devices: a page with nothing new that is not the last ends it."""
    ana = await through("ana")
    await ana.sync()
    sent = 0

    def empty(request: bytes, reply: bytes) -> bytes:
        nonlocal sent
        sent += 1
        return rewrite(sent)

    hostile.replies[path] = empty
    before = hostile.paths.count(path)
    reader = (
        ana.replica.refresh_journals if path == "/v1/journals/list" else ana.replica.served_members
    )
    with pytest.raises(NetworkError, match="without any new item"):
        await reader()
    assert hostile.paths.count(path) - before == 1


async def test_a_page_repeating_items_already_read_is_no_progress(
    hostile: HostileServer, through: Through
) -> None:
    """The same device again on every page, each with a new `next`: nothing new, stopped at
    the second page."""
    ana = await through("ana")
    sent = 0

    def again(request: bytes, reply: bytes) -> bytes:
        nonlocal sent
        sent += 1
        page = wire.decode(wire.DeviceList, reply)
        return wire.encode(wire.DeviceList(page.devices, sent.to_bytes(24, "big")))

    hostile.replies["/v1/devices/list"] = again
    with pytest.raises(NetworkError, match="without any new item"):
        await ana.devices.list()
    assert hostile.paths.count("/v1/devices/list") == 2
