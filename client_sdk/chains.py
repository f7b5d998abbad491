"""The access chains this device verified: fetched from the server, verified with the owner's
key (access.py), kept in the local store. A thin I/O layer: the rules live in access.py.

A journal whose chain the server rolled back or forked, or whose key epoch disagrees with
the verified chain, gets a problem (kept until the server serves the verified state again);
the replica then neither seals nor shows anything new from that journal's server state.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

from client_sdk import access, wire
from client_sdk.access import AccessState
from client_sdk.errors import ChainUpdateNeeded, IntegrityError, RollbackError
from client_sdk.models import read_json
from client_sdk.store import Store
from client_sdk.transport import Transport

MAX_CHAIN_LENGTH = 1 << 20
"""Entries of one access chain a device follows at most (one entry per share, change, end or
key rotation: a journal rotated every hour for a century has about 880,000). A longer
`Journal.chain_length` is the server's word against any real chain: the journal gets a
problem and nothing is fetched for it."""
CHAIN_REPLY_SLACK = 2
MAX_CHAIN_REPLIES = 2000
"""Replies of /v1/journals/access one refresh follows at most (two million entries at the
server's 1,000 a reply); a walk cut there goes on from what was verified at the next one."""


READ_BACK_TRIES = 3
"""Reads `Chains.load_fresh` makes of the stored chains while this process changes its own
during each (`_read_back` then keeps nothing); after the last it answers on what it holds."""

NEWER_SETTING = "chain_update_needed"
"""The store setting that keeps `Chains._newer` between runs (JSON: journal id in hex ->
{"version", "message"}), so that a device started again knows "update the app" from
tampering before its next refresh (an app's write, the CLI's next command)."""


class Chains:
    def __init__(self, store: Store, transport: Transport, reader: access.Reader) -> None:
        self.store = store
        self.transport = transport
        self.reader = reader
        self._states: dict[bytes, AccessState] = {}
        self._problems: dict[bytes, str] = {}
        self._newer: dict[bytes, ChainUpdateNeeded] = {}
        """Journals whose walk stopped at an entry of a newer chain version, and what it
        said (ChainUpdateNeeded): not tampering, "update the app", while that is still the
        journal's problem (`needs_update`). Found anew at each refresh (`update`)."""
        self._loaded = False
        self._version: tuple[int, int] | None = None  # the store's, when last read back
        self._unreplayed: set[bytes] = set()  # stored chains that did not replay
        self._newer_stored: set[bytes] = set()  # of those, holding a newer app's entry
        self._last_before: dict[bytes, tuple[int, bytes]] = {}  # `_last` before a read-back
        self._entries: dict[bytes, list[bytes]] = {}  # read back, during `load_fresh` only
        self._last: dict[bytes, tuple[int, bytes]] = {}
        """journal id -> the length and last entry of its chain as stored, by what this
        process read or stored itself (`load_fresh` compares it with the store's)."""
        self._updating = 0  # walks (`update`) running in this process (REV-SHARES2 G4)
        self._forked: set[bytes] = set()
        """Journals whose chain stored by another process did not continue the one this
        process verified (`_keep_unless_extended`): their problem stays, whatever a walk
        finds, until the stored chain continues this process's again (REV-NEWS2 R1)."""
        self._writes = 0  # this process's own changes to the chains (REV-NEWS2 R3)
        self._unrotated: tuple[list[AccessState], bool] | None = None  # `unrotated`'s last

    async def load(self) -> None:
        """Read the verified chains back from the local store (once per client). Each
        journal's owner is the one its verified chain was created by (`access.replay`). A
        stored chain that does not replay is a problem of that journal alone: it is fetched
        and verified again from its start at the next refresh."""
        if self._loaded:
            return
        await self._read_back()
        self._entries = {}

    async def load_fresh(self, version: tuple[int, int] | None = None) -> None:
        """`load`, and read the chains back again when another process of this profile (the
        CLI beside an app) stored chain entries or problems since: the one read of who
        shares a journal, with which role and until when, that decisions about who may read
        what rest on (`Replica.fresh_access`). Without it a running app acts on the chains
        it loaded at its start, and a share made meanwhile by `tj share` goes unseen
        (REV-SHARES F2). A statement or two while the store changed since the last call
        (`Store.version`, or `version` when the caller read it just now), none while it did
        not."""
        if not self._loaded:
            await self.load()
            return
        if self._updating:
            return  # this process's own walk is storing entries now: it is the fresher
        if version is None:
            version = await self.store.version()
        if version == self._version:
            return
        chains, problems = await self.store.access_summary(version)
        kept = {j: m for j, m in self._problems.items() if j not in self._unreplayed}
        stored = {j: m for j, m in problems.items() if j not in self._unreplayed}
        if chains != self._last or stored != kept:
            for _ in range(READ_BACK_TRIES):
                previous, writes = self._states, self._writes
                if await self._read_back(unless_written_since=writes):
                    break
                # This process changed its chains while they were read (a refresh or a
                # rotation of another coroutine, a problem set): read them again, never
                # answer on what this process held before another process's change
                # (REV-FINAL F4: a push's check of who shares a journal then missed a
                # removal `tj share --revoke` had just stored).
                if self._updating:
                    return  # its walk is storing entries now: it is the fresher
            else:
                return  # changed at every read (a few statements each): read next time
            for journal_id, state in previous.items():
                changed = chains.get(journal_id) != self._last_before.get(journal_id)
                if changed or journal_id in self._forked:
                    await self._keep_unless_extended(journal_id, state)
            self._entries = {}  # read for those checks only
        else:
            self._version = version

    async def _keep_unless_extended(self, journal_id: bytes, held: AccessState) -> None:
        """After a read-back: the chain stored now for `journal_id` must continue `held`, the
        state this process verified (REV-NEWS N4: two processes served different owner-signed
        continuations by a server, the second storing its own over the first's). Otherwise
        `held` stays and the journal gets a problem, as when a server serves another
        history: nothing is sealed for it or shown from it until a refresh settles it."""
        if journal_id not in self._entries:
            self._forked.discard(journal_id)
            return  # removed by another process (deleted or forgotten): nothing to keep
        if journal_id in self._newer_stored:
            return  # a newer app stored it: "update the app", told as before, not a fork
        read = self._states.get(journal_id)  # None: stored, but it does not read back (R2)
        if (
            read is not None
            and read.length >= held.length
            and self._prefix_head(journal_id, held.length) == held.head
        ):
            if journal_id in self._forked:  # the store continues this process's again
                self._forked.discard(journal_id)
                await self._set_problem(journal_id, None)
            return
        self._states[journal_id] = held
        self._forked.add(journal_id)
        await self._set_problem(
            journal_id,
            f"the access chain of journal {journal_id.hex()} stored by another process of "
            "this profile does not continue the one this process verified: the server "
            "served two histories; nothing is sealed for it or shown from it until both agree",
        )

    def _prefix_head(self, journal_id: bytes, length: int) -> bytes | None:
        """The head of the first `length` entries of the chain as last read back."""
        entries = self._entries.get(journal_id, [])
        if len(entries) < length:
            return None
        if length == 0:
            return access.GENESIS
        try:
            return access.replay(self.reader, journal_id, entries[:length]).head
        except (IntegrityError, ChainUpdateNeeded):
            return None

    async def _read_back(self, unless_written_since: int | None = None) -> bool:
        """The verified chains, their problems and the newer-version notes, as stored; False,
        with nothing changed, when this process changed its chains while they were read
        (`_writes` moved past `unless_written_since`: a walk or a rotation of another of
        its coroutines, whose states must not be replaced by what was read before them,
        REV-NEWS2 R3)."""
        version = await self.store.version()
        stored = await self.store.access_entries()
        problems = await self.store.access_problems()
        if unless_written_since is not None and (
            self._writes != unless_written_since or self._updating
        ):
            return False  # a walk started meanwhile too: its reply is of the chain it held
        self._last_before = dict(self._last)
        self._entries = stored
        states: dict[bytes, AccessState] = {}
        self._problems = problems
        self._newer, self._unreplayed, self._newer_stored = {}, set(), set()
        self._last = {j: (len(entries), entries[-1]) for j, entries in stored.items() if entries}
        for journal_id, entries in stored.items():
            try:
                states[journal_id] = access.replay(self.reader, journal_id, entries)
            except (IntegrityError, ChainUpdateNeeded) as error:
                self._unreplayed.add(journal_id)
                if isinstance(error, ChainUpdateNeeded):  # a newer app's entry: no fork
                    self._newer_stored.add(journal_id)
                self._problems[journal_id] = (
                    f"the access chain this device kept for journal {journal_id.hex()} does not "
                    f"read back ({error}): it is verified again from its start"
                )
        for journal_id, (chain_version, message) in decode_newer(
            await self.store.setting(NEWER_SETTING)
        ).items():
            if self._problems.get(journal_id) == message:  # still that journal's problem
                self._newer[journal_id] = ChainUpdateNeeded(
                    message,
                    journal_id=journal_id,
                    version=chain_version,
                    state=states.get(journal_id),
                )
        self._states = states
        self._version = version
        self._loaded = True
        return True

    @property
    def loaded(self) -> bool:
        return self._loaded

    def state(self, journal_id: bytes) -> AccessState | None:
        return self._states.get(journal_id)

    def unsettled(self) -> bool:
        """Whether a chain has a problem (`problems`), or a verified chain held here has a
        former key holder (`AccessState.former_holders`: a membership a `removed` or `ended`
        entry closed while the current epoch's key was sealed to it, with no `rotated` entry
        verified after it): a sync then reads the chains again (`Replica._sync`). Asked at
        every sync (a no-op one too: one call, no comprehension; the holders found again
        only once a state changed, kept with the states they were found for)."""
        if self._problems:
            return True
        states = list(self._states.values())
        kept = self._unrotated
        if kept is not None and len(kept[0]) == len(states):
            same = True
            for before, now in zip(kept[0], states, strict=True):
                if before is not now:
                    same = False
                    break
            if same:
                return kept[1]
        found = False
        for state in states:
            if state.former_holders():
                found = True
                break
        self._unrotated = (states, found)
        return found

    def states(self) -> dict[bytes, AccessState]:
        return dict(self._states)

    def problem(self, journal_id: bytes) -> str | None:
        return self._problems.get(journal_id)

    def problems(self) -> dict[bytes, str]:
        return dict(self._problems)

    def needs_update(self, journal_id: bytes) -> bool:
        """Whether the journal's problem is an entry of a newer chain version: this app must
        be updated to go on with it (not tampering: the entry is the owner's)."""
        newer = self._newer.get(journal_id)
        return newer is not None and self._problems.get(journal_id) == str(newer)

    def raise_problem(self, journal_id: bytes) -> None:
        """Raise the journal's problem, if it has one: ChainUpdateNeeded (an UpdateNeeded,
        "update the app") while `needs_update`, RollbackError for any other (tampering)."""
        problem = self._problems.get(journal_id)
        if problem is None:
            return
        newer = self._newer.get(journal_id)
        if newer is not None and problem == str(newer):
            raise ChainUpdateNeeded(
                problem, journal_id=journal_id, version=newer.version, state=newer.state
            )
        raise RollbackError(problem)

    def current(self, journal_id: bytes) -> AccessState:
        """The verified state to act on. While the journal has a problem: ChainUpdateNeeded
        if it is an entry of a newer chain version (`needs_update`), else RollbackError."""
        self.raise_problem(journal_id)
        state = self._states.get(journal_id)
        if state is None:
            raise IntegrityError(
                f"journal {journal_id.hex()} has no access chain this device could verify"
            )
        return state

    async def update(
        self, journals: list[wire.Journal], owner_key_of: Callable[[bytes], bytes | None]
    ) -> None:
        """Verify what the server's journal list says against the chains, fetching the
        entries this device has not verified yet (`_fetch`: verified a page at a time)."""
        self._updating += 1
        try:
            await self._update(journals, owner_key_of)
        finally:
            self._updating -= 1

    async def _update(
        self, journals: list[wire.Journal], owner_key_of: Callable[[bytes], bytes | None]
    ) -> None:
        behind: dict[bytes, wire.Journal] = {}
        for journal in journals:
            known = self._states.get(journal.journal_id)
            if journal.chain_length != (known.length if known else 0):
                behind[journal.journal_id] = journal
        # Found anew by this walk while still so: a journal not behind has nothing past its
        # verified length, so no newer entry, and a problem found now is told as itself (a
        # rollback, another owner...), never as "update the app" left from before.
        self._newer.clear()
        refused = await self._fetch(behind, owner_key_of) if behind else {}
        for journal in journals:
            await self._check(journal, refused.get(journal.journal_id))
        listed = {journal.journal_id for journal in journals}
        for journal_id in set(self._problems) - listed - set(self._states):
            # Never verified and no longer listed: nothing was believed of it to protect.
            await self._set_problem(journal_id, None)
        newer = encode_newer(
            {j: (e.version, str(e)) for j, e in self._newer.items() if self.needs_update(j)}
        )
        if await self.store.setting(NEWER_SETTING) != newer:
            async with self.store.transaction() as tx:
                await tx.set_setting(NEWER_SETTING, newer)

    async def _fetch(
        self, behind: dict[bytes, wire.Journal], owner_key_of: Callable[[bytes], bytes | None]
    ) -> dict[bytes, str]:
        """Fetch the entries of each journal in `behind` past the length this device verified,
        verifying each page as it arrives: a page that verifies (owner-signed, continuing the
        verified chain) is kept at once, so nothing unverified is held beyond one reply; a
        page that does not ends that journal's walk. The walk follows at most the replies an
        honest server needs for the entries listed (`reply_bound`), and never a chain longer
        than MAX_CHAIN_LENGTH (the length is the server's word). Returns, per journal, why its
        walk was refused (`_check` reports it; a chain left short is reported there too)."""
        refused: dict[bytes, str] = {}
        walking: dict[bytes, tuple[wire.Journal, bytes, bytes]] = {}  # listing, owner, key
        for journal_id, journal in behind.items():
            known = self._states.get(journal_id)
            owner_id = known.owner_id if known else journal.owner_id
            if journal.owner_id != owner_id or journal.chain_length > MAX_CHAIN_LENGTH:
                continue  # refused by `_check` without asking for anything
            if journal.chain_length < (known.length if known else 0):
                continue  # a rollback: `_check` reports it
            try:
                owner_key = owner_key_of(owner_id)
            except IntegrityError as error:
                refused[journal_id] = f"journal {journal_id.hex()}: {error}"
                continue
            if owner_key is None:
                refused[journal_id] = f"the owner of journal {journal_id.hex()} is not known"
                continue
            walking[journal_id] = (journal, owner_id, owner_key)
        needed = sum(j.chain_length - self._length(i) for i, (j, _, _) in walking.items())
        bound = reply_bound(needed)
        replies = 0
        while True:
            wanted = [
                wire.Cursor(journal_id, self._length(journal_id))
                for journal_id, (journal, _, _) in walking.items()
                if self._length(journal_id) < journal.chain_length
            ][: wire.SYNC_JOURNALS]  # a bounded request; the rest in the next rounds
            if not wanted:
                return refused
            if replies >= bound:
                for cursor in wanted:
                    refused[cursor.journal_id] = (
                        f"the server sent {replies} pages of access chain entries without "
                        f"serving the {walking[cursor.journal_id][0].chain_length} entries it "
                        f"lists for journal {cursor.journal_id.hex()} (an honest server needs "
                        f"at most {bound}): the walk goes on from entry "
                        f"{cursor.after} at the next refresh"
                    )
                return refused
            reply = await self.transport.call(
                "/v1/journals/access", wire.AccessRequest(wanted), wire.AccessReply
            )
            replies += 1
            asked = {cursor.journal_id for cursor in wanted}
            served: set[bytes] = set()  # journals this reply brought entries of
            for chain in reply.chains:
                journal_id = chain.journal_id
                if journal_id not in asked or journal_id in served or not chain.entries:
                    continue  # not asked, named twice, or left for the next reply
                served.add(journal_id)
                journal, owner_id, owner_key = walking[journal_id]
                known = self._states.get(journal_id)
                start = known.length if known else 0
                entries = chain.entries[: journal.chain_length - start]
                try:
                    if known is not None and start:
                        access.check_signer(
                            self._last_entry(journal_id, start), journal_id, owner_key
                        )
                    state = access.verify(
                        known, self.reader, journal_id, owner_id, owner_key, entries
                    )
                except ChainUpdateNeeded as error:
                    # Keep what verified before the newer entry; go no further (protocol.md
                    # 4.19, "Chain versions").
                    verified = error.state
                    if isinstance(verified, AccessState) and verified.length > start:
                        await self.accept(
                            journal_id, verified, entries[: verified.length - start], start
                        )
                    refused[journal_id] = str(error)
                    self._newer[journal_id] = error
                    del walking[journal_id]
                    continue
                except IntegrityError as error:
                    refused[journal_id] = str(error)
                    del walking[journal_id]
                    continue
                await self.accept(journal_id, state, entries, start)
            if not served:  # nothing for any of them (a reply may stop at its entry budget)
                for journal_id in asked:  # `_check` reports each chain left short
                    walking.pop(journal_id, None)

    async def pages(self, journal: wire.Journal) -> AsyncIterator[list[bytes]]:
        """The pages of the journal's access chain the server serves from its start, up to
        the `chain_length` it lists (at most MAX_CHAIN_LENGTH, in at most the replies an
        honest server needs), unverified and one at a time: the caller verifies each before
        asking for the next and stops at the first that fails (R28 F2). Ends early when the
        server stops short or serves another journal's; nothing is kept."""
        wanted = min(journal.chain_length, MAX_CHAIN_LENGTH)
        got = 0
        for _ in range(reply_bound(wanted)):
            if got >= wanted:
                return
            reply = await self.transport.call(
                "/v1/journals/access",
                wire.AccessRequest([wire.Cursor(journal.journal_id, got)]),
                wire.AccessReply,
            )
            page = next((c.entries for c in reply.chains if c.journal_id == journal.journal_id), [])
            if not page:
                return
            page = page[: wanted - got]
            got += len(page)
            yield page

    def _last_entry(self, journal_id: bytes, length: int) -> bytes:
        """The last of the `length` entries of the journal's chain this device verified (as
        kept in memory, else as stored when read back); IntegrityError when neither holds it."""
        last = self._last.get(journal_id)
        if last is not None and last[0] == length:
            return last[1]
        stored = self._entries.get(journal_id, [])
        if len(stored) >= length:
            return stored[length - 1]
        raise IntegrityError(
            f"the access chain this device verified for journal {journal_id.hex()} is not at "
            "hand to check its signer: it is verified again from its start"
        )

    def _length(self, journal_id: bytes) -> int:
        known = self._states.get(journal_id)
        return known.length if known else 0

    async def _check(self, journal: wire.Journal, refused: str | None) -> None:
        """Set or clear the journal's problem: the server's listing against the chain this
        device verified (after `_fetch` extended it), and why its walk was refused."""
        journal_id = journal.journal_id
        known = self._states.get(journal_id)
        # A known journal's owner is the one its verified chain was created by: the server
        # naming anyone else is a problem of this journal, never a new owner.
        owner_id = known.owner_id if known else journal.owner_id
        try:
            if journal.owner_id != owner_id:
                raise IntegrityError(
                    f"the server names another owner for journal {journal_id.hex()} than the "
                    "account its verified access chain was created by: nothing new is sealed "
                    "or shown for it until the server names the right one"
                )
            access.check_length(known, journal.chain_length)
            if journal.chain_length > MAX_CHAIN_LENGTH:
                raise IntegrityError(
                    f"the server lists journal {journal_id.hex()} with an access chain of "
                    f"{journal.chain_length} entries, more than the {MAX_CHAIN_LENGTH} a device "
                    "follows: it is not fetched"
                )
            if refused is not None:
                raise IntegrityError(refused)
            if (known.length if known else 0) < journal.chain_length:
                raise IntegrityError(
                    f"the server did not serve the whole access chain of journal {journal_id.hex()}"
                )
            if known is None:
                # Every journal has a chain from its creation (/v1/journals/create takes its
                # first entries): a journal listed without one is never taken on the
                # server's word, whoever the server says owns it.
                raise IntegrityError(
                    f"the server lists journal {journal_id.hex()} without its access chain: "
                    "nothing of it is shown or sealed until the server serves the chain"
                )
            check_epoch(known, journal.epoch)
        except IntegrityError as error:
            await self._set_problem(journal_id, str(error))
            return
        await self._set_problem(journal_id, None)

    async def accept(
        self, journal_id: bytes, state: AccessState, entries: list[bytes], start: int
    ) -> None:
        """Keep newly verified (or newly signed) entries and the state after them."""
        async with self.store.transaction() as tx:
            await tx.add_access_entries(journal_id, start, entries)
        self._writes += 1
        self._states[journal_id] = state
        if entries:
            self._last[journal_id] = (start + len(entries), entries[-1])

    def forget(self, journal_id: bytes) -> None:
        """A journal deleted on this device (its stored entries are gone too)."""
        self._writes += 1
        self._newer.pop(journal_id, None)
        self._states.pop(journal_id, None)
        self._problems.pop(journal_id, None)
        self._last.pop(journal_id, None)
        self._forked.discard(journal_id)

    def remember(self, journal_id: bytes, state: AccessState, entries: list[bytes]) -> None:
        """The state after `entries`, the whole chain, which the caller stored itself (in its
        own transaction)."""
        self._writes += 1
        self._states[journal_id] = state
        if entries:
            self._last[journal_id] = (len(entries), entries[-1])

    async def _set_problem(self, journal_id: bytes, message: str | None) -> None:
        if message is None and journal_id in self._forked:
            return  # settled only when the stored chain continues this process's (R1)
        if self._problems.get(journal_id) == message:
            return
        self._writes += 1
        async with self.store.transaction() as tx:
            await tx.set_access_problem(journal_id, message)
        if message is None:
            self._problems.pop(journal_id, None)
        else:
            self._problems[journal_id] = message


def check_epoch(state: AccessState, served_epoch: int) -> None:
    """The key epoch the server names must be the one the verified chain reached."""
    if served_epoch < state.epoch:
        raise RollbackError(
            f"the server names key epoch {served_epoch} for journal {state.journal_id.hex()}, "
            f"older than epoch {state.epoch} in its verified access chain: it serves an old "
            "state, and nothing is sealed with the old key"
        )
    if served_epoch > state.epoch:
        raise IntegrityError(
            f"the server names key epoch {served_epoch} for journal {state.journal_id.hex()}, "
            f"which its owner's access chain (epoch {state.epoch}) never started"
        )


def reply_bound(needed: int) -> int:
    """The most /v1/journals/access replies an honest server needs to serve `needed` entries
    (it sends up to wire.MAX_CHAIN_PAGE a reply, over all journals asked), plus
    CHAIN_REPLY_SLACK; at most MAX_CHAIN_REPLIES."""
    return min(-(-needed // wire.MAX_CHAIN_PAGE) + CHAIN_REPLY_SLACK, MAX_CHAIN_REPLIES)


def encode_newer(newer: dict[bytes, tuple[int, str]]) -> str:
    """What `decode_newer` reads back: journal -> (newer chain version, its problem text)."""
    return json.dumps(
        {j.hex(): {"version": v, "message": m} for j, (v, m) in sorted(newer.items())}
    )


def decode_newer(value: Any) -> dict[bytes, tuple[int, str]]:
    """`encode_newer`'s value read back; a damaged or missing one reads as nothing (the
    next refresh finds it again)."""
    raw = read_json(value, {})
    found: dict[bytes, tuple[int, str]] = {}
    if not isinstance(raw, dict):
        return found
    for key, item in raw.items():
        try:
            journal_id = bytes.fromhex(key)
        except ValueError:
            continue
        if not isinstance(item, dict):
            continue
        version, message = item.get("version"), item.get("message")
        if type(version) is int and isinstance(message, str):
            found[journal_id] = (version, message)
    return found
