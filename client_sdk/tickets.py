"""Login tickets kept on this device (protocol.md 2.7, "Login tickets").

A server hands a device a login ticket with every session (`SessionReply.login_ticket`); the
device presents it at its next login for the same username, which the server then counts on
the ticket instead of the username, so that someone else guessing that username's password
cannot lock this device out. A ticket is not a credential (the password is still needed) and
outlives a logout on purpose: that is when it is needed. Erasing the account drops its ticket
(`forget_ticket`): no login of it can follow.

Stored in `<home>/login_tickets` (msgpack map, mode 0600): the key is a BLAKE2b hash of the
server URL and the username, so the file does not name the account in clear.
"""

from __future__ import annotations

from pathlib import Path

import msgpack
import nacl.encoding
import nacl.hash

from client_sdk.profile import write_private

TICKETS_FILE = "login_tickets"
MAX_KEPT = 64  # accounts one home keeps tickets for; the oldest are dropped beyond


def _key(server_url: str, username: str) -> str:
    digest = nacl.hash.blake2b(
        f"{server_url}\n{username}".encode(),
        digest_size=16,
        person=b"tj-ticket-file",
        encoder=nacl.encoding.HexEncoder,
    )
    return digest.decode()


def _read(home: Path) -> dict[str, bytes]:
    try:
        raw = (home / TICKETS_FILE).read_bytes()
        value = msgpack.unpackb(raw, raw=False)
    except (OSError, ValueError, msgpack.UnpackException):
        return {}  # no ticket (or a damaged file): the login is counted like any other
    if not isinstance(value, dict):
        return {}
    return {str(k): bytes(v) for k, v in value.items() if isinstance(v, bytes)}


def load_ticket(home: Path, server_url: str, username: str) -> bytes:
    """The ticket this home keeps for (server, username), or b"" (no ticket)."""
    return _read(home).get(_key(server_url, username), b"")


def save_ticket(home: Path, server_url: str, username: str, ticket: bytes) -> None:
    """Keep `ticket` for (server, username), replacing an older one (atomic write, 0600).
    An empty ticket (a server that issues none) changes nothing."""
    if not ticket:
        return
    tickets = _read(home)
    key = _key(server_url, username)
    tickets.pop(key, None)
    tickets[key] = ticket
    kept = dict(list(tickets.items())[-MAX_KEPT:])
    home.mkdir(parents=True, exist_ok=True)
    path = home / TICKETS_FILE
    write_private(path, msgpack.packb(kept, use_bin_type=True))


def forget_ticket(home: Path, server_url: str, username: str) -> None:
    """Drop the ticket kept for (server, username), after that account was erased; the file
    goes with its last ticket (NU31 F11: "this device's data is deleted" left it behind).
    Raises nothing: a leftover ticket is not worth failing an erasure for."""
    tickets = _read(home)
    if tickets.pop(_key(server_url, username), None) is None and tickets:
        return
    path = home / TICKETS_FILE
    try:
        if tickets:
            write_private(path, msgpack.packb(tickets, use_bin_type=True))
        else:
            path.unlink(missing_ok=True)
    except OSError:
        pass
