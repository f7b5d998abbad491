"""Which safety flags are told "not delivered" (`SyncReport.undelivered_flags`,
`SafetyFlag.not_delivered`): only a flag this device sealed and sent, judged by the first
sync that completes after it left (a sync cut off after its push leaves it to the next),
with the devices' clock skew (CLOCK_SKEW_MS) erring toward telling, and never one the member
acknowledged (real server on loopback, real crypto; a hostile proxy for the cut sync)."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp import web

from client_sdk import TJError
from client_sdk.models import now_ms
from tests.client.flag_judging import CLOCKED, opted_in, opted_in_through, seal_flag
from tests.client.hostile import HostileServer, hostile, login_through  # noqa: F401
from tests.conftest import ClientFactory

# Replies are lost or requests failed here to test what the retry does, not how long it
# waits: every client retries with QUICK_RETRY (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("quick_retries")


def clock_behind(monkeypatch: pytest.MonkeyPatch, behind_s: int) -> None:
    """Every clock of the SDK's modules `behind_s` seconds behind."""
    for module in CLOCKED:
        monkeypatch.setattr(
            f"client_sdk.{module}.now_ms", lambda: now_ms() - behind_s * 1000, raising=False
        )


@pytest.mark.parametrize(
    "behind_s",
    [60, 20 * 60],
)
async def test_a_lost_flag_is_told_when_the_sending_devices_clock_is_behind(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch, behind_s: int
) -> None:
    """The sending device's clock behind the unsharing one's: within CLOCK_SKEW_MS the end
    still counts ("may NOT"); further behind, the end looks signed more than CLOCK_SKEW_MS
    after the flag left, and counts as a later end does: drsmith never acknowledged
    the flag, so "may NOT" too (rev32a F4; it was a limit, silence)."""
    laptop, tablet, drsmith = await opted_in(signup, login)
    flag_id = await seal_flag(tablet)
    await laptop.shares.revoke("Personal", "drsmith")
    clock_behind(monkeypatch, behind_s)
    report = await tablet.sync()
    monkeypatch.undo()
    await drsmith.sync()
    assert flag_id not in {f.id for f in await drsmith.safety.flags()}  # never delivered
    [told] = report.undelivered_flags
    assert (told.flag_id, told.members, told.surely) == (flag_id, ("drsmith",), False)
    assert "may NOT have been delivered to drsmith" in " ".join(report.lines())
    [mine] = [f for f in await tablet.safety.flags() if f.id == flag_id]
    assert mine.not_delivered == ("drsmith",)


async def test_a_flag_whose_sync_failed_after_the_push_is_told_by_the_next_sync(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    laptop, tablet, drsmith = await opted_in_through(signup, hostile, tmp_path / "tablet")
    try:
        flag_id = await seal_flag(tablet)
        await laptop.shares.revoke("Personal", "drsmith")
        armed = [True]
        mark = len(hostile.exchanges)

        async def fail_after_push() -> None:
            if armed[0] and any(x[0] == "/v1/records/push" for x in hostile.exchanges[mark:]):
                raise web.HTTPServiceUnavailable()

        hostile.holds["/v1/sync"] = fail_after_push
        with pytest.raises(TJError):
            await tablet.sync()
        armed[0] = False
        assert not await tablet.safety.waiting(flag_id)  # it left: the push was stored
        report = await tablet.sync()
        await drsmith.sync()
        assert flag_id not in {f.id for f in await drsmith.safety.flags()}  # never delivered
        assert [u.flag_id for u in report.undelivered_flags] == [flag_id]
        # signed seconds before the flag left, within CLOCK_SKEW_MS: "may NOT"
        assert "may NOT have been delivered to drsmith" in " ".join(report.lines())
        [mine] = [f for f in await tablet.safety.flags() if f.id == flag_id]
        assert mine.not_delivered == ("drsmith",)
        assert (await tablet.sync()).undelivered_flags == []  # told once
    finally:
        await tablet.close()


async def test_a_flag_another_device_sent_and_the_member_acknowledged_is_never_told_lost(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop, tablet, drsmith = await opted_in(signup, login)
    phone = await login("ana", "phone3")
    await phone.sync()
    flag_id = await seal_flag(tablet)
    assert (await tablet.sync()).undelivered_flags == []  # sent while shared
    await drsmith.sync()
    await drsmith.safety.acknowledge(flag_id)
    await drsmith.sync()
    await laptop.shares.revoke("Personal", "drsmith")
    await phone.entries.write("Personal", "an entry written meanwhile")  # something to push
    report = await phone.sync()
    assert report.undelivered_flags == []
    assert "NOT delivered" not in " ".join(report.lines())
    [mine] = [f for f in await phone.safety.flags() if f.id == flag_id]
    assert [a.by for a in mine.acknowledged] == ["drsmith"] and mine.not_delivered == ()
    assert (await tablet.sync()).undelivered_flags == []  # the sender: acknowledged


async def test_a_flag_acknowledged_before_a_late_end_is_not_told_lost_by_its_sender(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    laptop, tablet, drsmith = await opted_in(signup, login)
    flag_id = await seal_flag(tablet)
    # the tablet's clock 10 minutes behind: the unshare below looks within the skew window
    monkeypatch.setattr("client_sdk.client.now_ms", lambda: now_ms() - 10 * 60 * 1000)
    await tablet.replica.push_outbox()  # the flag leaves; no sync completes yet
    await drsmith.sync()
    await drsmith.safety.acknowledge(flag_id)
    await drsmith.sync()
    await laptop.shares.revoke("Personal", "drsmith")
    report = await tablet.sync()
    monkeypatch.undo()
    assert report.undelivered_flags == []
    [mine] = [f for f in await tablet.safety.flags() if f.id == flag_id]
    assert mine.not_delivered == ()
