"""The safety path through a real server: the message on the device, the opt-in safety flag,
its acknowledgement by an annotating therapist, and who may write what."""

from __future__ import annotations

import pytest

from client_sdk import AccessError, NotFound, crypto, wire
from client_sdk.documents import Document
from client_sdk.safety import SAFETY_ACK, SAFETY_FLAG
from tests.client.sharing_support import journal_id, share_with
from tests.client.test_sharing import forged_record
from tests.conftest import ClientFactory

ITEM_9 = [1, 1, 1, 1, 1, 1, 1, 1, 2]  # item 9 answered "More than half the days"


async def test_item_9_above_zero_shows_the_message_with_the_clients_plan_and_sends_nothing_without_opt_in(
    signup: ClientFactory,
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, role="annotate")
    await ana.safety.set_plan(emergency_number="999", plan="Call my sister Jo.")
    await ana.sync()
    calm = await ana.measures.take("phq9", [1] * 8 + [0])
    assert not calm.result.safety_concern
    taken = await ana.measures.take("phq9", ITEM_9)
    assert taken.result.safety_concern
    response = await ana.safety.respond(taken.result)
    text = "\n".join(response.lines)
    assert "call 999" in text and "Call my sister Jo." in text
    assert "not monitored in real time" in text
    assert (response.flagged_to, response.flag_id) == ([], None)
    await ana.sync()
    await tom.sync()
    assert await tom.safety.flags() == []


async def test_an_opted_in_flag_reaches_the_therapist_who_acknowledges_it_and_the_client_sees_it_was_read(
    signup: ClientFactory, login: ClientFactory
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, role="annotate")
    await ana.safety.set_plan(share_flags=True)
    taken = await ana.measures.take("phq9", ITEM_9)
    response = await ana.safety.respond(taken.result)
    assert response.flagged_to == ["tom"]
    assert "made for tom" in response.lines[-1]
    await ana.sync()
    await tom.sync()

    [flag] = await tom.safety.flags()
    assert (flag.owner, flag.measure, flag.item, flag.answer, flag.acknowledged) == (
        "ana",
        "phq9",
        9,
        2,
        (),
    )
    acknowledged = await tom.safety.acknowledge(flag.id[:8])
    assert [a.by for a in acknowledged.acknowledged] == ["tom"]
    await tom.sync()

    phone = await login("ana")
    for device in (ana, phone):
        await device.sync()
        [seen] = await device.safety.flags()
        assert [a.by for a in seen.acknowledged] == ["tom"]


async def test_a_therapists_crisis_line_shows_unless_the_client_set_their_own(
    signup: ClientFactory,
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    await tom.safety.set_crisis_line("ana/Personal", "Samaritans: call 116 123")
    await tom.sync()
    await ana.sync()
    assert await ana.safety.crisis_line() == "Samaritans: call 116 123"
    await ana.safety.set_plan(crisis_line="My crisis team 0123")
    assert await ana.safety.crisis_line() == "My crisis team 0123"


async def test_a_read_only_therapist_cannot_acknowledge_and_a_forged_acknowledgement_is_refused(
    signup: ClientFactory,
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    # Opted in as an annotator (a member who only reads is never opted in: NU24 C15), sent a
    # flag, then made read-only: no flag reaches him from then on (the role by the verified
    # chain decides: fix-role-flags), and he cannot mark the earlier one read.
    await share_with(ana, tom, role="annotate")
    await ana.safety.set_plan(share_flags=True)
    taken = await ana.measures.take("phq9", ITEM_9)
    assert (await ana.safety.respond(taken.result)).flagged_to == ["tom"]
    await ana.shares.grant("Personal", "tom", role="read", stop_flags=True)
    assert (await ana.safety.plan()).flags_reach == ()
    await ana.sync()
    await tom.sync()
    [flag] = await tom.safety.flags()
    assert flag.reads_only
    with pytest.raises(AccessError, match="annotate"):
        await tom.safety.acknowledge(flag.id)


async def test_an_annotating_member_cannot_forge_a_flag_and_the_client_rejects_it(
    signup: ClientFactory,
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    forged = Document(crypto.random_bytes(wire.ID_BYTES), SAFETY_FLAG)
    payload = forged.change(
        fields={"result_id": "00" * 16, "measure": "phq9", "item": 9, "answer": 3, "raised_at": 1}
    )
    upload = await forged_record(tom, "ana/Personal", forged, SAFETY_FLAG, payload)
    request = wire.PushRequest(await journal_id(ana, "Personal"), [upload])
    await tom.transport.call("/v1/records/push", request, wire.PushReply)
    await ana.sync()
    assert [p.record_id for p in await ana.problems()] == [upload.record_id]
    assert await ana.safety.flags() == []


async def test_an_acknowledgement_written_by_the_client_does_not_count_as_read(
    signup: ClientFactory,
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, role="annotate")
    await ana.safety.set_plan(share_flags=True)
    taken = await ana.measures.take("phq9", ITEM_9)
    flag_id = (await ana.safety.respond(taken.result)).flag_id
    assert flag_id is not None
    fake = Document(crypto.random_bytes(wire.ID_BYTES), SAFETY_ACK)
    local = await ana.context.local_journal("Personal")
    update = fake.change(fields={"flag_id": flag_id, "acknowledged_at": 1})
    await ana.replica.commit(local, fake, update)
    [flag] = await ana.safety.flags()
    assert flag.acknowledged == ()


async def test_an_acknowledgement_written_in_another_journal_does_not_count(
    signup: ClientFactory,
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await ana.journals.create("Other")
    await share_with(ana, tom, role="annotate")
    await share_with(ana, tom, "Other", role="annotate")
    await ana.safety.set_plan(share_flags=True)
    taken = await ana.measures.take("phq9", ITEM_9)
    flag_id = (await ana.safety.respond(taken.result)).flag_id
    assert flag_id is not None
    await ana.sync()
    await tom.sync()
    ack = Document(crypto.random_bytes(wire.ID_BYTES), SAFETY_ACK)
    other = await tom.context.local_journal("ana/Other")
    await tom.replica.commit(
        other, ack, ack.change(fields={"flag_id": flag_id, "acknowledged_at": 1})
    )
    await tom.sync()
    await ana.sync()
    [flag] = await ana.safety.flags()
    assert flag.acknowledged == ()


async def test_acknowledging_a_flag_that_cannot_be_read_writes_nothing(
    signup: ClientFactory,
) -> None:
    """A flag document that does not read as a flag (here the owner's, with its fields
    missing) is NotFound for `acknowledge`, checked before anything is written: no
    acknowledgement waits in the outbox or reaches the client."""
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, role="annotate")
    broken = Document(crypto.random_bytes(wire.ID_BYTES), SAFETY_FLAG)
    local = await ana.context.local_journal("Personal")
    await ana.replica.commit(local, broken, broken.change(fields={"measure": "phq9"}))
    await ana.sync()
    await tom.sync()
    theirs = await tom.context.local_journal("ana/Personal")
    assert SAFETY_FLAG in [d.kind for d in await tom.store.documents(theirs.journal_id)]
    outbox = await tom.store.outbox_size()
    with pytest.raises(NotFound):
        await tom.safety.acknowledge(broken.doc_id.hex())
    assert await tom.store.outbox_size() == outbox
    assert SAFETY_ACK not in [d.kind for d in await tom.store.documents(theirs.journal_id)]
    await tom.sync()
    await ana.sync()
    assert SAFETY_ACK not in [d.kind for d in await ana.store.documents(local.journal_id)]


async def test_a_flag_sealed_offline_is_reported_as_waiting_until_it_is_sent(
    signup: ClientFactory,
) -> None:
    """New-user pass 2, finding 46: offline, the message said the flag was sent. `waiting`
    tells an app that it has not left the device; `message` gives the text before a result
    exists."""
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, role="annotate")
    await ana.safety.set_plan(share_flags=True, emergency_number="999")
    early = await ana.safety.message()
    assert any("call 999" in line for line in early) and not any("sealed" in line for line in early)
    taken = await ana.measures.take("phq9", ITEM_9)
    response = await ana.safety.respond(taken.result)
    assert response.flag_id is not None
    assert await ana.safety.waiting(response.flag_id)
    await ana.sync()
    assert not await ana.safety.waiting(response.flag_id)
    await tom.sync()
    assert [f.id for f in await tom.safety.flags()] == [response.flag_id]
