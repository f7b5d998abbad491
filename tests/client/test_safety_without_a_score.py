"""`client.safety.respond_to_answer`: an app asking item by item, whose client stops after
answering a safety item above 0 but before the form is complete. No result exists (a form
with missing answers has no valid total); for a client who opted in, a flag is sealed all the
same, without a score, reaches the therapist, and the client's brief lists it with who
acknowledged it. Real server on loopback, real crypto."""

from __future__ import annotations

import pytest

from client_sdk import InvalidInput
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory


async def test_a_stopped_questionnaire_seals_a_flag_without_a_score_and_the_brief_lists_it(
    signup: ClientFactory,
) -> None:
    ben, drsmith = await signup("ben"), await signup("drsmith")
    await share_with(ben, drsmith, role="annotate")
    await ben.safety.set_plan(emergency_number="999", plan="Ring Jo.", share_flags=True)
    response = await ben.safety.respond_to_answer("phq9", 9, 2)
    assert response.flagged_to == ["drsmith"] and response.flag_id is not None
    assert any("999" in line for line in response.lines)
    assert await ben.measures.list() == []  # no score without every answer
    await ben.sync()
    assert not await ben.safety.waiting(response.flag_id)

    await drsmith.sync()
    [flag] = await drsmith.safety.flags()
    assert (flag.id, flag.owner, flag.item, flag.answer) == (response.flag_id, "ben", 9, 2)
    assert flag.result_id == ""
    await drsmith.safety.acknowledge(flag.id)
    await drsmith.sync()

    await ben.sync()
    brief = await ben.briefs.prepare(journals=["Personal"])
    [raised] = brief.safety_flags
    assert (raised["scored"], raised["item"]) == (False, 9)
    assert [a["by"] for a in raised["acknowledged"]] == ["drsmith"]
    text = " ".join(brief.text().split())
    assert "(questionnaire stopped after it: no score): acknowledged by drsmith" in text


async def test_only_a_safety_item_answered_above_0_can_seal_a_flag(signup: ClientFactory) -> None:
    ben = await signup("ben")
    for measure, item, answer in (("phq9", 8, 2), ("phq9", 9, 0), ("phq9", 9, 4), ("gad7", 7, 1)):
        with pytest.raises(InvalidInput):
            await ben.safety.respond_to_answer(measure, item, answer)
    assert await ben.safety.flags() == [] and await ben.pending() == 0


async def test_without_opt_in_nothing_is_sealed_and_the_message_is_still_given(
    signup: ClientFactory,
) -> None:
    ben, drsmith = await signup("ben"), await signup("drsmith")
    await share_with(ben, drsmith, role="annotate")
    await ben.safety.set_plan(emergency_number="999", plan="Ring Jo.")
    response = await ben.safety.respond_to_answer("phq9", 9, 1)
    assert (response.flagged_to, response.flag_id) == ([], None)
    assert any("999" in line for line in response.lines)
    assert await ben.safety.flags() == []
