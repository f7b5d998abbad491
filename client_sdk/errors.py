"""The SDK's errors. Every error a caller can act on derives from TJError:

    TJError
    ├── AuthError         wrong password, revoked device, expired session: log in again
    ├── AccessError       the account may not see or change that journal or record
    ├── IntegrityError    a record, bundle or key failed authentication: the data was altered
    │   ├── WithheldRecordsError  signed records say records exist that the server withholds
    │   └── RollbackError the server showed an older or different access chain or key epoch
    ├── KeyChangedError   a peer's identity key differs from the one pinned: verify again
    ├── ConflictError     the server refused a write that collides with stored data
    │   └── StoreBusy     another program using this home held the local store's write
    │                     lock too long: its message says what was not done, and what to do
    ├── NotFound          no such journal, entry or account
    │   └── ShareAlreadyEnded  the share to end was ended before (its verified chain says so)
    ├── NetworkError      the server could not be reached or answered nonsense
    │   └── RateLimited   the server asks to wait `retry_after` seconds (HTTP 429): too
    │                     many failed logins, writes or lookups
    ├── InvalidInput      the caller passed something unusable (bad mood, bad name, ...)
    │   ├── SameJournalName  a name names several journals: name one by its id
    │   ├── ScopeNeeded   a share needs its scope chosen: the whole journal or some fields
    │   │   └── NotReadingNow  safety flags for someone not reading the journal now
    │   ├── SharedAgain   sharing one item, or some fields, would give again what a
    │   │                 journal kept for the member from an ended share still holds
    │   ├── FlagsWouldStop  a share change would stop safety flags reaching a member
│   ├── ReadersToConfirm  what is written next would reach other readers: say who,
│   │                 ask, confirm (a default journal moved, an import folded)
    │   ├── CostBelowMinimum  the account's password cost is below `minimum_cost`
    │   ├── UnsyncedChanges  logging out would delete changes that never reached the server
    │   └── QuotaExceeded an account limit (journals, devices, stored bytes, shares) is
    │                     reached: retrying the same request cannot succeed (HTTP 413)
    ├── UpdateNeeded      the journal holds records of a newer app version this one cannot
    │   │                 read: update the app to do that
    │   └── ChainUpdateNeeded  its access chain holds an entry of a newer chain version
    └── ClientClosed      the Client was closed or logged out, or is used from another
                          event loop than its own: open or log in again

Exceptions of aiohttp, sqlite3, msgpack and PyNaCl are translated where they occur.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from client_sdk.readers import JournalReader
    from client_sdk.safety import UndeliveredFlag
    from client_sdk.undelivered import Undelivered

BAD_VALUE = "value"
"""`TJError.subject` of an InvalidInput that refuses one value as given (the CLI exits with status 2
for it, as for a bad option value)."""

WRONG_PASSWORD = "password"
"""`TJError.subject` of an AuthError for a password the server (or, for an unfinished signup,
this device) did not take: a sign-in (where the username may be the wrong part: the server
does not say which), a password change, a new recovery key or an account deletion. Ask for
it again."""

ENTRY_EMPTY = "empty entry"
"""`TJError.subject` of an InvalidInput for an entry that would have nothing in it (no text,
title, mood, tag or emotion): nothing was changed; ask for something to write."""

PASSPHRASE_NEEDED = "passphrase needed"
"""`TJError.subject` of an AuthError for a locked profile opened without its passphrase
(`Client.needs_passphrase` tells it beforehand): ask for the passphrase."""

WRONG_PASSPHRASE = "passphrase"
"""`TJError.subject` of an AuthError for a passphrase that does not open this device's locked
profile: ask for it again (nothing else was tried: the passphrase never leaves the device)."""

WRONG_RECOVERY_KEY = "recovery key"
"""`TJError.subject` of an AuthError for a recovery key the server or the account's recovery
copy did not take (`Client.recover`): ask for it again."""

SIGNED_OUT = "signed out"
"""`TJError.subject` of an AuthError for a device whose session the server ended by another
device's word (`devices.revoke`: `device_revoked`), or that has no session (`auth_required`),
or whose live channel was refused or closed for that: log in again on this home; its unsynced
changes wait there. An `auth_failed` answered to the device's session is
SESSION_ENDED ("session ended"), an expired one SESSION_EXPIRED."""

SESSION_ENDED = "session ended"
"""`TJError.subject` of an AuthError for an `auth_failed` answered to a call made with the
device's session: the server no longer knows it (logged out elsewhere, or the account
deleted from another device: the server cannot be trusted to say which): log in
again on this home."""

SESSION_EXPIRED = "session expired"
"""`TJError.subject` of an AuthError for a session older than the server keeps
(`token_expired`): log in again on this home."""

PROFILE_ADDRESS = "profile address"
"""`TJError.subject` of the InvalidInput every request raises on a device whose profile holds
an address the SDK refuses (`SUBJECTS`; rev33a F3)."""

NOT_A_JOURNAL_SERVER = "not a journal server"
"""`TJError.subject` of an answer that is not this API's (nu80 F3): an error status whose
body is no protocol.md error reply (an HTML page: another web server at that address and
port), other than the statuses a proxy in front of a Therapy Journal server answers by itself
(transport.PROXY_STATUSES). The error keeps its status's type; never retried, and the request was not
run by a Therapy Journal server: never a refusal of what it carried (a push keeps its
changes in the outbox, a signup its unfinished signup: rev32c F2, F3)."""

OTHER_ACCOUNT_HERE = "other account here"
"""`TJError.subject` of an InvalidInput refusing a sign-in (`Client.login`, `recover`,
`check_home_for`) on a home signed in to another account, or a `signup` on a home signed in
to any account; `names`: "username" (that account's; "" when a locked profile's cannot be
read), "unsynced" (how many of its items have changes that never reached the server, in
decimal; "" when not counted). Nothing was sent: log that account out there first, or use
another home."""

USERNAME_TAKEN = "username taken"
"""`TJError.subject` of a ConflictError for a sign-up whose username another account has
(`username_taken`): ask for another username."""

AMBIGUOUS_ID = "ambiguous id"
"""`TJError.subject` of an InvalidInput for the start of an id that matches several of what
it names (entries, goals, check-ins, prompts, briefs, changes set aside: `ambiguous_id` words
it, the one place), or several journals' ids (`Context.local_journal` lists each by name and
id); and for words that name one journal (its name, its owner's username) and start another
journal's id here, which name neither: give more of the id, or words the message lists."""

NAME_TAKEN = "name taken"
"""`TJError.subject` of an InvalidInput for a journal name this account already gives
another of its journals (`journals.create`, `rename`): ask for another name."""

WEAK_PASSWORD = "weak password"
"""`TJError.subject` of an InvalidInput for a new password that is too short or too easy to
guess (`passwords.check_password`: signup, password change, recovery), or a passphrase
shorter than 8 characters (`Client.set_passphrase`): the message says why; ask for
another."""


NETWORK = "network"
"""`TJError.subject` of a NetworkError that names no narrower one ("no answer", "rate
limited"): the server could not be reached (offline, or nothing answers at its address), failed
(5xx) or sent a reply that does not fit; changes made meanwhile are kept on this device."""

RATE_LIMITED = "rate limited"
"""`TJError.subject` of RateLimited: the server asked to slow down; try again after
`retry_after` seconds."""


class TJError(Exception):
    """Base of every SDK error; `str(error)` is a message a user can act on."""

    code: str | None = None
    """The server's machine-readable error code (protocol.md section 7) when the server
    refused the call; None for errors raised on this device."""
    detail: str | None = None
    """The server's own message when it refused the call, for logs and debugging only (the
    SDK's message is its own, by `code`: error_words.py); None otherwise."""
    subject: str | None = None
    """What the error is about, for an app to add its own advice: one of `SUBJECTS` (each
    with what it means; the subjects whose error also has `names` say so there); None
    otherwise."""
    situation: str | None = None
    """The refusal without the advice after it, when it has some ("journal 'ana/Shared' is shared
    with this account read-only", without ": to add notes, ask ana ..."): for a message about
    something else that names it as its reason, or for an app that gives its own advice instead."""
    names: dict[str, str]
    """The things the message names that an app needs to act on it in its own words, by role (the
    SDK's message names no app's command); empty for most errors. By subject: "share ended
    elsewhere" (a member's share ended by the server's word, nothing changed: "journal", "member";
    "source" and "fields", comma-separated, when the journal is the copy of some fields of "source"
    kept for them; when known, the terms they held by the verified chain: "role", "until" (ms
    UTC, decimal; absent: no end date) and "fingerprint" (computed from the identity the chain
    holds for them: `Departure.held_fingerprint`)), "share still served" (a copy the owner's chain still grants: "journal"), "unsent
    copy" (a copy kept because changes of this device in it are not on the server: "journal",
    "unlisted" ("yes" when the user said the share ended), "set aside" (the ids, space-separated, of
    one change per document set aside, at most 3), "set aside count"), "share active" (a copy whose
    share is still active: "journal"; "copies", tab-separated names of read-only copies of an erased
    account that bore its owner's username, and "unlisted copies" those of them that need the user's
    word that the share ended), "account gone" (an account this device knew is no longer on the
    server: "username"), "withdrawal refused" (`RefusedWithdrawal.names()`: "kind", "note", "owner",
    "journal", "why", "retry"), "not the signup's account" ("username", "kept": the kept file's
    path, "account": its id), "kept recovery key" ("home", "username", "server", "account"),
    "unfinished signup" and "signup not on server" ("username", "server": the signup's
    address, "account": its id, hex; rev33b F5),
    "signup maybe made here" ("username", "server": the address signed up at, "through": the
    earlier signup's), "undelivered" ("members": their usernames, comma-separated), "unsent before leaving"
    ("journal", "journal id", "acknowledgements": the flags' ids, space-separated, "waiting"),
    "value" for an id of a document that is no id at all (a goal's title given as its id: "kind",
    the kind of document wanted: "goal", "safety_flag", "entry", ...). Of any
    subject: "advice" is "new recovery key" when the message ends advising to make a new recovery
    key (a password change whose outcome is not known: `Client.replace_recovery_key` makes one),
    "name a journal" when it ends advising to name a journal to import the whole file into (an
    import refused for a journal of the file named as no journal may be: "journal", that name;
    `portability.NAME_A_JOURNAL`)."""

    def __init__(
        self,
        *args: object,
        subject: str | None = None,
        situation: str | None = None,
        names: dict[str, str] | None = None,
    ) -> None:
        super().__init__(*args)
        if subject is not None:
            self.subject = subject
        if situation is not None:
            self.situation = situation
        self.names = dict(names or {})


SET_ASIDE_WORDS = "set aside words"
"""`TJError.subject` of a delete for good refused because the document has a change the
server refused for good, whose words are on no other device (`names`: the document's kind,
"goal", with its id in hex): drop that change first (`Client.drop_set_aside`)."""

UNCONFIRMED_UNSHARE = "unconfirmed unshare"
"""`TJError.subject` of a logout refused because the end of a share made on this device is
not confirmed by the server (`Client.logout`)."""


class AuthError(TJError):
    """Wrong password or recovery key, a revoked device or an expired session (HTTP 401):
    log in again (`Client.login`)."""


def _quoted(name: str) -> str:
    """`models.quoted_name` (imported at the call: `models` imports this module)."""
    from client_sdk.models import quoted_name

    return quoted_name(name)


class AccessError(TJError):
    """The account may not see or change that journal or record (HTTP 403), e.g. a reader
    adding a note, or a member sharing a journal they do not own."""


class JournalArchived(AccessError):
    """Nothing was written: the journal `journal` (its name; `journal_id`, its id in hex, or
    "") is archived by its owner, this account; unarchiving it (`Journals.unarchive`) takes
    writes again. Subject "archived"."""

    def __init__(self, journal: str, journal_id: str = "") -> None:
        self.journal = journal
        self.journal_id = journal_id
        super().__init__(
            f"journal {_quoted(journal)} is archived: unarchive it first", subject="archived"
        )


class IntegrityError(TJError):
    """A record, key bundle, share envelope or access chain failed authentication: someone
    (the server, or whoever altered its disk) changed, moved or forged data. `record_id` is
    the record concerned, if any. A sync never raises it for a record: it sets the record
    aside in `SyncReport.problems` and `Client.problems()`."""

    def __init__(self, message: str, record_id: bytes | None = None) -> None:
        super().__init__(message)
        self.record_id = record_id


class WithheldRecordsError(IntegrityError):
    """The server did not deliver records that signed records say exist (protocol.md
    "Withholding"). `report` is the SyncReport of the sync that found it (its `withheld`
    lists journal, author device and missing counters); the sync itself completed."""

    def __init__(self, message: str, report: object) -> None:
        super().__init__(message)
        self.report = report


class RollbackError(IntegrityError):
    """The server served a journal's access chain shorter than, or different from, the one
    this device verified, or an older key epoch: nothing is sealed for that journal until
    it serves the verified state again."""


class CostLowered(IntegrityError):
    """The server names a password hashing cost below the one this device (or home) knows
    the account's password has: nothing was derived or signed. Either
    the password was changed on another device at a lower cost since (this home then takes
    the new cost only when signed in again: log out, then log in), or the server is weakening
    the hash to test guesses cheaply. `username`, `server_url` and `where` ("this device",
    "this home") say which sign-in to make again."""

    def __init__(self, message: str, username: str, server_url: str, where: str) -> None:
        super().__init__(message)
        self.username = username
        self.server_url = server_url
        self.where = where


KEYS_CHANGED = "keys changed"
"""`TJError.subject` of a KeyChangedError for identity keys other than the ones this device
pinned (or an account other than the one pinned under that name): compare fingerprints in
person, then accept the new keys."""

FINGERPRINT_MISMATCH = "fingerprint mismatch"
"""`TJError.subject` of a KeyChangedError for a fingerprint given (typed) that does not match
the keys the server gives the name: compare it again (a typo, or someone else's keys)."""


class KeyChangedError(TJError):
    """A peer's identity keys differ from the ones this device pinned, or from the
    fingerprint given: nothing was shared. Compare fingerprints in person, then
    `client.shares.verify(username, fingerprint)`. `username`: whom to verify, when the
    message asks to accept their new keys (else None); `said(verify=...)` is the message with
    the app's own words for that after "accept the new keys" (the CLI: " (`tj verify kim
    FINGERPRINT`)"); the message itself names no app's commands. Subject "fingerprint
    mismatch" (FINGERPRINT_MISMATCH) when the fingerprint given does not match the keys the
    server gives the name, else "keys changed" (KEYS_CHANGED: other keys, or another account,
    than the ones pinned here)."""

    username: str | None = None
    subject = KEYS_CHANGED

    def __init__(
        self, message: str, *, username: str | None = None, subject: str = KEYS_CHANGED
    ) -> None:
        """`message` holds "{verify}" where an app's words go when `username` is given."""
        self._template = message if username is not None else None
        super().__init__(
            message.format(verify="") if username is not None else message, subject=subject
        )
        self.username = username

    def said(self, verify: str = "") -> str:
        """The message with `verify` (the app's words, e.g. " (`tj verify kim FINGERPRINT`)")
        where it says to accept the new keys; the message as it is when it does not."""
        if self._template is None:
            return str(self)
        return self._template.format(verify=verify)


class ConflictError(TJError):
    """The server refused a write that collides with stored data (HTTP 409), e.g. a
    username already taken or a key epoch another device just rotated."""


class RenamedElsewhere(ConflictError):
    """A rename (or archive) of a journal did not take: another device of the owner gave
    the journal another name meanwhile, or archived or unarchived it (then nothing of this
    call was stored), or signed its name with a later `named_at` (protocol.md 4.14). `name`
    is the journal's name now, `wanted` the name this call gave, `before` the name the
    journal had when the call began. An app shows it and lets the user rename again.
    Subject "renamed elsewhere"."""

    subject = "renamed elsewhere"

    def __init__(self, name: str, wanted: str, *, before: str) -> None:
        if name == wanted:
            message = (
                f"journal {_quoted(before)} was renamed or archived meanwhile on another device: "
                "nothing was changed here; sync, then try again"
            )
        else:
            message = (
                f"journal {_quoted(before)} was renamed {_quoted(name)} meanwhile on another device: your "
                f"name {_quoted(wanted)} was not kept; rename it again to use it"
            )
        super().__init__(message)
        self.name = name
        self.wanted = wanted
        self.before = before


STORE_BUSY = "store busy"
"""`TJError.subject` of StoreBusy."""


class StoreBusy(ConflictError):
    """Nothing was written (at an open: nothing changed): another program using this home
    (another `tj`, an app) held the local store's write lock for longer than a write waits
    (`client_sdk.database.WRITE_WAIT_S`, 5 seconds), say a large sync or import of its own:
    at a write, or at `Client.open` while it brings a store an earlier version made up to
    date. The store is busy, not damaged: its data is whole. The wait never holds the event
    loop. Try again (once that program is done). Subject "store busy"; the SQLite error
    ("database is locked") is its `__cause__`. `opening` (bool): raised while opening the
    store, which is then not opened, and the message says so. `account_deleted` (bool):
    raised by `Client.delete_account` once the account was deleted, when its local data
    could not be deleted: the message says to log out on this device once that program is
    done, which deletes it. `signing_in` (bool): raised by `Client.signup`, `login` or
    `recover` while they deleted the data of an earlier logout of this home that was cut
    short: the sign-in was not made on this device; try again. `logged_out` (bool): raised
    by `Client.logout` once the device was logged out (its store ended for every writer),
    when its local data could not be deleted: the message says the deletion is still owed
    and that the next opening of this home (logging out again, say) does it."""

    subject = STORE_BUSY

    def __init__(
        self,
        *,
        opening: bool = False,
        account_deleted: bool = False,
        signing_in: bool = False,
        logged_out: bool = False,
    ) -> None:
        busy = (
            "another program using this device's journal (another tj, or an app) kept it busy "
            "for too long"
        )
        if logged_out:
            message = (
                f"this device was logged out, but {busy}, so its data on this device is not "
                "deleted yet: once that program is done, log out on this device again (or run "
                "any other command there), which deletes it"
            )
        elif signing_in:
            message = (
                f"the data an earlier logout left on this device is to be deleted before a "
                f"sign-in, and {busy}: the sign-in was not made on this device; try again in "
                "a moment"
            )
        elif account_deleted:
            message = (
                "the account was deleted, but another program using this device's journal "
                "(another tj, or an app) kept it busy for too long, so its data on this "
                "device was not deleted: once that program is done, log out on this device "
                "to delete it"
            )
        else:
            what = (
                "it was not opened, and nothing was changed" if opening else "nothing was written"
            )
            message = (
                "another program using this device's journal (another tj, or an app) is "
                f"writing to it and kept it busy for too long: {what}; try again in a moment"
            )
        super().__init__(
            message, situation="another program using this device's journal kept it busy"
        )
        self.opening = opening
        self.account_deleted = account_deleted
        self.signing_in = signing_in
        self.logged_out = logged_out


class NotFound(TJError):
    """No such journal, entry, goal, prompt, device or account (on this device, or on the
    server: HTTP 404). Ids may be given as a unique prefix of 4+ hex digits."""


class NotShared(NotFound):
    """`Shares.revoke(..., new_key_if_not_shared=False)`: `member` (a username) is not, and
    never was, a member of `journal` or of a copy of it by the verified access chains on this
    device, so nothing was changed (no new key either): most often a mistyped name. `close`
    names the journal's members (current or former) whose names are close to it, best first,
    for a "did you mean" hint. Subject "not shared"; a NotFound, so code that catches
    NotFound still does."""

    subject = "not shared"

    def __init__(
        self, message: str, *, journal: str, member: str, close: tuple[str, ...] = ()
    ) -> None:
        super().__init__(message)
        self.journal = journal
        self.member = member
        self.close = close


class ShareAlreadyEnded(NotFound):
    """`Shares.revoke`: nothing to end, the share was ended before this call (by another
    device of this account, at the same moment or earlier): the verified access chains of
    the journals it names show `member` (a username) a former member and a current member
    of none, with no problem; decided from them, never from the server's word (a server
    that stops serving a member makes no share look ended). `journal` is the journal named.
    An app may take it as done: `tj unshare` says so and exits 0. Subject "share
    already ended"; a NotFound, so code that catches NotFound still does."""

    subject = "share already ended"

    def __init__(self, message: str, *, journal: str, member: str) -> None:
        super().__init__(message)
        self.journal = journal
        self.member = member


class WrongKind(NotFound):
    """A document asked for by id as one kind (`wanted`: a goal by `Goals.get`, a
    questionnaire result by `Measures.history`...) whose id, or unique prefix, names one
    document of another kind this device holds, and none of the kind asked for (so that the message
    can say what the id is). `kind` is the document's kind ("entry", "note", "prompt", "measure",
    "goal", ...; documents.py and the modules that define them; "journal" for a journal's id,
    "checkin" for a goal's check-in's), `id` its full id (hex; a check-in's: its goal's). Subject
    "wrong kind"; a NotFound, so code that catches NotFound still does (a sync does not change what
    a document is: it is not one of subject "document")."""

    subject = "wrong kind"

    def __init__(self, message: str, *, kind: str, id: str, wanted: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.id = id
        self.wanted = wanted


class NotAnEntry(WrongKind):
    """An entry asked for by id (`Entries.get`, `edit`, `delete`...) whose id, or unique
    prefix, names another document this device holds: a note or prompt, a questionnaire
    result, a goal...: a WrongKind whose `wanted` is "entry". Subject "not an
    entry"."""

    subject = "not an entry"

    def __init__(self, message: str, *, kind: str, id: str) -> None:
        super().__init__(message, kind=kind, id=id, wanted="entry")


class NetworkError(TJError):
    """The server could not be reached, failed (5xx), asked to slow down (429) or answered
    nonsense: a reply that does not fit its message (a wrong type, a missing field, a number
    out of range such as a time past `wire.MAX_TIME_MS`) is one, not transient, and nothing
    of that reply is used. `transient` ones are retried (transport.RetryPolicy);
    `retry_after` is the wait in seconds the server asked for (its Retry-After header), if
    any. `unsent`: no attempt of the request got a connection to the server, so no byte of
    it left this device (a connection refused or not made); False whenever it may have left
    (a push the server did not acknowledge may still have been stored). Subject NETWORK
    unless a narrower one is given ("no answer")."""

    subject: str | None = NETWORK

    def __init__(
        self,
        message: str,
        transient: bool = True,
        retry_after: float | None = None,
        unsent: bool = False,
    ) -> None:
        super().__init__(message)
        self.transient = transient
        self.retry_after = retry_after
        self.unsent = unsent


class ClientClosed(TJError):
    """The `Client` was closed (`close()`, or leaving its `async with`) or logged out
    (`logout()`) and is used again: its local store is closed. Make a new one (`Client.open`
    of the home after `close`, `Client.login` after `logout`). Subject "closed"; "other event
    loop" for a Client used from another event loop than the one it was opened in (loops.py:
    open the home again in this one)."""

    subject = "closed"


class InvalidInput(TJError):
    """The caller passed something unusable: a mood outside 1 to 10, a name too long, a
    malformed id, an unknown emotion (HTTP 400 from the server). Nothing was changed."""


def ambiguous_id(words: str, matched: str) -> InvalidInput:
    """The refusal of `words`, the start of an id that matches several documents, `matched`
    saying what (`context.matched_kinds`: "an entry and a goal", "2 check-ins"): "abcd matches
    2 check-ins: give more of the id", subject AMBIGUOUS_ID; `words` as given, unquoted, as
    every such message says them. Pure."""
    return InvalidInput(f"{words} matches {matched}: give more of the id", subject=AMBIGUOUS_ID)


class SameJournalName(InvalidInput):
    """A journal name that names several journals of this device (`name`, as given; the same name
    given on two devices offline; a read-only copy's name, for what destroys data): nothing was
    done. `journal_ids` are their full ids (sorted), `copies` those of them that are read-only
    copies; the message names no app's commands (`same_names.same_name_text`, `copy_same_name_text`
    take an app's own words). Subject "same name"."""

    subject = "same name"

    def __init__(
        self,
        message: str,
        *,
        name: str,
        journal_ids: list[bytes],
        copies: frozenset[bytes] = frozenset(),
    ) -> None:
        super().__init__(message)
        self.name = name
        self.journal_ids = sorted(journal_ids)
        self.copies = copies


class ScopeNeeded(InvalidInput):
    """Nothing was shared: what the member is to read must be chosen first, the whole
    journal (`full=True`) or some fields of it (`only=[...]`), and a share never widens or
    starts as a side effect of a new role or end date. `situation` is the reason in plain
    words, naming no parameter (an app adds its own advice; `str(error)` adds the SDK's);
    `journal` is the journal to share (for a field-level copy: its source, or None when
    this device does not hold it), `journal_id` its id in hex (None when not known),
    `member` the member's username and `fields` the fields they read before (of a copy
    whose share ended), if any."""

    def __init__(
        self,
        situation: str,
        *,
        journal: str | None,
        member: str,
        fields: tuple[str, ...] | None = None,
        journal_id: str | None = None,
    ) -> None:
        self.situation = situation
        self.journal = journal
        self.journal_id = journal_id
        self.member = member
        self.fields = fields
        target = _quoted(journal) if journal is not None else "the journal"
        if fields:
            advice = (
                f"to share those fields again, share {target} with only={list(fields)}; "
                "the whole journal (every entry in full, also those written before) with "
                "full=True"
            )
        else:
            advice = (
                f"share {target} with full=True for the whole journal (every entry in full, "
                "also those written before), or with only=[...] for some fields"
            )
        super().__init__(f"{situation}. {advice[:1].upper()}{advice[1:]}", subject="share scope")


class NotReadingNow(ScopeNeeded):
    """Nothing was shared (`Shares.grant` with `safety_flags=True` and without `full=True`):
    `member` does not read `journal` now by its access chain as the call's sync left it, the
    chain the share would be signed on (`ended` False: the chain never named them as a
    member, or they were removed; True: their share of it ended, by its end date or
    ended), so the share would give them all of it, also what was written before or while
    it had ended, on any of the account's devices. Decided there, never on this device's
    older copy of the chain: a device that has not synced since another one ended the share
    is asked too (rev31b F1). Ask the user, then call again with `full=True`."""

    def __init__(self, situation: str, *, journal: str, member: str, ended: bool) -> None:
        super().__init__(situation, journal=journal, member=member)
        self.ended = ended
        self.args = (
            f"{situation}. To share all of {_quoted(journal)} with them and opt them in for "
            "safety flags, ask the user, then share it again with full=True",
        )


@dataclass(frozen=True)
class ItemAgain:
    """An item a journal kept for a member holds, which sharing that journal with them
    again gives them (`SharedAgain`): `kind` "entry" or "result", `id` the copy's id (hex,
    as `tj list --journal` shows it), `at` when it was written or taken (UTC) and `summary`
    a few words of it (an entry's title or start of its text, as far as it was shared; a
    result's measure and score)."""

    kind: str
    id: str
    at: datetime
    summary: str


class SharedAgain(InvalidInput):
    """Nothing was shared (`Shares.grant_entry`, `Measures.share`, `Shares.grant` with
    `only`): `member`'s share of a journal kept for them (`journal`: the journal of single
    items, "Shared with drsmith", or a field-level copy, "Personal (mood, tags) for
    drsmith") had ended, so sharing one item there, or those fields again, shares that
    journal with them again, and a new member receives what it holds: `items` (`ItemAgain`),
    besides the one asked for. Sharing them too is a choice of its own: pass their
    ids (`again=[...]`) to agree, or move them to the trash first (a copy in the trash is
    never given to a new member)."""

    subject = "shared again"

    def __init__(
        self, message: str, *, journal: str, member: str, items: tuple[ItemAgain, ...]
    ) -> None:
        super().__init__(message)
        self.journal = journal
        self.member = member
        self.items = items


NARROWING = "narrowing"
READ_ROLE = "read role"


class FlagsWouldStop(InvalidInput):
    """Nothing was changed (`Shares.grant` with `only`, or with `role="read"`): a safety flag
    raised now in `journal` (a PHQ-9 item 9 answered above 0) is sealed for `member`
    (`SafetyPath.flags_reach` "on": the owner's signed plan and the journal's verified access
    chain), and the change would stop that. `reason` says which: NARROWING ("narrowing":
    their whole-journal share narrowed to some fields; a field-level copy carries no safety
    flag, so no flag reaches them from then on) or READ_ROLE ("read role": a
    member who only reads could never mark a flag as read, so none is sealed for them while
    they hold the read role; the opt-in stands and counts again once they hold the annotate
    role again). Stopping them is a choice of its own: tell the user, ask, then call again
    with `stop_flags=True`."""

    subject = "safety flags"

    def __init__(self, message: str, *, journal: str, member: str, reason: str = NARROWING) -> None:
        super().__init__(message)
        self.journal = journal
        self.member = member
        self.reason = reason


class StillShared(InvalidInput):
    """Nothing was ended (`Shares.revoke`): the member has no share of the journal itself
    left, but still reads part of it (`reading`: names of journals kept for them whose
    verified chain shows them a current member, e.g. the journal of single items holding
    entries of it), or this device cannot tell (`unsure`: such journals whose chain has a
    problem). `situation` says it in plain words, naming no command; `member` is their
    username; `journal_ids` the ids (hex) of the journals of `reading` then `unsure`, in
    that order (empty when not known). Ending those is a choice of its own: `revoke` of each
    journal named."""

    def __init__(
        self,
        situation: str,
        *,
        member: str,
        reading: tuple[str, ...],
        unsure: tuple[str, ...],
        journal_ids: tuple[str, ...] = (),
    ) -> None:
        self.situation = situation
        self.member = member
        self.reading = reading
        self.unsure = unsure
        self.journal_ids = journal_ids
        named = ", ".join(_quoted(j) for j in (*reading, *unsure))
        super().__init__(
            f"{situation}. To end it, stop sharing each with them: {named}",
            subject="still shared",
        )


class ReadersToConfirm(InvalidInput):
    """Nothing was changed: what is written from now on would reach other readers than the
    user may think, by journals' access chains verified on this device, and the user says
    whether they mean it (tell them: `situation` says it in plain words, naming no
    parameter; ask; then call again confirming, as `tj journal default` and `tj import
    --journal` ask). By `subject`:

    - "readers left" (`client.journals.set_default`): the default journal until now,
      `journal` (its name; `journal_id`, hex), is read by `readers`, who do not read the
      journal chosen, or sends safety flags to `flags`, whom its flags do not reach;
      confirmed with `leave_readers=True`;
    - "shared default" (`client.journals.set_default`): the journal chosen by its name,
      `journal` (`journal_id`), is read by `readers` (a server can serve an older name of a
      journal shared since: protocol.md 4.14), whether it was named by its name or by its
      id (an id tells the user nothing of who reads it, fix30b 8); confirmed with
      `even_if_shared=True`;
    - "fold into shared" (`client.archive.import_json` with `into`): the file's journals of
      other names, `folded` (their names), would go into `journal`, read by `readers`;
      confirmed with `fold_into_shared=True` (`journal_id` is "" while that journal is not
      made yet).

    - "plan readers" (`client.safety.copy_plan`): the journal to copy a safety plan into,
      `journal` (`journal_id`), is read by `readers`, whom its words would reach; confirmed
      with `to_readers=True`.

    `readers` and `flags` are `JournalReader`s (account id, username, role, end date),
    counted as for what is written next (`client.journals.readers`: on the owner's devices
    a member whose signed end date passed does not count). "readers left" with neither
    and `journal` "": the default journal (`journal_id`) is not on this device, so who
    reads it cannot be checked here (`situation` says so). `names` keeps the same as text, by role, as before
    ("readers", "flags": usernames, ", "-joined; "journal", "journal id", "folded":
    tab-separated)."""

    def __init__(
        self,
        message: str,
        *,
        subject: str,
        situation: str,
        journal: str,
        journal_id: str,
        readers: tuple[JournalReader, ...],
        flags: tuple[JournalReader, ...] = (),
        folded: tuple[str, ...] = (),
        names: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message, subject=subject, situation=situation, names=names)
        self.journal = journal
        self.journal_id = journal_id
        self.readers = readers
        self.flags = flags
        self.folded = folded


class CostBelowMinimum(InvalidInput):
    """Nothing was derived or sent: the password hashing cost the server gives for the
    account (`cost`) is below the `minimum` this call accepts (its `minimum_cost`
    parameter, `INTERACTIVE` by default). For a real account the server is weakening the
    hash and is refused; an account made for tests with `kdf_cost=INSECURE_TEST_COST` is
    opened with `minimum_cost=INSECURE_TEST_COST` (`Client.login`, `change_password`,
    `replace_recovery_key`, `delete_account`; never for real accounts). `situation` says
    it in words naming no parameter (the CLI adds its own flag); subject "password cost"."""

    subject = "password cost"

    def __init__(self, situation: str, *, cost: object, minimum: object) -> None:
        self.situation = situation
        self.cost = cost
        self.minimum = minimum
        super().__init__(
            f"{situation}; refusing to derive keys. An account made for tests with "
            "kdf_cost=INSECURE_TEST_COST is opened with minimum_cost=INSECURE_TEST_COST "
            "(tests only); for a real account, the server is asking for a weaker password "
            "hash than this client accepts"
        )


def unsent_flags_words(flags: tuple[UndeliveredFlag, ...]) -> str:
    """The safety flags `flags` (`UnsyncedChanges.flags`) named, for its message: ", among
    them the safety flag of your PHQ-9 of ... (item 9 answered 2; flag 1a2b3c4d) for drsmith,
    which never reaches them once deleted: sync it first, or tell them directly"; "" for none.
    Pure."""
    if not flags:
        return ""
    named = "; ".join(
        f"{flag.named()} for {', '.join(flag.members) or 'the people it is for'}" for flag in flags
    )
    one = len(flags) == 1
    # one a push carried with no reply (`safety.NO_ANSWER`, not imported: safety imports
    # this module) the server may hold
    maybe = (
        " (or may never, one sent with no answer)"
        if any(f.cause == "no answer" for f in flags)
        else ""
    )
    # one the server acknowledged, then never served back (`safety.WITHHELD`): no sync of
    # this device sends it again (rev29d F1)
    if any(f.cause == "withheld" for f in flags):
        maybe += (
            " (the server acknowledged storing "
            f"{'it' if one else 'some'} but has not served {'it' if one else 'them'} back: "
            "this device holds the only copy)"
        )
    return (
        f", among them {named}, which never {'reaches' if one else 'reach'} them once "
        f"deleted{maybe}: sync {'it' if one else 'them'} first, or tell them directly"
    )


class UnsyncedChanges(InvalidInput):
    """Nothing was deleted (`Client.logout`): `count` entries, goals, notes and other
    documents have changes written on this device that never reached the server (counted as
    `Client.unsynced_changes` counts them), more than the `agreed` the call's
    `discard_unsynced` allowed (0 by default), and logging out would delete them for good.
    `set_aside`: how many changes among them the server refused for good
    (`len(await client.set_aside())`: no sync sends those). `signed_out`: True when they
    were found after the server ended this device's session (logout's last count:
    written by another program meanwhile): a sync cannot send them then; a login again on
    this home (`Client.login`) keeps them and sends them. Sync first (`Client.sync`) when
    the server can be reached; to log out anyway, ask the user, then call
    `logout(discard_unsynced=count)`. `erasing`: True when it was `Client.delete_account` that
    refused (nothing was erased, on the server either), which takes `discard_unsynced` alike.
    `erased`: with `erasing`, found by its last count, after the server erased the account
    (written by another program meanwhile, in the transaction that was to end the store):
    the account is gone, this device's data is kept, holding them (readable, exportable);
    `logout(discard_unsynced=count)` of the home opened again deletes it once they are kept.
    `copies`: the names of the read-only copies of this account's own journals the server no
    longer serves (maybe the only copies left) that the call's `discard_copies` did not agree
    to lose (`count` 0 when they alone stopped the logout). `sendable`: of the `count` items,
    how many a sync can still send (`Client.unsynced_changes(sendable=True)`), when known
    (None: not counted): 0 when every one's changes were refused for good, which no sync
    sends (the message then advises none). `flags`: the safety flags among them
    (`client.safety.unsent()`'s `UndeliveredFlag`s: still on this device, or sent with no
    answer confirming the server stored them), each of which never reaches the people it is
    for once deleted: the message names each (`UndeliveredFlag.named`) and whom it is for, and
    says to sync first or tell them directly (an export keeps a flag's words, never its
    delivery: no import sends one). Subject "unsynced changes"."""

    subject = "unsynced changes"

    def __init__(
        self,
        count: int,
        *,
        set_aside: int = 0,
        agreed: int = 0,
        signed_out: bool = False,
        erasing: bool = False,
        erased: bool = False,
        copies: tuple[str, ...] = (),
        sendable: int | None = None,
        flags: tuple[UndeliveredFlag, ...] = (),
    ) -> None:
        self.count = count
        self.flags = flags
        self.copies = copies
        self.sendable = sendable
        self.set_aside = set_aside
        self.agreed = agreed
        self.signed_out = signed_out
        self.erasing = erasing
        self.erased = erased
        items = f"{count} item{'' if count == 1 else 's'}"
        refused = (
            f" (the server refused {set_aside} change{'' if set_aside == 1 else 's'} of them "
            "for good: no sync sends those, nor a login again; Client.set_aside() exports "
            "their words)"
            if set_aside
            else ""
        )
        more = f", more than the {agreed} agreed (discard_unsynced={agreed})" if agreed else ""
        more += unsent_flags_words(flags)
        then = (
            "The server already signed this device out, so a sync cannot send them: log in "
            "again on this home (Client.login keeps them and sends them), or log out with "
            f"discard_unsynced={count} once the user agreed to lose them"
            if signed_out
            else "Sync first when the server can be reached, or log out with "
            f"discard_unsynced={count} once the user agreed to lose them"
        )
        if erasing:
            then = (
                "Sync first when the server can be reached, or erase the account with "
                f"discard_unsynced={count} once the user agreed to lose them"
            )
        if sendable == 0 and count:  # all refused for good: no sync, no login (NU73 F2)
            verb = "erase the account" if erasing else "log out"
            then = (
                f"Keep their words first, then {verb} with discard_unsynced={count} once the "
                "user agreed to lose them"
            )
        if erased:
            super().__init__(
                f"the account was erased on the server, but changes to {items} (entries, "
                f"goals, notes...) were written on this device meanwhile{refused}{more}, on "
                "no server: this device's data is kept, holding them. Keep their words "
                "(export them), then delete this device's data: open its home again "
                f"(Client.open), then logout(discard_unsynced={count})"
            )
            return
        action = "erasing the account" if erasing else "logging out"
        if copies:
            names = ", ".join(_quoted(name) for name in copies)
            one = len(copies) == 1
            it = "it" if one else "them"
            gone = (
                f"the {'journal' if one else 'journals'} {names} of this account "
                f"{'is' if one else 'are'} no longer on the server (deleted on another device, "
                "or withheld by it) and this device holds a read-only copy that may be the only "
                f"one left: logging out would delete {it} for good. Export {it} first "
                "(archive.export_json), or log out with discard_copies=True once the user "
                f"agreed to lose {it}"
            )
            if not count:
                out = (
                    ". The server already signed this device out: log in again on this home "
                    "to use it (Client.login keeps what it holds)"
                    if signed_out
                    else ""
                )
                super().__init__(f"{gone}{out}. Nothing was deleted")
                return
            super().__init__(
                f"changes to {items} (entries, goals, notes...) written on this device have "
                f"not reached the server{refused}{more}, and {action} would delete them for "
                f"good. {then}; and {gone}. Nothing was deleted"
            )
            return
        super().__init__(
            f"changes to {items} (entries, goals, notes...) written on this device have not "
            f"reached the server{refused}{more}, and {action} would delete them for good. "
            f"{then}. Nothing was {'erased' if erasing else 'deleted'}"
        )


class UnsentChanges(InvalidInput):
    """Nothing was deleted (`Journals.delete`): the journal `journal` (its name as this device
    knows it; `journal_id`, hex) holds changes written on this device that reached neither the
    server nor any other device, and deleting it would destroy their words for good.
    `set_aside`: the ids (hex) of those the server refused for good, oldest first
    (`Client.set_aside()` lists them with their words, `SetAsideChange.record_id`;
    `Client.drop_set_aside(id)` drops those of one document); `documents`: the ids (hex) of
    the documents (entries, notes, goals...) they change, oldest first, one each; `waiting`:
    how many more still wait in the outbox (a sync sends them, or sets aside those the server
    refuses); `documents_count`: how many documents all of them change, `unsent_documents`
    their ids (hex), oldest first (an app that asked the user about those compares the
    next answer's with them before `drop_unsent=True`: another program may have written
    more since). Keep their words,
    then drop them, or call again with `drop_unsent=True` once the user agreed to lose them.
    `kept_copy`: the journal was deleted on the server all the same, and changes written
    meanwhile (by another program on this profile) were found in the same local transaction
    that was to remove it: it is kept on this device as a read-only copy holding them, each
    set aside with its words (then `waiting` is 0); discard the copy once they are kept or
    dropped. Subject "unsent changes"."""

    subject = "unsent changes"

    def __init__(
        self,
        *,
        journal: str,
        journal_id: str,
        set_aside: tuple[str, ...],
        documents: tuple[str, ...],
        waiting: int,
        documents_count: int,
        kept_copy: bool = False,
        unsent_documents: tuple[str, ...] = (),
    ) -> None:
        self.journal = journal
        self.journal_id = journal_id
        self.set_aside = set_aside
        self.documents = documents
        self.waiting = waiting
        self.documents_count = documents_count
        self.kept_copy = kept_copy
        self.unsent_documents = unsent_documents
        parts = []
        if set_aside:
            n = len(set_aside)
            parts.append(
                f"{n} change{'' if n == 1 else 's'} the server refused for good (set aside: "
                f"{', '.join(i[:12] for i in set_aside[:3])}{', ...' if n > 3 else ''})"
            )
        if waiting:
            parts.append(f"{waiting} change{'' if waiting == 1 else 's'} waiting to be sent")
        items = f"{documents_count} item{'' if documents_count == 1 else 's'}"
        situation = (
            f"journal {_quoted(journal)} holds {' and '.join(parts)}, written on this device "
            f"and on no other device ({items}): deleting it would lose their words for good"
        )
        advice = (
            "Keep their words (Client.set_aside() lists them), drop them "
            "(Client.drop_set_aside), then delete it again; or delete it with drop_unsent=True "
            "once the user agreed to lose them. Nothing was deleted"
        )
        if kept_copy:
            situation = (
                f"journal {_quoted(journal)} was deleted on the server, but changes were "
                f"written in it on this device meanwhile ({items}), on no other device"
            )
            advice = (
                "It is kept on this device as a read-only copy holding them, set aside with "
                "their words (Client.set_aside() lists them): keep them, drop them "
                "(Client.drop_set_aside), then delete the copy"
            )
        super().__init__(
            f"{situation}. {advice}",
            situation=situation,
            names={"journal": journal, "journal id": journal_id},
        )


class SafetyUndelivered(InvalidInput):
    """Nothing was deleted (`Client.delete_account`, `Journals.delete`): a member may not
    have received a safety flag sealed for them, a questionnaire result with its safety
    item (PHQ-9 item 9) answered above 0, or a pre-session brief shared with them that says
    such an answer (`Shares.undelivered`), and the deletion erases it
    from the server: what their device has not downloaded by then never reaches them, though
    the user may have been told they would see it. `undelivered`: member username to the
    items (`Undelivered`, oldest first), counted after a sync when the server answered
    (which also sent a flag still waiting on this device, and brought the latest
    acknowledgements). Whether a member's device downloaded it cannot be known, only whether
    they marked a flag read: tell the user, who may contact the member or wait until the
    flag is marked read; ask, then call again with `discard_undelivered=True`. Subject
    "undelivered"."""

    subject = "undelivered"

    def __init__(self, undelivered: Mapping[str, list[Undelivered]], *, erasing: str) -> None:
        self.undelivered = dict(undelivered)
        count = sum(len(items) for items in self.undelivered.values())
        flags = sum(
            1 for items in self.undelivered.values() for u in items if u.kind == "safety_flag"
        )
        what = (
            f"{flags} safety flag{'' if flags == 1 else 's'} not marked read"
            if flags == count
            else f"{count} safety item{'' if count == 1 else 's'} ({flags} safety flag"
            f"{'' if flags == 1 else 's'} not marked read)"
        )
        members = ", ".join(sorted(self.undelivered))
        situation = (
            f"{members} may not have received {what}, and erasing {erasing} erases "
            "it from the server: what their device has not downloaded never reaches them"
        )
        super().__init__(
            f"{situation}. Ask the user (they may tell {members} themselves, or wait until it "
            "is marked read), then call again with discard_undelivered=True. Nothing was "
            "deleted",
            situation=situation,
            names={"members": members},
        )


class QuotaExceeded(InvalidInput):
    """`code` says which limit: journal_quota_exceeded, device_quota_exceeded,
    storage_quota_exceeded or share_quota_exceeded."""


class RateLimited(NetworkError):
    """Try again once `retry_after` seconds have passed, at `retry_at` (UTC). `code`:
    login_throttled, write_rate_exceeded, lookup_rate_exceeded or signup_throttled (too
    many new accounts from this client address; up to an hour)."""

    retry_after: float
    subject: str | None = RATE_LIMITED

    def __init__(self, message: str, retry_after: float, retry_at: datetime) -> None:
        super().__init__(message, transient=True, retry_after=retry_after)
        self.retry_at = retry_at


class UpdateNeeded(TJError):
    """The journal holds records another device wrote in a body version newer than this app
    reads (`Client.waiting_for_update()`), and what was asked cannot be done right without
    them: a verify-head code (it would differ from a device that reads them) or a new
    member's share (its snapshots would leave them out). Update the app, sync, then try
    again. Nothing was changed."""

    subject = "journal"


class ChainUpdateNeeded(UpdateNeeded):
    """A journal's access chain holds an entry that its owner signed with a newer version of
    the app (a chain version above `access.CHAIN_VERSION`, protocol.md 4.19 "Chain
    versions"): its signature and its place in the chain verified, so it is no tampering,
    but this app cannot tell what it changes. The device keeps the chain it verified up to
    it (`state`), shows and sends nothing new for that journal, and says so at every sync
    until the app is updated. Raised too by anything asked of that journal meanwhile (a
    write, a share, a revocation): nothing was changed."""

    subject = "app update"

    def __init__(self, message: str, *, journal_id: bytes, version: int, state: object) -> None:
        super().__init__(message)
        self.journal_id = journal_id
        self.version = version
        """The newer chain version met."""
        self.state = state
        """The access.AccessState verified up to that entry."""


SUBJECTS: Mapping[str, str] = MappingProxyType(
    {
        # signing in, sessions, the profile
        WRONG_PASSWORD: "an AuthError for a password the server (or, for an unfinished signup, "
        "this device) did not take: a sign-in (the username may be the wrong part), a password "
        "change, a new recovery key or an account deletion; ask for it again",
        WRONG_RECOVERY_KEY: "an AuthError for a recovery key that was not taken; ask for it again",
        ENTRY_EMPTY: "an InvalidInput for an entry that would have nothing in it (no text, "
        "title, mood, tag or emotion); nothing was changed",
        PASSPHRASE_NEEDED: "an AuthError: this device's profile is locked and no passphrase was "
        "given; ask for it",
        WRONG_PASSPHRASE: "an AuthError for a passphrase that does not open this device's locked "
        "profile; ask for it again",
        SIGNED_OUT: "an AuthError for a device signed out by another device of the account, or "
        "with no session; log in again on this home (its unsynced changes wait there)",
        SESSION_ENDED: "an AuthError: the server no longer knows the device's session (logged "
        "out elsewhere, or the account deleted from another device); log in again on this home",
        SESSION_EXPIRED: "an AuthError for a session older than the server keeps; log in again",
        OTHER_ACCOUNT_HERE: "a sign-in refused on a home signed in to another account, or a "
        "sign-up on a home signed in to any (`names`: username, unsynced); nothing was sent",
        "account maybe deleted": "a login refused on a home signed in to that account: the "
        "account may have been deleted, or its password changed, from another device",
        USERNAME_TAKEN: "a ConflictError: a sign-up's username is another account's; ask for "
        "another",
        WEAK_PASSWORD: "a new password or passphrase refused as too short or too easy to guess; "
        "the message says why",
        "password cost": "CostBelowMinimum: the account's password hash cost is below the "
        "minimum this app accepts",
        "profile": "no account on this device (sign up or log in first)",
        PROFILE_ADDRESS: "an InvalidInput for a request of a device whose profile holds a "
        "server address the SDK refuses (edited by hand to hold a user name, a password, a "
        "query or a fragment, never repeated); nothing was sent: a sign-in again on this home "
        "at the server's address (`names`: address, username) fixes it, what works offline "
        "still works",
        "home open": "a sign-in refused on a home that a Client of this process holds open",
        "unfinished signup": "a home kept for a signup whose recovery key was never shown",
        "kept recovery key": "a new signup refused on a home that keeps another signup's "
        "recovery key, never shown (`names`: home, username, server, account)",
        "signup maybe made here": "a ConflictError: a sign-up's username is taken, maybe by "
        "this device's own earlier signup of it that no Therapy Journal server answered (made "
        "behind a proxy's error page); a login there finishes it (`names`: username, server, "
        "through)",
        "not the signup's account": "a signup finished again whose account of that name on the "
        "server is another one, or whose password changed since; the key kept for it stays "
        "(`names`: username, kept, account)",
        "damaged kept key": "an IntegrityError: a kept recovery key file does not read; it may "
        "be the only copy of a recovery key",
        "signup password changed": "the password does not open an unfinished signup's kept "
        "key: the account's password was changed since",
        "signup not on server": "an AuthError: the server does not know the unfinished signup's "
        "account with that password (it never got there, or was erased)",
        "logged out elsewhere": "a ClientClosed: another program using the home logged this "
        "device out",
        "closed": "ClientClosed: the Client was closed or logged out and is used again",
        "other event loop": "ClientClosed: a Client used from another event loop than its own",
        UNCONFIRMED_UNSHARE: "a logout refused: the end of a share made here is not confirmed "
        "by the server; sync first, or log out with force=True",
        "unsynced changes": "UnsyncedChanges: a logout refused, it would delete changes that "
        "never reached the server",
        SET_ASIDE_WORDS: "a delete for good refused: the document has a change set aside, "
        "whose words are on no other device (`names`: goal, note or private note)",
        "undelivered": "SafetyUndelivered: a journal's or the account's deletion refused, it "
        "would erase a safety flag (or item-9 answer) a member may not have received",
        "unsent changes": "UnsentChanges: a journal's deletion refused, it would delete changes "
        "written on this device that reached no server and no other device (`names`: journal, "
        "journal id)",
        "no default journal": "a NotFound for a call naming no journal when this device finds "
        "no default journal (none chosen here, the sign-up's not here, or an older account's "
        'renamed on another device, or shared since: `names` its id as "journal id"): ask '
        "the user to name a journal or to choose a default (`client.journals.set_default`)",
        "shared default": "ReadersToConfirm: `client.journals.set_default` refused a journal "
        "shared with someone, named by its name or by its id (`readers`, `journal`, "
        "`journal_id`; `names`: journal id); say even_if_shared=True once the user, told who "
        "reads it, confirms",
        "readers left": "ReadersToConfirm: `client.journals.set_default` refused to move the "
        "default journal away from one read by someone, or sending them safety flags, to one "
        "that they do not read or whose flags do not reach them (`readers`, `flags`, "
        "`journal`, `journal_id`; `names`: readers, flags, journal, journal id); say "
        "leave_readers=True once the user confirms",
        "fold into shared": "ReadersToConfirm: `client.archive.import_json` into a journal "
        "someone else reads refused to fold into it a journal of the file of another name "
        "(`readers`, `journal`, `journal_id`, `folded`; `names`: journal, readers, folded: the "
        "file's journals, tab-separated); nothing was imported; say fold_into_shared=True once "
        "the user confirms",
        "plan written": "an InvalidInput: `client.safety.copy_plan` refused to overwrite a "
        "safety plan written in the journal to copy into (`names`: journal, journal id); "
        "nothing was changed; say replace_written=True once the user confirms",
        "plan changed": "an InvalidInput: `client.safety.set_plan` or `copy_plan` given an "
        "`expected_version` refused to write over a safety plan whose version held here is "
        "another (changed on another device since the user was shown it; `names`: journal, "
        "journal id); nothing was changed; show `plan()` and call again with its version once "
        "the user confirms",
        "plan readers": "ReadersToConfirm: `client.safety.copy_plan` refused to copy a safety "
        "plan into a journal someone else reads (`readers`, `journal`, `journal_id`; `names`: "
        "journal, journal id, readers); nothing was changed; say to_readers=True once the "
        "user confirms",
        "wider default": "an InvalidInput: `Client.move_set_aside` with no journal refused a "
        "default journal read by someone who did not read the entry's own journal (`names`: "
        "members, journal id); name the journal, or say even_if_shared=True",
        "result journal": "an InvalidInput: `Client.move_set_aside` of a questionnaire result "
        "named no journal: a result moves only into a journal the user names",
        STORE_BUSY: "StoreBusy: another program using the home kept its local store busy; "
        "its message says what was not done and what to do",
        "no answer": "a NetworkError: the server took the request and sent nothing back in time",
        "not a journal server": "an error of the status's kind (a NetworkError for a 5xx): the "
        "address answered, but not as a Therapy Journal server (another web server, say at a "
        "mistyped port); nothing was done there: check the address",
        NETWORK: "a NetworkError of any other kind: the server cannot be reached (offline, or "
        "nothing answers at its address), failed, or sent a reply that does not fit; changes "
        "are kept on this device",
        RATE_LIMITED: "RateLimited: the server asked to slow down; try again after retry_after "
        "seconds",
        "sync": "syncing first may help",
        "app update": "ChainUpdateNeeded: a journal's access chain holds an entry of a newer app "
        "version; or InvalidInput: an export file of a newer version than this app reads "
        "(`client.archive.import_json`); update the app",
        # what was named
        BAD_VALUE: "a value given is malformed or out of its limits (an id's form, a tag, a "
        "title, a name, a mood, a questionnaire's answers, an argument not of its type); ask "
        "for it again",
        "journal": "no such journal on this device, or a journal that needs an app update "
        '(`names` "renamed" and "journal id": a name the journal bore before a rename)',
        "document": "an entry, goal, brief, note... not on this device: a sync may bring it",
        "device": "no such device of this account, several that match, or this device where "
        "another is meant",
        "prompt": "no such reflection prompt",
        AMBIGUOUS_ID: "an id prefix that matches several of what it names (entries, "
        "check-ins, prompts, briefs, journals...): give more of the id; or words that name a "
        "journal (its name, its owner's username) and start another journal's id: name the "
        "one meant as the message lists it",
        "deleted": "an entry, a result or a note that was deleted, withdrawn or moved to the "
        "trash (or, to restore, one not in the trash): nothing was changed",
        "id too short": "a journal named by an id prefix too short to name it for this",
        "you named": "a username that is this account's own, or names several accounts here",
        "yours and theirs": "a name that names a journal of this account and one of another "
        "account: give the id of the one meant",
        "same name": "SameJournalName: a name names several journals; name one by its id",
        NAME_TAKEN: "this account already gives that name to another of its journals",
        "not an entry": "NotAnEntry: an entry's id names a note, a result... on this device",
        "wrong kind": "WrongKind: a goal's or result's id names another kind of document",
        "result id": "a result id given to `measures.take` that cannot hold these answers: "
        "not made by `new_result_id` for this account, another record's, or a result stored "
        "before with other answers, of another measure, in another journal, or deleted; "
        "nothing was saved: save them under a new id",
        "set-aside change": "no change set aside matches the id given",
        "discarded note": "no note or prompt of that id here: one written in a copy this device "
        "discarded",
        "daylio mood": "an imported Daylio mood that is not one of Daylio's default moods",
        # journals and sharing
        "not shared": "NotShared: an unshare (`new_key_if_not_shared=False`) naming someone "
        "who is not and never was a member of the journal: nothing changed; `close` names "
        "members with close names",
        "archived": "JournalArchived: the owner's journal is archived; unarchive it first",
        "renamed elsewhere": "RenamedElsewhere: another device of the owner renamed the journal "
        "meanwhile",
        "refused": "an InvalidInput for a call refused as asked, though each value given is "
        "well formed (this account's own journal where another's is meant, a journal of private "
        "notes to share, a member who only reads named for flags, a home in another state): "
        "the message says why and what to do; nothing was changed",
        "too large": "a document (an entry grown by edits and merges, say) or a journal's "
        "history too large to seal as one record, for a share, a copy or a sync: the message "
        "says what to split or leave out; nothing was changed",
        "other account's store": "a sign-in refused on a home that holds, without a profile, "
        "local data of another account (or of one it cannot tell, with unsynced changes): the "
        "message says which files to move away, or sign in with another home",
        KEYS_CHANGED: "KeyChangedError: the server gives the username other identity keys, or "
        "another account, than the ones pinned on this device: compare fingerprints in person, "
        "then accept the new keys",
        FINGERPRINT_MISMATCH: "KeyChangedError: the fingerprint given does not match the keys "
        "the server gives the username: compare it again in person",
        "brief not journal": "a journal named that holds a pre-session brief, or a client who "
        "shares only briefs: briefs are read with `client.briefs.received()`",
        "ended brief": "a brief received here whose share is over: the message says when",
        "brief scope": "a brief needs the journals it covers named",
        "share scope": "ScopeNeeded: a share needs its scope chosen, the whole journal or some "
        "fields",
        "shared again": "SharedAgain: nothing shared, sharing would give again what an ended "
        "share's journal held",
        "safety flags": "FlagsWouldStop: a share change would stop safety flags reaching a member",
        "still shared": "StillShared: nothing ended, the member still reads part of it",
        "share already ended": "ShareAlreadyEnded: the share to end was ended before",
        "share ended": "a write (a note, an assignment, a safety flag's acknowledgement) in a "
        "journal whose share with this account ended, or that the server no longer serves "
        "it (the message says which: the server's word alone is never said as an end), or a "
        "client all of whose shares with this account are so, or a journal or client known on "
        "this device only from private notes written on another device, whose copy this "
        "device never downloaded: only its owner can share it again, on their device",
        "share ended elsewhere": "a member's share ended by the server's word; nothing was "
        "changed (`names`: journal, member; source and fields for a field-level copy)",
        "share changed elsewhere": "a member's share changed on another device meanwhile; "
        "nothing was changed",
        "share still served": "a copy the owner's access chain still grants (`names`: journal)",
        "share active": "a copy whose share is still active (`names`: journal; copies, unlisted "
        "copies)",
        "unsent copy": "a copy kept because changes of this device in it are not on the server "
        "(`names`: journal, unlisted, set aside, set aside count)",
        "unsent before leaving": "a leave refused because changes of this device in the "
        "journal (an acknowledgement of a safety flag among them) could not be sent first; "
        "nothing was left: sync, then leave again (`names`: journal, journal id, acknowledgements, waiting)",
        "unseen copy": "a field-level share the journal's signed history names, whose copy this "
        "device cannot see; nothing was changed: sync and try again",
        "kept copy": "the read-only copy of a share that ended, named where a live share is "
        "needed: it is discarded instead",
        "copy journal": "a write refused in a journal kept only to share with a member",
        "items journal": "a journal of single items, shared one at a time, named where another "
        "share is meant",
        "own journal": "this account's own journal, where another's is meant (delete it instead)",
        "own journal gone": "this account's journal the server no longer holds (deleted on "
        "another of its devices, or withheld): this device keeps a read-only copy, which takes "
        "no write and is in no brief",
        "read-only member": "a journal shared with this account read-only",
        "owner's own": "an AccessError for a write of what only the journal's owner writes "
        "(entries, goals, results...), refused to a member whatever the role",
        "yourself": "an InvalidInput for a share with this account itself; nothing was shared",
        "account": "a NotFound for a username no account on the server bears (one this device "
        "never knew): check the spelling",
        "client": "a NotFound for a name no client sharing a journal with this account bears "
        "on this device (a therapist naming a client): check the spelling, or sync",
        "account gone": "an account this device knew is no longer on the server (`names`: "
        "username)",
        "fingerprint": "a share refused until the member's fingerprint is compared and given, or "
        "trust on first use is chosen explicitly",
        "whose code": "a verify-head code without the member it is compared with",
        "therapist's note": "a mark on a therapist's note, which is theirs to change",
        "withdrawal refused": "one's own note that only the journal's owner can remove now "
        "(`names`: kind, note, owner, journal, why, retry)",
    }
)
"""Every `TJError.subject` an app can compare, with what it means (`names`, where the error
also carries them). A subject not listed here is never raised; None is "about nothing more
than the message"."""
