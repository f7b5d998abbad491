"""A share's end date is the owner's word on the member's device too, whatever the server
lists: once the end date signed in the journal's access chain passes by the member's device's
own clock, that device ends the share at its next sync (stored as ended, told once as "end
date", as when the server stops serving it), lists it as ended, flags it in the caseload and
writes nothing more into it, even while the server keeps serving the journal unchanged (its
index's end date erased). Real server on 127.0.0.1, real crypto."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import datetime, timedelta

import pytest

from client_sdk import Client
from client_sdk.departures import EXPIRED
from client_sdk.errors import AccessError
from tests.client.sharing_support import journal_id, server_db, share_with
from tests.conftest import ClientFactory, RunningServer

DAY_MS = 86_400_000


async def shared_until_tomorrow(signup: ClientFactory) -> tuple[Client, Client, bytes, int]:
    """ana shares Personal with drsmith (annotate) until tomorrow; drsmith syncs and writes
    a note while the share is on. Returns both, Personal's id and the signed end (ms)."""
    ana, drsmith = await signup("ana"), await signup("drsmith")
    await ana.entries.write("Personal", "Before the end.", mood=4)
    await share_with(
        ana, drsmith, role="annotate", expires_at=datetime.now().astimezone() + timedelta(days=1)
    )
    await drsmith.sync()
    await drsmith.notes.add("ana/Personal", "While the share is on.")
    await drsmith.sync()
    await ana.sync()
    personal = await journal_id(ana, "Personal")
    [ends] = [j.expires_at for j in await drsmith.store.journals() if j.journal_id == personal]
    assert ends > 0
    return ana, drsmith, personal, ends


def keep_serving(live_server: RunningServer, personal: bytes, member: Client) -> None:
    """The server's lie: its index forgets the member's end date, so it keeps listing and
    serving the journal to them, unchanged, after it."""
    with closing(sqlite3.connect(server_db(live_server))) as db, db:
        db.execute(
            "UPDATE members SET expires_at = 0 WHERE journal_id = ? AND account_id = ?",
            (personal, member.profile.account_id),
        )


def three_days_on(live_server: RunningServer, monkeypatch: pytest.MonkeyPatch) -> int:
    """Every clock (the server's and the devices') three days later: past the end date."""
    live_server.clock.now += 3 * DAY_MS
    later = live_server.clock.now
    monkeypatch.setattr("client_sdk.replica.now_ms", lambda: later)
    monkeypatch.setattr("client_sdk.context.now_ms", lambda: later)
    monkeypatch.setattr("client_sdk.sharing.now_ms", lambda: later)
    return later


@pytest.mark.parametrize("lying", [False, True], ids=["server_drops_it", "server_lies"])
async def test_a_server_that_keeps_serving_a_journal_after_its_signed_end_cannot_keep_the_member_in_it(
    signup: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
    lying: bool,
) -> None:
    """Whether the server stops serving Personal at its end date or keeps serving it as
    shared, drsmith's device ends the share the same way at its next sync: told once, "end
    date" at the signed end; listed as ended; "share ended" in the caseload; no new note."""
    ana, drsmith, personal, ends = await shared_until_tomorrow(signup)
    if lying:
        keep_serving(live_server, personal, drsmith)
    later = three_days_on(live_server, monkeypatch)

    report = await drsmith.sync()

    told = [(d.reason, d.at, d.journal, d.owner) for d in report.departures]
    assert told == [(EXPIRED, ends, "Personal", "ana")], report.departures
    stored = {j.journal_id: j.role for j in await drsmith.store.journals()}
    assert stored[personal] == "revoked"
    [listed] = [j for j in await drsmith.journals.list() if j.owner == "ana"]
    assert (listed.name, listed.share_ended, listed.unlisted) == ("ana/Personal", True, False)
    [row] = await drsmith.caseload.list(now=datetime.fromtimestamp(later / 1000).astimezone())
    assert row.share_ended and "share ended" in row.flags, row.flags
    with pytest.raises(AccessError):
        await drsmith.notes.add("ana/Personal", "After the end.")
    assert not (await drsmith.sync()).departures  # told once

    # The owner's device rotates the key at the end date: what it writes after is sealed
    # under a key drsmith never holds, and drsmith's device asks for nothing of it.
    await ana.entries.write("Personal", "After the end.", mood=2)
    assert [d.reason for d in (await ana.sync()).departures] == [EXPIRED]
    again = await drsmith.sync()
    assert (again.pulled, again.departures) == (0, [])
    texts = [e.body for e in await drsmith.entries.list("ana/Personal")]
    assert texts == ["Before the end."]
    assert [n.text for n in await ana.notes.list("Personal")] == ["While the share is on."]


async def test_a_member_device_writes_nothing_into_a_journal_past_its_signed_end_the_server_would_accept(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server keeps accepting drsmith's records after the end date (its index's end
    erased), and ana's device takes in every record the server accepted before it signs the
    end (`ended`): drsmith's device, not synced since the end, refuses a new note before a
    sync, and sets aside (unpushed) the note it wrote while the share was on but never
    sent, as an honest server's refusal would. ana never gets a note after the end."""
    ana, drsmith, personal, _ends = await shared_until_tomorrow(signup)
    await drsmith.notes.add("ana/Personal", "Written on, not sent.")  # waits in the outbox
    keep_serving(live_server, personal, drsmith)
    three_days_on(live_server, monkeypatch)

    [listed] = [j for j in await drsmith.journals.list() if j.owner == "ana"]
    assert listed.share_ended  # before any sync: the signed end date, on this device's clock
    [shared] = await drsmith.shares.with_me(refresh=False)
    assert shared.share_ended
    with pytest.raises(AccessError, match="ended"):
        await drsmith.notes.add("ana/Personal", "After the end.")

    report = await drsmith.sync()

    assert report.pushed == 0
    assert [(s.journal, s.code) for s in report.set_aside] == [("ana/Personal", "forbidden")]
    await ana.sync()
    assert [n.text for n in await ana.notes.list("Personal")] == ["While the share is on."]
