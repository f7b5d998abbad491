"""NU45 #11: misuse the docs forbid gets a clear error. (a) A `Client` used from another event
loop than the one it was opened in (kept from one `asyncio.run` to the next, or called from
another thread) worked, with "Unclosed client session" warnings; (b) `Client.login` on a home
a Client of this process holds open replaced that Client's session, which then failed as
"this device was signed out". Real server on loopback, real crypto."""

from __future__ import annotations

import asyncio
import gc
import warnings
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest

from client_sdk import INSECURE_TEST_COST, Client, ClientClosed, InvalidInput
from client_sdk.client import HOME_OPEN
from client_sdk.loops import OTHER_LOOP, OTHER_LOOP_SUBJECT
from tests.conftest import PASSWORD, ClientFactory, RunningServer

T = TypeVar("T")


async def in_another_loop(work: Callable[[], Awaitable[T]]) -> T:
    """`work()` awaited in a new event loop of its own (`asyncio.run` in a thread), while
    this test's loop keeps serving the server."""

    async def run() -> T:
        return await work()

    return await asyncio.to_thread(asyncio.run, run())


async def test_a_client_used_from_another_event_loop_says_so_and_changes_nothing(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    await ana.entries.write("Personal", "Kept.")
    calls: list[Callable[[], Awaitable[Any]]] = [
        ana.sync,
        ana.entries.list,
        lambda: ana.entries.write("Personal", "From another loop."),
        ana.devices.list,  # the network alone
    ]
    for call in calls:
        with pytest.raises(ClientClosed) as refused:
            await in_another_loop(call)
        assert (str(refused.value), refused.value.subject) == (OTHER_LOOP, OTHER_LOOP_SUBJECT)
        assert str(refused.value).startswith(
            "this Client was opened in another event loop; open the home again in this one"
        )
    assert [e.body for e in await ana.entries.list()] == ["Kept."]  # its own loop: as before
    await ana.sync()


async def test_the_store_version_answered_without_a_call_refuses_another_loop_too(
    signup: ClientFactory,
) -> None:
    """`Store.version()` answers from what it kept, without a call on the store, while
    nothing changed (issue 10): from another event loop it refuses as a call does
    (REV-S14B F5), here and for a value kept `as_of` a version."""
    ana = await signup("ana")
    await ana.entries.write("Personal", "Kept.")
    await ana.sync()
    version = await ana.store.version()
    assert await ana.store.version() == version  # kept: the answer without a call
    for call in (ana.store.version, lambda: ana.store.version(version)):
        with pytest.raises(ClientClosed) as refused:
            await in_another_loop(call)
        assert (str(refused.value), refused.value.subject) == (OTHER_LOOP, OTHER_LOOP_SUBJECT)
    assert await ana.store.version() == version


async def test_a_client_kept_after_its_loop_ended_is_refused_and_can_still_be_closed(
    signup: ClientFactory,
) -> None:
    """Opened and synced in an `asyncio.run` that ended: used here, it says so; closed here,
    its store closes (a later call: "was closed"), and the home opens again. The sockets its
    HTTP session kept open belong to the loop that ended (asyncio.run closes a loop, not
    its connections): they go with the garbage, with a ResourceWarning, misuse or not."""
    ana = await signup("ana")
    await ana.entries.write("Personal", "Kept.")
    await ana.sync()
    home = ana.home
    await ana.close()

    async def opened_and_synced() -> Client:
        client = await Client.open(home)
        await client.sync()  # an HTTP session with a kept-alive connection
        return client

    kept = await in_another_loop(opened_and_synced)
    with pytest.raises(ClientClosed, match="opened in another event loop"):
        await kept.entries.list()
    await kept.close()
    with pytest.raises(ClientClosed, match="was closed"):
        await kept.entries.list()
    del kept
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()
    async with await Client.open(home) as again:
        assert [e.body for e in await again.entries.list()] == ["Kept."]


async def test_login_on_a_home_open_in_this_process_is_refused_before_anything_is_sent(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    ana = await signup("ana")
    token = ana.profile.token

    def again() -> Awaitable[Client]:
        return Client.login(
            live_server.url, "ana", PASSWORD, home=ana.home, minimum_cost=INSECURE_TEST_COST
        )

    with pytest.raises(InvalidInput) as refused:
        await again()
    assert refused.value.subject == HOME_OPEN
    assert str(refused.value) == (
        f"{ana.home} is open in this process (a Client of ana): signing in on it again "
        "would end the session that Client uses; use that Client, or close it first (await "
        "client.close()). Nothing was changed"
    )
    await ana.sync()  # its session is untouched
    assert ana.profile.token == token
    assert [d.current for d in await ana.devices.list()] == [True]  # no second sign-in

    await ana.close()
    relogged = await again()  # once closed, the home signs in again
    await relogged.sync()
    await relogged.close()
