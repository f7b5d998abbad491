"""A member's record the server accepted before the share ended, pulled by the owner's device
only after the end (NU22 C17)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from client_sdk import Client
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory, RunningServer

DAY_MS = 24 * 3600 * 1000


def move_clocks(live_server: RunningServer, monkeypatch: pytest.MonkeyPatch, ms: int) -> int:
    live_server.clock.now += ms
    later = live_server.clock.now
    for module in ("client_sdk.replica", "client_sdk.sharing"):
        monkeypatch.setattr(f"{module}.now_ms", lambda: later)
    return later


async def shared_until_tomorrow(signup: ClientFactory) -> tuple[Client, Client]:
    ana, tom = await signup("ana"), await signup("tom")
    await ana.entries.write("Personal", "Before the end date.")
    await share_with(
        ana, tom, role="annotate", until=datetime.now().astimezone() + timedelta(days=1)
    )
    await tom.sync()
    return ana, tom


async def test_repro(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana, tom = await shared_until_tomorrow(signup)
    await tom.notes.add("ana/Personal", "Here is the crisis number for the holidays.")
    await tom.sync()
    move_clocks(live_server, monkeypatch, 2 * DAY_MS)
    report = await ana.sync()
    print(report.to_dict())
    report = await ana.sync()
    print(report.to_dict())
    print([n.text for n in await ana.notes.list()])
    print(await tom.sync())
    print([(n.text, n.delivered) for n in await tom.notes.list()])
