"""The watch a device keeps of a safety item answered above 0 (`watch_answer`), so that the
sync that brings an opt-in or a share it did not know seals the flag owed: a questionnaire
stopped after the answer and later saved under its result id, in the same journal or
another, a stopped save, a changed answer, a crash before the flag was sealed. ana's laptop
makes the opt-in; her phone, not synced since, records the answer. Real server on loopback,
real crypto."""

from __future__ import annotations

import pytest

from client_sdk import Client
from tests.client.sharing_support import share_with
from tests.client.test_late_safety_flags import ITEM_9, answer_later, devices
from tests.conftest import ClientFactory, RunningServer


async def crash(*_: object, **__: object) -> None:
    raise RuntimeError("the process dies here")


async def opted_in_unseen(
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[Client, Client, Client]:
    """ "Personal" shared with drsmith (annotate), both devices synced; then the laptop opts
    him in to safety flags, which the phone has not seen; every clock moved past
    CLOCK_SKEW_MS, as a late flag needs. The laptop, the phone and drsmith."""
    laptop, phone, drsmith = await devices(signup, login)
    await share_with(laptop, drsmith, role="annotate")
    await laptop.sync()
    await phone.sync()
    await laptop.safety.set_plan(share_flags=True, flags_for="drsmith")
    await laptop.sync()
    answer_later(live_server, monkeypatch)
    return laptop, phone, drsmith


async def test_a_stopped_answer_keeps_its_late_flag_when_its_result_is_saved_in_another_journal(
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ana stops after item 9 = 3 on her phone (in "Personal", whose opt-in for drsmith the
    phone has not seen: no flag then), and the answers are saved under that result id into
    "Therapy" (shared with tom, opted in, known to the phone); the process stops before
    `respond`. The sync owes drsmith his flag in Personal, as if the phone had known the
    opt-in, and tom his in Therapy: the result's watch does not replace the answer's."""
    laptop, phone, drsmith = await devices(signup, login)
    tom = await signup("tom")
    await share_with(laptop, drsmith, role="annotate")
    await laptop.journals.create("Therapy")
    await share_with(laptop, tom, "Therapy", role="annotate")
    await laptop.safety.set_plan(journal="Therapy", share_flags=True, flags_for="tom")
    await laptop.sync()
    await phone.sync()
    await laptop.safety.set_plan(share_flags=True, flags_for="drsmith")  # unseen by the phone
    await laptop.sync()
    answer_later(live_server, monkeypatch)

    rid = phone.measures.new_result_id()
    response = await phone.safety.respond_to_answer("phq9", 9, 3, result_id=rid)
    assert response.flagged_to == []  # the phone does not know the opt-in yet
    await phone.measures.take("phq9", ITEM_9, journal="Therapy", result_id=rid)
    report = await phone.sync()
    assert sorted((f.journal, f.members) for f in report.late_flags) == [
        ("Personal", ("drsmith",)),
        ("Therapy", ("tom",)),
    ]
    await phone.sync()
    await drsmith.sync()
    assert [(f.journal, f.answer, f.result_id) for f in await drsmith.safety.flags()] == [
        ("ana/Personal", 3, "")
    ]
    await tom.sync()
    assert [(f.journal, f.answer, f.result_id) for f in await tom.safety.flags()] == [
        ("ana/Therapy", 3, rid)
    ]


async def test_a_save_stopped_after_its_watch_keeps_the_late_flag_of_the_stopped_answer(
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ana stops after item 9 = 3 on her phone (no flag: the opt-in unseen); saving the
    answers under that result id then stops after the watch, before the result is stored
    (a crash). The sync forgets the save (no result was kept) but not the stopped answer:
    drsmith gets its flag, without a score."""
    _, phone, drsmith = await opted_in_unseen(signup, login, live_server, monkeypatch)
    rid = phone.measures.new_result_id()
    assert (await phone.safety.respond_to_answer("phq9", 9, 3, result_id=rid)).flagged_to == []
    with monkeypatch.context() as dying:
        dying.setattr(phone.replica, "commit", crash)
        with pytest.raises(RuntimeError):
            await phone.measures.take("phq9", ITEM_9, result_id=rid)
    assert await phone.measures.list() == []
    report = await phone.sync()
    assert [(f.journal, f.members, f.result_id) for f in report.late_flags] == [
        ("Personal", ("drsmith",), "")
    ]
    await phone.sync()
    await drsmith.sync()
    assert [(f.answer, f.result_id) for f in await drsmith.safety.flags()] == [(3, "")]


async def test_a_stopped_answer_cut_off_before_its_flag_is_sealed_by_the_next_sync(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """The phone knows drsmith's opt-in, given a moment before (well within CLOCK_SKEW_MS);
    ana stops after item 9 = 2 and the process dies between noting the answer and sealing
    its flag. The flag was due by what the phone knew then: the next sync seals it (the
    clock-skew rule is for opt-ins another device's clock decided)."""
    laptop, phone, drsmith = await devices(signup, login)
    await share_with(laptop, drsmith, role="annotate")
    await laptop.safety.set_plan(share_flags=True, flags_for="drsmith")
    await laptop.sync()
    await phone.sync()
    assert (await phone.safety.plan()).flags_reach == ("drsmith",)
    with pytest.MonkeyPatch.context() as dying:
        dying.setattr(phone.replica, "commit", crash)
        with pytest.raises(RuntimeError):
            await phone.safety.respond_to_answer("phq9", 9, 2)
    report = await phone.sync()
    assert [f.members for f in report.late_flags] == [("drsmith",)]
    assert report.unflagged == []
    await phone.sync()
    await drsmith.sync()
    assert [(f.answer, f.result_id) for f in await drsmith.safety.flags()] == [(2, "")]


async def test_a_stopped_answer_changed_to_a_worse_one_is_flagged_with_the_worse(
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ana stops after item 9 = 1 on her phone (the opt-in unseen: no flag), resumes the
    same draft (one result id), changes item 9 to 3 and stops again. The sync that brings
    the opt-in seals drsmith a flag of 3, the answer she gave last, not 1."""
    _, phone, drsmith = await opted_in_unseen(signup, login, live_server, monkeypatch)
    rid = phone.measures.new_result_id()
    for answer in (1, 3):
        response = await phone.safety.respond_to_answer("phq9", 9, answer, result_id=rid)
        assert response.flagged_to == []
    report = await phone.sync()
    assert [f.members for f in report.late_flags] == [("drsmith",)]
    await phone.sync()
    await drsmith.sync()
    assert [(f.answer, f.result_id) for f in await drsmith.safety.flags()] == [(3, "")]


async def test_a_worse_result_after_a_late_flag_for_its_stopped_answer_gets_its_own_late_flag(
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ana stops after item 9 = 1 on her phone (the opt-in unseen); the sync that brings the
    opt-in seals drsmith a late flag of 1. The draft is then saved under that result id with
    item 9 = 3 and the process stops before `respond`: the next sync seals him a flag of 3
    (its own document: a late flag's id derives from the answer it carries), not skipped
    as the one already sealed."""
    _, phone, drsmith = await opted_in_unseen(signup, login, live_server, monkeypatch)
    rid = phone.measures.new_result_id()
    assert (await phone.safety.respond_to_answer("phq9", 9, 1, result_id=rid)).flagged_to == []
    report = await phone.sync()
    assert [(f.members, f.result_id) for f in report.late_flags] == [(("drsmith",), "")]
    await phone.measures.take("phq9", ITEM_9, result_id=rid)
    report = await phone.sync()
    assert [(f.members, f.result_id) for f in report.late_flags] == [(("drsmith",), rid)]
    assert (await phone.sync()).late_flags == []
    await drsmith.sync()
    flags = await drsmith.safety.flags()
    assert sorted((f.answer, f.result_id) for f in flags) == [(1, ""), (3, rid)]
