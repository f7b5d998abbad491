"""`client.shares`: share a journal (or one entry) with a therapist, end a share, see who
reads what, and confirm a peer's identity keys by their fingerprint.

    code = await client.shares.fingerprint("drsmith")       # compare it with theirs, in person
    await client.shares.grant("Personal", "drsmith", role="annotate", fingerprint=code,
                              full=True)
    await client.shares.revoke("Personal", "drsmith")

Who may read a journal, with which role and until when, is written in the journal's access
chain signed by its owner (access.py); the server's answers are never the authority.
"""

from __future__ import annotations

import builtins
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from client_sdk import keys
from client_sdk.care_disclosure import DISCLOSABLE
from client_sdk.context import Context, documents_by_id, matched_kinds
from client_sdk.documents import BRIEF
from client_sdk.errors import (
    NARROWING,
    READ_ROLE,
    FlagsWouldStop,
    InvalidInput,
    NotFound,
    ambiguous_id,
)
from client_sdk.hold_back import HeldBack
from client_sdk.inputs import checks_inputs
from client_sdk.models import normalize_username, now_ms, quoted_name, read_time
from client_sdk.private_notes import holds_private_notes
from client_sdk.pushing import SetAsideChange, set_aside_changes
from client_sdk.replica import KEPT_COPY, REVOKED, stored_document
from client_sdk.sharing import AuditInfo, HeldKeys, KeptCopy, SharedJournal, ShareInfo
from client_sdk.store import StoredDocument
from client_sdk.undelivered import (
    Recipient,
    Undelivered,
    brief_undelivered,
    receipt_state,
    undelivered,
)

if TYPE_CHECKING:
    from client_sdk.access import Member
    from client_sdk.measures import Measures
    from client_sdk.results import MeasureResult
    from client_sdk.safety_path import SafetyPath
    from client_sdk.transport import RetryPolicy
    from client_sdk.withholding import Key


class EndedShares(builtins.list[str]):
    """What `revoke` returns: the names of the journals whose share ended (a list, the journal
    first), and `undelivered`: what the member may not have received of the journal before
    it ended, which now never reaches them (`Shares.undelivered`, read just before); and
    `still_reading`: the journals kept for the member through which they still read part of
    the journal (the journal of single items holding one of its entries or results), which
    `revoke` does not end: `revoke` each of them for that; `may_still_read`: such
    journals whose signed access history has a problem here (or that are no longer listed),
    so that this device cannot tell; `kept`: the journals kept for the member (field-level
    copies of it, `KeptCopy`) whose share this call ended, which stay on this account's
    devices, shared with nobody, until deleted: an app says so, with why and how to delete
    them."""

    undelivered: tuple[Undelivered, ...] = ()
    still_reading: tuple[str, ...] = ()
    may_still_read: tuple[str, ...] = ()
    kept: tuple[KeptCopy, ...] = ()


@checks_inputs
class Shares:
    """Shares this account grants and receives, and the identities behind them."""

    def __init__(
        self,
        context: Context,
        care: Callable[[], tuple[SafetyPath, Measures]] | None = None,
    ) -> None:
        self._context = context
        self._care = care

    async def grant(
        self,
        journal: str,
        username: str,
        *,
        role: str | None = None,
        expires_at: datetime | None = None,
        fingerprint: str | None = None,
        trust_on_first_use: bool = False,
        only: builtins.list[str] | tuple[str, ...] | None = None,
        no_end: bool = False,
        full: bool = False,
        full_if_new: bool = False,
        again: Collection[str] = (),
        stop_flags: bool = False,
        safety_flags: bool = False,
    ) -> ShareInfo:
        """Share a journal with another account (a therapist), or change a member's terms.

        The common case, a first share of the whole journal with a therapist whose
        fingerprint the user compared (they read it out from `tj fingerprint` or
        `client.shares.fingerprint()` on their device):

            info = await client.shares.grant("Personal", "drsmith", full=True,
                                              fingerprint="12345 67890 ...")

        A new member needs a scope: `full=True` (the whole journal) or `only` (some fields);
        without either the call raises ScopeNeeded. Some fields, ending on a date:

            await client.shares.grant("Personal", "drsmith", expires_at=datetime(2027, 1, 1),
                                      fingerprint="12345 67890 ...", only=["mood", "tags"])

        Needs the network. Returns the share as it now stands (`ShareInfo`).

        What is shared (`full`, `full_if_new`, `only`, `again`):

        - A share of the whole journal gives the member everything the journal holds, also
          what was written before it (or, renewed, while it had ended), on any of this
          account's devices, synced here yet or not: every entry in full, goals and their
          check-ins, questionnaire results with each item's answer, homework and any safety
          plan; not only what is written from then on (that is `only`). An app says so, as
          `tj share` does in its result.
        - Sharing the whole journal with an account that is no member of it (none current,
          none lapsed by its end date, in the journal's verified access chain) takes
          `full=True`: whether they read some fields of it through a copy is never taken from
          what the server does not show.
        - `full_if_new=True` (a plain `tj share JOURNAL NAME`): as `full=True` only when the
          journal's verified access chain never named the account (no membership, current,
          lapsed or removed; no field-level share) and this device keeps no copy of it for
          them, checked again on the chain the share is signed on; otherwise as without
          `full` (a whole-journal share is never inferred from what the server does not
          show).
        - `only` (e.g. ["mood", "tags"]): entries written from now on are shared with just
          those fields, through a journal kept for that member; a wider share of this
          journal with that member (the whole journal, or other fields) ends first, with a
          key rotation, and `ShareInfo.ended` names the journals it ended. When the
          field-level copy kept for that member from a share of it that ended is taken
          again, the member would read again what it still holds (entries copied before,
          which they may never have downloaded): SharedAgain names them and nothing is
          changed, unless `again` holds every one's id.
        - Without `only`, a member who reads this journal only through such a field-level
          share (and has no whole-journal share of it) keeps reading only those fields: the
          call changes that share's role and end date, and returns it (`ShareInfo.kind`
          "mirror", `.fields`; see `limited`). Widening it to the whole journal (every field
          of every entry, also those written before) takes `full=True`: it is never a side
          effect of a new role or end date. A copy this device verified counts whatever the
          server lists now; one it cannot act on (its chain has a problem, or it is not
          listed) makes such a call fail with InvalidInput naming `full`, and so does one for
          a member whose only share of the journal was such a copy, ended since (`revoke`, or
          removed because the server no longer served them): say `full=True` or `only`.
        - `journal` may name a field-level copy kept for a member (`ShareInfo.journal` of a
          share with `only`): new terms for that member's share of it, who still reads only
          its fields (`ShareInfo.kind` "mirror", `.fields`, `.source`); `full`, `only`,
          another account, or a member no longer in its chain (they left, or it ended) is
          refused with ScopeNeeded naming the source journal (and the copy's `fields`): what
          a member reads is chosen on the source.
        - A journal holding private notes (`client.private_notes`) is never shared:
          InvalidInput.

        Terms (`role`, `expires_at`, `no_end`):

        - `role` is "read" or "annotate" (may also add notes and prompts); without it, a
          current member keeps their role (a share of other fields, or of the whole journal,
          keeps the one of the share it replaces; a renewal keeps the one of the share that
          ran out) and a new one reads ("read"): a new end date never changes a role.
        - `expires_at` (an aware datetime, or a naive one in local time) ends the share then;
          without it, a current member keeps their end date (a share of other fields, or of
          the whole journal, keeps the one of the share it replaces, unless passed) and a new
          one has none; `no_end=True` lifts an end date.

        The member's keys (`fingerprint`, `trust_on_first_use`): they must be confirmed:
        pass the `fingerprint` they read out to you, or `trust_on_first_use=True`. A
        `fingerprint` of another account than the one this device pinned for `username` (a
        name an erased account freed may be another person's now), or of other keys of that
        account, replaces that pin, as `verify` does, and the share goes to them:
        `verify_replaces(username, fingerprint, sharing=True)` says first what it would
        replace, to ask the user.

        Safety flags (`safety_flags`, `stop_flags`):

        - `safety_flags=True` also opts the member in for safety flags once the share is made
          (`client.safety.set_plan(journal=..., share_flags=True, flags_for=member)`: what
          `tj share --safety-flags` does), and the ShareInfo returned says whether a flag
          raised now reaches them (`safety_flags`, `safety_flags_earlier`), as it now stands,
          so an app need not read `client.safety.flags_reach` after it. It needs a share of
          the whole journal (InvalidInput with `only`, before anything changes) with the
          annotate role (a member who keeps the read role: InvalidInput from `set_plan`
          after the share is made, the opt-in not given). For someone who does not read the
          journal now (`client.journals.readers`, `list(local_only=True)`: never did, or
          their share ended), that share gives them all of it first, as above: ask the user
          before, whatever this device holds of it (records written on another device or
          withheld by the server are shared too), as `tj share --safety-flags` does.
          Without `full=True` it is refused: NotReadingNow (a ScopeNeeded; `ended` says
          whether their share ended) is raised and nothing is changed when, by the chain the
          share is signed on (after the call's sync), the member has no current share of the
          whole journal (a first share, a renewal of one that ended or lapsed by its end
          date, a member removed): a device that has not synced since another one ended the
          share is refused too, never renews it unasked (rev31b F1). Ask, then call again
          with `full=True`.
        - A renewal of a share whose signed end date passed signs an opt-in only when asked
          (`safety_flags=True`), as a first share does: the default (False) never signs one,
          whatever the client chose for the share that ran out (consent is an explicit act
          of the client, on signed data). The ShareInfo returned says whether flags reach the
          member of the renewed share (`safety_flags`), and the owner's end-date notice says
          whether the client had opted them in for the share that ended
          (`Departure.safety_flags`).
        - With `role="read"` for a member a safety flag raised now is sealed for (the same
          `flags_reach` "on"), the read role stops that (a member who only reads could never
          mark a flag as read): FlagsWouldStop (`reason` READ_ROLE) is raised and nothing is
          changed, unless `stop_flags=True`. The opt-in stands: `role="annotate"` again
          makes flags reach them again (`ShareInfo.safety_flags`), for what is answered from
          then on.
        - With `only`, when a safety flag raised now in the journal is sealed for that member
          (`client.safety.flags_reach` "on": the owner's signed plan and the verified access
          chain, as the call's own sync leaves them, so an opt-in made on another device
          counts), narrowing their whole-journal share ends that: a field-level copy carries
          no safety flag. FlagsWouldStop (an InvalidInput naming `journal` and `member`) is
          raised and nothing is changed, unless `stop_flags=True` says the user was told and
          agreed (`tj share --only` asks first). What they may not have received of it comes
          back in `ShareInfo.undelivered`.
        - Both FlagsWouldStop checks are decided after the call's sync, on the chain and the
          plan the new terms are signed on.

        What new terms mean is decided on the chain they are signed on: when another device
        narrowed, ended or renewed the member's share meanwhile, the call raises InvalidInput
        and signs nothing. Narrowing (`only`) while the journal's signed chain names a
        field-level share with them through a copy this device cannot see or act on is
        refused (InvalidInput) before anything changes: that copy would stay in force. A
        member the chain lists whom the server no longer serves (they left the share, or
        their account was deleted: the server's word) is first taken off the chain, as a
        sync does: new terms for them (a role, an end date) are then refused with
        InvalidInput saying so, nothing else changed, and `full=True` gives a new membership
        (`ShareInfo.left_before`). That error tells the departure, so this device's next
        sync does not report it again (`SyncReport.departures`), while the account's other
        devices do.

        Raises:

        - ScopeNeeded (an InvalidInput) for every refusal asking for `full` or `only`: no
          scope for an account that is no member of the journal, or `full`, `only`, another
          account or a former member for a field-level copy; its `situation` names no
          parameter.
        - KeyChangedError when the fingerprint does not match (nothing is shared).
        - InvalidInput for an unconfirmed peer, a bad role or field, an end in the past, new
          terms for a member who left, both `expires_at` and `no_end` or both `only` and `full`,
          a journal holding private notes, and the other refusals above.
        - SharedAgain (an InvalidInput) as said above for `only`; FlagsWouldStop (an
          InvalidInput) and NotReadingNow (a ScopeNeeded) as said above for the safety flags.
        - AccessError when this account does not own the journal.
        - NotFound for an unknown journal or account.
        - NetworkError offline.
        - UpdateNeeded for a new member or a share of some fields (`only`) while the journal
          holds changes its owner wrote with a newer app version this one cannot read
          (nothing shared; protocol.md 4.15).
        """
        local = await self._context.local_journal(journal)
        private = InvalidInput(
            f"{quoted_name(journal)} holds your private notes about clients: it is never shared",
            subject="refused",
        )
        if await holds_private_notes(self._context, local):
            raise private
        if safety_flags and (only is not None or role == "read" or self._care is None):
            raise InvalidInput(
                "safety flags need a share of the whole journal with the annotate role (a "
                "member who only reads could never mark a flag as read); nothing was changed",
                subject="refused",
            )
        narrowing = only is not None
        # Whether flags would stop is decided inside the call, after its sync, on the chain
        # and the plan the new terms are signed on: an opt-in made on another device is
        # pulled by that sync (R49 F1), never decided on this device's older copy.
        refuse_flags: Callable[[], Awaitable[None]] | None = None
        if not stop_flags and (narrowing or (role is not None and role != "annotate")):
            reason = NARROWING if narrowing else READ_ROLE
            refuse_flags = partial(self._refuse_stopping_flags, local.name, username, reason=reason)

        async def no_notes_then_flags() -> None:
            # Again after the call's sync: notes another device of this account put in the
            # journal since this device last synced are in its store now (REV-SHARES2 G1).
            # (A share of some fields copies entries' fields only, never a note.)
            if await holds_private_notes(self._context, local):
                raise private
            if refuse_flags is not None:
                await refuse_flags()

        confirm = refuse_flags if narrowing else no_notes_then_flags

        pending = await self.undelivered(journal, username, copies=False) if narrowing else []
        shared = await self._context.sharing.share(
            local,
            username,
            role,
            expires_at,
            fingerprint,
            trust_on_first_use,
            only,
            no_end,
            full,
            full_if_new,
            again,
            confirm,
            readers_only=safety_flags and not full,
        )
        if shared.ended and pending:  # a whole-journal share ended: what it never delivered
            shared = replace(shared, undelivered=tuple(pending))
        if safety_flags and self._care is not None:
            await self._care()[0].set_plan(
                journal=local.journal_id.hex(), share_flags=True, flags_for=shared.member
            )
        return (await self._with_flags([shared]))[0]

    async def _refuse_stopping_flags(
        self, journal: str, username: str, *, reason: str = NARROWING
    ) -> None:
        """Raise FlagsWouldStop when a safety flag raised now in `journal` is sealed for
        `username` (`SafetyPath.flags_reach` "on"), whose share narrowing would end (NU24
        C13), or whose new role (`reason` READ_ROLE: the read role) would stop (a member
        who only reads could never mark a flag as read, NU24 C15); nothing is changed
        before. Called by `Sharing.share` after the call's sync, before anything is signed
        (R49 F1): decided on the journal's chain as verified then and the owner's signed
        plan as that sync left it, which holds an opt-in made on another device."""
        if self._care is None:
            return
        reach = await self._care()[0].flags_reach(journal)
        member = normalize_username(username)
        if reach.get(member) != "on":
            return
        if reason == READ_ROLE:
            raise FlagsWouldStop(
                f"safety flags of {journal} go to {member} now, and a member who only reads "
                "could never mark one as read: giving them the read role stops them (a "
                f"PHQ-9 item 9 answered above 0 in {journal} would seal no safety flag for "
                f"{member} while they only read; your opt-in for them stands, and flags "
                "reach them again once they hold the annotate role again). Nothing was "
                "changed; to change their role anyway, say stop_flags=True",
                journal=journal,
                member=member,
                reason=READ_ROLE,
            )
        raise FlagsWouldStop(
            f"safety flags of {journal} go to {member} now, and a share of only some "
            "fields carries none: narrowing their share stops them (a PHQ-9 item 9 "
            f"answered above 0 in {journal} would seal no safety flag for {member}). "
            "Nothing was changed; to narrow it anyway, say stop_flags=True",
            journal=journal,
            member=member,
        )

    async def _with_flags(self, found: builtins.list[ShareInfo]) -> builtins.list[ShareInfo]:
        """`found` with `ShareInfo.safety_flags` (and `safety_flags_earlier`) set for each
        current whole-journal share, from `SafetyPath.flags_reach` (the owner's signed plan
        and the verified chain; NU25 C1)."""
        if self._care is None:
            return found
        safety = self._care()[0]
        reach: dict[str, dict[str, str]] = {}
        marked = []
        for share in found:
            whole = share.kind == "journal" and share.fields is None and not share.unseen
            if not whole or share.expired or share.role == "unknown":
                marked.append(share)
                continue
            if share.journal_id not in reach:
                try:
                    reach[share.journal_id] = await safety.flags_reach(share.journal_id)
                except NotFound:
                    reach[share.journal_id] = {}
            status = reach[share.journal_id].get(share.member, "off")
            marked.append(
                replace(
                    share,
                    safety_flags=status == "on",
                    safety_flags_earlier=status == "earlier",
                    safety_flags_read_role=status == "read",
                )
            )
        return marked

    async def undelivered(
        self, journal: str, username: str, *, copies: bool = True
    ) -> builtins.list[Undelivered]:
        """What `username` may not have received of `journal`: the safety flags sealed for
        them that they have not acknowledged, and the latest result of each measure with a
        safety item (PHQ-9 item 9) answered above 0 that they did not acknowledge a flag for
        (undelivered.py), in the journal if they read it whole with the annotate role (a
        member who only reads was never chosen to act on it) or if it is itself a copy kept
        for them whose results carry answers (a field-level copy, or the journal of items
        shared one by one, "Shared with NAME": they read those answers, as
        `measures.answer_readers` says), and (with `copies`) in each field-level copy of it
        kept for them that carries answers (an invalid result, answers that are not the
        instrument's, counts by its safety item's answer, as a caseload ranks it); for the
        journal of a pre-session brief shared
        with them, the brief while their share of it lasts, when its digest says a safety
        item answered above 0 (kind "brief": no receipt is ever signed for a brief, and it
        may cover journals they do not read, so it can be the one way they learn of the
        answer). Ending the share
        (`revoke`) or narrowing a whole-journal share (`grant(only=...)`, which asks with
        `copies=False`) means those never reach them. Whether the member's device
        downloaded something cannot be known from signed data, only whether they
        acknowledged a flag: "may not have received". `Undelivered.waiting` marks what has
        not even left this device. Empty when they read neither (or are no member). Works
        offline, from this device's copy (sync first for the latest acknowledgements).
        Raises NotFound for an unknown journal.

            for item in await client.shares.undelivered("Personal", "drsmith"):
                print(item.kind, item.name, item.at)
        """
        context = self._context
        local = await context.local_journal(journal)
        if local.role != "owner" or self._care is None:
            return []
        name = normalize_username(username)
        await context.replica.load_access()
        disclosures = context.sharing.disclosures()
        brief = disclosures.get(local.journal_id)
        if brief is not None and brief.kind == "brief":  # a pre-session brief's own journal
            return await self._brief_undelivered(local.journal_id, local.name, name)
        kept = [  # the field-level copies of it kept for members (revoke ends them too)
            journal_id
            for journal_id, settings in disclosures.items()
            if copies and settings.kind == "mirror" and settings.mirror_of == local.journal_id
        ]
        # a member reads the answers of a copy (field-level, or of items shared one by one)
        # that carries them, whatever their role in it: as `Measures.answer_readers` counts
        copy_ids = {j for j, s in disclosures.items() if s.kind in ("mirror", "items")}
        safety, measures = self._care()
        listed: list[Undelivered] = []
        for journal_id in (local.journal_id, *kept):
            member = self._member(journal_id, name)
            if member is None or member.account_id is None:
                continue
            flags = await safety.flags(journal_id.hex())
            results, invalid = await measures.results_and_invalid(journal_id.hex())
            waiting = set()
            for item_id in (
                {f.id for f in flags} | {r.id for r in results} | {i.id for i in invalid}
            ):
                if await context.store.outbox_holds(bytes.fromhex(item_id)):
                    waiting.add(item_id)
            cares = journal_id in copy_ids or member.role == "annotate"
            listed += undelivered(
                flags,
                results,
                member.username,
                member.account_id.hex(),
                waiting,
                cares=cares,
                invalid=invalid,  # an item-9 answer of an invalid result counts too
            )
        return self._one_per_result(listed)

    async def _brief_undelivered(
        self, journal_id: bytes, journal: str, name: str
    ) -> builtins.list[Undelivered]:
        """What member `name` may not have received of the journal (`journal_id`, named
        `journal`) of a pre-session brief shared with them: the brief, when its digest says a
        safety item answered above 0 (`undelivered.brief_undelivered`), while their share of
        it lasts (its verified chain; no receipt is ever signed for a brief)."""
        if self._member(journal_id, name) is None or self._care is None:
            return []
        from client_sdk.brief import brief_view  # a care module: not for everyday commands

        context = self._context
        answers: dict[tuple[str, int, str], int] | None = None
        listed = []
        for stored in await context.store.documents(journal_id, (BRIEF,)):
            view = brief_view(stored_document(stored), journal, context.replica.profile.username)
            if view is None:
                continue
            if answers is None and view.digest.get("safety_flags"):
                answers = {  # a flag line of the digest names no answer: the flag does
                    (f.measure, f.item, f.raised_at.isoformat()): f.answer
                    for f in await self._care()[0].flags()
                }
            waiting = await context.store.outbox_holds(stored.doc_id)
            found = brief_undelivered(
                view.id, journal, view.digest, view.created_at, name, answers or {}, waiting
            )
            if found is not None:
                listed.append(found)
        return sorted(listed, key=lambda u: (u.at, u.id))

    def _one_per_result(self, listed: Sequence[Undelivered]) -> builtins.list[Undelivered]:
        """`listed` (items of a member, in any journals) with a result's copy kept for a
        member (a field-level copy, "Shared with NAME") left out when the result it copies
        is listed too: a copy is known by its id, `keys.disclosure_doc_id` of the source
        result's id and the copy's journal id (keyed by the account key: proof, never a
        likeness of measure and time, which two results taken in two journals share).
        Everything else is kept, flags included; oldest first."""
        context = self._context
        account_key = context.replica.profile.secrets.account_key
        copy_journals = [
            j for j, s in context.sharing.disclosures().items() if s.kind in ("mirror", "items")
        ]
        results = {u.id for u in listed if u.kind == "result"}
        copies = {
            keys.disclosure_doc_id(account_key, bytes.fromhex(source), journal_id).hex()
            for source in results
            for journal_id in copy_journals
        }
        kept: dict[str, Undelivered] = {}
        for item in listed:
            if item.kind == "result" and item.id in copies:
                continue  # its source result is listed: they are one
            kept.setdefault(item.id, item)
        return sorted(kept.values(), key=lambda u: (u.at, u.id))

    async def undelivered_by_member(
        self, journal: str | None = None
    ) -> dict[str, builtins.list[Undelivered]]:
        """What each member may not have received (`undelivered`) of one of this account's
        journals (`journal`: a name or id, with the field-level copies kept of it), or of
        every journal this account owns (None): member username to items, oldest first,
        members sorted, only members with something: every kind of copy kept for a member
        counts, a field-level copy, the journal of items shared one by one ("Shared with
        NAME") and a pre-session brief's journal (each brief's own). Deleting the journal
        (`client.journals.delete`) or the account (`client.delete_account`) erases it from
        the server too, so what they have not downloaded never reaches them: both raise
        SafetyUndelivered with this unless told the user agreed (after a sync, run in any
        case). Works offline, from this device's copy (sync first for the latest
        acknowledgements and what other devices recorded). Raises NotFound for an unknown
        journal."""
        context = self._context
        await context.replica.load_access()
        disclosures = context.sharing.disclosures()
        if journal is not None:
            owned = [(await context.local_journal(journal)).journal_id]
        else:
            owned = [
                j.journal_id
                for j in await context.store.journals()
                if j.role == "owner"
                and not (  # a copy kept for a member is counted with its source
                    (settings := disclosures.get(j.journal_id)) is not None
                    and settings.kind == "mirror"
                )
            ]
        members = sorted({s.member for s in await context.sharing.shares(local_only=True)})
        found: dict[str, builtins.list[Undelivered]] = {}
        for member in members:
            listed: builtins.list[Undelivered] = []
            for journal_id in owned:
                listed += await self.undelivered(journal_id.hex(), member)
            # a result and its copy in "Shared with NAME" are one (as `undelivered`)
            if one := self._one_per_result(listed):
                found[member] = one
        return found

    async def recipients(self, item_id: str) -> builtins.list[Recipient]:
        """Who can read an item of this account's (an entry or a measure result, by id or a
        unique prefix of 4+ hex digits), and what is known of their receipt: each current
        member of its journal, and of each copy of it kept for a member (a field-level
        share, `share_entry`, `measures.share`), from the access chains verified here, sorted
        by member, the item's own journal before copies (undelivered.Recipient: "seen_later" when a record their
        device signed says it had seen later records, never "received": a seen vector is no
        proof of receipt, the server's word about downloads is never taken). What an
        app says before deleting or trashing a shared item. Empty for an item of
        a journal this account does not own, or shared with no one. Works offline, from this
        device's copy (sync first for the latest records of members). Raises InvalidInput
        for a malformed or ambiguous id, NotFound for an unknown item. Several items:
        `recipients_many`."""
        [found] = await self.recipients_many([item_id])
        return found

    async def former_members(self, item_id: str) -> builtins.list[str]:
        """The usernames of the accounts that were members of the journal of this account's
        item (an entry or a measure result, by id or a unique prefix of 4+ hex digits) and
        are not now, by its verified access chain (a share ended, revoked, or past its end
        date), sorted: what their devices downloaded while it lasted stays with them, and a
        trash or delete made here does not reach them (README: a former member keeps what
        was downloaded), so a question before a delete names them too. Only those who could
        have downloaded the item: a record of it that may have left this device (stored by
        the server, or put in a push) is sealed under a key the owner sealed to one of their
        memberships (the verified chain's `sealed_to`), so an entry written after their
        share ended (under a key they never had) does not name them, whatever date it bears;
        in doubt (a record whose epoch this device did not keep, or no epoch known of
        them), they are named. Empty for an item of a
        journal this account does not own. Works offline. Raises InvalidInput for a malformed or
        ambiguous id, NotFound for an unknown item."""
        stored = await self._item(item_id)
        local = {j.journal_id: j for j in await self._context.store.journals()}.get(
            stored.journal_id
        )
        if local is None or local.role != "owner":
            return []
        replica = self._context.replica
        await replica.load_access()
        state = replica.chains.state(local.journal_id)
        if state is None:
            return []
        now = now_ms()
        current = {m.account_id for m in state.members.values() if not m.ended(now)}
        sent = await self._context.store.sent_epochs(local.journal_id, stored.doc_id)

        def may_hold(account_id: bytes) -> bool:
            """Whether a record of the item that may have left this device is sealed under a
            key the owner sealed to a membership of the account (`held_epochs`, by the
            verified chain); True when in doubt: no epoch known of them, or a record whose
            epoch this device did not keep (fail closed)."""
            held = state.held_epochs(account_id)
            return not held or any(e is None or e in held for e in sent)

        return sorted(
            identity.username
            for account_id, identity in state.signers.items()
            if account_id not in current and account_id != local.owner_id and may_hold(account_id)
        )

    async def recipients_many(
        self, item_ids: Sequence[str]
    ) -> builtins.list[builtins.list[Recipient]]:
        """`recipients` of each of `item_ids`, in their order (one list per id, each as
        `recipients` gives it), reading the journal list, the access chains, the copies kept
        for members and each journal's member claims once for all of them, where a call per
        item read them again each time (`tj trash empty` asks for every entry in the trash).
        Raises InvalidInput for a malformed or ambiguous id, NotFound for an unknown item,
        before anything else is read."""
        context = self._context
        items = [await self._item(item_id) for item_id in item_ids]
        journals = {j.journal_id: j for j in await context.store.journals()}
        owned = [
            local
            if (local := journals.get(stored.journal_id)) is not None and local.role == "owner"
            else None
            for stored in items
        ]
        if all(local is None for local in owned):
            return [[] for _ in items]
        replica = context.replica
        await replica.load_access()
        account_key = replica.profile.secrets.account_key
        disclosures = [
            journal
            for journal in journals.values()
            if journal.role == "owner" and replica.is_disclosure(journal)
        ]
        wanted = {
            (stored.doc_id, journal.journal_id): keys.disclosure_doc_id(
                account_key, stored.doc_id, journal.journal_id
            )
            for stored, local in zip(items, owned, strict=True)
            if local is not None
            for journal in disclosures
        }
        copies = {
            copy.doc_id: copy
            for copy in await context.store.documents_by_ids(sorted(set(wanted.values())))
        }
        now = now_ms()
        # per journal: its current members, their claims, the owner's highest counters
        read: dict[
            bytes, tuple[builtins.list[Member], dict[bytes, dict[Key, int]], dict[bytes, int]]
        ] = {}
        answers: builtins.list[builtins.list[Recipient]] = []
        for stored, local in zip(items, owned, strict=True):
            if local is None:
                answers.append([])
                continue
            holding = [(local, stored.doc_id, False)]
            for journal in disclosures:
                copy_id = wanted[(stored.doc_id, journal.journal_id)]
                copy = copies.get(copy_id)
                if copy is not None and copy.journal_id == journal.journal_id:
                    holding.append((journal, copy_id, True))
            found = []
            for journal, doc_id, is_copy in holding:
                state = replica.chains.state(journal.journal_id)
                if journal.journal_id not in read:
                    members = [
                        m
                        for m in (state.members.values() if state is not None else ())
                        if not m.ended(now)
                    ]
                    claims = (
                        await context.store.member_claims(journal.journal_id) if members else {}
                    )
                    highest = (  # reads every record of the journal: only when a member claims any
                        await context.store.highest_counters(journal.journal_id, journal.owner_id)
                        if claims
                        else {}
                    )
                    read[journal.journal_id] = (members, claims, highest)
                members, claims, highest = read[journal.journal_id]
                if not members:
                    continue
                records = await context.store.receipt_records(doc_id)
                sent_under = await context.store.sent_epochs(journal.journal_id, doc_id)
                for member in members:
                    if member.who is None:
                        continue
                    account = member.who.account_id
                    held_from = state.first_epoch_of(account) if state is not None else 0
                    first: dict[tuple[bytes, bytes], int] = {}
                    for author, device, counter, epoch in records:
                        if epoch >= held_from:  # sealed under a key this membership holds (R46 F1)
                            key = (author, device)
                            first[key] = min(counter, first.get(key, counter))
                    sound = {  # a claim past what that device drew is false (R46 F3)
                        (author, device): counter
                        for (author, device), counter in claims.get(account, {}).items()
                        if author == journal.owner_id and counter <= highest.get(device, 0)
                    }
                    found.append(
                        Recipient(
                            member.username,
                            context.display(journal),
                            is_copy,
                            receipt_state(
                                journal.owner_id,
                                first,
                                sound,
                                any(e is None or e >= held_from for e in sent_under),
                            ),
                        )
                    )
            answers.append(sorted(found, key=lambda r: (r.member, r.copy, r.journal)))
        return answers

    async def _item(self, item_id: str) -> StoredDocument:
        """A document of this device by id or unique prefix (4 to 32 hex digits)."""
        found = await documents_by_id(self._context.store, item_id, "an id")
        if not found:
            raise NotFound(f"no item {item_id} on this device", subject="document")
        if len(found) > 1:
            raise ambiguous_id(item_id, matched_kinds([d.kind for d in found]))
        return found[0]

    async def unshared_results(
        self, journal: str, username: str
    ) -> tuple[builtins.list[MeasureResult], bool]:
        """The questionnaire results of `journal` (this account's) that `username` cannot
        have through a journal this account keeps for them: none of their copies is in a
        field-level copy of `journal` kept for them (its entries and results recorded since
        it was made) or in the journal of single items kept for them (`measures.share`).
        Newest first. With it, whether they may have downloaded some of them anyway: the
        verified chain of `journal` shows them as a member of the whole journal, current or
        former (what a member downloaded stays on their device). Read from this device's
        copies and verified chains (sync first); needs the network for the member's
        identity. Raises NotFound for an unknown journal or account.

            results, may_have = await client.shares.unshared_results("Personal", "drsmith")
        """
        context = self._context
        local = await context.local_journal(journal)
        if local.role != "owner" or self._care is None:
            return [], False
        identity = await context.sharing.identity(username)
        kept = await self._kept_for(identity.account_id, local.journal_id)
        account_key = context.profile.secrets.account_key
        found = []
        for result in await self._care()[1].list(local.journal_id.hex()):
            doc_id = bytes.fromhex(result.id)
            copies = [keys.disclosure_doc_id(account_key, doc_id, k) for k in kept]
            if not any([await context.store.document(c) is not None for c in copies]):
                found.append(result)
        state = context.replica.chains.state(local.journal_id)
        whole = state is not None and bool(state.handles.get(identity.account_id))
        return found, whole

    async def score_only_results(self, journal: str, username: str) -> builtins.list[MeasureResult]:
        """The questionnaire results of `journal` (this account's) that `username` holds only
        by their score: a journal kept for them (a field-level copy of `journal`, current or
        ended, or the journal of single items: `measures.share(..., only=["score"])`) holds
        a copy of each without its answers, and none holds one with them. What a client who
        now shares answers may want to send again with them (`measures.share`), a PHQ-9
        with item 9 answered above 0 first. Newest first within each group. Read from this
        device's copies (sync first); needs the network for the member's identity. Raises
        NotFound for an unknown journal or account.

            for result in await client.shares.score_only_results("Personal", "drsmith"):
                print(result.id, result.safety_concern)
        """
        context = self._context
        local = await context.local_journal(journal)
        if local.role != "owner" or self._care is None:
            return []
        identity = await context.sharing.identity(username)
        kept = await self._kept_for(identity.account_id, local.journal_id)
        account_key = context.profile.secrets.account_key
        found = []
        for result in await self._care()[1].list(local.journal_id.hex()):
            doc_id = bytes.fromhex(result.id)
            copies = [
                await context.store.document(keys.disclosure_doc_id(account_key, doc_id, k))
                for k in kept
            ]
            held = [stored_document(c) for c in copies if c is not None]
            live = [c for c in held if c.field("deleted") is not True]
            if live and not any(isinstance(c.field("answers"), list) for c in live):
                found.append(result)
        return sorted(found, key=lambda r: not r.safety_concern)  # stable: newest first

    async def _kept_for(self, member_id: bytes, journal_id: bytes) -> builtins.list[bytes]:
        """The journals this account keeps for the member `member_id` that can hold copies
        of `journal_id`'s results: its journal of single items, and the field-level copies
        of `journal_id` (current or ended), from this device's verified chains."""
        context = self._context
        await context.replica.load_access()
        return [
            kept_id
            for kept_id, settings in context.sharing.kept_disclosures().items()
            if settings.member_id == member_id
            and (
                settings.kind == "items"
                or (settings.kind == "mirror" and settings.mirror_of == journal_id)
            )
        ]

    def _member(self, journal_id: bytes, username: str) -> Member | None:
        """The current member `username` of a journal this account owns, from its verified
        chain (None when there is none, or the chain is not verified here)."""
        state = self._context.replica.chains.state(journal_id)
        now = now_ms()
        members = state.members.values() if state is not None else ()
        return next((m for m in members if m.username == username and not m.ended(now)), None)

    async def limited(
        self, journal: str, username: str, *, fingerprint: str | None = None
    ) -> ShareInfo | None:
        """The field-level share (`grant(only=...)`) through which `username` reads
        `journal`, when they have no current whole-journal share of it: the share that
        `grant` without `only` and without `full=True` changes instead of widening to the
        whole journal. Of the account a `grant` to `username` goes to, never another that
        bore the name (a name an erased account freed may be another person's now): with
        `fingerprint` (the one `grant` is to be given), the account the server gives the
        name, which it matches; without, the account pinned here under the name, and
        KeyChangedError when the server gives the name another account or the pinned one
        other keys, as `grant` refuses them (for a name pinned nowhere here, the account
        the server gives it). One whose end date passed counts (also once a sync signed its end);
        one that was ended (`revoke`) does not. None when there is none. Read from the
        access chains this device verified and keeps, whatever the server lists now; needs
        the network (the journal list is refreshed first). The journal's own chain names
        each field-level share of it (`limited` entries): one whose copy this device
        has not verified (a new device; the server does not list the copy) raises as below.
        Raises NotFound for an unknown
        journal or account, KeyChangedError as said above, NetworkError offline,
        InvalidInput (naming `full`) when a copy
        kept for them that this device verified now has a chain problem or is not listed
        (it cannot tell), or when their only share of the journal was a copy that
        ended since (`grant` then needs `full=True` or `only`).

            limited = await client.shares.limited("Personal", "drsmith")
            if limited is not None:
                print(limited.fields)  # ("mood", "scores")
        """
        context = self._context
        local = await context.local_journal(journal)
        account_id = await context.sharing.account_for(username, fingerprint)
        found = await context.sharing.limited_share(local, account_id)
        if found is None:
            return None
        target, settings, member = found
        return ShareInfo(
            target.name,
            target.journal_id.hex(),
            normalize_username(username),
            member.role,
            read_time(member.expires_at) if member.expires_at else None,
            member.ended(now_ms()),
            settings.fields or DISCLOSABLE,
            local.name,
            kind="mirror",
            since=context.sharing.copies_from(target.journal_id),
            member_id=account_id.hex(),
        )

    async def member_id(self, username: str, *, fingerprint: str | None = None) -> str | None:
        """The account (its id, hex, as `ShareInfo.member_id`) a share with `username`
        goes to, as this device knows it, for telling that account's shares from those of
        another account that bore the name (an erased account frees its name, which may be
        another person's now): with `fingerprint` (the one `grant` is to be given), the
        account whose keys it matches, among the keys pinned here and those the verified
        access chains of this account's journals name; without, the account pinned here
        under the name, else the one account those chains name under it. Asks the server
        only for a fingerprint matching no keys this device holds, and takes its answer only
        if it matches. None when this device cannot tell: several accounts under the name
        and none pinned, or a fingerprint that matches no keys here, with the server
        unreachable or its answer not matching (`grant` then refuses it). Raises
        InvalidInput for a fingerprint that is not six groups of five digits.

            member_id = await client.shares.member_id("drsmith", fingerprint=typed)
            theirs = [s for s in await client.shares.list() if s.member_id == member_id]
        """
        found = await self._context.sharing.member_named(username, fingerprint)
        return found.hex() if found is not None else None

    async def revoke(
        self, journal: str, username: str, *, new_key_if_not_shared: bool = True
    ) -> EndedShares:
        """Stop sharing `journal` with `username` now, in every way it reaches them: the
        share of the journal itself and of each field-level copy of it kept for them (see
        `grant(only=...)`), each ended with a key rotation signed into its access chain, so
        later records stay private (the member keeps what they already downloaded; what
        they had not downloaded never reaches them).

        Returns the names of the journals whose share ended (the journal first), an
        `EndedShares` list whose `undelivered` says what of the journal the member may not
        have received (unacknowledged safety flags, a result with PHQ-9 item 9 above 0:
        `undelivered`, read before ending; an app asks its user first). Needs the
        network. Raises ShareAlreadyEnded (a NotFound, subject "share already ended") when
        the journal's verified chain shows their share ended before this call, e.g. by
        another device of this account; the share is ended, as asked, so an app may
        take it as done: only when no journal kept for them still names them a current
        member, none with a chain problem; NotFound when neither the journal nor a copy of
        it is shared with `username` otherwise, StillShared (an
        InvalidInput) when nothing was ended but they still read part of `journal` through
        a journal kept for them (the journal of single items holding one of its entries, a
        copy whose chain has a problem): it names those journals), AccessError
        when it is not this account's, NetworkError offline, and
        InvalidInput (subject "unseen copy") when the journal's signed access chain names a
        field-level share with them through a copy this device cannot see or act on (not
        listed, or its chain has a problem): that share is not ended, and no entry saying
        it ended is signed; what could be ended was, and the message names it.
        While the journal's (or a same-named journal's) own access chain has a problem,
        nothing is ended anywhere and that problem is raised, never NotFound:
        ChainUpdateNeeded (an UpdateNeeded: an entry of a newer app version, "update the
        app") or RollbackError (the server rolled back or altered it); so is
        ChainUpdateNeeded when a journal kept for them (a copy of it, or the journal of
        single items holding its entries) needs an update. Named by the start of its id,
        the journal needs 8 hex digits of it or more here (InvalidInput, subject
        "id too short", for fewer: nothing is ended).

        A `username` that the journal's signed access chains do not name at all still gets
        the journal a new key by default (`new_key_if_not_shared`): a share with them made on
        another device of this account that the server has not stored yet can then never
        start (the NotFound says so). With `new_key_if_not_shared=False` such a name (most
        often a typo) changes nothing and raises NotShared (a NotFound) naming the members
        whose names are close to it (`close`).

            ended = await client.shares.revoke("Personal", "drsmith")
            # ["Personal", "Personal (mood, tags) for drsmith"]
        """
        context = self._context
        local = await context.local_journal(journal, ends=True)
        same_named = [
            j
            for j in await context.store.journals()
            if j.role == "owner"
            and j.journal_id != local.journal_id
            and context.display(j) == context.display(local)
        ]
        pending = await self.undelivered(journal, username)
        ended = EndedShares(
            await context.sharing.unshare(
                local, username, same_named, new_key_if_not_shared=new_key_if_not_shared
            )
        )
        ended.undelivered = tuple(pending)
        reading, unsure = await context.sharing.still_reading(
            {local.journal_id} | {j.journal_id for j in same_named}, normalize_username(username)
        )
        ended.still_reading, ended.may_still_read = tuple(reading), tuple(unsure)
        ids = {j.journal_id for j in await context.store.journals() if context.display(j) in ended}
        ended.kept = tuple(await context.sharing.kept_copies(ids))
        return ended

    async def grant_entry(
        self,
        entry_id: str,
        username: str,
        *,
        only: builtins.list[str] | tuple[str, ...] | None = None,
        fingerprint: str | None = None,
        trust_on_first_use: bool = False,
        again: Collection[str] = (),
    ) -> ShareInfo:
        """Share one entry (or only `only` of its fields, e.g. ["mood", "body"]) without
        opening its journal: a copy goes to a journal kept for that member. Needs the
        network. A `fingerprint` replaces the keys held for `username` as in `grant`
        (`verify_replaces` says first which). Raises like `grant`, and NotFound for an
        unknown entry; UpdateNeeded while
        the entry's journal holds changes its owner wrote with a newer app version this one
        cannot read (they could change the entry: nothing is shared); SharedAgain when the
        member's share of the journal kept for them had ended and it still holds items, which
        they would read again as a new member: nothing is shared unless `again` names every
        one's id (`SharedAgain.items`: show them, ask, then call again)."""
        local, document = await self._context.entry_document(entry_id)
        return await self._context.sharing.share_entry(
            local, document, username, only, fingerprint, trust_on_first_use, again
        )

    async def list(self, *, local_only: bool = False) -> builtins.list[ShareInfo]:
        """What this account shares: journal, member, role, expiry, and for a field-level
        share the fields and the journal they come from (`ShareInfo.fields`, `.source`),
        from the verified access chains. A field-level share the source journal's signed
        chain names through a copy this device cannot see is listed too, marked
        `ShareInfo.unseen` (role "unknown", fields and end date not known here): who reads
        a journal never comes from what the server does not show. Each current
        whole-journal share says whether a safety flag raised now reaches its member
        (`ShareInfo.safety_flags`). Needs the network (the journal list is refreshed
        first, and members whose account was erased are removed). Raises NetworkError
        offline. With `local_only=True`: what this device holds, from the verified chains as
        the last sync left them, with no network (for when the server cannot be reached: a
        share changed since, on another device or by the member leaving, is not seen);
        raises nothing of the network then."""
        found = await self._context.sharing.shares(local_only=local_only)
        return await self._with_flags(found)

    async def kept_copies(self) -> builtins.list[KeptCopy]:
        """The journals this account keeps for one member whose share the owner ended (a
        field-level copy after `revoke`, or after a narrowing to other fields; the journal of
        single items after `revoke` of it): each stays on this account's devices, shared with
        nobody, until deleted with `client.journals.delete`; `KeptCopy` says why it is kept. From
        the verified access chains as the last sync left them: works offline. A share that lapsed
        by its end date, or whose member left, is not here: `list()` gives it as an ended share.
        Raises nothing: it reads only what this device holds."""
        await self._context.replica.load_access()
        return await self._context.sharing.kept_copies()

    async def leave(
        self,
        journal: str,
        *,
        check_only: bool = False,
        leave_undelivered: Collection[str] = (),
    ) -> str:
        """Leave a journal another account shares with this one (`"owner/name"` or its id,
        in any form `client.journals` takes: another case, an id prefix). The server stops
        serving it to this account at once; the owner's devices remove this account from
        the journal's access chain at their next change of members (only the owner can sign
        it; protocol.md, /v1/shares/leave). Needs the network. Returns the owner's username.
        Raises InvalidInput for a journal of this account, AccessError if it is not shared
        with this account, NotFound for an unknown journal or for the kept copy of a share
        that already ended, NetworkError when the server cannot be reached. Changes of this
        device in the journal not yet on the server (an acknowledgement of a safety flag:
        `unsent_acknowledgements`) are sent first; when they cannot be, nothing is left (the share stays)
        (InvalidInput, subject "unsent before leaving": sync, then leave again). An
        acknowledgement the server refused for good and set aside
        (`undelivered_acknowledgements`: "set_aside") is sent once more first; refused again,
        nothing is left either (the same InvalidInput, its `names["set aside"]` the flags'
        ids), unless its flag's id (hex) is in `leave_undelivered`: the flags whose user was
        told their acknowledgement is NOT delivered (its owner sees "may NOT have been
        delivered") and leaves all the same (rev34b F2). So is every other change of the
        journal set aside (a note, an entry: `set_aside_of`): refused again, nothing is
        left (`names["changes set aside"]`, the documents' ids) unless its document's id
        (hex) is in `leave_undelivered` too: once left, it can never be delivered (rev34d
        F2). With
        `check_only=True` the journal list is refreshed (as a sync does) and it raises the
        same errors and leaves nothing: an app asks its user to confirm only what would
        then be done, whichever way the journal was named. Named by the start of its id, the
        journal needs 8 hex digits of it or more here (InvalidInput, subject "id too short",
        for fewer)."""
        if check_only:
            await self._context.replica.refresh_journals()
        local = await self._context.local_journal(journal, ends=True)
        if local.role == REVOKED:
            raise NotFound(
                f"the share of {quoted_name(journal)} already ended: only its read-only copy is left, "
                "to discard",
                subject=KEPT_COPY,
            )
        if local.role == "owner":
            raise InvalidInput(
                f"{quoted_name(local.name)} is your own journal: delete it or stop sharing it instead",
                subject="refused",
            )
        if not check_only:
            await self._context.sharing.leave(local, leave_undelivered)
        return local.owner_name

    async def check_terms(
        self, journal: str, username: str, *, fingerprint: str | None = None
    ) -> None:
        """Raise ScopeNeeded (an InvalidInput naming `full`) where `grant(journal, username,
        role=...)` with `full_if_new=True`, without `full` or `only`, would refuse for want
        of a scope: `username`'s account is pinned here and the journal's verified access
        chain (refreshed first) names it, but it holds no membership of the journal, current
        or lapsed, nor a field-level share of it (removed by `revoke`). `fingerprint`: the
        one `grant` is to be given; then the account judged is the one the server gives
        `username` that it matches, the account the share goes to (a name an erased account
        freed may be another person's now), not one pinned here under the name before.
        Returns None otherwise; `grant` decides again on the chain it signs on. For an app
        to say that refusal before it asks its user anything. Needs the network. Raises
        NotFound for an unknown journal or username, NetworkError offline, InvalidInput as
        `limited`."""
        local = await self._context.local_journal(journal)
        await self._context.sharing.refuse_unscoped_terms(local, username, fingerprint)

    async def copy_still_read(self, journal: str) -> str:
        """For a journal another account shares whole with this one (`"owner/name"` or its
        id, as `leave` takes it): the name of a field-level copy of it its owner also shares
        with this account ("Personal (mood, tags) for drsmith", `tj share --only`), which
        keeps arriving when this account leaves or loses the whole journal, else "". From the
        owner-signed chains this device verified; no network. Raises NotFound for an unknown
        journal."""
        local = await self._context.local_journal(journal)
        return self._context.replica.copy_still_read(local, await self._context.store.journals())

    async def unsent_acknowledgements(self, journal: str) -> builtins.list[str]:
        """For a journal another account shares with this one (`"owner/name"` or its id, as
        `leave` takes it): the ids (hex) of its safety flags whose acknowledgement by this
        device (`client.safety.acknowledge`) is not on the server yet (offline, or a server
        that did not take it): its owner sees it only once it is. `leave` sends them first,
        and leaves nothing when it cannot (rev34a F3). No network. Raises NotFound for an
        unknown journal."""
        local = await self._context.local_journal(journal, ends=True)
        return await self._context.sharing.unsent_acknowledgements(local.journal_id)

    async def set_aside_of(self, journal: str) -> builtins.list[SetAsideChange]:
        """For a journal another account shares with this one (`"owner/name"` or its id, as
        `leave` takes it, a journal this account left too): the changes of this device in it
        the server refused for good and set aside (`Client.set_aside`), other than
        acknowledgements of safety flags (`undelivered_acknowledgements`), one per document,
        oldest first: `leave` sends them once more first and, refused again, leaves without
        them only when their document ids are in its `leave_undelivered`: after a leave
        none can be delivered (rev34d F2). No network. Raises NotFound for an unknown
        journal."""
        local = await self._context.local_journal(journal, ends=True)
        sharing = self._context.sharing
        docs = await sharing.set_aside_of(local.journal_id)
        acks = await sharing.ack_documents(local.journal_id)
        found: dict[str, SetAsideChange] = {}
        for change in await set_aside_changes(self._context.store):
            doc_id = bytes.fromhex(change.doc_id) if change.doc_id else b""
            if doc_id in docs and doc_id not in acks:
                found.setdefault(change.doc_id, change)
        return list(found.values())

    async def undelivered_acknowledgements(self, journal: str) -> dict[str, str]:
        """For a journal another account shares with this one (`"owner/name"` or its id, as
        `leave` takes it, a journal this account left too): its safety flags whose
        acknowledgement by this device (`client.safety.acknowledge`) is not on the server, by
        id (hex), each with its state: "waiting" (in the outbox: offline, or a server
        answering 503; `leave` sends it first or leaves nothing) or "set_aside" (refused by
        the server for good, `client.set_aside()`: its owner's devices say the flag "may NOT
        have been delivered"; `leave` sends it once more, and leaves with it undelivered
        only when told so, `leave_undelivered`). No network. Raises NotFound for an unknown
        journal (rev34b F2)."""
        local = await self._context.local_journal(journal, ends=True)
        return await self._context.sharing.undelivered_acknowledgements(local.journal_id)

    async def is_copy(self, journal: str) -> bool:
        """Whether a journal another account shares with this one (`"owner/name"` or its id,
        as `leave` takes it) is a copy its owner keeps for this account (some fields of
        their journal, or entries and results shared one by one), by its owner-signed chain
        this device verified: such a copy never carries safety flags. No network. Raises
        NotFound for an unknown journal."""
        await self._context.replica.load_access()
        local = await self._context.local_journal(journal)
        return self._context.replica.is_copy_shared_with_me(local)

    async def forget(
        self, journal: str, *, unlisted: bool = False, check_only: bool = False
    ) -> bool:
        """Discard from this device the read-only copy kept of a share that ended (the owner
        ended it, its end date passed, or this account left it with `leave`): `journal` is
        `"owner/name"` or its id (hex). Everything of it goes, in one local transaction:
        entries and every other document, key envelopes, its access chain, seen records,
        counters, cursor, anything waiting to be sent or set aside, problems, and its part of
        the budget for unverified owners (hold_back.py), which is freed (first, private notes about it
        are given its owner's account id and name: `PrivateNote.client_id`). A therapist's way to
        erase a former client's data from a device; the caseload no longer lists it. The
        store's files are then rebuilt so that the deleted bytes do not linger in them
        (SQLite's free pages and write-ahead log): returns True when that finished, False
        when another process using this profile kept it from finishing (the copy is gone
        all the same; its bytes are overwritten as the store's pages are reused).

        This device only: other devices of this account keep their copy until forgotten
        there too. It stays forgotten here: a journal list that names it again (a hostile
        server replaying an older one) is not taken back (forgotten.py), unless the owner
        signed a new grant of it to this account after the forget: then the next
        sync takes it back and says so (`SyncReport.departures`, reason "shared again").

        Whether the share ended is read from the owner's signed access chain, never from the
        server's journal list (a hostile server leaving the journal out must not get an
        active share erased): the chain's signed end date passed on this device's clock, or
        the owner's latest chain no longer grants it, or this account left it on this device
        (`leave`). Online, the journal list and chains are refreshed first (as a sync does),
        so an end date the owner lifted since is seen; offline, the chain this device last
        verified decides. A member the owner removed is not served the chain entry that
        says so: for a journal the server no longer lists while the chain still grants it,
        pass `unlisted=True` once you know the share ended (you were told, or you left it on
        another device). Waits for a sync of this client running in this process; do not
        run it while another process (another `tj`) syncs this profile: that one may still
        store what it was pulling of the journal.

        Raises InvalidInput for a journal of this account (delete it: `client.journals.
        delete`), a share still active (leave it first: `leave`), a journal the server no
        longer lists but the signed chain still grants (without `unlisted`), or a journal with
        changes of this device not yet on the server (the outbox or set aside: they would be
        lost); NotFound for an unknown journal. With `check_only=True` it raises the same
        errors and discards nothing (returns False): an app asks its user to confirm only
        what would then be done. Named by the start of its id, the journal needs 8 hex
        digits of it or more here (InvalidInput, subject "id too short", for fewer). A name
        that names more than one journal here (a share still on and the kept copy of an
        earlier one of the same name, say) names none: SameJournalName (an InvalidInput)
        lists their ids, the copies marked, and nothing is discarded.

            await client.shares.forget("ana/Shared with drsmith")
        """
        # strict: a name a live share and a kept copy share names neither (it lists their
        # ids): the copy the user meant is never mistaken for the share still on
        local = await self._context.local_journal(journal, strict=True, ends=True)
        try:
            return await self._context.sharing.forget(local, journal, unlisted, check_only)
        finally:
            self._context.drop_views(local.journal_id)  # nothing of it kept in memory either

    async def with_me(self, *, refresh: bool = True) -> builtins.list[SharedJournal]:
        """Journals other accounts share with this one (`owner_verified` says whether this
        device compared the owner's fingerprint), and the read-only copies kept of shares
        that ended or that the server stopped serving (`SharedJournal.read_only_copy`). The journal list is refreshed from the
        server first (Raises NetworkError offline); `refresh=False` reads what this device
        has, offline too, and raises nothing."""
        return await self._context.sharing.shared_with_me(refresh=refresh)

    async def ask_erased_owners(self, *, retry: RetryPolicy | None = None) -> builtins.list[str]:
        """Ask the server, in one question (/v1/account/known), whether the owners of the
        shares that ended here still have an account, and keep its answer: the caseload then
        tags a client whose account it no longer knows "share ended (account appears erased
        ...)" and `with_me` marks their copies (`SharedJournal.owner_erased`), also when they
        erased it after the share ended, which no sync tells. It asks about an owner when
        their share is first seen ended, then at most once a week (the answer kept stands
        meanwhile), whether this device still keeps the copy or discarded it, so the
        questions tell the server neither; at most 20 owners a question, those asked longest
        ago first; none due, it asks nothing. `retry`: the RetryPolicy of the question
        (`QUICK_TRY`: one try), the transport's by default. Returns the account ids (hex)
        of those asked now that it says no longer exist. The server's word, for words only:
        no pin, verified mark or kept copy changes. Raises NetworkError when the server
        cannot be reached, RateLimited when it refuses more lookups now, and NotFound from a
        server that does not know this question."""
        return await self._context.sharing.ask_erased_owners(retry)

    async def held_back(self) -> builtins.list[HeldBack]:
        """The journals shared with this account whose download this device stopped at the
        512 KiB it downloads for all owners not verified (`hold_back.UNVERIFIED_SHARE_BYTES`),
        while their owner is still not verified here: the journals every sync reports in
        `SyncReport.held_back`, as the last sync left them (this device's own bookkeeping,
        never the server's word). What this device holds of them is partial: entries,
        results, safety flags and briefs past the point where it stopped are not here, so a
        view that reads them should say so by owner (`HeldBack.owner`, named as the caseload
        names clients) until the owner is verified (`verify`) and a sync downloads the rest.
        Works offline. Raises nothing."""
        return await self._context.replica.held_back()

    async def log(self, journal: str) -> builtins.list[AuditInfo]:
        """When each member's device first fetched what (the owner sees all; a member sees
        their own), as the server logged it (who, when, up to which sequence number, how
        many records: the server's word), with the documents each fetch held by kind
        (`doc_ids`, `kinds`; the entries also as `entry_ids`), counted from this device's
        verified records, leaving out what the member could not open and what they wrote
        themselves; a re-fetch is not logged. Needs the network. Raises NotFound for an
        unknown journal, NetworkError offline."""
        local = await self._context.local_journal(journal)
        return await self._context.sharing.audit(local)

    async def fingerprint(self, username: str | None = None) -> str:
        """The safety number (fingerprint) of this account, or of another account after
        checking its self-signature: six groups of five digits to compare in person.
        Another account's needs the network. Raises NotFound for an unknown username,
        KeyChangedError when the server's answer does not verify, NetworkError offline."""
        context = self._context
        if username is None or normalize_username(username) == context.username:
            secrets = context.profile.secrets
            return keys.fingerprint(
                context.profile.account_id,
                context.username,
                secrets.sign_public_key,
                secrets.box_public_key,
            )
        identity = await self._context.sharing.identity(username)
        return keys.fingerprint(
            identity.account_id,
            identity.username,
            identity.sign_public_key,
            identity.box_public_key,
        )

    async def check_keys_known(self, username: str) -> None:
        """Check, sharing nothing, that sharing with `username` needs neither a fingerprint
        nor trust on first use on this device: their keys are pinned here, or named by a
        chain of this account's own (then pinned now, as a share would). For a command that
        asks before it shares, so it does not ask and then fail for the fingerprint.
        Needs the network. Raises InvalidInput (subject "fingerprint") when the fingerprint
        is needed, KeyChangedError when their keys changed since pinned, NotFound for an
        unknown username."""
        await self._context.sharing.confirmed_peer(username, None, False)

    async def verify_replaces(
        self, username: str, fingerprint: str, *, sharing: bool = False
    ) -> HeldKeys | None:
        """Check, marking nothing, what `verify(username, fingerprint)` would replace: the
        keys this device holds for `username` under another account than the server gives
        that name now (a name an erased account freed, taken by someone else since)
        or other keys of that account, as `HeldKeys` (when they were verified, if known);
        None when nothing would be replaced. For an app that asks before it replaces keys
        its user compared. A share with a `fingerprint` (`grant`, `grant_entry`,
        `client.measures.share`, `client.briefs.share`) replaces them the same way: pass
        `sharing=True` to check before one (its refusal then says nothing was shared;
        `tj share --fingerprint` asks). What this device holds of an account
        whose verified keys are replaced stays verified. Needs the network. Raises
        KeyChangedError when `fingerprint` does not match their keys as the server gives
        them (saying so when this device holds their keys as verified already: that stays),
        NotFound for an unknown account."""
        return await self._context.sharing.verify_replaces(username, fingerprint, sharing=sharing)

    async def verify(self, username: str, fingerprint: str) -> bool:
        """Accept a peer's new keys after comparing their fingerprint in person, replacing
        any other keys held for that username (`verify_replaces` says which first). Needs the
        network. Returns False when this device held exactly these keys as verified already
        (nothing changed), True when it marked them verified now. Raises KeyChangedError
        (subject "fingerprint mismatch") when `fingerprint` does not match their keys as the server gives them (nothing is
        marked verified; when this device holds those keys as verified already, the message
        says that verification stays), NotFound for an unknown account, InvalidInput
        (subject "value") for a fingerprint that is not 30 digits, NetworkError offline."""
        return await self._context.sharing.verify_peer(username, fingerprint)
