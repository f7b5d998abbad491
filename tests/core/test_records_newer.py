"""Records of a body version newer than this SDK reads (protocol.md 4.15, "Newer body
versions"): authentic ones open as far as their prefix and their verified signature; every
check of today still refuses the rest (a server without the journal key, a forged signature,
an unknown author, an older or malformed version, a record moved elsewhere)."""

from __future__ import annotations

from typing import Any

import msgpack
import nacl.signing
import pytest
from hypothesis import given
from hypothesis import strategies as st

from client_sdk import crypto, records
from client_sdk.errors import IntegrityError
from client_sdk.records import NewerRecord, RecordBody
from tests.newer_version import NEWER, body_newer, seal_encoded, seal_newer, teach_newer

AUTHOR = b"\xaa" * 16
DEVICE = b"\x03" * 16
JOURNAL = b"\x01" * 16
RECORD = b"\x02" * 16
KEY = b"\x07" * 32
AUTHOR_KEY = nacl.signing.SigningKey.generate()


def known_author(account_id: bytes) -> bytes | None:
    return bytes(AUTHOR_KEY.verify_key) if account_id == AUTHOR else None


def a_body() -> RecordBody:
    return RecordBody(AUTHOR, DEVICE, 7, b"\x04" * 16, "entry", records.UPDATE, b"update", 1)


def open_it(ciphertext: bytes, **where: Any) -> RecordBody | NewerRecord:
    journal, record, epoch = where.get("journal", JOURNAL), where.get("record", RECORD), 0
    return records.open_verified(KEY, journal, record, epoch, ciphertext, known_author)


def sealed_fields(fields: list[object], signing_key: nacl.signing.SigningKey = AUTHOR_KEY) -> bytes:
    encoded = msgpack.packb(fields, use_bin_type=True)
    return seal_encoded(KEY, JOURNAL, RECORD, 0, encoded, signing_key)


def test_a_newer_version_opens_to_its_verified_prefix() -> None:
    ciphertext = seal_newer(KEY, JOURNAL, RECORD, 0, a_body(), AUTHOR_KEY)
    assert open_it(ciphertext) == NewerRecord(NEWER, AUTHOR, DEVICE, 7)


def test_the_rest_of_a_newer_body_is_not_decoded() -> None:
    """A later version may use msgpack this SDK would refuse in a version 2 body (a map
    with integer keys, bytes after the array): only the prefix is read."""
    encoded = msgpack.packb([9, AUTHOR, DEVICE, 3, {1: "int key"}], use_bin_type=True) + b"\xc1"
    ciphertext = seal_encoded(KEY, JOURNAL, RECORD, 0, encoded, AUTHOR_KEY)
    assert open_it(ciphertext) == NewerRecord(9, AUTHOR, DEVICE, 3)


def test_open_record_still_refuses_a_newer_version() -> None:
    """For callers that open records this device wrote (the outbox): never a newer one."""
    ciphertext = seal_newer(KEY, JOURNAL, RECORD, 0, a_body(), AUTHOR_KEY)
    with pytest.raises(IntegrityError, match="body version 5, newer than this SDK reads"):
        records.open_record(KEY, JOURNAL, RECORD, 0, ciphertext, known_author)


def test_once_the_sdk_reads_the_version_the_same_record_opens_to_its_body(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ciphertext = seal_newer(KEY, JOURNAL, RECORD, 0, a_body(), AUTHOR_KEY)
    teach_newer(monkeypatch)
    assert records.known_versions() == (2, 3, 4, 5)
    assert open_it(ciphertext) == a_body()


def test_a_newer_record_signed_by_another_key_is_refused() -> None:
    """The server (or anyone) cannot forge one: the signature covers the whole body."""
    forger = nacl.signing.SigningKey.generate()
    ciphertext = seal_newer(KEY, JOURNAL, RECORD, 0, a_body(), forger)
    with pytest.raises(IntegrityError, match="signature") as raised:
        open_it(ciphertext)
    assert raised.value.record_id == RECORD


def test_a_newer_record_whose_signed_rest_was_changed_is_refused() -> None:
    ad = records.record_ad(JOURNAL, RECORD, 0)
    encoded = body_newer(a_body())
    signature = crypto.sign(AUTHOR_KEY, records.signature_input(ad, encoded))
    changed = body_newer(a_body(), extra="another extra")
    inner = msgpack.packb([changed, signature], use_bin_type=True)
    with pytest.raises(IntegrityError, match="signature"):
        open_it(crypto.seal(KEY, crypto.pad(inner), ad))


def test_a_newer_record_by_an_unknown_author_is_refused_not_set_aside() -> None:
    """An unknown signer's claims cannot be read in a newer version: refused, never an
    UnknownSigner (whose claims decide whether a co-member may have written it)."""
    stranger = b"\xbb" * 16
    body = RecordBody(stranger, DEVICE, 1, b"\x04" * 16, "note", records.UPDATE, b"", 1)
    with pytest.raises(IntegrityError, match="unknown account") as raised:
        open_it(seal_newer(KEY, JOURNAL, RECORD, 0, body, AUTHOR_KEY))
    assert not isinstance(raised.value, records.UnknownSigner)


@pytest.mark.parametrize(
    "where",
    [{"record": b"\x09" * 16}, {"journal": b"\x08" * 16}],
    ids=["other id", "other journal"],
)
def test_a_newer_record_replayed_elsewhere_fails_its_associated_data(where: Any) -> None:
    ciphertext = seal_newer(KEY, JOURNAL, RECORD, 0, a_body(), AUTHOR_KEY)
    with pytest.raises(IntegrityError):
        open_it(ciphertext, **where)


def test_without_the_journal_key_nothing_opens() -> None:
    ciphertext = seal_newer(crypto.new_key(), JOURNAL, RECORD, 0, a_body(), AUTHOR_KEY)
    with pytest.raises(IntegrityError):
        open_it(ciphertext)


@pytest.mark.parametrize(
    "version",
    [1, 0, -1, True, "3", 3.0, None, b"\x03", records.MAX_VERSION + 1, 2**64 - 1],
)
def test_a_version_that_is_not_a_newer_integer_is_refused(version: object) -> None:
    with pytest.raises(IntegrityError, match="malformed body|body version"):
        open_it(sealed_fields([version, AUTHOR, DEVICE, 7, "rest"]))


@pytest.mark.parametrize(
    "fields",
    [
        [3],
        [3, AUTHOR, DEVICE],
        [3, AUTHOR[:15], DEVICE, 1],
        [3, AUTHOR, "device", 1],
        [3, AUTHOR, DEVICE, 0],
        [3, AUTHOR, DEVICE, "1"],
        [3, AUTHOR, DEVICE, True],
        [3, AUTHOR, DEVICE, 2**63],
        {"version": 3},
        "3",
    ],
)
def test_a_newer_body_with_a_malformed_prefix_is_refused(fields: Any) -> None:
    with pytest.raises(IntegrityError, match="malformed body") as raised:
        open_it(sealed_fields(fields))
    assert raised.value.record_id == RECORD


@given(
    rest=st.lists(
        st.binary(max_size=20) | st.integers(-(2**63), 2**64 - 1) | st.text(max_size=10), max_size=5
    )
)
def test_any_signed_newer_body_opens_to_its_prefix_whatever_follows(rest: list[object]) -> None:
    ciphertext = sealed_fields([5, AUTHOR, DEVICE, 12, *rest])
    assert open_it(ciphertext) == NewerRecord(5, AUTHOR, DEVICE, 12)
