"""`Client.logout` names each safety flag it would delete (NU74 F1): `UnsyncedChanges.flags`
and its message, then `LoggedOut.flags_discarded`; a flag whose push got no answer (the
server may hold it) is said as maybe never reaching them, as `tj logout` says it. Real server
on loopback, a proxy in front of it holding the push (as tests/client/test_fix29d_flag_cut_off.py)."""

from __future__ import annotations

import asyncio

import pytest

from cli.main import flag_left_words
from client_sdk import UnsyncedChanges
from tests.client.flag_judging import flag_for_tom
from tests.client.hostile import HostileServer, Through, hostile, through  # noqa: F401
from tests.conftest import ClientFactory


async def test_logout_names_a_flag_whose_push_got_no_answer_and_what_it_deleted(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    through: Through,  # noqa: F811
) -> None:
    ana, tom, flag_id, taken = await flag_for_tom(signup, through)
    release = asyncio.Event()

    async def hold() -> None:  # the request has left the device; the server answers late
        await release.wait()

    hostile.holds["/v1/records/push"] = hold
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(1.0):
            await ana.sync()
    release.set()
    del hostile.holds["/v1/records/push"]

    with pytest.raises(UnsyncedChanges) as raised:
        await ana.logout()
    [flag] = raised.value.flags
    assert (flag.flag_id, flag.cause, flag.members) == (flag_id, "no answer", ("tom",))
    assert (flag.item, flag.answer) == (9, 2)
    said = str(raised.value)
    assert f"among them {flag.named()} for tom, which never reaches them once deleted" in said
    assert "(or may never, one sent with no answer)" in said, said
    assert flag_left_words(flag) == (
        "may NOT have left this device (the server never confirmed storing it)",
        "may never",
    )

    done = await ana.logout(discard_unsynced=True)
    assert [f.flag_id for f in done.flags_discarded] == [flag_id]
    assert done.to_dict()["flags_discarded"][0]["flag_id"] == flag_id
