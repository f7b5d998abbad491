"""Two programs at once on one device (one home open in two clients): what one writes is
never reported by the other's sync as having come from another device (real server on
loopback, real crypto)."""

from __future__ import annotations

from pathlib import Path

from client_sdk import Change, Client
from tests.conftest import ClientFactory


async def test_a_check_in_of_another_client_of_this_home_is_no_arrival_in_either_sync(
    signup: ClientFactory, login: ClientFactory, tmp_path: Path
) -> None:
    laptop = await signup("ana")
    goal = await laptop.goals.add("Walk", measure="12 sessions")
    await laptop.sync()
    other = await Client.open(tmp_path / "ana-laptop")  # another program on the laptop
    merged: list[Change] = []
    stop = laptop.on_change(
        lambda change: merged.append(change) if change.origin == "sync" else None
    )
    try:
        await laptop.goals.checkin(goal.id, note="A")
        await other.goals.checkin(goal.id, note="B")
        first = await laptop.sync()  # sends both
        second = await other.sync()
        await other.goals.checkin(goal.id, note="C")
        third = await other.sync()
        fourth = await laptop.sync()  # C is this device's own: no news of it
    finally:
        await other.close()
    assert first.pushed == 2 and third.pushed == 1
    for report in (first, second, third, fourth):
        assert report.arrivals == {} and report.news == []
    assert merged == []
    assert (await laptop.goals.get(goal.id)).progress == 3

    phone = await login("ana")  # another device: its sync tells the laptop's check-ins
    await phone.sync()
    await phone.goals.checkin(goal.id, note="D")
    await phone.sync()
    told = await laptop.sync()
    stop()
    assert list(told.arrivals) == [bytes.fromhex(goal.id)]
    assert [change.id for change in merged] == [goal.id]
