"""Share actions that reach a journal kept for a member (a field-level copy, the journal of
single items) whose access chain holds an entry of a newer chain version (protocol.md 4.19,
"Chain versions"): they raise ChainUpdateNeeded ("update the app"), with nothing ended or
signed anywhere, never "a copy this device cannot see" (InvalidInput) after part of the
change nor "may still read, this device cannot tell" (StillShared), and never a second
journal of single items beside the one that needs the update.

The owner's later app signed the entry; it is written into the server's database between
steps, as tests/client/test_chain_versions.py does. Real server on 127.0.0.1, real crypto."""

from __future__ import annotations

import msgpack
import pytest

from client_sdk import ChainUpdateNeeded, Client, access
from tests.client.sharing_support import journal_id, share_with
from tests.client.test_chain_versions import store_entry, stored_chain
from tests.conftest import ClientFactory, RunningServer


def sign_newer_entry(live_server: RunningServer, owner: Client, journal: bytes) -> None:
    """Append to `journal`'s chain an entry of the next chain version, signed by `owner`."""
    chain = stored_chain(live_server, journal)
    head = access.verify(
        None, owner.replica.reader, journal, owner.profile.account_id,
        owner.profile.secrets.sign_public_key, chain,
    )  # fmt: skip
    body = msgpack.packb(
        [access.CHAIN_VERSION + 1, journal, len(chain), head.head, "renamed", 1, {}, "later"],
        use_bin_type=True,
    )
    store_entry(
        live_server, journal, len(chain), access.sign_entry(owner.profile.secrets.signing_key, body)
    )


async def kept_for(owner: Client, name: str) -> bytes:
    [kept] = [j for j in await owner.journals.list() if j.name == name]
    return bytes.fromhex(kept.id)


async def test_share_actions_through_a_copy_that_needs_an_update_say_update_and_end_nothing(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    ana, eve = await signup("ana"), await signup("eve")
    await ana.entries.write("Personal", "A long week.", mood=4)
    await share_with(ana, eve, only=["mood"])
    await ana.sync()
    copy = await kept_for(ana, "Personal (mood) for eve")
    personal = await journal_id(ana, "Personal")
    sign_newer_entry(live_server, ana, copy)
    await ana.replica.refresh_journals()
    assert ana.replica.chains.needs_update(copy)
    chains = {j: stored_chain(live_server, j) for j in (personal, copy)}
    for act in (
        lambda: ana.shares.grant("Personal", "eve", only=["mood", "body"]),
        lambda: ana.shares.grant("Personal", "eve", role="annotate"),
        lambda: ana.shares.revoke("Personal", "eve"),
    ):
        with pytest.raises(ChainUpdateNeeded, match="update the app") as raised:
            await act()
        assert raised.value.journal_id == copy
        assert {j: stored_chain(live_server, j) for j in chains} == chains, "nothing signed"


async def test_sharing_an_entry_while_the_journal_of_items_needs_an_update_says_update(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    ana = await signup("ana")
    await signup("eve")
    first = await ana.entries.write("Personal", "First.", mood=5)
    second = await ana.entries.write("Personal", "Second.", mood=6)
    await ana.shares.grant_entry(first.id, "eve", trust_on_first_use=True)
    await ana.sync()
    items = await kept_for(ana, "Shared with eve")
    sign_newer_entry(live_server, ana, items)
    journals = sorted(j.id for j in await ana.journals.list())
    with pytest.raises(ChainUpdateNeeded, match="update the app") as raised:
        await ana.shares.grant_entry(second.id, "eve")
    assert raised.value.journal_id == items
    assert sorted(j.id for j in await ana.journals.list()) == journals, "no second journal"
    with pytest.raises(ChainUpdateNeeded):
        await ana.shares.revoke("Shared with eve", "eve")
    # Personal itself is not shared with eve: what she may still read of it is in the
    # journal of single items, which needs the update (not "cannot tell", StillShared).
    with pytest.raises(ChainUpdateNeeded) as raised:
        await ana.shares.revoke("Personal", "eve")
    assert raised.value.journal_id == items
