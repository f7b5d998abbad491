"""An entry written offline on the phone in a journal the laptop deleted meanwhile is refused
by the server and set aside; deleting the phone's read-only copy of that journal must not
destroy its words, which are on no other device: `Journals.delete` raises UnsentChanges,
naming the change and its entry, unless the app passes `drop_unsent=True`; the sync's notice
of the journal gone names them (`Departure.set_aside`); and no set-aside change is ever listed
without its words. Real server on 127.0.0.1 (stopped to make the phone offline), real crypto."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from client_sdk import INSECURE_TEST_COST, Client, wire
from client_sdk.departures import GONE
from client_sdk.errors import InvalidInput, UnsentChanges, UnsyncedChanges
from tests.client.recording_proxy import recording_proxy
from tests.client.sharing_support import share_with
from tests.conftest import PASSWORD, ClientFactory, RunningServer
from tests.test_cli import Outage, outage

__all__ = ["outage"]  # fixture

WORDS = "Dream on phone, offline"


async def set_aside_in_deleted_journal(
    outage: Outage, signup: ClientFactory, login: ClientFactory
) -> tuple[Client, str, str]:
    """ana's phone writes WORDS in Dreams with the server down; the laptop deletes Dreams;
    the phone's sync sets the entry aside. Returns (phone, the journal's id, the entry's id)."""
    laptop = await signup("ana")
    dreams = await laptop.journals.create("Dreams")
    await laptop.entries.write("Dreams", "Flying again.")
    await laptop.sync(strict=True)
    phone = await login("ana")
    await phone.sync(strict=True)
    await outage.begin()
    entry = await phone.entries.write("Dreams", WORDS)  # saved on the phone alone
    await outage.end()
    await laptop.journals.delete("Dreams")
    report = await phone.sync()
    [refused] = report.set_aside
    [gone] = [d for d in report.departures if d.reason == GONE]
    assert gone.journal_id == dreams.id
    assert gone.set_aside == (entry.id,)  # the notice names it before its delete
    assert refused.record_id
    return phone, dreams.id, entry.id


async def test_deleting_the_copy_refuses_while_it_holds_words_set_aside_here(
    outage: Outage, signup: ClientFactory, login: ClientFactory
) -> None:
    phone, journal_id, entry_id = await set_aside_in_deleted_journal(outage, signup, login)
    [change] = await phone.set_aside()
    assert change.text == WORDS

    for check_only in (True, False):
        with pytest.raises(UnsentChanges) as refused:
            await phone.journals.delete(journal_id, check_only=check_only)
        error = refused.value
        assert isinstance(error, InvalidInput) and error.subject == "unsent changes"
        assert error.set_aside == (change.record_id,)
        assert error.documents == (entry_id,)
        assert (error.waiting, error.documents_count) == (0, 1)
        assert error.journal_id == journal_id and error.names["journal id"] == journal_id
        assert "Nothing was deleted" in str(error) and change.record_id[:12] in str(error)

    # nothing was deleted: the copy, its entry and the set-aside change with its words
    assert WORDS in {e.body for e in await phone.entries.list("Dreams")}
    [still] = await phone.set_aside()
    assert (still.record_id, still.text, still.kind) == (change.record_id, WORDS, "entry")

    # kept and dropped first (what `tj set-aside drop` does): then the copy goes
    await phone.drop_set_aside(change.record_id)
    await phone.journals.delete(journal_id)
    assert journal_id not in {j.id for j in await phone.journals.list()}
    assert await phone.set_aside() == []


async def test_drop_unsent_deletes_the_copy_and_leaves_no_set_aside_row_without_words(
    outage: Outage, signup: ClientFactory, login: ClientFactory
) -> None:
    phone, journal_id, _ = await set_aside_in_deleted_journal(outage, signup, login)
    await phone.journals.delete(journal_id, drop_unsent=True)  # the user agreed to lose it
    assert journal_id not in {j.id for j in await phone.journals.list()}
    assert await phone.set_aside() == []  # never a row whose words are gone


async def test_a_journal_made_offline_with_an_entry_refuses_its_delete_until_agreed(
    outage: Outage, signup: ClientFactory
) -> None:
    laptop = await signup("ana")
    await outage.begin()
    await laptop.journals.create("Offline")
    await laptop.entries.write("Offline", "only here")
    with pytest.raises(UnsentChanges) as refused:
        await laptop.journals.delete("Offline")
    # the journal's creation is waiting too, and its first entry: one item
    assert refused.value.set_aside == () and refused.value.documents_count == 1
    assert "only here" in {e.body for e in await laptop.entries.list("Offline")}
    await laptop.journals.delete("Offline", drop_unsent=True)  # never on the server: offline
    assert "Offline" not in {j.name for j in await laptop.journals.list()}


async def test_an_entry_written_during_the_delete_of_a_journal_never_created_there_is_kept(
    outage: Outage, signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A journal made offline (never created on the server): the user agreed to lose its one
    entry, and another program on the profile writes a second while the delete runs, after
    it counted what was agreed. Nothing is removed, and no server delete stands for the
    journal: it stays a journal of this account, not a read-only copy "deleted on the server"
    (there is none there), its creation and both entries still waiting to be sent; the
    UnsentChanges counts the new entry with the other, without `kept_copy`."""
    laptop = await signup("ana")
    await outage.begin()
    await laptop.journals.create("Offline")
    await laptop.entries.write("Offline", "agreed to lose")
    other = await Client.open(laptop.home)
    written: list[str] = []
    pending_journals = laptop.store.pending_journals

    async def read_then_app_writes() -> list[tuple[bytes, bytes]]:
        found = await pending_journals()
        if laptop.replica.sync_lock.locked() and not written:  # in the delete, after its count
            written.append((await other.entries.write("Offline", "written meanwhile")).id)
        return found

    monkeypatch.setattr(laptop.store, "pending_journals", read_then_app_writes)
    try:
        with pytest.raises(UnsentChanges) as refused:
            await laptop.journals.delete("Offline", drop_unsent=True)
    finally:
        monkeypatch.undo()
        await other.close()
    [entry_id] = written
    error = refused.value
    assert not error.kept_copy and entry_id in error.unsent_documents, error
    assert error.documents_count == 2 and "Nothing was deleted" in str(error), error
    [offline] = [j for j in await laptop.journals.list() if j.name == "Offline"]
    assert not offline.read_only_copy and offline.role == "owner", offline
    bodies = {e.body for e in await laptop.entries.list("Offline")}
    assert bodies == {"agreed to lose", "written meanwhile"}, bodies
    await outage.end()
    await laptop.sync(strict=True)  # created on the server now, with both entries
    phone = await Client.login(
        laptop.transport.base_url, "ana", PASSWORD, home=laptop.home.parent / "phone",
        minimum_cost=INSECURE_TEST_COST,
    )  # fmt: skip
    try:
        await phone.sync(strict=True)
        assert {e.body for e in await phone.entries.list("Offline")} == bodies
    finally:
        await phone.close()


async def test_emptying_the_trash_keeps_an_entry_whose_change_was_set_aside(
    live_server: RunningServer, signup: ClientFactory
) -> None:
    ana = await signup("ana")
    kept = await ana.entries.write("Personal", "Refused by a full account.")
    over = wire.encode(wire.ErrorReply("storage_quota_exceeded", "the account is full"))
    async with recording_proxy(live_server.url) as proxy:
        ana.transport.base_url = proxy.url
        proxy.replies["/v1/records/push"] = (413, over)
        report = await ana.sync()
    ana.transport.base_url = live_server.url
    assert [r.code for r in report.set_aside] == ["storage_quota_exceeded"]
    other = await ana.entries.write("Personal", "Synced, then trashed.")
    await ana.sync(strict=True)
    [change] = await ana.set_aside()
    assert change.doc_id == kept.id and change.text == "Refused by a full account."
    await ana.entries.delete(kept.id)
    await ana.entries.delete(other.id)

    assert await ana.entries.empty_trash() == 1  # the other one only
    assert [e.id for e in await ana.entries.trash()] == [kept.id]
    [still] = await ana.set_aside()
    assert still.text == "Refused by a full account."  # never listed without its words


async def test_erasing_the_account_refuses_while_words_are_only_on_this_device(
    outage: Outage, signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    await outage.begin()
    await laptop.entries.write("Personal", "Written offline.")
    await outage.end()
    with pytest.raises(UnsyncedChanges) as refused:
        await laptop.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)
    assert refused.value.erasing and refused.value.count == 1
    assert "Nothing was erased" in str(refused.value)
    phone = await login("ana")  # the account is still on the server
    await phone.sync(strict=True)
    await laptop.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST, discard_unsynced=1)


async def test_a_goal_with_a_change_set_aside_is_not_deleted_until_it_is_dropped(
    live_server: RunningServer, signup: ClientFactory
) -> None:
    ana = await signup("ana")
    goal = await ana.goals.add("Walk daily", why="Only on this device.")
    over = wire.encode(wire.ErrorReply("storage_quota_exceeded", "the account is full"))
    async with recording_proxy(live_server.url) as proxy:
        ana.transport.base_url = proxy.url
        proxy.replies["/v1/records/push"] = (413, over)
        await ana.sync()
    ana.transport.base_url = live_server.url
    for check_only in (True, False):
        with pytest.raises(InvalidInput) as refused:
            await ana.goals.delete(goal.id, check_only=check_only)
        assert refused.value.subject == "set aside words"
        assert refused.value.names == {"goal": goal.id}
    [change] = await ana.set_aside()
    assert (change.title, change.text) == ("Walk daily", "Only on this device.")
    await ana.drop_set_aside(change.record_id)  # never reached the server: removed with it
    assert await ana.set_aside() == []


async def sets_aside_every_push(client: Client, live_server: RunningServer) -> None:
    """`client` syncs through a proxy answering every push "storage_quota_exceeded" (413), a
    refusal for good: its waiting changes are set aside."""
    over = wire.encode(wire.ErrorReply("storage_quota_exceeded", "the account is full"))
    async with recording_proxy(live_server.url) as proxy:
        client.transport.base_url = proxy.url
        proxy.replies["/v1/records/push"] = (413, over)
        await client.sync()
    client.transport.base_url = live_server.url


async def test_an_own_note_with_a_change_set_aside_is_not_withdrawn(
    live_server: RunningServer, signup: ClientFactory
) -> None:
    """Withdrawing one's own note clears its text: refused while its change is set aside,
    whose words are on no other device (as a goal's delete is)."""
    ana = await signup("ana")
    words = "A note to myself, refused by a full account."
    note = await ana.notes.add("Personal", words)
    await sets_aside_every_push(ana, live_server)
    for check_only in (True, False):
        with pytest.raises(InvalidInput) as refused:
            await ana.notes.withdraw(note.id, check_only=check_only)
        assert refused.value.subject == "set aside words"
        assert refused.value.names == {"note": note.id}
    [change] = await ana.set_aside()
    assert change.text == words
    assert [n.id for n in await ana.notes.list("Personal")] == [note.id]


async def test_a_private_note_with_a_change_set_aside_keeps_its_words(
    live_server: RunningServer, signup: ClientFactory
) -> None:
    """A private note's change set aside is listed with its words, and deleting the note
    (which clears them) is refused until that change is dropped."""
    ben, drlee = await signup("ben"), await signup("drlee")
    await share_with(ben, drlee)
    await drlee.sync()
    words = "Ben seemed calmer; ask about sleep."
    note = await drlee.private_notes.add("ben/Personal", words)
    await sets_aside_every_push(drlee, live_server)
    [change] = await drlee.set_aside()
    assert change.text == words
    with pytest.raises(InvalidInput) as refused:
        await drlee.private_notes.delete(note.id)
    assert refused.value.subject == "set aside words"
    assert refused.value.names == {"private note": note.id}
    assert [c.text for c in await drlee.set_aside()] == [words]


async def hooked_proxy(
    upstream: str, path: str, hook: Callable[[], Awaitable[None]]
) -> tuple[TestServer, aiohttp.ClientSession]:
    """A loopback proxy to `upstream` that runs `hook` before forwarding a request to `path`."""
    session = aiohttp.ClientSession()

    async def forward(request: web.Request) -> web.Response:
        body = await request.read()
        if request.path == path:
            await hook()
        names = ("Content-Type", "Authorization")
        headers = {n: request.headers[n] for n in names if n in request.headers}
        url = upstream + request.path_qs
        async with session.request(request.method, url, data=body, headers=headers) as answer:
            return web.Response(
                status=answer.status, body=await answer.read(), content_type=answer.content_type
            )

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", forward)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server, session


async def test_an_entry_written_by_another_program_during_the_delete_is_kept(
    live_server: RunningServer, signup: ClientFactory
) -> None:
    """A second program on the profile (the app) writes in Dreams while the delete's request
    is on its way, after the delete counted nothing unsent: the server deletes the journal,
    but the removal counts again in its own write transaction and removes nothing; the
    journal stays a read-only copy holding the entry, set aside with its words."""
    ana = await signup("ana")
    await ana.journals.create("Dreams")
    await ana.entries.write("Dreams", "Flying again.")
    await ana.sync(strict=True)
    other = await Client.open(ana.home)
    words = "Written by the app while the delete was on its way."
    written: list[str] = []

    async def app_writes() -> None:
        written.append((await other.entries.write("Dreams", words)).id)

    server, session = await hooked_proxy(live_server.url, "/v1/journals/delete", app_writes)
    try:
        ana.transport.base_url = str(server.make_url("")).rstrip("/")
        with pytest.raises(UnsentChanges) as refused:
            await ana.journals.delete("Dreams")
    finally:
        ana.transport.base_url = live_server.url
        await server.close()
        await session.close()
        await other.close()
    [entry_id] = written
    assert refused.value.kept_copy and refused.value.documents == (entry_id,), refused.value
    assert "kept on this device as a read-only copy" in str(refused.value)
    [change] = await ana.set_aside()
    assert change.text == words
    [dreams] = [j for j in await ana.journals.list() if j.name == "Dreams"]
    assert dreams.read_only_copy, dreams
    await ana.drop_set_aside(change.record_id)
    await ana.journals.delete("Dreams")  # nothing unsent any more: the copy goes
    assert [j.name for j in await ana.journals.list()] == ["Personal"]


async def test_an_entry_written_during_the_account_erasure_keeps_this_devices_data(
    live_server: RunningServer, signup: ClientFactory
) -> None:
    """The erasure counted nothing unsynced; another program on the home writes an entry
    while the erasure's request is on its way: the account is erased on the server, and the
    last count, in the transaction that was to end the store, keeps this device's data."""
    ana = await signup("ana")
    await ana.sync(strict=True)
    other = await Client.open(ana.home)
    words = "Written by the app while the account was being erased."

    async def app_writes() -> None:
        await other.entries.write("Personal", words)

    server, session = await hooked_proxy(live_server.url, "/v1/account/delete", app_writes)
    try:
        ana.transport.base_url = str(server.make_url("")).rstrip("/")
        with pytest.raises(UnsyncedChanges) as refused:
            await ana.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)
    finally:
        ana.transport.base_url = live_server.url
        await server.close()
        await session.close()
    assert (refused.value.erased, refused.value.count) == (True, 1), refused.value
    assert "this device's data is kept" in str(refused.value)
    assert [e.body for e in await other.entries.list()] == [words]
    await other.close()
    assert (ana.home / "profile").exists()
    again = await Client.open(ana.home)
    assert [e.body for e in await again.entries.list()] == [words]
    await again.logout(discard_unsynced=1)  # the account is gone: the data then goes
    assert not [p for p in ana.home.iterdir() if p.name.startswith(("profile", "store"))]


async def test_another_devices_delete_for_good_keeps_the_words_of_an_edit_set_aside_here(
    live_server: RunningServer, signup: ClientFactory, login: ClientFactory
) -> None:
    """The phone's appended words, set aside (the account full), survive a sync applying
    the laptop's delete for good of the entry (emptied trash): a concurrent insert."""
    laptop = await signup("ana")
    entry = await laptop.entries.write("Personal", "Flying again.")
    await laptop.sync(strict=True)
    phone = await login("ana")
    await phone.sync(strict=True)
    added = " And a second dream, written on the phone only."
    await phone.entries.edit(entry.id, append=added)
    await sets_aside_every_push(phone, live_server)
    [before] = await phone.set_aside()
    assert added.strip() in before.text
    await laptop.entries.delete(entry.id)
    await laptop.entries.empty_trash()
    await laptop.sync(strict=True)
    await phone.sync()
    after = await phone.set_aside()
    assert after and all(added.strip() in c.text for c in after), after
