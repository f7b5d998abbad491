"""Replacing the recovery key from a signed-in device (`Client.new_recovery_key`,
/v1/account/recovery-key): for a key lost, never shown (a signup interrupted on a device
whose home is gone), or seen by someone else. Real server, real crypto.
"""

from __future__ import annotations

from pathlib import Path

import nacl.signing
import pytest

from client_sdk import INSECURE_TEST_COST, AuthError, Client, account, keys, wire
from client_sdk.transport import Transport
from tests.conftest import PASSWORD, ClientFactory, RunningServer


async def recover(server: RunningServer, key: str, home: Path) -> Client:
    return await Client.recover(
        server.url,
        "ana",
        key,
        "a brand new password 42",
        home=home,
        device_name="phone",
        kdf_cost=INSECURE_TEST_COST,
    )


async def test_a_new_recovery_key_recovers_and_the_old_one_no_longer_does(
    live_server: RunningServer, signup: ClientFactory, tmp_path: Path
) -> None:
    laptop = await signup("ana")
    old = laptop.recovery_key
    assert old is not None
    await laptop.entries.write(None, "Before the new key.")
    await laptop.sync()

    new = await laptop.new_recovery_key(PASSWORD, minimum_cost=INSECURE_TEST_COST)
    assert new != old and laptop.recovery_key == new
    keys.parse_recovery_key(new)  # well formed, with its typo check

    with pytest.raises(AuthError):
        await recover(live_server, old, tmp_path / "with-the-old-key")
    phone = await recover(live_server, new, tmp_path / "with-the-new-key")
    try:
        await phone.sync()
        assert [e.body for e in await phone.entries.list()] == ["Before the new key."]
    finally:
        await phone.close()


async def test_a_wrong_password_replaces_nothing(
    live_server: RunningServer, signup: ClientFactory, tmp_path: Path
) -> None:
    laptop = await signup("ana")
    old = laptop.recovery_key
    assert old is not None
    with pytest.raises(AuthError):
        await laptop.new_recovery_key("not the password 77", minimum_cost=INSECURE_TEST_COST)
    assert laptop.recovery_key == old
    phone = await recover(live_server, old, tmp_path / "phone")
    await phone.close()


async def replace_with(
    server: RunningServer,
    token: str,
    username: str,
    signer: nacl.signing.SigningKey,
    key: bytes,
) -> None:
    """Send /v1/account/recovery-key with the session `token`, for a challenge of
    `username` signed by `signer`, carrying the recovery key `key` (its bundle sealed with
    throwaway secrets: the server cannot tell)."""
    transport = Transport(server.url, token)
    try:
        challenge, signature = await account.signed_challenge(
            transport, username, "recovery-key", signer
        )
        secrets = keys.AccountSecrets.generate()
        request = wire.RecoveryKeyChangeRequest(
            challenge,
            signature,
            bytes(keys.recovery_login_key(key).verify_key),
            keys.seal_recovery_bundle(key, secrets, b"\0" * 16, username),
        )
        await transport.call("/v1/account/recovery-key", request, wire.Empty)
    finally:
        await transport.close()


async def test_a_session_alone_or_the_old_recovery_key_cannot_replace_it(
    live_server: RunningServer, signup: ClientFactory, tmp_path: Path
) -> None:
    """A stolen device (its token and account secrets, not the password) must not be able to
    set a recovery key of its own and take the account over with it; nor may the recovery
    key being replaced, nor another account's session with ana's password."""
    laptop = await signup("ana")
    ben = await signup("ben")
    old = laptop.recovery_key
    assert old is not None
    raw_old = keys.parse_recovery_key(old)
    thief_key = keys.new_recovery_key()
    token = laptop.profile.token

    for signer in (
        laptop.profile.secrets.signing_key,  # the identity key the device holds
        keys.recovery_login_key(raw_old),  # the recovery key being replaced
    ):
        with pytest.raises(AuthError):
            await replace_with(live_server, token, "ana", signer, thief_key)
    ana_password = await account.password_keys(
        laptop.transport, "ana", PASSWORD, INSECURE_TEST_COST
    )
    with pytest.raises(AuthError):  # ben's session, ana's password and name
        await replace_with(live_server, ben.profile.token, "ana", ana_password.login_key, thief_key)

    with pytest.raises(AuthError):
        await recover(live_server, keys.format_recovery_key(thief_key), tmp_path / "thief")
    phone = await recover(live_server, old, tmp_path / "phone")  # still ana's own key
    await phone.close()
