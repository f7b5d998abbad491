"""R40 F8 (hostile review of the consent rules u10-consent builds on): an opt-in given for a
membership that an owner device closed *on the server's word* (access.NOT_SERVED: "they
left, or a server said so") carries over to any later share of the same account
(safety_path._opt_in_from), whatever its role and however it was made. A server that says
drsmith is no longer served, at any change of members the client makes, thereby keeps her
consent alive for a share she makes later, read-only and without --safety-flags: he gets
her safety flags though `tj share` refuses --safety-flags for a read-only member and she
named no one. Real server on 127.0.0.1 behind a lying proxy, real crypto. See
/work/R40-FINDINGS.md."""

from __future__ import annotations

from client_sdk import wire
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import share_with
from tests.client.test_late_safety_flags import ITEM_9
from tests.conftest import ClientFactory


async def test_a_read_only_share_made_after_the_server_dropped_a_member_gets_no_flag_unnamed(
    hostile: HostileServer, signup: ClientFactory, through: Through
) -> None:
    ana = await through("ana")
    drsmith, tom = await signup("drsmith"), await signup("tom")
    await share_with(ana, drsmith, role="annotate")
    await ana.safety.set_plan(share_flags=True, flags_for="drsmith")
    drsmith_id = drsmith.profile.account_id

    def without_drsmith(_: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.ShareList, reply)
        kept = [s for s in real.shares if s.member_id != drsmith_id]
        return wire.encode(wire.ShareList(kept, real.next))

    hostile.replies["/v1/shares/list"] = without_drsmith  # "drsmith left"
    await share_with(ana, tom, role="read")  # her change of members: drsmith dropped
    del hostile.replies["/v1/shares/list"]
    assert (await ana.safety.plan()).flags_reach == ()  # told: flags reach no one now

    # Weeks later she shares Personal with drsmith again, to read only, no --safety-flags.
    await share_with(ana, drsmith, role="read")
    plan = await ana.safety.plan()
    taken = await ana.measures.take("phq9", ITEM_9)
    flagged = (await ana.safety.respond(taken.result)).flagged_to
    assert flagged == [], (
        f"a read-only share made without --safety-flags got her flag ({flagged}; "
        f"flags_reach {plan.flags_reach}): consent carried over on the server's word"
    )
