"""The work of one `entries.write`, counted (issue 10; never timed): the statements it runs on
the store, and the seen vector each record states, made again only when what it is made from
changed. Real server on 127.0.0.1, real crypto and SQLite."""

from __future__ import annotations

import contextlib
import sqlite3
import sys
from types import FrameType
from typing import Any

import pytest
from pycrdt import Doc

from client_sdk import Client, keys, records
from client_sdk.store import STORE_FILE
from client_sdk.withholding import JournalCounters
from tests.client.sharing_support import journal_id
from tests.client.test_sync_caches import other_process, statements
from tests.conftest import ClientFactory

WRITE_STATEMENTS = [
    "BEGIN IMMEDIATE",
    "INSERT INTO device_write_counters",
    "INSERT INTO outbox",
    "INSERT INTO seen_records",
    "INSERT INTO documents",
    "COMMIT",
]
"""One durable transaction: the write lock taken without waiting on the event loop (the
busy timeout off around BEGIN: `database.begin_immediate`; a write after a write finds it
off still, `database.StoreConnection`), the record's counter taken (with the store's
versions), the record put in the outbox and marked seen, the entry's document stored."""

TIMEOUT_OFF = "PRAGMA busy_timeout=0"
TIMEOUT_BACK = "PRAGMA busy_timeout=5000"


FIELD_WRITES = "INSERT INTO field_writes"
"""What a write giving a title, mood, tags or emotions must not run: it keeps them for its
history (`Entries.history`) on the document's row it inserts anyway (store.CREATED_VALUES),
not as rows of `field_writes` (one insert per value, each in the table and its two indexes:
three pages more at every COMMIT; issue 10)."""


async def outbox_bodies(client: Client, journal: bytes) -> list[records.RecordBody]:
    """The bodies of the records waiting in `client`'s outbox for `journal`, opened as a
    reader opens them (signature verified), oldest first."""
    local = await client.context.local_journal(journal.hex())
    return [
        records.open_record(
            await client.replica.journal_key(local, waiting.epoch),
            journal,
            waiting.record_id,
            waiting.epoch,
            waiting.ciphertext,
            lambda _: client.profile.secrets.sign_public_key,
        )
        for waiting in await client.store.outbox()
        if waiting.journal_id == journal
    ]


async def test_a_write_runs_one_transaction_of_six_statements(signup: ClientFactory) -> None:
    ana = await signup("ana")
    await ana.entries.write(None, "the first entry reads what later ones keep")
    with statements(ana) as ran:
        for day in range(3):
            await ana.entries.write(None, f"day {day}")
    heads = [next(h for h in WRITE_STATEMENTS if sql.startswith(h)) for sql in ran]
    assert heads == WRITE_STATEMENTS * 3, ran


async def test_writes_turn_the_busy_timeout_off_once_and_the_next_other_call_turns_it_back(
    signup: ClientFactory,
) -> None:
    """A loop of writes runs `PRAGMA busy_timeout` twice in all, not twice a write: the first
    turns it off for its BEGIN, the writes after find it off, and the first call that is not
    a write sets it back before its first statement (every other statement waits for a lock
    as long as before)."""
    ana = await signup("ana")
    await ana.journals.default()  # this device's choice of default journal, read once a client
    await ana.entries.list()  # a read: whatever ran before, the timeout is back on
    with statements(ana) as ran:
        for day in range(3):
            await ana.entries.write(None, f"day {day}")
        [*_, last] = await ana.entries.list()
    assert ran[0] == TIMEOUT_OFF, ran
    assert [sql for sql in ran if sql.startswith("PRAGMA busy_timeout")] == [
        TIMEOUT_OFF,
        TIMEOUT_BACK,
    ], ran
    back = ran.index(TIMEOUT_BACK)
    assert ran[back - 1] == "COMMIT" and ran.count("COMMIT") == 3, ran  # after the last write
    assert last.body in {f"day {day}" for day in range(3)}
    waits = await ana.store._db.run(lambda db: db.execute("PRAGMA busy_timeout").fetchone()[0])
    assert waits == 5000


async def test_a_write_giving_a_title_and_a_mood_runs_no_statement_more_for_their_history(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    await ana.entries.write(None, "the first entry reads what later ones keep")
    with statements(ana) as ran:
        for day in range(3):
            await ana.entries.write(None, f"day {day}", title=f"Day {day}", mood=4)
    known = [*WRITE_STATEMENTS, FIELD_WRITES]
    heads = [next(h for h in known if sql.startswith(h)) for sql in ran]
    assert heads == WRITE_STATEMENTS * 3, heads
    entries = await ana.entries.list()
    for day in range(3):  # kept all the same, for the history
        [entry] = [e for e in entries if e.title == f"Day {day}"]
        assert [(h.field, h.value) for h in await ana.entries.history(entry.id)] == [
            ("title", f"Day {day}"),
            ("mood", 4),
        ]


async def test_writes_make_the_seen_vector_again_only_once_another_device_was_heard_from(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    laptop = await signup("ana")
    await laptop.entries.write(None, "before the phone")
    await laptop.sync(strict=True)
    journal = await journal_id(laptop, "Personal")
    made: list[bytes] = []  # the journals of the laptop's seen vectors made, in order
    seen_vector = JournalCounters.seen_vector

    def counted(
        self: JournalCounters, author: bytes, device: bytes, owner: bytes | None = None
    ) -> object:
        if device == laptop.profile.device_id:
            made.append(self.journal_id)
        return seen_vector(self, author, device, owner)

    monkeypatch.setattr(JournalCounters, "seen_vector", counted)
    for day in range(3):
        await laptop.entries.write(None, f"day {day}")
    assert made == [journal]  # the first of them; the two after state the same vector
    phone = await login("ana", device="phone")
    await phone.sync(strict=True)
    await phone.entries.write(None, "from the phone")
    await phone.sync(strict=True)
    await laptop.sync(strict=True)  # the phone's record: the laptop's counters changed
    await laptop.entries.write(None, "after the phone")
    assert made == [journal, journal]
    [body] = await outbox_bodies(laptop, journal)
    stated = {(s.device, s.counter) for s in body.seen}
    assert (phone.profile.device_id, 1) in stated, body.seen


async def test_an_edit_applies_its_entry_s_stored_state_once(signup: ClientFactory) -> None:
    """An edit loads the entry (its stored state given to pycrdt) and its commit reads the
    stored state again in the writing transaction, merging it in case another task stored a
    newer one: unchanged, it is the state the edit loaded, and it is not applied a second
    time (for an entry of a long history, each applying took as long as the load)."""
    ana = await signup("ana")
    entry = await ana.entries.write(None, "a")
    await ana.entries.edit(entry.id, append="b")  # stored as a pycrdt document's state
    applied = 0

    def count(frame: FrameType, event: str, _: object) -> None:
        nonlocal applied
        applied += event == "call" and frame.f_code is Doc.apply_update.__code__

    sys.setprofile(count)
    try:
        await ana.entries.edit(entry.id, append="c")
    finally:
        sys.setprofile(None)
    assert applied == 1
    assert (await ana.entries.get(entry.id)).body == "a b c"


async def test_a_push_s_journal_list_derives_no_kept_counters_tag_again(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The journal list read before every push stores each journal under its kept-counters
    tag (`Replica.counters_tag`, keyed with the account key): derived once per journal, not
    again at every push (issue 10: ~3.5 % of a live round's writer)."""
    laptop = await signup("ana")
    await laptop.entries.write(None, "one entry")
    await laptop.sync()  # the tag of each journal derived by this first list read
    derived: list[bytes] = []
    real = keys.kept_counters_tag

    def counted(account_key: bytes, journal: bytes) -> bytes:
        derived.append(journal)
        return real(account_key, journal)

    monkeypatch.setattr(keys, "kept_counters_tag", counted)
    await laptop.entries.write(None, "another entry")
    report = await laptop.sync()
    assert report.pushed == 1
    assert derived == []
    personal = await journal_id(laptop, "Personal")  # the tag kept is the tag derived
    kept = laptop.replica.counters_tag(personal)
    assert kept == real(laptop.profile.secrets.account_key, personal)


async def test_a_push_s_journal_list_verifies_a_name_signed_anew_and_not_the_same_again(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The owner's signature over a journal's name (keys.verify_journal_name) is verified
    for every input it has not verified yet, and not again for the same name, signature and
    key that the journal list read before every push serves again (issue 10: one Ed25519
    verification, ~7 % of a live round's writer)."""
    laptop = await signup("ana")
    phone = await login("ana")
    await laptop.entries.write(None, "one entry")
    await laptop.sync()
    verified: list[str] = []
    real = keys.verify_journal_name

    def counted(owner: bytes, journal: bytes, epoch: int, name: str, *rest: Any) -> None:
        verified.append(name)
        real(owner, journal, epoch, name, *rest)

    monkeypatch.setattr(keys, "verify_journal_name", counted)
    await laptop.entries.write(None, "another entry")
    assert (await laptop.sync()).pushed == 1
    assert verified == []
    await phone.sync()
    await phone.journals.rename("Personal", "Daily")
    await phone.sync()
    await laptop.entries.write(None, "a third entry")
    assert (await laptop.sync()).pushed == 1
    assert verified and set(verified) == {"Daily"}  # the new name, verified
    assert [j.name for j in await laptop.journals.list()] == ["Daily"]
    verified.clear()
    await laptop.entries.write(None, "a fourth entry")
    assert (await laptop.sync()).pushed == 1
    assert verified == []


async def test_a_push_s_journal_list_writes_no_journal_row_that_is_unchanged(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """The journal list read before every push writes a journal's row (`put_journal`: its
    upsert and the statements giving back kept counters) only when something in it changed
    (issue 10: six statements and more per journal at every push); a new name is written."""
    laptop = await signup("ana")
    phone = await login("ana")
    await laptop.entries.write(None, "one entry")
    await laptop.sync()
    await laptop.entries.write(None, "another entry")
    with statements(laptop, every=True) as traced:
        assert (await laptop.sync()).pushed == 1
    written = [
        s
        for s in traced
        if s.startswith(("INSERT", "UPDATE", "DELETE"))
        and any(t in s for t in ("journals ", "kept_write_counters", "kept_withdrawn"))
        and "SET cursor = " not in s  # the pull's cursor move: a change
    ]
    assert written == [], written
    await phone.sync()
    await phone.journals.rename("Personal", "Daily")
    await phone.sync()
    await laptop.entries.write(None, "a third entry")
    with statements(laptop, every=True) as traced:
        assert (await laptop.sync()).pushed == 1
    assert any(s.startswith("INSERT INTO journals") for s in traced)
    assert [j.name for j in await laptop.journals.list()] == ["Daily"]


async def test_kept_counters_come_back_to_a_journal_whose_row_is_unchanged(
    signup: ClientFactory,
) -> None:
    """Write counters kept under a journal's tag (`Transaction._keep_write_counters`) are
    given back by the next journal list even when the journal's row itself is unchanged
    (here put there by another process): the row is skipped only when there is nothing
    to give back, so a device never signs a counter twice (R36 F4/F5)."""
    laptop = await signup("ana")
    await laptop.entries.write(None, "one entry")
    await laptop.sync()
    personal = await journal_id(laptop, "Personal")
    device = laptop.profile.device_id

    def drawn() -> int:  # this device's highest counter drawn in the journal
        with contextlib.closing(sqlite3.connect(laptop.home / STORE_FILE)) as db:
            row = db.execute(
                "SELECT counter FROM device_write_counters WHERE journal_id = ? AND device = ?",
                (personal, device),
            ).fetchone()
        return int(row[0])

    assert drawn() < 1000
    other_process(
        laptop,
        "INSERT INTO kept_write_counters (tag, device, counter) VALUES (?, ?, 1000)",
        (laptop.replica.counters_tag(personal), device),
    )
    await laptop.entries.write(None, "another entry")
    assert (await laptop.sync()).pushed == 1
    assert drawn() >= 1000  # the next record this device signs there goes on from 1000
    with contextlib.closing(sqlite3.connect(laptop.home / STORE_FILE)) as db:
        assert db.execute("SELECT count(*) FROM kept_write_counters").fetchone()[0] == 0
