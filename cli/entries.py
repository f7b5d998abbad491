"""Entry commands: write, mood, list, on-this-day, show, edit (delete and the trash are in
cli/trash.py)."""

from __future__ import annotations

import contextlib
import shlex
import sys
from collections.abc import Awaitable, Callable, Iterator, Sequence
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cli import editor, output
from cli.dates import DAY, MOMENT
from cli.homes import profile_words
from cli.main import (
    EMOTION,
    PLAIN_LINE,
    PLAIN_TEXT,
    SYNCED_NOW,
    Home,
    ValueRefused,
    cli,
    default_after_sync,
    default_unconfirmed,
    emotion_option,
    found_after_sync,
    journal_filter_option,
    journal_option,
    json_option,
    pass_home,
    sync_note,
    synced_first,
    tag_filter_argument,
    tags_argument,
)
from cli.paging import LIST_DEFAULT, check_paging, filter_words, shown_count, tell_cut
from cli.tables import FIXED, Column, fitted
from cli.terminal import PROFILE, Failed
from client_sdk import (
    EMOTIONS,
    TRASH_DAYS,
    AccessError,
    JournalArchived,
    NotFound,
    TJError,
    decoded_text,
    departures,
    plain_text,
)
from client_sdk.errors import AMBIGUOUS_ID
from client_sdk.models import MAX_BODY, MAX_TITLE

if TYPE_CHECKING:
    from client_sdk import (
        Client,
        Entry,
        FieldWrite,
        HeldBack,
        Journal,
        ListedEntries,
        MergedText,
        Prompt,
    )

date_option = click.option(
    "--date",
    "created_at",
    type=MOMENT,
    help="When it happened, in local time: 'YYYY-MM-DD HH:MM', YYYY-MM-DD (noon), or "
    "today/yesterday with an optional HH:MM. Default: now.",
)


draft_option = click.option(
    "--draft",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Save a draft the editor left behind (its text above the scissors line); a draft "
    "in the profile's drafts/ folder is deleted once saved (or when it holds no text).",
)


tag_option = click.option(
    "--tag",
    "tags",
    metavar="T",
    multiple=True,
    type=PLAIN_LINE,
    callback=tags_argument,
    help="A tag; repeat for several, or separate them with commas (--tag work,sleep).",
)
"""The tags of a new entry or check-in (`tj write`, `tj mood`), made plain as typed."""


class WriteCommand(editor.DraftHelpCommand):
    """`tj write`: a refused option (`--mood 11`, an unknown option), refused before the
    command runs, keeps the text piped in as a draft as a refused write does (`kept_unsaved`),
    never losing it: stdin is read only where the command would have read it (no TEXT, no
    --draft, no --edit, stdin not a terminal, a profile signed in here)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        given = list(args)  # click's parser takes its words off the list
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as error:
            if not ctx.resilient_parsing:
                self.keep_piped(ctx, given, error)
            raise

    def keep_piped(self, ctx: click.Context, given: list[str], error: click.UsageError) -> None:
        """Keep the text piped in to a `tj write` whose options were refused (`error`) as a
        draft, saying where and with the command that saves it, leaving out what was
        refused."""
        from client_sdk.profile import profile_exists

        home = ctx.find_object(Home)
        if home is None or editor.stdin_is_terminal():
            return
        probe = click.Context(
            self, info_name=ctx.info_name, parent=ctx.parent, resilient_parsing=True
        )
        probe.ignore_unknown_options = True
        try:  # what parses, as the command would have read it; the refused value left out
            super().parse_args(probe, without_unknown(given, error))
        except click.UsageError:
            pass
        params = probe.params
        typed = {  # given, even where its value was refused (`--draft MISSING`)
            name
            for name in ("text", "draft", "use_editor")
            if probe.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE
        }
        if typed:
            return  # stdin was not the entry's text
        try:
            piped = read_stdin()
        except click.ClickException:  # not text: nothing a draft could keep
            return
        if not piped.strip():
            return
        if not profile_exists(home.path):  # never signed in here: no drafts folder to keep it
            printed_back("The text you piped in", piped, signed_in=False)
            return
        fields: dict[str, Any] = {
            "title": params.get("title"),
            "mood": params.get("mood"),
            "tags": list(params.get("tags") or ()),
            "emotions": list(params.get("emotions") or ()),
            "prompt_id": params.get("prompt_id"),
            "created_at": params.get("created_at"),
        }
        save = draft_command(home, params.get("journal_name"), fields)
        param = getattr(error, "param", None)
        named = param.opts[0] if isinstance(param, click.Option) and param.opts else None
        refused = named or getattr(error, "option_name", None) or "what was refused"
        left_out = f"{title_left_out(fields['title'])}; it leaves out {refused}, which was refused"
        said = kept_unsaved(home, piped, save, "The text you piped in", left_out)
        if said:
            output.message(said)


def without_unknown(given: list[str], error: click.UsageError) -> list[str]:
    """`given` without the option an unknown-option `error` names (`--moood 3`), nor the
    word after it when that is not an option (taken as its value: most of `tj write`'s
    options take one), so that neither is read as TEXT. Pure."""
    if not isinstance(error, click.NoSuchOption):
        return list(given)
    name = error.option_name
    for i, word in enumerate(given):
        if word == name or word.startswith(f"{name}="):
            valued = word != name or i + 1 >= len(given) or given[i + 1].startswith("-")
            return given[:i] + given[i + (1 if valued else 2) :]
    return list(given)


@cli.command(cls=WriteCommand)
@journal_option
@click.option("--title", metavar="T", type=PLAIN_LINE, help="A title for the entry.")
@click.option("--mood", type=click.IntRange(1, 10), help="Mood from 1 (worst) to 10 (best).")
@tag_option
@emotion_option
@click.option(
    "--prompt",
    "prompt_id",
    metavar="ID",
    help="The reflection prompt this entry answers (see `tj prompt`); the title defaults "
    "to the prompt.",
)
@click.option(
    "--edit",
    "-e",
    "use_editor",
    is_flag=True,
    help="Write in $EDITOR even when stdin is not a terminal (starting from TEXT if given).",
)
@date_option
@draft_option
@click.argument("text", required=False, type=PLAIN_TEXT)
@json_option
@pass_home
def write(
    home: Home,
    journal_name: str | None,
    title: str | None,
    mood: int | None,
    tags: tuple[str, ...],
    emotions: tuple[str, ...],
    prompt_id: str | None,
    use_editor: bool,
    created_at: datetime | None,
    draft: Path | None,
    text: str | None,
    as_json: bool,
) -> None:
    """Write a new entry: TEXT, or stdin when it is not a terminal, else in $EDITOR.

    In the editor, everything above the scissors line is the entry, verbatim ('#' headings
    included); an empty entry is not saved. The scissors line is exactly:

    \b
      # ------------------------ >8 ------------------------

    Prints the new entry's id alone on stdout (for scripts) and what was saved on stderr
    ('Entry 9a95745b485b ("Tuesday") saved; synced.'). Works offline: the entry is saved on this
    device and synced now if the server is reachable, else at the next `tj sync`.

    \b
    Examples:
      tj write --mood 7 --tag sleep "Slept better today."
      tj write --mood 4 --emotion anxious --emotion tired
      tj write --prompt trust-01 "It was easier once I said it out loud."
      tj write --date "yesterday 21:30" "Couldn't sleep after the call."
      echo "Long day." | tj write --journal Dreams --title Tuesday
      tj write --draft DRAFTS/entry-k2j4.md
    """
    fields: dict[str, Any] = {
        "title": title,
        "mood": mood,
        "tags": list(tags),
        "emotions": list(emotions),
        "prompt_id": prompt_id,
        "created_at": created_at,
    }
    if draft is not None and (text is not None or use_editor):
        raise click.UsageError("--draft saves a draft as it is: give no TEXT and no --edit")
    if draft is not None and not title and not editor.read_draft(draft).strip():
        if editor.discard_draft(home.path, draft):  # NU21 C8: nothing to save in it
            alone = (
                f" (a mood alone: {output.command(['tj', 'mood', str(mood)])})"
                if mood is not None
                else ""
            )
            output.message(
                f"{draft} holds no text above the scissors line: no entry was written{alone}; "
                "the empty draft is deleted."
            )
            return
    opens_editor = draft is None and (use_editor or (text is None and editor.stdin_is_terminal()))
    if title is not None and len(title) > MAX_TITLE and opens_editor:
        raise ValueRefused(  # before anything is written in the editor
            f"{title_too_long(title)}: give a shorter --title; the editor was not opened, "
            "nothing was written"
        )
    save = draft_command(home, journal_name, fields)
    saved: list[Entry] = []  # the entry, once saved on this device
    try:
        with body_of(
            home, text, prompt_id, use_editor, draft, save, saved,
            journal_name=journal_name, left_out=title_left_out(title),
        ) as body:  # kept until saved  # fmt: skip
            if not body.strip() and not title:
                raise click.UsageError(
                    "nothing to write: give TEXT, pipe it on stdin, or give --title "
                    f"(a mood alone: {mood_command(journal_name, fields)})"
                )
            meant = editor.written_for(draft) if draft is not None else None
            checked = partial(
                draft_journal_checked, journal_name, draft, meant, tj=profile_words(home.path)
            )
            entry, note, chose = home.run(
                partial(write_entry, journal_name, body, saved=saved, check=checked, **fields)
            )
    except KeyboardInterrupt:  # before the entry was saved: never "what was saved is kept"
        if not saved:
            output.stopped_unsaved(UNSAVED, replace=False)
        raise
    print_entry_id(entry, as_json)
    output.message(output.saved_text(output.titled("Entry", entry.id, entry.title or ""), note))
    if chose:
        output.message(chose)


async def draft_journal_checked(
    journal_name: str | None,
    draft: Path | None,
    meant: tuple[str, list[str]] | None,
    client: Client,
    *,
    tj: Sequence[str] = ("tj",),
) -> str:
    """Before `tj write --draft FILE` saves the draft at `draft` into `journal_name` (None:
    the default journal): check it against the journal it was written for (`meant`, from
    `editor.written_for`: its --journal word and the words of its own command). Without
    --journal, into another journal than that one (or than one no longer here), it raises
    Failed (subject "draft journal", `cli.main.CLI_SUBJECTS`), naming where it would have
    gone and who reads it there, by this device's verified access chain
    (`client.journals.readers`), and the commands that save it either way: nothing is saved
    (text written for a private journal never goes into the default journal a therapist
    reads without the user naming it). With --journal naming another journal, the user
    chose it: returns the words that say where it went and who reads it there, for after
    the save; "" when it goes where it was written for, or the draft names no journal. A
    target journal that cannot be found is left for the write to refuse.

    A draft that names no journal (no command in it: an older `tj`'s, a file of the user's
    own; or a command without --journal, an older `tj`'s too) goes, without --journal, into
    the default journal only when no one else reads it, saying so after the save; into one
    someone else reads it raises Failed ("draft journal") naming that journal, its readers
    and the commands that save it there or elsewhere (`unnamed_draft_checked`, fix30e)."""
    if draft is None:
        return ""
    if meant is None:
        return await unnamed_draft_checked(journal_name, draft, client, tj)
    word, own = meant
    try:
        target = await client.journals.get(journal_name)
    except TJError as error:
        if default_unconfirmed(error):  # `default_after_sync` syncs, then asks again
            raise
        return ""  # the write refuses it, as it would without a draft
    try:
        written = await client.journals.get(word)
    except TJError:
        written = None
    if written is not None and written.id == target.id:
        return ""
    readers = await client.journals.readers(target.id)
    read_by = f"read by {output.and_words(readers)}" if readers else "read by no one else"
    if written is None:
        was = f"the journal {output.named(word)} (no journal here is named so now)"
    elif written.archived:
        unarchive = output.command(
            ["tj", "journal", "unarchive", output.journal_word(written.name, written.id)]
        )
        was = f"{output.quoted(written.name)} (archived: {unarchive} first)"
    else:
        was = output.quoted(written.name)
    if journal_name is not None:
        return (
            f"The draft was written for {was}; it went into {output.quoted(target.name)} as you "
            f"chose ({read_by})."
        )
    at = own.index("--journal") + 1
    there = [*own[:at], output.journal_word(target.name, target.id), *own[at + 1 :]]
    saves = "" if written is None else f"{output.command(own)} saves it there; "
    raise Failed(
        f"{draft} was written for {was}: without --journal it would go into your default "
        f"journal {output.quoted(target.name)}, {read_by}, so nothing was saved. {saves}to "
        f"save it in {output.quoted(target.name)} all the same, {output.command(there)}",
        "draft journal",
    )


async def unnamed_draft_checked(
    journal_name: str | None, draft: Path, client: Client, tj: Sequence[str]
) -> str:
    """`draft_journal_checked` for the draft at `draft` naming no journal it was written for:
    with --journal (`journal_name`), the user chose: "". Without, into the default journal:
    when someone else reads it (by this device's verified access chain,
    `client.journals.readers`), raises Failed (subject "draft journal") naming the journal,
    its readers and the commands that save it there all the same (by its id) or into the
    journal named (`editor.unnamed_command`; `tj`: the words that start a command for this
    profile); else returns the words that say where it went, for after the save. A default
    journal that cannot be found is left for the write to refuse. A draft kept after its
    --journal was refused (`editor.refused_journal`: as naming several journals, or no
    journal this account may write in, nu80 F1) goes nowhere without --journal: Failed
    ("draft journal") offers the journals those words may name and this account writes in,
    each by words that name it alone (`journals_to_offer`; fix31d), else `--journal NAME`."""
    if journal_name is not None:
        return ""
    refused = editor.refused_journal(draft)
    if refused is not None:
        offered = [
            f"{output.command(editor.unnamed_command(draft, tj, alone))} saves it in "
            f"{output.quoted(name)}"
            for name, alone in await journals_to_offer(refused, client)
        ]
        chosen = output.command(editor.unnamed_command(draft, tj, "NAME"))
        raise Failed(
            f"{draft} was kept when its --journal {output.named(refused)} was refused, "
            f"{editor.refused_why(draft)}, so without --journal nothing was saved: "
            f"{', '.join(offered) or f'{chosen} saves it in the journal NAME you choose'}",
            "draft journal",
        )
    try:
        target = await client.journals.get(None)
    except TJError as error:
        if default_unconfirmed(error):  # `default_after_sync` syncs, then asks again
            raise
        return ""  # the write refuses it, as it would without a draft
    readers = await client.journals.readers(target.id)
    name = output.quoted(target.name)
    why = "names no journal it was written for (made by an older tj, or by hand)"
    if not readers:
        return f"The draft {why}: it went into your default journal {name}, read by no one else."
    there, elsewhere = (
        output.command(editor.unnamed_command(draft, tj, word))
        for word in (output.short_id(target.id), "NAME")
    )
    raise Failed(
        f"{draft} {why}: without --journal it would go into your default journal {name}, "
        f"read by {output.and_words(readers)}, so nothing was saved. To save it there all the "
        f"same, {there}; into another journal, {elsewhere}",
        "draft journal",
    )


def mood_command(journal_name: str | None, fields: dict[str, Any]) -> str:
    """The `tj mood` that saves what a `tj write` with no text was given, as a command span:
    its --mood as the mood, with its emotions, tags, journal and date (`tj mood 4 --emotion
    anxious`); `tj mood N` without a --mood."""
    if fields["mood"] is None:
        return output.command_text("tj mood N")
    words = ["tj", "mood", str(fields["mood"])]
    for emotion in fields["emotions"]:
        words += ["--emotion", emotion]
    for tag in fields["tags"]:
        words += ["--tag", tag]
    if journal_name is not None:
        words += ["--journal", output.journal_word(journal_name)]
    if fields["created_at"] is not None:
        words += ["--date", fields["created_at"].astimezone().strftime("%Y-%m-%d %H:%M")]
    return output.command(words)


def draft_command(home: Home, journal_name: str | None, fields: dict[str, Any]) -> list[str]:
    """The words of the `tj write ... --draft` that saves this command's editor draft with
    the options it was given (journal, title, mood, tags, emotions, prompt, date) and its
    --home when one was given, so that nothing the user chose is lost (NU18 C2). A title
    longer than a title holds (MAX_TITLE) is left out, as it would be refused again
    (`title_left_out` says so)."""
    words = [*profile_words(home.path), "write"]
    if journal_name is not None:
        words += ["--journal", journal_name]
    if fields["title"] is not None and len(fields["title"]) <= MAX_TITLE:
        words += ["--title", fields["title"]]
    if fields["mood"] is not None:
        words += ["--mood", str(fields["mood"])]
    for tag in fields["tags"]:
        words += ["--tag", tag]
    for emotion in fields["emotions"]:
        words += ["--emotion", emotion]
    if fields["prompt_id"] is not None:
        words += ["--prompt", fields["prompt_id"]]
    if fields["created_at"] is not None:  # --date reads local time to the minute
        words += ["--date", fields["created_at"].astimezone().strftime("%Y-%m-%d %H:%M")]
    return [*words, "--draft"]


def title_too_long(title: str) -> str:
    """The words "a title has at most 200 characters (this one has 250)"."""
    return f"a title has at most {MAX_TITLE:,} characters (this one has {len(title):,})"


def title_left_out(title: str | None) -> str:
    """What the command saving a draft says when `draft_command` left the title out, as it
    is longer than a title holds: "; it leaves out the title, as a title has at most 200
    characters (this one has 250): add a shorter --title to it"; "" otherwise."""
    if title is None or len(title) <= MAX_TITLE:
        return ""
    return f"; it leaves out the title, as {title_too_long(title)}: add a shorter --title to it"


@contextlib.contextmanager
def body_of(
    home: Home,
    text: str | None,
    prompt_id: str | None,
    use_editor: bool,
    draft: Path | None,
    save: list[str],
    saved: list[Entry] | None = None,
    *,
    journal_name: str | None = None,
    left_out: str = "",
) -> Iterator[str]:
    """The draft's text (--draft, deleted once the block completes when it is one of the
    profile's drafts); else TEXT; else stdin, kept as a draft if the block fails before the
    entry was saved on this device (`saved` still empty: NU36 #6; once saved, an error
    after, e.g. Ctrl-C during the sync that follows, keeps no copy, which would save the
    entry twice: rev-nu36a R4); else (stdin is a terminal, or --edit) what is
    written in $EDITOR, whose draft is kept if the block fails before the entry was saved
    (editor.drafted, which names `save`, the command that saves it; once saved, it is
    deleted as piped text is). An empty editor aborts. The editor opens only once this
    account may write in `journal_name` (or the prompt's journal: NU38 N1). `left_out` is
    said after the command that saves kept text (`title_left_out`)."""
    if draft is not None:
        yield editor.read_draft(draft)
        editor.discard_draft(home.path, draft)
        return
    from client_sdk.profile import profile_exists

    signed_in = profile_exists(home.path)  # else nothing is kept, and never "signed out"
    if not use_editor and text is not None:
        try:
            yield text
        except KeyboardInterrupt:  # Ctrl-C before it was saved (NU55 F3): kept as piped text is
            if text.strip() and saved is not None and not saved:
                said = kept_unsaved(
                    home, text, save, "The text you gave", left_out, signed_in=signed_in
                )
                output.stopped_unsaved(f"{UNSAVED} {said}" if said else UNSAVED)
            raise
        except TJError as error:  # no default journal to write in: kept as piped text is
            if text.strip() and saved is not None and not saved and default_refused(error):
                way_out = UNCONFIRMED_WAY_OUT if default_unconfirmed(error) else DEFAULT_WAY_OUT
                said = kept_unsaved(
                    home, text, save, "The text you gave", f"{left_out}; {way_out}",
                    signed_in=signed_in,
                )  # fmt: skip
                if said:
                    output.message(said)
            raise
        return
    if not use_editor and not editor.stdin_is_terminal():
        piped = read_stdin()
        try:
            yield piped
        except BaseException as error:  # not saved: kept as a draft, never lost (NU36 #6)
            if piped.strip() and not saved:
                note, shows, choose = left_out, None, None
                if isinstance(error, TJError) and journal_refused(error):
                    meant = suggested_journal(home, journal_name, error)
                    shows, note = journal_left_out(save, journal_name, error, left_out, meant)
                    choose = left_out if shows is not None else None
                elif isinstance(error, TJError) and default_refused(error):  # as TEXT's
                    way_out = UNCONFIRMED_WAY_OUT if default_unconfirmed(error) else DEFAULT_WAY_OUT
                    note = f"{left_out}; {way_out}"
                said = kept_unsaved(
                    home, piped, save, "The text you piped in", note, signed_in=signed_in,
                    shows=shows, choose_left_out=choose,
                )  # fmt: skip
                if isinstance(error, KeyboardInterrupt):  # said once, as Ctrl-C's last line
                    output.stopped_unsaved(f"{UNSAVED} {said}" if said else UNSAVED)
                elif said:
                    output.message(said)
            raise
        return
    if text is not None and editor.holds_cut(text):  # NU37 #1: what follows it would be lost
        raise editor.cut_refusal(
            "TEXT",
            f"{output.command_text('tj write TEXT')} without --edit, which saves it as given; nothing was written",
        )
    prompt, journal_id = home.run(partial(editor_start, journal_name, prompt_id))
    with_journal_id(save, journal_id)
    kept = () if saved is None else saved
    tj = profile_words(home.path)
    with editor.composed(home.path, prompt, text or "", save, kept, tj) as (_, written):
        body = editor.strip_comments(written)
        if body.strip():
            yield body
            return
    raise Failed("aborting: the entry is empty, nothing was saved", "empty entry")


UNSAVED = "Stopped before the entry was saved: nothing was written."
"""What `tj write` stopped by Ctrl-C before its entry was saved on this device says (NU55
F3: it said "what this device had saved is kept; `tj sync` sends what waits", read as the
entry being queued)."""


def kept_unsaved(
    home: Home,
    text: str,
    save: list[str],
    what: str,
    left_out: str = "",
    *,
    signed_in: bool = True,
    shows: list[str] | None = None,
    choose_left_out: str | None = None,
) -> str | None:
    """`text`, not saved, kept as a new draft of the profile: the sentence saying where and
    the command that saves it (`save`, `draft_command`'s words, the journal it was written
    for included), starting with `what` ("The text you piped in"); None when it could not be
    kept (said on stderr at once, with why; no profile to keep it in: the text itself
    follows, as it is in no file, `printed_back`, `signed_in` saying whether this device had
    an account when the command started). `left_out` follows the command
    (`title_left_out`). The draft carries `save` below its scissors line
    (`editor.kept_with_command`): a later reminder, `tj logout` and `tj write --draft`
    know the journal it was written for (`draft_journal_checked`: never saved into the
    default journal by itself, which a therapist may read); but a
    text holding the scissors line, which the draft keeps as it is (`editor.kept_as_draft`),
    saved by `save` reading it on stdin. `shows`: the command said instead of `save` (words
    before the draft's path, as `save`'s), when `save` would be refused as it is
    (`journal_left_out`).

    --journal words that name several journals here (SEVERAL_SUBJECTS: AMBIGUOUS_ID, "same
    name") are never kept in the draft's command, which then names no journal and records
    them apart (`editor.kept_with_command`'s `refused`): no later reminder, `tj logout` or
    `tj write --draft` repeats them (fix31d). Nor are words refused otherwise, for which
    the refusal says `--journal NAME` (`shows` given: no journal so named, a typo, or one
    shared read-only; `journal_left_out`), recorded as naming no journal this account may
    write in (nu80 F1: the reminder said the typo again). With `choose_left_out` (what follows each
    command: `title_left_out`'s), the journals they may name that this account writes in
    are each offered by words that name it alone, its id or its exact name
    (`journals_to_offer`), instead of `shows`."""
    whole = editor.holds_cut(text)
    named = journal_named_in(save)
    refused = None  # --journal words naming several journals here: never kept as they are
    several = False
    if "write" in save:
        prompt_id = word_after(save, "--prompt")
        try:  # the journal it was written for, by id in its command (`with_journal_id`)
            with_journal_id(save, home.run(partial(journal_id_word, named, prompt_id)))
        except TJError as error:
            if named is not None and error.subject in SEVERAL_SUBJECTS:
                refused, several = named, True
        except (Exception, KeyboardInterrupt):  # stopped: kept as it was named
            pass
        if refused is None and named is not None and shows is not None:
            refused = named  # refused otherwise: no such journal, one read-only (nu80 F1)
    kept = save if refused is None else without_journal(save)
    try:
        if whole:
            path = editor.kept_as_draft(home.path, text)
        else:
            path = editor.kept_with_command(home.path, text, kept, refused, several=several)
    except editor.SignedOut:  # no profile to keep it in: printed back, in no file
        printed_back(what, text, signed_in=signed_in)
        return None
    except OSError as error:  # the original error is the one raised (R4)
        click.echo(
            f"{what} was not saved, and could not be kept as a draft ({error.strerror or error}).",
            err=True,
        )
        return None
    said = save if shows is None else shows
    saves = f"{output.command([*said, str(path)])} saves it{left_out}"
    if several and refused is not None and choose_left_out is not None and not whole:
        offered = offered_commands(home, refused, kept, path, choose_left_out)
        saves = offered or saves
    if len(text) > MAX_BODY:  # saved as it is, it is refused again (NU38 N5)
        saves = f"shorten it to {MAX_BODY:,} characters, then {saves}"
    elif whole:  # --draft keeps what is above it (NU37 #1)
        saves = (
            f"{output.command_text(f'{shlex.join(said[:-1])} < {shlex.quote(str(path))}')} saves it "
            f"whole, the scissors line in it included; delete the file after{left_out}"
        )
    return f"{what} was not saved; it is kept in {path} ({saves})."


JOURNAL_SUBJECTS = frozenset(
    {
        "journal",
        "id too short",
        AMBIGUOUS_ID,
        "yours and theirs",
        "same name",
        "brief not journal",
        "ended brief",
        "copy journal",
        "items journal",
        "kept copy",
    }
)
"""The subjects (`TJError.subject`) of a write refused because of the journal it goes to (no
such journal, a name naming several, words naming one journal and starting another's id, a
brief or a copy named), besides an AccessError (a
journal shared read-only, a share that ended, an archived journal: `journal_refused`)."""


SEVERAL_SUBJECTS = frozenset({AMBIGUOUS_ID, "same name", "yours and theirs"})
"""The subjects of words that name several journals here (`JOURNAL_SUBJECTS`): words that no
command said for a draft repeats (`kept_unsaved`, fix31d), unlike a name no journal bears
yet, which names its journal once made."""


DEFAULT_SUBJECTS = frozenset({"no default journal", "shared default"})
"""The subjects (`TJError.subject`) of a call naming no journal refused because this device
has no default journal to write in (`default_refused`)."""

DEFAULT_WAY_OUT = "add --journal NAME to it, or choose your default journal first"
"""What follows the command that saves text kept when there was no default journal."""

UNCONFIRMED_WAY_OUT = "run it once this device has synced"
"""What follows the command that saves text kept when the default journal awaited its first
sync (`default_unconfirmed`)."""


def default_refused(error: TJError) -> bool:
    """Whether a call naming no journal was refused for want of a default journal: none
    here (`DEFAULT_SUBJECTS`), or one not confirmed by a sync yet (`default_unconfirmed`)."""
    return error.subject in DEFAULT_SUBJECTS or default_unconfirmed(error)


def journal_refused(error: TJError) -> bool:
    """Whether a new entry was refused because of its journal (`JOURNAL_SUBJECTS`, or an
    AccessError: this account may not write there), not for its text or the network."""
    return isinstance(error, AccessError) or error.subject in JOURNAL_SUBJECTS


def journal_left_out(
    save: list[str],
    journal_name: str | None,
    error: TJError,
    left_out: str,
    meant: tuple[str, str] | None = None,
) -> tuple[list[str] | None, str]:
    """For a write refused because of its journal (`journal_refused`): the command said
    for the text kept (None: `save`, `draft_command`'s words, as it is) and what follows it
    (`left_out`, `title_left_out`'s). The draft keeps `save`, the journal it was written for
    included: it never goes to another journal by itself (a command leaving out --journal
    would save text written for a private journal in the default one, which a therapist may
    read). A --journal that was archived: `save` saves it once the journal is
    unarchived (that command named first); another --journal refused (no such journal, one
    shared read-only) is said as --journal NAME, for the user to choose where it goes, as
    `save` would be refused again, or, when the refusal offered one journal this account
    writes in (`meant`: its name and the words naming it, `suggested_journal`), as naming
    that one (nu81 F10: "did you mean 'Dreams'?" then a command naming NAME). With no
    --journal (the default journal refused), `save` is said as it is, another --journal
    being the way out. Pure."""
    if isinstance(error, JournalArchived):
        word = output.journal_word(error.journal, error.journal_id)
        unarchive = output.command(["tj", "journal", "unarchive", word])
        if journal_name is None:
            return None, (
                f" once you run {unarchive} first{left_out}; give another --journal to save it "
                "elsewhere"
            )
        return None, (
            f" in {output.named(error.journal)} once you run {unarchive} first{left_out}; "
            "to save it in another journal, give that one after --journal instead"
        )
    if journal_name is None:
        return None, f"{left_out}; give another --journal to save it elsewhere"
    at = save.index("--journal")
    given = output.named(journal_name)
    if meant is not None:
        shows = [*save[: at + 1], meant[1], *save[at + 2 :]]
        return shows, f" in {output.quoted(meant[0])}{left_out}; --journal {given} was refused"
    shows = [*save[: at + 1], "NAME", *save[at + 2 :]]
    return shows, (f" in the journal NAME you choose{left_out}; --journal {given} was refused")


def suggested_journal(
    home: Home, journal_name: str | None, error: TJError
) -> tuple[str, str] | None:
    """The journal a refusal of `journal_name` as naming no journal offered ("did you mean
    'Dreams'?", `did_you_mean`'s rule), when it is one this account may write a new entry in:
    its name and the words naming it alone (`journals_to_offer`); None else, or when the
    journals cannot be read now (nu81 F10)."""
    from client_sdk.models import close_names, quoted_name

    if journal_name is None or error.subject != "journal" or "did you mean" not in str(error):
        return None

    async def meant(client: Client) -> tuple[str, str] | None:
        names = [j.name for j in await client.journals.list()]
        close = close_names(journal_name, names)
        if len(close) != 1 or f"did you mean {quoted_name(close[0])}?" not in str(error):
            return None
        offered = await journals_to_offer(close[0], client)
        return offered[0] if len(offered) == 1 else None

    try:
        return home.run(meant)
    except (Exception, KeyboardInterrupt):
        return None


def without_journal(save: list[str]) -> list[str]:
    """`save`, the words of a `tj ... --draft`, without its --journal and the word after it.
    Pure."""
    if "--journal" not in save:
        return list(save)
    at = save.index("--journal")
    return [*save[:at], *save[at + 2 :]]


def offered_commands(
    home: Home, words: str, save: list[str], path: Path, left_out: str
) -> str | None:
    """The commands that save the draft at `path` into each journal `words` (a --journal
    refused as naming several journals) may name where this account writes
    (`journals_to_offer`), `save` (naming no journal) with --journal and the words that
    name it alone: "`tj write --journal 5721feeb0a1b --draft PATH` saves it in '5721',
    `tj write --journal Work --draft PATH` saves it in 'Work'", then `left_out` and that
    `words` were refused; None when there are none, or they cannot be read now."""
    try:
        offered = home.run(partial(journals_to_offer, words))
    except (Exception, KeyboardInterrupt):
        return None
    if not offered:
        return None
    spans = [
        f"{output.command([*editor.with_journal(save, alone), str(path)])} saves it in "
        f"{output.quoted(name)}"
        for name, alone in offered
    ]
    return (
        f"{', '.join(spans)}{left_out}; --journal {output.named(words)} was refused, as it "
        "names more than one journal"
    )


async def journals_to_offer(words: str, client: Client) -> list[tuple[str, str]]:
    """Each journal that `words` may name here (`client.journals.named_by`) and this account
    may write a new entry in (`client.entries.check_writable`), as (its name, the words that
    name it alone: `command_name`, its exact name or its id). Works offline."""
    from client_sdk.journals import command_name

    offered = []
    for journal in await client.journals.named_by(words):
        try:
            await client.entries.check_writable(journal.id)
        except TJError:
            continue
        offered.append((journal.name, await command_name(client.journals, journal.id)))
    return offered


def printed_back(what: str, text: str, *, signed_in: bool) -> None:
    """Say on stderr that `text` (`what`: "The text you piped in") was not saved and is kept
    in no file, as this device has no account to keep a draft in, and print it back, as
    given: never signed in here (`signed_in` False: "(no account on this device)"), or
    signed out meanwhile (a `tj logout` or `tj account delete` run while this command ran).
    The sentence goes through `output.message`, which writes its commands in backticks."""
    if signed_in:
        why = (
            f", and this device was signed out meanwhile ({output.command_text('tj logout')} "
            f"or {output.command_text('tj account delete')}), so it is not kept on this device. "
            "Here it is, as given:"
        )
    else:
        why = " (no account on this device, so it is not kept on it); here it is, as given:"
    output.message(f"{what} was not saved{why}")
    click.echo(text, err=True)  # as given, line breaks kept


def read_stdin() -> str:
    """stdin as text (UTF-8, or UTF-16/UTF-32 with a byte order mark: `decoded_text`), made
    plain (`plain_text`: a leading byte order mark removed, CRLF and
    lone CR read as a line break, as a Windows file or clipboard gives them: NU33 #1), without
    the line breaks that end it; bytes that are not UTF-8 are a one-line error, not a
    traceback."""
    data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read()
    if isinstance(data, str):
        return plain_text(data).rstrip("\n")
    try:
        return plain_text(decoded_text(data)).rstrip("\n")
    except UnicodeDecodeError as error:
        raise Failed(
            f"stdin is not UTF-8 text (byte {error.start + 1} is not): convert it first, e.g. "
            f"{output.command_text(f'iconv -f latin1 -t utf-8 FILE | {PROFILE.get()} write')} "
            "for a Latin-1 (Windows-1252) file; "
            "nothing was saved",
            "file",
        ) from None


async def editor_start(
    journal_name: str | None, prompt_id: str | None, client: Client
) -> tuple[Prompt | None, str | None]:
    """The prompt a new entry answers (None without one), once this account may write in
    the journal the entry goes to (`journal_name`, else the prompt's, else the default):
    before the editor opens, not after the user wrote in it (NU38 N1: a therapist with a
    read share wrote a text that was then refused, with a draft no command could save);
    and the id (shortened) of the journal it goes to, `journal_name`'s, the therapist's
    prompt's or the default's, for the draft's command (`with_journal_id`: a prompt's draft
    names its journal too, fix30e item 2). Raises what `Entries.check_writable` raises, and
    NotFound for an unknown prompt."""
    prompt = await prompt_after_sync(prompt_id, client) if prompt_id else None
    journal = journal_name or (prompt.journal if prompt is not None else None)
    await default_after_sync(lambda c: c.entries.check_writable(journal), client)
    if journal_name is None and prompt is not None and prompt.journal_id is not None:
        return prompt, output.short_id(prompt.journal_id)
    return prompt, output.short_id((await client.journals.get(journal_name)).id)


async def journal_id_word(journal_name: str | None, prompt_id: str | None, client: Client) -> str:
    """The id, shortened, of the journal `journal_name` (as `Journals.get` takes it; None:
    the journal of the therapist's prompt `prompt_id` answers, as `Entries.write` writes
    there, else the default journal) (`with_journal_id`). Raises what `Journals.get` and
    `Prompts.get` raise."""
    if journal_name is None and prompt_id is not None:
        prompt = await client.prompts.get(prompt_id)
        if prompt.journal_id is not None:  # a therapist's: its journal (fix30e item 2)
            return output.short_id(prompt.journal_id)
    return output.short_id((await client.journals.get(journal_name)).id)


def journal_named_in(save: list[str]) -> str | None:
    """The --journal word of `save`, the words of a `tj ... --draft`; None without one."""
    return word_after(save, "--journal")


def word_after(save: list[str], option: str) -> str | None:
    """The word after `option` in `save`, the words of a `tj ... --draft`; None without
    one."""
    if option not in save:
        return None
    at = save.index(option) + 1
    return save[at] if at < len(save) else None


def with_journal_id(save: list[str], journal_id: str | None) -> None:
    """Name the journal a draft was written for by its id (`journal_id`, shortened, when the
    draft was kept) in `save`, the words of a `tj write ... --draft`: its --journal word
    replaced by the id, or `--journal ID` put in when it names no journal (a therapist's
    prompt's draft too: the id of the prompt's journal). The draft then follows that journal, not a name: once the user
    renames it and gives its old name to another journal, or makes another journal the
    default (one a therapist reads, say), `tj write --draft FILE` without --journal refuses
    to save it elsewhere unasked, and its own command still saves it where it was meant to go
    (`draft_journal_checked`). Nothing for another command's words, or `journal_id` None."""
    if journal_id is None or "write" not in save:
        return
    if "--journal" in save:
        at = save.index("--journal") + 1
        if at < len(save):
            save[at] = journal_id
        return
    at = save.index("write") + 1
    save[at:at] = ["--journal", journal_id]


async def prompt_after_sync(prompt_id: str, client: Client) -> Prompt:
    """The prompt `prompt_id`; one not on this device yet (a therapist sent it since the last
    sync, as they say in session) is looked for again after a sync (NU19 C27). Raises
    NotFound when it is not there either."""
    try:
        return await client.prompts.get(prompt_id)
    except NotFound:
        await synced_first(client, "looking for the prompt in")
        return await client.prompts.get(prompt_id)


async def write_entry(
    journal: str | None,
    body: str,
    client: Client,
    saved: list[Entry] | None = None,
    check: Callable[[Client], Awaitable[str]] | None = None,
    **fields: Any,
) -> tuple[Entry, str, str]:
    """Write the entry, then sync; `saved` gets the entry as soon as it is saved on this
    device (before the sync), so that a failure after that keeps no draft copy of it.
    `check` runs first (`draft_journal_checked`: it may refuse); what it says is returned
    third, for after the saved line."""
    if fields.get("prompt_id"):
        await prompt_after_sync(fields["prompt_id"], client)

    async def checked_write(c: Client) -> tuple[Entry, str]:
        chose = await check(c) if check is not None else ""
        return await c.entries.write(journal, body, **fields), chose

    entry, chose = await default_after_sync(checked_write, client)
    if saved is not None:
        saved.append(entry)
    note = await sync_note(client)
    if fields.get("created_at") is not None:  # dated back: before a copy's start?
        note += "".join(await copies_left_out(client, entry))
    if entry.mood is not None:  # a copy of its mood past its end date does not carry it
        note += "".join(await lapsed_mood_copies(client, entry))
    return entry, note, chose


async def lapsed_mood_copies(client: Client, entry: Entry) -> list[str]:
    """For an entry with a mood in a journal whose copy of some fields carrying mood (`tj
    share --only mood,...`) passed its end date: "; drsmith does not see its mood: your
    share of the mood and scores of Side with them passed its end date (...), and renewing
    it does not send it: `tj share-entry ID drsmith --only mood` sends it". Read from this
    device (the verified chains as the last sync left them); nothing otherwise."""
    found = []
    for share in await client.shares.list(local_only=True):
        if (
            share.kind == "mirror"
            and share.source_id == entry.journal_id
            and share.expired
            and "mood" in (share.fields or ())
        ):
            ended = output.share_end(share.expires_at) if share.expires_at else "its end date"
            sends = ["tj", "share-entry", output.short_id(entry.id), share.member, "--only", "mood"]
            found.append(
                f"; {share.member} does not see its mood: your share of the "
                f"{output.plain_list(share.fields or ())} of {share.source} with them passed its "
                f"end date ({ended}), and renewing it does not send it: "
                f"{output.command(sends)} sends it"
            )
    return found


async def copies_left_out(client: Client, entry: Entry) -> list[str]:
    """For an entry dated before a field-level copy of its journal began (`tj share --only`:
    the copy holds the entries dated from its start), the words saying it is not in that
    copy: "; not in the copy of Personal kept for drsmith, which holds entries dated from
    2026-12-04 18:06" (NU43 #3: the client was told "saved; synced" and the therapist that
    a sync would bring it). Read from this device; nothing when it has no such copy."""
    found = []
    for share in await client.shares.list(local_only=True):
        if (
            share.kind == "mirror"
            and share.source == entry.journal
            and not share.expired
            and share.since is not None
            and entry.created_at < share.since
        ):
            found.append(
                f"; not in the copy of {entry.journal} kept for {share.member}, which holds "
                f"entries dated from {output.local_time(share.since)}"
            )
    return found


async def copy_empty(client: Client, journal: Journal) -> str:
    """What an empty journal this account keeps for a therapist holds, and where to write
    instead (NU46 #4: its empty list said "write one with `tj write`", and an entry written
    there reached the therapist whole): "No entries in 'Personal (mood, tags) for drsmith'
    yet: it holds the mood and tags of the entries of Personal dated from 2026-12-04 18:06,
    copied there when you write them; write in Personal, never in the copy." "" for any
    other journal."""
    if not journal.own or journal.helper not in ("mirror", "items"):
        return ""
    head = f"No entries in {output.quoted(journal.name)} yet"
    whom = journal.kept_for or "your therapist"
    if journal.helper == "items":
        return (
            f"{head}: it holds what you share with {whom} one entry or result at a time "
            f"({output.command_text('tj share-entry')}, {output.command_text('tj measure share')}); write in your own journals, then share "
            "from there."
        )
    for share in await client.shares.list(local_only=True):
        if share.kind == "mirror" and share.journal_id == journal.id and share.source:
            fields = output.and_words(list(share.fields or ())) if share.fields else "some fields"
            since = (
                f" dated from {output.local_time(share.since)}" if share.since is not None else ""
            )
            return (
                f"{head}: it holds the {fields} of the entries of {share.source}{since}, copied "
                f"there when you write them; write in {share.source}, never in the copy."
            )
    return f"{head}: it holds only copies kept for {whom}; write in your own journals."


def print_entry_id(entry: Entry, as_json: bool) -> None:
    if as_json:
        output.print_json(entry.to_dict())
    else:
        output.data(entry.id)


@cli.command()
@click.argument("mood", type=click.IntRange(1, 10))
@emotion_option
@tag_option
@click.option(
    "--note",
    metavar="TEXT",
    default="",
    type=PLAIN_LINE,
    help="A few words, if you like.",
)
@journal_option
@date_option
@json_option
@pass_home
def mood(
    home: Home,
    mood: int,
    emotions: tuple[str, ...],
    tags: tuple[str, ...],
    note: str,
    journal_name: str | None,
    created_at: datetime | None,
    as_json: bool,
) -> None:
    """Check in a MOOD from 1 (worst) to 10 (best), without writing an entry's text.

    The check-in is an entry with a mood (and emotions or tags if given); it counts in
    `tj insights` like any other. Prints its id.

    \b
    Examples:
      tj mood 6 --emotion calm
      tj mood 3 --emotion anxious --emotion tired --tag work
      tj mood 7 --date "yesterday 22:00"
    """
    fields: dict[str, Any] = {
        "mood": mood,
        "tags": list(tags),
        "emotions": list(emotions),
        "created_at": created_at,
    }
    entry, sync, _ = home.run(partial(write_entry, journal_name, note, **fields))
    print_entry_id(entry, as_json)
    said = sync if sync.startswith("saved") else f"saved; {sync}"  # not "saved; saved locally"
    output.message(f"Mood {mood} {said}.")


@cli.command("list")
@journal_filter_option
@click.option("--since", type=DAY, help="Only entries written on or after DATE.")
@click.option("--until", type=DAY, help="Only entries written on or before DATE.")
@click.option(
    "--tag",
    "tags",
    metavar="T",
    multiple=True,
    type=PLAIN_LINE,
    callback=tag_filter_argument,
    help="Only entries with this tag (any case); repeat (or separate with commas) for "
    "entries with any of several.",
)
@click.option(
    "--emotion",
    "emotions",
    type=EMOTION,
    metavar="NAME",  # the names in the help, which click wraps (NU37 #8)
    multiple=True,
    help=f"Only entries with this emotion ({', '.join(EMOTIONS)}); repeat for entries with "
    "any of several.",
)
@click.option(
    "--limit",
    type=click.IntRange(1),
    metavar="N",
    help=f"At most N entries (default {LIST_DEFAULT}; with --json, every entry).",
)
@click.option("--all", "show_all", is_flag=True, help="Every entry that matches.")
@click.option("--oldest-first", is_flag=True, help="Oldest entries first.")
@json_option
@pass_home
def list_entries(
    home: Home,
    journal_name: str | None,
    since: date | None,
    until: date | None,
    tags: tuple[str, ...],
    emotions: tuple[str, ...],
    limit: int | None,
    show_all: bool,
    oldest_first: bool,
    as_json: bool,
) -> None:
    """List entries, newest first, of every journal or of one.

    Shows the newest 20 (the oldest 20 with --oldest-first) and says how many more match,
    with the command (your --journal and filters kept) that shows them; --limit N shows N,
    --all every one. A long list on a terminal opens in a pager ($PAGER,
    else less); piped or redirected, it is printed as is. --json prints every entry that
    matches unless --limit is given. With --journal the table has no journal column.

    DATE is YYYY-MM-DD, today or yesterday; days are the writer's local days.

    \b
    Examples:
      tj list
      tj list --all
      tj list --journal Dreams --json
      tj list --since 2026-10-01 --until 2026-10-31 --tag sleep
      tj list --emotion anxious --limit 5
      tj list --emotion grateful --emotion calm      # entries with either
    """
    check_paging(since, until, limit, show_all)
    shown = shown_count(limit, show_all, as_json)

    async def listing(
        client: Client,
    ) -> tuple[
        ListedEntries,
        list[output.Unverified],
        bool,
        Journal | None,
        Journal | None,
        list[str],
        str,
        list[HeldBack],
        bool,
        bool,
        dict[str, str],
        str,
        list[Entry],
    ]:
        found = await client.entries.list_results(  # the rest counted, not read
            journal_name,
            since=since,
            until=until,
            tag=tags,
            emotion=[emotion.lower() for emotion in emotions],
            limit=shown,
            newest_first=not oldest_first,
        )
        in_view = {entry.journal_id for entry in found.entries}
        journals = await client.journals.list()
        unverified = {j.owner for j in journals if j.id in in_view and not j.owner_verified}
        shared = any(j.role != "owner" for j in journals)  # others' journals, ended or not
        # as it is called, however it was typed ("ben", "BEN/personal": NU30 F2, F9)
        chosen = await client.journals.get(journal_name) if journal_name else None
        ended = await output.ended_copy(client, journal_name)
        # by account, never by username: two accounts may have borne it (NU46 #1)
        others = (  # a client's name named one of theirs: the rest said (NU42 #5)
            sorted(
                j.name
                for j in journals
                if j.owner_id == chosen.owner_id and j.id != chosen.id and not j.own
            )
            if chosen is not None
            and not chosen.own
            and journal_name is not None
            and journal_name.strip().casefold()
            in {chosen.owner.casefold(), owner_named(chosen).casefold()}
            else []
        )
        listed = (found, await output.unverified_owners(client, unverified), shared, chosen)
        kept = await copy_empty(client, chosen) if chosen is not None and not found.total else ""
        erased = ended is not None and any(  # the server's word, kept by the last sync (NU50)
            s.journal_id == ended.id and s.owner_erased
            for s in await client.shares.with_me(refresh=False)
        )
        held = await output.held_back(client, journal_name)
        results = (  # shared with `tj measure share`: results, no entry (NU54 F8)
            chosen is not None
            and chosen.role != "owner"
            and not found.total
            and bool(await client.measures.list(chosen.id, limit=1))
        )
        marks = output.ended_marks(journals)  # as `tj journal list` names them
        near = await near_tags(client, journal_name, tags) if tags and not found.total else ""
        in_trash = (  # a copy of one of yours gone from the server: its trash (NU66 F5)
            [e for e in await client.entries.trashed_in_copies() if e.journal_id == chosen.id]
            if chosen is not None and chosen.own and chosen.read_only_copy and not found.total
            else []
        )
        return (*listed, ended, others, kept, held, erased, results, marks, near, in_trash)

    (
        matching,
        unverified,
        shared,
        chosen,
        ended,
        others,
        kept,
        held,
        erased,
        results,
        marks,
        near,
        in_trash,
    ) = home.read(listing)
    left = output.left_here(marks)  # its JSON says what `tj journal list --json` says
    entries = [output.as_journal_list_says(entry, left) for entry in matching.entries]
    filtered = since is not None or until is not None or bool(tags or emotions)
    empty = (
        f"No entries match.{near}"
        if filtered
        else f"No entries yet: write one with {output.command_text('tj write')}."
    )
    # This command's own sync just ran: "shows after `tj sync`" would send the user to a
    # sync that brings nothing more (NU62 F11); said only when it could not sync.
    context = click.get_current_context(silent=True)
    synced_now = context is not None and bool(context.meta.get(SYNCED_NOW))
    after_sync = (
        "as of a sync just now"
        if synced_now
        else f"what is shared shows after {output.command_text('tj sync')}"
    )
    if not filtered and not journal_name and shared:  # a therapist's (NU29 F5)
        empty = (
            f"No entries yet: nothing shared with you has entries yet ({after_sync}; "
            f"{output.command_text('tj shared-with-me')} lists it), and you wrote none yourself."
        )
    if not filtered and chosen is not None and chosen.own and chosen.role != "owner":
        # one of yours gone from the server: never "what <you> share" (NU56 #10)
        empty = (
            f"No entries in {output.named(chosen.name)}: it is no longer on the server (deleted "
            "on another of your devices, or the server is withholding it), and this device's "
            "read-only copy holds none; if you deleted it, "
            f"{output.command(['tj', 'journal', 'delete', chosen.id[:12]])} removes that copy."
        )
        if in_trash:  # never "holds none" while its trash holds words (NU66 F5)
            n = len(in_trash)
            empty = (
                f"No entries in {output.named(chosen.name)} outside its trash: it is no longer "
                "on the server (deleted on another of your devices, or the server is "
                "withholding it), and this device's read-only copy holds "
                f"{output.plural(n, 'entry', 'entries')} in its trash, which cannot be "
                f"restored ({output.command_text('tj trash')} lists "
                f"{'it' if n == 1 else 'them'}; {output.command_text('tj export --out DIR')} "
                f"keeps {'its' if n == 1 else 'their'} words before "
                f"{output.command(['tj', 'journal', 'delete', chosen.id[:12]])} removes that "
                "copy)."
            )
    elif not filtered and chosen is not None and chosen.role != "owner":  # shared with you
        owner = chosen.owner
        empty = (
            f"No entries in {output.named(chosen.name)}: {owner} shares none there now (as of a "
            "sync just now)."
            if synced_now
            else f"No entries in {output.named(chosen.name)}: what {owner} shares shows after "
            f"{output.command_text('tj sync')}."
        )
        if results:  # what was shared there is questionnaire results
            journal = output.journal_word(chosen.name, chosen.id)
            empty = (
                f"No entries in {output.named(chosen.name)}: {owner} shared questionnaire results there: "
                f"{output.command(['tj', 'measure', 'list', '--journal', journal])}."
            )
        if any(h.journal_id.hex() == chosen.id for h in held):  # `tj sync` brings no more
            empty = (
                f"No entries of {output.named(chosen.name)} downloaded: this device stopped downloading "
                f"what {owner} shares until you compare {owner}'s fingerprint "
                f"({output.command(['tj', 'verify', owner, 'FINGERPRINT'])}; "
                f"{output.their_command(['tj', 'fingerprint', owner])} on their device)."
            )
    if not filtered and ended is not None:  # no `tj sync` brings it anything (NU30 F3)
        empty = output.ended_copy_empty(ended)
    if not filtered and kept:  # kept for a therapist: never `tj write` there (NU46 #4)
        empty = kept
    if as_json or not entries:
        output.show_rows(entries, as_json, output.entries_table, empty)
    else:  # of one journal: no journal column (--journal: NU29 F4; all listed: NU48 #8)
        one_journal = bool(journal_name) or output.all_of_one_journal(matching)
        output.page_table(
            output.entries_table(entries, one_journal=one_journal, tags_first=tags, marks=marks)
        )
    if as_json:
        return
    if ended is not None and entries:  # no journal column says it (NU42 #6)
        why = (
            "no longer served to you (the share ended, or the server is withholding it)"
            if ended.unlisted
            else "the read-only copy of a share that ended"
        )
        # an owner the server says is erased cannot have changed them (NU50 F11)
        after = (
            f"; {departures.erased_words(ended.owner)}"
            if erased
            else f": {ended.owner} may have changed these entries since"
        )
        output.message(
            f"{output.named(ended.name)} is {why}, as this device last synced it{after}.", wrap=True
        )
    if others and chosen is not None:
        output.message(
            f"Listed {output.named(chosen.name)}; {owner_named(chosen)} also has "
            f"{output.and_words([output.quoted(name) for name in others])} on this device (a share "
            "that ended, a copy, a brief): name one to list it."
        )
    if len(entries) < matching.total:  # cut by the default or by --limit: how to see the rest
        # with the options given, or the hint lists every journal's (NU47 #11)
        given = filter_words(
            journal=journal_name or None,
            since=since,
            until=until,
            tag=tags,
            emotion=tuple(emotion.lower() for emotion in emotions),
        )
        given += ["--oldest-first"] if oldest_first else []
        which = "oldest" if oldest_first else "newest"
        command = [*profile_words(home.path), "list", *given]
        tell_cut(len(entries), matching.total, "entries", command, limit is not None, which)
    output.warn_unverified_owners(unverified)
    said = not entries and chosen is not None and any(h.journal_id.hex() == chosen.id for h in held)
    if not said and not filtered:  # entries past where this device stopped (NU47 #2)
        output.warn_held_back(held, "entries")


@cli.command("on-this-day")
@json_option
@pass_home
def on_this_day(home: Home, as_json: bool) -> None:
    """Entries written on today's date in earlier years, newest first.

    \b
    Example:
      tj on-this-day
    """
    entries = home.read(lambda client: client.entries.on_this_day())
    output.show_rows(
        entries, as_json, output.entries_table, "Nothing written on this day in earlier years."
    )


@cli.command()
@click.argument("entry_id", metavar="ID")
@json_option
@pass_home
def show(home: Home, entry_id: str, as_json: bool) -> None:
    """Show one entry, or a brief a client shared with you (ID may be a unique prefix of 4+
    hex digits).

    \b
    Example:
      tj show 3fa9c2
    """

    async def shown(client: Client) -> Entry | BriefView:
        try:
            return await client.entries.get(entry_id, include_trashed=True)
        except NotFound as missing:
            try:
                return await client.briefs.get(entry_id)
            except NotFound as brief_missing:  # an expired brief says so (NU19 C21)
                raise (
                    brief_missing if brief_missing.subject == "ended brief" else missing
                ) from None

    gone: list[str] = []  # ids of this account's journals the server no longer lists

    async def work(client: Client) -> tuple[Entry | BriefView, list[output.Unverified]]:
        from client_sdk.brief import BriefView

        found = await shown(client)
        if isinstance(found, BriefView):
            owner = found.client
        else:
            every = await client.journals.list()
            gone.extend(j.id for j in every if j.own and j.read_only_copy)
            journals = {j.id: j.owner for j in every}
            owner = journals.get(found.journal_id, "")
            # its JSON says what `tj journal list --json` says (a share left: share_ended)
            found = output.as_journal_list_says(found, output.left_here(output.ended_marks(every)))
        # A client whose fingerprint was never compared is said so, as `tj list` and `tj
        # briefs` say it (NU41 #13: `tj show BRIEF` did not).
        return found, await output.unverified_owners(client, [owner])

    found, unverified = home.read(work)
    output.warn_unverified_owners(unverified)
    from client_sdk.brief import BriefView

    if as_json:
        output.print_json(found.to_dict())
    elif isinstance(found, BriefView):
        head = f"brief from {found.client}, shared {output.local_time(found.created_at)}"
        # its lines at the terminal's width, as `tj brief` prints it (NU47 #14)
        output.data(f"{head}\n\n{output.fields_text(found.text.split(chr(10)))}")
    else:
        output.data(output.entry_text(found, gone=found.journal_id in gone))


@cli.command(cls=editor.DraftHelpCommand)
@click.argument("entry_id", metavar="ID")
@click.option("--title", metavar="T", type=PLAIN_LINE, help="New title.")
@click.option("--mood", type=click.IntRange(1, 10), help="New mood from 1 to 10.")
@click.option("--no-mood", is_flag=True, help="Remove the mood.")
@click.option(
    "--body",
    metavar="TEXT",
    type=PLAIN_TEXT,
    help="Replace the text (not with --append).",
)
@click.option(
    "--append",
    metavar="TEXT",
    type=PLAIN_TEXT,
    help="Add TEXT at the end of the text, after one space when neither the text's end nor "
    "TEXT's start is white space (none before a mark such as . , ; : ! ? nor between "
    "Chinese, Japanese or Thai letters; begin TEXT with a new line for a new paragraph).",
)
@click.option(
    "--tag",
    "tags",
    metavar="T",
    multiple=True,
    type=PLAIN_LINE,
    callback=tags_argument,
    help="Add a tag (kept tags stay); repeatable, or several separated with commas.",
)
@click.option(
    "--untag",
    "untags",
    metavar="T",
    multiple=True,
    type=PLAIN_LINE,
    help="Remove a tag (any case, named whole); repeatable.",
)
@emotion_option
@click.option(
    "--date",
    "created_at",
    type=MOMENT,
    help="Move the entry to another moment, in local time: 'YYYY-MM-DD HH:MM', YYYY-MM-DD "
    "(noon), or today/yesterday with an optional HH:MM.",
)
@draft_option
@json_option
@pass_home
def edit(
    home: Home,
    entry_id: str,
    title: str | None,
    mood: int | None,
    no_mood: bool,
    body: str | None,
    append: str | None,
    tags: tuple[str, ...],
    untags: tuple[str, ...],
    emotions: tuple[str, ...],
    created_at: datetime | None,
    draft: Path | None,
    as_json: bool,
) -> None:
    """Change an entry; fields not given stay as they are. Works offline.

    Without any option, opens the text in $EDITOR (on a terminal: without one, e.g. in a
    script, it refuses and changes nothing); saving an unchanged or empty text changes
    nothing. A text that holds the scissors line on a line of its own is not opened in the
    editor, which keeps only what is above it: use --body or --append. --tag adds tags and
    --untag removes them; --emotion replaces the emotions; --no-mood removes the mood (not
    from a mood check-in with nothing else: `tj delete ID`). Text written on two devices at
    once is merged. When two devices change the same field (title, mood, tags, emotions,
    date) while apart, one value is kept everywhere:
    the device whose value was replaced says so at its sync, and `tj history ID` keeps it.

    Prints the entry's id alone on stdout (for scripts) and what was saved on stderr, as
    `tj write` does ('Entry 9a95745b485b ("Tuesday") saved; synced.'); an empty --append
    alone changes nothing and says so, and an empty --body is refused (`tj delete ID` removes
    an entry).

    \b
    Examples:
      tj edit 3fa9c2
      tj edit 3fa9c2 --mood 5 --append "Felt calmer by evening."
      tj edit 3fa9c2 --title "Tuesday" --tag sleep --untag work
      tj edit 3fa9c2 --date "yesterday 21:30"
      tj edit 3fa9c2 --emotion relieved --emotion calm
      tj edit 3fa9c2 --no-mood
      tj edit 3fa9c2 --draft DRAFTS/entry-k2j4.md
    """
    if body is not None and append is not None:  # NU30 F6: never "X Y" silently
        raise click.UsageError("--body replaces the text and --append adds to it: give one")
    if draft is None and body is not None and not body.strip():  # NU38 N7: never wiped silently
        raise ValueRefused(
            "Invalid value for '--body': it is empty, and an entry's text is not emptied "
            f"this way (on every device, with no way back): the entry was not changed; give "
            f"the new text, or, to remove the entry, {output.command(['tj', 'delete', entry_id])} (it stays in the "
            f"trash for {TRASH_DAYS} days)."
        )
    if draft is not None:
        if body is not None or append is not None:
            raise click.UsageError("--draft is the new text: give no --body and no --append")
        body = editor.read_draft(draft)
        if not body.strip():
            deleted = editor.discard_draft(home.path, draft)  # NU21 C8: nothing to save in it
            raise Failed(
                f"{draft} holds no text: the entry was not changed"
                + ("; the empty draft is deleted" if deleted else ""),
                "empty entry",
            )
    others = all(value is None for value in (title, mood, body, created_at)) and not (
        tags or untags or emotions or no_mood
    )
    if others and append is None:
        if not editor.stdin_is_terminal():  # NU31 F3: a script, cron job or pipe has no editor
            raise click.UsageError(
                "nothing to change: give what to change (--body TEXT, --append TEXT, --mood N, "
                f"--title, --tag, ...), or run {output.command_text('tj edit ID')} on a terminal to edit the text in "
                "$EDITOR; the entry was not changed"
            )
        current = home.run(partial(found_after_sync, partial(editable, entry_id)))
        if editor.holds_cut(current.body):  # NU37 #1: what follows it would be lost
            short = output.short_id(current.id)
            raise editor.cut_refusal(
                f"entry {short}'s text",
                f"{output.command(['tj', 'edit', short, '--body', 'TEXT'])} or "
                f"{output.command_text('--append TEXT')}, which keep the text as "
                "given; the entry was not changed",
            )
        edited: list[Entry] = []  # the entry, once changed on this device: no draft kept after
        tj = profile_words(home.path)
        save = [*tj, "edit", entry_id, "--draft"]
        with editor.revised(home.path, current.body, save, edited, tj) as (_, written):
            if written == editor.revise_template(current.body):  # closed without a change
                output.message("No change; the entry stays as it was.")
                return
            body = editor.strip_comments(written)
            # an entry written with CRLF before NU33 #1 comes back plain: unchanged, not saved
            if body.strip() and body != plain_text(current.body).strip("\n"):  # kept on failure
                entry, note = home.run(partial(edit_entry, entry_id, body=body, saved=edited))
                print_edited(entry, note, as_json)
                return
        if not body.strip():
            raise Failed("aborting: the text is empty, the entry was not changed", "empty entry")
        output.message("No change; the entry stays as it was.")
        return
    if others and append == "":  # NU30 F10: not "synced" for nothing done
        found = home.run(partial(found_after_sync, lambda c: c.entries.get(entry_id)))
        output.message(f"Nothing to append: entry {output.short_id(found.id)} is unchanged.")
        return
    changes = partial(
        edit_entry,
        entry_id,
        title=title,
        mood=mood,
        body=body,
        append=append,
        add_tags=list(tags),
        remove_tags=list(untags),
        emotions=list(emotions) if emotions else None,
        created_at=created_at,
        clear_mood=no_mood,
    )

    async def edit_it(client: Client) -> tuple[int | None, tuple[Entry, str]]:
        had = None
        if no_mood:  # said once it is gone: `tj history` holds only this device's edits
            had = (await found_after_sync(lambda c: c.entries.get(entry_id), client)).mood
        return had, await changes(client)

    had_mood, (entry, note) = home.run(edit_it)
    if draft is not None:
        editor.discard_draft(home.path, draft)
    print_edited(entry, note, as_json)
    if no_mood and had_mood is not None:  # what was removed, and how to put it back (NU48 #2)
        output.message(
            f"Removed mood {had_mood}/10: "
            + output.command(["tj", "edit", output.short_id(entry.id), "--mood", str(had_mood)])
            + " puts it back."
        )


async def editable(entry_id: str, client: Client) -> Entry:
    """The entry `tj edit ID` opens in the editor, once this account may change it
    (`Entries.check_editable`): a share's entry is refused before the editor opens, not
    after the user rewrote it (NU38 N1). Raises NotFound, AccessError as that does."""
    found = await client.entries.get(entry_id)
    await client.entries.check_editable(found.id)
    return found


def print_edited(entry: Entry, note: str, as_json: bool) -> None:
    """The id of the entry edited alone on stdout (for scripts), and on stderr what was
    saved as `tj write` says it: 'Entry 9a95745b485b ("Tuesday") saved; synced.' (NU30 F10)."""
    print_entry_id(entry, as_json)
    output.message(output.saved_text(output.titled("Entry", entry.id, entry.title or ""), note))


@cli.command()
@click.argument("entry_id", metavar="ID")
@json_option
@pass_home
def history(home: Home, entry_id: str, as_json: bool) -> None:
    """Show the values this device gave an entry's title, mood, tags, emotions and date,
    oldest first (those given when it was written here, then each edit's; an entry written
    before this version of tj: its first edit's), and what it holds now: when two devices
    changed the same field while
    apart, one value is kept everywhere (`tj sync` says so) and the other stays here. Then
    each time a sync here merged another device's change into the text this device had
    changed (its versions are not kept: `tj show` reads the text as it is now).

    \b
    Example:
      tj history 3fa9c2
    """

    async def work(client: Client) -> tuple[Entry, list[FieldWrite], list[MergedText]]:
        found = await client.entries.get(entry_id, include_trashed=True)
        return (
            found,
            await client.entries.history(entry_id),
            await client.entries.merges(entry_id),
        )

    entry, writes, merges = home.read(work)
    if as_json:
        output.print_json(
            {
                "entry": entry.to_dict(),
                "history": [write.to_dict() for write in writes],
                "merges": [merge.to_dict() for merge in merges],
            }
        )
        return
    merged_lines = [
        f"{output.local_time(m.merged_at or m.at)}: the text was merged with another device's "
        f"change (this device had changed it at {output.local_time(m.at)}); it holds both "
        f"changes in one text: {output.command(['tj', 'show', output.short_id(m.doc_id)])}."
        for m in merges
    ]
    if not writes:
        output.message("This device never changed the title, mood, tags, emotions or date.")
        for line in merged_lines:  # at the terminal's width (NU48 #7)
            output.data(output.fields_text([line]))
        return
    now = {
        "title": entry.title,
        "mood": entry.mood,
        "tags": list(entry.tags),
        "emotions": list(entry.emotions),
        "created_at": int(entry.created_at.timestamp() * 1000),
    }
    columns = [Column("when", FIXED), Column("field", FIXED)]
    table = fitted(
        [*columns, Column("value this device wrote"), Column("now")],
        (
            (
                output.local_time(write.at),
                output.FIELD_WORDS.get(write.field, write.field),
                output.field_value_text(write.field, write.value),
                output.field_value_text(write.field, now.get(write.field)),
            )
            for write in writes
        ),
    )
    output.print_table(table)
    for line in merged_lines:
        output.data(output.fields_text([line]))


async def edit_entry(
    entry_id: str, client: Client, saved: list[Entry] | None = None, **fields: Any
) -> tuple[Entry, str]:
    """Edit an entry (one not on this device yet is looked for after a sync: NU25 C8), then
    push it if the server is reachable; `saved` gets the entry as soon as the change is saved
    on this device (before the sync), as `write_entry`'s does. The entry returned is as that
    sync left it: a title another device gave meanwhile is the one said ("Entry ... ('Session
    one') saved; synced.")."""
    entry = await found_after_sync(lambda c: c.entries.edit(entry_id, **fields), client)
    if saved is not None:
        saved.append(entry)
    note = await sync_note(client)
    with contextlib.suppress(NotFound):  # moved to the trash by that sync: as it was saved
        entry = await client.entries.get(entry.id)
    return entry, note


def owner_named(journal: Journal) -> str:
    """The owner of another account's journal as its name shows them: "ana", or "kim
    (account 1a2b3c4d)" where another account named kim has journals here (NU46 #1)."""
    return journal.name.split("/", 1)[0]


async def near_tags(client: Client, journal: str | None, tags: tuple[str, ...]) -> str:
    """For a `--tag` filter that matched nothing: " No entry is tagged 'slep' (did you mean
    'sleep'?)." for each tag asked that no entry of `journal` (None: any) bears and that is
    close to one some entry bears (`did_you_mean`, at the cutoff `--emotion` uses for short
    words, as `--emotion anxios` gets one), else ""."""
    from client_sdk.models import did_you_mean

    known = {tag for entry in await client.entries.list(journal) for tag in entry.tags}
    said = []
    for tag in dict.fromkeys(t for t in tags if "," not in t):
        hint = "" if tag in known else did_you_mean(tag, known, cutoff=0.75)
        if hint:
            said.append(f" No entry is tagged {output.quoted(tag)}{hint}.")
    return "".join(said)
