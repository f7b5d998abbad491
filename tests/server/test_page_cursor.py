"""The cursor a sync page hands back moves to the journal's head only when the page provably
holds every record left: never past a record that a byte or record budget held back. The
positions of the paged lists read back only as numbers a database can bind."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from client_sdk import wire
from server import cursors
from server.errors import BadRequest
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


# --- list positions (protocol.md 2.8): read back before anything reaches storage ----------

POSITIONS: dict[str, tuple[Callable[[bytes], object], int]] = {
    "devices and journals": (cursors.time_and_id, 8 + wire.ID_BYTES),
    "shares": (cursors.two_ids, 2 * wire.ID_BYTES),
    "audit": (cursors.audit, 16 + wire.ID_BYTES),
}


@pytest.mark.parametrize("kind", POSITIONS)
@settings(max_examples=300, deadline=None)
@given(
    after=st.one_of(
        st.binary(max_size=wire.MAX_PAGE_CURSOR),
        *(st.binary(min_size=size, max_size=size) for size in (24, 32)),  # the right lengths
    )
)
def test_any_after_is_a_position_within_int64_or_invalid_field(kind: str, after: bytes) -> None:
    """R9B finding 11: whatever `after` a client sends (0-32 bytes, any values), either every
    number of the position fits the databases' signed 64-bit integers, or it is 400
    `invalid_field`; nothing else is raised (an OverflowError in the driver was a 500)."""
    parse, size = POSITIONS[kind]
    try:
        position = parse(after)
    except BadRequest as error:
        assert (error.status, error.code) == (400, "invalid_field")
        assert len(after) != size or after[0] >= 0x80 or (kind == "audit" and after[24] >= 0x80)
        return
    if not after:
        assert position is None
        return
    assert isinstance(position, tuple) and len(after) == size
    assert all(0 <= part <= cursors.INT64_MAX for part in position if isinstance(part, int))


@given(
    at=st.integers(0, cursors.INT64_MAX),
    item=st.binary(min_size=16, max_size=16),
    seq=st.integers(0, cursors.INT64_MAX),
)
def test_every_next_the_server_makes_reads_back_as_its_position(
    at: int, item: bytes, seq: int
) -> None:
    assert cursors.time_and_id(cursors.time_and_id_next(at, item)) == (at, item)
    assert cursors.audit(cursors.audit_next(at, item, seq)) == (at, item, seq)


@pytest.mark.parametrize("first", [0x80, 0xFF])
def test_a_time_past_int64_is_refused(first: int) -> None:
    with pytest.raises(BadRequest):
        cursors.time_and_id(bytes([first]) + bytes(7 + wire.ID_BYTES))
    with pytest.raises(BadRequest):
        cursors.audit(bytes(24) + bytes([first]) + bytes(7))
    assert cursors.time_and_id(b"\x7f" + b"\xff" * 7 + bytes(16)) == (cursors.INT64_MAX, bytes(16))
