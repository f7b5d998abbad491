"""Yjs updates (format v1) decoded without pycrdt, and the updates a device refuses to merge.

The decoding follows Yjs' update format v1 (yjs `readClientsStructRefs`, `readItemContent`,
`readDeleteSet`; lib0 `readAny`; https://github.com/yjs/yjs/blob/main/INTERNALS.md): pure,
no I/O. It raises `Unreadable` on anything it does not read, on numbers Yrs would read
otherwise (past its 32-bit counts and clocks), and on a value nested more than MAX_NESTING
arrays or maps deep. `twin_inserts` and `glued_inserts` read a document's state with it;
`refusal` tells whether an update from elsewhere may be merged at all.

Why: pycrdt (Yrs) decodes, converts and encodes nested values recursively on the thread's
stack, and a value nested about 20,000 deep (40 KB of a record's 256 KB) kills the process
(SIGSEGV) when read, about 50,000 deep when applied; the deepest values this SDK writes are
inside MAX_DEPTH (32) lists or maps (`inputs`). Yrs panics on structs whose clocks reach
2**31 or wrap past 2**32. Content this protocol never writes is refused as well, so that no byte is read
one way here and another way by Yrs (its content JSON reads one string more than Yjs
writes), and no chain of nested maps makes pycrdt's `to_py` recurse past Python's limit
(protocol.md §5, "Updates a device refuses"; found by O1 and the reviews rev-o1, rev-o1b).
"""

from __future__ import annotations

import bisect
import functools
import operator
import re
import struct
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

MAX_NESTING = 64
"""The deepest a value of an update may be nested: inside at most this many arrays or maps
(lib0 Any). Twice the SDK's own input bound (`inputs.MAX_DEPTH`)."""

_ORIGIN, _RIGHT_ORIGIN, _PARENT_SUB = 0x80, 0x40, 0x20
GC, DELETED, JSON, BINARY, STRING, EMBED, FORMAT, TYPE, ANY, DOC, SKIP = (
    0,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    10,
)


class Unreadable(Exception):
    """An update this decoder does not read (its message says why, when it is a bound)."""


@dataclass(frozen=True)
class Struct:
    """A struct of a document's state: its id, its length in clocks (UTF-16 units for a
    string), what places it (origins and parent), and its text when it is a string item not
    deleted in content (`text` None: any other content, a deleted one, or a `GC`/skip,
    `placed` False: a struct without origins to read)."""

    client: int
    clock: int
    length: int
    origin: tuple[int, int] | None
    right_origin: tuple[int, int] | None
    parent: tuple[str, object] | None  # ("root", name) or ("item", (client, clock)); None: copied
    text: str | None = field(repr=False)  # decoded content: never in a repr
    placed: bool = True
    gone: bool = False  # its content is `ContentDeleted`: it arrives deleted
    ref: int = 0  # its struct or content type (`GC`, `DELETED`... `SKIP` below)
    key: str | None = None  # a map entry's key, when written (an item without origins)


CLIENT_LIMIT = 2**53
"""Client ids are below 2**53 (protocol.md §5 "Client ids")."""
CLOCK_LIMIT = 2**31
"""Every clock of a struct, an origin or a deleted range, and the clock after each, is below
2**31: Yrs keeps clocks as 32-bit integers (a struct ending past 2**32 wraps; structs at
2**31 made it panic without a wrap: rev-o1 F2)."""
UINT_LIMIT = 2**32
"""Every other varuint (a count, a length, a clock) is below 2**32: Yrs reads them as 32-bit
integers, wrapping larger ones, and would read other bytes than this decoder does."""

_ID = re.compile(
    rb"(?:[\x00-\x7f]|[\x80-\xff]{1,6}[\x01-\x7f]|[\x80-\xff]{7}[\x01-\x0f])"  # client < 2**53
    rb"(?:[\x00-\x7f]|[\x80-\xff]{1,3}[\x01-\x7f]|[\x80-\xff]{4}[\x01-\x07])"  # clock < 2**31
)
"""An id (a client and a clock) as two minimal lib0 varuints within CLIENT_LIMIT and
CLOCK_LIMIT (7 bits a byte, least significant first; the last byte, below 0x80, is not 0
unless it is the only one)."""


_SMALL = rb"(?:[\x00-\x7f]|[\x80-\xff]{1,3}[\x01-\x7f])"  # a minimal varuint below 2**28
_SMALL_POSITIVE = rb"(?:[\x01-\x7f]|[\x80-\xff]{1,3}[\x01-\x7f])"


_RANGES_AT_ONCE = 64


@functools.lru_cache(maxsize=_RANGES_AT_ONCE)
def _small_ranges(count: int) -> re.Pattern[bytes]:
    """`count` (1 to _RANGES_AT_ONCE) deleted ranges whose clocks and lengths are below
    2**28, lengths positive."""
    return re.compile(b"(?:" + _SMALL + _SMALL_POSITIVE + b"){%d}" % count)


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def byte(self) -> int:
        if self.at >= len(self.data):
            raise Unreadable
        value = self.data[self.at]
        self.at += 1
        return value

    def uint(self) -> int:
        """A minimal lib0 varuint below UINT_LIMIT."""
        return self._varuint(UINT_LIMIT)

    def client(self) -> int:
        """A client id: a minimal lib0 varuint below CLIENT_LIMIT."""
        return self._varuint(CLIENT_LIMIT)

    def _varuint(self, limit: int) -> int:
        data, at = self.data, self.at
        if at < len(data) and data[at] < 0x80:  # most of them: one byte
            self.at = at + 1
            return data[at]
        value, shift = 0, 0
        while True:
            if at >= len(data):
                raise Unreadable
            byte = data[at]
            at += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                if byte == 0 or value >= limit:  # not minimal, or too large
                    raise Unreadable
                self.at = at
                return value
            if shift > 70:
                raise Unreadable

    def varint(self) -> int:  # lib0 readVarInt
        byte = self.byte()
        value, negative = byte & 0x3F, bool(byte & 0x40)
        shift = 6
        while byte & 0x80:
            byte = self.byte()
            value |= (byte & 0x7F) << shift
            shift += 7
            if shift > 70:
                raise Unreadable
        return -value if negative else value

    def skip_id(self) -> None:
        """Skip an id (a client and a clock) that `client` and `clock` would read."""
        match = _ID.match(self.data, self.at)
        if match is None:
            raise Unreadable
        self.at = match.end()

    def skip_small_ranges(self, count: int) -> bool:
        """Skip `count` deleted ranges (a clock and a length each) if every clock and length
        is a minimal varuint of at most 4 bytes (below 2**28: so no range reaches
        CLOCK_LIMIT) and every length is positive; False, skipping nothing, otherwise. An
        edit carries its document's whole delete set: read so, it costs about as much as
        pycrdt's reading of it (rev-o1b F3: a range at a time, 4.4 s for an entry's 3,000
        edits)."""
        if 2 * count > len(self.data) - self.at:
            return False  # not there: the exact reading says so
        at = self.at
        while count:
            step = min(count, _RANGES_AT_ONCE)
            match = _small_ranges(step).match(self.data, at)
            if match is None:
                return False
            at, count = match.end(), count - step
        self.at = at
        return True

    def clock(self) -> int:
        """A clock: a minimal lib0 varuint below CLOCK_LIMIT."""
        return self._varuint(CLOCK_LIMIT)

    def id(self) -> tuple[int, int]:
        return self.client(), self.clock()

    def take(self, count: int) -> bytes:
        if self.at + count > len(self.data):
            raise Unreadable
        value = self.data[self.at : self.at + count]
        self.at += count
        return value

    def string(self) -> str:
        try:
            return self.take(self.uint()).decode("utf-8")
        except UnicodeDecodeError as error:
            raise Unreadable from error

    def any(self, depth: int = 0) -> object:
        if depth > MAX_NESTING:
            raise Unreadable(f"a value nested more than {MAX_NESTING} deep")
        kind = self.byte()
        if kind in (127, 126):
            return None
        if kind == 125:
            return self.varint()
        if kind == 124:
            return struct.unpack(">f", self.take(4))[0]
        if kind in (123, 122):
            return self.take(8)
        if kind in (121, 120):
            return kind == 120
        if kind == 119:
            return self.string()
        if kind == 118:
            return {self.string(): self.any(depth + 1) for _ in range(self.uint())}
        if kind == 117:
            return [self.any(depth + 1) for _ in range(self.uint())]
        if kind == 116:
            return self.take(self.uint())
        raise Unreadable


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _content_length(reader: _Reader, ref: int) -> tuple[int, str | None]:
    """Read an item's content of type `ref`: (its length in clocks, its text if a string)."""
    if ref == DELETED:
        return reader.uint(), None
    if ref == JSON:
        count = reader.uint()
        for _ in range(count):
            reader.string()
        return count, None
    if ref == BINARY:
        reader.take(reader.uint())
        return 1, None
    if ref == STRING:
        text = reader.string()
        return _utf16_length(text), text
    if ref == EMBED:
        reader.string()
        return 1, None
    if ref == FORMAT:
        reader.string()  # the attribute's name
        reader.string()
        return 1, None
    if ref == TYPE:
        if reader.uint() in (3, 5):  # YXmlElement, YXmlHook: a name (yjs typeRefs)
            reader.string()
        return 1, None
    if ref == ANY:
        count = reader.uint()
        for _ in range(count):
            reader.any()
        return count, None
    if ref == DOC:
        reader.string()
        reader.any()
        return 1, None
    raise Unreadable


def decode(state: bytes) -> tuple[list[Struct], dict[int, list[tuple[int, int]]]]:
    """Every struct of a v1 update (a document's whole state) and its delete set
    (client -> [(clock, length)]). Raises Unreadable for anything else, for a client whose
    structs are written in two runs, and for ids and
    clocks past CLIENT_LIMIT and CLOCK_LIMIT (a struct's or a deleted range's last clock
    included), other varuints past UINT_LIMIT, varuints not written in the fewest bytes, and
    values nested more than MAX_NESTING deep."""
    reader = _Reader(state)
    structs: list[Struct] = []
    named: set[int] = set()
    for _ in range(reader.uint()):
        count, client, clock = reader.uint(), reader.client(), reader.clock()
        if client in named:  # Yrs reads it one way or another by the order (`walk`)
            raise Unreadable("a client's structs written twice")
        named.add(client)
        for _ in range(count):
            info = reader.byte()
            ref = info & 0x1F
            if info in (GC, SKIP):
                length = _within_clocks(clock, reader.uint())
                structs.append(
                    Struct(client, clock, length, None, None, None, None, False, ref=ref)
                )
                clock += length
                continue
            origin = reader.id() if info & _ORIGIN else None
            right = reader.id() if info & _RIGHT_ORIGIN else None
            parent: tuple[str, object] | None = None
            sub = False
            key = None
            if not info & (_ORIGIN | _RIGHT_ORIGIN):
                if reader.uint() == 1:
                    parent = ("root", reader.string())
                else:
                    parent = ("item", reader.id())
                if info & _PARENT_SUB:
                    key = reader.string()
                    sub = True  # a map entry: never a text's insert
            length, text = _content_length(reader, ref)
            _within_clocks(clock, length)
            text = None if sub else text
            gone = ref == DELETED
            structs.append(
                Struct(client, clock, length, origin, right, parent, text, True, gone, ref, key)
            )
            clock += length
    deletes: dict[int, list[tuple[int, int]]] = {}
    for _ in range(reader.uint()):
        client = reader.client()
        ranges = deletes[client] = []
        for _ in range(reader.uint()):
            start = reader.clock()
            ranges.append((start, _within_clocks(start, reader.uint())))
    if reader.at != len(state):
        raise Unreadable
    return structs, deletes


def _within_clocks(clock: int, length: int) -> int:
    """`length`, when it is positive and the clock after the `length` from `clock` is still
    below CLOCK_LIMIT (rev-o1 F2: Yrs panicked on structs that reached 2**31)."""
    if length <= 0 or clock + length >= CLOCK_LIMIT:
        raise Unreadable
    return length


MERGED_CONTENT = frozenset({DELETED, BINARY, STRING, ANY})
"""The item contents a device merges from elsewhere: what this protocol's documents hold
(texts of strings, maps and lists of plain values) and deleted content. JSON, Embed and
Format (rich text, legacy JSON; Yrs reads content JSON's count of strings as one more than
Yjs writes), Type (nested shared types) and Doc (sub-documents) are refused."""
_REFUSED_CONTENT = {
    JSON: "JSON content",
    EMBED: "an embed",
    FORMAT: "a text format",
    TYPE: "a nested shared type",
    DOC: "a sub-document",
}


def refusal(update: bytes) -> str | None:
    """Why a device refuses to merge `update` (a Yjs v1 update from another device or
    account), or None when it may: it does not decode (`decode`'s rules: not an update,
    trailing bytes, ids, clocks or lengths out of bounds, a value nested more than
    MAX_NESTING deep), it names a client's structs twice, it holds an item of a content
    other than MERGED_CONTENT (a nested shared type, a sub-document, rich text or JSON
    content) or an item whose parent is not a root type, or its items build on one another
    in a cycle (`Walk.cyclic`: an origin at or past the item's own clock of its own
    client, or items of several clients whose origins go round). protocol.md §5, "Updates
    a device refuses"."""
    why, walked = walk(update)
    if why is None and walked.cyclic():
        return CYCLIC
    return why


Reach = dict[int, int]
"""Client id -> a clock: the clock after the last one of that client something names."""

CYCLIC = "items that build on one another in a cycle"
"""Why an update whose items' origins go round in a cycle is refused (`Walk.cyclic`)."""

_ENDLESS = CLOCK_LIMIT + 1
"""A clock past every clock (`Walk.cyclic`: everything of a client is taken as held)."""


@dataclass(frozen=True)
class Step:
    """A struct of an update as `Walk` reads it: its clock, the clock after it, whether it is
    a Skip (a gap: clocks the update does not hold), and the clocks it builds on as ids
    (client, clock) that must be held before it (its origins)."""

    clock: int
    end: int
    skip: bool
    needs: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Walk:
    """What an update from elsewhere builds on, read by `walk` (protocol.md §5, "Updates
    that wait for missing clocks"): a document holds everything it builds on when its state
    vector reaches, for each client, the clocks named here (`missing`).

    An update of one client's structs (nearly every record: one local change) is read as
    `client` (None: no structs, or several clients'), `start` (its state vector must reach
    it: the first struct's clock, or the clock after a Skip followed by a struct), `end`
    (the clock after its last struct that is not a Skip) and `origins` (another client ->
    the clock after the furthest origin or right origin of it). An update of several
    clients' structs keeps each struct (`runs`: client -> its `Step`s, in clock order): its
    own items can build on one another, and `missing` finds an order. `deleted`: for each
    client of its delete set, the clock after its furthest deleted range (every range read,
    in any order); `delete_set_at`: where its delete set starts in the update's bytes."""

    client: int | None = None
    start: int = 0
    end: int = 0
    origins: Reach = field(default_factory=dict)
    runs: dict[int, tuple[Step, ...]] | None = None
    deleted: Reach = field(default_factory=dict)
    delete_set_at: int = 0

    @functools.cached_property
    def needs(self) -> Reach:
        """Clocks a document's state vector must reach (client -> clock) before every struct
        of this update integrates, read from the update alone: its client's clock before its
        first struct, and each origin or right origin outside what the update brings. For an
        update of one client's structs, every struct integrates once they are reached; for
        several clients', `missing` may still find a clock inside a Skip lacking. Computed
        once (a kept update is checked against it at each try, rev-cb C2)."""
        if self.runs is None:
            if self.client is None:
                return {}
            needs = dict(self.origins)
            if self.start > needs.get(self.client, 0):
                needs[self.client] = self.start
            return needs
        first = {client: steps[0].clock for client, steps in self.runs.items()}
        needs = {client: clock for client, clock in first.items() if clock > 0}
        for steps in self.runs.values():
            for step in steps:
                for client, clock in step.needs:
                    if clock < first.get(client, CLOCK_LIMIT) and clock >= needs.get(client, 0):
                        needs[client] = clock + 1
        return needs

    def cyclic(self) -> bool:
        """Whether the update's own items build on one another in a cycle: no order of them
        integrates, even were every clock outside the update held (each client's clocks
        before its first struct here, and after its last once all of its structs here are
        integrated). Yjs and Yrs never write one (an item's origins existed before it);
        Yrs, given one, crashes (rev-wn W6). An origin at or past its item's own clock of
        its own client is read as cyclic by `walk` already (refused there)."""
        if self.runs is None:
            return False
        assumed = {client: steps[0].clock for client, steps in self.runs.items()}
        return _integrate(self.runs, assumed, assume=True)[0] is not None

    def missing(self, held: Mapping[int, int]) -> tuple[tuple[int, int] | None, Reach]:
        """What of the structs of this update a document whose state vector is `held`
        (client -> the clock after its last held) lacks the clocks they build on: an id
        (client, clock) one of them waits for (a clock the update does not bring), or None
        when every struct integrates, with the clocks of each client the structs move
        (those past `held` only). The deleted ranges are checked apart (`deleted`): they
        never stop the structs (protocol.md §5, "Updates that wait for missing clocks")."""
        if self.runs is not None:
            return _integrate(self.runs, held, assume=False)
        if self.client is None:
            return None, {}
        client = self.client
        if held.get(client, 0) < self.start:
            return (client, self.start - 1), {}
        for other, clock in self.origins.items():
            if held.get(other, 0) < clock:
                return (other, clock - 1), {}
        return None, ({client: self.end} if self.end > held.get(client, 0) else {})


def _integrate(
    runs: Mapping[int, tuple[Step, ...]], held: Mapping[int, int], *, assume: bool
) -> tuple[tuple[int, int] | None, Reach]:
    """Integrate `runs` (client -> its structs of one update, in clock order) in some order
    in which each struct's own earlier clocks and origins are held first (Yjs
    `integrateStructs`), on a document whose state vector is `held`; `assume`: clocks
    outside the update are held (each client's before its first struct here, and all of
    them once its structs here are integrated; a Skip's), to tell a cycle inside the update
    (`Walk.cyclic`). Returns an id (client, clock) some struct waits for, outside the
    update when there is one, and None when every struct integrates; with the clocks of
    each client the structs moved."""
    moved: Reach = {}

    def reached(client: int) -> int:
        if client in moved:
            return moved[client]
        if assume and client not in runs:
            return _ENDLESS
        return held.get(client, 0)

    at = dict.fromkeys(runs, 0)
    waiting_on: dict[int, list[int]] = {}
    work = list(runs)
    while work:
        client = work.pop()
        steps, index, went = runs[client], at[client], False
        while index < len(steps):
            step = steps[index]
            if step.skip:
                if assume and step.end > reached(client):
                    moved[client], went = step.end, True
                index += 1
                continue
            wanted = _wanted(step, client, reached)
            if wanted is not None:
                waiting_on.setdefault(wanted[0], []).append(client)
                break
            if step.end > reached(client):
                moved[client], went = step.end, True
            index += 1
        at[client] = index
        if assume and index == len(steps) and reached(client) < _ENDLESS:
            moved[client], went = _ENDLESS, True
        if went:
            work.extend(waiting_on.pop(client, ()))
    stuck = [(client, at[client]) for client, steps in runs.items() if at[client] < len(steps)]
    if not stuck:
        return None, moved
    first: tuple[int, int] | None = None
    for client, index in stuck:
        wanted = _wanted(runs[client][index], client, reached)
        if wanted is None:  # not expected: each stuck struct waits for something
            continue
        first = first or wanted
        other, clock = wanted
        rest = runs.get(other, ())
        if at.get(other, 0) >= len(rest) or clock < rest[at[other]].clock:
            return wanted, moved  # a clock the update does not bring
    return first or stuck[0], moved


def _wanted(step: Step, client: int, reached: Callable[[int], int]) -> tuple[int, int] | None:
    """The first id (client, clock) `step` of `client` builds on that is not held."""
    if step.clock > reached(client):
        return client, step.clock - 1
    for need in step.needs:
        if reached(need[0]) <= need[1]:
            return need
    return None


def walk(update: bytes) -> tuple[str | None, Walk]:
    """Why a device refuses `update` (`refusal`'s rules but the cycle of several clients'
    items, `Walk.cyclic`), or None and what it builds on (`Walk`), read in one pass.

    It walks the structs as `decode` does, reading origins as ids, and reads each client's
    deleted ranges whole: clocks and lengths below 2**28 as a run of bytes (`_furthest_end`,
    an edit carries its document's whole delete set: read a range at a time it cost an
    entry's 3,000th edit 4.4 s, rev-o1b F3), others one by one. A pull runs it on every
    update it merges (issue 10)."""
    reader = _Reader(update)
    try:
        runs: dict[int, tuple[Step, ...]] = {}
        count_of_runs = reader.uint()
        alone = count_of_runs == 1
        single: Walk | None = None
        named: set[int] = set()
        for _ in range(count_of_runs):
            count, client, clock = reader.uint(), reader.client(), reader.clock()
            if client in named:
                return "a client's structs written twice", Walk()
            named.add(client)
            steps: list[Step] = []
            origins: Reach = {}
            start, end, skipped, brought = clock, clock, False, False
            for _ in range(count):
                info = reader.byte()
                ref = info & 0x1F
                if info in (GC, SKIP):
                    length = _within_clocks(clock, reader.uint())
                    if info == SKIP:
                        skipped = True
                        if not alone:
                            steps.append(Step(clock, clock + length, True, ()))
                    else:
                        if skipped:
                            start, skipped = clock, False
                        if not alone:
                            steps.append(Step(clock, clock + length, False, ()))
                        end, brought = clock + length, True
                    clock += length
                    continue
                if skipped:
                    start, skipped = clock, False
                needs: list[tuple[int, int]] = []
                if info & _ORIGIN:
                    needs.append(reader.id())
                if info & _RIGHT_ORIGIN:
                    needs.append(reader.id())
                if not info & (_ORIGIN | _RIGHT_ORIGIN):
                    if reader.uint() != 1:
                        return "an item inside a nested shared type", Walk()
                    reader.string()  # the root type's name
                    if info & _PARENT_SUB:
                        reader.string()  # the map key
                if ref not in MERGED_CONTENT:
                    why = _REFUSED_CONTENT.get(ref, "a content type this protocol does not use")
                    return why, Walk()
                length = _within_clocks(clock, _content_length(reader, ref)[0])
                for other, at in needs:
                    if other == client:
                        if at >= clock:  # its own later clock: never held before it
                            return CYCLIC, Walk()
                    elif alone:
                        if at >= origins.get(other, 0):
                            origins[other] = at + 1
                if not alone:
                    steps.append(Step(clock, clock + length, False, tuple(needs)))
                clock += length
                end, brought = clock, True
            if alone and brought:
                single = Walk(client, start, end, origins)
            elif brought:
                runs[client] = tuple(steps)
        deleted_at = reader.at
        deleted: Reach = {}
        for _ in range(reader.uint()):  # the delete set: per client, its ranges
            client = reader.client()
            ranges = reader.uint()
            begin = reader.at
            if ranges > _FEW_RANGES and reader.skip_small_ranges(ranges):
                end = _furthest_end(update[begin : reader.at])
            else:  # a few (nearly always: one client a local change), or a number past 2**28
                end = 0
                for _ in range(ranges):
                    start = reader.clock()
                    end = max(end, start + _within_clocks(start, reader.uint()))
            if ranges and end > deleted.get(client, 0):
                deleted[client] = end
        if reader.at != len(update):
            raise Unreadable
    except Unreadable as error:
        return str(error) or "not a Yjs update of this protocol", Walk()
    if single is not None:
        return None, Walk(
            single.client,
            single.start,
            single.end,
            single.origins,
            deleted=deleted,
            delete_set_at=deleted_at,
        )
    return None, Walk(runs=runs or None, deleted=deleted, delete_set_at=deleted_at)


_VARUINT = re.compile(rb"[\x80-\xff]*[\x00-\x7f]")
_FEW_RANGES = 4
"""A client's deleted ranges up to this many are read one by one (`walk`), more at once."""


@functools.cache
def _small_values() -> dict[bytes, int]:
    """Every minimal lib0 varuint of one or two bytes (below 2**14), by its bytes."""
    table = {bytes([value]): value for value in range(0x80)}
    for value in range(0x80, 1 << 14):
        table[bytes([0x80 | value & 0x7F, value >> 7])] = value
    return table


@functools.lru_cache(maxsize=64)
def _furthest_end(ranges: bytes) -> int:
    """The clock after the furthest of deleted ranges (clock, length pairs of minimal
    varuints below 2**28, already matched: `_Reader.skip_small_ranges`), in any order: a
    member may write them unsorted, and a range past the state vector hidden before the last
    one would reach Yrs, which keeps it pending and leaves it out of what it encodes
    (rev-wn W2). Numbers below 2**14 (nearly all) are read by table, at the speed of the
    regex that splits them; the same ranges again (an edit carries its document's whole
    delete set: most clients' ranges are the last edit's) are not read again."""
    numbers = _VARUINT.findall(ranges)
    try:
        values = list(map(_small_values().__getitem__, numbers))
    except KeyError:  # a number past 2**14
        values = [_Reader(number).uint() for number in numbers]
    ends: list[int] = list(map(operator.add, values[0::2], values[1::2]))
    return max(ends)


def delete_set(update: bytes, at: int) -> dict[int, list[tuple[int, int]]]:
    """The delete set of `update` (one `walk` read: it starts at `at`, `Walk.delete_set_at`)
    as client -> its (clock, length) ranges, as written. Raises Unreadable for an update
    `walk` refuses."""
    reader = _Reader(update)
    reader.at = at
    deletes: dict[int, list[tuple[int, int]]] = {}
    for _ in range(reader.uint()):
        ranges = deletes.setdefault(reader.client(), [])
        for _ in range(reader.uint()):
            start = reader.clock()
            ranges.append((start, _within_clocks(start, reader.uint())))
    return deletes


Id = tuple[int, int]
"""A struct's id: (client, clock)."""


@dataclass(frozen=True)
class KeyWrites:
    """The writes of one key of a root map, read from a document's state (`key_writes`):
    `current`, the id of the item holding the key's value now (None: the key was never
    written, or the state does not tell one item: nothing to judge), and `chain`, the
    structs (client, first clock, clock after) from that item back through each item's
    origin. A map item's origin is the item its writer held as the key's value when it wrote
    (Yjs `YMap.set`: the new item's left), so an item is in the chain exactly when the value
    now held was written, directly or through later writes, on top of it: its writer held
    it (protocol.md 5, "Tag edits applied again")."""

    current: Id | None
    chain: tuple[tuple[int, int, int], ...] = ()
    items: tuple[tuple[int, int, int, Id | None], ...] = ()
    """Every struct of the key, live or deleted (a deleted item keeps its id and origin when
    its content is collected): (client, first clock, clock after, the origin of its first
    item). Yjs merges a client's consecutive deleted items of one key only when each was
    written on top of the one before it (Yrs `try_squash`: the right one's origin is the left
    one's last id), so the item at clock k > first of a struct has origin (client, k - 1)."""

    def holds(self, item: Id) -> bool:
        """Whether the value now held was written on top of the item `item`."""
        client, clock = item
        return any(c == client and lo <= clock < hi for c, lo, hi in self.chain)

    def written_on(self, item: Id, besides: Collection[Id] = ()) -> bool:
        """Whether some item of the key other than those in `besides`, live or deleted, was
        written on top of the item `item` (its origin is `item`): its writer held `item` as
        the key's value and chose another after it. An item written on top of it through
        later writes implies one written directly on it, so this is the test of "seen"."""
        client, clock = item
        for c, lo, hi, origin in self.items:
            if origin == item and (c, lo) not in besides:
                return True
            if c == client and lo <= clock < hi - 1 and (c, clock + 1) not in besides:
                return True  # the next item of a merged struct
        return False


def key_writes(state: bytes, root: str, key: str) -> KeyWrites:
    """The writes of `key` of the root map `root` in `state` (a document's whole state, v1),
    as `KeyWrites`. Pure. Raises Unreadable as `decode`."""
    structs, deletes = decode(state)
    runs: dict[int, list[Struct]] = {}
    for item in structs:  # a client's structs in one run, in clock order (`decode`)
        runs.setdefault(item.client, []).append(item)
    starts = {client: [s.clock for s in run] for client, run in runs.items()}

    def find(item: Id | None) -> Struct | None:
        if item is None or item[0] not in runs:
            return None
        run = runs[item[0]]
        at = bisect.bisect_right(starts[item[0]], item[1]) - 1
        if at < 0 or not run[at].clock <= item[1] < run[at].clock + run[at].length:
            return None
        return run[at]

    placed: dict[Id, tuple[object, str | None] | None] = {}

    def place(start: Struct) -> tuple[object, str | None] | None:
        """The parent and key of a struct: its own, or its origin's (a map item's origin is
        the same key's earlier item; a text's, an earlier insert of the same text)."""
        path: list[Struct] = []
        found: tuple[object, str | None] | None = None
        step: Struct | None = start
        while step is not None and (step.client, step.clock) not in placed:
            path.append(step)
            if step.parent is not None:
                found = (step.parent, step.key)
                break
            if len(path) > len(structs):  # a loop of origins: no place
                break
            step = find(step.origin or step.right_origin)
        else:
            if step is not None:
                found = placed[(step.client, step.clock)]
        for walked in path:
            placed[(walked.client, walked.clock)] = found
        return found

    def deleted(item: Struct) -> bool:
        end = item.clock + item.length
        return item.gone or any(
            lo < end and item.clock < lo + length for lo, length in deletes.get(item.client, [])
        )

    wanted = (("root", root), key)
    of_key = [s for s in structs if s.placed and place(s) == wanted]
    items = tuple((s.client, s.clock, s.clock + s.length, s.origin) for s in of_key)
    held = [s for s in of_key if s.ref in (ANY, JSON) and not deleted(s)]
    if len(held) != 1 or held[0].length != 1:
        return KeyWrites(None, (), items)
    chain: list[tuple[int, int, int]] = []
    step: Struct | None = held[0]
    while step is not None and len(chain) <= len(structs):
        chain.append((step.client, step.clock, step.clock + step.length))
        step = find(step.origin)
    return KeyWrites((held[0].client, held[0].clock), tuple(chain), items)
