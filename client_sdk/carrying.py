"""Late records of a share, pure: the owner's records sealed before a journal's latest cut
that the share's boundary does not account for (R43 F2, protocol.md 4.19 "Late records").

A history-free share seals, under the epoch of its cut (`AccessState.cut`), a fresh snapshot
of every live document the sharing device holds, and its boundary's `covers` state every
counter that device accounts for. A record of the owner's account pushed just before the
share but not yet pulled by the sharing device (a slow replica, a race, a server delay) is
sealed under an epoch the new member never holds, and the boundary does not cover it: the
member would never get it (an entry trashed before the share stays live there). An owner
device that accepts such a record once it knows a boundary of the cut carries it across:
it seals the record's document again under the current epoch (a snapshot, or the removal
carried) in a record whose covers then account for it.

A current member shared with again at the latest cut takes that cut (its current
membership starts there) and never receives a record of an epoch before it: a withdrawal of
its own annotation, written on its other device under its earlier membership and pulled by
this device only after the share, is carried again likewise (rev-ce2 F1: `Late.author`).

Which records are accounted for comes only from covers signed by the owner under an epoch
of the cut or later, kept per journal in a setting (`setting_name`): never from the server.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from client_sdk import withholding as counting

SETTING_PREFIX = "cut-covers:"


@dataclass(frozen=True)
class Late:
    """A record this device accepted although it was sealed before the journal's latest
    cut: the owner's (`author` None), or, with `author`, one of a current member that takes
    that cut (shared with again there: its device never receives a record of an epoch
    before it, and takes the cut's covers; rev-ce2 F1). `device` and `counter` as signed;
    `doc_id` None for a `void`; `start` the (Yjs client, first clock) of its update
    (`documents.update_start`), None for a snapshot or an update of several clients; `seen`
    its signed seen vector; `epoch` the epoch it is sealed under (None: kept pending by an
    SDK before it was noted)."""

    record_id: bytes
    device: bytes
    counter: int
    doc_id: bytes | None
    start: tuple[int, int] | None
    seen: tuple[counting.Seen, ...]
    epoch: int | None = None
    author: bytes | None = None

    def signer(self, owner_id: bytes) -> bytes:
        """The account that signed it (`owner_id` when `author` is None)."""
        return owner_id if self.author is None else self.author


def setting_name(journal_id: bytes) -> str:
    """The setting keeping what the owner's records sealed at the journal's latest cut or
    later cover (`with_covers`)."""
    return SETTING_PREFIX + journal_id.hex()


def decode(value: object) -> tuple[int, tuple[counting.Cover, ...]] | None:
    """(cut, covers) of a stored setting, or None for none (or one not read here)."""
    if not isinstance(value, str):
        return None
    try:
        stored = json.loads(value)
        return int(stored["cut"]), counting.decode_covers(bytes.fromhex(stored["covers"]))
    except (ValueError, RecursionError, KeyError, TypeError):
        return None


def with_covers(value: object, cut: int, covers: Iterable[counting.Cover]) -> str | None:
    """The setting once `covers` (of an owner's record sealed under `cut` or later) are
    added: those kept for an earlier cut are dropped. None when nothing changes."""
    kept = decode(value)
    before = kept[1] if kept is not None and kept[0] == cut else ()
    merged = counting.merge_covers([*before, *covers])
    if kept is not None and kept[0] == cut and merged == kept[1]:
        return None
    return json.dumps({"cut": cut, "covers": counting.encode_covers(merged).hex()})


def uncovered(owner_id: bytes, late: Iterable[Late], value: object, cut: int) -> list[Late]:
    """The records of `late` that no owner's cover of `cut` accounts for. None of them while
    this device knows no cover of that cut (its boundary has not arrived: the sharing device
    may hold them all, as it does when no race happened)."""
    ranges = _cut_ranges(value, cut)
    if ranges is None:
        return []
    return [r for r in late if not _covered(ranges, r.signer(owner_id), r.device, r.counter)]


def carry_inputs(
    late: Iterable[Late],
) -> tuple[list[bytes], dict[bytes, dict[int, int]], dict[bytes, tuple[counting.Seen, ...]]]:
    """For `Replica._snapshot_plan`: the documents to seal again (in order of arrival), per
    document the first clock of each Yjs client its late updates wrote from, and the seen
    vector of its last late record (a removal carried says what its writer had received)."""
    docs: dict[bytes, None] = {}  # in order of arrival, each once
    since: dict[bytes, dict[int, int]] = {}
    seen: dict[bytes, tuple[counting.Seen, ...]] = {}
    for record in late:
        if record.doc_id is None:
            continue
        docs.setdefault(record.doc_id)
        if record.start is not None:
            client, clock = record.start
            clocks = since.setdefault(record.doc_id, {})
            clocks[client] = min(clock, clocks.get(client, clock))
        seen[record.doc_id] = record.seen
    return list(docs), since, seen


Counter = tuple[bytes, bytes, int]
"""(author, device, counter) of a record."""


def not_accounted(
    held: Iterable[Counter], value: object, cut: int, carried: Iterable[Counter] = ()
) -> frozenset[Counter]:
    """Of the records this device holds sealed before the cut (`held`: the owner's, and
    those of each current member that takes the cut), those no owner's cover of `cut`
    accounts for (all of them while it knows none), less those `carried` now: what a record
    sealed at the cut or later (another than the share's own boundary) must not cover
    (`trim`): covering a record whose change no member got would hide it from them for
    good, where a gap shows it withheld (R43 F2; a member's own, rev-ce2 F1)."""
    ranges = _cut_ranges(value, cut) or {}
    return frozenset(
        (author, device, counter)
        for author, device, counter in held
        if not _covered(ranges, author, device, counter)
    ) - frozenset(carried)


def _cut_ranges(
    value: object, cut: int
) -> dict[tuple[bytes, bytes], tuple[counting.Range, ...]] | None:
    """The covered counter ranges by (author, device) in the setting `value`
    (`with_covers`: the owner's signed covers only), or None when it keeps no cover of
    `cut`."""
    kept = decode(value)
    if kept is None or kept[0] != cut or not kept[1]:
        return None
    return {(c.author, c.device): c.ranges for c in kept[1]}


def _covered(
    ranges: dict[tuple[bytes, bytes], tuple[counting.Range, ...]],
    author: bytes,
    device: bytes,
    counter: int,
) -> bool:
    return any(lo <= counter <= hi for lo, hi in ranges.get((author, device), ()))


def trim(
    covers: Iterable[counting.Cover], left_out: frozenset[Counter]
) -> tuple[counting.Cover, ...]:
    """`covers` without the counters `left_out` (`not_accounted`)."""
    if not left_out:
        return tuple(covers)
    trimmed = []
    for cover in covers:
        out = sorted(c for a, d, c in left_out if (a, d) == (cover.author, cover.device))
        if not out:
            trimmed.append(cover)
            continue
        ranges: list[tuple[int, int]] = []
        for lo, hi in cover.ranges:
            for counter in (c for c in out if lo <= c <= hi):
                if lo < counter:
                    ranges.append((lo, counter - 1))
                lo = counter + 1
            if lo <= hi:
                ranges.append((lo, hi))
        if ranges:
            trimmed.append(counting.Cover(cover.author, cover.device, tuple(ranges)))
    return tuple(trimmed)


PENDING = "late-records"
"""The setting keeping, by journal, the late records found uncovered as they arrived
(`uncovered`) and not carried yet: a sync cut short before it carries them (the app closed)
carries them at the next one."""


def encode_pending(pending: dict[bytes, list[Late]]) -> str | None:
    """The setting's value (None: nothing pending)."""
    kept = {
        journal_id.hex(): [
            [
                r.record_id.hex(),
                r.device.hex(),
                r.counter,
                None if r.doc_id is None else r.doc_id.hex(),
                None if r.start is None else list(r.start),
                [[s.author.hex(), s.device.hex(), s.counter] for s in r.seen],
                *([] if r.epoch is None and r.author is None else [r.epoch]),
                *([] if r.author is None else [r.author.hex()]),
            ]
            for r in records
        ]
        for journal_id, records in sorted(pending.items())
        if records
    }
    return json.dumps(kept) if kept else None


def decode_pending(value: object) -> dict[bytes, list[Late]]:
    """The setting's records by journal ({} for none, or for a value not read here)."""
    if not isinstance(value, str):
        return {}
    try:
        return {
            bytes.fromhex(journal_hex): [
                Late(
                    bytes.fromhex(record_id),
                    bytes.fromhex(device),
                    int(counter),
                    None if doc_id is None else bytes.fromhex(doc_id),
                    None if start is None else (int(start[0]), int(start[1])),
                    tuple(
                        counting.Seen(bytes.fromhex(a), bytes.fromhex(d), int(c))
                        for a, d, c in seen
                    ),
                    None if not rest or rest[0] is None else int(rest[0]),
                    None if len(rest) < 2 else bytes.fromhex(rest[1]),
                )
                for record_id, device, counter, doc_id, start, seen, *rest in records
            ]
            for journal_hex, records in json.loads(value).items()
        }
    except (ValueError, RecursionError, TypeError, AttributeError, IndexError):
        return {}


def joined(*lists: Iterable[Late]) -> list[Late]:
    """The records of `lists`, each once (by record id), in order."""
    found: dict[bytes, Late] = {}
    for records in lists:
        for record in records:
            found.setdefault(record.record_id, record)
    return list(found.values())
