"""The one decoder of the per-journal JSON settings (`json_settings.by_id`), as
`legacy_upgrade.decode`, `owed_shares.decode` and `owed_shares.withdrawn` use it: a value
this SDK cannot read is no note at all, never an exception."""

from __future__ import annotations

import json

import pytest

from client_sdk import json_settings, legacy_upgrade, owed_shares

JOURNAL = b"j" * 16
UNREADABLE = [
    "not json",
    "[1, 2]",
    json.dumps({"zz": [1]}),
    json.dumps({JOURNAL.hex(): 5}),
    json.dumps({JOURNAL.hex(): [1, 2]}),
    "[" * 100_000 + "]" * 100_000,
    json.dumps({JOURNAL.hex(): [1, "not hex", "00", 0, "n", 1, False]}),
]


@pytest.mark.parametrize("value", UNREADABLE)
def test_a_value_that_cannot_be_read_is_no_note(value: str) -> None:
    assert json_settings.by_id(value, lambda key, n, h: (int(n), bytes.fromhex(h))) == {}
    assert legacy_upgrade.decode(value) == {}
    assert owed_shares.decode(value) == {}
    assert owed_shares.withdrawn(value) == {}


def test_each_key_is_decoded_with_or_without_it() -> None:
    value = json.dumps({JOURNAL.hex(): [1, "x"]})
    assert json_settings.by_id(value, lambda key, n, s: (key, n, s)) == {
        JOURNAL: (JOURNAL.hex(), 1, "x")
    }
    assert json_settings.by_id(value, lambda n, s: (n, s), with_key=False) == {JOURNAL: (1, "x")}
    assert json_settings.by_id(None, lambda: 0) == {}
    assert json_settings.by_id("", lambda: 0) == {}


def test_the_notes_round_trip_through_the_decoder() -> None:
    upgrade = legacy_upgrade.Upgrade(JOURNAL, 3, b"h" * 32, b"request", 1, "Personal", 5, True)
    assert legacy_upgrade.decode(legacy_upgrade.encode({JOURNAL: upgrade})) == {JOURNAL: upgrade}
