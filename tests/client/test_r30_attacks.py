"""R30 (hostile review of chain versions, protocol.md 4.19 "Chain versions"): what a device
of this version does with a journal whose chain holds an owner-signed entry of a newer chain
version ("update the app"), against a real server whose database is changed between steps as
whoever runs the server can. ana owns the journal; tom is a member. The newer entry stands
for what ana's device of a later app version signs (a revocation of tom, say): this device
cannot tell what it says, so it must act on nothing of that journal."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import msgpack
import pytest

from client_sdk import Client, access
from client_sdk.errors import NotFound, RollbackError, TJError, UpdateNeeded
from tests.client.sharing_support import server_db
from tests.client.test_chain_versions import shared_journal, store_entry, stored_chain
from tests.conftest import ClientFactory, RunningServer


def newer_entry(ana: Client, personal: bytes, chain: list[bytes]) -> bytes:
    """An entry of chain version 3 that ana (on a device of a later app) signed at the head."""
    head = access.verify(
        None, ana.replica.reader, personal, ana.profile.account_id,
        ana.profile.secrets.sign_public_key, chain,
    )  # fmt: skip
    body = msgpack.packb(
        [access.CHAIN_VERSION + 1, personal, len(chain), head.head, "revoked", 1, {}, "later"],
        use_bin_type=True,
    )
    return access.sign_entry(ana.profile.secrets.signing_key, body)


def record_count(live_server: RunningServer, journal: bytes) -> int:
    with closing(sqlite3.connect(server_db(live_server))) as db:
        [(count,)] = db.execute(
            "SELECT COUNT(*) FROM records WHERE journal_id = ?", (journal,)
        ).fetchall()
    return int(count)


async def test_revoking_a_share_of_a_journal_that_needs_an_update_never_says_it_is_not_shared(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    """ana's device of this version is told "update the app" for Personal; she then asks it
    to stop sharing Personal with tom. It cannot (it may sign nothing after the newer entry),
    and must say so: never NotFound "'Personal' is not shared with tom", which tells her tom
    no longer reads it while his share goes on for all this device knows."""
    ana, tom = await signup("ana"), await signup("tom")
    personal = await shared_journal(ana, tom, live_server)
    chain = stored_chain(live_server, personal)
    store_entry(live_server, personal, len(chain), newer_entry(ana, personal, chain))
    await ana.replica.refresh_journals()
    report = await ana.sync()
    assert report.update_needed and ana.replica.chains.needs_update(personal)
    state = ana.replica.chains.state(personal)
    assert state is not None and any(m.username == "tom" for m in state.members.values())
    with pytest.raises(TJError) as raised:
        await ana.shares.revoke("Personal", "tom")
    assert not isinstance(raised.value, NotFound), str(raised.value)
    assert "not shared" not in str(raised.value)


async def test_records_sealed_before_an_update_needed_are_not_sent_under_the_old_key(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    """ana's device sealed an entry under Personal's key epoch (tom holds that key), then
    learnt that Personal's chain holds an entry of a newer version: what it says (a
    revocation of tom and a new key, say) this device cannot tell, and the app promises
    "nothing new is shown or sent for this journal" until it is updated. A server (with
    tom) that accepts the old epoch must not be handed the entry sealed under the key tom
    holds: in a version-2 chain the same revocation would have made this device seal it
    again under the new key (OLD_EPOCH)."""
    ana, tom = await signup("ana"), await signup("tom")
    personal = await shared_journal(ana, tom, live_server)
    await ana.sync()
    before = record_count(live_server, personal)
    chain = stored_chain(live_server, personal)
    store_entry(live_server, personal, len(chain), newer_entry(ana, personal, chain))
    # Sealed now (an offline write), before this device has read the newer entry.
    await ana.entries.write("Personal", "Written on the old app after tom was revoked.")
    await ana.replica.refresh_journals()  # the device learns "update the app"
    assert ana.replica.chains.needs_update(personal)
    report = await ana.sync()
    assert report.update_needed
    assert record_count(live_server, personal) == before  # nothing of Personal sent


async def test_tampering_after_an_update_needed_is_told_as_tampering_not_as_update(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    """After tom's device said "update the app" for Personal (a real owner entry of a newer
    version), the server hides that entry again and names an older key epoch than the chain
    tom verified (a rollback). That is tampering and must be reported as such (a rollback),
    not passed off as the benign "update the app" left from before."""
    ana, tom = await signup("ana"), await signup("tom")
    personal = await shared_journal(ana, tom, live_server)
    await ana.sync()
    await tom.sync()
    chain = stored_chain(live_server, personal)
    verified = tom.replica.chains.state(personal)
    assert verified is not None and verified.epoch >= 1
    store_entry(live_server, personal, len(chain), newer_entry(ana, personal, chain))
    await tom.replica.refresh_journals()
    first = await tom.sync()
    assert first.update_needed and first.rollbacks == []
    with closing(sqlite3.connect(server_db(live_server))) as db, db:
        db.execute(
            "DELETE FROM access_chain WHERE journal_id = ? AND position = ?",
            (personal, len(chain)),
        )
        db.execute(
            "UPDATE journals SET epoch = epoch - 1, meta_version = meta_version + 1 "
            "WHERE journal_id = ?",
            (personal,),
        )
    await tom.replica.refresh_journals()
    second = await tom.sync()
    problem = tom.replica.chains.problem(personal)
    assert problem is not None and "older than epoch" in problem  # a rollback was found
    assert second.rollbacks, (second.rollbacks, second.update_needed)
    assert second.update_needed == [], second.update_needed
    assert not tom.replica.chains.needs_update(personal)


async def test_writing_to_a_journal_that_needs_an_update_says_update_not_rollback(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    """Once ana's device knows Personal's chain holds an owner entry of a newer version, a
    write there is refused; the error an app catches must be the "update the app" one
    (UpdateNeeded, of which ChainUpdateNeeded is a kind, as errors.py documents), never a
    RollbackError, which an app shows as the server tampering with the journal."""
    ana, tom = await signup("ana"), await signup("tom")
    personal = await shared_journal(ana, tom, live_server)
    chain = stored_chain(live_server, personal)
    store_entry(live_server, personal, len(chain), newer_entry(ana, personal, chain))
    await ana.replica.refresh_journals()
    assert ana.replica.chains.needs_update(personal)
    with pytest.raises(TJError) as raised:
        await ana.entries.write("Personal", "After the newer app signed.")
    assert isinstance(raised.value, UpdateNeeded), type(raised.value)
    assert not isinstance(raised.value, RollbackError)


async def test_an_unsent_write_to_a_journal_that_needs_an_update_does_not_stop_every_sync(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    """The honest case behind "update the app": ana's phone (a later app) revoked tom with an
    entry of a newer chain version and a new key epoch, which the server now requires. Her
    laptop (this version) had written to Personal offline: the server refuses that record
    (`stale_epoch`), and the laptop cannot seal it again (it cannot read the newer entry).
    That journal waits for the update; the laptop's other journals must go on syncing, and
    a sync must not fail for good with an error."""
    ana, tom = await signup("ana"), await signup("tom")
    personal = await shared_journal(ana, tom, live_server)
    await ana.journals.create("Work")
    await ana.sync()
    chain = stored_chain(live_server, personal)
    store_entry(live_server, personal, len(chain), newer_entry(ana, personal, chain))
    with closing(sqlite3.connect(server_db(live_server))) as db, db:
        db.execute("UPDATE journals SET epoch = epoch + 1 WHERE journal_id = ?", (personal,))
    await ana.entries.write("Personal", "Written offline on the laptop.")
    for _ in range(2):
        report = await ana.sync()  # must not raise
        assert report.update_needed
    work = bytes.fromhex((await ana.journals.get("Work")).id)
    before = record_count(live_server, work)
    await ana.entries.write("Work", "Another journal goes on syncing.")
    await ana.sync()
    assert record_count(live_server, work) == before + 1
