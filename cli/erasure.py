"""`tj account delete`: erase the account from the server, then this device's copy."""

from __future__ import annotations

import click

from cli import output
from cli.main import Home, cli, json_option, pass_home, username_of


@cli.group()
def account() -> None:
    """Manage your account as a whole.

    \b
    Example:
      tj account delete
    """


@account.command("delete")
@click.option("--yes", "-y", is_flag=True, help="Do not ask to type the username (for scripts).")
@json_option
@pass_home
def account_delete(home: Home, yes: bool, as_json: bool) -> None:
    """Erase your account for good: journals, entries, goals, shares, devices, audit log.

    The server deletes everything it holds of the account in one transaction, then this
    device forgets its local copy. Journals you shared stop being readable by your
    therapist's devices that have not synced them yet; other devices of yours are signed
    out. Export first if you want to keep anything (`tj export`). You confirm by typing
    your username, and the server also needs your password (a stolen session is not
    enough to erase an account).

    \b
    Examples:
      tj export --out ~/journal-backup && tj account delete
      TJ_PASSWORD=... tj account delete --yes
    """
    username = home.run(username_of)
    if not yes:
        output.message(
            f"This erases the account {username} and every journal it owns, on the server "
            "and on this device. It cannot be undone."
        )
        typed = click.prompt(
            "Type the username to confirm", err=True, default="", show_default=False
        )
        if typed.strip().lower() != username:
            raise click.ClickException("the username did not match; nothing was deleted")
    password = home.password("Password")
    home.run(lambda client: client.delete_account(password, **home.minimum_cost()))
    if as_json:
        output.print_json({"deleted": username})
    output.message(f"Account {username} erased from the server; this device's data is deleted.")
