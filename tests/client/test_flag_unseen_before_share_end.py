"""A safety flag stored before the share's end date but never downloaded by the therapist
(their device offline through the end, or a server withholding it from them until then)
reaches no one: the client's device, which holds no acknowledgement and no record of theirs
whose signed seen vector reaches the flag, tells "may NOT have been delivered" (rev32a F4).
Real server on loopback, real crypto."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import pytest

from client_sdk import Client, wire
from client_sdk.safety import UNSEEN_BEFORE_END
from tests.client.flag_judging import ITEM_9, shift_clock
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import journal_id, rows, server_db, share_with
from tests.conftest import ClientFactory, RunningServer

DAY_MS = 86_400_000


def days_on(live_server: RunningServer, monkeypatch: pytest.MonkeyPatch, days: int) -> None:
    """The server's clock and every device's move `days` on."""
    live_server.clock.now += days * DAY_MS
    shift_clock(monkeypatch, days * DAY_MS)


async def shared_until_tomorrow(ana: Client, tom: Client) -> None:
    """ana shares Personal with tom (annotate, safety flags on) until tomorrow; both sync."""
    await share_with(
        ana,
        tom,
        role="annotate",
        safety_flags=True,
        expires_at=datetime.now().astimezone() + timedelta(days=1),
    )
    await ana.sync()
    await tom.sync()


async def raise_flag(ana: Client) -> str:
    """ana takes a PHQ-9 with item 9 answered 2 and responds: the flag's id."""
    taken = await ana.measures.take("phq9", ITEM_9)
    flag_id = (await ana.safety.respond(taken.result)).flag_id
    assert flag_id is not None
    return flag_id


async def test_a_flag_the_therapist_never_downloaded_before_the_end_date_is_told(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Honest server. tom's device stays offline from just after the share until 3 days
    later, past the share's end date: the flag ana sent meanwhile was stored, never
    downloaded. ana's device tells it once, "may NOT have been delivered", and keeps it."""
    ana, tom = await signup("ana"), await signup("tom")
    await shared_until_tomorrow(ana, tom)
    flag_id = await raise_flag(ana)
    sent = await ana.sync()
    assert sent.undelivered_flags == []  # the share is on: nothing to tell yet

    days_on(live_server, monkeypatch, 3)
    later = await ana.sync()
    [told] = later.undelivered_flags
    assert (told.flag_id, told.members, told.surely) == (flag_id, ("tom",), False)
    assert told.reason == UNSEEN_BEFORE_END
    words = " ".join(later.lines())
    assert "may NOT have been delivered to tom" in words
    assert "before anything showed their device received it" in words
    assert "tell them yourself" in words
    assert told.to_dict()["reason"] == UNSEEN_BEFORE_END
    assert (await ana.sync()).undelivered_flags == []  # told once
    [mine] = [f for f in await ana.safety.flags() if f.id == flag_id]
    assert (mine.not_delivered, mine.surely_not_delivered) == (("tom",), ())

    await tom.sync()  # the share ended: tom's device never gets it
    assert flag_id not in {f.id for f in await tom.safety.flags()}


async def test_a_flag_the_therapist_acknowledged_is_not_told_at_the_end(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """tom's device downloaded the flag and tom acknowledged it (his signed acknowledgement,
    the one proof the flag reached his device: rev32b F1): the share's end 3 days later
    tells nothing."""
    ana, tom = await signup("ana"), await signup("tom")
    await shared_until_tomorrow(ana, tom)
    flag_id = await raise_flag(ana)
    await ana.sync()
    await tom.sync()
    assert flag_id in {f.id for f in await tom.safety.flags()}
    await tom.safety.acknowledge(flag_id)
    await tom.notes.add("ana/Personal", "Call ana before Monday.")
    await tom.sync()
    assert (await ana.sync()).undelivered_flags == []

    days_on(live_server, monkeypatch, 3)
    assert (await ana.sync()).undelivered_flags == []
    [mine] = [f for f in await ana.safety.flags() if f.id == flag_id]
    assert mine.not_delivered == ()


async def test_a_flag_the_server_withholds_from_the_therapist_until_the_end_is_told(
    signup: ClientFactory,
    live_server: RunningServer,
    hostile: HostileServer,
    through: Through,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Hostile server: it stores ana's flag (and its result) and keeps them from tom's
    syncs until the share's end date; tom keeps syncing and writes a note meanwhile, whose
    seen vector stops below the flag. Once the end passes, ana's device tells "may NOT have
    been delivered": the server never had to drop anything."""
    ana, tom = await signup("ana"), await through("tom")
    await shared_until_tomorrow(ana, tom)
    personal = await journal_id(ana, "Personal")
    db = server_db(live_server)
    query = "SELECT seq FROM records WHERE journal_id = ?"
    before = {s for (s,) in rows(db, query, personal)}
    flag_id = await raise_flag(ana)
    await ana.sync()
    hidden = {s for (s,) in rows(db, query, personal)} - before
    assert hidden

    def withhold(request: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.SyncReply, reply)
        pages = [
            dataclasses.replace(page, records=[r for r in page.records if r.seq not in hidden])
            for page in real.pages
        ]
        return wire.encode(dataclasses.replace(real, pages=pages))

    hostile.replies["/v1/sync"] = withhold
    await tom.sync()
    await tom.notes.add("ana/Personal", "Call ana before Monday.")
    await tom.sync()
    assert flag_id not in {f.id for f in await tom.safety.flags()}
    assert (await ana.sync()).undelivered_flags == []  # the share is on

    days_on(live_server, monkeypatch, 3)
    later = await ana.sync()
    [told] = later.undelivered_flags
    assert (told.flag_id, told.members, told.reason) == (flag_id, ("tom",), UNSEEN_BEFORE_END)
    [mine] = [f for f in await ana.safety.flags() if f.id == flag_id]
    assert mine.not_delivered == ("tom",)


async def test_a_flag_withheld_while_a_later_entry_is_served_is_told(
    signup: ClientFactory,
    live_server: RunningServer,
    hostile: HostileServer,
    through: Through,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Hostile server: it keeps only the flag's records from tom's syncs and serves ana's
    later entry, so the seen vector of tom's note (a maximum, protocol.md 4.18 Receipts)
    names a counter past the flag, though his device never had it. That is no proof of
    receipt: once the end passes, ana's device tells "may NOT have been delivered" (rev32b
    F1). tom's device reports the gap it was shown."""
    ana, tom = await signup("ana"), await through("tom")
    await shared_until_tomorrow(ana, tom)
    personal = await journal_id(ana, "Personal")
    db = server_db(live_server)
    query = "SELECT seq FROM records WHERE journal_id = ?"
    before = {s for (s,) in rows(db, query, personal)}
    flag_id = await raise_flag(ana)
    await ana.sync()
    hidden = {s for (s,) in rows(db, query, personal)} - before
    assert hidden
    await ana.entries.write("Personal", "A later entry, after the flag.")
    await ana.sync()

    def withhold(request: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.SyncReply, reply)
        pages = [
            dataclasses.replace(page, records=[r for r in page.records if r.seq not in hidden])
            for page in real.pages
        ]
        return wire.encode(dataclasses.replace(real, pages=pages))

    hostile.replies["/v1/sync"] = withhold
    assert (await tom.sync()).withheld  # his device was shown the gap
    await tom.notes.add("ana/Personal", "Call ana before Monday.")
    await tom.sync()
    assert flag_id not in {f.id for f in await tom.safety.flags()}
    assert (await ana.sync()).undelivered_flags == []  # the share is on

    days_on(live_server, monkeypatch, 3)
    later = await ana.sync()
    [told] = later.undelivered_flags
    assert (told.flag_id, told.members, told.reason) == (flag_id, ("tom",), UNSEEN_BEFORE_END)
    [mine] = [f for f in await ana.safety.flags() if f.id == flag_id]
    assert mine.not_delivered == ("tom",)
