"""Two devices' words inserted at the same place, glued together in a merged text, and the
Yjs update that puts one space between them (protocol.md §5, rule 2 "Concurrent inserts at
one place are kept apart").

Yjs keeps every insert and orders concurrent inserts at one place by client id, one straight
after the other: a word fixed on one device ("Aa" -> "Uu") while another rewrote the sentence
("Xx ba.") merges as "UuXx ba."; two rewrites of a text's only sentence as "Work is fine
now.Work still worries me." No diff written on one device can prevent it (each device's own
text reads right; the glue exists only in the merge), so it is repaired in the merge, from
the document's state alone, like twins (`twin_inserts`).

*Siblings*: two whole inserts (runs, `twin_inserts`'s doc) of two clients with the same left
origin, the same right origin and (for inserts with neither) the same parent. An insert made
by a device that held the other one names it, or something between, as an origin, never the
same neighbours: only concurrent inserts are siblings, so a join a user made (typing "un"
before "happy") never is one. A pair of siblings L, R is *glued* when L's last character not
deleted is, in the text, the character right before R's first character (not deleted), and
neither of the two is white space or a letter of a script written without spaces (Han,
Kana, Thai...: `documents._UNSPACED`), R does not start with a mark written straight after a
word (". , ; : ! ?", closing brackets and quotes: `documents._closes`) nor L end with one written
straight before a word (`documents._opens`). A glued pair gets one " " between them, an item with
L's last live character as left origin and R's first character as right origin, unless the
state holds an item with such origins already (one in L, one in R): a device wrote between
them once, a separator or the user's own words, and whatever it left there (deleted: a join
the user made by deleting the space) is kept.

Two devices that find the same glued pair write the same " " with the same origins from
fresh client ids: twins, of which the twin rule keeps one (the lowest client's); the pair is
then apart (its characters no longer adjacent), and a " " is never glued, so the rule never
writes again where it wrote once.
"""

from __future__ import annotations

import bisect
from typing import Any

from pycrdt import Doc, StickyIndex, Text

from client_sdk.documents import _closes, _opens, _spaced, text_index_length
from client_sdk.twin_inserts import _Run, _runs
from client_sdk.yjs_binary import varuint
from client_sdk.yjs_updates import Struct, Unreadable, decode

SEPARATOR = " "
"""What goes between two glued siblings: one space (U+0020)."""

_STRING_WITH_ORIGINS = 0x04 | 0x80 | 0x40  # a ContentString item naming both its origins


def _units(run: _Run) -> list[tuple[int, str]]:
    """Each UTF-16 unit of `run` whose content is held, in clock order: (clock, the unit as a
    one-unit str). A piece whose content is not held (a GC, deleted content) gives none,
    whatever its length (rev-o1b F5: a GC of 2**31 clocks listed one by one)."""
    found: list[tuple[int, str]] = []
    for piece in run.pieces:
        if piece.text is None or piece.gone:
            continue
        data = piece.text.encode("utf-16-le")
        found += [
            (piece.clock + i, data[2 * i : 2 * i + 2].decode("utf-16-le", "surrogatepass"))
            for i in range(piece.length)
        ]
    return found


def _live(units: list[tuple[int, str]], ranges: list[tuple[int, int]]) -> list[tuple[int, str]]:
    """The units of `units` (held: content read) not deleted by `ranges` (the client's
    delete set: (clock, length), in any order, possibly overlapping)."""
    merged: list[list[int]] = []  # [start, end), disjoint, sorted
    for start, size in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], start + size)
        else:
            merged.append([start, start + size])
    starts = [start for start, _ in merged]
    live = []
    for clock, unit in units:
        at = bisect.bisect_right(starts, clock) - 1
        if not (at >= 0 and clock < merged[at][1]):
            live.append((clock, unit))
    return live


def _last_char(live: list[tuple[int, str]]) -> tuple[int, str] | None:
    """The last character of `live` (units in clock order): (its first unit's clock, it),
    a surrogate pair joined; None when it is not whole."""
    clock, unit = live[-1]
    if "\ud800" <= unit <= "\udbff":
        return None
    if "\udc00" <= unit <= "\udfff":
        if len(live) < 2 or live[-2][0] != clock - 1 or not "\ud800" <= live[-2][1] <= "\udbff":
            return None
        pair = (live[-2][1] + unit).encode("utf-16-le", "surrogatepass").decode("utf-16-le")
        return clock - 1, pair
    return clock, unit


def _first_char(live: list[tuple[int, str]], first_clock: int) -> tuple[int, str] | None:
    """The first character of `live` when it is the run's first unit (`first_clock`)."""
    if not live or live[0][0] != first_clock:
        return None
    unit = live[0][1]
    if "\udc00" <= unit <= "\udfff":
        return None
    if "\ud800" <= unit <= "\udbff":
        if len(live) < 2 or live[1][0] != first_clock + 1:
            return None
        return first_clock, (unit + live[1][1]).encode("utf-16-le", "surrogatepass").decode(
            "utf-16-le"
        )
    return first_clock, unit


def _root(
    struct: Struct,
    at: dict[int, tuple[list[int], list[Struct]]],
    known: dict[tuple[int, int], str | None],
    steps: int,
) -> str | None:
    """The name of the root type `struct` is in (by its parent, else its origins' items),
    None when it is in a nested type or that is not found here. `known`: what earlier calls
    found, by struct id, filled in here for every struct this walk passes, so that the walks
    of all glued pairs together read each struct once (a walk follows origins back towards
    the text's first item: one walk per pair cost pairs * structs steps, RG-F4). `steps`:
    the most a walk takes (the count of structs: more only in a cycle of origins, which a
    state Yjs wrote does not hold)."""
    passed: list[tuple[int, int]] = []
    found: str | None = None
    for _ in range(steps):
        key = (struct.client, struct.clock)
        if key in known:
            found = known[key]
            break
        passed.append(key)
        if struct.parent is not None:
            kind, name = struct.parent
            found = name if kind == "root" and isinstance(name, str) else None
            break
        named = struct.origin or struct.right_origin
        if named is None:
            break
        holder = _holding(at, *named)
        if holder is None:
            break
        struct = holder
    for key in passed:
        known[key] = found
    return found


def _holding(
    at: dict[int, tuple[list[int], list[Struct]]], client: int, clock: int
) -> Struct | None:
    """The struct of `at` (client -> (first clocks, structs), in clock order) holding the
    id (`client`, `clock`), or None."""
    clocks, structs = at.get(client, ([], []))
    index = bisect.bisect_right(clocks, clock) - 1
    if index >= 0 and clock < structs[index].clock + structs[index].length:
        return structs[index]
    return None


def glued_pairs(state: bytes) -> list[tuple[str, tuple[int, int], tuple[int, int]]]:
    """The glued sibling pairs of the document whose whole state is `state` (a Yjs v1
    update), see the module's doc: (the root text's name, the id (client, clock) of L's last
    live character (its last UTF-16 unit), the id of R's first character), sorted.
    Empty when there is none or `state` does not decode here."""
    try:
        structs, deletes = decode(state)
    except Unreadable:
        return []
    runs = _runs(structs)
    places: dict[tuple[object, ...], list[_Run]] = {}
    for run in runs:
        if run.first.placed and (run.first.text is not None or run.first.gone):
            key = (run.first.origin, run.first.right_origin, run.first.parent)
            places.setdefault(key, []).append(run)
    groups: list[list[tuple[_Run, tuple[int, str], tuple[int, str] | None]]] = []
    for siblings in places.values():
        if len({r.first.client for r in siblings}) < 2:
            continue  # the usual case: checked without reading the delete set
        ends = []
        for run in siblings:  # (the run, its last live character, its first if live)
            live = _live(_units(run), deletes.get(run.first.client, []))
            last = _last_char(live) if live else None
            if last is not None:
                ends.append((run, last, _first_char(live, run.first.clock)))
        if len({run.first.client for run, _, _ in ends}) > 1:
            groups.append(ends)
    if not groups:
        return []  # no pycrdt document is built
    at: dict[int, tuple[list[int], list[Struct]]] = {}
    for struct in sorted(structs, key=lambda s: (s.client, s.clock)):
        clocks, held = at.setdefault(struct.client, ([], []))
        clocks.append(struct.clock)
        held.append(struct)
    known: dict[tuple[int, int], str | None] = {}
    doc: Doc[Any] = Doc()
    doc.apply_update(state)
    try:
        held_blocks = decode(bytes(doc.get_update()))[0]  # as this document holds them
    except Unreadable:
        return []
    blocks: dict[int, tuple[list[int], list[Struct]]] = {}
    for struct in sorted(held_blocks, key=lambda s: (s.client, s.clock)):
        clocks, held = blocks.setdefault(struct.client, ([], []))
        clocks.append(struct.clock)
        held.append(struct)
    between: set[tuple[tuple[int, int], tuple[int, int]]] | None = None
    found: list[tuple[str, tuple[int, int], tuple[int, int]]] = []
    for ends in groups:
        name = _root(ends[0][0].first, at, known, len(structs) + 1)
        if name is None:
            continue
        text = doc.get(name, type=Text)

        def index(client: int, clock: int, text: Text = text) -> int:
            # pycrdt's StickyIndex.get_index counts the start of the block holding the id in
            # the text's index unit but the offset within it in clocks (UTF-16 units): it is
            # asked of the block's first clock only, and the block's words before the id are
            # counted here in that unit (RG-F5).
            block = _holding(blocks, client, clock)
            start = clock if block is None else block.clock
            sticky = {"item": {"client": client, "clock": start}, "assoc": 0}
            found = StickyIndex.from_json(sticky, text).get_index()
            if block is None or block.text is None or clock == start:
                return found
            units = block.text.encode("utf-16-le")[: 2 * (clock - start)]
            return found + text_index_length(units.decode("utf-16-le", "surrogatepass"))

        starts: dict[int, list[tuple[_Run, tuple[int, str]]]] = {}  # where a run starts
        for right, _, first in ends:
            if first is not None and _spaced(first[1]) and not _closes(first[1]):
                starts.setdefault(index(right.first.client, first[0]), []).append((right, first))
        for left, last, _ in ends:
            if not _spaced(last[1]) or _opens(last[1]):
                continue
            after = index(left.first.client, last[0]) + text_index_length(last[1])
            for right, first in starts.get(after, []):  # nothing live between them
                if right.first.client == left.first.client or _twins(left, right, deletes):
                    continue  # (twins: the twin rule keeps one, nothing goes between them)
                if between is None:
                    between = _written_between(structs, runs)
                if (_key(left), _key(right)) in between:
                    continue  # a device wrote between them once: what it left is kept
                end = last[0] + len(last[1].encode("utf-16-le")) // 2 - 1  # its last unit
                found.append((name, (left.first.client, end), (right.first.client, first[0])))
    return sorted(found)


def _twins(left: _Run, right: _Run, deletes: dict[int, list[tuple[int, int]]]) -> bool:
    """Whether siblings `left` and `right` are twins (`twin_inserts.twin_deletes`: the same
    whole text, none of it deleted): kept once by the twin rule, never separated ("thethe"
    where the twin delete could not be written here reads so until another device writes
    it, never "the the")."""
    text = left.text()
    if text is None or text != right.text():
        return False
    return all(
        len(_live(_units(run), deletes.get(run.first.client, []))) == run.length
        for run in (left, right)
    )


def _key(run: _Run) -> tuple[int, int]:
    return run.first.client, run.first.clock


def _written_between(
    structs: list[Struct], runs: list[_Run]
) -> set[tuple[tuple[int, int], tuple[int, int]]]:
    """Every (run, run) (`_key`) some struct names as its left and its right origin: its
    writer held both, and wrote between them."""
    firsts: dict[int, list[int]] = {}
    for run in runs:  # in (client, clock) order
        firsts.setdefault(run.first.client, []).append(run.first.clock)

    def run_of(named: tuple[int, int]) -> tuple[int, int] | None:
        clocks = firsts.get(named[0], [])
        at = bisect.bisect_right(clocks, named[1]) - 1
        return (named[0], clocks[at]) if at >= 0 else None

    found = set()
    for struct in structs:
        if struct.origin is not None and struct.right_origin is not None:
            left, right = run_of(struct.origin), run_of(struct.right_origin)
            if left is not None and right is not None:
                found.add((left, right))
    return found


def separator_update(state: bytes, client_id: int) -> bytes | None:
    """A Yjs v1 update writing one `SEPARATOR` between every glued pair of the document whose
    whole state is `state` (`glued_pairs`), under `client_id` from clock 0 (a client id the
    state does not hold: a fresh one, so the separators are twins of another device's and
    never continue a run), or None when there is none. Each separator is its own item, a
    string with L's last live character (its last UTF-16 unit) as left origin and R's first
    character as right origin."""
    pairs = glued_pairs(state)
    if not pairs:
        return None
    out = bytearray(varuint(1) + varuint(len(pairs)) + varuint(client_id) + varuint(0))
    encoded = SEPARATOR.encode("utf-8")
    for _, (left_client, left_clock), (right_client, right_clock) in pairs:
        out.append(_STRING_WITH_ORIGINS)
        out += varuint(left_client) + varuint(left_clock)
        out += varuint(right_client) + varuint(right_clock)
        out += varuint(len(encoded)) + encoded
    out += varuint(0)  # no delete set
    return bytes(out)
