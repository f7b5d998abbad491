"""R40 F5, the second half: "a retry must finish what was left". A delete of a result, an
entry or homework whose original was deleted while its copy (kept for a therapist) was not,
as a delete cut short leaves it (another device's, an older version's, a process killed
between the two commits), deletes the copy when asked again, instead of "already deleted"
or a silent success that leaves the copy shared. The half-done state is made here by
committing the original's deletion alone, as such a delete did. Real server on 127.0.0.1,
real crypto."""

from __future__ import annotations

from client_sdk.documents import HOMEWORK, trash_entry_update
from client_sdk.models import now_ms
from client_sdk.results import MEASURE, delete_result_update
from client_sdk.schedule import delete_homework_update
from tests.client.sharing_support import share_with
from tests.client.test_care import NIGHT
from tests.client.test_r40_check_only import NOT_CONCERNING
from tests.conftest import ClientFactory


async def test_deleting_a_result_again_deletes_the_copy_a_cut_short_delete_left(
    signup: ClientFactory,
) -> None:
    ana, drsmith = await signup("ana"), await signup("drsmith")
    taken = await ana.measures.take("phq9", NOT_CONCERNING)
    fingerprint = await drsmith.shares.fingerprint()
    await ana.measures.share(taken.result.id, "drsmith", fingerprint=fingerprint)
    await ana.sync()
    await drsmith.sync()
    assert [r.score for r in await drsmith.measures.list()] == [taken.result.score]
    local, document = await ana.context.document_of_kind(taken.result.id, MEASURE)
    await ana.replica.commit(local, document, delete_result_update(document, now_ms()))

    await ana.measures.delete(taken.result.id, check_only=True)  # asks: a copy is left
    await ana.measures.delete(taken.result.id)
    await ana.sync()
    await drsmith.sync()
    assert await drsmith.measures.list() == []


async def test_deleting_an_entry_in_the_trash_again_trashes_the_copy_a_cut_short_delete_left(
    signup: ClientFactory,
) -> None:
    ana, drsmith = await signup("ana"), await signup("drsmith")
    await share_with(ana, drsmith, only=["body"])
    entry = await ana.entries.write("Personal", "The bridge, again.")
    await ana.sync()
    await drsmith.sync()
    assert [e.body for e in await drsmith.entries.list()] == ["The bridge, again."]
    local, document = await ana.context.entry_document(entry.id)
    await ana.replica.commit(local, document, trash_entry_update(document, now_ms()))

    await ana.entries.delete(entry.id)
    await ana.sync()
    await drsmith.sync()
    assert await drsmith.entries.list() == []


async def test_deleting_homework_again_deletes_the_copy_a_cut_short_delete_left(
    signup: ClientFactory,
) -> None:
    ana, drsmith = await signup("ana"), await signup("drsmith")
    await share_with(ana, drsmith, only=["homework"])
    added = await ana.homework.add("sleep-diary", NIGHT, completion="partly")
    await ana.sync()
    await drsmith.sync()
    assert len(await drsmith.homework.list()) == 1
    local, document = await ana.context.document_of_kind(added.id, HOMEWORK)
    await ana.replica.commit(local, document, delete_homework_update(document, now_ms()))

    await ana.homework.delete(added.id)
    await ana.sync()
    await drsmith.sync()
    assert await drsmith.homework.list() == []
