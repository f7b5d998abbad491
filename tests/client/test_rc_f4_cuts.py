"""rev-complete F4: a share's cut accounts only to the members who join at it.

tests/client/test_rev_complete_findings.py holds the reviewer's two attacks (a trash kept
from the owner's phone, the owner's withdrawal of a therapist's note kept from him, both
covered by the next share's boundary). Here: honest devices report nothing withheld
through a compaction before and after shares, a removal before a share, a member's note,
a member whose share ended and who is shared with again, and a fresh owner device signed
in at the end (protocol.md 4.18, "Cuts").
"""

from __future__ import annotations

import pytest

from client_sdk import SyncReport
from client_sdk.errors import RateLimited
from tests.client.hostile import HostileServer, Through, refuse_pushes
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory


def quiet(report: SyncReport) -> None:
    """Nothing withheld, no problem, no erasure, no incomplete pull."""
    assert report.withheld == []
    assert report.problems == []
    assert report.erased == []
    assert not report.incomplete


async def test_an_honest_history_of_shares_compactions_and_a_lapse_reports_nothing_withheld(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """ana compacts an entry before and after sharing, trashes one before the first share,
    tom writes a note, tom's share is revoked, joan is shared with, then tom again; a phone
    follows along and a second phone signs in at the end. Every sync of every device is
    strict (nothing withheld, no problem), the entries agree, and the codes agree: the
    owner-only code on the three owner devices, each member's pair code with ana's."""
    laptop = await signup("ana")
    laptop.replica.compact_after = 4
    tom, joan = await signup("tom"), await signup("joan")
    phone = await login("ana")
    kept = await laptop.entries.write("Personal", "kept")
    gone = await laptop.entries.write("Personal", "trashed before any share")
    compacted = 0
    for n in range(6):
        await laptop.entries.edit(kept.id, append=f" a{n}")
        compacted += (await laptop.sync(strict=True)).compacted
    assert compacted >= 1
    await laptop.entries.delete(gone.id)
    quiet(await laptop.sync(strict=True))
    quiet(await phone.sync(strict=True))

    await share_with(laptop, tom, role="annotate")
    for device in (laptop, tom, phone):
        quiet(await device.sync(strict=True))
    await tom.notes.add("ana/Personal", "let us look at this next week")
    for n in range(6):
        await laptop.entries.edit(kept.id, append=f" b{n}")
        compacted += (await laptop.sync(strict=True)).compacted
    assert compacted >= 2  # after the share too
    await phone.entries.write("Personal", "written on the phone")
    for device in (tom, phone, laptop, tom, phone):
        quiet(await device.sync(strict=True))

    await laptop.shares.revoke("Personal", "tom")
    await laptop.entries.write("Personal", "after tom's share ended")
    await share_with(laptop, joan, role="annotate")
    for device in (laptop, phone, joan, tom):
        quiet(await device.sync(strict=True))
    await phone.entries.edit(kept.id, append=" from the phone")
    await share_with(phone, tom, role="annotate")  # again, from the other device
    second = await login("ana", "tablet")
    for device in (phone, laptop, tom, joan, second, laptop, phone, tom, joan, second):
        quiet(await device.sync(strict=True))

    owner_bodies = sorted(e.body for e in await laptop.entries.list("Personal"))
    assert sorted(e.body for e in await phone.entries.list("Personal")) == owner_bodies
    assert sorted(e.body for e in await second.entries.list("Personal")) == owner_bodies
    for member in (tom, joan):
        assert sorted(e.body for e in await member.entries.list("ana/Personal")) == owner_bodies
    assert "trashed before any share" not in owner_bodies
    owner_only = {
        await device.journals.verify_head("Personal", owner_only=True)
        for device in (laptop, phone, second)
    }
    assert len(owner_only) == 1
    for member in (tom, joan):
        theirs = await member.journals.verify_head("ana/Personal")
        for device in (laptop, phone, second):
            mine = await device.journals.verify_head("Personal", with_member=member.username)
            assert mine == theirs, (member.username, device.profile.device_id.hex())


async def test_a_cut_pushed_only_after_the_next_share_raises_no_false_alarm(
    signup: ClientFactory, through: Through, hostile: HostileServer
) -> None:
    """ana shares with tom over the write rate (the share's records wait in the outbox),
    then with joan: her device pushes what waits before it rotates again, so tom's cut is
    sealed under his share's epoch and he takes it; neither member reports anything."""
    ana = await through("ana")
    tom, joan = await signup("tom"), await signup("joan")
    await ana.entries.write("Personal", "one")
    await ana.entries.write("Personal", "two")
    await ana.sync(strict=True)
    armed = refuse_pushes(hostile)
    with pytest.raises(RateLimited):
        await share_with(ana, tom, role="annotate")
    assert await ana.pending() >= 3  # the cut and two snapshots wait
    armed[0] = False
    await share_with(ana, joan, role="annotate")
    for device in (ana, joan, tom):
        await device.sync()
    assert (await joan.sync(strict=True)).withheld == []
    for member in (tom, joan):
        assert sorted(e.body for e in await member.entries.list("ana/Personal")) == ["one", "two"]
    assert (await tom.sync()).withheld == []


async def test_a_cut_still_waiting_at_the_next_share_raises_no_false_alarm(
    signup: ClientFactory, through: Through, hostile: HostileServer
) -> None:
    """As above, but the server still refuses ana's records over the write rate when she
    shares with joan: tom's cut is pushed only under joan's epoch. It names tom's share's
    epoch in its signed body, so tom takes it: ana's records from before his share that no
    snapshot carries (the trash) are not reported withheld (they were, for good, while
    readers went by the epoch a cut is sealed under: tests/client/test_cut_epoch.py)."""
    ana = await through("ana")
    tom, joan = await signup("tom"), await signup("joan")
    await ana.entries.write("Personal", "one")
    await ana.entries.write("Personal", "two")
    await ana.entries.delete((await ana.entries.write("Personal", "trashed")).id)
    await ana.sync(strict=True)
    armed = refuse_pushes(hostile)
    with pytest.raises(RateLimited):
        await share_with(ana, tom, role="annotate")
    with pytest.raises(RateLimited):
        await share_with(ana, joan, role="annotate")
    armed[0] = False
    for device in (ana, joan, tom):
        await device.sync()
    assert (await joan.sync(strict=True)).withheld == []
    for member in (tom, joan):
        assert sorted(e.body for e in await member.entries.list("ana/Personal")) == ["one", "two"]
    assert (await tom.sync()).withheld == []
