"""REV-ACCT F5: a signed-in device never signs with a password key derived at a cost below
the one it knows the account's password has (real server on loopback behind the hostile
proxy, real crypto)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from client_sdk import Client, IntegrityError, wire
from client_sdk.crypto import INSECURE_TEST_COST, INTERACTIVE
from tests.client.hostile import HostileServer, serving
from tests.conftest import PASSWORD, RunningServer

NEW_PASSWORD = "a second long password for ana"


def cheaper(request: bytes, reply: bytes) -> bytes:
    """The prelogin answered with the cheapest cost and a salt of the server's own."""
    return wire.encode(
        wire.PreloginReply(os.urandom(16), INSECURE_TEST_COST.opslimit, INSECURE_TEST_COST.memlimit)
    )


@pytest.mark.parametrize("how", ["delete", "password", "recovery key"])
async def test_a_signed_in_device_signs_nothing_at_a_cost_below_the_one_it_knows(
    live_server: RunningServer, tmp_path: Path, how: str
) -> None:
    """The account's password costs INTERACTIVE (2 passes, 64 MiB); the server answers the
    signed-in device's prelogin with the cheapest cost and its own salt. The call accepts
    that cost (`minimum_cost=INSECURE_TEST_COST`, as a test account's would), yet the
    device knows better: nothing is derived, no challenge is asked or signed."""
    async with serving(HostileServer(live_server.url)) as hostile:
        client = await Client.signup(
            hostile.url, "ana", PASSWORD, home=tmp_path / "ana", kdf_cost=INTERACTIVE
        )
        try:
            hostile.replies["/v1/auth/prelogin"] = cheaper
            before = len(hostile.paths)
            with pytest.raises(IntegrityError, match="below the 2 passes / 64 MiB"):
                if how == "delete":
                    await client.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)
                elif how == "password":
                    await client.change_password(
                        PASSWORD,
                        NEW_PASSWORD,
                        kdf_cost=INSECURE_TEST_COST,
                        minimum_cost=INSECURE_TEST_COST,
                    )
                else:
                    await client.replace_recovery_key(PASSWORD, minimum_cost=INSECURE_TEST_COST)
            assert "/v1/auth/challenge" not in hostile.paths[before:]
            # the honest answer again: the same call goes through
            del hostile.replies["/v1/auth/prelogin"]
            if how == "recovery key":
                await client.replace_recovery_key(PASSWORD, minimum_cost=INSECURE_TEST_COST)
        finally:
            await client.close()


async def test_an_own_password_change_at_a_lower_cost_is_known_afterwards(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """This device's own change of the password sets the cost it knows: a later signed-in
    call at the new, lower cost (a test account's) goes through."""
    client = await Client.signup(
        live_server.url, "ana", PASSWORD, home=tmp_path / "ana", kdf_cost=INTERACTIVE
    )
    try:
        await client.change_password(
            PASSWORD, NEW_PASSWORD, kdf_cost=INSECURE_TEST_COST, minimum_cost=INSECURE_TEST_COST
        )
        known = json.loads(await client.store.setting("password_cost"))
        assert known == [INSECURE_TEST_COST.opslimit, INSECURE_TEST_COST.memlimit]
        assert await client.replace_recovery_key(NEW_PASSWORD, minimum_cost=INSECURE_TEST_COST)
    finally:
        await client.close()
