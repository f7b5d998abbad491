"""The withholding check looks up by id the author of records missing from a journal (its
account erased, or the records withheld?). A lookup the server refuses (its limit on lookups
by id) leaves that check for the next sync, said in the report, the records neither counted
received nor excused, while the rest of the sync completes; and the lookups of one sync wait
at most ID_LOOKUP_WAIT_S in all for the server's Retry-After (counted, not timed). A real
server, behind a loopback proxy that answers the lookups."""

from __future__ import annotations

import contextlib
import sqlite3

import pytest

from client_sdk import Client, WithheldRecordsError, wire
from client_sdk.replica import ID_LOOKUP_WAIT_S
from tests.client.recording_proxy import recording_proxy
from tests.client.sharing_support import server_db
from tests.client.test_withholding import annotated_then_claimed
from tests.conftest import ClientFactory, RunningServer

BY_ID = "/v1/account/identity-by-id"


def refused(retry_after: int) -> tuple[int, bytes, dict[str, str]]:
    body = wire.encode(wire.ErrorReply("lookup_rate_exceeded", "too many lookups"))
    return 429, body, {"Retry-After": str(retry_after)}


async def withheld_notes_of_tom(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> tuple[Client, Client, Client, bytes]:
    """tom's two notes in ana's journal vanish from the server (tom still has his account and
    his share): ana's new phone finds them missing at each sync, and looks tom up."""
    laptop, tom, journal = await annotated_then_claimed(signup)
    with contextlib.closing(sqlite3.connect(server_db(live_server))) as db, db:
        db.execute("DELETE FROM records WHERE pushed_by = ?", (tom.profile.account_id,))
    phone = await login("ana")
    assert [g.author for g in (await phone.sync()).withheld] == [tom.profile.account_id]
    return laptop, tom, phone, journal


async def test_a_refused_lookup_leaves_the_check_for_the_next_sync_and_the_rest_syncs(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    """The server refuses the lookup of tom (Retry-After 50 s: not waited for): the phone's
    new entry is still pushed and the laptop's pulled, the report says the 2 missing records
    were not checked (not withheld, not erased, nothing excused, strict raises), and the next
    sync, answered, finds them withheld again (it failed whole before: nothing pushed)."""
    laptop, tom, phone, journal = await withheld_notes_of_tom(signup, login, live_server)
    await laptop.entries.write(None, "from the laptop")
    await laptop.sync()
    await phone.entries.write(None, "from the phone")
    async with recording_proxy(live_server.url) as proxy:
        phone.transport.base_url = proxy.url
        proxy.queued[BY_ID] = [refused(50)]
        report = await phone.sync()
        assert proxy.paths().count(BY_ID) == 1
    assert report.pushed == 1
    assert (report.withheld, report.erased) == ([], [])
    [line] = report.incomplete
    assert line.startswith(
        "2 records missing in journal 'Personal' not checked in this sync: the server did not "
        "answer the lookup of their author (this account is looking up other accounts faster "
        "than the server allows"
    ), line
    assert line.endswith(
        "not counted as received: withheld unless that account was erased, and the next sync "
        "asks again"
    ), line
    with pytest.raises(WithheldRecordsError):
        report.raise_for_withheld()
    assert await phone.store.excused_counters() == {}
    received = (await phone.store.device_counters())[journal]
    tom_key = (tom.profile.account_id, tom.profile.device_id)
    assert tom_key not in received or received[tom_key].received == []
    assert {e.body for e in await phone.entries.list()} >= {"from the laptop", "from the phone"}
    await laptop.sync()
    assert "from the phone" in {e.body for e in await laptop.entries.list()}

    phone.transport.base_url = live_server.url
    again = await phone.sync()
    assert again.incomplete == [] and again.erased == []
    assert [(g.author, g.missing) for g in again.withheld] == [(tom.profile.account_id, ((1, 2),))]


async def test_the_lookups_of_one_sync_wait_at_most_the_longest_wait_in_all(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    """The server keeps answering the lookup of tom "429, Retry-After 15" (under the 30 s
    the transport waits at once): the phone's sync waits 15 s twice (30 s, ID_LOOKUP_WAIT_S,
    in all), not three times (45 s: one call's retries), then counts the lookup refused and
    goes on. Waits are counted through `Replica.sleep`, never slept."""
    assert ID_LOOKUP_WAIT_S == 30.0
    _laptop, _tom, phone, _journal = await withheld_notes_of_tom(signup, login, live_server)
    waits: list[float] = []

    async def counted(seconds: float) -> None:
        waits.append(seconds)

    phone.replica.sleep = counted
    await phone.entries.write(None, "from the phone")
    async with recording_proxy(live_server.url) as proxy:
        phone.transport.base_url = proxy.url
        proxy.queued[BY_ID] = [refused(15)] * 10
        report = await phone.sync()
        assert proxy.paths().count(BY_ID) == 3
    assert waits == [15.0, 15.0]
    assert report.pushed == 1 and report.withheld == []
    assert [line.split(":")[0] for line in report.incomplete] == [
        "2 records missing in journal 'Personal' not checked in this sync"
    ]
