"""A questionnaire stopped after a safety answer while the journal's access chain is rolled
back (a server replaying an old journal list): `respond_to_answer` refuses the flag
(RollbackError) and notes nothing, so no sync seals one for the refused answer later
(fix31c 4): before, the answer was noted first and the sync after the chain verified again
sealed a flag the client had been told could not be (`tj measure take`: "No safety flag
could be sealed ... tell your therapist yourself"). Real server on loopback, a proxy in
front of it."""

from __future__ import annotations

import dataclasses

import pytest

from client_sdk import RollbackError, wire
from tests.client.hostile import HostileServer, Through, hostile, through  # noqa: F401
from tests.client.sharing_support import journal_id, share_with
from tests.conftest import ClientFactory


async def test_a_flag_refused_as_rolled_back_is_never_sealed_later(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    through: Through,  # noqa: F811
) -> None:
    ana = await through("ana")
    tom = await signup("tom")
    ben = await signup("ben")
    await share_with(ana, tom, role="annotate", safety_flags=True)
    await ana.sync()
    personal = await journal_id(ana, "Personal")
    before = hostile.replies_to("/v1/journals/list")[-1]  # the chain before ben's share
    await share_with(ana, ben, role="read")
    await ana.sync()

    def replay(request: bytes, reply: bytes) -> bytes:
        old = {j.journal_id: j for j in wire.decode(wire.JournalList, before).journals}
        current = wire.decode(wire.JournalList, reply).journals
        return wire.encode(wire.JournalList([old.get(j.journal_id, j) for j in current]))

    def bump(request: bytes, reply: bytes) -> bytes:
        """A new meta version in the sync pages: the device fetches the (replayed) list."""
        real = wire.decode(wire.SyncReply, reply)
        pages = [dataclasses.replace(p, meta_version=p.meta_version + 100) for p in real.pages]
        return wire.encode(wire.SyncReply(pages, real.done))

    hostile.replies["/v1/journals/list"] = replay
    hostile.replies["/v1/sync"] = bump
    report = await ana.sync()
    assert report.rollbacks and personal.hex() in report.rollbacks[0]
    with pytest.raises(RollbackError):
        await ana.safety.respond_to_answer("phq9", 9, 2)

    del hostile.replies["/v1/journals/list"], hostile.replies["/v1/sync"]  # the truth again
    again = await ana.sync()
    assert again.rollbacks == []
    assert again.late_flags == [], again.late_flags  # the refused answer seals nothing
    assert await ana.safety.flags() == []
    await tom.sync()
    assert await tom.safety.flags() == []
    stopped = await ana.safety.respond_to_answer("phq9", 9, 2)  # verified: sealed at once
    assert stopped.flagged_to == ["tom"] and stopped.flag_id is not None
