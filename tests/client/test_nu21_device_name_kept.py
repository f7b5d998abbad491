"""NU21 C11: a device that logs in again on its home without a device name keeps the name it
had (given at sign-in, or renamed since), rather than taking the host name: `devices` must
still tell the account's devices apart."""

from __future__ import annotations

from pathlib import Path

from client_sdk import INSECURE_TEST_COST, Client
from client_sdk.models import default_device_name
from tests.conftest import PASSWORD, ClientFactory, RunningServer


async def names(client: Client) -> list[str]:
    return sorted(d.name for d in await client.devices.list())


async def relogin(url: str, home: Path, device_name: str | None = None) -> Client:
    return await Client.login(
        url, "nuana", PASSWORD, home=home, device_name=device_name, minimum_cost=INSECURE_TEST_COST
    )


async def test_a_login_again_keeps_the_device_name_unless_another_is_given(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    laptop = await signup("nuana")
    phone = await login("nuana")  # device "phone", home tmp_path / "nuana-phone"
    home = phone.home
    phone_id = next(d.id for d in await laptop.devices.list() if not d.current)
    await laptop.devices.revoke(phone_id)
    await phone.close()

    phone = await relogin(live_server.url, home)  # signed out: log in again, no name given
    try:
        assert await names(laptop) == ["laptop", "phone"]
        await phone.devices.rename(None, "old phone")
    finally:
        await phone.close()

    phone = await relogin(live_server.url, home)  # plain login again over a signed-in home
    try:
        assert await names(laptop) == ["laptop", "old phone"]
    finally:
        await phone.close()

    phone = await relogin(live_server.url, home, "work phone")  # a name given wins
    try:
        assert await names(laptop) == ["laptop", "work phone"]
    finally:
        await phone.close()

    fresh = await relogin(live_server.url, tmp_path / "fresh")  # a new home: the default name
    try:
        assert await names(laptop) == sorted(["laptop", "work phone", default_device_name()])
    finally:
        await fresh.close()
