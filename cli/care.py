"""`tj assign`, `tj assignments`, `tj due` and `tj homework`: measures and homework between
sessions. Every command is one SDK call on `client.assignments` or `client.homework`
(client_sdk/care.py).
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

import click

from cli import output
from cli.care_views import (
    ENDED_TOLD_DAYS,
    assignments_table,
    due_table,
    ended_lines,
    every_text,
    homework_table,
    homework_text,
    schedule_of,
    unseen_text,
)
from cli.dates import AHEAD, MOMENT
from cli.homes import profile_words
from cli.main import (
    PLAIN_LINE,
    PLAIN_NAME,
    Home,
    cli,
    found_after_sync,
    journal_filter_option,
    journal_option,
    json_option,
    pass_home,
    sync_note,
    synced_first,
    then_sync,
)
from cli.paging import check_paging, filter_words, newest_options, shown_count, tell_cut
from cli.terminal import Failed
from client_sdk import InvalidInput
from client_sdk.care_terms import COMPLETIONS, NOT_IN_COPY, UNSEEN_IN_COPY

if TYPE_CHECKING:
    from client_sdk import Client, FieldWrite
    from client_sdk.results import MeasureResult
    from client_sdk.schedule import Assignment, Due, HomeworkEntry
    from client_sdk.templates import Template, TemplateField


@cli.command("assign")
@click.argument("journal_name", metavar="JOURNAL", type=PLAIN_NAME)
@click.argument("task_type", metavar="measure|homework", type=click.Choice(["measure", "homework"]))
@click.argument("target", metavar="WHAT", type=PLAIN_NAME)
@click.option(
    "--every",
    "every_days",
    type=click.IntRange(1, 366),
    metavar="DAYS",
    help="Repeat every DAYS days (default: once).",
)
@click.option(
    "--starts",
    type=AHEAD,
    metavar="DATE",
    help="First due: YYYY-MM-DD (its start) or 'YYYY-MM-DD HH:MM', local time; default now.",
)
@click.option(
    "--note",
    default="",
    metavar="TEXT",
    type=PLAIN_LINE,
    help="A few words for the client.",
)
@click.option(
    "--yes",
    "-y",
    is_flag=True,
    help="Do not ask when the journal already has it (for scripts).",
)
@json_option
@pass_home
def assign(
    home: Home,
    journal_name: str,
    task_type: str,
    target: str,
    every_days: int | None,
    starts: datetime | None,
    note: str,
    yes: bool,
    as_json: bool,
) -> None:
    """Assign a measure (phq9, gad7, pcl5) or homework (thought-record,
    behavioural-activation, sleep-diary) in a client's JOURNAL; needs the annotate role.
    Syncs first, so the client's latest results (an item 9 answered above 0) decide when it
    is first due.
    When the journal already has it on the same schedule (and it is still asked for),
    asks first: assigned twice, it is due twice (--yes does not ask).

    \b
    Examples:
      tj assign ana/Personal measure phq9 --every 14
      tj assign ana/Personal homework sleep-diary --every 1 --note "Each morning this week"
    """
    deciding = "deciding its first due date from"

    async def synced_then_already(client: Client) -> list[Assignment]:
        # a result (an item-9 answer, its flag) sent minutes ago decides the first due date
        # and the note: synced first, one quick try, said when it fails
        await synced_first(client, deciding, tell_flags=True)
        return await client.assignments.already_assigned(journal_name, task_type, target)

    if not yes:  # NU47 #12: the same twice gave the client two due
        already = home.run(synced_then_already)
        same = [a for a in already if a.every_days == every_days]  # another schedule: on purpose
        if same:
            output.confirm(repeat_question(same), abort=True, err=True)

    async def work(
        client: Client,
    ) -> tuple[Assignment, Due | None, str, list[MeasureResult], list[Assignment]]:
        same = []  # asked about above without --yes; said after it with --yes
        if yes:
            already = await synced_then_already(client)
            same = [a for a in already if a.every_days == every_days]
        made = await client.assignments.assign(
            journal_name,
            task_type,
            target,
            every_days=every_days,
            starts_at=starts.astimezone() if starts else None,
            note=note,
        )
        asking = await client.assignments.due(made.journal_id, include_upcoming=True)
        due = next((d for d in asking if d.assignment.id == made.id), None)
        weighed = await results_weighed(client, made, due)
        # a flag that came since the first sync: said as that one's (never only "Synced.")
        return made, due, await sync_note(client, tell_flags=True), weighed, same

    made, due, sync, weighed, twice = home.run(work)
    counted = counted_result(due, weighed)
    recent = taken_recently(made, due, weighed)
    if as_json:  # where it stands, as `tj assignments --json`, and what the text adds
        output.print_json(
            {
                **made.to_dict(),
                **schedule_of(made, {} if due is None else {made.id: due}),
                "counted_result_id": counted.id if counted is not None else None,
                "result_note": recent or None,
            }
        )
    else:
        output.data(made.id)
        unseen = due is not None and not due.seen_by_assigner  # a copy of some fields
        output.message(
            f"Assigned {made.title}, {every_text(made)}, in {made.journal}; first due "
            f"{first_due_text(made, due, counted)}{' as this device sees it' if unseen else ''}"
            f"; the client sees it in {output.their_command_text('tj due')} after their next "
            "sync."
        )
        if unseen:  # said now, not only later in `tj assignments`
            kind = "measure" if made.type == "measure" else "homework"
            why = (
                UNSEEN_IN_COPY[kind]
                if due is None or due.copy_carries
                else NOT_IN_COPY[kind]  # never, done or not (NU64 F15)
            )
            output.message(
                f"Note: {output.quoted(made.journal)} is a copy of some of the client's fields: "
                f"{why}; and one they did lately, which this device cannot "
                "see, may move its first due date for them.",
                wrap=True,
            )
        if recent:
            output.message(recent, wrap=True)
        if twice:  # --yes asked nothing: a one-off assigned twice is due twice
            cancel = output.command(["tj", "assignments", "cancel", output.short_id(made.id)])
            output.message(
                f"Note: {repeat_words(twice)}, so the client is asked for it "
                f"{'twice' if len(twice) == 1 else f'{len(twice) + 1} times'}: {cancel} "
                "cancels this one.",
                wrap=True,
            )
    if sync:
        output.message(output.note_line(sync))


async def results_weighed(client: Client, made: Assignment, due: Due | None) -> list[MeasureResult]:
    """For a measure assignment, the client's results of it in that journal (newest first)
    that `tj assign` weighs: those within the form's recall period before its first due date
    (a PHQ-9 asks about the last 2 weeks), and the one its schedule counts (`Due.last_done`:
    within a period before its start); [] for homework."""
    from client_sdk.scoring import instrument

    if made.type != "measure":
        return []
    form = instrument(made.target)
    first = due.due_at if due is not None else made.starts_at
    since = min(first, made.starts_at) - timedelta(days=form.recall_days)
    if due is not None and due.last_done is not None:
        since = min(since, due.last_done)
    return await client.measures.list(made.journal_id, measure=form.id, since=since)


def counted_result(due: Due | None, weighed: list[MeasureResult]) -> MeasureResult | None:
    """The result a new assignment's schedule counts (its `Due.last_done`), from `weighed`
    (`results_weighed`); None when none counts. Pure."""
    if due is None or due.last_done is None:
        return None
    return next((r for r in weighed if r.taken_at == due.last_done), None)


def taken_recently(made: Assignment, due: Due | None, weighed: list[MeasureResult]) -> str:
    """For a measure assigned to be first due within its recall period (a PHQ-9 asks about
    the last 2 weeks) after a result of it the client took in that journal: a note naming
    that result and the command that asks for it once the period is over (NU52 F6: a PHQ-9
    assigned minutes after one was taken said nothing of it); "" otherwise. Every result of
    the period counts: one with item 9 answered above 0 (or not known) is named, and then
    no advice to put the new one off is given, even after a retake, whether it repeats or
    not. A repeating one whose first due date counts a result (`first_due_text` names it)
    gets a note only for item 9: above 0, or not known to this reader. `weighed`:
    `results_weighed`. Pure."""
    from cli.measures import score_words  # not at start-up
    from client_sdk.scoring import PHQ_MANUAL_ON_ITEM_9, instrument

    if made.type != "measure":
        return ""
    form = instrument(made.target)
    counted = counted_result(due, weighed)
    # the period before its first due date; before its start when that counts a result
    first = due.due_at if due is not None and counted is None else made.starts_at
    recall = timedelta(days=form.recall_days)
    # Every result of the period, not only the latest: a retake minutes after an item-9
    # answer above 0 clears nothing (as `tj caseload` counts a retaken one).
    found = [result for result in weighed if first - result.taken_at < recall]
    if not found:
        return ""
    latest = found[0]
    concern = next((result for result in found if result.safety_concern), None)
    unknown = next((result for result in found if result.safety_unknown), None)
    if made.every_days and counted is not None and counted.taken_at >= latest.taken_at:
        # a repeating form whose first due date counts that result (a weekly PHQ-9, a form
        # each session): its line names it; nothing to cancel (NU64 F14)
        if concern is None and unknown is None:
            return ""
        if concern is None and unknown is not None:
            return (
                f"Note: whether item 9 of the {unknown.name} of "
                f"{output.local_time(unknown.taken_at)} was answered above 0 is not known to "
                "you (its answers were not shared); if it was, the client's device, where its "
                "answers are, counts no result of that period and asks for this one at its start, "
                f"{output.local_time(made.starts_at)}, so this is not one to put off."
            )
    again = [
        "tj", "assign", output.journal_word(made.journal, made.journal_id), "measure",
        made.target, "--starts",
        (latest.taken_at + recall).astimezone().date().isoformat(),
    ]  # fmt: skip
    if made.every_days:
        again[5:5] = ["--every", str(made.every_days)]
    cancel = output.command(["tj", "assignments", "cancel", output.short_id(made.id)])
    took = (
        f"Note: the client took a {latest.name} on {output.local_time(latest.taken_at)} "
        f"({score_words(latest)}); it asks about {form.recall_wording}, so this one may "
        "repeat it"
    )
    for other in (concern, unknown):  # an earlier result of the period that says more
        if other is not None and other is not latest:
            took += (
                f"; before it, within the same period, a {other.name} on "
                f"{output.local_time(other.taken_at)} ({score_words(other)})"
            )
            break
    if concern is not None:  # never a nudge to wait after that answer
        counts = (
            f"; no result of that period counts for it: it is first due at its start, "
            f"{output.local_time(made.starts_at)}, not {every_days_text(made)} after one"
            if made.every_days and (counted is None or counted.taken_at < concern.taken_at)
            else ""
        )
        return (
            f"{took}; with item 9 answered above 0, whatever the total score, "
            f"{PHQ_MANUAL_ON_ITEM_9}: this is not one to put off{counts}."
        )
    if unknown is not None:  # its item 9 may have been above 0: never reads as fine
        return (
            f"{took}; whether its item 9 was answered above 0 is not known to you (its "
            "answers were not shared), so this is not one to put off."
        )
    return f"{took}: {cancel} then {output.command(again)} asks for it when that period is over."


def first_due_text(made: Assignment, due: Due | None, counted: MeasureResult | None = None) -> str:
    """When a new assignment is first due, as `tj due` says it (`due`, its state now): its
    start, or, for a measure taken within a period before it or since a start in the past
    (schedule.py), later, saying why: a period after a result before the start ("2026-12-19
    09:00, 14 days after the PHQ-9 of 2026-12-05 09:00, which counts for it"), the next
    period for one since the start ("2026-12-11 00:00, the next period: the PHQ-9 of
    2026-12-05 10:34 counts for the one from 2026-12-04 00:00"), with the periods before
    that one, past with nothing asked for them, named (`past_periods_text`). `counted`: the
    result it counts (`counted_result`), named by its score, band and item 9 (`score_words`)."""
    from cli.measures import score_words  # not at start-up

    which = f" ({score_words(counted)})" if counted is not None else ""
    if due is None:
        return output.local_time(made.starts_at)
    if due.last_done is None or due.due_at == made.starts_at:
        return output.local_time(due.due_at)
    if due.last_done >= made.starts_at:
        every = timedelta(days=made.every_days or 0)
        period = due.due_at - every if made.every_days else made.starts_at
        return (
            f"{output.local_time(due.due_at)}, the next period: the {made.title} of "
            f"{output.local_time(due.last_done)}{which} counts for the one from "
            f"{output.local_time(period)}{past_periods_text(made.starts_at, period, every)}"
        )
    return (
        f"{output.local_time(due.due_at)}, {every_days_text(made)} after the {made.title} of "
        f"{output.local_time(due.last_done)}{which}, which counts for it"
    )


def past_periods_text(start: datetime, counted: datetime, every: timedelta) -> str:
    """What a back-dated repeating assignment (`start` in the past, period `every`) says of
    its periods before `counted`, the one a result since the start counts for: past, nothing
    asked for them (schedule.py: a result counts for the period it falls in, none before it
    is due or missed); "" when there is none. Pure."""
    if every <= timedelta(0) or counted <= start:
        return ""
    periods = math.ceil((counted - start) / every)
    if periods <= 3:
        times = [output.local_time(start + k * every) for k in range(periods)]
        which = f"from {output.and_words(times)}"
    else:
        which = f"from {output.local_time(start)} to {output.local_time(counted - every)}"
    what = "the period" if periods == 1 else f"the {periods} periods"
    return f" ({what} {which}, before it, {'is' if periods == 1 else 'are'} past: not asked for)"


def every_days_text(made: Assignment) -> str:
    """ "14 days" (a recurring assignment's period)."""
    days = made.every_days or 0
    return f"{days} day{'' if days == 1 else 's'}"


def repeat_question(same: list[Assignment]) -> str:
    """ "ana/Personal already has PHQ-9 every 14 days (08f252b7eb33): assign it again?"
    (`same`: those of `Assignments.already_assigned` on the schedule asked for)."""
    return f"{repeat_words(same)}: assign it again?"


def repeat_words(same: list[Assignment]) -> str:
    """ "ana/Personal already has PHQ-9 every 14 days (08f252b7eb33)" (`same`: those of
    `Assignments.already_assigned` on the schedule asked for)."""
    had = output.and_words([f"{a.title} {every_text(a)} ({output.short_id(a.id)})" for a in same])
    return f"{same[0].journal} already has {had}"


@cli.group(invoke_without_command=True)
@journal_filter_option
@click.option(
    "--all",
    "include_all",
    is_flag=True,
    help="Include cancelled ones and those that ended with their share.",
)
@json_option
@pass_home
def assignments(home: Home, journal_name: str | None, include_all: bool, as_json: bool) -> None:
    """List assignments (or cancel one you made), each with where it stands: OVERDUE, due or
    next (with when), done (a one-off), and when it was last done. Those that ended with
    their share (it ended, or was changed) are said after the list, with how and when: they
    no longer count as due (one done before stays "done"). --json adds "status", "due_at"
    and "last_done" (UTC), and lists those that ended with their share too (as the text says
    them after the list): "status" "ended" (or "done"), "share_ended" true, "share_end" how
    and when.

    \b
    Examples:
      tj assignments --journal ana/Personal
      tj assignments cancel 3fa9c2
    """
    if click.get_current_context().invoked_subcommand is not None:
        return

    async def work(client: Client) -> tuple[list[Assignment], dict[str, Due], str]:
        await synced_first(client)
        found = await client.assignments.list(
            journal_name, include_cancelled=include_all, include_ended=True
        )
        due: dict[str, Due] = {}
        for journal_id in sorted({a.journal_id for a in found}):
            for item in await client.assignments.due(
                journal_id, include_upcoming=True, include_done=True, include_ended=True
            ):
                due[item.assignment.id] = item
        return found, due, client.profile.username

    found, due, me = home.run(work)
    ended = [a for a in found if a.share_ended is not None and not a.cancelled]
    shown = found if include_all else [a for a in found if a.share_ended is None]
    if as_json:  # with those that ended (the text's "Ended:" lines): never lost in JSON
        output.print_json([{**a.to_dict(), **schedule_of(a, due)} for a in found])
    elif shown or not ended:
        output.show_rows(
            shown,
            as_json,
            lambda rows: assignments_table(rows, due, me, one_journal=journal_name is not None),
            "No assignments.",
        )
    if not as_json:
        output.not_delivered_note(sum(not a.delivered for a in shown), "assignment", "assignments")
        if ended and not include_all:
            for line in ended_lines(ended, due):
                output.message(line, wrap=True)  # under "Ended: " (NU47 #14)
            output.message(f"{output.command_text('tj assignments --all')} lists them.")


@assignments.command("cancel")
@click.argument("assignment_id", metavar="ID")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation (for scripts).")
@json_option
@pass_home
def assignments_cancel(home: Home, assignment_id: str, yes: bool, as_json: bool) -> None:
    """Cancel an assignment you made. Asks first, naming it (--yes does not).

    \b
    Example:
      tj assignments cancel 3fa9c2
      tj assignments cancel 3fa9c2 --yes --json
    """
    if not yes:  # refused before the question, not after it
        found = home.run(
            partial(
                found_after_sync,
                lambda client: client.assignments.cancel(assignment_id, check_only=True),
            )
        )
        output.confirm(
            f"Cancel {found.title}, {every_text(found)}, for {found.journal}?",
            abort=True,
            err=True,
        )
    cancelled, note = home.run(
        partial(then_sync, lambda client: client.assignments.cancel(assignment_id))
    )
    output.message(
        f"Cancelled {cancelled.title}, {every_text(cancelled)}, for {cancelled.journal}; {note}."
    )
    if as_json:
        output.print_json({"action": "cancelled", "assignment_id": cancelled.id})


@cli.command("due")
@click.option(
    "--journal",
    "journal_name",
    type=PLAIN_NAME,
    metavar="NAME",
    help="Only this journal (name or id; a therapist names a client's: owner/name). "
    "Default: every journal you own.",
)
@click.option("--all", "include_upcoming", is_flag=True, help="Also what comes next.")
@json_option
@pass_home
def due(home: Home, journal_name: str | None, include_upcoming: bool, as_json: bool) -> None:
    """What your therapist asked for that is due or overdue (measures and homework).

    \b
    Examples:
      tj due
      tj due --all --json
    """

    async def work(
        client: Client,
    ) -> tuple[list[Due], list[Assignment], dict[str, Due], list[str]]:
        await synced_first(client)
        due = await client.assignments.due(journal_name, include_upcoming=include_upcoming)
        ended = await client.assignments.ended(journal_name)
        done: dict[str, Due] = {}
        if ended:  # what of them was done (NU46 #6)
            for item in await client.assignments.due(
                journal_name, include_upcoming=True, include_done=True, include_ended=True
            ):
                done[item.assignment.id] = item
        return due, ended, done, await doing_words(client, due)

    found, ended, done, doing = home.run(work)
    output.show_rows(found, as_json, due_table, "Nothing is due.")
    if doing and not as_json:
        each = "it" if len(doing) == 1 else "each"
        output.message(f"To do {each}: {'; '.join(doing)}.", wrap=True)  # nu78 F5
    if not as_json:
        for item in found:
            if not item.seen_by_assigner:
                output.message(unseen_text(item))
        since = datetime.now(UTC) - timedelta(days=ENDED_TOLD_DAYS)
        recent = [a for a in ended if a.share_ended and (a.share_ended.at or since) >= since]
        for line in ended_lines(recent, done):
            output.message(line, wrap=True)


async def doing_words(client: Client, found: list[Due]) -> list[str]:
    """For each of `found` in a journal of this account's own (a client's list): the command
    that does it, after its short id when there are several: `tj measure take phq9` (in the
    journal it counts in: for one assigned in a copy kept for a therapist, the journal the
    copy is of, whose results complete it), `tj homework add sleep-diary --assignment ID`."""
    from client_sdk.errors import TJError

    mine = {j.id: j for j in await client.journals.list() if j.own}
    try:
        default = (await client.journals.default()).id
    except TJError:
        default = ""  # none here: every command names its journal
    sources = {  # this device's verified chains: the sync just done read the server's
        s.journal_id: (s.source or "", s.source_id)
        for s in (await client.shares.list(local_only=True) if found else [])
        if s.kind == "mirror" and s.source_id
    }
    said = []
    for item in found:
        assignment = item.assignment
        if assignment.journal_id not in mine:
            continue  # a client's, read by their therapist: theirs to do
        if assignment.type == "homework":
            short = output.short_id(assignment.id)
            words = ["tj", "homework", "add", assignment.target, "--assignment", short]
        else:
            name, ident = sources.get(
                assignment.journal_id, (mine[assignment.journal_id].name, assignment.journal_id)
            )
            words = ["tj", "measure", "take", assignment.target]
            if ident != default:
                words += ["--journal", output.journal_word(name, ident)]
        command = output.command(words)
        said.append(command if len(found) == 1 else f"{output.short_id(assignment.id)} {command}")
    return said


@cli.group()
def homework() -> None:
    """Structured homework from templates: thought record, behavioural activation, sleep diary.

    \b
    Examples:
      tj homework templates
      tj homework add thought-record                 # asks each field
      tj homework add sleep-diary --set bed_time=23:10 --set try_sleep_time=23:30 \\
          --set sleep_onset_minutes=20 --set awakenings=2 --set awake_minutes=15 \\
          --set final_wake_time=06:40 --set out_of_bed_time=07:00
      tj homework list --json
      tj homework history 3fa9c2                     # the values this device wrote to it
    """


@homework.command("templates")
@json_option
def homework_templates(as_json: bool) -> None:
    """The templates and their fields.

    \b
    Example:
      tj homework templates --json
    """
    from client_sdk.templates import builtin_templates

    shipped = list(builtin_templates().values())
    if as_json:
        output.print_json([template_dict(t) for t in shipped])
        return
    for shown in shipped:
        output.data(f"{shown.id}: {shown.title}")
        for spec in shown.fields:
            output.data(  # under its label at the terminal's width (NU48 #7)
                output.fields_text(
                    [
                        f"  {spec.id} ({spec.type}{'' if spec.required else ', optional'}): "
                        f"{spec.label}"
                    ]
                )
            )


def template_dict(shown: Template) -> dict[str, Any]:
    return {
        "id": shown.id,
        "title": shown.title,
        "fields": [
            {"id": f.id, "type": f.type, "label": f.label, "required": f.required}
            for f in shown.fields
        ],
        "computed": list(shown.computed),
        "source": shown.source,
    }


@homework.command("add")
@click.argument("template_name", metavar="TEMPLATE", type=PLAIN_NAME)
@click.option(
    "--set", "pairs", multiple=True, metavar="FIELD=VALUE", help="A field's value; repeat."
)
@click.option(
    "--completion",
    type=click.Choice(COMPLETIONS),
    help="Whether you did it, and how fully (asked when the fields are; else fully).",
)
@click.option(
    "--assignment",
    "assignment_id",
    metavar="ID",
    help="The assignment this answers: it counts as done for it whatever its --date.",
)
@click.option(
    "--date",
    "created_at",
    type=MOMENT,
    help="When it was done, in local time: 'YYYY-MM-DD HH:MM', YYYY-MM-DD (noon), or "
    "today/yesterday with an optional HH:MM. Default: now.",
)
@journal_option
@json_option
@pass_home
def homework_add(
    home: Home,
    template_name: str,
    pairs: tuple[str, ...],
    completion: str | None,
    assignment_id: str | None,
    created_at: datetime | None,
    journal_name: str | None,
    as_json: bool,
) -> None:
    """Write homework from TEMPLATE; without --set, asks each field. Works offline. An
    --assignment not on this device yet (assigned since it synced) is looked for with a
    sync first.

    \b
    Examples:
      tj homework add thought-record
      tj homework add sleep-diary --date "yesterday 23:00" --set bed_time=23:10 ...
      tj homework add behavioural-activation --set activity="Walk" --set planned=yes \\
          --set done=yes --set pleasure=6 --set mastery=4
    """
    from client_sdk.templates import template

    chosen = template(template_name)
    restart = [*profile_words(home.path), "homework", "add", chosen.id]
    if assignment_id is not None:
        restart += ["--assignment", assignment_id]
    if journal_name is not None:
        restart += ["--journal", output.journal_word(journal_name)]
    values = parse_pairs(chosen, pairs) if pairs else ask_fields(chosen, restart)
    if completion is None:
        completion = "fully" if pairs else ask_completion(chosen, values, restart)

    async def work(client: Client) -> tuple[HomeworkEntry, str, str | None]:
        # An assignment made since this device synced (NU43 #16: "no assignment cf94 on this
        # device: try `tj sync`" right after the therapist assigned it): synced, then found.
        added = await found_after_sync(
            lambda c: c.homework.add(
                chosen.id,
                values,
                completion=completion,
                journal=journal_name,
                assignment_id=assignment_id,
                created_at=created_at,
            ),
            client,
        )
        return added, await sync_note(client), await done_before(client, added)

    added, sync, again = home.run(work)
    output.show_item(added, as_json, homework_text, sync)
    if again is not None and not as_json:
        output.message(again)


async def done_before(client: Client, added: HomeworkEntry) -> str | None:
    """For homework just added for a one-off assignment that earlier homework had done
    already (NU43 #6: a second sleep diary for a "once" assignment was taken without a
    word): a note naming when, saying this one is kept too; else None."""
    if added.assignment_id is None or added.completion == "not done":
        return None
    found = [
        a for a in await client.assignments.list(added.journal_id) if a.id == added.assignment_id
    ]
    if not found or found[0].every_days is not None:
        return None
    assignment = found[0]
    earlier = [
        h
        for h in await client.homework.list(added.journal_id, template_name=added.template)
        if h.id != added.id
        and h.completion != "not done"
        and h.assignment_id in (None, assignment.id)  # not another assignment's (REV-CARE4 F4)
        and h.created_at <= added.created_at
        # from its start, or whatever its date when it names it (NU46 #5, schedule.py)
        and (h.assignment_id == assignment.id or assignment.starts_at <= h.created_at)
    ]
    if not earlier:
        return None
    first = min(earlier, key=lambda h: h.created_at)
    return (
        f"Note: {assignment.title} was assigned once and was already done on "
        f"{output.local_time(first.created_at)} (homework {output.short_id(first.id)}); this "
        "one is saved as well."
    )


def parse_pairs(chosen: Template, pairs: tuple[str, ...], *, clear: bool = False) -> dict[str, Any]:
    """FIELD=VALUE pairs read by the template's field types; with `clear`, FIELD= (nothing
    after the sign) clears an optional field. VALUE is made plain as `tj write TEXT` is
    (`plain_text`, then without the line breaks that end it: `--set "situation=$(cat
    notes.txt)"` from a Windows file kept its byte order mark and CRs)."""
    from client_sdk.models import plain_text
    from client_sdk.templates import parse_field_value

    values: dict[str, Any] = {}
    for pair in pairs:
        name, sep, given = pair.partition("=")
        text = plain_text(given).rstrip("\n")
        if not sep:
            raise click.BadParameter(f"--set takes FIELD=VALUE, not {pair!r}")
        spec = chosen.field(name.strip())
        values[spec.id] = None if clear and not text.strip() else parse_field_value(spec, text)
    return values


@homework.command("edit")
@click.argument("homework_id", metavar="ID")
@click.option(
    "--set",
    "pairs",
    multiple=True,
    metavar="FIELD=VALUE",
    help="A new value (FIELD= clears an optional one); repeat.",
)
@click.option(
    "--completion", type=click.Choice(COMPLETIONS), help="Whether you did it, and how fully."
)
@json_option
@pass_home
def homework_edit(
    home: Home, homework_id: str, pairs: tuple[str, ...], completion: str | None, as_json: bool
) -> None:
    """Change some values of your homework, or how fully you did it. Works offline; the copy
    a field-level share keeps for your therapist follows.

    \b
    Examples:
      tj homework edit 3fa9c2 --completion partly
      tj homework edit 3fa9c2 --set pleasure=7 --set mastery=
    """
    if not pairs and completion is None:
        raise click.UsageError("give --set FIELD=VALUE or --completion")
    if any("=" not in pair for pair in pairs):
        raise click.BadParameter("--set takes FIELD=VALUE")

    from client_sdk.templates import template

    async def work(client: Client) -> tuple[HomeworkEntry, str]:
        current = await client.homework.get(homework_id)
        values = parse_pairs(template(current.template), pairs, clear=True)
        edited = await client.homework.edit(homework_id, values=values, completion=completion)
        return edited, await sync_note(client)

    edited, sync = home.run(work)
    output.show_item(edited, as_json, homework_text, sync)


@homework.command("delete")
@click.argument("homework_id", metavar="ID")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation (for scripts).")
@json_option
@pass_home
def homework_delete(home: Home, homework_id: str, yes: bool, as_json: bool) -> None:
    """Delete your homework for good (there is no trash), and the copies kept for your
    therapist. Asks first (--yes does not).

    \b
    Examples:
      tj homework delete 3fa9c2
      tj homework delete 3fa9c2 --yes
    """

    async def found_and_checked(client: Client) -> HomeworkEntry:
        found = await client.homework.get(homework_id)
        await client.homework.delete(homework_id, check_only=True)  # before asking (NU23 C8)
        return found

    found = home.run(partial(found_after_sync, found_and_checked))
    what = f"the {found.title} of {output.local_time(found.created_at)}"
    if not yes:
        output.confirm(
            f"Delete {what} for good, and its copies for your therapist?", abort=True, err=True
        )
    _, note = home.run(partial(then_sync, lambda client: client.homework.delete(homework_id)))
    output.message(f"Deleted {what}; {note}.")
    if as_json:
        output.print_json({"action": "deleted", "homework_id": found.id})


@homework.command("history")
@click.argument("homework_id", metavar="ID")
@json_option
@pass_home
def homework_history(home: Home, homework_id: str, as_json: bool) -> None:
    """Show the values this device gave your homework (each field, by the name --set
    takes, and how fully you did it), oldest first: those you entered when you added it here,
    then each `tj homework edit`'s; and what it holds now. (Homework added before this
    version of tj: its history begins with its first edit.)

    It holds only this device's own changes: when two devices changed the same homework
    while apart, one device's values are kept everywhere (`tj sync` says so) and the values
    this device had stay here. Another device's values are not in it (`tj homework show ID`
    reads it as it is now). Only the client who
    wrote homework has a history of it: a therapist's device has none. --json: the homework
    and its history ("kind", "id", "field", "value", "at").

    \b
    Example:
      tj homework history 3fa9c2
    """
    from cli import histories
    from client_sdk import AccessError

    async def work(client: Client) -> tuple[HomeworkEntry, list[FieldWrite]]:
        found = await client.homework.get(homework_id)
        try:
            return found, await client.homework.history(homework_id)
        except AccessError:
            raise Failed(
                f"{output.titled('homework', found.id, found.title)} of {output.quoted(found.journal)} "
                "was written by another account: only the client who wrote it has a history of "
                "their changes, kept on their own devices; "
                f"{output.command(['tj', 'homework', 'show', output.short_id(found.id)])} shows it as it is now",
                "owner's own",
            ) from None

    found, writes = home.read(work)
    if as_json:
        histories.history_json("homework", found.to_dict(), writes)
        return
    from client_sdk.templates import template

    # a value cleared since (`--set FIELD=`) is "none" now, as the history says it
    now: dict[str, Any] = {f"values.{spec.id}": None for spec in template(found.template).fields}
    now.update({f"values.{name}": value for name, value in found.values.items()})
    now["completion"] = found.completion
    histories.print_history(
        writes,
        now,
        lambda field: field.removeprefix("values."),
        f"This device never changed the values or the completion of "
        f"{output.titled('homework', found.id, found.title)}.",
    )


def ask_fields(chosen: Template, again: list[str]) -> dict[str, Any]:
    """Each field of the template in turn; a value the field does not take is explained and
    asked again at once, so nothing typed before it is lost. Stopped by Ctrl-C, the command
    says that nothing of this homework was saved, with `again` (the command that starts it
    over) (`stopped_asking`)."""
    from client_sdk.templates import check_value, parse_field_value

    click.echo(f"{chosen.title}: {chosen.description}", err=True)
    values: dict[str, Any] = {}
    try:
        for spec in chosen.fields:
            hint = "" if spec.required else " (optional: Enter to skip)"
            while True:
                text = click.prompt(
                    f"{spec.label}{hint}",
                    default="" if not spec.required else None,
                    show_default=False,
                    err=True,
                )
                if text == "":
                    break
                try:
                    values[spec.id] = check_value(spec, parse_field_value(spec, str(text)))
                    break
                except InvalidInput as error:
                    click.echo(f"  {answer_refused(spec, error)}: try again.", err=True)
    except (KeyboardInterrupt, click.Abort):
        stopped_asking(chosen, values, again)
        raise
    return values


def answer_refused(spec: TemplateField, error: InvalidInput) -> str:
    """Why an answer typed at a field's question was refused, in words about the answer (NU78
    F1: "rerated_intensity is a whole number", the field's id, which `--set` takes and the
    person answering the question never saw): "The answer is a whole number from 0 to 100,
    not 'abc'". Pure."""
    said = str(error)
    if not said.startswith(f"{spec.id} "):
        return said
    said = said.removeprefix(f"{spec.id} ")
    if spec.max is not None and said.startswith("is a whole number,"):
        low = spec.min if spec.min is not None else 0
        said = said.replace("a whole number,", f"a whole number from {low} to {spec.max},", 1)
    return f"The answer {said}"


def ask_completion(chosen: Template, values: dict[str, Any], again: list[str]) -> str:
    try:
        return str(
            click.prompt(
                "Did you do it?", type=click.Choice(COMPLETIONS), default="fully", err=True
            )
        )
    except (KeyboardInterrupt, click.Abort):
        stopped_asking(chosen, values, again)
        raise


def stopped_asking(chosen: Template, values: dict[str, Any], again: list[str]) -> None:
    """What `tj homework add` stopped by Ctrl-C while it asked says (`output.stopped_unsaved`):
    nothing of this homework was saved, how many answers that loses, and `again`, the command
    that starts it over (never "what this device had saved is kept": the typed answers are
    gone)."""
    answered = len(values)
    what = (
        f"the {output.plural(answered, 'answer', 'answers')} you typed "
        f"({answered} of {len(chosen.fields)} fields) {'is' if answered == 1 else 'are'} not kept"
        if answered
        else "no answer was typed yet"
    )
    output.stopped_unsaved(
        f"Stopped: nothing was saved of this {chosen.title}; {what}. "
        f"{output.command(again)} starts it again."
    )


@homework.command("list")
@click.option(
    "--template", "template_name", metavar="TEMPLATE", type=PLAIN_NAME, help="Only this template."
)
@journal_filter_option
@newest_options("homework entry", "homework entries", "written")
@json_option
@pass_home
def homework_list(
    home: Home,
    template_name: str | None,
    journal_name: str | None,
    since: date | None,
    until: date | None,
    limit: int | None,
    show_all: bool,
    as_json: bool,
) -> None:
    """Homework, newest first. The summary is a sleep diary's sleep efficiency, else the
    first field answered in the template's order (a thought record's situation, an
    activation's activity).

    Shows the newest 20 and says how many more match; --limit N shows N, --all every one.
    --json prints all that match unless --limit is given. DATE is YYYY-MM-DD, today or
    yesterday, in local time.

    \b
    Examples:
      tj homework list --template sleep-diary
      tj homework list --journal ana --since 2026-10-01 --all
    """
    check_paging(since, until, limit, show_all)
    matching = home.read(
        lambda client: client.homework.list(
            journal_name, template_name=template_name, since=since, until=until
        )
    )
    found = matching[: shown_count(limit, show_all, as_json)]
    filtered = since is not None or until is not None
    output.show_rows(
        found, as_json, homework_table, "No homework matches." if filtered else "No homework yet."
    )
    if not as_json:  # the newest 20 of 392 (NU47 #9)
        filters = filter_words(
            template=template_name, journal=journal_name, since=since, until=until
        )
        command = [*profile_words(home.path), "homework", "list", *filters]
        tell_cut(len(found), len(matching), "homework entries", command, limited=limit is not None)


@homework.command("show")
@click.argument("homework_id", metavar="ID")
@json_option
@pass_home
def homework_show(home: Home, homework_id: str, as_json: bool) -> None:
    """One piece of homework: id, homework, journal, written, completion; then each field
    answered, as its label with the value indented below it, in the template's order (`tj
    homework templates`); then the values computed from them (a sleep diary's time in bed,
    total sleep time and sleep efficiency). --json keeps the same order.

    \b
    Example:
      tj homework show 3fa9c2
    """
    found = home.read(lambda client: client.homework.get(homework_id))
    output.show_item(found, as_json, homework_text)
