"""Other devices learn that a device signed in to the account (by the password or the recovery
key), and that the password or the recovery key was changed elsewhere: each told once by a
sync (`SyncReport.new_devices`, `credential_changes`), also across a restart on the same
store; a device's own sign-in and own changes are not told to it; a store with no baseline
(a new device, or one from before) tells nothing. Real server on 127.0.0.1, real crypto."""

from __future__ import annotations

from client_sdk import INSECURE_TEST_COST, Client
from client_sdk.devices import SIGN_INS
from tests.conftest import PASSWORD, ClientFactory, RunningServer

NEW_PASSWORD = PASSWORD + " and then some"


def looking_every_sync(client: Client) -> Client:
    client.devices.sign_ins_interval_ms = 0
    return client


async def test_the_laptop_is_told_of_a_login_once_also_after_a_restart(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = looking_every_sync(await signup("ana"))
    first = await laptop.sync()  # the baseline: this device alone, told nothing
    assert (first.new_devices, first.credential_changes) == ([], [])
    tablet = looking_every_sync(await login("ana", "tablet"))
    own = await tablet.sync()
    assert own.new_devices == []  # its own sign-in, and the devices before it: not new

    report = await laptop.sync()
    [new] = report.new_devices
    assert (new.name, new.by_recovery_key) == ("tablet", False)
    assert new.id == tablet.profile.device_id.hex()
    assert report.credential_changes == []
    assert any("New sign-in on this account: 'tablet'" in line for line in report.lines())
    assert report.has_notices()
    assert (await laptop.sync()).new_devices == []  # told once

    home = laptop.home
    await laptop.close()
    again = looking_every_sync(await Client.open(home))
    try:
        await login("ana", "desktop")
        # what was told is kept in the store: the tablet not again, a later sign-in told
        # (a baseline recorded afresh would tell neither)
        assert [d.name for d in (await again.sync()).new_devices] == ["desktop"]
    finally:
        await again.close()


async def test_a_recovery_on_a_new_device_is_told_with_the_recovery_key(
    live_server: RunningServer, signup: ClientFactory
) -> None:
    laptop = looking_every_sync(await signup("ana"))
    key = laptop.recovery_key
    assert key
    await laptop.sync()
    tablet = await Client.recover(
        live_server.url,
        "ana",
        str(key),
        NEW_PASSWORD,
        home=laptop.home.parent / "ana-tablet",
        device_name="tablet",
        kdf_cost=INSECURE_TEST_COST,
    )
    try:
        assert (await looking_every_sync(tablet).sync()).credential_changes == []  # its own
        report = await laptop.sync()
        [new] = report.new_devices
        assert (new.name, new.by_recovery_key) == ("tablet", True)
        assert "(with the recovery key)" in new.line()
        # the recovery set a new password and a new recovery key, on another device
        assert sorted(c.what for c in report.credential_changes) == ["password", "recovery key"]
        assert (await laptop.sync()).credential_changes == []  # told once
    finally:
        await tablet.close()


async def test_a_password_changed_elsewhere_is_told_and_not_to_the_device_that_changed_it(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = looking_every_sync(await signup("ana"))
    phone = looking_every_sync(await login("ana", "phone"))
    await laptop.sync()
    await phone.sync()
    await phone.change_password(
        PASSWORD, NEW_PASSWORD, kdf_cost=INSECURE_TEST_COST, minimum_cost=INSECURE_TEST_COST
    )
    assert (await phone.sync()).credential_changes == []  # its own change
    report = await laptop.sync()
    assert [c.what for c in report.credential_changes] == ["password"]
    assert report.new_devices == []  # the phone was there at the laptop's last look
    assert (await laptop.sync()).credential_changes == []


async def test_a_store_without_a_baseline_tells_nothing_of_the_devices_there(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = looking_every_sync(await signup("ana"))
    await login("ana", "phone")
    await login("ana", "tablet")
    # a store from before this (or a device's first sync): no row, a baseline is recorded
    assert await laptop.store.setting(SIGN_INS) is None
    report = await laptop.sync()
    assert (report.new_devices, report.credential_changes) == ([], [])
    assert await laptop.store.setting(SIGN_INS) is not None
    await login("ana", "desktop")
    assert [d.name for d in (await laptop.sync()).new_devices] == ["desktop"]


async def test_a_sync_looks_at_most_once_an_interval(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")  # the default interval: an hour
    await laptop.sync()  # the first look, a baseline
    await login("ana", "tablet")
    assert (await laptop.sync()).new_devices == []  # not looked again within the hour
    laptop.devices.sign_ins_interval_ms = 0
    assert [d.name for d in (await laptop.sync()).new_devices] == ["tablet"]


async def test_a_device_signed_out_here_before_the_look_and_own_key_changes_are_not_told(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = looking_every_sync(await signup("ana"))
    phone = looking_every_sync(await login("ana", "phone"))
    await laptop.sync()
    await phone.sync()
    tablet = await login("ana", "tablet")
    await laptop.devices.revoke(tablet.profile.device_id.hex())  # signed out here
    await laptop.replace_recovery_key(PASSWORD, minimum_cost=INSECURE_TEST_COST)
    report = await laptop.sync()
    assert (report.new_devices, report.credential_changes) == ([], [])
    told = await phone.sync()  # the phone did not change the key: told, once
    assert [c.what for c in told.credential_changes] == ["recovery key"]
    assert told.new_devices == []  # the tablet, signed out before the phone looked
    assert (await phone.sync()).credential_changes == []
