"""Records written by a newer version of the app (protocol.md 4.15, "Newer body versions"):
an older device keeps them, counts them as received and says once that the app should be
updated; after the update it reads them from its own store, the server not asked again. And
what a hostile server, or a member with it, could try with a newer version: forge one,
replay one elsewhere, hide another device's records behind one, reuse a counter, pass one
off as this device's. Against a real server on 127.0.0.1, whose database a test edits as a
compromised server could."""

from __future__ import annotations

import contextlib
import sqlite3

import pytest

from client_sdk import Client, crypto, records, wire
from client_sdk.errors import NetworkError, UpdateNeeded
from client_sdk.transport import NO_RETRY
from client_sdk.withholding import Cover
from tests.client.sharing_support import rows, server_db, share_with
from tests.client.test_integrity import insert_record
from tests.client.test_withholding import drop_record, gap_of, journal_seqs, personal
from tests.conftest import ClientFactory, RunningServer
from tests.newer_version import NEWER, seal_newer, teach_newer


async def write_newer(
    client: Client, text: str, version: int = NEWER, journal: str | None = None
) -> tuple[bytes, bytes]:
    """An entry written as a newer app would, in `journal` (the personal one unless told): its
    record in the outbox sealed again with body version `version` (same id, counter and
    content). Returns (record id, ciphertext)."""
    entry = await client.entries.write(journal, text)
    [record] = [r for r in await client.store.outbox() if r.doc_id == bytes.fromhex(entry.id)]
    journal = await client.context.local_journal(record.journal_id.hex())
    key = await client.replica.journal_key(journal, record.epoch)
    body = records.open_record(
        key,
        record.journal_id,
        record.record_id,
        record.epoch,
        record.ciphertext,
        lambda _: client.profile.secrets.sign_public_key,
    )
    ciphertext = seal_newer(
        key,
        record.journal_id,
        record.record_id,
        record.epoch,
        body,
        client.profile.secrets.signing_key,
        version,
    )
    async with client.store.transaction() as tx:
        await tx.reseal_outbox(record.position, record.epoch, ciphertext)
    return record.record_id, ciphertext


async def bodies(client: Client) -> list[str]:
    return [entry.body for entry in await client.entries.list()]


async def test_a_newer_record_is_kept_without_alarm_then_read_after_the_update_offline(
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    laptop = await signup("ana")
    await laptop.entries.write(None, "before")
    await laptop.sync(strict=True)
    phone = await login("ana")
    await phone.sync(strict=True)
    await write_newer(laptop, "from the newer app")
    await laptop.sync(strict=True)
    await laptop.entries.write(None, "after it")  # the laptop's next counter, and its claims
    await laptop.sync(strict=True)

    report = await phone.sync(strict=True)  # strict: a "withheld" alarm would raise
    journal = await personal(laptop)
    assert (report.problems, report.refused, report.withheld) == ([], 0, [])
    assert [(n.journal_id, n.count, n.version, n.reads) for n in report.newer] == [
        (journal, 1, NEWER, records.ZSTD_VERSION)
    ]
    said = str(report.newer[0])
    assert "newer version of the app" in said and "update" in said
    assert not any(word in said for word in ("tamper", "forged", "refused", "withheld"))
    assert report.to_dict()["newer"] == [n.to_dict() for n in report.newer]
    assert sorted(await bodies(phone)) == ["after it", "before"]
    assert len(await phone.store.parked()) == 1
    assert await phone.waiting_for_update() == report.newer  # for as long as it holds

    again = await phone.sync(strict=True)
    assert (again.newer, again.withheld, again.problems) == ([], [], [])  # told once

    teach_newer(monkeypatch)  # the app's update, which reads version 5
    home = phone.home
    await phone.close()
    await live_server.server.close()  # the update reads the record kept: no server needed
    upgraded = await Client.open(home)
    try:
        with pytest.raises(NetworkError):
            await upgraded.sync(retry=NO_RETRY)
        assert sorted(await bodies(upgraded)) == ["after it", "before", "from the newer app"]
        assert await upgraded.store.parked() == []
        assert await upgraded.waiting_for_update() == []
    finally:
        await upgraded.close()


async def test_after_the_update_the_newer_record_arrives_as_news_and_counts_stay_whole(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    laptop = await signup("ana")
    phone = await login("ana")
    await write_newer(laptop, "one")
    await write_newer(laptop, "two")
    await laptop.sync(strict=True)
    first = await phone.sync(strict=True)
    assert [n.count for n in first.newer] == [2]

    teach_newer(monkeypatch)
    home = phone.home
    await phone.close()
    upgraded = await Client.open(home)
    try:
        assert await upgraded.waiting_for_update() == []  # read at the next sync: no notice
        report = await upgraded.sync(strict=True)
        assert (report.problems, report.withheld, report.newer) == ([], [], [])
        assert report.pulled == 2 and [str(n) for n in report.news] == ["2 new entries from laptop"]
        assert sorted(await bodies(upgraded)) == ["one", "two"]
        await upgraded.entries.write(None, "three")
        await upgraded.sync(strict=True)
        assert (await laptop.sync(strict=True)).withheld == []  # its seen vector is true
        assert sorted(await bodies(laptop)) == ["one", "three", "two"]
    finally:
        await upgraded.close()


async def test_a_newer_record_replayed_under_another_id_fails_its_associated_data(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """The server serves a kept record's ciphertext again under another record id (pushed
    here as an opaque blob, as the server could store it): the AD names the id, so it fails
    like any moved record, and it is neither kept nor counted."""
    laptop = await signup("ana")
    phone = await login("ana")
    _, ciphertext = await write_newer(laptop, "once")
    await laptop.sync(strict=True)
    journal = await personal(laptop)
    local = await laptop.context.local_journal(journal.hex())
    replayed = crypto.random_bytes(16)
    await laptop.transport.call(
        "/v1/records/push",
        wire.PushRequest(journal, [wire.RecordUpload(replayed, local.epoch, ciphertext)]),
        wire.PushReply,
    )
    report = await phone.sync()
    assert report.refused == 1 and any(replayed.hex() in p for p in report.problems)
    assert [n.count for n in report.newer] == [1]
    assert [r.record_id for r in await phone.store.parked()] != [replayed]
    assert len(await phone.store.parked()) == 1


async def test_a_newer_record_under_this_devices_id_is_refused_not_kept(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """A newer version cannot pass another device's record off as this device's (to move
    its counters): the same check as for any record."""
    laptop = await signup("ana")
    phone = await login("ana")
    journal = await personal(laptop)
    local = await laptop.context.local_journal(journal.hex())
    key = await laptop.replica.journal_key(local, local.epoch)
    body = records.RecordBody(
        laptop.profile.account_id,
        phone.profile.device_id,
        1,
        crypto.random_bytes(16),
        "entry",
        records.UPDATE,
        b"",
        1,
    )
    record_id = crypto.random_bytes(16)
    sealed = seal_newer(
        key, journal, record_id, local.epoch, body, laptop.profile.secrets.signing_key
    )
    await laptop.transport.call(
        "/v1/records/push",
        wire.PushRequest(journal, [wire.RecordUpload(record_id, local.epoch, sealed)]),
        wire.PushReply,
    )
    report = await phone.sync()
    assert any(record_id.hex() in p and "same id" in p for p in report.problems)
    assert report.newer == [] and await phone.store.parked() == []


async def member_record(
    member: Client, journal: bytes, version: int, body: records.RecordBody
) -> wire.RecordUpload:
    local = await member.context.local_journal(journal.hex())
    key = await member.replica.journal_key(local, local.epoch)
    record_id = crypto.random_bytes(16)
    signing_key = member.profile.secrets.signing_key
    ciphertext = seal_newer(key, journal, record_id, local.epoch, body, signing_key, version)
    return wire.RecordUpload(record_id, local.epoch, ciphertext)


async def test_a_members_version_99_record_hides_no_one_elses_records(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    """A member writes "version 99" records whose unread rest claims to cover the owner's
    record the server drops: kept, but its claims are never read, so the dropped record is
    still reported; a second one reusing its counter is refused. A member can only hide its
    own writing this way, as with records nobody can read."""
    laptop = await signup("ana")
    tom = await signup("tom")
    await laptop.entries.write(None, "one")
    await laptop.sync(strict=True)
    await share_with(laptop, tom, role="annotate")
    await tom.sync(strict=True)
    journal = await personal(laptop)
    await laptop.entries.write(None, "hidden")
    await laptop.sync(strict=True)
    await laptop.entries.write(None, "after")
    await laptop.sync(strict=True)
    hidden_seq = journal_seqs(live_server, journal)[-2]
    [(hidden_id,)] = rows(
        server_db(live_server), "SELECT record_id FROM records WHERE seq = ?", hidden_seq
    )
    hidden_counter = await laptop.store.seen_counters(journal, [bytes(hidden_id)])
    counter = hidden_counter[bytes(hidden_id)]
    assert counter is not None
    body = records.RecordBody(
        tom.profile.account_id,
        tom.profile.device_id,
        1,
        crypto.random_bytes(16),
        "note",
        records.UPDATE,
        b"",
        1,
        covers=(Cover(laptop.profile.account_id, laptop.profile.device_id, ((1, 99),)),),
    )
    uploads = [await member_record(tom, journal, 99, body) for _ in range(2)]
    await tom.transport.call("/v1/records/push", wire.PushRequest(journal, uploads), wire.PushReply)
    drop_record(live_server, hidden_seq)

    phone = await login("ana")
    report = await phone.sync()
    assert [(n.count, n.version) for n in report.newer] == [(1, 99)]
    assert report.refused == 1 and any(
        uploads[1].record_id.hex() in p and "reuses counter" in p for p in report.problems
    )
    assert report.withheld == [gap_of(laptop, journal, ((counter[2], counter[2]),))]


async def test_a_read_only_members_newer_record_the_server_stores_is_refused_not_kept(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    """A member who may only read seals a "newer version" record, and the server stores it
    (the server refuses such a push; a hostile one need not): the author may not write in the
    journal, so it is refused and reported, as a version 2 record would be, and not kept."""
    laptop = await signup("ana")
    reader = await signup("rita")
    await share_with(laptop, reader, role="read")
    await reader.sync(strict=True)
    journal = await personal(laptop)
    body = records.RecordBody(
        reader.profile.account_id,
        reader.profile.device_id,
        1,
        crypto.random_bytes(16),
        "note",
        records.UPDATE,
        b"",
        1,
    )
    upload = await member_record(reader, journal, NEWER, body)
    with contextlib.closing(sqlite3.connect(server_db(live_server))) as db, db:
        insert_record(db, journal, upload.record_id, upload.ciphertext, reader.profile.account_id)
        db.execute(
            "UPDATE records SET epoch = ? WHERE record_id = ?", (upload.epoch, upload.record_id)
        )

    phone = await login("ana")
    report = await phone.sync()
    assert report.refused == 1 and any(
        upload.record_id.hex() in p and "may not write" in p for p in report.problems
    )
    assert report.newer == [] and await phone.store.parked() == []


async def test_no_head_code_and_no_new_share_while_newer_records_wait_then_both_work(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A head code without the records kept would differ from a device that reads them (a
    false "the server showed you another history"), and a new member's snapshots would leave
    them out for good: both wait for the update, with a clear error and nothing changed."""
    laptop = await signup("ana")
    tom = await signup("tom")
    phone = await login("ana")
    await write_newer(laptop, "from the newer app")
    await laptop.sync(strict=True)
    await phone.sync(strict=True)
    with pytest.raises(UpdateNeeded, match="newer version of the app.*update the app"):
        await phone.journals.verify_head("Personal")
    chain = len((await phone.store.access_entries())[await personal(phone)])
    with pytest.raises(UpdateNeeded, match="share it with someone new"):
        await share_with(phone, tom)
    await phone.sync(strict=True)
    assert len((await phone.store.access_entries())[await personal(phone)]) == chain

    teach_newer(monkeypatch)
    home = phone.home
    await phone.close()
    upgraded = await Client.open(home)
    try:
        await upgraded.sync(strict=True)
        assert await upgraded.journals.verify_head("Personal") == await laptop.journals.verify_head(
            "Personal"
        )
        await share_with(upgraded, tom)
        await tom.sync(strict=True)
        assert "from the newer app" in [e.body for e in await tom.entries.list()]
    finally:
        await upgraded.close()
