"""A home's device key (protocol.md 4.21) as the home keeps it (fix34f): a login to a server
from before device keys is asked again without them; a failed first sign-in leaves no key
behind; a home signed in with a passphrase keeps its key sealed under it. Real server on
127.0.0.1, real crypto."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import nacl.signing
import pytest
from aiohttp import web

from client_sdk import INSECURE_TEST_COST, Client, account, wire
from client_sdk.devices import DEVICE_KEYS_FILE
from client_sdk.errors import AuthError, InvalidInput
from client_sdk.wire import ID_BYTES, MAX_TICKET_BYTES, limits
from server import routes
from tests.conftest import PASSWORD, ClientFactory, RunningServer

PASSPHRASE = "a passphrase long enough"


@dataclass(frozen=True)
class LoginRequestBeforeDeviceKeys:
    """`wire.LoginRequest` as a server from before device keys decodes it (463ac6ae): its
    decoder refuses any other field, as 400 invalid_field "body has unknown field ..."."""

    username: str = field(metadata=limits(1, 64))
    challenge: bytes = field(metadata=limits(32, 32))
    signature: bytes = field(metadata=limits(64, 64))
    device_name: str = field(metadata=limits(1, 100))
    ticket: bytes = field(default=b"", repr=False, metadata=limits(0, MAX_TICKET_BYTES))
    device_id: bytes = field(default=b"", metadata=limits(0, ID_BYTES))


async def login_before_device_keys(request: web.Request) -> web.Response:
    """The login route of a server from before device keys: the body decoded by that
    release's schema (the real decoder's refusal), then the real login."""
    old = await routes.body(request, LoginRequestBeforeDeviceKeys)
    message = wire.LoginRequest(
        old.username, old.challenge, old.signature, old.device_name, old.ticket, old.device_id
    )
    return routes.reply(
        await routes.service(request).login(message, "login", routes.client(request))
    )


async def sign_in_rows(client: Client) -> list[wire.SignIn]:
    page = await client.transport.call(
        "/v1/account/sign-ins", wire.SignInsRequest(with_keys=True), wire.SignInList
    )
    return page.sign_ins


async def test_a_login_to_a_server_from_before_device_keys_is_asked_again_without_them(
    live_server: RunningServer,
    signup: ClientFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    laptop = await signup("ana")
    monkeypatch.setitem(routes.ROUTES, "/v1/auth/login", login_before_device_keys)
    home = tmp_path / "ana-phone"
    phone = await Client.login(
        live_server.url, "ana", PASSWORD, home=home, device_name="phone",
        minimum_cost=INSECURE_TEST_COST,
    )  # fmt: skip
    try:
        [row] = [r for r in await sign_in_rows(laptop) if r.device_id == phone.profile.device_id]
        assert (row.name, row.device_key, row.device_signature) == ("phone", b"", b"")
        assert phone.recovery_key_not_shown is None
        assert (home / DEVICE_KEYS_FILE).exists()  # kept for a server that takes it later
    finally:
        await phone.close()


def test_only_an_older_servers_refusal_of_the_device_key_fields_is_asked_again() -> None:
    """The words of a server from before device keys name the fields as unknown; this
    server's refusal of a malformed proof, or of another field, is no reason to ask again."""

    def refusal(code: str, detail: str) -> InvalidInput:
        error = InvalidInput("the server refused a field")
        error.code, error.detail = code, detail
        return error

    assert account.refuses_device_key(
        refusal("invalid_field", "body has unknown field 'device_key'")
    )
    assert account.refuses_device_key(
        refusal("invalid_field", "body has unknown field 'device_signature'")
    )
    for code, detail in (
        ("invalid_field", "device_key (32 bytes) and device_signature (64 bytes) go together"),
        ("invalid_field", "body has unknown field 'ticket'"),
        ("invalid_field", "body.device_key must be binary"),
        ("missing_field", "body has unknown field 'device_key'"),
        ("invalid_field", ""),
    ):
        assert not account.refuses_device_key(refusal(code, detail)), detail


async def test_a_failed_first_login_leaves_no_device_key_behind(
    live_server: RunningServer, signup: ClientFactory, tmp_path: Path
) -> None:
    await signup("ana")
    home = tmp_path / "ana-phone"
    with pytest.raises(AuthError):
        await Client.login(
            live_server.url, "ana", "not the password at all", home=home,
            device_name="phone", minimum_cost=INSECURE_TEST_COST,
        )  # fmt: skip
    assert not (home / DEVICE_KEYS_FILE).exists()
    phone = await Client.login(
        live_server.url, "ana", PASSWORD, home=home, device_name="phone",
        minimum_cost=INSECURE_TEST_COST,
    )  # fmt: skip
    await phone.close()
    assert (home / DEVICE_KEYS_FILE).exists()


async def test_a_home_signed_in_with_a_passphrase_keeps_its_device_key_sealed(
    live_server: RunningServer, signup: ClientFactory, tmp_path: Path
) -> None:
    """The key is sealed as the profile is: the file names no seed; the passphrase opens it
    at the next sign-in (told to the laptop as the phone signed in again); a sign-in without
    the passphrase cannot open it: it names a new key (a new device), kept plain, as its
    profile is."""
    laptop = await signup("ana")
    laptop.devices.sign_ins_interval_ms = 0
    home = tmp_path / "ana-phone"

    async def phone_login(passphrase: str | None) -> str:
        phone = await Client.login(
            live_server.url, "ana", PASSWORD, home=home, device_name="phone",
            minimum_cost=INSECURE_TEST_COST, passphrase=passphrase,
        )  # fmt: skip
        device_id = phone.profile.device_id
        [row] = [r for r in await sign_in_rows(laptop) if r.device_id == device_id]
        await phone.close()  # signed in still: a logout would drop the key (rev34c F2)
        return row.device_key.hex()

    first_key = await phone_login(PASSPHRASE)
    assert first_key
    kept = (home / DEVICE_KEYS_FILE).read_text(encoding="utf-8")
    [entry] = json.loads(kept).values()
    assert isinstance(entry, dict) and set(entry) == {"salt", "opslimit", "memlimit", "sealed"}
    await laptop.sync()  # the baseline: the phone's key seen

    assert await phone_login(PASSPHRASE) == first_key
    [told] = (await laptop.sync()).new_devices
    assert told.again_name == "phone"

    # the profile unlocked since (its key stays sealed): a sign-in without the passphrase
    opened = await Client.open(home, passphrase=PASSPHRASE)
    await opened.set_passphrase(None)
    await opened.close()
    assert await phone_login(None) not in ("", first_key)  # not opened: a new key
    [entry] = json.loads((home / DEVICE_KEYS_FILE).read_text(encoding="utf-8")).values()
    assert isinstance(entry, str) and len(entry) == 64


async def test_locking_the_profile_seals_the_device_key_too(
    live_server: RunningServer, signup: ClientFactory, tmp_path: Path
) -> None:
    """`set_passphrase` (`tj lock`) after a sign-in without one seals the device key kept
    plain; the next sign-in with the passphrase names the same key."""
    laptop = await signup("ana")
    home = tmp_path / "ana-phone"
    phone = await Client.login(
        live_server.url, "ana", PASSWORD, home=home, device_name="phone",
        minimum_cost=INSECURE_TEST_COST,
    )  # fmt: skip
    [plain] = json.loads((home / DEVICE_KEYS_FILE).read_text(encoding="utf-8")).values()
    await phone.set_passphrase(PASSPHRASE, cost=INSECURE_TEST_COST)
    await phone.close()  # signed in still: a logout would drop the key (rev34c F2)
    kept = (home / DEVICE_KEYS_FILE).read_text(encoding="utf-8")
    [entry] = json.loads(kept).values()
    assert isinstance(entry, dict) and plain not in kept
    again = await Client.login(
        live_server.url, "ana", PASSWORD, home=home, minimum_cost=INSECURE_TEST_COST,
        passphrase=PASSPHRASE,
    )  # fmt: skip
    try:
        [row] = [r for r in await sign_in_rows(laptop) if r.device_id == again.profile.device_id]
        public = bytes(nacl.signing.SigningKey(bytes.fromhex(plain)).verify_key)
        assert row.device_key == public
    finally:
        await again.close()
