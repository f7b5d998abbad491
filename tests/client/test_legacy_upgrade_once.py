"""The upgrade of a legacy key epoch (protocol.md 4.19 "Upgrading a legacy epoch") signs at
most one rotation for a verified chain head: a server that refuses it, or fails, gets the
same bytes again at later syncs (after a restart too), never a newly signed rotation with
another key; a new one is signed only once the verified chain moved on, and the noted one is
then dropped, its key never used. A failed upgrade never fails the sync, nor the upgrade of
the owner's other journals, and is told once it keeps failing. Each guard that leaves a
journal alone is covered: a member's device, a journal whose chain has a problem, one with
an owed grant (which keeps its position), one whose rotation cannot be signed (not tried
again in the session).

Real server on 127.0.0.1; the loopback hostile proxy (tests/client/hostile.py) in front of
it for the attacked device; real crypto."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from client_sdk import Client, keys, legacy_upgrade, owed_shares, wire
from client_sdk.errors import TJError
from client_sdk.models import now_ms
from client_sdk.transport import DEFAULT_RETRY
from tests.client.hostile import HostileServer, login_through
from tests.client.sharing_support import journal_id, server_db, share_with
from tests.client.test_chain_problem_holds import move_epoch
from tests.client.test_chain_versions import body_of, stored_chain
from tests.client.test_legacy_epoch_upgrade import (
    Legacy,
    as_version_2,
    legacy_journal,
    server_epoch,
)
from tests.client.test_owed_grant_sent_again import drop_rotates
from tests.conftest import ClientFactory, RunningServer

# Replies are lost or requests failed here to test what the retry does, not how long it
# waits: every client retries with QUICK_RETRY (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("quick_retries")

ROTATE = "/v1/journals/rotate"
NOT_STORED = "could not yet give this journal a new key"


@dataclasses.dataclass
class Refusing:
    """Rotate requests the proxy answered with an error, storing nothing (their bodies)."""

    status: int
    code: str
    kept: list[bytes] = dataclasses.field(default_factory=list)
    on: bool = True
    which: Callable[[wire.RotateRequest], bool] = lambda request: True
    fail_list: int = 0
    """How many journal lists to fail (503) after a refusal: the chain cannot be read again."""
    failing: int = 0


def refuse_rotations(hostile: HostileServer, status: int, code: str) -> Refusing:
    """The proxy answers each rotate request (of the journals `which` picks) `status`
    `code` while `on`, storing nothing, and keeps its body (what a hostile server holds)."""
    refusing = Refusing(status, code)
    forward = hostile.forward

    async def refuse(session: aiohttp.ClientSession, request: web.Request) -> web.Response:
        if request.path == "/v1/journals/list" and refusing.failing:
            refusing.failing -= 1
            await request.read()
            reply = wire.encode(wire.ErrorReply("unavailable", "down"))
            return web.Response(status=503, body=reply, content_type="application/msgpack")
        if request.path != ROTATE or not refusing.on:
            return await forward(session, request)
        body = await request.read()
        if not refusing.which(wire.decode(wire.RotateRequest, body)):
            return await forward(session, request)
        refusing.kept.append(body)
        refusing.failing = refusing.fail_list
        reply = wire.encode(wire.ErrorReply(code, "refused"))
        return web.Response(status=status, body=reply, content_type="application/msgpack")

    hostile.forward = refuse  # type: ignore[method-assign]
    return refusing


def record_epochs(live_server: RunningServer, jid: bytes) -> list[int]:
    with closing(sqlite3.connect(server_db(live_server))) as db:
        rows = db.execute(
            "SELECT epoch FROM records WHERE journal_id = ? ORDER BY seq", (jid,)
        ).fetchall()
    return [int(epoch) for (epoch,) in rows]


def spy(device: Client, name: str) -> list[bytes]:
    """The journals `device`'s replica calls method `name` for from now on (its first
    argument: a journal, or a journal id)."""
    calls: list[bytes] = []
    real = getattr(device.replica, name)

    async def spying(first: Any, *args: Any, **kw: Any) -> Any:
        calls.append(first if isinstance(first, bytes) else first.journal_id)
        return await real(first, *args, **kw)

    setattr(device.replica, name, spying)
    return calls


def rotate_paths(device: Client) -> list[str]:
    """Every path `device` calls from now on."""
    paths: list[str] = []
    real_call = device.replica.transport.call

    async def call(path: str, request: Any, *args: Any, **kw: Any) -> Any:
        paths.append(path)
        return await real_call(path, request, *args, **kw)

    device.replica.transport.call = call  # type: ignore[method-assign]
    return paths


def owner_key_of(device: Client, body: bytes) -> bytes:
    """The new key in a rotation `device`'s account signed (its owner wrap)."""
    request = wire.decode(wire.RotateRequest, body)
    me = device.profile.account_id
    wrap = next(k.envelope for k in request.keys if k.account_id == me)
    secrets = device.profile.secrets
    return keys.unwrap_journal_key(secrets.account_key, me, request.journal_id, request.epoch, wrap)


async def test_a_server_refusing_the_upgrade_gets_the_same_signed_rotation_again(
    signup: ClientFactory, hostile: HostileServer, live_server: RunningServer, tmp_path: Path
) -> None:
    """The server answers every rotation of ana's tablet 409 `chain_conflict` while showing
    the same chain. Each sync (and a sync after the app started again) sends the one
    rotation signed first, byte for byte: one new key, never another; the second failure
    on is told. Meanwhile the tablet writes under the legacy epoch (the new key is not its
    key until stored). Once the server stores it, that key is the epoch's."""
    legacy = await legacy_journal(signup, live_server)
    jid = legacy.jid
    refusing = refuse_rotations(hostile, 409, "chain_conflict")
    home = tmp_path / "ana-tablet"
    tablet = await login_through(hostile, "ana", home, device_name="tablet")
    try:
        reports = [await tablet.sync() for _ in range(3)]
        await tablet.entries.write("Personal", "written while the upgrade is refused")
        await tablet.sync()
    finally:
        await tablet.close()
    assert len(refusing.kept) == 4 and len(set(refusing.kept)) == 1  # one signed, sent 4 times
    assert len(stored_chain(live_server, jid)) == legacy.length
    assert not any(NOT_STORED in p for p in reports[0].problems)
    assert all(any(NOT_STORED in p for p in r.problems) for r in reports[1:])
    assert set(record_epochs(live_server, jid)) == {legacy.epoch}  # never the new key's
    tablet = await Client.open(home)  # started again: the same rotation, from the store
    try:
        await tablet.sync()
        assert len(refusing.kept) == 5 and len(set(refusing.kept)) == 1
        refusing.on = False
        await tablet.sync()
        chain = stored_chain(live_server, jid)
        assert len(chain) == legacy.length + 1
        assert wire.decode(wire.RotateRequest, refusing.kept[0]).chain == [chain[-1]]
        state = tablet.replica.chains.current(jid)
        local = {j.journal_id: j for j in await tablet.replica.store.journals()}[jid]
        key = await tablet.replica.journal_key(local, state.epoch)
        assert key == owner_key_of(tablet, refusing.kept[0])
        assert state.key_matches(state.epoch, key) is True
        assert await tablet.replica.store.setting(legacy_upgrade.SETTING) is None
        await tablet.entries.write("Personal", "after the upgrade")
        await tablet.sync()
        assert record_epochs(live_server, jid)[-1] == legacy.epoch + 1
        sent = len(refusing.kept)
        await tablet.sync()
        assert len(refusing.kept) == sent
    finally:
        await tablet.close()


async def test_a_noted_upgrade_is_dropped_when_another_device_upgrades_first(
    signup: ClientFactory,
    login: ClientFactory,
    hostile: HostileServer,
    live_server: RunningServer,
    tmp_path: Path,
) -> None:
    """ana's tablet's upgrade is refused (noted); her phone then upgrades the journal with a
    rotation of its own. The tablet's next sync sends nothing, drops its note, and takes the
    phone's key: its writes go under it, and kim reads them."""
    legacy = await legacy_journal(signup, live_server)
    jid = legacy.jid
    refusing = refuse_rotations(hostile, 409, "chain_conflict")
    tablet = await login_through(hostile, "ana", tmp_path / "ana-tablet", device_name="tablet")
    try:
        await tablet.sync()
        assert len(refusing.kept) == 1
        assert await tablet.replica.store.setting(legacy_upgrade.SETTING) is not None
        phone = await login("ana", device="phone")
        await phone.sync()
        assert len(stored_chain(live_server, jid)) == legacy.length + 1
        await tablet.sync()
        assert len(refusing.kept) == 1  # nothing sent again
        assert await tablet.replica.store.setting(legacy_upgrade.SETTING) is None
        state = tablet.replica.chains.current(jid)
        local = {j.journal_id: j for j in await tablet.replica.store.journals()}[jid]
        key = await tablet.replica.journal_key(local, state.epoch)
        assert state.key_matches(state.epoch, key) is True
        assert key != owner_key_of(tablet, refusing.kept[0])
        await tablet.entries.write("Personal", "under the phone's key")
        await tablet.sync()
        assert record_epochs(live_server, jid)[-1] == legacy.epoch + 1
    finally:
        await tablet.close()
    await legacy.kim.sync()
    texts = [e.body for e in await legacy.kim.entries.list("ana/Personal")]
    assert "under the phone's key" in texts


async def test_a_rename_since_the_upgrade_was_signed_is_never_undone_by_it(
    signup: ClientFactory, hostile: HostileServer, live_server: RunningServer, tmp_path: Path
) -> None:
    """ana's tablet's upgrade is refused (noted, sealing the name "Personal"); ana then
    renames the journal. The next sync does not send the noted rotation (it would put the
    old name back once stored): it signs one with the new name, stored once the server
    takes it; kim reads the new name."""
    legacy = await legacy_journal(signup, live_server)
    refusing = refuse_rotations(hostile, 409, "chain_conflict")
    tablet = await login_through(hostile, "ana", tmp_path / "ana-tablet", device_name="tablet")
    try:
        await tablet.sync()
        await tablet.journals.rename("Personal", "Diary")
        await tablet.sync()
        assert len(refusing.kept) == 2 and len(set(refusing.kept)) == 2
        refusing.on = False
        await tablet.sync()
        chain = stored_chain(live_server, legacy.jid)
        assert wire.decode(wire.RotateRequest, refusing.kept[1]).chain == chain[legacy.length :]
        await tablet.sync()
        assert [j.name for j in await tablet.journals.list()] == ["Diary"]
    finally:
        await tablet.close()
    await legacy.kim.sync()
    assert "ana/Diary" in [j.name for j in await legacy.kim.journals.list()]


@pytest.mark.parametrize(
    ("status", "code"), [(503, "unavailable"), (404, "not_found"), (500, "internal")]
)
async def test_a_failed_upgrade_never_fails_the_sync_nor_the_other_journals(
    signup: ClientFactory,
    hostile: HostileServer,
    live_server: RunningServer,
    tmp_path: Path,
    status: int,
    code: str,
) -> None:
    """ana owns two legacy journals; the server fails every rotation of "Personal" with
    `status`. The sync ends well and "Work" is upgraded in it; "Personal" is tried again
    at the next sync (the same rotation), told from its second failure, and upgraded once
    the server stores it."""
    legacy = await legacy_journal(signup, live_server)
    await legacy.ana.journals.create("Work")
    await legacy.ana.entries.write("Work", "work, legacy too")
    await legacy.ana.sync()
    work = await journal_id(legacy.ana, "Work")
    as_version_2(live_server, work, legacy.ana)
    work_length = len(stored_chain(live_server, work))
    refusing = refuse_rotations(hostile, status, code)
    refusing.which = lambda request: request.journal_id == legacy.jid
    tablet = await login_through(hostile, "ana", tmp_path / "ana-tablet", device_name="tablet")
    try:
        first = await tablet.sync()
        assert len(refusing.kept) >= 1
        assert len(stored_chain(live_server, work)) == work_length + 1  # upgraded
        assert len(stored_chain(live_server, legacy.jid)) == legacy.length
        assert not any(NOT_STORED in p for p in first.problems)
        second = await tablet.sync()
        assert any(NOT_STORED in p for p in second.problems)
        assert len(set(refusing.kept)) == 1
        refusing.on = False
        third = await tablet.sync()
        assert not any(NOT_STORED in p for p in third.problems)
        assert len(stored_chain(live_server, legacy.jid)) == legacy.length + 1
        assert len(stored_chain(live_server, work)) == work_length + 1
    finally:
        await tablet.close()


async def test_a_refused_upgrade_whose_chain_cannot_be_read_again_waits_for_the_next_sync(
    signup: ClientFactory, hostile: HostileServer, live_server: RunningServer, tmp_path: Path
) -> None:
    """The server refuses the upgrade as a conflict, then fails the journal list the device
    reads to see whether the chain moved: that journal waits for the next sync, the sync
    itself ends well; the next sync sends the same rotation, stored then."""
    legacy = await legacy_journal(signup, live_server)
    refusing = refuse_rotations(hostile, 409, "chain_conflict")
    refusing.fail_list = DEFAULT_RETRY.attempts  # every try of that read
    tablet = await login_through(hostile, "ana", tmp_path / "ana-tablet", device_name="tablet")
    try:
        await tablet.sync()
        assert len(refusing.kept) == 1 and refusing.failing == 0
        refusing.on = False
        await tablet.sync()
        chain = stored_chain(live_server, legacy.jid)
        assert wire.decode(wire.RotateRequest, refusing.kept[0]).chain == chain[legacy.length :]
    finally:
        await tablet.close()


async def legacy_shared_with_kim_alone(signup: ClientFactory, live_server: RunningServer) -> Legacy:
    """ana's "Personal" shared with kim alone (annotate), its chain a version 2 app's."""
    ana, kim = await signup("ana"), await signup("kim")
    await share_with(ana, kim, role="annotate")
    await ana.entries.write("Personal", "written under a legacy epoch")
    await ana.sync()
    jid = await journal_id(ana, "Personal")
    as_version_2(live_server, jid, ana)
    length = len(stored_chain(live_server, jid))
    return Legacy(ana, kim, kim, jid, length, server_epoch(live_server, jid))


async def test_a_members_device_never_attempts_the_upgrade(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    """kim's device syncs a legacy journal shared with her alone (its member entry opens on
    her device): it reads nothing for it, signs nothing, sends no rotation; ana's device
    then upgrades it once."""
    legacy = await legacy_shared_with_kim_alone(signup, live_server)
    kim = legacy.kim
    paths = rotate_paths(kim)
    attempts = spy(kim, "_upgrade")
    signed = spy(kim, "_sign_rotation")
    for _ in range(2):
        await kim.sync()
    state = kim.replica.chains.current(legacy.jid)
    assert state.epoch == legacy.epoch and state.epoch not in state.key_checks  # legacy here
    assert attempts == [] and signed == []
    assert ROTATE not in paths
    tablet = await login("ana", device="tablet")
    await tablet.sync()
    assert len(stored_chain(live_server, legacy.jid)) == legacy.length + 1
    await kim.sync()
    assert ROTATE not in paths and signed == []
    assert kim.replica.chains.current(legacy.jid).epoch == legacy.epoch + 1


async def test_a_journal_whose_chain_has_a_problem_is_not_upgraded_until_it_is_gone(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    """ana's tablet verified the legacy chain; the server then names an older key epoch (a
    rollback: a problem of that journal). Its syncs attempt no upgrade; once the server is
    honest again, the next sync upgrades it."""
    legacy = await legacy_journal(signup, live_server)
    tablet = await login("ana", device="tablet")
    await tablet.replica.refresh_journals()  # verified, no sync yet
    assert tablet.replica.chains.problem(legacy.jid) is None
    move_epoch(live_server, legacy.jid, -1)
    attempts = spy(tablet, "_upgrade")
    paths = rotate_paths(tablet)
    for _ in range(2):
        report = await tablet.sync()
        assert report.rollbacks
    assert attempts == [] and ROTATE not in paths
    move_epoch(live_server, legacy.jid, 1)
    await tablet.sync()
    assert tablet.replica.chains.problem(legacy.jid) is None
    assert attempts == [legacy.jid]
    assert len(stored_chain(live_server, legacy.jid)) == legacy.length + 1


async def test_a_rotation_that_cannot_be_signed_is_not_tried_again_in_the_session(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    """The server serves "Personal"'s metadata broken before ana's new tablet ever read it:
    the tablet holds a placeholder name, which is never signed as the owner's (W7). Its
    first sync tries the upgrade once and signs nothing; its later syncs in that session
    do not try again."""
    legacy = await legacy_journal(signup, live_server)
    with closing(sqlite3.connect(server_db(live_server))) as db, db:
        [(meta,)] = db.execute("SELECT meta FROM journals WHERE journal_id = ?", (legacy.jid,))
        broken = bytes(meta[:-1]) + bytes([meta[-1] ^ 1])  # the AEAD tag no longer checks
        db.execute(
            "UPDATE journals SET meta = ?, meta_version = meta_version + 1 WHERE journal_id = ?",
            (broken, legacy.jid),
        )
    tablet = await login("ana", device="tablet")
    signed = spy(tablet, "_sign_rotation")
    paths = rotate_paths(tablet)
    for _ in range(3):
        await tablet.sync()
    assert signed == [legacy.jid]  # tried once, refused before anything was sent
    assert ROTATE not in paths
    assert len(stored_chain(live_server, legacy.jid)) == legacy.length


async def test_an_owed_grant_keeps_its_position_while_the_journal_is_legacy(
    signup: ClientFactory, hostile: HostileServer, live_server: RunningServer, tmp_path: Path
) -> None:
    """The server drops every rotation of ana's tablet: its upgrade of the legacy journal is
    noted, and a share with zoe is owed (its grant never stored), then spaced (resting).
    While the grant rests, the tablet's syncs send no upgrade (it would take the grant's
    position and lose the share); once the grant is due it lands, carrying a key check,
    and the noted upgrade is dropped."""
    legacy = await legacy_journal(signup, live_server)
    jid = legacy.jid
    zoe = await signup("zoe")
    dropped = drop_rotates(hostile, count=None)
    tablet = await login_through(hostile, "ana", tmp_path / "ana-tablet", device_name="tablet")
    try:
        await tablet.sync()
        assert dropped.reached == 1  # the upgrade, dropped
        assert await tablet.replica.store.setting(legacy_upgrade.SETTING) is not None
        with pytest.raises(TJError):
            await share_with(tablet, zoe)
        owed = owed_shares.decode(await tablet.replica.store.setting(owed_shares.SETTING))[jid]
        resting = dataclasses.replace(
            owed, tries=owed_shares.FREE_TRIES, tried_at=now_ms(), sending=0
        )
        async with tablet.replica.store.transaction() as tx:
            await tx.set_setting(owed_shares.SETTING, owed_shares.encode({jid: resting}))
        dropped.count = 0  # the server stores what it gets from now on
        reached = dropped.reached
        await tablet.sync()
        assert dropped.reached == reached  # neither the upgrade nor the resting grant
        assert len(stored_chain(live_server, jid)) == legacy.length
        due = dataclasses.replace(resting, tried_at=resting.tried_at - owed_shares.REST_MS - 1)
        async with tablet.replica.store.transaction() as tx:
            await tx.set_setting(owed_shares.SETTING, owed_shares.encode({jid: due}))
        report = await tablet.sync()
        assert report.finished_shares, report.problems
        chain = stored_chain(live_server, jid)
        kinds = [body_of(raw)[4] for raw in chain[legacy.length :]]
        assert kinds == ["granted", "rotated"]  # the grant's rotation, no upgrade
        state = tablet.replica.chains.current(jid)
        assert state.member_by_account(zoe.profile.account_id) is not None
        assert state.epoch in state.key_checks
        assert await tablet.replica.store.setting(legacy_upgrade.SETTING) is None
        assert await tablet.replica.store.setting(owed_shares.SETTING) is None
    finally:
        await tablet.close()
