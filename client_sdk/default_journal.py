"""The default journal's rule, shared by finding it (`Context.default_journal`) and by the
first opening of a store by this SDK (`Store.settle_default`): its name at sign-up, the store
setting of a device's choice, and which older journal a device of an account made before the
id was derived keeps as its default, from its own earlier state only. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

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
device stored another name for it, or removed it: ENDED, for good).

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
pulled from elsewhere; a rename of its own that another device's replaced), or removed it:
never the default again by the adoption, whatever name is served later."""

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


@dataclass(frozen=True)
class Adoption:
    """An older account's default journal adopted from a store's own earlier state
    (DEFAULT_SETTLED): the journal's id (hex) and its state, UNCONFIRMED, HELD or ENDED."""

    journal_id: str
    state: str


def adoption_of(settled: Any) -> Adoption | None:
    """The adoption DEFAULT_SETTLED's value `settled` records, None when none (not settled
    yet, 1, or a value this SDK did not write). Pure."""
    if not isinstance(settled, str):
        return None
    journal_id, _, state = settled.partition(" ")
    if len(journal_id) != 32 or not all(c in "0123456789abcdef" for c in journal_id):
        return None
    if not state:
        return Adoption(journal_id, UNCONFIRMED)
    return Adoption(journal_id, state) if state in (HELD, ENDED) else None


def adoption_value(adoption: Adoption) -> str:
    """DEFAULT_SETTLED's value for `adoption` (as `adoption_of` reads it). Pure."""
    if adoption.state == UNCONFIRMED:
        return adoption.journal_id
    return f"{adoption.journal_id} {adoption.state}"


def adoption_after(adoption: Adoption, stored: LocalJournal | None, own_named_at: int) -> Adoption:
    """`adoption` once a transaction stored `stored` (the adopted journal as this device
    now holds it; None: removed here) from a journal list: HELD while it is still named
    DEFAULT_JOURNAL (`adopted_still_named`), ENDED for good once it is removed or named
    otherwise, unless HELD and that name is one this device signed itself (`own_named_at`,
    the `named_at` of its own last name for the journal, 0 for none: the user renamed it
    here, and `Context.kept_through_rename` makes it the user's choice). An adoption ENDED
    stays so. Pure."""
    if adoption.state == ENDED:
        return adoption
    if stored is None:
        return Adoption(adoption.journal_id, ENDED)
    if adopted_still_named(stored):
        return Adoption(adoption.journal_id, HELD)
    if adoption.state == HELD and own_named_at and stored.named_at == own_named_at:
        return adoption
    return Adoption(adoption.journal_id, ENDED)


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
