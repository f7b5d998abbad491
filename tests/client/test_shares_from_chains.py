"""Who shares a journal is read from the verified access chains on this device, never from a
list saved at the end of a journal refresh (REV-37's note, fixed 2026-12-04): a refresh cut
off right after a chain change (a share granted or ended on this device, then the server
fails the journal list that follows) used to leave that list behind the chains, and the
safety flags' reach, the care summary and the private notes' journal read it.

Each test makes the server fail every journal list once a rotation went through (the chain
change is signed, taken by the server and verified on the device; the refresh after it
fails), then asks what the device believes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from client_sdk import Client, InvalidInput, NetworkError
from client_sdk.private_notes import JOURNAL_NAME, PRIVATE_NOTE
from client_sdk.store import STORE_FILE
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import share_with
from tests.client.test_rev37_findings import chain_members, list_fails_after_rotate
from tests.conftest import ClientFactory


async def test_a_safety_flags_reach_names_the_members_the_chain_verified(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    ana = await through("ana")
    tom, ben = await signup("tom"), await signup("ben")
    await ana.entries.write("Personal", "Mine.")
    await share_with(ana, tom, role="annotate")
    await ana.sync()
    personal = (await ana.journals.get("Personal")).id
    assert await ana.safety.flags_reach("Personal") == {"tom": "off"}

    failing = list_fails_after_rotate(hostile)
    with pytest.raises(NetworkError):  # taken and verified; the refresh after it fails
        await ana.shares.revoke("Personal", "tom")
    assert chain_members(ana, personal) == {}
    after_revoke = await ana.safety.flags_reach("Personal")
    failing[0] = False
    with pytest.raises(NetworkError):
        await share_with(ana, ben, role="annotate")
    assert chain_members(ana, personal) == {"ben": "annotate"}
    after_grant = await ana.safety.flags_reach("Personal")
    # tom, removed, is reached by nothing; ben, who annotates now, is listed (not opted in)
    assert (after_revoke, after_grant) == ({}, {"ben": "off"})


async def test_private_notes_never_go_to_a_journal_the_chain_says_is_shared(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """tom, a therapist, named a journal of his "Private notes" and shares it with ben (his
    supervisor, say); the refresh after the grant failed. His first private note must not
    go into that journal, which ben reads."""
    tom = await through("tom")
    ana, ben = await signup("ana"), await signup("ben")
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    await tom.journals.create(JOURNAL_NAME)
    await tom.sync()
    notes_journal = (await tom.journals.get(JOURNAL_NAME)).id

    list_fails_after_rotate(hostile)
    with pytest.raises(NetworkError):
        await share_with(tom, ben, JOURNAL_NAME)
    assert chain_members(tom, notes_journal) == {"ben": "read"}
    with pytest.raises(InvalidInput, match="is shared, so it cannot hold private notes"):
        await tom.private_notes.add("ana/Personal", "Avoidance around her sister.")
    held = [d.kind for d in await tom.store.documents(bytes.fromhex(notes_journal))]
    assert PRIVATE_NOTE not in held


async def test_a_store_saved_by_an_older_sdk_loses_its_list_of_shares_at_open(
    signup: ClientFactory,
) -> None:
    """The table of an older store is dropped with the member names it held: nothing reads
    it any more, and nothing it said stays in the store's files."""
    ana = await signup("ana")
    home = ana.home
    await ana.close()
    path = Path(home) / STORE_FILE
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE shares (journal_id BLOB NOT NULL, member_id BLOB NOT NULL, "
            "member_name TEXT NOT NULL, role TEXT NOT NULL, expires_at INTEGER NOT NULL, "
            "expired INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (journal_id, member_id))"
        )
        db.execute("INSERT INTO shares VALUES (x'01', x'02', 'tom', 'read', 0, 0)")
    db.close()
    again = await Client.open(home)
    try:
        with sqlite3.connect(path) as db:
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        db.close()
        assert "shares" not in tables
        assert await again.shares.list(local_only=True) == []
    finally:
        await again.close()
