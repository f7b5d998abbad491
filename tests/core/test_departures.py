"""The departures kept for the owner's next sync (client_sdk/departures.py): what a store
setting holds is read back, and anything unreadable is nothing pending, never an error that
would stop every later sync."""

from __future__ import annotations

from dataclasses import replace

from client_sdk import Journal, SharedJournal, departures
from client_sdk.departures import Departure, Pending

JOURNAL = "ab" * 16


def test_what_is_kept_reads_back() -> None:
    kept = Pending([JOURNAL], [Departure("drsmith", "Personal", JOURNAL, departures.LEFT)])
    assert departures.decode(kept.encode()) == kept
    assert not kept.empty and Pending([], []).empty


def test_unreadable_settings_are_nothing_pending() -> None:
    for raw in (None, 3, "not json", "[1]", '{"journals": 5, "told": {}}'):
        assert departures.decode(raw).empty
    raw = (
        '{"journals": ["zz", "' + JOURNAL.upper() + '", 3, "' + JOURNAL + '"], "told": '
        '[{"member": "a", "journal": "J", "journal_id": "x", "reason": "left"}, {"member": 1}]}'
    )
    assert departures.decode(raw) == Pending([JOURNAL], [Departure("a", "J", "x", "left")])


def test_the_line_says_whose_word_it_is() -> None:
    left = Departure("drsmith", "Personal", JOURNAL, departures.LEFT)
    assert str(left).startswith(
        "drsmith no longer reads Personal: the server says they left the share (not signed by "
        "them); this device removed them"
    )
    erased = Departure("drsmith", "Personal", JOURNAL, departures.ERASED)
    assert "the server says their account was deleted; this device removed them" in str(erased)
    unknown = Departure("drsmith", "Personal", JOURNAL, departures.UNKNOWN)
    assert (
        "drsmith no longer reads Personal: the server no longer serves them and did not say "
        "why; this device removed them"
    ) in str(unknown)


def test_one_notice_per_member_and_journal_the_later_wins() -> None:
    kept = Pending([], [Departure("drsmith", "Personal", JOURNAL, departures.UNKNOWN)])
    kept.add([Departure("drsmith", "Personal", JOURNAL, departures.LEFT)])
    kept.add([Departure("drsmith", "Work", "cd" * 16, departures.LEFT)])
    assert kept.told == [
        Departure("drsmith", "Personal", JOURNAL, departures.LEFT),
        Departure("drsmith", "Work", "cd" * 16, departures.LEFT),
    ]


def test_an_ended_share_reads_back_with_its_time_and_owner() -> None:
    told = Departure("tom", "Personal", JOURNAL, departures.EXPIRED, 1_796_239_541_314, "ana")
    kept = Pending([], [told])
    assert departures.decode(kept.encode()) == kept
    assert (
        str(told) == "ana's share of 'Personal' with you ended (its end date, 2026-12-02 19:25 UTC)"
    )
    mine = Departure("tom", "Personal", JOURNAL, departures.EXPIRED, 1_796_239_541_314)
    assert str(mine).startswith("your share of Personal with tom ended (its end date, 2026-12-02")
    # A time no date holds, or a field of the wrong type, is read as nothing: never an error.
    odd = Departure("tom", "P", JOURNAL, departures.REMOVED, 2**62, "ana")
    assert str(odd) == f"ana stopped sharing 'P' with you ({2**62} ms)"
    raw = (
        '{"journals": [], "told": [{"member": "a", "journal": "J", "journal_id": "x", '
        '"reason": "end date", "at": "soon", "owner": 5}]}'
    )
    assert departures.decode(raw).told == [Departure("a", "J", "x", "end date")]


def test_a_share_ended_from_one_of_the_owners_devices_says_so_without_naming_the_device() -> None:
    """NU21 C4: "from one of your devices", true on the device that signed the removal (its
    reply lost) as on the others; a field-level copy is named by its source and fields."""
    told = Departure("drsmith21", "Personal", JOURNAL, departures.UNSHARED, 1_796_239_541_314)
    assert departures.decode(Pending([], [told]).encode()).told == [told]
    assert str(told) == (
        "Personal is no longer shared with drsmith21: the share was ended from one of your "
        "devices (2026-12-02 19:25 UTC)"
    )
    copy = replace(told, journal="Personal (mood, body) for drsmith21")
    # a name of several words quoted, as every message names it (NU61 F11)
    assert str(copy).startswith("'Personal (mood, body) for drsmith21' is no longer shared")
    copy = replace(copy, source="Personal", fields=("mood", "body"))
    assert str(copy) == (
        "drsmith21 no longer reads the mood and text of Personal (a copy kept for them): the "
        "share was ended from one of your devices (2026-12-02 19:25 UTC)"
    )
    mine = Departure("tom", "Personal", JOURNAL, departures.EXPIRED, 1_796_239_541_314)
    assert "one of your devices removed them" in str(mine) and "this device" not in str(mine)


def test_new_terms_told_from_another_device_say_what_changed() -> None:
    """`Departure.terms_change`, and `describe` of a change made from one of the owner's
    devices: the role, the end date, both joined, or neither (NU26 C5)."""
    ends = {0: "no end date", 1_000: "DATE"}.__getitem__
    base = Departure("tom", "Personal", JOURNAL, departures.CHANGED, at=1_000)
    role = replace(base, was_role="read", role="annotate")
    end = replace(base, was_until=0, until=1_000)
    both = replace(role, was_until=0, until=1_000)
    assert role.terms_change(ends) == "from read to annotate"
    assert end.terms_change(ends) == "its end from no end date to DATE"
    assert both.terms_change(ends) == "from read to annotate, and its end from no end date to DATE"
    assert base.terms_change(ends) == "the same terms"
    assert both.describe(lambda at: "WHEN", ends) == (
        "tom's share of Personal was given new terms from one of your devices (WHEN): from "
        "read to annotate, and its end from no end date to DATE"
    )
    assert end.end_change(ends, ", and ") == ", and changed its end from no end date to DATE"
    assert base.end_change(ends, ", and ") == ""


def test_a_member_is_told_the_journal_by_its_quoted_name_in_every_sentence() -> None:
    """NU32 #6: the SDK's sentences to a member quote the journal's name, as `tj`'s notices
    do since NU32 #7 ("ana shared 'Shared with drsmith' with you"): the "no longer served"
    one too, which read "the server no longer serves ana's Shared with drsmith to you"."""
    at = 1_796_239_541_314
    name = "Shared with drsmith"
    told = {
        reason: Departure("drsmith", name, JOURNAL, reason, at, "ana").describe()
        for reason in (
            departures.UNLISTED,
            departures.RELISTED,
            departures.REMOVED,
            departures.EXPIRED,
            departures.SHARED,
            departures.RETURNED,
            departures.DROPPED,
        )
    }
    assert told[departures.UNLISTED].startswith(
        "the server no longer serves ana's 'Shared with drsmith' to you (2026-12-02 19:25 UTC): "
    )
    assert told[departures.RELISTED].startswith(
        "the server serves ana's 'Shared with drsmith' to you again ("
    )
    for reason, sentence in told.items():
        assert f"'{name}'" in sentence, (reason, sentence)
    narrowed = Departure(
        "drsmith", name, JOURNAL, departures.NARROWED, at, "ana", was_role="annotate", role="read"
    )
    assert narrowed.describe().startswith("ana made your share of 'Shared with drsmith' read-only")


def test_an_ended_share_is_named_in_one_set_of_words_for_every_app() -> None:
    """NU32 #6: examples/therapist_overview.py printed a journal's role, "revoked", where `tj
    shared-with-me` said "no longer served (read-only copy)": the device cannot know that the
    owner revoked a share the server stopped serving. `Journal.access` and
    `SharedJournal.access` are the one source of those words."""
    journal = Journal("ab" * 16, "ana/Personal", "revoked", "cd" * 16, "ana", unlisted=True)
    shared = SharedJournal("Personal", "ab" * 16, "ana", "revoked", None, False, True, True)
    assert journal.access == shared.access == "no longer served (read-only copy)"
    assert "revoked" not in journal.access
    signed_end = Journal("ab" * 16, "ana/Personal", "revoked", "cd" * 16, "ana")
    assert signed_end.access == "share ended (read-only copy)"
    assert replace(shared, unlisted=False).access == "share ended (read-only copy)"
    gone = Journal("ab" * 16, "Personal", "revoked", "cd" * 16, "tom", own=True)
    assert gone.access == "gone from the server (read-only copy)"
    live = Journal("ab" * 16, "ana/Personal", "annotate", "cd" * 16, "ana")
    assert (live.access, replace(shared, role="read", read_only_copy=False).access) == (
        "annotate",
        "read",
    )
    assert Journal("ab" * 16, "Personal", "owner", "cd" * 16, "tom", own=True).access == "owner"
