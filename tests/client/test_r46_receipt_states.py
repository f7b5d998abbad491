"""R46 F1 and F4 (the fix, real server and crypto): what `shares.recipients` says of an item
whose only records a member could open have not left the owner's device, and of one whose
push the server never acknowledged: exact states, not only "not received"."""

from __future__ import annotations

from client_sdk import Client
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory


async def states(ana: Client, item_id: str) -> dict[str, str]:
    return {r.member: r.state for r in await ana.shares.recipients(item_id)}


async def test_an_entry_trashed_before_the_share_then_restored_is_not_sent_until_synced(
    signup: ClientFactory,
) -> None:
    """An entry written and trashed before the share left ana's device only under keys
    drsmith never holds: "not_sent" (nothing of it drsmith can open has left), whatever
    drsmith's later note claims; restored, its snapshot waits in the outbox ("not_sent");
    synced, it "may_have" reached drsmith, and after a note drsmith writes once it has it,
    "seen_later" (never "received")."""
    ana, drsmith = await signup("ana"), await signup("drsmith")
    entry = await ana.entries.write(None, "Written and trashed before the share.")
    await ana.entries.delete(entry.id)
    await ana.sync()
    await share_with(ana, drsmith, role="annotate")
    await ana.sync()
    await drsmith.sync()
    await drsmith.notes.add("ana/Personal", "Welcome.")
    await drsmith.sync()
    await ana.sync()
    assert await states(ana, entry.id) == {"drsmith": "not_sent"}
    await ana.entries.restore(entry.id)
    assert await states(ana, entry.id) == {"drsmith": "not_sent"}
    await ana.sync()
    assert await states(ana, entry.id) == {"drsmith": "may_have"}
    await drsmith.sync()
    assert entry.id in {e.id for e in await drsmith.entries.list("ana/Personal")}
    await drsmith.notes.add("ana/Personal", "Read it.")
    await drsmith.sync()
    await ana.sync()
    assert await states(ana, entry.id) == {"drsmith": "seen_later"}
