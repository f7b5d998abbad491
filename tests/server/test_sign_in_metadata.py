"""What `/v1/devices/list` says of how each device signed in and when the password and the
recovery key changed (optional fields, protocol.md): on SQLite and PostgreSQL, a device opened
with the recovery key stays so marked after its password change, the times move with each
change, and the first page alone carries them. Real server on 127.0.0.1."""

from __future__ import annotations

from client_sdk import INSECURE_TEST_COST, Client, wire
from tests.conftest import PASSWORD, ClientFactory, RunningServer

NEW_PASSWORD = PASSWORD + " and then some"


async def listed(client: Client) -> wire.DeviceList:
    return await client.transport.call("/v1/devices/list", wire.ListRequest(), wire.DeviceList)


async def test_the_device_list_says_who_signed_in_with_the_recovery_key_and_when_keys_changed(
    live_server: RunningServer, signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    before = await listed(laptop)
    assert (before.password_changed_at, before.recovery_key_changed_at) == (0, 0)
    assert [d.by_recovery_key for d in before.devices] == [False]
    key = laptop.recovery_key
    assert key
    await login("ana", "phone")
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
        after = await listed(laptop)
        marked = {d.name: d.by_recovery_key for d in after.devices}
        # the tablet changed the password since: still told as opened by the recovery key
        assert marked == {"laptop": False, "phone": False, "tablet": True}
        assert after.password_changed_at > 0
        assert after.recovery_key_changed_at > 0
        await laptop.replace_recovery_key(NEW_PASSWORD, minimum_cost=INSECURE_TEST_COST)
        again = await listed(laptop)
        assert again.recovery_key_changed_at >= after.recovery_key_changed_at
        assert again.password_changed_at == after.password_changed_at  # the key alone
        second = await laptop.transport.call(
            "/v1/devices/list", wire.ListRequest(after=bytes(8 + 16)), wire.DeviceList
        )
        assert (second.password_changed_at, second.recovery_key_changed_at) == (0, 0)
    finally:
        await tablet.close()
