"""A settings write alone moves the local store's version by itself (issue 10): what was
computed from the rest of the store (a clean withholding check) is kept across the last-sync
timestamp, and only when no other process committed in the meantime."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from client_sdk.store import STORE_FILE, LocalJournal, Peer, Store, StoredDocument
from client_sdk.withholding import Cover, DeviceCounters, Key

JOURNAL = LocalJournal(b"\x01" * 16, b"\x02" * 16, "owner", 1, "Personal", 1, 0)
OWNER = JOURNAL.owner_id  # the account whose store it is
TAG = b"\x07" * 32  # keys.kept_counters_tag of the journal id, as the replica passes it


def other_process(home: Path) -> sqlite3.Connection:
    """Another connection to the same store file, as a CLI run beside an app holds."""
    return sqlite3.connect(str(home / STORE_FILE), isolation_level=None)


async def test_a_settings_write_reports_the_versions_it_moved_the_store_between(
    tmp_path: Path,
) -> None:
    store = await Store.open(tmp_path)
    async with store.transaction() as tx:
        await tx.put_journal(JOURNAL, counters_tag=TAG)
    before = await store.version()
    moved = await store.put_setting("last_synced_at", 1)
    assert moved == (before, await store.version())
    assert moved[0] != moved[1]
    assert await store.setting("last_synced_at") == 1
    await store.close()


async def test_a_commit_of_another_process_is_never_carried_over_by_a_settings_write(
    tmp_path: Path,
) -> None:
    store = await Store.open(tmp_path)
    async with store.transaction() as tx:
        await tx.put_journal(JOURNAL, counters_tag=TAG)
    seen = await store.version()  # what a clean check was computed at
    other = other_process(tmp_path)
    other.execute("UPDATE journals SET name = 'Renamed'")
    other.close()
    moved = await store.put_setting("last_synced_at", 2)
    assert moved is not None and moved[0] != seen  # it starts from the other commit's version
    assert await store.version() not in (seen, None)
    await store.close()


async def test_the_journal_list_is_read_again_after_any_change_to_it(tmp_path: Path) -> None:
    # issue 10: the list is kept between reads while the store's version stands still.
    store = await Store.open(tmp_path)
    async with store.transaction() as tx:
        await tx.put_journal(JOURNAL, counters_tag=TAG)
    assert [j.name for j in await store.journals()] == ["Personal"]

    other = other_process(tmp_path)  # another process renames it
    other.execute("UPDATE journals SET name = 'Renamed'")
    other.close()
    assert [j.name for j in await store.journals()] == ["Renamed"]

    async with store.transaction() as tx:  # this connection moves its cursor
        await tx.advance_cursor(JOURNAL.journal_id, 7)
    assert [j.cursor for j in await store.journals()] == [7]

    try:  # a change rolled back is not kept either
        async with store.transaction() as tx:
            await tx.remove_journal(JOURNAL.journal_id, counters_tag=TAG, account=OWNER)
            raise RuntimeError("abandon")
    except RuntimeError:
        pass
    assert [j.name for j in await store.journals()] == ["Renamed"]

    listed = await store.journals()
    listed.clear()  # a caller's own copy
    assert len(await store.journals()) == 1
    await store.close()


async def test_a_write_reads_withdrawn_and_device_counters_again_after_any_change_to_them(
    tmp_path: Path,
) -> None:
    # issue 10: the counting state is kept between writes while its tables stand still;
    # whoever changes them (this connection, a rollback, another process), the next record
    # carries every withdrawn counter and states the seen vector as it is now.
    store = await Store.open(tmp_path)
    journal = JOURNAL.journal_id
    me, other = (b"\x0a" * 16, b"\x0b" * 16), (b"\x0c" * 16, b"\x0d" * 16)

    async def state() -> tuple[int, tuple[Cover, ...], dict[Key, DeviceCounters]]:
        return await store.write(lambda db: store.counting_state(db, journal))

    assert await state() == (1, (), {})
    assert await state() == (2, (), {})

    withdrawn = (Cover(*me, ((2, 2),)),)
    async with store.transaction() as tx:  # this connection withdraws a counter
        await tx.withdraw(journal, withdrawn)
    assert await state() == (3, withdrawn, {})
    assert await state() == (4, (), {})  # taken by the record that carried it

    async with store.transaction() as tx:  # and learns another device's counters
        await tx.put_journal_counters(journal, {other: DeviceCounters([(1, 5)])})
    counter, _, counters = await state()
    assert (counter, counters[other].top()) == (5, 5)

    second = other_process(tmp_path)  # another process of the profile withdraws one
    second.execute("INSERT INTO withdrawn VALUES (?, ?, ?, 6, 6)", (journal, *me))
    second.close()
    assert (await state())[1] == (Cover(*me, ((6, 6),)),)

    async with store.transaction() as tx:
        await tx.withdraw(journal, (Cover(*me, ((7, 7),)),))

    def abandoned(db: sqlite3.Connection) -> None:
        store.counting_state(db, journal)  # takes the withdrawn counter...
        raise RuntimeError("crash before the record is stored")  # ...and is rolled back

    try:
        await store.write(abandoned)
    except RuntimeError:
        pass
    assert (await state())[1] == (Cover(*me, ((7, 7),)),)  # still there for the next one
    await store.close()


async def test_counters_taken_together_are_consecutive_and_never_used_again(
    tmp_path: Path,
) -> None:
    # issue 10: an import takes the counters of a batch of records in one statement; the
    # withdrawn counters are taken once (the batch's first record carries them).
    store = await Store.open(tmp_path)
    journal = JOURNAL.journal_id
    me = (b"\x0a" * 16, b"\x0b" * 16)
    async with store.transaction() as tx:
        await tx.withdraw(journal, (Cover(*me, ((9, 9),)),))
    first, withdrawn, _ = await store.write(lambda db: store.counting_state(db, journal, 500))
    assert (first, withdrawn) == (1, (Cover(*me, ((9, 9),)),))
    assert await store.write(lambda db: store.counting_state(db, journal)) == (501, (), {})
    assert (await store.write(lambda db: store.counting_state(db, journal, 3)))[0] == 502
    assert (await store.write(lambda db: store.counting_state(db, journal)))[0] == 505
    await store.close()


async def test_reads_as_of_a_version_hold_only_while_this_connection_changes_nothing(
    tmp_path: Path,
) -> None:
    # issue 10: a sync reads the version once and what follows as of it, without a statement
    # while this connection writes nothing; any write of its own (a rollback too) is seen.
    store = await Store.open(tmp_path)
    async with store.transaction() as tx:
        await tx.put_journal(JOURNAL, counters_tag=TAG)
    start = await store.version()
    assert await store.version(since=start) == start
    assert [j.cursor for j in await store.journals(as_of=start)] == [0]
    assert await store.setting("name", "none", as_of=start) == "none"
    assert await store.waiting(as_of=start) == (start, False)

    async with store.transaction() as tx:  # a write of this connection
        await tx.advance_cursor(JOURNAL.journal_id, 7)
        await tx.set_setting("name", "set")
        await tx.add_outbox(JOURNAL.journal_id, b"\x03" * 16, 1, b"sealed", None)
    assert await store.version(since=start) != start
    assert [j.cursor for j in await store.journals(as_of=start)] == [7]
    assert await store.setting("name", "none", as_of=start) == "set"
    moved, waits = await store.waiting(as_of=start)
    assert waits and moved != start

    start = await store.version()
    try:  # a write rolled back: read again, and what it wrote is not there
        async with store.transaction() as tx:
            await tx.advance_cursor(JOURNAL.journal_id, 9)
            await tx.set_setting("name", "abandoned")
            await tx.remove_outbox([1])
            raise RuntimeError("abandon")
    except RuntimeError:
        pass
    assert await store.version(since=start) != start
    assert [j.cursor for j in await store.journals(as_of=start)] == [7]
    assert await store.setting("name", as_of=start) == "set"
    assert (await store.waiting(as_of=start))[1]
    await store.close()


async def test_a_commit_of_another_process_is_read_from_the_next_version_on(
    tmp_path: Path,
) -> None:
    store = await Store.open(tmp_path)
    async with store.transaction() as tx:
        await tx.put_journal(JOURNAL, counters_tag=TAG)
        await tx.set_setting("name", "mine")
    start = await store.version()
    assert (await store.waiting(as_of=start))[1] is False
    assert await store.setting("name", as_of=start) == "mine"

    other = other_process(tmp_path)
    other.execute("UPDATE journals SET cursor = 5")
    other.execute("UPDATE settings SET value = 'theirs' WHERE name = 'name'")
    other.execute("INSERT INTO pending_journals (journal_id, request) VALUES (x'05', x'06')")
    other.close()
    # As of `start` (the start of a sync under way) the store is as it was then...
    assert await store.version(since=start) == start
    # ...and from the next version read on, as the other process left it.
    now = await store.version()
    assert now != start
    assert [j.cursor for j in await store.journals(as_of=now)] == [5]
    assert await store.setting("name", as_of=now) == "theirs"
    assert await store.waiting(as_of=now) == (now, True)
    # Nothing changed since: the next version read says so (PRAGMA data_version alone)...
    assert await store.version() == now
    other = other_process(tmp_path)
    other.execute("UPDATE settings SET value = 'again' WHERE name = 'name'")
    other.close()
    # ...and a commit of another process after it is seen by the one after.
    again = await store.version()
    assert again != now
    assert await store.setting("name", as_of=again) == "again"
    await store.close()


async def test_peers_and_field_writes_read_as_of_a_version_are_read_again_after_a_change(
    tmp_path: Path,
) -> None:
    store = await Store.open(tmp_path)
    peer = Peer(b"\x07" * 16, "sam", b"\x08" * 32, b"\x09" * 32, False)
    start = await store.version()
    assert await store.peers(as_of=start) == []
    assert await store.unsynced_field_writes(as_of=start) == {}

    async with store.transaction() as tx:  # this connection pins a peer and edits a field
        await tx.put_peer(peer)
        await tx.add_field_writes(b"\x0e" * 16, {"mood": "3"}, 1)
    start = await store.version()
    assert await store.peers(as_of=start) == [peer]
    assert await store.unsynced_field_writes(as_of=start) == {b"\x0e" * 16: {"mood": ("3", 1)}}

    try:  # rolled back: as it was
        async with store.transaction() as tx:
            await tx.forget_peer(peer.account_id)
            await tx.forget_field_writes([b"\x0e" * 16])
            raise RuntimeError("abandon")
    except RuntimeError:
        pass
    start = await store.version()
    assert await store.peers(as_of=start) == [peer]
    assert await store.unsynced_field_writes(as_of=start) != {}

    async with store.transaction() as tx:
        await tx.mark_field_writes_synced([b"\x0e" * 16])
    start = await store.version()
    assert await store.unsynced_field_writes(as_of=start) == {}  # none: kept in memory

    other = other_process(tmp_path)  # another process verifies the peer and edits a field
    other.execute("UPDATE peers SET verified = 1")
    other.execute("INSERT INTO field_writes VALUES (x'0f', 'title', '\"t\"', 2, 1)")
    other.close()
    now = await store.version()
    assert [p.verified for p in await store.peers(as_of=now)] == [True]
    assert await store.unsynced_field_writes(as_of=now) == {b"\x0f": {"title": ('"t"', 2)}}
    await store.close()


async def test_a_journals_bytes_read_as_of_a_version_are_summed_again_once_it_moves(
    tmp_path: Path,
) -> None:
    # The bound on unverified owners' journals sums their documents at every pull; a pull
    # with nothing new takes the sums of the last one (issue 10), never after a change.
    store = await Store.open(tmp_path)
    journal = JOURNAL.journal_id

    def document(doc: bytes, size: int) -> StoredDocument:
        return StoredDocument(doc, journal, "entry", b"s" * size)

    start = await store.version()
    assert await store.journal_bytes(journal, as_of=start) == 0
    async with store.transaction() as tx:
        await tx.put_documents([document(b"\x01", 100)], 1)
    start = await store.version()
    assert await store.journal_bytes(journal, as_of=start) == 100
    assert await store.journal_bytes(journal, as_of=start) == 100

    try:  # rolled back: the sum as it was
        async with store.transaction() as tx:
            await tx.put_documents([document(b"\x02", 50)], 1)
            raise RuntimeError("abandon")
    except RuntimeError:
        pass
    start = await store.version()
    assert await store.journal_bytes(journal, as_of=start) == 100

    other = other_process(tmp_path)  # another process stores a document of the journal
    other.execute(
        "INSERT INTO documents (doc_id, journal_id, kind, state, updated_at, creator) "
        "VALUES (x'03', ?, 'entry', zeroblob(30), 1, NULL)",
        (journal,),
    )
    other.close()
    assert await store.journal_bytes(journal, as_of=await store.version()) == 130
    await store.close()


async def test_reads_kept_in_memory_as_of_a_version_make_no_call_on_the_connection(
    tmp_path: Path,
) -> None:
    # issue 10: after a sync's pull found nothing, its bookkeeping reads settings, the
    # journal list and marks as of the version it read first: served from memory, without
    # the lock or a call on the connection, while that version holds; read again after it
    # moves (here, another process's commit).
    store = await Store.open(tmp_path)
    async with store.transaction() as tx:
        await tx.put_journal(JOURNAL, counters_tag=TAG)
        await tx.set_setting("name", "mine")
    start = await store.version()
    assert await store.setting("name", as_of=start) == "mine"  # read once: kept
    assert [j.name for j in await store.journals(as_of=start)] == ["Personal"]
    assert await store.marked_documents("tags_arrived", as_of=start) == []
    calls = 0
    run = store._db.run

    async def counted(fn: Any) -> Any:
        nonlocal calls
        calls += 1
        return await run(fn)

    store._db.run = counted  # type: ignore[method-assign]
    assert await store.setting("name", as_of=start) == "mine"
    assert await store.setting("other", "none", as_of=start) == "none"  # not kept: read
    assert [j.name for j in await store.journals(as_of=start)] == ["Personal"]
    assert await store.marked_documents("tags_arrived", as_of=start) == []
    assert calls == 1  # the setting never read before
    other = other_process(tmp_path)
    other.execute("UPDATE settings SET value = 'theirs' WHERE name = 'name'")
    other.execute("UPDATE journals SET name = 'Renamed'")
    other.close()
    now = await store.version()
    assert now != start
    assert await store.setting("name", as_of=now) == "theirs"
    assert [j.name for j in await store.journals(as_of=now)] == ["Renamed"]
    await store.close()


async def test_a_read_as_of_a_version_its_own_write_made_stale_sees_another_processs_commit(
    tmp_path: Path,
) -> None:
    # issue 10: once this connection wrote, reads as of the sync's first version are read as
    # of now; the cheaper check (no row changed here, PRAGMA data_version unmoved) must still
    # see a commit of another process made after the last read.
    store = await Store.open(tmp_path)
    async with store.transaction() as tx:
        await tx.put_journal(JOURNAL, counters_tag=TAG)
    start = await store.version()
    async with store.transaction() as tx:  # the sync's own write: `start` is stale now
        await tx.set_setting("name", "mine")
    assert await store.setting("name", as_of=start) == "mine"
    assert await store.setting("name", as_of=start) == "mine"  # the cheaper check: unchanged
    other = other_process(tmp_path)
    other.execute("UPDATE settings SET value = 'theirs' WHERE name = 'name'")
    other.execute("UPDATE journals SET name = 'Renamed'")
    other.close()
    assert await store.setting("name", as_of=start) == "theirs"
    assert [j.name for j in await store.journals(as_of=start)] == ["Renamed"]
    await store.close()


async def test_peers_kept_in_memory_make_no_call_on_the_connection(tmp_path: Path) -> None:
    # A sync loads the peers at its start: with the peers table unchanged since they were
    # read, with or without `as_of`, they come from memory without a call on the connection.
    store = await Store.open(tmp_path)
    peer = Peer(b"\x07" * 16, "sam", b"\x08" * 32, b"\x09" * 32, False)
    async with store.transaction() as tx:
        await tx.put_peer(peer)
    start = await store.version()
    assert await store.peers() == [peer]  # read once: kept
    calls = 0
    run = store._db.run

    async def counted(fn: Any) -> Any:
        nonlocal calls
        calls += 1
        return await run(fn)

    store._db.run = counted  # type: ignore[method-assign]
    assert await store.peers() == [peer]
    assert await store.peers(as_of=start) == [peer]
    assert calls == 0
    other = other_process(tmp_path)  # another process verifies the peer: read again
    other.execute("UPDATE peers SET verified = 1")
    other.close()
    assert [p.verified for p in await store.peers()] == [True]
    assert calls == 1
    await store.close()


async def test_the_access_summary_is_read_again_in_one_call_and_shares_its_problems(
    tmp_path: Path,
) -> None:
    # A chain change reads the chains' ends and the problems again: in one call on the
    # connection, and `access_problems` then answers from the same rows kept in memory.
    store = await Store.open(tmp_path)
    assert await store.access_summary() == ({}, {})
    calls = 0
    run = store._db.run

    async def counted(fn: Any) -> Any:
        nonlocal calls
        calls += 1
        return await run(fn)

    store._db.run = counted  # type: ignore[method-assign]
    other = other_process(tmp_path)  # another process notes a problem: read again
    other.execute("INSERT INTO access_problems VALUES (x'01', 'a broken chain')")
    other.close()
    assert await store.access_summary() == ({}, {b"\x01": "a broken chain"})
    assert calls == 1
    assert await store.access_problems() == {b"\x01": "a broken chain"}
    assert calls == 1
    await store.close()
