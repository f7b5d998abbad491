"""What `tj` says in a few cases a new user met (real server on loopback, real crypto,
CliRunner): a refused connection said at once, a check-in by another command of the same
device, a share notice after a rename, and did-you-mean and plain words for mistakes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

import cli.main
from client_sdk import Client
from tests.test_cli import Device, laptop, phone  # noqa: F401 (fixtures)


def another_command_checks_in(
    monkeypatch: pytest.MonkeyPatch, home: Path, goal: str, note: str
) -> None:
    """Make the next command's automatic sync start with a check-in on `goal` made by another
    command on the same device (the same home, opened by a second client: two `tj`
    commands at once), as happened with `tj goal checkin ... & tj goal checkin ... &`."""
    real: Callable[..., Awaitable[Any]] = cli.main.quick_sync

    async def with_another_command(client: Client, *args: Any, **kwargs: Any) -> Any:
        monkeypatch.setattr(cli.main, "quick_sync", real)  # once
        other = await Client.open(home)
        try:
            await other.goals.checkin(goal, note=note)
        finally:
            await other.close()
        return await real(client, *args, **kwargs)

    monkeypatch.setattr(cli.main, "quick_sync", with_another_command)


async def test_a_check_in_of_another_command_on_this_device_is_not_from_another_device(
    laptop: Device,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two `tj goal checkin` at once on one device: the one that read the goal after the
    other's check-in said "1 check-in ... from another device arrived in this sync". It is
    counted in the progress, and not said to come from another device."""
    goal = (await laptop.ok("goal", "add", "Walk", "--measure", "12 sessions")).stdout.strip()
    another_command_checks_in(monkeypatch, laptop.home, goal, "B")
    done = await laptop.ok("goal", "checkin", goal, "--note", "A")
    assert done.stdout.strip() == "'Walk': 2/12 sessions ██░░░░░░░░ 17%"
    assert "another device" not in done.stderr
    assert "Note:" not in done.stderr
    assert (await laptop.json("goal", "show", goal))["progress"] == 2


async def test_only_the_check_ins_of_another_device_are_said_to_arrive_beside_a_local_one(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
) -> None:
    """The note still counts what the sync brought from another device (the phone's), and
    not a check-in another command of this device made before it and has not synced."""
    goal = (await laptop.ok("goal", "add", "Walk", "--measure", "12 sessions")).stdout.strip()
    await laptop.ok("goal", "checkin", goal, "--note", "first")
    await phone.ok("sync")
    await phone.ok("goal", "checkin", goal, "--note", "from the phone")
    other = await Client.open(laptop.home)  # another command, its sync not yet run
    try:
        await other.goals.checkin(goal, note="other command")
    finally:
        await other.close()
    done = await laptop.ok("goal", "checkin", goal, "--note", "this command")
    assert done.stdout.strip() == "'Walk': 4/12 sessions ███░░░░░░░ 33%"
    said = " ".join(done.stderr.split())
    assert (
        "Note: 1 check-in on 'Walk' from another device arrived in this sync (counted above)."
        in said
    )
