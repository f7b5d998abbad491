"""A signup that has not yet shown its recovery key: what this device keeps meanwhile.

Signing up registers the account with the server and then does more (the profile, the local
store, the default journal) before the app shows the recovery key, which exists only on this
device. So that a failure anywhere after the signup request left (a lost reply, a 5xx, a
full disk, Ctrl-C) loses neither the account nor its recovery key, the SDK writes
`<home>/pending_signup` (msgpack, mode 0600) *before* sending the request, and removes it
once the app says the key was shown (`Client.recovery_key_shown`).

The file holds the signup request exactly as sent (public keys and bundles sealed by the
password and the recovery key: what the server stores anyway) and the recovery key sealed
(XChaCha20-Poly1305) under the password's key-encryption key, with associated data binding
`PENDING_RECOVERY_KEY`, the account id and the username. The recovery key is therefore never
on disk in plaintext, and the file gives nothing to whoever reads it without the password;
with the password one could take over the account anyway. Finishing the signup
(`Client.signup` or `Client.login` again, same home, same username and password) re-derives
the key-encryption key from the password and the salt in the request.

A signup can finish (the account exists, this device is signed in, its profile saved) without
its key being shown: the server did not confirm the kept key is still the account's (R23 F2:
it may have been replaced on another device; or the answer failed). The file then stays,
marked `finished` (R25 F1): from then on it only keeps that sealed copy ("a recovery key kept
from signup, not confirmed"), and no longer makes the home an unfinished signup: `login` signs
in as on any home, checks the copy again, and shows it only once the server confirms it; a
password change on this device re-seals it under the new password (R25 F4);
`replace_recovery_key` (and `recover`, which makes a new key) drops it. A password change
seals the copy under the new password *before* its request leaves and keeps the seal under
the old one beside it (`other`) until a login proves which password is in force (R27 F1: a
change whose reply was lost strands neither). When `signup` of that account (a login) is
refused and a new signup of the name goes ahead (the account deleted elsewhere, R27 F2), the
copy is moved aside to `<home>/pending_signup.<account id, hex>`, never deleted.

What becomes of a copy set aside (the rule; protocol.md, "Kept recovery keys"): it is never
dropped because of what a server says (an account "deleted", a name "free", another key "in
force": a server can lie, and the copy may be the only one of a key that still reaches the
account's data), nor because of its age (time says nothing of whether the key is needed). It
goes back to its place (`pending_signup`, marked finished) when this home signs in to its
account again with nothing kept there (`Client.login`, `recover`: the account answered to its
password or recovery key), and from then on follows the kept copy's rules: shown once the
server confirms it, then dropped when the app says it was shown; dropped when this device
makes a new recovery key for that account or deletes it. Otherwise only the user drops it,
by hand and after confirming (`Client.forget_kept_recovery_keys`, `tj recovery-key
forget-kept`), having been told it is there (`Client.kept_recovery_keys`; `tj signup` says so
when it sets one aside).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from pathlib import Path

import msgpack

from client_sdk import crypto, wire
from client_sdk.crypto import Context
from client_sdk.errors import IntegrityError
from client_sdk.profile import write_private

PENDING_FILE = "pending_signup"
PENDING_VERSION = 1

UNFINISHED = "unfinished"
UNCONFIRMED = "unconfirmed"
SET_ASIDE = "set aside"
DAMAGED = "damaged"
_ASIDE_NAME = re.compile(re.escape(PENDING_FILE) + r"\.[0-9a-f]{32}")


@dataclass(frozen=True)
class KeptRecoveryKey:
    """A recovery key this home keeps sealed, never shown (`Client.kept_recovery_keys`).

    `state`: "unfinished" (the signup did not finish: the home is kept for it), "unconfirmed"
    (the signup finished without the server confirming the key: R25 F1), "set aside" (the
    copy of an account this home signed up again over: R27 F2) or "damaged" (the file does not
    read; `server_url`, `username` are then None, and `account_id` too unless the file's
    name gives it). `account_id`: hex, 32 characters."""

    path: Path
    state: str
    server_url: str | None
    username: str | None
    account_id: str | None


@dataclass(frozen=True)
class OtherSeal:
    """The recovery key sealed under another password than the request's (R27 F1): the new
    one of a password change whose outcome this device has not learnt yet, or the previous
    one after a change the server confirmed; kept until a login proves which is in force."""

    salt: bytes
    opslimit: int
    memlimit: int
    sealed_recovery_key: bytes


@dataclass(frozen=True)
class PendingSignup:
    """A signup request this device sent (or was about to send), and its recovery key sealed
    under the password's key-encryption key."""

    server_url: str
    request: wire.SignupRequest
    sealed_recovery_key: bytes
    finished: bool = False
    """The signup finished without the key shown (R25 F1): the file only keeps the copy."""
    other: OtherSeal | None = None
    """The same key sealed under a second password (R27 F1), or None."""

    @property
    def username(self) -> str:
        return self.request.username

    @property
    def account_id(self) -> bytes:
        return self.request.account_id


def _ad(account_id: bytes, username: str) -> bytes:
    return crypto.associated_data(Context.PENDING_RECOVERY_KEY, account_id, username.encode())


def seal_recovery_key(kek: bytes, recovery_key: bytes, account_id: bytes, username: str) -> bytes:
    """`recovery_key` sealed under the password's key-encryption key."""
    return crypto.seal(kek, recovery_key, _ad(account_id, username))


def open_recovery_key(kek: bytes, pending: PendingSignup, sealed: bytes | None = None) -> bytes:
    """The raw recovery key (from `sealed`, by default the request's seal); raises
    IntegrityError when `kek` is not that of the password it was sealed under (or the file
    was altered)."""
    return crypto.open_sealed(
        kek,
        pending.sealed_recovery_key if sealed is None else sealed,
        _ad(pending.account_id, pending.username),
        "the recovery key kept for the unfinished signup",
    )


def save_pending(home: Path, pending: PendingSignup) -> None:
    """Write the file atomically (0600, fsynced): it must be on disk before the request
    leaves."""
    home.mkdir(parents=True, exist_ok=True)
    os.chmod(home, 0o700)
    document = {
        "v": PENDING_VERSION,
        "server_url": pending.server_url,
        "request": wire.encode(pending.request),
        "sealed_recovery_key": pending.sealed_recovery_key,
    }
    if pending.finished:
        document["finished"] = True
    if pending.other is not None:
        other = pending.other
        document["other"] = [other.salt, other.opslimit, other.memlimit, other.sealed_recovery_key]
    path = home / PENDING_FILE
    write_private(path, msgpack.packb(document, use_bin_type=True))


def load_pending(home: Path) -> PendingSignup | None:
    """The unfinished signup kept in `home`, or None. Raises IntegrityError for a damaged
    file (it is not dropped silently: it may be the only copy of a recovery key)."""
    return read_pending(home / PENDING_FILE)


def aside_path(home: Path, account_id: bytes) -> Path:
    """Where the copy of the account `account_id` is set aside (R27 F2)."""
    return home / f"{PENDING_FILE}.{account_id.hex()}"


def restore_aside(home: Path, account_id: bytes) -> bool:
    """Put the copy set aside for `account_id` back in its place, marked finished, when that
    place is free (this home just signed in to that account); returns whether it did. The
    copy is written in its place before the one aside is removed: never none on disk. A
    damaged copy aside stays where it is."""
    aside = aside_path(home, account_id)
    if (home / PENDING_FILE).exists() or not aside.exists():
        return False
    try:
        pending = read_pending(aside)
    except IntegrityError:
        return False
    if pending is None or pending.account_id != account_id:
        return False
    save_pending(home, replace(pending, finished=True))
    aside.unlink(missing_ok=True)
    return True


def list_kept(home: Path) -> list[KeptRecoveryKey]:
    """Every recovery key `home` keeps sealed: the one in place first, then those set aside
    (by account id)."""
    found = []
    paths = [home / PENDING_FILE] + sorted(
        path for path in home.glob(f"{PENDING_FILE}.*") if _ASIDE_NAME.fullmatch(path.name)
    )
    for path in paths:
        aside = path.name != PENDING_FILE
        try:
            pending = read_pending(path)
        except IntegrityError:
            named = path.name.removeprefix(f"{PENDING_FILE}.") if aside else None
            found.append(KeptRecoveryKey(path, DAMAGED, None, None, named))
            continue
        if pending is None:
            continue
        state = SET_ASIDE if aside else UNCONFIRMED if pending.finished else UNFINISHED
        found.append(
            KeptRecoveryKey(
                path, state, pending.server_url, pending.username, pending.account_id.hex()
            )
        )
    return found


def read_pending(path: Path) -> PendingSignup | None:
    """The kept signup in the file `path` (in place or set aside), or None when there is no
    such file. Raises IntegrityError for a damaged file."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        document = msgpack.unpackb(raw, raw=False)
        if not isinstance(document, dict) or document.get("v") != PENDING_VERSION:
            raise ValueError("unknown format")
        return PendingSignup(
            server_url=str(document["server_url"]),
            request=wire.decode(wire.SignupRequest, bytes(document["request"])),
            sealed_recovery_key=bytes(document["sealed_recovery_key"]),
            finished=document.get("finished", False) is True,
            other=_other(document.get("other")),
        )
    except (ValueError, KeyError, TypeError, msgpack.UnpackException, wire.WireError):
        raise IntegrityError(f"the unfinished signup file {path} is damaged") from None


def _other(value: object) -> OtherSeal | None:
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != 4:
        raise ValueError("bad other seal")
    salt, opslimit, memlimit, sealed = value
    if not (isinstance(salt, bytes) and isinstance(sealed, bytes)):
        raise ValueError("bad other seal")
    if not (isinstance(opslimit, int) and isinstance(memlimit, int)):
        raise ValueError("bad other seal")
    return OtherSeal(salt, opslimit, memlimit, sealed)


def remove_pending(home: Path) -> None:
    (home / PENDING_FILE).unlink(missing_ok=True)
