"""What an account whose share was removed or reached its end date can still open (rev30a).

A device must not hand the server a record sealed under a key that such an account holds:
a server can keep any push body, even one it refuses, and serve it to them. These tests
take every push body a device sends (the hostile proxy) and open it with the key the former
reader holds (`opened_with`). Real server on 127.0.0.1, real crypto.

- F1: a co-member's signed end date passed and the owner's device has not yet ended the
  share with a new key: a member's device holds what it writes, as for a removal; the
  owner's device holds too while the server refuses the rotation ending it.
- F2: before a device hands the server a record, it reads the journal list and changed
  chains once per sync that has something to send (and per `push_outbox`): a removal another
  device signed meanwhile is seen first, with every server answer honest.
- F3: once the server refused a journal's push as `stale_epoch`, its records under that
  epoch are not handed over again in that sync; the next sync sends the same bytes again
  when its read of the chain verifies no newer epoch (rev30b F6)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from client_sdk import wire
from client_sdk.replica import MEMBER_END_DATE_HELD, STALE_HELD, STALE_REFUSED_AGAIN
from tests.client.flag_judging import past_ms, shift_clock
from tests.client.hostile import (  # noqa: F401 (fixtures)
    HostileServer,
    Through,
    hostile,
    login_through,
    through,
)
from tests.client.sharing_support import journal_id, share_with
from tests.client.test_refused_end_rotation import refuse_rotations
from tests.client.test_withheld_rotation import (
    coach_key,
    keep_pushes,
    opened_with,
)
from tests.conftest import ClientFactory


def withhold_removal_and_rotation(server: HostileServer, journal: bytes, listed: bytes) -> None:
    """From now on the server serves `journal`'s chain without its last two entries (a
    `removed` and its `rotated`) and lists it one epoch older, without the new epoch's
    envelopes, with the metadata of `listed` (a journal list it served before): a fork no
    device can tell from the chain alone (protocol.md 4.20)."""
    old = next(j for j in wire.decode(wire.JournalList, listed).journals if j.journal_id == journal)

    def cut_access(_: bytes, reply: bytes) -> bytes:
        chains = [
            dataclasses.replace(c, length=c.length - 2, entries=c.entries[:-2])
            if c.journal_id == journal and c.entries
            else c
            for c in wire.decode(wire.AccessReply, reply).chains
        ]
        return wire.encode(wire.AccessReply(chains))

    def cut_list(_: bytes, reply: bytes) -> bytes:
        listed = wire.decode(wire.JournalList, reply)
        journals = [
            dataclasses.replace(
                j,
                epoch=j.epoch - 1,
                chain_length=j.chain_length - 2,
                keys=[k for k in j.keys if k.epoch < j.epoch],
                meta=old.meta,
                meta_version=old.meta_version,
            )
            if j.journal_id == journal
            else j
            for j in listed.journals
        ]
        return wire.encode(dataclasses.replace(listed, journals=journals))

    server.replies["/v1/journals/access"] = cut_access
    server.replies["/v1/journals/list"] = cut_list


def past(monkeypatch: pytest.MonkeyPatch, until: datetime) -> None:
    """Every device's clock from now on as it will read a moment after `until`."""
    shift_clock(monkeypatch, past_ms(until, 300))


async def test_members_device_keeps_a_note_while_a_co_members_end_date_passed(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    through: Through,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """coach's read share has a signed end date; it passes while ana's devices are offline
    (or the server withholds her `ended` + `rotated`). drsmith's device knows the end from
    the owner-signed grant: it keeps its note in the outbox and says why, and once ana's
    device has ended the share, the note goes under the new key. coach's key opens nothing
    drsmith pushed (rev30a F1)."""
    ana, coach = await signup("ana"), await signup("coach")
    drsmith = await through("drsmith")
    until = datetime.now(UTC) + timedelta(seconds=3)
    await share_with(ana, drsmith, role="annotate")
    await share_with(ana, coach, role="read", expires_at=until)
    await ana.sync()
    await drsmith.sync()
    await coach.sync()
    personal = await journal_id(ana, "Personal")
    key = await coach_key(coach)
    past(monkeypatch, until)
    pushed = keep_pushes(hostile)
    await drsmith.sync()
    await drsmith.notes.add("ana/Personal", "After coach's end date: for ana only.")
    report = await drsmith.sync()
    assert opened_with(key, personal, pushed, drsmith) == []
    assert [r for r in await drsmith.store.outbox() if r.journal_id == personal], "it left"
    said = " ".join(report.problems)
    assert f"changes kept on this device, not pushed: {MEMBER_END_DATE_HELD}" in said, said

    await ana.sync()  # ana's device ends coach's share: `ended` + `rotated`
    await drsmith.sync()
    assert [r for r in await drsmith.store.outbox() if r.journal_id == personal] == []
    assert pushed and opened_with(key, personal, pushed, drsmith) == []
    await ana.sync()
    assert "After coach's end date: for ana only." in [
        n.text for n in await ana.notes.list("Personal")
    ]


async def test_owners_device_keeps_an_entry_while_the_server_refuses_the_ending(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    through: Through,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """coach's share reaches its signed end date; the server refuses every rotation ana's
    device signs to end it. The entry ana writes stays in the outbox until the rotation is
    stored, then goes under the new key: coach's key opens nothing (rev30a F1, the owner's
    device)."""
    ana, coach = await through("ana"), await signup("coach")
    until = datetime.now(UTC) + timedelta(seconds=3)
    await share_with(ana, coach, role="read", expires_at=until)
    await ana.sync()
    await coach.sync()
    personal = await journal_id(ana, "Personal")
    key = await coach_key(coach)
    past(monkeypatch, until)
    armed = refuse_rotations(hostile, 409, "chain_conflict")
    pushed = keep_pushes(hostile)
    await ana.entries.write("Personal", "After coach's end date.")
    report = await ana.sync()
    assert opened_with(key, personal, pushed, ana) == []
    assert [r for r in await ana.store.outbox() if r.journal_id == personal], "it left"
    said = " ".join(report.problems)
    assert "a share whose end date passed could not be ended" in said, said
    assert "changes kept on this device, not pushed" in said, said

    armed[0] = False
    await ana.sync()
    assert [r for r in await ana.store.outbox() if r.journal_id == personal] == []
    assert pushed and opened_with(key, personal, pushed, ana) == []


async def test_members_note_written_before_the_sync_that_reveals_a_removal_is_sealed_after(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    through: Through,  # noqa: F811
) -> None:
    """ana removes coach (signed and stored); drsmith then writes a note on a device that
    has not seen it, and syncs; every server answer is honest. The device reads the journal
    list before its push, seals the note under ana's new key and hands over nothing coach's
    key opens (an honest server refusing it as `stale_epoch` could still keep it) (rev30a
    F2)."""
    ana, coach = await signup("ana"), await signup("coach")
    drsmith = await through("drsmith")
    await share_with(ana, drsmith, role="annotate")
    await share_with(ana, coach, role="read")
    await ana.sync()
    await drsmith.sync()
    await coach.sync()
    personal = await journal_id(ana, "Personal")
    key = await coach_key(coach)
    await ana.shares.revoke("Personal", "coach")
    await drsmith.notes.add("ana/Personal", "Written before the removal was seen.")
    pushed = keep_pushes(hostile)
    mark = len(hostile.paths)
    await drsmith.sync()
    paths = hostile.paths[mark:]
    assert paths.index("/v1/journals/list") < paths.index("/v1/records/push"), paths
    assert pushed and opened_with(key, personal, pushed, drsmith) == []
    await ana.sync()
    assert "Written before the removal was seen." in [
        n.text for n in await ana.notes.list("Personal")
    ]


async def test_owner_phone_entry_written_after_the_laptop_removed_coach_is_sealed_after(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """ana's laptop removes coach; later ana writes on her phone, which has not synced
    since. Every server answer is honest. The phone reads the journal list before its push:
    the entry goes under the laptop's new key, which coach never held (rev30a F2)."""
    laptop, coach = await signup("ana"), await signup("coach")
    await share_with(laptop, coach, role="read")
    await laptop.sync()
    await coach.sync()
    phone = await login_through(hostile, "ana", tmp_path / "phone", device_name="phone")
    try:
        await phone.sync()
        personal = await journal_id(laptop, "Personal")
        key = await coach_key(coach)
        await laptop.shares.revoke("Personal", "coach")
        await phone.entries.write("Personal", "Written after coach was removed.")
        pushed = keep_pushes(hostile)
        report = await phone.sync()
        assert pushed and opened_with(key, personal, pushed, phone) == []
        assert report.problems == [], report.problems
        await laptop.sync()
        texts = [e.body for e in await laptop.entries.list("Personal")]
        assert "Written after coach was removed." in texts
    finally:
        await phone.close()


async def test_a_push_outside_a_sync_reads_the_journal_list_first(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    through: Through,  # noqa: F811
) -> None:
    """`push_outbox` (the push of a share, of copies following their source) reads the
    journal list before it hands over a record, as a sync does: a note written before the
    device saw coach's removal goes under ana's new key (rev30a F2, every push path)."""
    ana, coach = await signup("ana"), await signup("coach")
    drsmith = await through("drsmith")
    await share_with(ana, drsmith, role="annotate")
    await share_with(ana, coach, role="read")
    await ana.sync()
    await drsmith.sync()
    await coach.sync()
    personal = await journal_id(ana, "Personal")
    key = await coach_key(coach)
    await ana.shares.revoke("Personal", "coach")
    await drsmith.notes.add("ana/Personal", "Pushed outside a sync.")
    pushed = keep_pushes(hostile)
    mark = len(hostile.paths)
    await drsmith.replica.push_outbox()
    paths = hostile.paths[mark:]
    assert paths.index("/v1/journals/list") < paths.index("/v1/records/push"), paths
    assert pushed and opened_with(key, personal, pushed, drsmith) == []


async def test_a_push_refused_as_stale_is_not_handed_over_again_under_that_key(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    through: Through,  # noqa: F811
) -> None:
    """The server hides ana's `removed` AND `rotated` from drsmith's device (the fork limit,
    protocol.md 4.20): its note goes under the old key once, and the real server refuses it
    as `stale_epoch`. The device does not hand the record over again in that sync; the next
    sync, whose read of the chain still verifies no newer epoch, sends it again as it was
    (the same bytes: nothing new to the server, rev30b F6; refused again, said once so:
    rev30c F7), never anything else under that
    key; once a chain at a newer epoch is verified it goes under the new key (rev30a F3)."""
    ana, coach = await signup("ana"), await signup("coach")
    drsmith = await through("drsmith")
    await share_with(ana, drsmith, role="annotate")
    await share_with(ana, coach, role="read")
    await ana.sync()
    await drsmith.sync()
    await coach.sync()
    personal = await journal_id(ana, "Personal")
    key = await coach_key(coach)
    listed = hostile.replies_to("/v1/journals/list")[-1]
    await ana.shares.revoke("Personal", "coach")
    withhold_removal_and_rotation(hostile, personal, listed)
    pushed = keep_pushes(hostile)
    await drsmith.notes.add("ana/Personal", "Hidden removal.")
    report = await drsmith.sync()
    assert report.problems == [
        f"journal 'ana/Personal': changes kept on this device, not pushed: {STALE_HELD}"
    ]
    assert len([p for p in pushed if opened_with(key, personal, [p], drsmith)]) == 1
    again = await drsmith.sync()
    # sent again as it was, refused again: said once as such, never "sent again" (rev30c F7)
    assert again.problems == [
        f"journal 'ana/Personal': changes kept on this device, not pushed: {STALE_REFUSED_AGAIN}"
    ]
    carrying = [p for p in pushed if opened_with(key, personal, [p], drsmith)]
    assert len(carrying) == 2, "the same record sent again by the next sync"
    assert len(set(carrying)) == 1, f"{len(set(carrying))} different bodies under coach's key"

    hostile.replies.pop("/v1/journals/access")
    hostile.replies.pop("/v1/journals/list")
    await drsmith.sync()
    assert [r for r in await drsmith.store.outbox() if r.journal_id == personal] == []
    await ana.sync()
    assert "Hidden removal." in [n.text for n in await ana.notes.list("Personal")]
