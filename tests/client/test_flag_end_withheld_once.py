"""Re-judging a kept flag (hostile server, real server on loopback, real crypto)."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest

from client_sdk import wire
from tests.client.hostile import HostileServer, hostile, login_through  # noqa: F401
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory

ITEM_9 = [1, 1, 1, 1, 1, 1, 1, 1, 2]
MODULES = (
    "access",
    "client",
    "context",
    "replica",
    "shares",
    "sharing",
    "safety_path",
    "models",
    "pushing",
    "safety",
    "journals",
)


def shift_clock(monkeypatch: pytest.MonkeyPatch, by_ms: int) -> None:
    def shifted() -> int:
        return int(time.time() * 1000) + by_ms

    for module in MODULES:
        monkeypatch.setattr(f"client_sdk.{module}.now_ms", shifted, raising=False)


def current_epoch(body: bytes) -> bytes:
    asked = wire.decode(wire.PushRequest, body)
    records = [replace(r, epoch=r.epoch + 1) for r in asked.records]
    return wire.encode(replace(asked, records=records))


async def test_an_end_withheld_from_the_first_judgement_within_the_skew_is_still_told(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The laptop (clock 10 min ahead, within CLOCK_SKEW_MS) unshares drsmith BEFORE the
    tablet seals and sends a flag: the flag never reaches him. The server serves the tablet's
    sending sync the chain from before the unshare, then the real one."""
    laptop, drsmith = await signup("ana"), await signup("drsmith")
    await share_with(laptop, drsmith, role="annotate")
    await laptop.safety.set_plan(share_flags=True)
    await laptop.sync()
    tablet = await login_through(hostile, "ana", tmp_path / "tablet")
    try:
        await tablet.sync()
        old = {p: hostile.replies_to(p)[-1] for p in ("/v1/journals/list", "/v1/journals/access")}
        shift_clock(monkeypatch, 10 * 60 * 1000)
        await laptop.shares.revoke("Personal", "drsmith")
        monkeypatch.undo()
        for path, reply in old.items():
            hostile.replies[path] = lambda body, real, reply=reply: reply
        hostile.requests["/v1/records/push"] = current_epoch
        taken = await tablet.measures.take("phq9", ITEM_9)
        flag_id = (await tablet.safety.respond(taken.result)).flag_id
        stale = await tablet.sync()
        assert not await tablet.safety.waiting(flag_id)
        hostile.replies.clear()
        hostile.requests.clear()
        fresh = await tablet.sync()
        again = await tablet.sync()
        await drsmith.sync()
        assert flag_id not in {f.id for f in await drsmith.safety.flags()}  # never delivered
        told = stale.undelivered_flags + fresh.undelivered_flags + again.undelivered_flags
        print("told:", told)
        assert [u.flag_id for u in told] == [flag_id]
    finally:
        await tablet.close()


async def test_control_same_scenario_served_honestly_is_told(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Control: the same unshare (laptop 10 min ahead) served honestly is told."""
    laptop, drsmith = await signup("ana"), await signup("drsmith")
    await share_with(laptop, drsmith, role="annotate")
    await laptop.safety.set_plan(share_flags=True)
    await laptop.sync()
    tablet = await login_through(hostile, "ana", tmp_path / "tablet")
    try:
        await tablet.sync()
        shift_clock(monkeypatch, 10 * 60 * 1000)
        await laptop.shares.revoke("Personal", "drsmith")
        monkeypatch.undo()
        taken = await tablet.measures.take("phq9", ITEM_9)
        flag_id = (await tablet.safety.respond(taken.result)).flag_id
        report = await tablet.sync()
        print("told:", report.undelivered_flags)
        assert [u.flag_id for u in report.undelivered_flags] == [flag_id]
    finally:
        await tablet.close()


async def test_an_unshare_while_the_flag_is_being_pushed_withheld_once_is_still_told(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Honest clocks: the laptop revokes drsmith while the tablet's push of the flag is held
    (after the tablet's sync began, before the flag reached the server): never delivered. The
    server serves that sync the chain from before the unshare, then the real one."""
    laptop, drsmith = await signup("ana"), await signup("drsmith")
    await share_with(laptop, drsmith, role="annotate")
    await laptop.safety.set_plan(share_flags=True)
    await laptop.sync()
    tablet = await login_through(hostile, "ana", tmp_path / "tablet")
    try:
        await tablet.sync()
        old = {p: hostile.replies_to(p)[-1] for p in ("/v1/journals/list", "/v1/journals/access")}
        for path, reply in old.items():
            hostile.replies[path] = lambda body, real, reply=reply: reply
        hostile.requests["/v1/records/push"] = current_epoch
        revoked: list[bool] = []

        async def revoke_meanwhile() -> None:
            if not revoked:
                revoked.append(True)
                await laptop.shares.revoke("Personal", "drsmith")

        hostile.holds["/v1/records/push"] = revoke_meanwhile
        taken = await tablet.measures.take("phq9", ITEM_9)
        flag_id = (await tablet.safety.respond(taken.result)).flag_id
        stale = await tablet.sync()
        assert not await tablet.safety.waiting(flag_id)
        hostile.replies.clear()
        hostile.requests.clear()
        hostile.holds.clear()
        fresh = await tablet.sync()
        again = await tablet.sync()
        await drsmith.sync()
        assert flag_id not in {f.id for f in await drsmith.safety.flags()}  # never delivered
        told = stale.undelivered_flags + fresh.undelivered_flags + again.undelivered_flags
        print("told:", told)
        assert [u.flag_id for u in told] == [flag_id]
    finally:
        await tablet.close()


async def test_control_an_unshare_while_the_flag_is_being_pushed_served_honestly(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    laptop, drsmith = await signup("ana"), await signup("drsmith")
    await share_with(laptop, drsmith, role="annotate")
    await laptop.safety.set_plan(share_flags=True)
    await laptop.sync()
    tablet = await login_through(hostile, "ana", tmp_path / "tablet")
    try:
        await tablet.sync()
        revoked: list[bool] = []

        async def revoke_meanwhile() -> None:
            if not revoked:
                revoked.append(True)
                await laptop.shares.revoke("Personal", "drsmith")

        hostile.holds["/v1/records/push"] = revoke_meanwhile
        taken = await tablet.measures.take("phq9", ITEM_9)
        flag_id = (await tablet.safety.respond(taken.result)).flag_id
        first = await tablet.sync()
        hostile.holds.clear()
        second = await tablet.sync()
        await drsmith.sync()
        assert flag_id not in {f.id for f in await drsmith.safety.flags()}  # never delivered
        told = first.undelivered_flags + second.undelivered_flags
        print("told:", told)
        assert [u.flag_id for u in told] == [flag_id]
    finally:
        await tablet.close()
