"""The safety message's flag line when the device could not sync just before
(`Safety.respond(..., synced=False)`, `message_lines(..., synced=False)`): the flag was
sealed but has NOT left this device, so the line an app shows never promises that the
therapist sees it at their next sync (pure)."""

from __future__ import annotations

from client_sdk.safety import SafetyHints, message_lines

HINTS = SafetyHints(syncs="`tj sync`")


def test_an_unsynced_device_says_the_flag_has_not_left_it() -> None:
    lines = message_lines(None, None, "Call Sam.", ["drsmith"], hints=HINTS, synced=False)
    flag = lines[-1]
    assert flag.startswith("Because you chose to, a safety flag was made for drsmith")
    assert "has NOT left this device yet" in flag
    assert "once their device next syncs" not in flag
    assert "only after this device syncs" in flag and "(`tj sync`)" in flag


def test_a_synced_device_keeps_the_next_sync_line() -> None:
    lines = message_lines(None, None, "Call Sam.", ["drsmith"], hints=HINTS)
    assert "they see it once their device next syncs (`tj sync`), not now." in lines[-1]
