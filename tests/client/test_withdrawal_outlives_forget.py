"""A therapist's note written while the client ended the share is refused for good and set
aside; its counter is withdrawn (protocol.md 4.18, "Covers" 2), but no `void` can say so in a
journal that refuses this account's records. The therapist drops the change, then forgets the
copy (`shares.forget(..., unlisted=True)`), and the client shares the journal again. The
forget keeps the device's write counters (R36 F4), so the therapist's next record there goes
on from where it was: the withdrawal must outlive the copy too, or that record shows every
reader, the therapist's own device included, the dropped counter as withheld by an honest
server at every sync, for good (NU56 finding 1).

Real server on 127.0.0.1; the hostile-server test at the end checks that a record the
server really keeps from the readers in the same sequence is still reported."""

from __future__ import annotations

import pytest

from client_sdk import Client, forgotten
from client_sdk.errors import InvalidInput, WithheldRecordsError
from client_sdk.store import STORE_FILE
from tests.client.sharing_support import journal_id, rows, server_db, share_with
from tests.client.test_withholding import drop_record, journal_seqs
from tests.conftest import ClientFactory, RunningServer

OFFLINE_NOTE = "written on the train, no signal"
ONLINE_NOTE = "after the share again"


async def note_set_aside_at_unshare(ana: Client, tom: Client) -> bytes:
    """ana shares Personal with tom (annotate), tom reads it; tom writes a note that no sync
    sends before ana ends the share (as offline); tom's next sync has it refused for good and
    set aside. Returns the journal's id."""
    await ana.entries.write("Personal", "an entry")
    await share_with(ana, tom, role="annotate")
    await ana.sync(strict=True)
    await tom.sync(strict=True)
    await tom.notes.add("ana/Personal", OFFLINE_NOTE)  # not sent yet: as written offline
    await ana.shares.revoke("Personal", tom.username)
    await ana.sync(strict=True)
    report = await tom.sync()
    assert [r.code for r in report.set_aside] == ["forbidden"], report.set_aside
    return await journal_id(ana, "Personal")


async def share_again(ana: Client, tom: Client) -> None:
    await ana.shares.grant(
        "Personal", tom.username, role="annotate", full=True, trust_on_first_use=True
    )
    await ana.sync(strict=True)


async def assert_nothing_withheld(*clients: Client) -> None:
    """Every device's sync: strict (raises WithheldRecordsError on a gap), and no gap."""
    for client in clients:
        report = await client.sync(strict=True)
        assert report.withheld == [] and report.problems == [], (
            client.username,
            report.withheld,
            report.problems,
        )


async def test_a_dropped_and_forgotten_note_then_a_share_again_reports_nothing_withheld(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """The finding's exact sequence: drop, forget, share again, a new note; the owner's
    devices (one that synced throughout, one logged in afterwards) and the therapist's
    report nothing withheld."""
    ana, tom = await signup("ana"), await signup("tom")
    journal = await note_set_aside_at_unshare(ana, tom)
    dropped = await tom.drop_set_aside()
    assert [c.removed for c in dropped] == [True]
    assert await tom.shares.forget("ana/Personal", unlisted=True) is True
    await share_again(ana, tom)
    await tom.sync(strict=True)
    assert forgotten.tag(journal) not in forgotten.decode(
        await tom.store.setting(forgotten.SETTING)
    )
    await tom.notes.add("ana/Personal", ONLINE_NOTE)
    await tom.sync(strict=True)
    await assert_nothing_withheld(ana, tom)
    texts = {n.text for n in await ana.notes.list("Personal")}
    assert ONLINE_NOTE in texts and OFFLINE_NOTE not in texts
    phone = await login("ana")
    await assert_nothing_withheld(phone, ana, tom)  # and later syncs too


async def test_forget_without_the_drop_is_refused_and_then_the_drop_settles_it(
    signup: ClientFactory,
) -> None:
    """Forgetting while the change is still set aside is refused (it would be lost); after
    the drop it goes as above, with the therapist writing several records later."""
    ana, tom = await signup("ana"), await signup("tom")
    await note_set_aside_at_unshare(ana, tom)
    with pytest.raises(InvalidInput):
        await tom.shares.forget("ana/Personal", unlisted=True)
    await tom.drop_set_aside()
    assert await tom.shares.forget("ana/Personal", unlisted=True) is True
    await share_again(ana, tom)
    await tom.sync(strict=True)
    for n in range(3):
        await tom.notes.add("ana/Personal", f"{ONLINE_NOTE} {n}")
        await tom.sync(strict=True)
    await assert_nothing_withheld(ana, tom)


@pytest.mark.parametrize("forget", [True, False])
async def test_left_then_shared_again_reports_nothing_withheld(
    signup: ClientFactory, forget: bool
) -> None:
    """The therapist leaves the share with a note not yet sent: the leave sends it first
    (rev34a F3: before, the leave went through and the note was set aside at the next sync,
    which the other tests here still make by ending the share on the owner's side), forgets
    the copy (or keeps it); the client shares again."""
    ana, tom = await signup("ana"), await signup("tom")
    await ana.entries.write("Personal", "an entry")
    await share_with(ana, tom, role="annotate")
    await ana.sync(strict=True)
    await tom.sync(strict=True)
    await tom.notes.add("ana/Personal", OFFLINE_NOTE)
    await tom.shares.leave("ana/Personal")
    report = await tom.sync()
    assert report.set_aside == [], report.set_aside
    if forget:
        assert await tom.shares.forget("ana/Personal") is True
    await ana.sync()  # learns that tom left
    assert OFFLINE_NOTE in {n.text for n in await ana.notes.list("Personal")}
    await share_again(ana, tom)
    await tom.sync(strict=True)
    await tom.notes.add("ana/Personal", ONLINE_NOTE)
    await tom.sync(strict=True)
    await assert_nothing_withheld(ana, tom)


async def test_the_therapists_other_devices_report_nothing_withheld(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """tom's phone held the first share and was offline (no sync) through the unshare, the
    drop and the forget on his laptop; his tablet logs in after the share again. Both then
    hold the laptop's counters and report nothing withheld, and so do ana's devices."""
    ana, tom = await signup("ana"), await signup("tom")
    await ana.entries.write("Personal", "an entry")
    await share_with(ana, tom, role="annotate")
    await ana.sync(strict=True)
    await tom.sync(strict=True)
    phone = await login("tom")
    await phone.sync(strict=True)  # then offline throughout
    await tom.notes.add("ana/Personal", OFFLINE_NOTE)
    await ana.shares.revoke("Personal", tom.username)
    await ana.sync(strict=True)
    assert [r.code for r in (await tom.sync()).set_aside] == ["forbidden"]
    await tom.drop_set_aside()
    assert await tom.shares.forget("ana/Personal", unlisted=True) is True
    await share_again(ana, tom)
    await tom.sync(strict=True)
    await tom.notes.add("ana/Personal", ONLINE_NOTE)
    await tom.sync(strict=True)
    tablet = await login("tom", "tablet")
    await assert_nothing_withheld(phone, tablet, ana, tom)
    assert ONLINE_NOTE in {n.text for n in await phone.notes.list("ana/Personal")}
    await phone.notes.add("ana/Personal", "from the phone")
    await phone.sync(strict=True)
    await assert_nothing_withheld(ana, tom, tablet, phone)


async def test_a_record_the_server_keeps_from_readers_in_that_sequence_is_still_reported(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    """Hostile server: in the same sequence, the server drops the therapist's first record
    after the share again (the one that carries the withdrawal) and serves the next one.
    The owner's device and the therapist's other device both report the gap, the record
    dropped and the counter its withdrawal covered: the kept withdrawal is signed in that
    record, never assumed by a reader. (The writing device received its record back before
    the server dropped it, so its own sync has nothing missing.)"""
    ana, tom = await signup("ana"), await signup("tom")
    journal = await note_set_aside_at_unshare(ana, tom)
    await tom.drop_set_aside()
    assert await tom.shares.forget("ana/Personal", unlisted=True) is True
    await share_again(ana, tom)
    await tom.sync(strict=True)
    before = journal_seqs(live_server, journal)
    await tom.notes.add("ana/Personal", ONLINE_NOTE)
    await tom.sync(strict=True)
    [carrying] = journal_seqs(live_server, journal)[len(before) :]
    [(record_id,)] = rows(
        server_db(live_server), "SELECT record_id FROM records WHERE seq = ?", carrying
    )
    [(counter,)] = rows(
        tom.home / STORE_FILE, "SELECT counter FROM seen_records WHERE record_id = ?", record_id
    )
    drop_record(live_server, carrying)
    await tom.notes.add("ana/Personal", "the next note")
    await tom.sync(strict=True)
    tablet = await login("tom", "tablet")
    for client in (ana, tablet):
        with pytest.raises(WithheldRecordsError):
            await client.sync(strict=True)
        [gap] = (await client.sync()).withheld
        assert (gap.author, gap.device) == (tom.profile.account_id, tom.profile.device_id)
        assert gap.missing == ((1, counter),), (gap.missing, counter)
