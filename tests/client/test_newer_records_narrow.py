"""Records of a newer body version after R20's review (protocol.md 4.15): what they block
is only what needs them (the owner's records), the head code counts a member's kept
records so that an older and an updated device agree, kept records are re-opened page by
page, the checks that guard verify-head and sharing read no ciphertext (nor anything while
nothing changed), and two processes re-opening at once announce each record once. Against
a real server on 127.0.0.1 with real crypto."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from client_sdk import Client, records, replica
from client_sdk import sync as sync_plan
from client_sdk.errors import UpdateNeeded
from client_sdk.store import ParkedRecord
from tests.client.sharing_support import share_with
from tests.client.test_newer_records import bodies, write_newer
from tests.client.test_review20_newer import reseal_outbox_as
from tests.conftest import ClientFactory
from tests.newer_version import NEWER, seal_newer, teach_newer


async def test_an_older_and_an_updated_owner_device_agree_on_the_head_code_with_a_members_newer_note(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """tom's app writes version 5 notes. ana's phone (reads versions 2 to 4) keeps tom's note
    unread; ana's new laptop (reads version 5) applies it. The head code counts tom's note
    by id on both: the codes agree, and neither refuses."""
    ana, tom = await signup("ana"), await signup("tom")
    await ana.entries.write("Personal", "one")
    await ana.sync(strict=True)
    await share_with(ana, tom, role="annotate")
    await tom.sync(strict=True)
    await tom.notes.add("ana/Personal", "a note from a newer app", kind="note")
    assert len(await reseal_outbox_as(tom, NEWER)) == 1
    await tom.sync(strict=True)
    assert [(n.count, n.version) for n in (await ana.sync(strict=True)).newer] == [(1, NEWER)]
    older = await ana.journals.verify_head("Personal")
    teach_newer(monkeypatch)
    laptop = await login("ana")
    report = await laptop.sync(strict=True)
    assert (report.problems, report.newer) == ([], [])
    assert [n.text for n in await laptop.notes.list("Personal")] == ["a note from a newer app"]
    assert await laptop.journals.verify_head("Personal") == older


async def test_sharing_some_fields_and_a_result_wait_for_the_update_like_one_entry(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """R20 F4, the other copies for someone else: a field-level share of the journal (its
    mirror copies entries) and sharing one questionnaire result are refused while the
    owner's newer changes of the journal wait unread, and nothing is shared."""
    laptop = await signup("ana")
    tom = await signup("tom")
    phone = await login("ana")
    taken = await phone.measures.take("phq9", [0] * 9, journal="Personal")
    await phone.sync(strict=True)
    await write_newer(laptop, "from the newer app")
    await laptop.sync(strict=True)
    assert [n.count for n in (await phone.sync(strict=True)).newer] == [1]
    fingerprint = await tom.shares.fingerprint()
    with pytest.raises(UpdateNeeded, match="update the app.*share part of it"):
        await phone.shares.grant("Personal", "tom", fingerprint=fingerprint, only=["mood"])
    with pytest.raises(UpdateNeeded, match="update the app.*share a result of it"):
        await phone.measures.share(taken.result.id, "tom", fingerprint=fingerprint)
    assert await phone.shares.list() == []
    await tom.sync(strict=True)
    assert await tom.measures.list() == [] and await tom.entries.list() == []


async def test_kept_records_are_reopened_page_by_page(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """R20 F5: re-opening never holds more than one page of kept ciphertexts (here a page
    of 2), and every kept record is read."""
    laptop = await signup("ana")
    phone = await login("ana")
    for i in range(5):
        await write_newer(laptop, f"newer {i}")
    await laptop.sync(strict=True)
    assert [n.count for n in (await phone.sync(strict=True)).newer] == [5]
    teach_newer(monkeypatch)
    monkeypatch.setattr(replica, "PULL_PAGE", 2)
    home = phone.home
    await phone.close()
    upgraded = await Client.open(home)
    try:
        read = upgraded.store.parked
        sizes: list[int] = []

        async def counted(*args: object, **kwargs: object) -> list[ParkedRecord]:
            rows = await read(*args, **kwargs)  # type: ignore[arg-type]
            sizes.append(len(rows))
            return rows

        monkeypatch.setattr(upgraded.store, "parked", counted)
        report = await upgraded.sync(strict=True)
        assert report.problems == []
        assert sorted(await bodies(upgraded)) == [f"newer {i}" for i in range(5)]
        assert sizes and max(sizes) <= 2 and sum(sizes) == 5
        assert await read() == []
    finally:
        await upgraded.close()


async def test_kept_records_are_reopened_within_a_replys_bytes(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """rev-zip Z2: a page of kept records opened again holds no more ciphertext than a pull
    reply a device opens (sync.REPLY_BYTES, at least one record), so their payloads inflate
    to at most 32 MiB at once; here a budget of one byte opens them one at a time, and a
    pull whose every reply is cut so still reads everything."""
    laptop = await signup("ana")
    phone = await login("ana")
    for i in range(3):
        await write_newer(laptop, f"newer {i}")
    await laptop.sync(strict=True)
    assert [n.count for n in (await phone.sync(strict=True)).newer] == [3]
    await laptop.entries.write(None, "after")
    await laptop.entries.write(None, "and after")
    await laptop.sync(strict=True)
    teach_newer(monkeypatch)
    monkeypatch.setattr(sync_plan, "REPLY_BYTES", 1)
    home = phone.home
    await phone.close()
    upgraded = await Client.open(home)
    try:
        pages: list[tuple[bool, int]] = []
        applied = replica.Replica._apply_page

        async def counted(self: replica.Replica, *args: Any, **kwargs: Any) -> int:
            pages.append((bool(kwargs.get("parked")), len(args[1].records)))
            return await applied(self, *args, **kwargs)

        monkeypatch.setattr(replica.Replica, "_apply_page", counted)
        report = await upgraded.sync(strict=True)
        assert report.problems == [] and not report.incomplete
        expected = [f"newer {i}" for i in range(3)] + ["after", "and after"]
        assert sorted(await bodies(upgraded)) == sorted(expected)
        assert [n for parked, n in pages if parked] == [1, 1, 1]
        assert [n for parked, n in pages if not parked and n] == [1, 1]
    finally:
        await upgraded.close()


async def test_verify_head_and_the_notice_read_no_kept_ciphertext(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """R20 F5: the refusal and `waiting_for_update` count kept records without reading
    their ciphertexts (Store.parked is never called)."""
    laptop = await signup("ana")
    phone = await login("ana")
    await write_newer(laptop, "one")
    await write_newer(laptop, "two", version=99)
    await laptop.sync(strict=True)
    await phone.sync(strict=True)

    async def refuse(*args: object, **kwargs: object) -> list[ParkedRecord]:
        raise AssertionError("kept ciphertexts read")

    monkeypatch.setattr(phone.store, "parked", refuse)
    with pytest.raises(UpdateNeeded, match="2 changes its owner wrote.*format 99"):
        await phone.journals.verify_head("Personal")
    assert [(n.count, n.version) for n in await phone.waiting_for_update()] == [(2, 99)]


async def test_the_kept_versions_are_read_again_only_once_the_table_changed(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """R20 F2: the check that runs before every head code, share and sync that is not quiet
    reads `parked_records` once, then not again while that table is unchanged; a record
    another process keeps (a commit of another connection) is seen at the next check."""
    laptop = await signup("ana")
    phone = await login("ana")
    await phone.sync(strict=True)
    statements: list[str] = []

    def trace(db: sqlite3.Connection) -> None:
        db.set_trace_callback(statements.append)

    await phone.store._db.run(trace)
    for _ in range(2):  # read by the sync already: no statement on the table
        assert await phone.store.parked_versions() == frozenset()
    assert not any("parked_records" in s for s in statements)
    other = await Client.open(phone.home)  # another process of the profile keeps one
    try:
        await write_newer(laptop, "newer")
        await laptop.sync(strict=True)
        assert [n.count for n in (await other.sync(strict=True)).newer] == [1]
    finally:
        await other.close()
    assert await phone.store.parked_versions() == frozenset({NEWER})
    assert any("parked_records" in s for s in statements)
    await phone.store._db.run(lambda db: db.set_trace_callback(None))


async def test_two_processes_reopening_the_same_records_announce_them_once(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """R20 F7: the second process read the kept record just before the first applied and
    forgot it; it applies its copy after (which changes nothing) and announces nothing: only
    the rows a re-open removes from the kept ones are its news."""
    laptop = await signup("ana")
    phone = await login("ana")
    await write_newer(laptop, "one")
    await laptop.sync(strict=True)
    await phone.sync(strict=True)
    teach_newer(monkeypatch)
    home = phone.home
    await phone.close()
    first, second = await Client.open(home), await Client.open(home)
    try:
        stale = await second.store.parked()
        assert len(stale) == 1
        report_first = await first.sync(strict=True)
        assert [str(n) for n in report_first.news] == ["1 new entry from laptop"]
        pages = [stale, []]

        async def read_before(*args: object, **kwargs: object) -> list[ParkedRecord]:
            return pages.pop(0)

        async def versions() -> frozenset[int]:
            return frozenset({NEWER})

        monkeypatch.setattr(second.store, "parked", read_before)
        monkeypatch.setattr(second.store, "parked_versions", versions)
        report_second = await second.sync(strict=True)
        assert pages == []  # it did re-open its stale copy
        assert (report_second.problems, report_second.withheld, report_second.news) == (
            [],
            [],
            [],
        )
        assert await bodies(second) == ["one"]
    finally:
        await first.close()
        await second.close()


async def reseal_document_as(client: Client, doc_id: bytes, version: int) -> int:
    """The outbox records of one document sealed again with body version `version` (same
    id, counter and content), as a newer app would have written them; returns how many."""
    resealed = 0
    for record in await client.store.outbox():
        if record.doc_id != doc_id:
            continue
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
        resealed += 1
    return resealed


async def test_a_local_edit_copies_nothing_stale_into_a_field_level_share(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """R20 F4, mirrors. ana shares the body and mood of her entries with tom. On the newer
    laptop she removes a sentence (a version 5 record of the entry; the laptop's own mirror
    copy, which tom reads, says the same). The phone holds that change unread; a local edit
    of the entry's mood there must not copy its stale body into tom's copy: the mirror waits
    (the updated app copies at the next change)."""
    laptop = await signup("ana")
    tom = await signup("tom")
    phone = await login("ana")
    await share_with(laptop, tom, only=["body", "mood"])
    entry = await laptop.entries.write("Personal", "Fine today. I told him about the bridge.")
    await laptop.sync(strict=True)
    await phone.sync(strict=True)
    await laptop.entries.edit(entry.id, body="Fine today.")
    assert await reseal_document_as(laptop, bytes.fromhex(entry.id), NEWER) == 1
    await laptop.sync(strict=True)
    assert [n.count for n in (await phone.sync(strict=True)).newer] == [1]
    await tom.sync(strict=True)
    assert [e.body for e in await tom.entries.list()] == ["Fine today."]
    await phone.entries.edit(entry.id, mood=3)
    await phone.sync(strict=True)
    await tom.sync(strict=True)
    assert [e.body for e in await tom.entries.list()] == ["Fine today."]


async def test_records_read_before_a_head_code_are_news_of_the_next_sync(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """R20 F2: the updated app asks for the head code before its first sync; the kept
    record is read first (the code is the laptop's), and the next sync announces it, once."""
    laptop = await signup("ana")
    phone = await login("ana")
    await write_newer(laptop, "from the newer app")
    await laptop.sync(strict=True)
    await phone.sync(strict=True)
    expected = await laptop.journals.verify_head("Personal")
    teach_newer(monkeypatch)
    home = phone.home
    await phone.close()
    upgraded = await Client.open(home)
    try:
        assert await upgraded.journals.verify_head("Personal") == expected
        assert await upgraded.store.parked() == []
        report = await upgraded.sync(strict=True)
        assert (report.problems, report.withheld) == ([], [])
        assert [str(n) for n in report.news] == ["1 new entry from laptop"]
        assert (await upgraded.sync(strict=True)).news == []
    finally:
        await upgraded.close()


async def test_sharing_a_brief_waits_for_the_update(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """R20 F4, briefs: a brief draws on every journal the account owns; while the owner's
    newer changes wait unread on this device it could be stale, so sharing it is refused
    (UpdateNeeded) and nothing reaches the therapist."""
    laptop = await signup("ana")
    tom = await signup("tom")
    phone = await login("ana")
    await write_newer(laptop, "from the newer app")
    await laptop.sync(strict=True)
    await phone.sync(strict=True)
    brief = await phone.briefs.prepare(journals=["Personal"])
    with pytest.raises(UpdateNeeded, match="update the app.*share a brief"):
        await phone.briefs.share(brief, "tom", fingerprint=await tom.shares.fingerprint())
    await tom.sync(strict=True)
    assert await tom.briefs.received() == []
