"""`client.journals`: the journals this device holds, creating one, and comparing a journal's
history with another device in session.

    journal = await client.journals.create("Sleep")
    for journal in await client.journals.list():
        print(journal.name, journal.role)
"""

from __future__ import annotations

import builtins
import contextlib
import string
import unicodedata
from collections.abc import Awaitable, Callable, Collection

from client_sdk import forgotten
from client_sdk.context import Context, is_id_prefix, typed_words
from client_sdk.default_journal import DEFAULT_JOURNAL, READERS_LEFT, SHARED_DEFAULT
from client_sdk.errors import (
    BAD_VALUE,
    NAME_TAKEN,
    InvalidInput,
    NetworkError,
    ReadersToConfirm,
    TJError,
)
from client_sdk.inputs import checks_inputs
from client_sdk.models import (
    ID_SHOWN,
    Journal,
    and_words,
    invisible_at,
    is_control,
    now_ms,
    quoted_name,
    squeezed,
)
from client_sdk.readers import JournalReader, journal_readers, reader_names
from client_sdk.replica import REVOKED, stored_document
from client_sdk.store import LocalJournal
from client_sdk.wire import ID_BYTES

MAX_JOURNAL_NAME = 100


def check_name(name: str) -> str:
    """A journal name, trimmed and each run of whitespace in it one space (`squeezed`: a
    message shows it so, and it is typed back so): 1 to MAX_JOURNAL_NAME characters, without
    '/'. One of only spaces (or other blank characters) is refused as such, and one holding a
    control character that is not whitespace (`models.is_control`: a C0 or C1 control, DEL, a
    bidirectional formatting character) or an invisible format character (Unicode category
    Cf: a zero-width space, a byte order mark, a soft hyphen; but the joiners
    `models.invisible_at` keeps: in an emoji sequence, or between letters of a script that
    spells with them) or a private-use character (Unicode category Co: U+E000 to U+F8FF and
    the private-use planes, which mean nothing outside one program or font and show as a box
    or nothing) is refused naming each by its code point ("U+200B", "U+E000"): a name is
    shown on other people's terminals, which would show it escaped, and an invisible
    character makes a second name that reads as the first. A name another device or owner signed is never refused on
    receipt (`shown` escapes it), only here, where one is given.
    Raises InvalidInput (subject BAD_VALUE)."""
    if name and not squeezed(name):
        raise InvalidInput(
            "a journal name cannot be only spaces: it is 1 to "
            f"{MAX_JOURNAL_NAME} characters, without '/'",
            subject=BAD_VALUE,
        )
    name = squeezed(name)
    if not name or len(name) > MAX_JOURNAL_NAME or "/" in name:
        given = f" (this one is {len(name)})" if len(name) > MAX_JOURNAL_NAME else ""
        raise InvalidInput(
            f"a journal name is 1 to {MAX_JOURNAL_NAME} characters, without '/'{given}",
            subject=BAD_VALUE,
        )
    controls = sorted({ord(c) for c in name if is_control(c)})
    invisible = sorted(
        {ord(c) for i, c in enumerate(name) if not is_control(c) and invisible_at(name, i)}
    )
    private = sorted({ord(c) for c in name if unicodedata.category(c) == "Co"})
    kinds = [
        f"{words} ({', '.join(f'U+{code:04X}' for code in codes)})"
        for words, codes in (
            ("control characters", controls),
            ("invisible format characters", invisible),
            ("private-use characters", private),
        )
        if codes
    ]
    if kinds:
        raise InvalidInput(f"a journal name cannot contain {' or '.join(kinds)}", subject=BAD_VALUE)
    if len(name) == 2 * ID_BYTES and all(c in string.hexdigits for c in name):
        situation = (  # rev31d F3: another account chooses its journal's id
            f"{quoted_name(name)} looks like an id: a journal's whole id names that journal, and "
            "another account may make a journal with this id later, so these words could "
            "name theirs"
        )
        raise InvalidInput(
            f"{situation}: choose another name ({quoted_name(f'Journal {name}')}, say)",
            subject=BAD_VALUE,
            situation=situation,
        )
    return name


@checks_inputs
class Journals:
    """Journals this account owns and journals other accounts share with it."""

    def __init__(
        self,
        context: Context,
        refuse_undelivered: Callable[..., Awaitable[None]] | None = None,
        flags_reach: Callable[[str], Awaitable[dict[str, str]]] | None = None,
    ) -> None:
        self._context = context
        self._refuse_undelivered = refuse_undelivered
        self._flags_reach = flags_reach

    def when_named_by_id(
        self, callback: Callable[[str, Journal, builtins.list[str]], Awaitable[None]] | None
    ) -> None:
        """Have `callback(words, journal, readers)` awaited each time a call of this client
        is given a journal by the start of its id (not by a name, nor by its whole id),
        before that call acts: `words` as given, the `journal` they named, and `readers`,
        who else reads it (`readers()`: its owner when it is another account's, its members
        and field-level shares, by this device's verified access chains; [] for a journal
        no one else reads). An app names the journal there before it shares or writes, as
        `tj` does ("'5721' is the journal 'Work' (id 5721feeb), read by drsmith"), so a
        mistyped id never shares words with someone unsaid. None: no callback.
        Raises nothing (an error the callback raises stops the call it was awaited in,
        nothing done)."""
        if callback is None:
            self._context.named_by_id = None
            return
        told = callback

        async def named(words: str, local: LocalJournal) -> None:
            context = self._context
            left = forgotten.decode(await context.store.setting(forgotten.LEFT))
            readers = await self.readers(local.journal_id.hex())
            await told(words, context.journal(local, left), readers)

        self._context.named_by_id = named

    async def list(self) -> builtins.list[Journal]:
        """Every journal readable here: this account's own first, then shared ones, then the
        read-only copies kept of shares that ended or journals gone from the server
        (`Journal.read_only_copy`); archived ones last in their group, each by owner's name,
        then by name, ignoring case ("ana/" after "ana-b/" and "ana.b/" when
        the whole "owner/name" was compared). A journal made to share a brief
        (`client.briefs.share`, downloaded or not) is not listed:
        briefs are read with `client.briefs.received()`. Works offline: it reads
        this device's verified access chains, not the server. Raises nothing."""
        context = self._context
        await context.replica.load_access()
        held = await context.store.journals()
        briefs = await context.brief_journals(held)
        left = forgotten.decode(await context.store.setting(forgotten.LEFT))
        journals = [context.journal(j, left) for j in held if j.journal_id not in briefs]
        return sorted(
            journals,
            key=lambda j: (
                j.owner != context.username,
                j.read_only_copy,
                j.archived,
                j.owner.casefold(),
                j.owner,
                j.name.casefold(),
                j.name,
            ),
        )

    async def get(self, name_or_id: str | None = None, *, strict: bool = False) -> Journal:
        """A journal by name ("Personal"), by "owner/name" for a shared one, or by hex id;
        None: the default journal (`default`), or by any unique start of its id of 4 hex
        digits or more (the one rule of every call that takes a journal). Raises NotFound;
        InvalidInput for a name several journals share (with `strict`, also when one of them
        is a read-only copy: what `delete` names), and for the start of an id several ids
        share (subject AMBIGUOUS_ID, listing each journal by name and id)."""
        left = forgotten.decode(await self._context.store.setting(forgotten.LEFT))
        local = await self._context.local_journal(name_or_id, strict=strict)
        return self._context.journal(local, left)

    async def readers(
        self, name_or_id: str | None = None, *, ended: bool = False
    ) -> builtins.list[str]:
        """Who reads the journal `name_or_id` (as `get` takes it; None: the default journal)
        besides this account, by its access chain verified on this device, never a server
        answer (`readers.journal_readers`): its owner when it is another account's, its
        members, and the accounts of its field-level shares in force
        (`access.field_shares_in_force`: a copy of what it holds goes to them); "an account"
        for one this device cannot name (another member, seen from a member's device).
        By default this is who receives what is written there NEXT, what an app says before
        writing words meant for one journal into another, the same count as `set_default`'s
        refusals (`ReadersToConfirm.readers`): a member whose signed end date passed counts
        on a member's device while the current key was sealed to them (only the owner's
        device ends the share and rotates the key; what a member's device writes goes out
        under that key), not on the owner's (a record is pushed only under a key such a
        member never holds: the push ends the share first). An account whose share was
        removed or ended while the current key was sealed to them (the new key not verified
        here yet: a server may withhold it) counts on every device, in both answers (rev29c
        F1: an owner's device holds its push until it rotated the key). With `ended=True`,
        who holds what the journal holds already (such a member keeps its keys until a
        device of the owner ends the share). Usernames, sorted, each once; [] for a journal no one else reads.
        Works offline. Raises NotFound and InvalidInput as `get`."""
        context = self._context
        local = await context.local_journal(name_or_id)
        await context.replica.fresh_access()
        me = context.profile.account_id
        state = context.replica.chains.state(local.journal_id)
        found = journal_readers(state, now_ms(), ended=ended, viewer=me)
        names = set(reader_names(found, besides=me.hex()))
        if local.owner_id != me:
            names.add(local.owner_name or "its owner")
        return sorted(names)

    async def client_label(self, name_or_id: str) -> str:
        """How a command the app prints names the owner of the journal `name_or_id` (as `get`
        takes it), another account's, to act on their journals (`tj export --client NAME`):
        their name as the journal's "owner/" gives it, or the label that names this account
        alone, "kim (account 1a2b3c4d)" (`--client` and journal names take it), for the
        read-only copy of a share that ended (any later verify may give the username to
        another account), and while the server gives that username to another
        account than the one pinned here (`name_given_elsewhere`). Works offline. Raises
        NotFound and InvalidInput as `get`, and InvalidInput for one of this account's own
        journals."""
        return self._context.client_label(await self._theirs(name_or_id))

    async def name_given_elsewhere(self, name_or_id: str) -> bool:
        """Whether the server, in the journal list this process last read, gives the username
        of the owner of the journal `name_or_id` (another account's) to another account than
        the one pinned here under it (a share not opened until it is verified:
        `SyncReport.refused_shares`). The server's word, for words only ("not the account the
        server now names kim"); False when this process read no list (offline). Raises
        NotFound and InvalidInput as `client_label`."""
        local = await self._theirs(name_or_id)
        given = self._context.replica.names_given_elsewhere()
        return local.owner_name.casefold() in given

    async def _theirs(self, name_or_id: str) -> LocalJournal:
        """The journal `name_or_id` names, another account's; InvalidInput for one's own."""
        local = await self._context.local_journal(name_or_id)
        if local.owner_id == self._context.profile.account_id:
            raise InvalidInput(f"{quoted_name(name_or_id)} is your own journal", subject=BAD_VALUE)
        return local

    async def create(self, name: str) -> Journal:
        """Create a journal, offline-first like writing: it exists on this device at once
        (its access chain signed here) and reaches the server now, or at the next sync when
        the server cannot be reached. Online, a journal of that name another device created
        meanwhile is returned instead of a second one.

        Raises InvalidInput for an empty name, one over 100 characters or holding '/' or a
        control character (`check_name`), the name of a journal this account already has, or
        4 or more hex digits that start the id of a journal on this device (subject
        NAME_TAKEN: such words would name neither journal)."""
        return (await self._create(name))[0]

    async def _create(self, name: str) -> tuple[Journal, bool]:
        """`create`, and whether this call made the journal (False: one of that name another
        device made meanwhile, handed back)."""
        name = check_name(name)
        taken = await self._own_journal_named(name)
        if taken is not None:
            raise name_taken(name, taken)
        await self._not_an_id_start(name, None)
        try:
            await self._context.replica.refresh_journals()
        except NetworkError:
            pass  # offline: created here, sent at the next sync
        else:
            created_meanwhile = await self._own_journal_named(name)
            if created_meanwhile is not None:
                return self._context.journal(created_meanwhile), False  # by another device
            await self._not_an_id_start(name, None)  # a journal the list just brought
        return self._context.journal(await self._context.replica.create_journal(name)), True

    async def default(self) -> Journal:
        """The default journal: where a call that names no journal writes and reads. It is
        one of this account's own journals, found by its id, not its name, so it stays the
        default when renamed, on every device: the journal the account's sign-up created,
        unless the user chose another on this device (`set_default`); for an account made
        before SDKs found it by id, its journal named "Personal" then, on a device whose
        store held it before this SDK, once a sync read the journal list and while no other
        name was stored for it since (renamed on another device: the user chooses again; a
        device signed in since has none until the user chooses: no name a server serves is
        trusted for it). Works offline. Raises NotFound (subject "no default journal") when
        this device has none (deleted, not synced here yet, renamed elsewhere, or an older
        account's on a new device): ask the user to name a journal or to choose one with
        `set_default`; subject "sync" on a device updated from an older SDK that has not
        synced since (its store may have been stale): sync, then ask again."""
        local = await self._context.local_journal(None)
        left = forgotten.decode(await self._context.store.setting(forgotten.LEFT))
        return self._context.journal(local, left)

    async def set_default(
        self, journal: str, *, even_if_shared: bool = False, leave_readers: bool = False
    ) -> Journal:
        """Make one of this account's own journals (by name or id) the default journal on
        this device (`default`): kept in this device's store only, never sent, so each
        device keeps its own choice. Works offline. A name that two of this account's
        journals bear (one of them a read-only copy kept, say) names neither. A journal that its
        verified access chain shows shared with someone now, named by its name or by its id, is
        refused unless `even_if_shared`: a server can serve a device an older name of a
        journal shared since (protocol.md 4.14), and an id tells the user nothing of who
        reads it, so neither makes a shared journal the default unasked (fix30b 8).
        Raises NotFound for an unknown journal, InvalidInput for a name several journals
        bear, a journal shared with this account, a read-only copy kept of one of this
        account's journals no longer on the server (deleted on another device, or no longer
        listed: it takes no new entry), one kept only to share with a member (a copy of
        some fields, single items, a brief), or a shared one (ReadersToConfirm,
        subject SHARED_DEFAULT: `readers` who read it, `journal`, `journal_id`; `names`
        {"journal id": its id, hex}); the default is then unchanged. The default journal
        already is returned as it is, nothing refused or asked.

        Moving the default away from a journal that someone reads, or whose safety flags
        reach someone (`client.safety.flags_reach` "on"), to one they do not read, or whose
        flags do not reach them, is refused unless `leave_readers` (ReadersToConfirm,
        subject READERS_LEFT: `readers`, those who would no longer read it, and `flags`,
        those whom flags would no longer reach, as `JournalReader`s; `journal` and
        `journal_id`, the default journal until now; the same in `names` as text,
        "readers", "flags", "journal", "journal id"): what is written with no journal named
        (`tj write`, `client.measures.take()`, ...) would no longer reach them, a PHQ-9 item
        9 answered above 0 would seal no safety flag for them, and nothing else says so.
        Both sides are read from the journals' access chains and signed safety plans
        verified on this device, never from a server answer, and count who receives what is
        written next (`readers`: a member whose signed end date passed counts in neither,
        as they receive nothing written from now on). A default journal the server no longer
        serves (withheld, or deleted on another of your devices), held here as a read-only
        copy, is asked about as its last verified chain and plan say.

        The default journal's safety plan is the one the safety message of every journal
        with no plan of its own shows (`client.safety.message`; none written there: the
        built-in numbers), so a new default may change the emergency number, crisis line and
        plan those messages show: read `client.safety.plan()` before and after (its
        emergency number, crisis line and text) and tell the user when they differ, as `tj
        journal default` does; `client.safety.copy_plan` copies a plan into the new
        default."""
        context = self._context
        # strict: a name a live journal and a kept copy share names neither; an id's start
        # of 4 hex digits names one, as for any command that destroys nothing (README)
        local = await context.local_journal(journal, refuse_brief=True, strict=True)
        if local.owner_id != context.profile.account_id:
            raise InvalidInput(
                f"{quoted_name(context.display(local))} is not one of your journals: only one "
                "of yours can be your default journal",
                subject=BAD_VALUE,
            )
        if local.role == REVOKED:
            raise InvalidInput(
                f"{quoted_name(context.display(local))} is a read-only copy of a journal no "
                "longer on the server (deleted on another of your devices, or withheld): it "
                "takes no new entries, so it cannot be your default journal; choose another",
                subject=BAD_VALUE,
            )
        await context.replica.fresh_access()  # another program may have verified a share
        if context.helper_kind(local) is not None:
            raise InvalidInput(
                f"{quoted_name(context.display(local))} is kept only to share with a member: "
                "choose one of your own journals as your default journal",
                subject=BAD_VALUE,
            )
        with contextlib.suppress(TJError):  # already the default: nothing to ask (nu76 F6)
            current = await context.default_journal(await context.store.journals())
            if current.journal_id == local.journal_id:
                return context.journal(local)
        state = context.replica.chains.state(local.journal_id)
        me = context.profile.account_id
        readers = journal_readers(state, now_ms(), ended=False, viewer=me)  # written next
        # by its name or by its id alike (fix30b 8): an id tells the user nothing of who
        # reads the journal, so they are named and the user asked either way
        if readers and not even_if_shared:
            ident = local.journal_id.hex()
            names = reader_names(readers)
            situation = (
                f"{quoted_name(context.display(local))} (id {ident[:ID_SHOWN]}) is shared "
                f"with {and_words(names)}: with it as your default journal, new entries and "
                "questionnaire results written with no journal named go there, where "
                f"{and_words(names)} {'reads' if len(names) == 1 else 'read'} them"
            )
            raise ReadersToConfirm(
                f"{quoted_name(context.display(local))} (id {ident[:ID_SHOWN]}) is shared "
                f"with {and_words(names)}: nothing was changed. To make it your default "
                "journal anyway, confirm that you mean it",
                subject=SHARED_DEFAULT,
                situation=situation,
                journal=local.name,
                journal_id=ident,
                readers=tuple(readers),
                names={"journal id": ident},
            )
        if not leave_readers:
            await self._refuse_readers_left(local)
        await context.choose_default(local.journal_id)
        return context.journal(local)

    async def _refuse_readers_left(self, chosen: LocalJournal) -> None:
        """Raise InvalidInput (subject READERS_LEFT) when the default journal until now is
        read by someone who does not read `chosen`, or sends safety flags to someone whom
        `chosen`'s do not reach, or is not on this device at all, so that who reads it cannot
        be checked (`_refuse_default_unseen`; none here because the user deleted or
        discarded it here: nothing to leave) (`set_default`)."""
        context = self._context
        journals = await context.store.journals()
        withheld = False
        try:
            current = await context.default_journal(journals)
        except TJError:  # none here but a read-only copy, maybe: asked from its chain
            kept = await self._default_kept(journals)
            if kept is None:  # none here: asked unless this device holds or removed it
                await self._refuse_default_unseen(journals, chosen)
                return
            current, withheld = kept, True
        if current.journal_id == chosen.journal_id:
            return
        now = now_ms()
        state = context.replica.chains.state
        # who receives what is written next in each (`readers.journal_readers`)
        me = context.profile.account_id
        readers_now = journal_readers(state(current.journal_id), now, ended=False, viewer=me)
        readers_then = {
            r.account_id
            for r in journal_readers(state(chosen.journal_id), now, ended=False, viewer=me)
        }
        gone = [r for r in readers_now if not r.account_id or r.account_id not in readers_then]
        left = reader_names(gone)
        flagged: list[str] = []
        if self._flags_reach is not None:
            reach_now = await self._flags_reach(current.journal_id.hex())
            reach_then = await self._flags_reach(chosen.journal_id.hex())
            flagged = sorted(
                name
                for name, status in reach_now.items()
                if status == "on" and reach_then.get(name) != "on"
            )
        if not left and not flagged:
            return
        was = quoted_name(context.display(current))
        then = quoted_name(context.display(chosen))
        reasons = []
        if left:
            who = and_words(left)
            reasons.append(
                f"is read by {who}, who {'does' if len(left) == 1 else 'do'} not read {then}"
            )
        if flagged:
            reasons.append(f"sends safety flags to {and_words(flagged)}, which {then} does not")
        situation = (
            f"{was}, your default journal, {', and '.join(reasons)}: with {then} as "
            "your default journal, new entries and questionnaire results written with no "
            "journal named go there"
            + (f", so they no longer reach {and_words(left)}" if left else "")
            + (
                f", and a PHQ-9 item 9 answered above 0 there sends no safety flag to "
                f"{and_words(flagged)}"
                if flagged
                else ""
            )
            + (  # its readers as the last access chain this device verified says
                f" ({was} is no longer on the server, deleted on another of your devices or "
                "withheld by it: who reads it is what this device last verified)"
                if withheld
                else ""
            )
        )
        held = {
            r.username: r
            for r in journal_readers(state(current.journal_id), now, ended=True, viewer=me)
        }
        raise ReadersToConfirm(
            f"{situation}. Nothing was changed: confirm that you mean it",
            situation=situation,
            subject=READERS_LEFT,
            journal=current.name,
            journal_id=current.journal_id.hex(),
            readers=tuple(gone),
            flags=tuple(held.get(name, JournalReader("", name, "annotate")) for name in flagged),
            names={
                "readers": ", ".join(left),
                "flags": ", ".join(flagged),
                "journal": current.name,
                "journal id": current.journal_id.hex(),
            },
        )

    async def _refuse_default_unseen(
        self, journals: builtins.list[LocalJournal], chosen: LocalJournal
    ) -> None:
        """Raise InvalidInput (ReadersToConfirm, subject READERS_LEFT, no `readers` nor
        `flags`: unknown) when the default journal (`Context.default_journal`'s rules: the
        one chosen here, else the sign-up's by its derived id) is not on this device at all
        (never listed to it, no copy kept), and was not deleted or discarded here: who reads
        it, and whom its safety flags reach, cannot be checked here, so a move away from it
        is asked, never taken for leaving no one (rev29b F2: a server that never lists a
        shared default to a new device). An account made before SDKs derived the default
        journal's id, on a device holding no choice, is asked too (this device cannot tell
        it from a withheld default). `set_default`."""
        context = self._context
        chosen_id = await context.chosen_default()
        default_id = chosen_id or context.default_journal_id.hex()
        if default_id == chosen.journal_id.hex():
            return
        me = context.profile.account_id
        if any(j.journal_id.hex() == default_id and j.owner_id == me for j in journals):
            return  # here (an adopted default awaiting a list, or ended): nothing unseen
        with contextlib.suppress(ValueError):  # a damaged choice: asked (fail closed)
            tag = context.replica.counters_tag(bytes.fromhex(default_id)).hex()
            store = context.store
            deleted = forgotten.decode(await store.setting(forgotten.DELETED))
            discarded = forgotten.decode_marks(await store.setting(forgotten.DISCARDED))
            if tag in deleted or tag in discarded:  # removed here by the user: none to ask
                return
        then = quoted_name(context.display(chosen))
        which = "chosen on this device" if chosen_id else "the one made when you signed up"
        why = "deleted on another of your devices, or never listed here by the server" + (
            "" if chosen_id else ", or your account is older than default journals made by id"
        )
        situation = (
            f"your default journal (id {default_id[:ID_SHOWN]}, {which}) is not on this "
            f"device ({why}): who reads it, and whom its safety flags reach, cannot be checked "
            f"here. With {then} as your default journal, new entries and questionnaire results "
            "written with no journal named go there, and a PHQ-9 item 9 answered above 0 "
            f"there sends safety flags only to those {then} sends them to"
        )
        raise ReadersToConfirm(
            f"{situation}. Nothing was changed: sync to bring it here, or confirm that you mean it",
            situation=situation,
            subject=READERS_LEFT,
            journal="",
            journal_id=default_id,
            readers=(),
            names={"readers": "", "flags": "", "journal": "", "journal id": default_id},
        )

    async def _default_kept(self, journals: builtins.list[LocalJournal]) -> LocalJournal | None:
        """The default journal (`Context.default_journal`'s rules: the one chosen here, else
        the sign-up's, by id) when this device holds it only as a read-only copy (REVOKED:
        the server no longer lists it, withheld or deleted elsewhere), else None. Its
        verified chain and signed plan stay on this device: a server that withholds it
        never makes `set_default` skip its readers (rev29a F5)."""
        context = self._context
        with contextlib.suppress(TJError):
            default_id = (await context.chosen_default()) or context.default_journal_id.hex()
            for journal in journals:
                if (
                    journal.journal_id.hex() == default_id
                    and journal.owner_id == context.profile.account_id
                    and journal.role == REVOKED
                ):
                    return journal
        return None

    async def _create_default(self, *, listed: bool = False) -> None:
        """Create the default journal of a new account, named DEFAULT_JOURNAL, under the id
        its account key derives (`keys.default_journal_id`), unless this account has it
        already (or, made by an older SDK, its own journal named so). As `create`: offline,
        it is sent at the next sync. `listed`: the caller read the journal list from the
        server just before (a signup's session start): it is not asked again."""
        context = self._context
        try:
            if not listed:
                await context.replica.refresh_journals()
        except NetworkError:
            pass  # offline: created here, sent at the next sync
        me, default_id = context.profile.account_id, context.default_journal_id
        for journal in await context.store.journals():
            if journal.owner_id == me and journal.journal_id == default_id:
                return
        if await self._own_journal_named(DEFAULT_JOURNAL) is None:
            await context.replica.create_journal(DEFAULT_JOURNAL, journal_id=default_id)

    async def rename(self, journal: str, new_name: str) -> Journal:
        """Rename one of this account's journals: the new name is sealed and signed like the
        first, and every device and member sees it after their next sync. Needs the server,
        unlike writes: offline it raises NetworkError and the journal keeps its name (call
        again once the server can be reached; nothing is queued). Raises InvalidInput for a
        bad name (`check_name`: control characters too), a taken one, or hex digits that
        start another journal's id here (as `create`), AccessError for a
        journal shared with this account, NotFound for an unknown one, RenamedElsewhere (a
        ConflictError, its message for the user) when another device of the owner renamed or
        archived it meanwhile and the name given here is not the journal's (protocol.md
        4.14). When a share of the journal reached its end date, that share is ended and the
        journal moved to a new key first (as a sync does), so that the new name is never
        sealed under a key its former member kept; AccessError, with nothing changed, when
        that cannot be done."""
        local = await self._context.local_journal(journal)
        name = check_name(new_name)
        taken = await self._own_journal_named(name)
        if taken is not None and taken.journal_id != local.journal_id:
            raise name_taken(name, taken)
        await self._not_an_id_start(name, local)
        renamed = await self._context.replica.update_meta(local, name)
        await self._context.kept_through_rename(local.journal_id)
        return self._context.journal(renamed)

    async def archive(self, journal: str, *, archived: bool = True) -> Journal:
        """Archive one of this account's journals (or unarchive it, `archived=False`): an
        archived journal keeps its entries, which stay readable and searchable, is listed
        last, and refuses new writes until unarchived. A display setting of the owner's
        devices: it changes nothing about who may read it, and a field-level copy kept for
        a member (`Journal.helper` "mirror") keeps following its source while archived (the
        journal of single items, "items", takes no new item until unarchived). Needs the
        server, unlike writes: offline it raises NetworkError and nothing changes (nothing
        is queued). Raises AccessError for a journal shared with this account, NotFound for
        an unknown one, RenamedElsewhere when another device of the owner renamed or
        archived it meanwhile (nothing changed here), IntegrityError when this device never
        verified its name (the server served metadata it cannot open: rename it instead). A
        share that reached its end date is ended first, as for `rename`."""
        local = await self._context.local_journal(journal)
        return self._context.journal(await self._context.replica.update_meta(local, None, archived))

    async def delete(
        self,
        journal: str,
        *,
        check_only: bool = False,
        drop_unsent: bool = False,
        discard_undelivered: bool | Collection[str] = False,
    ) -> None:
        """Delete one of this account's journals with everything in it, on the server
        (members lose it too, though they keep what they downloaded) and on this device.
        Other devices keep a read-only copy until it is deleted there too (they never drop a
        journal on the server's word alone). Needs the server, unlike writes (but for a
        journal created on this device that never reached it): offline it raises
        NetworkError and nothing is deleted. Raises AccessError for a journal shared with
        this account, NotFound for an unknown one. With `check_only=True` it raises the
        same errors (but needs no network) and deletes nothing: an app asks its user to
        confirm only what would then be done. A name that a read-only copy
        shares with another journal of this device names neither (InvalidInput with their
        ids); the start of an id names a journal here only from 8 hex digits on (InvalidInput,
        subject "id too short", for fewer).

        Changes written on this device that never reached the server (waiting to be sent, or
        refused for good and set aside: an entry written offline in a journal another device
        deleted meanwhile) are on no other device: deleting the journal would destroy their
        words, so it raises UnsentChanges (an InvalidInput naming the set-aside changes' ids
        and counting the rest; with `check_only` too, offline as well) and deletes nothing,
        unless `drop_unsent=True` says the user agreed to lose them (`Client.set_aside()`
        exports their words first). A journal kept for a member copies another journal's
        words and is never refused for this.

        A safety flag sealed for a member of it that they have not marked read, or a result
        with its safety item answered above 0 they may not have seen
        (`Shares.undelivered_by_member`), is erased from the server with the journal: what
        their device has not downloaded never reaches them. Unless `discard_undelivered` says
        the user agreed (True: to any; or the ids, hex, of the `Undelivered` items they were
        shown: one beyond them, sealed meanwhile by another program or device, is not agreed
        to), such an item raises SafetyUndelivered, naming only those not agreed to, and
        nothing is deleted (found after a sync, run whatever this device found alone: it
        sends a flag still waiting here, brings the latest acknowledgements and what other
        devices of this account recorded in it; with `check_only`, from this device's copy,
        no network). A journal on the server is never deleted unless that sync completes: it
        failing raises its error (a NetworkError saying nothing was erased) and nothing is
        deleted; one that never reached the server, or a read-only copy, needs no sync.
        UnsentChanges is raised before that sync, which would send them."""
        local = await self._context.local_journal(journal, strict=True, ends=True)
        replica = self._context.replica
        # What it refuses without the network first: the sync below would send the unsent
        # changes it counts, and the deletion would then erase their words unasked.
        await replica.delete_journal(local, check_only=True, drop_unsent=drop_unsent)
        if self._refuse_undelivered is not None:
            pending = {j for j, _ in await self._context.store.pending_journals()}
            on_server = local.journal_id not in pending and local.role != REVOKED
            await self._refuse_undelivered(
                local.journal_id.hex(),
                f"the journal {quoted_name(local.name)}",
                sync=on_server and not check_only,  # else nothing of it there to erase
                agreed=discard_undelivered,
            )
        await self._context.replica.delete_journal(
            local, check_only=check_only, drop_unsent=drop_unsent
        )
        if not check_only:
            self._context.drop_views(local.journal_id)  # nothing of it kept in memory either

    async def contents(self, journal: str) -> dict[str, int]:
        """What this device holds in a journal: the number of live documents of each kind
        ("entry", "goal", "measure", "homework", "safety_plan", ...; deleted ones not
        counted, entries in the trash counted), e.g. to say what deleting it removes. Works
        offline. Raises NotFound for an unknown journal; InvalidInput, as `delete` does, for
        a name that names no single journal."""
        local = await self._context.local_journal(journal, strict=True)
        counts: dict[str, int] = {}
        for stored in await self._context.store.documents(local.journal_id):
            document = stored_document(stored)
            if document.field("deleted") is True:
                continue
            counts[stored.kind] = counts.get(stored.kind, 0) + 1
        return counts

    async def verify_head(
        self, journal: str, with_member: str | None = None, *, owner_only: bool = False
    ) -> str:
        """A short code (five groups of five digits) to compare in session, like a
        fingerprint, with one other party (protocol.md 4.20). It covers this journal's
        verified access chain, the records of the journal's owner (any epoch) that no
        signed snapshot of theirs accounts for, and the records of one member. In the code
        with a member, a withdrawal or a share's boundary leaves out only records from
        before that member's membership (a record it could hold stays counted);
        the owner-only code leaves out every record a signed cover names. The member is:

        - on the owner's devices, the member `with_member` names (a username; any member
          the chain names, current or former), or, when `with_member` is None, the
          journal's only current member (none when it is shared with nobody);
        - on a member's device, this account's own records (`with_member` must be None):
          the code to compare with the owner's code `with_member=` this account;
        - `owner_only=True`: no member's records at all, on any device: the code two
          members, or two devices of the owner, compare with each other (it shows nothing
          about members' records).

        Sync, then compare: equal codes mean the server showed both devices the same chain,
        the same owner records and the same records of that member; different ones mean one
        of you was shown another history (or is not synced yet). Raises InvalidInput for
        `with_member` and `owner_only` together, for `with_member` on a member's device, and
        on the owner's device, with neither, for a journal shared with several people (say
        whom you compare with); NotFound for a `with_member` the chain does not name;
        RollbackError while the server serves this journal an older or different chain;
        UpdateNeeded while it holds the owner's changes of a newer app version this one
        cannot read (the code would leave them out)."""
        context = self._context
        return await context.replica.verify_head(
            await context.local_journal(journal), with_member, owner_only
        )

    async def named_by(self, words: str) -> builtins.list[Journal]:
        """The journals on this device that `words` name one way or another, as `get` compares
        them (whitespace around them left out, case and runs of spaces ignored): by a name
        ("Work", "ana/Personal", "kim (account 1a2b3c4d)/Personal"), by their owner's username
        (a journal another account shares), or by the start of their id (4 hex digits or
        more); sorted by name, then id. For an app to offer words that name each alone
        (`command_name`) when `get` refused `words` as naming several (subject AMBIGUOUS_ID,
        "same name", "yours and theirs"); [] for words that name none. Works offline.
        Raises nothing."""
        context = self._context
        await context.replica.load_peers()  # what tells accounts apart by name
        wanted = typed_words(words)
        folded = squeezed(wanted).casefold()
        me = context.profile.account_id
        found = [
            journal
            for journal in await context.store.journals()
            if is_id_prefix(wanted, journal.journal_id)
            or folded in {squeezed(n).casefold() for n in context.names(journal)}
            or (journal.owner_id != me and folded in context.owners_named(journal))
        ]
        return sorted(
            (context.journal(j) for j in found), key=lambda journal: (journal.name, journal.id)
        )

    async def _not_an_id_start(self, name: str, renamed: LocalJournal | None) -> None:
        """Raise InvalidInput (subject NAME_TAKEN) when `name`, a new name for a journal
        (`renamed`, or one being created), is MIN_ID_PREFIX hex digits or more (any case)
        that start the id of another journal on this device, this account's or one shared
        with it: words that name one journal and start another's id name neither
        (`Context.local_journal`), so the words the user chose would be refused as an
        ambiguous id wherever typed (nu77 F5, rev30c F1; fix31d: under 12 digits too,
        "1812" where Personal's id starts 1812). A hex name that starts no id here ("cafe",
        "2024") is kept, as is the start of the renamed journal's own id; the message says
        which journal's id it starts and what name would do."""
        context = self._context
        starts = [
            journal
            for journal in await context.store.journals()
            if is_id_prefix(name, journal.journal_id)
            and (renamed is None or journal.journal_id != renamed.journal_id)
        ]
        if starts:
            await context.replica.load_peers()  # how `display` names another's journal
            listed = ", ".join(
                sorted(
                    f"{quoted_name(context.display(j))} (id {j.journal_id.hex()[:ID_SHOWN]})"
                    for j in starts
                )
            )
            raise InvalidInput(
                f"{quoted_name(name)} starts the id of {listed} on this device, so as a name "
                "it would name neither journal wherever you typed it: choose another name "
                "(one holding a letter past 'f', or a space, never starts an id: "
                f"{quoted_name(f'Journal {name}')}, say)",
                subject=NAME_TAKEN,
            )

    async def _own_journal_named(self, name: str) -> LocalJournal | None:
        """This account's journal of that name, ignoring case and runs of whitespace (as
        names are looked up; a read-only copy of a journal gone from the server included)."""
        wanted = squeezed(name).casefold()
        for journal in await self._context.store.journals():
            mine = journal.owner_id == self._context.profile.account_id
            if mine and squeezed(journal.name).casefold() == wanted:
                return journal
        return None


def name_taken(name: str, taken: LocalJournal) -> InvalidInput:
    """The refusal of `name` for a journal of this account when `taken`, one of its journals,
    bears it as names are compared (ignoring case and runs of spaces): names `taken` as it
    is written, and says how names compare when `name` is written otherwise. Pure."""
    said = f"a journal named {quoted_name(taken.name)} already exists"
    if squeezed(taken.name) != taken.name:  # named before names were squeezed
        said += f" (id {taken.journal_id.hex()[:ID_SHOWN]}; its name holds a run of spaces)"
    elif taken.name != name:
        said += (
            f" (journal names are compared ignoring case and runs of spaces, so "
            f"{quoted_name(name)} names it too)"
        )
    return InvalidInput(said, subject=NAME_TAKEN)


async def command_name(journals: Journals, journal_id: str) -> str:
    """How a command the CLI suggests (`tj journal delete NAME`) names the journal of id
    `journal_id` (hex) unmistakably: its name as `Journals.get` takes it when that name names
    exactly this journal even for what destroys data (`get(strict=True)`: no other journal of
    this device, live or a read-only copy, bears it), else the first 12 hex digits of its id
    (so that a command quoted from a notice never names another journal bearing the same
    name), or all of it where those 12 digits are also another journal's name here (such
    words name neither, rev30c F1). Internal to the SDK and its CLI (an app names a journal by its id). Works offline.
    Raises nothing."""
    context = journals._context
    try:
        local = await context.local_journal(journal_id)
    except TJError:
        return journal_id[:12]
    every = await context.store.journals()
    for words in (context.display(local), journal_id[:12]):
        # 12 digits that another journal here is also named name neither (rev30c F1);
        # `_named_journal`: resolving the words tells the user nothing (`named_by_id`)
        try:
            named = await context._named_journal(words, every, strict=True)
        except TJError:
            continue
        if named.journal_id == local.journal_id:
            return words
    return journal_id
