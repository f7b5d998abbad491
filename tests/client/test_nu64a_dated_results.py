"""NU64 F1 through the SDK and a real server: a copy of some fields carries the results dated
from its start (their `taken_at`), as it carries entries; a copy an older SDK made of a result
dated before (it went by when the result was recorded) stays, and the result's delete still
reaches it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from client_sdk.documents import Document
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory


async def test_a_result_dated_before_the_copy_began_is_not_carried(
    signup: ClientFactory,
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, only=["mood", "scores"])
    paper = datetime.now(UTC) - timedelta(days=20)
    await ana.measures.take("gad7", [2, 2, 1, 1, 1, 1, 1], taken_at=paper)
    await ana.measures.take("gad7", [1, 1, 1, 1, 1, 1, 1])
    await ana.sync()
    await tom.sync()
    assert [r.score for r in await tom.measures.list()] == [7]
    unshared, _ = await ana.shares.unshared_results("Personal", "tom")
    assert [r.score for r in unshared] == [9]  # counted as not shared, as it is


async def test_a_copy_an_older_sdk_made_of_a_result_dated_before_follows_its_delete(
    signup: ClientFactory,
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    info = await share_with(ana, tom, only=["mood", "scores"])
    paper = datetime.now(UTC) - timedelta(days=20)
    taken = await ana.measures.take("gad7", [2, 2, 1, 1, 1, 1, 1], taken_at=paper)
    # what an older SDK wrote: the copy of a result recorded after the copy's start
    sharing = ana.context.sharing
    journals = {j.name: j for j in await ana.store.journals()}
    stored = await ana.store.document(bytes.fromhex(taken.result.id))
    assert stored is not None
    source = Document.from_state(stored.doc_id, stored.kind, stored.state)
    await sharing.copy_care(journals[info.journal], source, ("mood", "scores"))
    await ana.sync()
    await tom.sync()
    assert [r.score for r in await tom.measures.list()] == [9]  # it stays

    await ana.measures.delete(taken.result.id)
    await ana.sync()
    await tom.sync()
    assert await tom.measures.list() == []  # and its delete reaches it


async def test_a_delete_from_a_device_without_that_copy_still_reaches_it(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """The phone deletes the result before it holds the older SDK's copy (its delete writes
    the original only); the laptop's sync after it brings the copy up to the original: the
    result dated before the copy's start is not carried, but the copy already there must
    follow its delete, or the therapist keeps a result the client deleted."""
    ana, tom = await signup("ana"), await signup("tom")
    info = await share_with(ana, tom, only=["mood", "scores"])
    paper = datetime.now(UTC) - timedelta(days=20)
    taken = await ana.measures.take("gad7", [2, 2, 1, 1, 1, 1, 1], taken_at=paper)
    await ana.sync()
    phone = await login("ana")
    await phone.sync()  # holds the result, no copy of it
    journals = {j.name: j for j in await ana.store.journals()}
    stored = await ana.store.document(bytes.fromhex(taken.result.id))
    assert stored is not None
    source = Document.from_state(stored.doc_id, stored.kind, stored.state)
    await ana.context.sharing.copy_care(journals[info.journal], source, ("mood", "scores"))
    await ana.sync()
    await tom.sync()
    assert [r.score for r in await tom.measures.list()] == [9]

    await phone.measures.delete(taken.result.id)
    await phone.sync()
    await ana.sync()
    await tom.sync()
    assert await tom.measures.list() == []
