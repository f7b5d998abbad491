"""A login that fails after the server opened its session ends that session.

Logging in asks the server for a session, then does its own work: opening the key bundle,
reading the journal list, writing the profile. When that part fails (a bundle that does not
open, a hostile server's answer, a cancellation or Ctrl-C), the session would stay valid on
the server until it expired and the account's device list would show a device that never
finished signing in. The SDK signs it out (/v1/auth/logout), best effort, and raises the
login's own error, never the logout's.

The hostile server is the loopback proxy of tests/client/hostile.py in front of the real
server; the token of the failed login is read from the real server's reply to it.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import msgpack
import pytest

from client_sdk import INSECURE_TEST_COST, AuthError, Client, NetworkError, TJError, wire
from client_sdk.transport import Transport
from tests.client.hostile import HostileServer
from tests.conftest import PASSWORD, ClientFactory, RunningServer

NEW_PASSWORD = "a new password for ana"


def bundle_that_does_not_open(request: bytes, reply: bytes) -> bytes:
    """The real session reply with one byte of its key bundle changed."""
    message = msgpack.unpackb(reply, raw=False)
    message["bundle"] = message["bundle"][:-1] + bytes([message["bundle"][-1] ^ 1])
    packed: bytes = msgpack.packb(message, use_bin_type=True)
    return packed


async def sign_in(hostile: HostileServer, path: str, laptop: Client, home: Path) -> Client:
    """ana's phone logs in (path /v1/auth/login) or recovers (/v1/auth/recover) through the
    hostile server."""
    if path == "/v1/auth/login":
        return await Client.login(
            hostile.url,
            "ana",
            PASSWORD,
            home=home,
            device_name="phone",
            minimum_cost=INSECURE_TEST_COST,
        )
    assert laptop.recovery_key is not None
    return await Client.recover(
        hostile.url,
        "ana",
        laptop.recovery_key,
        NEW_PASSWORD,
        home=home,
        device_name="phone",
        kdf_cost=INSECURE_TEST_COST,
    )


def opened_session(hostile: HostileServer, path: str) -> str:
    """The token the real server gave the (only) sign-in through `path`."""
    [reply] = hostile.replies_to(path)
    return wire.decode(wire.SessionReply, reply).token


async def assert_signed_out(server: RunningServer, laptop: Client, token: str) -> None:
    """The session of `token` is gone: the account's other device lists only itself, and the
    token is refused."""
    assert [device.name for device in await laptop.devices.list()] == ["laptop"]
    transport = Transport(server.url, token)
    try:
        with pytest.raises(AuthError):
            await transport.call("/v1/devices/list", wire.ListRequest(), wire.DeviceList)
    finally:
        await transport.close()


@pytest.mark.parametrize("path", ["/v1/auth/login", "/v1/auth/recover"])
async def test_a_sign_in_whose_key_bundle_does_not_open_ends_its_session(
    live_server: RunningServer,
    hostile: HostileServer,
    signup: ClientFactory,
    tmp_path: Path,
    path: str,
) -> None:
    laptop = await signup("ana")
    hostile.replies[path] = bundle_that_does_not_open

    with pytest.raises(AuthError, match="does not open"):
        await sign_in(hostile, path, laptop, tmp_path / "ana-phone")

    assert hostile.paths[-1] == "/v1/auth/logout"
    await assert_signed_out(live_server, laptop, opened_session(hostile, path))


async def test_a_login_whose_journal_list_is_refused_ends_its_session(
    live_server: RunningServer, hostile: HostileServer, signup: ClientFactory, tmp_path: Path
) -> None:
    """The failure comes after the profile is written and the store opened (`_start`)."""
    laptop = await signup("ana")
    hostile.replies["/v1/journals/list"] = lambda request, reply: b"\xc1"  # never msgpack

    with pytest.raises(NetworkError, match="/v1/journals/list"):
        await sign_in(hostile, "/v1/auth/login", laptop, tmp_path / "ana-phone")

    await assert_signed_out(live_server, laptop, opened_session(hostile, "/v1/auth/login"))
    del hostile.replies["/v1/journals/list"]
    phone = await sign_in(hostile, "/v1/auth/login", laptop, tmp_path / "ana-phone")
    try:  # logging in again to the same home works, as a new device
        assert sorted(d.name for d in await laptop.devices.list()) == ["laptop", "phone"]
    finally:
        await phone.close()


async def test_a_login_cancelled_after_the_server_opened_its_session_ends_it(
    live_server: RunningServer, hostile: HostileServer, signup: ClientFactory, tmp_path: Path
) -> None:
    """Ctrl-C in `tj login` (asyncio.run cancels the main task) while the login reads its
    journal list: the cancellation is raised, and the session is ended first."""
    laptop = await signup("ana")
    reached, released = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        reached.set()
        await released.wait()

    hostile.holds["/v1/journals/list"] = hold
    login = asyncio.ensure_future(sign_in(hostile, "/v1/auth/login", laptop, tmp_path / "phone"))
    try:
        await reached.wait()  # the session exists; the login waits for its journal list
        login.cancel()
        with pytest.raises(asyncio.CancelledError):
            await login
    finally:
        released.set()
    await assert_signed_out(live_server, laptop, opened_session(hostile, "/v1/auth/login"))


async def test_a_logout_that_fails_does_not_replace_the_logins_own_error(
    live_server: RunningServer, hostile: HostileServer, signup: ClientFactory, tmp_path: Path
) -> None:
    """The server refuses the logout (here a body it cannot read, a 400): the login still
    raises its own AuthError, and the session is left to expire by itself."""
    laptop = await signup("ana")
    hostile.replies["/v1/auth/login"] = bundle_that_does_not_open
    hostile.requests["/v1/auth/logout"] = lambda body: b"\xc1"

    with pytest.raises(AuthError, match="does not open with this password"):
        await sign_in(hostile, "/v1/auth/login", laptop, tmp_path / "ana-phone")

    assert hostile.paths[-1] == "/v1/auth/logout"  # tried, and refused
    assert sorted(d.name for d in await laptop.devices.list()) == ["laptop", "phone"]


async def test_a_recovery_whose_new_password_is_refused_ends_its_session(
    live_server: RunningServer, hostile: HostileServer, signup: ClientFactory, tmp_path: Path
) -> None:
    """Recovering signs in with the recovery key, then sets the new password: a refusal of
    the password change fails the recovery and ends the session it opened."""
    laptop = await signup("ana")
    hostile.requests["/v1/account/password"] = lambda body: b"\xc1"

    with pytest.raises(TJError):
        await sign_in(hostile, "/v1/auth/recover", laptop, tmp_path / "ana-phone")

    assert hostile.paths[-2:] == ["/v1/account/password", "/v1/auth/logout"]
    await assert_signed_out(live_server, laptop, opened_session(hostile, "/v1/auth/recover"))


async def test_a_login_cancelled_after_its_profile_was_saved_leaves_the_home_signed_out(
    live_server: RunningServer, hostile: HostileServer, signup: ClientFactory, tmp_path: Path
) -> None:
    """nu80 F10: Ctrl-C while the login reads its journal list, after it saved the profile:
    the session is ended, so the profile goes too; the home says it is not signed in (never
    a profile whose every sync fails as "signed out"), and logging in again works."""
    laptop = await signup("ana")
    reached, released = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        reached.set()
        await released.wait()

    home = tmp_path / "phone"
    hostile.holds["/v1/journals/list"] = hold
    login = asyncio.ensure_future(sign_in(hostile, "/v1/auth/login", laptop, home))
    try:
        await reached.wait()
        assert (home / "profile").exists()  # saved before the journal list is read
        login.cancel()
        with pytest.raises(asyncio.CancelledError):
            await login
    finally:
        released.set()
    del hostile.holds["/v1/journals/list"]
    assert not (home / "profile").exists()
    with pytest.raises(TJError, match="no account on this device"):
        await Client.open(home)
    phone = await sign_in(hostile, "/v1/auth/login", laptop, home)
    try:
        await phone.sync()
        assert sorted(d.name for d in await laptop.devices.list()) == ["laptop", "phone"]
    finally:
        await phone.close()


async def test_a_login_again_cancelled_keeps_the_session_the_home_held(
    live_server: RunningServer, hostile: HostileServer, signup: ClientFactory, tmp_path: Path
) -> None:
    """nu80 F10, on a home signed in to the account already: the login again is stopped
    after it saved its profile; the profile from before is put back, and its session (never
    ended: only a finished login ends it) still syncs."""
    laptop = await signup("ana")
    home = tmp_path / "phone"
    phone = await sign_in(hostile, "/v1/auth/login", laptop, home)
    await phone.entries.write(None, "written before the login again")
    await phone.close()
    before = (home / "profile").read_bytes()
    hostile.replies["/v1/journals/list"] = lambda request, reply: b"\xc1"  # never msgpack

    with pytest.raises(NetworkError, match="/v1/journals/list"):
        await sign_in(hostile, "/v1/auth/login", laptop, home)

    del hostile.replies["/v1/journals/list"]
    assert (home / "profile").read_bytes() == before
    phone = await Client.open(home)
    try:
        await phone.sync()  # the earlier session: still signed in
    finally:
        await phone.close()
    await laptop.sync()
    assert [entry.body for entry in await laptop.entries.list()] == [
        "written before the login again"
    ]
