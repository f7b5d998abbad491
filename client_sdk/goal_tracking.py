"""`client.goals`: goals a client sets (often with their therapist) and the check-ins that
track them (rules in goals.py, pure).

    goal = await client.goals.add("Walk three times a week", measure="12 sessions")
    goal = await client.goals.checkin(goal.id, progress=1, note="Around the park")
    await client.goals.edit_checkin(goal.id, goal.checkins[-1].id, note="Around the big park")
    await client.goals.undo_checkin(goal.id)          # the latest check-in, gone everywhere
"""

from __future__ import annotations

import builtins
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any

from client_sdk import crypto, keys
from client_sdk.context import Context
from client_sdk.documents import Document
from client_sdk.errors import BAD_VALUE, InvalidInput, NotFound
from client_sdk.goals import (
    GOAL,
    SESSIONS,
    CheckIn,
    Goal,
    Measure,
    check_checkin_edit,
    check_note,
    check_progress,
    checkin_update,
    complete_goal_update,
    delete_goal_update,
    edit_checkin_update,
    edit_goal_update,
    find_checkin,
    goal_deleted,
    goal_measure,
    goal_view,
    new_goal_update,
    remove_checkin_update,
    settling_values,
)
from client_sdk.inputs import checks_inputs
from client_sdk.models import now_ms
from client_sdk.replica import REVOKED, stored_document
from client_sdk.settling import (
    CHECKIN_FIELD,
    CHECKIN_MADE,
    FieldWrite,
    changed_values,
    checkin_part,
    created_values,
    encode,
)
from client_sdk.store import LocalJournal, Transaction

FUTURE_SLACK_MS = 60_000
"""A check-in dated up to a minute ahead is taken as now-ish (another device's clock)."""


@checks_inputs
class Goals:
    """Goals of every journal on this device (shared ones included)."""

    def __init__(self, context: Context) -> None:
        self._context = context

    async def add(
        self,
        title: str,
        *,
        journal: str | None = None,
        why: str = "",
        target: date | None = None,
        measure: str | None = None,
    ) -> Goal:
        """Set a goal (works offline, syncs like an entry). `target` is the day to reach it
        by; `measure` is "N sessions" (N from 1 to 1,000) or "percent"; a goal in a journal
        shared with your therapist is one you work on together. Raises InvalidInput for an
        empty or too long title or a bad measure, NotFound for an unknown journal."""
        local = await self._context.local_journal(journal, refuse_brief=True)
        parsed = Measure.parse(measure) if measure is not None else None
        document = Document(keys.new_doc_id(self._context.profile.account_id), GOAL)
        now = now_ms()
        update = new_goal_update(document, title, now, why=why, target=target, measure=parsed)
        given = created_values(settling_values(document))  # in its history
        also = _created(document.doc_id, given, now)
        await self._context.save(local, document, update, also=also)
        return self._goal(local, document)

    async def checkin(
        self,
        goal_id: str,
        *,
        progress: int | None = None,
        note: str = "",
        at: datetime | None = None,
        check_only: bool = False,
    ) -> Goal:
        """Record progress on a goal and return the goal (not the check-in: it is among
        `Goal.checkins`, and `get_checkin(goal_id)` reads the latest by `at`): `progress` is sessions done (for "N sessions";
        default 1) or the percent reached, 0 to 100 (for "percent"; see goals.py). `at` dates
        the check-in at a past moment (an aware datetime, or a naive one in this device's
        local time; default now). A check-in dated now reads after the goal's latest one when
        that one is dated at most a second ahead (made in the same millisecond, or before the
        clock stepped back a little): it is dated 1 ms after it (goals.checkin_update).
        Check-ins made on two devices at once, even offline, are all kept. One check-in's
        `progress` is a whole number from 0 to 1,000 (MAX_SESSIONS) on a sessions goal, 0
        to 100 on a percent goal. The sessions recorded may pass the goal's N and are kept (15 of 12: `Goal.progress` says so, `fraction` stops at 1,
        `reached` is True); `done` is set only by `complete()`, never by reaching N
        (goals.py). Raises NotFound for an unknown or deleted goal, InvalidInput
        (nothing changed) for a `progress` out of its range, a note over 2,000 characters
        or an `at` in the future, AccessError for a goal in a journal this account may only
        read. With `check_only=True` it raises the same errors and changes nothing (returns
        the goal as it is): an app asks its user to confirm a check-in of more sessions than
        the goal's whole target before making it."""
        now = now_ms()
        moment: int | None = None  # dated now: after the goal's latest (goals.checkin_update)
        if at is not None:
            moment = int((at if at.tzinfo is not None else at.astimezone()).timestamp() * 1000)
            if moment > now + FUTURE_SLACK_MS:
                raise InvalidInput("a check-in cannot be dated in the future", subject=BAD_VALUE)
        local, document = await self._live(goal_id)
        if check_only:
            if progress is not None:
                check_progress(progress, goal_measure(document))
            check_note(note)
            await self._context.replica.check_commit(local, document.kind)
            return self._goal(local, document)
        checkin_id = crypto.random_bytes(8).hex()
        before = settling_values(document)
        update = checkin_update(
            document, checkin_id, now, progress=progress, note=note, at_ms=moment
        )
        given = created_values(  # the new check-in's progress and note, in the goal's history
            {k: v for k, v in settling_values(document).items() if k not in before}
        )
        if progress is None:  # the progress it records (1 session by default), as told
            measure = goal_measure(document)
            progress = 1 if measure is not None and measure.kind == SESSIONS else None
        made = _made(
            document.doc_id,
            checkin_id,
            given,
            now,
            {
                "title": str(document.field("title", "") or ""),
                "at": now if moment is None else moment,
                "progress": progress,
                "note": note,
            },
        )
        await self._context.save(local, document, update, also=made)
        return self._goal(local, document)

    async def get_checkin(self, goal_id: str, checkin_id: str | None = None) -> CheckIn:
        """One check-in of a goal: by id (or a unique prefix of 4+ hex digits), or the latest
        (by `at`, then id) when `checkin_id` is None. Works offline. Raises NotFound for an
        unknown or deleted goal or check-in (or a goal without check-ins), InvalidInput for a
        malformed or ambiguous id."""
        _, document = await self._live(goal_id)
        return find_checkin(document, checkin_id)

    async def edit_checkin(
        self,
        goal_id: str,
        checkin_id: str,
        *,
        progress: int | None = None,
        note: str | None = None,
        clear_progress: bool = False,
        check_only: bool = False,
    ) -> Goal:
        """Change a check-in's `progress` (`clear_progress`: none) and/or `note`; the rest
        stays, its time too (`CheckIn.edited_at` says when it was edited). Works offline and
        syncs like the goal: two devices editing different parts of one check-in both keep
        theirs; the same part, the last writer's (goals.py). Raises NotFound for an unknown
        or deleted goal or check-in, InvalidInput for nothing to change, progress out of the
        goal's range (goals.check_progress) or a note over 2,000 characters, AccessError for
        a goal in a journal this account may only read. With `check_only=True` it raises the
        same errors and changes nothing (returns the goal as it is), as `checkin`'s."""
        local, document = await self._live(goal_id)
        found = find_checkin(document, checkin_id)
        if check_only:
            check_checkin_edit(document, progress, note, clear_progress)
            await self._context.replica.check_commit(local, document.kind)
            return self._goal(local, document)
        before = settling_values(document)
        update = edit_checkin_update(
            document,
            found.id,
            now_ms(),
            progress=progress,
            note=note,
            clear_progress=clear_progress,
        )
        remember = _remember(document.doc_id, changed_values(before, settling_values(document)))
        await self._context.save(local, document, update, also=remember)
        return self._goal(local, document)

    async def undo_checkin(
        self, goal_id: str, checkin_id: str | None = None, *, check_only: bool = False
    ) -> Goal:
        """Delete a check-in for good, on every device at the next sync: the one named (id or
        unique prefix) or, when None, the latest. Its progress no longer counts and its note
        leaves the document (and `history`, on every device at its next sync); an undo racing an edit of the same check-in on another device
        wins. Returns the goal without it. Works offline. Raises NotFound for an unknown or
        deleted goal or check-in (or a goal without check-ins), InvalidInput for a
        malformed or ambiguous id, AccessError for a goal in a journal this account may only
        read. With `check_only=True` it raises the same errors and
        changes nothing (returns what it would have): an app asks its user to confirm only
        what would then be done."""
        local, document = await self._live(goal_id)
        found = find_checkin(document, checkin_id)
        if check_only:
            await self._context.replica.check_commit(local, document.kind)
            return self._goal(local, document)
        prefix = CHECKIN_FIELD.format(id=found.id, part="")  # its fields in settling_values

        async def forget(tx: Transaction) -> None:  # its values leave the history too
            await tx.forget_field_writes_under(document.doc_id, prefix)

        await self._context.save(
            local, document, remove_checkin_update(document, found.id, now_ms()), also=forget
        )
        return self._goal(local, document)

    async def complete(self, goal_id: str) -> Goal:
        """Mark a goal as done (doing it twice changes nothing). Raises NotFound for an
        unknown or deleted goal, AccessError for a goal in a journal this account may only
        read."""
        local, document = await self._live(goal_id)
        if not self._goal(local, document).done:
            await self._context.save(local, document, complete_goal_update(document, now_ms()))
        return self._goal(local, document)

    async def edit(
        self,
        goal_id: str,
        *,
        title: str | None = None,
        why: str | None = None,
        target: date | None = None,
        measure: str | None = None,
        clear_target: bool = False,
        clear_measure: bool = False,
    ) -> Goal:
        """Change the given parts of a goal (None leaves a part as it is; `clear_target` and
        `clear_measure` remove them). Check-ins stay; progress is counted again under a new
        measure (goals.py). Works offline. Raises NotFound for an unknown or deleted goal,
        InvalidInput for an empty or too long title, a why over 2,000 characters, a bad
        measure, or a part both given and cleared; AccessError for a goal in a journal this
        account may only read."""
        if (clear_target and target is not None) or (clear_measure and measure is not None):
            raise InvalidInput(
                "give a new target or measure, or clear it, not both", subject=BAD_VALUE
            )
        local, document = await self._live(goal_id)
        parsed = Measure.parse(measure) if measure is not None else None
        why_before = document.text("why")
        before = settling_values(document)
        update = edit_goal_update(
            document,
            now_ms(),
            title=title,
            why=why,
            target=target,
            measure=parsed,
            clear_target=clear_target,
            clear_measure=clear_measure,
        )
        # this edit's own values, read before the save merges what is stored meanwhile (a
        # sync's): another device's values are never kept as this device's
        # and the why this edit wrote (not the merged one), so that a sync merging another
        # device's says so
        why_written = document.text("why")
        remember = _remember(
            document.doc_id,
            changed_values(before, settling_values(document)),
            why_written if why_written != why_before else None,
        )
        await self._context.save(local, document, update, also=remember)
        return self._goal(local, document)

    async def delete(self, goal_id: str, *, check_only: bool = False) -> Goal:
        """Delete a goal and its check-ins for good, on every device at the next sync (a
        goal has no trash); the values this device wrote to it (`history`) are forgotten. Returns the goal as it was. Works offline. Raises NotFound for an
        unknown or already deleted goal, AccessError for a goal in a journal this account may
        only read. With `check_only=True` it raises the same errors and
        changes nothing (returns what it would have): an app asks its user to confirm only
        what would then be done. Raises InvalidInput (subject "set aside words") for a goal
        with a change the server refused for good (`Client.set_aside()` lists it with its
        words, which are on no other device): deleting it would erase them; drop that change
        first (`Client.drop_set_aside`)."""
        local, document = await self._live(goal_id)
        before = self._goal(local, document)
        await self._context.keep_set_aside_words(
            document.doc_id, f"goal {before.title!r}", "goal", ("delete", "deleting", "deleted")
        )
        if check_only:
            await self._context.replica.check_commit(local, document.kind)
            return before
        await self._context.save(
            local, document, delete_goal_update(document, now_ms()), also=_forget(document.doc_id)
        )
        return before

    async def history(self, goal_id: str) -> builtins.list[FieldWrite]:
        """The values this device wrote to a goal's title, target ("YYYY-MM-DD"), measure
        and its check-ins' progress and note (fields "checkin.ID.progress",
        "checkin.ID.note"), oldest first: those given when the goal or a check-in was made
        here (kept from this version on: an older goal's history begins with its first edit),
        then each edit's, also those another device's concurrent change
        replaced (`SyncReport.settled` says when that happens, naming the value kept here).
        Other devices' values are not in it, nor the goal's why (a text: merged, told by
        `SyncReport.merged_texts`). Works offline. Raises NotFound for an unknown or
        deleted goal, InvalidInput for a malformed or ambiguous id."""
        _, document = await self._live(goal_id)
        return await self._context.store.history(document.doc_id, GOAL)

    async def made_here(self, goal_id: str) -> builtins.set[str]:
        """The ids of the goal's check-ins made on this device (by any app or command
        using this profile, `checkin`), as this device marks each when it is made, in its
        own store: a check-in's record names no device, so this is how a device tells its
        own check-ins from another device's. Check-ins made before this version, and those
        undone, are not in it. Works offline. Raises NotFound for an unknown or deleted
        goal, InvalidInput for a malformed or ambiguous id."""
        _, document = await self._live(goal_id)
        found: builtins.set[str] = set()
        for name, _, _ in await self._context.store.field_writes(document.doc_id):
            part = checkin_part(name)
            if part is not None and part[1] == CHECKIN_MADE:
                found.add(part[0])
        return found

    async def get(self, goal_id: str) -> Goal:
        """One goal by id (or a unique prefix of 4+ hex digits). Raises NotFound for an
        unknown or deleted goal, or InvalidInput for a malformed or ambiguous id."""
        return self._goal(*await self._live(goal_id))

    async def _live(self, goal_id: str) -> tuple[LocalJournal, Document]:
        local, document = await self._context.document_of_kind(goal_id, GOAL)
        if goal_deleted(document):
            raise NotFound(f"goal {goal_id} was deleted")
        return local, document

    async def list(self, journal: str | None = None) -> builtins.list[Goal]:
        """Goals of one journal or of all (shared ones included): this account's own first,
        then by the journal owner's name (a therapist's clients, ignoring case),
        then open goals first, then by journal name (ignoring case), then newest first (by
        `created_at`, UTC); the read-only copy kept of a share that ended is read when
        named. Raises NotFound for an unknown journal."""
        context = self._context
        journal_id = (await context.local_journal(journal)).journal_id if journal else None
        journals = {
            j.journal_id: j
            for j in await context.store.journals()
            if j.role != REVOKED or j.journal_id == journal_id
        }
        found = [
            self._goal(journals[stored.journal_id], stored_document(stored))
            for stored in await context.store.documents(journal_id, (GOAL,))
            if stored.kind == GOAL and stored.journal_id in journals
        ]
        found = [goal for goal in found if not goal.deleted]
        found.sort(key=lambda g: (g.created_at, g.id), reverse=True)
        me = context.profile.account_id
        owners = {  # this account's own journals alike, whatever name they store
            j.journal_id.hex(): (True, j.owner_name.casefold(), j.owner_name)
            if j.owner_id != me
            else (False, "", "")
            for j in journals.values()
        }
        return sorted(
            found, key=lambda g: (*owners[g.journal_id], g.done, g.journal.casefold(), g.journal)
        )

    def _goal(self, journal: LocalJournal, document: Document) -> Goal:
        return goal_view(document, self._context.display(journal), journal.journal_id.hex())


def _forget(doc_id: bytes) -> Callable[[Transaction], Awaitable[None]]:
    """What a goal's deletion does in its own transaction: forget every value this device
    wrote to it (its history), as a deleted entry keeps none."""

    async def forget(tx: Transaction) -> None:
        await tx.forget_field_writes([doc_id])

    return forget


def _created(
    doc_id: bytes, given: dict[str, str], at: int
) -> Callable[[Transaction], Awaitable[None]]:
    """What a goal's or a check-in's creation keeps in its own transaction: the values it
    gave (`given`: settling.created_values), for `Goals.history`; `at`: when (ms)."""

    async def remember(tx: Transaction) -> None:
        await tx.remember_creation(doc_id, given, at)

    return remember


def _made(
    doc_id: bytes, checkin_id: str, given: dict[str, str], at: int, told: dict[str, Any]
) -> Callable[[Transaction], Awaitable[None]]:
    """What a check-in's creation keeps in its own transaction: its values for the history
    (`_created`), and its mark (settling.CHECKIN_MADE: `told`, its goal's title, its time in
    ms, progress and note), so that a sync that finds the goal deleted by another device
    tells the check-in that went with it (`OvertakenEdit.checkins`)."""

    async def remember(tx: Transaction) -> None:
        await tx.remember_creation(doc_id, given, at)
        name = CHECKIN_FIELD.format(id=checkin_id, part=CHECKIN_MADE)
        await tx.add_field_writes(doc_id, {name: encode(told)}, at)

    return remember


def _remember(
    doc_id: bytes, changed: dict[str, str], why_written: str | None = None
) -> Callable[[Transaction], Awaitable[None]]:
    """What a goal's edit keeps in its own transaction (`Transaction.remember_edit`): the
    settling fields it changed (`changed`: `settling_values` before the edit and right after
    its own update, before the save merges what is stored), as an entry's edit does
    (settling.py), so that a sync in which another device's change replaces one says so and
    the value stays in `Goals.history`; and the why the edit wrote (`why_written`, read
    before the save merges; None when it left the why as it was)."""

    async def remember(tx: Transaction) -> None:
        await tx.remember_edit(doc_id, changed, why_written, now_ms())

    return remember
