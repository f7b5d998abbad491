"""`Client.recover` on a home logged out of the account names the device as `login` does
there: the name the logout kept for that account and server, not "device" (a second device
row named "device" in `client.devices.list()`). A name given wins; another account's
recovery on that home does not take it. Real server on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

from client_sdk import INSECURE_TEST_COST, Client
from tests.conftest import PASSWORD, ClientFactory, RunningServer

NEW_PASSWORD = PASSWORD + " and then some"


async def recover(
    live_server: RunningServer, username: str, key: str, home: Path, name: str | None = None
) -> Client:
    return await Client.recover(
        live_server.url,
        username,
        key,
        NEW_PASSWORD,
        home=home,
        device_name=name,
        kdf_cost=INSECURE_TEST_COST,
    )


async def current_name(client: Client) -> str:
    [mine] = [d for d in await client.devices.list() if d.current]
    return mine.name


async def test_a_recovery_after_a_logout_keeps_the_devices_name(
    live_server: RunningServer, signup: ClientFactory, login: ClientFactory
) -> None:
    ana, ben = await signup("ana"), await signup("ben")
    keys = {c.username: c.recovery_key for c in (ana, ben)}
    assert all(keys.values())
    phone = await login("ana", "phone")
    home = phone.home
    await phone.logout()
    rescued = await recover(live_server, "ana", str(keys["ana"]), home)
    try:
        assert await current_name(rescued) == "phone"
        names = sorted(d.name for d in await ana.devices.list())
        assert names == ["laptop", "phone"], names
        new_key = rescued.recovery_key
        await rescued.logout()
    finally:
        await rescued.close()
    again = await recover(live_server, "ana", str(new_key), home, "tablet")  # a name given wins
    try:
        assert await current_name(again) == "tablet"
        await again.logout()
    finally:
        await again.close()
    other = await recover(live_server, "ben", str(keys["ben"]), home)  # not ana's name
    try:
        assert await current_name(other) not in ("phone", "tablet")
    finally:
        await other.close()
