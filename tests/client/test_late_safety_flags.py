"""NU22 C3: a safety item answered above 0 on a device that had not yet seen the opt-in or
the share (made on another device of the client a moment before) gets its flag sealed by the
sync that brings them, decided from what the owner signed only; never for an answer given
before the opt-in, never twice, never to a share that began or ended after the answer; and
the safety message says why no flag was sent. Real server on loopback, two devices of one
client and a therapist."""

from __future__ import annotations

import pytest

from client_sdk import Client, crypto, wire
from client_sdk.documents import Document
from client_sdk.safety import CLOCK_SKEW_MS, FLAG_WATCH, SAFETY_PLAN
from tests.client.sharing_support import forged_record, journal_id, share_with
from tests.client.test_share_ended_notices import move_clocks
from tests.client.test_withholding import drop_record, journal_seqs
from tests.conftest import ClientFactory, RunningServer

ITEM_9 = [0] * 8 + [3]


async def devices(signup: ClientFactory, login: ClientFactory) -> tuple[Client, Client, Client]:
    """ana's laptop and phone, both synced, the plan saying "share flags: yes" (nobody to
    send them to yet), and the therapist drsmith."""
    laptop, drsmith = await signup("ana"), await signup("drsmith")
    await laptop.safety.set_plan(share_flags=True)
    await laptop.sync()
    phone = await login("ana")
    await phone.sync()
    assert (await phone.safety.plan()).share_flags
    return laptop, phone, drsmith


def answer_later(live_server: RunningServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every clock (the server's, the devices') moved past CLOCK_SKEW_MS: the answer is given
    that long after the opt-in, as a late flag requires (R37 F2: two devices' clocks)."""
    later = move_clocks(live_server, monkeypatch, CLOCK_SKEW_MS + 60_000)
    for module in ("client_sdk.measures", "client_sdk.safety_path"):
        monkeypatch.setattr(f"{module}.now_ms", lambda: later)


async def test_an_answer_on_the_phone_right_after_opting_in_on_the_laptop_gets_its_flag_at_the_next_sync(
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    laptop, phone, drsmith = await devices(signup, login)
    await share_with(laptop, drsmith, role="annotate")
    await laptop.safety.set_plan(share_flags=True, flags_for="drsmith")
    await laptop.sync()
    answer_later(live_server, monkeypatch)  # the phone has not synced since

    taken = await phone.measures.take("phq9", ITEM_9)  # the phone has not synced
    response = await phone.safety.respond(taken.result)
    assert (response.flagged_to, response.flag_id) == ([], None)
    assert response.no_flag is not None and response.lines[-1] == response.no_flag
    assert response.no_flag.startswith(
        "No safety flag was sent: as of this device's last sync (around "
    )
    assert "nobody you chose to send safety flags to reads 'Personal'" in response.no_flag
    assert response.no_flag.endswith(
        "), nobody you chose to send "
        "safety flags to reads 'Personal'. Flags chosen on another device may go at the next "
        "sync. If you want your therapist to know, tell them yourself. Do not wait for anyone: "
        "act on the message above now."
    ), response.no_flag  # REV-CLIN F6: shorter (the 15 minutes and signing out: README)

    report = await phone.sync()
    [late] = report.late_flags
    assert (late.journal, late.members, late.result_id, late.measure) == (
        "Personal", ("drsmith",), taken.result.id, "phq9",
    )  # fmt: skip
    assert late.answered_at == taken.result.taken_at
    assert "made for drsmith for your PHQ-9 answer of" in late.line()
    assert not await phone.safety.waiting(late.flag_id)  # pushed by that same sync

    await drsmith.sync()
    [flag] = await drsmith.safety.flags()
    assert (flag.id, flag.result_id, flag.item, flag.answer) == (
        late.flag_id,
        taken.result.id,
        9,
        3,
    )
    assert flag.answered_at == taken.result.taken_at and flag.raised_at >= flag.answered_at

    # never twice: not by the phone's next syncs, not by the laptop (not its answer), and
    # not by an app calling respond again
    assert (await phone.sync()).late_flags == []
    assert (await laptop.sync()).late_flags == []
    again = await phone.safety.respond(taken.result)
    assert (again.flagged_to, again.flag_id) == (["drsmith"], None)
    assert "made for drsmith" in again.lines[-1]
    await phone.sync()
    await drsmith.sync()
    assert [f.id for f in await drsmith.safety.flags()] == [late.flag_id]


async def test_an_answer_given_before_the_opt_in_never_gets_a_flag(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop, phone, drsmith = await devices(signup, login)
    await share_with(laptop, drsmith, role="annotate")  # shared, not opted in for drsmith
    await laptop.sync()
    taken = await phone.measures.take("phq9", ITEM_9)  # before the opt-in below
    await phone.safety.respond(taken.result)
    await laptop.safety.set_plan(share_flags=True, flags_for="drsmith")  # after the answer
    await laptop.sync()
    assert (await phone.sync()).late_flags == []
    await drsmith.sync()
    assert await drsmith.safety.flags() == []
    # a later answer, after the opt-in, is flagged at once on the synced phone
    later = await phone.measures.take("phq9", ITEM_9)
    assert (await phone.safety.respond(later.result)).flagged_to == ["drsmith"]


async def test_no_flag_for_a_share_that_ended_before_the_answer_or_began_after_it(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop, phone, drsmith = await devices(signup, login)
    await share_with(laptop, drsmith, role="annotate")
    await laptop.safety.set_plan(share_flags=True, flags_for="drsmith")
    await laptop.sync()
    await laptop.shares.revoke("Personal", "drsmith")  # ended before the answer
    await laptop.sync()
    taken = await phone.measures.take("phq9", ITEM_9)  # the phone saw none of it
    await phone.safety.respond(taken.result)
    await share_with(laptop, drsmith, role="annotate")  # shared again after the answer
    await laptop.safety.set_plan(share_flags=True, flags_for="drsmith")
    await laptop.sync()
    assert (await phone.sync()).late_flags == []
    await drsmith.sync()
    assert await drsmith.safety.flags() == []


async def test_a_stopped_questionnaire_gets_its_flag_at_the_next_sync_too(
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    laptop, phone, drsmith = await devices(signup, login)
    await share_with(laptop, drsmith, role="annotate")
    await laptop.safety.set_plan(share_flags=True, flags_for="drsmith")
    await laptop.sync()
    answer_later(live_server, monkeypatch)
    response = await phone.safety.respond_to_answer("phq9", 9, 2)
    assert response.flag_id is None and response.no_flag is not None
    [late] = (await phone.sync()).late_flags
    assert (late.members, late.result_id) == (("drsmith",), "")
    assert (await phone.sync()).late_flags == []
    await drsmith.sync()
    [flag] = await drsmith.safety.flags()
    assert (flag.result_id, flag.answer) == ("", 2)


async def test_the_message_names_an_opted_in_member_whose_share_ended(
    signup: ClientFactory,
) -> None:
    ana, drsmith = await signup("ana"), await signup("drsmith")
    await share_with(ana, drsmith, role="annotate")
    await ana.safety.set_plan(share_flags=True, flags_for="drsmith")
    await ana.shares.revoke("Personal", "drsmith")
    await ana.sync()
    taken = await ana.measures.take("phq9", ITEM_9)
    response = await ana.safety.respond(taken.result)
    assert response.flag_id is None and response.no_flag is not None
    assert "(drsmith: no longer shared with) reads 'Personal'" in response.no_flag
    assert (await ana.sync()).late_flags == []  # the share ended before the answer


async def test_a_deleted_result_gets_no_late_flag(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop, phone, drsmith = await devices(signup, login)
    await share_with(laptop, drsmith, role="annotate")
    await laptop.safety.set_plan(share_flags=True, flags_for="drsmith")
    await laptop.sync()
    taken = await phone.measures.take("phq9", ITEM_9)
    assert taken.result.id in (await phone.store.setting(FLAG_WATCH))
    await phone.measures.delete(taken.result.id)
    assert (await phone.sync()).late_flags == []
    assert taken.result.id not in (await phone.store.setting(FLAG_WATCH))  # forgotten


async def test_a_member_forging_an_opt_in_for_themselves_gets_no_flag(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """A member and the server together: drsmith (annotate, never opted in) pushes a safety
    plan opting himself in since 1970, which the server stores. The phone refuses the record
    (only the owner writes a plan) and seals no flag: the decision reads only what the owner
    signed."""
    laptop, phone, drsmith = await devices(signup, login)
    await share_with(laptop, drsmith, role="annotate")
    await laptop.sync()
    await drsmith.sync()
    taken = await phone.measures.take("phq9", ITEM_9)
    await phone.safety.respond(taken.result)
    me = drsmith.profile.account_id.hex()
    forged = Document(crypto.random_bytes(wire.ID_BYTES), SAFETY_PLAN)
    payload = forged.change(
        fields={
            "share_flags": True,
            "flag_members": [me],
            "flags_since": [[me, 0]],
            "created_at": 0,
            "updated_at": 2**52,
        }
    )
    upload = await forged_record(drsmith, "ana/Personal", forged, SAFETY_PLAN, payload)
    request = wire.PushRequest(await journal_id(laptop, "Personal"), [upload])
    await drsmith.transport.call("/v1/records/push", request, wire.PushReply)
    report = await phone.sync()
    assert report.late_flags == []
    assert upload.record_id in [p.record_id for p in await phone.problems()]
    assert (await phone.safety.plan()).flag_members == ()  # the owner's plan, as signed
    await drsmith.sync()
    assert await drsmith.safety.flags() == []


async def test_a_withheld_withdrawal_of_the_opt_in_seals_no_late_flag(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    """A hostile server hides from the phone the laptop's record withdrawing the opt-in
    (made after the answer): the phone sees the record after it, knows one is missing
    (SyncReport.withheld), and seals nothing for that journal while it is missing: the
    withheld record could be the client taking consent back."""
    laptop, phone, drsmith = await devices(signup, login)
    await share_with(laptop, drsmith, role="annotate")
    await laptop.safety.set_plan(share_flags=True, flags_for="drsmith")
    await laptop.sync()
    taken = await phone.measures.take("phq9", ITEM_9)
    await phone.safety.respond(taken.result)
    personal = await journal_id(laptop, "Personal")
    before = set(journal_seqs(live_server, personal))
    await laptop.safety.set_plan(share_flags=False)  # consent taken back, after the answer
    await laptop.sync()
    [withdrawal] = set(journal_seqs(live_server, personal)) - before
    await laptop.entries.write(None, "a later record of the laptop")
    await laptop.sync()
    drop_record(live_server, withdrawal)

    report = await phone.sync()
    assert [g.journal_id for g in report.withheld] == [personal]
    assert report.late_flags == []
    await drsmith.sync()
    assert await drsmith.safety.flags() == []


async def test_a_flag_this_device_knew_was_due_is_sealed_by_the_next_sync_if_respond_never_ran(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """The flag owed by a result whose `respond` never ran (a crash between the take and it,
    a response that failed) was left to the late-flag path, which refuses any answer given
    within CLOCK_SKEW_MS of the opt-in, as for an opt-in made on another device: an answer
    given right after opting in on this very device never got its flag, and the sync said
    the opt-in was made "on another of your devices". The device knew the flag was due when
    it recorded the answer: the next sync seals it, with no clock moved."""
    laptop, _phone, drsmith = await devices(signup, login)
    await share_with(laptop, drsmith, role="annotate")
    await laptop.safety.set_plan(share_flags=True, flags_for="drsmith")
    taken = await laptop.measures.take("phq9", ITEM_9)  # `respond` never runs
    report = await laptop.sync()
    assert report.unflagged == []
    [late] = report.late_flags
    assert (late.members, late.result_id) == (("drsmith",), taken.result.id)
    await drsmith.sync()
    [flag] = await drsmith.safety.flags()
    assert (flag.result_id, flag.item, flag.answer) == (taken.result.id, 9, 3)
    response = await laptop.safety.respond(taken.result)  # run late: not a second flag
    assert response.flagged_to == ["drsmith"] and response.flag_id is None
    await laptop.sync()
    await drsmith.sync()
    assert len(await drsmith.safety.flags()) == 1
