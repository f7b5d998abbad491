"""Withholding detection, pure: which records of a journal exist but never reached this device.

Every record carries, inside its signed body (protocol.md 4.15), its author device's
**counter** in that journal (1, 2, 3, ... per device and journal), the **seen vector** (the
highest counter its device had received from every other device of the journal) and
**covers** (counter ranges whose records will never be delivered: superseded by this snapshot,
or withdrawn by their writer). A device keeps, per journal and per (author, device):

- `received`: the counters delivered to it, or accounted for by a cover it accepted, as sorted
  disjoint inclusive ranges (usually one: [1, n]);
- `claimed`: the highest counter some signed statement says exists (another device's seen
  vector, or the server's acknowledgement of this device's own push), and who said it.

After a complete pull, every counter from 1 to max(received, claimed) that is not in
`received` is missing: the server withheld it (protocol.md "Withholding"). After a pull the
server never finished, the counters missing below the highest one received are missing all
the same: a later record of that device arrived, so the server holds back either the records
or the cover that would account for them. Adding a record is O(1) amortised (records of one device arrive in counter order, extending the last range).

Who may cover whose counters (`check_covers`): a journal's owner any device's (its snapshots
and history-free share boundaries account for the journal); anyone else only its own
account's, so a member cannot hide the owner's or another member's records, and of the
record's own device only counters below the record's own (`check_own_covers`): a member
cannot account in advance for counters it may still sign records under.

A share's **cut** (`is_cut`: a record whose covers name its own counter) covers the records
sealed before the share's epoch, which a member joining there never receives: only such a
reader takes its covers; every other reader (the owner's devices, a member whose membership
held earlier epochs) is owed those records and counts them as they arrive (rev-complete F4).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence, Sized
from dataclasses import dataclass, field

import msgpack

from client_sdk.errors import IntegrityError

Range = tuple[int, int]
"""Inclusive counter range (lo, hi), 1 <= lo <= hi."""
Key = tuple[bytes, bytes]
"""(author account id, author device id), 16 bytes each."""
MAX_COUNTER = 2**63 - 1
MAX_SEEN = 1000
"""Devices named in one record's seen vector, or in its covers: a reader refuses a record
naming more as malformed (records.py), so a writer never names more (`bounded_seen`,
`bounded_covers`; protocol.md 4.15, "Within the limits")."""
MAX_RANGES = 1000
"""Ranges in one cover (one device's): likewise refused above, never written above."""
MAX_SEEN_BYTES = 4 * 1024
"""The most bytes a writer lets one record's seen vector take, msgpack-encoded (4,096,
counted as `seen_bytes` does: at most 46 bytes a device, so at least 88 devices at the
largest counters, 97 below 2^32). MAX_SEEN alone let a member who signs records under 1,000
device ids of its making with counters past 2^32 add 46 KB to every record the owner's
devices sign from then on (REV-S1 F1): a short entry weighing 47 KB on the server and every
device, and a share's fresh snapshot of a large document past one record. 4 KiB is about
what the honest journals need many times over (the owner's devices, then each member's few,
named first: `writing_order`); it keeps what any member can add to each of the owner's
records to 4 KiB (the record padded to the next 256 bytes), and within the SNAPSHOT_SLACK
(8 KiB) a writer sizes a record's other fields by ahead (replica.snapshot_fits), with room
for its ids, signature and framing. Readers do not refuse a longer one (older writers
signed them): a writer's limit, protocol.md 4.15 "Within the limits"."""
MAX_COVERS_BYTES = 128 * 1024
"""The most bytes a writer lets one record's covers take, msgpack-encoded (131,072): with a
seen vector of at most MAX_SEEN_BYTES a cut stays well within wire.MAX_RECORD_BYTES once
signed, padded and sealed, whatever counters a member signs. Only snapshots, cuts and the
records carrying their device's withdrawals have covers: a record's overhead beside its
payload is at most MAX_SEEN_BYTES + MAX_COVERS_BYTES and some 200 bytes of ids and
framing."""


@dataclass(frozen=True)
class Seen:
    """One entry of a record's seen vector: the writer had received `counter` records (up to
    that counter) from this device."""

    author: bytes
    device: bytes
    counter: int


@dataclass(frozen=True)
class Cover:
    """Counter ranges of one device that a record accounts for."""

    author: bytes
    device: bytes
    ranges: tuple[Range, ...]


@dataclass(frozen=True)
class Gap:
    """Counters of one author device that exist (someone signed so) but were not delivered."""

    journal_id: bytes
    author: bytes
    device: bytes
    missing: tuple[Range, ...]
    claimed_by: bytes
    """author || device (32 bytes) of the device whose signed record says they exist; this
    device's own id when the server acknowledged them to it; empty when a later record of
    the same device shows them."""

    def count(self) -> int:
        """How many counters are missing in all."""
        return sum(hi - lo + 1 for lo, hi in self.missing)


def add_range(ranges: list[Range], lo: int, hi: int) -> None:
    """Insert [lo, hi] into sorted disjoint `ranges`, merging neighbours; O(1) when it lands
    at or after the last range (records of a device arrive in counter order), O(log n + k)
    otherwise."""
    if not ranges or ranges[-1][1] + 1 < lo:
        ranges.append((lo, hi))
        return
    if ranges[-1][0] <= lo:
        ranges[-1] = (ranges[-1][0], max(ranges[-1][1], hi))
        return
    i = bisect.bisect_left(ranges, (lo, lo))
    if i > 0 and ranges[i - 1][1] + 1 >= lo:
        i -= 1
    j, new_lo, new_hi = i, lo, hi
    while j < len(ranges) and ranges[j][0] <= new_hi + 1:
        new_lo, new_hi = min(new_lo, ranges[j][0]), max(new_hi, ranges[j][1])
        j += 1
    ranges[i:j] = [(new_lo, new_hi)]


def in_ranges(ranges: list[Range], value: int) -> bool:
    """Whether `value` lies in one of the sorted, disjoint inclusive `ranges` (as `add_range`
    keeps them); O(log n)."""
    i = bisect.bisect_right(ranges, (value, MAX_COUNTER_BOUND)) - 1
    return i >= 0 and ranges[i][0] <= value <= ranges[i][1]


MAX_COUNTER_BOUND = 2**63
"""Above every counter: the upper bound `in_ranges` searches with."""


def gaps(ranges: list[Range], upto: int) -> list[Range]:
    """The counters in [1, upto] that `ranges` lacks."""
    found: list[Range] = []
    expected = 1
    for lo, hi in ranges:
        if lo > upto:
            break
        if lo > expected:
            found.append((expected, lo - 1))
        expected = max(expected, hi + 1)
    if expected <= upto:
        found.append((expected, upto))
    return found


def compress(counters: Iterable[int]) -> list[Range]:
    ranges: list[Range] = []
    for counter in sorted(set(counters)):
        add_range(ranges, counter, counter)
    return ranges


@dataclass
class DeviceCounters:
    """What this device knows of one author device's counters in one journal."""

    received: list[Range] = field(default_factory=list)
    claimed: int = 0
    claimed_by: bytes = b""
    written: int = 0
    """The latest signed `written_at` (ms, UTC) of a verified record of this device received
    here, 0 for none: how recently it was heard from (`recency_of`). Signed by the device's
    account, so the server cannot change it (REV-L1 F1, where the server's `seq` could)."""

    def top(self) -> int:
        return self.received[-1][1] if self.received else 0

    def claim(self, counter: int, by: bytes) -> None:
        if counter > self.claimed:
            self.claimed, self.claimed_by = counter, by

    def missing(self) -> list[Range]:
        return gaps(self.received, max(self.top(), self.claimed))

    def missing_below_top(self) -> list[Range]:
        """The gaps below the highest counter received: proven by a later record of the same
        device (or a cover), whether or not the pull is complete."""
        return gaps(self.received, self.top())

    def encode(self) -> bytes:
        packed: bytes = msgpack.packb([list(r) for r in self.received], use_bin_type=True)
        return packed

    @staticmethod
    def decode(
        received: bytes, claimed: int, claimed_by: bytes, written: int = 0
    ) -> DeviceCounters:
        ranges = [(int(lo), int(hi)) for lo, hi in msgpack.unpackb(received)]
        return DeviceCounters(ranges, claimed, claimed_by, written)


class JournalCounters:
    """The counters of every author device of one journal, as this device knows them."""

    def __init__(self, journal_id: bytes, devices: dict[Key, DeviceCounters] | None = None):
        self.journal_id = journal_id
        self.devices: dict[Key, DeviceCounters] = devices if devices is not None else {}
        self.changed: set[Key] = set()

    def _of(self, key: Key) -> DeviceCounters:
        self.changed.add(key)
        found = self.devices.get(key)
        if found is None:
            found = self.devices[key] = DeviceCounters()
        return found

    def received(self, author: bytes, device: bytes, counter: int) -> None:
        """A record of (author, device) with this counter was delivered."""
        add_range(self._of((author, device)).received, counter, counter)

    def record(
        self,
        author: bytes,
        device: bytes,
        counter: int,
        seen: Iterable[Seen] = (),
        covers: Iterable[Cover] = (),
        written_at: int = 0,
    ) -> None:
        """A verified record was delivered: its counter, its claims, its covers (already
        checked with `check_covers`) and its signed `written_at` (`DeviceCounters.written`)."""
        self.received(author, device, counter)
        state = self.devices[(author, device)]
        if written_at > state.written:
            state.written = written_at
        for entry in seen:
            self._of((entry.author, entry.device)).claim(entry.counter, author + device)
        self.cover(covers)

    def cover(self, covers: Iterable[Cover]) -> None:
        for cover in covers:
            state = self._of((cover.author, cover.device))
            for lo, hi in cover.ranges:
                add_range(state.received, lo, hi)

    def acknowledged(self, author: bytes, device: bytes, counter: int) -> None:
        """The server acknowledged storing this device's own record: it must come back."""
        self._of((author, device)).claim(counter, author + device)

    def seen_vector(
        self,
        author: bytes,
        device: bytes,
        owner: bytes | None = None,
    ) -> tuple[Seen, ...]:
        """What a record written by (author, device) states it has seen: the highest
        counter received from every other device of the journal, sorted; within MAX_SEEN
        devices and MAX_SEEN_BYTES, those first in `writing_order` for the journal's `owner`,
        each account's devices heard from most recently first (`bounded_seen` with
        `recency_of`, only when `crowded`; `owner` None: the writer's account)."""
        recency = recency_of(self.devices) if crowded(self.devices) else None
        return bounded_seen(
            (
                Seen(a, d, state.top())
                for (a, d), state in sorted(self.devices.items())
                if (a, d) != (author, device) and state.top() > 0
            ),
            author if owner is None else owner,
            (author, device),
            recency,
        )

    def accounted(self) -> tuple[Cover, ...]:
        """Every counter range this device holds or knows accounted for, by device: what an
        owner's fresh snapshots state at a history-free share boundary."""
        return tuple(
            Cover(a, d, tuple(state.received))
            for (a, d), state in sorted(self.devices.items())
            if state.received
        )

    def gaps(self, complete: bool = True) -> list[Gap]:
        """Withheld counters of every author device. `complete`: after a complete pull, up
        to the highest counter received or claimed; otherwise (the server stopped before its
        head) only below the highest counter received, which no later record can explain
        away but one the server still holds back (a cover)."""
        found = []
        for (author, device), state in sorted(self.devices.items()):
            missing = state.missing() if complete else state.missing_below_top()
            if missing:
                top = state.top()
                by = state.claimed_by if state.claimed > top else b""
                found.append(Gap(self.journal_id, author, device, tuple(missing), by))
        return found


def check_covers(author: bytes, owner_id: bytes, covers: Iterable[Cover], record_id: bytes) -> None:
    """A journal's owner may account for any device's counters; anyone else only for its own
    account's. Raises IntegrityError naming the record otherwise."""
    if author == owner_id:
        return
    for cover in covers:
        if cover.author != author:
            raise IntegrityError(
                f"record {record_id.hex()} claims to account for records of another account "
                "(forged coverage)",
                record_id=record_id,
            )


def check_own_covers(
    author: bytes,
    device: bytes,
    counter: int,
    owner_id: bytes,
    covers: Iterable[Cover],
    record_id: bytes,
) -> None:
    """A record of anyone but the journal's owner may account only for counters of its own
    device below its own `counter` (protocol.md 4.18, "Covers"): what its device withdrew or
    what a fresh snapshot of its supersedes, all drawn before it. A member never writes a cut
    (the one record covering its own counter), nor covers a counter its device has not drawn
    yet. Raises IntegrityError naming the record otherwise: such covers would account, as
    never delivered, for counters the member could still sign records under, and an owner
    device's write limit would have counted them."""
    if author == owner_id:
        return
    for cover in covers:
        if cover.author == author and cover.device == device:
            if any(hi >= counter for _, hi in cover.ranges):
                raise IntegrityError(
                    f"record {record_id.hex()} accounts for counters of its own device at or "
                    f"above its own counter {counter} (forged coverage)",
                    record_id=record_id,
                )


def is_cut(author: bytes, device: bytes, counter: int, covers: Iterable[Cover]) -> bool:
    """Whether a record of (author, device) with `counter` whose covers are `covers` is a
    share's cut: its covers name its own counter (protocol.md 4.18, "Cuts"). No other
    record ever does (a snapshot covers what it supersedes, a withdrawal earlier counters),
    so the mark is signed with the rest of the body and older readers take it as any cover."""
    return any(
        cover.author == author
        and cover.device == device
        and any(lo <= counter <= hi for lo, hi in cover.ranges)
        for cover in covers
    )


def without(
    covers: Iterable[Cover], counters: Iterable[tuple[bytes, bytes, int]]
) -> tuple[Cover, ...]:
    """`covers` less the single counters `counters` ((author, device, counter) each), merged
    and sorted as `merge_covers` gives them; O((ranges + counters) log counters)."""
    out: dict[Key, list[int]] = {}
    for author, device, counter in counters:
        out.setdefault((author, device), []).append(counter)
    for found in out.values():
        found.sort()
    kept: list[Cover] = []
    for cover in merge_covers(covers):
        taken = out.get((cover.author, cover.device), [])
        ranges: list[Range] = []
        for lo, hi in cover.ranges:
            i = bisect.bisect_left(taken, lo)
            while i < len(taken) and taken[i] <= hi:
                if lo < taken[i]:
                    ranges.append((lo, taken[i] - 1))
                lo = taken[i] + 1
                i += 1
            if lo <= hi:
                ranges.append((lo, hi))
        if ranges:
            kept.append(Cover(cover.author, cover.device, tuple(ranges)))
    return tuple(kept)


def merge_covers(covers: Iterable[Cover]) -> tuple[Cover, ...]:
    """One cover per device, ranges merged and sorted; devices sorted."""
    merged: dict[Key, list[Range]] = {}
    for cover in covers:
        ranges = merged.setdefault((cover.author, cover.device), [])
        for lo, hi in cover.ranges:
            add_range(ranges, lo, hi)
    return tuple(Cover(a, d, tuple(r)) for (a, d), r in sorted(merged.items()) if r)


def encode_covers(covers: Iterable[Cover]) -> bytes:
    packed: bytes = msgpack.packb(
        [[c.author, c.device, [list(r) for r in c.ranges]] for c in covers], use_bin_type=True
    )
    return packed


def decode_covers(data: bytes) -> tuple[Cover, ...]:
    return tuple(
        Cover(bytes(a), bytes(d), tuple((int(lo), int(hi)) for lo, hi in ranges))
        for a, d, ranges in msgpack.unpackb(data)
    )


def encode_ranges(ranges: Iterable[Range]) -> bytes:
    packed: bytes = msgpack.packb([list(r) for r in ranges])
    return packed


def decode_ranges(data: bytes) -> list[Range]:
    return [(int(lo), int(hi)) for lo, hi in msgpack.unpackb(data)]


# --- writing within the limits (protocol.md 4.15, "Within the limits") -----------------------


Recency = Mapping[Key, int]
"""How recently this device heard from each author device: the latest signed `written_at`
(ms) of a verified record of that device it received (`recency_of`; higher is more recent, a
device missing from it counts as 0, never heard from). Signed by each device's account: the
server cannot reorder an account's devices (REV-L1 F1), and a member's clock orders only its
own account's devices (`writing_order` gives every other account its turns)."""


def recency_of(devices: Mapping[Key, DeviceCounters]) -> Recency:
    """The `Recency` of a journal's author devices (`JournalCounters.devices`): read from the
    counters themselves, no record read (REV-L1 F2, where reading it from every record of the
    journal for each record written made a share quadratic in the journal's size)."""
    return {key: state.written for key, state in devices.items() if state.written}


def writing_order(
    keys: Iterable[Key], owner: bytes, writer: Key, recency: Recency | None = None
) -> list[Key]:
    """`keys` in the order a writer names them when it cannot name them all: the writer's
    own device, then the journal owner's devices, then the writer's account's other devices,
    then the other accounts' devices taken in turns, one device of each account per turn,
    so that no member can crowd out another member's devices however many device ids it
    signs records under. Each account's devices come in the order of `recency` (the device
    heard from most recently first, then by id): an account's live devices keep each other
    in their seen vectors however many stale device ids it has (a new id every session,
    protocol.md 2.3; REV-S2 note: by id alone, past ~88 of them, at random). Within a turn,
    accounts come by id: one account's times never order another's devices (REV-L2 F3, where
    a member dating a record far ahead came first in every turn)."""
    heard = recency if recency is not None else {}
    turns: dict[bytes, int] = {}
    ranked: list[tuple[int, int, tuple[bytes, int, bytes]]] = []
    for key in sorted(set(keys), key=lambda k: (k[0], -heard.get(k, 0), k[1])):
        author = key[0]
        place = (author, -heard.get(key, 0), key[1])
        if key == writer:
            ranked.append((0, 0, place))
        elif author == owner:
            ranked.append((1, 0, place))
        elif author == writer[0]:
            ranked.append((2, 0, place))
        else:
            turn = turns.get(author, 0)
            turns[author] = turn + 1
            ranked.append((3, turn, place))
    ranked.sort()
    return [(author, device) for _, _, (author, _, device) in ranked]


def crowded(devices: Sized) -> bool:
    """Whether a seen vector of a journal with these author devices (`JournalCounters.
    devices`) may have to leave some out (`bounded_seen`): only then is `writing_order`, and
    so a `Recency`, needed. False in the common case (at most SEEN_SURE devices)."""
    return len(devices) > SEEN_SURE


def bounded_seen(
    seen: Iterable[Seen], owner: bytes, writer: Key, recency: Recency | None = None
) -> tuple[Seen, ...]:
    """`seen` (a seen vector, sorted) cut to the longest start of `writing_order` (with
    `recency`) that names at most MAX_SEEN devices in at most MAX_SEEN_BYTES (`seen_bytes`),
    sorted again. Leaving a device out only claims less: readers learn of its counters from
    its own records and other devices' seen vectors. O(n) when within the limits (the common
    case: fewer devices than the bytes can hold at 46 bytes each), O(n log n) otherwise."""
    entries = {(s.author, s.device): s for s in seen}
    if len(entries) <= SEEN_SURE:
        return tuple(entries[key] for key in sorted(entries))
    kept: list[Key] = []
    total = ARRAY_BYTES
    for key in writing_order(entries, owner, writer, recency):
        total += _seen_entry_bytes(entries[key].counter)
        if len(kept) == MAX_SEEN or total > MAX_SEEN_BYTES:
            break
        kept.append(key)
    return tuple(entries[key] for key in sorted(kept))


def seen_bytes(seen: Iterable[Seen]) -> int:
    """Bytes of a seen vector as `bounded_seen` counts them: each device's entry as msgpack
    writes it (a 3-element array, author and device as bin 8 of 16 bytes, the counter), the
    array's header as ARRAY_BYTES (its most); never fewer than the encoding takes."""
    return ARRAY_BYTES + sum(_seen_entry_bytes(s.counter) for s in seen)


def _seen_entry_bytes(counter: int) -> int:
    return SEEN_ENTRY_BYTES + _int_bytes(counter)


def _int_bytes(value: int) -> int:
    """Bytes of a non-negative int in msgpack."""
    if value < 128:
        return 1
    if value < 2**8:
        return 2
    if value < 2**16:
        return 3
    if value < 2**32:
        return 5
    return 9


def _range_bytes(lo: int, hi: int) -> int:
    return 1 + _int_bytes(lo) + _int_bytes(hi)


ARRAY_BYTES = 5
"""The most bytes of a msgpack array's header (array 32)."""
SEEN_ENTRY_BYTES = 1 + 2 * (2 + 16)
"""Bytes of a seen vector entry but its counter: its 3-element array, author and device."""
SEEN_SURE = (MAX_SEEN_BYTES - ARRAY_BYTES) // (SEEN_ENTRY_BYTES + 9)
"""Devices a seen vector may name within MAX_SEEN_BYTES whatever their counters (88)."""
ENTRY_BYTES = 1 + 2 * (2 + 16) + ARRAY_BYTES
"""The most bytes of a cover entry's frame: its 3-element array, author and device (bin 8,
16 bytes each), and its ranges' array header."""


class CoverBudget:
    """Covers added all or nothing while their union stays within the limits: at most
    MAX_SEEN devices, MAX_RANGES ranges each, MAX_COVERS_BYTES encoded (counted
    conservatively: every array header as ARRAY_BYTES). What a compaction supersedes."""

    def __init__(self) -> None:
        self._ranges: dict[Key, list[Range]] = {}
        self._bytes: dict[Key, int] = {}
        self._total = ARRAY_BYTES

    def add(self, covers: Iterable[Cover]) -> bool:
        """Add `covers` when the union stays within the limits (True); else change nothing
        (False)."""
        changed: dict[Key, list[Range]] = {}
        for cover in covers:
            key = (cover.author, cover.device)
            ranges = changed.get(key)
            if ranges is None:
                ranges = changed[key] = list(self._ranges.get(key, ()))
            for lo, hi in cover.ranges:
                add_range(ranges, lo, hi)
        if len(self._ranges.keys() | changed.keys()) > MAX_SEEN:
            return False
        if any(len(ranges) > MAX_RANGES for ranges in changed.values()):
            return False
        sizes = {
            key: ENTRY_BYTES + sum(_range_bytes(lo, hi) for lo, hi in ranges)
            for key, ranges in changed.items()
        }
        total = self._total + sum(size - self._bytes.get(key, 0) for key, size in sizes.items())
        if total > MAX_COVERS_BYTES:
            return False
        self._ranges.update(changed)
        self._bytes.update(sizes)
        self._total = total
        return True

    def extend(self, author: bytes, device: bytes, ranges: Iterable[Range]) -> None:
        """Add the ranges of one device's cover (sorted, disjoint) in order, each while it
        fits (the device counted once one fits), stopping at the first that does not. O(1)
        per range that lands after the device's last (sizes counted as if none merged)."""
        key = (author, device)
        current = self._ranges.get(key)
        for lo, hi in ranges:
            new = current is None
            cost = _range_bytes(lo, hi) + (ENTRY_BYTES if new else 0)
            if new and len(self._ranges) >= MAX_SEEN:
                return
            if current is not None and len(current) >= MAX_RANGES:
                return
            if self._total + cost > MAX_COVERS_BYTES:
                return
            if current is None:
                current = self._ranges[key] = []
            add_range(current, lo, hi)
            self._total += cost
            self._bytes[key] = self._bytes.get(key, 0) + cost

    def covers(self) -> tuple[Cover, ...]:
        """What was added, merged and sorted (`merge_covers`)."""
        return tuple(Cover(a, d, tuple(r)) for (a, d), r in sorted(self._ranges.items()) if r)


def superseding(
    accounts: Sequence[tuple[bytes, tuple[Cover, ...]]],
) -> tuple[list[bytes], tuple[Cover, ...]]:
    """What one snapshot supersedes of a document's records `accounts` (record id and what
    it accounts for: its own counter and its covers, oldest first, `Store.superseded`): the
    ids, oldest first, and their covers merged (`CoverBudget.covers`). Records are added
    all or nothing, those naming the fewest ranges first (then the oldest), while the union
    stays within the limits. The snapshot holds the document's whole state whichever it
    supersedes, so the order only decides which records stay: a full snapshot (one that
    alone names MAX_RANGES ranges of a device: an entry edited in turns with another) is
    left as it is and the updates after it are superseded, where oldest first would take
    the snapshot alone, supersede nothing, and stop the document's compaction for good
    (REV-S1 F2)."""
    order = sorted(
        range(len(accounts)),
        key=lambda i: (sum(len(cover.ranges) for cover in accounts[i][1]), i),
    )
    budget = CoverBudget()
    taken = sorted(i for i in order if budget.add(accounts[i][1]))
    return [accounts[i][0] for i in taken], budget.covers()


def bounded_covers(
    covers: Iterable[Cover], owner: bytes, writer: Key, keep: Iterable[Cover] = ()
) -> tuple[Cover, ...]:
    """`covers` and `keep`, merged, cut to the limits a writer keeps (`CoverBudget`): every
    range of `keep` (a few: a cut's mark, say), then the devices in `writing_order`, each
    with its lowest ranges, as many as fit; the rest is left out. What is left out stays
    uncovered: a reader lacking it reports it withheld (never accounted for unseen). Raises
    ValueError when `keep` alone does not fit."""
    if covers == () and keep == ():
        return ()  # the common case: an ordinary write covers nothing (nothing to merge)
    kept = merge_covers(keep)
    if not kept and not covers:
        return ()  # the common case: an ordinary write covers nothing
    merged = {(c.author, c.device): c.ranges for c in merge_covers([*covers, *kept])}
    budget = CoverBudget()
    if not budget.add(kept):
        raise ValueError("the covers a record must carry exceed the limits")
    if budget.add(Cover(a, d, r) for (a, d), r in merged.items()):
        return budget.covers()  # all of it fits: the common case
    for author, device in writing_order(merged, owner, writer):
        budget.extend(author, device, merged[(author, device)])
    return budget.covers()


def bounded_in_order(covers: Iterable[Cover]) -> tuple[tuple[Cover, ...], tuple[Cover, ...]]:
    """(kept, rest): `covers` (merged) cut to the limits a writer keeps, devices in sorted
    order, each with its lowest ranges while they fit (`CoverBudget.extend`), and the ranges
    left out, which a later record carries (this device's withdrawals: `Store.take_withdrawn`)."""
    merged = merge_covers(covers)
    budget = CoverBudget()
    if budget.add(merged):
        return merged, ()
    for cover in merged:
        budget.extend(cover.author, cover.device, cover.ranges)
    kept = {(c.author, c.device): set(c.ranges) for c in budget.covers()}
    rest = []
    for cover in merged:
        taken = kept.get((cover.author, cover.device), set())
        ranges = tuple(r for r in cover.ranges if r not in taken)
        if ranges:
            rest.append(Cover(cover.author, cover.device, ranges))
    return budget.covers(), tuple(rest)
