"""`tj insights` (numbers and a sparkline in the terminal) and `tj report` (an HTML page)."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.table import Table

from cli import output
from cli.dates import DAY
from cli.main import PLAIN_NAME, Home, cli, json_option, pass_home
from cli.tables import FIXED, ID, NAME, Column, fitted

if TYPE_CHECKING:
    from client_sdk import Client, Insights, Journal
    from client_sdk.insights import GoalStat, MoodGroup, WeekStat
    from client_sdk.patterns import Association, Trend, WeekdayStat

RECENT_WEEKS = 12  # weeks shown in the terminal; --json has them all

since_option = click.option(
    "--since",
    type=DAY,
    metavar="DATE",
    help="Count only entries from this local date on (YYYY-MM-DD, today or yesterday).",
)
journals_option = click.option(
    "--journal",
    "journal_name",
    type=PLAIN_NAME,
    metavar="NAME",
    help='One journal (a shared one is "owner/name"); default: all your journals.',
)


@cli.command()
@journals_option
@since_option
@json_option
@pass_home
def insights(home: Home, journal_name: str | None, since: date | None, as_json: bool) -> None:
    """Mood trend by week, mood by tag and emotion, streak and goal progress.

    Computed on this device from your decrypted entries; the server never sees them. Days
    and weeks are in your local time. A therapist can look at what a client shares with
    them by naming the journal "client/journal".

    \b
    Examples:
      tj insights
      tj insights --journal Personal --since 2025-01-01
      tj insights --journal ana/Personal --json
    """

    async def summary(client: Client) -> tuple[Insights, Journal | None]:
        found = await client.insights.summary(journal_name, since)
        return found, await output.ended_copy(client, journal_name)

    found, ended = home.read(summary)
    if as_json:
        output.print_json(found.to_dict())
        return
    lines = summary_lines(found)
    if not found.entries and ended is not None and since is None:  # no sync brings any
        lines = [output.ended_copy_empty(ended)]  # NU30 F3
    for line in lines:
        output.data(line, wrap=True, prose=True)
    if found.weeks:
        output.print_table(weeks_table(found.weeks[-RECENT_WEEKS:]))
    if len(found.weeks) > RECENT_WEEKS:
        output.message(
            f"showing the last {RECENT_WEEKS} of {len(found.weeks)} weeks; --json has all"
        )
    for title, groups in (("tag", found.by_tag), ("emotion", found.by_emotion)):
        if groups:
            output.print_table(groups_table(title, groups))
    if found.goals:
        output.print_table(goals_table(found.goals))


def summary_lines(found: Insights) -> list[str]:
    from client_sdk.insights import sparkline

    scope = found.journal or "all your journals"
    since = f" since {found.since.isoformat()}" if found.since else ""
    if not found.entries:
        if found.journal and "/" in found.journal:  # shared with you ("owner/name")
            owner = found.journal.split("/", 1)[0]
            return [
                f"No entries in {scope}{since} yet: what {owner} shares shows after {output.command_text('tj sync')}."
            ]
        hint = "" if found.journal else " (a client's journal: --journal OWNER/NAME)"
        return [
            f"No entries in {scope}{since} yet: write one with {output.command_text('tj write')}{hint}."
        ]
    streak = found.streak
    shown = min(len(found.weeks), RECENT_WEEKS)
    recent = f", the last {shown} weeks" if len(found.weeks) > RECENT_WEEKS else ""
    lines = [
        f"{scope}{since}: {output.plural(found.entries, 'entry', 'entries')}, average mood "
        f"{mood(found.mood)}",
        rate_text(found),
        f"mood by week (1-10{recent}): {sparkline(w.mood for w in found.weeks[-RECENT_WEEKS:])}",
        f"streak{' (all your entries)' if found.since else ''}: {days(streak.current)} now, "
        f"longest {days(streak.longest)}, {days(streak.days)} with an entry",
    ]
    if found.trend is not None:
        lines.append(trend_line(found.trend))
    weekday = weekday_line(found.weekdays)
    if weekday:
        lines.append(weekday)
    for what, found_moods in (("tag", found.tag_moods), ("emotion", found.emotion_moods)):
        lines.extend(association_line(what, a) for a in found_moods[:3])
    return lines


def rate_text(found: Insights) -> str:
    """Entries per week and the span they are counted over, e.g. "entries per week: 11.1
    over 12 days, from 2026-11-20"; without --since the span starts on the Monday of the
    first week with an entry among the last 12 (said on a second line)."""
    from client_sdk.insights import RATE_WEEKS

    span = f"over {output.plural(found.rate_days, 'day', 'days')}, from {found.rate_since}"
    if not found.since:
        span += f"\n  (of the last {RATE_WEEKS} weeks, those from the first with an entry)"
    rate = found.weekly_rate  # None over a first week of use, as in the HTML report
    if rate is None:
        return (
            f"entries: {found.rate_entries} {span}\n"
            "  (a rate per week shows once a week of days counts)"
        )
    return f"entries per week: {rate:.1f} {span}"


def trend_line(trend: Trend) -> str:
    """ "last 28 days: 12 entries (9 before), mood 6.2, up 0.8 on the 28 days before"."""
    period = days(trend.days)
    count = output.plural(trend.entries, "entry", "entries")
    text = f"last {period}: {count} ({trend.entries_before} in the {period} before)"
    if trend.mood is not None:
        text += f", average mood {mood(trend.mood)}"
    if trend.change is not None:
        if round(trend.change, 1) == 0:
            text += ", the same as before"
        else:
            direction = "up" if trend.change > 0 else "down"
            text += f", {direction} {abs(trend.change):.1f} on the period before"
    return text


def weekday_line(weekdays: tuple[WeekdayStat, ...]) -> str | None:
    """The best and the hardest weekday by average mood, each with its number of days, once
    two weekdays have moods on MIN_DAYS days each (patterns.weekday_pattern); "not enough
    entries yet" while moods exist but no two weekdays have that many; None without moods."""
    from client_sdk.patterns import MIN_DAYS, weekday_pattern

    found = weekday_pattern(weekdays)
    if found is None:
        if not any(d.mood is not None for d in weekdays):
            return None
        return f"by weekday: not enough entries yet (each weekday needs moods on {MIN_DAYS} days)"
    best, worst = found
    fewest = min(best.mood_days, worst.mood_days)
    return (
        f"by weekday (mood): best {best.weekday}s {mood(best.mood)}, hardest "
        f"{worst.weekday}s {mood(worst.mood)} ({fewest}+ days each)"
    )


def association_line(what: str, found: Association) -> str:
    """ "days with tag sport: mood 7.5 against 5.1 without (4 and 9 days)"."""
    return (
        f"days with {what} {found.name}: mood {mood(found.mood_with)} against "
        f"{mood(found.mood_without)} without ({found.days_with} and "
        f"{days(found.days_without)})"
    )


def weeks_table(weeks: tuple[WeekStat, ...]) -> Table:
    columns = [Column("week", FIXED), Column("from", FIXED), Column("entries", FIXED)]
    return fitted(
        [*columns, Column("mood", FIXED)],
        ((w.week, w.start.isoformat(), str(w.entries), mood(w.mood)) for w in weeks),
        title="By week",
    )


def groups_table(what: str, groups: tuple[MoodGroup, ...]) -> Table:
    """A tag or an emotion, never cut (`fitted` makes it safe: a tag is the user's text)."""
    columns = [Column(what, NAME), Column("entries", FIXED), Column("average mood", FIXED)]
    return fitted(
        columns,
        ((g.name, str(g.entries), mood(g.mood)) for g in groups),
        title=f"Mood by {what}",
    )


def goals_table(goals: tuple[GoalStat, ...]) -> Table:
    """Fitted to the terminal like the other tables: the id and dates are never cut (NU14
    finding 11); the goal's title wraps instead."""
    columns = [ID, Column("goal"), Column("journal", NAME), Column("progress", FIXED)]
    columns += [Column("status", FIXED), Column("target", FIXED), Column("last check-in", FIXED)]
    return fitted(
        columns,
        (
            (
                output.short_id(goal.id),
                goal.title,
                goal.journal,
                goal.progress_text(),
                goal_status(goal),
                goal.target.isoformat() if goal.target else "",
                output.local_time(goal.last_checkin) if goal.last_checkin else "",
            )
            for goal in goals
        ),
        title="Goals",
    )


def goal_status(goal: GoalStat) -> str:
    """ "done", "reached" once its measure's target is met (as `tj goal list` says, NU38 #4),
    "overdue DATE" once its target date passed (NU35 #9), "due DATE" before it, else "open":
    the words of `tj goal list` (NU42 #10: "open" here for a goal it called "due DATE")."""
    from client_sdk.goals import status_words

    reached = goal.fraction is not None and goal.fraction >= 1.0
    return status_words(goal.done, reached, goal.target, date.today())


def mood(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def days(count: int) -> str:
    return f"{count} day{'s' if count != 1 else ''}"


@cli.command()
@click.option(
    "--html",
    "--out",
    "html_file",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    metavar="FILE",
    help="Write the report to FILE (one self-contained HTML page).",
)
@journals_option
@since_option
@json_option
@pass_home
def report(
    home: Home, html_file: Path | None, journal_name: str | None, since: date | None, as_json: bool
) -> None:
    """Write an HTML report: mood over time, entries per week, goal progress.

    One self-contained page with inline charts: no scripts, no network, nothing to
    install. It reads well on a phone and can be printed. The file holds your journal's
    numbers in plain text, so it is made readable only by you.

    \b
    Examples:
      tj report --html report.html
      tj report --html ana.html --journal ana/Personal --since 2025-01-01
    """
    if html_file is None:  # required, and the text version named (NU54 F3)
        raise click.UsageError(
            "Missing option '--html' / '--out': the report is an HTML file "
            f"({output.command_text('tj report --html FILE')}); "
            f"{output.command_text('tj insights')} prints a summary as text."
        )

    async def work(client: Client) -> tuple[str, list[str]]:
        page = await client.insights.report_html(journal_name, since)
        if journal_name is not None:
            return page, []
        # NU52 F10: a therapist's default report covers their own journals only
        shared = await client.shares.with_me(refresh=False)
        return page, [s.journal for s in shared if not s.read_only_copy]

    page, shared = home.read(work)
    descriptor = os.open(html_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(page)
    if as_json:  # the file and the journals shared with you it leaves out
        output.print_json({"action": "wrote report", "file": str(html_file), "not_covered": shared})
    else:
        output.data(str(html_file))
    output.message(f"Wrote the report to {html_file}; open it in any browser.")
    if shared:
        out = str(html_file) if output.pasteable(str(html_file)) else "FILE"
        one = output.command(
            ["tj", "report", "--html", out, "--journal", output.journal_word(shared[0])]
        )
        names = output.named_list([output.named(name) for name in shared])
        output.message(
            f"It covers your own journals, not those shared with you ({names}): {one} writes "
            f"a report of {output.named(shared[0])}.",
            wrap=True,
        )
