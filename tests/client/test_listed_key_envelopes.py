"""The key envelopes the server's journal list carries are stored only once they verify as
this account's.

A hostile server lists to kim, a member of ana's journal, the envelopes ana sealed for ben,
another member of it (it holds them: ben is a member too). kim's device refuses them: it
keeps the envelope it holds (or stores none), tells the journal's problem in the sync's
report, and syncs its other journals as usual. An unchanged journal list costs no
verification: only envelopes new or changed since the store's are verified.

Real server on loopback (its database edited as a hostile server would), real SQLite
store."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from client_sdk import Client, keys
from tests.client.sharing_support import journal_id, server_db, share_with
from tests.conftest import ClientFactory, RunningServer


def _held(home: Path) -> dict[tuple[bytes, int], bytes]:
    with closing(sqlite3.connect(home / "store.db")) as db:
        rows = db.execute("SELECT journal_id, epoch, envelope FROM journal_keys").fetchall()
    return {(bytes(j), e): bytes(v) for j, e, v in rows}


def _listed_as(server: RunningServer, journal: bytes, member: bytes, other: bytes) -> None:
    """The server lists to `member` the envelopes of `journal` it holds for `other`."""
    with closing(sqlite3.connect(server_db(server))) as db, db:
        rows = db.execute(
            "SELECT epoch, envelope FROM journal_keys WHERE journal_id = ? AND account_id = ?",
            (journal, other),
        ).fetchall()
        assert rows
        for epoch, envelope in rows:
            db.execute(
                "UPDATE journal_keys SET envelope = ? WHERE journal_id = ? AND epoch = ? "
                "AND account_id = ?",
                (envelope, journal, epoch, member),
            )


def _server_envelopes(server: RunningServer, journal: bytes, account: bytes) -> list[Any]:
    with closing(sqlite3.connect(server_db(server))) as db:
        return db.execute(
            "SELECT epoch, envelope FROM journal_keys WHERE journal_id = ? AND account_id = ?",
            (journal, account),
        ).fetchall()


def _put_back(server: RunningServer, journal: bytes, account: bytes, rows: list[Any]) -> None:
    with closing(sqlite3.connect(server_db(server))) as db, db:
        for epoch, envelope in rows:
            db.execute(
                "UPDATE journal_keys SET envelope = ? WHERE journal_id = ? AND epoch = ? "
                "AND account_id = ?",
                (envelope, journal, epoch, account),
            )


async def test_another_members_listed_envelope_is_refused_and_the_held_one_kept(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    ana = await signup("ana")
    kim = await signup("kim")
    ben = await signup("ben")
    await share_with(ana, ben)  # epoch 1: ben
    await share_with(ana, kim)  # epoch 2: ben and kim
    await ana.entries.write("Personal", "first")
    await ana.sync()
    await kim.sync()
    assert [e.body for e in await kim.entries.list("ana/Personal")] == ["first"]
    shared = await journal_id(ana, "Personal")
    before = _held(kim.home)
    _listed_as(live_server, shared, kim.profile.account_id, ben.profile.account_id)
    ben_envelopes = {
        bytes(v) for _, v in _server_envelopes(live_server, shared, ben.profile.account_id)
    }
    await ana.journals.rename("Personal", "Shared notes")  # kim's next sync lists journals
    await ana.entries.write("Shared notes", "second")
    await ana.sync()
    await kim.entries.write("Personal", "kim's own")

    report = await kim.sync()

    held = _held(kim.home)
    assert not set(held.values()) & ben_envelopes, "ben's envelope stored in kim's store"
    assert held == before
    refused = [p for p in report.problems if "refused, never stored" in p]
    assert len(refused) == 1 and "Shared notes" in refused[0], report.problems
    assert "the key this device holds is kept" in refused[0], refused[0]
    assert report.pushed >= 1  # kim's own journal synced as usual
    assert {e.body for e in await kim.entries.list("ana/Shared notes")} == {"first", "second"}
    again = await kim.sync()  # told while the server lists it
    assert [p for p in again.problems if "refused, never stored" in p] == refused
    home = kim.home
    await kim.close()
    reopened = await Client.open(home)  # nothing kept in memory: the store's key opens it
    try:
        assert {e.body for e in await reopened.entries.list("ana/Shared notes")} == {
            "first",
            "second",
        }
    finally:
        await reopened.close()


async def test_a_first_listed_envelope_that_is_not_this_accounts_is_never_stored(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    """kim's first journal list of ana's journal carries ben's envelope: none is stored, the
    problem is told, kim's own journal syncs; once the server lists kim's own, it is stored
    and the journal's name opens with it."""
    ana = await signup("ana")
    kim = await signup("kim")
    ben = await signup("ben")
    await share_with(ana, ben)
    await share_with(ana, kim)
    await ana.entries.write("Personal", "first")
    await ana.sync()
    shared = await journal_id(ana, "Personal")
    kims = _server_envelopes(live_server, shared, kim.profile.account_id)
    _listed_as(live_server, shared, kim.profile.account_id, ben.profile.account_id)
    await kim.entries.write("Personal", "kim's own")

    report = await kim.sync()

    assert not [spot for spot in _held(kim.home) if spot[0] == shared]
    refused = [p for p in report.problems if "refused, never stored" in p]
    assert len(refused) == 1, report.problems
    assert "until the server sends this account's own" in refused[0], refused[0]
    assert report.pushed >= 1
    assert [e.body for e in await kim.entries.list("Personal")] == ["kim's own"]

    _put_back(live_server, shared, kim.profile.account_id, kims)
    await ana.journals.rename("Personal", "Shared notes")  # kim's next sync lists journals
    await ana.sync()
    report = await kim.sync()
    assert not [p for p in report.problems if "refused, never stored" in p], report.problems
    assert {bytes(v) for _, v in kims} <= set(_held(kim.home).values())
    assert "ana/Shared notes" in [j.name for j in await kim.journals.list()]  # its key opens it
    await kim.close()


async def test_an_unchanged_journal_list_verifies_no_envelope_again(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A therapist member of several clients' journals: a journal list read again verifies
    nothing it verified before, and one new envelope (a client shared with someone else, a
    new epoch) is verified once. The real functions run; the spies count the therapist's
    calls (the clients run in the same process)."""
    therapist = await signup("drlee")
    clients = [await signup(name) for name in ("ana", "bob", "cyd")]
    for client in clients:
        await share_with(client, therapist)
    await therapist.sync()
    opened: list[bytes] = []
    share_envelope, own_wrap = keys.open_share_envelope, keys.unwrap_journal_key

    def open_share(*args: Any) -> Any:
        if args[1] == therapist.profile.account_id:
            opened.append(args[5])
        return share_envelope(*args)

    def unwrap(*args: Any) -> Any:
        if args[1] == therapist.profile.account_id:
            opened.append(args[2])
        return own_wrap(*args)

    monkeypatch.setattr(keys, "open_share_envelope", open_share)
    monkeypatch.setattr(keys, "unwrap_journal_key", unwrap)

    await therapist.replica.refresh_journals()
    assert opened == []

    await share_with(clients[0], await signup("eve"))  # a new epoch of ana's journal
    await therapist.replica.refresh_journals()
    assert opened == [await journal_id(clients[0], "Personal")]
    await therapist.replica.refresh_journals()
    assert len(opened) == 1


def _lines_of(problems: list[str], journal: bytes) -> list[str]:
    return [line for line in problems if journal.hex()[:8] in line]


async def _refused_envelope_and_record(
    signup: ClientFactory, live_server: RunningServer
) -> tuple[Client, Client, bytes, list[Any]]:
    """ana's journal shared with ben, then kim (epoch 2), "first" written under epoch 2;
    the server then lists and serves to kim ben's envelopes in place of kim's. kim's first
    sync: what the test checks of it. Returns ana, kim, the journal, kim's real rows."""
    ana = await signup("ana")
    kim = await signup("kim")
    ben = await signup("ben")
    await share_with(ana, ben)
    await share_with(ana, kim)
    await ana.entries.write("Personal", "first")
    await ana.sync()
    shared = await journal_id(ana, "Personal")
    kims = _server_envelopes(live_server, shared, kim.profile.account_id)
    _listed_as(live_server, shared, kim.profile.account_id, ben.profile.account_id)
    await kim.entries.write("Personal", "kim's own")
    return ana, kim, shared, kims


async def _opened(kim: Client, shared: bytes) -> list[str]:
    journals = [j for j in await kim.journals.list() if j.id == shared.hex()]
    assert len(journals) == 1
    return [e.body for e in await kim.entries.list(journals[0].name)]


async def test_a_record_refused_with_its_refused_envelope_is_one_line_and_opened_later(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    """kim's sync refuses ben's envelope of ana's journal (listed and in the key pages) and
    so the record sealed under it: one problem line tells both (it was two: the envelope's
    and the record's). A sync while the server still serves ben's refuses it again (nothing
    unverified taken). Once the server lists kim's own envelope, the next sync stores it and
    pulls the refused record again: it opens (it stayed refused for the session, and for
    good: marked seen, the cursor past it)."""
    ana, kim, shared, kims = await _refused_envelope_and_record(signup, live_server)

    report = await kim.sync()

    lines = _lines_of(report.problems, shared)
    assert len(lines) == 1, report.problems
    assert "refused, never stored" in lines[0], lines[0]
    assert "1 record of it not opened in this sync, the key of its epoch refused" in lines[0]
    assert report.refused == 1
    assert report.pushed >= 1
    assert not [spot for spot in _held(kim.home) if spot[0] == shared]

    await ana.entries.write("Personal", "second")
    await ana.sync()
    again = await kim.sync()  # ben's envelope still served: still refused, still one line
    lines = _lines_of(again.problems, shared)
    assert len(lines) == 1 and "refused, never stored" in lines[0], again.problems
    assert "not opened in this sync" in lines[0], lines[0]
    assert await _opened(kim, shared) == []

    _put_back(live_server, shared, kim.profile.account_id, kims)
    await ana.journals.rename("Personal", "Shared notes")  # kim's next sync lists journals
    await ana.sync()
    report = await kim.sync()
    assert _lines_of(report.problems, shared) == [], report.problems
    assert sorted(await _opened(kim, shared)) == ["first", "second"]
    assert [p for p in await kim.problems() if p.journal_id == shared] == []
    assert {bytes(v) for _, v in kims} <= set(_held(kim.home).values())
    report = await kim.sync()
    assert report.problems == [] and report.refused == 0, report.problems
    await kim.close()


async def test_a_record_refused_with_refused_key_pages_is_opened_once_they_verify(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    """As above, but the journal list is not read again (nothing of the journal changed):
    once the server serves kim's own envelope, a later sync of the same session asks the key
    pages again (a refusal was kept for the whole session), verifies kim's envelope there
    and opens the record; the journal's name opens too."""
    _, kim, shared, kims = await _refused_envelope_and_record(signup, live_server)
    report = await kim.sync()
    assert len(_lines_of(report.problems, shared)) == 1, report.problems
    assert await _opened(kim, shared) == []

    _put_back(live_server, shared, kim.profile.account_id, kims)
    report = await kim.sync()
    assert _lines_of(report.problems, shared) == [], report.problems
    assert await _opened(kim, shared) == ["first"]
    assert "ana/Personal" in [j.name for j in await kim.journals.list()]
    assert [p for p in await kim.problems() if p.journal_id == shared] == []
    await kim.close()
