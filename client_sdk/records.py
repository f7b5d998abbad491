"""Sealing and opening journal records.

    associated data = frame("tj/record/v1", journal_id, record_id, epoch as u32 BE)
    body            = msgpack [2, author, device, counter, doc_id, doc_kind, kind, payload,
                               written_at, seen, covers]
    signature       = Ed25519(identity key, frame("tj/record-signature/v1", associated data, body))
    ciphertext      = XChaCha20-Poly1305(journal key, pad(msgpack [body, signature]), associated data)

The author's signature is inside the ciphertext, so the server learns neither who wrote a
record nor can it forge one; the AD pins the record to its journal, id and key epoch.
`counter` (per device and journal), `seen` and `covers` let readers notice records the server
withholds (client_sdk/withholding.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import msgpack
import nacl.signing

from client_sdk import crypto
from client_sdk.crypto import Context
from client_sdk.errors import IntegrityError, InvalidInput
from client_sdk.withholding import MAX_COUNTER, Cover, Range, Seen

RECORD_VERSION = 2
MAX_SEEN = 1000  # devices named in a seen vector or a cover
MAX_RANGES = 1000  # ranges in one cover
UPDATE = "update"
SNAPSHOT = "snapshot"
VOID = "void"
"""A record that changes no document and only carries `covers`: how a device says at once
that counters of its own will never reach the server (protocol.md 4.18)."""
NO_DOCUMENT = bytes(16)


@dataclass(frozen=True)
class RecordBody:
    """What a record says, once decrypted and verified."""

    author: bytes
    device: bytes
    counter: int
    doc_id: bytes
    doc_kind: str
    kind: str
    payload: bytes
    written_at: int
    seen: tuple[Seen, ...] = ()
    """Highest counter received from each other device of the journal, sorted by device."""
    covers: tuple[Cover, ...] = ()
    """Counters whose records will never be delivered (superseded by this snapshot, or
    withdrawn by their writer), by device, sorted."""

    def to_bytes(self) -> bytes:
        """The body's msgpack encoding. Raises InvalidInput for a `written_at` that is not a
        time in ms (0 to 2^63 - 1; a bool is refused although Python counts it an int)."""
        if not _is_time(self.written_at):
            raise InvalidInput(
                f"written_at must be milliseconds since 1970, not {self.written_at!r}"
            )
        packed: bytes = msgpack.packb(
            [
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
            ],
            use_bin_type=True,
        )
        return packed


def record_ad(journal_id: bytes, record_id: bytes, epoch: int) -> bytes:
    return crypto.associated_data(Context.RECORD, journal_id, record_id, epoch.to_bytes(4, "big"))


def signature_input(ad: bytes, body: bytes) -> bytes:
    return crypto.frame(Context.RECORD_SIGNATURE.value, ad, body)


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


class UnknownSigner(IntegrityError):
    """A record whose author this device has no signing key for. `body` is what the record
    claims, NOT verified: only for deciding whether a co-member this device cannot identify
    (by design, protocol.md 4.13) may have written it, never to apply it."""

    def __init__(self, message: str, body: RecordBody, record_id: bytes) -> None:
        super().__init__(message, record_id=record_id)
        self.body = body


def open_record(
    journal_key: bytes,
    journal_id: bytes,
    record_id: bytes,
    epoch: int,
    ciphertext: bytes,
    sign_key_of: Callable[[bytes], bytes | None],
) -> RecordBody:
    """Decrypt, unpad, parse and verify a record; any failure names the record."""
    what = f"record {record_id.hex()}"
    try:
        ad = record_ad(journal_id, record_id, epoch)
        padded = crypto.open_sealed(journal_key, ciphertext, ad, what)
        encoded, signature = _split(crypto.unpad(padded, what), what)
        body = _parse_body(encoded, what)
        author_key = sign_key_of(body.author)
        if author_key is None:
            raise UnknownSigner(
                f"{what} is signed by an unknown account {body.author.hex()}", body, record_id
            )
        crypto.verify(author_key, signature_input(ad, encoded), signature, what)
        return body
    except UnknownSigner:
        raise
    except IntegrityError as error:
        raise IntegrityError(str(error), record_id=record_id) from None


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


def _parse_body(encoded: bytes, what: str) -> RecordBody:
    try:
        fields = msgpack.unpackb(encoded, raw=False)
        version = fields[0]
    except (ValueError, TypeError, IndexError, KeyError, msgpack.UnpackException):
        raise IntegrityError(f"{what} has a malformed body") from None
    if version != RECORD_VERSION:
        raise IntegrityError(
            f"{what} has body version {version!r}; this SDK reads version {RECORD_VERSION}"
        )
    try:
        _, author, device, counter, doc_id, doc_kind, kind, payload, written_at, seen, covers = (
            fields
        )
    except (ValueError, TypeError):
        raise IntegrityError(f"{what} has a malformed body") from None
    typed = (
        all(_is_id(x) for x in (author, device, doc_id))
        and _is_counter(counter)
        and _is_time(written_at)
        and isinstance(doc_kind, str)
        and kind in (UPDATE, SNAPSHOT, VOID)
        and isinstance(payload, bytes)
    )
    if kind == VOID:
        typed = typed and (doc_id, doc_kind, payload) == (NO_DOCUMENT, "", b"") and bool(covers)
    parsed_seen = _parse_seen(seen, (author, device))
    parsed_covers = _parse_covers(covers)
    if not typed or parsed_seen is None or parsed_covers is None:
        raise IntegrityError(f"{what} has a malformed body")
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
    )


def _is_id(value: object) -> bool:
    return isinstance(value, bytes) and len(value) == 16


def _is_time(value: object) -> bool:
    """Milliseconds since 1970 (UTC), 0 to 2^63 - 1; a bool (an int in Python) is not one."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**63


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
