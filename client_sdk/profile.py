"""The local profile file: who this device is and its secrets, readable only by the user.

Stored as msgpack in `<home>/profile` with mode 0600 inside a 0700 directory, like an SSH
key. With a passphrase, the secret part is sealed (XChaCha20-Poly1305) under an Argon2id key
of the passphrase; without one, file permissions are the protection.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import msgpack

from client_sdk import crypto
from client_sdk.crypto import Context, KdfCost
from client_sdk.errors import (
    PASSPHRASE_NEEDED,
    WRONG_PASSPHRASE,
    AuthError,
    IntegrityError,
    InvalidInput,
)
from client_sdk.keys import AccountSecrets

PROFILE_FILE = "profile"
PROFILE_VERSION = 1


@dataclass(frozen=True)
class Profile:
    """Who this device is, and its secrets. `repr()` leaves out the session token and the
    account's secrets (a debug log or a crash report's locals never hold them)."""

    server_url: str
    username: str
    account_id: bytes
    device_id: bytes
    server_id: bytes
    token: str = field(repr=False)
    secrets: AccountSecrets = field(repr=False)


def ensure_home(home: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    os.chmod(home, 0o700)


def save_profile(
    home: Path,
    profile: Profile,
    passphrase: str | None = None,
    passphrase_cost: KdfCost = crypto.INTERACTIVE,
) -> None:
    ensure_home(home)
    fields = asdict(profile)
    fields["secrets"] = profile.secrets.to_bytes()
    plain = msgpack.packb(fields, use_bin_type=True)
    if passphrase is None:
        document = {"v": PROFILE_VERSION, "locked": False, "data": plain}
    else:
        salt = crypto.random_bytes(crypto.SALT_BYTES)
        key = crypto.derive_root(passphrase, salt, passphrase_cost)
        sealed = crypto.seal(key, plain, crypto.associated_data(Context.LOCAL_SECRETS, salt))
        document = {
            "v": PROFILE_VERSION,
            "locked": True,
            "salt": salt,
            "data": sealed,
            "opslimit": passphrase_cost.opslimit,
            "memlimit": passphrase_cost.memlimit,
        }
    path = home / PROFILE_FILE
    write_private(path, msgpack.packb(document, use_bin_type=True))


def write_private(path: Path, data: bytes) -> None:
    """Replace `path` with `data` atomically: a 0600 temporary file next to it, fsynced, then
    renamed over it, and the directory fsynced so that the rename is durable before what
    follows (the profile, login tickets, an unfinished signup's sealed key)."""
    temporary = _written_aside(path, data)
    os.replace(temporary, path)
    _sync_directory(path.parent)


def create_private(path: Path, data: bytes) -> bool:
    """Write `data` to `path` only if nothing is there (an exclusive create: a hard link of
    a 0600 temporary file, fsynced, so that `path` appears whole or not at all); returns
    whether it did. Never replaces what another process wrote there meanwhile."""
    temporary = path.with_name(f".{path.name}.{os.urandom(8).hex()}.tmp")
    try:
        _written_aside(path, data, temporary)
        os.link(temporary, path)
    except FileExistsError:
        return False
    finally:
        temporary.unlink(missing_ok=True)
    _sync_directory(path.parent)
    return True


def _written_aside(path: Path, data: bytes, temporary: Path | None = None) -> Path:
    """`data` in a 0600 file, fsynced: `temporary`, by default `path` with suffix .tmp."""
    temporary = path.with_suffix(".tmp") if temporary is None else temporary
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    return temporary


def _sync_directory(directory: Path) -> None:
    """fsync `directory` (its entries: a rename, a new link), where the system allows it."""
    try:
        descriptor = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass  # some file systems refuse fsync on a directory
    finally:
        os.close(descriptor)


def profile_exists(home: Path) -> bool:
    return (home / PROFILE_FILE).exists()


def is_locked(home: Path) -> bool:
    return bool(_read_document(home).get("locked"))


def load_profile(home: Path, passphrase: str | None = None) -> Profile:
    document = _read_document(home)
    data = document["data"]
    if document.get("locked"):
        if passphrase is None:
            raise AuthError(
                "this profile is locked: give its passphrase", subject=PASSPHRASE_NEEDED
            )
        salt = document["salt"]
        cost = KdfCost(int(document["opslimit"]), int(document["memlimit"]))
        key = crypto.derive_root(passphrase, bytes(salt), cost)
        ad = crypto.associated_data(Context.LOCAL_SECRETS, bytes(salt))
        try:
            data = crypto.open_sealed(key, data, ad, "the local profile")
        except IntegrityError:
            raise AuthError("wrong passphrase for this profile", subject=WRONG_PASSPHRASE) from None
    fields = msgpack.unpackb(data, raw=False)
    fields["secrets"] = AccountSecrets.from_bytes(fields["secrets"])
    return Profile(**fields)


def _read_document(home: Path) -> dict[str, Any]:
    path = home / PROFILE_FILE
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        if (home / "store.db").exists():  # store.STORE_FILE, left without its profile
            raise InvalidInput(  # a sign-in of another account here is refused: said first
                f"no account on this device ({home}), but it holds the local data of an "
                "account without its profile (a logout or an account deletion stopped "
                "halfway, or the profile was removed): a login to that account here takes it "
                "back; for another account, first move the files store.db, store.db-wal and "
                "store.db-shm (those there) together into another folder, then sign up or "
                "log in",
                subject="profile",
            ) from None
        raise InvalidInput(
            f"no account on this device ({home}): sign up or log in first", subject="profile"
        ) from None
    except (NotADirectoryError, IsADirectoryError):  # a file given as the home, or a folder
        raise InvalidInput(  # named "profile" in it
            f"{home} is not the home directory of an account: give the directory the account "
            "signed up or logged in with on this device",
            subject="profile",
        ) from None
    try:
        document = msgpack.unpackb(raw, raw=False)
    except (ValueError, msgpack.UnpackException):
        raise IntegrityError(f"the profile file {path} is damaged") from None
    if not isinstance(document, dict) or document.get("v") != PROFILE_VERSION:
        raise IntegrityError(f"the profile file {path} has an unknown format")
    return document


def remove_profile(home: Path) -> None:
    """Delete the profile, the directory fsynced after: its removal is durable before what
    the caller deletes next (a logout's store files), never reordered by a power cut."""
    try:
        (home / PROFILE_FILE).unlink()
    except FileNotFoundError:
        return
    _sync_directory(home)


def profile_bytes(home: Path) -> bytes | None:
    """The profile file's bytes as they are now, or None without one (or without a home
    directory): which profile a program loaded, to tell it from one saved since."""
    try:
        return (home / PROFILE_FILE).read_bytes()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None


def put_back_profile(home: Path, before: bytes | None, saved: bytes | None) -> None:
    """Undo the profile a sign-in saved (`saved`, its bytes) when the sign-in did not finish
    and its session was ended (nu80 F10): the profile file is again `before` (its bytes
    before that sign-in; None: there was none, and it is removed), so that the home never
    holds a session the server no longer knows. Only while the file is still `saved`: a
    profile another program saved since is left as it is."""
    if saved is None or profile_bytes(home) != saved:
        return
    if before is None:
        remove_profile(home)
    else:
        write_private(home / PROFILE_FILE, before)
