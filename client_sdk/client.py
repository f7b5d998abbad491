"""The public SDK: an account on one device, its life cycle, and sync.

    async with await Client.open(home) as client:
        entry = await client.entries.write("Personal", "Slept better today.", mood=7)
        await client.sync()

`Client` signs up, logs in, opens and closes an account on this device, and syncs it. What
an account holds is reached through managers, one per area, each in its own module:
`entries`, `journals`, `goals`, `prompts`, `notes`, `shares`, `devices`, `insights`,
`archive`, `measures`, `safety`, `assignments`, `homework`, `briefs`, `caseload` and
`private_notes`.

Every method that changes data works offline: the change is sealed into a record, stored
locally with the document it changes, and pushed at the next `sync()`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import inspect
import itertools
import json
import os
import sqlite3
import weakref
from collections.abc import AsyncGenerator, Callable, Collection, Sequence
from datetime import UTC, datetime
from functools import cached_property, partial
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, TypeVar, cast

import aiohttp
import nacl.signing

from client_sdk import account, crypto, documents, keys, records, wire
from client_sdk import sync as sync_plan
from client_sdk.access import Disclosure, field_shares_in_force, lapsed_field_shares
from client_sdk.changes import (
    FEED_KINDS,
    LIVE_BACK,
    LIVE_LOST,
    REPORT,
    Change,
    ChangeFeed,
    ChangeListener,
    ChangeStream,
    Origin,
)
from client_sdk.context import Context
from client_sdk.crypto import INTERACTIVE, MODERATE, KdfCost
from client_sdk.database import LOGGED_OUT, to_the_end
from client_sdk.departures import (
    EXPIRED,
    GIVEN,
    GONE,
    UNSEEN,
    Departure,
    decode_told,
    encode_told,
    told_without,
)
from client_sdk.documents import ENTRY, MEASURE
from client_sdk.errors import (
    BAD_VALUE,
    NOT_A_JOURNAL_SERVER,
    OTHER_ACCOUNT_HERE,
    PROFILE_ADDRESS,
    SESSION_ENDED,
    SESSION_EXPIRED,
    SIGNED_OUT,
    UNCONFIRMED_UNSHARE,
    WEAK_PASSWORD,
    WRONG_PASSWORD,
    AuthError,
    ClientClosed,
    ConflictError,
    CostBelowMinimum,
    CostLowered,
    IntegrityError,
    InvalidInput,
    NetworkError,
    NotFound,
    RateLimited,
    SafetyUndelivered,
    StoreBusy,
    TJError,
    UnsyncedChanges,
    ambiguous_id,
)
from client_sdk.inputs import checks_inputs
from client_sdk.live import DEFAULT_BACKOFF, Backoff, Inbox, LocalPushes, squash_notices
from client_sdk.live import notices as live_notices
from client_sdk.logged_out import LoggedOut
from client_sdk.loops import running_loop
from client_sdk.models import (
    DEFAULT_DEVICE_NAME,
    Entry,
    Identity,
    LockedIdentity,
    Notice,
    and_words,
    default_device_name,
    normalize_username,
    now_ms,
    quoted_name,
    read_json,
    taken_text,
    to_datetime,
)
from client_sdk.pending_signup import (
    KEPT_RECOVERY_KEY,
    MAKE_ONE_NOW,
    NOT_THE_SIGNUPS,
    PENDING_FILE,
    SIGNUP_MAYBE_MADE,
    KeptRecoveryKey,
    OtherSeal,
    PendingSignup,
    aside_not_holding,
    forget_kept,
    kept_key_text,
    list_kept,
    load_pending,
    mark_name_made,
    maybe_made_text,
    not_holding_text,
    other_account_text,
    remove_pending,
    restore_aside,
    save_pending,
    seal_recovery_key,
)
from client_sdk.profile import (
    Profile,
    ensure_home,
    is_locked,
    load_profile,
    profile_bytes,
    profile_exists,
    put_back_profile,
    remove_profile,
    save_profile,
    write_private,
)
from client_sdk.pushing import SetAsideChange, set_aside_changes
from client_sdk.queries import same_entry
from client_sdk.readers import FIELDS, journal_readers
from client_sdk.replica import (
    COPIES_TO_FOLLOW,
    KEY_WAITS,
    Replica,
    clear_caches,
    decode_to_follow,
    stored_document,
    waits_not_kept,
)
from client_sdk.settling import OvertakenEdit
from client_sdk.sharing import NOTE, PROMPT, Sharing
from client_sdk.store import (
    STORE_FILE,
    LocalJournal,
    Problem,
    Store,
    Transaction,
    delete_if_account,
    delete_if_logged_out,
    delete_orphan_if_unknown,
    unsynced_on,
)
from client_sdk.sync import SHOWN_KINDS, NewerFormat, News, Progress, SyncReport
from client_sdk.tickets import load_ticket, save_ticket
from client_sdk.transport import RetryPolicy, Transport, normalize_url, shown_url
from client_sdk.upload_limit import DEFAULT_WAIT_S as DEFAULT_UPLOAD_WAIT_S
from client_sdk.withholding import Gap

# The managers' modules are imported when a manager is first used (see `Client.__init__`).
if TYPE_CHECKING:
    from client_sdk.care import Assignments, DisplayName, DocumentOf, Homework, LocalJournalOf
    from client_sdk.devices import Devices
    from client_sdk.documents import Document
    from client_sdk.entries import Entries
    from client_sdk.goal_tracking import Goals
    from client_sdk.insight_reports import InsightReports
    from client_sdk.journals import Journals
    from client_sdk.measures import Measures
    from client_sdk.notes import Notes
    from client_sdk.portability import Archives
    from client_sdk.practice import Briefs, Caseload
    from client_sdk.private_notes import PrivateNotes
    from client_sdk.reflection import Prompts
    from client_sdk.results import MeasureResult
    from client_sdk.safety import LateFlag, UndeliveredFlag
    from client_sdk.safety_path import SafetyPath
    from client_sdk.same_names import SameName
    from client_sdk.shares import Shares

LAST_SYNCED = "last_synced_at"  # settings row: ms since the epoch (UTC) of the last sync
SIGNED_OUT_SEEN = "signed_out_seen"
"""Settings row: "DEVICE_ID_HEX MS", the device whose sync the server last told that its
session is over (an AuthError: SIGNED_OUT, SESSION_ENDED, SESSION_EXPIRED) and when (ms since
the epoch, UTC), for `identity()`. Keyed by the device: a login again on this home (a new
device id) is not said to be signed out."""
UNSEEN_NEWS = sync_plan.UNSEEN_NEWS  # settings row: sync.encode_news of `unseen_news`
UNSEEN_DEPARTURES = UNSEEN  # settings row: departures.encode_told of `unseen_departures`
MAX_UNSEEN_NEWS = 200
LOGOUT_FLAG_READS = 3
"""How often `Client.logout` reads the safety flags again when its last count finds one it
did not name (sealed meanwhile by another program of this home) before it raises StoreBusy."""
"""The most kinds of news `Client.unseen_news` keeps (each a kind, a change and a source:
"new entries from hugo"), and the most share changes `Client.unseen_departures` keeps, the
oldest dropped first (of the share changes, first those told on the server's word alone:
departures.kept_told): a home whose app never marks them seen keeps a bounded setting."""
LAST_SYNCED_STEP_MS = 60_000
"""A sync writes its time to the store only once the time kept there is this old (one
minute), so that syncs in a row with nothing new write nothing (issue 10); `last_synced()`
in the same process is exact, `close()` writes the last one, and another process (a crash)
sees a time at most this much older than the truth: never a newer one."""
WATCH_FULL_SYNC_S = 60.0
"""`Client.watch()` runs an ordinary sync (one that asks the server of every journal) when
the last one ended at least this many seconds ago (monotonic clock): a device cannot know
that the live channel announced every change a /v1/sync brings (a journal renamed or made
on another device, the end of this account's share: a server from before meta notices
sends none, a hostile one may withhold them; R31 F1), and a sync that applies a notice's
records asks nothing of the other journals, so `last_synced()` is at most about this old
while watching with the server reachable (protocol.md GET /v1/live, "Records in notices")."""
WATCH_LOCAL_GAP_S = 0.1
"""`Client.watch()` pushes a write of this process at once, unless it pushed one less than
this many seconds before: then it pushes every write made meanwhile this long after that one
(live.LocalPushes). A single write goes out at once; a loop of writes, or an editor saving at
every keystroke, costs at most ten syncs a second, not one per write."""
WATCH_NOTICE_GAP_S = 0.25
"""`Client.watch()` starts an ordinary sync for a live notice (a meta notice, or a journal
notice it cannot apply by itself) at least this many seconds after the start of the last one
a notice started; the notices read meanwhile, or while that sync ran, are brought by one sync
after it (never lost: the one read last still starts a sync). A notice costs the server a
/v1/sync and the device a sync: a server sending a notice every few milliseconds (a hostile
one, or a busy shared journal) would otherwise keep a phone syncing hundreds of times a second
(rev33d F4); at most four a second still feels live, as WATCH_LOCAL_GAP_S does for writes."""
LOCAL_WRITE: tuple[Notice, wire.LiveNotice | None] = (Notice(False, None, 0, local=True), None)
"""What a write of this process puts in the inbox of each `Client.watch()` running: the
trigger of the sync that pushes it."""


def _ids(hexes: list[str]) -> list[bytes]:
    """The ids of `hexes` that read as hex (a damaged setting's others left out)."""
    found = []
    for text in hexes:
        with contextlib.suppress(ValueError):
            found.append(bytes.fromhex(text))
    return found


T = TypeVar("T")


async def _change_setting(
    tx: Transaction,
    name: str,
    change: Callable[[list[T]], list[T]],
    decode: Callable[[object], list[T]],
    encode: Callable[[list[T]], str],
) -> None:
    """The list kept in the setting `name` read (`decode`), changed and written back
    (`encode`; none once empty) in `tx`; not written when it stays as it was."""
    was = await tx.setting(name)
    left = change(decode(was))
    value = encode(left) if left else None
    if value != was:
        await tx.set_setting(name, value)


@checks_inputs
class Client:
    """One account on one device (a profile directory), and the managers of what it holds.

    Create one with `signup`, `login` or `recover` (these need the server), or `open` the
    account already on this device (no network needed); close it with `close()` or use it
    as an async context manager. Apart from the life cycle of the account, `Client` syncs
    (`sync`, `watch`, `live`), follows changes (`changes`, `on_change`) and reports what is
    waiting to sync (`pending`, `set_aside`, `problems`); everything else is on a manager:

        async with await Client.open("~/.local/share/tj") as client:
            await client.entries.write(None, "A calmer day.", mood=7)
            for journal in await client.journals.list():
                print(journal.name)
            await client.sync()

    A Client belongs to the event loop it was opened in (its HTTP session and locks do):
    from another loop (kept from one `asyncio.run` to the next, or called from another
    thread) every call raises ClientClosed, subject "other event loop" (loops.py), and
    changes nothing. Open a home once in a process: `login`, `signup` or `recover` on a
    home a Client of the process holds open is refused (subject "home open").
    """

    recovery_key: str | None
    """The recovery key, formatted for the user to write down: set only right after
    `signup` (or a `login` that finished an unfinished signup) and `recover` (a recovery
    replaces the key it used), to show once; after `signup`, then call
    `recovery_key_shown()`. The SDK never stores it in plaintext (pending_signup.py).
    `replace_recovery_key` returns a new one instead."""

    account_created: bool
    """True when this `signup` made the account on the server just now: a new signup, or an
    unfinished one (see `signup`) whose account the server did not have, so that its request was
    sent again; the account then has nothing on the server but what this call made. That happens
    when the interrupted request never reached the server, and also when the account was deleted
    since (from another device): an app should say which may have happened. False for every other
    way a `Client` is made."""

    recovery_key_not_shown: str | None
    """Set instead of `recovery_key` when finishing an unfinished signup, or a later login on that
    home, could not confirm that the key this device kept is still the account's (a key shown then
    might no longer open the account): why, in a sentence for the user (it may have been replaced on
    another device since; make a new one with `replace_recovery_key`, `tj recovery-key new`). The
    signup is finished all the same (an unconfirmed key blocks nothing): the kept copy stays in the
    home, sealed (a server's answer never deletes it), gating nothing, until `replace_recovery_key`,
    `recover` or `recovery_key_shown()` on this device; a password change here re-seals it; a later
    `login` of the account checks it again and shows it only if confirmed."""

    signup_session_ended: str | None
    """The device id (hex, 32 characters) of the session an unfinished signup opened on the
    server whose reply never reached this device (a proxy dropped it, or answered with its
    own page: only what stood in between saw its token), signed out by the `signup`, `login`
    or `recover` that finished that signup here (nu83 F2); None for every other way a
    `Client` is made, and when there was none to sign out (the server knew no such device:
    expired, or ended already) or it could not be (the server could not be reached: the
    session then ends when its token expires, or by `client.devices.revoke`). That session
    is told by the device id this device chose and kept with the signup request
    (pending_signup.py), never by the server's list of devices."""

    def __init__(self, home: Path, profile: Profile, store: Store, transport: Transport) -> None:
        """Internal: use `signup`, `login`, `recover` or `open`.

        Only what every use needs is built here: the replica (with the change feed's hook)
        and the sharing engine, in one Context. Each manager is built, and its module
        imported, when it is first used (`functools.cached_property`), so a command that
        writes an entry does not import questionnaires, briefs or the caseload (issue 10).
        No manager registers a hook or keeps state that an event could change: what must
        run on every write (the mirror of field-level shares, sharing.py) and after every
        sync (settling, entries.py) is called by the write or the sync itself."""
        self.home = home
        self.profile = profile
        self.store = store
        self.transport = transport
        transport.server_id = profile.server_id  # signed challenges name it (REV-ACCT F4)
        self.recovery_key = None
        self.account_created = False
        self.recovery_key_not_shown = None
        self.signup_session_ended = None
        self.replica = Replica(profile, store, transport)
        self.sharing = Sharing(self.replica)
        self.context = Context(self.replica, self.sharing)
        self._feed = ChangeFeed()
        self._streams: set[ChangeStream] = set()
        self._synced_at = 0  # the last sync that completed in this process (ms)
        # `SyncReport.plan_not_loaded` and the store version it was found at (issue 10: a
        # no-op sync does not look again)
        self._plan_not_loaded: tuple[tuple[int, int], bool] | None = None
        # the store version at which no late flag could be owed here (no answer recorded on
        # this device, no safety plan held): not read again until the store changes
        self._no_flags_owed: tuple[int, int] | None = None
        self._no_withheld_untold: tuple[int, int] | None = None
        """The store version (`Replica.synced_version`) at which no flag a sync inside another
        call found withheld waited untold (`_withheld_untold`): not read again until it moves."""
        self._owed_tried: tuple[int, int] | None = None  # the store version owed copies were
        # last tried at (`_follow_removals`)
        self._synced_kept: int | None = None  # LAST_SYNCED as the store holds it (None: unread)
        self._synced_busy = False  # keeping it last found the store busy past the wait
        # the copy set aside that went back to its place at this sign-in, as it was aside
        self._put_back: PendingSignup | None = None
        # the copy set aside for this account that is not its signup (rev32d F4): said
        self._aside_not_holding: Path | None = None
        # this home's ended sessions, with when each ended (ms; None: unread)
        self._ended_here: dict[bytes, int | None] | None = None
        self.replica.on_change = self._publish
        self.replica.keep_news = self._keep_inner_news  # a share's own sync's news (rev30b F8)
        self._watches: set[Inbox[tuple[Notice, wire.LiveNotice | None]]] = set()
        """The inboxes of the `watch()`es running, each told of this process's writes."""
        store.on_outbox = self._wrote_to_send
        self._loop = running_loop()  # the loop it belongs to (loops.py: NU45 #11)
        self._closed = False
        _OPEN_HOMES.setdefault(_home_key(home), weakref.WeakSet()).add(self)

    # --- managers, each built at first use --------------------------------------------------

    @cached_property
    def entries(self) -> Entries:
        """Entries: write, edit, delete (to the trash), restore, get, list, search (entries.py)."""
        from client_sdk.entries import Entries

        return Entries(self.context, self.prompts)

    @cached_property
    def journals(self) -> Journals:
        """Journals: list, get, create, verify_head (journals.py)."""
        from client_sdk.journals import Journals

        return Journals(
            self.context,
            self._refuse_undelivered,
            lambda journal: self.safety._flags_reach_kept(journal),
        )

    async def _refuse_undelivered(
        self,
        journal: str | None,
        erasing: str,
        *,
        sync: bool = True,
        agreed: bool | Collection[str] = False,
    ) -> None:
        """Raise SafetyUndelivered when a member may not have received a safety item of
        `journal` (None: of every journal this account owns) that erasing it (`erasing`:
        "the account", or the journal's name) would erase from the server
        (`Shares.undelivered_by_member`), beyond those the user `agreed` to (True: any;
        False: none; else the ids, hex, of the `Undelivered` items they were shown: one
        sealed by another program meanwhile was not). With `sync`, counted after a sync,
        always: it sends a flag still waiting on this device, brings the members' latest
        acknowledgements, and brings what other devices of this account recorded (a result
        or flag this device has never seen counts too, whatever this device found alone).
        A sync that fails raises its error and nothing is erased: this device's count alone
        misses what another device recorded since this device's last sync, and a server
        that fails only the sync while serving the erasure would have it erase that unasked
        (a NetworkError is raised as one saying so, with the sync's own words). So does a
        sync the server cut short while answering 200 (`_cut_short`: a pull that stopped
        with records left, records withheld from the journal, a rolled-back chain). Without
        `sync` (nothing of it on the server, or a check that must not need the network),
        this device's count."""
        if agreed is True:
            return
        shown = set() if agreed is False else set(agreed)
        if sync:
            try:  # its report goes to no app: what it tells once, the next sync tells
                report = await self._sync(hand=False)  # (rev30b F8)
            except NetworkError as error:
                raise NetworkError(
                    f"nothing was erased: {erasing} is erased only after a sync counts the "
                    "safety flags and results its members may not have received, and the sync "
                    f"failed ({error})",
                    transient=error.transient,
                    retry_after=error.retry_after,
                    unsent=error.unsent,
                ) from error
            cut = await self._cut_short(report, journal)
            if cut:
                raise NetworkError(
                    f"nothing was erased: {erasing} is erased only after a sync counts the "
                    "safety flags and results its members may not have received, and the sync "
                    f"did not complete ({'; '.join(cut)}); try again later"
                )
        found = await self.shares.undelivered_by_member(journal)
        unseen = {m: [u for u in items if u.id not in shown] for m, items in found.items()}
        unseen = {m: items for m, items in unseen.items() if items}
        if unseen:
            raise SafetyUndelivered(unseen, erasing=erasing)

    async def _cut_short(self, report: SyncReport, journal: str | None) -> list[str]:
        """Why the sync that gave `report` cannot stand for the whole of `journal` (hex
        id; None: every journal this account owns) before an erasure counts what its
        members may not have received, in the report's words; empty when it can. A pull
        that stopped with records left (`report.incomplete`: its lines do not all say which
        journal, so any counts), a gap of records withheld from one of those journals
        (`report.withheld`), a chain served rolled back (`report.rollbacks`). A server that
        serves an empty page claiming no record is new passes (no device can tell it from
        nothing new: protocol.md). Raises only a store error."""
        me = self.profile.account_id
        if journal is None:
            ids = {j.journal_id for j in await self.store.journals() if j.owner_id == me}
        else:
            ids = {bytes.fromhex(journal)}
        withheld = [g for g in report.withheld if g.journal_id in ids]
        gaps = f"{sum(g.count() for g in withheld):,} records withheld" if withheld else None
        return [*report.incomplete, *([gaps] if gaps else []), *report.rollbacks]

    @cached_property
    def goals(self) -> Goals:
        """Goals and their check-ins (goal_tracking.py)."""
        from client_sdk.goal_tracking import Goals

        return Goals(self.context)

    @cached_property
    def prompts(self) -> Prompts:
        """Reflection prompts: list, suggest, get (reflection.py)."""
        from client_sdk.reflection import Prompts

        return Prompts(self.context, self.notes)

    @cached_property
    def notes(self) -> Notes:
        """Notes and prompts left in a journal, a therapist's included (notes.py)."""
        from client_sdk.notes import Notes

        return Notes(self.context)

    @cached_property
    def shares(self) -> Shares:
        """Sharing journals and entries with a therapist; fingerprints (shares.py)."""
        from client_sdk.shares import Shares

        return Shares(self.context, lambda: (self.safety, self.measures))

    @cached_property
    def devices(self) -> Devices:
        """Devices signed in to this account; signing one out (devices.py)."""
        from client_sdk.devices import Devices

        return Devices(self.transport, self.store, self.replica.settings_written)

    @cached_property
    def measures(self) -> Measures:
        """Questionnaires (PHQ-9, GAD-7, PCL-5): take, list, share results (measures.py)."""
        from client_sdk.measures import Measures

        return Measures(
            self.replica, self.sharing, *self._lookups, due_flags=lambda: self.safety._due_now
        )

    @cached_property
    def insights(self) -> InsightReports:
        """Mood trends, streaks, goal progress and the HTML report (insight_reports.py)."""
        from client_sdk.insight_reports import InsightReports

        return InsightReports(self.context, self.journals, self.goals, self.measures)

    @cached_property
    def archive(self) -> Archives:
        """Export to JSON or Markdown, import from JSON (portability.py)."""
        from client_sdk.portability import Archives, CareSources

        care = CareSources(
            self.measures, self.homework, self.assignments, self.safety, self.private_notes
        )
        return Archives(self.context, self.journals, self.entries, self.goals, self.notes, care)

    @cached_property
    def safety(self) -> SafetyPath:
        """The safety message, the client's safety plan, safety flags (safety_path.py)."""
        from client_sdk.safety_path import SafetyPath

        return SafetyPath(
            self.replica,
            *self._lookups,
            copies=self.sharing.live_mirrors,
            journal_to_read=self.context.journal_to_read,
            plan_journal=self.context.plan_journal,
            gone_default=self.context.gone_default,
        )

    @cached_property
    def assignments(self) -> Assignments:
        """Measures and homework a therapist assigns, and what is due (care.py)."""
        from client_sdk.care import Assignments

        return Assignments(self.replica, *self._lookups)

    @cached_property
    def homework(self) -> Homework:
        """Structured homework from templates (care.py, templates.py)."""
        from client_sdk.care import Homework

        return Homework(self.replica, *self._lookups)

    @cached_property
    def briefs(self) -> Briefs:
        """Pre-session briefs: prepare, share as one time-boxed item, read (practice.py)."""
        from client_sdk.practice import Briefs

        return Briefs(
            self.replica,
            self.sharing,
            self.entries.list,
            self.goals.list,
            self.measures,
            self.homework,
            # a read-only copy's flags too: what no brief covers is said (`read_only_copies`)
            lambda journal: self.safety._read_flags(journal, keep_own_gone=True),
            lambda name: self.context.local_journal(name, refuse_brief=True),
            self._inner_sync,  # `share` syncs first (fix30e), telling nothing (rev30b F7)
        )

    @cached_property
    def caseload(self) -> Caseload:
        """A therapist's clients, who needs attention first (practice.py, caseload.py)."""
        from client_sdk.practice import Caseload

        return Caseload(
            self.replica,
            self.entries.list,
            self.goals.list,
            self.measures,
            self.assignments,
            self.safety,
            self.briefs,
            self.context.entry_rows,
        )

    @cached_property
    def private_notes(self) -> PrivateNotes:
        """A therapist's notes about a client that the client never sees (private_notes.py)."""
        from client_sdk.private_notes import PrivateNotes

        return PrivateNotes(self.context)

    @property
    def _lookups(self) -> tuple[LocalJournalOf, DisplayName, DocumentOf]:
        """What the care managers look documents up with (context.py)."""
        context = self.context
        return (context.local_journal, context.display, context.document_of_kind)

    # --- lifecycle --------------------------------------------------------------------------

    @classmethod
    async def signup(
        cls,
        server_url: str,
        username: str,
        password: str,
        *,
        home: Path | str,
        device_name: str | None = None,
        kdf_cost: KdfCost = MODERATE,
        passphrase: str | None = None,
        keep_until_shown: bool = False,
    ) -> Client:
        """Create an account; `client.recovery_key` holds the recovery key to show once.

        `device_name` (1 to 100 characters) tells this device apart in `client.devices`;
        without one it is named "device" (never the computer's host name). The server keeps
        device names in clear: name a device by what it is ("laptop", "phone"), not by whose
        it is. `passphrase`: lock this device's keys with it at once (`set_passphrase`).

        Raises InvalidInput, before anything is sent, for a password the rule refuses
        (passwords.check_password: at least 8 characters and a zxcvbn score of 3 or more,
        NIST SP 800-63B §5.1.1.2; `username` and the device name count as known words).

        A signup that fails or is interrupted once its request may have reached the server
        loses nothing: the request and the recovery key (sealed under the password,
        pending_signup.py) were written to `home` before it was sent. Calling `signup` (or
        `login`) again with the same home, server, username and password finishes it: it
        signs in to the account (or sends the same request again if it never arrived),
        creates the default journal if missing, and sets `recovery_key`. A failure before
        the profile is saved ends the server's session (as `login`); after, the device
        stays signed in. While a signup is unfinished, `home` refuses any other account
        (InvalidInput, subject "unfinished signup"), except when no Therapy Journal server
        ever answered it (NetworkError, subject NOT_A_JOURNAL_SERVER: a mistyped address or
        a proxy's own error page, which never drops the unfinished signup: the account may
        have been made behind it): a signup or login at another address then sets its kept
        copy aside (`unfinished_signup_gives_way`, `kept_recovery_keys`); a `home` signed in to an account refuses
        a new one (InvalidInput, subject OTHER_ACCOUNT_HERE, `names["username"]` that
        account's), before the password is judged or anything sent. A server that refuses
        the request (the name is taken) leaves nothing behind; when the name is that of the
        unfinished signup that gave way (no Therapy Journal server answered it), the
        ConflictError (subject SIGNUP_MAYBE_MADE, "signup maybe made here") says it may be
        that signup's account, made behind a proxy, and that a login there finishes it (its
        key then shown: `login`), the copy put back (rev32d F5). A `home` holding another account's local data
        without its profile (a logout stopped halfway, a profile removed) is refused with
        InvalidInput before anything is sent or kept, as a sign-in there is; its message
        says which files to move (not the folder, when it keeps a signup's recovery key).

        The kept copy is dropped when `signup` returns the key (handed over once), or, with
        `keep_until_shown=True`, only when the app calls `client.recovery_key_shown()` after
        showing it, so that a crash between the two shows it again rather than never (the
        CLI does this). Finishing shows the kept key only when the server confirms it is in
        force; else the signup finishes without it (`recovery_key_not_shown` says
        why) and the copy is kept apart, gating nothing (pending_signup.py); `signup`
        again on that home then logs in (`login`), and, if that login is refused (a wrong
        password, or the account deleted on another device), signs up afresh, the copy moved
        aside to `<home>/pending_signup.<account id, hex>` and put back when the name is
        taken (the login's AuthError is then raised); a copy set aside goes back to
        its place when this home signs in to its account again, and is otherwise dropped
        only by hand (`forget_kept_recovery_keys`; the rule: pending_signup.py). Once the password was changed on another
        device, an unfinished signup's copy opens only with the signup's password: the
        account's current password then signs in afresh and finishes the signup with the
        copy kept, unshown; `replace_recovery_key` replaces the key instead. Raises
        AuthError for a password that is neither; InvalidInput (subject HOME_OPEN, "home open"), before anything is sent or changed, when a
        Client of this process holds `home` open: signing in again there would end the
        session that Client uses; use it, or close it first. Raises ConflictError (subject
        "username taken") for a username another account has (ask for another), RateLimited
        (a NetworkError, subject "rate limited", `retry_after` in seconds) when the server
        takes no more new accounts from this address for now, NetworkError offline."""
        home = Path(home)
        _check_not_open(home)  # before anything is sent (NU45 #11)
        await _finish_logout_first(home, passphrase)  # its store is never adopted
        typed, username = username, normalize_username(username)
        pending = load_pending(home)
        if pending is not None and _gives_way(home, pending, server_url):
            aside = _set_aside(home, pending)  # answered by no journal server (rev32c F3)
            try:
                made = await cls._new_signup(
                    home, server_url, username, password, device_name, kdf_cost, passphrase,
                    keep_until_shown, typed=typed,
                )  # fmt: skip
                if pending.username == username:  # did that signup make this name? (F13)
                    try:
                        await _check_name_made(made, aside, pending)
                    except BaseException:
                        await made.close()
                        raise
                return made
            except BaseException as error:
                if not (home / PENDING_FILE).exists() and not profile_exists(home):
                    aside.replace(home / PENDING_FILE)  # nothing was made: put it back
                if isinstance(error, ConflictError) and error.code == "username_taken":
                    if pending.username == username:  # maybe its own (rev32d F5)
                        _maybe_made(error, pending, server_url)
                raise
        if pending is not None and not pending.finished:
            return await cls._finish_signup(
                home, server_url, username, password, pending, passphrase, keep_until_shown
            )
        if pending is not None and _same_account(pending, server_url, username):
            # Finished earlier without its key shown (R25 F1): the account exists; sign in
            # (with its current password) and check the kept key again.
            try:
                return await cls.login(
                    server_url, username, password, home=home, device_name=device_name,
                    minimum_cost=_signup_minimum(pending), passphrase=passphrase,
                    keep_until_shown=keep_until_shown,
                )  # fmt: skip
            except AuthError as error:
                if profile_exists(home):
                    raise  # a home signed in: no new signup here either
                refused = error
            # A wrong password, or the account deleted since (on another device): a new
            # signup tells them apart (the name is taken or not). The kept copy is set aside,
            # never deleted, and put back unless the new signup may have created the account
            # (R27 F2).
            aside = _set_aside(home, pending)
            try:
                return await cls._new_signup(
                    home, server_url, username, password, device_name, kdf_cost, passphrase,
                    keep_until_shown, typed=typed,
                )  # fmt: skip
            except BaseException as error:
                if not (home / PENDING_FILE).exists():
                    aside.replace(home / PENDING_FILE)  # nothing was created: put it back
                if isinstance(error, ConflictError) and error.code == "username_taken":
                    raise refused from None  # the account is there: a wrong password
                raise
        if pending is not None and not profile_exists(home):
            raise _kept(home, pending)  # a new signup here would overwrite its only copy
        return await cls._new_signup(
            home, server_url, username, password, device_name, kdf_cost, passphrase,
            keep_until_shown, typed=typed,
        )  # fmt: skip

    @classmethod
    async def _new_signup(
        cls,
        home: Path,
        server_url: str,
        username: str,
        password: str,
        device_name: str | None,
        kdf_cost: KdfCost,
        passphrase: str | None,
        keep_until_shown: bool,
        *,
        typed: str = "",
    ) -> Client:
        """Create a new account (see `signup`). `typed`: the username as given, before
        `normalize_username` (a taken name's message says both)."""
        if profile_exists(home):  # before the password is judged: it is never used here
            holder = await _holder_name(home)
            raise InvalidInput(
                f"{home} already holds an account{f' ({holder})' if holder else ''}: sign up "
                "with another home, a folder of its own",
                subject=OTHER_ACCOUNT_HERE,
                names={"username": holder, "unsynced": ""},
            )
        await account.check_new_password(password, username, device_name or default_device_name())
        made = await asyncio.to_thread(
            account.new_account, username, password, kdf_cost, device_name
        )
        await _refuse_orphan_store(home, made.request.account_id)  # before anything is sent
        transport = Transport(server_url)
        made_home = not home.exists()
        try:
            # On disk before the request leaves: from then on the outcome may be unknown.
            save_pending(
                home, PendingSignup(transport.base_url, made.request, made.sealed_recovery_key)
            )
            heard = account.SignupHeard()
            try:
                reply = await account.register(transport, made.request, heard)
            except TJError as error:
                if heard.answered:  # its server answered it: the address is right
                    _answered_signup(home, first=True)
                if error.subject == NOT_A_JOURNAL_SERVER:
                    _not_ours_to_signup(home, error)  # kept, and said so (rev32c F3)
                if not _refused_or_never_sent(error):
                    raise  # created or not, nobody knows: the pending signup stays
                remove_pending(home)  # no account was created: nothing to keep
                if made_home:
                    with contextlib.suppress(OSError):
                        home.rmdir()  # only if empty
                if isinstance(error, ConflictError) and error.code == "username_taken":
                    error.args = (taken_text(username, typed or username),)
                raise
        except BaseException:
            await transport.close()
            raise
        session = account.Session(
            reply,
            made.secrets,
            made.request.device_name,
            created=True,
            cost=KdfCost(made.request.opslimit, made.request.memlimit),  # chosen here
        )
        return await cls._signed_up(
            home, transport, username, session, made.recovery_key, passphrase, keep_until_shown
        )

    @classmethod
    async def _signed_up(
        cls,
        home: Path,
        transport: Transport,
        username: str,
        session: account.Session,
        recovery_key: bytes,
        passphrase: str | None,
        keep_until_shown: bool,
        *,
        kept: bool = False,
        lost: PendingSignup | None = None,
    ) -> Client:
        """The server holds a session for a new account: save the profile (a failure ends
        that session), then open the store and create the default journal (a failure leaves
        the device signed in, for `signup` to finish). `kept`: the key is the one an
        unfinished signup kept (checked before it is shown). `lost`: the unfinished signup
        this session finished by a login, whose own session is signed out
        (`_end_lost_session`)."""
        async with account.ended_on_failure(transport.base_url, session.reply.token):
            profile = await cls._new_profile(home, transport, username, session, passphrase)
        client = await cls._started(
            home, transport, profile, session, lost is not None,
            lost.request.device_id if lost is not None else b"",
        )  # fmt: skip
        client.account_created = session.created
        return await client._finish_new_account(
            recovery_key, keep_until_shown, kept=kept, listed=True, lost=lost
        )

    async def _finish_new_account(
        self,
        recovery_key: bytes | None,
        keep_until_shown: bool,
        *,
        kept: bool = False,
        listed: bool = False,
        lost: PendingSignup | None = None,
    ) -> Client:
        """Create the default journal if this account has none; set `recovery_key` (and drop
        the kept copy unless `keep_until_shown`). With `kept` (the key an unfinished signup
        kept: it may have been replaced on another device since, R23 F2), only once the
        server confirms it is the account's key in force; else (or with no key: the copy
        does not open with the password given) set `recovery_key_not_shown` and keep the
        copy, marked finished (R25 F1). `listed`: the journal list was read from the server
        just before (`_started`), not read again. `lost`: the unfinished signup finished by
        this sign-in, its own session signed out first (`_end_lost_session`). Closes this
        client on failure."""
        try:
            if lost is not None:
                await self._end_lost_session(lost)
            await self.journals._create_default(listed=listed)
        except BaseException:
            await self.close()  # nothing left open: the caller never gets the client
            raise
        if not kept:
            assert recovery_key is not None  # a new signup's own key
            return await self._offer_kept(recovery_key, keep_until_shown, checked=False)
        await self._offer_kept(recovery_key, keep_until_shown)
        if self.recovery_key is None:  # not confirmed: finished all the same, key kept apart
            self._mark_finished()
        return self

    async def _offer_kept(
        self, recovery_key: bytes | None, keep_until_shown: bool, *, checked: bool = True
    ) -> Client:
        """Set `recovery_key` to `recovery_key` (raw) and drop the copy unless
        `keep_until_shown`; with `checked` (a key kept from signup), only once the server
        confirms it is in force (R23 F2), else set `recovery_key_not_shown` and keep the copy
        (R23 F3). None: the copy did not open with the password given (changed since)."""
        in_force: bool | None = True
        if recovery_key is None:
            in_force = None
        elif checked:
            in_force = await self._in_force(recovery_key)
        if recovery_key is None or in_force is not True:
            self.recovery_key_not_shown = _not_in_force(self.home, in_force, recovery_key is None)
            return self  # the copy stays: the server's word never deletes it (R23 F3)
        self.recovery_key = keys.format_recovery_key(recovery_key)
        if not keep_until_shown:
            remove_pending(self.home)  # handed over: the app shows it now
        return self

    async def _end_lost_session(self, pending: PendingSignup) -> None:
        """Sign out the session the unfinished signup `pending` opened on the server, whose
        reply never reached this device (nu83 F2): this sign-in finishes that signup with a
        session of its own, so no device holds that one; only what stood in between (a proxy
        that dropped the reply or answered with its own page) saw its token. It is told by the
        device id this device chose and kept in the signup request (pending_signup.py), never
        by the server's list; the server signs out only a device of this account
        (/v1/devices/revoke). Sets `signup_session_ended` once signed out. Best effort, never
        failing the sign-in: a server that cannot be reached, or that knows no such device
        (the session expired or ended, or the request never made one), changes nothing."""
        lost = pending.request.device_id
        if not lost or lost == self.profile.device_id:
            return  # kept by an SDK before device-chosen ids; never this very session
        request = wire.DeviceRevokeRequest(lost)
        try:
            await self.transport.call("/v1/devices/revoke", request, wire.Empty)
        except TJError:
            return
        self.signup_session_ended = lost.hex()

    def _kept_here(self) -> PendingSignup | None:
        """The signup copy this home keeps for this client's account, if any."""
        try:
            pending = load_pending(self.home)
        except IntegrityError:
            return None  # damaged: left for the user (pending_signup.load_pending)
        if pending is None or pending.account_id != self.profile.account_id:
            return None
        return pending

    def _mark_finished(self) -> None:
        """The signup of this account finished (signed in, profile saved, default journal
        made): its kept copy, if still there, no longer gates the home (R25 F1)."""
        pending = self._kept_here()
        if pending is not None and not pending.finished:
            save_pending(self.home, dataclasses.replace(pending, finished=True))

    async def _in_force(self, recovery_key: bytes) -> bool | None:
        """Whether the server accepts `recovery_key` (raw) for this account now: it names
        the public half of the recovery login key in force (/v1/account/recovery-key/current);
        None when it cannot be asked (or refuses). The server's word, which is all a
        recovery rests on: a server lying "in force" could refuse that recovery anyway."""
        try:
            reply = await self.transport.call(
                "/v1/account/recovery-key/current", wire.Empty(), wire.RecoveryKeyReply
            )
        except TJError:
            return None
        public = bytes(keys.recovery_login_key(recovery_key).verify_key)
        return reply.recovery_login_public_key == public

    @classmethod
    async def _finish_signup(
        cls,
        home: Path,
        server_url: str,
        username: str,
        password: str,
        pending: PendingSignup,
        passphrase: str | None,
        keep_until_shown: bool,
        *,
        create: bool = True,
    ) -> Client:
        """Finish the unfinished signup kept in `home` (see `signup`); without `create` (a
        login) no account is made (`_not_on_server`)."""
        transport = Transport(server_url)
        elsewhere = transport.base_url != pending.server_url
        if username != pending.username or (elsewhere and (create or profile_exists(home))):
            await transport.close()
            raise _unfinished(home, pending)
        # A login at another address (the server's own, its signup having gone through a
        # proxy that dropped the reply): finished there only when that server holds the
        # signup's account (its salt) and signs in the keys this copy holds, opened by the
        # password (account.finish_signup: the account id checked), else refused as before,
        # nothing made (nu83 F1; rev32d F4's rule for a copy set aside).
        heard = account.SignupHeard()  # the signup request's own answer (rev33b F4)
        try:
            return await cls._finishing_signup(
                home, transport, username, password, pending, passphrase, keep_until_shown,
                create=create, heard=heard,
            )  # fmt: skip
        except TJError as error:
            if heard.answered and not profile_exists(home):
                _answered_signup(home)  # its server answered it: the address is right (rev32d)
            if error.subject == NOT_A_JOURNAL_SERVER and not profile_exists(home):
                _not_ours_to_signup(home, error)  # kept, and said so (rev32c F3)
            raise

    @classmethod
    async def _finishing_signup(
        cls,
        home: Path,
        transport: Transport,
        username: str,
        password: str,
        pending: PendingSignup,
        passphrase: str | None,
        keep_until_shown: bool,
        *,
        create: bool,
        heard: account.SignupHeard,
    ) -> Client:
        """`_finish_signup` at the signup's own server (`transport`, closed by it); `heard`
        set as `account.finish_signup` sets it."""
        server_url = transport.base_url
        if profile_exists(home):  # signed in already: the store or the journal failed
            try:
                profile = await _loaded_profile(home, passphrase)
                if profile.account_id != pending.account_id:
                    raise _unfinished(home, pending)
                recovery_key = await cls._kept_recovery_key(transport, pending, password)
            finally:
                await transport.close()
            client = await cls.open(home, passphrase=passphrase)
            try:
                # Still signed in? (A session the server ended is never used: R25 F1.)
                await client.transport.call(
                    "/v1/account/recovery-key/current", wire.Empty(), wire.RecoveryKeyReply
                )
                if recovery_key is None:  # the password was changed since, and signed in:
                    raise _changed_since(pending)  # the key is replaced here instead
                return await client._finish_new_account(recovery_key, keep_until_shown, kept=True)
            except AuthError as error:
                await client.close()
                if error.subject == "signup password changed":
                    raise
                # The server ended this device's session: sign in afresh with `password` (the
                # current one if the copy did not open: the key then stays unshown; R25 F1).
            except BaseException:
                await client.close()
                raise
            client = await cls._signed_in_afresh(home, server_url, password, pending, passphrase)
            return await client._finish_new_account(recovery_key, keep_until_shown, kept=True)
        try:
            await _refuse_orphan_store(home, pending.account_id)  # before anything is sent
        except BaseException:
            await transport.close()
            raise
        ticket = load_ticket(home, transport.base_url, username)
        try:
            session, recovery_key = await account.finish_signup(
                transport, pending, password, ticket, create=create, heard=heard
            )
        except AuthError as error:
            if error.subject == account.NOT_ON_SERVER:
                await transport.close()
                if transport.base_url != pending.server_url:  # perhaps another server
                    raise _unfinished(home, pending) from None
                raise _not_on_server(home, pending) from None
            # Not the signup's password. If the account's password was changed since (on
            # another device: prelogin's salt is no longer the signup's), `password` may be
            # the current one: sign in afresh; the copy is kept, unshown (R27 F4).
            try:
                request = wire.PreloginRequest(pending.username)
                pre = await transport.call("/v1/auth/prelogin", request, wire.PreloginReply)
            finally:
                await transport.close()
            if pre.salt == pending.request.salt:
                raise  # the signup's password is still the account's: a wrong password
            try:
                client = await cls._signed_in_afresh(
                    home, server_url, password, pending, passphrase
                )
            except AuthError:
                raise AuthError(
                    f"that is neither the password {username} was signed up with on this "
                    "device nor the account's current password (or the account no longer "
                    "exists)",
                    subject=WRONG_PASSWORD,
                ) from None
            return await client._finish_new_account(None, keep_until_shown, kept=True)
        except ConflictError as error:
            await transport.close()
            if error.code != "username_taken":
                raise
            # Kept: the name may be taken by someone else, or the account be ours after all
            # (its password changed since, or a server lying about the salt): the key this
            # device kept may be the only copy of one in force (R23 F3). Dropped only by hand.
            names = {
                "username": username,
                "kept": str(home / PENDING_FILE),
                "account": pending.account_id.hex(),
            }
            raise InvalidInput(
                other_account_text(names["username"], names["kept"], names["account"]),
                subject=NOT_THE_SIGNUPS,
                names=names,
            ) from None
        except BaseException:
            await transport.close()
            raise
        # Signed in by a login (the account was there): the signup's own session, whose reply
        # never came back, is signed out (nu83 F2); one sent again is this very session.
        return await cls._signed_up(
            home, transport, username, session, recovery_key, passphrase, keep_until_shown,
            kept=True, lost=None if session.created else pending,
        )  # fmt: skip

    @staticmethod
    async def _kept_recovery_key(
        transport: Transport, pending: PendingSignup, password: str
    ) -> bytes | None:
        """The recovery key an unfinished signup kept, opened with `password`; None when it
        does not open and the account's password was changed since (its prelogin salt is no
        longer the signup's: `password` may be the current one). Raises AuthError for
        another password than the signup's while it is still the account's."""
        try:
            _, _, recovery_key = await asyncio.to_thread(account.unlock_pending, pending, password)
        except AuthError:
            request = wire.PreloginRequest(pending.username)
            pre = await transport.call("/v1/auth/prelogin", request, wire.PreloginReply)
            if pre.salt == pending.request.salt:
                raise
            return None
        return recovery_key

    @classmethod
    async def _signed_in_afresh(
        cls,
        home: Path,
        server_url: str,
        password: str,
        pending: PendingSignup,
        passphrase: str | None,
    ) -> Client:
        """A new session for the account `pending` created, opened with `password` (a login:
        the server checks it), and the profile saved: for an unfinished signup whose device
        was signed out since its profile was saved (R25 F1: never the session ended).
        Raises AuthError (a wrong password: nothing changed), InvalidInput when the name is
        another account's (that session is ended)."""
        transport = Transport(server_url)
        ticket = load_ticket(home, transport.base_url, pending.username)
        try:
            session = await account.login(
                transport, pending.username, password, _signup_minimum(pending), None, ticket
            )
        except BaseException:
            await transport.close()
            raise
        async with account.ended_on_failure(transport.base_url, session.reply.token):
            if session.reply.account_id != pending.account_id:
                await transport.close()
                raise _unfinished(home, pending)
            return await cls._start(home, transport, pending.username, session, passphrase)

    def recovery_key_shown(self) -> None:
        """The app showed `recovery_key` to the user: forget it (`recovery_key` becomes None)
        and remove the copy a signup with `keep_until_shown=True` keeps in the home, sealed
        under the password (pending_signup.py); until then, `signup` or `login` again on this
        home hands it over again. Only this account's copy goes: a file in its place that does
        not read, or that is another account's, is left. Works on a closed client. Raises
        nothing."""
        self.recovery_key = None
        if self._kept_here() is not None:
            remove_pending(self.home)

    @classmethod
    async def login(
        cls,
        server_url: str,
        username: str,
        password: str,
        *,
        home: Path | str,
        device_name: str | None = None,
        minimum_cost: KdfCost = INTERACTIVE,
        passphrase: str | None = None,
        keep_until_shown: bool = False,
    ) -> Client:
        """Log this device in; the password only derives keys locally. A failure after the
        server opened the session (the key bundle does not open, the journal list cannot be
        read, an interrupt) ends that session, best effort, and is raised as it was
        (protocol.md, /v1/auth/login); the home's profile is then as before the login (none
        on a new home: not signed in). On a home that holds an unfinished signup of this
        account, finishes it as `signup` does (`recovery_key` is then set: show it;
        `keep_until_shown` as for `signup`), but never makes the account: when the server
        does not answer the signup's salt for it (deleted on another device, its password
        changed there, or the signup never arrived; or a server saying so), raises
        AuthError (subject "signup not on server") having sent nothing more, the copy kept;
        `signup` makes it (again). At another address than the signup's (its server's own,
        the signup having gone through a proxy that lost the reply), it finishes the same
        way when that server names the signup's salt, the copy's account id and keys
        checked, else raises InvalidInput (subject "unfinished signup"), nothing made (nu83
        F1); a signup no Therapy Journal server answered gives way instead (below), and a
        login there refused while the password opens its copy and that server names another
        salt raises AuthError "signup not on server", naming that address (nu83 F12). On a home that keeps the recovery key of this
        account's finished signup, never shown (not confirmed then), signs in as
        always, then checks the key again: shown (`recovery_key`) only if the server names it
        in force, else `recovery_key_not_shown` says why; the copy is kept either way (a
        copy this home set aside for this account goes back to its place first, if that is
        free, whatever the address it was signed up through, once the identity keys the
        password opened are the copy's: pending_signup.py, rev32d F4; an unfinished signup
        taken back so is finished as `signup` finishes it, its default journal made if
        missing; a key from a copy put back is kept until `recovery_key_shown()` even with
        `keep_until_shown=False`, since the app did not expect one from a plain login; a
        copy of this account's id holding other keys stays aside, unused, and
        `recovery_key_not_shown` says so). On a home
        signed in to this account already, the session its profile held is ended (best
        effort) once the new profile is saved. Without `device_name`, a home signed in
        to this account before keeps the name its device had (also after `logout`,
        which keeps it for this account and server), else the device is named "device"
        (never the computer's host name). The server keeps device names in clear: name a
        device by what it is ("laptop", "phone"), not by whose it is.

        `minimum_cost` is the weakest password hashing cost accepted (INTERACTIVE): a cost
        below it raises CostBelowMinimum before anything is derived; an account made for
        tests with `kdf_cost=INSECURE_TEST_COST` needs `minimum_cost=INSECURE_TEST_COST`. On
        a home that knows a higher cost for the account, one below it raises CostLowered
        (log the home out first to take a cost lowered on another device).

        Login downloads the account's keys and the list of its journals, not what they hold:
        until the first `await client.sync()` (or a live `client.changes(live=True)` feed,
        which syncs at once), `entries.list()` and every other list read what this home held
        before (nothing, on a new device). Call `sync()` right after `login`, as `tj login`
        does; a `NetworkError` from it keeps the device signed in.

        Raises InvalidInput (subject HOME_OPEN, "home open"), before anything is sent or changed, when a
        Client of this process holds `home` open: signing in again there would end the
        session that Client uses; use it, or close it first. Raises RateLimited (a
        NetworkError, subject "rate limited", `retry_after` in seconds) after too many wrong
        passwords: wait, then try again (not "offline")."""
        home = Path(home)
        _check_not_open(home)  # before anything is sent (NU45 #11)
        await _finish_logout_first(home, passphrase)  # its store is never adopted
        username = normalize_username(username)
        pending = load_pending(home)
        if pending is not None and _gives_way(home, pending, server_url):
            aside = _set_aside(home, pending)  # answered by no journal server (rev32c F3)
            try:
                return await cls.login(
                    server_url, username, password, home=home, device_name=device_name,
                    minimum_cost=minimum_cost, passphrase=passphrase,
                    keep_until_shown=keep_until_shown,
                )  # fmt: skip
            except BaseException as error:
                if not (home / PENDING_FILE).exists() and not profile_exists(home):
                    aside.replace(home / PENDING_FILE)  # not signed in: put it back
                if (
                    isinstance(error, AuthError)
                    and error.code == "auth_failed"
                    and username == pending.username
                    and await _never_reached(server_url, pending, password)
                ):
                    raise _not_on_server(home, pending, normalize_url(server_url)) from None
                raise
        if pending is not None and not pending.finished:
            return await cls._finish_signup(
                home, server_url, username, password, pending, passphrase, keep_until_shown,
                create=False,
            )  # fmt: skip
        previous = await _check_home_free(home, username, passphrase)
        if device_name is None and previous is not None:  # NU21 C11
            from client_sdk.devices import kept_own_name

            device_name = await kept_own_name(home, previous.device_id)
        transport = Transport(server_url)
        _known_server(transport, previous)
        if device_name is None and previous is None:  # after `logout` here (NU25 C7)
            from client_sdk.devices import name_after_logout

            device_name = name_after_logout(home, transport.base_url, username)
        # The login ticket the server gave this home for this account, if any, is presented
        # (protocol.md 2.7: others' failed logins do not hold it up), and the new one kept,
        # even across a logout.
        ticket = load_ticket(home, transport.base_url, username)
        known = await _home_known_cost(home, previous, transport)
        floor = minimum_cost if known is None else _stricter(minimum_cost, known)
        device_key = await asyncio.to_thread(  # a sealed one opens under `passphrase`
            devices_kept_key, home, transport.base_url, username, passphrase
        )
        try:
            session = await account.login(
                transport, username, password, floor, device_name, ticket,
                device_key[0] if device_key else None,
            )  # fmt: skip
        except CostBelowMinimum as error:
            await transport.close()
            if known is None or not _below_known(error, minimum_cost):
                raise
            raise _cost_below_known(
                error, username, known, "this home", transport.base_url
            ) from None
        except AuthError as error:
            await transport.close()
            if previous is None or error.code != "auth_failed":
                raise
            raise _maybe_deleted(error, username) from None
        except BaseException:
            await transport.close()
            raise
        # From here the server holds a session: any failure ends it (account.py).
        async with account.ended_on_failure(transport.base_url, session.reply.token):
            client = await cls._start(home, transport, username, session, passphrase)
        await _keep_device_key(home, transport.base_url, username, device_key, passphrase)
        if previous is not None and previous.account_id == client.profile.account_id:
            # Signed in over this account's profile (`login` or `signup` again): the session
            # it held is no longer held by any device: end it, best effort (R27 F5).
            if previous.token != client.profile.token:
                await account.end_session(_kept_address(previous.server_url), previous.token)
        kept = client._kept_here()
        if kept is None:
            if client._aside_not_holding is not None:  # kept, unused, and said (rev32d F4)
                why = not_holding_text(client._aside_not_holding, client.profile.account_id)
                client.recovery_key_not_shown = why
            return client
        try:
            if client._put_back is not None and not client._put_back.finished:
                # An unfinished signup taken back (made through another address: rev32d
                # F4): finished as `signup` finishes it, its default journal made if missing,
                # the session its signup opened, whose reply was lost, signed out (nu83 F2).
                await client._end_lost_session(client._put_back)
                await client.journals._create_default(listed=True)
            opened = await asyncio.to_thread(account.open_kept, kept, password)
            raw: bytes | None = None  # None: sealed under a password changed since
            if opened is not None:
                raw, derived, was_other = opened
                # The login proved `password` in force: keep only the seal it opens (R27 F1).
                if was_other and kept.other is not None:
                    other = kept.other
                    cost = KdfCost(other.opslimit, other.memlimit)
                    save_pending(home, client._resealed(kept, other.salt, cost, derived, raw))
                elif kept.other is not None:
                    save_pending(home, dataclasses.replace(kept, other=None))
            # A copy put back at this sign-in is one the app never asked for: it stays until
            # the app says it showed it (`recovery_key_shown`), whatever `keep_until_shown`.
            put_back = client._put_back is not None
            return await client._offer_kept(raw, keep_until_shown or put_back)
        except BaseException:
            await client.close()  # nothing left open: the caller never gets the client
            raise

    @classmethod
    async def recover(
        cls,
        server_url: str,
        username: str,
        recovery_key: str,
        new_password: str,
        *,
        home: Path | str,
        device_name: str | None = None,
        kdf_cost: KdfCost = MODERATE,
        passphrase: str | None = None,
    ) -> Client:
        """Log in with the recovery key, set a new password and replace the recovery key:
        the key used is retired, and `client.recovery_key` holds the new one, to show once.
        `device_name` as for `login` (sent to the server, kept there in clear): without it,
        a home signed in to this account before keeps the name its device had, also after
        `logout`, which keeps it for this account and server.
        The password and the recovery key change in one request, so in one server
        transaction: both or neither (protocol.md, /v1/account/password).

        A new password the rule refuses (passwords.check_password) raises InvalidInput
        before anything is sent; a failure after the server opened the session (the password
        change included) ends that session, as `login`, and its message says whether the
        recovery key used still works (account.set_password: a lost reply is resolved by
        the password's salt). On a home signed in to this account already, the session its
        profile held is ended (best effort) once the recovery is done, as `login` ends it.
        A recovery that takes back the copy of an unfinished signup set aside on this home
        (pending_signup.py: the identity keys the recovery key opened are the copy's)
        finishes that signup as `login` does: the default journal made if missing and the
        session the signup's lost reply opened signed out (`signup_session_ended`), before
        the password changes; the copy is then retired with the key it kept.
        Raises InvalidInput (subject HOME_OPEN, "home open"), before anything is sent or changed, when a
        Client of this process holds `home` open: signing in again there would end the
        session that Client uses; use it, or close it first."""
        home = Path(home)
        _check_not_open(home)  # before anything is sent (NU45 #11)
        await _finish_logout_first(home, passphrase)  # its store is never adopted
        username = normalize_username(username)
        after_logout = _name_after_logout(home, server_url, username)
        await account.check_new_password(
            new_password, username, device_name or after_logout or default_device_name()
        )
        raw_key = keys.parse_recovery_key(recovery_key)
        previous = await _check_home_free(home, username, passphrase)
        if device_name is None and previous is not None:  # NU21 C11
            from client_sdk.devices import kept_own_name

            device_name = await kept_own_name(home, previous.device_id)
        transport = Transport(server_url)
        _known_server(transport, previous)
        if device_name is None and previous is None:  # after `logout` here, as `login`
            device_name = after_logout
        ticket = load_ticket(home, transport.base_url, username)
        device_key = await asyncio.to_thread(  # a sealed one opens under `passphrase`
            devices_kept_key, home, transport.base_url, username, passphrase
        )
        try:
            session = await account.recover(
                transport, username, raw_key, device_name, ticket,
                device_key[0] if device_key else None,
            )  # fmt: skip
        except BaseException:
            await transport.close()
            raise
        # From here the server holds a session: any failure ends it (account.py).
        async with account.ended_on_failure(transport.base_url, session.reply.token):
            client = await cls._start(home, transport, username, session, passphrase)
            new_key = keys.new_recovery_key()
            try:
                put_back = client._put_back
                if put_back is not None and not put_back.finished:
                    # An unfinished signup taken back: finished as `login` finishes it (its
                    # default journal made, the session its lost reply opened signed out),
                    # before the password changes, so that a failure changes nothing.
                    await client._end_lost_session(put_back)
                    await client.journals._create_default(listed=True)
                await client._set_password(
                    new_password, kdf_cost, keys.recovery_login_key(raw_key), new_key
                )
            except BaseException:
                await client.close()  # nothing left open: the caller never gets the client
                raise
        client.recovery_key = keys.format_recovery_key(new_key)
        await _keep_device_key(home, transport.base_url, username, device_key, passphrase)
        if previous is not None and previous.account_id == client.profile.account_id:
            # Recovered over this account's profile: the session it held is no longer held
            # by any device: end it, best effort, as `login` does (it was left signed in,
            # and told to the other devices as a second device under this one's name).
            if previous.token != client.profile.token:
                await account.end_session(_kept_address(previous.server_url), previous.token)
        if client._kept_here() is not None:
            remove_pending(home)  # a new recovery key: the one kept from signup is retired
        return client

    @staticmethod
    async def check_home_for(home: Path | str, username: str) -> None:
        """Check, asking for no secret and sending nothing, that a sign-in of `username`
        (`login`, `recover`) may use `home`, as they check it themselves before the server
        is asked: an app calls it before it asks for a password or a recovery key, so that
        a home that can never take that account is said first. Changes nothing but what
        `Client.open` does to count unsynced changes.

        Raises InvalidInput, subject OTHER_ACCOUNT_HERE ("other account here"), when the
        home is signed in to another account (`names`: "username", that account's;
        "unsynced", how many of its items have changes that never reached the server, as
        `unsynced_changes` counts them, in decimal, or "" when that cannot be read now);
        InvalidInput (its message as `login` raises it) when the home holds, without a
        profile, the local data of an account of another username. A profile locked with a
        passphrase is told by the username its local data records (no passphrase asked);
        one whose data records none is checked by `login` and `recover` themselves once
        they have the passphrase."""
        home = Path(home)
        username = normalize_username(username)
        if not profile_exists(home):
            await _refuse_other_named_store(home, username)
            return
        try:
            previous_name = (await _loaded_profile(home, None)).username
        except TJError:
            # locked, or not readable: the username its store records, which needs no
            # passphrase (`Store.recorded_username`); else `_check_home_free` says it in
            # the sign-in
            try:
                recorded = await _recorded_username(home) if is_locked(home) else None
            except TJError:
                return  # a damaged profile or a busy store: the sign-in says it
            if recorded is None or recorded == username:
                return
            raise InvalidInput(
                f"{home} holds the account {recorded}: log out first or use another home",
                subject=OTHER_ACCOUNT_HERE,
                names={"username": recorded, "unsynced": ""},
            ) from None
        if previous_name == username:
            return
        unsynced = ""
        try:
            client = await Client.open(home)
        except TJError:
            pass
        else:
            try:
                unsynced = str(await client.unsynced_changes())
            finally:
                await client.close()
        raise InvalidInput(
            f"{home} holds the account {previous_name}: log out first or use another home",
            subject=OTHER_ACCOUNT_HERE,
            names={"username": previous_name, "unsynced": unsynced},
        )

    @staticmethod
    def unfinished_signup(home: Path | str) -> tuple[str, str] | None:
        """(server URL, username) of the signup whose recovery key `home` keeps, never
        shown: unfinished (see `signup`), or finished without its key confirmed
        (`unconfirmed_recovery_key` tells which), or None. Raises IntegrityError for a
        damaged file."""
        pending = load_pending(Path(home))
        return None if pending is None else (pending.server_url, pending.username)

    @staticmethod
    def unfinished_signup_gives_way(home: Path | str, server_url: str) -> bool:
        """Whether a signup or login on `home` at `server_url` sets the unfinished signup it
        keeps aside (`kept_recovery_keys` then lists it: never deleted) instead of refusing
        (InvalidInput, subject "unfinished signup"): every answer to that signup came from no
        Therapy Journal server (subject NOT_A_JOURNAL_SERVER: a mistyped address, or a
        proxy's own error page) and `server_url` is another address (rev32c F3). Raises
        IntegrityError for a damaged file."""
        pending = load_pending(Path(home))
        return pending is not None and _gives_way(Path(home), pending, server_url)

    @staticmethod
    def unconfirmed_recovery_key(home: Path | str) -> tuple[str, str] | None:
        """(server URL, username) of the account whose signup finished on `home` without its
        recovery key shown (the server did not confirm it), the copy kept;
        None otherwise (no copy, or the signup is unfinished). It gates nothing: `login`
        checks it again; `replace_recovery_key` drops it. Raises IntegrityError for a
        damaged file."""
        pending = load_pending(Path(home))
        if pending is None or not pending.finished:
            return None
        return (pending.server_url, pending.username)

    @staticmethod
    def kept_recovery_keys(
        home: Path | str, account_id: str | None = None
    ) -> list[KeptRecoveryKey]:
        """Every recovery key `home` keeps sealed, never shown: an unfinished signup's, one
        finished without its key confirmed, and those set aside when the home signed up again
        over an account the server no longer had (pending_signup.py says when each goes); an
        entry that does not read (undecodable, a field of the wrong type, unreadable, not a
        file) is listed with state "damaged", never raised. With `account_id` (hex, or a
        prefix), only that account's. Reads the home only (no server, no password). Raises
        InvalidInput for an empty `account_id` or one naming more than one account: refused
        before anything is shown or asked."""
        return list_kept(Path(home), account_id)

    @staticmethod
    def forget_kept_recovery_keys(
        home: Path | str,
        account_id: str | None = None,
        *,
        listed: Sequence[KeptRecoveryKey] | None = None,
    ) -> list[KeptRecoveryKey]:
        """Drop the recovery keys `home` keeps, by hand, after the user confirmed; returns
        what was dropped. An app that lists them and asks (the question may wait for hours)
        passes `listed`, what it showed (`kept_recovery_keys`): each is dropped only if its
        file is still the one listed (the same bytes), so that a key written, set aside or
        re-sealed since, never shown to the user, is never dropped; if one changed,
        none is dropped (InvalidInput: list again). Without `listed`, drops those listed now:
        all, or only the account whose id (hex) is or starts with `account_id`. One may be
        the only copy of a key that still reaches an account's data (nothing the server says
        is asked: it cannot be trusted to tell). Dropping an unfinished signup's gives it up:
        the home then takes any account (a profile it holds stays signed in). Raises
        InvalidInput when none (or more than one account) matches `account_id`, when the home
        keeps none, when `listed` holds an entry not of `home`, or when both are given."""
        home = Path(home)
        if listed is not None:
            if account_id is not None:
                raise InvalidInput(
                    "give either the kept recovery keys listed or an account id", subject=BAD_VALUE
                )
            if any(kept.path.parent.resolve() != home.resolve() for kept in listed):
                raise InvalidInput(
                    f"a kept recovery key listed is not one of {home}", subject=BAD_VALUE
                )
            kept = list(listed)
        else:
            kept = list_kept(home, account_id)
        if not kept:
            raise InvalidInput(
                f"{home} keeps no recovery key"
                + ("" if account_id is None else f" of an account {account_id!r}"),
                subject="refused",
            )
        return forget_kept(kept)

    @staticmethod
    def needs_passphrase(home: Path | str) -> bool:
        """Whether the profile in `home` exists and is locked with a passphrase."""
        return profile_exists(Path(home)) and is_locked(Path(home))

    @classmethod
    async def open(cls, home: Path | str, *, passphrase: str | None = None) -> Client:
        """Open the account already on this device (no network needed). The verified access
        chains kept on the device are read back first, so that every read knows at once
        which journals are copies kept for a therapist (listed once, as their originals).

        A logout whose end committed (`logout`: every later write of the store refused) but
        whose program stopped before it deleted the local data (killed, a power cut), with
        the profile deleted or not yet, is finished here: the local data is deleted and
        InvalidInput (subject "profile") says so (log in again with `Client.login`); a
        profile saved since by another program signing in here is never deleted (it is
        opened instead). `signup`, `login` and `recover` finish such a logout first too:
        its data is never adopted, by the same account or another.

        A profile whose server address was edited by hand to hold something the SDK refuses
        (a user name, a password, a query, a fragment) opens too, for what works offline; its
        `profile.server_url` is the address without it, and every request raises
        InvalidInput, subject PROFILE_ADDRESS, until a sign-in here at that address (rev33a F3).

        Raises InvalidInput (subject "profile") when `home` holds no account ("no account on
        this device": sign up or log in first); AuthError subject "passphrase needed" for a
        profile locked with a passphrase (`tj lock`, `set_passphrase`) opened without
        `passphrase`, and "passphrase" for a wrong one (ask again); StoreBusy (nothing
        changed, try again) when another program using this home
        (another `tj`, an app) keeps the store busy for longer than a write waits while the
        store is brought up to date (an upgrade), or keeps changing the home (logging out,
        signing in) while this looks."""
        home = Path(home)
        for _ in range(LOGOUT_TRIES):
            # What is deleted, if anything: never a profile saved since.
            loaded = profile_bytes(home)
            if loaded is None:  # the logout stopped after the profile went: its store is marked
                marked, own = await _marked_logout(home)
                if marked:
                    if await _finish_logout(home, None, None, own):
                        raise InvalidInput(LOGOUT_FINISHED.format(home=home), subject="profile")
                    continue  # finished, or signed in anew, by another program meanwhile
            profile = await _loaded_profile(home, passphrase)  # no profile: "no account"
            store = await Store.open(
                home, profile.device_id, account=profile.account_id, username=profile.username
            )
            if not store.logged_out:
                return await cls._opened(home, profile, store)
            try:
                from client_sdk.devices import OWN_NAME

                own = await store.setting(OWN_NAME)
            finally:
                await store.close(LOGGED_OUT)
            if await _finish_logout(home, loaded, _whose(profile), own):
                raise InvalidInput(LOGOUT_FINISHED.format(home=home), subject="profile")
            # Another program finished it, or signed in anew here meanwhile: read it again.
        raise StoreBusy(opening=True)

    @classmethod
    async def _opened(cls, home: Path, profile: Profile, store: Store) -> Client:
        """The client of `profile` over its `store`, opened (`open`); closes the store on
        failure."""
        client: Client | None = None
        try:
            transport, profile = _transport_of(home, profile)
            client = cls(home, profile, store, transport)
            client.transport.session_ends_ms = _session_end_of(
                await store.setting(SESSION_ENDS), profile.device_id
            )
            await client.context.settle_default()  # before any journal list: its own state
            await client.replica.load_access()
            return client
        except BaseException:
            if client is not None:
                client._forget_open()
            await store.close()
            raise

    @classmethod
    async def _start(
        cls,
        home: Path,
        transport: Transport,
        username: str,
        session: account.Session,
        passphrase: str | None,
    ) -> Client:
        """Save the profile of a session opened with the password or the recovery key, and
        open the store. The copy of this account's recovery key set aside on this home (R27
        F2) goes back to its place if that is free (pending_signup.py: the account answered
        to its password or recovery key here; only a copy of the same username holding the
        identity keys `session` opened, whatever its server address: rev32d F4; one holding
        other keys is noted, `_aside_not_holding`, for `login` to say):
        the caller then treats it as kept, and keeps it until shown (`login`). A failure
        after the profile is saved (a journal list refused, Ctrl-C while it is read) puts
        the profile back as it was before (`put_back_profile`): the caller ends the
        session (`account.ended_on_failure`), and a home left holding it would look signed
        in while every sync fails as "signed out" (nu80 F10)."""
        before = profile_bytes(home)
        profile = await cls._new_profile(home, transport, username, session, passphrase)
        saved = profile_bytes(home)
        try:
            opened = (session.secrets.sign_public_key, session.secrets.box_public_key)
            put_back = restore_aside(
                home, profile.account_id, profile.server_url, profile.username, opened
            )
            client = await cls._started(home, transport, profile, session)
        except BaseException:
            put_back_profile(home, before, saved)
            raise
        client._put_back = put_back
        if put_back is None:
            client._aside_not_holding = aside_not_holding(
                home, profile.account_id, profile.username, opened
            )
        return client

    @staticmethod
    async def _new_profile(
        home: Path,
        transport: Transport,
        username: str,
        session: account.Session,
        passphrase: str | None,
    ) -> Profile:
        """Save the profile of a session the server granted; closes `transport` on failure."""
        reply, secrets = session.reply, session.secrets
        try:
            # A logout that committed since the sign-in began (another program): finished
            # first, its store never adopted.
            await _finish_logout_first(home, passphrase)
            previous = await _loaded_profile(home, passphrase) if profile_exists(home) else None
            if previous is not None and previous.account_id != reply.account_id:
                raise InvalidInput(
                    f"{home} holds the account {previous.username}: log out first or use another home",
                    subject=OTHER_ACCOUNT_HERE,
                    names={"username": previous.username, "unsynced": ""},
                )
            if previous is None and (home / STORE_FILE).exists():
                # A store left without its profile (an account deletion stopped halfway, a
                # profile removed by hand) is adopted only by its own account: never shown
                # to another.
                await _refuse_other_store(home, reply.account_id)
            if (home / STORE_FILE).exists():
                # A store from before counters were kept per device: its counters are the
                # previous device id's (NU21 C10), never the new one's (a new id, chosen
                # here, that never wrote: protocol.md 2.3); without a previous profile
                # their id is unknown, and never taken again: they are dropped.
                if previous is not None and previous.device_id != reply.device_id:
                    await (
                        await Store.open(home, previous.device_id, account=previous.account_id)
                    ).close()
                await (await Store.open(home, reply.device_id, new_device=True)).close()
            ensure_home(home)
            profile = Profile(
                server_url=transport.base_url,
                username=username,
                account_id=reply.account_id,
                device_id=reply.device_id,
                server_id=reply.server_id,
                token=reply.token,
                secrets=secrets,
            )
            # Argon2id with a passphrase: in a thread, the loop free meanwhile.
            await asyncio.to_thread(save_profile, home, profile, passphrase)
        except BaseException:
            await transport.close()
            raise
        transport.token = reply.token
        return profile

    @classmethod
    async def _started(
        cls,
        home: Path,
        transport: Transport,
        profile: Profile,
        session: account.Session,
        began_here: bool = False,
        lost_session: bytes = b"",
    ) -> Client:
        """Open the store of a profile just saved, keep the name the device signed in with
        (a login again without one keeps it: NU21 C11) and read the journal list; closes
        everything on failure. `began_here`: the account is this home's signup's, finished
        by this login (its reply was lost: `lost_session` the device id that signup chose):
        its first look tells from the start, as after a signup answered (rev34e F2)."""
        try:
            store = await Store.open(
                home, profile.device_id, account=profile.account_id, username=profile.username
            )
        except BaseException:
            await transport.close()
            raise
        if store.logged_out:  # logged out by another program since `_new_profile` looked
            await store.close(LOGGED_OUT)
            await transport.close()
            raise InvalidInput(LOGGED_OUT_MEANWHILE.format(home=home), subject="profile")
        client = cls(home, profile, store, transport)
        try:
            await client.context.settle_default()  # before any journal list: its own state
            if session.cost is not None:  # chosen or proved here, never the reply's word
                await client._know_cost(session.cost)  # REV-ACCT F5, REV-KDF F1
            await client._keep_session_end(session.reply.expires_at)
            await client.devices._keep_own_name(session.device_name)
            if session.created or began_here:  # the account began here: told from the start
                await client.devices._signed_up(lost_session)
            await client.devices._new_session(
                profile.device_id
            )  # what came before it is not told as news
            await client.replica.refresh_journals()
            save_ticket(home, transport.base_url, profile.username, session.reply.login_ticket)
        except BaseException:  # e.g. a journal list that does not fit its message
            await client.close()  # nothing left open: the caller never gets the client
            raise
        return client

    async def close(self) -> None:
        """Close the change streams still open, the HTTP session and the local store (always
        both: an unclosed store keeps a worker thread alive and the process could never
        exit). Closing again does nothing; any other use of the client afterwards raises
        ClientClosed (open the home again with `Client.open`). From another event loop than
        its own (its `asyncio.run` ended) it closes the store and lets the HTTP
        sessions go, saving nothing more."""
        await self._close(None)

    def _forget_open(self) -> None:
        """No longer open in this process (`_check_not_open`)."""
        self._closed = True
        _OPEN_HOMES.get(_home_key(self.home), weakref.WeakSet()).discard(self)

    async def _close(self, because: str | None, *, keep_synced: bool = True) -> None:
        """`close` (`because`: what a later call raises, Store.close). `keep_synced`: save the
        last sync's time first when newer than the store's (False: the store is to be
        deleted, as after an erasure)."""
        self._forget_open()
        # What the account key and the journals' keys opened, kept process-wide (logout
        # closes too): emptied now and again once closed (a write running meanwhile).
        clear_caches()
        if self._loop is not None and running_loop() is not self._loop:
            # From another event loop (NU45 #11): nothing more is saved or awaited on the
            # loop the client belongs to; its HTTP sessions are let go, its store closed.
            try:
                await self.transport.close()
            finally:
                await self.store.close(because)
                clear_caches()
            return
        for stream in list(self._streams):
            await stream.aclose()
        try:
            try:
                if (
                    keep_synced
                    and not self._synced_busy  # waited for once already (a sync's StoreBusy)
                    and self._synced_kept is not None
                    and self._synced_at > self._synced_kept
                ):
                    # A store closed already, or kept busy by another program past the
                    # wait: the last sync's time is a convenience, not worth a second
                    # error at close (the one before it, e.g. a refused logout, stands).
                    with contextlib.suppress(ClientClosed, StoreBusy):
                        await self._keep_synced()
            finally:  # the HTTP session too when that failed (NU56 #7: a store kept busy)
                await self.transport.close()
        finally:
            await self.store.close(because)
            clear_caches()

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def username(self) -> str:
        """This account's username (lowercase)."""
        return self.profile.username

    @property
    def erased_here(self) -> bool:
        """Whether `delete_account` on this home erased this account on the server, and its
        local data is still here (another program kept the store busy: StoreBusy with
        `account_deleted`): a sign-in cannot bring the account back; `logout` deletes
        what is left. Read from a file in the home (no network)."""
        return _erased_here(self.home, self.profile.account_id)

    async def identity(self) -> Identity:
        """Who this profile is (models.Identity): username, account and device ids, this
        device's name, the server's URL and whether the keys are locked, from this device's
        profile and store alone (no network: what this device holds, not what the server
        says now), and when a sync of this device was told its session is over
        (`Identity.signed_out_at`)."""
        from client_sdk.devices import own_name

        profile = self.profile
        seen = await self.store.setting(SIGNED_OUT_SEEN)
        device, _, at = seen.partition(" ") if isinstance(seen, str) else ("", "", "")
        signed_out = (
            to_datetime(int(at)) if device == profile.device_id.hex() and at.isdigit() else None
        )
        erased = _erased_here(self.home, profile.account_id)
        return Identity(
            username=profile.username,
            account_id=profile.account_id.hex(),
            device_id=profile.device_id.hex(),
            device_name=await own_name(self.store, profile.device_id),
            server_url=profile.server_url,
            locked=is_locked(self.home),
            signed_out_at=signed_out,
            # signed out: another device may have erased the account; this one cannot know
            account_erased=True if erased else None if signed_out is not None else False,
        )

    @staticmethod
    async def locked_identity(home: Path | str) -> LockedIdentity:
        """What this device can say of the locked profile in `home` without its passphrase
        (models.LockedIdentity): this device's name (`device_name`, from the store, which
        the passphrase does not seal; "" when it knows none). The username, the account's
        and this device's ids and the server's URL are sealed with the keys (`Client.open`
        with the passphrase, then `identity()`, gives them). No network, no key derived.
        Raises InvalidInput when `home` holds no profile or one not locked (`identity()` of
        the client opened without a passphrase says everything), IntegrityError for a
        damaged profile file."""
        from client_sdk.devices import kept_own_name

        home = Path(home)
        if not is_locked(home):  # raises for no profile, or a damaged one
            raise InvalidInput(
                f"the profile in {home} is not locked: open it to see who it is", subject="refused"
            )
        return LockedIdentity(device_name=await kept_own_name(home, b"") or "")

    async def set_passphrase(self, passphrase: str | None, *, cost: KdfCost = INTERACTIVE) -> None:
        """Lock this device's keys and session token with a passphrase, or unlock them with
        None: `Client.open(home, passphrase=...)` then needs it. The key is derived with
        Argon2id at `cost` in a thread: the event loop stays free meanwhile.

        What it protects: the account's keys (which decrypt every journal of the account,
        including records the server holds and records written later) and the session
        token, sealed in the profile file. What it does not protect: the journal this
        device already decrypted. The local store (`store.db` in the home) keeps entries,
        moods, tags, notes, questionnaire answers, goals and the safety plan in plain text,
        protected by file permissions only, and is readable without the passphrase by
        anyone who can read the user's files. It is no app lock: use the operating system's
        disk encryption (and an app's sandbox) for the data at rest.

        It is a coroutine (it was a plain method before): write
        `await client.set_passphrase(...)`. Called without `await` it does nothing at all
        and the keys stay as they were (unlocked, if they were): Python only prints a
        RuntimeWarning "coroutine ... was never awaited", which an app's user never sees.
        Tell the user the keys are locked only after the await returned; `(await
        client.identity()).locked` and `Client.needs_passphrase(home)` read what the
        profile file holds.

        Raises InvalidInput (subject "weak password") for a passphrase shorter than 8
        characters, before anything is changed."""
        if passphrase is not None and len(passphrase) < 8:
            raise InvalidInput(
                "choose a passphrase of at least 8 characters", subject=WEAK_PASSWORD
            )
        await asyncio.to_thread(save_profile, self.home, self.profile, passphrase, cost)
        if passphrase is not None:  # the device key is sealed as the profile is (4.21)
            from client_sdk.devices import seal_device_key

            await asyncio.to_thread(
                seal_device_key, self.home, self.transport.base_url, self.username, passphrase,
                cost,
            )  # fmt: skip

    async def logout(
        self,
        *,
        force: bool = False,
        discard_unsynced: bool | int = False,
        discard_copies: bool | Collection[str] = False,
    ) -> LoggedOut:
        """Sign this device out and forget its local data; returns what that did
        (logged_out.LoggedOut): how many documents with changes that never reached the server were
        dropped (`discarded`), and whether the server was told. The device's name is kept on
        the home for the next `login` of this account (a file in the home). Offline, the local data
        is deleted all the same and `server_told` is False: the server lists this device until its
        session expires or another device revokes it (`device_id`). The sealed copy of a recovery
        key never shown (an unfinished signup, or one finished without its key confirmed:
        pending_signup.py) is kept: the next `signup` or `login` of that account on this home checks
        it, and shows it only if the server confirms it. Raises TJError (other than AuthError and
        NetworkError) when the server answers with an error: nothing is deleted then. The client is
        closed afterwards: any use of it raises ClientClosed (log in again with `Client.login`).

        Changes written on this device that never reached the server (`unsynced_changes()`:
        the outbox and the changes set aside) would be deleted for good. `discard_unsynced`
        says how many items of them the user agreed to lose: False or 0 none (the default),
        a number that many (the count `unsynced_changes()` gave when the user was asked),
        True any number. While there are more, logout raises UnsyncedChanges (an
        InvalidInput carrying their `count`) and deletes nothing; a negative number raises
        InvalidInput. Logout does not sync them itself: call `sync()` first when the server
        can be reached; to log out anyway, ask the user, then call again with the count they
        agreed to (as `tj logout` does after its question): they are dropped and counted in
        `LoggedOut.discarded`.

        A read-only copy of one of this account's own journals that the server no longer
        serves (`Journal.own` and `Journal.read_only_copy`: deleted on another device, or
        withheld by the server, which can make one at will) may be the only copy left, and is
        lost as unsynced changes are. `discard_copies` says which of them the user agreed to
        lose: False none (the default), a collection of journal ids (hex) those, True any.
        While there is another, logout raises UnsyncedChanges naming them (`copies`) and
        deletes nothing; export them first (`archive.export_json(journals=[journal_id])`). They are
        looked for after the sync logout may run (below): one the server withholds in that
        sync is found too. Those deleted are named in `LoggedOut.copies_deleted`.

        Both are counted twice: before the server is told (nothing changed when refused),
        and again just before the local data is deleted, after the server's answer, which a
        server may hold up to the wait for an answer: another program using this home
        (an app, `tj write`, a sync in which the server withholds a journal) may write
        meanwhile. That count is one write transaction of the
        store, which also makes every later write of other programs
        fail (ClientClosed): nothing is written between it and
        the deletion, so `discarded` and `copies_deleted` are what was deleted, and so are
        the safety flags named in `LoggedOut.flags_discarded` (those that count finds
        waiting; one sealed by another program since they were read has them read again, up
        to LOGOUT_FLAG_READS times, then StoreBusy, nothing deleted). When it finds
        more than agreed (a copy not in `discard_copies` included),
        UnsyncedChanges is raised (`signed_out` True when the server ended the session: log
        in again on this home, `Client.login`, which keeps them and sends them at the next
        sync), nothing is deleted, and the client stays open.

        An ended share whose end is not confirmed (a grant of this device the server may
        still store, which only this device knows to rule out) is ruled out first by a
        sync; while one is not, InvalidInput
        names it and nothing is deleted, unless `force`: then it is forgotten and named in
        `LoggedOut.unconfirmed` (should that grant land, the member reads
        the journal until the owner ends the share again).

        Cancelled (a task cancelled, Ctrl-C, a timeout) before the transaction that ends the
        store committed, nothing is deleted and CancelledError is raised (the server may have
        ended the session: log in again). Cancelled once it began committing, the logout is
        finished (the local data deleted) and returns, the cancellation consumed. When, once
        it committed, another program using this home kept the store busy past the wait for
        its write lock, the local data is not deleted: StoreBusy (`logged_out` True) says the
        device is logged out and that the next opening of this home (logging out again, any
        `Client.open`) deletes it; the client is closed."""
        allowed = _losses_allowed(discard_unsynced, "deleted")
        unconfirmed = await self._unconfirmed_unshares()
        if unconfirmed:
            with contextlib.suppress(TJError):
                await self.sync()
            unconfirmed = await self._unconfirmed_unshares()
        if unconfirmed and not force:
            raise InvalidInput(
                f"ending the share of {unconfirmed[0]} is not confirmed: the server may still "
                "store the share this device signed, and only this device knows to end it. "
                "Sync when the server can be reached, then log out; or log out anyway and end "
                "that share again on another device should they still be listed. Nothing was "
                "deleted",
                subject=UNCONFIRMED_UNSHARE,
            )
        # what `unsynced_changes` counts, and the changes set aside among them, in one read
        unsynced, set_aside = await self.store.unsynced(
            await self._copies(), self.profile.secrets.account_key
        )
        unsynced += await self._flags_withheld()  # acknowledged, never served back
        # after the sync above: a journal the server withheld in it is a copy now
        copies = await self._own_copies()
        refused = [
            name for journal_id, name in copies if not _copy_agreed(discard_copies, journal_id)
        ]
        over = allowed is not None and unsynced > allowed
        if over or refused:
            sendable = None
            if over and set_aside:
                sendable = await self.store.sendable(
                    await self._copies(), self.profile.secrets.account_key
                )
            raise UnsyncedChanges(
                unsynced if over else 0,
                set_aside=set_aside if over else 0,
                agreed=allowed or 0,
                copies=tuple(refused),
                sendable=sendable,
                flags=tuple(await self.safety.unsent()) if over else (),
            )
        server_told = True
        try:
            await self.transport.call("/v1/auth/logout", wire.Empty(), wire.Empty)
        except AuthError:
            pass  # already signed out (revoked, expired): the server no longer lists it
        except NetworkError:
            server_told = False  # offline: forgetting locally is what matters, and is said
        device_id = self.profile.device_id.hex()
        from client_sdk.devices import OWN_NAME

        own = await self.store.setting(OWN_NAME)
        # The profile this logout deletes: the one saved before its mark commits. Once it
        # is committed, another program signing in here finishes the logout (under the
        # store's write lock) and saves its own profile, which is never deleted here.
        loaded = profile_bytes(self.home)
        # Counted again, after the wait for the server, in the transaction that ends the store
        # for every other writer (S8-1): the copies too, which another program's sync may
        # have made meanwhile (a journal the server withheld in it; rev29a F3).
        held = await self.store.journals()
        # The safety flags among what it deletes: named, never counted as any change (NU74
        # F1). Read before the transaction below (which ends every read of the store too),
        # then kept as that transaction finds them waiting: one another program's sync sends
        # in between is not named deleted unsent; one sealed in between (not named) has the
        # transaction rolled back and the flags read again.
        from client_sdk.safety import WITHHELD

        for _ in range(LOGOUT_FLAG_READS):
            flags = tuple(await self.safety.unsent())
            ended = await self.store.end_for_logout(
                await self._copies(),
                self.profile.secrets.account_key,
                allowed,
                LOGGED_OUT,
                owner_id=self.profile.account_id,
                copies_agreed=_copies_agreed(discard_copies),
                not_copies=await self.context.brief_journals(held),
                named_flags={bytes.fromhex(f.flag_id) for f in flags},
            )
            # a withheld flag (rev29d F1) is in no outbox: kept as read
            flags = tuple(
                f for f in flags if f.cause == WITHHELD or bytes.fromhex(f.flag_id) in ended.flags
            )
            if not ended.unnamed:
                break
        else:
            raise StoreBusy()
        if not ended.ended:
            over = allowed is not None and ended.items > allowed
            raise UnsyncedChanges(
                ended.items if over else 0,
                set_aside=ended.set_aside if over else 0,
                agreed=allowed or 0,
                signed_out=server_told,
                copies=tuple(
                    name
                    for journal_id, name in ended.copies
                    if not _copy_agreed(discard_copies, journal_id.hex())
                ),
                flags=flags if over else (),
            )
        # each flag the server acknowledged but no longer serves back (rev29d F1) is counted
        # as the refusal above counted it: `Store.unsynced` misses it (not in the outbox)
        discarded = ended.items + sum(
            1 for f in flags if f.cause == WITHHELD and bytes.fromhex(f.flag_id) not in ended.flags
        )

        from client_sdk.devices import forget_device_key, keep_session_after_logout

        # What this session wrote is this device's, told so after a login again here.
        keep_session_after_logout(
            self.home, self.transport.base_url, self.username, device_id, now_ms()
        )
        # The device key goes with the home's data: left behind, it would make whoever
        # later holds the home and the password read as this device signing in again
        # (rev34c F2). A login again here is then told as a new device.
        forget_device_key(self.home, self.transport.base_url, self.username)

        async def delete() -> None:
            await self._close(LOGGED_OUT)
            # Under the store's write lock, only while it is still the marked file and the
            # profile still `loaded`: when another program finished this logout meanwhile
            # (signing in here), it is done, and nothing of that sign-in is deleted.
            await _finish_logout(self.home, loaded, (self.transport.base_url, self.username), own)

        # The store was ended for every writer: the deletion is finished even if the caller
        # is cancelled meanwhile (Ctrl-C), never leaving a profile whose writes say its data
        # was deleted; the logout then returns as done.
        try:
            await to_the_end(delete())
        except StoreBusy as busy:  # logged out, its deletion owed: never "nothing was written"
            raise StoreBusy(logged_out=True) from busy.__cause__
        return LoggedOut(
            discarded,
            server_told,
            device_id,
            tuple(unconfirmed),
            tuple(name for _, name in ended.copies),
            flags if discarded else (),
        )

    async def _own_copies(self) -> list[tuple[str, str]]:
        """(id as hex, name) of each read-only copy of this account's own journals that the
        server no longer serves, by name: what a logout deletes that may be on no server."""
        return [(j.id, j.name) for j in await self.journals.list() if j.own and j.read_only_copy]

    async def _journals_owned(self) -> int:
        """How many journals of this account's own this device holds, copies kept for a
        member left out (`SyncReport.journals_owned`). Raises only a store error."""
        me, copies = self.profile.account_id, await self._copies()
        return sum(
            1
            for j in await self.store.journals()
            if j.owner_id == me and j.role == "owner" and j.journal_id not in copies
        )

    async def _flags_withheld(self) -> int:
        """How many safety flags this device sealed the server acknowledged storing but
        never served back (`Safety.unsent`, cause WITHHELD: rev29d F1) are not in the outbox
        nor set aside (sent again, one is in the outbox from the sync after), so that
        `Store.unsynced` misses them, yet this device holds the only copy known: logout and
        account deletion count each as an item with unsynced changes."""
        from client_sdk.safety import WITHHELD

        count = 0
        for flag in await self.safety.unsent():
            if flag.cause == WITHHELD and not await self.safety.waiting(flag.flag_id):
                count += 1
        return count

    async def _unconfirmed_unshares(self) -> list[str]:
        """Each ended share whose end is not confirmed (`owed_shares.WITHDRAWN`), as
        "'journal' with member" (the journal's id, shortened, when it is not listed here)."""
        from client_sdk import owed_shares

        kept = owed_shares.withdrawn(await self.store.setting(owed_shares.WITHDRAWN))
        names = {j.journal_id: j.name for j in await self.store.journals()}
        return [
            f"{quoted_name(names.get(o.journal_id, o.journal_id.hex()[:8]))} with {o.member}"
            for _, o in sorted(kept.items())
        ]

    async def change_password(
        self,
        old_password: str,
        new_password: str,
        *,
        kdf_cost: KdfCost = MODERATE,
        minimum_cost: KdfCost = INTERACTIVE,
    ) -> None:
        """Re-wrap the key bundle under a new password; nothing else is re-encrypted. A new
        password the rule refuses (passwords.check_password) raises InvalidInput before
        anything is sent. A recovery key this home keeps from the account's signup and never
        handed over (not confirmed) is re-sealed under the new password (it
        may be the key in force and its only copy); one sealed under an older password than
        `old_password` stays as it is. The copy is sealed under the new password before
        the request leaves, the seal under the old one kept beside it until a login proves
        which is in force (a lost reply or a crash strands neither). The copy of a
        key this client handed over (`recovery_key`, kept until shown) is dropped: it would
        never open again.
        Raises CostLowered (an IntegrityError), deriving and sending nothing, when the server
        names a password cost below the one this device knows (after a
        change elsewhere at a lower cost, log this home out and sign in again)."""
        await account.check_new_password(new_password, self.username)
        old = await self._password_keys(old_password, minimum_cost)
        kept = self._kept_here()
        opened: tuple[bytes, keys.PasswordKeys, bool] | None = None
        if kept is not None and self.recovery_key is None:
            opened = await asyncio.to_thread(account.open_kept, kept, old_password)
        if kept is None or opened is None:
            await self._set_password(new_password, kdf_cost, old.login_key)
            if kept is not None and self.recovery_key is not None:
                remove_pending(self.home)  # handed over: sealed under the old password
            return
        raw, at_old, was_other = opened
        if was_other and kept.other is not None:  # the seal under `old_password` leads
            other = kept.other
            kept = self._resealed(
                kept, other.salt, KdfCost(other.opslimit, other.memlimit), at_old, raw
            )
        salt = crypto.random_bytes(crypto.SALT_BYTES)
        new = await asyncio.to_thread(keys.password_keys, new_password, salt, kdf_cost)
        sealed = seal_recovery_key(new.kek, raw, kept.account_id, kept.username)
        # Sealed under both passwords before the request leaves (R27 F1): whatever becomes of
        # the change (a lost reply, a crash), the password in force opens the copy.
        new_seal = OtherSeal(salt, kdf_cost.opslimit, kdf_cost.memlimit, sealed)
        before = self._kept_here()
        save_pending(self.home, dataclasses.replace(kept, other=new_seal))
        try:
            await self._set_password(new_password, kdf_cost, old.login_key, derived=(salt, new))
        except TJError as error:
            if not isinstance(error, NetworkError) and before is not None:
                save_pending(self.home, before)  # refused: nothing changed, nor does the copy
            raise
        request = kept.request
        old_seal = OtherSeal(
            request.salt, request.opslimit, request.memlimit, kept.sealed_recovery_key
        )  # kept until a login proves the new password in force (a server's word set it)
        resealed = self._resealed(kept, salt, kdf_cost, new, raw)
        save_pending(self.home, dataclasses.replace(resealed, other=old_seal))

    def _resealed(
        self,
        kept: PendingSignup,
        salt: bytes,
        cost: KdfCost,
        derived: keys.PasswordKeys,
        raw: bytes,
    ) -> PendingSignup:
        """`kept` with its request and seal those of the password `derived` comes from (at
        `salt` and `cost`), holding `raw`; no other seal."""
        request = dataclasses.replace(
            kept.request,
            salt=salt,
            opslimit=cost.opslimit,
            memlimit=cost.memlimit,
            login_public_key=bytes(derived.login_key.verify_key),
            bundle=keys.seal_bundle(
                derived.kek, self.profile.secrets, kept.account_id, kept.username
            ),
        )
        sealed = seal_recovery_key(derived.kek, raw, kept.account_id, kept.username)
        return dataclasses.replace(kept, request=request, sealed_recovery_key=sealed, other=None)

    async def _set_password(
        self,
        password: str,
        cost: KdfCost,
        proof_key: nacl.signing.SigningKey,
        new_recovery_key: bytes | None = None,
        derived: tuple[bytes, keys.PasswordKeys] | None = None,
    ) -> None:
        ticket = await account.set_checked_password(  # checked by recover/change_password
            self.transport,
            self.username,
            self.profile.account_id,
            self.profile.secrets,
            password,
            cost,
            proof_key,
            new_recovery_key,
            derived,
        )
        save_ticket(self.home, self.transport.base_url, self.username, ticket)
        with contextlib.suppress(TJError):  # not told to this device as another's change
            await self.devices._own_credential_change(
                ("password", "recovery key") if new_recovery_key is not None else ("password",)
            )
        await self._know_cost(cost)

    async def _password_keys(self, password: str, minimum_cost: KdfCost) -> keys.PasswordKeys:
        """The keys `password` yields for this signed-in account (`account.password_keys`),
        never at a cost below the one this device knows the account's password has
        (`KNOWN_COST`: kept at sign-in and at this device's own password change): a
        signed-in device signs nothing with a key derived cheaper than that (REV-ACCT F5: a
        server naming the floor's cost and a salt of its own got a signature it could test
        guesses against at that cost). Raises IntegrityError, deriving and sending nothing,
        for a lower cost (if the password was changed on another device at a lower cost,
        signing in again here takes it); as `account.password_keys` otherwise."""
        known = _cost_of(await self.store.setting(KNOWN_COST))
        if known is None:
            return await account.password_keys(
                self.transport, self.username, password, minimum_cost
            )
        floor = _stricter(minimum_cost, known)
        try:
            return await account.password_keys(self.transport, self.username, password, floor)
        except CostBelowMinimum as error:
            if not _below_known(error, minimum_cost):
                raise  # below what the call accepts at all: said as before
            raise _cost_below_known(
                error, self.username, known, "this device", self.transport.base_url
            ) from None

    async def _keep_session_end(self, ends_ms: int) -> None:
        """Keep when the session this device just signed in with ends (`SESSION_ENDS`)."""
        async with self.store.transaction() as tx:
            await tx.set_setting(SESSION_ENDS, json.dumps([self.profile.device_id.hex(), ends_ms]))
        self.transport.session_ends_ms = ends_ms

    async def _know_cost(self, cost: KdfCost) -> None:
        """Keep `cost` as the account's password cost this device knows (`KNOWN_COST`)."""
        async with self.store.transaction() as tx:
            await tx.set_setting(KNOWN_COST, json.dumps([cost.opslimit, cost.memlimit]))

    async def replace_recovery_key(
        self, password: str, *, minimum_cost: KdfCost = INTERACTIVE
    ) -> str:
        """Make a new recovery key and retire the current one; returns the new key,
        formatted for the user to write down (protocol.md 4.9), to show once: the SDK never
        stores it. For a key that was seen, photographed, or kept on a device now lost.

        Needs the password, as a password change does: the server requires a challenge
        signed with the password's login key, not just this device's session, and never
        the recovery key's. The server swaps the old key for the new in one
        transaction and signs out every session the old key opened alone (`recover`
        without a password change: whoever copied the key); the password, the
        journals and the other devices' sessions are untouched (list them with
        `devices.list()`, sign one out with `devices.revoke`). Raises AuthError (wrong
        password; nothing changed, the old key still works), NetworkError (no answer even
        to a second try: whether the key was replaced is unknown, run it again).
        Raises CostLowered (an IntegrityError), deriving and sending nothing, when the server
        names a password cost below the one this device knows (after a
        change elsewhere at a lower cost, log this home out and sign in again). Raises
        StoreBusy when another program using this home kept the local store busy past
        `database.WRITE_WAIT_S` once the account was deleted: the account is gone, but its
        profile and local data are still on this device (a logout here deletes them)."""
        derived = await self._password_keys(password, minimum_cost)
        raw = await account.replace_recovery_key(
            self.transport,
            self.username,
            self.profile.account_id,
            self.profile.secrets,
            derived.login_key,
        )
        with contextlib.suppress(TJError):  # not told to this device as another's change
            await self.devices._own_credential_change(("password", "recovery key"))
        if self._kept_here() is not None:
            remove_pending(self.home)  # the key kept from this account's signup is retired
        return keys.format_recovery_key(raw)

    async def delete_account(
        self,
        password: str,
        *,
        minimum_cost: KdfCost = INTERACTIVE,
        discard_unsynced: bool | int = False,
        discard_undelivered: bool | Collection[str] = False,
    ) -> None:
        """Erase this account on the server (journals, records, shares, devices, audit log) and
        then this device's profile and local data, with the login ticket and the kept device
        name this home holds for it (tickets.py, devices.py). Needs the password: the server
        requires a challenge signed with the password's login key, not just this device's
        session.
        Journals others shared with you are not theirs to lose; your own are gone for good.
        What you read of journals others shared with you stays in their audit logs (their
        record, with your username, marked erased: `AuditInfo.erased`).
        What other devices already downloaded stays on them: your other devices keep their
        local data until logged out, and a member you shared a journal with (a therapist)
        keeps the read-only copy their device holds of it.
        A local store that can no longer be read (a damaged file) is deleted with the profile
        all the same, as long as the profile is still the one read: the deleted account's
        secrets are never kept for it.
        Raises CostLowered (an IntegrityError), deriving and sending nothing, when the server
        names a password cost below the one this device knows (after a
        change elsewhere at a lower cost, log this home out and sign in again).

        Changes written on this device that never reached the server (`unsynced_changes()`:
        the outbox and the changes set aside) are on no other device and would be deleted for
        good: `discard_unsynced` says how many items of them the user agreed to lose, as for
        `logout` (False or 0 none, the default; a number, the count the user was shown; True
        any number). While there are more, UnsyncedChanges (`erasing` True) is raised before
        anything is derived or sent (before the sync below too, which would send them only
        for the erasure to delete them), and nothing is erased; a negative number raises
        InvalidInput. They are counted again after the server erased the account, in the
        write transaction that ends the store for every other writer (another program on
        this home may have written meanwhile), the safety flags the server acknowledged
        and never served back (counted by `unsynced_changes()` too) read in that same
        transaction: more than agreed then, this device's data is kept, holding them, and
        UnsyncedChanges (`erased` True) says so.

        A safety flag sealed for a member that they have not marked read, or a result with
        its safety item answered above 0 they may not have seen (`Shares.undelivered_by_member`),
        is erased from the server with the account: what their device has not downloaded never
        reaches them, though the user was told they would see it. Unless `discard_undelivered`
        says the user agreed (True: to any; or the ids, hex, of the `Undelivered` items they
        were shown: one found beyond them, sealed meanwhile by another program or device, is
        not agreed to), such an item found after a sync (which sends a flag still waiting
        here, brings the latest acknowledgements and what other devices of this account
        recorded; run whatever this device found alone) raises SafetyUndelivered, naming only
        the items not agreed to, and nothing is erased; that sync failing raises its error
        (a NetworkError saying nothing was erased) and nothing is erased either (a count from
        this device alone misses what another device recorded); `discard_undelivered=True`
        skips the sync and the count."""
        allowed = _losses_allowed(discard_unsynced, "erased")
        if allowed is not None:  # before the sync below, which would send them to be erased
            unsynced, set_aside = await self.store.unsynced(
                await self._copies(), self.profile.secrets.account_key
            )
            unsynced += await self._flags_withheld()  # acknowledged, never served back
            if unsynced > allowed:
                raise UnsyncedChanges(
                    unsynced,
                    set_aside=set_aside,
                    agreed=allowed,
                    erasing=True,
                    flags=tuple(await self.safety.unsent()),
                )
        await self._refuse_undelivered(None, "the account", agreed=discard_undelivered)
        derived = await self._password_keys(password, minimum_cost)
        challenge, signature = await account.signed_challenge(
            self.transport, self.username, "delete", derived.login_key
        )
        request = wire.AccountDeleteRequest(challenge, signature)
        loaded = profile_bytes(self.home)
        await self.transport.call("/v1/account/delete", request, wire.Empty)
        # Said by `erased_here` until the local data is deleted (NU56 #8: a deletion stopped
        # by a busy store left a device that called itself "revoked from another device").
        with contextlib.suppress(OSError):
            write_private(self.home / ERASED_HERE, self.profile.account_id.hex().encode())
        copies, account_key = await self._copies(), self.profile.secrets.account_key
        # Not the last sync's time: the account is gone and its data is deleted next; with
        # another program keeping the store busy, saving it waited WRITE_WAIT_S (5 s) for
        # nothing before the deletion waited as long again.
        await self._close(None, keep_synced=False)
        if self._kept_here() is not None:
            remove_pending(self.home)  # an unfinished signup of it would create it again
        from client_sdk.devices import forget_name_after_logout
        from client_sdk.tickets import forget_ticket

        # no login of this account follows: its ticket and kept device name go too (NU31 F11)
        forget_ticket(self.home, self.transport.base_url, self.username)
        forget_name_after_logout(self.home, self.transport.base_url, self.username)
        # Only the profile read before the account went (the account is gone: no sign-in of
        # it follows, and another account's is refused while this profile or store is here);
        # one saved since by another program is its own to keep. Checked and deleted under
        # the store's write lock, as a logout's deletion: never under another program's
        # write, never a store another account made here meanwhile.

        def still_ours() -> bool:
            return profile_bytes(self.home) == loaded

        def delete() -> None:
            remove_profile(self.home)
            _delete_store_files(self.home)

        # Counted again under the write lock the deletion holds, as logout's last count
        # (S8-1): an item another program on this home wrote meanwhile keeps the data. The
        # safety flags the server acknowledged and never served back count too, read in that
        # same transaction (fix31c 3): counted from a read before it, a flag found so since
        # (another program's sync) was deleted uncounted.
        counted: list[tuple[int, int]] = []
        from client_sdk.safety_path import withheld_flags_on

        me = (self.profile.account_id, self.profile.device_id)

        def within(db: sqlite3.Connection) -> bool:
            items, set_aside = unsynced_on(db, copies, account_key)
            counted.append((items + len(withheld_flags_on(db, *me)), set_aside))
            return allowed is None or counted[-1][0] <= allowed

        try:
            if await to_the_end(
                asyncio.to_thread(
                    delete_if_account,
                    self.home,
                    self.profile.account_id,
                    still_ours,
                    delete,
                    within,
                )
            ):
                return
        except StoreBusy as busy:  # the account is gone: never "try again"
            raise StoreBusy(account_deleted=True) from busy.__cause__
        if counted and allowed is not None and counted[-1][0] > allowed:
            items, set_aside = counted[-1]
            raise UnsyncedChanges(
                items, set_aside=set_aside, agreed=allowed, erasing=True, erased=True
            )
        if not (self.home / STORE_FILE).exists() and still_ours():  # no store: the profile
            remove_profile(self.home)
            (self.home / ERASED_HERE).unlink(missing_ok=True)

    # --- sync ---------------------------------------------------------------------------------

    async def sync(
        self,
        progress: Progress | None = None,
        *,
        strict: bool = False,
        retry: RetryPolicy | None = None,
        max_upload_wait: float = DEFAULT_UPLOAD_WAIT_S,
    ) -> SyncReport:
        """Push the outbox, then pull new records of every journal until up to date.

        `progress`, if given, is called with a SyncProgress after every batch and page.
        Records the server refuses for good are set aside, not raised (`SyncReport.set_aside`,
        `set_aside()`); transient failures are retried (transport.RetryPolicy), then raise
        NetworkError with the outbox kept; a pull that stops making progress ends and is
        reported in `SyncReport.incomplete`. Raises AuthError when signed out.
        The report's `withheld` lists records that signed records say exist but the server
        did not deliver (protocol.md "Withholding"); with `strict=True` the sync raises
        WithheldRecordsError instead (after completing; `error.report` is the report), and
        also when the pull is incomplete (`SyncReport.incomplete`).
        `retry` replaces the transport's RetryPolicy for this sync only (`QUICK_TRY`,
        exported: one try waiting at most 2 s for a connection, for an app that shows what
        it has at once when the server is down; or `RetryPolicy(attempts=1)`).
        The server limits how many records one account may write per minute (protocol.md
        2.7); past it (HTTP 429 `write_rate_exceeded`) the push waits as the server asks,
        `max_upload_wait` seconds in all (default 30; 0 never waits), each wait at most
        upload_limit.MAX_ONE_WAIT_S (120 s: a longer Retry-After is not believed); then it
        stops, the rest stays in the outbox, the pull goes on, and `SyncReport.upload_limit`
        says how many changes wait and from when (the next sync goes on). While it waits,
        `progress` gets a SyncProgress with `waiting_until` set.
        A sync that completes is remembered: see `last_synced()`.
        After it, a safety flag this device owed for a safety item answered above 0 before it
        knew the opt-in or the share (sealed by nobody yet) is sealed and pushed:
        `SyncReport.late_flags` (every such flag is sealed once). A flag this device sealed
        and sent after the share of a member it was sealed for had ended (by the owner-signed
        chain: ended on another device meanwhile), or about then, may never reach them:
        `SyncReport.undelivered_flags`, from the first sync that completes after it left (or
        a later one that brings such an end, withheld until then).
        Raises InvalidInput (subject "value") for a `retry` that is no RetryPolicy.
        """
        if retry is not None and not isinstance(retry, RetryPolicy):
            raise InvalidInput(
                f"retry is a RetryPolicy or None, not a {type(retry).__name__}", subject=BAD_VALUE
            )
        return await self._sync(progress, strict, retry, max_upload_wait)

    async def _sync(
        self,
        progress: Progress | None = None,
        strict: bool = False,
        retry: RetryPolicy | None = None,
        max_upload_wait: float = DEFAULT_UPLOAD_WAIT_S,
        as_of: tuple[int, int] | None = None,
        notice: wire.LiveNotice | None = None,
        keep_news: bool = True,
        hand: bool = True,
    ) -> SyncReport:
        """`sync`; `as_of`: the store's version the caller read just before (Store.version);
        `notice`: a live notice with records in it, that started this sync (Replica.sync);
        `keep_news`: keep its news for `unseen_news` (not `watch()`'s: its reports go to the
        app watching, and a transaction more at every live change cost its propagation
        about a millisecond, bench.live). Its share changes are kept for
        `unseen_departures` either way. `hand=False`: a sync inside another call that does
        not return its report (`_inner_sync`): what a report tells once (undelivered and
        sent safety flags, answers that got no flag, new sign-ins) is recorded as told
        only once a report is handed, so none of it is recorded here: the next sync tells
        it, as after a sync cut off (rev30b F7)."""
        saved = self.transport.retry
        self.transport.retry = retry or saved
        started = now_ms()  # a flag this sync sends leaves after it (`undelivered_flags`)
        flags_held = await self._flags_sent_held()  # flags sealed here, not judged yet
        held_here: list[UndeliveredFlag] = []  # of them, those still here (`flags_sent`)
        if flags_held:
            await self.safety._before_sync(started)
            if await self._flags_not_left():  # no statement while none waits (issue 10)
                # with those that left in a failed sync, whose report never said so
                held_here = await self.safety._left_untold() + await self.safety.unsent()
                # one each: a flag that left untold may also be one the server has not
                # served back yet (`unsent()`'s "withheld")
                firsts: dict[str, UndeliveredFlag] = {}
                for flag in held_here:
                    firsts.setdefault(flag.flag_id, flag)
                held_here = list(firsts.values())
        try:
            try:
                report = await self.replica.sync(progress, max_upload_wait, as_of, notice)
                if held_here:  # those that left in it stay untold until the report is
                    # handed (below): a request that follows may be held past a command's
                    # quick-sync limit, and a report cut off never reaches the app (rev29a F4)
                    await self.safety._note_untold([u.flag_id for u in held_here])
            except BaseException:  # cut off after a push, signed out, cancelled: the flags
                if held_here:  # that left in it are said by the next completed sync, as
                    with contextlib.suppress(Exception):  # this report never reaches the app
                        await self.safety._note_untold([u.flag_id for u in held_here])
                raise
        except TJError as error:
            # unreachable, or no Therapy Journal server answered (a page of any status keeps
            # its status's type: rev33a F6): nothing was refused, the changes wait
            if isinstance(error, NetworkError) or error.subject == NOT_A_JOURNAL_SERVER:
                await self._say_kept(error)
            # the session is over: `identity()` says so after (NU55 F8)
            elif isinstance(error, AuthError) and error.subject in (
                SIGNED_OUT,
                SESSION_ENDED,
                SESSION_EXPIRED,
            ):
                seen = f"{self.profile.device_id.hex()} {now_ms()}"
                with contextlib.suppress(TJError):  # the AuthError is the one to raise
                    await self.store.put_setting(SIGNED_OUT_SEEN, seen)
            raise
        else:
            erasures = self.replica.unconfirmed_erasures()
            if erasures:  # members the server says were erased: off the chain first (F5)
                with contextlib.suppress(NetworkError, ConflictError):  # else withheld
                    await self.sharing.drop_departed(erasures)
                await self.replica.settle_erasures(report)
        finally:
            self.transport.retry = saved
        if report.arrivals:  # nothing arrived: nothing to settle, nothing read (issue 10)
            watched = await self.store.unsynced_field_writes(as_of=self.replica.synced_version)
            if watched:
                from client_sdk.entries import settle_after_sync

                report.settled, overtaken, report.merged_texts = await settle_after_sync(
                    self.context,
                    watched,
                    set(report.arrivals),
                    report.removals,
                    report.seen_mine,
                    report.arrivals,
                )
                if overtaken:
                    report.overtaken = await self._named_removals(overtaken)
            from client_sdk.entries import forget_removed_writes

            # a document deleted, a check-in undone, on another device: its history too
            await forget_removed_writes(self.context, report.arrivals)
        # Tag additions and removals applied again where another device wrote the tags
        # without them (this sync's arrivals, or an earlier sync's it did not judge).
        from client_sdk.entries import apply_tags_again_after_sync

        report.settled = await apply_tags_again_after_sync(
            self.context, report.settled, as_of=self.replica.synced_version
        )
        if report.settled or report.merged_texts:  # their commands name no default journal
            with contextlib.suppress(TJError):
                journals = await self.store.journals()
                report.default_journal = (
                    await self.context.default_journal(journals)
                ).journal_id.hex()
        await self._follow_removals(report)
        # Kept for `unseen_departures` as they are taken, in one step (REV-NEWS3 F1): the
        # requests below (the device list for the names of arrivals) may never return.
        # `watch()`'s too: a share's end told only to a watch is kept for the app as well
        # (kept in the transaction that takes them: nothing more when there are none).
        report.departures = await self._owners_named(
            await self.sharing.departures(MAX_UNSEEN_NEWS, self._flag_choices)
        )
        self.replica.report_removals_refused(report)  # a removal the server refused (F3)
        report.same_names = await self._same_names(self.replica.synced_version)
        version, plan_found = self.replica.synced_version, self._plan_not_loaded
        if version is None or plan_found is None or plan_found[0] != version:
            plan_found = None
            with contextlib.suppress(TJError):  # the safety message's plan (`plan_journal`)
                missing = await self.context.plan_journal() is None
                plan_found = None if version is None else (version, missing)
                report.plan_not_loaded = missing
            self._plan_not_loaded = plan_found
        else:
            report.plan_not_loaded = plan_found[1]
        await self.sharing.name_older_copies()  # R24 F2: copies made before `limited`
        report.late_flags = await self._seal_missed_flags({g.journal_id for g in report.withheld})
        unflagged_told: dict[str, list[str]] = {}  # written as told once handed (below)
        if "safety" in self.__dict__:  # made by `_seal_missed_flags` when it had to look
            report.unflagged, unflagged_told = self.safety._take_unflagged()  # NU64 F11
        # a flag this device sent after its share ended: one held at the start, or sealed
        # meanwhile (a late flag, or by another process: it was pushed then)
        sealed = "safety" in self.__dict__ and self.safety.sent_noted
        judging = (flags_held or sealed or report.pushed) and await self._flags_sent_held()
        if judging or await self._flags_told_held():  # a told flag's member may share again
            report.undelivered_flags = await self.safety._undelivered(now_ms())
        own_gaps = self._own_gaps(report) if report.withheld else []  # no call when none
        if own_gaps or (judging and report.pushed):
            # a flag of this device's the server acknowledged and has not served back is
            # sent again at the next sync, told once (rev29d F1); one pushed and served
            # back is kept whole no more
            report.undelivered_flags += await self.safety._send_withheld_again(own_gaps)
        if report.held_stale:  # a flag kept as its journal's push was refused as stale: named
            told = {u.flag_id for u in report.undelivered_flags}  # at every such sync (F7)
            report.undelivered_flags += await self.safety._refused_as_stale(report.held_stale, told)
        if held_here:  # those that left in this sync, but not one told undelivered above
            gone = {u.flag_id for u in report.undelivered_flags}
            left = [u for u in held_here if not await self.safety.waiting(u.flag_id)]
            report.flags_sent = [u for u in left if u.flag_id not in gone]
        synced = self.replica.synced_version  # none found at it: not read again (issue 10)
        if hand and (synced is None or synced != self._no_withheld_untold):
            if await self._withheld_untold():  # found by a sync whose report no one read
                told = {u.flag_id for u in report.undelivered_flags}  # (rev30c F4)
                report.undelivered_flags += await self.safety._withheld_untold(told)
        if report.undelivered_flags or report.unflagged:  # their words name the plan's journal
            with contextlib.suppress(TJError):
                report.journals_owned = await self._journals_owned()
        now = now_ms()
        if not report.notice_only:
            # A sync that applied a live notice's records sent no /v1/sync: it brought one
            # journal, and says nothing of when the others were last asked. The
            # device cannot know the live channel announced every change a /v1/sync brings
            # (meta notices are a hint; R31 F1): watch() runs an ordinary
            # sync at least every WATCH_FULL_SYNC_S instead (`watch()`).
            await self._synced(now)
        to_hand = False
        devices = self.devices  # a look for new sign-ins at most once an interval: when it
        looked = devices.looked_at  # is not due, decided here from memory (no call)
        if (
            looked is None
            or not 0 <= now - looked < devices.sign_ins_interval_ms
            or devices._untold_kept()  # found by a look whose sync was cut off
        ):
            with contextlib.suppress(NetworkError):
                report.new_devices, report.credential_changes = await devices._sign_ins_due(now)
                to_hand = True  # (a look that failed hands nothing: what was kept stays)
        if report.arrivals:  # nothing to name on a no-op sync: no store read for names
            report.news += await self._arrival_news(report)
        if report.set_aside:  # why, as the owner's chain now says (after the pull)
            report.set_aside = await self._explained(report.set_aside)
        if report.news and keep_news:  # kept until seen; a sync with none writes nothing
            await self._change_unseen(  # (its departures were kept as they were taken)
                lambda kept: sync_plan.merged_news(kept, report.news)[-MAX_UNSEEN_NEWS:],
                held_only=True,
            )
        if not hand:  # nothing recorded as told: the next sync tells it (rev30b F7)
            if "safety" in self.__dict__:
                await self.safety._not_handed()
            return report
        if "safety" in self.__dict__:  # what `_undelivered` told: recorded as handed now
            await self.safety._handed_undelivered()
        if held_here or report.late_flags:  # said by this report (`flags_sent`,
            # `late_flags`, or told undelivered), which reaches the app now, returned or
            # carried by WithheldRecordsError: never again
            said = [u.flag_id for u in held_here] + [f.flag_id for f in report.late_flags]
            await self.safety._told_left(said)
        if strict:
            report.raise_for_withheld()
        # Handed to the app now: the sign-ins the look found were kept until here, so a
        # sync cut off after the look (a command's quick sync out of time) tells them later;
        # so were the answers that got no safety flag (`SyncReport.unflagged`).
        if to_hand:
            await devices._handed()
        if unflagged_told:
            await self.safety._handed(unflagged_told)
        if report.new_devices or report.credential_changes:  # from memory: read by the look
            report.replaced_elsewhere = await devices.replaced_elsewhere()
        return report

    async def _inner_sync(self) -> SyncReport:
        """A sync inside another call that does not return its report (`briefs.share`'s):
        its news are kept for `unseen_news`, and what a report tells once is left for the
        next sync to tell (`_sync` with `hand=False`, rev30b F7)."""
        return await self._sync(hand=False)

    async def _arrival_news(self, report: SyncReport) -> list[News]:
        """`report.arrivals` in plain words (`sync.summarize`), as named after the sync that
        brought them (`Replica.synced_version`)."""
        synced = self.replica.synced_version  # read as of it while nothing was written
        held = await self.store.journals(as_of=synced)
        # the copies kept for a therapist: their originals arrive too, but what the
        # therapist writes in one (notes, prompts, assignments) is there alone
        copies = {j.journal_id for j in held if self.replica.is_disclosure(j)}
        me = self.profile.account_id
        told = await self._flags_told(
            await self._withdrawn_told(
                await self._counted_once(
                    await self._had_through_copies(
                        [
                            a
                            for a in report.arrivals.values()
                            if a.journal_id not in copies or a.author != me
                        ],
                        held,
                    ),
                    held,
                )
            )
        )
        source_of, timed = await self._source_names(report)
        # after the journals' (Replica.sync's)
        return sync_plan.summarize(told, source_of, me, timed)

    async def _keep_inner_news(self, report: SyncReport) -> None:
        """The news of a sync run inside another call (a share's, an unshare's, a push
        outside a sync: `Replica.keep_told`), whose report that call does not return: kept
        for `unseen_news` (what `tj sync` says as "Earlier"), so a client's new safety flag
        it pulled is told, never lost (rev30b F8), after the journal news its journal list
        brought (`Replica.refresh_journals`: an owner's rename, rev30c F5). Nothing written
        when there are none."""
        news = list(report.news)
        news += await self._arrival_news(report) if report.arrivals else []
        if news:
            await self._change_unseen(
                lambda kept: sync_plan.merged_news(kept, news)[-MAX_UNSEEN_NEWS:],
                held_only=True,
            )

    def _own_gaps(self, report: SyncReport) -> list[Gap]:
        """The gaps of `report.withheld` of this device's own records: ones the server
        acknowledged and has not served back."""
        me = (self.profile.account_id, self.profile.device_id)
        return [g for g in report.withheld if (g.author, g.device) == me]

    async def _flags_sent_held(self) -> bool:
        """Whether safety flags this device sealed wait to be judged (safety.FLAGS_SENT,
        `SyncReport.undelivered_flags`), as the store holds it at each sync: another
        process on the same store (the CLI, a second app) may have sealed one. Kept in
        memory by the store while no connection changed its settings (`Store.setting` with
        `as_of`), so a sync with nothing to do reads nothing for it (issue 10); the care
        modules load only when a flag is kept."""
        from client_sdk.safety import FLAGS_SENT

        # the store's version now (another process's commit included), no statement while
        # nothing changed: read again only when the settings changed since the last read
        version = await self.store.version()
        return await self.store.setting(FLAGS_SENT, as_of=version) not in (None, "{}")

    async def _flags_told_held(self) -> bool:
        """Whether a sync told a safety flag undelivered (safety.FLAGS_UNDELIVERED): its
        member's share given again carries it to them, and that share's end is told too
        (rev33a F5); read as `_flags_sent_held` reads, no statement while nothing changed."""
        from client_sdk.safety import FLAGS_UNDELIVERED

        version = await self.store.version()
        return await self.store.setting(FLAGS_UNDELIVERED, as_of=version) not in (None, "{}")

    async def _withheld_untold(self) -> bool:
        """Whether a sync inside another call found a safety flag withheld that no report
        told yet (safety.FLAGS_WITHHELD_UNTOLD), read from the settings the store keeps in
        memory as of the sync's end (`Replica.synced_version`); `_sync` does not ask while
        that version is the one at which none was found (a sync with nothing to do, issue
        10)."""
        from client_sdk.safety import FLAGS_WITHHELD_UNTOLD

        synced = self.replica.synced_version
        raw = await self.store.setting(FLAGS_WITHHELD_UNTOLD, as_of=synced)
        if raw in (None, "[]"):
            self._no_withheld_untold = synced
            return False
        return True

    async def _flags_not_left(self) -> bool:
        """Whether a safety flag FLAGS_SENT lists has not left this device yet (no `left`),
        or left in a sync that failed, never said (`untold`),
        read from the settings the store keeps in memory (`_flags_sent_held`): a flag kept
        only to be judged after it left costs a sync nothing here."""
        from client_sdk.safety import FLAGS_SENT

        raw = await self.store.setting(FLAGS_SENT, as_of=await self.store.version())
        held = json.loads(raw) if isinstance(raw, str) else {}
        return isinstance(held, dict) and any(
            isinstance(e, dict) and ("left" not in e or "untold" in e) for e in held.values()
        )

    async def unseen_news(self) -> list[News]:
        """What the syncs since the last `mark_news_seen()` brought (every `sync()`'s
        `SyncReport.news`, whoever ran it: an app's own, a command's quick sync before it
        shows something; not `watch()`'s, whose reports go to the app watching), the counts
        of the same news added (sync.merged_news: "3
        new entries from hugo"), in order of first appearance; the last MAX_UNSEEN_NEWS
        kinds at most; none of a journal removed from this device (`News.journal_id`).
        For an app that says "since you last looked" although another part
        of it synced meanwhile (a sync that finds nothing new after another part's sync
        brought a client's entry still says the entry). The share changes those syncs told are
        kept apart: `unseen_departures`. Works offline. Raises ClientClosed once closed."""
        return sync_plan.decode_news(await self.store.setting(UNSEEN_NEWS))

    async def unseen_departures(self) -> list[Departure]:
        """The share changes (`SyncReport.departures`: shares started, ended, given new
        terms or made again, told from the owner-signed chains this device verified, or as
        the server's word where only the server says it) that the syncs since the last
        `mark_news_seen()` told: every `sync()`'s and `watch()`'s (a live change feed's too),
        kept as the sync takes them, so that one cut off later keeps them too; in the
        order told, MAX_UNSEEN_NEWS at most (the server's own words dropped first:
        departures.kept_told); none of a journal removed from this device. Each was told once by the
        report of the sync that found it; an app whose other parts sync quietly says them again here
        (a share's end told only by a quiet sync would otherwise go unsaid). A setting of another
        form is read as none. Works offline. Raises ClientClosed once closed."""
        return await self._owners_named(decode_told(await self.store.setting(UNSEEN_DEPARTURES)))

    async def _owners_named(self, told: list[Departure]) -> list[Departure]:
        """`told` with each journal named as this device holds it now (`Departure.journal`,
        and `source` by `source_id`: a share told before the same sync applied another
        device's rename of the journal was named by its old name), with
        `Departure.owner_label` set where this device names the owner of a
        journal it holds otherwise than `owner` now (`Replica.owner_label`: another account
        that bore the username has journals here too, NU46 #1; `Context.owner_named`: the
        server gives the username to another account, not verified yet), and
        `Departure.command_owner` where the commands a notice prints name them otherwise
        still (`Context.client_label`: the copy kept of a share that ended, by its owner's
        account, REV-S9B S9B-1), and `Departure.set_aside` for an own journal no longer on
        the server (`Replica.unsent_changes`: what only this device holds of it)."""
        if not told:
            return told
        journals = {j.journal_id.hex(): j for j in await self.store.journals()}
        found = []
        for d in told:
            journal = journals.get(d.journal_id)
            source = journals.get(d.source_id) if d.source_id else None
            if journal is not None and journal.name != d.journal:
                d = dataclasses.replace(d, journal=journal.name)
            if source is not None and d.source and source.name != d.source:
                d = dataclasses.replace(d, source=source.name)
            if journal is not None and d.items and not d.owner:  # what it held (NU64 F20)
                held = await self.store.documents(journal.journal_id, ("entry", "measure"))
                d = dataclasses.replace(d, items_held=tuple(sorted({h.kind for h in held})))
            if journal is not None and d.reason == GONE and not d.owner:  # before a delete
                unsent = await self.replica.unsent_changes(journal)
                if unsent is not None and unsent.documents:
                    d = dataclasses.replace(d, set_aside=unsent.documents)
            if journal is None or not d.owner:
                found.append(d)
                continue
            label = self.context.owner_named(journal)
            command = self.context.client_label(journal)
            found.append(
                dataclasses.replace(
                    d,
                    owner_label=label if label != d.owner else "",
                    command_owner=command if command != label else "",
                )
            )
        return found

    async def mark_news_seen(self, seen: Sequence[News | Departure] | None = None) -> None:
        """Forget news `unseen_news()` and share changes `unseen_departures()` return, the
        user has seen them: `seen`, those shown (the news and share changes of
        `unseen_news()`, `unseen_departures()` and of the reports shown since: news counts
        taken off, sync.news_without, and each share change once, so that what another
        process's sync kept meanwhile stays), or every one (None). Raises
        ClientClosed once closed."""
        if (
            await self.store.setting(UNSEEN_NEWS) is None
            and await self.store.setting(UNSEEN_DEPARTURES) is None
        ):
            return  # nothing kept: nothing written
        news = [n for n in seen or [] if isinstance(n, News)]
        told = [d for d in seen or [] if isinstance(d, Departure)]
        await self._change_unseen(
            lambda kept: [] if seen is None else sync_plan.news_without(kept, news),
            lambda kept: [] if seen is None else told_without(kept, told),
        )

    async def _change_unseen(
        self,
        news: Callable[[list[News]], list[News]],
        told: Callable[[list[Departure]], list[Departure]] | None = None,
        *,
        held_only: bool = False,
    ) -> None:
        """The kept news (`unseen_news`) and share changes (`unseen_departures`; None: not
        read) read, changed and written in one transaction: another process's sync or mark
        between the two would otherwise be lost or undone (REV-CARE4 F3: news shown came
        back as "Earlier"). A setting left as it was is not written. `held_only`: the news
        of a journal this device no longer holds (removed by another process meanwhile)
        left out (REV-NEWS3 F3, as Sharing.departures leaves out its share changes)."""
        async with self.store.transaction() as tx:
            held = {j.hex() for j in await tx.journal_ids()} if held_only else None

            def changed(kept: list[News]) -> list[News]:
                left = news(kept)
                if held is None:
                    return left
                return [n for n in left if not n.journal_id or n.journal_id in held]

            await _change_setting(
                tx, UNSEEN_NEWS, changed, sync_plan.decode_news, sync_plan.encode_news
            )
            if told is not None:
                await _change_setting(tx, UNSEEN_DEPARTURES, told, decode_told, encode_told)

    async def _follow_removals(self, report: SyncReport) -> None:
        """The copies shared one by one of entries in the trash or deleted follow them
        (`Entries._follow_removals`; pushed at once, in this sync): for the entries whose removal a
        pulled page brought and the copies pages brought (noted with each page,
        `replica.COPIES_TO_FOLLOW`: a crash after the page, or a sync run inside a share,
        loses none: REV-DEL7), and those a write refused before (`entries.COPIES_OWED`),
        tried again only once the store changed (REV-DEL5 D). Both read from memory while
        the store is unchanged: a sync with nothing to do runs no statement for them."""
        from client_sdk.entries import COPIES_OWED

        synced = self.replica.synced_version
        noted = decode_to_follow(await self.store.setting(COPIES_TO_FOLLOW, as_of=synced))
        if noted["mirrored"] or self.sharing.live_mirrors():
            await self._follow_mirrors(report, noted, synced)
        owed = await self.store.setting(COPIES_OWED, as_of=synced)
        if not (noted["entries"] or noted["copies"]) and not (owed and self._owed_tried != synced):
            return
        self._owed_tried = synced
        entries, copies = (_ids(noted[field]) for field in ("entries", "copies"))
        before = await self.store.version()
        try:
            report.problems += await self.entries._follow_removals(entries, copies)
        except TJError as error:  # the sync itself went through: said, tried again later
            report.problems.append(f"copies shared one by one were not checked: {error}")
            return
        if await self.store.version() != before and not await self.store.outbox_empty():
            # The copies' trash or delete goes in this sync, not the next: the member's next
            # sync takes the copy away, as `delete` said (NU42 #1: it waited until this
            # device synced again, and a device closed after `tj delete` never sent it).
            with contextlib.suppress(NetworkError, RateLimited):
                await self.replica.push_outbox(report)
        if not (noted["entries"] or noted["copies"]):
            return  # nothing noted to clear: no write (the next sync stays idle: REV-DEL5 D)
        async with self.store.transaction() as tx:  # what was handed over; not what came since
            kept = decode_to_follow(await tx.setting(COPIES_TO_FOLLOW))
            left = {  # "mirrored": `_follow_mirrors` clears what it did
                k: v if k == "mirrored" else [x for x in v if x not in set(noted[k])]
                for k, v in kept.items()
            }
            await tx.set_setting(COPIES_TO_FOLLOW, json.dumps(left) if any(left.values()) else None)

    async def _follow_mirrors(
        self, report: SyncReport, noted: dict[str, list[str]], synced: tuple[int, int] | None
    ) -> None:
        """The field-level copies follow what their source holds on this device
        (`Sharing.follow_mirrors`: the documents noted "mirrored" with pulled pages or by a
        write that could not copy, and once per copy every document of its source), pushed
        in this sync; what could not be copied is a problem of the sync, and the documents
        left stay noted for the next sync."""
        mirrored = _ids(noted["mirrored"])
        try:
            problems, left, wrote = await self.sharing.follow_mirrors(mirrored, as_of=synced)
        except TJError as error:  # the sync itself went through: said, tried again later
            report.problems.append(f"field-level copies were not brought up to date: {error}")
            return
        report.problems += problems
        if wrote and not await self.store.outbox_empty():
            with contextlib.suppress(NetworkError, RateLimited):
                await self.replica.push_outbox(report)
        if not mirrored:
            return
        done = {d.hex() for d in mirrored if d not in left}
        async with self.store.transaction() as tx:
            kept = decode_to_follow(await tx.setting(COPIES_TO_FOLLOW))
            kept["mirrored"] = [x for x in kept["mirrored"] if x not in done]
            await tx.set_setting(COPIES_TO_FOLLOW, json.dumps(kept) if any(kept.values()) else None)

    async def _named_removals(
        self, overtaken: list[tuple[OvertakenEdit, sync_plan.Removal]]
    ) -> list[OvertakenEdit]:
        """The edits a removal overtook (`SyncReport.overtaken`), each naming the device of
        this account that removed the entry (the server's device list, as `news` names
        devices: "" when it cannot be had, or for another account's removal)."""
        me = self.profile.account_id
        devices: dict[bytes, str] = {}
        mine = {removal.device for _, removal in overtaken if removal.author == me}
        if mine:
            with contextlib.suppress(TJError):
                devices = await self.devices._device_names(mine)
        return [
            dataclasses.replace(told, device=_named_device(devices, removal.device))
            if removal.author == me
            else told
            for told, removal in overtaken
        ]

    async def _same_names(self, as_of: tuple[int, int] | None) -> list[SameName]:
        """`SyncReport.same_names`: this account's journals (on the server) that share a
        name, ignoring case (NU22 C15). `as_of`: the sync's last store version (Store.version
        `since`: no statement while this process changed nothing since, issue 10)."""
        from client_sdk.same_names import SameName

        me = self.profile.account_id
        by_name: dict[str, list[LocalJournal]] = {}
        for journal in await self.store.journals(as_of=as_of):
            own = journal.owner_id == me and journal.role == "owner"
            if own and not self.replica.is_disclosure(journal):  # copies kept for members aside
                by_name.setdefault(journal.name.casefold(), []).append(journal)
        return [
            SameName(same[0].name, tuple(sorted(j.journal_id for j in same)))
            for _, same in sorted(by_name.items())
            if len(same) > 1
        ]

    async def _withdrawn_told(self, arrivals: list[sync_plan.Arrival]) -> list[sync_plan.Arrival]:
        """`arrivals` with the notes and prompts now withdrawn (marked deleted) told as such
        (`Arrival.withdrawn`), and those this device never held before left out: a note
        created and withdrawn before it reached this device is nothing to read, and the
        summary never announces a note `notes.list()` does not show (NU20 C5), nor those it
        held withdrawn already: a share made again carries them anew, in records of the
        device that shared (NU39 #4: "1 note withdrawn by laptop", told twice)."""
        told = []
        for arrival in arrivals:
            if arrival.kind in (NOTE, PROMPT):
                stored = await self.store.document(arrival.doc_id)
                if stored is not None and stored_document(stored).field("deleted") is True:
                    if arrival.new or arrival.before == sync_plan.DELETED:
                        continue
                    arrival = dataclasses.replace(arrival, withdrawn=True)
            told.append(arrival)
        return told

    async def _flags_told(self, arrivals: list[sync_plan.Arrival]) -> list[sync_plan.Arrival]:
        """`arrivals` with each safety flag of another account that this device did not hold
        before and that this account acknowledged already (on another of its devices, whose
        signed acknowledgement came with it and verifies here: `Arrival.told` ACKNOWLEDGED)
        told so (NU24 C5), never as a new flag to act on. Every other flag is told as new,
        one raised before a share made again included (R46 F5: whether any device of this
        account received it then is not known, and a clock is no proof). Read from
        `safety.flags()` only when such a flag came."""
        from client_sdk.safety import SAFETY_FLAG  # only here: a care module (issue 10)

        me = self.profile.account_id
        wanted = {a.doc_id for a in arrivals if a.kind == SAFETY_FLAG and a.new and a.author != me}
        if not wanted:
            return arrivals
        flags = {flag.id: flag for flag in await self.safety.flags()}
        told = []
        for arrival in arrivals:
            flag = flags.get(arrival.doc_id.hex()) if arrival.doc_id in wanted else None
            if flag is not None and any(ack.mine for ack in flag.acknowledged):
                arrival = dataclasses.replace(arrival, told=sync_plan.ACKNOWLEDGED)
            told.append(arrival)
        return told

    async def _counted_once(
        self, arrivals: list[sync_plan.Arrival], held: list[LocalJournal]
    ) -> list[sync_plan.Arrival]:
        """`arrivals` without those of a client's copies (`share --only`, `share-entry`,
        `measure share`) of an entry or result this account also reads in a journal the
        client shares whole: each counts once in the summary, as `entries.list()` and
        `measures.list()` count it (their `once_each` rule, NU19 C18). A change that is
        only in a copy still counts, and so does one of an entry or result held only in the
        read-only copy of a whole journal whose share ended (`Context.share_state`, from the
        owner-signed chain; or no longer served): nothing reaches that copy any more, so the
        copy shared one by one is what the member now reads of it (NU42 #4: "nothing new"
        when it arrived, was trashed or restored). `held`: the journals on this device, as
        of the sync."""
        await self.replica.load_access()  # which journals are copies, which ended: chains
        copies = {j.journal_id for j in held if self.replica.is_copy_shared_with_me(j)}
        copied = [a for a in arrivals if a.journal_id in copies and a.kind in (ENTRY, MEASURE)]
        if not copied:
            return arrivals
        arrived = {a.journal_id for a in copied}
        owners = {j.owner_id for j in held if j.journal_id in arrived}
        read = [  # the copies that arrived, and the whole journals of their owners shared now
            j
            for j in held
            if j.journal_id in arrived
            or (
                j.journal_id not in copies
                and j.owner_id in owners
                # a leave here tells ended from unlisted only: either is over, () will do
                and self.context.share_state(j, ()) == (False, False)
            )
        ]
        twice: set[str] = set()  # ids in the copies of what a whole journal shared now holds
        if any(a.kind == ENTRY for a in copied):
            entries = []
            for journal in read:
                entries += await self.context.entries(
                    journal.journal_id.hex(), include_deleted=True
                )
            once = {e.id for e in self.context.once_each(entries, read)}
            twice |= {e.id for e in entries if e.id not in once}
        if any(a.kind == MEASURE for a in copied):
            from client_sdk.results import results_once_each  # a care module (issue 10)

            results = []
            for journal in read:
                results += await self.measures.list(journal.journal_id.hex())
            owned = {j.journal_id.hex(): j.owner_id.hex() for j in read}
            in_copies = {k: v for k, v in owned.items() if bytes.fromhex(k) in copies}
            counted = {r.id for r in results_once_each(results, in_copies, owned)}
            twice |= {r.id for r in results if r.id not in counted}
        return [a for a in arrivals if a.doc_id.hex() not in twice]

    async def _had_through_copies(
        self, arrivals: list[sync_plan.Arrival], held: list[LocalJournal]
    ) -> list[sync_plan.Arrival]:
        """`arrivals` without the entries and results new in a journal a client shares whole
        with this account that this device already held, before this sync, in a copy the
        client keeps for it (`share --only`, `share-entry`, `measure share`): the same entry
        or result, by `queries.once_each` / `results.results_once_each` (same owner, time
        and every field the copy carries). A `--full` share after `--only` seals every
        entry again for the whole journal; those the therapist had in the copy are not new
        to them (NU26 C6). One that arrived in the copy in this very sync is new, and counts
        once (`_counted_once`). `held`: the journals on this device, as of the sync."""
        owners = {j.journal_id: j.owner_id for j in held}
        copies = {j.journal_id for j in held if self.replica.is_copy_shared_with_me(j)}
        if not copies:  # no copy held: none of them was had through one (issue 10)
            return arrivals
        copy_owners = {owners[c] for c in copies}
        fresh = [
            a
            for a in arrivals
            if a.kind in (ENTRY, MEASURE)
            and a.change == sync_plan.NEW
            and a.journal_id not in copies
            and a.journal_id in owners
            and owners[a.journal_id] in copy_owners
        ]
        if not fresh:
            return arrivals
        copied_now = {a.doc_id.hex() for a in arrivals if a.journal_id in copies}
        mine = {c for c in copies if owners[c] in {owners[a.journal_id] for a in fresh}}
        had: set[str] = set()
        if any(a.kind == ENTRY for a in fresh):
            before: dict[tuple[bytes, datetime, int | None], list[Entry]] = {}
            for journal_id in mine:
                for e in await self.context.entries(journal_id.hex(), include_deleted=True):
                    if e.id not in copied_now:
                        key = (owners[journal_id], e.created_at, e.utc_offset)
                        before.setdefault(key, []).append(e)
            wanted = {a.doc_id.hex() for a in fresh if a.kind == ENTRY}
            for journal_id in {a.journal_id for a in fresh if a.kind == ENTRY}:
                for e in await self.context.entries(journal_id.hex(), include_deleted=True):
                    key = (owners[journal_id], e.created_at, e.utc_offset)
                    if e.id in wanted and any(same_entry(c, e) for c in before.get(key, [])):
                        had.add(e.id)
        if any(a.kind == MEASURE for a in fresh):
            kept: set[tuple[bytes, str, int, datetime, int]] = set()
            for journal_id in mine:
                for r in await self.measures.list(journal_id.hex()):
                    if r.id not in copied_now:
                        kept.add((owners[journal_id], r.measure, r.version, r.taken_at, r.score))
            wanted = {a.doc_id.hex() for a in fresh if a.kind == MEASURE}
            for journal_id in {a.journal_id for a in fresh if a.kind == MEASURE}:
                for r in await self.measures.list(journal_id.hex()):
                    same = (owners[journal_id], r.measure, r.version, r.taken_at, r.score)
                    if r.id in wanted and same in kept:
                        had.add(r.id)
        return [a for a in arrivals if a.doc_id.hex() not in had or a.journal_id in copies]

    async def _explained(self, refused: list[sync_plan.SetAside]) -> list[sync_plan.SetAside]:
        """Why each was refused in words; a withdrawal of this account's own note that did
        not happen says so, and who can remove the note now (NU20 C4, R28 F3)."""
        held = {j.id: j for j in await self.journals.list()}
        explained = []
        for r in refused:
            withdrawal = (
                await self.notes._refused_withdrawal(bytes.fromhex(r.doc_id)) if r.doc_id else None
            )
            if withdrawal is not None:
                explained.append(
                    dataclasses.replace(
                        r, reason=str(withdrawal), withdrawal=True, refused_withdrawal=withdrawal
                    )
                )
                continue
            words = sync_plan.refusal_words(r.code, r.reason, held.get(r.journal_id))
            explained.append(dataclasses.replace(r, reason=words))
        return explained

    async def _flag_choices(self, told: list[Departure]) -> list[Departure]:
        """`told` with `Departure.safety_flags` set for each whole-journal share of an owned
        journal whose signed end date passed, when the client had opted that account
        (`member_id`, never its name) in for it (`SafetyPath._ended_share_had_flags`): the
        notice's renewal command then asks for `--safety-flags` again (rev-nu36a F1, F4);
        and for a whole-journal share given, renewed or given new terms on another device
        of this account when safety flags reach that member now (`SafetyPath.flags_reach`):
        the notice says so."""
        found = []
        reach: dict[str, dict[str, str]] = {}
        for d in told:
            if d.reason == EXPIRED and not d.owner and not d.source and d.member_id:
                with contextlib.suppress(NotFound):
                    if await self.safety._ended_share_had_flags(d.journal_id, d.member_id, d.at):
                        d = dataclasses.replace(d, safety_flags=True)
            elif d.reason in GIVEN and not d.owner and not d.source:  # a share given there
                if d.journal_id not in reach:  # whether safety flags now reach them (NU62)
                    reach[d.journal_id] = {}
                    with contextlib.suppress(NotFound):
                        reach[d.journal_id] = await self.safety.flags_reach(d.journal_id)
                if reach[d.journal_id].get(d.member) == "on":
                    d = dataclasses.replace(d, safety_flags=True)
            found.append(d)
        return found

    async def _seal_missed_flags(self, withheld: set[bytes]) -> list[LateFlag]:
        """Seal the safety flags owed but not sealed when the answer was given, on this
        device or another of the owner's (safety_path.SafetyPath._seal_missed, NU22 C3,
        R37 F3), then push them at once: a
        flag waits on this device only while the server cannot be reached (the next sync
        sends it; `client.safety.waiting` tells)."""
        from client_sdk.safety import FLAG_WATCH, SAFETY_PLAN

        synced = self.replica.synced_version
        # `journals_holding(SAFETY_PLAN)` is kept by the store until a plan changes: a sync
        # with nothing to do reads nothing for it (issue 10)
        if not await self.store.setting(FLAG_WATCH, as_of=synced) and (
            synced == self._no_flags_owed or not await self.store.journals_holding(SAFETY_PLAN)
        ):
            # No safety answer recorded here and no plan that could opt in for one that
            # another device of the owner recorded (R37 F3): nothing more read (issue 10)
            self._no_flags_owed = synced
            return []
        sealed = await self.safety._seal_missed(synced, withheld)
        if sealed:
            try:
                with contextlib.suppress(NetworkError, RateLimited):
                    await self.replica.push_outbox()
            finally:  # marked untold as soon as it left, until the report naming it is
                # handed (`_sync`): a later request of this sync may be held past a
                # command's quick-sync limit, and the cut report never reaches the app; the
                # next completed sync then says it (`SyncReport.flags_sent`, rev29b F3)
                with contextlib.suppress(Exception):
                    await self.safety._note_untold([f.flag_id for f in sealed])
        return sealed

    async def last_synced(self) -> datetime | None:
        """When a sync last completed on this device (UTC), or None if never: what the data
        shown offline is as of. A sync of `watch()` that applied a live notice's records
        without asking the server (one journal, nothing asked of the others) does not count:
        the device cannot know the live channel announced every change (a journal renamed
        or made on another device: meta notices are a hint); `watch()` runs an ordinary sync at least every WATCH_FULL_SYNC_S
        seconds, which keeps this time fresh while watching."""
        value = await self.store.setting(LAST_SYNCED)
        kept = int(value) if isinstance(value, int) else 0
        newest = max(kept, self._synced_at)
        return to_datetime(newest) if newest > 0 else None

    async def _synced(self, at: int) -> None:
        """A sync completed at `at` (ms): kept in the store when the time there is at least
        LAST_SYNCED_STEP_MS old (a no-op sync in a row writes nothing)."""
        self._synced_at = max(self._synced_at, at)
        if self._synced_kept is None:
            value = await self.store.setting(LAST_SYNCED)
            self._synced_kept = int(value) if isinstance(value, int) else 0
        if self._synced_at - self._synced_kept >= LAST_SYNCED_STEP_MS:
            await self._keep_synced()

    async def _keep_synced(self) -> None:
        try:
            moved = await self.store.put_setting(LAST_SYNCED, self._synced_at)
        except StoreBusy:
            # Another program kept the store busy past WRITE_WAIT_S: closing does not wait
            # for it a second time (`tj logout` on a busy store waited 5 s more for it).
            self._synced_busy = True
            raise
        self._synced_busy = False
        self._synced_kept = self._synced_at
        if moved is not None:
            self.replica.settings_written(*moved)

    def _sessions_ended_here(self) -> dict[bytes, int | None]:
        """The device ids of this home's sessions of this account and server that a logout
        ended (`devices.sessions_after_logout`, a file in the home), read once for this
        client: that file changes only when this home signs this account out (which ends
        this session: it syncs no more) or forgets it (an erase), so what it held when first
        read is what it holds while this client can sync. Read only when a sync brings what
        a device of this account wrote (`_source_names`), never for a sync of nothing new or
        of other accounts' writes."""
        if self._ended_here is None:
            from client_sdk.devices import sessions_after_logout

            self._ended_here = sessions_after_logout(
                self.home, self.transport.base_url, self.username
            )
        return self._ended_here

    async def _source_names(
        self, report: SyncReport
    ) -> tuple[Callable[[bytes, bytes, int], str], frozenset[bytes]]:
        """Names for where arrivals came from: this account's device names (from the
        server's device list, metadata it holds anyway, kept on the device: devices.py
        `Devices.names`), other accounts' usernames from verified identities only, as
        `notes.list()` names authors (`Replica.member_name`): pinned peers, members and
        former members (signers) named by the owners' verified chains (NU21 C14). A device of
        this account without a name is "a device signed out since" only when the device list
        says so; when the list did not come (offline, a slow server), "another device (ID)",
        its 12 first hex digits as `tj devices` shows them (NU38 N6). A session of this home
        that a logout ended is "a device of this account using this device's earlier id"
        (`devices.EARLIER_SESSION`: the id its records carry, not proof), for a record
        written (its signed `written_at`) before that logout: one written after it is a new
        session's under the freed id, named from the device list. One signed out since
        that this device saw listed is named as it was ("tablet": a device of that name is
        signed in now, as a device signed out and signed in again is; else "tablet, signed
        out since"). One never listed here (a home signed in again after a logout keeps no
        names) is told by the name the account's sign-in log gives it and its id, signed out
        since ("a device that signed in as 'phone' (device 1a2b3c4d5e6f), signed out since":
        nu84 F8): that name is the signer's own choice and the server's word, so it never
        names the device as one this home knows (rev34c F4: an intruder signed in as
        "phone"), and when a device listed now bears that name the words say it is not that
        one ("..., not the 'phone' signed in now")."""
        from client_sdk.devices import EARLIER_SESSION, news_name

        me = self.profile.account_id
        devices: dict[bytes, str] = {}
        former: dict[bytes, str] = {}  # the names of those signed out since, when known
        live: set[str] = set()
        logged: dict[bytes, str] = {}  # the names others signed out since signed in with
        listed = False  # the names are known: a device absent from them is signed out
        mine = {a.device for a in report.arrivals.values() if a.author == me}
        # This home's own sessions ended by a logout (NU62 F18), from its own file: checked
        # before the server's device list, which could name one of them as it likes.
        ended = self._sessions_ended_here() if mine else {}
        # named from the device list too: one with a record written after this home ended it
        later = {
            a.device
            for a in report.arrivals.values()
            if a.author == me
            and a.device in ended
            and (at := ended[a.device]) is not None
            and a.written_at >= at
        }
        earlier = ended.keys() - later
        if mine - earlier:
            with contextlib.suppress(TJError):
                devices = await self.devices._device_names(mine - earlier)
                listed = True
                former = self.devices._former_names(mine - earlier - devices.keys())
                live = self.devices._listed_names()
                logged = await self.devices._signed_in_names(
                    mine - earlier - devices.keys() - former.keys()
                )
        peers = await self.store.peers(as_of=self.replica.synced_version)
        people = {p.account_id: p.username for p in peers}
        await self.replica.load_access()
        for state in self.replica.chains.states().values():  # members named by verified chains
            for member in state.members.values():
                if member.account_id is not None:
                    people.setdefault(member.account_id, member.username)
            for account_id, signer in state.signers.items():  # former members too (NU21 C14)
                people.setdefault(account_id, signer.username)

        def source_of(author: bytes, device: bytes, written_at: int = 0) -> str:
            if author != me:
                return people.get(author, "another account")
            ended_here = self._sessions_ended_here()
            if device in ended_here:  # this home's word first, for what it wrote before
                at = ended_here[device]
                if at is None or written_at < at:  # (a record without a time: as before)
                    return EARLIER_SESSION
            if device in devices:
                return _named_device(devices, device)
            if device in former:  # its earlier session: by the name signed in again
                name = news_name(former[device], device)
                return name if former[device] in live else f"{name}, signed out since"
            if device in logged:  # never listed here: the name it signed in with is a claim
                return _signed_in_as(logged[device], device, logged[device] in live)
            # "signed out" only when the device list says so (NU38 N6)
            return (
                "a device signed out since" if listed else f"another device ({device.hex()[:12]})"
            )

        return source_of, frozenset(d for d, at in ended.items() if at is not None)

    def changes(self, *, live: bool = False, backoff: Backoff = DEFAULT_BACKOFF) -> ChangeStream:
        """The change feed (changes.py): every document written on this device
        (`origin="local"`) or merged by a sync (`origin="sync"`) from now on, as `Change`
        values. With `live=True` the feed also keeps this device in sync itself (it runs
        `watch()`: a sync at once, then one whenever the live channel announces new records,
        and one soon after each write of this process, so a write reaches the other devices
        without a `sync()` call), so changes made elsewhere arrive on their own and this
        device's own go out on their own; it raises AuthError if this device is signed out.
        Writes made by another process of this profile are not pushed by it (see `watch()`).
        What those syncs have to tell the user beyond the documents they merged (a share that
        ended or started, a field this device changed that another device's change settled,
        a merged text, a safety flag sealed late, a change set aside, ...:
        `SyncReport.has_notices`) comes in the same stream, as a change of kind "report"
        whose `report` is the sync's SyncReport: show `change.report.lines()`. Their share
        changes are also kept for `unseen_departures()`, as a `sync()`'s are.
        Close the stream when done (`async with`, or `aclose()`).

            async with client.changes(live=True) as feed:
                async for change in feed:
                    if change.report is not None:
                        for line in change.report.lines():
                            print(line)
                    else:
                        print(change.origin, change.kind, change.id)
        """
        follow = partial(self._follow, backoff) if live else None
        stream = ChangeStream(self._feed, follow, self._streams.discard)
        self._streams.add(stream)
        return stream

    def on_change(self, callback: ChangeListener) -> Callable[[], None]:
        """Call `callback(change)` for every change from now on (see `changes()`); returns
        the function that stops it. The callback runs on the event loop: keep it quick.
        What it raises never fails the write or sync that stored the change, and never
        keeps the other callbacks and change streams from it: it is logged (a WARNING of
        "client_sdk.changes", the callback's name and the exception's type only) and
        dropped, so catch and report your callback's errors inside it. Raises InvalidInput
        (subject "value") for an `async def` function, which would never run: follow
        `changes()` from async code instead."""
        if inspect.iscoroutinefunction(callback) or not callable(callback):
            raise InvalidInput(
                "on_change takes a plain function of one change"
                + (": for async code, follow client.changes()" if callable(callback) else ""),
                subject=BAD_VALUE,
            )
        return self._feed.subscribe(callback)

    async def _follow(self, backoff: Backoff, tell: ChangeListener) -> None:
        """A live stream's syncs (`watch()`): each publishes what it merged; a report with
        more to tell goes to the stream as a change of kind REPORT (`tell`). The live
        channel lost (`watch`'s `on_lost`) is told once as a LIVE_LOST change, and the first
        sync that reached the server after it as a LIVE_BACK one."""
        lost = False

        def gone() -> None:
            nonlocal lost
            if not lost:
                lost = True
                tell(Change(LIVE_LOST, "", "", "", "sync", datetime.now(UTC)))

        async with contextlib.aclosing(self.watch(backoff=backoff, on_lost=gone)) as reports:
            async for report in reports:
                if lost:  # a sync that reached the server: back
                    lost = False
                    tell(Change(LIVE_BACK, "", "", "", "sync", datetime.now(UTC)))
                if report.has_notices():
                    tell(Change(REPORT, "", "", "", "sync", datetime.now(UTC), report))

    def _publish(self, journal: LocalJournal, documents: list[Document], origin: str) -> None:
        self.context.forget_views(d.doc_id for d in documents)  # read again when listed
        if not self._feed.listened:
            return  # no change stream open: nothing to build (issue 10, per write)
        at = datetime.now(UTC)
        name, journal_id = self.context.display(journal), journal.journal_id.hex()
        self._feed.publish(
            [
                Change(d.kind, d.doc_id.hex(), journal_id, name, cast(Origin, origin), at)
                for d in documents
                if d.kind
                not in FEED_KINDS  # never a document's (records refuse them: Replica._merge)
            ]
        )

    async def live(self, backoff: Backoff = DEFAULT_BACKOFF) -> AsyncGenerator[Notice, None]:
        """Notices from the server's live channel, forever; reconnects with backoff.

        A `connected` notice follows every (re)connection, so a caller that syncs on each
        notice also catches up on what happened while it was offline. Closing this iterator
        (or cancelling the task that runs it) closes the WebSocket at once. Raises AuthError
        when this device is signed out. Apps usually want `changes(live=True)` instead.

        The socket is read by a task of its own (live.Inbox), so the server's pings are
        answered while the caller works between notices (else the server drops a socket
        whose pong is 12.5 s late). Notices wait for the caller meanwhile; once more than
        live.MAX_WAITING (16) wait, they are made a few (live.squash_notices): the journal
        and meta notices one `meta` notice (sync everything), the outages one `lost` notice,
        then the last `connected` one if the channel is open again.

        While the socket is open, this client's syncs send their /v1/sync on it instead of
        as HTTP requests (`watch()` too; protocol.md GET /v1/live, "Calls on the live
        channel"): the same request and reply, checked the same way, for a WebSocket round
        trip instead of an HTTP request's; a sync whose socket is lost is sent over HTTP.
        """
        async with contextlib.aclosing(self._live(backoff)) as notices:
            inbox = Inbox(notices, lambda item: False, squash_notices)
            try:
                while True:
                    try:
                        taken = await inbox.take()
                    except StopAsyncIteration:
                        return
                    if taken is not None:
                        yield taken[0]
            finally:
                await inbox.close()

    async def _live(
        self, backoff: Backoff
    ) -> AsyncGenerator[tuple[Notice, wire.LiveNotice | None], None]:
        """`live()`, each notice with the server's message it came from (None: lost)."""
        async with contextlib.aclosing(
            live_notices(self.transport, backoff, calls=True)
        ) as notices:
            async for notice in notices:
                if notice is None:
                    yield Notice(False, None, 0, lost=True), None
                    continue
                journal_id = notice.journal_id.hex() if notice.kind == wire.LIVE_JOURNAL else None
                yield (
                    Notice(
                        notice.kind == wire.LIVE_HELLO,
                        journal_id,
                        notice.head,
                        meta=notice.kind == wire.LIVE_META,
                    ),
                    notice,
                )

    async def _say_kept(self, error: TJError) -> None:
        """Add to `error` (a sync that reached no Therapy Journal server) what happens to the
        changes waiting: "; N changes are kept on this device and will sync later"."""
        # records to push, and journals created here not on the server yet (NU40 #6)
        waiting = await self.store.outbox_size() + len(await self.store.pending_journals())
        # told as `unsynced_changes()` counts them (a document edited three times is one
        # change), the number an app shows beside this message (NU53 F7)
        # those set aside never sync later: not counted here (`set_aside()` has them)
        items = await self.unsynced_changes(sendable=True) if waiting else 0
        if items:  # say what happens to them (nothing is lost)
            kept = "1 change is" if items == 1 else f"{items:,} changes are"
            error.args = (f"{error}; {kept} kept on this device and will sync later",)

    async def watch(
        self,
        progress: Progress | None = None,
        backoff: Backoff = DEFAULT_BACKOFF,
        *,
        on_lost: Callable[[], None] | None = None,
    ) -> AsyncGenerator[SyncReport, None]:
        """Keep this device in sync: sync on connect, whenever a journal changes, and soon
        after this process writes something to send.

        Each report's `trigger` is the Notice that started its sync (`connected` after each
        (re)connection: that sync catches up on what happened meanwhile). A write made through
        this `Client` (an entry, a goal, a note: anything that puts records in the outbox)
        starts an ordinary sync at once that pushes it, trigger `Notice(False, None, 0,
        local=True)`: the app need not call `sync()`. Writes made within WATCH_LOCAL_GAP_S
        (0.1) seconds of the start of the last such sync, or while a sync runs, go out
        together in one sync after it (live.LocalPushes), so a loop of writes costs a few
        syncs, not one each. A write is not pushed this way while the server's write-rate
        limit holds (the sync at its `retry_at`, below, sends it), nor after a sync failed
        with NetworkError until a sync went through (the one after the live channel
        reconnects sends it); nor is one made by another process of this profile (`tj`,
        another app): that process syncs it, or this watch's next sync does. A write another
        sync already pushed (the app's own `sync()`) starts none. `on_lost` is called
        once each time the live channel is lost or cannot be opened; it is retried with
        backoff meanwhile. Notices about changes this device already holds are skipped (the
        journal held up to the notice's head, at the `meta_version` the notice names if it
        names one); a notice with head 0 (a deleted journal, from a server before meta
        notices) or another `meta_version` (a rotation: new keys or members, no new record)
        starts an ordinary sync, at most one every WATCH_NOTICE_GAP_S (0.25) seconds: the
        notices read meanwhile, or while a sync runs, are brought by one sync after it (a
        server sending notices back to back costs a few syncs a second, rev33d F4). A meta
        notice (`Notice.meta`: a journal made, renamed, deleted, shared or unshared, a member left, this account's share
        ended) starts an ordinary sync too, but one for all those read before it starts (a
        burst costs one sync): notices are read as they arrive (live.Inbox), during a sync
        too, so the server's pings are answered; past live.MAX_WAITING (16) waiting, they
        are made a few (live.squash_notices: the journal notices one meta notice, outages
        one). A notice that carries the records of the push that made it (protocol.md GET
        /v1/live, to this account's own journals) is applied without a request when this
        device has nothing to send and the notice follows on from what it holds of that
        journal, with the checks of any pull; else the sync pulls as usual.
        Such a sync asks nothing of the other journals and leaves `last_synced()` as it
        was; since the device cannot know the live channel announced every change (a
        server from before meta notices, or one withholding them), an ordinary sync runs instead of it, or on its own while
        the channel is open, once the last ordinary sync ended WATCH_FULL_SYNC_S (60)
        seconds ago (trigger `Notice(False, None, 0)`). A sync the server's write-rate limit
        stopped (`SyncReport.upload_limit`) is followed by another at its `retry_at`, notice
        or not (its trigger is then `Notice(False, None, 0)`), so the rest uploads by itself.
        Each report tells what a `sync()`'s would (settled fields, merged texts, late safety
        flags, share changes, ...): show `report.lines()` when `report.has_notices()`. Its
        share changes are kept for `unseen_departures()` too; its news are not kept for
        `unseen_news()`.
        Closing this iterator (or cancelling the task that runs it) closes the live channel
        before returning. Raises AuthError when this device is signed out.
        """
        self._ready_for_notices()
        async with contextlib.aclosing(self._live(backoff)) as notices:
            # Read as they arrive, so that a meta notice read before an ordinary sync starts
            # is known to be brought by it: a burst of them costs one sync (`inbox.drop`).
            inbox = Inbox(notices, lambda item: item[0].meta, squash_notices)
            resume_at: datetime | None = None  # the server takes more uploads from then
            loop = asyncio.get_running_loop()
            open_ = False  # the live socket said hello and was not lost since
            asked_at: float | None = None  # loop time the last ordinary sync ended
            unreachable = False  # the last sync failed (NetworkError)
            local = LocalPushes(WATCH_LOCAL_GAP_S)  # when to push this process's writes
            noticed_at: float | None = None  # loop time a notice last started an ordinary sync
            self._watches.add(inbox)  # this process's writes come in too (LOCAL_WRITE)
            try:
                while True:
                    version: tuple[int, int] | None = None  # the store's, read for a notice
                    carried: wire.LiveNotice | None = None  # a notice with records in it
                    timeout = None
                    if resume_at is not None:
                        timeout = max((resume_at - datetime.now(UTC)).total_seconds(), 0.0)
                    if open_ and asked_at is not None:
                        due = max(asked_at + WATCH_FULL_SYNC_S - loop.time(), 0.0)
                        timeout = due if timeout is None else min(timeout, due)
                    owed = local.wait(loop.time())
                    if owed is not None:
                        timeout = owed if timeout is None else min(timeout, owed)
                    try:
                        taken = await inbox.take(timeout)
                    except StopAsyncIteration:
                        return
                    if taken is not None:
                        notice, message = taken
                        if notice.local and (
                            resume_at is not None  # the sync at resume_at sends it
                            or unreachable  # the next notice's sync (connected) does
                            or not await self._sends_waiting()  # a sync sent it already
                            or not local.wrote(loop.time())  # one is owed, at `local.due`
                        ):
                            continue
                        open_ = notice.connected or (open_ and not notice.lost)
                        if notice.lost:
                            if on_lost is not None:
                                on_lost()
                            continue
                        if not notice.connected and notice.journal_id is not None:
                            # Read once for this check and the sync it may start (issue 10).
                            version = await self.store.version()
                            held = {
                                j.journal_id.hex(): j
                                for j in await self.store.journals(as_of=version)
                            }
                            if _notice_is_held(held.get(notice.journal_id), notice, message):
                                continue
                            stale = asked_at is None or (
                                loop.time() - asked_at >= WATCH_FULL_SYNC_S
                            )
                            if message is not None and message.records and not stale:
                                carried = message
                    elif local.is_due(loop.time()):  # writes made since the last push
                        if not await self._sends_waiting():  # an app's sync() sent them
                            local.due = None
                            continue
                        notice = LOCAL_WRITE[0]
                    else:
                        # The server takes uploads again, or the last ordinary sync is
                        # WATCH_FULL_SYNC_S old (changes the live channel may not announce).
                        notice = Notice(False, None, 0)
                    if taken is not None and carried is None and not notice.local:
                        if not notice.connected:  # no faster than WATCH_NOTICE_GAP_S
                            if noticed_at is not None:
                                gap = noticed_at + WATCH_NOTICE_GAP_S - loop.time()
                                if gap > 0:
                                    await asyncio.sleep(gap)  # notices are read meanwhile
                            noticed_at = loop.time()
                    resume_at = None
                    local.syncing(loop.time(), notice.local)  # it sends what waits
                    if carried is None:  # an ordinary sync: it brings what every notice
                        inbox.drop(_brought_by_sync)  # read until now announces
                    try:
                        report = await self._sync(
                            progress, as_of=version, notice=carried, keep_news=False
                        )
                    except NetworkError:
                        unreachable = True
                        continue  # the live channel reconnects; the next notice retries
                    finally:
                        if carried is None:  # each try, failed or not: no sync back to back
                            asked_at = loop.time()
                    unreachable = False
                    if report.upload_limit is not None:
                        resume_at = report.upload_limit.retry_at
                    report.trigger = notice
                    yield report
            finally:
                self._watches.discard(inbox)
                await inbox.close()

    def _wrote_to_send(self) -> None:
        """This process committed something to send (Store.on_outbox): each `watch()`
        running syncs once it is free (one sync for all the writes made meanwhile)."""
        for inbox in self._watches:
            inbox.put(LOCAL_WRITE)

    async def _sends_waiting(self) -> bool:
        """Whether a record waits in the outbox or a journal waits to be created on the
        server: two rows looked at, at most."""
        return not await self.store.outbox_empty() or await self.store.journals_pending()

    def _ready_for_notices(self) -> None:
        """Do when watching starts what the first notice would otherwise do first, on the
        way to the app (issue 10: the first live update after start-up took 50-120 ms more
        than the next ones): pycrdt's first document in this event loop imports its async
        backend (documents.load_engine), the report's summary names this account's devices
        through `devices`, and an app reads what arrived through `entries` (each module
        imported at first use: 2-35 ms each on the 2-core machines)."""
        documents.load_engine()
        _ = self.devices, self.entries

    async def pending(self) -> int:
        """Records written on this device and not yet acknowledged by the server."""
        return await self.store.outbox_size()

    async def unsynced_changes(self, *, sendable: bool = False) -> int:
        """How many entries, goals, notes and other documents have changes written on this
        device that never reached the server (outbox and set aside): each counts once however
        often it was edited, and the copy kept for a therapist (`share --only`,
        `share-entry`) counts with its original (unsynced.py). What `logout` would drop, as
        the person counts it, a journal created here that the server does not hold yet
        counting as one more; `pending()` counts records. With `sendable`, only those a sync
        can still send (a change waiting to be sent, a journal created here): an item whose
        only unsent changes the server refused for good (`set_aside()`) is left out, as no
        sync sends it. A safety flag the server acknowledged storing and has not served back
        (`Safety.unsent`, cause "withheld") counts too, as `logout` counts it (rev29d F1),
        though no sync sends it again. Works offline. Raises nothing."""
        copies, key = await self._copies(), self.profile.secrets.account_key
        if sendable:
            return await self.store.sendable(copies, key)
        items, _ = await self.store.unsynced(copies, key)
        return items + await self._flags_withheld()

    async def unsynced_kinds(self) -> dict[str, int]:
        """`unsynced_changes()` by kind: document kind -> how many ("entry", "goal", "note",
        "measure" for a questionnaire result, "safety_flag", "safety_plan", ...; "journal":
        a journal created here that the server does not hold; "": a change of no document),
        counted as `unsynced_changes` counts them (the same total), a safety flag the server
        acknowledged and has not served back under "safety_flag". Kinds none of are not
        keys. Works offline. Raises nothing."""
        copies, key = await self._copies(), self.profile.secrets.account_key
        counted = await self.store.unsynced_kinds(copies, key)
        withheld = await self._flags_withheld()
        if withheld:
            counted["safety_flag"] = counted.get("safety_flag", 0) + withheld
        return counted

    async def _copies(self) -> set[bytes]:
        """The ids of the journals this account keeps for a member (disclosure journals),
        from their verified access chains (read back first)."""
        await self.replica.load_access()
        journals = await self.store.journals()
        return {j.journal_id for j in journals if self.replica.is_disclosure(j)}

    async def set_aside(self) -> list[SetAsideChange]:
        """Changes the server refused for good (the share ended, the journal is gone, over
        quota, invalid), oldest first. A sync moves them out of the outbox so they never block
        other changes, reports each once (`SyncReport.set_aside`), and keeps them here: the
        local entry, note or goal still holds the words, and `to_dict()` exports them. Each
        `reason` is in words, as this device knows it now ("june made your access to
        june/Personal read-only", sync.refusal_words); `code` is the server's error code.
        Notes, prompts and assignments with a change set aside are listed with
        `delivered=False`."""
        held = {j.id: j for j in await self.journals.list()}
        return [
            dataclasses.replace(
                change,
                reason=sync_plan.refusal_words(
                    change.code, change.reason, held.get(change.journal_id)
                ),
            )
            for change in await set_aside_changes(self.store)
        ]

    async def retry_set_aside(self) -> int:
        """Put every set-aside change back in the outbox, in its old place (after the
        journal's owner shared it again, or space was freed); the next `sync()` pushes them,
        or sets aside again those still refused. Returns how many were put back."""
        async with self.store.transaction() as tx:
            return await tx.restore_set_aside()

    async def drop_set_aside(self, change_id: str | None = None) -> list[SetAsideChange]:
        """Forget changes set aside for good (a note to a journal no longer shared
        with this account is refused at every retry): those of the document that the change
        `change_id` (a record or document id, or the start of one: at least 4 hex digits)
        is about, or every one with None. They are never sent; `set_aside()` first exports
        their words. A document of which, by the server's answers, no change ever reached it
        (a note written after the share ended) is removed from this device with them
        (`SetAsideChange.removed`); any other keeps the dropped change on this device. A
        refusal is the server's word: a server that stored the change anyway and served it
        to a member makes the pair verify-head codes differ (protocol.md 4.20).
        Works offline. Returns what was dropped. Raises NotFound when nothing set aside
        matches, InvalidInput for a malformed id or one that matches changes of several
        documents."""
        changes = await self.set_aside()
        if change_id is not None:
            changes = _set_aside_of(change_id, changes)
        if not changes:
            return []
        doc_ids = sorted({bytes.fromhex(c.doc_id) for c in changes if c.doc_id})
        async with self.store.transaction() as tx:
            for change in changes:  # not withdrawn when set aside (REV-CARE F1): now
                if change.kind in sync_plan.TRIED_AGAIN:
                    await tx.withdraw_records(
                        bytes.fromhex(change.journal_id), [bytes.fromhex(change.record_id)]
                    )
            removed = set(await tx.drop_set_aside_documents(doc_ids))
            await tx.discard_set_aside([bytes.fromhex(c.record_id) for c in changes])
        self.context.forget_views(removed)  # nothing of them kept in memory either (REV-L2 F2)
        return [
            dataclasses.replace(
                change, removed=bool(change.doc_id) and bytes.fromhex(change.doc_id) in removed
            )
            for change in changes
        ]

    async def move_set_aside(
        self, change_id: str, journal: str | None = None, *, even_if_shared: bool = False
    ) -> Entry | MeasureResult:
        """Write again, into `journal` (a name or id; None or "": the default journal), the entry
        or questionnaire result whose change the server refused for good (`set_aside()`;
        `change_id`: a record or document id, or the start of one, at least 4 hex digits),
        then forget its changes set aside (`drop_set_aside`): an entry's words, title, mood,
        tags, emotions and date move to a new entry of another id; a result's measure,
        answers, difficulty answer and `taken_at` to a new result of another id, scored
        again (as `measures.take`: the move itself seals no safety flag; for a safety item
        answered above 0, the next sync seals a late one, `SyncReport.late_flags`, for each
        member of `journal` who gets the account's safety flags, as for any result answered
        before this device knew the opt-in). The way to keep
        what was written in a journal deleted on another device, or no longer shared with
        this account. The new one is written before anything is dropped: a failure in
        between leaves both. Works offline (the next sync sends it). Returns the new entry
        (Entry) or result (MeasureResult). Raises NotFound when nothing set aside matches,
        InvalidInput for a malformed id, one matching changes of several documents, a
        change that is neither of an entry nor of a result (subject "set-aside change"; its
        words are in `set_aside()`), a result with `journal` None or "" (subject "result
        journal": a result is moved only into a journal named), or `journal` naming its own
        journal; and what `entries.write` or `measures.take` raises for `journal` (NotFound,
        subject "no default journal", for None when this device has no default journal).

        With `journal` None or "", a default journal read by someone who did not read the
        entry's own journal (`default_readers`: by the default journal's verified access
        chain) is refused (InvalidInput, subject "wider default", `names` the readers as
        "members", the journal as "journal" and "journal id", and as "lapsed" those of them
        who read through a field-level share whose end date passed, which counts until the
        owner unshares: `access.lapsed_field_shares`): the words were written for fewer
        readers, so the user names the journal, or says `even_if_shared=True` once told who
        reads it."""
        journal = journal or None  # "" names the default journal, as `local_journal` takes it
        change = _set_aside_of(change_id, await self.set_aside())[0]
        if change.kind == MEASURE:
            return await self._move_result(change, journal)
        if change.kind != "entry":
            kind = SHOWN_KINDS.get(change.kind, change.kind)
            raise InvalidInput(
                f"{change_id!r} is a change of a {kind}: only an entry or a questionnaire "
                "result is written again elsewhere (the list of changes set aside holds the "
                "words of the others)",
                subject="set-aside change",
            )
        old = await self.entries.get(change.doc_id)
        target = await self.context.local_journal(journal)
        if journal is None and not even_if_shared:
            wider = await self._readers_beyond(target.journal_id, old)
            if wider:
                members = ", ".join(wider)
                lapsed = [m for m in wider if m in self._lapsed_readers(target.journal_id)]
                named = "" if lapsed == wider else f"{and_words(lapsed)}: "
                why = (
                    f" ({named}a share of some of its fields whose end date passed, which "
                    "counts until you unshare)"
                    if lapsed
                    else ""
                )
                raise InvalidInput(
                    f"your default journal {quoted_name(target.name)} is read by {members}"
                    f"{why}, who did not read {quoted_name(old.journal)}, where the entry was "
                    "written: name the journal to write it in, or write it there all the same",
                    subject="wider default",
                    names={
                        "members": members,
                        "journal id": target.journal_id.hex(),
                        "journal": target.name,
                        "lapsed": ", ".join(lapsed),
                    },
                )
        if target.journal_id.hex() == old.journal_id:
            raise InvalidInput(
                f"the entry is already in {quoted_name(old.journal)}, which the server refused "
                "it in: name another journal",
                subject="set-aside change",
            )
        moved = await self.entries.write(
            target.journal_id.hex(),
            old.body,
            title=old.title or None,
            mood=old.mood,
            tags=old.tags,
            emotions=old.emotions,
            created_at=old.created_at,
        )
        await self.drop_set_aside(change.doc_id or change.record_id)
        return moved

    async def _move_result(self, change: SetAsideChange, journal: str | None) -> MeasureResult:
        """`move_set_aside` of a questionnaire result set aside as `change`."""
        old = await self.measures.get(change.doc_id or change.record_id)
        if journal is None:
            raise InvalidInput(
                f"the {old.name} result of {quoted_name(old.journal)} is moved only into a "
                "journal you name (its answers were given for its own journal's readers): "
                "name the journal to write it in",
                subject="result journal",
            )
        target = await self.context.local_journal(journal)
        if target.journal_id.hex() == old.journal_id:
            raise InvalidInput(
                f"the result is already in {quoted_name(old.journal)}, which the server refused "
                "it in: name another journal",
                subject="set-aside change",
            )
        if old.answers is None:
            raise InvalidInput(
                f"the {old.name} result holds no answers on this device: it cannot be "
                "written again (the list of changes set aside holds its score)",
                subject="set-aside change",
            )
        moved = await self.measures.take(
            old.measure,
            old.answers,
            journal=target.journal_id.hex(),
            unscored=old.unscored,
            taken_at=old.taken_at,
        )
        await self.drop_set_aside(change.doc_id or change.record_id)
        return moved.result

    async def default_readers(self, change_id: str) -> list[str]:
        """Who reads this device's default journal (current members, by its verified access
        chain) and did not read the journal of the entry set aside as `change_id` (as
        `move_set_aside` takes it): usernames, sorted; [] when the default widens nothing,
        or when there is no default journal. What an app says before `move_set_aside` with
        no journal. Works offline. Raises what `move_set_aside` raises for `change_id`."""
        change = _set_aside_of(change_id, await self.set_aside())[0]
        if change.kind != "entry":
            return []
        old = await self.entries.get(change.doc_id)
        try:
            target = await self.context.local_journal(None)
        except NotFound:
            return []
        return await self._readers_beyond(target.journal_id, old)

    def _lapsed_readers(self, journal_id: bytes) -> set[str]:
        """The usernames of the field-level shares of `journal_id` that still count as
        readers though their end date passed (`access.lapsed_field_shares`, by the verified
        chains held here; `_readers_beyond` read them fresh)."""
        chains = self.context.replica.chains
        lapsed = lapsed_field_shares(chains.state(journal_id), chains.state, now_ms())
        return {limited.who.username for limited in lapsed if limited.who is not None}

    async def _readers_beyond(self, target: bytes, old: Entry) -> list[str]:
        """Who would read `old` (an entry set aside) written again in `target` and did not
        read it in its own journal: the current members of `target` and the account of
        each field-level share of `target` in force, both from `target`'s own verified,
        owner-signed access chain (`limited`: a copy kept for that account copies every new
        entry's chosen fields), never from which copy journals a server lists. A field-level
        share counts unless this device holds its copy's owner-sealed settings
        (`Sharing.disclosures`) and they show the copy carries no field `old` has: never
        dropped for a member the copy's chain here does not name (a server may serve it cut
        before their grant); one whose copy is not here (a server may withhold it) counts,
        whatever its fields; a share ends by the `limited_removed` entry the owner's unshare
        signs in `target`'s chain and by nothing else (`access.field_shares_in_force`: a
        server can withhold the owner's renewal from a copy's chain). Less the current members of
        `old`'s journal who read it whole, this account and that journal's owner. Compared
        by account id, never by username (a name an erased account freed may be another
        person's now): usernames, sorted, one that another account here bears too named
        with the start of its account id, "kim (account 1a2b3c4d)"; a share whose account
        this device cannot name (never on the owner's devices) as "an account"."""
        replica = self.context.replica
        await replica.fresh_access()
        now = now_ms()
        source = bytes.fromhex(old.journal_id)
        state = replica.chains.state(target)
        me = replica.profile.account_id

        def readers(journal_id: bytes) -> dict[bytes, str]:
            """The members of `journal_id` who receive what is written there next
            (`readers.journal_readers`), by account id. `ended=False` for the entry's own
            journal too (checked, fix30b 9): the entry never reached anyone there (the
            server refused it), and what this account writes there reaches no member past
            their end date (an owner's device ends the share and rotates first), so its words
            were written for those who receive what is written next; `ended=True` would
            count a member whose share there ended as having read it and leave them out of
            the question when the default journal reaches them (fail open).
            `tests/client/test_set_aside_ended_reader.py`."""
            found = journal_readers(replica.chains.state(journal_id), now, ended=False, viewer=me)
            return {
                bytes.fromhex(r.account_id): r.username
                for r in found
                if r.role != FIELDS and r.account_id
            }

        carried = {
            name
            for name, value in (
                ("title", old.title),
                ("body", old.body),
                ("mood", old.mood),
                ("tags", old.tags),
                ("emotions", old.emotions),
            )
            if value not in (None, "", [], ())
        }
        wider = readers(target)
        copies = self.sharing.disclosures()

        def settings_of(journal_id: bytes, member_id: bytes) -> Disclosure | None:
            """The owner-sealed settings held here of the copy `journal_id` kept of `target`
            for `member_id`; None when they are not on this device, or are another copy's
            (they then tell nothing of this one)."""
            settings = copies.get(journal_id)
            if settings is None or settings.kind != "mirror":
                return None
            named = (settings.mirror_of, settings.member_id) == (target, member_id)
            return settings if named else None

        for share in field_shares_in_force(state):
            if share.who is None or share.mirror is None:
                wider.setdefault(share.handle, "an account")
                continue
            settings = settings_of(share.mirror, share.who.account_id)
            # not on this device, or another copy's: fail closed, it may carry any field
            if settings is None or settings.fields is None or carried & set(settings.fields):
                wider.setdefault(share.who.account_id, share.who.username)
        for journal_id, settings in copies.items():  # a copy its chain here names no share of
            if settings.kind != "mirror" or settings.mirror_of != target:
                continue
            if settings.fields is not None and not carried & set(settings.fields):
                continue  # a copy of fields the entry does not have: nothing of it goes there
            member = readers(journal_id).get(settings.member_id)
            if member is not None:
                wider.setdefault(settings.member_id, member)
        owner = next((j for j in await self.store.journals() if j.journal_id == source), None)
        read = readers(source)
        for reader in (*read, replica.profile.account_id):
            wider.pop(reader, None)
        if owner is not None:
            wider.pop(owner.owner_id, None)
        names = [*wider.values(), *read.values(), *([owner.owner_name] if owner else [])]
        return sorted(
            f"{name} (account {reader.hex()[:8]})"
            if sum(n.casefold() == name.casefold() for n in names) > 1
            else name
            for reader, name in wider.items()
        )

    async def problems(self) -> list[Problem]:
        """Records that failed verification (altered, moved or forged), by record id, in
        seq order: the first `store.MAX_PROBLEMS_KEPT` of each journal, then, for a journal
        whose records refused for want of their epoch's key are not all among those, one
        Problem naming the first of them, with how many wait and the first few ids (they
        are pulled again once a key verifies). Works offline. Raises nothing."""
        kept = await self.store.problems()
        return kept + waits_not_kept(await self.store.setting(KEY_WAITS), kept)

    async def waiting_for_update(self) -> list[NewerFormat]:
        """Records another device wrote in a body version newer than this app reads, kept on
        this device until an update reads them (protocol.md 4.15, "Newer body versions"):
        one NewerFormat per journal, in journal order, none once the app reads them all.
        What an app shows as "update to read N changes" for as long as it holds; a sync
        reports them once (`SyncReport.newer`). Works offline. Raises nothing."""
        known = records.known_versions()
        names = {j.journal_id: j.name for j in await self.store.journals()}
        found = sync_plan.SyncReport()
        for journal_id, rows in itertools.groupby(
            (row for row in await self.store.parked_counts() if row.version not in known),
            key=lambda row: row.journal_id,
        ):
            label = names.get(journal_id, journal_id.hex())
            versions = [row.version for row in rows for _ in range(row.count)]
            found.add_newer(journal_id, label, versions, max(known))
        return found.newer


def _name_after_logout(home: Path, server_url: str, username: str) -> str | None:
    """The device name a `logout` of `home` kept for `username` on `server_url`
    (`devices.name_after_logout`), or None, also for an address `Transport` refuses (it
    says so when it is made). Raises nothing."""
    from client_sdk.devices import name_after_logout
    from client_sdk.transport import normalize_url

    try:
        return name_after_logout(home, normalize_url(server_url), username)
    except InvalidInput:
        return None


HOME_OPEN = "home open"
"""`TJError.subject` of a `login`, `signup` or `recover` refused on a home that a `Client`
of this process holds open: signing in again there would replace the session that Client
uses, which would then fail as "signed out"."""

_OPEN_HOMES: dict[str, weakref.WeakSet[Client]] = {}
"""The Clients of this process by home (`_home_key`), until closed (`_check_not_open`)."""


def _home_key(home: Path) -> str:
    return os.path.realpath(os.path.expanduser(home))


def _check_not_open(home: Path) -> None:
    """InvalidInput (subject HOME_OPEN), before anything is sent or changed, when a Client of
    `home` is open in this process (one whose event loop was closed is no longer used: it
    does not count)."""
    for client in list(_OPEN_HOMES.get(_home_key(home), ())):
        if client._closed or (client._loop is not None and client._loop.is_closed()):
            continue
        raise InvalidInput(
            f"{home} is open in this process (a Client of {client.profile.username}): signing "
            "in on it again would end the session that Client uses; use that Client, or "
            "close it first (await client.close()). Nothing was changed",
            subject=HOME_OPEN,
        )


MAYBE_DELETED = "account maybe deleted"
"""`TJError.subject` of a login refused on a home signed in to that account: the password
may have been changed, or the account deleted, from another device (the server's answer is
the same for each)."""


def _maybe_deleted(error: AuthError, username: str) -> AuthError:
    """A refused login on a home that holds `username`'s profile: the password may be wrong,
    changed on another device (the common case, NU22 C16), or the account deleted from
    another device; the server's answer is the same for all (it must not tell whether a name
    exists), so each is named as a possibility, the likeliest first."""
    said = AuthError(
        f"{error}; this device was signed in to {username}: if it is the password you used "
        "until now, it may have been changed on another device (sign in with the new one, or "
        "recover the account with its recovery key), or the account may have been deleted "
        "from another device (this device still holds its copy)",
        subject=MAYBE_DELETED,
    )
    said.code, said.detail = error.code, error.detail
    return said


SESSION_ENDS = "session_ends"
"""Store setting: [device id (hex), end (ms)] (JSON) of the session this device signed in with
(`SessionReply.expires_at`, 30 days after the sign-in by default; it does not slide): once
this device's clock is past it, a server that no longer knows the session (it forgets an
expired one a day after its end) is told as the expired session it is
(`transport.session_told`), not as a session ended by a deletion elsewhere. Only words
depend on it (a server's wrong end changes what is said, never what is done)."""


def _signed_in_as(name: str, device_id: bytes, listed: bool) -> str:
    """A news source for a device signed out since that this home never listed, by the name
    `name` its sign-in log row gives it (the signer's choice, the server's word: a claim,
    never who it is) and its id's 12 first hex digits, as `tj devices` shows them; `listed`:
    a device listed now bears that name, which this one is not (`Client._source_names`,
    rev34c F4). Pure."""
    short = device_id.hex()[:12]
    if name == DEFAULT_DEVICE_NAME:  # the default name says nothing: as `news_name`
        return f"another device ({short}), signed out since"
    said = quoted_name(name)
    which = f"device {short}, not the {said} signed in now" if listed else f"device {short}"
    return f"a device that signed in as {said} ({which}), signed out since"


def _session_end_of(value: object, device_id: bytes) -> int | None:
    """`SESSION_ENDS` read back for the session of `device_id`; None when unset, of another
    session, or unreadable."""
    pair = read_json(value, None)
    if (
        isinstance(pair, list)
        and len(pair) == 2
        and pair[0] == device_id.hex()
        and type(pair[1]) is int
    ):
        return pair[1]
    return None


KNOWN_COST = "password_cost"
"""Store setting: [opslimit, memlimit] (JSON) of the account's password as this device knows it
(its sign-in's, then its own password changes'): the floor of `Client._password_keys`."""


def _cost_of(value: object) -> KdfCost | None:
    """`KNOWN_COST` read back (JSON); None when unset or not two whole numbers."""
    pair = read_json(value, None)
    if isinstance(pair, list) and len(pair) == 2 and all(type(v) is int for v in pair):
        return KdfCost(pair[0], pair[1])
    return None


def _stricter(minimum: KdfCost, known: KdfCost) -> KdfCost:
    """The floor of both costs (each of passes and memory at least each's)."""
    return KdfCost(max(minimum.opslimit, known.opslimit), max(minimum.memlimit, known.memlimit))


def _below_known(error: CostBelowMinimum, minimum_cost: KdfCost) -> bool:
    """Whether `error`'s cost is one the call accepts (at least `minimum_cost`): it was
    refused for being below the cost known for the account, not below the call's floor."""
    cost = error.cost
    return isinstance(cost, KdfCost) and (
        cost.opslimit >= minimum_cost.opslimit and cost.memlimit >= minimum_cost.memlimit
    )


def _cost_below_known(
    error: CostBelowMinimum, username: str, known: KdfCost, where: str, server_url: str
) -> CostLowered:
    """The refusal of a cost below the one `where` ("this device", "this home") knows the
    account's password has (REV-ACCT F5, REV-KDF F2)."""
    cost = error.cost
    named = cost.words() if isinstance(cost, KdfCost) else "a lower one"
    return CostLowered(
        f"the server names a password hashing cost of {named} for {username}, below the "
        f"{known.words()} {where} knows the password has: nothing was derived or signed (a "
        "server weakening the hash before this device signs with it). If the password was "
        "changed on another device at a lower cost since, log this home out first, then sign "
        "in again",
        username,
        server_url,
        where,
    )


async def _home_known_cost(
    home: Path, previous: Profile | None, transport: Transport
) -> KdfCost | None:
    """The password cost the store of a home already signed in at this server knows
    (`KNOWN_COST`): a sign-in again there derives no key below it (REV-KDF F2: a server
    answering a signed-in device 401 could have it sign a `login` challenge at the floor's
    cost). None for a first sign-in, another address, or a store without it."""
    if previous is None or not _same_server(previous, transport):
        return None
    if not (home / STORE_FILE).exists():
        return None
    store = await Store.open(home, previous.device_id, account=previous.account_id)
    try:
        return _cost_of(await store.setting(KNOWN_COST))
    finally:
        await store.close()


def _known_server(transport: Transport, previous: Profile | None) -> None:
    """A sign-in again on a home whose profile names this server: the challenge it signs
    must name the server id that profile holds (`account.signed_challenge`; REV-ACCT2 G1:
    a server answering a signed-in device 401 could have it sign another deployment's
    login challenge). A first sign-in, or one at another address, knows no id."""
    if previous is not None and _same_server(previous, transport):
        transport.server_id = previous.server_id


def _same_server(profile: Profile, transport: Transport) -> bool:
    """Whether `profile` was signed in at the address `transport` talks to."""
    return _kept_address(profile.server_url) == transport.base_url


def _kept_address(server_url: str) -> str:
    """A profile's server address as the SDK uses it (normalize_url); one the SDK refuses
    (edited by hand to hold a user name, a password, a query or a fragment) without them
    (`shown_url`), or "" when that is no address either. Never raises."""
    for address in (server_url, shown_url(server_url)):
        try:
            return normalize_url(address)
        except InvalidInput:
            continue
    return ""


def _transport_of(home: Path, profile: Profile) -> tuple[Transport, Profile]:
    """The transport of an opened `profile`, and `profile` as the client holds it. A profile
    whose address normalize_url refuses (edited by hand: rev33a F3) opens all the same, for
    what works offline (an export, the journals this device holds), its address held without
    what the SDK never sends (`_kept_address`), so that no message repeats it; every request
    raises InvalidInput (subject PROFILE_ADDRESS, `Transport.refusal`), saying that the
    address kept in the profile is the cause and that a sign-in at the server's address
    fixes it."""
    try:
        return Transport(profile.server_url, profile.token), profile
    except InvalidInput:
        kept = _kept_address(profile.server_url)
    url = profile.server_url
    what = (
        "a user name or password"
        if "@" in url
        else "a query or a fragment"
        if "?" in url or "#" in url
        else "a form the app does not use"
    )
    at = f"at {kept!r}" if kept else "at the server's address"
    transport = Transport(kept or "http://address.invalid", profile.token)
    transport.refusal = InvalidInput(
        f"the server address in this device's profile ({home / 'profile'}) holds {what} "
        f"(not repeated here), which the app never sends: nothing was sent; signing in "
        f"again here as {profile.username} {at} fixes it, and what this device holds stays",
        subject=PROFILE_ADDRESS,
        names={"address": kept, "username": profile.username},
    )
    return transport, dataclasses.replace(profile, server_url=kept)


LOGOUT_FINISHED = (
    "no account on this device ({home}): it was logged out, and the program logging it out "
    "stopped before deleting this device's data; that is done now. Log in again to use "
    "the account here"
)
"""What `Client.open` raises (InvalidInput) after finishing a logout cut short."""


LOGGED_OUT_MEANWHILE = (
    "this device ({home}) was logged out by another program while signing in here: "
    "nothing was kept; sign in again"
)
"""What a sign-in raises (InvalidInput) when a logout committed while it ran."""

ORPHAN_STORE = (
    "{home} holds local data left without its profile (a logout or an account deletion "
    "there stopped halfway, or the profile was removed) that is another account's, or whose "
    "account cannot be told (an earlier version wrote it without recording whose it is, and "
    "it holds no journal of its own); it is never given to an account it cannot be told is "
    "its own, and nothing in it was changed. To sign in here, first move its files "
    "store.db, store.db-wal and store.db-shm (those there) together into another folder (or "
    "use another home); or, if you kept that account's profile, put it back in {home} and "
    "open the folder as before. Those files keep whatever that account never synced, which a "
    "login to that account in their folder would still send if the account was not deleted; "
    "deleting them loses it"
)
"""What a sign-in raises (InvalidInput) over a store left with no profile that is another
account's, or whose account cannot be told from what it holds (written before the account
was recorded, holding only journals shared with it): it is never shown to another account,
and never given to one on the server's word."""

ORPHAN_STORE_KEPT_KEY = (
    "{home} holds the local data of another account, without that account's profile (a "
    "logout or an account deletion there stopped halfway, or the profile was removed); it "
    "is never shown to another account. {home} also keeps the recovery key of a signup never "
    "shown ({home}/pending_signup), so do not move the folder: move its files store.db, "
    "store.db-wal and store.db-shm (those there) together into another folder, then sign in "
    "again here. Those files keep whatever that account never synced, which a login to that "
    "account in that folder would still send if the account was not deleted; deleting them "
    "loses it"
)
"""ORPHAN_STORE for a home that also keeps a signup's recovery key (`pending_signup`):
moving the folder aside would take that key away from the signup that needs it (NU56 #3)."""


def _orphan_store_text(home: Path) -> str:
    """ORPHAN_STORE for `home`, or ORPHAN_STORE_KEPT_KEY when it keeps a signup's recovery
    key (pending_signup.py)."""
    kept = (home / PENDING_FILE).exists()
    return (ORPHAN_STORE_KEPT_KEY if kept else ORPHAN_STORE).format(home=home)


async def _refuse_orphan_store(home: Path, account_id: bytes) -> None:
    """Before a signup sends anything (NU56 #3: it made the account on the server, then
    failed over this store, and its advice looped): raise InvalidInput (ORPHAN_STORE or
    ORPHAN_STORE_KEPT_KEY, ORPHAN_UNKNOWN) when `home` holds, without a profile, a store
    that is not `account_id`'s; a store whose account cannot be told and that holds nothing
    unsent is deleted instead (`_delete_unknown_orphan`), as a sign-in does."""
    if profile_exists(home) or not (home / STORE_FILE).exists():
        return
    await _refuse_other_store(home, account_id)


async def _refuse_other_store(home: Path, account_id: bytes) -> None:
    """Raise InvalidInput (ORPHAN_STORE or ORPHAN_STORE_KEPT_KEY) when the store at `home`
    (left without a profile) is another account's than `account_id`, or (ORPHAN_UNKNOWN)
    when whose it is cannot be told and it holds what was never sent; such a store holding
    nothing unsent is deleted instead (`_delete_unknown_orphan`)."""
    orphan = await Store.open(home)
    try:
        ours = await orphan.belongs_to(account_id)
    finally:
        await orphan.close()
    if ours is None and not await _delete_unknown_orphan(home):
        raise InvalidInput(ORPHAN_UNKNOWN.format(home=home), subject="other account's store")
    if ours is False:
        raise InvalidInput(_orphan_store_text(home), subject="other account's store")


async def _refuse_other_named_store(home: Path, username: str) -> None:
    """Before a sign-in sends anything: raise InvalidInput (ORPHAN_STORE or
    ORPHAN_STORE_KEPT_KEY) when `home` holds, without a profile, a store that records another
    username than `username` (`Store.recorded_username`: an account's username never
    changes, so the store is another account's). A store whose username cannot be
    told, or that names `username` (an account erased, its name taken since, is another
    account), is checked by account id once the server signed the device in
    (`_refuse_other_store`), which ends that session on refusal."""
    own = await _recorded_username(home)
    if own is not None and own != username:
        raise InvalidInput(_orphan_store_text(home), subject="other account's store")


async def _holder_name(home: Path) -> str:
    """The username of the account whose profile `home` holds, asking no passphrase: the
    profile's, or for a locked one the username its store records; "" when neither reads."""
    try:
        return (await _loaded_profile(home, None)).username
    except TJError:
        try:
            return (await _recorded_username(home) if is_locked(home) else None) or ""
        except TJError:
            return ""


async def _recorded_username(home: Path) -> str | None:
    """The username the store at `home` records (`Store.recorded_username`), read without
    any key; None when there is no store or it records none."""
    if not (home / STORE_FILE).exists():
        return None
    store = await Store.open(home)
    try:
        return await store.recorded_username()
    finally:
        await store.close()


ORPHAN_UNKNOWN = (
    "{home} holds local data without a profile, written by an earlier version that did not "
    "record whose it is, with changes never synced; it holds no journal that tells whose, "
    "so no account is given it. To sign in here, first move its files store.db, "
    "store.db-wal and store.db-shm (those there) together into another folder (or use "
    "another home): they keep those changes; deleting them loses them"
)
"""What a sign-in raises (InvalidInput) over a store left with no profile whose account
cannot be told (no journal, no account recorded) and that holds changes never sent."""

LOGOUT_TRIES = 3
"""How often `Client.open` and a sign-in read the home again when another program changed
it (finished its logout, signed in anew) while they looked, before StoreBusy."""


def _whose(profile: Profile) -> tuple[str, str]:
    """(Server URL, username) of `profile`: where the device's name is kept after a logout."""
    return _kept_address(profile.server_url), profile.username


def _delete_local_data(home: Path, who: tuple[str, str] | None, own: object) -> None:
    """A logout's deletion of the local data (the store closed): keeps the device's name
    `own` (a str, else nothing kept) for the next login of `who` (server URL, username;
    None: nothing kept) (NU25 C7), then deletes the profile (the directory fsynced), then
    the store's files. The store, holding the logout's mark, goes last: a program stopped
    at any point leaves either the profile and the marked store, or the marked store
    alone, or nothing; the first two are finished by the next `Client.open` or sign-in.
    Deleting the store first would leave a profile with no store, which `Client.open`
    would take for a new device and give a fresh store (its counters taken again)."""
    from client_sdk.devices import keep_name_after_logout

    if isinstance(own, str) and who is not None:  # the next login of this account keeps it
        keep_name_after_logout(home, who[0], who[1], own)
    remove_profile(home)  # durable (fsync) before the store goes
    _delete_store_files(home)


def _delete_store_files(home: Path) -> None:
    """Delete the store's file, then its write-ahead log and shared-memory index, where they
    are (the file first: SQLite discards a log it finds beside an empty new store), then the
    mark of an account erased here (ERASED_HERE), which went with them."""
    for name in (STORE_FILE, f"{STORE_FILE}-wal", f"{STORE_FILE}-shm", ERASED_HERE):
        (home / name).unlink(missing_ok=True)


ERASED_HERE = "account_erased"
"""The file `Client.delete_account` writes in the home once the server erased the account
(its id, hex), before it deletes the local data, which deletes it too: while it is there,
that data is of an account erased from this device (`Client.erased_here`)."""


def _losses_allowed(discard_unsynced: bool | int, done: str) -> int | None:
    """How many items with unsynced changes the user agreed to lose, from `logout`'s or
    `delete_account`'s `discard_unsynced` (False or 0: none; a number: the count the user was
    shown; True: any number, None). Raises InvalidInput for a negative number, saying that
    nothing was `done` ("deleted", "erased")."""
    if isinstance(discard_unsynced, bool):
        return None if discard_unsynced else 0
    if discard_unsynced < 0:
        raise InvalidInput(
            f"discard_unsynced is {discard_unsynced}: give how many items with unsynced "
            f"changes the user agreed to lose (0 or more), or True for any number; nothing "
            f"was {done}",
            subject=BAD_VALUE,
        )
    return discard_unsynced


def _copy_agreed(discard_copies: bool | Collection[str], journal_id: str) -> bool:
    """Whether `logout`'s `discard_copies` agrees to lose the read-only copy of the journal
    `journal_id` (hex): True any, False none, else those whose ids it holds."""
    return discard_copies is True or (discard_copies is not False and journal_id in discard_copies)


def _copies_agreed(discard_copies: bool | Collection[str]) -> frozenset[bytes] | None:
    """The journal ids `logout`'s `discard_copies` agrees to lose the copies of, as
    `_copy_agreed` reads it (None: any): an id that is not lowercase hex names none."""
    if discard_copies is True:
        return None
    if discard_copies is False:
        return frozenset()
    agreed: set[bytes] = set()
    for given in discard_copies:
        with contextlib.suppress(ValueError):
            if bytes.fromhex(given).hex() == given:
                agreed.add(bytes.fromhex(given))
    return frozenset(agreed)


def _erased_here(home: Path, account_id: bytes) -> bool:
    """Whether `home` holds the mark (ERASED_HERE) of `account_id` erased from it."""
    try:
        return (home / ERASED_HERE).read_bytes().strip() == account_id.hex().encode()
    except OSError:
        return False


async def _marked_logout(home: Path) -> tuple[bool, object]:
    """(Whether the store of `home` holds a committed logout's mark, `Store.logged_out`;
    the device's own name it keeps, when it does)."""
    if not (home / STORE_FILE).exists():
        return False, None
    from client_sdk.devices import OWN_NAME

    store = await Store.open(home)
    try:
        if not store.logged_out:
            return False, None
        return True, await store.setting(OWN_NAME)
    finally:
        await store.close(LOGGED_OUT)


async def _finish_logout(
    home: Path, loaded: bytes | None, who: tuple[str, str] | None, own: object
) -> bool:
    """Finish a logout that committed (`Store.logged_out`) but deleted nothing, as
    `Client.logout` would have (`_delete_local_data`), only while the store's write lock is
    held and the store is still marked, still the same file, and the profile still the one
    read (`loaded`, its bytes; None: none): never a sign-in made since by another program.
    Returns whether it deleted; runs to its end through a cancellation."""

    def delete() -> None:
        _delete_local_data(home, who, own)

    def still_ours() -> bool:
        return profile_bytes(home) == loaded

    return await to_the_end(asyncio.to_thread(delete_if_logged_out, home, still_ours, delete))


async def _delete_unknown_orphan(home: Path) -> bool:
    """Delete the store of `home` left with no profile whose account cannot be told (no
    journal, no account recorded: `Store.belongs_to` None) when it holds nothing waiting to
    be sent, under its write lock and only while no profile was saved meanwhile
    (`delete_orphan_if_unknown`): a sign-in then starts afresh, never taking over another
    account's settings and verified contacts. Whether the home is now free of it."""

    def delete() -> None:
        _delete_store_files(home)

    def still_ours() -> bool:
        return profile_bytes(home) is None

    if await to_the_end(asyncio.to_thread(delete_orphan_if_unknown, home, still_ours, delete)):
        return True
    return not (home / STORE_FILE).exists()


async def _finish_logout_first(home: Path, passphrase: str | None) -> None:
    """Before a sign-in on `home`: a logout there whose end committed but whose program
    stopped before it deleted the local data is finished (`_finish_logout`), so that its
    store is never adopted, by this account (what the logout discarded is never sent) or
    another (never shown). Raises StoreBusy (`signing_in` True: the sign-in is not made on
    this device) when other programs keep changing the home or keep its store busy."""
    for _ in range(LOGOUT_TRIES):
        marked, own = await _marked_logout(home)
        if not marked:
            return
        loaded = profile_bytes(home)
        who: tuple[str, str] | None = None
        if loaded is not None:
            with contextlib.suppress(TJError):  # locked, its passphrase not given: no name kept
                who = _whose(await _loaded_profile(home, passphrase))
        try:
            if await _finish_logout(home, loaded, who, own):
                return
        except StoreBusy as busy:  # no sign-in made: never "nothing was written"
            raise StoreBusy(signing_in=True) from busy.__cause__
    raise StoreBusy(signing_in=True)


async def _loaded_profile(home: Path, passphrase: str | None) -> Profile:
    """`load_profile` in a thread: a locked profile's key is derived with Argon2id, which
    must not hold the event loop."""
    return await asyncio.to_thread(load_profile, home, passphrase)


async def _check_home_free(home: Path, username: str, passphrase: str | None) -> Profile | None:
    """Refuse, before the server signs a device in, a profile that holds another account
    (one locked with a passphrase not given is checked after the sign-in, in `_start`), or
    an unfinished signup (pending_signup.py) of any account; a finished one's kept key
    gates nothing (R25 F1). Returns the profile the home holds (of `username`), if it
    opens."""
    pending = load_pending(home)
    if pending is not None and not pending.finished:
        raise _unfinished(home, pending)
    if not profile_exists(home):
        await _refuse_other_named_store(home, username)
        return None
    try:
        previous = await _loaded_profile(home, passphrase)
    except TJError:
        return None
    if previous.username != username:
        raise InvalidInput(
            f"{home} holds the account {previous.username}: log out first or use another home",
            subject=OTHER_ACCOUNT_HERE,
            names={"username": previous.username, "unsynced": ""},
        )
    return previous


async def _check_name_made(client: Client, aside: Path, pending: PendingSignup) -> None:
    """After `client`'s signup made the username of `pending` (set aside at `aside`) as
    another account: when the server behind `pending`'s own address (asked there, its
    prelogin) names for it the salt `client`'s server names (this new account's), that
    server holds the name as this new account, so `pending`'s signup made no account there:
    the copy is marked so (`PendingSignup.name_made_at`; nu83 F13). Best effort: an address
    that cannot be asked, or another salt, leaves it as it was (maybe live)."""
    request = wire.PreloginRequest(pending.username)
    try:
        here = await client.transport.call("/v1/auth/prelogin", request, wire.PreloginReply)
        through = Transport(pending.server_url)
    except TJError:
        return
    try:
        there = await through.call("/v1/auth/prelogin", request, wire.PreloginReply)
    except TJError:
        return
    finally:
        await through.close()
    if there.salt == here.salt != pending.request.salt:
        mark_name_made(aside, client.profile.server_url)


def _refused_or_never_sent(error: TJError) -> bool:
    """Whether a failed signup request surely created no account: the server answered with
    an error (a 4xx, a 429), or no connection to it could be made, so the request never
    left (a signup is never retried: transport.RETRIED_PATHS). A 5xx, a timeout, a dropped
    connection, a reply that does not decode, and an answer that is not this API's (subject
    NOT_A_JOURNAL_SERVER: another web server at that address, or a proxy's own error page
    when the server behind it may have stored the account: rev32c F3) leave it unknown."""
    if error.subject == NOT_A_JOURNAL_SERVER:
        return False
    if isinstance(error, RateLimited):
        return True
    if isinstance(error, NetworkError):
        return isinstance(error.__cause__, aiohttp.ClientConnectorError)
    return True


def _gives_way(home: Path, pending: PendingSignup, server_url: str) -> bool:
    """Whether the unfinished signup `pending` of `home` is set aside (kept, never deleted:
    `_set_aside`) for a signup or login at `server_url`, rather than refusing it (rev32c F3):
    every answer to it came from no Therapy Journal server (`PendingSignup.unanswered`: a
    mistyped address, or a proxy's own error page) and `server_url` is another address."""
    return (
        pending.unanswered
        and not pending.finished
        and normalize_url(server_url) != pending.server_url
        and not profile_exists(home)
    )


def _not_ours_to_signup(home: Path, error: TJError) -> None:
    """Make `error` (subject NOT_A_JOURNAL_SERVER) of a signup request answered by no Therapy
    Journal server the signup's (rev32c F3): the unfinished signup kept in
    `home` is marked `unanswered` (kept: a proxy's own error page says nothing of whether the
    server behind it stored the account), and the words say how to finish it and how it
    gives way to a signup at another address."""
    pending = None
    with contextlib.suppress(IntegrityError, OSError):
        pending = load_pending(home)
        if pending is not None and not pending.unanswered and not pending.answered:
            pending = dataclasses.replace(pending, unanswered=True)
            save_pending(home, pending)
    if pending is None or not pending.unanswered:
        return  # its server answered it before: an unfinished signup as any other (rev32d)
    if not str(error).endswith(UNANSWERED_SIGNUP_WORDS):
        error.args = (f"{error}; {UNANSWERED_SIGNUP_WORDS}",)


def _answered_signup(home: Path, *, first: bool = False) -> None:
    """A Therapy Journal server answered the signup request itself of the unfinished signup
    kept in `home`, or a login opened its account (`account.SignupHeard`; rev33b F4: never
    another request of the run, such as a prelogin a proxy forwarded), its outcome unknown
    all the same (a 5xx of its own, a reply lost after): the signup is
    no longer one no Therapy Journal server answered (`PendingSignup.unanswered` cleared),
    and never again (`answered`): it holds the home as any unfinished signup (rev32d). The
    file is written only when that changes something: `unanswered` was set, or this was the
    signup's `first` request (its file just written)."""
    with contextlib.suppress(IntegrityError, OSError):
        pending = load_pending(home)
        if pending is not None and not pending.answered and (pending.unanswered or first):
            save_pending(home, dataclasses.replace(pending, unanswered=False, answered=True))


def _maybe_made(error: TJError, pending: PendingSignup, server_url: str) -> None:
    """Make `error` (a signup's `username_taken`, on a home whose unfinished signup of that
    name gave way: no Therapy Journal server answered it) say the account may be that
    signup's, made behind a proxy, and how to finish it (rev32d F5)."""
    server = normalize_url(server_url)
    error.subject = SIGNUP_MAYBE_MADE
    error.names = {"username": pending.username, "server": server, "through": pending.server_url}
    error.args = (maybe_made_text(pending.username, server, pending.server_url),)


UNANSWERED_SIGNUP_WORDS = (
    "if it is the right address (a proxy in front of the server may have failed after the "
    "account was made), signing up again there with the same username and password "
    "finishes the signup: its recovery key is kept on this device until then, and set aside "
    "(kept_recovery_keys) by a signup or login at another address"
)
"""What a signup answered by no Therapy Journal server adds to the error's words (rev32c F3;
the CLI says it in its own: `tj signup`)."""


def _not_in_force(home: Path, in_force: bool | None, sealed: bool = False) -> str:
    """Why the recovery key kept from this account's signup is not shown (R23 F2); `sealed`:
    it does not open with the password given (changed since the signup). One sentence that
    names the one command that settles it (R25 F3)."""
    if sealed:
        why = (
            "it opens only with the password the account was signed up with (or one set "
            "later on this device), changed since on another device (the key may also have "
            "been replaced there)"
        )
    elif in_force is False:
        why = (
            "the server names another recovery key as this account's: it was most likely "
            "replaced on another device since"
        )
    else:
        why = (
            "the server could not confirm it is still this account's recovery key (it may "
            "have been replaced on another device since)"
        )
    return (
        f"the recovery key this device kept from the signup is not shown: {why}. If you "
        f"have a newer recovery key, keep it; {MAKE_ONE_NOW} (which also drops the copy kept "
        f"in {home / PENDING_FILE})"
    )


def _changed_since(pending: PendingSignup) -> AuthError:
    """The error for a password that does not open an unfinished signup's copy, the account's
    password having been changed since, on a device still signed in."""
    return AuthError(
        f"that is not the password {pending.username} was signed up with on this device, and "
        "its password was changed since: the recovery key kept here opens only with the "
        "password of the signup; without it, make a new recovery key on this device, which "
        "is signed in",
        subject="signup password changed",
    )


def _same_account(pending: PendingSignup, server_url: str, username: str) -> bool:
    return (pending.server_url, pending.username) == (normalize_url(server_url), username)


def _signup_minimum(pending: PendingSignup) -> KdfCost:
    """The least Argon2id cost a login to the account `pending` made accepts: INTERACTIVE,
    or the signup's own, lower, cost (chosen by this device: a test setting)."""
    request = pending.request
    return KdfCost(
        min(request.opslimit, INTERACTIVE.opslimit), min(request.memlimit, INTERACTIVE.memlimit)
    )


def _set_aside(home: Path, pending: PendingSignup) -> Path:
    """Move the kept copy of `pending` to `<home>/pending_signup.<account id, hex>` (never
    deleted: R27 F2); returns that path."""
    aside = home / f"{PENDING_FILE}.{pending.account_id.hex()}"
    (home / PENDING_FILE).replace(aside)
    return aside


def _kept(home: Path, pending: PendingSignup) -> InvalidInput:
    """The error for a new signup on a home that keeps another signup's recovery key."""
    names = {
        "home": str(home),
        "username": pending.username,
        "server": pending.server_url,
        "account": pending.account_id.hex(),
    }
    return InvalidInput(
        kept_key_text(names["home"], names["username"], names["server"], names["account"]),
        subject=KEPT_RECOVERY_KEY,
        names=names,
    )


def _not_on_server(home: Path, pending: PendingSignup, server: str | None = None) -> AuthError:
    """The error of a login on an unfinished signup whose account the server does not know
    with the signup's password: nothing was sent that could make an account. `server`: the
    address the login was sent to, when not the signup's own (a signup no Therapy Journal
    server answered: nu83 F12); `names["server"]` is then that address, where `signup`
    makes the account."""
    at = server or pending.server_url
    through = f" (through {pending.server_url})" if at != pending.server_url else ""
    names = _signup_names(pending)
    names["server"] = at
    return AuthError(
        f"the server at {at} has no account {pending.username} (account "
        f"{pending.account_id.hex()}) that the "
        "password this device signed it up with opens: it was deleted since (on another "
        "device), or its password was changed there, or this device's signup"
        f"{through} never reached the server. Logging in makes no account: if the password "
        "was changed, log in with "
        + (
            f"the current one; to make the account {pending.username}, sign up at {at} (with "
            "a recovery key of its own: the one kept from that signup is set aside, "
            f"in {home}, never shown)"
            if through
            else f"the current one; to make the account {pending.username} (again) with this "
            "signup and its recovery key, sign up again with its password. The recovery key "
            f"kept for it stays in {home / PENDING_FILE}"
        ),
        subject=account.NOT_ON_SERVER,
        names=names,
    )


async def _never_reached(server_url: str, pending: PendingSignup, password: str) -> bool:
    """Whether the server at `server_url` holds no account of `pending`'s username with the
    salt its signup chose, while `password` opens the signup's copy (it is the signup's
    password, not a mistyped one): that signup never made its account there (or it was
    deleted since, or its password changed: nu83 F12). False when it cannot be told."""
    try:
        await asyncio.to_thread(account.unlock_pending, pending, password)
    except AuthError:
        return False  # not the signup's password: a wrong password as any other
    try:
        transport = Transport(server_url)
    except TJError:
        return False
    try:
        request = wire.PreloginRequest(pending.username)
        pre = await transport.call("/v1/auth/prelogin", request, wire.PreloginReply)
    except TJError:
        return False
    finally:
        await transport.close()
    return pre.salt != pending.request.salt


def _unfinished(home: Path, pending: PendingSignup) -> InvalidInput:
    """The error for a home kept for an unfinished signup and asked for something else."""
    return InvalidInput(
        f"{home} holds the unfinished signup of {pending.username} at {pending.server_url} "
        f"(account {pending.account_id.hex()}), whose recovery key was never shown: sign up (or log in) again there with that "
        "username and its password to finish it",
        subject="unfinished signup",
        names=_signup_names(pending),
    )


def _signup_names(pending: PendingSignup) -> dict[str, str]:
    """`TJError.names` of an error about the unfinished signup `pending`: "username",
    "server" (its address) and "account" (its id, hex): an app's commands name them."""
    return {
        "username": pending.username,
        "server": pending.server_url,
        "account": pending.account_id.hex(),
    }


def _brought_by_sync(item: tuple[Notice, wire.LiveNotice | None]) -> bool:
    """Whether an ordinary sync starting now brings what the waiting live notice `item`
    announces (`Client.watch()`): a meta notice or a journal notice, read before the sync
    asks; not a connection's or an outage's news, nor a write of this process."""
    notice = item[0]
    return not (notice.connected or notice.lost or notice.local)


def _notice_is_held(
    journal: LocalJournal | None, notice: Notice, message: wire.LiveNotice | None
) -> bool:
    """A live journal notice tells this device nothing new (`watch()` skips it): the device
    holds the journal up to the notice's head (a notice read after a sync that pulled its
    change, or a later one) and, when the notice names the journal's `meta_version`, at that
    version. A head of 0 (the journal was deleted) or a `meta_version` other than the
    device's (keys, members or name changed: a rotation adds no record) is never skipped:
    the device runs an ordinary sync, one per such notice (R31 F1)."""
    if journal is None or notice.head == 0 or notice.head > journal.cursor:
        return False
    named = message.meta_version if message is not None else 0
    return named == 0 or named == journal.meta_version


def _named_device(devices: dict[bytes, str], device: bytes) -> str:
    """The name news give the device `device` of this account (`devices.news_name`), or ""
    when `devices` (its listed names) does not have it."""
    from client_sdk.devices import news_name

    return news_name(devices[device], device) if devices.get(device) else ""


def _set_aside_of(change_id: str, changes: list[SetAsideChange]) -> list[SetAsideChange]:
    """Those of `changes` (set aside) of the document that the change `change_id` (a record
    or document id, or the start of one: at least 4 hex digits) is about. Raises
    InvalidInput for a malformed id or one matching changes of several documents, NotFound
    when none matches."""
    wanted = change_id.strip().lower()
    if len(wanted) < 4 or any(c not in "0123456789abcdef" for c in wanted):
        raise InvalidInput(  # the app lists them (NU45 #4)
            f"{change_id!r} is not a change id (4 hex digits or more of a change set "
            "aside, or of its document)",
            subject="set-aside change",
        )
    matched = [c for c in changes if c.record_id.startswith(wanted) or c.doc_id.startswith(wanted)]
    if not matched:
        raise NotFound(f"nothing set aside matches {change_id!r}", subject="set-aside change")
    if len({c.doc_id for c in matched}) > 1:
        raise ambiguous_id(change_id, f"changes of {len({c.doc_id for c in matched})} documents")
    return [c for c in changes if c.doc_id == matched[0].doc_id]


def devices_kept_key(
    home: Path, server_url: str, username: str, passphrase: str | None
) -> tuple[nacl.signing.SigningKey, bool] | None:
    """This home's device key for the account and whether to write it once the sign-in
    succeeded (`devices.kept_device_key`, protocol.md 4.21)."""
    from client_sdk.devices import kept_device_key

    return kept_device_key(home, server_url, username, passphrase)


async def _keep_device_key(
    home: Path,
    server_url: str,
    username: str,
    device_key: tuple[nacl.signing.SigningKey, bool] | None,
    passphrase: str | None,
) -> None:
    """Write the device key a sign-in that succeeded used, if it is to be written
    (`devices.keep_device_key`: sealed under `passphrase` as the profile is). Raises nothing."""
    from client_sdk.devices import keep_device_key

    if device_key is not None and device_key[1]:
        await asyncio.to_thread(
            keep_device_key, home, server_url, username, device_key[0], passphrase
        )
