"""A journal whose current key epoch an app before chain version 3 started (a legacy epoch:
its `rotated` or `created` entry carries no key check, protocol.md 4.19 "Legacy epochs") is
rotated once, by the first of its owner's devices of this version that syncs it, to a new
epoch whose entry carries the check ("Upgrading a legacy epoch"). From then on a new device
takes the current epoch's key only when it matches the check the owner signed; the
journal's members keep their access; no device rotates it again, and two owner devices
upgrading at once leave one rotation on one chain. Member devices do nothing.

Real server on loopback. The chain of a version 2 app is made by signing the journal's
entries again as version 2 with the owner's key (no `check`), in the server's database,
before any device that verifies it now has seen it; the envelopes a hostile server lists are
written there too."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from typing import Any

import msgpack
import pytest

from client_sdk import Client, access, crypto, keys
from client_sdk.errors import IntegrityError
from tests.client.sharing_support import journal_id, server_db, share_with
from tests.client.test_chain_versions import body_of, stored_chain
from tests.conftest import ClientFactory, RunningServer

NOT_NAMED = "other than the one the owner's access chain names"
ROTATE = "/v1/journals/rotate"


@dataclass
class Legacy:
    """ana's "Personal", shared with kim (annotate) and yves (read), its chain as a version
    2 app signed it: every epoch legacy. `ana` is the device that made it (its verified
    chain is the version 3 one: not used again)."""

    ana: Client
    kim: Client
    yves: Client
    jid: bytes
    length: int
    epoch: int


def as_version_2(live_server: RunningServer, jid: bytes, owner: Client) -> None:
    """Sign every entry of the journal's chain again as an app of chain version 2 did: the
    same kinds, times and payloads, without `check`, linked and signed by the owner."""
    previous = access.GENESIS
    with closing(sqlite3.connect(server_db(live_server))) as db, db:
        for position, raw in enumerate(stored_chain(live_server, jid)):
            fields = body_of(raw)
            kind, at, payload = fields[4:]
            payload = {k: v for k, v in payload.items() if k != "check"}
            body = access.encode_body(jid, position, previous, kind, at, payload, 2)
            db.execute(
                "UPDATE access_chain SET entry = ? WHERE journal_id = ? AND position = ?",
                (access.sign_entry(owner.profile.secrets.signing_key, body), jid, position),
            )
            previous = crypto.hash32(access.signed_input(body))


def server_epoch(live_server: RunningServer, jid: bytes) -> int:
    with closing(sqlite3.connect(server_db(live_server))) as db:
        (epoch,) = db.execute("SELECT epoch FROM journals WHERE journal_id = ?", (jid,)).fetchone()
    return int(epoch)


async def legacy_journal(signup: ClientFactory, live_server: RunningServer) -> Legacy:
    ana = await signup("ana")
    kim = await signup("kim")
    yves = await signup("yves")
    await share_with(ana, kim, role="annotate")
    await share_with(ana, yves)
    await ana.entries.write("Personal", "written under a legacy epoch")
    await ana.sync()
    jid = await journal_id(ana, "Personal")
    as_version_2(live_server, jid, ana)
    chain = stored_chain(live_server, jid)
    assert {body_of(raw)[0] for raw in chain} == {2}
    return Legacy(ana, kim, yves, jid, len(chain), server_epoch(live_server, jid))


def signed_body(raw: bytes) -> bytes:
    body: bytes = msgpack.unpackb(raw)[0]
    return body


def count_rotations(device: Client) -> list[bool]:
    """Each rotation request `device` sends from now on: whether the server stored it."""
    sent: list[bool] = []
    real_call = device.replica.transport.call

    async def spy(path: str, request: Any, *args: Any, **kw: Any) -> Any:
        if path != ROTATE:
            return await real_call(path, request, *args, **kw)
        try:
            reply = await real_call(path, request, *args, **kw)
        except Exception:
            sent.append(False)
            raise
        sent.append(True)
        return reply

    device.replica.transport.call = spy  # type: ignore[method-assign]
    return sent


def count_upgrade_attempts(device: Client) -> list[bytes]:
    """The journals `device` attempts an upgrade of from now on (`Replica._upgrade`: a
    rotation signed, or a noted one sent again)."""
    started: list[bytes] = []
    real_upgrade = device.replica._upgrade

    async def spy(journal: Any, *args: Any, **kw: Any) -> Any:
        started.append(journal.journal_id)
        return await real_upgrade(journal, *args, **kw)

    device.replica._upgrade = spy  # type: ignore[method-assign]
    return started


def list_to(
    live_server: RunningServer, jid: bytes, account: bytes, epoch: int, envelope: bytes
) -> None:
    """The server lists `envelope` as `account`'s of `epoch` (a new journal list)."""
    with closing(sqlite3.connect(server_db(live_server))) as db, db:
        db.execute(
            "UPDATE journal_keys SET envelope = ? WHERE journal_id = ? AND account_id = ? "
            "AND epoch = ?",
            (envelope, jid, account, epoch),
        )
        db.execute(
            "UPDATE journals SET meta_version = meta_version + 1 WHERE journal_id = ?", (jid,)
        )


async def test_after_the_upgrade_a_new_device_refuses_a_key_the_owner_did_not_check(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    """ana's tablet (this version) syncs the legacy journal and rotates it to a checked
    epoch. The server then lists, for the current epoch, to kim's new phone and to ana's new
    phone, an envelope genuinely sealed by ana with another key, one yves holds too (what an
    owner's device shown a stale chain signs: tests/client/test_second_key_for_an_epoch.py).
    Neither takes it: refused, never stored, told, never used. Without the upgrade the
    current epoch would be legacy, and each new device would take that first envelope."""
    legacy = await legacy_journal(signup, live_server)
    jid = legacy.jid
    tablet = await login("ana", device="tablet")
    await tablet.sync()
    epoch = server_epoch(live_server, jid)
    other = crypto.new_key()  # the second key: the colluding yves's
    ana = legacy.ana.profile
    kim = legacy.kim.profile
    terms = keys.ShareTerms(
        ana.account_id, kim.account_id, "kim", kim.secrets.sign_public_key,
        kim.secrets.box_public_key, jid, "annotate", epoch, 0,
    )  # fmt: skip
    list_to(
        live_server, jid, kim.account_id, epoch, keys.seal_share_envelope(ana.secrets, terms, other)
    )
    wrap = keys.wrap_journal_key(ana.secrets.account_key, ana.account_id, jid, epoch, other)
    list_to(live_server, jid, ana.account_id, epoch, wrap)
    for username in ("kim", "ana"):
        device = await login(username, device="phone")
        report = await device.sync()
        assert any(NOT_NAMED in p for p in report.problems), report.problems
        assert await device.replica.store.key_envelope(jid, epoch) is None
        local = {j.journal_id: j for j in await device.replica.store.journals()}[jid]
        assert local.epoch == epoch
        with pytest.raises(IntegrityError, match="access chain names"):  # the key pages too
            await device.replica.journal_key(local, epoch)
    # What the upgrade signed: one version 3 `rotated` entry, for the next epoch, sealed to
    # the same members, with the check of the key ana's tablet holds.
    chain = stored_chain(live_server, jid)
    assert len(chain) == legacy.length + 1 and epoch == legacy.epoch + 1
    version, *_, kind, _, payload = body_of(chain[-1])
    assert (version, kind, payload["epoch"]) == (access.CHAIN_VERSION, access.ROTATED, epoch)
    state = tablet.replica.chains.current(jid)
    assert state.sealed_to[epoch] == state.sealed_to[legacy.epoch] and len(state.members) == 2
    local = {j.journal_id: j for j in await tablet.replica.store.journals()}[jid]
    assert state.key_matches(epoch, await tablet.replica.journal_key(local, epoch)) is True


async def test_only_an_owner_device_upgrades_and_only_once(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    """kim (a member) syncs the legacy journal: no rotation (and none of her own journal,
    whose epoch is checked). ana's tablet rotates it once; its later syncs, and those of
    another device of ana's that first verifies the upgraded chain, rotate nothing; kim and
    yves read on, under the new epoch."""
    legacy = await legacy_journal(signup, live_server)
    jid = legacy.jid
    kim_rotations = count_rotations(legacy.kim)
    await legacy.kim.sync()
    state = legacy.kim.replica.chains.current(jid)
    assert state.epoch == legacy.epoch and state.epoch not in state.key_checks  # legacy here
    assert kim_rotations == []
    tablet = await login("ana", device="tablet")
    rotations = count_rotations(tablet)
    await tablet.sync()
    assert rotations == [True]
    changes = count_upgrade_attempts(tablet)
    for _ in range(2):
        await tablet.sync()
    assert changes == []  # not even an attempt: the journal list is not read for it
    phone = await login("ana", device="phone")
    phone_rotations = count_rotations(phone)
    await phone.sync()
    assert rotations == [True] and phone_rotations == []
    assert len(stored_chain(live_server, jid)) == legacy.length + 1
    await tablet.entries.write("Personal", "after the upgrade")
    await tablet.sync()
    for member in (legacy.kim, legacy.yves):
        await member.sync()
        assert member.replica.chains.current(jid).epoch == legacy.epoch + 1
        texts = [e.body for e in await member.entries.list("ana/Personal")]
        assert "after the upgrade" in texts and "written under a legacy epoch" in texts
    assert kim_rotations == []


async def test_two_owner_devices_upgrading_at_once_sign_one_rotation(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    """ana's tablet and phone both verify the legacy chain, then sync at once; each signs a
    rotation on the same chain and neither request is sent before both are signed. The
    server stores one and refuses the other; the refused device reads the chain again,
    finds the current epoch checked, and signs nothing more. Both hold the one chain the
    server holds (no fork), and the key its check names; neither rotates again."""
    legacy = await legacy_journal(signup, live_server)
    jid = legacy.jid
    devices = [await login("ana", device=name) for name in ("tablet", "phone")]
    for device in devices:
        await device.replica.refresh_journals()
        state = device.replica.chains.current(jid)
        assert state.epoch == legacy.epoch and state.epoch not in state.key_checks
    both_signed = asyncio.Event()
    arrived: list[Client] = []
    sent: dict[str, list[bool]] = {}

    def held_until_both(device: Client, name: str) -> None:
        real_call = device.replica.transport.call
        tried = sent.setdefault(name, [])

        async def call(path: str, request: Any, *args: Any, **kw: Any) -> Any:
            if path == ROTATE and not tried:
                arrived.append(device)
                if len(arrived) == len(devices):
                    both_signed.set()
                await both_signed.wait()
            if path != ROTATE:
                return await real_call(path, request, *args, **kw)
            try:
                reply = await real_call(path, request, *args, **kw)
            except Exception:
                tried.append(False)
                raise
            tried.append(True)
            return reply

        device.replica.transport.call = call  # type: ignore[method-assign]

    for device, name in zip(devices, ("tablet", "phone"), strict=True):
        held_until_both(device, name)

    async def sync(device: Client) -> None:
        try:
            await device.sync()
        finally:
            both_signed.set()  # a device that never rotates holds the other one up no more

    await asyncio.gather(*(sync(device) for device in devices))
    assert sorted(sent.values()) == [[False], [True]]  # one stored, one refused, no retry
    chain = stored_chain(live_server, jid)
    assert len(chain) == legacy.length + 1
    for device in devices:
        await device.sync()
        state = device.replica.chains.current(jid)
        assert state.length == len(chain)
        assert state.head == crypto.hash32(access.signed_input(signed_body(chain[-1])))
        local = {j.journal_id: j for j in await device.replica.store.journals()}[jid]
        assert state.key_matches(state.epoch, await device.replica.journal_key(local, state.epoch))
    assert sorted(sent.values()) == [[False], [True]]  # the syncs after: nothing signed
    assert len(stored_chain(live_server, jid)) == legacy.length + 1
