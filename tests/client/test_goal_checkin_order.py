"""Check-ins made one after the other through `client.goals.checkin` read in the order made,
also when the clock reads the same millisecond for both (a fast machine) or stepped back a
little between them: the rule (`goals.checkin_update`, `documents.dated_after`) must be the
one the SDK applies, not only the pure function's. Before, `Goals.checkin` always passed its
clock's time as the check-in's date, so the rule never ran: two check-ins in one millisecond
read in the order of their random ids (test_nu27_sdk_fixes's "80 then 100 percent" read 80,
test_checkin_edits's "first" check-in was the second about 1 run in 30). Real server on
loopback, real crypto, two devices."""

from __future__ import annotations

from datetime import timedelta

import pytest

import client_sdk.goal_tracking
from client_sdk.models import to_datetime
from tests.conftest import ClientFactory

CHECKINS = 10


async def test_check_ins_in_one_millisecond_read_in_the_order_made_on_every_device(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The clock stands still: without the rule, ten check-ins read in write order by chance
    1 time in 10! (3.6 million)."""
    laptop = await signup("ana")
    phone = await login("ana")
    goal = await laptop.goals.add("Say no", measure="percent")
    still = client_sdk.goal_tracking.now_ms()
    monkeypatch.setattr(client_sdk.goal_tracking, "now_ms", lambda: still)
    made = []
    for n in range(1, CHECKINS + 1):
        goal = await laptop.goals.checkin(goal.id, progress=10 * n)
        made.append(goal.checkins[-1].id)
        assert (goal.progress, goal.reached) == (10 * n, n == CHECKINS)  # the latest made
    assert [c.id for c in goal.checkins] == made
    assert [c.at for c in goal.checkins] == [to_datetime(still + n) for n in range(CHECKINS)]
    assert (await laptop.goals.get_checkin(goal.id)).id == made[-1]
    await laptop.sync()
    await phone.sync()
    seen = await phone.goals.get(goal.id)
    assert ([c.id for c in seen.checkins], seen.progress) == (made, 100)
    # the next one, made on the other device in the same millisecond, comes after them all
    after = await phone.goals.checkin(goal.id, progress=70)
    assert (after.checkins[-1].at, after.progress) == (to_datetime(still + CHECKINS), 70)
    # a check-in dated by its writer (`at=`) keeps that date
    earlier = to_datetime(still) - timedelta(minutes=5)
    dated = await phone.goals.checkin(goal.id, progress=5, at=earlier)
    assert (dated.checkins[0].at, dated.checkins[0].progress, dated.progress) == (earlier, 5, 70)


async def test_a_check_in_after_a_clock_stepped_back_a_little_reads_as_the_latest(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The clock steps back 0.8 s between two check-ins (NTP): without the rule the second is
    dated before the first, every run, and the goal reads the first's 80 percent."""
    ana = await signup("ana")
    goal = await ana.goals.add("Read the workbook", measure="percent")
    start = client_sdk.goal_tracking.now_ms()
    clock = iter([start, start - 800])
    monkeypatch.setattr(client_sdk.goal_tracking, "now_ms", lambda: next(clock))
    first = (await ana.goals.checkin(goal.id, progress=80)).checkins[-1]
    goal = await ana.goals.checkin(goal.id, progress=100)
    assert [c.id for c in goal.checkins][0] == first.id
    assert (goal.progress, goal.reached) == (100, True)
    assert goal.checkins[-1].at == to_datetime(start + 1)
