"""A sync cut off while a safety flag's push is on its way (a command's quick-sync time
limit cancels it): the request left, so the server may store the flag; the device must say
it may NOT have left (cause "no answer", status "unknown"), never that it has NOT left, until
a later sync settles it (fix29d). Real server on loopback, a proxy in front of it holding
the push."""

from __future__ import annotations

import asyncio

import pytest

from tests.client.hostile import HostileServer, Through, hostile, through  # noqa: F401
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory


async def test_a_flag_whose_push_was_cut_off_after_it_left_is_not_said_unsent(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    through: Through,  # noqa: F811
) -> None:
    ana = await through("ana")
    tom = await signup("tom")
    await share_with(ana, tom, role="annotate", safety_flags=True)
    await ana.sync()
    taken = await ana.measures.take("phq9", [0] * 8 + [1])
    flag_id = (await ana.safety.respond(taken.result)).flag_id
    assert flag_id is not None
    release = asyncio.Event()

    async def hold() -> None:  # the request has left the device; the server answers late
        await release.wait()

    hostile.holds["/v1/records/push"] = hold
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(1.0):  # as `quick_sync` cuts a sync off
            await ana.sync()
    release.set()
    [unsent] = await ana.safety.unsent()
    assert (unsent.flag_id, unsent.cause) == (flag_id, "no answer"), unsent
    assert "may NOT have left this device" in unsent.line(), unsent.line()
    [flag] = await ana.safety.flags()
    assert (flag.unanswered, flag.status) == (True, "unknown"), flag

    del hostile.holds["/v1/records/push"]
    await ana.sync()  # settles it: the server holds it
    assert await ana.safety.unsent() == []
    [flag] = await ana.safety.flags()
    assert flag.status == "sent", flag
    await tom.sync()
    assert [f.id for f in await tom.safety.flags()] == [flag_id]
