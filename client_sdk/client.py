"""The public SDK: an account on one device, its journals and entries, and sync.

    client = await Client.signup("https://tj.example", "ana", password, home=path)
    entry = await client.write("Personal", "Slept better today.", mood=7, tags=["sleep"])
    await client.sync()

Every method that changes data works offline: the change is sealed into a record, stored
locally with the document it changes, and pushed at the next `sync()`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from types import TracebackType
from typing import Any

import nacl.signing

from client_sdk import account, crypto, keys, queries, wire
from client_sdk.archive import Archive
from client_sdk.care import Assignments, Homework
from client_sdk.crypto import INTERACTIVE, MODERATE, KdfCost
from client_sdk.documents import (
    ENTRY,
    MAX_TITLE,
    Document,
    EntryFields,
    EntryView,
    delete_entry_update,
    edit_entry_update,
    entry_view,
    new_entry_update,
    normalize_emotions,
    restore_entry_update,
    trash_entry_update,
    trash_expired,
)
from client_sdk.errors import AuthError, InvalidInput, NetworkError, NotFound
from client_sdk.goals import (
    GOAL,
    Goal,
    Measure,
    checkin_update,
    complete_goal_update,
    goal_view,
    new_goal_update,
)
from client_sdk.insights import Insights, compute_insights
from client_sdk.live import DEFAULT_BACKOFF, Backoff
from client_sdk.live import notices as live_notices
from client_sdk.measures import Measures
from client_sdk.models import (
    Change,
    DeviceInfo,
    Entry,
    Journal,
    normalize_username,
    now_ms,
    to_datetime,
)
from client_sdk.portability import ImportProgress, ImportReport, gather, restore, write_markdown
from client_sdk.practice import Briefs, Caseload
from client_sdk.profile import (
    Profile,
    ensure_home,
    is_locked,
    load_profile,
    profile_exists,
    remove_profile,
    save_profile,
)
from client_sdk.prompts import (
    LIBRARY,
    RECENT_DAYS,
    THERAPIST,
    Prompt,
    answered_at,
    library_prompt,
    rank,
    select,
)
from client_sdk.pushing import SetAsideChange, set_aside_changes
from client_sdk.queries import select_entries
from client_sdk.replica import REVOKED, Replica, stored_document
from client_sdk.report import render_report
from client_sdk.safety_path import SafetyPath
from client_sdk.search import SearchHit, search_entries
from client_sdk.sharing import AuditInfo, Note, SharedJournal, ShareInfo, Sharing
from client_sdk.store import LocalJournal, Problem, Store
from client_sdk.sync import Progress, SyncReport
from client_sdk.transport import Transport

DEFAULT_JOURNAL = "Personal"
MAX_JOURNAL_NAME = 100


class Client:
    """One account on one device (a profile directory)."""

    def __init__(self, home: Path, profile: Profile, store: Store, transport: Transport) -> None:
        self.home = home
        self.profile = profile
        self.store = store
        self.transport = transport
        self.recovery_key: str | None = None  # set only right after signup, to show once
        self.replica = Replica(profile, store, transport)
        self.sharing = Sharing(self.replica)
        self.measures = Measures(
            self.replica, self.sharing, self._local_journal, self._display, self._document_of_kind
        )
        """Questionnaires (PHQ-9, GAD-7, PCL-5): take, list, share results (measures.py)."""
        self.safety = SafetyPath(
            self.replica, self._local_journal, self._display, self._document_of_kind
        )
        """The safety message, the client's safety plan, safety flags (safety_path.py)."""
        wiring = (self.replica, self._local_journal, self._display, self._document_of_kind)
        self.assignments = Assignments(*wiring)
        """Measures and homework a therapist assigns, and what is due (care.py)."""
        self.homework = Homework(*wiring)
        """Structured homework from templates (care.py, templates.py)."""
        self.briefs = Briefs(
            self.replica, self.sharing, self.entries, self.goals, self.measures, self.homework
        )
        """Pre-session briefs: prepare, share as one time-boxed item, read (practice.py)."""
        self.caseload = Caseload(
            self.replica,
            self.entries,
            self.goals,
            self.measures,
            self.assignments,
            self.safety,
            self.briefs,
        )
        """A therapist's clients, who needs attention first (practice.py, caseload.py)."""

    # --- lifecycle --------------------------------------------------------------------------

    @classmethod
    async def signup(
        cls,
        server_url: str,
        username: str,
        password: str,
        *,
        home: Path | str,
        device_name: str | None = None,
        kdf_cost: KdfCost = MODERATE,
        passphrase: str | None = None,
    ) -> Client:
        """Create an account; `client.recovery_key` holds the recovery key to show once."""
        home = Path(home)
        username = normalize_username(username)
        account.check_password(password)
        if profile_exists(home):
            raise InvalidInput(f"{home} already holds an account: choose another home directory")
        transport = Transport(server_url)
        try:
            session, recovery_key = await account.signup(
                transport, username, password, kdf_cost, device_name
            )
        except BaseException:
            await transport.close()
            raise
        client = await cls._start(home, transport, username, session, passphrase)
        client.recovery_key = keys.format_recovery_key(recovery_key)
        await client.create_journal(DEFAULT_JOURNAL)
        return client

    @classmethod
    async def login(
        cls,
        server_url: str,
        username: str,
        password: str,
        *,
        home: Path | str,
        device_name: str | None = None,
        minimum_cost: KdfCost = INTERACTIVE,
        passphrase: str | None = None,
    ) -> Client:
        """Log this device in; the password only derives keys locally."""
        home = Path(home)
        username = normalize_username(username)
        transport = Transport(server_url)
        try:
            session = await account.login(transport, username, password, minimum_cost, device_name)
        except BaseException:
            await transport.close()
            raise
        return await cls._start(home, transport, username, session, passphrase)

    @classmethod
    async def recover(
        cls,
        server_url: str,
        username: str,
        recovery_key: str,
        new_password: str,
        *,
        home: Path | str,
        device_name: str | None = None,
        kdf_cost: KdfCost = MODERATE,
        passphrase: str | None = None,
    ) -> Client:
        """Log in with the recovery key and set a new password."""
        home = Path(home)
        username = normalize_username(username)
        account.check_password(new_password)
        raw_key = keys.parse_recovery_key(recovery_key)
        transport = Transport(server_url)
        try:
            session = await account.recover(transport, username, raw_key, device_name)
        except BaseException:
            await transport.close()
            raise
        client = await cls._start(home, transport, username, session, passphrase)
        await client._set_password(new_password, kdf_cost, keys.recovery_login_key(raw_key))
        return client

    @staticmethod
    def needs_passphrase(home: Path | str) -> bool:
        """Whether the profile in `home` exists and is locked with a passphrase."""
        return profile_exists(Path(home)) and is_locked(Path(home))

    @classmethod
    async def open(cls, home: Path | str, *, passphrase: str | None = None) -> Client:
        """Open the account already on this device (no network needed)."""
        home = Path(home)
        profile = load_profile(home, passphrase)
        store = await Store.open(home)
        try:
            return cls(home, profile, store, Transport(profile.server_url, profile.token))
        except BaseException:
            await store.close()
            raise

    @classmethod
    async def _start(
        cls,
        home: Path,
        transport: Transport,
        username: str,
        session: account.Session,
        passphrase: str | None,
    ) -> Client:
        reply, secrets = session.reply, session.secrets
        if profile_exists(home):
            previous = load_profile(home, passphrase)
            if previous.account_id != reply.account_id:
                await transport.close()
                raise InvalidInput(
                    f"{home} holds the account {previous.username}: log out first or use another home"
                )
        ensure_home(home)
        profile = Profile(
            server_url=transport.base_url,
            username=username,
            account_id=reply.account_id,
            device_id=reply.device_id,
            server_id=reply.server_id,
            token=reply.token,
            secrets=secrets,
        )
        save_profile(home, profile, passphrase)
        transport.token = reply.token
        store = await Store.open(home)
        client = cls(home, profile, store, transport)
        await client.replica.refresh_journals()
        return client

    async def close(self) -> None:
        """Close the HTTP session and the local store (always both: an unclosed store keeps
        a worker thread alive and the process could never exit)."""
        try:
            await self.transport.close()
        finally:
            await self.store.close()

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def username(self) -> str:
        return self.profile.username

    def set_passphrase(self, passphrase: str | None, *, cost: KdfCost = INTERACTIVE) -> None:
        """Lock this device's secrets with a passphrase (Argon2id at `cost`), or unlock them
        with None; opening the profile then needs the passphrase."""
        if passphrase is not None and len(passphrase) < 8:
            raise InvalidInput("choose a passphrase of at least 8 characters")
        save_profile(self.home, self.profile, passphrase, cost)

    async def logout(self) -> int:
        """Sign this device out and forget its local data; returns the records dropped that
        never reached the server (the outbox and the changes set aside)."""
        unsynced = await self.store.outbox_size() + len(await self.store.set_aside())
        try:
            await self.transport.call("/v1/auth/logout", wire.Empty(), wire.Empty)
        except (AuthError, NetworkError):
            pass  # already signed out, or offline: forgetting locally is what matters
        await self.close()
        remove_profile(self.home)
        for name in ("store.db", "store.db-wal", "store.db-shm"):
            (self.home / name).unlink(missing_ok=True)
        return unsynced

    async def change_password(
        self,
        old_password: str,
        new_password: str,
        *,
        kdf_cost: KdfCost = MODERATE,
        minimum_cost: KdfCost = INTERACTIVE,
    ) -> None:
        """Re-wrap the key bundle under a new password; nothing else is re-encrypted."""
        account.check_password(new_password)
        old = await account.password_keys(self.transport, self.username, old_password, minimum_cost)
        await self._set_password(new_password, kdf_cost, old.login_key)

    async def _set_password(
        self, password: str, cost: KdfCost, proof_key: nacl.signing.SigningKey
    ) -> None:
        await account.set_password(
            self.transport,
            self.username,
            self.profile.account_id,
            self.profile.secrets,
            password,
            cost,
            proof_key,
        )

    # --- identity and devices ---------------------------------------------------------------

    async def fingerprint(self, username: str | None = None) -> str:
        """The safety number of this account, or of another account (verified self-signature)."""
        if username is None or normalize_username(username) == self.username:
            secrets = self.profile.secrets
            return keys.fingerprint(
                self.profile.account_id,
                self.username,
                secrets.sign_public_key,
                secrets.box_public_key,
            )
        identity = await self.identity(username)
        return keys.fingerprint(
            identity.account_id,
            identity.username,
            identity.sign_public_key,
            identity.box_public_key,
        )

    async def identity(self, username: str) -> wire.Identity:
        """Another account's public identity, its self-signature verified."""
        return await self.sharing.identity(username)

    async def devices(self) -> list[DeviceInfo]:
        reply = await self.transport.call("/v1/devices/list", wire.Empty(), wire.DeviceList)
        return [
            DeviceInfo(
                d.device_id.hex(),
                d.name,
                to_datetime(d.created_at),
                to_datetime(d.last_seen_at),
                to_datetime(d.expires_at),
                d.current,
            )
            for d in reply.devices
        ]

    async def revoke_device(self, device_id: str) -> None:
        matches = [d for d in await self.devices() if d.id.startswith(device_id.lower())]
        if len(matches) != 1:
            raise NotFound(f"no single device matches {device_id!r}: see `tj devices`")
        await self.transport.call(
            "/v1/devices/revoke", wire.DeviceRevokeRequest(bytes.fromhex(matches[0].id)), wire.Empty
        )

    # --- journals ---------------------------------------------------------------------------

    async def journals(self) -> list[Journal]:
        await self.replica.load_access()
        journals = [self._journal(j) for j in await self.store.journals() if j.role != REVOKED]
        return sorted(journals, key=lambda j: (j.owner != self.username, j.name.casefold()))

    async def journal(self, name_or_id: str | None = None) -> Journal:
        return self._journal(await self._local_journal(name_or_id))

    async def _local_journal(
        self, name_or_id: str | None, journals: list[LocalJournal] | None = None
    ) -> LocalJournal:
        """A journal by name or id, from `journals` if given (else read from the store)."""
        wanted = name_or_id or DEFAULT_JOURNAL
        if journals is None:
            journals = await self.store.journals()
        journals = [j for j in journals if j.role != REVOKED]
        for journal in journals:
            if self._display(journal) == wanted or journal.journal_id.hex() == wanted.lower():
                return journal
        folded = [j for j in journals if self._display(j).casefold() == wanted.casefold()]
        if len(folded) == 1:
            return folded[0]
        raise NotFound(f"no journal named {wanted!r} on this device: see `tj journal list`")

    def _display(self, journal: LocalJournal) -> str:
        if journal.owner_id == self.profile.account_id:
            return journal.name
        return f"{journal.owner_name}/{journal.name}"

    def _journal(self, local: LocalJournal) -> Journal:
        owner = self.username if local.owner_id == self.profile.account_id else local.owner_name
        return Journal(
            local.journal_id.hex(),
            self._display(local),
            local.role,
            local.owner_id.hex(),
            owner,
            self.replica.owner_verified(local),
        )

    async def _own_journal_named(self, name: str) -> LocalJournal | None:
        for journal in await self.store.journals():
            mine = journal.owner_id == self.profile.account_id
            if mine and journal.name.casefold() == name.casefold():
                return journal
        return None

    async def create_journal(self, name: str) -> Journal:
        """Create a journal on the server (needs the network) and locally. Retrying after a
        lost reply returns the journal the first attempt created instead of a second one."""
        name = name.strip()
        if not name or len(name) > MAX_JOURNAL_NAME or "/" in name:
            raise InvalidInput(f"a journal name is 1 to {MAX_JOURNAL_NAME} characters, without '/'")
        if await self._own_journal_named(name) is not None:
            raise InvalidInput(f"a journal named {name!r} already exists")
        await self.replica.refresh_journals()
        created_meanwhile = await self._own_journal_named(name)
        if created_meanwhile is not None:
            return self._journal(created_meanwhile)  # by another device, or by a retried call
        return self._journal(await self.replica.create_journal(name))

    # --- entries ----------------------------------------------------------------------------

    async def write(
        self,
        journal: str | None,
        body: str,
        *,
        title: str | None = None,
        mood: int | None = None,
        tags: list[str] | tuple[str, ...] = (),
        emotions: list[str] | tuple[str, ...] = (),
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

        Raises InvalidInput for a field out of its limits (documents.py), NotFound for an
        unknown journal or prompt.
        """
        if prompt_id is not None:
            prompt = await self.prompt(prompt_id)
            prompt_id, title = prompt.id, title if title is not None else prompt.text[:MAX_TITLE]
            journal = journal or prompt.journal
        journals = await self.store.journals()
        local = await self._local_journal(journal, journals)
        fields = EntryFields(
            title=title,
            mood=mood,
            tags=tuple(tags),
            body=body,
            emotions=normalize_emotions(emotions),
            prompt_id=prompt_id,
        ).validate()
        moment = _moment(created_at) or datetime.now().astimezone()
        offset = moment.utcoffset()
        document = Document(crypto.random_bytes(wire.ID_BYTES), ENTRY)
        update = new_entry_update(
            document,
            fields,
            now_ms(),
            created_at_ms=int(moment.timestamp() * 1000) if created_at is not None else None,
            utc_offset=int(offset.total_seconds() // 60) if offset is not None else None,
        )
        await self.replica.commit(local, document, update, new=True)
        view = entry_view(document)  # once: reading a CRDT back costs tens of microseconds
        await self.sharing.mirror(local, document, view.created_at, journals)
        return self._entry_of(local, view)

    async def edit(
        self,
        entry_id: str,
        *,
        title: str | None = None,
        mood: int | None = None,
        tags: list[str] | tuple[str, ...] | None = None,
        body: str | None = None,
        append: str | None = None,
        emotions: list[str] | tuple[str, ...] | None = None,
    ) -> Entry:
        """Change the given fields of an entry (None leaves a field as it is).

        Raises NotFound for an unknown, deleted or trashed entry, InvalidInput for a field out
        of its limits (an append that would pass MAX_BODY characters included)."""
        local, document = await self._live_entry(entry_id)
        fields = EntryFields(
            title=title,
            mood=mood,
            tags=tuple(tags) if tags is not None else None,
            body=body,
            append=append,
            emotions=normalize_emotions(emotions) if emotions is not None else None,
        )
        update = edit_entry_update(document, fields, now_ms())
        await self._save(local, document, update)
        return self._entry(local, document)

    async def delete(self, entry_id: str) -> Entry:
        """Move an entry to the trash, on every device at the next sync: it disappears from
        lists, search and insights, and `restore` brings it back for TRASH_DAYS (30) days.
        Returns the trashed entry. Raises NotFound for an unknown or deleted entry."""
        local, document = await self._entry_document(entry_id)
        view = entry_view(document)
        if view.deleted or trash_expired(view, now_ms()):
            raise NotFound(f"entry {entry_id} was deleted")
        if view.trashed_at is None:
            await self._save(local, document, trash_entry_update(document, now_ms()))
        return self._entry(local, document)

    async def restore(self, entry_id: str) -> Entry:
        """Take an entry out of the trash. Raises NotFound when it is not in the trash (or
        was there for more than TRASH_DAYS days and is deleted for good)."""
        local, document = await self._entry_document(entry_id)
        view = entry_view(document)
        if view.deleted or trash_expired(view, now_ms()):
            raise NotFound(f"entry {entry_id} was deleted for good")
        if view.trashed_at is None:
            raise NotFound(f"entry {entry_id} is not in the trash")
        await self._save(local, document, restore_entry_update(document, now_ms()))
        return self._entry(local, document)

    async def trash(self) -> list[Entry]:
        """Entries in the trash of the journals this account owns, most recently trashed
        first. Entries trashed TRASH_DAYS (30) days ago or more are deleted for good here."""
        found = []
        now = now_ms()
        for local, document in await self._owned_entry_documents():
            view = entry_view(document)
            if view.deleted or view.trashed_at is None:
                continue
            if trash_expired(view, now):
                await self._save(local, document, delete_entry_update(document, now))
            else:
                found.append(self._entry(local, document))
        return sorted(found, key=lambda e: (e.trashed_at, e.id), reverse=True)

    async def empty_trash(self) -> int:
        """Delete every entry in the trash for good, on every device; returns how many."""
        emptied = 0
        for local, document in await self._owned_entry_documents():
            view = entry_view(document)
            if not view.deleted and view.trashed_at is not None:
                await self._save(local, document, delete_entry_update(document, now_ms()))
                emptied += 1
        return emptied

    async def _owned_entry_documents(self) -> list[tuple[LocalJournal, Document]]:
        journals = {j.journal_id: j for j in await self.store.journals() if j.role == "owner"}
        return [
            (journals[stored.journal_id], stored_document(stored))
            for stored in await self.store.documents(None)
            if stored.kind == ENTRY
            and stored.journal_id in journals
            and not self.replica.is_disclosure(journals[stored.journal_id])
        ]

    async def entry(self, entry_id: str) -> Entry:
        """One entry by id (or a unique prefix of 4+ hex digits). Raises NotFound for an
        unknown, deleted or trashed one (`trash` lists those)."""
        local, document = await self._live_entry(entry_id)
        return self._entry(local, document)

    async def _live_entry(self, entry_id: str) -> tuple[LocalJournal, Document]:
        """An entry that is neither deleted nor in the trash, else NotFound."""
        local, document = await self._entry_document(entry_id)
        view = entry_view(document)
        if view.deleted or trash_expired(view, now_ms()):
            raise NotFound(f"entry {entry_id} was deleted")
        if view.trashed_at is not None:
            raise NotFound(f"entry {entry_id} is in the trash: restore it first")
        return local, document

    async def entries(
        self,
        journal: str | None = None,
        *,
        since: date | datetime | None = None,
        until: date | datetime | None = None,
        tag: str | None = None,
        emotion: str | None = None,
        limit: int | None = None,
        newest_first: bool = True,
        include_deleted: bool = False,
    ) -> list[Entry]:
        """Entries of one journal (name or id; "owner/name" for a shared one) or of all,
        filtered and ordered by `queries.select_entries`: `since`/`until` are inclusive (a
        date is a whole day in the writer's local time; a naive datetime is this device's
        local time), `tag` ignores case, `limit` keeps the first N in the order asked
        (newest first by default).

        Raises NotFound for an unknown journal, InvalidInput for bad bounds or limit.

            await client.entries("Personal", since=date(2026, 10, 1), tag="sleep", limit=20)
        """
        found = await self._all_entries(journal, include_deleted=include_deleted)
        return select_entries(
            found,
            since=_bound(since),
            until=_bound(until),
            tag=tag,
            emotion=emotion,
            limit=limit,
            newest_first=newest_first,
        )

    async def on_this_day(self, today: date | None = None) -> list[Entry]:
        """Entries written on this month and day in earlier years, newest first (the
        writer's local days; `today` defaults to this device's local date)."""
        return queries.on_this_day(await self._all_entries(None), today or date.today())

    async def _all_entries(
        self, journal: str | None, *, include_deleted: bool = False
    ) -> list[Entry]:
        """Entries, newest first, of one journal or of all journals."""
        journals = {j.journal_id: j for j in await self.store.journals()}
        journal_id = (await self._local_journal(journal)).journal_id if journal else None
        found = []
        for stored in await self.store.documents(journal_id):
            if stored.kind != ENTRY or stored.journal_id not in journals:
                continue
            source = journals[stored.journal_id]
            if journal_id is None and source.role == "owner" and self.replica.is_disclosure(source):
                continue  # copies made for a therapist; the originals are listed
            view = self._entry(journals[stored.journal_id], stored_document(stored))
            if include_deleted or not (view.deleted or view.trashed_at is not None):
                found.append(view)
        return sorted(found, key=lambda e: (e.created_at, e.id), reverse=True)

    async def _entry_document(self, entry_id: str) -> tuple[LocalJournal, Document]:
        doc_id = await self._resolve_id(entry_id)
        stored = await self.store.document(doc_id)
        if stored is None or stored.kind != ENTRY:
            raise NotFound(f"no entry {entry_id} on this device")
        journals = {j.journal_id: j for j in await self.store.journals()}
        return journals[stored.journal_id], stored_document(stored)

    async def _resolve_id(self, text: str) -> bytes:
        cleaned = text.strip().lower()
        if (
            len(cleaned) < 4
            or len(cleaned) > 32
            or any(c not in "0123456789abcdef" for c in cleaned)
        ):
            raise InvalidInput(f"{text!r} is not an entry id (4 to 32 hex digits)")
        if len(cleaned) % 2:
            candidates = await self.store.document_ids_with_prefix(bytes.fromhex(cleaned[:-1]))
            candidates = [c for c in candidates if c.hex().startswith(cleaned)]
        else:
            candidates = await self.store.document_ids_with_prefix(bytes.fromhex(cleaned))
        if not candidates:
            raise NotFound(f"no entry {text} on this device (try `tj sync`)")
        if len(candidates) > 1:
            raise InvalidInput(f"{text} matches several entries: give more of the id")
        return candidates[0]

    def _entry(self, journal: LocalJournal, document: Document) -> Entry:
        return self._entry_of(journal, entry_view(document))

    def _entry_of(self, journal: LocalJournal, view: EntryView) -> Entry:
        return Entry(
            id=view.id.hex(),
            journal=self._display(journal),
            journal_id=journal.journal_id.hex(),
            title=view.title,
            body=view.body,
            mood=view.mood,
            tags=view.tags,
            created_at=to_datetime(view.created_at),
            updated_at=to_datetime(view.updated_at),
            deleted=view.deleted,
            emotions=view.emotions,
            prompt_id=view.prompt_id,
            utc_offset=view.utc_offset,
            trashed_at=to_datetime(view.trashed_at) if view.trashed_at is not None else None,
        )

    async def _save(self, journal: LocalJournal, document: Document, update: bytes) -> None:
        """Commit a local change, then keep field-level disclosure copies current."""
        await self.replica.commit(journal, document, update)
        await self.sharing.mirror(journal, document)

    # --- sharing with a therapist ---------------------------------------------------------------

    async def share(
        self,
        journal: str,
        username: str,
        *,
        role: str = "read",
        until: datetime | None = None,
        fingerprint: str | None = None,
        trust_on_first_use: bool = False,
        only: list[str] | tuple[str, ...] | None = None,
    ) -> ShareInfo:
        """Share a journal with another account (a therapist).

        The member's keys must be confirmed: pass the `fingerprint` they read out to you, or
        `trust_on_first_use=True`. With `only` (e.g. ["mood", "tags"]), entries written from
        now on are shared with just those fields, through a journal kept for that member; a
        wider share of this journal with that member (the whole journal, or other fields)
        ends first, with a key rotation, and `ShareInfo.ended` names the journals it ended.
        """
        return await self.sharing.share(
            await self._local_journal(journal),
            username,
            role,
            until,
            fingerprint,
            trust_on_first_use,
            only,
        )

    async def unshare(self, journal: str, username: str) -> None:
        """Stop sharing now and rotate the journal key, so later records stay private."""
        await self.sharing.unshare(await self._local_journal(journal), username)

    async def share_entry(
        self,
        entry_id: str,
        username: str,
        *,
        only: list[str] | tuple[str, ...] | None = None,
        fingerprint: str | None = None,
        trust_on_first_use: bool = False,
    ) -> ShareInfo:
        """Share one entry (or only some of its fields) without opening its journal."""
        local, document = await self._entry_document(entry_id)
        return await self.sharing.share_entry(
            local, document, username, only, fingerprint, trust_on_first_use
        )

    async def shares(self) -> list[ShareInfo]:
        """What this account shares: journal, member, role and expiry."""
        return await self.sharing.shares()

    async def shared_with_me(self) -> list[SharedJournal]:
        """Journals other accounts share with this one."""
        return await self.sharing.shared_with_me()

    async def share_log(self, journal: str) -> list[AuditInfo]:
        """When each member fetched what (the owner sees all; a member sees their own)."""
        return await self.sharing.audit(await self._local_journal(journal))

    async def verify_head(self, journal: str) -> str:
        """A short code (five groups of five digits) derived from this journal's verified
        access chain and the records this device verified since the latest share began.
        Sync, then compare it with the other side's code in session, like a fingerprint:
        equal codes mean the server showed both devices the same history; different ones
        mean one of you was shown another (or is not synced yet). Raises RollbackError
        while the server serves this journal an older or different chain."""
        return await self.replica.verify_head(await self._local_journal(journal))

    async def verify(self, username: str, fingerprint: str) -> None:
        """Accept a peer's new keys after comparing their fingerprint in person."""
        await self.sharing.verify_peer(username, fingerprint)

    async def add_note(self, journal: str, text: str, *, kind: str = "note") -> Note:
        """Add a note (or a reflection prompt, kind="prompt") to a journal; a therapist with
        the annotate role can do this in a journal shared with them."""
        return await self.sharing.add_note(await self._local_journal(journal), kind, text)

    async def notes(self, journal: str | None = None) -> list[Note]:
        """Notes and prompts, the therapist's first."""
        local = await self._local_journal(journal) if journal else None
        return await self.sharing.notes(local)

    # --- goals, reflection prompts and search --------------------------------------------------
    # Thin on purpose: the rules live in the pure modules goals.py, prompts.py and search.py.

    async def add_goal(
        self,
        title: str,
        *,
        journal: str | None = None,
        why: str = "",
        target: date | None = None,
        measure: str | None = None,
    ) -> Goal:
        """Set a goal (works offline, syncs like an entry). `measure` is "N sessions" or
        "percent"; a goal in a journal shared with your therapist is one you work on together.
        """
        local = await self._local_journal(journal)
        parsed = Measure.parse(measure) if measure is not None else None
        document = Document(crypto.random_bytes(wire.ID_BYTES), GOAL)
        update = new_goal_update(document, title, now_ms(), why=why, target=target, measure=parsed)
        await self._save(local, document, update)
        return self._goal(local, document)

    async def checkin(self, goal_id: str, *, progress: int | None = None, note: str = "") -> Goal:
        """Record progress on a goal (see goals.py for how `progress` counts per measure).
        Check-ins made on two devices at once, even offline, are all kept."""
        local, document = await self._document_of_kind(goal_id, GOAL)
        checkin_id = crypto.random_bytes(8).hex()
        update = checkin_update(document, checkin_id, now_ms(), progress=progress, note=note)
        await self._save(local, document, update)
        return self._goal(local, document)

    async def complete_goal(self, goal_id: str) -> Goal:
        """Mark a goal as done (doing it twice changes nothing)."""
        local, document = await self._document_of_kind(goal_id, GOAL)
        if not self._goal(local, document).done:
            await self._save(local, document, complete_goal_update(document, now_ms()))
        return self._goal(local, document)

    async def goal(self, goal_id: str) -> Goal:
        """One goal by id (or a unique prefix of 4+ hex digits)."""
        return self._goal(*await self._document_of_kind(goal_id, GOAL))

    async def goals(self, journal: str | None = None) -> list[Goal]:
        """Goals of one journal or of all (shared ones included): open goals first, then
        newest first."""
        journal_id = (await self._local_journal(journal)).journal_id if journal else None
        journals = {j.journal_id: j for j in await self.store.journals() if j.role != REVOKED}
        found = [
            self._goal(journals[stored.journal_id], stored_document(stored))
            for stored in await self.store.documents(journal_id)
            if stored.kind == GOAL and stored.journal_id in journals
        ]
        found.sort(key=lambda g: (g.created_at, g.id), reverse=True)
        return sorted(found, key=lambda g: g.done)

    def _goal(self, journal: LocalJournal, document: Document) -> Goal:
        return goal_view(document, self._display(journal), journal.journal_id.hex())

    async def _document_of_kind(self, text: str, kind: str) -> tuple[LocalJournal, Document]:
        """The document of `kind` whose id is `text` or starts with it."""
        cleaned = text.strip().lower()
        if not 4 <= len(cleaned) <= 32 or any(c not in "0123456789abcdef" for c in cleaned):
            raise InvalidInput(f"{text!r} is not a {kind} id (4 to 32 hex digits)")
        ids = await self.store.document_ids_with_prefix(
            bytes.fromhex(cleaned[: len(cleaned) // 2 * 2])
        )
        found = [await self.store.document(i) for i in ids if i.hex().startswith(cleaned)]
        matches = [stored for stored in found if stored is not None and stored.kind == kind]
        if not matches:
            raise NotFound(f"no {kind} {text} on this device (try `tj sync`)")
        if len(matches) > 1:
            raise InvalidInput(f"{text} matches several {kind}s: give more of the id")
        journals = {j.journal_id: j for j in await self.store.journals()}
        return journals[matches[0].journal_id], stored_document(matches[0])

    async def prompts(
        self, category: str | None = None, *, recent_days: int = RECENT_DAYS
    ) -> list[Prompt]:
        """Reflection prompts in the order to suggest them: your therapist's unanswered
        prompts first (no category: they show only when `category` is None), then library
        prompts not answered in the last `recent_days` days (see prompts.rank)."""
        candidates = select([*await self._therapist_prompts(), *LIBRARY], category)
        answers = answered_at((e.prompt_id, e.created_at) for e in await self.entries())
        return rank(candidates, answers, now_ms(), recent_days)

    async def suggest_prompt(
        self, category: str | None = None, *, recent_days: int = RECENT_DAYS
    ) -> Prompt:
        """The one prompt to reflect on now: the first of `prompts()`."""
        return (await self.prompts(category, recent_days=recent_days))[0]

    async def prompt(self, prompt_id: str) -> Prompt:
        """A prompt by id: a library id such as "trust-01", or the id (or a unique prefix of
        4+ characters) of a prompt your therapist added."""
        found = library_prompt(prompt_id)
        if found is not None:
            return found
        wanted = prompt_id.strip().lower()
        theirs = [p for p in await self._therapist_prompts() if p.id.startswith(wanted)]
        if len(wanted) >= 4 and len(theirs) == 1:
            return theirs[0]
        if len(wanted) >= 4 and theirs:
            raise InvalidInput(f"{prompt_id} matches several prompts: give more of the id")
        raise NotFound(f"no prompt {prompt_id!r}: see `tj prompt list`")

    async def _therapist_prompts(self) -> list[Prompt]:
        """Prompts a therapist added to journals this account owns."""
        owned = {j.name for j in await self.journals() if j.role == "owner"}
        return [
            Prompt(n.id, THERAPIST, n.text, True, n.author, n.journal, n.created_at)
            for n in await self.notes()
            if n.kind == "prompt" and n.by_therapist and n.journal in owned
        ]

    async def search(
        self,
        query: str,
        *,
        journal: str | None = None,
        tag: str | None = None,
        since: date | datetime | None = None,
        limit: int | None = None,
    ) -> list[SearchHit]:
        """Entries matching `query`, best first, with highlighted snippets (search.py). It
        runs on this device over decrypted entries: the server never sees a query. `since`
        is a date (from local midnight) or a datetime."""
        return search_entries(
            await self.entries(journal), query, tag=tag, since=_moment(since), limit=limit
        )

    # --- insights, report, export and import, account erasure ---------------------------------
    # Thin on purpose: the rules live in insights.py, report.py and archive.py (pure) and in
    # portability.py.

    async def insights(
        self, journal: str | None = None, since: date | None = None, *, today: date | None = None
    ) -> Insights:
        """Mood trend by ISO week (with a sparkline), average mood by tag and by emotion, the
        journaling streak and entries per week, and goal progress, all computed on this
        device (insights.py). Days and weeks count in the writer's local time (each entry's
        UTC offset), so a therapist in another time zone sees the client's days.

        `journal` is one journal, e.g. "Personal", or "ana/Personal" for a journal ana shares
        with you (a therapist's view); without it, every journal this account owns. `since`
        is the first day counted; `today` defaults to today's date where the newest entry
        was written (its UTC offset), else this device's local date.
        """
        name = None
        if journal is not None:
            chosen = await self.journal(journal)
            name, entries, goals = (
                chosen.name,
                await self.entries(chosen.id),
                await self.goals(chosen.id),
            )
        else:
            owned = {j.id for j in await self.journals() if j.role == "owner"}
            entries = [e for e in await self.entries() if e.journal_id in owned]
            goals = [g for g in await self.goals() if g.journal_id in owned]
        return compute_insights(
            entries, goals, today=today or _writers_today(entries), since=since, journal=name
        )

    async def report_html(
        self, journal: str | None = None, since: date | None = None, *, title: str | None = None
    ) -> str:
        """`insights()` as one self-contained HTML page: inline SVG charts of mood over time,
        entries per week, goal progress and questionnaire scores (bands shaded, reliable
        changes marked, each instrument's attribution); no script, no external asset; fits a
        phone."""
        found = await self.insights(journal, since)
        if journal is not None:
            results = await self.measures.results((await self.journal(journal)).id)
        else:
            owned = {j.id for j in await self.journals() if j.role == "owner"}
            results = [r for r in await self.measures.results() if r.journal_id in owned]
        if since is not None:
            results = [r for r in results if r.taken_at.astimezone().date() >= since]
        return render_report(
            found, generated_at=datetime.now().astimezone(), title=title, scores=results
        )

    async def export_json(self) -> dict[str, Any]:
        """Everything this device can decrypt (journals, entries, goals with check-ins, notes)
        as one JSON-ready dict; `import_json` reads it back into any account (archive.py)."""
        return (await gather(self, datetime.now().astimezone())).to_dict()

    async def export_markdown(self, directory: Path | str) -> list[Path]:
        """Write one Markdown file per entry (with front matter), one folder per journal, plus
        goals.md and notes.md; returns the files written. Files are readable only by you."""
        archive = await gather(self, datetime.now().astimezone())
        return await asyncio.to_thread(write_markdown, archive, Path(directory))

    async def import_json(
        self, data: Any, *, progress: ImportProgress | None = None
    ) -> ImportReport:
        """Import an `export_json()` dict: journals by name (created when missing), entries,
        goals and notes with their fields and timestamps, under new ids (the report maps old
        ids to new). Journals shared with the exporter are skipped; so is anything already
        here, so a second import changes nothing. Creating journals needs the network; the
        content is pushed at the next sync."""
        return await restore(self, Archive.from_dict(data), progress)

    async def delete_account(self, password: str, *, minimum_cost: KdfCost = INTERACTIVE) -> None:
        """Erase this account on the server (journals, records, shares, devices, audit log) and
        then this device's profile and local data. Needs the password: the server requires a
        challenge signed with the password's login key, not just this device's session.
        Journals others shared with you are not theirs to lose; your own are gone for good."""
        derived = await account.password_keys(self.transport, self.username, password, minimum_cost)
        challenge, signature = await account.signed_challenge(
            self.transport, self.username, "delete", derived.login_key
        )
        request = wire.AccountDeleteRequest(challenge, signature)
        await self.transport.call("/v1/account/delete", request, wire.Empty)
        await self.close()
        remove_profile(self.home)
        for name in ("store.db", "store.db-wal", "store.db-shm"):
            (self.home / name).unlink(missing_ok=True)

    # --- sync ---------------------------------------------------------------------------------

    async def sync(self, progress: Progress | None = None, *, strict: bool = False) -> SyncReport:
        """Push the outbox, then pull new records of every journal until up to date.

        `progress`, if given, is called with a SyncProgress after every batch and page.
        Records the server refuses for good are set aside, not raised (`SyncReport.set_aside`,
        `set_aside()`); transient failures are retried (transport.RetryPolicy), then raise
        NetworkError with the outbox kept; a pull that stops making progress ends and is
        reported in `SyncReport.incomplete`. Raises AuthError when signed out.
        The report's `withheld` lists records that signed records say exist but the server
        did not deliver (protocol.md "Withholding"); with `strict=True` the sync raises
        WithheldRecordsError instead (after completing; `error.report` is the report).
        """
        report = await self.replica.sync(progress)
        if strict:
            report.raise_for_withheld()
        return report

    async def live(self, backoff: Backoff = DEFAULT_BACKOFF) -> AsyncGenerator[Change, None]:
        """Notices from the server's live channel, forever; reconnects with backoff.

        A "connected" change follows every (re)connection, so a caller that syncs on each
        change also catches up on what happened while it was offline. Closing this iterator
        (or cancelling the task that runs it) closes the WebSocket at once.
        """
        async with contextlib.aclosing(live_notices(self.transport, backoff)) as notices:
            async for notice in notices:
                journal_id = notice.journal_id.hex() if notice.kind == wire.LIVE_JOURNAL else None
                yield Change(notice.kind == wire.LIVE_HELLO, journal_id, notice.head)

    async def watch(
        self, progress: Progress | None = None, backoff: Backoff = DEFAULT_BACKOFF
    ) -> AsyncGenerator[SyncReport, None]:
        """Keep this device in sync: sync on connect and whenever a journal changes.

        Each report's `trigger` is the Change that started its sync. Notices about changes
        this device already holds are skipped. Closing this iterator (or cancelling the task
        that runs it) closes the live channel before returning.
        """
        async with contextlib.aclosing(self.live(backoff)) as changes:
            async for change in changes:
                if not change.connected and change.journal_id is not None:
                    cursors = {j.journal_id.hex(): j.cursor for j in await self.store.journals()}
                    if cursors.get(change.journal_id, -1) >= change.head:
                        continue
                try:
                    report = await self.sync(progress)
                except NetworkError:
                    continue  # the live channel reconnects; the next notice retries
                report.trigger = change
                yield report

    async def pending(self) -> int:
        """Records written on this device and not yet acknowledged by the server."""
        return await self.store.outbox_size()

    async def set_aside(self) -> list[SetAsideChange]:
        """Changes the server refused for good (the share ended, the journal is gone, over
        quota, invalid), oldest first. A sync moves them out of the outbox so they never block
        other changes, reports each once (`SyncReport.set_aside`), and keeps them here: the
        local entry, note or goal still holds the words, and `to_dict()` exports them."""
        return await set_aside_changes(self.store)

    async def retry_set_aside(self) -> int:
        """Put every set-aside change back in the outbox, in its old place (after the
        journal's owner shared it again, or space was freed); the next `sync()` pushes them,
        or sets aside again those still refused. Returns how many were put back."""
        async with self.store.transaction() as tx:
            return await tx.restore_set_aside()

    async def problems(self) -> list[Problem]:
        """Records that failed verification (altered, moved or forged), by record id."""
        return await self.store.problems()


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


def _writers_today(entries: list[Entry]) -> date:
    """Today's date where the newest of `entries` was written (by its UTC offset), else in
    this device's local time zone."""
    newest = max(entries, key=lambda e: e.created_at, default=None)
    if newest is None or newest.utc_offset is None:
        return date.today()
    return datetime.now(timezone(timedelta(minutes=newest.utc_offset))).date()
