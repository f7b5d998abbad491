"""`client.safety`: what happens when a safety item is answered above 0, and the client's
safety plan.

    taken = await client.measures.take("phq9", answers)
    if taken.result.safety_concern:
        response = await client.safety.respond(taken.result)
        show(response.lines)          # at once, on this device

`respond` builds the safety message from the client's plan (their emergency number, a crisis
line they or their therapist set, their own plan) and, only if the client opted in for that
journal (`set_plan(share_flags=True)`), seals a safety flag into the journal for the members
the opt-in was given for (not for members shared with later).
A therapist with the annotate role acknowledges it (`acknowledge`); the client sees who read
it and when. Nothing is monitored in real time, and the message says so. When the client
opted in and no flag was sealed, the message says why (`SafetyResponse.no_flag`). An answer
given before this device knew the opt-in or the share gets its flag at the sync that brings
them (`_seal_missed`, called by `Client.sync`), on this device or any other of the
owner's that holds the result.

Rules and document shapes are in safety.py (pure).
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import zlib
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from client_sdk import forgotten, keys
from client_sdk.access import (
    AccessState,
    Disclosure,
    Limited,
    field_shares_in_force,
    lapsed_field_shares,
    open_disclosure_cached,
)
from client_sdk.default_journal import NO_DEFAULT
from client_sdk.documents import Document
from client_sdk.errors import BAD_VALUE, AccessError, IntegrityError, InvalidInput, NotFound
from client_sdk.inputs import checks_inputs
from client_sdk.models import and_words, now_ms, quoted_name, read_json, read_ms, to_datetime
from client_sdk.replica import REVOKED, SHARE_ENDED, Replica, check_may_write, stored_document
from client_sdk.results import (
    MEASURE,
    SAFETY_WATCHED,
    MeasureResult,
    result_view,
    stored_safety_answer,
)
from client_sdk.safety import (
    CLOCK_SKEW_MS,
    CRISIS_LINE,
    DELIVERY_UNKNOWN,
    FLAG_WATCH,
    FLAGS_SENT,
    FLAGS_UNDELIVERED,
    FLAGS_WITHHELD_UNTOLD,
    JOURNAL_GONE,
    JUDGED_FOR_MS,
    NO_ANSWER,
    NO_HINTS,
    NOT_SENT,
    NUMBER_HOLDS,
    PLANS_SHOWN,
    RECORDER_WAIT_MS,
    REFUSED,
    SAFETY_ACK,
    SAFETY_FLAG,
    SAFETY_PLAN,
    UNSEEN_BEFORE_END,
    UNSENT_TOLD,
    WITHHELD,
    WITHHELD_SERVED_SINCE,
    Acknowledgement,
    LateFlag,
    PlanSource,
    SafetyFlag,
    SafetyHints,
    SafetyPlan,
    UndeliveredFlag,
    UnflaggedAnswer,
    ack_update,
    ack_view,
    answered_after,
    copy_only_line,
    crisis_line_update,
    crisis_line_view,
    elsewhere_line,
    flag_recipients,
    flag_update,
    flag_view,
    journal_gone_line,
    late_flag_members,
    message_lines,
    no_flag_before_line,
    no_flag_line,
    no_journal_line,
    not_chosen_line,
    number_problem,
    opted_in_for,
    plan_not_loaded_line,
    plan_settling_values,
    plan_update,
    plan_version,
    plan_view,
    reads_only_line,
    unflagged_members,
    withheld_line,
)
from client_sdk.scoring import builtin_instruments
from client_sdk.scoring import instrument as find_instrument
from client_sdk.settling import FieldWrite, changed_values, created_values
from client_sdk.store import LocalJournal, LocalShare, Store, StoredDocument, Transaction
from client_sdk.withholding import DeviceCounters, Gap, in_ranges

LAST_SYNCED = "last_synced_at"  # client.LAST_SYNCED: ms of this device's last sync


async def watch_answer(
    store: Store,
    event_id: str,
    journal_id: str,
    result_id: str,
    measure: str,
    item: int,
    answer: int,
    answered_at: int,
    known: Iterable[str] = (),
) -> None:
    """Remember a safety item answered above 0 on this device (`event_id`: the result's id,
    or a new id for a questionnaire stopped without a result), so that a flag this device
    could not seal then, for want of knowing the opt-in or the share, is sealed at the
    sync that brings them (`SafetyPath._seal_missed`). `known`: the members (account ids,
    hex) this device knew then that the flag is due to (`SafetyPath._due_now`): a flag for
    them that was never sealed (the response failed, or the device stopped before it) is
    sealed by the next sync however soon after the opt-in the answer came, since no other
    device's clock decided it. `result_id`: the result's id (hex), "" for a stopped
    questionnaire. A stopped answer and the result saved under its id later are two entries
    (`_key`), each owed its flag in its own journal; a stopped answer given again under the
    same id with a worse answer, or a result's save tried again, replaces the answer noted
    and its time; a stopped answer also keeps each safety item and answer it was given with
    the latest time it was given then (`stops`, `_stops`): each is owed its flag from that
    time. The flag a result is owed carries what the stored result says, never the answer
    noted (`SafetyPath._standing`); deleting the result saved under a stopped answer's id
    in its journal, carrying at least that answer and saved at or after it was last given,
    before the flag is sealed withdraws the stopped answer's late flag too. Local: never
    leaves the device."""
    entry = {
        "id": event_id,
        "journal": journal_id,
        "result": result_id,
        "measure": measure,
        "item": item,
        "answer": answer,
        "at": answered_at,
        "covered": [],
        "known": sorted(known),
    }
    if not result_id:
        entry["stops"] = [[item, answer, answered_at]]

    def add(watched: list[dict[str, Any]]) -> None:
        # one entry per answer: its id, its journal, and whether it is a stored result's or
        # a stopped questionnaire's, so a result saved under a stopped answer's id (in that
        # journal or another) never replaces that answer's entry, and a save that never
        # stored its result leaves the stopped answer's entry whole (`_owed` forgets the
        # result's only)
        for w in watched:
            if _key(w) != _key(entry):
                continue
            if not result_id:
                # every time the questionnaire was stopped with this answer: the latest
                # time each answer was given decides whom it is owed (`_stops`)
                stops = [s for s in _stops(w) if (s["item"], s["answer"]) != (item, answer)]
                w["stops"] = [[s["item"], s["answer"], s["at"]] for s in stops]
                w["stops"].append([item, answer, answered_at])
            held = w.get("answer")
            worse = w.get("item") != item or not isinstance(held, (int, float)) or held < answer
            if worse or result_id:
                # a worse answer since (the client changed it), or the save of a result
                # tried again with the answers it will store: the flag carries that answer,
                # given then; the members covered are those whose flags carry at least it
                w["item"], w["answer"], w["at"] = item, answer, answered_at
                w["covered"] = [] if worse else w["covered"]
            w["known"] = sorted({*_known(w), *known})
            return
        watched.append(entry)

    await _change_watched(store, add)


def _made_by(doc_id: str, account_id: bytes) -> bool:
    """Whether `doc_id` (hex) is a document id of the account `account_id` (protocol.md 4.15)."""
    try:
        return keys.created_by(bytes.fromhex(doc_id), account_id)
    except ValueError:
        return False


async def _watched(store: Store, as_of: tuple[int, int] | None = None) -> list[dict[str, Any]]:
    return _decoded(await store.setting(FLAG_WATCH, as_of=as_of))


def withheld_flags_on(db: sqlite3.Connection, account_id: bytes, device_id: bytes) -> set[bytes]:
    """On `db` (a connection of the caller's, inside its transaction: `Client.delete_account`'s
    last count, under the write lock of the deletion): the safety flags (document ids) of
    the journals `account_id` owns that the device `device_id` sealed and the server
    acknowledged storing but never served back (a counter of one of their records among
    this device's own missing ones: `SafetyPath._withheld_own`'s rule) and that neither
    wait in the outbox nor are set aside: `Store.unsynced` misses them (no change of theirs
    waits), yet this device holds the only copy known (`Client._flags_withheld`)."""
    found: set[bytes] = set()
    owned = {
        bytes(r[0])
        for r in db.execute("SELECT journal_id FROM journals WHERE owner_id = ?", (account_id,))
    }
    rows = db.execute(
        "SELECT journal_id, received, claimed, claimed_by, written FROM device_counters "
        "WHERE author = ? AND device = ?",
        (account_id, device_id),
    ).fetchall()
    for row in rows:
        journal_id = bytes(row[0])
        counters = DeviceCounters.decode(bytes(row[1]), row[2], bytes(row[3]), row[4])
        missing = counters.missing()
        if journal_id not in owned or not missing:
            continue
        flags = db.execute(
            "SELECT d.doc_id, s.counter FROM documents d JOIN seen_records s ON s.doc_id = "
            "d.doc_id WHERE d.journal_id = ? AND d.kind = ? AND s.author = ? AND s.device = ? "
            "AND s.seq IS NOT NULL AND s.counter IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
            "outbox o WHERE o.doc_id = d.doc_id) AND NOT EXISTS (SELECT 1 FROM set_aside a "
            "WHERE a.doc_id = d.doc_id)",
            (journal_id, SAFETY_FLAG, account_id, device_id),
        ).fetchall()
        for doc_id, counter in flags:
            if any(lo <= int(counter) <= hi for lo, hi in missing):
                found.add(bytes(doc_id))
    return found


def _held(raw: Any) -> dict[str, dict[str, int]]:
    """FLAGS_SENT, decoded: entries of another shape are dropped."""
    found = json.loads(raw) if isinstance(raw, str) else {}
    if not isinstance(found, dict):
        return {}
    return {
        k: v
        for k, v in found.items()
        if isinstance(v, dict) and all(isinstance(t, int) for t in v.values()) and "since" in v
    }


def _undelivered_flag(
    view: SafetyFlag,
    names: Sequence[str],
    ends: Mapping[str, int],
    surely: bool,
    reason: str = "",
    *,
    window: tuple[datetime, datetime] | None = None,
) -> UndeliveredFlag:
    """The UndeliveredFlag telling `view` not delivered to `names`, whose shares ended at
    `ends` (member id hex -> UTC ms; the latest is told)."""
    return UndeliveredFlag(
        view.journal,
        tuple(names),
        view.id,
        view.result_id,
        view.measure,
        view.raised_at,
        to_datetime(max(ends.values())),
        surely,
        journal_id=view.journal_id,
        left_between=window,
        item=view.item,
        answer=view.answer,
        reason=reason,
    )


def _judged(entry: dict[str, int], left: int, chains: int, now: int) -> dict[str, int]:
    """A FLAGS_SENT entry once a completed sync judged it at `now` (ms UTC, this device's
    clock): `left` kept, `judged` the time of its first judgement (kept after), `chains` a
    checksum of the lengths of this account's verified access chains it was judged against
    (`_undelivered`)."""
    kept = {k: v for k, v in entry.items() if k != "sending"}  # an older version's mark,
    if "sending" in entry:  # kept as "its first push is not known" (`note_flags`)
        kept["inherited"] = 1
    return {**kept, "left": left, "judged": entry.get("judged", now), "chains": chains}


@dataclass(frozen=True)
class _Judgement:
    """What a sync's `SafetyPath._undelivered` decided, recorded once its report is handed
    (`_handed_undelivered`): the flags to drop from FLAGS_SENT (`done`), those judged
    (flag id hex -> `left`), what it told of each (`kept`, FLAGS_UNDELIVERED values), the
    checksum of the chains judged against and when (ms UTC, this device's clock)."""

    done: set[str]
    judged: dict[str, int]
    kept: dict[str, dict[str, dict[str, int | bool | str]]]
    chains: int
    now: int
    readmitted: dict[str, dict[str, int]] = field(default_factory=dict)
    """FLAGS_SENT entries of flags told before whose member holds a share again
    (`_shared_again`): written back unless `done`."""


def _shared_again(
    told: Mapping[str, Any],
    held: Mapping[str, Any],
    owned: Mapping[bytes, LocalJournal],
    state_of: Callable[[bytes], AccessState | None],
    now: int,
) -> dict[str, dict[str, int]]:
    """Flag id hex -> a new FLAGS_SENT entry, for each flag `told` (FLAGS_UNDELIVERED,
    decoded) names a member of, not in `held` (FLAGS_SENT) any more, when that member holds
    a share of one of the `owned` journals (the one told with it; every one for a value an
    older version kept) that began after the share it was told for (another `granted_at`):
    a renewal carries the flag to them, and its end, unacknowledged, is told again (once
    per flag, member and share, rev33a F5). The entry: `left` and `since` `now` (ms UTC),
    `inherited` (never "was NOT"), judged now. Pure: no I/O."""
    found: dict[str, dict[str, int]] = {}
    for flag_id, members in told.items():
        if flag_id in held or not isinstance(members, dict):
            continue
        for member, value in members.items():
            with contextlib.suppress(ValueError):
                account = bytes.fromhex(member)
                named = value.get("journal") if isinstance(value, dict) else None
                journals = [bytes.fromhex(named)] if isinstance(named, str) else list(owned)
                if any(_holds_again(state_of(j), account, value, now) for j in journals):
                    found[flag_id] = {"left": now, "since": now, "inherited": 1, "judged": now}
    return found


def _holds_again(state: AccessState | None, account: bytes, told: Any, now: int) -> bool:
    """Whether the account holds a share of the journal of `state` at `now` (ms UTC) other
    than the one the FLAGS_UNDELIVERED value `told` was told for (`_told_for`)."""
    current = state.member_by_account(account) if state is not None else None
    if state is None or current is None or current.ended(now):
        return False
    began = state.granted_at.get(current.handle, 0)
    if isinstance(told, dict) and isinstance(told.get("began"), int):
        return bool(told["began"] != began)
    end = told.get("end") if isinstance(told, dict) else told
    return isinstance(end, int) and began > end  # an older version's: began after that end


LOST_REPLY = "lost reply"
"""`SafetyPath._unanswered`: a push that carried the flag got no reply confirming it was
stored."""
STOPPED = "stopped"
"""`SafetyPath._unanswered`: a push that carried the flag left, and its answer was never
recorded here (the sync stopped, the program ended)."""


STALE_REFUSED_FLAG = (
    "as sealed under an old key of {journal}, while this device has verified no newer key of "
    "it: the server may be withholding one, or refusing it falsely"
)
"""`UndeliveredFlag.reason` (cause REFUSED) of a safety flag kept on this device as the
server refused its journal's changes as sealed under an old key (`stale_epoch`) with no
newer key verified here (`SafetyPath._refused_as_stale`, rev30c F7); `{journal}`: its name."""

FLAGS_WITHHELD_TOLD = "safety_flags_withheld_told"
"""The setting (JSON: flag id hex -> ms UTC, this device's clock) of the safety flags a sync
told as withheld (the server acknowledged them and has not served them back) and sent again
since: told once (`SafetyPath._send_withheld_again`); a flag served back leaves it."""


def _flag_ids(raw: Any) -> list[str]:
    """FLAGS_WITHHELD_UNTOLD, decoded: entries of another shape are dropped."""
    found = json.loads(raw) if isinstance(raw, str) else []
    return [f for f in found if isinstance(f, str)] if isinstance(found, list) else []


def _told_withheld(raw: Any) -> dict[str, int]:
    """FLAGS_WITHHELD_TOLD, decoded: entries of another shape are dropped."""
    found = json.loads(raw) if isinstance(raw, str) else {}
    if not isinstance(found, dict):
        return {}
    return {k: v for k, v in found.items() if isinstance(k, str) and isinstance(v, int)}


def _told_surely(told: Any) -> bool:
    """Whether a member's FLAGS_UNDELIVERED value says the flag surely was NOT delivered to
    them (`UndeliveredFlag.surely`): {"end": ms, "surely": bool}; an older version kept the
    end alone (ms), which says nothing of it: "may NOT"."""
    return isinstance(told, dict) and told.get("surely") is True


def _judged_since(entry: dict[str, int]) -> int | None:
    """When a FLAGS_SENT entry was first judged (ms UTC, this device's clock), None before;
    an older version marked it 1 without a time: from its `left` then."""
    judged = entry.get("judged")
    if judged is None:
        return None
    return judged if judged > 1 else entry.get("left", judged)


def _decoded(raw: Any) -> list[dict[str, Any]]:
    found = json.loads(raw) if isinstance(raw, str) else []
    return found if isinstance(found, list) else []


async def _change_watched(store: Store, change: Callable[[list[dict[str, Any]]], None]) -> None:
    """Read, change and write the list in one transaction (another process may change it)."""
    async with store.transaction() as tx:
        watched = _decoded(await tx.setting(FLAG_WATCH))
        change(watched)
        await tx.set_setting(FLAG_WATCH, json.dumps(watched))


def _key(entry: dict[str, Any]) -> str:
    """A watched answer's key in the list (`watch_answer`): its id, its journal, and whether
    it is a stored result's (a stopped questionnaire's answer and the result saved under its
    id later are two answers, each owed its flag)."""
    return f"{entry['id']} {entry['journal']} {'result' if entry.get('result') else 'stopped'}"


def _stops(entry: dict[str, Any]) -> list[dict[str, Any]]:
    """A watched answer (`watch_answer`) as the answers it stands for, the worst first: a
    result's is itself; a stopped questionnaire's is one answer per safety item and answer
    it was stopped at under its id, each at the latest time it was given then (an entry
    from before `stops` was kept: itself), so that a draft resumed under its id and
    stopped again is owed its flag from then, not from the first stop."""
    if entry.get("result") or not isinstance(entry.get("stops"), list):
        return [entry]
    found = [
        {**entry, "item": stop[0], "answer": stop[1], "at": stop[2]}
        for stop in entry["stops"]
        if isinstance(stop, list)
        and len(stop) == 3
        and all(isinstance(n, int) and not isinstance(n, bool) for n in stop)
    ]
    return sorted(found, key=lambda stop: -stop["answer"]) or [entry]


def _at_most(entry: dict[str, Any], least: tuple[int, int]) -> bool:
    """Whether a flag for the safety item and answer `least` stands for the watched answer
    `entry`: the same item, and an answer at least the entry's."""
    held = entry.get("answer")
    if not isinstance(held, (int, float)) or isinstance(held, bool):
        return False
    return bool(entry.get("item") == least[0] and held <= least[1])


def _known(entry: dict[str, Any]) -> set[str]:
    """The members a watched answer's device knew its flag was due to (`watch_answer`)."""
    known = entry.get("known")
    return {m for m in known if isinstance(m, str)} if isinstance(known, list) else set()


async def _cover(
    store: Store, event_id: str, journal_id: str, least: tuple[int, int], members: Iterable[str]
) -> None:
    """Note that a flag for the answer `event_id` in `journal_id` (hex), carrying the safety
    item and answer `least`, was sealed for `members` (account ids): it covers the answers
    with that id in that journal that it stands for (`_at_most`), not a worse one, nor one
    in another journal."""
    added = list(members)

    def cover(watched: list[dict[str, Any]]) -> None:
        for w in watched:
            if w["id"] == event_id and w["journal"] == journal_id and _at_most(w, least):
                w["covered"] = sorted({*w["covered"], *added})

    await _change_watched(store, cover)


async def _forget(store: Store, keys_gone: set[str]) -> None:
    """Drop answers no flag can ever be owed for (their journal or result is gone), by
    `_key`: a result never stored takes no stopped answer under its id with it."""

    def drop(watched: list[dict[str, Any]]) -> None:
        watched[:] = [w for w in watched if _key(w) not in keys_gone]

    await _change_watched(store, drop)


def _kept_since(document: Document | None, members: list[str] | None) -> dict[str, int] | None:
    """When each member of a new opt-in list was opted in: as the plan said, for one opted
    in already (a plan from before `flags_since`, or one an app from before it changed last:
    its `updated_at`, no earlier than their opt-in); the others are opted in now
    (safety.plan_update). With `members` None (the list is unchanged): the plan's members'
    times as they read now, rewritten with this change's `flags_stamp` so that a stale
    `flags_since` is never made current again; None when there is nothing to keep."""
    if document is None:
        return None
    before = plan_view(document, "")
    if members is None:
        if not before.share_flags or before.flag_members is None:
            return None
        found = {m: before.opted_in_at(m) for m in before.flag_members}
        return {m: at for m, at in found.items() if at is not None}
    if not before.share_flags:
        return {}
    kept = {}
    for member in members:
        at = before.opted_in_at(member)
        if at is not None:
            kept[member] = at
    return kept


def _reach_status(
    shares: Iterable[LocalShare],
    reached: Collection[str],
    named: Iterable[str],
    paused: Collection[str] = (),
) -> dict[str, str]:
    """Username -> "on" (in `reached`, `SafetyPath._members`), "read" (in `paused`, the
    second of `SafetyPath._reach`: opted in for this share, but holding the read role now), "earlier"
    (else, its account id in hex among `named`, the opt-in's members: given for an earlier
    share) or "off", for each member of `shares` (`SafetyPath.flags_reach`)."""
    ids = set(named)
    status = {}
    for share in shares:
        if share.member_name in reached:
            status[share.member_name] = "on"
        elif share.member_name in paused:
            status[share.member_name] = "read"
        elif share.member_id.hex() in ids:
            status[share.member_name] = "earlier"
        else:
            status[share.member_name] = "off"
    return status


def _opt_in_from(
    state: AccessState, account_id: bytes, handle: bytes, role: str | None = None
) -> int:
    """When the membership `handle` of `account_id` began, for the opt-in rule (an
    opt-in counts only if given at or after it): the `at` of its `granted` entry, or of an
    earlier membership's when each one between was closed by an owner device on the
    server's word that the member no longer is served (`removed` with `because`
    NOT_SERVED: they left, or a server said so), not by the client's revoke or an end date.
    The client ended nothing then: her opt-in stands for the share she restored, and only for
    one that restores it: an annotate membership after annotate ones (whether the
    earlier one ended by nobody's choice is the server's word, and a read-only member, who
    can never mark a flag as read, never gets flags carried to a share made without naming
    him; nor does a share made with another role). `role`: the role to decide for in place
    of the one the membership holds ("annotate" for a member who reads now: whether the
    opt-in would count once they annotate again, which seals nothing now)."""
    since = state.granted_at[handle]
    handles = state.handles.get(account_id, [])
    current = state.members.get(handle)
    held = role if role is not None else current.role if current is not None else None
    if handle not in handles or current is None or held != "annotate":
        return since
    for earlier in reversed(handles[: handles.index(handle)]):
        closed = state.not_served.get(earlier)
        if closed is None or earlier not in state.granted_at or closed[0].role != held:
            break
        since = state.granted_at[earlier]
    return since


@dataclass(frozen=True)
class _ShareEnd:
    """How a member's latest share of a journal ended (`_share_end`): `at` (ms UTC, the
    signing device's clock; for an end date, the date), `began` (when that share began:
    its membership's `granted_at`, which a renewal of a lapsed one moves: one share, one
    telling), and `signed` (False: an owner device removed them on the server's word, or is
    removing them: no owner's decision, never "was NOT delivered")."""

    at: int
    began: int
    signed: bool = True


def _share_end(state: AccessState, account_id: bytes, now: int) -> _ShareEnd | None:
    """How the account's latest share of the journal ended, by the chain this device
    verified and its clock `now` (ms UTC): removed by one of the owner's devices (an
    unshare: `AccessState.unshared`), its signed end date passed by `now` (whether or not an
    `ended` entry signs it yet: a server refusing the rotation delays nothing, rev33a F1), or
    removed by an owner device because the server stopped serving them
    (`AccessState.not_served`: they left, their account is gone, or the server says so:
    rev33a F2). The server's word only ever adds an end here, never takes one away. None while they hold a share, or never held one here."""
    current = state.member_by_account(account_id)
    if current is not None:
        began = state.granted_at.get(current.handle, 0)
        if current.ended(now):
            return _ShareEnd(current.expires_at, began)
        return None
    handles = state.handles.get(account_id, [])
    if not handles:
        return None
    latest = handles[-1]
    began = state.granted_at.get(latest, 0)
    if latest in state.unshared:
        return _ShareEnd(state.unshared[latest][1], began)
    if latest in state.ended:
        return _ShareEnd(state.ended[latest].expires_at, began)
    if latest in state.not_served:
        return _ShareEnd(state.not_served[latest][1], began, signed=False)
    return None


def _unserved_end(
    state: AccessState, account_id: bytes, unserved: Mapping[bytes, int]
) -> _ShareEnd | None:
    """The end of the account's current share of the journal of `state` when the server no
    longer serves them there and refuses the signed removal that would say so
    (`Replica.unserved_refused`: `unserved`, account id -> when first refused, ms UTC):
    they stopped reading on the server's word, never the owner's (`signed` False: "may NOT
    have been delivered", rev33d F3); the same share (its `began`) as the `removed` entry
    that ends it once the server stores it, so it is told once. None otherwise."""
    current = state.member_by_account(account_id)
    if current is None or account_id not in unserved:
        return None
    return _ShareEnd(unserved[account_id], state.granted_at.get(current.handle, 0), signed=False)


def _told_for(told: Any, end: _ShareEnd) -> bool:
    """Whether a member's FLAGS_UNDELIVERED value (`{"end", "surely", "began"}`; an older
    version's lacks "began", or is the end alone, ms) told the flag for the share `end`
    closed: once per flag, member and share (rev33a F5), so a renewed share that ends
    unacknowledged is told again."""
    if isinstance(told, dict) and isinstance(told.get("began"), int):
        return bool(told["began"] == end.began)
    at = told.get("end") if isinstance(told, dict) else told
    return isinstance(at, int) and at == end.at


def _told_in_full(told: Any) -> bool:
    """Whether a FLAGS_UNDELIVERED value names the share and journal it was told for."""
    return isinstance(told, dict) and isinstance(told.get("began"), int) and "journal" in told


def _restated(told: Any, end: _ShareEnd, journal: str) -> dict[str, int | bool | str]:
    """A FLAGS_UNDELIVERED value an older version kept (no "began", no "journal"), told for
    the share `end` closed in `journal` (hex), with them: `_shared_again` then looks at that
    journal's share alone, and a share of another journal never brings the flag back."""
    at = told.get("end") if isinstance(told, dict) else told
    at = at if isinstance(at, int) else end.at
    return {"end": at, "surely": _told_surely(told), "began": end.began, "journal": journal}


def _lapsed(state: AccessState, now: int) -> bytes:
    """The handles (sorted, joined) of the members of `state` whose signed end date passed
    by `now` (ms UTC) with no `ended` entry yet: part of what a flag was judged against, so
    that an end date passing is judged at once, whatever the server does with the rotation
    that would sign it (rev33a F1). Empty for most journals."""
    return b"".join(sorted(m.handle for m in state.members.values() if m.ended(now)))


def _annotating_since(state: AccessState, handle: bytes) -> int:
    """When membership `handle` began holding the annotate role it holds now (ms UTC): its
    `granted` entry's time, or the later time a `changed` entry gave that role back
    (AccessState.annotate_since). An answer owes that member a flag only when given at or
    after it, on the immediate path (`_reach`) and the late one (`_seal_missed`): no flag
    for a time they only read."""
    return max(state.granted_at.get(handle, 0), state.annotate_since.get(handle, 0))


def _annotating_members(state: AccessState) -> dict[str, tuple[str, int]]:
    """The members holding the annotate role now, by username: (account id hex, when they
    began holding it: `_annotating_since`), so that an answer owes a flag only to them, and
    only when given after they hold it again if a `changed` entry gave it back."""
    now = now_ms()
    return {
        m.who.username: (m.who.account_id.hex(), _annotating_since(state, m.handle))
        for m in state.members.values()
        if m.who is not None
        and not m.ended(now)
        and m.handle in state.granted_at
        and m.role == "annotate"
    }


@dataclass(frozen=True)
class _Reached:
    """A member a flag raised now reaches (`SafetyPath._reach`): `member` (account id hex),
    `since` (when the opt-in for them was given, ms UTC), `began` (when the membership that
    opt-in counts for began, `_opt_in_from`) and `floor` (`_annotating_since`)."""

    member: str
    since: int | None
    began: int
    floor: int

    def answered(self, at: int) -> bool:
        """Whether an answer given at `at` (ms UTC) owes them a flag: after the opt-in, the
        membership and its annotate role began (safety.answered_after)."""
        if self.since is None:
            return False
        return answered_after(at, self.since, self.began, 0) and self.floor <= at


@dataclass(frozen=True)
class _Reach:
    """Whom the opt-in of a journal reaches now, read once (`SafetyPath._reach`):
    `reached`, the members a flag raised now goes to (username -> `_Reached`); `paused`,
    the members it names for their current membership who hold the read role now
    (username -> account id hex)."""

    reached: dict[str, _Reached] = field(default_factory=dict)
    paused: dict[str, str] = field(default_factory=dict)

    def members(self, answered_at: int | None = None) -> dict[str, str]:
        """`reached` as username -> account id hex; with `answered_at` (ms UTC), only those
        an answer given then owes a flag (`_Reached.answered`)."""
        return {
            name: r.member
            for name, r in self.reached.items()
            if answered_at is None or r.answered(answered_at)
        }


LocalJournalOf = Callable[[str | None], Awaitable[LocalJournal]]
DisplayName = Callable[[LocalJournal], str]
DocumentOf = Callable[[str, str], Awaitable[tuple[LocalJournal, Document]]]


@dataclass(frozen=True)
class SafetyResponse:
    """What to show now (`lines`), and to whom a flag was sealed (`flagged_to`, usernames;
    those a flag for this result was sealed for earlier, at a sync, too). `no_flag`: when
    the client opted in and no flag was sealed, why, in words (also the last of `lines`), else None.

    The lines name no app's controls or commands; the facts an app may want to
    render as its own controls next to them are structured: `plan_missing` (True when the
    client has written no safety plan: one of `lines` says so; offer a way to write one,
    e.g. to `set_plan(plan=...)`), and `withheld_from` (usernames a flag did not reach
    because their share was made again since the client's opt-in: one of `lines` says so;
    `client.shares.grant(..., safety_flags=True)` names one again), and `reads_only`
    (usernames the opt-in names who hold the read role now by the verified access chain: no
    flag reaches them; one of `lines` says so; `client.shares.grant(..., role="annotate")`
    makes flags reach them again for answers from then on). Pass `SafetyHints` to `respond`
    to have the lines themselves say how, in the app's words."""

    lines: list[str]
    flagged_to: list[str]
    flag_id: str | None
    no_flag: str | None = None
    plan_missing: bool = False
    withheld_from: list[str] = field(default_factory=list)
    reads_only: list[str] = field(default_factory=list)
    not_chosen: list[str] = field(default_factory=list)
    """Usernames who read the journal now whom no flag reached because the client never
    chose to send them safety flags (not opted in): one of `lines` says so, so that a client
    sharing with a therapist does not believe a flag went to them."""
    copy_readers: list[str] = field(default_factory=list)
    """Usernames who read, now, only a copy of some fields of the journal (`tj share --only`,
    `client.shares.grant(..., only=[...])`), not the journal itself, by the verified access
    chains and this account's own sealed copy settings: a copy carries no safety flag,
    whatever the client chose, so none reached them; one of `lines` says so, naming the
    fields each reads."""


PLAN_WRITTEN = "plan written"
"""`TJError.subject` of the InvalidInput refusing to copy a safety plan into a journal that
has one of its own written (`SafetyPath.copy_plan`; `names`: "journal", "journal id"):
nothing was changed; confirmed with `replace_written=True`."""

PLAN_CHANGED = "plan changed"
"""`TJError.subject` of the InvalidInput refusing a change of a safety plan given an
`expected_version` (`SafetyPath.set_plan`, `copy_plan`) that is not the version of the plan
this device holds now (`SafetyPlan.version`: another device changed its number, crisis line
or text since the user was shown it; `names`: "journal", "journal id"): nothing was changed;
show the plan as it is now (`plan()`), then call again with its version once the user
confirms."""

PLAN_READERS = "plan readers"
"""`TJError.subject` of the ReadersToConfirm refusing to copy a safety plan into a journal
someone else reads (`SafetyPath.copy_plan`: `readers`, `journal`, `journal_id`; `names`:
"journal", "journal id", "readers"): its words would reach them; confirmed with
`to_readers=True`."""


def written(plan: SafetyPlan) -> bool:
    """Whether the owner (or an import) wrote something of `plan`: an emergency number, a
    crisis line of their own or text."""
    return bool(plan.emergency_number or plan.crisis_line or plan.plan.strip())


@checks_inputs
class SafetyPath:
    """`client.safety`: the safety message after a concerning answer, the client's safety
    plan and crisis line, and safety flags for the therapist (safety.py)."""

    def __init__(
        self,
        replica: Replica,
        local_journal: LocalJournalOf,
        display: DisplayName,
        document_of_kind: DocumentOf,
        copies: Callable[[], Mapping[bytes, Disclosure]] | None = None,
        journal_to_read: LocalJournalOf | None = None,
        plan_journal: Callable[[], Awaitable[LocalJournal | None]] | None = None,
        gone_default: Callable[[], Awaitable[LocalJournal | None]] | None = None,
    ) -> None:
        """`copies`: this account's field-level copies with a member whose share has not
        ended, by journal id (`Sharing.live_mirrors`), read to name who reads only such a
        copy of a journal (`SafetyResponse.copy_readers`); None: nobody is named so.
        `journal_to_read`: the journal a call naming none reads its plan, history and flags
        in and seals a flag without a score in (`Context.journal_to_read`: an older
        account's adopted default journal too, while a write naming none is refused);
        None: `local_journal`'s. `plan_journal`: the journal whose plan a journal with none
        borrows (`Context.plan_journal`); None: `journal_to_read`'s default journal, if any.
        `gone_default`: the read-only copy kept here of the default journal the server no
        longer lists (`Context.gone_default`); None: no such copy is looked for."""
        self._replica = replica
        self._plan_journal = plan_journal
        self._gone = gone_default
        self._store = replica.store
        self._local_journal = local_journal
        self._journal_to_read = journal_to_read or local_journal
        self._display = display
        self._document_of_kind = document_of_kind
        self._copies = copies
        self._checked: tuple[tuple[int, int] | None, tuple[tuple[bytes, int], ...]] | None = None
        """The store version and chain lengths `_seal_missed` last found nothing owed at."""
        self.sent_noted = False  # a flag sealed by this process waits in FLAGS_SENT
        self._judgement: _Judgement | None = None  # what `_undelivered` told, to record
        self._withheld_told: dict[str, int] | None = None  # FLAGS_WITHHELD_TOLD, to record
        self._withheld_found: list[str] = []  # told WITHHELD by the last `_send_withheld_again`
        self._untold_read: list[str] = []  # FLAGS_WITHHELD_UNTOLD this report told: cleared
        # from it once the report is handed (`_handed_undelivered`)
        self._unflagged: list[UnflaggedAnswer] = []  # told by the sync that found them (F11)
        # their members by answer (watched entry id -> account ids hex), written as `told`
        # only once the sync's report is handed to the app (`_handed`)
        self._untold: dict[str, list[str]] = {}

    # --- the plan -----------------------------------------------------------------------------

    async def plan(self, journal: str | None = None) -> SafetyPlan:
        """The safety plan of a journal (None: the default journal), as its owner wrote it
        (`updated_at` UTC); an empty one if none was written. Works offline. None reads an older
        account's default journal, kept from before this version, even while writes naming
        none are refused (protocol.md 4.16). Raises NotFound for an unknown journal. `flags_reach`
        names who a flag raised now would reach, `not_opted_in` the members it would not, `opted_in_earlier` those of them the opt-in names for an earlier share
        only (as `flags_reach` says "earlier")."""
        local = await self._journal_to_read(journal)
        found = await self._plan_document(local)
        display = self._display(local)
        plan = plan_view(found, display) if found is not None else SafetyPlan(display)
        plan = replace(plan, journal_id=local.journal_id.hex())
        member = await self._member_line(local)
        if member is not None:  # shown or not (the owner's own outranks it): seen (NU74 F7)
            plan = replace(plan, member_crisis_line=member[0], member_crisis_line_set_by=member[1])
        own = (plan.crisis_line, None) if plan.crisis_line else None
        # a member's line outranks one an import wrote, here as in a journal borrowing it
        in_use = (member or own) if plan.imported else (own or member)
        if in_use is not None:  # the line the safety message shows, and who set it
            plan = replace(plan, crisis_line_in_use=in_use[0], crisis_line_set_by=in_use[1])
        borrowed = await self._borrowed(local, plan)
        if borrowed is not None:  # the plan the safety message shows here (`_shown_for`)
            other_journal, other = borrowed
            plan = replace(
                plan,
                shown_from=self._display(other_journal),
                shown_emergency_number=other.emergency_number,
                # a member's line set here outranks an imported plan's (`_line_over`)
                shown_crisis_line=None if other.imported and in_use else other.crisis_line,
                shown_plan=other.plan,
                shown_imported=other.imported,
            )
        if local.role != "owner":
            return plan
        found_reach = await self._reach(local, plan) if plan.share_flags else _Reach()
        reach, paused = found_reach.members(), found_reach.paused
        shares = await self._current_shares(local)
        members = {s.member_name for s in shares}
        readers = members - reach.keys() - (await self._annotators(local)).keys()
        if plan.share_flags:
            status = _reach_status(shares, reach, plan.flag_members or (), paused)
            plan = replace(
                plan,
                flags_reach=tuple(sorted(reach)),
                not_opted_in=tuple(sorted(members - reach.keys())),
                opted_in_earlier=tuple(sorted(n for n, s in status.items() if s == "earlier")),
                opted_in_reads_only=tuple(sorted(paused)),
            )
        return replace(plan, reads_only=tuple(sorted(readers)))

    async def flags_reach(self, journal: str | None = None) -> dict[str, str]:
        """Whether a safety flag raised now in a journal this account owns (default
        Personal) is sealed for each member it is shared with now, username -> "on" (the
        opt-in names them for their current share, and they hold the annotate role), "read"
        (the opt-in names them for their current share, but they hold the read role now: a
        member who only reads could never mark a flag as read, so none is sealed for them;
        the opt-in stands, and flags reach them again once they hold the annotate role
        again, for answers given from then on), "earlier" (the opt-in names them, but was
        given for an earlier share of theirs, ended since: it counts for none, until
        `set_plan(share_flags=True, flags_for=...)` names them again) or "off" (never opted
        in, or withdrawn). Decided as a flag is sealed (`respond`): from the owner's signed
        plan and the journal's verified access chain on this device, never from the server
        (`tj share --full` and `tj shares` say it). Works offline. Empty for a
        journal of another account or one shared with nobody. Raises NotFound for an unknown
        journal."""
        local = await self._journal_to_read(journal)
        if local.role != "owner":
            return {}
        return await self._flags_reach_of(local)

    async def _flags_reach_kept(self, journal: str) -> dict[str, str]:
        """`flags_reach` of one of this account's journals (by id, hex), also of a
        read-only copy kept of one the server no longer serves (withheld, or deleted on
        another device): what its last verified chain and signed plan held, whom its flags
        reached until the server stopped serving it (`Journals.set_default`'s question,
        rev29a F5). Empty for a journal of another account."""
        local = await self._journal_to_read(journal)
        if local.owner_id != self._replica.profile.account_id or local.role not in (
            "owner",
            REVOKED,
        ):
            return {}
        return await self._flags_reach_of(local)

    async def _flags_reach_of(self, local: LocalJournal) -> dict[str, str]:
        """`flags_reach` of `local`, whatever its role."""
        found = await self._plan_document(local)
        plan = plan_view(found, self._display(local)) if found is not None else None
        if plan is None or not plan.share_flags:
            return _reach_status(await self._current_shares(local), {}, ())
        reach = await self._reach(local, plan)
        return _reach_status(
            await self._current_shares(local),
            reach.members(),
            plan.flag_members or (),
            reach.paused,
        )

    async def set_plan(
        self,
        *,
        journal: str | None = None,
        emergency_number: str | None = None,
        crisis_line: str | None = None,
        plan: str | None = None,
        share_flags: bool | None = None,
        flags_for: str | Sequence[str] | None = None,
        expected_version: str | None = None,
    ) -> SafetyPlan:
        """Write the parts given (None leaves a part as it is; "" clears a number). Only the
        journal's owner writes its plan. `share_flags=True` is the client's opt-in: a safety
        item answered above 0 in this journal then seals a flag for the members it names.
        Without `flags_for`, a journal not opted in (never, or withdrawn) is opted in for
        every member it is shared with now with the annotate role (a member who only reads
        could never mark a flag as read: never opted in); an opt-in given already is left as it is,
        whatever else the call changes, even one that names no member yet (a plain opt-in sent with
        another edit never consents for a member the client left out). No change that does not name
        members changes whom flags reach: one to a plan from before per-member opt-in lists the
        members its opt-in reached, at its time. `flags_for` (a member's username, or a list of
        them) is the explicit way to widen it: those members are added to the ones opted in before,
        from now (what `tj share --safety-flags` does for one, and `tj safety plan --share-flags`,
        after naming them and asking, for `would_opt_in`'s). A later member gets no flag without its
        own opt-in, and an opt-in given for an earlier share of a member counts for none until that
        member is named again. `share_flags=False` clears the opt-in. Works offline; returns the
        plan as written.

        Raises NotFound for an unknown journal or a `flags_for` member it is not shared with
        now; InvalidInput for a `flags_for` member who reads it with the read role (nothing
        is changed), an `emergency_number` no one could dial (no digit, or a character
        other than a digit, a space and + - . ( ) / * #: `safety.number_problem`; nothing
        is changed), `flags_for` without `share_flags=True`, a `plan` over 10,000
        characters or a number or crisis line over 300 (Python characters, i.e. code points;
        safety.MAX_PLAN, MAX_CONTACT); AccessError when this account does not own the journal;
        RollbackError (an IntegrityError) while the journal's access chain on this device is rolled back or unverified;
        InvalidInput (subject PLAN_CHANGED, `names` {"journal": its name, "journal id"}) when
        `expected_version` is given and is not the `version` of the plan this device holds
        now (nothing is changed).

            await client.safety.set_plan(emergency_number="112", plan="Call Sam", share_flags=True)
            await client.safety.set_plan(share_flags=True, flags_for=["drsmith", "tom"])

        A change to the emergency number, crisis line or text makes the plan the owner's own
        (`SafetyPlan.imported` False), one an import wrote too.

        It changes the plan as this device holds it: a new text written over a copy older
        than another device's change is merged with that change at the next sync, never
        replacing it: the text is replaced whole (never word by word), so both texts are kept
        whole, one after the other, and `SyncReport.merged_texts` says it merged; an
        emergency number or crisis line both devices changed keeps one value everywhere, and
        the device whose value lost is told (`SyncReport.settled`: the value kept and its
        own, which `history` keeps). To replace the plan
        as it is now, sync first (`client.sync()`, as `tj safety plan` does with one quick
        try), compare `plan()`'s `emergency_number`, `crisis_line` and `plan` before and
        after, and show the user a plan another device changed meanwhile before writing
        over it; `copy_plan` the same. `expected_version` makes that safe against every
        race: pass the `version` of the plan the user was shown (`plan().version`, after the
        sync), and the change is refused (subject PLAN_CHANGED) when the plan held here is
        no longer that one (a sync, of this program or another on this device, brought a
        change meanwhile); None: not checked. A plan with nothing written (no number, line or
        text) has a version too: `plan().version` of the empty plan.
        """
        refused = None if emergency_number is None else number_problem(emergency_number)
        if refused is not None:  # "call abc" in the safety message (nu80 F4)
            raise InvalidInput(
                f"{quoted_name(emergency_number or '')} is not an emergency number: {refused}; "
                f"{NUMBER_HOLDS}: nothing was changed",
                situation=f"{quoted_name(emergency_number or '')} is not an emergency number",
                subject=BAD_VALUE,
            )
        return await self._write_plan(
            journal,
            emergency_number,
            crisis_line,
            plan,
            share_flags,
            flags_for,
            imported=False,
            expected_version=expected_version,
        )

    async def _import_plan(
        self, journal: str, emergency_number: str | None, crisis_line: str | None, plan: str
    ) -> SafetyPlan:
        """`set_plan` for an import (portability.restore_plan): the plan written is marked
        `imported` (owner-signed, in the plan document), so that the safety message of another
        journal borrowing it lets the owner's own plan and a member's crisis line outrank it
        (`_shown_for`)."""
        return await self._write_plan(
            journal, emergency_number, crisis_line, plan, None, None, imported=True
        )

    async def copy_plan(
        self,
        source: str,
        *,
        journal: str | None = None,
        replace_written: bool = False,
        to_readers: bool = False,
        expected_version: str | None = None,
    ) -> SafetyPlan:
        """Copy the safety plan written in `source` (one of this account's journals, by name or
        id) into `journal` (None: the default journal): its emergency number, its own crisis
        line (not a line a therapist set there) and its text, so that the safety message reads
        it there. The one step that makes a plan an import put in "Personal (imported)" the
        plan every journal with none of its own shows, which reads only the default journal's
        (`message`, `ImportReport.plans_alone`). The copy keeps `imported` as the source has
        it: a plan an import wrote, copied unchanged, is still the import's (a crisis line a
        member set in a journal borrowing it outranks it, as for any imported plan); a plan
        the owner wrote by hand is copied as theirs. The safety-flag opt-in is never copied:
        consent names the members of one journal. Works offline; returns the plan as written.

        Raises NotFound for an unknown journal; AccessError when this account does not own
        `journal`; InvalidInput (subject BAD_VALUE) when `source` is `journal` itself, or
        another account's journal, or has no plan written (no number, line or text);
        InvalidInput (subject PLAN_WRITTEN, `names` {"journal": its name, "journal id"}) when
        `journal` has a plan of its own written (a number, line or text) and not
        `replace_written`: nothing is changed, the written plan is never overwritten unasked;
        ReadersToConfirm (subject PLAN_READERS: `readers`, `journal`, `journal_id`) when
        `journal`'s access chain verified on this device shows someone else reads it (what
        is written next reaches them: `readers.journal_readers`) and not `to_readers`: the
        plan's words would reach them; tell the user who, ask, then call again with
        `to_readers=True`; InvalidInput (subject PLAN_CHANGED, as `set_plan`'s) when
        `expected_version` is given and is not the `version` of `journal`'s plan held here
        now (pass the version of the plan the user was shown replaced: `set_plan` says
        why). Nothing is read from a server answer.

            await client.safety.copy_plan("Personal (imported)")  # into the default journal
        """
        from client_sdk.errors import ReadersToConfirm
        from client_sdk.readers import journal_readers, reader_names

        origin = await self._journal_to_read(source)
        target = await self._local_journal(journal)
        me = self._replica.profile.account_id
        if origin.journal_id == target.journal_id:
            raise InvalidInput(
                f"{quoted_name(self._display(target))} is the journal to copy into: name "
                "another journal to copy its safety plan from",
                subject=BAD_VALUE,
            )
        if origin.owner_id != me:
            raise InvalidInput(
                f"{quoted_name(self._display(origin))} is not one of your journals: only a "
                "safety plan you wrote is copied",
                subject=BAD_VALUE,
            )
        found = await self._plan_document(origin)
        copied = plan_view(found, self._display(origin)) if found is not None else None
        if copied is None or not written(copied):
            raise InvalidInput(
                f"{quoted_name(self._display(origin))} has no safety plan written: nothing to copy",
                subject=BAD_VALUE,
            )
        held = await self._plan_document(target)
        there = plan_view(held, self._display(target)) if held is not None else None
        name, ident = self._display(target), target.journal_id.hex()
        if there is not None and written(there) and not replace_written:
            raise InvalidInput(
                f"{quoted_name(name)} has a safety plan of its own written: nothing was "
                "changed. To replace it with the one copied, confirm that you mean it",
                subject=PLAN_WRITTEN,
                situation=f"{quoted_name(name)} has a safety plan of its own written",
                names={"journal": name, "journal id": ident},
            )
        await self._replica.fresh_access()  # another program may have verified a share
        state = self._replica.chains.state(target.journal_id)
        readers = journal_readers(state, now_ms(), ended=False, viewer=me)  # who receives it next
        if readers and not to_readers:
            who = and_words(reader_names(readers))
            situation = (
                f"{quoted_name(name)} is read by {who}: the safety plan copied there, its "
                "numbers and its text, would reach them"
            )
            raise ReadersToConfirm(
                f"{situation}. Nothing was changed: confirm that you mean it",
                subject=PLAN_READERS,
                situation=situation,
                journal=target.name,
                journal_id=ident,
                readers=tuple(readers),
                names={"journal": target.name, "journal id": ident, "readers": who},
            )
        return await self._write_plan(
            journal,
            copied.emergency_number or "",  # "" clears a number the copy does not set
            copied.crisis_line or "",
            copied.plan,
            None,
            None,
            imported=copied.imported,
            expected_version=expected_version,
        )

    async def _write_plan(
        self,
        journal: str | None,
        emergency_number: str | None,
        crisis_line: str | None,
        plan: str | None,
        share_flags: bool | None,
        flags_for: str | Sequence[str] | None,
        *,
        imported: bool,
        expected_version: str | None = None,
    ) -> SafetyPlan:
        """`set_plan`, writing `imported` with any part it writes (safety.plan_update);
        refused (PLAN_CHANGED) when `expected_version` is given and is not the version of
        the plan held now."""
        local = await self._local_journal(journal)
        document = await self._plan_document(local)
        if expected_version is not None:
            name = self._display(local)
            held = plan_view(document, name) if document is not None else SafetyPlan(name)
            if plan_version(held) != expected_version:
                raise InvalidInput(
                    f"The safety plan of {quoted_name(name)} changed since the version given "
                    "(another device's change, synced here): nothing was changed. Show it "
                    "as it is now, then write over it with its version once the user agrees",
                    subject=PLAN_CHANGED,
                    situation=f"The safety plan of {quoted_name(name)} changed since the "
                    "version given",
                    names={"journal": name, "journal id": local.journal_id.hex()},
                )
        flag_members, named = await self._opted_in(local, document, share_flags, flags_for)
        flags_since = _kept_since(document, flag_members)
        if share_flags and flags_since and named:
            # An opt-in given before the member's current membership began counts for none:
            # this call opts in again the members it names, from now; another member's old
            # time is kept, counting for none (opting in tom never re-consents drsmith,
            # re-shared without flags; nor does a plain opt-in).
            began = self._granted_at(local)
            flags_since = {
                m: at
                for m, at in flags_since.items()
                if m not in named or m not in began or at >= began[m]
            }
        creating = document is None
        if document is None:
            document = Document(keys.new_doc_id(self._replica.profile.account_id), SAFETY_PLAN)
        text_before = document.text("plan")
        before = {} if creating else plan_settling_values(document)
        update = plan_update(
            document,
            now_ms(),
            emergency_number=emergency_number,
            crisis_line=crisis_line,
            plan=plan,
            share_flags=share_flags,
            flag_members=flag_members,
            flags_since=flags_since,
            creating=creating,
            imported=imported,
        )
        # the fields this change set, read before the commit merges what is stored
        # meanwhile (a sync's): another device's values are never kept as this device's
        changed = changed_values(before, plan_settling_values(document))
        made = plan_settling_values(document) if creating else {}
        if share_flags is None:  # not given: the opt-in's default, off
            made.pop("share_flags", None)
        given = created_values(made)  # the values given, its history's first lines
        text_written = document.text("plan")  # this change's plan text, not the merged one
        wrote_text = not creating and text_written != text_before
        doc_id = document.doc_id
        content = (emergency_number, crisis_line, plan) != (None, None, None)
        version = plan_version(plan_view(document, self._display(local)))

        async def remember(tx: Transaction) -> None:  # in the change's own transaction
            # the fields it changed, as an entry's edit keeps them (settling.py): a sync in
            # which another device's change replaces one says so, and `history` keeps it
            # and the plan text it wrote: a sync merging another device's text says so
            at = now_ms()
            await tx.remember_edit(doc_id, changed, text_written if wrote_text else None, at)
            await tx.remember_creation(doc_id, given, at)  # the values it was made with
            if content:  # what it wrote: the version a next change compares with
                shown = _shown_versions(await tx.setting(PLANS_SHOWN))
                shown[local.journal_id.hex()] = version
                await tx.set_setting(PLANS_SHOWN, json.dumps(shown))

        await self._replica.commit(local, document, update, also=remember)
        return plan_view(document, self._display(local))

    async def mark_shown(self, plan: SafetyPlan) -> None:
        """Keep on this device that the user was shown `plan` (as `plan()` gave it, its
        `journal_id` set): its version (`safety.plan_version`) is the one `last_shown` gives
        until this device shows or writes another. `set_plan`, `copy_plan` and an import
        keep what they write themselves. What an app calls once it showed the plan, so that
        a change it makes later is compared with what the user saw (`last_shown`), whatever
        syncs ran in between. Works offline. Raises nothing for a plan with no
        `journal_id` (nothing is kept)."""
        if not plan.journal_id:
            return
        async with self._store.transaction() as tx:
            shown = _shown_versions(await tx.setting(PLANS_SHOWN))
            shown[plan.journal_id] = plan_version(plan)
            await tx.set_setting(PLANS_SHOWN, json.dumps(shown))

    async def last_shown(self, journal: str | None = None) -> str | None:
        """The version (`safety.plan_version`) of the safety plan of a journal (None: the
        default journal) this device last showed (`mark_shown`) or wrote (`set_plan`,
        `copy_plan`, an import); None when it did neither (since this version). Before a
        change that replaces the plan's number, crisis line or text: sync, then compare
        `plan_version(await plan(journal))` with it; a difference is a change made on
        another device that this device's user has not seen, to show before writing over
        it (`tj safety plan` asks "plan changed"). Works offline. Raises NotFound for an
        unknown journal."""
        local = await self._journal_to_read(journal)
        shown = _shown_versions(await self._store.setting(PLANS_SHOWN))
        return shown.get(local.journal_id.hex())

    async def history(self, journal: str | None = None) -> list[FieldWrite]:
        """The values this device wrote to the safety plan of a journal (None: the default journal):
        its emergency number, crisis line and safety-flag opt-in (fields "emergency_number",
        "crisis_line", "share_flags"), oldest first: those given when the plan was first written
        here (kept from this version on: an older plan's history begins with its first change), then
        each change's, also those another device's concurrent change replaced (`SyncReport.settled`
        says when that happens, naming the value kept here). Other devices' values are not in it,
        nor the plan's text (merged, told by `SyncReport.merged_texts`). [] when no plan was
        written. Works offline. Raises NotFound for an unknown journal."""
        local = await self._journal_to_read(journal)
        found = await self._plan_document(local)
        if found is None:
            return []
        return await self._store.history(found.doc_id, SAFETY_PLAN)

    async def would_opt_in(self, journal: str | None = None) -> list[str]:
        """The usernames `set_plan(share_flags=True, flags_for=...)` would newly opt in to safety
        flags in a journal (None: the default journal): the members it is shared with now with the
        annotate role, by this device's verified access chain (never one who only reads), whom a
        flag raised now would not reach (no opt-in for them, or one given for an earlier share of
        theirs), sorted. For a journal not opted in (never, or withdrawn), what a plain
        `set_plan(share_flags=True)` opts in. What `tj safety plan --share-flags` names and asks
        about first. Works offline. Raises NotFound for an unknown journal; AccessError when this
        account does not own it."""
        local = await self._journal_to_read(journal)
        if local.role != "owner":
            raise AccessError(f"only the owner of {local.name} opts in to safety flags")
        found = await self._plan_document(local)
        plan = plan_view(found, "") if found is not None else SafetyPlan("")
        reached = await self._members(local, plan) if plan.share_flags else {}
        return sorted((await self._annotators(local)).keys() - reached.keys())

    async def _annotators(self, local: LocalJournal) -> dict[str, str]:
        """The members who read `local` now with the annotate role, username -> account id
        (hex), by its verified access chain (owner-signed): the only members an opt-in can
        name. A member who only reads could never mark a flag as read, so the client would
        never know it was seen (`tj share --safety-flags` needs --role annotate, and
        `--share-flags` never opts in a read-only member)."""
        state = self._replica.chains.state(local.journal_id)
        if state is None:
            return {}
        now = now_ms()
        roles = {
            m.who.account_id: m.role
            for m in state.members.values()
            if m.who is not None and not m.ended(now)
        }
        return {
            s.member_name: s.member_id.hex()
            for s in await self._current_shares(local)
            if roles.get(s.member_id) == "annotate"
        }

    async def _opted_in(
        self,
        local: LocalJournal,
        document: Document | None,
        share_flags: bool | None,
        flags_for: str | Sequence[str] | None,
    ) -> tuple[list[str] | None, set[str]]:
        """The members (account ids, hex) the opt-in is for after this change (None: as is),
        and those this change names, to opt in from now.

        A plan from before per-member opt-in (`share_flags` true, no `flag_members`: "every
        member, as then") is made explicit by any change that keeps the opt-in: the members
        its old opt-in reaches now (opted in at its `updated_at`, for their current
        membership), each keeping that time (`_kept_since`), never a member shared with
        since (an emergency-number edit moved `updated_at`, every legacy member's
        opt-in time, to now, opting in every member shared with since)."""
        if share_flags is None and flags_for is not None:
            raise InvalidInput("flags_for goes with share_flags=True", subject=BAD_VALUE)
        if share_flags is False:
            return [], set()
        before = plan_view(document, "") if document is not None else None
        opted_in = before is not None and before.share_flags
        if before is not None and opted_in and before.flag_members is None:
            # as then: also a member it reaches but for the read role they hold now, whose
            # opt-in stands (it counts again with the annotate role)
            reach = await self._reach(local, before)
            opted = sorted({*reach.members().values(), *reach.paused.values()})
        elif before is not None and opted_in:
            opted = list(before.flag_members or ())
        else:
            opted = []
        if share_flags is None:
            legacy = before is not None and opted_in and before.flag_members is None
            return (opted if legacy else None), set()
        current = {s.member_name: s.member_id.hex() for s in await self._current_shares(local)}
        annotators = await self._annotators(local)  # only they can be opted in
        if flags_for is None:
            if opted_in:
                # as it is, whomever it names, no one included (a plain
                # opt-in re-sent with an edit never consents for a member shared with since);
                # each member's time kept (`_kept_since`)
                return sorted(set(opted)), set()
            return sorted(annotators.values()), set(annotators.values())
        names = [flags_for] if isinstance(flags_for, str) else list(flags_for)
        for name in names:
            if name not in current:
                raise NotFound(f"{local.name} is not shared with {name}")
            if name not in annotators:
                raise InvalidInput(
                    f"{name} only reads {local.name}: a member who only reads could never mark "
                    "a safety flag as read, so none is sealed for them; share with them with "
                    "the annotate role first (nothing was changed)",
                    subject="refused",
                )
        named = {current[name] for name in names}
        return sorted({*opted, *named}), named

    async def _plan_document(self, local: LocalJournal) -> Document | None:
        """The journal's plan written by its owner (the latest, if two devices each made one)."""
        plans = [
            stored_document(s)
            for s in await self._documents(local, SAFETY_PLAN)
            if await self._creator(s) == local.owner_id
        ]
        return max(plans, key=lambda d: (plan_view(d, "").updated_at or 0, d.doc_id), default=None)

    async def set_crisis_line(self, journal: str, text: str) -> None:
        """A therapist (annotate role) sets the crisis line (1 to 300 characters) shown to the
        client when the client has not set their own; one the owner writes here is ignored
        (the owner uses `set_plan(crisis_line=...)`). Works offline. Raises NotFound for an
        unknown journal, InvalidInput for an empty text or one over 300 characters,
        AccessError for a read-only member, RollbackError (an IntegrityError) while the journal's access chain on this device is rolled back or unverified."""
        local = await self._local_journal(journal)
        document = Document(keys.new_doc_id(self._replica.profile.account_id), CRISIS_LINE)
        await self._replica.commit(local, document, crisis_line_update(document, text, now_ms()))

    async def crisis_line(self, journal: str | None = None) -> str | None:
        """The crisis line for the safety message: the client's own, else the latest one an
        annotating member set, else None (the message then names the defaults of
        client_sdk/data/safety.json). Works offline. Raises NotFound for an unknown journal."""
        found = await self._crisis_line_and_author(journal)
        return found[0] if found else None

    async def _crisis_line_and_author(self, journal: str | None) -> tuple[str, str | None] | None:
        """The crisis line and, for one a member set, that member's name (from the record's
        signature); None when none is set."""
        own = await self.plan(journal)
        if own.crisis_line_in_use is None:
            return None
        return own.crisis_line_in_use, own.crisis_line_set_by

    async def _member_line(self, local: LocalJournal) -> tuple[str, str] | None:
        """The latest crisis line a member set in `local` who holds the annotate role in it
        now, by its verified access chain (never a server's word), and that member's name
        (from the record's signature); None when none did. A line dated more than
        CLOCK_SKEW_MS ahead of this device's clock is left out: its date is the member's
        word, and one dated in the year 9999 outranked every later line, a removed member's
        included, for good."""
        now = now_ms()
        state = self._replica.chains.state(local.journal_id)  # any device's, a member's too
        annotating = {
            member.account_id
            for member in (state.members.values() if state is not None else ())
            if member.role == "annotate" and not member.ended(now) and member.account_id
        }
        lines = []
        for stored in await self._documents(local, CRISIS_LINE):
            view = crisis_line_view(stored_document(stored))
            creator = await self._creator(stored)
            if (
                view is not None
                and creator in annotating
                and creator != local.owner_id
                and view[0] <= now + CLOCK_SKEW_MS
            ):
                lines.append((*view, creator))
        if not lines:
            return None
        _, text, author = max(lines)
        return text, await self._name(local, author)

    # --- responding to a safety item ----------------------------------------------------------

    async def respond(
        self, result: MeasureResult, *, hints: SafetyHints = NO_HINTS, synced: bool = True
    ) -> SafetyResponse:
        """The safety message for `result`, after sealing a flag for the journal's members if
        the client opted in (`set_plan(share_flags=True)`) and owns the journal.

        An app MUST call this right after `client.measures.take` returns a result with
        `safety_concern=True` (a safety item, PHQ-9 item 9, answered above 0: the
        instrument's `safety_items` in client_sdk/data/instruments/), and show `lines` on this
        device at once, before anything else. The message's order (emergency number, crisis
        line, own plan) follows Stanley & Brown 2012, cited in client_sdk/data/safety.json. Nothing else shows the message or raises the flag; nobody monitors
        flags in real time, and the message says so. Works offline (a flag reaches members at
        the next sync); for a result without a concern it returns the message without a flag.

            taken = await client.measures.take("phq9", answers)
            if taken.result.safety_concern:
                response = await client.safety.respond(taken.result)
                show(response.lines)

        `hints` (safety.SafetyHints): how this app says to write a safety plan or to name a
        member again for flags, added to those lines; without it they name no app's controls
        (`SafetyResponse.plan_missing` / `withheld_from` give the same facts, structured).
        `synced`: pass False when this device tried to sync just before and could not (the
        line about the plan then says the plan on this device may be out of date, never that
        there is none; the line about a flag sealed says it has NOT left this device yet,
        never that members see it at their next sync). The emergency number, crisis line and
        plan text shown come from one plan: the journal's, with its own crisis line, else the
        one a member set there; or, when its owner wrote nothing of it, in a journal the
        client owns, the default journal's plan (never another journal's: no server's
        listing picks it): one the client wrote by hand with its own crisis line before a
        member's set in the journal, one an import wrote (`SafetyPlan.imported`) with a
        member's line set in the journal before its own (an imported plan never outranks the
        therapist's line). When the default journal is not on this device (no read-only copy
        of it either), the line about the plan says its plan cannot be shown, never "not
        written" (`hints.choose_default`). A journal of another account never borrows this
        account's plan; never one plan's text with another's numbers.

        Raises NotFound when the result's journal is no longer on this device (e.g. a share
        that ended), RollbackError (an IntegrityError) while the journal's access chain on this device is rolled back or unverified (only when a flag is to be sealed)."""
        local = await self._local_journal(result.journal_id)
        plan = await self.plan(result.journal_id)
        emergency, crisis_line, text = await self._shown_for(local, plan)
        flagged_to: list[str] = []
        flag_id = None
        no_flag = withheld = None
        withheld_from: list[str] = []
        reads_only: list[str] = []
        if result.safety_concern and plan.share_flags and local.role == "owner":
            answered = round(result.taken_at.timestamp() * 1000)
            reach = await self._reach(local, plan)
            members = reach.members(answered)
            flagged_to = sorted(members)
            chosen = find_instrument(result.measure)
            item = next(n for n in chosen.safety_items if (result.answers or ())[n - 1] > 0)
            # a flag sealed for this id without a score (`respond_to_answer`) covers the
            # result only when it said as much: a worse answer since gets its own flag
            least = (item, (result.answers or ())[item - 1])
            covered = await self._covered(local, result.id, result.id, least)
            due = sorted(m for m in members.values() if m not in covered)
            if due:  # not twice: a sync may have sealed one for this result already
                flag_id = await self._raise_flag(local, result, due)
                await _cover(self._store, result.id, local.journal_id.hex(), least, due)
            withheld_from, reads_only = await self._withheld(local, plan, reach)
            withheld = self._withheld_text(local, withheld_from, reads_only, hints)
            if not flagged_to:
                no_flag = await self._no_flag(local, plan, reach, answered, withheld)
        not_chosen: list[str] = []
        copy_readers: list[tuple[str, tuple[str, ...] | None]] = []
        elsewhere = None
        if result.safety_concern and local.role == "owner":
            not_chosen = await self._not_chosen(local, plan)
            copy_readers = await self._copy_readers(local)
            told = {*flagged_to, *withheld_from, *reads_only, *not_chosen}
            elsewhere = await self._elsewhere(local, told, copy_readers)
        lines = message_lines(
            emergency,
            crisis_line,
            text,
            flagged_to,
            no_flag,
            withheld,
            hints,
            not_chosen_line(self._display(local), not_chosen) if not_chosen else None,
            synced,
            copy_only=await self._copy_only(local, copy_readers, hints),
            plan_not_loaded=None if text.strip() else await self._plan_not_loaded(local, hints),
            elsewhere=elsewhere,
        )
        return SafetyResponse(
            lines,
            flagged_to,
            flag_id,
            no_flag,
            not text.strip(),
            withheld_from,
            reads_only,
            not_chosen,
            [name for name, _ in copy_readers],
        )

    async def _due_now(self, local: LocalJournal, answered_at: int) -> list[str]:
        """The members (account ids, hex) a flag for a safety item answered above 0 at
        `answered_at` (ms UTC) in `local` is due to by what this device verified now (the
        owner's plan and the journal's access chain), as `respond` would seal it; none
        when the client did not opt in, does not own the journal, or its chain is not
        verified. Raises only a store error."""
        if local.role != "owner":
            return []
        try:
            plan = await self.plan(local.journal_id.hex())
            if not plan.share_flags:
                return []
            reach = await self._reach(local, plan)
        except (IntegrityError, AccessError, NotFound):
            return []
        return sorted(reach.members(answered_at).values())

    async def message(
        self, journal: str | None = None, *, hints: SafetyHints = NO_HINTS, synced: bool = True
    ) -> list[str]:
        """The safety message for a journal (None: the default journal), line by line, without
        sealing anything: what an app shows the moment a safety item is answered above 0, before the
        questionnaire is finished (the person may not finish it). `respond` is still called with the
        result once there is one (with the same `hints`, as for `respond`, so its lines match
        these). `synced` and the plan shown as for `respond`. With no journal named on a device
        that has no default journal, the message all the same, never an error for want of a
        default: when the server no longer lists the default journal (deleted on another
        device, or withheld), the message for the read-only copy kept of it here, by the same
        rule as for the default it was (a server's listing never changes which plan or line it
        shows); with none (deleted, withheld, not chosen yet), the built-in numbers and a line
        saying the default journal's plan cannot be shown (`plan_not_loaded_line`), never a
        plan or a member's line of another journal, which a server could pick by what it
        lists. Works offline.
        Raises NotFound for an unknown journal named."""
        emergency, crisis_line, text = await self._shown_plan(journal)
        not_loaded = None
        if not text.strip():
            not_loaded = await self._plan_not_loaded(await self._default_or_none(journal), hints)
        return message_lines(
            emergency,
            crisis_line,
            text,
            [],
            hints=hints,
            synced=synced,
            plan_not_loaded=not_loaded,
        )

    async def respond_to_answer(
        self,
        measure: str,
        item: int,
        answer: int,
        *,
        journal: str | None = None,
        hints: SafetyHints = NO_HINTS,
        synced: bool = True,
        result_id: str | None = None,
    ) -> SafetyResponse:
        """For a questionnaire the client stopped after answering a safety item (`item`, numbered
        from 1) of `measure` above 0: no result exists (a PHQ-9 with missing answers has no valid
        total), but if the client opted in for `journal` (None: the default journal) and owns it, a
        flag is sealed for its members all the same, with `result_id` "" (a safety event without a
        score). Returns the message (as `respond` does) and to whom the flag was sealed. An app
        asking item by item calls it when the client stops after such an answer (after showing
        `message` at once); when the client finishes, it calls `respond` with the result instead.
        `hints`, `synced` and the plan shown as for `respond`. Works offline (see `waiting`).

        `result_id` (hex, made by `measures.new_result_id`): for answers a save failed to
        store under that id and that may yet be saved under it (an app keeps the id with
        them): the flag names it as its answer (`event`), so that `respond` for the result
        later stored under it, and a sync, seal no second flag for the members this one was
        sealed for (a member it was not sealed for still gets one).

        With `journal` None on a device that has no default journal (deleted, not chosen
        yet), the message as `message` gives it then, no flag and nothing recorded: no
        journal to seal one in (`no_flag` says so, naming the default journal when the server
        no longer lists it). So too for `journal` naming the client's own journal that the
        server no longer lists (deleted on another device, or withheld: a read-only copy is
        kept here), which records nothing and takes no flag (`no_flag`: `journal_gone_line`).

        Raises InvalidInput when `item` is not a safety item of `measure`, `answer` is not
        an answer above 0, or `result_id` is not an id `new_result_id` made; NotFound for an unknown journal named; JournalArchived (an AccessError) for an archived journal of this account's,
        with nothing noted and no flag sealed, now or at a later sync (the result saved under
        `result_id` once it is unarchived seals its own); RollbackError (an IntegrityError)
        while the journal's access chain on this device is rolled back or unverified (only
        when a flag is to be sealed), with nothing noted either: no sync seals a flag for
        that answer later (a result saved under `result_id` once the chain verifies seals
        its own)."""
        chosen = find_instrument(measure)
        if item not in chosen.safety_items:
            raise InvalidInput(
                f"item {item} of {chosen.name} is not a safety item", subject=BAD_VALUE
            )
        if answer <= 0 or answer not in {o.value for o in chosen.options}:
            raise InvalidInput(
                f"{answer} is not an answer above 0 to item {item}", subject=BAD_VALUE
            )
        me = self._replica.profile.account_id
        if result_id is not None and not _made_by(result_id, me):
            raise InvalidInput(
                f"{result_id!r} is not a result id made by new_result_id", subject=BAD_VALUE
            )
        local = await self._default_or_none(journal)
        if local is None:  # no journal to record the answer or seal a flag in: the message
            emergency, crisis_line, text = await self._shown_plan(None)
            gone = await self._gone_default()
            no_journal = no_journal_line(None if gone is None else self._display(gone))
            not_loaded = None if text.strip() else await self._plan_not_loaded(None, hints)
            lines = message_lines(
                emergency,
                crisis_line,
                text,
                [],
                no_journal,
                hints=hints,
                synced=synced,
                plan_not_loaded=not_loaded,
            )
            return SafetyResponse(lines, [], None, no_journal, not text.strip(), [], [], [], [])
        key = local.journal_id.hex()
        plan = await self.plan(key)
        emergency, crisis_line, text = await self._shown_for(local, plan)
        flagged_to: list[str] = []
        flag_id = None
        no_flag = withheld = None
        withheld_from: list[str] = []
        reads_only: list[str] = []
        reach: _Reach | None = None
        if local.role == "owner":
            # an archived journal takes no flag: refused before the answer is noted, so that
            # no sync seals one for this attempt later (nu77 F1: one flag per answer saved)
            check_may_write(local, SAFETY_FLAG)
            at = now_ms()
            # a flag to seal while the chain is rolled back or unverified: refused before the
            # answer is noted, so that no sync seals one for the refused answer later
            # (fix31c 4: the caller was told none could be; as `measures.take` stores nothing)
            reach = await self._reach(local, plan) if plan.share_flags else None
            if reach is not None and reach.members(at):
                self._replica.chains.current(local.journal_id)  # RollbackError
            event = result_id or keys.new_doc_id(me).hex()
            # whom this device knows now that the flag is due to: a sync seals theirs if the
            # flag below is never sealed (a crash, a failure), as `measures.take` notes them
            known = await self._due_now(local, at)
            await watch_answer(self._store, event, key, "", chosen.id, item, answer, at, known)
        if reach is not None:
            members = reach.members(at)
            flagged_to = sorted(members)
            withheld_from, reads_only = await self._withheld(local, plan, reach)
            withheld = self._withheld_text(local, withheld_from, reads_only, hints)
            if flagged_to:
                document = Document(keys.new_doc_id(self._replica.profile.account_id), SAFETY_FLAG)
                to = sorted(members.values())
                update = flag_update(document, "", chosen.id, item, answer, at, to, event=event)
                listing = self._listing(document.doc_id, at)
                await self._replica.commit(local, document, update, also=listing)
                flag_id = document.doc_id.hex()
                await _cover(self._store, event, key, (item, answer), to)
            else:
                no_flag = await self._no_flag(local, plan, reach, at, withheld)
        if local.role == REVOKED and local.owner_id == me:
            # her own journal the server no longer lists: a read-only copy here records no
            # answer and seals no flag; said, never silence (rev31f F1)
            no_flag = journal_gone_line(self._display(local))
        not_chosen = await self._not_chosen(local, plan) if local.role == "owner" else []
        copy_readers = await self._copy_readers(local) if local.role == "owner" else []
        elsewhere = None
        if local.role == "owner":
            told = {*flagged_to, *withheld_from, *reads_only, *not_chosen}
            elsewhere = await self._elsewhere(local, told, copy_readers)
        lines = message_lines(
            emergency,
            crisis_line,
            text,
            flagged_to,
            no_flag,
            withheld,
            hints,
            not_chosen_line(self._display(local), not_chosen) if not_chosen else None,
            synced,
            copy_only=await self._copy_only(local, copy_readers, hints),
            plan_not_loaded=None if text.strip() else await self._plan_not_loaded(local, hints),
            elsewhere=elsewhere,
        )
        return SafetyResponse(
            lines,
            flagged_to,
            flag_id,
            no_flag,
            not text.strip(),
            withheld_from,
            reads_only,
            not_chosen,
            [name for name, _ in copy_readers],
        )

    async def _seal_missed(
        self, as_of: tuple[int, int] | None = None, withheld: Iterable[bytes] = ()
    ) -> list[LateFlag]:
        """Seal the safety flags owed for safety items answered above 0 on this device that
        it recorded without sealing a flag for everyone the client had opted in for, because
        it had not yet seen that opt-in or that share (a share with `--safety-flags` made on
        another device, not yet synced here): `Client.sync` calls it after every sync, so
        the sync that brings that knowledge seals the flag. Returns the flags
        sealed now (each also in `SyncReport.late_flags`), to push with the next push.

        Who is owed one is decided by safety.late_flag_members from what the owner signed
        and this device verified only: the owner's latest safety plan (its opt-in, and when
        each member was opted in, `flags_since`), the journal's verified access chain (who
        reads it now, and when their membership began), never from a server's answer; for
        answers this device recorded (its local list, `watch_answer`) and for those the
        owner's signed results show another device of the owner recorded and watched
        (`_signed_answers`: the recording device may never sync again), by the same
        rule: never for an answer given before the client opted in, never twice for one
        answer (one flag per answer and member, whose id every device of the owner derives
        alike, and none where a flag of the owner for that answer names the member), never to a
        member whose share ended, or began, after the answer. A journal whose chain on this
        device is rolled back or unverified is skipped until it is verified again. A result
        deleted since gets none, and a flag carries the answer its stored result holds
        (`_standing`); a questionnaire stopped after a safety answer whose result, saved
        under its id in its journal with at least that answer, at or after the answer was
        last given, was deleted since gets none either (the client withdrew those answers),
        but one whose result went to another journal, carried a weaker answer or was saved
        before the answer was given (last) keeps its flag; each answer a questionnaire was
        stopped at under an id is owed from the latest time it was given (`_stops`). A
        flag for that result covers the stopped answer, and the client is told once of the
        two (`_tell_unflagged`). A journal in `withheld` (ids of journals whose records the
        server was found withholding in this sync: a withheld change to the plan could be
        the client's withdrawal of the opt-in) waits until nothing is withheld. `as_of`: the
        store version the caller read just before. Raises nothing: an answer whose flag
        cannot be sealed now (its journal gone, its chain rolled back or unverified, the
        journal archived) is looked at again at the next sync."""
        withheld = set(withheld)
        heads = tuple(sorted((j, c.length) for j, c in self._replica.chains.states().items()))
        if as_of is not None and not withheld and self._checked == (as_of, heads):
            return []  # nothing changed on this device since the last look: nothing to owe
        watched = await _watched(self._store, as_of)
        sealed: list[LateFlag] = []
        nobody: set[str] = set()  # journals no flag can be owed in now: read once
        gone: set[str] = set()  # answers (`_key`) whose journal or result is gone from here
        mine = {entry["id"] for entry in watched if entry["result"]}  # results it recorded
        signed, waiting = await self._signed_answers(mine, withheld)
        # a stored result before a stopped answer under its id: one flag standing for both
        # then names the result
        ordered = sorted(watched, key=lambda entry: not entry["result"])
        dead: set[str] = set()  # answers (`_key`) one of whose stops is owed no flag, ever
        lives: set[str] = set()  # those with a stop that may still be owed one
        for entry in [*(stop for e in ordered for stop in _stops(e)), *signed]:
            if bytes.fromhex(entry["journal"]) in withheld or entry["journal"] in nobody:
                lives.add(_key(entry))
                continue
            none_ever: set[str] = set()
            try:
                found = await self._owed(entry, nobody, none_ever)
            except NotFound:
                gone.add(_key(entry))  # the journal is gone from this device: for good
                continue
            except IntegrityError:
                lives.add(_key(entry))
                continue  # its chain not verified now: not now
            (dead if none_ever else lives).add(_key(entry))
            if found is None:
                continue
            local, standing, owed = found
            sealed += await self._seal_late(local, standing, owed)
        gone |= dead - lives  # a stopped answer is forgotten once none of its stops is owed
        if watched:  # this device's own answers that got no flag (stopped ones too), told once
            self._unflagged, self._untold = await self._tell_unflagged(watched, withheld)
        if gone:
            await _forget(self._store, gone)
        # an answer another device recorded a moment ago is looked at again at a later sync
        # even if nothing changes here meanwhile (RECORDER_WAIT_MS)
        # answers to tell are looked at again until a report that tells them is handed
        quiet = not sealed and not withheld and not gone and not waiting and not self._untold
        self._checked = (as_of, heads) if quiet else None
        return sealed

    async def _seal_late(
        self, local: LocalJournal, entry: dict[str, Any], owed: dict[str, str]
    ) -> list[LateFlag]:
        """Seal the late flags owed for the answer `entry` (a watched answer's shape) to
        `owed` (username -> account id hex): one flag per member, whose document id derives
        from the answer (its id, safety item and answer) and the member
        (keys.late_flag_doc_id), so that two devices of the owner sealing it at once write
        one document, which merges into one flag, and a worse answer under the same id is
        another document. Returns
        the flags sealed; one that cannot be sealed now (a rolled-back chain, an archived
        journal) is looked at again at the next sync."""
        profile = self._replica.profile
        sealed: list[LateFlag] = []
        for name, member in sorted(owed.items()):
            doc_id = keys.late_flag_doc_id(
                profile.secrets.account_key,
                profile.account_id,
                local.journal_id,
                str(entry["id"]),
                int(entry["item"]),
                int(entry["answer"]),
                bytes.fromhex(member),
            )
            if await self._store.document(doc_id) is not None:
                continue  # sealed already, by this device or another of the owner's
            document = Document(doc_id, SAFETY_FLAG)
            update = flag_update(
                document,
                entry["result"],
                entry["measure"],
                entry["item"],
                entry["answer"],
                now_ms(),
                [member],
                answered_at=entry["at"],
                event=entry["id"],
            )
            sealed_at = now_ms()
            try:
                listing = self._listing(doc_id, sealed_at)
                await self._replica.commit(local, document, update, also=listing)
            except (IntegrityError, AccessError):
                break  # a rolled-back chain, an archived journal: not now, not lost
            least = (int(entry["item"]), int(entry["answer"]))
            await _cover(self._store, entry["id"], entry["journal"], least, [member])
            sealed.append(
                LateFlag(
                    self._display(local),
                    (name,),
                    entry["result"],
                    entry["measure"],
                    to_datetime(entry["at"]),
                    doc_id.hex(),
                    journal_id=local.journal_id.hex(),
                )
            )
        return sealed

    async def _signed_answers(
        self, mine: Collection[str], withheld: Collection[bytes]
    ) -> tuple[list[dict[str, Any]], bool]:
        """The answers another device of the owner recorded, as the owner's signed results
        show them, in the shape of a watched answer (`watch_answer`): each result in a
        journal this account owns (not in `withheld`, its chain verified, its plan opted
        in) that the owner created (its document id made by the owner's account, its
        creator the owner: never a copy, an import or a member's), not deleted, whose
        recording device watched a safety item answered above 0 (`safety_watched`: the
        device would seal its late flag itself), and that this device did not record
        (`mine`: its own list's ids). So when the recording device never syncs again, any
        other device of the owner holding the result, the opt-in and the grant seals the
        flag owed, by the same rule. One recorded less than RECORDER_WAIT_MS ago
        (its `created_at`, or `taken_at` if later) is left for now: its recording device's
        own flag, sealed with it, may still be on its way; the second value is True when one
        was left so. A questionnaire stopped without a result leaves no signed answer: only
        its recording device seals its flag."""
        me = self._replica.profile.account_id
        found: list[dict[str, Any]] = []
        waiting = False
        now = now_ms()
        fresh = False
        for local in await self._store.journals():
            if (
                local.role != "owner"
                or local.owner_id != me
                or local.journal_id in withheld
                or self._replica.chains.state(local.journal_id) is None
                or self._replica.chains.problem(local.journal_id) is not None
            ):
                continue
            if not fresh:  # the chains read fresh, as `plan` read them: `_owed` decides on them
                await self._replica.fresh_access()
                fresh = True
            written = await self._plan_document(local)  # its opt-in only (as `plan` shows it)
            if written is None or not plan_view(written, local.name).share_flags:
                continue
            for stored in await self._documents(local, MEASURE):
                doc_id = stored.doc_id.hex()
                if doc_id in mine or not keys.created_by(stored.doc_id, me):
                    continue
                document = stored_document(stored)
                if document.field(SAFETY_WATCHED) is not True:
                    continue
                result = result_view(document, local.name, local.journal_id.hex())
                taken_at = read_ms(document.field("taken_at"))
                if result is None or result.answers is None or taken_at is None:
                    continue
                chosen = find_instrument(result.measure)
                concern = [n for n in chosen.safety_items if result.answers[n - 1] > 0]
                if not concern or await self._creator(stored) != me:
                    continue
                recorded = max(taken_at, read_ms(document.field("created_at")) or 0)
                if now < recorded + RECORDER_WAIT_MS:
                    waiting = True  # its recorder's own flag may still come: not yet
                    continue
                found.append(
                    {
                        "id": doc_id,
                        "journal": local.journal_id.hex(),
                        "result": doc_id,
                        "measure": chosen.id,
                        "item": concern[0],
                        "answer": result.answers[concern[0] - 1],
                        "at": taken_at,
                        "covered": [],
                    }
                )
        return found, waiting

    async def _tell_unflagged(
        self, watched: list[dict[str, Any]], withheld: Collection[bytes]
    ) -> tuple[list[UnflaggedAnswer], dict[str, list[str]]]:
        """The answers of this device's list (`watched`) that the members its owner's plan
        opts in now get no flag for, because the answer came less than CLOCK_SKEW_MS after
        the opt-in or the share (`safety.unflagged_members`), and those members by answer
        (`_key` -> account ids hex), each told once: `_handed` keeps the members told with
        the answer (`told`) once the report that says them is handed to the app, so a sync
        cut off before finds them again. Decided as `_owed` decides, from the signed plan
        and the verified chain only, for the answer as its flag stands (`_standing`: none
        for a result never stored, deleted, or without a safety answer, nor for a stopped
        answer withdrawn with its result). A stopped answer whose result saved under its id
        in its journal carries at least its answer is one draft with it: the members that
        result is told for (now or before) are not told again for it. Reads only; raises
        nothing but a store error."""
        found: list[UnflaggedAnswer] = []
        told: dict[str, list[str]] = {}
        # results' members told, by answer id and journal: a stopped answer under that id
        # is told with its result, so results come first
        said: dict[tuple[str, str], tuple[tuple[int, int], set[str]]] = {}
        ordered = sorted(watched, key=lambda entry: not entry["result"])
        for entry in (stop for e in ordered for stop in _stops(e)):
            try:
                local = await self._local_journal(entry["journal"])
            except NotFound:
                continue
            me = self._replica.profile.account_id
            state = self._replica.chains.state(local.journal_id)
            if (
                local.journal_id in withheld
                or local.role != "owner"
                or local.owner_id != me
                or state is None
                or self._replica.chains.problem(local.journal_id) is not None
            ):
                continue
            plan = await self.plan(local.journal_id.hex())
            if not plan.share_flags:
                continue
            standing = await self._standing(local, entry)
            if standing is None:
                continue  # never stored, deleted or withdrawn: nothing is owed, nothing told
            current = _annotating_members(state)
            covered = await self._covered_for(local, standing)
            covered |= set(entry.get("told") or ()) | set(told.get(_key(entry), ()))
            result = said.get((entry["id"], entry["journal"]))
            if not entry["result"] and result and _at_most(standing, result[0]):
                # the result saved under its id in its journal, carrying at least its
                # answer, tells it: one draft, told once
                covered |= result[1]
            members = unflagged_members(
                plan,
                current,
                int(standing["at"]),
                covered,
                self._granted_at(local),
                _known(standing),
            )
            if entry["result"]:
                told_for = {*(entry.get("told") or ()), *members.values()}
                said[(entry["id"], entry["journal"])] = (
                    (standing["item"], standing["answer"]),
                    told_for,
                )
            if not members:
                continue
            told[_key(entry)] = sorted({*told.get(_key(entry), ()), *members.values()})
            since = max(plan.opted_in_at(m) or 0 for m in members.values())
            found.append(
                UnflaggedAnswer(
                    self._display(local),
                    tuple(sorted(members)),
                    standing["result"],
                    standing["measure"],
                    to_datetime(standing["at"]),
                    to_datetime(since),
                    journal_id=local.journal_id.hex(),
                )
            )
        return found, told

    def _take_unflagged(self) -> tuple[list[UnflaggedAnswer], dict[str, list[str]]]:
        """What `_seal_missed` found to tell (`SyncReport.unflagged`) and their members by
        answer, for `_handed` once the report is handed; kept here no longer."""
        taken = self._unflagged, self._untold
        self._unflagged, self._untold = [], {}
        return taken

    async def _handed(self, told: dict[str, list[str]]) -> None:
        """The report telling the members `told` (`_key` -> account ids hex, from
        `_take_unflagged`) was handed to the app: kept with each answer (`told`), never
        said again. Nothing written when `told` is empty. Raises only a store error."""
        if not told:
            return

        def note(kept: list[dict[str, Any]]) -> None:
            for w in kept:
                if _key(w) in told:
                    w["told"] = sorted({*(w.get("told") or ()), *told[_key(w)]})

        await _change_watched(self._store, note)

    async def _owed(
        self, entry: dict[str, Any], nobody: set[str], gone: set[str]
    ) -> tuple[LocalJournal, dict[str, Any], dict[str, str]] | None:
        """The journal of a watched answer, the answer as its flag stands (`_standing`) and
        the members owed a flag for it (username -> account id), or None when nobody is; a
        journal where nobody can be owed one now (not this account's, its chain not
        verified, no opt-in) is added to `nobody`, an answer no flag can ever be owed for
        (`_standing` None) to `gone` (by `_key`)."""
        local = await self._local_journal(entry["journal"])
        me = self._replica.profile.account_id
        state = self._replica.chains.state(local.journal_id)
        if (
            local.role != "owner"
            or local.owner_id != me
            or state is None
            or self._replica.chains.problem(local.journal_id) is not None
        ):
            nobody.add(entry["journal"])
            return None
        standing = await self._standing(local, entry)
        if standing is None:
            gone.add(_key(entry))  # never stored, deleted, withdrawn: no flag, ever
            return None
        plan = await self.plan(local.journal_id.hex())
        if not plan.share_flags:
            nobody.add(entry["journal"])
            return None
        current = _annotating_members(state)
        owed = late_flag_members(
            plan,
            current,
            int(standing["at"]),
            await self._covered_for(local, standing),
            self._granted_at(local),
            known=_known(standing),
        )
        return (local, standing, owed) if owed else None

    async def _standing(self, local: LocalJournal, entry: dict[str, Any]) -> dict[str, Any] | None:
        """The watched answer `entry` (`watch_answer`'s shape) in `local`, its journal, as
        its flag stands now, or None when no flag can ever be owed for it.

        A result's: the result stored under its id in that journal, not deleted, with a
        safety item answered above 0: the flag carries the measure, item, answer and
        `taken_at` the stored result holds (as any other device of the owner reads them,
        `_signed_answers`), so that a save tried again under the id with other answers (item
        9 corrected to 0) never leaves a flag of the first try's answer; None when no such
        result is stored.

        A stopped questionnaire's (one of its `_stops`): as noted, unless the result saved
        under its id in that journal is deleted, was saved (its `created_at`, by the clock
        of the device that saved it, normally the one that noted the answer) at or after
        the answer's time, the latest it was given, and carries at least that answer to
        that item: the client withdrew those answers, so the stopped answer gets no late
        flag either (None). A result under its id in another journal, one carrying a weaker
        answer or none, one saved before the answer was given, withdraws nothing: that
        answer was not in it. The delete's time (`updated_at`, by the clock of whichever
        device deleted it) decides nothing. Raises only a store error."""
        stored = await self._store.document(bytes.fromhex(entry["result"] or entry["id"]))
        if stored is None or stored.kind != MEASURE or stored.journal_id != local.journal_id:
            return None if entry["result"] else entry
        document = stored_document(stored)
        deleted = document.field("deleted") is True
        answered = stored_safety_answer(document)
        if entry["result"]:
            taken_at = read_ms(document.field("taken_at"))
            if deleted or answered is None:
                return None
            measure, item, answer = answered
            at = entry["at"] if taken_at is None else taken_at
            return {**entry, "measure": measure, "item": item, "answer": answer, "at": at}
        saved_at = read_ms(document.field("created_at"))
        if (
            deleted
            and answered is not None
            and saved_at is not None
            and saved_at >= int(entry["at"])
            and _at_most(entry, answered[1:])
        ):
            return None
        return entry

    async def _covered_for(self, local: LocalJournal, standing: dict[str, Any]) -> set[str]:
        """The members a flag for the watched answer `standing` (`_standing`) was already
        sealed for (`_covered`). A stopped answer's is also covered by a flag for the result
        saved under its id in its journal (`result_id` = its id) carrying at least its
        answer: one flag stands for both, even when the device stopped between sealing it
        and noting it (`_cover`)."""
        least = (standing["item"], standing["answer"])  # a weaker flag covers no worse answer
        return await self._covered(
            local, standing["result"] or standing["id"], standing["id"], least
        )

    async def _covered(
        self,
        local: LocalJournal,
        result_id: str,
        event_id: str,
        least: tuple[int, int] | None = None,
    ) -> set[str]:
        """The members (account ids) a flag for this answer was already sealed for: by this
        device (its list), or any flag the owner signed for the result (`result_id`, not "")
        or for this answer (`event` = `event_id`) in the journal; a flag from before flags
        named members counts for every member. `least` (safety item, answer): only a flag
        (or a noted answer) for that item with at least that answer covers it, so that a
        flag sealed without a score for an answer of 1 does not stand for a result of 3
        saved under its id since."""

        def enough(item: Any, answer: Any) -> bool:
            if least is None:
                return True
            number = isinstance(answer, (int, float)) and not isinstance(answer, bool)
            return item == least[0] and number and answer >= least[1]  # stored as a float

        covered: set[str] = set()
        journal = local.journal_id.hex()
        for entry in await _watched(self._store):
            if (
                entry["id"] == event_id
                and entry["journal"] == journal
                and enough(entry.get("item"), entry.get("answer"))
            ):
                covered.update(entry["covered"])
        for stored in await self._documents(local, SAFETY_FLAG):
            document = stored_document(stored)
            if not enough(document.field("item"), document.field("answer")):
                continue
            # the result's flags, or one sealed for this answer (its `event`: a flag committed
            # before a crash kept the list from noting it)
            if not (result_id and document.field("result_id") == result_id) and not (
                event_id and document.field("event") == event_id
            ):
                continue
            if await self._creator(stored) != local.owner_id:
                continue
            to = flag_recipients(document)
            if to is None:
                covered.update(s.member_id.hex() for s in await self._current_shares(local))
            else:
                covered.update(to)
        return covered

    async def _withheld(
        self, local: LocalJournal, plan: SafetyPlan, reach: _Reach
    ) -> tuple[list[str], list[str]]:
        """The members (usernames, sorted) the opt-in names who read the journal now under a
        share made again since (opted in for an earlier share), whom a flag does not
        reach (safety.withheld_line), and those it names for their current share who
        hold the read role now by the verified chain (safety.reads_only_line): (withheld,
        reads_only), each sorted, empty when there is none. `reach`: `_reach` of `plan`."""
        reached, paused = reach.reached, reach.paused
        withheld: list[str] = []
        if plan.flag_members is not None:
            withheld = sorted(
                s.member_name
                for s in await self._current_shares(local)
                if s.member_id.hex() in plan.flag_members
                and s.member_name not in reached
                and s.member_name not in paused
            )
        return withheld, sorted(paused)

    def _withheld_text(
        self, local: LocalJournal, withheld: list[str], reads_only: list[str], hints: SafetyHints
    ) -> str | None:
        """The safety message's line(s) for `_withheld`'s two lists; None when both are
        empty."""
        lines = []
        if withheld:
            lines.append(
                withheld_line(self._display(local), withheld, hints, local.journal_id.hex())
            )
        if reads_only:
            lines.append(
                reads_only_line(self._display(local), reads_only, hints, local.journal_id.hex())
            )
        return " ".join(lines) if lines else None

    async def _no_flag(
        self,
        local: LocalJournal,
        plan: SafetyPlan,
        reach: _Reach,
        answered_at: int,
        withheld: str | None,
    ) -> str:
        """Why no flag was sealed although the client opted in (safety.no_flag_line): for an
        answer dated before the opt-in or the share of a member it names who reads the
        journal now, that; for members it names who read it under a share made
        again since (`withheld`), that; else as of the last sync, nobody it names
        reads it. `reach`: `_reach` of `plan`."""
        if reach.reached:
            return no_flag_before_line(
                self._display(local),
                to_datetime(answered_at).strftime("%Y-%m-%d %H:%M UTC"),
                sorted(reach.reached),
            )
        if withheld is not None:
            return withheld
        raw = await self._store.setting(LAST_SYNCED)
        synced = (
            "around " + to_datetime(int(raw)).strftime("%Y-%m-%d %H:%M UTC")
            if isinstance(raw, (int, float))
            else "it has never synced"
        )
        ended = []
        current = {s.member_id.hex() for s in await self._current_shares(local)}
        for member in plan.flag_members or ():
            if member not in current:
                ended.append(await self._name(local, bytes.fromhex(member)))
        return no_flag_line(self._display(local), synced, sorted(ended))

    async def _elsewhere(
        self,
        local: LocalJournal,
        told: set[str],
        copy_readers: list[tuple[str, tuple[str, ...] | None]],
    ) -> str | None:
        """The safety message's line (safety.elsewhere_line) naming the members the client
        sends safety flags for answers in their other journals, by each one's plan and
        verified access chain as `_due_now` reads them, that an answer in `local` sealed no
        flag for and that no other line of the message names (`told`, usernames): nu78 F12.
        None when there are none."""
        now = now_ms()
        told = told | {name for name, _ in copy_readers}  # the copy-only line names them
        elsewhere: dict[str, list[str]] = {}
        for other in await self._own_journals():
            if other.journal_id == local.journal_id or other.role != "owner":
                continue
            for member_id in await self._due_now(other, now):
                name = await self._name(other, bytes.fromhex(member_id))
                if name not in told:
                    elsewhere.setdefault(name, []).append(self._display(other))
        if not elsewhere:
            return None
        shares = [s for s in await self._current_shares(local) if not s.ended(now)]
        nobody = not shares and not copy_readers
        return elsewhere_line(self._display(local), elsewhere, nobody)

    async def _not_chosen(self, local: LocalJournal, plan: SafetyPlan) -> list[str]:
        """The members (usernames, sorted) who read `local` now, by its verified access chain,
        whom the client's opt-in does not name for their current share: no flag is ever
        sealed for them (never opted in, or opted in for an earlier share only when the
        owner's plan names members: `_withheld` says that one instead)."""
        now = now_ms()
        shares = [s for s in await self._current_shares(local) if not s.ended(now)]
        if not plan.share_flags:
            return sorted({s.member_name for s in shares})
        reach = await self._reach(local, plan)
        withheld, _ = await self._withheld(local, plan, reach)
        told = {*reach.reached, *reach.paused, *withheld}
        return sorted({s.member_name for s in shares} - told)

    async def _copy_readers(self, local: LocalJournal) -> list[tuple[str, tuple[str, ...] | None]]:
        """(username, fields: None for every field, () for fields this device cannot tell: no
        copy of theirs held here; a copy held here gives its fields, its share lapsed or not)
        of each member who reads, now, a field-level copy of `local` (one of this account's
        journals) and not `local` itself: from this account's sealed copy settings (`copies`)
        and the verified access chains, never the server's list; a field-level share in
        force that `local`'s own chain names (`limited`) counts with () when no copy here
        names its member now (a server may withhold the copy, or serve its chain cut before
        the member's grant, or without the owner's renewal), until the owner signs its end in
        `local`'s own chain (`access.field_shares_in_force`). Sorted by username. A copy
        carries no safety flag."""
        if self._copies is None or local.owner_id != self._replica.profile.account_id:
            return []
        await self._replica.load_access()
        now = now_ms()
        whole = {s.member_id for s in await self._current_shares(local) if not s.ended(now)}
        found: dict[str, tuple[str, ...] | None] = {}
        known: dict[bytes, tuple[str, ...] | None] = {}  # the fields of a copy held here
        for copy_id, settings in self._copies().items():
            if settings.mirror_of != local.journal_id or settings.member_id in whole:
                continue
            known[settings.member_id] = settings.fields
            for share in self._replica.verified_shares(now, copy_id):
                if share.member_id == settings.member_id and not share.ended(now):
                    found[share.member_name] = settings.fields
        state = self._replica.chains.state(local.journal_id)
        for limited in field_shares_in_force(state):  # a lapsed one too: its copy's fields
            if limited.who is not None and limited.who.account_id not in whole:
                fields = known.get(limited.who.account_id, self._copy_fields(limited))
                found.setdefault(limited.who.username, fields)
        return sorted(found.items())

    def _copy_fields(self, limited: Limited) -> tuple[str, ...] | None:
        """The fields of the copy `limited` names (its owner-sealed settings, opened from its
        verified chain held here, for that member and this source), when `copies` leaves it
        out (its share lapsed by date); () when they are not here or are another copy's."""
        state = self._replica.chains.state(limited.mirror) if limited.mirror else None
        if state is None or state.disclosure is None or limited.who is None:
            return ()
        if state.owner_id != self._replica.profile.account_id:
            return ()
        try:
            settings = open_disclosure_cached(
                self._replica.profile.secrets.account_key, state.journal_id, state.disclosure
            )
        except IntegrityError:
            return ()
        if settings.kind != "mirror" or settings.member_id != limited.who.account_id:
            return ()
        return settings.fields

    async def _copy_only(
        self,
        local: LocalJournal,
        readers: list[tuple[str, tuple[str, ...] | None]],
        hints: SafetyHints,
    ) -> str | None:
        """`copy_only_line` for `readers` (`_copy_readers(local)`), each whose share lapsed
        by date (`_lapsed_readers`) said to count until the client unshares."""
        if not readers:
            return None
        lapsed = await self._lapsed_readers(local)
        return copy_only_line(self._display(local), readers, lapsed, hints, local.journal_id.hex())

    async def _lapsed_readers(self, local: LocalJournal) -> set[str]:
        """The usernames of the field-level shares of `local` in force by its own verified
        chain (`access.field_shares_in_force`: no `limited_removed` signed) whose copy's
        verified chain held here says the member's signed end date passed: a share that
        still counts as a reader (fail closed: a server may withhold the owner's renewal
        from the copy's chain) although the client may believe it over. Never from a
        server's list; a copy not held here tells nothing (not named)."""
        await self._replica.load_access()
        chains = self._replica.chains
        lapsed = lapsed_field_shares(chains.state(local.journal_id), chains.state, now_ms())
        return {limited.who.username for limited in lapsed if limited.who is not None}

    def _listing(self, doc_id: bytes, at: int) -> Callable[[Transaction], Awaitable[None]]:
        """What lists the flag `doc_id`, sealed here at `at` (ms UTC), to be judged once it
        left (FLAGS_SENT, `_undelivered`), written in the transaction that commits the flag
        (`Replica.commit`'s `also`): a flag is never stored, and so sent, unlisted (a crash
        or an error between the two would leave it never judged)."""

        async def listing(tx: Transaction) -> None:
            held = _held(await tx.setting(FLAGS_SENT))
            held[doc_id.hex()] = {"since": at}
            await tx.set_setting(FLAGS_SENT, json.dumps(held))
            self.sent_noted = True

        return listing

    async def _before_sync(self, started: int) -> bool:
        """Before a sync that begins at `started` (ms UTC, this device's clock): a flag of
        FLAGS_SENT gone from the outbox without a known `left` (a push noting it with its
        acknowledgement does: `Pusher`; an older version pushed it, or another path took it
        out) left before `started`, noted so. `since` is never moved: a flag still in the
        outbox may have been stored by a push whose reply was lost. Written only when one
        changes. Whether any flag is kept there. Raises only a store error."""
        held = _held(await self._store.setting(FLAGS_SENT, as_of=self._replica.synced_version))
        changes: dict[str, dict[str, int]] = {}
        for flag_id, entry in held.items():
            if "left" in entry:
                continue  # it left (a flag that left never waits again): nothing to read
            if not await self.waiting(flag_id):
                changes[flag_id] = {"left": started}
        if changes:
            async with self._store.transaction() as tx:
                held = _held(await tx.setting(FLAGS_SENT))
                for flag_id, change in changes.items():
                    if flag_id in held and "left" not in held[flag_id]:
                        held[flag_id].update(change)
                await tx.set_setting(FLAGS_SENT, json.dumps(held))
        return bool(held)

    async def _left_untold(self) -> list[UndeliveredFlag]:
        """The flags of FLAGS_SENT that left this device in a sync that then failed, so no
        report said they had left (`untold`, `_note_untold`): the next completed sync says
        it (`SyncReport.flags_sent`), never a clock or a server's word. Empty when none.
        Raises only a store error."""
        held = _held(await self._store.setting(FLAGS_SENT, as_of=await self._store.version()))
        untold = [f for f, e in held.items() if "untold" in e and "left" in e]
        if not untold:
            return []
        me = self._replica.profile.account_id
        journals = {j.journal_id: j for j in await self._store.journals() if j.owner_id == me}
        now = now_ms()
        found = [await self._as_undelivered(f, journals, now, NOT_SENT) for f in untold]
        return sorted((f for f in found if f is not None), key=lambda f: f.raised_at)

    async def left_in_failed_sync(self, *, told: bool = False) -> list[UndeliveredFlag]:
        """The safety flags this device sealed that left it in a sync that then failed
        (the server acknowledged their push, and the sync failed after it: a pull refused,
        the connection lost, the sync cut off), which no report has said had left: the next
        completed sync says it (`SyncReport.flags_sent`). An app that says it now, in the
        failed sync's own words, passes `told=True`: then the next completed sync does not
        say it again. Each with cause NOT_SENT (`UndeliveredFlag.named()` and `members` name
        it; its `line()` is not the words for it), sorted by when they were raised. Works
        offline. Raises StoreBusy while another process holds the store."""
        found = await self._left_untold()
        if told and found:
            await self._told_left([f.flag_id for f in found])
        return found

    async def _note_untold(self, flag_ids: Collection[str]) -> None:
        """After a sync that failed: of `flag_ids` (hex, those that had not left when it
        began), each that left in it (FLAGS_SENT `left`, written with the acknowledgement
        that took it out of the outbox) is marked `untold` (ms UTC), so that the next
        completed sync says it has now left: the failed sync's report never reached the
        app. Written only when one changes. Raises only a store error."""
        held = _held(await self._store.setting(FLAGS_SENT, as_of=await self._store.version()))
        if not any("left" in e and "untold" not in e for f, e in held.items() if f in flag_ids):
            return  # none left (offline: all still waiting): no transaction
        async with self._store.transaction() as tx:
            held = _held(await tx.setting(FLAGS_SENT))
            changed = False
            for flag_id in flag_ids:
                entry = held.get(flag_id)
                if entry is not None and "left" in entry and "untold" not in entry:
                    entry["untold"] = now_ms()
                    changed = True
            if changed:
                await tx.set_setting(FLAGS_SENT, json.dumps(held))

    async def _told_left(self, flag_ids: Collection[str]) -> None:
        """`flag_ids` (hex) were handed in a report's `flags_sent` (or told undelivered):
        their `untold` mark (`_note_untold`) is dropped. Written only when one had it.
        Raises only a store error."""
        ids = set(flag_ids)
        held = _held(await self._store.setting(FLAGS_SENT, as_of=await self._store.version()))
        if not any("untold" in e for f, e in held.items() if f in ids):
            return
        async with self._store.transaction() as tx:
            held = _held(await tx.setting(FLAGS_SENT))
            for flag_id in ids:
                held.get(flag_id, {}).pop("untold", None)
            await tx.set_setting(FLAGS_SENT, json.dumps(held))

    async def _acknowledged_by(self, local: LocalJournal, flag_id: str) -> set[bytes]:
        """The accounts (not the journal's owner) whose acknowledgement of `flag_id` this
        device holds in `local`: its creator, by the signature, is who acknowledged."""
        found: set[bytes] = set()
        for stored in await self._documents(local, SAFETY_ACK):
            ack = ack_view(stored_document(stored))
            creator = await self._creator(stored)
            if ack is None or ack[0] != flag_id or creator is None:
                continue
            if creator != local.owner_id:
                found.add(creator)
        return found

    async def _undelivered(self, now: int) -> list[UndeliveredFlag]:
        """After a completed sync that ended at `now` (ms UTC, this device's clock): the
        flags this device sealed (FLAGS_SENT) that have left it and may reach none of some
        members they were sealed for, each member told once per share. One rule, the same
        at the first judgement after the flag left and at every later one: a member counts
        when their share ended (`_share_end`: by the access chain this device verified, an
        owner-signed end, their signed end date passed by `now` whether or not an `ended`
        entry signs it yet, rev33a F1, or a removal an owner device signed because the
        server stopped serving them, rev33a F2), they hold no share now, and no
        acknowledgement of theirs is held here (an acknowledged flag was delivered).

        "was NOT delivered" (`surely`) only for owner-signed ends, each signed (the signing
        device's clock) at or before `left` + CLOCK_SKEW_MS (`left`: when the push reply
        that stored it arrived, this device's clock), all more than CLOCK_SKEW_MS before
        `since` (the first push that could have stored the flag started), that push known
        (`offered`; never for a flag an older version pushed: `inherited`, `note_flags`);
        else "may NOT have been delivered" (clocks differ by up to CLOCK_SKEW_MS either way),
        erring toward telling; an end signed later, or a removal on the server's word, is
        "may NOT" (UNSEEN_BEFORE_END): no seen vector proves receipt (rev32a F4, rev32b F1),
        and the server's word may make the device tell more, never less. A flag leaves
        FLAGS_SENT only once a completed judgement after it left found every member it was
        sealed for told for the share that ended or acknowledging it, or JUDGED_FOR_MS after
        its first judgement unless a member it was sealed for still holds a share, neither
        acknowledging it nor told for it (then kept, judged at every completed sync, until
        that share ends or they acknowledge it: rev32b F3), or when it is no flag of a
        journal of this account's; never unjudged. A flag told before comes back to
        FLAGS_SENT when its member holds a share again (`_shared_again`: the share carries
        it to them; its end is told again, rev33a F5). Judged again at every sync whose
        verified chains grew or after which a member's end date passed (`_lapsed`).
        Told ones are returned to be told once (`SyncReport.undelivered_flags`) and kept
        (FLAGS_UNDELIVERED, with the share and journal told for) for `flags()` once that
        report is handed (`_handed_undelivered`: all this judgement decided is written
        then, never before). Raises only a store error."""
        synced = self._replica.synced_version
        held = _held(await self._store.setting(FLAGS_SENT, as_of=synced))
        told_before = read_json(await self._store.setting(FLAGS_UNDELIVERED, as_of=synced), {})
        told_before = told_before if isinstance(told_before, dict) else {}
        if not held and not told_before:
            return []
        me = self._replica.profile.account_id
        journals = [j for j in await self._store.journals(as_of=synced) if j.owner_id == me]
        owned = {j.journal_id: j for j in journals if j.role == "owner"}
        gone = {j.journal_id: j for j in journals if j.role == REVOKED}
        await self._replica.load_access()
        # a flag told for a share that ended, whose member holds a share again (it carries
        # the flag to them): judged again until that share ends or they acknowledge it
        readmitted = _shared_again(told_before, held, owned, self._replica.chains.state, now)
        held = {**held, **readmitted}
        if not held:
            return []
        # the chains only grow (a rollback is refused): their lengths unchanged (a checksum
        # of each journal's, kept with the flag), and no end date passed since, mean no end
        # arrived since a flag was last judged, which is then not judged again
        # members the server no longer serves whose signed removal it refuses: they stopped
        # reading on its word, the chain lists them still (rev33d F3); judged as they come
        unserved = self._replica.unserved_refused
        chains = zlib.crc32(
            b"".join(
                journal_id
                + state.length.to_bytes(8, "big")
                + _lapsed(state, now)
                + b"".join(sorted(unserved.get(journal_id, {})))
                for journal_id in sorted(owned)
                if (state := self._replica.chains.state(journal_id)) is not None
            )
        )
        found: list[UndeliveredFlag] = []
        kept: dict[str, dict[str, dict[str, int | bool | str]]] = {}
        done: set[str] = set()
        judged: dict[str, int] = {}
        for flag_id, entry in held.items():
            left = entry.get("left", now)
            first = _judged_since(entry)
            # past JUDGED_FOR_MS a flag is kept only while a member it was sealed for holds a
            # share, neither acknowledging it nor told: judged at every sync, whatever the
            # chains, until that share ends or they acknowledge it (rev32b F3)
            expired = first is not None and now - first > JUDGED_FOR_MS
            if first is not None and not expired and entry.get("chains") == chains:
                continue  # judged against these very chains: nothing new to tell
            if expired and "left" not in entry:
                done.add(flag_id)
                continue
            if "left" not in entry and await self.waiting(flag_id):
                # judged once it has left; one set aside as its journal is gone is told now
                refused = await self._refused_as_gone(flag_id, gone, now)
                if refused is not None:
                    done.add(flag_id)
                    found.append(refused)
                continue
            try:
                stored = await self._store.document(bytes.fromhex(flag_id))
            except ValueError:
                stored = None
            if stored is None or stored.kind != SAFETY_FLAG:
                done.add(flag_id)
                continue
            local = owned.get(stored.journal_id)
            state = self._replica.chains.state(local.journal_id) if local is not None else None
            if local is None and expired:
                done.add(flag_id)  # kept long enough for an end withheld (JUDGED_FOR_MS)
                continue
            if local is None:  # not listed here now (gone from the server, or this device)
                if first is None:  # told once: never dropped untold (JUDGED_FOR_MS from now)
                    unknown = await self._delivery_unknown(stored, gone, now)
                    if unknown is not None:
                        found.append(unknown)
                judged[flag_id] = left
                continue
            if state is None:
                continue  # its chain not verified here now: judged when it is, whatever its age
            bound = left + CLOCK_SKEW_MS  # the one rule, at every judgement
            journal = local.journal_id.hex()
            document = stored_document(stored)
            to: tuple[str, ...] = flag_recipients(document) or ()
            acked = {a.hex() for a in await self._acknowledged_by(local, flag_id)}
            earlier = told_before.get(flag_id)
            earlier = earlier if isinstance(earlier, dict) else {}
            ended: dict[str, int] = {}
            unseen: dict[str, int] = {}  # ended later, never acknowledged (rev32a F4, rev32b F1)
            on_its_word: set[str] = set()  # of `unseen`: removed on the server's word (nu83 F6)
            began: dict[str, int] = {}  # when each share told of began (`_told_for`)
            told = set()  # told for the share that ended, unacknowledged since
            restated: dict[str, dict[str, int | bool | str]] = {}  # `_restated`
            sharing = False  # a member still holding a share, not acknowledging it
            for member in to:
                if member in acked:
                    continue
                with contextlib.suppress(ValueError):
                    account = bytes.fromhex(member)
                    end = _share_end(state, account, now) or _unserved_end(
                        state, account, unserved.get(local.journal_id, {})
                    )
                    if end is None:
                        # holds a share (one given again after a telling carries the flag
                        # to them, rev33a F5): kept until it ends or they acknowledge it
                        sharing = sharing or state.member_by_account(account) is not None
                        continue
                    if _told_for(earlier.get(member), end):
                        told.add(member)
                        if not _told_in_full(earlier.get(member)):
                            restated[member] = _restated(earlier.get(member), end, journal)
                        continue
                    began[member] = end.began
                    if end.signed and end.at <= bound:
                        ended[member] = end.at
                    else:  # no signed word of theirs proves receipt; nor the server's word
                        unseen[member] = end.at
                        if not end.signed:
                            on_its_word.add(member)
            if set(to) <= acked | told | set(ended) | set(unseen) or (expired and not sharing):
                done.add(flag_id)  # nothing more to tell of it
            else:
                judged[flag_id] = left
            view = flag_view(
                document, self._display(local), local.journal_id.hex(), self._owner(local)
            )
            if view is None:
                continue
            if restated:  # an older version's telling, kept with its share from now on
                kept[view.id] = restated
            if unseen:
                kept[view.id] = {
                    m: {"end": at, "surely": False, "began": began[m], "journal": journal}
                    for m, at in unseen.items()
                }
                names = [await self._name(local, bytes.fromhex(m)) for m in sorted(unseen)]
                told_flag = _undelivered_flag(view, names, unseen, False, UNSEEN_BEFORE_END)
                found.append(replace(told_flag, unserved=on_its_word >= unseen.keys()))
            if not ended:
                continue
            # An older version's flag (no first push known, its `since` maybe moved): never
            # "was NOT". Nor one judged before any push of this version noted it `offered`
            # (a push's journal list read that found a new epoch pulls first: rev30a F2).
            surely = (
                "offered" in entry
                and not ({"inherited", "sending"} & entry.keys())
                and all(at + CLOCK_SKEW_MS < entry["since"] for at in ended.values())
            )
            kept[view.id] = {
                **kept.get(view.id, {}),
                **{
                    m: {"end": at, "surely": surely, "began": began[m], "journal": journal}
                    for m, at in ended.items()
                },
            }
            window = (  # stored any time in it: "about the time it left" would not be true
                (to_datetime(entry["since"]), to_datetime(left))
                if not surely
                and left - entry["since"] > CLOCK_SKEW_MS
                and max(ended.values()) > entry["since"] + CLOCK_SKEW_MS
                else None
            )
            names = [await self._name(local, bytes.fromhex(m)) for m in sorted(ended)]
            found.append(_undelivered_flag(view, names, ended, surely, window=window))
        changed = {
            f: left for f, left in judged.items() if held[f] != _judged(held[f], left, chains, now)
        }
        owed = _Judgement(done, changed, kept, chains, now, readmitted)
        self._judgement = owed if done or changed or kept else None
        return found

    async def _not_handed(self) -> None:
        """The report holding what the last `_undelivered` returned was not handed (a sync
        inside another call, `Client._inner_sync`): nothing of it is recorded as told, so
        the next sync judges and tells it again (rev30b F7). The flags it found withheld
        are kept (FLAGS_WITHHELD_UNTOLD) for the next handed report: their records went back
        in the outbox, and the server may serve them back before that sync finds them
        withheld again (rev30c F4). Raises only a store error."""
        found, self._withheld_found = self._withheld_found, []
        self._withheld_told, self._judgement, self._untold_read = None, None, []
        if not found:
            return
        async with self._store.transaction() as tx:
            kept = _flag_ids(await tx.setting(FLAGS_WITHHELD_UNTOLD))
            await tx.set_setting(FLAGS_WITHHELD_UNTOLD, json.dumps(sorted({*kept, *found})))

    async def _withheld_untold(self, told: Collection[str]) -> list[UndeliveredFlag]:
        """The flags a sync inside another call found withheld and no report told
        (FLAGS_WITHHELD_UNTOLD), but those of `told` (hex: this report tells them already,
        still withheld), each with cause WITHHELD and `reason` WITHHELD_SERVED_SINCE: not
        found withheld by this sync, the server served it back since (rev30c F4). Cleared
        once the report is handed (`_handed_undelivered`). Raises only a store error."""
        kept = _flag_ids(await self._store.setting(FLAGS_WITHHELD_UNTOLD))
        self._untold_read = kept
        if not kept:
            return []
        owner = self._replica.profile.account_id
        journals = {j.journal_id: j for j in await self._store.journals() if j.owner_id == owner}
        now, found = now_ms(), []
        for flag_id in kept:
            if flag_id in told:
                continue
            flag = await self._as_undelivered(flag_id, journals, now, WITHHELD)
            if flag is not None:
                found.append(replace(flag, reason=WITHHELD_SERVED_SINCE))
        return found

    async def _handed_undelivered(self) -> None:
        """The report holding what the last `_undelivered` returned was handed to the app:
        what it told is recorded now (FLAGS_UNDELIVERED; FLAGS_SENT's judged and dropped
        flags), in one transaction. A sync cut off before (its report never reaching the
        app) records nothing, so the next completed sync judges and tells them again.
        Raises only a store error."""
        told, self._withheld_told = self._withheld_told, None
        self._withheld_found = []
        said, self._untold_read = self._untold_read, []
        if said:  # told by this report (`_withheld_untold`); not one kept since
            async with self._store.transaction() as tx:
                kept = _flag_ids(await tx.setting(FLAGS_WITHHELD_UNTOLD))
                untold = [f for f in kept if f not in said]
                await tx.set_setting(FLAGS_WITHHELD_UNTOLD, json.dumps(untold) if untold else None)
        if told is not None and told != _told_withheld(
            await self._store.setting(FLAGS_WITHHELD_TOLD)
        ):
            await self._store.put_setting(FLAGS_WITHHELD_TOLD, json.dumps(told, sort_keys=True))
        owed, self._judgement = self._judgement, None
        if owed is None:
            return
        async with self._store.transaction() as tx:
            if owed.kept:
                undelivered = json.loads(await tx.setting(FLAGS_UNDELIVERED) or "{}")
                undelivered = undelivered if isinstance(undelivered, dict) else {}
                for flag_id, ended in owed.kept.items():
                    earlier = undelivered.get(flag_id)
                    earlier = earlier if isinstance(earlier, dict) else {}
                    undelivered[flag_id] = {**earlier, **ended}
                await tx.set_setting(FLAGS_UNDELIVERED, json.dumps(undelivered))
            now_held = _held(await tx.setting(FLAGS_SENT))  # another process may have added
            for flag_id, entry in owed.readmitted.items():
                if flag_id not in owed.done:
                    now_held.setdefault(flag_id, entry)
            for flag_id in owed.done:
                now_held.pop(flag_id, None)
            for flag_id, left in owed.judged.items():
                if flag_id in now_held:
                    now_held[flag_id] = _judged(now_held[flag_id], left, owed.chains, owed.now)
            await tx.set_setting(FLAGS_SENT, json.dumps(now_held))

    async def _not_delivered(
        self, flag: SafetyFlag, journals: Mapping[bytes, LocalJournal], kept: Any
    ) -> SafetyFlag:
        """`flag` (of one of this account's journals) with `not_delivered` from the members
        `kept` (FLAGS_UNDELIVERED, decoded) names for it that hold no share of its journal
        now (by the verified chain: a share given again since carries it to them), or hold
        the very share it was told for (the server stopped serving them and refuses their
        removal, `_unserved_end`), and whose
        acknowledgement of it this device does not hold (an acknowledged flag was
        delivered): by account id, the one the owner's signed chain binds, as the sync's
        judgement counts it (`_undelivered`), never by username."""
        members = kept.get(flag.id) if isinstance(kept, dict) else None
        members = dict(members) if isinstance(members, dict) else {}
        local = journals.get(bytes.fromhex(flag.journal_id))
        state = self._replica.chains.state(local.journal_id) if local is not None else None
        mine = local is not None and local.owner_id == self._replica.profile.account_id
        if local is None or state is None or not mine:
            return flag
        now = now_ms()
        # a flag another device of this account sealed (or one this device has not judged
        # yet): each member it was sealed for whose share ended, by the chain verified here,
        # is judged the same way: "may NOT have been delivered" unless they acknowledged it
        # (nu83 F9); only the sealing device knows when it left, so only it says "was NOT"
        for member in () if flag.unsent else flag.recipients or ():
            with contextlib.suppress(ValueError):
                if member not in members and _share_end(state, bytes.fromhex(member), now):
                    members[member] = {"surely": False}
        # delivered: never "not delivered"; by the account that signed the acknowledgement, as
        # the sync's judgement (`_undelivered`) counts it, never by a username (a new account
        # under a former member's name acknowledges nothing for them: fix34c)
        acked = {a.account_id for a in flag.acknowledged}
        names, surely, left = [], [], []
        for member, told in sorted(members.items()):
            with contextlib.suppress(ValueError):
                account = bytes.fromhex(member)
                terms = state.member_by_account(account)
                name = await self._name(local, account)
                # told for the share the chain lists still: the server stopped serving
                # them and refuses the removal (rev33d F3), no share given again since
                told_now = (
                    terms is not None
                    and isinstance(told, dict)
                    and told.get("began") == state.granted_at.get(terms.handle, 0)
                )
                if (terms is None or terms.ended(now) or told_now) and member not in acked:
                    names.append(name)
                    if _told_surely(told):
                        surely.append(name)
                    end = _share_end(state, account, now)
                    if end is not None and not end.signed:
                        left.append(name)
        if not names:
            return flag
        return replace(
            flag,
            not_delivered=tuple(names),
            surely_not_delivered=tuple(surely),
            not_served=tuple(left),
        )

    async def _refused_as_gone(
        self, flag_id: str, gone: Mapping[bytes, LocalJournal], now: int
    ) -> UndeliveredFlag | None:
        """The flag `flag_id` (hex) as undelivered (cause JOURNAL_GONE), when the server
        refused it for good (set aside) and its journal is one of `gone`: this account's own
        that the server no longer lists (deleted on another device, or withheld: REVOKED);
        else None. `now`: ms UTC, this device's clock. Raises only a store error."""
        doc_id = bytes.fromhex(flag_id)
        if not await self._store.set_aside_holds(doc_id):
            return None
        return await self._as_undelivered(flag_id, gone, now, JOURNAL_GONE)

    async def _delivery_unknown(
        self, stored: StoredDocument, gone: Mapping[bytes, LocalJournal], now: int
    ) -> UndeliveredFlag | None:
        """The flag `stored`, which left this device, as DELIVERY_UNKNOWN: its journal is no
        longer listed here as one of this account's own (`gone`: kept as a read-only copy
        the server no longer lists; else not on this device, unnamed), found at `now` (ms
        UTC). None for a document that is no flag. Raises only a store error."""
        return await self._flag_undelivered(
            stored, gone.get(stored.journal_id), now, DELIVERY_UNKNOWN
        )

    async def _flag_undelivered(
        self, stored: StoredDocument, local: LocalJournal | None, now: int, cause: str
    ) -> UndeliveredFlag | None:
        """The flag `stored` of journal `local` (None: not on this device, unnamed, told as
        the user's own) as an UndeliveredFlag for `cause`, to all its members, "may NOT"
        (`surely` False), found at `now` (ms UTC); None for a document that is no flag.
        Raises only a store error."""
        document = stored_document(stored)
        journal = self._display(local) if local is not None else ""
        owner = self._owner(local) if local is not None else self._replica.profile.username
        view = flag_view(document, journal, stored.journal_id.hex(), owner)
        if view is None:
            return None
        names = []
        if local is not None:
            for member in sorted(flag_recipients(document) or ()):
                with contextlib.suppress(ValueError):
                    names.append(await self._name(local, bytes.fromhex(member)))
        return UndeliveredFlag(
            view.journal,
            tuple(names),
            view.id,
            view.result_id,
            view.measure,
            view.raised_at,
            to_datetime(now),
            surely=False,
            cause=cause,
            journal_id=view.journal_id,
            item=view.item,
            answer=view.answer,
        )

    async def _as_undelivered(
        self, flag_id: str, journals: Mapping[bytes, LocalJournal], now: int, cause: str
    ) -> UndeliveredFlag | None:
        """The flag `flag_id` (hex) of one of `journals` as an UndeliveredFlag for `cause`,
        to all its members, "may NOT" (`surely` False), found at `now` (ms UTC); None for
        another document or journal. Raises only a store error."""
        try:
            stored = await self._store.document(bytes.fromhex(flag_id))
        except ValueError:
            return None
        local = journals.get(stored.journal_id) if stored is not None else None
        if stored is None or stored.kind != SAFETY_FLAG or local is None:
            return None
        return await self._flag_undelivered(stored, local, now, cause)

    async def unsent(self) -> list[UndeliveredFlag]:
        """The safety flags this device sealed that have not left it: not sent yet
        (offline, signed out, or the account erased on another device, when none ever
        will be) or refused by the server and kept set aside. Their members cannot see
        them meanwhile. Each with cause NOT_SENT (a flag set aside as its journal is gone:
        JOURNAL_GONE; set aside for another reason, a 413 among them: REFUSED, with the
        reason), `ended_at` now, sorted by when they were raised. Works offline:
        decided from this device's store alone. Raises StoreBusy while another process
        holds the store."""
        held = list(_held(await self._store.setting(FLAGS_SENT)))
        # one told already as its journal is gone left FLAGS_SENT, but stays set aside here
        refused = {
            r.record.doc_id.hex(): r.reason
            for r in await self._store.set_aside()
            if r.record.doc_id is not None
        }
        held += [flag_id for flag_id in refused if flag_id not in held]
        me = self._replica.profile.account_id
        journals = {j.journal_id: j for j in await self._store.journals() if j.owner_id == me}
        gone = {k: j for k, j in journals.items() if j.role == REVOKED}
        now = now_ms()
        found: list[UndeliveredFlag] = []
        # one the server acknowledged and has not served back: told so below, also while it
        # waits in the outbox to be sent again (`_send_withheld_again`)
        withheld = await self._withheld_own(journals)
        for flag_id in dict.fromkeys(held):
            if flag_id in withheld or not await self.waiting(flag_id):
                continue
            told = await self._refused_as_gone(flag_id, gone, now)
            if told is None and flag_id in refused:  # refused for good, sent again each sync
                told = await self._as_undelivered(flag_id, journals, now, REFUSED)
                if told is not None:
                    told = replace(told, reason=refused[flag_id])
            if told is None:
                told = await self._as_undelivered(flag_id, journals, now, NOT_SENT)
            unanswered = (
                await self._unanswered(flag_id)
                if told is not None and told.cause in (NOT_SENT, REFUSED)
                else None
            )
            if told is not None and unanswered is not None:  # the server may hold it: not
                # known (a refusal since keeps its `reason`: the server may still hold it)
                told = replace(told, cause=NO_ANSWER, stopped=unanswered == STOPPED)
            if told is not None:
                found.append(told)
        for flag_id in withheld:
            told = await self._as_undelivered(flag_id, journals, now, WITHHELD)
            if told is not None:
                found.append(told)
        return sorted(found, key=lambda f: f.raised_at)

    async def _refused_as_stale(
        self, journal_ids: Collection[bytes], told: Collection[str]
    ) -> list[UndeliveredFlag]:
        """The safety flags still waiting in the outbox of `journal_ids` (a sync kept their
        changes as the server refused them as sealed under an old key while no newer key of
        theirs was verified here: `SyncReport.held_stale`), each as cause REFUSED with
        the journal in `reason` (STALE_REFUSED_FLAG), but those of `told` (hex) and those
        `unsent()` tells otherwise (no answer to a push: the server may hold it). Said at
        every sync that holds them (a server can refuse every push so: rev30c F7), as a
        flag set aside is. Raises only a store error."""
        wanted = {journal_id.hex() for journal_id in journal_ids}
        return [
            replace(flag, cause=REFUSED, reason=STALE_REFUSED_FLAG.format(journal=flag.journal))
            for flag in await self.unsent()
            if flag.cause == NOT_SENT and flag.journal_id in wanted and flag.flag_id not in told
        ]

    async def _send_withheld_again(self, gaps: Collection[Gap]) -> list[UndeliveredFlag]:
        """After a completed sync whose withholding check found `gaps` (`SyncReport.withheld`)
        : each safety flag's record this device pushed and keeps whole (`Store.kept_flags`),
        and each record of the result it belongs to kept with it (`pushing.flag_results`),
        whose counter is among this device's own missing ones goes back into the outbox,
        as it was pushed, so the next sync sends it again (rev29d F1: the server
        acknowledged it and never served it back); one a pull served back is kept no more:
        its bytes, with the hash acknowledged, since a stub of a kept record never counts as
        received (`sync.WholeEchoes`, rev32a F2).
        Returns those flags not told before as withheld (cause WITHHELD), to be told once
        (`SyncReport.undelivered_flags`): recorded as told once the report is handed
        (`_handed_undelivered`). Raises only a store error."""
        self._withheld_found = []
        kept = await self._store.kept_flags()
        if not kept:
            return []
        me = (self._replica.profile.account_id, self._replica.profile.device_id)
        missing = {g.journal_id: g.missing for g in gaps if (g.author, g.device) == me}
        again, served = [], []
        for row in kept:
            ranges = missing.get(row.journal_id, ())
            if row.counter is not None and any(lo <= row.counter <= hi for lo, hi in ranges):
                again.append(row)
                continue
            if row.waiting:
                continue  # sealed again, its new record not pushed yet: kept (rev30b F1)
            received = await self._store.received_ranges(row.journal_id, *me)
            if row.counter is None or in_ranges(received, row.counter):
                # served back, or withdrawn by a new record of its flag that is kept in
                # its place (`acknowledge_pushed`): done
                served.append((row.journal_id, row.record_id))
        if served:
            await self._store.forget_kept_flags(served)
        told = _told_withheld(await self._store.setting(FLAGS_WITHHELD_TOLD))
        # a flag's result kept with it (`pushing.flag_results`) is sent again, never told
        kinds = await self._store.kinds([r.doc_id for r in again])
        due = {r.doc_id.hex() for r in again if kinds.get(r.doc_id) == SAFETY_FLAG}
        if not again:
            self._withheld_told = {f: t for f, t in told.items() if f in due}
            return []
        await self._store.send_kept_flags_again([(r.journal_id, r.record_id) for r in again])
        owner = self._replica.profile.account_id
        journals = {j.journal_id: j for j in await self._store.journals() if j.owner_id == owner}
        now = now_ms()
        found = []
        for flag_id in sorted(due - set(told)):
            flag = await self._as_undelivered(flag_id, journals, now, WITHHELD)
            if flag is not None:
                found.append(flag)
        # kept: the ones still due, told before or in this report
        self._withheld_told = {f: told.get(f, now) for f in due}
        self._withheld_found = [f.flag_id for f in found]
        return found

    async def _withheld_own(self, journals: Mapping[bytes, LocalJournal]) -> list[str]:
        """The safety flags (hex) of `journals` (this account's own) that this device sealed
        and the server acknowledged storing, but never served back: a counter of one of
        their records is among this device's own counters missing in that journal (what
        the withholding check reports withheld: protocol.md 4.18, "Own records"). The
        device holds the only copy it knows of (rev29d F1). Read from the store alone."""
        mine = (self._replica.profile.account_id, self._replica.profile.device_id)
        found: list[str] = []
        for journal_id, devices in (await self._store.device_counters()).items():
            counters = devices.get(mine)
            missing = counters.missing() if counters is not None else []
            if journal_id not in journals or not missing:
                continue
            for doc in await self._store.documents(journal_id, kinds=(SAFETY_FLAG,)):
                own = await self._store.own_counters(doc.doc_id, *mine)
                if any(lo <= c <= hi for c in own for lo, hi in missing):
                    found.append(doc.doc_id.hex())
        return found

    async def unsent_to_tell(
        self, cause: str
    ) -> tuple[list[UndeliveredFlag], list[UndeliveredFlag]]:
        """`unsent()` for an app that tells them at each sync that fails for `cause` (a
        short word naming why none can leave: the failed sync's error subject, e.g.
        "session expired", "signed out"), split in two: those never given for `cause`
        before (say each in full: `UndeliveredFlag.line`), and those given for it at an
        earlier failed sync (a one-line reminder is enough). The first are recorded as given
        for `cause` now (the setting UNSENT_TOLD, in one transaction), so the caller shows
        them at once; a flag that has left since is forgotten there, and a new cause tells
        each flag in full again. Works offline. Raises StoreBusy while another process
        holds the store."""
        unsent = await self.unsent()
        ids = {u.flag_id for u in unsent}
        first: list[UndeliveredFlag] = []
        again: list[UndeliveredFlag] = []
        async with self._store.transaction() as tx:
            raw = json.loads(await tx.setting(UNSENT_TOLD) or "{}")
            told = {
                k: [c for c in v if isinstance(c, str)]
                for k, v in (raw.items() if isinstance(raw, dict) else ())
                if k in ids and isinstance(v, list)
            }
            for flag in unsent:
                (again if cause in told.get(flag.flag_id, ()) else first).append(flag)
                told[flag.flag_id] = sorted({*told.get(flag.flag_id, ()), cause})
            if told or raw:
                await tx.set_setting(UNSENT_TOLD, json.dumps(told, sort_keys=True))
        return first, again

    async def _unanswered(self, flag_id: str) -> str | None:
        """Whether the flag `flag_id` (hex), still on this device, may be stored on the
        server all the same: LOST_REPLY when a push that carried it got no reply confirming
        it was stored (FLAGS_SENT `unanswered`, noted by the Pusher: a lost reply, a
        connection broken off after the request left, a server failing), whether it is in
        the outbox or was set aside since (a later refusal does not undo what that push may
        have stored); STOPPED when it is in the outbox and a push that carried it left and
        its answer was never recorded (FLAGS_SENT `pushing` still there: the sync stopped
        after the reply arrived and before it was recorded, or the program ended); else
        None. Raises only a store error."""
        entry = _held(await self._store.setting(FLAGS_SENT)).get(flag_id)
        if entry is None or "left" in entry:
            return None
        doc_id = bytes.fromhex(flag_id)
        aside = await self._store.set_aside_holds(doc_id)
        queued = await self._store.outbox_holds(doc_id)
        if "unanswered" in entry and (queued or aside):
            return LOST_REPLY
        if "pushing" in entry and queued and not aside:
            return STOPPED
        return None

    async def waiting(self, flag_id: str) -> bool:
        """Whether the safety flag `flag_id` (as `SafetyResponse.flag_id` gives it) still
        waits on this device, not delivered to the server: not sent yet (offline, or the push
        failed), or refused by the server and kept to be sent again at every sync
        (a refused flag is never taken as delivered). Its members
        cannot see it meanwhile. Works offline. Raises nothing."""
        doc_id = bytes.fromhex(flag_id)
        return await self._store.outbox_holds(doc_id) or await self._store.set_aside_holds(doc_id)

    async def _shown_plan(self, journal: str | None) -> tuple[str | None, str | None, str]:
        """What the safety message for `journal` (None: the default journal) names of the
        client's own, by `_shown_for`'s rule; with no default journal here,
        `_own_shown_plan`'s."""
        local = await self._default_or_none(journal)
        if local is None:  # no default journal here
            return await self._own_shown_plan()
        return await self._shown_for(local, await self._plan_of(local))

    async def _shown_for(
        self, local: LocalJournal, plan: SafetyPlan
    ) -> tuple[str | None, str | None, str]:
        """The one rule of what the safety message for `local` (whose plan is `plan`) names of
        the client's own: the emergency number, the crisis line (a member's with who set it)
        and the plan's text, from one plan, whole, never one plan's text with another's
        numbers, but for the crisis line as follows:
        - the journal's own plan when its owner wrote any of it (`_written`), with its own
          crisis line, else the latest line a member (a therapist) set in the journal; when
          an import wrote that plan (`SafetyPlan.imported`) the member's line first (NU75
          F8: a file never outranks the therapist's line, here as in a journal borrowing it);
        - else, in a journal this account owns, the default journal's plan (`_borrowed`: of
          no other journal, so no server's listing picks it): one the owner wrote by hand
          with its own line (it outranks a member's line set in `local`, as inside one
          journal), one an import wrote with the line a member set in `local` first (a file
          never outranks the therapist's line), each else the other;
        - else (nothing written, or another account's journal) the line a member set there.
        Nothing of it comes from a server's answer: plans and lines are owner- and
        member-signed, and whether a member annotates is the verified access chain's word."""
        wanted = plan.imported or not plan.crisis_line  # else the owner's own line wins
        member = await self._member_line_shown(local) if wanted else None
        borrowed = await self._borrowed(local, plan)
        if borrowed is None:
            line = _line_over(plan, member)
            return (plan.emergency_number, line, plan.plan) if _written(plan) else (None, line, "")
        other = borrowed[1]
        return other.emergency_number, _line_over(other, member), other.plan

    async def _plan_of(self, local: LocalJournal) -> SafetyPlan:
        """`local`'s plan as its owner wrote it (an empty one if none), without `plan`'s
        lists."""
        found = await self._plan_document(local)
        display = self._display(local)
        return plan_view(found, display) if found is not None else SafetyPlan(display)

    async def _borrowed(
        self, local: LocalJournal, plan: SafetyPlan
    ) -> tuple[LocalJournal, SafetyPlan] | None:
        """The plan the safety message for `local` (whose plan is `plan`) shows in its place,
        with its journal: the plan the owner wrote (by hand, or an import) in the default
        journal (`_plan_default`: never a plan of another journal, which a server could pick
        by withholding the journals before it); none when `local` is that journal, its
        owner wrote any of `plan` (`_written`), `local` is another account's (a member's
        view of a client's journal never shows the member's own plan), or the default
        journal is not here (`_plan_not_loaded` says so). The one rule `_shown_for` (the
        message) and `plan` (`SafetyPlan.shown_from`) follow."""
        if local.owner_id != self._replica.profile.account_id or _written(plan):
            return None
        default = await self._plan_default()
        if default is None or default.journal_id == local.journal_id:
            return None
        document = await self._plan_document(default)
        if document is None:
            return None
        found = plan_view(document, self._display(default))
        return (default, found) if _written(found) else None

    async def plan_source(self) -> PlanSource | None:
        """The journal whose plan the safety message for each of this account's journals
        with none of its own shows (`SafetyPlan.shown_from`): the default journal, else the read-only
        copy kept here of it when the server no longer lists it; None when neither is on
        this device (the server does not list it: deleted on another device, or withheld,
        and this device never held it; or no default journal was chosen here for an account
        older than derived default ids): the safety message then shows the built-in numbers
        and says the default journal's plan cannot be shown (`plan_not_loaded_line`), and
        `SyncReport.plan_not_loaded` says it. Never a server's word: a server can only make
        it missing. Works offline. Raises nothing but what reading the store raises."""
        local = await self._plan_default()
        if local is None:
            return None
        return PlanSource(local.journal_id.hex(), local.name, local.role != "owner")

    async def _plan_default(self) -> LocalJournal | None:
        """The journal whose plan every journal of this account's without one borrows
        (`Context.plan_journal`: the default journal, else the read-only copy kept here of
        it; never a server's word, so a server can only make it missing, which the message
        says: `_plan_not_loaded`, never put another journal's plan in its place). None when
        neither is here."""
        if self._plan_journal is not None:
            return await self._plan_journal()
        try:
            return await self._journal_to_read(None)
        except NotFound as error:
            if error.subject not in (NO_DEFAULT, "sync"):
                raise
        return None

    async def _plan_not_loaded(self, local: LocalJournal | None, hints: SafetyHints) -> str | None:
        """The line the safety message for `local` (None: naming no journal on a device with
        no default journal to read) shows in place of "no plan written here" when it would
        show the default journal's plan (`_borrowed`) but that journal is not here
        (`_plan_default` None): `plan_not_loaded_line`. None otherwise (a plan written in
        `local`, another account's journal, the default or its read-only copy here)."""
        if local is not None and (
            local.owner_id != self._replica.profile.account_id
            or _written(await self._plan_of(local))
        ):
            return None
        if await self._plan_default() is not None:
            return None
        return plan_not_loaded_line(hints)

    async def shown_plans(
        self,
    ) -> dict[str, tuple[str | None, str | None, tuple[str, str] | None]]:
        """For each journal this account owns here that it writes in (not a read-only copy,
        nor one it keeps only to share with a member), the default journal first: its name
        here -> (emergency number, crisis line, (id (hex), name here) of the journal whose
        plan it shows) the safety message for it shows (`message`'s rule: its own plan, else
        the default journal's it borrows; None for the built-in numbers, and for the journal
        when no plan is written in it nor borrowed; a crisis line a member set with who set
        it). An import compares them before and after it writes a plan, to name every journal
        whose message it changed (`ImportReport.plans_shown`, `no_longer_shown`). Works
        offline. Raises nothing."""
        found: dict[str, tuple[str | None, str | None, tuple[str, str] | None]] = {}
        for local in await self._own_journals():
            if local.role == "owner" and not self._replica.is_disclosure(local):
                plan = await self._plan_of(local)
                number, line, _ = await self._shown_for(local, plan)
                borrowed = await self._borrowed(local, plan)
                source = local if _written(plan) else borrowed[0] if borrowed else None
                found[self._display(local)] = (
                    number,
                    line,
                    None if source is None else (source.journal_id.hex(), self._display(source)),
                )
        return found

    async def _own_shown_plan(self) -> tuple[str | None, str | None, str]:
        """`_shown_plan` with no default journal to read: the message for the read-only copy
        kept here of the default the server no longer lists (`_gone_default`), by
        `_shown_for`'s rule, as for the default it was (a server withholding it changes
        nothing of what the message shows); with none, (None, None, ""): the built-in
        numbers, never a plan or a member's line of another journal, which a server could
        pick by what it lists (`_plan_not_loaded` says why)."""
        gone = await self._gone_default()
        if gone is not None:
            return await self._shown_for(gone, await self._plan_of(gone))
        return None, None, ""

    async def _member_line_shown(self, local: LocalJournal) -> str | None:
        """The crisis line a member set in `local` (`_member_line`), as the message shows
        it: with who set it."""
        found = await self._member_line(local)
        return None if found is None else f"{found[0]} (set by {found[1]})"

    async def _gone_default(self) -> LocalJournal | None:
        """The read-only copy kept here of the default journal when the server no longer
        lists it (`Context.gone_default`); None otherwise, and with no `gone_default`
        given."""
        return None if self._gone is None else await self._gone()

    async def _own_journals(self) -> list[LocalJournal]:
        """This account's own journals on this device (owner by the verified chain, never a
        member's journal a server relabels), the default journal first, then by name
        (`shown_plans`' order), read-only copies included."""
        me = self._replica.profile.account_id
        mine = [
            j
            for j in await self._store.journals()
            if j.owner_id == me and j.role in ("owner", REVOKED)
        ]
        default = await self._plan_default()
        mine.sort(key=lambda j: default is None or j.journal_id != default.journal_id)
        return mine  # stable: by name after the default

    async def _default_or_none(self, journal: str | None) -> LocalJournal | None:
        """The journal `journal` names (`journal_to_read`), or None when it names none (None
        or "") and this device has no default journal to read (NotFound, subject
        NO_DEFAULT or "sync"): the safety message never waits on the user choosing one.
        Raises what `journal_to_read` raises for a journal named."""
        try:
            return await self._journal_to_read(journal)
        except NotFound as error:
            if journal or error.subject not in (NO_DEFAULT, "sync"):
                raise
            return None

    async def _current_shares(self, local: LocalJournal) -> list[LocalShare]:
        """The members sharing `local` now, by its verified access chain on this device."""
        return await self._replica.current_shares(local.journal_id)

    async def _members(
        self, local: LocalJournal, plan: SafetyPlan, answered_at: int | None = None
    ) -> dict[str, str]:
        """The members a flag goes to: username -> account id (hex). The one rule every
        answer about whom a flag reaches comes from (`respond`, `respond_to_answer`,
        `flags_reach`, `plan`'s lists, `would_opt_in`, `tj shares`' flags column, `tj safety
        plan`): those the plan's opt-in names (every current member for a plan from before
        per-member opt-in), for the membership they hold now (by the verified access chain:
        opted in at or after its `granted` entry, safety.opted_in_for), who hold the
        annotate role now by that chain (never by a server's answer: a member made
        read-only could never mark a flag as read; the opt-in for them stands and
        counts again once they hold the annotate role again: `_reach`'s second); with `answered_at`
        (ms, the answer's time), only those opted in, shared with and holding the annotate
        role at or before it (a form done on paper before the opt-in gets no flag;
        safety.answered_after; no flag for an answer given while they only read)."""
        return (await self._reach(local, plan)).members(answered_at)

    async def _reach(self, local: LocalJournal, plan: SafetyPlan) -> _Reach:
        """`_members` with what decides each one's flag for an answer (`_Reached`), and the
        members the opt-in names for their current membership who hold the read role now:
        no flag reaches them until the owner gives them the annotate role again, when the
        opt-in, never withdrawn, counts again; decided together from the owner's signed plan
        and the journal's verified access chain on this device."""
        shares = await self._current_shares(local)  # chains read fresh first
        state = self._replica.chains.state(local.journal_id)
        if state is None:
            return _Reach()
        began = self._granted_at(local)
        now = now_ms()
        terms = {
            m.who.account_id.hex(): m
            for m in state.members.values()
            if m.who is not None and not m.ended(now)
        }
        found: dict[str, _Reached] = {}
        paused: dict[str, str] = {}
        for share in shares:
            member = share.member_id.hex()
            current = terms.get(member)
            if current is None:
                continue
            if plan.flag_members is not None and member not in plan.flag_members:
                continue
            if current.role != "annotate":  # no flag now; would one reach them as annotate?
                # As `_opt_in_from` decides once they annotate again: an opt-in given for a
                # share the server said they left counts for this one then, so it
                # is "read" (flags resume with that role), never "earlier".
                again = _opt_in_from(state, share.member_id, current.handle, "annotate")
                if opted_in_for(plan, member, again):
                    paused[share.member_name] = member
                continue
            if member not in began or not opted_in_for(plan, member, began[member]):
                continue
            # The opt-in may come from an earlier membership the server's word closed
            # (`began`), but the answer must come after this membership and its annotate role
            # began: the floor `_seal_missed` uses too (no flag for a time they only read).
            found[share.member_name] = _Reached(
                member,
                plan.opted_in_at(member),
                began[member],
                _annotating_since(state, current.handle),
            )
        return _Reach(found, paused)

    async def _ended_share_had_flags(self, journal: str, member_id: str, ended_at: int) -> bool:
        """Whether the client had opted the account `member_id` (hex) in for safety flags of
        `journal` (one this account owns) for its share whose signed end date `ended_at` (ms,
        UTC) passed: that membership is the account's lapsed one (`lapsed_membership`, a
        share granted now would renew it), it ended then, held the annotate role, and the
        owner's signed plan opted the account in for it (`opted_in_for`),
        not withdrawn since. Decided by account id, never by username (another account may
        bear the name), from the owner's signed plan and the journal's verified
        access chain on this device only. Used only to word the end-date notice's renewal
        command (`--safety-flags`): a renewal never signs an opt-in the client did not ask
        for. False when unknown. Raises NotFound for an unknown journal."""
        from client_sdk.sharing import lapsed_membership

        local = await self._local_journal(journal)
        state = self._replica.chains.state(local.journal_id)
        if local.role != "owner" or state is None or not member_id:
            return False
        try:
            account = bytes.fromhex(member_id)
        except ValueError:
            return False
        found = await self._plan_document(local)
        plan = plan_view(found, self._display(local)) if found is not None else None
        if plan is None or not plan.share_flags:
            return False
        current = state.member_by_account(account)
        lapsed = lapsed_membership(state, account, current, now_ms())
        if lapsed is None or lapsed.who is None or lapsed.who.account_id != account:
            return False
        if lapsed.role != "annotate" or lapsed.expires_at != ended_at:
            return False
        if lapsed.handle not in state.granted_at:
            return False
        if plan.flag_members is not None and member_id not in plan.flag_members:
            return False
        return opted_in_for(plan, member_id, _opt_in_from(state, account, lapsed.handle))

    def _granted_at(self, local: LocalJournal) -> dict[str, int]:
        """Account id (hex) -> when the membership an opt-in must be given in began
        (`_opt_in_from`), by this device's verified access chain of `local` (empty when it
        has none)."""
        state = self._replica.chains.state(local.journal_id)
        if state is None:
            return {}
        now = now_ms()
        return {
            m.who.account_id.hex(): _opt_in_from(state, m.who.account_id, m.handle)
            for m in state.members.values()
            if m.who is not None and not m.ended(now) and m.handle in state.granted_at
        }

    async def _raise_flag(self, local: LocalJournal, result: MeasureResult, to: list[str]) -> str:
        instrument = builtin_instruments()[result.measure]
        answers = result.answers or ()
        item = next(n for n in instrument.safety_items if answers[n - 1] > 0)
        document = Document(keys.new_doc_id(self._replica.profile.account_id), SAFETY_FLAG)
        update = flag_update(
            document, result.id, result.measure, item, answers[item - 1], now_ms(), to
        )
        sealed_at = now_ms()
        listing = self._listing(document.doc_id, sealed_at)
        await self._replica.commit(local, document, update, also=listing)
        return document.doc_id.hex()

    # --- flags and acknowledgements -------------------------------------------------------------

    async def flags(self, journal: str | None = None) -> list[SafetyFlag]:
        """Safety flags this device can read (a client's own, or those clients sealed for this
        therapist), of one journal or all, unacknowledged first, then newest first (by
        `raised_at`, UTC). Only flags the journal's owner wrote count; only acknowledgements
        by someone else than the owner count (the author is the record's signer). A share
        that ended keeps its flags, as last synced, from the read-only copy this device kept
        (`SafetyFlag.read_only_copy`; they can no longer be acknowledged): `share_ended` when
        its owner's signed chain ended it (or this account left it), `unlisted` when only the
        server stopped serving it; one whose owner-signed end date passed by this device's
        clock is ended so, before a sync too, whatever the server lists. On a therapist's
        device that never held an earlier share of the journal (shared again since), a flag
        raised (owner's clock) before the current share that no acknowledgement here names
        is `before_share`, context only: it is unacknowledged here all the same (a
        server can keep a flag from every device of a member, and clocks differ), and
        acknowledgements then, if any, are on the account's other devices;
        `copy_forgotten` when this device held that share and discarded its copy. The
        client's own that have not left this device are `unsent` (`SafetyFlag.status`),
        those of a journal of theirs no longer on the server (deleted on another device, or
        withheld) too, as `unsent()` tells them; its other flags are not listed.
        Works offline.
        Raises NotFound for an unknown journal."""
        return await self._read_flags(journal, keep_own_gone=False)

    async def _read_flags(self, journal: str | None, keep_own_gone: bool) -> list[SafetyFlag]:
        """`flags(journal)`; with `keep_own_gone`, also every flag of a journal of this
        account's own that the server no longer holds (a read-only copy: what a brief cannot
        cover says them, `Briefs.read_only_copies`; a server can make any journal such a copy
        by withholding it)."""
        me = self._replica.profile.account_id
        await self._replica.load_access()  # each share's end: from its verified chain
        now = now_ms()
        journals = {
            # a share whose owner-signed end date passed is over, before a sync stores it so
            # (`Replica.share_lapsed`), as in the journal list and the caseload
            j.journal_id: replace(j, role=REVOKED) if self._replica.share_lapsed(j, now) else j
            for j in await self._store.journals()
        }
        # this account's own no longer on the server: only its flags still on this device
        own_gone = {k for k, j in journals.items() if j.role == REVOKED and j.owner_id == me}
        wanted = (await self._local_journal(journal)).journal_id if journal else None
        left = forgotten.decode(await self._store.setting(forgotten.LEFT))  # left here
        unlisted = {  # no longer served by the server's word alone (`Journal.unlisted`)
            journal_id for journal_id, j in journals.items() if self._replica.unlisted(j, now, left)
        }
        flags: dict[str, SafetyFlag] = {}
        acks: list[tuple[str, bytes, bytes, int]] = []  # flag id, journal, author, time
        for stored in await self._store.documents(wanted, (SAFETY_FLAG, SAFETY_ACK)):
            local = journals.get(stored.journal_id)
            if local is None:
                continue
            creator = await self._creator(stored)
            document = stored_document(stored)
            if stored.kind == SAFETY_FLAG and creator == local.owner_id:
                to = flag_recipients(stored_document(stored))
                if local.owner_id != me and to is not None and me.hex() not in to:
                    continue  # sealed for other members: not this one's
                view = flag_view(
                    document, self._display(local), local.journal_id.hex(), self._owner(local)
                )
                if view is not None:  # the role by this device's verified chain
                    server_only = local.journal_id in unlisted
                    mine = local.owner_id == me
                    flags[view.id] = replace(
                        view,
                        share_ended=local.role == REVOKED and not server_only and not mine,
                        unlisted=server_only,
                        reads_only=local.role == "read",
                    )
            elif stored.kind == SAFETY_ACK and creator is not None and creator != local.owner_id:
                ack = ack_view(document)
                if ack is not None:
                    acks.append((ack[0], stored.journal_id, creator, ack[1]))
        firsts: dict[tuple[str, bytes], int] = {}  # one acknowledgement a member: the first
        for flag_id, journal_id, author, at in acks:
            flag = flags.get(flag_id)
            if flag is None or flag.journal_id != journal_id.hex():  # same journal only
                continue
            if flag.recipients is not None and author.hex() not in flag.recipients:
                continue  # not sealed for them (by account id, as fix34c): acknowledges nothing
            firsts[flag_id, author] = min(at, firsts.get((flag_id, author), at))
        for (flag_id, author), at in sorted(firsts.items(), key=lambda item: item[1]):
            flag = flags[flag_id]
            local = journals[bytes.fromhex(flag.journal_id)]
            name = await self._name(local, author)
            seen = Acknowledgement(name, to_datetime(at), author == me, author.hex())
            flags[flag_id] = replace(flag, acknowledged=(*flag.acknowledged, seen))
        for journal_id in {bytes.fromhex(f.journal_id) for f in flags.values()}:
            granted = await self._replica.earlier_share_elsewhere(journals[journal_id])
            if granted is None:
                continue
            back = await self._replica.copy_forgotten(journal_id)
            for flag_id, flag in list(flags.items()):
                earlier = flag.raised_at < to_datetime(granted)
                if flag.journal_id == journal_id.hex() and earlier and not flag.acknowledged:
                    flags[flag_id] = replace(flag, before_share=True, copy_forgotten=back)
        if any(journals[bytes.fromhex(f.journal_id)].owner_id == me for f in flags.values()):
            # the client's own that have not left this device (`waiting`), read in one query
            waiting = {d.hex() for _, d in await self._store.waiting_documents() if d}
            for flag_id, flag in list(flags.items()):
                if flag_id in waiting:
                    unanswered = await self._unanswered(flag_id) is not None
                    flags[flag_id] = replace(flag, unsent=True, unanswered=unanswered)
                elif bytes.fromhex(flag.journal_id) in own_gone and not keep_own_gone:
                    del flags[flag_id]  # left before its journal went: not listed (as before)
        # sent after their share had ended (`_undelivered`), or (a flag of any device of this
        # account) its member's share ended with no acknowledgement of theirs held here
        held = read_json(await self._store.setting(FLAGS_UNDELIVERED), {})
        for flag_id, flag in list(flags.items()):
            flags[flag_id] = await self._not_delivered(flag, journals, held)
        found = sorted(flags.values(), key=lambda f: (f.raised_at, f.id), reverse=True)
        return sorted(found, key=lambda f: bool(f.acknowledged))

    async def acknowledge(self, flag_id: str) -> SafetyFlag:
        """Mark a flag as read (a therapist with the annotate role in the client's journal);
        the client sees who acknowledged it and when (UTC). A flag this account acknowledged
        already is returned as it is, nothing written (its `Acknowledgement.mine` says when).
        Readers count one acknowledgement a member, its first. Works offline. Raises InvalidInput
        for a malformed or ambiguous id, NotFound for an unknown flag (or one that does not
        verify as the owner's), AccessError without the annotate role, RollbackError (an IntegrityError) while the journal's access chain on this device is rolled back or unverified."""
        local, document = await self._document_of_kind(flag_id, SAFETY_FLAG)
        if local.role == REVOKED:
            raise AccessError(await self._ended_reason(local), subject=SHARE_ENDED)
        if local.role == "read":  # by this device's verified access chain
            raise AccessError(
                f"you only read {local.name} now (the read role {local.owner_name} gave you): "
                "only a member with the annotate role can acknowledge a safety flag, and "
                f"{local.owner_name}'s devices seal none for you while you only read. Tell "
                f"{local.owner_name} yourself that you saw this one"
            )
        if local.role != "annotate":
            raise AccessError("only a member with the annotate role can acknowledge a safety flag")
        full_id = document.doc_id.hex()
        found = [f for f in await self.flags(local.journal_id.hex()) if f.id == full_id]
        if not found:
            # checked before writing: nothing is written for a flag that does not verify
            raise NotFound(f"safety flag {flag_id} is not readable here")
        if any(a.mine for a in found[0].acknowledged):
            return found[0]  # acknowledged already: one acknowledgement a member (R13 11)
        ack = Document(keys.new_doc_id(self._replica.profile.account_id), SAFETY_ACK)
        await self._replica.commit(local, ack, ack_update(ack, full_id, now_ms()))
        for flag in await self.flags(local.journal_id.hex()):
            if flag.id == full_id:
                return flag
        raise AssertionError("an acknowledged flag is readable")  # checked above

    # --- helpers ---------------------------------------------------------------------------------

    async def _ended_reason(self, local: LocalJournal) -> str:
        """Why a flag of `local`, a journal whose share with this account ended, cannot be
        acknowledged: an acknowledgement is a record of that journal, which the owner-signed
        chain no longer lets this account write (the server refuses it, the owner's devices
        would drop it). When the owner still shares a field-level copy of it with this
        account (`Replica.copy_still_read`: most likely a narrowing, `tj share --only`), the
        share was narrowed, not simply ended, and the copy is named; the client
        is never told the flag was read either way."""
        copy = self._replica.copy_still_read(local, await self._store.journals())
        owner = self._owner(local)
        left = forgotten.decode(await self._store.setting(forgotten.LEFT))
        if self._replica.unlisted(local, now_ms(), left):
            # the server's word alone (`SafetyFlag.unlisted`): never said as an end
            ended = (
                f"the server no longer serves {owner}'s {quoted_name(local.name)} to you "
                f"(nothing {owner} signed says the share ended: they may have ended it, or the "
                "server may be holding it back)"
            )
            if not copy:
                return f"{ended}: this flag can no longer be acknowledged"
        elif not copy:
            return f"{owner}'s share ended: this flag can no longer be acknowledged"
        else:
            ended = f"{owner}'s share of {local.name} with you ended"
        return (
            f"{ended}: {owner} most likely narrowed it to the fields you read in '{owner}/{copy}', which carries no safety flag. An "
            f"acknowledgement is written in {local.name}, where you can no longer write, so "
            f"this flag can no longer be acknowledged and {owner}'s devices will not show it "
            f"read: tell {owner} yourself that you saw it."
        )

    async def _documents(self, local: LocalJournal, kind: str) -> list[StoredDocument]:
        return await self._store.documents(local.journal_id, (kind,))

    async def _creator(self, stored: StoredDocument) -> bytes | None:
        return (await self._store.creators([stored.doc_id])).get(stored.doc_id)

    def _owner(self, local: LocalJournal) -> str:
        return self._replica.owner_label(local)

    async def _name(self, local: LocalJournal, account_id: bytes) -> str:
        if account_id == self._replica.profile.account_id:
            return self._replica.profile.username
        return await self._replica.member_name(local, account_id)


def _shown_versions(raw: Any) -> dict[str, str]:
    """PLANS_SHOWN as kept (JSON, journal id hex -> version); {} when unset or unreadable.
    Pure."""
    try:
        found = json.loads(raw) if raw else {}
    except (TypeError, ValueError):
        return {}
    if not isinstance(found, dict):
        return {}
    return {str(k): str(v) for k, v in found.items() if isinstance(v, str)}


def _line_over(borrowed: SafetyPlan, member_line: str | None) -> str | None:
    """The crisis line the safety message of a journal shows from the plan `borrowed` (its
    own, or the default journal's it borrows), `member_line` being the one a member set in
    that journal (with who set it) or None: a line the owner wrote by hand first, a
    member's before one an import wrote (`SafetyPlan.imported`), in the plan's own journal
    as in one borrowing it (NU75 F8)."""
    if borrowed.imported:
        return member_line or borrowed.crisis_line
    return borrowed.crisis_line or member_line


def _written(plan: SafetyPlan) -> bool:
    """Whether the owner wrote any of `plan` the safety message shows: its text, emergency
    number or crisis line (not one that only opts in to safety flags)."""
    return bool(plan.plan.strip() or plan.emergency_number or plan.crisis_line)
