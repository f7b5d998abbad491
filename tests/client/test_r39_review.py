"""R39 (hostile review of f1a35ed and 6d4e174). Each test states the behaviour the threat
model asks for and fails on integ4."""

from __future__ import annotations

from tests.client.sharing_support import share_with
from tests.client.test_late_safety_flags import ITEM_9, devices
from tests.conftest import ClientFactory


async def test_opting_in_another_therapist_does_not_re_consent_a_member_re_shared_without_flags(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """f1a35ed re-dates EVERY kept opt-in older than its member's current membership, not only
    the member `flags_for` names. ana opted in for drsmith, ended that share, shared again
    read-only WITHOUT `--safety-flags` (R37 F9: no flag for him). Later she shares with tom
    `--safety-flags`: flags_for="tom". The plan's flag_members still names drsmith, his old
    time is older than his new membership, so it is dropped and he is opted in "from now":
    a flag for drsmith that ana never consented to for this membership."""
    laptop, _phone, drsmith = await devices(signup, login)
    tom = await signup("tom")
    await share_with(laptop, drsmith, role="annotate")
    await laptop.safety.set_plan(share_flags=True, flags_for="drsmith")
    await laptop.shares.revoke("Personal", "drsmith")
    await share_with(laptop, drsmith)  # again, without --safety-flags
    await share_with(laptop, tom, role="annotate")
    await laptop.safety.set_plan(share_flags=True, flags_for="tom")  # tj share tom --safety-flags
    taken = await laptop.measures.take("phq9", ITEM_9)
    response = await laptop.safety.respond(taken.result)
    assert response.flagged_to == ["tom"], response
