"""`client.prompts`: reflection prompts to write about, from the SDK's library and from your
therapist (rules in prompts.py, pure).

    prompt = await client.prompts.suggest("gratitude")
    await client.entries.write(None, "My sister called.", prompt_id=prompt.id)
"""

from __future__ import annotations

import builtins

from client_sdk.context import Context
from client_sdk.errors import NotFound, ambiguous_id
from client_sdk.inputs import checks_inputs
from client_sdk.models import now_ms
from client_sdk.notes import Notes
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


@checks_inputs
class Prompts:
    """Prompts in the order to suggest them."""

    def __init__(self, context: Context, notes: Notes) -> None:
        self._context = context
        self._notes = notes

    async def list(
        self, category: str | None = None, *, recent_days: int = RECENT_DAYS
    ) -> builtins.list[Prompt]:
        """Reflection prompts in the order to suggest them: your therapist's unanswered
        prompts first (no category: they show only when `category` is None), then library
        prompts not answered in the last `recent_days` days (see prompts.rank). Raises
        InvalidInput for an unknown category (`CATEGORIES` lists them)."""
        candidates = select([*await self._therapist_prompts(), *LIBRARY], category)
        entries = await self._context.entries(None)
        answers = answered_at((e.prompt_id, e.created_at) for e in entries)
        return rank(candidates, answers, now_ms(), recent_days)

    async def suggest(
        self, category: str | None = None, *, recent_days: int = RECENT_DAYS
    ) -> Prompt:
        """The one prompt to reflect on now: the first of `list()`. Raises like `list`:
        InvalidInput for an unknown category."""
        return (await self.list(category, recent_days=recent_days))[0]

    async def get(self, prompt_id: str) -> Prompt:
        """A prompt by id: a library id such as "trust-01", or the id (or a unique prefix of
        4+ characters) of a prompt your therapist added. Raises NotFound, or InvalidInput
        when a prefix matches several."""
        found = library_prompt(prompt_id)
        if found is not None:
            return found
        wanted = prompt_id.strip().lower()
        theirs = [p for p in await self._therapist_prompts() if p.id.startswith(wanted)]
        if len(wanted) >= 4 and len(theirs) == 1:
            return theirs[0]
        if len(wanted) >= 4 and theirs:
            raise ambiguous_id(prompt_id, f"{len(theirs)} prompts")
        raise NotFound(f"no prompt {prompt_id!r}", subject="prompt")

    async def _therapist_prompts(self) -> builtins.list[Prompt]:
        """Prompts a therapist added to journals this account owns."""
        context = self._context
        await context.replica.load_access()
        owned = {context.display(j) for j in await context.store.journals() if j.role == "owner"}
        return [
            Prompt(
                n.id,
                THERAPIST,
                n.text,
                True,
                n.author,
                n.journal,
                n.created_at,
                journal_id=n.journal_id,
            )
            for n in await self._notes.list()
            if n.kind == "prompt" and n.by_therapist and n.journal in owned
        ]
