"""Device ids are chosen by the device (protocol.md 2.3): the server takes the id a signup or
login asks for, refuses one a device row it keeps holds (a live device's, or one signed out
or revoked until its row is pruned, of any account) with 409 `device_id_taken`, and picks one
only for a request without it (a client older than device-chosen ids)."""

from __future__ import annotations

import dataclasses

import aiohttp
import nacl.utils

from client_sdk import INSECURE_TEST_COST, Client, wire
from tests.conftest import PASSWORD, ClientFactory, RunningServer
from tests.server.conftest import Serve
from tests.server.raw import RawClient, signed_signup
from tests.server.test_access import signed_login


def new_id() -> bytes:
    return nacl.utils.random(wire.ID_BYTES)


async def test_a_login_takes_the_device_id_the_device_chose(raw: RawClient, ana: Client) -> None:
    chosen = new_id()
    request = dataclasses.replace(await signed_login(raw, "ana"), device_id=chosen)
    answer = await raw.call("/v1/auth/login", request)
    assert answer.status == 200
    assert answer.value()["device_id"] == chosen
    listed = {device.id for device in await ana.devices.list()}
    assert chosen.hex() in listed


async def test_a_signup_takes_the_device_id_the_device_chose(
    raw: RawClient, live_server: RunningServer
) -> None:
    chosen = new_id()
    answer = await raw.call("/v1/auth/signup", {**signed_signup("cleo"), "device_id": chosen})
    assert answer.status == 200
    assert answer.value()["device_id"] == chosen
    assert await live_server.rows("SELECT device_id FROM devices") == [(chosen,)]


async def test_a_request_without_a_device_id_gets_one_picked_by_the_server(
    raw: RawClient, ana: Client
) -> None:
    """Kept for clients older than device-chosen ids: the field may be left out."""
    request = await signed_login(raw, "ana")
    assert request.device_id == b""
    answer = await raw.call("/v1/auth/login", request)
    assert answer.status == 200
    assert len(answer.value()["device_id"]) == wire.ID_BYTES


async def test_a_device_id_of_another_length_is_refused_before_the_challenge_is_used(
    raw: RawClient, ana: Client
) -> None:
    request = await signed_login(raw, "ana")
    for wrong in (b"x", bytes(wire.ID_BYTES - 1)):
        answer = await raw.call("/v1/auth/login", dataclasses.replace(request, device_id=wrong))
        assert answer.error() == (400, "invalid_field")
    answer = await raw.call("/v1/auth/login", dataclasses.replace(request, device_id=new_id()))
    assert answer.status == 200  # the challenge was not spent by the refused requests
    signup = {**signed_signup("cleo"), "device_id": b"short"}
    assert (await raw.call("/v1/auth/signup", signup)).error() == (400, "invalid_field")


async def test_a_device_id_given_once_is_refused_for_good(
    raw: RawClient, ana: Client, ben: Client, live_server: RunningServer
) -> None:
    """A live device's id, a signed-out device's id, a revoked device's id and another
    account's device id: each refused (409 `device_id_taken`), and nothing is created."""
    ana_id = ana.profile.device_id
    for username, taken in (("ana", ana_id), ("ben", ana_id), ("ana", ben.profile.device_id)):
        request = dataclasses.replace(await signed_login(raw, username), device_id=taken)
        assert (await raw.call("/v1/auth/login", request)).error() == (409, "device_id_taken")
    devices = await live_server.rows("SELECT COUNT(*) FROM devices")
    chosen = new_id()
    request = dataclasses.replace(await signed_login(raw, "ana"), device_id=chosen)
    token = (await raw.call("/v1/auth/login", request)).value()["token"]
    assert (await raw.call("/v1/auth/logout", wire.Empty(), token=token)).status == 200
    again = dataclasses.replace(await signed_login(raw, "ana"), device_id=chosen)
    assert (await raw.call("/v1/auth/login", again)).error() == (409, "device_id_taken")
    second = new_id()
    request = dataclasses.replace(await signed_login(raw, "ana"), device_id=second)
    assert (await raw.call("/v1/auth/login", request)).status == 200
    await ana.devices.revoke(second.hex())
    again = dataclasses.replace(await signed_login(raw, "ana"), device_id=second)
    assert (await raw.call("/v1/auth/login", again)).error() == (409, "device_id_taken")
    assert await live_server.rows("SELECT COUNT(*) FROM devices") == [
        (devices[0][0] + 2,)  # the two accepted logins only
    ]
    signup = {**signed_signup("cleo"), "device_id": ana_id}
    assert (await raw.call("/v1/auth/signup", signup)).error() == (409, "device_id_taken")
    assert await live_server.rows("SELECT 1 FROM accounts WHERE username = 'cleo'") == []
    assert (await raw.call("/v1/auth/signup", {**signup, "device_id": new_id()})).status == 200


async def test_an_id_is_refused_while_its_signed_out_row_is_kept_and_goes_with_it(
    serve: Serve, raw_session: aiohttp.ClientSession
) -> None:
    """Signed-out device rows beyond the newest `max_devices` are deleted (R9 finding 8): the
    id of the one kept stays taken; a pruned row's id goes with it (R36 F8: the server keeps
    no id longer than its device row, so a login/logout loop piles up nothing). What keeps
    ids apart is the device's 16 random bytes a session (protocol.md 2.3)."""
    async with serve(max_devices=1) as server:
        raw = RawClient(raw_session, server.url)
        client = await Client.signup(
            server.url,
            "dora",
            PASSWORD,
            home=server.data_dir / "dora-home",
            kdf_cost=INSECURE_TEST_COST,
        )
        first = client.profile.device_id
        await client.logout()
        last = b""
        for _ in range(2):  # each login prunes signed-out rows but the newest one
            server.clock.now += 1000  # newest by creation time
            last = new_id()
            request = dataclasses.replace(await signed_login(raw, "dora"), device_id=last)
            token = (await raw.call("/v1/auth/login", request)).value()["token"]
            assert (await raw.call("/v1/auth/logout", wire.Empty(), token=token)).status == 200
        assert (first,) not in await server.rows("SELECT device_id FROM devices")
        assert (first,) not in await server.rows("SELECT device_id FROM used_device_ids")
        kept = await server.rows("SELECT device_id FROM used_device_ids")
        assert sorted(kept) == sorted(await server.rows("SELECT device_id FROM devices"))
        assert (last,) in kept  # the newest signed-out row is kept, and its id stays taken
        again = dataclasses.replace(await signed_login(raw, "dora"), device_id=last)
        assert (await raw.call("/v1/auth/login", again)).error() == (409, "device_id_taken")


async def test_a_deleted_accounts_device_ids_go_with_it(
    signup: ClientFactory, raw: RawClient, live_server: RunningServer
) -> None:
    """An account deleted takes its rows of `used_device_ids` with it (R36 F8): nothing of
    it is kept, not even its devices' bare ids."""
    gone = await signup("eve")
    gone_id = gone.profile.device_id
    assert await live_server.rows("SELECT COUNT(*) FROM used_device_ids") == [(1,)]
    await gone.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)
    assert await live_server.rows("SELECT 1 FROM accounts WHERE username = 'eve'") == []
    assert await live_server.rows("SELECT COUNT(*) FROM used_device_ids") == [(0,)]
    signup_body = {**signed_signup("eve"), "device_id": gone_id}
    assert (await raw.call("/v1/auth/signup", signup_body)).status == 200
