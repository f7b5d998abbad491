"""Account flows: signup, login, recovery, password change, a new recovery key and the proof
erasure needs.

Each turns a password or recovery key into keys on this device; the server only ever sees
public keys, signatures over its one-time challenges, and sealed key bundles.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import nacl.signing

from client_sdk import crypto, keys, pending_signup, wire
from client_sdk.crypto import KdfCost
from client_sdk.errors import (
    WRONG_PASSWORD,
    WRONG_RECOVERY_KEY,
    AuthError,
    ConflictError,
    IntegrityError,
    InvalidInput,
    NetworkError,
    TJError,
)
from client_sdk.models import default_device_name, now_ms
from client_sdk.passwords import check_password
from client_sdk.transport import Transport, _ours

NOT_ON_SERVER = "signup not on server"
"""`TJError.subject` of a login that finds no account where an unfinished signup was (the
account deleted since, its password changed, or the signup never reached the server)."""

SESSION_END_TIMEOUT = 10.0
"""Seconds a failed login waits, at most, for the server to end the session it opened
(`end_session`): the error that failed the login is raised after it either way."""


@dataclass(frozen=True)
class Session:
    """A device session the server granted, and the account secrets it unlocked."""

    reply: wire.SessionReply
    secrets: keys.AccountSecrets
    device_name: str
    """The name this device signed in with (sent in the request)."""
    created: bool = False
    """True when the request that opened this session made the account (a signup)."""
    cost: KdfCost | None = None
    """The password's Argon2id cost this device chose (a signup) or proved (a login: the
    cost whose key opened the bundle), never the server's word alone; None for a
    recovery (REV-KDF F1: the `SessionReply`'s cost set the floor of `Client._password_keys`)."""


@dataclass(frozen=True)
class NewAccount:
    """A new account's keys, made on this device before anything is sent."""

    request: wire.SignupRequest
    secrets: keys.AccountSecrets
    recovery_key: bytes = dataclasses.field(repr=False)
    sealed_recovery_key: bytes
    """`recovery_key` sealed under the password's key-encryption key (pending_signup.py)."""


def new_account(username: str, password: str, cost: KdfCost, device_name: str | None) -> NewAccount:
    """A new account's keys and the request that registers them. Slow by design
    (Argon2id): run it off the event loop. Builds the request for any password: `Client.signup`
    checks the password rule first (passwords.check_password)."""
    salt = crypto.random_bytes(crypto.SALT_BYTES)
    password_keys = keys.password_keys(password, salt, cost)
    secrets = keys.AccountSecrets.generate()
    account_id = crypto.random_bytes(wire.ID_BYTES)
    recovery_key = keys.new_recovery_key()
    request = wire.SignupRequest(
        username=username,
        account_id=account_id,
        salt=salt,
        opslimit=cost.opslimit,
        memlimit=cost.memlimit,
        login_public_key=bytes(password_keys.login_key.verify_key),
        recovery_login_public_key=bytes(keys.recovery_login_key(recovery_key).verify_key),
        bundle=keys.seal_bundle(password_keys.kek, secrets, account_id, username),
        recovery_bundle=keys.seal_recovery_bundle(recovery_key, secrets, account_id, username),
        identity=wire.Identity(
            account_id,
            username,
            secrets.sign_public_key,
            secrets.box_public_key,
            keys.sign_identity(secrets, account_id, username),
        ),
        device_name=device_name or default_device_name(),
        device_id=crypto.random_bytes(wire.ID_BYTES),
    )
    sealed = pending_signup.seal_recovery_key(password_keys.kek, recovery_key, account_id, username)
    return NewAccount(request, secrets, recovery_key, sealed)


def signup_request(
    username: str, password: str, cost: KdfCost, device_name: str | None
) -> tuple[wire.SignupRequest, keys.AccountSecrets, bytes]:
    """(request, secrets, recovery key) of `new_account`."""
    made = new_account(username, password, cost, device_name)
    return made.request, made.secrets, made.recovery_key


@dataclass
class SignupHeard:
    """What a signup (or its finishing) learnt of the signup request's fate (rev33b F4).

    `answered`: a Therapy Journal server answered the signup request itself (a reply that
    decoded, or an error reply of this API, such as its own 5xx: `transport._ours`), or a
    login opened the signup's account. Only that tells a signup stored behind a proxy's page
    from one its server answered: another request of the same run answered (a prelogin the
    proxy forwarded) says the address reaches a journal server, not what became of the
    signup request sent through it."""

    answered: bool = False


async def register(
    transport: Transport, request: wire.SignupRequest, heard: SignupHeard | None = None
) -> wire.SessionReply:
    """Send a signup request; the server's first session for the new account. Raises
    ConflictError (code `username_taken`) when the name is taken; a NetworkError leaves it
    unknown whether the server created the account (the reply may have been lost). Raises
    IntegrityError (the session ended) for a reply that names another device id or another
    account id than the request's: both are this device's own choice (protocol.md 2.3), and
    a sign-in trusts the account id it signed in to (a store left on the home without its
    profile is adopted only when it names that account). `heard.answered` is set when a
    Therapy Journal server answered the request (`SignupHeard`)."""
    try:
        reply = await transport.call("/v1/auth/signup", request, wire.SessionReply)
    except TJError as error:
        if heard is not None and error.code is not None and _ours(error):
            heard.answered = True  # an error reply of this API: not a page, not a timeout
        raise
    if heard is not None:
        heard.answered = True
    await check_device_id(transport, reply, request.device_id)
    if reply.account_id != request.account_id:
        await end_session(transport.base_url, reply.token)
        raise IntegrityError("the server signed this device in to another account than its own")
    return reply


async def register_again(
    transport: Transport, request: wire.SignupRequest, heard: SignupHeard | None = None
) -> wire.SessionReply:
    """Send a kept signup request again, the same bytes: with another device id only when it
    has none (kept by an SDK older than device-chosen ids) or the server answers 409
    `device_id_taken` (a device the server keeps holds the id: only a client choosing it on
    purpose, or a broken random source, can cause it; protocol.md 2.3). Raises as
    `register` (and sets `heard` as it does)."""
    if not request.device_id:
        request = dataclasses.replace(request, device_id=crypto.random_bytes(wire.ID_BYTES))
    try:
        return await register(transport, request, heard)
    except ConflictError as error:
        if error.code != "device_id_taken":
            raise
    fresh = dataclasses.replace(request, device_id=crypto.random_bytes(wire.ID_BYTES))
    return await register(transport, fresh, heard)


async def check_device_id(transport: Transport, reply: wire.SessionReply, device_id: bytes) -> None:
    """Raise IntegrityError, after ending the session (`end_session`), when the server's
    reply names another device id than the one this device chose and sent (protocol.md
    2.3). A device signs its write counters under its id (protocol.md 4.18), so an id the
    server chose could be another device's, or one this home used before: the two would
    sign one counter twice and the server could swap their records unnoticed (R34 F1, F2)."""
    if reply.device_id != device_id:
        await end_session(transport.base_url, reply.token)
        raise IntegrityError(
            "the server gave this device another id than the one it chose: refused, and "
            "signed out (a server that lies, or a broken one)"
        )


def unlock_pending(
    pending: pending_signup.PendingSignup, password: str
) -> tuple[keys.PasswordKeys, keys.AccountSecrets, bytes]:
    """(password keys, account secrets, raw recovery key) of an unfinished signup, from the
    password it was made with (Argon2id at the request's own salt and cost: slow, run it off
    the event loop). Raises AuthError for another password."""
    request = pending.request
    cost = KdfCost(request.opslimit, request.memlimit)
    derived = keys.password_keys(password, request.salt, cost)
    try:
        recovery_key = pending_signup.open_recovery_key(derived.kek, pending)
        secrets = keys.open_bundle(
            derived.kek, request.bundle, request.account_id, request.username
        )
    except IntegrityError:
        raise AuthError(
            f"that is not the password {request.username} was signed up with on this device",
            subject=WRONG_PASSWORD,
        ) from None
    return derived, secrets, recovery_key


def open_kept(
    pending: pending_signup.PendingSignup, password: str
) -> tuple[bytes, keys.PasswordKeys, bool] | None:
    """(raw recovery key, the password's keys at that seal's salt and cost, whether it was
    the `other` seal) of a kept copy, from either of its seals (R27 F1); None when `password`
    opens neither. Slow (Argon2id, once or twice): run it off the event loop."""
    try:
        derived, _, recovery_key = unlock_pending(pending, password)
    except AuthError:
        other = pending.other
        if other is None:
            return None
        derived = keys.password_keys(password, other.salt, KdfCost(other.opslimit, other.memlimit))
        try:
            recovery_key = pending_signup.open_recovery_key(
                derived.kek, pending, other.sealed_recovery_key
            )
        except IntegrityError:
            return None
        return recovery_key, derived, True
    return recovery_key, derived, False


async def finish_signup(
    transport: Transport,
    pending: pending_signup.PendingSignup,
    password: str,
    ticket: bytes = b"",
    *,
    create: bool = True,
    heard: SignupHeard | None = None,
) -> tuple[Session, bytes]:
    """A session for the account of an unfinished signup, and its raw recovery key. The
    account exists on the server when its prelogin salt is the one this device chose (an
    unknown name gets another, protocol.md /v1/auth/prelogin): then this device logs in with
    the password, else it sends the same signup request again (same keys, same recovery
    key), only with `create` (a signup: a login never makes an account). Raises AuthError
    for another password, AuthError (subject NOT_ON_SERVER) when the salt is another one
    and not `create` (the account was deleted since, its password changed, or the request
    never reached the server: nothing was sent), ConflictError (`username_taken`) when the
    request never reached the server and someone else has taken the name since. `heard`
    (`SignupHeard`): set when the signup request sent again was answered by a Therapy
    Journal server, or the login opened the account; never by the prelogin alone."""
    derived, secrets, recovery_key = await asyncio.to_thread(unlock_pending, pending, password)
    request = pending.request
    pre = await transport.call(
        "/v1/auth/prelogin", wire.PreloginRequest(request.username), wire.PreloginReply
    )
    created = pre.salt != request.salt  # the signup never reached the server (or was erased)
    if created and not create:
        raise AuthError(
            f"the server does not know {request.username} with the password this device "
            "signed it up with",
            subject=NOT_ON_SERVER,
        )
    if created:  # send it again
        reply = await register_again(transport, request, heard)
    else:
        reply = await signed_session(
            transport,
            "/v1/auth/login",
            "login",
            request.username,
            derived.login_key,
            request.device_name,
            ticket,
        )
    if reply.account_id != request.account_id:
        await end_session(transport.base_url, reply.token)
        raise IntegrityError("the server signed this device in to another account than its own")
    if heard is not None:
        heard.answered = True  # signed in to the signup's account: it exists
    cost = KdfCost(request.opslimit, request.memlimit)  # this device's choice at signup
    return Session(reply, secrets, request.device_name, created, cost), recovery_key


async def password_keys(
    transport: Transport, username: str, password: str, minimum_cost: KdfCost
) -> keys.PasswordKeys:
    """The keys a password yields for this account, at the cost the server advertises
    (refused if outside what this client accepts)."""
    derived, _ = await password_keys_at(transport, username, password, minimum_cost)
    return derived


async def password_keys_at(
    transport: Transport, username: str, password: str, minimum_cost: KdfCost
) -> tuple[keys.PasswordKeys, KdfCost]:
    """`password_keys`, with the cost they were derived at."""
    pre = await transport.call(
        "/v1/auth/prelogin", wire.PreloginRequest(username), wire.PreloginReply
    )
    cost = KdfCost(pre.opslimit, pre.memlimit)
    cost.check(minimum_cost)
    return await asyncio.to_thread(keys.password_keys, password, pre.salt, cost), cost


async def login(
    transport: Transport,
    username: str,
    password: str,
    minimum_cost: KdfCost,
    device_name: str | None,
    ticket: bytes = b"",
    device_key: nacl.signing.SigningKey | None = None,
) -> Session:
    """A session opened with the password; `ticket` is this device's login ticket for the
    account, if it has one (tickets.py); `device_key` this home's (protocol.md 4.21)."""
    derived, cost = await password_keys_at(transport, username, password, minimum_cost)
    device_name = device_name or default_device_name()
    reply = await signed_session(
        transport, "/v1/auth/login", "login", username, derived.login_key, device_name, ticket,
        device_key,
    )  # fmt: skip
    async with ended_on_failure(transport.base_url, reply.token):
        try:
            secrets = keys.open_bundle(derived.kek, reply.bundle, reply.account_id, username)
        except IntegrityError:
            raise AuthError("the server's key bundle does not open with this password") from None
    return Session(reply, secrets, device_name, cost=cost)  # the bundle opened: proved


async def recover(
    transport: Transport,
    username: str,
    recovery_key: bytes,
    device_name: str | None,
    ticket: bytes = b"",
    device_key: nacl.signing.SigningKey | None = None,
) -> Session:
    """A session opened with the recovery key; the bundle is its recovery copy;
    `device_key` this home's (protocol.md 4.21)."""
    login_key = keys.recovery_login_key(recovery_key)
    device_name = device_name or default_device_name()
    reply = await signed_session(
        transport, "/v1/auth/recover", "recover", username, login_key, device_name, ticket,
        device_key,
    )  # fmt: skip
    async with ended_on_failure(transport.base_url, reply.token):
        try:
            secrets = keys.open_recovery_bundle(
                recovery_key, reply.bundle, reply.account_id, username
            )
        except IntegrityError:
            raise AuthError("the recovery copy does not open with this recovery key") from None
    return Session(reply, secrets, device_name)


async def end_session(server_url: str, token: str) -> None:
    """Sign out the session of `token`, best effort: one /v1/auth/logout over a connection
    of its own, SESSION_END_TIMEOUT seconds at most. Never raises an Exception (a server
    that cannot be reached or refuses leaves the session to expire by itself); a
    cancellation meanwhile passes as usual."""
    try:
        transport = Transport(server_url, token, timeout=SESSION_END_TIMEOUT)
    except InvalidInput:  # no address the SDK sends to ("": a profile's edited by hand)
        return
    try:
        with contextlib.suppress(Exception):
            await transport.call("/v1/auth/logout", wire.Empty(), wire.Empty)
    finally:
        with contextlib.suppress(Exception):
            await transport.close()


@contextlib.asynccontextmanager
async def ended_on_failure(server_url: str, token: str) -> AsyncIterator[None]:
    """Whatever fails inside (a bundle that does not open, a hostile server's answer, a
    full disk, a cancellation or a KeyboardInterrupt) ends the session of `token`
    (`end_session`) and is raised as it was: a login that did not finish leaves no
    signed-in device on the server, and the error a caller sees is the login's, never the
    logout's."""
    try:
        yield
    except BaseException:
        await end_session(server_url, token)
        raise


async def signed_challenge(
    transport: Transport, username: str, purpose: str, key: nacl.signing.SigningKey
) -> tuple[bytes, bytes]:
    """(challenge, signature) for a fresh single-use challenge of `purpose`. Raises
    IntegrityError, signing nothing, when the transport knows the server's id (a signed-in
    profile: `Transport.server_id`) and the challenge names another: a server passing on
    another deployment's challenge would get a signature valid there, for a password change
    or the account's erasure (REV-ACCT F4; protocol.md 4.10)."""
    reply = await transport.call(
        "/v1/auth/challenge", wire.ChallengeRequest(username, purpose), wire.ChallengeReply
    )
    if transport.server_id is not None and reply.server_id != transport.server_id:
        raise IntegrityError(
            f"the server at {transport.base_url} sent a challenge naming another server than "
            "the one this account signed in at: nothing was signed or sent"
        )
    signature = keys.sign_challenge(key, username, reply.server_id, purpose, reply.challenge)
    return reply.challenge, signature


async def signed_session(
    transport: Transport,
    path: str,
    purpose: str,
    username: str,
    key: nacl.signing.SigningKey,
    device_name: str | None,
    ticket: bytes = b"",
    device_key: nacl.signing.SigningKey | None = None,
) -> wire.SessionReply:
    """A new session (login or recover) under a device id chosen here, random and new for
    every session (protocol.md 2.3), signed by this home's `device_key` when given (4.21).
    Raises IntegrityError (the session ended) for a reply that names another device id."""
    started = time.monotonic()
    challenge, signature = await signed_challenge(transport, username, purpose, key)
    device_id = crypto.random_bytes(wire.ID_BYTES)
    signed_at = now_ms()  # this home's time of the sign-in, signed with it (4.21)
    proof = (
        (*keys.device_proof(device_key, challenge, device_id, signed_at), signed_at)
        if device_key
        else (b"", b"", 0)
    )
    request = wire.LoginRequest(
        username, challenge, signature, device_name or default_device_name(), ticket, device_id,
        *proof,
    )  # fmt: skip
    try:
        try:
            reply = await transport.call(path, request, wire.SessionReply)
        except InvalidInput as error:
            if not device_key or not refuses_device_key(error):
                raise
            # A server from before device keys (its decoder refuses the unknown fields,
            # before the challenge is used): asked again without them, under a new challenge
            # (the sign-in is then told to the other devices as a device's first).
            started = time.monotonic()
            challenge, signature = await signed_challenge(transport, username, purpose, key)
            request = dataclasses.replace(
                request, challenge=challenge, signature=signature, device_key=b"",
                device_signature=b"", device_signed_at=0,
            )  # fmt: skip
            reply = await transport.call(path, request, wire.SessionReply)
    except AuthError as error:  # "wrong username or password": unless it really took long
        if error.subject in (WRONG_PASSWORD, WRONG_RECOVERY_KEY) and (
            time.monotonic() - started >= CHALLENGE_LIFETIME_S
        ):
            late = AuthError(
                "the sign-in took too long (over a minute from the server's challenge to the "
                "answer): try again",
                subject=error.subject,
            )
            late.code, late.detail = error.code, error.detail
            raise late from None
        raise
    await check_device_id(transport, reply, device_id)
    return reply


_REFUSED_DEVICE_KEY = re.compile(
    r"\bunknown field '(device_key|device_signature|device_signed_at)'"
)


def refuses_device_key(error: InvalidInput) -> bool:
    """Whether `error` is the refusal of a server from before device keys (protocol.md 4.21)
    of a sign-in's `device_key`, `device_signature` and `device_signed_at`: 400
    `invalid_field` naming one of them as an unknown field ("body has unknown field 'device_key'"). Any other refusal,
    this server's of a malformed proof included, is not. Pure."""
    return error.code == "invalid_field" and bool(_REFUSED_DEVICE_KEY.search(error.detail or ""))


CHALLENGE_LIFETIME_S = 60.0
"""How long a sign-in challenge is valid (protocol.md: "A challenge is valid for 60
seconds"): a refused sign-in answered later than this after the challenge was asked for is
said as having taken too long, any other as a wrong username, password or recovery key."""


async def set_password(
    transport: Transport,
    username: str,
    account_id: bytes,
    secrets: keys.AccountSecrets,
    password: str,
    cost: KdfCost,
    proof_key: nacl.signing.SigningKey,
    new_recovery_key: bytes | None = None,
) -> bytes:
    """Re-wrap the bundle under a new password, proven with the old login key or the
    recovery login key; nothing else is re-encrypted. With `new_recovery_key` (raw, 32
    bytes) the recovery key is replaced in the same request, so in the same server
    transaction: both change or neither does (what a recovery does). Returns the login
    ticket for the new password (every earlier one is void, protocol.md 2.7). Raises
    InvalidInput, before any request, for a password passwords.check_password refuses.

    A NetworkError from the change itself leaves its outcome unknown (the reply may have
    been lost after the server stored it); the password's salt, which /v1/auth/prelogin
    tells anyone, then says which: the change is taken as done when the salt is the new one
    (the returned ticket is then empty); otherwise the error is raised, saying that most
    likely nothing changed (another salt: a request the server is still processing may yet
    be stored, so the user is told to try the new password first) or that the outcome is
    unknown (the server cannot be asked)."""
    await check_new_password(password, username)
    return await set_checked_password(
        transport, username, account_id, secrets, password, cost, proof_key, new_recovery_key
    )


async def set_checked_password(
    transport: Transport,
    username: str,
    account_id: bytes,
    secrets: keys.AccountSecrets,
    password: str,
    cost: KdfCost,
    proof_key: nacl.signing.SigningKey,
    new_recovery_key: bytes | None = None,
    derived: tuple[bytes, keys.PasswordKeys] | None = None,
) -> bytes:
    """`set_password` for a new password its caller has just checked with
    `check_new_password`, before its first request: Client.recover and
    Client.change_password check once per operation, not twice (zxcvbn can take a while,
    and the checks of a process run one at a time: R21 F5). `derived`: (salt, the keys of
    `password` at that salt and `cost`), when the caller derived them already (to re-seal
    what it keeps under the new password: Client.change_password)."""
    if derived is None:
        salt = crypto.random_bytes(crypto.SALT_BYTES)
        new = await asyncio.to_thread(keys.password_keys, password, salt, cost)
    else:
        salt, new = derived
    recovery_public, recovery_bundle = b"", b""
    if new_recovery_key is not None:
        recovery_public, recovery_bundle = recovery_parts(
            new_recovery_key, secrets, account_id, username
        )
    challenge, signature = await signed_challenge(transport, username, "password", proof_key)
    request = wire.PasswordChangeRequest(
        challenge,
        signature,
        salt,
        cost.opslimit,
        cost.memlimit,
        bytes(new.login_key.verify_key),
        keys.seal_bundle(new.kek, secrets, account_id, username),
        recovery_public,
        recovery_bundle,
    )
    try:
        reply = await transport.call("/v1/account/password", request, wire.PasswordChangeReply)
    except NetworkError as error:
        stored = await salt_in_force(transport, username, salt)
        if stored:
            return b""  # stored: only the reply was lost (the next login gets a ticket)
        if stored is None and new_recovery_key is not None:
            error.args = (
                f"{error}; whether the new password and a new recovery key were set is "
                "unknown: try logging in with the new password; if it works, the recovery key "
                "you used no longer does: make a new one then",
            )
        elif stored is None:
            error.args = (
                f"{error}; whether the new password was set is unknown: try logging in with it",
            )
        else:
            # Not in force when asked; but a request still being processed (the server
            # waiting on a lock past this client's timeout) may yet store it (R22): never
            # "nothing was changed" as a fact.
            error.args = (f"{error}; {not_shown(new_recovery_key)}",)
            if new_recovery_key is not None:
                error.names["advice"] = NEW_RECOVERY_KEY
        raise
    except TJError as error:
        error.args = (f"{error}{kept(new_recovery_key)}",)
        raise
    return reply.login_ticket


def not_shown(new_recovery_key: bytes | None) -> str:
    """What a password change that got no answer, and whose salt the server does not show
    yet, tells: most likely nothing changed, but the request may still be stored late."""
    if new_recovery_key is None:
        return (
            "the server does not show the new password, so most likely nothing was changed "
            "(a request still in progress may yet set it): if the old password is refused, "
            "log in with the new one"
        )
    return (
        "the server does not show the new password, so most likely nothing was changed and "
        "the recovery key you used still works (a request still in progress may yet set it): "
        "try logging in with the new password first; if it works, the recovery key you used "
        "no longer does and the new one was never shown: make a new one then"
    )


NEW_RECOVERY_KEY = "new recovery key"
"""`TJError.names["advice"]` of an error whose message ends advising to make a new recovery
key (`not_shown`): an app may add its own command after it (the CLI: "(`tj recovery-key
new`)")."""


def kept(new_recovery_key: bytes | None) -> str:
    """What a refused password change tells about the recovery key it was to replace."""
    return "" if new_recovery_key is None else "; the recovery key you used still works"


async def salt_in_force(transport: Transport, username: str, salt: bytes) -> bool | None:
    """Whether the server's current password salt for `username` is `salt` (asked once with
    /v1/auth/prelogin); None when the server cannot be asked."""
    try:
        pre = await transport.call(
            "/v1/auth/prelogin", wire.PreloginRequest(username), wire.PreloginReply
        )
    except NetworkError:
        return None
    return pre.salt == salt


def recovery_parts(
    recovery_key: bytes, secrets: keys.AccountSecrets, account_id: bytes, username: str
) -> tuple[bytes, bytes]:
    """(recovery login public key, recovery bundle) of a raw recovery key (protocol.md 4.9):
    what the server keeps of it. Neither lets anyone derive the key."""
    return (
        bytes(keys.recovery_login_key(recovery_key).verify_key),
        keys.seal_recovery_bundle(recovery_key, secrets, account_id, username),
    )


async def replace_recovery_key(
    transport: Transport,
    username: str,
    account_id: bytes,
    secrets: keys.AccountSecrets,
    proof_key: nacl.signing.SigningKey,
) -> bytes:
    """Draw a new recovery key and have the server put it in place of the current one,
    proven with the login key (a fresh "recovery-key" challenge); returns the raw new key,
    in force once this returns. The server swaps both halves (login public key, bundle) in
    one statement, so the old key stops working as the new one starts.

    `proof_key` must be the password's login key: the server refuses the recovery login
    key here (AuthError, code `password_required`, R22 F7), since whoever copied the
    recovery key could otherwise replace it without the password. The server also signs
    out every session the old key opened alone (protocol.md 4.9).

    A request that gets no answer (NetworkError) may or may not have been stored; it is
    sent again, once, with a fresh challenge and the same new key: storing the same key
    twice changes nothing, and `proof_key` is not the recovery key, so it still proves
    either way. Raises AuthError (wrong password: nothing changed), NetworkError after the
    second attempt (the outcome is then unknown: run it again; until then the old key may
    or may not work). When the resend is refused for another reason than a wrong password
    (e.g. an expired session, a throttle), the first attempt may still have been stored:
    that error is raised saying the outcome is unknown, never that nothing changed."""
    recovery_key = keys.new_recovery_key()
    public_key, bundle = recovery_parts(recovery_key, secrets, account_id, username)

    async def send() -> None:
        challenge, signature = await signed_challenge(
            transport, username, "recovery-key", proof_key
        )
        request = wire.RecoveryKeyRequest(challenge, signature, public_key, bundle)
        await transport.call("/v1/account/recovery-key", request, wire.Empty)

    unknown = (
        "; whether the recovery key was replaced is unknown: run it again "
        "(until it succeeds, the old key may or may not work)"
    )
    try:
        await send()
    except NetworkError:
        try:
            await send()
        except TJError as error:
            # A wrong password fails both sends the same way: nothing was stored. Anything
            # else says nothing of the first send, which may have been stored.
            if not (isinstance(error, AuthError) and error.code == "auth_failed"):
                error.args = (f"{error}{unknown}",)
            raise
    return recovery_key


async def check_new_password(password: str, username: str, device_name: str = "") -> None:
    """passwords.check_password off the event loop (zxcvbn takes up to about 0.3 s, and the
    first check loads its lists), with what a guesser holding the server's data knows of this
    user as `user_inputs`: the username and, when a device is being signed in, the name it
    will carry. Raises InvalidInput for a refused password."""
    user_inputs = [username, device_name] if device_name else [username]
    await asyncio.to_thread(check_password, password, user_inputs)
