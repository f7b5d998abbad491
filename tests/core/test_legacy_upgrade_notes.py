"""The notes of signed upgrade rotations (client_sdk/legacy_upgrade.py): one per journal and
chain head, the first one kept when two attempts noted one on the same head, a refusal
counted on the note it was of, a drop that keeps a note written since."""

from __future__ import annotations

from client_sdk import legacy_upgrade
from client_sdk.access import AccessState
from client_sdk.legacy_upgrade import Upgrade

JOURNAL = bytes(16)


def upgrade(request: bytes, length: int = 5, head: bytes = b"h" * 32) -> Upgrade:
    return Upgrade(JOURNAL, length, head, request, name="Personal", named_at=7)


def test_notes_read_back_and_unreadable_ones_are_none() -> None:
    first = upgrade(b"first")
    value, noted = legacy_upgrade.kept(None, first)
    assert noted == first and legacy_upgrade.decode(value) == {JOURNAL: first}
    assert legacy_upgrade.decode("not json") == {} and legacy_upgrade.decode(None) == {}


def test_the_first_note_on_a_head_is_the_one_sent() -> None:
    value, _ = legacy_upgrade.kept(None, upgrade(b"first"))
    value, noted = legacy_upgrade.kept(value, upgrade(b"second"))
    assert noted.request == b"first"
    assert legacy_upgrade.decode(value)[JOURNAL].request == b"first"
    moved, noted = legacy_upgrade.kept(value, upgrade(b"on a longer chain", length=6))
    assert noted.request == b"on a longer chain"
    assert legacy_upgrade.decode(moved)[JOURNAL].request == b"on a longer chain"


def test_refusals_count_on_their_note_and_a_drop_keeps_a_newer_note() -> None:
    first = upgrade(b"first")
    value, _ = legacy_upgrade.kept(None, first)
    value, tries = legacy_upgrade.refused(value, first)
    value, tries = legacy_upgrade.refused(value, first)
    assert tries == 2 == legacy_upgrade.decode(value)[JOURNAL].tries
    assert legacy_upgrade.dropped(value, {JOURNAL}, {b"another"}) == value
    assert legacy_upgrade.dropped(value, {JOURNAL}, {b"first"}) is None


def test_sent_again_only_on_the_chain_it_was_signed_on() -> None:
    noted = upgrade(b"first")
    state = AccessState(JOURNAL, bytes(16), length=5, head=b"h" * 32)
    assert legacy_upgrade.signed_on(noted, state)
    assert not legacy_upgrade.signed_on(noted, AccessState(JOURNAL, bytes(16), 6, b"h" * 32))
    assert not legacy_upgrade.signed_on(noted, AccessState(JOURNAL, bytes(16), 5, b"g" * 32))
    assert legacy_upgrade.named_as(noted, "Personal", 7, False)
    assert not legacy_upgrade.named_as(noted, "Renamed", 8, False)
