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
from client_sdk.devices import DEVICE_KEYS_FILE, _signed_in_again
from client_sdk.errors import InvalidInput
from client_sdk.transport import Transport
from server import routes
from server.errors import BadRequest
from tests.client.hostile import HostileServer, Through
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
        assert "its device key is the one of 'phone' (device " in told.line()
        assert "a second device named" not in told.line()
        assert told.to_dict()["again_of"] == first
        assert told.again_at is not None and told.to_dict()["again_at"]
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
            row.device_key, row.device_signature, row.device_signed_at + 1,
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
    """A server that copies a row's device proof whole (key, challenge, signature, signed
    time) onto a later row of another id: the signature names the first row's device id, so
    the later row is no sign-in again of that device. Pure."""
    key = nacl.signing.SigningKey.generate()
    first_id, later_id, challenge = b"\x01" * 16, b"\x02" * 16, b"\x03" * 32
    public, signature = keys.device_proof(key, challenge, first_id, 900)
    first = wire.SignIn(
        1, first_id, "phone", 1000, False, True, False, public, challenge, signature, 900
    )
    copied = dataclasses.replace(first, seq=2, device_id=later_id, at=2000)
    pinned: dict[str, list[object]] = {}
    assert _signed_in_again([first, copied], pinned) == {}
    assert pinned == {public.hex(): [first_id.hex(), "phone", 1000, 900, [first_id.hex()]]}
    # signed by the key for the later id, later: that device signed in again
    _, signed = keys.device_proof(key, challenge, later_id, 1900)
    honest = dataclasses.replace(copied, device_signature=signed, device_signed_at=1900)
    assert _signed_in_again([first, honest], {}) == {2: (first_id.hex(), "phone", 1000)}


def test_an_earlier_proof_of_the_key_served_again_is_no_sign_in_again() -> None:
    """rev34c F1, pure: the phone signed in as id 1 (signed at 900), then as id 2 (1900); a
    server serving either proof again on a later row (whole: its own id, challenge and
    time, so the signature holds) makes no sign-in again of the phone: the signed time is
    not later than the newest seen for the key, or the id was seen with it. A device that
    saw only the second sign-in refuses a replay of the first by its time alone; a proof
    without a signed time (of before it) never counts."""
    key = nacl.signing.SigningKey.generate()
    challenge = b"\x03" * 32

    def row(seq: int, device_id: bytes, signed_at: int) -> wire.SignIn:
        public, signature = keys.device_proof(key, challenge, device_id, signed_at)
        return wire.SignIn(
            seq, device_id, "phone", seq * 1000, False, True, False, public, challenge,
            signature, signed_at,
        )  # fmt: skip

    one, two = row(1, b"\x01" * 16, 900), row(2, b"\x02" * 16, 1900)
    replay_one = dataclasses.replace(one, seq=3, name="intruder", at=3000)
    replay_two = dataclasses.replace(two, seq=4, name="intruder", at=4000)
    assert _signed_in_again([one, two, replay_one, replay_two], {}) == {
        2: ((b"\x01" * 16).hex(), "phone", 1000)
    }
    pinned: dict[str, list[object]] = {}
    assert _signed_in_again([two], pinned) == {}  # the first look came after the second
    assert _signed_in_again([replay_one], pinned) == {}
    assert _signed_in_again([replay_two], pinned) == {}
    # the same signature with its time left out (a proof of before the signed time)
    untimed = dataclasses.replace(row(5, b"\x05" * 16, 5000), device_signed_at=0)
    assert _signed_in_again([one, untimed], {}) == {}


async def test_a_device_key_without_its_signature_is_refused_before_the_challenge(
    live_server: RunningServer, signup: ClientFactory
) -> None:
    """A login naming a device key without a signature (or the reverse) is 400
    invalid_field: the two go together or are left out (protocol.md /v1/auth/login)."""
    await signup("ana")
    transport = Transport(live_server.url)
    try:
        derived = await account.password_keys(transport, "ana", PASSWORD, INSECURE_TEST_COST)
        for key, signature, signed_at in (
            (bytes(32), b"", 1), (b"", bytes(64), 1), (bytes(31), bytes(64), 1),
            (bytes(32), bytes(64), 0), (b"", b"", 1),
        ):  # fmt: skip
            challenge, signed = await account.signed_challenge(
                transport, "ana", "login", derived.login_key
            )
            request = wire.LoginRequest(
                "ana", challenge, signed, "phone", b"", crypto.random_bytes(16), key, signature,
                signed_at,
            )  # fmt: skip
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


async def test_a_server_serving_the_phones_first_proof_on_an_intruders_row_raises_the_alarm(
    through: Through, hostile: HostileServer, live_server: RunningServer, login: ClientFactory,
    tmp_path: Path,
) -> None:  # fmt: skip
    """rev34c F1: the phone signs in twice from its home (told as new, then as the phone
    signing in again); someone with the password signs in from elsewhere, and the server
    serves the phone's first row's proof (its id, key, challenge, signature and signed
    time: all of it holds) on the intruder's row. The laptop tells it as a new sign-in, with
    the advice to sign it out, never as the phone signing in again."""
    from cli.output import sign_in_lines

    laptop = looking_every_sync(await through("ana"))
    await laptop.sync()  # the baseline
    home = tmp_path / "ana-phone"
    phone = await Client.login(
        live_server.url, "ana", PASSWORD, home=home, device_name="phone",
        minimum_cost=INSECURE_TEST_COST,
    )  # fmt: skip
    first_id = phone.profile.device_id
    await phone.close()
    [told] = (await laptop.sync()).new_devices
    assert told.again_of == ""
    again = await Client.login(
        live_server.url, "ana", PASSWORD, home=home, minimum_cost=INSECURE_TEST_COST
    )
    await again.close()
    [told] = (await laptop.sync()).new_devices
    assert told.again_of == first_id.hex()  # honest: the phone signed in again
    [phone_first] = [r for r in await sign_in_rows(laptop) if r.device_id == first_id]
    assert phone_first.device_signed_at > 0

    intruder = await login("ana", "intruder")  # knows the password, another home

    def replayed(_: bytes, reply: bytes) -> bytes:
        listed = wire.decode(wire.SignInList, reply)
        rows = [
            dataclasses.replace(
                r,
                device_id=phone_first.device_id,
                device_key=phone_first.device_key,
                challenge=phone_first.challenge,
                device_signature=phone_first.device_signature,
                device_signed_at=phone_first.device_signed_at,
            )  # fmt: skip
            if r.device_id == intruder.profile.device_id
            else r
            for r in listed.sign_ins
        ]
        return wire.encode(dataclasses.replace(listed, sign_ins=rows))

    hostile.replies["/v1/account/sign-ins"] = replayed
    report = await laptop.sync()
    [told] = report.new_devices
    assert (told.id, told.name, told.again_of) == (first_id.hex(), "intruder", "")
    assert "its device key is the one of" not in told.line()
    shown = " ".join(sign_in_lines(report))
    assert "Not you?" in shown and f"tj devices revoke {first_id.hex()[:12]}" in shown


async def test_a_logout_drops_the_device_key_so_a_copy_of_the_home_signs_in_as_a_new_device(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    """rev34c F2: `logout` forgets the home's data, its device key too: whoever later holds
    what is left of the home (and the password) signs in as a new device, never as the
    phone signing in again; the phone's own login after its logout is told as a new device
    too (honest: nothing on the home is left to say otherwise)."""
    laptop = looking_every_sync(await signup("ana"))
    await laptop.sync()
    home = tmp_path / "ana-old-phone"
    phone = await Client.login(
        live_server.url, "ana", PASSWORD, home=home, device_name="phone",
        minimum_cost=INSECURE_TEST_COST,
    )  # fmt: skip
    await laptop.sync()  # the phone's key seen
    await phone.logout()
    assert not (home / DEVICE_KEYS_FILE).exists()
    back = await Client.login(
        live_server.url, "ana", PASSWORD, home=home, device_name="phone",
        minimum_cost=INSECURE_TEST_COST,
    )  # fmt: skip
    try:
        [told] = (await laptop.sync()).new_devices
        assert (told.id, told.again_of) == (back.profile.device_id.hex(), "")
    finally:
        await back.close()


async def test_a_login_on_a_home_still_signed_in_keeps_the_device_key(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    """nu83 F11's case, kept: a login on a home still signed in (no logout) keeps its
    device key, and the other devices tell it as that device signing in again."""
    laptop = looking_every_sync(await signup("ana"))
    await laptop.sync()
    home = tmp_path / "ana-phone"
    phone = await Client.login(
        live_server.url, "ana", PASSWORD, home=home, device_name="phone",
        minimum_cost=INSECURE_TEST_COST,
    )  # fmt: skip
    first = phone.profile.device_id.hex()
    await phone.close()
    await laptop.sync()
    kept = (home / DEVICE_KEYS_FILE).read_bytes()
    again = await Client.login(
        live_server.url, "ana", PASSWORD, home=home, minimum_cost=INSECURE_TEST_COST
    )
    try:
        assert (home / DEVICE_KEYS_FILE).read_bytes() == kept
        [told] = (await laptop.sync()).new_devices
        assert told.again_of == first
    finally:
        await again.close()


async def test_an_intruder_revoked_after_the_alarm_who_signs_in_again_is_still_advised(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    """rev34c F3: an intruder with the password signs in from its own home as "x", is told
    (a new sign-in) and revoked; it signs in again from the same home. Its device key says
    only that the same device signed in: the notice names the earlier sign-in it is of and
    keeps the advice (sign it out, change the password)."""
    from cli.output import sign_in_lines

    laptop = looking_every_sync(await signup("ana"))
    await laptop.sync()
    home = tmp_path / "intruder-home"
    intruder = await Client.login(
        live_server.url, "ana", PASSWORD, home=home, device_name="x",
        minimum_cost=INSECURE_TEST_COST,
    )  # fmt: skip
    first = intruder.profile.device_id.hex()
    [told] = (await laptop.sync()).new_devices
    assert told.again_of == ""  # the alarm
    await laptop.devices.revoke(first)
    await intruder.close()
    back = await Client.login(
        live_server.url, "ana", PASSWORD, home=home, device_name="x",
        minimum_cost=INSECURE_TEST_COST,
    )  # fmt: skip
    try:
        report = await laptop.sync()
        [told] = report.new_devices
        assert told.again_of == first
        assert f"its device key is the one of 'x' (device {first[:12]}), which signed in on " in (
            told.line()
        )
        shown = " ".join(sign_in_lines(report))
        assert "Not you?" in shown
        assert f"tj devices revoke {back.profile.device_id.hex()[:12]}" in shown
        assert "tj password change --sign-out-others" in shown
    finally:
        await back.close()
