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
from client_sdk.safety import SAFETY_ACK, STATUS_NOT_DELIVERED, ack_update
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
        assert [(a.by, a.account_id) for a in flag.acknowledged] == [
            ("tom", again.profile.account_id.hex())
        ]
        assert first != again.profile.account_id.hex()
