"""A safety flag the server keeps from the therapist's device until a share's end date more
than JUDGED_FOR_MS (30 days) after the flag: the client's device keeps judging it while the
share lasts unacknowledged, and tells "may NOT have been delivered" once the end passes
(rev32b F3). Real server on loopback, real crypto."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timedelta

import pytest

from client_sdk import wire
from client_sdk.safety import FLAGS_SENT, UNSEEN_BEFORE_END
from server.service import Settings
from tests.client.flag_judging import shift_clock
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import journal_id, rows, server_db, share_with
from tests.client.test_flag_unseen_before_share_end import DAY_MS, raise_flag
from tests.conftest import TEST_SETTINGS, ClientFactory, RunningServer


@pytest.fixture
def server_settings() -> Settings:
    """Sessions that outlive the test's 47 days (not what is tested)."""
    return dataclasses.replace(TEST_SETTINGS, token_ttl_ms=400 * 86_400_000)


async def test_a_flag_withheld_until_an_end_45_days_on_is_told(
    signup: ClientFactory,
    live_server: RunningServer,
    hostile: HostileServer,
    through: Through,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ana shares Personal with tom until 45 days on; the server keeps her flag from tom's
    syncs. ana's device syncs every ten days (the flag kept to judge past JUDGED_FOR_MS: tom
    holds the share and never acknowledged it), and on day 47 tells it, then drops it."""
    ana, tom = await signup("ana"), await through("tom")
    until = datetime.now().astimezone() + timedelta(days=45)
    await share_with(ana, tom, role="annotate", safety_flags=True, expires_at=until)
    await ana.sync()
    await tom.sync()
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
    assert (await ana.sync()).undelivered_flags == []
    for day in (10, 20, 30, 40):  # every ten days, the share on
        live_server.clock.now += 10 * DAY_MS
        shift_clock(monkeypatch, day * DAY_MS)  # from now: not added to the last shift
        assert (await ana.sync()).undelivered_flags == []
        assert flag_id in json.loads(await ana.store.setting(FLAGS_SENT) or "{}")
    live_server.clock.now += 7 * DAY_MS
    shift_clock(monkeypatch, 47 * DAY_MS)  # day 47: past the end
    later = await ana.sync()
    [told] = later.undelivered_flags
    assert (told.flag_id, told.members, told.reason) == (flag_id, ("tom",), UNSEEN_BEFORE_END)
    assert "may NOT have been delivered to tom" in " ".join(later.lines())
    [mine] = [f for f in await ana.safety.flags() if f.id == flag_id]
    assert mine.not_delivered == ("tom",)
    assert flag_id not in json.loads(await ana.store.setting(FLAGS_SENT) or "{}")
    await tom.sync()
    assert flag_id not in {f.id for f in await tom.safety.flags()}
