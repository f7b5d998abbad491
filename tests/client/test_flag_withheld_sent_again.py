"""A safety flag the server acknowledged storing and then dropped (rev29d F1) is kept due on
the device that sealed it: the sync whose withholding check finds it missing tells it once
(`SyncReport.undelivered_flags`, cause "withheld"), and puts its record, as pushed, back in
the outbox; every later sync sends it again until a pull serves it back, and then the
therapist gets it. Real server on loopback, a proxy in front of it, the records deleted from
the server's database after it acknowledged them, and served to their writer as stubs in
their place, as a server that lies consistently serves every own record to a pull that asks
`skip_own` (rev32a F2: a stub is not the flag served back)."""

from __future__ import annotations

from client_sdk import wire
from tests.client.flag_judging import flag_for_tom
from tests.client.hostile import HostileServer, Through, hostile, through  # noqa: F401
from tests.client.stubbed_drops import StubbedDrops
from tests.client.test_withheld_rotation import keep_pushes
from tests.conftest import ClientFactory, RunningServer


async def test_a_flag_the_server_dropped_is_told_once_and_sent_again_until_served_back(
    signup: ClientFactory,
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    through: Through,  # noqa: F811
) -> None:
    ana, tom, flag_id, taken = await flag_for_tom(signup, through)
    pushed = keep_pushes(hostile)
    dropping = [True]

    def flag_records() -> set[bytes]:
        return {r.record_id for body in pushed for r in wire.decode(wire.PushRequest, body).records}

    drops = StubbedDrops(live_server)

    async def drop() -> None:  # acknowledged, then dropped before any pull serves it
        if dropping[0]:
            drops.drop(flag_records())

    hostile.holds["/v1/sync"] = drop
    hostile.replies["/v1/sync"] = drops.reply  # a stub in its place, to ana's device alone
    first = await ana.sync()  # pushed, acknowledged, dropped: its pull finds the gap
    assert drops.dropped, "the flag's records were acknowledged and dropped"
    assert [g.author for g in first.withheld] == [ana.profile.account_id]
    [told] = [u for u in first.undelivered_flags if u.cause == "withheld"]
    assert (told.flag_id, told.members) == (flag_id, ("tom",))
    said = " ".join(first.lines())
    assert "the server acknowledged storing it but has not served it back" in said, said
    assert "this device sends it again at every sync until the server serves it back" in said
    [kept] = await ana.safety.unsent()
    assert (kept.flag_id, kept.cause) == (flag_id, "withheld")
    asked = [wire.decode(wire.SyncRequest, b) for b in hostile.bodies("/v1/sync")][-1]
    assert not asked.skip_own, "a kept flag's journal is pulled whole (an honest server: no stub)"

    pushes_before = len(pushed)
    again = await ana.sync()  # sent again, dropped again: not told again
    assert len(pushed) > pushes_before, "the flag's record was pushed again"
    assert [u for u in again.undelivered_flags if u.cause == "withheld"] == []
    assert [f.flag_id for f in await ana.safety.unsent()] == [flag_id]

    dropping[0] = False
    await ana.sync()  # sent again and kept: a pull serves it back
    assert await ana.safety.unsent() == []
    await tom.sync()
    assert flag_id in {f.id for f in await tom.safety.flags()}
