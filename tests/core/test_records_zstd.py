"""Record payloads in Zstandard (protocol.md 4.15, "Compressed payloads", `encoding` 2): what
the SDK writes, and what a reader refuses. A member holding the journal key may sign any
frame: one that claims more than the bound, names no size, lies about its size, hides bytes
after it or before it, needs a dictionary or a checksum that fails is a malformed record,
refused before anything past the bound is decompressed."""

from __future__ import annotations

import random
import threading
from typing import Any

import msgpack
import nacl.signing
import pytest
import zstandard

from client_sdk import crypto, records
from client_sdk.errors import IntegrityError
from client_sdk.records import RecordBody
from tests.core.test_records_compressed import (
    AUTHOR,
    AUTHOR_KEY,
    DEVICE,
    JOURNAL,
    KEY,
    RECORD,
    SENTENCE,
    TEXT,
    known_author,
)
from tests.newer_version import seal_encoded


def frame_of(payload: bytes, level: int = 1, **options: Any) -> bytes:
    return zstandard.ZstdCompressor(level=level, **options).compress(payload)


GOOD = frame_of(TEXT)


def a_body(payload: bytes = TEXT) -> RecordBody:
    return RecordBody(AUTHOR, DEVICE, 7, b"\x04" * 16, "entry", "update", payload, 1)


def v4_fields(compressed: object, encoding: object = records.ZSTD, version: int = 4) -> list[Any]:
    """A version 4 body's elements (Zstandard) as a writer could sign them."""
    return [
        version, AUTHOR, DEVICE, 7, b"\x04" * 16, "entry", "update", compressed, 1, [], [], encoding,
    ]  # fmt: skip


def sealed_fields(fields: list[Any], signer: nacl.signing.SigningKey = AUTHOR_KEY) -> bytes:
    return seal_encoded(KEY, JOURNAL, RECORD, 0, msgpack.packb(fields, use_bin_type=True), signer)


def open_it(ciphertext: bytes) -> RecordBody:
    return records.open_record(KEY, JOURNAL, RECORD, 0, ciphertext, known_author)


class SpiedDecompressor:
    """The thread's Zstandard decompressor, counting the calls that decompress anything."""

    def __init__(self, calls: list[int]) -> None:
        self._inner = zstandard.ZstdDecompressor()
        self._calls = calls

    def decompress(self, data: bytes, **options: Any) -> bytes:
        out: bytes = self._inner.decompress(data, **options)
        self._calls.append(len(out))
        return out


def with_content_size(frame: bytes, size: int) -> bytes:
    """`frame` (single segment, a 2-byte Frame_Content_Size: 256 to 65,791 bytes, RFC 8878
    3.1.1.1.4) claiming `size` bytes instead."""
    descriptor = frame[4]
    assert descriptor >> 6 == 1 and descriptor >> 5 & 1  # FCS_Field_Size 2, single segment
    return frame[:5] + (size - 256).to_bytes(2, "little") + frame[7:]


def test_the_sdk_writes_one_frame_naming_its_size_without_checksum_or_dictionary() -> None:
    fields = msgpack.unpackb(_compressed().to_bytes())
    compressed = fields[7]
    assert fields[0] == records.ZSTD_VERSION and fields[11] == records.ZSTD
    parameters = zstandard.get_frame_parameters(compressed)
    assert parameters.content_size == len(TEXT) and parameters.dict_id == 0
    assert not parameters.has_checksum
    assert zstandard.ZstdDecompressor().decompress(compressed, allow_extra_data=False) == TEXT
    opened = open_it(records.seal_record(KEY, JOURNAL, RECORD, 0, _compressed(), AUTHOR_KEY))
    assert opened == a_body() and opened.compress and opened.encoding == records.ZSTD


def _compressed() -> RecordBody:
    return RecordBody(AUTHOR, DEVICE, 7, b"\x04" * 16, "entry", "update", TEXT, 1, compress=True)


@pytest.mark.parametrize(
    "compressed",
    [
        b"not zstd at all",
        GOOD[:-1],  # truncated
        GOOD + b"\x00",  # a byte after the frame
        GOOD + GOOD,  # two frames
        bytes.fromhex("502a4d18") + (4).to_bytes(4, "little") + bytes(4) + GOOD,  # skippable first
        frame_of(TEXT, write_content_size=False),  # names no content size
        with_content_size(GOOD, len(TEXT) - 1),  # claims a byte less than it holds
        with_content_size(GOOD, len(TEXT) + 1),  # claims a byte more
        frame_of(TEXT, write_checksum=True)[:-1] + b"\x00",  # a checksum that fails
        zstandard.ZstdCompressor(
            dict_data=zstandard.ZstdCompressionDict(b"Slept better " * 20)
        ).compress(TEXT),  # needs a dictionary
        frame_of(bytes(records.MAX_PAYLOAD_BYTES + 1)),  # more than any payload
        frame_of(SENTENCE * 15),  # inflates more than 8 times its length
    ],
    ids=[
        "garbage", "truncated", "trailing byte", "two frames", "skippable frame first",
        "no content size", "size a byte short", "size a byte over", "bad checksum",
        "dictionary", "over 256 KiB", "over 8 times",
    ],
)  # fmt: skip
def test_a_malformed_frame_is_refused_as_a_malformed_record(compressed: bytes) -> None:
    with pytest.raises(IntegrityError, match="malformed compressed payload") as raised:
        open_it(sealed_fields(v4_fields(compressed)))
    assert raised.value.record_id == RECORD


def test_the_bounds_hold_at_their_edges() -> None:
    """8 times its length opens, a byte past refused (MAX_INFLATION, test above); a content
    size of ZSTD_MAX_CONTENT (128 KiB) opens, a byte more is refused from the header."""
    fourteen = SENTENCE * 14
    assert 7 * len(frame_of(fourteen)) < len(fourteen) <= 8 * len(frame_of(fourteen))
    assert open_it(sealed_fields(v4_fields(frame_of(fourteen)))).payload == fourteen
    hexed = random.Random(3).randbytes(records.ZSTD_MAX_CONTENT // 2 + 1).hex().encode()
    exactly, over = hexed[: records.ZSTD_MAX_CONTENT], hexed[: records.ZSTD_MAX_CONTENT + 1]
    assert open_it(sealed_fields(v4_fields(frame_of(exactly)))).payload == exactly
    with pytest.raises(IntegrityError, match="malformed compressed payload"):
        open_it(sealed_fields(v4_fields(frame_of(over))))


def test_a_frame_claiming_more_than_the_bound_is_never_decompressed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The header's content size is checked first: a 64 MiB bomb of about 2 KB, signed by a
    known author, is refused without a byte decompressed; so is a frame naming no size."""
    calls: list[int] = []
    monkeypatch.setattr(records._CODECS, "decompressor", SpiedDecompressor(calls))
    bomb = frame_of(bytes(64 << 20), level=19)
    streaming = zstandard.ZstdCompressor().compressobj()
    unnamed = streaming.compress(bytes(1 << 20)) + streaming.flush()
    for compressed in (bomb, unnamed):
        with pytest.raises(IntegrityError, match="malformed compressed payload"):
            open_it(sealed_fields(v4_fields(compressed)))
    assert calls == []
    assert open_it(sealed_fields(v4_fields(GOOD))).payload == TEXT and calls == [len(TEXT)]


def test_nothing_is_decompressed_before_the_signature_verified(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[int] = []
    monkeypatch.setattr(records._CODECS, "decompressor", SpiedDecompressor(calls))
    with pytest.raises(records.UnknownSigner):
        records.open_verified(
            KEY, JOURNAL, RECORD, 0, sealed_fields(v4_fields(GOOD)), lambda _: None
        )
    with pytest.raises(IntegrityError, match="signature"):
        open_it(sealed_fields(v4_fields(GOOD), nacl.signing.SigningKey.generate()))
    unverified = records.open_unverified(
        KEY, JOURNAL, RECORD, 0, sealed_fields(v4_fields(GOOD)), known_author
    )
    assert unverified is not None and unverified.body.payload == GOOD  # as it came
    assert calls == []
    assert records.verified_body(unverified, "record") == a_body() and calls == [len(TEXT)]


def test_the_signature_helper_is_not_asked_to_decompress_a_zstd_payload() -> None:
    """The helper process inflates zlib payloads only (its answer is checked against the
    stream's Adler-32); a Zstandard one is decompressed on the loop's thread once verified,
    and a payload the helper would hand back for it is refused."""
    from client_sdk.replica import _check

    unverified = records.open_unverified(
        KEY, JOURNAL, RECORD, 0, sealed_fields(v4_fields(GOOD)), known_author
    )
    assert unverified is not None
    assert _check(unverified).deflated is None
    with pytest.raises(IntegrityError):
        records.inflated_body(unverified, TEXT)


def test_any_level_and_a_frame_with_a_checksum_read_the_same() -> None:
    for level in (-5, 1, 3, 19):
        assert open_it(sealed_fields(v4_fields(frame_of(TEXT, level)))) == a_body()
    with_checksum = frame_of(TEXT, write_checksum=True)
    assert open_it(sealed_fields(v4_fields(with_checksum))) == a_body()


def test_the_signature_covers_the_encoding() -> None:
    """A member holding the journal key cannot relabel a signed Zstandard payload as zlib or
    raw (nor the other way) under the author's signature."""
    ad = records.record_ad(JOURNAL, RECORD, 0)
    signature = crypto.sign(
        AUTHOR_KEY, records.signature_input(ad, msgpack.packb(v4_fields(GOOD), use_bin_type=True))
    )
    for encoding in (records.RAW, records.ZLIB):  # version 3's encodings
        body = msgpack.packb(v4_fields(GOOD, encoding, version=3), use_bin_type=True)
        forged = crypto.seal(
            KEY, crypto.pad(msgpack.packb([body, signature], use_bin_type=True)), ad
        )
        with pytest.raises(IntegrityError, match="signature"):
            open_it(forged)


def test_a_zlib_record_sealed_again_travels_in_zstd() -> None:
    """An older SDK's record (zlib) opened and sealed again by its writer (the outbox under
    a new epoch) stays compressed, now in what this SDK writes."""
    opened = open_it(sealed_fields(v4_fields(records.zlib.compress(TEXT), records.ZLIB, version=3)))
    assert opened.encoding == records.ZLIB and opened.compress
    again = records.seal_record(KEY, JOURNAL, RECORD, 1, opened, AUTHOR_KEY)
    reopened = records.open_record(KEY, JOURNAL, RECORD, 1, again, known_author)
    assert reopened == a_body() and reopened.encoding == records.ZSTD


def test_each_thread_compresses_with_its_own_compressor() -> None:
    """A Zstandard context may not be used by two threads at once: records sealed in the
    store's worker thread and on the loop's thread at the same time each get their own."""
    payloads = [TEXT + str(i).encode() * 50 for i in range(8)]
    results: dict[int, list[bytes]] = {}
    contexts: dict[int, int] = {}
    together = threading.Barrier(4)

    def seal_many(index: int) -> None:
        contexts[index] = id(records._CODECS.compressor)
        together.wait(timeout=10)  # all alive at once: no id reused
        body = _compressed()
        results[index] = [
            records.RecordBody(*[getattr(body, f) for f in ("author", "device", "counter",
                               "doc_id", "doc_kind", "kind")], p, 1, compress=True).to_bytes()
            for p in payloads * 50
        ]  # fmt: skip

    threads = [threading.Thread(target=seal_many, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(contexts.values())) == 4
    for encoded in results.values():
        for packed, payload in zip(encoded, payloads * 50, strict=True):
            assert records.inflate(msgpack.unpackb(packed)[7], "r", records.ZSTD) == payload


# REV-ZSTD (/work/REV-ZSTD-FINDINGS.md), fixed: the reviewer's tests, to the fixed outcome.

MAGIC = bytes.fromhex("28b52ffd")
SIZE_ZERO = MAGIC + bytes([0x20, 0x00])  # single segment, a 1-byte Frame_Content_Size of 0


@pytest.mark.parametrize(
    "compressed",
    [
        SIZE_ZERO + random.Random(1).randbytes(64),  # no Zstandard block at all after it
        SIZE_ZERO + GOOD,  # a whole second frame after it
        SIZE_ZERO,  # no block: a truncated frame
        MAGIC + bytes([0x24, 0x00, 1, 0, 0]) + b"\xde\xad\xbe\xef",  # a checksum that fails
    ],
    ids=["garbage after the header", "a second frame", "no block", "bad checksum"],
)
def test_z1_a_frame_naming_size_zero_is_refused(compressed: bytes) -> None:
    """libzstd (through python-zstandard) returns nothing as soon as a header names a
    content size of 0, reading nothing after it: a writer never compresses an empty payload,
    so a reader refuses the size 0 itself (protocol.md 4.15), whatever follows."""
    with pytest.raises(IntegrityError, match="malformed compressed payload"):
        open_it(sealed_fields(v4_fields(compressed)))


def _far_references() -> tuple[bytes, bytes]:
    """6,700 bytes whose later blocks (900 bytes each) copy from 4,900 bytes back, as one
    single-segment frame."""
    rnd = random.Random(1)
    chunk = rnd.randbytes(900)
    data = chunk + rnd.randbytes(4000) + chunk + chunk
    writer = zstandard.ZstdCompressor(level=19).compressobj(size=len(data))
    frame = b"".join(
        writer.compress(data[i : i + 900]) + writer.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
        for i in range(0, len(data), 900)
    )
    return frame + writer.flush(), data


def test_z2_a_frame_with_a_window_descriptor_is_refused_whatever_it_declares() -> None:
    """Readers must agree on every frame a member may sign: libzstd's one-shot decoding
    ignores the window, where another RFC 8878 decoder may refuse a 2 GiB window or a
    reference past a 2 KiB one. Only a single-segment frame (its window is its content
    size, at most 256 KiB) is read; the same blocks single-segment open."""
    frame, data = _far_references()
    assert frame[4] & 0x20 and open_it(sealed_fields(v4_fields(frame))).payload == data
    for window_descriptor in (21 << 3, 1 << 3):  # Window_Log 31 (2 GiB), 11 (2 KiB)
        windowed = frame[:4] + bytes([frame[4] & 0xDF, window_descriptor]) + frame[5:]
        assert zstandard.ZstdDecompressor().decompress(windowed) == data  # libzstd takes it
        with pytest.raises(IntegrityError, match="malformed compressed payload"):
            open_it(sealed_fields(v4_fields(windowed)))


def test_z2_what_the_sdk_writes_is_single_segment_at_every_size() -> None:
    """Up to ZSTD_MAX_CONTENT (128 KiB) in Zstandard, single-segment, and read back; above
    it, in zlib (version 3), up to MAX_PAYLOAD_BYTES."""
    rnd = random.Random(2)
    for size in (64, 255, 256, 4096, 65792, 131072, 131073, records.MAX_PAYLOAD_BYTES):
        payload = bytes(rnd.randrange(16) for _ in range(size))
        body = RecordBody(
            AUTHOR, DEVICE, 7, b"\x04" * 16, "entry", "update", payload, 1, compress=True
        )
        fields = msgpack.unpackb(body.to_bytes())
        if size <= records.ZSTD_MAX_CONTENT:
            assert fields[0] == records.ZSTD_VERSION and fields[7][4] & 0x20, size
        else:
            assert (fields[0], fields[11]) == (records.COMPRESSED_VERSION, records.ZLIB), size
        sealed = records.seal_record(KEY, JOURNAL, RECORD, 0, body, AUTHOR_KEY)
        assert open_it(sealed).payload == payload


def block(last: bool, block_type: int, size: int, content: bytes) -> bytes:
    """A block: its 3-byte header (Last_Block, Block_Type 0 raw / 1 RLE / 2 compressed,
    Block_Size), then `content` (REV-ZSTD2's)."""
    return (int(last) | block_type << 1 | size << 3).to_bytes(3, "little") + content


def single_segment(blocks: list[bytes], content_size: int) -> bytes:
    """A single-segment frame with a 4-byte Frame_Content_Size, no checksum, no dictionary."""
    header = MAGIC + bytes([0xA0]) + content_size.to_bytes(4, "little")
    return header + b"".join(blocks)


def long_matches(match_lengths: list[int]) -> bytes:
    """A compressed block's content (REV-ZSTD2's, built by hand): no literals, one sequence
    per match length (65,539 to 131,074: Match_Length code 52), offset 1, every symbol in RLE
    mode. It regenerates sum(match_lengths) bytes from the byte before it."""
    bits, count = 0, 0
    for length in match_lengths:
        for value, width in ((0, 2), (length - 65539, 16)):  # Offset_Value 4 (offset 1), ML
            bits, count = bits << width | value, count + width
    stream = (1 << count | bits).to_bytes((count + 8) // 8, "little")
    return bytes([0x00, len(match_lengths), 0x54, 0, 2, 52]) + stream


PREFIX = random.Random(4).randbytes(30_000)  # raw: 8 times the frame allows the size


@pytest.mark.parametrize(
    "frame",
    [
        single_segment(
            [block(False, 0, len(PREFIX), PREFIX), block(True, 1, 200_000, b"a")],
            len(PREFIX) + 200_000,
        ),
        single_segment([block(True, 0, 140_000, random.Random(5).randbytes(140_000))], 140_000),
        single_segment(
            [
                block(False, 0, len(PREFIX), PREFIX),
                block(True, 2, len(long_matches([65_550] * 2)), long_matches([65_550] * 2)),
            ],
            len(PREFIX) + 131_100,
        ),
        single_segment(  # within 128 KiB, a block past what is left of the content size
            [block(False, 0, 1000, PREFIX[:1000]), block(True, 1, 1001, b"a")], 2000
        ),
    ],
    ids=[
        "RLE block of 200,000", "raw block of 140,000", "compressed block regenerating 131,100",
        "a block past the content size",
    ],
)  # fmt: skip
def test_n1_no_block_passes_128_kib_nor_the_content_size(frame: bytes) -> None:
    """REV-ZSTD2 N1: libzstd lets a raw or RLE block fill the content size and a compressed
    one regenerate 131,136 bytes, where Go's klauspost/compress refuses any block past 128
    KiB: readers split. A content size above ZSTD_MAX_CONTENT (128 KiB) is refused from the
    header, and within it every block decompresses into what is left of the content size."""
    assert len(frame) * 8 >= int.from_bytes(frame[5:9], "little")  # within the 8x bound
    with pytest.raises(IntegrityError, match="malformed compressed payload"):
        open_it(sealed_fields(v4_fields(frame)))


def test_n1_a_block_of_exactly_the_content_size_at_128_kib_opens() -> None:
    edge = records.ZSTD_MAX_CONTENT
    frame = single_segment([block(True, 1, edge, b"a")], edge)
    assert len(frame) * 8 < edge  # an RLE block: past the 8x bound, refused as such
    raw = single_segment([block(True, 0, edge, (PREFIX * 5)[:edge])], edge)
    assert open_it(sealed_fields(v4_fields(raw))).payload == (PREFIX * 5)[:edge]


def test_z3_an_sdk_from_before_zstandard_keeps_its_records_unread_until_updated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Zstandard travels as body version 4, not as an `encoding` of version 3: an SDK that
    reads versions 2 and 3 keeps such a record as an authentic NewerRecord (protocol.md
    4.15, "Newer body versions") instead of refusing it as a member's malformed record, and
    reads it once updated. A version 3 body naming encoding 2, or a version 4 naming 0 or 1,
    is malformed for every reader."""
    written = records.seal_record(KEY, JOURNAL, RECORD, 0, _compressed(), AUTHOR_KEY)
    monkeypatch.delitem(records.BODY_PARSERS, records.ZSTD_VERSION)  # the SDK before
    kept = records.open_verified(KEY, JOURNAL, RECORD, 0, written, known_author)
    assert kept == records.NewerRecord(records.ZSTD_VERSION, AUTHOR, DEVICE, 7)
    monkeypatch.undo()
    assert open_it(written) == a_body()
    for fields in (
        v4_fields(GOOD, records.ZSTD, version=3),
        v4_fields(GOOD, records.ZLIB),
        v4_fields(TEXT, records.RAW),
    ):
        with pytest.raises(IntegrityError, match="malformed body"):
            open_it(sealed_fields(fields))
