"""The default journal's rule, shared by finding it (`Context.default_journal`) and by the
first opening of a store by this SDK (`Store.settle_default`): its name at sign-up, the store
setting of a device's choice, and which older journal a device of an account made before the
id was derived keeps as its default, from its own earlier state only. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from client_sdk.access import AccessState
from client_sdk.models import squeezed
from client_sdk.store import LocalJournal

DEFAULT_JOURNAL = "Personal"
"""The name a sign-up gives the account's default journal (`Context.default_journal`): the
journal a call without one writes in and reads, found by its id, whatever it is named since."""

DEFAULT_SETTING = "default_journal"
"""The store setting holding the id (hex) of the journal this device takes as the default
journal: the user's choice (`client.journals.set_default`), or the journal an older
account's device held as its default before this SDK (`older_default`). Kept on this device
only, never sent."""

DEFAULT_SETTLED = "default_journal_settled"
"""The store setting saying that this store's own earlier state was looked at once for an
older account's default journal (`older_default`, `Store.settle_default`), and what became
of the journal then adopted as DEFAULT_SETTING (`Adoption`, `adoption_of`): 1 when none is
in force (none adopted, or the user chose since: `Context.choose_default`), else the
adopted id (hex) alone (adopted, no journal list read since: UNCONFIRMED), followed by
" held" (a journal list read since still named it DEFAULT_JOURNAL: HELD) or " ended" (this
device stored another name for it, or removed it, or its verified access chain showed a
member other than the owner: ENDED, for good). Any other value (one a later SDK may write,
on a home another program of another version shares) is UNKNOWN: no default, never the
user's choice (fail closed).

The store's view may have been stale when it adopted (a device updated before it synced a
rename made elsewhere: "Personal" renamed "Dr Lee", shared with a therapist, a new
"Personal" made), so the adoption is only a default while HELD and still named so
(`adopted_still_named`), and ends for good in the transaction that stores another name for
it (`adoption_after`): two version-1 names replace each other in either order (protocol.md
4.14), so a server could serve the older "Personal" again after the rename, and a name
alone can never bring an adoption back. Ended, this device asks the user once
(`tj journal default NAME`). Set when an SDK that finds the default journal by its id first
opens the store, before it reads any journal list. A store made since (a sign-in, a
recovery: a new device) holds no journal then, so it never adopts a default by a name: a
server can serve a new device any name the owner ever signed for a journal (protocol.md
4.14), an older "Personal" of a journal shared since too."""

DEFAULT_ENDED_NAME = "default_journal_ended_name"
"""The store setting holding the name this device stored for the adopted journal in the
transaction that ended the adoption (`Replica._adoption_after_list`), when that name was
not DEFAULT_JOURNAL: what the refusal names once a server serves an older "Personal" of it
again (two version-1 names carry no order, protocol.md 4.14). Local only, never sent."""

UNCONFIRMED = "unconfirmed"
"""`Adoption.state`: adopted from the store's earlier state, no journal list read since. A
call naming no journal is refused meanwhile (NotFound, subject "sync": sync once; the sync
reads the journal list for it): the journal may have been renamed and shared elsewhere since
the store last synced."""

HELD = "held"
"""`Adoption.state`: a journal list read since the adoption still named the journal
DEFAULT_JOURNAL, and no other name was stored for it since: the default journal."""

ENDED = "ended"
"""`Adoption.state`: this device stored another name for the adopted journal (a rename
pulled from elsewhere; a rename of its own that another device's replaced), or removed it,
or its verified access chain showed a member other than the owner (`shared_by_chain`):
never the default again by the adoption, whatever name is served later."""

UNKNOWN = "unknown"
"""`Adoption.state` of a DEFAULT_SETTLED value this SDK did not write (a later SDK's state):
no default journal by it, and never taken for the user's choice: the user chooses."""

DEFAULT_BY_ID_SINCE = 1_796_515_200_000
"""2026-12-06T00:00:00Z (ms UTC): from then on SDKs create the default journal under its
derived id (`keys.default_journal_id`, protocol.md 4.16); a journal whose owner-signed name
"Personal" is older (`LocalJournal.named_at` below it, 0 for a version-1 name: an account
made before) held on a device before this SDK is that account's default journal by its
name, the rule of then."""

NO_DEFAULT = "no default journal"
"""`TJError.subject` of the NotFound for a call that names no journal when this device finds
no default journal (`Context.default_journal`): the app asks the user to name a journal or
to choose a default (`client.journals.set_default`)."""


READERS_LEFT = "readers left"
"""`TJError.subject` of the ReadersToConfirm refusing to move the default journal away from
one that someone reads, or that sends safety flags to someone, to a journal that they do not
read or that sends them none (`client.journals.set_default`): new entries, questionnaire
results and their safety flags, written with no journal named, would no longer reach them.
`readers` (`JournalReader`s: those who would no longer read what is written with no journal
named, by `readers.journal_readers` with `ended=False`), `flags` (those whom safety flags
would no longer reach), `journal` and `journal_id` (the default journal until then; when it
is not on this device at all, so who reads it cannot be checked here: `readers`, `flags`
and `journal` empty, `journal_id` its id, rev29b F2); the same
as text in `names`: "readers", "flags" (usernames, ", "-joined), "journal", "journal id".
Confirmed with `leave_readers`."""


SHARED_DEFAULT = "shared default"
"""`TJError.subject` of the ReadersToConfirm refusing to make a journal shared with someone
the default journal, named by its name or by its id (`client.journals.set_default`;
`readers`, `journal`, `journal_id`; `names` "journal id"): choose it with `even_if_shared`
once the user, told who reads it, confirms (`tj journal default` asks)."""


@dataclass(frozen=True)
class Adoption:
    """An older account's default journal adopted from a store's own earlier state
    (DEFAULT_SETTLED): the journal's id (hex) and its state, UNCONFIRMED, HELD or ENDED."""

    journal_id: str
    state: str


def adoption_of(settled: Any) -> Adoption | None:
    """The adoption DEFAULT_SETTLED's value `settled` records, None when none (not settled
    yet: None; none in force: the integer 1). Any other value this SDK did not write is
    UNKNOWN (its journal id "" when it names none): fail closed. Pure."""
    if settled is None or (type(settled) is int and settled == 1):
        return None
    if not isinstance(settled, str):
        return Adoption("", UNKNOWN)
    journal_id, _, state = settled.partition(" ")
    if len(journal_id) != 32 or not all(c in "0123456789abcdef" for c in journal_id):
        return Adoption("", UNKNOWN)
    if not state:
        return Adoption(journal_id, UNCONFIRMED)
    return Adoption(journal_id, state if state in (HELD, ENDED) else UNKNOWN)


def adoption_value(adoption: Adoption) -> str:
    """DEFAULT_SETTLED's value for `adoption` (as `adoption_of` reads it). Pure."""
    if adoption.state == UNCONFIRMED:
        return adoption.journal_id
    return f"{adoption.journal_id} {adoption.state}"


def adoption_after(
    adoption: Adoption, stored: LocalJournal | None, own_named_at: int, shared: bool = False
) -> Adoption:
    """`adoption` once a transaction stored `stored` (the adopted journal as this device
    now holds it; None: removed here) from a journal list: HELD while it is still named
    DEFAULT_JOURNAL (`adopted_still_named`), ENDED for good once it is removed, named
    otherwise, or `shared` (its verified access chain shows a member other than the owner:
    `shared_by_chain`), unless HELD and that name is one this device signed itself
    (`own_named_at`, the `named_at` of its own last name for the journal, 0 for none: the
    user renamed it here, and `Context.kept_through_rename` makes it the user's choice).
    An adoption ENDED (or UNKNOWN) stays so. Pure."""
    if adoption.state in (ENDED, UNKNOWN):
        return adoption
    if stored is None or shared:
        return Adoption(adoption.journal_id, ENDED)
    if adopted_still_named(stored):
        return Adoption(adoption.journal_id, HELD)
    if adoption.state == HELD and own_named_at and stored.named_at == own_named_at:
        return adoption
    return Adoption(adoption.journal_id, ENDED)


def shared_by_chain(state: AccessState | None) -> bool:
    """Whether a journal's verified, owner-signed access chain (`state`) shows a member
    other than its owner: any grant, of any role, ended since or not, any field-level share
    (`limited`), or a copy kept for a member (a disclosure). An adopted default journal
    takes no write then (`Context.default_journal`): the private journal it was adopted as
    was shared since. None (no verified chain here): False, nothing shown. Pure."""
    if state is None:
        return False
    return bool(state.seen_handles) or state.disclosure is not None


def reader_accounts(state: AccessState) -> set[bytes] | None:
    """The ids of the accounts other than the owner that a journal's verified access chain
    (`state`) names as members or field-level sharees, now or before; None when it names one
    this device cannot tell (a handle of no known account) or keeps a copy for a member (a
    disclosure): a reader unknown is never taken for none. Pure."""
    if state.disclosure is not None:
        return None
    known = {handle for handles in state.handles.values() for handle in handles}
    accounts = {account for account in state.signers if account != state.owner_id}
    for share in (*state.limited.values(), *state.limited_removed.values()):
        if share.who is not None:
            known.add(share.handle)
            accounts.add(share.who.account_id)
    if state.seen_handles - known:
        return None
    return accounts - {state.owner_id}


def read_by_no_other(state: AccessState | None, readers: set[bytes]) -> bool:
    """Whether every account a journal's verified access chain (`state`) names as a reader,
    now or before, is among `readers` (account ids); False for no verified chain here or a
    reader this device cannot tell (`reader_accounts`): unknown is never "no one". Pure."""
    if state is None:
        return False
    accounts = reader_accounts(state)
    return accounts is not None and accounts <= readers


def readers_by_chain(state: AccessState) -> list[str]:
    """The usernames of the accounts other than the owner that a journal's verified access
    chain (`state`) names as members or field-level sharees, now or before, sorted; the
    owner's devices know each one's identity. Pure."""
    named = {who.username for account, who in state.signers.items() if account != state.owner_id}
    for share in (*state.limited.values(), *state.limited_removed.values()):
        if share.who is not None and share.who.account_id != state.owner_id:
            named.add(share.who.username)
    return sorted(named)


def adopted_still_named(journal: LocalJournal) -> bool:
    """Whether `journal`, adopted as an older account's default journal from a store's own
    state (DEFAULT_SETTLED), still bears the name that made it the default then
    (DEFAULT_JOURNAL, case and runs of spaces ignored). Pure."""
    return squeezed(journal.name).casefold() == DEFAULT_JOURNAL.casefold()


def older_default(journals: Iterable[LocalJournal], me: bytes, derived: bytes) -> bytes | None:
    """The id of the default journal of an account made before its id was derived, among
    `journals` (a store's own state when first opened by this SDK, `Store.settle_default`),
    or None: none when the account's journal of the `derived` id is there (an account made
    since), else the one journal `older_defaults` finds (two made apart offline: None, the
    user chooses). Pure."""
    mine = list(journals)
    if any(j.journal_id == derived and j.owner_id == me for j in mine):
        return None
    older = older_defaults(mine, me)
    return older[0].journal_id if len(older) == 1 else None


def older_defaults(journals: Iterable[LocalJournal], me: bytes) -> list[LocalJournal]:
    """Those of `journals` that may be the default journal of an account made before its id
    was derived: this account's own (`me`), held (not a copy kept of a journal gone), whose
    owner-signed name is DEFAULT_JOURNAL (case and runs of spaces ignored) from before
    DEFAULT_BY_ID_SINCE. A journal named so later is never one. Pure."""
    return [
        j
        for j in journals
        if j.owner_id == me
        and j.role == "owner"
        and squeezed(j.name).casefold() == DEFAULT_JOURNAL.casefold()
        and j.named_at < DEFAULT_BY_ID_SINCE
    ]
