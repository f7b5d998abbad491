"""NU34 #1: tags settle as a whole list (protocol.md 5), so a tag added on one device while
another removed a different one went with the first device's list. The device whose list was
replaced by a change made without its edit applies its own additions and removals again
(settling.TAG_OPS), as a new edit; a change made after seeing its edit stands, and a whole
list written with `tags=` keeps settling as a whole."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

import aiohttp
from aiohttp import web

from client_sdk import Client, NetworkError, RetryPolicy, wire
from client_sdk.settling import TAG_OPS, TAGS_ARRIVED
from client_sdk.store import KEPT_AND_MARKED, MARKED_DOCUMENTS, STORE_FILE, Store
from tests.client.hostile import HostileServer, Through
from tests.client.tags_support import ATTEMPTS, settle, tags
from tests.conftest import ClientFactory


async def two_devices(signup: ClientFactory, login: ClientFactory) -> tuple[Client, Client, str]:
    laptop = await signup("ana")
    entry = await laptop.entries.write(None, "Text.", title="Monday", tags=["Sleep"])
    await laptop.sync(strict=True)
    phone = await login("ana")
    await phone.sync(strict=True)
    return laptop, phone, entry.id


async def test_an_addition_and_a_concurrent_removal_are_both_kept(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop, phone, entry = await two_devices(signup, login)
    await laptop.entries.edit(entry, add_tags=["from laptop"])
    await phone.entries.edit(entry, remove_tags=["Sleep"])
    reports = [await phone.sync(strict=True), await laptop.sync(strict=True)]
    reports.append(await phone.sync(strict=True))
    again = [s for r in reports for s in r.settled if s.applied_again]
    assert [(s.field, s.kept) for s in again] == [("tags", ["from laptop"])]
    await settle(laptop, phone)
    assert await tags(laptop, entry) == await tags(phone, entry) == ["from laptop"]


async def test_two_concurrent_additions_are_both_kept(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop, phone, entry = await two_devices(signup, login)
    await laptop.entries.edit(entry, add_tags=["work"])
    await phone.entries.edit(entry, add_tags=["family"])
    await settle(phone, laptop)
    both = await tags(laptop, entry)
    assert both == await tags(phone, entry)
    assert sorted(both) == ["Sleep", "family", "work"]


async def test_a_removal_made_after_seeing_the_addition_stands(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop, phone, entry = await two_devices(signup, login)
    await laptop.entries.edit(entry, add_tags=["from laptop"])
    await laptop.sync(strict=True)
    await phone.sync(strict=True)
    assert await tags(phone, entry) == ["Sleep", "from laptop"]
    await phone.entries.edit(entry, remove_tags=["from laptop"])  # the phone's choice
    await settle(phone, laptop)
    assert await tags(laptop, entry) == await tags(phone, entry) == ["Sleep"]
    assert not any(s.applied_again for s in (await laptop.sync()).settled)


async def test_a_whole_list_written_with_tags_still_settles_as_a_whole(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop, phone, entry = await two_devices(signup, login)
    await laptop.entries.edit(entry, tags=["a", "b"])  # a whole list: no additions kept
    await phone.entries.edit(entry, tags=["c"])
    reports = [await phone.sync(strict=True), await laptop.sync(strict=True)]
    reports.append(await phone.sync(strict=True))
    assert not any(s.applied_again for r in reports for s in r.settled)
    await settle(laptop, phone)
    final = await tags(laptop, entry)
    assert final == await tags(phone, entry) and final in (["a", "b"], ["c"])


async def fresh_entry(laptop: Client, *others: Client, n: int) -> str:
    entry = await laptop.entries.write(None, "Text.", title=f"Day {n}", tags=["Sleep"])
    await laptop.sync(strict=True)
    for other in others:
        await other.sync(strict=True)
    return entry.id


async def test_a_tag_that_lost_on_the_other_device_before_its_user_changed_the_tags_comes_back(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """The phone received the laptop's 'x' (its signed seen vector holds the edit) but its own
    concurrent removal of 'Sleep' won there, so its user never saw 'x', then changed the tags
    again: that change is not a removal of 'x', and 'x' stays. A check of the writer's seen
    vector alone would drop it; the value's own item says the phone wrote on top of its own
    list, not the laptop's (protocol.md 5, "Tag edits applied again")."""
    laptop = await signup("ana")
    await laptop.sync(strict=True)
    phone = await login("ana")
    for n in range(ATTEMPTS):
        entry = await fresh_entry(laptop, phone, n=n)
        await laptop.entries.edit(entry, add_tags=["x"])
        await phone.entries.edit(entry, remove_tags=["Sleep"])
        await laptop.sync(strict=True)
        await phone.sync(strict=True)  # receives 'x'; may keep its own list
        await phone.entries.edit(entry, add_tags=["P"])  # after the sync, whatever won
        await phone.sync(strict=True)
        await settle(laptop, phone)
        final = await tags(laptop, entry)
        assert final == await tags(phone, entry)
        assert sorted(final) == ["P", "x"], f"attempt {n}: {final}"


async def test_a_tag_added_again_after_the_other_device_removed_it_stays(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """A removal made after seeing the tag drops this device's addition; the user adding the
    tag again is a new edit, kept like any other."""
    laptop, phone, entry = await two_devices(signup, login)
    await laptop.entries.edit(entry, add_tags=["x"])
    await settle(laptop, phone)
    await phone.entries.edit(entry, remove_tags=["x"])
    await settle(phone, laptop)
    assert await tags(laptop, entry) == ["Sleep"]
    await laptop.entries.edit(entry, add_tags=["x"])
    await phone.entries.edit(entry, remove_tags=["Sleep"])  # concurrent with the new 'x'
    await settle(phone, laptop)
    assert await tags(laptop, entry) == await tags(phone, entry) == ["x"]


async def test_three_devices_each_changing_the_tags_apart_keep_every_change(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """Two devices apply their edits again at once (each lost to a third): each one does it
    on top of the value it lost to, the loser of that once more, until every change is in;
    then nothing more is written (no ping-pong)."""
    laptop = await signup("ana")
    await laptop.sync(strict=True)
    phone = await login("ana")
    tablet = await login("ana", "tablet")
    for n in range(4):
        entry = await fresh_entry(laptop, phone, tablet, n=n)
        await laptop.entries.edit(entry, add_tags=["L"])
        await phone.entries.edit(entry, remove_tags=["Sleep"])
        await tablet.entries.edit(entry, add_tags=["T"])
        for device in (phone, tablet, laptop):
            await device.sync(strict=True)
        for _ in range(3):  # each loser writes once more: two rounds more than two devices
            await settle(laptop, phone, tablet)
        final = await tags(laptop, entry)
        assert final == await tags(phone, entry) == await tags(tablet, entry)
        assert sorted(final) == ["L", "T"], f"attempt {n}: {final}"
        quiet = [await d.sync(strict=True) for d in (laptop, phone, tablet)]
        assert not any(s.applied_again for r in quiet for s in r.settled)
        assert [await d.store.outbox_size() for d in (laptop, phone, tablet)] == [0, 0, 0]


async def test_an_entry_trashed_on_the_other_device_gets_nothing_applied_again(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """The other device's trash stands: nothing is written to the trashed entry (the edit is
    in it, and the sync says so: `overtaken`); deleted for good, the kept ops go with it."""
    laptop, phone, entry = await two_devices(signup, login)
    await laptop.entries.edit(entry, add_tags=["x"])
    await phone.entries.edit(entry, remove_tags=["Sleep"])
    await phone.entries.delete(entry)
    await phone.sync(strict=True)
    report = await laptop.sync(strict=True)
    assert not any(s.applied_again for s in report.settled)
    assert [o.entry_id for o in report.overtaken] == [entry]
    assert await laptop.store.outbox_size() == 0  # nothing written to the trashed entry
    trashed = await laptop.entries.get(entry, include_trashed=True)
    assert trashed.tags in (("Sleep", "x"), ())  # one list won, as it is: nothing added to it
    assert any(
        name == TAG_OPS for name, _, _ in await laptop.store.field_writes(bytes.fromhex(entry))
    )
    await phone.sync(strict=True)
    assert await phone.entries.empty_trash() == 1
    await phone.sync(strict=True)
    report = await laptop.sync(strict=True)
    assert not any(s.applied_again for s in report.settled)
    assert await laptop.store.field_writes(bytes.fromhex(entry)) == []  # gone with it


def replaying(hostile: HostileServer) -> list[wire.StoredRecord]:
    """The server adds to every page it sends the records it sent before (a replay, as a
    hostile server may): returns the list it replays from, filled as pages pass."""
    sent: list[wire.StoredRecord] = []

    def replay(request: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.SyncReply, reply)
        pages = []
        for page in real.pages:
            fresh = [r for r in page.records if r.record_id not in {s.record_id for s in sent}]
            pages.append(dataclasses.replace(page, records=[*sent, *page.records]))
            sent.extend(fresh)
        return wire.encode(wire.SyncReply(pages, real.done, real.next_journal))

    hostile.replies["/v1/sync"] = replay
    return sent


async def test_old_records_replayed_by_the_server_apply_nothing_again(
    hostile: HostileServer, through: Through, login: ClientFactory
) -> None:
    """A replayed record changes no state: the tags value held is the same item, judged
    already; nothing is written again (no ping-pong a server could start)."""
    laptop = await through("ana")
    await laptop.sync(strict=True)
    phone = await login("ana")
    sent = replaying(hostile)
    for n in range(4):
        entry = await fresh_entry(laptop, phone, n=n)
        await laptop.entries.edit(entry, add_tags=["from laptop"])
        await phone.entries.edit(entry, remove_tags=["Sleep"])
        await settle(phone, laptop)
        assert await tags(laptop, entry) == await tags(phone, entry) == ["from laptop"]
        assert sent  # the phone's records, among others, come again at every sync
        for _ in range(2):
            report = await laptop.sync()
            assert not any(s.applied_again for s in report.settled)
            assert await laptop.store.outbox_size() == 0
        assert await tags(laptop, entry) == ["from laptop"]


async def test_records_delivered_out_of_order_are_judged_once_all_are_held(
    hostile: HostileServer, through: Through, login: ClientFactory
) -> None:
    """The server sends the phone's records newest first: the later one waits for the
    earlier (protocol.md 5, causal buffer); the tags are judged on what is held, and both
    devices' changes stay."""
    laptop = await through("ana")
    await laptop.sync(strict=True)
    phone = await login("ana")

    def newest_first(request: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.SyncReply, reply)
        pages = [dataclasses.replace(p, records=p.records[::-1]) for p in real.pages]
        return wire.encode(wire.SyncReply(pages, real.done, real.next_journal))

    hostile.replies["/v1/sync"] = newest_first
    for n in range(ATTEMPTS):
        entry = await fresh_entry(laptop, phone, n=n)
        await laptop.entries.edit(entry, add_tags=["x"])
        await phone.entries.edit(entry, remove_tags=["Sleep"])
        await phone.sync(strict=True)
        await phone.entries.edit(entry, add_tags=["P"])  # on top of its removal
        await phone.sync(strict=True)
        await settle(laptop, phone)
        final = await tags(laptop, entry)
        assert final == await tags(phone, entry)
        assert sorted(final) == ["P", "x"], f"attempt {n}: {final}"


async def test_a_sync_cut_off_after_its_pull_leaves_the_tags_to_the_next_sync(
    hostile: HostileServer, through: Through, login: ClientFactory
) -> None:
    """REV-TAGS F5, its other half: the pull's page brought the phone's concurrent change,
    then the connection drops (the server says more is to come, and the next request gets
    no answer): the sync raises NetworkError and settles nothing. The entry was marked with
    the pulled page: the next sync applies the laptop's tag again."""
    laptop = await through("ana")
    await laptop.sync(strict=True)
    phone = await login("ana")
    forward = hostile.forward
    cut = [0]  # 1: the next /v1/sync reply says more is to come; 2: the one after is cut

    def more_to_come(request: bytes, reply: bytes) -> bytes:
        if cut[0] != 1:
            return reply
        cut[0] = 2
        real = wire.decode(wire.SyncReply, reply)
        return wire.encode(wire.SyncReply(real.pages, False, real.next_journal))

    async def cutting(session: aiohttp.ClientSession, request: web.Request) -> web.Response:
        if cut[0] == 2 and request.path == "/v1/sync":
            assert request.transport is not None
            request.transport.close()  # no answer at all: the network went away
        return await forward(session, request)

    hostile.forward = cutting  # type: ignore[method-assign]
    hostile.replies["/v1/sync"] = more_to_come
    cut_off = 0
    for n in range(ATTEMPTS):
        entry = await fresh_entry(laptop, phone, n=n)
        await laptop.entries.edit(entry, add_tags=["from laptop"])
        await phone.entries.edit(entry, remove_tags=["Sleep"])
        await phone.sync(strict=True)
        cut[0] = 1
        try:
            await laptop.sync(retry=RetryPolicy(attempts=1))
        except NetworkError:
            cut_off += 1
        cut[0] = 0
        await settle(laptop, phone)
        final = await tags(laptop, entry)
        assert final == await tags(phone, entry)
        assert final == ["from laptop"], f"attempt {n}: {final}"
    assert cut_off == ATTEMPTS  # every time, after the page was applied


async def test_a_settled_line_offers_back_only_what_this_device_added(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """REV-TAGS F7, the whole kind: the phone added the same tag and removed 'Sleep'; when its
    list wins on the laptop, nothing is applied again (the laptop's addition is in it), and
    the laptop's line does not offer to add back 'Sleep', the phone's removal. A tag this
    device added and the other device removed after seeing it is still offered back."""
    from cli.output import add_back_command, shown

    laptop, phone, _ = await two_devices(signup, login)
    for n in range(ATTEMPTS):
        entry = await fresh_entry(laptop, phone, n=n)
        await laptop.entries.edit(entry, add_tags=["x"])
        await phone.entries.edit(entry, add_tags=["x"], remove_tags=["Sleep"])
        reports = [await phone.sync(strict=True), await laptop.sync(strict=True)]
        reports += [await phone.sync(strict=True), await laptop.sync(strict=True)]
        for told in [s for r in reports for s in r.settled if s.field == "tags"]:
            assert "Sleep" not in told.lost(), told.line(add_back=add_back_command(told))
        await settle(laptop, phone)
        assert await tags(laptop, entry) == await tags(phone, entry) == ["x"]
    entry = await fresh_entry(laptop, phone, n=ATTEMPTS)
    await laptop.entries.edit(entry, add_tags=["y"])
    await settle(laptop, phone)
    await phone.entries.edit(entry, remove_tags=["y"])
    await laptop.entries.edit(entry, mood=4)  # so that the laptop has a change to settle
    await phone.sync(strict=True)
    [told] = [s for s in (await laptop.sync(strict=True)).settled if s.field == "tags"]
    assert told.lost() == ["y"] and not told.applied_again
    assert shown(add_back_command(told)) == f"`tj edit {entry[:12]} --tag y` adds them back"


async def test_the_marks_are_found_by_an_index_not_by_reading_the_whole_history(
    tmp_path: Path,
) -> None:
    """Every pulled page that holds entries looks for the entries with kept tag ops and a
    mark (`Store.mark_where_kept`), and a sync for the marked ones: both read the field
    writes through their index by name, not every value of the device's history (tens of
    thousands of rows on a device used for years; issue 10: a live notice's page)."""
    store = await Store.open(tmp_path)
    await store.close()
    with sqlite3.connect(tmp_path / STORE_FILE) as db:
        for sql, params in (
            (KEPT_AND_MARKED, (TAG_OPS, TAGS_ARRIVED)),
            (MARKED_DOCUMENTS, (TAGS_ARRIVED,)),
        ):
            plan = " ".join(str(row[-1]) for row in db.execute(f"EXPLAIN QUERY PLAN {sql}", params))
            assert "USING INDEX field_writes_by_field" in plan, plan
            assert "TEMP B-TREE" not in plan, plan  # in rowid order from the index
