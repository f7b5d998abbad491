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


async def test_a_member_the_flag_was_not_sealed_for_is_not_told_of_its_acknowledgement(
    signup: ClientFactory,
) -> None:
    """HELD (passes on integ4; a member's acknowledgement is not news to other members).
    6d4e174 (NU23 C5) hides from joe's sync a flag sealed for tom only, but not tom's
    acknowledgement of it: joe's next sync says "1 new safety-flag acknowledgement from tom",
    which tells joe just what C5 hid (ana answered item 9 above 0 and tom was flagged), while
    joe's `safety.flags()` lists none. `_mine_to_hear` filters only kind "safety_flag"."""
    ana, tom, joe = await signup("ana"), await signup("tom"), await signup("joe")
    await share_with(ana, tom, role="annotate")
    await ana.safety.set_plan(share_flags=True, flags_for="tom")
    await share_with(ana, joe, role="annotate")
    taken = await ana.measures.take("phq9", ITEM_9)
    assert (await ana.safety.respond(taken.result)).flagged_to == ["tom"]
    await ana.sync()
    await joe.sync()
    await tom.sync()
    [flag] = await tom.safety.flags()
    await tom.safety.acknowledge(flag.id)
    await tom.sync()
    told = await joe.sync()
    assert await joe.safety.flags() == []
    assert [str(n) for n in told.news if n.kind in ("safety_flag", "safety_ack")] == []


async def test_a_member_the_flag_was_not_sealed_for_gets_no_change_for_it(
    signup: ClientFactory,
) -> None:
    """6d4e174 hides a flag sealed for tom only from joe's sync NEWS, but the change feed
    (`client.on_change`, `client.changes()`, replica.on_change at the end of the page) still
    publishes Change(kind="safety_flag") for it on joe's device: an app following the feed
    (as the docs invite: "if change.kind == ...") learns what C5 hid, that ana answered item 9
    above 0, though joe's `safety.flags()` lists none."""
    ana, tom, joe = await signup("ana"), await signup("tom"), await signup("joe")
    await share_with(ana, tom, role="annotate")
    await ana.safety.set_plan(share_flags=True, flags_for="tom")
    await share_with(ana, joe)
    await joe.sync()
    seen: list[str] = []
    joe.on_change(lambda change: seen.append(change.kind))
    taken = await ana.measures.take("phq9", ITEM_9)
    assert (await ana.safety.respond(taken.result)).flagged_to == ["tom"]
    await ana.sync()
    told = await joe.sync()
    assert [n for n in told.news if n.kind == "safety_flag"] == []  # the news: held
    assert await joe.safety.flags() == []
    assert "safety_flag" not in seen, seen
