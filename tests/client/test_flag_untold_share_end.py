"""Every way a member stops reading with a safety flag they never acknowledged is told to the
owner "may NOT have been delivered", once per share, and the flag is never dropped untold
(rev33a F1, F2, F5): a member who leaves (or whom the server stops serving: its word alone)
before their device downloaded it; an end date passed while the server refuses the rotation
that would sign its end; a renewed share that ends unacknowledged again. Real server on
loopback, real crypto; the server's lies by a hostile proxy or an edit of its database."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from contextlib import closing
from datetime import datetime, timedelta

import aiohttp
import pytest
from aiohttp import web

from client_sdk import INSECURE_TEST_COST, Client, wire
from client_sdk.safety import FLAGS_UNDELIVERED, UNSEEN_BEFORE_END
from server.service import Settings
from tests.client.flag_judging import shift_clock
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import journal_id, server_db, share_with
from tests.client.test_flag_unseen_before_share_end import (
    days_on,
    raise_flag,
    shared_until_tomorrow,
)
from tests.client.test_sync_caches import statements
from tests.conftest import PASSWORD, TEST_SETTINGS, ClientFactory, RunningServer

DAY_MS = 86_400_000


@pytest.fixture
def server_settings() -> Settings:
    """Sessions outlive the 30 days (JUDGED_FOR_MS) a judged flag may be kept."""
    return dataclasses.replace(TEST_SETTINGS, token_ttl_ms=400 * DAY_MS)


async def flag_to_tom(ana: Client, tom: Client) -> str:
    """ana shares Personal with tom (annotate, safety flags, no end date), both sync; ana
    raises a flag and syncs (nothing told: the share is on); tom's device never gets it."""
    await share_with(ana, tom, role="annotate", safety_flags=True)
    await ana.sync()
    await tom.sync()
    flag_id = await raise_flag(ana)
    assert (await ana.sync()).undelivered_flags == []
    return flag_id


async def told_once_and_kept(
    ana: Client, flag_id: str, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ana's next sync tells the flag "may NOT have been delivered to tom", and no sync
    after (days 3, 31, 32) tells it again; `flags()` keeps saying so."""
    told = await ana.sync()
    assert [(t.flag_id, t.members, t.surely, t.reason) for t in told.undelivered_flags] == [
        (flag_id, ("tom",), False, UNSEEN_BEFORE_END)
    ]
    assert "may NOT have been delivered to tom" in " ".join(told.lines())
    base = live_server.clock.now
    for day in (3, 31, 32):
        live_server.clock.now = base + day * DAY_MS
        shift_clock(monkeypatch, day * DAY_MS)
        assert (await ana.sync()).undelivered_flags == []
    [mine] = [f for f in await ana.safety.flags() if f.id == flag_id]
    assert (mine.not_delivered, mine.surely_not_delivered) == (("tom",), ())


async def test_a_member_leaving_before_their_device_got_the_flag_is_told(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Honest server: tom leaves the share from a device that never downloaded the flag
    (`Shares.leave` does not sync first). ana's device removes him on the server's word
    and tells the flag "may NOT have been delivered", once; never dropped untold."""
    ana, tom = await signup("ana"), await signup("tom")
    flag_id = await flag_to_tom(ana, tom)
    await tom.shares.leave("ana/Personal")
    await told_once_and_kept(ana, flag_id, live_server, monkeypatch)


def drop_member(live_server: RunningServer, journal: bytes, member: Client) -> None:
    """The server deletes the member's rows of the journal, as /v1/shares/leave does."""
    with closing(sqlite3.connect(server_db(live_server))) as db:
        for table in ("members", "journal_keys"):
            db.execute(
                f"DELETE FROM {table} WHERE journal_id = ? AND account_id = ?",  # noqa: S608
                (journal, member.profile.account_id),
            )
        db.execute(
            "UPDATE journals SET meta_version = meta_version + 1 WHERE journal_id = ?",
            (journal,),
        )
        db.commit()


async def test_a_member_erasing_their_account_before_their_device_got_the_flag_is_told(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Honest server: tom erases his account before his device downloaded the flag. ana's
    device removes him (account deleted) and tells the flag "may NOT have been delivered",
    once; never dropped untold."""
    ana, tom = await signup("ana"), await signup("tom")
    flag_id = await flag_to_tom(ana, tom)
    await tom.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)
    await told_once_and_kept(ana, flag_id, live_server, monkeypatch)


async def test_a_server_dropping_the_member_before_delivery_is_told(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hostile server, alone: it deletes tom's membership rows (as a leave does) before his
    device downloaded the flag. Its word narrows access and makes ana's device tell the
    flag "may NOT have been delivered" (never "was NOT": the departure may be a lie)."""
    ana, tom = await signup("ana"), await signup("tom")
    flag_id = await flag_to_tom(ana, tom)
    drop_member(live_server, await journal_id(ana, "Personal"), tom)
    await told_once_and_kept(ana, flag_id, live_server, monkeypatch)


def refuse_rotations(
    hostile: HostileServer, monkeypatch: pytest.MonkeyPatch, status: int = 403
) -> list[str]:
    """The proxy answers every /v1/journals/rotate with the server's own error of `status`
    (403 `forbidden`, 404 `not_found`, 409 `conflict`); the paths it refused are listed in
    the list returned."""
    code = {403: "forbidden", 404: "not_found", 409: "conflict"}[status]
    forward, refused = hostile.forward, []

    async def refuse(session: aiohttp.ClientSession, request: web.Request) -> web.Response:
        if request.path != "/v1/journals/rotate":
            return await forward(session, request)
        refused.append(request.path)
        body = wire.encode(wire.ErrorReply(code, "refused"))
        return web.Response(status=status, body=body, content_type="application/msgpack")

    monkeypatch.setattr(hostile, "forward", refuse)
    return refused


@pytest.mark.parametrize("status", [403, 404, 409])
async def test_an_end_date_passed_is_told_though_the_server_refuses_the_rotation(
    status: int,
    signup: ClientFactory,
    live_server: RunningServer,
    hostile: HostileServer,
    through: Through,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Hostile server: it refuses (403, 404, 409) the rotation that would sign the end of tom's
    share once its end date passed, so the verified chain stays as it was. The end date
    passing by ana's clock is enough: her first sync past it tells the flag tom never
    acknowledged "may NOT have been delivered", not 30 days later."""
    ana, tom = await through("ana"), await signup("tom")
    await shared_until_tomorrow(ana, tom)
    flag_id = await raise_flag(ana)
    assert (await ana.sync()).undelivered_flags == []
    refused = refuse_rotations(hostile, monkeypatch, status)
    days_on(live_server, monkeypatch, 3)
    later = await ana.sync()
    assert refused  # the end was never signed into the chain
    assert [(t.flag_id, t.members, t.reason) for t in later.undelivered_flags] == [
        (flag_id, ("tom",), UNSEEN_BEFORE_END)
    ]
    assert "may NOT have been delivered to tom" in " ".join(later.lines())
    base = live_server.clock.now - 3 * DAY_MS
    for day in (4, 32, 41):
        live_server.clock.now = base + day * DAY_MS
        shift_clock(monkeypatch, day * DAY_MS)
        assert (await ana.sync()).undelivered_flags == []  # told once
    [mine] = [f for f in await ana.safety.flags() if f.id == flag_id]
    assert mine.not_delivered == ("tom",)


async def test_a_renewed_share_ending_unacknowledged_is_told_again(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Told at share 1's end; ana renews tom's share for 4 days (its snapshot seals the
    flag for him again); tom's device never syncs. Share 2's end is told too: once per
    flag, member and share, never once for all shares."""
    ana, tom = await signup("ana"), await signup("tom")
    await shared_until_tomorrow(ana, tom)
    flag_id = await raise_flag(ana)
    await ana.sync()
    days_on(live_server, monkeypatch, 3)
    assert [t.flag_id for t in (await ana.sync()).undelivered_flags] == [flag_id]
    assert (await ana.sync()).undelivered_flags == []
    await share_with(
        ana,
        tom,
        role="annotate",
        safety_flags=True,
        expires_at=datetime.now().astimezone() + timedelta(days=3 + 4),
    )
    assert (await ana.sync()).undelivered_flags == []  # share 2 is on
    live_server.clock.now += 6 * DAY_MS  # day 9: share 2 ended; tom never synced
    shift_clock(monkeypatch, 9 * DAY_MS)
    later = await ana.sync()
    assert [(t.flag_id, t.members, t.reason) for t in later.undelivered_flags] == [
        (flag_id, ("tom",), UNSEEN_BEFORE_END)
    ]
    assert (await ana.sync()).undelivered_flags == []  # told once for share 2
    [mine] = [f for f in await ana.safety.flags() if f.id == flag_id]
    assert mine.not_delivered == ("tom",)


async def test_a_sync_with_nothing_to_do_and_a_flag_told_runs_no_statement(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A told flag (FLAGS_UNDELIVERED) is looked at by every sync, for a share given again
    (rev33a F5): from what the store keeps in memory, so a sync with nothing to do still
    runs no SQL statement (issue 10)."""
    ana, tom = await signup("ana"), await signup("tom")
    await flag_to_tom(ana, tom)
    await tom.shares.leave("ana/Personal")
    assert (await ana.sync()).undelivered_flags != []
    await ana.sync()
    assert await ana.store.setting("safety_flags_sent") in (None, "{}")
    with statements(ana, every=True) as ran:
        assert (await ana.sync()).undelivered_flags == []
    assert ran == [], ran


async def test_a_telling_an_older_version_kept_is_told_again_only_for_its_own_journal(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A telling kept by an older version (FLAGS_UNDELIVERED `{"end", "surely"}`: no share
    nor journal named) while tom reads another journal of ana's: looked at once, kept with
    its share and journal from then on, never told again, and no later sync writes the
    flag's settings again (no flag brought back and dropped at every sync)."""
    ana, tom = await signup("ana"), await signup("tom")
    await shared_until_tomorrow(ana, tom)
    flag_id = await raise_flag(ana)
    await ana.sync()
    days_on(live_server, monkeypatch, 3)
    assert [t.flag_id for t in (await ana.sync()).undelivered_flags] == [flag_id]
    told = json.loads(await ana.store.setting(FLAGS_UNDELIVERED))
    older = {
        f: {m: {"end": v["end"], "surely": v["surely"]} for m, v in members.items()}
        for f, members in told.items()
    }
    await ana.store.put_setting(FLAGS_UNDELIVERED, json.dumps(older))
    await ana.journals.create("Work")
    await share_with(ana, tom, "Work", role="annotate")
    for _ in range(3):
        assert (await ana.sync()).undelivered_flags == []
    now = json.loads(await ana.store.setting(FLAGS_UNDELIVERED))
    [kept] = now[flag_id].values()
    assert kept["journal"] == (await journal_id(ana, "Personal")).hex()
    with statements(ana, every=True) as ran:
        assert (await ana.sync()).undelivered_flags == []
    assert not [sql for sql in ran if "safety_flags" in sql and "INSERT" in sql], ran
    [mine] = [f for f in await ana.safety.flags() if f.id == flag_id]
    assert mine.not_delivered == ("tom",)
