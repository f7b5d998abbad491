"""The set-up shared by the tests that judge whether a safety flag reached a member: ana's
laptop shares "Personal" with drsmith (role annotate) with safety flags on, and a second
device of ana's (the tablet), synced once, seals the flags; a clock every SDK module reads
can be moved, and a hostile proxy can serve the tablet a stale access chain (real server on
loopback, real crypto)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from client_sdk import Client, wire
from client_sdk.results import Taken
from tests.client.hostile import HostileServer, login_through
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory

ITEM_9 = [1, 1, 1, 1, 1, 1, 1, 1, 2]  # PHQ-9 item 9 answered 2: a safety flag
CLOCKED = ("access", "client", "context", "replica", "shares", "sharing", "safety_path")
CLOCKED += ("models", "pushing", "safety", "journals")


def shift_clock(monkeypatch: pytest.MonkeyPatch, by_ms: int) -> None:
    """Every device in this process reads a clock `by_ms` off (undone by monkeypatch.undo())."""

    def shifted() -> int:
        return int(time.time() * 1000) + by_ms

    for module in CLOCKED:
        monkeypatch.setattr(f"client_sdk.{module}.now_ms", shifted, raising=False)


def past_ms(moment: datetime, by_ms: int = 500) -> int:
    """How far (ms) to `shift_clock` for the clocks to read `by_ms` past `moment` (aware)."""
    return max(0, int(moment.timestamp() * 1000) + by_ms - int(time.time() * 1000))


async def opted_in(
    signup: ClientFactory, login: ClientFactory, *device: str
) -> tuple[Client, Client, Client]:
    """ana's laptop shares with drsmith, safety flags on; ana's tablet (`login("ana",
    *device)`) synced once. (laptop, tablet, drsmith)."""
    laptop, drsmith = await signup("ana"), await signup("drsmith")
    await share_with(laptop, drsmith, role="annotate")
    await laptop.safety.set_plan(share_flags=True)
    await laptop.sync()
    tablet = await login("ana", *device)
    await tablet.sync()
    return laptop, tablet, drsmith


async def opted_in_through(
    signup: ClientFactory, hostile: HostileServer, home: Path
) -> tuple[Client, Client, Client]:
    """As `opted_in`, the tablet (home `home`) passing every request through `hostile`; the
    caller closes the tablet (closed here when its first sync fails)."""
    laptop, drsmith = await signup("ana"), await signup("drsmith")
    await share_with(laptop, drsmith, role="annotate")
    await laptop.safety.set_plan(share_flags=True)
    await laptop.sync()
    tablet = await login_through(hostile, "ana", home)
    try:
        await tablet.sync()
    except BaseException:
        await tablet.close()
        raise
    return laptop, tablet, drsmith


async def seal_flag(device: Client) -> str | None:
    """`device` takes a PHQ-9 of ITEM_9 and responds: the id of the flag that sealed."""
    taken = await device.measures.take("phq9", ITEM_9)
    return (await device.safety.respond(taken.result)).flag_id


async def flag_for_tom(
    signup: ClientFactory, through: ClientFactory
) -> tuple[Client, Client, str, Taken]:
    """ana (every request through the hostile proxy, `through`) shares "Personal" with tom
    (annotate, safety flags on) and syncs, then takes a PHQ-9 with item 9 answered 2 and
    responds: (ana, tom, the flag's id, what `measures.take` returned)."""
    ana = await through("ana")
    tom = await signup("tom")
    await share_with(ana, tom, role="annotate", safety_flags=True)
    await ana.sync()
    taken = await ana.measures.take("phq9", [0] * 8 + [2])
    flag_id = (await ana.safety.respond(taken.result)).flag_id
    assert flag_id is not None
    return ana, tom, flag_id, taken


def current_epoch(body: bytes) -> bytes:
    """A push request whose records' stale epoch is relabelled the next one, so that the real
    server stores the (opaque) records and acknowledges them: the device takes them as sent."""
    asked = wire.decode(wire.PushRequest, body)
    records = [replace(r, epoch=r.epoch + 1) for r in asked.records]
    return wire.encode(replace(asked, records=records))


def serve_stale_chain(hostile: HostileServer) -> None:
    """From now on `hostile` serves the journal list and access chain it served last (until
    `hostile.replies.clear()`), and relabels pushes sealed under the stale epoch
    (`current_epoch`, until `hostile.requests.clear()`)."""
    old = {p: hostile.replies_to(p)[-1] for p in ("/v1/journals/list", "/v1/journals/access")}
    for path, reply in old.items():
        hostile.replies[path] = lambda body, real, reply=reply: reply
    hostile.requests["/v1/records/push"] = current_epoch


def revoke_once(laptop: Client) -> Callable[[], Awaitable[None]]:
    """A hold that has `laptop` revoke drsmith's share of "Personal" the first time it runs."""
    revoked: list[bool] = []

    async def revoke_meanwhile() -> None:
        if not revoked:
            revoked.append(True)
            await laptop.shares.revoke("Personal", "drsmith")

    return revoke_meanwhile
