"""`unsynced.unsynced_kinds` (nu76 F9): what never reached the server, by document kind,
each document once, a copy kept for a therapist under its original's kind, the same total
as `unsynced_changes`. Pure."""

from __future__ import annotations

from client_sdk.keys import disclosure_doc_id
from client_sdk.unsynced import unsynced_changes, unsynced_kinds

KEY = bytes(32)
PERSONAL, COPY = b"p" * 16, b"c" * 16
ENTRY, RESULT, FLAG = b"e" * 16, b"r" * 16, b"f" * 16


def test_each_document_once_under_its_kind_a_copy_under_its_originals() -> None:
    copy_of_entry = disclosure_doc_id(KEY, ENTRY, COPY)
    waiting = [
        (PERSONAL, ENTRY),
        (PERSONAL, ENTRY),  # edited twice: one entry
        (COPY, copy_of_entry),  # its copy for the therapist: the same entry
        (PERSONAL, RESULT),
        (PERSONAL, FLAG),
        (PERSONAL, None),  # a record of no document
    ]
    kinds = {ENTRY: "entry", RESULT: "measure", FLAG: "safety_flag", copy_of_entry: "entry"}
    originals = [ENTRY, RESULT, FLAG]
    counted = unsynced_kinds(waiting, {COPY}, originals, KEY, kinds)
    assert counted == {"entry": 1, "measure": 1, "safety_flag": 1, "": 1}
    assert sum(counted.values()) == unsynced_changes(waiting, {COPY}, originals, KEY) == 4


def test_a_document_of_no_known_kind_counts_under_the_empty_kind() -> None:
    assert unsynced_kinds([(PERSONAL, ENTRY)], set(), [], KEY, {}) == {"": 1}
