"""REV-ACCT2: the sign-in's key re-check (`create_device(checked_key=...)`) against truly
concurrent credential changes on PostgreSQL, the interleavings the REV-ACCT tests (which run
the owner's change to completion before `create_device` starts) cannot reach.

Made deterministic with a holder connection that keeps one row locked, as
tests/server/test_r21_races.py does, and `waiting_for_locks`.
"""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from client_sdk import INSECURE_TEST_COST, AuthError, crypto, keys, wire
from client_sdk.account import signed_challenge
from client_sdk.transport import Transport
from tests.client.test_rev_acct_findings import works
from tests.conftest import PASSWORD, ClientFactory, RunningServer
from tests.server.test_push_races import waiting_for_locks


async def recover_as(
    server: RunningServer, username: str, raw_key: bytes, device_id: bytes
) -> wire.SessionReply:
    """`/v1/auth/recover` with a device id chosen by the test."""
    transport = Transport(server.url)
    try:
        key = keys.recovery_login_key(raw_key)
        challenge, signature = await signed_challenge(transport, username, "recover", key)
        request = wire.LoginRequest(username, challenge, signature, "thief", b"", device_id)
        return await transport.call("/v1/auth/recover", request, wire.SessionReply)
    finally:
        await transport.close()


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_a_recovery_waiting_behind_a_swap_in_progress_is_refused(
    live_server: RunningServer, signup: ClientFactory
) -> None:
    """The swap holds the account row (its UPDATE ran, not committed) while the thief's
    recovery, its signature checked against the old (committed) key, reaches
    `create_device`: `_lock_account` waits, then reads the new key and refuses."""
    assert live_server.database_url is not None
    url = live_server.database_url
    laptop = await signup("ana")
    assert laptop.recovery_key is not None
    copied = keys.parse_recovery_key(laptop.recovery_key)
    first = await recover_as(live_server, "ana", copied, crypto.random_bytes(16))
    holder = await asyncpg.connect(url)
    try:
        hold = holder.transaction()
        await hold.start()
        # The swap's "sign out what the old key opened" stops on this row, after its UPDATE.
        await holder.execute(
            "SELECT 1 FROM recovery_sessions WHERE device_id = $1 FOR UPDATE", first.device_id
        )
        swap = asyncio.ensure_future(
            laptop.replace_recovery_key(PASSWORD, minimum_cost=INSECURE_TEST_COST)
        )
        await waiting_for_locks(url, 1)
        thief = asyncio.ensure_future(
            recover_as(live_server, "ana", copied, crypto.random_bytes(16))
        )
        await waiting_for_locks(url, 2)  # create_device waits for the account row
        await hold.rollback()
        await swap
        with pytest.raises(AuthError):
            await thief
    finally:
        await holder.close()
    assert not await works(live_server, first.token)


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_a_swap_waiting_behind_a_recovery_in_progress_signs_it_out(
    live_server: RunningServer, signup: ClientFactory
) -> None:
    """The reverse: the thief's `create_device` holds the account row (key checked, device
    inserted, not committed) when the owner's swap starts; the swap's UPDATE waits, and its
    DELETE of recovery_sessions (a later statement, a fresh snapshot) sees the thief's row."""
    assert live_server.database_url is not None
    url = live_server.database_url
    laptop = await signup("ana")
    assert laptop.recovery_key is not None
    copied = keys.parse_recovery_key(laptop.recovery_key)
    device_id = crypto.random_bytes(16)
    holder = await asyncpg.connect(url)
    try:
        hold = holder.transaction()
        await hold.start()
        # create_device's INSERT INTO devices (ON CONFLICT) waits on this uncommitted key.
        await holder.execute(
            "INSERT INTO devices (device_id, account_id, name, token_hash, created_at, "
            "last_seen_at, expires_at, revoked) VALUES ($1, $2, 'x', $3, 0, 0, 0, 1)",
            device_id,
            laptop.profile.account_id,
            crypto.random_bytes(32),
        )
        thief = asyncio.ensure_future(recover_as(live_server, "ana", copied, device_id))
        await waiting_for_locks(url, 1)
        swap = asyncio.ensure_future(
            laptop.replace_recovery_key(PASSWORD, minimum_cost=INSECURE_TEST_COST)
        )
        await waiting_for_locks(url, 2)  # the swap's UPDATE waits for the account row
        await hold.rollback()
        reply = await thief
        await swap
    finally:
        await holder.close()
    assert not await works(live_server, reply.token), "the thief's session outlived the swap"


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_a_login_waiting_behind_a_password_change_in_progress_is_refused(
    live_server: RunningServer, signup: ClientFactory
) -> None:
    """update_credentials' UPDATE of login_public_key ran, not committed (simulated by the
    holder, which runs the same UPDATE): a login checked against the old key waits in
    `create_device` and is refused once the change commits."""
    assert live_server.database_url is not None
    url = live_server.database_url
    laptop = await signup("ana")
    from client_sdk import account

    holder = await asyncpg.connect(url)
    transport = Transport(live_server.url)
    try:
        derived = await account.password_keys(transport, "ana", PASSWORD, INSECURE_TEST_COST)
        hold = holder.transaction()
        await hold.start()
        await holder.execute(
            "UPDATE accounts SET login_public_key = $1 WHERE account_id = $2",
            bytes(keys.recovery_login_key(keys.new_recovery_key()).verify_key),
            laptop.profile.account_id,
        )
        login = asyncio.ensure_future(
            account.signed_session(
                transport, "/v1/auth/login", "login", "ana", derived.login_key, "ex"
            )
        )
        await waiting_for_locks(url, 1)
        await hold.commit()
        with pytest.raises(AuthError):
            await login
    finally:
        await transport.close()
        await holder.close()
