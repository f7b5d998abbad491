"""A member's sync whose account stops being a member of a journal between the sync's read
and its audit write (it left, or the owner removed it): the audit write logs no row for
that journal, and the reply carries none of its records, so that no fetch goes unlogged (a
member leaving could otherwise time its own sync to read records the owner's audit never
shows). The journals still shared in the same reply are logged and sent as ever; the
member's next sync naming the journal is refused (403) like any other not shared, which
the SDK answers by refreshing its journal list. Both backends, a real server on 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from client_sdk import Client, wire
from server import routes
from tests.client.sharing_support import share_with
from tests.conftest import RunningServer
from tests.server.raw import RawClient, journal_id, push, upload
from tests.server.test_erasure_racing_an_audit_write import share


async def leave(raw: RawClient, ana: Client, ben: Client, journal: bytes) -> None:
    answer = await raw.call(
        "/v1/shares/leave", wire.JournalRequest(journal), token=ben.profile.token
    )
    assert answer.status == 200, answer.value()


async def removed(raw: RawClient, server: RunningServer, ana: Client, journal: bytes) -> None:
    await share(server, raw, ana, journal, 2, b"")  # ana's rotation without ben


@pytest.mark.parametrize("how", ["left", "removed"])
async def test_a_journal_left_between_the_read_and_the_audit_write_is_neither_logged_nor_sent(
    live_server: RunningServer, raw: RawClient, ana: Client, ben: Client, how: str
) -> None:
    await ana.journals.create("Second")
    first, second = await journal_id(ana), await journal_id(ana, "Second")
    for journal in (first, second):
        await share(live_server, raw, ana, journal, 1, ben.profile.account_id)
        pushed = await push(raw, ana, journal, [upload(1, epoch=1), upload(2, epoch=1)])
        assert pushed.status == 200, pushed.value()
    ends: dict[str, Callable[[], Awaitable[None]]] = {
        "left": lambda: leave(raw, ana, ben, first),
        "removed": lambda: removed(raw, live_server, ana, first),
    }
    storage = live_server.server.app[routes.SERVICE].storage
    real = storage.add_audit

    async def ended_first(*args: Any, **kwargs: Any) -> Any:
        await ends[how]()
        return await real(*args, **kwargs)

    setattr(storage, "add_audit", ended_first)  # noqa: B010 (a method of one instance)
    try:
        synced = await raw.call("/v1/sync", wire.SyncRequest([], 10), token=ben.profile.token)
    finally:
        delattr(storage, "add_audit")
    assert synced.status == 200, synced.value()
    reply = wire.decode(wire.SyncReply, synced.body)
    pages = {page.journal_id: page for page in reply.pages}
    assert pages[first].records == [] and pages[first].cursor == 0
    seqs = [r.seq for r in pages[second].records]
    assert len(seqs) >= 2 and pages[second].cursor == seqs[-1] == pages[second].head
    assert reply.done is False  # asked again: the journal is refused as not shared
    assert await live_server.rows("SELECT journal_id, up_to_seq, records FROM audit") == [
        (second, seqs[-1], len(seqs))
    ]
    again = wire.SyncRequest([wire.Cursor(first, 0), wire.Cursor(second, seqs[-1])], 10)
    answer = await raw.call("/v1/sync", again, token=ben.profile.token)
    assert answer.error() == (403, "forbidden")
    assert "failure" not in live_server.log_file.read_text()


async def test_a_journal_still_shared_at_the_audit_write_is_logged_and_sent(
    live_server: RunningServer, raw: RawClient, ana: Client, ben: Client
) -> None:
    """The control: nothing ends between the read and the write."""
    journal = await journal_id(ana)
    await share(live_server, raw, ana, journal, 1, ben.profile.account_id)
    pushed = await push(raw, ana, journal, [upload(1, epoch=1)])
    assert pushed.status == 200, pushed.value()
    synced = await raw.call("/v1/sync", wire.SyncRequest([], 10), token=ben.profile.token)
    reply = wire.decode(wire.SyncReply, synced.body)
    [page] = [p for p in reply.pages if p.journal_id == journal]
    seqs = [r.seq for r in page.records]
    assert seqs and seqs[-1] == page.head
    assert await live_server.rows("SELECT journal_id, up_to_seq, records FROM audit") == [
        (journal, seqs[-1], len(seqs))
    ]


async def test_the_sdk_takes_a_reply_without_the_records_of_a_share_ended_meanwhile(
    live_server: RunningServer, signup: Any
) -> None:
    """Through the SDK: ana ends ben's share while ben's sync is between its read and its
    audit write. ben's sync goes through (the journal refused at the next ask, his journal
    list refreshed: the share ended), reports nothing withheld, and the entry ana wrote
    since his last sync is neither in the audit nor on his device; his later syncs too."""
    ana, ben = await signup("ana"), await signup("ben")
    await ana.entries.write("Personal", "before the share")
    await share_with(ana, ben, role="read")
    await ana.sync(strict=True)
    await ben.sync(strict=True)
    audited = await live_server.rows("SELECT * FROM audit")
    await ana.entries.write("Personal", "written while shared")
    await ana.sync(strict=True)
    storage = live_server.server.app[routes.SERVICE].storage
    real = storage.add_audit

    async def ended_first(*args: Any, **kwargs: Any) -> Any:
        await ana.shares.revoke("Personal", ben.username)
        await ana.sync(strict=True)
        return await real(*args, **kwargs)

    setattr(storage, "add_audit", ended_first)  # noqa: B010 (a method of one instance)
    try:
        report = await ben.sync(strict=True)
    finally:
        delattr(storage, "add_audit")
    assert report.withheld == [] and report.problems == [], (report.withheld, report.problems)
    assert await live_server.rows("SELECT * FROM audit") == audited
    texts = {e.body for e in await ben.entries.list("ana/Personal")}
    assert texts == {"before the share"}, texts
    again = await ben.sync(strict=True)
    assert again.withheld == [] and again.problems == []
