"""REV-S1: review of the writer limits (protocol.md 4.15 "Within the limits"), the server's
erasure checkpoints, the verification helper, the no-op sync fast paths and the NU32
usability pass. Each confirmed finding was an xfail(strict=True) test stating the intended
behaviour; real server on 127.0.0.1, real crypto, no mocks. Both are fixed: F1 by the
writer's seen vector byte budget (withholding.MAX_SEEN_BYTES), a share's size check on its
real records and the boundary a sync finishes (tests/client/test_share_boundary_owed.py);
F2 by superseding the records naming the fewest ranges first (withholding.superseding)."""

from __future__ import annotations

import pytest

from client_sdk import Client, crypto, records
from client_sdk import prompts as prompt_library
from client_sdk.errors import InvalidInput
from client_sdk.withholding import MAX_SEEN_BYTES, seen_bytes
from tests.client.sharing_support import journal_id
from tests.client.test_writer_limits import (
    annotated,
    push_as,
    shared,
    signed_by,
)
from tests.conftest import ClientFactory, RunningServer


async def test_s1_f1_a_member_inflates_the_owners_seen_vector_and_a_share_fails_half_done(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    """ana's journal holds one long answer to a prompt (never compressed: records.
    may_compress), about 200 KB, which fits a record with room to spare. tom (annotate)
    signs one record under each of MAX_SEEN device ids of his making, each with a counter
    past 2^32: within every limit, yet each names 46 bytes in every seen vector ana's laptop
    signs from then on, ~46 KB in all (bounded_seen bounds the devices, not the bytes: every
    small entry ana writes now weighs ~47 KB on the server and on every device). ana then
    shares Personal with lea: `check_snapshots` passes (`snapshot_fits` keeps SNAPSHOT_SLACK,
    8 KiB, for the seen vector and covers), the grant is signed and stored, and only then
    does the fresh snapshot of the answer, with its 46 KB seen vector, exceed
    MAX_RECORD_BYTES: `grant` raises InvalidInput after the share exists (R41 F4's "a refused
    share leaves no share" broken), and lea gets none of the journal's snapshots. Intended:
    the share either seals what it must (a writer's seen vector and covers kept within
    what snapshot_fits allows, or snapshot_fits allowing what a writer may sign) or is
    refused before anything is signed."""
    ana, tom, forge, journal, note = await annotated(signup, login)
    prompt_id = prompt_library.library()[0].id
    long_answer = await ana.entries.write(None, "\u00e9" * 100_000, prompt_id=prompt_id)
    await ana.sync(strict=True)
    devices = [crypto.random_bytes(16) for _ in range(records.MAX_SEEN)]
    await push_as(
        forge,
        journal,
        [records.RecordBody(**{**vars(note), "device": d, "counter": 2**40}) for d in devices],
    )
    await ana.sync()  # tom's devices "withheld" below 2^40: tom's doing, told to ana
    small = await ana.entries.write(None, "a short entry")
    await ana.sync()
    [sealed] = [b for b in await signed_by(ana, live_server, journal) if b.doc_id.hex() == small.id]
    # One short entry: its seen vector within the writer's byte budget (it was ~46 KB), as
    # full as that allows (tom's devices past it left out: claiming less).
    assert seen_bytes(sealed.seen) <= MAX_SEEN_BYTES < seen_bytes(sealed.seen) + 46
    assert len(sealed.to_bytes()) < MAX_SEEN_BYTES + 512
    lea = await signup("lea")
    try:
        await shared(ana, lea)
    except InvalidInput as refused:
        chain = ana.replica.chains.state(journal)
        granted = chain is not None and any(
            m.who is not None and m.who.username == "lea" for m in chain.members.values()
        )
        raise AssertionError(f"share refused ({refused}); lea granted anyway: {granted}") from None
    texts = [e.id for e in await lea.entries.list(journal.hex())]
    assert long_answer.id in texts


async def _edit_in_turns(ana: Client, first: str, second: str, turns: int) -> None:
    for _ in range(turns):
        await ana.entries.edit(first, append=" a")
        await ana.entries.edit(second, append=" b")


async def _records_of(ana: Client, live_server: RunningServer, doc_id: str) -> int:
    journal = await journal_id(ana, "Personal")
    return sum(
        1 for b in await signed_by(ana, live_server, journal) if b.doc_id == bytes.fromhex(doc_id)
    )


@pytest.mark.slow
async def test_s1_f2_a_full_snapshot_oldest_in_its_document_stops_compaction_for_good(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    """No attacker. ana edits two entries in turns (each one's records hold every other
    counter of her laptop). The first compaction's snapshot S1 of `first` covers 999
    ranges, and with its own counter (not next to any: `second`'s snapshot or update sits
    between) names exactly MAX_RANGES ranges: it fits a snapshot's covers alone, and only
    alone. `_compact_document` takes the records oldest first, and S1 is the oldest: it
    fills the budget, every later update of `first` (a new range each) is passed over, one
    record "is superseded" (< 2), and nothing is compacted, at this sync and every later
    one, however many updates pile up: the document's log grows without end, each new
    device downloads every update, and `SyncReport.compacted` still counts the document.
    Intended: the updates are compacted (leaving S1 as it is, as a record that does not fit
    is left), so the document's log stays short."""
    ana = await signup("ana")
    first = await ana.entries.write(None, "a")
    second = await ana.entries.write(None, "b")
    await _edit_in_turns(ana, first.id, second.id, records.MAX_RANGES - 2)
    await ana.sync(strict=True)  # compacts both: S1 of `first` covers 999 ranges
    assert await _records_of(ana, live_server, first.id) == 1
    [(_, s1)] = await ana.store.superseded(bytes.fromhex(first.id), 10)
    assert [len(c.ranges) for c in s1] == [records.MAX_RANGES]  # with its own counter
    # From here the laptop compacts a document past 10 records (100 by default): the
    # updates piling up after S1 are as many times the threshold with fewer edits.
    ana.replica.compact_after = 10
    # Any record in between, so that S1's counter is next to no later one of `first` (an
    # entry written the day after; here the first turn's `second` may already do it).
    await ana.entries.write(None, "the next day")
    for _ in range(2):
        await _edit_in_turns(ana, first.id, second.id, ana.replica.compact_after + 20)
        await ana.sync(strict=True)
    held = await _records_of(ana, live_server, first.id)
    assert held <= ana.replica.compact_after, f"{held} records of one entry, none compacted"
