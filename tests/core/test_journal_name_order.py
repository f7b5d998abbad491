"""Which owner-signed journal name a device keeps (protocol.md 4.14, F4 of
/work/REV-EXPIRY-FINDINGS.md): the pure rules of client_sdk/journal_meta.py."""

from __future__ import annotations

from client_sdk.journal_meta import NAMED_AT_MAX, next_named_at, supersedes

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
