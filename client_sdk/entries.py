"""`client.entries`: write, edit, trash and find journal entries.

    entry = await client.entries.write("Personal", "Slept better today.", mood=7, tags=["sleep"])
    recent = await client.entries.list("Personal", since=date(2026, 10, 1), limit=20)

Every change works offline: it is sealed into a record, stored with the document it changes,
and pushed at the next `client.sync()`. The rules of entry documents live in documents.py,
of queries in queries.py and of search in search.py (pure).
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import dataclasses
import json
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import replace
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any, Literal

from client_sdk import keys, queries
from client_sdk.context import READ_BETWEEN_YIELDS, Context
from client_sdk.documents import (
    EMPTY_ENTRY,
    ENTRY,
    HOMEWORK,
    MAX_TITLE,
    MOOD_AND_CLEAR,
    RESTORED_FROM,
    TRASHED_BY_HAND,
    TRASHED_WITH,
    Document,
    EntryFields,
    EntryView,
    appended,
    check_has_content,
    dated_after,
    delete_entry_update,
    edit_entry_update,
    entry_view,
    has_content,
    new_entry,
    normalize_emotions,
    normalize_tags,
    normalize_title,
    restore_entry_update,
    trash_entry_update,
    trash_expired,
)
from client_sdk.errors import (
    BAD_VALUE,
    ENTRY_EMPTY,
    AccessError,
    InvalidInput,
    NotFound,
    RollbackError,
    TJError,
)
from client_sdk.goals import CheckIn, goal_checkins
from client_sdk.inputs import checks_inputs
from client_sdk.models import (
    Entry,
    ListedEntries,
    local_offset_minutes,
    now_ms,
    quoted_name,
    to_datetime,
)
from client_sdk.queries import names as filter_names
from client_sdk.queries import select_entries
from client_sdk.reflection import Prompts
from client_sdk.replica import restore_anew_setting, stored_document
from client_sdk.settling import (
    BODY_BEFORE,
    CHECKIN_FIELD,
    CHECKIN_MADE,
    EDITED,
    MERGED,
    MERGED_TEXTS,
    TAG_OPS,
    TAGS_ARRIVED,
    WRITTEN_BODY,
    FieldWrite,
    MergedText,
    OvertakenEdit,
    Settled,
    TagJudgment,
    added_text,
    changed_values,
    checkin_part,
    encode,
    field_values,
    given_values,
    is_mark,
    judge_tag_ops,
    merged_text,
    settled_fields,
    tag_ops_after,
    tags_added,
)
from client_sdk.store import JournalsChanged, LocalJournal, StoredDocument, Transaction
from client_sdk.sync import DELETED, Arrival, Removal
from client_sdk.yjs_updates import Id, KeyWrites, Unreadable, key_writes
from client_sdk.yjs_updates import decode as yjs_decode

if TYPE_CHECKING:
    from client_sdk.search import SearchHit, SearchResults


COPIES_OWED = "copies_owed"
"""The store setting holding the entries (ids, hex, JSON list) whose trash or delete a copy
of theirs refused to follow (`Entries._follow_removals`): tried again at the next syncs."""


def copy_trash_update(copy: Document, trashed_at: int) -> bytes:
    """A copy shared one by one to the trash with its entry, at the entry's moment."""
    return copy.change(
        fields={"trashed_at": trashed_at, "updated_at": trashed_at, TRASHED_WITH: True}
    )


def copy_hand_trash_update(copy: Document, moment: int) -> bytes:
    """A copy shared one by one to the trash by the client herself (`TRASHED_BY_HAND`)."""
    return copy.change(fields={"trashed_at": moment, "updated_at": moment, TRASHED_BY_HAND: True})


def copy_restore_update(copy: Document, undone: int, *, by_hand: bool = False) -> bytes:
    """A copy out of the trash, naming the trash it undid (`undone`, ms). Only a restore
    of the copy itself (`by_hand`) clears `trashed_by_hand`: the entry's restore never
    does (REV-DEL6 B: merged with the client's own hiding of the copy, it showed it)."""
    now = now_ms()
    fields: dict[str, Any] = {
        "trashed_at": None,
        "updated_at": now,
        TRASHED_WITH: False,
        RESTORED_FROM: undone,
    }
    if by_hand:
        fields[TRASHED_BY_HAND] = False
    return copy.change(fields=fields)


def decode_owed(value: Any) -> list[bytes]:
    """`COPIES_OWED` read back; a damaged value reads as none."""
    try:
        raw = json.loads(value) if isinstance(value, str) else []
        return [bytes.fromhex(x) for x in raw if isinstance(x, str)]
    except (ValueError, RecursionError, TypeError):
        return []


def encode_owed(owed: set[bytes]) -> str | None:
    return json.dumps(sorted(d.hex() for d in owed)) if owed else None


async def _check_copy(context: Context, journal: LocalJournal, document: Document) -> None:
    """`Replica.check_commit` of the journal holding a copy of `document` shared one by one,
    its refusal said as about that copy (REV-DEL3 E: it named a journal id alone)."""
    said = (
        f"the copy of this entry kept in {quoted_name(journal.name)} (shared one by one) cannot be "
    )
    try:
        await context.replica.check_commit(journal, document.kind)
    except RollbackError as refused:
        again = RollbackError(
            f"{said}changed now, so nothing was changed: {refused}; sync and try again"
        )
        again.subject = "sync"  # the app's way to sync (the CLI: `tj sync`, NU45 #4)
        raise again from None
    except AccessError as refused:
        raise AccessError(f"{said}changed, so nothing was changed: {refused}") from None


@checks_inputs
class Entries:
    """The entries of every journal on this device (shared ones included)."""

    def __init__(self, context: Context, prompts: Prompts) -> None:
        self._context = context
        self._prompts = prompts
        self._last_dated_ms: int | None = None
        """When the last entry this client wrote dated now was dated (ms): the next one dated
        now comes after it (`documents.dated_after`), in whichever journal (NU32 #9)."""

    async def write(
        self,
        journal: str | None,
        body: str,
        *,
        title: str | None = None,
        mood: int | None = None,
        tags: builtins.list[str] | tuple[str, ...] = (),
        emotions: builtins.list[str] | tuple[str, ...] = (),
        prompt_id: str | None = None,
        created_at: datetime | None = None,
    ) -> Entry:
        """Write a new entry locally; it is pushed at the next sync.

        `emotions` are names from `EMOTIONS`. `prompt_id` marks the entry as the answer to a
        reflection prompt (see `prompts`): the title defaults to the prompt's text, and the
        answer to a therapist's prompt goes to the prompt's journal unless `journal` is given.
        `created_at` dates the entry at a past moment (an aware datetime, or a naive one in
        this device's local time; default: now). The entry keeps the writer's UTC offset at
        that moment (`Entry.utc_offset`), so its day is the writer's day on every device.

        An entry holds something: text that is not only whitespace, a title, a mood, a tag
        or an emotion (any one is enough: `write(None, "", mood=4)` is a mood check-in).

        Text is stored as given, line endings included (`edit` likewise): text read from a
        Windows file or a paste (a byte order mark, CRLF) is made plain with `plain_text`
        where the app reads it, as `tj` does.

        Entries this client writes dated now list in the order written (`list`: by time, then
        id): one written in the same millisecond as the one before is dated 1 ms after it
        (`documents.dated_after`: while that one is at most a second ahead of this device's
        clock), not left to the order of random ids.

        Raises InvalidInput, before anything is changed, for an entry with none of these
        (`body` "" or whitespace and nothing else), a field out of its limits (documents.py),
        an argument of the wrong type (`body` is a str, `tags` and `emotions` lists of str
        (a str alone is refused, not split into letters), `created_at` a datetime), text
        that is not valid Unicode (a lone surrogate such as "\\ud83d", half of an emoji) or
        a `created_at` in the future, or (subject "copy journal") a journal this account
        keeps only to share with a member (a copy of some fields of another journal, the
        journal of entries shared one by one, a brief; also a therapist's prompt kept there, unless
        `journal` names where the answer goes); NotFound for an unknown journal or prompt.

            await client.entries.write(None, "Couldn't sleep.", mood=3, emotions=["anxious"],
                                       created_at=datetime(2026, 11, 30, 2, 15))
        """
        context = self._context
        check_has_content(  # the title a prompt gives is not the writer's content
            body=body, title=title, mood=mood, tags=tuple(tags), emotions=tuple(emotions)
        )
        if prompt_id is not None:
            prompt = await self._prompts.get(prompt_id)
            prompt_id, title = prompt.id, title if title is not None else prompt.text[:MAX_TITLE]
            journal = journal or prompt.journal
        local, journals, journals_as_of = await context.journal_to_write(journal)
        fields = EntryFields(  # validated by `new_entry`, before anything is changed
            title=normalize_title(title),
            mood=mood,
            tags=normalize_tags(tags),
            body=body,
            emotions=normalize_emotions(emotions),
            prompt_id=prompt_id,
        )
        moment = _moment(created_at)
        document = Document(keys.new_doc_id(self._context.profile.account_id), ENTRY)
        now = now_ms()
        if moment is None:  # dated now: after the last one this client wrote (NU32 #9)
            utc_offset: int | None = local_offset_minutes(now)
            now = dated_after(now, self._last_dated_ms)
        else:
            offset = moment.utcoffset()
            utc_offset = int(offset.total_seconds() // 60) if offset is not None else None
        update, view = new_entry(  # the view from the values written: no CRDT read-back
            document,
            fields,
            now,
            created_at_ms=int(moment.timestamp() * 1000) if moment is not None else None,
            utc_offset=utc_offset,
        )
        if created_at is None:  # kept once the entry was made: a refused one dates nothing
            self._last_dated_ms = now
        values = field_values(view)  # its history's first lines: the values given
        if created_at is None:  # dated now: no date given
            values["created_at"] = None
        given = given_values(values)
        try:
            await context.replica.commit(
                local, document, update, new=True, journals_as_of=journals_as_of, created=given
            )
        except JournalsChanged:  # another process changed the journals: as they are now
            local, journals, _ = await context.journal_to_write(journal, fresh=True)
            await context.replica.commit(local, document, update, new=True, created=given)
        await context.sharing.mirror(local, document, view.created_at, journals, written=view)
        return context.entry_of(local, view, await context.left_here([local]))

    async def check_writable(self, journal: str | None) -> None:
        """Check, writing nothing, that this account may write a new entry in `journal` (a
        name or id; None: the default journal), as `write` would check it: an app asks
        before its user writes a text that could not be saved (for example before
        opening an editor for a journal shared read-only).

        Raises NotFound for an unknown journal, InvalidInput for a brief named or a journal
        kept for a member (as `write`), AccessError
        for a journal this account may not write in (shared read-only or for notes only,
        a share that ended; when the server cannot be reached to read the role again, the
        message says to sync), JournalArchived for an archived one, RollbackError (an
        IntegrityError) while its access chain on this device is rolled back or
        unverified."""
        local, _, _ = await self._context.journal_to_write(journal)
        await self._context.replica.check_commit(local, ENTRY)
        await self._context.replica.check_not_copy(local)

    async def check_editable(self, entry_id: str) -> None:
        """Check, changing nothing, that this account may change the entry `entry_id` (a
        unique prefix of 4+ hex digits will do), as `edit` would check it before saving: an
        app asks before its user rewrites a text that could not be saved (for example
        before opening an editor on an entry of a journal shared read-only).

        Raises NotFound for an unknown, deleted or trashed entry, InvalidInput for a copy in a
        journal kept for a member (as `edit`), AccessError for an entry
        of a journal this account may not change (a share: an entry is its owner's own),
        JournalArchived for one in an archived journal, RollbackError (an IntegrityError)
        while the journal's access chain on this device is rolled back or unverified."""
        local, document = await self._live_entry(entry_id)
        await self._context.replica.check_commit(local, document.kind)
        await self._context.replica.check_not_copy(local, editing=True)

    async def edit(
        self,
        entry_id: str,
        *,
        title: str | None = None,
        mood: int | None = None,
        tags: builtins.list[str] | tuple[str, ...] | None = None,
        body: str | None = None,
        append: str | None = None,
        emotions: builtins.list[str] | tuple[str, ...] | None = None,
        add_tags: builtins.list[str] | tuple[str, ...] = (),
        remove_tags: builtins.list[str] | tuple[str, ...] = (),
        created_at: datetime | None = None,
        clear_mood: bool = False,
    ) -> Entry:
        """Change the given fields of an entry (None leaves a field as it is; `clear_mood`
        removes the mood, on every device and, like any edit, in the copies of some fields
        kept for a member who reads the mood, `shares.grant(..., only=["mood"])`;
        `title=""` removes the title).

        `tags` replaces the tags; `add_tags` adds tags it does not have yet and `remove_tags`
        removes tags (both ignore case; applied after `tags`). `created_at` redates the
        entry (an aware datetime, or a naive one in this device's local time; not in the
        future), keeping the writer's UTC offset at that moment like `write`.

        `append` adds text at the end of the body (of `body` when both are given), after one
        space where merged words get one (protocol.md section 5 rule 2: the body ends, and
        `append` starts, with a character that is not white space nor a letter of a script
        written without spaces, and `append` does not start with a mark written after a
        word: "at work" + "and tired" is "at work and tired", "at work" + ", and tired" is
        "at work, and tired"); otherwise as given (a leading "\\n" starts a new line).

        An edit may not leave an entry that had something in it with nothing (see `write`):
        clearing the text of an entry with no title, mood, tag or emotion is refused, and so
        is clearing the mood of a mood-only check-in (`delete` moves an entry to the trash).

        Raises NotFound for an unknown, deleted or trashed entry, InvalidInput (nothing is
        changed) for a field out of its limits (an append that would pass MAX_BODY
        characters included), an argument of the wrong type (as `write`), text that is not
        valid Unicode, a tag to remove that the entry does not have, an edit that would
        leave the entry empty, a `mood` given with `clear_mood`, or a `created_at` in the
        future; InvalidInput (subject "copy journal") too for a copy in a journal kept for a
        member (`tj share --only`, `share-entry`): the copy follows its original, never an
        edit of its own."""
        if clear_mood and mood is not None:  # as goals' clear_target (NU45 #6)
            raise InvalidInput(MOOD_AND_CLEAR, subject=BAD_VALUE)
        local, document = await self._live_entry(entry_id)
        await self._context.replica.load_access()  # which journals are copies: their chains
        await self._context.replica.check_not_copy(local, editing=True)
        current_view = entry_view(document)
        # What this edit does to the tags, kept for a concurrent change of them (TAG_OPS):
        # additions and removals, or None when `tags` replaces them whole.
        tag_ops = (
            ([t.strip() for t in add_tags], [t.strip() for t in remove_tags])
            if tags is None and (add_tags or remove_tags)
            else None
        )
        replaced_tags = tags is not None
        if add_tags or remove_tags:
            current = tuple(tags) if tags is not None else current_view.tags
            tags = changed_tags(current, tuple(add_tags), tuple(remove_tags))
        spaced = False
        if isinstance(append, str):  # one space where neither side has one (NU29 F8)
            base = body if isinstance(body, str) else document.text("body")
            joined = appended(base, append)
            append, spaced = joined, joined != append
        fields = EntryFields(
            title=normalize_title(title),
            mood=mood,
            tags=normalize_tags(tags) if tags is not None else None,
            body=body,
            append=append,
            emotions=normalize_emotions(emotions) if emotions is not None else None,
            spaced=spaced,
            clear_mood=clear_mood,
        )
        _check_not_emptied(current_view, fields)
        moment = _moment(created_at)
        offset = moment.utcoffset() if moment is not None else None
        before = field_values(current_view)
        body_before = document.text("body")
        update = edit_entry_update(
            document,
            fields,
            now_ms(),
            created_at_ms=int(moment.timestamp() * 1000) if moment is not None else None,
            utc_offset=int(offset.total_seconds() // 60) if offset is not None else None,
        )
        # This edit's own values, read before the save merges what is stored meanwhile (a
        # sync's): another device's values are never kept as this device's.
        own = field_values(entry_view(document))
        body_written = document.text("body")  # the body this edit left, not the merged one
        wrote_text = body_written != body_before
        # This edit's item of the tags and the one it was written on, read before any merge.
        written = tags_writes(document) if tag_ops is not None else KeyWrites(None)
        item = written.current
        on = next((o for c, lo, _, o in written.items if (c, lo) == item), None)

        async def remember(tx: Transaction) -> None:  # in the edit's own transaction (F3, F4)
            view = entry_view(document)  # merged with what is stored
            await self._remember_writes(
                tx,
                document,
                before,
                own,
                view,
                edited=True,
                wrote_text=wrote_text,
                body_written=body_written,
                body_before=body_before,
                tag_ops=(*tag_ops, item, on) if tag_ops is not None else None,
                replaced_tags=replaced_tags,
            )

        await self._context.save(local, document, update, also=remember)
        return self._context.entry(local, document, await self._context.left_here([local]))

    async def history(self, entry_id: str) -> builtins.list[FieldWrite]:
        """The values this device wrote to an entry's title, mood, tags, emotions and date
        (`created_at` in ms), oldest first: those given when it was written here (the date
        when one was given; kept from this version on: an older entry's history begins with
        its first edit), then each edit's, also those another device's concurrent change
        replaced (settling.py; `SyncReport.settled` says when that happens). Other devices'
        values are not in it. Works offline. Raises NotFound for an unknown or deleted entry
        (a trashed one has its history)."""
        _, document = await self._live_entry(entry_id, include_trashed=True)
        return await self._context.store.history(document.doc_id, ENTRY)

    async def merges(self, entry_id: str) -> builtins.list[MergedText]:
        """The merges of this entry's text told on this device, oldest first (a
        sync that brought another device's change of a text this device had changed; the
        same as `SyncReport.merged_texts` told then, with the entry's title and journal as
        they are now): `at` is when this device had changed the text, `merged_at` when the
        sync merged it. Kept from this version on; a merge told before is not in it. Works
        offline. Raises NotFound for an unknown or deleted entry (a trashed one has them)."""
        local, document = await self._live_entry(entry_id, include_trashed=True)
        view = entry_view(document)
        journal = self._context.display(local)
        return [
            MergedText(
                document.doc_id.hex(),
                ENTRY,
                view.title,
                journal,
                to_datetime(json.loads(value)),
                to_datetime(at),
                local.journal_id.hex(),
            )
            for name, value, at in await self._context.store.field_writes(document.doc_id)
            if name == MERGED
        ]

    async def _remember_writes(
        self,
        tx: Transaction,
        document: Document,
        before: dict[str, Any],
        after: dict[str, Any],
        view: EntryView,
        *,
        edited: bool = False,
        wrote_text: bool = False,
        body_written: str = "",
        body_before: str = "",
        tag_ops: tuple[builtins.list[str], builtins.list[str], Id | None, Id | None] | None = None,
        replaced_tags: bool = False,
    ) -> None:
        """Within `tx` (the edit's own transaction: REV-TAGS2 F3, F4), keep the settling
        fields this device changed (settling.py: `after` the edit's own update, read
        before it was merged with the stored state, against `before` it) and, for an `edited` entry, the mark of the
        edit (`EDITED`: the counter of the record just sealed), so that a sync telling of
        another device's removal of it knows whether that device had received this edit; when
        the edit `wrote_text` (a new body or an append), the body it left (`WRITTEN_BODY`, from
        `body_written`, read before the save merged the stored state), so
        that a sync merging another device's change into it says so, and the body before it
        unless kept already (`BODY_BEFORE`, from `body_before`: the words this device added,
        told and kept if another device deletes the entry unseen); the tags it added and
        removed, the Yjs item of the tags it wrote and the item that one was written on
        (`tag_ops`, with those kept, read in `tx`: TAG_OPS), or none kept once an edit
        replaced them whole (`replaced_tags`). When the ops kept then want a value the tags
        stored (`document`, merged with the stored state) lack, the entry is marked for the
        next sync's judgment (TAGS_ARRIVED: another process of this profile wrote the tags
        at once, REV-TAGS2 F6, or a judgment waits)."""
        doc_id = document.doc_id
        changed = changed_values(before, after)
        profile = self._context.replica.profile
        if not (changed or edited or wrote_text):
            return
        at = now_ms()
        await tx.remember_edit(doc_id, changed, body_written if wrote_text else None, at)
        if edited:
            counter = await tx.last_counter(doc_id, profile.account_id, profile.device_id)
            await tx.put_field_write(doc_id, EDITED, encode(counter), at)
        if wrote_text:
            if await tx.field_write(doc_id, BODY_BEFORE) is None:  # the first edit's start
                await tx.put_field_write(doc_id, BODY_BEFORE, encode(body_before), at)
        add, remove, item, on = tag_ops if tag_ops is not None else ([], [], None, None)
        if tag_ops is not None and item is not None:
            kept = await tx.field_write(doc_id, TAG_OPS)
            ops = tag_ops_after(json.loads(kept) if kept else None, add, remove, item, on)
            await tx.put_field_write(doc_id, TAG_OPS, encode(ops), at)
            if judge_tag_ops(ops, tags_writes(document), view.tags).wanted is not None:
                await tx.put_field_write(doc_id, TAGS_ARRIVED, "1", at)
        elif tag_ops is not None or replaced_tags:
            await tx.forget_field_write([doc_id], TAG_OPS)

    async def delete(self, entry_id: str, *, check_only: bool = False) -> Entry:
        """Move an entry to the trash, on every device at the next sync: it disappears from
        lists, search and insights, and `restore` brings it back for TRASH_DAYS (30) days.
        Returns the trashed entry. Raises NotFound for an unknown or deleted entry,
        AccessError for an entry in a journal this account may not change (a share),
        RollbackError (an IntegrityError) while the journal's access chain on this device is
        rolled back or unverified. With `check_only=True` it raises the same errors and
        changes nothing (returns what it would have): an app asks its user to confirm only
        what would then be done."""
        local, document = await self._context.entry_document(entry_id)
        view = entry_view(document)
        if view.deleted or trash_expired(view, now_ms()):
            raise NotFound(f"entry {entry_id} was deleted", subject="deleted")
        sharing = self._context.sharing
        # every journal the delete writes, the copies' too, before changing anything (R40 F5)
        if view.trashed_at is None:
            await self._context.replica.check_commit(local, document.kind)
            await sharing.check_mirror(local, document)
            lagging = []
        else:  # in the trash already: only a copy a delete cut short is written (R40 F5)
            lagging = await self._copies_not_trashed(local, document)
            for journal, _ in lagging:
                await self._context.replica.check_commit(journal, document.kind, copy=True)
        singles = [  # copies shared one by one, still shown (NU41 #1): trashed with it
            (journal, copy)
            for journal, copy in await sharing.single_copies(document)
            if not entry_view(copy).deleted and entry_view(copy).trashed_at is None
        ]
        for journal, _ in singles:
            await _check_copy(self._context, journal, document)
        if check_only:
            return self._context.entry(local, document, await self._context.left_here([local]))
        moment = now_ms()
        if view.trashed_at is None:
            update = (
                copy_hand_trash_update(document, moment)
                if sharing.is_single_copy(local, document)  # REV-DEL5 A
                else trash_entry_update(document, moment)
            )
            await self._context.save(local, document, update)
            async with self._context.store.transaction() as tx:  # its edits: put away here
                await tx.forget_field_write([document.doc_id], EDITED)
        for journal, fields in lagging:
            await sharing.copy_entry(journal, document, fields)
        trashed_at = entry_view(document).trashed_at or moment
        for journal, copy in singles:  # marked trashed with it: `restore` finds them so
            await self._context.replica.commit(journal, copy, copy_trash_update(copy, trashed_at))
        return self._context.entry(local, document, await self._context.left_here([local]))

    async def _copies_not_trashed(
        self, local: LocalJournal, document: Document
    ) -> list[tuple[LocalJournal, tuple[str, ...]]]:
        """The field-level copies of `document` (an entry in the trash) not in the trash yet
        (a delete cut short before it reached them: another device's, an older version's),
        each journal with the fields it discloses."""
        account_key = self._context.replica.profile.secrets.account_key
        found = []
        for journal, fields in await self._context.sharing.mirror_targets(local, document):
            copy_id = keys.disclosure_doc_id(account_key, document.doc_id, journal.journal_id)
            stored = await self._context.store.document(copy_id)
            if stored is not None and entry_view(stored_document(stored)).trashed_at is None:
                found.append((journal, fields))
        return found

    async def restore(self, entry_id: str) -> Entry:
        """Take an entry out of the trash. Raises NotFound when it is not in the trash (or
        was there for more than TRASH_DAYS days and is deleted for good), InvalidInput (and
        changes nothing) when the journal is shared and the entry is too large to seal
        again as one record for its members (a text merged past MAX_BODY)."""
        local, document = await self._context.entry_document(entry_id)
        view = entry_view(document)
        if view.deleted or trash_expired(view, now_ms()):
            raise NotFound(f"entry {entry_id} was deleted for good", subject="deleted")
        if view.trashed_at is None:
            raise NotFound(f"entry {entry_id} is not in the trash", subject="deleted")
        await self._context.replica.check_restore(local, document)  # before saving
        singles = [  # copies shared one by one that its trash put there, not the user's own
            (journal, copy)  # trash of a copy (SharedAgain's advice: REV-DEL2 B): back too
            for journal, copy in await self._context.sharing.single_copies(document)
            if not entry_view(copy).deleted
            and copy.field(TRASHED_WITH) is True
            and copy.field(TRASHED_BY_HAND) is not True
        ]
        for journal, _ in singles:
            await _check_copy(self._context, journal, document)
        # The copies first: cut short after them, the entry is still in the trash and a
        # `restore` again brings it (REV-DEL3 C: the other way round, the copies stayed
        # hidden, the entry out of the trash, nothing to run again).
        for journal, copy in singles:  # the entry's trash, as a stale device holds it (DEL5 B)
            undone = view.trashed_at or 0
            await self._context.replica.commit(journal, copy, copy_restore_update(copy, undone))
        marker = restore_anew_setting(document.doc_id)
        anew = bool(await self._context.store.setting(marker))
        update = restore_entry_update(document, now_ms(), anew=anew)

        async def judge_later(tx: Transaction) -> None:  # ops that waited in the trash (F2)
            await tx.mark_where_kept([document.doc_id], TAG_OPS, TAGS_ARRIVED, now_ms())

        await self._context.save(local, document, update, also=judge_later)
        if anew:
            async with self._context.store.transaction() as tx:
                await tx.set_setting(marker, None)
        await self._context.replica.restored(local, document.doc_id)
        if document.field(TRASHED_WITH) is True or document.field(TRASHED_BY_HAND) is True:
            undone = view.trashed_at or 0
            await self._context.replica.commit(
                local, document, copy_restore_update(document, undone, by_hand=True)
            )
        return self._context.entry(local, document, await self._context.left_here([local]))

    async def trash(self) -> builtins.list[Entry]:
        """Entries in the trash of the journals this account owns, most recently trashed
        first. Entries trashed TRASH_DAYS (30) days ago or more are deleted for good here
        (on every device at the next sync), but for one with a change the server refused
        for good (`Client.set_aside()`: its words are on no other device), kept until that
        change is dropped. Raises nothing of its own; works offline."""
        found = []
        now = now_ms()
        held = await self._context.store.set_aside_documents()
        for count, (local, document) in enumerate(await self._owned_entry_documents(), 1):
            if count % READ_BETWEEN_YIELDS == 0:
                await asyncio.sleep(0)  # other tasks run between pieces (nu82 F7)
            view = entry_view(document)
            if view.deleted or view.trashed_at is None:
                continue
            if trash_expired(view, now) and document.doc_id not in held:
                with contextlib.suppress(TJError):  # a copy's journal refused: next time
                    await self._delete_for_good(local, document)
            else:
                found.append(
                    self._context.entry(local, document, await self._context.left_here([local]))
                )
        return sorted(found, key=lambda e: (e.trashed_at, e.id), reverse=True)

    async def trashed_in_copies(self) -> builtins.list[Entry]:
        """Entries in the trash of this account's own journals that the server no longer
        lists (deleted on another device, or withheld: `Journal.read_only_copy` with
        `Journal.own`), most recently trashed first. `trash()` leaves them out: they cannot
        be restored (the read-only copy takes no new records) and are never deleted for good
        by time, since the copy is this device's last one of their words (an entry trashed
        there may hold the merge of several devices' edits); `get(id, include_trashed=True)`
        reads one, and an export keeps them. Works offline. Raises nothing."""
        context = self._context
        await context.replica.load_access()
        me = context.profile.account_id
        copies = {
            j.journal_id: j
            for j in await context.store.journals()
            if j.owner_id == me and j.role != "owner" and not context.replica.is_disclosure(j)
        }
        found = []
        for count, stored in enumerate(await context.store.documents(None, (ENTRY,)), 1):
            if count % READ_BETWEEN_YIELDS == 0:
                await asyncio.sleep(0)  # other tasks run between pieces (nu82 F7)
            if stored.kind != ENTRY or stored.journal_id not in copies:
                continue
            document = stored_document(stored)
            view = entry_view(document)
            if view.deleted or view.trashed_at is None:
                continue
            own = copies[stored.journal_id]  # this account's: never left, `left` is ()
            found.append(context.entry(own, document, ()))
        return sorted(found, key=lambda e: (e.trashed_at, e.id), reverse=True)

    async def empty_trash(self) -> int:
        """Delete every entry in the trash for good, on every device (at the next sync);
        returns how many. An entry with a change the server refused for good stays in the
        trash (`Client.set_aside()` lists it with its words, which are on no other device:
        deleting it for good would erase them) until that change is dropped
        (`Client.drop_set_aside`); `trash()` after it lists those kept. Works offline.
        Raises RollbackError (an IntegrityError) while a journal's access chain on this
        device is rolled back (entries emptied before it stay deleted)."""
        emptied = 0
        held = await self._context.store.set_aside_documents()
        for count, (local, document) in enumerate(await self._owned_entry_documents(), 1):
            if count % READ_BETWEEN_YIELDS == 0:
                await asyncio.sleep(0)  # other tasks run between pieces (nu82 F7)
            view = entry_view(document)
            if document.doc_id in held:
                continue
            if not view.deleted and view.trashed_at is not None:
                await self._delete_for_good(local, document)
                emptied += 1
        return emptied

    async def _delete_for_good(self, local: LocalJournal, document: Document) -> None:
        """Delete an entry of the trash for good, and the copies of it shared one by one
        (NU41 #1: "deleted for good" left the therapist's copy readable), those journals
        checked first (a rolled-back chain refuses before anything is written)."""
        singles = [
            (journal, copy)
            for journal, copy in await self._context.sharing.single_copies(document)
            if not entry_view(copy).deleted
        ]
        for journal, _ in singles:
            await _check_copy(self._context, journal, document)
        # The copies first: cut short after them, the entry is still in the trash, and
        # emptying it again deletes it (REV-DEL3 C: the other way round, nothing did).
        for journal, copy in singles:
            await self._context.replica.commit(journal, copy, delete_entry_update(copy, now_ms()))
        await self._context.save(local, document, delete_entry_update(document, now_ms()))
        await self._forget_writes(document.doc_id)

    async def _follow_removals(
        self, doc_ids: Iterable[bytes], arrived_copies: Iterable[bytes] = ()
    ) -> builtins.list[str]:
        """After a sync: the copies shared one by one (`client.shares.grant_entry`) of this
        account's entries that are in the trash or deleted for good follow them here (the
        device that removed an entry may hold no copy of it: offline when it was shared, or
        kept from the copy's journal by the server). `doc_ids`: entries whose
        trash or delete arrived; `arrived_copies`: copies (ids) new on this device, whose
        entry may have been removed here before; and the entries whose copies a
        write refused before (`COPIES_OWED`, tried again at every sync that changed
        something until done). Trash and delete only, the direction that takes words away;
        a copy whose restore undid that same trash is never trashed again by it (a server
        serving the entry's journal behind the copy's); a restore made
        elsewhere leaves a copy hidden (sharing the entry again shows it). Returns why each
        refused follow was refused, in words for the sync's problems (an
        archived journal of single items refused it silently). Raises nothing."""
        singles = self._context.sharing.items_journals()
        if not singles:
            return []
        store = self._context.store
        wanted = set(doc_ids) | set(decode_owed(await store.setting(COPIES_OWED)))
        arrived = set(arrived_copies)
        owned = {j.journal_id: j for j in await store.journals() if j.role == "owner"}
        originals = {
            j: local for j, local in owned.items() if not self._context.replica.is_disclosure(local)
        }
        if arrived:  # which entries they copy: from the entries' ids (a keyed hash)
            account_key = self._context.replica.profile.secrets.account_key
            for journal_of, doc_id in await store.document_ids():
                if journal_of not in originals:
                    continue
                for journal_id in singles:
                    if keys.disclosure_doc_id(account_key, doc_id, journal_id) in arrived:
                        wanted.add(doc_id)
        owed = set()
        refused: dict[str, str] = {}  # journal name -> why
        for copy_id in arrived:  # hidden by hand, shown by a merge: hidden again (REV-DEL6 B)
            stored = await store.document(copy_id)
            journal = owned.get(stored.journal_id) if stored is not None else None
            if stored is None or journal is None or stored.journal_id not in singles:
                continue
            copy = stored_document(stored)
            shown = entry_view(copy)
            if (
                copy.field(TRASHED_BY_HAND) is True
                and shown.trashed_at is None
                and not shown.deleted
            ):
                hide = copy_hand_trash_update(copy, now_ms())
                with contextlib.suppress(TJError):
                    await self._context.replica.commit(journal, copy, hide)
        for doc_id in wanted:
            stored = await store.document(doc_id)
            if stored is None or stored.journal_id not in originals or stored.kind != ENTRY:
                continue
            document = stored_document(stored)
            view = entry_view(document)
            if not view.deleted and view.trashed_at is None:
                continue
            for journal, copy in await self._context.sharing.copies_in(singles, document):
                shown = entry_view(copy)
                if shown.deleted:
                    continue
                if view.deleted:
                    update = delete_entry_update(copy, now_ms())
                elif (
                    shown.trashed_at is None
                    and view.trashed_at is not None
                    and copy.field(RESTORED_FROM) != view.trashed_at  # undone already
                ):
                    update = copy_trash_update(copy, view.trashed_at)
                else:
                    continue
                try:
                    await self._context.replica.commit(journal, copy, update)
                except TJError as error:  # rolled back, archived, a key withheld: again
                    owed.add(doc_id)
                    refused.setdefault(journal.name, str(error))
        if owed != set(decode_owed(await store.setting(COPIES_OWED))):
            async with store.transaction() as tx:
                await tx.set_setting(COPIES_OWED, encode_owed(owed))
        return [
            f"an entry you moved to the trash or deleted still shows in the copy kept in "
            f"{quoted_name(name)} (shared one by one): {why}; it is tried again at the next sync that "
            "brings or changes something"
            for name, why in sorted(refused.items())
        ]

    async def _forget_writes(self, doc_id: bytes) -> None:
        """A deleted entry keeps none of its content, history included."""
        async with self._context.store.transaction() as tx:
            await tx.forget_field_writes([doc_id])

    async def _owned_entry_documents(self) -> builtins.list[tuple[LocalJournal, Document]]:
        context = self._context
        await context.replica.load_access()  # which journals are copies: from their chains
        journals = {j.journal_id: j for j in await context.store.journals() if j.role == "owner"}
        found = []
        for count, stored in enumerate(await context.store.documents(None, (ENTRY,)), 1):
            if count % READ_BETWEEN_YIELDS == 0:
                await asyncio.sleep(0)  # opened a piece at a time (nu82 F7)
            if (
                stored.kind == ENTRY
                and stored.journal_id in journals
                and not context.replica.is_disclosure(journals[stored.journal_id])
            ):
                found.append((journals[stored.journal_id], stored_document(stored)))
        return found

    async def get(self, entry_id: str, *, include_trashed: bool = False) -> Entry:
        """One entry by id (or a unique prefix of 4+ hex digits); with `include_trashed`,
        also one of this account's in the trash (its `trashed_at` is set). Raises NotFound
        for an unknown or deleted one, for a trashed one without `include_trashed` (`trash`
        lists those), and for another account's entry in its owner's trash (out of a
        member's view)."""
        # Its view from the stored state (kept by the state's digest, read without pycrdt
        # for an entry written once: Context.stored_entry_view), not from a document built
        # only to be read (issue 10: a live round's follower decoded the entry it had just
        # merged again, about a tenth of its round).
        local, stored = await self._context.entry_stored(entry_id)
        view = self._context.stored_entry_view(stored)
        self._check_live(entry_id, local, view, include_trashed)
        left = await self._context.left_here([local])
        return self._context.entry_of(local, view, left)  # the view read once (issue 10)

    async def _live_entry(
        self, entry_id: str, *, include_trashed: bool = False
    ) -> tuple[LocalJournal, Document]:
        """An entry that is not deleted, nor in the trash unless `include_trashed`, else
        NotFound."""
        local, document, _ = await self._live_view(entry_id, include_trashed=include_trashed)
        return local, document

    async def _live_view(
        self, entry_id: str, *, include_trashed: bool = False
    ) -> tuple[LocalJournal, Document, EntryView]:
        """`_live_entry`, with the entry's view as it was read for the check."""
        local, document = await self._context.entry_document(entry_id)
        view = entry_view(document)
        self._check_live(entry_id, local, view, include_trashed)
        return local, document, view

    def _check_live(
        self, entry_id: str, local: LocalJournal, view: EntryView, include_trashed: bool
    ) -> None:
        """NotFound unless the entry of `view`, in `local`, is live as `_live_view` says."""
        if view.deleted or trash_expired(view, now_ms()):
            raise NotFound(f"entry {entry_id} was deleted", subject="deleted")
        if view.trashed_at is not None and local.owner_id != self._context.profile.account_id:
            # Another account's entry in its owner's trash is out of this account's view, as
            # its owner was told (NU42 #2: `tj show` printed it whole, and named `tj
            # restore`, which only the owner may run).
            raise NotFound(f"entry {entry_id}: its owner moved it to the trash", subject="deleted")
        if view.trashed_at is not None and not include_trashed:
            raise NotFound(f"entry {entry_id} is in the trash: restore it first", subject="deleted")

    async def list(
        self,
        journal: str | None = None,
        *,
        since: date | datetime | None = None,
        until: date | datetime | None = None,
        tag: str | Iterable[str] | None = None,
        emotion: str | Iterable[str] | None = None,
        limit: int | None = None,
        newest_first: bool = True,
        include_deleted: bool = False,
    ) -> builtins.list[Entry]:
        """Entries of one journal (name or id; "owner/name" for a shared one) or of all,
        filtered and ordered by `queries.select_entries`: `since`/`until` are inclusive (a
        date is a whole day in the writer's local time; a naive datetime is this device's
        local time), `tag` ignores case (several tags, or emotions: entries with any of
        them), `limit` keeps the first N in the order asked (newest first by default).

        Raises NotFound for an unknown journal, InvalidInput for bad bounds or limit or a
        journal holding a pre-session brief (subject "brief not journal": briefs are read
        with `client.briefs.received()`; a client's name alone never names one).

            await client.entries.list("Personal", since=date(2026, 10, 1), tag="sleep", limit=20)
        """
        listed = await self.list_results(
            journal,
            since=since,
            until=until,
            tag=tag,
            emotion=emotion,
            limit=limit,
            newest_first=newest_first,
            include_deleted=include_deleted,
        )
        return listed.entries

    async def list_results(
        self,
        journal: str | None = None,
        *,
        since: date | datetime | None = None,
        until: date | datetime | None = None,
        tag: str | Iterable[str] | None = None,
        emotion: str | Iterable[str] | None = None,
        limit: int | None = None,
        newest_first: bool = True,
        include_deleted: bool = False,
    ) -> ListedEntries:
        """`list`'s entries (`.entries`, the first `limit`) and how many match in all
        (`.total`), to say "the newest 20 of 9,401". With `limit`, only the entries returned
        are read: the others are chosen and counted by this device's index of its entries.
        Raises as `list`: NotFound for an unknown journal, InvalidInput for bad bounds or
        limit or a journal holding a pre-session brief.

            listed = await client.entries.list_results(limit=20)
            print(f"{len(listed.entries)} of {listed.total:,}")
        """
        if limit is not None:
            page = await self._context.entry_page(
                journal,
                since=_bound(since),
                until=_bound(until),
                tags=frozenset(filter_names(tag)),
                emotions=frozenset(filter_names(emotion)),
                limit=limit,
                newest_first=newest_first,
                include_deleted=include_deleted,
                refuse_brief=True,
            )
            if page is not None:
                return ListedEntries(*page)
        found = await self._context.entries(
            journal, include_deleted=include_deleted, refuse_brief=True
        )
        chosen = select_entries(
            found,
            since=_bound(since),
            until=_bound(until),
            tag=tag,
            emotion=emotion,
            newest_first=newest_first,
        )
        journal_ids = frozenset(entry.journal_id for entry in chosen)
        return ListedEntries(chosen if limit is None else chosen[:limit], len(chosen), journal_ids)

    async def on_this_day(self, today: date | None = None) -> builtins.list[Entry]:
        """Entries written on this month and day in earlier years, newest first (the
        writer's local days; `today` defaults to this device's local date). Works offline.
        Raises nothing."""
        day = today or date.today()
        page = await self._context.entry_page(None, on_this_day=day)  # by the index
        if page is not None:
            return page[0]
        return queries.on_this_day(await self._context.entries(None), day)

    async def search(
        self,
        query: str,
        *,
        journal: str | None = None,
        tag: str | Iterable[str] | None = None,
        since: date | datetime | None = None,
        limit: int | None = None,
        until: date | datetime | None = None,
    ) -> builtins.list[SearchHit]:
        """Entries matching `query` (every word of it, every "phrase", no -excluded word),
        best first, with highlighted snippets (search.py). It runs on this device over decrypted entries: the server never sees a query. `since`
        is a date (from local midnight) or a datetime; `until` (inclusive) as `list` takes
        it (a date is a whole day in the writer's local time); `limit` keeps the best N (only
        they get a snippet; `search_results` also says how many matched). Raises
        InvalidInput for an empty query or one of more than 20 terms, or an `until` before
        `since`, NotFound for an unknown journal.

            hits = await client.entries.search('"panic attack" -work', journal="Personal")
            print(hits[0].snippet, hits[0].highlights)
        """
        found = await self.search_results(
            query, journal=journal, tag=tag, since=since, limit=limit, until=until
        )
        return found.hits

    async def search_results(
        self,
        query: str,
        *,
        journal: str | None = None,
        tag: str | Iterable[str] | None = None,
        since: date | datetime | None = None,
        limit: int | None = None,
        until: date | datetime | None = None,
    ) -> SearchResults:
        """`search`'s hits (`.hits`, the best `limit`) and how many entries matched in all
        (`.total`), to say "the best 20 of 6,410". Only the hits returned get a snippet.
        Raises InvalidInput for an empty query or one of more than 20 terms, or an `until`
        before `since`, NotFound for an unknown journal.

            found = await client.entries.search_results("sleep", limit=20)
            print(f"{len(found.hits)} of {found.total}")
        """
        from client_sdk.search import rank_entries  # only searches need it

        # `until` as `list` takes it (which refuses one before `since`)
        listed = await self.list(journal, since=since if until else None, until=until)
        # Ranked in a worker thread (pure, over immutable entries): the event loop stays
        # free (nu82 F7: 1.3 s of 2 s at 10,000 entries held it).
        return await asyncio.to_thread(
            rank_entries, listed, query, tag=tag, since=_moment(since), limit=limit
        )


def changed_tags(
    tags: tuple[str, ...], add: tuple[str, ...], remove: tuple[str, ...]
) -> tuple[str, ...]:
    """`tags` with `add` appended (those it lacks, ignoring case) and `remove` taken out
    (ignoring case). Raises InvalidInput for a tag to remove that is not there."""
    result = list(tags)
    for tag in add:
        if tag.strip().casefold() not in {t.casefold() for t in result}:
            result.append(tag.strip())
    for tag in remove:
        folded = tag.strip().casefold()
        if folded not in {t.casefold() for t in result}:
            having = ", ".join(result) if result else "none"
            raise InvalidInput(
                f"the entry has no tag {tag!r} (its tags: {having})", subject="refused"
            )
        result = [t for t in result if t.casefold() != folded]
    return tuple(result)


def _check_not_emptied(view: EntryView, fields: EntryFields) -> None:
    """InvalidInput when an edit (`fields`) would leave an entry that has content (`view`)
    with none (`check_has_content`); an entry written empty before this check existed
    stays editable."""

    def after(new: Any, old: Any) -> Any:
        return new if new is not None else old

    had = has_content(
        body=view.body, title=view.title, mood=view.mood, tags=view.tags, emotions=view.emotions
    )
    if had and not has_content(
        body=after(fields.body, view.body) + (fields.append or ""),
        title=after(fields.title, view.title),
        mood=None if fields.clear_mood else after(fields.mood, view.mood),
        tags=after(fields.tags, view.tags),
        emotions=after(fields.emotions, view.emotions),
    ):
        raise InvalidInput(EMPTY_ENTRY, subject=ENTRY_EMPTY)


def _bound(when: date | datetime | None) -> date | datetime | None:
    """A query bound: a date stays a whole day; a naive datetime becomes local time."""
    if isinstance(when, datetime) and when.tzinfo is None:
        return when.astimezone()
    return when


def _moment(when: date | datetime | None) -> datetime | None:
    """An aware datetime: a date is its local midnight, a naive datetime is local time."""
    if when is None:
        return None
    if not isinstance(when, datetime):
        when = datetime.combine(when, time())
    return when if when.tzinfo is not None else when.astimezone()


OVERTAKEN_KINDS = frozenset({"goal", HOMEWORK})
"""The kinds besides entries whose change on this device is told when a sync finds the
document deleted by another device (`OvertakenEdit.kind`)."""


async def settle_after_sync(
    context: Context,
    watched: dict[bytes, dict[str, tuple[str, int]]],
    arrived: set[bytes],
    removals: dict[bytes, Removal] | None = None,
    seen_mine: dict[bytes, int] | None = None,
    arrivals: Mapping[bytes, Arrival] | None = None,
) -> tuple[list[Settled], list[tuple[OvertakenEdit, Removal]], list[MergedText]]:
    """After a sync: the fields this device changed (`watched`, from
    `Store.unsynced_field_writes`) of entries that another device's records changed in this
    sync (`arrived`), now holding another value (settling.py). The first such arrival after
    this device's change settles it (concurrent or not, that other value replaced this
    device's); changes of deleted entries are forgotten.

    Also the entries edited here that this sync found moved to the trash or deleted by a
    record (`removals`, `SyncReport.removals`) whose writer had not received the edit:
    each with its removal, `device` left "" for the caller to name. An edit's mark stays
    until then, or until a record of another device about the entry whose signed seen vector
    holds the edit arrives (`seen_mine`, `SyncReport.seen_mine`): a record merely arriving
    says nothing of whether its writer had the edit (R41 F1).

    And the entries whose body this device wrote and the sync left another (settling.py,
    `MergedText`), told once like a settled field.

    And the goals and homework this device changed that this sync found deleted by another
    device (NU57 #9: the change went with it, untold): each an `OvertakenEdit` of its kind,
    with the writer of the first record that arrived about it (`arrivals`) as its removal."""
    store = context.store
    waiting = {r.doc_id for r in await store.outbox() if r.doc_id is not None}
    journals: dict[bytes, LocalJournal] | None = None
    synced_at = to_datetime(now_ms())

    async def names(stored: StoredDocument) -> str:
        """The name of the document's journal, as `client.journals.list` shows it."""
        nonlocal journals
        if journals is None:
            journals = {j.journal_id: j for j in await store.journals()}
        local = journals.get(stored.journal_id)
        return context.display(local) if local is not None else ""

    found: list[Settled] = []
    merged: list[MergedText] = []
    overtaken: list[tuple[OvertakenEdit, Removal]] = []
    done, gone, told = [], [], []
    for doc_id, fields in watched.items():
        edited, removal = fields.get(EDITED), (removals or {}).get(doc_id)
        if edited is not None and removal is None:
            mine = json.loads(edited[0])
            if isinstance(mine, int) and (seen_mine or {}).get(doc_id, 0) >= mine:
                told.append(doc_id)  # received there: a later removal from it is no news
        view = None
        if edited is not None and removal is not None:  # even if the edit still waits here
            stored = await store.document(doc_id)
            view = entry_view(stored_document(stored)) if stored is not None else None
            mine = json.loads(edited[0])
            gone_now = view is not None and (view.deleted or view.trashed_at is not None)
            if gone_now and isinstance(mine, int) and removal.had < mine:  # it never saw it
                assert view is not None and stored is not None
                title = "" if view.deleted else view.title
                at = to_datetime(edited[1])
                told_edit = OvertakenEdit(doc_id.hex(), title, view.deleted, "", at)
                if view.deleted:  # the words typed here went with it: kept to tell
                    told_edit = dataclasses.replace(
                        told_edit,
                        kept_text=_lost_words(fields),
                        journal=await names(stored),
                        journal_id=stored.journal_id.hex(),
                    )
                overtaken.append((told_edit, removal))
            told.append(doc_id)
        if doc_id not in arrived:
            continue  # nothing from another device since
        stored = await store.document(doc_id)
        if doc_id in waiting and not _deleted_goal_or_plan(stored):
            # Not pushed yet (saved during this sync, after its push): compared by the
            # sync that sends it. A goal or a plan deleted by another device is judged now
            # whatever still waits here: its marks go with it (`forget_removed_writes`).
            continue
        if stored is not None and stored.kind != ENTRY:  # a goal, a safety plan
            text = await _other_merged_text(context, stored, fields, names, synced_at)
            if text is False:
                gone.append(doc_id)
                arrival = (arrivals or {}).get(doc_id)
                lost = [at for name, (_, at) in fields.items() if not is_mark(name)]
                made, named = _made_checkins(fields)  # check-ins made here went with it
                if stored.kind in OVERTAKEN_KINDS and arrival is not None and (lost or made):
                    # the deleted goal's title is cleared: the one given here, or the one
                    # its check-ins made here saw
                    title = _changed_title(fields) or named
                    at = to_datetime(max(lost or [c.at_ms for c in made]))
                    words = _lost_words(fields) if stored.kind == "goal" else ""  # its why
                    told_goal = OvertakenEdit(
                        doc_id.hex(),
                        title,
                        True,
                        "",
                        at,
                        kept_text=words,
                        kind=stored.kind,
                        checkins=tuple(c.checkin for c in made),
                    )
                    overtaken.append((told_goal, Removal(arrival.author, arrival.device, 0)))
                continue
            found += await _other_settled(stored, fields, names)
            if text is not None:
                merged.append(text)
            done.append(doc_id)
            continue
        if view is None:
            view = entry_view(stored_document(stored)) if stored is not None else None
        if view is None or view.deleted:
            gone.append(doc_id)
            continue
        found += settled_fields(doc_id, view.title, fields, field_values(view))
        text = (
            merged_text(
                doc_id,
                ENTRY,
                view.title,
                await names(stored),
                fields,
                view.body,
                synced_at,
                stored.journal_id.hex(),
            )
            if stored is not None
            else None
        )
        if text is not None:
            merged.append(text)
        done.append(doc_id)
    async with store.transaction() as tx:
        for told_merge in merged:  # kept for `entries.merges` (marked synced just below)
            if told_merge.kind == ENTRY and told_merge.merged_at is not None:
                await tx.add_field_writes(
                    bytes.fromhex(told_merge.doc_id),
                    {MERGED: encode(int(told_merge.at.timestamp() * 1000))},
                    int(told_merge.merged_at.timestamp() * 1000),
                )
        await tx.mark_field_writes_synced(done, keep=EDITED)  # the mark waits (above)
        await tx.forget_field_write(told, EDITED)  # told, or seen by the other device
        await tx.forget_field_writes(gone)
        await tx.forget_field_write(done, WRITTEN_BODY)  # compared: no longer needed
        await tx.forget_field_write(done, BODY_BEFORE)
    return found, overtaken, merged


async def forget_removed_writes(context: Context, arrived: dict[bytes, Arrival]) -> None:
    """After a sync (`arrived`: the documents another device's records changed in it, each
    with how the sync's merge left it, `Arrival.after`): the values this device wrote
    (`history`: the local field writes, and the values given at its creation kept on its
    row) of a document those records deleted for good, and of
    a goal's check-ins they undid, are forgotten, as they are when the delete or the undo is
    made on this device (an entry in the trash keeps them). Those another sync compared
    already included (`settle_after_sync` forgets only those it compares). A deletion is
    read from the merge (`Arrival.after`), not decoded again; only a goal this device wrote
    check-in values of is read, for the check-ins it still holds."""
    store = context.store
    kept = await store.field_write_names(arrived)
    deleted = [doc_id for doc_id, arrival in arrived.items() if arrival.after == DELETED]
    given = await store.created_values_kept(deleted) if deleted else set()  # on their rows
    if not (kept or given):
        return
    gone = [doc_id for doc_id in deleted if doc_id in kept or doc_id in given]
    undone: list[tuple[bytes, str]] = []
    for doc_id, names in kept.items():
        written = {part[0] for name in names if (part := checkin_part(name)) is not None}
        if arrived[doc_id].after == DELETED or arrived[doc_id].kind != "goal" or not written:
            continue
        stored = await store.document(doc_id)
        if stored is None:
            continue
        live = {checkin.id for checkin in goal_checkins(stored_document(stored))}
        undone += [(doc_id, CHECKIN_FIELD.format(id=c, part="")) for c in sorted(written - live)]
    if not (gone or undone):
        return
    async with store.transaction() as tx:
        await tx.forget_field_writes(gone)
        for doc_id, prefix in undone:
            await tx.forget_field_writes_under(doc_id, prefix)


def _lost_words(fields: dict[str, tuple[str, int]]) -> str:
    """The words this device added to an entry's text (`added_text`) by its edits not yet
    compared by a sync (`fields`: its local field writes), "" when none are known."""
    written = fields.get(WRITTEN_BODY)
    if written is None:
        return ""
    after = json.loads(written[0])
    before = json.loads(fields[BODY_BEFORE][0]) if BODY_BEFORE in fields else ""
    if not isinstance(after, str) or not isinstance(before, str):
        return ""
    return added_text(before, after)


async def apply_tags_again_after_sync(
    context: Context, settled: builtins.list[Settled], as_of: tuple[int, int] | None = None
) -> builtins.list[Settled]:
    """After a sync (or a later one, when it did not get this far): the entries for which
    this device keeps tag additions and removals (TAG_OPS) and a record from elsewhere
    arrived (TAGS_ARRIVED, written with the pulled page), judged against the tags each now
    holds (`judge_tag_ops`, whatever this device's push did): where another device wrote
    them without this device's additions and removals, they are applied again, as a new
    edit sent at the next sync (`_apply_tags_again`). Returns `settled` (the sync's settled
    fields) with the tags of those entries told as applied again (`Settled.applied_again`;
    one added where the sync told none), and with this device's additions a writer saw and
    that are lost since (`TagJudgment.lost`) named as not kept (a line added where the sync
    told none: REV-TAGS2 F5). An entry in the trash is left as it is (the other
    device's trash stands; the ops wait for the next record, or a restore here: F2), a
    deleted one forgets them.
    Each judgment is one transaction with what it writes and the mark's removal: a sync
    that ends before it leaves the mark for the next one (REV-TAGS F5, F6); one whose entry
    (or TAG_OPS) changed since it was read (another process of the profile pulled a
    record or edited the tags, another sync of this process ran) writes nothing and
    keeps the mark, for the next sync to judge again (REV-TAGS3 F4)."""
    store = context.store
    marked = await store.marked_documents(TAGS_ARRIVED, as_of=as_of)
    if not marked:
        return settled
    journals = {j.journal_id: j for j in await store.journals()}
    found = list(settled)
    for doc_id in marked:
        written = {name: (value, at) for name, value, at in await store.field_writes(doc_id)}
        writes = {name: value for name, (value, _) in written.items()}
        kept = json.loads(writes[TAG_OPS]) if TAG_OPS in writes else None
        stored = await store.document(doc_id)
        document = stored_document(stored) if stored is not None else None
        view = entry_view(document) if document is not None and document.kind == ENTRY else None
        judgment = TagJudgment(None, None)  # gone, or no ops: forget them
        if view is not None and not view.deleted and view.trashed_at is not None:
            judgment = TagJudgment(None, kept)
        elif view is not None and not view.deleted and kept is not None:
            assert document is not None
            judgment = judge_tag_ops(kept, tags_writes(document), view.tags)
        local = journals.get(stored.journal_id) if stored is not None else None
        judged = (writes.get(TAG_OPS), (stored.state, stored.waiting) if stored else None)
        if judgment.wanted is not None and document is not None and local is not None:
            assert view is not None
            if await _apply_tags_again(context, local, document, judgment, judged):
                told = Settled(
                    doc_id.hex(),
                    view.title,
                    "tags",
                    json.loads(writes.get("tags", encode(list(view.tags)))),
                    judgment.wanted,
                    to_datetime(now_ms()),
                    applied_again=True,
                    added=judgment.lost or None,  # done elsewhere and lost since: told
                )
                said = [s for s in found if s.field == "tags" and s.entry_id == told.entry_id]
                if said:
                    told = replace(told, mine=said[0].mine, at=said[0].at)
                found = [s for s in found if s not in said] + [told]
                continue
        try:
            async with store.transaction() as tx:  # judged: nothing written (or not writable)
                await _keep_tag_ops(tx, doc_id, judgment.with_item(None), judged)
        except _OpsChanged:
            continue  # judged again at the next sync
        if kept is not None:  # what its list had besides its additions went on purpose (F7)
            added = tags_added(kept)
            said = [s for s in found if s.field == "tags" and s.entry_id == doc_id.hex()]
            found = [replace(s, added=added) if s in said else s for s in found]
            if judgment.lost and not said and view is not None:  # not told by the settling
                mine, at = written.get("tags", (encode(list(view.tags)), now_ms()))
                had = list(json.loads(mine))
                had += [t for t in judgment.lost if t.casefold() not in map(str.casefold, had)]
                found.append(
                    Settled(
                        doc_id.hex(),
                        view.title,
                        "tags",
                        had,
                        list(view.tags),
                        to_datetime(at),
                        added=judgment.lost,
                    )
                )
    return found


class _OpsChanged(Exception):
    """The TAG_OPS or the entry judged changed before the judgment's transaction (another
    process of the profile edited the tags or pulled a record, another sync of this process
    ran): nothing of the judgment is written, the entry stays marked."""


Judged = tuple[str | None, tuple[bytes, bytes] | None]
"""What a judgment read, outside its transaction: the entry's TAG_OPS (their JSON; None:
none) and its stored state (`StoredDocument.state`, `.waiting`; None: no document)."""


async def _keep_tag_ops(
    tx: Transaction, doc_id: bytes, kept: dict[str, Any] | None, judged: Judged
) -> None:
    """Within `tx`: the TAG_OPS of the entry `doc_id` after a judgment (`kept`, None: none
    left), and its TAGS_ARRIVED mark forgotten. Raises _OpsChanged, writing nothing, when
    the TAG_OPS or the stored state in `tx` are no longer those judged (`judged`), read
    outside it (REV-TAGS2 F4: another process's op is never overwritten; REV-TAGS3 F4: a
    record stored meanwhile, whose page found the entry marked already, is never left
    unjudged: the mark stays)."""
    ops, state = judged
    if await tx.field_write(doc_id, TAG_OPS) != ops:
        raise _OpsChanged
    if (await tx.document_states([doc_id])).get(doc_id) != state:
        raise _OpsChanged
    await tx.forget_field_write([doc_id], TAGS_ARRIVED)
    if kept is None:
        await tx.forget_field_write([doc_id], TAG_OPS)
    else:
        await tx.put_field_write(doc_id, TAG_OPS, encode(kept), now_ms())


def tags_writes(document: Document) -> KeyWrites:
    """The writes of the entry's `tags` in its state (`key_writes`); none when unreadable."""
    try:
        return key_writes(document.state(), "fields", "tags")
    except Unreadable:
        return KeyWrites(None)


async def _apply_tags_again(
    context: Context,
    local: LocalJournal,
    document: Document,
    judgment: TagJudgment,
    judged: Judged,
) -> bool:
    """Write `judgment.wanted` as the tags of the entry `document` (of `local`), an edit made
    here (its record in the outbox), in one transaction with its value and mark (as
    `Entries.edit` keeps them), the ops' new state (`TagJudgment.with_item`: they take the
    new edit's item) and the TAGS_ARRIVED mark forgotten: this device's tag additions and
    removals applied again to the tags another device's change left. False, with nothing
    written, where the edit cannot be made now (the journal no longer writable here, the
    tags past their limits), or where the ops or the entry changed since `judged` was read
    (`_keep_tag_ops`, checked first in the edit's transaction): the caller then keeps the
    ops as they were (or leaves the entry marked)."""
    doc_id = document.doc_id
    assert judgment.wanted is not None
    profile = context.replica.profile
    committed = False
    item: Id | None = None  # the item of the tags this edit writes, read before any merge

    async def before(tx: Transaction) -> None:  # on the stored state as it was
        await _keep_tag_ops(tx, doc_id, judgment.with_item(item), judged)  # may raise

    async def also(tx: Transaction) -> None:
        nonlocal committed
        at = now_ms()
        counter = await tx.last_counter(doc_id, profile.account_id, profile.device_id)
        await tx.add_field_writes(doc_id, {"tags": encode(list(entry_view(document).tags))}, at)
        await tx.put_field_write(doc_id, EDITED, encode(counter), at)
        committed = True  # once the transaction commits (else it raises)

    try:
        fields = EntryFields(tags=normalize_tags(tuple(judgment.wanted)))
        update = edit_entry_update(document, fields, now_ms())
        item = tags_writes(document).current
        await context.save(local, document, update, also=also, before=before)
    except TJError:
        return committed  # committed, then the disclosure copies failed: it is written
    except _OpsChanged:
        return False  # nothing written; the caller's own write is refused the same way
    return True


async def _other_settled(
    stored: StoredDocument,
    pending: dict[str, tuple[str, int]],
    names: Callable[[StoredDocument], Awaitable[str]],
) -> builtins.list[Settled]:
    """The fields of a goal (its check-ins' too), a safety plan or homework this device
    changed (`pending`) that hold another value after the sync, as `settled_fields` finds an
    entry's: told in `SyncReport.settled`, this device's value kept in the document's
    history (`Goals.history`, `Safety.history`, `Homework.history`)."""
    if stored.kind == "goal":
        from client_sdk.goals import settling_values

        document = stored_document(stored)
        title = str(document.field("title", "") or "")
        now = settling_values(document)
    elif stored.kind == "safety_plan":
        from client_sdk.safety import plan_settling_values

        title, now = "", plan_settling_values(stored_document(stored))
    elif stored.kind == "homework":
        from client_sdk.schedule import homework_settling_values
        from client_sdk.templates import builtin_templates

        document = stored_document(stored)
        chosen = builtin_templates().get(str(document.field("template", "")))
        title = chosen.title if chosen is not None else ""
        if document.field("deleted") is True:
            return []
        now = homework_settling_values(document)
    else:
        return []
    if not any(name in now for name in pending):
        return []  # only a text or marks: nothing settles
    return settled_fields(
        stored.doc_id,
        title,
        pending,
        now,
        kind=stored.kind,
        journal=await names(stored),
        journal_id=stored.journal_id.hex(),
    )


@dataclasses.dataclass(frozen=True)
class _MadeCheckIn:
    """A check-in made on this device, as its mark keeps it (settling.CHECKIN_MADE)."""

    checkin: CheckIn
    at_ms: int


def _made_checkins(fields: dict[str, tuple[str, int]]) -> tuple[list[_MadeCheckIn], str]:
    """The check-ins made on this device that `fields` (a goal's local field writes not yet
    followed by another device's record) mark, oldest first, and the goal's title as the
    last of them saw it ("" when none). A damaged mark is left out."""

    made: list[_MadeCheckIn] = []
    title = ""
    for name, (value, at) in fields.items():
        part = checkin_part(name)
        if part is None or part[1] != CHECKIN_MADE:
            continue
        try:
            told = json.loads(value)
            progress, note = told.get("progress"), told.get("note", "")
            moment = int(told.get("at", at))
        except (ValueError, TypeError, AttributeError):
            continue
        if not isinstance(progress, int | None) or not isinstance(note, str):
            continue
        made.append(_MadeCheckIn(CheckIn(part[0], to_datetime(moment), progress, note), at))
        title = str(told.get("title", "") or "")
    made.sort(key=lambda m: (m.checkin.at, m.checkin.id))
    return made, title


def _changed_title(fields: dict[str, tuple[str, int]]) -> str:
    """The title this device gave a goal (`fields`: its changes not yet settled, values as
    JSON), "" when it changed none (a deleted goal's document holds none)."""
    written = fields.get("title")
    if written is None:
        return ""
    with contextlib.suppress(ValueError):
        value = json.loads(written[0])
        if isinstance(value, str):
            return value
    return ""


def _deleted_goal_or_plan(stored: StoredDocument | None) -> bool:
    """Whether `stored` is a document other than an entry (a goal, a safety plan, homework)
    that a merge deleted for good."""
    return (
        stored is not None
        and stored.kind != ENTRY
        and stored_document(stored).field("deleted") is True
    )


def _replaced_after(pending: dict[str, tuple[str, int]], text: str, state: bytes) -> bool:
    """Whether a safety plan's text this device wrote (`pending[WRITTEN_BODY]`) is gone from
    its text after a sync (`text`; `state`: the document's whole state): `set_plan` replaces
    the text whole, so a text written at the same time as this one keeps this one whole
    beside it (a merge, `merged_text`); this one gone, the other device had received it and
    wrote its own over it, a later change that the sync's update line tells, never "both
    changes in one text" (nu76 F5). Gone too when the other device's text holds this one's
    words whole (it appended to them, fix31c 6): the words are there, but as the other
    device's, every character of the run this device inserted deleted (`_run_alive`), and
    nothing was merged."""
    written = pending.get(WRITTEN_BODY)
    if written is None:
        return False
    mine = json.loads(written[0])
    if not isinstance(mine, str) or not mine:
        return False
    return mine not in text or _run_alive(state, mine) is False


def _run_alive(state: bytes, words: str) -> bool | None:
    """Whether a document's state (`state`, a Yjs v1 update) holds `words` as one run of a
    text that a single Yjs client inserted and that is not deleted: the strings of one
    client joined along their consecutive clocks, none of them deleted (a set_plan's text
    is one insert under a client id of its own: `replace_whole`). None when the state does
    not decode (nothing is then claimed)."""
    try:
        structs, deletes = yjs_decode(state)
    except Unreadable:
        return None
    runs: dict[int, list[tuple[int, int, str]]] = {}
    for struct in structs:
        if struct.text is None or struct.gone:
            continue
        dead = deletes.get(struct.client, ())
        end = struct.clock + struct.length
        if any(start < end and struct.clock < start + length for start, length in dead):
            continue  # deleted, at least in part: no live run goes through it
        runs.setdefault(struct.client, []).append((struct.clock, end, struct.text))
    whole: list[str] = []  # each run, complete: a part of one is not the words inserted
    for pieces in runs.values():
        joined, at = "", None
        for clock, end, piece in sorted(pieces):
            if clock != at and joined:
                whole.append(joined)
                joined = ""
            joined, at = joined + piece, end
        whole.append(joined)
    return words in whole


async def _other_merged_text(
    context: Context,
    stored: StoredDocument,
    pending: dict[str, tuple[str, int]],
    names: Callable[[StoredDocument], Awaitable[str]],
    synced_at: datetime,
) -> MergedText | None | Literal[False]:
    """The merge of a goal's why or a safety plan's text (`MERGED_TEXTS`) this device wrote,
    as `merged_text`; False for a document deleted meanwhile, of any kind (homework too: its
    marks are forgotten); None for one with no such text."""
    document = stored_document(stored)
    if document.field("deleted") is True:
        return False
    text_name = MERGED_TEXTS.get(stored.kind)
    if text_name is None:
        return None
    title = str(document.field("title", "") or "") if stored.kind == "goal" else ""
    text = document.text(text_name)
    if stored.kind == "safety_plan" and _replaced_after(pending, text, stored.state):
        return None
    found = merged_text(
        stored.doc_id,
        stored.kind,
        title,
        await names(stored),
        pending,
        text,
        synced_at,
        stored.journal_id.hex(),
    )
    written = pending.get(WRITTEN_BODY)
    mine = json.loads(written[0]) if written is not None else None
    if found is not None and stored.kind == "safety_plan" and isinstance(mine, str) and mine:
        # kept whole beside another device's text that held it whole: there twice (fix31c 6)
        found = dataclasses.replace(found, repeated=text.count(mine) > 1)
    return found
