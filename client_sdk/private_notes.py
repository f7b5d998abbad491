"""`client.private_notes`: a therapist's own notes about a client, which the client never sees.

    await therapist.private_notes.add("ana/Personal", "Avoidance around her sister: revisit.")
    for note in await therapist.private_notes.list("ana"):
        print(note.created_at, note.text)

Notes left with `client.notes` live in the client's journal, so the client reads them. A
private note instead is a document of kind "private_note" in a journal of the therapist's own
("Private notes", made on first use): it is sealed under that journal's key, which only the
therapist's devices hold (the journal has no member and `client.shares.grant` refuses to
share it), and it syncs between the therapist's devices like any document. It is linked to
the client by the client's username, account id and the id of the client's journal it is
about; the link is inside the ciphertext, so the server learns neither text nor client.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from client_sdk import forgotten, keys
from client_sdk.context import BRIEF_NOT_JOURNAL, Context
from client_sdk.documents import PRIVATE_NOTE, Document
from client_sdk.errors import BAD_VALUE, InvalidInput, NotFound
from client_sdk.inputs import checks_inputs
from client_sdk.models import account_label, json_time, label_digits, now_ms, quoted_name, read_time
from client_sdk.replica import Replica, stored_document
from client_sdk.store import LocalJournal

JOURNAL_NAME = "Private notes"
MAX_TEXT = 20_000  # characters (code points)


@dataclass(frozen=True)
class PrivateNote:
    """A private note: `client` (username), `journal` ("ana/Personal") and `journal_id`
    (hex) of the client's journal it is about, its text, `created_at` (UTC), and `client_id`,
    the client's account id (hex; None for a note written before notes kept it, until this
    device learns it)."""

    id: str
    client: str
    journal: str
    journal_id: str
    text: str
    created_at: datetime
    client_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: times as ISO 8601 strings in UTC; ids as hex."""
        return {
            "id": self.id,
            "client": self.client,
            "journal": self.journal,
            "journal_id": self.journal_id,
            "text": self.text,
            "created_at": json_time(self.created_at),
            "client_id": self.client_id,
        }


def is_account_id(value: object) -> bool:
    """Whether `value` is an account id as a note stores it: 32 lowercase hex digits."""
    return (
        isinstance(value, str) and len(value) == 32 and all(c in "0123456789abcdef" for c in value)
    )


def note_view(document: Document) -> PrivateNote | None:
    """The note a document holds, or None when it was deleted or is malformed."""
    values = document.field_values()
    client, journal, journal_id = (
        values.get("client"),
        values.get("journal"),
        values.get("journal_id"),
    )
    created = values.get("created_at")
    text = document.text("text")
    if values.get("deleted") or not text.strip():
        return None
    created_at = read_time(created)
    if created_at is None:
        return None  # not a time a datetime holds (numbers come back as floats)
    if not all(isinstance(v, str) and v for v in (client, journal, journal_id)):
        return None
    client_id = values.get("client_id")
    if client_id is not None and not is_account_id(client_id):
        return None  # a field of notes since REV-NAMES F2: absent in older ones, never malformed
    return PrivateNote(
        document.doc_id.hex(),
        str(client),
        str(journal),
        str(journal_id),
        text,
        created_at,
        str(client_id) if client_id is not None else None,
    )


@checks_inputs
class PrivateNotes:
    """`client.private_notes`: notes about clients that only this account can read."""

    def __init__(self, context: Context) -> None:
        self._context = context

    async def add(self, journal: str, text: str) -> PrivateNote:
        """A private note about the client whose journal (shared with this account, or the
        kept copy of a share that ended) is `journal` ("ana/Personal"; or "ana" when ana
        shares one journal with this account). Works offline.
        Raises NotFound for an unknown journal, InvalidInput for a journal of this account's
        own, an empty text or one over 20,000 characters."""
        about = await self._about(journal)
        me = self._context.replica.profile.account_id
        if about.owner_id == me:
            raise InvalidInput(
                "a private note is about a client: name a journal shared with you",
                subject="refused",
            )
        if not text.strip():
            raise InvalidInput("a private note needs some text", subject=BAD_VALUE)
        if len(text) > MAX_TEXT:
            raise InvalidInput(
                f"a private note holds at most {MAX_TEXT:,} characters", subject=BAD_VALUE
            )
        target = await self._journal(create=True)
        assert target is not None
        document = Document(keys.new_doc_id(me), PRIVATE_NOTE)
        update = document.change(
            fields={
                "client": self._context.replica.owner_label(about),
                "journal": self._context.display(about),
                "journal_id": about.journal_id.hex(),
                "client_id": about.owner_id.hex(),
                "created_at": now_ms(),
            },
            texts={"text": text},
        )
        await self._context.replica.commit(target, document, update)
        found = note_view(document)
        assert found is not None
        return found

    async def list(self, client: str | None = None) -> builtins.list[PrivateNote]:
        """Private notes, newest first (by `created_at`), of one client (a username, or one
        of their journals: "ana" or "ana/Personal") or of all. Works offline.
        Raises nothing."""
        target = await self._journal(create=False)
        if target is None:
            return []
        journals = {j.journal_id.hex(): j for j in await self._context.store.journals()}
        labels = self._labels(journals.values())
        # the accounts `client` names now: a note that keeps its client's account id is
        # about one of them, whatever username it was written with (REV-NAMES F2)
        named = {
            account
            for account, label in labels.items()
            if client == label
            or any(
                client == self._context.display(j)
                for j in journals.values()
                if j.owner_id.hex() == account
            )
        }
        found = []
        for stored in await self._context.store.documents(target.journal_id, (PRIVATE_NOTE,)):
            view = note_view(stored_document(stored)) if stored.kind == PRIVATE_NOTE else None
            if view is not None:
                view = self._named_now(view, journals.get(view.journal_id), labels)
            if view is None or client not in (None, view.client, view.journal):
                continue
            if client is not None and named and view.client_id not in (None, *named):
                continue  # another account that bore the name (an erased kim's, forgotten)
            found.append(view)
        return sorted(found, key=lambda n: (n.created_at, n.id), reverse=True)

    async def without_copy(self) -> builtins.list[PrivateNote]:
        """The newest private note about each client journal of which this device holds no
        copy and never discarded one (`forgotten`: not forgotten, nor left, here): a journal
        another device of this account read and wrote the note about, whose share the server
        no longer serves to this account before this device downloaded it (nu85 F5: a client
        who shared and unshared while this device was not syncing). The note is this
        account's own, sealed under its own journal's key: the server can withhold it but
        not make one up. A journal the server lists whose access chain this device could not
        verify or replay (a problem of its chain: tampered, or an entry of a newer chain
        version, "update the app") is left out: it is served, and the sync said why it is
        not here (rev34e F1, F3). Newest first. Works offline. Raises nothing."""
        await self._context.replica.load_access()
        held = {j.journal_id.hex() for j in await self._context.store.journals()}
        held |= {journal_id.hex() for journal_id in self._context.replica.chains.problems()}
        setting = self._context.store.setting
        gone = forgotten.decode(await setting(forgotten.SETTING))
        gone |= forgotten.decode(await setting(forgotten.LEFT))
        found: dict[str, PrivateNote] = {}
        for note in await self.list():
            if note.journal_id in held or note.journal_id in found:
                continue
            try:
                journal_id = bytes.fromhex(note.journal_id)
            except ValueError:
                continue
            if forgotten.tag(journal_id) not in gone:
                found[note.journal_id] = note
        return builtins.list(found.values())

    def _labels(self, journals: Iterable[LocalJournal]) -> dict[str, str]:
        """`Replica.owner_label` of every other account with a journal here, by id (hex)."""
        me = self._context.replica.profile.account_id
        return {
            j.owner_id.hex(): self._context.replica.owner_label(j)
            for j in journals
            if j.owner_id != me
        }

    def _named_now(
        self, note: PrivateNote, about: LocalJournal | None, labels: dict[str, str]
    ) -> PrivateNote:
        """`note` with its client and journal named as this device names them now
        (`Replica.owner_label`, `Context.display`) while the journal it is about is here:
        the words it was written with may name another account that bore the username
        (NU46 #2: an erased client's notes read as the new "kim"'s). Its journal gone, a
        note that keeps its client's account id (`labels`: every other account with a
        journal here, by id) is named as that account is now, or, where another account
        here bears the username it was written with, with the start of its own account id
        ("kim (account 1a2b3c4d)": REV-NAMES F2)."""
        if about is not None:
            if about.owner_id == self._context.replica.profile.account_id:
                return note
            return replace(
                note,
                client=self._context.replica.owner_label(about),
                journal=self._context.display(about),
            )
        if note.client_id is None:
            return note
        name = labels.get(note.client_id)
        if name is None:
            same = [
                a
                for a, label in labels.items()
                if label.split(" (account ", 1)[0].casefold() == note.client.casefold()
            ]
            if not same:
                return note
            name = account_label(note.client, note.client_id, label_digits([note.client_id, *same]))
        prefix = f"{note.client}/"
        journal = note.journal.removeprefix(prefix) if note.journal.startswith(prefix) else ""
        return replace(note, client=name, journal=f"{name}/{journal}" if journal else note.journal)

    async def get(self, note_id: str) -> PrivateNote:
        """A private note by id (a unique prefix of 4+ hex digits will do). Works offline.
        Raises InvalidInput for a malformed or ambiguous id, NotFound for an unknown or
        deleted note."""
        _, document = await self._context.document_of_kind(note_id, PRIVATE_NOTE)
        found = note_view(document)
        if found is None:
            raise NotFound(f"private note {note_id} was deleted", subject="document")
        return await self._named(found)

    async def delete(self, note_id: str) -> PrivateNote:
        """Delete a private note (a unique id prefix of 4+ hex digits will do) and return
        what it was. Works offline. Raises InvalidInput for a malformed or ambiguous id,
        NotFound for an unknown or already deleted note, InvalidInput (subject "set aside
        words", `names`: private note) for a note with a change the server refused for good
        (`Client.set_aside()` lists it with its words, which are on no other device): deleting
        it would clear them; drop that change first (`Client.drop_set_aside`)."""
        local, document = await self._context.document_of_kind(note_id, PRIVATE_NOTE)
        found = note_view(document)
        if found is None:
            raise NotFound(f"private note {note_id} was deleted", subject="document")
        await self._context.keep_set_aside_words(
            document.doc_id,
            f"private note {note_id}",
            "private note",
            ("delete", "deleting", "deleted"),
        )
        found = await self._named(found)
        update = document.change(fields={"deleted": True}, texts={"text": ""})
        await self._context.replica.commit(local, document, update)
        return found

    async def _named(self, note: PrivateNote) -> PrivateNote:
        """`_named_now`, the journals read from the store."""
        journals = {j.journal_id.hex(): j for j in await self._context.store.journals()}
        return self._named_now(note, journals.get(note.journal_id), self._labels(journals.values()))

    async def _about(self, journal: str) -> LocalJournal:
        """The journal `journal` names ("ana/Personal"), or the one journal the client named
        by `journal` ("ana") shares with this account (never a brief: `Context.local_journal`
        resolves both). Raises NotFound, or InvalidInput when the client shares several
        (naming them) or `journal` names a brief."""
        try:
            return await self._context.local_journal(journal, refuse_brief=True)
        except NotFound as error:
            if "/" in journal or error.subject == BRIEF_NOT_JOURNAL:
                raise
            raise NotFound(
                f"no journal named {quoted_name(journal)}, and no client {quoted_name(journal)} shares one",
                subject="client",
            ) from None

    async def kept_in(self) -> str | None:
        """The id (hex) of the journal of this account the notes are kept in ("Private
        notes"), None before the first note. Works offline. Raises nothing."""
        journal = await self._journal(create=False)
        return journal.journal_id.hex() if journal is not None else None

    async def _journal(self, *, create: bool) -> LocalJournal | None:
        """This account's private notes journal (the first holding private notes, else the
        one of that name), made on first use when `create`."""
        me = self._context.replica.profile.account_id
        store = self._context.store
        own = [j for j in await store.journals() if j.owner_id == me and j.role == "owner"]
        holding = await store.journals_holding(PRIVATE_NOTE)
        found = next((j for j in own if j.journal_id in holding), None)
        if found is None:
            found = next((j for j in own if j.name == JOURNAL_NAME), None)
        if (
            found is not None
            and create
            and await self._context.replica.current_shares(
                found.journal_id,
                ended=True,  # a member past the end date still holds the key
            )
        ):
            # Shared on another device that had not seen its notes, or before the first:
            # nothing more goes in (what waits there stays on this device: PRIVATE_HELD).
            raise InvalidInput(
                f"your journal {quoted_name(found.name)} is shared, so it cannot hold private notes: "
                "end its shares or rename it, then add the note again",
                subject="refused",
            )
        if found is not None or not create:
            return found
        return await self._context.replica.create_journal(JOURNAL_NAME)


async def holds_private_notes(context: Context, journal: LocalJournal) -> bool:
    """Whether `journal` holds private notes (and so must never be shared)."""
    return journal.journal_id in await context.store.journals_holding(PRIVATE_NOTE)


async def stamp_client(replica: Replica, about: LocalJournal) -> int:
    """Before the copy of `about` (another account's journal) is discarded: write into every
    private note about it its client's account id, where the note has none (written before
    notes kept it), and the names this device gives the client and journal now, so that the
    note stays about that person once the journal is gone (REV-NAMES F2: an erased kim's
    notes never read as the new kim's). Returns how many notes changed. Raises what
    `Replica.commit` raises (a store that cannot be written)."""
    me = replica.profile.account_id
    journals = await replica.store.journals()
    holding = await replica.store.journals_holding(PRIVATE_NOTE)
    fields = {
        "client_id": about.owner_id.hex(),
        "client": replica.owner_label(about),
        "journal": replica.shown_name(about),
    }
    changed = 0
    for target in journals:
        if target.owner_id != me or target.journal_id not in holding:
            continue
        for stored in await replica.store.documents(target.journal_id, (PRIVATE_NOTE,)):
            document = stored_document(stored)
            view = note_view(document)
            if view is None or view.journal_id != about.journal_id.hex():
                continue
            if view.client_id not in (None, fields["client_id"]):
                continue  # never written so: the note names another account; left as it is
            now = {"client_id": view.client_id, "client": view.client, "journal": view.journal}
            if now == fields:
                continue
            update = document.change(fields={k: v for k, v in fields.items() if now[k] != v})
            await replica.commit(target, document, update)
            changed += 1
    return changed
