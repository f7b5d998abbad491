"""A brief's scope over field-level copies of one journal kept for one therapist
(`practice._CopyScope`): a field counts for a document only where a copy holding that
document shares it. Two copies, one sharing mood and holding entries 1-10, one sharing the
body and holding 5-10: the body of entries 1-4 was never shared (a read-back of NU51 F5)."""

from __future__ import annotations

from client_sdk import keys
from client_sdk.practice import _CopyScope

KEY = bytes(32)
MOOD_COPY, BODY_COPY = b"\x01" * 16, b"\x02" * 16
ENTRIES = [bytes([n]) * 16 for n in range(1, 11)]


def held(copy: bytes, entries: list[bytes]) -> frozenset[bytes]:
    return frozenset(keys.disclosure_doc_id(KEY, e, copy) for e in entries)


def test_a_field_counts_for_a_document_only_where_a_copy_holding_it_shares_it() -> None:
    mood = _CopyScope(KEY, MOOD_COPY, ("mood",), held(MOOD_COPY, ENTRIES))
    body = _CopyScope(KEY, BODY_COPY, ("body",), held(BODY_COPY, ENTRIES[4:]))
    both = mood.wider(body)
    assert both.shares("body") and both.shares("mood")  # the copies' names say both
    for n, entry in enumerate(ENTRIES, start=1):
        assert both.holds(entry.hex())
        assert both.shares_of(entry.hex(), "mood")
        assert both.shares_of(entry.hex(), "body") == (n >= 5), n
    assert not both.holds((b"\x0b" * 16).hex()) and not both.shares_of("zz", "mood")
