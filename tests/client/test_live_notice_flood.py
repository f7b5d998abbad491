"""A server sending live notices back to back (every 5 ms) does not drive `watch()` to one
sync per notice (rev33d F4): notices read while a sync runs, or within WATCH_NOTICE_GAP_S of
the start of the last one a notice started, are brought by one sync after it, and none is
lost (a real change announced in the middle of the flood arrives). Real server in-process,
real crypto; the flood offered to the server's side of the device's live socket."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from client_sdk import INSECURE_TEST_COST, Client, wire
from client_sdk.client import WATCH_NOTICE_GAP_S
from tests.client.sharing_support import journal_id
from tests.client.test_live_every_notice import Offered, offered  # noqa: F401 (fixture)
from tests.conftest import PASSWORD, ClientFactory, RunningServer

FLOOD_S = 2.0


@pytest.mark.parametrize("kind", ["meta", "journal head 0", "journal meta"])
async def test_a_notice_flood_costs_a_few_syncs_and_loses_no_notice(
    kind: str,
    signup: ClientFactory,
    live_server: RunningServer,
    offered: Offered,  # noqa: F811
    tmp_path: Path,
) -> None:
    ana = await signup("ana")
    await ana.entries.write(None, "before")
    await ana.sync(strict=True)
    phone = await Client.login(
        live_server.url,
        "ana",
        PASSWORD,
        home=tmp_path / "phone",
        device_name="phone",
        minimum_cost=INSECURE_TEST_COST,
    )
    journal = await journal_id(ana, "Personal")
    reports: list[float] = []

    async def watching() -> None:
        async for _ in ana.watch():
            reports.append(time.monotonic())

    task = asyncio.create_task(watching())
    try:
        async with asyncio.timeout(10):
            while not offered or not reports:
                await asyncio.sleep(0.01)
        [socket] = list(offered)
        before, wrote = len(reports), False
        start, version = time.monotonic(), 1000
        while time.monotonic() - start < FLOOD_S:
            version += 1
            if kind == "meta":
                notice = wire.LiveNotice(wire.LIVE_META, b"", 0, meta_version=version)
            elif kind == "journal head 0":
                notice = wire.LiveNotice(wire.LIVE_JOURNAL, journal, 0)
            else:
                notice = wire.LiveNotice(wire.LIVE_JOURNAL, journal, 1, meta_version=version)
            socket.offer(wire.encode(notice))
            if not wrote and time.monotonic() - start > FLOOD_S - 0.3:
                await phone.entries.write(None, "written on the phone in the flood")
                await phone.sync(strict=True)  # its real notice comes among the flood's
                wrote = True
            await asyncio.sleep(0.005)
        syncs = len(reports) - before
        assert 1 <= syncs <= FLOOD_S / WATCH_NOTICE_GAP_S + 3, syncs  # not one per notice
        async with asyncio.timeout(10):  # the phone's entry arrives: no notice lost
            while not any(
                "written on the phone" in e.body for e in await ana.entries.list("Personal")
            ):
                await asyncio.sleep(0.05)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await phone.close()
