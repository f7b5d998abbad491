"""Authentication failures surface as AuthError with a message a user can act on, and a
hostile server cannot talk the client into cheap password hashing."""

from __future__ import annotations

from pathlib import Path

import msgpack
import pytest

from client_sdk import (
    INSECURE_TEST_COST,
    INTERACTIVE,
    AuthError,
    Client,
    InvalidInput,
    KdfCost,
    NetworkError,
    TJError,
    wire,
)
from tests.client.recording_proxy import recording_proxy
from tests.conftest import PASSWORD, ClientFactory, RunningServer

DAY_MS = 24 * 3600 * 1000
DEAD = "http://127.0.0.1:9"  # the discard port: nothing answers there


async def test_a_wrong_password_is_an_auth_error_that_says_so(
    live_server: RunningServer, signup: ClientFactory, tmp_path: Path
) -> None:
    await signup("ana")
    with pytest.raises(AuthError, match="wrong username or password") as raised:
        await Client.login(
            live_server.url,
            "ana",
            "not the password",
            home=tmp_path / "phone",
            minimum_cost=INSECURE_TEST_COST,
        )
    assert raised.value.code == "auth_failed"  # the code is machine-readable, not in the words
    assert not (tmp_path / "phone" / "profile").exists()


async def test_an_unknown_username_fails_like_a_wrong_password(
    live_server: RunningServer, tmp_path: Path
) -> None:
    with pytest.raises(AuthError, match="wrong username or password"):
        await Client.login(live_server.url, "nobody", PASSWORD, home=tmp_path / "phone")


async def test_a_revoked_device_gets_an_auth_error_at_its_next_sync(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    phone = await login("ana")
    await phone.sync()
    await laptop.devices.revoke(phone.profile.device_id.hex())
    with pytest.raises(AuthError, match="signed out; log in again"):
        await phone.sync()
    assert [device.name for device in await laptop.devices.list()] == ["laptop"]
    await laptop.sync()  # the device that revoked keeps working


async def test_an_expired_session_gets_an_auth_error_and_a_new_login_works(
    live_server: RunningServer, signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    await laptop.entries.write(None, "Kept on the device")
    live_server.clock.now += 31 * DAY_MS
    with pytest.raises(AuthError, match="expired; log in again"):
        await laptop.sync()
    assert await laptop.pending() == 1, "nothing written is lost when the session expires"
    phone = await login("ana")
    await phone.sync()


async def test_logging_in_again_on_the_same_device_after_expiry_sends_what_waited(
    live_server: RunningServer, signup: ClientFactory, login: ClientFactory, tmp_path: Path
) -> None:
    """As the README says: after the 30 days, `tj login` on the same profile signs it in
    again and what was written meanwhile, waiting in the outbox, reaches the server."""
    laptop = await signup("ana")
    live_server.clock.now += 31 * DAY_MS
    await laptop.entries.write(None, "Written after the session ended")
    with pytest.raises(AuthError, match="expired; log in again"):
        await laptop.sync()
    home = laptop.home
    await laptop.close()
    again = await Client.login(
        live_server.url, "ana", PASSWORD, home=home, minimum_cost=INSECURE_TEST_COST
    )
    try:
        assert await again.pending() == 1
        await again.sync()
        assert await again.pending() == 0
    finally:
        await again.close()
    phone = await login("ana")
    await phone.sync()
    assert [e.body for e in await phone.entries.list()] == ["Written after the session ended"]


async def test_a_session_is_still_valid_just_before_thirty_days(
    live_server: RunningServer, signup: ClientFactory
) -> None:
    laptop = await signup("ana")
    live_server.clock.now += 29 * DAY_MS
    await laptop.sync()


@pytest.mark.parametrize(
    "cost",
    [KdfCost(1, 8192), KdfCost(1, INTERACTIVE.memlimit), KdfCost(INTERACTIVE.opslimit, 8192)],
    ids=["both weak", "one pass", "tiny memory"],
)
async def test_a_hostile_server_advertising_a_weak_cost_is_refused_before_any_login(
    live_server: RunningServer, signup: ClientFactory, tmp_path: Path, cost: KdfCost
) -> None:
    await signup("ana")
    async with recording_proxy(live_server.url) as hostile:
        weak = wire.PreloginReply(bytes(16), cost.opslimit, cost.memlimit)
        hostile.replies["/v1/auth/prelogin"] = (200, wire.encode(weak))
        with pytest.raises(InvalidInput, match="below the minimum"):
            await Client.login(hostile.url, "ana", PASSWORD, home=tmp_path / "phone")
    assert hostile.paths() == ["/v1/auth/prelogin"]
    assert not (tmp_path / "phone" / "profile").exists()


@pytest.mark.parametrize(
    ("opslimit", "memlimit", "error", "message"),
    [
        (3, 2**62, InvalidInput, "above the maximum"),
        (10_000, INTERACTIVE.memlimit, InvalidInput, "above the maximum"),
        (2**32, INTERACTIVE.memlimit, NetworkError, "malformed reply"),
    ],
    ids=["exabytes of memory", "hours of passes", "more passes than the protocol allows"],
)
async def test_a_hostile_server_advertising_an_impossible_cost_gets_a_clean_error(
    live_server: RunningServer,
    signup: ClientFactory,
    tmp_path: Path,
    opslimit: int,
    memlimit: int,
    error: type[TJError],
    message: str,
) -> None:
    await signup("ana")
    async with recording_proxy(live_server.url) as hostile:
        impossible = {"salt": bytes(16), "opslimit": opslimit, "memlimit": memlimit}
        hostile.replies["/v1/auth/prelogin"] = (200, msgpack.packb(impossible))
        with pytest.raises(error, match=message):
            await Client.login(hostile.url, "ana", PASSWORD, home=tmp_path / "phone")
    assert hostile.paths() == ["/v1/auth/prelogin"]


async def test_a_hostile_server_cannot_weaken_hashing_during_a_password_change(
    live_server: RunningServer, signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    async with recording_proxy(live_server.url) as hostile:
        weak = wire.PreloginReply(bytes(16), 1, 8192)
        hostile.replies["/v1/auth/prelogin"] = (200, wire.encode(weak))
        laptop.transport.base_url = hostile.url
        with pytest.raises(InvalidInput, match="below the minimum"):
            await laptop.change_password(PASSWORD, "a new password", kdf_cost=INSECURE_TEST_COST)
        laptop.transport.base_url = live_server.url
    assert hostile.paths() == ["/v1/auth/prelogin"]
    await login("ana")  # the password did not change


async def test_signing_up_or_in_offline_says_nothing_of_changes_kept(tmp_path: Path) -> None:
    for attempt in (
        Client.signup(DEAD, "zed", PASSWORD, home=tmp_path / "a"),
        Client.login(DEAD, "zed", PASSWORD, home=tmp_path / "b"),
    ):
        with pytest.raises(NetworkError) as raised:
            await attempt
        assert "cannot reach the server" in str(raised.value)
        assert "kept" not in str(raised.value) and "sync later" not in str(raised.value)
    assert not (tmp_path / "a").exists() and not (tmp_path / "b" / "profile").exists()
