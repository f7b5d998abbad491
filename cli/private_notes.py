"""`tj private-notes`: a therapist's notes about a client that the client never sees.

Every command is one SDK call on `client.private_notes` (client_sdk/private_notes.py).
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

import click
from rich.table import Table

from cli import output
from cli.main import (
    PLAIN_NAME,
    PLAIN_TEXT,
    Failed,
    Home,
    cli,
    found_after_sync,
    json_option,
    pass_home,
    synced_first,
    then_sync,
)
from cli.tables import DATE, ID, NAME, Column, fitted

if TYPE_CHECKING:
    from client_sdk import Client, Journal, PrivateNote


@cli.group("private-notes", invoke_without_command=True)
@click.option(
    "--client",
    "client_name",
    metavar="NAME",
    type=PLAIN_NAME,
    help='Only about this client ("ana").',
)
@json_option
@pass_home
def private_notes(home: Home, client_name: str | None, as_json: bool) -> None:
    """Your private notes about clients, newest first (all, or about one client: --client ana
    or --client ana/Personal). They are sealed in a journal of your own, "Private notes", which is
    never shared: your clients cannot read them, and neither can the server.

    \b
    Examples:
      tj private-notes add ana/Personal "Avoidance around her sister: revisit."
      tj private-notes --client ana
      tj private-notes delete 3fa9c2
    """
    if click.get_current_context().invoked_subcommand is not None:
        return

    async def work(client: Client) -> tuple[list[PrivateNote], bool, list[str], str]:
        from client_sdk.models import did_you_mean

        await synced_first(client)
        found = await client.private_notes.list(client_name)
        if found or client_name is None:
            return found, True, [], ""
        # none: is CLIENT anyone this account reads, or was ever shared by (NU41 #13)?
        journals = await client.journals.list()
        names = {j.owner for j in journals} | {j.name for j in journals}
        names |= {j.name.split("/", 1)[0] for j in journals if not j.own}  # "kim (account …)"
        wanted = client_name.strip()
        # notes about an earlier account that bore the name (erased, the name taken again):
        # listed under the name with its account, "ana (account f25f5a4a)" (NU54 F10)
        earlier = f"{wanted.split('/', 1)[0]} (account "
        others = sorted(
            {n.client for n in await client.private_notes.list() if n.client.startswith(earlier)}
        )
        # a typo ("annna"): the closest client, or client's journal for "annna/Personal"
        clients = {
            j.name if "/" in wanted else j.name.split("/", 1)[0] for j in journals if not j.own
        }
        close = did_you_mean(wanted, clients)
        return found, wanted in names or wanted.split("/", 1)[0] in names, others, close

    found, known, earlier, close = home.run(work)
    hint = "" if as_json else earlier_notes_hint(earlier)
    if not known:
        raise Failed(
            f"no client {output.quoted(client_name)} shares a journal with you{close} ({output.command_text('tj caseload')} lists them); "
            f"no private note is about them{'; ' + hint if hint else ''}",
            "client",
        )
    empty = "No private notes."
    if hint:
        empty = f"No private notes about {output.quoted(client_name)}; {hint}."
    output.show_rows(found, as_json, private_notes_table, empty)


def earlier_notes_hint(earlier: list[str]) -> str:
    """Where notes about an earlier account of a client's name are listed (`earlier`: those
    accounts as notes name them, "ana (account f25f5a4a)"): "" when none."""
    if not earlier:
        return ""
    commands = [
        output.command(["tj", "private-notes", "--client", name])
        if output.pasteable(name)
        else output.command_text("tj private-notes")
        for name in earlier
    ]
    said = " and ".join(dict.fromkeys(commands))
    who = "an earlier account" if len(earlier) == 1 else "earlier accounts"
    return f"notes about {who} of that name are listed by {said}"


@private_notes.command("add")
@click.argument("journal_name", metavar="JOURNAL", type=PLAIN_NAME)
@click.argument("text", type=PLAIN_TEXT)
@json_option
@pass_home
def private_notes_add(home: Home, journal_name: str, text: str, as_json: bool) -> None:
    """Add a private note about the client whose journal JOURNAL is (shared with you).

    Prints the note's id. Works offline; your other devices get it at their next sync.

    \b
    Example:
      tj private-notes add ana/Personal "Avoidance around her sister: revisit."
    """
    added, synced = home.run(partial(then_sync, partial(note_added, journal_name, text)))
    saved = f"Private note {output.short_id(added.id)} about {added.client}"  # NU37 #12
    output.show_item(added, as_json, lambda note: note.id, output.saved_text(saved, synced))


async def note_added(journal_name: str, text: str, client: Client) -> PrivateNote:
    """`client.private_notes.add(journal_name, text)`. A note is about a person, but it is
    filed under one of their journals (`PrivateNote.journal`; listed under the client
    whichever it is); for a client named alone who shares several journals, the refusal
    names the command for each (`several_journals_text`: NU64 F10, it named only the
    journals)."""
    from client_sdk.errors import InvalidInput

    try:
        return await client.private_notes.add(journal_name, text)
    except InvalidInput as refused:
        if "/" in journal_name:
            raise
        theirs = await client_journals(client, journal_name)
        if len(theirs) < 2:
            raise
        raise InvalidInput(
            several_journals_text(journal_name, theirs, text), subject=refused.subject
        ) from refused


async def client_journals(client: Client, name: str) -> list[Journal]:
    """The journals the client `name` shares with this account now, as commands name them
    (none holding a brief), else the read-only copies kept of their ended shares."""
    briefs = {b.journal_id for b in await client.briefs.received(include_ended=True)}
    wanted = name.strip().casefold()
    theirs = [
        j
        for j in await client.journals.list()
        if not j.own and j.owner.casefold() == wanted and j.id not in briefs
    ]
    live = [j for j in theirs if not j.read_only_copy]
    return [await output.command_named(client, j) for j in (live or theirs)]


def several_journals_text(name: str, journals: list[Journal], text: str) -> str:
    """The refusal of `tj private-notes add NAME TEXT` for a client who shares several
    journals: that a note is listed under the client whichever journal it names, and the
    command for each (the text in it when short, else TEXT). Pure."""
    shown = text if len(text) <= 60 and "\n" not in text else "TEXT"
    commands = " or ".join(
        output.command(["tj", "private-notes", "add", output.journal_word(j.name, j.id), shown])
        for j in journals
    )
    who = journals[0].owner
    listed = output.command(["tj", "private-notes", "--client", who])
    shares = (  # never present tense once no share is served (each a read-only copy)
        "shares several journals with you"
        if any(not j.read_only_copy for j in journals)
        else "shares no journal with you now (this device keeps read-only copies of several, "
        "each of a share that ended or is no longer served)"
    )
    return (
        f"{who} {shares}, and a private note names the one it is "
        f"about (it is listed under {who} whichever it names: {listed}); name one: {commands}"
    )


@private_notes.command("delete")
@click.argument("note_id", metavar="ID")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation (for scripts).")
@json_option
@pass_home
def private_notes_delete(home: Home, note_id: str, yes: bool, as_json: bool) -> None:
    """Delete one of your private notes for good, on every device of yours. Asks first
    (--yes does not).

    \b
    Examples:
      tj private-notes delete 3fa9c2
      tj private-notes delete 3fa9c2 --yes
    """
    if not yes:
        found = home.run(
            partial(found_after_sync, lambda client: client.private_notes.get(note_id))
        )
        output.confirm(f"Delete {note_words(found)} for good?", abort=True, err=True)
    deleted, note = home.run(
        partial(then_sync, lambda client: client.private_notes.delete(note_id))
    )
    output.message(f"Deleted {note_words(deleted)}; {note}.")
    if as_json:
        output.print_json({"action": "deleted", "note_id": deleted.id})


def note_words(note: PrivateNote) -> str:
    """ "your private note about ana (ana/Personal) of 2026-12-01 14:03: 'Avoidance...'": its
    start quoted as names are (`output.quoted`)."""
    quoted = output.quoted(output.preview(note.text, output.EXCERPT))
    when = output.local_time(note.created_at)
    return f"your private note about {note.client} ({note.journal}) of {when}: {quoted}"


def private_notes_table(found: list[PrivateNote]) -> Table:
    """One row a note: its id, date, the client's journal ("carla/Personal", as `tj
    private-notes add` names it) and the note. The client is named once, in the journal's
    name (a column of their own said "carla" beside "carla/Personal" and took the note's
    room at 80 columns); `--json` keeps both fields."""
    columns = [ID, DATE, Column("journal", NAME), Column("note")]
    return fitted(
        columns,
        (
            (
                output.short_id(note.id),
                output.local_time(note.created_at),
                about_text(note),
                note.text,
            )
            for note in found
        ),
    )


def about_text(note: PrivateNote) -> str:
    """Whom and which journal a note is about: its journal ("carla/Personal", whose name
    holds the client's), or "carla: NAME" for one whose name does not start with
    "carla/" (a note written by another app), so that the client is always named."""
    if note.journal.startswith(f"{note.client}/"):
        return note.journal
    return f"{note.client}: {note.journal}"
