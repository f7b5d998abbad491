"""Copies a device owes a field-level share it learned of late (NU46 #3).

A field-level share (`tj share Personal drlee --only mood,tags`) is kept current by each of
the owner's devices as it changes an entry, a result or homework (`Sharing.mirror`). An
entry written on another device of the owner before that device knew of the share (the
phone offline, or not synced since the laptop shared), yet dated from the share's start,
was copied by nobody: the sharing device does not copy what it pulls, and the writing device
did not know the copy. So at every sync (`Client.sync`), a device that holds a field-level
share in force it has not caught up with yet copies into it what it holds of the source
journal dated from the share's start that the copy lacks, then remembers that share (by
copy journal and membership handle, in the store setting MIRRORS_CAUGHT_UP): once per share
learned, per device. The device that makes the share counts as caught up at once
(`Sharing._caught_up_at_share`): it mirrors what it writes from the share's start itself.

Idempotent across devices: a copy's id derives from its original's and the copy journal's
(`keys.disclosure_doc_id`, keyed with the account key), so two devices catching up write
the same document, which merges (map fields by the CRDT's rule; the same words inserted on
two devices are kept once: `Replica._keep_one_twin`), and a device skips an original whose
copy it holds already (another device's, or one the owner moved to the trash by hand).

What is copied is decided from what the owner's devices signed and sealed only: the copy's
disclosure settings (member, source, fields, start) and its verified access chain (a
membership in force); the server decides nothing. A share made again after it ended (a
later membership of the same member) catches up only from that membership's signed start
(`AccessState.granted_at`), never with what was written while it was ended.
"""

from __future__ import annotations

from client_sdk import access, keys
from client_sdk.care_disclosure import DISCLOSABLE, ENTRY_FIELDS, MIRRORED_KINDS, disclosed_care
from client_sdk.documents import ENTRY, Document, entry_view, removed
from client_sdk.models import now_ms
from client_sdk.replica import stored_document
from client_sdk.sharing import MIRRORS_CAUGHT_UP, Sharing, caught_up_key, decode_caught_up
from client_sdk.store import LocalJournal


def catch_up_start(settings: access.Disclosure, state: access.AccessState, handle: bytes) -> int:
    """From when (ms) a device catching up copies into the field-level copy: the settings'
    start for the member's first membership in it, else the start of the membership
    `handle` as the owner signed it (a share made again copies nothing of while it was
    ended)."""
    if len(state.handles.get(settings.member_id, [])) <= 1:
        return settings.since
    return max(settings.since, state.granted_at.get(handle, settings.since))


def created_of(document: Document) -> int:
    """When an entry is dated, or a result or homework was made (ms; 0 when unreadable)."""
    if document.kind == ENTRY:
        return entry_view(document).created_at
    value = document.field("created_at")
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0


class LateCopies:
    def __init__(self, sharing: Sharing) -> None:
        self._sharing = sharing
        self._replica = sharing.replica
        self._store = sharing.replica.store

    def _owed(self) -> list[tuple[bytes, access.Disclosure, access.AccessState, bytes]]:
        """The field-level copies of this account whose share is in force now (copy journal
        id, settings, verified chain, membership handle), from the verified chains."""
        now = now_ms()
        found = []
        for journal_id, settings in self._sharing.disclosures().items():
            state = self._replica.chains.state(journal_id)
            if settings.kind != "mirror" or settings.mirror_of is None or state is None:
                continue
            member = state.member_by_account(settings.member_id)
            if member is not None and not member.ended(now):
                found.append((journal_id, settings, state, member.handle))
        return found

    async def copy_missed(self) -> int:
        """Copy into each field-level copy in force that this device has not caught up with
        (see the module) what it holds of the source journal dated from the share's start
        (`catch_up_start`) and not in the copy yet, as `Sharing.mirror` would have; returns
        how many copies were written (to push). A copy whose chain has a problem, or whose
        source holds the owner's changes kept unread here (a copy now could bring back what
        they removed: `Sharing.mirror_targets`), waits for a later sync. Reads nothing of
        the store while no field-level share is in force; raises what a write raises
        (`Replica.commit`)."""
        owed = self._owed()
        if not owed:
            return 0
        done = self._sharing.caught_up
        if done is None:
            done = set(decode_caught_up(await self._store.setting(MIRRORS_CAUGHT_UP)))
            self._sharing.caught_up = done
        waiting = [o for o in owed if caught_up_key(o[0], o[3]) not in done]
        if not waiting:
            return 0
        journals = {j.journal_id: j for j in await self._store.journals()}
        copied = 0
        caught_up = []
        for journal_id, settings, state, handle in waiting:
            target = journals.get(journal_id)
            source = journals.get(settings.mirror_of) if settings.mirror_of else None
            if target is None or self._replica.chains.problem(journal_id) is not None:
                continue  # not verified here now: a later sync
            if source is not None and source.role == "owner":
                if await self._replica.holds_unread_owner_changes(source):
                    continue
                start = catch_up_start(settings, state, handle)
                copied += await self._copy_into(source, target, settings, start)
            caught_up.append(caught_up_key(journal_id, handle))
        if caught_up:
            await self._sharing.remember_caught_up(caught_up)
        return copied

    async def _copy_into(
        self, source: LocalJournal, target: LocalJournal, settings: access.Disclosure, start: int
    ) -> int:
        """Copy the documents of `source` dated from `start`, not removed, that `target`
        (a field-level copy with `settings`) lacks and whose fields it carries."""
        fields = settings.fields or DISCLOSABLE
        account_key = self._replica.profile.secrets.account_key
        originals = {
            keys.disclosure_doc_id(account_key, stored.doc_id, target.journal_id): stored
            for stored in await self._store.documents(source.journal_id, MIRRORED_KINDS)
            if stored.kind in MIRRORED_KINDS
        }
        if not originals:
            return 0
        held = {d.doc_id for d in await self._store.documents_by_ids(list(originals))}
        copied = 0
        for copy_id, stored in originals.items():
            if copy_id in held:
                continue  # copied already (here, on another device), or trashed by hand
            document = stored_document(stored)
            if removed(document) or created_of(document) < start:
                continue
            if document.kind == ENTRY:
                if not any(f in ENTRY_FIELDS for f in fields):
                    continue
                await self._sharing.copy_entry(target, document, fields)
            else:
                if disclosed_care(document, fields) is None:
                    continue
                await self._sharing.copy_care(target, document, fields)
            copied += 1
        return copied
