"""A flag never judged before JUDGED_FOR_MS passes."""

from __future__ import annotations

import pytest

from client_sdk.safety import JUDGED_FOR_MS
from tests.client.flag_judging import opted_in, seal_flag, shift_clock
from tests.conftest import ClientFactory


@pytest.mark.parametrize("later_days", [0, 31])
async def test_a_flag_whose_first_judgement_comes_a_month_late_is_still_judged(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch, later_days: int
) -> None:
    """The flag leaves outside a completed sync (push only: `Client.watch`, a cut sync); the
    laptop unshares 5 min later (within CLOCK_SKEW_MS: told "may NOT" when the next sync comes
    at once). The tablet's next completed sync comes `later_days` later."""
    laptop, tablet, drsmith = await opted_in(signup, login)
    flag_id = await seal_flag(tablet)
    await tablet.replica.push_outbox()
    shift_clock(monkeypatch, 5 * 60 * 1000)
    await laptop.shares.revoke("Personal", "drsmith")
    monkeypatch.undo()
    shift_clock(monkeypatch, later_days * 24 * 3600 * 1000 + 5 * 60 * 1000)
    report = await tablet.sync()
    monkeypatch.undo()
    print("days", later_days, "told:", report.undelivered_flags, JUDGED_FOR_MS)
    assert [u.flag_id for u in report.undelivered_flags] == [flag_id]
    [mine] = [f for f in await tablet.safety.flags() if f.id == flag_id]
    assert mine.not_delivered == ("drsmith",)


async def test_a_flag_sealed_after_the_unshare_and_judged_a_month_late_was_not_delivered(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The laptop unshares; the tablet, not knowing, seals a flag an hour later and pushes it
    outside a completed sync; its first completed sync comes 31 days (over JUDGED_FOR_MS)
    after the push: the flag is judged all the same, "was NOT delivered" (the end more than
    CLOCK_SKEW_MS before its first push)."""
    laptop, tablet, drsmith = await opted_in(signup, login)
    await laptop.shares.revoke("Personal", "drsmith")
    shift_clock(monkeypatch, 3600 * 1000)
    flag_id = await seal_flag(tablet)
    await tablet.replica.push_outbox()
    monkeypatch.undo()
    shift_clock(monkeypatch, 31 * 24 * 3600 * 1000 + 3600 * 1000)
    report = await tablet.sync()
    later = await tablet.sync()
    monkeypatch.undo()
    [told] = report.undelivered_flags
    assert (told.flag_id, told.members, told.surely) == (flag_id, ("drsmith",), True)
    assert "was NOT delivered to drsmith" in " ".join(report.lines())
    assert later.undelivered_flags == []  # told once
    [mine] = [f for f in await tablet.safety.flags() if f.id == flag_id]
    assert mine.not_delivered == ("drsmith",)
