"""What a person wrote that never reached the server, counted as they think of it.

A device's outbox holds records: an entry written and then edited twice is three records, and
an entry of a journal shared field by field (`share --only`) or shared on its own
(`share-entry`) is also copied, as another record, into the journal kept for the therapist.
Someone about to lose unsynced work (`tj logout`) wrote *one* entry in each case; this module
counts documents (entries, goals, notes, results...) with any change waiting, and a copy kept
for a therapist with its original, never again.

Pure: callers pass what the store holds and the account key.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from client_sdk.keys import disclosure_doc_id


def unsynced_changes(
    waiting: Iterable[tuple[bytes, bytes | None]],
    copy_journals: set[bytes],
    originals: Iterable[bytes],
    account_key: bytes,
) -> int:
    """How many things the user changed that the server has not got.

    `waiting`: (journal id, document id or None) of each record in the outbox and set aside;
    `copy_journals`: ids of this account's journals kept for a therapist (disclosure
    journals); `originals`: ids of the documents of the account's other journals; the
    account key derives a copy's id from its original's (keys.disclosure_doc_id). A document
    with several waiting records counts once; a copy counts as its original (once for both,
    whether the original waits or not); a record of no document counts once."""
    return sum(unsynced_kinds(waiting, copy_journals, originals, account_key, {}).values())


def unsynced_kinds(
    waiting: Iterable[tuple[bytes, bytes | None]],
    copy_journals: set[bytes],
    originals: Iterable[bytes],
    account_key: bytes,
    kinds: Mapping[bytes, str],
) -> dict[str, int]:
    """`unsynced_changes` by document kind (`kinds`: document id -> its kind, "entry",
    "measure", "safety_flag"...): each document counted once under its kind (a copy under
    its original's, else its own), "" for a document of no known kind and for a record of
    no document (nu76 F9: `tj logout` counted a questionnaire result and a safety flag as
    "items (entries, goals, notes...)"). Kinds none of are not keys."""
    waiting = list(waiting)
    wanted = {journal_id for journal_id, doc_id in waiting if journal_id in copy_journals}
    original_of: dict[bytes, bytes] = {}
    if wanted:
        for original in originals:
            for journal_id in wanted:
                original_of[disclosure_doc_id(account_key, original, journal_id)] = original
    changed: dict[bytes, str] = {}
    counted: Counter[str] = Counter()
    for journal_id, doc_id in waiting:
        if doc_id is None:
            counted[""] += 1
            continue
        key = original_of.get(doc_id, doc_id) if journal_id in copy_journals else doc_id
        if key not in changed:
            changed[key] = kinds.get(key, kinds.get(doc_id, ""))
    counted.update(changed.values())
    return dict(counted)
