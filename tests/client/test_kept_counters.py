"""The write counters a device keeps of a journal it removed (`kept_write_counters`, R36
F4/F5) are named by a tag keyed with the account's secrets (keys.kept_counters_tag, R38 G1,
G2), given back when the journal is listed again; rows an older store kept under the unkeyed
tag (`legacy_counters_tag`) are given back too, never dropped, so no counter is signed twice."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from client_sdk import forgotten, keys
from client_sdk.store import STORE_FILE, LocalJournal, Store, legacy_counters_tag
from client_sdk.withholding import Cover
from tests.conftest import ClientFactory

JOURNAL = LocalJournal(b"\x01" * 16, b"\x02" * 16, "owner", 1, "Personal", 1, 0)
OWNER = JOURNAL.owner_id  # the account whose store it is
ACCOUNT_KEY = b"\x09" * 32
TAG = keys.kept_counters_tag(ACCOUNT_KEY, JOURNAL.journal_id)
DEVICE = b"\x05" * 16


def rows(home: Path, sql: str) -> list[tuple[object, ...]]:
    with contextlib.closing(sqlite3.connect(home / STORE_FILE)) as db:
        return db.execute(sql).fetchall()


def write(home: Path, sql: str, params: tuple[object, ...]) -> None:
    with contextlib.closing(sqlite3.connect(home / STORE_FILE)) as db, db:
        db.execute(sql, params)


def test_the_tag_is_keyed_with_the_account_key() -> None:
    assert len(TAG) == 32
    assert TAG != legacy_counters_tag(JOURNAL.journal_id)
    assert TAG != keys.kept_counters_tag(b"\x0a" * 32, JOURNAL.journal_id)
    assert TAG != keys.kept_counters_tag(ACCOUNT_KEY, b"\x03" * 16)
    assert TAG == keys.kept_counters_tag(ACCOUNT_KEY, JOURNAL.journal_id)


async def test_a_removed_journals_counters_are_kept_under_the_keyed_tag_and_given_back(
    tmp_path: Path,
) -> None:
    store = await Store.open(tmp_path)
    try:
        async with store.transaction() as tx:
            await tx.put_journal(JOURNAL, counters_tag=TAG)
        write(
            tmp_path,
            "INSERT INTO device_write_counters VALUES (?, ?, ?)",
            (JOURNAL.journal_id, DEVICE, 3),
        )
        async with store.transaction() as tx:
            await tx.remove_journal(JOURNAL.journal_id, counters_tag=TAG, account=OWNER)
        assert rows(tmp_path, "SELECT tag, device, counter FROM kept_write_counters") == [
            (TAG, DEVICE, 3)
        ]
        assert rows(tmp_path, "SELECT * FROM device_write_counters") == []
        async with store.transaction() as tx:  # listed again
            await tx.put_journal(JOURNAL, counters_tag=TAG)
        assert rows(tmp_path, "SELECT * FROM device_write_counters") == [
            (JOURNAL.journal_id, DEVICE, 3)
        ]
        assert rows(tmp_path, "SELECT * FROM kept_write_counters") == []
    finally:
        await store.close()


async def test_a_removed_journals_withdrawn_counters_are_kept_under_the_tag_and_given_back(
    tmp_path: Path,
) -> None:
    """Counters withdrawn in a journal (records set aside, then dropped) outlive its removal
    (`forget_journal`, `remove_journal`) under the keyed tag, never its id, and come back with
    the write counters when it is listed again: the device's next record there carries them,
    so no reader sees the counters it goes on from as a gap (NU56 finding 1)."""
    store = await Store.open(tmp_path)
    author = b"\x02" * 16
    try:
        for remove in ("forget_journal", "remove_journal"):
            async with store.transaction() as tx:
                await tx.put_journal(JOURNAL, counters_tag=TAG)
                await tx.withdraw(JOURNAL.journal_id, (Cover(author, DEVICE, ((1, 2), (5, 5))),))
            async with store.transaction() as tx:
                await getattr(tx, remove)(JOURNAL.journal_id, counters_tag=TAG, account=OWNER)
            assert sorted(rows(tmp_path, "SELECT * FROM kept_withdrawn")) == [
                (TAG, author, DEVICE, 1, 2),
                (TAG, author, DEVICE, 5, 5),
            ]
            assert rows(tmp_path, "SELECT * FROM withdrawn") == []
            async with store.transaction() as tx:  # listed again
                await tx.put_journal(JOURNAL, counters_tag=TAG)
            assert rows(tmp_path, "SELECT * FROM kept_withdrawn") == []
            async with store.transaction() as tx:
                taken = await tx.take_withdrawn(JOURNAL.journal_id)
            assert taken == (Cover(author, DEVICE, ((1, 2), (5, 5))),), remove
    finally:
        await store.close()


async def test_only_this_accounts_withdrawals_are_kept_and_none_of_a_journal_deleted_here(
    tmp_path: Path,
) -> None:
    """On an owner's device `withdrawn` also holds other accounts' counters (the covers of a
    snapshot set aside): a removed journal keeps only this account's rows, of this home's
    earlier device id too, and none of another account's, whose account and device ids would
    stay for good (REV-S15B F3). A journal this account deleted here (`forgotten.DELETED`)
    is never taken back, so it keeps no withdrawal at all; its write counters are kept."""
    store = await Store.open(tmp_path)
    earlier = b"\x06" * 16  # this home's id before it signed in again
    member, phone = b"\x0b" * 16, b"\x0c" * 16
    owed = (Cover(OWNER, DEVICE, ((3, 3),)), Cover(OWNER, earlier, ((7, 8),)))
    try:
        for remove in ("forget_journal", "remove_journal"):
            async with store.transaction() as tx:
                await tx.put_journal(JOURNAL, counters_tag=TAG)
                await tx.withdraw(JOURNAL.journal_id, (*owed, Cover(member, phone, ((1, 4),))))
            async with store.transaction() as tx:
                await getattr(tx, remove)(JOURNAL.journal_id, counters_tag=TAG, account=OWNER)
            assert sorted(rows(tmp_path, "SELECT * FROM kept_withdrawn")) == [
                (TAG, OWNER, DEVICE, 3, 3),
                (TAG, OWNER, earlier, 7, 8),
            ], remove
            assert rows(tmp_path, "SELECT * FROM withdrawn") == []
            async with store.transaction() as tx:  # listed again
                await tx.put_journal(JOURNAL, counters_tag=TAG)
            async with store.transaction() as tx:
                assert await tx.take_withdrawn(JOURNAL.journal_id) == owed, remove
        # Deleted here: its mark is set in the transaction that removes it.
        write(
            tmp_path,
            "INSERT INTO device_write_counters VALUES (?, ?, ?)",
            (JOURNAL.journal_id, DEVICE, 9),
        )
        async with store.transaction() as tx:
            await tx.withdraw(JOURNAL.journal_id, (*owed, Cover(member, phone, ((1, 4),))))
            await tx.set_setting(forgotten.DELETED, forgotten.encode({TAG.hex()}))
            await tx.remove_journal(JOURNAL.journal_id, counters_tag=TAG, account=OWNER)
        assert rows(tmp_path, "SELECT * FROM kept_withdrawn") == []
        assert rows(tmp_path, "SELECT * FROM withdrawn") == []
        assert rows(tmp_path, "SELECT tag, device, counter FROM kept_write_counters") == [
            (TAG, DEVICE, 9)
        ]
    finally:
        await store.close()


async def test_an_older_stores_unkeyed_rows_are_given_back_when_the_journal_is_listed_again(
    tmp_path: Path,
) -> None:
    store = await Store.open(tmp_path)
    try:
        legacy = legacy_counters_tag(JOURNAL.journal_id)
        write(
            tmp_path,
            "INSERT INTO kept_write_counters (tag, device, counter) VALUES (?, ?, ?)",
            (legacy, DEVICE, 4),
        )
        other = b"\x06" * 16  # and a keyed row of another device of the same journal
        write(
            tmp_path,
            "INSERT INTO kept_write_counters (tag, device, counter) VALUES (?, ?, ?)",
            (TAG, other, 2),
        )
        async with store.transaction() as tx:
            await tx.put_journal(JOURNAL, counters_tag=TAG)
        assert sorted(rows(tmp_path, "SELECT device, counter FROM device_write_counters")) == [
            (DEVICE, 4),
            (other, 2),
        ]
        assert rows(tmp_path, "SELECT * FROM kept_write_counters") == []
    finally:
        await store.close()


async def test_a_deleted_journals_counters_are_kept_under_the_accounts_keyed_tag(
    signup: ClientFactory,
) -> None:
    """The counters are kept (R36 F5), under the tag only the account computes (R38 G1)."""
    ana = await signup("g12ana")
    diary = bytes.fromhex((await ana.journals.create("Diary")).id)
    for text in ("one", "two", "three"):
        await ana.entries.write("Diary", text)
    await ana.sync(strict=True)
    await ana.journals.delete("Diary")
    await ana.sync(strict=True)
    tag = keys.kept_counters_tag(ana.profile.secrets.account_key, diary)
    assert rows(ana.home, "SELECT tag, device, counter FROM kept_write_counters") == [
        (tag, ana.profile.device_id, 3)
    ]


async def test_a_journal_deleted_here_keeps_no_withdrawal_and_names_no_co_member(
    signup: ClientFactory,
) -> None:
    """Through the SDK: the owner deletes a journal while it owes withdrawals there (rows
    written into its store as a set-aside record leaves them: its own counter, and a
    co-member's counters its covers named). Nothing of them outlives the journal, which is
    never taken back here; its write counters are kept (R36 F5)."""
    ana = await signup("kw15ana")
    diary = bytes.fromhex((await ana.journals.create("Diary")).id)
    for text in ("one", "two"):
        await ana.entries.write("Diary", text)
    await ana.sync(strict=True)
    member, phone = b"\x0b" * 16, b"\x0c" * 16
    for author, device, lo, hi in ((ana.profile.account_id, ana.profile.device_id, 3, 3),
                                   (member, phone, 1, 4)):  # fmt: skip
        write(
            ana.home,
            "INSERT INTO withdrawn VALUES (?, ?, ?, ?, ?)",
            (diary, author, device, lo, hi),
        )
    await ana.journals.delete("Diary")  # syncs first (what other devices recorded in it)
    await ana.sync(strict=True)
    tag = keys.kept_counters_tag(ana.profile.secrets.account_key, diary)
    assert rows(ana.home, "SELECT * FROM kept_withdrawn") == []
    assert rows(ana.home, "SELECT * FROM withdrawn") == []
    # the sync before the deletion sent the withdrawal owed there, under counter 3
    assert rows(ana.home, "SELECT tag, device, counter FROM kept_write_counters") == [
        (tag, ana.profile.device_id, 3)
    ]
