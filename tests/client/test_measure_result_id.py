"""`client.measures.take(result_id=)`: a result's id chosen before the take (an app keeps it
with answers whose save failed, not knowing whether the result was stored first) makes
saving the same answers again return the stored result, never a second one. Real server on
127.0.0.1, real crypto."""

from __future__ import annotations

import pytest

from client_sdk import InvalidInput
from tests.conftest import ClientFactory

ANSWERS = [1, 1, 1, 1, 1, 1, 1, 1, 0]


async def test_a_result_id_given_twice_stores_one_result(signup: ClientFactory) -> None:
    ana = await signup("ana")
    chosen = ana.measures.new_result_id()
    first = await ana.measures.take("phq9", ANSWERS, result_id=chosen)
    again = await ana.measures.take("phq9", [3] * 9, result_id=chosen)
    assert first.result.id == again.result.id == chosen
    assert again.result.answers == tuple(ANSWERS)  # the stored one, as stored
    assert [r.id for r in await ana.measures.list()] == [chosen]


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


async def test_one_result_id_taken_on_two_devices_is_one_result_with_one_flag(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """An app retrying answers kept with their result id on another device (or a store that
    had not synced the first save) took the id again there: the two creations merge into one
    result, but each device's `respond` sealed a flag of its own, and the therapist read two
    flags for one result. The flag `respond` seals is now one document per result, under an
    id every device of the owner derives alike: the two seals merge into one flag, and both
    devices show the same one result."""
    from tests.client.sharing_support import share_with

    laptop, drsmith = await signup("ana"), await signup("drsmith")
    await share_with(laptop, drsmith, role="annotate")
    await laptop.safety.set_plan(share_flags=True, flags_for="drsmith")
    await laptop.sync()
    phone = await login("ana")
    await phone.sync()
    chosen = laptop.measures.new_result_id()
    answers = [1] * 8 + [3]
    first = await laptop.measures.take("phq9", answers, result_id=chosen)
    assert (await laptop.safety.respond(first.result)).flagged_to == ["drsmith"]
    await laptop.sync()
    again = await phone.measures.take("phq9", answers, result_id=chosen)  # not synced since
    assert (await phone.safety.respond(again.result)).flagged_to == ["drsmith"]
    for device in (phone, laptop, phone, drsmith):
        await device.sync()
    [flag] = await drsmith.safety.flags()
    assert (flag.result_id, flag.answer) == (chosen, 3)
    on_laptop, on_phone = await laptop.measures.list(), await phone.measures.list()
    assert [r.id for r in on_laptop] == [r.id for r in on_phone] == [chosen]
    assert on_laptop[0].taken_at == on_phone[0].taken_at
    assert len(await laptop.safety.flags()) == len(await phone.safety.flags()) == 1


async def test_a_member_one_device_named_keeps_their_flag_whichever_seal_the_merge_keeps(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """The two seals of one result's flag name different members (the phone knew an opt-in
    the laptop did not): the merged flag names one device's list. A member left out of it
    is not covered: the phone, which named them when the answer was given, seals their flag
    at its next sync. Each therapist reads one flag for the result."""
    from tests.client.sharing_support import share_with

    laptop, drsmith, drlee = await signup("ana"), await signup("drsmith"), await signup("drlee")
    await share_with(laptop, drsmith, role="annotate")
    await laptop.safety.set_plan(share_flags=True, flags_for="drsmith")
    await laptop.sync()
    phone = await login("ana")
    await phone.sync()
    await share_with(phone, drlee, role="annotate")
    await phone.safety.set_plan(share_flags=True, flags_for=["drsmith", "drlee"])
    chosen = laptop.measures.new_result_id()
    answers = [1] * 8 + [2]
    first = await laptop.measures.take("phq9", answers, result_id=chosen)
    assert (await laptop.safety.respond(first.result)).flagged_to == ["drsmith"]
    await laptop.sync()
    again = await phone.measures.take("phq9", answers, result_id=chosen)
    assert (await phone.safety.respond(again.result)).flagged_to == ["drlee", "drsmith"]
    for device in (phone, laptop, phone, laptop, drsmith, drlee):
        await device.sync()
    for therapist in (drsmith, drlee):
        [flag] = await therapist.safety.flags()
        assert flag.result_id == chosen
