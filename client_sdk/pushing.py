"""Pushing the outbox so that one refused record never blocks the rest.

Each batch (one journal, in write order) is pushed; on a failure `sync.refusal` decides, from
the server's error code:

- not a refusal (signed out, transient after the transport's retries): raise; the outbox
  stays and a later sync goes on where this one stopped;
- `stale_epoch` (the journal's key changed on another device): that journal's records stay in
  the outbox (`stale`), the rest of the push goes on, and the caller learns the new epoch
  and seals them again;
- the journal refuses for good (the share ended, the journal is gone): the batch, and every
  later batch of that journal in this sync, is **set aside** without asking again;
- some record refuses for good (invalid, too large, conflicting id, over quota): the batch is
  halved until the refused records are alone, and only they are set aside. A batch of n
  records with k refused ones costs at most about 2·k·log2(n) extra calls. Once an account
  quota refuses a record on its own, the rest of the outbox is set aside without asking: it
  pushed what fitted, and every further record would cost a call to be refused.

A 429 (the server's write-rate limit, `write_rate_exceeded`) is not a refusal: the push waits
as the server asks and pushes the same batch again, within the bounds of `UploadWaits`
(upload_limit.py); once those are spent it stops, the rest stays in the outbox for the next
sync, and `SyncReport.upload_limit` says how many changes wait and from when the server takes
more.

A record set aside moves from the outbox to the store's `set_aside` table (nothing written is
lost; `Client.set_aside()` lists it, `Client.retry_set_aside()` puts it back), and so do the
later changes of the same document, which would reach other devices without the change they
build on. Each record set aside is reported once, in `SyncReport.set_aside`.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from client_sdk import crypto, wire
from client_sdk import sync as sync_plan
from client_sdk.documents import MEASURE, Document
from client_sdk.errors import IntegrityError, NetworkError, RateLimited, TJError
from client_sdk.models import json_time, now_ms, to_datetime
from client_sdk.safety import FLAGS_SENT, SAFETY_FLAG
from client_sdk.store import SET_SETTING, Store, Transaction, acknowledge_pushed
from client_sdk.sync import TRIED_AGAIN, OutboxRecord, ProgressTracker, SetAside, SyncReport
from client_sdk.transport import Transport
from client_sdk.upload_limit import Sleep, UploadWaits


async def wait_out(seconds: float) -> None:
    """How a push waits for the server's write-rate limit, unless told otherwise."""
    await asyncio.sleep(seconds)


class _Stopped(Exception):
    """The server's write-rate limit outlasted this sync's waits."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class Pusher:
    """One push of the outbox, for one sync."""

    def __init__(
        self,
        store: Store,
        transport: Transport,
        journals: dict[bytes, str],
        report: SyncReport,
        tracker: ProgressTracker,
        unsafe: Callable[[list[OutboxRecord]], str | None] = lambda batch: None,
        waits: UploadWaits | None = None,
        sleep: Sleep | None = None,
        refused: dict[bytes, tuple[str, str]] | None = None,
        defer_conflicts: bool = False,
        prepare: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._store = store
        self._prepare = prepare
        """Awaited once the outbox is known not to be empty, before `unsafe` is first asked:
        what `unsafe` needs that is read only when something waits to be pushed."""
        self._defer_conflicts = defer_conflicts
        self.conflicts: list[OutboxRecord] = []
        """With `defer_conflicts`: records refused alone with `record_conflict`, left in the
        outbox (with every later record of their journals) for the caller to settle: the
        server may hold this device's own earlier sealing of the record, stored with its
        reply lost and sealed again since (protocol.md 4.18, "stored, reply lost")."""
        self.deferred: set[bytes] = set()
        """Journals of `conflicts`: no later record of theirs is pushed by this pusher. A
        counter above one that waits would show every reader (the writer too) the waiting
        one as withheld by the server until it is settled, and for good if the sync is cut
        off or the device never syncs again (R36 F2). The caller pushes again once it has
        settled the conflicts (`Replica._sync`)."""
        self._waits = waits if waits is not None else UploadWaits(0.0)
        self._sleep = sleep
        self._unsafe = unsafe
        self.held: dict[bytes, str] = {}
        """journal id -> why records of it were kept in the outbox, unpushed (`unsafe`)."""
        self.stale: set[bytes] = set()
        """Journals whose push the server refused as sealed under an old key epoch
        (`stale_epoch`): their records stay in the outbox, to be sealed again."""
        self.stale_epochs: dict[bytes, int] = {}
        """Journal id -> the oldest epoch of the batch of it the server refused as
        `stale_epoch` in this push (one refusal per journal: its later batches wait), held
        in the store at once (`Store.hold_stale`), for every process of the device."""
        self._transport = transport
        self._journals = journals
        self._report = report
        self._tracker = tracker
        self._refused: dict[bytes, tuple[str, str]] = dict(refused or {})
        """journal -> (code, reason) of journals whose records are set aside unpushed: the
        server refused them, or refused to create the journal (`refused`)."""
        self._full: tuple[str, str] | None = None  # an account quota refused a lone record
        self._blocked: set[bytes] = set()  # documents with a change set aside
        self._recording: asyncio.Task[None] | None = None
        """The local transaction recording the last batch the server acknowledged, running
        while the next batch goes to the server (`_push`); awaited before anything else
        happens here (`_recorded`)."""
        self._sent = asyncio.Event()
        """Set once the request after the batch being recorded has left (`_acknowledge`)."""
        self._flags: set[str] = set()
        """The safety flags (hex) among the outbox's documents that FLAGS_SENT lists without
        `left` (`flags_listed`): a push carrying one notes it in its own transactions."""
        self._results: set[str] = set()
        """The documents (hex) that the flags of `_flags` belong to (`flag_results`: the
        result the flag was sealed with, the id a stopped questionnaire's answers are saved
        under), and the results in the outbox any flag of their journal names (those answers
        saved after the flag left: `flagged_results`): a push carrying one of their records
        keeps it whole with the flag's (`acknowledge_pushed`'s `keep`), so that a server
        dropping both, or the answers alone, gets them again."""

    async def push(self) -> None:
        """Push every batch. A batch (one journal's records) for which `unsafe` gives a
        reason (the first of its records that must stay: why) stays in the outbox, unpushed,
        with every later record of its journal; `held` says why. Once the
        server's write-rate limit outlasts the waits allowed, the push stops and
        `SyncReport.upload_limit` says so."""
        if await self._store.outbox_empty():
            return
        if self._prepare is not None:
            await self._prepare()
        self._blocked = await self._store.set_aside_documents()
        try:
            try:
                await self._push_all()
            finally:
                await self._recorded()  # also when cut off: the server stored that batch
        except _Stopped as stopped:
            waiting = await self._store.outbox_size()
            self._report.upload_limit = self._waits.stop(waiting, stopped.code)

    async def _push_all(self) -> None:
        outbox = await self._store.outbox()
        # read after the outbox: a flag is listed in the transaction that stores it
        # (`SafetyPath._listing`), so every flag in `outbox` is listed by then
        listed = await self._store.setting(FLAGS_SENT, as_of=await self._store.version())
        self._flags = set(flags_listed(listed, [r.doc_id for r in outbox if r.doc_id]))
        self._results = await flag_results(self._store, self._flags)
        self._results |= await flagged_results(self._store, outbox)
        for batch in sync_plan.push_batches(outbox):
            journal_id = batch[0].journal_id
            if journal_id not in self.held:
                reason = self._unsafe(batch)
                if reason is not None:
                    self.held[journal_id] = reason
            if journal_id in self.held or journal_id in self.stale:
                continue
            await self._push(batch)

    async def _push(self, batch: list[OutboxRecord]) -> None:
        batch = await self._without_blocked(batch)
        if not batch:
            return
        if batch[0].journal_id in self._refused:
            await self._set_aside(batch, *self._refused[batch[0].journal_id])
            return
        if self._full is not None:
            await self._set_aside(batch, *self._full)
            return
        while True:
            # Sent while the previous batch's acknowledgement is being recorded here: the
            # server stores this one meanwhile (issue 10). Whatever the answer, that recording
            # is finished before it is acted on (and before any set-aside, `_set_aside`), so
            # this push changes the store in the order of its batches, as when serial.
            # a safety flag's first push that could store it starts now (FLAGS_SENT `since`)
            flags = {
                r.doc_id.hex(): r.journal_id
                for r in batch
                if r.doc_id and r.doc_id.hex() in self._flags
            }
            at = now_ms()
            before: dict[str, dict[str, int]] = {}  # as they were, to undo (`note_unsent`)
            also = partial(note_pushed, flag_ids=flags, at=at, before=before)
            # before it can leave (R46 F4)
            offered = await self._store.mark_offered(batch, also=also if flags else None)
            left: list[bool] = []  # the request's body was handed to the connection

            def sent(left: list[bool] = left) -> None:
                left.append(True)
                self._sent.set()  # the last batch is recorded from then on

            try:
                reply = await self._transport.call(
                    "/v1/records/push",
                    sync_plan.push_request(batch),
                    wire.PushReply,
                    wait_rate_limit=False,
                    on_sent=sent,
                )
                arrived = now_ms()  # a flag in it left by then (FLAGS_SENT `left`)
            except asyncio.CancelledError:
                if flags:  # cut off (a quick sync's time limit): once it left, the server
                    # may hold it, as for a lost reply (`SafetyPath._unanswered`); before,
                    # it never left
                    noted = partial(
                        note_answered, flag_ids=flags, at=now_ms(), unanswered=bool(left)
                    )
                    await asyncio.shield(self._store.write(noted))
                raise
            except RateLimited as error:
                await self._recorded()
                if flags:  # answered: not stored (`note_answered`)
                    await self._store.write(partial(note_answered, flag_ids=flags, at=now_ms()))
                await self._wait(error)
                continue
            except TJError as error:
                await self._recorded()
                unsent = isinstance(error, NetworkError) and error.unsent
                if unsent:
                    await self._store.unmark_offered(offered)  # it never left (R46 F4)
                if flags:  # the push is over: a safety flag's `pushing` mark goes, and when
                    # it left with no reply confirming it was stored, its delivery is not
                    # known here (`unanswered`: `SafetyPath._unanswered`), never said as
                    # "has NOT left"; when it never left, it was no first push (nu76 F8)
                    lost = isinstance(error, NetworkError) and not error.unsent
                    noted = partial(note_answered, flag_ids=flags, at=now_ms(), unanswered=lost)
                    await self._store.write(
                        partial(note_unsent, noted=noted, before=before, at=at) if unsent else noted
                    )
                if error.code == "stale_epoch":
                    self.stale.add(batch[0].journal_id)  # kept: sealed again by the caller
                    oldest = min(r.epoch for r in batch)  # a batch has one epoch, as a rule
                    held = self.stale_epochs.setdefault(batch[0].journal_id, oldest)
                    # in the store, so every process of the device holds it (rev31c F6)
                    await self._store.hold_stale(batch[0].journal_id, held)
                    return
                await self._refused_batch(batch, error)
                return
            await self._recorded()
            break
        self._waits.accepted()
        try:
            seqs = sync_plan.check_accepted(batch, reply)
        except ValueError as error:
            raise IntegrityError(str(error)) from None
        self._sent = asyncio.Event()
        self._recording = asyncio.ensure_future(
            self._acknowledge(batch, seqs, self._sent, flags, arrived)
        )

    async def _recorded(self) -> None:
        """Wait until the last acknowledged batch is recorded (`_recording`); raises what
        recording it raised."""
        self._sent.set()  # nothing more to send first: record it now
        recording, self._recording = self._recording, None
        if recording is not None:
            await recording

    async def _wait(self, error: RateLimited) -> None:
        """Wait as a 429 asks (within UploadWaits' bounds), or raise _Stopped."""
        wait = self._waits.next_wait(error.retry_after)
        if wait is None:
            raise _Stopped(error.code or "rate_limited")
        self._tracker.waiting(wait)
        await (self._sleep or wait_out)(wait)
        self._tracker.waiting(None)

    async def _refused_batch(self, batch: list[OutboxRecord], error: TJError) -> None:
        kind = sync_plan.refusal(error)
        if kind is None:
            raise error
        code = error.code or "unknown"
        reason = sync_plan.refusal_reason(code, str(error))
        if kind == sync_plan.JOURNAL:
            self._refused[batch[0].journal_id] = (code, reason)
        if len(batch) == 1 and code.endswith(sync_plan.QUOTA_SUFFIX):
            self._full = (code, reason)  # the rest would be refused one call at a time
        if len(batch) == 1 and code == "record_conflict" and self._defer_conflicts:
            self.conflicts.append(batch[0])
            self.deferred.add(batch[0].journal_id)
            return
        if kind == sync_plan.JOURNAL or len(batch) == 1:
            await self._set_aside(batch, code, reason)
            return
        half = len(batch) // 2
        await self._push(batch[:half])
        await self._push(batch[half:])

    async def _without_blocked(self, batch: list[OutboxRecord]) -> list[OutboxRecord]:
        """The batch less the changes of documents with a change set aside (set aside too)."""
        blocked = [r for r in batch if r.doc_id is not None and r.doc_id in self._blocked]
        code = sync_plan.DEPENDS_ON_SET_ASIDE
        for record in blocked:
            await self._set_aside([record], code, sync_plan.REASONS[code])
        positions = {record.position for record in blocked}
        # Records written after one that waits to be settled (`conflicts`), in its journal:
        # they wait in the outbox, unpushed, until it is (`deferred`). Batches and their
        # halves are pushed in write order, so every record of such a journal met from here
        # on was written after it.
        return [
            record
            for record in batch
            if record.position not in positions and record.journal_id not in self.deferred
        ]

    async def _acknowledge(
        self,
        batch: list[OutboxRecord],
        seqs: dict[bytes, int],
        sent: asyncio.Event,
        flags: Collection[str] = (),
        arrived: int = 0,
    ) -> None:
        """Record that the server stored `batch` at `seqs` (checked: `check_accepted`), in
        one transaction, once `sent` is set: once the next batch's request has left (or
        there is none: `_recorded`), so that the server stores that one meanwhile. Started
        at once, it held the loop (several ms a batch of 500) before the request could be
        written, and the server waited for both (issue 10). The safety flags `flags` (hex)
        among them left at `arrived` (ms UTC, when the reply arrived): noted as their
        FLAGS_SENT `left` in the same transaction that takes them out of the outbox, so no
        flag is ever gone from the outbox without its `left` (`note_flags`)."""
        await sent.wait()
        journal_id = batch[0].journal_id

        def record(db: sqlite3.Connection) -> None:
            acknowledge_pushed(
                db,
                journal_id,
                # what comes back must be it: the digest of what the server stored
                [
                    (r.position, r.record_id, seqs[r.record_id], crypto.hash32(r.ciphertext))
                    for r in batch
                ],
                # a safety flag's first push: kept whole until a pull serves it back, sent
                # again should the server drop it (`SafetyPath._send_withheld_again`)
                keep=[
                    r.position
                    for r in batch
                    if r.doc_id and (r.doc_id.hex() in flags or r.doc_id.hex() in self._results)
                ],
            )
            if flags:
                note_flags(db, flags, "left", arrived)
                note_answered(db, flags, arrived)
            ids = [r.record_id for r in batch if r.doc_id and r.doc_id.hex() not in flags]
            if ids:  # a kept flag's record sent again: the copy that may stick (rev30b F5)
                marks = ",".join("?" * len(ids))
                again = db.execute(
                    f"SELECT doc_id FROM kept_flags WHERE journal_id = ? AND record_id IN "
                    f"({marks})",
                    (journal_id, *ids),
                ).fetchall()
                if again:
                    note_sent_again(db, [bytes(row[0]).hex() for row in again], arrived)

        await self._store.write(record)
        self._report.pushed += len(batch)
        self._report.touched.update(r.doc_id for r in batch if r.doc_id is not None)
        self._tracker.pushed(len(batch))

    async def set_aside_refused(self, record: OutboxRecord, code: str) -> None:
        """Set aside `record`, refused for good with `code` (a deferred conflict), and the
        later changes of its document still in the outbox (`DEPENDS_ON_SET_ASIDE`)."""
        await self._set_aside([record], code, sync_plan.refusal_reason(code, code))
        if record.doc_id is not None:
            later = [r for r in await self._store.outbox() if r.doc_id == record.doc_id]
            depends = sync_plan.DEPENDS_ON_SET_ASIDE
            for change in later:
                await self._set_aside([change], depends, sync_plan.REASONS[depends])

    async def _set_aside(self, batch: list[OutboxRecord], code: str, reason: str) -> None:
        await self._recorded()  # the batch acknowledged before is recorded first
        name = self._journals.get(batch[0].journal_id, batch[0].journal_id.hex()[:12])
        kinds = await self._store.kinds([r.doc_id for r in batch if r.doc_id is not None])
        again = {
            r.record_id
            for r in batch
            if r.doc_id is not None and kinds.get(r.doc_id) in TRIED_AGAIN
        }
        async with self._store.transaction() as tx:
            await tx.set_aside([r.position for r in batch], name, code, reason, now_ms())
            # Their counters will never reach the server: the next record says so (4.18);
            # but a safety flag's or a result's: sent again at the next sync, its gap shown
            # meanwhile (sync.TRIED_AGAIN, REV-CARE F1).
            withdrawn = [r.record_id for r in batch if r.record_id not in again]
            if withdrawn:
                await tx.withdraw_records(batch[0].journal_id, withdrawn)
        for record in batch:
            if record.doc_id is not None:
                self._blocked.add(record.doc_id)
            self._report.set_aside.append(
                SetAside(
                    record.journal_id.hex(),
                    name,
                    record.record_id.hex(),
                    record.doc_id.hex() if record.doc_id is not None else None,
                    code,
                    reason,
                    tried_again=record.record_id in again,
                )
            )


ANNOTATION_KINDS = ("note", "prompt")  # sharing.NOTE, sharing.PROMPT (sharing imports this)


async def flag_results(store: Store, flag_ids: Collection[str]) -> set[str]:
    """The documents (hex) the safety flags `flag_ids` (hex) belong to: each one's
    `result_id` (its PHQ-9 result; "" for a questionnaire stopped after the safety item) and
    `event` (the id such a stopped questionnaire's answers are saved under later). Their
    records, pushed while the flag has not left, are kept whole with the flag's
    (`Store.kept_flags`) and sent again with it when the server withholds them (the
    therapist's flag points at the result: without it the flag names a result nobody
    gets, and this device's withholding check reports it missing for good). A result
    pushed before its flag was sealed (a flag sealed late, at a later sync) left unkept:
    its bytes are gone from this device, and it stays reported withheld should the server
    drop it. Reads the store only."""
    found: set[str] = set()
    for flag_id in flag_ids:
        stored = await store.document(bytes.fromhex(flag_id))
        if stored is None:
            continue
        found |= _flag_points_at(
            Document.from_state(stored.doc_id, stored.kind, stored.state, waiting=stored.waiting)
        )
    return found


async def flagged_results(store: Store, outbox: Collection[OutboxRecord]) -> set[str]:
    """The questionnaire results (hex) among the documents of `outbox` that a safety flag of
    their journal names (its `result_id`, or its `event`: the id a stopped questionnaire's
    answers are saved under, often after the flag left, with no push of the flag to keep
    them with, rev31b F2): their records are kept whole as `flag_results`' are, and sent
    again should the server drop them, so that the member's flag never names answers they
    never get. Reads the store only: the kinds of the outbox's documents, then the flags of
    the journals of the results among them."""
    journal_of = {r.doc_id: r.journal_id for r in outbox if r.doc_id is not None}
    if not journal_of:
        return set()
    kinds = await store.kinds(journal_of)
    results = {d.hex() for d, kind in kinds.items() if kind == MEASURE}
    found: set[str] = set()
    for journal_id in {journal_of[bytes.fromhex(d)] for d in results}:
        for stored in await store.documents(journal_id, kinds=[SAFETY_FLAG]):
            flag = Document.from_state(
                stored.doc_id, stored.kind, stored.state, waiting=stored.waiting
            )
            found |= _flag_points_at(flag) & results
    return found


def _flag_points_at(flag: Document) -> set[str]:
    """The documents (hex) a safety flag names: its `result_id` (its PHQ-9 result) and its
    `event` (the id a stopped questionnaire's answers are saved under), those set."""
    values = (flag.field(name) for name in ("result_id", "event"))
    return {value for value in values if isinstance(value, str) and value}


def flags_listed(raw: Any, doc_ids: Collection[bytes]) -> list[str]:
    """Of `doc_ids`, the safety flags (hex) that FLAGS_SENT (`raw`, the setting as stored)
    lists still without `left`: those a push carrying them must note (`note_flags`)."""
    held = json.loads(raw) if isinstance(raw, str) else {}
    if not isinstance(held, dict):
        return []
    names = {d.hex() for d in doc_ids}
    return sorted(
        f for f, e in held.items() if f in names and isinstance(e, dict) and "left" not in e
    )


async def note_flags_found(tx: Transaction, doc_ids: Collection[bytes], at: int) -> None:
    """Inside the transaction `tx` that takes records of `doc_ids` out of the outbox as found
    stored on the server (a push whose reply was lost, `Replica`'s settling of a conflict):
    the safety flags among them that FLAGS_SENT lists without `left` left at or before `at`
    (ms UTC, this device's clock), noted so in that same transaction."""
    names = {d.hex() for d in doc_ids}
    raw = await tx.setting(FLAGS_SENT)
    held = json.loads(raw) if isinstance(raw, str) else {}
    if not isinstance(held, dict):
        return
    found = [f for f, e in held.items() if f in names and isinstance(e, dict) and "left" not in e]
    for flag_id in found:
        held[flag_id]["left"] = at
    if found:
        await tx.set_setting(FLAGS_SENT, json.dumps(held))


def _flags_sent(db: sqlite3.Connection) -> dict[str, Any] | None:
    """Inside a transaction: the FLAGS_SENT setting read (flag id hex -> its entry), {} when
    none is stored, None when what is stored is not a map (left alone)."""
    row = db.execute("SELECT value FROM settings WHERE name = ?", (FLAGS_SENT,)).fetchone()
    held = json.loads(row[0]) if row is not None and isinstance(row[0], str) else {}
    return held if isinstance(held, dict) else None


def note_pushed(
    db: sqlite3.Connection,
    flag_ids: Mapping[str, bytes],
    at: int,
    before: dict[str, dict[str, int]] | None = None,
) -> None:
    """Inside `Store.mark_offered`'s transaction, before a push request carrying the safety
    flags `flag_ids` (hex -> journal id) can leave, at `at` (ms UTC, this device's clock):
    their first push's `offered` (`note_flags`), and `pushing` = `at` on each not yet left,
    taken off once the push is answered (`note_answered`: in the transaction recording its
    acknowledgement, or after a refusal). A mark still there on a flag in the outbox says a
    push carrying it left and its answer was never recorded (the sync stopped, the program
    ended), so the server may hold it: `SafetyPath._unanswered`. `before` is given the
    FLAGS_SENT entry, as it was, of each flag this push may note `offered` first (for
    `note_unsent`)."""
    was = _flags_sent(db) if before is not None else None
    if before is not None and was is not None:
        for flag_id in flag_ids:
            entry = was.get(flag_id)
            if isinstance(entry, dict) and not {"offered", "left"} & entry.keys():
                before[flag_id] = entry
    note_flags(db, flag_ids, "offered", at, journals=flag_ids)
    held = _flags_sent(db)
    if held is None:
        return
    marked = [f for f in flag_ids if isinstance(held.get(f), dict) and "left" not in held[f]]
    for flag_id in marked:
        held[flag_id]["pushing"] = at
    if marked:
        db.execute(SET_SETTING, (FLAGS_SENT, json.dumps(held))).close()


def note_unsent(
    db: sqlite3.Connection,
    noted: Callable[[sqlite3.Connection], None],
    before: Mapping[str, dict[str, int]],
    at: int,
) -> None:
    """Inside a write transaction, after a push (begun at `at`, ms UTC) whose request never
    left: no connection to the server was made (`NetworkError.unsent`), so it could store
    nothing. `noted` (`note_answered`) runs, then each FLAGS_SENT entry this push noted
    `offered` first (`note_pushed`'s `before`: the entries as they were) gets back its
    `since`, `offered` and `inherited` as they were: it was not the first push that could
    have stored the flag, the next one that leaves is (nu76 F8: a push tried with the
    server down made a flag whose share ended before its first stored push "may NOT have
    been delivered", never "was NOT"). An entry noted since by another push (another
    `offered`), or that left, is kept. Nothing else is written when none changes."""
    noted(db)
    held = _flags_sent(db)
    if held is None:
        return
    changed = False
    for flag_id, was in before.items():
        entry = held.get(flag_id)
        if not isinstance(entry, dict) or entry.get("offered") != at or "left" in entry:
            continue
        for key in ("since", "offered", "inherited"):
            if key in was:
                entry[key] = was[key]
            else:
                entry.pop(key, None)
        changed = True
    if changed:
        db.execute(SET_SETTING, (FLAGS_SENT, json.dumps(held))).close()


def note_answered(
    db: sqlite3.Connection, flag_ids: Collection[str], at: int, *, unanswered: bool = False
) -> None:
    """Inside a write transaction: the push that carried the safety flags `flag_ids` (hex)
    is over (`note_pushed`): their `pushing` mark goes; with `unanswered`, it left and no
    reply confirmed it was stored, noted `unanswered` = `at` (ms UTC) on each not yet left
    (`note_flags`). Nothing is written when none changes."""
    if unanswered:
        note_flags(db, flag_ids, "unanswered", at)
    held = _flags_sent(db)
    if held is None:
        return
    marked = [f for f in flag_ids if isinstance(held.get(f), dict) and "pushing" in held[f]]
    for flag_id in marked:
        del held[flag_id]["pushing"]
    if marked:
        db.execute(SET_SETTING, (FLAGS_SENT, json.dumps(held))).close()


def note_flags(
    db: sqlite3.Connection,
    flag_ids: Collection[str],
    key: str,
    at: int,
    journals: Mapping[str, bytes] | None = None,
) -> None:
    """Inside a write transaction: the FLAGS_SENT entries of `flag_ids` (hex) not yet
    holding `key` get `key` = `at` (ms UTC, this device's clock); with `key` "offered", their
    `since` becomes `at` too: the first push that could have stored the flag starts then
    (`SafetyPath._undelivered`). Never for a flag offered before (its document in the
    `offered` table under its journal, `journals`: flag id hex -> journal id; run before
    `Store.mark_offered` adds this push's rows) nor one an older version marked `sending`:
    an older version pushed it without noting "offered", and it may be stored already, so
    its older `since` stays (moved forward, a flag delivered before an unshare would read
    "was NOT delivered"), and `inherited` = 1 notes that its first push is not known (an
    older version also moved `since` to the start of every sync that found it waiting):
    `SafetyPath._undelivered` says at most "may NOT" of it. Nothing is written when none
    changes."""
    held = _flags_sent(db)
    if held is None:
        return
    changed = False
    for flag_id in flag_ids:
        entry = held.get(flag_id)
        if isinstance(entry, dict) and key not in entry and "left" not in entry:
            entry[key] = at
            if key == "offered" and not offered_before(db, flag_id, entry, journals or {}):
                entry["since"] = at
            elif key == "offered":
                entry["inherited"] = 1  # no first push known: never "surely" (_undelivered)
            changed = True
    if changed:
        db.execute(SET_SETTING, (FLAGS_SENT, json.dumps(held))).close()


def note_sent_again(db: sqlite3.Connection, flag_ids: Collection[str], at: int) -> None:
    """Inside a write transaction: a push the server acknowledged at `at` (ms UTC, this
    device's clock) carried again the kept records of the documents `flag_ids` (hex), which
    a server acknowledged before and never served back (`Store.kept_flags`: safety flags,
    and the results they belong to, `flag_results`). The FLAGS_SENT entry of each safety
    flag among them now says it left at `at` and is judged anew (`SafetyPath._undelivered`):
    the earlier push may have been dropped, so a share ended after it and before this one
    may have ended before the copy that stuck (rev30b F5). An entry held keeps `since`, the
    start of the first push that could have stored it; a flag whose entry was dropped
    already (judged JUDGED_FOR_MS, or every member told or acknowledging it) is listed
    again (fix31c 2), `since` its `raised_at` (at or before its sealing, so at or before
    any push of it) and no `offered`: never "was NOT delivered", as its first push is no
    longer known. Nothing is written when none changes."""
    held = _flags_sent(db)
    if held is None:
        return
    changed = False
    for flag_id in flag_ids:
        entry = held.get(flag_id)
        if isinstance(entry, dict) and "left" in entry:
            entry["left"] = max(at, entry["left"])
            entry.pop("chains", None)
            entry.pop("judged", None)
            changed = True
        elif entry is None and (sealed := _sealed_at(db, flag_id)) is not None:
            held[flag_id] = {"since": min(sealed, at), "left": at}
            changed = True
    if changed:
        db.execute(SET_SETTING, (FLAGS_SENT, json.dumps(held))).close()


def _sealed_at(db: sqlite3.Connection, flag_id: str) -> int | None:
    """Inside a transaction: the `raised_at` (ms UTC) of the safety flag `flag_id` (hex) held
    here; None for another document, or one not held."""
    row = db.execute(
        "SELECT doc_id, kind, state, waiting FROM documents WHERE doc_id = ?",
        (bytes.fromhex(flag_id),),
    ).fetchone()
    if row is None or row[1] != SAFETY_FLAG:
        return None
    waiting = bytes(row[3]) if row[3] is not None else b""
    document = Document.from_state(bytes(row[0]), row[1], bytes(row[2]), waiting=waiting)
    raised = document.field("raised_at")
    if isinstance(raised, bool) or not isinstance(raised, int | float):
        return None
    return int(raised)  # a number of the document (a float once decoded)


def offered_before(
    db: sqlite3.Connection, flag_id: str, entry: dict[str, int], journals: Mapping[str, bytes]
) -> bool:
    """Whether the FLAGS_SENT `entry` of `flag_id` (hex) is of a flag a push may have
    carried before (`note_flags`): an older version's `sending` mark, or a row of the
    `offered` table for its document in its journal (`journals`: flag id hex -> id)."""
    if "sending" in entry:
        return True
    journal_id = journals.get(flag_id)
    if journal_id is None:
        return False
    return (
        db.execute(
            "SELECT 1 FROM offered WHERE journal_id = ? AND doc_id = ? LIMIT 1",
            (journal_id, bytes.fromhex(flag_id)),
        ).fetchone()
        is not None
    )


async def moot_withdrawals(store: Store, account_id: bytes) -> set[bytes]:
    """The set-aside changes (record ids) that have nothing left to do: this account's
    changes to a note or prompt it wrote in another owner's journal, withdrew here (marked
    deleted: notes.withdraw), and whose journal owner has since marked it deleted on the
    server too (a verified record of the owner's that itself marks it deleted was served:
    the one change an owner may make to a member's annotation, protocol.md 4.15; an owner's
    record that leaves it as it is, a snapshot, does not count, R31 F2: this device's own
    state is deleted already by the refused withdrawal). Its readers no longer list it, so
    the refused withdrawal (and any change of it waiting behind) is not "not delivered" any
    more (NU20 C4's "ask the owner" done). A withdrawal the owner has not answered so, or of
    a journal this device no longer reads (it cannot know), stays. Reads the store only."""
    wanted = await store.set_aside_documents()  # kept in memory while set_aside is unchanged
    if not wanted:
        return set()
    journals = {j.journal_id: j for j in await store.journals()}
    creators = await store.creators(list(wanted))
    moot: set[bytes] = set()
    for doc_id in wanted:
        stored = await store.document(doc_id)
        if stored is None or stored.kind not in ANNOTATION_KINDS:
            continue
        journal = journals.get(stored.journal_id)
        if journal is None or journal.owner_id == account_id or creators.get(doc_id) != account_id:
            continue
        document = Document.from_state(
            stored.doc_id, stored.kind, stored.state, waiting=stored.waiting
        )
        if document.field("deleted") is not True:
            continue
        if await store.removed_on_server_by(doc_id, journal.owner_id):
            moot.add(doc_id)
    if not moot:
        return set()
    return {row.record.record_id for row in await store.set_aside() if row.record.doc_id in moot}


@dataclass(frozen=True)
class SetAsideChange:
    """A change the server refused for good, kept on this device.

    `title` and `text` show the document it changed as this device holds it now (an entry's
    title and body, a note's or prompt's text, a goal's title and why), so the words are not
    lost even when the journal is no longer shared with this account. Times are UTC.
    """

    record_id: str
    journal: str
    journal_id: str
    doc_id: str
    kind: str
    code: str
    reason: str
    set_aside_at: datetime
    title: str
    text: str
    removed: bool = False
    """Set by `Client.drop_set_aside`: by the server's answers nothing of the document
    reached it, and it was removed from this device with the change."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: times as ISO 8601 strings in UTC; ids as hex."""
        return {
            "record_id": self.record_id,
            "journal": self.journal,
            "journal_id": self.journal_id,
            "doc_id": self.doc_id or None,
            "kind": self.kind or None,
            "code": self.code,
            "reason": self.reason,
            "set_aside_at": json_time(self.set_aside_at),
            "title": self.title or None,
            "text": self.text or None,
        }


async def set_aside_changes(store: Store) -> list[SetAsideChange]:
    """Every record set aside on this device, oldest write first."""
    found = []
    for row in await store.set_aside():
        stored = await store.document(row.record.doc_id) if row.record.doc_id else None
        document = (
            Document.from_state(stored.doc_id, stored.kind, stored.state, waiting=stored.waiting)
            if stored
            else None
        )
        found.append(
            SetAsideChange(
                row.record.record_id.hex(),
                row.journal_name,
                row.record.journal_id.hex(),
                row.record.doc_id.hex() if row.record.doc_id else "",
                stored.kind if stored else "",
                row.code,
                row.reason,
                to_datetime(row.set_aside_at),
                _title(document),
                _text(document),
            )
        )
    return found


def _title(document: Document | None) -> str:
    title = document.field("title") if document else None
    return title if isinstance(title, str) else ""


def _text(document: Document | None) -> str:
    if document is None:
        return ""
    return document.text("body") or document.text("why") or document.text("text")
