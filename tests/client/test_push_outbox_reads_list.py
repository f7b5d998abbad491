"""rev31a F5: `Replica.push_outbox(report)`, which `Client.sync` calls after its own sync (the
copies shared one by one following a trash, the field-level copies following their source),
read no journal list when given the report of a sync that had read one, however long before:
the requests between (a device list, erasures) are ones a server can hold, and a removal the
owner signed meanwhile was not seen before a record sealed under the removed member's key
was handed over. Now it reads the list first, as every push does (rev30a F2), unless the live
channel says nothing changed. Real server on 127.0.0.1 behind the hostile proxy, which here
only records and keeps what is pushed (a server that logs bodies); real crypto."""

from __future__ import annotations

from tests.client.hostile import HostileServer, hostile, through  # noqa: F401
from tests.client.sharing_support import journal_id, share_with
from tests.client.test_withheld_rotation import coach_key, keep_pushes, opened_with
from tests.conftest import ClientFactory


async def test_push_outbox_after_a_syncs_list_read_reads_it_again_before_pushing(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    through: ClientFactory,  # noqa: F811
) -> None:
    ana, coach = await signup("ana"), await signup("coach")
    drsmith = await through("drsmith")
    await share_with(ana, drsmith, role="annotate")
    await share_with(ana, coach, role="read")
    for device in (ana, drsmith, coach):
        await device.sync()
    personal = await journal_id(ana, "Personal")
    key = await coach_key(coach)
    await drsmith.notes.add("ana/Personal", "First note, before the removal.")
    report = await drsmith.sync()  # read the journal list for this report
    await ana.shares.revoke("Personal", "coach")
    await drsmith.notes.add("ana/Personal", "Written after coach was removed.")
    pushed = keep_pushes(hostile)
    mark = len(hostile.paths)

    await drsmith.replica.push_outbox(report)

    paths = hostile.paths[mark:]
    assert "/v1/journals/list" in paths, paths
    assert paths.index("/v1/journals/list") < paths.index("/v1/records/push"), paths
    assert opened_with(key, personal, pushed, drsmith) == []  # coach's key opens nothing sent
    await ana.sync()
    texts = [n.text for n in await ana.notes.list("Personal")]
    assert "Written after coach was removed." in texts, texts  # sent, under the new key
