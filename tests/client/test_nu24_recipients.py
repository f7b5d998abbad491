"""NU24 C9 through the SDK (real server, real crypto): before deleting or trashing a shared
item, who can read it and what is known of their receipt (`client.shares.recipients`).

"seen_later" (R46 F2 changed it from "received": a seen vector is a maximum, no proof of
receipt) comes only from a record the member's device signed (its seen vector names the
owner's record that brought the item, or a later one); the server's word about downloads is
never taken:
a member who wrote nothing since is "may_have" once the item reached the server, and
"not_sent" while it has not left the owner's device."""

from __future__ import annotations

from client_sdk import Client, Recipient, crypto, keys, records, wire
from client_sdk.documents import Document
from client_sdk.withholding import Seen
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory

PHQ9 = [1, 1, 1, 1, 1, 1, 1, 1, 0]


async def client_and_therapist(signup: ClientFactory) -> tuple[Client, Client]:
    ana = await signup("ana", "laptop")
    drsmith = await signup("drsmith", "laptop")
    await share_with(ana, drsmith, role="annotate")
    await ana.sync()
    await drsmith.sync()
    return ana, drsmith


async def test_a_result_not_sent_yet_then_sent_then_received_by_the_therapist(
    signup: ClientFactory,
) -> None:
    ana, drsmith = await client_and_therapist(signup)
    taken = await ana.measures.take("phq9", PHQ9)
    rid = taken.result.id
    assert await ana.shares.recipients(rid) == [Recipient("drsmith", "Personal", False, "not_sent")]
    await ana.sync()
    [may] = await ana.shares.recipients(rid[:8])
    assert may.state == "may_have"
    await drsmith.sync()  # downloaded: but nothing signed by drsmith says so yet
    await ana.sync()
    assert [r.state for r in await ana.shares.recipients(rid)] == ["may_have"]
    await drsmith.notes.add("ana/Personal", "Read the PHQ-9 before the session.")
    await drsmith.sync()
    await ana.sync()
    [told] = await ana.shares.recipients(rid)
    assert told.to_dict() == {
        "member": "drsmith",
        "journal": "Personal",
        "copy": False,
        "state": "seen_later",
    }
    # a result taken after drsmith's note is not seen by it
    later = await ana.measures.take("phq9", PHQ9)
    await ana.sync()
    assert [r.state for r in await ana.shares.recipients(later.result.id)] == ["may_have"]
    # and deleting it takes it out of the therapist's view at their next sync
    await ana.measures.delete(rid)
    await ana.sync()
    await drsmith.sync()
    assert rid not in {r.id for r in await drsmith.measures.list("ana/Personal")}


async def test_a_result_shared_alone_names_the_copy_and_an_unshared_item_no_one(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana", "laptop")
    tom = await signup("tom", "laptop")
    taken = await ana.measures.take("phq9", PHQ9)
    entry = await ana.entries.write(None, "Not shared.")
    assert await ana.shares.recipients(taken.result.id) == []
    await ana.measures.share(taken.result.id, "tom", fingerprint=await tom.shares.fingerprint())
    await ana.sync()
    [copy] = await ana.shares.recipients(taken.result.id)
    assert (copy.member, copy.copy, copy.state) == ("tom", True, "may_have")
    assert copy.journal != "Personal"
    assert await ana.shares.recipients(entry.id) == []


async def test_a_member_device_sees_no_recipients_and_an_ended_share_is_no_recipient(
    signup: ClientFactory,
) -> None:
    ana, drsmith = await client_and_therapist(signup)
    entry = await ana.entries.write(None, "A day.")
    await ana.sync()
    await drsmith.sync()
    assert await drsmith.shares.recipients(entry.id) == []  # not drsmith's to delete
    await ana.shares.revoke("Personal", "drsmith")
    assert await ana.shares.recipients(entry.id) == []


async def test_a_co_member_and_the_server_cannot_make_a_result_look_received_by_another(
    signup: ClientFactory,
) -> None:
    """Hostile: tom (a co-member, annotate) pushes through the server a record under
    drsmith's author and device ids whose seen vector claims every record of ana's device;
    it is not signed by drsmith, so it is refused and claims nothing: drsmith stays "may
    have". tom's own signed records speak for tom only."""
    ana = await signup("ana", "laptop")
    drsmith = await signup("drsmith", "laptop")
    tom = await signup("tom", "laptop")
    await share_with(ana, drsmith, role="annotate")
    await share_with(ana, tom, role="annotate")
    taken = await ana.measures.take("phq9", PHQ9)
    await ana.sync()
    for member in (drsmith, tom):
        await member.sync()
    local = await tom.context.local_journal("ana/Personal")
    key = await tom.replica.journal_key(local, local.epoch)
    note = Document(keys.new_doc_id(drsmith.profile.account_id), "note")
    body = records.RecordBody(
        author=drsmith.profile.account_id,
        device=drsmith.profile.device_id,
        counter=10_000,
        doc_id=note.doc_id,
        doc_kind="note",
        kind=records.UPDATE,
        payload=note.change(fields={"created_at": 1}, texts={"body": "x"}),
        written_at=1,
        seen=(Seen(ana.profile.account_id, ana.profile.device_id, 10_000),),
    )
    record_id = crypto.random_bytes(wire.ID_BYTES)
    sealed = records.seal_record(
        key, local.journal_id, record_id, local.epoch, body, tom.profile.secrets.signing_key
    )
    request = wire.PushRequest(
        local.journal_id, [wire.RecordUpload(record_id, local.epoch, sealed)]
    )
    await tom.transport.call("/v1/records/push", request, wire.PushReply)
    await tom.notes.add("ana/Personal", "Read it.")  # tom's own, signed: tom received it
    await tom.sync()
    await ana.sync()
    assert await ana.problems()  # the forged record: refused and reported
    states = {r.member: r.state for r in await ana.shares.recipients(taken.result.id)}
    assert states == {"drsmith": "may_have", "tom": "seen_later"}
