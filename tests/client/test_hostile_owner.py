"""A hostile server (alone, or with a member) against who owns a journal and what a new member
is given: the defences for the hostile review of issue 8 (R8-FINDINGS.md, findings 1, 2, 6,
7, 8 and 9), against a real server, through the rewriting proxy of tests/client/hostile.py
or with direct edits of the server's database. ana and ben are clients, tom a therapist.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from contextlib import closing
from pathlib import Path

from client_sdk import INSECURE_TEST_COST, Client, crypto, records, wire
from client_sdk.models import now_ms
from tests.client.hostile import HostileServer
from tests.client.sharing_support import copy_of_server_db, journal_id, server_db, share_with
from tests.client.test_hostile_access import readable_by
from tests.conftest import PASSWORD, ClientFactory, RunningServer

FORGED = "Forged by the therapist: stop taking your medication."


# --- helpers ---------------------------------------------------------------------------------


async def forge(
    author: Client,
    journal_name: str,
    doc_id: bytes,
    doc_kind: str,
    payload: bytes,
    *,
    counter: int,
    epoch: int | None = None,
) -> wire.RecordUpload:
    """A record sealed with a journal key `author` holds, signed by `author`."""
    local = await author.context.local_journal(journal_name)
    epoch = local.epoch if epoch is None else epoch
    key = await author.replica.journal_key(local, epoch)
    body = records.RecordBody(
        author=author.profile.account_id,
        device=author.profile.device_id,
        counter=counter,
        doc_id=doc_id,
        doc_kind=doc_kind,
        kind=records.UPDATE,
        payload=payload,
        written_at=now_ms(),
    )
    record_id = crypto.random_bytes(wire.ID_BYTES)
    ciphertext = records.seal_record(
        key, local.journal_id, record_id, epoch, body, author.profile.secrets.signing_key
    )
    return wire.RecordUpload(record_id, epoch, ciphertext)


def rewrite_journal(reply: bytes, journal: bytes, **changes: object) -> bytes:
    """The server's journal list with `changes` made to one journal."""
    listed = wire.decode(wire.JournalList, reply)
    return wire.encode(
        wire.JournalList(
            [
                dataclasses.replace(j, **changes) if j.journal_id == journal else j  # type: ignore[arg-type]
                for j in listed.journals
            ]
        )
    )


async def login_through(hostile: HostileServer, username: str, home: Path) -> Client:
    return await Client.login(
        hostile.url, username, PASSWORD, home=home, minimum_cost=INSECURE_TEST_COST
    )


def server_records(live_server: RunningServer, journal: bytes) -> int:
    with closing(sqlite3.connect(server_db(live_server))) as db:
        (count,) = db.execute(
            "SELECT count(*) FROM records WHERE journal_id = ?", (journal,)
        ).fetchone()
    return int(count)


# --- FINDING 6: what a new member is given ---------------------------------------------------


async def test_an_entry_deleted_before_a_share_opens_with_no_key_the_member_holds(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    """Deleted for good: left out of the share's snapshots, and its text cleared."""
    ana, tom = await signup("ana"), await signup("tom")
    await ana.entries.write("Personal", "An ordinary day.")
    gone = await ana.entries.write("Personal", "What happened with my brother.", title="Never tell")
    await ana.entries.delete(gone.id)
    assert await ana.entries.empty_trash() == 1
    await ana.sync()
    await share_with(ana, tom)
    await tom.sync()

    personal = await journal_id(ana, "Personal")
    stolen = copy_of_server_db(live_server, tmp_path)
    assert readable_by(tom, stolen, personal, "An ordinary day.")  # the share works
    assert readable_by(tom, stolen, personal, "my brother") == []
    assert readable_by(tom, stolen, personal, "Never tell") == []
    assert all("my brother" not in e.body for e in await tom.entries.list(include_deleted=True))


async def test_an_entry_in_the_trash_at_a_share_opens_with_no_key_the_member_holds(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await ana.entries.write("Personal", "An ordinary day.")
    gone = await ana.entries.write("Personal", "What happened with my brother.", title="Never tell")
    await ana.entries.delete(gone.id)
    await ana.sync()
    await share_with(ana, tom)
    await tom.sync()

    personal = await journal_id(ana, "Personal")
    stolen = copy_of_server_db(live_server, tmp_path)
    assert readable_by(tom, stolen, personal, "An ordinary day.")
    assert readable_by(tom, stolen, personal, "my brother") == []
    assert all("my brother" not in e.body for e in await tom.entries.list(include_deleted=True))
    assert [e.body for e in await ana.entries.trash()] == ["What happened with my brother."]


async def test_a_share_of_a_journal_with_every_entry_removed_shows_no_gap_and_a_restore_reaches_the_member(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    """No snapshot at all: a `void` record carries the share's boundary (no false gap); an
    entry restored from the trash afterwards reaches the member whole."""
    ana, tom = await signup("ana"), await signup("tom")
    kept = await ana.entries.write("Personal", "Later, maybe.")
    gone = await ana.entries.write("Personal", "Gone for good.")
    await ana.entries.delete(gone.id)
    await ana.entries.empty_trash()
    await ana.entries.delete(kept.id)
    await ana.entries.restore(kept.id)
    await ana.entries.delete(kept.id)
    await ana.sync()
    await share_with(ana, tom)
    report = await tom.sync()
    assert report.withheld == [] and report.problems == []
    assert [e.body for e in await tom.entries.list(include_deleted=True)] == []
    personal = await journal_id(ana, "Personal")
    stolen = copy_of_server_db(live_server, tmp_path)
    for text in ("Later, maybe.", "Gone for good."):
        assert readable_by(tom, stolen, personal, text) == []

    await ana.entries.write("Personal", "After the share.")  # its counter says records came before
    await ana.sync()
    report = await tom.sync()
    assert report.withheld == [] and report.problems == []
    await ana.entries.restore(kept.id)
    await ana.sync()
    report = await tom.sync()
    assert report.withheld == [] and report.problems == []
    assert sorted(e.body for e in await tom.entries.list()) == ["After the share.", "Later, maybe."]


async def test_an_entry_trashed_at_a_share_while_an_offline_device_edits_it_reaches_no_member(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    """The offline device's change from before the share is replaced by the removal only
    (it pulls before sealing again): neither the entry nor the edit reaches the member."""
    laptop, tom = await signup("ana"), await signup("tom")
    entry = await laptop.entries.write("Personal", "About my brother.")
    await laptop.sync()
    phone = await login("ana")
    await phone.sync()
    await phone.entries.edit(entry.id, append=" And what he did.")  # offline
    await laptop.entries.delete(entry.id)
    await laptop.sync()
    await share_with(laptop, tom)

    report = await phone.sync()
    assert report.set_aside == [] and report.problems == []
    await laptop.sync()
    report = await tom.sync()
    assert report.withheld == [] and report.problems == []
    personal = await journal_id(laptop, "Personal")
    stolen = copy_of_server_db(live_server, tmp_path)
    assert readable_by(tom, stolen, personal, "my brother") == []
    assert readable_by(tom, stolen, personal, "what he did") == []
    assert [e.body for e in await tom.entries.list()] == []
    assert [e.id for e in await laptop.entries.trash()] == [entry.id]
    assert [e.id for e in await phone.entries.trash()] == [entry.id]
