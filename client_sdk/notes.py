"""`client.notes`: notes and reflection prompts left in a journal, by its owner or by a
therapist the journal is shared with in the annotate role.

    await therapist.notes.add("ana/Personal", "What helped on the better days?", kind="prompt")
    for note in await client.notes.list():
        print(note.author, note.text)
"""

from __future__ import annotations

import builtins

from client_sdk.context import Context
from client_sdk.sharing import Note


class Notes:
    """Notes and prompts of the journals on this device."""

    def __init__(self, context: Context) -> None:
        self._context = context

    async def add(self, journal: str, text: str, *, kind: str = "note") -> Note:
        """Add a note (or a reflection prompt, kind="prompt") to a journal; a therapist with
        the annotate role can do this in a journal shared with them. Works offline.
        Raises NotFound for an unknown journal, AccessError without the right to annotate,
        InvalidInput for an empty or too long text or an unknown kind."""
        local = await self._context.local_journal(journal)
        return await self._context.sharing.add_note(local, kind, text)

    async def list(self, journal: str | None = None) -> builtins.list[Note]:
        """Notes and prompts of one journal or of all, the therapist's first. Raises
        NotFound for an unknown journal."""
        local = await self._context.local_journal(journal) if journal else None
        return await self._context.sharing.notes(local)
