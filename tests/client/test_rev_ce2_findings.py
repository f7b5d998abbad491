"""rev-ce2: hostile review of fix-ce (cfea0fd..7efa81c): a late carry covers only the late
records whose effect it seals again (`Replica._carried_late`), carries again the owner's
late withdrawal of a re-shared member's annotation (`_withdrawals_carried`), and a
too-large document's late records wait pending.

Each confirmed bug is a strict expected failure (run with `--runxfail` to see the assertion
that shows it). /work/REV-CE2-FINDINGS.md has the analysis.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from client_sdk import SyncReport
from tests.client.hostile import HostileServer, login_through, serving
from tests.client.sharing_support import journal_id, share_with
from tests.client.test_r43_race import quiet_phone, race, settle
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
    restore: bool,
) -> None:
    """tom has two devices: `tab` (behind a hostile server) writes a note, `desk` (on the
    real server) withdraws it under tom's first membership's epoch. The laptop pulls the
    withdrawal and ends tom's share (its write limit includes the withdrawal). The server
    keeps the withdrawal from the phone and from `tab` (a delay). The phone shares with
    tom again: it holds the note live, so it carries no withdrawal again ("Withdrawals
    carried again" needs it held at the share). Then the server delivers, and the phone
    writes a cut of the re-share covering every counter it received, the withdrawal of
    tom's `desk` included ("Never covered unless carried" leaves out only the owner's
    records): a late carry of the laptop's edit (delayed with the withdrawal), or, with
    `restore`, the snapshot of an entry the phone takes out of the trash. `tab`, whose
    current membership starts at that cut, takes it and passes over the withdrawal (an
    epoch before its current membership): the note stays live there, nothing withheld.
    Without that cut `tab` reports the withdrawal's counter withheld at every sync."""
    async with (
        race(hostile, signup, tmp_path) as state,
        serving(HostileServer(live_server.url)) as second,
    ):
        laptop, phone = state.laptop, state.phone
        desk = await signup("tom")
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
            if not restore:
                await laptop.entries.edit(entry.id, append=" two")  # late on the phone
                await laptop.sync(strict=True)
            assert len(set(record_ids(live_server, journal)) - before) == 1 + (not restore)
            await laptop.shares.revoke("Personal", "tom")  # its limit holds the withdrawal
            await laptop.sync(strict=True)
            await phone.sync()
            assert [n.text for n in await phone.notes.list()] == ["Try the breathing exercise."]
            await share_with(phone, desk, role="annotate")  # tom's new membership
            await phone.sync()
            await desk.sync()
            state.deliver()
            if restore:
                await phone.sync()
                await phone.entries.restore(trashed.id)
            phone_reports = [await phone.sync(), await phone.sync()]
            await settle(phone, laptop, desk)
            assert [n.text for n in await phone.notes.list()] == [], phone_reports
            assert [n.text for n in await laptop.notes.list()] == []
            assert [n.text for n in await desk.notes.list()] == []
            await laptop.entries.write(None, "later")  # names tom's desk in its seen vector
            await laptop.sync(strict=True)
            del second.replies["/v1/sync"]
            reports = [await tab.sync(), await tab.sync()]
            live = [n.text for n in await tab.notes.list()]
            assert live == [] or all(told(r) for r in reports), (live, reports)
        finally:
            await tab.close()


@pytest.mark.xfail(
    strict=True,
    reason="rev-ce2 F1: a carry's cut covers a re-shared member's own withdrawal (from his "
    "other device) that the sharing device pulled after the re-share: nothing carries it "
    "again, the member's device takes the cut and keeps the note live, told nothing",
)
async def test_ce2_f1_a_members_own_late_withdrawal_is_covered_by_a_carrys_cut(
    hostile: HostileServer, signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    await _members_own_withdrawal_pulled_late(hostile, signup, live_server, tmp_path, restore=False)


@pytest.mark.xfail(
    strict=True,
    reason="rev-ce2 F1 (same cause): a restore's cut covers a re-shared member's own "
    "withdrawal pulled after the re-share: the note stays live on his other device",
)
async def test_ce2_f1_a_members_own_late_withdrawal_is_covered_by_a_restores_cut(
    hostile: HostileServer, signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    await _members_own_withdrawal_pulled_late(hostile, signup, live_server, tmp_path, restore=True)


@pytest.mark.xfail(
    strict=True,
    reason="rev-ce2 F2: a late carry seals a re-shared member's withdrawal again under the "
    "current epoch: a member who joined after the note was written and withdrawn (and "
    "after the re-share) receives a record naming it",
)
async def test_ce2_f2_a_later_member_learns_of_a_note_withdrawn_before_her_share(
    hostile: HostileServer, signup: ClientFactory, tmp_path: Path
) -> None:
    """rev-ce F1's history: tom writes a note, the laptop withdraws it; the server delays
    the withdrawal to the phone, which ends tom's share, shares with him again, then with
    joan. The phone's late carry seals the withdrawal again (`_withdrawals_carried`) under
    the current epoch, joan's. Her device then holds a document row for tom's note, its
    id (`keys.created_by` names tom to anyone who can test his account id), kind and the
    time of its withdrawal: a note of another member from before her share, of which a
    history-free share tells her nothing (at a share, "Withdrawals carried again" carries
    only the annotations of the member shared with again, under that member's new
    epoch)."""
    async with race(hostile, signup, tmp_path) as state:
        laptop, phone = state.laptop, state.phone
        tom, joan = await signup("tom"), await signup("joan")
        await laptop.entries.write(None, "one")
        await laptop.sync(strict=True)
        await share_with(laptop, tom, role="annotate")
        await tom.sync(strict=True)
        note = await tom.notes.add("ana/Personal", "Try the breathing exercise.")
        await tom.sync(strict=True)
        await laptop.sync(strict=True)
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
        assert [n.text for n in await tom.notes.list()] == []  # the carry's purpose
        doc = bytes.fromhex(note.id)
        found = await joan.store._db.execute_fetchall(
            "SELECT kind FROM documents WHERE doc_id = ?"
            " UNION ALL SELECT epoch FROM seen_records WHERE doc_id = ?",
            (doc, doc),
        )
        assert list(found) == [], found
