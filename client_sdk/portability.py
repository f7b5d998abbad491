"""Your data is yours: gather everything an account can decrypt into an Archive, write it as
Markdown files, and import an archive into another account.

The rules of the format live in archive.py (pure); this module moves data between it, the
client and the file system.

Import (`restore`) recreates, in the importing account:

- every journal the exporter **owned** that holds something this account does not hold yet,
  as a NEW journal the import makes (a new id, shared with no one): "NAME", or "NAME
  (imported)", "NAME (imported 2)", ... when this account has a journal of that name; an
  existing journal receives the file only when the user names it (`into`). Journals others
  shared with the exporter are skipped: they belong to their owners;
- entries, goals (with their check-ins) and notes with the same fields and timestamps, under
  new ids; `ImportReport` maps each old id to its new one. A therapist's notes are skipped
  (they were not the exporter's to give away);
- entries that were in the trash, back in the trash with the time they were trashed (so
  they are deleted for good TRASH_DAYS after it, as before the export);
- the exporter's own questionnaire results and safety plans (care_import.py: results with
  their answers and times, scores computed again; a plan only where this account has written
  none, and never its crisis line over one a member set);
- nothing twice: an item equal to one this account holds already, in any of its live
  journals here (or in their trash; same creation time and content; a result of the same
  measure, time and answers; a plan with the same parts), is counted as a duplicate, with
  where it is held, and skipped, so importing a file again, on this device or another that
  synced the first import, adds nothing. One held only in a read-only copy of a journal gone
  from the server is imported again (that copy takes no writes), the copy named;
- words for what the rule means to the user: the journal named (`into`) with who reads it,
  and the results a restore put beside the default journal (`ImportReport.care_apart`).
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any, Protocol, TypeVar

from client_sdk import foreign, keys, wire
from client_sdk.access import field_shares_in_force
from client_sdk.archive import (
    Archive,
    ArchivedEntry,
    ArchivedGoal,
    ArchivedJournal,
    ArchivedNote,
    Item,
    entry_filename,
    entry_markdown,
    goals_markdown,
    notes_markdown,
    slug,
    to_ms,
)
from client_sdk.care import Assignments, Homework
from client_sdk.care_archive import CareRecords, care_markdown, with_journal
from client_sdk.care_disclosure import ANSWERS, SCORES
from client_sdk.care_import import (
    CareImport,
    ImportedPlan,
    ImportedResult,
    read_care,
    result_identity,
)
from client_sdk.care_terms import ENDED_COPY, UNLISTED_COPY
from client_sdk.context import READ_BETWEEN_YIELDS, Context, is_id_prefix
from client_sdk.documents import ENTRY, TRASH_MS, Document
from client_sdk.entries import Entries
from client_sdk.errors import BAD_VALUE, InvalidInput, ReadersToConfirm, TJError
from client_sdk.goal_tracking import Goals
from client_sdk.goals import GOAL, Measure, new_goal_update
from client_sdk.inputs import checks_inputs
from client_sdk.journals import MAX_JOURNAL_NAME, Journals, check_name
from client_sdk.measures import Measures
from client_sdk.models import (
    GONE_FROM_SERVER,
    READ_ONLY_COPY,
    Journal,
    and_words,
    now_ms,
    quoted_name,
)
from client_sdk.notes import Notes
from client_sdk.private_notes import PrivateNotes
from client_sdk.readers import FIELDS, UNKNOWN_READER, JournalReader, reader_names
from client_sdk.readers import journal_readers as chain_readers
from client_sdk.replica import snapshot_fits
from client_sdk.results import MEASURE, new_result_update
from client_sdk.safety_path import SafetyPath
from client_sdk.schedule import Due, standing
from client_sdk.store import LocalJournal

NAME_A_JOURNAL = "name a journal"
"""`TJError.names["advice"]` of an import refused because a journal of the file bears a name
a journal cannot have (32 hex digits: it reads as an id; `names["journal"]`: that name), whose
message ends advising to name one of the account's journals to import the whole file into:
an app may add its own way to do so after it (the CLI: "(`tj import FILE --journal NAME`)")."""

ImportProgress = Callable[[int, int], None]
"""Called with (items imported so far, items in the file) after each item."""


@dataclass(frozen=True)
class CareSources:
    """The managers an export reads care records from."""

    measures: Measures
    homework: Homework
    assignments: Assignments
    safety: SafetyPath
    private_notes: PrivateNotes


@dataclass
class ImportReport:
    """What an import did. The dicts map ids in the file to the new ids in this account."""

    journals: dict[str, str] = field(default_factory=dict)
    entries: dict[str, str] = field(default_factory=dict)
    goals: dict[str, str] = field(default_factory=dict)
    checkins: int = 0
    """The check-ins of the goals imported (each goal comes with its check-ins)."""
    notes: dict[str, str] = field(default_factory=dict)
    results: dict[str, str] = field(default_factory=dict)
    """The questionnaire results imported (the exporter's own, care_import.py)."""
    safety_plans: list[str] = field(default_factory=list)
    """The journals (names here) whose safety plan was written from the file: their owner had
    written none."""
    safety_plans_kept: list[str] = field(default_factory=list)
    """The journals (names here) whose owner had written a safety plan other than the file's:
    theirs is kept as it is (never overwritten); the file's stays in the file."""
    emergency_numbers_imported: dict[str, str] = field(default_factory=dict)
    """The journals (names here) whose safety message shows another emergency number since the
    import wrote the file's plan, with that number (the file's), the default journal first:
    the journal the plan went into, and, when that is the default journal, every journal of
    this account with no plan of its own, whose message shows the default journal's
    (`SafetyPath.shown_plans`).
    Said, so that the person checks it, as `crisis_lines_imported`."""
    crisis_lines_imported: dict[str, str] = field(default_factory=dict)
    """The journals (names here) whose safety message shows another crisis line since the
    import wrote the file's plan, with that line, as `emergency_numbers_imported`: the file's
    is the owner's own from now on, above a line a therapist set that this device had not
    received yet (said, so that the person checks it)."""
    plans_shown: dict[str, dict[str, str]] = field(default_factory=dict)
    """The journals (names here) whose safety message shows, since this import, a safety plan
    it wrote into another journal (one it wrote into the journal itself `safety_plans` names),
    which it did not show before, the default journal's own first: {"journal": the journal
    here that holds that plan, "file_journal": the name, in the file, of the journal it came
    from}. The message's own rule (`SafetyPath.shown_plans`): a journal with no plan of its
    own shows the default journal's plan and no other journal's, so this arises only when the
    import wrote a plan into the default journal (`into` it, or a plan of the file's journal
    folded into it), which each journal of this account with no plan of its own then
    borrows, be it text alone; a plan put in a journal the import made ("Personal
    (imported)") is shown for that journal alone (`plans_alone` names it). Said so that the
    person checks it (`tj safety plan`), as `emergency_numbers_imported`."""
    plans_alone: dict[str, str | None] = field(default_factory=dict)
    """The journals (names here) this import wrote a safety plan into that are not the
    default journal, whose plan the safety message for each of them shows for that journal
    alone (no other journal's message borrows it: a journal with no plan of its own shows only
    the default journal's, `SafetyPath.message`), in the order written: journal -> the
    default journal's name here, whose plan the others show, into which the person can
    copy it (`client.safety.copy_plan(journal)`); None when the default journal is not on this device
    as a journal that takes writes (not here at all, or only its read-only copy). Said so
    that no one takes it for the plan their default journal's message shows (rev29a F1)."""
    no_longer_shown: dict[str, dict[str, str]] = field(default_factory=dict)
    """The journals (names here) whose safety message no longer shows an emergency number or
    crisis line it showed before this import, as the plan it showed gave way to one the import
    wrote (a plan imported into the journal itself comes before one borrowed from another, or
    one imported earlier): {"emergency_number": the number it showed, "crisis_line": the line
    it showed (a therapist's with "(set by NAME)")}, only those no longer shown, whether
    another replaced them (`emergency_numbers_imported`, `crisis_lines_imported` name it) or
    the built-in words; never a journal this import made (`created_journals`). Said, so that
    nothing the person relied on leaves their message unsaid."""
    crisis_lines_kept: dict[str, str] = field(default_factory=dict)
    """The journals (names here) whose crisis line in force is one a member (a therapist)
    set, with that member's username: the file's crisis line differs and is not written (it
    stays in the file; the rest of the file's plan is imported as `safety_plans` says). The
    owner's own crisis line would take precedence over the member's in the safety message,
    so only the owner sets one, deliberately (`client.safety.set_plan(crisis_line=...)`)."""
    imported_as: dict[str, str] = field(default_factory=dict)
    """The journals of the file (names) whose content went into a new journal of another
    name (name): this account holds a journal of the file's name already (its own, a
    read-only copy, or one kept only to share with a member), and an import never writes
    into an existing journal unless the user names it (`into`), so it made "NAME
    (imported)", "NAME (imported 2)", ... (`created_journals` names them all). Empty when
    the user chose the journal (`into`)."""
    id_starts: list[str] = field(default_factory=list)
    """The journals of the file (names, each in `imported_as`) whose name, 4 or more hex
    digits, starts the id of a journal on this device: as a name it would name neither
    journal wherever typed (`Journals.create` refuses it), so the import named the new
    journal "NAME (imported)", ... instead (fix31e)."""
    skipped_journals: list[str] = field(default_factory=list)
    skipped_notes: int = 0
    duplicates: int = 0
    """Items skipped because this account already holds them (all kinds together)."""
    already_here: dict[str, int] = field(default_factory=dict)
    """The skipped duplicates by kind: {"entries": n, "goals": n, "notes": n, "results": n,
    "safety_plans": n}, kinds with none left out."""
    held_in: dict[str, dict[str, int]] = field(default_factory=dict)
    """Where the skipped duplicates are held: {journal name here: {kind: n}}, kinds as
    `already_here`; a read-only copy of a journal gone from the server named "NAME
    (read-only copy)"."""
    held_in_trash: dict[str, dict[str, int]] = field(default_factory=dict)
    """The skipped duplicates held only in the trash of a journal here, as `held_in`
    ({journal name here: {"entries": n}}): the journal does not list them, and the trash
    deletes them for good TRASH_DAYS (30) days after they were trashed (`tj restore ID`
    brings one back)."""
    trashed: int = 0
    """Entries imported into the trash (they were in the trash when exported)."""
    trash_expired: int = 0
    """Entries left out: in the trash for TRASH_DAYS (30) days or more by now."""
    archived: list[str] = field(default_factory=list)
    """Journals archived again, as they were when exported."""
    not_archived: list[str] = field(default_factory=list)
    """Journals archived when exported that could not be archived here (offline: archiving
    needs the network); `client.journals.archive(name)` does it later."""
    left_out: dict[str, int] = field(default_factory=dict)
    """Care records the file holds that an import does not restore, by list name
    ("results", "homework", "assignments", "safety_plans", "safety_flags", "private_notes"),
    lists with none left out: they stay in the file (`export_json`). Results and safety
    plans count here only when of a journal shared with the exporter (not theirs), or, for a
    plan, when it holds only a crisis line a therapist set. A safety plan counts only when
    something is written in it (`care_archive.plan_written`: not one that only opts in to
    safety flags). "safety_flags_opt_in": the journals of `flags_not_carried`."""
    flags_not_carried: dict[str, list[str]] = field(default_factory=dict)
    """The journals (names here) whose plan in the file opted in to safety flags, where flags do not
    reach those the file's opt-in reached (its `flags_reach`, the usernames given: an empty list
    when it names none): the opt-in is never imported (it names the old account's shares), so no
    flag reaches them from this account until the person opts in again (`client.shares.grant(...,
    role="annotate", safety_flags=True)` or `client.safety.set_plan(share_flags=True)`). A journal
    where this account's own opt-in reaches them already is not named. Said so that an import never
    drops an opt-in without a word."""
    flags_file_journals: dict[str, str] = field(default_factory=dict)
    """The file's name of each journal `flags_not_carried` names (the name here first): the
    file's "Personal" put into "Personal (imported)" is {"Personal (imported)": "Personal"}."""
    flags_default: str = ""
    """When `flags_not_carried` names journals: this account's default journal here, where a
    new questionnaire result (`client.measures.take` with no journal) goes, and so where its
    safety flag is raised (nu76 F1: an opt-in on the imported journal alone reaches no one
    for those); "" otherwise (or when this device has none): null in `to_dict`."""
    flags_default_reach: list[str] = field(default_factory=list)
    """Whom a safety flag raised now in `flags_default` reaches (`SafetyPath.flags_reach`
    "on", usernames, sorted): empty when flags from it reach no one."""
    flags_default_readers: list[str] = field(default_factory=list)
    """Who reads `flags_default` now, by its verified chain (usernames, sorted; with flags
    or without): opting a member of `flags_not_carried` in there who is not among them
    first shares that whole journal with them, every entry in it (rev30c F2)."""
    created_journals: list[str] = field(default_factory=list)
    """The names of the journals this import created (those of `journals` this account did not have
    by that name), empty ones included: with no entry, goal or note imported, an import that created
    none added nothing. A journal is made only for a file's journal with an item this import
    writes (or an empty one whose name is free): never one left empty."""
    into: str | None = None
    """The name of the journal the user named (`into`) that received the file, or the existing
    journal a Day One or Daylio file went into by the name given (`journal`, "Day One" by
    default); None otherwise (no journal named: JSON null)."""
    into_readers: list[str] = field(default_factory=list)
    """Who else reads `into` (usernames, sorted): its members and the accounts of its
    field-level shares in force, by the journal's access chain verified on this device
    (`journal_readers`), counted as `client.journals.readers` counts them (a member whose
    signed end date passed receives nothing written from then on: not named): they read
    what the import wrote there."""
    folded_in: dict[str, dict[str, int]] = field(default_factory=dict)
    """With `into` (the user named the journal): each journal of the file (its name in the
    file) that the import wrote something of into `into`, with what, by kind (kinds as
    `already_here`), in the file's order. A file of several journals folds them all into the
    one named: what was apart in the file (a private "Dreams" beside "Personal") is one
    journal here, read by `into_readers`, its questionnaire results one series. Empty
    otherwise."""
    also_in: dict[str, dict[str, int]] = field(default_factory=dict)
    """Items imported that this account also holds, but only in a read-only copy of a journal
    gone from the server (which takes no writes, shares nor syncs): {"NAME (read-only copy)":
    {kind: n}}, kinds as `already_here`. Such a copy does not count as holding them: the
    import writes them into a live journal (the one it makes, or `into`)."""
    old_copies: list[dict[str, Any]] = field(default_factory=list)
    """The read-only copies on this device of the very journals of the file this import
    restored (the same journal id: one of this account's own journals, deleted on another
    device or withheld, that this device kept as it was): {"journal": its name here,
    "journal_id": its id (hex), "restored_into": the live journal that received the file's
    journal, "restored_now": true when this import wrote it there, false when an earlier one
    did (all of it was already here: a re-import that adds nothing names the copy too),
    "not_restored": how many of the copy's entries, goals, notes and questionnaire
    results no live journal here holds (0: the copy holds nothing the restore did not bring
    back)}. Lists show what both hold twice until the copy is deleted
    (`client.journals.delete(journal_id)`)."""
    care_apart: list[str] = field(default_factory=list)
    """The journals this import made (names here) that received questionnaire results or a
    safety plan, while this account's default journal (`default_journal`), where a new
    result (`client.measures.take` with no journal) and the plan a call naming no journal
    reads go, does not hold them: a new result there has no previous score, change nor
    baseline from them. Kept together by making the journal the default
    (`client.journals.set_default`), or by importing into the default journal (`into`;
    `default_readers` read what it holds) once the journal made is deleted."""
    default_journal: str = ""
    """The name of this account's default journal here when `care_apart` names journals;
    "" otherwise (or when this device has none): null in `to_dict`, as every unset value."""
    default_readers: list[str] = field(default_factory=list)
    """Who else reads `default_journal`, as `into_readers`."""
    default_result_readers: list[str] = field(default_factory=list)
    """Those of `default_readers` a new questionnaire result there reaches: its members, and
    the accounts of its field-level shares whose copy carries scores or answers (one this
    device cannot open counts), by its verified access chain."""
    default_flag_readers: list[str] = field(default_factory=list)
    """Those a safety flag raised there now reaches (`SafetyPath.flags_reach` "on": named by
    the owner's signed opt-in, holding the annotate role)."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "journals": dict(self.journals),
            "entries": dict(self.entries),
            "goals": dict(self.goals),
            "checkins": self.checkins,
            "notes": dict(self.notes),
            "results": dict(self.results),
            "safety_plans": list(self.safety_plans),
            "safety_plans_kept": list(self.safety_plans_kept),
            "crisis_lines_kept": dict(self.crisis_lines_kept),
            "emergency_numbers_imported": dict(self.emergency_numbers_imported),
            "crisis_lines_imported": dict(self.crisis_lines_imported),
            "plans_shown": {name: dict(shown) for name, shown in self.plans_shown.items()},
            "plans_alone": dict(self.plans_alone),
            "no_longer_shown": {name: dict(gone) for name, gone in self.no_longer_shown.items()},
            "imported_as": dict(self.imported_as),
            "id_starts": list(self.id_starts),
            "skipped_journals": list(self.skipped_journals),
            "skipped_notes": self.skipped_notes,
            "duplicates": self.duplicates,
            "already_here": dict(self.already_here),
            "held_in": {name: dict(kinds) for name, kinds in self.held_in.items()},
            "held_in_trash": {name: dict(kinds) for name, kinds in self.held_in_trash.items()},
            "trashed": self.trashed,
            "trash_expired": self.trash_expired,
            "archived": list(self.archived),
            "not_archived": list(self.not_archived),
            "left_out": dict(self.left_out),
            "flags_not_carried": {k: list(v) for k, v in self.flags_not_carried.items()},
            "flags_file_journals": dict(self.flags_file_journals),
            "flags_default": self.flags_default or None,
            "flags_default_reach": list(self.flags_default_reach),
            "flags_default_readers": list(self.flags_default_readers),
            "created_journals": list(self.created_journals),
            "into": self.into,
            "into_readers": list(self.into_readers),
            "folded_in": {name: dict(kinds) for name, kinds in self.folded_in.items()},
            "also_in": {name: dict(kinds) for name, kinds in self.also_in.items()},
            "old_copies": [dict(copy) for copy in self.old_copies],
            "care_apart": list(self.care_apart),
            "default_journal": self.default_journal or None,
            "default_readers": list(self.default_readers),
            "default_result_readers": list(self.default_result_readers),
            "default_flag_readers": list(self.default_flag_readers),
        }


@checks_inputs
class Archives:
    """`client.archive`: export everything this device can decrypt, and import it elsewhere.

    data = await client.archive.export_json()
    report = await other.archive.import_json(data)
    """

    def __init__(
        self,
        context: Context,
        journals: Journals,
        entries: Entries,
        goals: Goals,
        notes: Notes,
        care: CareSources,
    ) -> None:
        self.context = context
        self.journals = journals
        self.entries = entries
        self.goals = goals
        self.notes = notes
        self.care = care

    async def export_json(
        self, *, journals: list[str] | None = None, clients: list[str] | None = None
    ) -> dict[str, Any]:
        """Everything this device can decrypt, as one JSON-ready dict (archive.py and
        care_archive.py give its shape): journals, entries (those in the trash of your own
        journals too, with their `trashed_at`, and in the trash of the read-only copy of one
        gone from the server, its last copy here), goals with check-ins, notes and
        prompts, questionnaire results (with answers), homework, assignments (cancelled ones
        too), safety plans with the crisis line in use, safety flags with who read them, and
        a therapist's private notes. `import_json` reads it back into any account, restoring
        journals, entries, goals, notes, and the exporter's own questionnaire results and
        safety plans (not the other care records). Times are ISO 8601 strings in UTC. Works offline; reads
        this device only.

        Not included: briefs (`client.briefs.received()`), and the copies kept for a
        therapist (field-level mirrors and single shared entries: their originals are in).
        The notes, prompts and assignments another account wrote in a field-level copy are
        included, under the journal it copies, with `in_copy` naming the copy.

        `journals` (names or ids, as `client.journals.get` takes them) and `clients`
        (usernames: every journal that account shares with you, the read-only copies of
        shares that ended included) narrow it to those journals and what they hold (one client's
        records, not every client's); a therapist's private notes are then those about the
        journals exported and their clients (every note of an account `clients` names, its
        ended shares' too), all of them when their journal ("Private notes") is named. Raises NotFound for a journal or client this device holds nothing of,
        InvalidInput for a name several journals share (SameJournalName, listing their ids: a
        share still on and the kept copy of an ended one of the same name too; name one by its
        id, 8 hex digits or more), a brief's journal or your own username as a client. Both
        given, the export holds the journals of either (`journals`, and every journal of
        `clients`)."""
        chosen = await self.chosen(journals=journals, clients=clients)
        return (await gather(self, datetime.now().astimezone(), chosen)).to_dict()

    async def export_markdown(
        self,
        directory: Path | str,
        *,
        journals: list[str] | None = None,
        clients: list[str] | None = None,
    ) -> list[Path]:
        """Write one Markdown file per entry (with front matter; those in the trash in the
        journal's "trash" folder, with `trashed_at`), one folder per journal (another
        account's in a folder named by its username, "ana.b/personal", the read-only copies
        of shares that ended too, as "ana.b/personal (share ended)"; by its account, "ana (account 1a2b3c4d)/personal", where
        another account bears that username here or on the server), plus
        goals.md, notes.md, questionnaires.md, homework.md, assignments.md and safety.md
        where the journal has any; returns the files written. Files are readable only by you
        (mode 0600). `journals` and `clients` narrow it as for `export_json`. Raises OSError
        when the directory cannot be written; NotFound and InvalidInput as `export_json`."""
        chosen = await self.chosen(journals=journals, clients=clients)
        archive = await gather(self, datetime.now().astimezone(), chosen)
        return await asyncio.to_thread(write_markdown, archive, Path(directory))

    async def chosen(
        self, *, journals: list[str] | None = None, clients: list[str] | None = None
    ) -> list[Journal] | None:
        """The journals an export of `journals` and `clients` holds (as `export_json` takes
        them), in `client.journals.list()` order; None when both are empty (everything).
        Raises NotFound or InvalidInput as `export_json`."""
        if not journals and not clients:
            return None
        context = self.context
        every = await self.journals.list()
        wanted: set[str] = set()
        for name in journals or ():
            # strict: a name a share still on and the kept copy of an ended one both bear
            # names neither (SameJournalName lists their ids), as for `client.shares.forget`:
            # the copy meant is never exported as the other, nor the other as it
            local = await context.local_journal(name, refuse_brief=True, strict=True)
            wanted.add(local.journal_id.hex())
        held = await context.store.journals()
        for name in clients or ():
            wanted |= {j.journal_id.hex() for j in await context.journals_of_client(name, held)}
        found = [j for j in every if j.id in wanted]
        for journal in found:
            if journal.helper is not None:  # copies: the journal they copy is exported
                raise InvalidInput(
                    f"{quoted_name(journal.name)} is a journal you keep only to share with a member (its "
                    "entries are copies): export the journal it copies instead",
                    subject=BAD_VALUE,
                )
        return found

    async def import_json(
        self,
        data: Any,
        *,
        into: str | None = None,
        fold_into_shared: bool = False,
        progress: ImportProgress | None = None,
    ) -> ImportReport:
        """Import an `export_json()` dict: its journals as new journals (below), entries,
        goals and notes with their fields and timestamps, under new ids (the report maps old
        ids to new). An entry exported from the trash goes back to the trash with its
        `trashed_at` (restorable until TRASH_DAYS after it; one in the trash that long is left
        out, `ImportReport.trash_expired`). Journals shared with the exporter are skipped; so
        is anything already here (in the trash too), so a second import changes nothing.
        Works offline (it reads this device only); the content is pushed at the next sync.

        Where each journal of the file goes never depends on a server answer: an import
        never writes into an existing journal unless the user names it (`into`). Each
        journal of the exporter's own that holds an item this account does not hold yet
        (in any of its own live journals readable here: one held only in a read-only copy of
        a journal gone from the server is imported again, the copy named in
        `ImportReport.also_in`) goes into
        a journal this import makes (a new id, its access chain signed here: shared with no
        one), "NAME" when no journal of this account bears that name, else "NAME
        (imported)", "NAME (imported 2)", ... (`ImportReport.created_journals`,
        `ImportReport.imported_as`); what is held already is skipped, and
        `ImportReport.held_in` says where it is. `into` (a journal's name or id) sends every
        journal of the file into that journal of this account instead, by the user's choice
        (its readers then read what the file holds: `ImportReport.into_readers` names them,
        by its access chain verified here; raises NotFound for an unknown journal,
        InvalidInput for one not to import into); it is not archived again. Each journal of
        the file it wrote something of is named, with what (`ImportReport.folded_in`): a
        file's several journals become one. Folding a journal of the file of another name
        than `into` (a "Dreams" beside "Personal") into an `into` that someone else reads is
        refused before anything is written, unless `fold_into_shared` (ReadersToConfirm,
        subject FOLD_SHARED: `journal`, `into`'s name, `journal_id`, `readers`, who read it
        (`JournalReader`s), `folded`, the names of the file's journals; `names` "journal",
        "readers", "folded": the same, tab-separated): the file does not say who read them,
        so a journal kept private would become readable by `into`'s readers. Results or a
        plan that went into a journal the import made, while new results go to the default
        journal, are named in `ImportReport.care_apart` (a new result there has no previous
        score, change nor baseline from them): the user keeps them together by making that
        journal the default, or by importing into the default journal (`into`).

        The exporter's own questionnaire results are restored too (`ImportReport.results`),
        with their instrument, answers and `taken_at`; the score, band and safety concern
        are computed again from the answers, never read from the file (a result answering
        PHQ-9 item 9 above 0 is a safety concern again, as `results` shows it; importing it
        raises no safety flag: those of the time stay in the file). A result taken for a
        therapist's assignment is imported as the person's own (results name no
        assignment). So is a safety plan's emergency number, crisis line and text, into a
        journal whose owner has written none of them (`ImportReport.safety_plans`); one
        who has written another keeps theirs (`ImportReport.safety_plans_kept`, never
        overwritten), and a crisis line a member set stays in force: the file's is left out
        (`ImportReport.crisis_lines_kept`). Neither the opt-in to safety flags (it names the old
        shares' members: `ImportReport.flags_not_carried` names the journals where flags are
        off for those it reached) nor a crisis line a therapist set is restored. Homework,
        assignments,
        safety flags, private notes, and the care records of journals others shared with
        the exporter stay in the file: the report counts them (`ImportReport.left_out`).

        Raises InvalidInput for a malformed file, naming the first bad field ("results[0]:
        'score' ..."; a result whose score is not the total of its answers included; subject
        "value", `errors.BAD_VALUE`, for every such field and for a file that is not an
        export, not a JSON object included; "app update" for an export of a newer version
        than this SDK reads):
        the whole file is checked first, and nothing is imported."""
        archive = Archive.from_dict(data)
        owned = {j.id for j in archive.journals if j.restorable}
        known = {j.id for j in archive.journals}
        care = read_care(data, owned, known, now_ms())
        report = await restore(
            self, archive, progress, care, guarded=True, into=into, fold=fold_into_shared
        )
        report.left_out = {**care.left_out, **report.left_out}
        return report

    async def import_dayone(
        self, data: Any, *, journal: str | None = None, progress: ImportProgress | None = None
    ) -> ImportReport:
        """Import a Day One JSON export (the parsed `Journal.json`, see foreign.py for the
        fields read) into `journal`, the journal of that name the user gave (created when
        missing); None: into a new journal, as `import_json` makes one: "Day One", or "Day
        One (imported)", ... when this account holds a journal of that name (an existing
        journal never receives anything unless the user names it), none when every entry is
        held here already. Like `import_json`: new ids, entries already here skipped. Raises
        InvalidInput naming the first bad entry."""
        now = datetime.now(UTC)
        name = journal or "Day One"
        archive = foreign.dayone_archive(data, name, self.context.username, now)
        return await restore(self, archive, progress, guarded=journal is None)

    async def import_daylio(
        self,
        text: str,
        *,
        journal: str | None = None,
        tz: tzinfo | None = None,
        moods: Mapping[str, int] | None = None,
        progress: ImportProgress | None = None,
    ) -> ImportReport:
        """Import a Daylio CSV backup (its text) into `journal`, as `import_dayone` does (None:
        a new journal, "Daylio" or "Daylio (imported)", ...), like `import_json`. Times
        are read in `tz` (None: this device's zone); Daylio's default moods map onto 1-10
        (foreign.DAYLIO_MOODS), other labels through `moods`. Raises InvalidInput naming
        the first bad line (an unknown mood label included)."""
        now = datetime.now(UTC)
        name = journal or "Daylio"
        archive = foreign.daylio_archive(text, name, self.context.username, now, tz, moods)
        return await restore(self, archive, progress, guarded=journal is None)


# --- export ------------------------------------------------------------------------------------


async def gather(
    source: Archives, exported_at: datetime, chosen: list[Journal] | None = None
) -> Archive:
    """Every journal on the device (shared ones included), or those `chosen`, with its
    entries (those in the trash of the account's own journals too, with `trashed_at`, and
    of a read-only copy of one of them gone from the server: `Entries.trashed_in_copies`),
    goals and notes. The copies kept for a therapist (disclosure journals) are left out:
    the originals are in."""
    await source.context.replica.load_access()
    copies = {
        j.journal_id.hex()
        for j in await source.context.store.journals()
        if source.context.replica.is_disclosure(j)
    }
    listed = await source.journals.list() if chosen is None else chosen
    journals = [j for j in listed if j.id not in copies]
    filed = await filed_names(source.context, journals)
    entries: list[ArchivedEntry] = []
    goals: list[ArchivedGoal] = []
    notes: list[ArchivedNote] = []
    exported = {journal.id for journal in journals}
    trashed = await source.entries.trash()  # and that of a read-only copy of one gone
    trashed += await source.entries.trashed_in_copies()  # from the server: its last copy
    entries += [
        ArchivedEntry.of(replace(e, journal=filed.get(e.journal_id, e.journal)))
        for e in {e.id: e for e in trashed}.values()
        if e.journal_id in exported
    ]
    for journal in journals:
        name = filed.get(journal.id, journal.name)
        for count, e in enumerate(await source.entries.list(journal.id), 1):
            if count % READ_BETWEEN_YIELDS == 0:
                await asyncio.sleep(0)  # other tasks run between pieces (nu82 F7)
            entries.append(ArchivedEntry.of(replace(e, journal=name)))
        goals += [
            ArchivedGoal.of(replace(g, journal=name)) for g in await source.goals.list(journal.id)
        ]
        notes += [
            ArchivedNote(
                n.id,
                journal.id,
                name,
                n.kind,
                n.text,
                n.author,
                n.by_therapist,
                n.created_at,
            )
            for n in await source.notes.list(journal.id)
        ]
    beside = copied_from(source.context, copies, exported)
    local = {j.journal_id.hex(): j for j in await source.context.store.journals()}
    for copy_id, source_id in beside.items():  # a therapist's words there: nowhere else
        source_name = next(j for j in journals if j.id == source_id)
        notes += [
            ArchivedNote(
                n.id,
                source_id,
                filed.get(source_id, source_name.name),
                n.kind,
                n.text,
                n.author,
                n.by_therapist,
                n.created_at,
                in_copy=local[copy_id].name if copy_id in local else "",
            )
            for n in await source.notes.list(copy_id)
            if n.by_therapist
        ]
    return Archive(
        account=source.context.username,
        exported_at=exported_at,
        journals=tuple(
            ArchivedJournal.of(replace(j, name=filed.get(j.id, j.name))) for j in journals
        ),
        entries=tuple(sorted(entries, key=lambda e: (e.created_at, e.id))),
        goals=tuple(sorted(goals, key=lambda g: (g.created_at, g.id))),
        notes=tuple(sorted(notes, key=lambda n: (n.created_at, n.id))),
        care=await gather_care(source.care, journals, beside),
    )


def copied_from(context: Context, copies: set[str], exported: set[str]) -> dict[str, str]:
    """{copy journal id: source journal id} (hex) of this account's field-level copies
    (`copies`: the disclosure journals) whose source is exported: the notes, prompts and
    assignments a therapist wrote in the copy are exported beside the source, marked with
    the copy's name (`in_copy`), as no other journal holds them."""
    found = {}
    for journal_id, settings in context.sharing.disclosures().items():
        source_id = settings.mirror_of.hex() if settings.mirror_of is not None else None
        if journal_id.hex() in copies and source_id in exported:
            found[journal_id.hex()] = source_id
    return found


async def filed_names(context: Context, journals: list[Journal]) -> dict[str, str]:
    """The name an export files each of `journals` under (by id) where it is not its
    `Journal.name`: another account's journal whose owner the app's words name by their
    account (`Context.owner_named`: a username the server gives another account now; as
    `Journal.name` does while another account's journals here bear it too), "kim (account
    1a2b3c4d)/Personal", as `tj export --client` takes it, so that an erased client's
    records and those of the person who took her username since are never filed under one
    name (REV-S9B S9B-2: both "kim/"). The copy kept of a share that ended is named as
    every other view names it ("ana/Personal", with `share_ended`), in its owner's one
    folder, where no other account bears that username."""
    held = {j.journal_id.hex(): j for j in await context.store.journals()}
    found = {}
    for journal in journals:
        local = held.get(journal.id)
        if journal.own or local is None:
            continue
        name = f"{context.owner_named(local)}/{local.name}"
        if name != journal.name:
            found[journal.id] = name
    return found


async def gather_care(
    care: CareSources, journals: list[Journal], beside: dict[str, str] | None = None
) -> CareRecords:
    """The care records of `journals`, oldest first, each with its journal's id (those of one
    of this account's own journals gone from the server read from its copy here, by its id:
    the lists over every journal leave it out; a result the server refused, set aside, is
    in that copy too); and the
    assignments made in the copies `beside` names ({copy id: source id}: `copied_from`),
    filed under their source with the copy's name (`in_copy`)."""
    beside = beside or {}
    ids = {journal.id for journal in journals}
    gone = [journal.id for journal in journals if journal.own and journal.read_only_copy]
    results = [r for r in reversed(await care.measures.list()) if r.journal_id in ids]
    homework = [h for h in reversed(await care.homework.list()) if h.journal_id in ids]
    assignments = [
        a
        for a in reversed(await care.assignments.list(include_cancelled=True, include_ended=True))
        if a.journal_id in ids or a.journal_id in beside
    ]
    flags = [f for f in await care.safety.flags() if f.journal_id in ids]
    for journal_id in gone:  # lists over every journal leave out one's own gone from the
        results += reversed(await care.measures.list(journal_id))  # server: its last copy
        homework += reversed(await care.homework.list(journal_id))
        assignments += reversed(
            await care.assignments.list(journal_id, include_cancelled=True, include_ended=True)
        )
        flags += await care.safety.flags(journal_id)
    results = sorted(once(results), key=lambda r: (r.taken_at, r.id))
    homework = sorted(once(homework), key=lambda h: (h.created_at, h.id))
    assignments = sorted(once(assignments), key=lambda a: (a.created_at, a.id))
    flags = once(flags)
    due: dict[str, Due] = {}  # where each stands, as `tj assignments --json` says (NU46 #6)
    for journal_id in sorted({a.journal_id for a in assignments}):
        for item in await care.assignments.due(
            journal_id, include_upcoming=True, include_done=True, include_ended=True
        ):
            due[item.assignment.id] = item
    kept_in = await care.private_notes.kept_in() or ""
    notes = await care.private_notes.list()
    if kept_in not in ids:  # one client's records: the notes about them are theirs too
        owners = {journal.owner_id for journal in journals if not journal.own}
        notes = [n for n in notes if n.journal_id in ids or n.client_id in owners]
        kept_in = ""  # each note goes with the journal it is about (`of_journal`)
    private_notes = notes
    plans = []
    for journal in journals:
        plan = await care.safety.plan(journal.id)
        in_use = await care.safety.crisis_line(journal.id)
        if plan.updated_at is not None or in_use is not None:
            plans.append(with_journal({**plan.to_dict(), "crisis_line_in_use": in_use}, journal.id))
    return CareRecords(
        results=tuple(with_journal(r.to_dict(), r.journal_id) for r in results),
        homework=tuple(with_journal(h.to_dict(), h.journal_id) for h in homework),
        assignments=tuple(
            with_journal(
                {
                    **a.to_dict(),
                    **standing(a, due.get(a.id)),
                    **({"in_copy": a.journal} if a.journal_id in beside else {}),
                },
                beside.get(a.journal_id, a.journal_id),
            )
            for a in assignments
        ),
        safety_plans=tuple(plans),
        safety_flags=tuple(
            with_journal(f.to_dict(), f.journal_id)
            for f in sorted(flags, key=lambda f: (f.raised_at, f.id))
        ),
        private_notes=tuple(n.to_dict() for n in reversed(private_notes)),
        private_notes_journal=kept_in,
    )


class Identified(Protocol):
    """A record with an id (hex)."""

    @property
    def id(self) -> str: ...


Same = TypeVar("Same", bound=Identified)


def once(items: list[Same]) -> list[Same]:
    """`items` without a later item of an `id` met before, in their order."""
    seen: set[str] = set()
    kept = []
    for item in items:
        if item.id not in seen:
            seen.add(item.id)
            kept.append(item)
    return kept


ENDED_FOLDER = f" {ENDED_COPY}"
"""Ends the folder of the read-only copy of a share that ended in a Markdown export
("dreams (share ended)"), as `tj list` names the journal: a share of that name still on
has the plain name beside it."""
UNLISTED_FOLDER = f" {UNLISTED_COPY}"
"""The same for a copy only the server says is over (`ArchivedJournal.unlisted`): "dreams
(no longer served)", as `tj list` and the export's summary name it."""
GONE_FOLDER = f" ({GONE_FROM_SERVER})"
"""The same for one of the account's own journals the server no longer lists (deleted on
another device, or withheld): "dreams (gone from the server)", never a share that ended."""


def write_markdown(archive: Archive, directory: Path, tz: tzinfo | None = None) -> list[Path]:
    """One folder per journal of this account's, one per other owner (`owner_folder`)
    holding one per journal of theirs (the copy of a share that ended in "NAME (share
    ended)", its entries' front matter saying `share_ended: true`, or "NAME (no longer
    served)" where only the server says so, saying `unlisted: true`; an own journal gone from
    the server in "NAME (gone from the server)"); in each, one file per
    entry, plus goals.md and notes.md where there are any. Files are readable only by the user (they hold the
    journal in plain text)."""
    make_private_dir(directory)
    written: list[Path] = []
    owners = {j.id: owner_folder(j) for j in archive.journals if "/" in j.name}
    used: dict[str, set[str]] = {"": set(owners.values())}  # no own journal in an owner's
    for journal in archive.journals:
        owner = owners.get(journal.id, "")
        name = slug(journal.name.rsplit("/", 1)[-1], 60)
        if journal.read_only_copy:  # told apart from a share of that name still on
            name += (
                UNLISTED_FOLDER
                if journal.unlisted
                else ENDED_FOLDER
                if journal.share_ended
                else GONE_FOLDER
            )
        folder = directory / owner / unique(name, used.setdefault(owner, set()))
        make_private_dir(folder)
        for entry in (e for e in archive.entries if e.journal_id == journal.id):
            place = folder
            if entry.trashed_at is not None:  # apart, so nobody takes it for a live entry
                place = folder / TRASH_FOLDER
                make_private_dir(place)
            text = entry_markdown(
                entry, tz, share_ended=journal.share_ended, unlisted=journal.unlisted
            )
            written.append(write_private(place / entry_filename(entry, tz), text))
        goals = [g for g in archive.goals if g.journal_id == journal.id]
        if goals:
            written.append(write_private(folder / "goals.md", goals_markdown(goals, tz)))
        notes = [n for n in archive.notes if n.journal_id == journal.id]
        if notes:
            written.append(write_private(folder / "notes.md", notes_markdown(notes, tz)))
        care = archive.care.of_journal(journal.id)
        for name, page in care_markdown(care, tz, own=not owner).items():
            written.append(write_private(folder / name, page))
    return written


OWNER_FOLDER = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}( \(account [0-9a-f]{8,32}\))?")
"""An owner's folder name as `owner_folder` keeps it: a username (lowercase letters, digits,
'.', '_', '-', starting with a letter or digit: never "." or ".."), with the start of the
account id when two accounts here bore that username ("kim (account 1a2b3c4d)")."""


def owner_folder(journal: ArchivedJournal) -> str:
    """The folder of the journals of `journal`'s owner (another account: its name is
    "owner/name") in a Markdown export: their username exactly, as the app names them
    ("ana.b", "ana-b", "kim (account 1a2b3c4d)"), so that usernames one slug would merge
    ("ana.b" and "ana-b", NU47 #8: "ana-b-personal" beside "ana-b-personal-2") stay apart,
    whatever the order. A name of any other form (never one the server allows) is slugged
    after "other " (a space: never a username's)."""
    name = journal.name.rsplit("/", 1)[0]
    return name if OWNER_FOLDER.fullmatch(name) else f"other {slug(name, 60)}"


TRASH_FOLDER = "trash"
"""The folder, inside a journal's, of the Markdown files of entries in the trash."""


def unique(name: str, used: set[str]) -> str:
    candidate, number = name, 2
    while candidate in used:
        candidate, number = f"{name}-{number}", number + 1
    used.add(candidate)
    return candidate


def make_private_dir(path: Path) -> None:
    """Make `path` and every missing folder above it readable only by the user (mode 0700):
    `Path.mkdir(parents=True, mode=...)` gives the mode to the last folder only, its
    parents the umask's (a Markdown export's client folder "ana" was 0755 under 0700 ones,
    listing who and which journals to anyone who moved it out). A folder already there is
    left as it is."""
    missing: list[Path] = []
    while not path.exists() and path.parent != path:
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)


def write_private(path: Path, text: str) -> Path:
    """Write `text` to a file only the user can read (mode 0600)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
    return path


# --- import ------------------------------------------------------------------------------------


IMPORT_BATCH = 500
"""Documents stored per local transaction during an import (each batch: one hand-off)."""


async def restore(
    source: Archives,
    archive: Archive,
    progress: ImportProgress | None = None,
    care: CareImport | None = None,
    *,
    guarded: bool = False,
    into: str | None = None,
    fold: bool = False,
) -> ImportReport:
    """Import `archive` (and `care`) as `Archives.import_json` says: `into` the journal the
    user named (`fold`: even when that folds a journal of the file of another name into one
    someone else reads, `refuse_fold`); else, `guarded` (a file of our own format), into journals this import makes
    (`new_targets`); else (a file of another app) into the journal of the name the user gave
    (`named_targets`). An item this account holds already (`Holdings`) is skipped."""
    report = ImportReport()
    now = now_ms()
    care = care or CareImport()
    context = source.context
    check_sizes(archive, context.profile.account_id, now)  # before anything is written
    await context.replica.load_access()  # which journals are copies: from their chains
    holdings = await Holdings.read(source, {j.id for j in archive.journals})
    if into is not None:
        targets = await chosen_target(context, archive, report, into)
        if not fold and targets:
            chosen = next(iter(targets.values()))
            readers_there = journal_readers(context, bytes.fromhex(chosen))
            refuse_fold(archive, care, holdings, report, now, readers_there, chosen)
    elif guarded:
        await keep_plans(source, archive, care, holdings)
        targets = await new_targets(source, archive, care, holdings, report, now)
    else:
        targets = await named_targets(source, archive, report)
    journals = await context.store.journals()
    local = {j.journal_id.hex(): j for j in journals}
    total = len(archive.entries) + len(archive.goals) + len(archive.notes) + len(care.results)
    done = 0
    batch: list[tuple[Document, Item]] = []
    batch_target = ""

    async def flush() -> None:
        """Store the batch in one transaction, then report its items done."""
        journal = local[batch_target]
        await context.replica.commit_new(journal, [(d, d.state()) for d, _ in batch])
        for document, item in batch:
            await context.sharing.mirror(journal, document, journals=journals)
            mapping(report, item)[item.id] = document.doc_id.hex()
            if isinstance(item, ArchivedGoal):
                report.checkins += len(item.checkins)
        batch.clear()

    owned = {j.id for j in archive.journals if j.restorable}
    for item in archive.items():
        target = targets.get(item.journal_id)
        if item.journal_id not in owned:
            pass  # a journal shared with the exporter: skipped above
        elif isinstance(item, ArchivedNote) and item.by_therapist:
            report.skipped_notes += 1
        elif isinstance(item, ArchivedEntry) and trash_over(item, now):
            report.trash_expired += 1  # it would be deleted for good at once
        elif holdings.skips(identity(item), kind_name(item), report):
            pass  # held here already: counted where
        elif target is not None:  # None only for a journal all held here
            if batch and (target != batch_target or len(batch) >= IMPORT_BATCH):
                await flush()
                if progress is not None:
                    progress(done, total)
            batch_target = target
            batch.append((recreate(item, context.profile.account_id), item))
            if isinstance(item, ArchivedEntry) and item.trashed_at is not None:
                report.trashed += 1
            holdings.wrote(identity(item), kind_name(item), local[target].name, report)
            if into is not None:
                folded(report, archive, item.journal_id, kind_name(item))
        done += 1
        if progress is not None and not batch:
            progress(done, total)
    if batch:
        await flush()
        if progress is not None:
            progress(done, total)
    await restore_results(source, care.results, targets, holdings, report, (done, total, progress))
    if into is not None:
        for result in care.results:
            if result.id in report.results:
                folded(report, archive, result.journal_id, "results")
        report.folded_in = {  # in the file's order
            j.name: report.folded_in[j.name] for j in archive.journals if j.name in report.folded_in
        }
    shown = await source.care.safety.shown_plans() if care.plans else {}
    wrote: dict[str, str] = {}  # journal id here (hex) -> the file's journal name
    file_names = {j.id: j.name for j in archive.journals}
    for plan in care.plans:
        key = plan_identity(plan.parts())
        if holdings.skips(key, "safety_plans", report):
            continue
        if plan.journal_id in targets:
            written = len(report.safety_plans)
            await restore_plan(source, plan, targets[plan.journal_id], report)
            if len(report.safety_plans) > written:
                wrote[targets[plan.journal_id]] = file_names.get(plan.journal_id, "")
                holdings.wrote(key, "safety_plans", report.safety_plans[-1], report)
                if into is not None:
                    folded(report, archive, plan.journal_id, "safety_plans")
        elif (kept := holdings.kept.get(key)) is not None:
            name, member = kept
            if member is None:
                report.safety_plans_kept.append(name)
            else:
                report.crisis_lines_kept[name] = member
    if care.plans:
        await name_shown_plans(source, shown, wrote, report)
        await name_plans_alone(source, wrote, report)
    for journal_id, reached in care.opt_ins:
        if journal_id in targets:
            named = file_names.get(journal_id, "")
            await tell_opt_in(source, targets[journal_id], reached, report, named)
    if report.flags_not_carried:
        await tell_flags_default(source, report)
    if into is None:  # after the care records (it refuses writes); the user's choice kept
        await rearchive(source, archive, targets, report)
    if into is None and guarded:  # every target is a journal this import made
        await tell_default(source, archive, care, targets, report)
    if into is not None or guarded:
        await name_old_copies(source, archive, targets, holdings, report)
    return report


async def name_old_copies(
    source: Archives,
    archive: Archive,
    targets: dict[str, str],
    holdings: Holdings,
    report: ImportReport,
) -> None:
    """Name in `report.old_copies` each read-only copy on this device of a journal of the
    file (the same id: the account's own journal gone from the server) that this import
    restored into a live journal (`targets`), or that an earlier import restored (the file's
    items of that journal held in a live journal already, none written now: `held_in_live`,
    "restored_now" False), with how many of its items no live journal holds now (`holdings`, the
    import's writes included): lists show the rest twice until the user deletes the copy,
    which the summary names with the command."""
    context = source.context
    local = {j.journal_id.hex(): j for j in await context.store.journals()}
    into = {
        j.id: local[targets[j.id]].name
        for j in archive.journals
        if j.restorable and j.id in targets
    }
    earlier = {
        j.id: held
        for j in archive.journals
        if j.restorable and j.id not in targets and (held := held_in_live(archive, j.id, holdings))
    }
    restored = {**into, **earlier}
    if not restored:
        return
    me = context.profile.username
    trashed = await source.entries.trashed_in_copies()
    for journal in await source.journals.list():
        if not (journal.own and journal.read_only_copy and journal.id in restored):
            continue
        keys = [identity(ArchivedEntry.of(e)) for e in await source.entries.list(journal.id)]
        keys += [identity(ArchivedEntry.of(e)) for e in trashed if e.journal_id == journal.id]
        keys += [identity(ArchivedGoal.of(g)) for g in await source.goals.list(journal.id)]
        keys += [
            (n.kind, to_ms(n.created_at), n.text)
            for n in await source.notes.list(journal.id)
            if n.author == me
        ]
        keys += [
            result_identity(r.measure, r.taken_at, r.answers, r.unscored)
            for r in await source.care.measures.list(journal.id)
        ]
        report.old_copies.append(
            {
                "journal": journal.name,
                "journal_id": journal.id,
                "restored_into": restored[journal.id],
                "restored_now": journal.id in into,
                "not_restored": sum(1 for key in keys if key not in holdings.held),
            }
        )


def held_in_live(archive: Archive, journal_id: str, holdings: Holdings) -> str | None:
    """The name of the live journal here that holds the most of the items of the file's
    journal `journal_id` (`holdings.held`: a re-import found them all there, so wrote none;
    the first such journal in the file's order on a tie), None when none of them is held in
    one (or the journal holds no item). Pure."""
    counts: dict[str, int] = {}
    for item in archive.items():
        if item.journal_id == journal_id:
            held = holdings.held.get(identity(item))
            if held is not None:
                counts[held] = counts.get(held, 0) + 1
    return max(counts, key=lambda name: counts[name]) if counts else None


FOLD_SHARED = "fold into shared"
"""`TJError.subject` of the InvalidInput refusing an import into a journal the user named
that someone else reads when it would fold into it a journal of the file of another name
(`Archives.import_json`, `fold_into_shared`)."""


KIND_NAMES = {
    "entries": ("entry", "entries"),
    "goals": ("goal", "goals"),
    "notes": ("note", "notes"),
    "results": ("questionnaire result", "questionnaire results"),
    "safety_plans": ("safety plan", "safety plans"),
}
"""The words of each kind of `ImportReport.already_here`, singular and plural."""


def kinds_words(counts: dict[str, int]) -> str:
    """ "2 entries and 1 questionnaire result": `counts` (kinds as KIND_NAMES) in words."""
    said = []
    for kind, (one, many) in KIND_NAMES.items():
        if counts.get(kind):
            said.append(f"{counts[kind]} {one if counts[kind] == 1 else many}")
    return and_words(said)


def folded(report: ImportReport, archive: Archive, journal_id: str, kind: str) -> None:
    """Count one item of `kind` of the file's journal `journal_id` written into `into`."""
    name = next(j.name for j in archive.journals if j.id == journal_id)
    counts = report.folded_in.setdefault(name, {})
    counts[kind] = counts.get(kind, 0) + 1


def refuse_fold(
    archive: Archive,
    care: CareImport,
    holdings: Holdings,
    report: ImportReport,
    now: int,
    into_readers: list[JournalReader],
    into_id: str,
) -> None:
    """Raise ReadersToConfirm (subject FOLD_SHARED), before anything is written, when `into`
    (`report.into`, id `into_id`, hex) is read by someone else (`into_readers`, as
    `report.into_readers` names them) and a journal of the
    file of another name holds something this account does not hold yet (`holdings`): it
    would be folded into `into`, readable by them. The file does not say who read its
    journals, so any one of another name counts (one named like `into` is what the user
    restores there)."""
    if not report.into_readers:
        return
    into = (report.into or "").casefold()
    others = {j.id: j.name for j in archive.journals if j.restorable and j.name.casefold() != into}
    pending: dict[str, dict[str, int]] = {}
    new = [
        (identity(i), i.journal_id, kind_name(i))
        for i in archive.items()
        if importable_item(i, now)
    ]
    new += [(r.identity(), r.journal_id, "results") for r in care.results]
    new += [(plan_identity(p.parts()), p.journal_id, "safety_plans") for p in care.plans]
    for key, journal_id, kind in new:
        if journal_id in others and key not in holdings.held:
            counts = pending.setdefault(others[journal_id], {})
            counts[kind] = counts.get(kind, 0) + 1
    if not pending:
        return
    names = [name for name in others.values() if name in pending]
    readers = and_words(report.into_readers)
    what = and_words([f"{quoted_name(name)} ({kinds_words(pending[name])})" for name in names])
    situation = (
        f"the file's {what} would go into {quoted_name(report.into or '')} with the rest of "
        f"the file, where {readers} {'reads' if len(report.into_readers) == 1 else 'read'} it"
    )
    raise ReadersToConfirm(
        f"{situation}: nothing was imported. Import without naming a journal to keep each of "
        "the file's journals apart (each in a new journal shared with no one), or confirm that "
        "you mean it",
        situation=situation,
        subject=FOLD_SHARED,
        journal=report.into or "",
        journal_id=into_id,
        readers=tuple(into_readers),
        folded=tuple(names),
        names={
            "journal": report.into or "",
            "readers": ", ".join(report.into_readers),
            "folded": "\t".join(names),
        },
    )


async def tell_default(
    source: Archives,
    archive: Archive,
    care: CareImport,
    targets: dict[str, str],
    report: ImportReport,
) -> None:
    """Name in `report.care_apart` the journals this import made (`targets`, the journals
    `new_targets` made) that received questionnaire
    results or a safety plan, with this account's default journal (`report.default_journal`,
    `report.default_readers`), where new results go: it does not hold them, so a new result
    there would show no previous score, change nor baseline from them unless the user keeps
    them together (`ImportReport.care_apart`). Only a journal of the file that bears the
    default journal's name (the file's "Personal" put into "Personal (imported)") is its
    history: a restored "Dreams" is another journal's, and the default journal keeps its own
    (NU72 F3). Nothing when this device has no default journal, or when it is one that
    received them."""
    context = source.context
    journals = await context.store.journals()
    local = {j.journal_id.hex(): j for j in journals}
    try:
        default = await context.default_journal(journals)
    except TJError:  # none here: nothing to keep together with
        return
    named = {j.id for j in archive.journals if j.name.casefold() == default.name.casefold()}
    received = [
        targets[r.journal_id]
        for r in care.results
        if r.id in report.results and r.journal_id in named
    ]
    received += [
        targets[p.journal_id]
        for p in care.plans
        if p.journal_id in targets
        and p.journal_id in named
        and local[targets[p.journal_id]].name in report.safety_plans
    ]
    names = [local[i].name for i in dict.fromkeys(received)]
    if not names:
        return
    if default.journal_id.hex() in received:
        return
    report.care_apart = names
    report.default_journal = default.name
    report.default_readers = reader_names(journal_readers(context, default.journal_id))
    report.default_result_readers = result_readers(context, default.journal_id, journals)
    reach = await source.care.safety.flags_reach(default.journal_id.hex())
    report.default_flag_readers = sorted(name for name, how in reach.items() if how == "on")


def result_readers(context: Context, journal_id: bytes, journals: list[LocalJournal]) -> list[str]:
    """Those of `journal_readers` a questionnaire result written in the journal next
    reaches: its members (`readers.journal_readers`, as for what is written next: one whose
    signed end date passed receives nothing written from now on), and the accounts of its
    field-level shares in force whose copy's owner-sealed settings carry scores or answers
    (a share whose copy this device cannot open or does not hold counts: fail closed).
    Usernames, sorted, each once."""
    replica = context.replica
    me = context.profile.account_id.hex()
    state = replica.chains.state(journal_id)
    viewer = context.profile.account_id
    found = chain_readers(state, now_ms(), ended=False, viewer=viewer)
    members = [r for r in found if r.role != FIELDS]
    names = set(reader_names(members, besides=me))
    held = {j.journal_id: j for j in journals}
    for limited in field_shares_in_force(state):
        copy = held.get(limited.mirror) if limited.mirror is not None else None
        settings = replica.disclosure_settings(copy) if copy is not None else None
        fields = settings.fields if settings is not None else None
        if fields is None or SCORES in fields or ANSWERS in fields:
            names.add(limited.who.username if limited.who is not None else UNKNOWN_READER)
    return sorted(names)


def journal_readers(context: Context, journal_id: bytes) -> list[JournalReader]:
    """Who reads what an import writes next into the journal `journal_id` of this account
    besides its owner, by its access chain verified on this device, never a server answer
    (`readers.journal_readers` with `ended=False`: its members, but one whose signed end
    date passed, who receives nothing written from now on, and the accounts of its
    field-level shares in force; one this device cannot name as "an account")."""
    viewer = context.profile.account_id
    state = context.replica.chains.state(journal_id)
    found = chain_readers(state, now_ms(), ended=False, viewer=viewer)
    return [r for r in found if r.account_id != viewer.hex()]


@dataclass
class Holdings:
    """What this account holds already, by identity (`identity`, `result_identity`,
    `plan_identity`: ids differ across imports), each with the name of a journal here that
    holds it: every live journal of the account's own readable here (archived and in the
    trash too), but the copies it keeps only to share with a member (their items are copies
    of those of another journal), and the notes a member wrote (one with the text and time
    of the owner's never stands for hers). An item held only in a read-only copy of a journal gone
    from the server (deleted on another device, or withheld) is not held (`copied`): that
    copy takes no writes, shares nor syncs, so a restore writes it again into a live
    journal and says where else it is (`ImportReport.also_in`; the copy of a journal the
    file itself holds, which is what an import of that file restores, is not named there:
    `ImportReport.old_copies` names it once restored). What
    a server withholds from this device is not held here either: the import then writes it
    again into a journal it makes (a duplicate, never a disclosure)."""

    held: dict[tuple[Any, ...], str] = field(default_factory=dict)
    kept: dict[tuple[Any, ...], tuple[str, str | None]] = field(default_factory=dict)
    """The file's safety plans (`plan_identity`) not held here that an import keeps out of the
    journal of their file journal's name (`keep_plans`), with that journal's name here and,
    when a member's crisis line in force there is all that differs, that member's username:
    such a plan alone makes no journal (`new_targets`)."""
    copied: dict[tuple[Any, ...], str] = field(default_factory=dict)
    """Items held only in read-only copies, with the name of one ("NAME (read-only copy)")."""

    @classmethod
    async def read(cls, source: Archives, file_ids: set[str]) -> Holdings:
        found = cls()
        journals = [
            j
            for j in await source.journals.list()
            if j.own and j.helper is None and not (j.read_only_copy and j.id in file_ids)
        ]
        names = {j.id: held_name(j) for j in journals}
        copies = {j.id for j in journals if j.read_only_copy}
        trashed = await source.entries.trash() + await source.entries.trashed_in_copies()
        for entry in trashed:
            if entry.journal_id in names:
                key = identity(ArchivedEntry.of(entry))
                copy = entry.journal_id in copies
                found.note(key, names[entry.journal_id], copy)
                if not copy:
                    found.in_trash.add(key)
        me = source.context.profile.username
        for journal in journals:
            name, copy = names[journal.id], journal.id in copies
            for entry in await source.entries.list(journal.id):
                found.note(identity(ArchivedEntry.of(entry)), name, copy)
            for goal in await source.goals.list(journal.id):
                found.note(identity(ArchivedGoal.of(goal)), name, copy)
            for note in await source.notes.list(journal.id):
                if note.author != me:  # a member's note is never the owner's, whatever its text
                    continue
                found.note((note.kind, to_ms(note.created_at), note.text), name, copy)
            for result in await source.care.measures.list(journal.id):
                key = result_identity(
                    result.measure, result.taken_at, result.answers, result.unscored
                )
                found.note(key, name, copy)
            plan = await source.care.safety.plan(journal.id)
            if plan.emergency_number or plan.crisis_line or plan.plan.strip():
                parts = (plan.emergency_number, plan.crisis_line, plan.plan)
                found.note(plan_identity(parts), name, copy)
        return found

    in_trash: set[tuple[Any, ...]] = field(default_factory=set)
    """The entries (`identity`) held only in the trash of a journal here (its name `held`)."""

    def note(self, key: tuple[Any, ...], journal: str, copy: bool) -> None:
        """Record `key` as held in `journal` (only copied there when `copy`)."""
        if copy:
            self.copied.setdefault(key, journal)
        else:
            self.add(key, journal)

    def add(self, key: tuple[Any, ...], journal: str) -> None:
        if key not in self.held:
            self.held[key] = journal
        elif key in self.in_trash:  # live here too: said where it shows
            self.held[key] = journal
            self.in_trash.discard(key)

    def wrote(self, key: tuple[Any, ...], kind: str, journal: str, report: ImportReport) -> None:
        """Record `key` as held in `journal`, where the import wrote it; counted in
        `report.also_in` when a read-only copy holds it too."""
        self.add(key, journal)
        copy = self.copied.pop(key, None)
        if copy is not None:
            counts = report.also_in.setdefault(copy, {})
            counts[kind] = counts.get(kind, 0) + 1

    def skips(self, key: tuple[Any, ...], kind: str, report: ImportReport) -> bool:
        """Whether the item of `key` is held here: then counted in `report` (`duplicates`,
        `already_here`, `held_in`)."""
        where = self.held.get(key)
        if where is None:
            return False
        report.duplicates += 1
        report.already_here[kind] = report.already_here.get(kind, 0) + 1
        places = report.held_in_trash if key in self.in_trash else report.held_in
        counts = places.setdefault(where, {})
        counts[kind] = counts.get(kind, 0) + 1
        return True


def held_name(journal: Journal) -> str:
    """How the report names a journal holding an item: its name, with "(read-only copy)"
    after it for the copy of one gone from the server (a live journal may bear its name)."""
    return f"{journal.name} {READ_ONLY_COPY}" if journal.read_only_copy else journal.name


def plan_identity(parts: tuple[str | None, str | None, str]) -> tuple[Any, ...]:
    """What makes two safety plans the same: their emergency number, crisis line and text."""
    return ("safety_plan", *parts)


def importable_item(item: Item, now: int) -> bool:
    """Whether an import writes `item` anywhere: not a therapist's note (not the exporter's to
    give away), nor an entry in the trash for TRASH_DAYS or more."""
    if isinstance(item, ArchivedNote) and item.by_therapist:
        return False
    return not (isinstance(item, ArchivedEntry) and trash_over(item, now))


async def restore_results(
    source: Archives,
    results: tuple[ImportedResult, ...],
    targets: dict[str, str],
    holdings: Holdings,
    report: ImportReport,
    counted: tuple[int, int, ImportProgress | None],
) -> None:
    """Write the exporter's own results (care_import.py) as new results of the journals that
    receive theirs, with their answers and `taken_at`, scored by the SDK (`new_result_update`,
    as `Measures.take`); one this account holds already (same measure, time and answers:
    `ImportedResult.identity`, `Holdings`) is counted as a duplicate. No safety flag is
    raised: the answer was given before, in another account (its flags stay in the file)."""
    done, total, progress = counted
    if not results:
        return
    journals = await source.context.store.journals()
    local = {j.journal_id.hex(): j for j in journals}
    creator, now = source.context.profile.account_id, now_ms()
    batches: dict[str, list[tuple[Document, ImportedResult]]] = {}
    for result in results:
        if holdings.skips(result.identity(), "results", report):
            continue
        target = targets.get(result.journal_id)
        if target is None:
            continue
        holdings.wrote(result.identity(), "results", local[target].name, report)
        document = Document(keys.new_doc_id(creator), MEASURE)
        new_result_update(
            document,
            result.instrument,
            result.answers,
            now,
            unscored=result.unscored,
            taken_at_ms=to_ms(result.taken_at),
            earlier=True,
        )
        batches.setdefault(target, []).append((document, result))
    for target, batch in batches.items():
        for start in range(0, len(batch), IMPORT_BATCH):
            part = batch[start : start + IMPORT_BATCH]
            journal = local[target]
            await source.context.replica.commit_new(journal, [(d, d.state()) for d, _ in part])
            for document, result in part:
                await source.context.sharing.mirror(journal, document, journals=journals)
                report.results[result.id] = document.doc_id.hex()
    if progress is not None:
        progress(done + len(results), total)


async def restore_plan(
    source: Archives, plan: ImportedPlan, target: str, report: ImportReport
) -> None:
    """Write the own parts of the exporter's safety plan (care_import.py) into `target`'s
    plan when its owner has written none of them (`SafetyPath._import_plan`: a new version
    marked `imported`, which another journal's safety message borrows only when the account
    wrote no plan by hand, and whose crisis line a member's outranks there; the opt-in to
    safety flags left as it is); count it as already here when they are the same,
    and name the journal in `report.safety_plans_kept` when they differ: the plan there is
    never overwritten. A crisis line a member (a therapist) set, in force there, is never
    replaced by the file's: the file's crisis line is left out and the journal named in
    `report.crisis_lines_kept` (REV-S10 S10-3: the owner's own line takes precedence, so
    writing it put the file's number in the safety message in place of the therapist's)."""
    held = await source.care.safety.plan(target)
    name = held.journal
    member = held.crisis_line_set_by if not held.crisis_line else None
    parts = plan.parts()
    if member is not None and plan.crisis_line is not None:
        parts = (plan.emergency_number, None, plan.plan)  # theirs stays in force
        if plan.crisis_line != held.crisis_line_in_use:
            report.crisis_lines_kept[name] = member
    if not (parts[0] or parts[1] or parts[2].strip()):
        return  # only a crisis line, and a member's is in force: nothing else to write
    if (held.emergency_number, held.crisis_line, held.plan) == parts:
        report.duplicates += 1
        report.already_here["safety_plans"] = report.already_here.get("safety_plans", 0) + 1
    elif held.emergency_number or held.crisis_line or held.plan.strip():
        report.safety_plans_kept.append(name)
        report.crisis_lines_kept.pop(name, None)  # the plan written here is kept whole
    else:
        await source.care.safety._import_plan(target, *parts)  # marked `imported`
        report.safety_plans.append(name)


async def keep_plans(
    source: Archives, archive: Archive, care: CareImport, holdings: Holdings
) -> None:
    """Note in `holdings.kept` each plan of the file this account does not hold (`Holdings`)
    that an earlier import, or the user, kept out of the own journal of its file journal's
    name: that journal's owner wrote a plan of their own there (never overwritten,
    `restore_plan`), or a member's crisis line in force there is all that differs. Such a plan
    does not make the file journal new (`new_targets`): importing a file twice adds nothing;
    the import says it is kept (`ImportReport.safety_plans_kept`, `crisis_lines_kept`)."""
    names = {j.id: j.name.casefold() for j in archive.journals}
    me = source.context.profile.account_id
    own = {
        j.name.casefold(): j
        for j in await source.context.store.journals()
        if j.owner_id == me and j.role == "owner"
    }
    for plan in care.plans:
        key = plan_identity(plan.parts())
        local = own.get(names.get(plan.journal_id, ""))
        if key in holdings.held or local is None:
            continue
        held = await source.care.safety.plan(local.journal_id.hex())
        if (
            held.crisis_line is None
            and held.crisis_line_set_by is not None
            and (held.emergency_number, held.plan) == (plan.emergency_number, plan.plan)
        ):
            holdings.kept[key] = (held.journal, held.crisis_line_set_by)
        elif held.emergency_number or held.crisis_line or held.plan.strip():
            holdings.kept[key] = (held.journal, None)


async def name_shown_plans(
    source: Archives,
    before: dict[str, tuple[str | None, str | None, tuple[str, str] | None]],
    wrote: dict[str, str],
    report: ImportReport,
) -> None:
    """Name every journal of this account whose safety message shows now, by the rule the
    message follows (`SafetyPath.shown_plans`), what it did not `before` the import wrote
    its plans (`wrote`: the journals here, by id hex, that received one -> the name of the
    file's journal it came from): another emergency number or crisis line, with the one it
    shows now (`report.emergency_numbers_imported`, `crisis_lines_imported`); a plan the
    import wrote (`plans_shown`: a journal without a plan of its own shows the default
    journal's, and no other's, so a plan written into the default journal, be it text alone,
    reaches their messages too); and a number or line it no longer shows
    (`no_longer_shown`)."""
    for name, (number, line, holder) in (await source.care.safety.shown_plans()).items():
        was = before.get(name, (None, None, None))
        if number and number != was[0]:
            report.emergency_numbers_imported[name] = number
        if line and line != was[1]:
            report.crisis_lines_imported[name] = line
        if holder is not None and holder[0] in wrote and holder != was[2] and holder[1] != name:
            report.plans_shown[name] = {"journal": holder[1], "file_journal": wrote[holder[0]]}
        gone = {
            key: value
            for key, value, now in (
                ("emergency_number", was[0], number),
                ("crisis_line", was[1], line),
            )
            if value and value != now
        }
        if gone and name not in report.created_journals:  # one it made showed nothing before
            report.no_longer_shown[name] = gone


async def name_plans_alone(source: Archives, wrote: dict[str, str], report: ImportReport) -> None:
    """Name in `report.plans_alone` each journal this import wrote a plan into (`wrote`:
    id hex -> the file's journal name) that is not the default journal, whose plan alone
    other journals borrow (`SafetyPath.plan_source`: the one chosen here, else the
    sign-up's by its derived id, or its read-only copy), with the default journal's name
    here, None when it is not here as a journal that takes writes."""
    if not wrote:
        return
    default = await source.care.safety.plan_source()
    default_id = default.journal_id if default is not None else ""
    into = default.journal if default is not None and not default.read_only_copy else None
    names = {j.journal_id.hex(): j.name for j in await source.context.store.journals()}
    for journal_id in wrote:
        if journal_id != default_id:
            report.plans_alone[names[journal_id]] = into


async def tell_opt_in(
    source: Archives,
    target: str,
    reached: tuple[str, ...],
    report: ImportReport,
    file_name: str = "",
) -> None:
    """Name `target` in `report.flags_not_carried` (and count it in `left_out`) when the
    file's opt-in to safety flags, which is never imported, reached members (`reached`, the
    file's `flags_reach`) whom flags do not reach from this account's plan there, or when
    that plan has no opt-in at all (NU49 F2); with the file's name of it (`file_name`) in
    `report.flags_file_journals` (nu76 F1)."""
    held = await source.care.safety.plan(target)
    here = set(held.flags_reach or ()) if held.share_flags else set()
    missing = [name for name in reached if name not in here]
    if missing or not held.share_flags:
        report.flags_not_carried[held.journal] = missing
        report.flags_file_journals[held.journal] = file_name or held.journal
        count = report.left_out.get("safety_flags_opt_in", 0)
        report.left_out["safety_flags_opt_in"] = count + 1


async def tell_flags_default(source: Archives, report: ImportReport) -> None:
    """Name this account's default journal (`report.flags_default`), where a new
    questionnaire result and its safety flag go, and whom flags raised there reach now
    (`report.flags_default_reach`), beside the opt-ins the import did not carry over: opting
    in on the imported journal covers only results taken there (nu76 F1). Nothing when this
    device has no default journal."""
    context = source.context
    try:
        default = await context.default_journal(await context.store.journals())
    except TJError:  # none here
        return
    report.flags_default = default.name
    reach = await source.care.safety.flags_reach(default.journal_id.hex())
    report.flags_default_reach = sorted(name for name, how in reach.items() if how == "on")
    report.flags_default_readers = sorted(reach)  # every member it is shared with now


CHECKED_FROM = 64 * 1024
"""Bytes of text (UTF-8) from which an item's document is built ahead to measure it
(`check_sizes`); below, its state is far within one record."""


def check_sizes(archive: Archive, creator: bytes, now: int) -> None:
    """Raise InvalidInput, naming the item, when an item of `archive` that an import would
    write is too large to store as one record (`replica.snapshot_fits`: a text merged from
    several devices, up to MAX_MERGED_TEXT characters, can be): checked for the whole file
    before anything is written, so a refused file leaves nothing imported (R41 F3)."""
    owned = {j.id for j in archive.journals if j.restorable}
    for item in archive.items():
        if item.journal_id not in owned or isinstance(item, ArchivedNote) and item.by_therapist:
            continue
        if isinstance(item, ArchivedEntry) and trash_over(item, now):
            continue
        texts = [v for v in vars(item).values() if isinstance(v, str)]
        if sum(len(t.encode("utf-8", "surrogatepass")) for t in texts) < CHECKED_FROM:
            continue
        state = recreate(item, creator).state()
        if not snapshot_fits(state):
            title = getattr(item, "title", "")
            named = f"{kind_name(item)[:-1].replace('entrie', 'entry')} {item.id}"
            named += f" ({quoted_name(title)})" if title else ""
            raise InvalidInput(
                f"{named} of journal {quoted_name(item.journal)} holds {len(state) // 1024} KiB, more "
                f"than one record carries ({wire.MAX_RECORD_BYTES // 1024} KiB sealed), so "
                "nothing of the file was imported: shorten it in the file (or split its text "
                "into several entries) and import again",
                subject="too large",
            )


async def rearchive(
    source: Archives, archive: Archive, targets: dict[str, str], report: ImportReport
) -> None:
    """Archive again the journals that were archived when exported, once their content is in
    (an archived journal refuses new writes); offline, name them in `report.not_archived`."""
    current = {j.id: j for j in await source.journals.list()}
    for journal in archive.journals:
        target = targets.get(journal.id)
        if not journal.archived or target is None:
            continue
        if current[target].archived:  # archived already: nothing done, nothing said
            continue
        try:
            await source.journals.archive(target)
        except TJError:  # offline, or not yet on the server: the content is in all the same
            report.not_archived.append(current[target].name)
        else:
            report.archived.append(current[target].name)


async def new_targets(
    source: Archives,
    archive: Archive,
    care: CareImport,
    holdings: Holdings,
    report: ImportReport,
    now: int,
) -> dict[str, str]:
    """Archive journal id -> id of the journal this import makes for it, for each journal of
    the exporter's own (`ArchivedJournal.restorable`) holding an item this account does not
    hold yet (`holdings`) that `restore` writes there (an item two journals of the file hold
    goes into the first that `restore` writes it from: the other, holding nothing else new,
    is not made; a safety plan counts only while no live journal of the account holds a
    plan written, as the person's own plan is what their safety message shows), or holding none at all while no journal of this account bears its
    name (an empty journal is restored once). The journal is new (a new id, its access chain
    signed here: shared with no one, whatever a server answers), named "NAME" when no journal
    of this account held here bears that name, else "NAME (imported)", "NAME (imported 2)",
    ... (`report.imported_as`, `report.created_journals`), as for a name of 4 or more hex
    digits that starts the id of a journal on this device, which would name neither
    (`report.id_starts`; `Journals.create` refuses it). An existing journal never receives
    anything unless the user names it (`chosen_target`): no device can tell from a server
    answer that a journal's access chain has no newer share it withholds."""
    context = source.context
    me = context.profile.account_id
    taken = {j.name.casefold() for j in await context.store.journals() if j.owner_id == me}
    owned = {j.id for j in archive.journals if j.restorable}
    claimed: dict[tuple[Any, ...], str] = {}  # each new item, by the journal `restore` writes it
    wanted = [(identity(i), i.journal_id) for i in archive.items() if importable_item(i, now)]
    wanted += [(r.identity(), r.journal_id) for r in care.results]  # in the order it writes
    wanted += [(plan_identity(p.parts()), p.journal_id) for p in care.plans]
    for key, journal_id in wanted:  # a plan `keep_plans` keeps out makes none (`kept`)
        if journal_id in owned and key not in holdings.held and key not in holdings.kept:
            claimed.setdefault(key, journal_id)  # a later twin in another journal: held then
    receiving = set(claimed.values())
    fresh: list[ArchivedJournal] = []
    for journal in archive.journals:
        if not journal.restorable:
            report.skipped_journals.append(journal.name)
            continue
        new = journal.id in receiving
        empty = not any(j == journal.id for _, j in wanted) and not any(
            i.journal_id == journal.id for i in archive.items()
        )
        # an empty one is restored once: "NAME (imported)" for an id's start
        once = trimmed(journal.name)
        if any(is_id_prefix(once, j.journal_id) for j in await context.store.journals()):
            once = imported_name(once, lambda candidate: True)
        if new or (empty and once.casefold() not in taken):
            try:  # a name create refuses, refused before any journal is made
                check_name(journal.name)
            except InvalidInput as error:
                raise InvalidInput(  # the way out: an import names no journal's new name
                    f"the file's journal {quoted_name(journal.name)}: "
                    f"{error.situation or error}: nothing was imported; name one of your "
                    "journals to import the whole file into, or give that journal another "
                    "name in the file",
                    subject=BAD_VALUE,
                    names={"advice": NAME_A_JOURNAL, "journal": journal.name},
                ) from None
            fresh.append(journal)
    targets: dict[str, str] = {}
    ids = [j.journal_id for j in await context.store.journals()]  # hers and shared
    for journal in fresh:
        name = check_name(journal.name)  # as create makes it: " 5A2768" is "5A2768" (rev31d F4)
        starts = any(is_id_prefix(name, journal_id) for journal_id in ids)
        if starts or name.casefold() in taken:  # an id's start names neither (fix31e)
            name = imported_name(name, lambda candidate: candidate.casefold() not in taken)
            report.imported_as[journal.name] = name
            if starts:
                report.id_starts.append(journal.name)
        local = await context.replica.create_journal(name)
        ids.append(local.journal_id)
        taken.add(name.casefold())
        report.created_journals.append(local.name)
        targets[journal.id] = report.journals[journal.id] = local.journal_id.hex()
    return targets


def trimmed(name: str) -> str:
    """`name` as `check_name` makes it (trimmed, each run of whitespace one space), or as it
    is where `check_name` refuses it (the refusal comes later, naming it as the file does)."""
    try:
        return check_name(name)
    except InvalidInput:
        return name


async def named_targets(source: Archives, archive: Archive, report: ImportReport) -> dict[str, str]:
    """Archive journal id -> id of the journal of this account that receives a file of
    another app (Day One, Daylio): the journal of the name the user gave (the file's one
    journal), made when missing; never one it keeps only to share with a member
    (`Replica.is_disclosure`: a field-level copy, "Shared with NAME", a brief) nor a
    read-only copy, nor such a journal `Journals.create` hands back (made meanwhile on
    another device): then "NAME (imported)", ... (`report.imported_as`). An existing
    journal that receives it, one `Journals.create` hands back included (made meanwhile on
    another device, maybe shared there), is named with who reads it from its verified access
    chain (`report.into`, `into_readers`), never said new."""
    context = source.context
    mine: dict[str, tuple[str, bool]] = {}  # name (casefold) -> (id, whether to import into)
    for held in await context.store.journals():
        key = held.name.casefold()
        if held.owner_id == context.profile.account_id and not mine.get(key, ("", False))[1]:
            mine[key] = (held.journal_id.hex(), importable(context, held))
    targets: dict[str, str] = {}
    made: set[str] = set()  # the journals made here, by id
    for journal in archive.journals:
        name = journal.name
        while not (found := mine.get(name.casefold(), ("", False)))[1]:
            if found[0]:  # not one to import into: the next name free or importable
                name = imported_name(journal.name, lambda c: mine.get(c.casefold(), ("", True))[1])
                report.imported_as[journal.name] = name
                continue
            # a journal of that name made meanwhile on another device may come back: checked
            # again, and passed over as above when it is not one to import into
            created, made_here = await source.journals._create(name)
            now_held = {j.journal_id.hex(): j for j in await context.store.journals()}
            mine[name.casefold()] = (created.id, importable(context, now_held[created.id]))
            if mine[name.casefold()][1] and made_here:  # one handed back is said as existing
                report.created_journals.append(created.name)
                made.add(created.id)
        if found[0] not in made:  # an existing journal, by the name given: said with who reads it
            existing = bytes.fromhex(found[0])
            report.into = next(
                j.name for j in await context.store.journals() if j.journal_id == existing
            )
            report.into_readers = reader_names(journal_readers(context, existing))
        targets[journal.id] = report.journals[journal.id] = found[0]
    return targets


async def chosen_target(
    context: Context, archive: Archive, report: ImportReport, into: str
) -> dict[str, str]:
    """Every restorable journal of the file -> `into`, the journal of this account's the user
    named (by name or id): whoever reads it reads what the file holds, by the user's choice.
    Raises NotFound for an unknown journal, InvalidInput for one not to import into (not this
    account's, a read-only copy, or one kept only to share with a member)."""
    local = await context.local_journal(into, refuse_brief=True, strict=True)
    if local.owner_id != context.profile.account_id or not importable(context, local):
        raise InvalidInput(
            f"{quoted_name(context.display(local))} is not a journal to import into: name one "
            "of your own journals (not a read-only copy, nor one kept only to share with a "
            "member)",
            subject=BAD_VALUE,
        )
    targets: dict[str, str] = {}
    for journal in archive.journals:
        if not journal.restorable:
            report.skipped_journals.append(journal.name)
            continue
        targets[journal.id] = report.journals[journal.id] = local.journal_id.hex()
    report.into = local.name
    report.into_readers = reader_names(journal_readers(context, local.journal_id))
    return targets


def importable(context: Context, held: LocalJournal) -> bool:
    """Whether an import may write into `held`, one of this account's journals: not one it
    keeps only to share with a member (`Replica.is_disclosure`), nor a read-only copy."""
    return held.role == "owner" and not context.replica.is_disclosure(held)


def imported_name(name: str, free: Callable[[str], bool]) -> str:
    """The name of the journal that receives a file's journal `name` when that name is not
    one to import into: "NAME (imported)", "NAME (imported 2)", ..., the first that `free`
    accepts, NAME shortened to fit MAX_JOURNAL_NAME."""
    number = 1
    while True:
        suffix = " (imported)" if number == 1 else f" (imported {number})"
        candidate = name[: MAX_JOURNAL_NAME - len(suffix)].rstrip() + suffix
        if free(candidate):
            return candidate
        number += 1


def trash_over(entry: ArchivedEntry, now: int) -> bool:
    """Whether an exported entry was in the trash TRASH_DAYS days ago or more: the trash
    would delete it for good at once, so an import leaves it out."""
    return entry.trashed_at is not None and now - to_ms(entry.trashed_at) >= TRASH_MS


def identity(item: Item) -> tuple[Any, ...]:
    """What makes two items the same for duplicate detection (ids differ across imports)."""
    if isinstance(item, ArchivedEntry):
        return ("entry", to_ms(item.created_at), item.title, item.body)
    if isinstance(item, ArchivedGoal):
        return ("goal", to_ms(item.created_at), item.title.strip())
    return (item.kind, to_ms(item.created_at), item.text)


def kind_name(item: Item) -> str:
    """The report's name for the item's kind: "entries", "goals" or "notes"."""
    if isinstance(item, ArchivedEntry):
        return "entries"
    return "goals" if isinstance(item, ArchivedGoal) else "notes"


def mapping(report: ImportReport, item: Item) -> dict[str, str]:
    if isinstance(item, ArchivedEntry):
        return report.entries
    if isinstance(item, ArchivedGoal):
        return report.goals
    return report.notes


def recreate(item: Item, creator: bytes) -> Document:
    """A new document holding the item, to commit as one record (its state), under a new id
    that names `creator`, the importing account (keys.new_doc_id, protocol.md 4.15)."""
    doc_id = keys.new_doc_id(creator)
    if isinstance(item, ArchivedEntry):
        return entry_document(doc_id, item)
    if isinstance(item, ArchivedGoal):
        return goal_document(doc_id, item)
    document = Document(doc_id, item.kind)
    document.change(fields={"created_at": to_ms(item.created_at)}, texts={"body": item.text})
    return document


def entry_document(doc_id: bytes, entry: ArchivedEntry) -> Document:
    fields: dict[str, Any] = {
        "title": entry.title,
        "mood": entry.mood,
        "tags": list(entry.tags),
        "created_at": to_ms(entry.created_at),
        "updated_at": to_ms(entry.updated_at),
        "deleted": False,
    }
    if entry.emotions:
        fields["emotions"] = list(entry.emotions)
    if entry.prompt_id is not None:
        fields["prompt_id"] = entry.prompt_id
    if entry.utc_offset is not None:
        fields["utc_offset"] = entry.utc_offset
    if entry.trashed_at is not None:
        fields["trashed_at"] = to_ms(entry.trashed_at)  # back in the trash, its clock kept
    document = Document(doc_id, ENTRY)
    updated_at = fields["updated_at"]
    if updated_at != fields["created_at"]:  # maybe edited before: written as a change after
        fields["updated_at"] = fields["created_at"]  # the creation, so `Entry.changed` is True
    document.change(fields=fields, texts={"body": entry.body})
    if updated_at != fields["updated_at"]:
        document.change(fields={"updated_at": updated_at})
    return document


def goal_document(doc_id: bytes, goal: ArchivedGoal) -> Document:
    document = Document(doc_id, GOAL)
    measure = Measure.parse(goal.measure) if goal.measure is not None else None
    new_goal_update(
        document,
        goal.title,
        to_ms(goal.created_at),
        why=goal.why,
        target=goal.target,
        measure=measure,
    )
    for checkin in goal.checkins:
        value = {
            "id": checkin.id,
            "at": to_ms(checkin.at),
            "progress": checkin.progress,
            "note": checkin.note,
        }
        document.change(pushes={"checkins": value})
    document.change(
        fields={
            "done": goal.done,
            "done_at": to_ms(goal.done_at) if goal.done_at else None,
            "updated_at": to_ms(goal.updated_at),
        }
    )
    return document
