"""How the CLI shows things: rich tables for people, JSON for scripts, one-line messages.

Data goes to stdout; messages (progress, warnings, errors) go to stderr, so that
`tj write "..." > id.txt` or `tj list --json | jq` only ever see data.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import shutil
import sys
import textwrap
import unicodedata
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TextIO, TypeVar, cast

import click
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table

from cli.homes import profile_words
from cli.tables import DATE, FIXED, ID, NAME, Column, cut_to, fitted, table_text
from cli.terminal import SPAN, compact, each_part, expanded, printed_length, ticks_shown
from cli.terminal import command as command
from cli.terminal import command_text as command_text
from cli.terminal import json_escaped as json_escaped
from cli.terminal import marks_shown as marks_shown
from cli.terminal import pasteable as pasteable
from cli.terminal import path_word as path_word
from cli.terminal import shown as shown
from cli.terminal import their_command as their_command
from cli.terminal import their_command_text as their_command_text
from cli.terminal import ticked as ticked
from cli.terminal import unmarked as unmarked
from client_sdk import TRASH_DAYS, care_terms, departures
from client_sdk.departures import Departure
from client_sdk.models import (
    DEFAULT_DEVICE_NAME,
    ID_SHOWN,
    is_control,
    json_time,
    quoted_name,
    read_time,
    share_end_text,
)
from client_sdk.models import and_words as and_words
from client_sdk.same_names import SameName, copy_same_name_text, same_name_text, shown_ids
from client_sdk.settling import FIELD_WORDS as FIELD_WORDS
from client_sdk.settling import Settled, value_text
from client_sdk.undelivered import MemberReceipt, recipients_by_state
from client_sdk.upload_limit import describe as describe_upload_limit

T = TypeVar("T")

if TYPE_CHECKING:
    from client_sdk import (
        Client,
        DeviceInfo,
        Entry,
        HeldBack,
        InvalidResult,
        Journal,
        ListedEntries,
        MeasureResult,
        MergedText,
        NewDevice,
        OvertakenEdit,
        Recipient,
        RefusedShare,
        RefusedWithdrawal,
        SafetyFlag,
        SameJournalName,
        SetAside,
        SetAsideChange,
        SyncReport,
        UploadLimit,
    )
    from client_sdk.brief import DiscussItem
    from client_sdk.scoring import Instrument

    Unverified = tuple[str, list[Journal], list[str], bool]
    """An owner never verified, with their ended copies when every journal of theirs is one,
    what those copies hold that must not be discarded unread (`clinical_items`), and whether
    the server says their account no longer exists (`SharedJournal.owner_erased`, for words
    only: then `tj fingerprint` can no longer find them, nu85 F3)."""


def local_time(moment: datetime) -> str:
    """A date in the user's local time zone, to the minute."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def share_end(moment: datetime) -> str:
    """When a share ends, as the user gave it: `--until 2027-06-30` ends at local midnight
    after that day, shown "2027-06-30 (end of day)"; any other moment to the minute
    (`models.share_end_text`, as the caseload says it)."""
    return share_end_text(moment)


ZONED = "%Y-%m-%d %H:%M (UTC%z)"


def zoned_time(moment: datetime) -> str:
    """A moment in the user's local time zone, to the minute, with that zone's offset:
    "2026-12-04 03:18 (UTC+0900)" (`tj show`: each time says its zone, NU34 #8)."""
    return moment.astimezone().strftime(ZONED)


def local_date(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d")


NOT_DELIVERED_MARK = "[NOT DELIVERED]"
"""How a list marks a note, prompt or assignment whose change the server refused for good."""


def not_delivered_note(count: int, one: str, many: str, ended: int = 0) -> None:
    """Under a list: how many of its items are marked NOT_DELIVERED_MARK, and where to see why.
    `ended` of them were refused because the journal is no longer shared with this account:
    no retry sends those (NU30 F1), so their words are kept and they are dropped instead."""
    if count > ended:
        them = "it" if count - ended == 1 else "them"
        message(
            f"{NOT_DELIVERED_MARK}: {plural(count - ended, one, many)} the server refused for "
            f"good (nobody else has {them} as shown): {command_text('tj set-aside list')} says "
            f"why; {command_text('tj set-aside retry')} sends {them} again."
        )
    if ended:
        them, their = ("it", "its") if ended == 1 else ("them", "their")
        message(
            f"{NOT_DELIVERED_MARK}: {plural(ended, one, many)} the server refused because the "
            f"journal is no longer shared with you (nobody else has {them}): no retry can send "
            f"{them}; keep {their} words with {command_text('tj set-aside list --json > refused.json')}, then "
            f"drop {them} with {command_text('tj set-aside drop ID')}."
        )


def running(name: str) -> bool:
    """Whether the command running is `tj NAME` (a hint naming it would name itself)."""
    context = click.get_current_context(silent=True)
    return context is not None and context.info_name == name


def plural(count: int, one: str, many: str) -> str:
    """ "1 entry", "2 entries", "0 entries", "19,025 entries" (thousands grouped, as every
    count the CLI prints: NU55 F10)."""
    return f"{count:,} {one if count == 1 else many}"


def short_id(full_id: str) -> str:
    return full_id[:ID_SHOWN]


def saved_text(what: str, note: str) -> str:
    """The sentence after a new entry, goal or note (NU28 C5), on stderr while its id alone
    stays on stdout for scripts: "Entry 9a95745b485b ("After session") saved; synced.",
    offline "... saved locally; will sync when the server is reachable." (`note`: what
    `sync_note` said)."""
    locally = "saved locally"
    if note.startswith(locally):
        return f"{what} {note}."
    return f"{what} saved; {note}."


def titled(kind: str, full_id: str, title: str) -> str:
    """ "Entry 9a95745b485b ('After session')", or without a title "Entry 9a95745b485b": a
    title quoted as every name and title in a message is (`!r`; NU48 #5)."""
    named = f" ({quoted(preview(title, 60))})" if title.strip() else ""
    return f"{kind} {short_id(full_id)}{named}"


def one_line(text: str) -> str:
    """`text` on one line, each run of whitespace one space, but inside a command span
    (`command`), kept exactly: a quoted name or `--home` path with two spaces names
    another when it has one (REV-S11B S11B-2)."""
    if not SPAN.search(text):
        return " ".join(text.split())
    return each_part(text, lambda part: re.sub(r"\s+", " ", part), str).strip()


def os_error_text(error: OSError) -> str:
    """A file-system error in plain words, without Python's "[Errno 2]": "cannot use
    /no/such/dir/x.html: no such file or directory" (NU19 C28.3)."""
    reason = (error.strerror or str(error)).rstrip(".")
    reason = reason[:1].lower() + reason[1:]
    names = [str(n) for n in (error.filename, error.filename2) if n is not None]
    return f"cannot use {' or '.join(names)}: {reason}" if names else reason


def journal_word(name: str, journal_id: str = "") -> str:
    """How a printed command (`command`) names a journal: by `name` when it is pasted back
    exactly and reads as what it is (`pasteable`), else by its id's first 12 hex digits (a
    name with a backtick or a character drawn as one, a leading "-", a run of spaces, a
    control character, or one a terminal draws as nothing, such as a zero-width space:
    REV-S11B S11B-1/4), else, without an id, "JOURNAL" for the user to fill in."""
    if pasteable(name):
        return name
    return short_id(journal_id) if journal_id else "JOURNAL"


def prose(name: str) -> str:
    """`name` (a journal's, a title: anyone's text) said in a message as it is, but a
    backtick in it written `\\x60` and a character drawn as one as its escape
    (`terminal.TICKS`: `\\u1fef`): a name never reads as the edge of a command in backticks
    (REV-S11B S11B-1)."""
    return ticks_shown(name)


def named(name: str) -> str:
    """A journal's name said in a sentence: as it is when it is one word pasted back exactly
    that reads as what it is (`pasteable`: "Personal", "Ana's"), else `quoted` as a shell
    would ('Night dreams', "Ana's day", $'Work \\x60x\\x60'): a name of several words never
    runs into the sentence around it ("Archived journal Night dreams; synced."), and is never
    escaped without the quotes that make it a word to type back (NU52 F8: "Created journal
    Work \\x60x\\x60")."""
    return name if pasteable(name) and " " not in name else quoted(name)


def named_alike(*names: str) -> list[str]:
    """`names` said in one sentence the same way: each as `named` says it when none needs
    quotes, else each quoted ("Renamed journal 'Dreams and\\n' to 'Night'", never one
    quoted beside one bare)."""
    said = [named(name) for name in names]
    return said if said == list(names) else [quoted(name) for name in names]


def quoted(value: object) -> str:
    """`value` (a name, a title: anyone's text) quoted in a message as every name is, so that
    what is shown can be typed back, into a command too (`client_sdk.models.quoted_name`,
    the SDK's messages' rule): 'Personal', "Ana's day", $'Work \\x60stuff\\x60' (a backtick,
    a control character written as the escape a shell reads back; no name reads as the edge
    of a command in backticks)."""
    return quoted_name(str(value))


def note_line(note: str) -> str:
    """A sync note (`sync_note`: "synced", "saved locally; ...") said alone on its line, as
    a sentence: "Synced." (NU42 #13: a bare "synced" closed `tj measure take`, `tj assign`
    and `tj brief`)."""
    note = note.strip()
    return note[:1].upper() + note[1:] + ("" if note.endswith((".", ")")) else ".")


STOPPED = "tj.stopped"
"""The key, in click's context meta, of what a command stopped by Ctrl-C says instead of the
general line of `cli.main.interrupted` (`stopped_unsaved`)."""


def stopped_unsaved(text: str, *, replace: bool = True) -> None:
    """Have a command stopped by Ctrl-C end with `text` (what became of its work, e.g. an
    entry not saved) instead of "what this device had saved is kept"; with `replace` False,
    only when the command set none yet."""
    context = click.get_current_context(silent=True)
    if context is not None and (replace or STOPPED not in context.meta):
        context.meta[STOPPED] = text


def message(text: str, *, wrap: bool = False) -> None:
    """A note for the user on stderr (never mixed with data); with `wrap`, on lines of the
    terminal's width under its label (`fields_text`: a long "item 9 above 0: ..." note).
    The CLI's words: only a command span (`command`) is in backticks (`shown`'s `prose`);
    `shown` once, the wrapper between its two passes."""
    said = shown(one_line(text), ticks=False, prose=True)
    to_stderr(ticked(fields_text([said]) if wrap else said))


def stderr_on_terminal() -> bool:
    """Whether stderr, where notices go (`message`), is a terminal: what is said there is
    seen by the user, not sent to a file or dropped by a script (`2>/dev/null`)."""
    stream = sys.stderr
    return stream is not None and not STDERR_CLOSED and stream.isatty()


STDERR_CLOSED: list[bool] = []
"""Set (one item) once a note could not be written because the reader of stderr went away
(`tj unshare ... 2>&1 | head -1`): the command goes on, its notes unseen, and ends with
exit status 141 as a closed stdout does (`TJGroup.invoke`)."""


def to_stderr(text: str) -> None:
    """`text` on stderr. A reader gone away (BrokenPipeError) never stops the command midway
    (a share half ended, NU54 F19): stderr is pointed at /dev/null, the rest of its notes
    go nowhere, and `STDERR_CLOSED` says so. A question (`confirm`) still fails on it, so
    nothing is decided unasked."""
    if STDERR_CLOSED:
        return
    try:
        click.echo(text, err=True)
    except BrokenPipeError:
        STDERR_CLOSED.append(True)
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stderr.fileno())
        except (OSError, ValueError, AttributeError):  # no real file behind it (a test's)
            pass


LABEL = re.compile(r"[^\s:][^:]{0,20}: +(?=\S)")
"""The label of a "label: value" line, with the spaces that align its value ("Locked:      ",
"item 9:  ", "item 9 above 0: ")."""

BULLET = re.compile(r" *(?:- )?")
"""A line's own indent, with a list's "- ": what its wrapped lines are indented by when it
has no label (a brief's "- After the session ..." line; NU38 N2)."""


CHUNK = re.compile(r"\s+|(?:\ue000[^\ue000\ue001]*\ue001|[^\s\ue000]|\ue000)+")
"""A run of spaces, or a word: a run of anything else, a command span (`command`: a command
to copy, spaces and all: `tj forget 'ben (account b1fdc2f4)/Personal' --unlisted`) being one
piece of it, with what is glued to it ("`...`)."). A backtick (one in a name: REV-S11B
S11B-4) is a character of its word, never the start of a span."""


class _Wrapper(textwrap.TextWrapper):
    """textwrap's wrapper, at spaces only, a command in backticks never broken (a command
    broken inside a quoted name, `tj forget` or `tj export --client` hints, cannot be
    pasted): one that does not fit on the line starts the next, whole even when longer."""

    def _split(self, text: str) -> list[str]:
        return CHUNK.findall(text)


def wrapped(text: str, width: int) -> list[str]:
    """`text` (one paragraph) on lines of at most `width` characters, broken at spaces only:
    a word, and a command in backticks with its spaces, is never broken; one longer than a
    line has a line of its own (NU49 F1). A command span is measured as it is shown
    (`terminal.compact`)."""
    wrapper = _Wrapper(width, break_long_words=False, break_on_hyphens=False)
    return [expanded(line) for line in wrapper.wrap(compact(text))]


def fields_text(lines: Iterable[str], width: int | None = None) -> str:
    """`lines` for reading ("label:  value" lines, or prose), each one longer than `width`
    (default: the terminal's, `COLUMNS`, else 80, as a table's) wrapped at spaces, its later
    lines indented under the value: the terminal no longer folds a 260-character "item 9:"
    line at column 0, under the labels (NU37 #8). A word longer than a line stays whole, and
    so does a command in backticks (`wrapped`)."""
    size = width or shutil.get_terminal_size().columns
    out: list[str] = []
    for line in lines:
        label = LABEL.match(line)
        bullet = BULLET.match(line)
        head = label.group() if label else bullet.group() if bullet else ""
        value = line[len(head) :]
        if printed_length(line) <= size or len(head) > size // 2:
            out.append(line)
            continue
        parts = wrapped(value, size - len(head))
        out += [head + parts[0], *(" " * len(head) + part for part in parts[1:])]
    return "\n".join(out)


def prose_text(
    text: str, indent: str = "", hang: str | None = None, width: int | None = None
) -> str:
    """`text` (one paragraph) on lines of the terminal's width (`fields_text`'s), broken at
    spaces only (the words themselves unchanged: a questionnaire's item is reproduced as
    its source gives it), the first line after `indent`, the later ones after `hang`
    (default: `indent`), for a numbered question ("8. ", then 3 spaces). A word longer than
    a line stays whole (NU38 N2)."""
    size = width or shutil.get_terminal_size().columns
    later = indent if hang is None else hang
    room = max(size - max(len(indent), len(later)), 20)
    parts = wrapped(text, room)
    return "\n".join((indent if n == 0 else later) + part for n, part in enumerate(parts or [""]))


def options_text(options: Iterable[str], indent: str, width: int | None = None) -> str:
    """An answer scale ("0 = Not at all", "1 = Several days", ...) two spaces apart after
    `indent`, on as many lines of the terminal's width as it takes, broken between options,
    never inside one (NU38 N2)."""
    size = width or shutil.get_terminal_size().columns
    lines: list[str] = []
    for option in options:
        if lines and cell_len(lines[-1]) + 2 + cell_len(option) <= size:
            lines[-1] += "  " + option
        else:
            lines.append(indent + option)
    return "\n".join(lines)


def data(text: str, *, wrap: bool = False, prose: bool = False) -> None:
    """`text` on stdout, made safe (`shown`); with `wrap`, on one line made lines of the
    terminal's width (`fields_text`; a leading indent kept, the later lines under it), as
    `message` wraps a warning beside it (NU46 #12: a
    `tj forget` hint of 200 characters on one line beside wrapped "Warning:" lines). With
    `prose` (the CLI's words, names in them, not an entry's or a title's text as it is): only
    a command span (`command`) is in backticks, any other backtick written `\\x60`."""
    if not wrap:
        click.echo(shown(text, prose=prose))
        return
    indent = text[: len(text) - len(text.lstrip(" "))]  # a listed line's, kept (nu78 F5)
    said = shown(indent + one_line(text), ticks=False, prose=prose)
    click.echo(ticked(fields_text([said])))


def confirm(text: str, *, skip: str = "--yes", subject: str | None = None, **options: Any) -> bool:
    """`click.confirm` asking `text` through `shown`: a question may name another account's
    journal or quote its note (rev-lead L2). `options` as click's (`abort`, `default`,
    `err`). When stdin is not a terminal, an answer piped on it is read as one typed ("y",
    NU33 #2); when it ends before an answer (a script, `</dev/null`), raises
    click.ClickException: one line, naming `skip` (the command's flag that skips the
    question; words naming no flag, for a question no flag answers, are said as they are
    and `answered_by` is null), with no question printed before it (NU32 #5, NU33 #2). A question for stderr
    once its reader went away (`STDERR_CLOSED`) is not asked, whatever stdin holds: a "y"
    there would answer a question nobody saw (click.ClickException naming `skip`).
    `subject`: what the question is about, the SDK's subject of the refusal it answers
    ("fold into shared", "readers left", ...), the `--json` error object's subject when it
    is left unanswered (`Unanswered`); None: a confirmation of the command's own action
    ("confirm COMMAND": `confirm_subject`)."""
    if STDERR_CLOSED and options.get("err", False):
        raise Unanswered(
            "not asked, as nothing reads this command's messages any more: nothing was "
            "done; " + (f"to go on without the question, add {skip}" if skip_flags(skip) else skip),
            subject=subject,
            skip=skip,
        )
    with answer_piped(text, skip, subject):
        try:
            return bool(
                click.confirm(
                    ticked(question_text(shown(text, ticks=False, prose=True))), **options
                )
            )
        except click.Abort as abort:
            if not isinstance(abort.__context__, (EOFError, KeyboardInterrupt)):
                raise Declined(text) from None  # answered "no": not a bare "Aborted!"
            raise unanswered(abort, skip, options.get("err", False), subject) from None


def said_then_asked(
    attempt: Callable[[frozenset[str]], T],
    questions: Mapping[str, str | Callable[[], str]],
    confirmed: Iterable[str] = (),
    *,
    skip: str = "--yes",
    said: Iterable[str] = (),
    heard: list[Any] | None = None,
) -> T:
    """Said, then asked: what a command does when the SDK refuses something the user may
    mean, nothing done (`tj import --journal` folding a file's other journals into a journal
    someone reads, `tj journal default` moving the default journal away from its readers or
    to a journal someone reads). Runs `attempt` with the subjects (`TJError.subject`)
    confirmed so far (`confirmed`: those the command's --yes, or a flag, confirms: never
    asked); a refusal whose subject is one of `questions` and not confirmed yet is said
    ("Note: " and its `situation`), then that subject's question asked (`confirm`, "no" by
    default; no, or no answer, ends the command: nothing done; left unanswered under
    `--json`, the error's subject is the refusal's, and `answered_by` names `skip`), and on
    yes `attempt` runs again with it confirmed. A question given as a function is made once
    the refusal came (from what `attempt` found). Left unanswered under `--json`, a refusal
    naming readers (`ReadersToConfirm`) adds them to the error object, as the SDK gives them
    (`ERROR_EXTRA`: "journal", "journal_id", "readers" and "flags", each reader an object of
    `JournalReader.to_dict`'s keys; NU74 F5); any other refusal whose `names` give "journal"
    and "journal id" adds those two (NU75 F6). `said`: the subjects the command's --yes
    confirms, whose refusal is said all the same, never asked (--yes skips the question, not
    the facts: nu78 F16), each refusal so said appended to `heard` for the command's
    `--json`. Any other error is raised as it came."""
    from client_sdk.errors import ReadersToConfirm, TJError

    agreed = set(confirmed)
    told = set(said) - agreed
    while True:
        try:
            return attempt(frozenset(agreed))
        except TJError as refused:
            subject = refused.subject
            if subject is None or subject not in {*questions, *told} or subject in agreed:
                raise
            message(f"Note: {refused.situation or refused}.", wrap=True)
            if subject in told:  # confirmed by --yes: said, not asked
                if heard is not None:
                    heard.append(refused)
                agreed.add(subject)
                continue
            asked = questions[subject]
            if isinstance(refused, ReadersToConfirm):  # who, for an app, if left unanswered
                ERROR_EXTRA.update(
                    journal=refused.journal,
                    journal_id=refused.journal_id,
                    readers=[r.to_dict() for r in refused.readers],
                    flags=[r.to_dict() for r in refused.flags],
                )
            elif {"journal", "journal id"} <= set(refused.names):  # which (NU75 F6)
                ERROR_EXTRA.update(
                    journal=refused.names["journal"], journal_id=refused.names["journal id"]
                )
            confirm(
                asked if isinstance(asked, str) else asked(),
                skip=skip,
                subject=subject,
                default=False,
                abort=True,
                err=True,
            )
            for key in ("journal", "journal_id", "readers", "flags"):  # answered: not an error's
                ERROR_EXTRA.pop(key, None)
            agreed.add(subject)


QUESTION_END = len(" [y/N]: ")
"""What click adds after a question: left room for on its last line."""


def question_text(text: str, width: int | None = None) -> str:
    """A question (and the lines before it) on lines of the terminal's width (`fields_text`),
    room left for click's " [y/N]: " (NU50 F5: `tj measure delete`'s and `tj forget`'s
    questions ran past 80 columns); a command in backticks is never broken."""
    size = width or shutil.get_terminal_size().columns
    return "\n".join(fields_text([line], size - QUESTION_END) for line in text.split("\n"))


class Declined(click.ClickException):
    """A question with `abort=True` answered "no": one line on stderr saying what was not done
    (the question names it), exit status 1 as click's "Aborted!" had (NU35 #9: a bare
    "Aborted!" said nothing of what did not happen)."""

    def __init__(self, question: str) -> None:
        asked = (question.strip().splitlines() or [""])[-1]  # the question, not what led to it
        super().__init__(f'Not done: you answered no to "{one_line(asked)}".')

    def show(self, file: Any = None) -> None:
        """Printed as `TJGroup.invoke` made it (`shown` there, once)."""
        click.echo(self.format_message(), err=True)


def typed_answer(
    text: str, *, skip: str = "--yes", subject: str | None = None, **options: Any
) -> str:
    """`click.prompt` for a typed confirmation (a name, a username): as `confirm`, an answer
    piped on stdin is read, and a stdin that is not a terminal and ends before the line
    says `skip` in one line (NU32 #5, NU33 #2); `subject` as `confirm`'s."""
    with answer_piped(text, skip, subject):
        try:
            return str(click.prompt(shown(text, prose=True), **options))
        except click.Abort as abort:
            raise unanswered(abort, skip, options.get("err", False), subject) from None


class _Replayed:
    """A stdin whose first line was read ahead (`answer_piped`): that line, then the rest."""

    def __init__(self, first: str, rest: Any) -> None:
        self._first: str | None = first
        self._rest = rest

    def readline(self, size: int = -1) -> str:
        if self._first is not None:
            line, self._first = self._first, None
            return line
        return str(self._rest.readline(size))

    def isatty(self) -> bool:
        return False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._rest, name)


UNANSWERED = "unanswered"
"""The `--json` error object's subject of a question standard input ended before answering,
or did not let be asked (`Unanswered`), that confirms the command's own action, when it is
asked outside any command (`confirm_subject`); within one, such a question's subject names
what it confirms, "confirm" and the command ("confirm delete", "confirm journal delete"),
as a question about what the SDK refused has that refusal's subject ("fold into shared");
"declined" is a question answered no."""

CONFIRM = "confirm"
"""The first word of the `--json` error object's subject of a question confirming the
command's own action left unanswered: "confirm COMMAND" (`confirm_subject`)."""


def confirm_subject() -> str:
    """The subject of a question confirming the running command's own action (a delete, an
    unshare, a logout), left unanswered under `--json`: "confirm" and the command's words
    after `tj` ("confirm delete", "confirm journal delete", "confirm devices revoke"), so a
    script tells what it was asked, as it does for a question about what the SDK refused
    (that refusal's subject, fix30c item 2); UNANSWERED outside any command."""
    words = command_words()
    return f"{CONFIRM} {words}" if words else UNANSWERED


def command_words() -> str:
    """The running command's words after `tj` ("journal delete"), "" outside any."""
    ctx = click.get_current_context(silent=True)
    words: list[str] = []
    while ctx is not None and ctx.parent is not None:  # the root is `tj` itself
        words.insert(0, ctx.info_name or "")
        ctx = ctx.parent
    return " ".join(words)


def skip_flags(skip: str) -> str:
    """The flags of a question's `skip` words, as typed: "--yes --discard-unsynced" of
    "--yes --discard-unsynced (which loses 2 drafts)"."""
    flags = []
    for word in skip.split():
        if word.startswith("("):
            break
        if word.startswith("--"):
            flags.append(word)
    return " ".join(flags)


class Unanswered(click.ClickException):
    """A question that standard input ended before answering: nothing it asked about was
    done. `subject`, the `--json` error object's: what the question is about (the SDK's
    subject of the refusal it answers, "fold into shared"), else what it confirms, "confirm
    COMMAND" (`confirm_subject`; beside "declined" for a no); `answered_by`, its "answered_by": the command's flags that answer
    it ("--yes"), None for a prompt no flag answers."""

    def __init__(self, message: str, *, subject: str | None = None, skip: str | None = None):
        super().__init__(message)
        self.subject = subject or confirm_subject()
        self.answered_by = (skip_flags(skip) or None) if skip is not None else None


def unanswered_error(
    skip: str, question: str | None = None, subject: str | None = None
) -> click.ClickException:
    """The one line of a question a script left unanswered (NU32 #5), ending with the
    question when it was not printed (NU33 #2: it says what `skip` would agree to);
    `subject` as `confirm`'s."""
    asked = f". The question: {one_line(question)}" if question else ""
    # A `skip` naming no flag is the way to answer it that works (nu83 F3: never "pass
    # --yes" for a question --yes cannot answer).
    how = f"pass {skip} to skip the question" if skip_flags(skip) else skip
    return Unanswered(
        f"this needs confirming and standard input ended with no answer: {how}{asked}",
        subject=subject,
        skip=skip,
    )


@contextlib.contextmanager
def answer_piped(question: str, skip: str, subject: str | None = None) -> Iterator[None]:
    """Around `question`: when stdin is not a terminal, its first line is read ahead; none
    (stdin ended) raises `unanswered_error`, naming the question, instead of printing it, so
    a script gets the one line the README promises (NU33 #2); a line is handed to the
    question as if typed (a file is read back to where it was; a pipe's line is replayed by
    a stand-in stdin, put back after the question)."""
    if sys.stdin is None or sys.stdin.isatty():
        yield
        return
    stdin = sys.stdin
    if _seekable(stdin):  # a file (`< answers`; click's test runner): looked at, put back
        try:
            start = stdin.tell()
        except OSError:  # read by next() (click's test runner, a question before): as typed
            yield
            return
        ended = not stdin.readline()
        stdin.seek(start)
        if ended:
            raise unanswered_error(skip, question, subject)
        yield
        return
    from cli import piped

    if piped.stdin_is_a_pipe_or_file():  # byte by byte: what follows stays on stdin
        text = piped.read_text_line(ahead=False)
        line = "" if text is None else text + "\n"
        stdin = sys.stdin  # one that reads first a byte read past a line's "\r"
    else:
        line = stdin.readline()
    if not line:
        raise unanswered_error(skip, question, subject)
    sys.stdin = cast("TextIO", _Replayed(line, stdin))
    try:
        yield
    finally:
        sys.stdin = stdin


def _seekable(stream: Any) -> bool:
    try:
        return bool(stream.seekable())
    except (AttributeError, OSError, ValueError):
        return False


def unanswered(
    abort: click.Abort, skip: str, err: bool, subject: str | None = None
) -> click.ClickException | click.Abort:
    """What to raise for a question left unanswered: a one-line error naming `skip` when
    stdin is not a terminal and ended (a script; an answer that was not one, then the end),
    rather than click's bare "Aborted!" (NU32 #5); `abort` itself otherwise (a "no", or
    Ctrl-C on a terminal). `subject` as `confirm`'s."""
    if not isinstance(abort.__context__, EOFError) or sys.stdin.isatty():
        return abort
    click.echo(err=err)  # ends the question's line
    return unanswered_error(skip, subject=subject)


JSON_PRINTED: list[bool] = []
"""Set (one item) once the running command printed its JSON (`print_json`): a failure after
it prints no error object beside it (`error_json`), so stdout holds one JSON document."""


def print_json(value: Any) -> None:
    # json.dumps escapes C0 characters; C1 and bidirectional ones pass with ensure_ascii=False
    text = json.dumps(unmarked(value), indent=2, ensure_ascii=False)
    JSON_PRINTED.append(True)
    click.echo(json_escaped(text))


ERROR_EXTRA: dict[str, Any] = {}
"""Keys a command adds to its `--json` error object beside the four of `error_json`: `tj
sync`'s "unsent_flags" when it fails with safety flags still on this device, and
"flags_sent" when flags left in it before it failed (`syncing.unsent_offline`); `tj logout`'s
"unsent_flags", "unsynced", "unsynced_kinds" and "drafts" when its `--yes` refuses, or its
question goes unanswered, to lose what is only on this device (nu77 F3); `tj
measure take`'s "safety_message", "save_command", "save_commands", "result_id" and "flag_sealed" when its
answers were not saved (nu76 F4, nu77 F1)."""


def error_json(
    subject: str | None,
    text: str,
    code: str | None,
    status: int,
    answered_by: str | None = None,
) -> None:
    """A `--json` command's failure on stdout (README's `--json` paragraph), once, unless the
    command printed its JSON already (`JSON_PRINTED`): `{"error": {"subject": ..., "message":
    ..., "code": ..., "exit_status": ..., "answered_by": ...}}` on one line (a JSON
    document, and a line of `tj sync --watch --json`'s JSON lines). `subject` is the SDK
    error's (`TJError.subject`; a question left unanswered, the subject of what it asks
    about, `Unanswered`) or the CLI's own ("usage", "declined", "unanswered", "file",
    "interrupted", "bug", "login unreachable"; "value", the SDK's word, for a bad option
    value), or None; `text` the line stderr says after "Error: ", with its commands in
    backticks; `code` the server's error code (protocol.md section 7) or None; `status` the
    exit status; `answered_by` the command's flags that answer a question left unanswered
    ("--yes"), else None."""
    if JSON_PRINTED:
        return
    JSON_PRINTED.append(True)
    said = {
        "subject": subject,
        "message": text,
        "code": code,
        "exit_status": status,
        "answered_by": answered_by,
    }
    said.update(ERROR_EXTRA)
    click.echo(json_escaped(json.dumps(unmarked({"error": said}), ensure_ascii=False)))


def print_table(table: Table) -> None:
    """The table as rich prints it (`tables.table_text`: quicker for a long one)."""
    text = table_text(table, Console(file=sys.stdout, soft_wrap=False))
    sys.stdout.write(text)
    sys.stdout.flush()


def page_table(table: Table) -> None:
    """A table for reading: through click's pager ($PAGER, else less) when stdout is a
    terminal and the table is taller than it; printed as is otherwise (piped, redirected,
    or short)."""
    if not sys.stdout.isatty():
        print_table(table)
        return
    text = table_text(table, Console(soft_wrap=False))
    if text.count("\n") < shutil.get_terminal_size().lines - 1:
        click.echo(text, nl=False)
    else:
        click.echo_via_pager(text)


class Row(Protocol):
    def to_dict(self) -> dict[str, Any]: ...


def show_item(item: Row, as_json: bool, text: Callable[[Any], str], note: str = "") -> None:
    """One item a command made, changed or read: its JSON, or `text(item)` for people; then
    `note` (the sync note) on stderr when there is one, as a sentence of its own ("Synced.",
    as other commands say it: NU46 #12)."""
    if as_json:
        print_json(item.to_dict())
    else:
        data(text(item))
    if note:
        message(sentence(note))


def sentence(text: str) -> str:
    """`text` as a sentence of its own: its first letter upper case, a full stop at its end."""
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else f"{text}."


R = TypeVar("R", bound=Row)


def show_rows(
    rows: list[R], as_json: bool, table: Callable[[list[R]], Table], empty: str | None = None
) -> None:
    """A list command's output: JSON with stable keys, `empty` when there is nothing, or a
    table."""
    if as_json:
        print_json([row.to_dict() for row in rows])
    elif not rows and empty is not None:
        message(empty)
    else:
        print_table(table(rows))


def entries_table(
    entries: Iterable[Entry],
    *,
    one_journal: bool = False,
    tags_first: Iterable[str] = (),
    marks: Mapping[str, str] | None = None,
) -> Table:
    """Journal names are never cut short (cli/tables.py), whatever the terminal's width. An
    untitled entry shows its first line of text, so the column is "title or text", as in
    `tj trash` (NU28 C8). `one_journal` (`tj list --journal NAME`, or a `tj list` whose
    entries are all of one journal: `all_of_one_journal`): no journal column when every
    entry is of one journal, its width going to the text (NU29 F4, NU48 #8). `tags_first`: the
    tags listed by (`tj list --tag`), each shown first in its cell, so that a cut cell
    never hides the tag asked for (NU40 #4). `marks`: see `journal_cell`."""
    from client_sdk.search import tag_key

    wanted = {tag_key(tag) for tag in tags_first}
    entries = list(entries)
    journal = not (one_journal and len({entry.journal_id for entry in entries}) <= 1)
    columns = [ID, DATE, *([Column("journal", NAME)] if journal else [])]
    return fitted(
        [
            *columns,
            Column("title or text", cut=True),
            Column("mood", FIXED),
            Column("tags", cut=True, minor=True),  # read after the title: MIN_TEXT
        ],
        (
            (
                short_id(entry.id),
                writer_time(entry, with_offset=False),
                *([journal_cell(entry, marks)] if journal else []),
                title_or_text(entry, LISTED),
                mood_text(entry.mood),
                ", ".join(sorted(entry.tags, key=lambda tag: tag_key(tag) not in wanted)),
            )
            for entry in entries
        ),
    )


def all_of_one_journal(listed: ListedEntries) -> bool:
    """Whether every entry a listing matched, shown or not, is of one journal of this
    account's own: a journal column would repeat one name on every row (NU48 #8: "Personal"
    on each row of a client's `tj list`, its titles cut to 19 characters). Entries of
    several journals keep it, even where the rows shown are all of one, and so do those of
    another account's journal ("ana/Personal": whose they are, which `tj list --journal`
    names itself)."""
    if len(listed.journal_ids) > 1:
        return False
    return not any("/" in entry.journal for entry in listed.entries)  # owner/name: shared


ENDED_COPY = care_terms.ENDED_COPY
"""After the journal of an entry read from the copy of a share that ended (NU42 #6)."""
UNLISTED_COPY = care_terms.UNLISTED_COPY
"""The same where only the server says so (`Entry.unlisted`: it may be withholding it)."""


def ended_marks(journals: Iterable[Journal]) -> dict[str, str]:
    """What follows the name of each read-only copy of a share that ended among `journals`, by
    journal id (hex), as `tj journal list` names its state (`Journal.access`): "(no longer
    served)" where only the server says so (`Journal.unlisted`), else "(share ended)" (its
    owner ended it, its end date passed, or this account left it). Pure."""
    return {
        j.id: UNLISTED_COPY if j.unlisted else ENDED_COPY
        for j in journals
        if j.read_only_copy and not j.own
    }


def left_here(marks: Mapping[str, str]) -> set[str]:
    """The ids (hex) of the read-only copies of shares that ended by this account's own word
    or its owner's (this account left them on this device, the owner ended them, their end
    date passed), marked "(share ended)" by `ended_marks` (as `tj journal list` names them:
    `Journal.share_ended`). Pure."""
    return {journal_id for journal_id, mark in marks.items() if mark == ENDED_COPY}


def as_journal_list_says(entry: Entry, left: Collection[str]) -> Entry:
    """`entry` with the state of its share as `tj journal list` says it: an entry of a share
    this account left on this device (its journal's id in `left`: `left_here`) is
    `share_ended`, never `unlisted` (the Entry says `unlisted`, the server's word only, where
    its verified chain shows no end: a leave is this account's own word). Pure."""
    if entry.unlisted and entry.journal_id in left:
        return dataclasses.replace(entry, share_ended=True, unlisted=False)
    return entry


def journal_cell(entry: Entry, marks: Mapping[str, str] | None = None) -> str:
    """An entry's journal in a table: "maya/Personal (share ended)" for the read-only copy of
    a share that ended, "(no longer served)" where only the server says so, else its name.
    `marks` (`ended_marks` of the journals, as `tj journal list` names them) decides where
    it names the entry's journal (a share this account left reads "(share ended)" there,
    as in `tj journal list`); else the entry's `share_ended` and `unlisted`."""
    if marks is not None and entry.journal_id in marks:
        return f"{entry.journal} {marks[entry.journal_id]}"
    if entry.unlisted:
        return f"{entry.journal} {UNLISTED_COPY}"
    return f"{entry.journal} {ENDED_COPY}" if entry.share_ended else entry.journal


LISTED = 1000
"""The most of an untitled entry's text `tj list` gives its table, which cuts it to the
column's width (NU36 #8: it was cut at 40 characters before, whatever the width)."""


MOOD_CHECKIN = "mood check-in"
"""What an entry of a mood and nothing to read is called in a listing: `tj list`'s "title or
text" (its mood has a column), `tj trash`'s "mood check-in: 6/10"."""


NO_TEXT_SHARED = "(no text shared)"
"""The "title or text" of an entry without either in a copy someone keeps for this account
(`Entry.copy`): its writer may have written text they did not share (a mood and tags copy),
so it is never called a mood check-in."""


def title_or_text(entry: Entry, width: int = 40) -> str:
    """The "title or text" of an entry in a table: its title, else its first line of text,
    else NO_TEXT_SHARED for an entry of a copy kept for this account (`Entry.copy`), else (a mood check-in, `tj mood 6 --emotion calm`) its emotions as `tj show` heads them,
    "emotions: calm" (NU32 #10: the cell was blank, the emotion shown nowhere in the list),
    else MOOD_CHECKIN for one with a mood (`tj mood 6`: NU46 #12, the cell was blank); ""
    for an entry with none of these (its tags have their column)."""
    shown = entry.title or preview(entry.body, width)
    if not shown and entry.copy:  # a copy's text may not be shared (NU51 F18)
        return NO_TEXT_SHARED
    if not shown and entry.emotions:
        return f"emotions: {', '.join(entry.emotions)}"
    if not shown and entry.mood is not None:
        return MOOD_CHECKIN
    return shown


def preview(body: str, width: int = 40) -> str:
    """`body` on one line, in at most `width` terminal cells, cut with "…" (NU38 #6: cut by
    code points, Chinese text took twice the width and an emoji could be cut in half)."""
    return cut_to(one_line(body), width)


EXCERPT = 60
"""The most terminal cells of a text's first words that a message quotes (`first_words`)."""


def first_words(text: str, count: int = 6, width: int = EXCERPT) -> str:
    """The first `count` words of `text` on one line, cut to `width` cells with "…"
    when longer (`preview`): a long unbroken word (a URL, 100,000 characters with no space) is cut too,
    as `tj list` cuts it (NU37 #2: `tj delete` quoted all of it, twice). It ends in "…" only
    when something was left out: words after the first `count`, or the end of a long one
    (NU38 N4: "Hi there…" quoted a whole text)."""
    every = text.split()
    words = " ".join(every[:count])
    if cell_len(words) > width:
        return cut_to(words, width)
    return words + "…" if len(every) > count else words


def mood_text(mood: int | None) -> str:
    return "" if mood is None else f"{mood}/10"


def entry_text(entry: Entry, *, gone: bool = False) -> str:
    """One entry for reading: header lines for the fields it has (none for an empty title,
    mood, tag list or emotion list), a blank line, then the body. Every time shows its zone's
    offset (NU34 #8): "written" in the writer's local time when the entry recorded its UTC
    offset, else this device's; "updated" and the trash's time in this device's, "updated"
    only for an entry that may have changed after it was written (`Entry.changed`: never for
    a back-dated entry just written, whose two times differ). In the trash, a backtick in its
    journal's name or title is written `\\x60` (`prose`): beside the command that restores
    it, no name reads as one. `gone`: its journal is one of this account's that the server
    no longer lists (this device's read-only copy), where no restore is possible."""
    named = prose if entry.trashed_at is not None else str
    fields = [
        ("id", entry.id),
        ("journal", named(journal_cell(entry))),  # "ana/Personal (share ended)", as listed
        ("title", named(entry.title)),
        ("mood", mood_text(entry.mood) if entry.mood is not None else ""),
        ("tags", ", ".join(entry.tags)),
        ("emotions", ", ".join(entry.emotions)),
        ("prompt", entry.prompt_id or ""),
        ("written", writer_time(entry)),
        ("updated", zoned_time(entry.updated_at) if edited(entry) else ""),
    ]
    if entry.trashed_at is not None and gone:  # NU66 F5: a restore there is refused
        fields.insert(
            0,
            (
                "TRASH",
                f"in the trash since {zoned_time(entry.trashed_at)}, in this device's "
                "read-only copy of a journal no longer on the server: it cannot be restored; "
                f"{command_text('tj export --out DIR')} keeps its words",
            ),
        )
    elif entry.trashed_at is not None:
        until = local_date(entry.trashed_at + timedelta(days=TRASH_DAYS))
        fields.insert(
            0,
            (
                "TRASH",
                f"in the trash since {zoned_time(entry.trashed_at)}; "
                f"{command(['tj', 'restore', short_id(entry.id)])} brings it back until {until}",
            ),
        )
    header = [f"{name + ':':<10}{value}" for name, value in fields if value]
    return "\n".join(header) + ("\n\n" + entry.body if entry.body else "")


def edited(entry: Entry) -> bool:
    """Whether `tj show` gives an entry's "updated" time: it may have changed after it was
    written (`Entry.changed`, the SDK's: False only when it knows it did not) and the time
    differs from the written one."""
    return entry.changed and entry.updated_at != entry.created_at


def writer_time(entry: Entry | DiscussItem, *, with_offset: bool = True) -> str:
    """When an entry (or an item of `tj discuss`) was written, in the writer's local time if
    known, else this device's (a note's, or an entry's with no offset recorded); with that
    zone's offset unless `with_offset` is False (a table's date column)."""
    if entry.utc_offset is None:
        return zoned_time(entry.created_at) if with_offset else local_time(entry.created_at)
    return entry.local_created_at.strftime(ZONED if with_offset else "%Y-%m-%d %H:%M")


async def unverified_owners(client: Client, owners: Iterable[str]) -> list[Unverified]:
    """Which of `owners` (clients shown to a therapist) share a journal with this account
    whose fingerprint this device never compared (R13 finding 4), sorted; each with the
    read-only copies kept here of their shares when every journal of theirs on this device is
    one (their shares ended, or their account was erased: NU19 C25), else [], each named as
    the commands printed for it name it (`command_named`)."""
    # A caseload row of an account that held a username another account holds now is
    # named "NAME (account 1a2b3c4d)" (practice._client_names): its username is NAME.
    wanted = {owner.split(" (account ", 1)[0] for owner in owners}
    journals = [  # journals.list works offline, as these commands do
        j for j in await client.journals.list() if j.owner in wanted and not j.own
    ]
    accounts: dict[str, list[Journal]] = {}  # by account, never by username (REV-TOP F2)
    for journal in journals:
        accounts.setdefault(journal.owner_id, []).append(journal)
    # each account as the SDK names its journals' owner ("kim (account 1a2b3c4d)/Personal":
    # the one pinned under the name keeps it, whatever the server serves: REV-NAMES F3)
    named = {account: theirs[0].name.split("/", 1)[0] for account, theirs in accounts.items()}
    for account, theirs in accounts.items():  # the name now given to another (nu76 F3)
        if not is_account_label(named[account]):
            if await client.journals.name_given_elsewhere(theirs[0].id):
                named[account] = await client.journals.client_label(theirs[0].id)
    found: list[Unverified] = []
    erased: set[str] | None = None  # the server's word, asked only when a copy is unverified
    for account in sorted(accounts, key=lambda a: named[a]):
        theirs = accounts[account]
        if all(j.owner_verified for j in theirs):
            continue
        ended = theirs if all(j.read_only_copy for j in theirs) else []
        if erased is None and ended:
            shared = await client.shares.with_me(refresh=False)
            erased = {s.journal_id for s in shared if s.owner_erased}
        gone = bool(ended) and all(j.id in (erased or set()) for j in ended)
        items = await clinical_items(client, [j.name for j in ended])
        # each copy named as its commands name it: by the owner's account (REV-S9B S9B-1)
        ended = [await command_named(client, j) for j in ended]
        found.append((named[account], ended, items, gone))
    return found


async def command_named(client: Client, journal: Journal) -> Journal:
    """`journal`, another account's, named as a command printed for it names it: its owner
    as `client.journals.client_label` gives them ("kim (account 1a2b3c4d)/Personal" for the
    copy kept of a share that ended: REV-S9B S9B-1)."""
    owner, name = journal.name.split("/", 1)  # a username or label never holds a "/"
    label = await client.journals.client_label(journal.id)
    return journal if label == owner else dataclasses.replace(journal, name=f"{label}/{name}")


def by_receipt(recipients: Iterable[Recipient]) -> dict[str, list[str]]:
    """Members grouped by what is known of their receipt (`undelivered.recipients_by_state`:
    each member once, under the most certain state of the ways they read it), as named in a
    line: a member who reads it only through copies kept for them is named with them
    ("drsmith (through 'Shared with drsmith')"): a field-level copy holds only some of its
    fields."""

    def named(m: MemberReceipt) -> str:
        if not m.through:
            return m.member
        return f"{m.member} (through {and_words(sorted(quoted(j) for j in m.through))})"

    return {
        state: [named(m) for m in members]
        for state, members in recipients_by_state(recipients).items()
    }


def receipt_lines(
    recipients: Iterable[Recipient], item: str, removing: str, after: str
) -> list[str]:
    """Before a shared item is deleted or trashed (NU24 C9): who may have received it, their
    device having signed that it had seen later records (never "already received": a seen
    vector is no proof, R46 F2), who can read it and may have, and who cannot have it yet
    (nothing of it sealed under a key they hold ever left this device), and what `removing`
    ("deleting it here") does for them. `item`: "this result"; `after`: what follows for
    them ("removes it from their view at their next sync")."""
    lines = []
    for state, names in by_receipt(recipients).items():
        who = and_words(names)
        if state == "seen_later":
            lines.append(
                f"{who} may have received {item} (their device had seen later records); "
                f"{removing} {after}."
            )
        elif state == "may_have":
            lines.append(
                f"{who} can read {item} and may have received it already (their device has "
                f"not said so); {removing} {after}."
            )
        else:
            lines.append(
                f"{who} can read {item} but cannot have received it yet: nothing of it they "
                f"can open has left this device; {removing} now, it never shows for them."
            )
    return lines


def receipt_after_lines(recipients: Iterable[Recipient], after: str) -> list[str]:
    """After a shared item was deleted or trashed (NU24 C9), who had it and what follows for
    them (`after`: "it leaves their view at their next sync")."""
    said = {
        "seen_later": "may have received it (their device had seen later records)",
        "may_have": "may have received it",
        "not_sent": "never received it",
    }
    return [
        f"{and_words(names)} {said[state]}: "
        + (after if state != "not_sent" else "it never shows for them")
        + "."
        for state, names in by_receipt(recipients).items()
    ]


@dataclasses.dataclass(frozen=True)
class Held:
    """One kind of record a kept copy holds that a therapist must not discard unseen
    (`clinical_records`): how many, what one and many are called, and each one's words
    ("answered 2, 2026-12-01 22:01"), newest first."""

    one: str
    many: str
    each: tuple[str, ...]

    def counted(self) -> str:
        """ "2 PHQ-9 results with item 9 above 0"."""
        return plural(len(self.each), self.one, self.many)

    def words(self) -> str:
        """ "2 PHQ-9 results with item 9 above 0 (answered 2, 2026-11-14 19:00; answered 1,
        2026-11-07 14:00)": the HELD_NAMED newest named, then how many earlier."""
        named = "; ".join(self.each[:HELD_NAMED])
        more = len(self.each) - HELD_NAMED
        if more > 0:
            named += f"; and {plural(more, 'earlier one', 'earlier ones')}"
        return f"{self.counted()} ({named})"


HELD_NAMED = 4
"""How many records of one kind `Held.words` names with their dates (the newest)."""


async def clinical_records(client: Client, journals: Iterable[str]) -> list[Held]:
    """What the journals (OWNER/NAME) hold that a therapist must not discard unseen (NU20
    C10), every one of them, safety first (NU50 F3: only a GAD-7 "severe" retaken since was
    named, not two PHQ-9 results with item 9 above 0 nor the safety flag): the safety flags
    never acknowledged, those acknowledged, the results with a safety item (PHQ-9 item 9)
    answered above 0, the invalid results (answers not the instrument's) with a safety item
    above 0 all the same, then the results in their instrument's highest band
    (caseload.in_top_band, "Severe" for the PHQ-9), each kind counted, newest first. Read from
    this device (works offline)."""
    # care modules: not for everyday commands
    from client_sdk.caseload import in_top_band
    from client_sdk.scoring import builtin_instruments

    instruments = builtin_instruments()

    def named(measure: str) -> str:
        known = instruments.get(measure)
        return known.name if known else measure

    flags: list[SafetyFlag] = []
    results: list[MeasureResult] = []
    invalid: list[InvalidResult] = []
    for journal in journals:
        flags += await client.safety.flags(journal)
        readable, refused = await client.measures.results_and_invalid(journal)
        results += readable
        invalid += refused
    flags.sort(key=lambda f: f.answered_at or f.raised_at, reverse=True)
    results.sort(key=lambda r: r.taken_at, reverse=True)
    held = []
    for acknowledged in (False, True):
        found = [f for f in flags if bool(f.acknowledged) is acknowledged]
        if found:
            kind = f"{'' if acknowledged else 'un'}acknowledged safety flag"
            held.append(
                Held(
                    kind,
                    kind + "s",
                    tuple(
                        f"{named(f.measure)} item {f.item} answered {f.answer}, "
                        f"{local_time(f.answered_at or f.raised_at)}"
                        for f in found
                    ),
                )
            )
    for measure in sorted({r.measure for r in results}):
        chosen = instruments.get(measure)
        if chosen is None or not chosen.safety_items:
            continue
        items = ", ".join(f"item {n}" for n in chosen.safety_items)
        answered = [r for r in results if r.measure == measure and r.safety_concern]
        if answered:
            held.append(
                Held(
                    f"{chosen.name} result with {items} above 0",
                    f"{chosen.name} results with {items} above 0",
                    tuple(safety_answered(r, chosen) for r in answered),
                )
            )
    for measure in sorted({r.measure for r in invalid if r.safety_answer}):
        # answers not the instrument's, a safety item above 0 all the same: the caseload's
        # "invalid result: item 9 answered above 0", never discarded unnamed
        same = [r for r in invalid if r.measure == measure and r.safety_answer]
        same.sort(key=lambda r: r.taken_at.timestamp() if r.taken_at else 0.0, reverse=True)
        chosen = instruments.get(measure)
        items = ", ".join(f"item {n}" for n in chosen.safety_items) if chosen else ""
        above = f" with {items or 'a safety item'} above 0"
        held.append(
            Held(
                f"{same[0].name} invalid result{above}",
                f"{same[0].name} invalid results{above}",
                tuple(local_time(r.taken_at) if r.taken_at else "undated" for r in same),
            )
        )
    for measure in sorted({r.measure for r in results}):
        top = [r for r in results if r.measure == measure and in_top_band(r)]
        if top:
            name = named(measure)
            latest = max((r for r in results if r.measure == measure), key=lambda r: r.taken_at)

            def said(r: MeasureResult, latest: MeasureResult = latest) -> str:
                # an older one never reads as now (NU64 F7); item 9 never dropped
                from cli.measures import score_words

                text = f"{score_words(r)}, {local_time(r.taken_at)}"
                if r.taken_at < latest.taken_at and not in_top_band(latest):
                    text += (
                        f", an older result: the latest is {score_words(latest)}, "
                        f"{local_time(latest.taken_at)}"
                    )
                return text

            held.append(
                Held(
                    f"{name} in its highest band",
                    f"{name} results in its highest band",
                    tuple(said(r) for r in top),
                )
            )
    return held


def safety_answered(result: MeasureResult, chosen: Instrument) -> str:
    """ "answered 2, 2026-11-14 19:00" (the safety item's answer, when the answers were
    shared), else the result's time alone."""
    answers = chosen.safety_answers(result.answers or ())
    said = ", ".join(f"answered {value}" for _, value in answers)
    return f"{said}, {local_time(result.taken_at)}" if said else local_time(result.taken_at)


async def clinical_items(client: Client, journals: Iterable[str]) -> list[str]:
    """`clinical_records` in words, with their dates: "1 unacknowledged safety flag (PHQ-9
    item 9 answered 2, 2026-12-01 22:01)", "1 PHQ-9 in its highest band (26, Severe,
    2026-12-01 22:05)"."""
    return [held.words() for held in await clinical_records(client, journals)]


def warn_unverified_owners(
    owners: list[Unverified], *, who: str = "accounts", mark: str = "", forgets_above: bool = False
) -> None:
    """Journals whose owner's fingerprint this device never compared: a server could have
    invented that owner, and every entry in them. While one of them is shared, the way out
    is to compare the fingerprint; once every share of theirs ended, it is still that while
    their account exists (`tj fingerprint OWNER` and `tj verify` work on it: NU30 F5), or to
    keep or discard the copies, with the exact `tj forget` command (NU19 C25: the owner may
    be erased, and `tj fingerprint OWNER` then fails), the one `tj shared-with-me` names.

    The owners still sharing are said in one line (`unverified_line`) from MANY_UNVERIFIED
    of them, or always when the command's table marks them with `mark` ("(?)": `tj
    caseload`, `tj shared-with-me`), which the line then explains (NU43 #7: eleven lines
    buried a safety flag); `who`: what they are to the reader ("clients" in a caseload).
    Each on lines of the terminal's width (`message`'s `wrap`). `forgets_above`: the command
    printed each copy's `tj forget` command already (`tj shared-with-me`): the warning
    points to them, never prints them a second time."""
    live = [owner for owner, ended, _, _ in owners if not ended and not is_account_label(owner)]
    folded = bool(mark) or len(live) >= MANY_UNVERIFIED
    for owner, ended, items, erased in owners:
        if is_account_label(owner):  # no name to compare it by (fix30c item 5)
            message(label_unverified_text(owner, ended, items, forgets_above), wrap=True)
            continue
        compare = (
            f"while {owner}'s account exists, you can still compare the fingerprint in person "
            f"({command(['tj', 'fingerprint', owner])}, then "
            f"{command(['tj', 'verify', owner, 'FINGERPRINT'])})"
        )
        discard = f": {compare}, or discard them"
        if erased:  # `tj fingerprint` no longer finds them, nor can they show theirs (nu85 F3)
            compare = (
                f"{owner}'s account appears erased (the server no longer knows it), so the "
                "fingerprint can no longer be compared, by you or by them"
            )
            discard = f"; {compare}: keep them, or discard them"
        # an end the owner signed "ended"; one only the server's silence shows "no longer
        # served" (`unlisted`), as the caseload's flags say
        served = {j.unlisted for j in ended}
        gone = (
            "is no longer served to you"
            if served == {True}
            else "ended"
            if served == {False}
            else "ended or is no longer served to you"
        )
        said = (
            f"Warning: you never compared {owner}'s fingerprint and every share of "
            f"{owner}'s with you {gone}: the server could have made up the read-only copies "
            "kept here"
        )
        if ended and items:  # never a suggestion to discard them unread (NU20 C10)
            message(
                f"{said}. They hold {and_words(items)}: keep them, and export them for your "
                f"clinical records ({export_client(ended[0].name.split('/', 1)[0])}) "
                "before you decide anything "
                f"about them; {compare}.",
                wrap=True,
            )
            continue
        if ended and forgets_above:
            which = "command" if len(ended) == 1 else "commands"
            message(
                f"{said}{discard} with the forget {which} above.",
                wrap=True,
            )
            continue
        if ended:
            forget = "; ".join(forget_command(j.name, j.unlisted, j.id) for j in ended)
            message(f"{said}{discard}: {forget}.", wrap=True)
            continue
        if folded:
            continue  # said once for all of them, below
        message(
            f"Warning: you have not compared {owner}'s fingerprint, so the server could have "
            f"made up these journals: ask {owner} to read out {their_command_text('tj fingerprint')}, compare it "
            f"with {command(['tj', 'fingerprint', owner])}, then run "
            f"{command(['tj', 'verify', owner, 'FINGERPRINT'])}.",
            wrap=True,
        )
    if live and folded:
        message(unverified_line(live, who=who, mark=mark), wrap=True)


ACCOUNT_LABEL = " (account "
"""What an owner's name holds when the SDK names them by account ("kim (account 1a2b3c4d)",
`client.journals.client_label`): never in a username."""


def is_account_label(owner: str) -> bool:
    """Whether `owner` is an account label ("kim (account 1a2b3c4d)"), not a username."""
    return ACCOUNT_LABEL in owner


def label_unverified_text(
    owner: str, ended: list[Journal], items: list[str], forgets_above: bool = False
) -> str:
    """The warning for journals of an account named by its label ("kim (account 1a2b3c4d)")
    whose fingerprint this device never compared: what the label is (an account that was
    named kim when it shared with you, named by the start of its account id because the
    server may give, or gives, that name to another account now: `tj fingerprint kim` would
    show that account's, and neither `tj fingerprint` nor `tj verify` takes a label), and
    what to do: for copies holding clinical items, keep and export them first (the label
    pasted back as written, NU20 C10); for other copies, keep them or discard them (the
    exact `tj forget` commands, or those printed above: `forgets_above`); for a share still
    on, ask the person in session which account they use before relying on it. Pure."""
    name = owner.split(ACCOUNT_LABEL, 1)[0]
    head = (
        f"Warning: you never compared the fingerprint of {quoted(owner)}, so the server could "
        f"have made up its journals. {quoted(owner)} is the account that was named {name} when "
        f"it shared with you, named here by the start of its account id because the name "
        f"{name} may now belong to another account: its fingerprint can no longer be compared "
        f"by name ({command(['tj', 'fingerprint', name])} would show the keys of whoever bears "
        f"the name now)"
    )
    if not ended:
        return (
            f"{head}. Ask {name} in session whether this is still their account before you "
            f"rely on what it shares; {command_text('tj shared-with-me')} lists its journals."
        )
    one = len(ended) == 1
    copies, them = ("the read-only copy", "it") if one else ("the read-only copies", "them")
    if items:
        return (
            f"{head}. {copies.capitalize()} kept here {'holds' if one else 'hold'} "
            f"{and_words(items)}: keep {them}, and export {them} for your clinical records "
            f"({export_client(owner)}) before you decide anything about {them}."
        )
    if forgets_above:
        which = "command" if one else "commands"
        return f"{head}. Keep {copies} kept here, or discard {them} with the forget {which} above."
    forget = "; ".join(forget_command(j.name, j.unlisted, j.id) for j in ended)
    return f"{head}. Keep {copies} kept here, or discard {them}: {forget}."


def unverified_line(names: list[str], *, who: str = "accounts", mark: str = "") -> str:
    """One line for the owners still sharing whose fingerprint this device never compared
    (`names`, sorted), however many: "Warning: 11 accounts' fingerprints not compared (?):
    ana, ben, carla, dev, emma, farid and 5 more, so the server could have made up their
    journals: in session, ask each to read out `tj fingerprint`, then run `tj verify NAME
    FINGERPRINT`." (NU43 #7), their command printed as theirs (without this profile's
    --home). Past NAMED_UNVERIFIED names the rest are counted: the table
    `mark` is said after marks each; without one, `tj shared-with-me` is named. Pure."""
    marked = f" {mark}" if mark else ""
    if len(names) == 1:
        name = names[0]
        return (
            f"Warning: {name}'s fingerprint not compared{marked}, so the server could have "
            f"made up {name}'s journals: in session, ask {name} to read out {their_command_text('tj fingerprint')}, "
            f"then run {command(['tj', 'verify', name, 'FINGERPRINT'])}."
        )
    if len(names) <= NAMED_UNVERIFIED + 1:  # never "and 1 more"
        listed = and_words(names)
    else:
        rest = len(names) - NAMED_UNVERIFIED
        listed = f"{', '.join(names[:NAMED_UNVERIFIED])} and {rest} more"
        listed += "" if mark else f" ({command_text('tj shared-with-me')} names them)"
    return (
        f"Warning: {len(names)} {who}' fingerprints not compared{marked}: {listed}, so the "
        "server could have made up their journals: in session, ask each to read out "
        f"{their_command_text('tj fingerprint')}, then run "
        f"{command_text('tj verify NAME FINGERPRINT')}."
    )


def named_list(names: Sequence[str], *, named: int = 6) -> str:
    """ "ana, ben and carla"; past `named` names (never "and 1 more") the rest counted: "ana,
    ben, carla, dev, emma, farid and 5 more". Pure."""
    if len(names) <= named + 1:
        return and_words(list(names))
    return f"{', '.join(names[:named])} and {len(names) - named} more"


async def held_back(client: Client, journal_name: str | None = None) -> list[HeldBack]:
    """The journals this device stopped downloading at the bound on unverified owners
    (`client.shares.held_back`: this device's own record, works offline); with a --journal
    filter, those of that journal, or of its owner when it names them ("ana")."""
    found = await client.shares.held_back()
    if journal_name is None or not found:
        return found
    from client_sdk.errors import TJError  # not at start-up

    try:
        chosen = await client.journals.get(journal_name)
    except TJError:
        return []
    owner_named = journal_name.strip().casefold() in {
        chosen.owner.casefold(),
        chosen.name.split("/", 1)[0].casefold(),
    }
    return [
        held
        for held in found
        if held.journal_id.hex() == chosen.id or (owner_named and held.owner == chosen.owner)
    ]


def held_back_view_line(owners: Iterable[str], what: str) -> str:
    """Below a view that reads journals this device stopped downloading (NU47 #2), one line
    naming their owners (`owners`, by `HeldBack.owner`): "Not all downloaded: the journals of 3 clients whose fingerprints
    you have not compared (ana, ben and carla): {what} in them may not show until you compare
    fingerprints (`tj verify NAME FINGERPRINT`; `tj fingerprint NAME` on their device)." Pure."""
    owners = sorted(set(owners))
    if len(owners) == 1:
        name = owners[0]
        return (
            f"Not all downloaded: {name}'s journals: {what} in them may not show until "
            f"you compare {name}'s fingerprint ({command(['tj', 'verify', name, 'FINGERPRINT'])}; "
            f"{their_command(['tj', 'fingerprint', name])} on their device)."
        )
    return (
        f"Not all downloaded: the journals of {len(owners)} clients whose fingerprints you have "
        f"not compared ({named_list(owners)}): {what} in them may not show until you compare "
        f"fingerprints ({command_text('tj verify NAME FINGERPRINT')}; {their_command_text('tj fingerprint NAME')} on their device)."
    )


def warn_held_back(held: Sequence[HeldBack], what: str) -> None:
    """`held_back_view_line` on stderr, wrapped, when `held` is not empty."""
    if held:
        message(held_back_view_line((h.owner for h in held), what), wrap=True)


MANY_UNVERIFIED = 3
"""From this many accounts whose journals are still shared with this one and whose
fingerprint was never compared, `warn_unverified_owners` says it in one line naming them."""

NAMED_UNVERIFIED = 6
"""`unverified_line` names this many accounts, and counts the others ("and 5 more")."""

UNVERIFIED_MARK = "(?)"
"""After an owner's name in the tables of `tj caseload` and `tj shared-with-me`: their
fingerprint was never compared here (`unverified_line` says so once, below the table)."""


HELPER_ROLES = {
    "mirror": "a copy kept for {member}",
    "items": "single items you shared with {member}",
    "brief": "a brief you shared",
}
"""How `tj journal list` marks the journals this account keeps only to share with a member
(`helper_text`)."""


def helper_text(journal: Journal) -> str:
    """The mark of a journal kept only to share with a member, in `tj journal list`: "a copy
    kept for drsmith", "..., share ended" once no share of it with them is on (it stays
    until deleted: NU28 C2), "" for any other journal. The command saying more (`tj shares`)
    is printed once below the table (`helper_hint`): in a cell, it would be broken across
    lines and could not be copied as printed."""
    if journal.helper not in HELPER_ROLES:
        return ""
    said = HELPER_ROLES[journal.helper].format(member=journal.kept_for or "sharing")
    if journal.helper == "brief":
        return said
    return f"{said}{', share ended' if journal.kept_ended else ''}"


def helper_hint(journals: Iterable[Journal]) -> str | None:
    """The line below `tj journal list`'s table when it lists a journal kept only to share
    with a member (a copy, single items; not a brief): the command saying what each holds
    and for whom; None when it lists none."""
    if not any(j.helper in HELPER_ROLES and j.helper != "brief" for j in journals):
        return None
    return f"What a journal kept for a member holds, and for whom: {command_text('tj shares')}."


def journal_ids(journals: Sequence[Journal]) -> dict[str, str]:
    """Each journal's id as `tj journal list` shows it: its first ID_SHOWN hex digits, more
    when another journal's id starts the same (never cut with "…": every command taking a
    journal takes a unique id prefix, `client.journals`; NU28 C8)."""
    ids = [j.id for j in journals]
    shown: dict[str, str] = {}
    for full in ids:
        size = ID_SHOWN
        while size < len(full) and any(o != full and o.startswith(full[:size]) for o in ids):
            size += 1
        shown[full] = full[:size]
    return shown


def journals_table(journals: Iterable[Journal]) -> Table:
    """The role column is the SDK's `Journal.access` (a read-only copy says why, in the words
    `tj shared-with-me` and the SDK's examples use: NU32 #6). Names are never cut short, nor
    ids (`journal_ids`): cli/tables.py. A name holding an invisible or control character is
    shown escaped, as a shell takes it back (`quoted_name`: "$'Dre\\u200bams'")."""
    journals = list(journals)
    names = [j.name.casefold() for j in journals if j.role == "owner"]
    ids = journal_ids(journals)
    rows = []
    for journal in journals:
        role = journal.access
        role = f"{role}, archived" if journal.archived else role
        role = role if journal.owner_verified else f"{role}, fingerprint not verified"
        role = ", ".join(part for part in (role, helper_text(journal)) if part)
        # one holding a character that draws nothing (a name another owner signed: those
        # made here refuse them), shown escaped as a shell takes it back: "$'Dre\u200bams'"
        name = quoted_name(journal.name) if draws_nothing(journal.name) else journal.name
        if journal.role == "owner" and names.count(journal.name.casefold()) > 1:
            name = f"{name} (id {journal.id[:12]}: same name as another)"  # NU22 C15
        rows.append((name, role, ids[journal.id]))
    return fitted([Column("name", NAME), Column("role"), ID], rows)


def draws_nothing(text: str) -> bool:
    """Whether `text` holds a character a terminal draws as nothing: a format character
    (Unicode category Cf, but the zero-width joiner of emoji sequences and the bidirectional
    controls `shown` escapes), a private-use one, or a line or paragraph separator. Pure."""
    return any(
        unicodedata.category(c) in ("Cf", "Co", "Zl", "Zp") and c != "\u200d" and not is_control(c)
        for c in text
    )


def device_names(devices: Sequence[DeviceInfo], here: str | None = None) -> str:
    """The devices' names for a sentence, "phone, vm (4509ab31879f), vm (77c1d2e0a9b4)": a
    name more than one of them bears gets the device's id as `tj devices` shows it, so the
    one to revoke can be told apart; each `device_word`. One named `here` (this device's
    name, among other devices: its earlier session, or another device so named) says it is
    not this one: "phone (not this device: another session under its name)"."""
    counts = Counter(device.name for device in devices)

    def said(device: DeviceInfo) -> str:
        word = device_word(device.name)
        if counts[device.name] > 1:
            word += f" ({short_id(device.id)})"
        if here is not None and device.name == here:
            word += " (not this device: another session under its name)"
        return word

    return ", ".join(said(device) for device in devices)


def device_word(name: str) -> str:
    """A device's name said in a sentence: as `named` says a journal's, but the default name
    (a device signed in without --device-name) always quoted, 'device', so that "Signed out
    'device'" never reads as a device in general."""
    return quoted(name) if name == DEFAULT_DEVICE_NAME else named(name)


NOT_IN_LOG = "not in the log"
"""`tj devices`' "signed in" cell for a device the account's sign-in log has no row of (it
signed in more than 90 days ago, or before the server kept the log)."""


def devices_table(
    devices: Iterable[DeviceInfo], signed_in: Mapping[str, datetime] | None = None
) -> Table:
    """A device's name (relayed by the server) is made safe by `fitted`, never cut. "signed
    in": when it last signed in, by the account's sign-in log (`signed_in`: hex id -> UTC
    time, `Devices.last_sign_ins`; `NOT_IN_LOG` for a device without a row). "last seen":
    "now (this device)" for this one (it is being seen: the mark its own column took, so
    the table fits 80 columns). "session ends": the day its sign-in expires (NU48 #12:
    "expires" did not say what)."""
    times = signed_in or {}
    columns = [
        ID,
        Column("name", NAME),
        Column("signed in", FIXED),
        Column("last seen", FIXED),
        Column("session ends", FIXED),
    ]
    return fitted(
        columns,
        (
            (
                short_id(device.id),
                device.name,
                local_time(times[device.id]) if device.id in times else NOT_IN_LOG,
                "now (this device)" if device.current else local_time(device.last_seen_at),
                local_date(device.expires_at),
            )
            for device in devices
        ),
    )


def device_dict(device: DeviceInfo, signed_in: Mapping[str, datetime]) -> dict[str, Any]:
    """`tj devices --json`'s object of a device: `DeviceInfo.to_dict` and "signed_in_at",
    when it last signed in by the account's sign-in log (`json_time`), or null when the
    log has no row of it."""
    at = signed_in.get(device.id)
    return {**device.to_dict(), "signed_in_at": json_time(at) if at is not None else None}


def sync_dict(
    report: SyncReport,
    kept: Sequence[SetAsideChange] = (),
    unsent: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """The stable JSON shape of `tj sync --json`; `kept`: the changes set aside on this
    device after it (`Client.set_aside()`), whose rows `set_aside` gives for the report's;
    `unsent`: the rows (`SafetyFlag.to_dict()`) of the safety flags still on this device
    after it (`Safety.unsent`: set aside, refused at every sync), as `unsent_flags`."""
    listed = {change.record_id: change for change in kept}
    return {
        "pushed": report.pushed,
        "pulled": report.pulled,
        "merged": report.merged,
        "problems": list(report.problems),
        "refused": report.refused,
        "incomplete": list(report.incomplete),
        "set_aside": [
            set_aside_row(listed.get(record.record_id), record) for record in report.set_aside
        ],
        "unsent_flags": list(unsent),
        "withheld": report.to_dict()["withheld"],
        "erased": report.to_dict()["erased"],
        "rollbacks": list(report.rollbacks),
        "refused_shares": [refused_share_line(r) for r in report.refused_shares],
        "same_names": [same_name_line(same) for same in report.same_names],
        "update_needed": list(report.update_needed),
        "news": [news.to_dict() for news in report.news],
        "upload_limit": report.upload_limit.to_dict() if report.upload_limit else None,
        "settled": [settled.to_dict() for settled in report.settled],
        "merged_texts": [merged.to_dict() for merged in report.merged_texts],
        "overtaken": [edit.to_dict() for edit in report.overtaken],
        "held_back": [held_back_line(held) for held in report.held_back],
        "departures": [departure.to_dict() for departure in report.departures],
        "newer": [newer.to_dict() for newer in report.newer],
        "late_flags": [flag.to_dict() for flag in report.late_flags],
        "unflagged": [u.to_dict() for u in report.unflagged],
        "undelivered_flags": [u.to_dict() for u in report.undelivered_flags],
        "flags_sent": report.to_dict()["flags_sent"],  # left in this sync (`flags_sent_lines`)
        "new_devices": [device.to_dict() for device in report.new_devices],
        "credential_changes": [change.to_dict() for change in report.credential_changes],
        "plan_not_loaded": report.plan_not_loaded,
    }


def set_aside_row(change: SetAsideChange | None, record: SetAside | None = None) -> dict[str, Any]:
    """A change set aside, in the one shape of `tj set-aside list --json` and of `tj sync
    --json`'s `set_aside`: `SetAsideChange.to_dict()` (its document's `kind`, `title` and
    `text` as this device holds them, `null` where it holds none) and `tried_again` (a kind
    sent again at every sync: a result or a safety flag, sync.TRIED_AGAIN). `record`: the
    sync that set it aside, whose `reason` for a refused withdrawal of one's own note says
    who can remove the note now (`withdrawal_words`); of a record this device no longer
    lists (`change` None), what the sync said, `null` for what only the list knows."""
    from client_sdk.sync import TRIED_AGAIN  # not at start-up

    if change is not None:
        row = {**change.to_dict(), "tried_again": change.kind in TRIED_AGAIN}
    elif record is not None:
        row = {
            "record_id": record.record_id,
            "journal": record.journal,
            "journal_id": record.journal_id,
            "doc_id": record.doc_id or None,
            "kind": None,
            "code": record.code,
            "reason": record.reason,
            "set_aside_at": None,
            "title": None,
            "text": None,
            "tried_again": record.tried_again,
        }
    else:
        raise ValueError("a set-aside row needs the change or the sync's record of it")
    if record is not None and record.refused_withdrawal is not None:
        row["reason"] = withdrawal_words(record.refused_withdrawal)
    return row


def withdrawal_words(refused: RefusedWithdrawal) -> str:
    """A withdrawal of one's own note that did not happen (`RefusedWithdrawal.line`), with
    the CLI's commands: "... Only june can remove it now: ask june to run `tj notes withdraw
    3f2a9c8d1e0b` (...)"; one that a retry may deliver: "... `tj set-aside retry` sends it
    again; ..."."""
    return refused.line(
        retry=command_text("tj set-aside retry"),
        withdraw=f"run {their_command(['tj', 'notes', 'withdraw', refused.short_id])}",
    )


def verify_words(username: str | None) -> str:
    """The CLI's words after "accept the new keys" (`KeyChangedError.said`): " (`tj verify
    kim FINGERPRINT`)"; "" when there is no one to verify."""
    return f" ({command(['tj', 'verify', username, 'FINGERPRINT'])})" if username else ""


def refused_share_line(refused: RefusedShare) -> str:
    """A journal not opened for its owner's refused identity (`RefusedShare.line`), with the
    command that accepts the new keys once compared in person."""
    return refused.line(verify=verify_words(refused.username))


def held_back_line(held: HeldBack) -> str:
    """A journal whose download waits for its owner's verification (`HeldBack.line`), with
    the CLI's command: "... compare fingerprints and run `tj verify ana FINGERPRINT`; the
    next sync downloads the rest"."""
    return held.line(verify=command(["tj", "verify", held.owner, "FINGERPRINT"]))


def held_back_notice(held: Sequence[HeldBack]) -> str:
    """Every journal whose download waits for its owner's verification, in one notice
    (`hold_back.grouped_line`, NU47 #3: a notice each flooded `tj sync`), with the CLI's
    command: "Notice: not downloading all of 52 journals of 30 people whose fingerprints this
    account has not verified (ana, ...  and 24 more): ... compare fingerprints and run `tj
    verify NAME FINGERPRINT` (`tj fingerprint NAME` on their device); the next sync
    downloads the rest". One journal: `held_back_line`."""
    from client_sdk.hold_back import grouped_line  # not at start-up

    if len(held) == 1:
        return f"Notice: {held_back_line(held[0])}"
    owners = {h.owner for h in held}
    name = next(iter(owners)) if len(owners) == 1 else "NAME"
    verify = (
        f"{command(['tj', 'verify', name, 'FINGERPRINT'])} "
        f"({their_command(['tj', 'fingerprint', name])} on their device)"
    )
    return f"Notice: {grouped_line(held, verify=verify)}"


def same_name_line(same: SameName) -> str:
    """A name two or more of this account's journals share (`SameName.line`), with the CLI's
    way to name one by its id and to rename one: "2 journals are named 'Dreams' (ids
    45cf16150615, 77380896157d): name one by its id, or the start of it (`--journal
    45cf16150615`), and give one another name with `tj journal rename 77380896157d
    NEW-NAME`; each keeps ..."."""
    ids = same.ids()
    return same.line(pick=command(["--journal", ids[0]]), rename=rename_words(ids[-1]))


def rename_words(journal_id: str) -> str:
    """`tj journal rename ID NEW-NAME` as a command span (`command`)."""
    return command(["tj", "journal", "rename", journal_id, "NEW-NAME"])


def same_name_error_text(error: SameJournalName, *, by_option: bool = True) -> str:
    """`SameJournalName` in the CLI's words: `same_name_line`'s commands, or, for a name a
    read-only copy shares, "`tj journal list` shows which is which". `by_option`: the
    command names its journal with `--journal` (else in its place: the id alone, as in
    `tj unshare 45cf16150615 drsmith`)."""
    if error.copies:
        return copy_same_name_text(
            error.name, error.journal_ids, error.copies, listed=f"{command_text('tj journal list')}"
        )
    ids = shown_ids(error.journal_ids)
    return same_name_text(
        error.name,
        error.journal_ids,
        pick=command(["--journal", ids[0]] if by_option else [ids[0]]),
        rename=rename_words(ids[-1]),
    )


def upload_limit_text(limit: UploadLimit) -> str:
    """Why changes wait on this device, and from when (local time) the next sync uploads."""
    # Local time to the second: retry_at is never more than upload_limit.MAX_ONE_WAIT_S away.
    text = describe_upload_limit(limit, limit.retry_at.astimezone().strftime("%H:%M:%S"))
    return text[0].upper() + text[1:] + "."


def field_value_text(field: str, value: Any) -> str:
    """A settling field's value in plain words (a date in local time, lists joined)."""
    return value_text(field, value, local_time)


LATE_FLAG_SYNCS = f"{their_command_text('tj sync')}, {their_command_text('tj caseload')}"
"""How a therapist fetches a flag, in the CLI's words (`SafetyHints.syncs`, as
`cli.safety.CLI_HINTS` says it): their commands, on their device, never with this
profile's --home."""


def plan_tell(journal: str, journal_id: str = "", several: bool = False) -> str:
    """Where the client's safety plan is, said after the words about a safety flag of
    `journal` (its name; `journal_id` its id, hex): "Your safety plan: `tj safety plan`."
    with one journal of their own; with `several` (more than one: each journal may show
    another plan, and `tj safety plan` shows the default journal's) the flag's journal by
    name, with the `--journal` words that show its plan (fix31c 5). Pure."""
    if not several or not journal:
        return f"Your safety plan: {command_text('tj safety plan')}."
    words = ["tj", "safety", "plan", "--journal", journal_word(journal, journal_id)]
    return f"Your safety plan for {named(journal)}: {command(words)}."


async def several_journals(client: Client) -> bool:
    """Whether the user owns more than one journal on this device (read-only copies and the
    journals kept only to share with a member left out): then `plan_tell` names the
    journal. Works offline."""
    owned = [
        j
        for j in await client.journals.list()
        if j.own and not j.read_only_copy and j.helper is None
    ]
    return len(owned) > 1


def settled_lines(report: SyncReport) -> list[str]:
    """What a sync settled on this device, told after every sync (`tj sync` and a command's
    own), in the SDK's words with the CLI's commands (NU27 C9): first each safety flag it
    sealed for an answer given before this device knew the opt-in or the share (NU22 C3:
    "Safety: A safety flag was made for drsmith for your PHQ-9 answer of ..."), each answer
    that got no flag (`UnflaggedAnswer.line`) and each flag sent after its share had ended
    (`UndeliveredFlag.line`), then one
    line per entry, goal, homework or safety plan field this device changed offline that
    another device's change settled (`Settled.line`), with the command that shows the
    history keeping this device's value (`history_command`), then one per text this device and
    another changed (NU24 C1: `MergedText.line`), then one per entry edited here that
    another device put in the trash (or deleted) without having received the edit (NU22
    C12: `OvertakenEdit.line`), with how to get it back."""
    lines = [f"Safety: {flag.line(syncs=LATE_FLAG_SYNCS)}" for flag in report.late_flags]
    several = report.journals_owned > 1  # then the plan's journal is named (fix31c 5)
    for unflagged in report.unflagged:  # answered just after an opt-in elsewhere (NU64 F11)
        tell = plan_tell(unflagged.journal, unflagged.journal_id, several)
        said = unflagged.line(tell=tell)
        lines.append(f"Safety: {said[:1].upper()}{said[1:]}")
    for undelivered in report.undelivered_flags:  # sent after the share ended elsewhere
        tell = plan_tell(undelivered.journal, undelivered.journal_id, several)
        said = undelivered.line(tell=tell)
        lines.append(f"Safety: {said[:1].upper()}{said[1:]}")
    lines += [
        s.line(
            local_time,
            keeps=history_command(s, report.default_journal),
            add_back=add_back_command(s),
        )
        for s in report.settled
    ]
    lines += [merged_line(m, report.default_journal) for m in report.merged_texts]
    lines += [overtaken_line(edit) for edit in report.overtaken]
    return lines


def history_command(settled: Settled, default_id: str = "") -> str:
    """The command that shows the history keeping this device's value of a settled field:
    "`tj history 3f2a9c8d1e0b`" for an entry's, `tj goal history ID`, `tj homework history
    ID`, `tj safety history` (`journal_option`: with --journal but for the default journal,
    `default_id`); "" for another kind."""
    doc = short_id(settled.doc_id)
    if settled.kind == "entry":
        return command(["tj", "history", doc])
    if settled.kind in ("goal", "homework"):
        return command(["tj", settled.kind, "history", doc])
    if settled.kind == "safety_plan":
        journal = journal_option(settled.journal, settled.journal_id, default_id)
        return command(["tj", "safety", "history", *journal])
    return ""


def journal_option(name: str, journal_id: str, default_id: str) -> list[str]:
    """The --journal option of a command about a document of the journal `name` (id
    `journal_id`, hex): none for this device's default journal (`default_id`, hex: a
    command naming no journal reads it) or a journal not known (both ""), else by its
    name (by its id when the name is not known)."""
    if journal_id and journal_id == default_id:
        return []
    word = name or journal_id
    return ["--journal", journal_word(word)] if word else []


def add_back_command(settled: Settled) -> str:
    """The command that adds back the tags or emotions a settled list lost (NU34 #1), ""
    for anything else: "`tj edit 3f2a9c8d1e0b --tag fromlaptop`"."""
    lost = settled.lost()
    if not lost:
        return ""
    option = "--tag" if settled.field == "tags" else "--emotion"
    words = [w for item in lost for w in (option, str(item))]
    if settled.field == "emotions":  # `--emotions` replaces the list: give the whole list
        every = [*settled.kept, *lost] if isinstance(settled.kept, list) else lost
        words = [w for item in every for w in ("--emotion", str(item))]
    return f"{command(['tj', 'edit', short_id(settled.entry_id), *words])} adds them back"


def merged_line(merged: MergedText, default_id: str = "") -> str:
    """A text this device and another changed apart, merged (NU24 C1): `MergedText.line`
    with the command that shows it (a safety plan's names its journal unless it is the
    default journal, `default_id`: `journal_option`)."""
    if merged.kind == "goal":
        show = ["tj", "goal", "show", short_id(merged.doc_id)]
    elif merged.kind == "safety_plan":
        journal = journal_option(merged.journal, merged.journal_id, default_id)
        show = ["tj", "safety", "plan", *journal]
    else:
        show = ["tj", "show", short_id(merged.doc_id)]
    return merged.line(local_time, show=command(show))


def overtaken_line(edit: OvertakenEdit) -> str:
    """An entry edited here that another device trashed or deleted meanwhile:
    `OvertakenEdit.line` with the command that restores it; for one deleted for good, the
    words this device added kept as a draft, with the command that saves them
    (`kept_words`)."""
    entry = short_id(edit.entry_id)
    restore = (
        f"{command(['tj', 'restore', entry])} brings the entry back with it "
        f"({command_text('tj show')} reads it in the trash)."
    )
    from cli import editor

    try:
        kept = kept_words(edit)
    except editor.SignedOut:  # a logout or account deletion meanwhile: shown, in no file
        click.echo(edit.kept_text, err=True)  # as written, line breaks kept
        said = edit.line(local_time, restore=restore)
        return (
            f"{said} This device was signed out meanwhile, so the words this device added "
            "are not kept on it: they are printed above, as written."
        )
    except OSError as error:  # not kept: said, and the sync's other lines still print
        said = edit.line(local_time, restore=restore)
        return (
            f"{said} The words this device added could not be kept as a draft "
            f"({one_line(os_error_text(error))})."
        )
    return edit.line(local_time, restore=restore, kept=kept)


def kept_words(edit: OvertakenEdit) -> str:
    """For an entry deleted for good on another device before it received this device's
    edit (NU51 F6: an offline `tj edit --append` was gone for good): the words this device
    added (`OvertakenEdit.kept_text`) kept as a draft in the profile's drafts folder, as the
    editor keeps one, and where, with the command that saves them as a new entry (in its
    journal, named by id when its name cannot be typed back: `journal_word`; for this
    profile: `profile_words`): "in /home/.../drafts/entry-x.md: `tj write --journal Personal
    --draft /home/.../drafts/entry-x.md` saves them as a new entry". "" when there are none,
    or no profile to keep them in (no command running). A draft that cannot be written (a
    full or read-only disk) is said as such, with why, and the rest of the sync's lines
    still print: see `overtaken_line`. Raises editor.SignedOut when the profile was signed
    out meanwhile (nothing kept)."""
    if not edit.deleted or not edit.kept_text or edit.kind != "entry":  # a goal's why: said
        return ""
    context = click.get_current_context(silent=True)
    home = getattr(context.find_root().obj, "path", None) if context is not None else None
    if not isinstance(home, Path):
        return ""
    from cli import editor

    words = [*profile_words(home), "write"]
    if edit.journal or edit.journal_id:
        words += ["--journal", journal_word(edit.journal, edit.journal_id)]
    path = editor.kept_with_command(home, edit.kept_text, [*words, "--draft"])
    return f"in {path}: {command([*words, '--draft', str(path)])} saves them as a new entry."


def sync_text(report: SyncReport) -> str:
    """One sync in plain words: "sent 1 change, 2 new entries from phone", "nothing new"
    (`SyncReport.summary`)."""
    return report.summary()


def sync_summary(report: SyncReport, lead: str = "", width: int | None = None) -> str:
    """`lead` and `sync_text` on one line when it fits the terminal's width (`width`, default
    `fields_text`'s), else `lead` alone on its line and the summary one line per source,
    sorted, each wrapped under its name (`SyncReport.summary_lines`; NU47 #3: the first sync
    of 30 clients' journals was one line of 3,517 characters, a client in three places):
    "ana.b: 304 new entries, 52 new questionnaire results, 2 new goals"; indented by two
    spaces under a `lead` ("Synced:")."""
    size = width or shutil.get_terminal_size().columns
    said = f"{lead}{sync_text(report)}"
    lines = report.summary_lines()
    if cell_len(said) <= size or not lines:
        return said
    indent = "  " if lead else ""
    grouped = fields_text([indent + line for line in lines], size)
    return f"{lead.rstrip()}\n{grouped}" if lead else grouped


def tell_synced(report: SyncReport) -> None:
    """ "Synced: ..." on stderr after a command's first sync (`tj login`, `tj recover`): the
    summary one line per source when long (`sync_summary`)."""
    said = sync_summary(report, "Synced: ")
    if "\n" in said:
        to_stderr(shown(said, prose=True))
    else:
        message(said)


def notices_below(text: str) -> str:
    """`text`, printed on stdout, with the " (below)" after its count of share changes only
    when their notices, printed on stderr, do come below it: stdout and stderr are the same
    terminal, pipe or file (or cannot be told apart). `tj sync > sync.log` or `2>/dev/null`
    keeps the count alone (the notices are elsewhere)."""
    if " (below)" not in text:
        return text
    try:
        out, err = os.fstat(sys.stdout.fileno()), os.fstat(sys.stderr.fileno())
    except (OSError, ValueError, AttributeError):  # no file descriptor (a test's streams)
        return text
    if (out.st_dev, out.st_ino) == (err.st_dev, err.st_ino):
        return text
    return text.replace(" (below)", "")


def sync_lines(report: SyncReport) -> list[str]:
    """What one sync sent and received, one item per line (`SyncReport.summary_items`):
    each share change is told once, in words, by its notice after the summary
    (`departure_lines`, which every command printing this calls), not in the summary too
    (NU25 C5)."""
    return report.summary_items()


def watch_lines(report: SyncReport) -> list[str]:
    """`sync_lines` for `tj sync --watch`, one line per change: a new safety flag's line says
    "Safety:" and where to see it, as `safety_line` after a plain sync (nu84 F6: the line a
    therapist leaves running named no command)."""
    flags = {str(news) for news in report.new_safety_flags()}
    see = f"see {command_text('tj safety flags')} and {command_text('tj caseload')}"
    return [f"Safety: {line}: {see}." if line in flags else line for line in sync_lines(report)]


def safety_line(report: SyncReport) -> str | None:
    """The new safety flags a sync brought, on a line of their own before its summary, so
    that among many clients' news they are not missed (NU20 C6): "Safety: 1 new safety flag
    from carl: see `tj safety flags` and `tj caseload`" (`SyncReport.new_safety_flags`: a
    flag of an earlier share whose acknowledgement this device does not hold is new too:
    R46 F5); None when there is none."""
    flags = [str(news) for news in report.new_safety_flags()]
    if not flags:
        return None
    return f"Safety: {', '.join(flags)}: see {command_text('tj safety flags')} and {command_text('tj caseload')}."


def flags_sent_lines(report: SyncReport) -> list[str]:
    """A "Safety:" line for each safety flag of this device that left it in this sync
    (`SyncReport.flags_sent`: waiting here before it, the server acknowledged it since), so
    that the client told it had NOT left hears that it now has, whichever command synced
    (`tj sync`, `tj login`'s first sync, a command's quick sync): its members get it at
    their next sync; never said as seen (only their acknowledgement says that). The
    acknowledgement is the server's word: where this sync found records of the flag's
    journal withheld (`SyncReport.withheld`), the line says its members may not get it."""
    withheld = {gap.journal_id.hex() for gap in report.withheld}
    lines = []
    for flag in report.flags_sent:
        who = ", ".join(flag.members) or "the people it is for"
        said = f"Safety: {flag.named()[:1].upper()}{flag.named()[1:]} has now left this device: "
        said += "the server acknowledged it, "
        if flag.journal_id in withheld:  # the acknowledgement is the server's word alone
            said += (
                f"but it is withholding records of {flag.journal} (see the warning above), so "
                f"{who} may not get it. If you want them to know, tell them yourself. Your "
                f"safety plan: {command_text('tj safety plan')}."
            )
        else:
            said += (
                f"so {who} can get it at their next sync (sent, not seen: "
                f"{command_text('tj safety flags')} says when they acknowledge it)."
            )
        lines.append(said)
    return lines


def plain_list(fields: Iterable[str]) -> str:
    """["mood", "tags", "body"] -> "mood, tags and text" (body is the entry's text)."""
    return and_words(["text" if f == "body" else f for f in fields])


def keep_downloaded(members: Sequence[str]) -> str:
    """["drsmith"] -> "drsmith keeps what they already downloaded"; ["a", "b"] -> "a and b
    keep ..." (usernames, in the order given; at least one)."""
    who = and_words(members)
    return f"{who} {'keeps' if len(members) == 1 else 'keep'} what they already downloaded"


def ended_text(d: Departure) -> str:
    """A share that ended, in a few words: "drsmith no longer reads Personal", "ana stopped
    sharing 'Personal' with you (18:47)", "your share of Personal with drlee ended (its end
    date, 2026-12-01 18:47)" (local time; an end date as `tj shares` shows it, another time
    with its date when not today). In a notice to a member ("OWNER ... JOURNAL with you",
    "OWNER's JOURNAL is no longer served to you") the name is quoted, or "ana shared Shared
    with drsmith with you" would not say where it ends (NU32 #7, #6), as `Departure.describe`
    quotes it."""
    when = departure_time(d.at)
    if d.reason == departures.EXPIRED:  # as `tj shares` shows an end date
        moment = read_time(d.at)
        when = share_end(moment).replace(" (end of day)", ", end of day") if moment else when
        if d.owner:
            return f"{d.owner}'s share of {quoted(d.journal)} with you ended (its end date, {when})"
        return f"your share of {named(d.journal)} with {d.member} ended (its end date, {when})"
    if d.reason == departures.REMOVED and d.copy and not d.replaced_copy:  # NU24 C11
        return f"{d.owner} stopped sharing all of {quoted(d.journal)} with you ({when})"
    if d.reason == departures.REMOVED:
        return f"{d.owner} stopped sharing {quoted(d.journal)} with you ({when})"
    if d.reason == departures.UNSHARED and not d.owner:  # from one of this account's devices
        if d.source and d.fields:  # a field-level copy kept for them (NU21 C7)
            return (
                f"{d.member} no longer reads the {plain_list(d.fields)} of {named(d.source)} (a copy "
                "kept for them)"
            )
        if d.narrowed:  # the whole-journal share narrowed to some fields (NU24 C10)
            return f"{d.member} no longer reads all of {named(d.journal)}"
        if d.items:  # the journal of single items kept for them
            return (
                f"the entries and results you shared one by one with {d.member} "
                f"({quoted(d.journal)}) are no longer shared with them"
            )
        return f"{named(d.journal)} is no longer shared with {d.member}"
    if d.reason == departures.DROPPED and d.owner:  # the server's word, not the owner's (R22 F5)
        return f"your share of {d.owner}'s {quoted(d.journal)} ended ({when}): the server said you had left"
    if d.reason in (departures.NARROWED, departures.CHANGED):  # NU26 C5
        return d.describe(departure_time, end_of_share)
    if d.reason in (departures.RENEWED, departures.SHARED) and not d.owner:  # NU30 #4
        return d.describe(departure_time, end_of_share)
    if d.reason == departures.UNLISTED:
        return f"{d.owner}'s {quoted(d.journal)} is no longer served to you ({when})"
    if d.reason == departures.RETURNED:
        return f"{d.owner} shared {quoted(d.journal)} with you again ({when})"
    if d.reason == departures.SHARED and d.brief:  # NU47 #4
        return f"{d.owner} sent you a pre-session brief ({when})"
    if d.reason == departures.SHARED:  # NU25 C4
        return f"{d.owner} shared {quoted(d.journal)} with you ({when})"
    if d.reason == departures.RELISTED:  # R49 F2: the server's word
        return f"{d.owner}'s {quoted(d.journal)} is served to you again ({when})"
    return f"{d.member} no longer reads {named(d.journal)}"


def departure_in_brief(d: Departure) -> str:
    """A share change told again, in the line of what other commands' quick syncs fetched
    (`tj sync`'s "Earlier ...", NU44 F6): `ended_text`, with its time and, where it is the
    server's word, saying so: "ana stopped sharing 'Personal' with you (18:47)", "dev's
    'Personal' is no longer served to you (21:02)", "drsmith no longer reads Personal
    (18:47): the server says they left the share (not signed by them)"; with the
    field-level copy of the journal still read, when the share change names one ("...,
    but they still read 'Personal (mood, tags) for drsmith'": REV-NEWS3 F4), and the safety
    flags an ended share had (`Departure.safety_flags`)."""
    d = owner_as_named(d)
    said = _departure_alone(d)
    if d.copy and d.reason != departures.GONE:  # `Departure.copy`: NU24 C11, NU26 C2
        said += f", but {'you' if d.owner else 'they'} still read {quoted(d.copy)}"
    elif d.narrowed and not d.owner:  # narrowed to some fields (NU24 C10)
        said += f", but they still read what {quoted(d.narrowed)} copies of it"
    if d.safety_flags and d.reason == departures.EXPIRED and not d.owner:  # rev-nu36a F4
        said += (
            ", and with it the safety flags you had chosen to send them (a renewal sends "
            "them again only with --safety-flags)"
        )
    return said


def owner_as_named(d: Departure) -> Departure:
    """`d` to print, its owner named as this device names them now (`Departure.owner_label`:
    "kim (account 1a2b3c4d)" while another account named kim has journals here, NU46 #1)."""
    return dataclasses.replace(d, owner=d.owner_label) if d.owner_label else d


def _departure_alone(d: Departure) -> str:
    """`departure_in_brief` without the copy still read."""
    when = departure_time(d.at)
    if d.reason == departures.GONE:  # an own journal the server no longer lists
        return (
            f"your journal {named(d.journal)} is no longer on the server ({when}): deleted on another "
            "of your devices, or withheld"
        )
    if d.owner:
        return ended_text(d)
    if d.reason == departures.UNSHARED:
        return f"{ended_text(d)}: the share was ended from one of your devices ({when})"
    if d.reason == departures.DROPPED:
        return (
            f"{d.member} no longer reads {named(d.journal)} ({when}): another of your devices removed "
            "them on the server's word"
        )
    if d.reason in departures.LEFT_WHOLE or d.reason == departures.ERASED:
        return (
            f"{d.member} no longer reads {named(d.journal)} ({when}): "
            f"{departures.server_word(d.reason)}"
        )
    return ended_text(d)


def terms_now(d: Departure) -> str:
    """What new terms a member was told of (`departures.CHANGED`) allow now, in a sentence
    (NU26 C5)."""
    journal = journal_word(f"{d.owner}/{d.journal}", d.journal_id)
    if d.role == "annotate":
        return (
            f"you still read what you read before, and now may add notes, prompts and "
            f"assignments to it ({command(['tj', 'note', journal, 'TEXT'])}) and mark the "
            "safety flags "
            f"{d.owner} sends you as read."
        )
    if d.until:
        return f"you read what you read before, until {end_of_share(d.until)}; then it ends."
    return "you read what you read before, and the share no longer ends by a date."


def end_of_share(at: int) -> str:
    """A share's signed end date (ms, UTC) as `tj shares` shows it: "2027-06-30 (end of
    day)", "2027-06-30 14:00" (local time)."""
    moment = read_time(at)
    return share_end(moment) if moment is not None else departure_time(at)


def departure_time(at: int) -> str:
    """`at` (ms, UTC) in local time: "18:47" today, else "2026-12-01 18:47"."""
    moment = read_time(at)
    if moment is None:
        return "an unknown time"
    local = moment.astimezone()
    return (
        f"{local:%H:%M}"
        if local.date() == datetime.now().astimezone().date()
        else local_time(local)
    )


SERVERS_WORD = (departures.UNLISTED, departures.ERASED, departures.DROPPED, departures.UNKNOWN)
"""Why a share ended, when a member's device may still hold the owner's signed grant of it
(the server's word, or an owner's erased account): `tj forget` then takes --unlisted."""


def forget_command(
    journal: str, unlisted: bool, journal_id: str = "", *, by_id: bool = False
) -> str:
    """`tj forget JOURNAL [--unlisted]` as a command span (`command`): the read-only copy
    `journal` named as `journal_word` names it (by `journal_id` when its name would not
    paste back, or with `by_id` when that name names another journal here too: a share
    still on bearing the same name, which `tj forget` refuses to guess between), with
    `--unlisted` when its share ended by the server's word only."""
    named = short_id(journal_id) if by_id and journal_id else journal_word(journal, journal_id)
    words = ["tj", "forget", named]
    return command(words + (["--unlisted"] if unlisted else []))


def forget_advice(
    journal: str,
    unlisted: bool,
    owner: str,
    erased: str = "",
    journal_id: str = "",
    *,
    export_hint: bool = True,
    by_id: bool = False,
    replaced_by: str = "",
) -> str:
    """How to discard the read-only copy of `journal` ("owner/name") kept on this device,
    with the `tj forget` command that works in its state: `--unlisted` when the share ended
    by the server's word only (the owner's signed access this device verified still grants
    it: `tj forget` alone is refused then), NU29 F3; and how to export what `owner` (as
    this device names them) shares first, theirs alone (NU47 #7: `tj export --out DIR`
    wrote every client's). `erased`: the owner's username, when the server says their
    account no longer exists (`SharedJournal.owner_erased`): said first, as its word (NU49
    F6: the advice read as if nothing more was known). The copy is named by `journal_id`
    when its name is not pasted back exactly (`journal_word`). Without `export_hint`, the
    export is not named (said already for another copy of `owner`'s, above it). With
    `by_id`, the copy is named by its id (`forget_command`: its name names another journal
    here too). `replaced_by`: the journal its owner replaced the copy by
    (`SharedJournal.replaced_by`, from the owner-signed chains), named first, as `tj sync`'s
    notice says it, never "once you know the share ended"."""
    forget = forget_command(journal, unlisted, journal_id, by_id=by_id)
    keep = (
        f" (keep what you need first: {command(export_client_words(owner))})."
        if export_hint
        else "."
    )
    if replaced_by:
        return (
            f"{quoted(journal)} was replaced by {quoted(replaced_by)}, a newer share its owner "
            f"signed for you: discard the earlier copy from this device with {forget} when you "
            f"no longer need it{keep}"
        )
    if erased:
        withheld = ", or the server is withholding it" if unlisted else ""
        return (
            f"{departures.erased_words(erased)}{withheld}: discard its copy from this device "
            f"with {forget} when you no longer need it{keep}"
        )
    if unlisted:
        return (
            f"Once you know the share ended, discard its copy from this device with {forget}{keep}"
        )
    return f"Discard its copy from this device with {forget} when you no longer need it{keep}"


def replaced_copy_text(d: Departure) -> str:
    """A copy of some fields kept for this account that ended while the owner-signed chain
    grants it another copy of the same journal, or that journal whole (`Departure.copy`,
    `replaced_copy`): told as what the owner shares now, not as an alarm (NU64 F13: "ben
    stopped sharing it or now shares less of it ... or the server is withholding it" read so
    when ben had widened his share). The earlier copy's end is the server's word when it is
    ("no longer served"), and said so."""
    source = departures.copied_name(d.journal, d.member)
    now = (
        f"{d.owner} now shares all of {quoted(source)} with you"
        if d.copy == source
        else f"{d.owner} now shares {quoted(source)} with you as {quoted(d.copy)}, a new copy"
    )
    when = departure_time(d.at)
    if d.reason == departures.UNLISTED:
        ended = (
            f"the server no longer serves the earlier copy {quoted(d.journal)} ({when}), which "
            "the new one most likely replaces (the server's word: it could also be withholding "
            "it)"
        )
    else:
        ended = f"{ended_text(d)}: the new one replaces it"
    return (
        f"Notice: {now} (signed by {d.owner}: {command_text('tj shared-with-me')}); {ended}. "
        f"What you downloaded of {quoted(d.journal)} stays on this device, read-only. "
        + copy_forget_advice(d, d.reason in SERVERS_WORD)
    )


def copy_forget_advice(d: Departure, unlisted: bool) -> str:
    """`forget_advice` for the read-only copy the share change `d` (as `owner_as_named` gives
    it) leaves, its commands naming the owner as `Departure.command_owner` does: by their
    account for a share that ended (REV-S9B S9B-1), then who that label is, as below `tj
    shared-with-me` (NU74 F11: "ana (account 6e1c1294)" read as another person than ana)."""
    owner = d.command_owner or d.owner
    said = forget_advice(f"{owner}/{d.journal}", unlisted, owner, journal_id=d.journal_id)
    if owner == d.owner:
        return said
    why = "that share is no longer served to you" if unlisted else "that share ended"
    return (
        f"{said} {quoted(owner)} is {d.owner}, named by account in these commands because "
        f"{why}, so that they act on that account only, even if the name is later given to "
        "someone else."
    )


def export_client_words(owner: str) -> list[str]:
    """`tj export --client ana --out DIR`: the command that exports one client's journals
    (a username or account label: always pasted back exactly)."""
    return ["tj", "export", "--client", owner, "--out", "DIR"]


def export_client(owner: str) -> str:
    """`export_client_words` as a command span (`command`)."""
    return command(export_client_words(owner))


async def ended_copy(client: Client, journal_name: str | None) -> Journal | None:
    """The journal `journal_name` names when it is the read-only copy of a share that ended
    (not one of this account's own journals gone from the server), else None."""
    named = await client.journals.get(journal_name) if journal_name else None
    if named is None or not named.read_only_copy or named.owner == client.username:
        return None
    return named


def ended_copy_empty(journal: Journal) -> str:
    """What an empty listing of the read-only copy of a share that ended says (NU30 F3): no
    sync brings it anything, and the `tj forget` command that discards it in its state
    (`forget_advice`)."""
    forget = forget_command(journal.name, journal.unlisted, journal.id)
    if journal.unlisted:  # the server's word only
        return (
            f"{journal.name} holds no entries: it is no longer served to you (the share ended, "
            "or the server is withholding it) and none reached this device before; once you "
            f"know the share ended, {forget} discards it."
        )
    return (
        f"{journal.name} holds no entries: the share ended before any reached this device; "
        f"{forget} discards it."
    )


def departure_lines(report: SyncReport) -> list[str]:
    """A notice per share that ended, with what to do: for a member dropped from a journal,
    the server's word (they left, or their account was deleted), not the member's; for an
    end date, how to renew it; for a journal no longer served, that it may be withheld
    (departures.py)."""
    lines = []
    for d in map(owner_as_named, copies_first(report.departures)):
        if d.reason == departures.GONE:  # an own journal no longer listed (rev-complete F1)
            # By its id, never its name: the name is the one this device last knew (it may
            # have been renamed elsewhere), and another journal here may bear it (NU36 #1:
            # `tj journal delete Dreams` deleted the other, live Dreams for good).
            short = d.journal_id[:12]
            # What only this device holds of it comes first (NU65 F11: deleting the copy as
            # invited lost an entry written offline here, which the server had refused).
            unsaved = ""
            if d.set_aside:
                n = len(d.set_aside)
                # A safety flag among them is named as one (told above): dropped, it is
                # never sent (NU68 F1: the drop was offered as for any entry)
                told_flags = {u.flag_id for u in report.undelivered_flags}
                drops = "; ".join(
                    command(["tj", "set-aside", "drop", i[:12]])
                    + (
                        " (the safety flag told above: dropped, it is never sent)"
                        if i in told_flags
                        else ""
                    )
                    for i in d.set_aside
                )
                if n > 3 and not told_flags & set(d.set_aside):
                    drops = f"{command_text('tj set-aside drop ID')} for each one in {command_text('tj set-aside list')}"
                it, its = ("it", "its") if n == 1 else ("them", "their")
                unsaved = (
                    f"{n} item{'' if n == 1 else 's'} in it (entries, notes...) "
                    f"{'holds' if n == 1 else 'hold'} words written on this device that the "
                    f"server refused (set aside) and that are on no other device: "
                    f"{command_text('tj set-aside move ID --journal JOURNAL')} writes an entry "
                    "or a questionnaire result into another journal; else keep "
                    f"{its} words ({command_text('tj set-aside list --json > refused.json')}), "
                    f"then drop {it} ({drops}). "
                )
            lines.append(
                f"Notice: {named(d.journal)} (id {short}) is no longer on the server "
                f"({departure_time(d.at)}): it was deleted on another of your devices, or the "
                "server is withholding it. What this device holds of it stays here, read-only. "
                f"{unsaved}If you deleted it, remove that copy "
                f"{'after that ' if unsaved else ''}with "
                f"{command(['tj', 'journal', 'delete', short])} (keep "
                f"what you need first: {command_text('tj export --out DIR')}); if you did not, the server is "
                "withholding it: keep the copy."
            )
            continue
        if d.reason == departures.EXPIRED and not d.owner:
            # A whole journal's: --full, since a copy of some of its fields kept for them
            # would otherwise be what new terms renew, or refuse them (rev-nu29b B1)
            whole = "" if d.source else " --full"
            again_word = (
                journal_word(d.source, d.source_id)
                if d.source
                else journal_word(d.journal, d.journal_id)
            )
            # A renewal never signs an opt-in by itself (rev-nu36a F1, F4): when the client's
            # own signed plan had this account (by id) opted in for the share that ended,
            # the command asks for it again, and says so.
            flags = " --role annotate --safety-flags" if d.safety_flags and not d.source else ""
            keeps = (
                " (it keeps the share's role; you had chosen to send them safety flags for "
                "the share that ended, and --safety-flags keeps sending them: leave it out "
                "to stop)"
                if flags
                else " (it keeps the share's role)"
            )
            lines.append(
                f"Notice: {ended_text(d)}; renew with "
                + command(
                    ["tj", "share", again_word, d.member, *whole.split(), "--until", "DATE"]
                    + flags.split()
                )
                + f"{keeps}."
            )
        elif d.replaced_copy and d.reason in departures.WHOLE_ENDED:  # NU64 F13
            lines.append(replaced_copy_text(d))
        elif d.reason == departures.UNLISTED and d.copy:  # most likely narrowed (NU24 C11)
            lines.append(
                f"Notice: {ended_text(d)}: {d.owner} most likely narrowed your share to some of "
                f"its fields, which you read in {quoted(d.copy)} (a copy {d.owner} keeps for you: "
                f"{command_text('tj shared-with-me')}), or the server is withholding {quoted(d.journal)}. What you "
                f"downloaded of {quoted(d.journal)} stays on this device, read-only. "
                + copy_forget_advice(d, True)
            )
        elif d.owner and d.copy and departures.copied_name(d.journal, d.member):
            lines.append(  # a copy ended, not replaced: another share of the journal stays
                f"Notice: {ended_text(d)}; you still read {quoted(d.copy)}, which {d.owner} "
                f"shares with you ({command_text('tj shared-with-me')}). What you downloaded "
                f"of {quoted(d.journal)} stays on this device, read-only. "
                + copy_forget_advice(d, d.reason in SERVERS_WORD)
            )
        elif d.owner and d.copy:  # NU24 C11
            lines.append(
                f"Notice: {ended_text(d)}; you still read {quoted(d.copy)}, the copy of some of its "
                f"fields {d.owner} keeps for you ({command_text('tj shared-with-me')}). What you downloaded of "
                f"{quoted(d.journal)} stays on this device, read-only. "
                + copy_forget_advice(d, d.reason in SERVERS_WORD)
            )
        elif d.reason == departures.UNLISTED and d.owner_erased:  # the server's word (NU43 #8)
            lines.append(
                f"Notice: {ended_text(d)}: {departures.erased_words(d.owner)}, or the server "
                "is withholding it. Its read-only copy stays on this device. "
                + copy_forget_advice(d, True)
            )
        elif d.reason == departures.UNLISTED:
            lines.append(
                f"Notice: {ended_text(d)}: {d.owner} stopped sharing it or now shares less "
                "of it (the server no longer shows this device their signed change), or the "
                "server is withholding it. Its read-only copy stays on this device. "
                + copy_forget_advice(d, True)
            )
        elif d.reason == departures.NARROWED:
            lines.append(f"Notice: {ended_text(d)}: you still read it, and add no more notes.")
        elif d.reason == departures.CHANGED and d.owner:  # NU26 C5
            lines.append(f"Notice: {ended_text(d)}: {terms_now(d)}")
        elif d.reason in departures.GIVEN and not d.owner:  # from one of this account's devices
            lines.append(f"Notice: {ended_text(d)} ({command_text('tj shares')}).")
        elif d.reason == departures.UNSHARED and not d.owner:  # NU21 C4
            narrowed = (
                f"; they read only what {quoted(d.narrowed)} copies of it now ({command_text('tj shares')})"
                if d.narrowed
                else ""
            )  # NU24 C10
            lines.append(
                f"Notice: {ended_text(d)}: the share was ended from one of your devices "
                f"({departure_time(d.at)}){narrowed}."
            )
        elif d.reason == departures.RETURNED and not d.discarded:  # NU23 C9
            lines.append(
                f"Notice: {ended_text(d)}: you read it again, with what they share now "
                f"({command_text('tj shared-with-me')})."
            )
        elif d.reason == departures.RELISTED:  # R49 F2
            lines.append(
                f"Notice: {ended_text(d)}, with the same terms {d.owner} signed before: you "
                f"read it as before ({command_text('tj shared-with-me')})."
            )
        elif d.reason == departures.SHARED and d.brief:  # not a journal to list (NU47 #4)
            held = d.journal_id in {h.journal_id.hex() for h in report.held_back}
            later = (
                f" shows it once you verify {d.owner} "
                f"({command(['tj', 'verify', d.owner, 'FINGERPRINT'])}) and sync"
                if held
                else ""
            )
            lines.append(f"Notice: {ended_text(d)}: {command_text('tj briefs')}{later}.")
        elif d.reason == departures.SHARED:  # NU25 C4
            journal = journal_word(f"{d.owner}/{d.journal}", d.journal_id)
            read = command(["tj", "list", "--journal", journal])
            if results_only(report, d.journal_id):  # `tj list` would show nothing of it
                results = command(["tj", "measure", "list", "--journal", journal])
                lines.append(
                    f"Notice: {ended_text(d)}: it holds questionnaire results so far: read "
                    f"them with {results} ({read} shows its entries)."
                )
                continue
            lines.append(
                f"Notice: {ended_text(d)}: read it with {read}"
                + (
                    ""  # said by that command itself (NU55 F10)
                    if running("shared-with-me")
                    else f" ({command_text('tj shared-with-me')} lists what is shared with you)"
                )
                + "."
            )
        elif d.reason == departures.RETURNED:
            lines.append(
                f"Notice: {ended_text(d)}, after you had discarded it on this device with "
                f"{command_text('tj forget')}: it is on this device again, with what they share now."
            )
        elif d.reason == departures.DROPPED and d.owner:
            lines.append(
                f"Notice: {ended_text(d)}, and {d.owner}'s device removed you on the server's "
                f"word (not a decision of {d.owner}'s; if you did not leave, ask them to share "
                "again). Its read-only copy stays on this device. " + copy_forget_advice(d, True)
            )
        elif d.owner:
            lines.append(
                f"Notice: {ended_text(d)}. Its read-only copy stays on this device. "
                + copy_forget_advice(d, d.reason in SERVERS_WORD)
            )
        else:
            ends_copy = command(["tj", "unshare", journal_word(d.journal, d.journal_id), d.member])
            lines.append(  # local time, as above (NU26 C6)
                f"Notice: {d.describe(departure_time, end_of_share, ends_copy=ends_copy)}."
            )
        again, ended_before = share_again_words(d)
        said = command(again)
        if d.held_until and not ended_before and "--until" in again:
            ran_until = share_end(datetime.fromtimestamp(d.held_until / 1000).astimezone())
            said += (
                f" (the share they left was to end {ran_until}, which is past: give a new end "
                "date, or never)"
            )
        if d.items and {"entry", "measure"} <= set(d.items_held):  # both: each command
            one_result = ["tj", "measure", "share", "RESULT_ID", d.member, *again[4:]]
            said += f" (an entry), {command(one_result)} (a result)"
        if d.source and not d.owner:  # `--only` narrows a whole share they hold (nu86 F4)
            said += (
                f" (run before any --full share of {quoted(d.source)} with them: run after "
                "one, it would end that share)"
            )
        if d.reason == departures.LEFT:
            lines.append(f"  If they did not mean to leave, share again: {said}")
        elif d.member_erased and not d.owner:
            lines.append(erased_member_line(d, again))
        elif d.reason == departures.UNKNOWN or (d.reason == departures.DROPPED and not d.owner):
            lines.append(f"  To share with them again: {said}")
    return lines


def copies_first(told: list[Departure]) -> list[Departure]:
    """`told` with each field-level copy the owner's member no longer reads before the
    whole-journal share of its source they no longer read either (nu86 F4): the copy's
    `tj share --only` run after the `--full` one would end the whole share just given back
    (a copy stays beside a whole share only when it was given first). Otherwise in order."""
    whole = {(d.member, d.journal_id) for d in told if not d.owner and not d.source}
    return sorted(told, key=lambda d: 0 if not d.owner and (d.member, d.source_id) in whole else 1)


def share_again_words(d: Departure) -> tuple[list[str], str]:
    """The command that gives `d`'s member the share they held again, with the options it
    was given by (every one `tj share` takes that the owner-signed chain held: nu84 F1, F5,
    fix34b), and the end date it says (`held_end_text`: "" when none, or past). A whole
    journal: `tj share J M --full` (a role or an end date alone never shares a whole journal
    again, NU24 C4), `--role annotate` for the role held (which restores safety flags the
    owner chose for them too: their opt-in is the owner's signed plan, not the share's),
    `--until` the end date held (`DATE` once past), `--fingerprint` as the verified chain
    holds them (never for an account the server says was erased: `erased_member_line`). A
    field-level copy: from its source with `--only` its fields (NU21 C7) and the same
    `--role`, `--until` and `--fingerprint`; before, its role and end date were dropped, so
    the copy came back read-only and with no end. The journal of single items: `tj
    share-entry ENTRY_ID M` (`tj measure share RESULT_ID M` for results only, NU64 F20),
    with `--fingerprint`; it is always read-only, with no end, so no role nor end date."""
    erased = d.member_erased
    fingerprint = ["--fingerprint", d.held_fingerprint] if d.held_fingerprint and not erased else []
    if d.items:  # the journal of single items: shared again one item at a time
        again = ["tj", "share-entry", "ENTRY_ID", d.member]
        if "measure" in d.items_held and "entry" not in d.items_held:  # NU64 F20
            again = ["tj", "measure", "share", "RESULT_ID", d.member]
        return [*again, *fingerprint], ""
    if d.source:  # a field-level copy: shared again from its source, same fields
        source = journal_word(d.source, d.source_id)
        again = ["tj", "share", source, d.member, "--only", ",".join(d.fields)]
    else:
        again = ["tj", "share", journal_word(d.journal, d.journal_id), d.member, "--full"]
    if d.held_role == "annotate":  # the role they held
        again += ["--role", "annotate"]
    ended_before = ""
    if d.held_until:  # the end date they held is kept, or, once past, asked for (nu84 F1)
        ended_before = held_end_text(d.held_until)
        again += ["--until", ended_before or "DATE"]
    return [*again, *fingerprint], ended_before


def held_end_text(until: int) -> str:
    """An end date (ms UTC) as `tj share --until` takes it back, in local time: a day alone
    when it ends as a day ends ("through that day"), else 'YYYY-MM-DD HH:MM'; "" once past."""
    end = datetime.fromtimestamp(until / 1000).astimezone()
    if end <= datetime.now().astimezone():
        return ""
    if (end.hour, end.minute, end.second, end.microsecond) == (0, 0, 0, 0):
        return (end - timedelta(days=1)).strftime("%Y-%m-%d")
    return end.strftime("%Y-%m-%d %H:%M")


def erased_member_line(d: Departure, again: list[str]) -> str:
    """The line under the notice of a member dropped on the server's word whose account the
    server says was erased (`Departure.member_erased`): no share offered again as to the same
    person: the username is free and may be someone else's now (said when the server gives
    it to another account), so the command given compares the fingerprint of whoever holds
    it first (NU59 #10)."""
    if d.member_now:
        who = (
            f"the name {d.member} is now another account's (account {d.member_now[:8]}), not "
            f"the one that read it (account {d.member_id[:8]})"
        )
    else:
        who = f"the name {d.member} is free, and anyone may take it"
    check = command([*again, "--fingerprint", "FINGERPRINT"])
    return (
        f"  The server says {d.member}'s account was erased: {who}. Share again only with "
        f"the person you mean, after comparing their fingerprint in person (they read it "
        f"from {command_text('tj fingerprint')}): {check}"
    )


def tell_settled(report: SyncReport) -> None:
    """`settled_lines` on stderr, its "Safety:" lines (long: a flag not delivered, one
    answered just after an opt-in) on lines of the terminal's width under their label, as
    the notices after them (nu81 F12: one 600-character line the terminal cut mid-word)."""
    for line in settled_lines(report):
        message(line, wrap=line.startswith("Safety: "))


def tell_after_sync(report: SyncReport) -> None:
    """What every command that syncs without printing its report must still say, on stderr:
    what the sync settled on this device (`settled_lines`: words this device added to an
    entry another device deleted for good are kept as a draft then, and only then, with the
    command that saves them), then its departures (`tell_departures`), then the safety flags
    that left (`flags_sent_lines`). A sync reports each once: a command that did not say
    them lost them, the draft's words with them."""
    tell_settled(report)
    tell_departures(report)
    for line in flags_sent_lines(report):  # told it had NOT left: now told it has
        message(line, wrap=True)  # nu78 F5


_ACCOUNT: list[tuple[str, str]] = []
"""The server URL and username of the profile this command runs against (`this_account`),
for a printed command that names them (`account_command`)."""


def this_account(server_url: str, username: str) -> None:
    """Keep the server URL and username of the profile this command opened: a printed `tj
    recover` or `tj login` then names them, as `tj whoami` shows them, not "URL USERNAME"."""
    _ACCOUNT[:] = [(server_url, username)]


def account_command(verb: str, *more: str) -> str:
    """`tj VERB URL USERNAME MORE...` for this profile (`this_account`: its address as
    `cli.main.address_word` prints one, and its username; "URL", "USERNAME" only for what is
    not known or would not paste back), as a command to paste (its `--home` put in when
    printed)."""
    from cli.main import address_word  # loaded already: it runs every command

    url, username = _ACCOUNT[0] if _ACCOUNT else ("", "USERNAME")
    return command(
        ["tj", verb, address_word(url), username if pasteable(username) else "USERNAME", *more]
    )


def no_way_back() -> str:
    """What a user can still do from this device when neither the password nor the
    recovery key opens the account any more (someone else replaced both): the server offers
    no way to take an account back."""
    from cli.main import address_word  # loaded already: it runs every command

    url = address_word(_ACCOUNT[0][0] if _ACCOUNT else None)
    signup = command(["tj", "--home", "NEW_DIR", "signup", url, "NEW_USERNAME"])
    return (
        "the server offers no way to take the account back. From this device: save what it "
        f"holds now with {command_text('tj export --out DIR')} (it keeps what it holds); stop "
        "writing here (anything written syncs to a server whoever did it reads); start a new "
        f"account ({signup}) and share again with your therapist; and tell the people you "
        "share with"
    )


def sign_in_lines(report: SyncReport) -> list[str]:
    """The sign-ins and credential changes a sync tells once (`SyncReport.new_devices`,
    `credential_changes`), one "Notice: " line each, then ONE line of what to do if they
    were not the user (one recovery used to give three notices, each advising a password
    change the user could no longer make). The advice follows which credentials were
    changed elsewhere since this device's own sign-in: this sync's changes (in full, with
    how to say they were the user's: `tj devices acknowledge`) and those told before
    (`SyncReport.replaced_elsewhere`: after the advice for the sign-in alone, one sentence
    with their dates, the command if they were not the user's, and how to stop it), not how anyone
    signed in (a password thief can also replace the recovery key; a recovery-key thief can
    leave it working). The device cannot tell whose change it was (the user may have made
    it on another device), so the credential the user knows always comes first, and giving
    the account up only once both are refused:

    - both the password and the recovery key: `tj password change --sign-out-others` with
      the password the user knows; if refused, `tj recover URL USERNAME --sign-out-others`
      (this profile's) with the recovery key the user holds; if refused too, neither works
      and the server offers no way to take the account back: `tj export`, stop writing
      here, a new account shared again, tell the people shared with (`no_way_back`; a new
      key cannot take back what was read: protocol.md 4.9);
    - the password only: `tj password change --sign-out-others`; if refused, `tj recover`
      with the recovery key, signing out every other device; if the key is refused,
      `no_way_back`;
    - the recovery key only: whoever did it knows the password (told before: whoever signed
      in knows the password, or holds the new key): `tj password change`, then `tj
      recovery-key new`;
    - neither, after a recovery-key sign-in: `tj recovery-key new`, which signs out every
      session the key alone opened; after a password sign-in: `tj password change`.

    Each device still signed in is named in a `tj devices revoke ID` command first (not when
    both were changed: `--sign-out-others` signs it out, and with both it signs in again).
    Sign-ins the server no longer keeps get no advice. A sign-in by the device key of an
    earlier one (`NewDevice.again_of`) gets it too: the key says only that the same device
    signed in, which may be one the user never had (an intruder warned of, or revoked,
    signing in again: rev34c F3). A sign-in made before this device's
    own new sign-in (`NewDevice.before_sign_in`: the user may have made it) is no sign of
    someone else, but a device of it still signed in is one the user may not know: it is
    named in the revoke command too, or, with nothing else to advise on, in a neutral line
    (`before_lines`). The server's word (its sign-in log is server metadata): told, never
    acted on. Pure."""
    before = [d for d in report.new_devices if d.before_sign_in]
    news = [d for d in report.new_devices if not d.before_sign_in]
    lines = [f"Notice: {device.line(local_time)}" for device in report.new_devices]
    lines += [f"Notice: {change.line(local_time)}" for change in report.credential_changes]
    if not lines:
        return []
    if not report.credential_changes and all(not d.id for d in news):
        # Only sign-ins no longer kept, or made before this device's own new one.
        return [*lines, *before_lines(before)]
    now = {change.what for change in report.credential_changes}
    told_before = {  # told by an earlier sync: when, as the user may not remember it
        what: at for what, at in report.replaced_elsewhere.items() if what not in now
    }
    reminder = ""
    if told_before and not now:
        # Told in full once, when it was new: repeating that advice at every later sign-in
        # buried the sign-in under it. Here the sign-in gets the advice of a sign-in alone,
        # then one sentence: when, the one command if the change was not the user's, and how
        # to say it was (NU62 F9).
        whats = " and the ".join(sorted(told_before))
        dates = " and ".join(local_time(at) for _, at in sorted(told_before.items()))
        if "password" not in told_before:
            instead = (
                f"run {command_text('tj password change --sign-out-others')}, then "
                f"{command_text('tj recovery-key new')}"
            )
        else:
            recover = account_command("recover", "--sign-out-others")
            instead = f"run {recover} with your recovery key"
            if len(told_before) > 1:
                instead += (
                    " (refused too: both were taken; save what this device holds with "
                    f"{command_text('tj export --out DIR')} and start a new account)"
                )
        reminder = (
            f" Also, the {whats} {'were' if len(told_before) > 1 else 'was'} changed on "
            f"another device on {dates} (told then): if not by you, {instead}; if by you, run "
            f"{command_text('tj devices acknowledge')} and this is not said again."
        )
        told_before = {}
    changed = now | set(told_before)
    earlier = "".join(
        f"The {what} was changed on another device on {local_time(at)} (told before). "
        for what, at in sorted(told_before.items())
    )
    live = [device for device in [*before, *news] if device.id and not device.signed_out]
    revoke = " and ".join(
        command_text(f"tj devices revoke {short_id(device.id)}") for device in live
    )
    sign_out = f"sign out the device you do not know with {revoke}, then " if live else ""
    # The device cannot tell whose change it was (the user's own, on another device, or a
    # thief's): the credential the user knows comes first, giving up only if it is refused.
    password = (
        f"run {command_text('tj password change --sign-out-others')} with the password you "
        "know (the new one, if you changed it on another device yourself)"
    )
    recover = account_command("recover", "--sign-out-others")
    if changed >= {"password", "recovery key"}:
        act = (
            f"Not you? {earlier}First {password}; if it is refused, run {recover} with the "
            "recovery key you hold; if that is refused too, your password and recovery key "
            "were both replaced, so neither works any more, and whoever did it can read your "
            f"journals; {no_way_back()}."
        )
    elif "password" in changed:
        first = sign_out + password
        first = first[:1].upper() + first[1:]  # a sentence of its own
        act = (
            f"Not you? {earlier}{first}; if it is refused, run {recover} with your recovery "
            "key to set a new one and sign out every other device; if the key is refused too (it was replaced as well), "
            f"{no_way_back()}."
        )
    elif "recovery key" in changed:
        devices = command_text("tj devices")
        first = sign_out or f"run {devices} to sign out a device you do not know, then "
        if now:  # replacing the recovery key takes the password
            who = "Whoever changed it knows your password"
        elif any(device.by_recovery_key for device in news):  # the key changed before
            who = "Whoever signed in holds your recovery key"
        else:
            who = "Whoever signed in knows your password"
        act = (
            f"Not you? {earlier}{who}: {first}run "
            f"{command_text('tj password change --sign-out-others')}, then "
            f"{command_text('tj recovery-key new')}."
        )
    elif any(device.by_recovery_key for device in news):
        act = (
            f"Not you? Your recovery key is known to someone: {sign_out}run "
            f"{command_text('tj recovery-key new --sign-out-others')} to retire it."
        )
    else:
        act = (
            f"Not you? Whoever signed in knows your password: {sign_out}run "
            f"{command_text('tj password change --sign-out-others')}."
        )
    if now:  # said in full this once: how to stop it if the change was the user's own
        act += (
            f" If you made the change yourself on another device, run "
            f"{command_text('tj devices acknowledge')}: this advice is then not repeated."
        )
    return [*lines, act + reminder]


def before_lines(before: list[NewDevice]) -> list[str]:
    """What to do about the sign-ins made before this device's own new sign-in
    (`NewDevice.before_sign_in`) whose device is still signed in: one neutral line (the
    user may have made them; this device proved the password since, so nothing says a
    credential was lost): sign out a device the user does not know, then a password change
    signing out every other device, or a new recovery key for a sign-in with the recovery
    key. [] when every one is signed out. Pure."""
    live = [device for device in before if device.id and not device.signed_out]
    if not live:
        return []
    revoke = " and ".join(
        command_text(f"tj devices revoke {short_id(device.id)}") for device in live
    )
    which = "that device" if len(live) == 1 else "one of these devices"
    if any(device.by_recovery_key for device in live):
        then = command_text("tj recovery-key new --sign-out-others")
    else:
        then = command_text("tj password change --sign-out-others")
    return [f"If you do not know {which}: sign it out with {revoke}, then run {then}."]


def results_only(report: SyncReport, journal_id: str) -> bool:
    """Whether what this sync brought of the journal (`journal_id`, hex) holds questionnaire
    results and no entry (`tj measure share` shares a result into a journal kept for the
    therapist): its notice then names `tj measure list`, not a `tj list` that shows nothing.
    Pure."""
    kinds = {a.kind for a in report.arrivals.values() if a.journal_id.hex() == journal_id}
    return "measure" in kinds and "entry" not in kinds


def tell_departures(report: SyncReport) -> None:
    """Print `departure_lines` on stderr. A sync reports each departure once, so every
    command that syncs calls this (or prints the whole report): a notice used up by a
    command that did not show it would never be seen (R22 F4). Each wrapped at the
    terminal's width under its "Notice: " as a warning is (NU47 #14: 354 to 401 columns);
    a command's line after it ("If they did not mean to leave, share again: `tj share ...`")
    stays whole, to copy. Then the sign-ins and credential changes (`sign_in_lines`), also
    told once by the sync that found them, so every command that syncs says them too."""
    for line in departure_lines(report):
        message(line, wrap=line.startswith("Notice: "))
    for line in sign_in_lines(report):
        message(line, wrap=True)


def newly_set_aside(report: SyncReport) -> list[SetAside]:
    """The changes this sync set aside for the first time: those an earlier sync set aside,
    sent again and refused again (`SetAside.refused_before`), were told then (`tj set-aside
    --help`: sync warns once) and are only reminded of (`set_aside_reminder`). Pure."""
    return [record for record in report.set_aside if not record.refused_before]


def set_aside_reminder(report: SyncReport) -> str | None:
    """One line for the changes set aside at an earlier sync that this sync sent again and
    the server refused again (`SetAside.refused_before`), None when there are none: told in
    full when first set aside, they no longer make the command exit 4. Pure."""
    again = {r.doc_id or r.record_id for r in report.set_aside if r.refused_before}
    if not again:
        return None
    count = plural(len(again), "change", "changes")
    were = "was" if len(again) == 1 else "were"
    return (
        f"Reminder: {count} set aside at an earlier sync {were} refused again and "
        f"{'stays' if len(again) == 1 else 'stay'} kept on this device: see "
        f"{command_text('tj set-aside list')}."
    )


def sync_warnings(report: SyncReport) -> None:
    """What a sync settled and what went wrong in it, on stderr, as `tj sync` says it after
    its summary (and `tj login`, `tj recover` after their first sync's): settled lines, set
    aside changes, withheld records, an incomplete pull, refused shares, rolled back chains,
    updates needed, then notices (departures and sign-ins, same names, newer records, upload
    limit)."""
    tell_settled(report)
    for problem in report.problems:
        message(f"Warning: ignored: {problem}")
    for journal in report.incomplete:
        message(f"Warning: incomplete sync: {journal}")
    fresh = newly_set_aside(report)
    if fresh:
        refused = plural(len(fresh), "change", "changes")
        message(
            f"Warning: the server refused {refused} for good; they are set aside and kept on "
            f"this device ({command_text('tj set-aside list')}):"
        )
    for record in fresh:
        if record.withdrawal:  # the note stays with its readers: who can remove it (R28 F3)
            said = record.refused_withdrawal
            reason = withdrawal_words(said) if said else record.reason
            message(f"  Withdrawal not delivered: {reason}")
        elif record.reason.startswith(f"{record.journal} "):  # named once (NU54 F20)
            message(f"  {record.reason}")
        else:  # words, never the server's code (`tj set-aside list --json` has it)
            message(f"  {record.journal}: {record.reason}")
    from client_sdk.sync import describe_gap, erased_by_account, erased_text

    for gap in report.withheld:
        message(f"Warning: the server is withholding records: {describe_gap(gap)}")
    for journal_id, author, count in erased_by_account(report.erased):  # once each (NU24 C6)
        names = (report.erased_journals, report.erased_authors)
        message(f"Notice: {erased_text(journal_id, author, count, *names)}", wrap=True)
    for share in report.refused_shares:
        message(f"Warning: {refused_share_line(share)}", wrap=True)
    for rollback in report.rollbacks:
        message(f"Warning: nothing is sent for this journal until it is fixed: {rollback}")
    for chain in report.update_needed:
        message(f"Warning: update the app: {chain}")
    if (reminder := set_aside_reminder(report)) is not None:
        message(reminder, wrap=True)
    if report.held_back:  # one notice for all of them (NU47 #3)
        message(held_back_notice(report.held_back), wrap=True)
    tell_departures(report)
    for same in report.same_names:
        message(f"Notice: {same_name_line(same)}", wrap=True)
    for newer in report.newer:
        message(f"Notice: {newer}", wrap=True)
    if report.upload_limit is not None:
        message(f"Notice: {upload_limit_text(report.upload_limit)}", wrap=True)
