"""No document can pose as a live feed's report change (`Change` of kind "report" with no
report): a record of a document of kind "report", signed by a shared journal's owner (a
modified client) or by an annotating member, is refused where records are applied (a
problem of the sync) and never reaches the change feed. Real server on 127.0.0.1, real
crypto and SQLite; the records are what a modified client of that account can sign."""

from __future__ import annotations

from client_sdk import Change, keys, wire
from client_sdk.changes import FEED_KINDS, REPORT
from client_sdk.documents import Document
from tests.client.sharing_support import forged_record, journal_id, share_with
from tests.conftest import ClientFactory


async def test_an_owners_document_of_kind_report_never_reaches_the_feed(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    bob = await signup("bob")
    await ana.entries.write(None, "hello")
    await share_with(ana, bob)
    await bob.sync()
    local = await ana.context.local_journal("Personal")
    spoofs = []
    for kind in sorted(FEED_KINDS):  # "report", and "live lost" / "live back" posing as news
        spoof = Document(keys.new_doc_id(ana.profile.account_id), kind)
        await ana.replica.commit_new(local, [(spoof, spoof.change(fields={"x": 1}))])
        spoofs.append(spoof)
    after = await ana.entries.write(None, "after it")
    await ana.sync()
    seen: list[Change] = []
    bob.on_change(seen.append)
    report = await bob.sync()
    assert [c.id for c in seen] == [after.id]  # the entry after it arrives; no "report"
    assert not any(c.kind in FEED_KINDS for c in seen)
    assert report.refused == len(FEED_KINDS) and report.problems, report
    for spoof in spoofs:
        assert not await bob.store.document(spoof.doc_id)


async def test_a_members_document_of_kind_report_never_reaches_the_owners_feed(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    bob = await signup("bob")
    await ana.entries.write(None, "hello")
    await share_with(ana, bob, role="annotate")
    await bob.sync()
    spoof = Document(keys.new_doc_id(bob.profile.account_id), REPORT)
    upload = await forged_record(bob, "ana/Personal", spoof, REPORT, spoof.change(fields={"x": 1}))
    request = wire.PushRequest(await journal_id(ana, "Personal"), [upload])
    await bob.transport.call("/v1/records/push", request, wire.PushReply)
    seen: list[Change] = []
    ana.on_change(seen.append)
    report = await ana.sync()
    assert not any(c.kind == REPORT for c in seen), seen
    assert report.refused == 1, report
