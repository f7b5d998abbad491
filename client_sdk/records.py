"""Sealing and opening journal records.

    associated data = frame("tj/record/v1", journal_id, record_id, epoch as u32 BE)
    body            = msgpack [1, author, device, counter, doc_id, doc_kind, kind, payload, written_at]
    signature       = Ed25519(identity key, frame("tj/record-signature/v1", associated data, body))
    ciphertext      = XChaCha20-Poly1305(journal key, pad(msgpack [body, signature]), associated data)

The author's signature is inside the ciphertext, so the server learns neither who wrote a
record nor can it forge one; the AD pins the record to its journal, id and key epoch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import msgpack
import nacl.signing

from client_sdk import crypto
from client_sdk.crypto import Context
from client_sdk.errors import IntegrityError

RECORD_VERSION = 1
UPDATE = "update"
SNAPSHOT = "snapshot"


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

    def to_bytes(self) -> bytes:
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
            raise IntegrityError(f"{what} is signed by an unknown account {body.author.hex()}")
        crypto.verify(author_key, signature_input(ad, encoded), signature, what)
        return body
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
        version, author, device, counter, doc_id, doc_kind, kind, payload, written_at = fields
    except (ValueError, TypeError, msgpack.UnpackException):
        raise IntegrityError(f"{what} has a malformed body") from None
    typed = (
        version == RECORD_VERSION
        and all(isinstance(x, bytes) and len(x) == 16 for x in (author, device, doc_id))
        and isinstance(counter, int)
        and isinstance(written_at, int)
        and isinstance(doc_kind, str)
        and kind in (UPDATE, SNAPSHOT)
        and isinstance(payload, bytes)
    )
    if not typed:
        raise IntegrityError(f"{what} has a malformed body")
    return RecordBody(author, device, counter, doc_id, doc_kind, kind, payload, written_at)
