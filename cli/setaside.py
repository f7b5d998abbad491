"""`tj set-aside`: changes the server refused for good, kept on this device."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

import click
from rich.table import Table

from cli import output
from cli.main import NOT_DELIVERED_EXIT, Home, cli, json_option, pass_home
from cli.tables import FIXED, ID, NAME, Column, fitted

if TYPE_CHECKING:
    from client_sdk import Client, SetAsideChange, SyncReport


@cli.group("set-aside")
def set_aside() -> None:
    """Changes the server refused for good (a share that ended, a journal that is gone, over
    quota, invalid). `tj sync` sets them aside so they never block your other changes, warns
    once (exit status 4), and keeps them on this device: list or export them here, or retry
    them. A safety flag or a questionnaire result set aside is sent again at every sync; a
    result refused again gets a one-line reminder, exit status 0, a safety flag refused again
    is told in full again, exit status 4.

    \b
    Examples:
      tj set-aside list
      tj set-aside list --json > refused.json
      tj set-aside retry
      tj set-aside drop 3fa9c2
      tj set-aside move 3fa9c2 --journal "My journal"
    """


@set_aside.command("list")
@json_option
@pass_home
def list_set_aside(home: Home, as_json: bool) -> None:
    """List the changes set aside, oldest first; --json exports them with their text.

    \b
    Examples:
      tj set-aside list
      tj set-aside list --json > refused.json
    """
    changes = home.run(lambda client: client.set_aside())
    if as_json:  # the rows of `tj sync --json`'s "set_aside" too
        output.print_json([output.set_aside_row(change) for change in changes])
        return
    output.show_rows(changes, as_json, set_aside_table, empty="Nothing is set aside.")


@set_aside.command("retry")
@json_option
@pass_home
def retry_set_aside(home: Home, as_json: bool) -> None:
    """Put every change set aside back in the outbox and sync; those still refused are set
    aside again (exit status 4).

    \b
    Example:
      tj set-aside retry
    """
    count, report = home.run(retry_and_sync)
    if as_json:  # exit status 4 below while some are still refused
        still = [record.doc_id or record.record_id for record in report.set_aside]
        output.print_json({"action": "retried", "retried": count, "still_set_aside": still})
    changes = "change" if count == 1 else "changes"
    output.message(f"Retried {count} {changes}: {output.sync_text(report)}.")
    output.tell_after_sync(report)
    for record in report.set_aside:
        output.message(
            f"Still refused: {record.journal}: {record.reason} "
            f"(change {output.short_id(record.doc_id or record.record_id)})"
        )
    if report.set_aside:
        output.message(
            "If it will never be accepted (the share ended for good, the journal is gone), keep "
            f"its words with {output.command_text('tj set-aside list --json > refused.json')}, then drop it with "
            f"{output.command_text('tj set-aside drop ID')} (or {output.command_text('--all')}): it is never sent again."
        )
        raise SystemExit(NOT_DELIVERED_EXIT)  # still not delivered


@set_aside.command("drop")
@click.argument("change_id", metavar="[ID]", required=False)
@click.option("--all", "drop_all", is_flag=True, help="Drop every change set aside.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation (for scripts).")
@json_option
@pass_home
def drop_set_aside(
    home: Home, change_id: str | None, drop_all: bool, yes: bool, as_json: bool
) -> None:
    """Forget a change the server refused for good (with every other change of the same
    entry, note or goal), or every one (--all): it is never sent. A note or entry of which,
    by the server's answers, nothing ever reached it goes from this device with it; keep its
    words first with `tj set-aside list --json > refused.json`. (A refusal is the server's
    word: a server that stored it anyway and served it to a therapist makes the two
    `tj verify-head` codes differ.)

    \b
    Examples:
      tj set-aside drop 3fa9c2
      tj set-aside drop --all --yes
    """
    if (change_id is None) == (not drop_all):
        raise click.UsageError(
            f"give the ID of a change ({output.command_text('tj set-aside list')}) or --all"
        )
    from client_sdk.sync import SHOWN_KINDS  # with the client: not imported as `tj` starts

    changes = home.run(lambda client: client.set_aside())
    if not changes:
        output.message("Nothing is set aside.")
        if as_json:
            output.print_json({"action": "dropped", "dropped": [], "removed": 0})
        return
    if not yes:
        wanted = (change_id or "").strip().lower()
        chosen = [
            c
            for c in changes
            if drop_all
            or (wanted and (c.record_id.startswith(wanted) or c.doc_id.startswith(wanted)))
        ]
        if chosen:  # none: the SDK's error says why
            first = chosen[0]
            kind = SHOWN_KINDS.get(first.kind, first.kind) or "change"
            words = first.title or output.preview(first.text)
            about = f"the {kind} in {first.journal}" + (
                f": {output.quoted(words)}" if words else ""
            )
            more = f" and {len(chosen) - 1} more" if len(chosen) > 1 else ""
            flags = (
                " A safety flag dropped never reaches the people you share it with: contact "
                "them directly if you need to."
                if any(c.kind == "safety_flag" for c in chosen)
                else ""
            )
            output.confirm(
                f"This forgets {about}{more}: never sent, and what the server says never "
                f"reached it is removed from this device ({output.command_text('tj set-aside list --json')} keeps the "
                f"words).{flags} Drop?",
                abort=True,
                err=True,
            )
    dropped = home.run(lambda client: client.drop_set_aside(None if drop_all else change_id))
    removed = sum(change.removed for change in dropped)
    line = f"Dropped {output.plural(len(dropped), 'change', 'changes')} set aside"
    if removed:
        line += (
            f"; {output.plural(removed, 'item', 'items')} the server said it never stored "
            "(removed from this device; if another device reads it, the server lied: "
            f"compare {verify_heads(dropped)} codes)"
        )
    output.message(line + ".")
    if as_json:
        ids = [change.record_id for change in dropped]
        output.print_json({"action": "dropped", "dropped": ids, "removed": removed})


@set_aside.command("move")
@click.argument("change_id", metavar="ID")
@click.option(
    "--journal",
    "-j",
    "journal_name",
    metavar="JOURNAL",
    help="The journal to write it in (default: your default journal).",
)
@click.option(
    "--even-if-shared",
    is_flag=True,
    help="With no --journal: write it into your default journal even when someone reads it "
    "who did not read the journal it was written in.",
)
@click.option(
    "--yes",
    "-y",
    is_flag=True,
    help="Do not ask when the journal named is read by someone else (for scripts).",
)
@json_option
@pass_home
def move_set_aside(
    home: Home,
    change_id: str,
    journal_name: str | None,
    even_if_shared: bool,
    yes: bool,
    as_json: bool,
) -> None:
    """Write an entry or a questionnaire result the server refused for good (one written in
    a journal deleted on another of your devices, or no longer shared with you) into another
    journal, then forget the copy set aside: an entry as a new entry with the same words,
    title, mood, tags, emotions and date; a result as a new result with the same answers
    and date. A result whose safety item (PHQ-9 item 9) was answered above 0 gets a safety
    flag at the next sync for each member of the journal named who gets your safety flags
    (the sync names them: "A safety flag was sealed for ..."). The new one is saved before the old one is
    forgotten, and synced. A result needs --journal. With no --journal, a default journal
    read by someone who did not read the entry's own journal is refused: name the journal,
    or add --even-if-shared. With --journal naming a journal someone else reads (by this
    device's verified access chain), it names them and asks first (--yes does not ask).

    \b
    Examples:
      tj set-aside move 3fa9c2
      tj set-aside move 3fa9c2 --journal "My journal"
    """
    from cli.main import then_sync
    from client_sdk import Entry

    async def move(client: Client) -> tuple[str, str, str, bool]:
        moved = await client.move_set_aside(change_id, journal_name, even_if_shared=even_if_shared)
        if isinstance(moved, Entry):
            return "entry", moved.id, moved.journal, False
        return f"{moved.name} result", moved.id, moved.journal, moved.safety_concern

    read_by = ""
    if journal_name is not None:
        where, readers = home.run(partial(readers_of, journal_name))
        if readers:
            read_by = f" (read by {output.and_words(readers)})"
            if not yes:
                output.confirm(
                    f"{output.quoted(where)} is read by {output.and_words(readers)}: move the "
                    "words written for another journal there?",
                    abort=True,
                    err=True,
                )
    (kind, moved_id, journal, concern), note = home.run(partial(then_sync, move))
    flag = (
        f" Its safety item was answered above 0: a sync seals a safety flag for each member "
        f"of {output.named(journal)} who gets your safety flags (the sync names them)."
        if concern
        else ""
    )
    output.message(
        f"Moved it into {output.named(journal)}{read_by} as {kind} "
        f"{output.short_id(moved_id)}, and "
        f"forgot the copy set aside; {note}.{flag}",
        wrap=bool(flag),
    )
    if as_json:
        said = {"action": "moved", "kind": kind, "id": moved_id, "journal": journal}
        output.print_json(said | {"safety_concern": concern})


async def readers_of(journal_name: str, client: Client) -> tuple[str, list[str]]:
    """The name of the journal `journal_name` names and who else reads it, by this device's
    verified access chain (`client.journals.readers`), for `tj set-aside move --journal` to
    say before it writes there; ("", []) when the journal is not found here (the move itself
    refuses it, in its own words)."""
    from client_sdk import TJError

    try:
        target = await client.journals.get(journal_name)
        return target.name, await client.journals.readers(target.id)
    except TJError:
        return "", []


def verify_heads(dropped: list[SetAsideChange]) -> str:
    """The `tj verify-head JOURNAL` of each journal an item was removed from by a drop
    (`removed`), in backticks: the command needs its journal. Pure."""
    journals = dict.fromkeys(
        output.journal_word(c.journal, c.journal_id) for c in dropped if c.removed
    )
    return " and ".join(output.command(["tj", "verify-head", j]) for j in journals)


async def retry_and_sync(client: Client) -> tuple[int, SyncReport]:
    count = await client.retry_set_aside()
    return count, await client.sync()


def set_aside_table(changes: list[SetAsideChange]) -> Table:
    """When, where, what, and why in words (NU19 C11: "june made your access to june/Personal
    read-only"); --json adds the server's code and the full text."""
    from client_sdk.sync import SHOWN_KINDS  # with the client: not imported as `tj` starts

    columns = [
        ID,
        Column("set aside", FIXED),
        Column("journal", NAME),
        Column("kind", FIXED),
        Column("change"),
        Column("why it was not delivered"),
    ]
    return fitted(
        columns,
        (
            (
                output.short_id(change.doc_id or change.record_id),  # the note's own id
                output.local_time(change.set_aside_at),
                change.journal,
                SHOWN_KINDS.get(change.kind, change.kind),
                change.title or output.preview(change.text),
                change.reason,
            )
            for change in changes
        ),
    )
