"""A push whose reply was lost, then re-pushed after an unshare."""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from client_sdk import Client, NetworkError, wire
from client_sdk.models import json_time, now_ms, to_datetime
from client_sdk.safety import FLAGS_SENT, UndeliveredFlag
from client_sdk.safety_path import SafetyPath
from tests.client.flag_judging import opted_in_through, seal_flag, shift_clock
from tests.client.hostile import HostileServer, hostile, login_through  # noqa: F401
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory

# Replies are lost or requests failed here to test what the retry does, not how long it
# waits: every client retries with QUICK_RETRY (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("quick_retries")


def lose_push_replies(proxy: HostileServer) -> list[bool]:
    """While armed: every push is forwarded (the real server stores it) but answered 503."""
    armed = [True]
    forward = proxy.forward

    async def lost(session: aiohttp.ClientSession, request: web.Request) -> web.Response:
        reply = await forward(session, request)
        if armed[0] and request.path == "/v1/records/push":
            error = wire.encode(wire.ErrorReply("unavailable", "try later"))
            return web.Response(status=503, body=error, content_type="application/msgpack")
        return reply

    proxy.forward = lost  # type: ignore[method-assign]
    return armed


async def stored_with_its_reply_lost(proxy: HostileServer, tablet: Client) -> str | None:
    """`tablet` seals a flag and syncs: the server stores it but the push's reply is lost
    (NetworkError); later pushes are answered. The flag's id."""
    armed = lose_push_replies(proxy)
    flag_id = await seal_flag(tablet)
    with pytest.raises(NetworkError):
        await tablet.sync()  # the server stored the flag; the reply never arrived
    armed[0] = False
    return flag_id


@pytest.mark.parametrize("gap_min", [0, 20])
async def test_a_flag_stored_before_a_lost_reply_and_downloaded_is_not_told_surely_lost(
    gap_min: int,
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    laptop, tablet, drsmith = await opted_in_through(signup, hostile, tmp_path / "tablet")
    try:
        flag_id = await stored_with_its_reply_lost(hostile, tablet)
        await drsmith.sync()
        assert flag_id in {f.id for f in await drsmith.safety.flags()}  # delivered
        await laptop.shares.revoke("Personal", "drsmith")  # after drsmith has it
        shift_clock(monkeypatch, gap_min * 60 * 1000)  # the tablet syncs again 20 minutes on
        report = await tablet.sync()
        monkeypatch.undo()
        print("gap", gap_min, "told:", report.undelivered_flags, report.lines())
        assert not await tablet.safety.waiting(flag_id)
        assert all(not u.surely for u in report.undelivered_flags)
        assert "was NOT delivered" not in " ".join(report.lines())
    finally:
        await tablet.close()


async def test_a_flag_stored_before_a_lost_reply_then_unshared_hours_on_is_not_told(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The push's reply is lost, the next sync sends the flag again (its reply arrives: the
    flag's `left`), and the share ends two hours later: an end signed more than
    CLOCK_SKEW_MS after the flag left, drsmith acknowledging it
    (the one proof of receipt: rev32b F1), is never told, at any later judgement."""
    laptop, tablet, drsmith = await opted_in_through(signup, hostile, tmp_path / "tablet")
    try:
        flag_id = await stored_with_its_reply_lost(hostile, tablet)
        assert (await tablet.sync()).undelivered_flags == []  # sent again: its reply came
        assert not await tablet.safety.waiting(flag_id)
        await drsmith.sync()
        assert flag_id in {f.id for f in await drsmith.safety.flags()}  # delivered
        await drsmith.safety.acknowledge(flag_id)  # the proof it reached him (rev32b F1)
        await drsmith.sync()
        shift_clock(monkeypatch, 2 * 3600 * 1000)
        await laptop.shares.revoke("Personal", "drsmith")  # two hours after delivery
        first = await tablet.sync()
        second = await tablet.sync()
        monkeypatch.undo()
        assert first.undelivered_flags == second.undelivered_flags == []
        [mine] = [f for f in await tablet.safety.flags() if f.id == flag_id]
        assert mine.not_delivered == ()
    finally:
        await tablet.close()


async def test_a_flag_found_stored_after_a_lost_reply_notes_when_it_left_with_that_finding(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The push's reply is lost; the key epoch moves before the next sync (another member
    unshared on the laptop), so the flag is sealed again under the same id, refused
    `record_conflict`, and found stored by the pull: it leaves the outbox then, and its
    `left` is noted in that same transaction (the judgement after it cut off here)."""
    laptop, drsmith, tom = await signup("ana"), await signup("drsmith"), await signup("tom")
    await share_with(laptop, drsmith, role="annotate")
    await share_with(laptop, tom)
    await laptop.safety.set_plan(share_flags=True)
    await laptop.sync()
    tablet = await login_through(hostile, "ana", tmp_path / "tablet")
    try:
        await tablet.sync()
        flag_id = await stored_with_its_reply_lost(hostile, tablet)
        assert flag_id is not None
        await laptop.shares.revoke("Personal", "tom")  # a new key epoch

        async def cut_off(self: SafetyPath, now: int) -> list[UndeliveredFlag]:
            return []  # the sync stops before it judges

        monkeypatch.setattr(SafetyPath, "_undelivered", cut_off)
        before = now_ms()
        report = await tablet.sync()
        monkeypatch.undo()
        assert report.set_aside == [] and not await tablet.safety.waiting(flag_id)
        entry = json.loads(await tablet.store.setting(FLAGS_SENT) or "{}")[flag_id]
        assert before <= entry["left"] <= now_ms()
        await drsmith.sync()
        assert flag_id in {f.id for f in await drsmith.safety.flags()}
        assert (await tablet.sync()).undelivered_flags == []
    finally:
        await tablet.close()


@pytest.mark.parametrize("older", ["no offered", "sending"])
async def test_a_flag_pushed_by_an_older_version_keeps_its_since_after_the_upgrade(
    older: str,
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A flag in flight across an upgrade: the older version pushed it (the server stored it,
    the reply was lost) and kept its FLAGS_SENT entry without "offered" (with `sending`, or
    with its `offered` table row only); the therapist downloads it and the owner unshares.
    The upgraded app's first push keeps the older `since`: "may NOT" at most, never "was
    NOT delivered" of a flag delivered before the unshare."""
    laptop, tablet, drsmith = await opted_in_through(signup, hostile, tmp_path / "tablet")
    try:
        flag_id = await stored_with_its_reply_lost(hostile, tablet)
        assert flag_id is not None
        held = json.loads(await tablet.store.setting(FLAGS_SENT) or "{}")
        since = held[flag_id]["since"]
        held[flag_id].pop("offered")  # as the version before "offered" kept it
        if older == "sending":
            held[flag_id]["sending"] = since
            await tablet.store._db.execute("DELETE FROM offered")  # no row (older still)
        async with tablet.store.transaction() as tx:
            await tx.set_setting(FLAGS_SENT, json.dumps(held))
        await drsmith.sync()
        assert flag_id in {f.id for f in await drsmith.safety.flags()}  # delivered
        await laptop.shares.revoke("Personal", "drsmith")  # after drsmith has it
        shift_clock(monkeypatch, 60 * 60 * 1000)  # the upgraded app syncs an hour on
        report = await tablet.sync()
        monkeypatch.undo()
        assert all(not u.surely for u in report.undelivered_flags), report.undelivered_flags
        assert "was NOT delivered" not in " ".join(report.lines())
    finally:
        await tablet.close()


@pytest.mark.parametrize("older", ["sending", "offered row"])
async def test_a_flag_an_older_version_moved_the_since_of_at_a_later_sync_is_never_told_surely(
    older: str,
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The older version moved `since` to the start of every sync that found the flag still
    waiting: its first push stored the flag (the reply lost), drsmith downloaded it, the
    owner unshared, and the older version's next sync (cut off too) moved `since` past the
    unshare. That `since` says nothing of the first push: "may NOT" at most."""
    laptop, tablet, drsmith = await opted_in_through(signup, hostile, tmp_path / "tablet")
    try:
        flag_id = await stored_with_its_reply_lost(hostile, tablet)  # the older sync 1
        assert flag_id is not None
        await drsmith.sync()
        assert flag_id in {f.id for f in await drsmith.safety.flags()}  # delivered
        await laptop.shares.revoke("Personal", "drsmith")  # after drsmith has it
        held = json.loads(await tablet.store.setting(FLAGS_SENT) or "{}")
        moved = now_ms() + 30 * 60 * 1000  # the older sync 2, 30 min on, cut off
        held[flag_id] = {"since": moved, "sending": 1} if older == "sending" else {"since": moved}
        async with tablet.store.transaction() as tx:  # (its `offered` row kept: "offered row")
            await tx.set_setting(FLAGS_SENT, json.dumps(held))
        shift_clock(monkeypatch, 60 * 60 * 1000)  # the upgraded app syncs an hour on
        report = await tablet.sync()
        monkeypatch.undo()
        assert [u.flag_id for u in report.undelivered_flags] == [flag_id]  # told, not dropped
        assert all(not u.surely for u in report.undelivered_flags), report.undelivered_flags
        assert "was NOT delivered" not in " ".join(report.lines())
        entry = json.loads(await tablet.store.setting(FLAGS_SENT) or "{}").get(flag_id, {})
        assert entry == {} or entry.get("inherited") == 1, entry
    finally:
        await tablet.close()


async def test_a_flag_whose_push_replies_fail_for_hours_is_told_with_the_window_it_left_in(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The server stores a flag's push and fails every push reply for 3 hours (the therapist
    downloads the flag meanwhile); the owner unshares then, and the server lets the retry's
    reply through. The device cannot tell when in those hours the flag was stored: "may NOT"
    with the window named ("between SINCE and LEFT"), never "at about the time the flag
    left" (an accepted limit: a server failing push replies stretches the window)."""
    laptop, tablet, drsmith = await opted_in_through(signup, hostile, tmp_path / "tablet")
    try:
        armed = lose_push_replies(hostile)
        flag_id = await seal_flag(tablet)
        with pytest.raises(NetworkError):
            await tablet.sync()  # stored; reply "lost"
        since = json.loads(await tablet.store.setting(FLAGS_SENT) or "{}")[flag_id]["since"]
        await drsmith.sync()
        assert flag_id in {f.id for f in await drsmith.safety.flags()}  # delivered
        shift_clock(monkeypatch, 3 * 3600 * 1000)
        with pytest.raises(NetworkError):
            await tablet.sync()  # hours on, the reply still "lost"
        await laptop.shares.revoke("Personal", "drsmith")  # 3 h after delivery
        armed[0] = False
        report = await tablet.sync()
        monkeypatch.undo()
        [told] = report.undelivered_flags
        assert not told.surely and told.left_between is not None, told
        assert told.left_between[0] == to_datetime(since), told
        assert told.left_between[1] >= told.ended_at, told
        line = told.line()
        assert "at about the time" not in line, line
        assert "less than 15 minutes after" not in line, line  # the window, not the skew
        start = to_datetime(since).strftime("%Y-%m-%d %H:%M UTC")
        assert f"the server may have stored it any time between {start} and " in line, line
        assert told.to_dict()["left_between"][0] == json_time(to_datetime(since))
    finally:
        await tablet.close()
