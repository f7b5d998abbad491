"""Assigned measures and homework through a real server: a therapist with the annotate role
assigns, the client sees what is due, completes it, and nobody else can assign."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from client_sdk import AccessError, InvalidInput, NotFound, crypto, wire
from client_sdk.documents import Document
from client_sdk.schedule import ASSIGNMENT
from tests.client.sharing_support import journal_id, share_with
from tests.client.test_sharing import forged_record
from tests.conftest import ClientFactory

NIGHT = {
    "bed_time": "23:00",
    "try_sleep_time": "23:30",
    "sleep_onset_minutes": 20,
    "awakenings": 2,
    "awake_minutes": 15,
    "final_wake_time": "06:30",
    "out_of_bed_time": "07:00",
}


async def test_an_assigned_measure_is_due_until_taken_then_due_again_after_its_period(
    signup: ClientFactory,
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    made = await tom.assignments.assign(
        "ana/Personal", "measure", "PHQ-9", every_days=14, note="Before each session"
    )
    await tom.sync()
    await ana.sync()
    [due] = await ana.assignments.due()
    assert (due.assignment.id, due.status, due.assignment.assigned_by) == (made.id, "due", "tom")
    assert due.assignment.note == "Before each session"

    await ana.measures.take("phq9", [1] * 9)
    assert await ana.assignments.due() == []
    [upcoming] = await ana.assignments.due(include_upcoming=True)
    assert upcoming.status == "upcoming"
    later = datetime.now().astimezone() + timedelta(days=16)
    [overdue] = await ana.assignments.due(now=later)
    assert overdue.status == "overdue"
    await ana.sync()
    await tom.sync()
    assert await tom.assignments.due("ana/Personal") == []  # the therapist sees it done


async def test_homework_from_an_assignment_goes_to_its_journal_and_records_how_fully(
    signup: ClientFactory,
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    made = await tom.assignments.assign("ana/Personal", "homework", "sleep-diary", every_days=1)
    await tom.sync()
    await ana.sync()
    skipped = await ana.homework.add("sleep-diary", NIGHT, completion="not done")
    assert [d.assignment.id for d in await ana.assignments.due()] == [made.id]
    added = await ana.homework.add(
        "sleep-diary", NIGHT, completion="partly", assignment_id=made.id[:8]
    )
    assert (added.assignment_id, added.journal, added.completion) == (made.id, "Personal", "partly")
    assert added.computed["sleep_efficiency_percent"] == 80.2
    assert await ana.assignments.due() == []
    await ana.sync()
    await tom.sync()
    seen = await tom.homework.list("ana/Personal")
    # both may be of one millisecond: newest first, in whichever order a tie leaves them
    assert {h.id: h.completion for h in seen} == {added.id: "partly", skipped.id: "not done"}
    assert seen[0].created_at >= seen[1].created_at
    [done] = [h for h in seen if h.id == added.id]
    assert done.computed["sleep_efficiency_percent"] == 80.2


async def test_a_read_only_member_cannot_assign_through_the_sdk_nor_the_server(
    signup: ClientFactory,
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom)  # read only
    await tom.sync()
    with pytest.raises(AccessError, match="read-only"):
        await tom.assignments.assign("ana/Personal", "measure", "phq9", every_days=7)
    forged = Document(crypto.random_bytes(wire.ID_BYTES), ASSIGNMENT)
    payload = forged.change(
        fields={"type": "measure", "target": "phq9", "every_days": 1, "starts_at": 0,
                "created_at": 0, "note": "", "cancelled": False}
    )  # fmt: skip
    upload = await forged_record(tom, "ana/Personal", forged, ASSIGNMENT, payload)
    request = wire.PushRequest(await journal_id(ana, "Personal"), [upload])
    with pytest.raises(AccessError):  # the server refuses a read-only member's push
        await tom.transport.call("/v1/records/push", request, wire.PushReply)
    await ana.sync()
    assert await ana.assignments.due() == [] and await ana.problems() == []


async def test_only_who_made_an_assignment_can_cancel_it(signup: ClientFactory) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    made = await tom.assignments.assign("ana/Personal", "measure", "gad7", every_days=7)
    await tom.sync()
    await ana.sync()
    with pytest.raises(AccessError, match="cancel"):
        await ana.assignments.cancel(made.id)
    await tom.assignments.cancel(made.id)
    await tom.sync()
    await ana.sync()
    assert await ana.assignments.due() == []
    [cancelled] = await ana.assignments.list(include_cancelled=True)
    assert cancelled.cancelled


async def test_homework_forged_by_an_annotating_member_is_refused_by_the_client(
    signup: ClientFactory,
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    forged = Document(crypto.random_bytes(wire.ID_BYTES), "homework")
    payload = forged.change(
        fields={"template": "sleep-diary", "values": NIGHT, "completion": "fully",
                "created_at": 1, "updated_at": 1, "deleted": False}
    )  # fmt: skip
    upload = await forged_record(tom, "ana/Personal", forged, "homework", payload)
    request = wire.PushRequest(await journal_id(ana, "Personal"), [upload])
    await tom.transport.call("/v1/records/push", request, wire.PushReply)
    await ana.sync()
    assert [p.record_id for p in await ana.problems()] == [upload.record_id]
    assert await ana.homework.list() == []


async def test_homework_is_edited_field_by_field_and_deleted_for_good(
    signup: ClientFactory, login: ClientFactory
) -> None:
    ana = await signup("ana")
    phone = await login("ana")
    added = await ana.homework.add("sleep-diary", NIGHT, completion="partly")
    edited = await ana.homework.edit(
        added.id[:8],
        values={"awakenings": 0, "awake_minutes": 0, "comments": None},
        completion="fully",
    )
    assert (edited.values["awakenings"], edited.completion) == (0, "fully")
    assert "comments" not in edited.values
    edited = await ana.homework.edit(added.id, values={"comments": "Woke at 3"})
    assert edited.values["comments"] == "Woke at 3"
    edited = await ana.homework.edit(added.id, values={"comments": ""})
    assert "comments" not in edited.values  # cleared; the other values stay
    with pytest.raises(InvalidInput):
        await ana.homework.edit(added.id, values={"awake_minutes": None})  # required
    assert edited.values["bed_time"] == "23:00"
    assert edited.computed == (await ana.homework.get(added.id)).computed
    with pytest.raises(InvalidInput):
        await ana.homework.edit(added.id, values={"awakenings": -1})
    with pytest.raises(InvalidInput):
        await ana.homework.edit(added.id, values={"no_such_field": 1})
    with pytest.raises(InvalidInput):
        await ana.homework.edit(added.id, completion="mostly")
    with pytest.raises(InvalidInput):
        await ana.homework.edit(added.id)  # nothing to change
    assert (await ana.homework.get(added.id)).values["awakenings"] == 0  # refused: unchanged

    await ana.homework.delete(added.id)
    assert await ana.homework.list() == []
    with pytest.raises(NotFound, match="deleted"):
        await ana.homework.get(added.id)
    with pytest.raises(NotFound):
        await ana.homework.edit(added.id, completion="partly")
    with pytest.raises(NotFound):
        await ana.homework.delete(added.id)
    # the account's other device sees the edit, then the deletion
    await ana.sync()
    await phone.sync()
    assert await phone.homework.list() == []


async def test_a_therapist_cannot_edit_or_delete_a_clients_homework(
    signup: ClientFactory,
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, role="annotate")
    added = await ana.homework.add("sleep-diary", NIGHT)
    await ana.sync()
    await tom.sync()
    with pytest.raises(AccessError):
        await tom.homework.edit(added.id, completion="not done")
    with pytest.raises(AccessError):
        await tom.homework.delete(added.id)
    await tom.sync()
    await ana.sync()
    assert (await ana.homework.get(added.id)).completion == "fully"


async def test_when_a_share_ends_its_assignments_stop_being_due_and_the_therapist_keeps_the_record(
    signup: ClientFactory,
) -> None:
    """New-user pass 2, findings 57 and 59: the client kept being asked, nobody could cancel,
    and the therapist lost the results and homework the kept copy holds."""
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    made = await tom.assignments.assign("ana/Personal", "measure", "GAD-7", every_days=7)
    await tom.sync()
    await ana.sync()
    assert [d.assignment.id for d in await ana.assignments.due()] == [made.id]
    await ana.measures.take("phq9", [1] * 9)
    await ana.homework.add("sleep-diary", NIGHT)
    await ana.sync()
    await tom.sync()

    await ana.shares.revoke("Personal", "tom")
    await ana.sync()
    await tom.sync()
    assert await ana.assignments.due(include_upcoming=True) == []
    with pytest.raises(AccessError, match="ended"):
        await tom.assignments.cancel(made.id)
    assert [r.score for r in await tom.measures.list()] == [9]
    assert [h.template for h in await tom.homework.list()] == ["sleep-diary"]


async def test_homework_naming_its_assignment_counts_though_dated_before_and_after_the_end(
    signup: ClientFactory,
) -> None:
    """NU46 #5 and #6 through the SDK: homework dated before the assignment was made, naming
    it, completes it (`last_done` its own date); once the share ends, `due(include_ended=True)`
    still says it was done, on both sides, the therapist's with `seen_by_assigner` False
    (what completed it may not have reached their device before the end); `due()` leaves
    it out as before."""
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    morning = datetime.now().astimezone() - timedelta(hours=3)
    made = await tom.assignments.assign("ana/Personal", "homework", "sleep-diary")
    await tom.sync()
    await ana.sync()
    await ana.homework.add("sleep-diary", NIGHT, assignment_id=made.id, created_at=morning)
    assert await ana.assignments.due(include_upcoming=True) == []
    [done] = await ana.assignments.due(include_done=True)
    assert done.status == "done" and done.last_done is not None
    assert int(done.last_done.timestamp() * 1000) == int(morning.timestamp() * 1000)
    await ana.sync()
    await tom.sync()
    [seen] = await tom.assignments.due("ana/Personal", include_done=True)
    assert (seen.status, seen.last_done) == ("done", done.last_done)

    await ana.shares.revoke("Personal", "tom")
    assert await ana.assignments.due(include_done=True) == []
    [kept] = await ana.assignments.due(include_done=True, include_ended=True)
    assert kept.assignment.share_ended is not None
    assert (kept.status, kept.last_done, kept.seen_by_assigner) == ("done", done.last_done, True)
    await tom.sync()
    [copy] = await tom.assignments.ended("ana/Personal")
    assert await tom.assignments.due(copy.journal_id, include_done=True) == []  # ended
    [theirs] = await tom.assignments.due(copy.journal_id, include_done=True, include_ended=True)
    assert (theirs.status, theirs.last_done) == ("done", done.last_done)
    assert theirs.seen_by_assigner is False
