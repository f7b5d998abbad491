"""`tj search`: ranked search over the entries on this device, matches highlighted."""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from functools import partial
from typing import TYPE_CHECKING

import click
from rich.table import Table
from rich.text import Text

from cli import output
from cli.dates import DAY
from cli.homes import profile_words
from cli.main import (
    PLAIN_LINE,
    PLAIN_NAME,
    Home,
    cli,
    journal_filter_option,
    json_option,
    pass_home,
    tag_filter_argument,
)
from cli.paging import filter_words
from cli.tables import FIXED, ID, NAME, Column, fitted
from cli.terminal import escape

if TYPE_CHECKING:
    from client_sdk import Client, SearchHit, SearchResults

HIGHLIGHT = "bold yellow"
SEARCH_DEFAULT = 20
"""Matches `tj search` shows without --limit (a screenful, as `tj list`)."""


class SearchCommand(click.Command):
    """`tj search`, whose unknown options are its words (`-work` leaves entries out: NU41
    #13), but for a word before `--` starting with "--" that names none of its options: a
    mistyped option (`--mood 3`, `--sinse DATE`) is refused, naming its options and `--`,
    never searched for as words that then match nothing (nu81 F7)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        known = {name for param in self.params for name in param.opts + param.secondary_opts}
        known.update(ctx.help_option_names)
        for at, arg in enumerate(args):
            if arg == "--":
                break
            name = arg.split("=", 1)[0]
            if name.startswith("--") and len(name) > 2 and name not in known:
                options = ", ".join(
                    option
                    for param in self.params
                    if isinstance(param, click.Option)
                    for option in param.opts
                    if option.startswith("--") and option != "--help"
                )
                # everything she typed, `--` before the word (rev32d F2: the others were lost)
                again = output.command(["tj", "search", *args[:at], "--", *args[at:]])
                raise click.UsageError(
                    f"{output.command_text('tj search')} has no option {name}; its options are "
                    f"{options} ({again} searches for {arg!r} as a word too)",
                    ctx,
                )
        return super().parse_args(ctx, args)


@cli.command(  # NU41 #13: `tj search -work`
    cls=SearchCommand, context_settings={"ignore_unknown_options": True}
)
@click.argument("words", type=PLAIN_NAME, nargs=-1, required=True)  # NU78 F6: unquoted words
@journal_filter_option
@click.option(
    "--tag",
    "tags",
    metavar="T",
    multiple=True,
    type=PLAIN_LINE,
    callback=tag_filter_argument,
    help="Only entries with this tag; repeat (or separate with commas) for entries with any "
    "of several.",
)
@click.option(
    "--since",
    type=DAY,
    metavar="DATE",
    help="Only entries written on or after DATE (YYYY-MM-DD, today or yesterday; local time).",
)
@click.option(
    "--until",
    type=DAY,
    metavar="DATE",
    help="Only entries written on or before DATE (as `tj list --until`).",
)
@click.option(
    "--limit",
    type=click.IntRange(1),
    default=SEARCH_DEFAULT,
    metavar="N",
    help=f"At most N matches, the best first (default {SEARCH_DEFAULT}; with --json too).",
)
@json_option
@pass_home
def search(
    home: Home,
    words: tuple[str, ...],
    journal_name: str | None,
    tags: tuple[str, ...],
    since: date | None,
    until: date | None,
    limit: int,
    as_json: bool,
) -> None:
    """Search your entries for WORDS, best matches first.

    The search runs on this device over your decrypted entries; the server never sees it.
    Several words find the entries holding every one of them (in the title, the text, a
    tag or an emotion), given as one quoted argument or as several (`tj search felt calm
    -work` is `tj search 'felt calm -work'`); `--` before them if one is an option's name
    (`tj search -- --limit`). Words match the start of words, ignoring case and accents ("zurich"
    finds "Zürich");
    Chinese, Japanese and Korean words match anywhere ("公园" finds "我去了公园");
    titles count more than the text. "Quoted words" must appear together, as a phrase;
    -word leaves out entries holding that word (-well-being the hyphenated word,
    -"two words" a phrase); a tag is searched as text is ("care" finds self-care). Shows the best 20 and says how many
    matched, with the command that shows every one (on stderr with --json too); --limit N
    shows N (--json too).

    \b
    Examples:
      tj search "sleep"
      tj search boundaries --journal Therapy --since 2026-01-01
      tj search sleep --until 2026-06-30
      tj search anx --tag work --json
      tj search '"felt calm" walk -work'
    """

    text = " ".join(words)
    given = filter_words(journal=journal_name, since=since, until=until, tag=tags)

    async def searching(client: Client) -> tuple[SearchResults, dict[str, str], int]:
        found = await client.entries.search_results(
            text, journal=journal_name, tag=tags, since=since, until=until, limit=limit
        )
        unfiltered = 0  # what the filters left out, when they left out every match (nu80 F7)
        if given and not found.hits and not as_json:
            unfiltered = (await client.entries.search_results(text, limit=1)).total
        marks = output.ended_marks(await client.journals.list())  # as `tj journal list`
        return found, marks, unfiltered

    found, marks, unfiltered = home.read(searching)
    left = output.left_here(marks)  # its JSON says what `tj journal list --json` says
    hits = [replace(hit, entry=output.as_journal_list_says(hit.entry, left)) for hit in found.hits]
    output.show_rows(
        hits,
        as_json,
        partial(hits_table, marks=marks),
        no_match(text, given, unfiltered, profile_words(home.path)),
    )
    # NU47 #5: 20 of 6,410, said; under --json too, on stderr, its JSON the list it was
    # (nu79 F7: an app could not know that more matched)
    if found.total > len(found.hits):
        every = [*profile_words(home.path), "search", text, *given, "--limit", str(found.total)]
        every += ["--json"] if as_json else []
        output.message(  # a command to paste as it is, as `tj list`'s --all (NU49 F9)
            f"Showing the best {len(found.hits)} of {found.total:,} matches: "
            f"{output.command(every)} shows every one."
        )


def no_match(text: str, given: list[str], unfiltered: int, tj: list[str]) -> str:
    """What `tj search TEXT` says when nothing matched: with filters (`given`, the words of
    the options given), those filters and how many entries match without them, with the
    command that shows them (`tj`: the words that start a command for this profile): "No
    entries match 'sleep' with --since 2027-01-01; 2 do without it: `tj search sleep` shows
    them." (nu80 F7: it said "No entries match 'sleep'." alone, as if none held the word)."""
    head = f"No entries match {output.quoted(text)}"
    if not given:
        return f"{head}."
    options = shlex.join(given)
    it = "it" if len(given) == 2 else "them"
    if not unfiltered:
        return f"{head} with {options}, nor without {it}."
    do, them = ("1 does", "it") if unfiltered == 1 else (f"{unfiltered:,} do", "them")
    shows = output.command([*tj, "search", text])
    return f"{head} with {options}; {do} without {it}: {shows} shows {them}."


def whole_clusters(text: str, spans: tuple[tuple[int, int], ...]) -> list[tuple[int, int]]:
    """`spans` of `text` widened to whole grapheme clusters and joined where they then
    overlap: a match inside an emoji sequence ("💻" in "🧑🏽‍💻") highlights the whole of it,
    never half a cluster, which the table measured as two characters and cut its row's end
    (NU56 #9)."""
    from client_sdk.search import cluster_spans

    return cluster_spans(text, spans)


def highlighted(text: str, spans: tuple[tuple[int, int], ...]) -> str:
    """`text` as rich markup, with the spans emphasised (widened to whole clusters:
    `whole_clusters`) and everything else escaped."""
    pieces = []
    position = 0
    for start, end in whole_clusters(text, spans):
        pieces.append(escape(text[position:start]))
        pieces.append(f"[{HIGHLIGHT}]{escape(text[start:end])}[/]")
        position = end
    pieces.append(escape(text[position:]))
    return "".join(pieces)


def match_text(hit: SearchHit) -> str:
    """The match column's markup: the snippet with its matches highlighted; for a match
    found only in the tags or emotions (nothing to highlight in the text or the title),
    those, highlighted (NU40 #4: the body's start was shown, which holds no match)."""
    if hit.highlights or hit.title_highlights or not (hit.tags_matched or hit.emotions_matched):
        return highlighted(hit.snippet, hit.highlights)
    found = []
    for label, names in (("tag", hit.tags_matched), ("emotion", hit.emotions_matched)):
        if names:
            shown = ", ".join(f"[{HIGHLIGHT}]{escape(name)}[/]" for name in names)
            found.append(f"{label}{'s' if len(names) > 1 else ''}: {shown}")
    return "; ".join(found)


def hits_table(hits: list[SearchHit], marks: Mapping[str, str] | None = None) -> Table:
    """A listing (cli/tables.py): the title on one line, cut with "…"; the match (the SDK's
    snippet around it, on one line already) wraps, so that the match itself is shown. A
    journal is marked as `tj journal list` names it (`marks`: `output.journal_cell`)."""
    columns = [ID, Column("date", FIXED), Column("journal", NAME), Column("title", cut=True)]
    return fitted(
        [*columns, Column("match")],
        (
            (
                output.short_id(hit.entry.id),
                output.local_date(hit.entry.created_at),
                output.journal_cell(hit.entry, marks),
                Text.from_markup(highlighted(hit.entry.title, hit.title_highlights)),
                Text.from_markup(match_text(hit)),
            )
            for hit in hits
        ),
    )
