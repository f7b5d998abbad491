"""Lists newest first, a screenful by default: the options `tj list`, `tj measure list` and
`tj homework list` share (--since, --until, --limit N, --all), and the line under a list cut
short saying how many match and how to see more."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TypeVar

import click

from cli import output
from cli.dates import DAY
from cli.main import ValueRefused

LIST_DEFAULT = 20
"""What a list shows without --limit or --all (a screenful, like `git log`'s pager)."""

F = TypeVar("F", bound=Callable[..., object])


def newest_options(one: str, many: str, done: str) -> Callable[[F], F]:
    """--since, --until, --limit and --all, as `tj list` has them, of a list of `many`
    ("results"; one: "result"), each `done` ("taken") at a time; --json lists every one
    unless --limit is given, as `tj list --json` does."""
    options = [
        click.option("--since", type=DAY, help=f"Only {many} {done} on or after DATE."),
        click.option("--until", type=DAY, help=f"Only {many} {done} on or before DATE."),
        click.option(
            "--limit",
            type=click.IntRange(1),
            metavar="N",
            help=f"At most N {many} (default {LIST_DEFAULT}; with --json, every {one}).",
        ),
        click.option("--all", "show_all", is_flag=True, help=f"Every {one} that matches."),
    ]

    def decorate(command: F) -> F:
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


def check_paging(since: date | None, until: date | None, limit: int | None, show_all: bool) -> None:
    """Usage mistakes of `newest_options` (exit status 2): --limit with --all, --since after
    --until (NU31 F9)."""
    if show_all and limit is not None:
        raise click.UsageError("give --limit N or --all, not both")
    if since is not None and until is not None and since > until:
        raise ValueRefused(
            f"Invalid value for '--since': {since.isoformat()} is after --until "
            f"{until.isoformat()} (--since is the first day listed, --until the last)."
        )


def shown_count(limit: int | None, show_all: bool, as_json: bool) -> int | None:
    """How many a list shows: --limit N, every one with --all or --json, else LIST_DEFAULT."""
    if limit is not None or show_all or as_json:
        return limit
    return LIST_DEFAULT


def tell_cut(
    shown: int, total: int, noun: str, command: list[str], limited: bool, which: str = "newest"
) -> None:
    """Under a list cut to its newest (or `which`) `shown` of `total` `noun` (by the default,
    or by --limit when `limited`), how to see more: `command` is the words that list it again
    ("tj", "measure", "list" and the filters given), each command written whole, as `tj
    list`'s (NU48: "`--all` every one" alone beside it), e.g. "Showing the newest 20 of 1,228
    results: `tj measure list --journal ana --limit N` shows N, `tj measure list --journal
    ana --all` shows every one."."""
    if shown >= total:
        return
    more = "" if limited else f"{output.command([*command, '--limit', 'N'])} shows N, "
    every = output.command([*command, "--all"])
    output.message(
        f"Showing the {which} {shown} of {total:,} {noun}: {more}{every} shows every one."
    )


def filter_words(**given: str | date | tuple[str, ...] | None) -> list[str]:
    """The options given, as words of a command that repeats them: `--journal ana`, `--since
    2026-10-01`, `--tag sleep --tag work` for a tuple (a keyword's underscores are dashes)."""
    words = []
    for name, value in given.items():
        option = f"--{name.replace('_', '-')}"
        if isinstance(value, tuple):
            words += [word for item in value for word in (option, item)]
        elif value is not None:
            words += [option, value.isoformat() if isinstance(value, date) else value]
    return words
