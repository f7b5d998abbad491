"""A hostile server lies about the sync itself: it never says a pull is done, moves cursors
far ahead, reorders records so that a member's record comes first, or (with a revoked member)
stores records the member sealed after its share ended. From the hostile review of issue 8
(R8-FINDINGS.md, FINDINGS 3, 4, 5 and 10); each test is named after the defence.
ana is the client; tom is a therapist."""

from __future__ import annotations

import dataclasses
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from client_sdk import INSECURE_TEST_COST, Client, WithheldRecordsError, wire
from tests.client.hostile import HostileServer, ReplyRewrite, Through
from tests.client.sharing_support import journal_id, server_db, share_with
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


# --- a lying cursor (FINDING 10) ----------------------------------------------------------------


def far_ahead(journal: bytes, cursor: int, head: int) -> ReplyRewrite:
    """A /v1/sync rewrite that moves `journal`'s page cursor and head to these numbers."""

    def rewrite(request: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.SyncReply, reply)
        pages = [
            dataclasses.replace(p, cursor=cursor, head=head) if p.journal_id == journal else p
            for p in real.pages
        ]
        return wire.encode(wire.SyncReply(pages, real.done))

    return rewrite


async def test_one_lying_cursor_is_reported_and_the_journal_syncs_again_from_what_was_received(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    ana = await signup("ana")
    tom = await through("tom")
    await ana.write("Personal", "Before.")
    await share_with(ana, tom)
    await tom.sync()
    personal = await journal_id(ana, "Personal")

    hostile.replies["/v1/sync"] = far_ahead(personal, 10**12, 10**12)
    await tom.sync()
    del hostile.replies["/v1/sync"]  # the truth again
    await ana.write("Personal", "After.")
    await ana.sync()
    report = await tom.sync()
    assert any("went back" in p for p in report.problems), report.problems  # told, once
    assert sorted(e.body for e in await tom.entries()) == ["After.", "Before."]
    assert (await tom.sync()).problems == []


async def test_a_cursor_past_the_pages_own_head_is_refused(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    ana = await signup("ana")
    tom = await through("tom")
    await ana.write("Personal", "Before.")
    await share_with(ana, tom)
    await tom.sync()
    personal = await journal_id(ana, "Personal")
    cursor = (await tom._local_journal("ana/Personal")).cursor

    hostile.replies["/v1/sync"] = far_ahead(personal, 10**12, cursor)
    report = await tom.sync()
    assert any("past its head" in p for p in report.problems), report.problems
    assert (await tom._local_journal("ana/Personal")).cursor == cursor
    del hostile.replies["/v1/sync"]
    await ana.write("Personal", "After.")
    await ana.sync()
    await tom.sync()
    assert sorted(e.body for e in await tom.entries()) == ["After.", "Before."]
