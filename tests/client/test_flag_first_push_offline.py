"""nu76 F8: a push of a safety flag tried while the server could not be reached (the
connection refused: nothing left this device) is not "the first push that could have stored
it" (FLAGS_SENT `since`, `offered`). A flag whose share ended before its first push that
reached the server, an hour after that end, is told "was NOT delivered", not "may NOT"
(real server on loopback, stopped between the sync's journal list and its push, then
started again with the same data; real crypto)."""

from __future__ import annotations

import json

import pytest

from client_sdk import NetworkError
from client_sdk.pushing import Pusher
from client_sdk.safety import FLAGS_SENT
from tests.client.flag_judging import opted_in, seal_flag, shift_clock
from tests.conftest import ClientFactory, RunningServer
from tests.test_cli import Outage, outage  # noqa: F401 (fixture)


async def test_a_push_that_never_reached_the_server_is_not_the_first_push(
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    outage: Outage,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    laptop, tablet, drsmith = await opted_in(signup, login)
    flag_id = await seal_flag(tablet)
    assert flag_id is not None
    sealed = json.loads(await tablet.store.setting(FLAGS_SENT) or "{}")[flag_id]
    pushing = Pusher._push_all

    async def down_first(pusher: Pusher) -> None:  # the server stops after the list read
        await outage.begin()
        await pushing(pusher)

    with monkeypatch.context() as patched:
        patched.setattr(Pusher, "_push_all", down_first)
        with pytest.raises(NetworkError) as raised:
            await tablet.sync()  # its push is refused a connection: nothing left
    assert raised.value.unsent, raised.value
    entry = json.loads(await tablet.store.setting(FLAGS_SENT) or "{}")[flag_id]
    assert entry == sealed, entry  # no first push noted: its sealing time kept
    await outage.end()

    await laptop.shares.revoke("Personal", "drsmith")
    shift_clock(monkeypatch, 3600 * 1000)  # its first push that reaches the server: 1 h on
    [told] = (await tablet.sync()).undelivered_flags
    assert (told.flag_id, told.members, told.surely) == (flag_id, ("drsmith",), True)
    [mine] = [f for f in await tablet.safety.flags() if f.id == flag_id]
    assert mine.surely_not_delivered == ("drsmith",)
