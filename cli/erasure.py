"""`tj account delete`: erase the account from the server, then this device's copy."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from cli import editor, output
from cli.homes import profile_words
from cli.main import (
    Home,
    cli,
    json_option,
    nothing_deleted_yet,
    pass_home,
    password_file_option,
    unsynced_items,
    username_of,
)
from cli.terminal import Failed
from client_sdk.errors import StoreBusy, TJError

if TYPE_CHECKING:
    from client_sdk import Client


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
@password_file_option
@pass_home
def account_delete(home: Home, yes: bool, as_json: bool) -> None:
    """Erase your account for good: journals, entries, goals, shares, devices, audit log.

    The server deletes everything it holds of the account in one transaction, then this
    device forgets its local copy. What you read of journals others shared with you stays
    in their `tj shares log`, with your username, marked as erased: it is their record.
    Journals you shared stop being readable by your therapist's devices that have not
    synced them yet (what they downloaded stays with them); other devices of yours are
    signed out but keep their local copy until you log out there. The confirmation names
    both, and `tj export` to keep a copy first. You confirm by typing your username, and the
    server also needs your password (a stolen session is not enough to erase an account).

    \b
    Examples:
      tj export --out ~/journal-backup && tj account delete
      TJ_PASSWORD=... tj account delete --yes
    """
    # Before anything: an entry being written in an editor would lose its draft (NU56 #4).
    editor.refuse_open_drafts(home.path, output.command_text("tj account delete"))
    with nothing_deleted_yet():  # checked before anything is asked or erased
        username = home.run(username_of)
        # after the sync that sends what waits here: never counted as unsent when it left,
        # a safety flag among it then named as sent, not read (NU74 F1)
        undelivered, said = home.run(undelivered_before_erasure)
        copies, unsynced, flags, kinds = home.run(copies_kept)
    # by kind, as `tj logout` counts them: a safety flag named once there (nu76 F9)
    items = unsynced_items(kinds, unsynced)
    # The safety flags among them, counted once: "the safety flag" when the count by kind
    # names it already, else "1 safety flag among them".
    named = "safety flag" in items
    the_flags = (
        ("the safety flag" if flags == 1 else "the safety flags")
        if named
        else f"{output.plural(flags, 'safety flag', 'safety flags')} among them"
    )
    for line in undelivered:  # asked with the question; said with --yes too (as `tj unshare`)
        output.message(line, wrap=True)
    if not yes:
        output.message(
            f"This erases the account {username} and every journal it owns, on the server "
            "and on this device. It cannot be undone. To keep a copy of your journals, run "
            f"{output.command([*profile_words(home.path), 'export', '--out', 'DIR'])} first: "
            # NU78 F9: what an import of it does not put back, said before it is too late
            f"{output.command([*profile_words(home.path), 'import'])} puts its entries, "
            "goals, questionnaire results and safety plans back into an account, not your "
            "homework (thought records, diaries, activity logs), which stays in the file to "
            "read, nor your choice to send safety flags (press Enter now: nothing is erased)."
        )
        if unsynced:  # as `tj logout` warns of them
            output.message(
                f"Changes to {items} on this device have not "
                "reached the server: no other device has them, and erasing the account deletes "
                "them for good; the export above keeps "
                + (
                    f"their words, not a safety flag's delivery: {the_flags} never "
                    f"{'reaches' if flags == 1 else 'reach'} the people "
                    f"{'it is' if flags == 1 else 'they are'} for "
                    f"({output.command([*profile_words(home.path), 'safety', 'flags'])} "
                    f"lists {'it' if flags == 1 else 'them'}): tell them yourself."
                    if flags
                    else "them."
                )
            )
        for line in copies:
            output.message(line)
        drafts = len(editor.drafts_kept(home.path))
        if drafts:  # each with its own command, as `tj logout` names them (NU73 F2)
            output.message(
                f"{editor.drafts_text(drafts, home.path)} {editor.are(drafts)} deleted too: "
                f"save {editor.them(drafts)} first ({editor.saved_by(home.path)})."
            )
        typed = output.typed_answer(
            "Type the username to confirm", err=True, default="", show_default=False
        )
        if typed.strip().lower() != username:
            raise Failed("the username did not match; nothing was deleted", "declined")
    password = home.password("Password")
    # Checked again once answered, under a lock held until the data is deleted: an editor
    # opened while the question waited is seen, and none opens meanwhile (NU57 #1).
    with editor.closed_to_editors(home.path, output.command_text("tj account delete")):
        try:
            home.run(  # what the question counted (all of them with --yes, as logout)
                lambda client: client.delete_account(
                    password,
                    **home.minimum_cost(),
                    discard_unsynced=True if yes else unsynced,
                    discard_undelivered=said,  # said above: only those (another may
                    # have been sealed meanwhile, by another program on this profile)
                )
            )
        except StoreBusy as busy:
            if not busy.account_deleted:
                raise
            logout = output.command([*profile_words(home.path), "logout"])
            raise Failed(  # the command named, as every other advice (NU56 #8)
                f"the account {username} was deleted, but another program using this device's "
                "journal (another tj, or an app) kept it busy for too long, so its data on this "
                f"device was not deleted: once that program is done, {logout} deletes it",
                "store busy",
            ) from None
        for line in editor.removed_drafts_lines(home.path):  # plain text: this device's data
            output.message(line)
    if as_json:
        output.print_json({"deleted": username})
    output.message(f"Account {username} erased from the server; this device's data is deleted.")
    if yes:  # not asked: what went and the copies that stay are said all the same
        if unsynced:
            output.message(
                f"Changes to {items} on this device had not "
                "reached the server: no other device has them, and they are deleted with it."
                + (
                    f" {the_flags[:1].upper()}{the_flags[1:]} never "
                    f"{'reaches' if flags == 1 else 'reach'} the people "
                    f"{'it was' if flags == 1 else 'they were'} for: tell them yourself."
                    if flags
                    else ""
                )
            )
        for line in copies:
            output.message(line)


async def undelivered_before_erasure(
    client: Client, journal: str | None = None
) -> tuple[list[str], frozenset[str]]:
    """What members may not have received of this account's journals (`journal`: of that
    one, by id or name) that erasing the account (the journal) erases from the server
    (`client.shares.undelivered_by_member`), in lines to say before the
    question, after a quick sync, always (`synced_first`: it sends a safety flag still waiting
    here, so a member whose device syncs before the erasure gets it, and brings the latest
    acknowledgements and what other devices of this account recorded), with the ids of the items said: the erasure agrees to those only
    (`discard_undelivered`), so one sealed meanwhile by another program is refused, not
    erased unseen; ([], empty) for none. Erasing the account needs the server: an unreachable
    one raises NetworkError here, before anything is asked (for a journal, the failed sync is
    said and this device's count is said: one that never reached the server is deleted
    offline, and the deletion of any other syncs again first and is refused, nothing
    erased, when that sync fails: `client.journals.delete`)."""
    from cli.main import synced_first
    from cli.sharing import undelivered_text

    # Synced first, whatever this device holds: what another device of this account
    # recorded (a result with item 9 answered above 0) is known only after it. A journal
    # created here that never reached the server is deleted offline: its sync may fail.
    await synced_first(client, "checking", needs_server=journal is None)
    found = await client.shares.undelivered_by_member(journal)
    what = "the account" if journal is None else "the journal"
    lines = []
    for member, items in found.items():
        lines.extend(undelivered_text(member, None, items, f"{what} is erased").splitlines())
    if lines:
        flags = output.command([*profile_words(client.home), "safety", "flags"])
        lines.append(
            f"The server holds it only until {what} is erased: it cannot be delivered "
            "afterwards. To be sure it reaches them, tell them yourself, or wait until "
            f"{flags} shows it marked read before erasing."
        )
    return lines, frozenset(u.id for items in found.values() for u in items)


async def copies_kept(client: Client) -> tuple[list[str], int, int, dict[str, int]]:
    """What erasing the account leaves elsewhere, in words (NU22 C5): the members of its
    journals (current or past: `tj shares`) keep what they already downloaded, and its other
    devices keep their local copy, as they last synced it, until logged out there. Unknown
    offline: said in general. With how many items have changes on this device that never
    reached the server (`Client.unsynced_changes`), which no other device keeps: the copies
    are never said to hold them; how many safety flags among them (`Safety.unsent`); and
    those items by kind (`Client.unsynced_kinds`, {} for none), as `tj logout` counts them."""
    unsynced = await client.unsynced_changes()
    flags = len(await client.safety.unsent()) if unsynced else 0
    kinds = await client.unsynced_kinds() if unsynced else {}
    synced = " as they last synced it (without the changes above)" if unsynced else ""
    try:
        members = sorted({s.member for s in await client.shares.list()})
        others = [d for d in await client.devices.list() if not d.current]
    except TJError:
        return (
            [
                "Anyone you shared a journal with keeps what they already downloaded, and your "
                f"other devices keep their copy{synced} until you log out there "
                f"({output.their_command_text('tj logout')} on each)."
            ],
            unsynced,
            flags,
            kinds,
        )
    lines = []
    if members:
        lines.append(
            f"{output.keep_downloaded(members)} of the journals you shared with them: the "
            "server's copy is erased, theirs is not."
        )
    if others:
        one = len(others) == 1
        lines.append(
            f"Your other {'device' if one else 'devices'} ({output.device_names(others)}) "
            f"{'keeps its' if one else 'keep their'} copy of your journals"
            f"{synced.replace('they', 'it') if one else synced} until you log out "
            f"there ({output.their_command_text('tj logout')} on {'it' if one else 'each'}): erasing signs {'it' if one else 'them'} out of the server, "
            f"it does not empty {'it' if one else 'them'}."
        )
    return lines, unsynced, flags, kinds
