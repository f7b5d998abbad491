"""`client.assignments` and `client.homework`: what a therapist assigns between sessions and
the structured homework a client writes (rules in schedule.py and templates.py, pure).

    await therapist.assignments.assign("ana/Personal", "measure", "phq9", every_days=14)
    for item in await client.assignments.due():
        print(item.assignment.title, item.status, item.due_at)
    await client.homework.add("sleep-diary", {"bed_time": "23:10", ...})

An assignment is an annotation: only the journal's owner or a member with the annotate role
can write one (replica.check_may_write on this device, the record's signature and the
journal's access rules on every other), and only its creator can cancel it.
"""

from __future__ import annotations

import builtins
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from client_sdk import forgotten, keys
from client_sdk.care_disclosure import ANSWERS, HOMEWORK_FIELD, SCORES
from client_sdk.documents import Document
from client_sdk.errors import BAD_VALUE, AccessError, InvalidInput, NotFound
from client_sdk.inputs import checks_inputs
from client_sdk.models import now_ms, quoted_name
from client_sdk.queries import check_bounds, local_bound, select_dated
from client_sdk.replica import REVOKED, Replica, copied_fields, stored_document
from client_sdk.results import MEASURE, result_view
from client_sdk.schedule import (
    ASSIGNMENT,
    DONE,
    HOMEWORK,
    HOMEWORK_TASK,
    MEASURE_TASK,
    OVERDUE,
    SHARE_LEFT,
    SHARE_UNLISTED,
    UPCOMING,
    Assignment,
    Due,
    HomeworkEntry,
    ShareEnded,
    assignment_view,
    cancel_assignment_update,
    delete_homework_update,
    due_status,
    edit_homework_update,
    homework_settling_values,
    homework_view,
    new_assignment_update,
    new_homework_update,
    share_end,
    target_title,
)
from client_sdk.scoring import instrument
from client_sdk.settling import FieldWrite, changed_values, created_values
from client_sdk.sharing import Sharing
from client_sdk.store import LocalJournal, StoredDocument, Transaction
from client_sdk.templates import Template, builtin_templates, template

LocalJournalOf = Callable[[str | None], Awaitable[LocalJournal]]


def _task_target(task_type: str, target: str) -> str:
    """`target`'s id ("PHQ-9" -> "phq9"): an instrument's for a measure, a template's for
    homework. Raises InvalidInput for an unknown one."""
    if task_type == MEASURE_TASK:
        return instrument(target).id
    if task_type == HOMEWORK_TASK:
        return template(target).id
    target_title(task_type, target)  # an unknown task type: InvalidInput
    return target


DisplayName = Callable[[LocalJournal], str]
DocumentOf = Callable[[str, str], Awaitable[tuple[LocalJournal, Document]]]
_STATUS_ORDER = {OVERDUE: 0, "due": 1, UPCOMING: 2, DONE: 3}


@checks_inputs
class Assignments:
    """`client.assignments`: measures and homework a therapist assigns in a client's journal,
    and what is due (schedule.py)."""

    def __init__(
        self,
        replica: Replica,
        local_journal: LocalJournalOf,
        display: DisplayName,
        document_of_kind: DocumentOf,
    ) -> None:
        self._replica = replica
        self._store = replica.store
        self._local_journal = local_journal
        self._display = display
        self._document_of_kind = document_of_kind

    async def assign(
        self,
        journal: str,
        task_type: str,
        target: str,
        *,
        every_days: int | None = None,
        starts_at: datetime | None = None,
        note: str = "",
    ) -> Assignment:
        """Assign a measure ("measure", "phq9") or homework ("homework", "thought-record") in
        a client's journal, once or every `every_days` days (1 to 366) from `starts_at` (an
        aware datetime, or a naive one in local time; default now; stored as UTC
        milliseconds). `note` is at most 2,000 characters. Works offline.

        Raises NotFound for an unknown journal; InvalidInput for an unknown task type,
        measure or template, `every_days` out of range or a note too long; AccessError for a
        read-only member (it needs the annotate role or being the journal's owner);
        RollbackError (an IntegrityError) while the journal's access chain on this device is rolled back or unverified."""
        local = await self._local_journal(journal)
        target = _task_target(task_type, target)
        document = Document(keys.new_doc_id(self._replica.profile.account_id), ASSIGNMENT)
        at = int(starts_at.timestamp() * 1000) if starts_at is not None else None
        update = new_assignment_update(
            document, task_type, target, now_ms(), every_days=every_days, starts_at_ms=at, note=note
        )
        await self._replica.commit(local, document, update)
        found = await self._view(local, stored_document(await self._stored(document.doc_id)))
        assert found is not None
        return found

    async def already_assigned(
        self, journal: str, task_type: str, target: str
    ) -> builtins.list[Assignment]:
        """The assignments in `journal` that a new one of the same measure or template
        (`task_type`, `target` as `assign` takes them) would repeat: those still asking for
        it (due, overdue or to come; not cancelled, not a one-off done, not ended with their
        share), newest first, whatever their schedule. Checks first what `assign` checks
        before writing, so an app asks "assign it again?" only of an assignment it may make
        (the same assignment made twice would ask the client twice). Works offline.

        Raises what `assign` raises before writing: NotFound for an unknown journal;
        InvalidInput for an unknown task type, measure or template; AccessError for a
        read-only member; RollbackError (an IntegrityError) while the journal's access chain
        on this device is rolled back or unverified.

            if await client.assignments.already_assigned("ana/Personal", "measure", "phq9"):
                ...  # ask before assigning it again
        """
        local = await self._local_journal(journal)
        wanted = _task_target(task_type, target)
        await self._replica.check_commit(local, ASSIGNMENT)
        asking = await self.due(local.journal_id.hex(), include_upcoming=True)
        found = [
            d.assignment
            for d in asking
            if (d.assignment.type, d.assignment.target) == (task_type, wanted)
        ]
        return sorted(found, key=lambda a: (a.created_at, a.id), reverse=True)

    async def cancel(self, assignment_id: str, *, check_only: bool = False) -> Assignment:
        """Cancel an assignment this account made (by id or a unique prefix of 4+ hex
        digits); with `check_only`, only check that it can be and return it as it is (to ask
        first: the same errors, nothing written). Works offline. Raises InvalidInput for a malformed or ambiguous id, NotFound for an unknown
        assignment, AccessError when another account made it, the share it was made in ended,
        or this account may no longer write in its journal, RollbackError (an IntegrityError) while the journal's access chain on this device is rolled back or unverified."""
        local, document = await self._document_of_kind(assignment_id, ASSIGNMENT)
        creator = (await self._store.creators([document.doc_id])).get(document.doc_id)
        if creator != self._replica.profile.account_id:
            raise AccessError("only who made an assignment can cancel it")
        if local.role == REVOKED:
            raise AccessError(
                f"{local.owner_name}'s share of {quoted_name(local.name)} ended: the assignment can no "
                "longer be changed, and it no longer counts as due for them"
            )
        if not check_only:
            update = cancel_assignment_update(document, now_ms())
            await self._replica.commit(local, document, update)
        found = await self._view(local, document)
        assert found is not None
        return found

    async def list(
        self,
        journal: str | None = None,
        *,
        include_cancelled: bool = False,
        include_ended: bool = False,
    ) -> builtins.list[Assignment]:
        """Assignments in one journal (name or id) or every journal here, newest first (by
        `created_at`, UTC); cancelled ones only with `include_cancelled`, and those whose
        share ended (`Assignment.share_ended`, from the owner-signed access chain: they no
        longer count as due; on a therapist's device, those of the copies kept of ended
        shares) only with `include_ended`. Works offline. Raises NotFound for an unknown
        journal."""
        found = []
        refused = await self._store.set_aside_documents()
        await self._replica.load_access()  # who is a member: from the verified chains
        documents = await self._documents(journal, ASSIGNMENT, include_ended=include_ended)
        # Past the write limit the owner signed for this device: refused everywhere (NU22 C17).
        refused |= await self._replica.past_write_limit(
            [stored for _, stored in documents], {local.journal_id: local for local, _ in documents}
        )
        for local, stored in documents:
            view = await self._view(local, stored_document(stored))
            if view is None or (view.cancelled and not include_cancelled):
                continue
            if view.share_ended is not None and not include_ended:
                continue
            found.append(replace(view, delivered=False) if stored.doc_id in refused else view)
        return sorted(found, key=lambda a: (a.created_at, a.id), reverse=True)

    async def ended(self, journal: str | None = None) -> builtins.list[Assignment]:
        """The assignments that stopped asking anything because the share they were made in
        ended (`Assignment.share_ended`, from the journal owner's signed access chain, never
        from a server's answer; cancelled ones left out), newest first: what `due` no longer
        counts. Without `journal`, those of the journals this account owns (made in them by
        members whose share ended: a client's view); with it, that journal's (a
        therapist names a client's journal, also one whose share with them ended). Works
        offline. Raises NotFound for an unknown journal."""
        if journal is None:
            me = self._replica.profile.account_id
            owned = {
                j.journal_id.hex()
                for j in await self._store.journals()
                if j.role == "owner" and j.owner_id == me
            }
            found = await self.list(include_ended=True)
            return [a for a in found if a.share_ended is not None and a.journal_id in owned]
        found = await self.list(journal, include_ended=True)
        return [a for a in found if a.share_ended is not None]

    async def due(
        self,
        journal: str | None = None,
        *,
        include_upcoming: bool = False,
        include_done: bool = False,
        include_ended: bool = False,
        now: datetime | None = None,
    ) -> builtins.list[Due]:
        """What is due or overdue (and, with `include_upcoming`, what comes next; with
        `include_done`, one-off assignments done, status "done" with `last_done`):
        overdue first, then due, upcoming, done, then by due time. Without `journal`, the journals this account owns
        (a client's own list); a therapist passes a client's journal. An assignment whose
        author's share of the journal ended (or whose field-level share was replaced) no
        longer counts, on either side; with `include_ended` it is there too, with what
        this device holds of its completions (`last_done`, "done" for a one-off;
        `Assignment.share_ended` says it ended; on a member's device `seen_by_assigner` is
        False for it: what completed it may not have reached this device before the end).
        Homework naming an assignment counts for it whatever its date (schedule.py). `now`
        is an aware datetime (naive: local time; default: now); `due_at` is UTC. Works
        offline. Raises NotFound for an unknown journal."""
        moment = int((now or datetime.now().astimezone()).timestamp() * 1000)
        if journal is None:
            me = self._replica.profile.account_id
            journals = [
                j for j in await self._store.journals() if j.role == "owner" and j.owner_id == me
            ]
        else:
            journals = [await self._local_journal(journal)]
        found: builtins.list[Due] = []
        for local in journals:
            found.extend(await self._due_in(local, moment, include_done, include_ended))
        if not include_upcoming:
            found = [d for d in found if d.status != UPCOMING]
        return sorted(found, key=lambda d: (_STATUS_ORDER[d.status], d.due_at))

    async def _due_in(
        self,
        local: LocalJournal,
        moment: int,
        include_done: bool = False,
        include_ended: bool = False,
    ) -> builtins.list[Due]:
        await self._replica.fresh_access()  # copies and members: from the chains as stored
        documents = await self._store.documents(local.journal_id, (MEASURE, HOMEWORK, ASSIGNMENT))
        sharing = Sharing(self._replica)
        source = mirror_source(sharing, local)
        carried: frozenset[str] | None = None  # the fields the share carries (None: all)
        if source is not None:
            settings = sharing.disclosures().get(local.journal_id)
            carried = frozenset(settings.fields or ()) if settings is not None else None
            # assigned in a field-level share this account keeps: results and homework in the
            # journal it mirrors complete it too, whether or not the share discloses them
            documents = [
                *documents,
                *await self._store.documents(source, (MEASURE, HOMEWORK)),
            ]
        name, hex_id = self._display(local), local.journal_id.hex()
        members = {  # by the verified chain (loaded above), never a saved list
            s.member_id
            for s in self._replica.verified_shares(moment, local.journal_id)
            if not s.ended(moment)
        }
        copy_for_me = self._replica.is_copy_shared_with_me(local)
        # the fields its owner-signed name says it carries (NU64 F15): () for a whole journal
        # or the journal of single items, where anything may arrive
        carried_by_name = (
            set(copied_fields(local.name, self._replica.profile.username)) if copy_for_me else set()
        )
        me = self._replica.profile.account_id
        taken: dict[str, builtins.list[int]] = {}
        concerns: dict[str, builtins.list[int]] = {}  # results with a safety item above 0
        done: dict[str, builtins.list[int]] = {}
        linked: dict[tuple[str, str], builtins.list[int]] = {}  # by the assignment named, template
        arrived: set[str] = set()  # the task types a result or homework held here completes
        assignments = []
        for stored in documents:
            if stored.kind not in (MEASURE, HOMEWORK, ASSIGNMENT):
                continue
            document = stored_document(stored)
            if stored.kind == MEASURE:
                result = result_view(document, name, hex_id)
                if result is not None:
                    taken.setdefault(result.measure, []).append(_ms(result.taken_at))
                    if result.safety_concern:
                        concerns.setdefault(result.measure, []).append(_ms(result.taken_at))
                    arrived.add(MEASURE_TASK)
            elif stored.kind == HOMEWORK:
                entry = homework_view(document, name, hex_id)
                if entry is not None:
                    arrived.add(HOMEWORK_TASK)
                if entry is not None and entry.completion != "not done":
                    done.setdefault(entry.template, []).append(_ms(entry.created_at))
                    if entry.assignment_id is not None:  # counts for it whatever its date
                        named = (entry.assignment_id, entry.template)
                        linked.setdefault(named, []).append(_ms(entry.created_at))
            elif stored.kind == ASSIGNMENT:
                creator = (await self._store.creators([document.doc_id])).get(document.doc_id)
                ended = local.role == "owner" and creator not in (local.owner_id, *members)
                if ended and not include_ended:
                    continue  # its author's share ended: it no longer asks anything
                view = await self._view(local, document)
                if view is not None and (include_ended or view.share_ended is None):
                    assignments.append(view)  # a member's ended ones: only with include_ended
        found = []
        for assignment in assignments:
            completions = (taken if assignment.type == MEASURE_TASK else done).get(
                assignment.target, []
            )
            linked_ms: builtins.list[int] = (
                linked.get((assignment.id, assignment.target), [])
                if assignment.type == HOMEWORK_TASK
                else []
            )
            end = assignment.share_ended.at if assignment.share_ended is not None else None
            if end is not None:  # ended: what was done after the end never counts for it
                completions = [c for c in completions if c <= _ms(end)]
                linked_ms = [c for c in linked_ms if c <= _ms(end)]
            concern_ms = (
                concerns.get(assignment.target, []) if assignment.type == MEASURE_TASK else []
            )
            status = due_status(
                assignment,
                completions,
                moment,
                include_done,
                linked_ms=linked_ms,
                concern_ms=concern_ms,
            )
            if status is not None:
                wanted = {SCORES, ANSWERS} if assignment.type == MEASURE_TASK else {HOMEWORK_FIELD}
                seen = carried is None or bool(carried & wanted)
                if copy_for_me:  # the therapist's copy: the fields it carries are sealed to
                    # the client, so what completes it may not reach this device (REV-CARE4 F1)
                    # unless a result (or homework) in it shows it does: a copy of some fields
                    # holds one only when it carries scores or answers (homework), and in the
                    # journal of items shared one by one only what is there completes it, on
                    # the client's device too
                    seen = assignment.type in arrived
                if assignment.share_ended is not None and local.owner_id != me:
                    seen = False  # ended: what completed it may not have reached this device
                carries = not carried_by_name or bool(carried_by_name & wanted)
                found.append(
                    replace(status, seen_by_assigner=seen and carries, copy_carries=carries)
                )
        return found

    async def _view(self, local: LocalJournal, document: Document) -> Assignment | None:
        creator = (await self._store.creators([document.doc_id])).get(document.doc_id)
        by = await self._name(local, creator) if creator is not None else self._owner(local)
        view = assignment_view(document, self._display(local), local.journal_id.hex(), by)
        if view is None:
            return None
        left = local.role == REVOKED and forgotten.tag(local.journal_id) in forgotten.decode(
            await self._store.setting(forgotten.LEFT)
        )
        made = _ms(view.created_at)
        epoch = (
            await self._store.made_epoch(document.doc_id)
            if self._reads_epoch(local, creator)
            else None
        )
        ended = self._share_ended(local, creator, left, made, epoch)
        if ended is not None and ended.owner and self._replica.is_copy_shared_with_me(local):
            newer = self._replica.replacement(local, await self._store.journals())
            if newer is not None:  # the owner's newer copy (or whole share), by its signed chain
                ended = replace(ended, replaced_by=self._display(newer))
        return replace(view, share_ended=ended)

    def _reads_epoch(self, local: LocalJournal, creator: bytes | None) -> bool:
        """Whether `_share_ended` of an assignment `creator` made in `local` turns on the
        key epoch of the record that made it (`Store.made_epoch`): only when the account
        whose membership it looks at held more than one in the journal's verified chain
        (schedule.share_end tells an earlier one from the latest by it), never for an
        assignment of the owner's own on the owner's devices (no membership to look at)."""
        me = self._replica.profile.account_id
        if creator is None or (local.owner_id == me and creator == me):
            return False
        account = creator if local.owner_id == me else me
        state = self._replica.chains.state(local.journal_id)
        return state is not None and len(state.handles.get(account, [])) > 1

    def _share_ended(
        self,
        local: LocalJournal,
        creator: bytes | None,
        left: bool = False,
        made_at: int | None = None,
        made_epoch: int | None = None,
    ) -> ShareEnded | None:
        """Whether the share an assignment was made in ended, from the journal's verified
        access chain (schedule.share_end): on the owner's devices, the creator's membership;
        on a member's, this account's own (a journal no longer served to it whose chain
        shows no end: "left" when this account left it on this device, `left`, NU35 #6;
        else "no longer served", the server's word). `made_epoch`: the key epoch of the
        record that made the assignment (`Store.made_epoch`): one made in a membership that
        ended stays ended when the owner shares with its author again, or renews a share
        that lapsed (it came back as due on the client's devices, which the therapist could
        neither see nor cancel); `made_at` (its `created_at`, ms) only when no epoch is kept."""
        me = self._replica.profile.account_id
        state = self._replica.chains.state(local.journal_id)
        if local.owner_id == me:
            if creator in (None, me):
                return None
            return share_end(state, creator, now_ms(), made_at, made_epoch)
        ended = share_end(state, me, now_ms(), made_at, made_epoch)
        if ended is None and local.role == REVOKED:
            ended = ShareEnded(SHARE_LEFT if left else SHARE_UNLISTED, None)
        return replace(ended, owner=self._owner(local)) if ended is not None else None

    async def _documents(
        self, journal: str | None, kind: str, *, include_ended: bool = False
    ) -> builtins.list[tuple[LocalJournal, StoredDocument]]:
        me = self._replica.profile.account_id
        wanted = (await self._local_journal(journal)).journal_id if journal else None
        journals = {
            j.journal_id: j
            for j in await self._store.journals()
            # the copies kept of ended shares, for what ended with them; one's own journal
            # gone from the server when named (its last copy here), as `Measures.list` reads it
            if j.role != REVOKED or (include_ended and j.owner_id != me) or j.journal_id == wanted
        }
        return [
            (journals[s.journal_id], s)
            for s in await self._store.documents(wanted, (kind,))
            if s.kind == kind and s.journal_id in journals
        ]

    async def _stored(self, doc_id: bytes) -> StoredDocument:
        stored = await self._store.document(doc_id)
        assert stored is not None
        return stored

    def _owner(self, local: LocalJournal) -> str:
        return self._replica.owner_label(local)

    async def _name(self, local: LocalJournal, account_id: bytes) -> str:
        if account_id == self._replica.profile.account_id:
            return self._replica.profile.username
        if account_id == local.owner_id:
            return self._owner(local)
        return await self._replica.member_name(local, account_id)


@checks_inputs
class Homework:
    """`client.homework`: structured homework written from templates (templates.py)."""

    def __init__(
        self,
        replica: Replica,
        local_journal: LocalJournalOf,
        display: DisplayName,
        document_of_kind: DocumentOf,
        sharing: Sharing | None = None,
    ) -> None:
        self._replica = replica
        self._store = replica.store
        self._local_journal = local_journal
        self._display = display
        self._document_of_kind = document_of_kind
        self._sharing = sharing or Sharing(replica)

    @staticmethod
    def templates() -> builtins.list[Template]:
        """The shipped templates: thought record, behavioural activation, sleep diary (read
        from client_sdk/data/templates/, which cite their sources). Raises nothing."""
        return list(builtin_templates().values())

    async def add(
        self,
        template_name: str,
        values: Mapping[str, Any],
        *,
        completion: str = "fully",
        journal: str | None = None,
        assignment_id: str | None = None,
        created_at: datetime | None = None,
    ) -> HomeworkEntry:
        """Write homework from a template (values by field id; see `templates()`), saying
        whether it was done "fully", "partly" or "not done". With `assignment_id`, it goes to
        the assignment's journal. `created_at` dates it at an earlier moment (an aware
        datetime, or a naive one in this device's local time; default now), e.g. last night's
        sleep diary written in the morning. Works offline.

        Raises InvalidInput for an unknown template, values or a completion the template does
        not allow, a `created_at` in the future, a malformed or ambiguous `assignment_id` or
        one for another template;
        NotFound for an unknown journal or assignment; AccessError for a journal this account
        does not own; RollbackError (an IntegrityError) while the journal's access chain on this device is rolled back or unverified.

            await client.homework.add("sleep-diary", {"bed_time": "23:10", ...})
        """
        chosen = template(template_name)
        linked = None
        if assignment_id is not None:
            assigned_in, assigned = await self._document_of_kind(assignment_id, ASSIGNMENT)
            if assigned.field("target") != chosen.id:
                raise InvalidInput(
                    f"assignment {assignment_id} is not a {chosen.title}", subject=BAD_VALUE
                )
            linked = assigned.doc_id.hex()
            await self._replica.load_access()
            # assigned in a field-level share: written in its source journal, from where the
            # share copies it if it discloses homework
            source = self._mirror_source(assigned_in)
            journal = journal or (source or assigned_in.journal_id).hex()
        local = await self._local_journal(journal)
        if local.role != "owner":
            raise AccessError("homework is written in your own journals")
        document = Document(keys.new_doc_id(self._replica.profile.account_id), HOMEWORK)
        moment = None
        if created_at is not None:
            aware = created_at if created_at.tzinfo is not None else created_at.astimezone()
            moment = int(aware.timestamp() * 1000)
        now = now_ms()
        update = new_homework_update(
            document,
            chosen,
            values,
            completion,
            now,
            assignment_id=linked,
            created_at_ms=moment,
        )
        given = created_values(homework_settling_values(document))  # in its history

        async def remember(tx: Transaction) -> None:  # in the creation's own transaction
            await tx.remember_creation(document.doc_id, given, now)

        await self._save(local, document, update, also=remember)
        found = homework_view(document, self._display(local), local.journal_id.hex())
        assert found is not None
        return found

    async def edit(
        self,
        homework_id: str,
        *,
        values: Mapping[str, Any] | None = None,
        completion: str | None = None,
    ) -> HomeworkEntry:
        """Change some values of your homework (by field id; "" or None clears an optional
        one; the others stay) and/or its completion ("fully", "partly", "not done"). Copies
        in field-level shares follow. Works offline.

        Raises InvalidInput for values the template does not allow, nothing to change, a
        malformed or ambiguous id, or the copy kept for a therapist (change the original);
        AccessError for homework you do not own; NotFound for unknown or deleted homework;
        RollbackError (an IntegrityError) while the journal's access chain on this device is rolled back or unverified."""
        local, document = await self._owned(homework_id)
        chosen = template(str(document.field("template", "")))
        if not values and completion is None:
            raise InvalidInput("give values to change or a completion", subject=BAD_VALUE)
        before = homework_settling_values(document)
        update = edit_homework_update(document, chosen, values or {}, completion, now_ms())
        # the values this edit set, read before the save merges what is stored meanwhile (a
        # sync's): another device's values are never kept as this device's
        changed = changed_values(before, homework_settling_values(document))

        async def remember(tx: Transaction) -> None:  # in the edit's own transaction
            # the values it changed, as an entry's edit keeps them (settling.py): a sync in
            # which another device's change replaces one says so, and `history` keeps it
            await tx.remember_edit(document.doc_id, changed, None, now_ms())

        await self._save(local, document, update, also=remember)
        found = homework_view(document, self._display(local), local.journal_id.hex())
        assert found is not None
        return found

    async def delete(self, homework_id: str, *, check_only: bool = False) -> None:
        """Delete your homework for good, and its copies in field-level shares (a therapist
        keeps what their device already downloaded); the values this device wrote to it
        (`history`) are forgotten. Works offline. Raises AccessError for
        homework you do not own, NotFound for unknown or already deleted homework,
        InvalidInput for a malformed or ambiguous id or the copy kept for a therapist,
        RollbackError (an IntegrityError) while the journal's access chain on this device is rolled back or unverified.
        With `check_only=True` it raises the same errors and deletes nothing: an app asks its
        user to confirm only what would then be done."""
        try:
            local, document = await self._owned(homework_id)
        except NotFound:
            # deleted already: a copy a delete cut short (another device's, an older
            # version's) is deleted now, else NotFound (R40 F5)
            local, document = await self._document_of_kind(homework_id, HOMEWORK)
            lagging = await self._copies_not_deleted(local, document)
            if local.role != "owner" or not lagging:
                raise
            for journal, _ in lagging:
                await self._replica.check_commit(journal, HOMEWORK, copy=True)
            if not check_only:
                for journal, fields in lagging:
                    await self._sharing.copy_care(journal, document, fields)
            return
        # every journal the delete writes, the copies' too, before changing anything (R40 F5)
        await self._replica.check_commit(local, HOMEWORK)
        await self._sharing.check_mirror(local, document)
        if check_only:
            return
        doc_id = document.doc_id

        async def forget(tx: Transaction) -> None:  # its values leave the history too
            await tx.forget_field_writes([doc_id])

        await self._save(local, document, delete_homework_update(document, now_ms()), also=forget)

    async def _copies_not_deleted(
        self, local: LocalJournal, document: Document
    ) -> builtins.list[tuple[LocalJournal, tuple[str, ...]]]:
        """The field-level copies of deleted homework `document` not deleted yet, each
        journal with the fields it discloses."""
        account_key = self._replica.profile.secrets.account_key
        found = []
        for journal, fields in await self._sharing.mirror_targets(local, document):
            copy_id = keys.disclosure_doc_id(account_key, document.doc_id, journal.journal_id)
            stored = await self._replica.store.document(copy_id)
            if stored is not None and stored_document(stored).field("deleted") is not True:
                found.append((journal, fields))
        return found

    async def _owned(self, homework_id: str) -> tuple[LocalJournal, Document]:
        local, document = await self._document_of_kind(homework_id, HOMEWORK)
        if local.role != "owner":
            raise AccessError("only the client who wrote homework can change or delete it")
        await self._replica.load_access()
        if self._mirror_source(local) is not None:
            raise InvalidInput(
                "this is the copy kept for your therapist: change the original",
                subject="refused",
            )
        if homework_view(document, self._display(local), local.journal_id.hex()) is None:
            raise NotFound(f"homework {homework_id} was deleted")
        return local, document

    def _mirror_source(self, local: LocalJournal) -> bytes | None:
        return mirror_source(self._sharing, local)

    async def _save(
        self,
        local: LocalJournal,
        document: Document,
        update: bytes,
        also: Callable[[Transaction], Awaitable[None]] | None = None,
    ) -> None:
        await self._replica.commit(local, document, update, also=also)
        await self._sharing.mirror(local, document)

    async def history(self, homework_id: str) -> builtins.list[FieldWrite]:
        """The values this device wrote to your homework (fields "values.ID", by the
        template's field id, and "completion"), oldest first: those given when it was added
        here (kept from this version on: older homework's history begins with its first
        edit), then each `edit`'s, also those another
        device's concurrent edit replaced (`SyncReport.settled` says when that happens,
        naming the value kept here). Other devices' values are not in it. Works offline.
        Raises NotFound for unknown or deleted homework, InvalidInput for a malformed or
        ambiguous id or the copy kept for a therapist, AccessError for homework you do not
        own."""
        _, document = await self._owned(homework_id)
        return await self._replica.store.history(document.doc_id, HOMEWORK)

    async def list(
        self,
        journal: str | None = None,
        *,
        template_name: str | None = None,
        since: date | datetime | None = None,
        until: date | datetime | None = None,
        limit: int | None = None,
    ) -> builtins.list[HomeworkEntry]:
        """Homework of one journal (name or id) or all, newest first (by `created_at`, UTC;
        a therapist sees what shared journals hold, and what the copies kept of ended shares
        hold; one of your own journals gone from the server is read when named), optionally of one template, written within `since`/`until` (inclusive: a date
        is a whole day in this device's local time, a naive datetime this device's local
        time), the newest `limit`. Works offline. Raises NotFound for an unknown journal,
        InvalidInput for an unknown template, `since` after `until` or a `limit` below 1.

            await client.homework.list(template_name="sleep-diary", limit=20)
        """
        wanted_template = template(template_name).id if template_name else None
        since, until = local_bound(since), local_bound(until)
        check_bounds(since, until, limit)
        await self._replica.load_access()  # which journals are copies: from their chains
        me = self._replica.profile.account_id
        wanted = (await self._local_journal(journal)).journal_id if journal else None
        journals = {
            j.journal_id: j
            for j in await self._store.journals()
            # kept copies of ended shares too; one's own journal gone from the server when
            # named (its last copy here), as `Measures.list` reads it
            if j.role != REVOKED or j.owner_id != me or j.journal_id == wanted
        }
        found = []
        for stored in await self._store.documents(wanted, (HOMEWORK,)):
            local = journals.get(stored.journal_id)
            if stored.kind != HOMEWORK or local is None:
                continue
            if wanted is None and local.role == "owner" and self._replica.is_disclosure(local):
                continue  # the copy kept for a therapist: the original is listed
            view = homework_view(
                stored_document(stored), self._display(local), local.journal_id.hex()
            )
            if view is not None and wanted_template in (None, view.template):
                found.append(view)
        found.sort(key=lambda h: (h.created_at, h.id), reverse=True)
        return select_dated(found, lambda h: h.created_at, since=since, until=until, limit=limit)

    async def get(self, homework_id: str) -> HomeworkEntry:
        """One homework entry by id (or a unique prefix of 4+ hex digits). Works offline.
        Raises NotFound for an unknown, deleted or unreadable one (as `edit` and `delete`
        do), InvalidInput for a malformed or ambiguous id."""
        local, document = await self._document_of_kind(homework_id, HOMEWORK)
        view = homework_view(document, self._display(local), local.journal_id.hex())
        if view is None:
            raise NotFound(f"homework {homework_id} was deleted or cannot be read")
        return view


def mirror_source(sharing: Sharing, local: LocalJournal) -> bytes | None:
    """The journal a field-level share mirrors, when `local` is one this account keeps."""
    if local.role != "owner" or not sharing.replica.is_disclosure(local):
        return None
    settings = sharing.disclosures().get(local.journal_id)
    return settings.mirror_of if settings is not None and settings.kind == "mirror" else None


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)
