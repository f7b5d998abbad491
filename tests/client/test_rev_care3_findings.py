"""REV-CARE3: the `care` branch's HEAD (e3967536) attacked: a set-aside safety flag or
result (sync.TRIED_AGAIN) served back as a stub counts as delivered. Real server on
127.0.0.1 behind tests/client/hostile.py's proxy, real crypto. See
/work/REV-CARE3-FINDINGS.md."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from client_sdk import Client, wire
from client_sdk.errors import WithheldRecordsError
from tests.client.hostile import HostileServer, Through, login_through
from tests.client.sharing_support import share_with
from tests.client.test_rev_care2_findings import flagged, refuse_record
from tests.conftest import ClientFactory


def stub_in_pull(
    hostile: HostileServer, journal_id: bytes, record_id: bytes, epoch: int, *, times: int = 1
) -> list[int]:
    """The server adds a stub (no ciphertext) of `record_id` to the page of `journal_id` in
    the next `times` sync replies that hold that page: the server's word that it stores it,
    whether it does or not. Returns a counter of the stubs served."""
    served = [0]

    def add(request: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.SyncReply, reply)
        pages = []
        for page in real.pages:
            if page.journal_id == journal_id and served[0] < times:
                served[0] += 1
                seq = page.head + 1
                stub = wire.StoredRecord(seq, record_id, epoch, b"")
                page = dataclasses.replace(
                    page, records=[*page.records, stub], head=seq, cursor=max(page.cursor, seq)
                )
            pages.append(page)
        return wire.encode(wire.SyncReply(pages, real.done, real.next_journal))

    hostile.replies["/v1/sync"] = add
    return served


async def epoch_of(client: Client, record_id: bytes) -> int:
    for row in await client.store.set_aside():
        if row.record.record_id == record_id:
            return row.record.epoch
    for record in await client.store.outbox():
        if record.record_id == record_id:
            return record.epoch
    raise AssertionError("not waiting")


async def test_q1_a_flag_never_stored_refused_and_stubbed_in_the_same_sync_is_delivered(
    hostile: HostileServer, through: Through, signup: ClientFactory, tmp_path: Path
) -> None:
    """The server refuses the flag for good at every push, never stores it, and serves a
    stub of its id in the pull of the very sync of the refusal. ana's device: nothing set
    aside, not waiting, never sent again. tom never gets the flag. The gap stays (counter
    never withdrawn): tom's device and ana's phone see a record of ana's laptop withheld
    once a later record of that device arrives: as strong as, no weaker than, the ordinary
    'acknowledge and withhold' server. The report of that sync said both 'did NOT reach ...
    sent again at every sync' and pushed=1 (F2): now only pushed=1."""
    ana = await through("ana")
    tom = await signup("tom")
    flag_id, record_id = await flagged(ana, tom)
    phone = await login_through(hostile, "ana", tmp_path / "ana-phone")
    await phone.sync()
    personal = (await ana.context.local_journal("Personal")).journal_id
    epoch = (await ana.context.local_journal("Personal")).epoch
    seen = refuse_record(hostile, record_id, times=1000)  # never stored
    served = stub_in_pull(hostile, personal, record_id, epoch)
    report = await ana.sync()
    assert served[0] == 1 and seen[0] >= 1
    # delivered after all in the same sync: not also told "did NOT reach" (F2, fixed)
    assert report.set_aside == []
    assert report.pushed == 1
    assert await ana.set_aside() == []
    assert not await ana.safety.waiting(flag_id)
    pushes = seen[0]
    del hostile.replies["/v1/sync"]
    await ana.sync()
    assert seen[0] == pushes  # never sent again
    await tom.sync()
    assert await tom.safety.flags() == []  # tom never got it
    # the gap shows once a later record of ana's laptop arrives (counter never withdrawn)
    await ana.entries.write(None, "later")
    await ana.sync()
    assert len((await tom.sync()).withheld) == 1
    raised = False
    try:
        await phone.sync(strict=True)
    except WithheldRecordsError:
        raised = True
    assert raised
    await phone.close()


async def test_q1_without_a_later_record_the_gap_does_not_show(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """As above, and ana writes nothing after: tom's device sees nothing missing and no
    flag (the ordinary acknowledge-and-withhold case is the same: a gap shows only once a
    later record of that device arrives)."""
    ana = await through("ana")
    tom = await signup("tom")
    flag_id, record_id = await flagged(ana, tom)
    local = await ana.context.local_journal("Personal")
    refuse_record(hostile, record_id, times=1000)
    stub_in_pull(hostile, local.journal_id, record_id, local.epoch)
    await ana.sync()
    assert not await ana.safety.waiting(flag_id)
    report = await tom.sync()
    assert report.withheld == [] and await tom.safety.flags() == []


async def test_q2_a_stub_of_a_set_aside_entry_delivers_nothing(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """A set-aside entry (not a TRIED_AGAIN kind) served back as a stub stays set aside."""
    ana = await through("ana")
    tom = await signup("tom")
    await share_with(ana, tom, role="annotate")
    await ana.sync()
    entry = await ana.entries.write(None, "refused words")
    [record] = [r for r in await ana.store.outbox() if r.doc_id == bytes.fromhex(entry.id)]
    local = await ana.context.local_journal("Personal")
    refuse_record(hostile, record.record_id, times=1000)
    stub_in_pull(hostile, local.journal_id, record.record_id, record.epoch, times=3)
    await ana.sync()
    await ana.sync()
    assert [c.doc_id for c in await ana.set_aside()] == [entry.id]


async def test_q2_a_stub_in_another_journals_page_delivers_nothing(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """The flag's stub served in the page of another journal (Work): the flag stays set
    aside and waiting."""
    ana = await through("ana")
    tom = await signup("tom")
    await ana.journals.create("Work")
    flag_id, record_id = await flagged(ana, tom)
    work = await ana.context.local_journal("Work")
    refuse_record(hostile, record_id, times=1000)
    served = stub_in_pull(hostile, work.journal_id, record_id, work.epoch, times=3)
    await ana.sync()
    await ana.sync()
    assert served[0] >= 1
    assert [c.doc_id for c in await ana.set_aside()] == [flag_id]
    assert await ana.safety.waiting(flag_id)


async def test_q2_a_stub_on_the_other_device_of_the_account_delivers_nothing(
    hostile: HostileServer, through: Through, signup: ClientFactory, tmp_path: Path
) -> None:
    """ana's phone is served the stub of the laptop's set-aside flag: the laptop's flag
    stays set aside, waiting, and is pushed again."""
    ana = await through("ana")
    tom = await signup("tom")
    flag_id, record_id = await flagged(ana, tom)
    phone = await login_through(hostile, "ana", tmp_path / "ana-phone")
    await phone.sync()
    local = await ana.context.local_journal("Personal")
    seen = refuse_record(hostile, record_id, times=1)
    await ana.sync()
    assert [c.doc_id for c in await ana.set_aside()] == [flag_id]
    served = stub_in_pull(hostile, local.journal_id, record_id, local.epoch)
    await phone.sync()
    assert served[0] == 1
    del hostile.replies["/v1/sync"]
    assert [c.doc_id for c in await ana.set_aside()] == [flag_id]
    await ana.sync()
    assert seen[0] == 2 and await ana.set_aside() == []
    await tom.sync()
    assert [f.id for f in await tom.safety.flags()] == [flag_id]
    await phone.close()


async def measured_then_deleted(
    hostile: HostileServer, ana: Client, tom: Client
) -> tuple[str, bytes, list[int]]:
    """ana shares Personal with tom, takes a PHQ-9 whose record the server refuses for good
    at every push (never stored), syncs (set aside, tried again), then deletes the result (a
    later change of the same document) and syncs: the delete is set aside behind it
    (depends_on_set_aside). Returns (result id, the result's record id, refusal counter)."""
    await share_with(ana, tom, role="annotate")
    await ana.sync()
    await tom.sync()
    taken = await ana.measures.take("phq9", [1, 1, 1, 1, 1, 0, 0, 0, 0])
    doc = bytes.fromhex(taken.result.id)
    [record] = [r for r in await ana.store.outbox() if r.doc_id == doc]
    seen = refuse_record(hostile, record.record_id, times=1000)
    refusing = hostile.forward
    bodies: list[bytes] = []

    async def recording(session, request):  # type: ignore[no-untyped-def]
        if request.path == "/v1/records/push":
            bodies.append(await request.read())
        return await refusing(session, request)

    hostile.forward = recording  # type: ignore[method-assign]
    await ana.sync()
    await ana.measures.delete(taken.result.id)
    await ana.sync()
    rows = [r for r in await ana.store.set_aside() if r.record.doc_id == doc]
    assert [r.code for r in rows][1:] == ["depends_on_set_aside"], [r.code for r in rows]
    # the server saw the delete's record id: the batch holding both was refused first
    assert any(rows[1].record.record_id in b for b in bodies)
    return taken.result.id, record.record_id, seen


async def test_q2_a_stubbed_result_releases_its_later_change_at_the_next_sync(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """The stub of the refused result delivers it; the delete set aside behind it is pushed
    (at the next sync: it stays listed as set aside in the sync of the stub)."""
    ana = await through("ana")
    tom = await signup("tom")
    result_id, record_id, seen = await measured_then_deleted(hostile, ana, tom)
    local = await ana.context.local_journal("Personal")
    stub_in_pull(hostile, local.journal_id, record_id, await epoch_of(ana, record_id))
    await ana.sync()
    left = [(r.record.record_id == record_id, r.code) for r in await ana.store.set_aside()]
    assert left == [(False, "depends_on_set_aside")]  # the result delivered, its delete waits
    del hostile.replies["/v1/sync"]
    await ana.sync()
    assert await ana.set_aside() == []
    assert await ana.pending() == 0


async def test_q2_a_stub_of_the_later_change_never_delivers_it_before_the_result(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """The server stubs the delete's record id (seen in a batch it refused) while the result
    itself stays refused: the delete counted as delivered, out of order (F3). A change set
    aside behind an earlier one of its document is never delivered by a stub: both stay."""
    ana = await through("ana")
    tom = await signup("tom")
    result_id, record_id, seen = await measured_then_deleted(hostile, ana, tom)
    doc = bytes.fromhex(result_id)
    [later] = [
        r.record
        for r in await ana.store.set_aside()
        if r.record.doc_id == doc and r.record.record_id != record_id
    ]

    local = await ana.context.local_journal("Personal")
    stub_in_pull(hostile, local.journal_id, later.record_id, later.epoch)
    await ana.sync()
    kept = [r.record.record_id for r in await ana.store.set_aside()]
    assert kept == [record_id, later.record_id]


async def test_q2_once_the_server_takes_the_result_its_delete_follows(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """Continued (F3 fixed): the stub of the delete delivered nothing; once the server takes
    the result, its delete follows: tom holds no result, nothing is withheld."""
    ana = await through("ana")
    tom = await signup("tom")
    result_id, record_id, seen = await measured_then_deleted(hostile, ana, tom)
    doc = bytes.fromhex(result_id)
    [later] = [
        r.record
        for r in await ana.store.set_aside()
        if r.record.doc_id == doc and r.record.record_id != record_id
    ]
    local = await ana.context.local_journal("Personal")
    stub_in_pull(hostile, local.journal_id, later.record_id, later.epoch)
    await ana.sync()
    del hostile.replies["/v1/sync"]
    hostile.forward = HostileServer.forward.__get__(hostile)  # type: ignore[method-assign]
    await ana.sync()
    assert await ana.set_aside() == []
    await tom.sync()
    assert await tom.measures.list("ana/Personal") == []
    await ana.entries.write(None, "later")
    await ana.sync()
    assert (await tom.sync()).withheld == []


async def test_q4_a_members_device_ignores_another_members_later_line(
    signup: ClientFactory,
) -> None:
    """tom and eve annotate ana/Personal; eve sets a line after tom's. ana's device (the
    client's) shows eve's; tom's device cannot open eve's identity (who=None) and shows his
    own as the line in use: the therapist is told a line that is not the one the client
    sees."""
    ana, tom, eve = await signup("ana"), await signup("tom"), await signup("eve")
    await share_with(ana, tom, role="annotate")
    await share_with(ana, eve, role="annotate")
    await tom.sync()
    await eve.sync()
    await tom.safety.set_crisis_line("ana/Personal", "Call tom: 555 0199")
    await tom.sync()
    await eve.safety.set_crisis_line("ana/Personal", "Call eve: 555 0123")
    await eve.sync()
    await ana.sync()
    await tom.sync()
    owner = await ana.safety.plan("Personal")
    member = await tom.safety.plan("ana/Personal")
    assert owner.crisis_line_set_by == "eve"
    assert member.crisis_line_set_by == "tom"  # not what ana's device shows
