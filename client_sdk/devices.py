"""`client.devices`: the devices signed in to this account, and signing one out.

for device in await client.devices.list():
    print(device.name, device.last_seen_at, "(this one)" if device.current else "")
"""

from __future__ import annotations

import builtins
import dataclasses

from client_sdk import wire
from client_sdk.errors import InvalidInput, NotFound
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
        devices = await self._transport.pages(
            "/v1/devices/list", wire.DeviceList, lambda page: page.devices, lambda d: d.device_id
        )
        return [
            DeviceInfo(
                d.device_id.hex(),
                d.name,
                to_datetime(d.created_at),
                to_datetime(d.last_seen_at),
                to_datetime(d.expires_at),
                d.current,
            )
            for d in devices
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

    async def rename(self, device_id: str | None, name: str) -> DeviceInfo:
        """Rename a device of this account (`device_id`: an id or unique prefix; None for
        this device). Device names are metadata the server keeps in clear, like the list
        of devices. Raises InvalidInput for an empty or over-long name (1 to 100
        characters), NotFound for an unknown device."""
        name = name.strip()
        if not name or len(name) > 100:
            raise InvalidInput("a device name is 1 to 100 characters")
        devices = await self.list()
        if device_id is None:
            matches = [d for d in devices if d.current]
        else:
            matches = [d for d in devices if d.id.startswith(device_id.lower())]
        if len(matches) != 1:
            raise NotFound(f"no single device matches {device_id!r}", subject="device")
        request = wire.DeviceRenameRequest(bytes.fromhex(matches[0].id), name)
        await self._transport.call("/v1/devices/rename", request, wire.Empty)
        return dataclasses.replace(matches[0], name=name)
