"""R46 F6, F7: in a pair verify-head code a cover leaves a record out only when a snapshot of
the record's own document carries it, or when the member's membership never held the
record's epoch (protocol.md 4.20, "Withdrawals and uncarried records stay counted in a pair
code").

tests/client/test_r46_findings.py holds the reviewer's two attacks (a record withdrawn on a
refusal the server faked, a trash kept from a therapist until the next share); here: honest
devices still agree after a share that carries no snapshot of a trashed or deleted entry nor
of a therapist's note, and after a withdrawal the server really caused; and F7 through a
re-share of the same therapist, which the share's removals carried again under its epoch
close (protocol.md 4.19, "Removals carried again")."""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp import web

from client_sdk import Client, wire
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import journal_id, share_with
from tests.client.test_r46_findings import hiding
from tests.client.test_review20_newer import reseal_outbox_as
from tests.client.test_withholding import journal_seqs
from tests.conftest import ClientFactory, RunningServer
from tests.newer_version import NEWER, teach_newer


async def pair_codes(ana: Client, members: dict[str, Client]) -> dict[str, tuple[str, str]]:
    """Per member: (ana's code with that member, the member's own default code)."""
    return {
        name: (
            await ana.journals.verify_head("Personal", with_member=name),
            await member.journals.verify_head("ana/Personal"),
        )
        for name, member in members.items()
    }


async def test_honest_codes_agree_across_a_share_that_carries_no_trashed_or_deleted_entry(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """An entry in the trash, one deleted for good and tom's note are named by joan's share's
    boundary, and no fresh snapshot carries them. tom held them (his membership held their
    epoch), so both sides count them in the pair ana-tom; joan's membership never held it, so
    neither side counts them in the pair ana-joan. Every pair agrees, on both of ana's
    devices, and the owner-only codes agree everywhere."""
    ana = await signup("ana")
    tom, joan = await signup("tom"), await signup("joan")
    kept = await ana.entries.write("Personal", "stays live")
    trashed = await ana.entries.write("Personal", "moved to the trash later")
    deleted = await ana.entries.write("Personal", "deleted for good later")
    await share_with(ana, tom, role="annotate")
    await ana.sync(strict=True)
    await tom.sync(strict=True)
    await tom.notes.add("ana/Personal", "we talked about this")
    await tom.sync(strict=True)
    await ana.entries.delete(trashed.id)
    await ana.entries.delete(deleted.id)
    assert await ana.entries.empty_trash() == 2
    await ana.sync(strict=True)
    await ana.entries.delete((await ana.entries.write("Personal", "trashed, kept")).id)
    await ana.sync(strict=True)
    await share_with(ana, joan, role="annotate")
    phone = await login("ana")
    for device in (ana, tom, joan, phone, ana, tom, joan):
        await device.sync(strict=True)
    assert kept.id in {e.id for e in await joan.entries.list("ana/Personal")}
    assert trashed.id not in {e.id for e in await tom.entries.list("ana/Personal")}
    for device in (ana, phone):
        for name, (owner_code, member_code) in (
            await pair_codes(device, {"tom": tom, "joan": joan})
        ).items():
            assert owner_code == member_code, name
    owner_only = {
        await ana.journals.verify_head("Personal", owner_only=True),
        await phone.journals.verify_head("Personal", owner_only=True),
        await tom.journals.verify_head("ana/Personal", owner_only=True),
        await joan.journals.verify_head("ana/Personal", owner_only=True),
    }
    assert len(owner_only) == 1


async def test_a_push_the_server_really_refused_leaves_the_pair_codes_equal(
    signup: ClientFactory, through: Through, hostile: HostileServer
) -> None:
    """The withdrawal of a record the server never stored (its push refused for good) is
    counted nowhere: no device holds the record, so the codes of ana and tom stay equal,
    before and after ana drops the change set aside and shares again."""
    ana = await through("ana")
    tom, joan = await signup("tom"), await signup("joan")
    await ana.entries.write("Personal", "hello")
    await share_with(ana, tom, role="annotate")
    await ana.sync(strict=True)
    await tom.sync(strict=True)
    armed = [True]
    forward = hostile.forward

    async def refuse(session: aiohttp.ClientSession, request: web.Request) -> web.Response:
        if not (armed[0] and request.path == "/v1/records/push"):
            return await forward(session, request)
        armed[0] = False
        refusal = wire.encode(wire.ErrorReply("malformed_body", "refused"))
        return web.Response(status=400, body=refusal, content_type="application/msgpack")

    hostile.forward = refuse  # type: ignore[method-assign]
    refused = await ana.entries.write("Personal", "refused by the server")
    assert (await ana.sync()).set_aside
    await ana.drop_set_aside(refused.id)
    await ana.sync(strict=True)
    await tom.sync(strict=True)
    assert refused.id not in {e.id for e in await tom.entries.list("ana/Personal")}
    codes = await pair_codes(ana, {"tom": tom})
    assert codes["tom"][0] == codes["tom"][1]
    await share_with(ana, joan, role="annotate")
    for device in (ana, tom, joan, tom):
        await device.sync(strict=True)
    for name, (owner_code, member_code) in (
        await pair_codes(ana, {"tom": tom, "joan": joan})
    ).items():
        assert owner_code == member_code, name


async def test_r46_f7_residual_a_trash_kept_from_a_therapist_re_shared_is_caught(
    signup: ClientFactory, through: Through, hostile: HostileServer, live_server: RunningServer
) -> None:
    """R46 F7 through a re-share of the same therapist: ana trashes an entry tom reads, the
    server keeps the trash from tom, ana ends tom's share and shares again with him. The
    new membership's boundary covers the trash and no fresh snapshot carries it; the share
    carries the removal again under its epoch, so tom's device no longer shows the entry
    (if it did, his code or his sync would have to say so)."""
    ana = await signup("ana")
    tom = await through("tom")
    entry = await ana.entries.write("Personal", "something ana later took back")
    await share_with(ana, tom, role="annotate")
    await ana.sync(strict=True)
    await tom.sync(strict=True)
    personal = await journal_id(ana, "Personal")
    before = set(journal_seqs(live_server, personal))
    await ana.entries.delete(entry.id)
    await ana.sync(strict=True)
    hidden = set(journal_seqs(live_server, personal)) - before
    assert hidden
    hostile.replies["/v1/sync"] = hiding(personal, hidden)
    await ana.shares.revoke("Personal", "tom")
    await ana.sync(strict=True)
    await share_with(ana, tom, role="annotate")
    await ana.sync(strict=True)
    withheld = (await tom.sync()).withheld + (await tom.sync()).withheld
    shown = entry.id in {e.id for e in await tom.entries.list("ana/Personal")}
    ana_code = await ana.journals.verify_head("Personal", with_member="tom")
    tom_code = await tom.journals.verify_head("ana/Personal")
    assert not shown or ana_code != tom_code or withheld
    assert not shown


async def test_a_members_note_kept_unread_is_counted_like_the_applied_one_after_a_share(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """tom's app writes version 5 notes; ana's phone keeps his note unread (its document not
    known there), her new laptop and tom's device apply it. ana's phone then shares with
    joan: the boundary names the note and no snapshot of its document carries it. tom's
    membership held its epoch, so every device counts it in the pair with tom, whether it
    reads the note or not: the codes agree."""
    phone, tom, joan = await signup("ana"), await signup("tom"), await signup("joan")
    await phone.entries.write("Personal", "one")
    await share_with(phone, tom, role="annotate")
    await tom.sync(strict=True)
    await tom.notes.add("ana/Personal", "a note from a newer app", kind="note")
    assert len(await reseal_outbox_as(tom, NEWER)) == 1
    await tom.sync(strict=True)
    assert [(n.count, n.version) for n in (await phone.sync(strict=True)).newer] == [(1, NEWER)]
    await share_with(phone, joan, role="annotate")
    for device in (phone, tom, joan):
        await device.sync(strict=True)
    tom_code = await tom.journals.verify_head("ana/Personal")
    assert await phone.journals.verify_head("Personal", with_member="tom") == tom_code
    teach_newer(monkeypatch)
    laptop = await login("ana")
    await laptop.sync(strict=True)
    assert await laptop.journals.verify_head("Personal", with_member="tom") == tom_code


async def test_r46_f7_a_carried_removal_kept_from_the_therapist_stays_reported(
    signup: ClientFactory, through: Through, hostile: HostileServer, live_server: RunningServer
) -> None:
    """tom's sync with removals carried again (R46 F7). The server keeps from tom's device
    ana's trash and every record of her share with joan, and serves ana's next entry: tom's
    sync reports ana's records withheld (the share's are below the entry's counter), at
    every sync, and tom still reads the entry (every record that could tell him is kept).
    ana's next share (with kim) carries the removal again: served it, tom no longer shows
    the entry, but his sync still reports the records kept from him (kim's cut accounts
    for them to kim only: tom's membership held their epochs, rev-complete F4), and the
    codes he and ana compare differ (she counts the records kept from him)."""
    ana = await signup("ana")
    tom = await through("tom")
    joan, kim = await signup("joan"), await signup("kim")
    entry = await ana.entries.write("Personal", "something ana later took back")
    await share_with(ana, tom, role="annotate")
    await ana.sync(strict=True)
    await tom.sync(strict=True)
    personal = await journal_id(ana, "Personal")
    before = set(journal_seqs(live_server, personal))
    await ana.entries.delete(entry.id)
    await ana.sync(strict=True)
    await share_with(ana, joan, role="annotate")
    await ana.sync(strict=True)
    hidden = set(journal_seqs(live_server, personal)) - before
    assert len(hidden) >= 2  # the trash, the removal carried again
    hostile.replies["/v1/sync"] = hiding(personal, hidden)
    await ana.entries.write("Personal", "a later entry")
    await ana.sync(strict=True)
    for _ in range(2):
        report = await tom.sync()
        assert [g.journal_id for g in report.withheld] == [personal]
    assert entry.id in {e.id for e in await tom.entries.list("ana/Personal")}
    await share_with(ana, kim, role="annotate")
    await ana.sync(strict=True)
    for _ in range(2):
        report = await tom.sync()
        assert [g.journal_id for g in report.withheld] == [personal]
    assert entry.id not in {e.id for e in await tom.entries.list("ana/Personal")}
    codes = await pair_codes(ana, {"tom": tom})
    assert codes["tom"][0] != codes["tom"][1]


async def test_r46_f7_a_deletion_for_good_and_a_deleted_goal_kept_from_the_therapist(
    signup: ClientFactory, through: Through, hostile: HostileServer, live_server: RunningServer
) -> None:
    """The same for a deletion for good of an entry and of a goal: the server keeps both
    deletions from tom's device; ana's next share (with joan) carries them again, so tom
    shows neither any more, and joan, who never held them, is given neither."""
    ana = await signup("ana")
    tom = await through("tom")
    joan = await signup("joan")
    entry = await ana.entries.write("Personal", "words ana deleted for good")
    goal = await ana.goals.add("Stop drinking", why="Before my brother's wedding.")
    await share_with(ana, tom, role="annotate")
    await ana.sync(strict=True)
    await tom.sync(strict=True)
    assert [g.id for g in await tom.goals.list()] == [goal.id]
    personal = await journal_id(ana, "Personal")
    before = set(journal_seqs(live_server, personal))
    await ana.entries.delete(entry.id)
    assert await ana.entries.empty_trash() == 1
    await ana.goals.delete(goal.id)
    await ana.sync(strict=True)
    hidden = set(journal_seqs(live_server, personal)) - before
    assert hidden
    hostile.replies["/v1/sync"] = hiding(personal, hidden)
    await tom.sync()
    assert entry.id in {e.id for e in await tom.entries.list("ana/Personal")}  # the fork
    await share_with(ana, joan, role="annotate")
    await ana.sync(strict=True)
    await tom.sync()
    await joan.sync(strict=True)
    assert entry.id not in {e.id for e in await tom.entries.list("ana/Personal")}
    assert await tom.goals.list() == []
    assert await joan.entries.list("ana/Personal") == []
    assert await joan.goals.list() == []


async def test_a_first_share_carries_no_removal_again(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    """Removals are carried again only for documents a current member's device may hold
    (it held a key of an epoch under which a record of them was sealed): a first share of
    a journal whose entry was trashed before anyone read it seals the live entry's
    snapshot alone, and re-sharing with tom after that seals one record more per removed
    entry he could hold, none for one trashed while he held no key."""
    ana, tom, joan = await signup("ana"), await signup("tom"), await signup("joan")
    await ana.entries.write("Personal", "stays live")
    await ana.entries.delete((await ana.entries.write("Personal", "trashed unread")).id)
    await ana.sync(strict=True)
    personal = await journal_id(ana, "Personal")
    before = set(journal_seqs(live_server, personal))
    await share_with(ana, tom, role="annotate")
    await ana.sync(strict=True)
    # the cut (a `void`: protocol.md 4.18, "Cuts") and the live snapshot
    assert len(set(journal_seqs(live_server, personal)) - before) == 2
    read = await ana.entries.write("Personal", "read by tom, then trashed")
    await ana.sync(strict=True)
    await tom.sync(strict=True)
    await ana.entries.delete(read.id)
    await ana.sync(strict=True)
    before = set(journal_seqs(live_server, personal))
    await share_with(ana, joan, role="annotate")
    await ana.sync(strict=True)
    # the cut, the live entry's snapshot and the removal of the one tom read
    assert len(set(journal_seqs(live_server, personal)) - before) == 3
    for device in (tom, joan, tom):
        await device.sync(strict=True)
    assert read.id not in {e.id for e in await tom.entries.list("ana/Personal")}
    assert read.id not in {e.id for e in await joan.entries.list("ana/Personal")}


@pytest.mark.parametrize("where", ["laptop", "phone"])
async def test_an_entry_whose_removal_was_carried_again_comes_back_whole_when_restored(
    where: str, signup: ClientFactory, login: ClientFactory
) -> None:
    """The removal carried again at joan's share gives joan the entry's structure with every
    value deleted. Restored (on the device that shared, or on another device of ana's,
    which the sharing device then writes anew), the entry reads the same on every device,
    joan's and tom's included."""
    laptop = await signup("ana")
    tom, joan = await signup("tom"), await signup("joan")
    entry = await laptop.entries.write("Personal", "words to come back", mood=6)
    await share_with(laptop, tom, role="annotate")
    await laptop.sync(strict=True)
    await tom.sync(strict=True)
    await laptop.entries.delete(entry.id)
    await laptop.sync(strict=True)
    await share_with(laptop, joan, role="annotate")
    phone = await login("ana")
    for device in (laptop, tom, joan, phone):
        await device.sync(strict=True)
    assert entry.id not in {e.id for e in await joan.entries.list("ana/Personal")}
    restoring = laptop if where == "laptop" else phone
    await restoring.entries.restore(entry.id)
    for device in (restoring, laptop, phone, tom, joan, laptop, tom, joan, phone):
        await device.sync(strict=True)
    for device, name in ((laptop, "Personal"), (phone, "Personal"), (tom, "ana/Personal")):
        shown = {e.id: (e.body, e.mood) for e in await device.entries.list(name)}
        assert shown[entry.id] == ("words to come back", 6), device
    shown = {e.id: (e.body, e.mood) for e in await joan.entries.list("ana/Personal")}
    assert shown[entry.id] == ("words to come back", 6)
