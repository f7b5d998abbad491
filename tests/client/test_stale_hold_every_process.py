"""rev31c F6: a `stale_epoch` hold (records the server refused as sealed under an old key,
held until a sync's read of the access chain releases them) lived in one process's memory: a
second process of the same device (`tj` beside the app, or the app restarted) pushed them at
once, outside any sync, while the first had said "kept, not pushed". The hold is in the
device's store: every process holds it, and the one sync that releases it says so, once
(real server on 127.0.0.1 behind the hostile proxy, real crypto; a store file made by an
older version gets the table at its opening)."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import aiohttp
from aiohttp import web

from client_sdk import Client, store, wire
from client_sdk.replica import STALE_HELD, STALE_RELEASED
from tests.client.hostile import HostileServer, Through, hostile, through  # noqa: F401
from tests.client.sharing_support import journal_id, share_with
from tests.conftest import ClientFactory

OLD_STORE = Path(__file__).parent.parent / "fixtures" / "store_0_1_0.sql"
WRITTEN = "Written before the refusal."


def refuse_first_push(proxy: HostileServer, journal: bytes) -> list[list[bytes]]:
    """The first push of `journal` is answered 409 `stale_epoch`, not forwarded (a forged
    refusal: the verified chain has no newer key); every later one goes to the real server.
    Returns the record ids of each push of `journal`, refused or not, as they come."""
    pushed: list[list[bytes]] = []
    forward = proxy.forward

    async def refuse_once(session: aiohttp.ClientSession, request: web.Request) -> web.Response:
        if request.path == "/v1/records/push":
            sent = wire.decode(wire.PushRequest, await request.read())
            if sent.journal_id == journal:
                pushed.append([r.record_id for r in sent.records])
                if len(pushed) == 1:
                    refusal = wire.ErrorReply("stale_epoch", "the journal's key changed")
                    return web.Response(
                        status=409, body=wire.encode(refusal), content_type="application/msgpack"
                    )
        return await forward(session, request)

    proxy.forward = refuse_once  # type: ignore[method-assign]
    return pushed


async def test_a_second_process_of_the_device_holds_what_the_first_was_refused(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    through: Through,  # noqa: F811
) -> None:
    app = await through("ana")
    tom = await signup("tom")
    await share_with(app, tom, role="annotate")
    await app.sync()
    personal = await journal_id(app, "Personal")
    pushed = refuse_first_push(hostile, personal)
    await app.entries.write("Personal", WRITTEN)
    first = await app.sync()
    held = f"journal 'Personal': changes kept on this device, not pushed: {STALE_HELD}"
    assert held in first.problems
    assert len(pushed) == 1
    waiting = await app.store.outbox()
    assert waiting

    second = await Client.open(app.home)  # the CLI beside the app: same store, same device
    try:
        await second.replica.push_outbox()  # outside any sync: the hold stands
        assert len(pushed) == 1, "a second process pushed what the first said it kept"
        assert await second.store.outbox() == waiting
        await app.replica.push_outbox()  # the app's own, as before
        assert len(pushed) == 1

        released = await second.sync()  # a sync releases it, once, and says so
        assert f"journal 'Personal': {STALE_RELEASED}" in released.problems, released.problems
        assert held not in released.problems
        assert len(pushed) == 2 and set(pushed[1]) >= set(pushed[0])
        assert await second.store.outbox() == []
    finally:
        await second.close()
    after = await app.sync()  # released by the other process: not said again here
    assert after.problems == [], after.problems
    assert len(pushed) == 2
    await tom.sync()
    assert WRITTEN in [e.body for e in await tom.entries.list("ana/Personal")]


async def test_a_hold_put_by_another_process_is_kept_by_a_process_opened_before_it(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    through: Through,  # noqa: F811
) -> None:
    """The app, open all along, is not the process that was refused: a `tj sync` beside it
    was. The app's push outside a sync holds the records all the same, and its next sync
    releases them."""
    app = await through("ana")
    tom = await signup("tom")
    await share_with(app, tom, role="annotate")
    await app.sync()
    personal = await journal_id(app, "Personal")
    await app.entries.write("Personal", WRITTEN)
    pushed = refuse_first_push(hostile, personal)
    beside = await Client.open(app.home)
    try:
        refused = await beside.sync()
        assert f"journal 'Personal': changes kept on this device, not pushed: {STALE_HELD}" in (
            refused.problems
        )
    finally:
        await beside.close()
    await app.replica.push_outbox()
    assert len(pushed) == 1, "the app pushed what the process beside it was refused"
    released = await app.sync()
    assert f"journal 'Personal': {STALE_RELEASED}" in released.problems, released.problems
    assert len(pushed) == 2
    assert await app.store.outbox() == []


async def test_a_store_an_earlier_version_made_gets_the_holds_table_at_its_opening(
    tmp_path: Path,
) -> None:
    with contextlib.closing(sqlite3.connect(tmp_path / store.STORE_FILE)) as db:
        db.executescript(OLD_STORE.read_text())
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
        assert "stale_holds" not in tables and "outbox" in tables
    opened = await store.Store.open(tmp_path, b"d" * 16, account=b"a" * 16)
    try:
        assert await opened.setting("test-kept") == "made by 0.1.0 before tj_counts"
        journal = b"j" * 16
        assert await opened.stale_holds() == {}
        await opened.hold_stale(journal, 3)
        await opened.hold_stale(journal, 2)  # an older epoch refused later: the newest stays
        assert await opened.stale_holds() == {journal: 3}
        assert not await opened.release_stale(journal, 2)  # not the hold read: it stays
        assert await opened.release_stale(journal, 3)
        assert not await opened.release_stale(journal, 3)  # released once
        assert await opened.stale_holds() == {}
    finally:
        await opened.close()
