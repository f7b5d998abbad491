"""New terms for a member who left, given by an owner device that has not seen the leave
(fix-misc): never a `changed` entry that makes the server serve again the membership the
member's device keeps as left. Real server on loopback, real crypto."""

from __future__ import annotations

import pytest

from client_sdk import InvalidInput, access
from tests.client.test_leave_share import THERAPIST, chain_members, shared
from tests.conftest import ClientFactory


async def test_new_terms_for_a_member_who_left_are_refused_and_full_is_a_new_membership(
    signup: ClientFactory,
) -> None:
    ana, tom, journal = await shared(signup)
    await tom.shares.leave("ana/Personal")
    before = ana.replica.chains.current(journal).length
    with pytest.raises(InvalidInput, match="the server says they left the share"):
        await ana.shares.grant("Personal", THERAPIST, role="read")
    assert chain_members(ana, journal) == set()  # taken off, as a sync's check does
    # The refusal told the departure (its error says they left): this device's next sync
    # does not report it again (told once, fix-known; the account's other devices do).
    assert (await ana.sync()).departures == []

    await ana.shares.grant("Personal", THERAPIST, full=True)
    await tom.sync()
    await tom.shares.leave("ana/Personal")
    shared_again = await ana.shares.grant("Personal", THERAPIST, full=True)
    assert shared_again.left_before is not None and not shared_again.expired
    assert ana.replica.chains.current(journal).length > before
    assert [d.reason for d in (await tom.sync()).departures] == ["shared again"]
    assert [s.share_ended for s in await tom.shares.with_me()] == [False]


async def test_a_rotation_never_signs_new_terms_for_a_member_the_server_no_longer_serves(
    signup: ClientFactory,
) -> None:
    """The check at the rotation itself (a member who leaves between `grant`'s check and
    its rotation): nothing is signed, nothing sent."""
    ana, tom, journal = await shared(signup)
    await tom.shares.leave("ana/Personal")
    state = ana.replica.chains.current(journal)
    [member] = state.members.values()
    local = next(j for j in await ana.store.journals() if j.journal_id == journal)
    with pytest.raises(InvalidInput, match="no longer reads this journal"):
        await ana.replica.change_access(local, [access.changed(member.handle, "read", 0)])
    after = ana.replica.chains.current(journal)
    assert (after.length, chain_members(ana, journal)) == (state.length, {THERAPIST})
