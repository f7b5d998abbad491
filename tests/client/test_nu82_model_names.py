"""nu82 F2: the attributes of the SDK's objects mean what their `to_dict()` keys mean.
`SharedJournal.journal` was the owner's own name ("Personal"): passed to a call, it named
the therapist's own journal of that name, whose entries were then shown as the client's.
`SafetyFlag.answered_at` was None for a flag sealed as the answer was given (its JSON: a
time), and a `ScoreDifference`'s number was `.change` (its JSON: "difference"). Real
server on 127.0.0.1."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from client_sdk import InvalidInput, KeyChangedError, SharedJournal
from client_sdk.errors import FINGERPRINT_MISMATCH, KEYS_CHANGED
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory

ITEM_9 = [0, 0, 0, 0, 0, 0, 0, 0, 1]


async def test_a_shared_journals_journal_is_the_name_calls_take(signup: ClientFactory) -> None:
    ana, drlee = await signup("ana"), await signup("drlee")
    await drlee.entries.write("Personal", "The therapist's own private note.")
    await ana.entries.write("Personal", "Ana's entry.")
    await share_with(ana, drlee, full=True)
    await drlee.sync()
    [shared] = await drlee.shares.with_me()
    assert (shared.journal, shared.owner_journal_name) == ("ana/Personal", "Personal")
    assert [e.body for e in await drlee.entries.list(shared.journal)] == ["Ana's entry."]
    as_json = shared.to_dict()
    assert (as_json["journal"], as_json["owner_journal_name"]) == ("ana/Personal", "Personal")


def test_a_shared_journal_without_a_shown_name_is_named_by_its_owner() -> None:
    shared = SharedJournal("Personal", "ab" * 16, "ana", "read", None)
    assert shared.journal == shared.to_dict()["journal"] == "ana/Personal"


async def test_a_flag_sealed_as_the_answer_was_given_says_when_it_was_answered(
    signup: ClientFactory,
) -> None:
    ana, drlee = await signup("ana"), await signup("drlee")
    await share_with(ana, drlee, role="annotate", full=True, safety_flags=True)
    taken = await ana.measures.take("phq9", ITEM_9)
    await ana.safety.respond(taken.result)
    await ana.sync()
    await drlee.sync()
    [flag] = await drlee.safety.flags()
    assert (flag.answered_at, flag.sealed_later) == (flag.raised_at, False)
    assert flag.to_dict()["answered_at"] == flag.to_dict()["raised_at"]


async def test_a_score_differences_number_is_its_difference(signup: ClientFactory) -> None:
    ana = await signup("ana")
    await ana.measures.take("phq9", [1] * 9)
    taken = await ana.measures.take("phq9", [2] * 9)
    assert taken.change is not None
    assert (taken.change.earlier, taken.change.later, taken.change.difference) == (9, 18, 9)
    assert taken.change.to_dict()["difference"] == taken.change.difference


async def test_a_fingerprint_that_does_not_match_and_changed_keys_have_their_subjects(
    signup: ClientFactory,
) -> None:
    """nu82 F12: a KeyChangedError had no subject; an app told a typo from changed keys by
    `username` only."""
    ana, tom = await signup("ana"), await signup("tom")
    wrong = "1" * 30
    with pytest.raises(KeyChangedError) as typed:
        await ana.shares.grant("Personal", "tom", full=True, fingerprint=wrong)
    assert typed.value.subject == FINGERPRINT_MISMATCH
    with pytest.raises(KeyChangedError) as typed:
        await ana.shares.verify("tom", wrong)
    assert typed.value.subject == FINGERPRINT_MISMATCH
    await ana.shares.verify("tom", await tom.shares.fingerprint())
    assert KeyChangedError("other keys").subject == KEYS_CHANGED


async def test_an_entry_dated_before_1970_is_refused_in_the_callers_units(
    signup: ClientFactory,
) -> None:
    """nu82 F5: the refusal spoke of milliseconds, a unit the caller never passed."""
    ana = await signup("ana")
    with pytest.raises(InvalidInput) as refused:
        await ana.entries.write(None, "x", created_at=datetime(1, 1, 1, tzinfo=UTC))
    assert refused.value.subject == "value"
    assert "1970-01-01" in str(refused.value) and "millisecond" not in str(refused.value)
    assert await ana.entries.list() == []
