"""REV-NEWS (hostile review of NU39 #3, journal news in sync reports), fixed: a server that
replays a name the owner replaced, or lists again a journal this device deleted, makes no
journal news (N1, N2), nor does this device's own rename whose reply was lost (N3)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from client_sdk import NetworkError, NotFound, SyncReport, wire
from tests.client.hostile import HostileServer, Through, login_through
from tests.client.sharing_support import journal_id, server_db, share_with
from tests.client.test_journal_name_rollback import named_by_an_older_sdk
from tests.conftest import INSECURE_TEST_COST, PASSWORD, ClientFactory, RunningServer

# Replies are lost or requests failed here to test what the retry does, not how long it
# waits: every client retries with QUICK_RETRY (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("quick_retries")


def journal_news(report: SyncReport) -> list[tuple[str, str, str]]:
    return [(n.what, n.journal, n.renamed_from) for n in report.news if n.kind == "journal"]


def drop_reply(hostile: HostileServer, path: str, *, forward_first: bool) -> None:
    """The server answers `path` 503 — after storing it (a lost reply) or without."""
    forward = hostile.forward

    async def lossy(session: aiohttp.ClientSession, request: web.Request) -> web.Response:
        if request.path != path:
            return await forward(session, request)
        if forward_first:
            await forward(session, request)
        else:
            await request.read()
        body = wire.encode(wire.ErrorReply("unavailable", "try later"))
        return web.Response(status=503, body=body, content_type="application/msgpack")

    hostile.forward = lossy  # type: ignore[method-assign]


async def test_a_journal_this_device_deleted_listed_again_is_no_news(
    through: Through, hostile: HostileServer
) -> None:
    ana = await through("ana")
    await ana.journals.create("Work")
    await ana.sync()
    # a server that pretends to delete: reply Empty without forwarding
    forward = hostile.forward

    async def fake_delete(session: aiohttp.ClientSession, request: web.Request) -> web.Response:
        if request.path == "/v1/journals/delete":
            await request.read()
            return web.Response(
                status=200, body=wire.encode(wire.Empty()), content_type="application/msgpack"
            )
        return await forward(session, request)

    hostile.forward = fake_delete  # type: ignore[method-assign]
    await ana.journals.delete("Work")
    report = await ana.sync()
    assert journal_news(report) == []  # listed again by a server that kept it: no "new"
    assert any("deleted on this device: it is not taken back here" in line
               for line in report.problems), report.problems  # fmt: skip
    assert "Work" not in {j.name for j in await ana.journals.list()}  # REV-FINAL F2


async def test_a_replayed_older_name_is_no_rename(
    signup: ClientFactory, hostile: HostileServer, live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await signup("ana")
    personal = await journal_id(ana, "Personal")
    old = await named_by_an_older_sdk(live_server, ana, personal, "Old notes")
    await named_by_an_older_sdk(live_server, ana, personal, "Current name")
    phone = await login_through(hostile, "ana", tmp_path / "phone")
    try:
        await phone.sync()
        held = [j for j in await phone.store.journals() if j.journal_id == personal][0]
        assert held.name == "Current name"
        with closing(sqlite3.connect(server_db(live_server))) as db, db:
            db.execute(  # the server serves the replaced (version-1) name again
                "UPDATE journals SET meta = ?, meta_version = meta_version + 1 "
                "WHERE journal_id = ?",
                (old, personal),
            )
        report = await phone.sync()
        # a server replay of a name the owner replaced: nothing the owner signed since
        assert journal_news(report) == []
    finally:
        await phone.close()


async def test_own_rename_whose_reply_was_lost_is_no_news(
    through: Through, hostile: HostileServer
) -> None:
    """REV-NEWS N3: the server stores this device's rename and answers 503; the next sync
    read the rename back and told it as another device's ("journal Diary renamed (from
    Personal)"). What this device signed is kept before it is sent: no news."""
    ana = await through("ana")
    await ana.sync()
    drop_reply(hostile, "/v1/journals/meta", forward_first=True)
    with pytest.raises(NetworkError):
        await ana.journals.rename("Personal", "Diary")
    report = await ana.sync()
    assert journal_news(report) == []
    assert "Diary" in {j.name for j in await ana.journals.list()}  # the rename stands


async def test_a_replayed_older_name_of_a_shared_journal_is_no_rename_nor_a_former_name(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    """A therapist's sync tells a rename of a journal shared with them (NU65 F18), and the
    name it had is kept to answer that old name: only for a name the owner signed later.
    A server serving again a name the owner replaced makes neither."""
    ana, drlee = await signup("ana"), await signup("drlee")
    await share_with(ana, drlee)
    personal = await journal_id(ana, "Personal")
    await drlee.sync()
    await ana.journals.rename("Personal", "Old notes")
    with closing(sqlite3.connect(server_db(live_server))) as db:
        [(old,)] = db.execute("SELECT meta FROM journals WHERE journal_id = ?", (personal,))
    await drlee.sync()
    await ana.journals.rename("Old notes", "Current name")
    report = await drlee.sync()
    assert journal_news(report) == [("renamed", "ana/Current name", "ana/Old notes")]
    with closing(sqlite3.connect(server_db(live_server))) as db, db:
        db.execute(  # the server serves the replaced name again
            "UPDATE journals SET meta = ?, meta_version = meta_version + 1 WHERE journal_id = ?",
            (old, personal),
        )
    report = await drlee.sync()
    assert journal_news(report) == []  # nothing the owner signed since
    assert [n for n, _ in await drlee.replica.former_names(personal)] == ["Personal", "Old notes"]
    assert (await drlee.journals.get("ana/Current name")).id == personal.hex()


async def test_a_client_journal_not_found_never_cites_another_accounts_unverified_journal(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    """NU65 F18: "ana/My journal", not on the therapist's device, was answered with
    "the server lists 1 journal(s) this device could not verify, which may hold it" and
    another account's journal whose owner's keys the server had changed, with advice to
    accept those keys. A name of an account held here never cites another's journal."""
    ana, carla, drlee = await signup("ana"), await signup("carla"), await signup("drlee")
    await share_with(ana, drlee)
    await share_with(carla, drlee)
    await drlee.sync()
    await carla.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)
    newcomer = await signup("carla", "phone")  # another account takes the freed name
    await newcomer.shares.grant("Personal", "drlee", trust_on_first_use=True, full=True)
    await drlee.sync()
    with pytest.raises(NotFound) as refused:
        await drlee.journals.get("ana/My journal")
    said = str(refused.value)
    assert "could not verify" not in said and "carla" not in said, said
    assert "did you mean 'ana/Personal'?" in said, said
