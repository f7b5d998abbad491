"""A safety flag that left in a sync that was then cut off (a later request of the same sync,
the hourly look for sign-ins, stalled by the server past the quick-sync limit) is said to
have left by the next sync that completes (`SyncReport.flags_sent`), once: its `untold`
mark is cleared only when a report saying it is handed to the app (rev29a F4), as
`SyncReport.unflagged` is (tests/client/test_unflagged_told_after_cut_sync.py).

Real server on 127.0.0.1, a loopback proxy (tests/client/hostile.py) in front of it for
ana's phone only."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from client_sdk import Client
from tests.client.hostile import HostileServer, hostile, login_through  # noqa: F401
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory


@pytest.mark.parametrize("cut", [False, True], ids=["completed", "cut-off"])
async def test_a_flag_that_left_in_a_sync_cut_after_its_push_is_told_once(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
    cut: bool,
) -> None:
    """The reviewer's test (tests/client/test_rev29a.py on branch rev29a), to the fixed
    outcome: the flag is said once, by the sync that completes next (of the same client, or
    of a new `Client.open` of the home: the next `tj sync`); "completed" is the control."""
    await signup("ana")
    drsmith = await signup("drsmith")
    phone = await login_through(hostile, "ana", tmp_path / "phone", device_name="phone")
    try:
        await share_with(phone, drsmith, role="annotate", safety_flags=True)
        await phone.sync()
        await drsmith.sync()
        taken = await phone.measures.take("phq9", [0] * 8 + [1])
        flag_id = (await phone.safety.respond(taken.result)).flag_id
        assert flag_id is not None
        assert [u.flag_id for u in await phone.safety.unsent()] == [flag_id]
        told = []
        if cut:
            stalled = asyncio.Event()
            held: list[str] = []

            async def stall() -> None:
                held.append("held")
                limit.reschedule(asyncio.get_running_loop().time())
                await stalled.wait()

            phone.devices.look_soon()  # a look for sign-ins is due (once an hour)
            for path in ("/v1/account/sign-ins", "/v1/devices/list"):
                hostile.holds[path] = stall
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(5) as limit:  # what `quick_sync` does after its limit
                    await phone.sync()
            assert held, hostile.paths[-5:]
            assert hostile.paths[-1] == "/v1/account/sign-ins", hostile.paths[-3:]
            hostile.holds.clear()
            stalled.set()
        else:
            told += [f.flag_id for f in (await phone.sync()).flags_sent]
        await drsmith.sync()
        assert [f.id for f in await drsmith.safety.flags("ana/Personal")] == [flag_id]
        assert await phone.safety.unsent() == []
        told += [f.flag_id for f in (await phone.sync()).flags_sent]
        reopened = await Client.open(phone.home)  # the next `tj sync`
        try:
            told += [f.flag_id for f in (await reopened.sync()).flags_sent]
        finally:
            await reopened.close()
        assert told == [flag_id], told
    finally:
        await phone.close()


async def test_a_flag_that_left_in_a_sync_cut_after_its_push_is_told_by_a_new_client(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The sync cut off as above; the program then ends (its client closed): the next
    program on the home (`tj sync`) says the flag has left, and the one after says nothing."""
    await signup("ana")
    drsmith = await signup("drsmith")
    phone = await login_through(hostile, "ana", tmp_path / "phone", device_name="phone")
    try:
        await share_with(phone, drsmith, role="annotate", safety_flags=True)
        await phone.sync()
        taken = await phone.measures.take("phq9", [0] * 8 + [2])
        flag_id = (await phone.safety.respond(taken.result)).flag_id
        assert flag_id is not None
        held, release = asyncio.Event(), asyncio.Event()

        async def stall() -> None:
            held.set()
            await release.wait()

        phone.devices.look_soon()
        hostile.holds["/v1/account/sign-ins"] = stall
        syncing = asyncio.create_task(phone.sync())
        await held.wait()  # the flag was pushed; the look for sign-ins is held
        assert await phone.safety.unsent() == []
        syncing.cancel()  # Ctrl-C while the server holds the look
        with pytest.raises(asyncio.CancelledError):
            await syncing
        del hostile.holds["/v1/account/sign-ins"]
        release.set()
    finally:
        await phone.close()
    told = []
    for _ in range(2):
        again = await Client.open(phone.home)
        try:
            told.append([f.flag_id for f in (await again.sync()).flags_sent])
        finally:
            await again.close()
    assert told == [[flag_id], []], told
