"""The same words inserted at the same place on two devices, found in a merged document, and
the Yjs update that keeps one copy (R45 F3, made sound in R47 F1).

Yjs keeps every insert: a typo fixed the same way on two devices before they synced ("teh" ->
"the" twice) reads "thethe" everywhere once merged, as two inserts with the same content and
the same neighbours when written (left and right origins) from two clients. Such *twins* are
found here from a document's state alone (`twin_deletes`), so every device holding the same
records finds the same ones and keeps the same copy: the one of the lowest client id. The
others are deleted by an update that holds a delete set only; a device that deletes them
too, or later, changes nothing (deletes are idempotent), so devices converge whichever of
them write it.

What is compared is each *whole insert*, never a piece of one: Yjs splits an item where
later words go inside it or where a part of it is deleted, and the left piece keeps the
item's origins, so two different inserts made at one place (" I felt calm." / " I felt
tired.") leave pieces with the same words and the same origins (" I felt ") once words are
added inside both (R47 F1). A split's right piece, and words typed straight after an insert,
name as left origin the clock just before their own of the same client: the structs of one
client joined so, in clock order, are one *run*, and only runs are compared: the same whole
text, the same origins, no piece deleted (a run holding a struct this decoder cannot place,
a `GC`, is never a twin).

The state is decoded by `yjs_updates` (Yjs' update format v1): pure, no I/O; on anything it
does not read this module gives up (None), and nothing is deleted.
"""

from __future__ import annotations

from dataclasses import dataclass

from client_sdk.yjs_binary import delete_set_update
from client_sdk.yjs_updates import Struct, Unreadable, decode


@dataclass
class _Run:
    """The structs of one client joined into one insert as written (see the module's doc)."""

    first: Struct
    pieces: list[Struct]

    @property
    def length(self) -> int:
        return sum(piece.length for piece in self.pieces)

    def text(self) -> str | None:
        """The whole run's words, or None unless every piece is a string item of a text with
        the run's right origin (a split keeps it): only such runs can be twins."""
        words = []
        for piece in self.pieces:
            if not piece.placed or piece.text is None:
                return None
            if piece.right_origin != self.first.right_origin:
                return None
            words.append(piece.text)
        return "".join(words)


def _runs(structs: list[Struct]) -> list[_Run]:
    """`structs` joined into runs: a struct whose left origin is the clock just before its
    own, of its own client, held by the struct just before it, continues its run
    (a split's right piece, or words typed on after it); a `GC` right after a run may
    continue it (unknown), so it joins it, and the run is never a twin."""
    runs: list[_Run] = []
    last: dict[int, tuple[Struct, _Run]] = {}
    for item in sorted(structs, key=lambda s: (s.client, s.clock)):
        before = last.get(item.client)
        joins = before is not None and before[0].clock + before[0].length == item.clock
        joins = joins and (not item.placed or item.origin == (item.client, item.clock - 1))
        if joins and before is not None:
            run = before[1]
            run.pieces.append(item)
        else:
            run = _Run(item, [item])
            runs.append(run)
        last[item.client] = (item, run)
    return runs


def _touched(ranges: list[tuple[int, int]], clock: int, length: int) -> bool:
    return any(start < clock + length and clock < start + size for start, size in ranges)


def twin_deletes(state: bytes) -> bytes | None:
    """A Yjs v1 update (no structs, a delete set only) deleting every *twin* insert of the
    document whose whole state is `state`: a whole insert as written (a run, see the
    module's doc: never a piece of one), no part of it deleted, with the same text, left
    origin, right origin and parent as such an insert of a lower client id (the same words
    inserted at the same place on two devices before either had the other's; an insert
    made after another has that one or its words as an origin, never the same ones). The
    lowest client's copy is kept. None when there is none, or `state` does not decode here.
    (An insert without origins, the first words of an empty text, names its parent: the
    words of two texts are never twins.)"""
    try:
        structs, deletes = decode(state)
    except Unreadable:
        return None
    places: dict[tuple[object, ...], list[_Run]] = {}
    for run in _runs(structs):
        text = run.text()
        if text is None:
            continue
        key = (run.first.origin, run.first.right_origin, run.first.parent, text)
        places.setdefault(key, []).append(run)
    twins: dict[int, list[tuple[int, int]]] = {}
    for runs in places.values():
        if len({run.first.client for run in runs}) < 2:
            continue  # the usual case: checked without reading the delete set
        live = sorted(
            (
                r
                for r in runs
                if not _touched(deletes.get(r.first.client, []), r.first.clock, r.length)
            ),
            key=lambda r: (r.first.client, r.first.clock),
        )
        for run in live[1:]:
            if run.first.client != live[0].first.client:
                twins.setdefault(run.first.client, []).append((run.first.clock, run.length))
    return delete_set_update(twins) if twins else None


def carries_stripped(update: bytes, state: bytes) -> bool:
    """Whether `update` (a record's Yjs v1 update) is a removal carried again whole at a
    share (`Document.removal_since` of every client from clock 0 with `strip`, protocol.md
    4.19 "Removals carried again") of the document whose whole state here is `state`: it
    holds every struct `state` holds live, and some of them arrive deleted (content
    `ContentDeleted`, not in the update's delete set): a holder that lacked them (a member
    whose share began after the removal) holds them deleted, so a restore must write the
    entry's values anew for it (R48 F3). False for an update or a state not read here, and
    for one carrying only some clients' changes (a late removal carried across a cut)."""
    try:
        carried, carried_deletes = decode(update)
        held, deletes = decode(state)
    except Unreadable:
        return False
    ranges: dict[int, list[tuple[int, int]]] = {}
    stripped: dict[int, list[tuple[int, int]]] = {}
    for item in carried:
        ranges.setdefault(item.client, []).append((item.clock, item.length))
        if item.gone and not _touched(
            carried_deletes.get(item.client, []), item.clock, item.length
        ):
            stripped.setdefault(item.client, []).append((item.clock, item.length))
    if not stripped:
        return False
    deletes = {client: sorted(found) for client, found in deletes.items()}  # sorted once,
    ranges = {client: sorted(found) for client, found in ranges.items()}  # not per item
    live = [
        item
        for item in held
        if item.placed
        and not item.gone
        and not _covered_sorted(deletes.get(item.client, []), item.clock, item.length)
    ]
    if not all(_covered_sorted(ranges.get(i.client, []), i.clock, i.length) for i in live):
        return False
    return any(_touched(stripped.get(i.client, []), i.clock, i.length) for i in live)


def _covered(ranges: list[tuple[int, int]], clock: int, length: int) -> bool:
    """Whether the clocks [clock, clock + length) are all within `ranges` ((start, size))."""
    return _covered_sorted(sorted(ranges), clock, length)


def _covered_sorted(ranges: list[tuple[int, int]], clock: int, length: int) -> bool:
    """`_covered` for `ranges` sorted already (a caller asking of many items sorts once)."""
    at = clock
    for start, size in ranges:
        if start > at:
            break  # sorted: no later range starts at or before `at`
        if start <= at < start + size:
            at = start + size
        if at >= clock + length:
            return True
    return at >= clock + length


@dataclass(frozen=True)
class TwinEdits:
    """Edits made of a twin copy (`deleted`'s run) by devices that held it live, found once
    that copy is deleted and the twin `kept` lives on (R48 F1): every offset is in UTF-16
    units from the start of the copy (the two copies have the same words).

    `kept`: (client, first clock, length) of the live copy; `removed`: (offset, length) of
    the words of the deleted copy those devices deleted; `inserts`: (offset, text) of words
    they inserted into it, before the copy's character at `offset` (its length: at its end);
    `strays`: (client, clock, length) of those inserted words where they are, live among the
    deleted copy's items."""

    kept: tuple[int, int, int]
    removed: tuple[tuple[int, int], ...]
    inserts: tuple[tuple[int, str], ...]
    strays: tuple[tuple[int, int, int], ...]


def twin_edits(before: bytes, after: bytes) -> list[TwinEdits]:
    """The edits made of twin copies that `after` (a document's whole state) holds deleted,
    whole, while `before` (the same document's state earlier on this device) held them edited
    and not wholly deleted (R48 F1): an insert of the lowest client's copy is twin-deleted by
    whichever owner device finds the twins, possibly while the writer of the deleted copy
    edits it before it has that delete; the edit then lands among deleted items. A device
    that held the edits carries them over to the live copy (`documents.carry_twin_edits`).

    A deleted run of `before` (see the module's doc) is such a copy when a live, whole run of
    `after` of a lower client has its first piece's origins and parent and its length, and
    the words of every piece `before` held live at the same offsets. Its edits: the pieces
    `before` held deleted, and the live words of `after` (whole runs of other clients) whose
    left origin, or else right origin, is one of its characters. Empty when there are none or
    a state does not decode here."""
    try:
        now, deletes = decode(after)
    except Unreadable:
        return []
    runs_now = _runs(now)
    live: dict[tuple[object, ...], list[tuple[_Run, str]]] = {}
    for run in runs_now:
        text = run.text()
        if text is None or _touched(deletes.get(run.first.client, []), run.first.clock, run.length):
            continue
        key = (run.first.origin, run.first.right_origin, run.first.parent, run.length)
        live.setdefault(key, []).append((run, text))
    candidates = {  # deleted whole beside a live copy of a lower client: read `before` then
        (run.first.client, run.first.clock)
        for run in runs_now
        if _covered(deletes.get(run.first.client, []), run.first.clock, run.length)
        and any(
            r.first.client < run.first.client
            for r, _ in live.get(
                (run.first.origin, run.first.right_origin, run.first.parent, run.length), []
            )
        )
    }
    if not candidates:
        return []  # the usual case: `before` is not read
    try:
        held, held_deletes = decode(before)
    except Unreadable:
        return []
    found: list[TwinEdits] = []
    for run in _runs(held):
        client, first, length = run.first.client, run.first.clock, run.length
        if (client, first) not in candidates:
            continue
        if not run.first.placed or any(not p.placed for p in run.pieces):
            continue
        own = held_deletes.get(client, [])
        if _covered(own, first, length) or not _covered(deletes.get(client, []), first, length):
            continue
        key = (run.first.origin, run.first.right_origin, run.first.parent, length)
        twins = [
            (r, t)
            for r, t in live.get(key, [])
            if r.first.client < client and _same_words(run, own, t)
        ]
        if not twins:
            continue
        kept, _ = min(twins, key=lambda pair: (pair[0].first.client, pair[0].first.clock))
        removed = _deleted_offsets(own, first, length)
        inserts: list[tuple[int, str]] = []
        strays: list[tuple[int, int, int]] = []
        for other in runs_now:
            if other.first.client == client or other is kept:
                continue
            anchor = _anchor(other.first, client, first, length)
            if anchor is None:
                continue
            words = [
                p
                for p in other.pieces
                if p.placed
                and p.text is not None
                and not _touched(deletes.get(p.client, []), p.clock, p.length)
            ]
            if not words:
                continue
            inserts.append((anchor, "".join(p.text or "" for p in words)))
            strays.extend((p.client, p.clock, p.length) for p in words)
        if removed or inserts:
            found.append(
                TwinEdits(
                    (kept.first.client, kept.first.clock, kept.length),
                    tuple(removed),
                    tuple(inserts),
                    tuple(strays),
                )
            )
    return found


def _same_words(run: _Run, deletes: list[tuple[int, int]], text: str) -> bool:
    """Whether every piece of `run` held live (not in `deletes`) has `text`'s words at its
    offset (UTF-16 units), and at least one is."""
    units = text.encode("utf-16-le")
    any_live = False
    for piece in run.pieces:
        if piece.gone or _touched(deletes, piece.clock, piece.length):
            continue
        if piece.text is None:
            return False
        at = (piece.clock - run.first.clock) * 2
        if units[at : at + piece.length * 2] != piece.text.encode("utf-16-le"):
            return False
        any_live = True
    return any_live


def _deleted_offsets(
    deletes: list[tuple[int, int]], first: int, length: int
) -> list[tuple[int, int]]:
    """The ranges of [first, first + length) in `deletes`, as (offset from first, length)."""
    found = []
    for start, size in sorted(deletes):
        low, high = max(start, first), min(start + size, first + length)
        if low < high:
            found.append((low - first, high - low))
    return found


def _anchor(item: Struct, client: int, first: int, length: int) -> int | None:
    """Where `item` was inserted in the run of `client` from `first` (its `length`): before
    the run's character at the offset returned (after the one its left origin names, else
    before the one its right origin names), or None when neither origin is in the run."""
    if item.origin is not None and item.origin[0] == client:
        if first <= item.origin[1] < first + length:
            return item.origin[1] - first + 1
    if item.right_origin is not None and item.right_origin[0] == client:
        if first <= item.right_origin[1] < first + length:
            return item.right_origin[1] - first
    return None
