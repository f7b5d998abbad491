"""A device chooses its own id (protocol.md 2.3): random, new for every session, sent in the
signup, login or recovery request; a reply naming another id is refused (IntegrityError) and
its session ended, so a server can never make two sessions sign write counters under one id
(R34 F1, F2)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import sqlite3
from pathlib import Path

import pytest

from client_sdk import INSECURE_TEST_COST, Client, IntegrityError, wire
from client_sdk.pending_signup import load_pending
from client_sdk.profile import remove_profile
from client_sdk.store import STORE_FILE, Store
from tests.client.hostile import HostileServer
from tests.client.test_signup_failures import sign_up
from tests.conftest import PASSWORD, ClientFactory, RunningServer

STRONG = "a much longer passphrase for the rescue"
SIGNUP = "/v1/auth/signup"


def another_id(_request: bytes, reply: bytes) -> bytes:
    session = wire.decode(wire.SessionReply, reply)
    return wire.encode(dataclasses.replace(session, device_id=bytes(wire.ID_BYTES)))


async def live_sessions(server: RunningServer, client: Client) -> int:
    rows = await server.rows(
        "SELECT COUNT(*) FROM devices WHERE account_id = ? AND revoked = 0",
        client.profile.account_id,
    )
    return int(rows[0][0])


async def test_every_session_carries_a_new_id_chosen_by_the_device(
    hostile: HostileServer, tmp_path: Path
) -> None:
    signed_up = await Client.signup(
        hostile.url, "dia", PASSWORD, home=tmp_path / "a", kdf_cost=INSECURE_TEST_COST
    )
    recovery_key = signed_up.recovery_key
    assert recovery_key is not None
    logged_in = await Client.login(
        hostile.url, "dia", PASSWORD, home=tmp_path / "b", minimum_cost=INSECURE_TEST_COST
    )
    await logged_in.logout()
    again = await Client.login(
        hostile.url, "dia", PASSWORD, home=tmp_path / "b", minimum_cost=INSECURE_TEST_COST
    )
    rescued = await Client.recover(
        hostile.url, "dia", recovery_key, STRONG, home=tmp_path / "c", kdf_cost=INSECURE_TEST_COST
    )
    try:
        (signup_body,) = hostile.bodies("/v1/auth/signup")
        sent = [wire.decode(wire.SignupRequest, signup_body).device_id]
        sent += [
            wire.decode(wire.LoginRequest, body).device_id
            for body in hostile.bodies("/v1/auth/login") + hostile.bodies("/v1/auth/recover")
        ]
        held = [c.profile.device_id for c in (signed_up, logged_in, again, rescued)]
        assert sent == held
        assert len(set(held)) == 4 and all(len(i) == wire.ID_BYTES for i in held)
    finally:
        for client in (signed_up, again, rescued):
            await client.close()


@pytest.mark.parametrize("path", ["/v1/auth/login", "/v1/auth/recover"])
async def test_a_session_under_an_id_the_device_did_not_choose_is_refused_and_ended(
    path: str,
    signup: ClientFactory,
    live_server: RunningServer,
    hostile: HostileServer,
    tmp_path: Path,
) -> None:
    laptop = await signup("dib")
    recovery_key = laptop.recovery_key
    assert recovery_key is not None
    hostile.replies[path] = another_id
    with pytest.raises(IntegrityError, match="another id"):
        if path == "/v1/auth/login":
            await Client.login(
                hostile.url, "dib", PASSWORD, home=tmp_path / "x", minimum_cost=INSECURE_TEST_COST
            )
        else:
            await Client.recover(
                hostile.url, "dib", recovery_key, STRONG, home=tmp_path / "x",
                kdf_cost=INSECURE_TEST_COST,
            )  # fmt: skip
    assert hostile.replies_to(path)  # the real server did open a session
    assert await live_sessions(live_server, laptop) == 1  # and it was ended: the laptop's only
    assert not (tmp_path / "x" / "profile").exists()


async def test_a_signup_under_an_id_the_device_did_not_choose_is_refused_and_ended(
    live_server: RunningServer, hostile: HostileServer, tmp_path: Path
) -> None:
    hostile.replies["/v1/auth/signup"] = another_id
    with pytest.raises(IntegrityError, match="another id"):
        await Client.signup(
            hostile.url, "dic", PASSWORD, home=tmp_path / "x", kdf_cost=INSECURE_TEST_COST
        )
    del hostile.replies["/v1/auth/signup"]
    rows = await live_server.rows("SELECT revoked FROM devices")
    assert rows == [(1,)]  # the account exists; its one session was ended
    # The pending signup finishes at a login, under a new id of the device's own.
    client = await Client.login(
        hostile.url, "dic", PASSWORD, home=tmp_path / "x", minimum_cost=INSECURE_TEST_COST
    )
    try:
        sent = wire.decode(wire.LoginRequest, hostile.bodies("/v1/auth/login")[-1]).device_id
        assert client.profile.device_id == sent
    finally:
        await client.close()


async def test_an_older_stores_counters_never_go_to_a_new_session_id(tmp_path: Path) -> None:
    """`write_counters` (per journal, before counters per device) belong to the id that last
    wrote there: a new session's id (chosen by this home, it never wrote) starts at 1."""
    await (await Store.open(tmp_path)).close()
    with contextlib.closing(sqlite3.connect(tmp_path / STORE_FILE)) as db, db:
        db.execute("INSERT INTO write_counters VALUES (?, ?)", (b"j" * 16, 7))
    store = await Store.open(tmp_path, b"n" * 16, new_device=True)
    try:
        assert (await store.write(lambda db: store.counting_state(db, b"j" * 16)))[0] == 1
    finally:
        await store.close()
    store = await Store.open(tmp_path, b"o" * 16)  # nothing left to give to anyone
    try:
        assert (await store.write(lambda db: store.counting_state(db, b"j" * 16)))[0] == 1
    finally:
        await store.close()


async def test_a_login_on_a_home_with_an_older_store_and_no_profile_counts_from_1(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    """A store whose profile is gone: its counters' id is unknown and never taken again, so
    the new session's id numbers from 1 (no false withholding, no reuse)."""
    laptop = await signup("did")
    phone = await login("did")
    for text in ("p1", "p2"):
        await phone.entries.write(None, text)
    await phone.sync()
    home = phone.home
    await laptop.devices.revoke(phone.profile.device_id.hex())
    await phone.close()
    with contextlib.closing(sqlite3.connect(home / STORE_FILE)) as db, db:
        db.execute(
            "INSERT INTO write_counters SELECT journal_id, counter FROM device_write_counters"
        )
        db.execute("DELETE FROM device_write_counters")
    (home / "profile").unlink()
    phone = await login("did")
    await phone.entries.write(None, "after")
    await phone.sync()
    with contextlib.closing(sqlite3.connect(home / STORE_FILE)) as db:
        rows = db.execute("SELECT device, counter FROM device_write_counters").fetchall()
        legacy = db.execute("SELECT COUNT(*) FROM write_counters").fetchone()
    assert rows == [(phone.profile.device_id, 1)] and legacy == (0,)
    assert (await laptop.sync()).withheld == []


async def test_a_kept_signup_whose_device_id_was_given_meanwhile_gets_a_new_one(
    live_server: RunningServer, hostile: HostileServer, tmp_path: Path
) -> None:
    """A signup cancelled before the server got it is sent again as it was; when the server
    answers 409 `device_id_taken` (the id given meanwhile), once more under a new id."""
    home = tmp_path / "ana"
    reached = asyncio.Event()

    async def hold() -> None:
        reached.set()
        await asyncio.Event().wait()  # never forwarded

    hostile.holds["/v1/auth/signup"] = hold
    signing_up = asyncio.ensure_future(sign_up(hostile.url, home))
    await reached.wait()
    signing_up.cancel()
    with pytest.raises(asyncio.CancelledError):
        await signing_up
    del hostile.holds["/v1/auth/signup"]
    pending = load_pending(home)
    assert pending is not None
    kept = pending.request.device_id
    with contextlib.closing(sqlite3.connect(live_server.data_dir / "journal.db")) as db, db:
        # given meanwhile (to a device of another account: this raw connection does not
        # check foreign keys, and the server refuses an id `used_device_ids` holds)
        db.execute("INSERT INTO used_device_ids VALUES (?, ?)", (kept, bytes(16)))
    client = await sign_up(hostile.url, home)
    try:
        sent = [wire.decode(wire.SignupRequest, b).device_id for b in hostile.bodies(SIGNUP)]
        assert len(sent) == 1 and sent[0] != kept  # the refused one has no 200 exchange
        assert hostile.paths.count(SIGNUP) == 3
        assert client.profile.device_id == sent[0]
    finally:
        client.recovery_key_shown()
        await client.close()


async def test_a_signup_reply_naming_another_account_never_adopts_its_store(
    live_server: RunningServer, hostile: HostileServer, tmp_path: Path
) -> None:
    """A server answering a signup with another account's id (kim's, whose store was left on
    this home without its profile) would have the new account adopt kim's store, which is
    adopted only when it names the account signed in to: the reply's account id must be the
    one the device chose. Refused (IntegrityError), the session ended, kim's store intact.
    (A signup over a store left there is refused before it sends anything: NU56 #3; the
    store is put back here while the request is on its way, as another program could.)"""
    home = tmp_path / "home"
    kim = await Client.signup(hostile.url, "kim", PASSWORD, home=home, kdf_cost=INSECURE_TEST_COST)
    await kim.entries.write(None, "kim's words, never synced")
    kim_id = kim.profile.account_id
    await kim.close()
    remove_profile(home)  # the profile removed by hand, the store left
    held_apart = tmp_path / "apart"
    held_apart.mkdir()
    files = [name for name in (STORE_FILE, f"{STORE_FILE}-wal") if (home / name).exists()]
    for name in files:
        (home / name).rename(held_apart / name)

    def kims_id(_request: bytes, reply: bytes) -> bytes:
        for name in files:  # kim's store back on the home, after the signup's checks
            (held_apart / name).rename(home / name)
        session = wire.decode(wire.SessionReply, reply)
        return wire.encode(dataclasses.replace(session, account_id=kim_id))

    hostile.replies[SIGNUP] = kims_id
    with pytest.raises(IntegrityError, match="another account"):
        await Client.signup(hostile.url, "eve", PASSWORD, home=home, kdf_cost=INSECURE_TEST_COST)
    rows = await live_server.rows(
        "SELECT d.revoked FROM devices d JOIN accounts a USING (account_id) "
        "WHERE a.username = 'eve'"
    )
    assert rows == [(1,)]  # eve's one session was ended
    with sqlite3.connect(home / STORE_FILE) as db:
        held = db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    assert held >= 1  # kim's store neither adopted nor deleted
