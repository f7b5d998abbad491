"""`client.goals.checkin` and `edit_checkin` with `check_only=True` (NU42 #9: an app asks its
user before a check-in of more sessions than the whole goal): the same refusals, nothing
written (real server on loopback, real crypto)."""

from __future__ import annotations

import pytest

from client_sdk import AccessError, InvalidInput, NotFound
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory


async def test_checking_a_check_in_first_refuses_as_making_it_would_and_writes_nothing(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    goal = await ana.goals.add("Walk", measure="12 sessions")
    checked = await ana.goals.checkin(goal.id, progress=50, check_only=True)
    assert (checked.id, checked.checkins, checked.measure) == (goal.id, (), goal.measure)
    assert (await ana.goals.get(goal.id)).checkins == ()
    with pytest.raises(InvalidInput, match="from 0 to 1000"):
        await ana.goals.checkin(goal.id, progress=1001, check_only=True)
    with pytest.raises(InvalidInput, match="2000 characters"):
        await ana.goals.checkin(goal.id, note="x" * 2001, check_only=True)
    with pytest.raises(NotFound):
        await ana.goals.checkin("abcdef12", progress=50, check_only=True)

    goal = await ana.goals.checkin(goal.id, progress=5)
    [first] = goal.checkins
    same = await ana.goals.edit_checkin(goal.id, first.id, progress=50, check_only=True)
    assert same.checkins == goal.checkins and same.progress == 5
    with pytest.raises(InvalidInput, match="nothing to change"):
        await ana.goals.edit_checkin(goal.id, first.id, check_only=True)
    with pytest.raises(NotFound):
        await ana.goals.edit_checkin(goal.id, "abcdef12", progress=50, check_only=True)
    assert (await ana.goals.get(goal.id)).checkins == goal.checkins


async def test_checking_a_check_in_on_a_goal_only_read_is_refused(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    drsmith = await signup("drsmith")
    goal = await ana.goals.add("Walk", measure="12 sessions")
    await share_with(ana, drsmith, role="read")
    await drsmith.sync()
    with pytest.raises(AccessError):
        await drsmith.goals.checkin(goal.id, progress=50, check_only=True)
