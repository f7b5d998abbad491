"""REV-DEL, the review of REV-FINAL F2's first fix (a journal deleted on this device is never
taken back from a journal list): the paths by which a deleted journal still came back, each
test written by the reviewer against that fix, where it failed, and fixed since: a deletion
made while a sync of the same process (D1, one process) or of another process of the
profile (D1, two) ran; a read-only copy discarded while withheld, whose return asked the
server to delete the journal (D2); another account's journal under a freed id (D3)."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from client_sdk import INSECURE_TEST_COST, Client, NotFound, wire
from client_sdk.store import STORE_FILE
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import journal_id, server_db, share_with
from tests.client.test_chain_versions import stored_chain
from tests.client.test_deleted_journal_relisted import (
    record_epochs,
    roll_back,
    work_shared_then_revoked,
)
from tests.conftest import PASSWORD, ClientFactory, RunningServer


class FakedDeletes:
    """Every /v1/journals/delete answered "done", nothing deleted; the first one asked for
    `stall_on` (once armed) is held until `release` is set."""

    def __init__(self, hostile: HostileServer) -> None:
        self.asked: list[bytes] = []
        self.stall_on: bytes | None = None
        self.reached = asyncio.Event()
        self.release = asyncio.Event()
        forward = hostile.forward

        async def fake(session: aiohttp.ClientSession, request: web.Request) -> web.Response:
            if request.path != "/v1/journals/delete":
                return await forward(session, request)
            asked = wire.decode(wire.JournalRequest, await request.read()).journal_id
            self.asked.append(asked)
            if asked == self.stall_on:
                self.stall_on = None
                self.reached.set()
                await self.release.wait()
            return web.Response(
                status=200, body=wire.encode(wire.Empty()), content_type="application/msgpack"
            )

        hostile.forward = fake  # type: ignore[method-assign]


def phone_counter(client: Client, journal: bytes) -> int:
    """The last write counter this device took in `journal` (its store's own row)."""
    with closing(sqlite3.connect(Path(client.home) / STORE_FILE)) as db:
        row = db.execute(
            "SELECT counter FROM device_write_counters WHERE journal_id = ?", (journal,)
        ).fetchone()
    return int(row[0]) if row else 0


async def epoch_of(client: Client, journal: bytes) -> int:
    return next(j.epoch for j in await client.store.journals() if j.journal_id == journal)


async def test_a_delete_during_a_sync_stalled_in_the_deletion_asked_again_is_undone(
    through: Through, hostile: HostileServer, live_server: RunningServer
) -> None:
    """One process (an app): its sync reads `forgotten.DELETED` in `_without_deleted`, then
    asks again the deletion of an older deleted journal, which the server holds. The user
    deletes Work meanwhile (`journals.delete` takes no `sync_lock`, and `delete_journal`
    forgets Work's chain in memory). The server, which faked that deletion too, had listed
    Work at the prefix of its chain from before tom was removed: the sync, with its stale set
    and no chain of Work in memory any more, verifies that prefix from genesis and takes Work
    back, owner, writable under the epoch tom holds the key of. A deletion now waits for a
    sync of its client (`sync_lock`)."""
    ana, work, shared_length, epoch_shared = await work_shared_then_revoked(through, live_server)
    await ana.journals.create("Old")
    await ana.sync()
    old = await journal_id(ana, "Old")
    faked = FakedDeletes(hostile)
    await ana.journals.delete("Old")  # faked: listed again at every sync
    roll_back(live_server, work, shared_length, epoch_shared)  # listed so at the next sync

    faked.stall_on = old
    syncing = asyncio.create_task(ana.sync())
    await asyncio.wait_for(faked.reached.wait(), 30)
    # the user, while the app syncs; agreeing the count away: the pre-count sync would see
    # the rollback and refuse the deletion (a sync cut short), and the race is the subject here
    deleting = asyncio.create_task(ana.journals.delete("Work", discard_undelivered=True))
    await asyncio.sleep(0.2)
    assert not deleting.done()  # it waits for the sync (`sync_lock`)
    faked.release.set()
    await syncing
    await deleting
    assert work not in {j.journal_id for j in await ana.store.journals()}
    report = await ana.sync()  # Work listed again at the older prefix: not taken back
    assert any(work.hex()[:8] in line and "not taken back" in line for line in report.problems)
    assert ana.replica.chains.state(work) is None

    held = {j.journal_id: j for j in await ana.store.journals()}
    if work in held:  # what the attack gets: a new entry sealed under the epoch tom holds
        before = len(record_epochs(live_server, work))
        await ana.entries.write("Work", "Sealed for tom, who was removed.")
        await ana.sync()
        sealed = record_epochs(live_server, work)[before:]
        state = ana.replica.chains.state(work)
        raise AssertionError(
            f"Work taken back: role {held[work].role}, epoch {held[work].epoch} (tom holds "
            f"{epoch_shared}), chain length {state and state.length} (served prefix "
            f"{shared_length}); a new entry went to the server under epoch(s) {sealed}"
        )


async def test_a_second_process_syncing_while_the_first_deletes_writes_the_journal_back(
    through: Through, hostile: HostileServer, live_server: RunningServer, tmp_path: Path
) -> None:
    """Two processes of one profile (the app and `tj`): the app's sync is held in the
    deletion asked again of an older journal; `tj journal delete Work` runs and finishes;
    the app's sync, with the `forgotten.DELETED` it read before, writes Work back (row, key
    envelopes): `Transaction.put_journal` checked the forgotten tag in its transaction, never
    the deleted one. Work was then shown again, and kept for good as a read-only copy. The
    refresh's last transaction now reads the deleted journals again and removes what it
    stored of them (`Replica._deleted_meanwhile`)."""
    ana = await through("ana")
    home = tmp_path / "ana-via-proxy"
    await ana.journals.create("Work")
    await ana.entries.write("Work", "kept")
    await ana.journals.create("Old")
    await ana.sync()
    work, old = await journal_id(ana, "Work"), await journal_id(ana, "Old")
    faked = FakedDeletes(hostile)
    await ana.journals.delete("Old")
    app = await Client.open(home)
    try:
        faked.stall_on = old
        syncing = asyncio.create_task(app.sync())
        await asyncio.wait_for(faked.reached.wait(), 30)
        await ana.journals.delete("Work")  # `tj`, another process; faked by the server
        faked.release.set()
        await syncing
        assert work not in {j.journal_id for j in await app.store.journals()}
        assert app.replica.chains.state(work) is None
        assert not [k for k in await app.store.journal_keys() if k[0] == work]
        assert work not in await app.store.access_entries()
        later = await ana.sync()
        assert work not in {j.journal_id for j in await ana.store.journals()}  # no ghost copy
        assert any(work.hex()[:8] in line for line in later.problems), later.problems
        back = {j.name: j for j in await app.journals.list()}
        if "Work" in back:
            bodies = [e.body for e in await app.entries.list("Work")]
            later = await ana.sync()  # the deleting process: Work is "gone" now, a copy
            kept = {j.journal_id: j.role for j in await ana.store.journals()}
            said = [line for line in later.problems if work.hex()[:8] in line]
            raise AssertionError(
                f"Work written back by the other process: entries {bodies}; after the "
                f"deleting process's next sync it holds it as {kept.get(work)!r} while its "
                f"problems say {said}"
            )
    finally:
        await app.close()


async def test_a_members_journal_under_a_deleted_id_is_hidden_and_blamed_on_the_server(
    through: Through, hostile: HostileServer, live_server: RunningServer
) -> None:
    """An honest server deletes Work and frees its id; tom, a former member who knows it,
    creates a journal of his own under that id and shares it with ana. `_without_deleted`
    filters by id alone (whatever the listed owner): ana's device never sees tom's share,
    asks the server every sync to delete tom's journal, and tells her at every sync that
    the server did not carry out her deletion, which it did."""
    ana, tom = await through("ana"), await through("tom")
    await ana.journals.create("Work")
    await share_with(ana, tom, "Work")
    await ana.sync()
    await tom.sync()
    work = await journal_id(ana, "Work")
    await ana.journals.delete("Work")  # carried out by the (honest) server
    await ana.sync()
    mal = await through("mal")  # tom's accomplice (tom's own device still holds his copy)
    await mal.replica.create_journal("Tom's notes", journal_id=work)
    await mal.sync()
    await share_with(mal, ana, "Tom's notes")
    report = await ana.sync()
    said = [line for line in report.problems if work.hex()[:8] in line]
    names = {j.name for j in await ana.journals.list()}
    assert "mal/Tom's notes" in names and not said, (names, said)


async def test_discarding_the_read_only_copy_of_a_withheld_journal_deletes_it_on_the_server(
    signup: ClientFactory,
    live_server: RunningServer,
    hostile: HostileServer,
    tmp_path: Path,
) -> None:
    """The server leaves Diary out of the phone's journal list for a while (withheld, or a
    listing bug): the phone keeps it as a read-only copy "no longer on the server: deleted
    on another device, or withheld". The user discards that copy (`journals.delete` of a
    revoked copy asks nothing of the server). Diary is listed again: the phone now asks the
    server to delete Diary, and the server does: the laptop's entries, the members' access,
    gone, from a user action that only discarded a local copy. Now nothing is asked, and the
    journal, whose chain continues the one the phone held, is taken back."""
    laptop = await signup("rxdel")
    phone = await Client.login(
        hostile.url, "rxdel", PASSWORD, home=tmp_path / "phone", minimum_cost=INSECURE_TEST_COST
    )
    try:
        diary = bytes.fromhex((await laptop.journals.create("Diary")).id)
        await laptop.entries.write("Diary", "the laptop's entry")
        await laptop.sync()
        await phone.sync()
        await phone.entries.write("Diary", "the phone's entry")
        await phone.sync()
        counter = phone_counter(phone, diary)
        assert counter >= 1

        def withhold(_request: bytes, reply: bytes) -> bytes:
            listed = wire.decode(wire.JournalList, reply)
            kept = [j for j in listed.journals if j.journal_id != diary]
            return wire.encode(wire.JournalList(kept, listed.next))

        hostile.replies["/v1/journals/list"] = withhold
        await phone.replica.refresh_journals()  # a journal list (a sync reads one on a notice)
        copy = {j.journal_id: j.role for j in await phone.store.journals()}
        assert copy.get(diary) == "revoked"
        deletes = len(hostile.bodies("/v1/journals/delete"))
        await phone.journals.delete("Diary")  # the copy: nothing asked of the server
        assert len(hostile.bodies("/v1/journals/delete")) == deletes
        del hostile.replies["/v1/journals/list"]
        await phone.replica.refresh_journals()
        await laptop.entries.write("Diary", "written after")
        report = await laptop.sync()
        asked = [wire.decode(wire.JournalRequest, b).journal_id
                 for b in hostile.bodies("/v1/journals/delete")[deletes:]]  # fmt: skip
        with closing(sqlite3.connect(server_db(live_server))) as db:
            rows = db.execute(
                "SELECT count(*) FROM journals WHERE journal_id = ?", (diary,)
            ).fetchone()[0]
        assert diary not in asked, (
            f"the phone asked the server to delete Diary (server rows left: {rows}); the "
            f"laptop's next sync: problems {report.problems}"
        )
        assert rows == 1
        # The chain the phone held when it discarded its copy continues: Diary is back.
        held = {j.journal_id: j for j in await phone.store.journals()}
        assert held[diary].role == "owner"
        await phone.sync()
        assert "written after" in {e.body for e in await phone.entries.list("Diary")}
        # Its write counters were kept (by tag) and given back: none is signed twice (R36 F5).
        await phone.entries.write("Diary", "the phone's entry, after")
        assert phone_counter(phone, diary) == counter + 1
        mine = await phone.sync(strict=True)  # its own earlier entry back, whole
        assert mine.problems == [] and mine.withheld == []
        assert "the phone's entry" in {e.body for e in await phone.entries.list("Diary")}
        late = await laptop.sync()
        assert late.problems == [] and late.withheld == []
        assert "the phone's entry, after" in {e.body for e in await laptop.entries.list("Diary")}
    finally:
        await phone.close()


async def test_a_discarded_copy_listed_again_at_an_older_prefix_is_not_taken_back(
    signup: ClientFactory,
    live_server: RunningServer,
    hostile: HostileServer,
    tmp_path: Path,
) -> None:
    """REV-FINAL F2 through D2's door: the phone held Diary's chain after tom's removal; the
    server withheld Diary from it, the user discarded the copy (nothing asked of the
    server), then the server lists Diary again at the prefix of its chain from before tom was
    removed, at the epoch tom holds. The phone keeps a mark of the chain it held: the older
    prefix does not continue it, so Diary is not taken back (nothing sealed for tom)."""
    laptop, tom = await signup("rxdla"), await signup("rxdtom2")
    phone = await Client.login(
        hostile.url, "rxdla", PASSWORD, home=tmp_path / "phone", minimum_cost=INSECURE_TEST_COST
    )
    try:
        diary = bytes.fromhex((await laptop.journals.create("Diary")).id)
        await share_with(laptop, tom, "Diary")
        await laptop.sync()
        shared_length = len(stored_chain(live_server, diary))
        epoch_shared = await epoch_of(laptop, diary)
        await laptop.shares.revoke("Diary", "rxdtom2")
        await laptop.sync()
        await phone.sync()
        assert await epoch_of(phone, diary) > epoch_shared

        def withhold(_request: bytes, reply: bytes) -> bytes:
            listed = wire.decode(wire.JournalList, reply)
            kept = [j for j in listed.journals if j.journal_id != diary]
            return wire.encode(wire.JournalList(kept, listed.next))

        hostile.replies["/v1/journals/list"] = withhold
        await phone.replica.refresh_journals()
        assert {j.journal_id: j.role for j in await phone.store.journals()}[diary] == "revoked"
        await phone.journals.delete("Diary")  # the copy, discarded
        del hostile.replies["/v1/journals/list"]
        roll_back(live_server, diary, shared_length, epoch_shared)

        report = await phone.sync()

        assert diary not in {j.journal_id for j in await phone.store.journals()}
        assert phone.replica.chains.state(diary) is None
        told = [line for line in report.problems if diary.hex()[:8] in line]
        assert told and "does not continue the one this device held" in told[0], told
        assert not hostile.bodies("/v1/journals/delete")  # nothing asked of the server
        with pytest.raises(NotFound):
            await phone.entries.write("Diary", "Would be sealed under the epoch tom holds.")
    finally:
        await phone.close()
