"""Records whose payload travels compressed (protocol.md 4.15, "Compressed payloads"), end to
end against a real server on 127.0.0.1 with real crypto: what the server stores is version 3
(Zstandard) for an entry, records an older SDK wrote in zlib still read, and every way a device reads a payload reads it (a fresh device's pull,
a compaction's snapshot, a new member's fresh snapshots); an answer to a therapist's prompt
is not compressed; a member's decompression bomb is refused and reported, the rest kept."""

from __future__ import annotations

import dataclasses
import zlib

import msgpack
import pytest
import zstandard

from client_sdk import Client, crypto, keys, records, wire
from client_sdk.models import now_ms
from tests.client.sharing_support import journal_id, rows, server_db, share_with
from tests.client.test_hostile_sync import push
from tests.conftest import ClientFactory, RunningServer
from tests.newer_version import seal_encoded

NOTE = (
    "An honest note: we talked about sleep, the walks by the river and what helps on bad "
    "days. Keep the walks; note the days you sleep better and what you did the evening before, "
    "and bring the notes next time."
)
TEXT = (
    "Walked to the river after work and sat on the bench by the bridge for a while. "
    "The water was high and loud, and I noticed I was breathing more slowly. "
) * 4


def member_note(
    member: Client,
    journal: bytes,
    epoch: int,
    key: bytes,
    counter: int,
    deflated: bytes,
    encoding: int = records.ZLIB,
) -> wire.RecordUpload:
    """A note record of `member` (its `counter`-th in `journal`), body version 3 (zlib) or 4
    (Zstandard) with `deflated` as its payload in `encoding`, signed by the member and sealed under `key` of
    `epoch`: what a malicious member pushes (whatever `deflated` inflates to)."""
    version = records.ZSTD_VERSION if encoding == records.ZSTD else records.COMPRESSED_VERSION
    fields = [
        version, member.profile.account_id, member.profile.device_id, counter,
        keys.new_doc_id(member.profile.account_id), "note", records.UPDATE, deflated, now_ms(),
        [], [], encoding,
    ]  # fmt: skip
    record_id = crypto.random_bytes(wire.ID_BYTES)
    encoded = msgpack.packb(fields, use_bin_type=True)
    signing_key = member.profile.secrets.signing_key
    ciphertext = seal_encoded(key, journal, record_id, epoch, encoded, signing_key)
    return wire.RecordUpload(record_id, epoch, ciphertext)


async def stored_bodies(
    owner: Client, server: RunningServer, journal: bytes, leave_out: frozenset[bytes] = frozenset()
) -> list[tuple[int, records.RecordBody]]:
    """The records of `journal` the server holds but `leave_out` (ids), opened with the
    owner's keys, with their epochs."""
    local = await owner.context.local_journal(journal.hex())
    found = rows(
        server_db(server),
        "SELECT record_id, epoch, ciphertext FROM records WHERE journal_id = ? ORDER BY seq",
        journal,
    )
    opened = []
    for record_id, epoch, ciphertext in found:
        if record_id in leave_out:
            continue
        key = await owner.replica.journal_key(local, epoch)
        signers = owner.replica._signers(local)
        opened.append(
            (epoch, records.open_record(key, journal, record_id, epoch, ciphertext, signers))
        )
    return opened


async def test_entries_travel_compressed_and_every_reader_reads_them(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    laptop = await signup("ana")
    laptop.replica.compact_after = 3
    entry = await laptop.entries.write(None, TEXT, title="By the river", mood=6)
    await laptop.sync(strict=True)
    journal = await journal_id(laptop, "Personal")
    [created] = [
        b for _, b in await stored_bodies(laptop, live_server, journal) if b.doc_kind == "entry"
    ]
    assert created.compress and created.encoding == records.ZSTD
    assert created.kind == records.UPDATE
    plain = dataclasses.replace(created, compress=False)
    assert len(created.to_bytes()) < len(plain.to_bytes()) - 256  # the text deflates

    phone = await login("ana", device="phone")  # a fresh device: the fast reader of new documents
    await phone.sync(strict=True)
    assert (await phone.entries.get(entry.id)).body == TEXT

    for n in range(4):  # enough updates for a compaction
        await laptop.entries.edit(entry.id, append=f" Then it rained, {n}.")
        await laptop.sync(strict=True)
    expected = (await laptop.entries.get(entry.id)).body
    snapshots = [
        b
        for _, b in await stored_bodies(laptop, live_server, journal)
        if b.kind == records.SNAPSHOT and b.doc_id == bytes.fromhex(entry.id)
    ]
    assert snapshots and all(b.compress for b in snapshots)
    desktop = await login("ana", device="desktop")
    await desktop.sync(strict=True)
    await phone.sync(strict=True)
    assert (await desktop.entries.get(entry.id)).body == expected
    assert (await phone.entries.get(entry.id)).body == expected

    tom = await signup("tom")
    before = max(epoch for epoch, _ in await stored_bodies(laptop, live_server, journal))
    await share_with(laptop, tom, role="read")  # a new epoch: fresh snapshots, compressed
    await laptop.sync(strict=True)
    await tom.sync(strict=True)
    fresh = [
        b
        for epoch, b in await stored_bodies(laptop, live_server, journal)
        if epoch > before and b.kind == records.SNAPSHOT and b.doc_id == bytes.fromhex(entry.id)
    ]
    assert len(fresh) == 1 and fresh[0].compress
    assert [e.body for e in await tom.entries.list()] == [expected]


async def test_an_answer_to_a_therapists_prompt_is_not_compressed(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    """Its title is the prompt's text, which the therapist chose: beside the client's own
    words in one compressed payload, the compressed size would say how much the answer
    shares with it (protocol.md 4.15, "Compressed payloads"). The therapist's prompt and the
    client's other entries travel compressed."""
    ana, tom = await signup("ana"), await signup("tom")
    await ana.sync(strict=True)
    await share_with(ana, tom, role="annotate")
    await tom.sync(strict=True)
    await tom.notes.add(
        "ana/Personal", "What did you notice about your breathing " * 4, kind="prompt"
    )
    await tom.sync(strict=True)
    await ana.sync(strict=True)
    prompt = (await ana.prompts.list())[0]
    answer = await ana.entries.write(None, TEXT, prompt_id=prompt.id)
    other = await ana.entries.write(None, TEXT)
    await ana.sync(strict=True)
    journal = await journal_id(ana, "Personal")
    compressed = {
        b.doc_id.hex(): b.compress for _, b in await stored_bodies(ana, live_server, journal)
    }
    assert compressed[answer.id] is False and compressed[other.id] is True
    assert compressed[prompt.id] is True  # the therapist's own words only


async def test_entry_copies_kept_for_a_member_are_not_compressed(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    """A field-level share's copy of an entry carries its title but not its `prompt_id`: the
    title of an answer to a therapist's prompt is that therapist's text. Copies of entries in
    a journal kept for a member are sealed uncompressed (the member reads them whole
    anyway); the entries themselves are compressed as usual."""
    ana, ben = await signup("ana"), await signup("ben")
    await share_with(ana, ben, only=["title", "body"])
    entry = await ana.entries.write(None, TEXT, title="By the river")
    later = await ana.entries.write(None, TEXT + " Later.", title="Later")
    await ana.sync(strict=True)
    await ben.sync(strict=True)
    journals = await ana.store.journals()
    [kept] = [j for j in journals if ana.replica.is_disclosure(j)]
    copies = await stored_bodies(ana, live_server, kept.journal_id)
    entries = [b for _, b in copies if b.doc_kind == "entry"]
    assert len(entries) == 2 and not any(b.compress for b in entries)
    personal = await journal_id(ana, "Personal")
    originals = {
        b.doc_id.hex() for _, b in await stored_bodies(ana, live_server, personal) if b.compress
    }
    assert {entry.id, later.id} <= originals
    assert sorted(e.body for e in await ben.entries.list()) == sorted([TEXT, TEXT + " Later."])


def zstd_bombs() -> list[bytes]:
    """Zstandard frames a member may sign that a reader must refuse without holding what they
    claim: one naming 64 MiB of content (about 2 KB), one naming no content size (a
    streaming frame, 64 MiB), one of 256 KiB + 1 zeros."""
    compressor = zstandard.ZstdCompressor(level=19)
    named = compressor.compress(bytes(64 << 20))
    streaming = compressor.compressobj()
    unnamed = streaming.compress(bytes(64 << 20)) + streaming.flush()
    assert zstandard.frame_content_size(unnamed) == -1
    over = compressor.compress(bytes(records.MAX_PAYLOAD_BYTES + 1))
    return [named, unnamed, over]


@pytest.mark.parametrize("encoding", [records.ZLIB, records.ZSTD], ids=["zlib", "zstd"])
async def test_a_members_decompression_bomb_is_refused_and_the_rest_kept(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer, encoding: int
) -> None:
    """A malicious annotating member signs notes whose compressed payloads (at most about
    64 KB) inflate to 64 MiB, and garbage that is neither zlib nor Zstandard. The owner's new
    device inflates no more than 256 KiB + 1 of any (a Zstandard frame: nothing past what its
    header names, within the bound), refuses them all as malformed records (reported by id),
    and keeps its entry and the member's honest, compressed note."""
    ana, tom = await signup("ana"), await signup("tom")
    await ana.entries.write("Personal", "A private thought.")
    await ana.sync(strict=True)
    await share_with(ana, tom, role="annotate")
    await tom.sync(strict=True)
    await tom.notes.add("ana/Personal", NOTE)
    await tom.sync(strict=True)
    personal = await journal_id(ana, "Personal")
    local = await tom.context.local_journal("ana/Personal")
    key = await tom.replica.journal_key(local, local.epoch)
    if encoding == records.ZLIB:
        inflater = zlib.compressobj(9)
        bombs = [b"".join(inflater.compress(bytes(1 << 20)) for _ in range(64)) + inflater.flush()]
    else:
        bombs = zstd_bombs()
    assert all(len(bomb) < 100_000 for bomb in bombs)  # records the server takes
    uploads = []
    for counter, deflated in enumerate([*bombs, b"neither zlib nor zstd at all"], start=2):
        uploads.append(member_note(tom, personal, local.epoch, key, counter, deflated, encoding))
    await push(tom, personal, *uploads)

    phone = await login("ana", device="phone")
    report = await phone.sync()
    assert report.refused == len(uploads)
    for upload in uploads:
        assert any(
            upload.record_id.hex() in p and "malformed compressed payload" in p
            for p in report.problems
        ), report.problems
    assert [e.body for e in await phone.entries.list()] == ["A private thought."]
    assert [n.text for n in await phone.notes.list("Personal")] == [NOTE]
    bombs = frozenset(upload.record_id for upload in uploads)
    personal_bodies = await stored_bodies(ana, live_server, personal, bombs)
    assert [b.compress for _, b in personal_bodies if b.doc_kind == "note"] == [True]


async def test_records_an_older_sdk_wrote_in_zlib_read_beside_zstd_ones(
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A journal written first by an SDK from before Zstandard (zlib, encoding 1), then by
    this one (encoding 2): a fresh device pulls both kinds (the zlib ones inflated in the
    signature helper, the Zstandard ones on the app's thread) and reads every entry; an edit
    of an old entry travels in Zstandard."""
    laptop = await signup("ana")
    monkeypatch.setattr(records, "WRITE_ENCODING", records.ZLIB)
    old = [await laptop.entries.write(None, f"{TEXT} Old {i}.") for i in range(3)]
    await laptop.sync(strict=True)
    monkeypatch.setattr(records, "WRITE_ENCODING", records.ZSTD)
    new = [await laptop.entries.write(None, f"{TEXT} New {i}.") for i in range(3)]
    await laptop.entries.edit(old[0].id, append=f"Edited later. {TEXT}")  # compresses
    await laptop.sync(strict=True)
    journal = await journal_id(laptop, "Personal")
    encodings = [
        (b.doc_id.hex(), b.encoding)
        for _, b in await stored_bodies(laptop, live_server, journal)
        if b.doc_kind == "entry"
    ]
    assert [e for d, e in encodings if d in {x.id for x in new}] == [records.ZSTD] * 3
    assert [e for d, e in encodings if d == old[0].id] == [records.ZLIB, records.ZSTD]
    assert [e for d, e in encodings if d in {old[1].id, old[2].id}] == [records.ZLIB] * 2

    phone = await login("ana", device="phone")
    await phone.sync(strict=True)
    bodies = {e.id: e.body for e in await phone.entries.list()}
    assert bodies == {e.id: (await laptop.entries.get(e.id)).body for e in old + new}
    assert bodies[old[0].id] == f"{TEXT} Old 0. Edited later. {TEXT}"
