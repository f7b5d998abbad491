"""The device's replica of its journals: sealing local changes into records, pushing the
outbox, pulling and verifying records, merging them into documents, and journal keys.

`Client` is the public face; this class holds the machinery it shares between features.
"""

from __future__ import annotations

import msgpack

from client_sdk import crypto, keys, records, wire
from client_sdk import sync as sync_plan
from client_sdk.documents import Document
from client_sdk.errors import AccessError, IntegrityError
from client_sdk.models import now_ms
from client_sdk.profile import Profile
from client_sdk.store import LocalJournal, Problem, SeenRecord, Store, StoredDocument
from client_sdk.sync import Progress
from client_sdk.transport import Transport

PULL_PAGE = 1000


class Replica:
    def __init__(self, profile: Profile, store: Store, transport: Transport) -> None:
        self.profile = profile
        self.store = store
        self.transport = transport
        self._keys: dict[tuple[bytes, int], bytes] = {}

    compact_after = 100
    """A document with this many acknowledged updates gets a snapshot at the next sync."""

    def remember_key(self, journal_id: bytes, epoch: int, key: bytes) -> None:
        self._keys[(journal_id, epoch)] = key

    async def refresh_journals(self) -> None:
        reply = await self.transport.call("/v1/journals/list", wire.Empty(), wire.JournalList)
        known = {j.journal_id: j for j in await self.store.journals()}
        async with self.store.transaction() as tx:
            for journal in reply.journals:
                for key in journal.keys:
                    await tx.put_key(journal.journal_id, key.epoch, key.envelope)
        for journal in reply.journals:
            name = self._journal_name(journal)
            cursor = known[journal.journal_id].cursor if journal.journal_id in known else 0
            local = LocalJournal(
                journal.journal_id,
                journal.owner_id,
                journal.role,
                journal.epoch,
                name,
                journal.meta_version,
                cursor,
            )
            async with self.store.transaction() as tx:
                await tx.put_journal(local)

    def _journal_name(self, journal: wire.Journal) -> str:
        try:
            epoch = keys.meta_epoch(journal.meta)
            key = self._unwrap(
                journal.journal_id,
                journal.owner_id,
                journal.role,
                epoch,
                {(journal.journal_id, k.epoch): k.envelope for k in journal.keys},
            )
            return decode_meta(keys.open_journal_meta(key, journal.journal_id, journal.meta))
        except IntegrityError:
            return f"(unreadable journal {journal.journal_id.hex()[:8]})"

    def _unwrap(
        self,
        journal_id: bytes,
        owner_id: bytes,
        role: str,
        epoch: int,
        envelopes: dict[tuple[bytes, int], bytes],
    ) -> bytes:
        cached = self._keys.get((journal_id, epoch))
        if cached is not None:
            return cached
        envelope = envelopes.get((journal_id, epoch))
        if envelope is None:
            raise IntegrityError(f"no key for epoch {epoch} of journal {journal_id.hex()}")
        if role != "owner" or owner_id != self.profile.account_id:
            raise AccessError(f"journal {journal_id.hex()} is not this account's")
        key = keys.unwrap_journal_key(
            self.profile.secrets.account_key, self.profile.account_id, journal_id, epoch, envelope
        )
        self._keys[(journal_id, epoch)] = key
        return key

    async def journal_key(self, journal: LocalJournal, epoch: int) -> bytes:
        cached = self._keys.get((journal.journal_id, epoch))
        if cached is not None:
            return cached
        envelopes = await self.store.journal_keys()
        return self._unwrap(journal.journal_id, journal.owner_id, journal.role, epoch, envelopes)

    async def commit(self, journal: LocalJournal, document: Document, update: bytes) -> None:
        """Seal `update` as a record and store it with the new document state, atomically."""
        if journal.role not in ("owner",):
            raise AccessError(f"this account may not write to journal {journal.name!r}")
        key = await self.journal_key(journal, journal.epoch)
        record_id = crypto.random_bytes(wire.ID_BYTES)
        async with self.store.transaction() as tx:
            body = self._body(await tx.next_counter(), document, records.UPDATE, update)
            ciphertext = records.seal_record(
                key,
                journal.journal_id,
                record_id,
                journal.epoch,
                body,
                self.profile.secrets.signing_key,
            )
            await tx.add_outbox(
                journal.journal_id, record_id, journal.epoch, ciphertext, document.doc_id
            )
            await tx.mark_seen([self._seen(journal.journal_id, record_id, None, body)])
            await tx.put_documents([_stored(journal, document)], now_ms())

    def _body(
        self, counter: int, document: Document, kind: str, payload: bytes
    ) -> records.RecordBody:
        return records.RecordBody(
            author=self.profile.account_id,
            device=self.profile.device_id,
            counter=counter,
            doc_id=document.doc_id,
            doc_kind=document.kind,
            kind=kind,
            payload=payload,
            written_at=now_ms(),
        )

    @staticmethod
    def _seen(
        journal_id: bytes, record_id: bytes, seq: int | None, body: records.RecordBody
    ) -> SeenRecord:
        return SeenRecord(
            journal_id, record_id, seq, body.doc_id, body.author, body.device, body.counter
        )

    # --- sync -------------------------------------------------------------------------------

    async def sync(self, progress: Progress | None = None) -> sync_plan.SyncReport:
        """Push the outbox, pull every journal until up to date, then compact long logs."""
        report = sync_plan.SyncReport()
        tracker = sync_plan.ProgressTracker(progress, to_push=await self.store.outbox_size())
        await self._push(report, tracker)
        await self._pull(report, tracker)
        await self._compact(report)
        return report

    async def _push(self, report: sync_plan.SyncReport, tracker: sync_plan.ProgressTracker) -> None:
        for batch in sync_plan.push_batches(await self.store.outbox()):
            reply = await self.transport.call(
                "/v1/records/push", sync_plan.push_request(batch), wire.PushReply
            )
            try:
                seqs = sync_plan.check_accepted(batch, reply)
            except ValueError as error:
                raise IntegrityError(str(error)) from None
            async with self.store.transaction() as tx:
                await tx.mark_seen(
                    [SeenRecord(r.journal_id, r.record_id, seqs[r.record_id]) for r in batch]
                )
                await tx.remove_outbox([record.position for record in batch])
            report.pushed += len(batch)
            report.touched.update(r.doc_id for r in batch if r.doc_id is not None)
            tracker.pushed(len(batch))

    async def _pull(self, report: sync_plan.SyncReport, tracker: sync_plan.ProgressTracker) -> None:
        while True:
            journals = {j.journal_id: j for j in await self.store.journals()}
            cursors = {journal_id: j.cursor for journal_id, j in journals.items()}
            reply = await self.transport.call(
                "/v1/sync", sync_plan.sync_request(cursors, PULL_PAGE), wire.SyncReply
            )
            stale = any(
                page.journal_id not in journals
                or journals[page.journal_id].meta_version != page.meta_version
                for page in reply.pages
            )
            if stale:
                await self.refresh_journals()
                journals = {j.journal_id: j for j in await self.store.journals()}
            for page in reply.pages:
                if page.journal_id not in journals:
                    continue  # listed by sync but not by the journal list: next round
                if page.records or page.cursor != journals[page.journal_id].cursor:
                    await self._apply_page(journals[page.journal_id], page, report)
            tracker.pulled(reply.pages, cursors)
            if reply.done:
                return

    async def _apply_page(
        self, journal: LocalJournal, page: wire.JournalPage, report: sync_plan.SyncReport
    ) -> None:
        seen = await self.store.seen(journal.journal_id, [r.record_id for r in page.records])
        fresh = [r for r in page.records if r.record_id not in seen]
        problems: list[Problem] = []
        opened: list[tuple[wire.StoredRecord, records.RecordBody]] = []
        for record in fresh:
            try:
                opened.append((record, await self._open_record(journal, record)))
            except IntegrityError as error:
                problems.append(
                    Problem(journal.journal_id, record.record_id, record.seq, str(error))
                )
        wanted = list({body.doc_id for _, body in opened})
        documents = {s.doc_id: s for s in await self.store.documents_by_ids(wanted)}
        changed: dict[bytes, Document] = {}
        accepted: list[SeenRecord] = []
        for record, body in opened:
            try:
                changed[body.doc_id] = self._merge(journal, record, body, changed, documents)
                accepted.append(self._seen(journal.journal_id, record.record_id, record.seq, body))
            except IntegrityError as error:
                problems.append(
                    Problem(journal.journal_id, record.record_id, record.seq, str(error))
                )
        async with self.store.transaction() as tx:
            await tx.put_documents([_stored(journal, d) for d in changed.values()], now_ms())
            await tx.mark_seen(accepted)
            for problem in problems:
                await tx.add_problem(problem)
            await tx.mark_seen(
                [SeenRecord(journal.journal_id, p.record_id, p.seq) for p in problems]
            )
            await tx.set_cursor(journal.journal_id, page.cursor)
        report.pulled += len(accepted)
        report.merged += len(changed)
        report.touched.update(changed)
        report.problems.extend(p.message for p in problems)

    # --- compaction -------------------------------------------------------------------------

    async def _compact(self, report: sync_plan.SyncReport) -> None:
        """Replace long update histories of this account's documents by snapshots."""
        candidates = await self.store.compaction_candidates(
            sorted(report.touched), self.compact_after, self.profile.account_id
        )
        if not candidates:
            return
        journals = {j.journal_id: j for j in await self.store.journals()}
        for stored in await self.store.documents_by_ids(candidates):
            journal = journals.get(stored.journal_id)
            if journal is None or journal.role != "owner":
                continue
            await self._compact_document(journal, stored_document(stored))
            report.compacted += 1

    async def _compact_document(self, journal: LocalJournal, document: Document) -> None:
        superseded = await self.store.acknowledged_records(
            document.doc_id, wire.MAX_RECORDS_PER_PAGE
        )
        key = await self.journal_key(journal, journal.epoch)
        record_id = crypto.random_bytes(wire.ID_BYTES)
        async with self.store.transaction() as tx:
            body = self._body(await tx.next_counter(), document, records.SNAPSHOT, document.state())
        ciphertext = records.seal_record(
            key,
            journal.journal_id,
            record_id,
            journal.epoch,
            body,
            self.profile.secrets.signing_key,
        )
        request = wire.CompactRequest(
            journal.journal_id, wire.RecordUpload(record_id, journal.epoch, ciphertext), superseded
        )
        reply = await self.transport.call("/v1/records/compact", request, wire.CompactReply)
        async with self.store.transaction() as tx:
            await tx.forget_seen(journal.journal_id, superseded)
            await tx.mark_seen([self._seen(journal.journal_id, record_id, reply.seq, body)])

    def _merge(
        self,
        journal: LocalJournal,
        record: wire.StoredRecord,
        body: records.RecordBody,
        changed: dict[bytes, Document],
        stored: dict[bytes, StoredDocument],
    ) -> Document:
        """Apply one verified record to its document (loaded once per page)."""
        document = changed.get(body.doc_id)
        if document is None:
            existing = stored.get(body.doc_id)
            if existing is not None and (
                existing.kind != body.doc_kind or existing.journal_id != journal.journal_id
            ):
                raise IntegrityError(
                    f"record {record.record_id.hex()} targets a document of another kind or journal",
                    record_id=record.record_id,
                )
            document = (
                stored_document(existing) if existing else Document(body.doc_id, body.doc_kind)
            )
        document.apply(body.payload)
        return document

    async def _open_record(
        self, journal: LocalJournal, record: wire.StoredRecord
    ) -> records.RecordBody:
        try:
            key = await self.journal_key(journal, record.epoch)
        except (IntegrityError, AccessError) as error:
            raise IntegrityError(f"record {record.record_id.hex()}: {error}") from None
        body = records.open_record(
            key,
            journal.journal_id,
            record.record_id,
            record.epoch,
            record.ciphertext,
            self._sign_key_of,
        )
        if body.author != journal.owner_id:
            raise IntegrityError(
                f"record {record.record_id.hex()} was written by an account without the right to change this journal"
            )
        return body

    def _sign_key_of(self, account_id: bytes) -> bytes | None:
        if account_id == self.profile.account_id:
            return self.profile.secrets.sign_public_key
        return None


def encode_meta(name: str) -> bytes:
    packed: bytes = msgpack.packb({"name": name}, use_bin_type=True)
    return packed


def decode_meta(raw: bytes) -> str:
    try:
        meta = msgpack.unpackb(raw, raw=False)
        name = meta["name"]
    except (ValueError, TypeError, KeyError, msgpack.UnpackException):
        raise IntegrityError("journal metadata is malformed") from None
    if not isinstance(name, str):
        raise IntegrityError("journal metadata is malformed")
    return name


def _stored(journal: LocalJournal, document: Document) -> StoredDocument:
    return StoredDocument(document.doc_id, journal.journal_id, document.kind, document.state())


def stored_document(stored: StoredDocument) -> Document:
    return Document.from_state(stored.doc_id, stored.kind, stored.state)
