"""`client.notes`: notes and reflection prompts left in a journal, by its owner or by a
therapist the journal is shared with in the annotate role.

    await therapist.notes.add("ana/Personal", "What helped on the better days?", kind="prompt")
    for note in await client.notes.list():
        print(note.author, note.text)
    await therapist.notes.withdraw(note.id)     # sent to the wrong client: take it back
"""

from __future__ import annotations

import builtins
from dataclasses import replace

from client_sdk import forgotten
from client_sdk.context import Context
from client_sdk.documents import Document
from client_sdk.errors import AccessError, NotFound
from client_sdk.inputs import checks_inputs
from client_sdk.models import now_ms
from client_sdk.replica import check_may_write, stored_document
from client_sdk.sharing import NOTE, PROMPT, Note
from client_sdk.store import LocalJournal
from client_sdk.withdrawals import WITHDRAWAL_REFUSED, RefusedWithdrawal

DISCARDED_NOTE = "discarded note"
"""`TJError.subject` of a note this device does not hold, where it discarded a copy of a
shared journal (the note may have gone with it; only that journal's owner can withdraw it)."""


@checks_inputs
class Notes:
    """Notes and prompts of the journals on this device."""

    def __init__(self, context: Context) -> None:
        self._context = context

    async def add(self, journal: str, text: str, *, kind: str = "note") -> Note:
        """Add a note (or a reflection prompt, kind="prompt") to a journal; a therapist with
        the annotate role can do this in a journal shared with them. Works offline.
        Raises NotFound for an unknown journal, AccessError without the right to annotate,
        InvalidInput for an empty or too long text, an unknown kind or a journal holding a
        pre-session brief."""
        local = await self._context.local_journal(journal, refuse_brief=True)
        return await self._context.sharing.add_note(local, kind, text)

    async def list(self, journal: str | None = None) -> builtins.list[Note]:
        """Notes and prompts of one journal or of all, the therapist's first; withdrawn ones
        are left out, except one of yours whose withdrawal the server refused (the owner made
        the share read-only or ended it before it arrived): its readers still have it, so it
        stays, not delivered, with `withdrawal_refused` saying who can remove it now. Raises
        NotFound for an unknown journal."""
        local = await self._context.local_journal(journal, refuse_brief=True) if journal else None
        found = await self._context.sharing.notes(local)
        kept = []
        for note in found:
            stored = await self._context.store.document(bytes.fromhex(note.id))
            if stored is None or stored_document(stored).field("deleted") is not True:
                kept.append(note)
                continue
            refused = await self._refused_withdrawal(bytes.fromhex(note.id))
            if refused is not None:
                kept.append(replace(note, delivered=False, withdrawal_refused=refused))
        return kept

    async def earlier_shares_elsewhere(self, journal: str | None = None) -> builtins.list[str]:
        """Display names ("ana/Personal") of the journals shared with this account again after
        an earlier share ended, of which this device holds nothing from that earlier share (it
        was added, or first synced, after it ended): the notes, prompts and acknowledgements
        this account wrote then are under keys a new share never carries (protocol.md 4.19,
        "History-free shares"), so they are on the account's other devices that synced then,
        and on the owner's, not on this one. Works offline. Raises NotFound for an
        unknown journal."""
        wanted = await self._context.local_journal(journal) if journal else None
        me = self._context.profile.account_id
        names: builtins.list[str] = []
        for local in await self._context.store.journals():
            if local.owner_id == me or (wanted and local.journal_id != wanted.journal_id):
                continue
            if await self._context.replica.earlier_share_elsewhere(local) is not None:
                names.append(self._context.display(local))
        return sorted(names)

    async def earlier_shares_forgotten(self, journal: str | None = None) -> builtins.list[str]:
        """Of `earlier_shares_elsewhere`, the journals whose copy this device held and
        discarded (`client.shares.forget`) before they were shared with this account again:
        the notes of the earlier share went with that copy; they are on the owner's devices
        and on this account's other devices that kept theirs, and this device was not
        "added after it ended". Works offline. Raises NotFound for an unknown
        journal."""
        names = set(await self.earlier_shares_elsewhere(journal))
        found = []
        for local in await self._context.store.journals():
            name = self._context.display(local)
            if name in names and await self._context.replica.copy_forgotten(local.journal_id):
                found.append(name)
        return sorted(found)

    async def _refused_withdrawal(self, doc_id: bytes) -> RefusedWithdrawal | None:
        """Why this account's withdrawal of its own note or prompt `doc_id` did not happen,
        and who can remove it now (`RefusedWithdrawal`: its `line()` says it), when the server refused it for good (it is set
        aside) while a version of the note is on the server for its readers; else None
        (not a note, not withdrawn here, never on the server, or marked deleted there since
        by the journal's owner). Reads this device's store only. Raises nothing."""
        store = self._context.store
        stored = await store.document(doc_id)
        if stored is None or stored.kind not in (NOTE, PROMPT):
            return None
        document = stored_document(stored)
        if document.field("deleted") is not True:
            return None
        refused = [r for r in await store.set_aside() if r.record.doc_id == doc_id]
        if not refused:
            return None
        authors = await store.authors_on_server(doc_id)
        journal = {j.journal_id: j for j in await store.journals()}.get(stored.journal_id)
        me = self._context.profile.account_id
        if journal is None or journal.owner_id == me or not authors:
            return None
        if await store.removed_on_server_by(doc_id, journal.owner_id):
            # The owner's own record marked it deleted (not any record of the owner's: a
            # snapshot leaves it as it is, R31 F2): the one change an owner may make to a
            # member's annotation (protocol.md 4.15).
            return None
        if (await store.creators([doc_id])).get(doc_id, journal.owner_id) != me:
            return None
        try:
            check_may_write(
                journal,
                document.kind,
                self._context.profile.username,
                self._context.display(journal),
            )
        except AccessError as no_longer:  # the verified chain: no annotate role any more
            return only_the_owner_can(journal, document.kind, doc_id, no_longer)
        # the server's free text, quoted and bounded: never read as one of the app's own
        # instructions beside the commands said with it (REV-S9B, informational)
        said = " ".join(refused[0].reason.split())[:200]
        why = AccessError(f"the server refused it, in its words {said!r}")
        return only_the_owner_can(journal, document.kind, doc_id, why, retry=True)

    async def withdraw(self, note_id: str, *, check_only: bool = False) -> Note:
        """Withdraw a note or prompt (by id, or a unique prefix of 4+ hex digits), e.g. one
        sent to the wrong client; returns it as it was. Its author (a therapist
        holding the annotate role, or the owner for their own) deletes it for good and clears
        its text, leaving none of it in this device's store files (as
        `client.shares.forget` does; best effort while another process holds the store); the
        journal's owner may also withdraw a therapist's note, and then only marks it deleted (the
        one change an owner may make to a member's annotation: protocol.md 4.15, "What the owner may
        do to a member's annotation"). It leaves `list()` here at once and on every other device at
        its next sync. A device that already synced it has had it: withdrawing cannot unsay what was
        read. The withdrawal is always sent after the note, even for one written and withdrawn
        offline: this device cannot know that a record it pushed never reached the server (a lost
        reply, another process of this profile pushing), so nothing is dropped from the outbox; a
        reader's device that gets both never lists it and its sync does not announce it. Works
        offline.

        Raises InvalidInput for a malformed or ambiguous id; NotFound for an unknown or
        already withdrawn note; AccessError for another member's note, or for your own once
        the share no longer gives you the annotate role (the owner made it read-only or ended
        it): the message then says that only the owner can remove it now (subject "withdrawal
        refused"; its `names` are `RefusedWithdrawal.names()`, for an app's own words).
        Raises InvalidInput (subject "set aside words", `names`: note) for your own note with
        a change the server refused for good (`Client.set_aside()` lists it with its words,
        which are on no other device): withdrawing it would clear them; drop that change
        first (`Client.drop_set_aside`). With `check_only=True` it raises the same errors and
        withdraws nothing (returns the note): an app asks its user to confirm only what would
        then be done."""
        local, document = await self._note_document(note_id)
        if document.field("deleted") is True:
            refused = await self._refused_withdrawal(document.doc_id)
            if refused is not None:
                raise refused_error(refused)
            raise NotFound(
                f"the {document.kind} {note_id} was already withdrawn", subject="deleted"
            )
        [before] = [
            n for n in await self._context.sharing.notes(local) if n.id == document.doc_id.hex()
        ]
        me = self._context.profile.account_id
        creator = (await self._context.store.creators([document.doc_id])).get(
            document.doc_id, local.owner_id
        )
        now = now_ms()
        if creator == me:
            await self._context.keep_set_aside_words(
                document.doc_id,
                f"the {document.kind} {note_id}",
                "note",
                ("withdraw", "withdrawing", "withdrawn"),
            )
        if creator == me:
            update = document.change(
                fields={"deleted": True, "updated_at": now}, texts={"body": ""}
            )
        elif local.owner_id == me:
            update = document.change(fields={"deleted": True, "updated_at": now})
        else:
            raise AccessError(
                f"the {document.kind} {note_id} is {before.author}'s: only its author or the "
                "journal's owner can withdraw it"
            )
        try:
            if check_only:  # what commit refuses first: the role, then a rolled-back chain
                await self._context.replica.check_commit(local, document.kind)
                return before
            await self._context.replica.commit(local, document, update)
        except AccessError as refused:
            if creator != me or local.owner_id == me:
                raise
            raise refused_error(
                only_the_owner_can(local, document.kind, document.doc_id, refused)
            ) from None
        if creator == me:
            # Its text is cleared: leave none of it in the store's files (free pages, the
            # write-ahead log), as forget does; best effort while another process holds the
            # store (R28 F4).
            await self._context.store.scrub()
        return before

    async def _note_document(self, note_id: str) -> tuple[LocalJournal, Document]:
        try:
            return await self._context.document_of_kind(note_id, NOTE)
        except NotFound:
            try:
                return await self._context.document_of_kind(note_id, PROMPT)
            except NotFound:
                raise await self._not_here(note_id) from None

    async def _not_here(self, note_id: str) -> NotFound:
        """Why this device has no note `note_id` (NU30 F8): where it discarded a copy of a
        journal shared with this account (`shares.forget`), the notes written in it went with
        it, which no sync brings back (forgotten.py keeps no note's id, so which copy is not
        known); otherwise it may not have synced it yet."""
        store = self._context.store
        discarded = forgotten.decode(await store.setting(forgotten.SETTING))
        discarded |= forgotten.decode(await store.setting(forgotten.RETURNED))
        if not discarded:
            return NotFound(f"no note or prompt {note_id} on this device", subject="document")
        situation = f"no note or prompt {note_id} on this device"
        return NotFound(
            f"{situation} (the list of notes shows those it holds): one written in a copy of "
            "a shared journal discarded here went with that copy, and only that journal's "
            "owner can withdraw it now",
            subject=DISCARDED_NOTE,
            situation=situation,
        )


def only_the_owner_can(
    journal: LocalJournal, kind: str, doc_id: bytes, refused: AccessError, *, retry: bool = False
) -> RefusedWithdrawal:
    """Why a member cannot withdraw their own note any more, and who can (NU20 C4): the
    journal's owner may mark any annotation in their journal deleted (protocol.md 4.15).
    `retry`: the verified chain still gives the member the annotate role (the server may
    not have served the owner's change yet): a retry may still deliver it."""
    reason = refused if retry else refused.situation or refused  # not its advice (NU38 N8)
    return RefusedWithdrawal(
        kind, doc_id.hex(), journal.owner_name, journal.name, str(reason), retry=retry
    )


def refused_error(refused: RefusedWithdrawal) -> AccessError:
    """The error of `Notes.withdraw` for a note only the journal's owner can remove now: its
    words, with the fields an app needs for its own (NU45 #4)."""
    return AccessError(
        str(refused),
        subject=WITHDRAWAL_REFUSED,
        situation=refused.situation,
        names=refused.names(),
    )
