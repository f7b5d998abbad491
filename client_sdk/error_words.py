"""What the SDK says when the server refuses a call: its own plain words for each error code
of protocol.md section 7, never the server's free text (which a server could word in any
language, name its own tools in, or use to mislead a user). The server's message is kept in
`TJError.detail` for logs and debugging.

Pure: no I/O.
"""

from __future__ import annotations

import re

from client_sdk.errors import (
    SESSION_ENDED,
    SESSION_EXPIRED,
    SIGNED_OUT,
    USERNAME_TAKEN,
    WRONG_PASSWORD,
    WRONG_RECOVERY_KEY,
)

MALFORMED = "the server could not read the request (a bug in this app or the server)"

CODE_WORDS: dict[str, str] = {
    "malformed_body": MALFORMED,
    "malformed_request": MALFORMED,
    "invalid_field": "the server refused a value in the request as invalid",
    "missing_field": MALFORMED,
    "invalid_username": "a username is 3 to 64 characters (letters a-z, digits, '.', '_' or "
    "'-') and starts with a letter or digit",
    "invalid_signature": "the server refused the account's identity signature",
    "duplicate_record": "the request named one record twice",
    "too_large": "the request is larger than the server accepts",
    "auth_required": "this device is not signed in: log in again",
    "auth_failed": "the server no longer accepts this device's session: log in again (if "
    "the server then refuses the password you used until now, it may have been changed on "
    "another device, or the account may have been deleted from another device; this device "
    "still holds its copy)",
    "token_expired": "this device's session expired; log in again",
    "password_required": "only the password can replace the recovery key of a signed-in "
    "account, not the recovery key itself; nothing was changed",
    "device_revoked": "this device was signed out; log in again",
    "forbidden": "the server refused: the journal does not exist, is not shared with this "
    "account (any more), or this account's role does not allow it",
    "not_found": "the server has no such account or device",
    "method_not_allowed": MALFORMED,
    "username_taken": "that username is taken: choose another one",
    "device_id_taken": "the server says the new device id this device chose at random is "
    "taken (a broken or lying server, or a broken random source): try again",
    "journal_exists": "a journal with that id already exists on the server",
    "record_conflict": "the server holds another record with the same id",
    "stale_epoch": "the journal's key changed meanwhile on another device: sync, then try again",
    "meta_changed": "the journal was renamed or archived meanwhile on another device: sync, "
    "then try again",
    "chain_conflict": "another device changed who may read this journal meanwhile: sync, "
    "then try again",
    "conflict": "the server refused a conflicting change: sync, then try again",
    "journal_quota_exceeded": "this account owns as many journals as the server allows",
    "device_quota_exceeded": "this account has as many signed-in devices as the server "
    "allows: sign one out first",
    "storage_quota_exceeded": "this account has used all the storage the server allows",
    "share_quota_exceeded": "this account has granted as many shares as the server allows",
    "login_throttled": "too many failed sign-ins for this username or from this address",
    "write_rate_exceeded": "this account is writing faster than the server allows",
    "signup_throttled": "the server takes only so many new accounts from one address an hour",
    "invalid_kdf_cost": "the server does not accept that password-hashing cost",
    "live_limit": "this device (or account) holds as many live connections as the server allows",
    "connection_limit": "this network address has as many requests and live connections open "
    "as the server allows: try again shortly",
    "body_timeout": "the request took too long to arrive at the server: try again",
    "lookup_rate_exceeded": "this account is looking up other accounts faster than the "
    "server allows",
    "unsupported_media_type": MALFORMED,
    "internal_error": "the server failed unexpectedly and changed nothing: try again later",
    "storage_unavailable": "the server's database is unavailable and nothing was changed: "
    "try again later",
}


SIGN_IN_PATHS = frozenset(
    {
        "/v1/auth/login",
        "/v1/auth/recover",
        "/v1/account/password",
        "/v1/account/recovery-key",
        "/v1/account/delete",
    }
)
"""Calls that sign in with a password (or recovery key): there `auth_failed` means it was
wrong (or, said so by account.signed_session, that the sign-in took too long), not that
the session is invalid. Elsewhere it means the
server knows the device's session no more: logged out elsewhere, or the account deleted from
another device (the server cannot be trusted to say which: NU21 C2); the error's subject is
then SESSION_ENDED."""

RECOVER_PATH = "/v1/auth/recover"
"""The sign-in with the recovery key: its `auth_failed` is a wrong recovery key (or username)."""

CODE_SUBJECTS: dict[str, str] = {
    "device_revoked": SIGNED_OUT,
    "auth_required": SIGNED_OUT,
    "token_expired": SESSION_EXPIRED,
    "username_taken": USERNAME_TAKEN,
}
"""`TJError.subject` by the server's error code, where the code alone says the situation an
app branches on (NU45 #9: a device signed out apart from a wrong password)."""


def subject_for(code: str, path: str) -> str | None:
    """The `TJError.subject` of the server's error `code` answered to `path` ("" when not
    known), or None: a wrong password or recovery key for `auth_failed` to a sign-in
    (SIGN_IN_PATHS), SESSION_ENDED for one to a call made with the session, CODE_SUBJECTS
    for the codes of a device signed out or a session expired."""
    if code == "auth_failed" and path:
        if path not in SIGN_IN_PATHS:
            return SESSION_ENDED
        return WRONG_RECOVERY_KEY if path == RECOVER_PATH else WRONG_PASSWORD
    return CODE_SUBJECTS.get(code)


PATH_WORDS: dict[tuple[str, str], str] = {
    ("auth_failed", "/v1/auth/recover"): "wrong username or recovery key: try again",
    ("not_found", "/v1/account/identity"): "no account has that username",
    ("auth_failed", "/v1/account/password"): "the current password is wrong; nothing was changed",
    ("auth_failed", "/v1/account/recovery-key"): "the password is wrong; the recovery key "
    "was not replaced and the old one still works",
    ("auth_failed", "/v1/account/delete"): "the password is wrong; nothing was deleted",
    ("not_found", "/v1/account/identity-by-id"): "no account has that id",
    ("not_found", "/v1/devices/revoke"): "no signed-in device of this account has that id",
    ("not_found", "/v1/devices/rename"): "no signed-in device of this account has that id",
    ("not_found", "/v1/journals/rotate"): "the server says a member of the journal no longer "
    "has an account",
}


def words_for(code: str, status: int, path: str = "") -> str:
    """The SDK's message for a server error `code` answered to `path` (with HTTP `status`,
    for a code this SDK does not know)."""
    if (code, path) in PATH_WORDS:
        return PATH_WORDS[code, path]
    if code == "auth_failed" and path in SIGN_IN_PATHS:
        return "wrong username or password: try again"
    known = CODE_WORDS.get(code)
    if known is not None:
        return known
    if status >= 500:
        return f"the server failed (HTTP {status}): try again later"
    return f"the server refused the request (HTTP {status})"


SIGNUP_LIMIT = re.compile(r"at most (\d{1,9}) new accounts from one address an hour")
"""How the server's message for `signup_throttled` starts (protocol.md, error codes): its
limit, which `signup_limit_words` repeats."""


def signup_limit_words(detail: str | None) -> str:
    """The SDK's message for `signup_throttled`, naming the server's limit where its message
    (`detail`) gives it (`SIGNUP_LIMIT`; the number is the server's word about its own
    setting, shown as such and used for nothing else) and who can raise it (nu85 F2: a
    therapist signing clients up in the office otherwise waits out the hour)."""
    found = SIGNUP_LIMIT.match(detail or "")
    limit = f"at most {int(found.group(1))}" if found else "only so many"
    return (
        f"the server takes {limit} new accounts from one address an hour (a limit its "
        "operator sets, TJ_SERVER_SIGNUPS_PER_ADDRESS_PER_HOUR, and can raise for a clinic "
        "signing its clients up on site)"
    )


def not_a_journal_server(server: str, status: int) -> str:
    """The words for an answer (HTTP `status`) that is not this API's: another web server
    answers at `server` (a mistyped port or path, nu80 F3). No advice to try again: the
    same address answers the same."""
    at = f"the server at {server}" if server else "the server"
    return f"{at} does not answer as a Therapy Journal server (HTTP {status}): check the address"
