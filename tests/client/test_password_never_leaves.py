"""Nothing secret leaves the device: every request of signup, login, password change and
recovery is recorded by a loopback proxy, and none carries a password, the recovery key or
an account secret (the server only ever sees public keys, signatures and sealed bundles)."""

from __future__ import annotations

from pathlib import Path

import pytest

from client_sdk import INSECURE_TEST_COST, AuthError, Client, crypto, keys, wire
from client_sdk.crypto import Context
from tests.client.recording_proxy import RecordingProxy, recording_proxy
from tests.conftest import PASSWORD, RunningServer

NEW_PASSWORD = "second password, longer"
RECOVERED_PASSWORD = "third password after recovery"


def requests_to(proxy: RecordingProxy, path: str) -> list[bytes]:
    return [request.body for request in proxy.requests if request.path == path]


def password_secrets(password: str, salt: bytes) -> dict[str, bytes]:
    derived = keys.password_keys(password, salt, INSECURE_TEST_COST)
    return {
        f"{password!r}": password.encode(),
        f"key-encryption key of {password!r}": derived.kek,
        f"login private key of {password!r}": bytes(derived.login_key),
    }


def recovery_secrets(formatted: str) -> dict[str, bytes]:
    raw = keys.parse_recovery_key(formatted)
    return {
        "recovery key (formatted)": formatted.encode(),
        "recovery key (letters only)": formatted.replace("-", "").encode(),
        "recovery key (lower case)": formatted.lower().encode(),
        "recovery key (raw)": raw,
        "recovery wrapping key": crypto.derive_subkey(raw, Context.KDF_RECOVERY_WRAP),
        "recovery login private key": bytes(keys.recovery_login_key(raw)),
    }


def account_secrets(client: Client) -> dict[str, bytes]:
    secrets = client.profile.secrets
    return {
        "account key": secrets.account_key,
        "identity signing seed": secrets.sign_seed,
        "identity box secret": secrets.box_secret,
        "key bundle plaintext": secrets.to_bytes(),
    }


async def run_every_credential_flow(proxy: RecordingProxy, home: Path) -> tuple[Client, str]:
    laptop = await Client.signup(
        proxy.url,
        "ana",
        PASSWORD,
        home=home / "laptop",
        device_name="laptop",
        kdf_cost=INSECURE_TEST_COST,
    )
    assert laptop.recovery_key is not None
    await laptop.entries.write(None, "Something private", title="Private")
    await laptop.sync()
    phone = await Client.login(
        proxy.url,
        "ana",
        PASSWORD,
        home=home / "phone",
        device_name="phone",
        minimum_cost=INSECURE_TEST_COST,
    )
    await phone.sync()
    await laptop.change_password(
        PASSWORD, NEW_PASSWORD, kdf_cost=INSECURE_TEST_COST, minimum_cost=INSECURE_TEST_COST
    )
    restored = await Client.recover(
        proxy.url,
        "ana",
        laptop.recovery_key,
        RECOVERED_PASSWORD,
        home=home / "restored",
        device_name="restored",
        kdf_cost=INSECURE_TEST_COST,
    )
    await restored.sync()
    assert [entry.title for entry in await restored.entries.list()] == ["Private"]
    for client in (phone, restored):
        await client.close()
    return laptop, laptop.recovery_key


async def test_no_request_carries_a_password_the_recovery_key_or_an_account_secret(
    live_server: RunningServer, tmp_path: Path
) -> None:
    async with recording_proxy(live_server.url) as proxy:
        laptop, recovery_key = await run_every_credential_flow(proxy, tmp_path)
        await laptop.close()

    for path in ("/v1/auth/signup", "/v1/auth/login", "/v1/account/password", "/v1/auth/recover"):
        assert requests_to(proxy, path), f"the workload never called {path}"
    [signup] = requests_to(proxy, "/v1/auth/signup")
    [changed, recovered] = requests_to(proxy, "/v1/account/password")
    forbidden = {
        **password_secrets(PASSWORD, wire.decode(wire.SignupRequest, signup).salt),
        **password_secrets(NEW_PASSWORD, wire.decode(wire.PasswordChangeRequest, changed).salt),
        **password_secrets(
            RECOVERED_PASSWORD, wire.decode(wire.PasswordChangeRequest, recovered).salt
        ),
        **recovery_secrets(recovery_key),
        **account_secrets(laptop),
    }

    signup_salt = wire.decode(wire.SignupRequest, signup).salt
    login_key = keys.password_keys(PASSWORD, signup_salt, INSECURE_TEST_COST).login_key
    assert bytes(login_key.verify_key) in signup, "the proxy records what is sent"

    leaks = [
        f"{what} in {request.path}"
        for request in proxy.requests
        for what, secret in forbidden.items()
        if secret in request.raw()
    ]
    assert leaks == []


async def test_after_recovery_only_the_new_password_logs_in(
    live_server: RunningServer, tmp_path: Path
) -> None:
    async with recording_proxy(live_server.url) as proxy:
        laptop, _ = await run_every_credential_flow(proxy, tmp_path)
        await laptop.close()
    for stale in (PASSWORD, NEW_PASSWORD):
        with pytest.raises(AuthError, match="wrong username or password"):
            await Client.login(
                live_server.url,
                "ana",
                stale,
                home=tmp_path / "stale",
                minimum_cost=INSECURE_TEST_COST,
            )
    fresh = await Client.login(
        live_server.url,
        "ana",
        RECOVERED_PASSWORD,
        home=tmp_path / "fresh",
        minimum_cost=INSECURE_TEST_COST,
    )
    await fresh.sync()
    assert [entry.title for entry in await fresh.entries.list()] == ["Private"]
    await fresh.close()
