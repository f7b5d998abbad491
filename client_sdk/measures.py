"""`client.measures`: standard questionnaires taken between sessions, as journal documents.

    taken = await client.measures.take("phq9", [1, 2, 1, 0, 1, 0, 1, 0, 0])
    print(taken.score, taken.band_label, taken.change)

To show a questionnaire's form, read its definition (scoring.Instrument) from the manager:
`client.measures.instruments()` lists the shipped ones (PHQ-9, GAD-7, PCL-5) and
`client.measures.instrument("phq9")` gets one by id or name (InvalidInput naming the
choices for an unknown one; both also work without a client: `Measures.instrument`, and
`client_sdk.scoring.instrument` / `builtin_instruments`). Show `title`, `instructions` (may
be None) and `stem`, then each of `items` (numbered from 1) with the `options` (each an
`Option`: the `value` to answer with and its `label`), and `attribution` under the form:

    form = client.measures.instrument("phq9")
    print(form.title, form.instructions or "", form.stem, sep="\n")
    for number, item in enumerate(form.items, start=1):
        print(f"{number}. {item}", [(o.value, o.label) for o in form.options])
    print(form.attribution)  # the licence asks for it with the form

Answers are the chosen `value`s in item order, given to `take`. Items listed in
`safety_items` (PHQ-9 item 9) show the safety message at once when answered above 0
(`client.safety.message()`), before the form is finished (safety_path.py). `unscored`, when
set, is the closing question that counts towards no score (PHQ-9's difficulty item).

Results are CRDT documents of kind "measure" in a journal (results.py), sealed and signed
like every record, so they work offline, sync between devices, and reach a therapist with
the journal they are in. `share` hands one result to a therapist, with or without its item
answers, through the journal of single items kept for them. Only the journal's owner writes
results (an annotating member cannot; see replica.check_may_write).

Scoring rules and their sources are in scoring.py and the instrument data files.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from datetime import date, datetime

from client_sdk import keys
from client_sdk.care_disclosure import ANSWERS, DISCLOSABLE, SCORES
from client_sdk.documents import Document, removed
from client_sdk.errors import BAD_VALUE, AccessError, InvalidInput, NotFound
from client_sdk.inputs import checks_inputs
from client_sdk.models import now_ms
from client_sdk.queries import check_bounds, local_bound, select_dated
from client_sdk.replica import (
    REVOKED,
    Replica,
    snapshot_fits,
    stored_document,
    too_large_to_snapshot,
)
from client_sdk.results import (
    MEASURE,
    InvalidResult,
    MeasureResult,
    Taken,
    changes_since_baseline,
    changes_since_previous,
    check_result_fields,
    delete_result_update,
    disclosed_result,
    invalid_result,
    new_result_update,
    result_view,
    results_once_each,
    with_changes,
)
from client_sdk.scoring import (
    Instrument,
    ScoreChange,
    ScoreDifference,
    builtin_instruments,
    instrument,
)
from client_sdk.sharing import ShareInfo, Sharing, items_share
from client_sdk.store import LocalJournal, StoredDocument

LocalJournalOf = Callable[[str | None], Awaitable[LocalJournal]]
DisplayName = Callable[[LocalJournal], str]
DocumentOf = Callable[[str, str], Awaitable[tuple[LocalJournal, Document]]]
DueFlags = Callable[[LocalJournal, int], Awaitable[builtins.list[str]]]
"""`SafetyPath._due_now`: the members a flag for an answer given then is due to now."""


@checks_inputs
class Measures:
    """Questionnaire results of the journals on this device."""

    def __init__(
        self,
        replica: Replica,
        sharing: Sharing,
        local_journal: LocalJournalOf,
        display: DisplayName,
        document_of_kind: DocumentOf,
        due_flags: Callable[[], DueFlags] | None = None,
    ) -> None:
        self._replica = replica
        self._sharing = sharing
        self._local_journal = local_journal
        self._display = display
        self._document_of_kind = document_of_kind
        self._due_flags = due_flags

    @staticmethod
    def instruments() -> builtins.list[Instrument]:
        """The instruments shipped with the SDK (PHQ-9, GAD-7, PCL-5), read from the packaged
        data files (client_sdk/data/instruments/*.json), which cite the source of every item
        text, band and threshold (scoring.py). Raises nothing."""
        return list(builtin_instruments().values())

    @staticmethod
    def instrument(name: str) -> Instrument:
        """An instrument by name or id ("PHQ-9", "phq-9", "phq9"; case, "-" and "_" ignored).
        Raises InvalidInput, naming the choices, for an unknown instrument."""
        return instrument(name)

    async def take(
        self,
        measure: str,
        answers: builtins.list[int] | tuple[int, ...],
        *,
        journal: str | None = None,
        unscored: int | None = None,
        taken_at: datetime | None = None,
        result_id: str | None = None,
    ) -> Taken:
        """Record one administration of `measure` (answers: one option value per item, in
        item order; `unscored`: the PHQ-9 difficulty answer, not scored; `taken_at`:
        when it was answered, for one done on paper earlier, an aware datetime or a naive one
        in local time, default now). Works offline.

        `result_id` (hex, made by `new_result_id`; default a new one): the id the result is
        stored under, chosen before the take so that saving the same answers again stores
        one result. An app keeps it with answers whose save failed (it cannot know whether
        the failure came before or after the result was stored), and passes it again: a
        result already stored under it with the same answers (and `unscored`) is returned as
        it is (its `taken_at` those first stored), with its changes, and nothing is written.

        Returns the result with the previous result of the same measure in that journal and
        the plain difference from it (`change`), and the first result of its course
        (`baseline`) with the change from it (`since_baseline`: reliable change and falling
        below the cut-off, first score to last as the NHS Talking Therapies manual judges
        them, scoring.ScoreChange; results.Taken). Check `taken.result.safety_concern` and show the
        safety message at once when it is True.
        Raises InvalidInput for answers the instrument does not allow, a `taken_at` in the
        future; InvalidInput with subject "result id" for a `result_id` not made by
        `new_result_id` for this account, or one already stored as another record, as a
        result with other answers, of another measure, in another journal, or deleted since
        (nothing is written: the answers are saved under a new id).
        """
        chosen = instrument(measure)
        local = await self._local_journal(journal)
        if result_id is None:
            document = Document(keys.new_doc_id(self._replica.profile.account_id), MEASURE)
        else:
            document = Document(self._new_result_id(result_id), MEASURE)
            stored = await self._replica.store.document(document.doc_id)
            if stored is not None:
                return await self._taken_before(local, stored, chosen.id, answers, unscored)
        now = now_ms()
        if taken_at is not None:
            at = int(taken_at.timestamp() * 1000)
            if at > now:
                raise InvalidInput(
                    "a questionnaire cannot be dated in the future", subject=BAD_VALUE
                )
            if at < 0:
                raise InvalidInput("taken_at is a moment after 1970", subject=BAD_VALUE)
        else:
            # "Now" follows this journal's latest result of the measure, even one taken within
            # the same millisecond: taken one after the other, they are ordered as taken.
            # (A result dated more than a second ahead, on purpose, does not move "now".)
            before = await self.list(local.journal_id.hex(), measure=chosen.id)
            latest = max((int(r.taken_at.timestamp() * 1000) for r in before), default=now - 1)
            at = latest + 1 if now <= latest < now + 1000 else now
        # checked first (InvalidInput for answers the instrument does not allow), then the
        # result written saying whether this device watches it for a late flag
        chosen.check_answers(answers)
        concern = [n for n in chosen.safety_items if answers[n - 1] > 0]
        watched = bool(concern) and local.role == "owner"
        update = new_result_update(
            document, chosen, answers, now, unscored=unscored, taken_at_ms=at, watched=watched
        )
        if watched:
            # a flag this device cannot seal yet (it has not seen the opt-in or the share)
            # is sealed by the sync that brings them (SafetyPath._seal_missed, NU22 C3).
            # Watched BEFORE the result is stored (R37 F7): a crash between the two then
            # leaves a watch entry without a result, which the next sync forgets, never a
            # result whose flag owed no sync seals.
            from client_sdk.safety_path import watch_answer

            result_id = document.doc_id.hex()
            item = concern[0]
            # whom this device knows now that the flag is due to (its verified opt-in and
            # chain): a sync seals theirs if `safety.respond` never runs (a crash, a failure)
            known = await self._due_flags()(local, at) if self._due_flags is not None else []
            await watch_answer(
                self._replica.store,
                result_id,
                local.journal_id.hex(),
                result_id,
                chosen.id,
                item,
                answers[item - 1],
                at,
                known=known,
            )
        await self._replica.commit(local, document, update)
        await self._sharing.mirror(local, document)  # field-level shares carrying scores
        result = self._view(local, document)
        assert result is not None  # just written from checked answers
        return with_changes(await self.list(local.journal_id.hex()), result)

    def new_result_id(self) -> str:
        """A new id (32 hex digits) for `take(result_id=)`: a document id of this account's
        (protocol.md 4.15), random. Works offline. Raises nothing."""
        return keys.new_doc_id(self._replica.profile.account_id).hex()

    def made_here(self, result_id: str) -> bool:
        """Whether `result_id` (hex) is an id `new_result_id` could have made for this
        account (16 bytes naming this account as their creator): `take(result_id=)` refuses
        any other, such as an id kept with answers on another account. Raises nothing."""
        try:
            return keys.created_by(bytes.fromhex(result_id), self._replica.profile.account_id)
        except ValueError:
            return False

    def _new_result_id(self, result_id: str) -> bytes:
        """`result_id` as bytes. Raises InvalidInput when it is not an id `new_result_id`
        made for this account (16 bytes naming this account as their creator)."""
        try:
            doc_id = bytes.fromhex(result_id)
        except ValueError:
            doc_id = b""
        if not keys.created_by(doc_id, self._replica.profile.account_id):
            raise InvalidInput(
                f"{result_id!r} is not a result id made by new_result_id", subject="result id"
            )
        return doc_id

    async def _taken_before(
        self,
        local: LocalJournal,
        stored: StoredDocument,
        measure: str,
        answers: builtins.list[int] | tuple[int, ...],
        unscored: int | None,
    ) -> Taken:
        """The result `take` stored under a `result_id` before (`stored`), in `local`, of
        `measure`, with `answers` and `unscored`, with its changes; its field-level copies
        kept current again (a failure after it was stored may have come before they were).
        Raises InvalidInput (subject "result id") when the document is not such a result
        (another record, another journal, another measure, other answers), or was deleted:
        answers given again under an id never stand for other answers."""
        said = stored.doc_id.hex()
        if stored.kind != MEASURE:
            raise InvalidInput(f"the id {said} is another record's", subject="result id")
        if stored.journal_id != local.journal_id:
            raise InvalidInput(
                f"the result {said} is saved in another journal", subject="result id"
            )
        document = stored_document(stored)
        result = self._view(local, document)
        if result is None:
            raise InvalidInput(f"the result {said} was saved, then deleted", subject="result id")
        if result.measure != measure:
            raise InvalidInput(f"the result {said} is of another measure", subject="result id")
        if list(result.answers or ()) != list(answers) or result.unscored != unscored:
            raise InvalidInput(
                f"the result {said} was saved before with other answers", subject="result id"
            )
        await self._sharing.mirror(local, document)
        return with_changes(await self.list(local.journal_id.hex()), result)

    async def check_writable(self, journal: str | None = None) -> None:
        """Check, writing nothing, that `take` could record a result in `journal` (a name or
        id; None: the default journal), as `take` checks it: an app asks before its user
        answers a questionnaire whose answers could not be saved there.

        Raises NotFound for an unknown journal, InvalidInput for a journal kept for a member
        (a copy, a brief), AccessError for a journal this account may not write results in
        (shared with it: a result is its owner's own; a share that ended; when the server
        cannot be reached to read the role again, the message says to sync),
        JournalArchived for an archived one, RollbackError (an IntegrityError) while its
        access chain on this device is rolled back or unverified."""
        local = await self._local_journal(journal)
        await self._replica.check_commit(local, MEASURE)
        await self._replica.check_not_copy(local)

    async def list(
        self,
        journal: str | None = None,
        *,
        measure: str | None = None,
        since: date | datetime | None = None,
        until: date | datetime | None = None,
        limit: int | None = None,
    ) -> builtins.list[MeasureResult]:
        """Results newest first (by `taken_at`, an aware UTC datetime), of one journal (name
        or id) or of every journal on this device (an owner's copies made for a therapist are
        left out: the originals are listed; a result a client shared both in a whole journal
        and in a copy for you is listed once, from the whole journal), optionally
        of one `measure` ("phq9"), taken within `since`/`until` (inclusive: a date is a whole
        day in this device's local time, a naive datetime this device's local time), the
        newest `limit`. Works offline. The read-only copies kept of shares that ended are
        read too. Raises NotFound for an unknown journal, InvalidInput for an unknown
        measure, `since` after `until` or a `limit` below 1.

        Pass `changes` every result of a measure, not a page: the change of the oldest
        result of a page is from a result before it.

            await client.measures.list("Personal", measure="phq9", limit=20)
        """
        wanted = instrument(measure).id if measure is not None else None
        since, until = local_bound(since), local_bound(until)
        check_bounds(since, until, limit)
        found = (await self._read(journal, wanted))[0]
        return select_dated(found, lambda r: r.taken_at, since=since, until=until, limit=limit)

    async def score_only_readers(
        self, journal: str | None = None, *, result: str | None = None
    ) -> builtins.list[str]:
        """The members (usernames, sorted) who read the results of `journal` (one of this
        account's, by name or id) only through a copy of some fields that carries their
        score without their answers (`client.shares.grant(journal, member, only=[...,
        "scores"])` without "answers"), and do not read the whole journal: they see a PHQ-9's
        score and band, never its answers (so not item 9), and no safety flag reaches them
        through such a copy (a copy of some fields carries none). An app says so when its
        user takes a PHQ-9 (`tj measure take` does). `result` (a result id of `journal`, or
        a unique prefix of 4+ hex digits): only the copies that carry that result (not
        those it is dated before: `copies_left_out`). Works offline (the verified access
        chains as this device's last sync left them). Raises NotFound for an unknown
        journal or result, InvalidInput for a malformed or ambiguous result id."""
        local = await self._local_journal(journal)
        left_out = await self._left_out(result)
        return sorted({name for _, name in await self._score_only(local, left_out)})

    async def copies_left_out(self, result_id: str) -> builtins.list[str]:
        """The field-level copies of the journal of one of this account's results (ids,
        hex: `ShareInfo.journal_id` of a share of kind "mirror") that carry results but not
        this one, by the rule every device of the owner copies by: a result dated, or
        recorded, before a copy's start by the clock of the device that recorded it (a form
        done on paper entered with `taken_at`, or a device whose clock is behind the one
        that made the copy) is not in it; send it one at a time (`share`). [] for a result
        of another account's journal. Works offline. Raises InvalidInput for a malformed or
        ambiguous id, NotFound for an unknown or deleted result."""
        return [j.hex() for j in await self._left_out(result_id)]

    async def _left_out(self, result_id: str | None) -> set[bytes]:
        """`copies_left_out(result_id)` as ids; none when `result_id` is None."""
        if result_id is None:
            return set()
        local, document = await self._document_of_kind(result_id, MEASURE)
        if removed(document):
            raise NotFound(f"measure result {result_id} was deleted", subject="deleted")
        if local.owner_id != self._replica.profile.account_id or local.role != "owner":
            return set()
        return set(await self._sharing._copies_left_out(local, document))

    async def score_only_news(self, journal: str | None = None) -> builtins.list[str]:
        """`score_only_readers(journal)` when this device has not returned them by this
        method before, else []: an app says once per journal, not at every PHQ-9, that these
        members see the score only (`tj measure take` does), and again once the sharing
        changes so that someone new reads it that way (another member, a copy shared anew).
        What was said is kept in this device's store only (never sent: each device says it
        once); a member who no longer reads it that way is dropped from it silently. Works
        offline. Raises NotFound for an unknown journal."""
        local = await self._local_journal(journal)
        found = await self._score_only(local)
        now = sorted({reader for reader, _ in found})
        key = local.journal_id.hex()
        told: list[bool] = []

        def merge(value: object, cursors: object) -> object:
            kept = read_score_only_told(value)
            before = set(kept.get(key, []))
            told.append(not set(now) <= before)
            if now:
                kept[key] = now
            else:
                kept.pop(key, None)
            return json.dumps(kept, sort_keys=True) if kept else None

        await self._replica.store.merge_setting(SCORE_ONLY_TOLD, merge)
        return sorted({name for _, name in found}) if told and told[0] else []

    async def unseen_by_readers(
        self, journal: str | None = None, *, result: str | None = None
    ) -> builtins.list[tuple[str, tuple[str, ...]]]:
        """The members who read `journal` (one of this account's, by name or id; None: the
        default journal) only through
        copies of some fields that carry no results (`client.shares.grant(journal, member,
        only=["mood", "tags"])`: neither "scores" nor "answers"), and neither the whole
        journal nor another copy of it carrying results: they do not see a result taken in
        it, unless it is shared with them one at a time (`client.measures.share`). Each
        as (username, the fields their copies carry), sorted by username. An app says so
        when its user takes a questionnaire (`tj measure take` does). `result` (a result id
        of `journal`, or a unique prefix of 4+ hex digits): also the members whose copies
        carrying results do not carry that one (`copies_left_out`), with their fields.
        Works offline (the verified access chains as this device's last sync left them).
        Raises NotFound for an unknown journal or result, InvalidInput for a malformed or
        ambiguous result id."""
        local = await self._local_journal(journal)
        if local.owner_id != self._replica.profile.account_id or local.role != "owner":
            return []
        left_out = await self._left_out(result)
        await self._replica.load_access()
        now = now_ms()
        whole = {
            s.member_id
            for s in self._replica.verified_shares(now, local.journal_id)
            if not s.ended(now)
        }
        without: dict[bytes, tuple[str, list[str]]] = {}
        with_results: set[bytes] = set()
        for copy_id, settings in self._sharing.live_mirrors().items():
            fields = settings.fields
            if settings.mirror_of != local.journal_id or settings.member_id in whole:
                continue
            for share in self._replica.verified_shares(now, copy_id):
                if share.member_id != settings.member_id or share.ended(now):
                    continue
                carries = fields is None or SCORES in fields or ANSWERS in fields
                if carries and copy_id not in left_out:
                    with_results.add(share.member_id)
                else:  # no results, or not this one (dated before the copy's start)
                    name, carried = without.setdefault(share.member_id, (share.member_name, []))
                    carried += [f for f in fields or DISCLOSABLE if f not in carried]
        return sorted(
            (name, tuple(carried))
            for member, (name, carried) in without.items()
            if member not in with_results
        )

    async def _score_only(
        self, local: LocalJournal, left_out: set[bytes] | None = None
    ) -> builtins.list[tuple[str, str]]:
        """(reader, username) of each member who reads `local`'s results by their score only
        (`score_only_readers`): the reader as "COPY:MEMBER" (ids in hex), so that a copy
        shared anew is another reader; copies in `left_out` (ids) not counted."""
        if local.owner_id != self._replica.profile.account_id or local.role != "owner":
            return []
        await self._replica.load_access()
        now = now_ms()
        whole = self._live_members(local.journal_id, now)
        found: set[tuple[str, str]] = set()
        for copy_id, settings in self._sharing.live_mirrors().items():
            fields = settings.fields
            if settings.mirror_of != local.journal_id or fields is None:
                continue  # another journal's copy, or one of every field (answers too)
            if SCORES not in fields or ANSWERS in fields or settings.member_id in whole:
                continue
            if left_out and copy_id in left_out:
                continue  # a result that copy does not carry
            name = self._live_members(copy_id, now).get(settings.member_id)
            if name is not None:
                found.add((f"{copy_id.hex()}:{settings.member_id.hex()}", name))
        return sorted(found)

    def _live_members(self, journal_id: bytes, now: int) -> dict[bytes, str]:
        """member id -> username of each member of one of this account's journals whose
        share has not ended by `now` (ms, UTC), as the verified chains say (`load_access`
        first): the readers `_score_only` and `answer_readers` count."""
        return {
            s.member_id: s.member_name
            for s in self._replica.verified_shares(now, journal_id)
            if not s.ended(now)
        }

    async def answer_readers(self, result_id: str) -> dict[str, str]:
        """Who reads the answers of one of this account's results (by id, or a unique prefix
        of 4+ hex digits), so a PHQ-9's item 9: username -> the name of the journal through
        which they do. That is a member whose share has not ended of the result's journal
        shared whole, of a copy of that journal whose copy of this result carries its
        answers (`client.shares.grant(journal, member, only=[..., "answers"])`, or every
        field), or of the journal of items shared with them one by one ("Shared with NAME")
        whose copy of this result carries its answers (it was shared with them with its
        answers: `share`); the whole journal is named first, then a copy of it. Asked before
        `share(result_id, NAME, only=["score"])`: NAME, when named here, reads the answers
        another way, or (through "Shared with NAME") may already have downloaded them; an
        app says so rather than that NAME does not see item 9 (`tj measure share
        --without-answers` does). {} for a result of another account's journal. Works
        offline (the verified access chains and copies as this device's last sync left
        them). Raises InvalidInput for a malformed or ambiguous id, NotFound for an unknown
        or deleted result."""
        local, document = await self._document_of_kind(result_id, MEASURE)
        if removed(document):
            raise NotFound(f"measure result {result_id} was deleted", subject="deleted")
        if local.owner_id != self._replica.profile.account_id or local.role != "owner":
            return {}
        await self._replica.load_access()
        now = now_ms()
        readers = dict.fromkeys(self._live_members(local.journal_id, now).values(), local.name)
        copies = {
            journal_id: settings
            for journal_id, settings in self._sharing.disclosures().items()
            if settings.mirror_of == local.journal_id or settings.kind == "items"
        }
        held = await self._sharing.copies_in(list(copies), document)
        for journal, copy in sorted(held, key=lambda c: copies[c[0].journal_id].kind == "items"):
            if removed(copy) or copy.field("answers") is None:
                continue  # shared without its answers (or left that copy)
            member = copies[journal.journal_id].member_id
            name = self._live_members(journal.journal_id, now).get(member)
            if name is not None:
                readers.setdefault(name, journal.name)
        return readers

    @staticmethod
    def changes(results: builtins.list[MeasureResult]) -> dict[str, ScoreDifference | None]:
        """The plain difference of each of `results` (as `list` returns them) from the
        result of the same measure before it in its journal, by result id, None for the
        first one (as `history` gives it for one result: scoring.ScoreDifference, no
        reliable-change verdict). Pure: the earlier result is looked for in `results` only.
        Raises nothing."""
        return changes_since_previous(results)

    @staticmethod
    def changes_since_baseline(
        results: builtins.list[MeasureResult],
    ) -> dict[str, ScoreChange | None]:
        """The change of each of `results` from the first result of its course (the first
        of its measure in its journal, results.baseline_result), by result id, None for the
        first one (as `history` gives it for one result: scoring.ScoreChange, reliable
        change first score to this one). Pure: the baseline is looked for in `results`
        only. Raises nothing."""
        return changes_since_baseline(results)

    async def invalid(self, journal: str | None = None) -> builtins.list[InvalidResult]:
        """Results that cannot be read (answers outside the instrument, a time no date
        holds...), of one journal or every journal, as `list` lists them: shown as
        invalid, with whether a safety item holds an answer above 0. Works
        offline. Raises NotFound for an unknown journal."""
        return (await self._read(journal))[1]

    async def results_and_invalid(
        self, journal: str | None = None
    ) -> tuple[builtins.list[MeasureResult], builtins.list[InvalidResult]]:
        """`list(journal)` and `invalid(journal)` from one reading of the result
        documents (a caseload asks both of each client's journals: reading them apart reads
        and scores every questionnaire twice). Raises NotFound for an unknown journal."""
        return await self._read(journal)

    async def _read(
        self, journal: str | None, wanted: str | None = None
    ) -> tuple[builtins.list[MeasureResult], builtins.list[InvalidResult]]:
        """(`results`, `invalid`) of `journal`; results only of the measure `wanted` (an
        instrument id; None: all), invalid results of every measure."""
        found = []
        bad = []
        sources: dict[str, LocalJournal] = {}
        async for source, document in self._result_documents(journal):
            display, hex_id = self._display(source), source.journal_id.hex()
            view = result_view(document, display, hex_id)
            if view is None:
                refused = invalid_result(document, display, hex_id)
                if refused is not None:
                    bad.append(refused)
            elif wanted is None or view.measure == wanted:
                found.append(view)
                sources[hex_id] = source
        if journal is None:  # a result read in a whole journal and in its copy counts once
            owners = {k: j.owner_id.hex() for k, j in sources.items()}
            copies = {
                k: j.owner_id.hex()
                for k, j in sources.items()
                if self._replica.is_copy_shared_with_me(j)
            }
            if copies:
                found = results_once_each(found, copies, owners)
        return sorted(found, key=lambda r: (r.taken_at, r.id), reverse=True), bad

    async def _result_documents(
        self, journal: str | None
    ) -> AsyncIterator[tuple[LocalJournal, Document]]:
        """The result documents `list` and `invalid` read, each with its journal, in the
        store's order: of one journal (name or id) or of every journal on this device. With
        every journal, an owner's copies made for a therapist are left out (the originals
        are read, even once the copy's share ended); the read-only copies kept of shares
        that ended, and of one's own journals deleted on another device, are read. Raises
        NotFound for an unknown journal."""
        await self._replica.load_access()  # which journals are copies: from their chains
        journal_id = (await self._local_journal(journal)).journal_id if journal else None
        me = self._replica.profile.account_id
        journals = {j.journal_id: j for j in await self._replica.store.journals()}
        for stored in await self._replica.store.documents(journal_id, (MEASURE,)):
            source = journals.get(stored.journal_id)
            if stored.kind != MEASURE or source is None:
                continue
            if (
                journal_id is None
                and source.owner_id == me
                and source.role in ("owner", REVOKED)
                and self._replica.is_disclosure(source)
            ):
                continue
            yield source, stored_document(stored)

    async def get(self, result_id: str) -> MeasureResult:
        """One result by id (or a unique prefix of 4+ hex digits). Works offline. Raises
        InvalidInput for a malformed or ambiguous id, NotFound for an unknown or deleted
        result."""
        view = self._view(*await self._document_of_kind(result_id, MEASURE))
        if view is None:
            raise NotFound(f"measure result {result_id} was deleted", subject="deleted")
        return view

    async def history(self, result_id: str) -> Taken:
        """A result with the one of the same measure before it in its journal and the plain
        difference from it, and the first result of its course with the change from it
        (reliable change and falling below the cut-off, first score to this one:
        results.Taken; thresholds from the NHS Talking Therapies manual, cited in the
        instrument data files). Raises like `result`:
        InvalidInput for a malformed or ambiguous id, NotFound for an unknown or deleted one."""
        result = await self.get(result_id)
        return with_changes(await self.list(result.journal_id), result)

    async def delete(self, result_id: str, *, check_only: bool = False) -> MeasureResult:
        """Delete a result (the owner's), and the copies of it shared with therapists (it
        leaves a current member's view at their next sync; a former member's device keeps
        what it downloaded before the share ended; `shares.recipients` says who can read it
        and what is known of their receipt); returns the result as it was.
        Works offline. Raises InvalidInput for a malformed or ambiguous id, NotFound for an
        unknown or already deleted result, AccessError when this account does not own it,
        RollbackError (an IntegrityError) while the journal's access chain on this device is
        rolled back or unverified. With `check_only=True` it raises the same errors and
        changes nothing (returns what it would have): an app asks its user to confirm only
        what would then be done."""
        local, document = await self._document_of_kind(result_id, MEASURE)
        if local.role != "owner":
            raise AccessError("only the result's owner can delete it", subject="owner's own")
        deleted = self._view(local, document)
        copies = await self._copies(document)
        if deleted is None:
            # deleted already: a copy a delete left (its journal refused then, on another
            # device, or the delete was cut short) is deleted now (R40 F5)
            deleted = next((v for j, c in copies if (v := self._view(j, c))), None)
            if deleted is None:
                raise NotFound(f"measure result {result_id} was already deleted", subject="deleted")
        # every journal the delete writes, the copies' too, before changing anything (R40 F5:
        # a copy's journal archived refused after the result was deleted, the copy left shared)
        if document.field("deleted") is not True:
            await self._replica.check_commit(local, MEASURE)
        for journal, _ in copies:
            await self._replica.check_commit(journal, MEASURE)
        if check_only:
            return deleted
        if document.field("deleted") is not True:
            await self._replica.commit(local, document, delete_result_update(document, now_ms()))
        for journal, copy in copies:
            await self._replica.commit(journal, copy, delete_result_update(copy, now_ms()))
        return deleted

    async def _copies(self, document: Document) -> builtins.list[tuple[LocalJournal, Document]]:
        """The copies of a result this account shared (one result, or a field-level share)
        not deleted yet, each with its journal."""
        await self._replica.load_access()
        disclosures = [
            j.journal_id
            for j in await self._replica.store.journals()
            if j.role == "owner" and self._replica.is_disclosure(j)
        ]
        return [
            (journal, copy)
            for journal, copy in await self._sharing.copies_in(disclosures, document)
            if copy.field("deleted") is not True
        ]

    async def share(
        self,
        result_id: str,
        username: str,
        *,
        only: builtins.list[str] | tuple[str, ...] | None = None,
        fingerprint: str | None = None,
        trust_on_first_use: bool = False,
        again: Collection[str] = (),
    ) -> ShareInfo:
        """Share one result with a therapist without opening its journal. `only=["score"]`
        shares the score, band and time but not the item answers (default: both). Confirm
        the therapist's keys with `fingerprint` (read out in person) or `trust_on_first_use`;
        a `fingerprint` replaces other keys held for `username` (another account's: a name
        an erased account freed), as `client.shares.grant` says
        (`client.shares.verify_replaces(username, fingerprint, sharing=True)` tells which
        first). Needs the network.

        Raises InvalidInput for `only` other than "score" and "answers", a malformed or
        ambiguous id, or an unconfirmed peer (no fingerprint, no trust on first use);
        NotFound for an unknown or deleted result or username; AccessError when this account does not
        own the result; KeyChangedError when the fingerprint does not match or the peer's
        pinned keys changed (nothing is shared); QuotaExceeded when making the journal kept
        for that therapist hits an account limit; NetworkError (RateLimited included) when
        the server cannot be reached or asks to wait; UpdateNeeded while the result's
        journal holds changes its owner wrote with a newer app version this one cannot read
        (nothing is shared); SharedAgain when the therapist's share of the journal kept for
        them had ended and it still holds items, which they would read again: nothing is
        shared unless `again` names every one's id (`SharedAgain.items`).

            await client.measures.share(result.id, "drsmith", only=["score"],
                                        fingerprint="12345 67890 ...")
        """
        fields = check_result_fields(only)
        source, document = await self._document_of_kind(result_id, MEASURE)
        if source.role != "owner":
            raise AccessError("only the result's owner can share it", subject="owner's own")
        if removed(document):  # a deleted result is never copied to anyone
            raise NotFound(f"result {result_id} was deleted", subject="document")
        # Not while the owner's newer changes of the journal wait unread here (R20 F4).
        await self._replica.refuse_while_parked(source, "share a result of it")
        peer = await self._sharing.confirmed_peer(username, fingerprint, trust_on_first_use)
        # The copy's size before anything is signed, as `shares.grant_entry` (R43 F4).
        sized = Document(document.doc_id, MEASURE).change(fields=disclosed_result(document, fields))
        if not snapshot_fits(sized):
            raise InvalidInput(too_large_to_snapshot(source, document, sized), subject="too large")
        target = await self._sharing.items_journal(peer, document.doc_id, again)
        # Read again: making the journal kept for them syncs, and may bring another
        # device's delete of the result (as `shares.grant_entry`).
        now = await self._replica.store.document(document.doc_id)
        if now is None or removed(stored_document(now)):
            raise NotFound(
                "this result was deleted on another of your devices meanwhile: it was not shared",
                subject="document",
            )
        document = stored_document(now)
        copy_id = keys.disclosure_doc_id(
            self._replica.profile.secrets.account_key, document.doc_id, target.journal_id
        )
        stored = await self._replica.store.document(copy_id)
        copy = stored_document(stored) if stored else Document(copy_id, MEASURE)
        update = copy.change(fields=disclosed_result(document, fields))
        await self._replica.commit(target, copy, update, copy=True)
        return items_share(target, peer)

    def _view(self, journal: LocalJournal, document: Document) -> MeasureResult | None:
        return result_view(document, self._display(journal), journal.journal_id.hex())


SCORE_ONLY_TOLD = "score_only_told"
"""The setting (this device's store only) in which `Measures.score_only_news` keeps, by
journal id (hex), the readers ("COPY:MEMBER", ids in hex) it last returned, as JSON."""


def read_score_only_told(value: object) -> dict[str, builtins.list[str]]:
    """The SCORE_ONLY_TOLD setting's value read: {} when unset or unreadable. Pure."""
    try:
        found = json.loads(value) if isinstance(value, str) else {}
    except ValueError:
        return {}
    if not isinstance(found, dict):
        return {}
    return {str(k): [str(x) for x in v] for k, v in found.items() if isinstance(v, builtins.list)}
