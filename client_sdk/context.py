"""What every manager of the public SDK shares: the replica (local store, transport, verified
access chains), the sharing engine, finding a journal or a document by name or id prefix, and
the one way to save a local change.

Internal: apps reach all of this through `Client` and its managers (`client.entries`, ...).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections import Counter
from collections.abc import Awaitable, Callable, Collection, Iterable
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from client_sdk import crypto, forgotten, keys
from client_sdk.access import AccessState
from client_sdk.care_disclosure import ENTRY_FIELDS
from client_sdk.default_journal import (
    DEFAULT_ENDED_NAME,
    DEFAULT_JOURNAL,
    DEFAULT_SETTING,
    DEFAULT_SETTLED,
    ENDED,
    HELD,
    NO_DEFAULT,
    UNCONFIRMED,
    UNKNOWN,
    Adoption,
    adopted_still_named,
    adoption_of,
    adoption_value,
    older_default,
    readers_by_chain,
    shared_by_chain,
)
from client_sdk.documents import (
    ENTRY,
    Document,
    EntryView,
    entry_row_fields_of_state,
    entry_view,
    entry_view_of_state,
)
from client_sdk.errors import (
    AMBIGUOUS_ID,
    BAD_VALUE,
    SET_ASIDE_WORDS,
    IntegrityError,
    InvalidInput,
    NotAnEntry,
    NotFound,
    SameJournalName,
    StoreBusy,
    TJError,
    WrongKind,
    ambiguous_id,
)
from client_sdk.models import (
    ID_SHOWN,
    Entry,
    Journal,
    account_label,
    and_words,
    did_you_mean,
    now_ms,
    quoted_name,
    squeezed,
    to_datetime,
)
from client_sdk.queries import (
    EntryRow,
    Moment,
    check_bounds,
    entry_row,
    once_each,
    rough_month_days,
    rough_range,
    row_keeper,
    same_entry,
)
from client_sdk.readers import journal_readers, reader_names
from client_sdk.replica import (
    OWN_NAMED_AT,
    REVOKED,
    SHARE_ENDED,
    Replica,
    copied_fields,
    decode_own_named_at,
    is_archived,
    stored_document,
)
from client_sdk.same_names import copy_same_name_text, same_name_text
from client_sdk.sharing import Sharing
from client_sdk.store import (
    EntryPage,
    EntryQuery,
    LocalJournal,
    Store,
    StoredDocument,
    Transaction,
)

BRIEF_NOT_JOURNAL = "brief not journal"
YOU_NAMED = "you named"
"""`TJError.subject` of an InvalidInput for this account's own username given where another
account's is meant (whose journals: name one's own journals by their names instead)."""
YOURS_AND_THEIRS = "yours and theirs"
"""`TJError.subject` of an InvalidInput for a name that names this account's journal and a
journal another account shares with it (`names["journal id"]`: the short id of this
account's, for renaming it)."""
"""`TJError.subject` of a journal name that names a pre-session brief (or a client who shares
only briefs): an app says where briefs are read (`client.briefs.received()`)."""


KIND_WORDS = {
    "measure": "questionnaire result",
    "safety_flag": "safety flag",
    "safety_ack": "safety-flag acknowledgement",
    "safety_plan": "safety plan",
    "crisis_line": "crisis line",
    "private_note": "private note",
    "checkin": "goal's check-in",
}
"""Plain words for document kinds in messages (the kind itself when not listed)."""

READ_BETWEEN_YIELDS = 200
"""Entries `entries` reads (opens and decodes) between two yields to the event loop: at
10,000 entries the read held the loop 0.7 s in one piece, freezing an app's UI and the
live channel's tasks (nu82 F7); now a few milliseconds at a time."""

VIEW_CACHE_LIMIT = 20_000
"""Entry views `Context.entries` keeps between calls, at most (about 1.3 KB each for an entry
of 1 KB: `bench.sync`'s fresh device, which lists its 10,000 entries, kept 89 MB resident
against 76 before the cache; ~26 MB at the limit); past it, views of further entries are read
at each call, as before the cache."""


_Names = tuple[str, str, bool, tuple[bool, bool]]
"""What `Context._listed` takes of a journal once a listing: its display name, hex id,
whether it may hold copies, and its entries' share state (`Context.share_state`)."""


class Context:
    def __init__(self, replica: Replica, sharing: Sharing) -> None:
        self.replica = replica
        self.sharing = sharing
        self.store = replica.store
        self.profile = replica.profile
        self._views: dict[bytes, tuple[bytes, bytes, bytes, EntryView, Entry | None]] = {}
        """Entry views by document id, each with its journal's id and the BLAKE2b digest of
        the stored state and the waiting updates it was read from (`stored_entry_view`), and the
        Entry a listing last made of it (`_listed`: an Entry is frozen, so one object serves
        every listing while its journal is named the same). A view is
        dropped when its document changes (`forget_views`: every change the client's change
        feed tells, local or pulled), its journal is deleted or forgotten (`drop_views`), or a
        listing no longer finds it in the store (`_drop_views`)."""
        self._chosen: tuple[tuple[tuple[int, int], tuple[int, int]], str | None] | None = None
        """`chosen_default`'s value, with the journal list's version and the settings' count
        it was read at (`Store.settings_with_journals`)."""
        self._adopted: Adoption | None = None
        """The adoption DEFAULT_SETTLED records, read with `_chosen` (None: none)."""
        self._default_id: tuple[bytes, bytes, bytes] | None = None
        """`default_journal_id` with the account key and id it was derived from: derived
        once, not at every write naming no journal (a keyed BLAKE2b through PyNaCl's
        checks: ~4 % of a write's instructions; issue 10)."""
        self._view_journals: dict[bytes, set[bytes]] = {}
        """The ids of the kept views of each journal's entries (`_views` by journal): a
        listing of one journal drops the views it did not find among its own, not by going
        over every journal's (a caseload lists each client's journal in turn)."""
        self.named_by_id: Callable[[str, LocalJournal], Awaitable[None]] | None = None
        """Awaited by `local_journal`, before the caller acts, with the words and the journal
        each time a journal is named by the start of its id (not by a name, nor by its whole
        id): `client.journals.when_named_by_id` sets it (the CLI names the journal and who
        else reads it, before a command shares or writes there: fix30c)."""

    @property
    def username(self) -> str:
        return self.profile.username

    def display(self, journal: LocalJournal) -> str:
        """How an app names a journal: its name when this account owns it, else
        "owner/name" (`Replica.shown_name`: "kim (account 1a2b3c4d)/Personal" for an
        account whose username another account's journals here bear too)."""
        return self.replica.shown_name(journal)

    def journal(self, local: LocalJournal, left: Collection[str] = ()) -> Journal:
        """The public view of a local journal; `left`: the tags of the journals this account
        left on this device (`forgotten.LEFT`), whose end is the user's own word, not the
        server's (`Journal.unlisted` False: plain `forget` discards them, rev-nu29b B4)."""
        owner = self.username if local.owner_id == self.profile.account_id else local.owner_name
        helper = self.helper_kind(local)
        kept_for, kept_ended = (
            self.helper_member(local) if helper in ("mirror", "items") else ("", False)
        )
        if self.replica.share_lapsed(local, now_ms()):  # its signed end date passed here
            local = replace(local, role=REVOKED)  # before a sync stores it as ended
        return Journal(
            local.journal_id.hex(),
            self.display(local),
            local.role,
            local.owner_id.hex(),
            owner,
            self.replica.owner_verified(local),
            local.owner_id == self.profile.account_id and is_archived(local),
            helper,
            kept_for=kept_for,
            kept_ended=kept_ended,
            # as each entry says it (`share_state`): the server's word alone
            unlisted=self.replica.unlisted(local, now_ms(), left),
            own=local.owner_id == self.profile.account_id,
        )

    def helper_member(self, local: LocalJournal) -> tuple[str, bool]:
        """For a journal this account keeps for one member (`helper_kind`): (their username,
        "" when its verified chain names no membership of theirs; whether no share of it with
        them is on now), from the owner-sealed disclosure settings and the verified access
        chain, never from the server's list (NU28 C2)."""
        settings = self.sharing.disclosures().get(local.journal_id)
        state = self.replica.chains.state(local.journal_id)
        if settings is None or state is None:
            return "", False
        who = state.signers.get(settings.member_id)
        terms = state.member_by_account(settings.member_id)
        on = terms is not None and not terms.ended(now_ms())
        return (who.username if who is not None else ""), not on

    def helper_kind(self, local: LocalJournal) -> str | None:
        """For a journal this account keeps only to share with a member, what it holds:
        "mirror" (some fields of another journal's entries), "items" (entries and results
        shared one by one) or "brief"; None for any other journal. From the owner-sealed
        disclosure settings of its verified chain (load the chains first)."""
        if local.role != "owner" or not self.replica.is_disclosure(local):
            return None
        settings = self.sharing.disclosures().get(local.journal_id)
        return settings.kind if settings is not None else None

    async def brief_journals(self, journals: Iterable[LocalJournal]) -> set[bytes]:
        """Ids of those of `journals` that hold a pre-session brief (`client.briefs`), not a
        journal's content: on the owner's devices, a journal whose owner-sealed disclosure
        settings say kind "brief"; on a member's device (who cannot open those settings), a
        journal of another account whose owner-signed access chain carries disclosure
        settings (`Replica.is_copy_shared_with_me`) and whose every document on this device
        is a brief (verified records of the owner's devices: a member reads it, writes
        nothing), or, holding none here yet, whose owner-signed name is a brief's for this
        account (`Replica.briefs_shared_with_me`, NU47 #4). Never from the server's journal
        list, so a server cannot make a client's whole journal pass for a brief (NU31 #2).
        Loads the chains."""
        await self.replica.load_access()
        journals = list(journals)
        me = self.profile.account_id
        found: set[bytes] = set()
        owned = [j for j in journals if j.owner_id == me and self.replica.is_disclosure(j)]
        if owned:
            settings = self.sharing.disclosures()
            found |= {
                j.journal_id
                for j in owned
                if (s := settings.get(j.journal_id)) is not None and s.kind == "brief"
            }
        return found | await self.replica.briefs_shared_with_me(journals)

    async def local_journal(
        self,
        name_or_id: str | None,
        journals: list[LocalJournal] | None = None,
        *,
        refuse_brief: bool = False,
        strict: bool = False,
        ends: bool = False,
    ) -> LocalJournal:
        """A journal by name or id, from `journals` if given (else read from the store);
        None or "": the default journal (`default_journal`). A journal still shared wins over a kept copy of an ended share with
        the same name; a kept copy can be named too (to read it: writing to it is refused).
        A journal is also named by its id's first MIN_ID_PREFIX or more hex digits. A name
        two journals share (made apart on two devices offline, NU22 C15) names neither:
        InvalidInput lists their ids (never one picked silently). A name no journal has that
        is the username of an account sharing exactly one journal with this one ("ben")
        names that journal; sharing several, InvalidInput names them (NU25 C3). A journal
        holding a pre-session brief (`brief_journals`) is never one a username names (NU31
        #2); named itself with `refuse_brief` (a user's name for a journal to read or write
        entries, notes, goals, results or assignments in), it is refused with InvalidInput
        (subject BRIEF_NOT_JOURNAL: briefs are read with `client.briefs`).
        Raises NotFound (subject BRIEF_NOT_JOURNAL for a username sharing only briefs);
        IntegrityError instead while the server lists journals this device could not
        verify (no access chain served, say): the one wanted may be among them, and it is
        neither shown nor written until it verifies.

        `strict` (for what destroys data: `client.journals.delete`): a name that a journal
        still on the server and a read-only copy share names neither either (InvalidInput
        lists every id), where a read names the live one: the copy's name is the one this
        device last knew, and a notice about it may send the user here (NU36 #1: the other,
        live journal of that name was deleted for good).

        The one rule for the start of an id, whatever names the journal (README "a journal
        is named by its name ... or by any unique start of its id"): MIN_ID_PREFIX hex digits
        or more, unique among this device's journals (live and kept copies); a start that
        several ids share names none: InvalidInput lists each of them by name and the first
        MIN_ID_PREFIX_TO_END hex digits of its id (more where two start alike:
        `id_candidates`). Only `ends` asks for more. Words that name one journal (its name,
        its owner's username) and start the id of another here name neither: InvalidInput
        (subject AMBIGUOUS_ID) lists each with the words that name it alone
        (`_not_also_an_id_start`, rev30b F3: an account named after the start of one of this
        account's ids took what the user wrote there), however many hex digits they hold
        (rev30c F1: only the whole id names its journal before names do). Every step
        compares the words stripped of the whitespace around them (`typed_words`, rev30c
        F6). Named so (not by a name, nor by its whole id), `named_by_id` is awaited with the
        words and the journal before this returns.

        `ends` (for what ends or discards something: deleting a journal, unsharing, leaving,
        forgetting; README's "8 or more to delete, unshare, leave or forget"): the start of an
        id names a journal only from MIN_ID_PREFIX_TO_END hex digits on. A shorter one that
        no name matches raises InvalidInput (subject ID_TOO_SHORT) naming the journal it would
        be and asking for more of its id: a mistyped name such as "cafe" or "2024" never ends
        a share or deletes a journal because one journal's id starts so. `strict` alone asks
        for no more digits (an export, an import's `--journal`, NU75: 4 suffice there)."""
        if journals is None:
            journals = await self.store.journals()
        await self.replica.load_peers()  # what tells accounts apart by name (`names`)
        found = await self._named_journal(name_or_id, journals, strict=strict, ends=ends)
        if refuse_brief:
            await self.replica.load_access()  # which journals are copies: from their chains
            copy = self.replica.is_disclosure(found) or self.replica.is_copy_shared_with_me(found)
            if copy and found.journal_id in await self.brief_journals([found]):
                raise InvalidInput(self._brief_words(found), subject=BRIEF_NOT_JOURNAL)
        words = typed_words(name_or_id) if name_or_id else ""
        if words and self.named_by_id is not None and self._by_id_prefix(words, found):
            await self.named_by_id(words, found)
        return found

    def _by_id_prefix(self, wanted: str, journal: LocalJournal) -> bool:
        """Whether `wanted` named `journal` by the start of its id: not its whole id, and
        not one of its names (a journal may be named "cafe")."""
        if not is_id_prefix(wanted, journal.journal_id) or len(wanted) >= 2 * len(
            journal.journal_id
        ):
            return False
        folded = squeezed(wanted).casefold()
        return folded not in {squeezed(n).casefold() for n in self.names(journal)}

    def id_candidates(self, journals: list[LocalJournal]) -> str:
        """ "'Dreams' (5721fe0a), 'Work' (5721feeb)": each journal by name and the first
        MIN_ID_PREFIX_TO_END hex digits of its id, more where two of them start alike (so
        each id given names its journal, and takes an ending command), sorted. Pure."""
        ids = [j.journal_id.hex() for j in journals]
        size = MIN_ID_PREFIX_TO_END
        while size < 32 and len({i[:size] for i in ids}) < len(set(ids)):
            size += 2
        return ", ".join(
            sorted(
                f"{quoted_name(self.display(j))} ({j.journal_id.hex()[:size]})" for j in journals
            )
        )

    def _not_also_a_name(
        self, wanted: str, whole: LocalJournal, journals: list[LocalJournal]
    ) -> None:
        """Raise InvalidInput (subject AMBIGUOUS_ID) when `wanted`, the whole id of `whole`,
        is also the name of another journal of `journals` (ignoring case and runs of
        spaces): such words name neither, as an id's start does (`_not_also_an_id_start`).
        A journal's id is chosen by the account that makes it, so a member removed from a
        journal named by 32 hex digits (made before `check_name` refused such names) could
        make one whose id they are, after the name was chosen: the owner's words for her
        own journal never take theirs (rev31d F3). Pure."""
        folded = squeezed(wanted).casefold()
        for journal in journals:
            if journal.journal_id != whole.journal_id and folded in {
                squeezed(n).casefold() for n in self.names(journal)
            }:
                self._not_also_an_id_start(wanted, journal, [whole], journals)

    def _not_also_an_id_start(
        self,
        wanted: str,
        found: LocalJournal,
        prefixed: list[LocalJournal],
        journals: list[LocalJournal],
    ) -> None:
        """Raise InvalidInput (subject AMBIGUOUS_ID) when `wanted`, which names `found` one
        way (its name, its owner's username, ...), is also the start of the id of another
        journal of `journals` (`prefixed`: those whose id it starts): such words name
        neither. An account may pick a username (a hostile server may sign one up) that is
        the start of the id of a journal of this account's and share a journal with it: the
        words the user gave for her own journal, as the app prints its id ("(id 5721feeb)"),
        must never take their journal (rev30b F3). Lists each journal by name and the
        first MIN_ID_PREFIX_TO_END hex digits of its id, with words that name it alone
        (`_unambiguous`). Pure."""
        others = [j for j in prefixed if j.journal_id != found.journal_id]
        if not others:
            return
        folded = squeezed(wanted).casefold()
        shown = quoted_name(self.display(found))
        if found.owner_id != self.profile.account_id and folded not in {
            squeezed(n).casefold() for n in self.names(found)
        }:
            how = f"it names the journal {self.owner_named(found)} shares with you, {shown}"
        else:
            how = f"it names the journal {shown}"
        raise self._also_an_id_start(wanted, how, others, journals, found)

    def _also_an_id_start(
        self,
        wanted: str,
        how: str,
        others: list[LocalJournal],
        journals: list[LocalJournal],
        found: LocalJournal | None = None,
    ) -> InvalidInput:
        """The error of `_not_also_an_id_start`: `how` says what else `wanted` names
        (`found`, or words naming several journals of one account), `others` the journals
        whose id it starts. Pure."""
        starts = ", ".join(
            sorted(
                f"{quoted_name(self.display(j))} ({j.journal_id.hex()[:MIN_ID_PREFIX_TO_END]})"
                for j in others
            )
        )
        ways = "; ".join(
            sorted(
                f"for {quoted_name(self.display(j))} ({j.journal_id.hex()[:MIN_ID_PREFIX_TO_END]}) "
                f"give {self._unambiguous(j, journals)}"
                for j in ([found] if found else []) + others
            )
        )
        return InvalidInput(
            f"{quoted_name(wanted)} names more than one journal on this device, so it names "
            f"none of them: {how}, and it starts the id of {starts}. Name the one you mean: "
            f"{ways}",
            subject=AMBIGUOUS_ID,
        )

    def _unambiguous(self, journal: LocalJournal, journals: list[LocalJournal]) -> str:
        """Words that name `journal` alone among `journals` (`_named_journal`), quoted as a
        shell would: its name as `display` gives it, where no other journal here bears that
        name, no other account is named so and no other journal's id starts so; and its id's
        first ID_SHOWN hex digits, all of it where another id starts alike or another
        journal or account here is named so (rev30c F1: such words name neither). Pure."""
        name = self.display(journal)
        folded = squeezed(name).casefold()
        me = self.profile.account_id
        others = [j for j in journals if j.journal_id != journal.journal_id]
        clear = (
            not any(folded in {squeezed(n).casefold() for n in self.names(j)} for j in others)
            and not any(is_id_prefix(name, j.journal_id) for j in others)
            and not any(folded in self._owners(j) for j in journals if j.owner_id != me)
        )
        ident = journal.journal_id.hex()
        short = ident[:ID_SHOWN]
        if (
            any(j.journal_id.hex().startswith(short) for j in others)
            or any(short in {squeezed(n).casefold() for n in self.names(j)} for j in others)
            or any(short in self._owners(j) for j in journals if j.owner_id != me)
        ):
            short = ident
        return f"{quoted_name(name)} or {short}" if clear else short

    def _brief_words(self, journal: LocalJournal) -> str:
        """What a journal holding a brief is, for a user who named it as a journal."""
        name = self.display(journal)
        if journal.owner_id != self.profile.account_id:
            return (
                f"{quoted_name(name)} is a pre-session brief {journal.owner_name} shared with you, "
                "not a journal"
            )
        member, _ = self.helper_member(journal)
        shared = f"you shared with {member}" if member else "of yours"
        return f"{quoted_name(name)} is a pre-session brief {shared}, not a journal"

    async def _named_journal(
        self,
        name_or_id: str | None,
        journals: list[LocalJournal],
        *,
        strict: bool = False,
        ends: bool = False,
    ) -> LocalJournal:
        """`local_journal` but for briefs named."""
        if not name_or_id:
            return await self.default_journal(journals)
        # one form of the words for every step below (rev30c F6: " 5721feeb" started no id
        # but matched the account named "5721feeb", whose username is compared stripped)
        wanted = typed_words(name_or_id)
        live = [j for j in journals if j.role != REVOKED]
        kept = [j for j in journals if j.role == REVOKED]
        for journal in journals:
            if journal.journal_id.hex() == wanted.lower():
                self._not_also_a_name(wanted, journal, journals)
                return journal
        # Words that also start another journal's id name neither (`_not_also_an_id_start`),
        # however many hex digits they have: an id as the app prints it (12 hex digits or
        # more) never names another journal *named* so (rev-nu36a F2: `tj journal delete
        # e8f46fcd7a6b` deleted it), nor does a name of 12 hex digits go to a journal whose
        # id a member chose to start so (rev30c F1). The words name neither; the whole id
        # names its journal (above), and `command_name` gives it when 12 digits would not.
        prefixed = [j for j in journals if is_id_prefix(wanted, j.journal_id)]
        names = {j.journal_id: self.names(j) for j in journals}  # once a journal
        for candidates in [journals] if strict else (live, kept):
            exact = [j for j in candidates if wanted in names[j.journal_id]]
            folded = [  # case and runs of spaces ignored: how names are compared (`squeezed`)
                j
                for j in candidates
                if squeezed(wanted).casefold()
                in {squeezed(n).casefold() for n in names[j.journal_id]}
            ]
            for found in (exact, folded):
                if len(found) == 1:
                    if name_or_id:  # named by the user, not the default journal
                        await self._not_also_a_client(wanted, found[0], live, kept)
                    self._not_also_an_id_start(wanted, found[0], prefixed, journals)
                    return found[0]
                if found:
                    raise same_name_error(wanted, found, strict=strict)
        self._not_another_account(wanted, journals, journal=True)
        # a username before an id's start: a user's own words name first (an id of 12 or
        # more hex digits was tried above), but never words that also start another
        # journal's id: those name neither (`_not_also_an_id_start`, rev30b F3)
        try:
            theirs = await self._client_journal(wanted, live, kept)
        except NotFound:
            if not prefixed:
                raise
            theirs = None  # they share only briefs: the words name no journal of theirs
        except InvalidInput as several:
            if not prefixed:
                raise
            raise self._also_an_id_start(wanted, str(several), prefixed, journals) from None
        if theirs is not None:
            self._not_also_an_id_start(wanted, theirs, prefixed, journals)
            return theirs
        if prefixed and ends and len(wanted) < MIN_ID_PREFIX_TO_END:
            listed = self.id_candidates(prefixed)
            raise InvalidInput(
                f"no journal is named {quoted_name(wanted)}; to name one by its id for this, "
                f"give at least {MIN_ID_PREFIX_TO_END} of its hex digits (or its name): "
                f"{quoted_name(wanted)} starts the id of {listed}",
                subject=ID_TOO_SHORT,
            )
        if len(prefixed) == 1:
            return prefixed[0]
        if prefixed:
            raise InvalidInput(
                f"{len(prefixed)} journals on this device have an id starting "
                f"{quoted_name(wanted)}, so it names none of them: give more of the id, or "
                f"the name: {self.id_candidates(prefixed)}",
                subject=AMBIGUOUS_ID,
            )
        await self._not_a_former_name(wanted, live + kept)
        held = {j.journal_id for j in journals}
        mine = self.profile.account_id
        owners = {  # "ana/..." names one of the journals of an account held here (NU65 F18)
            squeezed(self.replica.owner_prefix(j)).casefold()
            for j in journals
            if j.owner_id != mine
        }
        unverified = sorted(
            problem
            for journal_id, problem in self.replica.chains.problems().items()
            if journal_id not in held and self.replica.chains.state(journal_id) is None
        )
        if "/" in wanted and squeezed(wanted.split("/")[0] + "/").casefold() in owners:
            # an account held here by name: never another account's unverified journal, nor
            # accepting keys of a journal the user did not name (NU65 F18)
            unverified = []
        if unverified:
            raise IntegrityError(
                f"no journal named {quoted_name(wanted)} on this device; the server lists "
                f"{len(unverified)} journal(s) this device could not verify, which may hold "
                f"it: {'; '.join(unverified)}"
            )
        await self._not_only_in_notes(wanted)
        # "ana/Personal" names another account's journal: never one of this account's own
        # ("did you mean 'Personal'?" after ana's copy was forgotten, NU55 F7)
        alike = [j for j in live if j.owner_id != mine] if "/" in wanted else live
        known = {self.display(j) for j in alike}
        if "/" not in wanted:  # a username names the one journal it shares (above): "mya"
            known |= {j.owner_name for j in live if j.owner_id != mine and j.owner_name}
        hint = did_you_mean(wanted, known)  # NU41 #13: a typo
        raise NotFound(
            f"no journal named {quoted_name(wanted)} on this device{hint}", subject="journal"
        )

    async def _not_only_in_notes(self, wanted: str) -> None:
        """Raises NotFound (subject SHARE_ENDED) when `wanted`, naming no journal here, is a
        client or journal this account's private notes name whose copy this device never
        held (`PrivateNotes.without_copy`): the share ended, or is no longer served, before
        this device synced it, so a sync cannot bring it (nu85 F5: never "did you mean"
        another client's journal)."""
        from client_sdk.private_notes import PrivateNotes

        folded = squeezed(wanted).casefold()
        for note in await PrivateNotes(self).without_copy():
            if folded in {squeezed(note.client).casefold(), squeezed(note.journal).casefold()}:
                raise NotFound(
                    f"no copy of {quoted_name(note.journal)} on this device: the server no "
                    "longer serves it to you and this device never downloaded it, so a sync "
                    f"cannot bring it; only your private notes about {note.client} are here, "
                    "written on another of your devices (which keeps its copy, if it "
                    "downloaded one)",
                    subject=SHARE_ENDED,
                )

    @property
    def default_journal_id(self) -> bytes:
        """The id of the journal this account's sign-up creates (`keys.default_journal_id`)."""
        account_key, account_id = self.profile.secrets.account_key, self.profile.account_id
        kept = self._default_id
        if kept is None or kept[0] != account_key or kept[1] != account_id:
            kept = self._default_id = (
                account_key,
                account_id,
                keys.default_journal_id(account_key, account_id),
            )
        return kept[2]

    async def journal_to_read(self, name_or_id: str | None) -> LocalJournal:
        """`local_journal`, but None or "" names the default journal to READ its safety plan,
        history and flags in, and to seal a safety flag for the members its owner-signed plan
        opted in (`client.safety`): an older account's journal adopted as its default
        (`_check_adopted`) counts while its adoption is unconfirmed or ended too. Reading
        one's own journal sends nothing, and a flag goes only to members the owner opted in;
        what the safety path shows after a concerning answer never waits on the user
        choosing a default journal to write in. Plain writes naming no journal are refused
        all the same (`default_journal`). Raises as `local_journal`."""
        if name_or_id:
            return await self.local_journal(name_or_id)
        journals = await self.store.journals()
        try:
            return await self.default_journal(journals)
        except NotFound as error:
            if error.subject not in (NO_DEFAULT, "sync"):
                raise
            chosen, adopted = await self.chosen_default(), self._adopted
            if (
                adopted is None
                or adopted.journal_id != chosen
                or adopted.state not in (UNCONFIRMED, HELD, ENDED)
            ):
                raise
            me = self.profile.account_id
            for journal in journals:
                if (
                    journal.journal_id.hex() == adopted.journal_id
                    and journal.owner_id == me
                    and journal.role != REVOKED
                ):
                    return journal
            raise

    async def default_journal(self, journals: list[LocalJournal]) -> LocalJournal:
        """The default journal among `journals`: where a call that names no journal writes
        and reads. Only ever one of this account's own journals, found by its id, so that it
        keeps being the default when renamed, on every device:
        - the journal this device's user chose (`client.journals.set_default`, DEFAULT_SETTING,
          kept on this device);
        - else the journal the sign-up created, by the id the account key derives
          (`keys.default_journal_id`): every device of the account computes it, and no
          server can make another journal bear it (a journal's owner-signed chain names its
          id) nor compute it.
        An account made before SDKs derived that id has its default journal by the first
        rule alone: the journal a device of it held as its default before this SDK, kept
        when this SDK first opened its store (`settle_default`) while no other name was
        stored for it since (`_check_adopted`), or the user's choice. A
        journal is never taken by a name a server serves: a new device could be served any
        name its owner ever signed (protocol.md 4.14), "Personal" for a journal shared with a
        therapist since.
        Raises NotFound (subject NO_DEFAULT) when none of these is here, naming what to do;
        subject "sync" while an adopted one awaits its first journal list (`_check_adopted`).
        """
        me = self.profile.account_id
        own = [j for j in journals if j.owner_id == me and j.role != REVOKED]
        chosen = await self.chosen_default()
        if chosen is not None:
            adopted = self._adopted
            if adopted is not None and adopted.state == UNKNOWN:
                raise NotFound(
                    "this device cannot tell how it took its default journal (another "
                    "version of the app recorded it): choose your default journal on this "
                    "device",
                    subject=NO_DEFAULT,
                )
            for journal in own:
                if journal.journal_id.hex() != chosen:
                    continue
                if adopted is not None and adopted.journal_id == chosen:
                    await self._check_adopted(adopted, journal)
                return journal
            gone = [j for j in journals if j.journal_id.hex() == chosen and j.owner_id == me]
            if gone:  # REVOKED: the server stopped listing it (a deletion is not signed)
                raise NotFound(  # never another journal guessed in its place (NU66 F10)
                    f"your default journal on this device, {quoted_name(gone[0].name)} (id "
                    f"{chosen[:ID_SHOWN]}), is no longer on the server (deleted on another of "
                    "your devices, or withheld): this device keeps a read-only copy of it, "
                    "which takes no new entries, and writes nowhere else until you name a "
                    "journal or choose another default",
                    subject=NO_DEFAULT,
                )
            raise NotFound(
                f"your default journal (id {chosen[:ID_SHOWN]}) is no longer on this device "
                "(deleted, or not synced here yet)",
                subject=NO_DEFAULT,
            )
        default_id = self.default_journal_id
        for journal in own:
            if journal.journal_id == default_id:
                return journal
        raise NotFound(
            "you have no default journal on this device: the journal made when you signed up "
            "is not here (deleted, not synced here yet, or made by an older version of the "
            "app, which this one cannot tell as your default) and none was chosen here",
            subject=NO_DEFAULT,
        )

    async def _check_adopted(self, adopted: Adoption, journal: LocalJournal) -> None:
        """Raise NotFound unless `journal`, adopted as an older account's default journal
        from the store's earlier state (`adopted`), is still the default by it: HELD (a
        journal list read since still named it DEFAULT_JOURNAL), named so now
        (`default_journal.adopted_still_named`), and its verified, owner-signed access chain
        shows no member other than the owner (`default_journal.shared_by_chain`: any grant,
        any field-level share). A chain showing one ends the adoption for good here
        (DEFAULT_SETTLED ENDED), whatever the journal is named: it was adopted as a private
        journal, and a server that withheld its rename for a while cannot send a write into
        it once shared. Subject "sync" while no journal list was read since the adoption
        (UNCONFIRMED: a sync settles it; `names` {"default journal": its id, hex}), else
        NO_DEFAULT (the user chooses; `names` {"journal id": its id, hex})."""
        ident = journal.journal_id.hex()
        if adopted.state in (UNCONFIRMED, HELD):
            await self.replica.fresh_access()  # another program may have verified more
            state = self.replica.chains.state(journal.journal_id)
            if state is not None and shared_by_chain(state):
                await self._end_adoption(adopted)
                reason = self._shared_words(quoted_name(journal.name), ident, state)
                raise NotFound(
                    f"{reason}: nothing was written",
                    subject=NO_DEFAULT,
                    situation=reason,
                    names={"journal id": ident},
                )
        if adopted.state == UNCONFIRMED:
            raise NotFound(
                f"this device has not synced since this version's update, so it cannot yet "
                f"tell that {quoted_name(journal.name)} (id {ident[:ID_SHOWN]}), your default "
                "journal before the update, was not renamed and shared on another device "
                "meanwhile: nothing was written. Sync once the server can be reached; until "
                "then name a journal only if you know it is not shared (the names this "
                "device shows may be out of date)",
                subject="sync",
                names={"default journal": ident},
            )
        if adopted.state == HELD and adopted_still_named(journal):
            return
        if adopted.state == HELD and await self._named_here(journal):
            # renamed by the user here, the process stopped before `kept_through_rename`
            await self._keep_held(ident)
            return
        ended_as = await self.store.setting(DEFAULT_ENDED_NAME)
        if not adopted_still_named(journal):
            now = (
                f"is now named {quoted_name(journal.name)} (most likely on another of your devices)"
            )
        elif isinstance(ended_as, str) and ended_as:  # ENDED, then served that name again
            now = (
                f"was named {quoted_name(ended_as)} on this device since (the name it shows "
                "now may be an older one)"
            )
        else:
            now = ""
        await self.replica.fresh_access()  # another program may have verified more
        state = self.replica.chains.state(journal.journal_id)
        if state is not None and shared_by_chain(state):
            named = quoted_name(DEFAULT_JOURNAL) + (f", which {now}," if now else "")
            reason = self._shared_words(named, ident, state)
        else:
            if not now:  # ended with no other name stored: a list showed it changed elsewhere
                now = "changed name or sharing on another device"
            reason = (
                f"your default journal before the update, {quoted_name(DEFAULT_JOURNAL)} (id "
                f"{ident[:ID_SHOWN]}), {now}, so this device no longer writes there unless "
                "you say so"
            )
        raise NotFound(
            f"{reason}: nothing was written",
            subject=NO_DEFAULT,
            situation=reason,
            names={"journal id": ident},
        )

    @staticmethod
    def _shared_words(named: str, ident: str, state: AccessState) -> str:
        """The refusal of a write naming no journal into the adopted journal (`named`, id
        `ident`, hex) whose verified chain (`state`) shows a member: whom it is shared with
        now ("is shared with tom"), and whom before only ("was shared with ben (ended)")."""
        # the adopted journal is this account's own: viewed from its owner's device
        now = reader_names(journal_readers(state, now_ms(), ended=False, viewer=state.owner_id))
        before = [name for name in readers_by_chain(state) if name not in now]
        parts = [f"is shared with {and_words(now)}"] if now else []
        if before:
            parts.append(f"was shared with {and_words(before)} (ended)")
        shared = " and ".join(parts) or "is shared with a member"
        return (
            f"{named} (id {ident[:ID_SHOWN]}) {shared}, so this device no longer writes "
            "there unless you say so"
        )

    async def _end_adoption(self, adopted: Adoption) -> None:
        """End the adoption `adopted` for good (DEFAULT_SETTLED ENDED), read and written in
        one transaction: only while DEFAULT_SETTLED and DEFAULT_SETTING still record it (a
        choice another process made meanwhile stands)."""

        def end(values: dict[str, Any], cursors: dict[bytes, int]) -> dict[str, Any]:
            if (
                values[DEFAULT_SETTING] == adopted.journal_id
                and adoption_of(values[DEFAULT_SETTLED]) == adopted
            ):
                return {DEFAULT_SETTLED: adoption_value(Adoption(adopted.journal_id, ENDED))}
            return {}

        await self.store.merge_settings((DEFAULT_SETTING, DEFAULT_SETTLED), end)
        self._chosen = None

    async def plan_journal(self) -> LocalJournal | None:
        """The journal whose safety plan every journal of this account's without one
        borrows (`SafetyPath.plan_source`): the default journal (`journal_to_read(None)`:
        the one this device's user chose, kept on this device, else the one the sign-up
        made, by the id the account key derives), else the read-only copy kept here of it
        when the server no longer lists it (`gone_default`). None when neither is here: the
        server does not list it (deleted on another device, or withheld) and this device
        never held it, or none was chosen here for an account older than that id. Its id is
        never a server's word, so a server can only make it missing, never put another
        journal in its place. Raises what `journal_to_read` raises but NotFound for want of
        a default journal."""
        try:
            return await self.journal_to_read(None)
        except NotFound as error:
            if error.subject not in (NO_DEFAULT, "sync"):
                raise
        return await self.gone_default()

    async def gone_default(self) -> LocalJournal | None:
        """The read-only copy kept here of the default journal (the one this device's user
        chose, else the one the sign-up made, by the id the account key derives), when the
        server no longer lists it (deleted on another device, or withheld: REVOKED) and it
        is this account's own (by its verified chain); None otherwise."""
        profile = self.profile
        chosen = await self.chosen_default() or (
            keys.default_journal_id(profile.secrets.account_key, profile.account_id).hex()
        )
        me = profile.account_id
        return next(
            (
                j
                for j in await self.store.journals()
                if j.journal_id.hex() == chosen and j.owner_id == me and j.role == REVOKED
            ),
            None,
        )

    async def chosen_default(self) -> str | None:
        """DEFAULT_SETTING (a journal id, hex), or None, read with DEFAULT_SETTLED in one
        statement (`_adopted`: another process's `choose_default` in between never makes an
        adopted id pass for the user's choice). Kept in memory while the journal list the
        store last read stands (`Store.cached_journals`) with the settings as they were then
        (`Store.settings_with_journals`), so that a loop of writes reads them once (issue
        10: a write runs no statement to find its journal); set here by `choose_default`.
        A choice or an adoption's move another process made on this home meanwhile is read
        once the store has read the journals since (a journal list that writes no row, as
        `Transaction.put_journal` skips an unchanged one, moves an adoption all the same:
        `Replica._adoption_after_list`); otherwise the values come from the store's copy
        kept until the settings table changes (`Store.settings` `as_of`)."""
        cached = self.store.cached_journals()
        journals_version = None if cached is None else cached[1]
        settings_version = self.store.settings_with_journals()
        key = (
            None
            if journals_version is None or settings_version is None
            else (journals_version, settings_version)
        )
        kept = self._chosen
        if kept is not None and key is not None and kept[0] == key:
            return kept[1]
        # Else kept by the store until the settings table changes (any connection's write:
        # `Store.settings` as_of), not read again because a cursor moved (issue 10: a
        # follower's sync read them at every round for its safety plan's journal).
        # `as_of` is a store version (`Store.version`: no statement while nothing changed),
        # never the journal list's own count, which only names the journals table.
        values = await self.store.settings(
            (DEFAULT_SETTING, DEFAULT_SETTLED), as_of=await self.store.version()
        )
        value = values.get(DEFAULT_SETTING)
        chosen = value if isinstance(value, str) else None
        self._adopted = adoption_of(values.get(DEFAULT_SETTLED)) if chosen is not None else None
        self._chosen = (key, chosen) if key is not None else None
        return chosen

    async def choose_default(self, journal_id: bytes) -> None:
        """Make the journal `journal_id` (one of this account's) this device's default
        journal (DEFAULT_SETTING), the user's choice: no longer one adopted from the store's
        earlier state (DEFAULT_SETTLED 1), both in one transaction."""
        chosen = journal_id.hex()
        await self.store.merge_settings(
            (DEFAULT_SETTING, DEFAULT_SETTLED),
            lambda values, cursors: {DEFAULT_SETTING: chosen, DEFAULT_SETTLED: 1},
        )
        self._chosen = None  # read again: the store's version moved

    async def kept_through_rename(self, journal_id: bytes) -> None:
        """After this device's user renamed `journal_id` (`Replica.update_meta` returned: the
        name it holds is the one the user gave): when it is the default journal adopted from
        the store's earlier state and still HELD (DEFAULT_SETTLED: no other name stored for
        it since a journal list confirmed it), it becomes the user's choice, as the user
        renamed it here knowingly; read and written in one transaction, so that a rename
        another process stores meanwhile (which ends the adoption) is never taken for it.
        A rename made on another device asks the user once (`default_journal`), and so
        does a journal whose verified chain shows a member other than the owner
        (`default_journal.shared_by_chain`): the adoption ends then instead."""
        wanted = journal_id.hex()
        await self.replica.fresh_access()  # another program may have verified a share
        if shared_by_chain(self.replica.chains.state(journal_id)):
            values = await self.store.settings((DEFAULT_SETTLED,))
            adopted = adoption_of(values.get(DEFAULT_SETTLED))
            if adopted is not None and adopted.journal_id == wanted:
                await self._end_adoption(adopted)
            return

        await self._keep_held(wanted)

    async def _keep_held(self, wanted: str) -> None:
        """Make the adopted journal `wanted` (hex) the user's choice (DEFAULT_SETTLED 1),
        read and written in one transaction, only while its adoption is still HELD."""

        def keep(values: dict[str, Any], cursors: dict[bytes, int]) -> dict[str, Any]:
            adopted = adoption_of(values[DEFAULT_SETTLED])
            held = Adoption(wanted, HELD)
            if values[DEFAULT_SETTING] == wanted and adopted == held:
                return {DEFAULT_SETTLED: 1}
            return {}

        await self.store.merge_settings((DEFAULT_SETTING, DEFAULT_SETTLED), keep)
        self._chosen = None

    async def _named_here(self, journal: LocalJournal) -> bool:
        """Whether the name `journal` holds is one this device signed itself (OWN_NAMED_AT,
        kept before the rename left: the same `named_at`), so the user renamed it here."""
        if not journal.named_at:
            return False
        signed = decode_own_named_at(await self.store.setting(OWN_NAMED_AT))
        return signed.get(self.replica.counters_tag(journal.journal_id).hex()) == journal.named_at

    async def settle_default(self) -> None:
        """Once per store, before it reads any journal list (`Client.open`, a sign-in): for
        an account made before SDKs derived the default journal's id, keep as this device's
        default (DEFAULT_SETTING) the journal its own earlier state holds as the default by
        the rule of then (`default_journal.older_default`: its own journal named "Personal"
        before DEFAULT_BY_ID_SINCE), unless a default is chosen already; then mark the store
        settled (DEFAULT_SETTLED), so that no later journal list, which a server could fill
        with an older name, is ever read for it. A new store holds no journal then: its
        device takes the derived id's journal, or the user's choice. Raises StoreBusy."""
        me, derived = self.profile.account_id, self.default_journal_id

        def decide(journals: list[LocalJournal]) -> str | None:
            found = older_default(journals, me, derived)
            return None if found is None else found.hex()

        await self.store.settle_setting(DEFAULT_SETTLED, DEFAULT_SETTING, decide)
        self._chosen = None

    async def _not_a_former_name(self, wanted: str, journals: list[LocalJournal]) -> None:
        """Raise NotFound (subject "journal") naming the journal `wanted` named before an
        owner-signed rename this device verified (`Replica.former_names`): "ana/My journal"
        (or "My journal", for this account's own) once ana renamed it "Journal": the old
        name is answered with the new one, never with another account's unverified journal.
        The newest rename that matches (case and runs of spaces ignored) counts; the error's
        `names` give the journal's name now ("renamed") and its id (hex, "journal id")."""
        asked = squeezed(wanted).casefold()
        found: list[tuple[int, LocalJournal, str]] = []
        for journal in journals:
            prefix = self.replica.owner_prefix(journal)  # "ana/" for another account's
            for name, renamed_at in await self.replica.former_names(journal.journal_id):
                if squeezed(prefix + name).casefold() == asked and name != journal.name:
                    found.append((renamed_at, journal, prefix + name))
        if not found:
            return
        renamed_at, journal, before = max(found, key=lambda f: f[0])
        day = datetime.fromtimestamp(renamed_at / 1000, UTC).date().isoformat()
        raise NotFound(
            f"no journal named {quoted_name(wanted)} on this device: {quoted_name(before)} was "
            f"renamed {quoted_name(self.display(journal))} on {day} (UTC)",
            subject="journal",
            names={"renamed": self.display(journal), "journal id": journal.journal_id.hex()},
        )

    def names(self, journal: LocalJournal) -> set[str]:
        """The names that name `journal`: `display`'s, and for another account's journal
        "owner (account 1a2b3c4d)/name" too (`_labelled_owner`), which `display` gives while
        another account's journals here bear that username (NU46 #1) and which names it
        still once they no longer do (a command printed then)."""
        shown = self.display(journal)
        if journal.owner_id == self.profile.account_id:
            return {shown}
        return {shown, f"{self._labelled_owner(journal)}/{journal.name}"}

    async def journals_of_client(
        self, name: str, journals: Iterable[LocalJournal]
    ) -> list[LocalJournal]:
        """Those of `journals` that the account `name` names (a username, or a label as
        `Replica.owner_label` gives it: "kim (account 1a2b3c4d)") owns and shares with this
        one, the read-only copies of shares that ended included; not the journals of its
        briefs (`brief_journals`): as a journal's "owner/" and the caseload name them, the
        plain username the account pinned here under it, another that bore it by its label.
        Raises InvalidInput for this account's own username, and for a username no account
        here is named by now (`_not_another_account`: journals of several accounts that
        bore it are here, each named by its label); NotFound (subject "journal") when this
        device holds no journal of theirs, ending " (did you mean 'ana'?)" for a name close
        to that of an account that shares one (`did_you_mean`)."""
        wanted = name.strip().casefold()
        if wanted == self.profile.username.casefold():
            raise InvalidInput(
                f"{name} is you: name your own journals instead, by their names",
                subject=YOU_NAMED,
                situation=f"{name} is you",
            )
        me = self.profile.account_id
        await self.replica.load_peers()  # what tells accounts apart by name (`_owners`)
        theirs = [j for j in journals if j.owner_id != me and wanted in self._owners(j)]
        briefs = await self.brief_journals(theirs)
        found = [j for j in theirs if j.journal_id not in briefs]
        hint = ""
        if not theirs:
            self._not_another_account(name, list(journals))
            # a typo ("anna"): the name of an account that does share one (nu80 F8)
            known = {j.owner_name for j in journals if j.owner_id != me and j.owner_name}
            hint = did_you_mean(name.strip(), known)
        if not found:
            raise NotFound(
                f"no journal of {quoted_name(name)} on this device: no account of that name shares one "
                f"with you{hint}",
                subject="journal",
            )
        return found

    def owners_named(self, journal: LocalJournal) -> set[str]:
        """`_owners`: the names (case folded) that name the owner of `journal`, another
        account's (`Journals.named_by`)."""
        return self._owners(journal)

    def _owners(self, journal: LocalJournal) -> set[str]:
        """The names (case folded) that name the owner of `journal`, another account's, as a
        client: `Replica.owner_label`'s, and `_labelled_owner` (as `names`)."""
        return {
            self.replica.owner_label(journal).casefold(),
            self._labelled_owner(journal).casefold(),
        }

    def client_label(self, journal: LocalJournal) -> str:
        """How a command printed for the user names the owner of `journal` (another
        account's) to act on their journals (`--client NAME`, "NAME/journal"): as
        `owner_named`, but by the label naming their account alone, "kim (account
        1a2b3c4d)" (`_labelled_owner`), for the read-only copy of a share that ended
        (REVOKED, or its signed end date passed): the share is over, so any later verify may
        give the username to another account (an erased client's name taken again), and a
        command printed now and run then must not act on the other person's records
        (REV-HELD; REV-S9B S9B-1: decided from this device's own data, whatever a journal
        list says or leaves out, or none is read)."""
        label = self.owner_named(journal)
        if (
            journal.owner_id != self.profile.account_id
            and label.casefold() == journal.owner_name.casefold()
            and (journal.role == REVOKED or self.replica.share_lapsed(journal, now_ms()))
        ):
            return self._labelled_owner(journal)
        return label

    def owner_named(self, journal: LocalJournal) -> str:
        """How the app's words name the owner of `journal` (another account's):
        `Replica.owner_label`, but "kim (account 1a2b3c4d)" (`_labelled_owner`) while they
        keep the plain username on this device and the server gives it to another account
        (`Replica.names_given_elsewhere`: a share not opened until verified; the server's
        word, which only ever adds a label)."""
        return self.replica.owner_named(journal)

    def _labelled_owner(self, journal: LocalJournal) -> str:
        """The owner of `journal` with as many digits of its account id as tell it apart from
        every account that bore its username here, "kim (account 1a2b3c4d)": a label of one
        account only (`Replica.label_digits`, REV-NAMES F1)."""
        digits = self.replica.label_digits(journal)
        return account_label(journal.owner_name, journal.owner_id.hex(), digits)

    def _not_another_account(
        self, wanted: str, journals: list[LocalJournal], *, journal: bool = False
    ) -> None:
        """Raise InvalidInput when `wanted`, the username of journals' owners here ("kim"),
        or with `journal` a journal as "owner/name" with the owner's plain username
        ("kim/Personal"), no longer names them: journals here of several accounts bear that
        username (`Replica.owner_label`, NU46 #1), and those it would name are no longer the
        account named so (or none is). Names each such account as it is named now, or with
        `journal` each such journal as `display` names it, with its id."""
        me = self.profile.account_id
        if journal:
            found = [
                j
                for j in journals
                if j.owner_id != me and f"{j.owner_name}/{j.name}".casefold() == wanted.casefold()
            ]
            listed = sorted(
                f"{quoted_name(self.display(j))} (id {j.journal_id.hex()[:ID_SHOWN]})"
                for j in found
            )
            what, owner = "journal", found[0].owner_name if found else ""
        else:
            name = wanted.strip().casefold()
            found = [j for j in journals if j.owner_id != me and j.owner_name.casefold() == name]
            listed = [quoted_name(o) for o in sorted({self.replica.owner_label(j) for j in found})]
            what, owner = "client", wanted.strip()
        if found:
            raise InvalidInput(
                f"{quoted_name(wanted)} names no {what} on this device now: journals of more than one "
                f"account named {owner} are here (an account erased, its username taken "
                f"again), each named with its account's id where that tells them apart: name "
                f"the one you mean as listed: {', '.join(listed)}",
                subject="refused",
            )

    async def _not_also_a_client(
        self,
        wanted: str,
        found: LocalJournal,
        live: list[LocalJournal],
        kept: list[LocalJournal],
    ) -> None:
        """Raise InvalidInput when `wanted`, the name of `found`, one of this account's own
        journals, is also the username of an account that shares one journal with this one
        (`_client_journal`): a therapist's own journal "carl" and client carl's journal were
        both named by "carl", and the own one was taken without a word (NU41 #13)."""
        if found.owner_id != self.profile.account_id:
            return
        try:
            theirs = await self._client_journal(wanted, live, kept)
        except NotFound:
            return  # they share only briefs: the name names no journal of theirs
        except InvalidInput as several:  # they share several: the name is no less in doubt
            raise InvalidInput(
                f"{quoted_name(wanted)} names your journal {quoted_name(self.display(found))}, and {several}; "
                f"or give your journal's id ({found.journal_id.hex()[:ID_SHOWN]}) for yours",
                subject="refused",
            ) from None
        if theirs is None:
            return
        raise InvalidInput(
            f"{quoted_name(wanted)} names your journal {quoted_name(self.display(found))} and also the journal "
            f"{theirs.owner_name} shares with you, {quoted_name(self.display(theirs))}: give "
            f"{quoted_name(self.display(theirs))} for theirs, or your journal's id "
            f"({found.journal_id.hex()[:ID_SHOWN]}) for yours; or rename yours",
            subject=YOURS_AND_THEIRS,
            names={"journal id": found.journal_id.hex()[:ID_SHOWN]},
        )

    async def _client_journal(
        self, wanted: str, live: list[LocalJournal], kept: list[LocalJournal]
    ) -> LocalJournal | None:
        """The one journal the account named `wanted` (a bare username: "ben") shares with
        this one, for a name no journal has (NU25 C3: `tj assign ben ...` as `tj
        private-notes add ben`); one still shared wins over kept copies of ended shares; a
        journal holding a brief is never one (`brief_journals`, NU31 #2). None when `wanted`
        is no such name (or holds a "/"). Raises InvalidInput naming each journal when they
        share several; NotFound (subject BRIEF_NOT_JOURNAL) when they share only briefs."""
        name = wanted.strip().casefold()
        if not name or "/" in name:
            return None
        me = self.profile.account_id
        every = [j for j in (*live, *kept) if j.owner_id != me and name in self._owners(j)]
        if not every:
            self._not_another_account(wanted, [*live, *kept])
            return None
        briefs = await self.brief_journals(every)
        for candidates in (live, kept):
            theirs = [j for j in candidates if j in every and j.journal_id not in briefs]
            if len(theirs) == 1:
                return theirs[0]
            moment = now_ms()
            if theirs and all(
                j.role == REVOKED or self.replica.share_lapsed(j, moment) for j in theirs
            ):  # none served now: never "shares several journals" (present tense)
                raise InvalidInput(
                    await self._every_share_over(wanted, theirs, moment), subject=SHARE_ENDED
                )
            if theirs:
                names = ", ".join(quoted_name(n) for n in sorted(self.display(j) for j in theirs))
                # the read-only copies of their ended shares too, which may hold what is
                # looked for (NU46 #11: only the live ones were offered)
                ended = sorted(
                    self.display(j)
                    for j in kept
                    if candidates is live and j in every and j.journal_id not in briefs
                )
                also = (
                    f" (or a read-only copy of a share that ended: "
                    f"{', '.join(quoted_name(n) for n in ended)})"
                    if ended
                    else ""
                )
                raise InvalidInput(
                    f"{wanted} shares several journals with you: name one of {names}{also}",
                    subject="refused",
                )
        if any(j in briefs for j in (x.journal_id for x in every)):
            owner = self.replica.owner_label(every[0])
            raise NotFound(
                f"{owner} shares no journal with you, only a pre-session brief",
                subject=BRIEF_NOT_JOURNAL,
            )
        return None

    async def _every_share_over(self, wanted: str, theirs: list[LocalJournal], moment: int) -> str:
        """The words for `wanted`, a client whose journals here, `theirs` (several), are all
        read-only copies of shares no longer on at `moment` (ms UTC): which ended by what
        their owner signed (an end in the verified chain, a signed end date passed, or this
        account leaving them), which only the server stopped serving (its word: the owner may
        have ended them, or the server may be holding them back), and each to name."""
        left = forgotten.decode(await self.store.setting(forgotten.LEFT))
        unlisted = sorted(self.display(j) for j in theirs if self.replica.unlisted(j, moment, left))
        ended = sorted(self.display(j) for j in theirs if self.display(j) not in unlisted)
        owner = self.replica.owner_label(theirs[0])
        said = []
        if ended:
            said.append(f"the share of {', '.join(quoted_name(n) for n in ended)} with you ended")
        if unlisted:
            said.append(
                f"the server no longer serves you {', '.join(quoted_name(n) for n in unlisted)} "
                f"(its word alone: nothing {owner} signed says the share ended; they may have "
                "ended it, or the server may be holding it back)"
            )
        names = ", ".join(quoted_name(n) for n in sorted(self.display(j) for j in theirs))
        return (
            f"{owner} shares no journal with you now: {'; '.join(said)}. This device keeps "
            f"read-only copies of them: to read one, name it: {names}"
        )

    async def journal_to_write(
        self, name_or_id: str | None, *, fresh: bool = False
    ) -> tuple[LocalJournal, list[LocalJournal], tuple[int, int] | None]:
        """The journal a new document goes to (`local_journal`), the journal list it was
        found in, and that list's version when it was not read from the store.

        Unless `fresh`, the list last read is used without reading the store again (issue
        10: a write need not check the journals' version twice) when it names one of this
        account's journals that takes writes (not archived): the version returned then goes
        to `Replica.commit_new` (`journals_as_of`), which checks inside the write's
        transaction that the journals did not change since, or raises store.JournalsChanged
        with nothing written (call again with `fresh=True`). Otherwise (another outcome
        could come from an out-of-date list) the list is read from the store and the
        version is None. Raises as `local_journal` (a brief named: InvalidInput)."""
        cached = None if fresh else self.store.cached_journals()
        if cached is not None:
            journals, version = cached
            try:
                local = await self.local_journal(name_or_id, journals, refuse_brief=True)
            except TJError:
                pass  # the list may be out of date: read it
            else:
                if local.owner_id == self.profile.account_id and not is_archived(local):
                    return local, journals, version
        journals = await self.store.journals()
        local = await self.local_journal(name_or_id, journals, refuse_brief=True)
        return local, journals, None

    async def keep_set_aside_words(
        self, doc_id: bytes, what: str, name: str, action: tuple[str, str, str]
    ) -> None:
        """Raise InvalidInput (subject SET_ASIDE_WORDS, `names` {name: doc id hex}) when the
        document `doc_id` has a change the server refused for good (set aside): its words are
        on no other device, and deleting, withdrawing or clearing it (`action`: the verb, its
        "-ing" form and its past participle) would erase them. `what` names it in the
        message ("goal 'Sleep'")."""
        if not await self.store.set_aside_holds(doc_id):
            return
        verb, doing, done = action
        raise InvalidInput(
            f"{what} has a change the server refused for good (set aside), whose words are on "
            f"no other device: {doing} it would erase them. Keep them (the set-aside list "
            f"gives them), drop that change, then {verb} it again. Nothing was {done}",
            subject=SET_ASIDE_WORDS,
            names={name: doc_id.hex()},
        )

    async def document_of_kind(self, text: str, kind: str) -> tuple[LocalJournal, Document]:
        """The document of `kind` whose id is `text` or starts with it (4 to 32 hex digits).
        Raises InvalidInput for a malformed id (subject BAD_VALUE, `names` "kind": `kind`)
        or an ambiguous one, WrongKind (a NotFound) when it
        names one document of another kind (an entry's id given for a goal), NotFound for
        none."""
        words = kind_words(kind)
        try:
            found = await documents_by_id(self.store, text, f"a {words} id")
        except InvalidInput as malformed:  # which kind's id, for an app's advice (nu85 F1)
            malformed.names["kind"] = kind
            raise
        matches = [stored for stored in found if stored.kind == kind]
        if not matches and len(found) == 1:
            raise wrong_kind(text, found[0].kind, found[0].doc_id.hex(), kind)
        if not matches:
            elsewhere = None if found else await other_kind(self.store, text, kind)
            raise elsewhere or NotFound(f"no {words} {text} on this device", subject="document")
        if len(matches) > 1:
            raise ambiguous_id(text, matched_kinds([kind] * len(matches)))  # "2 goals"
        journals = {j.journal_id: j for j in await self.store.journals()}
        return journals[matches[0].journal_id], stored_document(matches[0])

    async def save(
        self,
        journal: LocalJournal,
        document: Document,
        update: bytes,
        *,
        also: Callable[[Transaction], Awaitable[None]] | None = None,
        before: Callable[[Transaction], Awaitable[None]] | None = None,
    ) -> None:
        """Commit a local change (with what `also` writes, in the same transaction; `before`
        first in it, on the stored state as it was: `Replica.commit`), then keep
        field-level disclosure copies current."""
        await self.replica.commit(journal, document, update, also=also, before=before)
        await self.sharing.mirror(journal, document)

    async def entries(
        self, journal: str | None, *, include_deleted: bool = False, refuse_brief: bool = False
    ) -> list[Entry]:
        """Entries, newest first, of one journal (name or id) or of all journals; disclosure
        copies made for a therapist are left out when listing all (the originals are listed),
        and so are the copies a client shared with this account of entries it reads in a
        journal the client shares whole (`once_each`). `refuse_brief`: as `local_journal`."""
        await self.replica.load_access()  # which journals are copies: from their chains
        journals = {j.journal_id: j for j in await self.store.journals()}
        journal_id = (
            (await self.local_journal(journal, refuse_brief=refuse_brief)).journal_id
            if journal
            else None
        )
        found = []
        listed: set[bytes] = set()
        named: dict[bytes, _Names] = {}  # `_listed`'s, once a journal
        left = await self.left_here(journals.values())
        for count, stored in enumerate(await self.store.documents(journal_id, (ENTRY,)), 1):
            if count % READ_BETWEEN_YIELDS == 0:
                await asyncio.sleep(0)  # other tasks run between pieces (nu82 F7)
            if stored.kind != ENTRY or stored.journal_id not in journals:
                continue
            listed.add(stored.doc_id)
            source = journals[stored.journal_id]
            if journal_id is None and source.role == "owner" and self.replica.is_disclosure(source):
                continue  # copies made for a therapist; the originals are listed
            entry = self._listed(source, stored, named, left)
            if include_deleted or not (entry.deleted or entry.trashed_at is not None):
                found.append(entry)
        self._drop_views(journal_id, listed)
        found.sort(key=lambda e: (e.created_at, e.id), reverse=True)
        if journal_id is None:  # a client's entry and its copy shared with you: listed once
            found = self.once_each(found, journals.values())
        return found

    async def entry_page(
        self,
        journal: str | None,
        *,
        since: Moment | None = None,
        until: Moment | None = None,
        tags: frozenset[str] = frozenset(),
        emotions: frozenset[str] = frozenset(),
        limit: int | None = None,
        newest_first: bool = True,
        include_deleted: bool = False,
        refuse_brief: bool = False,
        on_this_day: date | None = None,
    ) -> tuple[list[Entry], int, frozenset[str]] | None:
        """`select_entries(entries(journal, ...), ...)` cut to `limit`, how many it holds
        before the cut and their journals (ids, hex), by the store's index of entries (`Store.entry_page`): only
        the entries returned are read. `tags` are case-folded. None when the index cannot
        tell (see `Store.entry_page`; an entry's row disagreeing with its document): the
        caller lists them all. Raises as `entries`, then InvalidInput for bad bounds or
        limit (`queries.check_bounds`)."""
        await self.replica.load_access()  # which journals are copies: from their chains
        journals = {j.journal_id: j for j in await self.store.journals()}
        chosen = (
            (await self.local_journal(journal, refuse_brief=refuse_brief)).journal_id
            if journal
            else None
        )
        check_bounds(since, until, limit)
        if any(not _encodes(name) for name in (*tags, *emotions)):
            return None  # no statement takes it: the whole listing compares it
        if chosen is not None:
            listed = [chosen] if chosen in journals else []
            copies: dict[bytes, bytes] = {}
        else:
            listed = [
                journal_id
                for journal_id, local in journals.items()
                if not (local.role == "owner" and self.replica.is_disclosure(local))
            ]
            copies = {
                j.journal_id: j.owner_id
                for j in journals.values()
                if self.replica.is_copy_shared_with_me(j)
            }
        query = EntryQuery(
            listed,
            include_deleted=include_deleted,
            tags=tags,
            emotions=emotions,
            rough=rough_range(since, until),
            keep=row_keeper(since, until, on_this_day),
            month_days=rough_month_days(on_this_day) if on_this_day is not None else frozenset(),
            newest_first=newest_first,
            limit=limit,
            copies=copies,
            owners={j.journal_id: j.owner_id for j in journals.values()},
            same=self._same_entry,
        )
        page = await self._indexed_page(query)
        if page is None:
            return None
        named: dict[bytes, _Names] = {}
        left = await self.left_here(journals[journal_id] for _, journal_id, _ in page.rows)
        found = []
        for doc_id, journal_id, row in page.rows:
            stored = page.documents[doc_id]
            if entry_row(self.stored_entry_view(stored)) != row:
                return None  # never list what its document does not say
            found.append(self._listed(journals[journal_id], stored, named, left))
        return found, page.total, frozenset(j.hex() for j in page.journal_ids)

    async def entry_rows(self, journals: list[LocalJournal]) -> list[EntryRow] | None:
        """The index rows (`queries.EntryRow`: time, offset, mood, ...) of the entries of
        `journals` not in the trash nor deleted, each entry once (a copy of an entry another
        of them holds whole left out, as `entries` leaves it out), oldest first, reading no
        document but those of copies to compare; None when the index cannot tell (see
        `Store.entry_page`): the caller reads the entries."""
        await self.replica.load_access()  # which journals are copies: from their chains
        query = EntryQuery(
            [j.journal_id for j in journals],
            newest_first=False,
            rows_only=True,
            copies={
                j.journal_id: j.owner_id for j in journals if self.replica.is_copy_shared_with_me(j)
            },
            owners={j.journal_id: j.owner_id for j in journals},
            same=self._same_entry,
        )
        page = await self._indexed_page(query)
        return None if page is None else [row for _, _, row in page.rows]

    async def _indexed_page(self, query: EntryQuery) -> EntryPage | None:
        """`Store.entry_page(query)`, the index's missing rows written first when it says
        it cannot tell (twice at most: another process may change an entry meanwhile); no
        write transaction while the index is whole."""
        for attempt in range(3):
            page = await self.store.entry_page(query)
            if page is not None or attempt == 2:
                return page
            await self.index_stale_entries()
        return None

    def _same_entry(self, copy: StoredDocument, whole: StoredDocument) -> bool:
        """`queries.same_entry` of two stored entries' views (kept views: each document is
        read once, however many entries it is compared with)."""
        return same_entry(self.stored_entry_view(copy), self.stored_entry_view(whole))

    async def index_stale_entries(self) -> None:
        """Write the rows of the store's index of entries for the entries new to it
        (`Transaction.index_new_entries`) and those that changes dropped
        (`Store.stale_entries`), from their views. A store busy in another process's write
        is left as it is: `entry_page` then says the index cannot tell."""

        def row_of(stored: StoredDocument) -> EntryRow:
            # An entry written once and whose view is not kept: its row read from its state
            # alone (`entry_row_fields_of_state`), no view made nor kept for it (a first
            # listing after a pull or an import indexes every entry and shows a page of
            # them: the views of those it shows are read then, issue 10).
            if not stored.waiting and stored.doc_id not in self._views:
                fields = entry_row_fields_of_state(stored.state)
                if fields is not None:
                    return entry_row(fields)
            return entry_row(self.stored_entry_view(stored))

        try:
            more = True
            while more:
                async with self.store.transaction() as tx:
                    more = await tx.index_new_entries(row_of)
            after = 0
            while stale := await self.store.stale_entries(after):
                rows = [(n, stored, row_of(stored)) for n, stored in stale]
                async with self.store.transaction() as tx:
                    await tx.index_entries(rows)
                after = stale[-1][0]
        except (sqlite3.OperationalError, StoreBusy):  # locked past the busy timeout
            return

    def _listed(
        self,
        journal: LocalJournal,
        stored: StoredDocument,
        named: dict[bytes, _Names],
        left: Collection[str],
    ) -> Entry:
        """`entry_of(journal, view, left)` of a stored entry's view (`stored_entry_view`): the Entry made
        of the same kept view before when it names the journal the same (name, id, whether
        it may hold copies: all `entry_of` takes from `journal`), else made now and kept
        with the view. `named`: (display, hex id, may be a copy) by journal id, filled here,
        for one listing (a journal's name can change between listings); `left`: as
        `share_state` takes it, read once a listing (`left_here`). Issue 10: building
        the Entry (its datetimes, its hex id) was a third of a caseload's listing of 10,950
        entries kept from the call before."""
        names = named.get(journal.journal_id)
        if names is None:
            names = (
                self.display(journal),
                journal.journal_id.hex(),
                self.may_be_copy(journal),
                self.share_state(journal, left),  # it moves with the clock: never kept (NU42 #6)
            )
            named[journal.journal_id] = names
        view = self.stored_entry_view(stored)
        kept = self._views.get(stored.doc_id)
        if kept is not None and kept[3] is view:
            entry = kept[4]
            if (
                entry is not None
                and entry.journal == names[0]
                and entry.journal_id == names[1]
                and entry.changed == (view.changed or names[2])
                and (entry.share_ended, entry.unlisted) == names[3]
            ):
                return entry
            entry = self.entry_of(journal, view, left)
            self._views[stored.doc_id] = (*kept[:4], entry)
            return entry
        return self.entry_of(journal, view, left)

    def stored_entry_view(self, stored: StoredDocument) -> EntryView:
        """The view of a stored entry: the one read from the same state before, else read now.
        A view depends on the document's state and waiting updates alone (`entry_view`), so
        a view read from a state of the same BLAKE2b digest is that state's view; reading one
        decodes the document (pycrdt: ~100 µs for an entry of 1 KB, where the digest is ~2
        µs; ~10 µs for an entry never changed, `entry_view_of_state`), and a list of 10,000
        entries read them all at every call (issue 10)."""
        digest = crypto.hash32(stored.state)
        cached = self._views.get(stored.doc_id)
        if cached is not None and cached[1:3] == (digest, stored.waiting):
            return cached[3]
        view = None if stored.waiting else entry_view_of_state(stored.doc_id, stored.state)
        if view is None:
            view = entry_view(stored_document(stored))
        if cached is not None or len(self._views) < VIEW_CACHE_LIMIT:
            if cached is not None and cached[0] != stored.journal_id:
                self._view_journals.get(cached[0], set()).discard(stored.doc_id)
            self._views[stored.doc_id] = (stored.journal_id, digest, stored.waiting, view, None)
            self._view_journals.setdefault(stored.journal_id, set()).add(stored.doc_id)
        return view

    def forget_views(self, doc_ids: Iterable[bytes]) -> None:
        """Drop the kept views of these documents (changed: their next listing reads them
        again), so that what an edit, a deletion for good or a merge took out of an entry
        is not kept in memory either (REV-L1 F3)."""
        for doc_id in doc_ids:
            kept = self._views.pop(doc_id, None)
            if kept is not None:
                self._view_journals.get(kept[0], set()).discard(doc_id)

    def drop_views(self, journal_id: bytes) -> None:
        """Drop every kept entry view of `journal_id` (a journal this device erases)."""
        self._drop_views(journal_id, set())

    def _drop_views(self, journal_id: bytes | None, listed: set[bytes]) -> None:
        """Drop the kept views of entries a listing of `journal_id` (None: of every journal)
        did not find in the store: forgotten, erased or moved, they are not kept in memory."""
        if journal_id is None:
            self._views = {d: kept for d, kept in self._views.items() if d in listed}
            self._view_journals = {}
            for doc_id, kept in self._views.items():
                self._view_journals.setdefault(kept[0], set()).add(doc_id)
            return
        kept_ids = self._view_journals.get(journal_id)
        if not kept_ids:
            return
        for doc_id in kept_ids - listed:
            self._views.pop(doc_id, None)
        kept_ids &= listed

    def once_each(self, entries: list[Entry], journals: Iterable[LocalJournal]) -> list[Entry]:
        """`entries` without the copies (field-level or single items) that clients shared
        with this account of entries it also reads in a journal they share whole
        (queries.once_each). Load the chains first."""
        journals = list(journals)
        copies = {
            j.journal_id.hex(): j.owner_id.hex()
            for j in journals
            if self.replica.is_copy_shared_with_me(j)
        }
        if not copies:
            return entries
        owners = {j.journal_id.hex(): j.owner_id.hex() for j in journals}
        return once_each(entries, copies, owners)

    def entry(self, journal: LocalJournal, document: Document, left: Collection[str]) -> Entry:
        """The public view of an entry document; `left` as `share_state` takes it."""
        return self.entry_of(journal, entry_view(document), left)

    def entry_of(self, journal: LocalJournal, view: EntryView, left: Collection[str]) -> Entry:
        """The public view of an entry's view; `left` as `share_state` takes it."""
        created_at = to_datetime(view.created_at)
        ended, unlisted = self.share_state(journal, left)
        copy = self.replica.is_copy_shared_with_me(journal)
        return Entry(
            id=view.id.hex(),
            journal=self.display(journal),
            journal_id=journal.journal_id.hex(),
            title=view.title,
            body=view.body,
            mood=view.mood,
            tags=view.tags,
            created_at=created_at,
            # a new entry's two times are one (datetimes are immutable: one object serves)
            updated_at=(
                created_at if view.updated_at == view.created_at else to_datetime(view.updated_at)
            ),
            deleted=view.deleted,
            emotions=view.emotions,
            prompt_id=view.prompt_id,
            utc_offset=view.utc_offset,
            trashed_at=to_datetime(view.trashed_at) if view.trashed_at is not None else None,
            changed=view.changed or self.may_be_copy(journal),
            share_ended=ended,
            unlisted=unlisted,
            copy=copy,
            shared_fields=self.entry_fields_shared(journal) if copy else None,
        )

    def entry_fields_shared(self, journal: LocalJournal) -> tuple[str, ...] | None:
        """`Entry.shared_fields` of the entries of `journal`, a copy kept for this account:
        the entry fields its owner-signed name says it carries (`replica.copied_fields`), in
        `ENTRY_FIELDS` order; None for a copy whose name names none (entries shared one at
        a time: whole)."""
        named = copied_fields(journal.name, self.profile.username)
        if not named:
            return None
        return tuple(field for field in ENTRY_FIELDS if field in named)

    def share_state(self, journal: LocalJournal, left: Collection[str]) -> tuple[bool, bool]:
        """(`Entry.share_ended`, `Entry.unlisted`) of the entries of `journal` now: ended by
        its owner-signed chain or end date (`Replica.share_lapsed`; a journal no longer
        served whose verified chain no longer grants it) or by this account leaving it on
        this device (`left`, as `left_here` reads it); unlisted when only the server says so
        (no longer served, `REVOKED`, while the verified chain still grants it, and not left
        here: `Replica.unlisted`), as `Journal.share_ended` / `Journal.unlisted` say it.
        Never both; (False, False) for this account's own journals."""
        if journal.owner_id == self.profile.account_id:
            return False, False
        if journal.role == REVOKED:  # as the caseload tells it (`Replica.unlisted`)
            unlisted = self.replica.unlisted(journal, now_ms(), left)
            return not unlisted, unlisted
        return self.replica.share_lapsed(journal, now_ms()), False

    async def left_here(self, journals: Iterable[LocalJournal]) -> frozenset[str]:
        """What `share_state` takes as `left` for entries of `journals`: the tags of the
        journals this account left on this device (`forgotten.LEFT`), read only when one of
        `journals` is another account's no longer served here (`REVOKED`: the only state a
        leave changes); else empty, with no read. Raises only a store error."""
        mine = self.profile.account_id
        if not any(j.role == REVOKED and j.owner_id != mine for j in journals):
            return frozenset()
        return frozenset(forgotten.decode(await self.store.setting(forgotten.LEFT)))

    def may_be_copy(self, journal: LocalJournal) -> bool:
        """Whether the journal may hold copies of another journal's entries (disclosure
        settings in its owner-signed chain, or a chain not loaded here): a copy is written in
        one update from an entry edited before, so its one update says nothing of edits."""
        state = self.replica.chains.state(journal.journal_id)
        return state is None or state.disclosure is not None

    async def entry_document(self, entry_id: str) -> tuple[LocalJournal, Document]:
        """The journal and document of an entry by id or unique prefix, trashed or not.
        Raises InvalidInput for a malformed or ambiguous id, NotAnEntry (a NotFound) for the
        id of another kind of document this device holds (a note, a result...), NotFound for
        none."""
        journal, stored = await self.entry_stored(entry_id)
        return journal, stored_document(stored)

    async def entry_stored(self, entry_id: str) -> tuple[LocalJournal, StoredDocument]:
        """`entry_document`, the document as stored (not decoded: `stored_entry_view` reads
        its view), with the same errors."""
        whole = _whole_id(entry_id)  # as apps pass it: one read, no lookup by prefix first
        stored = None if whole is None else await self.store.document(whole)
        if stored is None:  # a prefix, or no such document: looked up (and its errors) as ever
            doc_id = await self._entry_id(entry_id)
            stored = await self.store.document(doc_id)
        else:
            doc_id = stored.doc_id
        if stored is None:
            raise NotFound(f"no entry {entry_id} on this device")
        if stored.kind != ENTRY:
            words = kind_words(stored.kind)
            article = "an" if words[0] in "aeiou" else "a"
            raise NotAnEntry(
                f"{entry_id} is {article} {words}, not an entry",
                kind=stored.kind,
                id=doc_id.hex(),
            )
        journals = {j.journal_id: j for j in await self.store.journals()}
        return journals[stored.journal_id], stored

    async def _entry_id(self, text: str) -> bytes:
        cleaned = text.strip().lower()
        if (
            len(cleaned) < 4
            or len(cleaned) > 32
            or any(c not in "0123456789abcdef" for c in cleaned)
        ):
            raise InvalidInput(
                f"{text!r} is not an entry id (4 to 32 hex digits)", subject=BAD_VALUE
            )
        store = self.store
        if len(cleaned) % 2:
            candidates = await store.document_ids_with_prefix(bytes.fromhex(cleaned[:-1]))
            candidates = [c for c in candidates if c.hex().startswith(cleaned)]
        else:
            candidates = await store.document_ids_with_prefix(bytes.fromhex(cleaned))
        if not candidates:
            elsewhere = await other_kind(store, text, ENTRY)
            raise elsewhere or NotFound(f"no entry {text} on this device", subject="document")
        if len(candidates) > 1:
            kinds = [stored.kind for c in candidates if (stored := await store.document(c))]
            raise ambiguous_id(text, matched_kinds(kinds))
        return candidates[0]


HEX_DIGITS = frozenset("0123456789abcdef")


def _whole_id(text: str) -> bytes | None:
    """The document id `text` spells out whole (32 hex digits, as `Entry.id` gives it; case
    and surrounding spaces as `_entry_id` takes them), else None. A document id is 16 bytes
    (records.py refuses any other), so no other id starts with it: nothing to look up by
    prefix (issue 10: the first of two reads of every `entries.get` by id)."""
    cleaned = text.strip().lower()
    if len(cleaned) != 32 or not HEX_DIGITS.issuperset(cleaned):
        return None
    return bytes.fromhex(cleaned)


def _encodes(name: str) -> bool:
    """Whether a statement can take `name` (UTF-8: no lone surrogate)."""
    try:
        name.encode()
    except UnicodeEncodeError:
        return False
    return True


async def other_kind(store: Store, text: str, wanted: str) -> WrongKind | None:
    """What `text` (an id or its start, hex) names when no document of this device does: one
    journal (kind "journal", its id) or one goal's check-in (kind "checkin", the id of its
    goal, which shows it), as the WrongKind to raise ("4445 is a journal, not an entry"; a
    NotAnEntry when `wanted` is ENTRY: NU37 #6); None when it names nothing or more than
    one thing. `wanted`: a kind, or words ("entry or note")."""
    from client_sdk.goals import GOAL, goal_checkins

    cleaned = text.strip().lower()
    named = [
        ("journal", journal.journal_id.hex())
        for journal in await store.journals()
        if journal.journal_id.hex().startswith(cleaned)
    ]
    for stored in await store.documents(None, [GOAL]):
        goal = stored_document(stored)
        if goal.field("deleted") is not True:
            found = [c for c in goal_checkins(goal) if c.id.lower().startswith(cleaned)]
            named += [("checkin", stored.doc_id.hex())] * len(found)
    if len(named) != 1:
        return None
    [(kind, full)] = named
    if wanted == ENTRY:
        return NotAnEntry(
            f"{text} is {with_article(kind_words(kind))}, not an entry", kind=kind, id=full
        )
    return wrong_kind(text, kind, full, wanted)


def kind_words(kind: str) -> str:
    """A document kind in plain words (KIND_WORDS, else the kind without underscores)."""
    return KIND_WORDS.get(kind, kind.replace("_", " "))


def wrong_kind(text: str, kind: str, full_id: str, wanted: str) -> WrongKind:
    """The WrongKind for `text`, which names one thing of `kind` (its id `full_id`, hex)
    where `wanted` (a kind, or words: "entry or note") was asked for: "e145 is a goal, not
    an entry or note"."""
    return WrongKind(
        f"{text} is {with_article(kind_words(kind))}, not {with_article(kind_words(wanted))}",
        kind=kind,
        id=full_id,
        wanted=wanted,
    )


def with_article(words: str) -> str:
    """`words` after "a" or "an": "an entry", "a goal". Pure."""
    return f"{'an' if words[0] in 'aeiou' else 'a'} {words}"


def matched_kinds(kinds: list[str]) -> str:
    """What an ambiguous id prefix matches, by kind, entries first, then in the order met
    (KIND_WORDS): "an entry and a goal", "2 entries and a questionnaire result"; "several
    documents" when no kind is known. Pure."""
    counts = Counter(sorted(kinds, key=lambda kind: kind != ENTRY))
    parts = []
    for kind, count in counts.items():
        words = kind_words(kind)
        if count == 1:
            parts.append(f"{'an' if words[0] in 'aeiou' else 'a'} {words}")
        else:
            parts.append(f"{count} {words[:-1] + 'ies' if words.endswith('y') else words + 's'}")
    if not parts:
        return "several documents"
    return and_words(parts)


async def documents_by_id(store: Store, text: str, what: str) -> list[StoredDocument]:
    """The documents of this device whose id (hex) is `text` or starts with it: 4 to 32 hex
    digits, any case, spaces around ignored. Raises InvalidInput, saying `text` is not
    `what` ("an entry id"), for anything else."""
    cleaned = text.strip().lower()
    if not 4 <= len(cleaned) <= 32 or any(c not in "0123456789abcdef" for c in cleaned):
        raise InvalidInput(f"{text!r} is not {what} (4 to 32 hex digits)", subject=BAD_VALUE)
    ids = await store.document_ids_with_prefix(bytes.fromhex(cleaned[: len(cleaned) // 2 * 2]))
    found = [await store.document(i) for i in ids if i.hex().startswith(cleaned)]
    return [stored for stored in found if stored is not None]


MIN_ID_PREFIX = 4
"""Hex digits of a journal id that name it (`tj journal list` shows ids), as of an entry's id:
a name is looked for first, so a journal named "cafe" is still named by its name."""

MIN_ID_PREFIX_TO_END = 8
"""Hex digits of a journal id that name it for what ends or discards something (deleting a
journal, unsharing, leaving, forgetting a copy: `local_journal(ends=True)`), so
that a mistyped four-letter word made of hex digits ("cafe", "2024") does not."""

ID_TOO_SHORT = "id too short"
"""`InvalidInput.subject` when the start of an id too short for what ends or discards
something would have named a journal (`MIN_ID_PREFIX_TO_END`)."""


def typed_words(words: str) -> str:
    """`words` as every step of naming a journal compares them: without the whitespace
    around them (a pasted id's newline, an app's text field), or as given when nothing else
    is left. Pure."""
    return words.strip() or words


def is_id_prefix(wanted: str, journal_id: bytes) -> bool:
    """Whether `wanted` is the start of the journal's id in hex (at least MIN_ID_PREFIX
    digits, any case)."""
    text = wanted.lower()
    hexadecimal = all(c in "0123456789abcdef" for c in text)
    return hexadecimal and len(text) >= MIN_ID_PREFIX and journal_id.hex().startswith(text)


def same_name_error(name: str, journals: list[LocalJournal], *, strict: bool) -> SameJournalName:
    """The error for a name that names several `journals` (`same_names.same_name_text`; for
    what destroys data, `strict`, when one is a read-only copy: `copy_same_name_text`). Pure."""
    ids = [j.journal_id for j in journals]
    copies = frozenset(j.journal_id for j in journals if j.role == REVOKED)
    text = (
        copy_same_name_text(name, ids, copies) if strict and copies else same_name_text(name, ids)
    )
    return SameJournalName(
        text, name=name, journal_ids=ids, copies=copies if strict else frozenset()
    )
