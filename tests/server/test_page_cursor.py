"""The cursor a sync page hands back moves to the journal's head only when the page provably
holds every record left: never past a record that a byte or record budget held back."""

from __future__ import annotations

from client_sdk import wire
from server.service import PAGE_BYTES, page_cursor


def page(*seqs: int, size: int = 100) -> list[wire.StoredRecord]:
    return [wire.StoredRecord(seq, bytes(16), 0, bytes(size)) for seq in seqs]


def test_an_empty_page_moves_the_cursor_past_deleted_records_to_the_head() -> None:
    assert page_cursor(7, 9, [], 1000, PAGE_BYTES) == 9


def test_a_page_with_room_to_spare_ends_at_the_head() -> None:
    assert page_cursor(0, 9, page(3, 5), 1000, PAGE_BYTES) == 9


def test_a_page_that_used_its_whole_record_budget_stops_at_its_last_record() -> None:
    assert page_cursor(0, 9, page(3, 5), 2, PAGE_BYTES) == 5


def test_a_page_near_its_byte_budget_stops_at_its_last_record() -> None:
    budget = 2 * 100 + wire.MAX_RECORD_BYTES - 1
    assert page_cursor(0, 9, page(3, 5), 1000, budget) == 5


def test_a_record_pushed_after_the_head_was_read_keeps_its_own_seq() -> None:
    assert page_cursor(0, 9, page(3, 12), 1000, PAGE_BYTES) == 12
