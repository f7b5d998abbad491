"""Conflict-free documents (pycrdt, the Yjs/Yrs CRDT) and the entry view over them.

A document is general: a kind ("entry", "goal", ...), last-writer-wins fields in the map
"fields", mergeable text fields (Yjs `Text`) and append-only lists (Yjs `Array` of plain
values, e.g. a goal's check-ins). A record's payload is a Yjs update;
updates commute and are idempotent, so devices that saw the same records hold the same state.

Merge rules (protocol.md, "Documents"): concurrent text inserts are all kept (a text
replaced on two devices keeps both new wordings whole, `replace_text`); concurrent
writes of one field settle by Yjs' rule (the same on every device); `deleted` is only ever
set to true, so a delete racing an edit always wins and an entry never comes back.
"""

from __future__ import annotations

import bisect
import functools
import heapq
import re
import secrets
import unicodedata
from collections import Counter, OrderedDict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, NamedTuple

from diff_match_patch import diff_match_patch
from pycrdt import Array, Doc, Map, StickyIndex, Text

from client_sdk.errors import BAD_VALUE, ENTRY_EMPTY, IntegrityError, InvalidInput
from client_sdk.frozen_init import filled_at_once

# An entry's kinds and limits are defined with `models.Entry`: a module that needs only them
# (the `tj` command line starting up) does not import pycrdt.
from client_sdk.models import BRIEF as BRIEF
from client_sdk.models import EMOTIONS as EMOTIONS
from client_sdk.models import ENTRY as ENTRY
from client_sdk.models import HOMEWORK as HOMEWORK
from client_sdk.models import MAX_BODY as MAX_BODY
from client_sdk.models import MAX_PROMPT_ID as MAX_PROMPT_ID
from client_sdk.models import MAX_TAG as MAX_TAG
from client_sdk.models import MAX_TAGS as MAX_TAGS
from client_sdk.models import MAX_TITLE as MAX_TITLE
from client_sdk.models import MEASURE as MEASURE
from client_sdk.models import PRIVATE_NOTE as PRIVATE_NOTE
from client_sdk.models import TRASH_DAYS as TRASH_DAYS
from client_sdk.models import read_ms
from client_sdk.twin_inserts import twin_edits
from client_sdk.yjs_binary import (
    FIELDS_ROOT,
    as_read_by_pycrdt,
    delete_set_update,
    new_document_update,
    read_new_document_update,
    read_varuint,
    varuint,
)
from client_sdk.yjs_updates import CYCLIC, Reach, Walk, delete_set, walk


def load_engine() -> None:
    """Make pycrdt ready in the running event loop. Its first document there imports
    anyio's asyncio backend (a `Doc` holds an anyio lock): 12-30 ms on this project's
    2-core machines (issue 10), which otherwise falls on the first document read, written
    or applied. A long-running caller (`Client.watch`) calls this when it starts, so that
    the first live notice costs what the next ones do."""
    Doc()


def _panicked(error: BaseException) -> bool:
    """Whether `error` is a panic in Yrs: pyo3's `PanicException`, a BaseException (so that
    `except Exception` lets it through), which pycrdt does not export."""
    return type(error).__name__ == "PanicException"


_UNSET: Any = MappingProxyType({})
"""An empty mapping that cannot be written to: what a `Document`'s causal buffer
(`_kept`, `_blocked`, `_deletes`) and `_floor` hold until their first write, which puts a
dict of the document's own in its place (a pull makes a document per record and most never
write to them: four dicts fewer a record for the collector to count, issue 10). A write
that did not would raise TypeError or AttributeError, never share one dict."""


class Document:
    """One CRDT document; every change returns the update bytes to put in a record."""

    def __init__(self, doc_id: bytes, kind: str, *, client_id: int | None = None) -> None:
        """`client_id` is the Yjs client id to write under; leave it None (a fresh random id
        below 2**53 for every instance, protocol.md §5 "Client ids") except in tests."""
        self.doc_id = doc_id
        self.kind = kind
        self._client_id_wanted = client_id
        self._built: Doc[Any] | None = None  # the pycrdt document, made when first needed
        self._fields_map: Map[Any] | None = None  # the root map `fields`, got when first used
        self._written: int | None = 0
        """The clock this instance reached under its own client id; None while nothing from
        elsewhere was applied since it changed the document (the clock is then the state's
        own, read when an update first arrives: `apply`)."""
        self._merged = False  # whether an update from elsewhere was applied (see _own_client_id)
        self._changed = False  # whether `change` ran
        self._sole: bytes | None = None
        """The update this instance holds alone (the only one applied, nothing changed here):
        its whole state, returned by `state()` without encoding it again (issue 10)."""
        self._unbuilt: bytes | None = None
        """The update that created this document, encoded without pycrdt (`change` of a new
        document): applied to the pycrdt document when it is first made (`_doc`)."""
        self._created_fields: Mapping[str, Any] | None = None
        """The map fields `_unbuilt` wrote (`holds_field` reads them while `_doc` is unmade)."""
        self._read: tuple[bytes, dict[str, object], dict[str, str]] | None = None
        """The update this document was loaded from, when it holds that one alone and read it
        without pycrdt (`_merge`): (that update, its fields, its texts) as
        `read_new_document_update` gives them. While the document holds it unbuilt
        (`_as_read`), `field`, `fields_of`, `field_values`, `holds_field` and `text` answer
        from them as pycrdt would (`as_read_by_pycrdt`): a document loaded only to be read,
        as a caseload, a brief or a score history reads most, makes no pycrdt document
        (issue 10)."""
        self._removal_read: tuple[Any, Any] | None = None
        """The fields `deleted` and `trashed_at` as last read (`removal_fields`), until the
        document changes: a pull asks for them twice or more per record (issue 10)."""
        self._kept: dict[bytes, Walk] = _UNSET  # a dict of its own at the first write
        """Updates from elsewhere that build on clocks this document does not hold (a record
        the server withheld, or one sealed before this device's share), kept as received
        (each with what it builds on), in arrival order, never given to pycrdt until
        everything they build on is held (`_offer`): the causal buffer of protocol.md §5
        "Updates that wait for missing clocks" (`waiting`)."""
        self._blocked: dict[int, list[tuple[int, int, bytes]]] = _UNSET
        """The updates of `_kept` by the id (client, clock) each was found waiting for: client
        -> a heap of (clock, arrival, update). Only those whose clock is then held are tried
        again when that client's clocks grow (rev-wn W5, rev-cb C2)."""
        self._arrivals = 0  # updates kept so far (`_block`): their order among equal clocks
        self._kept_bytes = 0  # the bytes of `_kept` (MAX_WAITING_BYTES)
        self._deletes: dict[int, list[tuple[int, int]]] = _UNSET
        """Deleted ranges of updates applied here that end past the state vector, client ->
        its (clock, end) ranges, sorted and disjoint: applied once their clocks are held."""
        self._floor: Reach = _UNSET
        """Clocks the document's state vector is known to reach, client by client (it only
        grows): raised by each update from elsewhere applied here, read again from the state
        vector (`_exact`) only when an update seems to build on clocks past it: decoding the
        vector of a document of many clients for every update would cost more than applying
        it (issue 10)."""
        self._exact = False
        """Whether `_floor` is the state vector itself (read since the last change)."""
        self._loaded: tuple[bytes, bytes] | None = None
        """The stored state and what waits beside it (b"" for nothing) this instance was
        made from (`from_state`): merging them again changes nothing (`apply_own`)."""

    @property
    def _doc(self) -> Doc[Any]:
        """The pycrdt document, made at first use (a document only created and stored, as
        most writes do, needs none until it is read or changed again)."""
        if self._built is None:
            self._built = Doc(client_id=self._client_id_wanted)
            if self._unbuilt is not None:  # what `change` wrote without pycrdt
                self._built.apply_update(self._unbuilt)
                self._unbuilt = None
        return self._built

    @property
    def _fields(self) -> Map[Any]:
        if self._fields_map is None:
            self._fields_map = self._doc.get("fields", type=Map)
        return self._fields_map

    @classmethod
    def from_state(
        cls,
        doc_id: bytes,
        kind: str,
        state: bytes,
        *,
        waiting: bytes | None = None,
        client_id: int | None = None,
    ) -> Document:
        """A document holding `state`, this device's own (the local store's, or another
        instance's `state()`), with `waiting` (that instance's `waiting()`, stored beside its
        state: None or b"" when nothing waits): `state` merged without
        `yjs_updates.refusal`'s check, which every update from elsewhere passed when it was
        applied (`apply`); what waits offered again as received from elsewhere (`apply`).
        Raises IntegrityError when `state` or `waiting` does not decode, or an update of
        `waiting` is refused."""
        document = cls(doc_id, kind, client_id=client_id)
        document.apply_own(state, waiting=waiting)
        document._loaded = (state, waiting or b"")
        return document

    def copy(self) -> Document:
        """Another instance holding what this one holds, what waits included (`waiting`: not
        in its state either), writing under its own fresh client id."""
        return Document.from_state(self.doc_id, self.kind, self.state(), waiting=self.waiting())

    @property
    def client_id(self) -> int:
        """The Yjs client id this instance writes under."""
        return int(self._doc.client_id)

    def apply(self, update: bytes) -> None:
        """Merge an update (idempotent, commutative), from another device or account.
        Raises IntegrityError for an update that is not one (it does not decode) or that a
        device refuses (`yjs_updates.refusal`; protocol.md §5 "Updates a device refuses"),
        and leaves the document as it was. An update that builds on clocks the document does
        not hold waits, kept apart (`waiting`), until they are all held."""
        self._merge(update, checked=False)

    def apply_own(self, update: bytes, *, waiting: bytes | None = None) -> None:
        """Merge what this device holds or wrote itself: its stored state of the document
        (`from_state`, or read again inside a writing transaction) or an update it made from
        it (a delete set, a carried edit), without `yjs_updates.refusal`'s check, which every
        update from elsewhere in it passed. `waiting`: the updates from elsewhere that wait
        beside that state (its `waiting()`, stored beside it), offered here as received
        (`apply`); a value stored by an SDK before the causal buffer (one update, its state
        merged with it) is read so as well, the state's own pending part dropped. Raises
        IntegrityError when `update` or `waiting` does not decode, or an update of `waiting`
        is refused. The state and waiting updates this instance was made from (`from_state`)
        are not merged again: it holds them already, and merging is idempotent (a write's
        commit reads the stored state again, in its transaction, and finds it unchanged; for
        an entry of a long history, applying it took as long as making the instance)."""
        if self._loaded is not None and self._loaded == (update, waiting or b""):
            return
        self._merge(update, checked=True)
        if not waiting:
            return
        parts = _buffered(waiting)
        if parts is None:  # stored before the causal buffer: one update, in the state too
            parts = [bytes(waiting)]
            self._held_only()
        for part in parts:
            if part in self._kept:
                continue
            walked = _kept_walks.get(part)  # this process walked it when it was kept
            if walked is None:
                why, walked = walk(part)
                if why is not None:
                    raise self._malformed(why)
            self._merged, self._sole = True, None
            self._offer(part, walked)

    def _held_only(self) -> None:
        """Rebuild the pycrdt document from what it holds: a state stored before the causal
        buffer was merged with what waited, which Yrs keeps pending."""
        fresh: Doc[Any] = Doc(client_id=self._client_id_wanted)
        fresh.apply_update(self._doc.get_update())
        self._built, self._fields_map, self._removal_read = fresh, None, None
        self._written, self._exact, self._sole = self._own_clock(), False, None

    def _merge(self, update: bytes, *, checked: bool) -> None:
        """`apply`; `checked`: `update` is this device's own (`apply_own`)."""
        sole = update if not (self._merged or self._changed) else None
        if sole is not None and self._built is None and self._unbuilt is None:
            read = read_new_document_update(bytes(update))
            if read is not None:
                # An empty instance and the update that created a document, as pycrdt writes
                # one (`new_document_update`, read back exactly): it applies, and what it
                # holds is known. The pycrdt document is made from it when first needed
                # (`_doc`), as for a document created here (`_created`); a pull applies
                # most documents so, one record each, and reads only their removal (issue 10).
                fields = read[1]
                self._merged = True
                self._unbuilt = self._sole = bytes(update)
                self._read = (self._unbuilt, fields, read[2])
                self._removal_read = _removal(
                    as_read_by_pycrdt(fields.get("deleted")),
                    as_read_by_pycrdt(fields.get("trashed_at")),
                )
                return
        walked: Walk | None = None
        if not checked:
            why, walked = walk(bytes(update))
            if why is not None:
                raise self._malformed(why)
        if self._written is None:  # what this instance wrote, before anything else comes in
            self._written = self._own_clock()
        self._merged, self._sole = True, None
        if walked is not None:
            self._offer(bytes(update), walked, sole)
            return
        # Applied at once, also the first update of an empty document: an update can decode
        # and still not apply (R16 finding 1), and one stored unapplied would break every
        # later read of the document, on every device of the journal.
        self._exact = False
        self._apply_to_doc(update)
        self._sole = bytes(sole) if sole is not None else None
        if self._kept or self._deletes:  # this device's own state: any clock may have grown
            self._retry(None)

    def _offer(self, update: bytes, walked: Walk, sole: bytes | None = None) -> None:
        """Apply `update` from elsewhere (`walked`: what it builds on) when the document
        holds every clock its structs build on, else keep it as it is, apart (`_kept`),
        never given to pycrdt: Yrs keeps such an update pending, leaves it out of what it
        encodes, loses the edit when a pending struct's origin is later merged otherwise
        (rev-wn W3), and crashes when pending items build on one another in a cycle (rev-wn
        W6). Its deleted ranges past the state vector wait apart (`_deletes`). An update whose
        own items form a cycle never integrates: refused (IntegrityError). `sole`: the update,
        when it is the first this instance takes (`state()` returns it when applied whole)."""
        if update in self._kept:
            return  # received again while it waits
        if walked.runs is not None and walked.cyclic():
            # A property of the update alone (protocol.md §5): refused whatever is held, so
            # that devices do not diverge by the order the records arrive in (rev-cb C1).
            raise self._malformed(CYCLIC)
        wanted, after = self._lacks(walked)
        if wanted is not None:
            if self._kept_bytes + len(update) > MAX_WAITING_BYTES or (
                len(self._kept) >= MAX_WAITING_UPDATES
            ):
                raise self._malformed(OVER_WAITING)
            if self._kept is _UNSET:
                self._kept = {}
            self._kept[update] = walked
            self._kept_bytes += len(update)
            self._block(wanted, update)
            _kept_walks.remember(update, walked)
            return
        whole = self._integrate(update, walked, after)
        if whole and sole is not None:
            self._sole = bytes(sole)
        if self._kept or self._deletes:
            self._retry(after)

    def _block(self, wanted: tuple[int, int], update: bytes) -> None:
        """Keep `update` (in `_kept`) as waiting for the id `wanted`."""
        if self._blocked is _UNSET:
            self._blocked = {}
        heapq.heappush(self._blocked.setdefault(wanted[0], []), (wanted[1], self._arrivals, update))
        self._arrivals += 1

    def _lacks(self, walked: Walk) -> tuple[tuple[int, int] | None, Reach]:
        """`walked.missing` against `_floor`, read again from the state vector once when the
        floor does not reach far enough. The clocks the update needs outside itself
        (`Walk.needs`, kept with it) are checked first: while one is not held, its structs
        are not walked again, and the id returned is the furthest it needs of that client,
        so that a kept update is tried again only once that clock is held (rev-cb C2)."""
        while True:
            wanted: tuple[int, int] | None = None
            after: Reach = {}
            if walked.runs is not None:  # one client's (nearly all): `missing` reads no more
                for client, clock in walked.needs.items():
                    if self._floor.get(client, 0) < clock:
                        wanted = (client, clock - 1)
                        break
            if wanted is None:
                wanted, after = walked.missing(self._floor)
            if wanted is None or self._exact:
                return wanted, after
            self._floor, self._exact = state_clocks(self._doc.get_state()), True

    def _integrate(self, update: bytes, walked: Walk, after: Reach) -> bool:
        """Give pycrdt `update`, whose structs build on held clocks only (`after`: the
        clocks they move), with the deleted ranges that are held then; keep the others apart
        (`_deletes`). Whether it was given whole."""
        held = self._floor
        past = [c for c, k in walked.deleted.items() if after.get(c, held.get(c, 0)) < k]
        if past and not self._exact:
            self._floor, self._exact = state_clocks(self._doc.get_state()), True
            held = self._floor
            past = [c for c, k in walked.deleted.items() if after.get(c, held.get(c, 0)) < k]
        whole = not past
        joined: dict[int, list[tuple[int, int]]] = {}
        if past:
            ranges = delete_set(update, walked.delete_set_at)
            now: dict[int, list[tuple[int, int]]] = {}
            for client, found in ranges.items():
                reached = after.get(client, held.get(client, 0))
                later: list[tuple[int, int]] = []
                for clock, length in found:
                    if clock < reached:
                        now.setdefault(client, []).append((clock, min(length, reached - clock)))
                    if clock + length > reached:
                        later.append((max(clock, reached), clock + length))
                if later:  # sorted and joined once per update (rev-cb C4)
                    joined[client] = _joined([*self._deletes.get(client, ()), *later])
            count = sum(len(r) for c, r in self._deletes.items() if c not in joined)
            if count + sum(map(len, joined.values())) > MAX_WAITING_RANGES:
                raise self._malformed(OVER_WAITING)
            update = update[: walked.delete_set_at] + delete_set_update(now)[1:]
        self._apply_to_doc(update)
        if joined:
            if self._deletes is _UNSET:
                self._deletes = {}
            self._deletes.update(joined)
        if after and self._floor is _UNSET:
            self._floor = {}
        for client, clock in after.items():
            if clock > self._floor.get(client, 0):
                self._floor[client] = clock
        return whole

    def _retry(self, grown: Reach | None) -> None:
        """Apply what waits and now may be held: the kept updates waiting for a client whose
        clocks grew (`grown`; None: any client's, after this device's own state was merged),
        and the deleted ranges waiting for them, until nothing more moves. A kept update
        pycrdt still does not take (not expected: it passed `walk`) is dropped as malformed,
        and the rest go on."""
        while grown is None or grown:
            if grown is None:
                self._exact = False
                tried = list(self._kept)
                self._blocked = {}
                deletes = list(self._deletes)
            else:
                tried = []
                for client, clock in grown.items():
                    heap = self._blocked.get(client)
                    if not heap:
                        continue
                    reached = max(clock, self._floor.get(client, 0))
                    while heap and heap[0][0] < reached:  # only those whose clock came
                        tried.append(heapq.heappop(heap)[2])
                    if not heap:
                        del self._blocked[client]
                deletes = [
                    c
                    for c, clock in grown.items()
                    if c in self._deletes
                    and self._deletes[c][0][0] < max(clock, self._floor.get(c, 0))
                ]
            moved: Reach = {}
            if deletes:
                self._sole = None
                self._apply_held_deletes(deletes)
            for update in tried:
                walked = self._kept.get(update)
                if walked is None:
                    continue  # applied already (tried for two clients)
                wanted, after = self._lacks(walked)
                if wanted is not None:
                    self._block(wanted, update)
                    continue
                del self._kept[update]
                self._kept_bytes -= len(update)
                self._sole = None
                try:
                    self._integrate(update, walked, after)
                except IntegrityError:
                    self._exact = False
                    continue
                moved.update(after)
            grown = moved

    def _apply_held_deletes(self, clients: list[int]) -> None:
        """Apply the waiting deleted ranges (`_deletes`) of `clients` that the document now
        holds (their clocks below its state vector), keeping the rest."""
        if not self._exact:
            self._floor, self._exact = state_clocks(self._doc.get_state()), True
        now: dict[int, list[tuple[int, int]]] = {}
        for client in clients:
            reached = self._floor.get(client, 0)
            ranges = self._deletes[client]  # sorted, disjoint: the held ones come first
            held = bisect.bisect_left(ranges, (reached,))
            if not held:
                continue
            now[client] = [(clock, min(end, reached) - clock) for clock, end in ranges[:held]]
            last = ranges[held - 1]
            del ranges[:held]
            if last[1] > reached:
                ranges.insert(0, (reached, last[1]))
            if not ranges:
                del self._deletes[client]
        if now:
            self._apply_to_doc(delete_set_update(now))

    def _apply_to_doc(self, update: bytes) -> None:
        self._removal_read = None
        try:
            self._doc.apply_update(update)
        except Exception:  # pycrdt raises a bare Exception subclass on malformed updates
            raise self._malformed() from None
        except BaseException as error:  # a panic in Yrs (rev-o1 F2)
            if not _panicked(error):
                raise
            raise self._malformed() from None

    def _malformed(self, why: str = "") -> IntegrityError:
        said = f": {why}" if why else ""
        return IntegrityError(f"document {self.doc_id.hex()} received a malformed update{said}")

    def state(self) -> bytes:
        """The whole document as one update (a snapshot): the update applied, when it is the
        only one and nothing was changed here (a document received in one record), else the
        document encoded. Never what waits for clocks the document lacks (`waiting`): a
        snapshot sealed from it holds only what this device reads (rev-wn W1)."""
        if self._sole is not None:
            return self._sole
        return bytes(self._doc.get_update())

    def waiting(self) -> bytes:
        """The updates from elsewhere that wait for clocks the document lacks (a record
        withheld by the server, or sealed before this device's share, and an update that
        builds on it arrived), as received, and the deleted ranges that wait for their
        clocks (one delete set): b"" when nothing waits, else BUFFERED followed by each as
        a lib0 varuint length and its bytes. Stored beside the state
        (`store.StoredDocument.waiting`) and given back to `from_state`, which offers them
        again, so that they are applied once the missing clocks arrive, in any order
        (protocol.md §5 "Updates that wait for missing clocks")."""
        parts = list(self._kept)
        if self._deletes:
            parts.append(
                delete_set_update(
                    {c: [(k, end - k) for k, end in found] for c, found in self._deletes.items()}
                )
            )
        if not parts:
            return b""
        return BUFFERED + b"".join(varuint(len(part)) + part for part in parts)

    def state_vector(self) -> bytes:
        return bytes(self._doc.get_state())

    def fresh_client_id(self) -> int:
        """A Yjs client id no struct of this document's state is under, nor this instance's
        own: random below 2**53, drawn as pycrdt draws a new document's (protocol.md §5,
        "Client ids"), for a write that must not continue any run (`glued_inserts`)."""
        held = state_clocks(self._doc.get_state())
        while True:
            candidate = int(Doc().client_id)
            if candidate not in held and candidate != self.client_id:
                return candidate

    def holdings(self) -> tuple[dict[int, int], int] | None:
        """What this document holds, to tell whether an update brought anything to it: its
        state vector (client -> next clock) and how many items its delete set counts. Both
        only grow as updates are applied (a delete set is a union), so an update that left
        both as they were brought nothing: a snapshot that only compacts what this device
        held, not one re-sealing another device's change (R45 F4). Yjs v1 encoding: an
        update against the whole state vector holds no structs, only the delete set (a
        count of clients, then for each its id, a count of ranges and each range's clock
        and length, all lib0 varuints); None when the encoding is not that one (or does not
        decode): then nothing can be told from it."""
        vector = self.state_vector()
        deletes = bytes(self._doc.get_update(vector))
        deleted = 0
        try:
            structs, at = read_varuint(deletes, 0)
            if structs != 0:
                return None
            clients, at = read_varuint(deletes, at)
            for _ in range(clients):
                _, at = read_varuint(deletes, at)  # the client id
                ranges, at = read_varuint(deletes, at)
                for _ in range(ranges):
                    _, at = read_varuint(deletes, at)  # the clock
                    length, at = read_varuint(deletes, at)
                    deleted += length
        except IndexError:
            return None
        return decode_state_vector(vector), deleted

    def written_once(self) -> bool:
        """Whether this document holds only what one update wrote from nothing: the structs of
        one Yjs client, no deleted item, nothing waiting for missing clocks. Every later
        change of an entry (an edit on any device, a move to the trash and back, a merge)
        sets `updated_at` again, which deletes the value it replaces, and is written under the
        client id of another instance: after it, this is False. False too when the encoding
        is not the one `holdings` reads (nothing is then claimed)."""
        if self._kept or self._deletes:
            return False
        if self._sole is not None and read_new_document_update(self._sole) is not None:
            return True  # the one update that created it, read without pycrdt (issue 10)
        if read_varuint(self.state_vector(), 0)[0] != 1:
            return False  # several clients' structs: told from the count, not the whole state
        held = self.holdings()
        return held is not None and len(held[0]) == 1 and held[1] == 0

    def removal_since(self, since: Mapping[int, int], *, strip: bool = False) -> bytes | None:
        """What Yjs clients wrote into this removed document (of any kind: an entry, a
        measure result, a goal, homework...) from a clock on (`since`: client -> clock;
        every update of one local change is one client's: `update_start`): what a holder of
        everything else lacks (no other client's structs; this document's delete set), with
        everything but the removal itself arriving deleted: words of a text, items of a
        list, keys of a map, and of the map `fields` every key but REMOVAL_FIELDS (a mood,
        a score, a goal's why...). Its holders then get the removal, and later changes of
        that client apply there instead of waiting for the missing clocks for ever (R41 F7,
        R43 F1); a member never gets a value of a document written before its share and
        removed before it (protocol.md 4.19, R43 F5): Yjs keeps a deleted item's place and
        length, not its content. This document keeps its own values (a restore here does
        not bring them to the other devices, which hold them deleted): only with `strip`;
        without, None when anything but the removal would arrive deleted. None when the
        encoding is not the one read here, and when pycrdt panics on the document
        (rev-o1b F1: a member's item that is no text's, placed in a text by its origin,
        passes `yjs_updates.refusal`, and Yrs panics deleting that text's words)."""
        try:
            return self._removal_since(since, strip=strip)
        except BaseException as error:
            if not _panicked(error):
                raise
            return None

    def _removal_since(self, since: Mapping[int, int], *, strip: bool = False) -> bytes | None:
        """The work of `removal_since`."""
        vector = decode_state_vector(self.state_vector())
        for client, clock in since.items():
            vector[client] = min(clock, vector.get(client, 0))
        own_deletes = bytes(self._doc.get_update(self.state_vector()))  # no structs
        state = self.state()
        scratch: Doc[Any] = Doc()
        scratch.apply_update(state)
        probe: Doc[Any] = Doc()  # a root's type is not in an update: a map has keys
        probe.apply_update(state)
        texts: Doc[Any] = Doc()  # ... and a text has words (a list's values are no words)
        texts.apply_update(state)
        names = list(scratch.keys())
        with scratch.transaction():
            for name in names:
                if name == "fields" or list(probe.get(name, type=Map).keys()):
                    keyed = scratch.get(name, type=Map)
                    for key in list(keyed.keys()):
                        if name != "fields" or key not in REMOVAL_FIELDS:
                            del keyed[key]
                elif str(texts.get(name, type=Text)):
                    # its words, as a text: yrs counts a list's length apart from a text's,
                    # and deleting a text's words as a list's values never ends on the first
                    # character outside ASCII
                    words = scratch.get(name, type=Text)
                    del words[0 : len(words)]
                else:  # a list: its values, in order (or nothing left to delete)
                    sequence = scratch.get(name, type=Array)
                    del sequence[0 : len(sequence)]
        vector.update(
            {
                c: k
                for c, k in decode_state_vector(bytes(scratch.get_state())).items()
                if c not in vector
            }
        )
        update = bytes(scratch.get_update(encode_state_vector(vector)))
        deletes = bytes(scratch.get_update(scratch.get_state()))[1:]  # after "0 clients"
        if not update.endswith(deletes) or own_deletes[:1] != b"\x00":
            return None  # not the encoding read here: not sent
        stripped = update[: len(update) - len(deletes)] + own_deletes[1:]
        if strip:
            return stripped
        whole = bytes(self._doc.get_update(encode_state_vector(vector)))
        return whole if whole == stripped else None

    def structs_of(self, clients: Iterable[int]) -> bytes | None:
        """A Yjs v1 update holding every struct `clients` wrote into this document, from
        their first clock, and no deleted range (`withdrawal_again`). None when the encoding
        is not the one read here."""
        vector = decode_state_vector(self.state_vector())
        vector.update({c: 0 for c in clients})
        update = bytes(self._doc.get_update(encode_state_vector(vector)))
        deletes = bytes(self._doc.get_update(self.state_vector()))
        if deletes[:1] != b"\x00" or not update.endswith(deletes[1:]):
            return None  # not the encoding read here: not sent
        return update[: len(update) - len(deletes) + 1] + b"\x00"

    def _as_read(self) -> tuple[dict[str, object], dict[str, str]] | None:
        """The fields and texts of `_read` while they are all this document holds and its
        pycrdt document is unmade (any change or update from elsewhere makes it); else
        None."""
        read = self._read
        if read is None or self._built is not None or read[0] is not self._unbuilt:
            return None
        return read[1], read[2]

    def field(self, name: str, default: Any = None) -> Any:
        """The value of `name` in the map `fields` (plain values: numbers as floats, lists
        as lists), `default` when it has none."""
        if (read := self._as_read()) is not None:
            held = read[0]
            return as_read_by_pycrdt(held[name]) if name in held else default
        return self._fields.get(name, default)

    def holds_field(self, name: str) -> bool:
        """Whether the map `fields` holds a value other than null under `name` (`field(name)
        is not None`), read without making the pycrdt document of a document only created
        here (`_created`: the write path of every entry, issue 10)."""
        if self._built is None and self._created_fields is not None:
            return self._created_fields.get(name) is not None
        if (read := self._as_read()) is not None:
            return read[0].get(name) is not None
        return self.field(name) is not None

    def fields_of(self, *names: str) -> tuple[Any, ...]:
        """The values of `names` in the map `fields`, in that order (None for a name it
        lacks: `field(name)` of each), read in one transaction. `field` costs pycrdt's
        Map.get four transactions a name (`documents.removal`, read for every document a
        pull changes, cost about a tenth of a fresh pull's CPU so)."""
        if (read := self._as_read()) is not None:
            held = read[0]
            return tuple(as_read_by_pycrdt(held[name]) if name in held else None for name in names)
        with self._doc.transaction():
            fields = self._fields
            return tuple(fields[name] if name in fields else None for name in names)

    def removal_fields(self) -> tuple[Any, Any]:
        """`fields_of("deleted", "trashed_at")` (what `removal` reads), read once until the
        document changes (every change and update applied here forgets it)."""
        if self._removal_read is None:
            self._removal_read = self.fields_of("deleted", "trashed_at")
        return self._removal_read

    def field_values(self) -> dict[str, Any]:
        """Every field of the map `fields` as plain values, read in one transaction (reading
        many fields one by one costs a transaction each)."""
        if (read := self._as_read()) is not None:
            return {name: as_read_by_pycrdt(value) for name, value in read[0].items()}
        with self._doc.transaction():
            values = self._fields.to_py()
        return dict(values) if isinstance(values, dict) else {}

    def text(self, name: str) -> str:
        """The text `name` ("" when it has none)."""
        if name != FIELDS_ROOT and (read := self._as_read()) is not None:
            return read[1].get(name, "")
        return str(self._doc.get(name, type=Text))

    def keyed(self, name: str) -> dict[str, Any]:
        """The plain values of the map `name` (empty when it has none)."""
        values = self._doc.get(name, type=Map).to_py()
        return dict(values) if isinstance(values, dict) else {}

    def items(self, name: str) -> list[Any]:
        """The plain values of the list `name`, in the order every device agrees on."""
        return list(self._doc.get(name, type=Array).to_py() or [])

    def change(
        self,
        fields: Mapping[str, Any] | None = None,
        texts: Mapping[str, str] | None = None,
        appends: Mapping[str, str] | None = None,
        pushes: Mapping[str, Any] | None = None,
        clears: Iterable[str] = (),
        drops: Mapping[str, Callable[[Any], bool]] | None = None,
        keyed: Mapping[str, Mapping[str, Any]] | None = None,
        unkeyed: Mapping[str, Iterable[str]] | None = None,
        whole: Collection[str] = (),
    ) -> bytes:
        """Apply local edits in one transaction and return the resulting update.

        `texts` edits each named text into its new value by a semantic diff (`replace_text`);
        one also named in `whole` is replaced whole instead (`replace_whole`).

        `pushes` adds one plain value at the end of each named list; values pushed
        concurrently on two devices are both kept. `clears` empties the named lists (of
        what this device has seen); `drops` deletes the items of each named list for which
        its predicate is true. `keyed` sets keys of named maps (a map of plain values, each
        key last-writer-wins like `fields`) and `unkeyed` deletes keys of named maps.
        """
        self._own_client_id()
        # A fresh instance (nothing applied, nothing changed) is empty: its update is its
        # whole state, encoded without a state vector to diff against (issue 10).
        fresh = not (self._merged or self._changed)
        self._removal_read = None
        if (
            fresh
            and self._built is None
            and not (appends or pushes or clears or drops or keyed or unkeyed)
        ):
            created = self._created(fields or {}, texts or {})
            if created is not None:
                return created
        self._changed, self._sole = True, None
        before = None if fresh else self._doc.get_state()
        with self._doc.transaction():
            if fields:
                self._fields.update(dict(fields))  # one transaction, not one per field
            for name, new_text in (texts or {}).items():
                if not fresh:
                    edit = replace_whole if name in whole else replace_text
                    edit(self._doc.get(name, type=Text), new_text)
                elif new_text:  # a fresh document's texts are empty: nothing to diff
                    self._doc.get(name, type=Text).insert(0, new_text)
            for name, extra in (appends or {}).items():
                text = self._doc.get(name, type=Text)
                text.insert(len(text), extra)
            for name, value in (pushes or {}).items():
                self._doc.get(name, type=Array).append(value)
            for name in clears:
                items = self._doc.get(name, type=Array)
                del items[0 : len(items)]
            for name, doomed in (drops or {}).items():
                items = self._doc.get(name, type=Array)
                values = items.to_py() or []
                for index in reversed(range(len(values))):
                    if doomed(values[index]):
                        del items[index]
            for name, values in (keyed or {}).items():
                mapping = self._doc.get(name, type=Map)
                for key, value in values.items():
                    mapping[key] = value
            for name, gone in (unkeyed or {}).items():
                mapping = self._doc.get(name, type=Map)
                for key in gone:
                    if key in mapping:
                        del mapping[key]
        # Unmerged, the clock is the state's own: read only if an update comes in (`apply`).
        self._written = self._own_clock() if self._merged else None
        self._exact = False
        if self.client_id in self._blocked:  # another client wrote under this id: rare
            self._retry({self.client_id: self._own_clock()})
        if before is None:
            self._sole = bytes(self._doc.get_update())  # `state()` without encoding it again
            return self._sole
        return bytes(self._doc.get_update(before))

    def _created(self, fields: Mapping[str, Any], texts: Mapping[str, str]) -> bytes | None:
        """`change(fields, texts)` of a fresh instance whose pycrdt document was never made,
        encoded without making it (`new_document_update`: the same bytes pycrdt writes, in
        about a third of its time; the write path of every entry, issue 10) under the client
        id this instance writes under (drawn now when none was asked for: random below 2**53,
        as pycrdt draws one). None, with nothing changed, when a value is not one it encodes:
        pycrdt then makes the change. The pycrdt document, made when first needed, starts
        from this update (`_doc`)."""
        client_id = self._client_id_wanted
        if client_id is None:
            client_id = secrets.randbits(53)
        update = new_document_update(client_id, fields, texts)
        if update is None:
            return None
        self._client_id_wanted = client_id
        self._changed = True
        self._written = None  # unmerged: the clock is the state's own (`change`)
        self._unbuilt = self._sole = update
        self._created_fields = fields
        return update

    def _own_clock(self) -> int:
        """The clock of this instance's client id in the document's state (`state_clock`:
        read after every write, without decoding one pair for each client that ever wrote
        the document)."""
        return state_clock(self._doc.get_state(), self.client_id)

    def _own_client_id(self) -> None:
        """Never write under a client id someone else wrote under: if the merged state names
        this instance's id beyond what it wrote itself (another instance drew the same random
        id), move to a fresh id first, as Yjs does (protocol.md §5, "Client ids"). An instance
        that applied no update holds only its own writes: nothing to check (issue 10)."""
        if not self._merged:
            return
        while self._own_clock() != self._written:
            fresh: Doc[Any] = Doc()
            fresh.apply_update(self._doc.get_update())
            self._built, self._fields_map, self._written = fresh, None, 0
            self._removal_read = None


MAX_WAITING_BYTES = 4 * 1024 * 1024
"""The most bytes of updates from elsewhere that may wait beside one document (`waiting`):
sixteen records of the largest size (256 KiB). An update that would wait past it is refused
as over the limit (protocol.md §5 "Updates that wait for missing clocks", rev-cb C4)."""
MAX_WAITING_UPDATES = 4_096
"""The most updates from elsewhere that may wait beside one document (same rule)."""
MAX_WAITING_RANGES = 200_000
"""The most deleted ranges (after joining those that meet) that may wait beside one
document (same rule): three records of the largest size, each all one-clock ranges."""
OVER_WAITING = "more waits for missing clocks than a document keeps"

BUFFERED = b"\x00\x00"
"""What `Document.waiting()` starts with: two zero bytes, an update of no structs and no
deleted range, which is all of a Yjs v1 update starting so; a value stored before the causal
buffer (one update, any other bytes) is told from it so (`Document.apply_own`)."""


_NOT_REMOVED = (False, None)
_NEVER_REMOVED = (None, None)


def _removal(deleted: object, trashed_at: object) -> tuple[Any, Any]:
    """(`deleted`, `trashed_at`) as `Document.removal_fields` gives them, the pair of a
    document never removed shared by every instance rather than made for each (one object
    fewer kept per pulled document, issue 10: the pair is never changed, only replaced)."""
    if trashed_at is None and deleted is False:
        return _NOT_REMOVED
    if trashed_at is None and deleted is None:
        return _NEVER_REMOVED
    return deleted, trashed_at


class _KeptWalks:
    """The walks of updates kept waiting (`Document._kept`) by this process, by their bytes,
    the most recently used first kept, up to KEPT_WALKS_BYTES of updates and walks: a document is read
    from the store (`from_state`) at each pull and write that touches it, and walking again
    all that waits beside it (up to MAX_WAITING_BYTES) at every read would let a member who
    fills it make each of the owner's pulls of one record cost seconds (rev-cb, "reloads").
    `walk` is a function of the bytes alone, so a walk kept here is the walk."""

    def __init__(self, limit: int) -> None:
        self._walks: OrderedDict[bytes, tuple[Walk, int]] = OrderedDict()
        self._bytes = 0
        self._limit = limit

    def get(self, update: bytes) -> Walk | None:
        kept = self._walks.get(update)
        if kept is None:
            return None
        self._walks.move_to_end(update)
        return kept[0]

    def remember(self, update: bytes, walked: Walk) -> None:
        weight = _walk_bytes(update, walked)
        if update in self._walks or weight > self._limit:
            return
        self._walks[update] = (walked, weight)
        self._bytes += weight
        while self._bytes > self._limit:
            _, (_, dropped) = self._walks.popitem(last=False)
            self._bytes -= dropped


WALK_ENTRY_BYTES = 256
"""What one struct step or one client entry of a `Walk` is counted as in memory (bytes,
rounded up from CPython's sizes of a small frozen dataclass or dict entry with its ints):
a walk of many tiny structs takes many times its update's bytes (a quick review measured
an 800 KB update of GC structs walking to 70 MB), so `_KeptWalks` counts both."""


def _walk_bytes(update: bytes, walked: Walk) -> int:
    """The bytes `_KeptWalks` counts for `update` and its walk: the update, and
    WALK_ENTRY_BYTES per step of its runs and per client it names."""
    steps = sum(len(run) for run in walked.runs.values()) if walked.runs is not None else 0
    entries = steps + len(walked.origins) + len(walked.deleted)
    return len(update) + WALK_ENTRY_BYTES * entries


KEPT_WALKS_BYTES = 4 * MAX_WAITING_BYTES
"""Bytes of kept updates and their walks (`_walk_bytes`) this process keeps
(`_KeptWalks`): 16 MiB, what may wait beside four documents when their walks are small."""

_kept_walks = _KeptWalks(KEPT_WALKS_BYTES)


def _buffered(waiting: bytes) -> list[bytes] | None:
    """The updates of a `Document.waiting()` value, None for a value stored before the
    causal buffer (one update). Raises IntegrityError when the lengths do not add up."""
    if waiting[:2] != BUFFERED or len(waiting) == 2:
        return None
    parts, at = [], 2
    try:
        while at < len(waiting):
            length, at = read_varuint(waiting, at)
            if length == 0 or at + length > len(waiting):
                raise IntegrityError("the updates waiting beside a document do not decode")
            parts.append(bytes(waiting[at : at + length]))
            at += length
    except IndexError:
        raise IntegrityError("the updates waiting beside a document do not decode") from None
    return parts


def _joined(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """(clock, end) `ranges`, in any order, sorted and joined where they meet or overlap:
    disjoint (one sort: O(n log n), rev-cb C4)."""
    out: list[tuple[int, int]] = []
    for clock, stop in sorted(ranges):
        if out and clock <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], stop))
        else:
            out.append((clock, stop))
    return out


def state_clocks(state_vector: bytes) -> dict[int, int]:
    """A Yjs state vector as {client id: clock} (lib0 encoding: a count, then pairs of
    variable-length unsigned integers)."""
    return decode_state_vector(state_vector)


def replace_text(text: Text, new: str) -> None:
    """Edit `text` into `new` by a semantic diff: what the user kept stays in place (so a
    concurrent edit elsewhere in the text keeps its place) and what they rewrote is one delete
    and one insert (so a concurrent rewrite on another device is kept beside it, whole).

    The diff is Google's diff-match-patch (Myers' algorithm after trimming the common prefix
    and suffix; a diff that would take over `DIFF_TIMEOUT_S` falls back to coarser, still
    exact, replacements) over whole words (`semantic_diff`), cleaned up by its
    `diff_cleanupSemantic` (equalities no longer than the edits on both sides of them, short
    words two sentences happen to share, become part of the edit) and by `semantic_edges` (a
    lone full stop or other mark left equal at either end is folded in); a rewrite of most of
    a sentence then replaces the whole sentence (`whole_sentences`), so two devices that
    rewrite one sentence differently keep both new sentences whole, apart (NU27 C2). A raw
    character diff would turn a rewritten sentence into many small edits around shared
    letters, and two devices' rewrites would merge letter by letter (NU24 C1). It compares
    Python strings code point by code point; the offsets are then converted to the unit
    pycrdt's `Text` indexes in (`TEXT_INDEX_UNIT`), while the Yjs updates themselves count
    UTF-16 code units whatever the API uses (protocol.md §5).
    """
    old = str(text)
    if old == new:
        return
    if not old:  # a new text: the diff would be one insert of the whole of it
        text.insert(0, new)
        return
    position = 0  # in TEXT_INDEX_UNIT, in the text as edited so far
    diffs = whole_sentences(old, semantic_diff(old, new))
    index = 0
    while index < len(diffs):
        operation, chunk = diffs[index]
        size = text_index_length(chunk)
        index += 1
        if operation == diff_match_patch.DIFF_EQUAL:
            position += size
        elif operation == diff_match_patch.DIFF_INSERT:
            text.insert(position, chunk)
            position += size
        elif index < len(diffs) and diffs[index][0] == diff_match_patch.DIFF_INSERT:
            position += _replace_run(text, position, chunk, diffs[index][1])
            index += 1
        else:
            del text[position : position + size]


def replace_whole(text: Text, new: str) -> None:
    """Replace all of `text` by `new` as one run (`_replace_run`): for a text the user always
    gives whole (a safety plan's). Two devices that each replace the text they both held keep
    both new texts at the next sync, whole, one after the other (Yjs orders them by client
    id), never merged word by word (rev29d F2: two plans interleaved into "C B: breathe.
    walk, then call Dr Lee."); a device's new text is one insert, so no concurrent insert
    lands inside it. The same text is left as it is."""
    old = str(text)
    if old == new:
        return
    if not old:
        text.insert(0, new)
    elif not new:
        del text[0 : text_index_length(old)]
    else:
        _replace_run(text, 0, old, new)


def _replace_run(text: Text, position: int, deleted: str, inserted: str) -> int:
    """Replace `deleted`, at `position` of `text` (in TEXT_INDEX_UNIT), by `inserted`, and
    return the length of `inserted` in that unit.

    Where the insert goes decides where concurrent inserts of another device end up (Yjs
    places an insert by its neighbours at the time, its left and right origins). Deleting
    first and inserting at the same index makes the new words' left origin the last deleted
    character, so a sentence another device appended after the rewritten one (its left origin
    that same character, e.g. the folded full stop of `semantic_edges`) may be placed before
    them ("I slept  Then work was calm.well.", R45 F1); inserting before deleting makes their
    right origin the first deleted character, so another device's word inserted just before
    the run may be placed after them. The new words go *inside* the deleted run instead, after
    its first code point: both neighbours are deleted characters of the run, so whatever
    another device inserted before or after the run stays before or after it, and two devices
    that rewrite the same run still have the same neighbours (their rewrites are kept one
    after the other, whole: NU24 C1). A run of one code point has no inside: it is deleted
    first, as before."""
    size, new_size = text_index_length(deleted), text_index_length(inserted)
    if len(deleted) == 1:
        del text[position : position + size]
        text.insert(position, inserted)
        return new_size
    lead = text_index_length(deleted[0])
    text.insert(position + lead, inserted)
    del text[position + lead + new_size : position + size + new_size]
    del text[position : position + lead]
    return new_size


Diff = list[tuple[int, str]]
"""diff-match-patch's diff: (operation, text) pairs, operation -1 delete, 0 equal, 1 insert."""


def semantic_diff(old: str, new: str) -> Diff:
    """The edits turning `old` into `new` as a person would describe them (`replace_text`):
    whole words (diff-match-patch's word mode: each word, space or punctuation mark stands for
    one character while diffing), then `diff_cleanupSemantic` and `semantic_edges`."""
    differ = diff_match_patch()
    differ.Diff_Timeout = DIFF_TIMEOUT_S
    tokens: list[str] = [""]  # the library's convention: index 0 is never a token
    old_chars, new_chars = _words_to_chars(old, tokens), _words_to_chars(new, tokens)
    diffs: Diff = differ.diff_main(old_chars, new_chars, False)
    differ.diff_charsToLines(diffs, tokens)  # each character back to its word
    differ.diff_cleanupSemantic(diffs)
    return semantic_edges(diffs)


_UNSPACED = (
    "\u0e00-\u0eff"  # Thai, Lao
    "\u1000-\u109f\ua9e0-\ua9ff\uaa60-\uaa7f"  # Myanmar
    "\u1780-\u17ff\u19e0-\u19ff"  # Khmer
    "\u1980-\u19df\u1a20-\u1aaf\uaa80-\uaadf"  # New Tai Lue, Tai Tham, Tai Viet
    "\u3005-\u3007\u3021-\u3029\u3038-\u303b"  # ideographic iteration marks and numbers
    "\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f"  # Hiragana, Katakana (and half-width)
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # Han
    "\U00020000-\U0002fa1f\U00030000-\U000323af"  # Han, supplementary planes
)
"""Letters of scripts written without spaces between words (Chinese, Japanese, Thai, Lao,
Myanmar, Khmer and kin): in these a "word" is one letter (R45 F2)."""

# The patterns made of `_UNSPACED` (and `_cjk`) are compiled at their first use: their
# character classes, which reach past U+FFFF, take about 7 ms of CPU to compile, which every
# `tj` command that opens the journal paid (perf33c); only merging and diffing texts uses them.


@functools.cache
def _no_space() -> re.Pattern[str]:
    return re.compile(rf"[{_UNSPACED}]")


def _spaced(char: str) -> bool:
    return not char.isspace() and _no_space().match(char) is None


_CLOSING = frozenset(".,;:!?\u2026")
"""Marks written straight after a word (full stop, comma, semicolon, colon, exclamation and
question marks, ellipsis), besides Unicode's closing brackets and quotes (Pe, Pf)."""
_OPENING = frozenset("\u00bf\u00a1")
"""Marks written straight before a word (inverted question and exclamation marks), besides
Unicode's opening brackets and quotes (Ps, Pi)."""


def _closes(char: str) -> bool:
    """Whether `char` is a mark that follows a word with no space: "with Sam" and "." merged
    as "with Sam." read right, and a space would make it "with Sam ." (RG-F2)."""
    return char in _CLOSING or unicodedata.category(char) in ("Pe", "Pf")


def _opens(char: str) -> bool:
    """Whether `char` is a mark a word follows with no space ("(", "¿")."""
    return char in _OPENING or unicodedata.category(char) in ("Ps", "Pi")


def joins_with_space(last: str, first: str) -> bool:
    """Whether one space goes between a text ending with the character `last` and one
    starting with `first`, by protocol.md section 5 rule 2: neither is white space nor a
    letter of a script written without spaces (`_UNSPACED`), `first` is no mark written
    straight after a word (". , ; : ! ? …", closing brackets and quotes) and `last` no mark
    written straight before one (opening brackets and quotes, "¿", "¡")."""
    return _spaced(last) and _spaced(first) and not _closes(first) and not _opens(last)


@functools.cache
def _word() -> re.Pattern[str]:
    """A token of a word diff (`words`): one letter of a script without spaces, a run of other
    letters and digits, or one other character."""
    return re.compile(rf"[{_UNSPACED}]|(?:(?![{_UNSPACED}])\w)+|\W")


_JOINERS = frozenset("\u200c\u200d")  # zero width non-joiner, zero width joiner


def words(text: str) -> list[str]:
    r"""`text` cut into the tokens a word diff compares (`semantic_diff`), in order; joined,
    they are `text`. A word is a run of letters and digits (regex `\w`) in scripts that put
    spaces between words; in scripts that do not (`_UNSPACED`: Han, Hiragana, Katakana, Thai,
    Lao, Myanmar, Khmer, ...), each letter is a word of its own, as in the default word
    boundaries of Unicode's UAX #29 (which needs a dictionary to do better); every other
    character is a token of its own. Combining marks (Unicode categories Mn, Mc, Me) and the
    zero width (non-)joiner stay with the character before them (UAX #29 rule WB4), so a diff
    never separates a letter from its accent or vowel sign, and a word of Devanagari or
    decomposed Latin ("e" + U+0301) is one token. Hangul is written with spaces: a Korean word
    is a word."""
    tokens: list[str] = []
    marked = False  # the last token ends with a mark: what follows it may continue it
    spaced_word = _spaced_word()
    for token in _word().findall(text):
        if token >= "\u0300" and len(token) == 1 and _is_mark(token):
            if tokens:
                tokens[-1] += token  # an accent, a vowel sign, a joiner
            else:
                tokens.append(token)
            marked = True
            continue
        if marked and (
            tokens[-1][-1] == "\u200d"  # what a zero width joiner joins ("👩‍💻")
            or (spaced_word.match(token) and spaced_word.match(tokens[-1]))  # "नमस्ते"
        ):
            tokens[-1] += token
        else:
            tokens.append(token)
        marked = False
    return tokens


@functools.cache
def _spaced_word() -> re.Pattern[str]:
    return re.compile(rf"(?![{_UNSPACED}])\w")


def _is_mark(character: str) -> bool:
    """Whether the one character `character` attaches to the one before it (`words`)."""
    return not character.isalnum() and (
        character in _JOINERS or unicodedata.category(character).startswith("M")
    )


def _words_to_chars(text: str, tokens: list[str]) -> str:
    """`text` with each token of `words` (a word, or another character) replaced by the one
    character numbering it in `tokens` (the word-mode counterpart of diff-match-patch's
    `diff_linesToChars`, which numbers lines the same way). Two texts of MAX_BODY characters
    have far fewer distinct tokens than there are code points."""
    numbers = {token: number for number, token in enumerate(tokens)}
    encoded = []
    for token in words(text):
        number = numbers.get(token)
        if number is None:
            number = numbers[token] = len(tokens)
            tokens.append(token)
        encoded.append(chr(number))
    return "".join(encoded)


def semantic_edges(diffs: Diff) -> Diff:
    """`diffs` with a lone punctuation mark or symbol kept at the start or the end (the full
    stop of a rewritten sentence) folded into the replacement next to it. Two devices that
    rewrite "Work was hard." would otherwise both keep its "." and end their sentences on the
    same one. Nothing longer is folded: a folded equality is rewritten, and an edit another
    device made in it would be kept beside it instead of in it. A pure insert or delete next
    to it (an append, a cut) is left as it is: it cannot interleave."""
    diffs = list(diffs)
    for at_start in (True, False):
        if len(diffs) < 3:
            break
        edge = 0 if at_start else len(diffs) - 1
        operation, kept = diffs[edge]
        if operation != diff_match_patch.DIFF_EQUAL or not _LONE_MARK.fullmatch(kept):
            continue
        step = 1 if at_start else -1
        run = []  # the indexes of the edits next to the equality
        index = edge + step
        while 0 <= index < len(diffs) and diffs[index][0] != diff_match_patch.DIFF_EQUAL:
            run.append(index)
            index += step
        deleted = "".join(diffs[i][1] for i in sorted(run) if diffs[i][0] < 0)
        inserted = "".join(diffs[i][1] for i in sorted(run) if diffs[i][0] > 0)
        if not (deleted and inserted):
            continue
        if at_start:
            deleted, inserted = kept + deleted, kept + inserted
        else:
            deleted, inserted = deleted + kept, inserted + kept
        first, last = min([*run, edge]), max([*run, edge])
        diffs[first : last + 1] = [
            (diff_match_patch.DIFF_DELETE, deleted),
            (diff_match_patch.DIFF_INSERT, inserted),
        ]
    return diffs


_LONE_MARK = re.compile(r"[^\w\s]", re.UNICODE)
"""One character that is neither part of a word nor a space: ".", "!", "?", "…", "😀"."""


_SENTENCE_END = re.compile(
    r"[.!?…]+[\"'”’»)\]]*(?:\s+|$)"  # ". ", "?! ", ".” ", "." at the end
    r"|[。！？]+[」』”’）]*\s*"  # "。", "！" (no space after them)
    r"|\n\s*"  # a line break ends whatever came before it
)
"""Where a sentence of a text ends (`sentences`): after its full stop, question or exclamation
mark (and a closing quote or bracket) followed by white space or the end of the text, and
the white space after it; or at a line break, with the white space after it."""


def sentences(text: str) -> list[tuple[int, int]]:
    """`text` cut into sentences, as (start, end) code point offsets in order, each holding the
    white space after it; joined, they are `text` (`_SENTENCE_END`). A text without a sentence
    end is one sentence."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        if match.end() > start:
            spans.append((start, match.end()))
            start = match.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def _holds_equal(step: tuple[int, str] | None, kept: str) -> bool:
    """Whether `step` of a diff is an equality at least as long as `kept` (`whole_sentences`)."""
    return step is not None and step[0] == diff_match_patch.DIFF_EQUAL and len(step[1]) >= len(kept)


def _changed_words(deleted: str, inserted: str) -> tuple[int, int]:
    """How many words (`words` that are letters or digits) `deleted` has that `inserted` has
    not, and how many `inserted` has that `deleted` has not, compared case-insensitively as
    multisets (`whole_sentences`): "Work" replaced by "Today work" removes none and adds one."""
    before = Counter(token.casefold() for token in words(deleted) if _IS_WORD.match(token))
    after = Counter(token.casefold() for token in words(inserted) if _IS_WORD.match(token))
    return (before - after).total(), (after - before).total()


_IS_WORD = re.compile(r"\w")


@functools.cache
def _cjk() -> re.Pattern[str]:
    """A character of Chinese or Japanese, written without spaces, where a character is about
    a syllable: a word is one to a few of them (`_several_words`)."""
    return re.compile(
        "[\u3005-\u3007\u3021-\u3029\u3038-\u303b"  # ideographic iteration marks and numbers
        "\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f"  # Hiragana, Katakana (and half-width)
        "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # Han
        "\U00020000-\U0002fa1f\U00030000-\U000323af]"  # Han, supplementary planes
    )


CJK_PHRASE = 3
"""Characters of Chinese or Japanese on one side of an edit from which it counts as changing
more than one word (`_several_words`): most words are one or two characters (会社 -> 学校 stays
a one-word fix, R45 F2), a rewritten phrase more (公园 -> 图书馆, 天气很好 -> 下雨了)."""


def _several_words(deleted: str, inserted: str) -> bool:
    """Whether a run of edits changes more than one word (`whole_sentences`): white space in
    what it deletes or inserts, or CJK_PHRASE characters or more of Chinese or Japanese on one
    side (NU39 #1: written without spaces, their rewrites were never taken as rewrites, and
    two devices' were merged letter by letter: "我待在家里图书馆。"). Other scripts without
    spaces (Thai, Lao, Khmer, Myanmar) spell a word with several letters: only white space
    tells there."""
    if any(c.isspace() for c in deleted + inserted):
        return True
    return max(len(_cjk().findall(deleted)), len(_cjk().findall(inserted))) >= CJK_PHRASE


def whole_sentences(old: str, diffs: Diff) -> Diff:
    """`diffs` (turning `old` into a new text, `semantic_diff`) with each rewrite of most of
    one sentence made a replacement of the whole sentence (NU27 C2).

    A *rewrite* is a run of edits between two equalities that deletes and inserts text, one of
    them holding white space (more than one word changes: a one-word fix stays in place, so a
    word another device inserted next to it keeps its place), and that removes a word
    (`_changed_words`): at least two, or one with at least two new words written. An insertion
    that changed a capital beside it ("Work" -> "Today work") or a one-word change never widens,
    so a fix another device made in the words it kept is not undone (R49 F4: "Today work is
    hard. toughI slept ok." where "Today work is tough." was meant). It rewrites *most* of its
    sentence (`sentences` of `old`; a run across several takes all of them) when what the
    sentence keeps before it and what it keeps after it, each without white space at its ends,
    are each no longer than the larger of the run's deleted and inserted text:
    diff-match-patch's `diff_cleanupSemantic` rule (an equality no longer than the edits on both
    sides of it is folded into them), with the sentence's start and end as the other sides. The
    run then deletes the whole sentence, with the white space after it (or, for a last sentence
    without any, the white space before it; or, for a sentence after another whose white space
    before it is the same as the one after it, the one before it, so the one after it stays and
    a word another device added in the sentence keeps a space before the next: R49 F3), and
    inserts the new one with the same white space. Two devices that each rewrite most of one
    sentence then both replace the same run: Yjs keeps both new sentences whole, one after the
    other, separated by that white space ("Work is fine now. Work still worries me. I slept
    ok."), where two word-level replacements of overlapping runs gave "Work still worries mefine
    now." (each inserted inside its own deleted run, and words one kept and the other deleted
    were lost). A text of one sentence has no white space to separate them ("Work is fine
    now.Work still worries me."). What the other text kept around the run must be equal, not
    edited: a sentence with two separate rewrites is left as it is."""
    diffs = list(diffs)
    spans = sentences(old)
    starts = [start for start, _ in spans]
    # Each diff's start in `old` (an insert: the position it is inserted at).
    offsets: list[int] = []
    at = 0
    for operation, chunk in diffs:
        offsets.append(at)
        if operation != diff_match_patch.DIFF_INSERT:
            at += len(chunk)
    runs: list[tuple[int, int]] = []  # [first, last] indexes of each run of edits
    index = 0
    while index < len(diffs):
        if diffs[index][0] == diff_match_patch.DIFF_EQUAL:
            index += 1
            continue
        first = index
        while index < len(diffs) and diffs[index][0] != diff_match_patch.DIFF_EQUAL:
            index += 1
        runs.append((first, index - 1))
    for first, last in reversed(runs):  # from the end: the indexes before a run stay valid
        run = diffs[first : last + 1]
        deleted = "".join(c for op, c in run if op == diff_match_patch.DIFF_DELETE)
        inserted = "".join(c for op, c in run if op == diff_match_patch.DIFF_INSERT)
        if not (deleted and inserted) or not _several_words(deleted, inserted):
            continue
        removed, added = _changed_words(deleted, inserted)
        if not removed or (removed < 2 and added < 2):
            continue  # an insertion (a capital changed beside it) or a one-word change (R49 F4)
        begin = offsets[first]
        end = begin + len(deleted)
        start = spans[bisect.bisect_right(starts, begin) - 1][0]
        stop = spans[bisect.bisect_right(starts, end - 1) - 1][1]
        space_after = len(old[start:stop]) - len(old[start:stop].rstrip())
        space_before = len(old[:start]) - len(old[:start].rstrip())
        if stop == len(old) and not space_after:
            start -= space_before  # a last sentence: the white space before it
        elif (
            start > 0
            and space_before
            and end <= stop - space_after
            and old[start - space_before : start] == old[stop - space_after : stop]
        ):  # a sentence after another, apart by the same white space: the one before (R49 F3)
            start, stop = start - space_before, stop - space_after
        before, after = old[start:begin], old[end:stop]
        longest = max(len(deleted), len(inserted))
        if len(before.strip()) > longest or len(after.strip()) > longest:
            continue
        head = diffs[first - 1] if before and first > 0 else None
        tail = diffs[last + 1] if after and last + 1 < len(diffs) else None
        if (before and not _holds_equal(head, before)) or (after and not _holds_equal(tail, after)):
            continue  # another edit in the sentence: not one rewrite of it
        widened: Diff = []
        if head is not None:
            kept = head[1][: len(head[1]) - len(before)]
            widened += [(diff_match_patch.DIFF_EQUAL, kept)] if kept else []
        widened += [
            (diff_match_patch.DIFF_DELETE, before + deleted + after),
            (diff_match_patch.DIFF_INSERT, before + inserted + after),
        ]
        if tail is not None:
            kept = tail[1][len(after) :]
            widened += [(diff_match_patch.DIFF_EQUAL, kept)] if kept else []
        low = first - 1 if head is not None else first
        high = last + 1 if tail is not None else last
        diffs[low : high + 1] = widened
        offsets[low : high + 1] = [0] * len(widened)  # not read again: runs before stay put
    return diffs


DIFF_TIMEOUT_S = 0.5
"""Longest a body diff may search for the smallest edit (diff-match-patch's `Diff_Timeout`);
a user's edit of an entry diffs in milliseconds, this bounds pathological inputs."""


def _probe_text_index_unit() -> str:
    """What one position of pycrdt's `Text` counts: "utf-8" bytes (pycrdt up to at least
    0.14), "utf-16" code units or Python "code points" (a pending pycrdt change), measured
    once on a scratch document so the SDK keeps working whichever pycrdt is installed."""
    scratch: Doc[Any] = Doc()
    probe = scratch.get("probe", type=Text)
    probe += "\u00e9\U0001f600"  # é (2 UTF-8 bytes, 1 UTF-16 unit), 😀 (4 bytes, 2 units)
    return {6: "utf-8", 3: "utf-16", 2: "code points"}[len(probe)]


TEXT_INDEX_UNIT = _probe_text_index_unit()


def text_index_length(chunk: str) -> int:
    """The length of `chunk` in the unit pycrdt's `Text` indexes in (TEXT_INDEX_UNIT)."""
    if TEXT_INDEX_UNIT == "utf-8":
        return len(chunk.encode("utf-8"))
    if TEXT_INDEX_UNIT == "utf-16":
        return len(chunk.encode("utf-16-le")) // 2
    return len(chunk)


# --- entries ---------------------------------------------------------------------------------


MOOD_AND_CLEAR = "give a new mood, or clear it, not both"
"""An edit given both a `mood` and `clear_mood` (as goals' `clear_target`, NU45 #6)."""


@filled_at_once
@dataclass(frozen=True)
class EntryFields:
    """A validated set of entry field changes (None means "leave as is")."""

    title: str | None = field(default=None, repr=False)  # what a person wrote: no repr
    mood: int | None = None
    tags: tuple[str, ...] | None = None
    body: str | None = field(default=None, repr=False)
    append: str | None = field(default=None, repr=False)
    emotions: tuple[str, ...] | None = None
    prompt_id: str | None = None
    spaced: bool = False
    """`append` begins with the space `appended` put before the text given: the length
    limit's error says it counts it (NU30 F7)."""
    clear_mood: bool = False
    """An edit removes the mood (`mood` null: NU45 #6); never with a `mood` given."""

    def validate(self, *, current_body: str | None = None) -> EntryFields:
        """Raise InvalidInput for a field out of its limits. `current_body`, the body an edit
        starts from, makes the body's limit the growth rule of `check_text_limit`: a body
        that concurrent edits merged past MAX_BODY may still be replaced by one no longer."""
        if self.title is not None and len(self.title) > MAX_TITLE:
            raise InvalidInput(f"a title has at most {MAX_TITLE} characters", subject=BAD_VALUE)
        if self.mood is not None and (
            isinstance(self.mood, bool)
            or not isinstance(self.mood, int)
            or not 1 <= self.mood <= 10
        ):
            raise InvalidInput("mood is a whole number from 1 to 10", subject=BAD_VALUE)
        if self.clear_mood and self.mood is not None:
            raise InvalidInput(MOOD_AND_CLEAR, subject=BAD_VALUE)
        if self.tags is not None:
            check_tags(self.tags)
        if self.emotions is not None:
            check_emotions(self.emotions)
        if self.prompt_id is not None:
            check_prompt_id(self.prompt_id)
        if self.body is not None:
            check_text_limit(ENTRY_TEXT, MAX_BODY, current_body or "", self.body, ENTRY_REST)
        if self.append is not None:
            base = self.body if self.body is not None else current_body or ""
            counted = "counting the space put before the appended text" if self.spaced else ""
            check_text_limit(
                ENTRY_TEXT, MAX_BODY, base, base + self.append, ENTRY_REST, counted=counted
            )
        return self


def appended(base: str, extra: str) -> str:
    """What an append adds at the end of `base`: `extra`, after one space where the rule
    that keeps merged words apart puts one (`joins_with_space`, protocol.md section 5 rule
    2; NU29 F8: "at work" + "and tired" reads "at work and tired"); as given otherwise, so
    a new line ("\nLater: ...") or a leading space is kept, a mark written after a word
    follows it (", and tired", "."), a script written without spaces gets none ("疲れた" +
    "。"), and appending to an empty text adds nothing before it (rev-nu29b B3).
    `Entries.edit` applies it; `edit_entry_update` appends as given."""
    if base and extra and joins_with_space(base[-1], extra[0]):
        return f" {extra}"
    return extra


ENTRY_TEXT = "an entry"
ENTRY_REST = "shorten the text, or write the rest as a new entry"
"""What to do when an entry's text would pass MAX_BODY (`check_text_limit`'s `then`)."""

EMPTY_ENTRY = (
    "an entry needs something in it: text, a title, a mood, a tag or an emotion (this one "
    "would have none, and would show blank to whoever reads the journal). Nothing was changed"
)


def has_content(
    *,
    body: str,
    title: str | None,
    mood: int | None,
    tags: tuple[str, ...] | None,
    emotions: tuple[str, ...] | None,
) -> bool:
    """Whether an entry holds something (NU27 C3): a body that is not empty or only
    whitespace, a title that is not blank, a mood, a tag or an emotion. Any one of them is
    content: a mood-only check-in or a title-only note is a real entry."""
    return bool(body.strip() or (title or "").strip() or mood is not None or tags or emotions)


def check_has_content(
    *,
    body: str,
    title: str | None,
    mood: int | None,
    tags: tuple[str, ...] | None,
    emotions: tuple[str, ...] | None,
) -> None:
    """InvalidInput (EMPTY_ENTRY) for an entry with nothing in it (`has_content`)."""
    if not has_content(body=body, title=title, mood=mood, tags=tags, emotions=emotions):
        raise InvalidInput(EMPTY_ENTRY, subject=ENTRY_EMPTY)


def check_text_limit(
    what: str,
    limit: int,
    old: str,
    new: str,
    then: str = "shorten the text",
    *,
    counted: str = "",
) -> None:
    """Refuse an edit of a mergeable text (an entry's body, a goal's why, a safety plan) from
    `old` to `new` when it makes the text longer than `limit` characters (code points, as
    Python's `len` counts them) and longer than it was. Concurrent edits, each within the
    limit on its device, can merge into a text over it (protocol.md 5, "Limits"): such a
    text stays readable and editable, and an edit that does not lengthen it is accepted,
    so the user can bring it back under the limit. Raises InvalidInput saying by how much
    the text is, or would be, over (both numbers written alike, "100,001"; `counted`, e.g.
    "counting the space put before the appended text", says what the count holds that the
    user did not type) and what to do (`then`: NU30 F7)."""
    if len(new) <= limit or len(new) <= len(old):
        return
    if len(old) > limit:
        counting = f" ({counted})" if counted else ""
        raise InvalidInput(
            f"{what} holds at most {limit:,} characters; this one has {len(old):,} "
            f"({len(old) - limit:,} over: edits made on several devices at once were merged) "
            f"and this change would make it {len(new):,}{counting}. An edit that does not "
            "lengthen it is accepted: shorten it first",
            subject=BAD_VALUE,
        )
    counting = f", {counted}" if counted else ""
    raise InvalidInput(
        f"{what} holds at most {limit:,} characters: this change would make it "
        f"{len(new):,} ({len(new) - limit:,} over{counting}); {then}",
        subject=BAD_VALUE,  # a value refused as given: exit 2 in `tj` (NU41 #6)
    )


def check_tags(tags: tuple[str, ...]) -> None:
    if len(tags) > MAX_TAGS:
        raise InvalidInput(f"an entry has at most {MAX_TAGS} tags", subject=BAD_VALUE)
    for tag in tags:
        if not tag.strip() or len(tag) > MAX_TAG:
            raise InvalidInput(
                f"a tag is 1 to {MAX_TAG} characters, not {tag!r}", subject=BAD_VALUE
            )


def check_emotions(emotions: tuple[str, ...]) -> None:
    unknown = [e for e in emotions if e not in EMOTIONS]
    if unknown:
        raise InvalidInput(
            f"unknown emotion {unknown[0]!r}: choose from {', '.join(EMOTIONS)}", subject=BAD_VALUE
        )
    if len(set(emotions)) != len(emotions):
        raise InvalidInput("each emotion is named once", subject=BAD_VALUE)


def normalize_title(title: str | None) -> str | None:
    """An entry's title as one line (NU35 #9: a typed tab was kept and shown by `tj show`):
    every run of white space (a tab, a line break) read as one space, other control characters
    (Unicode category Cc: C0, C1, DEL) dropped, the ends trimmed. None stays None."""
    if title is None:
        return None
    if title.isprintable():  # no character of category Cc (nor any C or Z but " "): all kept
        return " ".join(title.split())
    kept = "".join(c for c in title if c.isspace() or unicodedata.category(c) != "Cc")
    return " ".join(kept.split())


def normalize_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """Tags as the SDK stores them: trimmed, each once ignoring case (the first spelling is
    kept: "Sleep" then "sleep" is one tag), in the order given."""
    kept: dict[str, str] = {}
    for tag in tags:
        kept.setdefault(tag.strip().casefold(), tag.strip())
    return tuple(kept.values())


def normalize_emotions(emotions: Iterable[str]) -> tuple[str, ...]:
    """Emotions as the SDK stores them: lowercase, each once, in the order given."""
    return tuple(dict.fromkeys(e.strip().lower() for e in emotions))


def check_prompt_id(prompt_id: str) -> None:
    valid = (
        0 < len(prompt_id) <= MAX_PROMPT_ID
        and prompt_id.isascii()
        and prompt_id[0].isalnum()
        and all(c.isdigit() or c.islower() or c == "-" for c in prompt_id)
    )
    if not valid:
        raise InvalidInput(
            f"a prompt id is 1 to {MAX_PROMPT_ID} lowercase letters, digits or '-', "
            f"not {prompt_id!r}",
            subject=BAD_VALUE,
        )


MAX_UTC_OFFSET = 18 * 60  # minutes either side of UTC, as ISO 8601 offsets in practice


def check_utc_offset(minutes: int) -> None:
    """An offset from UTC in whole minutes, -1080 to +1080 (±18 h)."""
    if isinstance(minutes, bool) or not isinstance(minutes, int) or abs(minutes) > MAX_UTC_OFFSET:
        raise InvalidInput(
            "a UTC offset is a whole number of minutes from -1080 to 1080", subject=BAD_VALUE
        )


NUDGE_MS = 1_000
"""How far ahead of now (ms) the latest item may be dated for a new one, dated now, to be dated
just after it instead (`dated_after`: goal check-ins, entries)."""


def dated_after(now_ms: int, latest_ms: int | None) -> int:
    """The time (ms since the epoch, UTC) of a new item dated now: `now_ms`, or 1 ms after
    `latest_ms` (the latest item it must come after) when that one is dated at most NUDGE_MS
    ahead of `now_ms`: two written in one millisecond, or a clock stepped back a little. Read
    by time, then by random id, the later one then comes after, in the order written, not in
    the order of ids (NU32 #9; goal check-ins, CI ci-33). An item dated further ahead is not
    followed: a new one is dated now."""
    if latest_ms is not None and 0 <= latest_ms - now_ms < NUDGE_MS:
        return latest_ms + 1
    return now_ms


def new_entry_update(
    document: Document,
    fields: EntryFields,
    now_ms: int,
    *,
    created_at_ms: int | None = None,
    utc_offset: int | None = None,
) -> bytes:
    """Create an entry: the six documented keys, plus `emotions`, `prompt_id` and
    `utc_offset` only when given (an entry without them reads as none).

    `created_at_ms` (ms since the epoch, UTC) dates the entry at another moment than
    `now_ms`, e.g. an entry written for last night; `utc_offset` is the writer's offset from
    UTC at that moment, in minutes (+60 for 21:30 in Paris in winter), so days and weeks
    are counted in the writer's local time on every device."""
    fields.validate()
    if created_at_ms is not None and (
        isinstance(created_at_ms, bool) or not 0 <= created_at_ms < 2**53
    ):
        raise InvalidInput(
            "created_at is on or after 1970-01-01 00:00 UTC: an entry cannot be dated earlier",
            subject=BAD_VALUE,
        )
    if created_at_ms is not None and created_at_ms > now_ms:
        raise InvalidInput("an entry cannot be dated in the future", subject=BAD_VALUE)
    values: dict[str, Any] = {
        "title": fields.title or "",
        "mood": fields.mood,
        "tags": list(fields.tags or ()),
        "created_at": now_ms if created_at_ms is None else created_at_ms,
        "updated_at": now_ms,
        "deleted": False,
    }
    if utc_offset is not None:
        check_utc_offset(utc_offset)
        values["utc_offset"] = utc_offset
    if fields.emotions:
        values["emotions"] = list(fields.emotions)
    if fields.prompt_id is not None:
        values["prompt_id"] = fields.prompt_id
    return document.change(fields=values, texts={"body": fields.body or ""})


def new_entry(
    document: Document,
    fields: EntryFields,
    now_ms: int,
    *,
    created_at_ms: int | None = None,
    utc_offset: int | None = None,
) -> tuple[bytes, EntryView]:
    """`new_entry_update` (same arguments, same errors) and the view of the entry it creates,
    made from the values written instead of read back from the CRDT (reading a document
    back costs about as much as writing it; the write path of `entries.write`). The view
    equals `entry_view(document)` after the update."""
    update = new_entry_update(
        document, fields, now_ms, created_at_ms=created_at_ms, utc_offset=utc_offset
    )
    view = EntryView(  # the values just validated and written, as `_view_of` reads them
        id=document.doc_id,
        title=fields.title or "",
        body=fields.body or "",
        mood=fields.mood,
        tags=tuple(fields.tags or ()),
        created_at=now_ms if created_at_ms is None else created_at_ms,
        updated_at=now_ms,
        deleted=False,
        emotions=tuple(fields.emotions or ()),
        prompt_id=fields.prompt_id or None,
        utc_offset=utc_offset,
        changed=False,
    )
    return update, view


def edit_entry_update(
    document: Document,
    fields: EntryFields,
    now_ms: int,
    *,
    created_at_ms: int | None = None,
    utc_offset: int | None = None,
) -> bytes:
    """Change the given fields. `created_at_ms` (ms since the epoch, UTC, not after `now_ms`)
    redates the entry, with `utc_offset`, the writer's offset from UTC at that moment in
    minutes (protocol.md 5, "redate"). Raises InvalidInput when a field is out of its
    limits, including a body that an append would make longer than MAX_BODY characters,
    and for a date in the future, other than the one the entry has (an entry written a few
    ms ahead of the clock, `dated_after`, or on a device whose clock is ahead, given its own
    date back by an app's edit form). A body that merged edits left over MAX_BODY may be
    edited by any change that does not lengthen it (`check_text_limit`)."""
    edits_body = fields.body is not None or fields.append is not None
    fields.validate(current_body=document.text("body") if edits_body else None)
    if created_at_ms is not None and (
        isinstance(created_at_ms, bool) or not 0 <= created_at_ms < 2**53
    ):
        raise InvalidInput(
            "created_at is on or after 1970-01-01 00:00 UTC: an entry cannot be dated earlier",
            subject=BAD_VALUE,
        )
    if (
        created_at_ms is not None
        and created_at_ms > now_ms
        and created_at_ms != document.field("created_at")
    ):
        raise InvalidInput("an entry cannot be dated in the future", subject=BAD_VALUE)
    if utc_offset is not None:
        check_utc_offset(utc_offset)
    changed: dict[str, Any] = {"updated_at": now_ms}
    if created_at_ms is not None:
        changed["created_at"] = created_at_ms
        if utc_offset is not None:
            changed["utc_offset"] = utc_offset
    if fields.title is not None:
        changed["title"] = fields.title
    if fields.mood is not None:
        changed["mood"] = fields.mood
    if fields.clear_mood:
        changed["mood"] = None  # read as no mood (protocol.md 5, "edit")
    if fields.tags is not None:
        changed["tags"] = list(fields.tags)
    if fields.emotions is not None:
        changed["emotions"] = list(fields.emotions)
    if fields.prompt_id is not None:
        changed["prompt_id"] = fields.prompt_id
    texts = {"body": fields.body} if fields.body is not None else None
    appends = {"body": fields.append} if fields.append is not None else None
    return document.change(fields=changed, texts=texts, appends=appends)


TRASHED_WITH = "trashed_with_entry"
"""A copy shared one by one's map field: true while it is in the trash because its entry
went there (`Entries.delete`, `Entries._follow_removals`), so that the entry's restore brings back
these and never one the client trashed herself (REV-DEL2 B; the trash moments could be
equal: REV-DEL4). Written only into copies kept for a member (protocol.md 5)."""

TRASHED_BY_HAND = "trashed_by_hand"
"""A copy's map field: true while the client put it in the trash herself (`tj delete COPY`:
out of the member's view, as SharedAgain advises); the entry's restore never brings such a
copy back, even when the entry's trash reached it too (REV-DEL5 A: merged from two devices,
`trashed_with_entry` alone could say otherwise)."""

RESTORED_FROM = "restored_from"
"""A copy's map field: the `trashed_at` (ms) of the trash its last restore undid, so that a
device still holding the entry in that trash (a server serving the entry's journal behind
the copy's) never trashes it again for it (REV-DEL4 A)."""


def delete_entry_update(document: Document, now_ms: int) -> bytes:
    """Delete for good: `deleted` is only ever set true, so no device can bring it back, and
    the title, body, mood, tags and emotions are cleared, so that the garbage-collected state
    of the document (a snapshot) no longer holds them (protocol.md 5, "delete")."""
    return document.change(
        fields={
            "deleted": True,
            "updated_at": now_ms,
            "title": "",
            "mood": None,
            "tags": [],
            "emotions": [],
        },
        texts={"body": ""},
    )


TRASH_MS = TRASH_DAYS * 24 * 60 * 60 * 1000


def trash_entry_update(document: Document, now_ms: int) -> bytes:
    """Move an entry to the trash: hidden everywhere, restorable for TRASH_DAYS days."""
    return document.change(fields={"trashed_at": now_ms, "updated_at": now_ms})


def restore_entry_update(document: Document, now_ms: int, *, anew: bool = False) -> bytes:
    """Take an entry out of the trash. With `anew`, its values are written again as fresh
    Yjs items (its body deleted and inserted anew, its fields set again): what the other
    devices and members hold deleted of it, values this device wrote offline before
    trashing it and carried deleted at a share's re-seal (`Document.removal_since`), comes
    back everywhere with the restore, as this device shows it (R43 F3)."""
    if not anew:
        return document.change(fields={"trashed_at": None, "updated_at": now_ms})
    values = {k: v for k, v in document.field_values().items() if k not in REMOVAL_FIELDS}
    return document.change(
        fields={**values, "trashed_at": None, "updated_at": now_ms},
        texts={"body": ""},
        appends={"body": document.text("body")},
    )


REMOVAL_FIELDS = frozenset({"deleted", "trashed_at", "updated_at"})  # what a removal writes


def restore_kept_update(
    document: Document, kept: Document, now_ms: int, since: Mapping[int, int] | None = None
) -> bytes | None:
    """Another device took out of the trash an entry (`document`, as merged here) whose
    values this device kept while every other device held them deleted (`kept`: the entry as
    this device held it before that restore arrived; `since`: the changes carried so at a
    share's re-seal, Yjs client -> first clock, `Document.removal_since(strip=True)`): write
    them anew, as `restore_entry_update(anew=True)` does for a restore made here, so that
    they come back everywhere (R45 F6).

    The body is a three-way merge: the kept body without what those changes wrote (what the
    other devices held) is the base; the kept body's changes from that base are applied to
    the merged body as the other devices hold it (told `since`: with the carried changes
    deleted, which the writer of those changes, or this device, may hold live: R47 F3) with
    diff-match-patch's patches (placed by their context, so what the
    other devices wrote or deleted since stays so). Without `since` (a marker of an earlier
    version), the base is the kept body without everything the merge deleted. Only what the
    patches change is written (`replace_text` from the merged body to the patched one): the
    kept words go in as fresh Yjs items, so that a later record of the restoring device, which
    holds the kept ones deleted, cannot delete them again, and the merged body's own items
    stay, so that an edit of them made at once on another device (the restoring one, right
    after its restore) still applies to them (R48 F2); this device first deletes the carried
    changes too, as every other device holds them. A field value is written only when the
    merge lacks it (the kept value; a value the merge holds wins). With no patch (nothing of
    the body kept: a `{}` marker, R46 F7's carry at a share) no body is written at all: the
    restoring device wrote the entry anew itself (`restore_entry_update(anew=True)`, its
    marker set when it pulled the carry), and a rewrite here would undo its later edits
    (R48 F3, F4).

    Written once however many devices kept them (R47 F3: two owner devices that both
    carried one late removal both hold them). Told `since`, the merged entry is read as the
    devices holding the carried changes deleted read it (those changes deleted): when its
    body already holds every change of the kept body from the base (the text each patch
    leaves: its context and words), another device wrote them anew already, as fresh items,
    and the body is left as merged; then only the kept field values it lacks are written,
    or None (nothing to write). Two devices writing them at once (neither had the other's)
    write the same words at the same place, kept once by rule 2 (`twin_inserts`)."""
    base = kept.copy()
    others = None  # the merged entry as the devices that hold the carried changes deleted
    deletes: bytes | None = None
    if since is None:
        base.apply_own(bytes(document._doc.get_update(document.state_vector())))  # its deletes
    else:
        clocks = decode_state_vector(kept.state_vector())
        deletes = delete_set_update(
            {c: [(k, clocks[c] - k)] for c, k in since.items() if clocks.get(c, 0) > k}
        )
        base.apply_own(deletes)
        others = document.copy()
        others.apply_own(deletes)
    differ = diff_match_patch()
    differ.Diff_Timeout = DIFF_TIMEOUT_S
    patches = differ.patch_make(base.text("body"), kept.text("body"))
    merged = document if others is None else others
    values = {
        **{k: v for k, v in kept.field_values().items() if k not in REMOVAL_FIELDS},
        **{k: v for k, v in merged.field_values().items() if k not in REMOVAL_FIELDS},
    }
    held = merged.field_values()
    missing = {k: v for k, v in values.items() if held.get(k) != v}
    missing.pop("updated_at", None)
    written = others is not None and all(_after_patch(p) in merged.text("body") for p in patches)
    if not patches or written:
        # Nothing of the body kept (a `{}` marker: a share carried the removal again, R46 F7;
        # R48 F3, F4), or written anew already by another device, as fresh items every
        # device holds (R47 F3): the body is left as merged, only the kept field values it
        # lacks are written, if any.
        if not missing:
            return None
        return document.change(fields={**missing, "updated_at": now_ms})
    body, _ = differ.patch_apply(patches, merged.text("body"))
    if deletes is not None:
        # this device, too, now holds the carried changes deleted, as every other device
        # does: the kept words go in below as fresh items, never as these
        document.apply_own(deletes)
    # Only what the patches insert or delete is written (`replace_text`): the merged
    # body's items stay where they are, so an edit another device makes of them at once
    # (the restoring device, right after its restore) still applies to them (R48 F2).
    return document.change(fields={**missing, "updated_at": now_ms}, texts={"body": body})


def carry_twin_edits(document: Document, before: bytes, name: str = "body") -> bytes | None:
    """The change that carries over to the live copy the edits made of a twin copy deleted
    since `before` (this device's earlier state of `document`), when this device held them
    (`twin_inserts.twin_edits`, R48 F1): the writer of a twin copy may edit it before it has
    another device's delete of that copy, and its edit then lands among deleted items
    ("calm" rewritten as "tired" reads "calm.tired."). The inserted words are taken from where
    they landed; words only inserted go into the live copy at the same offsets ("very "
    inside " I felt calm."); when words of the deleted copy were deleted too, the live
    copy's words are never deleted (what the deleted copy's deleted words were is not held
    any more, so the two cannot be compared) and the copy as edited goes in whole right
    after it (" I felt calm. I felt tired.", as without the twin rule). The text `name` is
    edited into that (`replace_text`). None when there is nothing to carry, or the copies are
    not in `name` as found."""
    moves = twin_edits(before, document.state())
    if not moves:
        return None
    text = document.text(name)
    units = text.encode("utf-16-le")
    size = len(units) // 2
    gone: set[int] = set()
    added: dict[int, list[str]] = {}
    document._removal_read = None  # edited here, outside `change` (a text only, but still)
    with document._doc.transaction():
        sequence = document._doc.get(name, type=Text)

        def index(client: int, clock: int) -> int:
            sticky = {"item": {"client": client, "clock": clock}, "assoc": 0}
            return StickyIndex.from_json(sticky, sequence).get_index()

        for move in moves:
            client, first, length = move.kept
            at = [index(client, first + offset) for offset in range(length)]
            if len(set(at)) != length or any(not 0 <= i < size for i in at):
                return None  # not this text's items, or not as found
            if move.removed:
                # Words of the copy were deleted: never delete the kept copy's own (the two
                # copies' deleted words cannot be compared, their content is gone); the
                # edited copy goes in whole after it, as without the twin rule.
                cut = {o for offset, count in move.removed for o in range(offset, offset + count)}
                inserted: dict[int, list[str]] = {}
                for offset, words in move.inserts:
                    inserted.setdefault(offset, []).append(words)
                edited = bytearray()
                for offset in range(length + 1):
                    for words in inserted.get(offset, []):
                        edited += words.encode("utf-16-le")
                    if offset < length and offset not in cut:
                        edited += units[at[offset] * 2 : at[offset] * 2 + 2]
                try:
                    added.setdefault(at[-1] + 1, []).append(edited.decode("utf-16-le"))
                except UnicodeDecodeError:
                    return None  # a surrogate pair split: not as found
            else:
                for offset, words in move.inserts:
                    place = at[offset] if offset < length else at[-1] + 1
                    added.setdefault(place, []).append(words)
            for stray_client, clock, count in move.strays:
                places = [index(stray_client, clock + k) for k in range(count)]
                if any(not 0 <= i < size for i in places):
                    return None
                gone.update(places)
    out = bytearray()
    for unit in range(size + 1):
        for words in added.get(unit, []):
            out += words.encode("utf-16-le")
        if unit < size and unit not in gone:
            out += units[unit * 2 : unit * 2 + 2]
    try:
        new = out.decode("utf-16-le")
    except UnicodeDecodeError:
        return None  # a surrogate pair split: not as found
    if new == text:
        return None
    return document.change(texts={name: new})


def _after_patch(patch: Any) -> str:
    """A diff-match-patch patch's text after it applies: its context and inserted words."""
    return "".join(
        text for operation, text in patch.diffs if operation != diff_match_patch.DIFF_DELETE
    )


def removed(document: Document) -> bool:
    """Whether a document (of any kind) was deleted for good or is in the trash: nothing of
    it is given to a member whose share starts afterwards (protocol.md 4.19)."""
    return removal(document) != ""


def removal(document: Document) -> str:
    """How a document is removed: "deleted" (for good), "trashed" (an entry in the trash),
    or "" (it is not): `sync.DELETED`, `sync.TRASHED` (NU24 C7). Its field `deleted` is
    true, else its field `trashed_at` is set (not None), else neither (both read at once:
    `Document.fields_of`)."""
    deleted, trashed_at = document.removal_fields()
    if deleted is True:
        return "deleted"
    return "trashed" if trashed_at is not None else ""


def decode_state_vector(vector: bytes) -> dict[int, int]:
    """A Yjs state vector (count, then client and clock, each a lib0 varuint): client ->
    the next clock expected from it."""
    count, at = read_varuint(vector, 0)
    found = {}
    for _ in range(count):
        client, at = read_varuint(vector, at)
        clock, at = read_varuint(vector, at)
        found[client] = clock
    return found


_CONTINUED = bytes(range(0x80, 0x100))
"""The bytes of a lib0 varuint that are not its last (the high bit set)."""


def state_clock(vector: bytes, client: int) -> int:
    """`decode_state_vector(vector).get(client, 0)` (the last pair naming `client` when
    several do), found by searching the bytes for `client`'s varuint rather than decoding
    every pair: a document edited by many instances, each under its own client id, has a
    pair for each, and an instance reads its own clock after every write (issue 10). A match
    counts only where a varuint starts (after a byte below 0x80) at the place of a client id
    among the first `count` pairs (the varuints before it, counted once over the whole
    vector, are odd in number: the count, then whole pairs). Raises IndexError for a vector
    cut short where the pair's clock would be read."""
    wanted = varuint(client)
    count, start = read_varuint(vector, 0)
    clock, counted_to, tokens = 0, start, 0  # `tokens`: varuints ending in [start, counted_to)
    at = vector.find(wanted, start)
    while at != -1:
        if vector[at - 1] < 0x80:  # a varuint starts here (the count ends before `start`)
            tokens += len(vector[counted_to:at].translate(None, _CONTINUED))
            counted_to = at
            if tokens // 2 >= count:
                break
            if tokens % 2 == 0:
                clock = read_varuint(vector, at + len(wanted))[0]
        at = vector.find(wanted, at + 1)
    return clock


def encode_state_vector(vector: dict[int, int]) -> bytes:
    return varuint(len(vector)) + b"".join(
        varuint(client) + varuint(clock) for client, clock in sorted(vector.items())
    )


def builds_on(update: bytes, since: Mapping[int, int]) -> bool:
    """Whether the first struct of a one-client Yjs v1 update (what `removal_update`
    writes for a trash: one map item) has its origin among the clocks `since` (client ->
    first clock) or later: an item no holder without those changes can place. From the
    header and the struct's origin only (yjs: `writeClientsStructs`, `Item.write`); False
    for anything else."""
    try:
        clients, at = read_varuint(update, 0)
        if clients != 1:
            return False
        for _ in range(3):  # how many structs, client, clock
            _, at = read_varuint(update, at)
        info = update[at]
        if not info & 0x80:  # no origin
            return False
        client, at = read_varuint(update, at + 1)
        clock, _ = read_varuint(update, at)
    except IndexError:
        return False
    return client in since and clock >= since[client]


def update_start(update: bytes) -> tuple[int, int] | None:
    """(client, first clock) of a Yjs v1 update whose structs are all of one client (what
    one local edit writes), or None for one with none, several clients' or that does not
    decode. From the update's header only (yjs: `writeClientsStructs`)."""
    try:
        clients, at = read_varuint(update, 0)
        if clients != 1:
            return None
        _, at = read_varuint(update, at)  # how many structs
        client, at = read_varuint(update, at)
        clock, _ = read_varuint(update, at)
    except IndexError:
        return None
    return client, clock


def removal_update(document: Document, now_ms: int) -> bytes:
    """The removal of a `removed` document, written again by this device: `deleted` (with
    its content cleared, for an entry) or `trashed_at`. Carries no text: what replaces an
    outbox change to such a document that was written before a share (protocol.md 4.19)."""
    if document.field("deleted") is True:
        if document.kind == ENTRY:
            return delete_entry_update(document, now_ms)
        return document.change(fields={"deleted": True, "updated_at": now_ms})
    return document.change(fields={"trashed_at": document.field("trashed_at")})


def withdrawal_again(document: Document) -> bytes | None:
    """What the Yjs clients that wrote nothing but a removal (`deleted`, `trashed_at`,
    `updated_at`: `REMOVAL_FIELDS`; `Document.removal_since` of that client alone is not
    None) wrote into a removed `document`, from their first clock, with no deleted range
    (`Document.structs_of`): for a member's annotation, its withdrawal alone (by the
    journal's owner, or by the member on another device), which a share with that member
    again carries under its epoch so that the member's device holding the annotation live
    applies it (protocol.md 4.19, "Removals carried again"; rev-cut C1). Never a word or
    value of the member's, nor the deletion of one (a member's device refuses an owner's
    record that changes what the member wrote): a client that wrote anything else is left
    out, and a map's value replaced is deleted by the value that replaces it on arrival.
    None when no client wrote a removal alone, or the encoding is not the one read here."""
    clients = decode_state_vector(document.state_vector())
    alone = [c for c in sorted(clients) if document.removal_since({c: 0}) is not None]
    return document.structs_of(alone) if alone else None


def trash_expired(view: EntryView, now_ms: int) -> bool:
    """Whether a trashed entry has been in the trash for TRASH_DAYS days or more: it can no
    longer be restored and reads as deleted."""
    return view.trashed_at is not None and now_ms - view.trashed_at >= TRASH_MS


@filled_at_once
@dataclass(frozen=True)
class EntryView:
    """Plain values of an entry document at one moment."""

    id: bytes
    title: str = field(repr=False)  # decrypted: never in a repr
    body: str = field(repr=False)
    mood: int | None
    tags: tuple[str, ...] = field(repr=False)
    created_at: int
    updated_at: int
    deleted: bool
    emotions: tuple[str, ...] = ()
    prompt_id: str | None = None
    utc_offset: int | None = None  # the writer's offset from UTC in minutes, if recorded
    trashed_at: int | None = None  # ms since the epoch when moved to the trash, if it is there
    changed: bool = True
    """Whether the document may have changed since the update that created it
    (`Document.written_once` is False); True when it cannot be told."""


def entry_view(document: Document) -> EntryView:
    fields, body = document.field_values(), document.text("body")
    return _view_of(document.doc_id, fields, body, changed=not document.written_once())


def entry_view_of_state(doc_id: bytes, state: bytes) -> EntryView | None:
    """`entry_view` of the document whose whole state is `state`, read without building a
    pycrdt document when `state` is the update that created the document as
    `new_document_update` writes it (`read_new_document_update`: an entry written once and
    never changed, as most are, is stored so), else None (the caller builds the document).
    Equal to `entry_view(Document.from_state(doc_id, ENTRY, state))` (tests/core/
    test_documents.py): numbers read as pycrdt reads them (`as_read_by_pycrdt`), a body
    never written reads as "". Reading an entry so costs ~10 µs against ~100 µs through
    pycrdt (issue 10: a first listing of 10,000 entries)."""
    read = read_new_document_update(state)
    if read is None:
        return None
    _, fields, texts = read
    plain = {name: as_read_by_pycrdt(value) for name, value in fields.items()}
    return _view_of(doc_id, plain, texts.get("body", ""), changed=False)


class EntryRowFields(NamedTuple):
    """What the index of entries (`queries.entry_row`) reads of an entry's view, as the
    view (`EntryView`) has it: read by `entry_row_fields_of_state` without building the
    view."""

    created_at: int
    utc_offset: int | None
    trashed_at: int | None
    deleted: bool
    tags: tuple[str, ...]
    emotions: tuple[str, ...]
    mood: int | None


_LISTS = ("tags", "emotions")
"""The fields `_row_fields` reads items of."""


def entry_row_fields_of_state(state: bytes) -> EntryRowFields | None:
    """The fields of `entry_view_of_state(doc_id, state)` that the index of entries reads
    (`EntryRowFields`), read the same way and from the same update, without building the
    view (its title, body and the rest: a first listing after a pull indexes every entry,
    issue 10); None when `entry_view_of_state` is None."""
    read = read_new_document_update(state)
    if read is None:
        return None
    fields = read[1]
    if fields.get("tags") or fields.get("emotions"):
        # Their items as pycrdt reads them (a number as a float: its `str` differs). The
        # other fields `_row_fields` reads come out the same from a whole number as from
        # the float pycrdt reads (`whole_number`, `read_ms`, `is True`), and are left as read.
        fields = {**fields, **{n: as_read_by_pycrdt(fields[n]) for n in _LISTS if n in fields}}
    return _row_fields(fields)


def _row_fields(fields: Mapping[str, Any]) -> EntryRowFields:
    """The view's values that the index reads, from the entry's plain field values: the one
    copy of their rules (`_view_of` reads them here too)."""
    mood = fields.get("mood")
    tags = fields.get("tags") or []
    emotions = fields.get("emotions") or []
    offset = fields.get("utc_offset")
    trashed_at = fields.get("trashed_at")
    return EntryRowFields(
        # Times no datetime holds (e.g. 2**53 ms) read as absent, 0 (models.read_ms).
        created_at=read_ms(fields.get("created_at")) or 0,
        utc_offset=_offset_or_none(offset),
        trashed_at=(
            (read_ms(trashed_at) or 0)  # trashed, at a time that cannot be read: the epoch
            if isinstance(trashed_at, (int, float)) and not isinstance(trashed_at, bool)
            else None
        ),
        # An entry whose creation this device never received (only a later change: the
        # removal of an entry left out of a share) reads as deleted (protocol.md 5).
        deleted=fields.get("deleted") is True or "created_at" not in fields,
        tags=tuple(str(tag) for tag in tags) if isinstance(tags, list) else (),
        emotions=tuple(str(e) for e in emotions) if isinstance(emotions, list) else (),
        mood=whole_number(mood, 1, 10),
    )


def _view_of(doc_id: bytes, fields: dict[str, Any], body: str, *, changed: bool) -> EntryView:
    """The view of an entry from its plain field values and body text; `changed`: whether
    the document may have changed since the update that created it (`EntryView.changed`)."""
    row = _row_fields(fields)
    prompt_id = fields.get("prompt_id")
    return EntryView(
        id=doc_id,
        title=str(fields.get("title", "") or ""),
        body=body,
        mood=row.mood,
        tags=row.tags,
        created_at=row.created_at,
        updated_at=read_ms(fields.get("updated_at")) or 0,
        deleted=row.deleted,
        emotions=row.emotions,
        prompt_id=prompt_id if isinstance(prompt_id, str) and prompt_id else None,
        utc_offset=row.utc_offset,
        trashed_at=row.trashed_at,
        changed=changed,
    )


def whole_number(value: Any, lo: int, hi: int) -> int | None:
    """A stored Yjs number as an int when it has a whole value from `lo` to `hi`, else None.

    Writers may encode a number as an integer or a float (pycrdt writes 7 as 7.0, Yjs as 7):
    readers compare values, never encodings (protocol.md §5, "Numbers")."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not value.is_integer():
        return None
    number = int(value)
    return number if lo <= number <= hi else None


def _offset_or_none(value: Any) -> int | None:
    """A stored `utc_offset` in minutes, or None when it is missing or out of range."""
    return whole_number(value, -MAX_UTC_OFFSET, MAX_UTC_OFFSET)
