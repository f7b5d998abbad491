"""REV-DEL5: hostile review of a695a7d4 (copies name `trashed_with_entry` and `restored_from`;
`entries.COPIES_OWED`; copies new on a device matched to removed entries). /work/REV-DEL5-
FINDINGS.md has the analysis. Every test here fails on a695a7d4. Fixed since: a copy trashed
by hand says so (`entries.TRASHED_BY_HAND`) and an entry's restore never brings it back (A);
a restore names the entry's trash it undid (B); a follow an archived journal refuses is told
in the sync's problems, and done once unarchived (C, rewritten to that outcome); what is
owed is tried again only once the store changed (D)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from client_sdk.documents import entry_view
from client_sdk.entries import COPIES_OWED, TRASHED_WITH
from client_sdk.keys import disclosure_doc_id
from client_sdk.replica import stored_document
from tests.client.hostile import HostileServer, login_through
from tests.client.sharing_support import journal_id
from tests.client.test_nu41_entry_copies import shared_after_the_phone_synced, shared_on_both
from tests.client.test_nu41_entry_copies import shared_copy as drsmith_sees
from tests.client.test_rev_complete_findings import record_ids
from tests.client.test_rev_del4_findings import withhold
from tests.client.test_sync_caches import statements
from tests.conftest import ClientFactory, RunningServer


async def copy_of(client, entry_id: str):  # type: ignore[no-untyped-def]
    items = await journal_id(client, "Shared with drsmith")
    copy_id = disclosure_doc_id(
        client.replica.profile.secrets.account_key, bytes.fromhex(entry_id), items
    )
    stored = await client.store.document(copy_id)
    return stored_document(stored) if stored is not None else None


async def test_a_copy_hidden_by_hand_while_another_device_trashed_its_entry_comes_back_on_restore(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """DEL5-A: `trashed_with_entry` is written only by the entry's trash; the user's own trash
    of a copy (`tj delete COPY_ID`) writes `trashed_at` alone. When the two are concurrent
    (the phone offline, or the server holding the phone's record back from the laptop a
    while), the merged copy says `trashed_with_entry: true` whatever `trashed_at` won, and the
    entry's restore brings back the copy Ana took out of drsmith's view herself. Before
    a695a7d4 the restore also asked for equal `trashed_at`s (a coin toss on Yjs client ids);
    now it always brings it back."""
    ana, drsmith, phone, entry = await shared_on_both(signup, login, "Shared by mistake.")
    assert await drsmith_sees(drsmith) == [("", "Shared by mistake.", 4)]

    copy_id = next(e.id for e in await phone.entries.list("Shared with drsmith"))
    await phone.entries.delete(copy_id)  # "take it out of drsmith's view" (offline)
    await ana.entries.delete(entry.id)  # the laptop, not having seen it: the copy goes with it
    await ana.sync()
    await phone.sync()
    await ana.sync()
    await ana.entries.restore(entry.id)  # Ana wants her entry back, not drsmith's copy
    await ana.sync()
    merged = await copy_of(ana, entry.id)
    assert merged is not None
    assert await drsmith_sees(drsmith) == [], (
        "the copy Ana hid from drsmith herself is back in his view after she restored the "
        f"entry (trashed_with_entry={merged.field(TRASHED_WITH)})"
    )


async def test_a_restore_after_concurrent_trashes_names_the_copys_moment_and_a_stale_view_hides_it(
    signup: ClientFactory,
    login: ClientFactory,
    hostile: HostileServer,
    live_server: RunningServer,
    tmp_path: Path,
) -> None:
    """DEL5-B: `restore` writes into a copy `restored_from` = the *copy's* `trashed_at`, while
    `follow_removals` compares it with the *entry's* `trashed_at`. The two differ whenever the
    entry was trashed on two devices concurrently (Ana trashes it on the phone, later on the
    laptop that had not synced): each map field is last-writer-wins by random Yjs client id,
    the entry's and the copy's drawn apart, so about one time in two the copy keeps the other
    device's moment. DEL4-A then happens as before: the server serves Ana's tablet (which
    last synced before the trashes) "Personal" with the trashes and without the restore, the
    tablet trashes the restored copy again (causally after the restore: it wins), and the
    copy stays hidden for good after Ana restored the entry."""
    ana, drsmith = await signup("ana"), await signup("drsmith")
    phone = await login("ana")
    tablet = await login_through(hostile, "ana", tmp_path / "ana-tablet", device_name="tablet")
    try:
        fingerprint = await drsmith.shares.fingerprint()
        written = []
        for n in range(10):  # about half of them end with the two moments apart
            entry = await ana.entries.write("Personal", f"Entry {n}.", mood=3)
            await ana.shares.grant_entry(entry.id, "drsmith", fingerprint=fingerprint)
            written.append(entry.id)
        await ana.sync()
        await phone.sync()
        await tablet.sync()  # holds the entries and their copies; next synced below
        for entry_id in written:
            await phone.entries.delete(entry_id)  # offline
        await asyncio.sleep(0.01)
        for entry_id in written:
            await ana.entries.delete(entry_id)  # the laptop had not synced
        await ana.sync()
        await phone.sync()
        await ana.sync()
        apart, trashed = [], {}
        for entry_id in written:
            _, document = await ana.context.entry_document(entry_id)
            copy = await copy_of(ana, entry_id)
            assert copy is not None and copy.field(TRASHED_WITH) is True
            trashed[entry_id] = entry_view(document).trashed_at
            if entry_view(copy).trashed_at != entry_view(document).trashed_at:
                apart.append(entry_id)
        assert apart, "every pair of moments merged alike (1 in 1024): run again"
        chosen = apart[0]

        personal = await journal_id(ana, "Personal")
        before = set(record_ids(live_server, personal))
        await ana.entries.restore(chosen)
        await ana.sync()
        restore = set(record_ids(live_server, personal)) - before
        restored = await copy_of(ana, chosen)
        assert restored is not None  # restored_from: the copy's moment, not trashed[chosen]

        withhold(hostile, restore)  # "Personal" served without the restore
        await tablet.sync()
        hostile.replies.clear()
        for _ in range(2):
            await tablet.sync()
            await phone.sync()
            await ana.sync()
        assert chosen in [e.id for e in await ana.entries.list()]
        shown = await drsmith_sees(drsmith)
        assert shown == [("", f"Entry {written.index(chosen)}.", 3)], (
            "the copy went back to the trash after Ana restored the entry (restored_from "
            "names the copy's moment, the stale device compares the entry's)"
        )
    finally:
        await tablet.close()


async def test_a_copy_in_an_archived_items_journal_never_follows_and_is_owed_at_every_sync(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """DEL5-C: an owner may archive "Shared with drsmith" (`tj journal archive`: "changes
    nothing about who may read it"). The phone, which holds no copy, deletes the entry for
    good: nothing refuses. The laptop's follow is refused (JournalArchived) at every sync,
    the entry stays in `COPIES_OWED` for good, drsmith keeps reading the "deleted for good"
    entry, and nobody is told. A removal-only write takes words away: it should pass an
    archive (or the user be told)."""
    ana, drsmith, phone, entry = await shared_after_the_phone_synced(
        signup, login
    )  # holds the entry, not the copy
    await ana.journals.archive("Shared with drsmith")
    await ana.sync()
    assert await drsmith_sees(drsmith) == [("", "Shared, then regretted.", 4)]
    await phone.entries.delete(entry.id)
    assert await phone.entries.empty_trash() == 1
    await phone.sync()
    # Fixed as told, not forced: an archived journal takes no write (the client archived
    # it), and the sync that finds the follow refused says so; unarchived, it follows.
    told = (await ana.sync()).problems
    assert any(
        "still shows in the copy kept in 'Shared with drsmith'" in line and "archived" in line
        for line in told
    ), told
    assert await ana.store.setting(COPIES_OWED)
    await ana.journals.archive("Shared with drsmith", archived=False)
    for _ in range(2):
        await ana.sync()
    assert not await ana.store.setting(COPIES_OWED)
    assert await drsmith_sees(drsmith) == []


async def test_a_copy_owed_makes_every_sync_with_nothing_to_do_read_the_store(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """DEL5-D (issue 10): `Client._follow_removals` calls `follow_removals` whenever
    `COPIES_OWED` is non-empty, not only "at every sync that changed something" as its
    docstring says. While a follow is refused for good (DEL5-C, or a server serving the
    items journal rolled back), every sync with nothing to do reads the setting again
    without `as_of`, the journal list, each owed document and its copies, and tries the
    commit: far more than a no-op sync may run (none)."""
    ana, drsmith, phone, entry = await shared_after_the_phone_synced(signup, login)
    await ana.journals.archive("Shared with drsmith")
    await ana.sync()
    await phone.entries.delete(entry.id)
    assert await phone.entries.empty_trash() == 1
    await phone.sync()
    for _ in range(3):
        await ana.sync()
    assert await ana.store.setting(COPIES_OWED)  # refused, kept
    with statements(ana, every=True) as ran:
        report = await ana.sync()
    assert (report.pushed, report.pulled) == (0, 0)
    # None: a sync with nothing to do reads the store's log header, not the store
    # (tests/client/test_noop_sync_work.py), owed copies or not.
    assert ran == [], f"{len(ran)} statements on a sync with nothing to do: {ran}"
