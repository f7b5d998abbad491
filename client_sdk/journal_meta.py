"""Journal metadata: the sealed map with a journal's name, what a disclosure journal mirrors,
and the owner-signed history of who could annotate at which key epochs. Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgpack

from client_sdk import keys
from client_sdk.errors import IntegrityError


def encode_meta(name: str, **extra: Any) -> bytes:
    """Journal metadata: its name and, for disclosure journals, what they mirror."""
    packed: bytes = msgpack.packb({"name": name, **extra}, use_bin_type=True)
    return packed


def decode_meta(raw: bytes) -> dict[str, Any]:
    try:
        meta = msgpack.unpackb(raw, raw=False)
    except (ValueError, TypeError, msgpack.UnpackException):
        raise IntegrityError("journal metadata is malformed") from None
    if not isinstance(meta, dict) or not isinstance(meta.get("name"), str):
        raise IntegrityError("journal metadata is malformed")
    return meta


@dataclass(frozen=True)
class AnnotatorSpan:
    """A member's annotate rights over key epochs `first`..`last` (None: still running)."""

    member_id: bytes
    username: str
    sign_public_key: bytes
    first: int
    last: int | None

    def covers(self, epoch: int) -> bool:
        return self.first <= epoch and (self.last is None or epoch <= self.last)


def annotator_spans(
    meta: dict[str, Any], journal_id: bytes, owner_sign_public_key: bytes | None
) -> list[AnnotatorSpan]:
    """The annotator history in a journal's metadata, if the owner's signature over it holds
    (members hold the journal key too, so the key alone does not prove the owner wrote it)."""
    rows, signature = meta.get("annotators"), meta.get("annotators_signature")
    if not rows or not isinstance(signature, str) or owner_sign_public_key is None:
        return []
    try:
        keys.verify_annotators(owner_sign_public_key, journal_id, rows, bytes.fromhex(signature))
        return [
            AnnotatorSpan(
                bytes.fromhex(r[0]),
                str(r[1]),
                bytes.fromhex(r[2]),
                int(r[3]),
                None if r[4] is None else int(r[4]),
            )
            for r in rows
        ]
    except (IntegrityError, ValueError, TypeError, IndexError):
        return []


def open_span(
    meta: dict[str, Any], member_id: bytes, username: str, sign_public_key: bytes, epoch: int
) -> dict[str, Any]:
    """Metadata recording that `peer` may annotate from `epoch` on (unsigned: see sign_meta)."""
    rows = [list(row) for row in meta.get("annotators", [])]
    member = member_id.hex()
    if not any(row[0] == member and row[4] is None for row in rows):
        rows.append([member, username, sign_public_key.hex(), epoch, None])
    return {**meta, "annotators": rows}


def close_spans(meta: dict[str, Any], still_annotating: set[str], epoch: int) -> dict[str, Any]:
    """Metadata where members no longer annotating stop at `epoch`, the last key they held."""
    rows = [list(row) for row in meta.get("annotators", [])]
    for row in rows:
        if row[0] not in still_annotating and row[4] is None:
            row[4] = epoch
    return {**meta, "annotators": rows} if rows else meta


def sign_meta(
    meta: dict[str, Any], owner: keys.AccountSecrets, journal_id: bytes
) -> dict[str, Any]:
    """Metadata with its annotator history signed by the owner."""
    rows = meta.get("annotators")
    if not rows:
        return meta
    signature = keys.sign_annotators(owner, journal_id, rows)
    return {**meta, "annotators_signature": signature.hex()}
