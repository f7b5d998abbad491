"""NU23 C6 and C9 through the SDK: a member whose share ended (its copy kept read-only) is
told once, in `SyncReport.departures` ("shared again", `discarded` False), when the owner
shares the journal again, and then each end of the new share, even after leaving an earlier
one. Both come from the owner-signed chain the device verifies: a server that stops listing
the journal and lists it again (under the membership the device knew, or replaying the
listing from before the owner's unshare) makes no "shared again" notice."""

from __future__ import annotations

from client_sdk import departures, forgotten, wire
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import journal_id, share_with
from tests.conftest import ClientFactory

SECRET = "She told me about the accident on the bridge"


def told(report_departures: list[departures.Departure], reason: str) -> list[str]:
    return [d.journal for d in report_departures if d.reason == reason]


async def test_a_member_who_left_is_told_of_the_share_again_and_of_its_end(
    signup: ClientFactory,
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await ana.entries.write("Personal", SECRET)
    await share_with(ana, tom)
    await tom.sync()
    journal = await journal_id(ana, "Personal")
    await tom.shares.leave("ana/Personal")
    assert forgotten.tag(journal) in forgotten.decode(await tom.store.setting(forgotten.LEFT))
    await ana.sync()  # drops tom, on the server's word that he left

    await share_with(ana, tom)
    report = await tom.sync()
    [again] = [d for d in report.departures if d.reason == departures.RETURNED]
    assert (again.owner, again.journal, again.discarded) == ("ana", "Personal", False)
    assert str(again).startswith("ana shared 'Personal' with you again (")
    assert "discarded" not in str(again)
    # The leave was of the earlier membership: the device no longer holds it as left.
    assert forgotten.tag(journal) not in forgotten.decode(await tom.store.setting(forgotten.LEFT))
    assert (await tom.sync()).departures == []

    await ana.shares.revoke("Personal", "tom")
    report = await tom.sync()
    assert told(report.departures, departures.UNLISTED) == ["Personal"]
    assert (await tom.sync()).departures == []

    # Shared again and left again: that leave is his own, not told; the next share is.
    await share_with(ana, tom)
    assert told((await tom.sync()).departures, departures.RETURNED) == ["Personal"]
    await tom.shares.leave("ana/Personal")
    assert (await tom.sync()).departures == []
    await ana.sync()
    await share_with(ana, tom)
    assert told((await tom.sync()).departures, departures.RETURNED) == ["Personal"]


async def test_a_server_listing_a_journal_again_is_no_share_again(
    hostile: HostileServer, signup: ClientFactory, through: Through
) -> None:
    tom = await through("tom")
    ana = await signup("ana")
    await ana.entries.write("Personal", SECRET)
    await share_with(ana, tom)
    await tom.sync()
    journal = await journal_id(ana, "Personal")
    active_list = hostile.replies_to("/v1/journals/list")[-1]

    def without_it(_: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.JournalList, reply)
        return wire.encode(wire.JournalList([j for j in real.journals if j.journal_id != journal]))

    # The server withholds the journal, then lists it again: the same membership.
    hostile.replies["/v1/journals/list"] = without_it
    assert [s.read_only_copy for s in await tom.shares.with_me()] == [True]  # list read again
    assert told((await tom.sync()).departures, departures.UNLISTED) == ["Personal"]
    del hostile.replies["/v1/journals/list"]
    assert [s.share_ended for s in await tom.shares.with_me()] == [False]
    report = await tom.sync()
    assert told(report.departures, departures.RETURNED) == []

    # ana really ends the share; the server replays the listing from when it was active.
    await ana.shares.revoke("Personal", "tom")
    assert told((await tom.sync()).departures, departures.UNLISTED) == ["Personal"]
    hostile.replies["/v1/journals/list"] = lambda _, __: active_list
    await tom.replica.refresh_journals()  # as a sync that finds the journal list changed
    assert [s.read_only_copy for s in await tom.shares.with_me(refresh=False)] == [False]
    waiting = departures.decode(await tom.store.setting(departures.PENDING)).told
    assert told(waiting, departures.RETURNED) == []  # what the next sync would report
    del hostile.replies["/v1/journals/list"]
    assert [s.read_only_copy for s in await tom.shares.with_me()] == [True]
    await tom.sync()

    # Only ana's new signed grant is told.
    await share_with(ana, tom)
    report = await tom.sync()
    [again] = [d for d in report.departures if d.reason == departures.RETURNED]
    assert (again.journal, again.discarded) == ("Personal", False)
    assert SECRET in {e.body for e in await tom.entries.list("ana/Personal")}


async def test_a_notice_kept_before_the_discarded_field_reads_as_discarded() -> None:
    """A "shared again" notice kept (store setting) by a version from before NU23 C9 was
    only ever of a forgotten copy: it is read back as such."""
    kept = departures.Pending(
        [], [departures.Departure("tom", "Personal", "ab" * 16, departures.RETURNED, 1, "ana")]
    )
    raw = kept.encode().replace(', "discarded": true', "").replace(', "discarded": false', "")
    assert "discarded" not in raw
    [back] = departures.decode(raw).told
    assert back.discarded is True
    fresh = departures.Departure("tom", "P", "ab" * 16, departures.RETURNED, 1, "ana")
    assert departures.decode(departures.Pending([], [fresh]).encode()).told[0].discarded is False
