"""R40 F7 (hostile review of u12-notices, NU23 C6/C9): "shared again" and the end of the
share made again are decided by comparing the membership the verified chain held before a
refresh with the one it holds after, *in the same refresh that finds the journal readable*.
A server that lists the journal once with a chain one entry longer than it serves makes the
device verify and keep the owner's new grant (pages are kept as they verify) while the
journal stays as it was (a chain left short is a problem: the last local state stays). At
the next, honest refresh the grant is "the membership this device knew before": no "shared
again", and the tag of the membership left earlier is never dropped, so the end of the new
share is never told either. Real server on 127.0.0.1 behind a lying proxy, real crypto.
See /work/R40-FINDINGS.md."""

from __future__ import annotations

import dataclasses

from client_sdk import departures, forgotten, wire
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import journal_id, share_with
from tests.conftest import ClientFactory


def told(found: list[departures.Departure], reason: str) -> list[str]:
    return [d.journal for d in found if d.reason == reason]


async def test_a_share_again_seen_through_a_short_chain_is_still_told_and_so_is_its_end(
    hostile: HostileServer, signup: ClientFactory, through: Through
) -> None:
    tom = await through("tom")
    ana = await signup("ana")
    await share_with(ana, tom)
    await tom.sync()
    journal = await journal_id(ana, "Personal")
    await tom.shares.leave("ana/Personal")
    await ana.sync()  # drops tom, on the server's word that he left
    await share_with(ana, tom)  # ana shares it with him again: a new owner-signed grant

    def one_entry_more(_: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.JournalList, reply)
        return wire.encode(
            wire.JournalList(
                [
                    dataclasses.replace(j, chain_length=j.chain_length + 1)
                    if j.journal_id == journal
                    else j
                    for j in real.journals
                ]
            )
        )

    hostile.replies["/v1/journals/list"] = one_entry_more  # one refresh only
    try:
        await tom.replica.refresh_journals()
    except Exception:  # noqa: BLE001 - whatever the device says of the short chain
        pass
    del hostile.replies["/v1/journals/list"]

    report = await tom.sync()
    pending = departures.decode(await tom.store.setting(departures.PENDING)).told
    said = report.departures + pending
    shared = await tom.shares.with_me()
    assert [s.share_ended for s in shared] == [False]  # he reads it again (ana's grant)
    assert told(said, departures.RETURNED) == ["Personal"], (
        f"ana's new grant was never told as 'shared again': {said}"
    )
    assert forgotten.tag(journal) not in forgotten.decode(await tom.store.setting(forgotten.LEFT))

    await ana.shares.revoke("Personal", "tom")  # ana ends the share made again
    report = await tom.sync()
    assert told(report.departures, departures.UNLISTED) == ["Personal"], (
        f"the end of the share made again was never told: {report.departures}"
    )
