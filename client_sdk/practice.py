"""`client.briefs` and `client.caseload`: the pre-session brief a client shares, and the
therapist's caseload over every client who shares with them.

    brief = await client.briefs.prepare(therapist="drsmith")  # the client reads brief.text()
    await client.briefs.share(brief, "drsmith", fingerprint=code)  # ... then shares it
    rows = await therapist.caseload.list()            # who needs attention first

Everything is computed on the device from decrypted documents (brief.py, caseload.py, pure).
A brief goes into a journal made for it and shared read-only with the therapist until an end
date (14 days by default), so it is one time-boxed item that reveals nothing else.
"""

from __future__ import annotations

import builtins
import contextlib
import dataclasses
from collections.abc import Awaitable, Callable, Collection, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from client_sdk import departures, forgotten, keys
from client_sdk.brief import (
    BRIEF,
    DEFAULT_DAYS,
    DISCUSSABLE,
    EXPIRED,
    NOTE,
    UNSHARED,
    Brief,
    BriefView,
    DiscussItem,
    brief_safety_of,
    brief_update,
    brief_view,
    compute_brief,
    discuss_item,
    discuss_update,
    discussable,
)
from client_sdk.care import Assignments, Homework
from client_sdk.care_disclosure import ANSWERS, DISCLOSABLE, HOMEWORK_FIELD
from client_sdk.caseload import (
    DEFAULT_LOW_MOOD,
    DEFAULT_MOOD_DROP,
    DEFAULT_QUIET_DAYS,
    CaseloadRow,
    EntryLike,
    MoodEntry,
    attention_order,
    brief_safety_items,
    caseload_row,
    latest_scores,
)
from client_sdk.context import documents_by_id, matched_kinds, other_kind, wrong_kind
from client_sdk.documents import Document
from client_sdk.errors import BAD_VALUE, AccessError, InvalidInput, NotFound, TJError, ambiguous_id
from client_sdk.goals import Goal
from client_sdk.inputs import checks_inputs
from client_sdk.journal_meta import brief_journal_name
from client_sdk.measures import Measures
from client_sdk.models import (
    Entry,
    account_label,
    account_names,
    json_time,
    normalize_username,
    now_ms,
    quoted_name,
    to_datetime,
)
from client_sdk.queries import EntryRow, once_each
from client_sdk.replica import (
    OWN_JOURNAL_GONE,
    REVOKED,
    Replica,
    copied_fields,
    stored_document,
)
from client_sdk.results import InvalidResult, MeasureResult, results_once_each, without_answers
from client_sdk.safety import SafetyFlag
from client_sdk.safety_path import SafetyPath
from client_sdk.schedule import DAY_MS
from client_sdk.sharing import ShareInfo, Sharing, share_expiry
from client_sdk.store import LocalJournal, StoredDocument

EntriesOf = Callable[[str | None], Awaitable[list[Entry]]]
EntryRowsOf = Callable[[list[LocalJournal]], Awaitable[list[EntryRow] | None]]
GoalsOf = Callable[[str | None], Awaitable[list[Goal]]]
FlagsOf = Callable[[str | None], Awaitable[list[SafetyFlag]]]
JournalOf = Callable[[str], Awaitable[LocalJournal]]
DEFAULT_BRIEF_DAYS_SHARED = 14
BRIEF_SCOPE = "brief scope"
"""`TJError.subject` of `Briefs.prepare` given no scope, or a therapist with whom nothing is
shared (`names["member"]`): name the journals the brief covers."""
THERAPISTS_NOTE = "therapist's note"
"""`TJError.subject` of a therapist's note marked to discuss: write one of one's own about it
in the journal `names["journal"]` (`names["note"]`: the note's short id), and mark that."""


@checks_inputs
class Briefs:
    """`client.briefs`: prepare a pre-session brief, share it as one time-boxed item, and
    read the briefs clients shared (brief.py)."""

    def __init__(
        self,
        replica: Replica,
        sharing: Sharing,
        entries: EntriesOf,
        goals: GoalsOf,
        measures: Measures,
        homework: Homework,
        flags: FlagsOf | None = None,
        journal_of: JournalOf | None = None,
        sync: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        self._sync = sync
        """`client._inner_sync`: `share` syncs first, so that who reads each journal is the
        latest the owner signed, not this device's last sync (fix30e); that sync records
        nothing as told, so the next `client.sync()` tells it (rev30b F7)."""
        self._replica = replica
        self._sharing = sharing
        self._entries = entries
        self._goals = goals
        self._measures = measures
        self._homework = homework
        self._flags = flags
        self._journal_of = journal_of
        """A journal by name or id, as other calls take them."""

    async def prepare(
        self,
        *,
        therapist: str | None = None,
        days: int = DEFAULT_DAYS,
        now: datetime | None = None,
        journals: Sequence[str] | None = None,
    ) -> Brief:
        """The digest of the last `days` days for `therapist` (a username): mood trend,
        scores, goal check-ins, homework, entries and notes marked to discuss (brief.py).
        `now` is an aware datetime (default: now); the brief's period is the last `days`
        calendar days of the client, today included: from local midnight of the first to
        `now` (brief.py).

        By default it covers only what this account already shares with `therapist`, as
        this device's verified access chains say: each journal shared whole, and of a
        journal shared as a field-level copy only the entries, results and homework that
        copy holds, with only the fields it shares (an entry's text that is not shared is
        never in the brief: one marked to discuss is listed as "(text not shared)"; goals
        and safety flags are not in a copy, so not in its part of the brief). `journals`
        (names or ids, as `entries.list` takes them) names the journals to cover instead,
        whole, shared or not: the way to widen it. Either way `Brief.journals` names them
        and `text()` says so in its "Covers:" line, so the client sees what it holds before
        sharing it; `share` refuses a brief prepared for another therapist.
        Works offline. Raises InvalidInput for `days` outside 1 to 366, for neither
        `therapist` nor `journals`, for a `therapist` with whom nothing is shared (subject
        BRIEF_SCOPE: name the journals), for an empty `journals` or one this account does
        not own (a journal shared with it, a brief), or a read-only copy of one of its own
        the server no longer holds (subject OWN_JOURNAL_GONE: `read_only_copies` says what
        those hold); NotFound for an unknown journal."""
        if not 1 <= days <= 366:
            raise InvalidInput("a brief covers 1 to 366 days", subject=BAD_VALUE)
        if therapist is None and journals is None:
            raise InvalidInput(
                "a brief covers what you share with its therapist (therapist=) or the "
                "journals you name (journals=)",
                subject=BRIEF_SCOPE,
            )
        covered = await self._owned()
        limited: dict[str, _CopyScope] = {}
        if journals is not None:
            covered = await self._chosen(journals, covered)
        else:
            assert therapist is not None
            covered, limited = await self._shared_with(therapist, covered)
        moment = now or datetime.now().astimezone()
        brief, not_held = await self._digest(
            covered, limited, await self.to_discuss(), days=days, now=moment
        )
        separately: list[dict[str, Any]] = []
        if journals is None and therapist is not None:  # the therapist holds them already
            separately = [
                said
                for said in await self._shared_separately(therapist, not_held)
                if brief.period_start <= datetime.fromisoformat(said["taken_at"]) <= moment
            ]
        return dataclasses.replace(
            brief,
            therapist=normalize_username(therapist) if journals is None and therapist else None,
            shared_separately=separately,
        )

    async def _owned(self) -> list[LocalJournal]:
        """This account's own journals a brief may cover (copies made for a share, briefs
        left out: from their verified chains, loaded first)."""
        me = self._replica.profile.account_id
        await self._replica.load_access()  # which journals are copies: from their chains
        return [
            j
            for j in await self._replica.store.journals()
            if j.owner_id == me and j.role == "owner" and not self._replica.is_disclosure(j)
        ]

    async def read_only_copies(
        self, *, days: int = DEFAULT_DAYS, now: datetime | None = None
    ) -> builtins.list[Brief]:
        """What no brief can cover: the digest, as `prepare` makes one, of each read-only
        copy this device keeps of one of this account's own journals that the server no
        longer holds (deleted on another device, or withheld: `Journal.read_only_copy` with
        `Journal.own`), one per copy, sorted by name (`Brief.journals` names it), over the
        same `days` to `now` as `prepare`. For the client alone: each has
        `Brief.read_only_copy` set and `share` refuses it, as `prepare` refuses such a copy
        named (subject OWN_JOURNAL_GONE). A server can make any journal such a copy by
        withholding it, so an app that leaves the copies out of a brief says what they hold
        from these (a PHQ-9 with item 9 above 0 is never left unsaid; a questionnaire
        stopped after its safety item is in `Brief.safety_flags`, `scored` False). Works offline; reads
        this device only. Raises InvalidInput for `days` outside 1 to 366."""
        if not 1 <= days <= 366:
            raise InvalidInput("a brief covers 1 to 366 days", subject=BAD_VALUE)
        me = self._replica.profile.account_id
        await self._replica.load_access()  # which journals are copies: from their chains
        copies = [
            j
            for j in await self._replica.store.journals()
            if j.owner_id == me and j.role == REVOKED and not self._replica.is_disclosure(j)
        ]
        if not copies:
            return []
        moment = now or datetime.now().astimezone()
        marked = await self._marked(REVOKED)
        found = []
        for copy in copies:
            brief, _ = await self._digest([copy], {}, marked, days=days, now=moment)
            found.append(dataclasses.replace(brief, read_only_copy=True))
        return sorted(found, key=lambda b: (b.journals[0].casefold(), b.journals[0]))

    async def _digest(
        self,
        covered: list[LocalJournal],
        limited: dict[str, _CopyScope],
        marked_items: Sequence[DiscussItem],
        *,
        days: int,
        now: datetime,
    ) -> tuple[Brief, list[MeasureResult]]:
        """The brief over `covered` (each whole, but those in `limited`: only what their
        copy holds, with its fields), with those of `marked_items` in them, and the results
        on this device it does not hold (what `shared_separately` is drawn from)."""
        whole = {j.journal_id.hex() for j in covered if j.journal_id.hex() not in limited}
        names = sorted(
            _display(self._replica, j) + _fields_words(limited.get(j.journal_id.hex()))
            for j in covered
        )
        entries = [
            _entry_shown(e, limited.get(e.journal_id))
            for e in await self._entries(None)
            if e.journal_id in whole or _copied(e.id, limited.get(e.journal_id))
        ]
        goals = [g for g in await self._goals(None) if g.journal_id in whole]
        own_results = await self._measures.list()
        results = [
            _result_shown(r, limited.get(r.journal_id))
            for r in own_results
            if r.journal_id in whole or _copied(r.id, limited.get(r.journal_id))
        ]
        homework = [
            h
            for h in await self._homework.list()
            if h.journal_id in whole or _copied(h.id, limited.get(h.journal_id))
        ]
        marked = []
        covered_ids = {j.journal_id.hex() for j in covered}
        for item in marked_items:
            journal_id = item.journal_id  # by id: two journals may bear one name
            if journal_id not in covered_ids:
                continue  # not covered
            scope = limited.get(journal_id)
            if scope is None:
                marked.append(item)
            elif item.kind == "entry" and _copied(item.id, scope):
                marked.append(_marked_shown(item, scope))
        flags = [f for f in await self._flags(None) if f.journal_id in whole] if self._flags else []
        brief = compute_brief(
            entries, results, goals, homework, now=now, days=days, marked=marked, flags=flags
        )
        # a result of a field-level copy is named by the copy's id, the one its reader holds,
        # never by its own (which the copy's id does not give away)
        reader_ids = {
            r.id: limited[r.journal_id].copy_id(r.id) for r in results if r.journal_id in limited
        }
        if reader_ids:
            brief = dataclasses.replace(
                brief,
                scores=[_read_by_copy_id(row, reader_ids) for row in brief.scores],
                results=[_read_by_copy_id(row, reader_ids) for row in brief.results],
            )
        copied = {e.id: limited[e.journal_id] for e in entries if e.journal_id in limited}
        copied |= {i.id: limited[i.journal_id] for i in marked if i.journal_id in limited}
        discuss = [  # what the therapist may not read is said, not left blank
            {**item, "text_shared": False}
            if not item["title"]
            and not item["preview"]
            and _text_withheld(str(item["id"]), copied.get(str(item["id"])))
            else item
            for item in brief.to_discuss
        ]
        scopes = list(limited.values())
        brief = dataclasses.replace(
            brief,
            to_discuss=discuss,
            journals=names,
            moods_shared=bool(whole) or any(s.shares("mood") for s in scopes),
            homework_shared=bool(whole) or any(s.shares(HOMEWORK_FIELD) for s in scopes),
        )
        shown = {r.id for r in results}
        return brief, [r for r in own_results if r.id not in shown]

    async def _shared_separately(
        self, therapist: str, candidates: list[MeasureResult]
    ) -> list[dict[str, Any]]:
        """Of `candidates` (this account's results a brief for `therapist` does not cover),
        those shared with `therapist` one at a time (held in the journal of single items kept
        for them, by the copy's disclosure id), oldest first, as `Brief.shared_separately`
        says them: with whether the copy holds the answers and, only then, its safety items
        answered above 0; never more than the copy holds."""
        wanted = normalize_username(therapist)
        shares = [
            s
            for s in await self._sharing.shares(local_only=True)
            if s.member == wanted and s.kind == "items" and not s.expired and not s.unseen
        ]
        key = self._replica.profile.secrets.account_key
        found: list[tuple[MeasureResult, MeasureResult]] = []
        for share in shares:
            journal_id = bytes.fromhex(share.journal_id)
            copies = {r.id: r for r in await self._measures.list(share.journal_id)}
            for result in candidates:
                try:
                    raw = bytes.fromhex(result.id)
                except ValueError:
                    continue
                copy = copies.get(keys.disclosure_doc_id(key, raw, journal_id).hex())
                if copy is not None:
                    found.append((result, copy))
        said = []
        for result, copy in sorted(found, key=lambda pair: (pair[0].taken_at, pair[0].id)):
            answered = copy.answers is not None
            said.append(
                {
                    "measure": result.measure,
                    "name": result.name,
                    "taken_at": json_time(result.taken_at),
                    "answers": answered,
                    "safety_items": brief_safety_of(copy) if answered else [],
                }
            )
        return list({(s["measure"], s["taken_at"]): s for s in said}.values())

    async def _shared_with(
        self, therapist: str, owned: list[LocalJournal], account_id: bytes | None = None
    ) -> tuple[list[LocalJournal], dict[str, _CopyScope]]:
        """What a brief for `therapist` covers by default: those of `owned` (this account's
        journals, copies left out) shared with them whole, and those shared with them as a
        field-level copy, each with its copy's scope (by the source's id, hex), from the
        verified chains on this device; `account_id`: shared with that account (the one the
        brief goes to), whatever name the chains give it. InvalidInput (subject BRIEF_SCOPE)
        when there are none."""
        wanted = normalize_username(therapist)
        shares = [
            s
            for s in await self._sharing.shares(local_only=True)
            if (s.member == wanted if account_id is None else s.member_id == account_id.hex())
            and not s.expired
            and not s.unseen
        ]
        mine = {j.journal_id.hex(): j for j in owned}
        chosen = {s.journal_id for s in shares if s.kind == "journal" and s.journal_id in mine}
        copies = self._sharing.disclosures()
        limited: dict[str, _CopyScope] = {}
        key = self._replica.profile.secrets.account_key
        for share in shares:
            settings = copies.get(bytes.fromhex(share.journal_id))
            if share.kind != "mirror" or settings is None or settings.mirror_of is None:
                continue
            source = settings.mirror_of.hex()
            if source not in mine or source in chosen:
                continue  # shared whole as well: the whole journal is theirs to read
            held = frozenset(
                d.doc_id
                for d in await self._replica.store.documents(bytes.fromhex(share.journal_id))
            )
            scope = _CopyScope(key, bytes.fromhex(share.journal_id), settings.fields, held)
            limited[source] = limited[source].wider(scope) if source in limited else scope
        if not chosen and not limited:
            raise InvalidInput(
                f"you share no journal with {wanted}: a brief covers what you share with them; "
                "name the journals it covers to share one anyway",
                subject=BRIEF_SCOPE,
                names={"member": wanted},
            )
        return [mine[i] for i in sorted(chosen | set(limited))], limited

    async def _chosen(self, wanted: Sequence[str], owned: list[LocalJournal]) -> list[LocalJournal]:
        """The journals `prepare(journals=wanted)` names, each one of `owned` (this account's
        own journals, copies made for a share left out): InvalidInput for none, or for one
        that is not; NotFound for an unknown one."""
        if not wanted:
            raise InvalidInput(
                "journals names at least one journal (None: every one you own)", subject=BAD_VALUE
            )
        if self._journal_of is None:
            raise InvalidInput("this Briefs cannot look journals up by name", subject=BAD_VALUE)
        mine = {j.journal_id: j for j in owned}
        me = self._replica.profile.account_id
        chosen: dict[bytes, LocalJournal] = {}
        for name in wanted:
            found = await self._journal_of(name)
            if found.journal_id not in mine and found.owner_id == me and found.role == REVOKED:
                raise InvalidInput(
                    f"{quoted_name(_display(self._replica, found))} is a read-only copy of a "
                    "journal of yours the server no longer holds (deleted on another device, or "
                    "withheld): a brief covers journals of yours the server holds",
                    subject=OWN_JOURNAL_GONE,
                )
            if found.journal_id not in mine:
                raise InvalidInput(
                    f"{quoted_name(_display(self._replica, found))} is not a journal of yours: a brief "
                    "covers journals you own",
                    subject="refused",
                )
            chosen[found.journal_id] = found
        return list(chosen.values())

    async def mark_to_discuss(self, item_id: str, to_discuss: bool = True) -> DiscussItem | None:
        """Mark one of your entries or notes (id or a prefix of 4+ hex digits) to discuss at
        the next session, or unmark it with `to_discuss=False`. The next brief lists every
        marked item, whenever written. Works offline. Returns the marked item (None once
        unmarked).

        Raises InvalidInput for a malformed or ambiguous id; NotFound for an unknown,
        deleted or trashed item; AccessError for an item in a journal you do not own or a
        note another account wrote; RollbackError (an IntegrityError) while the journal's access chain on this device is rolled back or unverified."""
        local, document = await self._discussable(item_id)
        await self._save(local, document, discuss_update(document, to_discuss, now_ms()))
        return discuss_item(document, _display(self._replica, local), local.journal_id.hex())

    async def to_discuss(self) -> list[DiscussItem]:
        """Your entries and notes marked to discuss, oldest first (by `created_at`, UTC).
        Works offline; reads this device only. Raises nothing."""
        return await self._marked("owner")

    async def _marked(self, role: str) -> list[DiscussItem]:
        """`to_discuss` of this account's own journals of `role` ("owner"; REVOKED: the
        read-only copies of those the server no longer holds)."""
        found = []
        for local, stored in await self._own_documents(role):
            item = discuss_item(
                stored_document(stored), _display(self._replica, local), local.journal_id.hex()
            )
            if item is not None:
                found.append(item)
        return sorted(found, key=lambda i: (i.created_at, i.id))

    async def clear_to_discuss(self) -> int:
        """Unmark everything marked to discuss (after the session); returns how many were
        marked. Works offline. Raises RollbackError (an IntegrityError) while the journal's access chain on this device is rolled back or unverified (items unmarked before it stay
        unmarked)."""
        marked = await self.to_discuss()
        for item in marked:
            await self.mark_to_discuss(item.id, False)
        return len(marked)

    async def _own_documents(
        self, role: str = "owner"
    ) -> list[tuple[LocalJournal, StoredDocument]]:
        await self._replica.load_access()  # which journals are copies: from their chains
        me = self._replica.profile.account_id
        journals = {
            j.journal_id: j
            for j in await self._replica.store.journals()
            if j.owner_id == me and j.role == role and not self._replica.is_disclosure(j)
        }
        found = [
            (journals[stored.journal_id], stored)
            for stored in await self._replica.store.documents(None, DISCUSSABLE)
            if stored.kind in DISCUSSABLE and stored.journal_id in journals
        ]
        notes = [stored.doc_id for _, stored in found if stored.kind == NOTE]
        creators = await self._replica.store.creators(notes)
        # a member may change the notes it wrote, so a mark on one of those is not the client's
        return [(j, d) for j, d in found if d.kind != NOTE or creators.get(d.doc_id) == me]

    async def _discussable(self, item_id: str) -> tuple[LocalJournal, Document]:
        store = self._replica.store
        found = await documents_by_id(store, item_id, "an entry or note id")
        await self._replica.load_access()
        matches = [d for d in found if d.kind in DISCUSSABLE]
        if not matches and len(found) == 1:  # what it is, and so what shows it (NU37 #6)
            raise wrong_kind(item_id, found[0].kind, found[0].doc_id.hex(), "entry or note")
        elsewhere = None if found else await other_kind(store, item_id, "entry or note")
        if not matches:
            raise elsewhere or NotFound(
                f"no entry or note {item_id} on this device", subject="document"
            )
        if len(matches) > 1:
            raise ambiguous_id(item_id, matched_kinds([d.kind for d in matches]))
        journals = {j.journal_id: j for j in await store.journals()}
        local = journals[matches[0].journal_id]
        if local.role != "owner" or self._replica.is_disclosure(local):
            raise AccessError("you mark your own entries and notes, in your own journals")
        if matches[0].kind == NOTE:
            creator = (await store.creators([matches[0].doc_id])).get(matches[0].doc_id)
            if creator != self._replica.profile.account_id:
                raise AccessError(  # how to write "one that points to it" (NU35 #7)
                    "you mark your own notes, not your therapist's (they may change theirs): "
                    "write one of your own about it, and mark that one",
                    subject=THERAPISTS_NOTE,
                    situation="you mark your own notes, not your therapist's (they may change "
                    "theirs)",
                    names={
                        "journal": local.name,
                        "journal id": local.journal_id.hex(),
                        "note": matches[0].doc_id.hex()[:8],
                    },
                )
        document = stored_document(matches[0])
        if discussable(document) is None:
            raise NotFound(f"{item_id} was deleted or is in the trash")
        return local, document

    async def _save(self, local: LocalJournal, document: Document, update: bytes) -> None:
        await self._replica.commit(local, document, update)
        await self._sharing.mirror(local, document)

    async def share(
        self,
        brief: Brief,
        username: str,
        *,
        expires_at: datetime | None = None,
        fingerprint: str | None = None,
        trust_on_first_use: bool = False,
        sync_first: bool = True,
    ) -> ShareInfo:
        """Share `brief` (as read) with a therapist as one item, readable until `expires_at`
        (an aware datetime, or a naive one in local time; default: 14 days from now); the
        share ends on its own then. A `fingerprint` replaces other keys held for `username`
        (another account's: a name an erased account freed), as `client.shares.grant` says
        (`client.shares.verify_replaces(username, fingerprint, sharing=True)` tells which
        first). Needs the network.

        It syncs first (as `client.sync()` does, as `tj brief` does; what that sync would
        tell once, a safety flag NOT delivered say, is left for the next `client.sync()` to
        tell, never recorded as told here: rev30b F7): a device that has not synced
        lately may not know that a share with the therapist ended or changed on another
        device; a brief prepared for what is shared with them (`Brief.therapist`) that
        covers other journals or fields once synced is refused (InvalidInput, subject
        BRIEF_SCOPE: prepare it again), nothing shared. A NetworkError from that sync means
        nothing was shared. `sync_first=False` leaves that sync out for a caller that synced
        this client just before preparing `brief` and shares it at once, no one asked in
        between (`tj brief --yes`: one sync, fix31d): that sync is the one this would repeat
        a moment later; a brief read by a person first is shared with the default, as what
        is shared with the therapist may change on another device while they read.

        Raises InvalidInput for an `expires_at` not in the future, an unconfirmed peer (no
        `fingerprint`, no `trust_on_first_use`), yourself, a brief prepared for another
        therapist (`Brief.therapist`) or for what is shared with another account than the
        one it goes to (the name moved to another account, subject BRIEF_SCOPE: the shares
        it covers are judged by account, rev31d F5), or the digest of a read-only copy
        (`Brief.read_only_copy`, subject OWN_JOURNAL_GONE); NotFound for an unknown
        username; KeyChangedError when the fingerprint does not match or the peer's pinned
        keys changed (nothing is shared); QuotaExceeded when a journal or share limit is
        reached; NetworkError (RateLimited included) when the server cannot be reached or
        asks to wait; UpdateNeeded while a journal you own holds changes you wrote with a
        newer app version this one cannot read (the brief could be stale: nothing shared).

            brief = await client.briefs.prepare(therapist="drsmith")
            await client.briefs.share(brief, "drsmith", fingerprint="12345 67890 ...")
        """
        me = self._replica.profile.account_id
        if self._sync is not None and sync_first:  # who reads what: the owner's latest
            await self._sync()
            await self._refuse_changed_scope(brief)
        for journal in await self._replica.store.journals():
            if journal.owner_id == me and journal.role == "owner":  # what a brief draws on
                # Not while your newer changes wait unread here: the brief may be stale (R20 F4).
                await self._replica.refuse_while_parked(journal, "share a brief")
        # What the share would refuse is refused before the brief's journal exists: a
        # refused brief leaves nothing behind to look shared (NU19 C16).
        end = expires_at or datetime.now().astimezone() + timedelta(days=DEFAULT_BRIEF_DAYS_SHARED)
        share_expiry(end)  # InvalidInput for an end not in the future
        if normalize_username(username) == self._replica.profile.username:
            raise InvalidInput("you cannot share a brief with yourself", subject="yourself")
        if brief.read_only_copy:  # what the server no longer holds: the client's own eyes
            raise InvalidInput(
                "this brief is the digest of a read-only copy of a journal of yours the server "
                "no longer holds: it is not shareable",
                subject=OWN_JOURNAL_GONE,
            )
        if brief.therapist is not None and brief.therapist != normalize_username(username):
            raise InvalidInput(  # it covers what is shared with that therapist, not this one
                f"this brief covers what you share with {brief.therapist}, not with "
                f"{normalize_username(username)}: prepare one for them",
                subject=BRIEF_SCOPE,
            )
        peer = await self._sharing.confirmed_peer(username, fingerprint, trust_on_first_use)
        if peer.account_id == me:
            raise InvalidInput("you cannot share a brief with yourself", subject="yourself")
        await self._refuse_another_account(brief, peer.account_id)
        created = now_ms()
        stamp = brief.period_end.astimezone().strftime("%Y-%m-%d %H:%M")  # two a day differ
        taken = {j.name for j in await self._replica.store.journals()}
        name = next(  # two briefs in the same minute: "... (2)"
            n
            for n in (brief_journal_name(stamp, peer.username, i) for i in range(1, len(taken) + 3))
            if n not in taken
        )
        target = await self._sharing.disclosure_journal(
            peer, name, None, None, created, kind="brief"
        )
        try:
            document = Document(keys.new_doc_id(self._replica.profile.account_id), BRIEF)
            update = brief_update(document, brief, created)
            await self._replica.commit(target, document, update, copy=True)
            return await self._sharing.share(
                target, peer.username, "read", end, fingerprint, True, full=True
            )  # a brief's own journal: no field-level copy of it to keep
        except BaseException:
            # Not shared: the brief's journal goes too, so no brief is listed as if it had
            # reached the therapist (best effort offline: then it is listed unshared).
            with contextlib.suppress(TJError):
                await self._replica.delete_journal(target, drop_unsent=True)  # its brief only
            raise

    async def _refuse_another_account(self, brief: Brief, account_id: bytes) -> None:
        """Refuse (InvalidInput, subject BRIEF_SCOPE) a brief prepared for what is shared
        with its therapist (`Brief.therapist`, a username) when what this account shares with
        the account it goes to (`account_id`: the keys confirmed for that name), by the
        verified chains, covers other journals or fields: the name moved to another account
        (an erased account's name taken), and a server need not say that the earlier one was
        removed, so the brief would carry what only the earlier account read (rev31d F5).
        A brief of journals named, nothing."""
        if brief.therapist is None or brief.read_only_copy:
            return
        try:
            covered, limited = await self._shared_with(
                brief.therapist, await self._owned(), account_id
            )
        except InvalidInput as error:
            if error.subject != BRIEF_SCOPE:
                raise
            covered, limited = [], {}
        names = sorted(
            _display(self._replica, j) + _fields_words(limited.get(j.journal_id.hex()))
            for j in covered
        )
        if names == brief.journals:
            return
        covers = ", ".join(names) if names else "nothing"
        raise InvalidInput(
            f"this brief covers what you shared with another account that bore the name "
            f"{brief.therapist} ({', '.join(brief.journals)}); with the account the name is "
            f"given to now, whose keys you confirmed, you share {covers}: nothing was shared; "
            "name the journals it covers to share one anyway",
            subject=BRIEF_SCOPE,
        )

    async def _refuse_changed_scope(self, brief: Brief) -> None:
        """Refuse (InvalidInput, subject BRIEF_SCOPE) a brief prepared for what is shared
        with its therapist (`Brief.therapist`) when, as this device knows it now (after
        `share`'s sync), that covers other journals or fields (`Brief.journals`): a share
        that ended or changed on another device since. A brief of journals named, nothing."""
        if brief.therapist is None or brief.read_only_copy:
            return
        try:
            now = await self.prepare(therapist=brief.therapist, now=brief.period_end)
        except InvalidInput as error:
            if error.subject != BRIEF_SCOPE:
                raise
            now = None  # nothing is shared with them now
        if now is not None and now.journals == brief.journals:
            return
        covers = "nothing" if now is None else ", ".join(now.journals)
        raise InvalidInput(
            f"what you share with {brief.therapist} changed since this brief was prepared "
            f"(on another device: it covered {', '.join(brief.journals)}; now {covers}): "
            "prepare it again; nothing was shared",
            subject=BRIEF_SCOPE,
            situation=f"what you share with {brief.therapist} changed since this brief was "
            f"prepared (on another device: it covered {', '.join(brief.journals)}; now "
            f"{covers}); nothing was shared",
        )

    async def received(
        self, journal: str | None = None, *, include_ended: bool = False
    ) -> list[BriefView]:
        """Briefs readable on this device (a therapist's, from clients; a client's own),
        newest first (by `created_at`, UTC), optionally of one journal (display name or id;
        an unknown one gives an empty list), each with its end date (`expires_at`).
        `include_ended`: also a therapist's briefs whose share is over, marked `ended`,
        without their digest or text (the therapist is told one expired instead of
        it vanishing); a client's own ended briefs are always listed, marked `ended`. Works
        offline. Raises nothing."""
        now = now_ms()
        await self._replica.load_access()  # a client's own: its end from the verified chain
        journals = {  # a share whose signed end date passed is over, before a sync too
            j.journal_id: dataclasses.replace(j, role=REVOKED)
            if self._replica.share_lapsed(j, now)
            else j
            for j in await self._replica.store.journals()
        }
        if not include_ended:
            journals = {k: j for k, j in journals.items() if j.role != REVOKED}
        found = []
        for stored in await self._replica.store.documents(None, (BRIEF,)):
            local = journals.get(stored.journal_id)
            if stored.kind != BRIEF or local is None:
                continue
            if journal is not None and journal not in (
                _display(self._replica, local),
                local.journal_id.hex(),
            ):
                continue
            view = brief_view(
                stored_document(stored),
                _display(self._replica, local),
                _owner(self._replica, local),
            )
            if view is None:
                continue
            if local.role == "owner":  # the client's own: the end of its share, as signed
                ends, over = _brief_end(self._replica, local, now)
            else:
                ends, over = local.expires_at, local.role == REVOKED
            ended = "" if not over else EXPIRED if 0 < ends <= now else UNSHARED
            view = dataclasses.replace(
                view,
                expires_at=to_datetime(ends) if ends else None,
                ended=ended,
                journal_id=local.journal_id.hex(),
            )
            if ended and local.role != "owner":
                view = dataclasses.replace(view, digest={}, text="")
            found.append(view)
        return sorted(found, key=lambda b: (b.created_at, b.id), reverse=True)

    async def get(self, brief_id: str) -> BriefView:
        """One received brief by id (or a unique prefix of 4+ hex digits). Raises NotFound
        (`subject` "ended brief", saying when, for a therapist's brief whose share is over), or
        InvalidInput when the prefix matches several."""
        wanted = brief_id.strip().lower()
        every = await self.received(include_ended=True)
        matches = [b for b in every if b.id.startswith(wanted)]
        if len(wanted) < 4 or not matches:
            raise NotFound(f"no brief {brief_id} on this device", subject="document")
        if len(matches) > 1:
            raise ambiguous_id(brief_id, matched_kinds([BRIEF] * len(matches)))
        found = matches[0]
        if found.ended and not found.text:  # a therapist's: no longer shown (NU19 C21)
            shared = found.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
            raise NotFound(
                f"the brief from {found.client} shared {shared} UTC {found.ended_words()}: it "
                "is no longer shown",
                subject="ended brief",
            )
        return found


@checks_inputs
class Caseload:
    """`client.caseload`: a therapist's clients, those who need attention first
    (caseload.py)."""

    def __init__(
        self,
        replica: Replica,
        entries: EntriesOf,
        goals: GoalsOf,
        measures: Measures,
        assignments: Assignments,
        safety: SafetyPath,
        briefs: Briefs,
        entry_rows: EntryRowsOf | None = None,
    ) -> None:
        self._replica = replica
        self._entries = entries
        self._entry_rows = entry_rows
        """The index rows of journals' entries (`Context.entry_rows`): a row's trend reads
        only time, offset and mood, without reading every entry (None: read the entries)."""
        self._goals = goals
        self._measures = measures
        self._assignments = assignments
        self._safety = safety
        self._briefs = briefs

    async def list(
        self,
        *,
        quiet_days: int = DEFAULT_QUIET_DAYS,
        mood_drop: float = DEFAULT_MOOD_DROP,
        low_mood: int = DEFAULT_LOW_MOOD,
        now: datetime | None = None,
    ) -> builtins.list[CaseloadRow]:
        """One row per client who shares a journal with this account, those who need
        attention first (caseload.py): computed here from everything this device holds of
        them: the journals they share today and the read-only copies kept of shares that
        ended (a client who ended their whole-journal share and then shares one score keeps
        the item 9, the score history and the moods the kept copy holds). A client none of
        whose shares is on stays with what was last known (`CaseloadRow.read_only_copies`),
        as "share ended" when each end is owner-signed (`CaseloadRow.share_ended`), else as
        no longer served (`CaseloadRow.unlisted`: the server's word alone): last, unless that carries a safety flag, a safety item
        above 0, a reliable deterioration or a highest band (caseload.attention_order);
        assignments count only in shares still live. A client whose journals (or brief)
        this device stopped downloading at the bound on unverified owners
        (`client.shares.held_back`) is flagged caseload.HELD_BACK instead of "no shared
        entries yet" or "no shared entry for N days" (`CaseloadRow.held_back` names those
        journals): what the row counts is partial. Journals holding only briefs are not
        listed among a client's journals. The end of a share of a field-level copy is no
        flag while this account reads the journal it copies through another share that is
        on (from owner-signed names and the verified chain, never the server's list). `quiet_days`:
        days without an entry before a client counts as quiet; `mood_drop`: the fall of the
        mean mood (1 to 10 scale) that counts as a drop; `low_mood`: a mood (1 to 10) at or
        below which an entry of this week flags the client (0: never; care_terms); `now` an
        aware datetime (default:
        now). Works offline, from what the last sync brought. Raises nothing."""
        moment = now or datetime.now().astimezone()
        moment_ms = int(moment.timestamp() * 1000)
        me = self._replica.profile.account_id
        store = self._replica.store
        await self._replica.load_access()  # each share's end: from its verified chain
        brief_journals = await self._replica.briefs_shared_with_me(await store.journals())
        # By account, never by username: a name freed by an erased account and taken by
        # another person is two clients (NU43 #1: their entries, moods and notes merged).
        clients: dict[bytes, builtins.list[LocalJournal]] = {}
        names: dict[bytes, str] = {}
        briefs_of: dict[str, bytes] = {}  # a brief's journal id (hex) -> its owner
        # Journals this device stopped downloading at the bound on unverified owners: their
        # rows read partial data (NU47 #2), said instead of "no shared entries yet".
        held = {found.journal_id for found in await self._replica.held_back()}
        held_of: dict[bytes, builtins.list[tuple[str, str]]] = {}  # (name, id) by owner
        for journal in await store.journals():
            if journal.owner_id == me or journal.role not in ("read", "annotate", REVOKED):
                continue
            names[journal.owner_id] = journal.owner_name
            if journal.journal_id in held:
                held_of.setdefault(journal.owner_id, []).append(
                    (_display(self._replica, journal), journal.journal_id.hex())
                )
            if journal.journal_id not in brief_journals:
                clients.setdefault(journal.owner_id, []).append(journal)
            else:
                briefs_of[journal.journal_id.hex()] = journal.owner_id
                if journal.role != REVOKED and not self._replica.share_lapsed(journal, moment_ms):
                    # a client who shared only a brief is listed too, while its share is on
                    clients.setdefault(journal.owner_id, [])
        briefs = [  # each matched to its owner's account by its journal's id below
            b for b in await self._briefs.received() if b.journal_id in briefs_of
        ]
        shown = _client_names(clients, names, self._replica, moment_ms)
        erased = departures.decode_owners(await store.setting(departures.ERASED_OWNERS))
        left = forgotten.decode(await store.setting(forgotten.LEFT))  # left on this device

        def server_only(journal: LocalJournal) -> bool:
            """No longer served by the server's word alone: never a share this account left
            on this device (`leave`), which ended as every other view says."""
            return self._replica.unlisted(journal, moment_ms, left)

        rows = []
        for owner_id, journals in clients.items():
            client = shown[owner_id]
            theirs = [b for b in briefs if briefs_of[b.journal_id] == owner_id]
            # journals still shared (when every share ended, the copies kept of them) name
            # the row; what it counts comes from every journal of the client held here, the
            # kept copies of ended shares included (NU19 C1)
            # A share is live only while its owner-signed end date has not passed by
            # `now` (`Replica.share_lapsed`), whatever the server still lists.
            live = [
                j
                for j in journals
                if j.role != REVOKED and not self._replica.share_lapsed(j, moment_ms)
            ]
            over = {j.journal_id for j in journals} - {j.journal_id for j in live}
            ended = bool(journals) and not live
            ids = [j.journal_id.hex() for j in journals]
            results: builtins.list[MeasureResult] = []
            invalid: builtins.list[InvalidResult] = []
            for journal_id in ids:  # read once for both (issue 10)
                readable, refused = await self._measures.results_and_invalid(journal_id)
                results += readable
                invalid += refused
            once = _results_once_each(self._replica, results, journals)
            # where the scores the row shows came from: one at a time, or a journal whose
            # share ended (owner-signed) or the server no longer serves (its word alone)
            source = _score_sources(self._replica, once, journals, live, server_only)
            named = sorted(
                (_display(self._replica, j), j.journal_id.hex()) for j in live or journals
            )
            held_here = sorted(held_of.get(owner_id, []))
            rows.append(
                caseload_row(
                    client,
                    [name for name, _ in named],
                    await self._moods(journals),
                    once,
                    await _gather(self._goals, ids),
                    await _gather(self._assignments.due, [j.journal_id.hex() for j in live]),
                    await _gather(self._safety.flags, ids),
                    next(((b.id, b.created_at) for b in theirs), None),
                    now=moment,
                    quiet_days=quiet_days,
                    mood_drop=mood_drop,
                    low_mood=low_mood,
                    share_ended=ended,
                    owner_erased=ended and owner_id.hex() in erased,  # the server's word
                    ended_by_server=ended and any(server_only(j) for j in journals),
                    ended_journals=sorted(
                        _ended_display(self._replica, j, journals)
                        for j in journals
                        if j.journal_id in over
                        and not self._replica.source_still_read(j, live)
                        and not server_only(j)
                    ),
                    unlisted_journals=sorted(  # the server's word alone (NU52 F4)
                        _ended_display(self._replica, j, journals)
                        for j in journals
                        if j.journal_id in over
                        and not self._replica.source_still_read(j, live)
                        and server_only(j)
                    ),
                    invalid_results=invalid,
                    ending_soon=_ending_soon(self._replica, live, moment_ms),
                    owner_verified=all(self._replica.owner_verified(j) for j in journals),
                    held_back=[name for name, _ in held_here],
                    held_back_ids=[journal_id for _, journal_id in held_here],
                    shared_fields=_shared_fields(self._replica, live),
                    results_one_by_one=source.one_by_one,
                    results_from_ended=[name for name, _ in source.ended],
                    results_from_unlisted=[name for name, _ in source.unlisted],
                    results_from_ended_ids=[journal_id for _, journal_id in source.ended],
                    results_from_unlisted_ids=[journal_id for _, journal_id in source.unlisted],
                    journal_ids=[journal_id for _, journal_id in named],
                    client_id=owner_id.hex(),
                    ended_by_client=ended
                    and all(_unshared_by_owner(self._replica, j, left) for j in journals),
                    brief_safety=next(
                        (
                            brief_safety_items(b.digest, min(b.created_at, moment))
                            for b in theirs
                            if not b.ended
                        ),
                        [],
                    ),
                )
            )
        return attention_order(rows)

    async def _moods(self, journals: builtins.list[LocalJournal]) -> Sequence[EntryLike]:
        """A client's entries, each counted once (`_once_each`), as a row reads them: by the
        index of entries (time, offset and mood only) where it can tell, else read."""
        if self._entry_rows is not None:
            rows = await self._entry_rows(journals)
            if rows is not None:
                return [MoodEntry(to_datetime(r.created_at), r.utc_offset, r.mood) for r in rows]
        ids = [j.journal_id.hex() for j in journals]
        return _once_each(self._replica, await _gather(self._entries, ids), journals)


def _unshared_by_owner(replica: Replica, journal: LocalJournal, left: Collection[str]) -> bool:
    """Whether this device holds the end of this account's latest membership of `journal`
    as its owner's own signed removal (`AccessState.unshared`: a `removed` entry without
    `because`, in the access chain this device verified), and this account did not leave it
    here (`left`). Never from the server's word."""
    state = replica.chains.state(journal.journal_id)
    if state is None or forgotten.tag(journal.journal_id) in left:
        return False
    handles = state.handles.get(replica.profile.account_id, [])
    return bool(handles) and handles[-1] in state.unshared


def _shared_fields(replica: Replica, live: Sequence[LocalJournal]) -> tuple[str, ...] | None:
    """`CaseloadRow.shared_fields`: the fields every journal of `live` carries together, when
    each is a copy of some fields kept for this account (its owner-signed name says them);
    None when one is a whole journal or the journal of single items, or `live` is empty."""
    me = replica.profile.username
    every: list[str] = []
    for journal in live:
        fields = copied_fields(journal.name, me) if replica.is_copy_shared_with_me(journal) else ()
        if not fields:
            return None
        every += fields
    return tuple(dict.fromkeys(every)) if every else None


@dataclasses.dataclass(frozen=True)
class _ScoreSources:
    """Where a caseload row's shown scores came from, while none of the client's journals
    still shared carries their results (`CaseloadRow.results_one_by_one`,
    `results_from_ended`, `results_from_unlisted`)."""

    one_by_one: bool = False
    ended: tuple[tuple[str, str], ...] = ()
    """(name, id) of each journal, by name."""
    unlisted: tuple[tuple[str, str], ...] = ()


def _score_sources(
    replica: Replica,
    results: list[MeasureResult],
    journals: list[LocalJournal],
    live: list[LocalJournal],
    server_only: Callable[[LocalJournal], bool],
) -> _ScoreSources:
    """`_ScoreSources` of the latest result of each measure among `results` (as the row shows
    them, `latest_scores`), each told by the journal holding it, from what its owner signed
    and this device verified: the journal of single items (a copy naming no field: results
    shared one at a time), or a journal of `journals` not in `live` whose share ended by its
    owner's signature, or that the server alone stopped serving (`server_only`). Nothing
    when `live` is empty (every share ended: the row says so) or one of `live` carries the
    client's results (`_carries_results`)."""
    if not live or any(_carries_results(replica, j) for j in live):
        return _ScoreSources()
    by_id = {j.journal_id.hex(): j for j in journals}
    live_ids = {j.journal_id for j in live}
    held = [by_id.get(line.result.journal_id) for line in latest_scores(results)]
    shown = [j for j in held if j is not None]
    ended = [j for j in shown if j.journal_id not in live_ids]
    one_at_a_time = [
        j
        for j in shown
        if replica.is_copy_shared_with_me(j) and not copied_fields(j.name, replica.profile.username)
    ]
    return _ScoreSources(
        one_by_one=bool(shown) and len(one_at_a_time) == len(shown),
        ended=tuple(
            sorted(
                {(_display(replica, j), j.journal_id.hex()) for j in ended if not server_only(j)}
            )
        ),
        unlisted=tuple(
            sorted({(_display(replica, j), j.journal_id.hex()) for j in ended if server_only(j)})
        ),
    )


def _carries_results(replica: Replica, journal: LocalJournal) -> bool:
    """Whether a journal shared with this account carries its owner's results as they are
    recorded: a whole journal, or a copy of some fields naming scores (or answers); not the
    journal of results shared one at a time, nor a copy without them."""
    if not replica.is_copy_shared_with_me(journal):
        return True
    fields = copied_fields(journal.name, replica.profile.username)
    return bool({"scores", "answers"} & set(fields))


async def _gather(fetch: Callable[[str], Awaitable[Sequence[Any]]], ids: list[str]) -> list[Any]:
    found: list[Any] = []
    for journal_id in ids:
        found.extend(await fetch(journal_id))
    return found


def _client_names(
    clients: dict[bytes, list[LocalJournal]],
    names: dict[bytes, str],
    replica: Replica,
    now_ms: int,
) -> dict[bytes, str]:
    """Each client account's name as its caseload row shows it (`caseload.account_names`);
    an account listed with no journal is listed for a live brief alone: sharing (REV-TOP
    F4)."""
    shown = account_names(
        {
            owner.hex(): (
                names[owner],
                not journals
                or any(j.role != REVOKED and not replica.share_lapsed(j, now_ms) for j in journals),
            )
            for owner, journals in clients.items()
        },
        replica.name_holders(),
    )
    # a plain name the server now gives to another account (a share not opened until
    # verified: `Replica.names_given_elsewhere`) names this one by its label, as every
    # journal of its is named (`Context.owner_named`; nu76 F3)
    elsewhere = replica.names_given_elsewhere()
    for owner, journals in clients.items():
        plain = shown[owner.hex()]
        if journals and plain == names[owner] and plain.casefold() in elsewhere:
            digits = replica.label_digits(journals[0])
            shown[owner.hex()] = account_label(plain, owner.hex(), digits)
    return {owner: shown[owner.hex()] for owner in clients}


def _once_each(replica: Replica, entries: list[Entry], journals: list[LocalJournal]) -> list[Entry]:
    """A client's entries with each counted once: the copies they shared with this account
    of entries it reads in a journal they share whole are left out (queries.once_each)."""
    copies, owners = _copies(replica, journals)
    return once_each(entries, copies, owners) if copies else entries


def _results_once_each(
    replica: Replica, results: list[MeasureResult], journals: list[LocalJournal]
) -> list[MeasureResult]:
    """A client's results with each counted once (results.results_once_each)."""
    copies, owners = _copies(replica, journals)
    return results_once_each(results, copies, owners) if copies else results


def _copies(
    replica: Replica, journals: list[LocalJournal]
) -> tuple[dict[str, str], dict[str, str]]:
    """(copy journal id -> owner id, journal id -> owner id), ids in hex."""
    owners = {j.journal_id.hex(): j.owner_id.hex() for j in journals}
    copies = {
        j.journal_id.hex(): j.owner_id.hex() for j in journals if replica.is_copy_shared_with_me(j)
    }
    return copies, owners


def _brief_end(replica: Replica, local: LocalJournal, now: int) -> tuple[int, bool]:
    """(end date in ms, 0 for none; whether the share is over) of the brief journal this
    account owns, from its verified access chain: its member, current or ended by the end
    date; over when the end date passed or no member is left (unshared)."""
    state = replica.chains.state(local.journal_id)
    if state is None:
        return 0, False
    current = list(state.members.values())
    members = current + list(state.ended.values())
    ends = max((m.expires_at for m in members), default=0)
    return ends, not current or all(m.ended(now) for m in current)


def _owner(replica: Replica, local: LocalJournal) -> str:
    return replica.owner_label(local)


def _ended_display(replica: Replica, local: LocalJournal, journals: list[LocalJournal]) -> str:
    """A journal whose share ended, as the caseload names it: with the copy of it the owner
    still shares with this account, when there is one ("ana/Personal (now read as ana/Personal
    (mood, tags) for drsmith)": the share was narrowed, NU24 C11)."""
    copy = replica.copy_still_read(local, journals)
    name = _display(replica, local)
    return f"{name} (now read as {_owner_shown(replica, local)}/{copy})" if copy else name


def _ending_soon(
    replica: Replica, live: list[LocalJournal], now: int
) -> list[tuple[str, datetime]]:
    """(journal, end) of the live shares whose owner-signed end date (this account's current
    terms by the verified chain, never the server's list) comes within ENDING_SOON_DAYS of
    `now` (ms UTC): "ask to renew before Thursday" (NU43 #12)."""
    me = replica.profile.account_id
    found = []
    for journal in live:
        state = replica.chains.state(journal.journal_id)
        terms = state.current_terms(me, now) if state is not None else None
        if terms is not None and 0 < terms.expires_at - now <= ENDING_SOON_DAYS * DAY_MS:
            found.append((_display(replica, journal), to_datetime(terms.expires_at)))
    return sorted(found)


ENDING_SOON_DAYS = 3
"""The caseload says a share ends this many days ahead of its owner-signed end date."""


@dataclasses.dataclass(frozen=True)
class _CopyScope:
    """What a field-level copy kept for a therapist holds of its source journal: the copy
    (`journal_id`), the `fields` it shares (None: every one) and the ids of the documents
    in it (`held`), so a brief for that therapist takes of the source only what the copy
    holds, with those fields."""

    account_key: bytes = dataclasses.field(repr=False)
    journal_id: bytes
    fields: tuple[str, ...] | None
    held: frozenset[bytes]
    others: tuple[_CopyScope, ...] = ()

    def shares(self, field: str) -> bool:
        """Whether any of the copies shares `field` (the copies' names: `words`)."""
        return any(s.fields is None or field in s.fields for s in (self, *self.others))

    def shares_of(self, doc_id: str, field: str) -> bool:
        """Whether a copy that holds the document `doc_id` shares `field`: of two copies of
        one journal, one sharing mood and holding entries 1-10 and one sharing the body and
        holding 5-10, the body of entries 1-4 was never shared."""
        return any(
            (s.fields is None or field in s.fields) and s._holds_one(doc_id)
            for s in (self, *self.others)
        )

    def holds(self, doc_id: str) -> bool:
        return any(s._holds_one(doc_id) for s in (self, *self.others))

    def copy_id(self, doc_id: str) -> str | None:
        """The id (hex) of the document `doc_id`'s copy in the first of the copies that
        holds it: the id its reader holds it by (`keys.disclosure_doc_id`, which tells
        nothing of `doc_id` to anyone without the account key); None when none holds it."""
        for scope in (self, *self.others):
            if scope._holds_one(doc_id):
                raw = bytes.fromhex(doc_id)
                return keys.disclosure_doc_id(scope.account_key, raw, scope.journal_id).hex()
        return None

    def _holds_one(self, doc_id: str) -> bool:
        try:
            raw = bytes.fromhex(doc_id)
        except ValueError:
            return False
        return keys.disclosure_doc_id(self.account_key, raw, self.journal_id) in self.held

    def wider(self, other: _CopyScope) -> _CopyScope:
        """Two copies of one journal for one therapist: what either holds."""
        return dataclasses.replace(self, others=(*self.others, other))

    def words(self) -> str:
        """ " (mood, tags)": the fields shared, as the copy's name gives them."""
        shared = [f for f in DISCLOSABLE if self.shares(f)]
        return f" ({', '.join(shared)})" if shared else ""


def _fields_words(scope: _CopyScope | None) -> str:
    return scope.words() if scope is not None else ""


def _read_by_copy_id(row: dict[str, Any], reader_ids: dict[str, str | None]) -> dict[str, Any]:
    """A result's row of a brief with its "result_id" the copy's (`reader_ids`, by the
    result's own id), where it is a result of a field-level copy."""
    own = row.get("result_id")
    if not isinstance(own, str) or own not in reader_ids:
        return row
    return {**row, "result_id": reader_ids[own]}


def _copied(doc_id: str, scope: _CopyScope | None) -> bool:
    return scope is not None and scope.holds(doc_id)


def _text_withheld(doc_id: str, scope: _CopyScope | None) -> bool:
    """Whether the copy holding the document `doc_id` leaves out its title or its body (so
    a blank is "text not shared", never "no text": whether the left-out text was empty is
    not told). False for a journal shared whole, and for a copy sharing both."""
    if scope is None:
        return False
    return not (scope.shares_of(doc_id, "title") and scope.shares_of(doc_id, "body"))


def _entry_shown(entry: Entry, scope: _CopyScope | None) -> Entry:
    """`entry` with only the fields `scope` shares (as it is: a journal shared whole)."""
    if scope is None:
        return entry
    return dataclasses.replace(
        entry,
        title=entry.title if scope.shares_of(entry.id, "title") else "",
        body=entry.body if scope.shares_of(entry.id, "body") else "",
        mood=entry.mood if scope.shares_of(entry.id, "mood") else None,
        tags=entry.tags if scope.shares_of(entry.id, "tags") else (),
        emotions=entry.emotions if scope.shares_of(entry.id, "emotions") else (),
    )


def _result_shown(result: MeasureResult, scope: _CopyScope | None) -> MeasureResult:
    """`result` as a copy carries it: its answers only where the copy shares them; without
    them, its safety item is not known to the reader (`MeasureResult.safety_unknown`), as a
    result read from such a copy says it."""
    if scope is None or scope.shares_of(result.id, ANSWERS):
        return result
    return without_answers(result)


def _marked_shown(item: DiscussItem, scope: _CopyScope) -> DiscussItem:
    """An entry marked to discuss, of a journal shared as a copy: its words only as far as
    the copy shares them."""
    return dataclasses.replace(
        item,
        title=item.title if scope.shares_of(item.id, "title") else "",
        preview=item.preview if scope.shares_of(item.id, "body") else "",
    )


def _display(replica: Replica, local: LocalJournal) -> str:
    """How the caseload and briefs name a journal: `Replica.shown_name` ("ana/Personal",
    "kim (account 1a2b3c4d)/Personal")."""
    return replica.shown_name(local)


def _owner_shown(replica: Replica, local: LocalJournal) -> str:
    """The owner of `local` (another account's) as the caseload names them:
    `Replica.owner_named`, "kim (account 1a2b3c4d)" while they keep the plain username here
    and the server gives it to another account, as the row names the client
    (`_client_names`): "kim/Personal" is the new holder's journal then (fix31d)."""
    return replica.owner_named(local)
