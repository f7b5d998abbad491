"""`tj caseload` (a therapist's clients, who needs attention first), `tj brief` (a client's
pre-session digest, read then shared as one time-boxed item), `tj briefs` and `tj discuss`
(what a client marks to talk about at the next session).

Every command is one SDK call on `client.caseload` or `client.briefs` (client_sdk/practice.py).
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.table import Table

from cli import output
from cli.homes import profile_words
from cli.main import (
    PLAIN_NAME,
    SYNCED_NOW,
    Home,
    cli,
    json_option,
    pass_home,
    sync_note,
    synced_first,
)
from cli.sharing import (
    confirm_fingerprint,
    fingerprint_option,
    no_copy_lines,
    parse_until,
    pinned_on_first_use,
    pinned_unverified_text,
)
from cli.tables import FIXED, ID, NAME, Column, fitted
from cli.terminal import Failed

if TYPE_CHECKING:
    from client_sdk import Client, HeldBack
    from client_sdk.brief import Brief, BriefView, DiscussItem
    from client_sdk.caseload import CaseloadRow, GoalLine, ScoreLine
    from client_sdk.models import Journal
from client_sdk.care_terms import (
    DEFAULT_LOW_MOOD,
    DEFAULT_MOOD_DROP,
    DEFAULT_QUIET_DAYS,
    SAFETY_UNKNOWN,
    SAFETY_UNKNOWN_LINE,
)


@cli.command("caseload")
@click.option(
    "--quiet-days",
    type=click.IntRange(1, 365),
    default=DEFAULT_QUIET_DAYS,
    show_default=True,
    help="Flag a client with no shared entry for this many days.",
)
@click.option(
    "--mood-drop",
    type=click.FloatRange(0.1, 9),
    default=DEFAULT_MOOD_DROP,
    show_default=True,
    help="Flag a fall of mean mood (last 4 weeks against the 4 before) of this many points.",
)
@click.option(
    "--low-mood",
    type=click.IntRange(0, 9),
    default=DEFAULT_LOW_MOOD,
    show_default=True,
    help="Flag a mood (1-10) of this or lower in a shared entry of the last 7 days (0: never). "
    "A prompt to read those entries, not a clinical cut-off.",
)
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write an HTML page here.",
)
@json_option
@pass_home
def caseload(
    home: Home,
    quiet_days: int,
    mood_drop: float,
    low_mood: int,
    html_path: Path | None,
    as_json: bool,
) -> None:
    """Your clients, who needs attention first: safety flags, score changes, mood trend,
    goals, overdue assignments, briefs. Computed on this device from what they shared,
    kept copies of ended shares included.

    Order: unacknowledged safety flags, then PHQ-9 item 9 answered above 0, then reliable
    deterioration or a highest band, then other reasons (a mood drop, a low mood in the last
    7 days such as "mood 2/10 on 2026-12-04", no entry for days, overdue work), then none, then ended
    shares with none of the first three (an ended share never moves those down); within
    each, the most recent signal first.

    A score's "(+3)" is its difference from the client's result before; "reliable
    deterioration" compares their first result of that measure with the latest (the NHS
    Talking Therapies manual's first and last score), however often they took it.

    The "week" column counts a client's shared entries of the last 7 days, today included
    (not the calendar week), in the client's days.

    One row per client account. "ana (?)": you have not compared ana's fingerprint (`tj
    verify`). "kim (account 1a2b3c4d)": one of several accounts this device knows under the
    username kim (one erased, its name taken by someone new since), kept apart so that two
    people never read as one: each that shares nothing now is named with the start of its
    account id.

    \b
    Examples:
      tj caseload
      tj caseload --quiet-days 10 --json
      tj caseload --html caseload.html
    """

    async def work(
        client: Client,
    ) -> tuple[list[CaseloadRow], list[output.Unverified], datetime | None, list[str]]:
        # a share not opened (NU46 #7); a former client's account erased since (NU49 F6)
        await synced_first(client, tell_refused=True, erased_owners=True)
        rows = await client.caseload.list(
            quiet_days=quiet_days, mood_drop=mood_drop, low_mood=low_mood
        )
        unverified = await output.unverified_owners(client, (r.client for r in rows))
        without_copy = no_copy_lines(await client.private_notes.without_copy())
        return rows, unverified, await client.last_synced(), without_copy

    rows, unverified, synced, without_copy = home.run(work)
    if as_json:  # the rows say it each ("fingerprint not verified" in their flags)
        output.warn_unverified_owners(unverified, who="clients")
    if html_path is not None:  # the SDK's words: a page holds no command span (`with_commands`)
        from client_sdk.caseload_html import render_caseload

        page = render_caseload(rows, generated_at=datetime.now().astimezone())
        html_path.write_text(page, encoding="utf-8")
        os.chmod(html_path, 0o600)
        output.message(f"Wrote {html_path}")
    rows = [with_commands(row) for row in rows]
    output.show_rows(rows, as_json, caseload_table, "No client shares a journal with you.")
    if not as_json:  # below the table the safety lines first, then what its marks mean
        from client_sdk.caseload import results_ended_lines

        footer = flag_details(rows, synced)
        unknown = unknown_line(rows)
        footer += [unknown] if unknown else []
        one_by_one = one_by_one_line(rows)
        footer += [one_by_one] if one_by_one else []
        footer += results_ended_lines(rows)
        footer += without_copy
        for line in footer:  # each at the terminal's width, under its client (NU47 #14)
            output.data(output.fields_text([line]), prose=True)
        # once for every client marked "(?)" (NU43 #7: a line each buried the safety flag)
        output.warn_unverified_owners(unverified, who="clients", mark=UNVERIFIED_MARK)
        held = [row.client for row in rows if row.held_back]
        if held:  # their rows count part of what they shared (NU47 #2)
            what = "entries, scores, safety flags and briefs"
            output.message(output.held_back_view_line(held, what), wrap=True)
        for line in goals_and_briefs(rows):
            output.data(output.fields_text([line]), prose=True)


def with_commands(row: CaseloadRow) -> CaseloadRow:
    """The row with the CLI's command in its flags' words (NU45 #4: the SDK's name none):
    "earlier share whose copy you discarded with `tj forget`"."""
    from client_sdk.caseload import COPY_DISCARDED  # not at start-up

    said = f"whose copy you discarded with {output.command_text('tj forget')}"
    flags = tuple(flag.replace(COPY_DISCARDED, said) for flag in row.flags)
    return dataclasses.replace(row, flags=flags) if flags != row.flags else row


def flag_label(flag: str) -> str:
    """A caseload flag's first words, for the table's narrow "flags" column (NU33 #11: on 80
    columns, "safety flag (1 unacknowledged, 1 raised before this share: ...)" wrapped onto
    13 lines): a parenthesis is cut to the number it starts with ("safety flag (1)") or
    dropped ("(retaken since)"), as is the day of an item-9 answer; "ended: ana/Work (mood,
    tags)" (caseload.ENDED_JOURNALS) and "no longer served: ana/Work" (UNLISTED_JOURNALS) are
    whole ("share ended (erased?)" for caseload.ERASED_ENDED, "share no longer served
    (erased?)" for ERASED_UNLISTED, "share no longer served" for UNLISTED_ENDED); "answered above
    0" becomes "above 0"; caseload.HELD_BACK is "not all downloaded" (one line below the
    table names those clients and `tj verify`); "fingerprint not verified" has
    none (the table marks the client's name: UNVERIFIED_MARK, NU34 #9: the flag took a line
    of its own in the column). `flag_details` says the whole flag below the table whenever its
    label leaves more out than that word. Pure."""
    from client_sdk.caseload import (  # not at start-up
        ENDED_JOURNALS,
        ERASED_ENDED,
        ERASED_UNLISTED,
        HELD_BACK,
        UNLISTED_JOURNALS,
        UNVERIFIED,
    )

    if flag.startswith((ENDED_JOURNALS, UNLISTED_JOURNALS)):  # whole: the journals (NU51 F12)
        return flag
    if flag == ERASED_ENDED:  # the server's word, kept in the column (NU43 #8)
        return "share ended (erased?)"
    if flag == ERASED_UNLISTED:
        return "share no longer served (erased?)"
    if flag == HELD_BACK:  # said whole once below the table, for every such client
        return "not all downloaded"
    if flag.startswith("share ends "):  # "share ends 2026-12-05 (end of day)", as `tj
        return flag.split(": ", 1)[0]  # shares` says it (its journal below)
    label, paren, inside = flag.partition(" (")
    if paren:
        count = re.match(r"\d+", inside)
        label += f" ({count.group()})" if count else ""
    if label.startswith("share ended: "):
        label = "share ended"
    label = re.sub(r" on \d{4}-\d\d-\d\d\b", "", label)
    if label == UNVERIFIED:  # said with the client's name: `caseload_table`
        return ""
    return label.replace("answered above 0", "above 0")


def flags_cell(flags: Sequence[str]) -> str:
    """A client's flags in the caseload's column, each by its `flag_label`, a label said of
    several flags once: "2 shares end 2026-12-07 (end of day)" for two shares ending that day
    (their journals are named below the table: `flag_details`), never the same words twice.
    Pure."""
    labels = [label for label in map(flag_label, flags) if label]
    said = []
    for label in dict.fromkeys(labels):
        count = labels.count(label)
        if count > 1 and label.startswith("share ends "):
            label = f"{count} shares end {label.removeprefix('share ends ')}"
        said.append(label)
    return "; ".join(said)


UNVERIFIED_MARK = output.UNVERIFIED_MARK
"""After a client's name in the caseload's table: their fingerprint was never compared here
(one warning below the flags' lines says so for all of them: output.unverified_line)."""


def flag_details(rows: list[CaseloadRow], synced: datetime | None = None) -> list[str]:
    """Below the table, a line for each flag shown shorter in it (`flag_label`), whole:
    "ana: safety flag (1 unacknowledged, 1 raised before this share: earlier share not held
    on this device)"; the safety lines first (`safety_rank`), each group in the rows' order
    (NU43 #7: the one safety line sat among eleven others); a flag other than a safety one
    said alike of several clients is one line naming them ("carla, ben and ana: no longer
    served (...)"). "fingerprint not verified" is not one of them: the name's "(?)" says it,
    and one warning for all (`caseload`); nor is caseload.HELD_BACK, said once for all
    (`output.held_back_view_line`)."""
    from client_sdk.caseload import HELD_BACK, UNVERIFIED
    from client_sdk.models import and_words

    lines: list[tuple[int, str]] = []  # the safety lines, one client's each
    alike: dict[str, list[str]] = {}  # any other flag: the clients it is said of, in order
    for row in rows:
        for flag in row.flags:
            if flag in (UNVERIFIED, HELD_BACK) or flag_label(flag) == flag.replace(
                "answered above 0", "above 0"
            ):
                continue
            rank = safety_rank(flag)
            if rank < 2:
                lines.append((rank, f"{row.client}: {flag}"))
            else:
                alike.setdefault(flag, []).append(row.client)
    lines += [
        (2, f"{and_words(clients)}: {unlisted_as_of(flag, synced)}")
        for flag, clients in alike.items()
    ]
    lines.sort(key=lambda line: line[0])  # stable: the attention order within a rank
    return ["", *(line for _, line in lines)] if lines else []


def unlisted_as_of(flag: str, synced: datetime | None) -> str:
    """`flag`, when it is the server's word that it no longer serves a share (caseload.
    UNLISTED_ENDED, ERASED_UNLISTED, UNLISTED_JOURNALS), with the time it holds as of: this
    device's last sync (`synced`; it records no time a share stopped being served): "share
    no longer served as of the last sync (2026-12-05 10:41) (the server stopped ...)". Any
    other flag as it is. Pure."""
    from client_sdk.caseload import ERASED_UNLISTED, UNLISTED_ENDED, UNLISTED_JOURNALS

    if synced is None or not (
        flag in (UNLISTED_ENDED, ERASED_UNLISTED) or flag.startswith(UNLISTED_JOURNALS)
    ):
        return flag
    when = output.local_time(synced)
    head = "no longer served"
    return flag.replace(head, f"{head} as of the last sync ({when})", 1)


SAFETY_ITEM = re.compile(r"\bitem \d+ answered above 0\b")
"""A flag about a questionnaire's safety item ("PHQ-9 item 9 answered above 0 on ...", "...
invalid result: item 9 answered above 0"), for `safety_rank`."""


def safety_rank(flag: str) -> int:
    """Where a flag's line goes below the caseload's table: 0 for a safety flag, 1 for a
    safety item answered above 0, 2 for any other. Pure."""
    if flag.startswith("safety flag"):
        return 0
    return 1 if SAFETY_ITEM.search(flag) else 2


def goals_and_briefs(rows: list[CaseloadRow]) -> list[str]:
    """Below the table, a line per client with goals or a brief (issue 13; R13 finding 7):
    "ana: goals Walk 25% (checked in 2026-11-30); brief 2026-12-01". Kept out of the table so
    that it fits 80 columns without cutting a name."""
    lines = []
    for row in rows:
        parts = []
        if row.goals:
            parts.append("goals " + "; ".join(goal_words(g) for g in row.goals))
        if row.brief_at is not None:
            parts.append(
                f"brief {output.local_date(row.brief_at)} (see {output.command_text('tj briefs')})"
            )
        if parts:
            lines.append(f"{row.client}: " + "; ".join(parts))
    return ["", *lines] if lines else []


def goal_words(goal: GoalLine) -> str:
    """ "Walk 25% (checked in 2026-11-30)"; no percentage without a measure."""
    done = f" {round(goal.fraction * 100)}%" if goal.fraction is not None else ""
    seen = (
        f"checked in {output.local_date(goal.last_checkin)}" if goal.last_checkin else "no check-in"
    )
    return f"{goal.title}{done} ({seen})"


MOOD_HEADER = "mood 4w, 8w"
"""The header of `tj caseload`'s mood column: the mean mood of the last 4 weeks, then a
sparkline of 8 weeks (`mood_cell`)."""


def caseload_columns() -> list[Column]:
    """The columns of `tj caseload`'s table: flags and scores broken between items only.
    Where the table cannot hold every column, the scores go below each row first (`minor`),
    whatever the flags and scores say: at a given width the flags keep their column from one
    run to the next (NU49 F8: the wider of the two went below, so the flags moved between a
    column and a line below the row as they changed), a flag too long for the column going
    on at a space (`Column.keeps`: nu85 F4, one client's long flags moved every row's)."""
    columns = [Column("client", NAME), Column("flags", NAME, items="; ", keeps=True)]
    columns += [Column("last entry", FIXED), Column("week", FIXED), Column(MOOD_HEADER, FIXED)]
    return [*columns, Column("scores", NAME, items=", ", minor=True), Column("overdue", FIXED)]


def caseload_table(rows: list[CaseloadRow]) -> Table:
    """A client whose fingerprint this device never compared is named "ana (?)", the flag
    said below the table (`flag_details`); flags and scores are broken between items, never
    inside one (a flag whole on its line), and at 80 columns every cell is whole."""
    from client_sdk.caseload import UNVERIFIED

    return fitted(
        caseload_columns(),
        (
            (
                f"{row.client} {UNVERIFIED_MARK}" if UNVERIFIED in row.flags else row.client,
                flags_cell(row.flags),
                row.last_entry_day.isoformat() if row.last_entry_day else "never",
                str(row.entries_this_week),
                mood_cell(row),
                ", ".join(score_cell(s) for s in row.scores),
                str(len(row.overdue)),
            )
            for row in rows
        ),
    )


def mood_cell(row: CaseloadRow) -> str:
    """The mood cell of `tj caseload` (MOOD_HEADER): the mean mood of the last 4 weeks (28
    days, as `--html`'s "mood, 4 weeks" and `--json`'s `mood_recent`), "-" without a mood in
    them, then one character a week for 8 weeks, oldest first: "4.4▃▄▆·▅▇▆▅" (the table had
    the sparkline alone, headed "mood 8 wk", while the README speaks of the 4-week trend). Pure."""
    mean = "-" if row.mood_recent is None else f"{row.mood_recent:.1f}"
    return f"{mean:>3}{row.sparkline}"  # no space: one cell more cost the flags their column


def score_cell(line: ScoreLine) -> str:
    """A score in `tj caseload`'s table: "PHQ-9 8 (-2)"; "PHQ-9 3 (-5; item 9 not shared)"
    for a result shared without its answers (`MeasureResult.safety_unknown`: its low score
    must not read as fine; said whole below the table, `unknown_line`)."""
    from client_sdk.results import unknown_to_reader  # a client's result: never own

    said = [f"{line.change.change:+d}"] if line.change else []
    said += [SAFETY_UNKNOWN] if unknown_to_reader(line.result.safety_unknown) else []
    return f"{line.result.name} {line.result.score}" + (f" ({'; '.join(said)})" if said else "")


def unknown_line(rows: list[CaseloadRow]) -> str | None:
    """Below `tj caseload`'s table when a client's latest PHQ-9 came without its answers:
    who, and what "item 9 not shared" means; None when none did."""
    from client_sdk.models import and_words
    from client_sdk.results import unknown_to_reader  # a client's result: never own

    clients = [
        row.client
        for row in rows
        if any(unknown_to_reader(s.result.safety_unknown) for s in row.scores)
    ]
    if not clients:
        return None
    return f"{and_words(clients)}: {SAFETY_UNKNOWN_LINE}"


def one_by_one_line(rows: list[CaseloadRow]) -> str | None:
    """Below `tj caseload`'s table when a client's scores all came one at a time
    (`CaseloadRow.results_one_by_one`): who, and that a newer result may exist that was not
    shared with you; None when none did."""
    from client_sdk.caseload import ONE_BY_ONE_LINE
    from client_sdk.models import and_words

    clients = [row.client for row in rows if row.results_one_by_one]
    return f"{and_words(clients)}: {ONE_BY_ONE_LINE}" if clients else None


@cli.command("brief")
@click.argument("therapist")
@click.option(
    "--days",
    type=click.IntRange(1, 366),
    default=14,
    show_default=True,
    help="Calendar days the brief covers, today included.",
)
@click.option(
    "--until", metavar="DATE", callback=parse_until, help="Readable until (default: in 14 days)."
)
@click.option(
    "--journal",
    "journal_names",
    multiple=True,
    type=PLAIN_NAME,
    metavar="NAME",
    help="Cover this journal of yours, whole, shared or not (repeatable). Default: only "
    "what you already share with THERAPIST; the brief's Covers: line names them.",
)
@click.option(
    "--yes",
    is_flag=True,
    help="Share without asking (after reading it elsewhere), also when --fingerprint replaces "
    "other keys this device holds for THERAPIST.",
)
@fingerprint_option
@click.option("--trust-on-first-use", is_flag=True, help="Accept the therapist's keys unchecked.")
@json_option
@pass_home
def brief(
    home: Home,
    therapist: str,
    days: int,
    until: datetime | None,
    journal_names: tuple[str, ...],
    yes: bool,
    fingerprint: str | None,
    trust_on_first_use: bool,
    as_json: bool,
) -> None:
    """Before a session: a digest of the last days (mood, scores, goals, homework, what you
    marked with `tj discuss`, and entries of those days tagged "to-discuss") to read, then
    share with THERAPIST as one time-boxed item.

    By default it covers only what you already share with THERAPIST: each journal shared
    whole, and of a journal shared as some fields ("Work (mood, tags) for drsmith") only
    those fields of what that copy holds; an entry marked to discuss there is listed as
    "(text not shared)". --journal names the journals to cover instead (whole, shared or
    not); with nothing shared with THERAPIST, name them. Its "Covers:" line names them.
    It syncs first, so what another device wrote (a PHQ-9, a safety flag) is in it; when the
    server cannot be reached, one line says it shows what this device had at its last sync.
    Once you answer, it syncs again before sharing (a share may have changed meanwhile on
    another device); with --yes, that first sync is the only one before sharing.

    \b
    Examples:
      tj brief drsmith
      tj brief drsmith --journal Personal
      tj brief drsmith --days 7 --until 2027-01-10 --yes
    """
    from client_sdk.models import normalize_username
    from client_sdk.sharing import identity_asked_once

    # the account's identity asked of the server once for the command, each use checking
    # it again (fix31e: it was asked four times)
    click.get_current_context().with_resource(identity_asked_once())
    therapist = normalize_username(therapist)  # the name used, said as such in every line
    pinned_now: list[bool] = []  # --trust-on-first-use took keys never compared: said

    async def prepare(client: Client) -> tuple[Brief, str | None]:
        # What the share would refuse is said before the brief is shown and the question
        # asked (NU19 C16); the SDK checks again before it creates anything. A fingerprint
        # still to compare: the brief is shown to read, and no question asked that would
        # fail after "y" (NU43 #14); with --yes it is refused first.
        from client_sdk import InvalidInput, NetworkError
        from client_sdk.practice import BRIEF_SCOPE
        from client_sdk.sharing import share_expiry

        if until is not None:
            share_expiry(until)
        if therapist == client.username:
            raise InvalidInput("you cannot share a brief with yourself", subject="yourself")
        unknown = None
        try:  # the account exists, before the brief is built and the question asked (NU36 #10)
            await client.shares.fingerprint(therapist)
            if fingerprint is None and not trust_on_first_use:
                await client.shares.check_keys_known(therapist)
            elif fingerprint is None:  # the same question: whether keys are taken on trust
                pinned_now.append(await pinned_on_first_use(client, therapist))
        except NetworkError:
            pass  # offline: the brief can be read; the share says it needs the server
        except InvalidInput as error:
            if error.subject != "fingerprint" or yes:
                raise
            unknown = str(error)
        try:
            prepared = await client.briefs.prepare(
                therapist=therapist, days=days, journals=list(journal_names) or None
            )
            if not journal_names:  # NU52 F3: what the default scope leaves out is said
                own = own_served(await client.journals.list())
                moment = prepared.period_end
                wide = await client.briefs.prepare(journals=own, days=days, now=moment)
                left_out.extend(brief_left_out(prepared, wide))
                separate.extend(brief_left_out(prepared, wide, separately=True))
                for copy in await client.briefs.read_only_copies(days=days, now=moment):
                    held = brief_left_out(prepared, copy, everything=True)
                    if held:  # the server may be withholding it: its item 9 is said
                        in_copies.append((copy.journals[0], held))
        except InvalidInput as error:
            if error.subject != BRIEF_SCOPE:
                raise
            widen = output.command(
                [*profile_words(home.path), "brief", therapist, "--journal", "NAME"]
            )
            theirs = [
                j.name
                for j in await client.journals.list()
                if not j.own and j.owner == therapist and j.helper is None and not j.read_only_copy
            ]
            if theirs and not journal_names:  # NU74 F9: a therapist reading a client's brief
                raise Failed(
                    f"you share no journal with {therapist}: "
                    f"{output.command([*profile_words(home.path), 'brief', therapist])} "
                    f"prepares a brief of your own journals to share with them. "
                    f"{therapist} shares {', '.join(output.quoted(n) for n in theirs)} with "
                    f"you: the briefs {therapist} shared with you are listed by "
                    f"{output.command([*profile_words(home.path), 'briefs'])}, and "
                    f"{output.command([*profile_words(home.path), 'show', 'ID'])} reads one. "
                    f"To share a brief of your own journals with {therapist} all the same: "
                    f"{widen} (repeatable)",
                    error.subject,
                ) from None
            raise Failed(  # NU51 F5: which option chooses the journals
                f"{error}: {widen} (repeatable) covers the journals you name",
                error.subject,
            ) from None
        return prepared, unknown

    left_out: list[str] = []
    separate: list[str] = []  # shared with them one at a time, not in what it covers
    in_copies: list[tuple[str, list[str]]] = []  # read-only copies of journals gone: by name
    # What the client reads (and would share) is the server's latest, not this device's last
    # sync: a PHQ-9 or safety flag written on another device since is in it (NU73 F7).
    # Offline, one line says how old it is (`Home.read`).
    prepared, unknown = home.read(prepare)
    synced_now = bool(click.get_current_context().meta.get(SYNCED_NOW))  # `home.read`'s
    if not as_json:
        output.data(output.fields_text(prepared.text().split("\n")))  # wrapped: NU38 N2
    if (left_out or separate) and not as_json:  # to the client alone: never in its text
        widen = output.command([*profile_words(home.path), "brief", therapist, "--journal", "NAME"])
        if separate:  # shared with them, elsewhere: never "not shared with" (NU64 F3)
            output.message(
                f"\nNot in the journals this brief covers (shared with {therapist} one by one, "
                f"as the brief says): {', '.join(separate)}."
            )
        if left_out:
            output.message(
                f"\nNot in this brief (not shared with {therapist}): {', '.join(left_out)}; "
                f"{widen} (repeatable) covers the journals you name, in full."
            )
    # the same notes for a script (client-only: not in the brief's own dict, never shared),
    # in the brief's object, or in the error object when it is not shared (declined)
    not_in_brief = not_in_brief_rows(left_out, separate, in_copies)
    output.ERROR_EXTRA["not_in_brief"] = not_in_brief
    if as_json:  # read, and not shared (declined, not asked): the brief read, as if shared
        from client_sdk.brief import digest_json

        output.ERROR_EXTRA.update(brief=digest_json(prepared.to_dict()), text=prepared.text())
    if in_copies and not as_json:  # never shareable, never unsaid (a server can withhold)
        for name, held in in_copies:
            output.message(
                f"\nNot in this brief (in {output.quoted(name)}, a read-only copy of a journal "
                f"the server no longer holds: not shareable): {', '.join(held)}."
            )
    if unknown is not None:  # read, not shared: exit status 1, as an unanswered question
        again = [*profile_words(home.path), "brief", therapist]
        if days != 14:  # the same brief: the defaults left out (`--until` is asked again)
            again += ["--days", str(days)]
        for name in journal_names:
            again += ["--journal", name]
        tofu = output.command([*again, "--trust-on-first-use"])
        not_shared = (
            f"Not shared: to share it, {unknown}: "
            f"{output.command([*again, '--fingerprint', 'FINGERPRINT'])} (they see it with "
            f"{output.their_command_text('tj fingerprint')}), or {tofu}."
        )
        output.message(f"\n{not_shared}", wrap=True)
        if as_json:  # the brief read and why it was not shared, as a refusal's object
            output.error_json("fingerprint", not_shared, None, 1)
        raise SystemExit(1)
    confirm_fingerprint(home, therapist, fingerprint, yes)  # keys it replaces: REV-ERASED F2
    # Declined: "Not shared.", exit 0; with --json the "declined" error object, exit 1, as
    # every other command answered "no" under --json (a script reads stdout as JSON).
    if not yes and not output.confirm(
        f"\nShare this brief with {therapist}?", err=True, abort=as_json
    ):
        output.message("Not shared.")
        return

    async def work(client: Client) -> tuple[dict[str, object], str]:
        from client_sdk import InvalidInput
        from client_sdk.practice import BRIEF_SCOPE

        try:
            shared = await client.briefs.share(
                prepared,
                therapist,
                expires_at=until,
                fingerprint=fingerprint,
                trust_on_first_use=trust_on_first_use,
                # --yes: shared the moment it was prepared, right after `home.read`'s sync,
                # which another would repeat (fix31d); read first (or that sync failed),
                # the share syncs again
                sync_first=not (yes and synced_now),
            )
        except InvalidInput as error:  # a share changed elsewhere meanwhile: the command again
            if error.subject != BRIEF_SCOPE:
                raise
            if error.situation is None:  # the name's account changed (rev31d F5)
                widen = [*profile_words(home.path), "brief", therapist, "--journal", "NAME"]
                raise Failed(
                    f"{error}: {output.command(widen)} (repeatable) covers the journals you name",
                    error.subject,
                ) from None
            again = [*profile_words(home.path), "brief", therapist]
            again += [w for name in journal_names for w in ("--journal", name)]
            raise Failed(
                f"{error.situation}: {output.command(again)} prepares it again", error.subject
            ) from None
        return shared.to_dict(), await sync_note(client)

    shared, note = home.run(work)
    if as_json:
        from client_sdk.brief import digest_json

        output.print_json(
            {
                "brief": digest_json(prepared.to_dict()),  # a result's keys as everywhere
                "text": prepared.text(),
                "share": shared,
                "not_in_brief": not_in_brief,
            }
        )
    else:
        ends = datetime.fromisoformat(str(shared["expires_at"])) if shared["expires_at"] else None
        output.message(
            f"Shared the brief with {therapist} until {output.share_end(ends)}."
            if ends
            else f"Shared the brief with {therapist}."
        )
        if any(pinned_now):
            output.message(pinned_unverified_text(therapist), wrap=True)
    output.message(output.note_line(note))


NOT_SHARED = "not shared"
"""`not_in_brief`'s "why": in a journal of the client's not shared with the therapist."""

SHARED_ONE_BY_ONE = "shared one by one"
"""`not_in_brief`'s "why": results shared with the therapist one at a time, elsewhere."""

READ_ONLY_COPY = "read-only copy"
"""`not_in_brief`'s "why": in a read-only copy of a journal the server no longer holds
(deleted on another device, or withheld): never shareable."""


def not_in_brief_rows(
    left_out: list[str], separate: list[str], in_copies: list[tuple[str, list[str]]]
) -> list[dict[str, Any]]:
    """`tj brief --json`'s "not_in_brief": what the client's notes beside the brief say it
    leaves out, one object each: "why" (NOT_SHARED, SHARED_ONE_BY_ONE, READ_ONLY_COPY),
    "journal" (the copy's name; null for the others) and "held" (the note's words: "PHQ-9 of
    2026-12-01", "1 safety item answered above 0", ...). Empty: nothing left out. Pure."""
    rows: list[dict[str, Any]] = []
    if separate:
        rows.append({"why": SHARED_ONE_BY_ONE, "journal": None, "held": separate})
    if left_out:
        rows.append({"why": NOT_SHARED, "journal": None, "held": left_out})
    rows += [{"why": READ_ONLY_COPY, "journal": name, "held": held} for name, held in in_copies]
    return rows


def brief_left_out(
    narrow: Brief, wide: Brief, *, separately: bool = False, everything: bool = False
) -> list[str]:
    """What a brief over the client's own journals (`wide`) holds that the brief limited to
    what a therapist is shared (`narrow`) leaves out, in words for the client alone (NU52
    F3: a PHQ-9 with item 9 above 0 went unsaid): each measure's latest score, safety items
    answered above 0, items marked to discuss. Of the results, only those not shared with
    the therapist at all, and the safety flags of a questionnaire stopped after its safety
    item (no result: "1 safety flag of a questionnaire stopped after it (item 9 answered
    2)"); with `separately`, only those shared with them one at a time
    (`Brief.shared_separately`: the brief names them, "not in the journals this brief
    covers", never "not shared with" them: NU64 F3), and nothing else. With `everything`
    (`wide` is over journals `narrow` cannot cover: read-only copies), each of its scores,
    safety items and marked items is left out, but those shared with them one at a time.
    Pure."""
    if everything:
        narrow = dataclasses.replace(
            narrow, scores=[], safety_items=[], safety_flags=[], to_discuss=[]
        )
    said = []
    apart = {(r["measure"], r["taken_at"]) for r in narrow.shared_separately}
    kept = {score["measure"] for score in narrow.scores}
    for score in wide.scores:
        if score["measure"] not in kept:
            if ((score["measure"], score["taken_at"]) in apart) != separately:
                continue
            taken = datetime.fromisoformat(str(score["taken_at"])).astimezone()
            said.append(f"{score['name']} of {taken.strftime('%Y-%m-%d')}")
    held = {(i["measure"], i["taken_at"]) for i in narrow.safety_items}
    items = sum(
        1
        for item in wide.safety_items
        if (item["measure"], item["taken_at"]) not in held
        and ((item["measure"], item["taken_at"]) in apart) == separately
    )
    if separately:
        if items > 0:
            said.append(
                output.plural(
                    items, "safety item answered above 0", "safety items answered above 0"
                )
            )
        return said
    if items > 0:
        said.append(
            output.plural(items, "safety item answered above 0", "safety items answered above 0")
        )
    # a questionnaire stopped after its safety item leaves a flag and no result: counted
    # apart (a scored flag's answer is among the safety items above)
    flagged = {f.get("id") for f in narrow.safety_flags}
    stopped = [f for f in wide.safety_flags if not f["scored"] and f.get("id") not in flagged]
    if stopped:
        answers = "; ".join(
            f"item {f['item']} answered {f['answer']}" for f in stopped if "answer" in f
        )
        said.append(
            output.plural(len(stopped), "safety flag", "safety flags")
            + " of a questionnaire stopped after it"
            + (f" ({answers})" if answers else "")
        )
    marked = len(wide.to_discuss) - len(narrow.to_discuss)
    if marked > 0:
        said.append(output.plural(marked, "item to discuss", "items to discuss"))
    return said


@cli.command("discuss")
@click.argument("item_id", metavar="[ID]", required=False)
@click.option("--off", is_flag=True, help="Unmark ID.")
@click.option("--clear", is_flag=True, help="Unmark everything (after the session).")
@json_option
@pass_home
def discuss(home: Home, item_id: str | None, off: bool, clear: bool, as_json: bool) -> None:
    """Mark an entry or a note to discuss at your next session; your next `tj brief` lists
    it for your therapist. Without ID: what is marked. Works offline.

    An entry tagged "to-discuss" (`tj write --tag to-discuss`) is in the brief too, but only
    when written within the brief's days (the last 14 by default); `tj discuss` names those
    after what is marked. A mark counts whenever the entry was written, until unmarked.

    \b
    Examples:
      tj discuss 3fa9c2
      tj discuss 3fa9c2 --off
      tj discuss
      tj discuss --clear
    """
    if clear and (item_id or off):
        raise click.UsageError("--clear takes no ID")
    if off and not item_id:
        raise click.UsageError("--off needs the ID to unmark")

    changed: list[str] = []  # what `tj discuss ID` did, said (NU78 F8)

    async def work(client: Client) -> tuple[list[DiscussItem], str, list[str]]:
        if clear:
            cleared = await client.briefs.clear_to_discuss()
            return [], f"Unmarked {output.plural(cleared, 'item', 'items')}.", []
        note = ""
        if item_id:
            before = {item.id: item for item in await client.briefs.to_discuss()}
            item = await client.briefs.mark_to_discuss(item_id, not off)
            after = {item.id for item in await client.briefs.to_discuss()}
            changed.append(discuss_change(home, item_id, item, before, after))
            note = await sync_note(client)
        marked = await client.briefs.to_discuss()
        return marked, note, await tagged_to_discuss(client, marked)

    marked, note, tagged = home.run(work)
    for line in changed:
        output.message(line)
    empty = (
        f"Nothing is marked with {output.command_text('tj discuss')}."
        if tagged
        else "Nothing is marked to discuss."
    )
    output.show_rows(marked, as_json, discuss_table, empty)
    if tagged:
        from client_sdk.brief import DEFAULT_DAYS

        ends = (".", "!", "?", "…")
        listed = tagged[0]
        for item in tagged[1:]:  # "sister. Scary ...", never "sister.; Scary ..."
            listed += (" " if listed.endswith(ends) else "; ") + item
        stop = "" if listed.endswith(ends) else "."  # not "sister.." (NU48 #6)
        output.message(
            f"Also in your next brief where it covers their journal (the last {DEFAULT_DAYS} "
            "days): "
            f'{output.plural(len(tagged), "entry", "entries")} tagged "to-discuss": '
            f"{listed}{stop} A tag counts only for entries of the brief's days; "
            f"{output.command_text('tj discuss ID')} marks one whenever it was written."
        )
    if note:
        output.message(output.note_line(note))


def discuss_change(
    home: Home,
    given: str,
    item: DiscussItem | None,
    before: dict[str, DiscussItem],
    after: set[str],
) -> str:
    """What `tj discuss ID` (`item`: the item it marked) or `tj discuss --off ID` (`item`
    None) did, from the ids marked `before` and `after` it: "Marked entry 3fa9c2d4e5f6 to
    discuss: your next brief lists it (`tj brief THERAPIST`).", "Unmarked entry ...", or
    that nothing changed (NU78 F8: only the table was printed, and `--off` said "Nothing is
    marked" whether it unmarked the item or it was never marked). Pure."""
    if item is not None:
        if item.id in before:
            return f"{item.kind.capitalize()} {output.short_id(item.id)} was already marked to discuss."
        brief = output.command([*profile_words(home.path), "brief", "THERAPIST"])
        return (
            f"Marked {item.kind} {output.short_id(item.id)} to discuss: your next brief lists "
            f"it ({brief})."
        )
    gone = next((before[i] for i in before if i not in after), None)
    if gone is None:
        return f"{given} was not marked to discuss: nothing changed."
    return f"Unmarked {gone.kind} {output.short_id(gone.id)}: your next brief leaves it out."


def own_served(journals: list[Journal]) -> list[str]:
    """The ids (hex) of the journals a brief may cover of `journals`: this account's own,
    neither kept only to share with a member (`helper`) nor a read-only copy of one the
    server no longer holds (`read_only_copy`: a brief refuses it, and
    `client.briefs.read_only_copies` says what it holds). By id, never by name: a copy and
    a journal may bear one."""
    return [j.id for j in journals if j.own and j.helper is None and not j.read_only_copy]


async def tagged_to_discuss(client: Client, marked: list[DiscussItem]) -> list[str]:
    """The entries the next brief (its default days) lists because they are tagged
    "to-discuss", other than those `marked` (NU35 #7: `tj brief` listed a tagged entry
    while `tj discuss` said nothing was marked): each as the brief shows it, its title or
    the start of its text."""
    ids = {item.id for item in marked}
    own = own_served(await client.journals.list())
    if not own:
        return []
    brief = await client.briefs.prepare(journals=own)  # each journal it may cover
    return [
        str(item["title"] or item["preview"])
        for item in brief.to_discuss
        if item["kind"] == "entry" and item["id"] not in ids
    ]


def discuss_table(found: list[DiscussItem]) -> Table:
    columns = [ID, Column("kind", FIXED), Column("written", FIXED), Column("journal", NAME)]
    return fitted(
        [*columns, Column("what", cut=True)],
        (
            (
                output.short_id(item.id),
                item.kind,
                output.writer_time(item, with_offset=False),  # as `tj list` shows it
                item.journal,
                item.title or item.preview,
            )
            for item in found
        ),
    )


@cli.command("briefs")
@json_option
@pass_home
def briefs(home: Home, as_json: bool) -> None:
    """Briefs clients shared with you, newest first (read one with `tj show ID`), with when
    each expires; one whose share is over is listed as expired (or ended) and no longer
    shown. A client sees their own briefs and when each share ends.

    \b
    Example:
      tj briefs --json
    """

    async def work(
        client: Client,
    ) -> tuple[list[BriefView], list[output.Unverified], list[HeldBack], str]:
        await synced_first(client)
        found = await client.briefs.received(include_ended=True)
        unverified = await output.unverified_owners(client, (b.client for b in found))
        return found, unverified, await output.held_back(client), client.username

    found, unverified, held, me = home.run(work)
    output.warn_unverified_owners(unverified)
    output.show_rows(
        found, as_json, lambda rows: briefs_table(rows, me), "No briefs shared with you."
    )
    output.warn_held_back(held, "briefs")  # a brief past the cut cannot show (NU47 #2)


def briefs_table(found: list[BriefView], me: str) -> Table:
    """`tj briefs`: the client first, then the brief's id, when it was shared and when it
    expires. The journal holding each brief is named as the client's app names it ("Brief
    2026-12-05 01:38 for drsmith": its date repeats "shared", `me` is the reader), so it
    has no column (NU47 #14: at 80 columns it took two lines and pushed the client below
    the row), unless one is named otherwise (another app's), when it is shown without its
    "client/" (the client column names them; NU42 #11); --json keeps every name."""
    from client_sdk.journal_meta import names_brief_for

    def named(item: BriefView) -> str:
        return item.journal.removeprefix(f"{item.client}/")

    odd = any(not names_brief_for(named(item), me) for item in found)
    columns = [Column("client", NAME), ID, Column("shared", FIXED), Column("expires", FIXED)]
    return fitted(
        [*columns, *([Column("journal", NAME)] if odd else [])],
        (
            (
                item.client,
                output.short_id(item.id),
                output.local_time(item.created_at),
                brief_end(item),
                *([named(item)] if odd else []),
            )
            for item in found
        ),
    )


def brief_end(item: BriefView) -> str:
    """When a brief's share ends: "2026-12-15 21:14", "never", "EXPIRED 2026-12-01 19:00"
    (local time), or "ENDED" when the client stopped sharing it before its end date."""
    from client_sdk.brief import EXPIRED

    if not item.ended:
        return output.share_end(item.expires_at) if item.expires_at else "never"
    if item.ended == EXPIRED and item.expires_at is not None:
        return f"EXPIRED {output.share_end(item.expires_at)}"
    return "ENDED"
