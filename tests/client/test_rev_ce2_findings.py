"""rev-ce2: hostile review of fix-ce (cfea0fd..7efa81c): a late carry covers only the late
records whose effect it seals again (`Replica._carried_late`), carries again the owner's
late withdrawal of a re-shared member's annotation (`_withdrawals_carried`), and a
too-large document's late records wait pending.

Each confirmed bug was a strict expected failure; /work/REV-CE2-FINDINGS.md has the
analysis. Fixed (fix-ce2): F1, a cut other than a share's own (a carry's, a restore's, an
outbox sealed again) no longer covers a record of a member taking it from before it unless
carried again, and a late carry carries again a member's own withdrawal (protocol.md 4.19
"Never covered unless carried"); F2, a withdrawal is carried again only for a member that
takes the carry's cut ("Withdrawals carried again"): past a later share the member's
device reports the record withheld instead, and the later member learns nothing.
"""

from __future__ import annotations

from pathlib import Path

from client_sdk import Client, SyncReport
from tests.client.hostile import HostileServer, login_through, serving
from tests.client.sharing_support import journal_id, share_with
from tests.client.test_r43_race import quiet_phone, race, settle
from tests.client.test_rc_f4_cuts import quiet
from tests.client.test_rev_ce_findings import tom_notes_on_the_laptop
from tests.client.test_rev_complete_findings import record_ids
from tests.conftest import ClientFactory, RunningServer


def told(report: SyncReport) -> bool:
    """Whether a sync said anything about what it did not get."""
    return bool(report.withheld or report.incomplete or report.problems or report.rollbacks)


async def _members_own_withdrawal_pulled_late(
    hostile: HostileServer,
    signup: ClientFactory,
    live_server: RunningServer,
    tmp_path: Path,
    *,
    cut: str,
    then_share_with_joan: bool = False,
) -> tuple[list[str], list[SyncReport], Client]:
    """tom has two devices: `tab` (behind a hostile server) writes a note, `desk` (on the
    real server) withdraws it under tom's first membership's epoch. The laptop pulls the
    withdrawal and ends tom's share (its write limit includes the withdrawal). The server
    keeps the withdrawal from the phone and from `tab` (a delay). The phone shares with
    tom again: it holds the note live, so it carries no withdrawal again ("Withdrawals
    carried again" needs it held at the share), and its cut does not cover the withdrawal.
    Then a cut other than the share's own is written under the re-share's epoch: `cut` =
    "carry", a late carry of the laptop's edit (delayed with the withdrawal); "restore",
    the snapshot of an entry the phone takes out of the trash; "outbox", the laptop's edit
    written after the revocation and still in its outbox at the re-share, sealed again as
    a snapshot and its cut (the phone never gets the withdrawal). Found: that cut covered
    the withdrawal of tom's `desk` ("Never covered unless carried" left out only the
    owner's records); `tab`, whose current membership starts at the re-share's cut, took
    it and passed over the withdrawal (an epoch before its current membership): the note
    stayed live there, nothing withheld. Without such a cut `tab` reports the withdrawal's
    counter withheld at every sync. `then_share_with_joan`: the phone shares with joan
    after tom (joan's cut is the latest; tom does not take the carry's cut).
    Returns `tab`'s live notes, two sync reports of `tab`'s, and joan."""
    async with (
        race(hostile, signup, tmp_path) as state,
        serving(HostileServer(live_server.url)) as second,
    ):
        laptop, phone = state.laptop, state.phone
        desk, joan = await signup("tom"), await signup("joan")
        tab = await login_through(second, "tom", tmp_path / "tom-tab-via-proxy")
        try:
            entry = await laptop.entries.write(None, "one")
            trashed = await laptop.entries.write(None, "two")
            await laptop.entries.delete(trashed.id)  # in the trash
            await laptop.sync(strict=True)
            await share_with(laptop, desk, role="annotate")
            await desk.sync(strict=True)
            await tab.sync(strict=True)
            note = await tab.notes.add("ana/Personal", "Try the breathing exercise.")
            await tab.sync(strict=True)
            await desk.sync(strict=True)
            await laptop.sync(strict=True)
            await quiet_phone(state)  # the phone holds the note
            await tab.sync(strict=True)
            await tab.sync(strict=True)
            tab_empty = second.replies_to("/v1/sync")[-1]
            state.delay()  # the phone, and tom's tab, are given nothing new for a while
            second.replies["/v1/sync"] = lambda _, __: tab_empty
            journal = await journal_id(laptop, "Personal")
            before = set(record_ids(live_server, journal))
            await desk.notes.withdraw(note.id)
            await desk.sync(strict=True)
            await laptop.sync(strict=True)
            if cut == "carry":
                await laptop.entries.edit(entry.id, append=" two")  # late on the phone
                await laptop.sync(strict=True)
            added = 1 + (cut == "carry")
            assert len(set(record_ids(live_server, journal)) - before) == added
            await laptop.shares.revoke("Personal", "tom")  # its limit holds the withdrawal
            await laptop.sync(strict=True)
            if cut == "outbox":
                await laptop.entries.edit(entry.id, append=" two")  # waits in its outbox
            await phone.sync()
            assert [n.text for n in await phone.notes.list()] == ["Try the breathing exercise."]
            await share_with(phone, desk, role="annotate")  # tom's new membership
            if then_share_with_joan:
                await share_with(phone, joan, role="annotate")
            await phone.sync()
            await desk.sync()
            if cut != "outbox":
                state.deliver()
            if cut == "restore":
                await phone.sync()
                await phone.entries.restore(trashed.id)
            phone_reports = [await phone.sync(), await phone.sync()]
            await settle(phone, laptop, desk, joan)
            if cut != "outbox":
                assert [n.text for n in await phone.notes.list()] == [], phone_reports
            assert [n.text for n in await laptop.notes.list()] == []
            assert [n.text for n in await desk.notes.list()] == []
            await laptop.entries.write(None, "later")  # names tom's desk in its seen vector
            await laptop.sync(strict=True)
            del second.replies["/v1/sync"]
            reports = [await tab.sync(), await tab.sync()]
            live = [n.text for n in await tab.notes.list()]
            # No silent loss: tab holds the withdrawal or is told, at every sync, that it
            # lacks it.
            assert live == [] or all(told(r) for r in reports), (live, reports)
            return live, reports, joan
        finally:
            await tab.close()


async def test_ce2_f1_a_members_own_late_withdrawal_is_covered_by_a_carrys_cut(
    hostile: HostileServer, signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    live, reports, _ = await _members_own_withdrawal_pulled_late(
        hostile, signup, live_server, tmp_path, cut="carry"
    )
    # The phone finds the withdrawal late (tom takes the re-share's cut, and no cover of
    # it accounts for the withdrawal): its carry carries it again (the withdrawal's
    # structs alone) and its cut covers it: withdrawn on tab, nothing withheld.
    assert live == []
    assert not any(told(r) for r in reports), reports


async def test_ce2_f1_a_members_own_late_withdrawal_is_covered_by_a_restores_cut(
    hostile: HostileServer, signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    live, reports, _ = await _members_own_withdrawal_pulled_late(
        hostile, signup, live_server, tmp_path, cut="restore"
    )
    # The sync that pulls the withdrawal carries it (a late record of a member taking the
    # cut); the restore's cut, after it, then finds it accounted for by the carry's cut.
    assert live == []
    assert not any(told(r) for r in reports), reports


async def test_ce2_f1_a_members_own_withdrawal_is_left_out_of_an_outbox_sealed_again(
    hostile: HostileServer, signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    live, reports, _ = await _members_own_withdrawal_pulled_late(
        hostile, signup, live_server, tmp_path, cut="outbox"
    )
    # The laptop pulled the withdrawal before the re-share (not late there: nothing carries
    # it) and seals its outbox again across the re-share's cut: the cut leaves the
    # withdrawal out (no cover of the re-share's cut accounts for it), so tab, which never
    # gets it, reports its counter withheld at every sync (the phone, still delayed,
    # carries it once it pulls it).
    assert live == ["Try the breathing exercise."]
    assert all(r.withheld for r in reports), reports


async def test_ce2_f1_a_members_own_late_withdrawal_is_not_carried_past_a_later_share(
    hostile: HostileServer, signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    live, reports, joan = await _members_own_withdrawal_pulled_late(
        hostile, signup, live_server, tmp_path, cut="carry", then_share_with_joan=True
    )
    # joan's share is the latest: tom does not take the carry's cut, so the withdrawal is
    # not carried again (joan would learn of tom's note: rev-ce2 F2) and tab, which never
    # gets the record, reports its counter withheld at every sync (the known limit of
    # protocol.md 4.18 "A cut's epoch"); joan is told nothing and learns nothing of it.
    assert live == ["Try the breathing exercise."]
    assert all(r.withheld for r in reports), reports
    for _ in range(2):
        assert not told(await joan.sync())
    assert (
        await joan.store._db.execute_fetchall("SELECT doc_id FROM documents WHERE kind = 'note'")
        == []
    )


async def test_ce2_a_members_own_withdrawal_held_at_his_re_share_is_carried_by_the_share(
    hostile: HostileServer, signup: ClientFactory, tmp_path: Path
) -> None:
    """The share's own cut (rev-cut C1, "Withdrawals carried again") with a member's own
    withdrawal: tom's `desk` withdraws the note `tab` wrote; the server keeps the
    withdrawal from `tab`. ana pulls it, ends tom's share and shares with him again: her
    cut covers the withdrawal's counter and `tab` (its membership starts there) takes it,
    so the share carries the withdrawal again under the new epoch (the withdrawal's
    structs alone): the note is withdrawn on `tab`, nothing withheld."""
    ana, desk = await signup("ana"), await signup("tom")
    tab = await login_through(hostile, "tom", tmp_path / "tom-tab-via-proxy")
    try:
        await ana.entries.write(None, "one")
        await ana.sync(strict=True)
        await share_with(ana, desk, role="annotate")
        await desk.sync(strict=True)
        await tab.sync(strict=True)
        note = await tab.notes.add("ana/Personal", "Try the breathing exercise.")
        await tab.sync(strict=True)
        await desk.sync(strict=True)
        await tab.sync(strict=True)
        tab_empty = hostile.replies_to("/v1/sync")[-1]
        hostile.replies["/v1/sync"] = lambda _, __: tab_empty  # kept from tab
        await desk.notes.withdraw(note.id)
        await desk.sync(strict=True)
        await ana.sync(strict=True)
        assert [n.text for n in await ana.notes.list()] == []
        await ana.shares.revoke("Personal", "tom")
        await share_with(ana, desk, role="annotate")
        await settle(ana, desk)
        del hostile.replies["/v1/sync"]
        reports = [await tab.sync(), await tab.sync()]
        assert [n.text for n in await tab.notes.list()] == []
        assert not any(told(r) for r in reports), reports
    finally:
        await tab.close()


async def test_ce2_f2_a_later_member_learns_of_a_note_withdrawn_before_her_share(
    hostile: HostileServer, signup: ClientFactory, tmp_path: Path
) -> None:
    """rev-ce F1's history: tom writes a note, the laptop withdraws it; the server delays
    the withdrawal to the phone, which ends tom's share, shares with him again, then with
    joan. Found: the phone's late carry sealed the withdrawal again
    (`_withdrawals_carried`) under the current epoch, joan's, and her device then held a
    document row for tom's note, its id (`keys.created_by` names tom to anyone who can
    test his account id), kind and the time of its withdrawal: a note of another member
    from before her share, of which a history-free share tells her nothing. Now a
    withdrawal is carried again only for a member that takes the carry's cut (tom does
    not: joan's cut is the latest), so joan learns nothing of it, and tom, whose device
    never gets the withdrawal, is told at every sync that it lacks the laptop's record
    (the known limit of protocol.md 4.18 "A cut's epoch"), his note still live there."""
    async with race(hostile, signup, tmp_path) as state:
        laptop, phone = state.laptop, state.phone
        tom, joan, note = await tom_notes_on_the_laptop(laptop, signup)
        await quiet_phone(state)
        await laptop.notes.withdraw(note.id)
        await laptop.sync(strict=True)
        state.delay()
        await phone.shares.revoke("Personal", "tom")
        await share_with(phone, tom, role="annotate")
        await share_with(phone, joan, role="annotate")
        await joan.sync()
        state.deliver()
        await settle(laptop, phone, tom, joan)
        doc = bytes.fromhex(note.id)
        found = await joan.store._db.execute_fetchall(
            "SELECT kind FROM documents WHERE doc_id = ?"
            " UNION ALL SELECT epoch FROM seen_records WHERE doc_id = ?",
            (doc, doc),
        )
        assert list(found) == [], found
        reports = [await tom.sync(), await tom.sync()]
        assert [n.text for n in await tom.notes.list()] == ["Try the breathing exercise."]
        assert all(r.withheld for r in reports), reports
        for device in (joan, phone, laptop):  # the carry's cut covers it for joan
            for _ in range(2):
                report = await device.sync()
                assert not told(report), (device, report)


async def test_ce2_honest_cuts_after_a_re_share_leave_out_nothing_a_member_lacks(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """Honest server: tom writes two notes and withdraws one on one device while his tablet
    syncs; ana ends his share and shares with him again on her laptop, which then takes an
    entry out of the trash (a restore's cut); her phone, which wrote an entry before the
    re-share and pulls nothing meanwhile, seals its outbox again across the re-share's cut
    (before it knows that cut's covers, so it leaves out every record of tom from before
    it) and takes another entry out of the trash. Every record of tom's earlier
    membership is covered by the share's own cut, which both of his devices take: every
    strict sync of every device reports nothing, and the withdrawn note stays withdrawn."""
    laptop = await signup("ana")
    phone = await login("ana")
    tom = await signup("tom")
    await laptop.entries.write(None, "kept")
    first = await laptop.entries.write(None, "first")
    second = await laptop.entries.write(None, "second")
    await laptop.entries.delete(first.id)
    await laptop.entries.delete(second.id)
    await laptop.sync(strict=True)
    await share_with(laptop, tom, role="annotate")
    tablet = await login("tom", "tablet")
    for device in (laptop, tom, tablet, phone):
        quiet(await device.sync(strict=True))
    gone = await tom.notes.add("ana/Personal", "gone note")
    await tom.notes.add("ana/Personal", "kept note")
    quiet(await tom.sync(strict=True))
    await tom.notes.withdraw(gone.id)
    for device in (tom, tablet, laptop, phone):
        quiet(await device.sync(strict=True))
    await phone.entries.write(None, "written before the re-share")  # waits in its outbox
    await laptop.shares.revoke("Personal", "tom")
    await share_with(laptop, tom, role="annotate")
    await laptop.entries.restore(first.id)
    quiet(await laptop.sync(strict=True))
    quiet(await phone.sync(strict=True))  # its outbox sealed again across the cut
    await phone.entries.restore(second.id)
    for device in (phone, laptop, tom, tablet, phone, laptop, tom, tablet):
        quiet(await device.sync(strict=True))
    for device in (tom, tablet, laptop, phone):
        assert [n.text for n in await device.notes.list()] == ["kept note"], device
    assert len(await tablet.entries.list()) == 4
