"""Re-judging a kept flag (hostile server, real server on loopback, real crypto)."""

from __future__ import annotations

from pathlib import Path

import pytest

from client_sdk import Client
from client_sdk.safety import UndeliveredFlag
from tests.client.flag_judging import (
    opted_in_through,
    revoke_once,
    seal_flag,
    serve_stale_chain,
    shift_clock,
)
from tests.client.hostile import HostileServer, hostile  # noqa: F401
from tests.conftest import ClientFactory


async def told_by_the_stale_then_the_real_chain(
    hostile: HostileServer,  # noqa: F811
    tablet: Client,
    drsmith: Client,
    flag_id: str | None,
) -> list[UndeliveredFlag]:
    """The tablet syncs once through the stale chain `hostile` serves (sending the flag), then
    twice served honestly; drsmith never got the flag. The flags those three syncs told."""
    stale = await tablet.sync()
    assert not await tablet.safety.waiting(flag_id)
    hostile.replies.clear()
    hostile.requests.clear()
    hostile.holds.clear()
    fresh = await tablet.sync()
    again = await tablet.sync()
    await drsmith.sync()
    assert flag_id not in {f.id for f in await drsmith.safety.flags()}  # never delivered
    return stale.undelivered_flags + fresh.undelivered_flags + again.undelivered_flags


async def test_an_end_withheld_from_the_first_judgement_within_the_skew_is_still_told(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The laptop (clock 10 min ahead, within CLOCK_SKEW_MS) unshares drsmith BEFORE the
    tablet seals and sends a flag: the flag never reaches him. The server serves the tablet's
    sending sync the chain from before the unshare, then the real one."""
    laptop, tablet, drsmith = await opted_in_through(signup, hostile, tmp_path / "tablet")
    try:
        shift_clock(monkeypatch, 10 * 60 * 1000)
        await laptop.shares.revoke("Personal", "drsmith")
        monkeypatch.undo()
        serve_stale_chain(hostile)
        flag_id = await seal_flag(tablet)
        told = await told_by_the_stale_then_the_real_chain(hostile, tablet, drsmith, flag_id)
        print("told:", told)
        assert [u.flag_id for u in told] == [flag_id]
    finally:
        await tablet.close()


async def test_control_same_scenario_served_honestly_is_told(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Control: the same unshare (laptop 10 min ahead) served honestly is told."""
    laptop, tablet, drsmith = await opted_in_through(signup, hostile, tmp_path / "tablet")
    try:
        shift_clock(monkeypatch, 10 * 60 * 1000)
        await laptop.shares.revoke("Personal", "drsmith")
        monkeypatch.undo()
        flag_id = await seal_flag(tablet)
        report = await tablet.sync()
        print("told:", report.undelivered_flags)
        assert [u.flag_id for u in report.undelivered_flags] == [flag_id]
    finally:
        await tablet.close()


async def test_an_unshare_while_the_flag_is_being_pushed_withheld_once_is_still_told(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Honest clocks: the laptop revokes drsmith while the tablet's push of the flag is held
    (after the tablet's sync began, before the flag reached the server): never delivered. The
    server serves that sync the chain from before the unshare, then the real one."""
    laptop, tablet, drsmith = await opted_in_through(signup, hostile, tmp_path / "tablet")
    try:
        serve_stale_chain(hostile)
        hostile.holds["/v1/records/push"] = revoke_once(laptop)
        flag_id = await seal_flag(tablet)
        told = await told_by_the_stale_then_the_real_chain(hostile, tablet, drsmith, flag_id)
        print("told:", told)
        assert [u.flag_id for u in told] == [flag_id]
    finally:
        await tablet.close()


async def test_control_an_unshare_while_the_flag_is_being_pushed_served_honestly(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    laptop, tablet, drsmith = await opted_in_through(signup, hostile, tmp_path / "tablet")
    try:
        hostile.holds["/v1/records/push"] = revoke_once(laptop)
        flag_id = await seal_flag(tablet)
        first = await tablet.sync()
        hostile.holds.clear()
        second = await tablet.sync()
        await drsmith.sync()
        assert flag_id not in {f.id for f in await drsmith.safety.flags()}  # never delivered
        told = first.undelivered_flags + second.undelivered_flags
        print("told:", told)
        assert [u.flag_id for u in told] == [flag_id]
    finally:
        await tablet.close()
