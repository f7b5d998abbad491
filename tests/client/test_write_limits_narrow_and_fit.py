"""The entry that ends a member's right to write always fits, and never widens an earlier one
(protocol.md 4.19 "Write limits").

- A member chooses its device ids and counters freely. Writing from dozens of made-up device
  ids, each with a counter jump, made the `removed`/`ended` entry larger than the server
  accepts: the owner could never revoke it, and once an end date passed every sync of the
  owner failed, for all journals. The entry now names at most MAX_LIMIT_DEVICES devices
  (those with the most records held first) within a byte budget; a device not named has
  limit 0. A rotation of one journal the server refuses no longer fails the others' sync.
- A second entry ending the same membership's writes (a removal after a narrowing to
  `read`, the `ended` a sync signs when the end date passes, another owner device acting)
  signed the limit and gaps its own device held, and so re-opened a gap the first entry had
  signed. Limits now only narrow, when signed and when read.

Real server on 127.0.0.1, real crypto; the colluding server is played by writing its
database.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from datetime import datetime, timedelta

import pytest

from client_sdk import Client, access, records, wire
from client_sdk.models import now_ms
from client_sdk.withholding import Cover
from tests.client.sharing_support import journal_id, server_db, share_with
from tests.client.test_member_covers_write_limit import LATER, _note, insert_record, sealed
from tests.client.test_rev_expiry_findings import days_on
from tests.conftest import ClientFactory, RunningServer

JUNK = 72  # made-up device ids: past what an unbounded entry could name under the cap
HIGH = 2**62


async def _write_from_many_devices(ana_personal: bytes, tom: Client, epoch: int) -> list[bytes]:
    """tom pushes, while he may write, two notes from each of JUNK random device ids: counter
    1 and a jump to HIGH (one plain gap each). Returns the device ids."""
    me = tom.profile.account_id
    devices = [os.urandom(16) for _ in range(JUNK)]
    uploads = [
        await sealed(tom, "ana/Personal", epoch, _note(me, device, counter, "Junk."))
        for device in devices
        for counter in (1, HIGH)
    ]
    for i in range(0, len(uploads), 16):
        await tom.transport.call(
            "/v1/records/push", wire.PushRequest(ana_personal, uploads[i : i + 16]), wire.PushReply
        )
    return devices


async def _share_and_write(
    signup: ClientFactory, expires_at: datetime | None = None
) -> tuple[Client, Client, bytes, int, list[bytes]]:
    ana, tom = await signup("ana"), await signup("tom")
    await ana.entries.write("Personal", "Before the share.", mood=3)
    await share_with(ana, tom, role="annotate", expires_at=expires_at)
    await tom.sync()
    for text in ("See you Tuesday.", "Breathe.", "Walk daily."):
        await tom.notes.add("ana/Personal", text)  # his honest device: 3 notes
    await tom.sync()
    personal = await journal_id(ana, "Personal")
    old = await tom.context.local_journal("ana/Personal")
    devices = await _write_from_many_devices(personal, tom, old.epoch)
    first = await ana.sync()
    assert not first.problems, first.problems
    return ana, tom, personal, old.epoch, devices


@pytest.mark.parametrize("close", ["revoke", "end-date"])
async def test_a_member_writing_from_many_device_ids_cannot_block_the_end_of_its_share(
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
    close: str,
) -> None:
    """tom writes from 72 made-up device ids, two notes each with a counter jump, besides
    his own device's notes. ana's revocation (or the `ended` her sync signs once the end date
    passed) is signed and stored; it names his own device and at most MAX_LIMIT_DEVICES in
    all. Every record of a device it does not name is refused by a new owner device, and a
    note such a device signs after the end is refused by every owner device."""
    until = datetime.now().astimezone() + timedelta(days=1) if close == "end-date" else None
    ana, tom, personal, epoch, devices = await _share_and_write(signup, until)
    if close == "revoke":
        await ana.shares.revoke("Personal", "tom")
        await ana.sync()
    else:
        days_on(live_server, monkeypatch, 2)
        report = await ana.sync()  # signs `ended` by itself
        assert not any("could not be ended" in p for p in report.problems), report.problems
    state = ana.replica.chains.current(personal)
    assert not state.members
    [limits] = state.write_limits.values()
    assert len(limits) == access.MAX_LIMIT_DEVICES
    assert tom.profile.device_id in limits  # his device holds the most records
    dropped = [d for d in devices if d not in limits]
    assert len(dropped) == JUNK + 1 - access.MAX_LIMIT_DEVICES

    me = tom.profile.account_id
    late = await sealed(tom, "ana/Personal", epoch, _note(me, dropped[0], 2, LATER))
    insert_record(live_server, personal, late, me)
    fresh = await login("ana", "tablet")
    for seen_by in (ana, fresh):
        report = await seen_by.sync()
        texts = [n.text for n in await seen_by.notes.list()]
        assert LATER not in texts, report.problems
        assert {"See you Tuesday.", "Breathe.", "Walk daily."} <= set(texts)
    # On the new device, only the named devices' notes written while he could write.
    texts = [n.text for n in await fresh.notes.list()]
    assert texts.count("Junk.") == 2 * (access.MAX_LIMIT_DEVICES - 1)


async def test_a_journal_whose_ending_the_server_refuses_does_not_stop_the_others_syncing(
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With the bound on the devices named taken away (as before it), the `ended` entry of
    Personal is larger than the server accepts. ana's sync once the end date passed no longer
    fails: it tells Personal's problem, and her entry in another journal is pushed. With the
    bound back, the next sync ends the share and the problem is no longer told."""
    until = datetime.now().astimezone() + timedelta(days=1)
    ana, _, personal, _, _ = await _share_and_write(signup, until)
    monkeypatch.setattr(access, "MAX_LIMIT_DEVICES", 10_000)
    monkeypatch.setattr(access, "MAX_LIMIT_BYTES", 10**6)
    await ana.journals.create("Work")
    await ana.entries.write("Work", "Before.", mood=5)
    await ana.sync()
    days_on(live_server, monkeypatch, 2)
    await ana.entries.write("Work", "Written while Personal cannot end.", mood=6)
    report = await ana.sync()
    assert any("could not be ended" in p and "larger" in p for p in report.problems), (
        report.problems
    )
    assert not ana.replica.chains.current(personal).ended
    tablet = await login("ana", "tablet")
    await tablet.sync()
    work = [e.body for e in await tablet.entries.list("Work")]
    assert "Written while Personal cannot end." in work

    monkeypatch.setattr(access, "MAX_LIMIT_DEVICES", 32)
    monkeypatch.setattr(access, "MAX_LIMIT_BYTES", 2560)
    report = await ana.sync()
    assert not any("could not be ended" in p for p in report.problems), report.problems
    assert ana.replica.chains.current(personal).ended


# --- a later entry never widens the limit ---------------------------------------------------


async def _narrow_with_a_gap_the_phone_does_not_see(
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    expires_at: datetime | None = None,
) -> tuple[Client, Client, Client, bytes, int]:
    """tom jumps to counter 1000, then writes a void at 999 withdrawing 2..998 that the
    server serves to ana's phone only; the laptop narrows tom to `read`, signing limit 1000
    and gap 2..999. The phone verifies it (and keeps the void)."""
    ana, tom = await signup("ana"), await signup("tom")
    phone = await login("ana")
    await ana.entries.write("Personal", "Before the share.", mood=3)
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    await tom.notes.add("ana/Personal", "See you Tuesday.")  # tom's counter 1
    await tom.sync()
    personal = await journal_id(ana, "Personal")
    old = await tom.context.local_journal("ana/Personal")
    me, device = tom.profile.account_id, tom.profile.device_id
    jump = await sealed(tom, "ana/Personal", old.epoch, _note(me, device, 1000, "Jump."))
    await tom.transport.call("/v1/records/push", wire.PushRequest(personal, [jump]), wire.PushReply)
    await ana.sync()
    void = _void(me, device, 999, (2, 998))
    upload = await sealed(tom, "ana/Personal", old.epoch, void)
    await tom.transport.call(
        "/v1/records/push", wire.PushRequest(personal, [upload]), wire.PushReply
    )
    await phone.sync()
    with closing(sqlite3.connect(server_db(live_server))) as db, db:
        assert db.execute("DELETE FROM records WHERE record_id = ?", (upload.record_id,)).rowcount
    await share_with(ana, tom, role="read", expires_at=expires_at)
    await ana.sync()
    assert list(ana.replica.chains.current(personal).write_gaps.values()) == [{device: [(2, 999)]}]
    await phone.sync()
    return ana, tom, phone, personal, old.epoch


def _void(me: bytes, device: bytes, counter: int, withdrawn: tuple[int, int]) -> records.RecordBody:
    return records.RecordBody(
        author=me,
        device=device,
        counter=counter,
        doc_id=records.NO_DOCUMENT,
        doc_kind="",
        kind=records.VOID,
        payload=b"",
        written_at=now_ms(),
        covers=(Cover(me, device, (withdrawn,)),),
    )


async def _signed(owner: Client, personal: bytes, kind: str) -> list[access.Entry]:
    """The entries of `kind` in the chain `owner`'s device stored."""
    raw = (await owner.replica.store.access_entries())[personal]
    key = owner.profile.secrets.sign_public_key
    return [e for e in (access.parse_entry(r, personal, key) for r in raw) if e.kind == kind]


async def _late_note_refused(
    tom: Client,
    live_server: RunningServer,
    personal: bytes,
    epoch: int,
    *readers: Client,
) -> None:
    """tom writes a note under counter 500 (in the gap) after the end; the server stores it.
    Every reader refuses it and names it, and still holds the gap 2..999."""
    me, device = tom.profile.account_id, tom.profile.device_id
    late = await sealed(tom, "ana/Personal", epoch, _note(me, device, 500, LATER))
    insert_record(live_server, personal, late, me)
    for seen_by in readers:
        report = await seen_by.sync()
        texts = [n.text for n in await seen_by.notes.list()]
        assert LATER not in texts, (texts, report.problems)
        assert any(late.record_id.hex() in p for p in report.problems), report.problems
        gaps = list(seen_by.replica.chains.current(personal).write_gaps.values())
        assert gaps == [{device: [(2, 999)]}], gaps


async def test_a_removal_after_a_narrowing_keeps_the_gaps_it_signed(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    """(a) ana removes tom from her phone, which holds a void covering the gap: it signs the
    gap all the same (narrowed to the limit the chain holds), and no device lets tom fill it."""
    ana, tom, phone, personal, epoch = await _narrow_with_a_gap_the_phone_does_not_see(
        signup, login, live_server
    )
    await phone.shares.revoke("Personal", "tom")
    await phone.sync()
    [removal] = await _signed(phone, personal, access.REMOVED)
    assert removal.payload.get("gaps") == [[tom.profile.device_id, [[2, 999]]]]
    await _late_note_refused(
        tom, live_server, personal, epoch, ana, phone, await login("ana", "tablet")
    )


async def test_a_new_owner_device_served_a_replacement_cannot_sign_the_gaps_away(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    """(b) After the narrowing, tom signs a void under counter 1000 covering 2..999, which the
    server serves in place of his jump to a new owner device; ana removes tom from it. The
    removal keeps the gap, and no device lets tom fill it."""
    ana, tom = await signup("ana"), await signup("tom")
    await ana.entries.write("Personal", "Before the share.", mood=3)
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    await tom.notes.add("ana/Personal", "See you Tuesday.")
    await tom.sync()
    personal = await journal_id(ana, "Personal")
    old = await tom.context.local_journal("ana/Personal")
    me, device = tom.profile.account_id, tom.profile.device_id
    jump = await sealed(tom, "ana/Personal", old.epoch, _note(me, device, 1000, "Jump."))
    await tom.transport.call("/v1/records/push", wire.PushRequest(personal, [jump]), wire.PushReply)
    await ana.sync()
    await share_with(ana, tom, role="read")
    await ana.sync()
    replacement = await sealed(tom, "ana/Personal", old.epoch, _void(me, device, 1000, (2, 999)))
    with closing(sqlite3.connect(server_db(live_server))) as db, db:
        assert db.execute("DELETE FROM records WHERE record_id = ?", (jump.record_id,)).rowcount
    insert_record(live_server, personal, replacement, me)
    tablet = await login("ana", "tablet")
    await tablet.sync()
    await tablet.shares.revoke("Personal", "tom")
    await tablet.sync()
    await _late_note_refused(tom, live_server, personal, old.epoch, ana, tablet)


async def test_the_end_a_sync_signs_by_itself_keeps_the_gaps(
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """(c) ana narrowed tom to `read` until tomorrow; two days later her phone's sync signs
    `ended` by itself, from a view holding the void: the gap stays signed and unfillable."""
    until = datetime.now().astimezone() + timedelta(days=1)
    ana, tom, phone, personal, epoch = await _narrow_with_a_gap_the_phone_does_not_see(
        signup, login, live_server, until
    )
    days_on(live_server, monkeypatch, 2)
    await phone.sync()
    assert phone.replica.chains.current(personal).ended
    [end] = await _signed(phone, personal, access.ENDED)
    assert end.payload.get("gaps") == [[tom.profile.device_id, [[2, 999]]]]
    await _late_note_refused(tom, live_server, personal, epoch, ana, phone)


async def test_a_later_top_inside_an_earlier_gap_never_reopens_that_counter(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    """(d) tom writes P under counter 500, served to ana's phone only, then a jump to 1000,
    served to the laptop only; the laptop narrows him to `read` (limit 1000, gap 2..999).
    The phone, holding P, then removes him: its own view (top 500, gap 2..499) lies inside
    the gap the laptop signed, so the removal is lowered below it, and a note tom signs under
    counter 500 after the removal is refused by the laptop and by a new owner device."""
    ana, tom = await signup("ana"), await signup("tom")
    phone = await login("ana")
    await ana.entries.write("Personal", "Before the share.", mood=3)
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    await tom.notes.add("ana/Personal", "See you Tuesday.")  # counter 1
    await tom.sync()
    personal = await journal_id(ana, "Personal")
    old = await tom.context.local_journal("ana/Personal")
    me, device = tom.profile.account_id, tom.profile.device_id

    def delete(record_id: bytes) -> None:
        with closing(sqlite3.connect(server_db(live_server))) as db, db:
            assert db.execute("DELETE FROM records WHERE record_id = ?", (record_id,)).rowcount

    p = await sealed(tom, "ana/Personal", old.epoch, _note(me, device, 500, "P at 500."))
    await tom.transport.call("/v1/records/push", wire.PushRequest(personal, [p]), wire.PushReply)
    await phone.sync()
    delete(p.record_id)
    q = await sealed(tom, "ana/Personal", old.epoch, _note(me, device, 1000, "Jump."))
    await tom.transport.call("/v1/records/push", wire.PushRequest(personal, [q]), wire.PushReply)
    await ana.sync()
    await share_with(ana, tom, role="read")
    await ana.sync()
    assert list(ana.replica.chains.current(personal).write_gaps.values()) == [{device: [(2, 999)]}]
    delete(q.record_id)
    await phone.sync()
    await phone.shares.revoke("Personal", "tom")
    await phone.sync()
    [removal] = await _signed(phone, personal, access.REMOVED)
    assert removal.payload["counters"] == [[device, 1]]  # below the gap, never inside it
    assert "gaps" not in removal.payload

    late = await sealed(tom, "ana/Personal", old.epoch, _note(me, device, 500, LATER))
    insert_record(live_server, personal, late, me)
    for seen_by in (ana, await login("ana", "tablet")):
        report = await seen_by.sync()
        texts = [n.text for n in await seen_by.notes.list()]
        assert LATER not in texts, (texts, report.problems)
        assert any(late.record_id.hex() in p for p in report.problems), report.problems
        assert list(seen_by.replica.chains.current(personal).write_limits.values()) == [{device: 1}]
