"""Deleting entries: `tj delete` moves one to the trash (after a confirmation), `tj trash`
lists it for 30 days, `tj restore` brings it back, `tj trash empty` deletes for good."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

import click
from rich.table import Table

from cli import output
from cli.main import Home, cli, found_after_sync, json_option, pass_home, then_sync
from cli.tables import FIXED, ID, NAME, Column, fitted
from client_sdk import TRASH_DAYS

if TYPE_CHECKING:
    from client_sdk import Client, Entry, Recipient


@cli.command()
@click.argument("entry_id", metavar="ID")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation (for scripts).")
@json_option
@pass_home
def delete(home: Home, entry_id: str, yes: bool, as_json: bool) -> None:
    """Move an entry to the trash, on every device. Works offline.

    Asks first (--yes does not), naming each therapist who can read it (in a shared journal,
    or a copy kept for them): who may have received it (their device signed that it had seen
    later records; never proof), who may have, who cannot have yet (nothing of it left this
    device); at their next sync it leaves their view. The entry can be restored with `tj
    restore` for 30 days (their view shows it again); then it is deleted for good.

    \b
    Examples:
      tj delete 3fa9c2
      tj delete 3fa9c2 --yes --json
    """

    async def check(client: Client) -> tuple[Entry, list[Recipient], list[str]]:
        # refused before the question, not after it (NU23 C8)
        found = await client.entries.delete(entry_id, check_only=True)
        return (
            found,
            await client.shares.recipients(found.id),
            await client.shares.former_members(found.id),
        )

    entry, recipients, former = home.run(partial(found_after_sync, check))
    kept = former_text(former, entry.journal)
    said = {"action": "trashed", "entry_id": entry.id, "journal": entry.journal}
    if entry.trashed_at is not None:  # NU38 N4: not "moved" again, nor told again
        # a delete cut short before it reached the copies kept for a therapist finishes
        done, note = home.run(partial(then_sync, lambda client: client.entries.delete(entry_id)))
        named = describe(done)
        left = output.plural(days_left(done), "day", "days")
        output.message(
            f"{named[:1].upper()}{named[1:]} is already in the trash, since "
            f"{output.local_time(entry.trashed_at)} (restore it with "
            f"{output.command(['tj', 'restore', output.short_id(done.id)])} within {left}); {note}."
        )
        if as_json:
            output.print_json(said | {"already": True, "former_members": former})
        return
    if not yes:
        told = output.receipt_lines(
            recipients, "this entry", "moving it to the trash here", trash_after(entry.id)
        )
        output.confirm(
            "\n".join([*told, *kept, f"Move {describe(entry)} to the trash?"]),
            abort=True,
            err=True,
        )
    trashed, note = home.run(partial(then_sync, lambda client: client.entries.delete(entry_id)))
    output.message(
        f"Moved {describe(trashed)} to the trash (restore it with "
        f"{output.command(['tj', 'restore', output.short_id(trashed.id)])} within {TRASH_DAYS} "
        f"days); {note}."
    )
    for line in output.receipt_after_lines(
        recipients,
        f"it leaves their view at their next sync "
        f"({output.command(['tj', 'restore', output.short_id(trashed.id)])} shows it to them "
        "again)",
    ):
        output.message(line)
    for line in kept:
        output.message(line)
    if as_json:
        output.print_json(said | {"already": False, "former_members": former})


def former_text(former: list[str], journal: str) -> list[str]:
    """The line saying that former members of `journal` keep what their devices downloaded
    while their share lasted (`client.shares.former_members`): a trash or delete made here
    does not reach them (NU42 #3); [] when there is none."""
    if not former:
        return []
    who = output.and_words(former)
    return [
        f"{who}, whose share of {journal} ended, keep{'s' if len(former) == 1 else ''} what "
        "their device downloaded while it lasted: this does not remove it there."
    ]


@cli.command()
@click.argument("entry_id", metavar="ID")
@json_option
@pass_home
def restore(home: Home, entry_id: str, as_json: bool) -> None:
    """Take an entry out of the trash.

    \b
    Example:
      tj restore 3fa9c2
    """
    restored, note = home.run(partial(then_sync, lambda client: client.entries.restore(entry_id)))
    output.message(f"Restored {describe(restored)}; {note}.")
    if as_json:
        output.print_json({"action": "restored", "entry_id": restored.id})


@cli.group(invoke_without_command=True)
@json_option
@pass_home
def trash(home: Home, as_json: bool) -> None:
    """List the entries in the trash, with the days left to restore each.

    \b
    Examples:
      tj trash
      tj trash empty --yes
    """
    if click.get_current_context().invoked_subcommand is not None:
        return

    async def both(client: Client) -> tuple[list[Entry], list[Entry]]:
        return await client.entries.trash(), await client.entries.trashed_in_copies()

    entries, copies = home.read(both)
    if entries or not copies or as_json:
        output.show_rows(entries, as_json, trash_table, "The trash is empty.")
    for line in copies_lines(copies, bool(entries)):  # NU66 F5: never "empty" while held
        output.message(line, wrap=True)


def copies_lines(copies: list[Entry], others: bool) -> list[str]:
    """What `tj trash` says of the entries in the trash of read-only copies of this account's
    journals gone from the server (`client.entries.trashed_in_copies`): one line each, and
    that they cannot be restored, with what keeps their words; [] for none."""
    if not copies:
        return []
    n = len(copies)
    lines = [
        f"{'Also in' if others else 'In'} the trash of a read-only copy of your journals "
        "no longer on the server (deleted on another of your devices, or withheld): "
        f"{output.plural(n, 'entry', 'entries')}, which cannot be restored, as that copy "
        f"takes no changes; this device's copy is the last one here of "
        f"{'its' if n == 1 else 'their'} words: {output.command_text('tj show ID')} reads "
        f"{'it' if n == 1 else 'one'}, {output.command_text('tj export --out DIR')} keeps "
        f"{'it' if n == 1 else 'them'}."
    ]
    for entry in copies:
        words = entry.title or output.preview(entry.body)
        lines.append(
            f"- {output.short_id(entry.id)} in {output.named(entry.journal)}"
            + (f": {output.quoted(words)}" if words else "")
        )
    return lines


@trash.command("empty")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation (for scripts).")
@json_option
@pass_home
def trash_empty(home: Home, yes: bool, as_json: bool) -> None:
    """Delete every entry in the trash for good, on every device. Asks first, saying how
    many entries and naming the therapists who can read them, and those whose share ended,
    who keep what their device downloaded (--yes does not).

    \b
    Example:
      tj trash empty
      tj trash empty --yes --json
    """

    async def check(client: Client) -> tuple[int, list[Recipient], list[str]]:
        held = await client.entries.trash()
        each = await client.shares.recipients_many([entry.id for entry in held])
        kept = await former_lines(client, held)
        return len(held), [recipient for found in each for recipient in found], kept

    held, recipients, former = home.run(check)
    told = purge_lines(recipients, held)
    if not yes:
        if not held:
            output.message("The trash is empty: nothing to delete.")
            if as_json:
                output.print_json({"action": "emptied trash", "deleted": 0, "kept": 0})
            return
        entries = output.plural(held, "entry", "entries")
        output.confirm(
            "\n".join([*told, *former, f"Delete the {entries} in the trash for good?"]),
            abort=True,
            err=True,
        )

    async def empty(client: Client) -> tuple[int, int]:
        return await client.entries.empty_trash(), len(await client.entries.trash())

    (emptied, kept), note = home.run(partial(then_sync, empty))
    output.message(f"Deleted {output.plural(emptied, 'entry', 'entries')} for good; {note}.")
    if kept:  # their words are on no other device (NU65 F11)
        output.message(
            f"{output.plural(kept, 'entry', 'entries')} stayed in the trash: "
            f"{'it has' if kept == 1 else 'they have'} a change the server refused for good "
            "(set aside), whose words are on no other device. Keep them "
            f"({output.command_text('tj set-aside list --json > refused.json')}), drop them "
            f"({output.command_text('tj set-aside drop ID')}), then empty the trash again.",
            wrap=True,
        )
    for line in [*told, *former] if emptied else []:
        output.message(line)
    if as_json:
        output.print_json({"action": "emptied trash", "deleted": emptied, "kept": kept})


async def former_lines(client: Client, entries: list[Entry]) -> list[str]:
    """`former_text` for each journal of `entries` (this account's, in the trash): the former
    members who keep what their device downloaded of them, as `tj delete` says it (a delete
    for good made here does not reach them either). Works offline."""
    by_journal: dict[str, set[str]] = {}
    for entry in entries:
        names = await client.shares.former_members(entry.id)
        by_journal.setdefault(entry.journal, set()).update(names)
    return [
        line
        for journal, names in by_journal.items()
        for line in former_text(sorted(names), journal)
    ]


def purge_lines(recipients: list[Recipient], held: int) -> list[str]:
    """Who can read entries in the trash (NU24 C9), what is known of their receipt, and what
    the trash and a delete for good do for them."""
    item = "this entry" if held == 1 else f"at least one of these {held} entries"
    said = {  # the verb, then why (NU26 C6: after the item, not between them)
        "seen_later": ("may have received", "their device had seen later records"),
        "may_have": ("may have received", "their device has not said so"),
        "not_sent": ("cannot have received", "nothing of it they can open has left this device"),
    }
    lines = [
        f"{output.and_words(names)} {said[state][0]} {item} ({said[state][1]})."
        for state, names in output.by_receipt(recipients).items()
    ]
    if lines:
        lines.append(
            "An entry in the trash leaves their view at their next sync; deleted for good, it "
            "cannot come back into it (what their device already received stays in its files)."
        )
    return lines


def trash_after(entry_id: str) -> str:
    """What moving a shared entry (`entry_id`, hex) to the trash does for the therapists who
    read it (NU24 C9), with the restore command that names it. Pure."""
    restore = output.command(["tj", "restore", output.short_id(entry_id)])
    return f"removes it from their view at their next sync ({restore} shows it to them again)"


def describe(entry: Entry) -> str:
    """An entry named for a person: its title, or its date and first words."""
    if entry.title:  # cut as `tj write` cuts it (NU38 N4: 200 characters were printed)
        # quoted as names are (NU48 #5)
        return output.quoted(output.preview(entry.title, output.EXCERPT))
    words = output.first_words(entry.body)  # "…" only when cut (NU38 N4)
    day = entry.local_created_at.strftime("%Y-%m-%d")
    return f"the entry of {day}" + (f" ({output.quoted(words)})" if words else "")


def days_left(entry: Entry, now: datetime | None = None) -> int:
    """The whole days an entry in the trash can still be restored (at least 0), as of `now`
    (default: now)."""
    assert entry.trashed_at is not None
    now = now or datetime.now().astimezone()
    left = math.ceil((entry.trashed_at + timedelta(days=TRASH_DAYS) - now) / timedelta(days=1))
    return max(left, 0)


def trash_table(entries: list[Entry]) -> Table:
    """A listing (cli/tables.py): the journal's name never cut (broken between its parts
    when it must be), the title or text on one line, cut with "…"."""
    now = datetime.now().astimezone()
    rows = []
    for entry in entries:
        rows.append(
            (
                output.short_id(entry.id),
                entry.local_created_at.strftime("%Y-%m-%d"),
                entry.journal,
                trashed_text(entry),
                str(days_left(entry, now)),
            )
        )
    columns = [ID, Column("written", FIXED), Column("journal", NAME)]
    return fitted([*columns, Column("title or text", cut=True), Column("days left", FIXED)], rows)


def trashed_text(entry: Entry) -> str:
    """The "title or text" of an entry in the trash: its title, else the start of its text,
    else (a mood check-in, `tj mood 6`) what it holds, "mood check-in: 6/10, calm" (the cell
    was blank: the trash has no mood column), "(no text)" for an entry with nothing. The
    text up to output.LISTED characters: the table cuts it, with "…", at its column's width
    (NU36 #8: cut at 60 characters before, with no "…", it read as whole at 200 columns)."""
    shown = entry.title or output.preview(entry.body, output.LISTED)
    if shown:
        return shown
    held = [output.mood_text(entry.mood)] if entry.mood is not None else []
    held += entry.emotions
    return f"{output.MOOD_CHECKIN}: {', '.join(held)}" if held else "(no text)"
