"""An assignment belongs to the share it was made in: once that share ended, the owner
sharing the journal with its author again does not make it due again. It came back as due
on the client's devices while the therapist's, which had discarded its copy as advised,
showed no assignment and could not cancel it. Real server on 127.0.0.1, real crypto."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from client_sdk import Client
from client_sdk.models import to_datetime
from tests.client.sharing_support import share_with
from tests.client.test_nu22_assignments_ended import DAY_MS, assigned, move_clocks
from tests.conftest import ClientFactory, RunningServer


async def assigned_then_unshared(ana: Client, tom: Client) -> str:
    """tom assigns a PHQ-9 every 14 days in ana's Personal; ana ends the share."""
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    made = await tom.assignments.assign("ana/Personal", "measure", "phq9", every_days=14)
    await tom.sync()
    await ana.sync()
    assert [d.assignment.id for d in await ana.assignments.due(include_upcoming=True)] == [made.id]
    await ana.shares.revoke("Personal", "tom")
    await ana.sync()
    await tom.sync()
    assert await ana.assignments.due(include_upcoming=True) == []
    return made.id


@pytest.mark.parametrize("discarded", [True, False])
async def test_an_assignment_of_an_ended_share_stays_ended_when_the_journal_is_shared_again(
    signup: ClientFactory, login: ClientFactory, discarded: bool
) -> None:
    """Shared again (the whole journal, annotate), with or without tom discarding his copy
    in between: on ana's devices the old PHQ-9 is not due, not listed, and listed as ended
    (when its share ended); on tom's it is not due either (he never sees it due where ana
    does not); an assignment he makes now is due on both sides."""
    ana, tom = await signup("ana"), await signup("tom")
    phone = await login("ana")
    made = await assigned_then_unshared(ana, tom)
    if discarded:
        assert await tom.shares.forget("ana/Personal", unlisted=True) is True
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    await phone.sync()
    for device in (ana, phone):
        assert await device.assignments.due(include_upcoming=True) == []
        assert await device.assignments.list() == []
        [ended] = await device.assignments.ended()
        assert ended.id == made
        assert ended.share_ended is not None and ended.share_ended.reason == "removed"
    assert await tom.assignments.due("ana/Personal", include_upcoming=True) == []
    assert await tom.assignments.list("ana/Personal") == []
    again = await tom.assignments.assign("ana/Personal", "measure", "phq9", every_days=14)
    await tom.sync()
    await ana.sync()
    due = await ana.assignments.due(include_upcoming=True)
    assert [d.assignment.id for d in due] == [again.id]
    assert [d.assignment.id for d in await tom.assignments.due("ana/Personal")] == [again.id]


async def test_a_share_renewed_after_its_end_date_is_the_same_share_continued(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A share that reached its end date, closed by the `ended` entry a sync signs, and then
    renewed (a new end date) is the same share continued: its assignment counts again, as it
    does when renewed before any `ended` entry."""
    ana, tom, _ = await assigned(signup, expires_at=datetime.now().astimezone() + timedelta(days=1))
    move_clocks(live_server, monkeypatch, 2 * DAY_MS)
    await ana.sync()  # signs `ended`
    assert await ana.assignments.due(include_upcoming=True) == []
    later = to_datetime(live_server.clock.now) + timedelta(days=30)
    await ana.shares.grant("Personal", "tom", expires_at=later)
    assert await ana.assignments.ended() == []
    assert [d.assignment.title for d in await ana.assignments.due(include_upcoming=True)] == [
        "PHQ-9"
    ]
