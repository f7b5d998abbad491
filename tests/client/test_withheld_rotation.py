"""A server that withholds the `rotated` entry signed with a removal or an end (rev29c F1).

Removing a member, or ending a share whose end date passed, signs `removed` (or `ended`) then
`rotated` (the new key) in one request. A hostile server serves another device the chain
without the `rotated` entry, and lists the journal at its old epoch. That device sees the
member gone while the current epoch's key is still the one sealed to them: it must count
them among the readers of what is written next, and a device of the owner must not push
under that key (it rotates it itself, or keeps the records in the outbox). Real server
behind a hostile proxy, real crypto: the test opens what was pushed with the key the former
member holds."""

from __future__ import annotations

import dataclasses
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from client_sdk import Client, records, wire
from client_sdk.models import now_ms
from client_sdk.readers import UNKNOWN_READER, journal_readers
from client_sdk.replica import FORMER_HOLDER_HELD, MEMBER_FORMER_HOLDER_HELD
from tests.client.flag_judging import past_ms, shift_clock
from tests.client.hostile import (  # noqa: F401 (fixtures)
    HostileServer,
    Through,
    hostile,
    login_through,
    through,
)
from tests.client.sharing_support import journal_id, server_db, share_with
from tests.conftest import ClientFactory, RunningServer


def withhold_last_entry(server: HostileServer, journal: bytes, listed: bytes | None) -> None:
    """From now on the server serves `journal`'s chain without its last entry, and lists it
    one epoch older, without the new epoch's envelopes (with the metadata of `listed`, a
    journal list it served before, when given)."""
    old = None
    if listed is not None:
        old = next(
            j for j in wire.decode(wire.JournalList, listed).journals if j.journal_id == journal
        )

    def cut_access(_: bytes, reply: bytes) -> bytes:
        chains = [
            dataclasses.replace(c, length=c.length - 1, entries=c.entries[:-1])
            if c.journal_id == journal and c.entries
            else c
            for c in wire.decode(wire.AccessReply, reply).chains
        ]
        return wire.encode(wire.AccessReply(chains))

    def cut_list(_: bytes, reply: bytes) -> bytes:
        listed = wire.decode(wire.JournalList, reply)
        journals = []
        for j in listed.journals:
            if j.journal_id == journal:
                j = dataclasses.replace(
                    j,
                    epoch=j.epoch - 1,
                    chain_length=j.chain_length - 1,
                    keys=[k for k in j.keys if k.epoch < j.epoch],
                )
                if old is not None:
                    j = dataclasses.replace(j, meta=old.meta, meta_version=old.meta_version)
            journals.append(j)
        return wire.encode(dataclasses.replace(listed, journals=journals))

    server.replies["/v1/journals/access"] = cut_access
    server.replies["/v1/journals/list"] = cut_list


def keep_pushes(server: HostileServer) -> list[bytes]:
    """Every push body the device sends from now on, whatever the server answers (a hostile
    one accepts and serves what an honest one refuses as sealed under an old epoch)."""
    sent: list[bytes] = []

    def keep(body: bytes) -> bytes:
        sent.append(body)
        return body

    server.requests["/v1/records/push"] = keep
    return sent


def served_honestly(server: HostileServer) -> None:
    server.replies.pop("/v1/journals/access", None)
    server.replies.pop("/v1/journals/list", None)


def opened_with(key: bytes, journal: bytes, pushes: list[bytes], owner: Client) -> list[bytes]:
    """The payloads of `journal`'s records in these push bodies that `key` opens."""
    opened = []
    for body in pushes:
        request = wire.decode(wire.PushRequest, body)
        if request.journal_id != journal:
            continue
        for r in request.records:
            try:
                found = records.open_record(
                    key,
                    journal,
                    r.record_id,
                    r.epoch,
                    r.ciphertext,
                    lambda _: owner.profile.secrets.sign_public_key,
                )
            except Exception:  # noqa: BLE001 (sealed under another key: what must happen)
                continue
            opened.append(found.payload)
    return opened


async def coach_key(coach: Client) -> bytes:
    local = await coach.context.local_journal("ana/Personal")
    return await coach.replica.journal_key(local, local.epoch)


async def owner_phone_after(
    ending: str,
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch | None = None,
) -> None:
    """ana's laptop removes coach (`ending` "revoke") or ends coach's share at its end date
    ("end date"); the server withholds the `rotated` entry from ana's phone. The phone
    counts coach among the readers, keeps ana's next entry in the outbox (it cannot rotate
    the key: the server refuses the position it signs at), tells why, and pushes the entry
    under the new key once the server serves the chain whole. coach's key opens nothing."""
    laptop, coach = await signup("ana"), await signup("coach")
    until = datetime.now(UTC) + timedelta(seconds=3) if ending == "end date" else None
    await share_with(laptop, coach, role="read", expires_at=until)
    await laptop.sync()
    await coach.sync()
    phone = await login_through(hostile, "ana", tmp_path / "phone", device_name="phone")
    try:
        await phone.sync()
        personal = await journal_id(laptop, "Personal")
        listed = hostile.replies_to("/v1/journals/list")[-1]
        key = await coach_key(coach)
        if until is None:
            await laptop.shares.revoke("Personal", "coach")
        else:
            assert monkeypatch is not None  # every device's clock a moment past `until`
            shift_clock(monkeypatch, past_ms(until, 300))
            await laptop.sync()  # ended + rotated
        withhold_last_entry(hostile, personal, listed)
        pushed = keep_pushes(hostile)
        await phone.sync()
        state = phone.replica.chains.current(personal)
        assert not state.members and state.sealed_to[state.epoch], "the rotation was not withheld"

        assert await phone.journals.readers("Personal") == ["coach"]

        await phone.entries.write("Personal", "Words for no therapist.")
        report = await phone.sync()
        assert opened_with(key, personal, pushed, phone) == []
        held = [r for r in await phone.store.outbox() if r.journal_id == personal]
        assert held, "the entry left the outbox"
        said = " ".join(report.problems)
        assert "the key of a share that was removed or ended could not be rotated" in said, said
        # what is happening and what helps, never "sync, then try again" (rev29d F5)
        assert "the server does not accept the new key this device signs" in said, said
        assert "syncing again does not help while it is withheld" in said, said
        assert "sync, then try again" not in said, said
        assert f"changes kept on this device, not pushed: {FORMER_HOLDER_HELD}" in said, said

        served_honestly(hostile)
        await phone.sync()
        assert [r for r in await phone.store.outbox() if r.journal_id == personal] == []
        assert await phone.journals.readers("Personal") == []
        assert pushed and opened_with(key, personal, pushed, phone) == []
        await laptop.sync()
        texts = [e.body for e in await laptop.entries.list("Personal")]
        assert "Words for no therapist." in texts
    finally:
        await phone.close()


async def test_owner_phone_keeps_entry_when_a_removals_rotation_is_withheld(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    await owner_phone_after("revoke", signup, hostile, tmp_path)


async def test_owner_phone_keeps_entry_when_an_ends_rotation_is_withheld(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await owner_phone_after("end date", signup, hostile, tmp_path, monkeypatch)


def lose_last_rotation(live_server: RunningServer, journal: bytes) -> None:
    """What a compromised server can do: drop the journal's last chain entry (a `rotated`
    entry), the envelopes of the epoch it started, and name the epoch before it again."""
    with closing(sqlite3.connect(server_db(live_server))) as db, db:
        (epoch,) = db.execute(
            "SELECT epoch FROM journals WHERE journal_id = ?", (journal,)
        ).fetchone()
        db.execute(
            "DELETE FROM access_chain WHERE journal_id = ? AND position = "
            "(SELECT MAX(position) FROM access_chain WHERE journal_id = ?)",
            (journal, journal),
        )
        db.execute("DELETE FROM journal_keys WHERE journal_id = ? AND epoch = ?", (journal, epoch))
        db.execute(
            "UPDATE journals SET epoch = epoch - 1, meta_version = meta_version + 1 "
            "WHERE journal_id = ?",
            (journal,),
        )


async def test_owner_phone_rotates_the_key_itself_when_a_removals_rotation_is_lost(
    signup: ClientFactory,
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The server keeps the laptop's `removed` entry and drops the `rotated` one signed with
    it: the owner's phone, which holds the signing key, signs the rotation itself at its
    next sync, as it ends a share whose end date passed, and its next entry goes under the
    new key, which coach does not hold."""
    laptop, coach = await signup("ana"), await signup("coach")
    await share_with(laptop, coach, role="read")
    await laptop.sync()
    await coach.sync()
    key = await coach_key(coach)
    personal = await journal_id(laptop, "Personal")
    phone = await login_through(hostile, "ana", tmp_path / "phone", device_name="phone")
    try:
        await phone.sync()
        await laptop.shares.revoke("Personal", "coach")
        lose_last_rotation(live_server, personal)
        pushed = keep_pushes(hostile)
        await phone.sync()  # learns the removal: rotates at its next sync or push
        state = phone.replica.chains.current(personal)
        assert not state.members and state.sealed_to[state.epoch], "the rotation was not lost"
        assert await phone.journals.readers("Personal") == ["coach"]
        await phone.entries.write("Personal", "After the rotation.")
        report = await phone.sync()
        assert report.problems == []
        after = phone.replica.chains.current(personal)
        assert after.epoch == state.epoch + 1 and not after.sealed_to[after.epoch]
        assert await phone.journals.readers("Personal") == []
        assert [r for r in await phone.store.outbox() if r.journal_id == personal] == []
        assert pushed and opened_with(key, personal, pushed, phone) == []
    finally:
        await phone.close()


async def test_members_device_counts_a_removed_member_whose_rotation_is_withheld(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    through: Through,  # noqa: F811
) -> None:
    """ana removes coach; the server withholds the `rotated` entry from drsmith's device.
    What drsmith writes next is sealed under the key coach holds (a member's device cannot
    rotate it): drsmith's device counts coach, as an account it cannot name."""
    ana, coach = await signup("ana"), await signup("coach")
    drsmith = await through("drsmith")
    await share_with(ana, drsmith, role="annotate")
    await share_with(ana, coach, role="read")
    await ana.sync()
    await drsmith.sync()
    await coach.sync()
    personal = await journal_id(ana, "Personal")
    assert await drsmith.journals.readers("ana/Personal") == [UNKNOWN_READER, "ana"]
    await ana.shares.revoke("Personal", "coach")
    withhold_last_entry(hostile, personal, None)
    await drsmith.sync()
    state = drsmith.replica.chains.current(personal)
    assert len(state.members) == 1 and len(state.sealed_to[state.epoch]) == 2
    assert await drsmith.journals.readers("ana/Personal") == [UNKNOWN_READER, "ana"]
    mine = drsmith.profile.account_id
    counted = journal_readers(state, now_ms(), ended=False, viewer=mine)
    assert [(r.username, r.ended) for r in counted if r.account_id != mine.hex()] == [
        (UNKNOWN_READER, True)
    ]
    served_honestly(hostile)
    await drsmith.sync()  # the sync that serves the chain whole sees the rotation (fix30b 7)
    assert await drsmith.journals.readers("ana/Personal") == ["ana"]


async def test_members_device_keeps_a_note_while_a_removals_rotation_is_withheld(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    through: Through,  # noqa: F811
) -> None:
    """ana removes coach; the server withholds the `rotated` entry from drsmith's device
    and would accept what it pushes under the old key (rev29d F3). drsmith's device cannot
    rotate: it keeps the note in its outbox, says why, and once the chain is served whole
    seals it again under ana's new key before pushing it. coach's key opens nothing
    drsmith pushed."""
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
    withhold_last_entry(hostile, personal, None)
    pushed = keep_pushes(hostile)
    await drsmith.sync()
    await drsmith.notes.add("ana/Personal", "For ana only.")
    before = len(hostile.paths)
    report = await drsmith.sync()
    # the chain read again for the unsettled removal serves the push too: the list once
    assert hostile.paths[before:].count("/v1/journals/list") == 1, hostile.paths[before:]
    assert opened_with(key, personal, pushed, drsmith) == []
    assert [r for r in await drsmith.store.outbox() if r.journal_id == personal], "it left"
    said = " ".join(report.problems)
    assert f"changes kept on this device, not pushed: {MEMBER_FORMER_HOLDER_HELD}" in said, said

    served_honestly(hostile)
    await drsmith.sync()  # the chain read whole in it: the rotation seen (fix30b 7)
    assert [r for r in await drsmith.store.outbox() if r.journal_id == personal] == []
    assert pushed and opened_with(key, personal, pushed, drsmith) == []
    await ana.sync()
    assert "For ana only." in [n.text for n in await ana.notes.list("Personal")]
