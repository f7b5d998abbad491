"""The work of a sync with nothing to do, counted (issue 10; never timed): one request to the
server, no statement on the device's store, no hand-off to the store's threads, no statement
on the server's database (the session's device and the caller's journals as read while it held
what it holds now: SQLiteStorage's wal-index header) and no write, and a bounded number of the
SDK's own function calls. Real server on 127.0.0.1, real crypto and SQLite."""

from __future__ import annotations

import contextlib
import sqlite3
import sys
from collections.abc import Iterator
from concurrent.futures import Future
from types import FrameType
from typing import Any

import pytest

import client_sdk
from client_sdk import Client, legacy_upgrade, transport, wire
from client_sdk.safety import SAFETY_PLAN
from server import routes
from server.storage.sqlite import SQLiteStorage
from tests.client.sharing_support import share_with
from tests.client.test_sync_caches import other_process, settled, statements
from tests.conftest import ClientFactory, RunningServer

SDK_CALLS_BOUND = 210
"""The SDK's own Python function calls in one sync with nothing to do (202 when this
bound was set, aiohttp's and asyncio's not counted; 212 since the store's answers without a
call check the event loop they are asked from, one call each: REV-S14B F5; 222 since a sync
reads which records wait for their epoch's key, from the settings kept in memory, 7 calls,
and looks for a legacy key epoch of its own journals to upgrade, 3 calls; 230 since a sync
looks for field-level copies of this account's journals to bring up to what their source
holds, from the chains kept in memory, 5 calls: NU61 F2; 242 since a sync reads the safety
flags kept to judge as of the store's version then (another process's commit included), from
the settings kept in memory, not from a process-wide "none" that missed a flag another
process sealed: 12 calls, no statement; 243 since a sync's key checks look for an account
the current epoch's key was sealed to that is no member now, a rotation a server may
withhold, `AccessState.former_holders`: 1 call, rev29c F1; 210 since the pull that found
nothing keeps its request encoded and its reply's bytes, and a reply of those bytes is not
decoded again, transport.Known: 33 calls fewer): a change that makes such a sync do more
must say so here."""


@contextlib.contextmanager
def sdk_calls() -> Iterator[list[str]]:
    """The SDK's functions called meanwhile on this thread, by `file:function`."""
    root = client_sdk.__file__.rsplit("/", 1)[0] + "/"
    called: list[str] = []

    def profile(frame: FrameType, event: str, _arg: Any) -> None:
        if event == "call" and frame.f_code.co_filename.startswith(root):
            called.append(f"{frame.f_code.co_filename[len(root) :]}:{frame.f_code.co_name}")

    sys.setprofile(profile)
    try:
        yield called
    finally:
        sys.setprofile(None)


async def test_a_sync_with_nothing_to_do_is_one_request_and_no_statement_here(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    laptop = await signup("ana")
    await laptop.entries.write(None, "one entry")
    await settled(laptop)
    await laptop.sync()

    requests: list[str] = []
    call_once = transport.Transport._call_once

    async def counted(self: transport.Transport, path: str, *args: Any, **kwargs: Any) -> Any:
        requests.append(path)
        return await call_once(self, path, *args, **kwargs)

    monkeypatch.setattr(transport.Transport, "_call_once", counted)
    hand_offs: list[object] = []  # calls given to the store's worker thread
    db = laptop.store._db
    submit = db._worker.submit

    def handed_off(fn: Any, *args: Any, **kwargs: Any) -> Future[Any]:
        hand_offs.append(fn)
        return submit(fn, *args, **kwargs)

    monkeypatch.setattr(db._worker, "submit", handed_off)

    storage = live_server.server.app[routes.SERVICE].storage
    assert isinstance(storage, SQLiteStorage)
    server_reads: list[str] = []
    writes: list[object] = []
    write = storage._write

    async def counted_write(fn: Any) -> Any:
        writes.append(fn)
        return await write(fn)

    monkeypatch.setattr(storage, "_write", counted_write)
    reader: sqlite3.Connection = storage._reader
    reader.set_trace_callback(server_reads.append)
    try:
        with statements(laptop, every=True) as ran:
            report = await laptop.sync()
    finally:
        reader.set_trace_callback(None)

    assert (report.pushed, report.pulled, report.incomplete) == (0, 0, [])
    assert requests == ["/v1/sync"]
    assert ran == [], ran  # the store's version is read from its log's header
    assert hand_offs == []
    assert server_reads == []  # its device and journals as read, nothing committed since
    assert writes == []  # the session was touched less than TOUCH_INTERVAL_MS ago


async def test_a_sync_with_nothing_to_do_encodes_no_request_and_decodes_no_reply_again(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The pull that found nothing kept its request encoded and, from the next sync whose
    # reply decoded equal to its own, that reply's bytes (transport.Known): the same bytes
    # again are that reply. Any other bytes are decoded and checked in full (tests in
    # test_hostile_sync.py and test_r42_noop_pull.py).
    laptop = await signup("ana")
    await laptop.entries.write(None, "one entry")
    await settled(laptop)
    for _ in range(3):  # the pull found nothing, then its reply's bytes came again
        await laptop.sync()
    coded: list[str] = []
    encode, decode = wire.encode, wire.decode

    def encoding(message: Any) -> bytes:
        coded.append(f"encode {type(message).__name__}")
        return encode(message)

    def decoding(kind: Any, raw: bytes) -> Any:
        coded.append(f"decode {kind.__name__}")
        return decode(kind, raw)

    monkeypatch.setattr(wire, "encode", encoding)
    monkeypatch.setattr(wire, "decode", decoding)
    report = await laptop.sync()
    assert (report.pushed, report.pulled, report.incomplete) == (0, 0, [])
    # the server runs in this process: it encodes its reply (the request's bytes, the same
    # as before, were decoded before: routes.sync_request)
    assert coded == ["encode SyncReply"]


async def test_a_sync_with_nothing_to_do_makes_a_bounded_number_of_sdk_calls(
    signup: ClientFactory,
) -> None:
    laptop = await signup("ana")
    await laptop.entries.write(None, "one entry")
    await settled(laptop)
    await laptop.sync()
    with sdk_calls() as called:
        await laptop.sync()
    assert 0 < len(called) <= SDK_CALLS_BOUND, sorted(called)


async def test_a_sync_with_nothing_to_do_and_a_safety_flag_kept_to_judge_runs_no_statement(
    signup: ClientFactory,
) -> None:
    # A flag sent is kept (safety.FLAGS_SENT) up to JUDGED_FOR_MS for an end a server
    # withheld: judged again only when an access chain grew; read from the settings the
    # store keeps in memory (another process's flag is seen: the settings changed).
    laptop, drsmith = await signup("ana"), await signup("drsmith")
    await share_with(laptop, drsmith, role="annotate")
    await laptop.safety.set_plan(share_flags=True)
    taken = await laptop.measures.take("phq9", [1] * 8 + [2])
    await laptop.safety.respond(taken.result)
    await settled(laptop)
    assert await laptop.store.setting("safety_flags_sent") not in (None, "{}")
    with statements(laptop, every=True) as ran:
        await laptop.sync()
    assert ran == [], ran


async def test_a_commit_of_another_process_is_seen_by_the_next_sync_without_a_statement_before(
    signup: ClientFactory,
) -> None:
    # The log's header (Database.log_state) stands for PRAGMA data_version: a commit by
    # another connection changes it, and the store's counts are read again.
    laptop = await signup("ana")
    await laptop.entries.write(None, "one entry")
    await settled(laptop)
    version = await laptop.store.version()
    # a real process: its own mapping of the -shm file, its own SQLite
    other_process(laptop, "INSERT OR REPLACE INTO settings VALUES ('test.other', 'x')")
    with statements(laptop, every=True) as ran:
        assert await laptop.store.version() != version
    assert ran, "the change was not looked for"
    assert await laptop.store.setting("test.other") == "x"


async def test_a_sync_with_nothing_to_do_of_a_client_with_a_safety_plan_runs_no_statement(
    signup: ClientFactory,
) -> None:
    # Whether a safety plan is held (late flags another device's answer may owe) is read
    # once a store version, not at every sync.
    ben = await signup("ben")
    await ben.safety.set_plan(emergency_number="999", plan="Ring Jo.", share_flags=True)
    await ben.entries.write(None, "one entry")
    await settled(ben)
    await ben.sync()
    with statements(ben, every=True) as ran:
        report = await ben.sync()
    assert (report.pushed, report.pulled, report.late_flags) == (0, 0, [])
    assert ran == [], ran


async def test_a_sync_with_nothing_to_do_and_a_noted_legacy_head_opens_no_transaction(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A head an upgrade of a legacy key epoch was signed on stays noted until its chain
    # moves on, which for a quiet journal may be never: a sync finds it did not move
    # without a write transaction, decoding the noted heads once.
    laptop = await signup("ana")
    await laptop.entries.write(None, "one entry")
    await settled(laptop)
    states = laptop.replica.chains.states()
    await laptop.store.put_setting(
        legacy_upgrade.HEADS,
        legacy_upgrade.encode_heads({j: (s.length, s.head) for j, s in states.items()}),
    )
    home = laptop.home
    await laptop.close()
    async with await Client.open(home) as again:
        await again.sync()  # the first sync of a session reads the notes
        assert await again.store.setting(legacy_upgrade.HEADS) is not None
        decoded = 0
        decode = legacy_upgrade.heads

        def counted(value: str | None) -> Any:
            nonlocal decoded
            decoded += 1
            return decode(value)

        monkeypatch.setattr(legacy_upgrade, "heads", counted)
        with statements(again, every=True) as ran:
            report = await again.sync()
        monkeypatch.undo()
        assert (report.pushed, report.pulled) == (0, 0)
        assert not [sql for sql in ran if sql.startswith("BEGIN")], ran
        assert decoded == 1
        assert await again.store.setting(legacy_upgrade.HEADS) is not None  # still noted


SELDOM_CHANGED = (
    "access_entries",
    "access_problems",
    "peers",
    "peer_verifications",
    "refused_journals",
    "pending_journals",
    "excused_counters",
    "set_aside",
    "withdrawn",
)
"""Tables a write and its push do not change: read once, then kept until they change."""


async def test_the_sync_after_a_write_reads_no_table_the_write_and_its_push_left_alone(
    signup: ClientFactory,
) -> None:
    laptop = await signup("ana")
    await laptop.entries.write(None, "one entry")
    await settled(laptop)
    await laptop.entries.write(None, "another entry")
    await laptop.sync()  # the first read of each after a write of its own kind
    await laptop.entries.write(None, "a third entry")
    with statements(laptop, every=True) as ran:
        report = await laptop.sync()
    assert report.pushed == 1
    read = [  # the table a statement reads first (a subquery's is not read alone)
        sql
        for sql in ran
        if " FROM " in sql and sql.split(" FROM ")[1].split()[0] in SELDOM_CHANGED
    ]
    assert read == [], read
    # which journals this device drew counters in before it removed them: a pull's cursor
    # moves the journals' rows, never those marks
    assert not [sql for sql in ran if "own_before > 0" in sql], ran


async def test_what_a_sync_keeps_of_seldom_changed_tables_is_read_again_once_they_change(
    signup: ClientFactory,
) -> None:
    laptop = await signup("ana")
    await laptop.entries.write(None, "one entry")
    await settled(laptop)
    store = laptop.store
    [journal] = await store.journals()
    journal_id = journal.journal_id
    assert await store.refused_journals() == {}
    assert (await store.access_summary())[1] == {}
    assert await store.replaced_pins() == {}
    assert not await store.set_aside_any()
    # another process's commits (its own connection: PRAGMA data_version moves)
    other_process(
        laptop,
        "INSERT INTO refused_journals VALUES (?, 'forbidden', 'no', 1)",
        (journal_id,),
    )
    assert list(await store.refused_journals()) == [journal_id]
    other_process(laptop, "INSERT INTO access_problems VALUES (?, 'a problem')", (journal_id,))
    assert (await store.access_summary())[1] == {journal_id: "a problem"}
    other_process(
        laptop,
        "INSERT INTO peer_verifications (account_id, username, sign_public_key, "
        "box_public_key, verified_at, replaced_at, verified) "
        "VALUES (?, 'bo', x'00', x'00', 1, 2, 1)",
        (b"\x02" * 16,),
    )
    assert await store.replaced_pins() == {b"\x02" * 16: "bo"}
    # this connection's own changes (its count of changes to the table moves)
    async with store.transaction() as tx:
        await tx.set_access_problem(journal_id, None)
    assert (await store.access_summary())[1] == {}
    await store._all("DELETE FROM refused_journals")  # outside a transaction: committed
    assert await store.refused_journals() == {}


async def test_the_sync_after_a_write_does_not_look_for_safety_plans_again(
    signup: ClientFactory,
) -> None:
    # Which journals hold a safety plan (late flags it may owe) is kept until a plan's row
    # changes, not read again after every other document's change.
    ben = await signup("ben")
    assert await ben.store.journals_holding(SAFETY_PLAN) == set()
    await ben.safety.set_plan(emergency_number="999", plan="Ring Jo.", share_flags=True)
    held = await ben.store.journals_holding(SAFETY_PLAN)
    assert len(held) == 1  # this connection's write of a plan is seen at once
    await ben.entries.write(None, "one entry")
    await settled(ben)
    await ben.entries.write(None, "another entry")
    with statements(ben, every=True) as ran:
        report = await ben.sync()
    assert report.pushed == 1
    assert not [sql for sql in ran if "kind = 'safety_plan'" in sql], ran
    other_process(ben, "DELETE FROM documents WHERE kind = 'safety_plan'")
    assert await ben.store.journals_holding(SAFETY_PLAN) == set()  # another process's
