"""An unshare long after delivery, arriving within the (stretched) sync that sent the flag."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

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


async def test_an_unshare_two_hours_after_delivery_within_the_sending_sync(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    laptop, drsmith = await signup("ana"), await signup("drsmith")
    await share_with(laptop, drsmith, role="annotate")
    await laptop.safety.set_plan(share_flags=True)
    await laptop.sync()
    tablet = await login_through(hostile, "ana", tmp_path / "tablet")
    try:
        await tablet.sync()
        taken = await tablet.measures.take("phq9", ITEM_9)
        flag_id = (await tablet.safety.respond(taken.result)).flag_id
        pushed_at = len(hostile.paths)
        done: list[bool] = []
        delivered: list[bool] = []

        async def after_the_push() -> None:
            if done or "/v1/records/push" not in hostile.paths[pushed_at:]:
                return
            done.append(True)
            await drsmith.sync()
            delivered.append(flag_id in {f.id for f in await drsmith.safety.flags()})
            shift_clock(monkeypatch, 2 * 3600 * 1000)  # the sync is stretched two hours
            await laptop.shares.revoke("Personal", "drsmith")

        hostile.holds["/v1/sync"] = after_the_push
        report = await tablet.sync()
        hostile.holds.clear()
        later = await tablet.sync()
        monkeypatch.undo()
        print("delivered:", delivered, "told:", report.undelivered_flags, later.undelivered_flags)
        assert delivered == [True]
        assert report.undelivered_flags == later.undelivered_flags == []
    finally:
        await tablet.close()
