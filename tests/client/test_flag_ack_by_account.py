"""A safety flag's acknowledgement counts for the account that signed it, the one the owner's
signed access chain binds, never for a username (fix34c; rev33e's note on fix33i): a new
account under the username of a member the flag was sealed for (a server serving one it
made, or anyone taking the freed name) whom the owner shares with and who writes an
acknowledgement of that flag never makes it "acknowledged" on any device of the owner's
while the account it was sealed for never acknowledged it. `safety.flags()` and the sync's
judgement agree. Real server on loopback, real crypto."""

from __future__ import annotations

from client_sdk import INSECURE_TEST_COST, Client, keys
from client_sdk.documents import Document
from client_sdk.models import now_ms
from client_sdk.safety import (
    SAFETY_ACK,
    SAFETY_FLAG,
    STATUS_ACKNOWLEDGED,
    STATUS_NOT_DELIVERED,
    STATUS_SENT,
    ack_update,
    flag_update,
)
from tests.client.sharing_support import share_with
from tests.client.test_flag_untold_share_end import flag_to_tom
from tests.conftest import PASSWORD, ClientFactory


async def acknowledge_by_hand(member: Client, journal: str, flag_id: str) -> None:
    """`member` writes an acknowledgement of `flag_id` in `journal` (its own signed record,
    as a member's device may write any record of its role), though the flag was not sealed
    for it (`safety.acknowledge` refuses that: its device never lists the flag)."""
    local = await member.context.local_journal(journal)
    document = Document(keys.new_doc_id(member.profile.account_id), SAFETY_ACK)
    await member.replica.commit(local, document, ack_update(document, flag_id, now_ms()))
    await member.sync(strict=True)


async def test_an_acknowledgement_by_a_new_account_under_the_members_name_delivers_nothing(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """tom's account is deleted before his device got the flag; a new account takes the name
    "tom"; ana shares Personal with it (its fingerprint compared: a new account under a
    pinned name); it acknowledges the flag sealed for the first tom. On ana's laptop (which
    sealed it) and her phone the flag stays "not delivered" to tom, and the sync says nothing
    else; the new account's acknowledgement is listed as its own, by its account id."""
    ana, tom = await signup("ana"), await signup("tom")
    phone = await login("ana")
    flag_id = await flag_to_tom(ana, tom)
    first = tom.profile.account_id.hex()
    await tom.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)
    told = await ana.sync()
    assert [(t.flag_id, t.members) for t in told.undelivered_flags] == [(flag_id, ("tom",))]
    again = await signup("tom", device="phone")  # the name is free again: another account
    await share_with(ana, again, role="annotate", safety_flags=True)
    await again.sync(strict=True)
    assert [f.id for f in await again.safety.flags()] == []  # not sealed for this account
    await acknowledge_by_hand(again, "ana/Personal", flag_id)
    report = await ana.sync(strict=True)
    assert report.undelivered_flags == []  # told once already
    for name, device in (("laptop", ana), ("phone", phone)):
        await device.sync(strict=True)
        [flag] = [f for f in await device.safety.flags() if f.id == flag_id]
        assert (flag.not_delivered, flag.status) == (("tom",), STATUS_NOT_DELIVERED), name
        # not sealed for the new account: its acknowledgement is left out (rev34c F5)
        assert flag.acknowledged == (), name
        assert first != again.profile.account_id.hex()


async def test_an_acknowledgement_by_a_member_the_flag_was_not_sealed_for_counts_for_nothing(
    signup: ClientFactory,
) -> None:
    """rev34c F5: ana shares Personal with bob (annotate, no safety flags) and with tom
    (safety flags); her flag is sealed for tom only, and tom's device has not got it. bob,
    told the flag's document id by the server, writes an acknowledgement of it by hand. On
    ana's device the flag stays "sent", acknowledged by nobody; once tom acknowledges it, it
    is "acknowledged" by tom alone."""
    ana, tom, bob = await signup("ana"), await signup("tom"), await signup("bob")
    await share_with(ana, bob, role="annotate", safety_flags=False)
    flag_id = await flag_to_tom(ana, tom)
    await bob.sync(strict=True)
    assert [f.id for f in await bob.safety.flags()] == []  # not sealed for bob
    await acknowledge_by_hand(bob, "ana/Personal", flag_id)
    await ana.sync(strict=True)
    [flag] = [f for f in await ana.safety.flags() if f.id == flag_id]
    assert flag.recipients == (tom.profile.account_id.hex(),)
    assert (flag.status, flag.acknowledged) == (STATUS_SENT, ())
    assert flag.unacknowledged
    await tom.sync(strict=True)
    await tom.safety.acknowledge(flag_id)
    await tom.sync(strict=True)
    await ana.sync(strict=True)
    [flag] = [f for f in await ana.safety.flags() if f.id == flag_id]
    assert flag.status == STATUS_ACKNOWLEDGED
    assert [(a.by, a.account_id) for a in flag.acknowledged] == [
        ("tom", tom.profile.account_id.hex())
    ]


async def test_a_flag_from_before_flags_named_members_counts_any_members_acknowledgement(
    signup: ClientFactory,
) -> None:
    """A flag written before flags named their members (no `to`) was sealed for every
    member then, and does not say which: an acknowledgement by any member counts, as
    before rev34c F5."""
    ana, bob = await signup("ana"), await signup("bob")
    await share_with(ana, bob, role="annotate", safety_flags=True)
    await ana.sync(strict=True)
    local = await ana.context.local_journal("Personal")
    document = Document(keys.new_doc_id(ana.profile.account_id), SAFETY_FLAG)
    await ana.replica.commit(local, document, flag_update(document, "", "phq9", 9, 2, now_ms()))
    await ana.sync(strict=True)
    flag_id = document.doc_id.hex()
    [flag] = [f for f in await ana.safety.flags() if f.id == flag_id]
    assert (flag.recipients, flag.status) == (None, STATUS_SENT)
    await bob.sync(strict=True)
    assert [f.id for f in await bob.safety.flags()] == [flag_id]  # every member's
    await acknowledge_by_hand(bob, "ana/Personal", flag_id)
    await ana.sync(strict=True)
    [flag] = [f for f in await ana.safety.flags() if f.id == flag_id]
    assert flag.status == STATUS_ACKNOWLEDGED
    assert [a.account_id for a in flag.acknowledged] == [bob.profile.account_id.hex()]
