"""A share works out the removals it carries again (`Replica._removals_again`, R46 F7) once,
when it seals (`seal_snapshots`), not also in its size check (`check_snapshots`), where they
never changed the answer (one too large to carry is left out, not refused); and it reads no
document state for them (`_snapshot_plan`, which reads every state anyway, tells the removed
ones). What the share seals is exactly what the former query (every document of the
journal read and decoded, the removed ones kept) made it seal, with trashed, deleted, live
and a member's documents."""

from __future__ import annotations

from typing import Any

from client_sdk import records
from client_sdk.documents import removed
from client_sdk.replica import Replica, stored_document
from client_sdk.store import LocalJournal
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory


async def former_removals_again(replica: Replica, journal: LocalJournal) -> frozenset[bytes]:
    """`_removals_again` as it read before: every document of the journal with its state."""
    state = replica.chains.state(journal.journal_id)
    if state is None:
        return frozenset()
    epochs: set[int] = set()
    for member in state.members.values():
        if member.account_id is not None:
            epochs |= state.held_epochs(member.account_id)
    epochs.discard(state.epoch)
    if not epochs:
        return frozenset()
    docs = await replica.store.docs_sealed_in(journal.journal_id, epochs)
    creators = await replica.store.creators(sorted(docs))
    stored = {d.doc_id: d for d in await replica.store.documents(journal.journal_id)}
    return frozenset(
        doc_id
        for doc_id in docs
        if creators.get(doc_id, replica.profile.account_id) == journal.owner_id
        and doc_id in stored
        and removed(stored_document(stored[doc_id]))
    )


Plan = list[tuple[bytes, str, bytes]]


async def plan(replica: Replica, journal: LocalJournal, again: frozenset[bytes]) -> Plan:
    """What a share seals with `again` (`_snapshot_plan`): doc id, record kind, payload."""
    return [
        (document.doc_id, kind, payload)
        for document, kind, payload in await replica._snapshot_plan(journal, None, again=again)
    ]


def watch(store: Any, name: str, reads: list[str]) -> None:
    """Note each call of the store's method `name` in `reads` (the real one runs)."""
    real = getattr(store, name)

    async def noted(*args: Any, **kwargs: Any) -> Any:
        reads.append(name)
        return await real(*args, **kwargs)

    setattr(store, name, noted)


async def test_a_share_works_out_the_removals_once_and_as_the_former_query_did(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana", "laptop")
    tom = await signup("tom", "laptop")
    joan = await signup("joan", "laptop")
    early = [await ana.entries.write("Personal", f"before tom {n}") for n in range(3)]
    await share_with(ana, tom, role="annotate")
    later = [await ana.entries.write("Personal", f"after tom {n}") for n in range(4)]
    await ana.sync(strict=True)
    await tom.sync(strict=True)
    await tom.notes.add("ana/Personal", "A note of tom's.")
    await tom.sync(strict=True)
    await ana.sync(strict=True)
    await ana.entries.delete(early[0].id)  # trashed
    await ana.entries.delete(later[0].id)
    await ana.entries.delete(later[1].id)
    await ana.entries.empty_trash()  # deleted for good
    await ana.entries.delete(later[2].id)  # trashed
    await ana.sync(strict=True)

    calls: list[frozenset[bytes]] = []
    plans: list[tuple[Plan, Plan]] = []
    states_read: list[str] = []
    real = ana.replica._removals_again

    async def counted(journal: LocalJournal, *args: Any) -> frozenset[bytes]:
        states_read.clear()
        found = await real(journal, *args)
        calls.append(found)
        assert states_read == [], "no document state read to tell the removals again"
        former = await former_removals_again(ana.replica, journal)
        now = await plan(ana.replica, journal, found)
        plans.append((now, await plan(ana.replica, journal, former)))
        return found

    for name in ("documents", "documents_by_ids", "document"):
        watch(ana.store, name, states_read)
    ana.replica._removals_again = counted  # type: ignore[method-assign]
    await share_with(ana, joan, role="read")
    assert len(calls) == 1, "worked out once per share, when it seals"
    [(now, before)] = plans
    assert now == before
    carried = {doc_id for doc_id, kind, _ in now if kind == records.UPDATE}
    assert carried == {bytes.fromhex(e.id) for e in (early[0], later[0], later[1], later[2])}, (
        "every removed entry tom's device may hold live is carried again"
    )
    await joan.sync(strict=True)
    await tom.sync(strict=True)
    assert {e.id for e in await tom.entries.list("ana/Personal")} == {
        early[1].id, early[2].id, later[3].id
    }  # fmt: skip
