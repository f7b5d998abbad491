"""nu86 F6: the home the signup made is told of every sign-in and credential change made
after the signup, also at its first look (before, that look took "now" as its baseline and
told nothing, so a sign-in right after the signup was never told). nu86 F5: a device's own
new recovery key (or password) is not told to it, but a recovery made elsewhere after it
(replacing the password and the key) is. A home signed in to an existing account keeps its
baseline. Real server on 127.0.0.1, real crypto."""

from __future__ import annotations

from pathlib import Path

from client_sdk import INSECURE_TEST_COST, Client
from tests.client.hostile import HostileServer
from tests.conftest import PASSWORD, ClientFactory, RunningServer

NEW_PASSWORD = PASSWORD + " and then some"


def looking_every_sync(client: Client) -> Client:
    client.devices.sign_ins_interval_ms = 0
    return client


async def recovered_elsewhere(
    live_server: RunningServer, laptop: Client, key: str, name: str = "tablet"
) -> Client:
    live_server.clock.now += 1000  # a second later (the test clock stands still)
    return await Client.recover(
        live_server.url,
        laptop.username,
        key,
        NEW_PASSWORD,
        home=laptop.home.parent / f"{laptop.username}-{name}",
        device_name=name,
        kdf_cost=INSECURE_TEST_COST,
    )


async def test_the_signup_homes_first_sync_tells_a_sign_in_made_before_it(
    live_server: RunningServer, signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = looking_every_sync(await signup("dan"))
    live_server.clock.now += 1000
    other = await login("dan", "other")
    report = await laptop.sync()  # its first look
    [new] = report.new_devices
    assert (new.id, new.name, new.before_sign_in) == (
        other.profile.device_id.hex(),
        "other",
        False,
    )
    assert report.credential_changes == []
    assert any("New sign-in on this account: 'other'" in line for line in report.lines())
    assert (await laptop.sync()).new_devices == []  # told once


async def test_the_signup_homes_first_sync_tells_a_recovery_made_before_it(
    live_server: RunningServer, signup: ClientFactory
) -> None:
    laptop = looking_every_sync(await signup("bea"))
    key = laptop.recovery_key
    assert key
    tablet = await recovered_elsewhere(live_server, laptop, str(key))
    try:
        report = await laptop.sync()
        [new] = report.new_devices
        assert (new.name, new.by_recovery_key) == ("tablet", True)
        assert sorted(c.what for c in report.credential_changes) == ["password", "recovery key"]
        assert sorted(await laptop.devices.replaced_elsewhere()) == ["password", "recovery key"]
    finally:
        await tablet.close()


async def test_the_signup_homes_first_sync_tells_nothing_of_its_own(
    live_server: RunningServer, signup: ClientFactory
) -> None:
    laptop = looking_every_sync(await signup("eve"))
    live_server.clock.now += 1000
    await laptop.replace_recovery_key(PASSWORD, minimum_cost=INSECURE_TEST_COST)
    report = await laptop.sync()
    assert (report.new_devices, report.credential_changes) == ([], [])


async def test_a_home_signed_in_to_an_existing_account_keeps_its_baseline(
    live_server: RunningServer, signup: ClientFactory, login: ClientFactory
) -> None:
    await signup("gil")
    await login("gil", "other")
    phone = looking_every_sync(await login("gil", "phone"))
    report = await phone.sync()  # what came before its sign-in is not news to it
    assert (report.new_devices, report.credential_changes) == ([], [])


async def test_a_recovery_after_this_devices_own_new_recovery_key_is_told(
    live_server: RunningServer, signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = looking_every_sync(await signup("hal"))
    phone = looking_every_sync(await login("hal", "phone"))
    await laptop.sync()
    await phone.sync()
    live_server.clock.now += 1000
    key = await laptop.replace_recovery_key(PASSWORD, minimum_cost=INSECURE_TEST_COST)
    tablet = await recovered_elsewhere(live_server, laptop, key)
    try:
        report = await laptop.sync()
        [new] = report.new_devices
        assert (new.name, new.by_recovery_key) == ("tablet", True)
        # before: only the sign-in, the replaced password and key hidden by the "own" mark
        assert sorted(c.what for c in report.credential_changes) == ["password", "recovery key"]
        assert sorted(await laptop.devices.replaced_elsewhere()) == ["password", "recovery key"]
        # the phone, which changed nothing, is told the same
        told = await phone.sync()
        assert sorted(c.what for c in told.credential_changes) == ["password", "recovery key"]
    finally:
        await tablet.close()


async def test_a_recovery_key_changed_elsewhere_after_this_devices_password_change_is_told(
    live_server: RunningServer, signup: ClientFactory, login: ClientFactory
) -> None:
    """The own mark covers only the credential this device changed: its password change
    hides no new recovery key made elsewhere after it."""
    laptop = looking_every_sync(await signup("ida"))
    phone = looking_every_sync(await login("ida", "phone"))
    await laptop.sync()
    live_server.clock.now += 1000
    await laptop.change_password(
        PASSWORD, NEW_PASSWORD, kdf_cost=INSECURE_TEST_COST, minimum_cost=INSECURE_TEST_COST
    )
    live_server.clock.now += 1000
    await phone.replace_recovery_key(NEW_PASSWORD, minimum_cost=INSECURE_TEST_COST)
    report = await laptop.sync()
    assert [c.what for c in report.credential_changes] == ["recovery key"]
    assert (await laptop.sync()).credential_changes == []  # told once


async def test_a_sign_in_while_the_signups_reply_was_lost_is_told_at_the_first_look(
    live_server: RunningServer, hostile: HostileServer, login: ClientFactory, tmp_path: Path
) -> None:
    """rev34e F2: the signup reached the server and its reply was lost; someone with the
    password signed in; the home then finished its signup (a signup again, finished by a
    login): the account began there all the same, so its first look tells that sign-in."""
    from tests.client.test_kept_recovery_keys import reply_lost
    from tests.client.test_signup_failures import sign_up

    home = tmp_path / "ana-laptop"
    await reply_lost(hostile, home)  # the account is made on the server, the reply lost
    live_server.clock.now += 1000
    other = await login("ana", "intruder")  # someone with the password, before the resume
    laptop = looking_every_sync(await sign_up(hostile.url, home))  # the signup finished
    try:
        report = await laptop.sync()  # its first look
        assert [d.name for d in report.new_devices] == ["intruder"], report.new_devices
    finally:
        laptop.recovery_key_shown()
        await laptop.close()
    assert other.username == "ana"
