"""The writer's seen vector keeps an account's live devices in it however many stale device
ids the account has (REV-S2 note). A device id is new at every session (protocol.md 2.3),
and the server can force sessions by expiring tokens; the 4 KiB seen vector budget
(withholding.MAX_SEEN_BYTES) ranked the owner's devices by id, so past ~107 of them (small
counters; ~88 at the largest) the live ones dropped out of each other's seen vectors at
random. Now the device heard from most recently comes first. Real server on 127.0.0.1, real
crypto; the stale ids' records are signed with the account's identity key, as any of its
former devices signed them."""

from __future__ import annotations

from client_sdk import Client, crypto, records
from client_sdk.withholding import MAX_SEEN_BYTES, SEEN_ENTRY_BYTES, SEEN_SURE, seen_bytes
from tests.client.sharing_support import journal_id
from tests.client.test_writer_limits import push_as, signed_by
from tests.conftest import ClientFactory, RunningServer

STALE = (MAX_SEEN_BYTES // (SEEN_ENTRY_BYTES + 1)) + 10
"""Stale device ids of the owner, each with one record (counter 1): more than the seen
vector's bytes hold at that counter."""


async def template_of(old: Client, journal: bytes) -> records.RecordBody:
    """A record body `old` (a device of ana's) writes in `journal`, opened before it is
    pushed: what the stale device ids' records copy (signed with ana's identity key, as any
    former device of hers signed them)."""
    await old.entries.write(None, "a template")
    [waiting] = [r for r in await old.store.outbox() if r.journal_id == journal]
    local = await old.context.local_journal(journal.hex())
    body = records.open_record(
        await old.replica.journal_key(local, waiting.epoch),
        journal,
        waiting.record_id,
        waiting.epoch,
        waiting.ciphertext,
        lambda _: old.profile.secrets.sign_public_key,
    )
    await old.sync(strict=True)
    return body


async def test_the_owners_live_devices_keep_each_other_past_many_stale_device_ids(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    assert STALE > SEEN_SURE
    ana = await signup("ana")
    await ana.entries.write(None, "before the old sessions")
    await ana.sync(strict=True)
    journal = await journal_id(ana, "Personal")
    old = await login("ana", device="old")  # pushes what the stale ids signed
    await old.sync(strict=True)
    template = await template_of(old, journal)
    phone = await login("ana", device="phone")
    laptop_id, phone_id = ana.profile.device_id, phone.profile.device_id
    # Ids sorting before both live devices': by id alone, they filled the seen vector and
    # the live devices were left out every time.
    below = int.from_bytes(min(laptop_id, phone_id), "big")
    stale = [(below * n // (STALE + 1)).to_bytes(16, "big") for n in range(1, STALE + 1)]
    assert len(set(stale)) == STALE and max(stale) < min(laptop_id, phone_id)
    await push_as(
        old,
        journal,
        [
            records.RecordBody(
                **{**vars(template), "device": d, "counter": 1, "doc_id": crypto.random_bytes(16)}
            )
            for d in stale
        ],
    )
    await ana.sync()
    await phone.entries.write(None, "from the phone")
    await phone.sync()
    await ana.sync()
    await ana.entries.write(None, "from the laptop")
    await ana.sync()
    await phone.sync()
    await phone.entries.write(None, "from the phone again")
    await phone.sync()

    bodies = await signed_by(ana, live_server, journal)
    latest = {body.device: body for body in bodies}  # each device's last record
    for writer, other in ((laptop_id, phone_id), (phone_id, laptop_id)):
        named = {(s.author, s.device) for s in latest[writer].seen}
        assert seen_bytes(latest[writer].seen) <= MAX_SEEN_BYTES
        assert len(named) > SEEN_SURE  # the budget cut the stale ones, not the vector short
        assert (ana.profile.account_id, other) in named
