"""R43: a change pushed under the journal's old key while another device shares the journal,
the server hiding it from the sharing device until the share is made. Real server on
127.0.0.1 behind a lying proxy, real crypto. The first test fails on integ4 at c848ad6 (see
/work/R43-FINDINGS.md), the next three before R43 F2's fix (protocol.md 4.19, "Late
records"); the last one guards that fix against a server that withholds the boundary."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, closing
from dataclasses import dataclass, replace
from pathlib import Path

from client_sdk import INSECURE_TEST_COST, Client, wire
from client_sdk.documents import entry_view
from client_sdk.replica import stored_document
from client_sdk.store import STORE_FILE
from tests.client.hostile import HostileServer
from tests.client.sharing_support import share_with
from tests.conftest import PASSWORD, ClientFactory


@dataclass
class Race:
    """The laptop on the real server; the phone behind the hostile one, which can answer
    the phone's pulls with an old reply."""

    laptop: Client
    phone: Client
    hostile: HostileServer
    empty: bytes  # the phone's last "nothing new" reply

    def delay(self) -> None:
        """From now on the phone's pulls get "nothing new" (a delay, as any slow replica
        gives), until `deliver`."""
        self.hostile.replies["/v1/sync"] = lambda _, __: self.empty

    def deliver(self) -> None:
        del self.hostile.replies["/v1/sync"]


@asynccontextmanager
async def race(
    hostile: HostileServer, signup: ClientFactory, tmp_path: Path
) -> AsyncIterator[Race]:
    laptop = await signup("ana", "laptop")
    phone = await Client.login(
        hostile.url,
        "ana",
        PASSWORD,
        home=tmp_path / "ana-phone-via-proxy",
        device_name="phone",
        minimum_cost=INSECURE_TEST_COST,
    )
    try:
        yield Race(laptop, phone, hostile, b"")
    finally:
        await phone.close()


async def quiet_phone(state: Race) -> None:
    """The phone holds everything: its last pull's reply is the one the delay replays."""
    await state.phone.sync()
    await state.phone.sync()
    state.empty = state.hostile.replies_to("/v1/sync")[-1]


async def settle(*devices: Client) -> None:
    for _ in range(2):
        for device in devices:
            await device.sync()


def hiding(record_ids: set[bytes]) -> Callable[[bytes, bytes], bytes]:
    """A /v1/sync rewrite that never serves these records (a server withholding them)."""

    def rewrite(_: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.SyncReply, reply)
        pages = [
            replace(p, records=[r for r in p.records if r.record_id not in record_ids])
            for p in real.pages
        ]
        return wire.encode(wire.SyncReply(pages, real.done, real.next_journal))

    return rewrite


async def test_r43_a_trash_hidden_from_the_sharing_device_until_the_share_reaches_the_member(
    hostile: HostileServer, signup: ClientFactory, tmp_path: Path
) -> None:
    """The laptop trashes an entry and pushes the trash (old key). The server answers the
    phone's pulls with its last empty reply until the phone has shared the journal with tom
    (a delay, as any slow replica gives): the phone's snapshot for tom holds the entry live.
    The trash then arrives on the phone under the old key, which tom never holds: the phone
    sees that its share's boundary does not cover it and carries it across (R43 F2)."""
    async with race(hostile, signup, tmp_path) as state:
        laptop, phone = state.laptop, state.phone
        entry = await laptop.entries.write(None, "Monday. About my brother.", title="Hard day")
        await laptop.sync()
        await quiet_phone(state)
        await laptop.entries.delete(entry.id)
        await laptop.sync()  # the trash is on the server, under the key before the share
        state.delay()
        tom = await signup("tom")
        await share_with(phone, tom, role="annotate")
        state.deliver()
        await settle(laptop, phone, tom)
        assert [e.id for e in await phone.entries.trash()] == [entry.id]
        assert await tom.entries.list() == []  # the trashed entry, readable, on integ4
        report = await tom.sync()
        assert (report.withheld, report.problems) == ([], [])


async def test_r43_words_pushed_just_before_a_share_made_elsewhere_reach_the_member(
    hostile: HostileServer, signup: ClientFactory, tmp_path: Path
) -> None:
    """Not only a removal: words the laptop added and pushed just before the phone's share,
    which the phone had not pulled, reach tom (a snapshot of the entry under the new key),
    and nothing is reported missing anywhere."""
    async with race(hostile, signup, tmp_path) as state:
        laptop, phone = state.laptop, state.phone
        entry = await laptop.entries.write(None, "Monday.", title="Hard day")
        await laptop.sync()
        await quiet_phone(state)
        await laptop.entries.edit(entry.id, append=" Words for my therapist.")
        await laptop.sync()
        state.delay()
        tom = await signup("tom")
        await share_with(phone, tom, role="annotate")
        state.deliver()
        await settle(laptop, phone, tom)
        assert [e.body for e in await tom.entries.list()] == ["Monday. Words for my therapist."]
        for device in (laptop, phone, tom):
            report = await device.sync()
            assert (report.withheld, report.problems) == ([], []), report


async def test_r43_words_then_a_trash_pushed_just_before_a_share_never_reach_the_member(
    hostile: HostileServer, signup: ClientFactory, tmp_path: Path
) -> None:
    """Carrying a late removal gives the member no value written before the share into the
    removed entry: the laptop's words and its trash, both pushed just before the phone's
    share and pulled by the phone after it, reach tom as the trash alone (the words deleted,
    their content in no record tom's keys open: 4.19's "Text deleted before the share").
    The phone wrote before, and the laptop had its record when it trashed: the carried
    trash's seen vector (the laptop's) names the phone, which the phone's record cannot."""
    async with race(hostile, signup, tmp_path) as state:
        laptop, phone = state.laptop, state.phone
        entry = await laptop.entries.write(None, "Monday.", title="Hard day")
        await laptop.sync()
        await phone.entries.write(None, "Sunday.")
        await phone.sync()
        await laptop.sync()
        await quiet_phone(state)
        await laptop.entries.edit(entry.id, append=" About my brother's drinking.")
        await laptop.entries.delete(entry.id)
        await laptop.sync()
        state.delay()
        tom = await signup("tom")
        await share_with(phone, tom, role="annotate")
        state.deliver()
        await settle(laptop, phone, tom)
        assert [e.body for e in await tom.entries.list()] == ["Sunday."]
        assert (await tom.sync()).problems == []
        held = await tom.replica.store.document(bytes.fromhex(entry.id))
        assert held is not None  # the share's snapshot: the entry was live on the phone
        assert entry_view(stored_document(held)).body == "Monday."
        assert b"drinking" not in held.state
        assert [e.id for e in await phone.entries.trash()] == [entry.id]


async def test_r43_a_late_record_pulled_by_a_sync_cut_short_is_carried_by_the_next(
    hostile: HostileServer, signup: ClientFactory, tmp_path: Path
) -> None:
    """The carry is decided from what the device stored with the late record, not from its
    memory: a pull that ends without the sync's carry (here the pull an owner device makes
    before a change of access, which carries nothing, and the app closed after it) leaves
    the late trash kept, and the next sync, in a new process, carries it to tom."""
    async with race(hostile, signup, tmp_path) as state:
        laptop, phone = state.laptop, state.phone
        entry = await laptop.entries.write(None, "Monday.", title="Hard day")
        await laptop.sync()
        await quiet_phone(state)
        await laptop.entries.delete(entry.id)
        await laptop.sync()
        state.delay()
        tom = await signup("tom")
        await share_with(phone, tom, role="annotate")
        state.deliver()
        await phone.replica.take_in_writes()  # the trash pulled, nothing carried
        assert [e.id for e in await phone.entries.trash()] == [entry.id]
        await phone.close()
        async with await Client.open(phone.home) as again:
            await settle(laptop, again, tom)
            assert [e.id for e in await again.entries.trash()] == [entry.id]
        assert await tom.entries.list() == []


async def test_r43_a_late_trash_the_server_withholds_for_ever_is_reported_not_hidden(
    hostile: HostileServer, signup: ClientFactory, tmp_path: Path
) -> None:
    """The server may keep the late trash from every device but the laptop for good: no
    device can carry what it never gets, and tom reads the entry as if it had never been
    trashed (what the phone shows too). That is a withheld record, and it is reported as
    one: no record sealed for tom covers the trash's counter. The phone's boundary did not
    hold it, and the laptop's records since, its offline entry sealed again after the share
    included (a snapshot whose covers state every counter the laptop accounts for, its own
    trash among them before R43 F2's fix), leave it out: tom's and the phone's syncs name
    the laptop's device as withholding."""
    async with race(hostile, signup, tmp_path) as state:
        laptop, phone = state.laptop, state.phone
        entry = await laptop.entries.write(None, "Monday.", title="Hard day")
        await laptop.sync()
        await quiet_phone(state)
        await laptop.entries.delete(entry.id)
        trash = {r.record_id for r in await laptop.store.outbox()}
        await laptop.sync()
        hostile.replies["/v1/sync"] = hiding(trash)  # for good, to the phone and tom
        await laptop.entries.write(None, "Tuesday.")  # offline: sealed again after the share
        tom = await Client.signup(
            hostile.url, "tom", PASSWORD, home=tmp_path / "tom", kdf_cost=INSECURE_TEST_COST
        )
        try:
            await share_with(phone, tom, role="annotate")
            await settle(laptop, phone, tom)
            listed = sorted(e.body for e in await tom.entries.list())
            assert listed == ["Monday.", "Tuesday."]  # Monday as if never trashed
            assert entry.id in [e.id for e in await phone.entries.list()]
            for device in (phone, tom):
                report = await device.sync()
                assert [(g.device, g.missing) for g in report.withheld] == [
                    (laptop.replica.profile.device_id, ((2, 2),))
                ], report.withheld
        finally:
            await tom.close()


async def test_r43_a_device_kept_from_the_shares_boundary_carries_no_history(
    hostile: HostileServer, signup: ClientFactory, login: ClientFactory, tmp_path: Path
) -> None:
    """What decides a carry is a cover the owner signed at the cut, never the server's
    silence: a new device of the owner, served the history from before a share and nothing
    sealed since (the boundary withheld), seals and pushes nothing, although every record it
    pulled is from before the cut and none is covered there."""
    laptop = await signup("ana", "laptop")
    for day in ("Monday.", "Tuesday."):
        await laptop.entries.write(None, day)
    await laptop.sync()
    tom = await signup("tom")
    await share_with(laptop, tom, role="annotate")
    await laptop.sync()
    [journal] = [j for j in await laptop.store.journals() if j.name == "Personal"]
    cut = journal.epoch

    def before_the_cut(_: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.SyncReply, reply)
        pages = [replace(p, records=[r for r in p.records if r.epoch < cut]) for p in real.pages]
        return wire.encode(wire.SyncReply(pages, real.done, real.next_journal))

    hostile.replies["/v1/sync"] = before_the_cut
    tablet = await Client.login(
        hostile.url,
        "ana",
        PASSWORD,
        home=tmp_path / "ana-tablet-via-proxy",
        device_name="tablet",
        minimum_cost=INSECURE_TEST_COST,
    )
    try:
        await tablet.sync()
        await tablet.sync()
        assert sorted(e.body for e in await tablet.entries.list()) == ["Monday.", "Tuesday."]
        assert await tablet.store.outbox() == []
        assert hostile.bodies("/v1/records/push") == []
    finally:
        await tablet.close()
    await tom.sync()
    assert sorted(e.body for e in await tom.entries.list()) == ["Monday.", "Tuesday."]


async def test_r43_a_shared_journal_deleted_leaves_no_cover_of_its_cut_naming_it(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """What a device keeps to tell late records (the covers of a journal's cut, and late
    records not carried yet) names the journal: it goes with the journal, so a journal
    deleted leaves no row of the store naming it (R38 G1)."""
    ana = await signup("ana", "laptop")
    created = await ana.journals.create("Diary")
    diary = bytes.fromhex(created.id)
    await ana.entries.write("Diary", "Monday.")
    await ana.sync()
    tom = await signup("tom")
    await share_with(ana, tom, role="annotate", journal="Diary")
    await ana.sync()
    store = ana.replica.store
    assert await store.setting(f"cut-covers:{diary.hex()}") is not None  # kept at the share
    await ana.journals.delete("Diary")
    await ana.sync()
    with closing(sqlite3.connect(ana.home / STORE_FILE)) as db:
        named = [
            row
            for row in db.execute("SELECT name, value FROM settings")
            if any(isinstance(v, str) and diary.hex() in v for v in row)
        ]
    assert named == []
