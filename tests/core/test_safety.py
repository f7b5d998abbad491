"""The safety message (client_sdk/safety.py): what it always says, and what it takes from the
client's plan."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from client_sdk.safety import (
    CLOCK_SKEW_MS,
    SafetyHints,
    SafetyPlan,
    late_flag_members,
    message_lines,
    no_flag_before_line,
    no_flag_line,
    plan_line,
    reads_only_line,
    texts,
    withheld_line,
)


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
    assert "made for tom" in lines[-1] and "not now" in lines[-1]


def test_the_message_names_its_sources_and_says_it_is_not_clinically_reviewed() -> None:
    data = texts()
    assert len(data["sources"]) >= 3
    for source in data["sources"]:
        assert source["what"] and source["title"] and source["url"].startswith("https://")
    assert any("Stanley" in s["title"] for s in data["sources"])
    assert "not been reviewed by a clinician" in data["notes"]


def test_a_late_flag_is_owed_only_to_members_opted_in_and_sharing_at_or_before_the_answer() -> None:
    """NU22 C3 (safety.late_flag_members): consent and the share both at or before the
    answer, as the owner signed them, by CLOCK_SKEW_MS at least (R37 F2: two devices'
    clocks); never to a member covered already."""
    at = 1_800_000_000_000
    m = CLOCK_SKEW_MS
    updated = datetime.fromtimestamp((at + 60_000) / 1000, tz=UTC)
    plan = SafetyPlan(
        "Personal",
        share_flags=True,
        flag_members=("aa", "bb", "cc"),
        flags_since=(("aa", at), ("bb", at + 1)),
        flags_stamp=at + 60_000,  # the plan's last change wrote flags_since
        updated_at=updated,
    )
    current = {"amy": ("aa", at), "bob": ("bb", at - 5), "cy": ("cc", at), "dan": ("dd", 0)}
    # amy: opted in and shared exactly the margin before the answer; bob opted in after
    # that; cy's opt-in time is unknown and the plan changed after it; dan was never opted in
    assert late_flag_members(plan, current, at + m, set()) == {"amy": "aa"}
    assert late_flag_members(plan, current, at + m, {"aa"}) == {}  # never twice
    assert late_flag_members(plan, {"amy": ("aa", at + 1)}, at + m, set()) == {}  # shared later
    # R37 F2: an answer less than the margin after the opt-in gets none (two clocks)
    assert late_flag_members(plan, current, at + m - 1, set()) == {}
    off = SafetyPlan("Personal", share_flags=False, flag_members=("aa",), updated_at=updated)
    assert late_flag_members(off, current, at + m, set()) == {}  # consent withdrawn since
    older = SafetyPlan("Personal", share_flags=True, updated_at=updated)  # every member
    assert late_flag_members(older, current, at + 60_000 + m, set()) == {
        "amy": "aa", "bob": "bb", "cy": "cc", "dan": "dd",
    }  # fmt: skip
    assert late_flag_members(older, current, at + 59_999 + m, set()) == {}
    # R37 F9: an opt-in given before the current membership began was for an earlier share
    assert late_flag_members(plan, {"amy": ("aa", at + 1)}, at + 10 * m, set()) == {}
    # R37 F8: the last change came from an app from before flags_since (no flags_stamp of
    # its own): flags_since may be stale, every opt-in counts from updated_at
    stale = replace(plan, flags_stamp=at)
    assert stale.opted_in_at("aa") == at + 60_000
    assert late_flag_members(stale, current, at + m, set()) == {}


def test_the_message_names_no_apps_commands_and_an_app_adds_its_own() -> None:
    """NU27 C17: a journaling app shows the message as it is, so it names no command of the
    CLI (a person in crisis was told to run `tj safety plan --text ...`); an app passes its
    own words (`SafetyHints`), as the CLI passes its commands."""
    plain = message_lines(None, None, "", [], withheld=withheld_line("Personal", ["drsmith"]))
    text = "\n".join(plain)
    assert "tj " not in text and "`" not in text and "--" not in text, text
    assert (
        "You have not written a safety plan here yet; you can make one with your therapist."
        in plain
    )
    assert plain[-1] == (  # REV-CLIN F6: shorter, said right after item 9 was answered
        "No safety flag was made for drsmith: your choice to send them safety flags was for "
        "an earlier share of Personal. "
        "To send them flags, choose again to send each of them safety flags."
    ), plain[-1]
    hints = SafetyHints(
        write_plan="`tj safety plan --text ...`",
        flags_again="`tj share {journal} {member} --role annotate --safety-flags`",
    )
    cli = message_lines(
        None,
        None,
        "",
        [],
        withheld=withheld_line("Personal", ["drsmith", "tom"], hints),
        hints=hints,
    )
    assert (
        "You have not written a safety plan here yet; you can make one with your therapist "
        "(`tj safety plan --text ...`)." in cli
    )
    assert cli[-1].endswith(
        "To send them flags, name them again: "
        "`tj share Personal drsmith --role annotate --safety-flags`; "
        "`tj share Personal tom --role annotate --safety-flags`."
    ), cli[-1]
    # everything else word for word the same: only the instruction differs
    assert plain[:3] == cli[:3] and plain[4:-1] == cli[4:-1]
    assert plan_line("Ring Jo.", hints) == plan_line("Ring Jo.") == "Your safety plan: Ring Jo."


def test_the_reads_only_line_names_no_apps_commands_and_an_app_adds_its_own() -> None:
    """The line for opted-in members who only read now (the read role) is app-neutral like
    the rest of the message (NU27 C17); `SafetyHints.annotate_again` adds the app's words."""
    plain = reads_only_line("Personal", ["drsmith"])
    assert "tj " not in plain and "`" not in plain and "--" not in plain, plain
    assert plain == (  # REV-CLIN F6: shorter, said right after item 9 was answered
        "No safety flag was made for drsmith, who only reads Personal now (the read role). "
        "Your choice to send them safety flags stands: give them the annotate role again and "
        "flags reach them for what is answered from then on."
    ), plain
    hints = SafetyHints(annotate_again="`tj share {journal} {member} --role annotate`")
    cli = reads_only_line("Personal", ["drsmith", "tom"], hints)
    assert "for drsmith, tom, who only read Personal now" in cli, cli
    assert cli.endswith(
        "from then on: `tj share Personal drsmith --role annotate`; "
        "`tj share Personal tom --role annotate`."
    ), cli


def test_the_no_flag_lines_shown_after_item_9_are_short_and_say_what_was_not_sent() -> None:
    """REV-CLIN F6: these lines are read by someone who has just answered item 9 above 0:
    what was not sent, why in one clause, and to act now; the device and clock detail is in
    the README ("Safety flags")."""
    assert no_flag_line("Personal", "around 2026-12-02 03:24", []) == (
        "No safety flag was sent: as of this device's last sync (around 2026-12-02 03:24), "
        "nobody you chose to send "
        "safety flags to reads 'Personal'. Flags chosen on another device may go at the next "
        "sync. If you want your therapist to know, tell them yourself. Do not wait for anyone: "
        "act on the message above now."
    )
    assert no_flag_line("Personal", "never synced", ["tom"]).startswith(
        "No safety flag was sent: as of this device's last sync (never synced), nobody you "
        "chose to send safety flags to (tom: no longer shared with) reads 'Personal'."
    )
    assert no_flag_before_line("Personal", "2026-12-01 09:00", ["tom"]) == (
        "No safety flag was sent: this answer is dated 2026-12-01 09:00, before tom could get "
        "safety flags for Personal. If you want them to know, tell them yourself. Do not wait for "
        "anyone: act on the message above now."
    )
    for key in ("flag_none", "flag_none_before", "flag_withheld", "flag_reads_only"):
        assert len(texts()[key]) <= 260, key  # were up to 560 characters


def test_act_now_is_said_once_under_several_no_flag_lines() -> None:
    """fix32a 2: the not-chosen line and the elsewhere line each end "Do not wait for anyone:
    act on the message above now." (each is read alone, as `SafetyResponse.no_flag` is); the
    message says it once, at the end of the last."""
    from client_sdk.safety import elsewhere_line, not_chosen_line

    act = texts()["act_now"]
    not_chosen = not_chosen_line("Therapy", ["drlee"])
    elsewhere = elsewhere_line("Therapy", {"drsmith": ["Personal"]}, nobody=False)
    assert elsewhere is not None
    assert not_chosen.endswith(act) and elsewhere.endswith(act)
    lines = message_lines(None, None, "", [], not_chosen=not_chosen, elsewhere=elsewhere)
    assert " ".join(lines).count(act) == 1, lines
    assert lines[-1] == elsewhere and lines[-2] == not_chosen.removesuffix(" " + act)
    # a no-flag line and the not-chosen line: once too
    none = no_flag_line("Therapy", "never synced", [])
    lines = message_lines(None, None, "", [], none, not_chosen=not_chosen)
    assert " ".join(lines).count(act) == 1 and lines[-1] == not_chosen, lines


def test_not_chosen_and_no_flag_lines_quote_the_journal_and_join_with_and() -> None:
    """fix32a 3: journals quoted as a shell would (as the elsewhere line does), members joined
    with "and"."""
    from client_sdk.safety import not_chosen_line

    assert not_chosen_line("My Work", ["drlee", "tom"]).startswith(
        "No safety flag was sent to drlee and tom, who read 'My Work': you have not chosen"
    )
    assert no_flag_line("My Work", "never synced", ["drlee", "tom"]).startswith(
        "No safety flag was sent: as of this device's last sync (never synced), nobody you "
        "chose to send safety flags to (drlee and tom: no longer shared with) reads 'My Work'."
    )
