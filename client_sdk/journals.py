"""`client.journals`: the journals this device holds, creating one, and comparing a journal's
history with another device in session.

    journal = await client.journals.create("Sleep")
    for journal in await client.journals.list():
        print(journal.name, journal.role)
"""

from __future__ import annotations

import builtins

from client_sdk.context import Context
from client_sdk.errors import InvalidInput
from client_sdk.models import Journal
from client_sdk.replica import REVOKED
from client_sdk.store import LocalJournal

MAX_JOURNAL_NAME = 100


class Journals:
    """Journals this account owns and journals other accounts share with it."""

    def __init__(self, context: Context) -> None:
        self._context = context

    async def list(self) -> builtins.list[Journal]:
        """Every journal readable here: this account's own first, then shared ones, each
        group by name ignoring case. Journals whose share ended are left out. Works
        offline: it reads this device's verified access chains, not the server.
        Raises nothing."""
        context = self._context
        await context.replica.load_access()
        journals = [context.journal(j) for j in await context.store.journals() if j.role != REVOKED]
        return sorted(journals, key=lambda j: (j.owner != context.username, j.name.casefold()))

    async def get(self, name_or_id: str | None = None) -> Journal:
        """A journal by name ("Personal"), by "owner/name" for a shared one, or by hex id;
        default "Personal". Raises NotFound."""
        return self._context.journal(await self._context.local_journal(name_or_id))

    async def create(self, name: str) -> Journal:
        """Create a journal on the server (needs the network) and locally. Retrying after a
        lost reply returns the journal the first attempt created instead of a second one.

        Raises InvalidInput for an empty name, one over 100 characters or holding '/', or the
        name of a journal this account already has; NetworkError when offline."""
        name = name.strip()
        if not name or len(name) > MAX_JOURNAL_NAME or "/" in name:
            raise InvalidInput(f"a journal name is 1 to {MAX_JOURNAL_NAME} characters, without '/'")
        if await self._own_journal_named(name) is not None:
            raise InvalidInput(f"a journal named {name!r} already exists")
        await self._context.replica.refresh_journals()
        created_meanwhile = await self._own_journal_named(name)
        if created_meanwhile is not None:
            return self._context.journal(created_meanwhile)  # another device, or a retried call
        return self._context.journal(await self._context.replica.create_journal(name))

    async def verify_head(self, journal: str) -> str:
        """A short code (five groups of five digits) derived from this journal's verified
        access chain and the records this device verified since the latest share began.
        Sync, then compare it with the other side's code in session, like a fingerprint:
        equal codes mean the server showed both devices the same history; different ones
        mean one of you was shown another (or is not synced yet). Raises RollbackError
        while the server serves this journal an older or different chain."""
        context = self._context
        return await context.replica.verify_head(await context.local_journal(journal))

    async def _own_journal_named(self, name: str) -> LocalJournal | None:
        for journal in await self._context.store.journals():
            mine = journal.owner_id == self._context.profile.account_id
            if mine and journal.name.casefold() == name.casefold():
                return journal
        return None
