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


@pytest.mark.parametrize("discarded", [True, False])
async def test_a_share_renewed_after_an_ended_entry_is_a_new_share_on_both_sides(
    signup: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
    discarded: bool,
) -> None:
    """A share that reached its end date, closed by the `ended` entry a sync signs, then
    given again (a new membership under new keys, which tom's earlier records are not
    sealed to): the assignment made in the first stays ended on ana's devices, listed with
    its end date, and tom's device agrees, whether or not it discarded its copy as the
    ended share advised (it was due on ana's devices while tom could neither see nor cancel
    it)."""
    ana, tom, _ = await assigned(signup, expires_at=datetime.now().astimezone() + timedelta(days=1))
    [made] = await tom.assignments.list("ana/Personal")
    move_clocks(live_server, monkeypatch, 2 * DAY_MS)
    await ana.sync()  # signs `ended`
    await tom.sync()
    if discarded:
        assert await tom.shares.forget("ana/Personal", unlisted=True) is True
    later = to_datetime(live_server.clock.now) + timedelta(days=30)
    await ana.shares.grant("Personal", "tom", expires_at=later)
    await ana.sync()
    await tom.sync()
    assert await ana.assignments.due(include_upcoming=True) == []
    [ended] = await ana.assignments.ended()
    assert ended.id == made.id
    assert ended.share_ended is not None and ended.share_ended.reason == "end date"
    assert await tom.assignments.due("ana/Personal", include_upcoming=True) == []
    assert await tom.assignments.list("ana/Personal") == []
    kept = [a.id for a in await tom.assignments.ended("ana/Personal")]
    assert kept == ([] if discarded else [made.id])  # his copy kept: listed as ended there


async def test_a_membership_given_a_later_end_date_is_the_same_share_continued(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """New terms for the same membership (a later end date, given before the first passed:
    no new membership, no new grant) continue the share: past its first end date, the
    assignment is due on both sides and listed as ended on neither."""
    ana, tom, _ = await assigned(signup, expires_at=datetime.now().astimezone() + timedelta(days=1))
    [made] = await tom.assignments.list("ana/Personal")
    later = to_datetime(live_server.clock.now) + timedelta(days=30)
    await ana.shares.grant("Personal", "tom", expires_at=later)
    move_clocks(live_server, monkeypatch, 2 * DAY_MS)
    await ana.sync()
    await tom.sync()
    assert await ana.assignments.ended() == []
    due = await ana.assignments.due(include_upcoming=True)
    assert [d.assignment.id for d in due] == [made.id]
    assert [a.id for a in await tom.assignments.list("ana/Personal")] == [made.id]


@pytest.mark.parametrize("forward", [False, True])
async def test_an_assignment_dated_ahead_by_its_author_still_ends_with_its_share(
    signup: ClientFactory, forward: bool
) -> None:
    """Which share an assignment belongs to is the key epoch of the record that made it (the
    owner-signed chain says whose membership it was sealed to), never its `created_at`,
    which its author writes: dated five years ahead by a modified app, it stays ended after
    the unshare, also when the journal is shared again (read only)."""
    from client_sdk.models import now_ms
    from client_sdk.replica import stored_document

    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    made = await tom.assignments.assign("ana/Personal", "measure", "phq9", every_days=14)
    if forward:  # tom's own document, changed while he may write
        local = await tom.context.local_journal("ana/Personal")
        stored = await tom.store.document(bytes.fromhex(made.id))
        assert stored is not None
        document = stored_document(stored)
        years = 5 * 365 * DAY_MS
        update = document.change(fields={"created_at": now_ms() + years})
        await tom.replica.commit(local, document, update)
    await tom.sync()
    await ana.sync()
    await ana.shares.revoke("Personal", "tom")
    await ana.sync()
    assert await ana.assignments.due(include_upcoming=True) == []
    again = await share_with(ana, tom)  # the whole journal, read only
    assert again.role == "read"
    await tom.sync()
    assert await ana.assignments.due(include_upcoming=True) == []
    assert [a.id for a in await ana.assignments.ended()] == [made.id]
