"""A client withdrawing one therapist's note (or writing anything after that therapist's
note reached her device) made every sync of ANOTHER therapist of the journal report "the
server is withholding records" of the first therapist's device, for good, with an honest
server (NU24 C12): the owner's records state, in their seen vectors, the counters of every
device they received, the first therapist's included, and the second therapist's device,
which can never verify (nor is ever meant to hold) a co-member's records (protocol.md 4.18,
"Records of members a device cannot identify"), counted them as existing and missing. A
device now reports missing only the counters of devices whose records it can verify: the
owner's, its own account's, a member it identifies. A server withholding the owner's records
from it in that very situation is still reported."""

from __future__ import annotations

import pytest

from client_sdk import Client, WithheldRecordsError
from tests.client.sharing_support import share_with
from tests.client.test_withholding import drop_record, journal_seqs, personal
from tests.conftest import ClientFactory, RunningServer


async def two_therapists_and_a_note(signup: ClientFactory) -> tuple[Client, Client, Client, str]:
    """ana shares Personal with tom (annotate) and joan (read); tom writes a note, which
    ana's device receives; joan's device is up to date, with no alarm."""
    ana, tom, joan = await signup("ana"), await signup("tom"), await signup("joan")
    await ana.entries.write("Personal", "hello")
    await share_with(ana, tom, role="annotate")
    await share_with(ana, joan)
    for client in (tom, joan):
        first = await client.sync()
        assert (first.problems, first.withheld) == ([], [])
    note = await tom.notes.add("ana/Personal", "a note for the wrong client")
    await tom.sync(strict=True)
    received = await ana.sync(strict=True)
    assert [n.text for n in await ana.notes.list()] == [note.text]
    assert (received.problems, received.withheld) == ([], [])
    return ana, tom, joan, note.id


async def test_the_client_withdrawing_one_therapists_note_is_no_alarm_for_the_other(
    signup: ClientFactory,
) -> None:
    ana, tom, joan, note = await two_therapists_and_a_note(signup)
    await ana.notes.withdraw(note)
    await ana.sync(strict=True)
    for _ in range(2):  # every later sync, not only the first
        report = await joan.sync()
        assert (report.problems, report.withheld, report.erased) == ([], [], [])
        await joan.sync(strict=True)  # raises WithheldRecordsError on any gap
    mine = await tom.sync()  # the author's device: no alarm, and the note leaves it
    assert (mine.problems, mine.withheld) == ([], [])
    assert await tom.notes.list() == []


async def test_the_client_writing_after_one_therapists_note_is_no_alarm_for_the_other(
    signup: ClientFactory,
) -> None:
    ana, _, joan, _ = await two_therapists_and_a_note(signup)
    await ana.entries.write("Personal", "written after tom's note reached this device")
    await ana.sync(strict=True)
    report = await joan.sync()
    assert (report.problems, report.withheld, report.erased) == ([], [], [])
    assert report.news and "entry" in str(report.news[0])


async def test_a_server_withholding_the_owners_withdrawal_from_the_other_therapist_is_reported(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    """The same situation, and the server drops ana's record that withdraws tom's note; her
    next entry (a later counter of her device) reaches joan, whose device reports ana's
    device's missing counter, and nothing of tom's."""
    ana, tom, joan, note = await two_therapists_and_a_note(signup)
    journal = await personal(ana)
    before = set(journal_seqs(live_server, journal))
    await ana.notes.withdraw(note)
    await ana.sync(strict=True)
    withdrawal = sorted(set(journal_seqs(live_server, journal)) - before)
    assert len(withdrawal) == 1
    drop_record(live_server, withdrawal[0])
    await ana.entries.write("Personal", "after the withdrawal")
    await ana.sync()
    report = await joan.sync()
    assert [(g.author, g.device) for g in report.withheld] == [
        (ana.profile.account_id, ana.profile.device_id)
    ]
    assert all(g.author != tom.profile.account_id for g in report.withheld)
    with pytest.raises(WithheldRecordsError):
        await joan.sync(strict=True)
