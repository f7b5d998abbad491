"""A home's device key (protocol.md 4.21, fix34a): each login or recovery from a home signs
the server's challenge and its new device id with the key the home keeps, and the account's
other devices tell a sign-in signed by the key of an earlier one as that device signed in
again; a key copied without its private half (whoever knows the password, or the server,
can read every row's key and signature) makes nothing of the kind. Real server on
127.0.0.1, real crypto."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import nacl.signing
import pytest
from aiohttp import web

from client_sdk import INSECURE_TEST_COST, Client, account, crypto, keys, wire
from client_sdk.devices import _signed_in_again
from client_sdk.errors import InvalidInput
from client_sdk.transport import Transport
from server import routes
from server.errors import BadRequest
from tests.conftest import PASSWORD, ClientFactory, RunningServer


def looking_every_sync(client: Client) -> Client:
    client.devices.sign_ins_interval_ms = 0
    return client


async def sign_in_rows(client: Client) -> list[wire.SignIn]:
    page = await client.transport.call(
        "/v1/account/sign-ins", wire.SignInsRequest(with_keys=True), wire.SignInList
    )
    return page.sign_ins


async def test_a_login_again_from_the_same_home_is_told_as_that_device_signed_in_again(
    live_server: RunningServer, signup: ClientFactory, tmp_path: Path
) -> None:
    laptop = looking_every_sync(await signup("ana"))
    home = tmp_path / "ana-phone"
    phone = await Client.login(
        live_server.url, "ana", PASSWORD, home=home, device_name="phone",
        minimum_cost=INSECURE_TEST_COST,
    )  # fmt: skip
    first = phone.profile.device_id.hex()
    await phone.close()
    await laptop.sync()  # the baseline: the phone's key is seen with its sign-in
    again = await Client.login(
        live_server.url, "ana", PASSWORD, home=home, minimum_cost=INSECURE_TEST_COST
    )
    try:
        [told] = (await laptop.sync()).new_devices
        assert (told.id, told.again_of, told.again_name) == (
            again.profile.device_id.hex(), first, "phone",
        )  # fmt: skip
        assert told.name_shared == ""
        assert "signed in again on this account" in told.line()
        assert told.to_dict()["again_of"] == first
    finally:
        await again.close()


async def test_a_copied_device_key_and_signature_sign_in_as_a_new_device(
    live_server: RunningServer, signup: ClientFactory, login: ClientFactory
) -> None:
    """Someone who knows the password reads the phone's device key, challenge and signature
    in the sign-in log and logs in under the name "phone" with them: the signature is of the
    phone's own challenge and device id, so his sign-in is told as a new device (a second
    device named 'phone'), never as the phone signed in again."""
    laptop = looking_every_sync(await signup("ana"))
    phone = await login("ana", "phone")
    await laptop.devices.list()  # the laptop knows the phone by its name
    await laptop.sync()  # the baseline: the phone's key seen
    [row] = [r for r in await sign_in_rows(laptop) if r.device_id == phone.profile.device_id]
    assert row.device_key and row.device_signature and row.challenge

    transport = Transport(live_server.url)
    try:
        derived = await account.password_keys(transport, "ana", PASSWORD, INSECURE_TEST_COST)
        challenge, signature = await account.signed_challenge(
            transport, "ana", "login", derived.login_key
        )
        request = wire.LoginRequest(
            "ana", challenge, signature, "phone", b"", crypto.random_bytes(16),
            row.device_key, row.device_signature,
        )  # fmt: skip
        reply = await transport.call("/v1/auth/login", request, wire.SessionReply)
    finally:
        await transport.close()

    [told] = (await laptop.sync()).new_devices
    assert told.id == reply.device_id.hex()
    assert told.again_of == ""
    assert told.name_shared == "another device"
    assert "a second device named 'phone', not the one you know" in told.line()


def test_a_proof_copied_whole_onto_another_device_id_holds_for_no_earlier_device() -> None:
    """A server that copies a row's device proof whole (key, challenge, signature) onto a
    later row of another id: the signature names the first row's device id, so the later
    row is no sign-in again of that device. Pure."""
    key = nacl.signing.SigningKey.generate()
    first_id, later_id, challenge = b"\x01" * 16, b"\x02" * 16, b"\x03" * 32
    public, signature = keys.device_proof(key, challenge, first_id)
    first = wire.SignIn(
        1, first_id, "phone", 1000, False, True, False, public, challenge, signature
    )
    copied = dataclasses.replace(first, seq=2, device_id=later_id, at=2000)
    pinned: dict[str, list[object]] = {}
    assert _signed_in_again([first, copied], pinned) == {}
    assert pinned == {public.hex(): [first_id.hex(), "phone", 1000]}
    # signed by the key for the later id: that device signed in again
    _, signed = keys.device_proof(key, challenge, later_id)
    honest = dataclasses.replace(copied, device_signature=signed)
    assert _signed_in_again([first, honest], {}) == {2: (first_id.hex(), "phone")}


async def test_a_device_key_without_its_signature_is_refused_before_the_challenge(
    live_server: RunningServer, signup: ClientFactory
) -> None:
    """A login naming a device key without a signature (or the reverse) is 400
    invalid_field: the two go together or are left out (protocol.md /v1/auth/login)."""
    await signup("ana")
    transport = Transport(live_server.url)
    try:
        derived = await account.password_keys(transport, "ana", PASSWORD, INSECURE_TEST_COST)
        for key, signature in ((bytes(32), b""), (b"", bytes(64)), (bytes(31), bytes(64))):
            challenge, signed = await account.signed_challenge(
                transport, "ana", "login", derived.login_key
            )
            request = wire.LoginRequest(
                "ana", challenge, signed, "phone", b"", crypto.random_bytes(16), key, signature
            )
            try:
                await transport.call("/v1/auth/login", request, wire.SessionReply)
            except InvalidInput as error:
                assert error.code == "invalid_field"
            else:
                raise AssertionError("a device key without its signature was taken")
    finally:
        await transport.close()


async def test_a_server_that_refuses_with_keys_is_asked_without_it(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server from before device keys refuses `with_keys` (400 invalid_field, as its
    decoder refuses an unknown field): the look asks again without it, and tells every
    sign-in as a device's first."""
    laptop = looking_every_sync(await signup("ana"))

    async def older(request: web.Request) -> web.Response:
        message = await routes.body(request, wire.SignInsRequest)
        if message.with_keys:  # a field its decoder does not know
            raise BadRequest("unknown field with_keys", code="invalid_field")
        return routes.reply(await routes.service(request).sign_ins(routes.caller(request), message))

    monkeypatch.setitem(routes.ROUTES, "/v1/account/sign-ins", older)
    await laptop.sync()  # the baseline
    await login("ana", "tablet")
    report = await laptop.sync()
    assert [(d.name, d.again_of) for d in report.new_devices] == [("tablet", "")]
    assert report.problems == []
