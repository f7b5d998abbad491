"""Records whose payload travels compressed (protocol.md 4.15, "Compressed payloads"): body
version 3, version 2's elements then `encoding` (2: Zstandard, RFC 8878, what the SDK writes;
1: zlib, RFC 1950, read), written only where that is shorter; inflated with a hard bound, so
that a member's decompression bomb or garbage is refused as a malformed record, and read back
to the same body as version 2. The zlib encoding's own rules are tested here, Zstandard's in
test_records_zstd.py."""

from __future__ import annotations

import dataclasses
import os
import random
import zlib
from typing import Any

import msgpack
import nacl.signing
import pytest
import zstandard

from client_sdk import crypto, records
from client_sdk.documents import ENTRY, Document, EntryFields, new_entry_update
from client_sdk.errors import IntegrityError
from client_sdk.records import RecordBody
from client_sdk.replica import compressible
from tests.newer_version import seal_encoded

AUTHOR = b"\xaa" * 16
DEVICE = b"\x03" * 16
JOURNAL = b"\x01" * 16
RECORD = b"\x02" * 16
KEY = b"\x07" * 32
AUTHOR_KEY = nacl.signing.SigningKey.generate()
WORDS = "river bridge water loud breathing slowly walked back slept better morning tired calm"
TEXT = " ".join(random.Random(5).choices(WORDS.split(), k=150)).encode()
"""About 1 KB of made-up diary words: zlib deflates them 3.8 times."""
SENTENCE = b"Slept better today. "


def known_author(account_id: bytes) -> bytes | None:
    return bytes(AUTHOR_KEY.verify_key) if account_id == AUTHOR else None


def a_body(payload: bytes = TEXT, *, compress: bool = True, kind: str = "update") -> RecordBody:
    return RecordBody(AUTHOR, DEVICE, 7, b"\x04" * 16, "entry", kind, payload, 1, compress=compress)


def open_it(ciphertext: bytes) -> RecordBody:
    return records.open_record(KEY, JOURNAL, RECORD, 0, ciphertext, known_author)


def sealed(body: RecordBody) -> bytes:
    return records.seal_record(KEY, JOURNAL, RECORD, 0, body, AUTHOR_KEY)


def v3_fields(deflated: object, encoding: object = records.ZLIB, **changes: Any) -> list[Any]:
    """A version 3 body's elements as a writer could sign them, with `changes` by index name."""
    fields: list[Any] = [
        3, AUTHOR, DEVICE, 7, b"\x04" * 16, "entry", "update", deflated, 1, [], [], encoding,
    ]  # fmt: skip
    for index, value in changes.items():
        fields[int(index.lstrip("_"))] = value
    return fields


def sealed_fields(fields: list[Any]) -> bytes:
    encoded = msgpack.packb(fields, use_bin_type=True)
    return seal_encoded(KEY, JOURNAL, RECORD, 0, encoded, AUTHOR_KEY)


def encoded_of(body: RecordBody) -> list[Any]:
    decoded: list[Any] = msgpack.unpackb(body.to_bytes(), raw=False)
    return decoded


def test_a_compressible_payload_travels_compressed_and_opens_to_the_same_body() -> None:
    body = a_body()
    fields = encoded_of(body)
    assert fields[0] == records.ZSTD_VERSION and fields[11] == records.ZSTD
    frame = fields[7]
    assert len(fields) == 12 and len(frame) < len(TEXT)
    assert zstandard.ZstdDecompressor().decompress(frame) == TEXT
    assert zstandard.frame_content_size(frame) == len(TEXT)  # named in its header, as required
    opened = open_it(sealed(body))
    assert opened == body and opened.payload == TEXT and opened.compress
    plain = sealed(dataclasses.replace(body, compress=False))
    assert len(sealed(body)) < len(plain)  # 840 bytes of text: 2 blocks of 256 fewer
    assert not open_it(plain).compress and open_it(plain) == body


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"\x01\x00",
        os.urandom(2000),
        (os.urandom(records.MAX_PAYLOAD_BYTES // 2).hex() + "a").encode(),
        bytes(10_000),
        SENTENCE * 15,
    ],
    ids=["empty", "short", "random", "over the bound", "zeros", "one sentence 15 times"],
)
def test_a_payload_compression_does_not_shorten_or_that_a_reader_refuses_is_version_2(
    payload: bytes,
) -> None:
    """Writers compress only where shorter, never a payload above MAX_PAYLOAD_BYTES (such a
    record stays too large to seal, as before), nor one that deflates more than
    MAX_INFLATION times (a reader would refuse both)."""
    fields = encoded_of(a_body(payload))
    assert fields[0] == records.RECORD_VERSION and len(fields) == 11 and fields[7] == payload


def test_a_payload_of_exactly_the_bound_travels_compressed_and_opens() -> None:
    """Above ZSTD_MAX_CONTENT (128 KiB), in zlib (version 3): the bound, 256 KiB, included."""
    payload = os.urandom(records.MAX_PAYLOAD_BYTES // 2).hex().encode()  # deflates 1.9 times
    fields = encoded_of(a_body(payload))
    assert (fields[0], fields[11]) == (records.COMPRESSED_VERSION, records.ZLIB)
    assert open_it(sealed(a_body(payload))).payload == payload


class SpiedInflater:
    """zlib's decompressobj, telling how many bytes each call inflated."""

    def __init__(self, inflated: list[int]) -> None:
        self._inner = ORIGINAL_INFLATER()
        self._inflated = inflated

    def decompress(self, data: bytes, max_length: int = 0) -> bytes:
        out = self._inner.decompress(data, max_length)
        self._inflated.append(len(out))
        return out

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


ORIGINAL_INFLATER = zlib.decompressobj


def test_a_decompression_bomb_is_refused_as_malformed_with_bounded_work(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A member signs a record (64 KB) whose payload inflates far past what any record may
    carry (64 MiB here; 256 KiB can inflate to about 260 MB): refused as malformed, naming
    the record, after inflating at most the bound + 1."""
    inflater = zlib.compressobj(9)
    chunk = bytes(1024 * 1024)
    bomb = b"".join(inflater.compress(chunk) for _ in range(64)) + inflater.flush()
    assert len(bomb) < 100_000
    inflated: list[int] = []
    monkeypatch.setattr(zlib, "decompressobj", lambda: SpiedInflater(inflated))
    for deflated in (bomb, zlib.compress(bytes(records.MAX_PAYLOAD_BYTES + 1), 9)):
        with pytest.raises(IntegrityError, match="malformed compressed payload") as raised:
            open_it(sealed_fields(v3_fields(deflated)))
        assert raised.value.record_id == RECORD and RECORD.hex() in str(raised.value)
    bound = records.MAX_PAYLOAD_BYTES + 1
    assert inflated == [bound, 8 * len(zlib.compress(bytes(bound), 9)) + 1]


def test_nothing_is_inflated_before_the_signature_verified(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """protocol.md 4.15 "Reading": the payload is signed compressed, so a reader verifies,
    then inflates: a record by a signer this device does not know, or whose signature fails,
    is refused as such without inflating anything (only a known signer's record costs the
    inflation), and a known signer's record then inflates as before."""
    inflated: list[int] = []
    monkeypatch.setattr(zlib, "decompressobj", lambda: SpiedInflater(inflated))
    bomb = zlib.compress(bytes(records.MAX_PAYLOAD_BYTES), 9)
    with pytest.raises(records.UnknownSigner) as unknown:
        records.open_verified(
            KEY, JOURNAL, RECORD, 0, sealed_fields(v3_fields(bomb)), lambda _: None
        )
    assert unknown.value.body.payload == bomb and unknown.value.body.compress
    other = nacl.signing.SigningKey.generate()
    forged = seal_encoded(
        KEY, JOURNAL, RECORD, 0, msgpack.packb(v3_fields(bomb), use_bin_type=True), other
    )
    with pytest.raises(IntegrityError, match="signature"):
        open_it(forged)
    assert inflated == []
    assert open_it(sealed_fields(v3_fields(GOOD))) == a_body() and len(inflated) == 1


def test_a_record_opened_for_the_signature_helper_is_inflated_only_once_verified(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The bulk pull's path (`open_unverified`, verified in the helper process, then
    `verified_body`) keeps the same order as `open_verified`: nothing is inflated before the
    signature verified, and a verified body reads exactly as `open_verified` reads it."""
    inflated: list[int] = []
    body = a_body()
    ciphertext = sealed_fields(v3_fields(GOOD))  # zlib: what the helper inflates
    unverified = records.open_unverified(KEY, JOURNAL, RECORD, 0, ciphertext, known_author)
    assert unverified is not None and unverified.body.compress
    assert unverified.body.payload != body.payload  # still compressed: not inflated
    monkeypatch.setattr(zlib, "decompressobj", lambda: SpiedInflater(inflated))
    records.open_unverified(KEY, JOURNAL, RECORD, 0, ciphertext, known_author)
    assert inflated == []
    assert records.verified_body(unverified, "record") == open_it(ciphertext) == body


def test_a_payload_that_inflates_more_than_8_times_is_refused_and_8_times_opens() -> None:
    """The ratio bound (MAX_INFLATION): what a member's records make a reader hold stays near
    what they cost it on the server."""
    twelve, thirteen = SENTENCE * 12, SENTENCE * 13
    assert 7 * len(zlib.compress(twelve)) < len(twelve) <= 8 * len(zlib.compress(twelve))
    assert len(thirteen) > 8 * len(zlib.compress(thirteen))
    assert open_it(sealed_fields(v3_fields(zlib.compress(twelve)))).payload == twelve
    with pytest.raises(IntegrityError, match="malformed compressed payload"):
        open_it(sealed_fields(v3_fields(zlib.compress(thirteen))))


def zlib_with_dictionary() -> bytes:
    compressor = zlib.compressobj(zdict=b"Slept better")
    return compressor.compress(TEXT) + compressor.flush()


def raw_deflate() -> bytes:
    compressor = zlib.compressobj(wbits=-15)
    return compressor.compress(TEXT) + compressor.flush()


def gzip_stream() -> bytes:
    compressor = zlib.compressobj(wbits=31)
    return compressor.compress(TEXT) + compressor.flush()


GOOD = zlib.compress(TEXT)


@pytest.mark.parametrize(
    "fields",
    [
        v3_fields(b"not zlib at all"),
        v3_fields(GOOD[:-1]),  # truncated: no complete stream
        v3_fields(GOOD + b"\x00"),  # a byte after the stream
        v3_fields(GOOD + GOOD),  # two streams
        v3_fields(GOOD[:-4] + bytes(4)),  # a wrong Adler-32 check
        v3_fields(raw_deflate()),  # RFC 1951 without zlib's header
        v3_fields(gzip_stream()),  # gzip, not zlib
        v3_fields(zlib_with_dictionary()),  # a preset dictionary
        v3_fields(GOOD, encoding=3),  # an encoding this version does not define
        v3_fields(GOOD, encoding=records.ZSTD),  # a zlib stream is not a Zstandard frame
        v3_fields(GOOD, encoding=True),  # a bool is not an int
        v3_fields(GOOD, encoding=1.0),  # nor is a float
        v3_fields(GOOD, encoding="zlib"),
        v3_fields(GOOD)[:11],  # version 3 without its encoding
        [*v3_fields(GOOD), 0],  # an element too many
        v3_fields("text", _7="text"),  # a payload that is not bin
        v3_fields(b"", _6="void", _4=bytes(16), _5="", _10=[[AUTHOR, DEVICE, [[1, 1]]]]),
        v3_fields(zlib.compress(b""), _6="void", _4=bytes(16), _5="", _10=[[AUTHOR, DEVICE, [[1, 1]]]]),
    ],
    ids=[
        "garbage", "truncated", "trailing byte", "two streams", "bad check", "raw deflate",
        "gzip", "preset dictionary", "encoding 3", "zlib as zstd", "encoding bool", "encoding float", "encoding str",
        "no encoding", "13 elements", "payload str", "void compressed empty", "void compressed",
    ],
)  # fmt: skip
def test_a_malformed_compressed_body_is_refused(fields: list[Any]) -> None:
    with pytest.raises(IntegrityError, match="malformed") as raised:
        open_it(sealed_fields(fields))
    assert raised.value.record_id == RECORD


def test_a_version_3_body_with_encoding_0_carries_its_payload_as_is() -> None:
    """Encoding 0 (RAW) is defined: a writer that always writes version 3 may say it."""
    opened = open_it(sealed_fields(v3_fields(TEXT, encoding=records.RAW)))
    assert opened == a_body() and not opened.compress


def test_the_signature_covers_the_encoding_and_the_compressed_bytes() -> None:
    """The flag is inside the signed body: whoever holds the journal key (a member) cannot
    flip it, or swap the compressed bytes, under the author's signature."""
    ad = records.record_ad(JOURNAL, RECORD, 0)
    encoded = msgpack.packb(v3_fields(GOOD), use_bin_type=True)
    signature = crypto.sign(AUTHOR_KEY, records.signature_input(ad, encoded))
    for changed in (v3_fields(GOOD, encoding=records.RAW), v3_fields(zlib.compress(TEXT, 1))):
        assert changed != v3_fields(GOOD)
        body = msgpack.packb(changed, use_bin_type=True)
        inner = msgpack.packb([body, signature], use_bin_type=True)
        forged = crypto.seal(KEY, crypto.pad(inner), ad)
        with pytest.raises(IntegrityError, match="signature"):
            open_it(forged)


def test_any_zlib_level_reads_the_same() -> None:
    for level in (0, 1, 6, 9):
        assert open_it(sealed_fields(v3_fields(zlib.compress(TEXT, level)))) == a_body()


def test_a_reader_ignores_the_window_size_the_header_declares() -> None:
    """protocol.md 4.15: CINFO (the header's window size) is checked only as zlib checks it
    (at most 7) and otherwise ignored: a stream declaring a 512-byte window (CINFO 1) whose
    back-references reach 2,000 bytes inflates, as zlib inflates it (rev-zip spec note), so
    two readers cannot split on it; CINFO 8 is refused."""
    half = random.Random(5).randbytes(2_000)
    payload = half + half  # the second half refers 2,000 bytes back
    stream = bytearray(zlib.compress(payload, 9))
    assert stream[0] >> 4 == 7  # a 32 KiB window, as written

    def declaring(cinfo: int) -> bytes:
        changed = bytearray(stream)
        changed[0] = cinfo << 4 | 8  # CM 8: deflate
        flevel = changed[1] & 0xC0  # no preset dictionary; FCHECK made to fit again
        changed[1] = flevel | (31 - (changed[0] * 256 + flevel) % 31) % 31
        return bytes(changed)

    assert records.inflate(declaring(1), "r") == payload
    with pytest.raises(IntegrityError, match="malformed compressed payload"):
        records.inflate(declaring(8), "r")


def test_resealing_an_opened_record_keeps_its_encoding() -> None:
    """The outbox seals a record again under a new epoch from its opened body: a compressed
    one stays compressed, an uncompressed one stays version 2."""
    for compress in (True, False):
        opened = open_it(sealed(a_body(compress=compress)))
        again = records.seal_record(KEY, JOURNAL, RECORD, 1, opened, AUTHOR_KEY)
        reopened = records.open_record(KEY, JOURNAL, RECORD, 1, again, known_author)
        assert reopened.compress is compress and reopened == a_body()


@pytest.mark.parametrize(
    ("doc_kind", "answers_prompt", "compressed"),
    [
        ("entry", False, True),
        ("goal", False, True),
        ("note", False, True),
        ("prompt", False, True),
        ("measure", False, True),
        ("homework", False, True),
        ("entry", True, False),  # answers a prompt: a therapist's gives its title
        ("brief", False, False),  # previews of notes a member wrote
        ("private_note", False, False),  # the client's username and journal name
        ("a_newer_kind", False, False),  # unknown: it may mix anything
    ],
)
def test_which_documents_a_writer_compresses(
    doc_kind: str, answers_prompt: bool, compressed: bool
) -> None:
    assert records.may_compress(doc_kind, answers_prompt) is compressed


@pytest.mark.parametrize("read_first", [False, True], ids=["only created", "read back"])
def test_an_entry_answering_a_prompt_is_told_apart_created_or_read(read_first: bool) -> None:
    """`replica.compressible` reads `prompt_id` without making the pycrdt document of an
    entry only created (the write path) and from it otherwise: the same answer either way."""
    for prompt_id, compress in ((None, True), ("trust-01", False), ("ab" * 16, False)):
        document = Document(bytes(16), ENTRY)
        new_entry_update(document, EntryFields(body="An answer.", prompt_id=prompt_id), 1)
        if read_first:
            assert document.field("body") is None  # makes the pycrdt document
        assert compressible(document) is compress
        stored = Document.from_state(bytes(16), ENTRY, document.state())
        assert compressible(stored) is compress
