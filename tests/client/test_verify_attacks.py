"""Verification of the fixes for the hostile review of issue 8 against variants of each
attack, and of weaknesses the fixes could introduce (reviewer r8-verify; the three it found,
FINDINGS 1-3 of that review, are fixed and named after their defence here)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from pathlib import Path

import pytest
from aiohttp import ClientSession, web

from client_sdk import IntegrityError, wire
from tests.client.hostile import HostileServer, Through, login_through
from tests.client.sharing_support import copy_of_server_db, journal_id, share_with
from tests.client.test_hostile_access import readable_by
from tests.client.test_hostile_owner import rewrite_journal
from tests.client.test_hostile_sync import far_ahead, insert_record, never_done, stored_note
from tests.conftest import ClientFactory, RunningServer


def accept_without_forwarding(hostile: HostileServer, path: str) -> list[bytes]:
    """Make `hostile` answer `path` with an empty success itself (a server that stores a
    request it should refuse), keeping each request body it swallowed."""
    swallowed: list[bytes] = []
    real_forward = hostile.forward

    async def forward(session: ClientSession, request: web.Request) -> web.Response:
        if request.path == path:
            swallowed.append(await request.read())
            return web.Response(
                status=200, body=wire.encode(wire.Empty()), content_type="application/msgpack"
            )
        return await real_forward(session, request)

    hostile.forward = forward  # type: ignore[method-assign]
    return swallowed


# --- FINDING 1 (new): the owner's fresh device, told its journal has no access chain ------


async def test_a_journal_listed_without_its_chain_is_a_problem_never_adopted_on_the_owners_new_device(
    hostile: HostileServer, signup: ClientFactory, tmp_path: Path
) -> None:
    """r8-verify FINDING 1. On a device with no chain stored, the server lists the owner's
    journal with `chain_length` 0 (as if created before access chains). The device used to
    'adopt' it: sign a new `created` entry and a rotation sealed to the owner alone, a fork
    that never linked to the real chain again. Now a journal without its chain is a problem
    of that journal (never adopted); once the server serves the chain it verifies and syncs."""
    ana, tom = await signup("ana"), await signup("tom")
    await ana.entries.write("Personal", "I slept well.")
    await share_with(ana, tom)
    await ana.sync()
    personal = await journal_id(ana, "Personal")

    hostile.replies["/v1/journals/list"] = lambda request, reply: rewrite_journal(
        reply, personal, chain_length=0
    )
    signed = accept_without_forwarding(hostile, "/v1/journals/rotate")
    phone = await login_through(hostile, "ana", tmp_path / "ana-phone")
    try:
        await phone.sync()
        forked = list(signed)
        del hostile.replies["/v1/journals/list"]  # the truth again
        report = await phone.sync()
        recovered = (
            report.rollbacks,
            report.problems,
            [s.member for s in await phone.shares.list()],
        )
        assert forked == [], (
            f"the device signed a new access chain for a journal that has one; after the truth: {recovered}"
        )
        assert recovered == ([], [], ["tom"])
    finally:
        await phone.close()


async def test_a_shared_journal_listed_as_the_members_own_without_a_chain_is_never_taken_for_theirs(
    hostile: HostileServer,
    through: Through,
    signup: ClientFactory,
    login: ClientFactory,
    tmp_path: Path,
) -> None:
    """r8-verify FINDING 2. Variant of the review's FINDING 1 on a brand-new device with no chain stored: the
    server lists ana's journal to tom's new device as tom's own, with no chain. The device must
    not take it for its own (it holds no owner copy of its key) nor sign a chain for it."""
    ana = await signup("ana")
    tom = await through("tom")
    await ana.entries.write("Personal", "I slept well.")
    await share_with(ana, tom)
    await tom.sync()
    personal = await journal_id(ana, "Personal")
    await tom.close()

    hostile.replies["/v1/journals/list"] = lambda request, reply: rewrite_journal(
        reply, personal, owner_id=tom.profile.account_id, chain_length=0
    )
    signed = accept_without_forwarding(hostile, "/v1/journals/rotate")
    phone = await login_through(hostile, "tom", tmp_path / "tom-phone")
    try:
        await phone.sync()
        local = await phone.context.replica.store.journals()
        assert all(
            j.owner_id != tom.profile.account_id for j in local if j.journal_id == personal
        ), "tom's device takes ana's journal for its own"
        assert signed == [], "tom's device signed an access chain for ana's journal"
    finally:
        await phone.close()


# --- write limits (the review's FINDING 5) against a member with several devices ------------


async def test_a_revoked_annotators_second_device_cannot_add_notes_with_the_old_key(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    """tom's tablet holds the key of the epoch he annotated in but never wrote there: it is
    listed in no write limit, so its notes after the revocation are refused (limit 0)."""
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    await tom.notes.add("ana/Personal", "See you Tuesday.")
    await tom.sync()
    tablet = await login("tom")
    await tablet.sync()
    await ana.sync()
    personal = await journal_id(ana, "Personal")
    old = await tablet.context.local_journal("ana/Personal")
    await ana.shares.revoke("Personal", "tom")
    await ana.sync()

    upload = await stored_note(tablet, "ana/Personal", old.epoch, counter=1)
    insert_record(live_server, personal, upload, tom.profile.account_id)
    report = await ana.sync()
    assert any(upload.record_id.hex() in p for p in report.problems)
    assert [n.text for n in await ana.notes.list()] == ["See you Tuesday."]
    phone = await login("ana")
    await phone.sync()
    assert [n.text for n in await phone.notes.list()] == ["See you Tuesday."]


# --- a pull that always makes progress and is never done (FINDINGS 4 and 10) ----------------


def creeping(request: bytes, reply: bytes) -> bytes:
    """Every page's cursor one past what the device asked for, its head far ahead, never
    done, no records: progress forever."""
    asked = {c.journal_id: c.after for c in wire.decode(wire.SyncRequest, request).cursors}
    real = wire.decode(wire.SyncReply, reply)
    pages = [
        dataclasses.replace(p, records=[], cursor=asked.get(p.journal_id, 0) + 1, head=10**9)
        for p in real.pages
    ]
    return wire.encode(wire.SyncReply(pages, False))


async def test_empty_pages_that_creep_the_cursor_forward_are_no_progress_and_the_pull_ends_reported(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """r8-verify FINDING 3. A server that moves the cursor by one each round and never says done must not keep a
    device's sync() running forever (FINDING 4's stall guard counts only rounds without
    progress): the sync ends, reported incomplete."""
    ana = await through("ana")
    await ana.entries.write("Personal", "one")
    await ana.sync()
    hostile.replies["/v1/sync"] = creeping
    try:
        report = await asyncio.wait_for(ana.sync(), timeout=20)
    except TimeoutError:
        rounds = len(hostile.bodies("/v1/sync"))
        pytest.fail(f"sync() was still pulling after 20 s ({rounds} rounds) of a creeping server")
    assert report.incomplete
    del hostile.replies["/v1/sync"]
    report = await ana.sync()
    assert report.problems == [] or any("went back" in p for p in report.problems)
    assert [e.body for e in await ana.entries.list()] == ["one"]


# --- held: a hidden chain and an old epoch: sealing for a revoked member ---------------


async def test_a_hidden_chain_does_not_make_the_owners_new_device_seal_under_an_old_epoch(
    hostile: HostileServer, signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    """tom was revoked (the key rotated). On ana's new phone (no chain stored) the
    server lists Personal with `chain_length` 0 and `epoch` = the epoch tom held (its owner
    copy of that key is genuine, from the server's own table), and refuses the adoption. The
    phone must not seal a new entry under that epoch: tom holds its key."""
    ana, tom = await signup("ana"), await signup("tom")
    await ana.entries.write("Personal", "Before.")
    await share_with(ana, tom)
    await tom.sync()
    personal = await journal_id(ana, "Personal")
    tom_epoch = (await tom.context.local_journal("ana/Personal")).epoch
    await ana.shares.revoke("Personal", "tom")
    await ana.sync()
    assert (await ana.context.local_journal("Personal")).epoch > tom_epoch

    hostile.replies["/v1/journals/list"] = lambda request, reply: rewrite_journal(
        reply, personal, chain_length=0, epoch=tom_epoch
    )
    phone = await login_through(hostile, "ana", tmp_path / "ana-phone")
    try:
        await phone.sync()
        with contextlib.suppress(IntegrityError):  # refusing the write is a defence too
            await phone.entries.write("Personal", "After tom left: my new secret.")
            await phone.sync()
    finally:
        await phone.close()
    stolen = copy_of_server_db(live_server, tmp_path)
    assert readable_by(tom, stolen, personal, "Before.")  # tom's key opens what it should
    assert readable_by(tom, stolen, personal, "my new secret") == []


# --- the review's FINDINGS 1, 2 and 7 on a brand-new device (no chain stored yet) ------------


async def test_a_lie_about_the_owner_to_a_new_device_is_a_problem_that_clears_with_the_truth(
    hostile: HostileServer, signup: ClientFactory, tmp_path: Path
) -> None:
    """tom's new phone is first told that ben (who also shares with tom) owns ana's Personal,
    and ben's name: nothing of the journal is shown as ben's; once the server tells the truth
    the phone shows ana's journal under ana's name and syncs it."""
    ana, ben, tom = await signup("ana"), await signup("ben"), await signup("tom")
    await ana.entries.write("Personal", "ana's day.")
    await ana.sync()
    await share_with(ana, tom)
    await share_with(ben, tom)
    await tom.sync()
    personal = await journal_id(ana, "Personal")
    hostile.replies["/v1/journals/list"] = lambda request, reply: rewrite_journal(
        reply, personal, owner_id=ben.profile.account_id, owner_name="ben"
    )
    phone = await login_through(hostile, "tom", tmp_path / "tom-phone")
    try:
        await phone.sync()
        shown = [(j.owner, j.owner_journal_name) for j in await phone.shares.with_me()]
        assert ("ben", "Personal") in shown and shown.count(("ben", "Personal")) == 1, shown
        del hostile.replies["/v1/journals/list"]
        report = await phone.sync()
        assert report.rollbacks == [] and report.problems == [], report
        shown = sorted((j.owner, j.owner_journal_name) for j in await phone.shares.with_me())
        assert shown == [("ana", "Personal"), ("ben", "Personal")]
        assert "ana's day." in [e.body for e in await phone.entries.list()]
    finally:
        await phone.close()


async def test_a_lying_cursor_in_replies_never_done_is_reported_and_recovers(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """The review's FINDINGS 4 and 10 together: cursor and head at 10^12, never done. The sync
    ends, reported incomplete; the truth again brings the journal back."""
    ana = await signup("ana")
    tom = await through("tom")
    await ana.entries.write("Personal", "Before.")
    await share_with(ana, tom)
    await tom.sync()
    personal = await journal_id(ana, "Personal")

    lie = far_ahead(personal, 10**12, 10**12)
    hostile.replies["/v1/sync"] = lambda request, reply: never_done(request, lie(request, reply))
    report = await asyncio.wait_for(tom.sync(), timeout=30)
    assert report.incomplete
    del hostile.replies["/v1/sync"]
    await ana.entries.write("Personal", "After.")
    await ana.sync()
    report = await tom.sync()
    assert any("went back" in p for p in report.problems), report.problems
    assert sorted(e.body for e in await tom.entries.list()) == ["After.", "Before."]
    assert (await tom.sync()).problems == []


# --- the review's FINDING 6 through compaction ----------------------------------------------


async def test_text_deleted_before_a_share_does_not_reach_the_member_through_compaction(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    """Text removed from an entry before a share, then the entry's history compacted under the
    share's epoch: the snapshot is the garbage-collected state, without the removed text."""
    ana, tom = await signup("ana"), await signup("tom")
    ana.replica.compact_after = 3
    entry = await ana.entries.write("Personal", "My brother hit me. Today was fine.")
    await ana.entries.edit(entry.id, body="Today was fine.")
    await ana.sync()
    await share_with(ana, tom)
    await ana.sync()
    compacted = 0
    for n in range(6):
        await ana.entries.edit(entry.id, body=f"Today was fine. {n}")
        compacted += (await ana.sync()).compacted
    assert compacted, "no compaction happened: the test would prove nothing"
    await tom.sync()
    personal = await journal_id(ana, "Personal")
    stolen = copy_of_server_db(live_server, tmp_path)
    assert readable_by(tom, stolen, personal, "Today was fine")
    assert readable_by(tom, stolen, personal, "brother") == []
