"""`tj measure`: standard questionnaires (PHQ-9, GAD-7, PCL-5) between sessions.

Every command is one SDK call on `client.measures` (client_sdk/measures.py); scoring lives in
client_sdk/scoring.py. Taking a PHQ-9 whose item 9 is answered above 0 shows the safety
message on this device at once (cli/safety.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import faulthandler
import json
import os
import re
import select
import signal
import sys
import tempfile
import threading
from collections.abc import Awaitable, Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from string import hexdigits
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn

import click
from click import termui
from rich.table import Table

from cli import output, piped
from cli.dates import MOMENT
from cli.homes import profile_words
from cli.main import (
    INTERRUPTED_EXIT,
    PLAIN_NAME,
    SECRET_WAITS,
    Home,
    cli,
    found_after_sync,
    journal_filter_option,
    journal_option,
    json_option,
    pass_home,
    quick_sync,
    sync_note,
    then_sync,
)
from cli.paging import check_paging, filter_words, newest_options, shown_count, tell_cut
from cli.safety import (
    cli_hints,
    default_hints,
    plan_words,
    safety_message_json,
    show_safety_message,
    unread_safety_message,
)
from cli.sharing import (
    again_option,
    confirm_fingerprint,
    fingerprint_option,
    items_shared,
    pinned_on_first_use,
    pinned_unverified_text,
    share_item,
)
from cli.tables import DATE, FIXED, ID, NAME, Column, fitted
from cli.terminal import Failed as SaidFailure
from cli.terminal import shell_join
from client_sdk.care_terms import SAFETY_UNKNOWN, SAFETY_UNKNOWN_LINE
from client_sdk.models import json_time

if TYPE_CHECKING:
    from client_sdk import (
        Client,
        HeldBack,
        Instrument,
        InvalidResult,
        Journal,
        MeasureResult,
        Recipient,
        ScoreChange,
        ScoreDifference,
        ShareInfo,
        Taken,
    )


@cli.group()
def measure() -> None:
    """Standard questionnaires: take one, see your scores and how they changed.

    Shipped: PHQ-9 (depression), GAD-7 (anxiety), PCL-5 (post-traumatic stress). Scores
    are computed on this device; results sync and share like entries.

    \b
    Examples:
      tj measure take phq9
      tj measure take gad7 --answers 1,2,1,0,1,1,0 --json
      tj measure list --measure phq9
      tj measure show 3fa9c2
    """


def parse_answers(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> list[int] | None:
    if value is None:
        return None
    parts = [part for part in value.replace(" ", "").split(",") if part != ""]
    if not all(ASCII_NUMBER.fullmatch(part) for part in parts):  # "٣" is no answer (F8)
        raise click.BadParameter("answers are whole numbers separated by commas")
    return [int(part) for part in parts]


def parse_result_id(value: str | None) -> str | None:
    """`--result-id ID`: a result's full id, 32 hex digits (as a failed save prints it)."""
    if value is None:
        return None
    if not _hex_id(value.strip().lower()):
        raise click.BadParameter(
            f"{output.quoted(value)} is not a result id: 32 hex digits, as the failed save "
            "printed them"
        )
    return value.strip().lower()


def kept_drafts(home: Home) -> list[tuple[Path, str, int | None]]:
    """The answers a failed save kept in the profile's drafts folder (`keep_answers`): each
    draft's path, its measure's id ("MEASURE" when it cannot be read) and the safety item it
    answers above 0 (None: none, or it cannot be read)."""
    from cli import editor
    from client_sdk.scoring import builtin_instruments

    found: list[tuple[Path, str, int | None]] = []
    for path in editor.drafts_kept(home.path):
        if not path.name.endswith(editor.ANSWERS_SUFFIX):
            continue
        measure = "MEASURE"
        concern: int | None = None
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError, IndexError):
            fields = json.loads(path.read_text(encoding="utf-8"))
            named = fields["measure"]
            measure = named if named in builtin_instruments() else measure
            answers = fields["answers"]
            for n in builtin_instruments()[named].safety_items:
                if type(answers[n - 1]) is int and answers[n - 1] > 0:
                    concern = n
                    break
        found.append((path, measure, concern))
    return found


async def unknown_journal_refused(
    client: Client, home: Home, chosen: Instrument, draft: Path
) -> NoReturn:
    """`tj measure take --draft FILE` without --journal, for answers kept with no journal
    (`KeptAnswers.no_default`: this device had no default journal to write in when they
    were given, e.g. deleted on another device): raises Failed (subject "draft
    journal", as `tj write --draft` for a draft written for another journal), naming the
    default journal they would go into and who reads it there, by this device's verified
    access chain (`client.journals.readers`), and the command that saves them there all the
    same: nothing is saved (NU75 F9: answers, a safety flag with them, went into a journal a
    therapist reads, unnamed)."""
    target = await client.journals.get(None)
    readers = await client.journals.readers(target.id)
    read_by = f"read by {output.and_words(readers)}" if readers else "read by no one else"
    there = [*profile_words(home.path), "measure", "take", chosen.id, "--draft", str(draft)]
    there += ["--journal", output.journal_word(target.name, target.id)]
    raise SaidFailure(
        f"{output.path_word(draft)} holds answers kept when no journal could be found for them: "
        f"without --journal they would go into your default journal "
        f"{output.quoted(target.name)}, {read_by}, so nothing was saved; to save them there "
        f"all the same, {output.command(there)} (or name another journal with --journal)",
        "draft journal",
    )


def draft_saves(home: Home, path: Path, measure: str) -> str:
    """The command saving the kept draft at `path` of `measure`."""
    return output.command(
        [*profile_words(home.path), "measure", "take", measure, "--draft", str(path)]
    )


def owed_flag_words(concern: int) -> str:
    """What a kept draft answering the safety item `concern` above 0 holds: a flag only its
    save sends."""
    return (
        f"They answer item {concern} above 0: saving them sends the safety flag they owe (if "
        "you chose to send safety flags); nothing else will, and discarding them sends none."
    )


def tell_kept_answers(home: Home) -> None:
    """Before a questionnaire is asked: each questionnaire's answers a failed save kept in
    the profile's drafts folder (`keep_answers`) named, with the command that saves them and
    how to discard them. A draft that cannot be read is named all the same. A draft holding a
    safety item answered above 0 is never offered for discarding: saving it seals the safety
    flag its answers owe, and nothing else ever will."""
    for path, measure, concern in kept_drafts(home):
        said = (
            f"Note: answers a failed save kept are still in {output.path_word(path)}: "
            f"{draft_saves(home, path, measure)} saves them (with the time they were given, "
            "never twice)"
        )
        if concern is None:
            said += f"; {output.command(['rm', str(path)])} discards them."
        else:
            said += f". {owed_flag_words(concern)} Please save them."
        output.message(said, wrap=True)


def tell_owed_flags(home: Home) -> None:
    """At `tj sync`: each kept draft answering a safety item above 0 named, with the command
    that saves it (and so seals the flag its answers owe, which no sync seals)."""
    for path, measure, concern in kept_drafts(home):
        if concern is not None:
            output.message(
                f"Safety: answers a failed save kept in {output.path_word(path)} are not saved "
                f"yet: {draft_saves(home, path, measure)} saves them. {owed_flag_words(concern)}",
                wrap=True,
            )


def parse_difficulty(value: str | None) -> int | None:
    """`--difficulty N`: a whole number in ASCII digits ("٣" is no answer, as at the prompt)."""
    if value is None:
        return None
    if not ASCII_NUMBER.fullmatch(value.strip()):
        raise click.BadParameter(f"{output.quoted(value)} is not a whole number")
    return int(value)


@measure.command("take")
@click.argument("name", metavar="MEASURE", type=PLAIN_NAME)
@click.option(
    "--answers",
    callback=parse_answers,
    metavar="N,N,...",
    help="Every item's answer in order, for scripts (PHQ-9: 9 numbers from 0 to 3).",
)
@click.option(
    "--difficulty",
    callback=lambda ctx, param, value: parse_difficulty(value),
    metavar="N",
    help="The PHQ-9 difficulty question (0-3; recorded, never scored).",
)
@click.option(
    "--date",
    "taken_at",
    type=MOMENT,
    help="When it was answered, for one done on paper earlier, in local time: "
    "'YYYY-MM-DD HH:MM', YYYY-MM-DD (noon), or today/yesterday with an optional HH:MM. "
    "Default: now.",
)
@click.option(
    "--draft",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Save the answers a failed save kept in a draft (it says where), with their date; "
    "a draft in the profile's drafts/ folder is deleted once saved. --journal saves them in "
    "another journal.",
)
@click.option(
    "--result-id",
    callback=lambda ctx, param, value: parse_result_id(value),
    metavar="ID",
    help="With --answers: the id a save that failed chose for these answers (it says it): "
    "a result stored under it before is not stored twice.",
)
@journal_option
@json_option
@pass_home
def measure_take(
    home: Home,
    name: str,
    answers: list[int] | None,
    difficulty: int | None,
    taken_at: datetime | None,
    draft: Path | None,
    result_id: str | None,
    journal_name: str | None,
    as_json: bool,
) -> None:
    """Answer MEASURE (phq9, gad7 or pcl5) item by item, or all at once with --answers;
    prints the score, the band and the change since last time. Works offline.

    \b
    Examples:
      tj measure take phq9
      tj measure take phq9 --answers 1,1,2,0,1,0,1,0,0 --difficulty 1
      tj measure take pcl5 --journal Therapy --json
      tj measure take phq9 --answers 1,1,2,0,1,0,1,0,0 --date 2026-11-17   # done on paper

    Answers given one by one that could not be saved are kept in a draft in the profile's
    drafts/ folder, and the command saving them is said: tj measure take phq9 --draft FILE.
    """
    from client_sdk.scoring import instrument as find_instrument

    chosen = find_instrument(name)
    kept = None
    if result_id is not None and answers is None:
        raise click.UsageError("--result-id is for answers given with --answers")
    if draft is not None:
        if answers is not None or difficulty is not None or taken_at is not None:
            raise click.UsageError(
                "--draft holds the answers, the difficulty answer and the date: give none of "
                "--answers, --difficulty and --date with it"
            )
        kept = read_kept_answers(draft, chosen)
        answers, difficulty, taken_at = kept.answers, kept.unscored, kept.taken_at
    elif answers is None:  # asked one by one: answers a failed save kept are named first
        tell_kept_answers(home)
    given: list[int] = []  # the answers as they are given: a positive safety item's flag is owed
    with hangups_wait_for_the_flag(chosen, given):
        before = take_measure(
            home,
            chosen,
            answers,
            given,
            difficulty,
            taken_at,
            journal_name,
            as_json,
            draft,
            kept,
            result_id,
        )
    if draft is None:
        return
    if before:  # by a save that failed after storing them
        said = f"The answers of {output.path_word(draft)} were saved before"
    else:
        said = f"Saved the answers of {output.path_word(draft)}"
    if in_drafts_folder(home.path, draft):  # kept by `not_saved`: deleted once saved
        output.message(f"{said}, and deleted it.")
    else:  # a copy kept elsewhere is the user's own
        output.message(f"{said}.")


def take_measure(
    home: Home,
    chosen: Instrument,
    answers: list[int] | None,
    given: list[int],
    difficulty: int | None,
    taken_at: datetime | None,
    journal_name: str | None,
    as_json: bool,
    draft: Path | None = None,
    kept: KeptAnswers | None = None,
    result_id: str | None = None,
) -> bool:
    """`tj measure take`'s work: `answers` (--answers, or those of the `draft` saved, `kept`
    as read), else each asked (`ask`), appended to `given` as given. What can be checked is
    checked before the first question; answers asked that a save still fails to save are
    kept in a draft (`not_saved`). The result is stored under an id chosen before the save
    (`result_id`, --result-id: one a failed save chose) and kept with a draft, so that a
    draft saved again never stores a second result; a draft in the drafts folder is deleted
    once its result is stored. Whether the draft's result was stored before (a save that
    failed after storing it)."""
    asked = answers is None
    # A locked profile is unlocked once, before anything is asked or a safety answer counts:
    # no passphrase is asked between item 9 and its safety message, or at the save, where a
    # wrong one (a typo, the next piped line) lost the message, the flag and the answers,
    # and where waiting on a person outlived SIGTERM. A wrong one is said now, before the
    # first question (the quiet sync below, or this open for --answers, opens the profile).
    home.unlock_once()
    if not asked and home.kept["unlock"]:
        home.run(opened)
    if answers is not None:
        given.extend(answers)
    shown_before: list[str] = []  # the safety message as `ask` showed it: shown once
    said_lines: list[str] = []  # the safety message `work` showed (a failure's --json)
    failed_lines: list[str] = []  # the one shown when its fetch failed (a failure's --json)
    plan_from: list[Target] = []  # the default journal's, for --journal words refused
    # The form starts from what the other devices did (one quick try, quietly): the safety
    # message shown as item 9 is answered names the plan written on another device a moment
    # ago; if this device cannot sync, the message says its plan may be out of date. Then
    # the journal is checked as the save will check it (it exists, results may be written
    # in it): a journal named wrong is said before the first question, not after the last.
    # The answers are saved into the journal checked (by id: a journal renamed, or another
    # given its name meanwhile, does not change where they go), or the one a draft kept.
    target = Target(journal_name, None, kept.result_id if kept is not None else result_id)
    if kept is not None and journal_name is None:
        target = Target(kept.journal, kept.journal_id, kept.result_id)
    synced_before = False
    if asked:
        synced_before, target = home.run(partial(ready_to_ask, target=target))
    synced_at_save: list[bool] = []  # whether the save's sync did (a failed save's message)

    def safety_message() -> list[str]:
        synced = synced_before or any(synced_at_save)
        try:

            async def message(client: Client) -> list[str]:
                # its plan command names the journal the answers go to, the default one
                # included (fix30k: the default can move), as the lines after the save do

                hints = cli_hints(journal_name)
                # the default's, by words that name it alone; so too for her own journal
                # the server no longer lists: its read-only copy takes no plan (fix32a)
                if journal_name is None or await own_copy(client, journal_name):
                    hints = await default_hints(client)
                return await client.safety.message(journal_name, hints=hints, synced=synced)

            lines = home.run(message)
        except KeyboardInterrupt:
            raise
        except Exception as error:  # never without a message: the one that needs no profile
            default = words_refused_message(error, synced)
            failed_lines[:] = (  # --json's, as stderr said it (nu79 F9)
                default if default is not None else unread_safety_message(failure_words(error))
            )
            return list(failed_lines)
        shown_before.extend(lines)
        return lines

    def words_refused_message(error: Exception, synced: bool) -> list[str] | None:
        """--journal words refused as they are (no journal named so, or naming several):
        the default journal's message, with her plan, readable here (nu79 F9: not "could
        not be read"), its plan given in --json (`plan_from`); None if it cannot be read."""
        from cli.entries import JOURNAL_SUBJECTS
        from client_sdk import TJError

        if journal_name is None or not isinstance(error, TJError):
            return None
        if error.subject not in JOURNAL_SUBJECTS:
            return None

        async def message(client: Client) -> list[str]:  # its command names the default
            hints = await default_hints(client)  # none: the message says so (rev31f F2)
            return await client.safety.message(None, hints=hints, synced=synced)

        try:
            lines = home.run(message)
        except Exception:
            return None
        plan_from.append(Target(None, None, None))
        return lines

    if answers is None:
        try:
            answers, difficulty = ask(
                chosen,
                interactive_difficulty=difficulty is None,
                safety_message=safety_message,
                given=given,
            )
        except Stopped as stop:  # after a hang-up, output is silenced (the handler)
            stopped(home, chosen, stop.answers, journal_name, interrupted=stop.interrupted)

    from client_sdk.safety import STATUS_NOT_SENT, STATUS_SENT, STATUS_UNKNOWN

    chosen.check_answers(answers)  # a mistyped answer is said at once, before any sync
    chosen.check_unscored(difficulty)
    answered_at = taken_at or datetime.now(UTC)  # a draft kept of them is dated so
    saved: list[Taken] = []  # the result, once stored: a failure after it loses no answer
    message_shown = [asked]  # a positive safety answer asked showed it (`ask`)
    responded = [False]  # the stored result's safety response made (a flag owed sealed)
    before = [False]  # the draft's result was stored before this save
    refused = [False]  # the result id given holds another result: a new one was chosen
    flag_state: list[dict[str, Any]] = []  # --json's "flag": the safety flag sealed, if any

    async def work(client: Client) -> tuple[Taken, list[str], str, list[str]]:
        nonlocal target
        from client_sdk.errors import InvalidInput, NotFound

        if target.journal_id is not None:  # the journal answered for, or none
            try:
                await client.journals.get(target.journal_id)
            except NotFound:
                raise SaidFailure(
                    f"the journal these answers were given for ({target.name or 'the default'}"
                    f", id {output.short_id(target.journal_id)}) is no longer on this device: "
                    "--journal NAME saves them in another",
                    "journal",
                ) from None
        if target.result_id is not None and not client.measures.made_here(target.result_id):
            # a draft copied from another account, or edited: its id can never be saved
            # here (the SDK refuses it), so its answers are saved under a new one
            named = f"The draft {output.path_word(draft)}" if draft else "--result-id"
            written = ", written into the draft first" if draft else ""
            output.message(
                f"{named} names a result id this account did not make "
                f"({output.short_id(target.result_id)}: a draft of another account's, or one "
                f"edited): the answers are saved under a new id{written}.",
                wrap=True,
            )
            target = replace(target, result_id=None)
        if target.result_id is None:
            target = replace(target, result_id=client.measures.new_result_id())
            if draft is not None and kept is not None:  # the draft names it before the save
                keep_result_id(draft, replace(kept, result_id=target.result_id))
        else:
            before[0] = await stored_result(client, target.result_id) is not None
        # Decide on a fresh view: a share or an opt-in made on another device a
        # moment ago decides who a safety flag is sealed for. One quick try: offline, the
        # message says what this device knew, and the next sync seals what is owed.
        synced = await synced_quietly(client) or synced_before
        synced_at_save.append(synced)
        unseen = [
            d
            for d in await client.assignments.due(include_upcoming=True)
            if d.assignment.type == "measure"
            and d.assignment.target == chosen.id
            and not d.seen_by_assigner
        ]
        try:
            taken = await client.measures.take(
                chosen.id,
                answers,
                journal=target.journal_id or target.name,
                unscored=difficulty,
                taken_at=taken_at,
                result_id=target.result_id,
            )
        except InvalidInput as error:
            if error.subject != "result id":
                raise
            # the id holds another result (other answers, another measure or journal) or
            # another record: these answers are kept under a new id, never said saved
            target = replace(target, result_id=client.measures.new_result_id())
            if draft is not None and kept is not None:
                keep_result_id(draft, replace(kept, result_id=target.result_id))
            refused[0] = True
            named = "the draft's result id" if draft is not None else "--result-id"
            raise SaidFailure(f"{named} cannot hold these answers: {error}", "result id") from None
        saved.append(taken)
        if draft is not None and in_drafts_folder(home.path, draft):  # saved: done with it
            draft.unlink(missing_ok=True)
        for item in unseen:
            who = item.assignment.assigned_by
            output.message(
                f"Note: {who} assigned this in {item.assignment.journal}, which does not carry "
                f"scores: {who} will not see it. To show it: "
                + output.command(["tj", "measure", "share", output.short_id(taken.result.id), who])
            )
        # copies it is dated before (`--date`, or this device's clock behind the one that
        # made the copy): not in them, said below, at every take
        left_out = await results_left_out(client, taken.result)
        outside = {share.member for share in left_out}
        lines: list[str] = []
        response = None
        hints = await default_hints(client, taken.result.journal_id)  # words naming it alone
        if taken.result.safety_concern:
            response = await client.safety.respond(taken.result, hints=hints, synced=synced)
            responded[0] = True
            lines = response.lines
            said_lines[:] = lines
            if not shown_before:
                show_safety_message(lines)  # at once: before the sync, however long it takes
                message_shown[0] = True
            else:  # shown as item 9 was answered: only what it did not say (who got a flag)
                # its plan line again, but for the journal named in its hint: said (nu78 F7)
                named = hints.write_plan
                unnamed = cli_hints(journal_name).write_plan
                for line in lines:
                    if (
                        line not in shown_before
                        and line.replace(named, unnamed) not in shown_before
                    ):
                        output.message(line, wrap=True)
        score_only: list[str] = []  # --json: in the JSON, each time
        if chosen.safety_items:  # a PHQ-9: whom its item 9 never reaches, once per journal
            # (kept on this device; again when the sharing changes), and each time item 9
            # was answered above 0: then it is what the client needs to know at once. With
            # --json it is in the JSON an app reads, and not kept as said: the next PHQ-9
            # taken without --json says it once. A copy this result is dated before does not
            # carry it: said below instead.
            if as_json:
                score_only = await client.measures.score_only_readers(
                    taken.result.journal_id, result=taken.result.id
                )
                readers = score_only if taken.result.safety_concern else []
            elif taken.result.safety_concern:
                readers = await client.measures.score_only_readers(
                    taken.result.journal_id, result=taken.result.id
                )
            elif outside:  # not in those copies: the note waits for a PHQ-9 they carry
                readers = []
            else:
                readers = await client.measures.score_only_news(taken.result.journal_id)
            if readers:
                output.message(score_only_line(readers, taken.result), wrap=True)
        for share in left_out:  # dated before a copy's start: not in it
            output.message(left_out_text(share, taken.result), wrap=True)
        # whom this result never reaches: a copy of some fields without results
        for who, fields in await client.measures.unseen_by_readers(
            taken.result.journal_id, result=taken.result.id
        ):
            if who not in outside:  # (a copy it is dated before: said above)
                output.message(unseen_result_line(who, fields, taken.result), wrap=True)
        for share in await lapsed_copies(client, taken.result.journal_id):
            output.message(lapsed_copy_line(share, taken.result), wrap=True)
        note = await sync_note(client)  # says a flag a sync sealed late ("Safety: ...")
        held = bool(
            response is not None
            and response.flag_id
            and await client.safety.waiting(response.flag_id)
        )
        unknown = held and response is not None and await unanswered(client, response.flag_id)
        if response is not None and response.flag_id:  # as `tj safety flags` says it
            flag_state.append(
                {
                    "id": response.flag_id,
                    "members": list(response.flagged_to),
                    "status": STATUS_UNKNOWN
                    if unknown
                    else STATUS_NOT_SENT
                    if held
                    else STATUS_SENT,
                }
            )
        if held and response is not None:
            waiting = await flag_waiting_line(
                client, ", ".join(response.flagged_to), response.flag_id, told=not synced
            )
            if waiting:
                output.message(waiting, wrap=True)
                lines = [*lines, waiting]
        if lines and as_json:  # what the message shows, as `tj safety plan --json` (NU74 F6)
            journal = await client.journals.get(taken.result.journal_id)
            plan = await client.safety.plan(journal.id)
            owner = journal.owner if journal.role != "owner" else ""
            message_plan.append(safety_message_json(plan, lines, owner))
        return taken, lines, note, score_only

    def keep_before_ending() -> None:
        """A hang-up or SIGTERM ending `tj` during the save (no flag owed, so the process
        ends as it would): answers asked one by one and not known to be stored are kept in
        a draft naming the result's id, which the next `tj measure take` names."""
        if asked and draft is None and not saved:
            with contextlib.suppress(OSError):
                keep_answers(
                    home.path,
                    KeptAnswers(
                        chosen.id,
                        list(answers or []),
                        difficulty,
                        answered_at,
                        target.name,
                        target.journal_id,
                        target.result_id,
                    ),
                )

    unknown = kept is not None and kept.no_default and target.journal_id is None
    if draft is not None and journal_name is None and unknown:  # journal unknown: NU75 F9
        home.run(partial(unknown_journal_refused, home=home, chosen=chosen, draft=draft))
    BEFORE_ENDING.append(keep_before_ending)
    message_plan: list[dict[str, Any]] = []  # --json's "safety_message" (`work`)
    try:
        taken, safety_lines, note, score_only = home.run(work)
    except (Exception, KeyboardInterrupt) as error:  # said as any error is, after these lines
        stored = saved[0].result if saved else None
        known = stored is not None or target.result_id is None  # none: nothing was taken
        if stored is None and target.result_id is not None:  # asked: stored before it failed?
            # only a result holding these very answers, of this measure, in this journal
            # is theirs: an id naming another result saved none of them
            stored, known = looked_up(home, target, chosen, answers, difficulty)
        if stored is not None and stored.safety_concern and not responded[0]:
            synced = synced_before or any(synced_at_save)
            seal_owed_flag(
                home, stored, shown_before, synced
            )  # the flag owed: sealed now if it can be
        failed = Failed(
            error, saved=stored, known=known, message_shown=message_shown[0], refused=refused[0]
        )
        keep = KeptAnswers(
            chosen.id,
            list(answers),
            difficulty,
            answered_at,
            target.name,
            target.journal_id,
            target.result_id,
            no_default=target.name is None and not_for_want_of_a_default(error),
        )
        saves: list[list[str]] = []
        offers: list[tuple[str, list[str]]] = []
        flagged = not_saved(home, chosen, keep, asked, draft, failed, safety_message, saves, offers)
        if as_json:  # what stderr said, in the error object an app reads (nu76 F4)
            concern = any(n <= len(answers) and answers[n - 1] > 0 for n in chosen.safety_items)
            shown = message_plan[0] if message_plan else None
            if concern and shown is None:
                lines = said_lines or shown_before or failed_lines or stopped_message()
                shown = failed_message_json(home, plan_from[0] if plan_from else target, lines)
            saved_under = target.result_id if saves else None  # by `save_command`
            output.ERROR_EXTRA.update(
                safety_message=shown,
                save_command=shell_join(saves[-1]) if saves else None,
                # one per journal the refused --journal words may name (fix31e)
                save_commands=[
                    {"journal": name, "command": shell_join(words)} for name, words in offers
                ],
                result_id=stored.id if stored is not None else saved_under,
                # what stderr said of the flag (nu77 F1): null when no safety item was
                # answered above 0 or the answers were saved (their flag is the result's)
                flag_sealed=flagged if concern and stored is None else None,
            )
        from client_sdk import TJError

        if stored is not None and isinstance(error, TJError):  # its words may say "not saved"
            why = error.situation or failure_words(error)
            raise SaidFailure(
                f"your answers were saved, but what follows the save did not finish ({why}): "
                f"{output.command(['tj', 'measure', 'list'])} shows them",
                error.subject,
            ) from None
        if known and isinstance(error, TJError) and not_for_want_of_a_default(error):
            # the draft kept above saves them: never "the same command again" (a second save)
            why = error.situation or failure_words(error)
            sealed = "; the safety flag without a score was sealed" if flagged else ""
            raise SaidFailure(
                f"your answers were not saved ({why}){sealed}", error.subject
            ) from None
        if flagged and isinstance(error, Exception):  # its words may say "nothing was written"
            why = (error.situation if isinstance(error, TJError) else None) or failure_words(error)
            unsaved = "were not saved" if known else "may not have been saved"
            raise SaidFailure(
                f"your answers {unsaved} ({why}); the safety flag without a score was sealed",
                getattr(error, "subject", None),
            ) from None
        raise
    finally:
        BEFORE_ENDING.remove(keep_before_ending)
    if as_json:
        # the same keys for every measure (NU65 F1): [] where no safety item can be unseen
        shown = {
            **taken.to_dict(),
            "safety_message": (
                (message_plan[0] if message_plan else safety_message_json(None, safety_lines))
                if safety_lines
                else None
            ),
            "score_only_readers": score_only,
            "flag": flag_state[0] if flag_state else None,
        }
        output.print_json(shown)
        if asked:  # the form was shown on the terminal: its attribution with it
            output.message(chosen.attribution)
    else:
        output.data(taken_text(taken, chosen, own=True, just_taken=True))  # with attribution
    if before[0] and draft is None:  # --result-id of a save that stored them, then failed
        output.message(
            f"These answers were saved before (result {output.short_id(taken.result.id)}): "
            "nothing new was saved."
        )
    output.message(output.note_line(note))
    return before[0]


@dataclass(frozen=True)
class Target:
    """Where `tj measure take` saves: the journal's `name` as given or shown (None: the
    default journal), its `journal_id` (hex) once checked, and the `result_id` (hex) the
    result is stored under, once chosen."""

    name: str | None
    journal_id: str | None
    result_id: str | None


async def ready_to_ask(client: Client, target: Target) -> tuple[bool, Target]:
    """Before a questionnaire is asked: a quick sync, quietly (`synced_quietly`, within
    FORM_SYNC_S), then the journal of `target` checked as the save will check it
    (`Measures.check_writable`: an unknown journal, one this account may not write results
    in, an archived one raise here, before any answer is given). Whether it synced, and
    `target` naming the journal checked by id."""
    synced = await synced_quietly(client, within=FORM_SYNC_S)
    journal = target.journal_id or target.name
    await client.measures.check_writable(journal)
    found = await client.journals.get(journal)
    return synced, replace(target, journal_id=found.id, name=target.name or found.name)


async def stored_result(client: Client, result_id: str) -> MeasureResult | None:
    """The result stored under `result_id`, None when there is none (or it was deleted)."""
    from client_sdk.errors import NotFound

    try:
        return await client.measures.get(result_id)
    except NotFound:
        return None


def looked_up(
    home: Home,
    target: Target,
    chosen: Instrument,
    answers: list[int],
    difficulty: int | None,
) -> tuple[MeasureResult | None, bool]:
    """After a failed save: the result stored under `target.result_id` holding these
    `answers` (and `difficulty`) of `chosen` in the journal of `target` (None when there is
    none: a result of other answers, of another measure or journal, is not theirs), and
    whether that is known (False when the store could not be asked either)."""
    assert target.result_id is not None

    async def theirs(client: Client) -> MeasureResult | None:
        found = await stored_result(client, target.result_id or "")
        if found is None:
            return None
        journal = (await client.journals.get(target.journal_id or target.name)).id
        same = (
            found.measure == chosen.id
            and found.journal_id == journal
            and list(found.answers or ()) == list(answers)
            and found.unscored == difficulty
        )
        return found if same else None

    try:
        return home.run(theirs), True
    except (Exception, KeyboardInterrupt):
        return None, False


def seal_owed_flag(
    home: Home, result: MeasureResult, shown_before: list[str], synced: bool
) -> None:
    """After a save that stored `result` (a safety item answered above 0) and failed before
    its safety response: the response made now (it seals the flag owed, once: a flag sealed
    for it already is not sealed again), its lines the message did not say shown. If that
    fails too, that is said: the next sync seals the flag (`watch_answer` recorded the answer
    with the result), or says why it cannot. `synced`: whether the save's sync did."""

    async def respond(client: Client) -> list[str]:
        hints = cli_hints(result.journal)
        return (await client.safety.respond(result, hints=hints, synced=synced)).lines

    try:
        lines = home.run(respond)
    except (Exception, KeyboardInterrupt):
        sync = output.command(["tj", "sync"])
        output.message(
            f"A safety flag these answers owe (if you chose to send safety flags) is not "
            f"made yet: {sync} makes and sends it, or says why it cannot.",
            wrap=True,
        )
        return
    for line in lines:
        if line not in shown_before:
            output.message(line, wrap=True)


@dataclass(frozen=True)
class KeptAnswers:
    """A questionnaire's answers that a failed save kept in a draft (`keep_answers`): the
    journal by `journal` (its name, for messages; None: the default journal) and
    `journal_id` (hex: the journal they are saved into; None when it was never checked),
    and the `result_id` (hex) their result is stored under (None when no save was tried)."""

    measure: str
    answers: list[int]
    unscored: int | None
    taken_at: datetime
    journal: str | None
    journal_id: str | None = None
    result_id: str | None = None
    no_default: bool = False
    """Kept because no journal was named and this device had no default journal to write in
    (`not_for_want_of_a_default`: e.g. the default deleted on another device): the journal
    they were given for is unknown, so they are never saved into the default journal of
    later unless it is named (`unknown_journal_refused`)."""


def keep_answers(home: Path, kept: KeptAnswers) -> Path:
    """Write `kept` to a new draft file in the profile's drafts folder (mode 0700, the file
    0600: it holds the answers in plain text, and goes with the profile's local data at
    `tj logout`), as JSON, written through (fsync); its path. OSError: it could not be
    written."""
    from cli import editor

    folder = editor.drafts_folder(home)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = kept.taken_at.astimezone(UTC).strftime("%Y%m%d-%H%M%S")
    descriptor, name = tempfile.mkstemp(
        prefix=f"{kept.measure}-{stamp}-", suffix=editor.ANSWERS_SUFFIX, dir=folder
    )
    _write_kept(descriptor, kept)
    return Path(name)


def keep_result_id(path: Path, kept: KeptAnswers) -> None:
    """Write `kept` (the draft at `path` as read, with the `result_id` its save stores the
    result under) over the draft, in one step (a new file renamed over it), before the save:
    a save that fails after storing the result leaves a draft naming it, which is then not
    stored twice. A draft that cannot be written is saved all the same. OSError never."""
    try:
        descriptor, name = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=path.parent)
    except OSError:
        return
    try:
        os.fchmod(descriptor, 0o600)
        _write_kept(descriptor, kept)
        os.replace(name, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(name)


def _write_kept(descriptor: int, kept: KeptAnswers) -> None:
    """`kept` as JSON to the open file `descriptor` (closed), written through."""
    fields = {
        "measure": kept.measure,
        "answers": kept.answers,
        "unscored": kept.unscored,
        "taken_at": json_time(kept.taken_at),
        "journal": kept.journal,
        "journal_id": kept.journal_id,
        "result_id": kept.result_id,
        "no_default": kept.no_default,
    }
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        json.dump(fields, out, indent=1)
        out.write("\n")
        out.flush()
        os.fsync(out.fileno())


def in_drafts_folder(home: Path, path: Path) -> bool:
    """Whether `path` is a file in the drafts folder of the profile at `home`."""
    from cli import editor

    try:
        return path.resolve().parent == editor.drafts_folder(home).resolve()
    except OSError:
        return False


def read_kept_answers(path: Path, chosen: Instrument) -> KeptAnswers:
    """The answers `keep_answers` kept in the draft at `path`, for `chosen`. Raises
    click.ClickException for a file that is not such a draft, or one of another measure."""
    try:
        fields = json.loads(path.read_text(encoding="utf-8"))
        answers, unscored, journal = fields["answers"], fields["unscored"], fields["journal"]
        journal_id, result_id = fields.get("journal_id"), fields.get("result_id")
        no_default = fields.get("no_default", False)  # absent in drafts of older versions
        if not (
            isinstance(answers, list)
            and all(type(a) is int for a in answers)
            and (unscored is None or type(unscored) is int)
            and (journal is None or isinstance(journal, str))
            and type(no_default) is bool
            and all(i is None or _hex_id(i) for i in (journal_id, result_id))
        ):
            raise ValueError("not a kept draft")
        kept = KeptAnswers(
            measure=str(fields["measure"]),
            answers=answers,
            unscored=unscored,
            taken_at=datetime.fromisoformat(str(fields["taken_at"])),
            journal=journal,
            journal_id=journal_id,
            result_id=result_id,
            no_default=no_default,
        )
        if kept.taken_at.tzinfo is None:
            raise ValueError("not a kept draft")
    except OSError as error:
        raise click.FileError(str(path), hint=str(error)) from None
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise SaidFailure(
            f"{output.path_word(path)} is not answers kept by "
            f"{output.command(['tj', 'measure', 'take'])} (a draft it names when a save "
            "fails): nothing was saved",
            "file",
        ) from None
    if kept.measure != chosen.id:
        raise SaidFailure(
            f"{output.path_word(path)} holds answers to {kept.measure}, not {chosen.id}: "
            "nothing was saved",
            "file",
        )
    return kept


def _hex_id(value: object) -> bool:
    """Whether `value` is an id as a draft keeps it: 32 hex digits."""
    return isinstance(value, str) and len(value) == 32 and all(c in hexdigits for c in value)


@dataclass(frozen=True)
class Failed:
    """How `tj measure take`'s save failed: its `error`; the result `saved` before it (then
    no answer is lost), None when none was stored, and whether that is `known` (the store
    could not be asked); whether the safety message was shown already; whether the result
    id given was `refused` (it holds another result: a new one was chosen)."""

    error: BaseException
    saved: MeasureResult | None
    known: bool
    message_shown: bool
    refused: bool = False


def failed_message_json(home: Home, target: Target, lines: list[str]) -> dict[str, Any]:
    """The safety message `lines` a failed `tj measure take` showed, as `--json` gives it
    (`safety_message_json`), with the plan of the journal it was for (`target`, None: the
    default journal); the plan's values null when it cannot be read (nu76 F4)."""

    async def read(client: Client) -> dict[str, Any]:
        plan = await client.safety.plan(target.journal_id or target.name)
        journal = await client.journals.get(plan.journal_id)
        owner = journal.owner if journal.role != "owner" else ""
        return safety_message_json(plan, lines, owner)

    try:
        return home.run(read)
    except Exception:  # the lines shown all the same: never no message
        return safety_message_json(None, lines)


def not_saved(
    home: Home,
    chosen: Instrument,
    kept: KeptAnswers,
    asked: bool,
    draft: Path | None,
    failed: Failed,
    safety_message: Callable[[], list[str]],
    saves: list[list[str]] | None = None,
    offers: list[tuple[str, list[str]]] | None = None,
) -> bool:
    """What `tj measure take` says when its save failed (the error is said after): a safety
    item answered above 0 shows the safety message, if it was not shown (`safety_message`,
    which falls back on the one that needs no profile; that one at once after Ctrl-C);
    answers asked one by one, not saved, are kept in a draft (`keep_answers`) with the
    command that saves them, or, if even that fails, said with it; a `draft` being saved is
    kept; --answers are the command's own, run again (the command saving them under the
    result id chosen is said when a flag without a score is sealed for them, or the id given
    was refused). Whether a flag without a score was sealed: answers no draft will save. The
    words of each command said that saves them are added to `saves` (`--json`'s
    "save_command", nu76 F4). --journal words refused as naming several journals: the
    command is offered for each of them this account may write in, by words naming it
    alone (`offered_journals`), each (name, words) added to `offers` (`--json`'s
    "save_commands"), and `saves` gets the one command when there is one, else the command
    with --journal NAME (fix31e)."""
    saves = [] if saves is None else saves
    answers = kept.answers
    concern = any(n <= len(answers) and answers[n - 1] > 0 for n in chosen.safety_items)
    if concern and not failed.message_shown:
        if isinstance(failed.error, KeyboardInterrupt):
            show_safety_message(stopped_message())
        else:
            try:
                show_safety_message(safety_message())
            except KeyboardInterrupt:
                show_safety_message(stopped_message())
    if failed.saved is not None:  # stored: no "not saved", no draft to save again
        said = f"Your answers were saved (result {output.short_id(failed.saved.id)})"
        if draft is not None and in_drafts_folder(home.path, draft):
            draft.unlink(missing_ok=True)
            said += f": the draft {output.path_word(draft)} is deleted"
        output.message(said + ".")
        return False
    again = [*profile_words(home.path), "measure", "take", chosen.id]
    unsure = "It could not be checked whether your answers were saved"
    once = "never twice"
    # --journal words refused as they are (nu77 F4: "1812" names two journals): a command
    # repeating them is refused again, so it says --journal NAME, for the user to choose
    refused = journal_words_refused(failed.error, kept)
    # her own journal the server no longer lists (deleted on another device, or withheld):
    # a read-only copy here takes no entry, so a command naming it is refused the same way
    # until a sync finds it listed again (rev31f F1): --journal NAME, as for refused words
    gone = journal_gone_words(failed.error, kept)
    shown = replace(kept, journal="NAME") if refused or gone else kept
    them = "them in the journal NAME you choose" if refused or gone else "them"
    tail = f"; --journal {output.named(refused)} was refused" if refused else gone
    # words naming several journals: each she may write in, by words naming it alone
    # (fix31e, as fix31d's drafts: `entries.journals_to_offer`)
    offered = [
        (name, answers_command(again, replace(kept, journal=alone)))
        for name, alone in (offered_journals(home, refused) if refused else [])
    ]

    def saves_them(words: list[str]) -> str:
        """ "CMD saves them", or with `offered`, "CMD1 saves them in 'A', CMD2 saves them in
        'B'"; the words are added to `saves`, the offered ones to `offers`."""
        if not offered:
            saves.append(words)
            return f"{output.command(words)} saves {them}"
        saves.append(offered[0][1] if len(offered) == 1 else words)
        if offers is not None:
            offers.extend(offered)
        return ", ".join(
            f"{output.command(command)} saves them in {output.quoted(name)}"
            for name, command in offered
        )

    if offered:
        tail = f"; --journal {output.named(refused)} was refused, as it names more than one journal"
    carried = draft is not None  # a draft that saves them (and seals the flag they owe)
    # refused for want of a default journal to write in (an older account's, unconfirmed or
    # ended): --answers are kept in a draft too, and a flag they owe is sealed at once all
    # the same (the draft names its result id: saving it later seals no second flag)
    no_default = not_for_want_of_a_default(failed.error) and failed.known
    # its journal gone from the server: a draft's command without --journal is refused the
    # same way, so the one said names --journal NAME, for her to choose (nu81 F1)
    elsewhere = ["--journal", "NAME"] if gone else []
    if draft is not None:
        saves.append([*again, "--draft", str(draft), *elsewhere])
        command = output.command(saves[-1])
        it = "it in the journal NAME you choose" if gone else "it"
        output.message(
            f"Nothing was saved: the draft {output.path_word(draft)} is kept ({command} saves "
            f"{it}{gone})."
            if failed.known
            else f"{unsure}: the draft {output.path_word(draft)} is kept ({command} saves "
            f"{'them in the journal NAME you choose' if gone else 'them'}, {once}{gone})."
        )
    elif asked or no_default:
        try:
            path = keep_answers(home.path, kept)
        except OSError as error:
            first = "Your answers were not saved" if failed.known else unsure
            output.message(
                f"{first}, and could not be kept in a draft ({output.os_error_text(error)}): "
                f"{saves_them(answers_command(again, shown))}, {once}{tail}."
            )
        else:
            carried = not no_default
            saves.append([*again, "--draft", str(path), *elsewhere])
            first = (
                "Your answers were not saved: they are" if failed.known else f"{unsure}: they are"
            )
            where = (
                f"; add {output.command_text('--journal NAME')} to it, naming the journal to "
                "save them in, your default journal too, as no journal was named for them "
                f"({output.command_text('tj journal default ID')} chooses your default journal)"
                if no_default and not kept.journal_id and not kept.journal
                else gone
            )
            output.message(
                f"{first} kept in {output.path_word(path)} "
                f"({output.command(saves[-1])} saves {them}, with the "
                f"time you answered, {once}, and deletes the draft{where})."
            )
    elif not failed.known:
        rerun = ""
        if kept.result_id:  # the same answers under the same id: stored once
            rerun = f"; if not, {saves_them(answers_command(again, shown))}, {once}{tail}"
        output.message(
            f"{unsure}: {output.command(['tj', 'measure', 'list'])} shows them if so{rerun}."
        )
    elif kept.result_id and failed.refused and not concern:  # --answers, known not saved
        output.message(
            f"Your answers were not saved: {saves_them(answers_command(again, shown))}, "
            f"{once}{archived_default_words(failed.error, kept)}{tail}."
        )
    if not concern:
        return False
    if carried and gone and kept.journal:  # the journal they were for is gone: fix32a's
        # words (saved elsewhere, their flag goes to that journal's recipients, if any)
        from client_sdk.safety import journal_gone_line

        output.message(journal_gone_line(kept.journal))
        plan = default_plan_command(home, kept.journal)
        if plan is not None:  # the message's plan command named the gone journal (nu81 F2)
            output.message(
                f"{output.named(kept.journal)} takes no safety plan either now: {plan} writes "
                "one in your default journal."
            )
        return False
    if carried:
        output.message(
            (
                "No safety flag was sent from these answers, as they were not saved"
                if failed.known
                else "If they were not saved, no safety flag was sent from them"
            )
            + " (saving the draft sends the one they owe, if you opted in). If you chose to send "
            "safety flags and want your therapist to know now, tell them yourself. The safety "
            "message above still applies: please act on it now."
        )
        return False
    # no draft will save them: a flag without a score now, never none at all
    if no_default:  # said with the draft kept above
        output.message("The safety message above still applies: please act on it now.")
    else:
        output.message(
            (
                "Your answers were not saved."
                if failed.known
                else "If your answers were not saved, no safety flag was sent with their score."
            )
            + " The safety message above still applies: please act on it now."
        )
    from client_sdk.errors import JournalArchived, RollbackError

    # an archived journal takes no flag either (`respond_to_answer` refuses it, noting
    # nothing): the save, once it can be made, seals their flag (nu77 F1)
    # refused before anything was noted (archived, or rolled back: fix31c 4): the flag
    # refused below too, the save seals the first
    archived = isinstance(failed.error, JournalArchived | RollbackError)
    save_words: list[str] | None = None
    if not asked and failed.known and kept.result_id and not no_default:  # --answers: same id
        save_words = answers_command(again, shown)
        # words refused as they are (nu79 F10): the flag without a score below is refused
        # for the same words, so none was made: the save makes the first
        flag = (
            "makes their safety flag if you chose to send safety flags"
            if archived or refused or gone
            else "seals no second safety flag"
        )
        output.message(
            f"{saves_them(save_words)}, {once}, and {flag}"
            f"{archived_default_words(failed.error, kept)}{tail}."
        )
    try:
        # under the result id chosen: saving them under it later seals no second flag
        return seal_without_a_score(
            home, chosen, answers, kept.journal_id or kept.journal, kept.result_id
        )
    except (Exception, KeyboardInterrupt) as error:
        why = "stopped" if isinstance(error, KeyboardInterrupt) else failure_words(error)
        later = ""
        # nothing noted (archived; or rolled back, fix31c 4): no sync seals one later
        if isinstance(error, JournalArchived | RollbackError):
            later = (
                ", and none will be for these answers unless they are saved "
                f"({output.command(save_words)} saves them)"
                if save_words is not None
                else ", and none will be for these answers"
            )
        output.message(
            f"No safety flag was sent for these answers: none could be made without a score "
            f"either ({why}){later}. If you chose to send safety flags, tell your therapist "
            "yourself."
        )
        return False


def offered_journals(home: Home, words: str) -> list[tuple[str, str]]:
    """The journals `words` (a --journal refused) may name that this account writes in, as
    (name, words naming it alone): `entries.journals_to_offer`; [] when none, or they
    cannot be read now."""
    from cli.entries import journals_to_offer

    try:
        return home.run(partial(journals_to_offer, words))
    except (Exception, KeyboardInterrupt):
        return []


def journal_words_refused(error: BaseException | None, kept: KeptAnswers) -> str:
    """The --journal words `kept` was given for when the save was refused for those words
    themselves, never resolved to a journal (no journal named so, words naming several or
    one journal and another's id start: `entries.JOURNAL_SUBJECTS`), so that a command
    repeating them would be refused again (nu77 F4); "" else."""
    from cli.entries import JOURNAL_SUBJECTS
    from client_sdk import TJError

    if not kept.journal or kept.journal_id or not isinstance(error, TJError):
        return ""
    return kept.journal if error.subject in JOURNAL_SUBJECTS else ""


async def own_copy(client: Client, journal: str) -> bool:
    """Whether `journal` (words naming a journal) names this account's own journal that the
    server no longer lists, a read-only copy kept here (`Journal.read_only_copy`): a command
    writing in it is refused; False when it names none, or several."""
    from client_sdk import TJError

    try:
        found = await client.journals.get(journal)
    except TJError:
        return False
    return found.own and found.read_only_copy


def default_plan_command(home: Home, gone: str) -> str | None:
    """The command that writes a safety plan in the default journal (`default_hints`), said
    after a save refused because the journal `gone` (words naming it) is no longer on the
    server: the safety message shown before the save named a plan command for `gone`,
    refused the same way (nu81 F2). None when the default journal is `gone` itself, or
    cannot be read now."""
    from cli.safety import default_hints

    async def command(client: Client) -> str | None:
        default = await client.journals.default()
        if gone in (default.name, default.id) or default.id.startswith(gone.lower()):
            return None
        return (await default_hints(client, default.id)).write_plan

    try:
        return home.run(command)
    except (Exception, KeyboardInterrupt):
        return None


def journal_gone_words(error: BaseException | None, kept: KeptAnswers) -> str:
    """When `error` refused a save because the journal it names is the user's own that the
    server no longer lists (deleted on another device, or withheld: a read-only copy is kept
    here, subject OWN_JOURNAL_GONE): that it takes no new entry on this device now, and that
    `tj sync` brings it back if the server lists it again, as words ending a sentence about
    the command that saves the answers; "" else (rev31f F1)."""
    from client_sdk import TJError
    from client_sdk.replica import OWN_JOURNAL_GONE

    if not isinstance(error, TJError) or error.subject != OWN_JOURNAL_GONE:
        return ""
    journal = output.named(kept.journal) if kept.journal else "your journal"
    return (
        f"; {journal} takes no new entries on this device now, as the server no longer lists "
        f"it ({output.command(['tj', 'sync'])} brings it back if the server lists it again)"
    )


def archived_default_words(error: BaseException | None, kept: KeptAnswers) -> str:
    """After the command that saves answers refused because the journal they go into is
    archived, when no journal was named (the default journal, fix30b 4): that it saves them
    only once that journal, the default one, is unarchived, or with --journal; "" else."""
    from client_sdk.errors import JournalArchived

    if not isinstance(error, JournalArchived) or kept.journal or kept.journal_id:
        return ""
    word = output.journal_word(error.journal, error.journal_id)
    unarchive = output.command(["tj", "journal", "unarchive", word])
    return (
        f", once {output.quoted(error.journal)}, your default journal (where a command given "
        f"no --journal writes), is unarchived ({unarchive}); or add "
        f"{output.command_text('--journal NAME')} to it to save them in another journal"
    )


def not_for_want_of_a_default(error: BaseException) -> bool:
    """Whether `error` refused a save naming no journal because this device has no default
    journal to write in now (an older account's adopted one, unconfirmed or ended: subjects
    "sync" and NO_DEFAULT, `Context.default_journal`)."""
    from client_sdk import TJError
    from client_sdk.default_journal import NO_DEFAULT

    return isinstance(error, TJError) and error.subject in ("sync", NO_DEFAULT)


def answers_command(again: list[str], kept: KeptAnswers) -> list[str]:
    """The words of `tj measure take` (`again`: its first words, the measure's id last)
    saving `kept` with --answers: its difficulty answer, the time they were given, the
    journal (by id when checked) and the result's id (--result-id: stored once)."""
    words = [*again, "--answers", ",".join(map(str, kept.answers))]
    words += ["--difficulty", str(kept.unscored)] if kept.unscored is not None else []
    # to the millisecond, as results are stored (nu77 F2): a time cut to the minute, or
    # to the second, may fall before an opt-in made just before the answers were given,
    # and the save would then say no flag was owed
    at = kept.taken_at.astimezone()
    when = at.strftime("%Y-%m-%d %H:%M:%S") + f".{at.microsecond // 1000:03d}"
    journal = kept.journal_id or kept.journal
    words += ["--date", when, *(["--journal", journal] if journal else [])]
    return words + (["--result-id", kept.result_id] if kept.result_id else [])


async def results_left_out(client: Client, result: MeasureResult) -> list[ShareInfo]:
    """The field-level copies of `result`'s journal that carry results (`tj share --only
    ...scores` or `answers`) but not `result`, by the SDK's own copy rule
    (`Measures.copies_left_out`): a form done on paper earlier (`--date`), or a result taken
    on a device whose clock is behind the one that made the copy, is dated before the copy
    began. Read from this device; none when it has no such copy."""
    left_out = set(await client.measures.copies_left_out(result.id))
    if not left_out:
        return []
    return [
        share
        for share in await client.shares.list(local_only=True)
        if share.kind == "mirror" and share.journal_id in left_out and not share.expired
    ]


def left_out_text(share: ShareInfo, result: MeasureResult) -> str:
    """That `result`, dated before the copy `share` began, is not in it: "Not
    shared with drsmith: the copy of Personal kept for them holds results dated from
    2026-12-06 08:38, and this one is dated before. To send it: ..."."""
    from cli.sharing import send_result_text

    member = share.member
    start = output.local_time(share.since) if share.since is not None else "its start"
    return (
        f"Not shared with {member}: the copy of {share.source} kept for them holds results "
        f"dated from {start}, and this {result.name} is dated "
        f"before, so {member} does not see it. To send it: "
        + send_result_text(result, member, "answers" in (share.fields or ()))
    )


async def results_elsewhere(
    client: Client, journal_name: str | None, chosen: list[Journal], every: list[Journal]
) -> list[tuple[Journal, int]]:
    """For `--journal CLIENT` (a client's username) that chose one journal of theirs: the
    copies kept of their shares that ended (`Journal.read_only_copy`: a copy replaced by one of
    other fields, most often) holding results, each with how many (`--journal
    ben` listed the new copy's one result, with no word of the three in the ended one)."""
    if journal_name is None or len(chosen) != 1 or chosen[0].own:
        return []
    picked = chosen[0]
    if journal_name.strip().casefold() != picked.owner.casefold():
        return []  # a journal named as such: that one only
    found = []
    for journal in every:
        if (
            journal.owner_id == picked.owner_id
            and journal.id != picked.id
            and journal.read_only_copy
        ):
            count = len(await client.measures.list(journal.id))
            if count:
                found.append((journal, count))
    return found


def score_only_line(readers: list[str], result: MeasureResult, one: bool = False) -> str:
    """After a PHQ-9 is taken in a journal whose results `readers` see only by their score
    (`Measures.score_only_readers`), or after it was shared alone without its answers
    (`one`: `tj measure share --without-answers`): that they do not see the answers, so
    not item 9, and that no safety flag reaches them that way."""
    who = output.and_words(readers)
    if one and result.safety_concern:  # this one's item 9 was above 0
        send = output.command(["tj", "measure", "share", output.short_id(result.id), who])
        return (
            f"Note: this {result.name} has item 9 answered above 0, and {who} will not know it: "
            f"you shared only its score, without your answers, and no safety flag can reach "
            f"them that way. To send your answers too: {send}"
        )
    why = (
        "you shared it without its answers"
        if one
        else f"what you share with {'them' if len(readers) == 1 else 'each'} carries scores "
        "without answers"
    )
    return (
        f"Note: {who} {'sees' if len(readers) == 1 else 'see'} only the score of this "
        f"{result.name}, not your answers (so not item 9): {why}, and no safety flag can "
        "reach them that way."
    )


def answers_read_line(therapist: str, result: MeasureResult, through: str, shared: str) -> str:
    """After a PHQ-9 was shared with `therapist` without its answers (`tj measure share
    --without-answers`) while they read its answers another way (`Measures.answer_readers`:
    through the journal `through`; `shared`, the journal of items kept for them, when this
    result was shared with them before with its answers): that they do, so item 9 too."""
    if through == shared:
        return (
            f"Note: you shared this {result.name} with {therapist} before with your answers "
            f"(so item 9): {therapist} keeps what they already downloaded of it; from now on "
            "their copy carries only the score."
        )
    return (
        f"Note: {therapist} still reads your answers to this {result.name} (so item 9) "
        f"through {output.quoted(through)}: sharing it without its answers does not hide them "
        "there."
    )


def unseen_result_line(who: str, fields: Sequence[str], result: MeasureResult) -> str:
    """After a result is taken in a journal `who` reads only through a copy of some fields that
    carries no results (`Measures.unseen_by_readers`): that they do not see it, and the
    command that sends it; first, when its safety item was answered above 0, that they do not
    know that either."""
    carried = output.and_words(list(fields))
    send = output.command(["tj", "measure", "share", output.short_id(result.id), who])
    if result.safety_concern:
        return (
            f"Note: {who} does not see this {result.name}, nor that item 9 was answered above "
            f"0: what you share with them carries {carried}, not results. To send it with your "
            f"answers: {send}"
        )
    return (
        f"Note: {who} does not see this result: what you share with them carries {carried}, "
        f"not results. To send it: {send}"
    )


FORM_SYNC_S = 5.0
"""The longest, in seconds, the sync before a questionnaire asked on the terminal may take
(less than a command's QUICK_SYNC_S: the person waits for the first question): past it the
form starts from what this device holds, and its safety message says so."""


async def opened(client: Client) -> None:
    """Nothing: the profile opened (its passphrase is right)."""


def failure_words(error: Exception) -> str:
    """Why something failed, in one plain line (a click error's message, else the error's)."""
    if isinstance(error, click.ClickException):
        return error.format_message()
    return str(error) or type(error).__name__


async def unanswered(client: Client, flag_id: str | None) -> bool:
    """Whether the safety flag `flag_id`, still on this device, was carried by a push that
    got no reply confirming it was stored (`Safety.unsent`'s cause "no answer"): the server
    may hold it, so it is never said to have NOT left."""
    from client_sdk.safety import NO_ANSWER

    return any(u.flag_id == flag_id and u.cause == NO_ANSWER for u in await client.safety.unsent())


async def flag_waiting_line(
    client: Client, members: str, flag_id: str | None = None, *, told: bool = False
) -> str:
    """The line for a safety flag sealed for `members` that has not left this device: what it
    waits for. A device the server told its session is over (`Identity.signed_out_at`: expired,
    ended or signed out; only a login sends anything then, never a sync by itself) names
    the `tj login` that sends it; a flag `flag_id` whose push got no reply confirming it was
    stored (`unanswered`) "may NOT have left"; else it waits for a connection: "" when `told`
    (the safety message said so already, safety.json's "flag_sent_unsynced": one fact said
    once, nu78 F7). Each ends with the crisis advice: the flag is no way to reach anyone
    now."""
    if flag_id is not None and await unanswered(client, flag_id):
        return (
            "The safety flag may NOT have left this device yet (a push that carried it "
            "reached the server, which never confirmed storing it): "
            f"{members} may see it only after a later sync. Do not count on it: call "
            "someone now."
        )
    if (await client.identity()).signed_out_at is not None:
        login = output.command(
            [*profile_words(client.home), "login", client.profile.server_url, client.username]
        )
        why = f"this device is signed out: {login} signs it in again and sends it"
        after = "after you log in again"
    else:
        if told:
            return ""
        why, after = "no connection", "after this device syncs"
    return (
        f"The safety flag has NOT left this device yet ({why}): {members} will see it only "
        f"{after}. Do not count on it: call someone now."
    )


async def synced_quietly(client: Client, within: float | None = None) -> bool:
    """Sync before deciding who a safety flag goes to: one quick try (`quick_sync`, within
    QUICK_SYNC_S, or `within` seconds when fewer); what it settled is said, a failure is not
    (the safety message then says what this device knew at its last sync, and the next sync
    seals a flag still owed). Whether it synced."""
    from client_sdk import TJError

    try:
        async with asyncio.timeout(within):  # a sync cancelled loses nothing (quick_sync)
            report = await quick_sync(client)
    except (TJError, TimeoutError):
        return False
    output.tell_after_sync(report)  # settled fields, departures, flags that left
    return True


class Stopped(Exception):
    """The client stopped the questionnaire (Ctrl-C, end of input, closing the terminal,
    SIGTERM) after `answers`."""

    def __init__(self, answers: list[int], *, interrupted: bool = False) -> None:
        super().__init__("stopped")
        self.answers = answers
        self.interrupted = interrupted  # by Ctrl-C: exit status 130, as every command so


class HungUp(click.Abort):
    """SIGHUP (the terminal closed) or SIGTERM arrived while a questionnaire was being asked."""


ENDING_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGHUP", "SIGTERM") if hasattr(signal, name)
)


BEFORE_ENDING: list[Callable[[], None]] = []
"""What a hang-up or SIGTERM that ends `tj measure take` the default way runs first (main
thread only): keeping the answers of a save under way in a draft."""


class Hangup:
    """Whether SIGHUP or SIGTERM arrived while the questionnaire was asked (`heard`)."""

    def __init__(self) -> None:
        self.heard = False

    def check(self) -> None:
        """Raise HungUp if one arrived: called after each answer is read, since an answer
        may still come from input typed before the terminal closed."""
        if self.heard:
            raise HungUp()


@contextmanager
def hangups_wait_for_the_flag(chosen: Instrument, given: list[int]) -> Iterator[None]:
    """While `tj measure take` runs (main thread only): once a safety item of `given` (the
    answers so far) is above 0, closing the terminal (SIGHUP) or SIGTERM no longer ends the
    process before the flag it owes is sealed and sent (the save's syncs are bounded by
    their waits): output is silenced (`silence_the_closed_terminal`) and further ones are
    ignored. Before that, they are handled as they were (by default, the process ends).
    While items are asked, `hangups_stop_the_questionnaire` handles them."""
    if not ENDING_SIGNALS or threading.current_thread() is not threading.main_thread():
        yield
        return

    def heard(signum: int, frame: FrameType | None) -> None:
        owed = any(n <= len(given) and given[n - 1] > 0 for n in chosen.safety_items)
        # a wait on a person (a passphrase) has no bound, and without it nothing is sealed:
        # the signal ends it as it would (none is asked after the form: `Home.unlock_once`)
        if owed and not SECRET_WAITS:
            for number in ENDING_SIGNALS:
                signal.signal(number, signal.SIG_IGN)
            silence_the_closed_terminal()
            return
        before = previous[signum]
        if callable(before):
            before(signum, frame)
        elif before != signal.SIG_IGN:  # the default: the process ends by it
            for keep in list(BEFORE_ENDING):  # answers being saved: kept in a draft first
                keep()
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)

    previous = {number: signal.signal(number, heard) for number in ENDING_SIGNALS}
    try:
        with _answers_read_awake():  # a signal always ends a wait on piped stdin meanwhile
            yield
    finally:
        if all(signal.getsignal(number) is heard for number in ENDING_SIGNALS):
            for number, handler in previous.items():  # none heard: as they were
                signal.signal(number, handler)


@contextmanager
def hangups_stop_the_questionnaire(hangup: Hangup) -> Iterator[None]:
    """While items are asked, closing the terminal (SIGHUP) or SIGTERM stops the questionnaire
    like Ctrl-C does, instead of killing the process: a safety answer already given still
    seals its flag (`stopped`). Once one arrived, further ones are ignored until the process
    ends, so that the flag is sealed and sent. Only the main thread can handle signals:
    elsewhere (an app embedding the CLI) nothing changes.

    The handler raises nothing: it sets `hangup.heard`, points stdin at /dev/null, so the
    question being asked reads end of input and stops as on Ctrl-D, and `ask` then knows it
    was a hang-up, and points stdout and stderr there too (`silence_the_closed_terminal`): a
    message written in between, the safety message fetched as the terminal closed, fails no
    more. An exception raised from a signal handler surfaces wherever the main thread happens
    to be: in a finalizer run by the garbage collector, or an asyncio callback, it is only
    logged as ignored, the stop was lost, and `tj` went on waiting for an answer on a
    terminal that no longer exists (the handler had ignored every later signal).

    Python runs a handler in the main thread between two steps of Python code, never inside
    a blocking read: only a read the signal interrupts (EINTR) lets it run. A signal that
    arrived just before the read began (after Python's last check, while `input` was still
    in C code), or that another thread received, interrupted nothing, and the read waited
    for ever on a pipe that stays open. So, where stdin is not a terminal, answers are read
    by `_answer_reader`, which waits on stdin and on a wake-up pipe that the signal itself
    writes to (`signal.set_wakeup_fd`): whenever and wherever it arrives, the wait ends and
    the handler runs. A terminal keeps Python's own reading (its line editing): a terminal
    that closes ends the read at once (EIO, or end of input), often before its SIGHUP is
    even sent; that is taken as the hang-up itself (`_a_lost_terminal_ends_input`)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def hung_up(_signum: int, _frame: FrameType | None) -> None:
        if hangup.heard:  # handled once: a closed terminal's read comes after its SIGHUP
            return
        for number in ENDING_SIGNALS:
            signal.signal(number, signal.SIG_IGN)
        hangup.heard = True
        end_input()
        silence_the_closed_terminal()

    with _answers_read_awake(), _a_lost_terminal_ends_input(partial(hung_up, 0, None)):
        previous = {number: signal.signal(number, hung_up) for number in ENDING_SIGNALS}
        try:
            yield
        finally:
            if not hangup.heard:
                for number, handler in previous.items():
                    signal.signal(number, handler)


@contextmanager
def _answers_read_awake() -> Iterator[None]:
    """While it lasts (main thread only), the answers `click.prompt` reads from a stdin that
    is not a terminal are read by `_answer_reader`, which a signal always wakes: every signal
    that has a Python handler (SIGHUP, SIGTERM, Ctrl-C's SIGINT) writes a byte to a wake-up
    pipe, in whichever thread it is received, even before the wait begins."""
    if not hasattr(select, "poll") or not piped.stdin_is_a_pipe_or_file():
        yield
        return
    wake_read, wake_write = os.pipe()
    try:
        os.set_blocking(wake_read, False)
        os.set_blocking(wake_write, False)
        previous_wakeup = signal.set_wakeup_fd(wake_write, warn_on_full_buffer=False)
        try:
            previous_prompt = termui.visible_prompt_func
            termui.visible_prompt_func = partial(_answer_reader, wake_read)
            piped.WAKES.append(wake_read)  # a piped passphrase's wait too (`piped_line`)
            try:
                yield
            finally:
                piped.WAKES.pop()
                termui.visible_prompt_func = previous_prompt
        finally:
            signal.set_wakeup_fd(previous_wakeup)
    finally:
        os.close(wake_read)
        os.close(wake_write)


@contextmanager
def _a_lost_terminal_ends_input(lost: Callable[[], None]) -> Iterator[None]:
    """While it lasts, an answer's read from a terminal that closed calls `lost` (the hang-up
    handler: stdin, stdout and stderr then point at /dev/null) and ends input as Ctrl-D
    does. A read waiting as the terminal closes fails (EIO), one that begins after it reads
    end of input, and either may come before or without a SIGHUP: the OSError ended `tj`,
    or the next message to the closed terminal did, with every answer, and the safety flag
    they owe, lost. A closed terminal is told from Ctrl-D by stdin no longer being one."""
    reading = termui.visible_prompt_func
    on_a_terminal = _stdin_is_a_terminal()

    def read(prompt: str) -> str:
        try:
            return reading(prompt)
        except EOFError:
            if on_a_terminal and not os.isatty(0):  # a closed terminal's ioctls fail (EIO)
                lost()
            raise
        except OSError as error:
            if error.errno != errno.EIO:
                raise
            lost()
            raise EOFError from None

    termui.visible_prompt_func = read
    try:
        yield
    finally:
        termui.visible_prompt_func = reading


def _stdin_is_a_terminal() -> bool:
    """Whether `sys.stdin` reads file descriptor 0 and it is a terminal."""
    try:
        return sys.stdin.fileno() == 0 and os.isatty(0)
    except (AttributeError, OSError, ValueError):  # replaced (a test's), closed, or none
        return False


def _answer_reader(wake: int, prompt: str) -> str:
    """`input(prompt)` for a stdin that is not a terminal, which any signal wakes: writes
    `prompt` to `sys.stdout` (`click.prompt` points it at stderr), then returns the next line
    of file descriptor 0 without its line ending (`piped.read_text_line`, the reader a piped
    passphrase is read by too: what it read ahead is read here first, and what this read
    ahead is read there); raises EOFError at end of input. While it waits for stdin, it
    waits for `wake` (the wake-up pipe of `signal.set_wakeup_fd`) too: a byte there means a
    signal arrived, whose Python handler runs as soon as this function goes on (a hang-up's
    points stdin at /dev/null, so the next wait ends at once with end of input; Ctrl-C
    raises KeyboardInterrupt). OSError: stdin could not be read."""
    sys.stdout.write(prompt)
    sys.stdout.flush()
    line = piped.read_text_line(wake)
    if line is None:
        raise EOFError
    return line


def end_input() -> None:
    """Point stdin at /dev/null: every read from now on is end of input."""
    null = os.open(os.devnull, os.O_RDONLY)
    try:
        os.dup2(null, 0)
    finally:
        os.close(null)
    piped.forget_pending()  # lines read ahead of the hang-up are not answers any more


def silence_the_closed_terminal() -> None:
    """Point stdout and stderr at /dev/null: writing to a terminal that hung up fails (EIO),
    and a failed message must not stop the flag from being sealed. A fault handler turned on
    (PYTHONFAULTHANDLER, `-X faulthandler`) keeps the stderr it had: the stacks it writes on
    a crash or SIGABRT still say where a stuck `tj` waits."""
    if faulthandler.is_enabled():
        faulthandler.enable(os.dup(2), all_threads=True)  # kept open until the process ends
    null = os.open(os.devnull, os.O_WRONLY)
    for fd in (1, 2):
        os.dup2(null, fd)
    os.close(null)


def stopped(
    home: Home,
    chosen: Instrument,
    answers: list[int],
    journal: str | None,
    *,
    interrupted: bool = False,
) -> NoReturn:
    """Nothing is saved of a stopped questionnaire (with missing answers it has no valid
    score) and the client is told so; if a safety item was answered above 0, the message was
    shown already and a flag is sealed for the therapist all the same when the client opted
    in (a safety event without a score), then sent if the server is reachable. Exit 1; 130
    when Ctrl-C stopped it (`interrupted`), as every command stopped so (nu80 F6). Said on a
    line of its own (the cursor is on the prompt's line: `output.message` folds a leading
    line break), with the command that starts it again (nu81 F13)."""
    what = f"{len(answers)} of {len(chosen.items)} answers" if answers else "no answers yet"
    again = [*profile_words(home.path), "measure", "take", chosen.id]
    if journal is not None:
        again += ["--journal", journal]
    output.to_stderr("")
    output.message(
        f"Stopped: nothing was saved of this {chosen.name} ({what}; a {chosen.name} without "
        f"every answer has no valid score): {output.command(again)} starts it again."
    )
    if any(n <= len(answers) and answers[n - 1] > 0 for n in chosen.safety_items):
        output.message(
            "Your answers were not saved. The safety message above still applies: please act "
            "on it now."
        )
        seal_without_a_score(home, chosen, answers, journal)
    raise click.exceptions.Exit(INTERRUPTED_EXIT if interrupted else 1)


def seal_without_a_score(
    home: Home,
    chosen: Instrument,
    answers: list[int],
    journal: str | None,
    result_id: str | None = None,
) -> bool:
    """For answers with a safety item above 0 that no result holds and no draft will save (a
    questionnaire stopped, a save that failed with no draft kept): a flag sealed for the
    therapist all the same when the client opted in (a safety event without a score,
    `client.safety.respond_to_answer`), then sent if the server is reachable; what it did
    said. `journal`: a name or id, None for the default journal; `result_id`: the id these
    answers may yet be saved under (`respond_to_answer(result_id=)`: that save then seals no
    second flag). Whether a flag was sealed. Raises what the profile's opening or the seal
    raises."""
    positive = [n for n in chosen.safety_items if n <= len(answers) and answers[n - 1] > 0]
    if positive:
        item = positive[0]

        async def seal(client: Client) -> tuple[list[str], str | None, str]:
            await synced_quietly(client)  # decide on a fresh view
            response = await client.safety.respond_to_answer(
                chosen.id,
                item,
                answers[item - 1],
                journal=journal,
                hints=cli_hints(journal),
                result_id=result_id,
            )
            # the message was shown as item 9 was answered: its lines after it (why no flag,
            # whom none goes to), all of them (nu78 F12), but the flag's, said below
            from client_sdk.safety import texts

            extra = response.lines[1 + len(texts()["lines"]) :]
            for line in extra[1:] if response.flagged_to else extra:
                output.message(line)
            if response.flag_id is None:
                await sync_note(client)  # a flag owed is sealed by it, and said (Safety: ...)
                return [], None, ""
            await sync_note(client)
            waiting = ""
            if await client.safety.waiting(response.flag_id):
                waiting = await flag_waiting_line(
                    client, ", ".join(response.flagged_to), response.flag_id
                )
            return response.flagged_to, response.flag_id, waiting

        flagged_to, flag_id, waiting = home.run(seal)
        if flag_id is not None:
            members = ", ".join(flagged_to)
            output.message(
                f"Because you chose to, a safety flag was made for {members} without a score."
            )
            if waiting:
                output.message(waiting)
        return flag_id is not None
    return False


def ask(
    chosen: Instrument,
    interactive_difficulty: bool,
    safety_message: Callable[[], list[str]],
    given: list[int] | None = None,
) -> tuple[list[int], int | None]:
    """Ask each item on the terminal (prompts on stderr, so stdout stays data). The moment a
    safety item (PHQ-9 item 9) is answered above 0, the safety message is shown, before any
    other question: the person may not finish the form (README "Questionnaires and the
    safety path"). The difficulty question can be skipped with Enter; stopping there (Ctrl-C,
    end of input, closing the terminal) skips it too, as every scored item is answered.
    Stopping before that raises Stopped with the answers given. Each answer is appended to
    `given` as it is given (`hangups_wait_for_the_flag`), when given (empty)."""
    if chosen.instructions:  # each line of the terminal's width, words unchanged
        click.echo(output.prose_text(chosen.instructions), err=True)
    click.echo(output.prose_text(chosen.stem), err=True)
    answers: list[int] = [] if given is None else given
    hangup = Hangup()
    try:
        with hangups_stop_the_questionnaire(hangup):
            difficulty = _ask_items(chosen, interactive_difficulty, safety_message, answers, hangup)
            hangup.check()  # an answer read after it came from input typed before it
    except click.Abort as stop:  # HungUp, Ctrl-C, or end of input (a hang-up's: `end_input`)
        if len(answers) < len(chosen.items):
            # click.prompt's Abort carries the Ctrl-C it turned into one as its context
            ctrl_c = isinstance(stop.__context__, KeyboardInterrupt)
            raise Stopped(answers, interrupted=ctrl_c) from None
        if isinstance(stop, StoppedAtTheMessage):  # no later question was shown: none named
            click.echo(
                f"\n   (stopped: your {chosen.name} is saved with its {len(answers)} answers)",
                err=True,
            )
            return answers, None
        # Stopped at the unscored, skippable question: every scored item was answered, so the
        # result is valid and is saved without it, said plainly.
        difficulty = None
        click.echo(
            f"\n   (no answer to this one: your {chosen.name} is saved without it)", err=True
        )
    return answers, difficulty  # the attribution follows, once: with the result


class StoppedAtTheMessage(click.Abort):
    """Ctrl-C while the safety message of a safety item answered above 0 was fetched: the
    questionnaire stops there, and the message that needs no profile was shown instead
    (`stopped_message`)."""


def stopped_message() -> list[str]:
    """The safety message shown when Ctrl-C stopped the fetch of the client's own
    (`StoppedAtTheMessage`): the one that needs no profile (`unread_safety_message`). The
    save that follows shows the client's own, with their plan, as when a fetch failed."""
    return unread_safety_message("Ctrl-C stopped reading it")


ASCII_NUMBER = re.compile(r"-?[0-9]+")


class AnswerChoice(click.ParamType[int]):
    """One of an item's answer values, typed as a number; anything else is asked again with
    the values named ("give one of 0, 1, 2, 3"), a digit other than 0-9 too: "²" or "٣"
    (`int` would refuse the first with a traceback, and read the second as 3)."""

    name = "answer"

    def __init__(self, allowed: list[int]) -> None:
        self.allowed = allowed

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        text = str(value).strip()
        if ASCII_NUMBER.fullmatch(text) and int(text) in self.allowed:
            return int(text)
        self.fail(f"give one of {', '.join(map(str, self.allowed))}", param, ctx)


def _ask_items(
    chosen: Instrument,
    interactive_difficulty: bool,
    safety_message: Callable[[], list[str]],
    answers: list[int],
    hangup: Hangup,
) -> int | None:
    """`ask`'s questions: appends each item's answer to `answers` as it is given (so a stop
    knows them), and returns the difficulty answer (None when skipped or not asked)."""
    choices = output.options_text((f"{o.value} = {o.label}" for o in chosen.options), "   ")
    values = AnswerChoice(sorted(o.value for o in chosen.options))
    shown = False
    for number, text in enumerate(chosen.items, start=1):
        question = output.prose_text(text, f"{number}. ", "   ")
        click.echo(f"\n{question}\n{choices}", err=True)
        answers.append(int(click.prompt("   answer", type=values, err=True)))
        hangup.check()  # typed before the terminal closed: kept (a safety answer counts)
        if number in chosen.safety_items and answers[-1] > 0 and not shown:
            try:
                lines = safety_message()
            except KeyboardInterrupt:  # Ctrl-C as it is fetched: a stop (the flag is owed),
                show_safety_message(stopped_message())  # and the message all the same
                raise StoppedAtTheMessage() from None
            show_safety_message(lines)
            shown = True
    if chosen.unscored is None or not interactive_difficulty:
        return None
    unscored = chosen.unscored
    options = [f"{o.value} = {o.label}" for o in unscored.options]
    options[-1] += "  (Enter to skip)"
    shown_options = output.options_text(options, "   ")
    click.echo(f"\n{output.prose_text(unscored.text)}\n{shown_options}", err=True)
    allowed = [str(o.value) for o in unscored.options]
    while True:
        given = str(click.prompt("   answer", default="", show_default=False, err=True))
        hangup.check()
        if given.strip() in ("", *allowed):
            return int(given) if given.strip() else None
        click.echo(f"   Give one of {', '.join(allowed)}, or Enter to skip.", err=True)


Listed = tuple[
    list["MeasureResult"], dict[str, "ScoreDifference | None"], dict[str, "ScoreChange | None"]
]
"""`tj measure list`'s results, with the difference of each from the one before by id
(`Measures.changes`) and its change since the first (`Measures.changes_since_baseline`)."""


@measure.command("list")
@click.option(
    "--measure", "measure_name", metavar="MEASURE", type=PLAIN_NAME, help="Only this measure."
)
@journal_filter_option
@newest_options("result", "results", "taken")
@json_option
@pass_home
def measure_list(
    home: Home,
    measure_name: str | None,
    journal_name: str | None,
    since: date | None,
    until: date | None,
    limit: int | None,
    show_all: bool,
    as_json: bool,
) -> None:
    """List results, newest first (a therapist sees what clients shared), each with its
    difference from the result of the same measure before it in its journal ("+3"; `--json`:
    "change", and "since_baseline", the change since the first result of that measure in
    its journal with reliable change, as `tj measure show --json` gives them). With
    --journal there is no journal column.

    Shows the newest 20 and says how many more match; --limit N shows N, --all every one.
    --json prints every result that matches unless --limit is given. DATE is YYYY-MM-DD,
    today or yesterday, in local time.

    \b
    Examples:
      tj measure list
      tj measure list --journal ana --limit 5
      tj measure list --measure gad7 --journal ana --since 2026-10-01 --json
    """
    check_paging(since, until, limit, show_all)
    shown = shown_count(limit, show_all, as_json)

    async def work(
        client: Client,
    ) -> tuple[Listed, list[InvalidResult], bool, set[str], list[HeldBack], dict[str, str]]:
        from client_sdk.queries import select_dated

        every = await client.measures.list(journal_name, measure=measure_name)
        changes = client.measures.changes(every)  # from the result before, even one not shown
        courses = client.measures.changes_since_baseline(every)  # from the first, as well
        results = select_dated(every, lambda r: r.taken_at, since=since, until=until)
        invalid = await client.measures.invalid(journal_name)
        me = client.profile.account_id.hex()
        # A therapist (an account reading another's journal) is told what is shared with
        # them, not to fill in a questionnaire; a filter on one's own journal is not.
        # The journal is found as `results` found it (any case, an id prefix, a username).
        every_journal = await client.journals.list()
        journals = (
            [await client.journals.get(journal_name)] if journal_name is not None else every_journal
        )
        shared_only = any(j.owner_id != me for j in journals)
        own = {j.id for j in every_journal if j.owner_id == me}
        wanted = [r for r in invalid if measure_name in (None, r.measure)]
        held = await output.held_back(client, journal_name)
        marks = {
            j.id: GONE_OWN if j.own else ended_mark(j) for j in every_journal if j.read_only_copy
        }
        elsewhere.extend(await results_elsewhere(client, journal_name, journals, every_journal))
        chosen.extend(j.name for j in journals[:1] if elsewhere)
        return (results, changes, courses), wanted, shared_only, own, held, marks

    elsewhere: list[tuple[Journal, int]] = []  # a client's ended copies, with their results
    chosen: list[str] = []  # the journal listed, when `elsewhere` names others
    (matching, changes, courses), invalid, shared_only, own, held, marks = home.read(work)
    results = matching[:shown]
    empty = (
        "No results shared with you yet."
        if shared_only
        # for a client and for a therapist with no clients yet alike: no advice to either
        # that is the other's (a therapist is never told to take a PHQ-9)
        else f"No results yet: your own show here once you take one ({output.command_text('tj measure take phq9')}), "
        "a client's once they share a journal with you."
    )
    if since is not None or until is not None:
        empty = "No results match."
    if held:  # results past where this device stopped cannot show
        empty = "No results in what this device downloaded."

    if as_json:  # each result with its change, as `tj measure show --json`
        output.print_json([result_dict(r, changes[r.id], courses[r.id]) for r in results])
    elif not results:
        output.message(empty)
    else:
        # the copy of a share that ended keeps its column: the mark goes with its name
        # (`--journal` of such a copy shows it marked too)
        one_journal = (
            journal_name is not None
            and len({r.journal_id for r in results}) <= 1
            and not any(r.journal_id in marks for r in results)
        )
        output.print_table(
            results_table(results, changes, one_journal=one_journal, marks=marks, own=own)
        )
    if not as_json:  # PCL-5 "(probable PTSD)": a screening result
        for line in dict.fromkeys(band_note_lines(results)):
            output.message(line, wrap=True)
    concerns = [r for r in results if r.safety_concern]
    if concerns and not as_json:  # never a band alone after a safety answer
        mine = any(r.journal_id in own for r in concerns)
        output.message(safety_footnote(concerns[0], mine), wrap=True)
    unknown = any(safety_mark(r, r.journal_id in own) == UNKNOWN_MARK for r in results)
    if unknown and not as_json:  # nor a low score whose item 9 this reader cannot know
        output.message(SAFETY_UNKNOWN_LINE, wrap=True)  # as every view says it
    for journal, count in elsewhere if not as_json else []:
        more = output.plural(
            count, *(("more result", "more results") if results else ("result", "results"))
        )
        which = output.journal_word(journal.name, journal.id)
        listed = output.quoted(chosen[0]) if chosen else "their current journal"
        output.message(
            f"Listed {listed}; the copy kept of {journal.name.split('/', 1)[0]}'s earlier "
            f"share {output.quoted(journal.name)} {ended_mark(journal)} holds {more}: "
            + output.command(["tj", "measure", "list", "--journal", which]),
            wrap=True,
        )
    if not as_json:  # the newest 20 of 1,228
        filters = filter_words(measure=measure_name, journal=journal_name, since=since, until=until)
        command = [*profile_words(home.path), "measure", "list", *filters]
        tell_cut(len(results), len(matching), "results", command, limited=limit is not None)
    for bad in invalid:  # shown as invalid, never by a stored score
        when = output.local_time(bad.taken_at) if bad.taken_at else "at an unreadable time"
        safety = "; a safety item (item 9) is answered above 0" if bad.safety_answer else ""
        output.message(
            f"Invalid {bad.name} result {output.short_id(bad.id)} in {bad.journal} ({when}): "
            f"its answers, score or time are not valid, so it is not listed{safety}."
        )
    if not as_json:
        output.warn_held_back(held, "results")


@measure.command("show")
@click.argument("result_id", metavar="ID")
@json_option
@pass_home
def measure_show(home: Home, result_id: str, as_json: bool) -> None:
    """Show one result: score, band, change since the one before and since the first (with
    reliable change, first score to this one), and each answer.

    \b
    Example:
      tj measure show 3fa9c2
    """

    async def work(client: Client) -> tuple[Taken, bool]:
        taken = await client.measures.history(result_id)
        me = client.profile.account_id.hex()
        own = any(
            j.id == taken.result.journal_id and j.owner_id == me
            for j in await client.journals.list()
        )
        return taken, own

    taken, own = home.read(work)
    if as_json:
        output.print_json(taken.to_dict())
        return
    from client_sdk.scoring import instrument as find_instrument

    chosen = find_instrument(taken.result.measure)
    output.data(taken_text(taken, chosen, own=own))
    if taken.result.answers is not None:
        output.print_table(answers_table(taken.result, chosen))


@measure.command("delete")
@click.argument("result_id", metavar="ID")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation (for scripts).")
@json_option
@pass_home
def measure_delete(home: Home, result_id: str, yes: bool, as_json: bool) -> None:
    """Delete one of your results for good (there is no trash), and the copies you shared
    of it. Asks first (--yes does not), naming each therapist who can read it: who may have
    received it (their device signed that it had seen later records; never proof), who may
    have, who cannot have yet (nothing of it left this device); at their next sync it leaves
    their view.

    \b
    Examples:
      tj measure delete 3fa9c2
      tj measure delete 3fa9c2 --yes
    """

    async def check(client: Client) -> tuple[MeasureResult, list[Recipient]]:
        # refused before the question, not after it
        found = await client.measures.delete(result_id, check_only=True)
        return found, await client.shares.recipients(found.id)

    found, recipients = home.run(partial(found_after_sync, check))
    told = output.receipt_lines(
        recipients,
        "this result",
        "deleting it here",
        "removes it from their view at their next sync",
    )
    # the copies named only when there are some (never said for a result never shared)
    copies = " and the copies you shared of it" if recipients else ""
    if not yes:
        output.confirm(
            "\n".join([*told, f"Delete {result_words(found)} for good{copies}?"]),
            abort=True,
            err=True,
        )
    deleted, note = home.run(partial(then_sync, lambda client: client.measures.delete(result_id)))
    output.message(f"Deleted {result_words(deleted)}{copies}; {note}.", wrap=True)
    for line in output.receipt_after_lines(recipients, "it leaves their view at their next sync"):
        output.message(line)
    if as_json:
        output.print_json({"action": "deleted", "result_id": deleted.id})


async def lapsed_copies(client: Client, journal_id: str) -> list[ShareInfo]:
    """The copies of some fields of the journal `journal_id` that carry results and whose
    end date passed (`ShareInfo.expired`, from the verified chains this device holds: no
    network): a result taken now is not in them, and renewing the share does not send it."""
    shares = await client.shares.list(local_only=True)
    return [
        s
        for s in shares
        if s.kind == "mirror"
        and s.source_id == journal_id
        and s.expired
        and set(s.fields or ()) & {"scores", "answers"}
    ]


def lapsed_copy_line(share: ShareInfo, result: MeasureResult) -> str:
    """ "drsmith does not see this PHQ-9: your share of the mood and scores of Side with
    them passed its end date (...), and renewing it does not send it. To send it: ..." """
    from cli.sharing import send_result_text

    ended = output.share_end(share.expires_at) if share.expires_at else "its end date"
    return (
        f"{share.member} does not see this {result.name}: your share of the "
        f"{output.plain_list(share.fields or ())} of {share.source} with them passed its end date "
        f"({ended}), and renewing it does not send a result taken while it had ended. To "
        "send it: "
        + send_result_text(result, share.member, "answers" in (share.fields or ()))
        + "."
    )


def result_words(result: MeasureResult) -> str:
    """ "the PHQ-9 of 2026-12-01 14:03 (score 9, Mild)", with item 9 when it was answered
    above 0 (`score_words`)."""

    when = output.local_time(result.taken_at)
    return f"the {result.name} of {when} (score {score_words(result, own=True)})"


@measure.command("share")
@click.argument("result_id", metavar="ID")
@click.argument("therapist")
@click.option(
    "--without-answers", is_flag=True, help="Share the score and band, not the item answers."
)
@fingerprint_option
@click.option("--trust-on-first-use", is_flag=True, help="Accept the therapist's keys unchecked.")
@again_option
@json_option
@pass_home
def measure_share(
    home: Home,
    result_id: str,
    therapist: str,
    without_answers: bool,
    fingerprint: str | None,
    trust_on_first_use: bool,
    yes: bool,
    as_json: bool,
) -> None:
    """Share one result with THERAPIST without sharing its journal.

    It is copied into a journal kept for that therapist, "Shared with THERAPIST". If you had
    ended their share of that journal (`tj unshare`), sharing one result shares it again,
    and they would also read what it still holds: each item is named and you are asked
    first (default: no; --yes does not ask).

    \b
    Examples:
      tj measure share 3fa9c2 drsmith --without-answers --fingerprint "12345 ..."
    """
    from client_sdk.models import normalize_username

    therapist = normalize_username(therapist)  # the name used, said as such in every line
    pinned_now: list[bool] = []  # --trust-on-first-use took keys never compared: said

    safety_unseen: list[MeasureResult] = []  # a PHQ-9 shared without answers: said
    answers_read: list[str] = []  # ... whose answers the therapist reads another way: said

    def grant(again: tuple[str, ...]) -> Callable[[Client], Awaitable[dict[str, object]]]:
        async def work(client: Client) -> dict[str, object]:
            from client_sdk.scoring import builtin_instruments

            if trust_on_first_use and fingerprint is None and not pinned_now:
                pinned_now.append(await pinned_on_first_use(client, therapist))
            # read before the share: a failure here shares nothing, never one made unsaid
            result = await client.measures.get(result_id)
            chosen = builtin_instruments().get(result.measure)
            safety = without_answers and chosen is not None and bool(chosen.safety_items)
            readers = await client.measures.answer_readers(result.id) if safety else {}
            shared = await client.measures.share(
                result.id,
                therapist,
                only=["score"] if without_answers else None,
                fingerprint=fingerprint,
                trust_on_first_use=trust_on_first_use,
                again=again,
            )
            through = readers.get(therapist)
            if safety and through is None:
                safety_unseen[:] = [result]
            elif safety and through is not None:
                answers_read[:] = [answers_read_line(therapist, result, through, shared.journal)]
            return shared.to_dict()

        return work

    confirm_fingerprint(home, therapist, fingerprint, yes)
    shared, note = share_item(home, grant, f"result {result_id}", yes)
    if as_json:
        output.print_json(shared)
    else:
        what = "score" if without_answers else "score and answers"
        shared_text = items_shared(f"Shared the {what}", therapist, str(shared["journal"]))
        output.data(f"{shared_text}.", prose=True)
        if any(pinned_now):
            output.message(pinned_unverified_text(therapist), wrap=True)
    for result in safety_unseen:
        output.message(score_only_line([therapist], result, one=True), wrap=True)
    for line in answers_read:
        output.message(line, wrap=True)
    output.message(output.note_line(note))


# --- how results look ----------------------------------------------------------------------------


def change_text(taken: Taken) -> str:
    """A result's difference from the one before, plainly, dated as the caseload dates a
    change (the earlier score's date, never read as the later one's): "+3 since
    last time (from 15 on 2026-12-01)"; no verdict (reliable change is judged from the first
    result: `course_text`)."""
    change, previous = taken.change, taken.previous
    if change is None or previous is None:
        return "first time"
    day = output.local_date(previous.taken_at)
    return f"{change.change:+d} since last time (from {change.earlier} on {day})"


def course_text(taken: Taken, chosen: Instrument) -> str | None:
    """A result's change since the first result of its measure in its journal, with reliable
    change as the NHS Talking Therapies manual judges it (first score to last):
    "+14 since the first (from 4 on 2026-11-10), reliable deterioration"; ", now below the
    clinical cut-off of 10 (caseness)" when the first was a case (scoring.ScoreChange), in
    the instrument's own words (`Instrument.cut_off_words`: PCL-5's "provisional cut-point of
    33"). Never "recovered": the manual's recovery is over PHQ-9 and GAD-7
    together. None for the first result."""
    change, baseline = taken.since_baseline, taken.baseline
    if change is None or baseline is None:
        return None
    day = output.local_date(baseline.taken_at)
    text = f"{change.change:+d} since the first (from {change.earlier} on {day})"
    if change.reliable is not None:
        text += f", {change.reliable}"
    else:
        text += f", no single reliable-change threshold is published for {chosen.name}"
    if change.now_below_caseness:
        text += f", now below {chosen.cut_off_words}"
    return text


def safety_item_lines(
    result: MeasureResult, chosen: Instrument, own: bool, just_taken: bool = False
) -> list[str]:
    """The line under the score for each safety item (PHQ-9 item 9) answered above 0:
    a low band must not read as "you're fine" after that answer. Whatever the
    total, the PHQ Instruction Manual says a patient who answers yes to question 9 "needs
    further assessment for suicide risk by an individual who is competent to assess this
    risk" (client_sdk/data/instruments/phq9.json, sources "safety_items"). `own`: the
    reader owns the journal (the client), else a therapist reads a shared result."""
    # this line is data (stdout), the message a note (stderr): "above" would point at
    # nothing once stdout goes to a file, and "stderr" is jargon
    then = (
        "please read the safety message shown on the screen with this result and talk with "
        "your therapist or a doctor."
    )
    lines = []
    for number, value in chosen.safety_answers(result.answers or ()):
        head = f"item {number}:".ljust(9)
        said = _safety_answer_words(
            own, "this answer", then if just_taken else plan_then(result.journal)
        )
        lines.append(
            f"{head}answered {value} ({chosen.option_label(value)}), above 0. Whatever the "
            f"total score, {said}"
        )
    return lines


def plan_then(journal: str | None) -> str:
    """What the client is asked to do after a safety item answered above 0 in `journal`,
    when the safety message is not on the screen: the command names that journal's plan
    (`plan_words`)."""
    return (
        "please talk with your therapist or a doctor; your safety plan: "
        f"{output.command(plan_words(journal))}."
    )


def _safety_answer_words(own: bool, answer: str, then: str) -> str:
    """What a safety item answered above 0 (`answer`) calls for, whatever the total score.
    To the client (`own`): this app's own words, kindly, and what to do (`then`), attributed
    to no one: they are not the PHQ-9's instructions, and never shown as such. To a
    therapist: the PHQ Instruction Manual, quoted exactly with its name
    (`scoring.PHQ_MANUAL_ON_ITEM_9`: the PHQ-9 is the only instrument with a safety item)."""
    from client_sdk.scoring import PHQ_MANUAL_ON_ITEM_9

    if own:
        return f"{answer} needs a closer talk with someone who can help: {then}"
    return f"{PHQ_MANUAL_ON_ITEM_9}."


def band_note_lines(results: list[MeasureResult]) -> list[str]:
    """The note of each shown result's band that has one, in order (`Instrument.band_note_line`:
    "PCL-5 at or above the provisional cut-point (probable PTSD): a screening result, not a
    diagnosis.")."""
    from client_sdk.scoring import instrument as find_instrument

    found = (find_instrument(r.measure).band_note_line(r.score) for r in results)
    return [line for line in found if line is not None]


def safety_footnote(result: MeasureResult, own: bool) -> str:
    """The note under `tj measure list` when a result's safety item was answered above 0
    (never a band alone after that answer; source as in `safety_item_lines`)."""
    from client_sdk.scoring import instrument as find_instrument

    chosen = find_instrument(result.measure)
    items = ", ".join(f"item {n}" for n in chosen.safety_items)
    said = _safety_answer_words(own, "that answer", plan_then(result.journal))
    return f"{items} above 0: whatever the total score, {said}"


def taken_text(taken: Taken, chosen: Instrument, own: bool, just_taken: bool = False) -> str:
    """A result as `tj measure take` and `show` print it: its band with the band's note (PCL-5
    "(probable PTSD)": a screening result, not a diagnosis), the line of each
    safety item answered above 0, the change, the attribution."""

    result = taken.result
    note = chosen.band_note(result.score)
    noted = f"; {note}" if note else ""
    lines = [
        f"id:      {result.id}",
        f"measure: {result.name}",
        f"journal: {result.journal}",
        f"taken:   {output.local_time(result.taken_at)}",
        f"score:   {result.score} of {chosen.max_score} ({result.band_label}){noted}",
        *safety_item_lines(result, chosen, own, just_taken),
        *unknown_lines(result, own),
        f"change:  {change_text(taken)}",
        *([f"course:  {course}"] if (course := course_text(taken, chosen)) else []),
        "",
        chosen.attribution,
    ]
    return output.fields_text(lines)  # item 9's line, the attribution: wrapped


SAFETY_MARK = "; item 9 above 0"
"""Added to the band in `tj measure list` (only PHQ-9 has a safety item: item 9)."""
UNKNOWN_MARK = f"; {SAFETY_UNKNOWN}"
"""Added instead to the band of a client's PHQ-9 shared without its answers
(`MeasureResult.safety_unknown`): a low score never reads as fine (the list ends with
`care_terms.SAFETY_UNKNOWN_LINE`)."""


def safety_mark(result: MeasureResult, own: bool = False) -> str:
    """What follows the band of `result` in a list: `SAFETY_MARK` for a safety item
    answered above 0, `UNKNOWN_MARK` for a client's result whose answers are not shared
    with this reader (never for one's own: `own`; `results.unknown_to_reader`), else ""."""
    from client_sdk.results import unknown_to_reader

    if result.safety_concern:
        return SAFETY_MARK
    return UNKNOWN_MARK if unknown_to_reader(result.safety_unknown, own) else ""


def score_words(result: MeasureResult, own: bool = False) -> str:
    """A result summed up in a sentence: "1, None-minimal; item 9 answered 1 (Several days),
    above 0"; "3, None-minimal; item 9 not shared"; "5, Mild" (`results.score_words`, the
    SDK's one rule: `tj caseload --html` says it too). Every note that names a result by its
    score and band uses it, so none drops item 9."""
    from client_sdk.results import score_words as words

    return words(result, own)


def unknown_lines(result: MeasureResult, own: bool) -> list[str]:
    """Under the score in `tj measure show`: for a client's result whose answers are not
    shared with this reader (`results.unknown_to_reader`), that its safety item is not known
    (`care_terms.SAFETY_UNKNOWN_LINE`, as every view says it)."""
    from client_sdk.results import unknown_to_reader

    if not unknown_to_reader(result.safety_unknown, own):
        return []
    return ["item 9:  " + SAFETY_UNKNOWN_LINE.removeprefix("item 9 ")]


CHANGE = Column("change", NAME, items=", ", minor=True)
"""`tj measure list`'s change column ("+3", from the result before): read after the
band, so where the table cannot hold both (80 columns, with the journal column) it goes
below its row ("  change: +3") before the band does."""


def results_table(
    results: list[MeasureResult],
    changes: Mapping[str, ScoreDifference | None],
    *,
    one_journal: bool = False,
    marks: Mapping[str, str] | None = None,
    own: Collection[str] = (),
) -> Table:
    """The band and its safety mark each whole ("moderate;" above "item 9 above 0", never
    "abov"/"e 0"), broken only after the "; " between them. `changes` (by result
    id, `Measures.changes`) fill the "change" column (`change_cell`); `one_journal` (`tj
    measure list --journal NAME`): no journal column, every row's is the one asked for
    ("ana/" above "Personal" on every row at 80 columns). No change column when
    no result has one (each the first of its measure in its journal): its room stays the
    names'. `marks` (by journal id, `ended_mark`) follow a journal's name, as `tj list`
    marks the read-only copy of a share that ended; `measure list` keeps the
    column for such a copy with --journal too. `own`: the ids (hex) of this account's own
    journals (`safety_mark`)."""

    marks = marks or {}
    changed = any(changes.get(result.id) is not None for result in results)
    columns = [ID, DATE, Column("measure", FIXED)]
    columns += [] if one_journal else [Column("journal", NAME)]
    columns += [Column("score", FIXED), *([CHANGE] if changed else [])]
    return fitted(
        [*columns, Column("band", NAME, items="; ")],
        (
            (
                output.short_id(result.id),
                output.local_time(result.taken_at),
                result.name,
                *([] if one_journal else [marked(result.journal, marks.get(result.journal_id))]),
                str(result.score),
                *([change_cell(changes.get(result.id))] if changed else []),
                result.band_label + safety_mark(result, result.journal_id in own),
            )
            for result in results
        ),
    )


GONE_OWN = "(gone from the server)"
"""What follows the name of one's own journal deleted on another device (or withheld by the
server: `Journal.own` with `read_only_copy`), whose read-only copy this device keeps."""


def ended_mark(journal: Journal) -> str:
    """What follows the name of the read-only copy of a share that ended, as `tj list` marks
    its entries (`output.journal_cell`): "(no longer served)" where only the server says so,
    else "(share ended)"."""
    return output.UNLISTED_COPY if journal.unlisted else output.ENDED_COPY


def marked(name: str, mark: str | None) -> str:
    return f"{name} {mark}" if mark else name


def result_dict(
    result: MeasureResult, change: ScoreDifference | None, course: ScoreChange | None
) -> dict[str, Any]:
    """A result in `tj measure list --json`: its fields, "change" (the difference from the
    one before: ScoreDifference's fields) and "since_baseline" (the change since the first
    result of its measure in its journal, with reliable change: ScoreChange's fields), as
    `tj measure show --json` gives them; null for the first of its measure in its journal."""
    return {
        **result.to_dict(),
        "change": change.to_dict() if change is not None else None,
        "since_baseline": course.to_dict() if course is not None else None,
    }


def change_cell(change: ScoreDifference | None) -> str:
    """A result's difference from the one before in `tj measure list`, as the caseload says
    it: "+3", "-2", "" for the first result of its measure in its journal."""
    if change is None:
        return ""
    return f"{change.change:+d}"


def answers_table(result: MeasureResult, chosen: Instrument) -> Table:
    rows = [
        (str(number), text, f"{value} {chosen.option_label(value)}")
        for number, (text, value) in enumerate(
            zip(chosen.items, result.answers or (), strict=False), 1
        )
    ]
    question = chosen.stored_unscored  # GAD-7's until its version 2: still shown
    if question is not None and result.unscored is not None:
        label = next((o.label for o in question.options if o.value == result.unscored), "")
        retired = chosen.retired_unscored if chosen.unscored is None else None
        said = f"not scored; {retired.shown_as}" if retired is not None else "not scored"
        rows.append(("", question.text, f"{result.unscored} {label} ({said})"))
    columns = [Column("item", FIXED), Column("question"), Column("answer")]
    return fitted(columns, rows, title="answers")
