"""The device's replica of its journals: sealing local changes into records, pushing the
outbox, pulling and verifying records, merging them into documents, and journal keys.

`Client` is the public face; this class holds the machinery it shares between features.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from client_sdk import crypto, keys, records, wire
from client_sdk import sync as sync_plan
from client_sdk import withholding as counting
from client_sdk.documents import EMPTY_UPDATE, Document
from client_sdk.errors import (
    AccessError,
    ConflictError,
    IntegrityError,
    InvalidInput,
    KeyChangedError,
    NotFound,
    TJError,
)
from client_sdk.journal_meta import (
    annotator_spans,
    close_spans,
    decode_meta,
    encode_meta,
    sign_meta,
)
from client_sdk.models import now_ms
from client_sdk.profile import Profile
from client_sdk.pushing import Pusher, journal_names
from client_sdk.store import (
    LocalJournal,
    LocalShare,
    Peer,
    Problem,
    SeenRecord,
    Store,
    StoredDocument,
    Transaction,
)
from client_sdk.sync import Progress
from client_sdk.transport import Transport

PULL_PAGE = 1000
STALLED_ROUNDS = 3
"""Sync replies in a row that move no cursor before a pull stops and is reported."""
ANNOTATION_KINDS = ("note", "prompt", "crisis_line", "safety_ack", "assignment")
"""What a member with the annotate role may write (each only in documents it created)."""
REVOKED = "revoked"  # local role of a journal no longer shared with this account


class Replica:
    def __init__(self, profile: Profile, store: Store, transport: Transport) -> None:
        self.profile = profile
        self.store = store
        self.transport = transport
        self._keys: dict[tuple[bytes, int], bytes] = {}
        self._peers: dict[bytes, Peer] = {}
        self._annotators: dict[bytes, set[bytes]] = {}

    compact_after = 100
    """A document with this many acknowledged updates gets a snapshot at the next sync."""

    def remember_key(self, journal_id: bytes, epoch: int, key: bytes) -> None:
        self._keys[(journal_id, epoch)] = key

    # --- journals and their keys --------------------------------------------------------------

    async def refresh_journals(self) -> None:
        """Fetch the journal list (names, roles, key envelopes) and, for the journals this
        account owns, who they are shared with."""
        reply = await self.transport.call("/v1/journals/list", wire.Empty(), wire.JournalList)
        known = {j.journal_id: j for j in await self.store.journals()}
        listed = {journal.journal_id for journal in reply.journals}
        async with self.store.transaction() as tx:
            for journal in reply.journals:
                for key in journal.keys:
                    await tx.put_key(journal.journal_id, key.epoch, key.envelope)
        for owner_id in {j.owner_id for j in reply.journals} - {self.profile.account_id}:
            await self.pin_on_first_use(owner_id)
        await self._load_peers()
        envelopes = await self.store.journal_keys()
        updated = []
        for journal in reply.journals:
            meta = self._journal_meta(journal, envelopes)
            previous = known.get(journal.journal_id)
            updated.append(
                LocalJournal(
                    journal.journal_id,
                    journal.owner_id,
                    journal.role,
                    journal.epoch,
                    str(meta.get("name", "")),
                    journal.meta_version,
                    previous.cursor if previous else 0,
                    journal.owner_name,
                    journal.expires_at,
                    json.dumps(meta, sort_keys=True),
                )
            )
        gone = [
            replace(j, role=REVOKED)
            for j in known.values()
            if j.journal_id not in listed and j.owner_id != self.profile.account_id
        ]
        shares = await self._fetch_shares() if any(j.role == "owner" for j in updated) else []
        async with self.store.transaction() as tx:
            for local in updated + gone:
                await tx.put_journal(local)
            await tx.replace_shares(shares)
        self._load_annotators(shares)

    async def _fetch_shares(self) -> list[LocalShare]:
        """The memberships of the journals this account owns. Each member's keys come from
        the envelope the owner signed when sharing, checked with the owner's own key, so every
        device of the owner holds the keys the owner confirmed, not whatever the server says."""
        reply = await self.transport.call("/v1/shares/list", wire.Empty(), wire.ShareList)
        me, my_key = self.profile.account_id, self.profile.secrets.sign_public_key
        for share in reply.shares:
            if not share.envelope:
                continue  # an ended share whose keys the server already dropped
            try:
                terms = keys.verify_share_terms(
                    my_key, me, share.member_id, share.journal_id, share.epoch, share.envelope
                )
            except IntegrityError:
                continue  # not signed by this account: pin nothing; a rotation then refuses
            await self._pin_confirmed(terms)
        return [
            LocalShare(s.journal_id, s.member_id, s.member_name, s.role, s.expires_at, s.expired)
            for s in reply.shares
        ]

    async def _pin_confirmed(self, terms: keys.ShareTerms) -> None:
        """Pin member keys that this account's owner signature vouches for."""
        peer = Peer(
            terms.member_id,
            terms.member_name,
            terms.member_sign_public_key,
            terms.member_box_public_key,
            True,
        )
        pinned = await self.store.peer(peer.account_id)
        if pinned is not None and pinned == peer:
            return
        async with self.store.transaction() as tx:
            await tx.put_peer(peer)
        self._peers[peer.account_id] = peer

    def _journal_meta(
        self, journal: wire.Journal, envelopes: dict[tuple[bytes, int], bytes]
    ) -> dict[str, Any]:
        try:
            epoch = keys.meta_epoch(journal.meta)
            key = self._unwrap(journal.journal_id, journal.owner_id, journal.role, epoch, envelopes)
            return decode_meta(keys.open_journal_meta(key, journal.journal_id, journal.meta))
        except (IntegrityError, AccessError, KeyChangedError):
            return {"name": f"(unreadable journal {journal.journal_id.hex()[:8]})"}

    def _unwrap(
        self,
        journal_id: bytes,
        owner_id: bytes,
        role: str,
        epoch: int,
        envelopes: dict[tuple[bytes, int], bytes],
    ) -> bytes:
        """A journal key: unwrapped with the account key for the owner, or taken from the
        owner-signed share envelope for a member."""
        cached = self._keys.get((journal_id, epoch))
        if cached is not None:
            return cached
        envelope = envelopes.get((journal_id, epoch))
        if envelope is None:
            raise AccessError(
                f"this account holds no key for epoch {epoch} of journal {journal_id.hex()}"
            )
        secrets = self.profile.secrets
        if owner_id == self.profile.account_id:
            key = keys.unwrap_journal_key(
                secrets.account_key, self.profile.account_id, journal_id, epoch, envelope
            )
        else:
            owner = self._peers.get(owner_id)
            if owner is None:
                raise IntegrityError(f"the owner of journal {journal_id.hex()} is not known yet")
            key, _ = keys.open_share_envelope(
                secrets,
                self.profile.account_id,
                self.profile.username,
                owner_id,
                owner.sign_public_key,
                journal_id,
                epoch,
                envelope,
            )
        self._keys[(journal_id, epoch)] = key
        return key

    async def journal_key(self, journal: LocalJournal, epoch: int) -> bytes:
        cached = self._keys.get((journal.journal_id, epoch))
        if cached is not None:
            return cached
        if journal.owner_id != self.profile.account_id and journal.owner_id not in self._peers:
            await self._load_peers()  # a freshly opened client: the owner was pinned before
        envelopes = await self.store.journal_keys()
        return self._unwrap(journal.journal_id, journal.owner_id, journal.role, epoch, envelopes)

    # --- peers ----------------------------------------------------------------------------------

    async def _load_peers(self) -> None:
        self._peers = {peer.account_id: peer for peer in await self.store.peers()}

    async def pin_on_first_use(self, account_id: bytes) -> Peer:
        """Pin a journal owner's (or member's) identity on first use; a changed key is
        refused."""
        pinned = await self.store.peer(account_id)
        if pinned is not None:
            return pinned
        identity = await self.transport.call(
            "/v1/account/identity-by-id", wire.AccountRequest(account_id), wire.Identity
        )
        if identity.account_id != account_id:
            raise IntegrityError("the server answered with another account's identity")
        return await self.pin(identity, verified=False)

    async def pin(self, identity: wire.Identity, verified: bool, replace_pin: bool = False) -> Peer:
        """Store a verified-signature identity as pinned; refuse one that differs from the pin
        unless `replace_pin` (the user compared the new fingerprint in person)."""
        keys.verify_identity(
            identity.account_id,
            identity.username,
            identity.sign_public_key,
            identity.box_public_key,
            identity.signature,
        )
        peer = Peer(
            identity.account_id,
            identity.username,
            identity.sign_public_key,
            identity.box_public_key,
            verified,
        )
        pinned = await self.store.peer(identity.account_id)
        if pinned is not None and not same_keys(pinned, peer) and not replace_pin:
            raise KeyChangedError(
                f"the identity keys of {identity.username} changed since they were pinned: "
                "compare fingerprints in person, then verify them again"
            )
        if pinned is not None and pinned.verified and not verified:
            peer = replace(peer, verified=True)
        async with self.store.transaction() as tx:
            await tx.put_peer(peer)
        self._peers[peer.account_id] = peer
        return peer

    async def commit(self, journal: LocalJournal, document: Document, update: bytes) -> bytes:
        """Seal `update` as a record and store it with the new document state, atomically;
        returns the record id."""
        check_may_write(journal, document.kind)
        key = await self.journal_key(journal, journal.epoch)
        record_id = crypto.random_bytes(wire.ID_BYTES)
        async with self.store.transaction() as tx:
            body, _ = await self._new_body(
                tx, journal, (document.doc_id, document.kind), records.UPDATE, update
            )
            ciphertext = self._seal(journal, key, record_id, body)
            if len(ciphertext) > wire.MAX_RECORD_BYTES:
                raise InvalidInput(
                    "this change is too large to sync in one piece: split the text into "
                    "several entries"
                )
            await tx.add_outbox(
                journal.journal_id, record_id, journal.epoch, ciphertext, document.doc_id
            )
            await tx.mark_seen([self._seen(journal.journal_id, record_id, None, body)])
            if body.covers:
                await tx.put_covers(
                    journal.journal_id, record_id, counting.encode_covers(body.covers)
                )
            await tx.put_documents(await _merged(tx, journal, [document]), now_ms())
            await tx.set_creators({document.doc_id: self.profile.account_id})
        return record_id

    async def _new_body(
        self,
        tx: Transaction,
        journal: LocalJournal,
        document: tuple[bytes, str],
        kind: str,
        payload: bytes,
        covers: tuple[counting.Cover, ...] = (),
    ) -> tuple[records.RecordBody, tuple[counting.Cover, ...]]:
        """A record body with this device's next counter in the journal, its seen vector,
        and covers for `covers` plus the counters this device withdrew since its last record
        (returned too: they are the new record's to carry now)."""
        me, device = self.profile.account_id, self.profile.device_id
        counter = await tx.next_counter(journal.journal_id)
        withdrawn = await tx.take_withdrawn(journal.journal_id)
        known = counting.JournalCounters(
            journal.journal_id, await tx.journal_counters(journal.journal_id)
        )
        body = records.RecordBody(
            author=me,
            device=device,
            counter=counter,
            doc_id=document[0],
            doc_kind=document[1],
            kind=kind,
            payload=payload,
            written_at=now_ms(),
            seen=known.seen_vector(me, device),
            covers=counting.merge_covers([*withdrawn, *covers]),
        )
        return body, withdrawn

    def _seal(
        self, journal: LocalJournal, key: bytes, record_id: bytes, body: records.RecordBody
    ) -> bytes:
        return records.seal_record(
            key,
            journal.journal_id,
            record_id,
            journal.epoch,
            body,
            self.profile.secrets.signing_key,
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
        await self._load_peers()
        await self.rotate_expired()
        try:
            await self._push(report, tracker)
        except ConflictError as error:
            if getattr(error, "code", None) != "stale_epoch":
                raise
            await self.refresh_journals()  # another device rotated a key: seal again
            await self._reseal_outbox()
            await self._push(report, tracker)
        voids = await self._void_withdrawn(report)
        if voids:
            await self._push(report, tracker)
            report.pushed -= voids  # `pushed` counts changes, not this bookkeeping
        await self._pull(report, tracker)
        await self._compact(report)
        return report

    async def _void_withdrawn(self, report: sync_plan.SyncReport) -> int:
        """Counters of this device that will never reach the server (records set aside, a
        cancelled compaction) would look withheld to other devices until its next record in
        that journal says otherwise: say it now, with a `void` record (protocol.md 4.18).
        Not in a journal that refused this account's records altogether (it would refuse
        that too, and nobody there can see the gap). Returns how many were written."""
        refused = {
            r.journal_id for r in report.set_aside if r.code in sync_plan.REFUSED_JOURNAL_CODES
        }
        journals = {j.journal_id: j for j in await self.store.journals()}
        wrote = 0
        for journal_id in await self.store.withdrawn_journals():
            journal = journals.get(journal_id)
            if (
                journal is None
                or journal_id in refused
                or journal.role not in ("owner", "annotate")
            ):
                continue
            key = await self.journal_key(journal, journal.epoch)
            record_id = crypto.random_bytes(wire.ID_BYTES)
            async with self.store.transaction() as tx:
                body, _ = await self._new_body(
                    tx, journal, (records.NO_DOCUMENT, ""), records.VOID, b""
                )
                ciphertext = self._seal(journal, key, record_id, body)
                await tx.add_outbox(journal_id, record_id, journal.epoch, ciphertext, None)
                await tx.mark_seen(
                    [
                        SeenRecord(
                            journal_id,
                            record_id,
                            None,
                            None,
                            body.author,
                            body.device,
                            body.counter,
                        )
                    ]
                )
                await tx.put_covers(journal_id, record_id, counting.encode_covers(body.covers))
            wrote += 1
        return wrote

    async def _push(self, report: sync_plan.SyncReport, tracker: sync_plan.ProgressTracker) -> None:
        """Push the outbox; records the server refuses for good are set aside (pushing.py)."""
        names = journal_names(await self.store.journals(), self.profile.account_id)
        await Pusher(self.store, self.transport, names, report, tracker).push()
        await self._state_withdrawn(report, tracker, names)

    async def _state_withdrawn(
        self,
        report: sync_plan.SyncReport,
        tracker: sync_plan.ProgressTracker,
        names: dict[bytes, str],
    ) -> None:
        """Records set aside in a journal this device still writes in leave a hole in its
        counters there, which its later records (sealed before) reveal to every reader as
        withheld. Say so at once, not at the next change written there: a no-op record (an
        empty CRDT update to a document the server already holds) carries the withdrawn
        counters as covers (4.18). A no-op that is refused in turn is simply dropped."""
        journals = {j.journal_id: j for j in await self.store.journals()}
        noops: set[bytes] = set()
        holes = {
            record.journal_id
            for record in report.set_aside
            if record.code not in sync_plan.REFUSED_JOURNAL_CODES
        }
        for journal_id in holes:
            journal = journals.get(journal_id)
            if journal is None or journal.role not in ("owner", "annotate"):
                continue
            mine = journal.role != "owner"
            stored = await self.store.carrier_document(
                journal_id,
                self.profile.account_id if mine else None,
                ANNOTATION_KINDS if mine else None,
            )
            if stored is not None:
                noops.add(await self.commit(journal, stored_document(stored), EMPTY_UPDATE))
        if not noops:
            return
        quiet = sync_plan.SyncReport()
        await Pusher(self.store, self.transport, names, quiet, tracker).push()
        refused = {r.record_id for r in quiet.set_aside} & noops
        async with self.store.transaction() as tx:
            await tx.discard_set_aside(sorted(refused))
        report.pushed += quiet.pushed - len(noops - refused)  # changes written meanwhile
        report.set_aside += [r for r in quiet.set_aside if r.record_id not in noops]

    async def _pull(self, report: sync_plan.SyncReport, tracker: sync_plan.ProgressTracker) -> None:
        """Pull pages until the server says done, or stop (and report it) once it answered
        `STALLED_ROUNDS` times in a row without moving any cursor: a server that keeps saying
        "not done" and sends nothing must not keep a device syncing forever."""
        stall = sync_plan.StallGuard(STALLED_ROUNDS)
        refused = False
        while True:
            journals = {j.journal_id: j for j in await self.store.journals() if j.role != REVOKED}
            cursors = {journal_id: j.cursor for journal_id, j in journals.items()}
            try:
                reply = await self.transport.call(
                    "/v1/sync", sync_plan.sync_request(cursors, PULL_PAGE), wire.SyncReply
                )
            except AccessError:
                if refused:
                    raise  # refused again with a fresh journal list: not a share that ended
                refused = True
                await self.refresh_journals()  # a share ended since the last refresh
                continue
            refused = False
            stale = any(
                page.journal_id not in journals
                or journals[page.journal_id].meta_version != page.meta_version
                for page in reply.pages
            )
            if stale:
                await self.refresh_journals()
                journals = {j.journal_id: j for j in await self.store.journals()}
            moved = 0  # journals whose cursor went forward
            for page in reply.pages:
                if page.journal_id not in journals:
                    continue  # listed by sync but not by the journal list: next round
                if page.head < journals[page.journal_id].cursor:
                    report.problems.append(rolled_back(journals[page.journal_id], page.head))
                    continue
                if page.records or page.cursor != journals[page.journal_id].cursor:
                    await self._apply_page(journals[page.journal_id], page, report)
                    moved += page.cursor > journals[page.journal_id].cursor
            tracker.pulled(reply.pages, cursors)
            if reply.done:
                await self._check_withheld(report)
                return
            if stall.stalled(moved > 0):
                report.incomplete.extend(
                    stalled_pull(journals[page.journal_id], page)
                    for page in reply.pages
                    if page.journal_id in journals and page.cursor < page.head
                )
                if not report.incomplete:
                    report.incomplete.append(
                        "the server kept saying the pull is not done without sending anything"
                    )
                return

    async def _check_withheld(self, report: sync_plan.SyncReport) -> None:
        """After a complete pull: every counter some signed record (or the server's own
        acknowledgement) says exists, and that neither reached this device nor is covered.

        Gaps of an author other than the journal's owner and this account, whose account the
        server says no longer exists, went with that account's erasure: they are reported
        once in `report.erased` (so a server faking an erasure is not silent) and then
        accepted."""
        journals = {j.journal_id: j for j in await self.store.journals() if j.role != REVOKED}
        erased: dict[bytes, bool] = {}
        for journal_id, devices in sorted((await self.store.device_counters()).items()):
            journal = journals.get(journal_id)
            if journal is None:
                continue
            for gap in counting.JournalCounters(journal_id, devices).gaps():
                if gap.author in (journal.owner_id, self.profile.account_id):
                    report.withheld.append(gap)
                elif await self._erased(gap.author, erased):
                    report.erased.append(gap)
                else:
                    report.withheld.append(gap)
        if not report.erased:
            return
        async with self.store.transaction() as tx:
            for gap in report.erased:
                known = counting.JournalCounters(
                    gap.journal_id, await tx.journal_counters(gap.journal_id)
                )
                known.cover([counting.Cover(gap.author, gap.device, gap.missing)])
                await tx.put_journal_counters(
                    gap.journal_id, {k: known.devices[k] for k in known.changed}
                )

    async def _erased(self, account_id: bytes, known: dict[bytes, bool]) -> bool:
        """Whether the server says this account no longer exists (its word, reported)."""
        if account_id not in known:
            try:
                await self.transport.call(
                    "/v1/account/identity-by-id", wire.AccountRequest(account_id), wire.Identity
                )
                known[account_id] = False
            except NotFound:
                known[account_id] = True
        return known[account_id]

    async def _apply_page(
        self, journal: LocalJournal, page: wire.JournalPage, report: sync_plan.SyncReport
    ) -> None:
        seen = await self.store.seen_counters(
            journal.journal_id, [r.record_id for r in page.records]
        )
        fresh = [r for r in page.records if r.record_id not in seen]
        echoes = [counter for counter in seen.values() if counter is not None]
        problems: list[Problem] = []
        opened: list[tuple[wire.StoredRecord, records.RecordBody]] = []
        for record in fresh:
            try:
                body = await self._open_record(journal, record)
            except IntegrityError as error:
                problems.append(
                    Problem(journal.journal_id, record.record_id, record.seq, str(error))
                )
                continue
            try:
                self._check_counters(journal, record, body)
                opened.append((record, body))
            except IntegrityError as error:
                problems.append(
                    Problem(journal.journal_id, record.record_id, record.seq, str(error))
                )
        wanted = list({body.doc_id for _, body in opened})
        documents = {s.doc_id: s for s in await self.store.documents_by_ids(wanted)}
        creators = await self.store.creators(wanted)
        changed: dict[bytes, Document] = {}
        accepted: list[SeenRecord] = []
        trusted: list[tuple[bytes, records.RecordBody]] = []
        for record, body in opened:
            if body.kind == records.VOID:
                try:
                    self._check_writer(journal, record, body)
                    accepted.append(
                        SeenRecord(
                            journal.journal_id,
                            record.record_id,
                            record.seq,
                            None,
                            body.author,
                            body.device,
                            body.counter,
                        )
                    )
                    trusted.append((record.record_id, body))
                except IntegrityError as error:
                    problems.append(
                        Problem(journal.journal_id, record.record_id, record.seq, str(error))
                    )
                continue
            try:
                self._check_author(journal, record, body, creators)
                creators.setdefault(body.doc_id, body.author)
                changed[body.doc_id] = self._merge(journal, record, body, changed, documents)
                accepted.append(self._seen(journal.journal_id, record.record_id, record.seq, body))
                trusted.append((record.record_id, body))
            except IntegrityError as error:
                problems.append(
                    Problem(journal.journal_id, record.record_id, record.seq, str(error))
                )
        async with self.store.transaction() as tx:
            await tx.put_documents(await _merged(tx, journal, list(changed.values())), now_ms())
            await tx.set_creators({doc_id: creators[doc_id] for doc_id in changed})
            await tx.mark_seen(accepted)
            for problem in problems:
                await tx.add_problem(problem)
            await tx.mark_seen(
                [SeenRecord(journal.journal_id, p.record_id, p.seq) for p in problems]
            )
            await self._count(tx, journal.journal_id, echoes, trusted)
            await tx.set_cursor(journal.journal_id, page.cursor)
        report.pulled += len(accepted)
        report.merged += len(changed)
        report.touched.update(changed)
        report.problems.extend(p.message for p in problems)

    @staticmethod
    async def _count(
        tx: Transaction,
        journal_id: bytes,
        echoes: list[tuple[bytes, bytes, int]],
        trusted: list[tuple[bytes, records.RecordBody]],
    ) -> None:
        """Update what this device knows of the journal's counters with one page: records it
        already held (its own, echoed back) and verified, accepted records (counter, seen
        vector and covers). A refused record counts for nothing: it is a problem already,
        and its counter and claims are not to be believed."""
        known = counting.JournalCounters(journal_id, await tx.journal_counters(journal_id))
        for author, device, counter in echoes:
            known.received(author, device, counter)
        for record_id, body in trusted:
            known.record(body.author, body.device, body.counter, body.seen, body.covers)
            if body.covers:
                await tx.put_covers(journal_id, record_id, counting.encode_covers(body.covers))
        await tx.put_journal_counters(journal_id, {k: known.devices[k] for k in known.changed})

    def _check_counters(
        self, journal: LocalJournal, record: wire.StoredRecord, body: records.RecordBody
    ) -> None:
        """A record this device did not write cannot carry this device's id (the server gave
        two devices one id, or replays a record from a wiped store); covers must be the
        author's to give (withholding.check_covers)."""
        if (body.author, body.device) == (self.profile.account_id, self.profile.device_id):
            raise IntegrityError(
                f"record {record.record_id.hex()} carries this device's id but was not written "
                "here: the server gave two devices the same id, or replays one compacted away",
                record_id=record.record_id,
            )
        counting.check_covers(body.author, journal.owner_id, body.covers, record.record_id)

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
            try:
                await self._compact_document(journal, stored_document(stored))
            except TJError as error:
                if sync_plan.refusal(error) is None:
                    raise
                return  # refused (over quota, say): the updates stay; compaction is optional
            report.compacted += 1

    async def _compact_document(self, journal: LocalJournal, document: Document) -> None:
        accounts = await self.store.superseded(document.doc_id, wire.MAX_RECORDS_PER_PAGE)
        superseded = [record_id for record_id, _ in accounts]
        covered = counting.merge_covers(c for _, covers in accounts for c in covers)
        # Read the state after the list it supersedes, so that it holds every record named
        # there even if a pull or a push acknowledged more of them meanwhile.
        stored = await self.store.document(document.doc_id)
        if stored is None:
            return
        document = stored_document(stored)
        key = await self.journal_key(journal, journal.epoch)
        record_id = crypto.random_bytes(wire.ID_BYTES)
        me, device = self.profile.account_id, self.profile.device_id
        async with self.store.transaction() as tx:
            body, withdrawn = await self._new_body(
                tx,
                journal,
                (document.doc_id, document.kind),
                records.SNAPSHOT,
                document.state(),
                covered,
            )
            # Until the server confirms the snapshot, its counter (and the withdrawn counters
            # it carries) count as withdrawn, so that a lost reply or a cancelled sync leaves
            # no unexplained hole in this device's counters.
            pending = counting.merge_covers(
                [
                    counting.Cover(me, device, ((body.counter, body.counter),)),
                    *withdrawn,
                ]
            )
            await tx.withdraw(journal.journal_id, pending)
        ciphertext = self._seal(journal, key, record_id, body)
        if len(ciphertext) > wire.MAX_RECORD_BYTES:
            return  # too large to snapshot in one record: keep the updates
        request = wire.CompactRequest(
            journal.journal_id, wire.RecordUpload(record_id, journal.epoch, ciphertext), superseded
        )
        reply = await self.transport.call("/v1/records/compact", request, wire.CompactReply)
        async with self.store.transaction() as tx:
            await tx.forget_seen(journal.journal_id, superseded)
            await tx.mark_seen([self._seen(journal.journal_id, record_id, reply.seq, body)])
            await tx.unwithdraw(journal.journal_id, pending)
            if body.covers:
                await tx.put_covers(
                    journal.journal_id, record_id, counting.encode_covers(body.covers)
                )
            await tx.acknowledge_own(journal.journal_id, [record_id])

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
        former = {
            span.member_id: span.sign_public_key
            for span in annotator_spans(
                json.loads(journal.meta), journal.journal_id, self._owner_key(journal)
            )
        }

        def sign_key_of(account_id: bytes) -> bytes | None:
            return self._sign_key_of(account_id) or former.get(account_id)

        return records.open_record(
            key, journal.journal_id, record.record_id, record.epoch, record.ciphertext, sign_key_of
        )

    def _sign_key_of(self, account_id: bytes) -> bytes | None:
        if account_id == self.profile.account_id:
            return self.profile.secrets.sign_public_key
        peer = self._peers.get(account_id)
        return peer.sign_public_key if peer else None

    def _check_author(
        self,
        journal: LocalJournal,
        record: wire.StoredRecord,
        body: records.RecordBody,
        creators: dict[bytes, bytes],
    ) -> None:
        """The owner may change anything in a journal; an annotating member only the notes and
        prompts it created itself. Anyone else's record is refused."""
        if body.author == journal.owner_id:
            return
        allowed = body.doc_kind in ANNOTATION_KINDS and self._is_annotator(
            journal, body.author, record.epoch
        )
        creator = creators.get(body.doc_id)
        if not allowed or (creator is not None and creator != body.author):
            raise IntegrityError(
                f"record {record.record_id.hex()} was written by an account without the right "
                "to change that part of this journal",
                record_id=record.record_id,
            )

    def _check_writer(
        self, journal: LocalJournal, record: wire.StoredRecord, body: records.RecordBody
    ) -> None:
        """A `void` record changes nothing; it needs only an author who may write here."""
        if body.author != journal.owner_id and not self._is_annotator(
            journal, body.author, record.epoch
        ):
            raise IntegrityError(
                f"record {record.record_id.hex()} was written by an account that may not write "
                "in this journal",
                record_id=record.record_id,
            )

    def _is_annotator(self, journal: LocalJournal, author: bytes, epoch: int) -> bool:
        """Whether `author` could annotate when writing at key `epoch`: a current annotating
        member, or one whose past membership (in the owner-signed history) spans it."""
        if author == self.profile.account_id:
            return journal.role == "annotate"
        if author in self._annotators.get(journal.journal_id, set()):
            return True
        return any(
            span.member_id == author and span.covers(epoch)
            for span in annotator_spans(
                json.loads(journal.meta), journal.journal_id, self._owner_key(journal)
            )
        )

    def former_annotator(self, journal: LocalJournal, author: bytes) -> str:
        """The username the owner recorded for a (possibly former) annotating member."""
        for span in annotator_spans(
            json.loads(journal.meta), journal.journal_id, self._owner_key(journal)
        ):
            if span.member_id == author:
                return span.username
        return author.hex()[:12]

    def _owner_key(self, journal: LocalJournal) -> bytes | None:
        if journal.owner_id == self.profile.account_id:
            return self.profile.secrets.sign_public_key
        owner = self._peers.get(journal.owner_id)
        return owner.sign_public_key if owner else None

    async def update_meta(self, journal: LocalJournal, changes: dict[str, Any]) -> None:
        """Change an owned journal's metadata (sealed under its current key)."""
        await self.refresh_journals()
        fresh = {j.journal_id: j for j in await self.store.journals()}[journal.journal_id]
        meta = sign_meta(
            {**json.loads(fresh.meta), **changes}, self.profile.secrets, fresh.journal_id
        )
        key = await self.journal_key(fresh, fresh.epoch)
        sealed = keys.seal_journal_meta(key, fresh.journal_id, fresh.epoch, encode_meta(**meta))
        request = wire.JournalMetaRequest(fresh.journal_id, sealed)
        await self.transport.call("/v1/journals/meta", request, wire.Empty)
        await self.refresh_journals()

    # --- keys over time: rotation and re-sealing -------------------------------------------------

    async def rotate_expired(self) -> None:
        """Rotate the key of every owned journal whose share has expired (the server already
        stopped serving the member; the new key keeps later records from them).

        New, changed and revoked shares bump the journal's meta version, which refreshes the
        cached list; only a share with an end date can change without that, so only then is
        the list fetched again, for the server's word on expiry."""
        now = now_ms()
        shares = await self.store.shares()
        if any(share.expires_at for share in shares):
            shares = await self._fetch_shares()
            async with self.store.transaction() as tx:
                await tx.replace_shares(shares)
        self._load_annotators(shares)
        expired = {s.journal_id for s in shares if s.ended(now)}
        journals = {j.journal_id: j for j in await self.store.journals()}
        for journal_id in expired:
            if journal_id in journals and journals[journal_id].role == "owner":
                await self.rotate(journals[journal_id])

    def _load_annotators(self, shares: list[LocalShare]) -> None:
        """Who may write notes and prompts in each owned journal, as of this share list."""
        now = now_ms()
        self._annotators = {}
        for share in shares:
            if share.role == "annotate" and not share.ended(now):
                self._annotators.setdefault(share.journal_id, set()).add(share.member_id)

    async def rotate(self, journal: LocalJournal) -> None:
        """Move an owned journal to a new key epoch, for the owner and its current members."""
        await self.refresh_journals()
        fresh = {j.journal_id: j for j in await self.store.journals()}[journal.journal_id]
        now = now_ms()
        members = [
            s
            for s in await self.store.shares()
            if s.journal_id == journal.journal_id and not s.ended(now)
        ]
        epoch = fresh.epoch + 1
        journal_key = crypto.new_key()
        secrets, me = self.profile.secrets, self.profile.account_id
        envelopes = [
            wire.MemberKey(
                me,
                keys.wrap_journal_key(
                    secrets.account_key, me, journal.journal_id, epoch, journal_key
                ),
            )
        ]
        for share in members:
            peer = await self.store.peer(share.member_id)
            if peer is None:
                raise IntegrityError(
                    f"the keys of {share.member_name} are not pinned on this device"
                )
            terms = keys.ShareTerms(
                me,
                share.member_id,
                peer.username,
                peer.sign_public_key,
                peer.box_public_key,
                journal.journal_id,
                share.role,
                epoch,
                share.expires_at,
            )
            envelopes.append(
                wire.MemberKey(
                    share.member_id, keys.seal_share_envelope(secrets, terms, journal_key)
                )
            )
        annotating = {s.member_id.hex() for s in members if s.role == "annotate"}
        meta = keys.seal_journal_meta(
            journal_key,
            journal.journal_id,
            epoch,
            encode_meta(
                **sign_meta(
                    close_spans(json.loads(fresh.meta), annotating, fresh.epoch),
                    secrets,
                    journal.journal_id,
                )
            ),
        )
        request = wire.RotateRequest(journal.journal_id, epoch, meta, envelopes)
        await self.transport.call("/v1/journals/rotate", request, wire.Empty)
        self.remember_key(journal.journal_id, epoch, journal_key)
        await self.refresh_journals()
        await self._reseal_outbox()

    async def _reseal_outbox(self) -> None:
        """Records sealed under an older epoch are sealed again under the current key (same
        record id: the server never stored them)."""
        journals = {j.journal_id: j for j in await self.store.journals()}
        for record in await self.store.outbox():
            journal = journals.get(record.journal_id)
            if journal is None or journal.role == REVOKED or record.epoch == journal.epoch:
                continue  # a journal no longer shared with us: its push is refused, set aside
            old_key = await self.journal_key(journal, record.epoch)
            body = records.open_record(
                old_key,
                journal.journal_id,
                record.record_id,
                record.epoch,
                record.ciphertext,
                self._sign_key_of,
            )
            new_key = await self.journal_key(journal, journal.epoch)
            ciphertext = records.seal_record(
                new_key,
                journal.journal_id,
                record.record_id,
                journal.epoch,
                body,
                self.profile.secrets.signing_key,
            )
            async with self.store.transaction() as tx:
                await tx.reseal_outbox(record.position, journal.epoch, ciphertext)


def rolled_back(journal: LocalJournal, head: int) -> str:
    """The server's log of a journal ends before records this device already pulled."""
    return (
        f"the server's copy of journal {journal.name!r} ends at record {head}, before what this "
        f"device already holds (up to {journal.cursor}): it was rolled back or restored from an "
        "old backup, and changes since may be missing there"
    )


def stalled_pull(journal: LocalJournal, page: wire.JournalPage) -> str:
    """A journal whose pull stopped because the server sent nothing new several times."""
    return (
        f"journal {journal.name!r}: the server says it holds records up to {page.head} but "
        f"sent nothing after {page.cursor}; stopped asking (this device keeps what it has and "
        "the next sync tries again)"
    )


def check_may_write(journal: LocalJournal, kind: str) -> None:
    """Owners write anything; annotating members add notes and prompts; readers nothing."""
    if journal.role == "owner":
        return
    if journal.role == "annotate":
        if kind in ANNOTATION_KINDS:
            return
        raise AccessError(
            f"in journal {journal.name!r} this account may only add notes and prompts (and, "
            "for the client's care, assignments, crisis lines and acknowledgements of safety flags)"
        )
    raise AccessError(f"journal {journal.name!r} is shared with this account read-only")


def same_keys(a: Peer, b: Peer) -> bool:
    return (a.sign_public_key, a.box_public_key, a.username) == (
        b.sign_public_key,
        b.box_public_key,
        b.username,
    )


async def _merged(
    tx: Transaction, journal: LocalJournal, documents: list[Document]
) -> list[StoredDocument]:
    """`documents` merged with their stored state, read inside the writing transaction.

    Another task may have stored a newer state since a document was loaded (an edit during a
    pull, a pull during an edit); merging keeps both instead of writing over one of them.
    """
    current = await tx.document_states([d.doc_id for d in documents])
    for document in documents:
        if document.doc_id in current:
            document.apply(current[document.doc_id])
    return [_stored(journal, document) for document in documents]


def _stored(journal: LocalJournal, document: Document) -> StoredDocument:
    return StoredDocument(document.doc_id, journal.journal_id, document.kind, document.state())


def stored_document(stored: StoredDocument) -> Document:
    return Document.from_state(stored.doc_id, stored.kind, stored.state)
