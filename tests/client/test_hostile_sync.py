"""A hostile server lies about the sync itself: it never says a pull is done, moves cursors
far ahead, reorders records so that a member's record comes first, or (with a revoked member)
stores records the member sealed after its share ended. From the hostile review of issue 8
(R8-FINDINGS.md, FINDINGS 3, 4, 5 and 10); each test is named after the defence.
ana is the client; tom is a therapist."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from client_sdk import INSECURE_TEST_COST, Client, WithheldRecordsError, wire
from tests.client.hostile import HostileServer
from tests.client.sharing_support import journal_id, server_db
from tests.conftest import PASSWORD, ClientFactory, RunningServer


async def login_through(hostile: HostileServer, username: str, home: Path) -> Client:
    return await Client.login(
        hostile.url, username, PASSWORD, home=home, minimum_cost=INSECURE_TEST_COST
    )


def never_done(request: bytes, reply: bytes) -> bytes:
    """The server's real pages, always with `done` = false."""
    real = wire.decode(wire.SyncReply, reply)
    return wire.encode(wire.SyncReply(real.pages, False))


# --- a pull the server never finishes (FINDING 4) ---------------------------------------------


async def test_a_gap_below_a_received_counter_is_reported_even_if_the_server_never_says_done(
    hostile: HostileServer, signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    laptop = await signup("ana")
    for text in ("one", "two", "three"):
        await laptop.write(None, text)
        await laptop.sync(strict=True)
    personal = await journal_id(laptop, "Personal")
    with closing(sqlite3.connect(server_db(live_server))) as db:
        seqs = [
            s for (s,) in db.execute("SELECT seq FROM records WHERE journal_id = ?", (personal,))
        ]
        db.execute("DELETE FROM records WHERE seq = ?", (sorted(seqs)[1],))
        db.commit()

    hostile.replies["/v1/sync"] = never_done
    phone = await login_through(hostile, "ana", tmp_path / "ana-phone")
    try:
        with pytest.raises(WithheldRecordsError):
            await phone.sync(strict=True)
        assert sorted(e.body for e in await phone.entries()) == ["one", "three"]
        report = await phone.sync()
        assert [(g.device, g.missing) for g in report.withheld] == [
            (laptop.profile.device_id, ((2, 2),))
        ]
    finally:
        await phone.close()
