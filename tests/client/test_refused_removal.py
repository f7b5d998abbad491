"""The server stops serving a member, then refuses (403, 404, 400, 409) the owner's rotation that
removes them (rev33d F3): the sync carries on (every other journal syncs, `shares.list()`
answers), the removal is sent again at every sync, the sync report says the server refused
it, naming the member, and a safety flag they never acknowledged is told "may NOT have been
delivered" (they stopped reading on the server's word), once. Real server on loopback, real
crypto; the server's lies by a hostile proxy and an edit of its database."""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from client_sdk import wire
from client_sdk.models import json_time
from client_sdk.safety import UNSEEN_BEFORE_END
from tests.client.flag_judging import shift_clock
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import journal_id
from tests.client.test_flag_untold_share_end import (  # noqa: F401 (fixture)
    DAY_MS,
    drop_member,
    flag_to_tom,
    refuse_rotations,
    server_settings,
)
from tests.conftest import ClientFactory, RunningServer
from tests.test_cli import run_tj, succeeded


@pytest.mark.parametrize("status", [403, 404, 409])
async def test_a_refused_removal_of_a_member_the_server_dropped_is_told_and_the_sync_goes_on(
    status: int,
    signup: ClientFactory,
    live_server: RunningServer,
    hostile: HostileServer,
    through: Through,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ana, tom = await through("ana"), await signup("tom")
    await ana.journals.create("Work")
    flag_id = await flag_to_tom(ana, tom)
    drop_member(live_server, await journal_id(ana, "Personal"), tom)
    refused = refuse_rotations(hostile, monkeypatch, status)
    base = live_server.clock.now
    told = []
    for day in (0, 3, 31, 32):
        live_server.clock.now = base + day * DAY_MS
        shift_clock(monkeypatch, day * DAY_MS)
        await ana.entries.write("Work", f"written on day {day}")
        sent = len(refused)
        report = await ana.sync()  # never raises: the other journals sync
        assert len(refused) > sent  # the removal sent again at every sync
        assert report.pushed >= 1
        lines = " ".join(report.lines())
        assert "the server no longer serves 'tom' in journal 'Personal'" in lines, lines
        assert "refused to store the signed removal" in lines, lines
        told += report.undelivered_flags
        assert [s.member for s in await ana.shares.list() if s.journal == "Personal"] == ["tom"]
    assert [(t.flag_id, t.members, t.surely, t.reason) for t in told] == [
        (flag_id, ("tom",), False, UNSEEN_BEFORE_END)
    ]
    [mine] = [f for f in await ana.safety.flags() if f.id == flag_id]
    assert (mine.not_delivered, mine.surely_not_delivered) == (("tom",), ())
    monkeypatch.setattr(hostile, "forward", HostileServer.forward.__get__(hostile))
    for day in (33, 34):  # the server lets the removal through: nothing told again
        live_server.clock.now = base + day * DAY_MS
        shift_clock(monkeypatch, day * DAY_MS)
        report = await ana.sync(strict=True)
        assert report.undelivered_flags == []
        assert "refused to store the signed removal" not in " ".join(report.lines())
    assert [
        s.member for s in await ana.shares.list() if s.journal == "Personal" and not s.dropped_at
    ] == []


def refuse_rotations_with(
    hostile: HostileServer, monkeypatch: pytest.MonkeyPatch, status: int, code: str
) -> list[str]:
    """The proxy answers every /v1/journals/rotate with the server's own error `code` of
    `status` (a msgpack ErrorReply); the paths it refused are listed in the list returned."""
    forward, refused = hostile.forward, []

    async def refuse(session: aiohttp.ClientSession, request: web.Request) -> web.Response:
        if request.path != "/v1/journals/rotate":
            return await forward(session, request)
        refused.append(request.path)
        body = wire.encode(wire.ErrorReply(code, "refused"))
        return web.Response(status=status, body=body, content_type="application/msgpack")

    monkeypatch.setattr(hostile, "forward", refuse)
    return refused


@pytest.mark.parametrize(
    ("status", "code"),
    [(409, "conflict"), (409, "chain_conflict"), (409, "stale_epoch"), (403, "forbidden")],
)
async def test_listing_shares_answers_when_the_server_refuses_the_removal(
    status: int,
    code: str,
    signup: ClientFactory,
    live_server: RunningServer,
    hostile: HostileServer,
    through: Through,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Hostile server: it stops serving tom, then refuses (a 409 too: a chain conflict every
    time, so that the retries never get past it) the owner's rotation that removes him.
    `shares.list()` answers from the verified chain (tom still listed, the refusal said in
    `removal_refused`, also in `to_dict()`), never raises; the sync says the refusal and tells
    the flag tom never acknowledged. Once the server lets the removal through, the listing
    shows his share ended on the server's word, nothing refused."""
    ana, tom = await through("ana"), await signup("tom")
    flag_id = await flag_to_tom(ana, tom)
    drop_member(live_server, await journal_id(ana, "Personal"), tom)
    refused = refuse_rotations_with(hostile, monkeypatch, status, code)
    listed = await ana.shares.list()  # raised ConflictError on a 409 before
    assert refused  # the removal was sent, and refused
    [row] = [s for s in listed if s.journal == "Personal"]
    assert (row.member, row.expired, row.dropped_at) == ("tom", False, None)
    assert row.removal_refused is not None
    assert row.to_dict()["removal_refused"] == json_time(row.removal_refused)
    report = await ana.sync()
    lines = " ".join(report.lines())
    assert "the server no longer serves 'tom' in journal 'Personal'" in lines, lines
    refusal = "refused to store the signed removal that takes that member off its access chain"
    assert f"{refusal} (it answered {code!r})" in lines, lines
    assert [(t.flag_id, t.members) for t in report.undelivered_flags] == [(flag_id, ("tom",))]
    again = [s for s in await ana.shares.list() if s.journal == "Personal"]
    assert [(s.member, s.removal_refused) for s in again] == [("tom", row.removal_refused)]
    monkeypatch.setattr(hostile, "forward", HostileServer.forward.__get__(hostile))
    [after] = [s for s in await ana.shares.list() if s.journal == "Personal"]
    assert (after.member, after.expired, after.removal_refused) == ("tom", True, None)
    assert after.dropped_at is not None
    assert after.to_dict()["removal_refused"] is None


async def test_tj_shares_marks_a_member_whose_removal_the_server_refused(
    signup: ClientFactory,
    live_server: RunningServer,
    hostile: HostileServer,
    through: Through,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """`tj shares` (through the same hostile server, a 409 every time) lists tom as the
    verified chain does, marked as not served with his removal refused, a footnote saying
    what that means; `--json` gives `removal_refused`."""
    ana, tom = await through("ana"), await signup("tom")
    await flag_to_tom(ana, tom)
    drop_member(live_server, await journal_id(ana, "Personal"), tom)
    refuse_rotations_with(hostile, monkeypatch, 409, "chain_conflict")
    await ana.close()
    home = tmp_path / "ana-via-proxy"
    shown = succeeded(await run_tj(["--home", str(home), "shares"]))
    text = " ".join(shown.output.split())
    assert "(not served; removal refused)" in text, text
    assert "refused to store the signed removal that takes them off the journal's access" in text
    listed = json.loads(succeeded(await run_tj(["--home", str(home), "shares", "--json"])).stdout)
    [row] = [r for r in listed if r["journal"] == "Personal"]
    assert (row["member"], row["expired"]) == ("tom", False)
    assert row["removal_refused"] is not None
