"""Review r36: the server side of device ids chosen by the device (`used_device_ids`)."""

from __future__ import annotations

import dataclasses

import aiohttp
import nacl.utils

from client_sdk import INSECURE_TEST_COST, Client, wire
from tests.conftest import PASSWORD
from tests.server.conftest import Serve
from tests.server.raw import RawClient
from tests.server.test_access import signed_login


async def test_a_login_logout_loop_does_not_pile_up_rows_of_used_device_ids(
    serve: Serve, raw_session: aiohttp.ClientSession
) -> None:
    """R9 finding 8: "only the newest `max_devices` signed-out rows are kept, so that a
    login/logout loop cannot pile up rows". D1 keeps every device id ever given in
    `used_device_ids`, for good (even after the account is deleted): one row per login, so
    any account holder's login/logout loop (each a challenge and a signature, no failed
    attempt to throttle) grows the server's database without bound again. (Nothing the
    SDK relies on needs the server to remember every id: a device draws 16 random bytes
    and refuses a reply naming another id, and a client that reuses an old id of its own
    account on purpose can only confuse its own account's counters.)"""
    async with serve(max_devices=1) as server:
        raw = RawClient(raw_session, server.url)
        client = await Client.signup(
            server.url, "rxia", PASSWORD, home=server.data_dir / "home", kdf_cost=INSECURE_TEST_COST
        )
        await client.logout()
        loops = 12
        for _ in range(loops):
            server.clock.now += 1000
            request = dataclasses.replace(
                await signed_login(raw, "rxia"), device_id=nacl.utils.random(wire.ID_BYTES)
            )
            token = (await raw.call("/v1/auth/login", request)).value()["token"]
            assert (await raw.call("/v1/auth/logout", wire.Empty(), token=token)).status == 200
        devices = await server.rows("SELECT COUNT(*) FROM devices")
        used = await server.rows("SELECT COUNT(*) FROM used_device_ids")
        assert devices[0][0] <= 2  # pruned, as R9 finding 8 asks
        assert used[0][0] <= 2, f"{used[0][0]} rows kept for {loops + 1} sessions of one account"
