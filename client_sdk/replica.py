"""The device's replica of its journals: sealing local changes into records, pushing the
outbox, pulling and verifying records, merging them into documents, and journal keys.

`Client` is the public face; this class holds the machinery it shares between features.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import json
import re
import sqlite3
import sys
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Collection,
    Coroutine,
    Iterable,
    Mapping,
)
from concurrent.futures import Future
from dataclasses import dataclass, replace
from typing import Any, NamedTuple, cast

import msgpack

from client_sdk import (
    access,
    carrying,
    crypto,
    departures,
    forgotten,
    hold_back,
    keys,
    legacy_upgrade,
    owed_shares,
    records,
    verifying,
    wire,
)
from client_sdk import store as store_module
from client_sdk import sync as sync_plan
from client_sdk import withholding as counting
from client_sdk.access import AccessState
from client_sdk.care_disclosure import MIRRORED_KINDS
from client_sdk.chains import MAX_CHAIN_LENGTH, Chains
from client_sdk.changes import FEED_KINDS
from client_sdk.copy_journals import COPY_JOURNAL, copy_write_refused
from client_sdk.default_journal import (
    DEFAULT_ENDED_NAME,
    DEFAULT_SETTLED,
    ENDED,
    HELD,
    UNCONFIRMED,
    UNKNOWN,
    Adoption,
    adopted_still_named,
    adoption_after,
    adoption_of,
    adoption_value,
    shared_by_chain,
)
from client_sdk.documents import (
    BRIEF,
    ENTRY,
    PRIVATE_NOTE,
    Document,
    builds_on,
    carry_twin_edits,
    decode_state_vector,
    entry_view,
    removal_update,
    removed,
    restore_kept_update,
    update_start,
    withdrawal_again,
)
from client_sdk.documents import removal as documents_removal
from client_sdk.errors import (
    NOT_A_JOURNAL_SERVER,
    AccessError,
    ClientClosed,
    ConflictError,
    IntegrityError,
    InvalidInput,
    JournalArchived,
    KeyChangedError,
    NetworkError,
    NotFound,
    RateLimited,
    RenamedElsewhere,
    TJError,
    UnsentChanges,
    UpdateNeeded,
)
from client_sdk.frozen_init import filled_at_once
from client_sdk.glued_inserts import separator_update
from client_sdk.journal_meta import (
    archived_of,
    decode_meta,
    encode_meta,
    named_at_of,
    names_brief_for,
    next_named_at,
    signed_named_at,
    supersedes,
)
from client_sdk.key_pages import KeyWalk
from client_sdk.models import (
    account_label,
    account_names,
    label_digits,
    named_in_text,
    normalize_username,
    now_ms,
    quoted_name,
    read_json,
    to_datetime,
)
from client_sdk.opening import PARALLEL_MIN, Opening
from client_sdk.opening import worker as opening_worker
from client_sdk.profile import Profile
from client_sdk.pushing import Pusher, moot_withdrawals, note_flags_found
from client_sdk.safety import SAFETY_PLAN
from client_sdk.settling import TAG_OPS, TAGS_ARRIVED
from client_sdk.store import (
    CommitMark,
    JournalsChanged,
    LocalJournal,
    LocalShare,
    NewDocument,
    ParkedRecord,
    Peer,
    Problem,
    SeenRecord,
    Store,
    StoredDocument,
    Transaction,
    insert_new_documents,
)
from client_sdk.sync import OutboxRecord, Progress
from client_sdk.transport import DEFAULT_RETRY, Known, Transport, WaitBudget
from client_sdk.twin_inserts import carries_stripped, twin_deletes
from client_sdk.upload_limit import DEFAULT_WAIT_S, Sleep, UploadWaits
from client_sdk.verifying import Check, Outcome
from client_sdk.verifying import verify as verify_in_helper

PULL_PAGE = 1000
MAX_SLICES = 1000  # slices of wire.SYNC_JOURNALS journals one pull follows (a million journals)
STALLED_ROUNDS = 3
"""Sync replies in a row that bring no record before a pull stops and is reported."""
PULL_MARGIN = 8
"""Sync replies one pull may take beyond the records its first reply claims (sync.PullBudget)."""
UNVERIFIED_SHARE_BYTES = hold_back.UNVERIFIED_SHARE_BYTES  # all unverified owners together
ID_LOOKUP_WAIT_S = DEFAULT_RETRY.longest_wait
"""Seconds the lookups of accounts by id of one sync (owners to pin, authors of missing
records) may wait in all for the server's Retry-After and backoff: the longest wait the
transport allows one call (protocol.md, "Retries"), 30 s. Past it a lookup is refused."""

AFTER_PAGE_TEST_HOOK: Callable[[bytes], Coroutine[Any, Any, None]] | None = None
"""Test-only setting, None in any real use: crash tests set it, in a client process they
then kill (SIGKILL), to hold a sync right after the transaction of a page that changed a
document commits (`Replica._apply_page`; awaited with the journal's id). Whatever a pull
writes outside that transaction is lost with the process (tests/client/
test_merge_writes_crash.py)."""
SKIP_ALL = wire.U63
"""The cursor a /v1/sync request names for a journal held back: past any head, so an honest
server sends none of its records (the device's own cursor stays where the pull stopped)."""
ANNOTATION_KINDS = access.ANNOTATION_KINDS
REVOKED = "revoked"  # local role of a journal no longer shared with this account
NOT_BACK = "not_back_when_gone"
"""Store setting: journal id (hex) -> this device's own counters there that the server
acknowledged and that had not come back when the journal left the journal list (rev-cut
G1): reported withheld once, with the journal's departure, then excused on this device."""


def _decode_not_back(value: Any) -> dict[bytes, list[tuple[int, int]]]:
    """The setting NOT_BACK; a damaged value reads as none."""
    try:
        raw = json.loads(value) if value else {}
        return {
            bytes.fromhex(j): [(int(lo), int(hi)) for lo, hi in ranges] for j, ranges in raw.items()
        }
    except (ValueError, RecursionError, TypeError, AttributeError):
        return {}


PROVEN_GAPS = "withheld_while_unverified"
"""Store setting: journal id (hex) -> the gaps the last withholding check that checked it
(not deferred: `_check_withheld`) reported there, for journals whose owner is not verified
([author hex, device hex, [[lo, hi], ...], claimed_by hex] each). While such a journal is
deferred (held back at the bound on unverified owners), those of them still missing are
reported as before: a server that was caught withholding cannot end the report by filling
the bound and announcing a higher head (REV-HELD H1)."""


def _decode_proven(value: Any) -> dict[bytes, list[counting.Gap]]:
    """The setting PROVEN_GAPS; a damaged value reads as none."""
    try:
        raw = read_json(value, {})
        return {
            bytes.fromhex(j): [
                counting.Gap(
                    bytes.fromhex(j),
                    bytes.fromhex(author),
                    bytes.fromhex(device),
                    tuple((int(lo), int(hi)) for lo, hi in ranges),
                    bytes.fromhex(by),
                )
                for author, device, ranges, by in gaps
            ]
            for j, gaps in raw.items()
        }
    except (ValueError, TypeError, AttributeError):
        return {}


def _encode_proven(proven: dict[bytes, list[counting.Gap]]) -> str:
    return json.dumps(
        {
            j.hex(): [
                [g.author.hex(), g.device.hex(), [list(r) for r in g.missing], g.claimed_by.hex()]
                for g in gaps
            ]
            for j, gaps in sorted(proven.items())
            if gaps
        }
    )


def _still_missing(
    proven: list[counting.Gap], known: counting.JournalCounters
) -> list[counting.Gap]:
    """Of the gaps `proven` (PROVEN_GAPS), the counters still neither received nor covered
    (`known`, as the store holds them now)."""
    found = []
    for gap in proven:
        state = known.devices.get((gap.author, gap.device))
        missing = state.missing() if state is not None else list(gap.missing)
        left = tuple(
            (max(lo, m_lo), min(hi, m_hi))
            for lo, hi in gap.missing
            for m_lo, m_hi in missing
            if max(lo, m_lo) <= min(hi, m_hi)
        )
        if left:
            found.append(replace(gap, missing=left))
    return found


def _encode_not_back(kept: dict[bytes, list[tuple[int, int]]]) -> str:
    return json.dumps({j.hex(): [list(r) for r in ranges] for j, ranges in sorted(kept.items())})


KEY_WAITS = "records_waiting_for_keys"
"""Setting: by journal, the records a pull refused because their epoch's key was refused
(`_KeyWanted`: no envelope the server served for it verified), as JSON {journal hex: [[epoch,
seq, record id hex], ...]}, at most MAX_KEY_WAITS a journal and MAX_KEY_WAITS_ALL in all. A
later sync that holds a verified key of such an epoch pulls them again, those records only
(`Replica._retry_key_waits`); a row goes once its record was applied or refused for another
reason, or its journal left the device (a journal the server stops listing keeps its rows:
`Replica._retry_key_waits`). How long the pull again waits before it asks again is kept in
KEY_WAIT_BACKOFF."""
MAX_KEY_WAITS = 1000
MAX_KEY_WAITS_ALL = 5000
"""Records kept waiting for a key (KEY_WAITS) in all journals together; past it (or past
MAX_KEY_WAITS in one journal) a refused record is not kept waiting, and the sync says so."""
MAX_KEY_WAITS_UNVERIFIED = 1000
"""Of MAX_KEY_WAITS_ALL, the records kept waiting in all the journals of owners this device
did not verify (whom the server can make up): the others always keep the rest."""
RETRY_ROUNDS = 10
"""Requests one journal's pull again (`_pull_again`) makes at most in a sync, each asking only
from a waiting record's seq for as many records as wait: the rest wait for the next sync."""
RETRY_REQUESTS = 40
"""Requests the pulls again of one sync make at most, all journals together: their /v1/sync
requests and the /v1/journals/keys requests that ask again for refused key pages."""
KEY_RETRY_BACKOFF = 5
"""A refused key range that records wait for is asked again in the next sync, then after 2,
4, ... syncs while it stays refused, at most 2**KEY_RETRY_BACKOFF syncs apart (a key the
journal list brings is taken at once, whatever the wait)."""
KEY_WAIT_BACKOFF = "key_wait_backoff"
"""Setting: how long the pull again (`Replica._retry_key_waits`) waits before it asks the
server again, kept across restarts, as JSON {"keys": [[journal hex, first epoch, last epoch,
times refused in a row, syncs left], ...], "pulls": [[journal hex, epoch, times not served
in a row, syncs left], ...], "told": [journal hex, ...]}: the key ranges refused, the epochs
whose waiting records the server did not serve when asked (each asked again after 1, 2, 4,
... syncs, at most 2**KEY_RETRY_BACKOFF apart: a record served resets it), and the journals
not listed, their owner having signed the end, whose waiting records were told already
(told once, not at every sync). Only rows of journals and epochs with records in KEY_WAITS
are kept, at most MAX_BACKOFF_ROWS of each kind; a journal's rows go in the transaction
that removes the journal (`Replica._forget_key_waits`); written by the sync that changes
it, none while nothing waits."""
MAX_BACKOFF_ROWS = 1000
"""Rows of each kind KEY_WAIT_BACKOFF keeps at most (the most refused first): a row dropped
only makes its range or epoch asked again, within RETRY_REQUESTS."""


def _decode_key_waits(value: str | None) -> dict[bytes, list[tuple[int, int, bytes]]]:
    """KEY_WAITS as stored; {} for none (or a value this SDK did not write)."""
    if not value:
        return {}
    try:
        found = json.loads(value)
        return {
            bytes.fromhex(journal): [(int(e), int(q), bytes.fromhex(r)) for e, q, r in rows]
            for journal, rows in found.items()
        }
    except (ValueError, TypeError, AttributeError, OverflowError, RecursionError):
        return {}


def _encode_key_waits(waits: dict[bytes, list[tuple[int, int, bytes]]]) -> str | None:
    kept = {
        j.hex(): [[e, q, r.hex()] for e, q, r in rows] for j, rows in sorted(waits.items()) if rows
    }
    return json.dumps(kept) if kept else None


def waits_not_kept(waits: str | None, kept: list[Problem]) -> list[Problem]:
    """The records KEY_WAITS (`waits`, as stored) holds that the problems kept (`kept`,
    `Store.problems()`) do not name, a journal's problems being full (store.MAX_PROBLEMS_KEPT):
    one Problem per such journal, in journal order, naming its first waiting record (id and
    seq), how many wait, and the first sync_plan.IDS_SHOWN of them. As bounded as KEY_WAITS
    (one row per journal). Raises nothing."""
    named = {(p.journal_id, p.record_id) for p in kept}
    found: list[Problem] = []
    for journal_id, rows in sorted(_decode_key_waits(waits).items()):
        left = sorted(
            (seq, record_id) for _, seq, record_id in rows if (journal_id, record_id) not in named
        )
        if not left:
            continue
        shown = ", ".join(f"record {r.hex()}" for _, r in left[: sync_plan.IDS_SHOWN])
        more = len(left) - min(len(left), sync_plan.IDS_SHOWN)
        count = "1 record" if len(left) == 1 else f"{len(left)} records"
        found.append(
            Problem(
                journal_id,
                left[0][1],
                left[0][0],
                f"{count} refused for want of {'its' if len(left) == 1 else 'their'} epoch's "
                f"key {'waits' if len(left) == 1 else 'wait'} for it, not listed one by one "
                f"(this device keeps at most {store_module.MAX_PROBLEMS_KEPT} problems a "
                f"journal): {shown}" + (f" and {more} more" if more else ""),
            )
        )
    return found


class _Backoff(NamedTuple):
    """KEY_WAIT_BACKOFF decoded, with each wait as the sync number (`Replica._syncs`) from
    which it is due."""

    keys: dict[tuple[bytes, int], tuple[int, int, int]]
    """(journal, first epoch) of a refused key range -> (last epoch, times, due sync)."""
    pulls: dict[tuple[bytes, int], tuple[int, int]]
    """(journal, epoch) whose waiting records were not served -> (times, due sync)."""
    told: set[bytes]
    """Journals not listed whose waiting records were told already."""


def _decode_backoff(value: str | None, now: int) -> _Backoff:
    """KEY_WAIT_BACKOFF as stored, its waits counted from sync `now` (the one that wrote it:
    each due `syncs left` after it, never more than 2**KEY_RETRY_BACKOFF); empty for none
    (or a value this SDK did not write)."""
    found = _Backoff({}, {}, set())
    if not value:
        return found
    try:
        stored = json.loads(value)
        for journal, low, high, times, left in stored.get("keys", []):
            found.keys[(bytes.fromhex(journal), int(low))] = (
                int(high),
                int(times),
                now + min(int(left), 2**KEY_RETRY_BACKOFF),
            )
        for journal, epoch, times, left in stored.get("pulls", []):
            found.pulls[(bytes.fromhex(journal), int(epoch))] = (
                int(times),
                now + min(int(left), 2**KEY_RETRY_BACKOFF),
            )
        found.told.update(bytes.fromhex(journal) for journal in stored.get("told", []))
    except (ValueError, TypeError, AttributeError, OverflowError, RecursionError):
        return _Backoff({}, {}, set())
    return found


def _encode_backoff(
    backoff: _Backoff, now: int, waits: dict[bytes, list[tuple[int, int, bytes]]]
) -> str | None:
    """KEY_WAIT_BACKOFF to store at sync `now`: only the rows of journals and epochs with
    records waiting (`waits`), at most MAX_BACKOFF_ROWS of each kind (the most refused
    kept); None when none is left."""
    epochs = {(j, e) for j, rows in waits.items() for e, _, _ in rows}
    keys = sorted(
        (-times, j.hex(), low, high, max(0, due - now))
        for (j, low), (high, times, due) in backoff.keys.items()
        if any(low <= e <= high for e, _, _ in waits.get(j, []))
    )[:MAX_BACKOFF_ROWS]
    pulls = sorted(
        (-times, j.hex(), epoch, max(0, due - now))
        for (j, epoch), (times, due) in backoff.pulls.items()
        if (j, epoch) in epochs
    )[:MAX_BACKOFF_ROWS]
    told = sorted(j.hex() for j in backoff.told if j in waits)
    if not keys and not pulls and not told:
        return None
    return json.dumps(
        {
            "keys": [[j, low, high, -times, left] for times, j, low, high, left in keys],
            "pulls": [[j, epoch, -times, left] for times, j, epoch, left in pulls],
            "told": told,
        }
    )


_WAIT_KEY = "no key of the epoch verifies here yet"
_WAIT_UNSERVED = "not served again by the server"
_WAIT_HELD = (
    "the owner not verified, and this device's download of unverified owners' journals at its bound"
)
_WAIT_LATER = "not asked for again in this sync (a bounded number of requests a sync)"
_WAIT_FAILED = "the server could not be asked again in this sync"
_WAIT_LISTED = (
    "the journal is not in the server's journal list, though its owner signed no end of this "
    "account's share: pulled again once it is listed"
)
_WAIT_ENDED = (
    "this account's share of the journal ended (its owner signed the end): pulled again only "
    "if it is shared again; not told again while it is not listed"
)
_WAIT_RESTING = (
    "not asked for again in this sync: the server did not serve them when last asked (asked "
    "again after 1, 2, 4, ... syncs while it does not)"
)


def _still_waiting_line(count: int, shown: list[bytes], kinds: list[str]) -> str:
    """The words for records refused in an earlier sync for want of their epoch's key that
    still wait (`Replica._still_waiting`)."""
    ids = ", ".join(f"record {r.hex()}" for r in shown)
    more = f" and {count - len(shown)} more" if count > len(shown) else ""
    return (
        f"{'1 record' if count == 1 else f'{count} records'} refused in an earlier sync for "
        f"want of {'its' if count == 1 else 'their'} epoch's key still "
        f"{'waits' if count == 1 else 'wait'} ({ids}{more}): {'; '.join(kinds)}; pulled "
        "again once this device holds a key that verifies and the server serves "
        f"{'it' if count == 1 else 'them'}"
    )


HEAL_NAMES = "names_to_heal"
"""Setting: hex ids (space-separated) of owned journals whose name this device sends again at
its next sync (`Replica.heal_names`, W4)."""
OLD_EPOCH = "sealed under an older key epoch than the journal's verified chain"
UPDATE_HELD = (
    "kept until the app is updated: the journal's access chain holds an entry of a newer "
    "version of the app"
)
PRIVATE_HELD = (
    "kept on this device: private notes are never sent to a journal shared with anyone, and "
    "this journal is shared now (end its shares, or copy the notes elsewhere and delete them)"
)
FORMER_HOLDER_HELD = (
    "they are sealed with a key that an account whose share was removed or ended still holds "
    "(no new key has been verified since: the server may be withholding it), and the key "
    "could not be rotated yet"
)
MEMBER_FORMER_HOLDER_HELD = (
    "they would be sealed with a key that an account whose share was removed or ended still "
    "holds: the owner's new key has not reached this device (the server may be withholding "
    "it); they stay here and go once it arrives"
)
MEMBER_END_DATE_HELD = (
    "they would be sealed with a key that an account whose share reached its signed end date "
    "still holds: the owner's device has not ended that share with a new key yet, or its new "
    "key has not reached this device (the server may be withholding it); they stay here and "
    "go once it arrives (the owner's device ends the share at its next sync)"
)
STALE_HELD = (
    "the server refused them as sealed under an old key, and no newer key of this journal has "
    "been verified on this device since (the server may be withholding it, or have refused "
    "them falsely); they are not sent again in this sync: the next sync reads the journal's "
    "access chain again and sends them sealed under a newer key if it verifies one, or as "
    "they are if it does not"
)
STALE_RELEASED = (
    "changes the server refused at an earlier sync as sealed under an old key are sent again "
    "as they are: the journal's access chain, read again and verified, has no newer key (the "
    "server may have refused them falsely; it already had them)"
)
STALE_REFUSED_AGAIN = (
    "the server refused them again as sealed under an old key, after this device read the "
    "journal's access chain again and verified no newer key (the server may be withholding "
    "one, or refusing them falsely); they stay on this device and are sent again at the next "
    "sync"
)
PROBLEM_HELD = (
    "kept until the server serves the journal's verified access chain again: its access "
    "chain or key epoch has a problem"
)


NAMES_VERIFIED_KEPT = 4096
"""Journal names whose owner's signature `Replica._journal_meta` keeps as verified (by every
input of the verification): more than a therapist's caseload of journals."""


class Replica:
    def __init__(
        self,
        profile: Profile,
        store: Store,
        transport: Transport,
        *,
        clock: Callable[[], int] | None = None,
    ) -> None:
        self.profile = profile
        self.store = store
        self.transport = transport
        self.clock = clock
        """The time (ms since 1970, UTC) by which a sync decides what a signed end date or
        an owed grant's times mean (`owed_shares`: `unwanted`, `resting`, `under_way`;
        `rotate_expired`, `_expired_with_grant`, `_grant_again`, the withdrawn grants) and
        signs the rotations it makes (`_sign_rotation`), read as `(self.clock or now_ms)()`.
        None (the product's, never changed): this device's wall clock, models.now_ms. Tests
        of end dates set one ahead of it instead of waiting for real time to pass; pushes
        and every other use of the time keep the wall clock."""
        self._keys: dict[tuple[bytes, int], bytes] = {}
        # Records of a pull's next reply being opened ahead, by journal (`_open_early`).
        self._openings: dict[
            bytes, list[Opening[wire.StoredRecord, _OpenedEarly | None] | _VerifiedAhead]
        ] = {}
        """By journal, the pages opened ahead (`_open_early`), oldest first (two at most)."""
        self._mostly_fresh: dict[bytes, bool] = {}  # by journal: last page mostly new here
        self._seen_vectors: dict[
            bytes,
            tuple[
                dict[tuple[bytes, bytes], counting.DeviceCounters], bytes, tuple[counting.Seen, ...]
            ],
        ] = {}
        """By journal, the counters and owner from which `_seen_vector` made the seen vector of
        the last new documents (`commit_new`), and that vector: `Store.counting_state` hands back
        the same counters (the same object, never changed) while the store's counting tables
        did not change, and the vector made from them is then the same (`_new_seen_vector`)."""
        self._peers: dict[bytes, Peer] = {}
        self._replaced: set[bytes] = set()
        """Accounts whose verified pin a verify of another account under their username
        replaced (`Store.replaced_verified`): what this device holds of them stays verified."""
        self._replaced_pins: dict[bytes, str] | None = None
        """Accounts (id -> username) whose pin, verified or not, such a verify replaced
        (`Store.replaced_pins`); None until `_load_peers` read them."""
        # owner account id -> why it could not be pinned
        self._unpinned: dict[bytes, IntegrityError | KeyChangedError] = {}
        self._labels: tuple[list[LocalJournal], int, frozenset[str], dict[bytes, str]] | None = None
        """`_owner_labels` as last worked out: from which journal list, at which minute."""
        self._holders: frozenset[str] | None = None
        """`name_holders` as last worked out; None once the pins change (`_pins_changed`)."""
        self._bearers: tuple[list[LocalJournal], dict[str, set[str]]] | None = None
        """`_name_bearers` as last worked out, from which journal list; None once the pins
        change (`_pins_changed`)."""
        self._shared_by: dict[bytes, tuple[bytes, str]] = {}
        """Journal id -> (owner id, owner's username) of the journals others share with this
        account, as the last journal list named them (for `_refused_shares`' words)."""
        self._keys_asked: dict[bytes, list[tuple[int, int, str | None]]] = {}
        """Per journal, the epoch ranges asked of /v1/journals/keys in this session (first,
        last, why the answer was refused or None)."""
        self._backoff = _Backoff({}, {}, set())
        """What the pull again waits for before it asks the server again (KEY_WAIT_BACKOFF,
        read back at a sync's start while records wait): the key ranges refused and the
        epochs whose waiting records were not served, each with the sync (`_syncs`) from
        which it may be asked again, and the journals not listed told already."""
        self._syncs = 0
        """Syncs this process began."""
        self._backoff_stored: str | None = None
        """KEY_WAIT_BACKOFF as this process last read or wrote it (`_keep_backoff`)."""
        self._waits_checked = False
        """Whether this process's pull again dropped the KEY_WAITS rows of records applied
        already (`_retry_key_waits`: a stop between the two writes leaves such rows)."""
        self._key_requests = 0
        """/v1/journals/keys requests this process made (what a pull again counts)."""
        self._whole_echoes = sync_plan.WholeEchoes()
        """This device's own records the current pull counts as come back only from their
        bytes, never from a stub (`_pull_pages` reads them, `_apply_page` uses them)."""
        self._stubs_refused = False
        """The server refused a sync request with `skip_own` as 400 invalid_field (a server
        from before the field, protocol.md "Own records as stubs"): this session pulls without
        it. A server can turn the stubs off this way, and nothing else: whole records are
        checked as always."""
        secrets = profile.secrets
        self.reader = access.Reader(
            profile.account_id,
            profile.username,
            secrets.account_key,
            secrets.box_secret,
            secrets.sign_public_key,
            secrets.box_public_key,
        )
        self.chains = Chains(store, transport, self.reader)
        self.on_change: Callable[[LocalJournal, list[Document], str], None] | None = None
        """Called with the documents of each local write ("local") and of each page a pull
        merged ("sync"), once they are stored: the change feed (changes.py)."""
        self._no_gaps_at: tuple[int, int] | None = None  # store version of the last clean check
        self._quiet_at: tuple[int, int] | None = None
        """Store version at the end of the last sync that left nothing to send: an empty
        outbox, no journal waiting to be created, no counter to withdraw (see `sync`)."""
        self._pulled: _Pulled | None = None
        """What the last sync knew of every journal, if it ended with nothing incomplete
        (`_Pulled`): a live notice's records are applied only from that state (`_take_notice`)."""
        self._pull_held: frozenset[bytes] | None = None  # set by a `_pull` that checked
        self._clean_pull: _CleanPull | None = None
        """The one exchange of the last pull that found nothing, as of its store version
        (`_CleanPull`): the same reply to the same request finds nothing again (`_pull`)."""
        self.synced_version: tuple[int, int] | None = None
        """Store version at the end of the last sync (Store.version): what the caller's
        reads right after it may be made as of (`as_of`), while this process writes nothing."""
        self.sleep: Sleep | None = None
        """How a push waits for the server's write-rate limit (None: pushing.wait_out)."""
        self._reopened: sync_plan.SyncReport | None = None
        """What re-opening kept records outside a sync found (`read_parked`, before a head
        code or a share): reported by this client's next sync."""
        self._conflicts: dict[bytes, tuple[OutboxRecord, Pusher]] = {}
        """record id -> (outbox record, its pusher): records the server refused alone with
        `record_conflict` in this sync's push, settled after its pull (`_settle_conflicts`)."""
        self._pull_wrote = False
        """Whether this sync's pull wrote a change (`_restore_kept`, `_keep_one_twin`): pushed
        at once, in the same sync."""
        self._unconfirmed: dict[tuple[bytes, bytes, bytes], counting.Gap] = {}
        """(journal, author, device) -> a gap of a current member whose account the server
        says was erased, found by this sync's withholding check: decided after the pull
        (`settle_erasures`), never excused before."""
        self._served_lower: set[bytes] = set()
        """Owned journals whose last journal list served a verified name below the one this
        device holds (`_local`): sent again by `heal_names` (W4)."""
        self._to_heal: set[bytes] | None = None  # HEAL_NAMES as stored (None: not read yet)
        self._no_adoption = False
        """Set once DEFAULT_SETTLED was read with no adoption in force (1, or ENDED): for
        good, as only a store not settled yet adopts (`_adoption_after_list`)."""
        self._name_problems: dict[bytes, tuple[str, str]] = {}
        """By journal: metadata the last journal list served that this device could not open
        or verify while it holds a verified name (`_local`, W7), reported by the next sync."""
        self.keep_news: Callable[[sync_plan.SyncReport], Awaitable[None]] | None = None
        """Set by the Client: keeps the news of a sync's report that no caller returns
        (`keep_told`) for `unseen_news` (rev30b F8)."""
        self._stale_epochs: dict[bytes, int] = {}
        """Journal -> the newest key epoch under which the server refused a push of it as
        `stale_epoch`, as read from the store (`Store.stale_holds`, where the push that was
        refused put it: every process of the device holds it, rev31c F6) before each push
        with something to send, a name sealed (`_send_meta`) or a compaction: a record sealed
        under it or an older one is not handed over again in that sync (STALE_HELD, rev30a
        F3), nor by any process's push until a sync's read of the chains releases it when
        the verified chain has no newer epoch (`_release_stale`, rev30b F6), else it goes
        sealed again under the newer epoch."""
        self._released: tuple[sync_plan.SyncReport, dict[bytes, str], set[bytes]] | None = None
        """The report of the sync whose push released holds of `_stale_epochs`
        (`_release_stale`: once a sync, never by a `push_outbox` outside one, rev30c F3), the
        journals released with the line that said so, and those of them the server refused again in that sync (told
        once, as STALE_REFUSED_AGAIN, never as sent again: rev30c F7)."""
        self._listed_for: sync_plan.SyncReport | None = None
        """The report of the sync (or `push_outbox`) whose push read the journal list and
        chains first (`_push`, rev30a F2): once per sync that has something to send."""
        self._end_problems: dict[bytes, tuple[str, str]] = {}
        """By journal: why this device could not end the share of a member whose end date
        passed there (`rotate_expired`: the server refused the rotation), reported by the
        next sync; the other journals sync as usual."""
        self.unserved_refused: dict[bytes, dict[bytes, int]] = {}
        """By owned journal: the members (account ids) its verified chain lists whom the
        server no longer serves, and when (ms UTC, this device's clock) this process first
        found the server refusing the signed removal that takes them off the chain
        (`removal_refused`, rev33d F3); a journal leaves it once no such member is left there
        or the removal went through. Read by the safety-flag judgement: a member who stopped
        reading on the server's word (`SafetyPath._undelivered`)."""
        self._removals_refused: dict[bytes, tuple[str, str]] = {}
        """By journal: (its name, why) when the server refused that removal, taken into the
        sync's report (`report_removals_refused`)."""
        self._key_problems: dict[bytes, tuple[str, str]] = {}
        self._key_problem_epochs: dict[bytes, set[int]] = {}
        """By journal: the epochs of `_key_problems` whose key this device does not hold."""
        self._noted_waits: set[bytes] = set()
        """Records noted in KEY_WAITS by this process since `_retry_key_waits` began a pull
        again (refused again there: kept waiting)."""
        self._waiting_told: dict[bytes, tuple[int, list[bytes]]] = {}
        """By journal with `_key_problems`: how many records this sync refused because their
        epoch's key was refused, and the first IDS_SHOWN of them, told in the journal's key
        problem line (`_report_name_problems`), not in lines of their own."""
        self._retry_due: tuple[asyncio.Task[Any] | None, sync_plan.SyncReport, Any] | None = None
        """The running sync's pull again (`_retry_key_waits`), while not run yet: the sync's
        task, its report and the version it read at its start. The withholding check runs it
        first (`_pull_again_due`), so a record it applies is never reported withheld."""
        self._still_waiting: dict[bytes, tuple[str, int, list[bytes], list[str]]] = {}
        """By journal: records refused in an earlier sync for want of their epoch's key that
        still wait after this sync's pull again (`_retry_key_waits`): the journal's name, how
        many, the first IDS_SHOWN of them and why each kind waits, told at every sync while
        they wait (`_report_name_problems`), those of a journal not listed once."""
        """By journal: (its name, the problem) when the last journal list carried key
        envelopes that do not verify as this account's (`_keep_listed_keys`), reported by
        the next sync while the server lists them."""
        self.erased_known: dict[bytes, bool] = {}
        """Accounts the server said were erased or not, while members who vanished are
        dropped (Sharing._drop_departed, emptied after): asked once for the erased-shares row
        and the departure's reason."""
        self._late: dict[bytes, list[carrying.Late]] = {}
        """By journal: the owner's records sealed before its latest cut that this device
        accepted since its last sync's end, to carry across the cut when its boundary does
        not cover them (`_carry_late`, R43 F2)."""
        self._granting: dict[bytes, tuple[bytes, str, access.Identity | None]] = {}
        """Journal -> (handle, member's username, their identity) of the share this process
        is signing and sealing now (`owing_share`): `_rotate` notes its boundary owed once its
        grant is signed, and a sync meanwhile leaves that boundary to it (`_finish_shares`)."""
        self._unsent: dict[bytes, _UnsentRotation] = {}
        """Journal -> the rotation `_rotate` signed there last that the server has not yet
        been seen to store (refused, or no reply): sent again byte for byte by the next
        `_rotate` of this process on the same verified head while everything it signs is
        what would be signed now (`_signed_before`: the same change retried with unchanged
        inputs resends the same bytes), and taken as stored once the verified chain's head
        is its own (`_stored_meanwhile`). In memory only: another process (each `tj`
        command), or this one when what it would sign changed (another change, a record of
        the member taken in, an end date passed), signs another rotation on that head; the
        server stores at most one rotation on a head (the chain is linear), the device
        verifies whichever it stored, and a change not carried out by it is signed on top
        of it. Dropped once stored, or once the chain moved on past another head."""
        self._holding: frozenset[bytes] = frozenset()
        """Journals whose owed share the owner is ending now (`holding_owed`): left alone by
        `_finish_shares` meanwhile."""
        self._tried_again: dict[bytes, bool] = {}
        """Handles of the owed grants this sync signed again already (in the rotation that
        ended a member whose end date passed, `rotate_expired`, REV-OWED F3) -> whether the
        server stored it: `_finish_shares` does not sign it a second time."""
        self._unchecked_refused: set[bytes] = set()
        """Owned journals whose rotation to a checked epoch (`_rotate_unchecked`) this device
        could not sign in this session, for a reason that does not change by itself (a name
        it never verified, W7): not tried again in it."""
        self._upgrades_unread: dict[bytes, tuple[int, bytes]] = {}
        """Owned journal id -> the verified chain (length, head) an upgrade noted for it that
        this SDK could not read was signed on (`_upgrade`): dropped, and as it may have been
        sent, no other is signed on that chain in this session."""
        self._upgrades_noted = True
        """Whether the store may hold a signed upgrade rotation (`legacy_upgrade`): read at
        the first sync of a session, then only while this process noted one or a journal is
        still to upgrade, so that a no-op sync reads nothing for it (issue 10)."""
        self._again: set[bytes] = set()
        """Handles of the owed grants a sync of this process is signing again now
        (`_grant_again`): `_owe_grant` sends one only while its note is still there and not
        withdrawn, read in the transaction that notes it as being sent (REV-OWED F6)."""
        self.sync_lock = asyncio.Lock()
        self._taken_back: set[bytes] = set()
        """Journals of this account whose discarded copy a refresh took back
        (`_copy_continued`): no journal news of them ("created")."""
        """Held for the whole of a sync, and by `client.shares.forget` (Sharing.forget), so
        that a forget never overlaps a sync of this client in the same process."""
        self._own_before: dict[bytes, tuple[int, bool]] = {}
        """`Store.own_before` as the pull last read it: per journal back on this device, the
        highest counter this device drew there before its copy was removed, and whether its
        records are still asked whole."""
        self._syncing: (
            tuple[asyncio.Task[Any] | None, sync_plan.SyncReport, sync_plan.ProgressTracker] | None
        ) = None
        """While a sync runs: its task, report and progress, so that a change of access made
        inside it (an end date that passed, `rotate_expired`) pulls into that sync's report
        (`take_in_writes`)."""
        self._id_waits: tuple[asyncio.Task[Any] | None, WaitBudget] | None = None
        """While a sync runs: its task, and what its lookups of accounts by id may still wait
        in all (`look_up_id`): ID_LOOKUP_WAIT_S."""
        self._counters_tags: dict[tuple[bytes, bytes], bytes] = {}  # `counters_tag`'s
        self._names_verified: set[tuple[Any, ...]] = set()  # `_note_name_verified`

    compact_after = 100
    """A document with this many acknowledged updates gets a snapshot at the next sync."""

    def counters_tag(self, journal_id: bytes) -> bytes:
        """The tag the store keeps a removed journal's write counters under
        (`Transaction._keep_write_counters`): keyed with this account's secrets, so the store
        file alone does not name the journal (keys.kept_counters_tag, R38 G1/G2). Computed
        once per journal and account key (issue 10: a journal list read before every push
        derived it again, with its subkey, for every journal several times)."""
        key = (self.profile.secrets.account_key, journal_id)
        tag = self._counters_tags.get(key)
        if tag is None:
            tag = self._counters_tags[key] = keys.kept_counters_tag(*key)
        return tag

    def remember_key(self, journal_id: bytes, epoch: int, key: bytes) -> None:
        self._keys[(journal_id, epoch)] = key

    # --- journals and their keys --------------------------------------------------------------

    async def refresh_journals(self) -> None:
        """Fetch the journal list (names, key envelopes) and verify it against each
        journal's access chain: roles, end dates, epochs and members come from the chain.
        A listed key envelope is stored only once it verifies as this account's, never in
        place of the one held (`_keep_listed_keys`); a journal whose listed envelope does not
        verify is told by the next sync's problems, the other journals unaffected."""
        listed_journals = await self.transport.pages(
            "/v1/journals/list",
            wire.JournalList,
            lambda page: page.journals,
            lambda journal: journal.journal_id,
        )
        discarded = forgotten.decode(await self.store.setting(forgotten.SETTING))
        returned = await self._shared_again(listed_journals, discarded) if discarded else {}
        discarded -= {forgotten.tag(journal_id) for journal_id in returned}
        reply = wire.JournalList(  # never a journal whose copy was discarded here (forgotten.py)
            [j for j in listed_journals if forgotten.tag(j.journal_id) not in discarded]
            if discarded
            else listed_journals
        )
        reply = await self._without_deleted(reply)
        known = {j.journal_id: j for j in await self.store.journals()}
        listed = {journal.journal_id for journal in reply.journals}
        await self.load_access()
        waiting: dict[bytes, TJError] = {}  # owners not looked up in this refresh, and why
        stopped: NetworkError | None = None
        for owner_id in sorted({j.owner_id for j in reply.journals} - {self.profile.account_id}):
            if stopped is not None:  # not asked: it would be refused too
                if await self.store.peer(owner_id) is None:
                    waiting[owner_id] = stopped
                continue
            try:
                await self.pin_on_first_use(owner_id)
                self._unpinned.pop(owner_id, None)
            except (IntegrityError, KeyChangedError) as error:
                # Its journals cannot verify their chain: a problem of theirs alone.
                self._unpinned[owner_id] = error
            except (NetworkError, NotFound) as error:
                # The lookup was refused (the server's limit on lookups by id: a new
                # device of a therapist with many clients) or failed: that owner's journals
                # wait for the next refresh, the others go on (REV-S11B S11B-6).
                waiting[owner_id] = error
                stopped = error if isinstance(error, NetworkError) else None
        reply = self._without_waiting(reply, waiting, known)
        self._shared_by = {  # the server's names of the owners: said, never trusted
            j.journal_id: (j.owner_id, j.owner_name)
            for j in reply.journals
            if j.owner_id != self.profile.account_id
        }
        await self._load_peers()
        lengths = {journal_id: state.length for journal_id, state in self.chains.states().items()}
        closed_before = {j: _closed(state) for j, state in self.chains.states().items()}
        held_before = {
            j: _membership(state, self.profile.account_id)
            for j, state in self.chains.states().items()
        }
        terms_before = {  # this account's terms, to tell new ones (NU26 C5)
            j: state.member_by_account(self.profile.account_id)
            for j, state in self.chains.states().items()
        }
        members_before = {  # and the members' terms in owned journals (told as changed)
            j: dict(state.members)
            for j, state in self.chains.states().items()
            if state.owner_id == self.profile.account_id
        }
        await self.chains.update(reply.journals, self._owner_sign_key)
        to_check = self._maybe_departed(reply.journals, known, lengths)
        envelopes, refused_keys = await self._keep_listed_keys(reply.journals, known)
        now = now_ms()
        updated = []
        ended_under = forgotten.decode_ended(await self.store.setting(forgotten.ENDED_UNDER))
        left_here = forgotten.decode(await self.store.setting(forgotten.LEFT))
        for journal in reply.journals:
            local = self._local(journal, known.get(journal.journal_id), envelopes, now)
            if local is not None:
                updated.append(self._still_left(local, left_here, ended_under, now))
        self._note_refused_keys(reply.journals, refused_keys, updated, known)
        await self._keep_former_names(
            [
                (local.journal_id, before.name, local.named_at)
                for local in updated
                if (before := known.get(local.journal_id)) is not None
                and renamed_verified(before, local)
            ]
        )
        outside: list[sync_plan.News] = []
        if self._syncing is not None and self._syncing[0] is asyncio.current_task():
            self._syncing[1].news += await self._journals_changed(
                known, updated, self._syncing[1].problems
            )
        elif self.keep_news is not None and known:  # a list read outside a sync (a push's,
            # a share's): its news kept for `unseen_news` once the names are stored (rev30c
            # F5); not a device's first read (a sign-in's: every journal would be "new")
            outside = await self._journals_changed(known, updated, [])
        pending = {journal_id for journal_id, _ in await self.store.pending_journals()}
        gone = [  # kept read-only, never dropped on the server's word (a journal list can lie)
            replace(j, role=REVOKED)
            for j in known.values()
            if j.journal_id not in listed and j.journal_id not in pending and j.role != REVOKED
        ]
        ended, owners_answered = await self._owners_erased(
            self._shares_ended(known, updated + gone, now, terms_before), updated + gone
        )
        dropped = self._ended_elsewhere(closed_before, known)
        ended += self._changed_elsewhere(members_before, known, now)
        ended += self._copies_given_elsewhere(
            members_before, {j.journal_id: j for j in updated}, now
        )
        again = self._shared_again_kept(known, updated, held_before, ended_under, left_here, now)
        if again:  # shared again (RETURNED below) is told as that alone, never as new terms
            ended = [  # of a journal stored as ended (`_served_again`)
                d
                for d in ended
                if not d.owner
                or d.reason not in (departures.RELISTED, departures.NARROWED, departures.CHANGED)
                or bytes.fromhex(d.journal_id) not in again
            ]
        left = (
            forgotten.decode(await self.store.setting(forgotten.LEFT)) if again or ended else set()
        )
        # A leave on this device was of the membership it held then: a new one the owner
        # signed since is a share like any other, whose end is told (NU23 C6).
        rejoined = {forgotten.tag(d) for d in again} & left
        left -= rejoined
        if ended:  # not those this device left itself (sharing.leave keeps their tags)
            ended = [d for d in ended if forgotten.tag(bytes.fromhex(d.journal_id)) not in left]
        for local in updated:  # told once, as a share that ended is (departures.RETURNED)
            reason = departures.RETURNED
            if local.journal_id in returned and local.role in keys.ROLES:
                at, copy_forgotten = returned[local.journal_id], True
            elif local.journal_id in again:
                at, copy_forgotten = now, False
            elif (first := self._shared_first(local, known, now)) is not None:
                at, copy_forgotten, reason = first, False, departures.SHARED
            else:
                continue
            ended.append(
                departures.Departure(
                    self.profile.username,
                    local.name,
                    local.journal_id.hex(),
                    reason,
                    at,
                    self.owner_name(local.owner_id),
                    discarded=copy_forgotten,
                )
            )
        gone_owned = {j.journal_id for j in gone if j.owner_id == self.profile.account_id}
        unconfirmed = await self._not_back(gone_owned) if gone_owned else {}
        async with self.store.transaction() as tx:
            meanwhile = await self._deleted_meanwhile(tx, updated + gone)
            for local in updated + gone:
                if local.journal_id not in meanwhile:
                    await tx.put_journal(
                        local,
                        counters_tag=self.counters_tag(local.journal_id),
                        account=self.profile.account_id,
                    )
            await self._adoption_after_list(tx, updated + gone, meanwhile)
            if unconfirmed:
                await self._note_not_back(tx, unconfirmed)
            await self._note_names_to_heal(tx, {local.journal_id for local in updated})
            if rejoined:
                kept_left = forgotten.decode(await tx.setting(forgotten.LEFT)) - rejoined
                await tx.set_setting(forgotten.LEFT, forgotten.encode(kept_left))
            await self._keep_ended_under(tx, known, updated + gone, held_before)
            await tx.replace_shares(self._shares(now))  # read by older SDKs only
            await _note_owners_erased(tx, ended, updated + gone)
            held = known | {j.journal_id: j for j in updated + gone}
            served = {
                j.owner_id
                for j in held.values()
                if j.role != REVOKED and not self.share_lapsed(j, now)
            }
            ended_owners = {  # due from now whatever the device keeps (REV-S11B S11B-5)
                j.owner_id.hex()
                for j in updated + gone
                if j.owner_id != self.profile.account_id
                and j.owner_id not in served
                and (j.role == REVOKED or self.share_lapsed(j, now))
            }
            asked = departures.decode_asked(await tx.setting(departures.OWNERS_ASKED))
            noted = departures.owners_seen_ended(asked, ended_owners)
            if owners_answered:  # asked here: /v1/account/known need not ask again this week
                noted.update((owner.hex(), now) for owner in owners_answered)
            if noted != asked:
                await tx.set_setting(departures.OWNERS_ASKED, json.dumps(noted))
            if to_check or ended or dropped:  # with the new meta_version: no check is lost
                checks = departures.decode(await tx.setting(departures.PENDING))
                checks.journals += [j.hex() for j in to_check if j.hex() not in checks.journals]
                checks.told += ended
                # An entry this device signed itself (its rotation's reply was lost, so it
                # verifies its own entry now) is told as its own, with its reason (R25 F2);
                # none when this device's own notice of it still waits: that one is told.
                mine = {s.key: s.departure for s in checks.sent}
                tried = {(s.departure.journal_id, s.handle) for s in checks.sent}
                for found in dropped:
                    departure = mine.pop(found.key, found.departure)
                    told_as = (departure.member, departure.journal_id)
                    if (
                        departure is found.departure
                        and (departure.journal_id, found.handle) in tried
                    ):
                        # Another device's entry removed a membership this device's own
                        # removal (never applied: refused, or still unseen) was about: the
                        # entry is the truth; this device's own notice of it is not (R27 F3).
                        checks.told = [
                            d for d in checks.told if (d.member, d.journal_id) != told_as
                        ]
                    if told_as not in {(d.member, d.journal_id) for d in checks.told}:
                        checks.told.append(departure)
                # Kept only while the member is still listed here: the outcome unseen.
                checks.sent = [
                    s
                    for s in checks.sent
                    if s.key in mine and self._still_listed(s.departure.journal_id, s.handle)
                ]
                await tx.set_setting(departures.PENDING, checks.encode())
        for journal_id in meanwhile:
            self._forget_in_memory(journal_id)
        if outside and self.keep_news is not None:
            await self.keep_news(sync_plan.SyncReport(news=outside))

    async def _adoption_after_list(
        self, tx: Transaction, stored: list[LocalJournal], removed: set[bytes]
    ) -> None:
        """Within the transaction that stores a journal list (`stored`, and `removed`: the
        journals it removed): move an older account's default journal adopted from the
        store's earlier state (DEFAULT_SETTLED) on, by `default_journal.adoption_after`:
        HELD once a list still names it DEFAULT_JOURNAL, ENDED for good in the very
        transaction that stores another name for it (or removes it), or once its verified
        access chain shows a member other than the owner (`shared_by_chain`), so that no later
        answer of the server (an older version-1 name again, protocol.md 4.14) brings it
        back. One setting read per list while an adoption is in force, none after."""
        if self._no_adoption:
            return
        settled = await tx.setting(DEFAULT_SETTLED)
        adoption = adoption_of(settled)
        if adoption is None or adoption.state in (ENDED, UNKNOWN):
            self._no_adoption = settled is not None
            return
        journal_id = bytes.fromhex(adoption.journal_id)
        shared = shared_by_chain(self.chains.state(journal_id))  # verified before this list
        journal = None
        if journal_id not in removed:
            found = [j for j in stored if j.journal_id == journal_id]
            if not found and not shared:  # its row untouched: nothing to judge
                return
            journal = found[0] if found else None
            if journal is None:  # untouched, but its chain shows a member: ended
                await tx.set_setting(
                    DEFAULT_SETTLED, adoption_value(Adoption(adoption.journal_id, ENDED))
                )
                return
        own = 0
        if journal is not None and adoption.state == HELD and not adopted_still_named(journal):
            signed_here = decode_own_named_at(await tx.setting(OWN_NAMED_AT))
            own = signed_here.get(self.counters_tag(journal_id).hex(), 0)
        after = adoption_after(adoption, journal, own, shared)
        if after != adoption:
            await tx.set_setting(DEFAULT_SETTLED, adoption_value(after))
            if after.state == ENDED and journal is not None and not adopted_still_named(journal):
                await tx.set_setting(DEFAULT_ENDED_NAME, journal.name)

    async def _adoption_unconfirmed(self, as_of: tuple[int, int]) -> bool:
        """Whether an older account's default journal adopted from the store's earlier state
        awaits a journal list (DEFAULT_SETTLED UNCONFIRMED): a sync then reads it, whether
        or not a page says a journal's metadata moved. The setting as kept in memory
        (`Store.setting` `as_of`): no statement while the settings are unchanged."""
        if self._no_adoption:
            return False
        settled = await self.store.setting(DEFAULT_SETTLED, as_of=as_of)
        adoption = adoption_of(settled)
        if adoption is None or adoption.state in (ENDED, UNKNOWN):
            self._no_adoption = settled is not None  # for good (`_no_adoption`)
            return False
        return adoption.state == UNCONFIRMED

    async def _adoption_removed(self, tx: Transaction, journal_id: bytes) -> None:
        """Within the transaction that removes `journal_id` from this device: an adoption of
        it (DEFAULT_SETTLED) ends for good, as a journal back later takes whatever name a
        list serves first (`_adoption_after_list`)."""
        adoption = adoption_of(await tx.setting(DEFAULT_SETTLED))
        if adoption is not None and adoption.journal_id == journal_id.hex():
            after = adoption_after(adoption, None, 0)
            if after != adoption:
                await tx.set_setting(DEFAULT_SETTLED, adoption_value(after))

    async def _without_deleted(self, reply: wire.JournalList) -> wire.JournalList:
        """`reply` without the journals of this account deleted on this device, whatever the
        server says of them: a server that did not carry a deletion out (a lie, a backup
        restored) lists one again, possibly at an older prefix of its chain (before a member
        was removed, say), and this device, which kept nothing of it to find the rollback
        against, would take it back writable under an epoch the removed member holds
        (REV-FINAL F2). Only journals listed as this account's (another account's journal
        under a freed id goes the usual way: REV-DEL D3).

        - Deleted here (`forgotten.DELETED`): never taken back; what a journal walk of this
          refresh may have stored of it meanwhile is removed. Its deletion is asked again
          when this device asked it before (`forgotten.DELETE_ASKED`); a sync's problems
          say so.
        - A read-only copy discarded here while no list named it (`forgotten.DISCARDED`,
          nothing asked of the server): taken back when the chain served verifies from its
          start and continues the one this device held (its mark), else left out, told.

        Checked again in the refresh's last transaction (`_deleted_meanwhile`): a deletion
        made by another process during this refresh (REV-DEL D1)."""
        me = self.profile.account_id
        deleted = forgotten.decode(await self.store.setting(forgotten.DELETED))
        discarded = forgotten.decode_marks(await self.store.setting(forgotten.DISCARDED))
        if not deleted and not discarded:
            return reply
        tags = {
            j.journal_id: self.counters_tag(j.journal_id).hex()
            for j in reply.journals
            if j.owner_id == me
        }
        again = [j for j in reply.journals if tags.get(j.journal_id) in deleted]
        copies = [
            (j, discarded[tags[j.journal_id]])
            for j in reply.journals
            if tags.get(j.journal_id) in discarded
        ]
        if not again and not copies:
            return reply
        problems = (
            self._syncing[1].problems
            if self._syncing is not None and self._syncing[0] is asyncio.current_task()
            else []
        )
        left_out = {j.journal_id for j in again}
        if again:
            await self._remove_traces(left_out)
            asked = forgotten.decode(await self.store.setting(forgotten.DELETE_ASKED))
        for journal in again:
            said = (
                f"the server lists again journal {journal.journal_id.hex()[:8]}, deleted on "
                "this device: it is not taken back here"
            )
            if tags[journal.journal_id] not in asked:
                problems.append(said)
                continue
            try:
                await self.transport.call(
                    "/v1/journals/delete", wire.JournalRequest(journal.journal_id), wire.Empty
                )
                problems.append(f"{said}, and its deletion was asked of the server again")
            except NetworkError as error:
                problems.append(f"{said}; asking its deletion again failed ({error}): "
                                "asked again at the next sync")  # fmt: skip
            except (NotFound, AccessError, ConflictError, InvalidInput) as error:
                problems.append(f"{said}; the server refused to delete it again ({error})")
        for journal, mark in copies:
            if await self._copy_continued(journal, mark, tags[journal.journal_id]):
                self._taken_back.add(journal.journal_id)
                continue
            left_out.add(journal.journal_id)
            problems.append(
                f"the server lists again journal {journal.journal_id.hex()[:8]}, whose copy "
                "was discarded on this device, with an access chain that does not continue "
                "the one this device held then: it is not taken back here"
            )
        return wire.JournalList([j for j in reply.journals if j.journal_id not in left_out])

    async def _copy_continued(self, journal: wire.Journal, mark: forgotten.Mark, tag: str) -> bool:
        """Whether the chain the server serves for `journal`, one of this account's whose
        copy was discarded here (`forgotten.DISCARDED`, `mark` the chain held then), verifies
        from its start with this account's key and continues the mark: then the mark is
        dropped and the chain kept, and the rest of the refresh takes the journal back as
        any listed (REV-DEL D2). A page that fails ends the walk: not taken back."""
        if not mark.length <= journal.chain_length <= MAX_CHAIN_LENGTH:
            return False  # shorter than what this device held: an older prefix
        await self.load_access()
        owner_key = self._owner_sign_key(self.profile.account_id)
        if owner_key is None:
            return False
        walk = forgotten.Walk(self.reader, journal.journal_id, journal.owner_id, owner_key, mark)
        try:
            async for page in self.chains.pages(journal):
                if not walk.feed(page):
                    break
        except (AccessError, NotFound):  # listed but not served
            return False
        state = walk.continued()
        if state is None or walk.length != journal.chain_length:
            return False
        async with self.store.transaction() as tx:
            marks = forgotten.decode_marks(await tx.setting(forgotten.DISCARDED))
            if marks.pop(tag, None) is None:
                return False  # another process took it back, or deleted it: as it stored
            await tx.set_setting(forgotten.DISCARDED, forgotten.encode_marks(marks))
        await self.chains.accept(journal.journal_id, state, walk.entries, 0)
        return True

    async def _remove_traces(self, journal_ids: set[bytes]) -> None:
        """Remove from the store and from memory what is held of journals deleted on this
        device (keys, chain entries a refresh stored before the deletion was read)."""
        async with self.store.transaction() as tx:
            for journal_id in journal_ids:
                await tx.remove_journal(
                    journal_id,
                    counters_tag=self.counters_tag(journal_id),
                    account=self.profile.account_id,
                )
                await self._forget_key_waits(tx, journal_id)
        for journal_id in journal_ids:
            self._forget_in_memory(journal_id)

    async def _deleted_meanwhile(self, tx: Transaction, journals: list[LocalJournal]) -> set[bytes]:
        """Inside the transaction that stores a refresh's journals: those of `journals`
        deleted or discarded on this device since the refresh read the journal list (another
        process's `tj journal delete`: REV-DEL D1). Their rows are removed, with whatever
        this refresh stored of them (keys, chain entries), and never written back."""
        me = self.profile.account_id
        mine = [j.journal_id for j in journals if j.owner_id == me]
        if not mine:
            return set()
        deleted = forgotten.decode(await tx.setting(forgotten.DELETED))
        deleted |= set(forgotten.decode_marks(await tx.setting(forgotten.DISCARDED)))
        found = {j for j in mine if self.counters_tag(j).hex() in deleted}
        for journal_id in found:
            await tx.remove_journal(
                journal_id,
                counters_tag=self.counters_tag(journal_id),
                account=self.profile.account_id,
            )
            await self._forget_key_waits(tx, journal_id)
        return found

    async def _shared_again(
        self, listed: list[wire.Journal], discarded: set[str]
    ) -> dict[bytes, int]:
        """The journals forgotten on this device that their owner shared with this account
        again since (forgotten.shared_again, NU20 C1), each with the time (ms, UTC) this
        device found it: their tags and marks are dropped and the chain verified here is
        kept, so that the rest of `refresh_journals` takes them as any journal shared.
        Decided from the owner-signed chain fetched from its start and verified with the
        owner's pinned key against the chain the device had when it forgot the copy, never
        from the server's listing: a replay of the old share brings nothing back."""
        marks = forgotten.decode_marks(await self.store.setting(forgotten.MARKS))
        candidates = [
            (journal, marks[forgotten.tag(journal.journal_id)])
            for journal in listed
            if forgotten.tag(journal.journal_id) in discarded
            and forgotten.tag(journal.journal_id) in marks
            and journal.owner_id != self.profile.account_id
        ]
        candidates = [  # longer than the mark, and than any chain checked since (R28 F2)
            (j, m)
            for j, m in candidates
            if max(m.length, m.checked) < j.chain_length <= MAX_CHAIN_LENGTH
        ]
        if not candidates:
            return {}
        await self.load_access()
        now = now_ms()
        returned: dict[bytes, int] = {}
        for journal, mark in candidates:
            try:
                owner_key = self._owner_sign_key(journal.owner_id)
            except IntegrityError:
                continue
            if owner_key is None:
                continue
            # Verified a page at a time, stopping at the first that fails (R28 F2).
            walk = forgotten.Walk(
                self.reader, journal.journal_id, journal.owner_id, owner_key, mark
            )
            try:
                async for page in self.chains.pages(journal):
                    if not walk.feed(page):
                        break
            except (AccessError, NotFound):  # listed but not served: it stays forgotten
                continue
            state = walk.result(now)
            tag = forgotten.tag(journal.journal_id)
            if state is None:
                if not walk.failed and walk.length == journal.chain_length:
                    await self._checked(tag, journal.chain_length)  # whole, nothing granted
                continue
            entries = walk.entries
            async with self.store.transaction() as tx:
                tags = forgotten.decode(await tx.setting(forgotten.SETTING))
                await tx.set_setting(forgotten.SETTING, forgotten.encode(tags - {tag}))
                kept = forgotten.decode_marks(await tx.setting(forgotten.MARKS))
                kept.pop(tag, None)
                await tx.set_setting(forgotten.MARKS, forgotten.encode_marks(kept))
                back = forgotten.decode(await tx.setting(forgotten.RETURNED))
                await tx.set_setting(forgotten.RETURNED, forgotten.encode(back | {tag}))
            await self.chains.accept(journal.journal_id, state, entries, 0)
            returned[journal.journal_id] = now
        return returned

    async def _checked(self, tag: str, length: int) -> None:
        """The forgotten journal's chain of `length` entries verified whole without granting
        this account anything: a listing no longer than it is not fetched again (R28 F2)."""
        async with self.store.transaction() as tx:
            marks = forgotten.decode_marks(await tx.setting(forgotten.MARKS))
            mark = marks.get(tag)
            if mark is not None and mark.checked < length:
                marks[tag] = dataclasses.replace(mark, checked=length)
                await tx.set_setting(forgotten.MARKS, forgotten.encode_marks(marks))

    def _still_left(
        self,
        local: LocalJournal,
        left: set[str],
        ended_under: dict[str, tuple[bytes, int]],
        now: int,
    ) -> LocalJournal:
        """`local`, kept ended when this account left the journal on this device under the
        very membership the verified chain grants now (R40 F4): the owner's devices have
        not signed the leave yet, and a server listing the journal again (a replay of the
        list from before the leave) is not the owner's word. A new membership the owner
        signs, or new terms of the one left (a share made again with another end date),
        takes it back (`_shared_again_kept` tells it)."""
        tag = forgotten.tag(local.journal_id)
        if local.role not in keys.ROLES or tag not in left or tag not in ended_under:
            return local
        state = self.chains.state(local.journal_id)
        terms = state.current_terms(self.profile.account_id, now) if state is not None else None
        if terms is None or (terms.handle, terms.expires_at) != ended_under[tag]:
            return local  # a new membership, or new terms of it, the owner signed since
        return replace(local, role=REVOKED)

    async def _keep_ended_under(
        self,
        tx: Transaction,
        known: dict[bytes, LocalJournal],
        now_known: list[LocalJournal],
        held_before: dict[bytes, tuple[bytes, int] | None],
    ) -> None:
        """Note, for each journal shared with this account whose share ends on this device
        now, the membership it held (forgotten.ENDED_UNDER); drop the note of one readable
        again."""
        ended_under = forgotten.decode_ended(await tx.setting(forgotten.ENDED_UNDER))
        changed = False
        for local in now_known:
            previous = known.get(local.journal_id)
            tag = forgotten.tag(local.journal_id)
            if previous is None or local.owner_id == self.profile.account_id:
                continue
            if local.role in keys.ROLES and tag in ended_under:
                del ended_under[tag]
                changed = True
            elif previous.role in keys.ROLES and local.role == REVOKED:
                held = held_before.get(local.journal_id)
                if held is not None and ended_under.get(tag) != held:
                    ended_under[tag] = held
                    changed = True
        if changed:
            await tx.set_setting(forgotten.ENDED_UNDER, forgotten.encode_ended(ended_under))

    def _shared_first(
        self, local: LocalJournal, known: dict[bytes, LocalJournal], now: int
    ) -> int | None:
        """For a journal of another account that this device holds for the first time and
        that the owner-signed chain it just verified grants this account now: when that
        membership was granted (ms UTC, the `at` of its signed `granted` entry), to tell it
        once (departures.SHARED, NU25 C4: a new share was told only when shared again). None
        otherwise, and on a device that held no journal before this refresh (a login: what
        was shared before it came is not news). Never on the server's word alone: a journal
        listed without such a grant is not told."""
        me = self.profile.account_id
        if not known or local.journal_id in known or local.owner_id == me:
            return None
        if local.role not in keys.ROLES:
            return None
        state = self.chains.state(local.journal_id)
        terms = state.current_terms(me, now) if state is not None else None
        if state is None or terms is None:
            return None
        return state.granted_at.get(terms.handle) or now

    def _shared_again_kept(
        self,
        known: dict[bytes, LocalJournal],
        updated: list[LocalJournal],
        held_before: dict[bytes, tuple[bytes, int] | None],
        ended_under: dict[str, tuple[bytes, int]],
        left: set[str],
        now: int,
    ) -> set[bytes]:
        """The journals shared with this account whose share had ended on this device (its
        copy kept read-only: left, unshared, end date) and that the owner-signed chain this
        device just verified grants again (NU23 C9): a membership other than the one this
        device held when the share ended here (`ended_under`, forgotten.ENDED_UNDER; else the
        one the chain held before this refresh), or that one renewed after its signed end
        date had passed, or, for the membership this account left on this device, given new
        terms since (`_still_left`). Decided against what the device last acted on, however many
        refreshes it took to make the journal readable (R40 F7: a chain verified in a
        refresh that left the journal ended, a listing longer than served, is no reason to
        say nothing). Never on the server's word: a journal listed again under the same
        membership (the server had withheld it) is not in it, nor a forgotten copy taken back
        (`_shared_again`, told as such)."""
        me = self.profile.account_id
        found = set()
        for local in updated:
            previous = known.get(local.journal_id)
            if (
                previous is None
                or previous.role != REVOKED
                or local.role not in keys.ROLES
                or local.owner_id == me
            ):
                continue
            state = self.chains.state(local.journal_id)
            terms = state.current_terms(me, now) if state is not None else None
            if terms is None:
                continue
            tag = forgotten.tag(local.journal_id)
            before = ended_under.get(tag)
            if before is None:
                before = held_before.get(local.journal_id)
            if before is None or before[0] != terms.handle:
                found.add(local.journal_id)
            elif 0 < before[1] <= now and terms.expires_at != before[1]:
                found.add(local.journal_id)  # a lapsed membership renewed (`changed`)
            elif tag in left and tag in ended_under and terms.expires_at != before[1]:
                found.add(local.journal_id)  # the membership left, given new terms since
        return found

    def _shares_ended(
        self,
        known: dict[bytes, LocalJournal],
        now_known: list[LocalJournal],
        now: int,
        terms_before: dict[bytes, access.Member | None],
    ) -> list[departures.Departure]:
        """The shares with this account that this journal list ended, narrowed or gave new
        terms, to tell once (departures.py): from the owner-signed chain this device
        verified ("end date", "removed", "narrowed", "changed": `_new_terms` against
        `terms_before`, this account's terms in the chains verified before the refresh), or,
        for a journal the server stopped listing while that chain still grants it, as the
        server's word ("no longer served").

        A journal stored as no longer served (REVOKED: left out of a journal list, told
        "no longer served") and listed again is compared all the same: the owner-signed
        terms verified before and after the refresh, the same membership, current before;
        a role or end date changed meanwhile is told as such (R49 F2: a server that
        unlisted it for one sync hid the change), else that it is served again
        (RELISTED, the server's word). A share that ended on this device (left, end date,
        removed) and given again is "shared again" (RETURNED), never told here."""
        me = self.profile.account_id
        told = []
        for local in now_known:
            previous = known.get(local.journal_id)
            if previous is None:
                continue
            if local.owner_id == me:  # this account's own journal, no longer listed (F1)
                if local.role == REVOKED and previous.role != REVOKED:
                    gone = departures.Departure(
                        "", local.name, local.journal_id.hex(), departures.GONE, now
                    )
                    told.append(gone)
                continue
            if previous.role not in keys.ROLES:
                back = self._served_again(local, terms_before.get(local.journal_id), now)
                if back is not None:
                    told.append(back)
                continue
            state = self.chains.state(local.journal_id)
            terms = state.member_by_account(me) if state is not None else None
            last = state.last_terms(me) if state is not None else None
            if last is not None and not last[1]:  # an owner device's signed `ended` entry
                terms = last[0]  # closed it: its end date passed (R23 F4)
            if local.role == REVOKED:
                if terms is not None and terms.ended(now):
                    reason, at = departures.EXPIRED, terms.expires_at
                elif state is not None and state.current_terms(me, now) is None:
                    latest = state.handles.get(me, [])
                    dropped = bool(latest) and latest[-1] in state.not_served
                    reason = departures.DROPPED if dropped else departures.REMOVED
                    at = state.not_served[latest[-1]][1] if dropped else now
                else:
                    reason, at = departures.UNLISTED, now
            elif (
                changed := _new_terms(
                    state,
                    terms_before.get(local.journal_id),
                    state.member_by_account(me) if state is not None else None,
                    now,
                )
            ) is not None:
                told.append(self._told_to_me(local, changed))
                continue
            elif previous.role == "annotate" and local.role == "read":  # a new membership
                reason, at = departures.NARROWED, now
            else:
                continue
            told.append(self._told_to_me(local, departures.Departure("", "", "", reason, at)))
        return told

    async def _owners_erased(
        self, told: list[departures.Departure], journals: list[LocalJournal]
    ) -> tuple[list[departures.Departure], list[bytes]]:
        """`told`, each share the server stopped serving ("no longer served") marked
        `owner_erased` when the server says its owner's account no longer exists: one
        question per owner, only for shares that ended now (NU43 #8). Its word, said as such,
        never acted on; unanswered (offline, a bad reply), the share is told unmarked. And
        the owners the server answered about (`departures.OWNERS_ASKED`)."""
        owners = {j.journal_id.hex(): j.owner_id for j in journals}
        asked: dict[bytes, bool] = {}
        marked = []
        for departure in told:
            owner = owners.get(departure.journal_id)
            if departure.reason == departures.UNLISTED and departure.owner and owner:
                try:
                    if await self._erased(owner, asked):
                        departure = replace(departure, owner_erased=True)
                except ClientClosed:
                    raise
                except TJError:
                    pass
            marked.append(departure)
        return marked, list(asked)

    def _told_to_me(self, local: LocalJournal, found: departures.Departure) -> departures.Departure:
        """`found` told to this account as a member of `local`: this account's username,
        the journal's name and id, and its owner's name (`_shares_ended`, `_served_again`)."""
        return replace(
            found,
            member=self.profile.username,
            journal=local.name,
            journal_id=local.journal_id.hex(),
            owner=self.owner_name(local.owner_id),
        )

    def _served_again(
        self, local: LocalJournal, before: access.Member | None, now: int
    ) -> departures.Departure | None:
        """For `local`, stored as no longer served and now listed again (`_shares_ended`):
        the owner-signed change of this account's terms between the chain verified before
        the refresh (`before`, a membership current then) and now, the same membership
        (`_new_terms`: NARROWED or CHANGED), or RELISTED when the terms are the same (the
        server serves it again: its word, told once). None when it is still not served, the
        membership before was none or had ended (a share given again is RETURNED), or it is
        another membership now."""
        if local.role not in keys.ROLES or before is None or before.ended(now):
            return None
        state = self.chains.state(local.journal_id)
        after = state.member_by_account(self.profile.account_id) if state is not None else None
        if state is None or after is None or after.handle != before.handle:
            return None
        found = _new_terms(state, before, after, now) or departures.Departure(
            "", "", "", departures.RELISTED, now
        )
        return self._told_to_me(local, found)

    def _changed_elsewhere(
        self,
        before: dict[bytes, dict[bytes, access.Member]],
        known: dict[bytes, LocalJournal],
        now: int,
    ) -> list[departures.Departure]:
        """Shares that a device of this account gave or renewed, or whose member it gave new
        terms, in owned journals, found in owner-signed entries this device verified for the
        first time on a chain it had verified before (`before`: each owned journal's members
        by handle then), to tell once, device-neutrally ("from one of your devices", as
        `_ended_elsewhere`): "changed" (a `changed` entry), with the terms before and after
        (NU26 C5); "renewed" (NU30 #4) for a `changed` entry signed after the membership's
        end date had passed, or a new membership after one an `ended` entry closed; "shared"
        for another new membership (`_given_elsewhere`). A chain verified for the first time
        (a new device) tells none; never from a server answer."""
        told = []
        for journal_id, members in before.items():
            state = self.chains.state(journal_id)
            local = known.get(journal_id)
            if state is None or local is None:
                continue
            for handle, new in state.members.items():
                if new.who is None:
                    continue
                old = members.get(handle)
                found = (
                    _new_terms(state, old, new, now)
                    if old is not None
                    else _given_elsewhere(state, members, new, now)
                )
                if found is None:
                    continue
                if old is not None and old.ended(found.at) and not new.ended(found.at):
                    found = _renewal(found, new)  # signed once its end date had passed
                elif old is not None:
                    found = replace(found, reason=departures.CHANGED)
                told.append(
                    replace(
                        found, member=new.username, journal=local.name, journal_id=journal_id.hex()
                    )
                )
        return told

    def _copies_given_elsewhere(
        self,
        before: dict[bytes, dict[bytes, access.Member]],
        listed: dict[bytes, LocalJournal],
        now: int,
    ) -> list[departures.Departure]:
        """Field-level copies another device of this account made since this device last
        verified their source (an owned journal whose chain it had verified before,
        `before`, and whose verified chain now names the copy in a `limited` entry): each
        live member of the copy, told once as "shared" (the copy's chain is new here, so
        `_changed_elsewhere` finds none in it). `listed`: the journals as this refresh
        stores them, by id."""
        told = []
        for source_id in before:
            source = self.chains.state(source_id)
            if source is None:
                continue
            for share in source.limited.values():
                copy_id = share.mirror
                if copy_id is None or copy_id in before or copy_id not in listed:
                    continue
                state = self.chains.state(copy_id)
                if state is None or state.owner_id != self.profile.account_id:
                    continue
                for member in state.members.values():
                    if member.who is None or member.ended(now):
                        continue
                    at = state.granted_at.get(member.handle) or now
                    told.append(
                        departures.Departure(
                            member.username,
                            listed[copy_id].name,
                            copy_id.hex(),
                            departures.SHARED,
                            at,
                            role=member.role,
                            until=member.expires_at,
                        )
                    )
        return told

    def _ended_elsewhere(
        self, before: dict[bytes, set[bytes]], known: dict[bytes, LocalJournal]
    ) -> list[departures.Sent]:
        """Memberships of owned journals closed by owner-signed entries this device just
        verified, to tell once (departures.py): as `Sent` records (handle, the entry's time,
        the notice). A `removed` entry with `because` (on the server's word, R22 F5) is told
        as another device's DROPPED notice, which `refresh_journals` tells as this device's
        own when it sent that entry itself (its reply lost: R25 F2); a `removed` entry without
        it ("unshared") and an `ended` one ("end date") are told device-neutrally, "from one
        of your devices" (NU21 C4), the latest per member and journal. A chain this device
        verifies for the first time (a new device) tells none: its old removals are no news.
        Decided from the verified chain alone, never from a server answer."""
        told = []
        for journal_id, seen in before.items():
            state = self.chains.state(journal_id)
            local = known.get(journal_id)
            if state is None or local is None or state.owner_id != self.profile.account_id:
                continue
            for handle, (member, at) in state.not_served.items():
                if handle not in seen and member.who is not None:
                    departure = departures.Departure(
                        member.username,
                        local.name,
                        journal_id.hex(),
                        departures.DROPPED,
                        at,
                        held_role=member.role,
                        held_until=member.expires_at,
                        held_fingerprint=held_fingerprint(member.who),
                        member_id=member.who.account_id.hex(),
                    )
                    entry = state.not_served_entry.get(handle, b"").hex()
                    told.append(departures.Sent(handle.hex(), at, departure, entry))
            latest: dict[bytes, departures.Sent] = {}
            closed = [
                (handle, member, departures.UNSHARED, at)
                for handle, (member, at) in state.unshared.items()
            ] + [
                (handle, member, departures.EXPIRED, member.expires_at)
                for handle, member in state.ended.items()
            ]
            for handle, member, reason, at in closed:
                account = member.account_id
                if handle in seen or account is None:
                    continue
                departure = departures.Departure(
                    member.username,
                    local.name,
                    journal_id.hex(),
                    reason,
                    at,
                    member_id=account.hex(),
                )
                found = departures.Sent(handle.hex(), at, departure)
                if account not in latest or latest[account].at <= at:
                    latest[account] = found
            told += latest.values()
        return told

    def _mine_to_hear(self, journal: LocalJournal, kind: str, document: Document | None) -> bool:
        """Whether this account is told of a changed document of `kind` (in a sync's news
        and its change feed, `on_change`): not a safety flag the owner sealed for other
        members (`to` not naming this account), which this account's devices never show
        (NU23 C5: "2 new safety flags from ana" to a therapist whose `tj safety flags` lists
        none told them that ana answered item 9 above 0; R39 F2: the change feed too)."""
        if kind != "safety_flag" or journal.owner_id == self.profile.account_id:
            return True
        # As safety.flag_recipients reads `to` (not imported: an everyday sync loads no
        # care module, tests/test_cli_lazy_imports.py).
        to = document.field("to") if document is not None else None
        return not isinstance(to, list) or self.profile.account_id.hex() in to

    def _still_listed(self, journal_hex: str, handle_hex: str) -> bool:
        """Whether this device's verified chain of the journal still lists the membership."""
        try:
            state = self.chains.state(bytes.fromhex(journal_hex))
            return state is not None and bytes.fromhex(handle_hex) in state.members
        except ValueError:
            return False

    def _maybe_departed(
        self,
        listed: list[wire.Journal],
        known: dict[bytes, LocalJournal],
        lengths: dict[bytes, int],
    ) -> list[bytes]:
        """Owned journals whose `meta_version` moved while their verified chain did not (not
        a rotation), and whose chain lists a member: a member may have left (the server raises
        `meta_version` at /v1/shares/leave), to check at the next sync (departures.py). A
        rename moves it too: then the check finds nobody gone, at the cost of one request."""
        found = []
        for journal in listed:
            previous = known.get(journal.journal_id)
            state = self.chains.state(journal.journal_id)
            if (
                previous is not None
                and state is not None
                and previous.meta_version != journal.meta_version
                and state.owner_id == self.profile.account_id
                and self.chains.problem(journal.journal_id) is None
                and lengths.get(journal.journal_id) == state.length
                and any(m.who is not None for m in state.members.values())
            ):
                found.append(journal.journal_id)
        return found

    async def load_access(self) -> None:
        """Read the verified chains and pinned peers back (once, for a client just opened),
        and the journals back on this device with its own earlier records (`_load_own_before`)."""
        if not self.chains.loaded:
            await self.chains.load()
            await self._load_peers()
            await self._load_own_before()

    async def _load_own_before(self, as_of: tuple[int, int] | None = None) -> None:
        """Read back which journals are back on this device after their copy was removed, with
        the highest counter it drew there before (`Store.own_before`), which `_check_counters`
        reads for every record applied: a pull's, a kept one reopened (`open_parked`) or a
        live notice's. Read again before each of them, as another process of this profile may
        have marked one since. `as_of` as in `Store.version`."""
        self._own_before = await self.store.own_before(as_of=as_of)

    async def _journals_changed(
        self, known: dict[bytes, LocalJournal], updated: list[LocalJournal], problems: list[str]
    ) -> list[sync_plan.News]:
        """This account's journals that the journal list just read shows created, renamed,
        archived or unarchived since this device last held it (`known`), and journals shared
        with it that their owner renamed ("journal ana/Journal renamed (from ana/Personal)",
        `source` the owner), in the words of a
        sync's news (NU39 #3: `tj sync` said "nothing new"): by another of its devices, as
        this device's own changes are stored before (`update_meta`, `create_journal`). Names
        are the owner-signed ones `_local` verified (`name_verified`, never a stand-in such as
        "(unverified name ...)"); the copies kept
        for members (`is_disclosure`) are not told. New ones first, then renamed, archived
        and unarchived, each by name. Only what the owner signed later is news: a rename or
        an archive by a strictly higher signed `named_at` than the one held (a server can
        serve any name the owner ever signed, and an unversioned one replaces another: no
        rename is told on its word, REV-NEWS N1). A journal this device deleted never gets
        here (`_without_deleted`: REV-NEWS N2, REV-NEWS2 R4, REV-FINAL F2)."""
        news: list[sync_plan.News] = []
        me = self.profile.account_id
        signed_here: dict[str, int] | None = None
        for local in updated:
            before = known.get(local.journal_id)
            if local.owner_id != me and local.role != REVOKED and before is not None:
                # a journal shared with this account, renamed by its owner (NU65 F18: the
                # therapist's saved commands broke unannounced): told by its owner-signed
                # name, only when strictly newer than the name held (as below)
                if renamed_verified(before, local):
                    owner = self.owner_prefix(local)
                    news.append(
                        sync_plan.News(1, "journal", False, local.owner_name, False, False,
                                       sync_plan.RENAMED, owner + local.name, owner + before.name,
                                       local.journal_id.hex())
                    )  # fmt: skip
                continue
            if local.owner_id != me or local.role != "owner" or self.is_disclosure(local):
                continue
            if not name_verified(local) or (before is not None and not name_verified(before)):
                continue
            changes = []
            if before is None:  # never one deleted here: `_without_deleted`
                if local.journal_id not in self._taken_back:  # an old one, back
                    changes.append((sync_plan.NEW, ""))
            elif local.named_at > before.named_at:  # else nothing signed since: no news
                if signed_here is None:
                    signed_here = decode_own_named_at(await self.store.setting(OWN_NAMED_AT))
                if signed_here.get(self.counters_tag(local.journal_id).hex()) == local.named_at:
                    continue  # this device's own change, its reply lost (REV-NEWS N3)
                if before.name != local.name:
                    changes.append((sync_plan.RENAMED, before.name))
                if is_archived(before) != is_archived(local):
                    archived = is_archived(local)
                    changes.append((sync_plan.ARCHIVED if archived else sync_plan.UNARCHIVED, ""))
            news += [
                sync_plan.News(1, "journal", change == sync_plan.NEW, "", False, True, change,
                               local.name, was, local.journal_id.hex())
                for change, was in changes
            ]  # fmt: skip
        return sorted(news, key=lambda n: (sync_plan.CHANGES.index(n.what), n.journal))

    def _local(
        self,
        journal: wire.Journal,
        previous: LocalJournal | None,
        envelopes: dict[tuple[bytes, int], bytes],
        now: int,
    ) -> LocalJournal | None:
        """The journal as this device may act on it: from its verified access chain (its
        owner too, and the owner's name from the owner's pinned, self-signed identity: never
        the server's `owner_id` or `owner_name`). While the chain has a problem (rollback,
        fork, another owner named), the last verified local state stays."""
        state = self.chains.state(journal.journal_id)
        if self.chains.problem(journal.journal_id) is not None or state is None:
            if previous is None or state is None:
                return previous
            owner = state.owner_id
            return replace(previous, owner_id=owner, owner_name=self.owner_name(owner))
        role, expires_at = "owner", 0
        if state.owner_id != self.profile.account_id:
            terms = state.current_terms(self.profile.account_id, now)
            if terms is None:
                return replace(previous, role=REVOKED) if previous else None
            role, expires_at = terms.role, terms.expires_at
        meta = self._journal_meta(journal, state.owner_id, envelopes)
        name, named_at = str(meta.get("name", "")), int(meta.get("named_at", 0))
        held = previous is not None and name_verified(previous)
        self._served_lower.discard(journal.journal_id)
        self._name_problems.pop(journal.journal_id, None)
        if previous is not None and "name_signature" in meta:
            # A tie with a placeholder (the last name did not verify) is no tie of names;
            # nor with a name a store kept with another name's `named_at` (before rev34d
            # F1): `signed_named_at`.
            signed = held and signed_named_at(previous.meta, previous.named_at) is not None
            last = previous.name if signed else ""
            if not supersedes(
                named_at,
                name,
                previous.named_at,
                last,
                archived=is_archived_meta(meta),
                last_archived=signed and is_archived(previous),
            ):
                # An older owner-signed name or archive setting (the server's replay, F4,
                # W1; or the rename of an owner device that signed a lower named_at, W4):
                # the last verified name stays, and nothing is tied to the older one. An
                # owner device sends its own again (`heal_names`): every device then
                # converges on the highest.
                meta = json.loads(previous.meta)
                name, named_at = previous.name, previous.named_at
                if state.owner_id == self.profile.account_id:
                    self._served_lower.add(journal.journal_id)
        elif previous is not None and held:
            # Metadata this device cannot open or verify (W7): never in place of the name it
            # verified last, which stays (with its metadata) and is what a rotation or an
            # archive signs again; the problem is reported by the next sync.
            self._name_problems[journal.journal_id] = (
                previous.name,
                "the server serves metadata of this journal that this device cannot open or "
                "verify: it keeps the name it verified last",
            )
            meta = json.loads(previous.meta)
            name, named_at = previous.name, previous.named_at
        return LocalJournal(
            journal.journal_id,
            state.owner_id,
            role,
            state.epoch,
            name,
            journal.meta_version,
            previous.cursor if previous else 0,
            self.owner_name(state.owner_id),
            expires_at,
            json.dumps(meta, sort_keys=True),
            max(named_at, previous.named_at if previous else 0),
        )

    async def _note_names_to_heal(self, tx: Transaction, listed: set[bytes]) -> None:
        """Keep (setting HEAL_NAMES) the owned journals of `listed`, just read from the
        journal list, whose served name was below the verified one held (`_served_lower`),
        and drop the others of `listed`: sent again by the next sync (`heal_names`), even
        after this process ends."""
        before = await self._names_to_heal(tx)
        after = (before - listed) | (self._served_lower & listed)
        if after != before:
            await tx.set_setting(HEAL_NAMES, " ".join(sorted(j.hex() for j in after)))
        self._to_heal = after

    async def _names_to_heal(self, reader: Store | Transaction) -> set[bytes]:
        """The journals whose name this device sends again at the next sync (HEAL_NAMES),
        read from the store once per process."""
        if self._to_heal is None:
            stored = str(await reader.setting(HEAL_NAMES, "") or "")
            self._to_heal = {bytes.fromhex(word) for word in stored.split()}
        return set(self._to_heal)

    async def heal_names(self) -> None:
        """Send again the metadata this device holds for each owned journal whose served
        name was signed with a lower `named_at` (`_note_names_to_heal`): another owner
        device renamed it from stale metadata, or the server kept an older name (W4). The
        same name, `named_at` and `archived`, signed again under the current epoch, and
        stored only if the server still holds the metadata served (`meta_version`): every
        device that syncs then converges on the name with the highest `named_at`. A refusal
        (the metadata changed meanwhile, a network error, the write-rate limit) leaves it for
        the next sync; raises nothing of it."""
        to_heal = await self._names_to_heal(self.store)
        if not to_heal:
            return
        journals = {j.journal_id: j for j in await self.store.journals()}
        sent, moot = False, set()
        for journal_id in sorted(to_heal):
            journal = journals.get(journal_id)
            if (
                journal is None
                or journal.owner_id != self.profile.account_id
                or journal.role != "owner"
                or not name_verified(journal)
                or signed_named_at(journal.meta, journal.named_at) is None
            ):
                # Nothing of ours to send (a journal list notes it again); never a name
                # held with another name's `named_at` (rev34d F1): it lost to that name.
                moot.add(journal_id)
                continue
            if self.chains.problem(journal_id) is not None:
                continue  # nothing sealed for a rolled-back journal: once it is verified again
            try:
                await self._send_meta(
                    journal, journal.name, is_archived(journal), journal.meta_version
                )
            except (ConflictError, AccessError, NetworkError):
                # Changed meanwhile, no longer ours, or not reachable (a write-rate limit
                # too): never a failed sync for it; the next sync sends it again.
                continue
            sent = True
        if moot:
            async with self.store.transaction() as tx:
                self._to_heal = await self._names_to_heal(tx) - moot
                await tx.set_setting(HEAL_NAMES, " ".join(sorted(j.hex() for j in self._to_heal)))
        if sent:
            await self.refresh_journals()  # the metadata just sent, and what is left to heal

    async def _keep_listed_keys(
        self, journals: list[wire.Journal], known: dict[bytes, LocalJournal]
    ) -> tuple[dict[tuple[bytes, int], bytes], dict[bytes, list[RefusedKey]]]:
        """Store the key envelopes the journal list carries that verify as this account's
        (`_verified_key`: the owner's own wrap, or a share envelope the owner signed for this
        account that opens with its key), once the journals' chains and owners are verified:
        never one the server lists unchecked, and never one in place of the envelope held
        unless it holds the same key (a different key for an epoch this device holds a key
        of is refused: `_verified_key`). Only envelopes new or changed since the store's are
        verified (an unchanged list costs no verification). A journal whose owner is not
        verified here (no verified chain, an owner not pinned or refused) gets none stored,
        and no problem of its own (its owner's is told). Returns every envelope the store
        then holds, by (journal id, epoch), and by journal the epochs refused
        (`RefusedKey`)."""
        held = await self.store.journal_keys()
        verified: dict[tuple[bytes, int], bytes] = {}
        opened: dict[tuple[bytes, int], tuple[bytes, bytes]] = {}  # spot -> (owner, key)
        refused: dict[bytes, list[RefusedKey]] = {}
        for journal in journals:
            journal_id = journal.journal_id
            state = self.chains.state(journal_id)
            previous = known.get(journal_id)
            owner = (
                state.owner_id
                if state is not None
                else previous.owner_id
                if previous is not None
                else None
            )
            if owner is None or (
                owner != self.profile.account_id
                and (owner not in self._peers or owner in self._unpinned)
            ):
                continue
            for key in journal.keys:
                spot = (journal_id, key.epoch)
                kept = verified.get(spot, held.get(spot))
                if kept == key.envelope:
                    continue
                try:
                    taken = self._verified_key(journal_id, owner, key.epoch, key.envelope, kept)
                except _NotInChain:
                    continue  # taken once the chain verified here reaches its epoch
                except IntegrityError as error:
                    second = error.kind if isinstance(error, _OtherKey) else ""
                    refused.setdefault(journal_id, []).append(
                        RefusedKey(key.epoch, kept is not None, str(error), second)
                    )
                    continue
                verified[spot] = key.envelope
                opened[spot] = (owner, taken)
        if verified:
            async with self.store.transaction() as tx:
                for spot, envelope in list(verified.items()):
                    journal_id, epoch = spot
                    stored = await tx.key_envelope(journal_id, epoch)
                    owner, taken = opened[spot]
                    other = self._other_key_stored(
                        journal_id, owner, epoch, taken, envelope, stored
                    )
                    if other is not None and stored is not None:
                        del verified[spot]
                        held[spot] = stored
                        refused.setdefault(journal_id, []).append(
                            RefusedKey(epoch, True, str(other), other.kind)
                        )
                        continue
                    await tx.put_key(journal_id, epoch, envelope)
            # Kept in memory only now that the store holds them (committed).
            for spot in verified:
                self._keys[spot] = opened[spot][1]
            held.update(verified)
        return held, refused

    def _other_key_stored(
        self,
        journal_id: bytes,
        owner_id: bytes,
        epoch: int,
        key: bytes,
        envelope: bytes,
        stored: bytes | None,
    ) -> _OtherKey | None:
        """Why `key` (of `envelope`, which `_verified_key` took) is not stored, given `stored`,
        the envelope the store holds for the epoch as read in the write transaction that would
        store it: for an epoch the verified chain holds no key check of (a legacy epoch),
        another process of this profile may have stored another key for it since this one
        read the store, and the first key held is kept, so `key` is refused (`_OtherKey`,
        SECOND_KEY) and the key of `stored` is the one kept in memory. None when it may be
        stored: nothing held, the same envelope or key, a held envelope that does not open
        here (replaced, as `_held_key`), or an epoch with a key check (`key` matched it)."""
        if stored is None or stored == envelope:
            return None
        state = self.chains.state(journal_id)
        if state is None or state.key_matches(epoch, key) is not None:
            return None
        try:
            other = self._open_envelope(journal_id, owner_id, epoch, stored)
        except IntegrityError:
            return None
        if crypto.same_secret(other, key):
            return None
        self._keys[(journal_id, epoch)] = other  # the stored row's key, committed already
        return _OtherKey(
            f"the server offered a second key for epoch {epoch} of journal "
            f"{journal_id.hex()}, whose key this device (another app on it) already holds: "
            "the key held is kept",
            named=True,
        )

    def _note_refused_keys(
        self,
        journals: list[wire.Journal],
        refused: dict[bytes, list[RefusedKey]],
        updated: list[LocalJournal],
        known: dict[bytes, LocalJournal],
    ) -> None:
        """Keep, for the next sync's report, the journals of this journal list whose listed
        key envelopes were refused (`_keep_listed_keys`), and forget those listed again with
        none refused."""
        names = {j.journal_id: j.name for j in known.values()}
        names.update((j.journal_id, j.name) for j in updated)
        for journal in journals:
            journal_id = journal.journal_id
            epochs = refused.get(journal_id)
            if not epochs:
                self._key_problems.pop(journal_id, None)
                self._key_problem_epochs.pop(journal_id, None)
                continue
            self._key_problem_epochs[journal_id] = {r.epoch for r in epochs if not r.held}
            label = names.get(journal_id, f"(journal {journal_id.hex()[:8]})")
            which = ", ".join(str(r.epoch) for r in epochs)
            what = "a key" if len(epochs) == 1 else "keys"
            kept = all(r.held for r in epochs)
            tail = (
                "; the key this device holds is kept"
                if kept
                else "; what is written under it does not open here until the server "
                "sends this account's own"
            )
            if all(r.second == SECOND_KEY for r in epochs):
                message = (
                    f"journal {quoted_name(label)}: the server offered a second key for "
                    f"{'an epoch' if len(epochs) == 1 else 'epochs'} this device already holds "
                    f"the key of (epoch {which}): refused, never stored; the key this device "
                    "holds is kept"
                )
            elif all(r.second for r in epochs):
                message = (
                    f"journal {quoted_name(label)}: the server offered {what} (epoch {which}) "
                    "other than the one the owner's access chain names for "
                    f"{'that epoch' if len(epochs) == 1 else 'those epochs'}: refused, never "
                    "stored" + tail
                )
            else:
                message = (
                    f"journal {quoted_name(label)}: the server lists {what} of it (epoch "
                    f"{which}) that did not verify as this account's ({epochs[0].reason}): "
                    "refused, never stored" + tail
                )
            self._key_problems[journal_id] = (label, message)

    def _verified_key(
        self,
        journal_id: bytes,
        owner_id: bytes,
        epoch: int,
        envelope: bytes,
        held: bytes | None,
    ) -> bytes:
        """The journal key in `envelope` once it verifies as this account's
        (`_open_envelope`) and is the one key of its epoch: what every envelope the server
        sends passes before the store keeps it (the journal list's, `_keep_listed_keys`; the
        key pages', `_fetch_keys`). It is not kept in memory here: the caller keeps it only
        once the transaction that stores it has committed (a write of this client meanwhile
        reads the store's key, never one that is about to be refused).

        An epoch has one key. Where the verified access chain holds the key check of the
        epoch (chain version 3 on, `AccessState.key_matches`), the key must match it, whatever
        this device holds (a held key that does not match is not the epoch's key, and is
        replaced). Where it holds none (a legacy epoch, started by a version 1 or 2 entry),
        the key must be the one this device holds for the epoch, if it holds one (`held`:
        the envelope the store keeps, or None; the key in memory counts too): the first key
        a device holds for a legacy epoch is kept. An epoch the verified chain does not reach
        yet is not taken (`_NotInChain`). So a key genuinely signed by the owner for an epoch
        that exists already (an owner's device shown a stale chain signs it again, sealed to
        a member removed since) is never taken.

        Raises IntegrityError if it does not verify, `_OtherKey` (an IntegrityError) if it is
        another key than the chain's check or the one held, `_NotInChain` (one too) if the
        verified chain does not reach the epoch."""
        key = self._open_envelope(journal_id, owner_id, epoch, envelope)
        state = self.chains.state(journal_id)
        if state is None or epoch > state.epoch:
            raise _NotInChain(
                f"the server lists a key for epoch {epoch} of journal {journal_id.hex()}, "
                "which the access chain this device verified does not reach yet"
            )
        matches = state.key_matches(epoch, key)
        if matches is False:
            raise _OtherKey(
                f"the server offered a key for epoch {epoch} of journal {journal_id.hex()} "
                "that is not the key the owner's access chain names for that epoch",
                named=False,
            )
        if matches is None:
            kept = self._held_key(journal_id, owner_id, epoch, held)
            if kept is not None and not crypto.same_secret(kept, key):
                raise _OtherKey(
                    f"the server offered a second key for epoch {epoch} of journal "
                    f"{journal_id.hex()}, whose key this device already holds: the key held "
                    "is kept",
                    named=True,
                )
        return key

    def _held_key(
        self, journal_id: bytes, owner_id: bytes, epoch: int, held: bytes | None
    ) -> bytes | None:
        """The key this device holds for the epoch: the one in memory, else the one in the
        envelope `held` (the store's), if it opens; None when it holds none that opens."""
        cached = self._keys.get((journal_id, epoch))
        if cached is not None or held is None:
            return cached
        try:
            return self._open_envelope(journal_id, owner_id, epoch, held)
        except IntegrityError:
            return None

    async def _report_name_problems(self, report: sync_plan.SyncReport) -> None:
        """Report metadata the server serves that this device cannot open or verify while it
        keeps the name it verified (`_local`, W7), and key envelopes it lists that are not
        this account's (`_keep_listed_keys`), for as long as the server serves them and this
        device holds the journal (one forgotten or removed meanwhile, say while another
        journal list was read, is no longer this device's problem). Records that still wait
        for a key (`_still_waiting`) are told at every sync: in the journal's key problem
        line when it has one, else in a line of their own."""
        ending, self._end_problems = self._end_problems, {}
        for journal_id, (label, message) in sorted(ending.items()):
            report.add_problem(journal_id, label, message)
        if not self._name_problems and not self._key_problems and not self._still_waiting:
            return
        held = {j.journal_id for j in await self.store.journals()}
        for journal_id in [j for j in self._name_problems if j not in held]:
            del self._name_problems[journal_id]
        for journal_id, (label, message) in sorted(self._name_problems.items()):
            report.add_problem(journal_id, label, message)
        for journal_id in [j for j in self._key_problems if j not in held]:
            del self._key_problems[journal_id]
            self._key_problem_epochs.pop(journal_id, None)
        for journal_id, (label, message) in sorted(self._key_problems.items()):
            waiting = self._waiting_told.get(journal_id)
            if waiting:
                count, shown = waiting
                ids = ", ".join(f"record {r.hex()}" for r in shown)
                more = f" and {count - len(shown)} more" if count > len(shown) else ""
                message += (
                    f"; {'1 record' if count == 1 else f'{count} records'} of it not opened in "
                    f"this sync, the key of {'its' if count == 1 else 'their'} epoch refused "
                    f"({ids}{more}): pulled again once this device holds one that verifies"
                )
            still = self._still_waiting.pop(journal_id, None)
            if still is not None:
                message += "; " + _still_waiting_line(*still[1:])
            report.add_problem(journal_id, label, message)
        for journal_id, (label, count, shown, kinds) in sorted(self._still_waiting.items()):
            if journal_id in held:
                text = _still_waiting_line(count, shown, kinds)
                report.add_problem(journal_id, label, text[0].upper() + text[1:])
        self._still_waiting = {}

    def owner_name(self, owner_id: bytes) -> str:
        """How a journal's owner is named on this device: the username of its pinned,
        self-signed identity (bound to its account id), whatever the server calls it."""
        if owner_id == self.profile.account_id:
            return self.profile.username
        peer = self._peers.get(owner_id)
        return peer.username if peer else f"account {owner_id.hex()[:8]}"

    def owner_label(self, journal: LocalJournal) -> str:
        """How this device names the owner of `journal` to its user: its username for this
        account's own; another account's username (`LocalJournal.owner_name`, from its pinned
        identity), but where journals of several accounts on this device bear one username
        (an account erased, the name taken again since: NU46 #1), every account but the one
        that shares something with this account now is named with the start of its account
        id, "kim (account 1a2b3c4d)" (`models.account_names`: the caseload's rule), so that
        two people never read as one. Worked out from the journal list this device last read
        (`Store.last_journals`), the account ids and the shares' ends from the verified
        chains (`share_lapsed`); never from the server's names."""
        if journal.owner_id == self.profile.account_id:
            return self.profile.username
        return self._owner_labels().get(journal.owner_id, journal.owner_name)

    def owner_named(self, journal: LocalJournal) -> str:
        """How the app's words name the owner of `journal`: `owner_label`, but "kim (account
        1a2b3c4d)" (`label_digits`) for the kept copy (REVOKED) of another account that
        keeps the plain username here while the journal list this device last read gives it
        to another account (a journal shared now keeps the name: a server relaying an
        impostor under it takes no words from the account pinned here)
        (`names_given_elsewhere`: a share not opened until verified; the server's word,
        which only ever adds a label). One rule for every list, the caseload and the
        commands printed (fix31e: "kim/Personal" names the new holder's journal then)."""
        label = self.owner_label(journal)
        if (
            journal.owner_id != self.profile.account_id
            and journal.role == REVOKED  # a kept copy: a journal shared now keeps the name
            and label.casefold() == journal.owner_name.casefold()
            and label.casefold() in self.names_given_elsewhere()
        ):
            digits = self.label_digits(journal)
            return account_label(journal.owner_name, journal.owner_id.hex(), digits)
        return label

    def owner_prefix(self, journal: LocalJournal) -> str:
        """What comes before a journal's name in `shown_name`: "" when this account owns
        it, else its owner as `owner_named` names them and "/" ("ana/", "kim (account
        1a2b3c4d)/"): the one place it is worked out (a former name, a rename's news and
        a name given "owner/..." are each put after it)."""
        if journal.owner_id == self.profile.account_id:
            return ""
        return f"{self.owner_named(journal)}/"

    def shown_name(self, journal: LocalJournal) -> str:
        """How an app names a journal: its name when this account owns it, else
        "owner/name", the owner as `owner_named` names them ("ana/Personal", "kim (account
        1a2b3c4d)/Personal"). `Context.local_journal` takes it back."""
        return self.owner_prefix(journal) + journal.name

    def names_given_elsewhere(self) -> set[str]:
        """The usernames (case folded) that the journal list this device last read gives to
        another account than the one pinned here under them: the owners of the shares this
        device does not open until they are verified (`SyncReport.refused_shares`: a name
        freed by an erased account and taken since, say). The server's word: it decides no
        one's records, only that a command printed names the pinned account apart
        (`Context.owner_named`, `Context.client_label`)."""
        return {
            error.username.casefold()
            for error in self._unpinned.values()
            if isinstance(error, KeyChangedError) and error.username
        }

    def label_digits(self, journal: LocalJournal) -> int:
        """The digits of its owner's account id that name `journal`'s owner apart from every
        other account that bore that username here (`models.label_digits`): in this
        device's journals, pinned, or pinned once and replaced by a verify of another account
        under it, the accounts whose copies were forgotten included (`load_peers` read them):
        "kim (account 1a2b3c4d)" names one account only (REV-NAMES F1), also once the copy of
        an erased account whose id the new holder of its username chose to begin alike is
        discarded (REV-S9B S9B-3: a label printed before then names no one now)."""
        same = self._name_bearers().get(journal.owner_name.casefold(), set())
        return label_digits(same | {journal.owner_id.hex()})

    def _name_bearers(self) -> dict[str, set[str]]:
        """The other accounts (hex) that bore each username (case folded) here, as
        `label_digits` counts them, worked out once per journal list read and set of pins
        (a caseload names every client's journal: not a walk of the list per journal)."""
        journals = self.store.last_journals()
        if self._bearers is not None and self._bearers[0] is journals:
            return self._bearers[1]
        me = self.profile.account_id
        pinned = [(p.account_id, p.username) for p in self._peers.values()]
        pinned += list((self._replaced_pins or {}).items())
        bearers: dict[str, set[str]] = {}
        for account, username in [(j.owner_id, j.owner_name) for j in journals] + pinned:
            if account != me:
                bearers.setdefault(username.casefold(), set()).add(account.hex())
        self._bearers = (journals, bearers)
        return bearers

    def _pins_changed(self) -> None:
        """Forget what was worked out from the pins (`_name_bearers`, `name_holders`)."""
        self._bearers = None
        self._holders = None

    def name_holders(self) -> set[str]:
        """The accounts (hex) pinned on this device under their username now: the one a
        username names here (`account_names`' `holders`). A verify of another account under
        a username forgets the earlier one's pin (`pin`), so at most one account per name."""
        return set(self._pinned_holders())

    def _pinned_holders(self) -> frozenset[str]:
        """`name_holders`, worked out once per set of pins."""
        if self._holders is None:
            self._holders = frozenset(peer.account_id.hex() for peer in self._peers.values())
        return self._holders

    def _owner_labels(self) -> dict[bytes, str]:
        """`owner_label` of every other account with a journal on this device, by account
        id, worked out once per journal list read, minute (a share's end date passes) and
        set of pins (`name_holders`)."""
        journals = self.store.last_journals()
        now = now_ms()
        holders = self._pinned_holders()
        kept = self._labels
        if (
            kept is not None
            and kept[0] is journals
            and kept[1] == now // 60_000
            and kept[2] is holders
        ):
            return kept[3]
        accounts: dict[str, tuple[str, bool]] = {}
        for journal in journals:
            if journal.owner_id == self.profile.account_id:
                continue
            account = journal.owner_id.hex()
            name, sharing = accounts.get(account, (journal.owner_name, False))
            live = journal.role != REVOKED and not self.share_lapsed(journal, now)
            accounts[account] = (name, sharing or live)
        labels = {bytes.fromhex(a): shown for a, shown in account_names(accounts, holders).items()}
        self._labels = (journals, now // 60_000, holders, labels)
        return labels

    def verified_shares(self, now: int, journal_id: bytes | None = None) -> list[LocalShare]:
        """The members of this account's journals (of `journal_id` alone, when given) as the
        verified chains this device holds say (`load_access` first), by member name, each
        `expired` as of `now` (ms, UTC): no network, no saved list. The one source of every
        answer about who shares a journal: a list saved at the end of a journal refresh
        lagged the chains saved before it when that refresh was cut off (REV-37 F1; the
        care summary, private notes' journal and safety flags read such a list until
        2026-12-04)."""
        return sorted(self._shares(now, journal_id), key=lambda share: share.member_name)

    async def fresh_access(self) -> None:
        """`load_access`, and the chains read back again when another process of this
        profile stored chain entries since (`Chains.load_fresh`): before an answer about who
        shares a journal that a decision rests on (REV-SHARES F2)."""
        if self.chains.loaded:
            await self.chains.load_fresh()
        else:
            await self.load_access()

    async def current_shares(
        self, journal_id: bytes | None = None, *, ended: bool = False
    ) -> list[LocalShare]:
        """`verified_shares` as of now, the chains read fresh first (`fresh_access`); those
        whose signed end date passed left out unless `ended`. A member past their end date
        stays in the chain, and holds its key, until a device of the owner ends the share:
        where a journal must be shared with nobody (private notes), ask with `ended=True`."""
        await self.fresh_access()
        now = now_ms()
        return [s for s in self.verified_shares(now, journal_id) if ended or not s.expired]

    def _shares(self, now: int, journal_id: bytes | None = None) -> list[LocalShare]:
        """The members of this account's journals, as their verified chains say."""
        shares: list[LocalShare] = []
        for chain_id, state in self.chains.states().items():
            if state.owner_id != self.profile.account_id:
                continue
            if journal_id is not None and chain_id != journal_id:
                continue
            shares.extend(
                LocalShare(
                    chain_id, m.who.account_id, m.username, m.role, m.expires_at, m.ended(now)
                )
                for m in state.members.values()
                if m.who is not None
            )
        return shares

    def _owner_sign_key(self, owner_id: bytes) -> bytes | None:
        """The owner's pinned key; IntegrityError saying why if its identity was refused."""
        if owner_id == self.profile.account_id:
            return self.profile.secrets.sign_public_key
        peer = self._peers.get(owner_id)
        if peer is None and owner_id in self._unpinned:
            raise IntegrityError(f"the journal's owner is refused: {self._unpinned[owner_id]}")
        return peer.sign_public_key if peer else None

    def _journal_meta(
        self, journal: wire.Journal, owner_id: bytes, envelopes: dict[tuple[bytes, int], bytes]
    ) -> dict[str, Any]:
        """The journal's name, if its owner (`owner_id`, from the verified chain) signed it
        (see keys.sign_journal_name; `named_at` in the map, 0 for a version-1 name, and for
        version 2 `archived`, are what the signature covers: a member who re-seals the map
        with another `archived` makes it fail, W1), else a placeholder name without
        `named_at`. A version-1 name covers no `archived`: the map is returned as served, and
        `is_archived` reads it as not archived."""
        short = journal.journal_id.hex()[:8]
        try:
            epoch = keys.meta_epoch(journal.meta)
            key = self._unwrap(journal.journal_id, owner_id, journal.role, epoch, envelopes)
            meta = decode_meta(keys.open_journal_meta(key, journal.journal_id, journal.meta))
        except (IntegrityError, AccessError, KeyChangedError):
            return {"name": f"(unreadable journal {short})"}
        try:
            owner_key = self._owner_sign_key(owner_id)
            signature = bytes.fromhex(str(meta.get("name_signature", "")))
            if owner_key is None:
                raise IntegrityError("the owner is not known")
            named_at, archived = named_at_of(meta), archived_of(meta)
            name = meta["name"]
            signed = (owner_key, journal.journal_id, epoch, name, signature, named_at, archived)
            kept = isinstance(name, str)  # else refused below, as ever (never kept)
            if not kept or signed not in self._names_verified:
                keys.verify_journal_name(*signed)
                if kept:
                    self._note_name_verified(signed)
        except (IntegrityError, ValueError):
            return {"name": f"(unverified name {short})"}
        return meta

    def _note_name_verified(self, signed: tuple[Any, ...]) -> None:
        """Keep `signed` (the owner's signing key, the journal id, the epoch, the name, the
        signature, `named_at`, `archived`: every input of keys.verify_journal_name) as
        verified: the same inputs verify the same, so a journal list that serves the same
        signed name again (the one read before every push, issue 10) is not verified again;
        any other byte of them is. At most NAMES_VERIFIED_KEPT kept (then forgotten all)."""
        if len(self._names_verified) >= NAMES_VERIFIED_KEPT:
            self._names_verified.clear()
        self._names_verified.add(signed)

    def _unwrap(
        self,
        journal_id: bytes,
        owner_id: bytes,
        role: str,
        epoch: int,
        envelopes: dict[tuple[bytes, int], bytes],
    ) -> bytes:
        """A journal key: unwrapped with the account key for the owner, or taken from the
        owner-signed share envelope for a member. A key held from an older version of this
        SDK is checked here, when it is first used: IntegrityError if the verified access
        chain's key check of the epoch does not match it (AccessState.key_matches)."""
        cached = self._keys.get((journal_id, epoch))
        if cached is not None:
            return cached
        envelope = envelopes.get((journal_id, epoch))
        if envelope is None:
            raise AccessError(
                f"this account holds no key for epoch {epoch} of journal {journal_id.hex()}"
            )
        key = self._open_envelope(journal_id, owner_id, epoch, envelope)
        state = self.chains.state(journal_id)
        if state is not None and state.key_matches(epoch, key) is False:
            raise IntegrityError(
                f"the key this device holds for epoch {epoch} of journal {journal_id.hex()} "
                "is not the one the owner's access chain names for that epoch: it is not used"
            )
        if state is not None and epoch <= state.epoch:  # never checked again: cached
            self._keys[(journal_id, epoch)] = key
        return key

    def _open_envelope(
        self, journal_id: bytes, owner_id: bytes, epoch: int, envelope: bytes
    ) -> bytes:
        """The journal key in `envelope`, verified for this journal, this account and `epoch`:
        the AEAD of the owner's own wrap (4.12), or the owner's signature over a member's share
        envelope (4.13). IntegrityError if it does not verify."""
        secrets = self.profile.secrets
        if owner_id == self.profile.account_id:
            return keys.unwrap_journal_key(
                secrets.account_key, self.profile.account_id, journal_id, epoch, envelope
            )
        owner = self._peers.get(owner_id)
        if owner is None:
            raise IntegrityError(f"the owner of journal {journal_id.hex()} is not known yet")
        key, _ = keys.open_share_envelope(
            secrets,
            self.profile.account_id,
            self.profile.username,
            owner_id,
            owner.sign_public_key,
            journal_id,
            epoch,
            envelope,
        )
        return key

    async def journal_key(self, journal: LocalJournal, epoch: int) -> bytes:
        """The key of `epoch` of the journal, verified. An envelope this device does not hold
        (a journal list carries only the newest epochs' of a journal rotated a thousand times
        or so) is fetched from /v1/journals/keys once per session (`_fetch_keys`; a refused
        one again, at most once a sync, while records refused for it wait: `_sync`,
        KEY_RETRY_BACKOFF).

        Raises AccessError when the account holds no key for that epoch, IntegrityError when
        an envelope does not verify or the server's key pages are refused, NetworkError
        offline."""
        cached = self._keys.get((journal.journal_id, epoch))
        if cached is not None:
            return cached
        if journal.owner_id != self.profile.account_id and journal.owner_id not in self._peers:
            await self._load_peers()  # a freshly opened client: the owner was pinned before
        envelope = await self.store.key_envelope(journal.journal_id, epoch)
        if envelope is None and epoch <= journal.epoch:
            held_above = await self.store.next_key_epoch(journal.journal_id, epoch)
            await self._fetch_keys(journal, epoch, held_above)
            envelope = await self.store.key_envelope(journal.journal_id, epoch)
        envelopes = {} if envelope is None else {(journal.journal_id, epoch): envelope}
        return self._unwrap(journal.journal_id, journal.owner_id, journal.role, epoch, envelopes)

    async def _fetch_keys(self, journal: LocalJournal, epoch: int, held_above: int | None) -> None:
        """Fetch and store this account's envelopes of the journal from `epoch` up to the
        first epoch above it whose envelope the device holds (`held_above`; None: up to the
        journal's verified epoch), each verified before it is stored (key_pages.KeyWalk
        checks the pages).

        A range is asked once per session: later records under an epoch of it get the
        answer of the first walk (its verified key; else AccessError: the server has no
        envelope for it, or the IntegrityError that refused its pages) without another
        request. Envelopes verified before a walk was refused are kept. A refused range is
        asked again while records refused for it wait: at most once a sync, less often while
        it stays refused (KEY_RETRY_BACKOFF), within the pull again's requests
        (`_retry_key_waits`); that wait is kept in the store (KEY_WAIT_BACKOFF), so a process
        started anew does not ask the range again before it is due."""
        journal_id = journal.journal_id
        asked = self._keys_asked.setdefault(journal_id, [])
        for low, high, refused in asked:
            if low <= epoch <= high:
                if refused:
                    raise IntegrityError(refused)
                return
        last = journal.epoch if held_above is None else held_above - 1
        walk = KeyWalk(journal_id, epoch, last)
        received: set[int] = set()
        kept: set[int] = set()  # the epochs this walk stored
        try:
            while not walk.finished:
                self._key_requests += 1
                reply = await self.transport.call("/v1/journals/keys", walk.request(), wire.KeyPage)
                page = walk.accept(reply)
                taken: list[bytes] = []
                for key in page:
                    held = await self.store.key_envelope(journal_id, key.epoch)
                    taken.append(
                        self._verified_key(
                            journal_id, journal.owner_id, key.epoch, key.envelope, held
                        )
                    )
                other: _OtherKey | None = None
                stored_now: list[tuple[int, bytes]] = []
                async with self.store.transaction() as tx:
                    for key, opened in zip(page, taken, strict=True):
                        stored = await tx.key_envelope(journal_id, key.epoch)
                        other = self._other_key_stored(
                            journal_id, journal.owner_id, key.epoch, opened, key.envelope, stored
                        )
                        if other is not None:
                            break  # those before it are kept, those after it are not
                        await tx.put_key(journal_id, key.epoch, key.envelope)
                        stored_now.append((key.epoch, opened))
                # Kept in memory only now that the store holds them (committed).
                for stored_epoch, opened in stored_now:
                    self._keys[(journal_id, stored_epoch)] = opened
                    kept.add(stored_epoch)
                if other is not None:
                    raise other
                received.update(key.epoch for key in page)
            # The owner is sealed into every epoch (4.19): a gap is the server's withholding.
            # A member's epochs can have gaps (a share that ended and began again).
            missing = walk.to_epoch - walk.from_epoch + 1 - len(received)
            if journal.owner_id == self.profile.account_id and missing:
                first = min(
                    set(range(walk.from_epoch, walk.from_epoch + len(received) + 1)) - received
                )
                raise IntegrityError(
                    f"the server withheld {missing} envelopes from epoch {first} on, and the "
                    "owner holds one for every epoch"
                )
        except AccessError:
            asked.append((walk.from_epoch, walk.to_epoch, None))
            raise
        except IntegrityError as error:
            refused = (
                f"the server's key envelopes of journal {journal_id.hex()} were refused: {error}"
            )
            asked.append((walk.from_epoch, walk.to_epoch, refused))
            times = self._backoff.keys.get((journal_id, walk.from_epoch), (0, 0, 0))[1] + 1
            wait = 2 ** min(times - 1, KEY_RETRY_BACKOFF)
            self._backoff.keys[(journal_id, walk.from_epoch)] = (
                walk.to_epoch,
                times,
                self._syncs + wait,
            )
            if epoch not in kept:  # else verified and stored before the walk failed
                raise IntegrityError(refused) from None
            return
        asked.append((walk.from_epoch, walk.to_epoch, None))
        self._backoff.keys.pop((journal_id, walk.from_epoch), None)

    async def _note_key_waits(
        self,
        tx: Transaction,
        journal_id: bytes,
        wanting: dict[bytes, tuple[int, int]],
        unverified: set[bytes],
    ) -> set[bytes]:
        """Keep, within `tx`, the records of `journal_id` a page refused for want of their
        epoch's key (record id -> (epoch, seq)) in KEY_WAITS, at most MAX_KEY_WAITS a journal
        and MAX_KEY_WAITS_ALL in all, of which at most MAX_KEY_WAITS_UNVERIFIED in all the
        journals `unverified` (of owners not verified: the first ones); returns those not
        kept (the caller tells them: they are not pulled again)."""
        waits = _decode_key_waits(await tx.setting(KEY_WAITS))
        rows = {record_id: (epoch, seq) for epoch, seq, record_id in waits.get(journal_id, [])}
        others = sum(len(r) for j, r in waits.items() if j != journal_id)
        room = min(MAX_KEY_WAITS, MAX_KEY_WAITS_ALL - others)
        if journal_id in unverified:  # whatever strangers' journals hold, the others keep room
            strangers = sum(len(r) for j, r in waits.items() if j != journal_id and j in unverified)
            room = min(room, MAX_KEY_WAITS_UNVERIFIED - strangers)
        unkept: set[bytes] = set()
        for record_id, spot in wanting.items():
            if record_id in rows or len(rows) < room:
                rows[record_id] = spot
            else:
                unkept.add(record_id)
        waits[journal_id] = sorted((e, q, r) for r, (e, q) in rows.items())
        await tx.set_setting(KEY_WAITS, _encode_key_waits(waits))
        self._noted_waits.update(set(wanting) - unkept)
        return unkept

    async def _forget_key_waits(self, tx: Transaction, journal_id: bytes) -> None:
        """Within `tx`, which removes `journal_id` from the store: its rows of KEY_WAITS go
        too, and its rows of KEY_WAIT_BACKOFF with them (the setting goes once nothing
        waits), so nothing of the journal stays in the settings (one read of KEY_WAITS;
        nothing written when it has no rows)."""
        waits = _decode_key_waits(await tx.setting(KEY_WAITS))
        if waits.pop(journal_id, None) is None:
            return
        await tx.set_setting(KEY_WAITS, _encode_key_waits(waits))
        stored = await tx.setting(KEY_WAIT_BACKOFF)
        if stored is not None:
            # Decoded and encoded at the same sync number: the others' syncs left are kept.
            kept = _encode_backoff(_decode_backoff(stored, 0), 0, waits)
            if kept is None:
                await tx.remove_setting(KEY_WAIT_BACKOFF)
            elif kept != stored:
                await tx.set_setting(KEY_WAIT_BACKOFF, kept)

    async def _pull_again_due(self) -> None:
        """Run the running sync's pull again (`_retry_key_waits`) unless it ran already: the
        pull's withholding check runs it before it counts (`_check_withheld`), so the
        records it applies are received, never reported withheld; else the sync, after its
        pull."""
        due, self._retry_due = self._retry_due, None
        if due is not None and due[0] is asyncio.current_task():
            await self._retry_key_waits(due[1], due[2])

    async def _retry_key_waits(
        self, report: sync_plan.SyncReport, as_of: tuple[int, int] | None = None
    ) -> None:
        """Pull again the records a pull refused for want of their epoch's key (KEY_WAITS)
        once this device holds a verified key of that epoch: stored since from the journal
        list (`_keep_listed_keys`), or from the key pages (a refusal is asked again at most
        once a sync, less often while refused: `_sync`; its requests count in
        RETRY_REQUESTS). Records refused in this sync wait for the next.

        Only the waiting records are taken (`_pull_again`: same id, epoch and seq), each
        opened and verified as any pulled record (`_apply_page`), within the bound on
        unverified owners (hold_back.py); a record leaves KEY_WAITS, and its problem row
        goes, only once it was applied, or refused again for another reason (reported).
        The records of an epoch the server did not serve when asked are asked again after
        1, 2, 4, ... syncs while it does not (at most 2**KEY_RETRY_BACKOFF apart), at once
        again once it serves one; these waits, like the key ranges', are kept in the store
        (KEY_WAIT_BACKOFF, `_keep_backoff`). Those that still wait are told at every sync
        (`_still_waiting`). Rows go only with their journal (`_forget_key_waits`); those of
        a journal the server no longer lists wait until it is listed again, kept as
        problems: told at every sync while the server's list alone leaves it out, told once
        (in the first sync that finds it not listed) when its owner signed the end. A process's first
        pull again drops the rows of records applied already (a stop between the apply and
        the row's removal)."""
        waits = _decode_key_waits(await self.store.setting(KEY_WAITS, as_of=as_of))
        if not waits:
            return
        on_device = await self.store.journals()
        journals = {j.journal_id: j for j in on_device}
        # Rows go with their journal (`_forget_key_waits`); rows of a journal no longer on
        # the device at all (none written so) are dropped here. A journal the server no longer
        # lists (REVOKED on its word: a journal list can lie) keeps its rows, told at every
        # sync (once, when its owner signed the end), and pulled again once it is listed.
        gone = [journal_id for journal_id in waits if journal_id not in journals]
        applied: dict[bytes, set[bytes]] = {}
        if not self._waits_checked:
            self._waits_checked = True
            for journal_id, rows in waits.items():
                if journal_id in journals:
                    seen = await self.store.seen_counters(journal_id, [r for _, _, r in rows])
                    done = {r for r, counter in seen.items() if counter is not None}
                    if done:
                        applied[journal_id] = done
        if gone or applied:
            async with self.store.transaction() as tx:
                stored = _decode_key_waits(await tx.setting(KEY_WAITS))
                for journal_id in gone:
                    stored.pop(journal_id, None)
                for journal_id, done in applied.items():
                    stored[journal_id] = [
                        row for row in stored.get(journal_id, []) if row[2] not in done
                    ]
                await tx.set_setting(KEY_WAITS, _encode_key_waits(stored))
            waits = {
                journal_id: [row for row in rows if row[2] not in applied.get(journal_id, ())]
                for journal_id, rows in waits.items()
                if journal_id not in gone
            }
        relist = False
        hold: hold_back.HoldBack | None = None
        left = RETRY_REQUESTS
        now = now_ms()
        for journal_id, rows in sorted(waits.items()):
            journal = journals.get(journal_id)
            if journal is None or not rows:
                continue
            rows = [row for row in rows if row[2] not in self._noted_waits]  # told already
            why: dict[bytes, str] = {}
            asked = rows
            if journal.role != REVOKED:
                self._backoff.told.discard(journal_id)
            elif self.share_lapsed(journal, now):
                # Not listed, and its owner signed the end: told once, then kept (and in
                # `Client.problems()`) until the copy is forgotten or shared again.
                if journal_id in self._backoff.told:
                    continue
                self._backoff.told.add(journal_id)
                why.update({r: _WAIT_ENDED for _, _, r in rows})
                asked = []
            else:  # not listed on the server's word alone: nothing asked; told at every sync
                self._backoff.told.discard(journal_id)
                why.update({r: _WAIT_LISTED for _, _, r in rows})
                asked = []
            ready: set[int] = set()
            later: set[int] = set()
            for epoch in sorted({epoch for epoch, _, _ in asked}):
                if left <= 0 and (journal_id, epoch) not in self._keys:
                    if await self.store.key_envelope(journal_id, epoch) is None:
                        later.add(epoch)  # its key pages would be asked: not in this sync
                        continue
                made = self._key_requests
                try:
                    await self.journal_key(journal, epoch)
                except (IntegrityError, AccessError, NetworkError):
                    continue
                finally:
                    left -= self._key_requests - made
                ready.add(epoch)
            again = {record_id: (epoch, seq) for epoch, seq, record_id in asked if epoch in ready}
            why.update({r: _WAIT_KEY for e, _, r in asked if e not in ready})
            why.update({r: _WAIT_LATER for e, _, r in asked if e in later})
            # Epochs whose records the server did not serve when last asked wait their turn.
            resting = {
                r
                for r, (epoch, _) in again.items()
                if self._backoff.pulls.get((journal_id, epoch), (0, 0))[1] > self._syncs
            }
            why.update(dict.fromkeys(resting, _WAIT_RESTING))
            again = {r: spot for r, spot in again.items() if r not in resting}
            held = False
            if again and not self.owner_verified(journal):
                if hold is None:
                    hold = await self._retry_hold(on_device)
                held = hold.full or journal_id in hold.announced
            if again and (held or left <= 0):
                why.update(dict.fromkeys(again, _WAIT_HELD if held else _WAIT_LATER))
                again = {}
            if again:
                # A key of an epoch whose listed envelope was refused, taken from the key
                # pages: the journal list is read again (its name opens, its line told anew).
                relist |= bool(ready & self._key_problem_epochs.get(journal_id, set()))
                bounded = hold if not self.owner_verified(journal) else None
                try:
                    done, missed, made = await self._pull_again(
                        journal, again, report, bounded, min(left, RETRY_ROUNDS)
                    )
                except AccessError:  # the share ended meanwhile: the journal list tells
                    relist = True
                    done, missed, made = set(), dict.fromkeys(again, _WAIT_FAILED), 1
                except (NetworkError, InvalidInput):  # offline, or a request refused
                    done, missed, made = set(), dict.fromkeys(again, _WAIT_FAILED), 1
                left -= made
                why.update(missed)
                self._note_served(journal_id, again, done, missed)
                if done:
                    async with self.store.transaction() as tx:
                        stored = _decode_key_waits(await tx.setting(KEY_WAITS))
                        stored[journal_id] = [
                            row for row in stored.get(journal_id, []) if row[2] not in done
                        ]
                        await tx.set_setting(KEY_WAITS, _encode_key_waits(stored))
                    waits[journal_id] = [row for row in waits[journal_id] if row[2] not in done]
            waiting = sorted((seq, r) for _, seq, r in rows if r in why)
            if waiting:
                kinds = sorted({why[r] for _, r in waiting})
                shown = [r for _, r in waiting[: sync_plan.IDS_SHOWN]]
                self._still_waiting[journal_id] = (journal.name, len(waiting), shown, kinds)
        await self._keep_backoff(waits)
        if hold is not None and hold.added:
            fresh = await self.store.journals()
            verified = {j.journal_id for j in fresh if self.owner_verified(j)}
            counted = hold

            def merge(value: Any, cursors: dict[bytes, int]) -> Any:
                return counted.merge(value, cursors, verified)

            written = await self.store.merge_setting(hold_back.SETTING, merge)
            if written is not None:
                self.settings_written(*written)
        if relist:
            try:
                await self.refresh_journals()
            except (AccessError, NetworkError) as error:
                report.incomplete.append(f"the journal list was not read again: {error}")

    def _note_served(
        self,
        journal_id: bytes,
        asked: dict[bytes, tuple[int, int]],
        done: set[bytes],
        missed: dict[bytes, str],
    ) -> None:
        """After a pull again of `journal_id` asked for `asked` (record id -> (epoch, seq)):
        an epoch with a record resolved (`done`) is asked again at every sync; one whose
        records the server did not serve (`missed`: _WAIT_UNSERVED) and none resolved, after
        1, 2, 4, ... syncs, at most 2**KEY_RETRY_BACKOFF apart (KEY_WAIT_BACKOFF)."""
        for epoch in {epoch for epoch, _ in asked.values()}:
            mine = [r for r, (e, _) in asked.items() if e == epoch]
            if any(r in done for r in mine):
                self._backoff.pulls.pop((journal_id, epoch), None)
            elif any(missed.get(r) == _WAIT_UNSERVED for r in mine):
                times = self._backoff.pulls.get((journal_id, epoch), (0, 0))[0] + 1
                wait = 2 ** min(times - 1, KEY_RETRY_BACKOFF)
                self._backoff.pulls[(journal_id, epoch)] = (times, self._syncs + wait)

    async def _keep_backoff(self, waits: dict[bytes, list[tuple[int, int, bytes]]]) -> None:
        """Write what the pull again waits for (`_backoff`) to KEY_WAIT_BACKOFF, for the rows
        of KEY_WAITS as stored now, in one transaction, unless it is stored so already
        (`waits`: the rows as this pull again left them)."""
        syncs, backoff = self._syncs, self._backoff
        if _encode_backoff(backoff, syncs, waits) == self._backoff_stored:
            return  # no statement: nothing changed (a sync with nothing waiting its turn)
        kept: list[str | None] = []

        def merge(values: dict[str, Any], _cursors: dict[bytes, int]) -> dict[str, Any]:
            kept.append(_encode_backoff(backoff, syncs, _decode_key_waits(values[KEY_WAITS])))
            return {KEY_WAIT_BACKOFF: kept[-1]}

        written = await self.store.merge_settings((KEY_WAITS, KEY_WAIT_BACKOFF), merge)
        self._backoff_stored = kept[-1] if kept else None
        if written is not None:
            self.settings_written(*written)

    async def _retry_hold(self, on_device: list[LocalJournal]) -> hold_back.HoldBack:
        """The bound on unverified owners as a pull starts (`_pull_pages`): what the store
        counts, and every journal of an unverified owner on the device counted."""
        hold = hold_back.decode(await self.store.setting(hold_back.SETTING))
        for local in on_device:
            if not self.owner_verified(local):
                hold.count(local.journal_id, await self.store.journal_bytes(local.journal_id))
        return hold

    async def _pull_again(
        self,
        journal: LocalJournal,
        again: dict[bytes, tuple[int, int]],
        report: sync_plan.SyncReport,
        hold: hold_back.HoldBack | None,
        rounds: int,
    ) -> tuple[set[bytes], dict[bytes, str], int]:
        """Pull once more the records `again` (record id -> (epoch, seq)) of `journal`, in at
        most `rounds` requests, each from just below the lowest one not yet asked for as many
        records as wait. Of what the server serves only those records are taken (same id,
        epoch and seq), through `_apply_page` (every check of a pull), cut by `hold` for an
        unverified owner's journal (hold_back.py); everything else served is dropped. The
        cursor is never moved by it.

        Returns the records resolved (applied, or refused again for another reason, reported
        by `_apply_page`), why each other one still waits, and the requests made. Raises
        AccessError or NetworkError as a pull does."""
        pending = dict(again)
        number = int.from_bytes(journal.journal_id, "big")
        below = (number - 1).to_bytes(len(journal.journal_id), "big") if number else b""
        resolved: set[bytes] = set()
        why: dict[bytes, str] = {}
        made = 0
        try:
            while pending and made < rounds:
                low = min(seq for _, seq in pending.values())
                after = low - 1
                # The slice of journals from this one on (by id): its page comes first and
                # takes the request's whole limit when the server holds that many records.
                request = sync_plan.sync_request(
                    {journal.journal_id: after}, min(PULL_PAGE, len(pending)), below, False
                )
                reply = await self.transport.call("/v1/sync", request, wire.SyncReply)
                reply = sync_plan.within_reply_bytes(request, reply)
                made += 1
                page = next((p for p in reply.pages if p.journal_id == journal.journal_id), None)
                if (
                    page is None
                    or not page.records
                    or not after < page.cursor <= page.head
                    or any(not after < r.seq <= page.cursor for r in page.records)
                ):
                    why.update(dict.fromkeys(pending, _WAIT_UNSERVED))
                    return resolved, why, made  # not served, or a page no honest server sends
                served = [r for r in page.records if pending.get(r.record_id) == (r.epoch, r.seq)]
                taken = replace(page, records=served, cursor=min(page.cursor, journal.cursor))
                if hold is not None and served:
                    payloads = await self._payload_bytes(journal, hold.within(taken))
                    taken = hold.cut(journal.cursor, taken, payloads)
                outcome: set[bytes] = set()
                if taken.records:
                    await self._apply_page(
                        journal, taken, report, set(), reopen=set(pending), resolved=outcome
                    )
                resolved |= outcome
                kept = {r.record_id for r in taken.records}
                for record_id, (_, seq) in list(pending.items()):
                    if seq > page.cursor:
                        continue
                    del pending[record_id]
                    if record_id in outcome:
                        continue
                    if record_id in kept:
                        why[record_id] = _WAIT_KEY  # refused again for want of its key
                    elif any(r.record_id == record_id for r in served):
                        why[record_id] = _WAIT_HELD  # cut at the bound on unverified owners
                    else:
                        why[record_id] = _WAIT_UNSERVED
                if len(taken.records) < len(served):
                    why.update(dict.fromkeys(pending, _WAIT_HELD))
                    return resolved, why, made
            why.update(dict.fromkeys(pending, _WAIT_LATER))
            return resolved, why, made
        finally:
            self._drop_openings()

    # --- peers ----------------------------------------------------------------------------------

    async def _load_peers(self) -> None:
        peers = {peer.account_id: peer for peer in await self.store.peers()}
        replaced = await self.store.replaced_verified()
        pins = await self.store.replaced_pins()
        if (peers, replaced, pins) != (self._peers, self._replaced, self._replaced_pins):
            self._peers, self._replaced, self._replaced_pins = peers, replaced, pins
            self._pins_changed()  # else what was worked out from them stands (issue 10)

    async def load_peers(self) -> None:
        """Read the pinned peers back, once (a client just opened): what names accounts apart
        (`label_digits`, `name_holders`) before a command's name is resolved."""
        if self._replaced_pins is None:
            await self._load_peers()

    def _without_waiting(
        self,
        reply: wire.JournalList,
        waiting: dict[bytes, TJError],
        known: dict[bytes, LocalJournal],
    ) -> wire.JournalList:
        """`reply` without the journals new to this device of the owners `waiting` (their
        identity could not be looked up in this refresh: `refresh_journals`), said once in
        the running sync's report (`SyncReport.incomplete`: the next sync goes on with
        them). Only new journals: one held here has its owner pinned (`known` is what the
        store holds), and none is taken for no longer served (`listed` is the whole list)."""
        held = [j for j in reply.journals if j.owner_id not in waiting or j.journal_id in known]
        left = len(reply.journals) - len(held)
        if not left:
            return reply
        if self._syncing is not None and self._syncing[0] is asyncio.current_task():
            why = next(iter(waiting.values()))
            shared = "1 journal" if left == 1 else f"{left} journals"
            owners = (
                "its owner"
                if left == 1
                else "their owner"
                if len(waiting) == 1
                else f"their {len(waiting)} owners"
            )
            self._syncing[1].incomplete.append(
                f"{shared} shared with you not fetched in this sync: the server did not "
                f"answer the lookup of {owners} ({why}); the next sync goes on with "
                f"{'it' if left == 1 else 'them'}"
            )
        return replace(reply, journals=held)

    async def look_up_id(self, account_id: bytes) -> wire.Identity:
        """The server's identity for `account_id` (/v1/account/identity-by-id), unverified.
        Inside a sync, its retries wait at most what is left of that sync's ID_LOOKUP_WAIT_S
        in all, with every other lookup by id of the sync; a wait past it is not made and the
        lookup is refused (RateLimited, or the NetworkError that asked for the wait). Raises
        NotFound (no such account), NetworkError, or the TJError the server's answer maps
        to."""
        budget = None
        if self._id_waits is not None and self._id_waits[0] is asyncio.current_task():
            budget = self._id_waits[1]
        return await self.transport.call(
            "/v1/account/identity-by-id",
            wire.AccountRequest(account_id),
            wire.Identity,
            budget=budget,
        )

    async def pin_on_first_use(self, account_id: bytes) -> Peer:
        """Pin a journal owner's (or member's) identity on first use; a changed key is
        refused."""
        pinned = await self.store.peer(account_id)
        if pinned is not None:
            return pinned
        identity = await self.look_up_id(account_id)
        if identity.account_id != account_id:
            raise IntegrityError("the server answered with another account's identity")
        peer = await self.pin(identity, verified=False, owner=True)
        await self.note_account_exists(account_id)
        return peer

    async def pin(
        self,
        identity: wire.Identity,
        verified: bool,
        replace_pin: bool = False,
        *,
        owner: bool = False,
    ) -> Peer:
        """Store a verified-signature identity as pinned; refuse one that differs from the pin
        of its account id, or that names a username pinned for another account id (a new
        account under a pinned name is a changed key), unless `replace_pin` (the user compared
        the new fingerprint in person: the other account's pin is then forgotten). An id with
        no pin whose pin (verified or not) such a replace forgot keeps its keys: other keys for
        it are a changed key too (REV-ERASED F1, REV-S8 S8-2). `owner`: the identity of the
        owner of a journal shared with this account (`pin_on_first_use`): a username pinned
        for another account is refused in `tj verify`'s words then (`name_taken_again`, NU46
        #7)."""
        keys.verify_identity(
            identity.account_id,
            identity.username,
            identity.sign_public_key,
            identity.box_public_key,
            identity.signature,
        )
        peer = Peer(
            identity.account_id,
            identity.username,
            identity.sign_public_key,
            identity.box_public_key,
            verified,
        )
        pinned = await self.store.peer(identity.account_id)
        if pinned is not None and not same_keys(pinned, peer) and not replace_pin:
            raise KeyChangedError(
                f"the identity keys of {identity.username} changed since they were pinned: "
                "compare fingerprints in person, then verify them again"
            )
        if pinned is None and not replace_pin:
            # An account whose verified pin a verify of another account under its username
            # replaced (NU43 #1) keeps the keys verified for it: a server cannot bring its id
            # back with keys of its own and extend what was verified (REV-ERASED F1).
            # Pinned on first use or verified, its keys stay the ones that id has here: a
            # server cannot swap in keys of its own that open the kept copy (REV-S8 S8-2).
            held = [
                v.peer
                for v in await self.store.peer_verifications(identity.account_id)
                if v.replaced_at
            ]
            if held and not any(same_key_pair(old, peer) for old in held):
                raise KeyChangedError(
                    f"the server gives the account this device pinned as {held[0].username} "
                    f"(a username another account took since) other identity keys, now named "
                    f"{identity.username!r}: refused, nothing of that account is trusted anew"
                )
            if any(old.verified and same_key_pair(old, peer) for old in held):
                peer = replace(peer, verified=True)  # the keys it verified: still verified
        others = await self.pinned_as(identity.username, identity.account_id)
        if others and not replace_pin:  # `owner`: of a journal shared with this account
            words = name_taken_again if owner else changed_account
            raise words(identity.username)
        if pinned is not None and pinned.verified and not verified:
            peer = replace(peer, verified=True)
        now = now_ms()
        async with self.store.transaction() as tx:
            for other in others:
                # Its keys are kept, and a verified one's holdings stay verified (NU43 #1,
                # REV-ERASED F1, REV-S8 S8-2).
                await tx.note_replaced(other, now)
                await tx.forget_peer(other.account_id)
            if verified:  # when, for a later verify that replaces them (NU43 #1)
                await tx.note_verified(peer, now)
            await tx.put_peer(peer)
        for other in others:
            self._peers.pop(other.account_id, None)
            if other.verified:
                self._replaced.add(other.account_id)
            if self._replaced_pins is not None:
                self._replaced_pins[other.account_id] = other.username
        self._peers[peer.account_id] = peer
        self._pins_changed()
        return peer

    async def pinned_as(self, username: str, account_id: bytes) -> list[Peer]:
        """Pins of `username` under another account id than `account_id`."""
        return [
            p
            for p in await self.store.peers()
            if p.username == username and p.account_id != account_id
        ]

    async def commit(
        self,
        journal: LocalJournal,
        document: Document,
        update: bytes,
        *,
        new: bool = False,
        journals_as_of: tuple[int, int] | None = None,
        also: Callable[[Transaction], Awaitable[None]] | None = None,
        before: Callable[[Transaction], Awaitable[None]] | None = None,
        copy: bool = False,
        created: dict[str, Any] | None = None,
    ) -> None:
        """Seal `update` as a record and store it with the new document state, atomically,
        with what `also` writes (not for a `new` document), once the document holds the
        merged state. `before` runs first in the same transaction, on the stored state
        as it was (a check that raises to write nothing: `apply_tags_again_after_sync`).

        `new`: the document was just created here (a fresh random id), so no stored state can
        need merging; it is stored in one hand-off to the store (`commit_new`, which takes
        `journals_as_of`), with the values this device gave it (`created`: settling.given_values),
        kept in its history.

        `copy`: the SDK's own sharing code writes a copy (or a brief) in a journal this
        account keeps for a member; without it, a document not stored yet in such a journal
        is refused (`check_not_copy`: InvalidInput, NU46 #4)."""
        if new:
            await self.commit_new(
                journal,
                [(document, update)],
                journals_as_of=journals_as_of,
                copy=copy,
                given={document.doc_id: created} if created else None,
            )
            return
        journal = await self.may_write(journal, document.kind, copy=copy)
        await self.load_access()
        if (
            not copy
            and self.is_disclosure(journal)
            and not await self.store.document(document.doc_id)
        ):
            await self.check_not_copy(journal)
        self.chains.current(journal.journal_id)  # refuse to seal for a rolled-back journal
        key = await self.journal_key(journal, journal.epoch)
        async with self.store.transaction() as tx:
            if before is not None:
                await before(tx)
            record_id = await self._seal_update(tx, journal, key, document, update)
            if removed(document):  # asked back as bytes once pushed (rev32a F3)
                await self._note_removal(tx, journal.journal_id, record_id)
            await tx.put_documents(await _merged(tx, journal, [document]), now_ms())
            await tx.set_creators({document.doc_id: self.profile.account_id})
            if also is not None:
                await also(tx)
        if self.on_change is not None:
            self.on_change(journal, [document], "local")

    async def _note_removal(self, tx: Transaction, journal_id: bytes, record_id: bytes) -> None:
        """Within `tx`: `record_id`, sealed here, left its document removed: a pull counts it
        as come back only from its bytes (sync.OWN_REMOVALS)."""
        await tx.note_own_removal(journal_id, record_id)  # one row (rev32c F4)

    async def _seal_update(
        self, tx: Transaction, journal: LocalJournal, key: bytes, document: Document, update: bytes
    ) -> bytes:
        """Seal `update` of `document` as this device's next record in `journal` (under
        `key`, of `journal.epoch`) into the outbox, within `tx`: its counter, seen vector and
        covers from what `tx` reads; returns its id. The document's new state is the caller's
        to store.
        Raises InvalidInput (`_check_size`) when the record is larger than the server takes:
        what `tx` wrote for it (the counter taken) is then the caller's to roll back."""
        record_id = crypto.random_bytes(wire.ID_BYTES)
        body, _ = await self._new_body(
            tx,
            journal,
            (document.doc_id, document.kind),
            records.UPDATE,
            update,
            compress=self.compresses(journal, document),
        )
        ciphertext = self._seal(journal, key, record_id, body)
        _check_size(ciphertext, body)
        await tx.add_outbox(
            journal.journal_id, record_id, journal.epoch, ciphertext, document.doc_id
        )
        await tx.mark_seen([self._seen(journal.journal_id, record_id, None, journal.epoch, body)])
        if body.covers:
            await tx.put_covers(journal.journal_id, record_id, counting.encode_covers(body.covers))
        return record_id

    async def commit_new(
        self,
        journal: LocalJournal,
        created: list[tuple[Document, bytes]],
        *,
        journals_as_of: tuple[int, int] | None = None,
        copy: bool = False,
        given: dict[bytes, dict[str, Any]] | None = None,
    ) -> list[bytes]:
        """Store documents just created here (fresh random ids: no stored state to merge),
        each with the record carrying its `update`, in one local transaction (all or none)
        and one hand-off to the store's thread; returns the record ids. The write path of
        `write` and of imports. Each `update` is its document's whole state (the change that
        created it, or `state()`): it is stored as the state, not encoded a second time.

        `journals_as_of`: `journal` comes from a journal list of that version not read again
        (`Store.cached_journals`); raises store.JournalsChanged, with nothing stored, when the
        journals changed since (checked inside the transaction), and instead of any refusal
        of `journal` before it (that list may hold a journal deleted since on this device:
        the caller reads the journals again and gets the refusal they give). `copy`: as `commit` (else
        a journal kept for a member is refused: `check_not_copy`). `given`: doc id -> the
        values this device gave it (settling.given_values), kept in its history on the
        document's row (store.CREATED_VALUES: no statement more)."""
        if not created:
            return []
        try:
            for document, _ in created:
                journal = await self.may_write(journal, document.kind, copy=copy)
            await self.load_access()
            if not copy:
                await self.check_not_copy(journal)
            self.chains.current(journal.journal_id)  # refuse to seal for a rolled-back journal
            key = await self.journal_key(journal, journal.epoch)
        except TJError:
            if journals_as_of is not None:  # from a list maybe stale: refused as it is now
                raise JournalsChanged(journal.journal_id) from None
            raise
        items = [
            (
                crypto.random_bytes(wire.ID_BYTES),
                StoredDocument(document.doc_id, journal.journal_id, document.kind, update),
                update,
                self.compresses(journal, document),
            )
            for document, update in created
        ]

        def store_all(db: sqlite3.Connection) -> None:  # in BEGIN...COMMIT
            # The records' counters are taken at once; the first record carries what was
            # withdrawn, and all state the same seen vector (nothing here changes it).
            first, withdrawn, counters = self.store.counting_state(
                db, journal.journal_id, len(items), journals_as_of=journals_as_of
            )
            new = []
            seen = self._new_seen_vector(journal, counters)  # the same for every record
            for offset, (record_id, stored, update, compress) in enumerate(items):
                body = self._body_with(
                    journal,
                    first + offset,
                    () if offset else withdrawn,
                    counters,
                    (stored.doc_id, stored.kind),
                    records.UPDATE,
                    update,
                    seen=seen,
                    compress=compress,
                )
                ciphertext = self._seal(journal, key, record_id, body)
                _check_size(ciphertext, body)
                new.append(
                    NewDocument(
                        stored,
                        record_id,
                        journal.epoch,
                        ciphertext,
                        self._seen(journal.journal_id, record_id, None, journal.epoch, body),
                        self.profile.account_id,
                        body.written_at,
                        counting.encode_covers(body.covers) if body.covers else None,
                        tuple((given or {}).get(stored.doc_id, {}).items()),
                    )
                )
            insert_new_documents(db, new)

        await self.store.write(store_all, sends=True)
        if self.on_change is not None:
            self.on_change(journal, [document for document, _ in created], "local")
        return [record_id for record_id, _, _, _ in items]

    async def check_commit(self, journal: LocalJournal, kind: str, *, copy: bool = False) -> None:
        """Raise what `commit` of a document of `kind` in `journal` would refuse before
        sealing anything (AccessError: `may_write`; RollbackError: the journal's chain on this
        device is rolled back or unverified), and nothing else: a command checks first and
        asks its user to confirm after (NU23 C8). `copy`: as `commit`'s."""
        writable = await self.may_write(journal, kind, copy=copy)
        await self.load_access()
        self.chains.current(writable.journal_id)

    async def may_write(
        self, journal: LocalJournal, kind: str, *, copy: bool = False
    ) -> LocalJournal:
        """`journal` if this account may write a document of `kind` in it. Otherwise, for a
        journal shared with this account, its role is read again from the verified access
        chain first (the owner may have raised it, e.g. read -> annotate, since this device
        last synced) and the journal as it is now is returned (with its new key epoch).
        Raises AccessError when the chain does not allow it either, or when the server
        cannot be reached to check (the message then says to sync). `copy`: the SDK's own
        sharing code writes a copy in a journal this account keeps for a member: a
        field-level copy (kind "mirror") follows its source whether or not this account
        archived it (archiving hides a journal from this account's lists; it never stops
        what a member reads of what is shared with them)."""
        if copy and journal.role == "owner" and is_archived(journal):
            await self.load_access()
            settings = self.disclosure_settings(journal)
            if settings is not None and settings.kind == "mirror":
                return journal
        try:
            check_may_write(journal, kind, self.profile.username, self.shown_name(journal))
            return journal
        except AccessError as refused:
            if journal.owner_id == self.profile.account_id:
                raise
            try:
                await self.refresh_journals()
            except NetworkError:
                raise AccessError(
                    f"{refused} (as of this device's last sync: sync when online to check "
                    "whether the owner changed it)",
                    subject="sync",
                ) from None
            fresh = {j.journal_id: j for j in await self.store.journals()}.get(
                journal.journal_id, journal
            )
            check_may_write(fresh, kind, self.profile.username, self.shown_name(fresh))
            return fresh

    async def _new_body(
        self,
        tx: Transaction,
        journal: LocalJournal,
        document: tuple[bytes, str],
        kind: str,
        payload: bytes,
        covers: tuple[counting.Cover, ...] = (),
        *,
        compress: bool = False,
    ) -> tuple[records.RecordBody, tuple[counting.Cover, ...]]:
        """A record body with this device's next counter in the journal, its seen vector,
        and covers for `covers` plus the counters this device withdrew since its last record
        (returned too: they are the new record's to carry now). `compress`: seal the payload
        compressed where that is shorter (`compressible`)."""
        counter = await tx.next_counter(journal.journal_id)
        withdrawn = await tx.take_withdrawn(journal.journal_id)
        counters = await tx.journal_counters(journal.journal_id)
        body = self._body_with(
            journal,
            counter,
            withdrawn,
            counters,
            document,
            kind,
            payload,
            covers,
            compress=compress,
        )
        return body, withdrawn

    def _body_with(
        self,
        journal: LocalJournal,
        counter: int,
        withdrawn: tuple[counting.Cover, ...],
        counters: dict[tuple[bytes, bytes], counting.DeviceCounters],
        document: tuple[bytes, str],
        kind: str,
        payload: bytes,
        covers: tuple[counting.Cover, ...] = (),
        seen: tuple[counting.Seen, ...] | None = None,
        *,
        compress: bool = False,
    ) -> records.RecordBody:
        """The body of this device's next record in `journal` about `document` (its id and
        kind), from the counting state read in the same transaction (pure: no I/O). `seen`:
        `_seen_vector(journal, counters)`, when the caller computed it already. `compress`:
        seal the payload compressed where that is shorter (`compressible`). Its covers are
        `withdrawn` (all of them: taken within the limits, `Store.take_withdrawn`) and as
        much of `covers` as fits within the limits readers take (`counting.bounded_covers`,
        protocol.md 4.15 "Within the limits"): what does not fit is left uncovered."""
        writer = (self.profile.account_id, self.profile.device_id)
        return records.RecordBody(
            author=self.profile.account_id,
            device=self.profile.device_id,
            counter=counter,
            doc_id=document[0],
            doc_kind=document[1],
            kind=kind,
            payload=payload,
            written_at=now_ms(),
            seen=self._seen_vector(journal, counters) if seen is None else seen,
            covers=counting.bounded_covers(covers, journal.owner_id, writer, keep=withdrawn),
            compress=compress,
        )

    def _seen_vector(
        self,
        journal: LocalJournal,
        counters: dict[tuple[bytes, bytes], counting.DeviceCounters],
    ) -> tuple[counting.Seen, ...]:
        """The seen vector of this device's next record in `journal` (pure: no I/O), each
        account's devices heard from most recently first when not all fit (their signed
        `written_at`: `JournalCounters.seen_vector`)."""
        known = counting.JournalCounters(journal.journal_id, counters)
        return known.seen_vector(self.profile.account_id, self.profile.device_id, journal.owner_id)

    def _new_seen_vector(
        self,
        journal: LocalJournal,
        counters: dict[tuple[bytes, bytes], counting.DeviceCounters],
    ) -> tuple[counting.Seen, ...]:
        """`_seen_vector(journal, counters)`, made again only when `counters` is not the
        object it was made from last for the journal (`_seen_vectors`): a write loop's
        records state the same seen vector until a record of another device comes in or a
        counter is withdrawn, and `Store.counting_state` hands back the counters it read
        then, unchanged, until its counting tables change (issue 10)."""
        made = self._seen_vectors.get(journal.journal_id)
        if made is not None and made[0] is counters and made[1] == journal.owner_id:
            return made[2]
        seen = self._seen_vector(journal, counters)
        self._seen_vectors[journal.journal_id] = (counters, journal.owner_id, seen)
        return seen

    def _seal(
        self, journal: LocalJournal, key: bytes, record_id: bytes, body: records.RecordBody
    ) -> bytes:
        return records.seal_record(
            key,
            journal.journal_id,
            record_id,
            journal.epoch,
            body,
            self.profile.secrets.signing_key,
        )

    @staticmethod
    def _seen(
        journal_id: bytes, record_id: bytes, seq: int | None, epoch: int, body: records.RecordBody
    ) -> SeenRecord:
        return SeenRecord(
            journal_id,
            record_id,
            seq,
            body.doc_id,
            body.author,
            body.device,
            body.counter,
            epoch,
            body.kind == records.SNAPSHOT,
        )

    # --- sync -------------------------------------------------------------------------------

    async def sync(
        self,
        progress: Progress | None = None,
        max_upload_wait: float = DEFAULT_WAIT_S,
        as_of: tuple[int, int] | None = None,
        notice: wire.LiveNotice | None = None,
    ) -> sync_plan.SyncReport:
        """Push the outbox, pull every journal until up to date, then compact long logs.
        The push waits for the server's write-rate limit at most `max_upload_wait` seconds
        in all (upload_limit.py); then it stops, and the pull goes on. `as_of`: the store's
        version the caller read just before (Store.version `since`), not read again.
        `notice`: the live notice that started this sync, with the records of the push
        that made it: when this device has nothing to send and the notice follows on from
        what it holds of that journal, those records are applied as that journal's page
        of a pull, with every check, and no /v1/sync request is made (`_take_notice`); the
        rest of the sync runs as after any pull, asking the server only for the work it
        finds (a rotation, a lookup, a push: protocol.md "GET /v1/live"); else the sync
        pulls as usual. Holds `sync_lock` throughout (a forget waits for it)."""
        async with self.sync_lock:
            try:
                return await self._sync(progress, max_upload_wait, as_of, notice)
            finally:
                self._syncing = self._id_waits = self._retry_due = None

    async def _sync(
        self,
        progress: Progress | None,
        max_upload_wait: float,
        as_of: tuple[int, int] | None,
        notice: wire.LiveNotice | None = None,
    ) -> sync_plan.SyncReport:
        report, self._reopened = self._reopened or sync_plan.SyncReport(), None
        self._unconfirmed = {}
        self._tried_again = {}
        self._conflicts, self._pull_wrote = {}, False
        self._waiting_told = {}
        self._still_waiting = {}
        self._noted_waits = set()
        self.synced_version = None
        # What the last sync knew of every journal: good for this sync only (a sync that
        # fails midway leaves none).
        pulled, self._pulled, self._pull_held = self._pulled, None, None
        # The store's version, read once: the reads of the pull and of the bookkeeping after
        # it are made as of it while this process changes nothing (Store.version `since`),
        # so a sync that finds nothing new runs one statement on the store (issue 10).
        start = await self.store.version(since=as_of)
        # A key page refused for a journal whose records wait for a key is asked again, at
        # most once a sync and less often while it stays refused (KEY_RETRY_BACKOFF): its
        # refusal is forgotten here once due, before the pull, and kept for the rest of it.
        # The waits are read back from the store (KEY_WAIT_BACKOFF), so that a process
        # started anew keeps them; nothing is read while no record waits.
        self._syncs += 1
        key_waits = _decode_key_waits(await self.store.setting(KEY_WAITS, as_of=start))
        # Records refused in this sync wait for the next: none to pull again without rows.
        self._retry_due = (asyncio.current_task(), report, start) if key_waits else None
        if key_waits:
            stored = self._backoff_stored = await self.store.setting(KEY_WAIT_BACKOFF, as_of=start)
            if stored is not None:
                kept = _decode_backoff(stored, self._syncs - 1)
                self._backoff.keys.update(kept.keys)
                self._backoff.pulls.update(kept.pulls)
                self._backoff.told.update(kept.told)
        resting: dict[bytes, list[tuple[int, int, int]]] = {}  # refused ranges not due yet
        for (journal_id, low), (high, _, due) in self._backoff.keys.items():
            if due > self._syncs and journal_id in key_waits:
                resting.setdefault(journal_id, []).append((low, high, due - self._syncs))
        for journal_id in key_waits:
            asked = [
                a
                for a in self._keys_asked.get(journal_id, [])
                if a[2] is None
                or self._backoff.keys.get((journal_id, a[0]), (0, 0, 0))[2] > self._syncs
            ]
            known = {a[0] for a in asked}
            asked += [
                (
                    low,
                    high,
                    f"the server's key envelopes of journal {journal_id.hex()} were refused "
                    f"in an earlier sync: asked again in {left} {'sync' if left == 1 else 'syncs'}",
                )
                for low, high, left in resting.get(journal_id, [])
                if low not in known
            ]
            if asked:
                self._keys_asked[journal_id] = asked
            else:
                self._keys_asked.pop(journal_id, None)
        if self.chains.loaded:  # chains another process of this profile stored meanwhile
            await self.chains.load_fresh(start)  # (REV-NEWS: not only before a push's check)
        # Nothing to send, and the store unchanged (by this process or another: Store.version)
        # since a sync that left nothing to send: the push side reads nothing (issue 10).
        quiet = (
            self._quiet_at is not None
            and self.chains.loaded
            and not self.chains.unsettled()  # a problem, or a rotation unseen (below)
            and start == self._quiet_at
        )
        # Counted only for a caller that follows the progress: a count scans the outbox's
        # rows, ciphertexts included (~18 ms with 10,000 records waiting, issue 10).
        tracker = sync_plan.ProgressTracker(
            progress,
            to_push=0 if quiet or progress is None else await self.store.outbox_size(),
        )
        waits = UploadWaits(max_upload_wait)
        self._syncing = (asyncio.current_task(), report, tracker)
        self._id_waits = (asyncio.current_task(), WaitBudget(ID_LOOKUP_WAIT_S, self.sleep))
        if not quiet:
            await self._load_peers()
            await self.load_access()
            await self.open_parked(report)  # from the store alone: before any request
            await self.create_pending_journals(report)  # journals created offline, first
            if self.chains.problems():
                await self.refresh_journals()  # has the server come back to the verified state?
                self._listed_for = report  # read for this sync: `_push` need not read it again
            elif await self._adoption_unconfirmed(start):
                await self.refresh_journals()  # does the list still name it "Personal"?
                self._listed_for = report
            elif self.chains.unsettled():
                # A removal or end whose rotation this device has not verified (withheld,
                # or not signed yet): the chain is read again at every sync, so that the one
                # in which the server serves the rotation counts the former member out and
                # pushes what waits for it, not a later journal list (fix30b 7).
                await self.refresh_journals()
                self._listed_for = report
        await self.rotate_expired()
        if not quiet:
            await self._send(report, tracker, waits)
        taken = (
            quiet
            and notice is not None
            and pulled is not None
            and pulled.version == start
            and await self._take_notice(report, notice, start, pulled.held)
        )
        if taken:
            held: frozenset[bytes] | None = pulled.held if pulled is not None else None
        else:
            await self._pull(report, tracker, pending=not quiet, as_of=start)
            held = self._pull_held
        await self.heal_names()
        await self._pull_again_due()  # unless the pull's withholding check ran it
        await self._report_name_problems(report)
        finished = await self._finish_shares(report, start)
        await self._end_withdrawn(report, start)
        # After the pull (where a new device verifies the chain) and the owed shares (whose
        # own rotation, when signed again, carries a key check already).
        upgraded = await self._rotate_unchecked(report)
        if await self._carry_late(report, start) or finished or upgraded:
            await self._push(report, tracker, waits)  # what a member would otherwise never get
        if await self._settle_conflicts() or self._pull_wrote:
            # What waited behind them (every later record of their journals, Pusher.deferred)
            # goes now: delivered or set aside, nothing holds it back any more. A conflict this
            # push meets again waits, with what follows it, for the next sync's pull. Changes
            # the pull wrote (`_restore_kept`, `_keep_one_twin`) go now too: the other
            # devices hold the values deleted, or the words twice, until they get them.
            await self._push(report, tracker, waits)
            voids = await self._void_withdrawn(report)  # counters set aside: as `_send` does
            if voids:
                await self._push_voids(voids, report, tracker, waits)
        if report.upload_limit is None:  # a snapshot is a write too: not while limited
            await self._compact(report)
        else:
            waiting = await self.store.outbox_size()
            report.upload_limit = replace(report.upload_limit, waiting=waiting)
        problems = self.chains.problems()
        refused = self._refused_shares(problems) if problems and self._unpinned else {}
        report.refused_shares = sorted(refused.values(), key=lambda r: r.line())
        report.rollbacks = sorted(
            text
            for j, text in problems.items()
            if not self.chains.needs_update(j) and j not in refused
        )
        report.update_needed = sorted(
            text for j, text in problems.items() if self.chains.needs_update(j)
        )
        if report.set_aside or report.arrivals:  # else nothing set aside can have become moot
            await self._drop_moot_withdrawals(report)
        await self._note_quiet(quiet, start)
        if held is not None and not report.incomplete and self._quiet_at is not None:
            self._pulled = _Pulled(self._quiet_at, held)
        report.notice_only = taken
        return report

    def _refused_shares(self, problems: dict[bytes, str]) -> dict[bytes, sync_plan.RefusedShare]:
        """Journal id -> its line in `SyncReport.refused_shares`, for the journals with a
        problem that another account shares with this one and whose owner's identity this
        device refused (`_unpinned`): said as such, with the owner's name and what to do,
        not as a rollback of a journal of this account's (NU43 #9)."""
        found = {}
        for journal_id, (owner_id, owner_name) in self._shared_by.items():
            state = self.chains.state(journal_id)
            if state is not None:  # a verified chain names the owner: never the server's list
                owner_id = state.owner_id
            why = self._unpinned.get(owner_id)
            if journal_id not in problems or why is None:
                continue
            found[journal_id] = sync_plan.RefusedShare(owner_name or "its owner", journal_id, why)
        return found

    async def _send(
        self,
        report: sync_plan.SyncReport,
        tracker: sync_plan.ProgressTracker,
        waits: UploadWaits,
    ) -> None:
        """The push side of a sync: the outbox, then void records for withdrawn counters.
        A journal the server refuses as sealed under an old epoch (`stale_epoch`) never stops
        the push of the others: its records stay in the outbox, and once the rest is pushed
        this device learns the chain, seals them again and pushes once more; records still
        refused then (or held: the chain has a problem) stay, reported, for a later sync.
        A safety flag or a result the server refused for good before is sent again first
        (sync.TRIED_AGAIN, REV-CARE F1)."""
        again: set[bytes] = set()
        if await self.store.set_aside_any():  # one row looked at; usually none
            async with self.store.transaction() as tx:
                again = await tx.restore_tried_again()
        try:
            await self._send_outbox(report, tracker, waits)
        finally:  # results refused again were told at the sync that first set them aside
            report.set_aside[:] = [
                replace(s, refused_before=True) if bytes.fromhex(s.record_id) in again else s
                for s in report.set_aside
            ]

    async def _send_outbox(
        self,
        report: sync_plan.SyncReport,
        tracker: sync_plan.ProgressTracker,
        waits: UploadWaits,
    ) -> None:
        """`_send` once the changes set aside that are sent again are back in the outbox."""
        stale = await self._push(report, tracker, waits)
        if stale:
            # Another device changed the chain (a share, a revocation): learn it, and what
            # was written since (an entry trashed before the share), then seal again.
            await self.refresh_journals()
            await self._pull(report, tracker, check=False)
            await self._reseal_outbox(report)
            stale = await self._push(report, tracker, waits)
            report.problems.extend(
                f"journal {quoted_name(name)}: changes kept on this device, not pushed: the server "
                "still asks for a newer key epoch than this device could seal them under "
                "(they are sealed again and sent at a later sync)"
                for name in await self._journal_labels(stale)
            )
        voids = await self._void_withdrawn(report)
        if voids:
            await self._push_voids(voids, report, tracker, waits)

    async def _drop_moot_withdrawals(self, report: sync_plan.SyncReport) -> None:
        """Forget the set-aside withdrawals that have nothing left to withdraw (the journal's
        owner marked the note deleted since: pushing.moot_withdrawals), and leave them out of
        this sync's report: a refusal that no longer matters is no change "not delivered"."""
        moot = await moot_withdrawals(self.store, self.profile.account_id)
        if not moot:
            return
        async with self.store.transaction() as tx:
            await tx.drop_set_aside(sorted(moot))
        report.set_aside = [r for r in report.set_aside if bytes.fromhex(r.record_id) not in moot]

    async def _take_notice(
        self,
        report: sync_plan.SyncReport,
        notice: wire.LiveNotice,
        as_of: tuple[int, int],
        held: frozenset[bytes],
    ) -> bool:
        """Apply the records a live notice carries as the page of a pull of its journal
        (`_apply_page`: AEAD, signatures, the author's right, counters), then end as a pull
        that served that journal alone would, without /v1/sync: the withholding check
        (`_check_withheld`) with `held` (the journals the last pull held back, `_Pulled`)
        deferred, and the journals held back reported (`_report_held`).
        The caller takes a notice only while the store is as the last sync left it and that
        sync left nothing incomplete (`_Pulled`): every other journal is then as that sync
        checked and reported it. Returns False, having done nothing, unless the notice is a
        "journal" notice within the protocol's bounds (at most wire.MAX_LIVE_RECORDS records
        and wire.LIVE_RECORD_BYTES bytes of ciphertext in all: a server that sends more is
        not followed past them, the device pulls) and follows on from what this device
        holds: a journal this account owns (protocol.md:
        records go to the owner's devices alone), held, without an access-chain problem,
        whose `meta_version` is the notice's (else the journal list may have changed: a pull
        refreshes it first), whose cursor is the notice's `after`, and the records' seqs
        contiguous, past `after`, the last one `head` (one push's records: seqs are the
        server's across journals, so the first need not be `after`+1), under epochs the
        verified chain already holds. A server that lies in a notice can do no more than in
        a /v1/sync page: its records are checked the same way, and the cursor moves to the
        head, as a page's does. Other journals wait for their own notice, the next sync, or
        the catch-up after a reconnection."""
        on_device = await self.store.journals(as_of=as_of)
        journal = next((j for j in on_device if j.journal_id == notice.journal_id), None)
        state = self.chains.state(notice.journal_id)
        seqs = [record.seq for record in notice.records]
        if (
            notice.kind != wire.LIVE_JOURNAL
            # the protocol's bounds on what a notice carries: past them it is no hint
            or len(notice.records) > wire.MAX_LIVE_RECORDS
            or sum(len(record.ciphertext) for record in notice.records) > wire.LIVE_RECORD_BYTES
            or journal is None
            or journal.role != "owner"
            or journal.owner_id != self.profile.account_id
            or state is None
            or self.chains.problem(journal.journal_id) is not None
            or not self.owner_verified(journal)
            or journal.journal_id in held
            or journal.meta_version != notice.meta_version
            or journal.cursor != notice.after
            or not seqs
            or seqs[0] <= notice.after
            or seqs[-1] != notice.head
            or seqs != list(range(seqs[0], seqs[0] + len(seqs)))
            or any(record.epoch > state.epoch for record in notice.records)
        ):
            return False
        page = wire.JournalPage(
            notice.journal_id, notice.records, notice.head, notice.head, notice.meta_version
        )
        await self._load_own_before(as_of)  # as a pull reads it
        await self._apply_page(journal, page, report, set())
        stored = await self.store.setting(hold_back.SETTING, as_of=as_of)
        announced = hold_back.decode(stored).announced
        deferred = hold_back.deferred(announced, held)
        await self._check_withheld(report, as_of=as_of, deferred=deferred)
        self._report_held(report, on_device, announced)
        return True

    async def _note_quiet(self, was_quiet: bool, start: tuple[int, int]) -> None:
        """Remember the store's version if this sync left nothing to send (see `sync`);
        `start`: the version the sync read first."""
        version = self.synced_version = await self.store.version(since=start)
        if was_quiet and version == self._quiet_at:
            return  # nothing written: still quiet
        self._quiet_at = None
        if self.chains.problems():
            return
        # The version is read before what waits: a commit in between moves the version
        # past the one kept, and the next sync is not quiet.
        version, waiting = await self.store.waiting(as_of=version)
        if not waiting:
            self._quiet_at = version

    async def _push_voids(
        self,
        voids: int,
        report: sync_plan.SyncReport,
        tracker: sync_plan.ProgressTracker,
        waits: UploadWaits,
    ) -> None:
        """Push the void records just written. `pushed` counts changes, not this bookkeeping;
        a void the server refuses too (over quota, say) is dropped, not shown as a change set
        aside: its counter is withdrawn again and the next sync says so."""
        pushed, aside = report.pushed, len(report.set_aside)
        await self._push(report, tracker, waits)
        refused = [r for r in report.set_aside[aside:] if r.doc_id is None]  # voids only
        async with self.store.transaction() as tx:
            await tx.discard_set_aside([bytes.fromhex(r.record_id) for r in refused])
        report.set_aside = report.set_aside[:aside] + [
            r for r in report.set_aside[aside:] if r.doc_id is not None
        ]
        report.pushed = pushed + max(report.pushed - pushed - (voids - len(refused)), 0)

    async def _void_withdrawn(self, report: sync_plan.SyncReport) -> int:
        """Counters of this device that will never reach the server (records set aside, a
        cancelled compaction) would look withheld to other devices until its next record in
        that journal says otherwise: say it now, with a `void` record (protocol.md 4.18).
        Not in a journal that refused this account's records altogether (it would refuse
        that too, and nobody there can see the gap). Returns how many were written."""
        refused = {
            bytes.fromhex(r.journal_id)
            for r in report.set_aside
            if r.code in sync_plan.REFUSED_JOURNAL_CODES
        } | set(await self.store.refused_journals())  # not on the server: nobody sees a gap
        journals = {j.journal_id: j for j in await self.store.journals()}
        wrote = 0
        for journal_id in await self.store.withdrawn_journals():
            journal = journals.get(journal_id)
            if (
                journal is None
                or journal_id in refused
                or journal.role not in ("owner", "annotate")
            ):
                continue
            key = await self.journal_key(journal, journal.epoch)
            record_id = crypto.random_bytes(wire.ID_BYTES)
            async with self.store.transaction() as tx:
                body, _ = await self._new_body(
                    tx, journal, (records.NO_DOCUMENT, ""), records.VOID, b""
                )
                ciphertext = self._seal(journal, key, record_id, body)
                await tx.add_outbox(journal_id, record_id, journal.epoch, ciphertext, None)
                await tx.mark_seen(
                    [
                        SeenRecord(
                            journal_id,
                            record_id,
                            None,
                            None,
                            body.author,
                            body.device,
                            body.counter,
                        )
                    ]
                )
                await tx.put_covers(journal_id, record_id, counting.encode_covers(body.covers))
            wrote += 1
        return wrote

    async def _push(
        self,
        report: sync_plan.SyncReport,
        tracker: sync_plan.ProgressTracker,
        waits: UploadWaits,
        release: bool = True,
    ) -> set[bytes]:
        """Push the outbox; records the server refuses for good are set aside (pushing.py);
        a push the server's write-rate limit stopped (`report.upload_limit`) is not tried
        again in the same sync.

        First the key of every owned journal with an ended member is rotated (by the signed
        end date and this device's clock), and a record is pushed only under the current
        epoch of its journal's verified chain, whose key no ended or removed member holds:
        otherwise it stays in the outbox (sealed again first, or reported when that cannot
        happen), whatever the server would accept.

        Before the first push of a sync (or of `push_outbox`) that has something to send,
        the journal list and changed chains are read (`refresh_journals`): a removal or an
        end another device signed meanwhile is seen before a record sealed under the key
        the removed account holds is handed to the server, which could keep it even while
        refusing it (rev30a F2). A sync with nothing to send asks nothing more. Records held
        as sealed under an older epoch are sealed again, once the journals are pulled (what
        was written since the epoch moved: as after a `stale_epoch` refusal).

        Returns the journals the server refused as sealed under an old key epoch
        (`stale_epoch`): their records are still in the outbox, not pushed again under that
        epoch (`_stale_epochs`)."""
        waiting = not await self.store.outbox_empty()
        if waiting:  # every process's holds (rev31c F6), as they stand now
            self._stale_epochs = await self.store.stale_holds()
        if self._listed_for is not report and waiting:
            await self.refresh_journals()
            self._listed_for = report
        if release and self._listed_for is report:
            await self._release_stale(report)
        await self.rotate_expired()
        stale: set[bytes] = set()
        for attempt in range(2):
            if report.upload_limit is not None:
                return stale
            journals = await self.store.journals()
            names = {j.journal_id: self.shown_name(j) for j in journals}
            # Nothing more goes into a journal whose share with this account reached its
            # signed end date, whatever the server would accept: set aside as an honest
            # server refuses it (`forbidden`).
            refused = {
                j.journal_id: ("forbidden", sync_plan.REASONS["forbidden"])
                for j in journals
                if self.share_lapsed(j, now_ms())
            }
            refused.update(await self.store.refused_journals())
            unsafe, prepare = self._push_checks()
            pusher = Pusher(
                self.store,
                self.transport,
                names,
                report,
                tracker,
                unsafe,
                waits,
                self.sleep,
                refused,
                defer_conflicts=True,
                prepare=prepare,
            )
            await pusher.push()  # a safety flag's `left` noted with its acknowledgement
            stale = pusher.stale
            for journal_id, epoch in pusher.stale_epochs.items():  # held in the store too
                newest = max(epoch, self._stale_epochs.get(journal_id, -1))
                self._stale_epochs[journal_id] = newest
                self._refused_again(report, journal_id)
            self._conflicts.update({r.record_id: (r, pusher) for r in pusher.conflicts})
            if attempt == 0 and OLD_EPOCH in pusher.held.values():
                # The epoch moved (a share, a removal): what was written since is pulled
                # first, as after a `stale_epoch` refusal (`_send_outbox`), so a snapshot
                # sealed again for a new member carries no entry trashed meanwhile.
                await self._pull(report, tracker, check=False)
                await self._reseal_outbox(report)
                continue
            for journal_id, reason in pusher.held.items():
                if reason == STALE_HELD:  # a safety flag among them is named (rev30c F7)
                    report.held_stale.add(journal_id)
                    released = self._released
                    if released is not None and released[0] is report and journal_id in released[2]:
                        reason = STALE_REFUSED_AGAIN
                line = (
                    f"journal {quoted_name(names.get(journal_id, journal_id.hex()))}: changes kept on "
                    f"this device, not pushed: {reason}"
                )
                if line not in report.problems:  # once, when a sync pushes again
                    report.problems.append(line)
            return stale
        return stale

    async def _release_stale(self, report: sync_plan.SyncReport) -> None:
        """After a read of the journal list and chains for the sync of `report` (its first
        push; never a `push_outbox` outside a sync, nor a later push of the same sync: the
        sync refused says "not sent again in this sync", rev30c F3): a journal whose push
        the server refused as `stale_epoch` at an earlier sync, and whose verified chain
        still has no epoch newer than the one refused, is held no more (rev30b F6): the
        records refused go again as they are (the server already had those bytes: nothing
        new to it), and so does what was sealed since under the same epoch, said once in
        `report.problems` (STALE_RELEASED; replaced by STALE_REFUSED_AGAIN when the server
        refuses them again in that sync, `_refused_again`). A newer epoch verified keeps the
        hold, moot: its records are sealed again under it (OLD_EPOCH). One with nothing
        waiting is held no more, unsaid. The holds are the store's, every process's of the
        device (`Store.stale_holds`): one is released by the sync that ends it in the store
        (`Store.release_stale`), once; another process's sync that released it first says
        so, not this one (rev31c F6)."""
        if self._released is not None and self._released[0] is report:
            return
        self._released = (report, {}, set())
        self._stale_epochs = await self.store.stale_holds()
        if not self._stale_epochs:
            return
        waiting = await self.store.outbox_journals()
        raced = False
        for journal_id, refused in list(self._stale_epochs.items()):
            state = self.chains.state(journal_id)
            if state is None or self.chains.problem(journal_id) is not None:
                continue
            if state.epoch > refused:
                continue
            if not await self.store.release_stale(journal_id, refused):
                raced = True  # released by another process meanwhile, or held anew
                continue
            del self._stale_epochs[journal_id]
            if journal_id not in waiting:
                continue
            (name,) = await self._journal_labels({journal_id})
            line = self._released[1][journal_id] = f"journal {quoted_name(name)}: {STALE_RELEASED}"
            report.problems.append(line)
        if raced:
            self._stale_epochs = await self.store.stale_holds()

    def _refused_again(self, report: sync_plan.SyncReport, journal_id: bytes) -> None:
        """The server refused a push of `journal_id` as `stale_epoch` in the sync of
        `report`: when that sync had released its hold (`_release_stale`), its STALE_RELEASED
        line goes, and its records held are told as refused again (STALE_REFUSED_AGAIN),
        one line, never "sent again" and "kept" both (rev30c F7)."""
        released = self._released
        if released is None or released[0] is not report or journal_id not in released[1]:
            return
        released[2].add(journal_id)
        if released[1][journal_id] in report.problems:
            report.problems.remove(released[1][journal_id])

    async def _journal_labels(self, journal_ids: set[bytes]) -> list[str]:
        """How each of `journal_ids` is named to this account (`shown_name`), sorted."""
        names = {j.journal_id: self.shown_name(j) for j in await self.store.journals()}
        return sorted(names.get(j, j.hex()) for j in journal_ids)

    def _push_checks(
        self,
    ) -> tuple[Callable[[list[OutboxRecord]], str | None], Callable[[], Awaitable[None]]]:
        """One push's `unsafe` (why a record of a batch must stay in the outbox, if one must:
        the first such record's reason, a private note in a shared journal, PRIVATE_HELD,
        then `unsafe_epoch`) and the `prepare` that reads what it needs once something waits
        to be pushed. `unsafe_epoch` is asked once per journal and epoch of the batch, at one
        moment, the batch's check (issue 10: once per record cost ~16 k instructions a record
        pushed; its records all leave in one request after it)."""
        notes: set[bytes] = set()

        async def prepare() -> None:
            notes.update(await self._private_notes_in_shared_journals())

        def unsafe(batch: list[OutboxRecord]) -> str | None:
            now = now_ms()
            asked: dict[tuple[bytes, int], str | None] = {}
            for record in batch:
                if record.doc_id in notes:
                    return PRIVATE_HELD
                key = (record.journal_id, record.epoch)
                if key not in asked:
                    asked[key] = self.unsafe_epoch(record.journal_id, record.epoch, now)
                if asked[key] is not None:
                    return asked[key]
            return None

        return unsafe, prepare

    async def _private_notes_in_shared_journals(self) -> set[bytes]:
        """The private notes (document ids) with a change waiting in the outbox of a journal
        this account owns whose verified chain, read fresh (`fresh_access`), lists any member,
        past their end date or not: never pushed (PRIVATE_HELD). A note is refused when
        written into such a journal (private_notes.py); this keeps one written before the
        journal was shared, on this device or by another process (REV-SHARES F1, F2)."""
        await self.fresh_access()
        me = self.profile.account_id
        shared = [
            journal_id
            for journal_id, state in self.chains.states().items()
            if state.owner_id == me and state.members
        ]
        if not shared:
            return set()
        return await self.store.outbox_documents(shared, PRIVATE_NOTE)

    def unsafe_epoch(self, journal_id: bytes, epoch: int, now: int) -> str | None:
        """Why this device must not hand the server a record sealed under `epoch` now, if it
        must not: an epoch older than the verified chain's (OLD_EPOCH, any journal), or, in
        an owned journal, one whose key a member whose signed end date passed holds. On a
        member's device, a record sealed under the current epoch while an account whose
        share was removed or ended holds its key (`former_holders`: the owner's rotation not
        seen yet) is held too (MEMBER_FORMER_HOLDER_HELD, rev29d F3), and so is one sealed
        under the current epoch while a co-member whose signed end date passed by `now`
        holds its key (MEMBER_END_DATE_HELD, rev30a F1: the owner's device ends the share
        and rotates at its next sync). A record sealed under an epoch the server refused as
        `stale_epoch` (by any process of this device: the store's holds as last read,
        `_stale_epochs`) is not handed over again (STALE_HELD, rev30a F3) until a sync
        releases it (`_release_stale`) or it is sealed again under a newer epoch of a
        verified chain. And any
        record, of any journal, while its access chain has a problem (an entry of a newer
        chain version: "update the app"; a rollback, a fork, tampering): this device cannot
        know the journal's current epoch and members, so nothing of it is sent, not even
        records sealed before the problem was found (R30 F1, F2). They stay in the outbox
        and go once the problem is resolved (sealed again first if the epoch moved)."""
        problem = self.chains.problem(journal_id)
        if self.chains.needs_update(journal_id):
            return f"{UPDATE_HELD} ({problem})"
        state = self.chains.state(journal_id)
        owned = state is not None and state.owner_id == self.profile.account_id
        if state is not None and problem is None and epoch < state.epoch:
            # sealed again first (`_reseal_outbox`); on a member's device too: the key of an
            # older epoch is held by whoever the rotation that ended it removed (rev29d F3)
            return OLD_EPOCH
        if state is not None and owned:
            holders = state.sealed_to.get(epoch, frozenset())
            if any(m.handle in holders and m.ended(now) for m in state.members.values()):
                return (
                    "they are sealed with a key that a member whose share ended holds, and the "
                    "key could not be rotated" + (f" ({problem})" if problem else "")
                )
            if epoch == state.epoch and state.former_holders():  # rev29c F1
                return FORMER_HOLDER_HELD + (f" ({problem})" if problem else "")
        if state is not None and not owned and epoch == state.epoch:
            # A member's device cannot rotate: it waits for the owner's rotation, which an
            # honest server serves with the removal (and refuses this push as stale); one
            # withheld must not let what it sends reach the removed account (rev29d F3).
            # The same for a co-member whose signed end date passed: the owner's device ends
            # their share with a new key when it next syncs (rev30a F1).
            said = f" ({problem})" if problem else ""
            if state.former_holders():
                return MEMBER_FORMER_HOLDER_HELD + said
            holders, mine = state.sealed_to.get(epoch, frozenset()), self.profile.account_id
            for member in state.members.values():
                if member.ended(now) and member.handle in holders and member.account_id != mine:
                    return MEMBER_END_DATE_HELD + said
        if problem is not None:
            return f"{PROBLEM_HELD} ({problem})"
        if epoch <= self._stale_epochs.get(journal_id, -1):  # rev30a F3: no second copy
            return STALE_HELD
        return None

    async def _pull(
        self,
        report: sync_plan.SyncReport,
        tracker: sync_plan.ProgressTracker,
        check: bool = True,
        pending: bool = True,
        as_of: tuple[int, int] | None = None,
    ) -> None:
        """Pull pages until the server says done, or stop (and report it) once it answered
        `STALLED_ROUNDS` times in a row without a record (a cursor moved by an empty page is
        no progress), or once the pull took every reply its first reply justifies
        (`sync.PullBudget`, `PULL_MARGIN`): a server that keeps saying "not done" must not
        keep a device syncing forever. `check`: look for withheld records once done (the
        last pull of a sync does). `pending=False`: no journal waits to be created (a quiet
        store, see `sync`), not read again. `as_of`: the store's version the sync read at
        its start (Store.version `since`).

        While a page of records is verified and stored, the request that follows it is
        already on its way (`_Ahead`): its reply is used only if the pull then asks exactly
        that, and goes through every check as any other.

        The bound on unverified owners' journals (hold_back.py): the journals this device
        holds back are read from the store before, reported (every sync, whatever the
        server's pages say) and merged after with what the store holds then (another
        client of this profile may have pulled meanwhile: `HoldBack.merge`).

        A quiet pull as of the store version of the last pull that found nothing asks what
        that pull asked: a reply equal to that one's ends it there (`_CleanPull`); any other
        reply, or an error, is the first of an ordinary pull (`_Ahead.ready`: one request)."""
        clean, self._clean_pull = self._clean_pull, None
        ahead = _Ahead()
        if check and not pending and clean is not None and clean.applies(as_of, self):
            try:  # sent as encoded then; the same bytes back are that reply (`Known`)
                reply = await self.transport.call(
                    "/v1/sync", clean.request, wire.SyncReply, known=clean.known
                )
            except TJError as error:
                ahead.ready(clean.request, error)  # the pull below meets it, as it would
            else:
                if reply == clean.reply:
                    self._clean_pull, self._pull_held = clean, frozenset()
                    tracker.pulled(reply.pages, clean.cursors)
                    return
                ahead.ready(clean.request, reply)  # the pull below takes it: one request
        stored = await self.store.setting(hold_back.SETTING, as_of=as_of)
        hold = hold_back.decode(stored)
        exchanges: list[tuple[wire.SyncRequest, wire.SyncReply]] = []
        # Compared below only by a pull that may be remembered clean (`_CleanPull`): not
        # computed for the others (a pull after a push: ~100 fields read for nothing).
        remembered = check and not pending and as_of is not None
        footprint = report.footprint() if remembered else None
        try:
            await self._pull_pages(report, tracker, hold, check, pending, ahead, as_of, exchanges)
            if self._whole_echoes.snapshots:  # listed until their bytes came back
                await self._own_back(sync_plan.OWN_SNAPSHOTS, self._whole_echoes.snapshots)
            if self._whole_echoes.removals:
                await self._own_back(sync_plan.OWN_REMOVALS, self._whole_echoes.removals)
            if check:
                self._pull_held = frozenset(hold.held)  # counted as not finished by the check
        finally:
            ahead.drop()
            self._drop_openings()
            # Revoked ones too (their copies stay); as of the sync's start while the pull
            # wrote nothing (no statement then).
            on_device = await self.store.journals(as_of=as_of)
            verified = {j.journal_id for j in on_device if self.owner_verified(j)}

            def merge(value: Any, cursors: dict[bytes, int]) -> Any:
                merged = hold.merge(value, cursors, verified)
                empty = value is None and merged == hold_back.encode(hold_back.HoldBack({}))
                return None if empty else merged

            # Nothing to write when the pull changed nothing of what it read (no statement:
            # a sync with nothing to do reads as of its start); else merged with what another
            # client of this profile stored meanwhile, in the transaction that writes it
            # (R18 finding 1). Nothing stored and nothing held back, announced nor counted
            # (a device that reads only verified owners' journals): the merge is nothing too,
            # not encoded to be compared (issue 10).
            if stored is None and hold.empty:
                mine, announced = None, {}
            else:
                mine = merge(stored, {j.journal_id: j.cursor for j in on_device})
                announced = hold_back.decode(mine).announced
            if mine != stored:
                written = await self.store.merge_setting(hold_back.SETTING, merge)
                if written is not None:
                    self.settings_written(*written)
            self._report_held(report, on_device, announced)
        # One request, one reply with nothing new in it, nothing held back, nothing reported
        # and nothing written: as of this store version, that reply finds nothing again.
        if (
            remembered
            and len(exchanges) == 1
            and not self._pull_held
            and report.footprint() == footprint
            and await self.store.version(since=as_of) == as_of
        ):
            [(request, reply)] = exchanges
            if reply.done and not any(page.records for page in reply.pages):
                self._clean_pull = _CleanPull(as_of, self._stubs_refused, request, reply)

    async def _own_back(self, setting: str, listed: dict[bytes, dict[bytes, int]]) -> None:
        """`setting` (sync.OWN_SNAPSHOTS or OWN_REMOVALS, read as `listed` at the pull's
        start) without the records whose bytes this pull served back with the hash
        acknowledged (`WholeEchoes.back`) and those no longer to come back (set aside,
        forgotten: compacted by a later snapshot of this device, or named in the signed
        covers of a verified record another device compacted them into:
        `Store.own_records_covered`); those added meanwhile stay. A record the pull only
        passed stays listed (rev32c F1: a stub of it never counts)."""
        gone: set[tuple[bytes, bytes]] = set()
        back = self._whole_echoes.back
        owners = {j.journal_id: j.owner_id for j in await self.store.journals()}
        for journal_id, records_ in listed.items():
            due = await self.store.own_records_due(journal_id, list(records_))
            gone.update((journal_id, r) for r in records_ if r not in due)
            # Superseded by a snapshot another device compacted them into, on its signed
            # covers (an honest server deletes them: their bytes never come back; rev32d F3).
            rest = [r for r in due if (journal_id, r) not in back]
            if rest and journal_id in owners:
                covered = await self.store.own_records_covered(journal_id, owners[journal_id], rest)
                gone.update((journal_id, r) for r in covered)
        if not gone and not back & {(j, r) for j, records_ in listed.items() for r in records_}:
            if set(listed) <= owners.keys():
                return  # nothing to drop: no write

        if setting == sync_plan.OWN_REMOVALS:  # a table of rows (rev32c F4)
            listed_pairs = {(j, r) for j, records_ in listed.items() for r in records_}
            await self.store.forget_own_removals((back | gone) & listed_pairs, owners.keys())
            return

        def merge(value: Any, cursors: dict[bytes, int]) -> Any:
            return sync_plan.own_snapshots_not_back(value, cursors, back, gone)

        written = await self.store.merge_setting(setting, merge)
        if written is not None:
            self.settings_written(*written)

    async def _pull_pages(
        self,
        report: sync_plan.SyncReport,
        tracker: sync_plan.ProgressTracker,
        hold: hold_back.HoldBack,
        check: bool,
        pending: bool,
        ahead: _Ahead,
        as_of: tuple[int, int] | None,
        exchanges: list[tuple[wire.SyncRequest, wire.SyncReply]],
    ) -> None:
        """`exchanges`: every request this pull made and its reply, in order (a request
        refused and made again, or a journal list read again, counts as two)."""
        stall = sync_plan.StallGuard(STALLED_ROUNDS)
        budget = sync_plan.PullBudget(PULL_MARGIN)
        counted: set[bytes] = set()  # records that were progress in this pull (_apply_page)
        junk: set[bytes] = set()  # journals a reply of this pull sent only refused records
        refused = False
        after_journal = b""  # the server answers SYNC_JOURNALS journals at a time, by id
        skipped: set[bytes] = set()  # journals an earlier slice should have served and did not
        listed_all = False
        slices = 0  # slices of journals moved on to in this pull
        unsent = (
            {journal_id for journal_id, _ in await self.store.pending_journals()}
            if pending
            else set()
        )
        # Journals with records waiting to be acknowledged (read once: this pull only removes
        # some, `_own_stored_unacknowledged`): never asked with `skip_own`. A quiet sync
        # (not `pending`) has none.
        waiting = await self.store.outbox_journals() if pending else set()
        # Own records that come back only as their bytes (rev32a F2, F3): the journals of kept
        # safety flags are never asked with `skip_own` either. Kept flags are read after a
        # push (a quiet sync follows a pull that passed them).
        kept = await self.store.kept_flags() if pending else []
        self._whole_echoes = sync_plan.WholeEchoes(
            {},
            sync_plan.decode_own_snapshots(
                await self.store.setting(sync_plan.OWN_SNAPSHOTS, as_of=as_of)
            ),
            await self.store.own_removals(as_of=as_of),
        )
        for flag in kept:
            self._whole_echoes.flags.setdefault(flag.journal_id, set()).add(flag.record_id)
        waiting |= self._whole_echoes.asked_whole()
        # Journals of unverified owners: one budget for all (`hold`), and those held back at
        # it (`held`: not asked for again in this pull).
        held = hold.held
        first_heads: dict[bytes, int] = {}  # each journal's head in its first page of this pull
        advanced = False  # whether the last reply was progress
        while True:
            on_device = await self.store.journals(as_of=as_of)
            journals = {  # not those the server does not hold yet (a creation set aside)
                j.journal_id: j
                for j in on_device
                if j.role != REVOKED and j.journal_id not in unsent
            }
            for local in on_device:  # the copy kept of an ended share counts too
                if local.role == REVOKED and local.journal_id not in hold.counted:
                    if not self.owner_verified(local):
                        # Its documents no longer change: read them only if never counted.
                        seen = local.journal_id in hold.downloaded
                        stored = (
                            0
                            if seen
                            else await self.store.journal_bytes(local.journal_id, as_of=as_of)
                        )
                        hold.count(local.journal_id, stored)
            unverified = set()
            for journal_id, local in journals.items():
                if self.owner_verified(local):
                    held.discard(journal_id)  # verified: never bounded (nor hidden)
                else:
                    unverified.add(journal_id)
                    if journal_id not in hold.counted:
                        stored = await self.store.journal_bytes(journal_id, as_of=as_of)
                        hold.count(journal_id, stored)
            if hold.full:
                held |= unverified
            cursors = {journal_id: j.cursor for journal_id, j in journals.items()}
            asked = {j: SKIP_ALL if j in held else after for j, after in cursors.items()}
            owned = {j for j, local in journals.items() if local.role == "owner"}
            # Journals back on this device whose earlier records of its own only the server
            # holds (a copy taken back, or shared again): asked whole up to their head, and
            # those records taken as any device's (`_check_counters`).
            await self._load_own_before(as_of)
            not_held = {j for j, (_, whole) in self._own_before.items() if whole}
            skip_own = not self._stubs_refused and sync_plan.own_records_as_stubs(
                asked, owned, waiting, not_held
            )
            request = sync_plan.sync_request(asked, PULL_PAGE, after_journal, skip_own)
            try:
                sent = ahead.take(request)
                reply = await (sent or self.transport.call("/v1/sync", request, wire.SyncReply))
            except InvalidInput as error:
                exchanges.append((request, wire.SyncReply([], False)))  # not one clean reply
                if not skip_own or error.code != "invalid_field":
                    raise
                self._stubs_refused = True  # a server from before `skip_own`: ask without it
                continue
            except AccessError:
                exchanges.append((request, wire.SyncReply([], False)))
                if refused:
                    raise  # refused again with a fresh journal list: not a share that ended
                refused = True
                await self.refresh_journals()  # a share ended since the last refresh
                continue
            refused = False
            # No more than an honest reply's 4 MiB of records is opened and applied at once
            # (its payloads then inflate to at most 34 MiB, rev-zip Z2); the rest is asked
            # again from the cursor.
            reply = sync_plan.within_reply_bytes(request, reply)
            # Only a pull of one exchange is remembered (`_CleanPull`): a later reply is noted
            # without its pages, so a long pull does not keep every page it read alive until
            # it ends (+13 MB of resident memory after a 10,000-record pull, issue 10).
            exchanges.append((request, reply if not exchanges else wire.SyncReply([], False)))
            if not reply.done and any(len(p.records) >= VERIFY_AHEAD_MIN for p in reply.pages):
                # A bulk pull: the helper that verifies the pages asked ahead (verifying.py)
                # starts now, and is ready by the time they come.
                verifying.helper()
            if self._worth_asking_ahead(reply, cursors, held | unverified, advanced, budget):
                if sent is None:
                    # A reply not asked ahead was not opened ahead either: its records go to
                    # the helper now, before those of the reply asked next (it verifies them
                    # in order), not after them when its page applies.
                    self._open_early(reply, journals)
                # The request that follows once every page applies (each journal's cursor at
                # its page's), sent now (unless it was, with the request before: below);
                # used only if the pull then asks exactly that.
                following = dict(asked)
                following.update((page.journal_id, page.cursor) for page in reply.pages)
                guess = sync_plan.sync_request(following, PULL_PAGE, after_journal, skip_own)
                if not ahead.sent_next(guess):
                    ahead.send(guess, self._ask_ahead(guess, journals))
                    await asyncio.sleep(0)  # on its way now, not at the page's first wait
                if budget.fixed and any(len(p.records) >= VERIFY_AHEAD_MIN for p in reply.pages):
                    # A bulk pull: the next reply, decrypted as it arrives and its signatures
                    # verified in the helper (`_open_early`), is let in before this page
                    # applies, so that the helper verifies it meanwhile (a reply that came
                    # while the page was applied waited until then, and the helper with it).
                    await ahead.arrived(NEXT_REPLY_WAIT_S)
                    # And the request after it is sent now, by the same rule, from that reply:
                    # the server answers it while this page applies, and its reply is here
                    # when the next page has applied (asked then, the pull waited for it).
                    upcoming = ahead.upcoming()
                    if upcoming is not None and self._worth_asking_ahead(
                        upcoming, following, held | unverified, True, budget, later=2
                    ):
                        following.update((page.journal_id, page.cursor) for page in upcoming.pages)
                        then = sync_plan.sync_request(following, PULL_PAGE, after_journal, skip_own)
                        ahead.send_after(then, self._ask_ahead(then, journals))
            stale = any(
                (page.journal_id not in journals and not listed_all)
                or (
                    page.journal_id in journals
                    and journals[page.journal_id].meta_version != page.meta_version
                )
                for page in reply.pages
            )
            if stale:
                exchanges.append((request, wire.SyncReply([], False)))  # a journal list read
                await self.refresh_journals()
                known = len(journals)
                journals = {j.journal_id: j for j in await self.store.journals()}
                if len(journals) > known:
                    # Journals newly learned (each with a verified chain) bring records the
                    # first reply could not claim: the budget is fixed again from this reply.
                    budget = sync_plan.PullBudget(PULL_MARGIN)
                # The whole list was read: a journal sync serves that is still not one here
                # (its chain does not verify, say) needs no other refresh in this pull.
                listed_all = True
            moved = 0  # journals whose cursor went forward with records
            restarted = False  # a journal's cursor went back: pull it again before stopping
            whole = True  # every journal of this slice is pulled to its head
            # Records sealed before this member's share are progress only in a reply as full
            # as an honest server's, and only up to the head of the journal's first page.
            full = sync_plan.full_reply(reply, PULL_PAGE)
            for page in reply.pages:
                journal = journals.get(page.journal_id)
                first_heads.setdefault(page.journal_id, page.head)
                announced = hold.lowered(page.journal_id, page.head)
                if journal is not None and announced is not None:
                    line = lowered_head(journal, page.head, announced)
                    if line not in report.incomplete:
                        report.incomplete.append(line)
                if page.journal_id in held:
                    if journal is not None and page.head > journal.cursor:
                        hold.announce(page.journal_id, page.head)
                    continue  # asked for nothing (SKIP_ALL): the member's bound, not a stall
                after = asked.get(page.journal_id, 0)
                if journal is not None and page.cursor < after <= page.head:
                    # Behind the request (a head below it is a rollback: `_restart`): refused
                    # before anything of it counts or applies; the cursor stays.
                    whole = False
                    report.add_problem(
                        journal.journal_id, journal.name, behind_request(journal, page, after)
                    )
                    continue
                if journal is not None and not self.owner_verified(journal):
                    if page.journal_id not in hold.counted:  # a journal learned in this pull
                        hold.count(page.journal_id, await self.store.journal_bytes(page.journal_id))
                    payloads = await self._payload_bytes(journal, hold.within(page))
                    page = hold.cut(journal.cursor, page, payloads)
                whole = whole and (page.cursor >= page.head or page.journal_id in held)
                if journal is None:
                    continue  # listed by sync but not by the journal list: next round
                if page.head < journal.cursor:
                    restarted |= await self._restart(journal, page, report)
                    continue
                if page.cursor > page.head:
                    report.add_problem(journal.journal_id, journal.name, past_head(journal, page))
                    continue
                if page.records or page.cursor != journal.cursor:
                    history = first_heads[page.journal_id] if full else 0
                    verified = await self._apply_page(journal, page, report, counted, history)
                    moved += verified > 0 and page.cursor > journal.cursor
                    if page.records and not verified:
                        junk.add(journal.journal_id)
                if page.journal_id in not_held and not request.skip_own:
                    if page.cursor >= page.head:  # every record it holds came whole
                        await self.store.own_records_pulled(page.journal_id)
            tracker.pulled(reply.pages, cursors)
            advanced = moved > 0
            spent = budget.spent(
                {journal_id: cursors.get(journal_id, 0) for journal_id in journals}, reply.pages
            )
            # Every journal named in the slice gets a page (protocol.md /v1/sync), held back
            # or not: one left out is a pull the server did not finish. A `done` reply ends
            # the pull, so whatever `next_journal` it names, every journal it left out is.
            served = {page.journal_id for page in reply.pages}
            missing = {
                c.journal_id
                for c in request.cursors
                if c.journal_id in journals
                and c.journal_id not in served
                and (reply.done or not reply.next_journal or c.journal_id <= reply.next_journal)
            }
            if reply.done and reply.next_journal and DONE_WITH_NEXT not in report.incomplete:
                report.incomplete.append(DONE_WITH_NEXT)
            # Pages held back (the member's bound) are why an honest server says "not done".
            if (reply.done or (held and whole and not reply.next_journal)) and not restarted:
                # So does a page whose cursor did not reach its head ("done" says they all did).
                absent = missing | skipped
                report.incomplete.extend(left_out(journals[j]) for j in sorted(absent))
                short = [
                    p
                    for p in reply.pages
                    if p.journal_id in journals and p.cursor < p.head and p.journal_id not in held
                ]
                report.incomplete.extend(stalled_pull(journals[p.journal_id], p) for p in short)
                if check:
                    await self._check_withheld(
                        report,
                        absent | {p.journal_id for p in short},
                        as_of,
                        deferred=hold_back.deferred(hold.announced, held),
                    )
                return
            if whole and not restarted and reply.next_journal > after_journal:
                slices += 1
                # Slices are bounded (each starts past the last, and a pull follows at most
                # MAX_SLICES of them); each gets the budget its own first reply justifies.
                if slices > MAX_SLICES or not reply.pages:
                    spent = True  # an empty or endless run of slices: the server won't finish
                else:
                    after_journal = reply.next_journal  # on to the next slice of journals
                    skipped |= missing
                    budget = sync_plan.PullBudget(PULL_MARGIN)
                    stall.stalled(True)
                    continue
            if stall.stalled(moved > 0) or spent:
                behind = {
                    page.journal_id
                    for page in reply.pages
                    if page.journal_id in journals
                    and page.cursor < page.head
                    and page.journal_id not in held
                }
                report.incomplete.extend(
                    stalled_pull(journals[page.journal_id], page, page.journal_id in junk)
                    for page in reply.pages
                    if page.journal_id in behind
                )
                if not report.incomplete:
                    report.incomplete.append(
                        "the server kept saying the pull is not done without sending anything"
                        if not spent
                        else f"the server kept saying the pull is not done after {budget.limit} "
                        "replies, more than the records it said it holds need"
                    )
                if check:  # a gap below a counter received is proof whatever the server says
                    deferred = hold_back.deferred(hold.announced, held)
                    await self._check_withheld(report, behind, as_of, deferred=deferred)
                return

    async def _payload_bytes(
        self, journal: LocalJournal, candidates: list[wire.StoredRecord]
    ) -> dict[bytes, int]:
        """Record id -> bytes of its payload as this device would keep it (inflated), for the
        `candidates` of a page of an unverified owner's journal that open here (none of the
        others): what `HoldBack.cut` counts beside their ciphertext, since a compressed
        payload is kept up to 8 times larger than it came (rev-zip Z1). They are opened
        again by `_apply_page`: work bounded by the budget (512 KiB a reply at most, and
        no more once it is spent)."""
        opened = await self._open_records(journal, candidates)
        return {
            record.record_id: len(body.payload)
            for record, body in zip(candidates, opened, strict=True)
            if isinstance(body, records.RecordBody)
        }

    async def _ask_ahead(
        self, request: wire.SyncRequest, journals: dict[bytes, LocalJournal]
    ) -> wire.SyncReply:
        """The reply to a request asked ahead (`_Ahead`), whose records start to be opened
        in the worker as soon as it arrives (`_open_early`)."""
        reply = await self.transport.call("/v1/sync", request, wire.SyncReply)
        # Cut as `_pull_pages` cuts it (the same outcome there): nothing past an honest
        # reply's 4 MiB of records is opened ahead either (rev-zip Z2).
        reply = sync_plan.within_reply_bytes(request, reply)
        self._open_early(reply, journals)
        return reply

    @staticmethod
    def _worth_asking_ahead(
        reply: wire.SyncReply,
        cursors: dict[bytes, int],
        held: set[bytes],
        advanced: bool,
        budget: sync_plan.PullBudget,
        later: int = 1,
    ) -> bool:
        """Whether to send the pull's next request before `reply` is applied (`_Ahead`):
        only in a pull going well, where that request is one the pull will make: the last
        reply was progress (no stall can end the pull after this one; `reply` may be the
        first of a bulk pull instead, which no stall can end either), the budget allows a
        reply after this one (as the first reply fixes it), the server says not done within
        this slice, no page is of a journal held back or whose owner is not verified (`held`:
        its page may be cut at the unverified budget), and every page is an ordinary next page
        (a known journal, its cursor neither behind `cursors`, the device's, nor past its
        head, nor the head behind the device's cursor). `reply` may be the next one, sent
        ahead (`later` 2, `cursors` those it asked for): its request after it is sent too, by
        the same rule."""
        if budget.fixed:
            going_well = advanced and budget.another_after_next(later)
        else:
            # The first reply (of the pull, or of a slice): a bulk pull's (a page of
            # VERIFY_AHEAD_MIN records or more), asked ahead too, within the budget it fixes.
            claimed = sum(
                max(0, page.head - cursors[page.journal_id])
                for page in reply.pages
                if page.journal_id in cursors
            )
            going_well = any(
                len(page.records) >= VERIFY_AHEAD_MIN for page in reply.pages
            ) and budget.another_after_next(later, claimed)
        return (
            going_well
            and not reply.done
            and not reply.next_journal
            and not any(page.journal_id in held for page in reply.pages)
            and any(page.records for page in reply.pages)
            and all(
                page.journal_id in cursors and cursors[page.journal_id] <= page.cursor <= page.head
                for page in reply.pages
            )
        )

    def _report_held(
        self,
        report: sync_plan.SyncReport,
        on_device: list[LocalJournal],
        announced: dict[bytes, int],
    ) -> None:
        """Report every journal held back (`announced`: hold_back.py) whose owner is still
        not verified: every sync says so, whatever the server's pages say, or whether it
        asked the server at all (`_pull`, `_take_notice`)."""
        for journal in on_device:
            if journal.role == REVOKED:
                continue  # not downloaded any more: not held back
            if journal.journal_id in announced and not self.owner_verified(journal):
                self._note_held(journal, report)

    async def held_back(self) -> list[hold_back.HeldBack]:
        """The journals whose download this device stopped at the bound on unverified owners
        (hold_back.py) and whose owner is still not verified here: what every sync reports
        in `SyncReport.held_back`, from this device's own bookkeeping (`hold_back.SETTING`,
        never the server's word) as the last sync left it. What this device holds of them is
        partial until the owner is verified and a sync downloads the rest. Each names its
        owner as `owner_label` does (the caseload's client names), sorted by owner, then
        journal. No network."""
        await self.load_access()
        announced = hold_back.decode(await self.store.setting(hold_back.SETTING)).announced
        if not announced:
            return []
        found = [
            hold_back.HeldBack(journal.name, journal.journal_id, self.owner_label(journal))
            for journal in await self.store.journals()
            if journal.role != REVOKED
            and journal.journal_id in announced
            and not self.owner_verified(journal)
        ]
        return sorted(found, key=lambda held: (held.owner, held.journal, held.journal_id))

    def _note_held(self, journal: LocalJournal, report: sync_plan.SyncReport) -> None:
        """Say once per sync that the journal's download stopped at the bound, and how to go on."""
        owner = journal.owner_name or journal.owner_id.hex()[:12]
        held = hold_back.HeldBack(journal.name, journal.journal_id, owner)
        if held not in report.held_back:
            report.held_back.append(held)

    async def _restart(
        self, journal: LocalJournal, page: wire.JournalPage, report: sync_plan.SyncReport
    ) -> bool:
        """The server's head is below this device's cursor: the log was rolled back, or an
        earlier reply moved the cursor past the truth. Reported; the pull starts again from
        the highest `seq` this device actually received, or from the server's head if that is
        lower (records this device holds beyond it are kept, and were lost by the server).
        Returns whether the cursor moved (False: already as far back as it can go)."""
        received = await self.store.highest_seq(journal.journal_id)
        restart = min(received, page.head)
        if received > page.head:
            report.add_problem(
                journal.journal_id, journal.name, rolled_back(journal, page.head, received)
            )
        else:
            report.add_problem(
                journal.journal_id, journal.name, cursor_went_back(journal, page.head, received)
            )
        if restart >= journal.cursor:
            return False
        async with self.store.transaction() as tx:
            await tx.restart_cursor(journal.journal_id, restart)
        return True

    async def open_parked(self, report: sync_plan.SyncReport) -> None:
        """Open and apply the records kept for a newer body version (`_apply_page`) that this
        SDK now reads (records.BODY_PARSERS), journal by journal in server order, one page of
        at most PULL_PAGE ciphertexts and sync.REPLY_BYTES (at least one) at a time, from the store alone (the server is not
        asked for them again), and forget them: each is then applied, or refused and
        reported like any record. Runs at every sync that is not quiet, and before a head
        code or a share (`read_parked`): rows another process of this profile (an older
        app) kept since are read too. When none is kept of a version this SDK reads, it
        costs one read of an index, and none while `parked_records` is unchanged
        (Store.parked_versions)."""
        known = records.known_versions()
        if not set(await self.store.parked_versions()) & set(known):
            return
        journals = {j.journal_id: j for j in await self.store.journals()}
        await self._load_own_before()  # this device's own records among them: its own
        for journal_id in sorted(journals):
            journal = journals[journal_id]
            after: int | None = None
            while True:
                rows = await self.store.parked(known, journal_id, after=after, limit=PULL_PAGE)
                if not rows:
                    break
                # No more ciphertext opened at once than a pull reply's (REPLY_BYTES, at least
                # one record): 34 MiB of payloads inflated at most (rev-zip Z2); the rest
                # comes in the next page, from the last one kept.
                within, total = rows[:1], len(rows[0].ciphertext)
                for row in rows[1:]:
                    total += len(row.ciphertext)
                    if total > sync_plan.REPLY_BYTES:
                        break
                    within.append(row)
                rows = within
                page = wire.JournalPage(
                    journal_id,
                    [wire.StoredRecord(r.seq, r.record_id, r.epoch, r.ciphertext) for r in rows],
                    journal.cursor,
                    journal.cursor,
                    journal.meta_version,
                )
                await self._apply_page(journal, page, report, set(), parked=True)
                if after is not None and rows[-1].seq <= after:
                    break  # (never: the store returns rows past `after`, in seq order)
                after = rows[-1].seq
        # Rows of a journal no longer on this device (forgotten) went with it
        # (Transaction.forget_journal): none is left behind here.

    async def read_parked(self) -> None:
        """`open_parked` outside a sync (before a head code or a share: what they count must
        include what this SDK can read), under `sync_lock`; what it finds is reported by the
        next sync. Never called with `sync_lock` held."""
        known = records.known_versions()
        if not set(await self.store.parked_versions()) & set(known):
            return
        async with self.sync_lock:  # never beside a sync or a forget of this client
            await self.load_access()
            await self._load_peers()
            if self._reopened is None:
                self._reopened = sync_plan.SyncReport()
            await self.open_parked(self._reopened)

    async def refuse_while_parked(self, journal: LocalJournal, doing: str) -> None:
        """Raise UpdateNeeded if the journal holds records of the journal's owner kept for
        a body version this SDK does not read, once those it reads are read
        (`read_parked`): what needs every record of the owner's documents (a head code, a
        new member's snapshots, a copy of an entry for someone else) would leave them out.
        Only the owner's devices sign the owner's records, so no member and no server can
        bring this about. A member's records kept unread block nothing: a new member's
        snapshots never carry another member's annotations, no member's record changes the
        owner's documents, and the head code counts a member's kept records by id, from their
        verified prefix, without reading them (`verify_head`)."""
        if not await self.store.parked_versions():
            return  # nothing kept: one read of an index, or none (Store.parked_versions)
        await self.read_parked()
        waiting = [
            row
            for row in await self.store.parked_counts(journal.journal_id)
            if row.author is None or row.author == journal.owner_id
        ]
        if waiting:
            count = sum(row.count for row in waiting)
            what = "1 change" if count == 1 else f"{count} changes"
            raise UpdateNeeded(
                f"journal {quoted_name(journal.name)} holds {what} its owner wrote with a newer version "
                f"of the app (record format {max(row.version for row in waiting)}), which "
                f"this app cannot read: update the app on this device and sync before you {doing}"
            )

    async def holds_unread_owner_changes(self, journal: LocalJournal) -> bool:
        """Whether the journal holds records of its owner kept unread (of a newer version, or
        of one this SDK reads that the next sync re-opens), without re-opening them (a
        write's mirror copy asks, `Sharing.mirror`); reads nothing but an index while
        nothing is kept (Store.parked_versions)."""
        if not await self.store.parked_versions():
            return False
        return any(
            row.author is None or row.author == journal.owner_id
            for row in await self.store.parked_counts(journal.journal_id)
        )

    def settings_written(self, before: tuple[int, int], after: tuple[int, int]) -> None:
        """A write of settings alone (`Store.put_setting`) moved the store from version
        `before` to `after`: a clean withholding check at `before` holds at `after` (it
        reads journals and counters only)."""
        if self._no_gaps_at == before:
            self._no_gaps_at = after
        if self._quiet_at == before:
            self._quiet_at = after
        if self._pulled is not None and self._pulled.version == before:
            self._pulled = replace(self._pulled, version=after)

    async def _not_back(self, journal_ids: set[bytes]) -> dict[bytes, list[counting.Range]]:
        """Of this account's own journals `journal_ids`, leaving the journal list now: this
        device's own counters the server acknowledged that did not come back yet (a
        deletion on another owner device between this device's push and its pull, rev-cut
        G1). Reads the store only."""
        mine = (self.profile.account_id, self.profile.device_id)
        found = {}
        for journal_id, devices in (await self.store.device_counters()).items():
            own = devices.get(mine) if journal_id in journal_ids else None
            missing = own.missing() if own is not None else []
            if missing:
                found[journal_id] = missing
        return found

    @staticmethod
    async def _note_not_back(tx: Transaction, found: dict[bytes, list[counting.Range]]) -> None:
        """Keep `found` (`_not_back`) in the setting NOT_BACK until the withholding check
        has reported them once (`_check_withheld`)."""
        kept = _decode_not_back(await tx.setting(NOT_BACK))
        for journal_id, ranges in found.items():
            kept[journal_id] = ranges
        await tx.set_setting(NOT_BACK, _encode_not_back(kept))

    async def _check_withheld(
        self,
        report: sync_plan.SyncReport,
        behind: frozenset[bytes] | set[bytes] = frozenset(),
        as_of: tuple[int, int] | None = None,
        deferred: Mapping[bytes, int] | None = None,
    ) -> None:
        """After a pull: every counter some signed record (or the server's own
        acknowledgement) says exists, and that neither reached this device nor is covered.
        Journals this device holds read-only are skipped, except this account's own that
        the server stopped listing (told once as a departure, departures.GONE): there this
        device's own counters are still checked, so a record the server acknowledged to it
        and never served back is reported withheld at every sync (rev-complete F1).
        In the journals `behind` (the server stopped before their head) only the counters
        below the highest one received of each device: a later record of that device
        arrived, so they were dropped, or the cover that accounts for them is held back.

        The journals `deferred` are not checked at all: those this device held back at the
        bound on unverified owners (`HoldBack.held`, hold_back.py: this device's own budget
        bookkeeping, never the server's word), each with the head announced for it while
        held back (`HoldBack.announced`), while its cursor is below that head (a journal
        whose download had reached its head before the budget ran out is checked as one
        left `behind`: nothing of it was held back) and its owner is still not verified. The
        gap is then this device's own choice: a record beyond its cut may account for any
        counter below it (a share's fresh snapshots come after the records they cover, each
        covering one), so even "below the highest counter received" is no proof there (NU47
        #1: an honest server reported withholding at every sync). Nothing of such a journal
        is trusted yet (its owner's fingerprint was not compared: the server could have made
        it up); once the owner is verified the rest downloads and the journal is checked in
        full. A journal this device did not hold back is checked as before, whatever
        `deferred` holds; one whose owner is verified by now (another process of this
        profile verified them during the pull) is checked as one left `behind`.

        On a member's device, the counters of an author whose records no key here verifies
        (another member: members do not learn each other, protocol.md 4.13) are never
        missing: such a record is set aside unread whether it is served or not (4.18,
        "Records of members a device cannot identify"), so the owner's seen vectors naming
        that member's device, which every owner record written after it arrived carries, are
        no gap here (NU24 C12). The owner's devices, this account's and every member this
        device identifies are checked as before.

        Gaps of an author other than the journal's owner and this account, whose account the
        server says no longer exists, went with that account's erasure: they are reported
        once in `report.erased` (so a server faking an erasure is not silent) and then
        excused: kept apart (`Store.excused_counters`), read by this check alone, never
        `received`, so no seen vector, cover or share boundary this device signs accounts
        for them (rev-complete F5). Never for an account the journal's verified chain lists
        as a current member: on the owner's devices such a gap waits for the end of the sync
        (`unconfirmed_erasures`), which first takes members the server no longer serves off
        the chain (a signed removal, told as a departure) and then excuses only the gaps of
        those no longer listed (`settle_erasures`); anywhere else it is withheld.

        The check reads the store only: when the store has not changed since a full check
        (nothing `behind`) that found no gap (same `Store.version`), it finds none again,
        full or not, and is skipped. Whatever the server sends is stored before it counts,
        so it changes the version and is checked. `as_of`: the version the sync read at its
        start (Store.version `since`): a commit of another process during this sync is
        checked by the next one, as one just after this check would be."""
        await self._pull_again_due()  # what it applies is received: counted, not withheld
        held = deferred or {}
        version = await self.store.version(since=as_of)
        if version == self._no_gaps_at:
            return
        me = self.profile.account_id
        # every journal: this account's own no longer listed (rev-complete F1) and a
        # member's copy kept after its share ended (rev32a F1) too
        journals = {j.journal_id: j for j in await self.store.journals(as_of=version)}
        mine = (me, self.profile.device_id)
        erased: dict[bytes, bool] = {}
        withheld_before = len(report.withheld)
        excused = await self.store.excused_counters()
        not_back = _decode_not_back(await self.store.setting(NOT_BACK, as_of=version))
        told_once: list[tuple[counting.Gap, list[counting.Range]]] = []
        newly_erased: list[counting.Gap] = []
        stored_proven = await self.store.setting(PROVEN_GAPS, as_of=version)
        proven_before = _decode_proven(stored_proven)
        proven: dict[bytes, list[counting.Gap]] = {}
        unchecked: list[tuple[LocalJournal, counting.Gap]] = []  # their author not looked up
        refused: list[NetworkError] = []  # the lookup the server refused (or failed): why

        async def erased_or_unknown(author: bytes) -> bool | None:
            """`_erased`, or None when the lookup was refused or failed: then no other
            author is asked in this check (it would be refused too)."""
            if refused and author not in erased:
                return None
            try:
                return await self._erased(author, erased)
            except NetworkError as error:
                refused.append(error)
                return None

        for journal_id, devices in sorted((await self.store.device_counters()).items()):
            journal = journals.get(journal_id)
            if journal is None:
                continue
            known = counting.JournalCounters(journal_id, devices)
            state = self.chains.state(journal_id)
            # What an erasure excused: for this check alone (never stored as received). Not
            # an author the verified chain lists as a current member again (re-shared since):
            # a current member cannot be erased on the server's word (rev33d F2).
            kept = excused.get(journal_id, {})
            members = {a for a, _ in kept if a != me and state and state.member_by_account(a)}
            if members:
                async with self.store.transaction() as tx:
                    await tx.withdraw_excuses(sorted(members), journal_id)
            known.cover(
                counting.Cover(a, d, tuple(ranges))
                for (a, d), ranges in kept.items()
                if a not in members
            )
            unverified = not self.owner_verified(journal)
            if journal.cursor < held.get(journal_id, 0) and unverified:
                # Held back by this device's budget: checked in full once it all downloads;
                # meanwhile only what a check before found missing, if still missing.
                gaps = _still_missing(proven_before.get(journal_id, []), known)
                proven[journal_id] = list(gaps)
            else:
                # a copy kept after its share ended: what this device was owed while a
                # member, below a later record received (claims past it are the owner's
                # records after the end, never owed), stays missing for good (rev32a F1)
                ended_copy = journal.role == REVOKED and journal.owner_id != me
                complete = journal_id not in behind and journal_id not in held and not ended_copy
                gaps = known.gaps(complete=complete)
                if unverified:
                    proven[journal_id] = []  # what this check reports there (below)
            for found in gaps:
                own_unlisted = journal.role == REVOKED and journal.owner_id == me
                if own_unlisted and (found.author, found.device) != mine:
                    continue  # only what the server acknowledged to this device is known
                if journal.role == REVOKED and journal_id in not_back:
                    # Acknowledged while the journal was listed, not back when it left the
                    # list (a deletion elsewhere, or withheld): told now, with the journal's
                    # departure, then excused here (rev-cut G1). Acknowledged after it left
                    # the list, a record is reported at every sync (rev-complete F1).
                    told_once.append((found, not_back[journal_id]))
                gap = past_write_limit(found, state, journal.owner_id)
                if gap is None or unverifiable_co_member(gap, state, journal.owner_id, me):
                    continue
                if journal_id in proven and found not in proven[journal_id]:
                    proven[journal_id].append(found)  # kept as found: checked again as such
                if gap.author in (journal.owner_id, self.profile.account_id):
                    report.withheld.append(gap)
                elif state is not None and state.member_by_account(gap.author) is not None:
                    # A current member by the owner-signed chain: the server's "no such
                    # account" alone excuses nothing (rev-complete F5).
                    said = await erased_or_unknown(gap.author) if journal.owner_id == me else False
                    if said is None:
                        unchecked.append((journal, gap))
                    elif said:
                        self._unconfirmed[(gap.journal_id, gap.author, gap.device)] = gap
                    else:
                        report.withheld.append(gap)
                elif (said := await erased_or_unknown(gap.author)) is None:
                    unchecked.append((journal, gap))
                elif said:
                    newly_erased.append(gap)
                else:
                    report.withheld.append(gap)
        encoded = _encode_proven(proven)
        if encoded != (stored_proven or _encode_proven({})):
            await self.store.put_setting(PROVEN_GAPS, encoded)
        if not_back:  # reported now, or nothing of them missing: kept no longer
            await self._excuse_not_back(told_once, set(not_back))
        if unchecked:
            report.incomplete.append(self._unchecked_gaps(unchecked, refused[0]))
        if not newly_erased:
            quiet = not behind and not held and not self._unconfirmed and not unchecked
            if len(report.withheld) == withheld_before and quiet:
                self._no_gaps_at = version
            return
        await self._excuse(report, newly_erased)

    def _unchecked_gaps(
        self, unchecked: list[tuple[LocalJournal, counting.Gap]], why: NetworkError
    ) -> str:
        """The line of `SyncReport.incomplete` for the gaps whose author's account the
        withholding check could not look up (`_check_withheld`): neither withheld nor erased
        yet, never received (withheld unless that account was erased); the next sync asks
        again."""
        count = sum(hi - lo + 1 for _, gap in unchecked for lo, hi in gap.missing)
        names = sorted({quoted_name(self.shown_name(journal)) for journal, _ in unchecked})
        records = "1 record" if count == 1 else f"{count} records"
        return (
            f"{records} missing in journal{'s' if len(names) > 1 else ''} {', '.join(names)} "
            "not checked in this sync: the server did not answer the lookup of "
            f"{'its' if count == 1 else 'their'} author ({why}), which tells whether that "
            "account was erased; not counted as received: withheld unless that account was "
            "erased, and the next sync asks again"
        )

    async def _excuse_not_back(
        self, told: list[tuple[counting.Gap, list[counting.Range]]], journal_ids: set[bytes]
    ) -> None:
        """Excuse, on this device alone (`Store.excused_counters`: never received, never
        signed), the own counters of `told` (a gap reported withheld in this sync) that the
        setting NOT_BACK kept for their journal (`_not_back`), and forget the journals
        `journal_ids` there (reported now, or no longer held)."""
        async with self.store.transaction() as tx:
            for gap, kept in told:
                ranges = [
                    (max(lo, k_lo), min(hi, k_hi))
                    for lo, hi in gap.missing
                    for k_lo, k_hi in kept
                    if max(lo, k_lo) <= min(hi, k_hi)
                ]
                if ranges:
                    await tx.excuse_counters(gap.journal_id, gap.author, gap.device, ranges)
            kept_all = _decode_not_back(await tx.setting(NOT_BACK))
            for journal_id in journal_ids:
                kept_all.pop(journal_id, None)
            await tx.set_setting(NOT_BACK, _encode_not_back(kept_all))

    async def _excuse(self, report: sync_plan.SyncReport, gaps: list[counting.Gap]) -> None:
        """Report `gaps` once in `report.erased` (named: `_erased_names`) and keep their
        counters excused (`Store.excused_counters`), apart from what this device received."""
        journals = {j.journal_id: j for j in await self.store.journals()}
        async with self.store.transaction() as tx:
            for gap in gaps:
                report.erased.append(gap)
                journal = journals.get(gap.journal_id)
                if journal is not None:
                    state = self.chains.state(gap.journal_id)
                    self._erased_names(report, journal, gap.author, state)
                await tx.excuse_counters(gap.journal_id, gap.author, gap.device, gap.missing)

    def unconfirmed_erasures(self) -> set[bytes]:
        """The owned journals where this sync's withholding check found records missing of a
        current member whose account the server says was erased (`_check_withheld`): the
        caller takes the members the server no longer serves off their chains
        (Sharing.drop_departed), then calls `settle_erasures`."""
        return {journal_id for journal_id, _, _ in self._unconfirmed}

    async def settle_erasures(self, report: sync_plan.SyncReport) -> None:
        """Decide the gaps `unconfirmed_erasures` named, on the verified chain as it is now:
        those of an account it no longer lists as a current member are excused as erased
        (reported once in `report.erased`), the others are withheld (the server says the
        account is gone, yet the owner-signed chain still lists it: nothing excuses them)."""
        unconfirmed, self._unconfirmed = list(self._unconfirmed.values()), {}
        gone: list[counting.Gap] = []
        for gap in unconfirmed:
            state = self.chains.state(gap.journal_id)
            if state is not None and state.member_by_account(gap.author) is None:
                gone.append(gap)
            elif gap not in report.withheld:
                report.withheld.append(gap)
        if gone:
            await self._excuse(report, gone)

    def _erased_names(
        self,
        report: sync_plan.SyncReport,
        journal: LocalJournal,
        author: bytes,
        state: AccessState | None,
    ) -> None:
        """Name one erased author's gap in `report`: the journal's name as an app shows it
        (`SyncReport.erased_journals`), and the author's username where the journal's
        verified access chain names it (`erased_authors`; `AccessState.signers`: current or
        former members this device knows, opened from the owner-signed chain), never the
        server's word."""
        report.erased_journals[journal.journal_id] = self.shown_name(journal)
        who = state.signers.get(author) if state is not None else None
        if who is not None and who.username:
            report.erased_authors[author] = who.username

    async def _erased(self, account_id: bytes, known: dict[bytes, bool]) -> bool:
        """Whether the server says this account no longer exists (its word, reported). Only
        the server's own `not_found` says so: a page of another web server (subject
        NOT_A_JOURNAL_SERVER: a 404 included) is a lookup that failed, raised as a
        NetworkError (not transient) whatever its status, as every caller takes an
        unanswered lookup (rev33a F4)."""
        if account_id not in known:
            try:
                await self.look_up_id(account_id)
                known[account_id] = False
                await self.note_account_exists(account_id)
            except TJError as error:
                if error.subject == NOT_A_JOURNAL_SERVER and not isinstance(error, NetworkError):
                    raise unanswered(error) from None
                if not isinstance(error, NotFound):
                    raise
                known[account_id] = True
        return known[account_id]

    async def note_account_exists(self, account_id: bytes) -> None:
        """The server named this account since (a lookup by username or by id answered):
        an owner it said before no longer exists leaves `departures.ERASED_OWNERS`, so a
        stale or forged "appears erased" does not stand until the weekly question (REV-S11B
        S11B-7). Its word either way, for words only. The counters excused on its earlier
        word that the account was erased are excused no longer (`_withdraw_excuses`).
        Raises nothing of its own."""
        owner = account_id.hex()
        await self._withdraw_excuses({account_id})
        if owner not in departures.decode_owners(
            await self.store.setting(departures.ERASED_OWNERS)
        ):
            return
        async with self.store.transaction() as tx:
            before = departures.decode_owners(await tx.setting(departures.ERASED_OWNERS))
            after = departures.owners_said(before, {owner: True})
            if after != sorted(before):
                await tx.set_setting(departures.ERASED_OWNERS, json.dumps(after) if after else None)

    async def _withdraw_excuses(self, authors: set[bytes]) -> None:
        """Withdraw the excuses (`Store.excused_counters`) given on the server's word that
        these authors' accounts were erased, now that something shows they exist (a lookup
        answering it, a verified record of theirs): their missing counters are withheld
        again, and said so by the next withholding check, or excused again only if the
        server says "erased" again (told again, `_excuse`) (rev33d F2). This account's own
        counters (excused once told, `_excuse_not_back`) are never an erasure's."""
        authors = authors - {self.profile.account_id}
        excused = {a for kept in (await self.store.excused_counters()).values() for a, _ in kept}
        if authors & excused:
            async with self.store.transaction() as tx:
                await tx.withdraw_excuses(sorted(authors & excused))

    async def _apply_page(
        self,
        journal: LocalJournal,
        page: wire.JournalPage,
        report: sync_plan.SyncReport,
        counted: set[bytes],
        history: int = 0,
        parked: bool = False,
        reopen: set[bytes] | None = None,
        resolved: set[bytes] | None = None,
    ) -> int:
        """Verify and apply one page of a journal; returns how many of its records are
        progress for the pull (`_pull`): records that verified (AEAD, signature, author's
        right, counters) and were accepted now, records this device verified or wrote before
        (an echo) that no earlier reply of this pull brought (`counted`, updated), and
        records sealed before this member's share (`earlier`: no key opens them, by design)
        whose `seq` is at most `history` (0: none; the caller's bound, R15 finding 5). A
        refused record is never progress, whatever the server says of it.

        A record of a body version newer than this SDK reads (records.NewerRecord) whose
        signature verified and whose author may write here is parked: kept in the store
        (`Transaction.park`), marked seen, its counter counted as received (never its seen
        vector or covers, which it cannot read), and reported in `report.newer`; it is
        progress. `parked`: the page is records parked earlier (`open_parked`), opened again
        by an SDK that now reads their version: opened as fresh although seen, and removed
        from the parked ones in the transaction that applies (or refuses) them; only those
        this call removed are reported (another process of the profile may have re-opened
        some first). One refused then stays counted as received, unlike a record refused at
        its first pull: its author signed that counter (verified when it was kept), the
        owner's devices never sign two records with one counter, and a member's second one is
        refused (`_refuse_reused_counters`), so counting it hides nothing the server
        withholds (protocol.md 4.15).

        `reopen`: records refused before for want of their epoch's key (`_pull_again`),
        opened as fresh although marked seen; their old problem rows and seen marks go in
        the transaction that applies (or refuses) them again. `resolved` (updated): those of
        them applied now, applied before (by another process), or refused again for another
        reason than their key."""
        seen, since = (
            ({}, None)
            if parked
            else await self.store.seen_counters_marked(
                journal.journal_id, [r.record_id for r in page.records]
            )
        )
        if reopen:
            if resolved is not None:  # applied meanwhile by another process of this profile
                resolved.update(r for r, counter in seen.items() if r in reopen and counter)
            seen = {r: c for r, c in seen.items() if c is not None or r not in reopen}
        fresh = [r for r in page.records if r.record_id not in seen]
        reopened = [r.record_id for r in fresh if reopen and r.record_id in reopen]
        # Whether the next reply's records are worth opening ahead (`_open_early`): not when
        # this page was mostly records this device holds (its own, echoed after a push).
        self._mostly_fresh[journal.journal_id] = len(fresh) * 2 > len(page.records)
        echoed = {record_id for record_id, counter in seen.items() if counter is not None}
        # A stub of an own record whose bytes must come back (a kept safety flag, asked whole;
        # a snapshot stored by compaction, never a stub from an honest server) is no echo: its
        # counter stays missing, so the withholding check reports it (rev32a F2, F3).
        echoed -= self._whole_echoes.stubs_refused(journal.journal_id, page)
        if echoed:
            await self._own_stored_unacknowledged(journal, page, echoed, report)
        problems: list[Problem] = []
        whole = sorted(r.record_id for r in page.records if r.ciphertext and r.record_id in echoed)
        if whole:
            # An own acknowledged record served back whole must be the bytes the server
            # acknowledged (R36 F6): other bytes under its id are no echo. A stub (no
            # ciphertext) is the server's word, as its acknowledgement was (4.18 "Own records"):
            # a page of stubs only, as a pull after a push gets, has nothing to compare.
            sealed = await self.store.sealed_hashes(journal.journal_id, whole)
            for record in page.records:
                expected = sealed.get(record.record_id)
                if expected is None or not record.ciphertext:
                    continue
                if crypto.hash32(record.ciphertext) != expected:
                    echoed.discard(record.record_id)
                    problems.append(
                        Problem(
                            journal.journal_id,
                            record.record_id,
                            record.seq,
                            f"record {record.record_id.hex()}: the server served other bytes "
                            "under this device's own record than it acknowledged storing: "
                            "refused, the record not counted as come back",
                        )
                    )
        listed = self._whole_echoes.listed(journal.journal_id)
        if whole and listed:  # a snapshot or removal of this device's back whole (rev32c F1)
            self._whole_echoes.back.update(
                (journal.journal_id, record.record_id)
                for record in page.records
                if record.ciphertext
                and record.record_id in listed
                and record.record_id in echoed
                and record.record_id in sealed
            )
        echoes = [
            counter
            for record_id, counter in seen.items()
            if counter is not None and record_id in echoed
        ]
        opened: list[tuple[wire.StoredRecord, records.RecordBody | records.NewerRecord]] = []
        wanting: dict[bytes, tuple[int, int]] = {}  # refused for want of a key: (epoch, seq)
        before = self._history_before(journal)
        earlier = [r for r in fresh if r.epoch < before]
        fresh = [r for r in fresh if r.epoch >= before]
        for record, body in zip(fresh, await self._open_records(journal, fresh), strict=True):
            if isinstance(body, records.UnknownSigner):
                if not self._co_member_may_have_written(journal, record, body.body):
                    problems.append(
                        Problem(journal.journal_id, record.record_id, record.seq, str(body))
                    )
                continue  # never applied: it cannot be verified here (R13 finding 6)
            if isinstance(body, records.UnknownNewerSigner):
                # Its claims past the prefix cannot be read: the co-member rule as far as the
                # verified chain and the prefix's author go; neither kept nor counted (R20 F3).
                if not self._unidentified_co_member(journal, record, body.author):
                    problems.append(
                        Problem(journal.journal_id, record.record_id, record.seq, str(body))
                    )
                continue
            if isinstance(body, IntegrityError):
                problems.append(
                    Problem(journal.journal_id, record.record_id, record.seq, str(body))
                )
                if isinstance(body, _KeyWanted):
                    wanting[record.record_id] = (body.epoch, record.seq)
                continue
            try:
                self._check_counters(journal, record, body)
                if isinstance(body, records.NewerRecord):
                    self._check_writer(journal, record, body)
                opened.append((record, body))
            except IntegrityError as error:
                problems.append(
                    Problem(journal.journal_id, record.record_id, record.seq, str(error))
                )
        checked = await self._refuse_reused_counters(journal, opened, problems)
        newer = [
            (record, body) for record, body in checked if isinstance(body, records.NewerRecord)
        ]
        # The pairs of `checked` themselves, not new ones (a pair per record kept until the
        # page is applied, issue 10); only bodies of the version this SDK reads are in it.
        opened_bodies = cast(
            list[tuple[wire.StoredRecord, records.RecordBody]],
            [pair for pair in checked if isinstance(pair[1], records.RecordBody)],
        )
        wanted = list({body.doc_id for _, body in opened_bodies})
        documents, creators = await self.store.documents_and_creators(wanted)
        changed: dict[bytes, Document] = {}
        members_docs: dict[bytes, bytes] = {}
        # documents deleted or in the trash before this page: how (documents.removal)
        was_removed: dict[bytes, str] = {}
        carried_again: set[bytes] = set()  # removals another owner device carried again
        accepted: list[SeenRecord] = []
        trusted: list[tuple[bytes, records.RecordBody]] = []
        arrivals: dict[bytes, sync_plan.Arrival] = {}
        shown_before: dict[bytes, str] = {}  # a safety plan's, before this page (`Arrival`)
        for record, body in opened_bodies:
            if body.kind == records.VOID:
                try:
                    self._check_writer(journal, record, body)
                    accepted.append(
                        SeenRecord(
                            journal.journal_id,
                            record.record_id,
                            record.seq,
                            None,
                            body.author,
                            body.device,
                            body.counter,
                        )
                    )
                    trusted.append((record.record_id, body))
                except IntegrityError as error:
                    problems.append(
                        Problem(journal.journal_id, record.record_id, record.seq, str(error))
                    )
                continue
            try:
                self._check_author(journal, record, body)
                creator = creators.get(body.doc_id)
                self._check_owner_edit(record, body, creator, changed, documents)
                if (
                    body.doc_kind == SAFETY_PLAN
                    and body.doc_id not in shown_before
                    and (body.doc_id in changed or body.doc_id in documents)
                ):  # what it showed before this page's first record about it
                    prior = changed.get(body.doc_id) or stored_document(documents[body.doc_id])
                    shown_before[body.doc_id] = sync_plan.shown_values(
                        prior.field_values(), prior.text("plan")
                    )
                changed[body.doc_id], news = self._merge(
                    journal, record, body, changed, documents, was_removed
                )
                if body.author != journal.owner_id:
                    creators[body.doc_id] = body.author  # the document's id names its creator
                    members_docs[body.doc_id] = body.author
                else:
                    creators.setdefault(body.doc_id, body.author)
                held = body.doc_id in documents
                own_update = (
                    body.kind == records.UPDATE
                    and body.doc_kind == ENTRY
                    and body.author == self.profile.account_id == journal.owner_id
                    and creators.get(body.doc_id) == body.author
                )
                newly = (
                    held
                    and body.doc_kind == ENTRY
                    and body.doc_id not in was_removed
                    and body.doc_id not in report.removals
                )
                gone = (own_update or newly) and removed(changed[body.doc_id])  # read once
                if (
                    gone
                    and own_update
                    and carries_stripped(body.payload, changed[body.doc_id].state())
                ):
                    carried_again.add(body.doc_id)
                if gone and newly:
                    report.removals[body.doc_id] = self._removal(body)
                if held and body.doc_kind == ENTRY:
                    had = self._removal(body).had  # what of this device's records it held
                    if had > report.seen_mine.get(body.doc_id, 0):
                        report.seen_mine[body.doc_id] = had
                # A snapshot of a held document is an arrival when it brought anything (a
                # share's re-seal of another device's change), not when it only compacts
                # what this device held (R45 F4).
                # The first such record's, made only for it (not for every later one about
                # the same document: issue 10).
                if body.doc_id not in arrivals and (
                    body.kind != records.SNAPSHOT or not held or news
                ):
                    arrivals[body.doc_id] = sync_plan.Arrival(
                        body.doc_id,
                        journal.journal_id,
                        body.doc_kind,
                        not held,
                        body.author,
                        body.device,
                        before=was_removed.get(body.doc_id, ""),
                        shown_before=shown_before.get(body.doc_id, ""),
                        written_at=body.written_at,
                    )
                mark = self._seen(
                    journal.journal_id, record.record_id, record.seq, record.epoch, body
                )
                if (
                    body.author == journal.owner_id
                    and creator not in (None, body.author)
                    and body.doc_kind in access.ANNOTATION_KINDS
                ):
                    # What the owner's record did to a member's annotation, from it alone (not
                    # this device's merged state, which the member's own refused withdrawal
                    # already marks deleted): pushing.moot_withdrawals (R31 F2).
                    mark = dataclasses.replace(mark, removes=_marks_deleted(body))
                accepted.append(mark)
                trusted.append((record.record_id, body))
            except IntegrityError as error:
                problems.append(
                    Problem(journal.journal_id, record.record_id, record.seq, str(error))
                )
        kept_newer = [
            SeenRecord(
                journal.journal_id,
                record.record_id,
                record.seq,
                None,
                body.author,
                body.device,
                body.counter,
                record.epoch,
            )
            for record, body in newer
        ]
        owned: set[bytes] | None = None  # re-opened: those this call removed from the kept
        late, cut_covers = self._across_cut(journal, page, trusted)
        mine = journal.role == "owner" and self.chains.problem(journal.journal_id) is None
        writing = (
            await self._merge_writing(journal, changed, documents, creators, was_removed)
            if mine
            else _MergeWriting(journal)
        )
        written: list[Document] = []
        unkept: set[bytes] = set()
        unverified: set[bytes] = set()  # journals whose waiting rows share a smaller bound
        if wanting:
            unverified = {
                j.journal_id for j in await self.store.journals() if not self.owner_verified(j)
            }
            if not self.owner_verified(journal):
                unverified.add(journal.journal_id)
        async with self.store.transaction() as tx:
            if reopened:  # their rows of the earlier refusal: written anew below
                await tx.take_back_refused(journal.journal_id, reopened)
            if parked:
                owned = await tx.unpark(journal.journal_id, [r.record_id for r in page.records])
            else:
                # Another process of this profile (two `tj` fetching at once) may have stored
                # some of these records since they were read as fresh: applying them again
                # changes nothing, and a document only they changed is no arrival of this
                # sync (NU55 F9: told again as "updated", 2,998 entries none had edited).
                # Read only when a commit came since `seen` was read (`since`): with none,
                # as when no other program uses the home, no statement (issue 10).
                taken = await tx.seen_ids(
                    journal.journal_id,
                    [record.record_id for record, _ in opened_bodies],
                    since=since,
                )
                if taken:
                    ours = {b.doc_id for r, b in opened_bodies if r.record_id not in taken}
                    arrivals = {doc_id: a for doc_id, a in arrivals.items() if doc_id in ours}
            if cut_covers:
                await self._note_cut_covers(tx, journal.journal_id, cut_covers)
            if late:
                await self._keep_late(tx, journal, late)
            await tx.put_documents(
                await _merged(tx, journal, list(changed.values()), since),
                now_ms(),
                {doc_id: creators[doc_id] for doc_id in changed},
                replace_creators=members_docs.keys(),
            )
            # Entries whose tag additions and removals this device keeps (TAG_OPS) are judged
            # after the sync, or a later one if it ends first: marked with the page (REV-TAGS
            # F5, protocol.md 5 "Tag edits applied again").
            entries = [doc_id for doc_id, doc in changed.items() if doc.kind == ENTRY]
            if entries:
                await tx.mark_where_kept(entries, TAG_OPS, TAGS_ARRIVED, now_ms())
            await tx.mark_seen(accepted)
            await tx.park(
                [
                    ParkedRecord(
                        journal.journal_id,
                        record.record_id,
                        record.seq,
                        record.epoch,
                        record.ciphertext,
                        body.version,
                    )
                    for record, body in newer
                ]
            )
            await tx.mark_seen(kept_newer)
            # History from before this account's share (`earlier`), sealed with keys it never
            # held, is passed over and stored nowhere: it cannot be told from junk.
            # Kept (and marked seen) while the journal holds few; the rest stored nowhere.
            kept = await tx.add_problems(journal.journal_id, problems)
            await tx.mark_seen([SeenRecord(journal.journal_id, p.record_id, p.seq) for p in kept])
            if wanting:
                unkept = await self._note_key_waits(tx, journal.journal_id, wanting, unverified)
            # A newer-version record counts as received, its counter only (no claims, no
            # covers: it cannot read them); like an echo, it can only add to what was received.
            received = echoes + [(body.author, body.device, body.counter) for _, body in newer]
            untaken = self._cuts_not_taken(journal, page, trusted)
            await self._count(tx, journal.journal_id, received, trusted, untaken)
            if journal.owner_id == self.profile.account_id:  # who received what (receipts.py)
                await tx.note_member_claims(
                    journal.journal_id,
                    [
                        (body.author, seen.author, seen.device, seen.counter)
                        for _, body in trusted
                        if body.author != journal.owner_id
                        for seen in body.seen
                        if seen.author == journal.owner_id
                    ],
                )
            # Never lowered here: another client of this profile may have pulled further since
            # this pull read the cursor (R18 finding 3). Its older reply is no rollback (R19
            # finding 3); a real one shows in the next reply, whose head is then below the
            # cursor kept.
            await tx.advance_cursor(journal.journal_id, page.cursor)
            if owned is not None:
                # Another process of this profile re-opened some of these records first and
                # announced them: applying them again changed nothing; announce only ours
                # (and write at the merge only for ours: the other process did for its own).
                ours = {body.doc_id for record, body in opened_bodies if record.record_id in owned}
                changed = {doc_id: doc for doc_id, doc in changed.items() if doc_id in ours}
                arrivals = {doc_id: a for doc_id, a in arrivals.items() if doc_id in ours}
                accepted = [s for s in accepted if s.record_id in owned]
                problems = [p for p in problems if p.record_id in owned]
            if mine:
                # What the merge calls for is written with the page, never after it: the
                # cursor is past the page once this commits, and a later sync finds these
                # documents unchanged, so nothing would write it again (a crash between).
                written = await self._write_at_merge(
                    tx, writing, changed, documents, creators, was_removed, carried_again, report
                )
            await self._note_copies_to_follow(tx, journal, arrivals, changed)
        if AFTER_PAGE_TEST_HOOK is not None and changed:
            await AFTER_PAGE_TEST_HOOK(journal.journal_id)
        if late:
            self._late.setdefault(journal.journal_id, []).extend(late)
        for doc_id, arrival in arrivals.items():
            if not self._mine_to_hear(journal, arrival.kind, changed.get(doc_id)):
                continue
            # the first record's arrival, left as the last page leaves it (NU24 C7); one
            # already so is kept as it is (frozen: the same as a copy of it, made in less)
            first = report.arrivals.get(doc_id, arrival)
            after = documents_removal(changed[doc_id])
            if first.after != after:
                first = dataclasses.replace(first, after=after)
            if first.shown_before and first.told in ("", sync_plan.KEPT):
                # a safety plan whose records changed nothing it shows: this device's stood
                plan = changed[doc_id]
                now = sync_plan.shown_values(plan.field_values(), plan.text("plan"))
                stood = sync_plan.KEPT if now == first.shown_before else ""
                if first.told != stood:
                    first = dataclasses.replace(first, told=stood)
            report.arrivals[doc_id] = first
        report.pulled += len({s.record_id for s in accepted})  # a record sent twice: once
        await self._withdraw_excuses(
            {s.author for s in accepted if s.author}
        )  # it signed, so it exists
        report.merged += len(changed)
        report.touched.update(changed)
        told = [d for d in changed.values() if self._mine_to_hear(journal, d.kind, d)]
        if self.on_change is not None and told:
            self.on_change(journal, told, "sync")
        # Records refused because their epoch's key was refused, in a journal whose listed
        # envelope was refused, are told in that envelope's line (`_report_name_problems`):
        # one cause, one line; still counted as refused.
        merged = journal.journal_id in self._key_problems
        if resolved is not None and reopened:
            refused_again = {p.record_id for p in problems if p.record_id not in wanting}
            applied = {s.record_id for s in accepted} | {s.record_id for s in kept_newer}
            resolved.update(r for r in reopened if r in refused_again or r in applied)
        if unkept:
            report.add_problem(
                journal.journal_id,
                journal.name,
                f"{len(unkept)} record(s) refused for want of their epoch's key are not kept "
                f"waiting for it (this device keeps at most {MAX_KEY_WAITS} such records a "
                f"journal and {MAX_KEY_WAITS_ALL} in all, of which {MAX_KEY_WAITS_UNVERIFIED} "
                "in the journals of owners whose fingerprint was not compared): they are not "
                "pulled again",
            )
        for problem in problems:
            if merged and problem.record_id in wanting and problem.record_id not in unkept:
                report.refused += 1
                count, shown = self._waiting_told.get(journal.journal_id, (0, []))
                if len(shown) < sync_plan.IDS_SHOWN:
                    shown.append(problem.record_id)
                self._waiting_told[journal.journal_id] = (count + 1, shown)
                continue
            report.add_problem(journal.journal_id, journal.name, problem.message, problem.record_id)
        if newer:
            report.add_newer(
                journal.journal_id,
                journal.name,
                [body.version for _, body in newer],
                max(records.known_versions()),
            )
        if written and self.on_change is not None:
            self.on_change(journal, written, "local")
        progress = {s.record_id for s in accepted} | {s.record_id for s in kept_newer}
        progress |= echoed - counted
        progress |= {r.record_id for r in earlier if r.seq <= history}
        counted |= progress
        return len(progress)

    def _across_cut(
        self,
        journal: LocalJournal,
        page: wire.JournalPage,
        trusted: list[tuple[bytes, records.RecordBody]],
    ) -> tuple[list[carrying.Late], tuple[counting.Cover, ...]]:
        """On the owner's devices, of a journal shared since its creation (a cut), the
        owner's records of a page this device accepts (`trusted`): those sealed before the
        cut (candidates to carry across it, `_carry_late`) and the covers of those sealed
        at it or later (what the share's boundary, and the carries since, account for);
        and the records sealed before the cut of a current member that takes it (shared
        with again there, `_takes_cut`: its device never receives them, yet takes the
        covers of a cut: rev-ce2 F1). From the owner-signed records, the verified records
        and the verified chain alone (pure)."""
        state = self.chains.state(journal.journal_id)
        me = self.profile.account_id
        if state is None or not state.cut or journal.owner_id != me or journal.role != "owner":
            return [], ()
        epochs = {r.record_id: r.epoch for r in page.records}
        late: list[carrying.Late] = []
        covers: list[counting.Cover] = []
        for record_id, body in trusted:
            member = body.author != me
            if member and (
                epochs[record_id] >= state.cut or not self._takes_cut(journal, body.author)
            ):
                continue  # covers only the owner's count; a member never takes its records
            if not member and epochs[record_id] >= state.cut:
                covers.extend(body.covers)
                continue
            start = update_start(body.payload) if body.kind == records.UPDATE else None
            doc_id = None if body.kind == records.VOID else body.doc_id
            late.append(
                carrying.Late(
                    record_id,
                    body.device,
                    body.counter,
                    doc_id,
                    start,
                    body.seen,
                    epochs[record_id],
                    body.author if member else None,
                )
            )
        return late, counting.merge_covers(covers)

    async def _note_cut_covers(
        self, tx: Transaction, journal_id: bytes, covers: tuple[counting.Cover, ...]
    ) -> None:
        """Keep, within `tx`, `covers` of an owner's record sealed at the journal's latest cut
        or later (`carrying.with_covers`)."""
        state = self.chains.state(journal_id)
        if state is None or not state.cut or not covers:
            return
        name = carrying.setting_name(journal_id)
        value = carrying.with_covers(await tx.setting(name), state.cut, covers)
        if value is not None:
            await tx.set_setting(name, value)

    async def _keep_late(
        self, tx: Transaction, journal: LocalJournal, late: list[carrying.Late]
    ) -> None:
        """Keep, within `tx`, those of `late` that a known cover of the cut does not
        account for already (`carrying.PENDING`): carried by this sync's end, or the next's
        if this one is cut short."""
        state = self.chains.state(journal.journal_id)
        if state is None:
            return
        value = await tx.setting(carrying.setting_name(journal.journal_id))
        found = carrying.uncovered(journal.owner_id, late, value, state.cut)
        if not found:
            return
        pending = carrying.decode_pending(await tx.setting(carrying.PENDING))
        kept = pending.get(journal.journal_id, [])
        pending[journal.journal_id] = carrying.joined(kept, found)
        await tx.set_setting(carrying.PENDING, carrying.encode_pending(pending))

    async def _keep_late_waiting(self, journal_id: bytes, waiting: list[carrying.Late]) -> None:
        """Keep `waiting` (late records of `journal_id` the carry could not seal again: their
        document too large for one record) in `carrying.PENDING`, so that every sync tries
        again, and tells the owner again, until the document fits or a share covers them."""
        async with self.store.transaction() as tx:
            pending = carrying.decode_pending(await tx.setting(carrying.PENDING))
            pending[journal_id] = carrying.joined(pending.get(journal_id, []), waiting)
            await tx.set_setting(carrying.PENDING, carrying.encode_pending(pending))

    async def _forget_late(self, journal_id: bytes, handled: set[bytes]) -> None:
        """Drop the records `handled` (ids) of `journal_id` from `carrying.PENDING`."""
        async with self.store.transaction() as tx:
            pending = carrying.decode_pending(await tx.setting(carrying.PENDING))
            left = [r for r in pending.get(journal_id, []) if r.record_id not in handled]
            if len(left) == len(pending.get(journal_id, [])):
                return
            pending[journal_id] = left
            await tx.set_setting(carrying.PENDING, carrying.encode_pending(pending))

    async def _carry_late(
        self, report: sync_plan.SyncReport, as_of: tuple[int, int] | None = None
    ) -> bool:
        """Carry across each journal's cut the owner's records sealed before it that this
        device accepted and that no owner's cover of the cut accounts for (R43 F2: pushed by
        another device of the owner just before a share, not yet pulled by the sharing
        device): their documents are sealed again under the current epoch (`_carry`), and
        the record doing it covers them. Returns whether anything was sealed (to push).
        Nothing while the device knows no cover of the cut (`carrying.uncovered`). A
        document too large for one record is a problem of the sync, told, not raised; its
        late records stay pending, tried (and told) again at every sync until it fits."""
        version = await self.store.version(since=as_of)
        stored = carrying.decode_pending(await self.store.setting(carrying.PENDING, as_of=version))
        if not self._late and not stored:
            return False
        late, self._late = self._late, {}
        # found in this sync's pull (the others were kept from an earlier one: `_carry`)
        found_now = {j: frozenset(r.record_id for r in rs) for j, rs in late.items()}
        for journal_id, kept in stored.items():
            late[journal_id] = carrying.joined(kept, late.get(journal_id, []))
        journals = {j.journal_id: j for j in await self.store.journals()}
        sealed = False
        for journal_id, found in list(late.items()):
            journal = journals.get(journal_id)
            state = self.chains.state(journal_id)
            if self.chains.problem(journal_id) is not None:
                continue  # kept for a sync that verifies the chain again
            if journal is not None and journal.role == "owner" and state is not None:
                value = await self.store.setting(carrying.setting_name(journal_id))
                missing = carrying.uncovered(journal.owner_id, found, value, state.cut)
                try:
                    if missing:
                        now = found_now.get(journal_id, frozenset())
                        carried, waiting = await self._carry(journal, missing, report, now)
                        sealed = carried or sealed
                        if waiting:  # too large to carry yet: told again at the next sync
                            await self._keep_late_waiting(
                                journal_id, [r for r in missing if r.record_id in waiting]
                            )
                            found = [r for r in found if r.record_id not in waiting]
                except BaseException:
                    for left, records_left in late.items():  # for the next sync
                        self._late.setdefault(left, []).extend(records_left)
                    raise
            del late[journal_id]
            if journal_id in stored:
                await self._forget_late(journal_id, {r.record_id for r in found})
        for journal_id, records_left in late.items():
            self._late.setdefault(journal_id, []).extend(records_left)
        return sealed

    async def _carry(
        self,
        journal: LocalJournal,
        missing: list[carrying.Late],
        report: sync_plan.SyncReport,
        found_now: frozenset[bytes] = frozenset(),
    ) -> tuple[bool, frozenset[bytes]]:
        """Seal again under the current epoch the documents of `missing` this account
        created (`_snapshot_plan`: a snapshot of a live one; for a removed one, the changes
        of its late records, the removal's own fields only, or its removal written anew),
        and the withdrawal (the owner's, or the member's own on its other device) of the
        annotation of a current member that takes the carry's cut (`_withdrawals_carried`:
        the withdrawal alone, as a share with a member again carries it, rev-cut C1,
        rev-ce2 F1), then the cut; or the cut alone (`_seal_plan`). In one transaction.

        The cut, and each snapshot's covers, account only for the late records whose effect
        this carry seals again or that no member taking the cut could miss (`_carried_late`,
        protocol.md 4.19 "Never covered unless carried"): a document too large for one
        record (a problem of the sync, told), not held here, or a record of a member taking
        the cut not carried again, leaves its late records uncovered, so that the members
        who lack them see them withheld (rev-ce F1, F3, rev-ce2 F1). Nothing is sealed when every record of `missing`
        was kept from an earlier sync (not in `found_now`) and none is carried now: the cut
        written then already named them in its seen vector.

        Returns whether anything was sealed and the ids of the records to try again at the
        next sync (their document too large: it may be shortened meanwhile)."""
        docs, since, seen = carrying.carry_inputs(missing)
        creators = await self.store.creators(docs)
        stored = {d.doc_id: d for d in await self.store.documents_by_ids(docs)}
        me = self.profile.account_id
        owned = [d for d in docs if d in stored and creators.get(d, me) == me]
        carried: set[bytes] = set()
        stripped: set[bytes] = set()
        plan = await self._snapshot_plan(journal, owned, since, carried, stripped)
        plan += self._withdrawals_carried(journal, missing, creators, stored)
        too_large: set[bytes] = set()
        for document, _, payload in plan:
            if not snapshot_fits(payload):
                too_large.add(document.doc_id)
                report.add_problem(
                    journal.journal_id,
                    journal.name,
                    too_large_to_snapshot(journal, document, payload),
                )
        plan = [step for step in plan if snapshot_fits(step[2])]
        waiting = frozenset(  # the owner may shorten its own document, never a member's
            r.record_id for r in missing if r.doc_id in too_large and r.doc_id in owned
        )
        accounted = self._carried_late(
            journal, missing, creators, {document.doc_id for document, _, _ in plan}
        )
        if not plan and not accounted and not any(r.record_id in found_now for r in missing):
            return False, waiting
        # The writer's seen vector, less this device (a record never names its own).
        own = (me, self.profile.device_id)
        seen = {
            d: tuple(s for s in v if (s.author, s.device) != own)
            for d, v in seen.items()
            if d in carried
        }
        fresh, key = await self._current_key(journal)
        with contextlib.suppress(_NothingToCover):
            async with self.store.transaction() as tx:
                await self._seal_plan(tx, fresh, key, plan, seen, across=accounted)
                for doc_id in stripped & {document.doc_id for document, _, _ in plan}:
                    # as the share's re-seal does (`_seal_outbox`): the changes carried
                    # deleted (Yjs client -> first clock), so that a restore pulled brings
                    # back these only, not what the user deleted since (R47 F2)
                    carried_from = {str(c): k for c, k in sorted(since.get(doc_id, {}).items())}
                    await tx.set_setting(restore_anew_setting(doc_id), json.dumps(carried_from))
            return True, waiting
        return False, waiting

    def _takes_cut(self, journal: LocalJournal, account: bytes) -> bool:
        """Whether `account`, a current member of `journal` (not its owner), takes the
        journal's latest cut: its current membership starts there (protocol.md 4.18
        "Cuts"; a member shared with again at the latest share). Such a member's device
        never receives a record of an epoch before that cut, yet may hold its annotations
        live from an earlier membership, and takes the covers of every cut sealed under
        the current epoch that names none (a carry's, a restore's, an outbox sealed
        again). Any other member never takes that cut: what it lacks stays a gap there,
        reported. From the verified chain alone."""
        state = self.chains.state(journal.journal_id)
        if state is None or not state.cut or account == journal.owner_id:
            return False
        if state.member_by_account(account) is None:
            return False  # not a member now: no device of its reads the journal any more
        return state.first_epoch_of(account) >= state.cut

    def _withdrawals_carried(
        self,
        journal: LocalJournal,
        missing: list[carrying.Late],
        creators: dict[bytes, bytes],
        stored: dict[bytes, StoredDocument],
    ) -> list[tuple[Document, str, bytes]]:
        """For `_carry`: the plan steps that carry again the withdrawal of a current
        member's annotation among the late records `missing` (the owner's, or the member's
        own from its other device) when that member takes the carry's cut (`_takes_cut`:
        shared with again at the latest share, its device may hold the annotation live from
        its earlier membership and never receives the record): the withdrawal's structs
        alone, no word of the member's (`documents.withdrawal_again`), as a share with a
        member again carries it (protocol.md 4.19 "Withdrawals carried again", rev-cut C1,
        rev-ce F1, rev-ce2 F1). Never for a member that does not take the cut (it joined
        at an earlier share): sealed under the current epoch, the withdrawal would tell
        every later member of a note from before its share (rev-ce2 F2); the record stays
        a gap on that member's devices, reported. A step may be too large for one record
        (`_carry` tells it)."""
        me = self.profile.account_id
        steps: list[tuple[Document, str, bytes]] = []
        for doc_id in dict.fromkeys(r.doc_id for r in missing if r.doc_id is not None):
            creator = creators.get(doc_id, me)
            if doc_id not in stored or creator == me or not self._takes_cut(journal, creator):
                continue
            snapshot = stored_document(stored[doc_id])
            changes = withdrawal_again(snapshot) if removed(snapshot) else None
            if changes is not None:
                steps.append((snapshot, records.UPDATE, changes))
        return steps

    def _carried_late(
        self,
        journal: LocalJournal,
        missing: list[carrying.Late],
        creators: dict[bytes, bytes],
        sealed: set[bytes],
    ) -> frozenset[carrying.Counter]:
        """Of the late records `missing`, the (author, device, counter) that a carry
        sealing the documents `sealed` may cover (its cut, its snapshots: `_seal_plan`
        `across`): a `void` (it changes no document: the cut accounts for it and for what
        it withdrew), a record of a document sealed again, and a record of an annotation
        (the owner's withdrawal, or the member's own) whose author takes no cut of the
        current epoch (`_takes_cut`: no current member, or one whose membership began
        before the latest cut; no other member's device shows another member's
        annotation). Any other (an owner's document too large or not held, an annotation
        of a member taking the cut whose withdrawal was not carried again, any other
        record of such a member) is left uncovered: a member taking the cut would lack its
        change unnoticed (protocol.md 4.19 "Never covered unless carried", rev-ce F1, F3,
        rev-ce2 F1)."""
        me = journal.owner_id
        accounted = set()
        for record in missing:
            doc_id = record.doc_id
            concerned = record.author or (creators.get(doc_id, me) if doc_id is not None else me)
            if (
                doc_id is None
                or doc_id in sealed
                or (concerned != me and not self._takes_cut(journal, concerned))
            ):
                accounted.add((record.signer(me), record.device, record.counter))
        return frozenset(accounted)

    async def _refuse_reused_counters(
        self,
        journal: LocalJournal,
        opened: list[tuple[wire.StoredRecord, records.RecordBody | records.NewerRecord]],
        problems: list[Problem],
    ) -> list[tuple[wire.StoredRecord, records.RecordBody | records.NewerRecord]]:
        """A member's device never signs two records with one counter: a second one (another
        record id, already accepted here or earlier in the page) is refused. Without this a
        member whose write limit is counter n (access.with_counters) could still sign a new
        record under a counter it used before n, in place of the one it replaces. The
        owner's records are not checked (the owner may change anything anyway).

        On the owner's devices, likewise, a member's record under a counter its own
        account accounted for as never delivered (received by a cover, no record of it held:
        a withdrawal) is refused: an honest device never delivers a counter it withdrew, and
        a member that jumped its counter (a record at counter n covering its counters below
        n) could otherwise fill that gap, under its signed write limit n, after the share
        ended (protocol.md 4.19 "Write limits")."""
        by_device: dict[tuple[bytes, bytes], list[int]] = {}
        for _, body in opened:
            if body.author != journal.owner_id:
                by_device.setdefault((body.author, body.device), []).append(body.counter)
        taken: dict[tuple[bytes, bytes, int], bytes] = {}
        withdrawn: set[tuple[bytes, bytes, int]] = set()
        owner_here = journal.owner_id == self.profile.account_id
        for (author, device), counters in by_device.items():
            held = await self.store.records_by_counter(journal.journal_id, author, device, counters)
            taken.update(((author, device, c), record_id) for c, record_id in held.items())
            if owner_here:
                received = await self.store.received_ranges(journal.journal_id, author, device)
                withdrawn.update(
                    (author, device, c)
                    for c in counters
                    if c not in held and counting.in_ranges(received, c)
                )
        kept = []
        in_page: dict[tuple[bytes, bytes], list[counting.Range]] = {}  # covered earlier here
        for pair in opened:  # each pair kept as it is, not made again (issue 10: fewer objects)
            record, body = pair
            key = (body.author, body.device, body.counter)
            member = owner_here and body.author != journal.owner_id
            if (
                member
                and key not in taken
                and (
                    key in withdrawn
                    or counting.in_ranges(in_page.get((body.author, body.device), []), body.counter)
                )
            ):
                problems.append(
                    Problem(
                        journal.journal_id,
                        record.record_id,
                        record.seq,
                        f"record {record.record_id.hex()} has counter {body.counter} of its "
                        "device, which its account accounted for as never delivered: refused",
                    )
                )
                continue
            if body.author != journal.owner_id and taken.setdefault(key, record.record_id) != (
                record.record_id
            ):
                problems.append(
                    Problem(
                        journal.journal_id,
                        record.record_id,
                        record.seq,
                        f"record {record.record_id.hex()} reuses counter {body.counter} of its "
                        f"device, which signed record {taken[key].hex()} with it: refused",
                    )
                )
                continue
            if member and isinstance(body, records.RecordBody):
                for cover in body.covers:
                    ranges = in_page.setdefault((cover.author, cover.device), [])
                    for lo, hi in cover.ranges:
                        counting.add_range(ranges, lo, hi)
            kept.append(pair)
        return kept

    def _cuts_not_taken(
        self,
        journal: LocalJournal,
        page: wire.JournalPage,
        trusted: list[tuple[bytes, records.RecordBody]],
    ) -> frozenset[bytes]:
        """The ids of the share's cut records of `trusted` (`counting.is_cut`) whose covers
        this device does not take (protocol.md 4.18, "Cuts"): a cut accounts for the records
        sealed before the cut it belongs to (`AccessState.cut_at` of its epoch), which only a
        member whose history starts at that cut or later never receives. The owner's devices
        hold every epoch and a member whose membership began before that cut was owed those
        records: they count them as they arrive, and a record kept from them shows as a gap
        (rev-complete F4). From the page's epochs and the verified chain alone (pure)."""
        cuts = [
            (record_id, body)
            for record_id, body in trusted
            if body.covers and counting.is_cut(body.author, body.device, body.counter, body.covers)
        ]
        if not cuts:
            return frozenset()
        state = self.chains.state(journal.journal_id)
        if journal.owner_id == self.profile.account_id or state is None:
            return frozenset(record_id for record_id, _ in cuts)
        epochs = {r.record_id: r.epoch for r in page.records}
        history = self._history_before(journal)
        return frozenset(
            record_id
            for record_id, body in cuts
            if history < state.cut_at(_cut_epoch(body, epochs[record_id]))
        )

    @staticmethod
    async def _count(
        tx: Transaction,
        journal_id: bytes,
        echoes: list[tuple[bytes, bytes, int]],
        trusted: list[tuple[bytes, records.RecordBody]],
        untaken: frozenset[bytes] = frozenset(),
    ) -> None:
        """Update what this device knows of the journal's counters with one page: records it
        already held (its own, echoed back) and verified, accepted records (counter, seen
        vector and covers; not the covers of the cuts `untaken`, which are kept all the
        same for the head code: `_cuts_not_taken`). A refused record counts for nothing: it
        is a problem already, and its counter and claims are not to be believed."""
        known = counting.JournalCounters(journal_id, await tx.journal_counters(journal_id))
        now = now_ms()
        for author, device, counter in echoes:
            known.received(author, device, counter)
        for record_id, body in trusted:
            covers = () if record_id in untaken else body.covers
            # No later than now (REV-L2 F3): a member's far-future clock would rank its
            # devices before every other member's in their turns of the writing order.
            written = min(body.written_at, now)
            known.record(body.author, body.device, body.counter, body.seen, covers, written)
            if body.covers:
                await tx.put_covers(journal_id, record_id, counting.encode_covers(body.covers))
        await tx.put_journal_counters(journal_id, {k: known.devices[k] for k in known.changed})

    async def _own_stored_unacknowledged(
        self,
        journal: LocalJournal,
        page: wire.JournalPage,
        echoed: set[bytes],
        report: sync_plan.SyncReport,
    ) -> None:
        """Records of this device that the server serves while they still wait in the outbox:
        pushed, stored, the reply lost (a cancelled sync, a dropped connection), and perhaps
        sealed again since under a newer epoch (same record id, so the push of the new
        sealing gets `record_conflict`). Each is delivered, and acknowledged here, when what
        the server serves opens (under its own epoch's key, signature verified) to exactly
        the body this device sealed: the same record, signed by this home under the id and
        counter it wrote it with (the current id, or an earlier one of this home signed in
        again since: R36 F3) (protocol.md 4.18, "stored, reply lost"). Anything else is left as it
        is (the push's refusal then sets it aside). So too a safety flag or a result set
        aside to be sent again (sync.TRIED_AGAIN) that the server stored and refused: served,
        it is delivered, not sent again (REV-CARE2 F1: sealed again after a rotation, its
        every push met `record_conflict`, told "did NOT reach" for good)."""
        waiting = await self.store.outbox_by_id(journal.journal_id, sorted(echoed))
        held = {r.record_id for r in waiting}
        others = echoed - held  # not in the outbox: set aside, perhaps (usually none is)
        if others and await self.store.set_aside_any():
            waiting += await self.store.tried_again_by_id(journal.journal_id, sorted(others))
        if not waiting:
            return
        served = {r.record_id: r for r in page.records}
        delivered: list[tuple[OutboxRecord, wire.StoredRecord]] = []
        stubbed: set[bytes] = set()
        for record in waiting:
            stored = served[record.record_id]
            if not stored.ciphertext and record.record_id not in held:
                # A stub of a set-aside record: the server's word that it stores it, as
                # its acknowledgement would have been (4.18 "Own records"; REV-CARE2 F1:
                # sealed again since, the record would meet `record_conflict` at every
                # push). Which of its sealings the server holds is not known: no hash of
                # the bytes is kept to compare a later whole copy with (REV-CARE3).
                stubbed.add(record.record_id)
                delivered.append((record, stored))
                continue
            try:
                ours = records.open_record(
                    await self.journal_key(journal, record.epoch),
                    journal.journal_id,
                    record.record_id,
                    record.epoch,
                    record.ciphertext,
                    self._signers(journal),
                )
                theirs = records.open_record(
                    await self.journal_key(journal, stored.epoch),
                    journal.journal_id,
                    stored.record_id,
                    stored.epoch,
                    stored.ciphertext,
                    self._signers(journal),
                )
            except TJError:
                continue
            # The outbox record's own signer, not the profile's id: a record this home wrote
            # under an earlier id (signed in again since, R36 F3) is as much its own. The
            # outbox is this home's, so `ours.device` is an id this home wrote under. A cut
            # sealed again across a later share names its share's epoch (`_reseal_outbox`),
            # which the earlier sealing stored says by its own epoch: the same cut.
            state = self.chains.state(journal.journal_id)
            same = theirs == ours or (
                state is not None
                and dataclasses.replace(theirs, cut_epoch=None)
                == dataclasses.replace(ours, cut_epoch=None)
                and state.cut_at(_cut_epoch(theirs, stored.epoch))
                == state.cut_at(_cut_epoch(ours, record.epoch))
            )
            if same and ours.author == self.profile.account_id:
                delivered.append((record, stored))
        if not delivered:
            return
        async with self.store.transaction() as tx:
            await tx.mark_seen(
                [
                    SeenRecord(
                        journal.journal_id,
                        r.record_id,
                        s.seq,
                        sealed=None if r.record_id in stubbed else crypto.hash32(s.ciphertext),
                    )
                    for r, s in delivered
                ]
            )
            await tx.remove_outbox([r.position for r, _ in delivered if r.record_id in held])
            await tx.drop_set_aside([r.record_id for r, _ in delivered if r.record_id not in held])
            await tx.acknowledge_own(journal.journal_id, [r.record_id for r, _ in delivered])
            # a safety flag among them left by now: noted with its leaving the outbox
            found = [r.doc_id for r, _ in delivered if r.doc_id is not None]
            await note_flags_found(tx, found, now_ms())
        for record, _ in delivered:  # its conflict, if any, is settled: out of the outbox
            if record.doc_id is not None:
                report.touched.add(record.doc_id)
        report.pushed += len(delivered)
        # One set aside earlier in this sync and delivered after all is not "not delivered"
        # (REV-CARE3 F2: the report said both, and `tj sync` exited as for a refusal).
        gone = {r.record_id.hex() for r, _ in delivered if r.record_id not in held}
        report.set_aside = [a for a in report.set_aside if a.record_id not in gone]

    async def _settle_conflicts(self) -> bool:
        """Set aside (`record_conflict`, as refused for good) the records this sync's push
        got `record_conflict` for and its pull did not show delivered
        (`_own_stored_unacknowledged`), with the later changes of their documents. Whether
        there was any conflict to settle, delivered or set aside: the records written after
        it in its journal waited in the outbox (Pusher.deferred), to be pushed now."""
        conflicts, self._conflicts = self._conflicts, {}
        for record, pusher in conflicts.values():
            if await self.store.outbox_by_id(record.journal_id, [record.record_id]):
                await pusher.set_aside_refused(record, "record_conflict")
        return bool(conflicts)

    def _check_counters(
        self,
        journal: LocalJournal,
        record: wire.StoredRecord,
        body: records.RecordBody | records.NewerRecord,
    ) -> None:
        """A record this device did not write cannot carry this device's id (the server gave
        two devices one id, or replays a record from a wiped store), unless the journal's copy
        was removed here with this device's records and is back (`Store.own_before`): one
        with a counter this device drew before then is its own, on the server only, and is
        verified and counted as any device's. Covers must be the author's to give
        (withholding.check_covers) and, but for the owner's, name no counter of the record's
        own device at or above its own (withholding.check_own_covers); a newer-version record
        has none that this device reads."""
        if (body.author, body.device) == (
            self.profile.account_id,
            self.profile.device_id,
        ) and body.counter > self._own_before.get(journal.journal_id, (0, False))[0]:
            raise IntegrityError(
                f"record {record.record_id.hex()} carries this device's id but was not written "
                "here: the server gave two devices the same id, or replays one compacted away",
                record_id=record.record_id,
            )
        if isinstance(body, records.RecordBody):
            counting.check_covers(body.author, journal.owner_id, body.covers, record.record_id)
            if body.cut_epoch is not None:
                self._check_cut_epoch(journal, record, body.author, body.cut_epoch)
            counting.check_own_covers(
                body.author,
                body.device,
                body.counter,
                journal.owner_id,
                body.covers,
                record.record_id,
            )

    def _check_cut_epoch(
        self, journal: LocalJournal, record: wire.StoredRecord, author: bytes, cut_epoch: int
    ) -> None:
        """A cut that names the epoch of its share (`RecordBody.cut_epoch`, protocol.md 4.18
        "Cuts") is the owner's (only the owner's devices write cuts), and names an epoch of
        the verified chain that started a share (`AccessState.cuts`) at or before the epoch
        it is sealed under (a cut is sealed again later, never earlier). Raises
        IntegrityError naming the record otherwise (refused, counted for nothing). Pure."""
        name = record.record_id.hex()
        if author != journal.owner_id:
            raise IntegrityError(
                f"record {name} names the epoch of a share's cut, which only the journal's "
                "owner writes: refused",
                record_id=record.record_id,
            )
        state = self.chains.state(journal.journal_id)
        if state is None or cut_epoch > record.epoch or cut_epoch not in state.cuts:
            raise IntegrityError(
                f"record {name} names epoch {cut_epoch} as its share's cut, which the verified "
                f"access chain does not show starting a share at or before the epoch "
                f"{record.epoch} it is sealed under: refused",
                record_id=record.record_id,
            )

    # --- compaction -------------------------------------------------------------------------

    async def _compact(self, report: sync_plan.SyncReport) -> None:
        """Replace long update histories of this account's documents by snapshots."""
        candidates = await self.store.compaction_candidates(
            sorted(report.touched), self.compact_after, self.profile.account_id
        )
        if not candidates:
            return
        journals = {j.journal_id: j for j in await self.store.journals()}
        self._stale_epochs = await self.store.stale_holds()  # every process's (rev31c F6)
        for stored in await self.store.documents_by_ids(candidates):
            journal = journals.get(stored.journal_id)
            document = stored_document(stored)
            if journal is None or journal.role != "owner" or removed(document):
                continue  # a removed document's state is never sealed whole (a member's key)
            if stored.waiting:
                continue  # updates wait for clocks it lacks: `_compact_document`
            if stored.kind == PRIVATE_NOTE:
                continue  # never sealed anew, where it might be shared (REV-SHARES2 G2)
            if self.unsafe_epoch(journal.journal_id, journal.epoch, now_ms()):
                continue  # not under a key an ended member holds (nor an old one)
            try:
                sent = await self._compact_document(journal, document)
            except RateLimited:
                return  # over the write rate: the updates stay; compaction is optional
            except TJError as error:
                if sync_plan.refusal(error) is None:
                    raise
                return  # refused (over quota, say): the updates stay; compaction is optional
            if sent:
                report.compacted += 1

    async def _compact_document(self, journal: LocalJournal, document: Document) -> bool:
        """Replace the document's acknowledged records by one snapshot that covers what they
        account for; whether a snapshot was sent (and the server took it). Only the records
        whose covers fit in one record's together are superseded (`counting.superseding`:
        within the limits, protocol.md 4.15 "Within the limits"; those naming the fewest
        ranges first, so that a full snapshot left as it is never stops the rest from being
        compacted, REV-S1 F2); the others stay as they are. Nothing when fewer than two
        would be (nothing gained), when the counters this device withdrew do not fit beside
        them (a `void` carries those first), or when the snapshot is larger than a record."""
        accounts = await self.store.superseded(document.doc_id, wire.MAX_RECORDS_PER_PAGE)
        superseded, covered = counting.superseding(accounts)
        if len(superseded) < 2:
            return False
        # Read the state after the list it supersedes, so that it holds every record named
        # there even if a pull or a push acknowledged more of them meanwhile.
        stored = await self.store.document(document.doc_id)
        if stored is None or stored.waiting:
            # Something waits for clocks the document lacks: its state does not hold it, and
            # the records it came in (or the withheld one it waits for, once served) must stay
            # for the devices that read them; no snapshot supersedes them (rev-wn W1).
            return False
        document = stored_document(stored)
        key = await self.journal_key(journal, journal.epoch)
        record_id = crypto.random_bytes(wire.ID_BYTES)
        me, device = self.profile.account_id, self.profile.device_id
        try:
            async with self.store.transaction() as tx:
                body, withdrawn = await self._new_body(
                    tx,
                    journal,
                    (document.doc_id, document.kind),
                    records.SNAPSHOT,
                    document.state(),
                    covered,
                    compress=self.compresses(journal, document),
                )
                if body.covers != counting.merge_covers([*withdrawn, *covered]):
                    raise _CoversDoNotFit  # rolled back (counter, withdrawals): not compacted
                # Until the server confirms the snapshot, its counter (and the withdrawn
                # counters it carries) count as withdrawn, so that a lost reply or a cancelled
                # sync leaves no unexplained hole in this device's counters.
                pending = counting.merge_covers(
                    [
                        counting.Cover(me, device, ((body.counter, body.counter),)),
                        *withdrawn,
                    ]
                )
                await tx.withdraw(journal.journal_id, pending)
        except _CoversDoNotFit:
            return False
        ciphertext = self._seal(journal, key, record_id, body)
        if len(ciphertext) > wire.MAX_RECORD_BYTES:
            return False  # too large to snapshot in one record: keep the updates
        request = wire.CompactRequest(
            journal.journal_id, wire.RecordUpload(record_id, journal.epoch, ciphertext), superseded
        )
        reply = await self.transport.call(
            "/v1/records/compact", request, wire.CompactReply, wait_rate_limit=False
        )
        async with self.store.transaction() as tx:
            await tx.forget_seen(journal.journal_id, superseded)
            seen = self._seen(journal.journal_id, record_id, reply.seq, journal.epoch, body)
            await tx.mark_seen([dataclasses.replace(seen, sealed=crypto.hash32(ciphertext))])
            await tx.unwithdraw(journal.journal_id, pending)
            if body.covers:
                await tx.put_covers(
                    journal.journal_id, record_id, counting.encode_covers(body.covers)
                )
            await tx.acknowledge_own(journal.journal_id, [record_id])
            # Its next pull counts it as come back only from its bytes (rev32a F3).
            unpulled = sync_plan.decode_own_snapshots(await tx.setting(sync_plan.OWN_SNAPSHOTS))
            unpulled.setdefault(journal.journal_id, {})[record_id] = reply.seq
            await tx.set_setting(sync_plan.OWN_SNAPSHOTS, sync_plan.encode_own_snapshots(unpulled))
        return True

    def _removal(self, body: records.RecordBody) -> sync_plan.Removal:
        """The removal (trash or delete) of an entry this device held, by the record `body`
        from another device: what of this device's records its writer had received (its
        signed seen vector: protocol.md 4.15), so that an edit made here that it had not
        received is told as one the removal overtook (settling.py, NU22 C12)."""
        me = (self.profile.account_id, self.profile.device_id)
        had = next((s.counter for s in body.seen if (s.author, s.device) == me), 0)
        return sync_plan.Removal(body.author, body.device, had)

    def _merge(
        self,
        journal: LocalJournal,
        record: wire.StoredRecord,
        body: records.RecordBody,
        changed: dict[bytes, Document],
        stored: dict[bytes, StoredDocument],
        was_removed: dict[bytes, str] | None = None,
    ) -> tuple[Document, bool]:
        """Apply one verified record to its document (loaded once per page); a document
        this device held deleted or in the trash goes into `was_removed`, with how
        (`documents.removal`). Returns the document and, for a snapshot, whether it brought
        anything the document did not hold (`Document.holdings`; True for any other
        record)."""
        document = changed.get(body.doc_id)
        existing = stored.get(body.doc_id)
        other_kind = (document is not None and document.kind != body.doc_kind) or (
            existing is not None
            and (existing.kind != body.doc_kind or existing.journal_id != journal.journal_id)
        )
        if other_kind:  # checked on every merge, also for a document made earlier in the page
            raise IntegrityError(
                f"record {record.record_id.hex()} targets a document of another kind or journal",
                record_id=record.record_id,
            )
        if body.doc_kind in FEED_KINDS:  # a change feed's own kind: no document has it
            raise IntegrityError(
                f"record {record.record_id.hex()} names a document of kind "
                f"{body.doc_kind!r}, which no document may have (a change feed's own)",
                record_id=record.record_id,
            )
        if document is None:
            document = (
                stored_document(existing) if existing else Document(body.doc_id, body.doc_kind)
            )
            if existing is not None and was_removed is not None and removed(document):
                was_removed[body.doc_id] = documents_removal(document)
        if body.kind != records.SNAPSHOT or existing is None:  # nothing held to compare
            document.apply(body.payload)
            return document, True
        before = document.holdings()
        document.apply(body.payload)
        after = document.holdings()
        return document, before is None or after is None or after != before

    async def copy_forgotten(self, journal_id: bytes) -> bool:
        """Whether this device discarded its copy of the journal (`forget_copy`) and took it
        back when its owner shared it with this account again (forgotten.RETURNED): what it
        holds nothing of from the earlier share, it discarded, rather than being added after
        that share ended (NU24 C5). Reads the store only."""
        back = forgotten.decode(await self.store.setting(forgotten.RETURNED))
        return forgotten.tag(journal_id) in back

    async def earlier_share_elsewhere(self, journal: LocalJournal) -> int | None:
        """For a journal shared with this account again after an earlier share ended: the
        `at` (ms, UTC, the owner's clock) of the current share's grant when this device holds
        nothing of the earlier share (it was added since, or never synced then), so that the
        notes and acknowledgements this account wrote then are on its other devices only (a
        new share's key opens nothing before it, protocol.md 4.19); None otherwise (an own
        journal, a first share, or a device that read the earlier share). NU22 C7."""
        if journal.owner_id == self.profile.account_id:
            return None
        state = self.chains.state(journal.journal_id)
        if state is None:
            return None
        granted = state.shared_before(self.profile.account_id)
        if granted is None:
            return None
        first = state.first_epoch_of(self.profile.account_id)
        if await self.store.holds_epochs_before(journal.journal_id, first):
            return None
        return granted

    def _history_before(self, journal: LocalJournal) -> int:
        """The first key epoch this account may read: 0 for the owner; for a member, the
        epoch its current share started (a share never carries the history before it)."""
        if journal.owner_id == self.profile.account_id:
            return 0
        state = self.chains.state(journal.journal_id)
        if state is None:
            return 0
        return state.first_epoch_of(self.profile.account_id)

    async def _open_records(
        self, journal: LocalJournal, fresh: list[wire.StoredRecord]
    ) -> list[records.RecordBody | records.NewerRecord | IntegrityError]:
        """Decrypt and verify `fresh` records of the journal: for each, in order, its body,
        a records.NewerRecord (a body version newer than this SDK reads, its signature
        verified), or the IntegrityError that refuses it (records.UnknownSigner for an
        unknown signer).

        Every record is opened and its signature verified, as before (issue 10); only where
        and when: from PARALLEL_OPEN_MIN records on, on a machine with two cores or more, a
        worker thread opens records from the front while this thread opens them from the back
        (opening.Opening: libsodium runs without Python's lock, so verification, most of a
        pull's CPU, uses both cores). Records of a reply asked ahead may have been opened in
        the worker before (`_open_early`): each is used only if opened from the same inputs
        (`_same_inputs`), else opened here as any other."""
        if not fresh:  # a page of echoes (a pull after a push): nothing to open
            return []
        keys: dict[int, bytes | Exception] = {}
        for epoch in dict.fromkeys(record.epoch for record in fresh):
            try:
                keys[epoch] = await self.journal_key(journal, epoch)
            except (IntegrityError, AccessError) as error:
                keys[epoch] = error
        signers = self._signers(journal)

        def open_one(
            record: wire.StoredRecord,
        ) -> records.RecordBody | records.NewerRecord | IntegrityError:
            key = keys[record.epoch]
            if isinstance(key, IntegrityError):  # refused: pulled again once one verifies
                return _KeyWanted(f"record {record.record_id.hex()}: {key}", record.epoch)
            if isinstance(key, Exception):
                return IntegrityError(f"record {record.record_id.hex()}: {key}")
            try:
                return records.open_verified(
                    key,
                    journal.journal_id,
                    record.record_id,
                    record.epoch,
                    record.ciphertext,
                    signers,
                )
            except IntegrityError as error:
                return error

        # The page opened ahead that holds these records, if any: those before it (pages
        # none of whose records was to be opened: all held here already, say) are dropped,
        # those after it (the next page, asked ahead already) kept.
        queued = self._openings.get(journal.journal_id, [])
        wanted = {id(record) for record in fresh}
        early = None
        for index, candidate in enumerate(queued):
            if {id(record) for record in candidate.items} & wanted:
                early = candidate
                for stale in queued[:index]:
                    stale.cancel()
                del queued[: index + 1]
                break
        done: dict[int, records.RecordBody] = {}
        if early is not None:
            for found in await early.results():
                if found is not None and self._same_inputs(found, journal, keys, signers):
                    done[id(found.record)] = found.body
        left = [record for record in fresh if id(record) not in done]
        if early is None and len(left) >= VERIFY_AHEAD_MIN and verifying.started():
            # A bulk pull's page not opened ahead (its first): decrypted here, its
            # signatures verified in the helper process as a page asked ahead is, rather than
            # on two threads that share Python's lock (less CPU, and 10 to 25 ms less a page
            # of 1,000, the helper just started).
            held = {epoch: key for epoch, key in keys.items() if isinstance(key, bytes)}
            verified = _VerifiedAhead.start(left, journal.journal_id, held, signers)
            if verified is not None:
                for found in await verified.results():
                    if found is not None:
                        done[id(found.record)] = found.body
                left = [record for record in fresh if id(record) not in done]
        opening = Opening(left, open_one)
        if len(left) >= PARALLEL_OPEN_MIN and (helper := opening_worker()) is not None:
            opening.start(helper)
        rest = iter(await opening.results())
        return [done[id(record)] if id(record) in done else next(rest) for record in fresh]

    @staticmethod
    def _same_inputs(
        found: _OpenedEarly,
        journal: LocalJournal,
        keys: dict[int, bytes | Exception],
        signers: Callable[[bytes], bytes | None],
    ) -> bool:
        """Whether a record opened ahead (`_open_early`) was opened from exactly what
        `_open_records` would open it with now: the same journal, the same key for its epoch,
        and the same signing key for its author (the record itself is the same object, its
        id, epoch and ciphertext immutable). Then the outcome is the same: it is used."""
        try:
            author_key = signers(found.body.author)
        except IntegrityError:
            return False
        return (
            found.journal_id == journal.journal_id
            and keys.get(found.record.epoch) == found.key
            and author_key == found.author_key
        )

    def _open_early(self, reply: wire.SyncReply, journals: dict[bytes, LocalJournal]) -> None:
        """Start opening the records of `reply` (a pull's next reply, asked for ahead) in the
        worker thread while this one applies the page before it: with the keys already held
        in memory, and who signs as this device knows it now. `_open_records` uses a record
        opened so only if every input is still the same (`_same_inputs`); else, or if not
        opened yet, it opens it then, as any other. Not for a journal whose last page was
        mostly records this device held already (echoes of its own push): they are never
        opened, and would be opened ahead for nothing."""
        helper = opening_worker()
        if helper is None:
            return
        for page in reply.pages:
            journal = journals.get(page.journal_id)
            if (
                journal is None
                or len(page.records) < PARALLEL_OPEN_MIN
                or not self._mostly_fresh.get(page.journal_id, False)
            ):
                continue  # few records, or likely echoes (the last page's were): not ahead
            held = {
                epoch: key
                for epoch in {record.epoch for record in page.records}
                if (key := self._keys.get((journal.journal_id, epoch))) is not None
            }
            signers = self._signers(journal)
            opening: Opening[wire.StoredRecord, _OpenedEarly | None] | _VerifiedAhead | None = (
                _VerifiedAhead.start(page.records, journal.journal_id, held, signers)
                if len(page.records) >= VERIFY_AHEAD_MIN
                else None
            )
            if opening is None:
                threaded = Opening(
                    page.records,
                    functools.partial(_opened_early, journal.journal_id, held, signers),
                )
                threaded.start(helper)
                opening = threaded
            queued = self._openings.setdefault(journal.journal_id, [])
            while len(queued) >= OPENED_AHEAD_MAX:
                queued.pop(0).cancel()
            queued.append(opening)

    def _drop_openings(self) -> None:
        for queued in self._openings.values():
            for opening in queued:
                opening.cancel()
        self._openings.clear()

    def _signers(self, journal: LocalJournal) -> Callable[[bytes], bytes | None]:
        """Whose signatures this journal's records may carry: this account, the owner, and
        members the owner's chain granted (with the keys it names)."""
        state = self.chains.state(journal.journal_id)

        def sign_key_of(account_id: bytes) -> bytes | None:
            if account_id == self.profile.account_id:
                return self.profile.secrets.sign_public_key
            if account_id == journal.owner_id:
                return self._owner_sign_key(account_id)
            return state.sign_key_of(account_id) if state else None

        return sign_key_of

    def _co_member_may_have_written(
        self, journal: LocalJournal, record: wire.StoredRecord, claimed: records.RecordBody
    ) -> bool:
        """Whether a record by a signer this device does not know may be another member's
        (set aside quietly, not an alarm): this device is a member, the owner's verified chain
        has a member it cannot identify holding `annotate` during the record's epoch, and the
        record (as it claims, unverified) is a void or changes an annotation this author
        created. Anything else by an unknown signer is reported as tampering."""
        if not self._unidentified_co_member(journal, record, claimed.author):
            return False
        return claimed.kind == records.VOID or (
            claimed.doc_kind in access.ANNOTATION_KINDS
            and keys.created_by(claimed.doc_id, claimed.author)
        )

    def _unidentified_co_member(
        self, journal: LocalJournal, record: wire.StoredRecord, author: bytes
    ) -> bool:
        """Whether an unknown signer `author` (as the record claims) may be a co-member this
        device cannot identify: this device is a member, the author is neither the owner nor
        this account, and the owner's verified chain has a member this device cannot
        identify holding `annotate` during the record's epoch."""
        state = self.chains.state(journal.journal_id)
        if state is None or self.profile.account_id == journal.owner_id:
            return False  # the owner's devices identify every member: unknown is forged
        if author in (journal.owner_id, self.profile.account_id):
            return False
        return state.unidentified_annotator(record.epoch)

    def _check_owner_edit(
        self,
        record: wire.StoredRecord,
        body: records.RecordBody,
        creator: bytes | None,
        changed: dict[bytes, Document],
        stored: dict[bytes, StoredDocument],
    ) -> None:
        """In an annotation a member created (its creator is known here), a record by anyone
        else (the owner) may delete it or leave it as it is (a compaction snapshot), never
        rewrite what it says under the member's name (R13 finding 5): an owner's build
        retargeting a therapist's acknowledgement to another flag is refused. A device that
        never held the document (a new member's, after a history-free share) cannot compare
        and takes the owner's snapshot as it comes (protocol.md 4.15)."""
        if (
            creator is None
            or creator == body.author
            or body.doc_kind not in access.ANNOTATION_KINDS
        ):
            return
        if body.doc_id in changed:
            current = changed[body.doc_id]
        elif body.doc_id in stored and stored[body.doc_id].kind == body.doc_kind:
            current = stored_document(stored[body.doc_id])
        else:
            return
        trial = current.copy()
        trial.apply(body.payload)
        if _annotation_content(trial) != _annotation_content(current):
            raise IntegrityError(
                f"record {record.record_id.hex()} changes what another account wrote in its "
                f"{body.doc_kind.replace('_', ' ')}: only its author may (the owner may delete it)",
                record_id=record.record_id,
            )

    def _check_author(
        self, journal: LocalJournal, record: wire.StoredRecord, body: records.RecordBody
    ) -> None:
        """The owner may change anything in a journal; an annotating member only the notes and
        prompts it created itself, which its document id proves (keys.created_by), whatever
        order the server serves records in. Anyone else's record is refused."""
        if body.author == journal.owner_id:
            return
        state = self.chains.state(journal.journal_id)
        what = access.MemberWrite(
            body.author, body.doc_id, body.doc_kind, record.epoch, body.device
        )
        if state is None or not access.member_may_change(state, what, body.counter):
            raise IntegrityError(
                f"record {record.record_id.hex()} was written by an account without the right "
                "to change that part of this journal",
                record_id=record.record_id,
            )

    def _check_writer(
        self,
        journal: LocalJournal,
        record: wire.StoredRecord,
        body: records.RecordBody | records.NewerRecord,
    ) -> None:
        """A `void` record changes nothing; it needs only an author who may write here. So
        does a record of a newer body version before it is kept (what it changes is checked
        when an SDK that reads it opens it again)."""
        if body.author != journal.owner_id and not self._is_annotator(journal, record, body):
            raise IntegrityError(
                f"record {record.record_id.hex()} was written by an account that may not write "
                "in this journal",
                record_id=record.record_id,
            )

    def _is_annotator(
        self,
        journal: LocalJournal,
        record: wire.StoredRecord,
        body: records.RecordBody | records.NewerRecord,
    ) -> bool:
        """Whether the owner's chain gave the record's author the annotate role during the
        record's key epoch, within the counters it signed when that right ended."""
        state = self.chains.state(journal.journal_id)
        return state is not None and state.may_annotate(
            body.author, record.epoch, body.device, body.counter
        )

    async def member_name(self, journal: LocalJournal, account_id: bytes) -> str:
        """The username of an author in `journal`, from verified identities only, the same on
        every device: this account, a pinned peer, else the (possibly former) member as the
        owner's verified chain names them (read from the store in a client just opened).
        Never an id: an author the chain does not name is called so."""
        if account_id == self.profile.account_id:
            return self.profile.username
        peer = await self.store.peer(account_id)
        if peer is not None:
            return peer.username
        await self.load_access()
        state = self.chains.state(journal.journal_id)
        signer = state.signers.get(account_id) if state else None
        if signer is not None:
            return signer.username
        if account_id == journal.owner_id and journal.owner_name:
            return journal.owner_name
        return "an account this journal's access chain does not name"

    def _signed_meta(
        self, journal_id: bytes, epoch: int, name: str, named_at: int, archived: bool = False
    ) -> dict[str, Any]:
        """The metadata map: the owner-signed name with its `named_at` and, when the owner
        archived the journal, `archived` (true), which the signature covers too (version 2,
        4.14; a member cannot archive or unarchive it, W1; see `is_archived`)."""
        signature = keys.sign_journal_name(
            self.profile.secrets, journal_id, epoch, name, named_at, archived
        )
        extra = {"archived": True} if archived else {}
        return {"name": name, "name_signature": signature.hex(), "named_at": named_at, **extra}

    @staticmethod
    def _named_at(journal: LocalJournal, name: str, archived: bool) -> int:
        """The `named_at` to sign `name` and `archived` with: the journal's last one when both
        are the ones this device holds (metadata sealed again: a rotation; never below 1, a
        version-1 name becomes version 2 unchanged), else a rename's, an archive's or an
        unarchive's (`next_named_at`: later than every one this device verified, whatever its
        clock, so the server cannot serve the setting before again, W1). IntegrityError when
        the name held is not one this device verified (a placeholder for metadata it could
        not open, W7): never signed as the owner's name."""
        if name == journal.name:
            if not name_verified(journal):
                raise IntegrityError(unverified_name(journal))
            if archived == is_archived(journal):
                # The time its metadata was signed with: never a name signed again with
                # another name's `named_at` (a row a store kept so before rev34d F1).
                return max(named_at_of(json.loads(journal.meta)), 1)
        return next_named_at(now_ms(), journal.named_at)

    # --- keys over time: rotation and re-sealing -------------------------------------------------

    def compresses(self, journal: LocalJournal, document: Document) -> bool:
        """Whether this device seals `document`'s payloads in `journal` compressed where that
        is shorter (protocol.md 4.15 "Compressed payloads"): `compressible`, and not an
        entry's copy in a journal kept for a member (a field-level share, single items),
        whose title may be a prompt's text while the copy carries no `prompt_id`."""
        if document.kind == ENTRY and self.is_disclosure(journal):
            return False
        return compressible(document)

    def is_disclosure(self, journal: LocalJournal) -> bool:
        """Whether the journal is one this account keeps for a member (disclosure settings
        in its owner-signed chain)."""
        state = self.chains.state(journal.journal_id)
        return journal.role == "owner" and state is not None and state.disclosure is not None

    async def check_not_copy(self, journal: LocalJournal, *, editing: bool = False) -> None:
        """Raise InvalidInput (subject COPY_JOURNAL) when `journal` is one this account keeps
        only to share with a member (`is_disclosure`: a field-level copy, the journal of
        items shared one by one, a brief), saying where to write instead (the copy's source
        journal, by its owner-sealed disclosure settings): only the SDK's own sharing code
        writes in it (`commit`'s `copy`). An entry written there reached the member whole
        and was left out of the owner's own lists (NU46 #4). `editing`: the words of an edit
        of a copy already there. Load the chains first (`load_access`)."""
        if not self.is_disclosure(journal):
            return
        settings = self.disclosure_settings(journal)
        state = self.chains.state(journal.journal_id)
        who = state.signers.get(settings.member_id) if state and settings else None
        source = None
        if settings is not None and settings.mirror_of is not None:
            held = {j.journal_id: j for j in await self.store.journals()}
            found = held.get(settings.mirror_of)
            source = found.name if found is not None and found.role != REVOKED else None
        kind = settings.kind if settings is not None else None
        raise InvalidInput(
            copy_write_refused(
                journal.name,
                kind,
                who.username if who is not None else "",
                source,
                (settings.fields or ()) if settings is not None else (),
                editing=editing,
            ),
            subject=COPY_JOURNAL,
            names={"kind": kind or ""},
        )

    def disclosure_settings(self, journal: LocalJournal) -> access.Disclosure | None:
        """The owner-sealed disclosure settings of a journal this account keeps for a member
        (`is_disclosure`), opened; None for any other journal, or settings that do not
        open."""
        state = self.chains.state(journal.journal_id)
        if not self.is_disclosure(journal) or state is None or state.disclosure is None:
            return None
        try:
            return access.open_disclosure(
                self.profile.secrets.account_key, journal.journal_id, state.disclosure
            )
        except IntegrityError:
            return None

    def is_copy_shared_with_me(self, journal: LocalJournal) -> bool:
        """Whether a journal someone else owns is one they keep for this account, holding
        copies of their entries (field-level or single items): its owner-signed chain
        carries disclosure settings (sealed to the owner; that they exist is all a member
        sees). A server cannot make a whole shared journal look like one."""
        state = self.chains.state(journal.journal_id)
        return (
            journal.owner_id != self.profile.account_id
            and state is not None
            and state.disclosure is not None
        )

    async def briefs_shared_with_me(
        self, journals: Iterable[LocalJournal], holding_any: set[bytes] | None = None
    ) -> set[bytes]:
        """Ids of those of `journals` that another account made to share a pre-session brief
        with this one (a member cannot open the owner-sealed disclosure settings that say
        "brief"): a journal whose owner-signed chain carries disclosure settings
        (`is_copy_shared_with_me`) and whose every document on this device is a brief, or,
        holding none here yet (held back until the owner is verified, or not pulled yet), whose
        owner-signed name this device verified is the one a brief for this account gets
        (journal_meta.names_brief_for: NU47 #4, such a journal was listed as a journal). Never
        from the server's journal list: a server cannot make a client's whole journal pass for
        a brief (NU31 #2). Load the chains first (`load_access`)."""
        copies = [j for j in journals if self.is_copy_shared_with_me(j)]
        if not copies:
            return set()
        holding = await self.store.journals_holding_only(BRIEF)
        if holding_any is None:  # the caller's read of `Store.journals_holding_any`, if any
            holding_any = await self.store.journals_holding_any()
        empty = {j.journal_id for j in copies} - holding_any
        me = self.profile.username
        return {
            j.journal_id
            for j in copies
            if j.journal_id in holding
            or (j.journal_id in empty and name_verified(j) and names_brief_for(j.name, me))
        }

    def copy_still_read(self, ended: LocalJournal, journals: Iterable[LocalJournal]) -> str:
        """For a member whose share of the owner's whole journal `ended` ended: the name of
        a field-level copy of it the owner still shares with this account ("Personal (mood,
        tags) for drsmith", the copy a narrowing `--only` makes: NU24 C11) among `journals`,
        else "". Decided from what the owner signed and this device verified only: a journal
        of the same owner whose access chain carries disclosure settings
        (`is_copy_shared_with_me`) and grants this account now, and whose owner-signed name
        is the one a copy of `ended` for this account gets. A member cannot open the
        settings (sealed to the owner), so the name is what ties the copy to the journal."""
        me, now = self.profile.account_id, now_ms()
        prefix, suffix = f"{ended.name} (", f") for {self.profile.username}"
        for journal in journals:
            state = self.chains.state(journal.journal_id)
            if (
                journal.owner_id == ended.owner_id
                and journal.journal_id != ended.journal_id
                and journal.role in keys.ROLES
                and self.is_copy_shared_with_me(journal)
                and state is not None
                and state.current_terms(me, now) is not None
                and journal.name.startswith(prefix)
                and journal.name.endswith(suffix)
            ):
                return str(journal.name)
        return ""

    def source_still_read(self, copy: LocalJournal, journals: Iterable[LocalJournal]) -> str:
        """For a member whose share of a field-level copy `copy` ended ("Personal (mood,
        tags) for drsmith"): the name of a journal among `journals` through which this
        account reads, now, the journal `copy` copies: that journal itself, shared whole
        ("Personal", an owner-signed name `copy`'s name is made from, whose chain carries no
        disclosure settings), or another copy of it kept for this account; else "" (NU28
        C2). Decided from what the owner signed and this device verified only: `copy`'s
        chain carries disclosure settings (`is_copy_shared_with_me`), both names are the
        owner-signed ones, and the other journal's verified chain, with no problem, grants
        this account now (`AccessState.current_terms`), whatever the server lists. A member
        cannot open the settings (sealed to the owner), so the names tie the copy to the
        journal, as in `copy_still_read`."""
        me, now = self.profile.account_id, now_ms()
        source = copied_journal(copy.name, self.profile.username)
        if not source or not self.is_copy_shared_with_me(copy):
            return ""
        for journal in journals:
            state = self.chains.state(journal.journal_id)
            if (
                journal.owner_id != copy.owner_id
                or journal.journal_id == copy.journal_id
                or journal.role not in keys.ROLES
                or state is None
                or self.chains.problem(journal.journal_id)
                or state.current_terms(me, now) is None
            ):
                continue
            if self.is_copy_shared_with_me(journal):
                if copied_journal(journal.name, self.profile.username) == source:
                    return str(journal.name)
            elif journal.name == source:
                return str(journal.name)
        return ""

    def replacement(
        self, copy: LocalJournal, journals: Iterable[LocalJournal]
    ) -> LocalJournal | None:
        """For a field-level copy kept for this account (`copy`, "Personal (mood, scores) for
        drlee") that is no longer served to it or whose signed end date passed: the journal
        among `journals` its owner replaced it by, from what the owner signed and this device
        verified only (never the server's list), as the sync's notice says it
        (`Departure.replaced_copy`). That is the journal `source_still_read` names (the one
        `copy` copies, shared whole, or another copy of it, granted to this account now),
        when the owner granted this account that share at or after the end they signed of
        `copy` (a `removed` entry of their own decision, or the signed end date). None
        otherwise: for a share of it granted before (this account read both), for an end an
        owner device signed on the server's word ("dropped on the server's word"), for a copy
        still on, and for a copy only the server stops serving (a removed member is not served
        its removal, but a later grant of another share is no evidence that the owner ended
        this one: the server could be withholding it; `tj sync`'s notice says "most likely
        replaces", hedged)."""
        me, now = self.profile.account_id, now_ms()
        journals = list(journals)
        name = self.source_still_read(copy, journals)
        state = self.chains.state(copy.journal_id)
        handles = state.handles.get(me, []) if state is not None else []
        if not name or state is None or not handles:
            return None
        latest = handles[-1]
        current = state.members.get(latest)
        if latest in state.unshared:
            since = state.unshared[latest][1]  # the owner's own decision, signed
        elif latest in state.ended:
            since = state.ended[latest].expires_at
        elif current is not None and current.ended(now):
            since = current.expires_at  # the signed end date, by this device's clock
        else:
            return None  # nothing the owner signed ended `copy`: never a replacement then
        return self.granted_since(copy, name, since, journals)

    def granted_since(
        self, copy: LocalJournal, name: str, since: int, journals: Iterable[LocalJournal]
    ) -> LocalJournal | None:
        """The journal of `journals` named `name`, of `copy`'s owner and not `copy` itself,
        that this account's latest share of was granted at or after `since` (ms UTC), by its
        verified chain, or None (`replacement`, `Sharing._replaced_by`)."""
        me = self.profile.account_id
        for journal in journals:
            other = self.chains.state(journal.journal_id)
            if (
                journal.name != name
                or journal.owner_id != copy.owner_id
                or journal.journal_id == copy.journal_id
                or other is None
                or not other.handles.get(me)
            ):
                continue
            granted = other.granted_at.get(other.handles[me][-1])
            if granted is not None and granted >= since:
                return journal
        return None

    def owner_verified(self, journal: LocalJournal) -> bool:
        """Whether this device compared the fingerprint of the journal's owner: the owner's
        pin is verified, or, with no pin of that account any more, its verified pin was
        replaced by a verify of another account under its username (a name taken again
        after an erasure, NU43 #1: what was verified of the first account stays so; nothing
        new of it verifies without a pin)."""
        if journal.owner_id == self.profile.account_id:
            return True
        owner = self._peers.get(journal.owner_id)
        if owner is None:
            return journal.owner_id in self._replaced
        return owner.verified

    async def rotate_expired(self) -> None:
        """Rotate the key of every owned journal with a member whose end date, as the owner
        signed it in the chain, has passed by this device's clock (whatever the server says),
        and of every owned journal whose current epoch's key the verified chain says was
        sealed to a membership that is no longer (`AccessState.former_holders`: a `removed`
        or `ended` entry whose rotation this device never received, rev29c F1); until its
        rotation is stored, `unsafe_epoch` keeps that journal's records in the outbox.
        On a member's device, a journal shared with this account whose signed end date
        passed by the same clock (`share_lapsed`) while it is still held as `read` or
        `annotate` (a server that keeps listing it unchanged would never make the device
        read its journal list again) ends here: the journal list is read again and verified
        (`refresh_journals`), which stores it as ended and tells it once, as `end date`,
        as when the server stops serving it."""
        now, me = (self.clock or now_ms)(), self.profile.account_id
        ended = [
            journal_id
            for journal_id, state in self.chains.states().items()
            if any(member.ended(now) for member in state.members.values())
            or (state.owner_id == me and state.former_holders())
        ]
        if not ended:
            return  # the store is not read (every sync comes here, a no-op one too: issue 10)
        journals = {j.journal_id: j for j in await self.store.journals()}
        lapsed = False
        for journal_id in ended:
            journal = journals.get(journal_id)
            if journal is None or self.chains.problem(journal_id):
                continue
            if journal.role != "owner":
                lapsed = lapsed or (journal.role in keys.ROLES and self.share_lapsed(journal, now))
                continue
            if await self._expired_with_grant(journal):
                continue
            try:
                await self.change_access(journal, [])
            except (InvalidInput, AccessError, NotFound, ConflictError) as error:
                # The server refused this journal's rotation (say, an entry larger than it
                # accepts, or a 403, 404 or 409 of a hostile server): that journal's problem,
                # told by the sync; the others go on. An error raised on this device (no
                # server code: the store busy...) still fails the sync, as do network
                # errors and 5xx answers (NetworkError, not caught).
                if error.code is None and not isinstance(error, InvalidInput):
                    raise
                state = self.chains.current(journal_id)
                if any(m.ended(now) for m in state.members.values()):
                    said = (
                        f"a share whose end date passed could not be ended: {error}; its "
                        "records wait in the outbox until it is"
                    )
                elif isinstance(error, ConflictError) and state.former_holders():
                    # Another device rotated first, yet its new key is not served here: at
                    # every sync the same refusal, so "sync, then try again" loops (rev29d F5).
                    said = (
                        "the key of a share that was removed or ended could not be rotated: "
                        "the server does not accept the new key this device signs, saying "
                        "another device changed it, and that device's new key has not "
                        "reached this one (the server may be withholding it). The records "
                        "written here since stay on this device, not pushed, until the new "
                        "key arrives; syncing again does not help while it is withheld: sync "
                        "the device that removed the share, and compare this journal's "
                        "verify-head code with another of your devices"
                    )
                else:
                    said = (
                        "the key of a share that was removed or ended could not be "
                        f"rotated: {error}; its records wait in the outbox until it is"
                    )
                self._end_problems[journal_id] = (self.shown_name(journal), said)
                continue
            except IntegrityError as error:
                held = {j.journal_id: j for j in await self.store.journals()}.get(journal_id)
                if held is None or name_verified(held):
                    raise
                # A placeholder name is never signed (W7): told by each sync until renamed.
                self._name_problems[journal_id] = (held.name, str(error))
            self._end_problems.pop(journal_id, None)
        if lapsed:
            await self.refresh_journals()

    async def _rotate_unchecked(self, report: sync_plan.SyncReport) -> bool:
        """Inside a sync, on an owner's device: rotate every journal this account owns whose
        current key epoch the verified access chain holds no key check of (a legacy epoch,
        begun by an entry an app before chain version KEY_CHECKED signed: protocol.md 4.19
        "Upgrading a legacy epoch") to a new epoch whose `rotated` entry carries the check,
        sealed to exactly the members that chain lists (they keep their access). Until then a
        device holding no key of the current epoch yet (a new device of a member or of the
        owner) would take the first envelope that verifies for it; from then on every device
        takes the current epoch's key only when it matches the check the owner signed.

        At most one rotation is signed for a verified chain head (`legacy_upgrade`): it is
        noted in the store before it is sent, and every later attempt (at most one a sync)
        sends the same bytes again while the verified chain keeps that length and head, and
        the journal its name; a new one is signed only once the chain moved on (the note is
        then dropped, its key never used) or the owner renamed or archived the journal. A
        server that refuses it, or fails, thus gets nothing newly signed; from the second
        failed attempt of one rotation on, each failing sync tells it (a problem of that
        sync). Its key becomes the new epoch's key only once the server stored it.

        Left alone: a journal with a share being signed or ended, or an owed grant
        (`owed_shares`: its own rotation carries a check and must keep its position); one
        with a member whose end date passed (`rotate_expired` ends it, with a check) or whom
        the server no longer serves (the removal's rotation does); one whose chain has a
        problem. A journal whose rotation this device cannot sign (a name it never verified,
        W7) is not tried again in this session. Any other failure (the server's refusal, no
        answer, a chain read again that has a problem) skips that journal for this sync
        only: never a sync that fails for it. Returns whether a rotation was stored (records
        this device sealed meanwhile are sealed again)."""
        me = self.profile.account_id
        unchecked = [
            journal_id
            for journal_id, state in self.chains.states().items()
            if state.owner_id == me
            and state.epoch not in state.key_checks
            and journal_id not in self._unchecked_refused
            and not self.chains.problem(journal_id)
        ]
        if unchecked:  # one whose member's end date passed is `rotate_expired`'s
            now = (self.clock or now_ms)()
            unchecked = [
                journal_id
                for journal_id in unchecked
                if not any(m.ended(now) for m in self.chains.current(journal_id).members.values())
            ]
        if not unchecked and not self._upgrades_noted:
            return False  # the store is not read (every sync comes here)
        noted = await self._drop_moved_upgrades()
        if not unchecked:
            return False
        journals = {j.journal_id: j for j in await self.store.journals()}
        owed = owed_shares.decode(await self.store.setting(owed_shares.SETTING))
        served: list[dict[bytes, set[bytes]]] = []  # read once, when one is signed
        rotated = False
        for journal_id in unchecked:
            journal = journals.get(journal_id)
            if (
                journal is None
                or journal.role != "owner"
                or journal_id in owed
                or journal_id in self._granting
                or journal_id in self._holding
            ):
                continue
            try:
                rotated = await self._upgrade(journal, noted.get(journal_id), served, report) or (
                    rotated
                )
            except ClientClosed:
                raise
            except TJError:  # never a sync that fails for it: tried again at the next
                continue
        return rotated

    async def _drop_moved_upgrades(self) -> dict[bytes, legacy_upgrade.Upgrade]:
        """The upgrades noted in the store (`legacy_upgrade`), without (and dropping from the
        store) those whose journal's verified chain moved on from the head they were signed
        on, or that this device no longer holds: never sent again, their key never used. A
        value that cannot be read is dropped; the heads signed on (`legacy_upgrade.HEADS`)
        stay until their chain moves on."""
        value = await self.store.setting(legacy_upgrade.SETTING)
        noted = legacy_upgrade.decode(value)
        if value and not noted:  # cannot be read: its head stays (`legacy_upgrade.HEADS`)
            async with self.store.transaction() as tx:
                if await tx.setting(legacy_upgrade.SETTING) == value:
                    await tx.set_setting(legacy_upgrade.SETTING, None)
        moved = {
            journal_id: upgrade
            for journal_id, upgrade in noted.items()
            if (state := self.chains.state(journal_id)) is None
            or not legacy_upgrade.signed_on(upgrade, state)
        }
        if moved:
            await self._drop_upgrades(moved.values())
        heads = await self.store.setting(legacy_upgrade.HEADS)
        if (found := legacy_upgrade.heads(heads)) and legacy_upgrade.encode_heads(
            legacy_upgrade.still_on(
                found, {journal_id: self.chains.state(journal_id) for journal_id in found}
            )
        ) != heads:  # the heads signed on whose chain moved on go too: decided here, then
            # read again under the store's lock (a quiet journal's head may stay for good,
            # and a sync with nothing to do opens no write transaction for it, issue 10)
            async with self.store.transaction() as tx:
                value = await tx.setting(legacy_upgrade.HEADS)
                found = legacy_upgrade.heads(value) or {}
                states = {journal_id: self.chains.state(journal_id) for journal_id in found}
                heads = legacy_upgrade.moved_on(value, states) if found else value
                if heads != value:
                    await tx.set_setting(legacy_upgrade.HEADS, heads)
        self._upgrades_noted = len(noted) > len(moved) or heads is not None
        return {j: u for j, u in noted.items() if j not in moved}

    async def _drop_upgrades(
        self, upgrades: Iterable[legacy_upgrade.Upgrade], *, heads: bool = False
    ) -> None:
        """Drop these notes from the store (a note another process wrote since is kept); with
        `heads`, the heads they were signed on too (`legacy_upgrade.HEADS`: another may then
        be signed there), else those stay until the chain moves on."""
        upgrades = list(upgrades)
        async with self.store.transaction() as tx:
            value = await tx.setting(legacy_upgrade.SETTING)
            value = legacy_upgrade.dropped(
                value, {u.journal_id for u in upgrades}, {u.request for u in upgrades}
            )
            await tx.set_setting(legacy_upgrade.SETTING, value)
            if heads:
                signed_on = await tx.setting(legacy_upgrade.HEADS)
                if legacy_upgrade.heads(signed_on) is not None:
                    await tx.set_setting(
                        legacy_upgrade.HEADS,
                        legacy_upgrade.without(signed_on, {u.journal_id for u in upgrades}),
                    )

    async def _upgrade(
        self,
        journal: LocalJournal,
        noted: legacy_upgrade.Upgrade | None,
        served: list[dict[bytes, set[bytes]]],
        report: sync_plan.SyncReport,
    ) -> bool:
        """`_rotate_unchecked` for one journal: send its noted upgrade again, or sign one on
        the verified chain, note it, and send it. Returns whether the server stored it."""
        journal_id = journal.journal_id
        # As verified now: an upgrade of another journal in this sync read the chains again.
        state = self.chains.current(journal_id)
        if noted is not None and not legacy_upgrade.signed_on(noted, state):
            await self._drop_upgrades([noted])  # the chain moved on: never sent, key unused
            noted = None
        at = (self.clock or now_ms)()  # one time for the end dates checked and the rotation signed
        if state.epoch in state.key_checks or any(
            member.ended(at) for member in state.members.values()
        ):
            return False
        upgrade = noted
        if upgrade is not None:
            fresh = {j.journal_id: j for j in await self.store.journals()}.get(journal_id)
            if fresh is None or not legacy_upgrade.named_as(
                upgrade, fresh.name, max(fresh.named_at, 1), is_archived(fresh)
            ):  # renamed or archived since (the user's action): the name of then is not sent
                await self._drop_upgrades([upgrade], heads=True)
                upgrade = None
        if upgrade is None:
            if not served:
                served.append(await self.served_members())
            if self.vanished(state, served[0]):
                return False  # left to the removal's rotation (`Sharing._drop_departed`)
            if self._upgrades_unread.get(journal_id) == (state.length, state.head):
                return False  # one maybe sent on this chain could not be read: not another
            signed_on = await self.store.setting(legacy_upgrade.HEADS)
            if legacy_upgrade.heads(signed_on) is None:  # damaged: any head may hold one
                me = self.profile.account_id
                async with self.store.transaction() as tx:
                    if legacy_upgrade.heads(await tx.setting(legacy_upgrade.HEADS)) is None:
                        owned = {j: s for j, s in self.chains.states().items() if s.owner_id == me}
                        await tx.set_setting(legacy_upgrade.HEADS, legacy_upgrade.damaged(owned))
                self._upgrades_noted = True
                return False
            if legacy_upgrade.signed_here(signed_on, journal_id, state):
                return False  # one signed on this chain (after a restart too): never another
            try:
                signed = await self._sign_rotation(journal_id, state, [], served=served[0], now=at)
            except (IntegrityError, InvalidInput, AccessError):
                self._unchecked_refused.add(journal_id)  # not by itself changed: not again
                return False
            if (
                signed.vanished
                or signed.expired
                or any(handle not in signed.after.members for handle in state.members)
            ):  # never a member removed or ended here: the rotations that tell it do that
                return False
            async with self.store.transaction() as tx:
                value, upgrade = legacy_upgrade.kept(
                    await tx.setting(legacy_upgrade.SETTING),
                    legacy_upgrade.Upgrade(
                        journal_id,
                        state.length,
                        state.head,
                        wire.encode(signed.request),
                        name=str(signed.meta["name"]),
                        named_at=int(signed.meta["named_at"]),
                        archived=bool(signed.meta.get("archived", False)),
                    ),
                )
                await tx.set_setting(legacy_upgrade.SETTING, value)
                await tx.set_setting(
                    legacy_upgrade.HEADS,
                    legacy_upgrade.with_head(await tx.setting(legacy_upgrade.HEADS), upgrade),
                )
            self._upgrades_noted = True
        try:
            request: wire.RotateRequest | None = wire.decode(wire.RotateRequest, upgrade.request)
        except wire.WireError:
            request = None
        if request is None or request.journal_id != journal_id:
            # A note this SDK cannot read (a damaged store): dropped; it may have been sent,
            # so no other is signed on this chain in this session.
            await self._drop_upgrades([upgrade])
            self._upgrades_unread[journal_id] = (state.length, state.head)
            return False
        try:
            await self.transport.call("/v1/journals/rotate", request, wire.Empty)
        except ClientClosed:
            raise
        except TJError as error:
            if isinstance(error, ConflictError) and getattr(error, "code", None) in (
                "chain_conflict",
                "stale_epoch",
            ):
                await self.refresh_journals()  # another device's entry there: the chain tells
                now = self.chains.state(journal_id)
                if now is None or not legacy_upgrade.signed_on(upgrade, now):
                    await self._drop_upgrades([upgrade])
                    return False
            async with self.store.transaction() as tx:
                value, tries = legacy_upgrade.refused(
                    await tx.setting(legacy_upgrade.SETTING), upgrade
                )
                await tx.set_setting(legacy_upgrade.SETTING, value)
            if tries >= legacy_upgrade.TOLD_AFTER and not self.chains.problem(journal_id):
                report.add_problem(journal_id, journal.name, legacy_upgrade.not_stored(error))
            return False
        me = self.profile.account_id
        after = access.verify(
            state,
            self.reader,
            journal_id,
            me,
            self.profile.secrets.sign_public_key,
            request.chain,
        )
        wrap = next(k.envelope for k in request.keys if k.account_id == me)
        key = keys.unwrap_journal_key(
            self.profile.secrets.account_key, me, journal_id, request.epoch, wrap
        )
        if after.epoch != request.epoch or after.key_matches(request.epoch, key) is not True:
            raise IntegrityError(f"the new key of journal {journal_id.hex()} does not verify")
        self.remember_key(journal_id, request.epoch, key)
        await self.chains.accept(journal_id, after, request.chain, state.length)
        await self._drop_upgrades([upgrade])
        await self.refresh_journals()
        await self._reseal_outbox()
        return True

    async def _expired_with_grant(self, journal: LocalJournal) -> bool:
        """Inside a sync, for an owned journal with a member whose end date passed: when an
        owed grant of this device is pending there and may be signed again now
        (`owed_shares.again`), sign it in the rotation that ends that member (`_rotate`
        appends the `ended` entries after the grant: the grant keeps its position), rather
        than let a plain rotation take its position and cancel the share (REV-OWED F3).
        Returns whether a rotation was stored (else the caller signs the plain one: an
        ended member is never left reading)."""
        syncing = self._syncing
        if syncing is None or syncing[0] is not asyncio.current_task():
            return False
        journal_id = journal.journal_id
        if journal_id in self._granting or journal_id in self._holding:
            return False
        owed = owed_shares.decode(await self.store.setting(owed_shares.SETTING)).get(journal_id)
        state = self.chains.current(journal_id)
        if (
            owed is None
            or owed.handle in self._tried_again
            or owed_shares.again(owed, state) is None
            or owed_shares.under_way(owed, (self.clock or now_ms)())
        ):
            # Not `resting` (REV-OWED2 G3): the rotation that ends the member is signed
            # anyway, so signing the grant in it costs nothing more, and a plain one would
            # take the grant's position and cancel the share.
            return False
        _, report, _ = syncing
        _, _, stored = await self._grant_again(journal, owed, report, despite_rest=True)
        self._tried_again[owed.handle] = stored
        after = self.chains.current(journal_id)
        return after.length > state.length and not any(
            m.ended((self.clock or now_ms)()) for m in after.members.values()
        )

    def share_lapsed(self, journal: LocalJournal, now: int) -> bool:
        """Whether `journal`, shared with this account (held as `read`, `annotate`, or as
        the read-only copy of a share that ended), reached the end date its owner signed for
        this account's latest membership by `now` (ms UTC, this device's own clock, the
        rule the owner's devices end shares by: `rotate_expired`, `Member.ended`): from the
        access chain this device verified (`AccessState.last_terms`: an `ended` entry
        closed it, or its `expires_at` passed), else from the end date stored from that
        chain (`LocalJournal.expires_at`). Never from the server's journal list, which may
        keep serving it. False for a journal this account owns."""
        if journal.role == "owner" or journal.owner_id == self.profile.account_id:
            return False
        state = self.chains.state(journal.journal_id)
        last = state.last_terms(self.profile.account_id) if state is not None else None
        if last is not None:
            terms, current = last
            return not current or terms.ended(now)
        return 0 < journal.expires_at <= now

    def ended_by_server_only(self, journal: LocalJournal, now: int) -> bool:
        """Whether `journal`, shared with this account, is no longer served to it (REVOKED)
        while nothing signed by its owner ended the share by `now` (ms UTC): the access chain
        this device verified still grants it, or no chain is verified here and no signed end
        date passed. The server's word alone: the owner may have ended the share (a removed
        member is not served its removal, protocol.md 4.19) or the server may be
        withholding the journal. False for a journal this account owns or still served."""
        if journal.role != REVOKED or journal.owner_id == self.profile.account_id:
            return False
        if self.share_lapsed(journal, now):
            return False  # ended by what its owner signed
        state = self.chains.state(journal.journal_id)
        return state is None or state.current_terms(self.profile.account_id, now) is not None

    def unlisted(self, journal: LocalJournal, now: int, left: Collection[str]) -> bool:
        """`ended_by_server_only`, unless this account left `journal` on this device (`left`:
        the tags kept in `forgotten.LEFT`): a leave is the user's own word, an ended share,
        never the server's word alone. What `Journal.unlisted`, each entry, each safety flag
        and the caseload say alike."""
        return (
            self.ended_by_server_only(journal, now)
            and forgotten.tag(journal.journal_id) not in left
        )

    async def change_access(
        self,
        journal: LocalJournal,
        changes: list[tuple[str, dict[str, Any]]]
        | Callable[[AccessState], list[tuple[str, dict[str, Any]]]],
        check: Callable[[AccessState], None] | None = None,
        *,
        rotate_anyway: bool = False,
    ) -> AccessState:
        """Sign `changes` into the journal's access chain, end the shares whose end date
        passed, and start a new key epoch sealed to exactly the members the chain then lists
        (with the keys the chain names for them): one request, applied whole or not at all.
        Retried when another device changed the chain meanwhile. `check(state)` is called
        with the exact chain state each attempt signs on, and raises to sign nothing when
        the decision behind `changes` no longer holds there (R24 F1).

        `changes` may be a function of that state: the changes still to sign there, so that
        a retry after another device made some of them (ended the same share: a `removed`
        of a member no longer there, a `limited_removed` of a share no longer in force would
        break the chain's rules) signs only the rest; when it returns none, the chain
        already says it all and nothing is signed: the state signed on is returned, unless
        `rotate_anyway`: then a plain rotation is signed (one that must take the chain's next
        position whatever that attempt's plan, REV-OWED2 G1).

        Before an entry that closes or narrows a member's right to write is signed (removed,
        ended, changed to `read`: `closes_writes`), the journal's records are pulled
        (`take_in_writes`), on each attempt: the counters it signs (`_limit_writes`) then
        take in every record of the member an honest server accepted until now, so a note
        written while the share was on is not refused afterwards for being past them (NU22
        C17). A server that withholds them can only get them excluded, which it could do
        anyway by not storing them."""
        mine: _SignedRotation | None = None  # what an attempt of this call signed and sent
        for attempt in range(3):
            await self.refresh_journals()
            state = self.chains.current(journal.journal_id)
            stored = await self._stored_meanwhile(journal.journal_id, state)
            if stored is not None and (
                stored.signed is mine or (not callable(changes) and stored.changes == changes)
            ):  # an earlier attempt's rotation (of these changes), refused in words yet stored
                await self._reseal_outbox()
                return state
            if check is not None:
                check(state)
            wanted = changes(state) if callable(changes) else changes
            if callable(changes) and not wanted and not rotate_anyway:
                return state  # done by another device meanwhile
            if closes_writes(state, wanted, (self.clock or now_ms)()):
                await self.take_in_writes()
                state = self.chains.current(journal.journal_id)
                if check is not None:
                    check(state)
                wanted = changes(state) if callable(changes) else changes
                if callable(changes) and not wanted and not rotate_anyway:
                    return state
            try:
                after = await self._rotate(journal.journal_id, state, wanted)
            except ConflictError as error:
                unsent = self._unsent.get(journal.journal_id)
                mine = unsent.signed if unsent is not None else None
                if getattr(error, "code", None) not in ("chain_conflict", "stale_epoch"):
                    raise
                if attempt == 2:
                    raise
                continue
            await self.refresh_journals()
            await self._reseal_outbox()
            return after
        raise AssertionError("unreachable")

    async def past_write_limit(
        self, documents: list[StoredDocument], journals: dict[bytes, LocalJournal]
    ) -> set[bytes]:
        """Documents of journals shared with this account that this device created with a
        record the server acknowledged whose counter the owner signed as not writable for
        this device when this account's right to write ended (above its write limit, or in
        a gap below it: `AccessState.writable`): the share ended, or became read-only,
        before the owner's device took that record, so every device of the journal refuses
        it and none of its readers has it (NU22 C17). Decided on the owner-signed chain
        this device verified, never on the server's word."""
        me, device = self.profile.account_id, self.profile.device_id
        await self.load_access()
        bounds: dict[bytes, list[counting.Range]] = {}
        for journal_id, local in journals.items():
            state = self.chains.state(journal_id)
            if local.owner_id == me or state is None:
                continue
            bound = state.writable(me, device)
            if bound is not None:
                bounds[journal_id] = bound
        mine = [d.doc_id for d in documents if d.journal_id in bounds]
        if not mine:
            return set()
        first = await self.store.first_counters(me, device, mine)
        # Only a record the server acknowledged (or sent back): one it refused is set aside,
        # and one not pushed yet is in the outbox; each says so itself.
        counters = await self.store.device_counters()
        stored = {}
        for journal_id in {d.journal_id for d in documents if d.doc_id in first}:
            own = counters.get(journal_id, {}).get((me, device))
            stored[journal_id] = max(own.top(), own.claimed) if own is not None else 0
        return {
            d.doc_id
            for d in documents
            if d.doc_id in first
            and first[d.doc_id] <= stored.get(d.journal_id, 0)
            and not counting.in_ranges(bounds[d.journal_id], first[d.doc_id])
        }

    async def take_in_writes(self) -> None:
        """Pull every journal's records (no withholding check: the sync's own last pull
        makes it), before this device signs counters that bound a member's writes
        (`change_access`). Inside a sync (an end date that passed), into that sync's report;
        else under `sync_lock`, into the report of this client's next sync (`_reopened`)."""
        if self._syncing is not None and self._syncing[0] is asyncio.current_task():
            _, report, tracker = self._syncing
            await self._pull(report, tracker, check=False)
            return
        async with self.sync_lock:
            await self.load_access()
            if self._reopened is None:
                self._reopened = sync_plan.SyncReport()
            await self._pull(self._reopened, sync_plan.ProgressTracker(None, 0), check=False)

    async def served_members(self) -> dict[bytes, set[bytes]]:
        """journal id -> the accounts the server still serves each owned journal to. Used
        only to drop members from the chain (an erased account), never to add one."""
        shares = await self.transport.pages(
            "/v1/shares/list",
            wire.ShareList,
            lambda page: page.shares,
            lambda share: (share.journal_id, share.member_id),
        )
        served: dict[bytes, set[bytes]] = {}
        for share in shares:
            served.setdefault(share.journal_id, set()).add(share.member_id)
        return served

    def removal_refused(
        self, journal: LocalJournal, state: AccessState, handles: list[bytes], error: TJError
    ) -> None:
        """The server refused (`error`, its code) the rotation that removes the members
        `handles` of `journal` (by `state`, its verified chain) whom it no longer serves
        (`Sharing._drop_departed`): they stay on the chain until it goes through, asked
        again at the next sync; kept in `unserved_refused` (for the safety-flag judgement)
        and told by the sync's report (`report_removals_refused`, rev33d F3)."""
        now = (self.clock or now_ms)()
        members = [state.members[h] for h in handles if h in state.members]
        kept = self.unserved_refused.get(journal.journal_id, {})
        self.unserved_refused[journal.journal_id] = {
            m.who.account_id: kept.get(m.who.account_id, now) for m in members if m.who
        }
        names = ", ".join(sorted(quoted_name(m.who.username) for m in members if m.who))
        label = self.shown_name(journal)
        self._removals_refused[journal.journal_id] = (
            label,
            f"the server no longer serves {names} in journal {quoted_name(label)}, and "
            "refused to store the "
            f"signed removal that takes {'them' if len(members) > 1 else 'that member'} off "
            f"its access chain (it answered {error.code!r}): listed there as a member until "
            "the removal goes through; this device sends it again at every sync",
        )

    def removal_through(self, journal_id: bytes) -> None:
        """The journal has no member the server no longer serves left on its chain (none, or
        their removal went through): nothing of `removal_refused` stands for it."""
        self.unserved_refused.pop(journal_id, None)
        self._removals_refused.pop(journal_id, None)

    def report_removals_refused(self, report: sync_plan.SyncReport) -> None:
        """Tell in `report` the removals the server refused since the last report
        (`removal_refused`), one problem line per journal."""
        refused, self._removals_refused = self._removals_refused, {}
        for journal_id, (label, message) in sorted(refused.items()):
            report.add_problem(journal_id, label, message)

    def vanished(self, state: AccessState, served: dict[bytes, set[bytes]]) -> list[bytes]:
        """Handles of members the chain lists but whose account the server no longer serves
        (erased): removing them only narrows access, so the server's word is enough."""
        serving = served.get(state.journal_id, set())
        return [
            m.handle
            for m in state.members.values()
            if m.who is not None and m.who.account_id not in serving
        ]

    async def _rotate(
        self, journal_id: bytes, state: AccessState, changes: list[tuple[str, dict[str, Any]]]
    ) -> AccessState:
        """Sign and send a rotation of `changes` on `state` (the one signed before on that
        head sent again instead, when it signs exactly what would be signed now:
        `_signed_before`); the state after it, stored by the server. Raises what
        `_sign_rotation` and the request raise (the signed rotation is then kept, to be sent
        again)."""
        signed = await self._signed_before(journal_id, state, changes)
        again = signed is not None
        if signed is None:
            signed = await self._sign_rotation(journal_id, state, changes)
            self._unsent[journal_id] = _UnsentRotation(state, changes, signed)
        request, after, entries, now = signed.request, signed.after, signed.entries, signed.now
        fresh, vanished, changes = signed.fresh, signed.vanished, signed.changes
        if vanished and not again:  # stored before the removal is sent: never one without it
            await self._keep_departed(fresh.name, state, vanished, now, after)
        owing = await self._owe_grant(state, changes, now)
        try:
            await self.transport.call("/v1/journals/rotate", request, wire.Empty)
        except Exception as error:
            if owing is not None:
                async with self.store.transaction() as tx:
                    value = await tx.setting(owed_shares.SETTING)
                    if isinstance(error, NetworkError) and error.unsent:  # no byte reached it
                        value = owed_shares.restored(value, *owing)
                    else:  # the call ended: a sync of any process may send it again
                        value = owed_shares.sent(value, owing[0])
                    await tx.set_setting(owed_shares.SETTING, value)
            raise
        await self.chains.accept(journal_id, after, entries, state.length)
        await self._rotation_stored(journal_id, state, signed)
        return after

    async def _rotation_stored(
        self, journal_id: bytes, state: AccessState, signed: _SignedRotation
    ) -> None:
        """What follows a rotation `signed` on `state` (the chain before it) that the server stored: its key kept as
        the epoch's, the members it removed and ended told; no longer `_unsent`."""
        unsent = self._unsent.get(journal_id)
        if unsent is not None and unsent.signed is signed:
            del self._unsent[journal_id]
        self.remember_key(journal_id, signed.request.epoch, signed.key)
        if signed.vanished:
            await self._word_departed(state, signed.vanished, signed.now, signed.after)
        if signed.expired:
            await self._tell_expired(signed.fresh.name, journal_id, signed.expired)

    async def _signed_before(
        self, journal_id: bytes, state: AccessState, changes: list[tuple[str, dict[str, Any]]]
    ) -> _SignedRotation | None:
        """The rotation this process signed on `state`'s very head for the same `changes`
        and not seen stored (`_unsent`), to send again instead of signing another, only
        while everything it signs is what would be signed now: the same head (so the same
        members, roles, end dates and members' keys), the same removals of members the
        server no longer serves and ends of shares whose end date passed, the same write
        limits (`_limit_writes`: every verified record of a member this device holds now,
        say one pulled by `take_in_writes` since), the same name and archived flag. Else
        None, and a new one is signed on that head: then two rotations of this process are
        signed on it, and the server stores at most one of them (the chain is linear); the
        device verifies whichever the chain it reads holds, and an access change not in it
        is signed on top of it (`change_access`). A note of another head is dropped (the
        chain moved on: its key was never used)."""
        unsent = self._unsent.get(journal_id)
        if unsent is None:
            return None
        if (unsent.state.length, unsent.state.head) != (state.length, state.head):
            del self._unsent[journal_id]
            return None
        fresh = {j.journal_id: j for j in await self.store.journals()}.get(journal_id)
        if fresh is None:
            raise NotFound(f"journal {journal_id.hex()} is no longer on this device")
        then = unsent.signed
        if unsent.changes != changes or (fresh.name, is_archived(fresh)) != (
            then.fresh.name,
            is_archived(then.fresh),
        ):
            return None
        planned, _, _ = await self._rotation_plan(
            journal_id, state, changes, served=None, now=(self.clock or now_ms)()
        )
        if planned != then.changes:  # a record taken in, a share ended or left since
            return None
        named_at = self._named_at(fresh, fresh.name, is_archived(fresh))
        if named_at != then.meta.get("named_at"):
            return None
        return then

    async def _stored_meanwhile(
        self, journal_id: bytes, state: AccessState
    ) -> _UnsentRotation | None:
        """The rotation this process signed and sent without seeing it stored (`_unsent`:
        refused, or no reply, yet stored by the server) when the verified chain `state` ends
        with it: then finished as stored (`_rotation_stored`: its key kept, its removals
        told), never signed again; else None."""
        unsent = self._unsent.get(journal_id)
        if unsent is None:
            return None
        after = unsent.signed.after
        if (after.length, after.head) != (state.length, state.head):
            return None
        await self._rotation_stored(journal_id, unsent.state, unsent.signed)
        return unsent

    async def _sign_rotation(
        self,
        journal_id: bytes,
        state: AccessState,
        changes: list[tuple[str, dict[str, Any]]],
        *,
        served: dict[bytes, set[bytes]] | None = None,
        now: int | None = None,
    ) -> _SignedRotation:
        """Sign, on the verified chain `state`, `changes`, the removal of members the server
        no longer serves and the end of those whose end date passed, then a new key epoch
        sealed to exactly the members the chain then lists (a fresh key, its check in the
        `rotated` entry): the request, not sent. `served` is the caller's read of the shares
        list (`served_members`; read here when None), `now` the time it is signed at (ms
        UTC; this device's clock when None). IntegrityError (a member that cannot be
        opened, a name this device never verified, W7), InvalidInput (a member the server
        says left), NotFound (the journal is no longer on this device) before anything is
        signed."""
        now = (self.clock or now_ms)() if now is None else now
        changes, vanished, expired = await self._rotation_plan(
            journal_id, state, changes, served=served, now=now
        )
        signing_key = self.profile.secrets.signing_key
        _, preview = access.extend(state, self.reader, signing_key, changes, now)
        epoch = preview.epoch + 1
        journal_key = crypto.new_key()
        check = access.key_check(journal_id, epoch, journal_key)
        entries, after = access.extend(
            state,
            self.reader,
            signing_key,
            [*changes, access.rotated(epoch, preview.members, check)],
            now,
        )
        fresh = {j.journal_id: j for j in await self.store.journals()}.get(journal_id)
        if fresh is None:  # another process deleted or forgot it meanwhile
            raise NotFound(f"journal {journal_id.hex()} is no longer on this device")
        secrets, me = self.profile.secrets, self.profile.account_id
        members = [
            wire.MemberKey(
                me,
                keys.wrap_journal_key(secrets.account_key, me, journal_id, epoch, journal_key),
                "owner",
                0,
            )
        ]
        for member in after.members.values():
            who = member.who
            if who is None:
                raise IntegrityError(f"a member of journal {journal_id.hex()} cannot be opened")
            terms = keys.ShareTerms(
                me,
                who.account_id,
                who.username,
                who.sign_public_key,
                who.box_public_key,
                journal_id,
                member.role,
                epoch,
                member.expires_at,
            )
            envelope = keys.seal_share_envelope(secrets, terms, journal_key)
            members.append(wire.MemberKey(who.account_id, envelope, member.role, member.expires_at))
        signed = self._signed_meta(
            journal_id,
            epoch,
            fresh.name,
            self._named_at(fresh, fresh.name, is_archived(fresh)),
            is_archived(fresh),
        )
        meta = keys.seal_journal_meta(journal_key, journal_id, epoch, encode_meta(**signed))
        request = wire.RotateRequest(journal_id, epoch, meta, members, state.length, entries)
        return _SignedRotation(
            request, entries, after, journal_key, fresh, changes, vanished, expired, now, signed
        )

    async def _rotation_plan(
        self,
        journal_id: bytes,
        state: AccessState,
        changes: list[tuple[str, dict[str, Any]]],
        *,
        served: dict[bytes, set[bytes]] | None,
        now: int,
    ) -> tuple[list[tuple[str, dict[str, Any]]], list[bytes], list[access.Member]]:
        """What a rotation of `changes` signed on `state` at `now` (ms UTC) signs before its
        `rotated` entry: (`changes`, then the removal of the members the server no longer
        serves and the end of those whose end date passed, each change that ends a right to
        write with its write limits as this device's verified records give them now:
        `_limit_writes`), the handles of the members removed as not served, and the members
        ended. `served`: as `_sign_rotation`. Raises InvalidInput (a member the server says
        left) and what the shares list and the store raise."""
        touched = {payload.get("member") for _, payload in changes}
        vanished: list[bytes] = []
        if state.members:
            if served is None:
                served = await self.served_members()
            gone = self.vanished(state, served)
            renewed = [
                state.members[h].username
                for kind, payload in changes
                if kind == access.CHANGED and (h := payload.get("member")) in gone
            ]
            if renewed:  # would serve again a membership they left: Sharing._grant drops it
                raise InvalidInput(
                    f"{renewed[0]} no longer reads this journal: the server says they left the "
                    "share (not signed by them), so nothing was changed; sync, then share it "
                    "with them again as a new share (full)",
                    subject="refused",
                )
            vanished = [h for h in gone if h not in touched]
            changes = [*changes, *(access.removed(h, because=access.NOT_SERVED) for h in vanished)]
            touched |= set(gone)
        expired = [
            m for m in state.members.values() if m.ended(now) and m.handle not in touched
        ]  # not one these changes renew or remove (`touched` holds handles)
        changes = [*changes, *(access.ended(m.handle) for m in expired)]
        return await self._limit_writes(journal_id, state, changes), vanished, expired

    async def _owe_grant(
        self, state: AccessState, changes: list[tuple[str, dict[str, Any]]], now: int
    ) -> tuple[owed_shares.Owed, owed_shares.Owed | None] | None:
        """Before a rotation that grants the membership a share of this process owes a
        boundary for (`owing_share`) is sent: note that boundary owed, with the grant
        entry's position in the chain (`state.length` plus its index in `changes`, signed
        in that order by `access.extend`), in the store, so that whatever happens to the
        request or its reply a later sync of any process on this profile finishes it or
        knows it can never land (`owed_shares.standing`, REV-S2 F1/F2). Returns (the note
        written, the one it replaced) for `owed_shares.restored`, or None when nothing is
        owed here. The note keeps the signed grant, the member's identity, the chain's length
        signed on, when it was first signed and that its request is being sent (`now`, ms
        UTC), so that a sync signs the same grant again when the server never stored it
        (`_grant_again`)."""
        owing = self._granting.get(state.journal_id)
        if owing is None:
            return None
        handle, member, who = owing
        index, terms = next(
            (
                (i, payload)
                for i, (kind, payload) in enumerate(changes)
                if kind == access.GRANTED and payload.get("member") == handle
            ),
            (None, None),
        )
        if index is None or terms is None:
            return None
        owed = owed_shares.Owed(
            state.journal_id,
            state.epoch,
            handle,
            state.length + index,
            member,
            grant=msgpack.packb(terms, use_bin_type=True) if who is not None else None,
            who=who,
            length=state.length if who is not None else None,
            signed_at=now,
            sending=now,
            tried_at=now,
        )
        async with self.store.transaction() as tx:
            value = await tx.setting(owed_shares.SETTING)
            earlier = owed_shares.decode(value).get(state.journal_id)
            withdrawn = owed_shares.withdrawn(await tx.setting(owed_shares.WITHDRAWN))
            again = handle in self._again
            if (
                handle in withdrawn
                or (again and (earlier is None or earlier.handle != handle))
                or (again and state.journal_id in self._holding)
            ):
                # The owner ended that share since this sync read its note (another process's
                # unshare, REV-OWED F6): nothing is sent, the note is not written again.
                raise _Withdrawn(f"the share with {member} was ended on this device")
            if again and earlier is not None:  # counted, to space the next (`resting`)
                owed = replace(owed, tries=earlier.tries + 1, tried_at=now)
            value = owed_shares.owe(value, owed)
            await tx.set_setting(owed_shares.SETTING, value)
        if (
            earlier is not None
            and earlier.handle != handle
            and earlier.terms is not None
            and earlier.handle not in state.seen_handles
        ):  # one note a journal: the earlier pending share is no longer sent (REV-OWED F4)
            await self._tell_later(state.journal_id, owed_shares.replaced(earlier, member))
        return owed_shares.decode(value)[state.journal_id], earlier

    async def _tell_later(self, journal_id: bytes, text: str) -> None:
        """Tell `text`, a problem of the journal, in the report of the sync this runs in,
        else in this client's next sync's (`_reopened`)."""
        if self._syncing is not None and self._syncing[0] is asyncio.current_task():
            report = self._syncing[1]
        else:
            if self._reopened is None:
                self._reopened = sync_plan.SyncReport()
            report = self._reopened
        name = next(
            (j.name for j in await self.store.journals() if j.journal_id == journal_id),
            "a journal",
        )
        report.add_problem(journal_id, name, text)

    async def _tell_expired(
        self, name: str, journal_id: bytes, expired: list[access.Member]
    ) -> None:
        """Keep, for the next sync's report, the members whose signed end date passed and
        whom a rotation of this device just ended (departures.py)."""
        told = [
            departures.Departure(
                m.username,
                name,
                journal_id.hex(),
                departures.EXPIRED,
                m.expires_at,
                member_id=m.who.account_id.hex(),
            )
            for m in expired
            if m.who is not None
        ]
        async with self.store.transaction() as tx:
            pending = departures.decode(await tx.setting(departures.PENDING))
            pending.add(told)
            await tx.set_setting(departures.PENDING, pending.encode())

    async def _keep_departed(
        self, name: str, state: AccessState, handles: list[bytes], at: int, after: AccessState
    ) -> None:
        """Keep, for the next sync's report, the members a rotation is about to drop because
        the server no longer serves them (departures.py), before the rotation is sent (R22
        F3): whatever happens after (a refused question, a lost reply, a crash), the notice
        is stored. Its reason is the one already known (`erased_known`, asked before by
        Sharing._drop_departed), else "unknown" until `_word_departed`. A rotation that does
        not go through leaves the member in the verified chain, and Sharing.departures tells
        nobody who is in it (R22 F8); so each removal is also kept as `departures.Sent` (its
        handle and the entry's time `at`, ms UTC), for `_ended_elsewhere` to tell as this
        device's own should the device verify the entry later, its reply lost (R25 F2)."""
        known = self.erased_known
        told = []
        sent = []
        for handle in handles:
            member = state.members[handle]
            if member.who is None:
                continue
            erased = known.get(member.who.account_id)
            reason = (
                departures.UNKNOWN
                if erased is None
                else departures.ERASED
                if erased
                else departures.LEFT
            )
            departure = departures.Departure(  # with its time, as other devices say it (NU24 C4)
                member.username,
                name,
                state.journal_id.hex(),
                reason,
                at,
                held_role=member.role,
                held_until=member.expires_at,
                held_fingerprint=held_fingerprint(member.who),
                member_id=member.who.account_id.hex(),
            )
            told.append(departure)
            entry = after.not_served_entry.get(handle, b"").hex()  # the entry signed (R27 F3)
            sent.append(departures.Sent(handle.hex(), at, replace(departure, at=at), entry))
        async with self.store.transaction() as tx:
            pending = departures.decode(await tx.setting(departures.PENDING))
            pending.add(told)
            pending.sent = departures.latest_sent([*pending.sent, *sent])
            await tx.set_setting(departures.PENDING, pending.encode())

    async def _word_departed(
        self, state: AccessState, handles: list[bytes], at: int, after: AccessState
    ) -> None:
        """Best effort, once the removal went through: ask the server whether each member
        whose notice says "unknown" still has an account (left) or not (account deleted).
        Any failure keeps "unknown": the notice is stored already (`_keep_departed`). The
        answers are not kept for later questions (`erased_known` is Sharing's). The removals'
        `departures.Sent` records go: this device accepted its own entries."""
        journal = state.journal_id.hex()
        done = {
            (journal, handle.hex(), after.not_served_entry.get(handle, b"").hex() or f"at {at}")
            for handle in handles
        }
        async with self.store.transaction() as tx:
            pending = departures.decode(await tx.setting(departures.PENDING))
            if any(s.key in done for s in pending.sent):
                pending.sent = [s for s in pending.sent if s.key not in done]
                await tx.set_setting(departures.PENDING, pending.encode())
        known = dict(self.erased_known)
        reasons: dict[str, str] = {}
        for handle in handles:
            member = state.members[handle]
            if member.who is None:
                continue
            try:
                erased = await self._erased(member.who.account_id, known)
            except TJError:
                continue  # the notice stays, without a reason
            reasons[member.username] = departures.ERASED if erased else departures.LEFT
        if not reasons:
            return
        async with self.store.transaction() as tx:
            pending = departures.decode(await tx.setting(departures.PENDING))
            pending.told = [
                replace(d, reason=reasons[d.member])
                if d.journal_id == journal
                and d.reason == departures.UNKNOWN
                and d.member in reasons
                else d
                for d in pending.told
            ]
            await tx.set_setting(departures.PENDING, pending.encode())

    async def _limit_writes(
        self, journal_id: bytes, state: AccessState, changes: list[tuple[str, dict[str, Any]]]
    ) -> list[tuple[str, dict[str, Any]]]:
        """Sign, into each change that ends a member's right to write, the highest counter of
        a verified record of each of its devices that this device holds
        (`Store.record_tops_and_counts`, access.with_counters), with the counters below it this device
        never received (`gaps`: neither a record nor a cover; access.limits_and_gaps):
        devices refuse that member's records beyond the one and in the other, whatever epoch
        they are sealed under, so a gap the member left cannot be filled once its right
        ended (protocol.md 4.19 "Write limits"). Narrowed by the limit the chain already
        holds for that membership (an earlier entry ended its right to write: never widened),
        and bounded so the entry fits whatever devices the member wrote from. Never what
        covers account for:
        a member's record may cover its account's counters (withdrawals), and a limit read
        from `received` let a member raise, with one record, the limit signed at its
        revocation, then write under it afterwards with the server's help (protocol.md 4.19
        "Write limits")."""
        ending = (access.REMOVED, access.ENDED, access.CHANGED)
        if not any(kind in ending for kind, _ in changes):
            return changes
        limited = []
        for kind, payload in changes:
            member = state.members.get(payload.get("member", b""))
            if kind in ending and member is not None and member.who is not None:
                who = member.who.account_id
                tops, counts = await self.store.record_tops_and_counts(journal_id, who)
                held = await self.store.received_ranges_of(journal_id, who)
                received = {d: held.get(d, []) for d in tops}
                handle = member.handle
                before = (
                    (state.write_limits[handle], state.write_gaps.get(handle, {}))
                    if handle in state.write_limits
                    else None
                )
                counters, gaps = access.limits_and_gaps(tops, received, counts, before)
                limited.append(access.with_counters((kind, payload), counters, gaps))
            else:
                limited.append((kind, payload))
        return limited

    async def rotate(self, journal: LocalJournal) -> None:
        """Move an owned journal to a new key epoch, for the owner and its current members."""
        await self.change_access(journal, [])

    async def update_meta(
        self, journal: LocalJournal, name: str | None, archived: bool | None = None
    ) -> LocalJournal:
        """Seal the journal's metadata again under its current key epoch with `name` (None:
        the name it holds; signed by the owner with its `named_at`: for a new name one above
        every one this device verified, else the one it holds; members verify the
        signature, 4.14) and `archived` (None: unchanged), and store it on the server (needs
        the network). Returns the journal as this device now holds it (its new name even
        while the server serves the one before: names never go back).

        The journal list is read first, so that a new name's `named_at` is above the latest
        name another owner device gave (W4), and the metadata is stored only while the
        server's is still the one read (`meta_version`; 409 `meta_changed` otherwise) and
        sealed under the journal's current epoch (409 `stale_epoch`: this device missed a
        rotation, say the revocation of a member who kept the old key). After either
        refusal the journal list is read again and the metadata sealed again, once; a second
        refusal raises ConflictError.

        Raises RenamedElsewhere (a ConflictError) when another owner device renamed,
        archived or unarchived the journal meanwhile (the list read first, or after a refusal,
        says so: nothing of this call is stored), or when the name held afterwards is another
        one signed with a higher `named_at`: the user's name is not the journal's, and an
        app says so. Raises IntegrityError when the name to sign again is one this device
        never verified (a placeholder for metadata it could not open, W7): rename it.

        Never sealed under a key a member whose signed end date passed holds: such a share
        is ended and the key rotated first (`_end_before_meta`, as a push does), and
        AccessError is raised, nothing sent, when the key still could not be rotated."""
        if journal.owner_id != self.profile.account_id:
            raise AccessError(
                f"only the owner of {quoted_name(journal.name)} can rename or archive it"
            )
        await self.load_access()
        seen, journal = journal, await self._fresh_journal(journal)  # seen: as the user named it
        if renamed_verified(seen, journal) or is_archived(journal) != is_archived(seen):
            raise RenamedElsewhere(
                journal.name, journal.name if name is None else name, before=seen.name
            )
        journal = await self._end_before_meta(journal)
        for attempt in range(2):
            wanted = journal.name if name is None else name
            keep = is_archived(journal) if archived is None else archived
            try:
                await self._send_meta(journal, wanted, keep, journal.meta_version)
                break
            except ConflictError as error:
                if attempt or getattr(error, "code", None) not in ("stale_epoch", "meta_changed"):
                    raise
            journal = await self._fresh_journal(journal)
            if journal.name != seen.name or is_archived(journal) != is_archived(seen):
                raise RenamedElsewhere(journal.name, wanted, before=seen.name)
        held = await self._fresh_journal(journal)
        if held.name != wanted:
            raise RenamedElsewhere(held.name, wanted, before=seen.name)
        return held

    async def _fresh_journal(self, journal: LocalJournal) -> LocalJournal:
        """The journal as this device holds it once it read the journal list again."""
        await self.refresh_journals()
        fresh = {j.journal_id: j for j in await self.store.journals()}.get(journal.journal_id)
        if fresh is None:
            raise NotFound(f"no journal {quoted_name(journal.name)} on the server any more")
        return fresh

    async def _end_before_meta(self, journal: LocalJournal) -> LocalJournal:
        """`journal` (owned, as just read), or, when a member whose signed end date passed by
        this device's clock holds its current epoch's key (`unsafe_epoch`), the journal as
        held once that share is ended and the key rotated (`rotate_expired`, as a push
        does first): metadata sealed under that key would let the ex-member, with the
        server's copy, read a name given after the share ended. `_send_meta` refuses what
        is still unsafe afterwards."""
        if self.unsafe_epoch(journal.journal_id, journal.epoch, now_ms()) is None:
            return journal
        await self.rotate_expired()
        return await self._fresh_journal(journal)

    async def _send_meta(
        self, journal: LocalJournal, name: str, archived: bool, meta_version: int
    ) -> None:
        """Seal `name` and `archived` under the journal's epoch as this device holds it, and
        send them to /v1/journals/meta, stored only while the server's `meta_version` is
        `meta_version` (the one this device read last).

        Never under an epoch a push would not send a record under (`unsafe_epoch`): one
        older than the verified chain's, or one the server refused a push under as
        `stale_epoch` (STALE_HELD), raises ConflictError `stale_epoch` (read the journal
        list again), one whose key a member whose signed end date passed holds raises
        AccessError (`_end_before_meta` rotates it first where it can); nothing is sent."""
        self.chains.current(journal.journal_id)  # nothing sealed for a rolled-back journal
        self._stale_epochs = await self.store.stale_holds()  # every process's (rev31c F6)
        unsafe = self.unsafe_epoch(journal.journal_id, journal.epoch, now_ms())
        if unsafe in (OLD_EPOCH, STALE_HELD):  # STALE_HELD: a push under it refused as stale
            stale = ConflictError(
                f"journal {quoted_name(journal.name)}: its key moved on since this device read "
                "the journal list; nothing was changed"
            )
            stale.code = "stale_epoch"
            raise stale
        if unsafe is not None:
            raise AccessError(
                f"the name of journal {quoted_name(journal.name)} was not changed: it would be "
                "sealed with a key that a member whose share ended holds, and the key could "
                "not be rotated; sync, then try again"
            )
        key = await self.journal_key(journal, journal.epoch)
        named_at = self._named_at(journal, name, archived)
        signed = self._signed_meta(journal.journal_id, journal.epoch, name, named_at, archived)
        meta = keys.seal_journal_meta(key, journal.journal_id, journal.epoch, encode_meta(**signed))
        request = wire.JournalMetaRequest(journal.journal_id, meta, meta_version)
        # Kept before it leaves: a server that stores it and loses (or withholds) the reply
        # must not have the next sync tell this device's own change as another's (REV-NEWS
        # N3): `_journals_changed` skips a named_at this device signed.
        async with self.store.transaction() as tx:
            signed_here = decode_own_named_at(await tx.setting(OWN_NAMED_AT))
            signed_here[self.counters_tag(journal.journal_id).hex()] = named_at
            await tx.set_setting(OWN_NAMED_AT, encode_own_named_at(signed_here))
        await self.transport.call("/v1/journals/meta", request, wire.Empty)
        # Held here at once: a server that keeps the older name serves a lower named_at,
        # which this device then refuses (F4).
        async with self.store.transaction() as tx:
            await tx.hold_name(
                journal.journal_id, name, json.dumps(signed, sort_keys=True), named_at
            )
        if journal.name != name and name_verified(journal):
            await self._keep_former_names([(journal.journal_id, journal.name, named_at)])

    async def _keep_former_names(self, renamed: list[tuple[bytes, str, int]]) -> None:
        """Keep, for each (journal id, name before, owner-signed `named_at` of the new name)
        in `renamed`, the name a journal had before a rename this device verified
        (FORMER_NAMES): what names it no more is answered with its name now."""
        if not renamed:
            return
        async with self.store.transaction() as tx:
            kept = decode_former_names(await tx.setting(FORMER_NAMES))
            for journal_id, name, named_at in renamed:
                tag = self.counters_tag(journal_id).hex()
                names = [n for n in kept.get(tag, []) if n[0] != name]
                kept[tag] = [*names, (name, named_at)][-FORMER_NAMES_EACH:]
            await tx.set_setting(FORMER_NAMES, encode_former_names(kept))

    async def former_names(self, journal_id: bytes) -> list[tuple[str, int]]:
        """The names `journal_id` had before renames this device verified, oldest first, each
        with the owner-signed time of the rename that ended it (ms since the Unix epoch, UTC)."""
        kept = decode_former_names(await self.store.setting(FORMER_NAMES))
        return kept.get(self.counters_tag(journal_id).hex(), [])

    async def delete_journal(
        self, journal: LocalJournal, *, check_only: bool = False, drop_unsent: bool = False
    ) -> None:
        """Delete an owned journal on the server (unless it never got there), then every
        trace of it on this device: documents, keys, chain, outbox, changes set aside, the
        pending creation. Changes of its documents written here that are on no server and no
        other device (`unsent_changes`) are refused (UnsentChanges) unless `drop_unsent`,
        checked again under `sync_lock` just before the server is asked (a sync meanwhile
        may have set some aside). Writes do not take `sync_lock` (another program on this
        profile, a task of the app): the local removal counts them again in its own write
        transaction (BEGIN IMMEDIATE: no other connection commits meanwhile), and when any
        was written since the count (beyond those `drop_unsent` agreed to lose), nothing is
        removed: the journal, deleted on the server, is kept here as a read-only copy, its
        changes set aside with their words, and UnsentChanges (`kept_copy`) says so.
        `check_only`: raise what it would refuse (AccessError, UnsentChanges), delete
        nothing."""
        if journal.owner_id != self.profile.account_id:
            raise AccessError(
                f"only the owner of {quoted_name(journal.name)} can delete it"
                + (
                    ": the copy kept of an ended share is discarded instead"
                    if journal.role == REVOKED
                    else ""
                ),
                subject=KEPT_COPY if journal.role == REVOKED else None,
            )
        unsent = None if drop_unsent else await self.unsent_changes(journal)
        if unsent is not None:
            raise unsent
        if check_only:
            return
        journal_id = journal.journal_id
        guarded = not self.is_disclosure(journal)  # a copy's documents copy words kept elsewhere
        async with self.sync_lock:  # never beside a sync of this client (REV-DEL D1)
            unsent = None if drop_unsent else await self.unsent_changes(journal)
            if unsent is not None:
                raise unsent
            # what the user agreed to lose (none without `drop_unsent`): the removal below
            # counts again in its own write transaction, which no other connection's write
            # can enter, and removes nothing written since
            agreed = await self.store.waiting_records(journal_id) if guarded else set()
            pending = {j for j, _ in await self.store.pending_journals()}
            asked = journal_id not in pending and journal.role != REVOKED
            if asked:
                request = wire.JournalRequest(journal_id)
                await self.transport.call("/v1/journals/delete", request, wire.Empty)
            verified = self.chains.state(journal_id)
            tag = self.counters_tag(journal_id).hex()  # keyed: R38's store rule
            async with self.store.transaction() as tx:
                written = await tx.waiting_records(journal_id) if guarded else set()
                kept = bool(written - agreed)  # written meanwhile (another program, say)
                if kept and asked:  # deleted on the server: kept here, read-only
                    await tx.keep_deleted_journal(
                        journal, "not_found", "the journal was deleted on this device", now_ms()
                    )
                elif not kept:
                    await self._remove_deleted(tx, journal, verified, tag)
            if kept:  # nothing asked of the server (a pending creation, a copy): as it was
                refused = await self.unsent_changes(journal, kept_copy=asked)
                if refused is not None:  # the rows found above (another program may have
                    raise refused  # dropped them since: then nothing to say)
                return
            self._forget_in_memory(journal_id)

    async def _remove_deleted(
        self,
        tx: Transaction,
        journal: LocalJournal,
        verified: AccessState | None,
        tag: str,
    ) -> None:
        """Within `delete_journal`'s transaction `tx`: remember the journal as deleted here
        (or as a discarded copy) and remove every row of it."""
        journal_id = journal.journal_id
        await tx.drop_pending_journal(journal_id)
        if journal.role == REVOKED and verified is not None:
            # A copy kept while no list named the journal: nothing was asked of the
            # server, which may still hold it (withheld): taken back only at a chain
            # continuing this one (forgotten.DISCARDED, REV-DEL D2).
            marks = forgotten.decode_marks(await tx.setting(forgotten.DISCARDED))
            marks[tag] = forgotten.mark_of(verified)
            await tx.set_setting(forgotten.DISCARDED, forgotten.encode_marks(marks))
        else:
            deleted = forgotten.decode(await tx.setting(forgotten.DELETED))
            await tx.set_setting(forgotten.DELETED, forgotten.encode(deleted | {tag}))
            if journal.role != REVOKED:  # its deletion asked, or never created there
                asked = forgotten.decode(await tx.setting(forgotten.DELETE_ASKED))
                await tx.set_setting(forgotten.DELETE_ASKED, forgotten.encode(asked | {tag}))
        # After its mark: a journal deleted here keeps no withdrawal (never taken
        # back here: `_without_deleted`), a discarded copy keeps this account's.
        await tx.remove_journal(
            journal_id,
            counters_tag=self.counters_tag(journal_id),
            account=self.profile.account_id,
        )
        await self._adoption_removed(tx, journal_id)
        await self._forget_key_waits(tx, journal_id)

    async def unsent_changes(
        self, journal: LocalJournal, *, kept_copy: bool = False
    ) -> UnsentChanges | None:
        """The UnsentChanges error deleting `journal` raises: its documents' changes written
        on this device that never reached the server (outbox or set aside), so are on no
        other device either; None when there are none, or when the journal is one this
        account keeps for a member (`is_disclosure`: its documents copy words of another
        journal). Records of no document (no words) are not counted. Reads only the store.
        `kept_copy`: said of a journal deleted on the server and kept here for them
        (`UnsentChanges.kept_copy`)."""
        if self.is_disclosure(journal):
            return None
        journal_id = journal.journal_id
        waiting = [d for j, d in await self.store.waiting_documents() if j == journal_id and d]
        if not waiting:
            return None
        refused = [
            r.record
            for r in await self.store.set_aside()
            if r.record.journal_id == journal_id and r.record.doc_id
        ]
        documents = list(dict.fromkeys(r.doc_id for r in refused if r.doc_id))
        return UnsentChanges(
            journal=journal.name,
            journal_id=journal_id.hex(),
            set_aside=tuple(r.record_id.hex() for r in refused),
            documents=tuple(d.hex() for d in documents),
            waiting=len(waiting) - len(refused),
            documents_count=len(set(waiting)),
            kept_copy=kept_copy,
            unsent_documents=tuple(d.hex() for d in dict.fromkeys(waiting)),
        )

    def _forget_in_memory(self, journal_id: bytes) -> None:
        """What this process holds of a journal removed from the store: its chain and keys."""
        self.chains.forget(journal_id)
        self._keys_asked.pop(journal_id, None)
        for refusal in [k for k in self._backoff.keys if k[0] == journal_id]:
            del self._backoff.keys[refusal]
        for epoch in [k for k in self._backoff.pulls if k[0] == journal_id]:
            del self._backoff.pulls[epoch]
        self._backoff.told.discard(journal_id)
        for key in [k for k in self._keys if k[0] == journal_id]:
            del self._keys[key]

    async def forget_copy(self, journal: LocalJournal) -> bool:
        """Discard from this device everything of a journal another account owns, in one
        local transaction: every row of it in the store (`Transaction.forget_journal`), its
        part of the held-back bookkeeping (hold_back.py: what was downloaded for it stops
        counting against the budget), and its keys and chain in memory; and remember its tag
        (forgotten.py) so that no journal list brings it back. Then the store's files are
        scrubbed (`Store.scrub`), so that the deleted rows' bytes do not linger in them:
        returns whether that finished. The caller checks that the share ended, and holds
        `sync_lock`."""
        journal_id = journal.journal_id
        async with self.store.transaction() as tx:
            await tx.forget_journal(
                journal_id,
                counters_tag=self.counters_tag(journal_id),
                account=self.profile.account_id,
            )
            await self._forget_key_waits(tx, journal_id)
            stored = await tx.setting(hold_back.SETTING)
            if stored is not None:
                hold = hold_back.decode(stored)
                hold.forget(journal_id)
                await tx.set_setting(hold_back.SETTING, hold_back.encode(hold))
            tags = forgotten.decode(await tx.setting(forgotten.SETTING))
            await tx.set_setting(
                forgotten.SETTING, forgotten.encode(tags | {forgotten.tag(journal_id)})
            )
            marks = forgotten.decode_marks(await tx.setting(forgotten.MARKS))
            verified = self.chains.state(journal_id)
            if verified is not None:  # what a later share must extend (forgotten.shared_again)
                marks[forgotten.tag(journal_id)] = forgotten.mark_of(verified)
            else:
                marks.pop(forgotten.tag(journal_id), None)
            await tx.set_setting(forgotten.MARKS, forgotten.encode_marks(marks))
            back = forgotten.decode(await tx.setting(forgotten.RETURNED))
            if forgotten.tag(journal_id) in back:
                await tx.set_setting(
                    forgotten.RETURNED, forgotten.encode(back - {forgotten.tag(journal_id)})
                )
            left = forgotten.decode(await tx.setting(forgotten.LEFT))
            if forgotten.tag(journal_id) in left:
                await tx.set_setting(
                    forgotten.LEFT, forgotten.encode(left - {forgotten.tag(journal_id)})
                )
            ended_under = forgotten.decode_ended(await tx.setting(forgotten.ENDED_UNDER))
            if ended_under.pop(forgotten.tag(journal_id), None) is not None:
                await tx.set_setting(forgotten.ENDED_UNDER, forgotten.encode_ended(ended_under))
            # its owner stays due as a kept copy's (`departures.OWNERS_ASKED`): the questions
            # never show the server which copies were discarded (REV-S11B S11B-5)
            asked = departures.decode_asked(await tx.setting(departures.OWNERS_ASKED))
            noted = departures.owners_seen_ended(asked, [journal.owner_id.hex()])
            if noted != asked:
                await tx.set_setting(departures.OWNERS_ASKED, json.dumps(noted))
            pending = departures.decode(await tx.setting(departures.PENDING))
            if any(d.journal_id == journal_id.hex() for d in pending.told):  # not told now
                pending.told = [d for d in pending.told if d.journal_id != journal_id.hex()]
                await tx.set_setting(departures.PENDING, pending.encode())
        # Out of memory before the scrub awaits: nothing running meanwhile decrypts with them.
        self._forget_in_memory(journal_id)
        clear_caches()
        return await self.store.scrub()

    async def create_disclosure_journal(
        self, name: str, settings: access.Disclosure
    ) -> LocalJournal:
        """A journal whose chain says what it discloses, sealed for this account's devices."""
        journal_id = crypto.random_bytes(wire.ID_BYTES)
        sealed = access.seal_disclosure(self.profile.secrets.account_key, journal_id, settings)
        return await self.create_journal(name, [access.disclosure(sealed)], journal_id)

    async def create_journal(
        self,
        name: str,
        more: list[tuple[str, dict[str, Any]]] | None = None,
        journal_id: bytes | None = None,
    ) -> LocalJournal:
        """Create a journal owned by this account: its key, its sealed name and the first
        entries of its access chain (`created` at epoch 0, then `more`), signed here and kept
        in the local store with the request that creates it on the server, in one local
        transaction. The request is sent right away; without the network it waits for the
        next sync (`create_pending_journals`), and the journal can be written to meanwhile."""
        journal_id = journal_id or crypto.random_bytes(wire.ID_BYTES)
        journal_key = crypto.new_key()
        secrets, me = self.profile.secrets, self.profile.account_id
        envelope = keys.wrap_journal_key(secrets.account_key, me, journal_id, 0, journal_key)
        signed = self._signed_meta(journal_id, 0, name, next_named_at(now_ms(), 0))
        meta = keys.seal_journal_meta(journal_key, journal_id, 0, encode_meta(**signed))
        entries, state = access.genesis(
            journal_id, self.reader, secrets.signing_key, now_ms(), more or [], key=journal_key
        )
        request = wire.JournalCreateRequest(
            journal_id, wire.KeyEnvelope(0, envelope), meta, entries
        )
        self.remember_key(journal_id, 0, journal_key)
        local = LocalJournal(
            journal_id,
            me,
            "owner",
            0,
            name,
            1,
            0,
            meta=json.dumps(signed, sort_keys=True),
            named_at=signed["named_at"],
        )
        async with self.store.transaction() as tx:
            await tx.put_journal(
                local, counters_tag=self.counters_tag(local.journal_id), account=me
            )
            await tx.put_key(journal_id, 0, envelope)
            await tx.add_access_entries(journal_id, 0, entries)
            await tx.add_pending_journal(journal_id, wire.encode(request))
        self.chains.remember(journal_id, state, entries)
        try:
            await self.create_pending_journals(only=journal_id)
        except NetworkError:
            pass  # offline: sent at the next sync
        except TJError as error:
            if sync_plan.refusal(error) is None:
                raise
            # refused for good at once (over quota, say): nothing was written in it yet
            async with self.store.transaction() as tx:
                await tx.remove_journal(
                    journal_id,
                    counters_tag=self.counters_tag(journal_id),
                    account=self.profile.account_id,
                )
                await self._forget_key_waits(tx, journal_id)
                await tx.drop_pending_journal(journal_id)
            self.chains.forget(journal_id)
            raise
        return local

    async def create_pending_journals(
        self, report: sync_plan.SyncReport | None = None, *, only: bytes | None = None
    ) -> list[bytes]:
        """Send the creation of journals made on this device and not yet on the server,
        oldest first (or only `only`); returns the ids the server now holds. A
        `journal_exists` conflict means an earlier attempt got there (the id is random and
        ours); the journal list then checks the server's chain against the one signed here.

        With a `report` (a sync), a creation the server refuses for good (over quota, an
        invalid request: `sync.refusal`) is set aside like a refused record: reported once in
        `report.set_aside`, not sent again, its journal's records set aside at the push,
        until `Client.retry_set_aside()`; so it never blocks the rest of the sync. Raises
        NetworkError offline (the rest waits for the next sync), and the server's other
        errors (and, without a report, its refusal)."""
        created = []
        refused = await self.store.refused_journals()
        for journal_id, raw in await self.store.pending_journals():
            if journal_id in refused or only not in (None, journal_id):
                continue
            request = wire.decode(wire.JournalCreateRequest, raw)
            try:
                await self.transport.call("/v1/journals/create", request, wire.Empty)
            except TJError as error:
                if error.code != "journal_exists":
                    if report is None or sync_plan.refusal(error) is None:
                        raise
                    await self._refuse_creation(journal_id, error, report)
                    continue
            async with self.store.transaction() as tx:
                await tx.drop_pending_journal(journal_id)
            created.append(journal_id)
        return created

    async def _refuse_creation(
        self, journal_id: bytes, error: TJError, report: sync_plan.SyncReport
    ) -> None:
        code = error.code or "unknown"
        reason = "the server refused to create this journal: " + sync_plan.refusal_reason(
            code, str(error)
        )
        async with self.store.transaction() as tx:
            await tx.refuse_journal(journal_id, code, reason, now_ms())
        names = {j.journal_id: self.shown_name(j) for j in await self.store.journals()}
        name = names.get(journal_id, journal_id.hex()[:12])
        report.set_aside.append(
            sync_plan.SetAside(journal_id.hex(), name, journal_id.hex(), None, code, reason)
        )

    async def _snapshot_plan(
        self,
        journal: LocalJournal,
        doc_ids: list[bytes] | None,
        since: dict[bytes, dict[int, int]] | None = None,
        carried: set[bytes] | None = None,
        stripped: set[bytes] | None = None,
        again: frozenset[bytes] = frozenset(),
    ) -> list[tuple[Document, str, bytes]]:
        """What `seal_snapshots` seals for `journal` (`doc_ids` as there): each document
        with the kind of its record and the payload (its whole state, or its removal written
        again). A removed document (of any kind, R43 F1) in `since` (doc id -> Yjs client ->
        the clock of the first change of this device the server never got: `_reseal_stale`)
        gets instead what those clients wrote from there on, its removal included, everything
        else deleted (`Document.removal_since`; its id then goes into `carried`): a removal
        written anew would build on those changes, and wait for them for ever on every other
        device (R41 F7). `since` also comes from records of another device that arrived after
        the share (`_carry`, R43 F2).

        At a share (`doc_ids` None), each removed document in `again` (`_removals_again`)
        gets its removal carried under the new epoch: every Yjs client's changes from its
        first clock, everything but the removal deleted (`removal_since(strip=True)`; its id
        then goes into `stripped`), so that a member whose device holds the document live,
        whatever records of it the server kept from that device, can apply it (R46 F7). A
        member's annotation in `again` that is removed (the owner withdrew it) gets the
        withdrawal alone, never a word of the member's (`withdrawal_again`, rev-cut C1): a
        member shared with again takes the new share's cut, which accounts for a withdrawal
        kept from his device (or not pulled before his earlier share ended).
        Reads the store only."""
        fresh = {j.journal_id: j for j in await self.store.journals()}[journal.journal_id]
        stored = await self.store.documents(journal.journal_id)
        wanted = set(doc_ids) if doc_ids is not None else None
        creators = await self.store.creators([d.doc_id for d in stored])
        plan = []
        for document in stored:
            creator = creators.get(document.doc_id, self.profile.account_id)
            chosen = document.doc_id in wanted if wanted is not None else creator == fresh.owner_id
            snapshot = stored_document(document)
            if wanted is None and document.doc_id in again and creator != fresh.owner_id:
                # A member's annotation the owner withdrew: the owner's removal alone, never
                # the member's words (rev-cut C1).
                changes = withdrawal_again(snapshot) if removed(snapshot) else None
                if changes is not None and snapshot_fits(changes):
                    plan.append((snapshot, records.UPDATE, changes))
                continue
            if wanted is None and document.doc_id in again and removed(snapshot):
                everything = {c: 0 for c in decode_state_vector(snapshot.state_vector())}
                changes = snapshot.removal_since(everything, strip=True)
                # One that would not fit in a record (a structure of very many edits) is not
                # carried: refusing the share for a removed document would leave the user
                # nothing to shorten (protocol.md 4.19, "Removals carried again").
                if changes is not None and snapshot_fits(changes):
                    plan.append((snapshot, records.UPDATE, changes))
                    if stripped is not None and snapshot.kind == ENTRY:
                        stripped.add(document.doc_id)  # values kept here, deleted elsewhere
                continue
            if not chosen or (wanted is None and removed(snapshot)):
                continue
            start = (since or {}).get(document.doc_id)
            changes = snapshot.removal_since(start) if start and removed(snapshot) else None
            if start and removed(snapshot) and changes is None:
                # Values among them: the removal written anew, unless it builds on them too
                # (this device's own removal among them): then they go, their values deleted.
                copy = snapshot.copy()
                if builds_on(removal_update(copy, now_ms()), start):
                    changes = snapshot.removal_since(start, strip=True)
                    if changes is not None and stripped is not None:
                        stripped.add(document.doc_id)  # values kept here, deleted elsewhere
            if changes is not None:
                plan.append((snapshot, records.UPDATE, changes))
                if carried is not None:
                    carried.add(document.doc_id)
            elif removed(snapshot):
                plan.append((snapshot, records.UPDATE, removal_update(snapshot, now_ms())))
            else:
                plan.append((snapshot, records.SNAPSHOT, snapshot.state()))
        return plan

    async def check_snapshots(
        self,
        journal: LocalJournal,
        doc_ids: list[bytes] | None = None,
        plan: list[tuple[Document, str, bytes]] | None = None,
    ) -> None:
        """Raise InvalidInput, naming the first document (an entry by its title), when a
        record `seal_snapshots(journal, doc_ids)` would seal is larger than one record
        carries (wire.MAX_RECORD_BYTES sealed): called before anything is signed or saved (a
        share, a restore), so that a refusal leaves nothing half done (R41 F4, F6). A text
        merged from several devices past MAX_BODY can be that large; so can a document whose
        snapshot carries the covers of a long history, with its seen vector.

        Sized on the very records the seal writes (REV-S1 F1: `snapshot_fits` alone keeps
        SNAPSHOT_SLACK for a seen vector and covers that may take up to MAX_SEEN_BYTES +
        MAX_COVERS_BYTES): after `snapshot_fits` (which names the document), they are sealed
        under the journal's current key in a store transaction always rolled back (the
        share's epoch is not signed yet; the sealed length does not depend on the key or the
        epoch), with this device's counters, seen vector, withdrawals and covers as they
        stand. `plan`: what to size instead of `_snapshot_plan(journal, doc_ids)` (a
        restore's snapshot before it is saved).

        The removals a share carries again (`_removals_again`) are not worked out here: one
        that would not fit is left out of the plan rather than refusing the share
        (`_snapshot_plan`), and a removed document is otherwise not sealed at a share, so
        they never change what this raises; `seal_snapshots` works them out once."""
        if plan is None:
            plan = await self._snapshot_plan(journal, doc_ids)
        for document, _, payload in plan:
            if not snapshot_fits(payload):
                raise InvalidInput(
                    too_large_to_snapshot(journal, document, payload), subject="too large"
                )
        fresh, key = await self._current_key(journal)
        across = None if doc_ids is None else frozenset[carrying.Counter]()
        with contextlib.suppress(_SizedOnly, _NothingToCover):
            async with self.store.transaction() as tx:
                await self._seal_plan(tx, fresh, key, plan, across=across)
                raise _SizedOnly  # rolled back: nothing sealed, no counter taken

    async def seal_snapshots(
        self, journal: LocalJournal, doc_ids: list[bytes] | None = None
    ) -> None:
        """Seal the current state of documents of an owned journal as fresh snapshots under
        its current epoch, for the outbox: at a share, every document this account created
        that is neither deleted nor in the trash (`doc_ids` None); otherwise the documents
        `doc_ids` (an offline device's outbox changes from before a share), where a removed
        document gets its removal written again instead (`removal_update`: no text).
        A garbage-collected state holds no deleted text: what a member who only holds keys
        from this epoch on can ever open. The share's boundary (every counter of the
        history before it that this device accounts for) is a cut written after the fresh
        snapshots (`_seal_cut`, rev-complete F3); with `doc_ids`, less the owner's records
        from before the cut that no cover of the cut accounts for (`_seal_plan` `across`,
        R43 F2). Every record is sealed in one transaction; InvalidInput (nothing written)
        when one is too large for a record (`check_snapshots`).

        At a share, each removed document that a current member's device may hold live
        (`_removals_again`) gets its removal carried again under the new epoch (R46 F7): a
        server that kept a trash or a deletion from a member's device, which the boundary
        then covers, can no longer leave the document live there unnoticed. At a share, the
        journal's owed boundary (`owed_shares`, noted by `owing_share`) is cleared in the
        transaction that seals it (or once there is nothing to seal)."""
        fresh, key = await self._current_key(journal)
        again = await self._removals_again(journal) if doc_ids is None else frozenset()
        stripped: set[bytes] = set()
        plan = await self._snapshot_plan(journal, doc_ids, stripped=stripped, again=again)
        across = None if doc_ids is None else frozenset[carrying.Counter]()
        sealed = False
        with contextlib.suppress(_NothingToCover):
            async with self.store.transaction() as tx:
                await self._seal_plan(tx, fresh, key, plan, across=across)
                for doc_id in sorted(stripped & again):
                    # The other devices and members may hold its values deleted: a restore
                    # writes them anew. No change was carried that the other owner devices
                    # lack ({}: the merge at another device's restore keeps its body,
                    # `_restore_kept`); a marker already set (R43 F3) names such changes.
                    marker = restore_anew_setting(doc_id)
                    if not await tx.setting(marker):
                        await tx.set_setting(marker, json.dumps({}))
                if doc_ids is None:
                    await self._settle_owed(tx, journal.journal_id)
                sealed = True
        if doc_ids is None and not sealed:  # nothing to seal: nothing owed either
            async with self.store.transaction() as tx:
                await self._settle_owed(tx, journal.journal_id)

    async def _settle_owed(
        self, tx: Transaction, journal_id: bytes, only: owed_shares.Owed | None = None
    ) -> None:
        """Within `tx`: the journal's share boundary is sealed, nothing owed there (with
        `only`: when what is noted is still that, not a note written since it was read)."""
        value = await tx.setting(owed_shares.SETTING)
        if value:
            await tx.set_setting(owed_shares.SETTING, owed_shares.settled(value, journal_id, only))

    async def keep_told(self, report: sync_plan.SyncReport) -> None:
        """A sync run inside another call (a share's, an unshare's, `push_outbox`), whose
        report that call does not return: the shares it completed (`finished_shares`) are
        told by this client's next sync instead, never lost (REV-OWED F2); the news of what
        it pulled (a client's new safety flag) are kept for `unseen_news` (`keep_news`, set
        by the Client: rev30b F8), and so are its journal news (`refresh_journals`: an
        owner's rename, this account's journals created or renamed on another device, rev30c
        F5)."""
        if (report.arrivals or report.news) and self.keep_news is not None:
            await self.keep_news(report)
        if report.finished_shares:
            if self._reopened is None:
                self._reopened = sync_plan.SyncReport()
            self._reopened.finished_shares.extend(report.finished_shares)

    @contextlib.asynccontextmanager
    async def holding_owed(self, journal_ids: frozenset[bytes]) -> AsyncIterator[None]:
        """While the owner ends shares in `journal_ids` (`Sharing._end_shares`): a sync of
        this process neither signs an owed grant there again nor seals its boundary
        (`_finish_shares` leaves them), the call deciding whether that share is still
        wanted (`withdraw_owed`)."""
        added = journal_ids - self._holding
        self._holding |= added
        try:
            yield
        finally:
            self._holding -= added

    async def withdraw_owed(
        self, journal_ids: Iterable[bytes], ends: Callable[[owed_shares.Owed], bool]
    ) -> list[owed_shares.Owed]:
        """Withdraw the owed shares (`owed_shares`) of `journal_ids` for which `ends(owed)`
        is true: the owner ends that share (`Sharing._end_shares`), so no sync of any process
        signs its grant again (`_grant_again`, `_owe_grant`). In one transaction the note
        moves to the withdrawn grants (`owed_shares.WITHDRAWN`), which keep it until the
        verified chain rules the grant out (`end_withdrawn`: never dropped on a rotation that
        failed, REV-OWED F9). Returns those notes and the withdrawn grants of `journal_ids`
        already kept that `ends` names (an unshare tried again after one that failed)."""
        wanted = set(journal_ids)
        async with self.store.transaction() as tx:
            value = await tx.setting(owed_shares.SETTING)
            kept = await tx.setting(owed_shares.WITHDRAWN)
            found = owed_shares.decode(value)
            moved = [o for j, o in sorted(found.items()) if j in wanted and ends(o)]
            earlier = [
                o
                for _, o in sorted(owed_shares.withdrawn(kept).items())
                if o.journal_id in wanted and ends(o)
            ]
            for owed in moved:
                value = owed_shares.settled(value, owed.journal_id, owed)
                kept = owed_shares.withdraw(kept, owed)
            if moved:
                await tx.set_setting(owed_shares.SETTING, value)
                await tx.set_setting(owed_shares.WITHDRAWN, kept)
        return [*moved, *(o for o in earlier if o not in moved)]

    async def end_withdrawn(self, journal: LocalJournal, owed: owed_shares.Owed) -> None:
        """Rule out a withdrawn grant (`withdraw_owed`) on the verified chain: on each
        attempt (another device's entry, or a request of the grant itself, may have landed
        meanwhile: the chain read again decides), sign the removal of its membership when
        the chain lists it current, else a plain rotation at the length the grant was signed
        on (its request, should the server still hold it, is then refused: the position is
        taken), until `owed_shares.ending` says ENDED; then the withdrawn grant is forgotten.
        Raises what the rotation raised (a network error, a refusal, a chain conflict three
        times) or the chain's problem: the withdrawn grant is kept, and every sync tries
        again (`_end_withdrawn`)."""
        journal_id = journal.journal_id
        for attempt in range(4):
            await self.refresh_journals()
            self.chains.raise_problem(journal_id)
            state = self.chains.current(journal_id)
            step = owed_shares.ending(owed, state)
            if step == owed_shares.ENDED:
                async with self.store.transaction() as tx:
                    value = await tx.setting(owed_shares.WITHDRAWN)
                    await tx.set_setting(
                        owed_shares.WITHDRAWN, owed_shares.ruled_out(value, owed.handle)
                    )
                return
            if attempt == 3:
                break
            changes = [access.removed(owed.handle)] if step == owed_shares.REMOVE else []
            if closes_writes(state, changes, (self.clock or now_ms)()):
                await self.take_in_writes()
                state = self.chains.current(journal_id)
                step = owed_shares.ending(owed, state)
                if step == owed_shares.ENDED:
                    continue  # forgotten at the next attempt, on the chain read again
                changes = [access.removed(owed.handle)] if step == owed_shares.REMOVE else []
            try:
                await self._rotate(journal_id, state, changes)
            except ConflictError as error:
                if getattr(error, "code", None) not in ("chain_conflict", "stale_epoch"):
                    raise
                continue
            await self.refresh_journals()
            await self._reseal_outbox()
        raise ConflictError(
            f"the access of {quoted_name(journal.name)} kept changing on the server while this device "
            f"ended the share with {owed.member}: try again"
        )

    async def _end_withdrawn(
        self, report: sync_plan.SyncReport, as_of: tuple[int, int] | None = None
    ) -> None:
        """At each sync: every withdrawn grant (`owed_shares.WITHDRAWN`) of a journal this
        account owns is ruled out (`end_withdrawn`), told as a problem of the sync while it
        is not (REV-OWED F9). One whose journal holds an owed grant this device signs again
        is left to it (that grant, signed at the same length, takes the position when
        stored; the two never race), and a journal an unshare of this process is ending is
        left to that call."""
        kept = owed_shares.withdrawn(
            await self.store.setting(owed_shares.WITHDRAWN, as_of=as_of)
        )  # read as of the sync's version: no statement when nothing changed (issue 10)
        if not kept:
            return
        owed = owed_shares.decode(await self.store.setting(owed_shares.SETTING))
        journals = {j.journal_id: j for j in await self.store.journals()}
        for handle, what in sorted(kept.items()):
            journal = journals.get(what.journal_id)
            if journal is None or journal.role != "owner":
                async with self.store.transaction() as tx:  # no journal of this owner's
                    value = await tx.setting(owed_shares.WITHDRAWN)
                    await tx.set_setting(
                        owed_shares.WITHDRAWN, owed_shares.ruled_out(value, handle)
                    )
                continue
            if what.journal_id in self._holding:
                continue
            noted = owed.get(what.journal_id)
            state = self.chains.state(what.journal_id)
            if (
                noted is not None
                and noted.terms is not None
                and state is not None
                and owed_shares.ending(what, state) == owed_shares.TAKE
            ):
                continue  # the grant noted there, signed again, takes the same position
            if owed_shares.resting(
                what, (self.clock or now_ms)()
            ):  # spaced as a grant signed again (G5)
                rest = owed_shares.rest_ms(what) // 60000
                report.add_problem(
                    journal.journal_id,
                    journal.name,
                    owed_shares.not_ended(
                        what,
                        f"not stored {what.tries} times already: now tried at most once "
                        f"every {rest} min",
                    ),
                )
                continue
            try:
                await self.end_withdrawn(journal, what)
            except ClientClosed:
                raise
            except TJError as error:
                async with self.store.transaction() as tx:
                    value = await tx.setting(owed_shares.WITHDRAWN)
                    await tx.set_setting(
                        owed_shares.WITHDRAWN,
                        owed_shares.tried(value, handle, (self.clock or now_ms)()),
                    )
                report.add_problem(
                    journal.journal_id, journal.name, owed_shares.not_ended(what, error)
                )

    @contextlib.asynccontextmanager
    async def owing_share(
        self,
        journal: LocalJournal,
        handle: bytes,
        member: str,
        who: access.Identity | None = None,
    ) -> AsyncIterator[None]:
        """Around a share's grant and the sealing of its boundary (`Sharing._grant`): the
        grant of the membership `handle` (for `member`, a username) owes the journal's
        boundary. `_rotate` notes it in the store once the grant is signed, with its
        position in the chain, before the request is sent (`_owe_grant`), so that when the
        grant reaches the chain and the boundary is not sealed (the seal raised, the app
        stopped, the reply was lost) a later sync seals it (`_finish_shares`, REV-S1 F1);
        `seal_snapshots` clears it. Meanwhile a sync of this process leaves the journal to
        the share; one of another process keeps the note while the grant may still land
        (REV-S2 F2). With `who` (the member's identity the grant names) the note keeps the
        signed grant, so that a sync signs it again when the server never stored it
        (`_grant_again`)."""
        self._granting[journal.journal_id] = (handle, member, who)
        try:
            yield
        finally:
            self._granting.pop(journal.journal_id, None)

    async def _finish_shares(
        self, report: sync_plan.SyncReport, as_of: tuple[int, int] | None = None
    ) -> bool:
        """Seal the boundary of each share this device signed and did not seal (the grant
        pushed, then the seal failed, the reply was lost or the app stopped: `owing_share`),
        when the verified chain shows that membership current and its grant the latest cut
        (`owed_shares.standing` DUE); told in `report.finished_shares`, or, when it cannot be
        sealed yet (a document too large, records kept for a newer app), a problem of this
        sync, tried again at the next. A grant the verified chain has not reached yet is
        kept and told as pending, a problem of every sync while so (REV-S2 F1: a chain that
        lacks it is no proof it never lands). One that can no longer be due (its position
        taken by another entry, the member gone, a later share sealed its own) is
        forgotten. Returns whether anything was sealed (to push). Journals a share of this
        process is sealing now are left to it; a journal whose chain has a problem is kept
        for a later sync."""
        owed = owed_shares.decode(await self.store.setting(owed_shares.SETTING, as_of=as_of))
        if not owed:
            return False
        journals = {j.journal_id: j for j in await self.store.journals()}
        sealed = False
        for journal_id, what in sorted(owed.items()):
            if (
                journal_id in self._granting
                or journal_id in self._holding
                or self.chains.problem(journal_id) is not None
            ):
                continue
            journal, state = journals.get(journal_id), self.chains.state(journal_id)
            standing = (
                owed_shares.GONE
                if journal is None or journal.role != "owner" or state is None
                else owed_shares.standing(what, state)
            )
            if standing == owed_shares.GONE:
                async with self.store.transaction() as tx:
                    await self._settle_owed(tx, journal_id, what)
                if journal is not None and journal.role == "owner" and state is not None:
                    self._tell_superseded(journal, what, report)
                continue
            assert journal is not None and state is not None
            resent = self._tried_again.get(what.handle, False)
            if standing == owed_shares.PENDING and what.handle in self._tried_again:
                report.add_problem(journal_id, journal.name, owed_shares.pending(what))
                continue  # signed again at this sync already (`_expired_with_grant`)
            if standing == owed_shares.PENDING:
                standing, told, resent = await self._grant_again(journal, what, report)
                if standing != owed_shares.GONE and self.chains.problem(journal_id) is not None:
                    continue  # what the server served since has a problem: kept for later
                if standing == owed_shares.GONE:
                    async with self.store.transaction() as tx:
                        await self._settle_owed(tx, journal_id, what)
                    if not told:  # another entry took its position at this sync
                        self._tell_superseded(journal, what, report)
                    continue
                if standing == owed_shares.PENDING:
                    if not told:
                        report.add_problem(journal_id, journal.name, owed_shares.pending(what))
                    continue
                state = self.chains.current(journal_id)
            who = state.members[what.handle].who
            member = who.username if who is not None else "a new member"
            if not await self._still_owed(what):
                continue  # the owner ended that share meanwhile (another process's unshare)
            try:
                await self.refuse_while_parked(journal, "seal it for the new member")
                await self.seal_snapshots(journal)
            except (InvalidInput, UpdateNeeded) as error:
                report.add_problem(journal_id, journal.name, owed_shares.unfinished(member, error))
                continue
            report.finished_shares.append(owed_shares.finished(member, journal.name, resent=resent))
            sealed = True
        return sealed

    async def _still_owed(self, owed: owed_shares.Owed) -> bool:
        """Whether `owed` is still noted (its handle) and not withdrawn, read from the store
        now, and its journal not held by an unshare of this process: a sync seals a
        boundary only for a share the owner did not end since the sync read its note
        (REV-OWED F6)."""
        if owed.journal_id in self._holding:
            return False
        async with self.store.transaction() as tx:
            noted = owed_shares.decode(await tx.setting(owed_shares.SETTING))
            withdrawn = owed_shares.withdrawn(await tx.setting(owed_shares.WITHDRAWN))
        now = noted.get(owed.journal_id)
        return now is not None and now.handle == owed.handle and owed.handle not in withdrawn

    async def _grant_again(
        self,
        journal: LocalJournal,
        owed: owed_shares.Owed,
        report: sync_plan.SyncReport,
        *,
        despite_rest: bool = False,
    ) -> tuple[str, bool, bool]:
        """An owed grant the verified chain has not reached (`owed_shares.standing`
        PENDING): sign the same grant again and send it, when the chain is still the length
        it was signed on (the server never stored it: a crash before its commit, a
        connection cut after it was sent, a server that dropped it; protocol.md 4.19). Not
        its request again word for word: that would make the journal's members the ones it
        sealed keys for then (a member who left since, or whose end date passed, would get
        the new epoch's key) and put back the name it sealed; a new rotation on the current
        verified chain seals the key to exactly the members that chain lists now, with the
        journal's current name (`_rotate`). Same handle, so what follows (`standing`, the
        seal) is as for the first request. At most once a sync, and only at the same
        position (`owed_shares.again`): a server that drops every request gets nothing more
        signed than one rotation a sync, all at that one position.

        Returns (the standing now, whether this told it in `report`, whether the server
        stored the grant signed here): GONE when the grant
        is no longer wanted (`owed_shares.unwanted`: its end date passed, the member's keys
        changed; told once, the caller drops the note) or another entry took its position;
        DUE once the chain shows it (stored now, or the first request arrived late and this
        one was refused as a chain conflict); PENDING while it may still land (a network
        error, a request another process may still be sending, the chain not the length it
        was signed on, the journal's snapshots that cannot be sealed yet: told why).
        `despite_rest`: signed even while `owed_shares.resting` (a rotation that ends a
        member is signed anyway: REV-OWED2 G3)."""
        journal_id, now = journal.journal_id, (self.clock or now_ms)()
        peers = await self.store.peers()  # the pins as stored now, never a stale copy
        account = owed.who.account_id if owed.who is not None else None
        pinned = next((p for p in peers if p.account_id == account), None)
        renamed = any(
            normalize_username(p.username) == normalize_username(owed.member)
            and p.account_id != account
            for p in peers
        )
        identity = (
            access.Identity(
                pinned.account_id, pinned.username, pinned.sign_public_key, pinned.box_public_key
            )
            if pinned is not None
            else None
        )
        why = owed_shares.unwanted(owed, now, identity, renamed)
        if why is not None:
            report.add_problem(journal_id, journal.name, owed_shares.dropped(owed, why))
            # Withdrawn, not dropped: kept until a rotation rules it out, which this sync
            # (`_end_withdrawn`) and every later one try (REV-OWED F9).
            await self.withdraw_owed([journal_id], lambda o: o.handle == owed.handle)
            return owed_shares.GONE, True, False
        state = self.chains.current(journal_id)
        changes = owed_shares.again(owed, state)
        if (
            changes is None
            or owed_shares.under_way(owed, now)
            or (owed_shares.resting(owed, now) and not despite_rest)
            or owed.who is None
        ):
            return owed_shares.PENDING, False, False
        try:
            await self.refuse_while_parked(journal, "seal it for the new member")
            await self.check_snapshots(journal)
        except (InvalidInput, UpdateNeeded) as error:
            report.add_problem(journal_id, journal.name, owed_shares.pending(owed))
            report.add_problem(journal_id, journal.name, owed_shares.unfinished(owed.member, error))
            return owed_shares.PENDING, True, False
        if closes_writes(state, changes, now):  # a member whose keys changed is removed
            await self.take_in_writes()
            state = self.chains.current(journal_id)
            changes = owed_shares.again(owed, state)
            if changes is None:
                return owed_shares.standing(owed, state), False, False
        self._again.add(owed.handle)
        try:
            async with self.owing_share(journal, owed.handle, owed.member, owed.who):
                try:
                    await self._rotate(journal_id, state, changes)
                except _Withdrawn:  # ended meanwhile (REV-OWED F6): the unshare rules it out
                    return owed_shares.PENDING, True, False
                except ConflictError as error:
                    if getattr(error, "code", None) not in ("chain_conflict", "stale_epoch"):
                        return self._not_sent(journal, owed, error, report)
                    # Another entry landed at that position (another device's, or the first
                    # request, late): the verified chain tells which.
                    await self.refresh_journals()
                    return self._standing_now(owed), False, False
                except NetworkError:
                    return owed_shares.PENDING, False, False
                except ClientClosed:
                    raise
                except TJError as error:  # refused otherwise: never a sync that fails for good
                    return self._not_sent(journal, owed, error, report)
        finally:
            self._again.discard(owed.handle)
        await self.refresh_journals()
        await self._reseal_outbox()
        return self._standing_now(owed), False, True

    def _tell_superseded(
        self, journal: LocalJournal, owed: owed_shares.Owed, report: sync_plan.SyncReport
    ) -> None:
        """Tell, as the sync drops it, an owed grant this device was sending again
        (`Owed.terms`) whose position another entry of the verified chain took: it never
        lands (`owed_shares.superseded`). Nothing for a grant on the chain, nor for an
        older note (never told it was sent again). When the verified chain lists the
        grant's account as a current member by another grant (another device shared with
        them too), that is what is told: never "reads none of it" (REV-OWED F7)."""
        state = self.chains.state(journal.journal_id)
        if owed.terms is None or state is None or owed.handle in state.seen_handles:
            return
        member = state.member_by_account(owed.who.account_id) if owed.who is not None else None
        if member is not None:
            report.add_problem(
                journal.journal_id, journal.name, owed_shares.shared_elsewhere(owed, member.role)
            )
            return
        report.add_problem(journal.journal_id, journal.name, owed_shares.superseded(owed))

    def _not_sent(
        self,
        journal: LocalJournal,
        owed: owed_shares.Owed,
        error: TJError,
        report: sync_plan.SyncReport,
    ) -> tuple[str, bool, bool]:
        """The grant signed again was refused otherwise than by a chain conflict (the
        server's word, or this device's data): told pending, with why, and tried again at
        the next sync (`_grant_again`'s result)."""
        report.add_problem(
            journal.journal_id,
            journal.name,
            f"{owed_shares.pending(owed)} (sent again at this sync and refused: {error})",
        )
        return owed_shares.PENDING, True, False

    def _standing_now(self, owed: owed_shares.Owed) -> str:
        """`owed_shares.standing` on the verified chain as the last refresh left it;
        PENDING while that journal's chain has a problem (a server that said it stored the
        grant and serves a chain without it: kept, never sealed on it)."""
        if self.chains.problem(owed.journal_id) is not None:
            return owed_shares.PENDING
        return owed_shares.standing(owed, self.chains.current(owed.journal_id))

    async def _removals_again(self, journal: LocalJournal) -> frozenset[bytes]:
        """The documents this account or a current member created in `journal` that a
        current member's device may hold: this device holds a record of each sealed under an
        epoch, before the current one, whose key the owner sealed to a membership (current
        or earlier) of a current member's account. Those of them removed (deleted, or in the
        trash; a member's annotation withdrawn) get their removal carried again under a
        share's epoch (R46 F7; for a member's annotation, the owner's withdrawal alone:
        `documents.withdrawal_again`, rev-cut C1): `_snapshot_plan` tells which,
        from the states it reads anyway (a removal is in a document's fields, not in SQL);
        a document created and removed while no current member held a key is not (a new
        member learns nothing of it). Reads the store's records and creators only, no
        document state."""
        state = self.chains.state(journal.journal_id)
        if state is None:
            return frozenset()
        epochs: set[int] = set()
        for member in state.members.values():
            if member.account_id is not None:
                epochs |= state.held_epochs(member.account_id)
        epochs.discard(state.epoch)
        if not epochs:
            return frozenset()
        docs = await self.store.docs_sealed_in(journal.journal_id, epochs)
        creators = await self.store.creators(sorted(docs))
        # A member shared with again (its current membership starts at this share's cut)
        # takes the cut, which may account for the owner's withdrawal of its annotation:
        # carried again for it only (rev-cut C1). Any other current member does not take
        # the cut: such a withdrawal kept from it stays a gap, reported.
        creating = {
            m.account_id
            for m in state.members.values()
            if m.account_id is not None and state.first_epoch.get(m.handle) == state.epoch
        }
        creating.add(journal.owner_id)
        return frozenset(d for d in docs if creators.get(d, self.profile.account_id) in creating)

    async def _current_key(self, journal: LocalJournal) -> tuple[LocalJournal, bytes]:
        """The journal as stored now and the key of its verified current epoch."""
        state = self.chains.current(journal.journal_id)
        fresh = {j.journal_id: j for j in await self.store.journals()}[journal.journal_id]
        return fresh, await self.journal_key(fresh, state.epoch)

    async def _seal_plan(
        self,
        tx: Transaction,
        journal: LocalJournal,
        key: bytes,
        plan: list[tuple[Document, str, bytes]],
        seen: dict[bytes, tuple[counting.Seen, ...]] | None = None,
        *,
        across: frozenset[carrying.Counter] | None,
    ) -> None:
        """Seal `plan` (`_snapshot_plan`) into the outbox within `tx` (`journal` and `key`
        from `_current_key`, read before `tx` began), then the cut (`_seal_cut`, on the
        owner's devices; first when `plan` is empty): InvalidInput before anything is
        sealed when a record would be too large; _NothingToCover (roll `tx` back) when the
        plan is empty and there is no counter to account for. `seen`: doc id -> the seen
        vector to sign instead of this device's current one (`_seal_boundary`). `across`: None for a
        share's own boundary (its cut states every counter this device accounts for);
        otherwise the records sealed before the cut that these records carry across it
        (`_carry`; none for a restore or an outbox sealed again): the other records from
        before the cut that no cover of the cut accounts for, of the owner and of each
        current member that takes the cut (`_takes_cut`: shared with again there, its
        device never receives them), are left out of their covers
        (`carrying.not_accounted`), so that a member sees them missing rather than never
        told of them (R43 F2; a member's own withdrawal from its other device, rev-ce2
        F1)."""
        for document, _, payload in plan:
            if not snapshot_fits(payload):
                raise InvalidInput(
                    too_large_to_snapshot(journal, document, payload), subject="too large"
                )
        left_out = frozenset[carrying.Counter]()
        state = self.chains.state(journal.journal_id)
        if across is not None and state is not None and state.cut:
            taking = [
                m.account_id
                for m in state.members.values()
                if m.account_id is not None and self._takes_cut(journal, m.account_id)
            ]
            held = [
                (author, device, counter)
                for author in dict.fromkeys([journal.owner_id, *taking])
                for device, counter in await tx.counters_before(
                    journal.journal_id, author, state.cut
                )
            ]
            left_out = carrying.not_accounted(
                held,
                await tx.setting(carrying.setting_name(journal.journal_id)),
                state.cut,
                across,
            )
        # With fresh records, the cut is written last (rev-complete F3): its counter, above
        # theirs, names every one of them, so one the server keeps from a member (or from
        # another owner device) is a gap below a counter received, reported; were it first,
        # the last snapshot would be a newest record, a whole document dropped unnoticed.
        cut = False if plan else await self._seal_cut(tx, journal, key, left_out)
        for document, kind, payload in plan:
            was = (seen or {}).get(document.doc_id)
            await self._seal_boundary(tx, journal, key, document, kind, payload, was, left_out)
        if plan:
            await self._seal_cut(tx, journal, key, left_out)
        elif not cut or await tx.has_withdrawn(journal.journal_id):
            # the withdrawals the cut does not carry (_NothingToCover: neither)
            await self._seal_boundary(tx, journal, key, None, records.VOID, b"")

    async def check_restore(self, journal: LocalJournal, document: Document) -> None:
        """Raise InvalidInput (nothing changed) when taking `document` out of the trash
        would need a snapshot of its whole state (`restored`) larger than one record: called
        before the restore is saved (R41 F6). Sized on the record the restore would seal,
        with the seen vector and covers it carries (`check_snapshots`, REV-S1 F1)."""
        if self._restore_seals(journal):
            plan = [(document.copy(), records.SNAPSHOT, document.state())]
            await self.check_snapshots(journal, [document.doc_id], plan)

    def _restore_seals(self, journal: LocalJournal) -> bool:
        state = self.chains.state(journal.journal_id)
        return journal.role == "owner" and state is not None and bool(state.members or state.cut)

    async def _merge_writing(
        self,
        journal: LocalJournal,
        changed: dict[bytes, Document],
        documents: dict[bytes, StoredDocument],
        creators: dict[bytes, bytes],
        was_removed: dict[bytes, str],
    ) -> _MergeWriting:
        """What `_write_at_merge` needs that a transaction cannot read (keys, the journal
        list), read before the page's transaction, for a page of an owned journal whose
        chain verified (`changed`, `documents`, `creators`, `was_removed` as `_apply_page`
        holds them): no key is read when no document of the page can call for a write.
        A journal this device may not write in now (archived: `may_write`; no verified
        chain) gives `refused`, told for each write it calls for; no key of the current
        epoch for a restore's snapshot (`_current_key`: AccessError, IntegrityError, e.g. a
        withheld envelope) gives `unsealed`, told likewise (rev-atomic F1: raised, it left
        the page unstored at every sync). NetworkError (a key to fetch, offline)
        propagates: nothing of the page is stored, the next sync applies it and writes
        these."""
        me = self.profile.account_id
        twins = any(d in documents and creators.get(d) == me for d in changed)
        back = any(d in changed for d in was_removed)
        writing = _MergeWriting(journal)
        if twins or back:
            try:
                journal = await self.may_write(journal, ENTRY)
                self.chains.current(journal.journal_id)  # never seal for a rolled-back chain
                key = await self.journal_key(journal, journal.epoch)
                writing = _MergeWriting(journal, key)
            except (AccessError, IntegrityError) as error:
                writing = _MergeWriting(journal, refused=str(error))
        if back and self._restore_seals(journal):
            try:
                writing = dataclasses.replace(writing, snapshot=await self._current_key(journal))
            except (AccessError, IntegrityError) as error:
                # No key of the current epoch here (one withheld, or refused): told for each
                # restore pulled, never raised, since a page left unstored is pulled again at
                # every sync and no later record of the journal would ever arrive.
                writing = dataclasses.replace(writing, unsealed=str(error))
        return writing

    async def _note_copies_to_follow(
        self,
        tx: Transaction,
        journal: LocalJournal,
        arrivals: dict[bytes, sync_plan.Arrival],
        changed: dict[bytes, Document],
    ) -> None:
        """Inside a pulled page's transaction: the entries of this account it leaves in the
        trash or deleted, and the entries it brings into a journal this account keeps for a
        member one by one (copies), noted (`COPIES_TO_FOLLOW`) for `Entries._follow_removals`, which the
        next `Client.sync` runs and which clears them: written with the page, so that no
        crash after it, nor a sync run inside a share (whose report is not kept), loses them
        (REV-DEL7 A, B). Nothing is written for a page with none (a fresh pull of entries)."""
        if journal.owner_id != self.profile.account_id or not arrivals:
            return
        copies = self._holds_single_items(journal)
        noted = [
            doc_id
            for doc_id, arrival in arrivals.items()
            if arrival.kind == ENTRY
            and doc_id in changed
            and (copies or documents_removal(changed[doc_id]))
        ]
        mirrored = [
            doc_id
            for doc_id, arrival in arrivals.items()
            if arrival.kind in MIRRORED_KINDS and doc_id in changed
        ]
        if mirrored and not self._mirrored_live(journal):
            mirrored = []  # (asked only of a page bringing what a copy could carry)
        if not noted and not mirrored:
            return
        kept = decode_to_follow(await tx.setting(COPIES_TO_FOLLOW))
        field = "copies" if copies else "entries"
        kept[field] = sorted(set(kept[field]) | {d.hex() for d in noted})
        kept["mirrored"] = sorted(set(kept["mirrored"]) | {d.hex() for d in mirrored})
        await tx.set_setting(COPIES_TO_FOLLOW, json.dumps(kept))

    def _mirrored_live(self, journal: LocalJournal) -> bool:
        """Whether `journal` (this account's) is the source of a field-level copy of this
        account with a member whose share has not ended (its owner-signed chain): what
        arrives in it is then copied after the sync (`Sharing.follow_mirrors`), whichever
        owner device wrote it (NU61 F2: an entry written on a device that did not know of the
        copy yet never reached it)."""
        now = now_ms()
        me = self.profile.account_id
        for journal_id, state in self.chains.states().items():
            if state.owner_id != me or state.disclosure is None:
                continue
            if not any(not m.ended(now) for m in state.members.values()):
                continue
            try:
                settings = access.open_disclosure_cached(
                    self.profile.secrets.account_key, journal_id, state.disclosure
                )
            except IntegrityError:
                continue
            if settings.kind == "mirror" and settings.mirror_of == journal.journal_id:
                return True
        return False

    def _holds_single_items(self, journal: LocalJournal) -> bool:
        """Whether `journal` is one this account keeps for a member with entries shared one by
        one (its owner-signed disclosure settings, kind "items"), not a field-level copy of
        a journal (REV-DEL8: those were noted to follow too, a scan that finds nothing)."""
        settings = self.disclosure_settings(journal)
        return settings is not None and settings.kind == "items"

    async def _write_at_merge(
        self,
        tx: Transaction,
        writing: _MergeWriting,
        changed: dict[bytes, Document],
        documents: dict[bytes, StoredDocument],
        creators: dict[bytes, bytes],
        was_removed: dict[bytes, str],
        carried_again: set[bytes],
        report: sync_plan.SyncReport,
    ) -> list[Document]:
        """Within the transaction of a page of an owned journal whose chain verified
        (`_apply_page`), once the page's documents are stored: what merging it calls for on
        this device, in the same transaction, since nothing writes it again once the page
        is stored (the cursor is past it; a later sync finds these documents unchanged).
        The restore-anew markers of entries whose removal another device carried again
        (`_mark_carried_again`), the twin deletes, carried edits and spaces between glued
        inserts (`_keep_one_twin`), and for each entry another device took out of the trash
        the values this device kept written anew (`_restore_kept`) and its snapshot for the
        members (`restored`).
        `writing` from `_merge_writing`. A record too large to seal, or a journal this
        device may not write in, is a problem of the sync in `report` (that write is not
        made; the page is stored all the same). Returns the documents changed, stored here;
        `changed` holds them as stored."""
        me = self.profile.account_id
        await self._mark_carried_again(tx, carried_again, changed)
        written: dict[bytes, Document] = {}
        for doc_id, document in changed.items():
            if doc_id in documents and creators.get(doc_id) == me:
                if await self._keep_one_twin(tx, writing, document, documents[doc_id], report):
                    written[doc_id] = document
        for doc_id in [d for d in was_removed if d in changed and not removed(changed[d])]:
            document = changed[doc_id]
            if await self._restore_kept(tx, writing, document, documents.get(doc_id), report):
                written[doc_id] = document
            await self._seal_restored(tx, writing, document, report)
        if written:
            stored = [_stored(writing.journal, document) for document in written.values()]
            await tx.put_documents(stored, now_ms())
            await tx.set_creators({doc_id: me for doc_id in written})
        return list(written.values())

    async def _seal_at_merge(
        self,
        tx: Transaction,
        writing: _MergeWriting,
        document: Document,
        update: bytes,
        report: sync_plan.SyncReport,
        told: Callable[[Document, str], str],
    ) -> bool:
        """Seal `update` of `document` (`_seal_update`) within `tx`, all of it or nothing
        (a savepoint): False, with `told(document, why)` a problem of the sync in `report`,
        when the journal refuses writes here (`writing.refused`) or the record is too large
        (InvalidInput); the rest of `tx` stands either way."""
        journal = writing.journal
        if writing.key is None:
            reason = writing.refused or "no key of the journal's epoch on this device"
            report.add_problem(journal.journal_id, journal.name, told(document, reason))
            return False
        try:
            async with tx.savepoint():
                await self._seal_update(tx, journal, writing.key, document, update)
        except InvalidInput as error:
            report.add_problem(journal.journal_id, journal.name, told(document, str(error)))
            return False
        self._pull_wrote = True
        return True

    async def _keep_one_twin(
        self,
        tx: Transaction,
        writing: _MergeWriting,
        document: Document,
        before: StoredDocument,
        report: sync_plan.SyncReport,
    ) -> bool:
        """Words inserted at the same place on two devices before either had the other's
        (the same typo fixed on both: "thethe") are kept once: the copies of all but the
        lowest Yjs client are deleted by a change of this device (`twin_inserts`), which every
        owner's device that finds them writes alike (R45 F3). Edits this device held of a copy
        so deleted (`before`: the document as it held it before this page), made before it
        had the delete, are then carried over to the copy kept (`carry_twin_edits`, R48 F1).
        Words inserted at one place on two devices and glued by the merge ("UuXx ba.", "Work
        is fine now.Work still worries me.") then get one space between them
        (`glued_inserts.separator_update`), in every kind of document. Sealed within `tx`,
        the page's (`_write_at_merge`): `document` gets what was sealed, its storing is the
        caller's. Returns whether anything was."""
        if removed(document):
            return False  # in the trash or deleted: a restore brings back what it holds
        wrote = False
        update = twin_deletes(document.state())
        if update is not None and await self._seal_at_merge(
            tx, writing, document, update, report, not_kept_once
        ):
            document.apply_own(update)
            wrote = True
        if document.kind == ENTRY:
            copy = document.copy()
            carried = carry_twin_edits(copy, before.state)  # edits `copy`: `document` if sealed
            if carried is not None and await self._seal_at_merge(
                tx, writing, document, carried, report, not_carried_over
            ):
                document.apply_own(carried)
                wrote = True
        # words two devices inserted at one place, glued by the merge ("UuXx ba."): one space
        # between them, under a fresh client id (`glued_inserts`); every owner's device that
        # finds them writes the same space, twins of which the next pull keeps one
        update = separator_update(document.state(), document.fresh_client_id())
        if update is not None and await self._seal_at_merge(
            tx, writing, document, update, report, not_kept_apart
        ):
            document.apply_own(update)
            wrote = True
        return wrote

    async def _mark_carried_again(
        self, tx: Transaction, doc_ids: set[bytes], changed: dict[bytes, Document]
    ) -> None:
        """Entries in the trash whose removal another owner device carried again at a share
        (R46 F7: its values stripped, `twin_inserts.carries_stripped`), which this device
        holds live: the members whose share began then hold them deleted, so a restore made
        here writes them anew (`restore_entry_update(anew=True)`), as on the sharing device.
        The marker is `{}` (no change of this device's own was carried deleted); a marker
        already set is kept. Not on a device pulling another's restore (R48 F3, F4): the
        device that restores writes them, once, before any later edit of its own. Within
        `tx`, the page's (`_write_at_merge`)."""
        for doc_id in sorted(d for d in doc_ids if d in changed and removed(changed[d])):
            marker = restore_anew_setting(doc_id)
            if not await tx.setting(marker):
                await tx.set_setting(marker, json.dumps({}))

    async def _restore_kept(
        self,
        tx: Transaction,
        writing: _MergeWriting,
        document: Document,
        before: StoredDocument | None,
        report: sync_plan.SyncReport,
    ) -> bool:
        """`document`, an entry this device held in the trash (`before`: as it held it), was
        taken out of it by another device's record just pulled. If this device kept values
        of it that every other device holds deleted (its restore-anew marker, set when a
        share's re-seal carried them so: `restore_anew_setting`), it writes them anew now,
        as a restore made here would (`restore_kept_update`), and forgets the marker: else
        they would be lost on every device, this one too once the restoring device's
        snapshot of the entry arrives (R45 F6). Within `tx`, the page's (`_write_at_merge`):
        the marker is read and forgotten, and the values sealed, with the page, so that no
        crash leaves the restore stored and the values not written. When they cannot be
        written (the entry with them is more than one record carries: InvalidInput), that is
        a problem of the sync in `report`, not raised, and the marker is forgotten (the
        values are then lost: writing them in several records is not done); a journal this
        device may not write in (`writing.refused`) keeps the marker. Returns whether the
        values were sealed (`document` then holds them)."""
        marker = restore_anew_setting(document.doc_id)
        value = await tx.setting(marker)
        if before is None or document.kind != ENTRY or not value:
            return False
        try:  # a marker of an earlier version is `True`: which changes, unknown
            since = {int(c): int(k) for c, k in json.loads(value).items()}
        except (TypeError, ValueError, RecursionError, AttributeError):
            since = None
        copy = document.copy()
        update = restore_kept_update(copy, stored_document(before), now_ms(), since)
        wrote = False
        if update is not None:  # None: another device wrote them anew already (R47 F3)
            wrote = await self._seal_at_merge(tx, writing, document, update, report, not_kept_anew)
            if wrote:
                document.apply_own(update)
            elif writing.key is None:
                return False  # refused here: the marker stays
        await tx.set_setting(marker, None)
        return wrote

    async def _seal_restored(
        self,
        tx: Transaction,
        writing: _MergeWriting,
        document: Document,
        report: sync_plan.SyncReport,
    ) -> None:
        """`restored` of `document`, taken out of the trash by another device's record just
        pulled, within `tx`, the page's: its whole state as a snapshot for the members, in
        this sync as a restore made here would (they wait for nothing else). Too large to
        seal again: a problem of the sync in `report`, not raised."""
        if writing.snapshot is None:
            if writing.unsealed is not None:  # its current key not on this device
                journal = writing.journal
                why = not_sealed_for_members(document, writing.unsealed)
                report.add_problem(journal.journal_id, journal.name, why)
            return  # else no member, no cut: nobody to seal it for (`_restore_seals`)
        fresh, key = writing.snapshot
        snapshot = document.copy()
        plan = [(snapshot, records.SNAPSHOT, snapshot.state())]
        try:
            async with tx.savepoint():
                await self._seal_plan(tx, fresh, key, plan, across=frozenset())
        except InvalidInput as error:  # too large to seal again: told, not raised
            report.add_problem(fresh.journal_id, fresh.name, str(error))
            return
        self._pull_wrote = True

    async def restored(self, journal: LocalJournal, doc_id: bytes) -> None:
        """A document taken out of the trash (here, or by another device of the owner: seen
        in a pull): members whose share began while it was there never received it
        (`seal_snapshots`), nor the changes this device made to it meanwhile that were
        replaced by its removal at a share, so its whole state goes to the current members
        and the owner's other devices as a snapshot under the current epoch."""
        if self._restore_seals(journal):
            await self.seal_snapshots(journal, [doc_id])

    async def _seal_cut(
        self,
        tx: Transaction,
        journal: LocalJournal,
        key: bytes,
        left_out: frozenset[carrying.Counter],
    ) -> bool:
        """The cut of a share (or of a carry across it) for the outbox, within `tx`, on the
        owner's devices: a `void` whose covers name every counter this device accounts for
        that no record sealed at the cut or later holds (the history a member joining at the
        cut never receives: `sealed_since`; less the owner's counters `left_out`, as
        `_seal_plan` gives them), this device's own earlier counters included, and its own
        counter, which marks it a cut (`counting.is_cut`, protocol.md 4.18 "Cuts"). Written
        after the fresh records sealed with it (`_seal_plan`), so its counter names each of
        them (rev-complete F3). It carries no withdrawal (the records with it do: every
        reader takes those). Its covers keep within the limits readers take (its mark,
        then this device's and the owner's other devices' counters first:
        `counting.bounded_covers`, protocol.md 4.15 "Within the limits"); what does not fit
        (a member's device shown scattered counters, or more devices than MAX_SEEN) stays
        uncovered, reported withheld on a new member's device that learns of it. Whether
        one was written (False: nothing to cover, or not the owner's device: a member's
        earlier records are the owner's devices' to receive, and no other member identifies
        them)."""
        me, device = self.profile.account_id, self.profile.device_id
        state = self.chains.state(journal.journal_id)
        if journal.owner_id != me or state is None:
            return False
        journal_id = journal.journal_id
        counters = await tx.journal_counters(journal_id)
        known = counting.JournalCounters(journal_id, counters)
        drawn = await tx.drawn_counter(journal_id)
        own = [counting.Cover(me, device, ((1, drawn),))] if drawn else []
        history = carrying.trim([*known.accounted(), *own], left_out)
        covers = counting.without(history, await tx.sealed_since(journal_id, state.cut))
        if not covers:
            return False
        counter = await tx.next_counter(journal_id)
        mark = counting.Cover(me, device, ((counter, counter),))
        body = self._body_with(
            journal,
            counter,
            (),
            counters,
            (records.NO_DOCUMENT, ""),
            records.VOID,
            b"",
            # Within the limits readers take, the mark always (protocol.md 4.15 "Within the
            # limits"): what does not fit stays uncovered, reported withheld where lacking.
            counting.bounded_covers(covers, me, (me, device), keep=[mark]),
            seen=self._seen_vector(journal, counters),
        )
        record_id = crypto.random_bytes(wire.ID_BYTES)
        ciphertext = self._seal(journal, key, record_id, body)
        if len(ciphertext) > wire.MAX_RECORD_BYTES:
            raise InvalidInput(
                f"the history of {quoted_name(journal.name)} is too scattered to share",
                subject="too large",
            )
        await tx.add_outbox(journal_id, record_id, journal.epoch, ciphertext, None)
        await tx.mark_seen([SeenRecord(journal_id, record_id, None, None, me, device, counter)])
        await tx.put_covers(journal_id, record_id, counting.encode_covers(body.covers))
        await self._note_cut_covers(tx, journal_id, body.covers)
        return True

    async def _seal_boundary(
        self,
        tx: Transaction,
        journal: LocalJournal,
        key: bytes,
        document: Document | None,
        kind: str,
        payload: bytes,
        seen_vector: tuple[counting.Seen, ...] | None = None,
        left_out: frozenset[carrying.Counter] = frozenset(),
    ) -> None:
        """One record of a share (or of a carry across its cut) for the outbox, within `tx`,
        before its cut (`_seal_cut`, rev-complete F3; the `void` after it): a snapshot,
        covering what it carries (the records of its document this device holds, less
        `left_out`), a removal written again (its document's new state stored too) or, with
        `document` None, a `void` record that only carries this device's withdrawals (none:
        _NothingToCover). `seen_vector`: the seen vector of the change it replaces (a
        removal carried again says what its writer had received when it removed, not what
        it holds now: NU22 C12 compares it with an edit's counter); it claims no more than
        this device's current one. `left_out`: the owner's counters it must not cover
        (`_seal_plan`); the counters this device withdrew are covered whatever. A member's
        device (its outbox records from before a cut sealed again: `_reseal_stale`) covers
        only its own account's counters: only the owner may account for another account's
        (`counting.check_covers`; NU26 C1, where the owner's devices refused such a note as
        forged coverage)."""
        me, device = self.profile.account_id, self.profile.device_id
        # A fresh snapshot covers what it carries, as a compaction does: the records of its
        # own document (their state is in it). What the share's members never get is the
        # cut's to cover (`_seal_cut`), never a snapshot's: a compaction of this snapshot
        # carries its covers on, and every reader takes those (rev-complete F4).
        about = (document.doc_id, document.kind) if document else (records.NO_DOCUMENT, "")
        carried: tuple[counting.Cover, ...] = ()
        if document is not None and kind == records.SNAPSHOT:
            carried = carrying.trim(await tx.carried_by(document.doc_id), left_out)
        body, _ = await self._new_body(
            tx,
            journal,
            about,
            kind,
            payload,
            carried,
            compress=document is not None and self.compresses(journal, document),
        )
        if journal.owner_id != me:
            mine = tuple(c for c in body.covers if c.author == me)
            body = dataclasses.replace(body, covers=mine)
        if document is None and not body.covers:
            raise _NothingToCover
        if seen_vector is not None:
            recency = None  # read only for a crowded journal (the common case: not)
            if counting.crowded(seen_vector):
                recency = counting.recency_of(await tx.journal_counters(journal.journal_id))
            body = dataclasses.replace(
                body,
                seen=counting.bounded_seen(seen_vector, journal.owner_id, (me, device), recency),
            )
        record_id = crypto.random_bytes(wire.ID_BYTES)
        ciphertext = self._seal(journal, key, record_id, body)
        if len(ciphertext) > wire.MAX_RECORD_BYTES:
            if document is None:
                raise InvalidInput(
                    f"the history of {quoted_name(journal.name)} is too scattered to share",
                    subject="too large",
                )
            raise InvalidInput(
                too_large_with_history(journal, document, payload, body), subject="too large"
            )
        doc_id = document.doc_id if document else None
        await tx.add_outbox(journal.journal_id, record_id, journal.epoch, ciphertext, doc_id)
        if document is None:
            seen = SeenRecord(journal.journal_id, record_id, None, None, me, device, body.counter)
        else:
            seen = self._seen(journal.journal_id, record_id, None, journal.epoch, body)
        await tx.mark_seen([seen])
        if body.covers:
            await tx.put_covers(journal.journal_id, record_id, counting.encode_covers(body.covers))
            if journal.owner_id == me:  # an owner's covers of the cut (`_note_cut_covers`)
                await self._note_cut_covers(tx, journal.journal_id, body.covers)
        if document is not None and kind == records.UPDATE:
            await tx.put_documents(await _merged(tx, journal, [document]), now_ms())

    async def push_outbox(self, report: sync_plan.SyncReport | None = None) -> None:
        """Push what waits in the outbox now (sharing needs the network anyway). Raises
        RateLimited when the server's write-rate limit outlasts DEFAULT_WAIT_S of waits
        (what is not pushed stays in the outbox for the next sync). `report`: the sync's
        that pushes again after it (what is set aside is told there). The journal list is
        read first as before any push (`_push`), even when the sync of `report` read it:
        requests a server can hold may have come between (rev31a F5). Without `report`, a
        journal held as refused `stale_epoch` stays held: only a sync releases it, and says
        so (`_release_stale`, rev30c F3); the hold is in the store, so this holds for every
        process of the device (rev31c F6)."""
        own = report is None  # no sync after it: what its pull brought is kept (`keep_told`)
        report = report if report is not None else sync_plan.SyncReport()
        self._listed_for = None
        waits = UploadWaits(DEFAULT_WAIT_S)
        await self._push(report, sync_plan.ProgressTracker(None, 0), waits, release=not own)
        if own:
            await self.keep_told(report)
        limit = report.upload_limit
        if limit is not None:
            error = RateLimited(limit.describe(), limit.asked_s, limit.retry_at)
            error.code = limit.code
            raise error

    async def verify_head(
        self, journal: LocalJournal, with_member: str | None = None, owner_only: bool = False
    ) -> str:
        """The code to compare in person (see access.head_code), over the records this
        device holds of the owner and of one member (access.code_records, protocol.md 4.20)
        and the counters of theirs it knows it lacks (below a later counter received),
        once the records kept that this SDK reads are read: the member `code_member` picks
        from `with_member` (a username) and `owner_only` (no member: the owner-only code).
        Raises UpdateNeeded while the journal holds the owner's records of a newer body
        version (`refuse_while_parked`); InvalidInput and NotFound as `code_member` does."""
        await self.load_access()
        await self.refuse_while_parked(journal, "compute its verify-head code")
        state = self.chains.current(journal.journal_id)
        member = self.code_member(journal, state, with_member, owner_only)
        found, covers = await self.store.code_inputs(journal.journal_id)
        readable = state.membership_epochs(member) if member is not None else frozenset()
        counted = access.code_records(state.owner_id, member, found, covers, readable=readable)
        accounts = {state.owner_id} if member is None else {state.owner_id, member}
        devices = (await self.store.device_counters()).get(journal.journal_id, {})
        known = counting.JournalCounters(journal.journal_id, devices)
        missing = [
            (gap.author, gap.device, lo, hi)
            for found_gap in known.gaps(complete=False)
            if (gap := past_write_limit(found_gap, state, state.owner_id)) is not None
            and gap.author in accounts
            for lo, hi in gap.missing
        ]
        return access.head_code(state, counted, missing)

    def code_member(
        self,
        journal: LocalJournal,
        state: access.AccessState,
        with_member: str | None,
        owner_only: bool,
    ) -> bytes | None:
        """The member whose records a head code counts besides the owner's (protocol.md
        4.20; None: the owner-only code): on a member's device, this account (the code to
        compare with the owner's), unless `owner_only`; on the owner's devices, the member
        `with_member` names (a username, any case, of a member the verified chain names,
        current or former), or else the journal's only current member (None when it has
        none), unless `owner_only`.

        Raises InvalidInput for both arguments at once, for `with_member` on a member's
        device (it cannot verify another member's records), and on the owner's device when
        neither is given and the journal has several current members (which one is being
        compared with must be said); NotFound for a `with_member` the chain does not name."""
        owner = state.owner_id
        if owner_only and with_member is not None:
            raise InvalidInput(
                "choose either a member to compare with or the owner-only code",
                subject="whose code",
            )
        if owner_only:
            return None
        me = self.profile.account_id
        if owner != me:
            if with_member is not None:
                raise InvalidInput(
                    f"{quoted_name(journal.name)} is not your journal: your code is the one to compare "
                    "with its owner's (no member to name), or the owner-only code to compare "
                    "with another member (this device cannot check another member's records)",
                    subject="refused",
                )
            return me
        if with_member is not None:
            wanted = with_member.strip().casefold()
            for identity in state.signers.values():
                if identity.username.casefold() == wanted:
                    return identity.account_id
            raise NotFound(
                f"{with_member!r} is not a member of {quoted_name(journal.name)}, now or before, as its "
                "access chain says"
            )
        current = {m.who.account_id: m.who.username for m in state.members.values() if m.who}
        if len(current) > 1:
            names = ", ".join(sorted(current.values()))
            raise InvalidInput(
                f"{quoted_name(journal.name)} is shared with {names}: say whom you compare codes with, "
                "or ask for the owner-only code to compare two of your devices",
                subject=WHOSE_CODE,
                situation=f"{quoted_name(journal.name)} is shared with {names}",
            )
        return next(iter(current), None)

    async def _reseal_outbox(self, report: sync_plan.SyncReport | None = None) -> None:
        """Records sealed under an older epoch are sealed again under the current key (same
        record id: the server never stored them). Records from before the latest grant are
        not: their documents get one fresh snapshot instead, so a new member never receives
        the history before its share; nor are a kept safety flag's records sent again
        (`Store.kept_flags`: the server acknowledged them once and may hold them), which
        get a fresh snapshot too."""
        journals = {j.journal_id: j for j in await self.store.journals()}
        outbox = await self.store.outbox()
        stale: dict[bytes, list[int]] = {}
        kept: set[tuple[bytes, bytes]] | None = None
        for record in outbox:
            journal = journals.get(record.journal_id)
            state = self.chains.state(record.journal_id)
            if journal is None or journal.role == REVOKED or record.epoch == journal.epoch:
                continue  # a journal no longer shared with us: its push is refused, set aside
            if kept is None:
                kept = {(k.journal_id, k.record_id) for k in await self.store.kept_flags()}
            if record.doc_id is not None and (
                (state is not None and record.epoch < state.cut)
                # a kept safety flag's record sent again: the server may hold its first
                # bytes (withheld from this device only), so the same id sealed anew would
                # be refused as another record for ever (rev30b F2): a fresh snapshot
                # under a new id, kept in its place (`acknowledge_pushed`)
                or (record.journal_id, record.record_id) in kept
            ):
                stale.setdefault(record.journal_id, []).append(record.position)
                continue
            old_key = await self.journal_key(journal, record.epoch)
            body = records.open_record(
                old_key,
                journal.journal_id,
                record.record_id,
                record.epoch,
                record.ciphertext,
                self._signers(journal),
            )
            if (
                state is not None
                and body.cut_epoch is None
                and counting.is_cut(body.author, body.device, body.counter, body.covers)
                and state.cut_at(record.epoch) != state.cut_at(journal.epoch)
            ):
                # A share's cut sealed again across a later share names its own share's
                # epoch in its signed body: readers decide by that, not by the epoch it is
                # now sealed under (protocol.md 4.18 "Cuts"), so a member who joined at its
                # share still takes it.
                body = dataclasses.replace(body, cut_epoch=state.cut_at(record.epoch))
            new_key = await self.journal_key(journal, journal.epoch)
            ciphertext = records.seal_record(
                new_key,
                journal.journal_id,
                record.record_id,
                journal.epoch,
                body,
                self.profile.secrets.signing_key,
            )
            async with self.store.transaction() as tx:
                await tx.reseal_outbox(record.position, journal.epoch, ciphertext)
        for journal_id, positions in stale.items():
            await self._reseal_stale(journals[journal_id], outbox, positions, report)

    async def _reseal_stale(
        self,
        journal: LocalJournal,
        outbox: list[OutboxRecord],
        positions: list[int],
        report: sync_plan.SyncReport | None,
    ) -> None:
        """Replace this device's outbox records of `journal` from before its latest grant
        (`positions`) by one fresh record per document (`seal_snapshots`), in one
        transaction: the old records leave the outbox only with their replacements stored
        (R41 F5). A document whose state is too large for one record keeps its records:
        set aside (TOO_LARGE_TO_SEAL, told in `report.set_aside` and `Client.set_aside()`),
        never dropped; `Client.retry_set_aside()` tries again once it is shortened."""
        me, device = self.profile.account_id, self.profile.device_id
        journal_id = journal.journal_id
        dropped = [r for r in outbox if r.position in positions]
        bodies = {}
        for record in dropped:
            key = await self.journal_key(journal, record.epoch)
            bodies[record.position] = records.open_record(
                key,
                journal_id,
                record.record_id,
                record.epoch,
                record.ciphertext,
                self._signers(journal),
            )
        since: dict[bytes, dict[int, int]] = {}
        seen: dict[bytes, tuple[counting.Seen, ...]] = {}
        for record in sorted(dropped, key=lambda r: r.position):
            body = bodies[record.position]
            start = update_start(body.payload) if body.kind == records.UPDATE else None
            if record.doc_id is None:
                continue
            if start is not None:
                clocks = since.setdefault(record.doc_id, {})
                clocks[start[0]] = min(start[1], clocks.get(start[0], start[1]))
            seen[record.doc_id] = body.seen  # the latest change's (its removal's)
        docs = list(dict.fromkeys(r.doc_id for r in dropped if r.doc_id))
        carried: set[bytes] = set()
        stripped: set[bytes] = set()
        plan = await self._snapshot_plan(journal, docs, since, carried, stripped)
        seen = {d: v for d, v in seen.items() if d in carried}  # removals carried again
        large = {d.doc_id: (d, p) for d, _, p in plan if not snapshot_fits(p)}
        if large:
            kept = [r for r in dropped if r.doc_id in large]
            name = journal.name
            code = sync_plan.TOO_LARGE_TO_SEAL
            async with self.store.transaction() as tx:
                for record in kept:
                    document, payload = large[record.doc_id or b""]
                    reason = too_large_to_snapshot(journal, document, payload)
                    await tx.set_aside([record.position], name, code, reason, now_ms())
                await tx.withdraw_records(journal_id, [r.record_id for r in kept])
            for record in kept:
                document, payload = large[record.doc_id or b""]
                if report is not None:
                    report.set_aside.append(
                        sync_plan.SetAside(
                            journal_id.hex(),
                            name,
                            record.record_id.hex(),
                            record.doc_id.hex() if record.doc_id is not None else None,
                            code,
                            too_large_to_snapshot(journal, document, payload),
                        )
                    )
            dropped = [r for r in dropped if r.doc_id not in large]
            plan = [step for step in plan if step[0].doc_id not in large]
            if not dropped:
                return
        counters = [bodies[r.position].counter for r in dropped]
        withdrawn = counting.merge_covers(
            [counting.Cover(me, device, tuple((c, c) for c in sorted(counters)))]
        )
        fresh, key = await self._current_key(journal)
        async with self.store.transaction() as tx:
            await tx.remove_outbox([r.position for r in dropped])
            await tx.withdraw(journal_id, withdrawn)  # the snapshots below cover them
            await self._seal_plan(tx, fresh, key, plan, seen, across=frozenset())
            for doc_id in stripped & {document.doc_id for document, _, _ in plan}:
                # A restore here writes its values anew (`restore_entry_update`), so that
                # they reach the devices that hold them deleted (R43 F3); the marker names
                # the changes carried deleted (Yjs client -> first clock), which a restore
                # made on another device brings back (`_restore_kept`, R45 F6).
                carried_from = {str(c): k for c, k in sorted(since.get(doc_id, {}).items())}
                await tx.set_setting(restore_anew_setting(doc_id), json.dumps(carried_from))


def _cut_epoch(body: records.RecordBody, sealed: int) -> int:
    """The epoch a share's cut `body`, sealed under epoch `sealed`, says it belongs to: the
    one its signed body names (checked by `Replica._check_cut_epoch`), else the epoch it is
    sealed under (cuts written before the field, or never sealed again across a share); the
    cut is then `AccessState.cut_at` of it (protocol.md 4.18 "Cuts")."""
    return sealed if body.cut_epoch is None else body.cut_epoch


def restore_anew_setting(doc_id: bytes) -> str:
    """The setting naming a removed document whose values this device keeps while the other
    devices hold them deleted (carried so at a share's re-seal, `Document.removal_since`):
    a restore here writes them anew (R43 F3)."""
    return f"restore-anew:{doc_id.hex()}"


class RefusedKey(NamedTuple):
    """A key envelope of the journal list that was refused (`Replica._keep_listed_keys`)."""

    epoch: int
    held: bool
    """Whether this device holds an envelope of that epoch (kept)."""
    reason: str
    second: str
    """Why a key that verified was refused: SECOND_KEY (another key than the one this device
    holds for a legacy epoch), UNNAMED_KEY (not the key the chain's key check names); "" for
    one that did not verify."""


SECOND_KEY, UNNAMED_KEY = "second", "unnamed"


class _OtherKey(IntegrityError):
    """A key envelope that verifies but holds another key than the one its epoch has: not
    the one the verified access chain's key check names (`kind` UNNAMED_KEY), or, for an
    epoch the chain holds no check of, not the one this device holds (SECOND_KEY): refused,
    never stored."""

    def __init__(self, message: str, *, named: bool) -> None:
        super().__init__(message)
        self.kind = SECOND_KEY if named else UNNAMED_KEY


@dataclass(frozen=True)
class _SignedRotation:
    """A rotation `Replica._sign_rotation` signed, not sent yet: the request, its entries and
    the verified state after them, the new key, the journal as stored when it was signed,
    every change signed (with the removals and ends added), the members removed because the
    server no longer serves them, those whose end date passed, when it was signed (ms UTC)
    and the metadata sealed (name, `named_at`, archived)."""

    request: wire.RotateRequest
    entries: list[bytes]
    after: AccessState
    key: bytes = dataclasses.field(repr=False)
    fresh: LocalJournal
    changes: list[tuple[str, dict[str, Any]]]
    vanished: list[bytes]
    expired: list[access.Member]
    now: int
    meta: dict[str, Any]


@dataclass(frozen=True)
class _UnsentRotation:
    """A rotation `Replica._rotate` signed and has not seen stored: the verified chain state
    it was signed on, the changes asked for, and the rotation as signed."""

    state: AccessState
    changes: list[tuple[str, dict[str, Any]]]
    signed: _SignedRotation


class _KeyWanted(IntegrityError):
    """A record refused because the key of its epoch was refused (the envelopes the server
    served for it did not verify: the journal list's, the key pages'): pulled again once
    this device holds one that verifies (`Replica._retry_key_waits`). A record of an epoch
    the server serves no envelope of (AccessError) is refused as before, not pulled again."""

    def __init__(self, message: str, epoch: int) -> None:
        super().__init__(message)
        self.epoch = epoch


class _NotInChain(IntegrityError):
    """A key envelope of an epoch the access chain this device verified does not reach
    (yet): nothing to check its key against, so not taken (`Replica._verified_key`)."""


@dataclass(frozen=True)
class _MergeWriting:
    """What the writes a pull makes at a page's merge (`Replica._write_at_merge`) need,
    read before the page's transaction (`Replica._merge_writing`): the journal and the key
    of its epoch that `commit` seals under (None: nothing to write, or `refused`, why this
    device may not write in the journal now), and for the snapshot of a restore pulled
    (`restored`) the journal as stored and the key of its current epoch (None: nobody to
    seal it for; `unsealed`: why, when there is somebody but the key could not be read)."""

    journal: LocalJournal
    key: bytes | None = dataclasses.field(default=None, repr=False)
    refused: str | None = None
    snapshot: tuple[LocalJournal, bytes] | None = dataclasses.field(default=None, repr=False)
    unsealed: str | None = None


@dataclass(frozen=True)
class _Pulled:
    """The end of a sync that left nothing incomplete (`SyncReport.incomplete` empty): every
    journal pulled to the head the server gave, or held back (`held`: hold_back.py, checked
    as not finished). `version`: the store's version then (moved along by a write of
    settings alone, `settings_written`). A sync that starts at that version may take a live
    notice's records (`_take_notice`): all the other journals are then as that sync checked
    and reported them."""

    version: tuple[int, int]
    held: frozenset[bytes]


@dataclass(frozen=True)
class _CleanPull:
    """A pull that made one request (`request`) and got `reply`: done, without a record,
    every page in order (none behind, past its head or of a journal not known), nothing held
    back, nothing reported, nothing written, as of the store's `version`.

    A pull is a function of the store (as of its version: the journals and their cursors,
    peers verified, counters, what is held back), of `stubs_refused`, and of the replies: so
    a later pull from the same version, asking the same, that gets a reply equal to this one
    (every field: heads, cursors, meta versions, `done`, `next_journal`) finds nothing again,
    and ends there, without going through the pages again (issue 10). Any other reply, an
    error included, goes through the whole pull, every check, as before."""

    version: tuple[int, int]
    stubs_refused: bool
    request: wire.SyncRequest
    reply: wire.SyncReply
    known: Known[wire.SyncReply] = dataclasses.field(init=False, compare=False, repr=False)
    """The request encoded once, and the bytes of a reply equal to `reply` once one came:
    a later pull asking the same sends those bytes, and a reply of the same bytes is not
    decoded again (transport.Known; issue 10)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "known", Known(self.request, self.reply))

    @property
    def cursors(self) -> dict[bytes, int]:
        return {cursor.journal_id: cursor.after for cursor in self.request.cursors}

    def applies(self, version: tuple[int, int] | None, replica: Replica) -> bool:
        """Whether a pull as of `version` asks what this one asked."""
        return version == self.version and replica._stubs_refused == self.stubs_refused


class _Ahead:
    """The next /v1/sync request of a pull, sent before the reply in hand is applied, so
    that the server's answer travels while this device verifies and stores a page (issue 10);
    in a bulk pull, the request after it too (`send_after`). A reply is handed back only for
    exactly the same request, in order; otherwise everything sent is cancelled."""

    def __init__(self) -> None:
        self._sent: list[tuple[wire.SyncRequest, asyncio.Future[wire.SyncReply]]] = []
        """The requests sent and not taken yet, in the order the pull is to make them (two
        at most: the next one, and the one after it)."""

    def send(self, request: wire.SyncRequest, call: Coroutine[Any, Any, wire.SyncReply]) -> None:
        """Send `request` (`call`) as the pull's next one, anything sent before dropped."""
        self.drop()
        self._sent = [(request, asyncio.ensure_future(call))]

    def sent_next(self, request: wire.SyncRequest) -> bool:
        """Whether `request` is the next one sent already (with `send_after`)."""
        return bool(self._sent) and self._sent[0][0] == request

    def send_after(
        self, request: wire.SyncRequest, call: Coroutine[Any, Any, wire.SyncReply]
    ) -> None:
        """Send `request` (`call`) as the one after the next one (`send` first)."""
        assert len(self._sent) == 1, "the one after the next request, once"
        self._sent.append((request, asyncio.ensure_future(call)))

    def upcoming(self) -> wire.SyncReply | None:
        """The reply to the next request sent, when it arrived (and is not a failure) and
        nothing was sent after it yet; else None."""
        if len(self._sent) != 1:
            return None
        task = self._sent[0][1]
        if not task.done() or task.cancelled() or task.exception() is not None:
            return None
        return task.result()

    def take(self, request: wire.SyncRequest) -> asyncio.Future[wire.SyncReply] | None:
        """The reply on its way for `request`, if that is the next one sent (the one after
        it, if any, is then next); else None (and everything sent is dropped)."""
        if self.sent_next(request):
            return self._sent.pop(0)[1]
        self.drop()
        return None

    async def arrived(self, timeout_s: float) -> None:
        """Wait at most `timeout_s` seconds for the reply to the next request sent (nothing
        when none was sent): its outcome, whatever it is, is taken by `take` as before."""
        if self._sent and not self._sent[0][1].done():
            await asyncio.wait([self._sent[0][1]], timeout=timeout_s)

    def drop(self) -> None:
        for _, task in self._sent:
            _cancel(task)
        self._sent = []

    def ready(self, request: wire.SyncRequest, outcome: wire.SyncReply | TJError) -> None:
        """A reply (or the error) already received for `request`, handed back as `take`
        does one sent ahead."""
        self.drop()
        future: asyncio.Future[wire.SyncReply] = asyncio.get_running_loop().create_future()
        if isinstance(outcome, TJError):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)
        self._sent = [(request, future)]


def _cancel(task: asyncio.Future[Any]) -> None:
    """Cancel `task` (a request no longer wanted), its outcome retrieved when it ends (no
    "exception never retrieved" warning for a failure nobody waits for)."""
    task.cancel()
    task.add_done_callback(lambda done: done.cancelled() or done.exception())


PARALLEL_OPEN_MIN = PARALLEL_MIN
"""Records of a page from which the worker thread helps open them (`_open_records`): below
it the hand-off costs more than it saves."""


@filled_at_once
@dataclass(frozen=True)
class _OpenedEarly:
    """A record opened ahead of its page (`Replica._open_early`), with what it was opened
    with: the journal, the key of its epoch, and its author's signing key."""

    record: wire.StoredRecord
    journal_id: bytes
    key: bytes = dataclasses.field(repr=False)
    author_key: bytes
    body: records.RecordBody


def _opened_early(
    journal_id: bytes,
    keys: dict[int, bytes],
    signers: Callable[[bytes], bytes | None],
    record: wire.StoredRecord,
) -> _OpenedEarly | None:
    """`record` opened and verified ahead in the worker thread, or None for anything but a
    body this SDK reads whose author's key is known (opened again when its page applies,
    where every outcome is handled). Runs outside the event loop's thread: reads what it
    is given and changes nothing."""
    key = keys.get(record.epoch)
    if key is None:
        return None
    used: list[bytes | None] = []

    def sign_key_of(account_id: bytes) -> bytes | None:
        used.append(signers(account_id))
        return used[-1]

    try:
        body = records.open_verified(
            key, journal_id, record.record_id, record.epoch, record.ciphertext, sign_key_of
        )
    except Exception:  # noqa: BLE001 - any failure: opened again, and reported, on the loop's thread
        return None
    author_key = used[0] if len(used) == 1 else None
    if not isinstance(body, records.RecordBody) or author_key is None:
        return None
    return _OpenedEarly(record, journal_id, key, author_key, body)


VERIFY_AHEAD_MIN = 256
"""Records of a page asked ahead from which they are decrypted on the loop's thread at once
and their signatures verified in the helper process (verifying.py, `_VerifiedAhead`): a
bulk pull's pages; fewer are opened ahead in the worker thread, as before."""
OPENED_AHEAD_MAX = 3
"""Pages opened ahead kept per journal (`Replica._openings`): the one about to apply, the
next (a bulk pull lets the next reply in before a page applies: `_Ahead.arrived`) and the one
after it (asked meanwhile: `_Ahead.send_after`)."""
NEXT_REPLY_WAIT_S = 0.05
"""How long a bulk pull waits for the reply it asked ahead before it applies a page (a
server answers a page in about 10 ms): past it, the page applies without it."""
VERIFY_CHUNK = 125
"""Records per request to the helper (about 6 ms of verifying): its answers come back while it
verifies the rest, and what it has not started when the page applies is verified on the
loop's thread instead (`_VerifiedAhead.results`)."""


class _VerifiedAhead:
    """A page asked ahead (`Replica._open_early`) whose records were decrypted and parsed on
    the loop's thread when it arrived (records.open_unverified, with the keys held in memory
    and who signs as this device knows it then), and whose signatures the helper process
    verifies (verifying.py) while this thread applies the page before it. `results()` gives,
    as `Opening.results` does for `_opened_early`, an `_OpenedEarly` for each record whose
    signature the helper verified, and None for any other (a failure, an unknown signer, a
    helper that failed): `_open_records` opens those again, in full, as any other, and uses
    these only with the same inputs (`_same_inputs`)."""

    def __init__(
        self,
        items: list[wire.StoredRecord],
        journal_id: bytes,
        keys: dict[int, bytes],
        unverified: list[records.Unverified | None],
        asked: list[tuple[list[int], Future[list[Outcome]]]],
    ) -> None:
        self.items = items
        self._journal_id = journal_id
        self._keys = keys
        # Each record decrypted as `unverified[index]`, and the chunks asked of the helper as
        # the indexes they hold: no (index, key, record) triple made and kept per record
        # until its page applies (issue 10: fewer objects for the collector).
        self._unverified = unverified
        self._results: list[_OpenedEarly | None] = [None] * len(items)
        self._asked = asked

    @classmethod
    def start(
        cls,
        items: list[wire.StoredRecord],
        journal_id: bytes,
        keys: dict[int, bytes],
        signers: Callable[[bytes], bytes | None],
    ) -> _VerifiedAhead | None:
        """Decrypt `items` now and ask the helper to verify them; None without a helper."""
        unverified: list[records.Unverified | None] = [None] * len(items)
        opened: list[int] = []
        checks: list[Check] = []  # what the helper is asked of each of `opened`
        for index, record in enumerate(items):
            key = keys.get(record.epoch)
            if key is None:
                continue
            try:
                found = records.open_unverified(
                    key, journal_id, record.record_id, record.epoch, record.ciphertext, signers
                )
            except Exception:  # noqa: BLE001 - opened again, and reported, when its page applies
                continue
            if found is not None:
                unverified[index] = found
                opened.append(index)
                checks.append(_check(found))
        asked: list[tuple[list[int], Future[list[Outcome]]]] = []
        for first in range(0, len(opened), VERIFY_CHUNK):
            chunk = opened[first : first + VERIFY_CHUNK]
            future = verify_in_helper(checks[first : first + VERIFY_CHUNK])
            if future is None:
                for _, pending in asked:
                    pending.cancel()
                return None
            asked.append((chunk, future))
        return cls(list(items), journal_id, keys, unverified, asked)

    def cancel(self) -> None:
        for _, future in self._asked:
            future.cancel()

    async def results(self) -> list[_OpenedEarly | None]:
        """Each record opened and verified, or None (opened again by the caller). Chunks the
        helper has not started yet are taken back and verified on this thread (from the last
        one on), rather than waited for: the two share what is left."""
        pending = list(self._asked)
        try:
            while pending:
                chunk, future = pending[-1]
                if future.cancel():  # not started in the helper: verified here instead
                    pending.pop()
                    self._verify_here(chunk)
                    await asyncio.sleep(0)
                    continue
                chunk, future = pending.pop(0)
                answer = asyncio.wrap_future(future)
                await asyncio.wait([answer], timeout=verifying.ANSWER_TIMEOUT_S)
                if not answer.done():  # a helper that hangs: given up, its requests fail
                    verifying.abandon()
                    await asyncio.wait([answer])
                if answer.cancelled() or answer.exception() is not None:
                    continue  # none of them taken as verified: opened again by the caller
                for index, outcome in zip(chunk, answer.result(), strict=True):
                    if outcome is not False:  # verified (and its payload inflated: bytes)
                        self._take(index, outcome)
        except asyncio.CancelledError:
            self.cancel()
            raise
        return self._results

    def _verify_here(self, chunk: list[int]) -> None:
        """Verify the records at the indexes of `chunk` on this thread (a chunk taken back)."""
        for index in chunk:
            unverified = self._opened(index)
            try:
                crypto.verify(
                    unverified.author_key, unverified.message, unverified.signature, "record"
                )
            except IntegrityError:
                continue  # opened again by the caller, which reports it
            self._take(index)

    def _opened(self, index: int) -> records.Unverified:
        """The record at `index` as decrypted (one of the chunks asked holds it)."""
        unverified = self._unverified[index]
        assert unverified is not None  # only indexes of records decrypted are asked
        return unverified

    def _take(self, index: int, outcome: Outcome = True) -> None:
        """The record at `index`, its signature verified: opened (its payload inflated, in
        the helper where `outcome` is that payload, else now; one that does not inflate is
        left to the caller, which opens it again and reports it)."""
        record = self.items[index]
        unverified = self._opened(index)
        # Taken once: let go of now, with its body as decrypted (the verified one is made
        # below), rather than kept until the page applies (issue 10: the collector runs by
        # the objects made and not yet freed).
        self._unverified[index] = None
        try:
            body = (
                records.inflated_body(unverified, outcome)
                if isinstance(outcome, bytes)
                else records.verified_body(unverified, "record")  # its error is not kept
            )
        except IntegrityError:
            return
        self._results[index] = _OpenedEarly(
            record, self._journal_id, self._keys[record.epoch], unverified.author_key, body
        )


def _check(unverified: records.Unverified) -> Check:
    """What the helper is asked of `unverified`: its signature, and its zlib payload to
    inflate once that verified (a Zstandard one is inflated on the loop's thread once the
    answer came, `records.verified_body`: it costs less than handing it over)."""
    body = unverified.body
    if body.encoding != records.ZLIB:
        return Check(unverified.author_key, unverified.message, unverified.signature)
    return Check(
        unverified.author_key,
        unverified.message,
        unverified.signature,
        body.payload,
        records.inflate_limit(body.payload),
    )


class _Withdrawn(TJError):
    """An owed grant being signed again whose share the owner ended since its note was
    read (`Replica._owe_grant`): nothing is sent (REV-OWED F6)."""


class _SizedOnly(Exception):
    """`check_snapshots` sealed what a share or a restore would, to size it: its
    transaction is rolled back."""


class _CoversDoNotFit(Exception):
    """A compaction whose snapshot could not cover all it supersedes within the limits
    readers take (the counters withdrawn beside them): its transaction is rolled back."""


class _NothingToCover(Exception):
    """A share's boundary with no counter to account for: no `void` record is written (the
    transaction that drew its counter is rolled back)."""


SNAPSHOT_SLACK = 8 * 1024
"""Bytes kept, beside a document's state, for the other fields of the record sealing it (ids,
seen vector, covers, signature, msgpack framing) when deciding ahead whether it fits: a seen
vector takes at most counting.MAX_SEEN_BYTES (4 KiB) and the rest some 200 bytes, so a
record carrying no more than a few KB of covers (an update, a copy, a removal) is sure to
fit. A record that may carry more (up to counting.MAX_COVERS_BYTES: a share's or a
restore's fresh snapshot) is sized on its real body before anything is signed
(`Replica.check_snapshots`, REV-S1 F1)."""


def compressible(document: Document) -> bool:
    """Whether this device seals `document`'s payloads compressed where that is shorter
    (`records.may_compress`: not where they may hold another account's text beside this
    account's own)."""
    answers_prompt = document.kind == ENTRY and document.holds_field("prompt_id")
    return records.may_compress(document.kind, answers_prompt)


def snapshot_fits(payload: bytes) -> bool:
    """Whether a record carrying `payload` (a document's state or update) is sure to be
    within wire.MAX_RECORD_BYTES once signed, padded (crypto.pad) and sealed, with its seen
    vector and up to a few KB of covers (SNAPSHOT_SLACK); a fresh snapshot carrying its
    document's history is sized on its real body as well (`Replica.check_snapshots`)."""
    return crypto.sealed_length(len(payload) + SNAPSHOT_SLACK) <= wire.MAX_RECORD_BYTES


def _named(document: Document) -> str:
    """The document in a message: an entry by its title, another kind by its id."""
    if document.kind == ENTRY:
        title = entry_view(document).title
        return f"entry {quoted_name(title)} ({document.doc_id.hex()})" if title else "an entry"
    return f"a {document.kind} ({document.doc_id.hex()})"


def not_kept_anew(document: Document, error: object) -> str:
    """Why the values this device kept of an entry restored elsewhere were not written anew
    (`Replica._restore_kept`), and what to do."""
    return (
        f"{_named(document)} was taken out of the trash on another device, but the words and "
        f"values this device had kept of it, which the other devices hold deleted, could not "
        f"be written again ({error}), so the entry is restored without them"
    )


def not_kept_once(document: Document, why: object) -> str:
    """Why words written at the same place on two devices were not kept once here
    (`Replica._keep_one_twin`): the change deleting the second copy was not written."""
    return (
        f"{_named(document)} holds words written at the same place on two devices (the same "
        f"change made on both), but this device could not write the change that keeps them "
        f"once ({why}): they read twice until another device of this account writes it"
    )


def not_kept_apart(document: Document, why: object) -> str:
    """Why words two devices wrote at one place, glued by the merge, were not kept apart
    here (`Replica._keep_one_twin`, `glued_inserts`): the change putting a space between
    them was not written."""
    return (
        f"{_named(document)} holds words written at the same place on two devices, glued "
        f"together, but this device could not write the space that keeps them apart "
        f"({why}): they read glued until another device of this account writes it"
    )


def not_carried_over(document: Document, why: object) -> str:
    """Why this device's edits of a copy of words another device deleted as a twin were
    not carried over to the copy kept (`Replica._keep_one_twin`, R48 F1)."""
    return (
        f"{_named(document)}: the edits this device made to words another device had written "
        f"too, and deleted as a duplicate meanwhile, could not be carried over to the words "
        f"kept ({why}), so they are not in the entry"
    )


def not_sealed_for_members(document: Document, why: object) -> str:
    """Why the snapshot of `document`, taken out of the trash by another device, was not
    sealed for the journal's members by this device (`Replica._seal_restored`): the key of
    the journal's current epoch could not be read here."""
    return (
        f"{_named(document)} was taken out of the trash on another device, but this device "
        f"could not seal it again for the people the journal is shared with ({why}): they "
        "get it from the device that restored it"
    )


def too_large_to_snapshot(journal: LocalJournal, document: Document, payload: bytes) -> str:
    """Why `document` cannot be sealed again as one record (R41 F4-F6), and what to do."""
    what = _named(document)
    return (
        f"{what} of journal {quoted_name(journal.name)} holds {len(payload) // 1024} KiB, more than one "
        f"record carries ({wire.MAX_RECORD_BYTES // 1024} KiB sealed, uncompressed: edits, or "
        "texts merged from several devices, can grow a document so), so it cannot be sealed "
        "again as one snapshot for the people the "
        "journal is shared with: shorten it (or split its text into several entries) and try "
        "again"
    )


def too_large_with_history(
    journal: LocalJournal, document: Document, payload: bytes, body: records.RecordBody
) -> str:
    """Why the fresh snapshot of `document` (its `payload`, sealed with `body`'s seen
    vector and covers) does not fit in one record, and what to do (REV-S1 F1)."""
    carried = len(counting.encode_covers(body.covers)) + counting.seen_bytes(body.seen)
    return (
        f"{_named(document)} of journal {quoted_name(journal.name)} holds {len(payload) // 1024} KiB, "
        f"which with what its record says of the journal's history ({carried // 1024} KiB) "
        f"is more than one record carries ({wire.MAX_RECORD_BYTES // 1024} KiB sealed), so "
        "it cannot be sealed again as one snapshot for the people the journal is shared "
        "with: shorten it (or split its text into several entries) and try again"
    )


_SURELY_FITS = wire.MAX_RECORD_BYTES // 2
"""A sealed record and its uncompressed payload together under this many bytes (128 KiB) are
a record that fits uncompressed too (`_check_size`): that one is at most their sum plus a
padding block of 1/16 of it and a few bytes (crypto.sealed_length), far below
wire.MAX_RECORD_BYTES."""


def _check_size(ciphertext: bytes, body: records.RecordBody) -> None:
    """Raises InvalidInput when a change written here is larger than one record carries:
    its `ciphertext` as sealed, or, for a payload sealed compressed, the record it would be
    uncompressed (version 2, `records.uncompressed_length`). A change that fits only compressed is
    refused as before compression (rev-zip Z3): what this device accepts must be sealable
    again uncompressed, the way every later path sizes or seals it (a share's fresh
    snapshot, a carry and a re-seal, sized uncompressed by `snapshot_fits`; an entry's copy
    kept for a member, never compressed: `records.may_compress`). Compression saves bytes,
    it never raises what one change may hold.

    The uncompressed size is computed only where it may matter: with the payload in place of
    its compressed form, a record grows by less than the payload's length plus a few bytes of
    encoding and one padding block, so one whose `ciphertext` and payload together stay under
    _SURELY_FITS needs no second encoding (~15 µs of an entry's write: issue 10)."""
    if len(ciphertext) > wire.MAX_RECORD_BYTES or (
        body.compress
        and len(ciphertext) + len(body.payload) >= _SURELY_FITS
        and records.uncompressed_length(body) > wire.MAX_RECORD_BYTES
    ):
        raise InvalidInput(
            "this change is too large to sync in one piece: split the text into several entries",
            subject="too large",
        )


def rolled_back(journal: LocalJournal, head: int, received: int) -> str:
    """The server's log of a journal ends before records this device already pulled."""
    return (
        f"the server's copy of journal {quoted_name(journal.name)} ends at record {head}, before what this "
        f"device already holds (up to {received}): it was rolled back or restored from an "
        "old backup, and changes since may be missing there; this device keeps them and pulls "
        f"again from record {head}"
    )


def cursor_went_back(journal: LocalJournal, head: int, received: int) -> str:
    """The server's head went back below a cursor it gave earlier, past any record received."""
    return (
        f"the server's head of journal {quoted_name(journal.name)} went back to record {head}, below the "
        f"position {journal.cursor} it gave this device earlier, although this device received "
        f"nothing past record {received}: an earlier reply lied; pulling again from {received}"
    )


def left_out(journal: LocalJournal) -> str:
    """A journal the server left out of a sync reply that says the pull is done."""
    return (
        f"journal {quoted_name(journal.name)}: the server said the pull is done but sent nothing about "
        "this journal; this device keeps what it has and the next sync asks again"
    )


DONE_WITH_NEXT = (
    "the server said the pull is done while naming a next slice of journals (done is true "
    "only when next_journal is empty): every journal it left out is reported"
)


def lowered_head(journal: LocalJournal, head: int, announced: int) -> str:
    return (
        f"the server says journal {_shown(journal)} ends at seq {head}, below seq {announced} "
        "it announced while this device held the journal back: records this device was "
        "told of were not delivered"
    )


def behind_request(journal: LocalJournal, page: wire.JournalPage, after: int) -> str:
    """A page whose cursor is below the `after` asked for its journal (an honest server's
    is never: protocol.md /v1/sync): refused, the device's cursor kept."""
    return (
        f"the server's reply for journal {quoted_name(journal.name)} put the cursor at {page.cursor}, "
        f"below the position {after} this device asked from: ignored (this device keeps its "
        "cursor and asks from there again)"
    )


def past_head(journal: LocalJournal, page: wire.JournalPage) -> str:
    """A page whose cursor passes its own head: refused (protocol.md /v1/sync)."""
    return (
        f"the server's reply for journal {quoted_name(journal.name)} put the cursor at {page.cursor}, past "
        f"its head {page.head}: ignored"
    )


def stalled_pull(journal: LocalJournal, page: wire.JournalPage, junk: bool = False) -> str:
    """A journal whose pull stopped because the server sent nothing new several times;
    `junk`: what it sent in this pull included replies of records that all failed
    verification (reported in `SyncReport.problems`)."""
    sent = (
        "sent only records that failed verification" if junk else "sent nothing"
    ) + f" after {page.cursor}"
    return (
        f"journal {quoted_name(journal.name)}: the server says it holds records up to {page.head} but "
        f"{sent}; stopped asking (this device keeps what it has and the next sync tries again)"
    )


def unverified_name(journal: LocalJournal) -> str:
    """Why the metadata of `journal` (owned, its name not verified here: `name_verified`) is
    not sealed again (a rotation, an archive): the user's way out."""
    return (
        f"journal {quoted_name(journal.name)} has no name this device verified (the server served "
        "metadata it cannot open or verify, and it never held a verified name), so its name "
        "cannot be signed again: rename the journal first (its id works as the name), then "
        "try again"
    )


OWN_NAMED_AT = "own_named_at"
"""The store setting holding, per journal this device renamed, archived or unarchived (its
`counters_tag`, hex: keyed, as R38 requires of what a store keeps), the `named_at` it signed
last, kept before the change is sent: JSON {tag: ms}, the newest OWN_NAMED_AT_KEPT."""
OWN_NAMED_AT_KEPT = 200


def decode_own_named_at(value: Any) -> dict[str, int]:
    """`OWN_NAMED_AT`'s value; a damaged one reads as empty."""
    raw = read_json(value, {})
    if not isinstance(raw, dict):
        return {}
    return {str(k): v for k, v in raw.items() if isinstance(v, int) and not isinstance(v, bool)}


def encode_own_named_at(signed: dict[str, int]) -> str:
    """`OWN_NAMED_AT`'s value: the OWN_NAMED_AT_KEPT newest (by `named_at`)."""
    newest = sorted(signed.items(), key=lambda item: item[1])[-OWN_NAMED_AT_KEPT:]
    return json.dumps(dict(sorted(newest)))


FORMER_NAMES = "journal_former_names"
"""The store setting holding, per journal (its `counters_tag`, hex: keyed, as OWN_NAMED_AT),
the names it had before owner-signed renames this device verified, each with the `named_at`
of the name that replaced it: JSON {tag: [[name, ms], ...]}, oldest first, FORMER_NAMES_EACH
at most each, for the FORMER_NAMES_KEPT journals renamed last."""
FORMER_NAMES_EACH = 5
FORMER_NAMES_KEPT = 200


def decode_former_names(value: Any) -> dict[str, list[tuple[str, int]]]:
    """`FORMER_NAMES`'s value; a damaged one (or a damaged item) reads as none."""
    raw = read_json(value, {})
    if not isinstance(raw, dict):
        return {}
    found: dict[str, list[tuple[str, int]]] = {}
    for tag, names in raw.items():
        if isinstance(names, list):
            found[str(tag)] = [
                (n[0], n[1])
                for n in names
                if isinstance(n, list)
                and len(n) == 2
                and isinstance(n[0], str)
                and isinstance(n[1], int)
                and not isinstance(n[1], bool)
            ]
    return found


def encode_former_names(kept: dict[str, list[tuple[str, int]]]) -> str:
    """`FORMER_NAMES`'s value: the FORMER_NAMES_KEPT journals renamed last."""
    newest = sorted(kept.items(), key=lambda item: max((n[1] for n in item[1]), default=0))
    return json.dumps({tag: [list(n) for n in names] for tag, names in newest[-FORMER_NAMES_KEPT:]})


def name_verified(journal: LocalJournal) -> bool:
    """Whether the journal's name is one this device verified (owner-signed, protocol.md
    4.14), not a placeholder for metadata it could not open or verify ("(unreadable journal
    ...)", "(unverified name ...)"): only such a name is signed again (W7)."""
    return _signed_name(journal.meta)


def renamed_verified(before: LocalJournal, after: LocalJournal) -> bool:
    """Whether `after` carries an owner-signed rename of `before` (the same journal as held
    before a journal list was read): both names verified (`name_verified`), different, and
    the new one signed strictly later (`named_at`): a replayed older name is no rename."""
    return (
        name_verified(before)
        and name_verified(after)
        and before.name != after.name
        and after.named_at > before.named_at
    )


def clear_caches() -> None:
    """Empty the process-wide caches that keep what a journal's key or the account key
    opened: `_archived` and `_signed_name` (keyed by a journal's decrypted metadata, its
    name) and `access.open_disclosure_cached` (keyed by the account key). Called when a
    journal is forgotten and when a client closes or logs out (before and after its last
    awaits, so a write still running at the close cannot leave them filled); and
    `search._fold_char` (the characters of decrypted text a search folded), when searched."""
    _archived.cache_clear()
    _signed_name.cache_clear()
    access.open_disclosure_cached.cache_clear()
    search = sys.modules.get("client_sdk.search")  # not imported for it (test_cli_lazy_imports)
    if search is not None:
        search._fold_char.cache_clear()


@functools.lru_cache(maxsize=256)
def _signed_name(meta: str) -> bool:
    parsed = read_json(meta, None)
    return isinstance(parsed, dict) and "name_signature" in parsed


def is_archived(journal: LocalJournal) -> bool:
    """Whether the owner archived the journal: its metadata's `archived`, signed by the owner
    with the name (version 2, protocol.md 4.14; `Replica._journal_meta` verified it, so a
    member who holds the key that seals the metadata cannot set or clear it, rev-cut W1).
    Beside a version-1 name (no `named_at`), whose signature covers no flag, an `archived`
    is ignored: not archived. Archived journals are listed last and refuse new writes on the
    owner's devices; it decides nothing about who may read or write (the access chain)."""
    return _archived(journal.meta)


def is_archived_meta(meta: dict[str, Any]) -> bool:
    """`is_archived` of a metadata map (`journal_meta.archived_of`): False for one it cannot
    read (a placeholder, a malformed `named_at` or `archived`)."""
    try:
        return archived_of(meta)
    except IntegrityError:
        return False


@functools.lru_cache(maxsize=256)
def _archived(meta: str) -> bool:
    """`is_archived` of a journal's metadata JSON, parsed once per distinct metadata (every
    write checks it: issue 10)."""
    parsed = read_json(meta, None)
    return isinstance(parsed, dict) and is_archived_meta(parsed)


COPIES_TO_FOLLOW = "copies_to_follow"
"""The store setting holding what pulled pages brought that copies shared one by one may have
to follow (`Replica._note_copies_to_follow`): JSON {"entries": [hex ids of this account's
entries left in the trash or deleted], "copies": [hex ids of entries brought into a journal
kept for a member], "mirrored": [hex ids of documents changed in a journal with a field-level
copy, by another device or by a write here that could not copy them]}; `Client.sync` hands
them to `Entries._follow_removals` and `Sharing.follow_mirrors` and clears them (a store that
predates "mirrored" reads it as empty)."""


def decode_to_follow(value: Any) -> dict[str, list[str]]:
    """`COPIES_TO_FOLLOW` read back; a damaged value, or part, reads as none."""
    raw = read_json(value, {})
    found: dict[str, list[str]] = {"entries": [], "copies": [], "mirrored": []}
    for field in found:
        items = raw.get(field) if isinstance(raw, dict) else None
        found[field] = [x for x in items if isinstance(x, str)] if isinstance(items, list) else []
    return found


SHARE_ENDED = "share ended"
"""`TJError.subject` of a write refused in a journal whose share with this account ended (its
end date, the owner's removal, or the server no longer serving it): only its owner can share
it again, on their device."""

OWNERS_OWN = "owner's own"
"""`TJError.subject` of a write refused to a member (read or annotate) of what only the
journal's owner writes: its entries, goals, results..."""

READ_ONLY_MEMBER = "read-only member"
"""`TJError.subject` of a note (or another annotation) refused in a journal shared with this
account read-only: its owner gives the annotate role (`names`: "journal", "journal id" (hex),
"member")."""

OWN_JOURNAL_GONE = "own journal gone"
"""`TJError.subject` of a write refused in this account's journal that the server no longer
lists: this device keeps a read-only copy of it."""

KEPT_COPY = "kept copy"
"""`TJError.subject` of a change refused to the read-only copy kept of an ended share
(delete, end the share): only discarding the copy is left (`shares.forget`)."""

WHOSE_CODE = "whose code"
"""`TJError.subject` of a head code asked of a journal shared with several members: say whom
it is compared with, or ask for the owner-only code."""


def check_may_write(
    journal: LocalJournal, kind: str, username: str = "YOUR-USERNAME", shown: str = ""
) -> None:
    """Owners write anything (not in a journal they archived); annotating members add notes
    and prompts; readers nothing (the refusal names the command the owner runs to give
    `username`, this account, the annotate role). `shown`: the journal's name as this device
    shows it (`Replica.shown_name`; default "owner/name")."""
    shown = shown or _shown(journal)
    if journal.role == "owner":
        if is_archived(journal):
            raise JournalArchived(journal.name, journal.journal_id.hex())
        return
    # Who can change that, in words (NU30 F8): only the owner shares a journal again.
    again = (
        f": only {journal.owner_name} can share it with you again, on their device"
        if journal.owner_name and journal.owner_name != username
        else ""
    )
    if journal.role == REVOKED and journal.owner_name == username:  # one's own (NU36 #6)
        raise AccessError(
            f"{named_in_text(journal.name)} is no longer on the server: it was deleted on another of your "
            "devices, or the server is withholding it; this device keeps a read-only copy of "
            "it, which takes no new entries",
            subject=OWN_JOURNAL_GONE,
        )
    if journal.role == REVOKED:
        raise AccessError(
            f"the share of journal {quoted_name(shown)} with this account ended, or the journal "
            f"was deleted{again}; this device keeps a read-only copy of what it downloaded",
            subject=SHARE_ENDED,
        )
    if 0 < journal.expires_at <= now_ms():  # the end date its owner signed (`_local`)
        raise AccessError(
            f"the share of journal {quoted_name(shown)} with this account ended on "
            f"{to_datetime(journal.expires_at):%Y-%m-%d %H:%M} UTC, the end date its owner "
            f"set{again}; this device keeps a read-only copy of what it downloaded",
            subject=SHARE_ENDED,
        )
    if journal.role == "annotate":
        if kind in ANNOTATION_KINDS:
            return
        raise AccessError(
            f"in journal {quoted_name(shown)} this account may only add notes and prompts (and, "
            "for the client's care, assignments, crisis lines and acknowledgements of safety "
            "flags)",
            subject=OWNERS_OWN,
        )
    owner = journal.owner_name or "its owner"
    if kind not in _ANNOTATING:  # the owner's own: no member's role allows it (NU37 #4)
        own, them = _OWNS.get(kind, ("what is in it is", "it"))
        raise AccessError(
            f"journal {quoted_name(shown)} is shared with this account read-only, and {own} "
            f"{owner}'s own: only {owner} writes, changes or deletes {them} (the annotate "
            "role, too, allows only notes and prompts)",
            subject=OWNERS_OWN,
        )
    doing = _ANNOTATING[kind]  # what was refused, in words (NU35 #9)
    situation = f"journal {quoted_name(shown)} is shared with this account read-only"
    raise AccessError(
        f"{situation}: {doing}, ask {owner} to give you the annotate role",
        subject=READ_ONLY_MEMBER,
        situation=situation,
        names={"journal": journal.name, "journal id": journal.journal_id.hex(), "member": username},
    )


_OWNS = {"entry": ("its entries are", "them"), "goal": ("its goals are", "them")}
"""The owner's own records of a kind no member may write, as a read-only member's refusal
names them (`check_may_write`): the words before "ana's own", and the pronoun after
"changes or deletes"; any other kind: "what is in it is", "it"."""


_ANNOTATING = {
    "note": "to add notes",
    "prompt": "to add prompts",
    "assignment": "to assign questionnaires or homework",
    "crisis_line": "to set a crisis line",
    "safety_ack": "to mark safety flags as read",
}
"""What the annotate role allows, per kind of record (ANNOTATION_KINDS), as a read-only
member's refusal says it: the words of what was asked."""


def _shown(journal: LocalJournal) -> str:
    """A shared journal as its member types it: "owner/name"."""
    return f"{journal.owner_name}/{journal.name}" if journal.owner_name else journal.name


def unanswered(error: TJError) -> NetworkError:
    """`error`, an answer no Therapy Journal server gave (subject NOT_A_JOURNAL_SERVER), as
    the NetworkError of a request that got no answer: same words and subject, not transient."""
    failed = NetworkError(str(error), transient=False)
    failed.subject, failed.code, failed.detail = error.subject, error.code, error.detail
    return failed


async def _note_owners_erased(
    tx: Transaction, told: list[departures.Departure], journals: list[LocalJournal]
) -> None:
    """Keep `departures.ERASED_OWNERS` as this journal list leaves it: the owners of shares
    `told` "no longer served" with `owner_erased` in; those told without it, and the owners
    of journals served (of `journals`, those with a role), out."""
    ended = {d.journal_id: d for d in told if d.reason == departures.UNLISTED and d.owner}
    owners = {j.journal_id.hex(): j.owner_id.hex() for j in journals}
    said = {owners[j] for j, d in ended.items() if d.owner_erased and j in owners}
    unsaid = {owners[j] for j, d in ended.items() if not d.owner_erased and j in owners}
    unsaid |= {j.owner_id.hex() for j in journals if j.role in keys.ROLES}
    before = set(departures.decode_owners(await tx.setting(departures.ERASED_OWNERS)))
    after = (before | said) - unsaid
    if after != before:
        await tx.set_setting(departures.ERASED_OWNERS, json.dumps(sorted(after)) if after else None)


def changed_account(username: str) -> KeyChangedError:
    """Why `username`'s keys are refused: the server gives the name another account than the
    one pinned here; "{verify}" where the app's words for accepting them go."""
    return KeyChangedError(
        f"the server now gives {username} another account than the one pinned on this device "
        "(a changed key): nothing was shared. Compare fingerprints in person, then accept the "
        "new keys{verify}",
        username=username,
    )


def name_taken_again(username: str) -> KeyChangedError:
    """Why a journal shared with this account by an account the server names as a username
    pinned here for another account is not opened (NU46 #7: "a changed key: nothing was
    shared" read as if nothing had been shared): in the words of verifying, without deciding
    who it is."""
    return KeyChangedError(
        f"the server now gives the name {username} to another account than the one pinned on "
        "this device, possibly a different person using a name freed when an account was "
        f"erased (or {username} again, under a new account): compare fingerprints in person, "
        "then accept the new keys{verify}",
        username=username,
    )


def same_key_pair(a: Peer, b: Peer) -> bool:
    """Whether two pins hold the same identity keys (signing and box), whatever the name."""
    return (a.sign_public_key, a.box_public_key) == (b.sign_public_key, b.box_public_key)


def same_keys(a: Peer, b: Peer) -> bool:
    return (a.sign_public_key, a.box_public_key, a.username) == (
        b.sign_public_key,
        b.box_public_key,
        b.username,
    )


def _marks_deleted(body: records.RecordBody) -> bool:
    """Whether a record's payload, applied alone to an empty document, marks it deleted: a
    deletion written on the state the writer held (`deleted` was never set before, so the
    update names its own place) or a snapshot of a deleted document. A payload that needs
    other records to apply says False: what it did is not known from it alone, and a
    withdrawal it might make moot is then kept (the safe side: pushing.moot_withdrawals)."""
    trial = Document(body.doc_id, body.doc_kind)
    try:
        trial.apply(body.payload)
    except IntegrityError:
        return False
    return trial.field("deleted") is True


def _annotation_content(document: Document) -> tuple[dict[str, Any], str]:
    """What an annotation says: its fields but `deleted` and `updated_at`, and its body."""
    fields = {
        k: v for k, v in document.field_values().items() if k not in ("deleted", "updated_at")
    }
    return fields, document.text("body")


async def _merged(
    tx: Transaction,
    journal: LocalJournal,
    documents: list[Document],
    since: CommitMark | None = None,
) -> list[StoredDocument]:
    """`documents` merged with their stored state, read inside the writing transaction.

    Another task may have stored a newer state since a document was loaded (an edit during a
    pull, a pull during an edit); merging keeps both instead of writing over one of them.
    `since`: a CommitMark read before every one of `documents` was loaded from the store (or
    made new); when no commit came between it and this transaction (`committed_since`),
    the stored states are those they were loaded from, and none is read (a pull's page of
    new documents: issue 10).
    """
    if since is not None and not await tx.committed_since(since):
        return [_stored(journal, document) for document in documents]
    current = await tx.document_states([d.doc_id for d in documents])
    for document in documents:
        if document.doc_id in current:
            state, waiting = current[document.doc_id]
            document.apply_own(state, waiting=waiting)  # this device's own (rev-o1 F3)
    return [_stored(journal, document) for document in documents]


def _stored(journal: LocalJournal, document: Document) -> StoredDocument:
    return StoredDocument(
        document.doc_id, journal.journal_id, document.kind, document.state(), document.waiting()
    )


def copied_journal(name: str, member: str) -> str:
    """The name of the journal a field-level copy kept for `member` copies, read from
    the copy's name as the SDK makes it (protocol.md 4.14: "<journal> (<fields>) for
    <member>"): "Personal" for "Personal (mood, tags) for drsmith"; "" for any other
    name. The fields hold no parenthesis, so a journal whose own name has some is read
    whole ("Notes (old)" for "Notes (old) (mood) for drsmith")."""
    found = re.fullmatch(rf"(.+) \(([^()]+)\) for {re.escape(member)}", name)
    return found.group(1) if found else ""


def copied_fields(name: str, member: str) -> tuple[str, ...]:
    """The fields a field-level copy kept for `member` carries, read from the copy's name as
    the SDK makes it (protocol.md 4.14: "<journal> (<fields>) for <member>", `copied_journal`):
    ("mood", "tags") for "Personal (mood, tags) for drsmith"; () for any other name."""
    found = re.fullmatch(rf"(.+) \(([^()]+)\) for {re.escape(member)}", name)
    if not found:
        return ()
    return tuple(field.strip() for field in found.group(2).split(",") if field.strip())


def stored_document(stored: StoredDocument) -> Document:
    return Document.from_state(stored.doc_id, stored.kind, stored.state, waiting=stored.waiting)


def _new_terms(
    state: AccessState | None,
    before: access.Member | None,
    after: access.Member | None,
    now: int,
) -> departures.Departure | None:
    """New terms the owner signed for this account's membership (a `changed` entry): its
    terms in the chain verified before (`before`) and now (`after`), the same membership
    (handle) on both sides, compared (NU26 C5). A Departure ("narrowed" when the right to
    annotate was taken, else "changed"; `at` the change's signed time) holding what
    changed, with member, journal and owner left for the caller to fill; None when nothing
    changed, or the membership is another (a new share, told as such). Only verified chain
    states are compared: a server that withholds the change delays it, one that replays an
    old entry or leaves one out fails verification and changes no state."""
    if state is None or before is None or after is None or before.handle != after.handle:
        return None
    if (before.role, before.expires_at) == (after.role, after.expires_at):
        return None
    roles = (before.role, after.role) if before.role != after.role else ("", "")
    ends = (
        (before.expires_at, after.expires_at)
        if before.expires_at != after.expires_at
        else (None, None)
    )
    narrowed = roles == ("annotate", "read")
    return departures.Departure(
        "",
        "",
        "",
        departures.NARROWED if narrowed else departures.CHANGED,
        state.terms_at.get(after.handle) or now,
        was_role=roles[0],
        role=roles[1],
        was_until=ends[0],
        until=ends[1],
    )


def _given_elsewhere(
    state: AccessState, before: dict[bytes, access.Member], new: access.Member, now: int
) -> departures.Departure:
    """A membership (`new`) the verified chain holds that it did not hold before (`before`,
    its members by handle then), told to the owner's other devices (`Replica
    ._changed_elsewhere`): "renewed" when the account's previous membership had reached its
    signed end date (an `ended` entry closed it, or it was a member before whose end date
    had passed when the new one was granted), "shared" otherwise (a first share, or a new
    membership after one removed); `role` and `until` the terms given, `at` the grant's
    signed time."""
    at = state.granted_at.get(new.handle) or now
    handles = state.handles.get(new.account_id or b"", [])
    earlier = handles[: handles.index(new.handle)] if new.handle in handles else []
    previous = earlier[-1] if earlier else b""
    found = departures.Departure("", "", "", departures.SHARED, at)
    if previous in state.ended or (previous in before and before[previous].ended(at)):
        return _renewal(found, new)
    return replace(found, role=new.role, until=new.expires_at)


def _renewal(found: departures.Departure, new: access.Member) -> departures.Departure:
    """`found` told as a renewal (departures.RENEWED) to the terms of `new`."""
    return replace(
        found,
        reason=departures.RENEWED,
        was_role="",
        role=new.role,
        was_until=None,
        until=new.expires_at,
    )


def held_membership(state: AccessState | None, account_id: bytes) -> tuple[bytes, int] | None:
    """`_membership` of a chain this device may not hold (None then)."""
    return _membership(state, account_id) if state is not None else None


def _membership(state: AccessState, account_id: bytes) -> tuple[bytes, int] | None:
    """The handle of the account's latest membership the verified chain holds, with its
    signed end date (ms UTC, 0 none or unknown); None when it never was a member here."""
    handles = state.handles.get(account_id, [])
    if not handles:
        return None
    terms = state.members.get(handles[-1]) or state.ended.get(handles[-1])
    return handles[-1], terms.expires_at if terms is not None else 0


def _closed(state: AccessState) -> set[bytes]:
    """The handles of the memberships the verified chain closed (`removed`, with `because`
    or without, and `ended`): what `Replica._ended_elsewhere` compares a refreshed chain to."""
    return {*state.not_served, *state.unshared, *state.ended}


def closes_writes(state: AccessState, changes: list[tuple[str, dict[str, Any]]], now: int) -> bool:
    """Whether signing `changes` on `state` (with the `ended` entries a rotation adds for
    members whose signed end date passed by `now`, ms UTC) closes or narrows the right to
    write of a member who holds it: a `removed` or `ended` of an annotating member, or a
    `changed` of one to `read`. Such an entry signs that member's counters
    (`Replica._limit_writes`)."""
    writing = {h for h, m in state.members.items() if m.role == "annotate"}
    if any(state.members[h].ended(now) for h in writing):
        return True
    for kind, payload in changes:
        member = payload.get("member")
        if member not in writing:
            continue
        if kind in (access.REMOVED, access.ENDED):
            return True
        if kind == access.CHANGED and payload.get("role") != "annotate":
            return True
    return False


def unverifiable_co_member(
    gap: counting.Gap, state: AccessState | None, owner_id: bytes, me: bytes
) -> bool:
    """Whether `gap`, on a member's device (`me` is not `owner_id`), is of an author that is
    neither the owner nor this account and whose signing key the owner's verified chain does
    not give this device (another member: members do not learn each other, protocol.md
    4.13). No record of that author is ever accepted here, served or not (4.18, "Records of
    members a device cannot identify"), so its counters are neither received nor missing
    (NU24 C12). The owner's devices, this account's, and every member the chain identifies
    are never excused."""
    if me == owner_id or gap.author in (owner_id, me):
        return False
    return state is None or state.sign_key_of(gap.author) is None


def past_write_limit(
    gap: counting.Gap, state: AccessState | None, owner_id: bytes
) -> counting.Gap | None:
    """`gap` without the counters above the write limit the owner signed for its device (the
    top of `AccessState.writable`): no device accepts those records, so they are neither
    delivered nor withheld (NU22 C17); None when nothing else is missing. Counters in a gap
    signed below the limit stay reported: nothing honest leaves one (the member skipped it,
    or the server kept its record from the owner's device that signed), and its record,
    refused everywhere, is missing for good."""
    if state is None or gap.author == owner_id:
        return gap
    writable = state.writable(gap.author, gap.device)
    if writable is None:
        return gap
    bound = writable[-1][1] if writable else 0
    kept = tuple((lo, min(hi, bound)) for lo, hi in gap.missing if lo <= bound)
    return dataclasses.replace(gap, missing=kept) if kept else None


def held_fingerprint(who: access.Identity) -> str:
    """The fingerprint of a member's identity as the owner-signed, verified chain holds it
    (never the server's word): the share offered again after they leave compares it, so the
    command works as printed on any of the owner's devices (nu84 F5)."""
    return keys.fingerprint(who.account_id, who.username, who.sign_public_key, who.box_public_key)
