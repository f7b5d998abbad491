"""`tj goal`: goals set with your therapist, and the check-ins that track them."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

import click
from rich.table import Table

from cli import output
from cli.dates import DAY, MOMENT
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
    then_sync,
)
from cli.tables import DATE, FIXED, ID, NAME, Column, fitted
from cli.terminal import Failed

if TYPE_CHECKING:
    from client_sdk import Change, CheckIn, Client, FieldWrite, Goal

F = TypeVar("F", bound=Callable[..., Any])
BAR_WIDTH = 10
MAX_PROGRESS = 1000
"""The SDK's `client_sdk.goals.MAX_SESSIONS` (not imported at start-up), checked equal by
tests/test_cli_nu38b.py."""
YES_HELP = "Do not ask about more sessions than the whole goal (for scripts)."


def past_target_note(target: date | None) -> None:
    """A target date already past is kept (an old goal written down late), and said."""
    if target is not None and target < date.today():
        output.message(f"Note: the target date {target.isoformat()} has already passed.")


def progress_option(help: str) -> Callable[[F], F]:
    """`--progress N` of a check-in (`tj goal checkin`, `tj goal checkin-edit`): the sessions
    it records, or the percent reached; a whole number from 0 to MAX_PROGRESS, the bound
    shown in the help (NU38 N3). `help` says it for the command."""
    return click.option("--progress", type=click.IntRange(0, MAX_PROGRESS), metavar="N", help=help)


@cli.group()
def goal() -> None:
    """Set goals and track them with check-ins. Goals sync like entries, and a goal in a
    journal shared with your therapist is one you can follow together.

    \b
    Examples:
      tj goal add "Walk three times a week" --measure "12 sessions" --target 2027-03-01
      tj goal checkin 3fa9c2 --note "Walked by the river"
      tj goal checkin-edit 3fa9c2 81d0 --note "Walked by the sea"
      tj goal undo 3fa9c2
      tj goal edit 3fa9c2 --target 2027-04-01
      tj goal list
      tj goal history 3fa9c2        # the values this device wrote to it
    """


@goal.command("add")
@click.argument("title", type=PLAIN_LINE)
@click.option(
    "--why",
    default="",
    metavar="TEXT",
    type=PLAIN_LINE,
    help="Why this goal matters to you.",
)
@click.option(
    "--target", type=DAY, metavar="DATE", help="Target date: YYYY-MM-DD, today or tomorrow."
)
@click.option(
    "--measure",
    type=PLAIN_NAME,
    metavar='"N sessions"|percent',
    help='How progress counts: "N sessions" (each check-in adds sessions) or percent '
    "(each check-in says how far along you are).",
)
@journal_option
@json_option
@pass_home
def goal_add(
    home: Home,
    title: str,
    why: str,
    target: date | None,
    measure: str | None,
    journal_name: str | None,
    as_json: bool,
) -> None:
    """Set a new goal; prints its id alone on stdout (for scripts), what was saved on
    stderr. Works offline.

    \b
    Examples:
      tj goal add "Say no without apologising" --why "I overcommit" --measure percent
      tj goal add "Attend group" --measure "6 sessions" --journal Therapy
    """

    def add(client: Client) -> Awaitable[Goal]:
        return client.goals.add(
            title,
            journal=journal_name,
            why=why,
            target=target,
            measure=measure,
        )

    past_target_note(target)
    added, note = home.run(partial(then_sync, add))
    if as_json:
        output.print_json(added.to_dict())
    else:
        output.data(added.id)  # alone on stdout, for scripts
    output.message(output.saved_text(output.titled("Goal", added.id, added.title), note))


@goal.command("checkin")
@click.argument("goal_id", metavar="GOAL_ID")
@progress_option("Sessions this check-in records (default 1), or the percent reached.")
@click.option(
    "--note",
    default="",
    metavar="TEXT",
    type=PLAIN_LINE,
    help="A few words on how it went.",
)
@click.option(
    "--date",
    "at",
    type=MOMENT,
    help="When it happened, in local time: 'YYYY-MM-DD HH:MM', YYYY-MM-DD (noon), or "
    "today/yesterday with an optional HH:MM. Default: now.",
)
@click.option("--yes", "-y", is_flag=True, help=YES_HELP)
@json_option
@pass_home
def goal_checkin(
    home: Home,
    goal_id: str,
    progress: int | None,
    note: str,
    at: datetime | None,
    yes: bool,
    as_json: bool,
) -> None:
    """Check in on a goal: record progress and a note. Works offline; check-ins made on two
    devices at once are all kept. A check-in of more sessions than the goal's whole target
    asks first.

    \b
    Examples:
      tj goal checkin 3fa9c2 --note "Went to the Tuesday group"
      tj goal checkin 3fa9c2 --progress 40
      tj goal checkin 3fa9c2 --date "yesterday 19:00"
    """

    def checkin(client: Client, check_only: bool = False) -> Awaitable[Goal]:
        return client.goals.checkin(
            goal_id, progress=progress, note=note, at=at, check_only=check_only
        )

    if not yes and progress is not None and progress > 1:
        # refused before the question, not after it (NU23 C8)
        found = home.run(partial(found_after_sync, partial(checkin, check_only=True)))
        confirm_progress(found, progress)

    result = home.run(partial(synced_goal, checkin))
    checked, _, arrived = result
    saved = f"Check-in on {output.titled('goal', checked.id, checked.title)}"
    print_goal(result[:2], as_json, saved)
    if arrived:
        output.message(
            f"Note: {output.plural(arrived, 'check-in', 'check-ins')} on {output.quoted(checked.title)} "
            "from another device arrived in this sync (counted above)."
        )
    if checked.done:
        output.message(
            f"Note: {output.quoted(checked.title)} is already marked done; the check-in is kept."
        )
    elif checked.measure is not None and checked.progress > checked.measure.target:
        output.message(
            f"Note: that brings the goal to {checked.progress} of {checked.measure}, more than "
            "its target; the check-in is kept "
            f"({output.command_text('tj goal edit ID --measure')} changes the target; {done_hint(checked)})."
        )
    elif checked.reached:
        output.message(f"Note: that reaches the goal's {checked.measure}: {done_hint(checked)}.")


def confirm_progress(goal: Goal, progress: int) -> None:
    """Ask first when one check-in's `progress` alone is more than the whole target of a
    sessions goal (NU42 #9: `--progress 50` for 5 on a 12-session goal marked it reached);
    raises output.Declined for a "no", click.ClickException when a script gave no answer."""
    measure = goal.measure
    if measure is None or measure.kind != "sessions" or progress <= measure.target:
        return
    output.confirm(
        f"{progress} sessions in one check-in is more than the whole goal ({measure}). Save it?",
        abort=True,
        err=True,
    )


def done_hint(goal: Goal) -> str:
    """How to mark a goal whose target is reached done (NU37 #12: it stayed "due")."""
    return f"{output.command(['tj', 'goal', 'done', output.short_id(goal.id)])} marks it done"


@goal.command("checkin-edit")
@click.argument("goal_id", metavar="GOAL_ID")
@click.argument("checkin_id", metavar="CHECKIN_ID")
@progress_option("The sessions it records, or the percent reached, instead.")
@click.option("--no-progress", is_flag=True, help="Make it a plain note (no progress).")
@click.option(
    "--note",
    metavar="TEXT",
    type=PLAIN_LINE,
    help='A new note ("" empties it).',
)
@click.option("--yes", "-y", is_flag=True, help=YES_HELP)
@json_option
@pass_home
def goal_checkin_edit(
    home: Home,
    goal_id: str,
    checkin_id: str,
    progress: int | None,
    no_progress: bool,
    note: str | None,
    yes: bool,
    as_json: bool,
) -> None:
    """Correct a check-in's progress or note; it keeps its date. Works offline; syncs to
    your other devices. CHECKIN_ID is from `tj goal show GOAL_ID` (a unique prefix will do).
    More sessions than the goal's whole target asks first.

    \b
    Examples:
      tj goal checkin-edit 3fa9c2 81d0 --progress 2
      tj goal checkin-edit 3fa9c2 81d0 --note "Went with Sam"
    """
    if progress is None and note is None and not no_progress:
        raise click.UsageError("nothing to change: give --progress, --no-progress or --note")
    if progress is not None and no_progress:
        raise click.UsageError("give --progress N or --no-progress, not both")

    def edit(client: Client, check_only: bool = False) -> Awaitable[Goal]:
        return client.goals.edit_checkin(
            goal_id,
            checkin_id,
            progress=progress,
            note=note,
            clear_progress=no_progress,
            check_only=check_only,
        )

    if not yes and progress is not None and progress > 1:
        # refused before the question, not after it (NU23 C8)
        found = home.run(partial(found_after_sync, partial(edit, check_only=True)))
        confirm_progress(found, progress)

    changed, note = home.run(partial(then_sync, edit))
    wanted = checkin_id.strip().lower()  # the check-in it named, never the words as typed
    edited = next((c.id for c in changed.checkins if c.id.startswith(wanted)), wanted)
    saved = (
        f"Check-in {output.short_id(edited)} on {output.titled('goal', changed.id, changed.title)}"
    )
    print_goal((changed, note), as_json, saved)  # not a bare "synced" (NU48 #5)


@goal.command("undo")
@click.argument("goal_id", metavar="GOAL_ID")
@click.argument("checkin_id", metavar="[CHECKIN_ID]", required=False)
@click.option("--yes", "-y", is_flag=True, help="Do not ask (for scripts).")
@json_option
@pass_home
def goal_undo(home: Home, goal_id: str, checkin_id: str | None, yes: bool, as_json: bool) -> None:
    """Delete a goal's last check-in, or the one named, for good, on every device (asks
    first). Its progress stops counting. CHECKIN_ID is from `tj goal show GOAL_ID`.

    \b
    Examples:
      tj goal undo 3fa9c2
      tj goal undo 3fa9c2 81d0 --yes
    """

    async def named(client: Client) -> tuple[Goal, CheckIn]:
        found = await client.goals.get_checkin(goal_id, checkin_id)
        # refused before the question, not after it (NU23 C8)
        return await client.goals.undo_checkin(goal_id, found.id, check_only=True), found

    found, removed = home.run(partial(found_after_sync, named))
    if not yes:
        output.confirm(
            f"Delete the check-in {checkin_text(removed)} on {output.quoted(found.title)} for good?",
            abort=True,
            err=True,
        )

    def undo(client: Client) -> Awaitable[Goal]:
        return client.goals.undo_checkin(goal_id, removed.id)

    changed, note = home.run(partial(then_sync, undo))
    if as_json:
        output.print_json(changed.to_dict())
    else:
        output.data(f"{output.quoted(changed.title)}: {progress_text(changed)}")
        output.message(f"Deleted the check-in {checkin_text(removed)}; {note}.")


@goal.command("done")
@click.argument("goal_id", metavar="ID")
@json_option
@pass_home
def goal_done(home: Home, goal_id: str, as_json: bool) -> None:
    """Mark a goal as done.

    \b
    Example:
      tj goal done 3fa9c2
    """

    async def complete(client: Client) -> tuple[bool, tuple[Goal, str]]:
        already = (await found_after_sync(lambda c: c.goals.get(goal_id), client)).done
        return already, await then_sync(lambda c: c.goals.complete(goal_id), client)

    already, (done, note) = home.run(complete)
    named = output.titled("Goal", done.id, done.title)
    if as_json:
        output.print_json(done.to_dict())
        if not already:
            output.message(output.note_line(note))
    elif already:
        output.message(f"{named} was already marked done.")
    else:  # one line, as the other goal commands' (NU48 #5: "Synced." on a line of its own)
        output.message(f"{named} marked done ({progress_text(done)}); {note}.")


@goal.command("edit")
@click.argument("goal_id", metavar="ID")
@click.option("--title", metavar="TEXT", type=PLAIN_LINE, help="A new title.")
@click.option("--why", metavar="TEXT", type=PLAIN_LINE, help="A new why.")
@click.option(
    "--target", type=DAY, metavar="DATE", help="A new target date: YYYY-MM-DD, today or tomorrow."
)
@click.option("--no-target", is_flag=True, help="Remove the target date.")
@click.option("--measure", type=PLAIN_NAME, metavar='"N sessions"|percent', help="A new measure.")
@click.option("--no-measure", is_flag=True, help="Remove the measure (progress: check-ins).")
@json_option
@pass_home
def goal_edit(
    home: Home,
    goal_id: str,
    title: str | None,
    why: str | None,
    target: date | None,
    no_target: bool,
    measure: str | None,
    no_measure: bool,
    as_json: bool,
) -> None:
    """Change a goal's title, why, target date or measure; check-ins stay. Works offline.

    \b
    Examples:
      tj goal edit 3fa9c2 --title "Walk twice a week" --measure "8 sessions"
      tj goal edit 3fa9c2 --no-target
    """
    if all(v is None for v in (title, why, target, measure)) and not (no_target or no_measure):
        raise click.UsageError("nothing to change: give --title, --why, --target or --measure")

    def edit(client: Client) -> Awaitable[Goal]:
        return client.goals.edit(
            goal_id,
            title=title,
            why=why,
            target=target,
            measure=measure,
            clear_target=no_target,
            clear_measure=no_measure,
        )

    past_target_note(target)
    changed, note = home.run(partial(then_sync, edit))
    print_goal((changed, note), as_json, output.titled("Goal", changed.id, changed.title))


@goal.command("delete")
@click.argument("goal_id", metavar="ID")
@click.option("--yes", "-y", is_flag=True, help="Do not ask (for scripts).")
@json_option
@pass_home
def goal_delete(home: Home, goal_id: str, yes: bool, as_json: bool) -> None:
    """Delete a goal and its check-ins for good, on every device (asks first).

    \b
    Example:
      tj goal delete 3fa9c2
    """
    if not yes:
        # refused before the question, not after it (NU23 C8)
        found = home.run(
            partial(found_after_sync, lambda client: client.goals.delete(goal_id, check_only=True))
        )
        checkins = output.plural(len(found.checkins), "check-in", "check-ins")
        output.confirm(
            f"Delete the goal {output.quoted(found.title)} and its {checkins} for good?",
            abort=True,
            err=True,
        )
    gone, note = home.run(partial(then_sync, lambda client: client.goals.delete(goal_id)))
    output.message(f"Deleted the goal {output.quoted(gone.title)}; {note}.")
    if as_json:
        output.print_json({"action": "deleted", "goal_id": gone.id})


@goal.command("list")
@journal_filter_option
@json_option
@pass_home
def goal_list(home: Home, journal_name: str | None, as_json: bool) -> None:
    """List goals with their progress: yours first, then by client (the journal's owner,
    ignoring case), open ones first, then by journal, newest first; --json in the same
    order.

    \b
    Examples:
      tj goal list
      tj goal list --journal Therapy --json
    """
    goals = home.read(lambda client: client.goals.list(journal_name))
    output.show_rows(
        goals,
        as_json,
        goals_table,
        f"No goals yet: set one with {output.command_text('tj goal add TITLE')}.",
    )


@goal.command("show")
@click.argument("goal_id", metavar="ID")
@json_option
@pass_home
def goal_show(home: Home, goal_id: str, as_json: bool) -> None:
    """Show a goal and all its check-ins.

    \b
    Example:
      tj goal show 3fa9c2
    """
    found = home.read(lambda client: client.goals.get(goal_id))
    if as_json:
        output.print_json(found.to_dict())
        return
    output.data(goal_text(found))
    if found.checkins:
        output.print_table(checkins_table(found))


@goal.command("history")
@click.argument("goal_id", metavar="ID")
@json_option
@pass_home
def goal_history(home: Home, goal_id: str, as_json: bool) -> None:
    """Show the values this device gave a goal's title, target date and measure, and its
    check-ins' progress and notes, oldest first (those given when the goal or a check-in was
    made here, then each edit's; a goal added before this version of tj: its first edit's),
    and what the goal holds now.

    It holds only this device's own changes: when two devices changed the same field while
    apart, one value is kept everywhere (`tj sync` says so) and the value this device had
    stays here. Another device's values are not in it, nor the why (two devices' changes of
    it are merged: `tj goal show ID` reads it); deleting a goal forgets its history. Only
    the client who wrote a goal has a history of it: a therapist's device has none. --json:
    the goal and its history ("kind", "id", "field", "value", "at").

    \b
    Example:
      tj goal history 3fa9c2
    """
    from cli import histories

    async def work(client: Client) -> tuple[Goal, list[FieldWrite]]:
        found = await client.goals.get(goal_id)
        journals = await client.journals.list()
        if not any(j.own for j in journals if j.id == found.journal_id):
            # a client's goal, as `tj homework history` says of their homework (NU57 #10)
            raise Failed(
                f"{output.titled('goal', found.id, found.title)} of "
                f"{output.quoted(found.journal)} was written by another account: only the "
                "client who wrote it has a history of their changes, kept on their own "
                "devices; "
                f"{output.command(['tj', 'goal', 'show', output.short_id(found.id)])} shows "
                "it as it is now",
                "owner's own",
            )
        return found, await client.goals.history(goal_id)

    found, writes = home.read(work)
    if as_json:
        histories.history_json("goal", found.to_dict(), writes)
        return
    now: dict[str, Any] = {
        "title": found.title,
        "target": found.target.isoformat() if found.target else None,
        "measure": str(found.measure) if found.measure is not None else None,
    }
    for checkin in found.checkins:
        now[f"checkin.{checkin.id}.progress"] = checkin.progress
        now[f"checkin.{checkin.id}.note"] = checkin.note
    histories.print_history(
        writes,
        now,
        goal_field_words,
        f"This device never changed the title, target date or measure of "
        f"{output.titled('goal', found.id, found.title)}, nor a check-in's progress or note.",
    )


def goal_field_words(field: str) -> str:
    """A goal's field in `tj goal history`: "target date", "check-in 81d0ab3c2e4f note"."""
    pieces = field.split(".")
    if len(pieces) == 3 and pieces[0] == "checkin":
        return f"check-in {output.short_id(pieces[1])} {pieces[2]}"
    return "target date" if field == "target" else field


async def synced_goal(
    change: Callable[[Client], Awaitable[Goal]], client: Client
) -> tuple[Goal, str, int]:
    """`then_sync(change)`, with the goal read again after the sync, so that its progress
    counts what the sync brought (NU31 #8: another device's check-in was left out of the
    progress printed, then counted by `tj goal show`), and how many check-ins the sync
    brought from another device (said, since `tj sync` will then have nothing new to say of
    them). A check-in another `tj` command of this device made meanwhile (two commands at
    once on one home) is counted in the progress but is no arrival: it is counted only when
    the sync merged records of another device into the goal (a change of origin "sync"), and
    only what was not on this device before the sync began and was not made here
    (`Goals.made_here`: this device marks each check-in it makes, whichever command made
    it; the records name no device), also when both land in the same sync."""
    from client_sdk.errors import NotFound

    changed = await found_after_sync(change, client)
    try:
        before = await client.goals.get(changed.id)  # with this device's other commands' ones
    except NotFound:
        before = changed
    merged: list[str] = []

    def merging(found: Change) -> None:  # records of another device merged into the goal
        if found.id == changed.id and found.origin == "sync":
            merged.append(found.id)

    stop = client.on_change(merging)
    try:
        note = await sync_note(client)
    finally:
        stop()
    try:
        after = await client.goals.get(changed.id)
    except NotFound:  # deleted on another device meanwhile: what this device wrote
        return changed, note, 0
    if not merged:  # nothing of another device's: any check-in new here is this device's
        return after, note, 0
    held = {c.id for c in before.checkins}
    with contextlib.suppress(NotFound):  # deleted meanwhile: the goal as read above
        held |= await client.goals.made_here(changed.id)
    return after, note, sum(1 for c in after.checkins if c.id not in held)


def print_goal(result: tuple[Goal, str], as_json: bool, saved: str = "") -> None:
    """The goal changed, then the sync's note on stderr: after `saved` ("Check-in on goal
    3fa9c2 ('Walk') saved; synced.", as `tj goal add` says: NU37 #12) when given."""
    changed, note = result
    if as_json:
        output.print_json(changed.to_dict())
    else:
        output.data(f"{output.quoted(changed.title)}: {progress_text(changed)}")
    output.message(output.saved_text(saved, note) if saved else note)


# --- how goals look ----------------------------------------------------------------------------


def progress_text(goal: Goal) -> str:
    """How far along a goal is: "3/5 sessions ██████░░░░ 60%", "40% ████░░░░░░" or
    "2 check-ins"."""
    if goal.measure is None or goal.fraction is None:
        count = len(goal.checkins)
        return f"{count} check-in{'s' if count != 1 else ''}"
    bar = progress_bar(goal.fraction)
    if goal.measure.kind == "percent":
        return f"{goal.progress}% {bar}"
    return f"{goal.progress}/{goal.measure.target} sessions {bar} {round(goal.fraction * 100)}%"


def progress_bar(fraction: float, width: int = BAR_WIDTH) -> str:
    filled = round(fraction * width)
    return "█" * filled + "░" * (width - filled)


def status_text(goal: Goal, today: date | None = None) -> str:
    """ "done DATE", "reached" once its measure's target is met (NU38 #4: a goal at 100 %
    read "due"; only the user marks it done), "due DATE", "overdue DATE" once the target
    date passed before `today` (default: today, local; NU35 #9: a goal past its target still
    read "due"), or "open" (`client_sdk.goals.status_words`, the words every command says)."""
    from client_sdk.goals import status_words

    done_on = goal.done_at.astimezone().date() if goal.done_at else None
    return status_words(goal.done, goal.reached, goal.target, today or date.today(), done_on)


def goals_table(goals: list[Goal]) -> Table:
    """Fitted to the terminal (tables.py): the progress and the status (the target date) are
    never wrapped nor cut, the journal's name never cut (NU21 C13), and a goal's title, what
    is read, wrapped whole in its column (NU35 leftover #2: "Walk thre…" beside a 30-column
    progress bar at 80 columns), the status breaking between its words ("due" above
    "2027-03-01") before the title wraps (NU42 #11); when they do not all fit, the journal
    goes below its row first (`Column.minor`)."""
    columns = [
        ID,
        Column("goal"),
        Column("journal", NAME, minor=True),
        Column("progress", FIXED),
        Column("status", NAME, bends=True),  # "due" above the date before a title wraps
    ]
    rows = (
        (output.short_id(g.id), g.title, g.journal, progress_text(g), status_text(g)) for g in goals
    )
    return fitted(columns, rows)


def goal_text(goal: Goal) -> str:
    """One goal for reading: header lines, then why it matters. Reached and not done, with
    the command that marks it done: its title and journal's name quoted as names are
    (`output.quoted`: a newline or a backtick in them written as an escape), and why it
    matters said on one line, a backtick in it written `\\x60` (`output.prose`), so that no
    text of the goal's author reads as a command, or as a line of its own, beside it."""
    hint = goal.reached and not goal.done
    named = output.quoted if hint else str
    lines = [
        f"id:       {goal.id}",
        f"goal:     {named(goal.title)}",
        f"journal:  {named(goal.journal)}",
        f"measure:  {goal.measure or 'none'}",
        f"progress: {progress_text(goal)}",
        f"target:   {goal.target.isoformat() if goal.target else 'none'}",  # NU57 #13
        f"status:   {status_text(goal)}" + (f": {done_hint(goal)}" if hint else ""),
        f"created:  {output.local_time(goal.created_at)}",
    ]
    why = output.prose(output.one_line(goal.why)) if hint else goal.why
    return "\n".join(lines) + (f"\n\n{why}" if why else "")


def checkin_text(checkin: CheckIn) -> str:
    """A check-in named for a person and told apart from others of the same minute: its id
    as `tj goal show` prints it, its time, progress, then its note's first words."""
    words = output.first_words(checkin.note)
    progress = "" if checkin.progress is None else f", progress {checkin.progress}"
    named = f"{output.short_id(checkin.id)} ({output.local_time(checkin.at)}{progress})"
    return named + (f" {output.quoted(words)}" if words else "")


def checkins_table(goal: Goal) -> Table:
    """The note wraps: `tj goal show` is where a check-in's note is read whole. Below a
    reached goal's `tj goal done ID` (`goal_text`), a backtick in a note is written `\\x60`
    (`output.prose`)."""
    noted = output.prose if goal.reached and not goal.done else str
    rows = []
    for checkin in goal.checkins:
        shown = "" if checkin.progress is None else str(checkin.progress)
        if shown and goal.measure is not None and goal.measure.kind == "percent":
            shown += "%"
        edited = output.local_time(checkin.edited_at) if checkin.edited_at else ""
        rows.append(
            (
                output.short_id(checkin.id),
                output.local_time(checkin.at),
                shown,
                noted(checkin.note),
                edited,
            )
        )
    columns = [Column("id", FIXED), DATE, Column("progress", FIXED), Column("note")]
    return fitted([*columns, Column("edited", FIXED)], rows, title="check-ins")
