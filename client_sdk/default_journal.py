"""The default journal's rule, shared by finding it (`Context.default_journal`) and by a sync
that pulls a rename (`Replica.refresh_journals`): its name at sign-up, the store setting of a
device's choice, and which older journal an account made before its id was derived keeps as
its default. Pure."""

from __future__ import annotations

from collections.abc import Iterable

from client_sdk.models import squeezed
from client_sdk.store import LocalJournal

DEFAULT_JOURNAL = "Personal"
"""The name a sign-up gives the account's default journal (`Context.default_journal`): the
journal a call without one writes in and reads, found by its id, whatever it is named since."""

DEFAULT_SETTING = "default_journal"
"""The store setting holding the id (hex) of the journal this device takes as the default
journal: the user's choice (`client.journals.set_default`), or the journal an older
account's device kept (`older_defaults`). Kept on this device only, never sent."""

DEFAULT_BY_ID_SINCE = 1_796_515_200_000
"""2026-12-06T00:00:00Z (ms UTC): from then on SDKs create the default journal under its
derived id (`keys.default_journal_id`, protocol.md 4.16); a journal whose owner-signed name
"Personal" is older (`LocalJournal.named_at` below it, 0 for a version-1 name: an account
made before) is that account's default journal by its name, the rule of then."""

NO_DEFAULT = "no default journal"
"""`TJError.subject` of the NotFound for a call that names no journal when this device finds
no default journal (`Context.default_journal`): the app asks the user to name a journal or
to choose a default (`client.journals.set_default`)."""


def older_defaults(journals: Iterable[LocalJournal], me: bytes) -> list[LocalJournal]:
    """Those of `journals` that may be the default journal of an account made before its id
    was derived: this account's own (`me`), held (not a copy kept of a journal gone), whose
    owner-signed name is DEFAULT_JOURNAL (case and runs of spaces ignored) from before
    DEFAULT_BY_ID_SINCE. A journal named so later is never one: a server hiding the default
    journal cannot make another own journal named "Personal" (shared with a therapist, say)
    pass for it. Pure."""
    return [
        j
        for j in journals
        if j.owner_id == me
        and j.role == "owner"
        and squeezed(j.name).casefold() == DEFAULT_JOURNAL.casefold()
        and j.named_at < DEFAULT_BY_ID_SINCE
    ]
