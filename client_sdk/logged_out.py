"""What `Client.logout` did (`LoggedOut`): apart from models.py as it names the safety flags
it deleted (`safety.UndeliveredFlag`, whose module imports models)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from client_sdk.safety import UndeliveredFlag


@dataclass(frozen=True)
class LoggedOut:
    """What `Client.logout` did. This device's local data is always deleted.

    `discarded`: entries, goals, notes and other documents with changes that never reached
    the server, dropped with the local data (counted as `Client.unsynced_changes` counts them:
    each once, however often edited), counted in the transaction that ends the store for
    every other writer, just before its files are deleted: what was deleted, never more
    than the call's `discard_unsynced` allowed (0 by default; else logout raises
    UnsyncedChanges and deletes nothing). `server_told`: True when the server
    ended this device's session (or had already ended it); False when it could not be
    reached, in which case the server still lists this device (`device_id`, hex) as signed
    in until its session expires or another device of the account revokes it
    (`client.devices.revoke(device_id)`).
    `unconfirmed`: the ended shares whose end was not confirmed and which `force=True`
    forgot (each "'journal' with member"); empty otherwise.
    `copies_deleted`: the names of the read-only copies of this account's own journals the
    server no longer served that were deleted with the local data (the call's
    `discard_copies` agreed to lose them); empty otherwise.
    `flags_discarded`: the safety flags among the `discarded` items (`Safety.unsent()`:
    never sent, or sent with no answer confirming the server stored them), deleted with the
    local data: they never reach the people they were for (tell them directly); empty
    otherwise."""

    discarded: int
    server_told: bool
    device_id: str
    unconfirmed: tuple[str, ...] = ()
    copies_deleted: tuple[str, ...] = ()
    flags_discarded: tuple[UndeliveredFlag, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: ids as hex."""
        return {
            "discarded": self.discarded,
            "server_told": self.server_told,
            "device_id": self.device_id,
            "unconfirmed": list(self.unconfirmed),
            "copies_deleted": list(self.copies_deleted),
            "flags_discarded": [flag.to_dict() for flag in self.flags_discarded],
        }
