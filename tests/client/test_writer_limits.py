"""A malicious member (or a member and the server together) shapes what the owner's device
receives so that its next signed record would exceed a reader's limits (records.MAX_SEEN
devices in a seen vector or a cover, records.MAX_RANGES ranges in one cover): counters 1, 3,
5, ... of one member device (pushed so, or every other one withheld by the server), or more
than MAX_SEEN member device ids. The owner's device writes every record within the limits
(protocol.md 4.15 "Within the limits"): every reader takes it, the owner keeps writing and
sharing, and what it left uncovered is reported withheld, never hidden. Real server, real
crypto."""

from __future__ import annotations

import contextlib
import sqlite3

import pytest

from client_sdk import Client, crypto, records, wire
from client_sdk.withholding import MAX_SEEN_BYTES, Cover, is_cut, merge_covers, seen_bytes
from tests.client.sharing_support import journal_id, rows, server_db, share_with
from tests.conftest import ClientFactory, RunningServer

SCATTERED = records.MAX_RANGES + 5
"""Records of one member device the owner's device holds, none next to another."""


async def first_note(tom: Client, journal: bytes) -> records.RecordBody:
    """tom (annotate) writes a note in the journal, and the body of its record (counter 1)
    before it is pushed: what the forged records below copy."""
    await tom.notes.add(journal.hex(), "Try the breathing exercise")
    [waiting] = [r for r in await tom.store.outbox() if r.journal_id == journal]
    local = await tom.context.local_journal(journal.hex())
    body = records.open_record(
        await tom.replica.journal_key(local, waiting.epoch),
        journal,
        waiting.record_id,
        waiting.epoch,
        waiting.ciphertext,
        lambda _: tom.profile.secrets.sign_public_key,
    )
    await tom.sync(strict=True)
    return body


async def push_as(tom: Client, journal: bytes, bodies: list[records.RecordBody]) -> list[bytes]:
    """Push `bodies`, each sealed under tom's current epoch and signed by tom's identity key
    (what a client of tom's could sign: a malicious member), by way of `tom`'s session (a
    device of tom's that is no reader here: the server sends a device no ciphertext of what it
    pushed itself); their record ids, in order."""
    local = await tom.context.local_journal(journal.hex())
    key = await tom.replica.journal_key(local, local.epoch)
    ids = []
    uploads = []
    for body in bodies:
        record_id = crypto.random_bytes(wire.ID_BYTES)
        ciphertext = records.seal_record(
            key, journal, record_id, local.epoch, body, tom.profile.secrets.signing_key
        )
        ids.append(record_id)
        uploads.append(wire.RecordUpload(record_id, local.epoch, ciphertext))
    for start in range(0, len(uploads), wire.MAX_RECORDS_PER_PUSH):
        await tom.transport.call(
            "/v1/records/push",
            wire.PushRequest(journal, uploads[start : start + wire.MAX_RECORDS_PER_PUSH]),
            wire.PushReply,
        )
    return ids


def drop_records(live_server: RunningServer, record_ids: list[bytes]) -> None:
    """What a hostile server does: these records vanish."""
    with contextlib.closing(sqlite3.connect(server_db(live_server))) as db, db:
        db.executemany("DELETE FROM records WHERE record_id = ?", [(r,) for r in record_ids])


async def shared(ana: Client, member: Client, **terms: object) -> None:
    """ana shares Personal with `member`, who verified ana's fingerprint (the journal is
    then no unverified owner's, held back past its download budget) and synced."""
    await share_with(ana, member, **terms)
    await member.shares.verify("ana", await ana.shares.fingerprint())
    await member.sync(strict=True)


async def annotated(
    signup: ClientFactory, login: ClientFactory
) -> tuple[Client, Client, Client, bytes, records.RecordBody]:
    """ana's journal shared with tom (annotate), who wrote a note on his laptop; tom's
    second device `forge` (what pushes the forged records); the journal; the note's body."""
    ana = await signup("ana")
    tom = await signup("tom")
    await ana.entries.write(None, "before the share")
    await shared(ana, tom, role="annotate")
    journal = await journal_id(ana, "Personal")
    note = await first_note(tom, journal)
    forge = await login("tom", device="forge")
    await forge.sync(strict=True)
    return ana, tom, forge, journal, note


async def signed_by(
    ana: Client, live_server: RunningServer, journal: bytes
) -> list[records.RecordBody]:
    """The bodies of the records of `journal` the server holds that ana's account signed,
    opened with the keys ana's device holds, in server order."""
    local = await ana.context.local_journal("Personal")
    me = ana.profile.account_id
    found = []
    for record_id, epoch, ciphertext in rows(
        server_db(live_server),
        "SELECT record_id, epoch, ciphertext FROM records WHERE journal_id = ? ORDER BY seq",
        journal,
    ):
        key = await ana.replica.journal_key(local, epoch)
        try:
            body = records.open_record(
                key,
                journal,
                bytes(record_id),
                epoch,
                bytes(ciphertext),
                lambda a: ana.profile.secrets.sign_public_key if a == me else None,
            )
        except records.UnknownSigner:
            continue
        found.append(body)
    return found


def last_cut(bodies: list[records.RecordBody]) -> records.RecordBody:
    """The cut of the latest share among `bodies`."""
    return [b for b in bodies if is_cut(b.author, b.device, b.counter, b.covers)][-1]


def own_problems(problems: list[str]) -> list[str]:
    return [p for p in problems if "malformed" in p or "not well formed" in p]


@pytest.mark.parametrize("who", ["member", "server"])
async def test_a_member_device_counted_in_scattered_counters_breaks_no_reader(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer, who: str
) -> None:
    """tom's device shows ana's laptop SCATTERED counters none next to another: pushed as
    1, 3, 5, ... by tom ("member"), or pushed 1 to 2 x SCATTERED with the server withholding
    every even one ("server"). ana's laptop then shares with lea: the share's cut covers
    what the laptop holds of tom's device, at most MAX_RANGES ranges of it. Every reader
    (ana's phone, lea, tom) takes every record ana signs; the counters left uncovered are
    reported withheld (tom's device only), never taken as accounted for."""
    ana, tom, forge, journal, note = await annotated(signup, login)
    if who == "member":
        counters = [2 * n + 1 for n in range(SCATTERED)]
    else:
        counters = list(range(1, 2 * SCATTERED))
    device = forge.profile.device_id
    ids = await push_as(
        forge,
        journal,
        [records.RecordBody(**{**vars(note), "device": device, "counter": c}) for c in counters],
    )
    if who == "server":
        drop_records(live_server, [i for i, c in zip(ids, counters, strict=True) if c % 2 == 0])
    report = await ana.sync()
    assert own_problems(report.problems) == []
    held = {(g.author, g.device): g.missing for g in report.withheld}
    assert len(held[(tom.profile.account_id, device)]) == SCATTERED - 1

    lea = await signup("lea")
    await shared(ana, lea)
    await ana.entries.write(None, "after sharing with lea")
    await ana.sync()
    cut = last_cut(await signed_by(ana, live_server, journal))
    [covered] = [c.ranges for c in cut.covers if c.device == device]
    received = [c for c in counters if who == "member" or c % 2]
    # The lowest MAX_RANGES of what the laptop holds, never a counter it lacks.
    assert covered == tuple((c, c) for c in received[: records.MAX_RANGES])
    for reader in (await login("ana"), lea, tom):
        seen = await reader.sync()
        assert own_problems(seen.problems) == [], reader.username
        assert all(g.author == tom.profile.account_id for g in seen.withheld), reader.username
        texts = [e.body for e in await reader.entries.list(journal.hex())]
        assert "after sharing with lea" in texts, reader.username
    assert own_problems((await ana.sync()).problems) == []


async def test_more_member_devices_than_a_seen_vector_names_break_no_reader(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    """tom signs one record under each of MAX_SEEN + 5 device ids of its own making. ana's
    laptop, holding them all, writes an entry (its seen vector) and shares with lea (its
    cut's covers): at most MAX_SEEN devices named in the cut's covers, and in a seen vector
    only as many as MAX_SEEN_BYTES holds (REV-S1 F1), ana's other devices first in both.
    Every reader takes what ana signs."""
    ana, tom, forge, journal, note = await annotated(signup, login)
    devices = [crypto.random_bytes(16) for _ in range(records.MAX_SEEN + 5)]
    await push_as(
        forge, journal, [records.RecordBody(**{**vars(note), "device": d}) for d in devices]
    )
    phone = await login("ana")
    await phone.entries.write(None, "from the phone")
    await phone.sync(strict=True)
    assert own_problems((await ana.sync()).problems) == []
    await ana.entries.write(None, "after the devices")
    await ana.sync()
    lea = await signup("lea")
    await shared(ana, lea)
    bodies = await signed_by(ana, live_server, journal)
    first = (ana.profile.account_id, phone.profile.device_id)
    for body in bodies[-4:]:  # the entry, the share's snapshots, its cut
        named = [(s.author, s.device) for s in body.seen]
        assert seen_bytes(body.seen) <= MAX_SEEN_BYTES < seen_bytes(body.seen) + 46
        assert first in named
    named = [(c.author, c.device) for c in last_cut(bodies).covers]
    assert len(named) == records.MAX_SEEN and first in named
    for reader in (phone, lea, tom):
        seen = await reader.sync()
        assert own_problems(seen.problems) == [], reader.username
        texts = [e.body for e in await reader.entries.list(journal.hex())]
        assert "after the devices" in texts, reader.username
        assert all(g.author == tom.profile.account_id for g in seen.withheld), reader.username
    assert own_problems((await ana.sync()).problems) == []


@pytest.mark.slow
async def test_an_entry_edited_between_others_over_a_thousand_times_compacts_within_the_limits(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    """No attacker: ana edits two entries in turns, so each one's records hold every other
    counter of her laptop. A compaction's snapshot covers what it supersedes, and a later
    one what the earlier snapshot covered: past MAX_RANGES ranges, readers would refuse it
    while the server deleted what it superseded. The laptop supersedes only what one
    snapshot covers within the limits; every reader keeps both entries whole."""
    ana = await signup("ana")
    journal = await journal_id(ana, "Personal")
    first = await ana.entries.write(None, "a")
    second = await ana.entries.write(None, "b")
    turns = records.MAX_RANGES + ana.replica.compact_after
    for _ in range(turns):
        await ana.entries.edit(first.id, append=" a")
        await ana.entries.edit(second.id, append=" b")
    await ana.sync(strict=True)  # compacts the oldest MAX_RECORDS_PER_PAGE of each
    await ana.entries.edit(first.id, append=" end")
    assert (await ana.sync(strict=True)).compacted >= 1
    phone = await login("ana")
    report = await phone.sync()
    assert own_problems(report.problems) == []
    assert (await phone.entries.get(first.id)).body == "a" + " a" * turns + " end"
    assert (await phone.entries.get(second.id)).body == "b" + " b" * turns
    assert report.withheld == []
    # Every snapshot opens (within the limits); the second one of `first` did not supersede
    # the first, which covers MAX_RANGES ranges already.
    snapshots = [
        b
        for b in await signed_by(ana, live_server, journal)
        if b.kind == "snapshot" and b.doc_id == bytes.fromhex(first.id)
    ]
    assert len(snapshots) >= 2
    assert [len(c.ranges) for c in snapshots[0].covers] == [records.MAX_RANGES]


async def test_withdrawals_past_one_record_ride_on_the_next_write(signup: ClientFactory) -> None:
    """ana's laptop drew counters and withdrew every other one, more ranges than one
    record's covers carry: the next entry carries the lowest MAX_RANGES, the entry after it
    the rest (they waited for the sync's void: the store's counting cache made the writes
    in between skip them, REV-S1 note; protocol.md 4.15 "Withdrawals")."""
    ana = await signup("ana")
    await ana.entries.write(None, "first")
    await ana.sync(strict=True)
    journal = await journal_id(ana, "Personal")
    me, device = ana.profile.account_id, ana.profile.device_id
    async with ana.store.transaction() as tx:
        drawn = [await tx.next_counter(journal) for _ in range(2 * records.MAX_RANGES + 20)]
        withdrawn = Cover(me, device, tuple((c, c) for c in drawn[::2]))
        await tx.withdraw(journal, (withdrawn,))
    await ana.entries.write(None, "second")
    await ana.entries.write(None, "third")
    await ana.entries.write(None, "fourth")
    local = await ana.context.local_journal("Personal")
    key = await ana.replica.journal_key(local, local.epoch)
    carried = [
        records.open_record(
            key,
            journal,
            waiting.record_id,
            waiting.epoch,
            waiting.ciphertext,
            lambda _: ana.profile.secrets.sign_public_key,
        ).covers
        for waiting in await ana.store.outbox()
        if waiting.journal_id == journal
    ]
    assert [[len(c.ranges) for c in covers] for covers in carried] == [
        [records.MAX_RANGES],
        [len(withdrawn.ranges) - records.MAX_RANGES],
        [],
    ]
    assert merge_covers([*carried[0], *carried[1]]) == (withdrawn,)
    assert own_problems((await ana.sync()).problems) == []
