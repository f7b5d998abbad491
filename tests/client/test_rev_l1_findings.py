"""REV-L1 findings (scope: `git diff ef2958e 81f73c7`): a hostile server, a malicious member,
and the two together, against the writer's seen-vector order by recency, the entry views a
client keeps between listings, the live channel's upgrade and the size fast path. Real
server on 127.0.0.1, real crypto; what a hostile server does is done to the real server's
database (as a compromised server can), nothing of the SDK replaced. Each finding's test is
`xfail(strict=True)`: it passes once the finding is fixed. /work/REV-L1-FINDINGS.md."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator

from client_sdk import Client, crypto, records
from client_sdk.withholding import MAX_SEEN_BYTES, SEEN_ENTRY_BYTES, SEEN_SURE, seen_bytes
from tests.client.sharing_support import journal_id, server_db
from tests.client.test_seen_recency import template_of
from tests.client.test_writer_limits import annotated, push_as, shared, signed_by
from tests.conftest import ClientFactory, RunningServer

STALE = (MAX_SEEN_BYTES // (SEEN_ENTRY_BYTES + 1)) + 10
"""Stale device ids of the owner, each with one record (counter 1): more than a seen vector's
bytes hold at that counter (as tests/client/test_seen_recency.py)."""


async def push_stale(
    old: Client, journal: bytes, template: records.RecordBody, count: int
) -> list[bytes]:
    """`count` records, one under each of `count` fresh device ids of ana's (counter 1 each):
    the former sessions' device ids (a new one at every login, protocol.md 2.3)."""
    return await push_as(
        old,
        journal,
        [
            records.RecordBody(
                **{
                    **vars(template),
                    "device": crypto.random_bytes(16),
                    "counter": 1,
                    "doc_id": crypto.random_bytes(16),
                }
            )
            for _ in range(count)
        ],
    )


def renumber_last(live_server: RunningServer, journal: bytes, record_ids: list[bytes]) -> None:
    """What a hostile server does with the numbers it gives records: `record_ids` get seqs
    past every other record of the journal (the journal's head moved with them), so that a
    device pulling the journal afresh holds them as the ones it heard of most recently."""
    with contextlib.closing(sqlite3.connect(server_db(live_server))) as db, db:
        (top,) = db.execute("SELECT max(seq) FROM records").fetchone()
        for n, record_id in enumerate(record_ids, 1):
            db.execute(
                "UPDATE records SET seq = ? WHERE journal_id = ? AND record_id = ?",
                (top + n, journal, record_id),
            )
        db.execute(
            "UPDATE journals SET head = ? WHERE journal_id = ?", (top + len(record_ids), journal)
        )


async def test_l1_f1_the_server_numbers_stale_records_last_and_the_laptop_drops_out(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    """REV-L1 F1 (fixed): the recency that keeps an account's live devices in each other's
    seen vectors was the server's seq: a server that numbered the stale ids' records last
    made a fresh device drop the live laptop from its seen vector again. It is now each
    device's latest signed `written_at` (`DeviceCounters.written`)."""
    ana = await signup("ana")
    await ana.entries.write(None, "before the old sessions")
    await ana.sync(strict=True)
    journal = await journal_id(ana, "Personal")
    old = await login("ana", device="old")
    await old.sync(strict=True)
    template = await template_of(old, journal)
    stale = await push_stale(old, journal, template, STALE)
    await ana.sync(strict=True)
    # The laptop, live, writes after every stale id: an honest server numbers its record last.
    await ana.entries.write(None, "from the laptop")
    await ana.sync(strict=True)
    laptop_id = ana.profile.device_id
    # The server numbers the stale ids' records after it (its seqs are its own to give),
    # then forces a new session of the phone (it expires tokens): the phone pulls afresh.
    renumber_last(live_server, journal, stale)
    phone = await login("ana", device="phone")
    await phone.sync(strict=True)
    held = {e.body for e in await phone.entries.list()}
    assert "from the laptop" in held  # the phone holds the laptop's record
    await phone.entries.write(None, "from the phone")
    await phone.sync(strict=True)

    bodies = await signed_by(ana, live_server, journal)
    [written] = [b for b in bodies if b.device == phone.profile.device_id]
    named = {(s.author, s.device) for s in written.seen}
    assert seen_bytes(written.seen) <= MAX_SEEN_BYTES
    assert len(named) > SEEN_SURE  # the budget cut the vector
    # The live laptop, whose record the phone holds, is named in the phone's seen vector: a
    # reader from whom the server withholds the laptop's record learns of it.
    assert (ana.profile.account_id, laptop_id) in named


@contextlib.contextmanager
def statements(client: Client) -> Iterator[list[str]]:
    """Every SQL statement `client`'s store runs while the block runs (SQLite's trace)."""
    traced: list[str] = []
    connection: sqlite3.Connection = client.store._db._connection
    connection.set_trace_callback(traced.append)
    try:
        yield traced
    finally:
        connection.set_trace_callback(None)


DOCUMENTS = 150
"""Entries in ana's journal (a year of journaling is some 365; 10,000 is issue 10's case)."""


async def test_l1_f2_a_member_with_89_device_ids_costs_a_share_no_more_statements(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """REV-L1 F2 (fixed): in a journal with more than SEEN_SURE author devices (a member
    signs under 89 ids of its own making), every record the owner sealed read every record
    row of the journal again to rank the devices (a share cost documents x records: 8.3 s
    against 1.4 s at 1,500 entries). The ranking now comes from the counters the writer reads
    anyway (`withholding.recency_of`): a share of the crowded journal runs about the
    statements a share of it ran before it was crowded."""
    ana, tom, forge, journal, note = await annotated(signup, login)
    for n in range(DOCUMENTS):
        await ana.entries.write(None, f"entry {n}")
    await ana.sync(strict=True)
    lea, max_ = await signup("lea"), await signup("max")
    with statements(ana) as before:
        await shared(ana, lea)  # fresh snapshots of every entry for lea, then the cut
    await forge.sync(strict=True)  # the key the share to lea made
    # tom signs one note under each of SEEN_SURE + 1 device ids of his making: cheap, and
    # within every limit (the writer keeps its vectors within them, REV-S1 F1).
    await push_as(
        forge,
        journal,
        [
            records.RecordBody(**{**vars(note), "device": crypto.random_bytes(16)})
            for _ in range(SEEN_SURE + 1)
        ],
    )
    await ana.sync(strict=True)
    assert len((await ana.store.device_counters())[journal]) > SEEN_SURE  # crowded now
    with statements(ana) as after:
        await shared(ana, max_)  # the same snapshots again, for max
    # One statement a sealed record more would be DOCUMENTS more (the finding's cost).
    assert len(after) <= len(before) + DOCUMENTS // 10, (len(before), len(after))


def kept_views(client: Client) -> dict[bytes, tuple[bytes, str, str]]:
    """The entry views `client` keeps between listings: doc id -> (journal id, title, body)."""
    return {
        doc_id: (kept[0], kept[3].title, kept[3].body)
        for doc_id, kept in client.context._views.items()
    }


async def test_l1_f3_views_of_a_deleted_journal_and_an_emptied_trash_stay_in_memory(
    signup: ClientFactory,
) -> None:
    """REV-L1 F3 (fixed): entry views were dropped for a journal forgotten with
    shares.forget only: a journal the owner deletes, and entries deleted for good
    (empty_trash), stayed in the client's memory as plaintext until a later listing. A view
    is now dropped when its document changes and when its journal is deleted."""
    ana = await signup("ana")
    await ana.journals.create("Private")
    secret = await ana.entries.write("Private", "what I never told anyone")
    trashed = await ana.entries.write(None, "a note I regret", title="regret")
    await ana.sync(strict=True)
    assert {e.id for e in await ana.entries.list()} >= {secret.id, trashed.id}
    private = await journal_id(ana, "Private")
    assert any(kept[0] == private for kept in kept_views(ana).values())  # the test can fail
    await ana.entries.delete(trashed.id)
    assert await ana.entries.empty_trash() == 1  # "deleted for good", "keeps none of it"
    await ana.journals.delete("Private")  # every trace of it on this device
    held = [(title, body) for _, title, body in kept_views(ana).values()]
    assert ("", "what I never told anyone") not in held
    assert ("regret", "a note I regret") not in held
