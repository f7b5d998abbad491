"""REV-ACCT: a hostile review of the account and device paths (password change, recovery,
recovery key replacement, sign-in, erasure, logout).

The races are made deterministic as tests/server/test_r21_races.py does: the storage method
that inserts the new device is wrapped, so that the owner's change runs after the sign-in's
signature was checked against the account's keys and before its device row is written (a
slow disk, a busy server: any moment between the two separate steps of `Service.login`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from client_sdk import INSECURE_TEST_COST, AuthError, Client, TJError, account, keys, wire
from client_sdk.transport import Transport
from server import routes
from tests.conftest import BACKENDS, PASSWORD, ClientFactory, RunningServer

NEW_PASSWORD = "a quite different passphrase 4 ana"


async def works(server: RunningServer, token: str) -> bool:
    """Whether the session of `token` is still accepted by the server."""
    transport = Transport(server.url, token)
    try:
        await transport.call("/v1/devices/list", wire.ListRequest(), wire.DeviceList)
    except AuthError:
        return False
    finally:
        await transport.close()
    return True


def before_the_device_row(server: RunningServer, act: Any) -> list[None]:
    """Run `act()` once, inside the next sign-in, after its signature was checked and before
    its device row is inserted. Returns a list that holds one item once it ran."""
    storage = server.server.app[routes.SERVICE].storage
    real = storage.create_device
    ran: list[None] = []

    async def owner_acts_first(*args: Any, **kwargs: Any) -> None:
        if not ran:
            ran.append(None)
            await act()
        await real(*args, **kwargs)

    setattr(storage, "create_device", owner_acts_first)  # noqa: B010 (one instance)
    return ran


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
async def test_a_recovery_racing_the_replacement_of_its_key_gets_no_session(
    live_server: RunningServer, signup: ClientFactory
) -> None:
    """protocol.md /v1/account/recovery-key: "in the same transaction every session the old
    key opened alone (other than the caller's) is signed out", attack table: "(whoever copied
    the recovery key) open a session with it alone ... and keep it after the owner replaces
    the key": defended. A `recover` whose signature was checked against the old key just
    before the replacement commits inserts its device (marked opened by the recovery key)
    just after it: the thief keeps a session the owner was told is gone, and the server's
    answer to the replacement was already 200."""
    laptop = await signup("ana")
    assert laptop.recovery_key is not None
    copied = keys.parse_recovery_key(laptop.recovery_key)  # what the thief photographed

    async def owner_replaces_the_key() -> None:
        await laptop.replace_recovery_key(PASSWORD, minimum_cost=INSECURE_TEST_COST)

    ran = before_the_device_row(live_server, owner_replaces_the_key)
    transport = Transport(live_server.url)
    try:
        thief = await account.recover(transport, "ana", copied, "thief")
    except AuthError:  # refused: the key changed before its device was created (the fix)
        thief = None
    finally:
        await transport.close()
    assert ran == [None]
    # The owner's replacement was answered (the old key "no longer gets anyone in") ...
    again = Transport(live_server.url)
    try:
        with pytest.raises(AuthError):
            await account.recover(again, "ana", copied, "thief again")
    finally:
        await again.close()
    # ... yet the session the old key opened during it is still signed in.
    assert thief is None or not await works(live_server, thief.reply.token), (
        "a session opened by the retired recovery key outlived its replacement"
    )


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
async def test_a_login_racing_a_password_change_gets_no_session_with_the_old_password(
    live_server: RunningServer, signup: ClientFactory, tmp_path: Path
) -> None:
    """A login with the old password (an ex-partner who knew it) whose signature was checked
    just before the owner's password change commits is given a session after the change was
    answered: the change does not prove that the old password opens nothing from then on.
    (The CLI's `--sign-out-others` lists devices after the change, so it usually sees it;
    an SDK app that changes the password and revokes what it listed before does not.)"""
    laptop = await signup("ana")

    async def owner_changes_the_password() -> None:
        await laptop.change_password(
            PASSWORD, NEW_PASSWORD, kdf_cost=INSECURE_TEST_COST, minimum_cost=INSECURE_TEST_COST
        )

    ran = before_the_device_row(live_server, owner_changes_the_password)
    transport = Transport(live_server.url)
    try:
        # The old password's keys, derived before the change (the prelogin came first).
        derived = await account.password_keys(transport, "ana", PASSWORD, INSECURE_TEST_COST)
        reply = await account.signed_session(
            transport, "/v1/auth/login", "login", "ana", derived.login_key, "ex"
        )
    except AuthError:
        reply = None
    finally:
        await transport.close()
    assert ran == [None]
    assert reply is None or not await works(live_server, reply.token), (
        "the old password opened a session after the password change was answered"
    )


async def test_a_login_racing_the_erasure_of_its_account_is_a_clean_refusal(
    live_server: RunningServer, signup: ClientFactory, tmp_path: Path
) -> None:
    """A sign-in whose signature was checked just before the account's erasure commits:
    its device row names an account that no longer exists. The answer must be a 4xx (or a
    session of nothing), never a 500, and nothing of the account may be left behind."""
    laptop = await signup("ana")

    async def owner_erases() -> None:
        await laptop.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)

    ran = before_the_device_row(live_server, owner_erases)
    transport = Transport(live_server.url)
    outcome: object
    try:
        derived = await account.password_keys(transport, "ana", PASSWORD, INSECURE_TEST_COST)
        try:
            reply = await account.signed_session(
                transport, "/v1/auth/login", "login", "ana", derived.login_key, "late"
            )
            outcome = reply
        except Exception as error:  # noqa: BLE001 - recorded, asserted below
            outcome = error
    finally:
        await transport.close()
    assert ran == [None]
    rows = await live_server.rows(
        "SELECT device_id FROM devices WHERE account_id = ?", laptop.profile.account_id
    )
    assert rows == [], f"a device row of the erased account was left: {outcome!r}"
    status = getattr(outcome, "status", None)
    assert status is None or status < 500, f"answered {outcome!r}"
    log = live_server.log_file.read_text()
    assert "Traceback" not in log, log[-3000:]


@pytest.mark.parametrize("how", ["logout", "account delete"])
async def test_drafts_go_with_logout_and_account_delete(
    live_server: RunningServer, tmp_path: Path, how: str
) -> None:
    """README: `tj logout` "sign THIS device out and delete its local data"; `tj account
    delete`: "this device's data is deleted". An entry typed in $EDITOR whose save failed
    (cli/editor.py: kept in `<home>/drafts/`, plain text) stayed in the home after both
    (REV-ACCT F3): the CLI deletes the drafts with the rest and says how many."""
    from cli.editor import kept_as_draft
    from tests.test_cli import Device

    device = Device(tmp_path / "ana-laptop", live_server.url)
    await device.ok("signup", live_server.url, "ana")
    draft = kept_as_draft(device.home, "I told Dr. K about the panic attacks at work")
    if how == "logout":  # --yes alone refuses to lose a draft never saved (rev27b F5)
        refused = await device.tj("logout", "--yes")
        assert refused.exit_code == 1 and draft.exists(), refused.output
        assert "1 draft never saved" in " ".join(refused.stderr.split()), refused.stderr
        done = await device.ok("logout", "--yes", "--discard-unsynced")
    else:
        done = await device.ok("account", "delete", "--yes")
    assert not draft.exists() and not (device.home / "drafts").exists()
    assert "Deleted 1 draft never saved" in " ".join(done.stderr.split())


async def test_a_signed_in_device_signs_a_challenge_naming_another_server(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """The challenge message binds `server_id` (protocol.md 4.10) so that a signature made
    for one server is worth nothing at another; the profile keeps the server's id from the
    sign-in (`Profile.server_id`). Yet a signed-in device signs whatever `server_id` a
    challenge reply names: a hostile server relaying another deployment's `delete` (or
    `password`) challenge for the same username gets a signature valid there (a user with
    the same name and password on both). The device should refuse a challenge whose
    `server_id` is not its profile's before deriving or signing anything."""
    from tests.client.hostile import HostileServer, serving

    async with serving(HostileServer(live_server.url)) as hostile:
        client = await Client.signup(
            hostile.url, "ana", PASSWORD, home=tmp_path / "ana", kdf_cost=INSECURE_TEST_COST
        )
        other_server = bytes(range(16))

        def elsewhere(request: bytes, reply: bytes) -> bytes:
            real = wire.decode(wire.ChallengeReply, reply)
            return wire.encode(wire.ChallengeReply(real.challenge, other_server, real.expires_at))

        hostile.replies["/v1/auth/challenge"] = elsewhere
        try:
            with pytest.raises(TJError):
                await client.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)
        finally:
            await client.close()
        sent = [p for p in hostile.paths if p == "/v1/account/delete"]  # answered 401 there
        assert client.profile.server_id != other_server
        assert sent == [], "the device signed a delete challenge naming another server's id"


async def test_logout_asks_before_deleting_drafts(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """REV-ACCT F3: `tj logout` asks, naming the drafts never saved, before deleting them
    with the rest of the device's data; answered no, nothing is deleted."""
    from cli.editor import kept_as_draft
    from tests.test_cli import Device

    device = Device(tmp_path / "ana-laptop", live_server.url)
    await device.ok("signup", live_server.url, "ana")
    draft = kept_as_draft(device.home, "Words a failed save kept.")
    kept = await device.tj("logout", input="n\n")
    assert kept.exit_code != 0 and draft.exists()
    assert "1 draft never saved" in " ".join(kept.stderr.split())
    gone = await device.tj("logout", input="y\n")
    assert gone.exit_code == 0 and not draft.exists(), gone.output
