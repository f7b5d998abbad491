"""`Client.logout` names the safety flags it deletes as its last count finds them, in the
transaction that ends the store: a flag another program on the same home sends just before
that transaction is never named as deleted unsent (real server on loopback behind a proxy,
real crypto; a second `Client` of the same home plays the other program)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from client_sdk import Client
from tests.client.flag_judging import opted_in_through, seal_flag
from tests.client.hostile import HostileServer, hostile  # noqa: F401 (fixture)
from tests.conftest import ClientFactory

pytestmark = pytest.mark.usefixtures("quick_retries")


async def test_a_flag_another_program_sends_before_the_last_count_is_not_named_deleted(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    laptop, tablet, drsmith = await opted_in_through(signup, hostile, tmp_path / "tablet")
    try:
        flag_id = await seal_flag(tablet)  # not synced: waits in the outbox
        assert flag_id is not None and await tablet.safety.waiting(flag_id)

        async def unreachable() -> None:  # the logout cannot tell the server: session stands
            raise web.HTTPServiceUnavailable()

        hostile.holds["/v1/auth/logout"] = unreachable
        end = tablet.store.end_for_logout

        async def other_program_first(*args: Any, **kwargs: Any) -> Any:
            # just before the last count: another program of this home sends the flag,
            # then writes an entry that has not reached the server
            async with await Client.open(tablet.home) as other:
                await other.sync()
                await other.entries.write(None, "Written by the app meanwhile.")
            return await end(*args, **kwargs)

        tablet.store.end_for_logout = other_program_first  # type: ignore[method-assign]
        done = await tablet.logout(discard_unsynced=True)
    finally:
        await tablet.close()
    assert done.discarded == 1  # the entry
    assert done.flags_discarded == ()  # the flag left: never named as deleted unsent
    await drsmith.sync()
    assert flag_id in {f.id for f in await drsmith.safety.flags()}


async def test_a_flag_another_program_seals_before_the_last_count_is_named_deleted(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The other way round: a flag sealed by the other program just before the last count
    is named among what the logout deleted, never deleted unnamed."""
    laptop, tablet, drsmith = await opted_in_through(signup, hostile, tmp_path / "tablet")
    sealed: list[str | None] = []
    try:
        end = tablet.store.end_for_logout

        async def other_program_first(*args: Any, **kwargs: Any) -> Any:
            if not sealed:
                async with await Client.open(tablet.home) as other:
                    sealed.append(await seal_flag(other))
            return await end(*args, **kwargs)

        tablet.store.end_for_logout = other_program_first  # type: ignore[method-assign]
        done = await tablet.logout(discard_unsynced=True)
    finally:
        await tablet.close()
    assert sealed[0] is not None
    assert [f.flag_id for f in done.flags_discarded] == sealed
