"""The work of listing assignments, counted (issue 10; never timed): the key epoch of the
record that made an assignment (`Store.made_epoch`, one query an assignment) is read only
where it can decide whether the assignment's share ended: when the account whose share it
was held more than one membership of the journal. Before, every assignment listed read it.
Real server on 127.0.0.1, real crypto and SQLite."""

from __future__ import annotations

import pytest

from client_sdk import Client
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory


def epochs_read(client: Client, monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The ids of the documents whose epoch `client`'s store reads from now on."""
    read: list[bytes] = []
    made_epoch = client.store.made_epoch

    async def counted(doc_id: bytes) -> int | None:
        read.append(doc_id)
        return await made_epoch(doc_id)

    monkeypatch.setattr(client.store, "made_epoch", counted)
    return read


async def test_assignments_of_a_share_never_made_again_read_no_key_epoch(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    made = await tom.assignments.assign("ana/Personal", "measure", "phq9", every_days=14)
    await tom.sync()
    await ana.sync()
    on_ana, on_tom = epochs_read(ana, monkeypatch), epochs_read(tom, monkeypatch)
    assert [d.assignment.id for d in await ana.assignments.due(include_upcoming=True)] == [made.id]
    assert [a.id for a in await tom.assignments.list("ana/Personal")] == [made.id]
    assert on_ana == on_tom == []
    # Shared again after an end: the epoch tells the first share's assignment from the new
    await ana.shares.revoke("Personal", "tom")
    await ana.sync()
    await tom.sync()
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    await ana.sync()
    assert await ana.assignments.due(include_upcoming=True) == []
    [ended] = await ana.assignments.ended()
    assert ended.id == made.id
    assert ended.share_ended is not None and ended.share_ended.reason == "removed"
    assert bytes.fromhex(made.id) in on_ana
