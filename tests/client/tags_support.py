"""What the tests of tag edits applied again (protocol.md 5) share: syncing devices until
they agree, and reading an entry's tags."""

from __future__ import annotations

from client_sdk import Client

ATTEMPTS = 12
"""Fresh entries a test tries where which of two concurrent writes wins depends on random
Yjs client ids (protocol.md 5 rule 3): a loss the test looks for shows in one of them but
with probability 1 / 2**12."""


async def settle(*devices: Client) -> None:
    """Three rounds of a strict sync on each device, in turn."""
    for _ in range(3):
        for device in devices:
            await device.sync(strict=True)


async def tags(device: Client, entry_id: str) -> list[str]:
    """The tags of the entry as `device` holds it."""
    return list((await device.entries.get(entry_id)).tags)
