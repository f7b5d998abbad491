"""rev-c: merging a member's several `Recipient` rows into one answer is SDK logic
(`undelivered.recipients_by_member`), which `tj` words (cli/output.by_receipt)."""

from __future__ import annotations

from cli import output
from client_sdk import MemberReceipt, recipients_by_member
from client_sdk.undelivered import MAY_HAVE, NOT_SENT, SEEN_LATER, Recipient, recipients_by_state


def rows() -> list[Recipient]:
    return [
        Recipient("tom", "Personal", False, NOT_SENT),
        Recipient("drsmith", "Shared with drsmith", True, NOT_SENT),
        Recipient("drsmith", "Personal (mood) for drsmith", True, MAY_HAVE),
        Recipient("tom", "Personal (mood) for tom", True, SEEN_LATER),
        Recipient("eve", "Personal", False, NOT_SENT),
    ]


def test_each_member_once_under_the_most_certain_state_with_the_copies_named() -> None:
    assert recipients_by_member(rows()) == [
        MemberReceipt("drsmith", MAY_HAVE, ("Personal (mood) for drsmith", "Shared with drsmith")),
        MemberReceipt("eve", NOT_SENT),
        MemberReceipt("tom", SEEN_LATER),  # reads Personal itself: no copy named
    ]
    assert list(recipients_by_state(rows())) == [SEEN_LATER, MAY_HAVE, NOT_SENT]
    assert recipients_by_member([]) == [] and recipients_by_state([]) == {}


def test_the_cli_words_the_sdks_grouping() -> None:
    assert output.by_receipt(rows()) == {
        "seen_later": ["tom"],
        "may_have": ["drsmith (through 'Personal (mood) for drsmith' and 'Shared with drsmith')"],
        "not_sent": ["eve"],
    }
