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
from client_sdk.store import LocalJournal, Problem, Store, StoredDocument
from client_sdk.transport import Transport

PULL_PAGE = 1000


class Replica:
    def __init__(self, profile: Profile, store: Store, transport: Transport) -> None:
        self.profile = profile
        self.store = store
        self.transport = transport
        self._keys: dict[tuple[bytes, int], bytes] = {}

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
        envelopes = await self.store.journal_keys()
        return self._unwrap(journal.journal_id, journal.owner_id, journal.role, epoch, envelopes)

    async def commit(self, journal: LocalJournal, document: Document, update: bytes) -> None:
        """Seal `update` as a record and store it with the new document state, atomically."""
        if journal.role not in ("owner",):
            raise AccessError(f"this account may not write to journal {journal.name!r}")
        key = await self.journal_key(journal, journal.epoch)
        record_id = crypto.random_bytes(wire.ID_BYTES)
        async with self.store.transaction() as tx:
            counter = await tx.next_counter()
            body = records.RecordBody(
                author=self.profile.account_id,
                device=self.profile.device_id,
                counter=counter,
                doc_id=document.doc_id,
                doc_kind=document.kind,
                kind=records.UPDATE,
                payload=update,
                written_at=now_ms(),
            )
            ciphertext = records.seal_record(
                key,
                journal.journal_id,
                record_id,
                journal.epoch,
                body,
                self.profile.secrets.signing_key,
            )
            await tx.add_outbox(journal.journal_id, record_id, journal.epoch, ciphertext)
            await tx.mark_seen(
                journal.journal_id, record_id, None, body.author, body.device, counter
            )
            await tx.put_document(
                StoredDocument(
                    document.doc_id, journal.journal_id, document.kind, document.state()
                ),
                now_ms(),
            )

    # --- sync -------------------------------------------------------------------------------

    async def sync(self) -> sync_plan.SyncReport:
        """Push the outbox, then pull new records of every journal until up to date."""
        report = sync_plan.SyncReport()
        await self._push(report)
        await self._pull(report)
        return report

    async def _push(self, report: sync_plan.SyncReport) -> None:
        for batch in sync_plan.push_batches(await self.store.outbox()):
            reply = await self.transport.call(
                "/v1/records/push", sync_plan.push_request(batch), wire.PushReply
            )
            try:
                seqs = sync_plan.check_accepted(batch, reply)
            except ValueError as error:
                raise IntegrityError(str(error)) from None
            async with self.store.transaction() as tx:
                for record in batch:
                    await tx.mark_seen(record.journal_id, record.record_id, seqs[record.record_id])
                await tx.remove_outbox([record.position for record in batch])
            report.pushed += len(batch)

    async def _pull(self, report: sync_plan.SyncReport) -> None:
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
                if page.records or page.cursor != journals[page.journal_id].cursor:
                    await self._apply_page(journals[page.journal_id], page, report)
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
        accepted: list[tuple[wire.StoredRecord, records.RecordBody]] = []
        for record, body in opened:
            try:
                changed[body.doc_id] = self._merge(journal, record, body, changed, documents)
                accepted.append((record, body))
            except IntegrityError as error:
                problems.append(
                    Problem(journal.journal_id, record.record_id, record.seq, str(error))
                )
        async with self.store.transaction() as tx:
            for document in changed.values():
                await tx.put_document(
                    StoredDocument(
                        document.doc_id, journal.journal_id, document.kind, document.state()
                    ),
                    now_ms(),
                )
            for record, body in accepted:
                await tx.mark_seen(
                    journal.journal_id,
                    record.record_id,
                    record.seq,
                    body.author,
                    body.device,
                    body.counter,
                )
            for problem in problems:
                await tx.add_problem(problem)
                await tx.mark_seen(journal.journal_id, problem.record_id, problem.seq)
            await tx.set_cursor(journal.journal_id, page.cursor)
        report.pulled += len(accepted)
        report.merged += len(changed)
        report.problems.extend(p.message for p in problems)

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


def stored_document(stored: StoredDocument) -> Document:
    return Document.from_state(stored.doc_id, stored.kind, stored.state)
