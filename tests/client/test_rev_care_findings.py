"""REV-CARE: the care paths attacked as a hostile server and/or a malicious member.
Real server on 127.0.0.1 (behind tests/client/hostile.py's proxy where the server lies),
real crypto. See /work/REV-CARE-FINDINGS.md."""

from __future__ import annotations

from aiohttp import web

from client_sdk import Client, wire
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory

ITEM_9 = [1, 1, 1, 1, 1, 1, 1, 1, 2]


def refuse_next_push(hostile: HostileServer, code: str = "too_large") -> list[bool]:
    """The server answers the next push (while armed) 400 `code`, a refusal for good of that
    record, and forwards every other request (the `void` the client writes then included)."""
    armed = [False]
    forward = hostile.forward

    async def refusing(session, request: web.Request) -> web.Response:  # type: ignore[no-untyped-def]
        if armed[0] and request.path == "/v1/records/push":
            armed[0] = False
            body = wire.encode(wire.ErrorReply(code, "record too large"))
            return web.Response(status=400, body=body, content_type="application/msgpack")
        return await forward(session, request)

    hostile.forward = refusing  # type: ignore[method-assign]
    return armed


async def opted_in(through: Through, signup: ClientFactory) -> tuple[Client, Client]:
    """ana (through the hostile server) shares Personal with tom (annotate) and opts in to
    send him safety flags; both synced."""
    ana = await through("ana")
    tom = await signup("tom")
    await share_with(ana, tom, role="annotate")
    await ana.safety.set_plan(share_flags=True)
    await ana.sync()
    await tom.sync()
    return ana, tom


async def _flag_refused_for_good(
    hostile: HostileServer, through: Through, signup: ClientFactory, *, stopped: bool
) -> tuple[object, object, str, object]:
    """ana (through the hostile server) opted in for tom (annotate); she answers PHQ-9 item 9
    with 2 (a whole result, or a questionnaire stopped after item 9: no result); the server
    answers the push of the flag 400 `too_large`, a refusal for good. Both sides sync twice
    more. Returns (ana, tom, flag id, ana's report of the refused push)."""
    ana, tom = await opted_in(through, signup)
    if stopped:
        response = await ana.safety.respond_to_answer("phq9", 9, 2, journal="Personal")
    else:
        taken = await ana.measures.take("phq9", ITEM_9)
        # the result reaches the server; only the flag is refused (pushed alone: a sync now
        # seals the flag it owes itself, this device having known it was due)
        await ana.replica.push_outbox()
        response = await ana.safety.respond(taken.result)
    assert response.flagged_to == ["tom"]  # what ana is told at the moment of crisis
    assert response.flag_id is not None
    armed = refuse_next_push(hostile)
    armed[0] = True
    report = await ana.sync()
    assert report.set_aside, "the server's refusal set the flag aside"
    for _ in range(2):
        await ana.sync()
        await tom.sync()
    return ana, tom, response.flag_id, report


async def test_a_safety_flag_the_server_refuses_for_good_is_sent_again_and_reaches_the_therapist(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """Q1 (REV-CARE F1). The hostile server refused the push of ana's safety flag for good
    (a 400 any record can get): her device set it aside, withdrew its counter and pushed a
    `void` covering it, an owner-signed "never coming": tom's device saw no gap, no flag,
    ever; `safety.waiting(flag)` said it no longer waited. Now a refused flag is kept
    unwithdrawn, said in safety words, still waiting, and sent again at the next sync."""
    ana, tom, flag_id, report = await _flag_refused_for_good(
        hostile, through, signup, stopped=False
    )
    [aside] = report.set_aside
    assert aside.tried_again and aside.doc_id == flag_id
    assert "did NOT reach" in aside.line() and "contact them directly" in aside.line()
    # sent again by the next syncs (`_flag_refused_for_good` synced twice more): delivered
    assert not await ana.safety.waiting(flag_id)
    assert await ana.set_aside() == []
    [flag] = await tom.safety.flags()
    assert flag.id == flag_id
    [row] = await tom.caseload.list()
    assert row.tier == 0, row.flags
    assert await tom.problems() == []


async def test_a_flag_of_a_stopped_questionnaire_refused_for_good_reaches_the_therapist(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """Q1 (REV-CARE F1, worst case): a questionnaire ana stopped after item 9 has no result,
    the flag is the only trace: refused once, it is sent again and reaches tom."""
    ana, tom, flag_id, report = await _flag_refused_for_good(hostile, through, signup, stopped=True)
    assert [a.tried_again for a in report.set_aside] == [True]
    assert not await ana.safety.waiting(flag_id)
    assert [f.id for f in await tom.safety.flags()] == [flag_id]
    [row] = await tom.caseload.list()
    assert row.tier == 0, row.flags


async def test_a_flag_the_server_refuses_at_every_sync_shows_missing_on_the_therapists_device(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """REV-CARE F1, a server that refuses the flag every time: it stays waiting on ana's
    device (tried again at every sync, said so), and nothing signed by her says it will
    never come: once a later change of her device reaches tom, his device shows a record of
    hers withheld. Dropping it (her choice) withdraws it: the gap closes."""
    ana, tom = await opted_in(through, signup)
    response = await ana.safety.respond_to_answer("phq9", 9, 2, journal="Personal")
    assert response.flag_id is not None
    [waiting] = [r for r in await ana.store.outbox() if r.doc_id == bytes.fromhex(response.flag_id)]
    forward = hostile.forward

    async def refusing(session, request: web.Request) -> web.Response:  # type: ignore[no-untyped-def]
        if request.path == "/v1/records/push":
            body = await request.read()
            if waiting.record_id in body:
                reply = wire.encode(wire.ErrorReply("too_large", "record too large"))
                return web.Response(status=400, body=reply, content_type="application/msgpack")
        return await forward(session, request)

    hostile.forward = refusing  # type: ignore[method-assign]
    for _ in range(3):
        report = await ana.sync()
        assert [a.tried_again for a in report.set_aside] == [True]  # tried, refused again
        assert await ana.safety.waiting(response.flag_id)
    await ana.entries.write(None, "A later entry.")
    await ana.sync()
    report = await tom.sync()
    assert await tom.safety.flags() == []
    [gap] = report.withheld
    assert gap.count() == 1  # the flag's counter: missing, never said "never coming"
    dropped = await ana.drop_set_aside(response.flag_id)
    assert [c.doc_id for c in dropped] == [response.flag_id]
    await ana.sync()
    assert (await tom.sync()).withheld == []


LATE_9999 = 253_402_128_000_000 - 86_400_000  # 9999-12-29 UTC: a time every reader accepts


async def test_a_removed_members_crisis_line_dated_far_ahead_leaves_the_safety_message(
    signup: ClientFactory,
) -> None:
    """Q3/Q5 (REV-CARE F2). eve, a second annotating member (a relative the client was
    talked into adding, or a colleague who left), writes with her own build a crisis line
    dated 9999-12-29. ana then ends eve's share; tom, her therapist, sets his crisis line
    afterwards. `_member_line` takes the member line with the highest `created_at` (a value
    the member chose), whoever wrote it and whether or not they still share the journal:
    the safety message, shown at the moment of crisis, keeps eve's number, beating the
    current therapist's, for good.
    Now only lines by members the verified chain lists as annotating now count, and none
    dated more than the clock skew ahead of this device."""
    from client_sdk.safety import CRISIS_LINE
    from tests.client.test_review_care import write_as

    ana, tom, eve = await signup("ana"), await signup("tom"), await signup("eve")
    await share_with(ana, tom, role="annotate")
    await share_with(ana, eve, role="annotate")
    await eve.sync()
    await write_as(
        eve, "ana/Personal", CRISIS_LINE, {"text": "Call eve: 555 0100", "created_at": LATE_9999}
    )
    await ana.sync()
    plan = await ana.safety.plan("Personal")
    assert plan.crisis_line_set_by is None  # eve still a member: dated far ahead, left out
    await ana.shares.revoke("Personal", "eve")
    await ana.sync()
    await tom.sync()
    await tom.safety.set_crisis_line("ana/Personal", "Samaritans 116 123")
    await tom.sync()
    await ana.sync()
    plan = await ana.safety.plan("Personal")
    assert (plan.crisis_line_in_use, plan.crisis_line_set_by) == ("Samaritans 116 123", "tom")


async def test_a_crisis_line_of_a_member_made_read_only_no_longer_counts(
    signup: ClientFactory,
) -> None:
    """REV-CARE F2's rule: a line counts while its member holds the annotate role by the
    verified chain; made read-only (or removed), their line leaves the safety message."""
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    await tom.safety.set_crisis_line("ana/Personal", "Call tom: 555 0199")
    await tom.sync()
    await ana.sync()
    plan = await ana.safety.plan("Personal")
    assert (plan.crisis_line_in_use, plan.crisis_line_set_by) == ("Call tom: 555 0199", "tom")
    await share_with(ana, tom, role="read")
    await ana.sync()
    assert (await ana.safety.plan("Personal")).crisis_line_set_by is None
