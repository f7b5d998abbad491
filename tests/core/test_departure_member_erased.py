"""`Departure.member_erased` and `member_now` (NU59 #10) are kept with a pending or unseen
departure and read back, and a value of another type is read as not said."""

from __future__ import annotations

import json

from client_sdk import departures
from client_sdk.departures import Departure

DROPPED = Departure(
    "drsmith",
    "Personal",
    "ab" * 16,
    departures.DROPPED,
    at=5,
    member_id="cd" * 16,
    member_erased=True,
    member_now="ef" * 16,
)


def test_pending_and_unseen_departures_keep_that_the_member_was_erased() -> None:
    pending = departures.Pending([], [DROPPED], [])
    [read] = departures.decode(pending.encode()).told
    assert (read.member_erased, read.member_now, read.member_id) == (True, "ef" * 16, "cd" * 16)
    [unseen] = departures.decode_told(departures.encode_told([DROPPED]))
    assert (unseen.member_erased, unseen.member_now) == (True, "ef" * 16)
    assert DROPPED.to_dict()["member_erased"] is True


def test_a_value_of_another_type_is_not_said() -> None:
    item = {**DROPPED.stored(), "safety_flags": False, "member_erased": "yes", "member_now": 3}
    [read] = departures.decode_told(json.dumps([item]))
    assert (read.member_erased, read.member_now) == (False, "")
