"""NU19 C2 in the SDK: `client.shares.undelivered` and `revoke(...).undelivered` say what a
member may not have received before their share ends (real server on loopback)."""

from __future__ import annotations

from client_sdk import EndedShares
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory


async def test_an_unacknowledged_flag_waiting_then_sent_then_lost_with_the_share(
    signup: ClientFactory,
) -> None:
    lea, drlee, other = await signup("lea"), await signup("drlee"), await signup("drtwo")
    await share_with(lea, drlee, role="annotate")
    await lea.safety.set_plan(share_flags=True, flags_for="drlee")
    await share_with(lea, other, role="annotate")  # a member the flag is not sealed for
    taken = await lea.measures.take("phq9", [0] * 8 + [2])
    response = await lea.safety.respond(taken.result)
    assert response.flagged_to == ["drlee"]

    [pending] = await lea.shares.undelivered("Personal", "drlee")
    assert (pending.kind, pending.id, pending.item, pending.answer, pending.score) == (
        "safety_flag", response.flag_id, 9, 2, 2,
    )  # fmt: skip
    assert pending.waiting  # not even sent yet
    # drtwo was not sent the flag, but reads the PHQ-9 with its item 9 in the journal
    [for_other] = await lea.shares.undelivered("Personal", "drtwo")
    assert (for_other.kind, for_other.id) == ("result", taken.result.id)
    await lea.sync()
    [sent] = await lea.shares.undelivered("Personal", "drlee")
    assert not sent.waiting
    assert await lea.shares.undelivered("Personal", "nobody") == []  # not a member

    ended = await lea.shares.revoke("Personal", "drlee")
    assert isinstance(ended, EndedShares) and ended == ["Personal"]
    assert [u.id for u in ended.undelivered] == [response.flag_id]
    await drlee.sync()
    assert await drlee.safety.flags() == []  # as said: it never reached them


async def test_an_acknowledged_flag_and_a_later_calm_phq9_leave_nothing_to_say(
    signup: ClientFactory,
) -> None:
    lea, drlee = await signup("lea"), await signup("drlee")
    await share_with(lea, drlee, role="annotate")
    await lea.safety.set_plan(share_flags=True)
    taken = await lea.measures.take("phq9", [0] * 8 + [1])
    await lea.safety.respond(taken.result)
    await lea.sync()
    await drlee.sync()
    [flag] = await drlee.safety.flags()
    await drlee.safety.acknowledge(flag.id)
    await drlee.sync()
    await lea.sync()
    assert await lea.shares.undelivered("Personal", "drlee") == []
    await lea.measures.take("phq9", [0] * 9)
    # drlee receives flags: narrowing stops them, which the SDK has the caller say (NU24 C13)
    narrowed = await lea.shares.grant("Personal", "drlee", only=["mood"], stop_flags=True)
    assert narrowed.ended == ("Personal",) and narrowed.undelivered == ()


async def test_a_result_with_its_answers_in_a_copy_kept_for_the_member_counts_too(
    signup: ClientFactory,
) -> None:
    omar, drlee = await signup("omar"), await signup("drlee")
    await share_with(omar, drlee, only=["mood", "answers"])  # no whole-journal share
    taken = await omar.measures.take("phq9", [0] * 8 + [3])
    [pending] = await omar.shares.undelivered("Personal", "drlee")
    assert (pending.kind, pending.name, pending.answer, pending.at) == (
        "result", "PHQ-9", 3, taken.result.taken_at,
    )  # fmt: skip
    # narrowing again ends no whole-journal share: nothing of the journal itself to say
    assert await omar.shares.undelivered("Personal", "drlee", copies=False) == []
    ended = await omar.shares.revoke("Personal", "drlee")
    assert len(ended) == 1 and [u.kind for u in ended.undelivered] == ["result"]


async def test_a_calm_retake_does_not_hide_the_item_9_answer_a_minute_before(
    signup: ClientFactory,
) -> None:
    """NU22 C1: the retake covers the same two weeks; the answer above 0 is still what the
    member may not have seen before their share ends."""
    lea, drlee = await signup("lea"), await signup("drlee")
    await share_with(lea, drlee, role="annotate")
    positive = await lea.measures.take("phq9", [1] * 8 + [1])
    await lea.measures.take("phq9", [1] * 8 + [0])
    [pending] = await lea.shares.undelivered("Personal", "drlee")
    assert (pending.kind, pending.id, pending.item, pending.answer) == (
        "result", positive.result.id, 9, 1,
    )  # fmt: skip
