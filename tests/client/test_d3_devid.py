"""D3: fixes of review r36's findings on device ids chosen by the device and write counters
per (journal, device id) (tests/client/test_r36_attacks.py holds the reviewer's tests; these
are the variants the fixes also cover). Real server on 127.0.0.1, real crypto; the hostile
server is the loopback proxy of tests/client/hostile.py."""

from __future__ import annotations

import pytest

from client_sdk.errors import TJError
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import share_with
from tests.client.test_r34_attacks import reply_lost
from tests.conftest import ClientFactory

# Replies are lost or requests failed here to test what the retry does, not how long it
# waits: every client retries with QUICK_RETRY (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("quick_retries")

PUSH = "/v1/records/push"
SYNC = "/v1/sync"


async def test_a_sync_cut_off_before_its_conflict_is_settled_leaves_no_counter_gap(
    signup: ClientFactory,
    login: ClientFactory,
    through: Through,
    hostile: HostileServer,
) -> None:
    """R36 F2, the sync cut off (the CLI's automatic-sync cancel, a session ended) between
    the push that met `record_conflict` and the pull that settles it: nothing written after
    the waiting record in its journal was pushed (Pusher.deferred), so no reader, the writer
    included, holds a counter above one that merely waits; the next sync settles the
    conflict and pushes the rest, and still nobody reports a withholding."""
    ana = await through("dxana")
    tom = await signup("dxtom")
    await share_with(ana, tom)
    await ana.sync(strict=True)
    laptop = await login("dxana")
    await laptop.sync(strict=True)
    entry = await ana.entries.write("Personal", "stored, the reply lost")
    hostile.replies[PUSH] = reply_lost
    with pytest.raises(TJError):
        await ana.sync()
    del hostile.replies[PUSH]
    await ana.entries.edit(entry.id, append="an edit made offline")  # counter c + 1
    await ana.entries.write("Personal", "another entry")  # counter c + 2
    await laptop.shares.revoke("Personal", "dxtom")  # a new key epoch: the outbox is resealed
    await ana.shares.list()  # ana learns of it before her sync: the push meets the conflict
    hostile.replies[SYNC] = reply_lost  # the sync is cut off before its pull settles it
    with pytest.raises(TJError):
        await ana.sync()
    del hostile.replies[SYNC]
    laptop_report = await laptop.sync()
    assert laptop_report.withheld == [], "a record that waits on its writer looks withheld"
    assert "another entry" not in {e.body for e in await laptop.entries.list()}
    report = await ana.sync()
    laptop_report = await laptop.sync()
    bodies = {e.body for e in await laptop.entries.list()}
    assert "another entry" in bodies
    assert any("an edit made offline" in body for body in bodies)
    assert report.set_aside == [] and await ana.set_aside() == []
    assert (report.withheld, laptop_report.withheld) == ([], [])
