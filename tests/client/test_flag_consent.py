"""Consent to safety flags (R39 F3): an opt-in the client gave for some members is widened
only by naming the members to add, never by a plain `share_flags=True` sent with another
edit of the plan. Real server on 127.0.0.1, real crypto."""

from __future__ import annotations

import pytest

from client_sdk import AccessError, NotFound
from tests.client.sharing_support import share_with
from tests.client.test_late_safety_flags import ITEM_9
from tests.conftest import ClientFactory


async def test_a_plain_opt_in_sent_with_an_emergency_number_opts_in_no_member_left_out(
    signup: ClientFactory,
) -> None:
    """ana opted in her therapist drsmith only (`tj share Personal drsmith --safety-flags`);
    her sister tom reads Personal too, deliberately not opted in. Later she sets her
    emergency number and passes `--share-flags` with it (`tj safety plan --emergency 112
    --share-flags`): that must not consent for tom."""
    ana, drsmith, tom = await signup("ana"), await signup("drsmith"), await signup("tom")
    await share_with(ana, drsmith, role="annotate")
    await ana.safety.set_plan(share_flags=True, flags_for="drsmith")
    await share_with(ana, tom, role="annotate")
    await ana.safety.set_plan(emergency_number="112", share_flags=True)
    plan = await ana.safety.plan()
    assert plan.emergency_number == "112"
    assert plan.flags_reach == ("drsmith",), plan
    taken = await ana.measures.take("phq9", ITEM_9)
    assert (await ana.safety.respond(taken.result)).flagged_to == ["drsmith"]
    assert await ana.safety.would_opt_in() == ["tom"]  # what widening it would add


async def test_a_plain_opt_in_does_not_re_consent_a_member_re_shared_without_flags(
    signup: ClientFactory,
) -> None:
    """ana opted in drsmith, ended that share and shared again WITHOUT `--safety-flags` (R37
    F9: no flag for him). A plain opt-in with another edit must not opt him in again."""
    ana, drsmith = await signup("ana"), await signup("drsmith")
    await share_with(ana, drsmith, role="annotate")
    await ana.safety.set_plan(share_flags=True, flags_for="drsmith")
    await ana.shares.revoke("Personal", "drsmith")
    await share_with(ana, drsmith, role="annotate")  # again, without --safety-flags
    await ana.safety.set_plan(plan="Ring Jo, then walk.", share_flags=True)
    assert (await ana.safety.plan()).flags_reach == ()
    taken = await ana.measures.take("phq9", ITEM_9)
    assert (await ana.safety.respond(taken.result)).flagged_to == []
    assert await ana.safety.would_opt_in() == ["drsmith"]
    # Named again, he is opted in for this share, from now.
    await ana.safety.set_plan(share_flags=True, flags_for=["drsmith"])
    assert (await ana.safety.plan()).flags_reach == ("drsmith",)
    assert await ana.safety.would_opt_in() == []


async def test_naming_the_members_widens_the_opt_in_to_them(signup: ClientFactory) -> None:
    ana, drsmith = await signup("ana"), await signup("drsmith")
    tom, joe = await signup("tom"), await signup("joe")
    for member in (drsmith, tom, joe):
        await share_with(ana, member, role="annotate")
    await ana.safety.set_plan(share_flags=True, flags_for="drsmith")
    await ana.safety.set_plan(share_flags=True, flags_for=["tom"])
    assert await ana.safety.would_opt_in() == ["joe"]
    taken = await ana.measures.take("phq9", ITEM_9)
    assert (await ana.safety.respond(taken.result)).flagged_to == ["drsmith", "tom"]
    with pytest.raises(NotFound, match="not shared with eve"):
        await ana.safety.set_plan(share_flags=True, flags_for=["joe", "eve"])
    assert await ana.safety.would_opt_in() == ["joe"]  # nothing changed
    await drsmith.sync()
    with pytest.raises(AccessError):
        await drsmith.safety.would_opt_in("ana/Personal")


async def test_a_first_opt_in_covers_every_member_shared_with_now(signup: ClientFactory) -> None:
    """The documented meaning for a client who never opted anyone in: `set_plan(share_flags=
    True)` is for the members the journal is shared with now (and no later one)."""
    ana, drsmith, tom = await signup("ana"), await signup("drsmith"), await signup("tom")
    await share_with(ana, drsmith, role="annotate")
    await share_with(ana, tom, role="annotate")
    assert await ana.safety.would_opt_in() == ["drsmith", "tom"]
    await ana.safety.set_plan(share_flags=True)
    assert (await ana.safety.plan()).flags_reach == ("drsmith", "tom")
    joe = await signup("joe")
    await share_with(ana, joe, role="annotate")
    assert await ana.safety.would_opt_in() == ["joe"]
    await ana.safety.set_plan(share_flags=True)  # opted in already: as it is
    assert (await ana.safety.plan()).flags_reach == ("drsmith", "tom")


async def test_opting_in_one_member_on_a_plan_never_opted_in_opts_in_that_member_only(
    signup: ClientFactory,
) -> None:
    """A plan written without an opt-in (an emergency number only) has no `flag_members`;
    `tj share Personal tom --safety-flags` (flags_for="tom") then read it as a plan from before
    per-member opt-in ("every member") and opted in drsmith as well."""
    ana, drsmith, tom = await signup("ana"), await signup("drsmith"), await signup("tom")
    await share_with(ana, drsmith, role="annotate")
    await ana.safety.set_plan(emergency_number="112")
    await share_with(ana, tom, role="annotate")
    await ana.safety.set_plan(share_flags=True, flags_for="tom")
    assert (await ana.safety.plan()).flags_reach == ("tom",)
    taken = await ana.measures.take("phq9", ITEM_9)
    assert (await ana.safety.respond(taken.result)).flagged_to == ["tom"]
