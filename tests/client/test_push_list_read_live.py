"""A push reads the journal list first (rev30a F2) unless the live channel has told it that
nothing changed since the last read (issue 10: the live round).

While a device's live channel has stayed open since its last read of the journal list,
its socket's hello said `calls` (a server that sends meta notices), and it read no notice
that may change the list or a chain (a `meta` one: every rotation gets one), a push sends
no `/v1/journals/list`. A meta notice, a reconnection or a server from before calls makes
the next push read it again. Real server on 127.0.0.1 behind a proxy that relays the live
socket (tests/client/test_live_calls.py), real crypto."""

from __future__ import annotations

import asyncio
from pathlib import Path

from client_sdk import INSECURE_TEST_COST, Client
from tests.client.sharing_support import journal_id, share_with
from tests.client.test_live_calls import HANG, Live, live_proxy, phone_live
from tests.client.test_withheld_rotation import coach_key, keep_pushes, opened_with
from tests.conftest import PASSWORD, ClientFactory, RunningServer

LIST = "/v1/journals/list"
PUSH = "/v1/records/push"


async def told(live: Live, count: int) -> None:
    """Wait until `live` has read `count` meta notices in all."""
    async with asyncio.timeout(HANG):
        while sum(notice.meta for notice in live.notices) < count:
            await asyncio.sleep(0.01)


async def test_a_push_while_the_live_channel_announced_nothing_reads_no_journal_list(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    laptop = await signup("ana")
    async with live_proxy(live_server) as proxy, phone_live(proxy, tmp_path) as (phone, _):
        await phone.entries.write(None, "The first push reads the list")
        proxy.posts.paths.clear()
        await phone.sync()
        paths = proxy.posts.paths
        assert paths.index(LIST) < paths.index(PUSH), paths
        for day in ("Monday", "Tuesday"):
            await phone.entries.write(None, day)
            proxy.posts.paths.clear()
            report = await phone.sync()
            assert report.pushed == 1 and report.problems == []
            assert PUSH in proxy.posts.paths and LIST not in proxy.posts.paths, proxy.posts.paths
        await laptop.sync()
        assert {e.body for e in await laptop.entries.list()} >= {"Monday", "Tuesday"}


async def test_a_removal_announced_on_the_live_channel_makes_the_next_push_read_the_list(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    """ana's laptop removes coach while her phone keeps its live channel open: the meta
    notice makes the phone's next push read the journal list first, and the entry she then
    writes there goes under the laptop's new key: coach's key opens nothing (rev30a F2 with
    the live channel open)."""
    laptop, coach = await signup("ana"), await signup("coach")
    await share_with(laptop, coach, role="read")
    await laptop.sync()
    await coach.sync()
    personal = await journal_id(laptop, "Personal")
    key = await coach_key(coach)
    async with live_proxy(live_server) as proxy, phone_live(proxy, tmp_path) as (phone, live):
        await phone.entries.write("Personal", "Before the removal")
        await phone.sync()  # reads the list: the mark the next pushes count from
        metas = sum(notice.meta for notice in live.notices)
        await laptop.shares.revoke("Personal", "coach")
        await told(live, metas + 1)
        await phone.entries.write("Personal", "Written after coach was removed.")
        pushed = keep_pushes(proxy.posts)
        proxy.posts.paths.clear()
        report = await phone.sync()
        paths = proxy.posts.paths
        assert paths.index(LIST) < paths.index(PUSH), paths
        assert pushed and opened_with(key, personal, pushed, phone) == []
        assert report.problems == [], report.problems
    await laptop.sync()
    assert "Written after coach was removed." in [
        e.body for e in await laptop.entries.list("Personal")
    ]


async def test_a_reconnected_live_channel_makes_the_next_push_read_the_list(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    """A notice may have been lost while the socket was down: after a reconnection (a new
    socket) the next push reads the journal list, and so does a push while it is closed."""
    await signup("ana")
    async with live_proxy(live_server) as proxy, phone_live(proxy, tmp_path) as (phone, live):
        await phone.entries.write(None, "The first push reads the list")
        await phone.sync()
        await live.stop()
        await phone.entries.write(None, "Written with the channel closed")
        proxy.posts.paths.clear()
        await phone.sync()
        assert proxy.posts.paths.count(LIST) == 1, proxy.posts.paths
        again = Live(phone)
        try:
            await again.open()
            await phone.entries.write(None, "Written after it reconnected")
            proxy.posts.paths.clear()
            await phone.sync()
            paths = proxy.posts.paths
            assert paths.index(LIST) < paths.index(PUSH), paths
            await phone.entries.write(None, "Written once the list was read on it")
            proxy.posts.paths.clear()
            await phone.sync()
            assert LIST not in proxy.posts.paths, proxy.posts.paths
        finally:
            await again.stop()


async def test_a_server_from_before_calls_has_every_push_read_the_list(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    """A hello that does not say `calls` may be from a server before meta notices, which
    changes a chain without a notice: its silence tells nothing, and every push reads the
    journal list first."""
    await signup("ana")
    async with live_proxy(live_server) as proxy:
        proxy.old_server = True
        phone = await Client.login(
            proxy.url,
            "ana",
            PASSWORD,
            home=tmp_path / "phone-before-calls",
            device_name="phone",
            minimum_cost=INSECURE_TEST_COST,
        )
        live = Live(phone)
        try:
            async with asyncio.timeout(HANG):
                while not any(notice.connected for notice in live.notices):
                    await asyncio.sleep(0.01)
            for day in ("Monday", "Tuesday"):
                await phone.entries.write(None, day)
                proxy.posts.paths.clear()
                await phone.sync()
                paths = proxy.posts.paths
                assert paths.index(LIST) < paths.index(PUSH), paths
        finally:
            await live.stop()
            await phone.close()
