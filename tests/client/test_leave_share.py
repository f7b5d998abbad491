"""A member leaves a share: the server stops serving it at once, the journal leaves the
member's list, and the owner's devices drop the member from the owner-signed access chain at
their next change of members (the member cannot sign the chain itself)."""

from __future__ import annotations

import pytest

from client_sdk import AccessError, Client, InvalidInput, wire
from tests.conftest import ClientFactory

THERAPIST = "dr.tom"


async def shared(signup: ClientFactory) -> tuple[Client, Client, bytes]:
    ana = await signup("ana")
    tom = await signup(THERAPIST)
    await ana.entries.write("Personal", "Before the share.")
    await ana.shares.grant("Personal", THERAPIST, role="annotate", trust_on_first_use=True)
    await tom.sync()
    journal = bytes.fromhex((await tom.shares.with_me())[0].journal_id)
    return ana, tom, journal


def chain_members(client: Client, journal: bytes) -> set[str]:
    state = client.replica.chains.current(journal)
    return {m.username for m in state.members.values()}


async def test_a_member_leaves_and_is_no_longer_served(signup: ClientFactory) -> None:
    ana, tom, journal = await shared(signup)
    await tom.shares.leave("ana/Personal")
    # Only the read-only copy of what tom already downloaded is left, marked as ended
    # (issue 14: an ended share's copy stays readable, never writable).
    assert [(s.owner, s.role, s.share_ended) for s in await tom.shares.with_me()] == [
        ("ana", "revoked", True)
    ]
    assert [(j.name, j.share_ended) for j in await tom.journals.list()] == [
        ("Personal", False),  # tom's own
        ("ana/Personal", True),  # the kept copy, not served any more
    ]
    # The server refuses the journal to tom from now on, whatever tom sends.
    with pytest.raises(AccessError):
        await tom.transport.call(
            "/v1/sync", wire.SyncRequest([wire.Cursor(journal, 0)], 10), wire.SyncReply
        )
    await ana.entries.write("Personal", "After tom left.")
    await ana.sync()
    report = await tom.sync()  # tom's own journal still syncs
    assert report.problems == [] and report.incomplete == []


async def test_the_owner_drops_a_member_who_left_from_the_chain(signup: ClientFactory) -> None:
    ana, tom, journal = await shared(signup)
    await ana.sync()
    assert chain_members(ana, journal) == {THERAPIST}
    await tom.shares.leave("ana/Personal")
    # The owner's device learns it from the server and signs the removal with a new epoch.
    epoch = (await ana.replica.store.journals())[0].epoch
    assert [s.member for s in await ana.shares.list()] == []
    assert chain_members(ana, journal) == set()
    assert max(j.epoch for j in await ana.replica.store.journals()) > epoch
    # Sharing again later works as a new share.
    await ana.shares.grant("Personal", THERAPIST, trust_on_first_use=True)
    await tom.sync()
    assert [j.owner for j in await tom.shares.with_me()] == ["ana"]


async def test_an_owner_cannot_leave_its_own_journal(signup: ClientFactory) -> None:
    ana, tom, journal = await shared(signup)
    with pytest.raises(InvalidInput):
        await ana.shares.leave("Personal")
    with pytest.raises(InvalidInput) as refused:
        await ana.transport.call("/v1/shares/leave", wire.JournalRequest(journal), wire.Empty)
    assert refused.value.code == "invalid_field"
    assert [s.member for s in await ana.shares.list()] == [THERAPIST]


async def test_another_account_cannot_leave_for_a_member(signup: ClientFactory) -> None:
    ana, tom, journal = await shared(signup)
    eve = await signup("eve")
    with pytest.raises(AccessError):
        await eve.transport.call("/v1/shares/leave", wire.JournalRequest(journal), wire.Empty)
    await tom.shares.leave("ana/Personal")
    with pytest.raises(AccessError):  # leaving twice
        await tom.transport.call("/v1/shares/leave", wire.JournalRequest(journal), wire.Empty)
    assert [s.member for s in await ana.shares.list()] == []
