"""R23: attacks on resumable signup, share-ended notices and limited shares."""

from __future__ import annotations

from pathlib import Path

import msgpack
import pytest

from client_sdk import INSECURE_TEST_COST, Client, NetworkError
from tests.client.hostile import HostileServer
from tests.client.test_signup_failures import NOT_MSGPACK, sign_up
from tests.conftest import PASSWORD, RunningServer


@pytest.mark.xfail(
    strict=True,
    reason="R23 F1: finishing a signup shows the kept recovery key without checking it is "
    "still the account's: a key replaced on another device meanwhile is shown as if in force",
)
async def test_finishing_a_signup_never_shows_a_recovery_key_replaced_since(
    live_server: RunningServer, hostile: HostileServer, tmp_path: Path
) -> None:
    home = tmp_path / "laptop"
    hostile.replies["/v1/auth/signup"] = lambda request, reply: NOT_MSGPACK
    with pytest.raises(NetworkError):
        await sign_up(hostile.url, home)
    del hostile.replies["/v1/auth/signup"]
    # The user never saw a key; on the phone they make one (the honest server).
    phone = await Client.login(
        live_server.url, "ana", PASSWORD, home=tmp_path / "phone", minimum_cost=INSECURE_TEST_COST
    )
    await phone.replace_recovery_key(PASSWORD, minimum_cost=INSECURE_TEST_COST)
    await phone.close()

    laptop = await sign_up(hostile.url, home)  # finishes the signup
    shown = laptop.recovery_key
    await laptop.close()
    if shown is not None:  # whatever the device shows as "your recovery key" must work
        recovered = await Client.recover(
            live_server.url, "ana", shown, "another password for ana",
            home=tmp_path / "recovered", kdf_cost=INSECURE_TEST_COST,
        )  # fmt: skip
        await recovered.close()


@pytest.mark.xfail(
    strict=True,
    reason="R23 F2: a prelogin salt lie plus the real 409 username_taken makes the device "
    "delete the only copy of a recovery key that is in force and was never shown",
)
async def test_a_server_answer_cannot_destroy_the_only_copy_of_a_recovery_key(
    live_server: RunningServer, hostile: HostileServer, tmp_path: Path
) -> None:
    home = tmp_path / "laptop"
    hostile.replies["/v1/auth/signup"] = lambda request, reply: NOT_MSGPACK
    with pytest.raises(NetworkError):
        await sign_up(hostile.url, home)
    del hostile.replies["/v1/auth/signup"]
    assert await live_server.rows("SELECT username FROM accounts") == [("ana",)]

    def other_salt(request: bytes, reply: bytes) -> bytes:
        message = msgpack.unpackb(reply, raw=False)
        message["salt"] = bytes(len(message["salt"]))
        packed: bytes = msgpack.packb(message, use_bin_type=True)
        return packed

    hostile.replies["/v1/auth/prelogin"] = other_salt
    with pytest.raises(Exception):
        await sign_up(hostile.url, home)
    # The account this device made exists, with the recovery key only this file holds.
    assert Client.unfinished_signup(home) is not None
