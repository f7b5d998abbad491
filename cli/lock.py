"""`tj lock` / `tj unlock`: protect this device's secrets with a passphrase, like an SSH key."""

from __future__ import annotations

import os
from functools import partial
from typing import TYPE_CHECKING

from cli import output
from cli.main import Home, cli, json_option, pass_home, secret_prompt
from client_sdk import INSECURE_TEST_COST, INTERACTIVE

if TYPE_CHECKING:
    from client_sdk import Client


def new_passphrase() -> str:
    """$TJ_NEW_PASSPHRASE, else a hidden prompt asked twice."""
    if "TJ_NEW_PASSPHRASE" in os.environ:
        return os.environ["TJ_NEW_PASSPHRASE"]
    instead = "no new passphrase given: set TJ_NEW_PASSPHRASE"
    return secret_prompt("New passphrase", instead=instead, confirm=True)


@cli.command()
@json_option
@pass_home
def lock(home: Home, as_json: bool) -> None:
    """Lock this device's keys with a passphrase, asked for whenever the profile is opened
    (or read from $TJ_PASSPHRASE; a script gives the new one in $TJ_NEW_PASSPHRASE). Without
    it, the keys are protected by file permissions only. The entries already on this device
    (a therapist's: every client's they downloaded) stay readable to anyone who can read
    your files: use full-disk encryption for them.

    On a profile already locked, it changes the passphrase (the current one opens it first)
    and says so: "Changed this device's passphrase" (given the same one again, it says that
    nothing changed).

    A forgotten passphrase cannot be got round, but loses nothing the server holds: a wrong
    one's error prints the `mv` that sets this device's folder aside and the `tj login` that
    signs it in again; only what it wrote and never synced stays behind, in that folder.

    \b
    Example:
      tj lock
    """
    from client_sdk import Client

    was_locked = Client.needs_passphrase(home.path)
    current = home.unlock()  # a locked profile's passphrase ({} when not locked), asked first
    passphrase = new_passphrase()
    cost = INSECURE_TEST_COST if home.insecure_test_kdf else INTERACTIVE
    same = was_locked and passphrase == current.get("passphrase")

    async def apply(client: Client) -> None:
        if not same:  # the same one again: opening the profile checked it, nothing to write
            await client.set_passphrase(passphrase, cost=cost)

    home.run(apply, partial(Client.open, home.path, **current))
    if as_json:
        done = "unchanged" if same else "passphrase changed" if was_locked else "locked"
        output.print_json({"action": done})
    if same:  # NU38 N9: not "the old one no longer does" of the one that still does
        output.message("That is already this device's passphrase; nothing changed.")
        return
    if was_locked:  # NU37 #9: not "now locked" again, as if nothing had been locked before
        output.message(
            "Changed this device's passphrase: the new one opens its keys from now on, the "
            "old one no longer does."
        )
        return
    output.message(
        "This device's keys are now locked with your passphrase. The entries already on this "
        "device are not: anyone who can read your files can read them, so use full-disk "
        "encryption."
    )


@cli.command()
@json_option
@pass_home
def unlock(home: Home, as_json: bool) -> None:
    """Remove the passphrase: the keys stay in a file only your user can read.

    \b
    Example:
      tj unlock
    """

    async def apply(client: Client) -> None:
        await client.set_passphrase(None)

    home.run(apply)
    output.message("This device's keys are no longer locked with a passphrase.")
    if as_json:
        output.print_json({"action": "unlocked"})
