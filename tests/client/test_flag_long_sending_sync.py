"""An unshare long after delivery, arriving within the (stretched) sync that sent the flag."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.client.flag_judging import opted_in_through, seal_flag, shift_clock
from tests.client.hostile import HostileServer, hostile, login_through  # noqa: F401
from tests.conftest import ClientFactory


async def test_an_unshare_two_hours_after_delivery_within_the_sending_sync(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    laptop, tablet, drsmith = await opted_in_through(signup, hostile, tmp_path / "tablet")
    try:
        flag_id = await seal_flag(tablet)
        pushed_at = len(hostile.paths)
        done: list[bool] = []
        delivered: list[bool] = []

        async def after_the_push() -> None:
            if done or "/v1/records/push" not in hostile.paths[pushed_at:]:
                return
            done.append(True)
            await drsmith.sync()
            delivered.append(flag_id in {f.id for f in await drsmith.safety.flags()})
            await drsmith.safety.acknowledge(flag_id)  # the proof it reached him (rev32b F1)
            await drsmith.sync()
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
