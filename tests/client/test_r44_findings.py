"""R44: a hostile review of NU24 C12 (a member's device excuses a co-member's counters) and
NU24 C14 (the verify-head code covers the owner's chain and records only).

Each test here fails on integ5: it states what a user is entitled to and the product does
not yet do (see /work/R44-FINDINGS.md)."""

from __future__ import annotations

import dataclasses

from client_sdk import wire
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import journal_id, share_with
from tests.client.test_withholding import journal_seqs
from tests.conftest import ClientFactory, RunningServer


async def test_r44_f1_a_server_hiding_every_note_of_a_therapist_from_the_client_is_caught(
    hostile: HostileServer, through: Through, signup: ClientFactory, live_server: RunningServer
) -> None:
    """R44 F1. The server forks the client from her only therapist: every record tom's
    device writes from now on (two notes) is served to tom and kept from ana's device. tom
    believes ana has his notes (his push was acknowledged); ana's device receives none and,
    as no later record of tom's device reaches it, finds no gap. Before NU24 C14 the head
    code counted tom's records and the two codes differed; now they are equal, so the
    comparison README tells them to make ("equal codes mean the server showed both devices
    the same history") tells them all is well. Something must show the fork: either the
    codes differ, or ana's sync reports tom's records withheld."""
    ana = await through("ana")
    tom = await signup("tom")
    await ana.entries.write("Personal", "hello")
    await share_with(ana, tom, role="annotate")
    await tom.sync(strict=True)
    personal = await journal_id(ana, "Personal")
    await ana.sync(strict=True)
    assert await ana.journals.verify_head("Personal") == await tom.journals.verify_head(
        "ana/Personal"
    )
    before = set(journal_seqs(live_server, personal))

    def hide_toms(request: bytes, reply: bytes) -> bytes:
        hidden = set(journal_seqs(live_server, personal)) - before
        real = wire.decode(wire.SyncReply, reply)
        pages = [
            dataclasses.replace(page, records=[r for r in page.records if r.seq not in hidden])
            if page.journal_id == personal
            else page
            for page in real.pages
        ]
        return wire.encode(wire.SyncReply(pages, real.done))

    hostile.replies["/v1/sync"] = hide_toms
    await tom.notes.add("ana/Personal", "homework: write down three good things each day")
    await tom.sync(strict=True)
    await tom.notes.add("ana/Personal", "call me if the thoughts come back")
    await tom.sync(strict=True)
    assert len(set(journal_seqs(live_server, personal)) - before) == 2  # both reached the server
    report = await ana.sync()
    assert await ana.notes.list() == []  # the fork: ana's device holds neither note
    assert len(await tom.notes.list()) == 2
    ana_code = await ana.journals.verify_head("Personal")
    tom_code = await tom.journals.verify_head("ana/Personal")
    assert ana_code != tom_code or report.withheld, (
        "a server hiding every record of the client's therapist from her device is shown by "
        "neither the head code nor the withholding check"
    )


async def test_r44_f2_an_owner_edit_hidden_from_a_device_behind_a_later_snapshot_changes_the_code(
    hostile: HostileServer,
    through: Through,
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
) -> None:
    """R44 F2. The code drops every owner record whose server `seq` is lower than a
    snapshot of its document (protocol.md 4.20), as if the snapshot held it; but a snapshot
    holds only what its writer's device had received (its signed seen vector and covers),
    and the order of seqs is the server's. ana's phone edits the entry; the server keeps
    that edit from ana's laptop, whose next edits compact the entry into a snapshot without
    it (a later seq). Every device then drops the phone's edit from its code: the laptop,
    which never saw it, and tom, who reads it, compute the same code while their entries
    differ, and the laptop finds no gap (the phone wrote nothing after it)."""
    laptop = await through("ana")
    laptop.replica.compact_after = 4
    tom = await signup("tom")
    entry = await laptop.entries.write("Personal", "start")
    await share_with(laptop, tom)
    await laptop.sync(strict=True)
    phone = await login("ana")
    await phone.sync(strict=True)
    await tom.sync(strict=True)
    personal = await journal_id(laptop, "Personal")
    before = set(journal_seqs(live_server, personal))
    await phone.entries.edit(entry.id, append=" the phone's words")
    await phone.sync(strict=True)
    hidden = set(journal_seqs(live_server, personal)) - before
    assert len(hidden) == 1

    def hide_the_phones_edit(request: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.SyncReply, reply)
        pages = [
            dataclasses.replace(page, records=[r for r in page.records if r.seq not in hidden])
            if page.journal_id == personal
            else page
            for page in real.pages
        ]
        return wire.encode(wire.SyncReply(pages, real.done))

    hostile.replies["/v1/sync"] = hide_the_phones_edit
    compacted = 0
    for n in range(8):
        await laptop.entries.edit(entry.id, append=f" l{n}")
        compacted += (await laptop.sync()).compacted
    assert compacted >= 1
    report = await laptop.sync()
    await tom.sync()
    on_laptop = (await laptop.entries.get(entry.id)).body
    on_tom = [e.body for e in await tom.entries.list("ana/Personal")]
    assert "the phone's words" not in on_laptop
    assert any("the phone's words" in body for body in on_tom)  # the fork
    laptop_code = await laptop.journals.verify_head("Personal")
    tom_code = await tom.journals.verify_head("ana/Personal")
    assert laptop_code != tom_code or report.withheld, (
        "the laptop and tom were shown different owner records of the entry, and the head "
        "codes are equal"
    )


async def test_r44_f3_an_owner_entry_hidden_from_the_sharing_device_is_caught_by_the_head_code(
    hostile: HostileServer,
    through: Through,
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
) -> None:
    """R44 F3. The code starts at the latest share's epoch (`cut`): the history before it is
    "in the snapshots the sharing device sealed". But that device seals only the documents
    it holds. The server keeps the entry ana's phone wrote from ana's laptop, which then
    shares the journal with joan: tom (a therapist since before) reads the entry, joan never
    receives it, and as its record is older than the cut no code counts it. tom and joan
    are shown different owner documents, with equal codes."""
    laptop = await through("ana")
    tom, joan = await signup("tom"), await signup("joan")
    await laptop.entries.write("Personal", "hello")
    await share_with(laptop, tom)
    phone = await login("ana")
    for device in (phone, tom):
        await device.sync(strict=True)
    personal = await journal_id(laptop, "Personal")
    before = set(journal_seqs(live_server, personal))
    await phone.entries.write("Personal", "written on the phone")
    await phone.sync(strict=True)
    hidden = set(journal_seqs(live_server, personal)) - before
    assert hidden

    def hide_the_phones_entry(request: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.SyncReply, reply)
        pages = [
            dataclasses.replace(page, records=[r for r in page.records if r.seq not in hidden])
            if page.journal_id == personal
            else page
            for page in real.pages
        ]
        return wire.encode(wire.SyncReply(pages, real.done))

    hostile.replies["/v1/sync"] = hide_the_phones_entry
    await laptop.sync()
    await share_with(laptop, joan)
    await laptop.sync()
    for device in (phone, tom, joan):
        await device.sync()
    report = await joan.sync()
    on_tom = [e.body for e in await tom.entries.list("ana/Personal")]
    on_joan = [e.body for e in await joan.entries.list("ana/Personal")]
    assert "written on the phone" in on_tom
    assert "written on the phone" not in on_joan  # the fork
    tom_code = await tom.journals.verify_head("ana/Personal")
    joan_code = await joan.journals.verify_head("ana/Personal")
    assert tom_code != joan_code or report.withheld, (
        "tom and joan were shown different owner entries, and the head codes are equal"
    )
