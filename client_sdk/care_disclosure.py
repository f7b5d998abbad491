"""What a field-level share carries of care documents (pure).

A journal shared with `only` (sharing.py, `Client.share(..., only=[...])`, `tj share --only`)
is mirrored into a disclosure journal kept for the member. Besides entry fields, the field
list may name:

- `scores`: each measure result's instrument, score, band and times; the item answers and
  the difficulty answer are null in the copy (so the copy never shows a safety concern);
- `answers`: the same with the item answers and the difficulty answer (answers without the
  score they add up to would make no sense, so `answers` implies `scores`);
- `homework`: each homework entry as written (template, values, completion, times).

Nothing else of a journal is mirrored: goals, safety plans and flags, assignments, notes and
prompts stay in the journal they were written in (a safety flag needs a whole-journal share;
a therapist writes assignments, notes and prompts in the disclosure journal itself). A list
naming no entry field mirrors no entry at all, not even their times.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from client_sdk.models import ENTRY, HOMEWORK, MEASURE

if TYPE_CHECKING:  # documents brings pycrdt, which `tj` starts without
    from client_sdk.documents import Document

SCORES = "scores"
ANSWERS = "answers"
HOMEWORK_FIELD = "homework"
MIRRORED_KINDS = frozenset({ENTRY, MEASURE, HOMEWORK})
ENTRY_FIELDS = ("title", "body", "mood", "tags", "emotions")
"""Entry fields a field-level share may carry."""
CARE_FIELDS = (SCORES, ANSWERS, HOMEWORK_FIELD)
"""Care documents a field-level share may carry besides entry fields (care_disclosure.py):
measure results' scores (with band and time), their item answers (with the score), homework."""
DISCLOSABLE = ENTRY_FIELDS + CARE_FIELDS
"""Every field a field-level share may carry (`tj share --fields`; sharing.py)."""
HOMEWORK_KEYS = (
    "template",
    "template_version",
    "values",
    "completion",
    "assignment_id",
    "created_at",
    "updated_at",
)


def disclosed_care(document: Document, fields: tuple[str, ...]) -> dict[str, Any] | None:
    """The map of `document`'s copy under `fields`, or None when they disclose none of it."""
    if document.kind == MEASURE:
        # Imported here: a write that is not a result (an entry) needs none of scoring.
        from client_sdk.results import ANSWERS as RESULT_ANSWERS
        from client_sdk.results import SCORE, disclosed_result

        if ANSWERS in fields:
            return disclosed_result(document, (SCORE, RESULT_ANSWERS))
        if SCORES in fields:
            return disclosed_result(document, (SCORE,))
        return None
    if document.kind == HOMEWORK and HOMEWORK_FIELD in fields:
        copied = {key: document.field(key) for key in HOMEWORK_KEYS}
        copied["deleted"] = document.field("deleted") is True
        return copied
    return None
