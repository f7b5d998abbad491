"""rev34e F1, F3: a journal the server lists but whose access chain this device could not
verify or replay is served: `PrivateNotes.without_copy` (nu85 F5's "no copy on this device:
the server no longer serves it ... a sync cannot bring it") must not name it, nor may
`local_journal` answer it so. Real server on 127.0.0.1, real crypto; the chain entries are
written into the server's database as a newer app (F3) or a hostile server (F1) would."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import msgpack
import pytest

from client_sdk import Client, access
from client_sdk.errors import NotFound
from tests.client.sharing_support import journal_id, server_db, share_with
from tests.client.test_chain_versions import store_entry, stored_chain
from tests.conftest import ClientFactory, RunningServer


async def therapist_with_a_note(signup: ClientFactory) -> tuple[Client, Client]:
    ana, laptop = await signup("ana"), await signup("drsmith")
    await share_with(ana, laptop)
    await laptop.sync()
    await laptop.private_notes.add("ana/Personal", "Call her Tuesday.")
    await laptop.sync()
    return ana, laptop


async def not_told_as_gone(office: Client) -> None:
    assert await office.private_notes.without_copy() == []
    with pytest.raises(Exception) as raised:
        await office.context.local_journal("ana/Personal")
    assert not (
        isinstance(raised.value, NotFound) and "no longer serves it" in str(raised.value)
    ), raised.value


async def test_a_live_share_needing_an_app_update_is_not_told_as_no_longer_served(
    live_server: RunningServer, signup: ClientFactory, login: ClientFactory
) -> None:
    """F3: the client's newer app signs an entry of the next chain version (honest server):
    the therapist's new device is told to update the app, never that the share is gone."""
    ana, _ = await therapist_with_a_note(signup)
    personal = await journal_id(ana, "Personal")
    chain = stored_chain(live_server, personal)
    head = access.verify(
        None, ana.replica.reader, personal, ana.profile.account_id,
        ana.profile.secrets.sign_public_key, chain,
    )  # fmt: skip
    body = msgpack.packb(
        [access.CHAIN_VERSION + 1, personal, len(chain), head.head, "renamed", 1, {}, "later"],
        use_bin_type=True,
    )
    signing_key = ana.profile.secrets.signing_key
    store_entry(live_server, personal, len(chain), access.sign_entry(signing_key, body))
    office = await login("drsmith", "office")
    report = await office.sync()
    assert report.update_needed, report
    await not_told_as_gone(office)


async def test_a_live_share_with_a_tampered_chain_is_not_told_as_no_longer_served(
    live_server: RunningServer, signup: ClientFactory, login: ClientFactory
) -> None:
    """F1: the server flips a byte of the share entry of a live chain: the sync reports the
    tampering; the share is never told as ended or no longer served."""
    ana, _ = await therapist_with_a_note(signup)
    personal = await journal_id(ana, "Personal")
    with closing(sqlite3.connect(server_db(live_server))) as db, db:
        columns = [r[1] for r in db.execute("PRAGMA table_info(access_chain)")]
        blob = [c for c in columns if c not in ("journal_id", "position")][0]
        (entry,) = db.execute(
            f"SELECT {blob} FROM access_chain WHERE journal_id = ? AND position = 1",
            (personal,),
        ).fetchone()
        entry = bytes(entry)
        db.execute(
            f"UPDATE access_chain SET {blob} = ? WHERE journal_id = ? AND position = 1",
            (entry[:-1] + bytes([entry[-1] ^ 1]), personal),
        )
    office = await login("drsmith", "office")
    await office.sync()
    assert personal in office.replica.chains.problems()  # told by the sync, as such
    await not_told_as_gone(office)
