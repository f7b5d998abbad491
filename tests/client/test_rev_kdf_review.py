"""Review of branch `kdf` (REV-ACCT F5: the known password cost). Real server on loopback,
behind the hostile proxy where the server misbehaves; real crypto."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest

from client_sdk import Client, CostLowered, IntegrityError, wire
from client_sdk.client import KNOWN_COST
from client_sdk.crypto import INTERACTIVE, MODERATE
from tests.client.hostile import HostileServer, serving
from tests.conftest import PASSWORD, RunningServer

NEW_PASSWORD = "a second long password for ana"


def at_interactive_with_own_salt(request: bytes, reply: bytes) -> bytes:
    """The F5 attack: the floor's cost (INTERACTIVE) and a salt of the server's own."""
    return wire.encode(
        wire.PreloginReply(os.urandom(16), INTERACTIVE.opslimit, INTERACTIVE.memlimit)
    )


def session_reply_naming_interactive(request: bytes, reply: bytes) -> bytes:
    """The real SessionReply, its cost lowered to INTERACTIVE (nothing checks it)."""
    real = wire.decode(wire.SessionReply, reply)
    return wire.encode(
        dataclasses.replace(real, opslimit=INTERACTIVE.opslimit, memlimit=INTERACTIVE.memlimit)
    )


async def known(client: Client) -> list[int] | None:
    value = await client.store.setting(KNOWN_COST)
    return None if value is None else json.loads(value)


# ---- F1: the known cost is taken from an unchecked SessionReply --------------------------


@pytest.mark.parametrize("path", ["/v1/auth/signup", "/v1/auth/login"])
async def test_F1_a_session_reply_never_lowers_the_known_cost(
    live_server: RunningServer, tmp_path: Path, path: str
) -> None:
    """The account's password costs MODERATE (the SDK's default). At sign-in the server
    answers the real session with the cost INTERACTIVE: the device kept that as the cost it
    knows, and later signed a "delete" challenge at INTERACTIVE with the server's salt (the
    oracle REV-ACCT F5 closes). Now the cost kept is the one chosen (signup) or proved
    (login), never the reply's: the cheap prelogin is refused, nothing asked or signed."""
    async with serving(HostileServer(live_server.url)) as hostile:
        home = tmp_path / "ana"
        if path == "/v1/auth/signup":
            hostile.replies[path] = session_reply_naming_interactive
            client = await Client.signup(hostile.url, "ana", PASSWORD, home=home)
        else:
            first = await Client.signup(hostile.url, "ana", PASSWORD, home=tmp_path / "other")
            await first.close()
            hostile.replies[path] = session_reply_naming_interactive
            client = await Client.login(hostile.url, "ana", PASSWORD, home=home)
        try:
            del hostile.replies[path]
            assert await known(client) == [MODERATE.opslimit, MODERATE.memlimit]
            hostile.replies["/v1/auth/prelogin"] = at_interactive_with_own_salt
            before = len(hostile.paths)
            with pytest.raises(IntegrityError):
                await client.delete_account(PASSWORD)
            assert "/v1/auth/challenge" not in hostile.paths[before:]
            assert "/v1/account/delete" not in hostile.paths[before:]
        finally:
            await client.close()


# ---- F2: a login again on the signed-in home derives below the known cost -----------------


async def test_F2_a_login_again_on_a_home_that_knows_the_cost_signs_nothing_below_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """The home knows MODERATE. The server ends the session (401: `tj` says "`tj login`
    signs in again"), then answers the login's prelogin with INTERACTIVE and its own salt:
    the device derived at INTERACTIVE and signed the "login" challenge (the same oracle).
    Now a sign-in again on a home uses the cost its store knows: nothing is signed."""
    async with serving(HostileServer(live_server.url)) as hostile:
        home = tmp_path / "ana"
        client = await Client.signup(hostile.url, "ana", PASSWORD, home=home)
        assert await known(client) == [MODERATE.opslimit, MODERATE.memlimit]
        await client.close()
        hostile.replies["/v1/auth/prelogin"] = at_interactive_with_own_salt
        before = len(hostile.paths)
        with pytest.raises(IntegrityError, match="log this home out first"):
            await Client.login(hostile.url, "ana", PASSWORD, home=home)
        assert "/v1/auth/challenge" not in hostile.paths[before:]
        assert "/v1/auth/login" not in hostile.paths[before:]  # nothing signed went out


# ---- legitimate flows (expected to hold) --------------------------------------------------


async def test_a_lower_cost_set_on_another_device_is_refused_here_until_logged_out_and_in(
    live_server: RunningServer, tmp_path: Path
) -> None:
    a = await Client.signup(live_server.url, "ana", PASSWORD, home=tmp_path / "a")
    b = await Client.login(live_server.url, "ana", PASSWORD, home=tmp_path / "b")
    try:
        await b.change_password(PASSWORD, NEW_PASSWORD, kdf_cost=INTERACTIVE)
        with pytest.raises(CostLowered, match="sign in again") as refused:
            await a.replace_recovery_key(NEW_PASSWORD)
        assert isinstance(refused.value, IntegrityError)  # still a check that held (REV-KDF F3)
        assert (refused.value.username, refused.value.where) == ("ana", "this device")
        assert refused.value.server_url == live_server.url
    finally:
        await a.close()
        await b.close()
    # a sign-in again on this home is refused too (its store knows MODERATE: REV-KDF F2);
    # the way out the words give: log this home out, then sign in
    with pytest.raises(IntegrityError, match="log this home out first"):
        await Client.login(live_server.url, "ana", NEW_PASSWORD, home=tmp_path / "a")
    stale = await Client.open(tmp_path / "a")
    await stale.logout()
    a = await Client.login(live_server.url, "ana", NEW_PASSWORD, home=tmp_path / "a")
    try:
        assert await known(a) == [INTERACTIVE.opslimit, INTERACTIVE.memlimit]
        await a.replace_recovery_key(NEW_PASSWORD)
    finally:
        await a.close()


async def test_a_higher_or_equal_cost_set_on_another_device_goes_through(
    live_server: RunningServer, tmp_path: Path
) -> None:
    a = await Client.signup(
        live_server.url, "ana", PASSWORD, home=tmp_path / "a", kdf_cost=INTERACTIVE
    )
    b = await Client.login(live_server.url, "ana", PASSWORD, home=tmp_path / "b")
    try:
        await b.change_password(PASSWORD, NEW_PASSWORD)  # MODERATE: higher
        await a.replace_recovery_key(NEW_PASSWORD)
        assert await known(a) == [INTERACTIVE.opslimit, INTERACTIVE.memlimit]  # not raised
    finally:
        await a.close()
        await b.close()


async def test_a_recovery_on_another_device_at_the_default_cost_goes_through(
    live_server: RunningServer, tmp_path: Path
) -> None:
    a = await Client.signup(live_server.url, "ana", PASSWORD, home=tmp_path / "a")
    key = a.recovery_key
    assert key is not None
    b = await Client.recover(live_server.url, "ana", key, NEW_PASSWORD, home=tmp_path / "b")
    try:
        await a.replace_recovery_key(NEW_PASSWORD)
    finally:
        await a.close()
        await b.close()


async def test_two_clients_on_one_home_share_the_known_cost(
    live_server: RunningServer, tmp_path: Path
) -> None:
    home = tmp_path / "a"
    a = await Client.signup(live_server.url, "ana", PASSWORD, home=home)
    await a.close()
    one, two = await Client.open(home), await Client.open(home)
    try:
        await one.change_password(PASSWORD, NEW_PASSWORD, kdf_cost=INTERACTIVE)
        new_key = await two.replace_recovery_key(NEW_PASSWORD)  # reads it from the store
        assert new_key and await known(two) == [INTERACTIVE.opslimit, INTERACTIVE.memlimit]
    finally:
        await one.close()
        await two.close()


async def test_an_old_store_without_the_setting_is_not_refused(
    live_server: RunningServer, tmp_path: Path
) -> None:
    a = await Client.signup(live_server.url, "ana", PASSWORD, home=tmp_path / "a")
    try:
        async with a.store.transaction() as tx:
            await tx._db.execute("DELETE FROM settings WHERE name = ?", (KNOWN_COST,))
        await a.replace_recovery_key(PASSWORD)
        assert await known(a) is None  # nothing learnt until the next sign-in
    finally:
        await a.close()


# ---- the CLI's words for the new refusal ------------------------------------------------


async def test_cli_messages_for_a_cost_lowered_on_another_device(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """The password changed on the phone at a lower cost (INTERACTIVE) than the laptop's
    home knows (MODERATE): each signed-in command that needs the password is refused on
    the laptop, one line, exit 1, naming the way out; so is a sign-in again on that home
    (REV-KDF F2); logged out, the home signs in and the command goes through."""
    from tests.test_cli import Device

    real = {"TJ_INSECURE_TEST_KDF": None}
    laptop = Device(tmp_path / "laptop", live_server.url)
    await laptop.ok("signup", live_server.url, "ana", env=real)  # MODERATE
    phone = await Client.login(live_server.url, "ana", PASSWORD, home=tmp_path / "phone")
    await phone.change_password(PASSWORD, NEW_PASSWORD, kdf_cost=INTERACTIVE)
    await phone.close()
    env = {**real, "TJ_PASSWORD": NEW_PASSWORD}
    (tmp_path / "pw").write_text("a third long password for ana\n")
    for args in (
        ("recovery-key", "new", "--keep-others"),
        ("password", "change", "--new-password-file", str(tmp_path / "pw"), "--keep-others"),
        ("account", "delete", "--yes"),
    ):
        result = await laptop.tj(*args, env=env)
        said = " ".join(result.stderr.split())
        assert result.exit_code == 1, (args, result.output)
        assert "below the 3 passes / 256 MiB this device knows" in said, (args, said)
        assert "log this home out first" in said
        # the commands that take the new cost, and the warning beside them (REV-KDF F3)
        assert (
            f"only if you changed the password on another device, run `{laptop.command} "
            f"logout`, then `{laptop.command} login {live_server.url} ana` on this one; if you "
            "did not, do neither (the "
            "server may be weakening the hash)"
        ) in said, (args, said)
    again = await laptop.tj("login", live_server.url, "ana", env=env)
    said = " ".join(again.stderr.split())
    assert again.exit_code == 1 and "log this home out first" in said, again.output
    assert (
        f"run `{laptop.command} logout`, then `{laptop.command} login {live_server.url} ana` "
        "on this one"
    ) in said
    await laptop.ok("logout", "--yes", env=env)
    await laptop.ok("login", live_server.url, "ana", env=env)
    after = await laptop.tj("recovery-key", "new", "--keep-others", env=env)
    assert after.exit_code == 0, after.output
