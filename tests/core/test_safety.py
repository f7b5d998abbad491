"""The safety message (client_sdk/safety.py): what it always says, and what it takes from the
client's plan."""

from __future__ import annotations

from client_sdk.safety import message_lines, texts


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
