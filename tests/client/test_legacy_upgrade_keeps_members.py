"""The upgrade of a legacy key epoch (protocol.md 4.19 "Upgrading a legacy epoch") never
removes or ends a member: it reads the shares list once and takes one time for the members
it checks and the rotation it signs, and a rotation that would remove or end anyone is
neither noted nor sent (the rotations that tell the owner do that: the end of a share whose
date passed, the removal of a member the server no longer serves). A noted upgrade this SDK
cannot read, or a journal deleted while it is upgraded, never fails the sync.

Real server on 127.0.0.1; the loopback hostile proxy (tests/client/hostile.py) in front of
the owner's upgrading device; real crypto."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import client_sdk.replica as replica_module
from client_sdk import Client, legacy_upgrade, wire
from tests.client.hostile import HostileServer, login_through
from tests.client.sharing_support import journal_id, share_with
from tests.client.test_chain_versions import body_of, stored_chain
from tests.client.test_legacy_epoch_upgrade import as_version_2, count_rotations, legacy_journal
from tests.client.test_legacy_upgrade_once import ROTATE, refuse_rotations
from tests.conftest import ClientFactory, RunningServer

SHARES = "/v1/shares/list"
DAY_MS = 24 * 3600 * 1000


def omit_on_second_read(hostile: HostileServer, member_id: bytes) -> None:
    """The proxy leaves `member_id` out of a shares list read that directly follows another
    (a member whose account is erased between two reads, or a server that says so to one)."""

    def rewrite(body: bytes, reply: bytes) -> bytes:
        page = wire.decode(wire.ShareList, reply)
        shares = page.shares
        if len(hostile.paths) >= 2 and hostile.paths[-2] == SHARES:
            shares = [s for s in shares if s.member_id != member_id]
        return wire.encode(wire.ShareList(shares, page.next))

    hostile.replies[SHARES] = rewrite


def member_ids(device: Client, jid: bytes) -> set[bytes]:
    state = device.replica.chains.current(jid)
    return {m.who.account_id for m in state.members.values() if m.who is not None}


def upgraded(device: Client, jid: bytes) -> bool:
    state = device.replica.chains.current(jid)
    return state.epoch in state.key_checks


async def test_a_second_shares_list_read_never_makes_the_upgrade_remove_a_member(
    signup: ClientFactory, hostile: HostileServer, live_server: RunningServer, tmp_path: Path
) -> None:
    """The server leaves yves out of any shares list read that directly follows another.
    The upgrade of ana's legacy "Personal" reads the list once: yves keeps his access in
    it, and no removal ana was never told of is signed."""
    legacy = await legacy_journal(signup, live_server)
    omit_on_second_read(hostile, legacy.yves.profile.account_id)
    tablet = await login_through(hostile, "ana", tmp_path / "ana-tablet", device_name="tablet")
    try:
        await tablet.sync()
        assert len(stored_chain(live_server, legacy.jid)) > legacy.length
        assert upgraded(tablet, legacy.jid)
        assert legacy.yves.profile.account_id in member_ids(tablet, legacy.jid)
    finally:
        await tablet.close()


async def test_an_upgrade_reads_the_shares_list_once(
    signup: ClientFactory, hostile: HostileServer, live_server: RunningServer, tmp_path: Path
) -> None:
    """The upgrade that signs a rotation reads the shares list once: what it checks the
    members against is what it signs."""
    legacy = await legacy_journal(signup, live_server)
    tablet = await login_through(hostile, "ana", tmp_path / "ana-tablet", device_name="tablet")
    try:
        spied: list[str] = []
        real_pages = tablet.replica.transport.pages
        real_upgrades = tablet.replica._rotate_unchecked

        async def pages(path: str, *args: Any, **kw: Any) -> Any:
            spied.append(path)
            return await real_pages(path, *args, **kw)

        async def rotate_unchecked(*args: Any, **kw: Any) -> Any:
            tablet.replica.transport.pages = pages  # type: ignore[method-assign]
            try:
                return await real_upgrades(*args, **kw)
            finally:
                tablet.replica.transport.pages = real_pages  # type: ignore[method-assign]

        tablet.replica._rotate_unchecked = rotate_unchecked  # type: ignore[method-assign]
        await tablet.sync()
        assert len(stored_chain(live_server, legacy.jid)) == legacy.length + 1
    finally:
        await tablet.close()
    assert spied.count(SHARES) == 1, spied


async def test_an_end_date_passing_during_the_upgrade_is_ended_by_the_rotation_that_tells_it(
    signup: ClientFactory,
    hostile: HostileServer,
    live_server: RunningServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """yves's share of the legacy "Personal" ends in a day; the device's clock passes that
    date while the upgrade reads the shares list. The upgrade signs with the time it checked
    the end dates at (yves kept, as a moment earlier); the next sync ends his share and ana
    is told."""
    ana, kim, yves = await signup("ana"), await signup("kim"), await signup("yves")
    await share_with(ana, kim, role="annotate")
    await share_with(ana, yves, expires_at=datetime.now(UTC) + timedelta(days=1))
    await ana.entries.write("Personal", "written under a legacy epoch")
    await ana.sync()
    jid = await journal_id(ana, "Personal")
    as_version_2(live_server, jid, ana)
    length = len(stored_chain(live_server, jid))
    tablet = await login_through(hostile, "ana", tmp_path / "ana-tablet", device_name="tablet")
    offset = [0]
    real_now = replica_module.now_ms
    monkeypatch.setattr(replica_module, "now_ms", lambda: real_now() + offset[0])
    real_served = tablet.replica.served_members
    real_upgrade = tablet.replica._upgrade
    inside = [False]

    async def upgrade(*args: Any, **kw: Any) -> Any:
        inside[0] = True
        try:
            return await real_upgrade(*args, **kw)
        finally:
            inside[0] = False

    async def served() -> Any:
        found = await real_served()
        if inside[0]:
            offset[0] = 2 * DAY_MS  # the end date passed during this read
        return found

    tablet.replica._upgrade = upgrade  # type: ignore[method-assign]
    tablet.replica.served_members = served  # type: ignore[method-assign]
    try:
        first = await tablet.sync()
        kinds = [body_of(raw)[4] for raw in stored_chain(live_server, jid)[length:]]
        assert kinds[0] == "rotated", kinds  # the upgrade: a plain rotation, yves kept
        assert upgraded(tablet, jid)
        second = await tablet.sync()
        told = [*first.departures, *second.departures, *await tablet.unseen_departures()]
        assert yves.profile.account_id not in member_ids(tablet, jid)
    finally:
        await tablet.close()
    assert any(d.member == "yves" for d in told), told


async def test_a_rotation_that_would_remove_a_member_is_never_noted_nor_sent_by_the_upgrade(
    signup: ClientFactory, hostile: HostileServer, live_server: RunningServer, tmp_path: Path
) -> None:
    """Whatever makes the rotation the upgrade signs remove a member (here its signing reads
    the shares list again, and the server leaves yves out of that read), it is neither noted
    nor sent, and not counted as a failure: the journal keeps its chain, yves his access, the
    sync tells no problem, and the next sync that signs a rotation keeping every member
    upgrades it."""
    legacy = await legacy_journal(signup, live_server)
    omit_on_second_read(hostile, legacy.yves.profile.account_id)
    tablet = await login_through(hostile, "ana", tmp_path / "ana-tablet", device_name="tablet")
    real_sign = tablet.replica._sign_rotation

    async def sign_reading_again(*args: Any, served: Any = None, now: Any = None) -> Any:
        return await real_sign(*args)  # reads the shares list and the clock itself

    tablet.replica._sign_rotation = sign_reading_again  # type: ignore[method-assign]
    sent = count_rotations(tablet)
    try:
        for _ in range(2):
            report = await tablet.sync()
            assert not report.problems
        assert sent == []
        assert len(stored_chain(live_server, legacy.jid)) == legacy.length
        assert await tablet.replica.store.setting(legacy_upgrade.SETTING) is None
        assert legacy.yves.profile.account_id in member_ids(tablet, legacy.jid)
        hostile.replies.pop(SHARES)
        await tablet.sync()
        assert sent == [True]
        assert upgraded(tablet, legacy.jid)
        assert legacy.yves.profile.account_id in member_ids(tablet, legacy.jid)
    finally:
        await tablet.close()


@pytest.mark.parametrize("damage", ["request", "note", "heads"])
async def test_a_noted_upgrade_that_cannot_be_read_is_dropped_and_none_other_signed_on_its_chain(
    signup: ClientFactory,
    login: ClientFactory,
    hostile: HostileServer,
    live_server: RunningServer,
    tmp_path: Path,
    damage: str,
) -> None:
    """ana's tablet noted an upgrade the server refused; then its note in the store is
    damaged (its request no longer decodes, the whole note cannot be read, or the heads it
    was signed on cannot be read). Each sync goes through; since it may have been sent, no
    other rotation is signed on that chain, in this session nor after a restart of the app
    (the head it was signed on is kept apart from the note). Once her phone upgrades the
    journal (the chain moved on), the tablet takes that key and keeps no note."""
    legacy = await legacy_journal(signup, live_server)
    refusing = refuse_rotations(hostile, 409, "chain_conflict")
    home = tmp_path / "ana-tablet"
    tablet = await login_through(hostile, "ana", home, device_name="tablet")
    try:
        await tablet.sync()
        assert len(refusing.kept) == 1
        value = await tablet.replica.store.setting(legacy_upgrade.SETTING)
        assert value is not None
        assert await tablet.replica.store.setting(legacy_upgrade.HEADS) is not None
        notes = json.loads(value)
        for items in notes.values():
            items[2] = "c1"  # not a RotateRequest
        async with tablet.replica.store.transaction() as tx:
            if damage == "request":
                await tx.set_setting(legacy_upgrade.SETTING, json.dumps(notes))
            elif damage == "note":
                await tx.set_setting(legacy_upgrade.SETTING, "{not json")
            else:
                await tx.set_setting(legacy_upgrade.SETTING, None)
                await tx.set_setting(legacy_upgrade.HEADS, "{not json")
        await tablet.sync()
        await tablet.sync()
        assert len(refusing.kept) == 1
    finally:
        await tablet.close()
    refusing.on = False
    for _ in range(2):  # started again: the head it signed on is still kept
        tablet = await Client.open(home)
        try:
            await tablet.sync()
            assert len(refusing.kept) == 1
            assert hostile.bodies(ROTATE) == []
            assert len(stored_chain(live_server, legacy.jid)) == legacy.length
            assert not upgraded(tablet, legacy.jid)
        finally:
            await tablet.close()
    phone = await login("ana", device="phone")
    await phone.sync()
    assert len(stored_chain(live_server, legacy.jid)) == legacy.length + 1
    tablet = await Client.open(home)
    try:
        await tablet.sync()
        await tablet.sync()
        assert hostile.bodies(ROTATE) == []
        assert upgraded(tablet, legacy.jid)
        assert await tablet.replica.store.setting(legacy_upgrade.SETTING) is None
        assert await tablet.replica.store.setting(legacy_upgrade.HEADS) is None
    finally:
        await tablet.close()


async def test_a_journal_deleted_while_it_is_upgraded_is_skipped(
    signup: ClientFactory, hostile: HostileServer, live_server: RunningServer, tmp_path: Path
) -> None:
    """Another process on ana's tablet removes the legacy journal from the store while the
    upgrade reads the shares list: the sync goes through, nothing is sent for it."""
    legacy = await legacy_journal(signup, live_server)
    tablet = await login_through(hostile, "ana", tmp_path / "ana-tablet", device_name="tablet")
    replica = tablet.replica
    real_served = replica.served_members
    real_upgrade = replica._upgrade
    inside = [False]

    async def upgrade(*args: Any, **kw: Any) -> Any:
        inside[0] = True
        try:
            return await real_upgrade(*args, **kw)
        finally:
            inside[0] = False

    async def served() -> Any:
        found = await real_served()
        if inside[0]:
            async with replica.store.transaction() as tx:
                await tx.remove_journal(
                    legacy.jid,
                    counters_tag=replica.counters_tag(legacy.jid),
                    account=replica.profile.account_id,
                )
        return found

    replica._upgrade = upgrade  # type: ignore[method-assign]
    replica.served_members = served  # type: ignore[method-assign]
    sent = count_rotations(tablet)
    try:
        await tablet.sync()
        assert sent == []
        assert len(stored_chain(live_server, legacy.jid)) == legacy.length
    finally:
        await tablet.close()
