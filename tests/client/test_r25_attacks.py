"""R25: attacks on s9-f2 (R23 F2: a finished signup shows its kept recovery key only when
the server names it in force; R22 F5: a removal on the server's word says so in the signed
`removed` entry). Real server on 127.0.0.1, real crypto; a hostile server is the proxy of
tests/client/hostile.py. Each test failed on 93e8562 (R25-FINDINGS.md says why)."""

from __future__ import annotations

from pathlib import Path

import pytest

from client_sdk import INSECURE_TEST_COST, Client, NetworkError
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import journal_id, share_with
from tests.client.test_r22_attacks import chain_members
from tests.client.test_r23_attacks import replaced_on_the_phone
from tests.client.test_signup_failures import NOT_MSGPACK, sign_up
from tests.conftest import PASSWORD, ClientFactory, RunningServer

NEW_PASSWORD = "a brand new passphrase for ana 7731"


async def signup_reply_lost(hostile: HostileServer, home: Path) -> None:
    hostile.replies["/v1/auth/signup"] = lambda request, reply: NOT_MSGPACK
    with pytest.raises(NetworkError):
        await sign_up(hostile.url, home)
    del hostile.replies["/v1/auth/signup"]


async def test_a_key_found_replaced_never_locks_this_home_out_of_logging_in(
    live_server: RunningServer, hostile: HostileServer, tmp_path: Path
) -> None:
    """Honest server. ana's signup reply is lost; she makes a recovery key on her phone and
    writes it down; the laptop finishes the signup and (rightly) shows no key: "If you have
    the new key, keep it". Later ana changes her password on the phone and signs the laptop
    out (or it is signed out). Logging the laptop in again with her current password must
    work: the account exists, the password is right, the kept key is one the server already
    said was retired."""
    home = tmp_path / "laptop"
    await signup_reply_lost(hostile, home)
    await replaced_on_the_phone(live_server, tmp_path)
    laptop = await sign_up(hostile.url, home)  # finishes: no key shown (replaced)
    assert laptop.recovery_key is None and laptop.recovery_key_not_shown is not None
    await laptop.logout()

    phone = await Client.login(
        live_server.url, "ana", PASSWORD, home=tmp_path / "phone2",
        minimum_cost=INSECURE_TEST_COST,
    )  # fmt: skip
    await phone.change_password(
        PASSWORD, NEW_PASSWORD, kdf_cost=INSECURE_TEST_COST, minimum_cost=INSECURE_TEST_COST
    )
    await phone.close()

    again = await Client.login(
        hostile.url, "ana", NEW_PASSWORD, home=home, minimum_cost=INSECURE_TEST_COST,
        keep_until_shown=True,
    )  # fmt: skip  # on 93e8562: AuthError "not the password ana was signed up with"
    await again.close()
    assert again.username == "ana"


async def test_logging_in_again_after_being_signed_out_signs_in(
    live_server: RunningServer, hostile: HostileServer, tmp_path: Path
) -> None:
    """Honest server. The laptop finished the signup without showing the key (replaced on
    the phone). Later ana signs the laptop out from the phone (`tj devices revoke`, e.g.
    after "sign out devices you do not know"). `login` on the laptop with the right password
    must sign it in again."""
    home = tmp_path / "laptop"
    await signup_reply_lost(hostile, home)
    await replaced_on_the_phone(live_server, tmp_path)
    laptop = await sign_up(hostile.url, home)
    assert laptop.recovery_key is None and laptop.recovery_key_not_shown is not None
    device = laptop.profile.device_id.hex()
    await laptop.close()
    phone = await Client.login(
        live_server.url, "ana", PASSWORD, home=tmp_path / "phone2",
        minimum_cost=INSECURE_TEST_COST,
    )  # fmt: skip
    await phone.devices.revoke(device)
    await phone.close()

    again = await Client.login(
        hostile.url, "ana", PASSWORD, home=home, minimum_cost=INSECURE_TEST_COST,
        keep_until_shown=True,
    )  # fmt: skip  # returns a client on the revoked session (profile_exists branch)
    try:
        await again.devices.list()  # on 93e8562: AuthError, this device was signed out
    finally:
        await again.close()


async def test_a_device_never_tells_its_own_removal_as_another_devices(
    through: Through, signup: ClientFactory, hostile: HostileServer
) -> None:
    """ana has ONE device. tom leaves; ana's sync drops him on the server's word (signed
    `removed` with `because`), and the server applies the rotation but garbles its reply (a
    hostile server, or a lost connection). Whatever ana is told, across her syncs, must be
    about a removal made by this device (it is her only one), told once."""
    ana = await through("ana")
    tom = await signup("tom")
    await ana.entries.write("Personal", "Before the share.")
    await share_with(ana, tom)
    await ana.sync()
    await tom.sync()
    personal = await journal_id(ana, "Personal")
    await tom.shares.leave("ana/Personal")
    hostile.replies["/v1/journals/rotate"] = lambda request, reply: NOT_MSGPACK
    told = [str(d) for d in (await ana.sync()).departures]
    del hostile.replies["/v1/journals/rotate"]
    reports = [await ana.sync() for _ in range(2)]
    told += [str(d) for report in reports for d in report.departures]
    assert chain_members(ana, personal) == set()  # the rotation went through
    assert [t for t in told if "another of your devices" in t] == []
    assert len(told) == 1


async def test_the_cli_never_says_a_finished_signup_did_not_finish(
    live_server: RunningServer, hostile: HostileServer, tmp_path: Path
) -> None:
    from tests.test_cli import Device

    laptop = Device(tmp_path / "laptop", hostile.url)
    hostile.replies["/v1/auth/signup"] = lambda request, reply: NOT_MSGPACK
    await laptop.tj("signup", hostile.url, "ana")
    del hostile.replies["/v1/auth/signup"]
    phone = Device(tmp_path / "phone", live_server.url)
    await phone.ok("login", live_server.url, "ana")
    await phone.ok("recovery-key", "new", input="n\n")
    logged_in = await laptop.ok("login", hostile.url, "ana")
    assert "replaced on another device" in logged_in.stderr
    again = await laptop.ok("signup", hostile.url, "ana")  # as every command advises
    assert "replaced on another device" in again.stderr  # it can never be "seen"
    listed = await laptop.ok("journal", "list")
    assert "did not finish" not in listed.stderr and "and see it" not in listed.stderr


async def test_a_password_change_never_silently_drops_a_key_in_force_never_shown(
    live_server: RunningServer, hostile: HostileServer, tmp_path: Path
) -> None:
    """The server garbles /v1/account/recovery-key/current (or it is down): the laptop
    finishes the signup and shows no key; the key it kept is the account's key in force,
    and the only copy of it. ana then changes her password on the laptop (as users do).
    Afterwards the device must still be able to hand her that key (re-sealed under the new
    password), or have made and returned a new one: never neither, silently."""
    home = tmp_path / "laptop"
    await signup_reply_lost(hostile, home)
    hostile.replies["/v1/account/recovery-key/current"] = lambda request, reply: NOT_MSGPACK
    laptop = await sign_up(hostile.url, home)
    del hostile.replies["/v1/account/recovery-key/current"]
    try:
        assert laptop.recovery_key is None and Client.unfinished_signup(home) is not None
        [(in_force,)] = await live_server.rows(
            "SELECT recovery_login_public_key FROM accounts WHERE username = 'ana'"
        )
        await laptop.change_password(
            PASSWORD, NEW_PASSWORD, kdf_cost=INSECURE_TEST_COST, minimum_cost=INSECURE_TEST_COST
        )
        new_key = laptop.recovery_key
    finally:
        await laptop.close()
    # The key in force is still the one never shown (the password change kept it).
    assert await live_server.rows(
        "SELECT recovery_login_public_key FROM accounts WHERE username = 'ana'"
    ) == [(in_force,)]
    assert new_key is not None or Client.unfinished_signup(home) is not None
