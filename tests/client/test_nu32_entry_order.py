"""NU32 #9: entries written in one millisecond listed in an arbitrary order ("bulk 399, bulk
397, bulk 398, bulk 396, ..."): they are sorted by time, then by random id. A new entry dated
now is dated 1 ms after the last one its client wrote when that one is at most a second
ahead (`documents.dated_after`, as goal check-ins are), so a tight loop of writes lists in
write order, here and on the account's other devices. Nothing new is read from the server:
the order is the writing device's own. Real server on loopback, real crypto."""

from __future__ import annotations

from datetime import timedelta

import pytest

import client_sdk.entries
from client_sdk.documents import NUDGE_MS, dated_after
from tests.conftest import ClientFactory

WRITES = 300


async def test_entries_written_in_a_tight_loop_list_in_write_order_on_every_device(
    signup: ClientFactory, login: ClientFactory
) -> None:
    ana = await signup("ana")
    await ana.journals.create("Dreams")
    for n in range(WRITES):  # in two journals: the list over every journal keeps the order
        await ana.entries.write("Dreams" if n % 3 == 0 else None, f"bulk {n}")
    written = [f"bulk {n}" for n in range(WRITES)]
    listed = await ana.entries.list()
    assert [e.body for e in listed] == written[::-1]  # newest first
    assert [e.body for e in await ana.entries.list(newest_first=False)] == written
    times = [e.created_at for e in reversed(listed)]
    assert all(a < b for a, b in zip(times, times[1:], strict=False)), "one time each"
    assert [e.body for e in await ana.entries.list("Dreams", newest_first=False)] == [
        f"bulk {n}" for n in range(0, WRITES, 3)
    ]
    await ana.sync()
    phone = await login("ana")
    await phone.sync()
    assert [e.body for e in await phone.entries.list(newest_first=False)] == written


async def test_entries_written_within_one_millisecond_list_in_write_order(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The clock stands still (a coarse clock, or a fast loop): every write is in one
    millisecond, as the walkthrough's were in pairs and threes; without the rule their order
    is that of their random ids (50 in write order by chance: 1 in 50!)."""
    ana = await signup("ana")
    still = client_sdk.entries.now_ms()
    monkeypatch.setattr(client_sdk.entries, "now_ms", lambda: still)
    for n in range(50):
        await ana.entries.write(None, f"same ms {n}")
    listed = await ana.entries.list(newest_first=False)
    assert [e.body for e in listed] == [f"same ms {n}" for n in range(50)]
    # dated at most a second ahead of the clock, and each entry's two times are one
    assert listed[-1].created_at - listed[0].created_at == timedelta(milliseconds=49)
    assert all(e.updated_at == e.created_at for e in listed)
    # its own date given back (an app's edit form) is no date "in the future"
    last = listed[-1]
    edited = await ana.entries.edit(last.id, body="edited", created_at=last.created_at)
    assert (edited.body, edited.created_at) == ("edited", last.created_at)
    # an entry dated by the writer (`created_at=`) is dated as asked, never moved
    asked = listed[0].created_at - timedelta(minutes=5)
    earlier = await ana.entries.write(None, "last night", created_at=asked)
    assert earlier.created_at == asked


def test_a_time_is_moved_only_past_a_latest_at_most_a_second_ahead() -> None:
    now = 1_796_239_541_314
    assert dated_after(now, None) == now
    assert dated_after(now, now) == now + 1  # the same millisecond
    assert dated_after(now, now + NUDGE_MS - 1) == now + NUDGE_MS  # a clock stepped back
    assert dated_after(now, now + NUDGE_MS) == now  # further ahead: not followed
    assert dated_after(now, now - 1) == now  # already after it
