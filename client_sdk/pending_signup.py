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

R29: a copy goes back by an exclusive create (never over a file written meanwhile), and is
then kept until shown even by a plain login (`Client.login`); a put-back cut short by a crash
(the same key in place and aside) is finished at the next sign-in. rev32d F4: a copy goes
back at a sign-in to its account (its id and username) whatever the address the sign-in
used (a signup stored behind a proxy's error page, then a login at the server's own
address), only once the identity keys the sign-in opened (with the password or the
recovery key: the server cannot make them) are the ones the copy's request holds; its
`server_url` is then that sign-in's. A copy of that id holding other keys is not this
account's signup: it stays aside, unused, and the sign-in says so (`aside_not_holding`). Every field of a file is type-checked, never converted: a file
that does not decode, holds a field of another type, cannot be read or is not a file is
damaged (IntegrityError; listed as damaged, never failing a listing or a sign-in). A drop by
hand removes only the entries listed and confirmed, each only if unchanged since
(`forget_kept`).
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import msgpack

from client_sdk import crypto, wire
from client_sdk.crypto import Context
from client_sdk.errors import BAD_VALUE, IntegrityError, InvalidInput
from client_sdk.profile import create_private, write_private

PENDING_FILE = "pending_signup"
PENDING_VERSION = 1

UNFINISHED = "unfinished"
UNCONFIRMED = "unconfirmed"
SET_ASIDE = "set aside"
DAMAGED = "damaged"

DAMAGED_KEPT_KEY = "damaged kept key"
"""`TJError.subject` of a kept recovery key file that does not read or is damaged
(`read_pending`): it may be the only copy of a recovery key; the message ends "give it up
by hand" (`Client.forget_kept_recovery_keys`), after which an app may name its own command."""
NOT_THE_SIGNUPS = "not the signup's account"
"""`TJError.subject` of a signup finished again on a home keeping its recovery key, when the
account of that name on the server is not the one this device signed up (or its password
changed since): `names` "username", "kept" (the kept file's path) and "account" (its id,
hex); `other_account_text` says it, with an app's own command."""
KEPT_RECOVERY_KEY = "kept recovery key"
"""`TJError.subject` of a new signup refused on a home that keeps another signup's recovery
key, never shown: `names` "home", "username", "server" and "account" (its id, hex);
`kept_key_text` says it, with an app's own command."""
SIGNUP_MAYBE_MADE = "signup maybe made here"
"""`TJError.subject` of a signup refused because its username is taken (a ConflictError,
code `username_taken`) on a home keeping a signup of that name that no Therapy Journal
server answered (`PendingSignup.unanswered`): the account taken may be the one that signup
made behind a proxy (rev32d F5). `names`: "username", "server" (the address signed up at
now) and "through" (the earlier signup's); `maybe_made_text` says it, with an app's own
command."""
FORGET_KEPT = "SDK: Client.forget_kept_recovery_keys"
MAKE_ONE_NOW = "if not, make a new one now"
"""In `Client.recovery_key_not_shown` (a kept key the server did not confirm): the advice to
make a new recovery key (`Client.replace_recovery_key`), after which an app may name its own
command (the CLI: "if not, make one now with `tj recovery-key new`")."""


def other_account_text(username: str, kept: str, account_id: str, *, give_up: str = "") -> str:
    """Why a signup cannot finish again with the account `username` on the server (NOT_THE
    SIGNUPS), and what the recovery key kept in `kept` (of the account `account_id`, hex)
    may be. `give_up`: how the app drops that key, in its own words (the CLI: "`tj
    recovery-key forget-kept --account ID`"), said in the parenthesis after "give that key
    up"; without it, the account's id is said there."""
    how = f"{give_up}; {FORGET_KEPT}" if give_up else f"{FORGET_KEPT}, account {account_id}"
    return (
        f"the account {username} on the server is not the one this device signed up, or its "
        "password was changed since: if it is yours, log in with its current password, which "
        f"works (the recovery key this device kept for it stays in {kept}, sealed under the "
        "signup's password: it may be the account's recovery key in force and its only "
        "copy). If it is not yours, sign up with another username or in another home, or "
        f"give that key up ({how}) to use this home for another account"
    )


def kept_key_text(
    home: str, username: str, server: str, account_id: str, *, give_up: str = ""
) -> str:
    """Why a new signup is refused on `home`, which keeps the recovery key of the signup of
    `username` at `server` (account `account_id`, hex), never shown (KEPT_RECOVERY_KEY).
    `give_up`: how the app drops that key, in its own words (the CLI: "`tj recovery-key
    forget-kept --account ID`"); without it, "drop it"."""
    return (
        f"{home} keeps the recovery key of the signup of {username} at {server} (account "
        f"{account_id}), never shown: log in there as {username} to check it again, or use "
        "another home; to give it up instead, after making sure it is not needed, "
        f"{give_up or 'drop it'} ({FORGET_KEPT})"
    )


def maybe_made_text(username: str, server: str, through: str, *, login: str = "") -> str:
    """Why the username `username` may be taken at `server` by this device's own earlier
    signup of it through `through`, answered by no Therapy Journal server (SIGNUP_MAYBE_MADE),
    and how to finish that signup. `login`: the app's command that signs in as `username`
    at `server` (the CLI: "`tj login URL ana`"); without it, "log in (Client.login)"."""
    how = login or f"log in at {server} as {username} (Client.login)"
    return (
        f"the username {username} is taken at {server}, perhaps by this device's own signup "
        f"of {username} through {through}, which no Therapy Journal server answered (a proxy "
        "in front of the server may have failed after the server made the account): that "
        f"signup may have made this account. If so, {how} with the password you chose then: "
        "it finishes that signup and shows its recovery key, kept on this device until then. "
        "If the name is someone else's, choose another one"
    )


_ASIDE_NAME = re.compile(re.escape(PENDING_FILE) + r"\.[0-9a-f]{32}")


@dataclass(frozen=True)
class KeptRecoveryKey:
    """A recovery key this home keeps sealed, never shown (`Client.kept_recovery_keys`).

    `state`: "unfinished" (the signup did not finish: the home is kept for it), "unconfirmed"
    (the signup finished without the server confirming the key), "set aside" (the
    copy of an account this home signed up again over) or "damaged" (the file does not
    read: undecodable, a field of the wrong type or out of range, unreadable, or not a file;
    `server_url`, `username` are then None, and `account_id` too unless the file's name
    gives it). `account_id`: hex, 32 characters. `fingerprint`: what was at `path` when it
    was listed (SHA-256 of the file's bytes, or the entry's kind and inode when it does not
    read): `forget_kept` drops the entry only if it is still that."""

    path: Path
    state: str
    server_url: str | None
    username: str | None
    account_id: str | None
    fingerprint: str = ""
    unanswered: bool = False
    """No Therapy Journal server answered its signup (an HTML error page of a proxy or of
    another web server, every time; the copy not taken back since): the
    account may exist all the same (stored behind a proxy's error page), with this key, never
    shown, its only copy; a sign-in to it at any address of its server shows it (rev32d)."""
    name_made_at: str = ""
    """Set aside, and the server at this address, asked through the signup's own address,
    names the username as another account this device's own later signup made there: the
    signup made no account on that server (nu83 F13). "" otherwise."""


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
    unanswered: bool = False
    """Every answer to the signup so far came from no Therapy Journal server (an HTML error
    page: a proxy's own 5xx, or another web server at a mistyped address; rev32c F3): the
    account may have been stored behind a proxy, so the copy is kept; a signup on this home
    at another address sets it aside (never deleted) instead of being refused."""
    answered: bool = False
    """A Therapy Journal server answered the signup request itself (first sent or sent again
    to finish it), or a login opened its account, with the outcome unknown (a 5xx of its
    own, say): `unanswered` is then cleared and never set again (rev32d: "every answer so
    far"). Another request of the signup's runs answered (a prelogin a proxy forwarded) is
    no answer to it (rev33b F4)."""
    name_made_at: str = ""
    """For a copy set aside: the address of the server where this device's own later signup
    of the same username made another account, and whose answer through this signup's own
    address (its prelogin: that account's salt, not this signup's) showed the name held by
    that account: this signup made no account there (nu83 F13). "" otherwise."""

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


def mark_name_made(aside: Path, server_url: str) -> None:
    """Mark the copy set aside at `aside` as one whose username `server_url`'s server holds as
    another account (`PendingSignup.name_made_at`), if it still reads: written atomically,
    0600. Raises nothing (a copy that does not read is left as it is)."""
    try:
        pending = read_pending(aside)
        if pending is not None:
            write_private(aside, _encode(replace(pending, name_made_at=server_url)))
    except (IntegrityError, OSError):
        return


def save_pending(home: Path, pending: PendingSignup) -> None:
    """Write the file atomically (0600, fsynced): it must be on disk before the request
    leaves."""
    home.mkdir(parents=True, exist_ok=True)
    os.chmod(home, 0o700)
    write_private(home / PENDING_FILE, _encode(pending))


def _encode(pending: PendingSignup) -> bytes:
    document: dict[str, object] = {
        "v": PENDING_VERSION,
        "server_url": pending.server_url,
        "request": wire.encode(pending.request),
        "sealed_recovery_key": pending.sealed_recovery_key,
    }
    if pending.finished:
        document["finished"] = True
    if pending.unanswered:
        document["unanswered"] = True
    if pending.answered:
        document["answered"] = True
    if pending.name_made_at:
        document["name_made_at"] = pending.name_made_at
    if pending.other is not None:
        other = pending.other
        document["other"] = [other.salt, other.opslimit, other.memlimit, other.sealed_recovery_key]
    packed: bytes = msgpack.packb(document, use_bin_type=True)
    return packed


def load_pending(home: Path) -> PendingSignup | None:
    """The unfinished signup kept in `home`, or None. Raises IntegrityError for a damaged
    file (it is not dropped silently: it may be the only copy of a recovery key)."""
    return read_pending(home / PENDING_FILE)


def aside_path(home: Path, account_id: bytes) -> Path:
    """Where the copy of the account `account_id` is set aside (R27 F2)."""
    return home / f"{PENDING_FILE}.{account_id.hex()}"


Keys = tuple[bytes, bytes]
"""An account's identity public keys: (Ed25519 signing, X25519 box)."""


def holds_keys(pending: PendingSignup, account_id: bytes, username: str, keys: Keys) -> bool:
    """Whether the copy `pending` is the signup of the account a sign-in just opened: the
    same id and username, and the identity public keys (`keys`: signing, box) of the
    secrets that sign-in opened with the password or the recovery key (rev32d F4: the
    server cannot make those; its word on the account is never enough)."""
    identity = pending.request.identity
    return (pending.account_id, pending.username) == (account_id, username) and (
        identity.sign_public_key,
        identity.box_public_key,
    ) == keys


def restore_aside(
    home: Path, account_id: bytes, server_url: str, username: str, keys: Keys
) -> PendingSignup | None:
    """Put the copy set aside for `account_id` back in its place, marked finished, when that
    place is free and the copy is that account's signup (`holds_keys`: this home just
    signed in to it as `username`, the secrets it opened having the identity public `keys`),
    whatever the address it was signed up through (rev32d F4): the copy put back names
    `server_url`, the sign-in's. Returns the copy as it was aside (`finished` False: an
    unfinished signup, taken back by a sign-in elsewhere), or None when none went back. The
    copy is written in its place (an exclusive create: a file written there meanwhile, such
    as a concurrent signup's, is never replaced) before the one aside is removed: never none
    on disk. When the place already holds a copy of the same key (same account, name and
    recovery login key: what a crash between those two steps leaves, R29 F3), the one aside
    is that copy, the one in place the same or re-sealed since: the one aside goes. Best
    effort, never failing a sign-in: a copy aside that does not read (damaged, not a file,
    unreadable) stays where it is, for the user (`list_kept` lists it as damaged)."""
    aside = aside_path(home, account_id)
    try:
        pending = read_pending(aside)
        if pending is None or not holds_keys(pending, account_id, username, keys):
            return None
        try:
            in_place = read_pending(home / PENDING_FILE)
        except IntegrityError:
            return None  # the place holds something that does not read: left as it is
        if in_place is not None:
            if _same_key(in_place, pending):
                aside.unlink(missing_ok=True)  # the same key twice: a put-back cut short
            return None
        back = replace(pending, server_url=server_url, finished=True, unanswered=False)
        if not create_private(home / PENDING_FILE, _encode(back)):
            return None  # taken meanwhile
        aside.unlink(missing_ok=True)
    except (IntegrityError, OSError):
        return None
    return pending


def aside_not_holding(home: Path, account_id: bytes, username: str, keys: Keys) -> Path | None:
    """The copy set aside for `account_id` when it reads and is not the signup of the account
    a sign-in just opened (`holds_keys` false: other keys, or another name): it stays, unused,
    and the sign-in says so (rev32d F4); None otherwise."""
    aside = aside_path(home, account_id)
    try:
        pending = read_pending(aside)
    except IntegrityError:
        return None  # listed as damaged: said by `list_kept`
    if pending is None or holds_keys(pending, account_id, username, keys):
        return None
    return aside


def not_holding_text(path: Path, account_id: bytes) -> str:
    """Why the copy set aside at `path` for the account `account_id` (the one signed in to)
    is not shown (`aside_not_holding`)."""
    return (
        f"the recovery key this device set aside in {path} for the account {account_id.hex()} "
        "is not shown: the keys that signup made are not the keys of this account that your "
        "password opened, so it is not this account's signup (or the file was changed); it "
        f"stays there, unused: give it up by hand once you know it is not needed ({FORGET_KEPT})"
    )


def _same_key(one: PendingSignup, other: PendingSignup) -> bool:
    """Whether both copies keep the same recovery key of the same account (a re-seal under
    another password changes the request's password fields, never its recovery ones; a copy
    put back names the address of the sign-in that took it back, maybe another)."""
    return (one.account_id, one.username, one.request.recovery_login_public_key) == (
        other.account_id,
        other.username,
        other.request.recovery_login_public_key,
    )


def list_kept(home: Path, account_id: str | None = None) -> list[KeptRecoveryKey]:
    """Every recovery key `home` keeps sealed: the one in place first, then those set aside
    (by account id); an entry that does not read (undecodable, a field of the wrong type,
    unreadable, a directory) is listed as damaged, never raised. With `account_id` (hex, or
    a prefix of it; case and surrounding spaces ignored), only the entries of that account.
    Raises InvalidInput for an empty `account_id`, or one that names more than one account
    (R29 F5: refused before anyone is asked to confirm anything)."""
    found = []
    try:
        names = sorted(
            path for path in home.glob(f"{PENDING_FILE}.*") if _ASIDE_NAME.fullmatch(path.name)
        )
    except FileNotFoundError:
        names = []
    for path in [home / PENDING_FILE, *names]:
        aside = path.name != PENDING_FILE
        fingerprint = _fingerprint(path)
        if fingerprint is None:
            continue  # no such entry
        try:
            pending = read_pending(path)
        except IntegrityError:
            pending = None
        if pending is None:
            named = path.name.removeprefix(f"{PENDING_FILE}.") if aside else None
            found.append(KeptRecoveryKey(path, DAMAGED, None, None, named, fingerprint))
            continue
        state = SET_ASIDE if aside else UNCONFIRMED if pending.finished else UNFINISHED
        found.append(
            KeptRecoveryKey(
                path,
                state,
                pending.server_url,
                pending.username,
                pending.account_id.hex(),
                fingerprint,
                pending.unanswered and not pending.finished,
                pending.name_made_at if aside else "",
            )
        )
    if account_id is None:
        return found
    wanted = account_id.strip().lower()
    if not wanted:
        raise InvalidInput(
            "give the account id of the kept recovery key to drop", subject=BAD_VALUE
        )
    found = [k for k in found if k.account_id is not None and k.account_id.startswith(wanted)]
    if len({k.account_id for k in found}) > 1:
        raise InvalidInput(
            f"{account_id!r} names more than one kept recovery key", subject=BAD_VALUE
        )
    return found


def forget_kept(listed: Sequence[KeptRecoveryKey]) -> list[KeptRecoveryKey]:
    """Drop the kept entries `listed` (from `list_kept`, shown to the user, who confirmed),
    each only if its path still holds what was listed (`fingerprint`): an entry written,
    replaced or re-sealed since was never confirmed (R29 F4). Checks them all first: raises
    InvalidInput naming those changed since (dropping none), or one that cannot be removed
    (a directory that is not empty). Returns what was dropped (`listed`)."""
    for kept in listed:
        if not (kept.path.name == PENDING_FILE or _ASIDE_NAME.fullmatch(kept.path.name)):
            raise InvalidInput(f"{kept.path} is not a kept recovery key", subject=BAD_VALUE)
    changed = [k for k in listed if _fingerprint(k.path) != k.fingerprint]
    if changed:
        raise InvalidInput(
            "changed since they were listed, so dropped none (list them again): "
            + ", ".join(str(k.path) for k in changed),
            subject="refused",
        )
    for kept in listed:
        try:
            if stat.S_ISDIR(kept.path.lstat().st_mode):
                kept.path.rmdir()
            else:
                kept.path.unlink()
        except FileNotFoundError:
            pass
        except OSError as error:
            raise InvalidInput(
                f"{kept.path} cannot be removed ({error.strerror}): it is not a file this "
                "device wrote; move it away by hand",
                subject="refused",
            ) from None
    return list(listed)


def _fingerprint(path: Path) -> str | None:
    """What is at `path` now: "sha256:<hex>" of a regular file's bytes; for an entry that is
    not a regular file or does not read, its kind, device, inode, size and change time;
    None when there is none."""
    try:
        status = path.lstat()
    except FileNotFoundError:
        return None
    except OSError as error:
        return f"error:{error.errno}"
    if stat.S_ISREG(status.st_mode):
        try:
            return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            pass
    kind = stat.S_IFMT(status.st_mode)
    return f"entry:{kind}:{status.st_dev}:{status.st_ino}:{status.st_size}:{status.st_ctime_ns}"


def read_pending(path: Path) -> PendingSignup | None:
    """The kept signup in the file `path` (in place or set aside), or None when there is no
    such file. Raises IntegrityError for a damaged one: it does not read (not a file,
    unreadable), does not decode, or a field is missing, of another type than the one
    written (every field is type-checked, never converted: R29 F1) or out of its range."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise _damaged(
            f"the kept recovery key file {path} does not read ({error.strerror}): it may be "
            "the only copy of a recovery key; repair it, or give it up by hand"
        ) from None
    try:
        document = msgpack.unpackb(raw, raw=False)
        if not isinstance(document, dict) or type(document.get("v")) is not int:
            raise ValueError("unknown format")
        if document["v"] != PENDING_VERSION:
            raise ValueError("unknown format")
        server_url = document["server_url"]
        request = document["request"]
        sealed = document["sealed_recovery_key"]
        finished = document.get("finished", False)
        unanswered = document.get("unanswered", False)
        answered = document.get("answered", False)
        name_made_at = document.get("name_made_at", "")
        if not (
            isinstance(server_url, str)
            and isinstance(request, bytes)
            and isinstance(sealed, bytes)
            and isinstance(finished, bool)
            and isinstance(unanswered, bool)
            and isinstance(answered, bool)
            and isinstance(name_made_at, str)
        ):
            raise ValueError("a field of another type")
        return PendingSignup(
            server_url=server_url,
            request=wire.decode(wire.SignupRequest, request),
            sealed_recovery_key=sealed,
            finished=finished,
            other=_other(document.get("other")),
            unanswered=unanswered,
            answered=answered,
            name_made_at=name_made_at,
        )
    except (ValueError, KeyError, TypeError, msgpack.UnpackException, wire.WireError):
        raise _damaged(
            f"the kept recovery key file {path} is damaged: it may be the only copy of a "
            "recovery key; restore it from a backup, or give it up by hand"
        ) from None


def _damaged(message: str) -> IntegrityError:
    """`read_pending`'s error for a kept file that does not read or is damaged."""
    error = IntegrityError(message)
    error.subject = DAMAGED_KEPT_KEY
    return error


def _other(value: object) -> OtherSeal | None:
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != 4:
        raise ValueError("bad other seal")
    salt, opslimit, memlimit, sealed = value
    if not (isinstance(salt, bytes) and len(salt) == 16 and isinstance(sealed, bytes)):
        raise ValueError("bad other seal")
    if not (type(opslimit) is int and type(memlimit) is int):
        raise ValueError("bad other seal")
    if not (1 <= opslimit <= wire.U32 and 8192 <= memlimit <= wire.U63):
        raise ValueError("other seal's cost out of range")  # the request's limits
    return OtherSeal(salt, opslimit, memlimit, sealed)


def remove_pending(home: Path) -> None:
    (home / PENDING_FILE).unlink(missing_ok=True)
