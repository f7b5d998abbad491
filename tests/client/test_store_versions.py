"""A settings write alone moves the local store's version by itself (issue 10): what was
computed from the rest of the store (a clean withholding check) is kept across the last-sync
timestamp, and only when no other process committed in the meantime."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from client_sdk.store import STORE_FILE, LocalJournal, Store
from client_sdk.withholding import Cover, DeviceCounters, Key

JOURNAL = LocalJournal(b"\x01" * 16, b"\x02" * 16, "owner", 1, "Personal", 1, 0)


def other_process(home: Path) -> sqlite3.Connection:
    """Another connection to the same store file, as a CLI run beside an app holds."""
    return sqlite3.connect(str(home / STORE_FILE), isolation_level=None)


async def test_a_settings_write_reports_the_versions_it_moved_the_store_between(
    tmp_path: Path,
) -> None:
    store = await Store.open(tmp_path)
    async with store.transaction() as tx:
        await tx.put_journal(JOURNAL)
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
        await tx.put_journal(JOURNAL)
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
        await tx.put_journal(JOURNAL)
    assert [j.name for j in await store.journals()] == ["Personal"]

    other = other_process(tmp_path)  # another process renames it
    other.execute("UPDATE journals SET name = 'Renamed'")
    other.close()
    assert [j.name for j in await store.journals()] == ["Renamed"]

    async with store.transaction() as tx:  # this connection moves its cursor
        await tx.set_cursor(JOURNAL.journal_id, 7)
    assert [j.cursor for j in await store.journals()] == [7]

    try:  # a change rolled back is not kept either
        async with store.transaction() as tx:
            await tx.remove_journal(JOURNAL.journal_id)
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
