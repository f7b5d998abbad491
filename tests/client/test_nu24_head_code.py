"""NU24 C14: the verify-head code of a journal with two members.

A member's device cannot verify another member's records (it learns no other member's
identity: protocol.md 4.13) and sets them aside quietly, while the owner's devices and the
author's apply them. So no code covers two members' records: the client compares with each
therapist a code of its own pair (the owner's chain and records, and that member's records:
`with_member` on the owner's device, the default on the member's), and two members compare
the owner-only code (protocol.md 4.20). R44 F1 made the code pairwise: the owner-only code
of NU24 C14 showed nothing when the server hid every note of a therapist from the client.
"""

from __future__ import annotations

import dataclasses

from client_sdk import Client, wire
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import journal_id, share_with
from tests.conftest import ClientFactory


async def codes(client: Client, dd: Client, ee: Client) -> tuple[str, str, str]:
    """The owner-only codes of the client and the two therapists: what two members (or two
    devices of the client) compare with each other."""
    return (
        await client.journals.verify_head("Personal", owner_only=True),
        await dd.journals.verify_head(f"{client.username}/Personal", owner_only=True),
        await ee.journals.verify_head(f"{client.username}/Personal", owner_only=True),
    )


async def pairs(client: Client, *members: Client) -> list[tuple[str, str]]:
    """For each therapist, (the client's code with that therapist, the therapist's code):
    what the client and that therapist compare in session."""
    found = []
    for member in members:
        mine = await client.journals.verify_head("Personal", with_member=member.username)
        theirs = await member.journals.verify_head(f"{client.username}/Personal")
        found.append((mine, theirs))
    return found


def agree(found: list[tuple[str, str]]) -> bool:
    return all(mine == theirs for mine, theirs in found)


async def test_a_second_therapists_note_leaves_the_three_head_codes_equal(
    signup: ClientFactory,
) -> None:
    cc, dd, ee = await signup("ccc"), await signup("ddd"), await signup("eee")
    await cc.entries.write("Personal", "hello")
    await share_with(cc, dd)
    await dd.sync()
    assert await cc.journals.verify_head("Personal") == await dd.journals.verify_head(
        "ccc/Personal"
    )
    await share_with(cc, ee, role="annotate")
    await dd.sync()
    await ee.sync()
    before = await codes(cc, dd, ee)
    assert len(set(before)) == 1
    assert agree(await pairs(cc, dd, ee))
    await ee.notes.add("ccc/Personal", "hi")
    await ee.sync()
    for device in (cc, dd, ee, cc, dd):
        await device.sync()
    after = await codes(cc, dd, ee)
    assert len(set(after)) == 1, after
    with_ee = await pairs(cc, dd, ee)
    assert agree(with_ee), with_ee
    assert with_ee[1][0] != after[0]  # the pair code of the client and ee counts ee's note
    await cc.entries.write("Personal", "a later entry")
    for device in (cc, dd, ee):
        await device.sync()
    later = await codes(cc, dd, ee)
    assert len(set(later)) == 1, later
    assert agree(await pairs(cc, dd, ee))
    assert later[0] != after[0]  # the owner's new entry changes the code


async def test_with_two_therapists_a_fork_of_the_owners_records_still_gives_other_codes(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    cc, ee = await signup("ccc"), await signup("eee")
    dd = await through("ddd")
    await cc.entries.write("Personal", "Shown to all.")
    await share_with(cc, dd)
    await share_with(cc, ee, role="annotate")
    await dd.sync()
    await ee.sync()
    await ee.notes.add("ccc/Personal", "hi")
    for device in (ee, cc, dd):
        await device.sync()
    assert len(set(await codes(cc, dd, ee))) == 1
    assert agree(await pairs(cc, dd, ee))
    personal = await journal_id(cc, "Personal")

    def hide_latest(request: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.SyncReply, reply)
        pages = [
            dataclasses.replace(page, records=page.records[:-1])
            if page.journal_id == personal and page.records
            else page
            for page in real.pages
        ]
        return wire.encode(wire.SyncReply(pages, real.done))

    hostile.replies["/v1/sync"] = hide_latest
    await cc.entries.write("Personal", "Only the client and ee see this.")
    for device in (cc, dd, ee):
        await device.sync()
    client_code, forked, honest = await codes(cc, dd, ee)
    assert client_code == honest
    assert forked != client_code
    (with_dd, dd_code), (with_ee, ee_code) = await pairs(cc, dd, ee)
    assert with_ee == ee_code
    assert with_dd != dd_code


async def test_the_head_codes_stay_equal_when_the_client_or_its_author_withdraws_a_note(
    signup: ClientFactory,
) -> None:
    """A note withdrawn by the client (an owner's record in the member's note, which every
    party verifies) and one withdrawn by its author (a member's record) leave the three
    owner-only codes equal, and the client's code with each therapist equal to that
    therapist's."""
    cc, dd, ee = await signup("ccc"), await signup("ddd"), await signup("eee")
    await cc.entries.write("Personal", "hello")
    await share_with(cc, dd, role="annotate")
    await share_with(cc, ee, role="annotate")
    for device in (dd, ee):
        await device.sync()
    wrong = await ee.notes.add("ccc/Personal", "meant for another client")
    mine = await dd.notes.add("ccc/Personal", "see you Tuesday")
    for device in (ee, dd, cc, dd, ee):
        await device.sync()
    assert len(set(await codes(cc, dd, ee))) == 1
    assert agree(await pairs(cc, dd, ee))
    await cc.notes.withdraw(wrong.id)
    await dd.notes.withdraw(mine.id)
    for device in (cc, dd, ee, cc, dd, ee):
        await device.sync()
    assert len(set(await codes(cc, dd, ee))) == 1
    assert agree(await pairs(cc, dd, ee))
