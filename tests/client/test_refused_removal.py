"""The server stops serving a member, then refuses (403, 404, 400) the owner's rotation that
removes them (rev33d F3): the sync carries on (every other journal syncs, `shares.list()`
answers), the removal is sent again at every sync, the sync report says the server refused
it, naming the member, and a safety flag they never acknowledged is told "may NOT have been
delivered" (they stopped reading on the server's word), once. Real server on loopback, real
crypto; the server's lies by a hostile proxy and an edit of its database."""

from __future__ import annotations

import pytest

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


@pytest.mark.parametrize("status", [403, 404])
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
