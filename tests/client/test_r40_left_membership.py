"""R40 F4 (hostile review of u12-notices, NU23 C6: "a leave is kept per membership"): the
device keeps the membership its user left (forgotten.LEFT) but takes the journal back as a
share in force when the server merely lists it again under that same membership, which the
owner's chain still grants only because the owner's devices have not yet signed the leave.
No owner-signed data says the user reads it again; the user's own word says he does not.
Real server on 127.0.0.1 behind a lying proxy, real crypto. See /work/R40-FINDINGS.md."""

from __future__ import annotations

from client_sdk import departures, forgotten
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import journal_id, share_with
from tests.conftest import ClientFactory


async def test_a_journal_left_is_not_taken_back_when_the_server_lists_it_again(
    hostile: HostileServer, signup: ClientFactory, through: Through
) -> None:
    """drsmith ends therapy with ana and leaves her journal (`tj leave`: "Nothing ana writes
    from now on, safety flags included, reaches you"). Before ana's devices sync (so her
    chain still grants his membership), the server replays the journal list from before the
    leave. A sync that does not read the list again keeps it ended (held); but the next read
    of the list (`tj shared-with-me`, `client.shares.with_me()`, a sync after any change of
    the journal list) lists ana/Personal as a share in force again, with no notice: the
    leave, kept in forgotten.LEFT for that very membership, is undone on the server's word."""
    drsmith = await through("drsmith")
    ana = await signup("ana")
    await share_with(ana, drsmith, role="annotate")
    await drsmith.sync()
    journal = await journal_id(ana, "Personal")
    active_list = hostile.replies_to("/v1/journals/list")[-1]

    await drsmith.shares.leave("ana/Personal")
    assert forgotten.tag(journal) in forgotten.decode(await drsmith.store.setting(forgotten.LEFT))
    assert [s.share_ended for s in await drsmith.shares.with_me(refresh=False)] == [True]

    hostile.replies["/v1/journals/list"] = lambda _, __: active_list  # ana signed nothing
    report = await drsmith.sync()
    assert [d.reason for d in report.departures] == [], report.departures
    assert [s.share_ended for s in await drsmith.shares.with_me(refresh=False)] == [True]
    shared = await drsmith.shares.with_me()  # the list read again, as the server lies
    assert [s.share_ended for s in shared] == [True], (
        "the server's listing alone undid the leave of the membership this device left"
    )
    assert forgotten.tag(journal) in forgotten.decode(await drsmith.store.setting(forgotten.LEFT))
    report = await drsmith.sync()
    assert departures.RETURNED not in {d.reason for d in report.departures}
