"""The safety message (client_sdk/safety.py): what it always says, and what it takes from the
client's plan."""

from __future__ import annotations

from datetime import UTC, datetime

from client_sdk.safety import SafetyPlan, late_flag_members, message_lines, texts


def test_the_message_says_what_to_do_now_and_that_nobody_monitors_the_app() -> None:
    text = "\n".join(message_lines(None, None, "", []))
    assert "emergency" in text and "112" in text and "911" in text  # several countries
    assert "https://findahelpline.com" in text
    assert "not monitored in real time" in text
    assert "not an emergency or crisis service and does not replace one" in text
    assert "have not written a safety plan" in text
    assert "flag" not in text  # nothing was sent, so nothing is claimed


def test_the_clients_own_numbers_and_plan_replace_the_defaults() -> None:
    lines = message_lines("999", "Samaritans 116 123", "Call my sister.\nGo for a walk.", ["tom"])
    text = "\n".join(lines)
    assert "call 999 or go to the nearest emergency department" in text
    assert "To talk to someone now: Samaritans 116 123." in text
    assert "Your safety plan: Call my sister. Go for a walk." in text
    assert texts()["default_emergency"] not in text
    assert "sealed for tom" in lines[-1] and "not now" in lines[-1]


def test_the_message_names_its_sources_and_says_it_is_not_clinically_reviewed() -> None:
    data = texts()
    assert len(data["sources"]) >= 3
    for source in data["sources"]:
        assert source["what"] and source["title"] and source["url"].startswith("https://")
    assert any("Stanley" in s["title"] for s in data["sources"])
    assert "not been reviewed by a clinician" in data["notes"]


def test_a_late_flag_is_owed_only_to_members_opted_in_and_sharing_at_or_before_the_answer() -> None:
    """NU22 C3 (safety.late_flag_members): consent and the share both at or before the
    answer, as the owner signed them; never to a member covered already."""
    at = 1_800_000_000_000
    updated = datetime.fromtimestamp((at + 60_000) / 1000, tz=UTC)
    plan = SafetyPlan(
        "Personal",
        share_flags=True,
        flag_members=("aa", "bb", "cc"),
        flags_since=(("aa", at), ("bb", at + 1)),
        updated_at=updated,
    )
    current = {"amy": ("aa", at), "bob": ("bb", at - 5), "cy": ("cc", at), "dan": ("dd", 0)}
    # amy: opted in and shared exactly at the answer; bob opted in after it; cy's opt-in
    # time is unknown and the plan changed after the answer; dan was never opted in
    assert late_flag_members(plan, current, at, set()) == {"amy": "aa"}
    assert late_flag_members(plan, current, at, {"aa"}) == {}  # never twice
    assert late_flag_members(plan, {"amy": ("aa", at + 1)}, at, set()) == {}  # shared later
    off = SafetyPlan("Personal", share_flags=False, flag_members=("aa",), updated_at=updated)
    assert late_flag_members(off, current, at, set()) == {}  # consent withdrawn since
    older = SafetyPlan("Personal", share_flags=True, updated_at=updated)  # every member
    assert late_flag_members(older, current, at + 60_000, set()) == {
        "amy": "aa", "bob": "bb", "cy": "cc", "dan": "dd",
    }  # fmt: skip
    assert late_flag_members(older, current, at + 59_999, set()) == {}
