"""`tj set-aside`: changes the server refused for good, kept on this device."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table

from cli import output
from cli.main import NOT_DELIVERED_EXIT, Home, cli, json_option, pass_home
from cli.tables import FIXED, NAME, Column, fitted

if TYPE_CHECKING:
    from client_sdk import Client, SetAsideChange, SyncReport


@cli.group("set-aside")
def set_aside() -> None:
    """Changes the server refused for good (a share that ended, a journal that is gone, over
    quota, invalid). `tj sync` sets them aside so they never block your other changes, warns
    once, and keeps them on this device: list or export them here, or retry them.

    \b
    Examples:
      tj set-aside list
      tj set-aside list --json > refused.json
      tj set-aside retry
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
    output.show_rows(changes, as_json, set_aside_table, empty="Nothing is set aside.")


@set_aside.command("retry")
@pass_home
def retry_set_aside(home: Home) -> None:
    """Put every change set aside back in the outbox and sync; those still refused are set
    aside again (exit status 4).

    \b
    Example:
      tj set-aside retry
    """
    count, report = home.run(retry_and_sync)
    output.message(f"Retried {count} change(s): {output.sync_text(report)}.")
    output.tell_departures(report)
    for record in report.set_aside:
        output.message(f"Still refused: {record.journal}: {record.reason} [{record.code}]")
    if report.set_aside:
        raise SystemExit(NOT_DELIVERED_EXIT)  # still not delivered


async def retry_and_sync(client: Client) -> tuple[int, SyncReport]:
    count = await client.retry_set_aside()
    return count, await client.sync()


def set_aside_table(changes: list[SetAsideChange]) -> Table:
    """When, where, what, and why in words (NU19 C11: "june made your access to june/Personal
    read-only"); --json adds the server's code and the full text."""
    columns = [
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
                output.local_time(change.set_aside_at),
                change.journal,
                change.kind,
                change.title or output.preview(change.text),
                change.reason,
            )
            for change in changes
        ),
    )
