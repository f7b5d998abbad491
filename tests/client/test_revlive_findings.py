"""Throwaway tests of the REV-LIVE review (not for merging as they are): each fails on
main at c3a09bfe and shows one finding."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from tests.client.hostile import HostileServer
from tests.client.test_live_records import bodies, count_requests, notices, personal, quiet
from tests.conftest import ClientFactory, RunningServer


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


async def test_a_refused_lookup_in_the_withholding_check_never_counts_a_gap_delivered(
    signup: ClientFactory, hostile: HostileServer, live_server: RunningServer, tmp_path: Path
) -> None:
    """Q3: tom's first note is withheld; the lookup of tom the check asks is refused (429):
    the sync fails (after its pages applied, loud in sync(), swallowed by watch()), and
    once lookups are answered the gap is reported withheld: never counted delivered."""
    from aiohttp import web

    from client_sdk.errors import RateLimited
    from tests.client.hostile import login_through
    from tests.client.sharing_support import share_with
    from tests.client.test_withholding import drop_record, journal_seqs, write_each_synced

    laptop = await signup("ana")
    tom = await signup("tom")
    await share_with(laptop, tom, role="annotate")
    await tom.sync(strict=True)
    journal = (await laptop.journals.get("Personal")).id
    before = journal_seqs(live_server, bytes.fromhex(journal))
    await tom.notes.add(journal, "Try the breathing exercise")
    await tom.sync(strict=True)
    first = [s for s in journal_seqs(live_server, bytes.fromhex(journal)) if s not in before]
    await tom.notes.add(journal, "Sleep diary this week")
    await tom.sync(strict=True)
    await laptop.sync(strict=True)
    await write_each_synced(laptop, ["after the notes"])
    for seq in first:
        drop_record(live_server, seq)

    async def refuse() -> None:
        raise web.HTTPTooManyRequests(headers={"Retry-After": "3600"})

    hostile.holds["/v1/account/identity-by-id"] = refuse
    phone = await login_through(hostile, "ana", tmp_path / "phone")
    try:
        refused = None
        try:
            await phone.sync()
        except RateLimited as error:
            refused = error
        notes = {n.text for n in await phone.notes.list()}
        del hostile.holds["/v1/account/identity-by-id"]
        report = await phone.sync()
        gaps = [(g.author, g.missing) for g in report.withheld]
    finally:
        await phone.close()
    assert refused is not None, "the refused lookup failed the sync (Open: s11bfix)"
    assert notes == {"Sleep diary this week"}, "its pages applied before the check failed"
    assert gaps == [(tom.profile.account_id, ((1, 1),))], report.withheld
