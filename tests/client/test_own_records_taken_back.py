"""A device that takes back a discarded read-only copy of its own journal holds none of the
records it pushed there before: its pulls ask them whole (never as stubs, `skip_own`) until
one reaches the journal's head, and a record of its own the server drops is still reported
(protocol.md "Own records as stubs", 4.18 "Own records"). Real server on loopback, real
crypto; the hostile server is a loopback proxy that rewrites replies."""

from __future__ import annotations

import contextlib
import dataclasses
import sqlite3
from pathlib import Path

import pytest

from client_sdk import INSECURE_TEST_COST, Client, replica, wire
from client_sdk.store import STORE_FILE
from tests.client.hostile import HostileServer
from tests.client.sharing_support import journal_id, share_with
from tests.client.test_newer_records import write_newer
from tests.conftest import PASSWORD, ClientFactory
from tests.newer_version import teach_newer


def asked_stubs(hostile: HostileServer, since: int, journal_id: bytes) -> list[bool]:
    """`skip_own` of each sync request since the `since`-th that names `journal_id`."""
    requests = [wire.decode(wire.SyncRequest, b) for b in hostile.bodies("/v1/sync")[since:]]
    return [
        request.skip_own
        for request in requests
        if journal_id in {cursor.journal_id for cursor in request.cursors}
    ]


def withhold_listing(hostile: HostileServer, journal_id: bytes) -> None:
    def withhold(_request: bytes, reply: bytes) -> bytes:
        listed = wire.decode(wire.JournalList, reply)
        kept = [j for j in listed.journals if j.journal_id != journal_id]
        return wire.encode(wire.JournalList(kept, listed.next))

    hostile.replies["/v1/journals/list"] = withhold


async def discard_and_take_back(phone: Client, hostile: HostileServer, diary: bytes) -> None:
    """The server leaves Diary out of the phone's journal list: the phone keeps a read-only
    copy, which the user discards (nothing asked of the server); Diary is listed again, its
    chain continuing the one the phone held: taken back, with none of its records."""
    withhold_listing(hostile, diary)
    await phone.replica.refresh_journals()
    assert {j.journal_id: j.role for j in await phone.store.journals()}[diary] == "revoked"
    await phone.journals.delete("Diary")  # the read-only copy, discarded
    assert diary not in {j.journal_id for j in await phone.store.journals()}
    del hostile.replies["/v1/journals/list"]
    await phone.replica.refresh_journals()
    assert {j.journal_id: j.role for j in await phone.store.journals()}[diary] == "owner"


async def written(signup: ClientFactory, hostile: HostileServer, tmp_path: Path, name: str,
                  entries: int) -> tuple[Client, Client, bytes]:  # fmt: skip
    """A laptop that made Diary and wrote in it, and a phone (through the proxy) that pulled
    it and wrote `entries` entries there, all acknowledged."""
    laptop = await signup(name)
    phone = await Client.login(
        hostile.url, name, PASSWORD, home=tmp_path / "phone", minimum_cost=INSECURE_TEST_COST
    )
    diary = bytes.fromhex((await laptop.journals.create("Diary")).id)
    await laptop.entries.write("Diary", "the laptop's entry")
    await laptop.sync(strict=True)
    await phone.sync(strict=True)
    for n in range(entries):
        await phone.entries.write("Diary", f"the phone's entry {n}")
    await phone.sync(strict=True)
    return laptop, phone, diary


@pytest.mark.parametrize("entries,page", [(1, replica.PULL_PAGE), (5, 2)])
async def test_a_taken_back_own_copy_gets_its_earlier_records_back(
    signup: ClientFactory,
    hostile: HostileServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    entries: int,
    page: int,
) -> None:
    """Taken back, the phone's next pull asks Diary whole (over several pages: `page`) and
    brings the phone's own earlier entries back; a strict sync reports nothing withheld,
    and once Diary's head was reached the phone asks its own records as stubs again."""
    monkeypatch.setattr(replica, "PULL_PAGE", page)
    laptop, phone, diary = await written(signup, hostile, tmp_path, "stubtb", entries)
    try:
        await discard_and_take_back(phone, hostile, diary)
        since = len(hostile.bodies("/v1/sync"))
        report = await phone.sync(strict=True)
        assert report.problems == [] and report.withheld == []
        bodies = {e.body for e in await phone.entries.list("Diary")}
        assert {f"the phone's entry {n}" for n in range(entries)} | {"the laptop's entry"} <= bodies
        asked = asked_stubs(hostile, since, diary)
        assert asked and not any(asked)  # whole, every page of it
        # Its head reached: a later pull gets the phone's own records as stubs again.
        await phone.entries.write("Diary", "the phone's entry, after")
        since = len(hostile.bodies("/v1/sync"))
        await phone.sync(strict=True)
        assert asked_stubs(hostile, since, diary)[-1] is True
        late = await laptop.sync(strict=True)
        assert late.problems == [] and late.withheld == []
        assert "the phone's entry, after" in {e.body for e in await laptop.entries.list("Diary")}
    finally:
        await phone.close()


async def test_an_own_record_dropped_after_a_take_back_is_still_reported(
    signup: ClientFactory, hostile: HostileServer, tmp_path: Path
) -> None:
    """The server drops the phone's own earlier record from every reply once Diary is taken
    back (it holds it, and acknowledged it): asked whole, it is not there, and the phone
    reports its counter withheld at its first sync (the counters it knew exist were kept with
    its write counters), not only once it writes there again."""
    _laptop, phone, diary = await written(signup, hostile, tmp_path, "stubdr", 1)
    try:
        with contextlib.closing(sqlite3.connect(Path(phone.home) / STORE_FILE)) as db:
            mine = {
                bytes(record_id)
                for (record_id,) in db.execute(
                    "SELECT record_id FROM seen_records WHERE journal_id = ? AND device = ?",
                    (diary, phone.profile.device_id),
                )
            }
        assert len(mine) == 1
        await discard_and_take_back(phone, hostile, diary)
        dropped: list[bytes] = []

        def drop_own(_request: bytes, reply: bytes) -> bytes:
            served = wire.decode(wire.SyncReply, reply)
            pages = []
            for page in served.pages:
                dropped.extend(r.record_id for r in page.records if r.record_id in mine)
                kept = [r for r in page.records if r.record_id not in mine]
                pages.append(dataclasses.replace(page, records=kept))
            return wire.encode(dataclasses.replace(served, pages=pages))

        hostile.replies["/v1/sync"] = drop_own
        # Before it writes anything there: the counter it knew the server stored is expected.
        report = await phone.sync()
        assert dropped
        assert [g.journal_id for g in report.withheld] == [diary], report
        assert report.withheld[0].device == phone.profile.device_id
        assert report.withheld[0].missing == ((1, 1),)
        # And after it writes again, as before.
        await phone.entries.write("Diary", "the phone's entry, after")
        again = await phone.sync()
        assert [(g.device, g.missing) for g in again.withheld] == [
            (phone.profile.device_id, ((1, 1),))
        ]
    finally:
        await phone.close()


async def test_a_members_copy_shared_again_reports_nothing_withheld_over_pages(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """tom wrote notes in ana's journal, its share ended, tom forgot the copy, ana shares it
    again: tom's pull, over pages of two records, asks the journal whole, and the counters of
    tom's earlier notes it expects again (kept with its write counters) are accounted for (the
    new share's boundary covers them): nothing is reported."""
    monkeypatch.setattr(replica, "PULL_PAGE", 2)
    ana, tom = await signup("ana"), await signup("tom")
    await ana.entries.write("Personal", "ana's entry")
    await share_with(ana, tom, role="annotate")
    await tom.sync(strict=True)
    for n in range(4):
        await tom.notes.add("ana/Personal", f"tom's note {n}")
    await tom.sync(strict=True)
    await ana.sync(strict=True)
    await ana.shares.revoke("Personal", tom.username)
    await tom.sync()
    assert await tom.shares.forget("ana/Personal", unlisted=True) is True
    await ana.shares.grant("Personal", "tom", role="annotate", full=True, trust_on_first_use=True)
    await ana.sync(strict=True)
    report = await tom.sync(strict=True)
    assert report.problems == [] and report.withheld == []
    assert "ana's entry" in {e.body for e in await tom.entries.list("ana/Personal")}
    # Marked back with tom's four earlier counters, pulled to its head since.
    assert (await tom.store.own_before())[await journal_id(ana, "Personal")] == (4, False)
    await tom.notes.add("ana/Personal", "tom's note, after")
    later = await tom.sync(strict=True)
    assert later.problems == [] and later.withheld == []
    assert (await ana.sync(strict=True)).withheld == []


async def test_an_own_newer_record_kept_after_a_take_back_is_read_after_the_update_in_a_new_process(
    signup: ClientFactory, hostile: HostileServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The phone wrote an entry in Diary as a newer app sharing its profile would (a newer body
    version), then Diary was discarded and taken back: the pull brings that own record back
    whole and keeps it for the update. The updated app, in a new process, reopens it at its
    first sync, before any pull: it is the phone's own earlier record (the mark kept with the
    journal is read by every path that applies records), applied, not refused and dropped."""
    _laptop, phone, diary = await written(signup, hostile, tmp_path, "ownpk", 1)
    await write_newer(phone, "the phone's newer entry", journal="Diary")
    await phone.sync(strict=True)
    await discard_and_take_back(phone, hostile, diary)
    report = await phone.sync(strict=True)
    assert [(n.journal_id, n.count) for n in report.newer] == [(diary, 1)]
    assert len(await phone.store.parked()) == 1
    home = phone.home
    await phone.close()
    teach_newer(monkeypatch)  # the app's update, which reads that version
    phone = await Client.open(home)
    try:
        # Its first sync reopens the kept record from the store, before any request.
        first = await phone.sync()
        assert (first.problems, first.refused, first.withheld) == ([], 0, []), first
        assert await phone.store.parked() == []
        bodies = {e.body for e in await phone.entries.list("Diary")}
        assert {"the phone's newer entry", "the phone's entry 0"} <= bodies
        later = await phone.sync(strict=True)
        assert later.problems == [] and later.withheld == []
    finally:
        await phone.close()
