"""A sync that judges a flag "may NOT have been delivered" records that it told it only
once its report is handed: a sync cut off after the judgement (here while it looks for new
sign-ins, a request a command's quick sync may never see answered) tells nothing, so the
next completed sync says it (real server on loopback behind a proxy, real crypto)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.client.flag_judging import opted_in_through, seal_flag
from tests.client.hostile import HostileServer, hostile  # noqa: F401 (fixture)
from tests.conftest import ClientFactory


async def test_a_judgement_cut_off_before_its_report_is_told_by_the_next_sync(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    laptop, tablet, drsmith = await opted_in_through(signup, hostile, tmp_path / "tablet")
    try:
        flag_id = await seal_flag(tablet)  # not synced: "offline"
        await laptop.shares.revoke("Personal", "drsmith")
        held, release = asyncio.Event(), asyncio.Event()

        async def hold() -> None:
            held.set()
            await release.wait()

        hostile.holds["/v1/account/sign-ins"] = hold
        tablet.devices.look_soon()  # the sync looks for new sign-ins after judging
        cut = asyncio.create_task(tablet.sync())
        await held.wait()
        cut.cancel()  # a quick sync's time limit: its report never reaches the client
        await asyncio.wait([cut])
        assert cut.cancelled()
        del hostile.holds["/v1/account/sign-ins"]
        release.set()

        report = await tablet.sync()
        [told] = report.undelivered_flags
        assert (told.flag_id, told.members, told.surely) == (flag_id, ("drsmith",), False)
        assert "may NOT have been delivered to drsmith" in " ".join(report.lines())
        assert (await tablet.sync()).undelivered_flags == []  # told once
        [mine] = [f for f in await tablet.safety.flags() if f.id == flag_id]
        assert mine.not_delivered == ("drsmith",)
    finally:
        await tablet.close()
