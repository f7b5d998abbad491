"""The watch a device keeps of a safety item answered above 0 (`watch_answer`), so that the
sync that brings an opt-in or a share it did not know seals the flag owed: a questionnaire
stopped after the answer and later saved under its result id, in the same journal or
another, a stopped save, a changed answer, a crash before the flag was sealed. ana's laptop
makes the opt-in; her phone, not synced since, records the answer. Also: the flag carries
what the stored result says (a save tried again with item 9 at 0 owes none); deleting the
result saved under a stopped answer's id withdraws the stopped answer's flag when it carried
that answer; a result's flag stands for the stopped answer under its id, and the two are
told once when they got no flag. Real server on loopback, real crypto."""

from __future__ import annotations

import pytest

from client_sdk import Client, safety_path
from client_sdk.safety import FLAG_WATCH
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


async def opted_in_just_now(
    signup: ClientFactory, login: ClientFactory
) -> tuple[Client, Client, Client]:
    """As `opted_in_unseen`, the clocks left as they are: an answer given on the phone now
    comes within CLOCK_SKEW_MS of the opt-in, which owes no late flag and is told instead
    (`SyncReport.unflagged`)."""
    laptop, phone, drsmith = await devices(signup, login)
    await share_with(laptop, drsmith, role="annotate")
    await laptop.sync()
    await phone.sync()
    await laptop.safety.set_plan(share_flags=True, flags_for="drsmith")
    await laptop.sync()
    return laptop, phone, drsmith


async def test_a_stopped_answer_just_after_an_opt_in_made_elsewhere_is_told_once_it_got_no_flag(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """The laptop opts drsmith in; the phone, not synced since, records only a stopped
    questionnaire's answer (item 9 = 3) a moment later. The sync that brings the opt-in
    seals no flag (the clock-skew rule) and says so once, as it does for a result."""
    _, phone, drsmith = await opted_in_just_now(signup, login)
    assert (await phone.safety.respond_to_answer("phq9", 9, 3)).flagged_to == []
    report = await phone.sync()
    assert report.late_flags == []
    assert [(u.members, u.result_id) for u in report.unflagged] == [(("drsmith",), "")]
    assert (await phone.sync()).unflagged == []
    await drsmith.sync()
    assert await drsmith.safety.flags() == []


async def test_a_draft_saved_under_its_id_just_after_an_opt_in_is_told_once_as_one_answer(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """The phone (the opt-in made on the laptop a moment before, unseen) stops after item
    9 = 3, then saves the same answers under the draft's id in the same journal: one
    answer, given within CLOCK_SKEW_MS of the opt-in, told once (as the result), never a
    second time for the stopped answer."""
    _, phone, _ = await opted_in_just_now(signup, login)
    rid = phone.measures.new_result_id()
    assert (await phone.safety.respond_to_answer("phq9", 9, 3, result_id=rid)).flagged_to == []
    taken = await phone.measures.take("phq9", ITEM_9, result_id=rid)
    assert (await phone.safety.respond(taken.result)).flagged_to == []
    report = await phone.sync()
    assert report.late_flags == []
    assert [(u.members, u.result_id) for u in report.unflagged] == [(("drsmith",), rid)]
    assert (await phone.sync()).unflagged == []


async def nothing(*_: object, **__: object) -> list[object]:
    return []


async def test_a_crash_after_the_flag_of_a_result_saved_under_a_stopped_answers_id_seals_no_second(
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ana stops after item 9 = 3 on her phone (the opt-in unseen: no flag), keeping the
    draft's result id. A sync brings the opt-in but is cut off before its late-flag step (a
    quick sync's time limit). She finishes the draft with the same answers under that id;
    `respond` seals drsmith's flag for the result and the process dies before noting it.
    That flag stands for the stopped answer too: the next syncs seal none, and drsmith
    holds one flag, the result's."""
    _, phone, drsmith = await opted_in_unseen(signup, login, live_server, monkeypatch)
    rid = phone.measures.new_result_id()
    assert (await phone.safety.respond_to_answer("phq9", 9, 3, result_id=rid)).flagged_to == []
    with monkeypatch.context() as cut:
        cut.setattr(phone.safety, "_seal_missed", nothing)
        await phone.sync()
    assert (await phone.safety.plan()).flags_reach == ("drsmith",)
    taken = await phone.measures.take("phq9", ITEM_9, result_id=rid)
    with monkeypatch.context() as dying:
        dying.setattr("client_sdk.safety_path._cover", crash)
        with pytest.raises(RuntimeError):
            await phone.safety.respond(taken.result)
    assert (await phone.sync()).late_flags == []
    assert (await phone.sync()).late_flags == []
    await drsmith.sync()
    assert [(f.answer, f.result_id) for f in await drsmith.safety.flags()] == [(3, rid)]


async def test_deleting_the_result_saved_under_a_stopped_answers_id_withdraws_its_late_flag(
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ana stops after item 9 = 1 on her phone (the opt-in unseen: no flag), finishes the
    draft under its id in the same journal with item 9 = 3, then deletes that result
    before the phone syncs: she withdrew those answers, the stopped one with them. No
    late flag, nothing told, nothing left watched."""
    _, phone, drsmith = await opted_in_unseen(signup, login, live_server, monkeypatch)
    rid = phone.measures.new_result_id()
    assert (await phone.safety.respond_to_answer("phq9", 9, 1, result_id=rid)).flagged_to == []
    taken = await phone.measures.take("phq9", ITEM_9, result_id=rid)
    assert (await phone.safety.respond(taken.result)).flagged_to == []
    await phone.measures.delete(rid)
    report = await phone.sync()
    assert (report.late_flags, report.unflagged) == ([], [])
    assert await phone.replica.store.setting(FLAG_WATCH) == "[]"
    await phone.sync()
    await drsmith.sync()
    assert await drsmith.safety.flags() == []


async def test_a_deleted_result_withdraws_no_stopped_answer_it_did_not_carry(
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Three drafts on ana's phone (the opt-in unseen), each stopped after a safety answer in
    Personal and a result under its id deleted: the first saved with item 9 changed down to
    1 (the 3 she stopped at was never in what she deleted), the second saved into another
    journal (deleted there), the third deleted before she stopped after item 9 = 1 under
    its id. None of the stopped answers was withdrawn: each keeps its late flag, without a
    score."""
    _, phone, drsmith = await opted_in_unseen(signup, login, live_server, monkeypatch)
    await phone.journals.create("Therapy")
    weaker, elsewhere, before = (phone.measures.new_result_id() for _ in range(3))
    assert (await phone.safety.respond_to_answer("phq9", 9, 3, result_id=weaker)).flagged_to == []
    await phone.measures.take("phq9", [0] * 8 + [1], result_id=weaker)
    await phone.measures.delete(weaker)
    response = await phone.safety.respond_to_answer("phq9", 9, 2, result_id=elsewhere)
    assert response.flagged_to == []
    await phone.measures.take("phq9", ITEM_9, journal="Therapy", result_id=elsewhere)
    await phone.measures.delete(elsewhere)
    await phone.measures.take("phq9", ITEM_9, result_id=before)
    await phone.measures.delete(before)
    later = safety_path.now_ms() + 1  # the answer after the delete
    monkeypatch.setattr("client_sdk.safety_path.now_ms", lambda: later)
    assert (await phone.safety.respond_to_answer("phq9", 9, 1, result_id=before)).flagged_to == []
    report = await phone.sync()
    assert sorted((f.journal, f.result_id) for f in report.late_flags) == [("Personal", "")] * 3
    await phone.sync()
    await drsmith.sync()
    flags = await drsmith.safety.flags()
    assert sorted((f.journal, f.answer, f.result_id) for f in flags) == [
        ("ana/Personal", 1, ""),
        ("ana/Personal", 2, ""),
        ("ana/Personal", 3, ""),
    ]


async def test_a_save_tried_again_with_item_9_at_0_leaves_no_flag_of_the_first_try(
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On ana's phone (the opt-in unseen) two saves of answers with item 9 = 3 die after
    their watch, before the result is stored; she corrects item 9 to 0 and each is saved
    again under its id, the second one a draft she had stopped after item 9 = 2. The stored
    results have no safety answer: no flag claims one for them; the stopped answer keeps
    its own flag, without a score."""
    _, phone, drsmith = await opted_in_unseen(signup, login, live_server, monkeypatch)
    plain, draft = phone.measures.new_result_id(), phone.measures.new_result_id()
    assert (await phone.safety.respond_to_answer("phq9", 9, 2, result_id=draft)).flagged_to == []
    for rid in (plain, draft):
        with monkeypatch.context() as dying:
            dying.setattr(phone.replica, "commit", crash)
            with pytest.raises(RuntimeError):
                await phone.measures.take("phq9", ITEM_9, result_id=rid)
        taken = await phone.measures.take("phq9", [0] * 9, result_id=rid)
        assert not taken.result.safety_concern
    report = await phone.sync()
    assert [(f.members, f.result_id) for f in report.late_flags] == [(("drsmith",), "")]
    await phone.sync()
    await drsmith.sync()
    flags = await drsmith.safety.flags()
    assert [(f.answer, f.result_id) for f in flags] == [(2, "")]


@pytest.mark.parametrize("again", [3, 1])
async def test_a_stopped_answer_given_again_after_its_result_was_deleted_keeps_its_flag(
    again: int,
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ana (phone, drsmith's opt-in unseen) stops after item 9 = 3 under rid, saves it under
    rid, deletes that result (withdrawn), then resumes the draft the app kept with rid and
    stops after item 9 again (`again`), after the delete, still offline. That answer was
    not in what she deleted: drsmith gets a flag for it, without a score."""
    _, phone, drsmith = await opted_in_unseen(signup, login, live_server, monkeypatch)
    rid = phone.measures.new_result_id()
    assert (await phone.safety.respond_to_answer("phq9", 9, 3, result_id=rid)).flagged_to == []
    taken = await phone.measures.take("phq9", ITEM_9, result_id=rid)
    assert (await phone.safety.respond(taken.result)).flagged_to == []
    await phone.measures.delete(rid)
    later = safety_path.now_ms() + 1  # the answer given again after the delete
    monkeypatch.setattr("client_sdk.safety_path.now_ms", lambda: later)
    response = await phone.safety.respond_to_answer("phq9", 9, again, result_id=rid)
    assert response.flagged_to == []
    report = await phone.sync()
    assert [(f.journal, f.result_id) for f in report.late_flags] == [("Personal", "")]
    await phone.sync()
    await drsmith.sync()
    flags = await drsmith.safety.flags()
    assert [(f.answer, f.result_id) for f in flags] == [(again, "")]


@pytest.mark.parametrize("laptop_ahead_ms", [60_000, -1])
async def test_a_stopped_answer_after_a_delete_on_a_device_whose_clock_is_ahead_keeps_its_flag(
    laptop_ahead_ms: int,
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The phone's save under rid fails after the result was stored (the app keeps the answers
    with rid, as take's docstring says); the result syncs to the laptop. The laptop opts
    drsmith in, then deletes that result, its clock a minute ahead of the phone's (or 1 ms
    behind). After the delete ana resumes the draft on the phone (not synced since) and
    stops after item 9 = 3 under rid: that answer is not in what she deleted, whichever
    device's clock runs ahead (no delete time from another device decides it)."""
    laptop, phone, drsmith = await devices(signup, login)
    await share_with(laptop, drsmith, role="annotate")
    await laptop.sync()
    await phone.sync()
    rid = phone.measures.new_result_id()

    async def dies(*_: object, **__: object) -> None:
        raise RuntimeError("the process dies after the result is stored")

    with monkeypatch.context() as dying:
        dying.setattr(phone.measures._sharing, "mirror", dies)
        with pytest.raises(RuntimeError):
            await phone.measures.take("phq9", ITEM_9, result_id=rid)
    await phone.sync()
    await laptop.sync()
    await laptop.safety.set_plan(share_flags=True, flags_for="drsmith")
    await laptop.sync()
    answer_later(live_server, monkeypatch)
    phone_now = safety_path.now_ms()
    monkeypatch.setattr("client_sdk.measures.now_ms", lambda: phone_now + laptop_ahead_ms)
    await laptop.measures.delete(rid)
    await laptop.sync()
    response = await phone.safety.respond_to_answer("phq9", 9, 3, result_id=rid)  # after it
    assert response.flagged_to == []  # the phone has not seen the opt-in
    report = await phone.sync()
    assert [(f.journal, f.result_id) for f in report.late_flags] == [("Personal", "")]
    await phone.sync()
    await drsmith.sync()
    assert [(f.answer, f.result_id) for f in await drsmith.safety.flags()] == [(3, "")]


@pytest.mark.parametrize("again", [3, 1])
async def test_a_stopped_answer_given_again_after_an_opt_in_made_elsewhere_gets_its_flag(
    again: int,
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ana stops after item 9 = 3 on her phone under the draft's id before anyone is opted
    in (no flag owed). The laptop then opts drsmith in (unseen by the phone). Well past
    CLOCK_SKEW_MS later she resumes the draft on the phone and stops after item 9 again
    (`again`) under the same id: the flag respond_to_answer would have sealed at once,
    had the phone known the opt-in, is sealed by the sync that brings it."""
    laptop, phone, drsmith = await devices(signup, login)
    await share_with(laptop, drsmith, role="annotate")
    await laptop.sync()
    await phone.sync()
    rid = phone.measures.new_result_id()
    assert (await phone.safety.respond_to_answer("phq9", 9, 3, result_id=rid)).flagged_to == []
    await laptop.safety.set_plan(share_flags=True, flags_for="drsmith")
    await laptop.sync()
    answer_later(live_server, monkeypatch)
    response = await phone.safety.respond_to_answer("phq9", 9, again, result_id=rid)
    assert response.flagged_to == []  # the phone has not seen the opt-in
    report = await phone.sync()
    assert [(f.journal, f.result_id) for f in report.late_flags] == [("Personal", "")]
    assert (await phone.sync()).late_flags == []
    await drsmith.sync()
    assert [(f.answer, f.result_id) for f in await drsmith.safety.flags()] == [(again, "")]


async def test_a_stopped_answer_given_again_weaker_gets_one_flag_with_the_worse(
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ana stops after item 9 = 3 on her phone (the opt-in unseen), resumes the draft under
    its id and stops again after item 9 = 1: both answers are owed drsmith's flag, and he
    gets one, carrying the worse, which stands for the other; none at the next sync."""
    _, phone, drsmith = await opted_in_unseen(signup, login, live_server, monkeypatch)
    rid = phone.measures.new_result_id()
    assert (await phone.safety.respond_to_answer("phq9", 9, 3, result_id=rid)).flagged_to == []
    assert (await phone.safety.respond_to_answer("phq9", 9, 1, result_id=rid)).flagged_to == []
    report = await phone.sync()
    assert [(f.members, f.result_id) for f in report.late_flags] == [(("drsmith",), "")]
    assert (await phone.sync()).late_flags == []
    await drsmith.sync()
    assert [(f.answer, f.result_id) for f in await drsmith.safety.flags()] == [(3, "")]
