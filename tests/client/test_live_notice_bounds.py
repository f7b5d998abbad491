"""A live notice's `head` is the server's number (REV-LIVE L1): the check that its records are
one push's, ending at `head`, allocates nothing in proportion to it; a notice past the records
only makes the device pull (real server on loopback, real crypto)."""

from __future__ import annotations

import dataclasses

from tests.client.test_live_records import bodies, count_requests, notices, personal, quiet
from tests.conftest import ClientFactory


async def test_a_notice_with_a_huge_head_only_makes_the_device_pull(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """L1: `_take_notice` builds list(range(seqs[0], head + 1)) from the server's head (up to
    2**63-1): one notice makes the device allocate head-after integers (MemoryError here; a
    head ~1e9 allocates gigabytes and runs for minutes)."""
    laptop = await signup("ana")
    phone = await login("ana")
    await quiet(phone)
    async with notices(phone) as live:
        await laptop.entries.write(None, "The real entry")
        await laptop.sync()
        honest = await live.next(await personal(laptop))
    asked = count_requests(phone)
    report = await phone._sync(notice=dataclasses.replace(honest, head=2**62))
    assert "/v1/sync" in asked and not report.notice_only
    assert await bodies(phone) == {"The real entry"}


async def test_a_notice_with_a_far_head_costs_no_memory_in_proportion_to_it(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """L1 without the MemoryError: a head a million past the records makes the check
    allocate a million ints (tens of MB; a head of 1e9 would be tens of GB)."""
    import tracemalloc

    laptop = await signup("ana")
    phone = await login("ana")
    await quiet(phone)
    async with notices(phone) as live:
        await laptop.entries.write(None, "The real entry")
        await laptop.sync()
        honest = await live.next(await personal(laptop))
    far = dataclasses.replace(honest, head=honest.head + 1_000_000)
    tracemalloc.start()
    try:
        report = await phone._sync(notice=far)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert not report.notice_only
    assert peak < 8 * 1024 * 1024, f"{peak:,} bytes at the peak of one sync"
