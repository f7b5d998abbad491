"""A record body version this SDK does not read yet, for tests of what an older app does with
records a newer one wrote (protocol.md 4.15, "Newer body versions").

Version 5 here is made up (versions 3 and 4, compressed payloads, are real: protocol.md 4.15):
version 2's eleven elements and one more at the end. `seal_newer` writes it, signed and sealed
like any record; `teach_newer` plays the app's update: it adds a parser for it to
`records.BODY_PARSERS` (through pytest's monkeypatch, undone after the test).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import msgpack
import nacl.signing
import pytest

from client_sdk import crypto, records
from client_sdk.errors import IntegrityError
from client_sdk.records import RecordBody

NEWER = 5
NEWER_EXTRA = "a field that version 5 added"


def body_newer(body: RecordBody, version: int = NEWER, extra: object = NEWER_EXTRA) -> bytes:
    """`body` encoded as version `version`: version 2's elements, then `extra`."""
    plain = dataclasses.replace(body, compress=False)  # version 2's layout, payload as is
    fields: list[Any] = msgpack.unpackb(plain.to_bytes(), raw=False)
    packed: bytes = msgpack.packb([version, *fields[1:], extra], use_bin_type=True)
    return packed


def seal_encoded(
    journal_key: bytes,
    journal_id: bytes,
    record_id: bytes,
    epoch: int,
    encoded: bytes,
    signing_key: nacl.signing.SigningKey,
) -> bytes:
    """A record whose body is exactly `encoded`, signed by `signing_key` (protocol.md 4.15)."""
    ad = records.record_ad(journal_id, record_id, epoch)
    signature = crypto.sign(signing_key, records.signature_input(ad, encoded))
    inner = msgpack.packb([encoded, signature], use_bin_type=True)
    return crypto.seal(journal_key, crypto.pad(inner), ad)


def seal_newer(
    journal_key: bytes,
    journal_id: bytes,
    record_id: bytes,
    epoch: int,
    body: RecordBody,
    signing_key: nacl.signing.SigningKey,
    version: int = NEWER,
) -> bytes:
    """`body` sealed as a record of body version `version` (NEWER, 5, unless told)."""
    encoded = body_newer(body, version)
    return seal_encoded(journal_key, journal_id, record_id, epoch, encoded, signing_key)


def parse_newer(fields: list[Any], what: str) -> RecordBody:
    """The made-up version 5: version 2's layout and exactly NEWER_EXTRA after it."""
    if len(fields) != 12 or fields[11] != NEWER_EXTRA:
        raise IntegrityError(f"{what} has a malformed body")
    return records.parse_version_2(fields[:11], what)


def teach_newer(monkeypatch: pytest.MonkeyPatch) -> None:
    """Play the app's update that reads version 5."""
    monkeypatch.setitem(records.BODY_PARSERS, NEWER, parse_newer)
