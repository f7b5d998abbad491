"""Renaming, archiving and deleting a journal: the owner seals and signs the new name; every
device and every member sees it after their next sync. A real server on loopback, real crypto."""

from __future__ import annotations

import pytest

from client_sdk import AccessError, Client, InvalidInput, wire
from tests.client.hostile import HostileServer
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory, RunningServer


async def test_a_renamed_journal_keeps_its_entries_and_reaches_other_devices_and_members(
    signup: ClientFactory, login: ClientFactory
) -> None:
    ana = await signup("ana")
    tom = await signup("tom")
    phone = await login("ana")
    written = await ana.entries.write("Personal", "Before the new name.")
    await share_with(ana, tom)
    await ana.sync()

    renamed = await ana.journals.rename("Personal", "Diary")
    assert (renamed.name, renamed.role) == ("Diary", "owner")
    assert [e.id for e in await ana.entries.list("Diary")] == [written.id]
    await phone.sync()
    await tom.sync()
    assert [j.name for j in await phone.journals.list()] == ["Diary"]
    assert [e.body for e in await phone.entries.list("Diary")] == ["Before the new name."]
    assert [(s.owner, s.owner_journal_name) for s in await tom.shares.with_me()] == [
        ("ana", "Diary")
    ]
    assert [e.journal for e in await tom.entries.list()] == ["ana/Diary"]


async def test_a_taken_or_bad_name_is_refused_and_a_member_cannot_rename(
    signup: ClientFactory,
) -> None:
    ana: Client = await signup("ana")
    tom: Client = await signup("tom")
    await ana.journals.create("Work")
    with pytest.raises(InvalidInput, match="already exists"):
        await ana.journals.rename("Personal", "work")
    with pytest.raises(InvalidInput, match="without '/'"):
        await ana.journals.rename("Personal", "a/b")
    await share_with(ana, tom)
    await tom.sync()
    with pytest.raises(AccessError, match="only the owner"):
        await tom.journals.rename("ana/Personal", "Mine now")
    assert sorted(j.name for j in await ana.journals.list()) == ["Personal", "Work"]


async def test_an_archived_journal_is_listed_last_keeps_its_entries_and_takes_no_new_ones(
    signup: ClientFactory, login: ClientFactory
) -> None:
    ana = await signup("ana")
    await ana.journals.create("Archive me")
    await ana.entries.write("Archive me", "An old thought.")
    await ana.sync()

    archived = await ana.journals.archive("Archive me")
    assert archived.archived
    assert [(j.name, j.archived) for j in await ana.journals.list()] == [
        ("Personal", False),
        ("Archive me", True),
    ]
    assert [e.body for e in await ana.entries.list("Archive me")] == ["An old thought."]
    with pytest.raises(AccessError, match="archived: unarchive it first"):
        await ana.entries.write("Archive me", "A new thought.")
    phone = await login("ana")
    await phone.sync()
    assert (await phone.journals.get("Archive me")).archived
    await ana.replica.rotate(await ana.context.local_journal("Archive me"))  # meta sealed again
    assert (await ana.journals.get("Archive me")).archived

    back = await ana.journals.archive("Archive me", archived=False)
    assert not back.archived
    await ana.entries.write("Archive me", "A new thought.")
    await ana.sync()
    await phone.sync()
    assert not (await phone.journals.get("Archive me")).archived
    assert len(await phone.entries.list("Archive me")) == 2


async def test_a_deleted_journal_is_gone_from_the_server_and_kept_read_only_elsewhere(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    ana = await signup("ana")
    tom = await signup("tom")
    phone = await login("ana")
    await ana.journals.create("Old")
    await ana.entries.write("Old", "To be deleted.")
    await share_with(ana, tom, "Old")
    await ana.sync()
    await tom.sync()
    await phone.sync()
    journal = bytes.fromhex((await ana.journals.get("Old")).id)
    usage = "SELECT stored_bytes FROM account_usage WHERE account_id = ?"
    [(before,)] = await live_server.rows(usage, ana.profile.account_id)

    await ana.journals.delete("Old")
    for table in ("journals", "records", "members", "journal_keys", "access_chain", "audit"):
        rows = await live_server.rows(f"SELECT count(*) FROM {table} WHERE journal_id = ?", journal)
        assert rows == [(0,)], table
    [(after,)] = await live_server.rows(usage, ana.profile.account_id)
    assert after < before
    assert [j.name for j in await ana.journals.list()] == ["Personal"]
    assert [e.journal for e in await ana.entries.list()] == []

    await phone.sync()  # the server no longer names it: kept, read-only, never dropped
    [kept] = [j for j in await phone.journals.list() if j.name == "Old"]
    assert kept.read_only_copy
    assert [e.body for e in await phone.entries.list("Old")] == ["To be deleted."]
    with pytest.raises(AccessError, match="deleted"):
        await phone.entries.write("Old", "Too late.")
    await phone.journals.delete("Old")  # this device's copy, no server call needed
    assert [j.name for j in await phone.journals.list()] == ["Personal"]

    await tom.sync()
    assert [(s.owner_journal_name, s.read_only_copy) for s in await tom.shares.with_me()] == [
        ("Old", True)
    ]


async def test_only_the_owner_deletes_a_journal(signup: ClientFactory) -> None:
    ana = await signup("ana")
    tom = await signup("tom")
    await share_with(ana, tom)
    await tom.sync()
    with pytest.raises(AccessError, match="only the owner"):
        await tom.journals.delete("ana/Personal")
    assert [j.name for j in await ana.journals.list()] == ["Personal"]


async def test_a_journal_the_server_stops_listing_is_kept_read_only_not_dropped(
    signup: ClientFactory, hostile: HostileServer
) -> None:
    ana = await signup("ana")
    await ana.entries.write("Personal", "Mine, whatever the server says.")
    await ana.sync()
    personal = bytes.fromhex((await ana.journals.get("Personal")).id)
    ana.transport.base_url = hostile.url

    def hide_personal(request: bytes, reply: bytes) -> bytes:
        listed = wire.decode(wire.JournalList, reply)
        kept = [j for j in listed.journals if j.journal_id != personal]
        return wire.encode(wire.JournalList(kept))

    hostile.replies["/v1/journals/list"] = hide_personal
    await ana.replica.refresh_journals()
    [kept] = await ana.journals.list()
    # its own journal: read-only, never a share said ended (the server's word alone)
    assert (kept.name, kept.read_only_copy, kept.share_ended) == ("Personal", True, False)
    assert [e.body for e in await ana.entries.list("Personal")] == [
        "Mine, whatever the server says."
    ]
