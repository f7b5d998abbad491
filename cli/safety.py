"""`tj safety`: the client's safety plan, safety flags and their acknowledgement, and the
safety message shown when a safety item (PHQ-9 item 9) is answered above 0.

Every command is one SDK call on `client.safety` (client_sdk/safety_path.py).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

import click
from rich.table import Table

from cli import output
from cli.main import (
    PLAIN_LINE,
    PLAIN_NAME,
    PLAIN_TEXT,
    Home,
    cli,
    default_after_sync,
    default_journal_id,
    found_after_sync,
    journal_filter_option,
    journal_option,
    json_option,
    pass_home,
    sync_note,
    synced_first,
)
from cli.tables import FIXED, ID, NAME, Column, fitted
from cli.terminal import CLOSE, MARK_OPEN, compact, expanded
from client_sdk.models import json_time
from client_sdk.safety import (
    CLOCK_SKEW_MS,
    STATUS_ACKNOWLEDGED,
    STATUS_NOT_DELIVERED,
    STATUS_NOT_SENT,
    STATUS_SENT,
    STATUS_UNKNOWN,
    SafetyHints,
)

SKEW_MINUTES = CLOCK_SKEW_MS // 60000
"""How far apart the client's devices' clocks are taken to be (CLOCK_SKEW_MS), in minutes:
the words of a flag that may not have been delivered name it."""

if TYPE_CHECKING:
    from client_sdk import (
        Client,
        FieldWrite,
        HeldBack,
        Journal,
        MeasureResult,
        SafetyFlag,
        SafetyPlan,
        UndeliveredFlag,
    )


class ShareCommand(str):
    """A `SafetyHints` template of a `tj share` command ("{journal} {member}"): the SDK fills
    it in with `format`, which here builds the command as a span (`output.command`), the
    journal named as `output.journal_word` names it, so that a journal's or a member's name
    never reads as the edge of a command (and one with two spaces is pasted exactly)."""

    def __new__(cls, *flags: str) -> ShareCommand:
        return super().__new__(cls, " ".join(["tj share {journal} {member}", *flags]))

    def format(self, *args: object, **names: object) -> str:
        """The command, `names["journal"]` (by `names["journal_id"]` when its name would not
        paste back) and `names["member"]` in it."""
        flags = str(self).split()[4:]
        journal, member = str(names["journal"]), str(names["member"])
        word = output.journal_word(journal, str(names.get("journal_id", "")))
        return output.command(["tj", "share", word, member, *flags])


class UnshareCommand(str):
    """The `SafetyHints.unshare` template, "tj unshare {journal} {member}", built as
    `ShareCommand` builds its command (a span, the journal named as `output.journal_word`
    names it)."""

    def __new__(cls) -> UnshareCommand:
        return super().__new__(cls, "tj unshare {journal} {member}")

    def format(self, *args: object, **names: object) -> str:
        """The command, `names["journal"]` (by `names["journal_id"]` when its name would not
        paste back) and `names["member"]` in it."""
        word = output.journal_word(str(names["journal"]), str(names.get("journal_id", "")))
        return output.command(["tj", "unshare", word, str(names["member"])])


CLI_HINTS = SafetyHints(
    write_plan=output.command_text("tj safety plan --text 'YOUR PLAN'"),
    flags_again=ShareCommand("--role", "annotate", "--safety-flags"),
    annotate_again=ShareCommand("--role", "annotate"),
    syncs=output.LATE_FLAG_SYNCS,
    unshare=UnshareCommand(),
    choose_default=output.command_text("tj journal default NAME"),
)
"""How the safety message says, in the CLI, to write a safety plan or to name a member again
for flags (the SDK's message names no app's commands)."""


def plan_words(journal: str | None, journal_id: str = "") -> list[str]:
    """`tj safety plan`, naming `journal` (--journal, by `journal_id` when its name would not
    paste back: `output.journal_word`): the plan of the journal a PHQ-9 was answered in, a
    flag's, whichever journal is the default (fix30k: "Personal" went unnamed, and the command
    then acted on the default journal, which may be another). None: the default journal."""
    if journal is None:
        return ["tj", "safety", "plan"]
    return ["tj", "safety", "plan", "--journal", output.journal_word(journal, journal_id)]


async def default_hints(client: Client, journal_id: str | None = None) -> SafetyHints:
    """`cli_hints` for the journal `journal_id` (hex), or the default journal (`cli_hints(None)`
    when this device has none): its name, or its whole id when the name is also the start
    of another journal's id here (an older `tj` let such names be made), so that the printed
    command runs (rev31f F3)."""
    from client_sdk import TJError

    try:
        found = await (client.journals.get(journal_id) if journal_id else client.journals.default())
        others = [j.id for j in await client.journals.list() if j.id != found.id]
    except TJError:
        return cli_hints(None)
    if any(other.startswith(found.name.lower()) for other in others):
        return cli_hints(found.id, found.id)
    return cli_hints(found.name, found.id)


PLAN_PLACEHOLDER = "YOUR PLAN"
"""What the safety message's `tj safety plan` command says in place of the plan's text;
`tj safety plan --text` refuses it (and "..." as older versions printed it), so that the
command run as printed saves no plan reading it (nu84 F2)."""


def not_placeholder(plan: str | None) -> str | None:
    """`plan` as given to `--text`; raises click.BadParameter for the placeholder of a printed
    command (PLAN_PLACEHOLDER, "..."), which is no one's plan."""
    if plan is not None and plan.strip() in (PLAN_PLACEHOLDER, "..."):
        raise click.BadParameter(
            f"write your own plan in place of {output.quoted(plan.strip())}, in your own words "
            "(what helps you, whom you can call)"
        )
    return plan


def cli_hints(journal: str | None, journal_id: str = "") -> SafetyHints:
    """CLI_HINTS, its `write_plan` naming `journal` (`plan_words`: by `journal_id` when its
    name would not paste back), with PLAN_PLACEHOLDER for the text."""
    words = [*plan_words(journal, journal_id), "--text", PLAN_PLACEHOLDER]
    return replace(CLI_HINTS, write_plan=output.command(words))


def unread_safety_message(why: str) -> list[str]:
    """The safety message when this device could not read the client's plan (`why`: what
    failed): the heading, what to do now with the built-in emergency number and crisis line,
    that the plan could not be read and why, and that the app is not monitored."""
    from client_sdk.safety import texts

    data = texts()
    lines = [str(data["heading"])]
    for line in data["lines"]:
        if "{plan}" in line:
            lines.append(
                f"Your safety plan and the numbers you set could not be read on this device "
                f"just now ({why}): use the plan you keep elsewhere, or call a number above."
            )
            continue
        lines.append(
            str(line).format(
                emergency=data["default_emergency"], crisis_line=data["default_crisis_line"]
            )
        )
    return lines


MESSAGE_WIDTH = 72
"""The safety message's widest line and the width of its rules: a narrower terminal lays it
out at its own width (`message_width`)."""

MESSAGE_HANG = "  "
"""What indents the later lines of each of the safety message's paragraphs."""

GLUE = "\ue003"
"""A private character, one cell wide and no whitespace, standing for a space inside a
command span while rich lays the message out, so that rich's wrapping takes the command as
one word (a command span the CLI built never holds a private character: `showable`)."""

_LAID_SPAN = re.compile(f"{MARK_OPEN}[^{MARK_OPEN}{CLOSE}]*{CLOSE}")
"""A command span as `compact` writes it for laying out."""


def show_safety_message(lines: list[str]) -> None:
    """The safety message, on stderr so it shows even when stdout goes to a script, between
    two rules as wide as its lines (`message_width`), each of its lines laid out by
    `laid_out`: its words exactly as given (safety.json's text, a member's crisis line)."""
    width = message_width()
    rule = "=" * width
    click.echo(rule, err=True)
    for line in lines:  # a crisis line is a member's text: shown made safe
        said = output.shown(line, ticks=False, prose=True)  # spans ticked once laid out
        for part in said.split("\n"):
            click.echo(output.ticked("\n".join(laid_out(part, width))), err=True)
    click.echo(rule, err=True)


def message_width() -> int:
    """The safety message's width: MESSAGE_WIDTH, or the terminal's when narrower (rich's
    `Console.width` for stderr: COLUMNS when set, else the terminal's, else 80), never
    under 20."""
    from rich.console import Console

    return max(min(Console(stderr=True).width, MESSAGE_WIDTH), 20)


def laid_out(paragraph: str, width: int) -> list[str]:
    """`paragraph` (one line of the safety message as `shown(..., ticks=False)` gives it,
    command spans marked) on lines of at most `width` cells, wrapped at spaces by rich
    (`Text.wrap`, cells measured as a terminal draws them), its later lines indented by
    MESSAGE_HANG. Its words are never changed nor cut: a word longer than a line (a
    command with the ")." glued to it, a long address) is left whole on a line of its own,
    which the terminal then folds without a line break in it, so that it is copied whole;
    a command span is one word, its spaces and all (`GLUE`). Pure."""
    from rich.console import Console
    from rich.text import Text

    room = width - len(MESSAGE_HANG)  # every line's, the first one's too: one width
    glued = _LAID_SPAN.sub(lambda span: span.group().replace(" ", GLUE), compact(paragraph))
    console = Console(width=room, highlight=False, markup=False, emoji=False)  # measures
    wrapped = Text(glued, overflow="ignore").wrap(console, room)  # "ignore": never cut
    lines = [
        _LAID_SPAN.sub(lambda span: span.group().replace(GLUE, " "), line.plain).rstrip()
        for line in wrapped
    ] or [""]
    return [expanded(line if n == 0 else MESSAGE_HANG + line) for n, line in enumerate(lines)]


@cli.group()
def safety() -> None:
    """Your safety plan, and safety flags.

    This app is not monitored in real time. If you are in danger now, call your local
    emergency number.

    \b
    Examples:
      tj safety plan --crisis-line "Samaritans 116 123" --emergency 999
      tj safety plan --text "1. Call Sam. 2. Walk to the park. 3. ..."
      tj safety plan --share-flags          # opt in: names who would get flags, asks first
      tj safety history                     # the values this device wrote to the plan
      tj safety flags                       # a therapist: flags from clients, unread first
      tj safety ack 3fa9c2                  # a therapist: mark a flag as read
    """


def emergency_checked(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """`--emergency`'s value, refused (a one-line error, exit status 2, nothing changed) when
    no one could dial it: no digit, or a character a phone number cannot hold
    (`client_sdk.safety.number_problem`; nu80 F4: "abc" was kept, and the safety message
    said "call abc")."""
    if value is None:
        return None
    from client_sdk.safety import NUMBER_HOLDS, number_problem

    refused = number_problem(value)
    if refused is not None:
        raise click.BadParameter(
            f"{output.quoted(value)} is not an emergency number: {refused}; {NUMBER_HOLDS}; "
            "nothing was changed"
        )
    return value


@safety.command("plan")
@click.option(
    "--emergency",
    metavar="NUMBER",
    type=PLAIN_LINE,
    callback=emergency_checked,
    help='Your emergency number: digits, spaces and + - . ( ) / * # ("" for the default).',
)
@click.option(
    "--crisis-line",
    metavar="TEXT",
    type=PLAIN_LINE,
    help="A crisis line to call or text.",
)
@click.option(
    "--text",
    "plan",
    metavar="TEXT",
    type=PLAIN_TEXT,
    callback=lambda ctx, param, value: not_placeholder(value),
    help="Your safety plan, in your own words.",
)
@click.option(
    "--share-flags/--no-share-flags",
    default=None,
    help="Send an encrypted safety flag to the members of this journal (opt-in): names "
    "whom it adds and asks first.",
)
@click.option(
    "--copy-from",
    metavar="JOURNAL",
    type=PLAIN_NAME,
    help="Copy the safety plan you wrote in JOURNAL (its number, crisis line and text) into "
    "this one; asks before replacing a plan written here or copying into a journal someone "
    "else reads.",
)
@click.option(
    "--yes",
    "-y",
    is_flag=True,
    help="With --share-flags or --copy-from: do not ask first (for scripts).",
)
@journal_option
@json_option
@pass_home
def safety_plan(
    home: Home,
    emergency: str | None,
    crisis_line: str | None,
    plan: str | None,
    share_flags: bool | None,
    copy_from: str | None,
    yes: bool,
    journal_name: str | None,
    as_json: bool,
) -> None:
    """Show or change your safety plan (shown with the safety message).

    --share-flags opts in every member this journal is shared with now whom a flag would
    not reach yet: it names them first and asks (default: no; --yes does not ask). A member
    you did not name is never opted in: leave out --share-flags to change only the rest.
    `tj share JOURNAL THERAPIST --role annotate --safety-flags` opts in one member.

    \b
    Examples:
      tj safety plan
      tj safety plan --emergency 112 --crisis-line "Telefonseelsorge 0800 111 0 111"
      tj safety plan --share-flags          # names who would get flags, asks (--yes: not)
    """
    changing = any(v is not None for v in (emergency, crisis_line, plan, share_flags))
    if copy_from is not None:
        if changing:
            raise click.UsageError(
                "--copy-from copies a whole plan: give it without --emergency, --crisis-line, "
                "--text or --share-flags (change the copy afterwards)"
            )
        copied, copy_note, synced = copy_plan(home, copy_from, journal_name, yes)
        if as_json:
            output.print_json(copied.to_dict() | {"copied_from": copy_from})
            if synced:
                output.message(output.sentence(synced))
        else:
            output.data(plan_text(copied))
            output.message(
                f"Copied the safety plan of {output.quoted(copy_from)} into "
                f"{output.quoted(copied.journal)}: the safety message shows it there"
                + (
                    ", and in each journal with no plan of its own, as your default journal's"
                    if copied.shown_from is None and copy_note == "default"
                    else ""
                )
                + ".",
                wrap=True,
            )
            if synced:
                output.message(output.sentence(synced))
        return
    version: str | None = None  # of the plan a change of its content replaces
    if any(v is not None for v in (emergency, crisis_line, plan)):  # replaces what is there
        replaced = home.run(partial(plan_after_sync, journal_name, None))
        version = replaced.version
        current = replaced.changed
        if current is not None:  # changed on another device since this one last showed it
            said_changed(current, plan_text(current), replaced.never_shown)
            if not yes:
                ask_changed(home, current, "Write your change over it?")
    newly: list[str] = []
    if share_flags:  # name whom it adds, and ask, before anything changes
        newly, before = home.run(partial(opt_in_preview, journal_name))
        paused = list(before.opted_in_reads_only or ())  # opted in, made read-only since
        readers = [m for m in before.reads_only or () if m not in paused]
        if readers:  # never opted in: said, whatever else it does
            output.message(reads_only_text(before.journal, readers))
        if paused:
            output.message(f"Safety flags: {flags_text(before)}")
        if newly:
            output.message(opt_in_text(before, newly))
            if not yes:
                output.confirm(
                    f"Send safety flags to {output.and_words(newly)}?",
                    default=False,
                    abort=True,
                    err=True,
                )

    elsewhere: list[str] = []
    lines: list[str] = []
    not_loaded: list[bool] = []

    async def work(client: Client) -> tuple[SafetyPlan, str, str]:
        found, note = await read_or_change(client)
        await client.safety.mark_shown(found)  # what a later change is compared with
        journal = await client.journals.get(found.journal_id)
        if journal.role == "owner":  # a plan of hers its message does not show (NU74 F2)
            elsewhere.extend(await plans_elsewhere(client, found))
            not_loaded.append(await plan_not_loaded(client, found))
        if as_json:  # the message's lines, as `tj measure take --json` gives them (F6)
            lines.extend(await client.safety.message(journal_name, hints=cli_hints(journal_name)))
        return found, note, journal.owner if journal.role != "owner" else ""

    async def read_or_change(client: Client) -> tuple[SafetyPlan, str]:
        if not changing:  # the plan as another device left it, or said to be older
            await synced_first(client)
            return await client.safety.plan(journal_name), ""
        from cli.homes import profile_words
        from client_sdk.default_journal import NO_DEFAULT
        from client_sdk.errors import NotFound

        change = partial(
            set_plan_change,
            journal=journal_name,
            emergency_number=emergency,
            crisis_line=crisis_line,
            plan=plan,
            share_flags=share_flags,
            flags_for=newly if share_flags else None,  # exactly those named (and agreed to)
            tj=profile_words(home.path),
            expected_version=version,  # the plan shown or asked about, not one synced since
        )
        try:  # the first write after an update syncs first, as `tj write` does
            await default_after_sync(change, client)
        except NotFound as refused:
            if journal_name is None and refused.subject in (NO_DEFAULT, "sync"):
                output.message(unchanged_plan_text(home, emergency, crisis_line, plan, share_flags))
            raise
        note = await sync_note(client)
        return await client.safety.plan(journal_name), note  # with whom flags reach now

    found, note, owner = home.run(work)
    if as_json:  # with what the safety message shows, as one field
        shown = safety_message_json(found, lines, owner)
        output.print_json(found.to_dict() | {"safety_message": shown, "plans_elsewhere": elsewhere})
        if note:
            output.message(output.sentence(note))
        return
    text = partial(plan_text, owner=owner, not_loaded=any(not_loaded))
    output.show_item(found, as_json, text, note)
    if elsewhere:
        output.message(elsewhere_text(found, elsewhere), wrap=True)


PLAN_CHANGED = "plan changed"
"""The `--json` error subject of `tj safety plan`'s question left unanswered when the plan it
replaces changed on another device since this device last showed or wrote it (`plan_after_sync`)."""


@dataclass(frozen=True)
class Replaced:
    """What `plan_after_sync` found before a change of `tj safety plan` replaces a plan."""

    changed: SafetyPlan | None
    """The plan, when this device's user was not shown it as it is now (else None)."""
    copied: SafetyPlan | None
    """The plan of the journal copied from, as the sync left it (None: none given)."""
    version: str | None
    """The version (`SafetyPlan.version`) of the plan replaced, as the sync left it: the
    change is refused when the plan is another by the time it is written
    (`expected_version`); None when it cannot be read here."""
    never_shown: bool = False
    """With `changed`: this device never showed or wrote this plan (a new login)."""


async def plan_after_sync(journal: str | None, source: str | None, client: Client) -> Replaced:
    """Before `tj safety plan` replaces a plan (`--emergency`, `--crisis-line`, `--text`,
    `--copy-from`): sync first (`synced_first`, one quick try; offline it says the command
    decides from what this device had at its last sync), so that "replace" replaces the plan
    as it is now, not a stale copy whose change a later sync would merge with the newer
    text (NU75 F2). `Replaced.changed` is `journal`'s plan when its number, crisis line or
    text is not the version this device last showed or wrote (`Safety.last_shown`: another
    device changed it since, whichever command's sync brought the change: fix30b 3), or,
    with no version kept here (a device that never showed or wrote it: a new login), when
    anything is written in it (nu77 F6: a plan never shown is never replaced unasked); the
    plan of `source` (the journal copied from) as the sync left it. A plan this device
    cannot read yet (a default journal awaiting its first sync) counts as unchanged:
    nothing was there to replace."""
    from client_sdk.errors import TJError
    from client_sdk.safety_path import written

    await synced_first(client, "deciding from")
    try:  # an unknown source: `copy_plan` says so
        copied = await client.safety.plan(source) if source is not None else None
    except TJError:
        copied = None
    try:
        now = await client.safety.plan(journal)
        shown = await client.safety.last_shown(now.journal_id)
    except TJError:
        return Replaced(None, copied, None)
    if shown is not None:  # what this device last showed or wrote, whenever it synced
        return Replaced(now if now.version != shown else None, copied, now.version)
    if written(now):  # never shown here: whatever synced it, shown before it is replaced
        return Replaced(now, copied, now.version, never_shown=True)
    return Replaced(None, copied, now.version)


def said_changed(plan: SafetyPlan, shown: str, never_shown: bool = False) -> None:
    """Say that `plan` changed on another device since this device last showed or wrote
    it, then show it (`shown`: `plan_text`), before a change replaces it. Not kept as shown
    here: only once the question about it is answered (`ask_changed`), or the change
    written (`Safety.set_plan` and `copy_plan` keep what they write); a question left
    unanswered (a script, an app's `--json` call) asks again next time (nu76 F2).
    `never_shown`: this device never showed or wrote it (nu77 F6), which it says instead."""
    said = (
        "was written on another device and this device never showed it; it reads:"
        if never_shown
        else "was changed on another device since this device last showed or wrote it; "
        "it now reads:"
    )
    output.message(f"Note: the safety plan of {output.quoted(plan.journal)} {said}", wrap=True)
    click.echo(output.shown(shown), err=True)


def mark_shown(home: Home, plan: SafetyPlan) -> None:
    """Keep `plan` as shown on this device (`Safety.mark_shown`): its user saw it."""

    async def mark(client: Client) -> None:
        await client.safety.mark_shown(plan)

    home.run(mark)


CHANGED_KEYS = ("journal", "journal_id", "emergency_number", "crisis_line", "plan")
"""The `--json` error object's keys of a "plan changed" question left unanswered: the plan it
asks about, under the keys `tj safety plan --json` gives them."""


def changed_extra(plan: SafetyPlan) -> dict[str, str | None]:
    """The plan a "plan changed" question asks about, for the `--json` error object
    (`CHANGED_KEYS`), so an app that reads only stdout can show it (nu76 F2)."""
    return {key: plan.to_dict()[key] for key in CHANGED_KEYS}


def ask_changed(home: Home, plan: SafetyPlan, question: str) -> None:
    """Ask `question` about `plan`, changed on another device (no: nothing changed). Answered
    either way, `plan` is kept as shown (`mark_shown`); left unanswered it is not (the next
    call asks again), and under `--json` the error object (subject PLAN_CHANGED) gives the
    plan (`changed_extra`: "journal", "journal_id", "emergency_number", "crisis_line",
    "plan")."""
    output.ERROR_EXTRA.update(changed_extra(plan))
    try:
        output.confirm(question, subject=PLAN_CHANGED, default=False, abort=True, err=True)
    except output.Declined:
        drop_changed_extra()
        mark_shown(home, plan)  # seen, and answered no
        raise
    drop_changed_extra()
    mark_shown(home, plan)


def drop_changed_extra() -> None:
    """The question answered: its plan is no error object's (`changed_extra`)."""
    for key in CHANGED_KEYS:
        output.ERROR_EXTRA.pop(key, None)


def copy_plan(
    home: Home, source: str, journal: str | None, yes: bool
) -> tuple[SafetyPlan, str, str]:
    """`tj safety plan --copy-from SOURCE`: `client.safety.copy_plan`, after a sync
    (`plan_after_sync`: a plan changed on another device since is said and shown), saying,
    then asking, before it replaces a plan written in the journal (both plans shown: the one
    replaced and the copy) or copies into a journal someone else reads (who, by its verified
    chain); `yes`: not asked. Returns the plan as written, "default" when the journal
    copied into is the default one (else ""), and the sync note (`sync_note`)."""
    from cli.homes import profile_words
    from client_sdk.safety_path import PLAN_READERS, PLAN_WRITTEN

    replaced = home.run(partial(plan_after_sync, journal, source))
    changed, copy = replaced.changed, replaced.copied
    if changed is not None:
        said_changed(changed, plan_text(changed), replaced.never_shown)
        output.ERROR_EXTRA.update(changed_extra(changed))  # asked about with the copy

    def replace_question() -> str:  # both plans, before it is asked (NU75 F6)
        async def there(client: Client) -> SafetyPlan:
            return await client.safety.plan(journal)

        if changed is None:
            click.echo(output.shown(f"It reads:\n{plan_text(home.run(there))}"), err=True)
        if copy is not None:
            said = f"The copy, from {output.quoted(source)}, reads:\n{plan_text(copy)}"
            click.echo(output.shown(said), err=True)
        return "Replace it with the copy?"

    async def attempt(client: Client, agreed: frozenset[str]) -> tuple[SafetyPlan, str, str]:
        async def change(client: Client) -> SafetyPlan:
            with changed_meanwhile(profile_words(home.path)):
                return await client.safety.copy_plan(
                    source,
                    journal=journal,
                    replace_written=PLAN_WRITTEN in agreed,
                    to_readers=PLAN_READERS in agreed,
                    expected_version=replaced.version,  # the plan shown, not one synced since
                )

        await default_after_sync(change, client)
        note = await sync_note(client)  # the copy pushed, as every other change is
        copied = await client.safety.plan(journal)
        default = await default_journal_id(client)
        return copied, "default" if copied.journal_id == default else "", note

    try:
        copied = output.said_then_asked(
            lambda agreed: home.run(partial(attempt, agreed=agreed)),
            {
                PLAN_WRITTEN: replace_question,
                PLAN_READERS: "Copy the safety plan there all the same?",
            },
            {PLAN_WRITTEN, PLAN_READERS} if yes else set(),
        )
    except output.Declined:
        drop_changed_extra()
        if changed is not None:
            mark_shown(home, changed)  # seen, and answered no
        raise
    drop_changed_extra()  # written: the copy is what this device keeps as shown
    return copied


async def plans_elsewhere(client: Client, plan: SafetyPlan) -> list[str]:
    """The names of this account's other journals with a safety plan written, when `plan`
    (one of this account's) has none written and its message borrows none: a plan of hers
    the safety message for it does not show (`tj safety plan --copy-from` copies one)."""
    from client_sdk.safety_path import written

    if written(plan) or plan.shown_from is not None:
        return []
    found = []
    for journal in await client.journals.list():
        if journal.owner != client.username or journal.id == plan.journal_id:
            continue
        if journal.read_only_copy or journal.helper is not None:
            continue
        if written(await client.safety.plan(journal.id)):
            found.append(journal.name)
    return found


def elsewhere_text(plan: SafetyPlan, names: list[str]) -> str:
    """What `tj safety plan` adds under a plan with none written whose message borrows none
    (`plans_elsewhere`): the safety message here shows only the built-in numbers, while a plan
    of yours is in another journal, with the command that copies it here."""
    word = output.journal_word(plan.journal, plan.journal_id)
    copy = output.command(
        ["tj", "safety", "plan", "--journal", word, "--copy-from", output.journal_word(names[0])]
    )
    where = output.and_words([output.quoted(name) for name in names])
    return (
        f"Note: the safety message for {output.quoted(plan.journal)} shows no plan of yours "
        f"(only the built-in numbers), while you wrote one in {where}; {copy} copies it here."
    )


def safety_message_json(
    plan: SafetyPlan | None, lines: list[str], owner: str = ""
) -> dict[str, Any]:
    """The safety message as every `--json` gives it, one shape (NU74 F6: `tj measure take
    --json` gave a list of lines, `tj safety plan --json` an object): `message_json`'s values
    of `plan` (all null when the plan could not be read: `plan` None), "seen_from" ("this
    journal only" on a device of another account than the journal's `owner`, else null) and
    "lines", the message's lines as shown."""
    values: dict[str, Any] = (
        message_json(plan)
        if plan is not None
        else dict.fromkeys(
            ("emergency_number", "crisis_line", "crisis_line_set_by", "plan", "plan_from")
        )
    )
    return values | {"seen_from": "this journal only" if owner else None, "lines": lines}


def message_json(plan: SafetyPlan) -> dict[str, str | None]:
    """What the safety message for `plan`'s journal shows, as `tj safety plan --json`'s
    "safety_message" gives it, the values that win, as `plan_text` shows them: the emergency
    number, crisis line (with who set it: a therapist's username, else null) and plan text
    of this journal's plan, or of the plan it borrows when none is written here
    (`SafetyPlan.shown_from`, "plan_from"), by `SafetyPath.message`'s rule (a crisis line a
    member set in this journal outranks a borrowed plan's only when an import wrote that plan:
    `crisis_line_in_use`). null: none set (the message names the local emergency number, the
    default crisis lines, or no plan). On a device of another account (a therapist's), which
    sees no plan the owner wrote in their default journal, it is what this journal alone
    would show (`tj safety plan --json` adds "seen_from": "this journal only" then)."""
    borrowed = plan.shown_from is not None
    emergency = plan.shown_emergency_number if borrowed else plan.emergency_number
    text = plan.shown_plan if borrowed else plan.plan
    line: str | None = plan.crisis_line_in_use
    by: str | None = plan.crisis_line_set_by
    if borrowed and plan.shown_crisis_line:
        line, by = plan.shown_crisis_line, None
    from client_sdk.safety import dialled

    return {  # a number no one could dial is not said (`safety.message_lines`)
        "emergency_number": emergency if dialled(emergency) else None,
        "crisis_line": line,
        "crisis_line_set_by": by,
        "plan": text or None,
        "plan_from": plan.shown_from,
    }


@safety.command("history")
@journal_option
@json_option
@pass_home
def safety_history(home: Home, journal_name: str | None, as_json: bool) -> None:
    """Show the values this device gave the safety plan's emergency number, crisis line and
    safety-flag opt-in, oldest first (those given when the plan was first written here, then
    each change's; a plan written before this version of tj: its first change's), and what
    the plan holds now.

    It holds only this device's own changes: when two devices changed the same field while
    apart, one value is kept everywhere (`tj sync` says so) and the value this device had
    stays here. Another device's values are not in it, nor the plan's text (two devices'
    changes of it are merged: `tj safety plan` reads it). --json: the plan and its history
    ("kind", "id", "field", "value", "at").

    \b
    Examples:
      tj safety history
      tj safety history --journal Therapy
    """
    from cli import histories
    from client_sdk.settling import OTHER_FIELD_WORDS

    async def work(client: Client) -> tuple[SafetyPlan, list[FieldWrite]]:
        await synced_first(client)
        return await client.safety.plan(journal_name), await client.safety.history(journal_name)

    found, writes = home.run(work)
    if as_json:
        histories.history_json("safety_plan", found.to_dict(), writes)
        return
    now = {
        "emergency_number": found.emergency_number,
        "crisis_line": found.crisis_line,
        "share_flags": found.share_flags,
    }
    never = (
        "This device never changed the emergency number, crisis line or safety-flag opt-in "
        f"of the safety plan of {output.quoted(found.journal)}."
    )
    if found.updated_at is None and not writes:  # none written anywhere
        never = (
            f"{output.quoted(found.journal)} has no safety plan: none was written on this "
            "device, nor received from another."
        )
    histories.print_history(writes, now, lambda field: OTHER_FIELD_WORDS.get(field, field), never)


async def set_plan_change(client: Client, tj: Sequence[str] = ("tj",), **parts: Any) -> SafetyPlan:
    """`client.safety.set_plan(**parts)`, as a change `default_after_sync` runs (`tj`: the
    words starting a command for this profile, `profile_words`)."""
    with changed_meanwhile(tj):
        return await client.safety.set_plan(**parts)


@contextmanager
def changed_meanwhile(tj: Sequence[str]) -> Iterator[None]:
    """The SDK's PLAN_CHANGED refusal of a change given the version shown (`expected_version`:
    a sync brought another device's change between the question and the write), in the
    words of the command: nothing changed, `tj safety plan` shows it (`tj`: the words
    starting it, `profile_words`), the same subject."""
    from client_sdk.errors import InvalidInput
    from client_sdk.safety_path import PLAN_CHANGED as CHANGED

    try:
        yield
    except InvalidInput as refused:
        if refused.subject != CHANGED:
            raise
        journal = refused.names.get("journal", "")
        raise InvalidInput(
            f"the safety plan of {output.quoted(journal)} was changed on another device while "
            f"this command ran: nothing was changed. {output.command([*tj, 'safety', 'plan'])}"
            " shows it; then run your command again",
            subject=CHANGED,
            names=refused.names,
        ) from refused


def unchanged_plan_text(
    home: Home,
    emergency: str | None,
    crisis_line: str | None,
    plan: str | None,
    share_flags: bool | None,
) -> str:
    """What a `tj safety plan` change refused for want of a default journal says: nothing
    changed, and the command that makes the same change in a journal named, the text given
    in it (never lost with the refusal)."""
    from cli.homes import profile_words

    words = [*profile_words(home.path), "safety", "plan"]
    for option, value in (("--emergency", emergency), ("--crisis-line", crisis_line)):
        words += [option, value] if value is not None else []
    words += ["--text", plan] if plan is not None else []
    if share_flags is not None:
        words.append("--share-flags" if share_flags else "--no-share-flags")
    return (
        "Your safety plan was not changed: "
        f"{output.command([*words, '--journal', 'NAME'])} makes the same change in the "
        "journal you name."
    )


async def opt_in_preview(journal: str | None, client: Client) -> tuple[list[str], SafetyPlan]:
    """Whom `--share-flags` would newly opt in (`client.safety.would_opt_in`), and the plan
    as it is, after a sync: a share made or ended on another device counts, and its
    `reads_only` names the members it never opts in."""
    await synced_first(client, "listing the members as of")
    return await client.safety.would_opt_in(journal), await client.safety.plan(journal)


def reads_only_text(journal: str, readers: list[str]) -> str:
    """Members `--share-flags` never opts in: they only read."""
    who = output.and_words(readers)
    return (
        f"--share-flags does not opt in {who}, who only read {journal}: a member who only "
        "reads could never mark a safety flag as read, so none is made for "
        f"{'them' if len(readers) > 1 else who}. To send flags to one of them: "
        + output.command(
            ["tj", "share", output.journal_word(journal), readers[0], "--full", "--role"]
            + ["annotate", "--safety-flags"]
        )
    )


def opt_in_text(before: SafetyPlan, newly: list[str]) -> str:
    """What `--share-flags` would do, naming each member it adds."""
    who = output.and_words(newly)
    adding = (
        f"--share-flags opts in {who}, who read {before.journal} now: when a PHQ-9 item 9 is "
        f"answered above 0 in {before.journal}, an encrypted safety flag is made for "
        f"{'them' if len(newly) > 1 else who}"
    )
    if not before.share_flags:
        return f"{adding}."
    reach = output.and_words(list(before.flags_reach)) if before.flags_reach else "no one"
    return f"Safety flags of {before.journal} go to {reach} now. {adding} too."


@safety.command("crisis-line")
@click.argument("journal_name", metavar="JOURNAL", type=PLAIN_NAME)
@click.argument("text", type=PLAIN_LINE)
@json_option
@pass_home
def safety_crisis_line(home: Home, journal_name: str, text: str, as_json: bool) -> None:
    """A therapist (annotate role) sets the crisis line a client sees when the client has not
    set their own.

    \b
    Example:
      tj safety crisis-line ana/Personal "Samaritans: call 116 123"
    """

    async def work(client: Client) -> tuple[str, SafetyPlan, str]:
        await client.safety.set_crisis_line(journal_name, text)
        note = await sync_note(client)
        plan = await client.safety.plan(journal_name)
        journal = await client.journals.get(plan.journal_id)
        return note, plan, journal.owner if journal.role != "owner" else ""

    note, plan, owner = home.run(work)
    output.message(crisis_line_set_text(journal_name, text, plan, owner, note), wrap=True)
    if as_json:
        output.print_json({"action": "set crisis line", "journal": journal_name, "text": text})


def crisis_line_set_text(journal: str, text: str, plan: SafetyPlan, owner: str, note: str) -> str:
    """What `tj safety crisis-line` says once it set `text` in `journal` (of `owner`): what the
    device knows of whether the owner's safety message shows it (NU74 F7): not when the owner
    set their own line in this journal (certain: it is here); yes when they wrote a plan here
    without a line; else when they set none, here or in a plan they wrote in their default
    journal, which this device cannot see."""
    who = owner or "its owner"
    said = f"Set the crisis line of {journal} to {output.quoted(text)}"
    if plan.crisis_line and plan.crisis_line_set_by is not None:  # yields to it (NU75 F8)
        return (
            f"{said}: {who}'s safety message for it shows it, before the crisis line "
            f"{who}'s import wrote here, {output.quoted(plan.crisis_line)}; {note}."
        )
    if plan.crisis_line:
        return (
            f"{said}: {who} set their own crisis line in this journal, "
            f"{output.quoted(plan.crisis_line)}: theirs is shown with the safety message, not "
            f"yours; {note}."
        )
    if plan.emergency_number or plan.plan:
        return (
            f"{said}: {who}'s safety message for it shows it, as the plan {who} wrote here "
            f"sets no crisis line of its own; {note}."
        )
    return (
        f"{said}: {who} sees it with the safety message when they have not set their own, "
        f"here or in a plan they wrote in their default journal, which this device cannot "
        f"see; {note}."
    )


@safety.command("flags")
@journal_filter_option
@json_option
@pass_home
def safety_flags(home: Home, journal_name: str | None, as_json: bool) -> None:
    """Safety flags: unacknowledged first. A client sees whether their therapist read them.

    \b
    Example:
      tj safety flags --json
    """

    async def work(
        client: Client,
    ) -> tuple[
        list[SafetyFlag],
        list[output.Unverified],
        list[HeldBack],
        list[MeasureResult],
        list[UndeliveredFlag],
        str,
        bool,
        dict[str, tuple[str, str]],
        frozenset[str],
        frozenset[str],
    ]:
        await synced_first(client)
        flags = await client.safety.flags(journal_name)
        acks: set[str] = set()  # this account's acknowledgements the server has not taken
        for journal_id in {f.journal_id for f in flags if any(a.mine for a in f.acknowledged)}:
            acks.update(await client.shares.unsent_acknowledgements(journal_id))
        left: frozenset[str] = frozenset()  # the shares left here: its own word (nu84 F4)
        if not as_json and any(f.share_ended for f in flags):
            shared = await client.shares.with_me(refresh=False)
            left = frozenset(s.journal_id for s in shared if s.left_at is not None)
        unverified = await output.unverified_owners(client, (f.owner for f in flags))
        # --json carries them too, as "answers_without_flag" (nu78 F4)
        unflagged = await unflagged_results(client, journal_name, flags)
        held = await output.held_back(client, journal_name)
        unsent = [] if as_json else await client.safety.unsent()
        several = not as_json and await output.several_journals(client)  # plans named
        owners = {j.id: owner_words(j) for j in await client.journals.list()} if as_json else {}
        return (
            flags, unverified, held, unflagged, unsent, client.username, several, owners, left,
            frozenset(acks),
        )  # fmt: skip

    flags, unverified, held, unflagged, unsent, me, several, owners, left, acks = home.run(work)
    output.warn_unverified_owners(unverified)
    # a flag in a journal this device stopped downloading cannot show
    empty = "No safety flags in what this device downloaded." if held else "No safety flags."
    waiting = {u.flag_id for u in unsent}
    if as_json:  # the flags, and the answers above 0 the text's footer names (nu78 F4)
        output.print_json(
            {
                "flags": [flag.to_dict() for flag in flags],
                "answers_without_flag": [unflagged_row(r, owners) for r in unflagged],
            }
        )
    elif flags or not unsent:  # a flag only this device holds is told below
        output.show_rows(
            flags, as_json, lambda rows: flags_table(rows, waiting, me, left, acks), empty
        )
    if not as_json:
        for told in unsent:  # never "NOT YET" alone: it has not left this device (NU68 F5)
            said = told.line(tell=output.plan_tell(told.journal, told.journal_id, several))
            label = UNSENT_LABELS.get(told.cause, "Not sent")  # never "Not sent" if it may have
            output.data(f"{label}: {said[:1].upper()}{said[1:]}", prose=True, wrap=True)
        # wrapped to the terminal as the table above, commands whole (nu78 F5)
        for line in [
            *not_sent_legend(flags, acks),
            *ended_legend(flags, left),
            *earlier_share_lines(flags),
            *not_delivered_lines(flags, several),
            *unflagged_lines(unflagged),
        ]:
            output.data(line, prose=True, wrap=True)
    output.warn_held_back(held, "safety flags")


def not_sent_legend(flags: list[SafetyFlag], acks_unsent: Collection[str]) -> list[str]:
    """What "(not sent yet)" beside an acknowledgement means, once one shows (nu86 F8). Pure."""
    owners = sorted({f.owner for f in flags if f.id in acks_unsent})
    if not owners:
        return []
    return [
        f"(not sent yet): your acknowledgement is on this device only: {', '.join(owners)} "
        f"sees the flag as read once the server takes it ({output.command_text('tj sync')})."
    ]


UNSENT_LABELS = {"no answer": "No answer", "refused": "Refused", "withheld": "Withheld"}
"""The word before a flag still on this device in `tj safety flags` (`UndeliveredFlag.cause`
-> label): one whose push got no reply confirming it was stored may have left ("No answer"),
one the server refused for good is sent and refused again at every sync ("Refused"), one the
server acknowledged and has not served back is held by this device alone ("Withheld");
every other "Not sent"."""


async def unflagged_results(
    client: Client, journal: str | None, flags: list[SafetyFlag]
) -> list[MeasureResult]:
    """The results this account reads in clients' journals (`journal`, or all) whose safety
    item (PHQ-9 item 9) was answered above 0 with no safety flag on this device for it (none
    was sealed for this account, as the client did not choose to send it flags or answered
    before they did; or the flag has not reached this device). Newest first."""
    owned = {j.id for j in await client.journals.list() if j.role == "owner"}
    # a flag counts for the result of its own journal only: another account's journal shared
    # with this one may hold a flag naming the result's id, which hides nothing
    flagged = {(f.journal_id, f.result_id) for f in flags if f.result_id}
    # a flag without a score sealed for answers saved later under its `event` covers that
    # result too (nu77 F2): only its own journal's, as above
    flagged |= {(f.journal_id, f.event) for f in flags if not f.result_id and f.event}
    return [
        r
        for r in await client.measures.list(journal)
        if r.safety_concern and r.journal_id not in owned and (r.journal_id, r.id) not in flagged
    ]


def owner_words(journal: Journal) -> tuple[str, str]:
    """(How the app names `journal`'s owner, their account id in hex): the owner as its
    name shows them ("kim (account 61ac5db6)" for an erased client whose username another
    account bears now: rev31e F1), else the username."""
    label, slash, _ = journal.name.partition("/")  # "owner/name": a username has no "/"
    shown = slash and label.casefold().startswith(journal.owner.casefold())
    return (label if shown else journal.owner), journal.owner_id


def unflagged_row(result: MeasureResult, owners: dict[str, tuple[str, str]]) -> dict[str, Any]:
    """One of `unflagged_results` as `tj safety flags --json` gives it in
    "answers_without_flag" (README): the result's "result_id", the client ("owner", as the
    journal's name shows them: "kim (account 61ac5db6)" while another account bears the
    username; "owner_id", their account id; by `owners`, journal id -> `owner_words`),
    "journal", "journal_id",
    "measure" and "name", "taken_at" (ISO 8601, UTC), "safety_answer" (PHQ-9 item 9's
    answer, 1 to 3; null when not known here), its words ("safety_answer_label", the
    option as the instrument prints it: "Nearly every day"). `tj measure show RESULT_ID`
    shows the result."""
    from client_sdk.scoring import builtin_instruments

    found = builtin_instruments().get(result.measure)
    answer = result.safety_answer
    return {
        "result_id": result.id,
        "owner": owners[result.journal_id][0] if result.journal_id in owners else None,
        "owner_id": owners[result.journal_id][1] if result.journal_id in owners else None,
        "journal": result.journal,
        "journal_id": result.journal_id,
        "measure": result.measure,
        "name": result.name,
        "taken_at": json_time(result.taken_at),
        "safety_answer": answer,
        "safety_answer_label": (
            found.option_label(answer) if found is not None and answer is not None else None
        ),
    }


def unflagged_lines(results: list[MeasureResult]) -> list[str]:
    """The footer of `tj safety flags` for `unflagged_results`: a therapist reading "No safety
    flags." must not take it that no client answered item 9 above 0 (a client who did not
    choose to send them flags seals none). One line per result (client's journal, measure,
    time, the answer with its words, the command that shows it), then where the caseload
    says it."""
    from client_sdk.scoring import builtin_instruments

    if not results:
        return []
    lines = ["Item 9 answered above 0, in results you can read, with no safety flag for you here:"]
    for result in results:
        found = builtin_instruments().get(result.measure)
        answered = found.safety_answers(result.answers or ()) if found is not None else ()
        said = "; ".join(
            f"item {n} answered {value} ({found.option_label(value) if found else value})"
            for n, value in answered
        )
        show = output.command(["tj", "measure", "show", output.short_id(result.id)])
        lines.append(
            f"  {result.journal}: {result.name} of {output.local_time(result.taken_at)}, "
            f"{said or 'item 9 above 0'}: {show}"
        )
    lines.append(f"Each client's latest results: {output.command(['tj', 'caseload'])}.")
    return lines


def earlier_share_lines(flags: list[SafetyFlag]) -> list[str]:
    """What a therapist's device that holds nothing of an earlier share says of the
    unacknowledged flags raised before the current share (`SafetyFlag.before_share`), with
    the true context: it was added after that share ended, or its copy of
    that share was discarded here with `tj forget`. They are NOT YET acknowledged here and
    told as new: no device of this account may ever have received them."""
    lines = []
    for forgot, reads in ((False, False), (False, True), (True, False), (True, True)):
        owners = sorted(
            {
                f.owner
                for f in flags
                if f.before_share
                and not f.acknowledged
                and f.copy_forgotten == forgot
                and f.reads_only == reads
            }
        )
        if not owners:
            continue
        who = ", ".join(owners)
        why = (
            f"you discarded this device's copy of that share with {output.command_text('tj forget')}, your "
            "acknowledgements (and notes) from then with it"
            if forgot
            else "this device was added after that share ended (your acknowledgements "
            "(and notes) from then are on your devices that synced then, if any did)"
        )
        lines.append(
            f"Flags marked 'before this share' were raised, by {who}'s clock, before the "
            f"current share began; {why}, and a new share's key opens nothing written before "
            "it. This device holds no acknowledgement of them, and none of your devices may "
            "ever have received them: treat them as new, act on them and "
            + (  # read access: `tj safety ack` is refused
                f"tell {who} yourself that you saw them (you only read now, so you cannot mark "
                "them read)."
                if reads
                else f"mark them read here with {output.command_text('tj safety ack ID')}."
            )
        )
    return lines


@safety.command("ack")
@click.argument("flag_id", metavar="ID")
@json_option
@pass_home
def safety_ack(home: Home, flag_id: str, as_json: bool) -> None:
    """Acknowledge a safety flag (a therapist with the annotate role); the client sees it.

    \b
    Example:
      tj safety ack 3fa9c2
    """

    async def work(client: Client) -> tuple[SafetyFlag, str]:
        acknowledged = await acknowledged_or_close(flag_id, client)
        return acknowledged, await sync_note(client)

    started = datetime.now(UTC) - timedelta(milliseconds=1)  # acknowledgements are to the ms
    flag, note = home.run(work)
    output.show_item(flag, as_json, partial(acknowledged_text, since=started), note)


async def acknowledged_or_close(flag_id: str, client: Client) -> SafetyFlag:
    """`client.safety.acknowledge(flag_id)`, after a sync when no flag on this device has that
    id (`found_after_sync`, as `tj show ID` does); when none has it then either, the NotFound
    says to check the id and names the closest flag id there is (`close_flag_ids`), as a
    mistyped name's refusal does ("did you mean ...?"; it said "try `tj sync`")."""
    from client_sdk.errors import NotFound

    try:
        return await found_after_sync(lambda c: c.safety.acknowledge(flag_id), client)
    except NotFound as missing:
        if missing.subject != "document":
            raise
        close = close_flag_ids(flag_id, [f.id for f in await client.safety.flags()])
        if not close:
            raise
        hint = " or ".join(output.short_id(ident) for ident in close)
        error = NotFound(f"{missing}: check the id (did you mean {hint}?)")
        error.code, error.detail = missing.code, missing.detail
        raise error from None


def close_flag_ids(wanted: str, ids: Collection[str]) -> list[str]:
    """The ids of `ids` (hex) whose start is closest to `wanted` (a mistyped id, "2536e" for
    "25369e555804"): each id's first as many digits as `wanted` has, compared as names are
    (`close_names`, a ratio of at least 0.6), the closest first, at most 2. Pure."""
    from client_sdk.models import close_names

    typed = wanted.strip().lower()
    if not typed:
        return []
    starts: dict[str, list[str]] = {}
    for ident in ids:
        starts.setdefault(ident[: len(typed)], []).append(ident)
    found = close_names(typed, starts, most=2)
    return [ident for start in found for ident in sorted(starts[start])][:2]


def acknowledged_text(flag: SafetyFlag, since: datetime | None = None) -> str:
    """What `tj safety ack` did; an acknowledgement of this account's from before `since`
    means nothing was written."""
    raised = output.local_time(flag.raised_at)
    earlier = [a.at for a in flag.acknowledged if a.mine and since is not None and a.at < since]
    if earlier:
        return (
            f"You acknowledged the safety flag of {flag.owner} raised {raised} already, "
            f"{output.local_time(earlier[0])}: nothing written."
        )
    return f"Acknowledged the safety flag of {flag.owner} raised {raised}."


def crisis_line_text(plan: SafetyPlan) -> str:
    """The crisis line the safety message shows, as the plan names it: the one in
    use, saying who set it when a therapist did, or the defaults when none is set."""
    if plan.crisis_line_in_use is None:
        return "(none set: the safety message names the default crisis lines)"
    if plan.crisis_line_set_by is None:
        return plan.crisis_line_in_use
    return f"{plan.crisis_line_in_use} (set by {plan.crisis_line_set_by})"


async def plan_not_loaded(client: Client, plan: SafetyPlan) -> bool:
    """Whether the safety message for `plan`'s journal (one of this account's) would show
    the default journal's plan, none being written in it, but that journal is not on this
    device (`Safety.plan_source` None): the message then says the plan cannot be shown."""
    from client_sdk.safety_path import written

    return not written(plan) and await client.safety.plan_source() is None


def plan_text(plan: SafetyPlan, owner: str = "", *, not_loaded: bool = False) -> str:
    """The plan as `tj safety plan` shows it: its fields, each wrapped under its label, then
    the plan's own text, each of its lines on lines of the terminal's width, its words
    unchanged, as the safety message shows it (an 88-character plan line is wrapped at
    80 columns too). `owner`: the journal's owner when it is another account's (a
    therapist's view), "" for this account's own: when the owner wrote nothing in this
    journal's plan, their safety message may show the plan they wrote in their default
    journal (the only one a journal with none borrows), with its own crisis line before one
    a therapist set here, which this device cannot see: the crisis line is then said to be
    this journal's, not the one in use. `not_loaded`: none is written here and the default
    journal, whose plan the message would show, is not on this device (`plan_not_loaded`):
    said as the message says it."""
    lines = [f"journal:      {plan.journal}"]
    unseen = owner and not (plan.emergency_number or plan.crisis_line or plan.plan)
    if plan.imported:  # as --json's "imported" says it
        lines.append(f"imported:     yes: {imported_words(owner)}")
    if plan.shown_from is not None:  # none written here: what the safety message shows
        lines.append(
            "shown plan:   none written here: the safety message shows the plan of "
            f"{output.quoted(plan.shown_from)}"
            + (
                f", which {output.command_text('tj import')} wrote from a file (you have "
                "changed none of it since: check it)"
                if plan.shown_imported
                else ""
            )
        )
        emergency, text = plan.shown_emergency_number, plan.shown_plan
        line = plan.shown_crisis_line or crisis_line_text(plan)
    else:
        emergency, text, line = plan.emergency_number, plan.plan, crisis_line_text(plan)
    if not_loaded:  # the message's own line (`plan_not_loaded_line`), never "none written"
        lines.append(f"shown plan:   none written here: {not_loaded_words()}")
    if unseen:  # the owner's other journals are not on this device
        here = "set in this journal" if plan.crisis_line_in_use else "as this journal alone has it"
        line = (
            f"{line}, {here}; {owner}'s safety message shows a plan {owner} "
            f"wrote in their default journal instead, if there is one and this is not it, with "
            "its own crisis line: this device cannot see their other journals"
        )
    if emergency:
        # the command names the journal whose plan holds the number (nu81 F11: without
        # --journal it set the default journal's, this one's left as it was)
        holder = (
            plan.shown_from
            if plan.shown_from is not None
            else output.journal_word(plan.journal, plan.journal_id)
        )
        number = emergency + number_said(emergency, owner, holder)
    elif owner:  # a therapist's view: never "your" number (it is the client's)
        number = f"(default: {owner}'s local emergency number" + (
            f", unless a plan {owner} wrote in their default journal sets one)" if unseen else ")"
        )
    else:
        number = "(default: your local emergency number)"
    lines += [f"emergency:    {number}", f"crisis line:  {line}"]
    member = plan.member_crisis_line
    if plan.crisis_line and plan.crisis_line != plan.crisis_line_in_use:  # yields (NU75 F8)
        lines.append(
            f"own line:     {plan.crisis_line} (the import's; not shown: a line a member set "
            "in this journal comes first)"
        )
    if member and member != plan.crisis_line_in_use:  # set, not shown: seen (NU74 F7)
        whose = f"{owner}'s" if owner else "your"
        lines.append(
            f"member line:  {member} (set by {plan.member_crisis_line_set_by}; not shown: "
            f"{whose} own line in this journal comes first)"
        )
    lines.append(f"share flags:  {flags_text(plan)}")
    written = text.splitlines() if text else ["(no plan written yet)"]
    size = shutil.get_terminal_size().columns
    body = "\n".join(output.prose_text(line) if len(line) > size else line for line in written)
    return f"{output.fields_text(lines)}\n\n{body}"


def number_said(number: str, owner: str, journal: str | None) -> str:
    """What follows a plan's emergency number `number` that no one could dial (written
    before `tj safety plan --emergency` checked it: `client_sdk.safety.number_problem`), as
    `plan_text` shows it: " (not a phone number: it holds no digit; the safety message
    names the local emergency number instead; `tj safety plan --emergency NUMBER` sets
    one)", the command only for the owner's own plan (`owner` ""), naming `journal` (the
    journal whose plan holds the number, as a command's word; nu81 F11); "" for a number one
    may dial (nu80 F4)."""
    from client_sdk.safety import dialled, number_problem

    problem = number_problem(number)
    if problem is None:
        return ""
    said = f" (not a phone number: {problem}"
    if not dialled(number):
        said += "; the safety message names the local emergency number instead"
    if owner:
        return f"{said})"
    words = ["tj", "safety", "plan", "--emergency", "NUMBER"]
    if journal is not None:
        words += ["--journal", journal]
    return f"{said}; {output.command(words)} sets one)"


def not_loaded_words() -> str:
    """The safety message's line when the default journal's plan cannot be shown
    (`safety.plan_not_loaded_line`), with the command that chooses another default, its
    first letter lower case (it follows a label)."""
    from client_sdk.safety import plan_not_loaded_line

    said = plan_not_loaded_line(CLI_HINTS)
    return said[:1].lower() + said[1:]


def imported_words(owner: str = "") -> str:
    """What `plan_text` says of a plan an import wrote (`SafetyPlan.imported`): where it came
    from, that its owner has not changed it since, and what that changes; `owner` as
    `plan_text`'s. Pure."""
    if owner:
        return f"{owner}'s import wrote it from a file ({owner} has changed none of it since)"
    return (
        f"{output.command_text('tj import')} wrote it from a file, and you have changed none "
        "of it since: check it; a change of yours makes it your own (until then, a crisis "
        "line your therapist set in this journal, or in one whose safety message borrows it, "
        "comes first)"
    )


def flags_text(plan: SafetyPlan) -> str:
    """The opt-in, and whom it reaches now: never "yes" alone when no one reads the journal,
    and naming each member it does not reach with the reason, as `tj shares`' flags
    column says it: one opted in for an earlier share only ("no (earlier share)") is told
    so, never as one who "also reads" (a fix-misc finding: after `tj share --only` then
    `--full`, "yes (flags reach no one; not drsmith, who also read it ...)")."""
    if not plan.share_flags:
        return "no"
    # the command names this plan's journal: with none, it would opt in the default one's
    # members instead (fix30k: shown by `tj safety plan --journal Work`)
    opt_in = output.command([*plan_words(plan.journal, plan.journal_id), "--share-flags"])
    if plan.flags_reach is None:
        return "yes"
    readers = list(plan.reads_only or ())
    earlier = [m for m in plan.opted_in_earlier or () if m not in readers]
    missing = [m for m in plan.not_opted_in or () if m not in readers and m not in earlier]
    if not plan.flags_reach and not missing and not readers and not earlier:
        return "yes, but no one you shared with reads this journal now: flags reach no one"
    parts = []
    if earlier:
        were = "was" if len(earlier) == 1 else "were"
        parts.append(
            f"{output.and_words(earlier)}, who {were} opted in for an earlier share of "
            f"{plan.journal}, which does not carry over to this one: "
            f"{opt_in} names whom it adds and asks"
        )
    if missing:
        parts.append(
            f"{output.and_words(missing)}, who "
            + ("also read it" if plan.flags_reach else "read it, but whom the opt-in does not name")
            + f": {opt_in} names whom it adds and asks"
        )
    paused = [m for m in readers if m in (plan.opted_in_reads_only or ())]
    readers = [m for m in readers if m not in paused]
    if paused:  # opted in, then made read-only: the opt-in stands (role-flags fix)
        were = "was" if len(paused) == 1 else "were"
        parts.append(
            f"{output.and_words(paused)}, who {were} opted in but only read it now: a flag "
            "needs the annotate role; your choice stands, and flags reach them again once "
            "you give them the annotate role ("
            + output.command(
                [
                    "tj",
                    "share",
                    output.journal_word(plan.journal, plan.journal_id),
                    "NAME",
                    "--role",
                    "annotate",
                ]
            )
            + ")"
        )
    if readers:  # never opted in by --share-flags
        parts.append(
            f"{output.and_words(readers)}, who only read it: a flag needs the annotate role"
        )
    if not plan.flags_reach:  # no "yes (flags reach no one; not ...)": said plainly
        return f"yes, but flags reach no one now: not {'; not '.join(parts)}"
    reach = f"flags reach {', '.join(plan.flags_reach)}"
    return f"yes ({'; '.join([reach, *(f'not {part}' for part in parts)])})"


def measure_name(measure: str) -> str:
    """A flag's measure as every other table names it ("PHQ-9", not its id "phq9"); an id
    this version does not know, as it came."""
    from client_sdk.errors import InvalidInput
    from client_sdk.scoring import instrument

    try:
        return instrument(measure).name
    except InvalidInput:
        return measure


ENDED_MARK = "(ended)"
"""After the client's name in `tj safety flags` for a flag read from the copy of a share its
owner's signature ended (or whose signed end date passed): a short mark, said whole below the
table (`ended_legend`), so that the client column stays one line ("(share no longer
served)" took four lines of an 8-cell column)."""
UNSERVED_MARK = "(unserved)"
"""The same where the server alone stopped serving the share (never said as the client's
decision)."""
LEFT_MARK = "(left)"
"""The same where this account left the share on this device (`tj leave`): its own word,
which this device recorded, never the client's decision nor the server's word (nu84 F4)."""


def ended_words(flag: SafetyFlag, left: Collection[str] = ()) -> str:
    """After the client's name in `tj safety flags`: " (left)" for a flag read from the copy
    of a share this account left on this device (`left`: those journals' ids, hex, as
    `SharedJournal.left_at` tells them), " (ended)" for one of a share its owner's signature
    ended (`SafetyFlag.share_ended`), " (unserved)" where the server alone stopped serving
    it (`SafetyFlag.unlisted`), else nothing; `ended_legend` says each below the table.
    Pure."""
    if flag.unlisted:
        return f" {UNSERVED_MARK}"
    if flag.share_ended and flag.journal_id in left:
        return f" {LEFT_MARK}"
    return f" {ENDED_MARK}" if flag.share_ended else ""


def ended_legend(flags: list[SafetyFlag], left: Collection[str] = ()) -> list[str]:
    """Below `tj safety flags`' table, what each mark `ended_words` put after a client's name
    means, naming the clients: "(unserved): share no longer served: the server no longer
    serves ana's share to you ..." (the caseload's words); "(left): you left this share
    (ana's share with you), on this device ..." (nu84 F4). Pure."""
    from client_sdk.models import and_words

    lines = []
    for mark in (UNSERVED_MARK, LEFT_MARK, ENDED_MARK):
        owners = sorted({f.owner for f in flags if ended_words(f, left) == f" {mark}"})
        if not owners:
            continue
        whose = and_words([f"{owner}'s" for owner in owners])
        if mark == UNSERVED_MARK:
            what = (
                f"share no longer served: the server no longer serves {whose} share to you "
                "(they may have ended it, or the server may be holding it back)"
            )
        elif mark == LEFT_MARK:
            these = "this share" if len(owners) == 1 else "these shares"
            what = f"you left {these} ({whose} share with you), on this device"
        else:
            what = f"share ended: {whose} share with you ended, by their signed word or end date"
        lines.append(f"{mark}: {what}; these flags are read from the copy kept on this device.")
    return lines


def not_delivered_lines(flags: list[SafetyFlag], several: bool = False) -> list[str]:
    """Below `tj safety flags`' table, for the flags marked "not delivered"
    (`SafetyFlag.not_delivered`): that their members may never have been alerted, and what to do
    (tell them yourself; the safety plan, of each of their journals by name with `several`,
    the user's own journals more than one: `output.plan_tell`): "was NOT delivered" to the
    members of `surely_not_delivered`, "may NOT have been delivered" to the others. Pure."""
    surely = [(f, f.surely_not_delivered) for f in flags if f.surely_not_delivered]
    maybe = [
        (f, tuple(m for m in f.not_delivered if m not in f.surely_not_delivered)) for f in flags
    ]
    maybe = [(f, who) for f, who in maybe if who]
    if not surely and not maybe:
        return []
    lines = []
    journals = dict.fromkeys((f.journal, f.journal_id) for f, _ in [*surely, *maybe])
    plans = " ".join(output.plan_tell(name, key, several) for name, key in journals)
    if not several:
        plans = output.plan_tell("", "", False)  # one plan to read, once
    tell = f"If you want them to know, tell them yourself. {plans}"
    # the sync's words for each fact (`UndeliveredFlag.line`): it left too late, or about then
    if surely:
        lines.append(
            f"Not delivered: {_which(surely)} was NOT delivered to {_whom(surely)}: the share "
            "ended (on one of your devices, or by its end date) before the flag left this "
            "device, so they will not be alerted while the share stays ended."
        )
    if maybe:
        how = "on one of your devices, or by its end date"
        if all(set(who) <= set(f.not_served) for f, who in maybe):  # nu83 F6
            how = (
                "the server says they left the share, or that their account was deleted, and "
                "one of your devices removed them"
            )
        lines.append(
            f"Not delivered: {_which(maybe)} may NOT have been delivered to {_whom(maybe)}: the "
            f"share ended ({how}) less than {SKEW_MINUTES} minutes after the flag left the "
            "device of yours that sealed it, or before it (your devices' clocks can differ by "
            "that much), or later but before anything showed their device received it, so no "
            "device of yours can tell whether it reached them, and they may never be alerted."
        )
    lines[-1] += f" {tell}"
    return lines


def _which(lost: list[tuple[SafetyFlag, tuple[str, ...]]]) -> str:
    """ "the safety flag of that answer", or "... flags of those answers" for several."""
    flags = {f.id for f, _ in lost}
    return (
        "the safety flag of that answer" if len(flags) == 1 else "the safety flags of those answers"
    )


def _whom(lost: list[tuple[SafetyFlag, tuple[str, ...]]]) -> str:
    """The members of `lost` (flag, usernames) in words, once each, sorted."""
    from client_sdk.models import and_words

    return and_words(sorted({m for _, who in lost for m in who}))


def not_yet_words(flag: SafetyFlag) -> str:
    """The "acknowledged" cell of a sent flag no acknowledgement verified here names: "NOT
    YET", with why it may be so ("before this share": `earlier_share_lines` says what that
    means) and whether this account can mark it read. Pure."""
    why = ["before this share"] if flag.before_share else []
    if flag.reads_only:  # both said when both are true: neither hides the other
        why.append("you only read now: you cannot mark it read")
    return f"NOT YET ({'; '.join(why)})" if why else "NOT YET"


def status_words(
    flag: SafetyFlag, unsent: Collection[str] = (), acks_unsent: Collection[str] = ()
) -> str:
    """The "status" cell of a flag, once a flag of the table never reached its members: the
    word of its JSON `status` (`SafetyFlag.status`) first, then what it means: "not sent:
    still on this device" (`unsent`: the ids `Safety.unsent` gives too), "not delivered to
    drsmith: ...", "acknowledged: drsmith 12-06 21:18", "sent: not acknowledged yet". Pure."""
    if flag.unsent and flag.unanswered:  # the server may hold it: not known here
        return f"{STATUS_UNKNOWN}: sent, its storing never confirmed here; a later sync settles it"
    if flag.unsent or flag.id in unsent:  # `Safety.unsent`: it has not left this device
        return f"{STATUS_NOT_SENT}: still on this device"
    if flag.not_delivered:  # it never reached them: nothing to wait for
        surely = ", ".join(flag.surely_not_delivered)
        unsure = [m for m in flag.not_delivered if m not in flag.surely_not_delivered]
        maybe = ", ".join(unsure)
        whom = "them" if not (surely and maybe) else None
        said = []
        if surely:
            said.append(
                f"was NOT delivered to {whom or surely}: the share ended before the flag left "
                "this device"
            )
        if maybe:
            left = set(unsure) <= set(flag.not_served)
            how = " (the server says they left it, or their account was deleted)" if left else ""
            said.append(
                f"may NOT have reached {whom or maybe}: the share ended{how} less than "
                f"{SKEW_MINUTES} minutes after the flag left the device of yours that sealed "
                "it, or before it, or later but before anything showed their device received it"
            )
        who = ", ".join(flag.not_delivered)
        return f"{STATUS_NOT_DELIVERED} to {who}: " + "; ".join(said)
    if flag.acknowledged:
        return f"{STATUS_ACKNOWLEDGED}: {acknowledged_words(flag, acks_unsent)}"
    why = ["before this share"] if flag.before_share else []
    if flag.reads_only:
        why.append("you only read now: you cannot mark it read")
    return f"{STATUS_SENT}: not acknowledged yet" + (f" ({'; '.join(why)})" if why else "")


def acknowledged_words(flag: SafetyFlag, acks_unsent: Collection[str] = ()) -> str:
    """Who acknowledged the flag, when: "drsmith 12-06 21:18, drlee 12-06 21:20"; this
    account's own "(not sent yet)" while the flag's id is in `acks_unsent` (its
    acknowledgement not taken by the server: `shares.unsent_acknowledgements`), as the
    owner sees none until it is (nu86 F8)."""
    return ", ".join(
        f"{a.by} {output.local_time(a.at)}"
        + (" (not sent yet)" if a.mine and flag.id in acks_unsent else "")
        for a in flag.acknowledged
    )


def flags_table(
    flags: list[SafetyFlag],
    unsent: Collection[str] = (),
    me: str = "",
    left: Collection[str] = (),
    acks_unsent: Collection[str] = (),
) -> Table:
    """`tj safety flags`' table; `unsent`: the ids of the flags that have not left this
    device (`Safety.unsent`), marked so, never "NOT YET" as a sent one. `me`: this account's
    username: a client's own flags name their journal ("journal" column) rather than the
    client's own name; among others' flags, an own one's client reads "you". `left`: the
    journals (ids, hex) this account left on this device (`ended_words`). `acks_unsent`: the
    ids of the flags whose acknowledgement by this account the server has not taken
    (`acknowledged_words`)."""
    own = bool(me) and all(f.owner == me for f in flags)
    who = Column("journal" if own else "client", NAME)
    columns = [ID, Column("raised", FIXED), who, Column("measure", FIXED)]
    # who acknowledged: a username, never broken inside; "status" once a flag here never
    # reached its members, whose cell must not read "acknowledged: not delivered" (NU68 F2)
    lost = any(f.not_delivered or f.unsent or f.id in unsent for f in flags)
    last = "status" if lost else "acknowledged"
    columns += [Column("item", FIXED), Column("answer", FIXED), Column(last, NAME)]
    return fitted(
        columns,
        (
            (
                output.short_id(flag.id),
                output.local_time(flag.raised_at),
                (flag.journal if own else "you" if me and flag.owner == me else flag.owner)
                + ended_words(flag, left),
                (
                    measure_name(flag.measure)
                    if flag.result_id
                    else f"{measure_name(flag.measure)} (no score)"
                )
                + (
                    f" (answered {output.local_time(flag.answered_at)}, sealed later)"
                    if flag.sealed_later
                    else ""
                ),
                str(flag.item),
                str(flag.answer),
                status_words(flag, unsent, acks_unsent)
                if lost
                else acknowledged_words(flag, acks_unsent) or not_yet_words(flag),
            )
            for flag in flags
        ),
    )
