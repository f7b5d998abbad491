"""Findings of a new user's review of `tj` (NU73 F2), each through a real `tj` against a real
server on loopback: `tj logout` over a gone journal's copy named a kept draft only after the
first "y", with no command; and it advised `tj sync` for changes the server refused for good,
which no sync sends. Also: a copy made while `tj logout` waited for the server (a loopback
proxy in front of the real server holds its request) stops it, and is named with a change
written meanwhile."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from client_sdk import Client, UnsyncedChanges
from tests.client.hostile import HostileServer, hostile  # noqa: F401 (fixture)
from tests.conftest import RunningServer
from tests.test_cli import Device, Outage, failed_with_one_line, outage  # noqa: F401 (fixture)
from tests.test_cli_insights import new_device
from tests.test_cli_nu56_findings import flat
from tests.test_cli_nu72_drafts import kept_draft

KEEP_WORDS = "`tj set-aside list --json > refused.json`"

# Replies are lost or requests failed here to test what the retry does, not how long it
# waits: every client retries with QUICK_RETRY (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("quick_retries")


async def test_logout_over_a_gone_journals_copy_names_a_kept_draft_in_its_first_question(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """Plain `tj logout` over the copy of a journal deleted on another device asked "Log out
    and delete it?" about the copy, and named the draft kept here only after that "y", with
    no command. The first question names the draft, its path and its own command, and asks
    about both; one "y" logs out."""
    laptop = await new_device(live_server, tmp_path, "ana")
    await laptop.ok("journal", "create", "Dreams")
    await laptop.ok("write", "--journal", "Dreams", "Flying again")
    await laptop.ok("sync")
    phone = Device(tmp_path / "phone", live_server.url)
    await phone.ok("login", live_server.url, "ana")
    await phone.ok("journal", "delete", "Dreams", input="Dreams\n")
    await laptop.ok("sync")
    refused = await laptop.tj("write", "--journal", "Nope", "--tag", "t", input="Kept words")
    draft = kept_draft(flat(refused.stderr))
    save = (
        f"`tj write --journal NAME --tag t --draft {draft}`"  # never the refused "Nope" (nu80 F1)
    )

    declined = await laptop.tj("logout", input="n\n")
    said = flat(declined.stderr)
    assert declined.exit_code == 1, said
    asked = said[: said.index("Log out and delete it and the draft? [y/N]")]
    assert "The journal 'Dreams' is no longer on the server" in asked, said
    assert (
        f"1 draft never saved ({draft}) on this device is deleted with its local data: save "
        f"it first ({save})." in asked
    ), said
    assert "Log out anyway?" not in said, said
    assert draft.exists() and (laptop.home / "profile").exists()

    done = await laptop.tj("logout", input="y\n")  # one answer to the one question
    said = flat(done.stderr)
    assert done.exit_code == 0, said
    assert said.count("[y/N]") == 1, said
    assert not draft.exists() and not (laptop.home / "profile").exists()


async def set_aside_note(live_server: RunningServer, tmp_path: Path) -> Device:
    """drsmith, with a note the server refused for good (ana ended the share): set aside."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("share", "Personal", "drsmith", "--role", "annotate", "--trust-on-first-use")
    await drsmith.ok("sync")
    await ana.ok("unshare", "Personal", "drsmith", "--yes")
    refused = await drsmith.tj("note", "ana/Personal", "A note after the end")
    assert refused.exit_code == 4, refused.output
    assert len(await drsmith.json("set-aside", "list")) == 1
    return drsmith


async def test_logout_never_advises_a_sync_for_changes_refused_for_good(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """A change the server refused for good (set aside) stopped `tj logout --yes` with "run
    `tj sync` when the server can be reached, then log out", and `tj logout` said to sync:
    no sync sends it. Both say so and name what keeps its words."""
    drsmith = await set_aside_note(live_server, tmp_path)
    app = await Client.open(drsmith.home)  # Client.logout's own words alike
    try:
        assert await app.unsynced_changes() == 1
        assert await app.unsynced_changes(sendable=True) == 0
        with pytest.raises(UnsyncedChanges) as raised:
            await app.logout()
    finally:
        await app.close()
    assert (raised.value.count, raised.value.set_aside, raised.value.sendable) == (1, 1, 0)
    assert "Sync first" not in str(raised.value), raised.value
    assert "Keep their words first, then log out with discard_unsynced=1" in str(raised.value)

    refused = await drsmith.tj("logout", "--yes")
    said = flat(refused.stderr)
    assert refused.exit_code == 1, said
    assert "tj sync" not in said and "tj login" not in said, said
    assert (
        "changes to 1 note on this device never reached the "
        "server, which refused them for good (set aside): no sync sends them" in said
    ), said
    assert f"To keep their words, save them first with {KEEP_WORDS} or `tj export" in said, said

    declined = await drsmith.tj("logout", input="n\n")
    said = flat(declined.stderr)
    assert declined.exit_code == 1, said
    assert "tj sync" not in said, said
    assert "refused them for good (set aside): no sync sends them" in said, said
    assert f"Save their words first with {KEEP_WORDS} or `tj export --out DIR`." in said, said
    assert (drsmith.home / "profile").exists()

    # signed out from another device: a login again sends them no more than a sync does
    other = Device(tmp_path / "drsmith-laptop", live_server.url)
    await other.ok("login", live_server.url, "drsmith")
    first = next(d["id"] for d in await other.json("devices") if not d["current"])
    await other.ok("devices", "revoke", first[:12], "--yes")
    refused = await drsmith.tj("logout", "--yes")
    said = flat(refused.stderr)
    assert refused.exit_code == 1, said
    assert "tj login" not in said and "sends the changes" not in said, said
    assert "refused them for good (set aside): no sync sends them" in said, said


async def test_logout_advises_a_sync_for_the_changes_waiting_and_not_for_those_refused(
    live_server: RunningServer,
    tmp_path: Path,
    outage: Outage,  # noqa: F811
) -> None:
    """With a change refused for good and another waiting (written offline), `tj sync` is
    advised for the one it sends, and the other is said apart with what keeps its words; an
    offline sync counts as "will sync later" only the one that will."""
    drsmith = await set_aside_note(live_server, tmp_path)
    await outage.begin()
    await drsmith.ok("write", "Offline words")
    offline = await drsmith.tj("sync")
    said = flat(offline.stderr)
    assert offline.exit_code != 0, said
    assert "1 change is kept on this device and will sync later" in said, said

    refused = await drsmith.tj("logout", "--yes")
    said = flat(refused.stderr)
    assert refused.exit_code == 1, said
    assert (
        "To keep them, run `tj sync` when the server can be reached, then log out, or save "
        "them first with `tj export --out DIR` (the server refused 1 change of them for good: "
        f"no sync sends those, {KEEP_WORDS} keeps their words)" in said
    ), said

    declined = await drsmith.tj("logout", input="n\n")
    said = flat(declined.stderr)
    assert declined.exit_code == 1, said
    assert (
        f"The server refused 1 change of them for good: no sync sends those, {KEEP_WORDS} "
        "keeps their words." in said
    ), said


@asynccontextmanager
async def withheld_while_logging_out(
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
    write: bool,
) -> AsyncIterator[str]:
    """`tj logout` on a phone (through the proxy) that holds ana's journal Dreams; while the
    proxy holds its `/v1/auth/logout`, the laptop deletes Dreams and an app on the phone's
    home syncs (Dreams becomes a read-only copy there, maybe the only one left), then writes
    an entry if `write`; then the request goes on (the server ends the session). Yields
    `tj`'s one line of error."""
    laptop = await new_device(live_server, tmp_path, "ana")
    await laptop.ok("journal", "create", "Dreams")
    await laptop.ok("write", "--journal", "Dreams", "Flying again")
    await laptop.ok("sync")
    phone = Device(tmp_path / "phone", hostile.url)
    await phone.ok("login", hostile.url, "ana", "--device-name", "phone")
    held, release = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        held.set()
        await release.wait()

    hostile.holds["/v1/auth/logout"] = hold
    app = await Client.open(phone.home)
    try:
        run = asyncio.create_task(phone.tj("logout"))
        await held.wait()  # `tj logout` found nothing to ask about
        await laptop.ok("journal", "delete", "Dreams", input="Dreams\n")
        await app.sync()
        assert [j.name for j in await app.journals.list() if j.read_only_copy] == ["Dreams"]
        if write:  # after its sync: not sent
            await app.entries.write(None, "Written in the app while tj logged out.")
        release.set()
        await asyncio.wait([run])
        yield failed_with_one_line(run.result())
    finally:
        release.set()
        del hostile.holds["/v1/auth/logout"]
        await app.close()
    assert (phone.home / "store.db").exists()  # nothing deleted
    assert [j["name"] for j in await phone.json("journal", "list") if j["name"] == "Dreams"]


GONE = (
    "the journal 'Dreams' is no longer on the server (deleted on another device, or withheld "
    "by it) since you were asked, and this device holds the only copy it knows of"
)


async def test_a_copy_made_while_tj_logout_waits_for_the_server_stops_it(
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """`Client.logout` looked for the copies of gone journals before telling the server, not
    again at its last count: a journal withheld in another program's sync meanwhile was
    deleted with the rest, unasked. It stops the logout, as a change written meanwhile
    does."""
    async with withheld_while_logging_out(live_server, hostile, tmp_path, False) as line:
        assert line == (
            f"Error: T{GONE[1:]}. Nothing was deleted: run `tj logout` again to be asked about it."
        )


async def test_tj_logout_names_both_a_change_and_a_copy_made_while_it_waited(
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """When both a change written meanwhile and a copy stop the logout, `tj logout` named
    only the change: it names both."""
    async with withheld_while_logging_out(live_server, hostile, tmp_path, True) as line:
        assert line.startswith(
            "Error: Changes to 1 item (entries, goals, notes...) were written on this device "
            "while logging out (by another `tj` or app using it) and have not reached the "
            f"server; and {GONE}. Nothing was deleted, but the server already signed this "
            "device out: "
        ), line


async def test_account_delete_names_a_kept_drafts_own_command_in_its_question(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """`tj account delete` said a draft kept here "is deleted too", with no command to save
    it: it names the draft's own command, as `tj logout` does."""
    ana = await new_device(live_server, tmp_path, "ana")
    refused = await ana.tj("write", "--journal", "Nope", "--tag", "t", input="Kept words")
    draft = kept_draft(flat(refused.stderr))
    declined = await ana.tj("account", "delete", input="not-ana\n")
    said = flat(declined.stderr)
    assert declined.exit_code == 1 and "nothing was deleted" in said, said
    assert (
        f"1 draft never saved ({draft}) is deleted too: save it first "
        f"(`tj write --journal NAME --tag t --draft {draft}`)." in said  # not "Nope": nu80 F1
    ), said
    assert draft.exists() and (ana.home / "profile").exists()
