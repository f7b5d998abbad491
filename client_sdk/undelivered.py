"""What a member may not have received of a journal: asked before a share with them ends
(`client.shares.revoke`, and `grant(only=...)` narrowing a whole-journal share), since what
they have not downloaded by then never reaches them (NU19 C2).

The owner's device cannot know what a member's device downloaded: the server's fetch log is
the server's word, never the authority (GUIDE, "the one rule of the threat model"). What it
can know from signed data is whether the member acknowledged a safety flag (a `safety_ack`
record the member signed, safety.py). So it lists, for a member who reads the whole journal:

- each safety flag sealed for them that they have not acknowledged: they may not have
  received it;
- for a member who cares for the client (holds the annotate role of the journal, or reads a
  copy the client chose to share answers in: a field-level copy, or the journal of items
  shared one by one), the latest result of each measure
  whose safety item (PHQ-9 item 9) was answered above 0,
  or, when a later one retook it within its recall period with the item at 0, that earlier
  result (as the caseload keeps it: caseload.safety_answers, NU22 C1), and each invalid
  result (answers that are not the instrument's) whose safety item holds an answer above 0
  (as the caseload ranks it), unless the member acknowledged a flag raised for that result: they may not have seen it
  (the client may not have opted in to flags, or the flag went to someone else). A member
  who only reads the whole journal was never chosen to act on a safety answer (a flag needs
  the annotate role): a share with them, perhaps made by mistake, ends without citing the
  answer to them (an item-9 answer that account was never meant to get);
- for a member a pre-session brief was shared with, the brief, while that share lasts, when
  its digest says a safety item answered above 0 (`brief_undelivered`: no receipt is ever
  signed for a brief, and it may cover journals the member does not read);
- and for each, whether it still waits on this device, not yet sent to the server (then it
  certainly has not reached them).

Pure: callers pass the flags, results and waiting ids.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from client_sdk.models import json_time

if TYPE_CHECKING:  # imported where used: sharing.py imports this module at start-up
    from client_sdk.results import InvalidResult, MeasureResult
    from client_sdk.safety import SafetyFlag

SAFETY_FLAG = "safety_flag"
RESULT = "result"
BRIEF = "brief"
"""`Undelivered.kind` of a pre-session brief shared with the member whose digest says a safety
item answered above 0 (`brief_undelivered`)."""


@dataclass(frozen=True)
class Undelivered:
    """Something of the journal the member may not have received: a `kind` "safety_flag",
    "result" or "brief" (a pre-session brief shared with them that says a safety item
    answered above 0), its `id` (hex: the flag's, the result's, the brief's), the instrument
    (`measure` id, `name`), the safety `item` and its `answer` (a brief's: the highest it
    says), the `score` (None for a flag raised without a score, and for a brief), when it
    happened (`at`, UTC: the flag's `raised_at`, the result's `taken_at`, the brief's
    `created_at`) and whether it still `waiting` on this device, not yet sent to the
    server."""

    kind: str
    id: str
    journal: str
    measure: str
    name: str
    item: int
    answer: int
    score: int | None
    at: datetime
    waiting: bool = False

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: times as ISO 8601 strings in UTC; ids as hex."""
        return {
            "kind": self.kind,
            "id": self.id,
            "journal": self.journal,
            "measure": self.measure,
            "name": self.name,
            "item": self.item,
            "answer": self.answer,
            "score": self.score,
            "at": json_time(self.at),
            "waiting": self.waiting,
        }


def undelivered(
    flags: Iterable[SafetyFlag],
    results: Iterable[MeasureResult],
    member: str,
    member_id: str,
    waiting: Collection[str] = (),
    *,
    cares: bool = True,
    invalid: Iterable[InvalidResult] = (),
) -> list[Undelivered]:
    """What `member` (username; `member_id` their account id, hex) may not have received of
    one journal, oldest first (module docstring). `flags` and `results` are the journal's;
    `waiting` holds the ids (hex) of documents still waiting on this device; `cares`: the
    member cares for the client (annotate role, or a copy with answers chosen for them), so
    results with a safety answer above 0 count too, not only the flags sealed for them, and
    so does each of the journal's `invalid` results (answers that are not the instrument's)
    whose safety item holds an answer above 0, as a caseload ranks it: kind "result", no
    score, its `safety_level`, or the item's highest option when that is not known, `at` its
    `taken_at` (1970-01-01 UTC when it cannot be dated)."""
    results = list(results)
    by_id = {r.id: r for r in results}
    theirs = [f for f in flags if f.recipients is None or member_id in f.recipients]
    seen = {f.result_id for f in theirs if any(a.by == member for a in f.acknowledged)}
    found = []
    for flag in theirs:
        if any(a.by == member for a in flag.acknowledged):
            continue
        result = by_id.get(flag.result_id)
        found.append(
            Undelivered(
                SAFETY_FLAG,
                flag.id,
                flag.journal,
                flag.measure,
                _name(flag.measure),
                flag.item,
                flag.answer,
                result.score if result else None,
                flag.raised_at,
                flag.id in waiting,
            )
        )
    flagged = {f.result_id for f in theirs if f.id in {u.id for u in found}}
    from client_sdk.caseload import safety_answers
    from client_sdk.scoring import builtin_instruments

    for latest, _, _ in safety_answers(results if cares else []):  # NU22 C1; NU65 F17
        measure = latest.measure
        if latest.id in seen or latest.id in flagged:
            continue
        instrument = builtin_instruments()[measure]
        answers = latest.answers or ()
        item = next(n for n in instrument.safety_items if answers[n - 1] > 0)
        found.append(
            Undelivered(
                RESULT,
                latest.id,
                latest.journal,
                measure,
                latest.name,
                item,
                answers[item - 1],
                latest.score,
                latest.taken_at,
                latest.id in waiting,
            )
        )
    for bad in invalid if cares else ():
        if not bad.safety_answer or bad.id in seen or bad.id in flagged:
            continue
        known = builtin_instruments().get(bad.measure)
        if known is None or not known.safety_items:
            continue
        highest = max(o.value for o in known.options)
        found.append(
            Undelivered(
                RESULT,
                bad.id,
                bad.journal,
                bad.measure,
                bad.name,
                known.safety_items[0],
                highest if bad.safety_level is None else bad.safety_level,
                None,
                bad.taken_at or UNDATED,
                bad.id in waiting,
            )
        )
    return sorted(found, key=lambda u: (u.at, u.id))


UNDATED = datetime(1970, 1, 1, tzinfo=UTC)
"""`Undelivered.at` of an invalid result that cannot be dated."""


def brief_undelivered(
    brief_id: str,
    journal: str,
    digest: Any,
    made_at: datetime,
    member: str,
    flag_answers: dict[tuple[str, int, str], int],
    waiting: bool = False,
) -> Undelivered | None:
    """A pre-session brief shared with `member` (username) as what they may not have
    received, when its `digest` (`Brief.to_dict()` as stored: an app of another
    implementation may have written it) says a safety item answered above 0: a line of its
    `safety_items`, or one of its `safety_flags` that `member` had not acknowledged when it
    was made (a questionnaire stopped after the item leaves a flag and no result). No
    receipt is ever signed for a brief, so one shared with them counts while its share
    lasts, whatever else they read. One item per brief, kind BRIEF, id `brief_id`, `at` its
    `made_at`: the highest answer it says (a flag's answer from `flag_answers`, keyed by
    measure, item and `raised_at` as the digest writes it, from the owner's own flags; the
    item's highest option when no flag held here matches, erring toward asking). None when
    it says none (a line that does not read as a safety item of a known instrument is left
    out). Pure; raises nothing."""
    from client_sdk.scoring import builtin_instruments

    said: list[tuple[int, str, int]] = []  # (answer, measure, item)
    lines = digest.get("safety_items") if isinstance(digest, dict) else None
    for line in lines if isinstance(lines, list) else []:
        found = _safety_line(line)
        answer = _whole(line.get("answer")) if found is not None else None
        if found is not None and answer is not None and answer > 0:
            said.append((answer, *found))
    flags = digest.get("safety_flags") if isinstance(digest, dict) else None
    for flag in flags if isinstance(flags, list) else []:
        found = _safety_line(flag)
        if found is None:
            continue
        seen = flag.get("acknowledged")
        if isinstance(seen, list) and any(
            isinstance(a, dict) and a.get("by") == member for a in seen
        ):
            continue
        highest = max(o.value for o in builtin_instruments()[found[0]].options)
        answer = flag_answers.get((*found, str(flag.get("raised_at"))), highest)
        said.append((answer, *found))
    if not said:
        return None
    answer, measure, item = max(said)
    return Undelivered(
        BRIEF, brief_id, journal, measure, _name(measure), item, answer, None, made_at, waiting
    )


def _safety_line(line: Any) -> tuple[str, int] | None:
    """(measure, item) of a brief's digest line naming a safety item of a known instrument,
    else None."""
    from client_sdk.scoring import builtin_instruments

    if not isinstance(line, dict):
        return None
    measure, item = line.get("measure"), _whole(line.get("item"))
    if not isinstance(measure, str) or item is None:
        return None
    instrument = builtin_instruments().get(measure)
    if instrument is None or item not in instrument.safety_items:
        return None
    return measure, item


def _whole(value: Any) -> int | None:
    """A whole number as a digest holds one (9 or 9.0), else None (a bool included)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return int(value) if float(value).is_integer() else None


def _name(measure: str) -> str:
    from client_sdk.scoring import builtin_instruments

    found = builtin_instruments().get(measure)
    return found.name if found else measure


SEEN_LATER = "seen_later"
"""`Recipient.state`: a record the member's device signed says it had received a record of the
owner's device at or after one that could bring the item to them (stored by the server, under
a key the member holds). Their device may well have it, but a seen vector is the
highest counter received, not "every counter up to it" (a server can keep one record and
serve a later one), so it is no proof of receipt: "may have received it (their device had
seen later records)" (R46 F2). Nothing is ever told as "already received"."""
MAY_HAVE = "may_have"
"""`Recipient.state`: a record of the item may have left this device (put in a push request,
or stored by the server); whether their device downloaded it is not known here (no record of
theirs signed since says it saw later ones)."""
NOT_SENT = "not_sent"
"""`Recipient.state`: no record of the item sealed under a key the member holds was ever handed
to the transport (put in a push request) or stored by the server: they cannot have it (R46
F4: a missing server acknowledgement is no proof that a record never left; R46 F1: a record
from before their share, which they cannot open, brings them nothing)."""


@dataclass(frozen=True)
class Recipient:
    """A current member who can read one of this account's items (an entry, a measure
    result): `member` (username), `journal` (the name of the journal they read it through:
    the item's own journal, or a copy kept for them, `copy` True), and `state`: SEEN_LATER
    ("seen_later": a record their device signed, verified here, names in its seen vector a
    counter of the owner's device at or past a record that could bring the item to them:
    they may have received it, their device had seen later records; no proof),
    MAY_HAVE ("may_have": a record of it may have left this device, and no record of theirs
    says more: the server's word about downloads is never taken) or NOT_SENT ("not_sent": no
    record of it that they can open was ever put in a push request or stored by the server:
    nothing of it they can open has left this device).
    Never "already received" (protocol.md 4.18 Receipts).

    What a removal does at a recipient is the same in every state: an entry moved to the
    trash, or a result or entry deleted for good, leaves their view at their next sync
    (what they exported or wrote down elsewhere stays with them)."""

    member: str
    journal: str
    copy: bool
    state: str

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "member": self.member,
            "journal": self.journal,
            "copy": self.copy,
            "state": self.state,
        }


def receipt_state(
    owner_id: bytes,
    first: dict[tuple[bytes, bytes], int],
    claims: dict[tuple[bytes, bytes], int],
    sent: bool,
) -> str:
    """A member's `Recipient.state` for one item. `sent`: a record of the item sealed under an
    epoch the member holds was stored by the server or put in a push request (else NOT_SENT,
    whatever any claim says: R46 F1, F3, F4);
    `first`: per (author, device), the lowest counter of the item's records that could have
    brought it to that member (stored by the server, sealed under an epoch the member holds:
    R46 F1); `claims`: the highest counter of each device the member's
    signed records say their device had received, each at most what this device knows that
    device drew (R46 F3). Only the owner's records count (the owner's device writes the
    item; a member's claim of another member's records is no receipt of it). SEEN_LATER at
    most: a seen vector is no proof of receipt (R46 F2)."""
    if not sent:
        return NOT_SENT
    for (author, device), counter in first.items():
        if author == owner_id and claims.get((author, device), 0) >= counter:
            return SEEN_LATER
    return MAY_HAVE


RECEIPT_ORDER = (SEEN_LATER, MAY_HAVE, NOT_SENT)
"""`Recipient.state`s from the most certain that the member may have the item to the least."""


@dataclass(frozen=True)
class MemberReceipt:
    """What is known of one member's receipt of an item, over every way they read it
    (one answer per member, not per `Recipient` row): `state`, the most certain of their rows'
    states (RECEIPT_ORDER: SEEN_LATER before MAY_HAVE before NOT_SENT), and `through`, the
    names of the copies kept for them that they read it through (sorted), empty when they
    read the item's own journal (a field-level copy holds only some of its fields: an app
    names the copy then)."""

    member: str
    state: str
    through: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"member": self.member, "state": self.state, "through": list(self.through)}


def recipients_by_member(recipients: Iterable[Recipient]) -> list[MemberReceipt]:
    """`recipients` (as `client.shares.recipients(item_id)` gives them: one row per member
    and journal they read the item through) merged into one `MemberReceipt` per member,
    sorted by username. Pure; raises nothing."""
    best: dict[str, str] = {}
    copies: dict[str, set[str]] = {}
    whole: set[str] = set()
    for r in recipients:
        known = best.get(r.member)
        if known is None or RECEIPT_ORDER.index(r.state) < RECEIPT_ORDER.index(known):
            best[r.member] = r.state
        if r.copy:
            copies.setdefault(r.member, set()).add(r.journal)
        else:
            whole.add(r.member)
    return [
        MemberReceipt(m, best[m], () if m in whole else tuple(sorted(copies[m])))
        for m in sorted(best)
    ]


def recipients_by_state(recipients: Iterable[Recipient]) -> dict[str, list[MemberReceipt]]:
    """`recipients_by_member`, grouped by `MemberReceipt.state` in RECEIPT_ORDER (only the
    states some member is in): what an app says per group ("drsmith and tom may have received
    it ...")."""
    members = recipients_by_member(recipients)
    return {
        state: [m for m in members if m.state == state]
        for state in RECEIPT_ORDER
        if any(m.state == state for m in members)
    }
