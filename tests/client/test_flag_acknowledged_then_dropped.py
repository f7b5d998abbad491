"""A safety flag the server acknowledged storing and then dropped (rev29d F1): the device's
withholding check reports its own record withheld, so `Safety.unsent` names the flag (cause
"withheld"), `logout` refuses to delete it unasked and names it in `UnsyncedChanges.flags`,
and a logout agreed to names it in `LoggedOut.flags_discarded`. Real server on loopback, a
proxy in front of it, the records deleted from the server's database after it acknowledged
them, and served to their writer as stubs in their place (rev32a F2: a server that lies
consistently)."""

from __future__ import annotations

import pytest

from cli.main import flag_left_words
from client_sdk import UnsyncedChanges, wire
from tests.client.flag_judging import flag_for_tom
from tests.client.hostile import HostileServer, Through, hostile, through  # noqa: F401
from tests.client.stubbed_drops import StubbedDrops
from tests.client.test_withheld_rotation import keep_pushes
from tests.conftest import ClientFactory, RunningServer


async def test_a_flag_the_server_acknowledged_then_dropped_is_named_at_logout(
    signup: ClientFactory,
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    through: Through,  # noqa: F811
) -> None:
    ana, tom, flag_id, taken = await flag_for_tom(signup, through)
    pushed = keep_pushes(hostile)
    drops = StubbedDrops(live_server)

    async def drop() -> None:  # acknowledged, then dropped before any pull serves it,
        # at every sync (the flag is sent again at each: rev29d F1)
        drops.drop(r.record_id for b in pushed for r in wire.decode(wire.PushRequest, b).records)

    hostile.holds["/v1/sync"] = drop
    hostile.replies["/v1/sync"] = drops.reply  # a stub in its place, to ana's device alone
    await ana.sync()
    assert drops.dropped, "the push was acknowledged and then dropped"
    report = await ana.sync()
    assert [g.author for g in report.withheld] == [ana.profile.account_id]

    [flag] = await ana.safety.unsent()
    assert (flag.flag_id, flag.cause, flag.members) == (flag_id, "withheld", ("tom",))
    assert "the server acknowledged storing it but has not served it back" in flag.line()
    assert flag_left_words(flag) == (
        "may NOT have reached them: the server acknowledged it but has not served it back",
        "may never",  # the server may serve it to them yet (rev30b F4)
    )
    # What `tj logout` asks about: the flag, and its result, dropped with it and kept to be
    # sent again with it since fix31c (it was counted synced, and lost at logout, before).
    assert await ana.unsynced_kinds() == {"measure": 1, "safety_flag": 1}
    assert await ana.unsynced_changes() == 2

    with pytest.raises(UnsyncedChanges) as raised:
        await ana.logout()
    assert [f.flag_id for f in raised.value.flags] == [flag_id]
    assert "has not served it back: this device holds the only copy" in str(raised.value)

    done = await ana.logout(discard_unsynced=True)
    assert [f.flag_id for f in done.flags_discarded] == [flag_id]
    assert done.to_dict()["flags_discarded"][0]["cause"] == "withheld"
