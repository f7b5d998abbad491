"""`client.devices`: the devices signed in to this account, and signing one out.

for device in await client.devices.list():
    print(device.name, device.last_seen_at, "(this one)" if device.current else "")
"""

from __future__ import annotations

import builtins

from client_sdk import wire
from client_sdk.errors import NotFound
from client_sdk.models import DeviceInfo, to_datetime
from client_sdk.transport import Transport


class Devices:
    """Devices (sessions) of this account, as the server lists them."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    async def list(self) -> builtins.list[DeviceInfo]:
        """Every device signed in to this account, page after page (protocol.md 2.8; needs
        the network). Times are UTC.
        Raises NetworkError offline, AuthError when this device was signed out."""
        pages = await self._transport.pages("/v1/devices/list", wire.DeviceList)
        return [
            DeviceInfo(
                d.device_id.hex(),
                d.name,
                to_datetime(d.created_at),
                to_datetime(d.last_seen_at),
                to_datetime(d.expires_at),
                d.current,
            )
            for page in pages
            for d in page.devices
        ]

    async def revoke(self, device_id: str) -> None:
        """Sign a device out: its session token stops working at once. `device_id` is its
        hex id or a unique prefix. Raises NotFound when no single device matches."""
        matches = [d for d in await self.list() if d.id.startswith(device_id.lower())]
        if len(matches) != 1:
            raise NotFound(f"no single device matches {device_id!r}", subject="device")
        await self._transport.call(
            "/v1/devices/revoke", wire.DeviceRevokeRequest(bytes.fromhex(matches[0].id)), wire.Empty
        )
