"""Sealing and opening journal records.

    associated data = frame("tj/record/v1", journal_id, record_id, epoch as u32 BE)
    body            = msgpack [2, author, device, counter, doc_id, doc_kind, kind, payload,
                               written_at, seen, covers]
                      or, its payload compressed (Zstandard, RFC 8878):
                      msgpack [4, author, ..., zstd(payload), written_at, seen, covers, 2]
                      (or, as SDKs wrote before Zstandard, read still: zlib, RFC 1950:
                      msgpack [3, author, ..., zlib(payload), written_at, seen, covers, 1])
    signature       = Ed25519(identity key, frame("tj/record-signature/v1", associated data, body))
    ciphertext      = XChaCha20-Poly1305(journal key, pad(msgpack [body, signature]), associated data)

The author's signature is inside the ciphertext, so the server learns neither who wrote a
record nor can it forge one; the AD pins the record to its journal, id and key epoch.
`counter` (per device and journal), `seen` and `covers` let readers notice records the server
withholds (client_sdk/withholding.py).

Every body version, present and future, starts with the same prefix `[version, author,
device, counter, ...]`, and the signature covers the whole encoded body whatever its version
(protocol.md 4.15, "Newer body versions"). So a body of a version newer than this SDK reads
still opens as far as its prefix and its signature: `open_verified` returns it as a
`NewerRecord`, authentic but unread, for the device to keep until an update reads it.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import msgpack
import nacl.signing
import zstandard

from client_sdk import crypto
from client_sdk.crypto import Context
from client_sdk.errors import BAD_VALUE, IntegrityError, InvalidInput
from client_sdk.frozen_init import filled_at_once
from client_sdk.withholding import (
    MAX_COUNTER,
    Cover,
    Range,
    Seen,
    is_cut,
)
from client_sdk.withholding import MAX_RANGES as MAX_RANGES  # the limits readers enforce
from client_sdk.withholding import MAX_SEEN as MAX_SEEN  # (re-exported: withholding.py)

RECORD_VERSION = 2
"""The oldest body version this SDK reads, and the one it writes for a payload it does not
compress."""
COMPRESSED_VERSION = 3
"""The body version of a record whose payload is compressed in zlib (what SDKs wrote before
Zstandard): version 2's eleven elements, then `encoding` RAW or ZLIB (protocol.md 4.15,
"Compressed payloads")."""
ZSTD_VERSION = 4
"""The body version of a record whose payload is compressed in Zstandard, what this SDK
writes: version 2's eleven elements, then `encoding` ZSTD. A version of its own, not an
`encoding` of version 3, so that an SDK from before it keeps such a record unread until it
is updated (a NewerRecord, "Newer body versions") rather than refusing it as malformed
(REV-ZSTD Z3)."""
MAX_VERSION = 2**32 - 1
"""Body versions are integers RECORD_VERSION..MAX_VERSION; anything else is malformed."""
MAX_EPOCH = 2**32 - 1
"""Key epochs are u32 (the record's associated data)."""
RAW = 0
"""`encoding` of a version 3 body: the payload as is (this SDK writes version 2 instead)."""
ZLIB = 1
"""`encoding` of a version 3 body: the payload in the zlib format (RFC 1950: DEFLATE, RFC 1951,
with its 2-byte header and Adler-32 check), without a preset dictionary."""
ZSTD = 2
"""`encoding` of a version 4 body (its only one): the payload as one single-segment Zstandard
frame (RFC 8878) that names its content size, without a dictionary, nothing after it
(`inflate`). What this SDK writes: at the same ratio as zlib within 4% on journal text, in
about a fifth of its time (~5 µs against ~25 for a 1 KB entry on this project's machines,
issue 10)."""
ENCODINGS = {COMPRESSED_VERSION: (RAW, ZLIB), ZSTD_VERSION: (ZSTD,)}
"""Body version -> the `encoding`s it may carry (protocol.md 4.15, "Compressed payloads")."""
ZSTD_MAX_CONTENT = 128 * 1024
"""The largest payload a version 4 record carries (its frame's content size, bytes: 131,072,
RFC 8878's Block_Maximum_Size). With the window the content size (single-segment) and every
block decompressed into exactly that many bytes, no block can pass 128 KiB, which decoders
otherwise bound differently (libzstd lets a compressed block regenerate 131,136 bytes and a
raw or RLE block fill the content size; Go's klauspost/compress refuses past 128 KiB:
REV-ZSTD2 N1). A larger payload travels in zlib (version 3), as the SDK wrote before."""
ZSTD_LEVEL = 1
"""Zstandard's compression level for the payloads this SDK writes: on payloads of a few KB,
level 3 (the library's default) compresses no smaller and takes half as long again (any
level reads the same)."""
ZLIB_LEVEL = 6
"""zlib's compression level of the `record-compressed` vector, which this SDK wrote before it
wrote Zstandard (any level reads the same)."""
WRITE_ENCODING = ZSTD
"""The `encoding` of the compressed payloads this SDK writes. ZLIB (at ZLIB_LEVEL) writes as
the SDK did before Zstandard: tests set it to play records an older SDK wrote."""
_ZSTD_MAGIC = bytes.fromhex("28b52ffd")
"""The first four bytes of a Zstandard frame (RFC 8878 section 3.1.1: 0xFD2FB528, little
endian); a skippable frame starts otherwise."""
_SINGLE_SEGMENT = 0x20
"""Single_Segment_flag, bit 5 of the Frame_Header_Descriptor (the frame's fifth byte; RFC 8878
section 3.1.1.1.1): the window is the content size, so no back-reference can reach past it
and every decoder takes the window (REV-ZSTD Z2)."""
MAX_PAYLOAD_BYTES = 256 * 1024
"""The largest payload a record may carry, compressed or not, in bytes (262,144: wire's
MAX_RECORD_BYTES, which no uncompressed payload can reach once signed, padded and sealed). A
compressed payload that inflates past it is refused as malformed (a decompression bomb), and
a writer compresses no payload above it."""
MAX_INFLATION = 8
"""A compressed payload inflates to at most this many times its compressed length, or it is
refused as malformed; a writer sends a payload that deflates more than that uncompressed.
Honest payloads deflate 1.7 to 6 times (protocol.md 4.15, "Compressed payloads"); the bound
keeps what a member's records make a reader hold (a pull reply of 4 MiB and one record: at most 34 MiB
inflated) near what they cost it on the server, where 256 KiB would let 1,000 records of
half a kilobyte each fill 256 MiB."""
PREFIX = 4
"""Elements every body version starts with: version, author, device, counter."""
UPDATE = "update"
SNAPSHOT = "snapshot"
VOID = "void"
"""A record that changes no document and only carries `covers`: how a device says at once
that counters of its own will never reach the server (protocol.md 4.18)."""
NO_DOCUMENT = bytes(16)


@filled_at_once
@dataclass(frozen=True)
class RecordBody:
    """What a record says, once decrypted and verified."""

    author: bytes
    device: bytes
    counter: int
    doc_id: bytes
    doc_kind: str
    kind: str
    payload: bytes = field(repr=False)  # the decrypted update: never in a log or a crash report
    written_at: int
    seen: tuple[Seen, ...] = ()
    """Highest counter received from each other device of the journal, sorted by device."""
    covers: tuple[Cover, ...] = ()
    """Counters whose records will never be delivered (superseded by this snapshot, or
    withdrawn by their writer), by device, sorted."""
    cut_epoch: int | None = None
    """On a share's cut only (`withholding.is_cut`): the epoch of the share it belongs to,
    signed as the body's optional twelfth element. Written when the cut is sealed again
    under a later share's epoch (an outbox sealed again, protocol.md 4.18 "Cuts"); None: the
    cut belongs to the latest share at or before the epoch it is sealed under."""

    compress: bool = field(default=False, compare=False)
    """Writing: send `payload` compressed (version 4, Zstandard; above ZSTD_MAX_CONTENT,
    version 3, zlib) when that makes it shorter, and it is at most MAX_PAYLOAD_BYTES and
    MAX_INFLATION times its compressed length; the writer decides which documents
    (`may_compress`).
    Reading: whether the record carried it compressed. Not part of what the record says
    (equality ignores it): `payload` is always the document's bytes, uncompressed."""
    encoding: int = field(default=RAW, compare=False)
    """Reading: how the record carried its payload (RAW, ZLIB or ZSTD; RAW for version 2).
    Ignored when writing (a compressed payload is written in WRITE_ENCODING)."""

    def to_bytes(self) -> bytes:
        """The body's msgpack encoding: version 2 (eleven elements, and a twelfth, the cut's
        epoch, when `cut_epoch` is set), or with the payload compressed when `compress` and
        that is shorter: version 4 (Zstandard), or version 3 (zlib) for a payload above
        ZSTD_MAX_CONTENT or while WRITE_ENCODING is ZLIB (protocol.md 4.15, "Compressed
        payloads"; a cut has no payload, so it is never compressed). Raises InvalidInput for a `written_at` that is
        not a time in ms (0 to 2^63 - 1; a bool is refused although Python counts it an int),
        a `cut_epoch` that is not an epoch (0 to 2^32 - 1) or on a record that is not a
        cut (a `void` whose covers name its own counter), or a seen vector or covers past
        what a reader takes (MAX_SEEN devices, MAX_RANGES ranges in a cover: the writer
        keeps within them, protocol.md 4.15 "Within the limits"; this is the last check,
        so that nothing a reader refuses is ever signed)."""
        if not _is_time(self.written_at):
            raise InvalidInput(
                f"written_at must be milliseconds since 1970, not {self.written_at!r}",
                subject=BAD_VALUE,
            )
        if len(self.seen) > MAX_SEEN or len(self.covers) > MAX_SEEN:
            raise InvalidInput(
                f"a record names at most {MAX_SEEN} devices in its seen vector or covers",
                subject=BAD_VALUE,
            )
        if self.covers and any(len(cover.ranges) > MAX_RANGES for cover in self.covers):
            raise InvalidInput(
                f"a record's cover has at most {MAX_RANGES} ranges", subject=BAD_VALUE
            )
        if self.cut_epoch is not None and not (
            _is_epoch(self.cut_epoch)
            and self.kind == VOID
            and is_cut(self.author, self.device, self.counter, self.covers)
        ):
            raise InvalidInput(
                f"only a share's cut names a cut epoch, not {self!r}", subject=BAD_VALUE
            )
        fields: list[Any] = [
            RECORD_VERSION,
            self.author,
            self.device,
            self.counter,
            self.doc_id,
            self.doc_kind,
            self.kind,
            self.payload,
            self.written_at,
            [[s.author, s.device, s.counter] for s in self.seen],
            [[c.author, c.device, [list(r) for r in c.ranges]] for c in self.covers],
        ]
        if self.cut_epoch is not None:
            fields.append(self.cut_epoch)
        elif self.compress and self.payload and len(self.payload) <= MAX_PAYLOAD_BYTES:
            encoding = WRITE_ENCODING if len(self.payload) <= ZSTD_MAX_CONTENT else ZLIB
            deflated = (
                _CODECS.compressor.compress(self.payload)
                if encoding == ZSTD
                else zlib.compress(self.payload, ZLIB_LEVEL)
            )
            if len(deflated) < len(self.payload) <= MAX_INFLATION * len(deflated):
                fields[0] = ZSTD_VERSION if encoding == ZSTD else COMPRESSED_VERSION
                fields[7] = deflated
                fields.append(encoding)
        packed: bytes = msgpack.packb(fields, use_bin_type=True)
        return packed


@dataclass(frozen=True)
class NewerRecord:
    """A record whose body version this SDK does not read yet, decrypted and its signature
    verified over the whole body: what its prefix says, and nothing else. Its counter counts
    as received; its other fields (document, seen vector, covers) are unknown until an SDK
    that reads `version` opens the record again."""

    version: int
    author: bytes
    device: bytes
    counter: int


_RECORD_AD_HEAD = crypto.frame(Context.RECORD.value)
"""The first part of every record's associated data: its context, framed (made once)."""
_SIGNATURE_HEAD = crypto.frame(Context.RECORD_SIGNATURE.value)
"""The first part of every record's signature input: its context, framed (made once)."""
_EPOCH_LENGTH = (4).to_bytes(4, "big")


def record_ad(journal_id: bytes, record_id: bytes, epoch: int) -> bytes:
    """`crypto.associated_data(Context.RECORD, journal_id, record_id, epoch as u32 BE)`, the
    same bytes, with the context's frame made once (a pull frames one per record, issue 10)."""
    return b"".join(
        (
            _RECORD_AD_HEAD,
            len(journal_id).to_bytes(4, "big"),
            journal_id,
            len(record_id).to_bytes(4, "big"),
            record_id,
            _EPOCH_LENGTH,
            epoch.to_bytes(4, "big"),
        )
    )


def signature_input(ad: bytes, body: bytes) -> bytes:
    """`crypto.frame(Context.RECORD_SIGNATURE.value, ad, body)`, the same bytes, with the
    context's frame made once."""
    return b"".join(
        (_SIGNATURE_HEAD, len(ad).to_bytes(4, "big"), ad, len(body).to_bytes(4, "big"), body)
    )


def record_plaintext(body: RecordBody, signing_key: nacl.signing.SigningKey, ad: bytes) -> bytes:
    encoded = body.to_bytes()
    signature = crypto.sign(signing_key, signature_input(ad, encoded))
    return crypto.pad(msgpack.packb([encoded, signature], use_bin_type=True))


def seal_record(
    journal_key: bytes,
    journal_id: bytes,
    record_id: bytes,
    epoch: int,
    body: RecordBody,
    signing_key: nacl.signing.SigningKey,
) -> bytes:
    ad = record_ad(journal_id, record_id, epoch)
    return crypto.seal(journal_key, record_plaintext(body, signing_key, ad), ad)


def uncompressed_length(body: RecordBody) -> int:
    """Bytes of the record carrying `body` sealed with its payload uncompressed (version 2,
    whatever `compress` says): the body so encoded and a signature, padded and sealed
    (crypto.sealed_length). What a change is sized by when written (rev-zip Z3)."""
    encoded = replace(body, compress=False).to_bytes()
    inner = msgpack.packb([encoded, bytes(crypto.SIGNATURE_BYTES)], use_bin_type=True)
    return crypto.sealed_length(len(inner))


class UnknownSigner(IntegrityError):
    """A record whose author this device has no signing key for. `body` is what the record
    claims, NOT verified: only for deciding whether a co-member this device cannot identify
    (by design, protocol.md 4.13) may have written it, never to apply it. A compressed
    payload is in it as it came, not inflated (nothing unverified is inflated)."""

    def __init__(self, message: str, body: RecordBody, record_id: bytes) -> None:
        super().__init__(message, record_id=record_id)
        self.body = body


class UnknownNewerSigner(IntegrityError):
    """A record of a body version newer than this SDK reads whose author this device has no
    signing key for. `author` and `version` are what its prefix claims, NOT verified: only
    for deciding whether a co-member this device cannot identify (protocol.md 4.13) may
    have written it, never to keep or count it."""

    def __init__(self, message: str, author: bytes, version: int, record_id: bytes) -> None:
        super().__init__(message, record_id=record_id)
        self.author = author
        self.version = version


def open_record(
    journal_key: bytes,
    journal_id: bytes,
    record_id: bytes,
    epoch: int,
    ciphertext: bytes,
    sign_key_of: Callable[[bytes], bytes | None],
) -> RecordBody:
    """Decrypt, unpad, parse and verify a record this SDK reads; any failure names the record.
    A record of a newer body version (see `open_verified`) is an IntegrityError here: only
    for callers that open records this device wrote itself."""
    opened = open_verified(journal_key, journal_id, record_id, epoch, ciphertext, sign_key_of)
    if isinstance(opened, NewerRecord):
        raise IntegrityError(
            f"record {record_id.hex()} has body version {opened.version}, newer than this SDK "
            "reads",
            record_id=record_id,
        )
    return opened


def open_verified(
    journal_key: bytes,
    journal_id: bytes,
    record_id: bytes,
    epoch: int,
    ciphertext: bytes,
    sign_key_of: Callable[[bytes], bytes | None],
) -> RecordBody | NewerRecord:
    """Decrypt, unpad, parse and verify a record: its body, or, for a body version newer than
    this SDK reads (above RECORD_VERSION, not in BODY_PARSERS), a NewerRecord once its prefix
    parsed and its author's signature over the whole body verified (protocol.md 4.15).

    Raises IntegrityError naming the record for anything else: AEAD failure (wrong key,
    journal, id or epoch), a malformed inner array or prefix, a version below RECORD_VERSION
    or not an integer up to MAX_VERSION, a malformed body of a version this SDK reads (a
    compressed payload that does not inflate within its bounds included: `inflate`), an
    unknown signer (UnknownSigner, with what the body claims, for a version this SDK reads;
    UnknownNewerSigner, with the author its prefix claims, for a newer one), a bad
    signature."""
    what = f"record {record_id.hex()}"
    try:
        ad = record_ad(journal_id, record_id, epoch)
        padded = crypto.open_sealed(journal_key, ciphertext, ad, what)
        encoded, signature = _split(crypto.unpad(padded, what), what)
        body = _parse_current(encoded, what, deflated=True)
        if body is not None:  # the body of the version this SDK writes, decoded once
            author_key = sign_key_of(body.author)
            if author_key is None:
                raise UnknownSigner(
                    f"{what} is signed by an unknown account {body.author.hex()}", body, record_id
                )
            crypto.verify(author_key, signature_input(ad, encoded), signature, what)
            return _inflated(body, what)
        version, author, device, counter = _parse_prefix(encoded, what)
        parser = BODY_PARSERS.get(version)
        if parser is None:
            author_key = sign_key_of(author)
            if author_key is None:
                raise UnknownNewerSigner(
                    f"{what} is signed by an unknown account {author.hex()}",
                    author,
                    version,
                    record_id,
                )
            crypto.verify(author_key, signature_input(ad, encoded), signature, what)
            return NewerRecord(version, author, device, counter)
        body = _parse_body(encoded, what, DEFLATED_PARSERS.get(parser, parser))
        author_key = sign_key_of(body.author)
        if author_key is None:
            raise UnknownSigner(
                f"{what} is signed by an unknown account {body.author.hex()}", body, record_id
            )
        crypto.verify(author_key, signature_input(ad, encoded), signature, what)
        return _inflated(body, what)
    except (UnknownSigner, UnknownNewerSigner):
        raise
    except IntegrityError as error:
        raise IntegrityError(str(error), record_id=record_id) from None


@filled_at_once
@dataclass(frozen=True)
class Unverified:
    """A record decrypted and parsed by `open_unverified`, its signature NOT verified yet:
    `body` may be taken only once `signature` verified over `message` under `author_key`
    (crypto.verify), which is exactly what `open_verified` checks before returning it, and
    only through `verified_body` (a compressed payload is in `body` as it came)."""

    body: RecordBody
    author_key: bytes
    message: bytes
    signature: bytes


def open_unverified(
    journal_key: bytes,
    journal_id: bytes,
    record_id: bytes,
    epoch: int,
    ciphertext: bytes,
    sign_key_of: Callable[[bytes], bytes | None],
) -> Unverified | None:
    """`open_verified`'s steps but the last, for a record whose signature is verified
    elsewhere (verifying.py): decrypted, unpadded, its body (of the version this SDK writes)
    parsed and its author's key found. None for anything else (a failure, a newer body
    version, an unknown author): the caller then opens it with `open_verified`, which
    reports it."""
    what = "record"  # its errors are not kept (the caller opens it again, and reports)
    try:
        ad = record_ad(journal_id, record_id, epoch)
        padded = crypto.open_sealed(journal_key, ciphertext, ad, what)
        encoded, signature = _split(crypto.unpad(padded, what), what)
        body = _parse_current(encoded, what, deflated=True)  # inflated once verified
    except IntegrityError:
        return None
    if body is None:
        return None
    author_key = sign_key_of(body.author)
    if author_key is None:
        return None
    return Unverified(body, author_key, signature_input(ad, encoded), signature)


def verified_body(unverified: Unverified, what: str) -> RecordBody:
    """The body of `unverified` once its signature verified (by the caller, elsewhere), its
    compressed payload inflated now (`inflate`: nothing unverified is inflated, rev-zip Z2).
    Raises IntegrityError saying `what` has a malformed compressed payload."""
    return _inflated(unverified.body, what)


def inflated_body(unverified: Unverified, payload: bytes) -> RecordBody:
    """The body of `unverified` once its signature verified, with `payload`: its ZLIB
    payload inflated elsewhere, as `inflate` does (verifying.py, in the helper process, once
    it verified the signature; a ZSTD one is inflated here, `verified_body`: ~2 µs). Raises
    IntegrityError where the body is not compressed with zlib, or `payload` is longer than
    `inflate` allows."""
    body = unverified.body
    if body.encoding != ZLIB or len(payload) > inflate_limit(body.payload):
        raise IntegrityError("an inflated payload for a body that is not compressed so")
    return _with_payload(body, payload)


def _with_payload(body: RecordBody, payload: bytes) -> RecordBody:
    """`body` with `payload` instead of its own: its fields copied as they are (each was
    checked when `body` was made), without calling the constructor again, in one copy of
    the instance's `__dict__` (RecordBody's `__init__` fills that dict too: `filled_at_once`),
    once per pulled record (issue 10). Every field of RecordBody is set here
    (tests/core/test_records.py checks it against `dataclasses.replace`)."""
    copy = object.__new__(RecordBody)
    fields = copy.__dict__
    fields.update(body.__dict__)
    fields["payload"] = payload
    return copy


def _split(plaintext: bytes, what: str) -> tuple[bytes, bytes]:
    try:
        outer = msgpack.unpackb(plaintext, raw=False)
    except (ValueError, msgpack.UnpackException):
        raise IntegrityError(f"{what} is not well formed") from None
    if (
        not isinstance(outer, list)
        or len(outer) != 2
        or not all(isinstance(part, bytes) for part in outer)
    ):
        raise IntegrityError(f"{what} is not well formed")
    return outer[0], outer[1]


def _parse_current(encoded: bytes, what: str, deflated: bool = False) -> RecordBody | None:
    """The body, when `encoded` is a well-formed body of a version this SDK reads, decoded
    once (`_parse_prefix` then `_parse_body` decode its prefix twice: issue 10); None for
    anything else (it is then read as before, with the same outcome: the array and its
    first elements are the same whichever way they are decoded). `deflated`: a compressed
    payload is left as it came (DEFLATED_PARSERS), for `_inflated` once the signature is
    verified."""
    try:
        fields = msgpack.unpackb(encoded, raw=False)
    except (ValueError, TypeError, msgpack.UnpackException):
        return None
    if not isinstance(fields, list) or len(fields) < PREFIX:
        return None
    version, author, device, counter = fields[:PREFIX]
    if not (isinstance(version, int) and not isinstance(version, bool)):
        return None
    parser = BODY_PARSERS.get(version)
    if (
        parser is None
        or not RECORD_VERSION <= version <= MAX_VERSION
        or not (_is_id(author) and _is_id(device) and _is_counter(counter))
    ):
        return None
    return (DEFLATED_PARSERS.get(parser, parser) if deflated else parser)(fields, what)


def _parse_prefix(encoded: bytes, what: str) -> tuple[int, bytes, bytes, int]:
    """The prefix every body version starts with: (version, author, device, counter), read
    without decoding past it (a newer version's later elements are its own business). A
    version below RECORD_VERSION (version 1 bodies lack `seen` and `covers`) is refused."""
    unpacker = msgpack.Unpacker(raw=False)
    unpacker.feed(encoded)
    try:
        length = unpacker.read_array_header()
        if length < PREFIX:
            raise ValueError("too short")
        version, author, device, counter = (unpacker.unpack() for _ in range(PREFIX))
    except (ValueError, TypeError, msgpack.UnpackException, msgpack.OutOfData):
        raise IntegrityError(f"{what} has a malformed body") from None
    if not (isinstance(version, int) and not isinstance(version, bool)):
        raise IntegrityError(f"{what} has a malformed body")
    if not RECORD_VERSION <= version <= MAX_VERSION:
        raise IntegrityError(
            f"{what} has body version {version!r}; this SDK reads version {RECORD_VERSION}"
        )
    if not (_is_id(author) and _is_id(device) and _is_counter(counter)):
        raise IntegrityError(f"{what} has a malformed body")
    return version, author, device, counter


def _parse_body(
    encoded: bytes, what: str, parser: Callable[[list[Any], str], RecordBody]
) -> RecordBody:
    try:
        fields = msgpack.unpackb(encoded, raw=False)
    except (ValueError, TypeError, msgpack.UnpackException):
        raise IntegrityError(f"{what} has a malformed body") from None
    if not isinstance(fields, list):
        raise IntegrityError(f"{what} has a malformed body")
    return parser(fields, what)


def parse_version_2(fields: list[Any], what: str, encoding: int = RAW) -> RecordBody:
    """A version 2 body, decoded (`fields[0]` is its version, checked by the caller):
    11 elements with their types, canonical `seen` and `covers`, and on a share's cut only
    (a `void` whose covers name its own counter) an optional twelfth, the epoch of the share
    the cut belongs to (an int 0 to 2^32 - 1) (protocol.md 4.15, 4.18 "Cuts"). Raises
    IntegrityError saying `what` has a malformed body. `encoding`: how its payload came
    (`_parse_version_3_deflated`: `compress` and `encoding` made so at once, not replaced
    after, issue 10)."""
    cut_epoch: object = None
    if isinstance(fields, list) and len(fields) == 12:
        fields, cut_epoch = fields[:11], fields[11]
        if not _is_epoch(cut_epoch):
            raise IntegrityError(f"{what} has a malformed body")
    try:
        _, author, device, counter, doc_id, doc_kind, kind, payload, written_at, seen, covers = (
            fields
        )
    except (ValueError, TypeError):
        raise IntegrityError(f"{what} has a malformed body") from None
    typed = (
        _is_id(author)
        and _is_id(device)
        and _is_id(doc_id)
        and _is_counter(counter)
        and _is_time(written_at)
        and isinstance(doc_kind, str)
        and kind in (UPDATE, SNAPSHOT, VOID)
        and isinstance(payload, bytes)
    )
    if kind == VOID:
        typed = typed and (doc_id, doc_kind, payload) == (NO_DOCUMENT, "", b"") and bool(covers)
    # An empty list (most records' covers, a first record's seen vector) parses to nothing.
    parsed_seen = () if seen == [] else _parse_seen(seen, (author, device))
    parsed_covers = () if covers == [] else _parse_covers(covers)
    if not typed or parsed_seen is None or parsed_covers is None:
        raise IntegrityError(f"{what} has a malformed body")
    if cut_epoch is not None and not (
        kind == VOID and is_cut(author, device, counter, parsed_covers)
    ):
        raise IntegrityError(f"{what} names a cut epoch but is not a share's cut: malformed body")
    return RecordBody(
        author,
        device,
        counter,
        doc_id,
        doc_kind,
        kind,
        payload,
        written_at,
        parsed_seen,
        parsed_covers,
        cut_epoch if isinstance(cut_epoch, int) else None,
        encoding != RAW,
        encoding,
    )


def parse_version_3(fields: list[Any], what: str) -> RecordBody:
    """A version 3 or 4 body (`fields[0]`, checked by the caller): version 2's eleven elements
    with their types and rules, then `encoding`, an int, one its version carries (ENCODINGS):
    version 3, RAW (the payload as is) or ZLIB; version 4, ZSTD (the payload inflated, at
    most MAX_PAYLOAD_BYTES and MAX_INFLATION times its length: `inflate`), protocol.md 4.15.
    The body returned holds the payload inflated, `compress` and `encoding` set for ZLIB and
    ZSTD. Raises IntegrityError saying `what` has a malformed body, or a malformed compressed
    payload. (`open_verified` reads it with `_parse_version_3_deflated` instead, and inflates
    once the signature verified.)"""
    return _inflated(_parse_version_3_deflated(fields, what), what)


def _parse_version_3_deflated(fields: list[Any], what: str) -> RecordBody:
    """`parse_version_3` without inflating: a ZLIB or ZSTD payload is left as it came,
    `compress` and `encoding` set (only `_inflated` reads it, once the record's signature
    verified)."""
    if not isinstance(fields, list) or len(fields) != 12:
        raise IntegrityError(f"{what} has a malformed body")
    encoding = fields[11]
    # not a bool, nor 1.0; the encodings of the body's own version only
    if type(encoding) is not int or encoding not in ENCODINGS.get(fields[0], ()):
        raise IntegrityError(f"{what} has a malformed body")
    body = parse_version_2(fields[:11], what, encoding=encoding)
    if body.compress and body.kind == VOID:  # a void carries no payload: nothing to compress
        raise IntegrityError(f"{what} has a malformed body")
    return body


def _inflated(body: RecordBody, what: str) -> RecordBody:
    """`body` as a `DEFLATED_PARSERS` parser returned it, its compressed payload (`compress`)
    inflated (`inflate`): done only once its signature verified (`open_verified`), so only
    a signer this device knows makes it inflate anything (rev-zip Z2)."""
    if not body.compress:
        return body
    return _with_payload(body, inflate(body.payload, what, body.encoding))


def inflate_limit(deflated: bytes) -> int:
    """The most bytes `deflated`, a compressed payload, may inflate to (`inflate`)."""
    return min(MAX_PAYLOAD_BYTES, MAX_INFLATION * len(deflated))


def inflate(deflated: bytes, what: str, encoding: int = ZLIB) -> bytes:
    """The payload compressed as `deflated` in `encoding` (ZLIB or ZSTD), inflating to at
    most MAX_INFLATION times its length and at most MAX_PAYLOAD_BYTES: never more than that
    limit + 1 bytes, whatever `deflated` holds (a member may sign a decompression bomb).
    ZLIB: exactly one complete zlib stream (RFC 1950; no preset dictionary), nothing after
    it. ZSTD: `_zstd_inflate`. Raises IntegrityError saying `what` has a malformed
    compressed payload otherwise (a bad header or check, a truncated stream or frame, bytes
    after it, more than the limit)."""
    limit = inflate_limit(deflated)
    if encoding == ZSTD:
        return _zstd_inflate(deflated, limit, what)
    inflater = zlib.decompressobj()
    try:
        payload = inflater.decompress(deflated, limit + 1)
    except zlib.error:
        raise IntegrityError(f"{what} has a malformed compressed payload") from None
    if len(payload) > limit or not inflater.eof or inflater.unused_data or inflater.unconsumed_tail:
        raise IntegrityError(f"{what} has a malformed compressed payload")
    return payload


def _zstd_inflate(frame: bytes, limit: int, what: str) -> bytes:
    """`inflate` for ZSTD: `frame` is exactly one Zstandard frame (RFC 8878; its magic
    number first: no skippable frame), single-segment (`_SINGLE_SEGMENT`: its window is its
    content size, REV-ZSTD Z2), whose header names its content size (Frame_Content_Size, at
    least 1 (REV-ZSTD Z1: a writer never compresses nothing, and libzstd reads no further
    than a header naming 0), at most ZSTD_MAX_CONTENT (so no block passes 128 KiB: REV-ZSTD2
    N1) and at most `limit`, checked before anything is decompressed)
    and no dictionary, and which decompresses to exactly that many bytes with nothing after
    it (a checksum, when the frame has one, must hold). Raises IntegrityError saying `what`
    has a malformed compressed payload otherwise."""
    # The error is made only when raised (once per pulled record, made and thrown away: it
    # was a fifth of this function's time, issue 10).
    if not frame.startswith(_ZSTD_MAGIC) or len(frame) < 5 or not frame[4] & _SINGLE_SEGMENT:
        raise _malformed_payload(what)
    try:
        parameters = zstandard.get_frame_parameters(frame)
        size = parameters.content_size
        if parameters.dict_id != 0 or not 1 <= size <= min(limit, ZSTD_MAX_CONTENT):
            raise _malformed_payload(what)
        payload = _CODECS.decompressor.decompress(frame, allow_extra_data=False)
    except zstandard.ZstdError:
        raise _malformed_payload(what) from None
    if len(payload) != size:
        raise _malformed_payload(what)
    return payload


def _malformed_payload(what: str) -> IntegrityError:
    return IntegrityError(f"{what} has a malformed compressed payload")


class _Codecs(threading.local):
    """A Zstandard compressor and decompressor for each thread (neither may be used by two
    threads at once; one made for each call would take half as long again)."""

    def __init__(self) -> None:
        self.compressor = zstandard.ZstdCompressor(
            level=ZSTD_LEVEL, write_checksum=False, write_content_size=True, write_dict_id=False
        )
        self.decompressor = zstandard.ZstdDecompressor()


_CODECS = _Codecs()


def may_compress(doc_kind: str, answers_prompt: bool = False) -> bool:
    """Whether a writer compresses the payloads of a document of `doc_kind` (for an entry:
    whether its `prompt_id` field is set): not where a payload may put text another account chose
    beside this account's own, so that the compressed size (what the server sees, padded)
    says nothing about one from the other (protocol.md 4.15, "Compressed payloads"): an
    entry answering a prompt (its title defaults to the prompt's text), a brief (previews of
    notes a member wrote), a private note (the client's username and journal name), and a
    kind this SDK does not know. (Nor, by the journal it is in, an entry's copy kept for a
    member: `Replica.compresses`.)"""
    return doc_kind in COMPRESSED_KINDS and not (doc_kind == "entry" and answers_prompt)


COMPRESSED_KINDS = frozenset(
    {
        "entry",
        "goal",
        "note",
        "prompt",
        "measure",
        "safety_plan",
        "safety_flag",
        "crisis_line",
        "safety_ack",
        "assignment",
        "homework",
    }
)
"""Document kinds whose payloads a writer compresses (`may_compress`)."""


BODY_PARSERS: dict[int, Callable[[list[Any], str], RecordBody]] = {
    RECORD_VERSION: parse_version_2,
    COMPRESSED_VERSION: parse_version_3,
    ZSTD_VERSION: parse_version_3,
}
"""Body version -> its parser (the decoded body array, the record's name for errors): the
versions this SDK reads. A record of a version above RECORD_VERSION missing here opens as a
NewerRecord; once an SDK update adds its parser, the records kept meanwhile are read
(Replica.open_parked). Tests add a version here (monkeypatch) to play that update."""


DEFLATED_PARSERS: dict[
    Callable[[list[Any], str], RecordBody], Callable[[list[Any], str], RecordBody]
] = {parse_version_3: _parse_version_3_deflated}
"""A parser of BODY_PARSERS -> the same, leaving a compressed payload as it came: what
`open_verified` decodes with, to inflate (`_inflated`) only after the signature verified
(protocol.md 4.15 "Reading": verify, then inflate)."""


def known_versions() -> tuple[int, ...]:
    """The body versions this SDK reads, ascending."""
    return tuple(sorted(BODY_PARSERS))


def _is_id(value: object) -> bool:
    return isinstance(value, bytes) and len(value) == 16


def _is_time(value: object) -> bool:
    """Milliseconds since 1970 (UTC), 0 to 2^63 - 1; a bool (an int in Python) is not one."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**63


def _is_epoch(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_EPOCH


def _is_counter(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_COUNTER


def _parse_seen(value: object, writer: tuple[bytes, bytes]) -> tuple[Seen, ...] | None:
    """Entries [author, device, counter], strictly sorted by (author, device), never the
    writer's own device; None if anything is off."""
    if not isinstance(value, list) or len(value) > MAX_SEEN:
        return None
    parsed: list[Seen] = []
    for entry in value:
        if not (isinstance(entry, list) and len(entry) == 3):
            return None
        author, device, counter = entry
        if not (_is_id(author) and _is_id(device) and _is_counter(counter)):
            return None
        if (author, device) == writer or (
            parsed and (parsed[-1].author, parsed[-1].device) >= (author, device)
        ):
            return None
        parsed.append(Seen(author, device, counter))
    return tuple(parsed)


def _parse_covers(value: object) -> tuple[Cover, ...] | None:
    """Entries [author, device, [[lo, hi], ...]], strictly sorted by (author, device), each
    with sorted ranges that neither overlap nor touch; None if anything is off."""
    if not isinstance(value, list) or len(value) > MAX_SEEN:
        return None
    parsed: list[Cover] = []
    for entry in value:
        if not (isinstance(entry, list) and len(entry) == 3):
            return None
        author, device, ranges = entry
        if not (_is_id(author) and _is_id(device)):
            return None
        if parsed and (parsed[-1].author, parsed[-1].device) >= (author, device):
            return None
        parsed_ranges = _parse_ranges(ranges)
        if not parsed_ranges:
            return None
        parsed.append(Cover(author, device, parsed_ranges))
    return tuple(parsed)


def _parse_ranges(value: object) -> tuple[Range, ...] | None:
    if not isinstance(value, list) or len(value) > MAX_RANGES:
        return None
    parsed: list[Range] = []
    for pair in value:
        if not (isinstance(pair, list) and len(pair) == 2):
            return None
        lo, hi = pair
        if not (_is_counter(lo) and _is_counter(hi) and lo <= hi):
            return None
        if parsed and lo <= parsed[-1][1] + 1:
            return None
        parsed.append((lo, hi))
    return tuple(parsed)
