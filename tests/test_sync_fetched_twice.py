"""Two processes of one profile fetching the same records at once (NU55 F9: a login pulling
19,000 entries while six `tj write` ran on its home told 2,998 entries as "updated", none
edited): each record arrives once, as the process that stored it first tells it; the other
tells nothing for it. Real server on loopback, two real clients (two SQLite connections) on
one home; the second is held, after it read the page's records as fresh and before it stores
them, until the first has stored them. The first is another client of this process, or a
real second process (its own SQLite, its own mapping of the store's `-shm` file, whose
header tells the held one that a commit came: without one, the held one reads nothing
again)."""

from __future__ import annotations

import asyncio
import json
import sys
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


_SYNC = """
import asyncio, json, sys
from client_sdk import Client

async def main() -> None:
    client = await Client.open(sys.argv[1])
    try:
        report = await client.sync()
    finally:
        await client.close()
    print(json.dumps([[news.kind, news.new, news.count] for news in report.news]))

asyncio.run(main())
"""

HANG = 120.0  # bounds a hang only


async def test_records_another_process_stores_meanwhile_are_told_once(
    live_server: RunningServer, signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    phone = await login("ana")
    for n in range(3):
        await laptop.entries.write(None, f"Entry {n}.")
    await laptop.sync()

    original = phone.replica._merge_writing
    told: list[list[Any]] = []

    async def after_the_other(*args: Any) -> Any:  # once: the other process goes first
        phone.replica._merge_writing = original  # type: ignore[method-assign]
        other = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _SYNC,
            str(phone.home),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(other.communicate(), HANG)
        assert other.returncode == 0, err.decode()
        told.extend(json.loads(out))
        return await original(*args)

    held: Callable[..., Awaitable[Any]] = after_the_other
    phone.replica._merge_writing = held  # type: ignore[method-assign]
    late = await phone.sync()
    assert ["entry", True, 3] in told, told
    assert [n for n in late.news if n.kind == "entry"] == [], late.news
    assert len(await phone.entries.list()) == 3
