"""The budget of journals shared by owners this account has not verified (hold_back.py)
counts what a device downloads for them, kept or not, over every sync (R15 finding O2):
history sealed before a member's share, which the member never keeps, cannot make each sync
download another 512 KiB. vera never verified the owner; she goes through the hostile proxy,
which only watches here: it keeps every reply, so the test counts what she received."""

from __future__ import annotations

import nacl.utils
import pytest

from client_sdk import Client, hold_back, wire
from client_sdk.hold_back import UNVERIFIED_SHARE_BYTES
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import journal_id
from tests.conftest import ClientFactory

pytestmark = pytest.mark.usefixtures("uncompressed_records")  # records as large as their text

EDITS = 7


def big_text() -> str:
    return nacl.utils.random(50_000).hex()  # 100 KB: records as large (uncompressed_records)


def received(hostile: HostileServer, since: int, journal: bytes) -> tuple[int, int]:
    """(records, ciphertext bytes) of `journal` in the /v1/sync replies after the first
    `since` exchanges."""
    count = size = 0
    for path, _, reply in hostile.exchanges[since:]:
        if path != "/v1/sync":
            continue
        for page in wire.decode(wire.SyncReply, reply).pages:
            if page.journal_id == journal:
                count += len(page.records)
                size += sum(len(record.ciphertext) for record in page.records)
    return count, size


async def test_history_the_member_never_keeps_counts_so_the_next_sync_downloads_no_more(
    hostile: HostileServer, signup: ClientFactory, through: Through
) -> None:
    """The owner edits one entry EDITS times, 100 KB each time (700 KB of history), then
    shares the journal: the share starts a new key epoch, so that history is sealed before
    it and the member keeps none of it, only the snapshot of the entry. Before: the first
    sync stopped at 512 KiB with nothing kept, the next started from the state kept (none)
    and downloaded another 512 KiB, and so on at every sync."""
    vera = await through("vera")
    owner = await signup("owner")
    entry = await owner.entries.write("Personal", big_text(), title="edited")
    for _ in range(EDITS - 1):
        await owner.entries.edit(entry.id, body=big_text())
    final = big_text()
    await owner.entries.edit(entry.id, body=final)
    await owner.sync()
    await owner.shares.grant("Personal", "vera", trust_on_first_use=True, full=True)
    await owner.sync()
    shared = await journal_id(owner, "Personal")
    store = vera.context.replica.store

    start = len(hostile.exchanges)
    first = await vera.sync()
    records, size = received(hostile, start, shared)
    assert first.held_back and records > 0
    assert size >= UNVERIFIED_SHARE_BYTES  # a page's worth, cut at the budget by the device
    assert await store.journal_bytes(shared) == 0  # nothing of it kept: it was history
    cursor = await cursor_of(vera, shared)

    for _ in range(2):  # held back: nothing more of it comes while the owner is unverified
        start = len(hostile.exchanges)
        again = await vera.sync(strict=True)
        assert received(hostile, start, shared) == (0, 0)
        assert again.held_back == first.held_back and not again.incomplete
        assert await cursor_of(vera, shared) == cursor
        assert await vera.entries.list("owner/Personal") == []

    await vera.shares.verify("owner", await owner.shares.fingerprint())
    after = await vera.sync(strict=True)
    assert not after.held_back and not after.incomplete and not after.withheld
    [shown] = await vera.entries.list("owner/Personal")
    assert shown.body == final


async def cursor_of(client: Client, journal: bytes) -> int:
    return next(j.cursor for j in await client.store.journals() if j.journal_id == journal)


async def test_a_small_share_after_a_long_history_of_an_unverified_owner_still_reads_whole(
    hostile: HostileServer, signup: ClientFactory, through: Through
) -> None:
    """The honest case the budget must leave alone: a history of small edits before the
    share, then a few entries, all well under the budget, arrive at the first sync."""
    vera = await through("vera")
    owner = await signup("owner")
    entry = await owner.entries.write("Personal", "draft", title="edited")
    for n in range(30):
        await owner.entries.edit(entry.id, body=f"draft {n}")
    await owner.shares.grant("Personal", "vera", trust_on_first_use=True, full=True)
    for n in range(3):
        await owner.entries.write("Personal", f"after the share {n}", title=f"e{n}")
    await owner.sync()
    report = await vera.sync(strict=True)
    assert not report.held_back and not report.incomplete
    assert len(await vera.entries.list("owner/Personal")) == 4


CYCLES = 3
ENTRIES = 8  # 100 KB each: 800 KB a journal, past the budget


async def test_a_stranger_sharing_and_revoking_journal_after_journal_stays_within_the_budget(
    hostile: HostileServer, signup: ClientFactory, through: Through
) -> None:
    """A stranger shares a journal of 800 KB with vera, who never verified them, revokes the
    share once her device has downloaded its budget's worth, shares another, and so on. A
    revoked journal's copy stays on her device (read-only, never dropped on the server's
    word), so its bytes still count: before, the budget forgot a journal once revoked, and
    each cycle put another 512 KiB on her device. Verifying the stranger lets the download
    of the journal still shared go on."""
    vera = await through("vera")
    stranger = await signup("stranger")
    await vera.sync(strict=True)
    journals: list[bytes] = []
    got: list[tuple[int, int]] = []  # (records, bytes) vera received of each journal
    start = len(hostile.exchanges)
    for cycle in range(CYCLES):
        name = f"Spam {cycle}"
        await stranger.journals.create(name)
        await stranger.shares.grant(name, "vera", trust_on_first_use=True, full=True)
        for n in range(ENTRIES):  # written after the share: records vera keeps
            await stranger.entries.write(name, big_text(), title=f"{name} {n}")
        await stranger.sync(strict=True)
        journals.append(await journal_id(stranger, name))
        report = await vera.sync()
        assert report.held_back, report
        if cycle < CYCLES - 1:
            await stranger.shares.revoke(name, "vera")
            await vera.sync()  # learns the share ended: the copy stays, read-only
            roles = {j.journal_id: j.role for j in await vera.store.journals()}
            assert roles[journals[-1]] == "revoked"
        got.append(received(hostile, start, journals[-1]))

    # Each journal came whole in the first reply that named it (a journal the device does
    # not know yet is not in its request, so the server sends it from the start), and the
    # device cut it there: what it lets through and keeps of all of them is the budget.
    assert all(records <= ENTRIES for records, _ in got) and got[0][1] >= UNVERIFIED_SHARE_BYTES
    store = vera.context.replica.store
    largest = max(
        len(record.ciphertext)
        for path, _, reply in hostile.exchanges[start:]
        if path == "/v1/sync"
        for page in wire.decode(wire.SyncReply, reply).pages
        for record in page.records
    )
    kept = [await store.journal_bytes(journal) for journal in journals]
    assert 0 < sum(kept) < UNVERIFIED_SHARE_BYTES + largest, (
        f"{CYCLES} share-revoke cycles of one stranger: vera keeps {kept} bytes of their journals"
    )
    assert kept[1:] == [0] * (CYCLES - 1), kept
    counted = hold_back.decode(await store.setting(hold_back.SETTING)).downloaded
    assert sum(counted.values()) < UNVERIFIED_SHARE_BYTES + largest, counted
    assert set(counted) == set(journals)  # the revoked ones still count
    again = len(hostile.exchanges)
    read: list[bytes] = []  # the journals whose stored bytes a sync reads (a sum over rows)
    journal_bytes = store.journal_bytes

    async def reading(journal: bytes, *, as_of: tuple[int, int] | None = None) -> int:
        read.append(journal)
        return await journal_bytes(journal, as_of=as_of)

    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(store, "journal_bytes", reading)
        report = await vera.sync()  # held back: nothing more of theirs comes
    assert report.held_back and not report.incomplete
    assert all(received(hostile, again, journal) == (0, 0) for journal in journals)
    # The copies of ended shares count from the store's setting: their documents are not
    # read again at every sync.
    assert not set(read) & set(journals[:-1]), read

    # A device updated from a version that forgot the copies of ended shares: what they keep
    # on it counts again (their document state, read once, the least of what came).
    forgot = hold_back.decode(await store.setting(hold_back.SETTING))
    for journal in journals[:-1]:
        del forgot.downloaded[journal]
    await store.put_setting(hold_back.SETTING, hold_back.encode(forgot))
    report = await vera.sync()
    assert report.held_back
    counted = hold_back.decode(await store.setting(hold_back.SETTING)).downloaded
    assert counted[journals[0]] >= kept[0] and set(counted) == set(journals)
    kept = [await store.journal_bytes(journal) for journal in journals]
    assert sum(kept) < UNVERIFIED_SHARE_BYTES + largest, kept

    await vera.shares.verify("stranger", await stranger.shares.fingerprint())
    after = await vera.sync(strict=True)
    assert not after.held_back and not after.incomplete and not after.withheld
    assert hold_back.decode(await store.setting(hold_back.SETTING)).downloaded == {}
    last = await vera.entries.list(f"stranger/Spam {CYCLES - 1}")
    assert len(last) == ENTRIES
