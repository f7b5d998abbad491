"""When a safety flag is told "not delivered" (`SyncReport.undelivered_flags`,
`SafetyFlag.not_delivered`): only for an end the owner signed before the flag left, or within
CLOCK_SKEW_MS of it, as this device saw it leave (never for an unshare hours after a flag the
member downloaded); "was NOT delivered" (`surely`) only for an end more than CLOCK_SKEW_MS
before the flag left; a flag judged against a stale chain a server served is judged again
when the real chain arrives; a flag sealed by another process on the same store is judged by
a running app's sync (real server on loopback, real crypto; a hostile proxy where the server
lies)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from client_sdk import Client
from client_sdk.safety import CLOCK_SKEW_MS, FLAGS_SENT, JUDGED_FOR_MS
from tests.client.flag_judging import (
    ITEM_9,
    opted_in,
    opted_in_through,
    seal_flag,
    serve_stale_chain,
    shift_clock,
)
from tests.client.hostile import HostileServer, hostile, login_through  # noqa: F401
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory


async def test_a_flag_delivered_hours_before_the_unshare_is_not_told_lost(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The flag leaves the tablet with no sync completing (a cut sync, a killed app: here
    `push_outbox`), drsmith downloads and acknowledges it (the proof it reached him:
    rev32b F1), and two hours later the laptop unshares: the tablet's next sync tells nothing
    (the end is far past CLOCK_SKEW_MS after it left, drsmith acknowledging it)."""
    laptop, tablet, drsmith = await opted_in(signup, login)
    flag_id = await seal_flag(tablet)
    await tablet.replica.push_outbox()
    assert not await tablet.safety.waiting(flag_id)
    await drsmith.sync()
    assert flag_id in {f.id for f in await drsmith.safety.flags()}  # delivered
    await drsmith.safety.acknowledge(flag_id)  # the proof it reached him (rev32b F1)
    await drsmith.sync()
    shift_clock(monkeypatch, 2 * 3600 * 1000)  # two hours on, every device
    await laptop.shares.revoke("Personal", "drsmith")
    report = await tablet.sync()
    later = await tablet.sync()
    monkeypatch.undo()
    assert report.undelivered_flags == later.undelivered_flags == []
    [mine] = [f for f in await tablet.safety.flags() if f.id == flag_id]
    assert mine.not_delivered == ()


async def test_an_end_within_the_skew_after_a_flag_left_earlier_is_told_may_not(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bound's other side: an unshare five minutes after the flag left (within
    CLOCK_SKEW_MS: clocks differ) is told "may NOT", never "was NOT"."""
    laptop, tablet, drsmith = await opted_in(signup, login)
    flag_id = await seal_flag(tablet)
    await tablet.replica.push_outbox()
    shift_clock(monkeypatch, 5 * 60 * 1000)
    await laptop.shares.revoke("Personal", "drsmith")
    report = await tablet.sync()
    monkeypatch.undo()
    [told] = report.undelivered_flags
    assert (told.flag_id, told.members, told.surely) == (flag_id, ("drsmith",), False)


@pytest.mark.parametrize("laptop_off_min", [-10, 10])
async def test_surely_not_delivered_allows_for_the_signing_devices_clock(
    signup: ClientFactory,
    login: ClientFactory,
    monkeypatch: pytest.MonkeyPatch,
    laptop_off_min: int,
) -> None:
    """The flag is pushed and downloaded; then the laptop, whose clock is 10 minutes off
    (either way, within CLOCK_SKEW_MS), unshares: at most "may NOT have been delivered"."""
    laptop, tablet, drsmith = await opted_in(signup, login)
    flag_id = await seal_flag(tablet)
    await tablet.replica.push_outbox()
    await drsmith.sync()
    assert flag_id in {f.id for f in await drsmith.safety.flags()}  # delivered
    shift_clock(monkeypatch, laptop_off_min * 60 * 1000)
    await laptop.shares.revoke("Personal", "drsmith")
    monkeypatch.undo()
    report = await tablet.sync()
    assert all(not u.surely for u in report.undelivered_flags)
    assert [u.flag_id for u in report.undelivered_flags] == [flag_id]
    assert "was NOT delivered" not in " ".join(report.lines())


async def test_an_end_more_than_the_skew_before_the_flag_is_told_surely(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unshare signed more than CLOCK_SKEW_MS before the flag began to leave: "was NOT"."""
    laptop, tablet, drsmith = await opted_in(signup, login)
    shift_clock(monkeypatch, -(CLOCK_SKEW_MS + 5 * 60 * 1000))
    await laptop.shares.revoke("Personal", "drsmith")
    monkeypatch.undo()
    flag_id = await seal_flag(tablet)
    report = await tablet.sync()
    [told] = report.undelivered_flags
    assert (told.flag_id, told.surely) == (flag_id, True)
    assert "was NOT delivered to drsmith" in " ".join(report.lines())


async def test_a_stale_chain_served_to_the_judging_sync_does_not_silence_a_lost_flag(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The laptop unshares drsmith; the tablet then seals a flag for him. The server serves
    the tablet, for the sync that sends the flag, the journal list and access chain from
    before the unshare (a valid prefix: no device can tell it from "nothing new"). Once the
    real chain arrives, with the end signed before the flag was sealed, the flag is told."""
    laptop, tablet, drsmith = await opted_in_through(signup, hostile, tmp_path / "tablet")
    try:
        await laptop.shares.revoke("Personal", "drsmith")
        serve_stale_chain(hostile)  # the stale epoch relabelled: the tablet takes it as sent
        flag_id = await seal_flag(tablet)
        stale = await tablet.sync()
        assert not await tablet.safety.waiting(flag_id)
        hostile.replies.clear()
        hostile.requests.clear()
        fresh = await tablet.sync()
        again = await tablet.sync()
        await drsmith.sync()
        assert flag_id not in {f.id for f in await drsmith.safety.flags()}  # never delivered
        assert stale.undelivered_flags == again.undelivered_flags == []
        assert [u.flag_id for u in fresh.undelivered_flags] == [flag_id]
        [mine] = [f for f in await tablet.safety.flags() if f.id == flag_id]
        assert mine.not_delivered == ("drsmith",)
    finally:
        await tablet.close()


async def test_a_flag_sealed_by_another_process_is_judged_by_a_running_apps_sync(
    signup: ClientFactory, login: ClientFactory, tmp_path: Path
) -> None:
    """A long-running app synced with no flag to judge; the CLI, another process on the same
    store, seals a flag and exits unsynced after the laptop unshared drsmith. The app's next
    sync sends it and tells it."""
    laptop, drsmith = await signup("ana"), await signup("drsmith")
    await share_with(laptop, drsmith, role="annotate")
    await laptop.safety.set_plan(share_flags=True)
    await laptop.sync()
    app = await login("ana", "tablet")
    await app.sync()
    await app.sync()
    cli = await Client.open(tmp_path / "ana-tablet")
    taken = await cli.measures.take("phq9", ITEM_9)
    flag_id = (await cli.safety.respond(taken.result)).flag_id
    await cli.close()
    await laptop.shares.revoke("Personal", "drsmith")
    report = await app.sync()
    await drsmith.sync()
    assert flag_id not in {f.id for f in await drsmith.safety.flags()}  # never delivered
    assert not await app.safety.waiting(flag_id)  # it left in this sync
    assert [u.flag_id for u in report.undelivered_flags] == [flag_id]
    [mine] = [f for f in await app.safety.flags() if f.id == flag_id]
    assert mine.not_delivered == ("drsmith",)


async def test_a_sent_flag_is_kept_to_judge_for_a_bounded_time(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A flag judged once is kept (an end a server withheld may still arrive), then, once
    every member it was sealed for acknowledged it (or was told), dropped JUDGED_FOR_MS
    after it left: the list of flags to judge does not grow for ever; it holds past that
    only flags a current member has not acknowledged (rev32b F3:
    `test_flag_unseen_long_share.py`)."""
    laptop, tablet, drsmith = await opted_in(signup, login)
    flag_id = await seal_flag(tablet)
    assert (await tablet.sync()).undelivered_flags == []
    await tablet.sync()
    assert flag_id in json.loads(await tablet.store.setting(FLAGS_SENT))
    await drsmith.sync()
    await drsmith.safety.acknowledge(flag_id)
    await drsmith.sync()
    shift_clock(monkeypatch, JUDGED_FOR_MS + 60_000)
    report = await tablet.sync()
    monkeypatch.undo()
    assert report.undelivered_flags == []
    assert flag_id not in json.loads(await tablet.store.setting(FLAGS_SENT) or "{}")


async def test_an_unacknowledged_flag_of_a_current_share_is_kept_past_the_bound(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """drsmith holds the share and never acknowledges the flag: JUDGED_FOR_MS on it is still
    kept to judge (his share may yet end unacknowledged: rev32b F3), and once he
    acknowledges it, it is dropped."""
    laptop, tablet, drsmith = await opted_in(signup, login)
    flag_id = await seal_flag(tablet)
    assert (await tablet.sync()).undelivered_flags == []
    shift_clock(monkeypatch, JUDGED_FOR_MS + 60_000)
    assert (await tablet.sync()).undelivered_flags == []
    assert flag_id in json.loads(await tablet.store.setting(FLAGS_SENT) or "{}")
    monkeypatch.undo()
    await drsmith.sync()
    await drsmith.safety.acknowledge(flag_id)
    await drsmith.sync()
    shift_clock(monkeypatch, JUDGED_FOR_MS + 120_000)
    assert (await tablet.sync()).undelivered_flags == []
    monkeypatch.undo()
    assert flag_id not in json.loads(await tablet.store.setting(FLAGS_SENT) or "{}")
