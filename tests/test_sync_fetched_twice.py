"""Two processes of one profile fetching the same records at once (NU55 F9: a login pulling
19,000 entries while six `tj write` ran on its home told 2,998 entries as "updated", none
edited): each record arrives once, as the process that stored it first tells it; the other
tells nothing for it. Real server on loopback, two real clients (two SQLite connections) on
one home; the second is held, after it read the page's records as fresh and before it stores
them, until the first has stored them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from client_sdk import Client
from client_sdk.sync import SyncReport
from tests.conftest import ClientFactory, RunningServer


async def test_records_two_processes_fetch_at_once_are_told_once(
    live_server: RunningServer, signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    first = await login("ana")  # the phone
    second = await Client.open(first.home)
    try:
        for n in range(3):
            await laptop.entries.write(None, f"Entry {n}.")
        await laptop.sync()

        original = second.replica._merge_writing
        reports: list[SyncReport] = []

        async def after_the_other(*args: Any) -> Any:  # once: the other process goes first
            second.replica._merge_writing = original  # type: ignore[method-assign]
            reports.append(await first.sync())
            return await original(*args)

        held: Callable[..., Awaitable[Any]] = after_the_other
        second.replica._merge_writing = held  # type: ignore[method-assign]
        late = await second.sync()
        [early] = reports
    finally:
        await second.close()
    told = {(n.kind, n.new): n.count for n in early.news}
    assert told.get(("entry", True)) == 3, early.news
    assert [n for n in late.news if n.kind == "entry"] == [], late.news
    assert len(await first.entries.list()) == 3
