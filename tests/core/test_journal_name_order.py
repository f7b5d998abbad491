"""Which owner-signed journal name a device keeps (protocol.md 4.14, F4 of
/work/REV-EXPIRY-FINDINGS.md), and the archive setting signed with it (W1 of
/work/REV-CUT-FINDINGS.md): the pure rules of client_sdk/journal_meta.py."""

from __future__ import annotations

from typing import Any

import pytest

from client_sdk.errors import IntegrityError
from client_sdk.journal_meta import (
    NAMED_AT_MAX,
    archived_of,
    next_named_at,
    signed_named_at,
    stored_name_holds,
    supersedes,
)

T = 1_767_225_600_000  # 2026-01-01T00:00:00Z, ms


def test_a_name_signed_earlier_never_replaces_a_later_one() -> None:
    assert supersedes(T + 1, "Work", T, "Personal")
    assert not supersedes(T, "Personal", T + 1, "Work")
    assert not supersedes(T, "Zzz", T + 1, "Aaa")  # the order of the names plays no part


def test_a_version_1_name_never_replaces_a_version_2_one() -> None:
    assert not supersedes(0, "Personal", 1, "Personal")
    assert not supersedes(0, "Zzz", T, "Work")
    assert supersedes(1, "Personal", 0, "Personal")  # and version 2 takes over from version 1


def test_version_1_names_replace_each_other_as_before() -> None:
    assert supersedes(0, "Personal", 0, "Work")
    assert supersedes(0, "Work", 0, "Personal")


def test_the_same_name_at_the_same_value_is_kept_again() -> None:
    """Metadata sealed again at a rotation: another epoch, another signature, same name."""
    assert supersedes(T, "Work", T, "Work")


def test_two_names_with_the_same_value_settle_on_the_same_one_in_any_order() -> None:
    """Two owner devices renamed in the same millisecond: every device keeps the name whose
    UTF-8 bytes sort last, whichever it saw first."""
    assert supersedes(T, "Work", T, "Diary") and not supersedes(T, "Diary", T, "Work")
    assert supersedes(T, "Ärzte", T, "Zoo")  # bytes, not letters: "Ä" is c3 84
    for first, second in (("Diary", "Work"), ("Work", "Diary")):
        kept = second if supersedes(T, second, T, first) else first
        assert kept == "Work"


def test_a_rename_is_later_than_every_value_seen_whatever_the_clock() -> None:
    assert next_named_at(T, 0) == T
    assert next_named_at(T, T - 5) == T
    assert next_named_at(T - 60_000, T) == T + 1  # this device's clock is a minute behind
    assert next_named_at(0, 0) == 1  # never 0: that reads as version 1
    assert next_named_at(T, NAMED_AT_MAX) == NAMED_AT_MAX


def test_an_archive_setting_signed_earlier_never_replaces_a_later_one() -> None:
    """An archive and an unarchive move `named_at` on: the setting before is refused."""
    assert not supersedes(T, "Work", T + 1, "Work", archived=True, last_archived=False)
    assert not supersedes(T, "Work", T + 1, "Work", archived=False, last_archived=True)
    assert supersedes(T + 1, "Work", T, "Work", archived=True, last_archived=False)


def test_two_archive_settings_with_the_same_value_settle_on_the_same_one_in_any_order() -> None:
    """Two owner devices archived and unarchived in the same millisecond: the name first,
    then archived over not archived, whichever a device saw first."""
    assert supersedes(T, "Work", T, "Work", archived=True, last_archived=False)
    assert not supersedes(T, "Work", T, "Work", archived=False, last_archived=True)
    assert supersedes(T, "Work", T, "Diary", archived=False, last_archived=True)
    assert supersedes(T, "Work", T, "Work", archived=True, last_archived=True)


@pytest.mark.parametrize(
    ("meta", "archived"),
    [
        ({"name": "Work", "named_at": T}, False),
        ({"name": "Work", "named_at": T, "archived": False}, False),
        ({"name": "Work", "named_at": T, "archived": True}, True),
        ({"name": "Work", "archived": True}, False),  # version 1 signs no flag: ignored
        ({"name": "Work", "archived": "yes"}, False),
    ],
)
def test_archived_is_read_only_where_the_name_signature_covers_it(
    meta: dict[str, Any], archived: bool
) -> None:
    assert archived_of(meta) is archived


@pytest.mark.parametrize("value", [1, 0, "true", None, [True]])
def test_a_version_2_archived_that_is_not_a_bool_is_malformed(value: object) -> None:
    with pytest.raises(IntegrityError):
        archived_of({"name": "Work", "named_at": T, "archived": value})


def _meta(name: str, named_at: int, archived: bool = False) -> str:
    extra = ', "archived": true' if archived else ""
    return f'{{"name": "{name}", "name_signature": "00", "named_at": {named_at}{extra}}}'


def test_a_stored_name_signed_later_holds_against_a_write_read_before_it() -> None:
    # rev34d F1: the row as stored now, not the one read before the list's round trips
    assert stored_name_holds("Work", _meta("Work", T), T, "Daily", _meta("Daily", T + 1), T + 1)
    assert not stored_name_holds("Daily", _meta("Daily", T + 1), T + 1, "Work", _meta("Work", T), T)
    assert not stored_name_holds("Work", _meta("Work", T), T, "Work", _meta("Work", T), T)
    # an unarchive (later) holds against the archived metadata read before it
    assert stored_name_holds(
        "Work", _meta("Work", T, archived=True), T, "Work", _meta("Work", T + 1), T + 1
    )


def test_a_placeholder_never_replaces_a_signed_name_and_a_mixed_row_counts_as_none() -> None:
    placeholder = '{"name": "(unreadable journal)"}'
    assert stored_name_holds("(unreadable journal)", placeholder, T, "Work", _meta("Work", T), T)
    assert not stored_name_holds("Work", _meta("Work", T), T, "(x)", placeholder, T)
    assert stored_name_holds("Work", _meta("Work", T), T, "(x)", placeholder, T + 1)  # lower
    # a row pairing "Work" (signed at T) with T + 1: a name signed at T + 1 takes its place
    assert signed_named_at(_meta("Work", T), T + 1) is None
    assert signed_named_at(_meta("Work", T), T) == T
    assert not stored_name_holds(
        "Daily", _meta("Daily", T + 1), T + 1, "Work", _meta("Work", T), T + 1
    )
