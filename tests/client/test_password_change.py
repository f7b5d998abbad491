"""A password change made on one device: the account's other devices keep their sessions and
go on syncing and writing (protocol.md, POST /v1/account/password: "other devices' sessions"
do not change), and a new device logs in with the new password only."""

from __future__ import annotations

import pytest

from client_sdk import INSECURE_TEST_COST, AuthError, Client
from tests.conftest import PASSWORD, ClientFactory

NEW_PASSWORD = "a brand new passphrase"


async def bodies(client: Client) -> set[str]:
    return {entry.body for entry in await client.entries.list()}


async def test_after_a_password_change_the_other_device_keeps_syncing_and_writing(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    phone = await login("ana")
    await laptop.entries.write(None, "before the change")
    await laptop.sync()
    await phone.sync()

    await laptop.change_password(
        PASSWORD, NEW_PASSWORD, kdf_cost=INSECURE_TEST_COST, minimum_cost=INSECURE_TEST_COST
    )

    await phone.entries.write(None, "phone, after the change")
    report = await phone.sync()
    assert report.pushed >= 1
    await laptop.entries.write(None, "laptop, after the change")
    await laptop.sync()
    assert (await phone.sync()).pulled >= 1
    await laptop.sync()
    expected = {"before the change", "phone, after the change", "laptop, after the change"}
    assert await bodies(phone) == await bodies(laptop) == expected
    assert await phone.pending() == await laptop.pending() == 0

    # The phone's session also survives reopening the profile (a restarted app).
    home = phone.home
    await phone.close()
    reopened = await Client.open(home)
    try:
        await reopened.entries.write(None, "phone, reopened")
        assert (await reopened.sync()).pushed >= 1
    finally:
        await reopened.close()

    with pytest.raises(AuthError):
        await login("ana", device="tablet-old", password=PASSWORD)
    tablet = await login("ana", device="tablet", password=NEW_PASSWORD)
    await tablet.sync()
    assert await bodies(tablet) == expected | {"phone, reopened"}
