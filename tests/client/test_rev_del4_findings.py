"""REV-DEL4: hostile review of de11e088 (`Entries._follow_removals`: another device's trash or
delete of an entry reaches the copies shared one by one held here; copies written first on a
delete for good or a restore). /work/REV-DEL4-FINDINGS.md has the analysis. Fixed since: a
copy restored names the trash it undid (`entries.RESTORED_FROM`) and a copy trashed with its
entry says so (`entries.TRASHED_WITH`): a stale trash never hides a restored copy again (A);
copies new on a device are matched to entries removed there, and a refused write is tried
again at later syncs (`entries.COPIES_OWED`) (B); a brief at the end of the calendar is
bounded (D); a copy is only ever an entry in its own journal (E)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from client_sdk import wire
from client_sdk.documents import entry_view
from client_sdk.replica import stored_document
from tests.client.hostile import HostileServer, login_through
from tests.client.sharing_support import journal_id
from tests.client.test_nu41_entry_copies import shared_after_the_phone_synced, shared_on_both
from tests.client.test_nu41_entry_copies import shared_copy as drsmith_sees
from tests.client.test_rev_complete_findings import record_ids
from tests.client.test_rev_del3_findings import share_brief_saying
from tests.conftest import ClientFactory, RunningServer


def withhold(hostile: HostileServer, hidden: set[bytes]) -> None:
    """The server leaves the records `hidden` out of every sync reply (a journal served at
    an older head: what a fresh device, or one that lags, cannot tell from the truth)."""

    def sync(request: bytes, reply: bytes) -> bytes:
        got = wire.decode(wire.SyncReply, reply)
        pages = []
        for p in got.pages:
            if not any(r.record_id in hidden for r in p.records):
                pages.append(p)
                continue
            first = min(r.seq for r in p.records if r.record_id in hidden)
            kept = [r for r in p.records if r.seq < first]
            pages.append(dataclasses.replace(p, records=kept, cursor=first - 1, head=first - 1))
        return wire.encode(wire.SyncReply(pages, got.done, got.next_journal))

    hostile.replies["/v1/sync"] = sync


async def test_a_stale_trash_of_a_restored_entry_trashes_its_copy_again_for_good(
    signup: ClientFactory,
    hostile: HostileServer,
    live_server: RunningServer,
    tmp_path: Path,
) -> None:
    """DEL4-A: `follow_removals` acts on this device's view of the entry, which may be older
    than its view of the copy (the two are in different journals; the server serves each at
    the head it likes). Ana trashed an entry shared with drsmith and restored it on her
    laptop: the copy went to the trash and came back with it. The server serves her phone
    "Personal" without the restore (the trash only) and "Shared with drsmith" whole (the
    copy restored): the phone trashes the copy again, after the restore it merged, so its
    set wins everywhere. Once the server serves the restore, the entry is live on every
    device and the copy stays in the trash for good; nobody is told. The same happens
    honestly when a device syncs between the two journals' records of a restore (copies
    first since de11e088) or between a restore cut short and its retry."""
    ana, drsmith = await signup("ana"), await signup("drsmith")
    phone = await login_through(hostile, "ana", tmp_path / "ana-phone", device_name="phone")
    try:
        entry = await ana.entries.write("Personal", "Please read this before Monday.", mood=3)
        await ana.shares.grant_entry(
            entry.id, "drsmith", fingerprint=await drsmith.shares.fingerprint()
        )
        await ana.sync()
        await phone.sync()  # the phone holds the entry and its copy
        assert await drsmith_sees(drsmith) == [("", "Please read this before Monday.", 3)]

        personal = await journal_id(ana, "Personal")
        await ana.entries.delete(entry.id)  # oops
        await ana.sync()
        before = set(record_ids(live_server, personal))
        await ana.entries.restore(entry.id)  # back, and back for drsmith
        await ana.sync()
        restore = set(record_ids(live_server, personal)) - before
        assert restore
        assert await drsmith_sees(drsmith) == [("", "Please read this before Monday.", 3)]

        withhold(hostile, restore)  # "Personal" served one record short
        await phone.sync()
        hostile.replies.clear()  # served whole from now on
        for _ in range(2):
            await phone.sync()
            await ana.sync()
        assert [e.id for e in await ana.entries.list()] == [entry.id]  # live for Ana
        assert [e.id for e in await phone.entries.list()] == [entry.id]
        assert await drsmith_sees(drsmith) == [("", "Please read this before Monday.", 3)], (
            "the copy went back to the trash after Ana restored the entry"
        )
    finally:
        await phone.close()


async def test_a_restore_cut_short_then_another_devices_sync_hides_the_copy_for_good(
    signup: ClientFactory, login: ClientFactory, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """DEL4-A, honest server: the restore written copies first (de11e088) is cut short after
    the copy; the laptop syncs (copy restored, entry still trashed on the server); the
    phone, which holds the copy, pulls the entry's trash and the copy's restore and trashes
    the copy again (`follow_removals`). Ana retries the restore on the laptop, as the fix
    says to: the entry comes back, the copy (live on the laptop when she retries) does not,
    and after the next syncs it is in the trash for good."""
    ana, drsmith, phone, entry = await shared_on_both(signup, login, "Shared.")
    await ana.entries.delete(entry.id)  # the copy too, on the laptop
    await ana.sync()  # the phone has not synced since

    real = ana.context.save

    async def cut_short(*args, **kw):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt  # after the copies, before the entry

    monkeypatch.setattr(ana.context, "save", cut_short)
    try:
        await ana.entries.restore(entry.id)
    except KeyboardInterrupt:
        pass
    monkeypatch.setattr(ana.context, "save", real)
    await ana.sync()  # automatic sync (tj's background sync, or the next command's)
    await phone.sync()  # entry: trashed (arrival); copy: restored -> trashed again
    await ana.entries.restore(entry.id)  # the retry
    for _ in range(2):
        await ana.sync()
        await phone.sync()
    assert [e.id for e in await ana.entries.list()] == [entry.id]
    assert await drsmith_sees(drsmith) == [("", "Shared.", 4)], "the copy stays hidden"


async def test_a_brief_at_the_end_of_time_still_crashes_the_therapists_caseload(
    signup: ClientFactory,
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    """DEL4-D: `brief_safety_items` now keeps `taken_at` between 1970 and `brief_at`, but
    `brief_at` is the brief's own `created_at`, which the client writes (`read_time` takes
    any time up to 9999-12-30). A brief made "on 9999-12-30" with a PHQ-9 item 9 taken the
    day before passes; `_brief_safety_reasons` then adds the recall period (14 days) to it
    (`said.taken_at + period`) as soon as the therapist holds one PHQ-9 result of that
    client with its answers: OverflowError, and `Caseload.rows` fails for every client."""
    from client_sdk import practice
    from client_sdk.models import MAX_MS
    from tests.client.sharing_support import share_with

    drsmith = await signup("drsmith")
    ben, ana = await signup("ben"), await signup("ana")
    for client in (ben, ana):
        await client.entries.write("Personal", "A week.", mood=5)
        await share_with(client, drsmith)  # whole: results with their answers
    await ben.measures.take("phq9", [0] * 9)  # one result drsmith reads, answers included
    await ben.sync()

    real_update = practice.brief_update

    def late_update(document, brief, now_ms):  # type: ignore[no-untyped-def]  # ben's SDK
        return real_update(document, brief, MAX_MS)

    monkeypatch.setattr(practice, "brief_update", late_update)
    await share_brief_saying(ben, drsmith, monkeypatch, taken_at="9999-12-29T00:00:00+00:00")
    monkeypatch.setattr(practice, "brief_update", real_update)
    for client in (ben, ana, drsmith):
        await client.sync()
    rows = await drsmith.caseload.list()  # "Raises nothing"
    assert {r.client for r in rows} == {"ben", "ana"}


async def test_a_removal_followed_while_the_copys_journal_refuses_is_never_followed_again(
    signup: ClientFactory,
    login: ClientFactory,
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    """DEL4-B: `follow_removals` is edge-triggered (the sync's arrivals) and swallows a
    refusal of the copy's journal (`contextlib.suppress(TJError)`), with nothing kept to try
    again. The laptop holds the copy; the phone (without it) deletes the entry for good.
    During the one sync of the laptop that brings the delete, the copy's write fails (the
    server serves "Shared with drsmith" rolled back, or withholds its epoch key, or the
    network drops at `journal_key`): from then on no sync brings the delete again, and
    drsmith reads the "deleted for good" entry forever (DEL3-A again)."""
    from client_sdk.errors import RollbackError

    ana, drsmith, phone, entry = await shared_after_the_phone_synced(signup, login)
    await ana.sync()
    assert await drsmith_sees(drsmith) == [("", "Shared, then regretted.", 4)]
    await phone.entries.delete(entry.id)
    assert await phone.entries.empty_trash() == 1
    await phone.sync()

    items = await journal_id(ana, "Shared with drsmith")
    real = ana.replica.commit

    async def refused(journal, document, update, **kw):  # type: ignore[no-untyped-def]
        if journal.journal_id == items:
            raise RollbackError("the access chain ... the server rolled it back")
        return await real(journal, document, update, **kw)

    monkeypatch.setattr(ana.replica, "commit", refused)
    await ana.sync()  # brings the delete; the copy's write is refused, silently
    monkeypatch.setattr(ana.replica, "commit", real)
    for _ in range(2):
        await ana.sync()
        await phone.sync()
    assert await drsmith_sees(drsmith) == [], "the therapist still reads the deleted entry"


async def test_the_removing_device_that_receives_the_copy_later_never_follows(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """DEL4-B: only a device that holds the copy when the removal *arrives* follows it. The
    phone deletes the entry for good, then syncs and receives "Shared with drsmith" (the
    copy) itself: the removal is its own (no arrival), so it never looks at the copy. If
    the laptop that shared it never syncs again (lost, wiped, retired: the usual reason to
    delete from the phone), drsmith reads the entry forever, with the phone holding both
    the deleted entry and the live copy."""
    ana, drsmith, phone, entry = await shared_after_the_phone_synced(signup, login)
    await ana.sync()  # the laptop's last sync
    assert await drsmith_sees(drsmith) == [("", "Shared, then regretted.", 4)]
    await phone.entries.delete(entry.id)
    assert await phone.entries.empty_trash() == 1
    for _ in range(3):
        await phone.sync()  # now holds the copy too
    items = await journal_id(phone, "Shared with drsmith")
    held = [entry_view(stored_document(d)) for d in await phone.store.documents(items)]
    assert held and held[0].deleted  # fixed: the copy new here followed the entry's delete
    assert await drsmith_sees(drsmith) == [], "the therapist still reads the deleted entry"
