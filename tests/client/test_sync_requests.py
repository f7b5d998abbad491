"""How many requests a sync makes (issue 10): a sync with nothing new is one `/v1/sync`, and
so is a sync that brings this account's own records from another device once the device
names are kept; the kept names are listed again when a device is new to them, renamed or
signed out here, or older than `Devices.names_max_age_ms` (devices.NAMES_MAX_AGE_MS)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from client_sdk import INSECURE_TEST_COST, Client
from tests.client.recording_proxy import RecordingProxy, recording_proxy
from tests.conftest import PASSWORD, ClientFactory, RunningServer


async def phone_through(proxy: RecordingProxy, home: Path) -> Client:
    return await Client.login(
        proxy.url, "ana", PASSWORD, home=home, device_name="phone", minimum_cost=INSECURE_TEST_COST
    )


def sources(report: object) -> set[str]:
    return {news.source for news in report.news}  # type: ignore[attr-defined]


async def test_no_op_syncs_are_one_request_each_and_write_nothing(
    live_server: RunningServer, signup: ClientFactory, tmp_path: Path
) -> None:
    laptop = await signup("ana")
    await laptop.entries.write(None, "first")
    await laptop.sync()
    async with recording_proxy(live_server.url) as proxy:
        phone = await phone_through(proxy, tmp_path / "phone")
        try:
            await phone.sync()
            version = await phone.store.version()
            proxy.requests.clear()
            before = time.time() - 0.001
            for _ in range(3):
                report = await phone.sync()
                assert (report.pushed, report.pulled, report.news) == (0, 0, [])
            assert proxy.paths() == ["/v1/sync"] * 3
            assert await phone.store.version() == version  # no row written
            # A write after quiet syncs is pushed by the next one.
            await phone.entries.write(None, "from the phone")
            assert (await phone.sync()).pushed == 1
            assert (await laptop.sync()).pulled == 1
            # The time of the last one is still known, and kept by close().
            last = await phone.last_synced()
            assert last is not None and last.timestamp() >= before
        finally:
            await phone.close()
        phone = await Client.open(tmp_path / "phone")
        try:
            assert await phone.last_synced() == last
        finally:
            await phone.close()


async def test_own_records_from_another_device_are_named_without_listing_devices_again(
    live_server: RunningServer, signup: ClientFactory, login: ClientFactory, tmp_path: Path
) -> None:
    laptop = await signup("ana", device="laptop")
    await laptop.entries.write(None, "first")
    await laptop.sync()
    async with recording_proxy(live_server.url) as proxy:
        phone = await phone_through(proxy, tmp_path / "phone")
        try:
            proxy.requests.clear()
            report = await phone.sync()  # names not kept yet: listed once
            assert sources(report) == {"laptop"}
            assert proxy.paths().count("/v1/devices/list") == 1

            await laptop.entries.write(None, "second")
            await laptop.sync()
            proxy.requests.clear()
            report = await phone.sync()
            assert sources(report) == {"laptop"}
            assert proxy.paths() == ["/v1/sync"]
        finally:
            await phone.close()

        # Kept on the device: another process (a later `tj sync`) does not list them again.
        phone = await Client.open(tmp_path / "phone")
        try:
            await laptop.entries.write(None, "third")
            await laptop.sync()
            proxy.requests.clear()
            report = await phone.sync()
            assert sources(report) == {"laptop"}
            assert proxy.paths() == ["/v1/sync"]

            # A device new to the kept names: listed again, and named.
            tablet = await login("ana", device="tablet")
            await tablet.entries.write(None, "from the tablet")
            await tablet.sync()
            proxy.requests.clear()
            report = await phone.sync()
            assert sources(report) == {"tablet"}
            assert proxy.paths() == ["/v1/sync", "/v1/devices/list"]

            # Renamed here: the next sync that names it lists the devices again.
            await phone.devices.rename(laptop.profile.device_id.hex(), "old laptop")
            await laptop.entries.write(None, "fourth")
            await laptop.sync()
            proxy.requests.clear()
            report = await phone.sync()
            assert sources(report) == {"old laptop"}
            assert proxy.paths() == ["/v1/sync", "/v1/devices/list"]

            # Signed out here: its earlier records are from "tablet, signed out since" (its
            # name as last listed), and a device listed without it is not listed again for it.
            await tablet.entries.write(None, "before the tablet is signed out")
            await tablet.sync()
            await phone.devices.revoke(tablet.profile.device_id.hex())
            proxy.requests.clear()
            report = await phone.sync()
            assert sources(report) == {"tablet, signed out since"}
            assert proxy.paths() == ["/v1/sync", "/v1/devices/list"]
        finally:
            await phone.close()


async def test_kept_device_names_are_listed_again_once_they_are_old(
    live_server: RunningServer,
    signup: ClientFactory,
    tmp_path: Path,
) -> None:
    laptop = await signup("ana", device="laptop")
    await laptop.entries.write(None, "first")
    await laptop.sync()
    async with recording_proxy(live_server.url) as proxy:
        phone = await phone_through(proxy, tmp_path / "phone")
        try:
            await phone.sync()
            # Renamed on another device: the phone cannot know until it lists again.
            await laptop.devices.rename(None, "work laptop")
            await laptop.entries.write(None, "second")
            await laptop.sync()
            report = await phone.sync()
            assert sources(report) == {"laptop"}
            phone.devices.names_max_age_ms = 0  # kept names too old now (as `tj sync` sets)
            await laptop.entries.write(None, "third")
            await laptop.sync()
            proxy.requests.clear()
            report = await phone.sync()
            assert sources(report) == {"work laptop"}
            assert proxy.paths() == ["/v1/sync", "/v1/devices/list"]
        finally:
            await phone.close()


async def test_a_long_pull_asks_ahead_only_for_the_pages_it_then_applies(
    live_server: RunningServer,
    signup: ClientFactory,
    login: ClientFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # issue 10: the next /v1/sync request is sent while a page is verified and stored; every
    # request sent is the one that follows the reply before it, and everything arrives.
    from client_sdk import replica, wire

    laptop = await signup("ana")
    for i in range(14):
        await laptop.entries.write(None, f"entry {i}")
    await laptop.sync()
    monkeypatch.setattr(replica, "PULL_PAGE", 3)
    taken: list[bool] = []
    take = replica._Ahead.take

    def counting_take(self: replica._Ahead, request: wire.SyncRequest) -> object:
        sent = take(self, request)
        taken.append(sent is not None)
        return sent

    monkeypatch.setattr(replica._Ahead, "take", counting_take)
    phone = await login("ana")
    calls: list[tuple[wire.SyncRequest, asyncio.Future[wire.SyncReply]]] = []
    call = phone.transport.call

    async def recording_call(path: str, message: object, *args: object, **kw: object) -> object:
        reply = asyncio.ensure_future(call(path, message, *args, **kw))  # type: ignore[arg-type]
        if path == "/v1/sync":
            calls.append((message, reply))  # type: ignore[arg-type]
        return await reply

    monkeypatch.setattr(phone.transport, "call", recording_call)
    report = await phone.sync()

    assert report.problems == [] and report.incomplete == []
    assert {e.body for e in await phone.entries.list()} == {f"entry {i}" for i in range(14)}
    assert any(taken), "no request was sent ahead"
    for (_, before), (after, _) in zip(calls, calls[1:], strict=False):
        cursors = {page.journal_id: page.cursor for page in before.result().pages}
        asked = {c.journal_id: c.after for c in after.cursors}
        assert all(asked[j] == cursor for j, cursor in cursors.items() if j in asked)
    assert calls[-1][1].result().done  # the last request is the pull's last


async def test_a_bulk_pull_asks_two_requests_ahead_from_its_first_reply_and_uses_them_all(
    live_server: RunningServer,
    signup: ClientFactory,
    login: ClientFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # issue 10: in a bulk pull (pages of VERIFY_AHEAD_MIN records or more) the request after
    # the next one is sent too while a page applies, and the next one from the first reply
    # on; each is the request that follows the reply before it, and the pull uses them all.
    from client_sdk import replica, wire

    laptop = await signup("ana")
    for i in range(20):
        await laptop.entries.write(None, f"entry {i}")
    await laptop.sync()
    monkeypatch.setattr(replica, "PULL_PAGE", 3)
    monkeypatch.setattr(replica, "VERIFY_AHEAD_MIN", 3)
    sent: list[wire.SyncRequest] = []
    after_next: list[wire.SyncRequest] = []
    taken: list[wire.SyncRequest] = []
    send, send_after, take = replica._Ahead.send, replica._Ahead.send_after, replica._Ahead.take

    def noting_send(self: replica._Ahead, request: wire.SyncRequest, call: object) -> None:
        sent.append(request)
        send(self, request, call)  # type: ignore[arg-type]

    def noting_send_after(self: replica._Ahead, request: wire.SyncRequest, call: object) -> None:
        after_next.append(request)
        send_after(self, request, call)  # type: ignore[arg-type]

    def noting_take(self: replica._Ahead, request: wire.SyncRequest) -> object:
        task = take(self, request)
        if task is not None:
            taken.append(request)
        return task

    monkeypatch.setattr(replica._Ahead, "send", noting_send)
    monkeypatch.setattr(replica._Ahead, "send_after", noting_send_after)
    monkeypatch.setattr(replica._Ahead, "take", noting_take)
    phone = await login("ana")
    calls: list[tuple[wire.SyncRequest, asyncio.Future[wire.SyncReply]]] = []
    call = phone.transport.call

    async def recording_call(path: str, message: object, *args: object, **kw: object) -> object:
        reply = asyncio.ensure_future(call(path, message, *args, **kw))  # type: ignore[arg-type]
        if path == "/v1/sync":
            calls.append((message, reply))  # type: ignore[arg-type]
        return await reply

    monkeypatch.setattr(phone.transport, "call", recording_call)
    report = await phone.sync()

    assert report.problems == [] and report.incomplete == []
    assert {e.body for e in await phone.entries.list()} == {f"entry {i}" for i in range(20)}
    requests = [request for request, _ in calls]
    assert sent[0] == requests[1]  # asked ahead from the first reply
    assert len(after_next) >= 2 and all(r in taken for r in after_next)  # each one is used
    assert all(r in taken for r in sent)
    assert len(requests) == len({repr(r) for r in requests})  # none asked twice
    for (_, before), (following, _) in zip(calls, calls[1:], strict=False):
        cursors = {page.journal_id: page.cursor for page in before.result().pages}
        asked = {c.journal_id: c.after for c in following.cursors}
        assert all(asked[j] == cursor for j, cursor in cursors.items() if j in asked)
    assert calls[-1][1].result().done  # the last request is the pull's last


async def test_a_device_whose_name_did_not_arrive_is_not_said_to_be_signed_out(
    live_server: RunningServer, signup: ClientFactory, tmp_path: Path
) -> None:
    """NU38 N6: when the device list does not come (a slow or failing server), the entries of
    a device still signed in are from "another device (ID)", not "a device signed out
    since"; once the list comes, the device is named."""
    laptop = await signup("ana")
    await laptop.entries.write(None, "from the laptop")
    await laptop.sync()
    async with recording_proxy(live_server.url) as proxy:
        proxy.replies["/v1/devices/list"] = (503, b"")
        phone = await phone_through(proxy, tmp_path / "phone")
        try:
            report = await phone.sync()
            laptop_id = laptop.profile.device_id.hex()[:12]
            assert sources(report) == {f"another device ({laptop_id})"}
            del proxy.replies["/v1/devices/list"]
            await laptop.entries.write(None, "again")
            await laptop.sync()
            assert sources(await phone.sync()) == {"laptop"}
        finally:
            await phone.close()
