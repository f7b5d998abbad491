"""A key epoch has one key. An owner's device shown a stale access chain by the server (from
before another of the owner's devices revoked a member) signs the current epoch again with a
fresh key, sealed to the members it believes current, the revoked one included. The server
refuses that rotation as stale but keeps its envelopes, then lists them to the other devices:
they are genuinely signed by the owner, yet no device takes that second key for the epoch,
so the revoked member reads nothing written after the revocation.

Real server on loopback; its database edited as a hostile server would."""

from __future__ import annotations

import contextlib
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from typing import Any

import pytest

from client_sdk import Client, keys
from client_sdk.errors import ConflictError, IntegrityError
from tests.client.sharing_support import (
    journal_id,
    plaintexts_openable_with,
    server_db,
    share_with,
    stolen_records,
)
from tests.conftest import ClientFactory, RunningServer

SECOND_KEY = "the server offered a second key"
NOT_NAMED = "other than the one the owner's access chain names"


@dataclass
class Fork:
    """The state after the attack: the journal, the epoch signed twice, the key of the
    stale rotation that the revoked member can open, and the refused rotation's request."""

    ana: Client
    kim: Client
    yves: Client
    jid: bytes
    epoch: int
    key_for_yves: bytes
    request: Any
    honest: dict[bytes, bytes]
    """account id -> the envelope of epoch E the server held before the attack (the laptop's
    rotation's)."""


async def stale_fork(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> Fork:
    """Ana shares "Personal" with kim (annotate) and yves; her phone syncs, then is shown
    nothing newer. Her laptop revokes yves (epoch E), and kim syncs. The phone then signs a
    rotation on its stale chain (epoch E again, sealed to yves too): the server refuses it
    and lists its envelopes of epoch E to kim and to ana's laptop, with its metadata."""
    ana = await signup("ana")
    kim = await signup("kim")
    yves = await signup("yves")
    await share_with(ana, kim, role="annotate")
    await share_with(ana, yves)
    await ana.entries.write("Personal", "first")
    await ana.sync()
    await kim.sync()
    await yves.sync()
    jid = await journal_id(ana, "Personal")
    phone = await login("ana")
    await phone.sync()
    stale = phone.replica.chains.current(jid)

    await ana.shares.revoke("Personal", "yves")
    await ana.sync()
    await kim.sync()
    epoch = ana.replica.chains.current(jid).epoch
    assert epoch == stale.epoch + 1

    captured: list[Any] = []
    real_call = phone.replica.transport.call

    async def spy(path: str, request: Any, *args: Any, **kw: Any) -> Any:
        if path == "/v1/journals/rotate":
            captured.append(request)
        return await real_call(path, request, *args, **kw)

    phone.replica.transport.call = spy  # type: ignore[method-assign]

    async def served_before() -> dict[bytes, set[bytes]]:  # the shares list from before
        return {jid: {kim.profile.account_id, yves.profile.account_id}}

    phone.replica.served_members = served_before  # type: ignore[method-assign]
    with pytest.raises(ConflictError):
        await phone.replica._rotate(jid, stale, [])
    (request,) = captured
    assert request.epoch == epoch
    by_account = {k.account_id: k.envelope for k in request.keys}
    key_for_yves, _ = keys.open_share_envelope(
        yves.profile.secrets,
        yves.profile.account_id,
        yves.username,
        ana.profile.account_id,
        ana.profile.secrets.sign_public_key,
        jid,
        epoch,
        by_account[yves.profile.account_id],
    )
    honest: dict[bytes, bytes] = {}
    with closing(sqlite3.connect(server_db(live_server))) as db, db:
        for account in (kim.profile.account_id, ana.profile.account_id):
            (honest[account],) = db.execute(
                "SELECT envelope FROM journal_keys WHERE journal_id = ? AND account_id = ? "
                "AND epoch = ?",
                (jid, account, epoch),
            ).fetchone()
            db.execute(
                "UPDATE journal_keys SET envelope = ? WHERE journal_id = ? AND account_id = ? "
                "AND epoch = ?",
                (by_account[account], jid, account, epoch),
            )
        db.execute(
            "UPDATE journals SET meta = ?, meta_version = meta_version + 1 WHERE journal_id = ?",
            (request.meta, jid),
        )
    return Fork(ana, kim, yves, jid, epoch, key_for_yves, request, honest)


def read_by(fork: Fork, live_server: RunningServer, words: list[bytes]) -> list[bytes]:
    """Which of `words` the stale rotation's key (yves's) opens in records of epoch E."""
    under_e = [r for r in stolen_records(server_db(live_server)) if r.epoch == fork.epoch]
    opened = [p for r in under_e for p in plaintexts_openable_with(r, [fork.key_for_yves])]
    return [w for w in words if any(w in p for p in opened)]


@pytest.mark.parametrize("legacy", [False, True])
async def test_devices_holding_an_epochs_key_refuse_a_second_key_for_it(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer, legacy: bool
) -> None:
    """Ana's laptop and kim hold the key of epoch E: each refuses the second key the server
    lists for it, says so in its sync report, keeps the key held (in memory, and in its
    store: a reopened client uses it), and what both write after is sealed under the key
    held, which yves cannot open. The chain's key check of epoch E names the key held; where
    the chain holds none (`legacy`: an epoch a version 2 entry started, as a device that
    verified such a chain holds it) the first key held is kept, and ana's first sync rotates
    to a checked epoch, under which both then write."""
    fork = await stale_fork(signup, login, live_server)
    ana, kim = fork.ana, fork.kim
    said = NOT_NAMED
    if legacy:  # the chain verified here holds no key check of any epoch
        said = SECOND_KEY
        for device in (ana, kim):
            state = device.replica.chains.state(fork.jid)
            assert state is not None and fork.epoch in state.key_checks
            state.key_checks.clear()
    first = await ana.sync()
    assert any(said in p and "Personal" in p and "the key this device holds is kept" in p
               for p in first.problems), first.problems  # fmt: skip
    home = ana.home
    await ana.close()
    ana = await Client.open(home)
    try:
        await ana.entries.write("Personal", "ana after yves left")
        await ana.sync()
    finally:
        await ana.close()
    first = await kim.sync()
    assert any(said in p and "the key this device holds is kept" in p
               for p in first.problems), first.problems  # fmt: skip
    home = kim.home
    await kim.close()
    kim = await Client.open(home)
    try:
        await kim.assignments.assign("ana/Personal", "homework", "sleep-diary", every_days=1)
        await kim.sync()
    finally:
        await kim.close()
    written = [b"sleep-diary", b"ana after yves left"]
    assert read_by(fork, live_server, written) == []
    # Both writes were sealed with the key held: under epoch E; for a legacy epoch E, under
    # the epoch E + 1 that ana's first sync rotated to (an owner's device of this version
    # upgrades a legacy current epoch: its key's check is in the chain, and yves holds none)
    sealed_under = fork.epoch + 1 if legacy else fork.epoch
    under = [r for r in stolen_records(server_db(live_server)) if r.epoch == sealed_under]
    assert len(under) >= 2


async def test_a_new_device_refuses_the_key_the_chain_does_not_name_for_an_epoch(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    """Kim signs in on a new device after the attack, and ana on another one: neither holds
    a key of epoch E yet, and the server lists each the stale rotation's envelope (genuinely
    signed by ana). The key check the verified chain holds for epoch E does not match it:
    refused, never stored, told, and never used: nothing is sealed under it here."""
    fork = await stale_fork(signup, login, live_server)
    for username in ("kim", "ana"):
        device = await login(username, device="tablet")
        report = await device.sync()
        assert any(NOT_NAMED in p for p in report.problems), report.problems
        assert await device.replica.store.key_envelope(fork.jid, fork.epoch) is None
        local = {j.journal_id: j for j in await device.replica.store.journals()}[fork.jid]
        assert local.epoch == fork.epoch
        with pytest.raises(IntegrityError, match="access chain names"):  # the key pages too
            await device.replica.journal_key(local, fork.epoch)
        assert await device.replica.store.key_envelope(fork.jid, fork.epoch) is None


async def test_a_key_held_from_an_older_version_is_checked_when_used_and_replaced(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    """Kim's store holds the stale rotation's key for epoch E, stored by an app before key
    checks (which took any envelope that verified): once reopened, the key is checked
    against the verified chain when it is first used and refused; when the server lists the
    key the chain names, it replaces the one held."""
    fork = await stale_fork(signup, login, live_server)
    kim = fork.kim
    stale = next(k.envelope for k in fork.request.keys if k.account_id == kim.profile.account_id)
    async with kim.replica.store.transaction() as tx:  # as an older app stored it
        await tx.put_key(fork.jid, fork.epoch, stale)
    home = kim.home
    await kim.close()
    kim = await Client.open(home)
    try:
        local = {j.journal_id: j for j in await kim.replica.store.journals()}[fork.jid]
        with pytest.raises(IntegrityError, match="not the one the owner's access chain names"):
            await kim.replica.journal_key(local, fork.epoch)
        with closing(sqlite3.connect(server_db(live_server))) as db, db:
            db.execute(
                "UPDATE journal_keys SET envelope = ? WHERE journal_id = ? AND account_id = ? "
                "AND epoch = ?",
                (fork.honest[kim.profile.account_id], fork.jid, kim.profile.account_id,
                 fork.epoch),
            )  # fmt: skip
            db.execute("UPDATE journals SET meta_version = meta_version + 1 WHERE journal_id = ?",
                       (fork.jid,))  # fmt: skip
        await kim.replica.refresh_journals()
        envelope = await kim.replica.store.key_envelope(fork.jid, fork.epoch)
        assert envelope == fork.honest[kim.profile.account_id]
        key = await kim.replica.journal_key(local, fork.epoch)
        assert key != fork.key_for_yves
        await kim.assignments.assign("ana/Personal", "homework", "sleep-diary", every_days=1)
        await kim.sync()
    finally:
        await kim.close()
    assert read_by(fork, live_server, [b"sleep-diary"]) == []


def list_to(live_server: RunningServer, fork: Fork, account: bytes, envelope: bytes) -> None:
    """The server lists `envelope` as `account`'s of epoch E from now on (a new list)."""
    with closing(sqlite3.connect(server_db(live_server))) as db, db:
        db.execute(
            "UPDATE journal_keys SET envelope = ? WHERE journal_id = ? AND account_id = ? "
            "AND epoch = ?",
            (envelope, fork.jid, account, fork.epoch),
        )
        db.execute(
            "UPDATE journals SET meta_version = meta_version + 1 WHERE journal_id = ?",
            (fork.jid,),
        )


async def test_two_apps_of_one_device_keep_one_key_for_a_legacy_epoch(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    """Kim's new tablet runs two apps on one home, neither holding a key of epoch E, a
    legacy epoch (no key check in the chain). The server lists the honest envelope to the
    second app and the stale rotation's to the first, which read the store's envelopes
    before the second stored its own: the first does not replace the key the second
    stored (the first key held is kept, checked in the write itself), refuses its own as a
    second key and never uses it: both apps use one key for the epoch, not yves's."""
    fork = await stale_fork(signup, login, live_server)
    kim = fork.kim.profile.account_id
    first = await login("kim", device="tablet")  # refuses the stale key (checked epoch)
    assert await first.replica.store.key_envelope(fork.jid, fork.epoch) is None
    second = await Client.open(first.home)
    try:
        await second.replica.load_access()
        for app in (first, second):  # as a chain of version 2 leaves the epoch: unchecked
            state = app.replica.chains.state(fork.jid)
            assert state is not None
            state.key_checks.clear()
        real_read = first.replica.store.journal_keys

        async def read_then_the_other_app_stores() -> dict[tuple[bytes, int], bytes]:
            held = await real_read()  # the first app's read, before the second stores
            list_to(live_server, fork, kim, fork.honest[kim])
            await second.replica.refresh_journals()
            assert (
                await second.replica.store.key_envelope(fork.jid, fork.epoch) == (fork.honest[kim])
            )
            stale = next(k.envelope for k in fork.request.keys if k.account_id == kim)
            list_to(live_server, fork, kim, stale)  # what the first app's list held
            return held

        first.replica.store.journal_keys = read_then_the_other_app_stores  # type: ignore[method-assign]
        await first.replica.refresh_journals()  # listed the stale envelope
        first.replica.store.journal_keys = real_read  # type: ignore[method-assign]
        assert await first.replica.store.key_envelope(fork.jid, fork.epoch) == fork.honest[kim]
        report = await first.sync()
        assert any(SECOND_KEY in p and "the key this device holds is kept" in p
                   for p in report.problems), report.problems  # fmt: skip
        used = []
        for app in (first, second):
            local = {j.journal_id: j for j in await app.replica.store.journals()}[fork.jid]
            used.append(await app.replica.journal_key(local, fork.epoch))
        assert used[0] == used[1] != fork.key_for_yves  # what either seals under epoch E
    finally:
        await second.close()


async def test_two_apps_of_one_device_keep_one_key_for_a_legacy_epoch_from_the_key_pages(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    """As above, through /v1/journals/keys: the first app walks the key pages for epoch E
    (served the stale envelope) while the second stores the honest one from the journal
    list; the first refuses its page's key as a second key, keeps none of it, and then uses
    the key the second stored."""
    fork = await stale_fork(signup, login, live_server)
    kim = fork.kim.profile.account_id
    stale = next(k.envelope for k in fork.request.keys if k.account_id == kim)
    first = await login("kim", device="tablet")
    second = await Client.open(first.home)
    try:
        await second.replica.load_access()
        for app in (first, second):
            state = app.replica.chains.state(fork.jid)
            assert state is not None
            state.key_checks.clear()
        real_read = first.replica.store.key_envelope
        reads = 0

        async def read_then_the_other_app_stores(journal: bytes, epoch: int) -> bytes | None:
            nonlocal reads
            held = await real_read(journal, epoch)
            reads += 1
            if reads == 2:  # the walk's read, its page in hand
                list_to(live_server, fork, kim, fork.honest[kim])
                await second.replica.refresh_journals()
                list_to(live_server, fork, kim, stale)
            return held

        first.replica.store.key_envelope = read_then_the_other_app_stores  # type: ignore[method-assign]
        local = {j.journal_id: j for j in await first.replica.store.journals()}[fork.jid]
        with pytest.raises(IntegrityError, match="second key"):
            await first.replica.journal_key(local, fork.epoch)
        first.replica.store.key_envelope = real_read  # type: ignore[method-assign]
        assert reads == 2
        assert await first.replica.store.key_envelope(fork.jid, fork.epoch) == fork.honest[kim]
        used = await first.replica.journal_key(local, fork.epoch)
        assert used == await second.replica.journal_key(local, fork.epoch) != fork.key_for_yves
    finally:
        await second.close()


async def test_a_write_while_a_second_key_is_refused_seals_under_the_key_held(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    """As in the two apps' test, while the first app's journal list is refusing the stale
    rotation's key of epoch E, another task of that app writes (an assignment in ana's
    journal, sealed when written; writes take no sync lock). The key it seals under is the
    one the store holds (the other app's), never the key being refused: yves, revoked at
    epoch E, reads nothing, and the key the other app holds opens the record."""
    fork = await stale_fork(signup, login, live_server)
    kim = fork.kim.profile.account_id
    first = await login("kim", device="tablet")
    second = await Client.open(first.home)
    try:
        await second.replica.load_access()
        for app in (first, second):  # a version 2 chain: the epoch unchecked
            state = app.replica.chains.state(fork.jid)
            assert state is not None
            state.key_checks.clear()
        real_read = first.replica.store.journal_keys

        async def read_then_the_other_app_stores() -> dict[tuple[bytes, int], bytes]:
            held = await real_read()
            list_to(live_server, fork, kim, fork.honest[kim])
            await second.replica.refresh_journals()
            stale = next(k.envelope for k in fork.request.keys if k.account_id == kim)
            list_to(live_server, fork, kim, stale)
            return held

        real_tx = first.replica.store.transaction
        local = {j.journal_id: j for j in await first.replica.store.journals()}[fork.jid]
        used: list[bytes] = []

        @contextlib.asynccontextmanager
        async def tx_after_a_write(*a: Any, **kw: Any) -> Any:
            # the await point before the store's transaction that refuses the stale key:
            # another task of this client writes here
            if not used and first.replica.store.journal_keys is read_then_the_other_app_stores:
                used.append(await first.replica.journal_key(local, fork.epoch))
                await first.assignments.assign(
                    fork.jid.hex(), "homework", "sleep-diary", every_days=1
                )
            async with real_tx(*a, **kw) as tx:
                yield tx

        first.replica.store.journal_keys = read_then_the_other_app_stores  # type: ignore[method-assign]
        first.replica.store.transaction = tx_after_a_write  # type: ignore[method-assign]
        try:
            await first.replica.refresh_journals()
        finally:
            first.replica.store.journal_keys = real_read  # type: ignore[method-assign]
            first.replica.store.transaction = real_tx  # type: ignore[method-assign]
        assert len(used) == 1
        assert await first.replica.store.key_envelope(fork.jid, fork.epoch) == fork.honest[kim]
        honest = await second.replica.journal_key(local, fork.epoch)
        assert honest != fork.key_for_yves
        assert used == [honest]  # the store's key, not the one being refused
        assert await first.replica.journal_key(local, fork.epoch) == honest
        await first.sync()  # the assignment, sealed during the refresh, is sent
        assert read_by(fork, live_server, [b"sleep-diary"]) == []
        under_e = [r for r in stolen_records(server_db(live_server)) if r.epoch == fork.epoch]
        opened = [p for r in under_e for p in plaintexts_openable_with(r, [honest])]
        assert any(b"sleep-diary" in p for p in opened)
    finally:
        await second.close()
