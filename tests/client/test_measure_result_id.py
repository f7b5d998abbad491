"""`client.measures.take(result_id=)`: a result's id chosen before the take (an app keeps it
with answers whose save failed, not knowing whether the result was stored first) makes
saving the same answers again return the stored result, never a second one. Real server on
127.0.0.1, real crypto."""

from __future__ import annotations

import pytest

from client_sdk import InvalidInput
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory

ANSWERS = [1, 1, 1, 1, 1, 1, 1, 1, 0]


async def test_a_result_id_given_twice_stores_one_result(signup: ClientFactory) -> None:
    ana = await signup("ana")
    chosen = ana.measures.new_result_id()
    first = await ana.measures.take("phq9", ANSWERS, result_id=chosen, unscored=1)
    again = await ana.measures.take("phq9", ANSWERS, result_id=chosen, unscored=1)
    assert first.result.id == again.result.id == chosen
    assert again.result.taken_at == first.result.taken_at  # the stored one, as stored
    assert [r.id for r in await ana.measures.list()] == [chosen]


async def test_a_result_id_holding_other_answers_is_refused(signup: ClientFactory) -> None:
    ana = await signup("ana")
    chosen = ana.measures.new_result_id()
    await ana.measures.take("phq9", ANSWERS, result_id=chosen, unscored=1)
    for answers, unscored in (([3] * 9, 1), (ANSWERS, 2), (ANSWERS, None)):
        with pytest.raises(InvalidInput, match="saved before with other answers") as refused:
            await ana.measures.take("phq9", answers, result_id=chosen, unscored=unscored)
        assert refused.value.subject == "result id"
    [kept] = await ana.measures.list()
    assert (kept.id, kept.answers, kept.unscored) == (chosen, tuple(ANSWERS), 1)


async def test_a_result_id_of_another_kind_measure_journal_or_account_is_refused(
    signup: ClientFactory,
) -> None:
    ana, ben = await signup("ana"), await signup("ben")
    for wrong in ("nothex", "00" * 16, ben.measures.new_result_id()):
        with pytest.raises(InvalidInput, match="not a result id"):
            await ana.measures.take("phq9", ANSWERS, result_id=wrong)
    chosen = ana.measures.new_result_id()
    await ana.measures.take("phq9", ANSWERS, result_id=chosen)
    with pytest.raises(InvalidInput, match="another measure"):
        await ana.measures.take("gad7", [1] * 7, result_id=chosen)
    await ana.journals.create("Work")
    with pytest.raises(InvalidInput, match="saved in another journal"):
        await ana.measures.take("phq9", ANSWERS, journal="Work", result_id=chosen)
    await ana.measures.delete(chosen)
    with pytest.raises(InvalidInput, match="then deleted"):
        await ana.measures.take("phq9", ANSWERS, result_id=chosen)
    entry = await ana.entries.write(None, "Tuesday.")
    with pytest.raises(InvalidInput, match="another record's"):
        await ana.measures.take("phq9", ANSWERS, result_id=entry.id)
    assert await ana.measures.list() == []


async def test_a_flag_without_a_score_names_only_a_result_id_of_this_account(
    signup: ClientFactory,
) -> None:
    ana, ben = await signup("ana"), await signup("ben")
    for wrong in ("nothex", ben.measures.new_result_id()):
        with pytest.raises(InvalidInput, match="not a result id"):
            await ana.safety.respond_to_answer("phq9", 9, 2, result_id=wrong)


async def test_a_worse_item9_saved_under_a_scoreless_flags_id_gets_its_own_flag(
    signup: ClientFactory,
) -> None:
    """A flag sealed without a score for item 9 = 1 under a result id covers the result
    saved under it only for an answer as high: a 3 since gets a flag of its own, so what
    `respond` tells the client ("a safety flag was made for drlee") is true."""
    fay, drlee = await signup("fay"), await signup("drlee")
    await share_with(fay, drlee, role="annotate")
    await fay.safety.set_plan(share_flags=True, flags_for="drlee")
    rid = fay.measures.new_result_id()
    await fay.safety.respond_to_answer("phq9", 9, 1, result_id=rid)
    await fay.sync()
    await drlee.sync()
    [flag] = await drlee.safety.flags()
    await drlee.safety.acknowledge(flag.id)
    await drlee.sync()
    taken = await fay.measures.take("phq9", [0] * 8 + [3], result_id=rid)
    second = await fay.safety.respond(taken.result)
    assert second.flagged_to == ["drlee"] and second.flag_id is not None
    await fay.sync()
    await drlee.sync()
    assert sorted(f.answer for f in await drlee.safety.flags()) == [1, 3]
    again = await fay.safety.respond(taken.result)  # the 3 is covered now: no third flag
    assert again.flag_id is None
    await fay.sync()
    await drlee.sync()
    assert sorted(f.answer for f in await drlee.safety.flags()) == [1, 3]
