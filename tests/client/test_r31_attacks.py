"""R31 (hostile review of s6-notices): findings as failing tests.

F1: watch() counts a notice-only sync as a completed sync (`last_synced()`) on the claim
that "the socket has told this device of every change since" its catch-up sync. The server
sends no live notice for some changes a /v1/sync would bring (a journal renamed, created or
deleted on another device of the account): with an honest server, `last_synced()` then
moves past a change the device never learnt of.

F2: a member's refused withdrawal is dropped as moot when *any* verified record of the
journal's owner for that note is on the server; the note's "deleted" field checked is the
device's own state, which the member's own set-aside withdrawal already marks deleted. An
owner record that leaves the note as it is (a snapshot, accepted by `_check_owner_edit`)
makes the member's device forget the withdrawal while the note stays with its readers.

(s9) The server now announces renames, new journals and ended shares with a meta notice
(test_meta_notices.py); F1's tests of them run against a server that sends none
(`no_meta_notices`), as a server from before them or one withholding them would: the
invariant must hold without them.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.client.sharing_support import share_with
from tests.client.test_live import watching
from tests.client.test_live_records import count_requests
from tests.conftest import ClientFactory

WRONG = "ZEBRA-SECRET: results of your test are in, call me."


@pytest.mark.usefixtures("no_meta_notices")
async def test_r31_last_synced_never_passes_a_rename_the_watching_device_missed(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    await laptop.journals.create("Sleep")
    await laptop.sync()
    phone = await login("ana")
    async with watching(phone) as watcher:
        await laptop.journals.rename("Sleep", "Rest")
        await laptop.sync()
        renamed_at = datetime.now(UTC)
        asked = count_requests(phone)
        await laptop.entries.write("Personal", "A good day")
        await laptop.sync()
        report = await watcher.next_report()
        assert report.notice_only and "/v1/sync" not in asked, "the notice path was taken"
        synced = await phone.last_synced()
    names = {j.name for j in await phone.journals.list()}
    assert synced is not None
    # last_synced() says the device is as up to date as an ordinary sync at `synced` would
    # leave it; an ordinary sync then would have brought the rename.
    assert synced < renamed_at or "Rest" in names, (synced, renamed_at, names)


@pytest.mark.usefixtures("no_meta_notices")
async def test_r31_last_synced_never_passes_a_journal_created_on_another_device(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    phone = await login("ana")
    async with watching(phone) as watcher:
        await laptop.journals.create("Sleep")
        await laptop.sync()
        created_at = datetime.now(UTC)
        asked = count_requests(phone)
        await laptop.entries.write("Personal", "A good day")
        await laptop.sync()
        report = await watcher.next_report()
        assert report.notice_only and "/v1/sync" not in asked, "the notice path was taken"
        synced = await phone.last_synced()
    names = {j.name for j in await phone.journals.list()}
    assert synced is not None
    assert synced < created_at or "Sleep" in names, (synced, created_at, names)


async def test_r31_last_synced_never_passes_a_journal_deleted_on_another_device(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    await laptop.journals.create("Sleep")
    await laptop.entries.write("Sleep", "Slept badly")
    await laptop.sync()
    phone = await login("ana")
    await phone.sync()
    async with watching(phone) as watcher:
        await laptop.journals.delete("Sleep")
        await laptop.sync()
        deleted_at = datetime.now(UTC)
        # (s9) The deletion's meta notice starts an ordinary sync, which brings the deletion
        # without a manual sync; then the notice-only sync.
        caught = await watcher.next_report()
        assert not caught.notice_only and caught.trigger is not None
        assert caught.trigger.meta
        asked = count_requests(phone)
        await laptop.entries.write("Personal", "A good day")
        await laptop.sync()
        report = await watcher.next_report()
        assert report.notice_only and "/v1/sync" not in asked, "the notice path was taken"
        synced = await phone.last_synced()
        seen = sorted((j.name, j.role) for j in await phone.journals.list())
    # What an ordinary sync makes of the deletion (the reference for "up to date").
    await phone.sync()
    gone_after_sync = sorted((j.name, j.role) for j in await phone.journals.list())
    assert synced is not None
    assert synced < deleted_at or seen == gone_after_sync, (synced, seen, gone_after_sync)


async def test_r31_an_owner_record_that_leaves_the_note_as_is_never_drops_a_withdrawal(
    signup: ClientFactory,
) -> None:
    """The owner's verified record for the note must *mark it deleted* (protocol.md 6,
    set-aside; attack table) before the member's refused withdrawal is dropped: here the
    owner's record is a snapshot of the note as it is (accepted: `_check_owner_edit`), the
    note stays with its readers, and the member's device must keep saying it was not
    withdrawn."""
    ana, tom = await signup("ana"), await signup("tom")
    await ana.entries.write("Personal", "Long week.")
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    note = await tom.notes.add("ana/Personal", WRONG)
    await tom.sync()
    await ana.sync()
    await ana.shares.grant("Personal", "tom", role="read", trust_on_first_use=True)
    await ana.sync()
    await tom.notes.withdraw(note.id)  # offline: refused at the sync
    report = await tom.sync()
    assert note.id in [r.doc_id for r in report.set_aside]
    # The owner's device writes a snapshot of the note as it is (no deletion).
    journal = next(j for j in await ana.store.journals() if j.name == "Personal")
    await ana.replica.seal_snapshots(journal, [bytes.fromhex(note.id)])
    await ana.sync()
    assert WRONG in [n.text for n in await ana.notes.list()], "the owner still reads it"
    await tom.sync()
    assert ana.profile.account_id in await tom.store.authors_on_server(bytes.fromhex(note.id))
    await ana.entries.write("Personal", "Another day.")  # any arrival runs the moot check
    await ana.sync()
    await tom.sync()
    still = {c.doc_id for c in await tom.set_aside()}
    assert note.id in still, "the note is still read: its withdrawal is not moot"


@pytest.mark.usefixtures("no_meta_notices")
async def test_r31_last_synced_never_passes_the_end_of_a_share_the_watching_device_missed(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """A therapist who also keeps a journal of their own: the client ends the share while
    the therapist's phone watches. The server tells the journal's remaining members, not the
    one removed; a notice-only sync of the therapist's own journal then moves
    `last_synced()` while the phone still shows the client's journal as shared with it."""
    ana = await signup("ana")
    tom_laptop = await signup("tom")
    await share_with(ana, tom_laptop, role="annotate")
    await tom_laptop.sync()
    tom_phone = await login("tom")
    await tom_phone.sync()
    async with watching(tom_phone) as watcher:
        await ana.shares.revoke("Personal", "tom")
        await ana.sync()
        ended_at = datetime.now(UTC)
        asked = count_requests(tom_phone)
        await tom_laptop.entries.write("Personal", "Supervision notes")
        await tom_laptop.sync()
        report = await watcher.next_report()
        assert report.notice_only and "/v1/sync" not in asked, "the notice path was taken"
        synced = await tom_phone.last_synced()
        seen = sorted((j.name, j.role) for j in await tom_phone.journals.list())
    await tom_phone.sync()  # what an ordinary sync makes of it: the reference
    current = sorted((j.name, j.role) for j in await tom_phone.journals.list())
    assert synced is not None
    assert synced < ended_at or seen == current, (synced, seen, current)


async def test_r31_last_synced_never_passes_a_revocation_made_on_another_device(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """The owner ends a share on the laptop while the phone watches: the rotation's notice
    names the journal's unchanged head, which watch() skips as held; a notice-only sync of
    another journal then moves the phone's `last_synced()` while it still lists the member
    as reading the journal (who reads a journal, as of "now")."""
    laptop, tom = await signup("ana"), await signup("tom")
    await laptop.journals.create("Sleep")
    await share_with(laptop, tom, role="read")
    await laptop.sync()
    phone = await login("ana")
    await phone.sync()
    assert [s.member_name for s in await phone.replica.current_shares()] == ["tom"]
    async with watching(phone) as watcher:
        await laptop.shares.revoke("Personal", "tom")
        await laptop.sync()
        revoked_at = datetime.now(UTC)
        # (s9) The rotation's meta notice starts an ordinary sync, which brings the
        # revocation without a manual sync; then the notice-only sync.
        caught = await watcher.next_report()
        assert not caught.notice_only and caught.trigger is not None and caught.trigger.meta
        assert await phone.replica.current_shares() == []
        asked = count_requests(phone)
        await laptop.entries.write("Sleep", "Slept well")
        await laptop.sync()
        report = await watcher.next_report()
        assert report.notice_only and "/v1/sync" not in asked, "the notice path was taken"
        synced = await phone.last_synced()
        seen = [(s.member_name, s.role) for s in await phone.replica.current_shares()]
    await phone.sync()  # what an ordinary sync makes of it: the reference
    current = [(s.member_name, s.role) for s in await phone.replica.current_shares()]
    assert synced is not None
    assert synced < revoked_at or seen == current, (synced, seen, current)
