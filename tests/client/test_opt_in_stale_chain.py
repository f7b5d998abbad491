"""R39 "Unverified": a server that withholds the newest access-chain entries (drsmith's share
ended and made again, on the client's phone) from the device where she then opts him in to
safety flags (the laptop). Real server on 127.0.0.1 behind the loopback proxy of
tests/client/hostile.py, real crypto."""

from __future__ import annotations

import dataclasses

from client_sdk import wire
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import journal_id, share_with
from tests.client.test_late_safety_flags import ITEM_9
from tests.conftest import ClientFactory


async def test_an_opt_in_on_a_device_shown_an_old_access_chain_counts_for_none_and_it_says_so(
    hostile: HostileServer, through: Through, signup: ClientFactory, login: ClientFactory
) -> None:
    """The laptop is served the chain and the records as they were before the phone ended
    drsmith's share and made it again (a consistent old view: nothing shows a gap, no
    rollback, the honest "delay" of protocol.md 4.18). ana opts drsmith in on the laptop: on
    its chain his membership is the first one, his earlier opt-in time counts for it and is
    kept. Every device that holds the newest chain counts that time for none (R37 F9: it
    predates his current membership). The limit: the laptop cannot tell while the server
    withholds, and the opt-in is lost, fail-closed (no flag reaches a membership the client
    did not opt in). What holds: once the laptop is served the entries, it says so (the plan
    names drsmith as not reached, `would_opt_in` lists him), and naming him again counts."""
    laptop = await through("ana")
    drsmith = await signup("drsmith")
    await share_with(laptop, drsmith, role="annotate")
    await laptop.safety.set_plan(share_flags=True, flags_for="drsmith")
    await laptop.sync()
    phone = await login("ana")
    await phone.sync()
    personal = await journal_id(laptop, "Personal")
    listed = hostile.replies_to("/v1/journals/list")[-1]  # the laptop's view, before
    old = {j.journal_id: j for j in wire.decode(wire.JournalList, listed).journals}[personal]

    # On the phone: drsmith's share ends and is made again, without --safety-flags.
    await phone.shares.revoke("Personal", "drsmith")
    await share_with(phone, drsmith, role="annotate")
    await phone.sync()

    def old_chain(request: bytes, reply: bytes) -> bytes:
        journals = wire.decode(wire.JournalList, reply).journals
        return wire.encode(
            wire.JournalList([old if j.journal_id == personal else j for j in journals])
        )

    def old_records(request: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.SyncReply, reply)
        pages = [
            dataclasses.replace(p, records=[r for r in p.records if r.epoch <= old.epoch])
            if p.journal_id == personal
            else p
            for p in real.pages
        ]
        return wire.encode(wire.SyncReply(pages, real.done, real.next_journal))

    hostile.replies["/v1/journals/list"] = old_chain
    hostile.replies["/v1/sync"] = old_records
    report = await laptop.sync()
    assert (report.rollbacks, report.withheld) == ([], [])  # the limit: nothing to tell
    plan = await laptop.safety.plan()
    assert (plan.flags_reach, plan.not_opted_in) == (("drsmith",), ())  # the old view
    await laptop.safety.set_plan(share_flags=True, flags_for="drsmith")  # the opt-in
    await laptop.sync()

    del hostile.replies["/v1/journals/list"], hostile.replies["/v1/sync"]  # served again
    await laptop.sync()
    await phone.sync()
    taken = await phone.measures.take("phq9", ITEM_9)
    assert (await phone.safety.respond(taken.result)).flagged_to == []  # lost, fail-closed
    await phone.sync()
    await drsmith.sync()
    assert await drsmith.safety.flags() == []
    # The laptop, served the newest chain, says that drsmith gets no flag, and who to name.
    plan = await laptop.safety.plan()
    assert (plan.flags_reach, plan.not_opted_in) == ((), ("drsmith",))
    assert await laptop.safety.would_opt_in() == ["drsmith"]
    await laptop.safety.set_plan(share_flags=True, flags_for="drsmith")  # named again
    await laptop.sync()
    await phone.sync()
    assert (await phone.safety.plan()).flags_reach == ("drsmith",)
    again = await phone.measures.take("phq9", ITEM_9)
    assert (await phone.safety.respond(again.result)).flagged_to == ["drsmith"]
