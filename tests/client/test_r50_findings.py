"""R50 (hostile review of the role rule for safety flags): a server that drops a member from
its share list makes the owner's device close that membership (`removed`, NOT_SERVED); the
owner shares with them again, and the opt-in, given for the earlier membership, still
stands (`_opt_in_from`). A flag must still never be sealed at once for an answer given
before the new membership, or while the member only read: the floor the late path
(`seal_missed`) uses. Real server on loopback behind the hostile proxy, real crypto."""

from __future__ import annotations

import asyncio

from client_sdk import Client, wire
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import share_with
from tests.client.test_late_safety_flags import ITEM_9
from tests.client.test_role_flags import drsmith_receives_flags
from tests.conftest import ClientFactory


async def dropped_then_shared_again(
    hostile: HostileServer, ana: Client, drsmith: Client, tom: Client
) -> None:
    """The server leaves drsmith out of the share list while ana shares with tom (her
    device signs him removed, NOT_SERVED); then ana shares with drsmith again (annotate)."""
    drsmith_id = drsmith.profile.account_id

    def without_drsmith(_: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.ShareList, reply)
        kept = [s for s in real.shares if s.member_id != drsmith_id]
        return wire.encode(wire.ShareList(kept, real.next))

    hostile.replies["/v1/shares/list"] = without_drsmith
    await share_with(ana, tom, role="read")
    del hostile.replies["/v1/shares/list"]


async def test_r50_no_flag_at_once_for_an_answer_given_while_the_member_only_read(
    hostile: HostileServer, signup: ClientFactory, through: Through
) -> None:
    ana = await through("ana")
    drsmith = await signup("drsmith")
    tom = await signup("tom")
    await drsmith_receives_flags(ana, drsmith)
    await ana.shares.grant("Personal", "drsmith", role="read", stop_flags=True)
    await asyncio.sleep(0.05)
    while_reading = await ana.measures.take("phq9", ITEM_9)
    assert (await ana.safety.respond(while_reading.result)).flagged_to == []
    await asyncio.sleep(0.05)
    await ana.shares.grant("Personal", "drsmith", role="annotate")
    assert (await ana.safety.respond(while_reading.result)).flagged_to == []
    await dropped_then_shared_again(hostile, ana, drsmith, tom)
    await share_with(ana, drsmith, role="annotate")
    assert (await ana.safety.respond(while_reading.result)).flagged_to == []
    assert (await ana.sync()).late_flags == []


async def test_r50_no_flag_at_once_for_an_answer_given_while_they_were_no_member(
    hostile: HostileServer, signup: ClientFactory, through: Through
) -> None:
    ana = await through("ana")
    drsmith = await signup("drsmith")
    tom = await signup("tom")
    await drsmith_receives_flags(ana, drsmith)
    await dropped_then_shared_again(hostile, ana, drsmith, tom)
    await asyncio.sleep(0.05)
    gap = await ana.measures.take("phq9", ITEM_9)
    assert (await ana.safety.respond(gap.result)).flagged_to == []
    await asyncio.sleep(0.05)
    await share_with(ana, drsmith, role="annotate")
    assert (await ana.safety.respond(gap.result)).flagged_to == []
    assert (await ana.sync()).late_flags == []
