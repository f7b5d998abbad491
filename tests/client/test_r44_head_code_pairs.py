"""R44: the verify-head code as a pair code (F1) counting owner records by signed covers, not
by the server's order or the latest share's epoch (F2, F3). protocol.md 4.20.

tests/client/test_r44_findings.py holds the reviewer's three attacks; here: the owner-only
code catches F3 by itself, honest devices still agree through a concurrent edit and a
compaction, and the arguments that pick the pair are checked."""

from __future__ import annotations

import dataclasses

import pytest

from client_sdk import wire
from client_sdk.errors import InvalidInput, NotFound
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import journal_id, share_with
from tests.client.test_withholding import journal_seqs
from tests.conftest import ClientFactory, RunningServer


async def test_an_owner_entry_kept_from_the_sharing_device_changes_the_owner_only_code(
    hostile: HostileServer,
    through: Through,
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
) -> None:
    """R44 F3, with the codes two therapists compare with each other (owner-only): the
    phone's entry, kept from the laptop that then shares with joan, predates joan's share
    and no snapshot the owner signed covers it, so tom's code counts it and joan's cannot.
    Before the hiding (honest), the owner-only codes and each pair agree."""
    laptop = await through("ana")
    tom, joan = await signup("tom"), await signup("joan")
    await laptop.entries.write("Personal", "hello")
    await share_with(laptop, tom)
    phone = await login("ana")
    for device in (phone, tom, laptop):
        await device.sync(strict=True)
    honest = {
        await laptop.journals.verify_head("Personal", owner_only=True),
        await phone.journals.verify_head("Personal", owner_only=True),
        await tom.journals.verify_head("ana/Personal", owner_only=True),
    }
    assert len(honest) == 1
    assert await laptop.journals.verify_head("Personal") == await tom.journals.verify_head(
        "ana/Personal"
    )
    personal = await journal_id(laptop, "Personal")
    before = set(journal_seqs(live_server, personal))
    await phone.entries.write("Personal", "written on the phone")
    await phone.sync(strict=True)
    hidden = set(journal_seqs(live_server, personal)) - before

    def hide_the_phones_entry(request: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.SyncReply, reply)
        pages = [
            dataclasses.replace(page, records=[r for r in page.records if r.seq not in hidden])
            if page.journal_id == personal
            else page
            for page in real.pages
        ]
        return wire.encode(wire.SyncReply(pages, real.done))

    hostile.replies["/v1/sync"] = hide_the_phones_entry
    await laptop.sync()
    await share_with(laptop, joan)
    await laptop.sync()
    for device in (phone, tom, joan, phone):
        await device.sync()
    tom_code = await tom.journals.verify_head("ana/Personal", owner_only=True)
    joan_code = await joan.journals.verify_head("ana/Personal", owner_only=True)
    phone_code = await phone.journals.verify_head("Personal", owner_only=True)
    laptop_code = await laptop.journals.verify_head("Personal", owner_only=True)
    assert tom_code != joan_code
    assert phone_code == tom_code  # both hold the phone's entry
    assert laptop_code == joan_code  # neither does
    assert phone_code != laptop_code  # the client's own two devices see it too


async def test_devices_agree_after_a_compaction_that_an_offline_edit_missed(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """The phone edits an entry offline while the laptop compacts it: the laptop's snapshot
    does not cover the phone's edit, which arrives after it. Tom had pulled some of the
    records the snapshot replaces, the phone all of them. Every device then counts the
    snapshot and the phone's edit, never the records the snapshot's signed covers name,
    whichever of them it pulled: equal codes, owner-only and the client's pair with tom."""
    laptop = await signup("ana")
    laptop.replica.compact_after = 4
    tom = await signup("tom")
    entry = await laptop.entries.write("Personal", "start")
    await share_with(laptop, tom)
    phone = await login("ana")
    for device in (laptop, phone, tom):
        await device.sync(strict=True)
    await phone.entries.edit(entry.id, append=" the phone's words")  # not pushed yet
    compacted = 0
    for n in range(8):
        await laptop.entries.edit(entry.id, append=f" l{n}")
        compacted += (await laptop.sync(strict=True)).compacted
        if n == 1:
            await tom.sync(strict=True)  # tom holds records the snapshot will cover
    assert compacted >= 1
    for device in (phone, tom, laptop, phone, tom):
        await device.sync(strict=True)
    assert "the phone's words" in (await laptop.entries.get(entry.id)).body
    codes = {
        await laptop.journals.verify_head("Personal"),
        await phone.journals.verify_head("Personal"),
        await tom.journals.verify_head("ana/Personal"),
    }
    assert len(codes) == 1, codes
    owner_only = {
        await laptop.journals.verify_head("Personal", owner_only=True),
        await phone.journals.verify_head("Personal", owner_only=True),
        await tom.journals.verify_head("ana/Personal", owner_only=True),
    }
    assert len(owner_only) == 1, owner_only


async def test_the_code_names_whom_it_is_compared_with(signup: ClientFactory) -> None:
    """With several therapists the client must say which one (a code cannot cover two
    members' records: neither can check the other's); a member's device has no member to
    name; an unknown name is refused; the pair codes differ from the owner-only one once
    that therapist wrote, and each pair matches that therapist's own code."""
    ana, tom, joan = await signup("ana"), await signup("tom"), await signup("joan")
    await ana.entries.write("Personal", "hello")
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    assert await ana.journals.verify_head("Personal") == await tom.journals.verify_head(
        "ana/Personal"
    )  # one therapist: the client's default is the pair with it
    await share_with(ana, joan, role="annotate")
    for device in (tom, joan):
        await device.sync()
    with pytest.raises(InvalidInput, match="tom") as raised:
        await ana.journals.verify_head("Personal")
    assert "joan" in str(raised.value)
    with pytest.raises(NotFound):
        await ana.journals.verify_head("Personal", with_member="bob")
    with pytest.raises(InvalidInput):
        await tom.journals.verify_head("ana/Personal", with_member="joan")
    with pytest.raises(InvalidInput):
        await ana.journals.verify_head("Personal", with_member="tom", owner_only=True)
    await tom.notes.add("ana/Personal", "homework")
    for device in (tom, ana, joan):
        await device.sync()
    with_tom = await ana.journals.verify_head("Personal", with_member="TOM")
    assert with_tom == await tom.journals.verify_head("ana/Personal")
    assert await ana.journals.verify_head("Personal", with_member="joan") == (
        await joan.journals.verify_head("ana/Personal")
    )
    owner_only = await ana.journals.verify_head("Personal", owner_only=True)
    assert with_tom != owner_only  # tom's note is counted in his pair only
    assert owner_only == await tom.journals.verify_head("ana/Personal", owner_only=True)
    assert owner_only == await joan.journals.verify_head("ana/Personal", owner_only=True)
