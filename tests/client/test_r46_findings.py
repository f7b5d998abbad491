"""R46: a hostile review of NU24 C9 (receipts: "already received" before deleting a shared
item), the R44 pair head code and NU24 C5 (`copy_forgotten`).

Each test here fails on integ5: it states what a user is entitled to and the product does
not yet do (see /work/R46-FINDINGS.md)."""

from __future__ import annotations

import dataclasses

import aiohttp
from aiohttp import web

from client_sdk import Client, crypto, keys, records, wire
from client_sdk.documents import Document
from client_sdk.withholding import Seen
from tests.client.hostile import HostileServer, ReplyRewrite, Through
from tests.client.sharing_support import journal_id, share_with
from tests.client.test_withholding import journal_seqs
from tests.conftest import ClientFactory, RunningServer

PHQ9 = [1, 1, 1, 1, 1, 1, 1, 1, 0]
ITEM_9 = [0, 0, 0, 0, 0, 0, 0, 0, 3]


def hiding(personal: bytes, hidden: set[int]) -> ReplyRewrite:
    """A /v1/sync reply rewrite that leaves the records of `hidden` seqs out of the page of
    `personal` (what a hostile server does to one device)."""

    def rewrite(request: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.SyncReply, reply)
        pages = [
            dataclasses.replace(page, records=[r for r in page.records if r.seq not in hidden])
            if page.journal_id == personal
            else page
            for page in real.pages
        ]
        return wire.encode(wire.SyncReply(pages, real.done))

    return rewrite


async def states(ana: Client, item_id: str) -> dict[str, str]:
    return {r.member: r.state for r in await ana.shares.recipients(item_id)}


async def test_r46_f1_an_entry_in_the_trash_when_the_share_began_is_not_received_by_the_member(
    signup: ClientFactory,
) -> None:
    """R46 F1 (honest server). A share seals only the documents neither deleted nor in the
    trash, and its boundary covers every earlier counter of the sharing device; the new
    member's device counts covered counters as received, so the seen vector of its first
    note names a counter past the trashed entry's record. `recipients` takes that as a
    receipt: `tj trash empty` says "drsmith already received this entry" of an entry
    drsmith's device never held (a cover is "never delivered", not "delivered")."""
    ana, drsmith = await signup("ana"), await signup("drsmith")
    entry = await ana.entries.write(None, "Written and trashed before the share.")
    await ana.entries.delete(entry.id)
    await ana.sync()
    await share_with(ana, drsmith, role="annotate")
    await ana.sync()
    await drsmith.sync()
    await drsmith.notes.add("ana/Personal", "Welcome.")
    await drsmith.sync()
    await ana.sync()
    assert entry.id not in {e.id for e in await drsmith.entries.list("ana/Personal")}
    assert await drsmith.context.store.document(bytes.fromhex(entry.id)) is None
    assert (await states(ana, entry.id)).get("drsmith") != "received", (
        "an entry drsmith's device never received is named as 'already received'"
    )


async def test_r46_f1b_an_entry_restored_after_the_share_not_yet_sent_is_not_received(
    signup: ClientFactory,
) -> None:
    """R46 F1, its sharpest form. The entry trashed before the share is restored after it:
    its snapshot for drsmith waits in ana's outbox (nothing of it has left the device), yet
    trashing it again says "drsmith already received this entry"."""
    ana, drsmith = await signup("ana"), await signup("drsmith")
    entry = await ana.entries.write(None, "Written and trashed before the share.")
    await ana.entries.delete(entry.id)
    await ana.sync()
    await share_with(ana, drsmith, role="annotate")
    await ana.sync()
    await drsmith.sync()
    await drsmith.notes.add("ana/Personal", "Welcome.")
    await drsmith.sync()
    await ana.sync()
    await ana.entries.restore(entry.id)  # not synced: its snapshot waits in the outbox
    assert (await states(ana, entry.id)).get("drsmith") != "received", (
        "an entry whose only record for drsmith has not left this device is 'already received'"
    )


async def test_r46_f2_a_result_withheld_from_the_therapist_below_a_later_record_is_not_received(
    signup: ClientFactory, through: Through, hostile: HostileServer, live_server: RunningServer
) -> None:
    """R46 F2 (hostile server alone). The seen vector is the highest counter a device
    received, not "every counter up to it": the server keeps ana's PHQ-9 result from
    drsmith's device and serves the entry she wrote after it. drsmith's note then names
    the entry's counter, and ana's device says drsmith "already received" the result that
    never reached drsmith (drsmith's device reports a withheld record to drsmith; ana is
    told the opposite, and deletes the result believing her therapist has seen it)."""
    ana = await signup("ana")
    drsmith = await through("drsmith")
    await share_with(ana, drsmith, role="annotate")
    await ana.sync()
    await drsmith.sync()
    personal = await journal_id(ana, "Personal")
    before = set(journal_seqs(live_server, personal))
    taken = await ana.measures.take("phq9", PHQ9)
    await ana.sync()
    hidden = set(journal_seqs(live_server, personal)) - before
    assert hidden
    await ana.entries.write(None, "A later entry.")
    await ana.sync()
    hostile.replies["/v1/sync"] = hiding(personal, hidden)
    await drsmith.sync()
    assert taken.result.id not in {r.id for r in await drsmith.measures.list("ana/Personal")}
    await drsmith.notes.add("ana/Personal", "Read your entry.")
    await drsmith.sync()
    await ana.sync()
    assert (await states(ana, taken.result.id)).get("drsmith") != "received", (
        "a result the server kept from drsmith's device is named as 'already received'"
    )


async def test_r46_f3_a_seen_vector_past_anything_ana_wrote_makes_no_unsent_result_received(
    signup: ClientFactory,
) -> None:
    """R46 F3 (a therapist, with or without the server). drsmith's device signs a note whose
    seen vector names a counter of ana's device that ana's device never drew. It is accepted
    and kept as a receipt, so every result ana takes from then on, even one still in her
    outbox ("it has not left this device"), is "already received" by drsmith. Her device
    knows its own counters: a claim past them is provably false."""
    ana, drsmith = await signup("ana"), await signup("drsmith")
    await share_with(ana, drsmith, role="annotate")
    await ana.sync()
    await drsmith.sync()
    local = await drsmith.context.local_journal("ana/Personal")
    key = await drsmith.replica.journal_key(local, local.epoch)
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
        seen=(Seen(ana.profile.account_id, ana.profile.device_id, 1_000_000),),
    )
    record_id = crypto.random_bytes(wire.ID_BYTES)
    sealed = records.seal_record(
        key, local.journal_id, record_id, local.epoch, body, drsmith.profile.secrets.signing_key
    )
    request = wire.PushRequest(
        local.journal_id, [wire.RecordUpload(record_id, local.epoch, sealed)]
    )
    await drsmith.transport.call("/v1/records/push", request, wire.PushReply)
    await ana.sync()
    taken = await ana.measures.take("phq9", PHQ9)  # not synced: it has not left this device
    assert (await states(ana, taken.result.id)).get("drsmith") == "not_sent", (
        "a result that has not left ana's device is 'already received' on a claim of a "
        "counter her device never drew"
    )


async def test_r46_f4_a_result_the_server_stored_and_served_is_not_said_never_to_have_left(
    signup: ClientFactory, through: Through, hostile: HostileServer
) -> None:
    """R46 F4 (hostile server alone). The server stores ana's result and serves it to
    drsmith, but answers ana's push with garbage and never echoes the record back to her.
    Her device then says drsmith "cannot have received it yet: it has not left this
    device" (not_sent is inferred from the absence of a server acknowledgement, not from
    the record never having been sent), while drsmith reads it."""
    ana = await through("ana")
    drsmith = await signup("drsmith")
    await share_with(ana, drsmith, role="annotate")
    await ana.sync()
    await drsmith.sync()
    hostile.replies["/v1/records/push"] = lambda request, reply: b"\xc1"
    personal = await journal_id(ana, "Personal")

    def no_own_records(request: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.SyncReply, reply)
        pages = [
            dataclasses.replace(page, records=[]) if page.journal_id == personal else page
            for page in real.pages
        ]
        return wire.encode(wire.SyncReply(pages, real.done))

    hostile.replies["/v1/sync"] = no_own_records
    taken = await ana.measures.take("phq9", PHQ9)
    try:
        await ana.sync()
    except Exception:  # noqa: BLE001 - the garbled reply may surface as an error
        pass
    await drsmith.sync()
    assert taken.result.id in {r.id for r in await drsmith.measures.list("ana/Personal")}
    assert (await states(ana, taken.result.id)).get("drsmith") != "not_sent", (
        "drsmith reads the result, and ana's device says it has not left her device"
    )


async def test_r46_f5_a_flag_the_server_kept_from_the_therapist_is_not_downplayed_after_forget(
    signup: ClientFactory, through: Through, hostile: HostileServer, live_server: RunningServer
) -> None:
    """R46 F5 (hostile server alone). ana raises a safety flag for drsmith; the server keeps
    it from drsmith's device. ana ends the share; drsmith discards the copy with `tj forget`;
    ana shares again. The fresh snapshots bring the flag, raised before the new grant, so
    drsmith's device calls it "from ana's earlier share (whether you acknowledged it then is
    not known on this device)" (`earlier_share`, `copy_forgotten`), not a new flag: a flag
    no device of drsmith's ever received is downplayed. Whether this device had received a
    flag before the forget is not kept, so "from an earlier share" is read from times only."""
    ana = await signup("ana")
    drsmith = await through("drsmith")
    await share_with(ana, drsmith, role="annotate")
    await ana.safety.set_plan(share_flags=True, flags_for="drsmith")
    await ana.sync()
    await drsmith.sync()
    personal = await journal_id(ana, "Personal")
    before = set(journal_seqs(live_server, personal))
    taken = await ana.measures.take("phq9", ITEM_9)
    response = await ana.safety.respond(taken.result)
    assert response.flagged_to == ["drsmith"]
    await ana.sync()
    hidden = set(journal_seqs(live_server, personal)) - before
    hostile.replies["/v1/sync"] = hiding(personal, hidden)
    await drsmith.sync()
    assert await drsmith.safety.flags() == []  # never received
    await ana.shares.revoke("Personal", "drsmith")
    await ana.sync()
    await drsmith.sync()
    await drsmith.shares.forget("ana/Personal", unlisted=True)
    await share_with(ana, drsmith, role="annotate")
    await ana.safety.set_plan(share_flags=True, flags_for="drsmith")
    await ana.sync()
    await drsmith.sync()
    flags = await drsmith.safety.flags()
    assert flags, "the flag reaches drsmith with the new share"
    assert not any(f.earlier_share for f in flags), (
        "a safety flag no device of drsmith's ever received is told as one of an earlier "
        f"share whose acknowledgement is unknown: {flags}"
    )


async def test_r46_f6_a_record_the_server_stored_but_said_it_refused_forks_with_equal_codes(
    signup: ClientFactory, through: Through, hostile: HostileServer
) -> None:
    """R46 F6 (hostile server alone; the R44 pair code). The server stores ana's new entry
    and serves it to tom, but answers ana's push with a refusal for good. Her device sets
    the entry aside and withdraws its counter with a signed `void` whose covers name it; the
    pair code leaves out every record a signed cover names, so tom, who reads the entry,
    drops it from his code, and ana's device, which never had it acknowledged, counts it
    nowhere. ana drops the change set aside ("it existed on this device only"): her device
    no longer holds the entry, tom's does, and the two codes are equal. A withdrawal cover
    is made on the server's word (its refusal), yet it hides a record the server delivered."""
    ana = await through("ana")
    tom = await signup("tom")
    await ana.entries.write("Personal", "hello")
    await share_with(ana, tom, role="annotate")
    await ana.sync(strict=True)
    await tom.sync(strict=True)
    personal = await journal_id(ana, "Personal")
    hidden: set[int] = set()
    armed = [True]
    forward = hostile.forward

    async def refuse_after_storing(
        session: aiohttp.ClientSession, request: web.Request
    ) -> web.Response:
        if not (armed[0] and request.path == "/v1/records/push"):
            return await forward(session, request)
        armed[0] = False
        body = await request.read()
        headers = {h: request.headers[h] for h in ("Content-Type", "Authorization")}
        async with session.post(
            hostile.upstream + request.path, data=body, headers=headers
        ) as real:
            assert real.status == 200
            stored = wire.decode(wire.PushReply, await real.read())
        hidden.update(a.seq for a in stored.accepted)
        refusal = wire.encode(wire.ErrorReply("malformed_body", "refused"))
        return web.Response(status=400, body=refusal, content_type="application/msgpack")

    hostile.forward = refuse_after_storing  # type: ignore[method-assign]
    hostile.replies["/v1/sync"] = hiding(personal, hidden)
    secret = await ana.entries.write("Personal", "words ana never meant to send")
    report = await ana.sync()
    assert report.set_aside, "the server's refusal set the entry aside"
    await tom.sync()
    assert secret.id in {e.id for e in await tom.entries.list("ana/Personal")}
    await ana.drop_set_aside(secret.id)
    report = await ana.sync()
    assert secret.id not in {e.id for e in await ana.entries.list("Personal")}
    ana_code = await ana.journals.verify_head("Personal")
    tom_code = await tom.journals.verify_head("ana/Personal")
    assert ana_code != tom_code or report.withheld, (
        "tom reads an entry ana's devices do not hold (she was told it never left), and the "
        "pair codes are equal"
    )


async def test_r46_f7_a_trash_kept_from_a_therapist_is_covered_by_the_next_share_and_never_shown(
    signup: ClientFactory, through: Through, hostile: HostileServer, live_server: RunningServer
) -> None:
    """R46 F7 (hostile server alone; the R44 pair code and the withholding check). ana moves
    an entry to the trash; the server keeps that record from tom's device. ana then shares
    the journal with joan: the share's boundary covers every counter of ana's device, the
    trash's included, and seals fresh snapshots of the documents neither deleted nor in the
    trash only. tom's device counts the trash's counter as accounted for (no gap), leaves
    it out of its code as ana's does, and goes on showing the entry ana trashed: the codes
    ana and tom compare are equal, and nothing is reported."""
    ana = await signup("ana")
    tom = await through("tom")
    joan = await signup("joan")
    entry = await ana.entries.write("Personal", "something ana later took back")
    await share_with(ana, tom, role="annotate")
    await ana.sync(strict=True)
    await tom.sync(strict=True)
    assert entry.id in {e.id for e in await tom.entries.list("ana/Personal")}
    personal = await journal_id(ana, "Personal")
    before = set(journal_seqs(live_server, personal))
    await ana.entries.delete(entry.id)
    await ana.sync(strict=True)
    hidden = set(journal_seqs(live_server, personal)) - before
    assert hidden
    hostile.replies["/v1/sync"] = hiding(personal, hidden)
    await share_with(ana, joan, role="annotate")
    await ana.sync(strict=True)
    await joan.sync()
    withheld = (await tom.sync()).withheld + (await tom.sync()).withheld
    # Fixed: the share carries the removal again under its epoch (protocol.md 4.19,
    # "Removals carried again"), so tom's device no longer shows the entry; the trash
    # record itself is still kept from him, which the pair code shows.
    assert entry.id not in {e.id for e in await tom.entries.list("ana/Personal")}
    ana_code = await ana.journals.verify_head("Personal", with_member="tom")
    tom_code = await tom.journals.verify_head("ana/Personal")
    assert ana_code != tom_code or withheld, (
        "the codes tom and ana compare are equal and tom's sync reports nothing withheld, "
        "while the server keeps ana's trash record from tom's device"
    )
