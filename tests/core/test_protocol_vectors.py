"""protocol.md's test vectors, recomputed with the real code and opened or verified back.

The vectors live in protocol.md itself (fenced blocks tagged ```json vector-NAME), so the
document a client author reads is the one these tests hold true. Where a standard-library
implementation exists (BLAKE2b, base32), the value is also recomputed independently of
libsodium, as another language would.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import hashlib
import itertools
import json
import re
import typing
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgpack
import nacl.public
import nacl.pwhash.argon2id
import nacl.signing
import pytest
import zstandard
from pycrdt import Doc, Map, Text

from client_sdk import access, crypto, journal_meta, keys, records, wire
from client_sdk.crypto import Context, KdfCost
from client_sdk.documents import (
    Document,
    EntryFields,
    edit_entry_update,
    entry_view,
    new_entry_update,
)
from client_sdk.errors import ChainUpdateNeeded, IntegrityError, RollbackError
from client_sdk.withholding import Cover, JournalCounters, Seen, check_covers, check_own_covers
from client_sdk.yjs_updates import refusal
from server import service

CHECK = bytes(32)  # a key check, as a `rotated` entry from chain version 3 on carries

PROTOCOL = Path(__file__).resolve().parents[2] / "protocol.md"
VECTOR_BLOCK = re.compile(r"^```json vector-([a-z0-9-]+)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
EXPECTED_VECTORS = {
    "frame", "kdf", "argon2id", "password-keys", "password-nfkc", "padding", "document", "body-edit", "record",
    "record-newer", "record-cut-epoch",
    "record-compressed", "record-zstd",
    "bundle",
    "recovery", "journal-key", "journal-meta", "journal-name", "challenge", "device-sign-in", "identity", "wire",
    "share-envelope", "disclosure-id", "default-journal-id", "document-id", "withholding", "access-chain",
    "access-removed", "access-removed-because", "access-removed-gaps",
    "access-limited", "access-chain-v2", "access-versions", "access-key-check",
    "verify-head-records",
    "update-refusals",
}  # fmt: skip
h = bytes.fromhex


def load_vectors() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name, text in VECTOR_BLOCK.findall(PROTOCOL.read_text(encoding="utf-8")):
        assert name not in found, f"protocol.md has two vector-{name} blocks"
        found[name] = json.loads(text)
    return found


VECTORS = load_vectors()


def flip_byte(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


def secrets_of(v: dict[str, Any]) -> keys.AccountSecrets:
    return keys.AccountSecrets(h(v["account_key"]), h(v["sign_seed"]), h(v["box_secret"]))


def test_protocol_md_holds_every_vector() -> None:
    assert set(VECTORS) == EXPECTED_VECTORS


# --- framing and key derivation --------------------------------------------------------------


def test_frame_is_length_prefixed_concatenation() -> None:
    vector = VECTORS["frame"]
    parts = [h(part) for part in vector["parts"]]
    assert crypto.frame(*parts).hex() == vector["framed"]
    assert service.frame(*parts).hex() == vector["framed"]


def test_subkeys_are_keyed_blake2b_with_each_kdf_context() -> None:
    vector = VECTORS["kdf"]
    root = h(vector["root"])
    kdf_contexts = {context.name for context in Context if context.name.startswith("KDF_")}
    assert {entry["context"] for entry in vector["subkeys"]} == kdf_contexts
    for entry in vector["subkeys"]:
        context = Context[entry["context"]]
        assert context.value == entry["personal"].encode("ascii")
        assert crypto.derive_subkey(root, context).hex() == entry["subkey"]
        independent = hashlib.blake2b(b"", digest_size=32, key=root, person=context.value)
        assert independent.hexdigest() == entry["subkey"]


def test_argon2id_turns_the_password_into_the_root() -> None:
    vector = VECTORS["argon2id"]
    cost = KdfCost(vector["opslimit"], vector["memlimit"])
    assert cost == crypto.INSECURE_TEST_COST
    root = crypto.derive_root(vector["password"], h(vector["salt"]), cost)
    assert root.hex() == vector["root"]


def test_password_yields_the_login_key_and_the_kek() -> None:
    vector = VECTORS["password-keys"]
    cost = KdfCost(vector["opslimit"], vector["memlimit"])
    derived = keys.password_keys(vector["password"], h(vector["salt"]), cost)
    assert derived.kek.hex() == vector["kek"]
    assert bytes(derived.login_key).hex() == vector["login_seed"]
    assert bytes(derived.login_key.verify_key).hex() == vector["login_public_key"]


def test_a_password_is_put_in_nfkc_before_argon2id_whichever_way_it_was_typed() -> None:
    vector = VECTORS["password-nfkc"]
    cost = KdfCost(vector["opslimit"], vector["memlimit"])
    salt = h(vector["salt"])
    assert crypto.normalize_password(vector["password"]) == vector["nfkc"]
    assert vector["nfkc"].encode("utf-8").hex() == vector["nfkc_utf8"]
    for typed in [vector["password"], vector["nfkc"], *vector["typed_forms"]]:
        assert crypto.derive_root(typed, salt, cost).hex() == vector["root"], typed
    as_typed = nacl.pwhash.argon2id.kdf(
        32, vector["password"].encode(), salt, opslimit=cost.opslimit, memlimit=cost.memlimit
    )
    assert as_typed.hex() != vector["root"]  # the vector's password is not NFKC-stable


# --- padding -----------------------------------------------------------------------------------


def documented_block(length: int) -> int:
    """The block rule as protocol.md words it, written independently of crypto.padded_block."""
    return 256 if length < 8192 else 2 ** (length.bit_length() - 4)


def test_padding_lengths_follow_the_block_rule() -> None:
    vector = VECTORS["padding"]
    for length, padded_length in vector["lengths"]:
        data = bytes([0x42]) * length
        padded = crypto.pad(data)
        assert len(padded) == padded_length, length
        block = documented_block(length + 1)
        assert padded_length == (length // block + 1) * block
        assert crypto.unpad(padded, "vector") == data


def test_padding_appends_0x80_then_zeros() -> None:
    vector = VECTORS["padding"]
    data, padded = h(vector["example"]["data"]), h(vector["example"]["padded"])
    assert crypto.pad(data).hex() == vector["example"]["padded"]
    assert padded == data + b"\x80" + bytes(len(padded) - len(data) - 1)
    assert crypto.unpad(padded, "vector") == data


# --- documents ---------------------------------------------------------------------------------


def read_entry(updates: list[bytes]) -> dict[str, Any]:
    document = Document(bytes(16), "entry")
    for update in updates:
        document.apply(update)
    view = entry_view(document)
    return {
        "title": view.title,
        "body": view.body,
        "mood": view.mood,
        "tags": list(view.tags),
        "created_at": view.created_at,
        "updated_at": view.updated_at,
        "deleted": view.deleted,
    }


def entry_doc(client_id: int) -> tuple[Doc[Any], Map[Any], Text]:
    doc: Doc[Any] = Doc(client_id=client_id)
    return doc, doc.get("fields", type=Map), doc.get("body", type=Text)


def test_an_entry_update_reads_as_the_documented_entry() -> None:
    vector = VECTORS["document"]
    create = vector["create"]
    assert read_entry([h(create["update"])]) == create["entry"]


def test_the_entry_update_is_the_documented_layout_in_yjs() -> None:
    vector = VECTORS["document"]
    create, entry = vector["create"], vector["create"]["entry"]
    doc, fields, body = entry_doc(create["client_id"])
    with doc.transaction():
        for name in ("title", "mood", "tags", "created_at", "updated_at", "deleted"):
            fields[name] = entry[name]
        body.insert(0, entry["body"])
    assert bytes(doc.get_update()).hex() == create["update"]


def test_the_sdk_writes_entries_with_the_documented_root_types() -> None:
    document = Document(bytes(16), "entry")
    update = new_entry_update(document, EntryFields(title="t", mood=3, body="b"), 5)
    raw: Doc[Any] = Doc()
    raw.apply_update(update)
    fields = raw.get("fields", type=Map)
    assert set(fields.keys()) == {"title", "mood", "tags", "created_at", "updated_at", "deleted"}
    assert str(raw.get("body", type=Text)) == "b"


def test_concurrent_edits_merge_the_same_in_every_order() -> None:
    vector = VECTORS["document"]
    base = h(vector["create"]["update"])
    update_a = h(vector["merge"]["update_a"]["update"])
    update_b = h(vector["merge"]["update_b"]["update"])
    for order in itertools.permutations([base, update_a, update_b]):
        assert read_entry(list(order)) == vector["merge"]["entry"], order
    assert read_entry([base, update_a, update_b, update_a, base]) == vector["merge"]["entry"]


def test_the_update_refusal_vectors() -> None:
    """Each case of `update-refusals` is refused, or merged, as the vector says; a merged one
    applies in pycrdt."""
    cases = VECTORS["update-refusals"]["updates"]
    assert {case["refused"] for case in cases} == {True, False}
    for case in cases:
        update = h(case["update"])
        assert (refusal(update) is not None) is case["refused"], case["case"]
        if not case["refused"]:
            Document(b"\x55" * 16, "entry").apply(update)


def test_a_body_edit_changes_only_the_characters_of_the_vectors_diff() -> None:
    vector = VECTORS["body-edit"]
    laptop = Document(bytes(16), "entry")
    new_entry_update(laptop, EntryFields(body=vector["old"]), 1)
    phone = Document.from_state(bytes(16), "entry", laptop.state())
    copy: Doc[Any] = Doc()
    body = copy.get("body", type=Text)
    copy.apply_update(laptop.state())
    inserted: list[str] = []
    subscription = body.observe(
        lambda event: inserted.extend(step["insert"] for step in event.delta if "insert" in step)
    )
    from_laptop = edit_entry_update(laptop, EntryFields(body=vector["new"]), 2)
    copy.apply_update(from_laptop)
    body.unobserve(subscription)
    assert inserted == [chunk for op, chunk in vector["diff"] if op == "+"]
    assert str(body) == vector["new"]
    from_phone = edit_entry_update(phone, EntryFields(body=vector["concurrent"]), 3)
    laptop.apply(from_phone)
    phone.apply(from_laptop)
    assert laptop.text("body") == phone.text("body") == vector["merged"]


# --- records -----------------------------------------------------------------------------------


def record_body(v: dict[str, Any]) -> records.RecordBody:
    b = v["body"]
    return records.RecordBody(
        author=h(b["author"]),
        device=h(b["device"]),
        counter=b["counter"],
        doc_id=h(b["doc_id"]),
        doc_kind=b["doc_kind"],
        kind=b["kind"],
        payload=h(b["payload"]),
        written_at=b["written_at"],
        seen=tuple(Seen(h(a), h(d), c) for a, d, c in b["seen"]),
        covers=tuple(
            Cover(h(a), h(d), tuple((lo, hi) for lo, hi in ranges)) for a, d, ranges in b["covers"]
        ),
    )


def test_a_cut_naming_its_share_encodes_signs_and_opens_as_the_vector_says() -> None:
    """protocol.md 4.15 element 11, 4.18 "Cuts": the twelfth element of a cut's body."""
    vector = VECTORS["record-cut-epoch"]
    body = dataclasses.replace(record_body(vector), cut_epoch=vector["body"]["cut"])
    encoded = body.to_bytes()
    assert encoded.hex() == vector["body_msgpack"]
    fields = msgpack.unpackb(encoded)
    assert len(fields) == 12 and fields[11] == vector["body"]["cut"]
    assert records.parse_version_2(fields, "vector") == body
    assert records.parse_version_2(fields[:11], "vector") == record_body(vector)  # no `cut`
    signing_key = crypto.signing_key_from_seed(h(vector["author_sign_seed"]))
    ad = records.record_ad(h(vector["journal_id"]), h(vector["record_id"]), vector["epoch"])
    assert ad.hex() == vector["associated_data"]
    assert (
        crypto.sign(signing_key, records.signature_input(ad, encoded)).hex()
        == (vector["signature"])
    )
    key = crypto.new_key()
    ciphertext = records.seal_record(
        key, h(vector["journal_id"]), h(vector["record_id"]), vector["epoch"], body, signing_key
    )
    opened = records.open_record(
        key,
        h(vector["journal_id"]),
        h(vector["record_id"]),
        vector["epoch"],
        ciphertext,
        lambda _: bytes(signing_key.verify_key),
    )
    assert opened == body
    not_a_cut = dataclasses.replace(record_body(vector), covers=record_body(vector).covers[1:])
    with pytest.raises(IntegrityError, match="malformed body"):
        records.parse_version_2([*msgpack.unpackb(not_a_cut.to_bytes()), 1], "vector")


def test_record_sealing_reproduces_every_intermediate_value() -> None:
    vector = VECTORS["record"]
    signing_key = crypto.signing_key_from_seed(h(vector["author_sign_seed"]))
    assert bytes(signing_key.verify_key).hex() == vector["author_sign_public_key"]
    ad = records.record_ad(h(vector["journal_id"]), h(vector["record_id"]), vector["epoch"])
    assert ad.hex() == vector["associated_data"]
    body = record_body(vector).to_bytes()
    assert body.hex() == vector["body_msgpack"]
    assert records.signature_input(ad, body).hex() == vector["signature_input"]
    assert crypto.sign(signing_key, records.signature_input(ad, body)).hex() == vector["signature"]
    plaintext = records.record_plaintext(record_body(vector), signing_key, ad)
    assert plaintext.hex() == vector["padded_plaintext"]
    sealed = crypto._seal_with_nonce(h(vector["journal_key"]), plaintext, ad, h(vector["nonce"]))
    assert sealed.hex() == vector["ciphertext"]


def test_record_layout_is_as_documented() -> None:
    vector = VECTORS["record"]
    ad = h(vector["associated_data"])
    assert ad == crypto.frame(
        b"tj/record/v1",
        h(vector["journal_id"]),
        h(vector["record_id"]),
        vector["epoch"].to_bytes(4, "big"),
    )
    inner = msgpack.unpackb(crypto.unpad(h(vector["padded_plaintext"]), "vector"))
    assert inner == [h(vector["body_msgpack"]), h(vector["signature"])]
    b = vector["body"]
    assert msgpack.unpackb(h(vector["body_msgpack"])) == [
        2,
        h(b["author"]),
        h(b["device"]),
        b["counter"],
        h(b["doc_id"]),
        b["doc_kind"],
        b["kind"],
        h(b["payload"]),
        b["written_at"],
        [[h(a), h(d), c] for a, d, c in b["seen"]],
        [[h(a), h(d), ranges] for a, d, ranges in b["covers"]],
    ]
    signature_input = crypto.frame(b"tj/record-signature/v1", ad, h(vector["body_msgpack"]))
    nacl.signing.VerifyKey(h(vector["author_sign_public_key"])).verify(
        signature_input, h(vector["signature"])
    )


def open_vector_record(vector: Any, **changes: Any) -> records.RecordBody:
    fields = {
        "journal_key": h(vector["journal_key"]),
        "journal_id": h(vector["journal_id"]),
        "record_id": h(vector["record_id"]),
        "epoch": vector["epoch"],
        "ciphertext": h(vector["ciphertext"]),
    }
    fields.update(changes)
    author = h(vector["body"]["author"])
    public_key = h(vector["author_sign_public_key"])
    return records.open_record(
        fields["journal_key"],
        fields["journal_id"],
        fields["record_id"],
        fields["epoch"],
        fields["ciphertext"],
        lambda account: public_key if account == author else None,
    )


def test_the_vector_record_opens_to_its_body() -> None:
    vector = VECTORS["record"]
    assert open_vector_record(vector) == record_body(vector)


def test_a_version_2_reader_opens_the_newer_record_vector_to_its_verified_prefix() -> None:
    vector = VECTORS["record-newer"]
    signing_key = crypto.signing_key_from_seed(h(vector["author_sign_seed"]))
    assert bytes(signing_key.verify_key).hex() == vector["author_sign_public_key"]
    public_key = h(vector["author_sign_public_key"])
    opens_to = vector["opens_to"]
    author = h(opens_to["author"])

    def open_it(**changes: Any) -> records.RecordBody | records.NewerRecord:
        where = {"journal_id": h(vector["journal_id"]), "record_id": h(vector["record_id"])}
        where.update(changes)
        return records.open_verified(
            h(vector["journal_key"]),
            where["journal_id"],
            where["record_id"],
            vector["epoch"],
            h(vector["ciphertext"]),
            lambda account: public_key if account == author else None,
        )

    assert records.RECORD_VERSION == 2 and opens_to["version"] not in records.known_versions()
    assert open_it() == records.NewerRecord(
        opens_to["version"], author, h(opens_to["device"]), opens_to["counter"]
    )
    ad = records.record_ad(h(vector["journal_id"]), h(vector["record_id"]), vector["epoch"])
    assert ad.hex() == vector["associated_data"]
    body = h(vector["body_msgpack"])
    assert msgpack.unpackb(body) == [
        h(x) if i in vector["binary"] else x for i, x in enumerate(vector["body"])
    ]
    signature = crypto.sign(signing_key, records.signature_input(ad, body))
    assert signature.hex() == vector["signature"]
    padded = crypto.pad(msgpack.packb([body, signature], use_bin_type=True))
    assert padded.hex() == vector["padded_plaintext"]
    sealed = crypto._seal_with_nonce(h(vector["journal_key"]), padded, ad, h(vector["nonce"]))
    assert sealed.hex() == vector["ciphertext"]
    with pytest.raises(IntegrityError):
        open_it(record_id=flip_byte(h(vector["record_id"]), 0))


def test_the_compressed_record_vector_seals_and_opens_with_the_sdk(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """protocol.md 4.15, "Compressed payloads": the SDK as it wrote before Zstandard
    (`WRITE_ENCODING` zlib) writes the vector's body (version 3, zlib at level 6) for the
    entry's update, signs, pads and seals it to the vector's bytes, and opens it to the
    uncompressed update, which reads as the entry; a reader of version 2 only keeps it as a
    newer version's record, its prefix verified."""
    monkeypatch.setattr(records, "WRITE_ENCODING", records.ZLIB)
    vector = VECTORS["record-compressed"]
    b = vector["body"]
    payload, deflated = h(b["payload"]), h(b["payload_zlib"])
    assert zlib.compress(payload, records.ZLIB_LEVEL) == deflated  # this zlib writes the vector
    body = dataclasses.replace(record_body(vector), compress=True)
    signing_key = crypto.signing_key_from_seed(h(vector["author_sign_seed"]))
    ad = records.record_ad(h(vector["journal_id"]), h(vector["record_id"]), vector["epoch"])
    assert body.to_bytes().hex() == vector["body_msgpack"]
    assert msgpack.unpackb(body.to_bytes())[::11] == [records.COMPRESSED_VERSION, records.ZLIB]
    plaintext = records.record_plaintext(body, signing_key, ad)
    assert plaintext.hex() == vector["padded_plaintext"]
    uncompressed = records.record_plaintext(record_body(vector), signing_key, ad)
    assert len(uncompressed) == vector["uncompressed_padded_length"] > len(plaintext)
    sealed = crypto._seal_with_nonce(h(vector["journal_key"]), plaintext, ad, h(vector["nonce"]))
    assert sealed.hex() == vector["ciphertext"]

    opened = open_vector_record(vector)
    assert opened == record_body(vector) and opened.payload == payload and opened.compress
    document = Document(h(b["doc_id"]), "entry")
    document.apply(opened.payload)
    assert document.text("body") == vector["entry_text"]

    monkeypatch.delitem(records.BODY_PARSERS, records.COMPRESSED_VERSION)  # an older SDK
    author, public_key = h(b["author"]), h(vector["author_sign_public_key"])
    kept = records.open_verified(
        h(vector["journal_key"]),
        h(vector["journal_id"]),
        h(vector["record_id"]),
        vector["epoch"],
        h(vector["ciphertext"]),
        lambda account: public_key if account == author else None,
    )
    assert kept == records.NewerRecord(3, author, h(b["device"]), b["counter"])


class _VectorFrame:
    """A compressor that writes the vector's Zstandard frame (what libzstd 1.5 writes at level
    1; another version may write other bytes, as valid)."""

    def __init__(self, frame: bytes) -> None:
        self.frame = frame

    def compress(self, data: bytes) -> bytes:
        return self.frame


def test_the_zstd_record_vector_seals_and_opens_with_the_sdk(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """protocol.md 4.15, "Compressed payloads": the SDK opens the vector's record (version 3,
    encoding 2) to the entry's update; what it writes itself for that update is a version 3
    body with encoding 2 and a frame that names its content size, with neither checksum nor
    dictionary (`payload_zstd`'s form), and around the vector's frame its encoding, signature,
    padding and sealing give the vector's bytes."""
    vector = VECTORS["record-zstd"]
    b = vector["body"]
    payload, frame = h(b["payload"]), h(b["payload_zstd"])
    opened = open_vector_record(vector)
    assert opened == record_body(vector) and opened.payload == payload
    assert opened.compress and opened.encoding == records.ZSTD
    document = Document(h(b["doc_id"]), "entry")
    document.apply(opened.payload)
    assert document.text("body") == vector["entry_text"]

    body = dataclasses.replace(record_body(vector), compress=True)
    written = msgpack.unpackb(body.to_bytes())
    assert written[::11] == [records.ZSTD_VERSION, records.ZSTD]
    parameters = zstandard.get_frame_parameters(written[7])
    assert parameters.content_size == len(payload) and parameters.dict_id == 0
    assert not parameters.has_checksum and written[7].startswith(frame[:4])
    assert records.inflate(written[7], "r", records.ZSTD) == payload

    monkeypatch.setattr(records._CODECS, "compressor", _VectorFrame(frame))
    signing_key = crypto.signing_key_from_seed(h(vector["author_sign_seed"]))
    ad = records.record_ad(h(vector["journal_id"]), h(vector["record_id"]), vector["epoch"])
    assert body.to_bytes().hex() == vector["body_msgpack"]
    plaintext = records.record_plaintext(body, signing_key, ad)
    assert plaintext.hex() == vector["padded_plaintext"]
    assert len(plaintext) < vector["uncompressed_padded_length"]
    sealed = crypto._seal_with_nonce(h(vector["journal_key"]), plaintext, ad, h(vector["nonce"]))
    assert sealed.hex() == vector["ciphertext"]


def test_the_record_payload_is_the_document_vector() -> None:
    assert VECTORS["record"]["body"]["payload"] == VECTORS["document"]["create"]["update"]


@pytest.mark.parametrize(
    "change",
    [
        {"journal_id": bytes(16)},
        {"record_id": bytes(16)},
        {"epoch": 3},
        {"journal_key": bytes(32)},
        {"ciphertext": "flip"},
    ],
    ids=["other journal", "other record id", "other epoch", "other key", "altered byte"],
)
def test_a_moved_or_altered_record_does_not_open(change: dict[str, Any]) -> None:
    vector = VECTORS["record"]
    if change.get("ciphertext") == "flip":
        change = {"ciphertext": flip_byte(h(vector["ciphertext"]), 100)}
    with pytest.raises(IntegrityError):
        open_vector_record(vector, **change)


# --- bundles and keys --------------------------------------------------------------------------


def test_bundle_sealing_reproduces_the_vector() -> None:
    vector = VECTORS["bundle"]
    secrets = secrets_of(vector)
    assert secrets.to_bytes().hex() == vector["plaintext"]
    assert h(vector["plaintext"]) == b"\x01" + secrets.account_key + secrets.sign_seed + (
        secrets.box_secret
    )
    ad = crypto.frame(b"tj/bundle/v1", h(vector["account_id"]), vector["username"].encode())
    assert ad.hex() == vector["associated_data"]
    sealed = crypto._seal_with_nonce(h(vector["kek"]), secrets.to_bytes(), ad, h(vector["nonce"]))
    assert sealed.hex() == vector["sealed"]
    assert len(sealed) == 137


def test_the_vector_bundle_opens_only_for_its_account() -> None:
    vector = VECTORS["bundle"]
    kek, sealed, account_id = h(vector["kek"]), h(vector["sealed"]), h(vector["account_id"])
    assert keys.open_bundle(kek, sealed, account_id, vector["username"]) == secrets_of(vector)
    with pytest.raises(IntegrityError):
        keys.open_bundle(kek, sealed, account_id, "bob")


def test_recovery_key_format_reproduces_the_vector() -> None:
    vector = VECTORS["recovery"]
    key = h(vector["recovery_key"])
    check = hashlib.blake2b(key, digest_size=32).digest()[:3]
    assert check.hex() == vector["check"]
    text = base64.b32encode(key + check).decode()
    assert "-".join(text[i : i + 4] for i in range(0, 56, 4)) == vector["formatted"]
    assert keys.format_recovery_key(key) == vector["formatted"]
    assert keys.parse_recovery_key(vector["formatted"]) == key
    assert keys.parse_recovery_key(vector["formatted"].lower().replace("-", " ")) == key


def test_recovery_key_yields_login_key_and_wrap_key() -> None:
    vector = VECTORS["recovery"]
    key = h(vector["recovery_key"])
    login = keys.recovery_login_key(key)
    assert bytes(login).hex() == vector["login_seed"]
    assert bytes(login.verify_key).hex() == vector["login_public_key"]
    assert crypto.derive_subkey(key, Context.KDF_RECOVERY_WRAP).hex() == vector["wrap_key"]


def test_recovery_bundle_reproduces_the_vector_and_opens() -> None:
    vector = VECTORS["recovery"]
    secrets, account_id = secrets_of(vector), h(vector["account_id"])
    ad = crypto.frame(b"tj/recovery-bundle/v1", account_id, vector["username"].encode())
    assert ad.hex() == vector["associated_data"]
    sealed = crypto._seal_with_nonce(
        h(vector["wrap_key"]), secrets.to_bytes(), ad, h(vector["nonce"])
    )
    assert sealed.hex() == vector["sealed"]
    opened = keys.open_recovery_bundle(
        h(vector["recovery_key"]), sealed, account_id, vector["username"]
    )
    assert opened == secrets


def test_journal_key_wrap_reproduces_the_vector_and_unwraps() -> None:
    vector = VECTORS["journal-key"]
    account_key, account_id = h(vector["account_key"]), h(vector["account_id"])
    journal_id, epoch = h(vector["journal_id"]), vector["epoch"]
    ad = crypto.frame(b"tj/journal-key/v1", account_id, journal_id, epoch.to_bytes(4, "big"))
    assert ad.hex() == vector["associated_data"]
    wrapped = crypto._seal_with_nonce(account_key, h(vector["journal_key"]), ad, h(vector["nonce"]))
    assert wrapped.hex() == vector["wrapped"]
    unwrapped = keys.unwrap_journal_key(account_key, account_id, journal_id, epoch, wrapped)
    assert unwrapped.hex() == vector["journal_key"]
    with pytest.raises(IntegrityError):
        keys.unwrap_journal_key(account_key, account_id, journal_id, epoch + 1, wrapped)


def test_journal_meta_reproduces_the_vector_and_opens() -> None:
    vector = VECTORS["journal-meta"]
    journal_key, journal_id, epoch = h(vector["journal_key"]), h(vector["journal_id"]), 2
    assert vector["epoch"] == epoch
    meta = msgpack.packb({"name": vector["name"]}, use_bin_type=True)
    assert meta.hex() == vector["meta_msgpack"]
    ad = crypto.frame(b"tj/journal-meta/v1", journal_id, epoch.to_bytes(4, "big"))
    assert ad.hex() == vector["associated_data"]
    sealed = epoch.to_bytes(4, "big") + crypto._seal_with_nonce(
        journal_key, crypto.pad(meta), ad, h(vector["nonce"])
    )
    assert sealed.hex() == vector["sealed_meta"]
    assert keys.meta_epoch(sealed) == epoch
    opened = keys.open_journal_meta(journal_key, journal_id, sealed)
    assert msgpack.unpackb(opened) == {"name": vector["name"]}


def test_journal_name_signatures_reproduce_the_vector_and_verify() -> None:
    """Version 2 (F4: the name with its `named_at`) and version 1 (metadata written before),
    signed by the SDK, read back from the metadata map the SDK writes; neither verifies as
    the other, nor with another `named_at`, epoch or name."""
    v = VECTORS["journal-name"]
    owner = keys.AccountSecrets(bytes(32), h(v["sign_seed"]), bytes(32))
    journal_id, epoch, named_at, name = h(v["journal_id"]), v["epoch"], v["named_at"], v["name"]
    public_key = owner.sign_public_key
    assert public_key.hex() == v["sign_public_key"]
    assert Context.JOURNAL_NAME_V2.value == b"tj/journal-name/v2"
    message = keys.journal_name_message(journal_id, epoch, name, named_at)
    assert message.hex() == v["message"]
    signature = keys.sign_journal_name(owner, journal_id, epoch, name, named_at)
    assert signature.hex() == v["signature"]
    meta = journal_meta.encode_meta(name, name_signature=signature.hex(), named_at=named_at)
    assert meta.hex() == v["meta_msgpack"]
    read = journal_meta.decode_meta(meta)
    assert journal_meta.named_at_of(read) == named_at
    assert not journal_meta.archived_of(read)
    keys.verify_journal_name(public_key, journal_id, epoch, name, signature, named_at)
    # W1: the archived flag is one byte of the version-2 message
    archived = keys.journal_name_message(journal_id, epoch, name, named_at, archived=True)
    assert archived.hex() == v["message_archived"]
    signature_archived = keys.sign_journal_name(owner, journal_id, epoch, name, named_at, True)
    assert signature_archived.hex() == v["signature_archived"]
    meta = journal_meta.encode_meta(
        name, name_signature=signature_archived.hex(), named_at=named_at, archived=True
    )
    assert meta.hex() == v["meta_msgpack_archived"]
    assert journal_meta.archived_of(journal_meta.decode_meta(meta))
    keys.verify_journal_name(
        public_key, journal_id, epoch, name, signature_archived, named_at, archived=True
    )
    assert keys.journal_name_message(journal_id, epoch, name).hex() == v["message_v1"]
    signature_v1 = keys.sign_journal_name(owner, journal_id, epoch, name, 0)
    assert signature_v1.hex() == v["signature_v1"]
    keys.verify_journal_name(public_key, journal_id, epoch, name, signature_v1)
    assert journal_meta.named_at_of({"name": name}) == 0
    for args in (
        (epoch, name, signature, 0),  # a version-2 signature read as version 1
        (epoch, name, signature_v1, named_at),  # and the other way round
        (epoch, name, signature, named_at - 1),
        (epoch + 1, name, signature, named_at),
        (epoch, "Work", signature, named_at),
        (epoch, name, signature, named_at, True),  # not archived, read as archived
        (epoch, name, signature_archived, named_at),  # and the other way round
        (epoch, name, signature_v1, 0, True),  # version 1 carries no flag
    ):
        with pytest.raises(IntegrityError):
            keys.verify_journal_name(public_key, journal_id, *args)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [0, -1, 1 << 64, True, "1767225600000", 1.5])
def test_a_named_at_out_of_range_is_malformed_metadata(value: object) -> None:
    with pytest.raises(IntegrityError):
        journal_meta.named_at_of({"name": "Personal", "named_at": value})


# --- challenges and identities -----------------------------------------------------------------


def test_challenge_message_and_signature_reproduce_the_vector() -> None:
    vector = VECTORS["challenge"]
    username, server_id, purpose = vector["username"], h(vector["server_id"]), vector["purpose"]
    challenge = h(vector["challenge"])
    message = keys.challenge_message(username, server_id, purpose, challenge)
    assert message.hex() == vector["message"]
    login_key = crypto.signing_key_from_seed(h(vector["login_seed"]))
    assert bytes(login_key.verify_key).hex() == vector["login_public_key"]
    signature = keys.sign_challenge(login_key, username, server_id, purpose, challenge)
    assert signature.hex() == vector["signature"]


def test_the_server_builds_and_verifies_the_same_challenge_message() -> None:
    vector = VECTORS["challenge"]
    assert service.CHALLENGE_CONTEXT == Context.LOGIN_CHALLENGE.value
    message = service.frame(
        service.CHALLENGE_CONTEXT,
        vector["username"].encode(),
        h(vector["server_id"]),
        vector["purpose"].encode(),
        h(vector["challenge"]),
    )
    assert message.hex() == vector["message"]
    nacl.signing.VerifyKey(h(vector["login_public_key"])).verify(message, h(vector["signature"]))


def test_the_challenge_vector_is_signed_by_the_password_login_key() -> None:
    assert VECTORS["challenge"]["login_seed"] == VECTORS["password-keys"]["login_seed"]


def test_the_device_sign_in_vector_is_what_a_login_sends_and_a_reader_checks() -> None:
    """protocol.md 4.21: the SDK signs the vector's message (challenge, device id, signed
    time) with the device key, and a reader holds the signature for the vector's challenge,
    device id and time, and for no other, nor for none (0)."""
    vector = VECTORS["device-sign-in"]
    assert vector["context"].encode() == Context.DEVICE_SIGN_IN.value
    challenge, device_id = h(vector["challenge"]), h(vector["device_id"])
    signed_at = vector["signed_at"]
    assert keys.device_sign_in_message(challenge, device_id, signed_at).hex() == vector["message"]
    key = crypto.signing_key_from_seed(h(vector["device_seed"]))
    public, signature = keys.device_proof(key, challenge, device_id, signed_at)
    assert (public.hex(), signature.hex()) == (vector["device_key"], vector["device_signature"])
    assert keys.device_proof_holds(public, challenge, device_id, signed_at, signature)
    assert not keys.device_proof_holds(public, challenge, bytes(16), signed_at, signature)
    assert not keys.device_proof_holds(public, bytes(32), device_id, signed_at, signature)
    assert not keys.device_proof_holds(public, challenge, device_id, signed_at + 1, signature)
    assert not keys.device_proof_holds(public, challenge, device_id, 0, signature)


def test_identity_message_signature_and_fingerprint_reproduce_the_vector() -> None:
    vector = VECTORS["identity"]
    secrets = keys.AccountSecrets(bytes(32), h(vector["sign_seed"]), h(vector["box_secret"]))
    assert secrets.sign_public_key.hex() == vector["sign_public_key"]
    assert secrets.box_public_key.hex() == vector["box_public_key"]
    account_id, username = h(vector["account_id"]), vector["username"]
    sign_pk, box_pk = secrets.sign_public_key, secrets.box_public_key
    message = keys.identity_message(account_id, username, sign_pk, box_pk)
    assert message.hex() == vector["message"]
    assert (
        service.frame(
            service.IDENTITY_CONTEXT, account_id, username.encode(), sign_pk, box_pk
        ).hex()
        == vector["message"]
    )
    assert keys.sign_identity(secrets, account_id, username).hex() == vector["signature"]
    keys.verify_identity(account_id, username, sign_pk, box_pk, h(vector["signature"]))
    with pytest.raises(IntegrityError):
        keys.verify_identity(account_id, "bob", sign_pk, box_pk, h(vector["signature"]))
    assert keys.fingerprint(account_id, username, sign_pk, box_pk) == vector["fingerprint"]


def test_fingerprint_digits_follow_the_documented_derivation() -> None:
    vector = VECTORS["identity"]
    framed = crypto.frame(
        b"tj/fingerprint/v1",
        h(vector["account_id"]),
        vector["username"].encode(),
        h(vector["sign_public_key"]),
        h(vector["box_public_key"]),
    )
    assert framed.hex() == vector["fingerprint_input"]
    digest = hashlib.blake2b(framed, digest_size=32).digest()
    assert digest.hex() == vector["fingerprint_digest"]
    groups = [int.from_bytes(digest[5 * i : 5 * i + 5], "big") % 100_000 for i in range(6)]
    assert " ".join(f"{group:05d}" for group in groups) == vector["fingerprint"]
    assert (
        keys.normalize_fingerprint(vector["fingerprint"].replace(" ", ""))
        == (vector["fingerprint"])
    )


# --- sharing -------------------------------------------------------------------------------------


def share_terms(v: dict[str, Any]) -> keys.ShareTerms:
    return keys.ShareTerms(
        owner_id=h(v["owner_id"]),
        member_id=h(v["member_id"]),
        member_name=v["member_name"],
        member_sign_public_key=h(v["member_sign_public_key"]),
        member_box_public_key=h(v["member_box_public_key"]),
        journal_id=h(v["journal_id"]),
        role=v["role"],
        epoch=v["epoch"],
        expires_at=v["expires_at"],
    )


def member_secrets(v: dict[str, Any]) -> keys.AccountSecrets:
    return keys.AccountSecrets(bytes(32), h(v["member_sign_seed"]), h(v["member_box_secret"]))


def test_share_envelope_reproduces_the_vector_from_its_sealed_box() -> None:
    vector = VECTORS["share-envelope"]
    assert member_secrets(vector).box_public_key.hex() == vector["member_box_public_key"]
    assert member_secrets(vector).sign_public_key.hex() == vector["member_sign_public_key"]
    owner = keys.AccountSecrets(bytes(32), h(vector["owner_sign_seed"]), bytes(32))
    assert owner.sign_public_key.hex() == vector["owner_sign_public_key"]
    sealed_box = h(vector["sealed_box"])
    assert len(sealed_box) == 80
    assert hashlib.blake2b(sealed_box, digest_size=32).hexdigest() == vector["sealed_box_hash"]
    message = keys.share_message(share_terms(vector), sealed_box)
    assert message.hex() == vector["message"]
    assert message == crypto.frame(
        b"tj/share-envelope/v1",
        h(vector["owner_id"]),
        h(vector["member_id"]),
        vector["member_name"].encode(),
        h(vector["member_sign_public_key"]),
        h(vector["member_box_public_key"]),
        h(vector["journal_id"]),
        vector["role"].encode(),
        vector["epoch"].to_bytes(4, "big"),
        vector["expires_at"].to_bytes(8, "big"),
        h(vector["sealed_box_hash"]),
    )
    signature = crypto.sign(owner.signing_key, message)
    assert signature.hex() == vector["signature"]
    envelope = msgpack.packb(
        [
            1,
            sealed_box,
            signature,
            vector["role"],
            vector["expires_at"],
            vector["member_name"],
            h(vector["member_sign_public_key"]),
            h(vector["member_box_public_key"]),
        ],
        use_bin_type=True,
    )
    assert envelope.hex() == vector["envelope"]
    assert keys.envelope_terms(envelope) == (vector["role"], vector["expires_at"])


def open_vector_envelope(vector: Any, **changes: Any) -> tuple[bytes, keys.ShareTerms]:
    fields = {
        "member_id": h(vector["member_id"]),
        "member_name": vector["member_name"],
        "owner_id": h(vector["owner_id"]),
        "owner_sign_public_key": h(vector["owner_sign_public_key"]),
        "journal_id": h(vector["journal_id"]),
        "epoch": vector["epoch"],
        "envelope": h(vector["envelope"]),
    }
    fields.update(changes)
    return keys.open_share_envelope(member_secrets(vector), **fields)


def test_the_vector_share_envelope_opens_to_the_journal_key() -> None:
    vector = VECTORS["share-envelope"]
    journal_key, terms = open_vector_envelope(vector)
    assert journal_key.hex() == vector["journal_key"]
    assert terms == share_terms(vector)


@pytest.mark.parametrize(
    "change",
    [
        {"member_id": bytes(16)},
        {"member_name": "mallory"},
        {"journal_id": bytes(16)},
        {"epoch": 3},
        {"owner_id": bytes(16)},
    ],
    ids=["other member", "other member name", "other journal", "other epoch", "other owner"],
)
def test_a_retargeted_share_envelope_does_not_open(change: dict[str, Any]) -> None:
    with pytest.raises(IntegrityError):
        open_vector_envelope(VECTORS["share-envelope"], **change)


def test_the_owner_recovers_the_confirmed_member_keys_from_its_own_envelope() -> None:
    vector = VECTORS["share-envelope"]
    terms = keys.verify_share_terms(
        h(vector["owner_sign_public_key"]),
        h(vector["owner_id"]),
        h(vector["member_id"]),
        h(vector["journal_id"]),
        vector["epoch"],
        h(vector["envelope"]),
    )
    assert terms == share_terms(vector)


def test_an_envelope_naming_other_member_keys_fails_the_owners_check() -> None:
    vector = VECTORS["share-envelope"]
    fields = msgpack.unpackb(h(vector["envelope"]), raw=False)
    fields[6] = bytes(32)  # a key the owner never confirmed
    forged = msgpack.packb(fields, use_bin_type=True)
    with pytest.raises(IntegrityError):
        keys.verify_share_terms(
            h(vector["owner_sign_public_key"]),
            h(vector["owner_id"]),
            h(vector["member_id"]),
            h(vector["journal_id"]),
            vector["epoch"],
            forged,
        )


def test_disclosure_id_reproduces_the_vector() -> None:
    vector = VECTORS["disclosure-id"]
    account_key, source, journal_id = (
        h(vector["account_key"]),
        h(vector["source_doc_id"]),
        h(vector["journal_id"]),
    )
    derived = keys.disclosure_doc_id(account_key, source, journal_id)
    assert derived.hex() == vector["disclosure_doc_id"]
    independent = hashlib.blake2b(
        source + journal_id, digest_size=16, key=account_key, person=b"tj-disclosure-v1"
    )
    assert independent.hexdigest() == vector["disclosure_doc_id"]
    assert Context.DISCLOSURE_ID.value == b"tj-disclosure-v1"


def test_default_journal_id_reproduces_the_vector() -> None:
    vector = VECTORS["default-journal-id"]
    account_key, account_id = h(vector["account_key"]), h(vector["account_id"])
    derived = keys.default_journal_id(account_key, account_id)
    assert derived.hex() == vector["default_journal_id"]
    independent = hashlib.blake2b(
        account_id, digest_size=16, key=account_key, person=b"tj-default-v1..."
    )
    assert independent.hexdigest() == vector["default_journal_id"]
    assert Context.DEFAULT_JOURNAL_ID.value == b"tj-default-v1..."


def test_document_id_names_its_creator_as_the_vector_says() -> None:
    vector = VECTORS["document-id"]
    nonce, creator, other = h(vector["nonce"]), h(vector["creator"]), h(vector["other_creator"])
    for account, doc_id in ((creator, vector["doc_id"]), (other, vector["other_doc_id"])):
        tag = hashlib.blake2b(account + nonce, digest_size=8, person=b"tj-document-v1..")
        assert (nonce + tag.digest()).hex() == doc_id
        assert keys.created_by(h(doc_id), account)
    assert not keys.created_by(h(vector["other_doc_id"]), creator)
    assert not keys.created_by(h(vector["doc_id"]), other)
    assert Context.DOCUMENT_ID.value == b"tj-document-v1.."
    fresh = keys.new_doc_id(creator)
    assert len(fresh) == 16 and keys.created_by(fresh, creator)
    assert not keys.created_by(fresh, other)
    assert not keys.created_by(fresh[:8] + bytes(8), creator)


def test_a_late_flag_id_is_the_documented_owner_made_id_of_its_answer_and_member() -> None:
    """protocol.md "Late flags": nonce = keyed BLAKE2b (8 bytes, personal
    "tj-late-flag-v2.") of journal id || member id || item byte || answer byte || the
    answer's id, then the owner's document tag: every device of the owner derives the same
    id, one per answer and member, a worse answer under the same id another, and it is a
    document id the owner made (R37 F3)."""
    account_key, owner = bytes(range(0x60, 0x80)), b"\x11" * 16
    journal_id, member, other = b"\x22" * 16, b"\x88" * 16, b"\x99" * 16
    event = "55" * 16

    def late(
        key: bytes, journal: bytes, answer_id: str, item: int, answer: int, to: bytes
    ) -> bytes:
        return keys.late_flag_doc_id(key, owner, journal, answer_id, item, answer, to)

    doc_id = late(account_key, journal_id, event, 9, 1, member)
    nonce = hashlib.blake2b(
        journal_id + member + b"\x09\x01" + event.encode(),
        digest_size=8,
        key=account_key,
        person=b"tj-late-flag-v2.",
    ).digest()
    tag = hashlib.blake2b(owner + nonce, digest_size=8, person=b"tj-document-v1..").digest()
    assert doc_id == nonce + tag
    assert Context.LATE_FLAG_ID.value == b"tj-late-flag-v2."
    assert keys.created_by(doc_id, owner) and not keys.created_by(doc_id, member)
    assert doc_id == late(account_key, journal_id, event, 9, 1, member)
    others = {
        late(account_key, journal_id, event, 9, 1, other),
        late(account_key, b"\x23" * 16, event, 9, 1, member),
        late(account_key, journal_id, "66" * 16, 9, 1, member),
        late(account_key, journal_id, event, 9, 3, member),
        late(account_key, journal_id, event, 8, 1, member),
        late(bytes(32), journal_id, event, 9, 1, member),
    }
    assert doc_id not in others and len(others) == 6


def test_disclosure_settings_are_the_documented_five_elements() -> None:
    from tests.core.test_protocol_vectors_by_hand import aead, frame, mp

    account_key, journal_id = bytes(range(0x60, 0x80)), b"\x22" * 16
    member, source, since = b"\x88" * 16, b"\x55" * 16, 1767225600000
    ad = frame(b"tj/access-owner/v1", journal_id, b"")
    by_hand = aead(account_key, bytes(24), mp([member, source, ["mood"], since, "mirror"]), ad)
    settings = access.Disclosure(member, source, ("mood",), since, "mirror")
    assert access.open_disclosure(account_key, journal_id, by_hand) == settings
    sealed = access.seal_disclosure(account_key, journal_id, settings)
    opened = msgpack.unpackb(crypto.open_sealed(account_key, sealed, ad, "settings"), raw=False)
    assert opened == [member, source, ["mood"], since, "mirror"]
    four = aead(account_key, bytes(24), mp([member, source, ["mood"], since]), ad)
    with pytest.raises(IntegrityError):  # the layout protocol.md showed before: refused
        access.open_disclosure(account_key, journal_id, four)


# --- wire --------------------------------------------------------------------------------------


def from_json(hint: Any, value: Any) -> Any:
    """Build a wire value from the vector's JSON (bytes as hex), guided by type hints."""
    if typing.get_origin(hint) is list:
        (item,) = typing.get_args(hint)
        return [from_json(item, element) for element in value]
    if dataclasses.is_dataclass(hint):
        return build_message(typing.cast(type[Any], hint), value)
    if hint is bytes:
        return h(value)
    return value


def build_message(cls: type[Any], fields: dict[str, Any]) -> Any:
    hints = typing.get_type_hints(cls)
    return cls(**{name: from_json(hints[name], value) for name, value in fields.items()})


def bytes_fields(hint: Any, path: str = "") -> list[str]:
    """Paths of the `bytes` fields of a wire type, as the vector's `binary` names them."""
    if typing.get_origin(hint) is list:
        return bytes_fields(typing.get_args(hint)[0], f"{path}[]")
    if dataclasses.is_dataclass(hint):
        hints = typing.get_type_hints(hint)
        nested = [bytes_fields(hints[f.name], f"{path}.{f.name}") for f in dataclasses.fields(hint)]
        return [p.removeprefix(".") for paths in nested for p in paths]
    return [path] if hint is bytes else []


@pytest.mark.parametrize("example", VECTORS["wire"]["examples"], ids=lambda e: str(e["message"]))
def test_the_wire_vector_marks_exactly_the_binary_fields(example: dict[str, Any]) -> None:
    cls = getattr(wire, example["message"])
    # A map in field order, every field present but optional ones at their default, which
    # a sender leaves out (protocol.md 2.2).
    present = [
        f.name
        for f in dataclasses.fields(cls)
        if (f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING)
        or f.name in example["fields"]
    ]
    assert list(example["fields"]) == present
    binary = [p for p in bytes_fields(cls) if p.split(".")[0].removesuffix("[]") in present]
    assert example["binary"] == binary


def test_wire_messages_encode_and_decode_as_documented() -> None:
    vector = VECTORS["wire"]
    assert vector["examples"]
    for example in vector["examples"]:
        cls: Callable[..., Any] = getattr(wire, example["message"])
        message = build_message(typing.cast(type[Any], cls), example["fields"])
        assert wire.encode(message).hex() == example["msgpack"], example["message"]
        assert wire.decode(typing.cast(type[Any], cls), h(example["msgpack"])) == message


# --- withholding -------------------------------------------------------------------------------


def withholding_gaps(vector: dict[str, Any], order: list[int]) -> tuple[list[Any], list[int]]:
    """Feed the vector's delivered records in `order` to a checker, as protocol.md 4.18 says."""
    journal = h(vector["journal_id"])
    counters = JournalCounters(journal)
    refused = []
    for index in order:
        r = vector["records"][index]
        covers = [Cover(h(a), h(d), tuple((lo, hi) for lo, hi in rs)) for a, d, rs in r["covers"]]
        try:
            check_covers(h(r["author"]), h(vector["owner_id"]), covers, bytes(16))
            check_own_covers(
                h(r["author"]),
                h(r["device"]),
                r["counter"],
                h(vector["owner_id"]),
                covers,
                bytes(16),
            )
        except IntegrityError:
            refused.append(index)
            continue
        seen = [Seen(h(a), h(d), c) for a, d, c in r["seen"]]
        counters.record(h(r["author"]), h(r["device"]), r["counter"], seen, covers)
    for author, device, counter in vector["acknowledged"]:
        counters.acknowledged(h(author), h(device), counter)
    gaps = [
        [g.author.hex(), g.device.hex(), [list(r) for r in g.missing], g.claimed_by.hex()]
        for g in counters.gaps()
    ]
    return gaps, sorted(refused)


def test_the_withholding_vector_gives_its_gaps_in_any_delivery_order() -> None:
    vector = VECTORS["withholding"]
    indexes = list(range(len(vector["records"])))
    for order in (indexes, indexes[::-1], indexes[1::2] + indexes[::2]):
        gaps, refused = withholding_gaps(vector, order)
        assert refused == vector["refused"]
        assert [g[:3] for g in gaps] == [g[:3] for g in vector["gaps"]]
    assert withholding_gaps(vector, indexes)[0] == vector["gaps"]  # claimants, in this order


# --- access chain (4.19) and verify-head code (4.20) ------------------------------------------


def chain_vector() -> tuple[dict[str, Any], access.Reader, access.Reader, access.Identity]:
    v = VECTORS["access-chain"]
    owner = keys.AccountSecrets(h(v["owner_account_key"]), h(v["owner_sign_seed"]), bytes(32))
    m = v["member"]
    member = access.Identity(
        h(m["account_id"]), m["username"], h(m["sign_public_key"]), h(m["box_public_key"])
    )
    as_owner = access.Reader(
        h(v["owner_id"]), "ana", owner.account_key, bytes(32), owner.sign_public_key, bytes(32)
    )
    as_member = access.Reader(
        member.account_id,
        member.username,
        bytes(32),
        h(m["box_secret"]),
        member.sign_public_key,
        member.box_public_key,
    )
    return v, as_owner, as_member, member


def test_access_chain_entries_reproduce_the_vector() -> None:
    v, _, _, member = chain_vector()
    owner = keys.AccountSecrets(bytes(32), h(v["owner_sign_seed"]), bytes(32))
    assert bytes(owner.sign_public_key) == h(v["owner_sign_public_key"])
    journal = h(v["journal_id"])
    commit = access.member_commit(journal, h(v["handle"]), h(v["salt"]), member)
    assert commit == h(v["commit"])
    previous = bytes(32)
    for position, e in enumerate(v["entries"]):
        payload = {
            k: h(x) if isinstance(x, str) and k not in ("role",) else x
            for k, x in e["payload"].items()
        }
        if e["kind"] == access.ROTATED:
            payload["members"] = [h(x) for x in e["payload"]["members"]]
        body = access.encode_body(journal, position, previous, e["kind"], v["at"], payload, 1)
        assert body == h(e["body"]) and previous == h(e["previous"])
        signed = crypto.frame(b"tj/access-chain/v1", body)
        assert crypto.sign(owner.signing_key, signed) == h(e["signature"])
        assert msgpack.packb([body, h(e["signature"])], use_bin_type=True) == h(e["entry"])
        assert hashlib.blake2b(signed, digest_size=32).digest() == h(e["hash"])
        previous = h(e["hash"])


def test_the_owner_opens_each_members_identity_and_the_member_recognises_itself() -> None:
    v, as_owner, as_member, member = chain_vector()
    journal, raw = h(v["journal_id"]), [h(e["entry"]) for e in v["entries"]]
    details = crypto.open_sealed(
        h(v["owner_account_key"]),
        h(v["owner_copy"]),
        crypto.frame(b"tj/access-owner/v1", journal, h(v["handle"])),
        "owner copy",
    )
    assert msgpack.unpackb(details) == [
        member.account_id,
        "tom",
        member.sign_public_key,
        member.box_public_key,
        h(v["salt"]),
    ]
    for reader in (as_owner, as_member):
        state = access.verify(
            None, reader, journal, h(v["owner_id"]), h(v["owner_sign_public_key"]), raw
        )
        assert (state.length, state.head, state.epoch) == (3, h(v["entries"][-1]["hash"]), 1)
        [granted] = state.members.values()
        assert (granted.handle, granted.role, granted.who) == (h(v["handle"]), "read", member)
        assert state.may_read(member.account_id, 1) and not state.may_read(member.account_id, 0)
        assert state.cut == 1
    stranger = dataclasses.replace(as_member, account_id=b"\x77" * 16)
    state = access.verify(
        None, stranger, journal, h(v["owner_id"]), h(v["owner_sign_public_key"]), raw
    )
    assert [m.who for m in state.members.values()] == [None]  # a handle, nothing more


def test_a_removal_with_its_write_limit_reproduces_the_vector() -> None:
    v, as_owner, as_member, member = chain_vector()
    r = VECTORS["access-removed"]
    journal, raw = h(v["journal_id"]), [h(e["entry"]) for e in v["entries"]]
    owner = keys.AccountSecrets(bytes(32), h(v["owner_sign_seed"]), bytes(32))
    kind, payload = access.removed(h(v["handle"]), {h(d): c for d, c in r["payload"]["counters"]})
    assert payload == {"member": h(r["payload"]["member"]), "counters": [[b"\x44" * 16, 7]]}
    body = access.encode_body(journal, 3, h(r["previous"]), kind, v["at"], payload, 1)
    assert body == h(r["body"]) and h(r["previous"]) == h(v["entries"][-1]["hash"])
    signed = crypto.frame(b"tj/access-chain/v1", body)
    assert crypto.sign(owner.signing_key, signed) == h(r["signature"])
    assert msgpack.packb([body, h(r["signature"])], use_bin_type=True) == h(r["entry"])
    assert hashlib.blake2b(signed, digest_size=32).digest() == h(r["hash"])
    for reader in (as_owner, as_member):
        state = access.verify(
            None, reader, journal, h(v["owner_id"]), h(v["owner_sign_public_key"]),
            [*raw, h(r["entry"])],
        )  # fmt: skip
        assert state.members == {} and state.head == h(r["hash"])
        assert state.write_limits == {h(v["handle"]): {b"\x44" * 16: 7}}
        assert state.not_served == {}  # no `because`: an owner's revocation, as before


def test_a_removal_on_the_servers_word_reproduces_the_vector() -> None:
    """R22 F5: `removed` with the optional `because`, signed like the rest of the entry."""
    v, as_owner, as_member, _ = chain_vector()
    r = VECTORS["access-removed-because"]
    journal, raw = h(v["journal_id"]), [h(e["entry"]) for e in v["entries"]]
    owner = keys.AccountSecrets(bytes(32), h(v["owner_sign_seed"]), bytes(32))
    counters = {h(d): c for d, c in r["payload"]["counters"]}
    kind, payload = access.removed(h(v["handle"]), counters, because=r["payload"]["because"])
    assert r["payload"]["because"] == access.NOT_SERVED == "server-no-longer-serves"
    body = access.encode_body(journal, 3, h(r["previous"]), kind, v["at"], payload, 1)
    assert body == h(r["body"]) and body != h(VECTORS["access-removed"]["body"])
    signed = crypto.frame(b"tj/access-chain/v1", body)
    assert crypto.sign(owner.signing_key, signed) == h(r["signature"])
    assert msgpack.packb([body, h(r["signature"])], use_bin_type=True) == h(r["entry"])
    assert hashlib.blake2b(signed, digest_size=32).digest() == h(r["hash"])
    for reader in (as_owner, as_member):
        state = access.verify(
            None, reader, journal, h(v["owner_id"]), h(v["owner_sign_public_key"]),
            [*raw, h(r["entry"])],
        )  # fmt: skip
        assert state.members == {} and list(state.not_served) == [h(v["handle"])]


def test_a_removal_with_gaps_below_its_limit_reproduces_the_vector() -> None:
    """rev19a F1: `removed` with the optional `gaps`, the counters below the limit the signing
    device never received; every reader refuses the membership's records under them."""
    v, as_owner, as_member, _ = chain_vector()
    r = VECTORS["access-removed-gaps"]
    journal, raw = h(v["journal_id"]), [h(e["entry"]) for e in v["entries"]]
    owner = keys.AccountSecrets(bytes(32), h(v["owner_sign_seed"]), bytes(32))
    device = b"\x44" * 16
    counters, gaps = access.limits_and_gaps({device: 7}, {device: [(1, 1), (5, 7)]})
    kind, payload = access.with_counters(access.removed(h(v["handle"])), counters, gaps)
    assert payload["gaps"] == [[h(d), g] for d, g in r["payload"]["gaps"]] == [[device, [[2, 4]]]]
    body = access.encode_body(journal, 3, h(r["previous"]), kind, v["at"], payload, 1)
    assert body == h(r["body"]) and body != h(VECTORS["access-removed"]["body"])
    signed = crypto.frame(b"tj/access-chain/v1", body)
    assert crypto.sign(owner.signing_key, signed) == h(r["signature"])
    assert msgpack.packb([body, h(r["signature"])], use_bin_type=True) == h(r["entry"])
    assert hashlib.blake2b(signed, digest_size=32).digest() == h(r["hash"])
    for reader in (as_owner, as_member):
        state = access.verify(
            None, reader, journal, h(v["owner_id"]), h(v["owner_sign_public_key"]),
            [*raw, h(r["entry"])],
        )  # fmt: skip
        assert state.write_gaps == {h(v["handle"]): {device: [(2, 4)]}}
        handle = h(v["handle"])
        accepted = [c for c in range(1, 10) if state.within_limit(handle, device, c)]
        assert accepted == [1, 5, 6, 7]


def test_a_limited_entry_reproduces_the_vector_and_names_nobody_to_a_member() -> None:
    v, as_owner, as_member, _ = chain_vector()
    r = VECTORS["access-limited"]
    journal, raw = h(v["journal_id"]), [h(e["entry"]) for e in v["entries"]]
    owner = keys.AccountSecrets(h(v["owner_account_key"]), h(v["owner_sign_seed"]), bytes(32))
    m = r["member"]
    handle = h(r["payload"]["share"])
    details = msgpack.packb(
        [h(m["account_id"]), m["username"], h(m["sign_public_key"]), h(m["box_public_key"]),
         h(r["mirror"])],
        use_bin_type=True,
    )  # fmt: skip
    ad = crypto.frame(b"tj/access-limited/v1", journal, handle)
    assert details == h(r["details"]) and ad == h(r["associated_data"])
    padded = crypto.pad(details)  # R24 F5: 256 bytes whatever the username's length
    assert padded == h(r["padded"]) and len(padded) == 256
    owner_copy = crypto._seal_with_nonce(owner.account_key, padded, ad, h(r["nonce"]))
    assert owner_copy == h(r["payload"]["owner_copy"])
    payload = {"share": handle, "owner_copy": owner_copy}
    body = access.encode_body(journal, 3, h(r["previous"]), access.LIMITED, v["at"], payload, 1)
    assert body == h(r["body"]) and h(r["previous"]) == h(v["entries"][-1]["hash"])
    signed = crypto.frame(b"tj/access-chain/v1", body)
    assert crypto.sign(owner.signing_key, signed) == h(r["signature"])
    assert msgpack.packb([body, h(r["signature"])], use_bin_type=True) == h(r["entry"])
    assert hashlib.blake2b(signed, digest_size=32).digest() == h(r["hash"])
    found = {}
    for name, reader in (("owner", as_owner), ("member", as_member)):
        state = access.verify(
            None, reader, journal, h(v["owner_id"]), h(v["owner_sign_public_key"]),
            [*raw, h(r["entry"])],
        )  # fmt: skip
        [share] = state.limited.values()
        found[name] = (share.account_id, share.mirror, len(state.members), state.head)
    assert found == {
        "owner": (h(m["account_id"]), h(r["mirror"]), 1, h(r["hash"])),
        "member": (None, None, 1, h(r["hash"])),
    }


def v2_chain() -> tuple[dict[str, Any], list[bytes]]:
    v2 = VECTORS["access-chain-v2"]
    return v2, [h(e["entry"]) for e in v2["entries"]]


def test_a_version_2_chain_reproduces_the_vector_with_a_padded_granted_entry() -> None:
    """Chain version 2 (what this SDK signed before version 3 added key checks): `granted`'s
    owner_copy is padded and sealed under
    frame("tj/access-owner/v2", journal_id, handle), so its length is the same whatever the
    member's username (other members see the entry)."""
    v, as_owner, as_member, member = chain_vector()
    v2, raw = v2_chain()
    journal, handle, salt = h(v["journal_id"]), h(v["handle"]), h(v["salt"])
    owner = keys.AccountSecrets(h(v["owner_account_key"]), h(v["owner_sign_seed"]), bytes(32))
    assert v2["version"] == 2
    details = msgpack.packb(
        [member.account_id, member.username, member.sign_public_key, member.box_public_key, salt],
        use_bin_type=True,
    )
    ad = crypto.frame(b"tj/access-owner/v2", journal, handle)
    assert details == h(v2["details"]) and ad == h(v2["associated_data"])
    padded = crypto.pad(details)
    assert padded == h(v2["padded"]) and len(padded) == 256
    owner_copy = crypto._seal_with_nonce(owner.account_key, padded, ad, h(v2["owner_copy_nonce"]))
    assert owner_copy == h(v2["owner_copy"]) and len(owner_copy) == 24 + 256 + 16
    previous = bytes(32)
    for position, e in enumerate(v2["entries"]):
        payload = {
            k: h(x) if isinstance(x, str) and k != "role" else x for k, x in e["payload"].items()
        }
        if e["kind"] == access.ROTATED:
            payload["members"] = [h(x) for x in e["payload"]["members"]]
        if e["kind"] == access.GRANTED:
            assert payload["owner_copy"] == owner_copy
            assert payload["commit"] == h(v["commit"])  # the commitment is unchanged
        body = access.encode_body(journal, position, previous, e["kind"], v["at"], payload, 2)
        assert body[:2] == b"\x97\x02"  # a 7-element array whose first element is 2
        assert body == h(e["body"]) and previous == h(e["previous"])
        signed = crypto.frame(b"tj/access-chain/v1", body)
        assert crypto.sign(owner.signing_key, signed) == h(e["signature"])
        assert msgpack.packb([body, h(e["signature"])], use_bin_type=True) == h(e["entry"])
        assert hashlib.blake2b(signed, digest_size=32).digest() == h(e["hash"])
        previous = h(e["hash"])
    for reader in (as_owner, as_member):
        state = access.verify(
            None, reader, journal, h(v["owner_id"]), h(v["owner_sign_public_key"]), raw
        )
        [granted] = state.members.values()
        assert (granted.handle, granted.who, state.version, state.epoch) == (handle, member, 2, 1)


def test_an_entry_of_a_newer_chain_version_says_update_and_is_no_tampering() -> None:
    """An owner-signed entry of version 4, linked to the head: ChainUpdateNeeded (not an
    IntegrityError), with the state verified up to it; the same entry altered, or out of
    place, or of another journal, stays an integrity failure."""
    v, as_owner, as_member, _ = chain_vector()
    _, raw = v2_chain()
    n = VECTORS["access-versions"]["newer"]
    journal, owner_id, owner_key = (
        h(v["journal_id"]),
        h(v["owner_id"]),
        h(v["owner_sign_public_key"]),
    )
    body = h(n["body"])
    assert msgpack.unpackb(body)[:4] == [access.CHAIN_VERSION + 1, journal, 3, h(n["previous"])]
    signed = crypto.frame(b"tj/access-chain/v1", body)
    owner = keys.AccountSecrets(bytes(32), h(v["owner_sign_seed"]), bytes(32))
    assert crypto.sign(owner.signing_key, signed) == h(n["signature"])
    assert msgpack.packb([body, h(n["signature"])], use_bin_type=True) == h(n["entry"])
    for reader in (as_owner, as_member):
        with pytest.raises(ChainUpdateNeeded) as raised:
            access.verify(None, reader, journal, owner_id, owner_key, [*raw, h(n["entry"])])
        assert not isinstance(raised.value, IntegrityError)
        assert raised.value.version == 4 and "update the app" in str(raised.value)
        assert isinstance(raised.value.state, access.AccessState)
        assert (raised.value.state.length, raised.value.state.head) == (3, h(n["previous"]))
    forged = msgpack.packb([body, flip_byte(h(n["signature"]), 5)], use_bin_type=True)
    with pytest.raises(IntegrityError):  # a server cannot make a device say "update"
        access.verify(None, as_owner, journal, owner_id, owner_key, [*raw, forged])
    with pytest.raises(IntegrityError):  # at position 3 after 2 entries: out of order
        access.verify(None, as_owner, journal, owner_id, owner_key, [*raw[:2], h(n["entry"])])
    with pytest.raises(IntegrityError):  # signed for another journal
        access.verify(None, as_owner, b"\x23" * 16, owner_id, owner_key, [h(n["entry"])])
    known = access.verify(None, as_owner, journal, owner_id, owner_key, raw)
    v1 = [h(e["entry"]) for e in v["entries"]]
    with pytest.raises(RollbackError):  # the newer entry after another history of 3 entries
        access.verify(
            access.verify(None, as_owner, journal, owner_id, owner_key, v1),
            as_owner, journal, owner_id, owner_key, [h(n["entry"])],
        )  # fmt: skip
    assert known.length == 3


def test_the_key_check_and_a_version_3_rotated_entry_reproduce_the_vector() -> None:
    """Chain version 3: `rotated` (and `created`) carry the key check of the epoch they start,
    keyed BLAKE2b-256 (the journal key as its key) of frame("tj/epoch-key-check/v1",
    journal_id, u64be(epoch)). The entry continues the version-2 chain; every reader keeps
    the check, and takes for that epoch only the key that matches it."""
    v, as_owner, as_member, _ = chain_vector()
    _, raw = v2_chain()
    k = VECTORS["access-key-check"]
    journal, key, epoch = h(k["journal_id"]), h(k["journal_key"]), k["epoch"]
    assert journal == h(v["journal_id"])
    framed = crypto.frame(b"tj/epoch-key-check/v1", journal, epoch.to_bytes(8, "big"))
    assert framed == h(k["input"])
    assert hashlib.blake2b(framed, digest_size=32, key=key).digest() == h(k["check"])
    assert access.key_check(journal, epoch, key) == h(k["check"])
    e = k["entry"]
    members = [h(x) for x in e["payload"]["members"]]
    kind, payload = access.rotated(epoch, members, h(k["check"]))
    assert payload == {"epoch": epoch, "members": members, "check": h(e["payload"]["check"])}
    body = access.encode_body(journal, 3, h(e["previous"]), kind, v["at"], payload)
    assert body == h(e["body"]) and body[:2] == b"\x97\x03" and e["version"] == 3
    signed = crypto.frame(b"tj/access-chain/v1", body)
    owner = keys.AccountSecrets(bytes(32), h(v["owner_sign_seed"]), bytes(32))
    assert crypto.sign(owner.signing_key, signed) == h(e["signature"])
    assert msgpack.packb([body, h(e["signature"])], use_bin_type=True) == h(e["entry"])
    assert hashlib.blake2b(signed, digest_size=32).digest() == h(e["hash"])
    owner_id, owner_key = h(v["owner_id"]), h(v["owner_sign_public_key"])
    for reader in (as_owner, as_member):
        state = access.verify(None, reader, journal, owner_id, owner_key, [*raw, h(e["entry"])])
        assert (state.version, state.epoch, state.key_checks) == (3, 2, {2: h(k["check"])})
        assert state.key_matches(2, key) is True
        assert state.key_matches(2, bytes(32)) is False
        assert state.key_matches(1, key) is None  # a version-2 entry started epoch 1
    without = {"epoch": epoch, "members": members}  # version 3 requires the check
    bare = access.encode_body(journal, 3, h(e["previous"]), kind, v["at"], without)
    with pytest.raises(IntegrityError, match="malformed"):
        access.verify(
            None, as_owner, journal, owner_id, owner_key,
            [*raw, access.sign_entry(owner.signing_key, bare)],
        )  # fmt: skip
    for check in (h(k["check"])[:31], "check"):  # 32 bytes, nothing else
        odd = access.encode_body(
            journal, 3, h(e["previous"]), kind, v["at"], {**without, "check": check}
        )
        with pytest.raises(IntegrityError, match="malformed"):
            access.verify(
                None, as_owner, journal, owner_id, owner_key,
                [*raw, access.sign_entry(owner.signing_key, odd)],
            )  # fmt: skip
    with_check = access.encode_body(journal, 3, h(e["previous"]), kind, v["at"], payload, 2)
    with pytest.raises(IntegrityError, match="malformed"):  # version 2 has no check
        access.verify(
            None, as_owner, journal, owner_id, owner_key,
            [*raw, access.sign_entry(owner.signing_key, with_check)],
        )  # fmt: skip


def test_an_older_version_entry_after_a_newer_one_is_refused() -> None:
    """Chain versions never decrease: an owner-signed version-1 entry (a `rotated`, valid in
    a version-1 chain) after version-2 entries is refused, so that an entry of an older
    app (an unpadded `granted`, say) is never accepted once the chain moved on."""
    v, as_owner, as_member, _ = chain_vector()
    _, raw = v2_chain()
    o = VECTORS["access-versions"]["older"]
    journal, owner_id, owner_key = (
        h(v["journal_id"]),
        h(v["owner_id"]),
        h(v["owner_sign_public_key"]),
    )
    payload = {"epoch": 2, "members": [h(x) for x in o["payload"]["members"]]}
    body = access.encode_body(journal, 3, h(o["previous"]), access.ROTATED, v["at"], payload, 1)
    assert body == h(o["body"]) and body[:2] == b"\x97\x01"
    owner = keys.AccountSecrets(bytes(32), h(v["owner_sign_seed"]), bytes(32))
    signed = crypto.frame(b"tj/access-chain/v1", body)
    assert crypto.sign(owner.signing_key, signed) == h(o["signature"])
    for reader in (as_owner, as_member):
        with pytest.raises(IntegrityError, match="never decrease"):
            access.verify(None, reader, journal, owner_id, owner_key, [*raw, h(o["entry"])])


def test_a_version_1_chain_goes_on_with_entries_of_this_version() -> None:
    """A chain signed before version 2 (the access-chain vector) still verifies, and this SDK
    extends it with entries of its own version (a padded `granted` among them), which verify
    after it."""
    v, as_owner, as_member, member = chain_vector()
    journal, owner_id, owner_key = (
        h(v["journal_id"]),
        h(v["owner_id"]),
        h(v["owner_sign_public_key"]),
    )
    v1 = [h(e["entry"]) for e in v["entries"]]
    owner = keys.AccountSecrets(h(v["owner_account_key"]), h(v["owner_sign_seed"]), bytes(32))
    state = access.verify(None, as_owner, journal, owner_id, owner_key, v1)
    assert state.version == 1
    ben = access.Identity(
        b"\x5b" * 16, "ben", b"\x5c" * 32, bytes(nacl.public.PrivateKey(b"\x5d" * 32).public_key)
    )
    changes = [access.granted(ben, "read", 0, journal, owner.account_key)]
    added, after = access.extend(state, as_owner, owner.signing_key, changes, v["at"])
    version = msgpack.unpackb(msgpack.unpackb(added[0])[0])[0]
    assert after.version == version == access.CHAIN_VERSION
    for reader in (as_owner, as_member):
        again = access.verify(None, reader, journal, owner_id, owner_key, [*v1, *added])
        assert again.length == 4 and again.version == access.CHAIN_VERSION
    assert {m.who for m in after.members.values()} == {member, ben}


def test_the_verify_head_record_selection_reproduces_the_vector() -> None:
    """protocol.md 4.20: the records counted are the owner's and the one member's, less
    those a cover signed by one of them names (the owner's of anyone's counters, a member's
    of its own only), whatever their seq; in a pair code, only a snapshot of the record's
    own document, or a record from an epoch the member's membership never held, is left
    out by a cover (R46 F6, F7)."""
    v = load_vectors()["verify-head-records"]
    found = [
        access.CodeRecord(
            h(r["record_id"]),
            h(r["author"]),
            h(r["device"]),
            r["counter"],
            h(r["doc_id"]),
            r["epoch"],
        )
        for r in v["records"]
    ]
    covers = [
        access.CodeCover(
            h(c["author"]),
            tuple(
                Cover(h(a), h(d), tuple((lo, hi) for lo, hi in ranges))
                for a, d, ranges in c["covers"]
            ),
            None if c["carries"] is None else h(c["carries"]),
        )
        for c in v["covers"]
    ]
    owner = h(v["owner"])
    for key, expected in v["counted"].items():
        member = None if key == "owner_only" else h(key)
        readable = frozenset(v["readable"].get(key, []))
        counted = access.code_records(owner, member, found, covers, readable=readable)
        assert counted == [h(i) for i in expected]
        again = access.code_records(
            owner, member, reversed(found), reversed(covers), readable=readable
        )
        assert again == [h(i) for i in expected]
    # The member's uncovered record is counted in its own pair only.
    assert h("06" * 16) not in access.code_records(owner, None, found, covers)
    # A withdrawal (a cover carrying no document) hides a record only from the owner-only
    # code; a share's boundary hides a record of a document it carries no snapshot of only
    # from a member whose membership never held its epoch.
    member_88, member_aa = h("88" * 16), h("aa" * 16)
    withdrawn, uncarried = h("09" * 16), h("03" * 16)
    assert withdrawn in access.code_records(
        owner, member_aa, found, covers, readable=frozenset({2})
    )
    assert uncarried in access.code_records(
        owner, member_88, found, covers, readable=frozenset({1, 2})
    )
    assert uncarried not in access.code_records(
        owner, member_aa, found, covers, readable=frozenset({2})
    )
    # A record kept unread (its document not known here) is left out by a cover only from
    # a member whose membership never held its epoch.
    kept = [dataclasses.replace(r, doc_id=None) for r in found]
    assert {uncarried, withdrawn} <= set(
        access.code_records(owner, member_88, kept, covers, readable=frozenset({1, 2}))
    )
    assert uncarried not in access.code_records(
        owner, member_aa, kept, covers, readable=frozenset({2})
    )


def test_the_verify_head_code_reproduces_the_vector() -> None:
    v, as_owner, _, _ = chain_vector()
    journal, raw = h(v["journal_id"]), [h(e["entry"]) for e in v["entries"]]
    state = access.verify(
        None, as_owner, journal, h(v["owner_id"]), h(v["owner_sign_public_key"]), raw
    )
    ids = [h(r) for r in v["record_ids"]]
    assert access.head_code(state, list(reversed(ids))) == v["code"]
    inner = hashlib.blake2b(b"".join(sorted(ids)), digest_size=32).digest()
    digest = hashlib.blake2b(
        crypto.frame(b"tj/verify-head/v1", journal, (3).to_bytes(4, "big"), state.head, inner),
        digest_size=32,
    ).digest()
    groups = [int.from_bytes(digest[i : i + 5], "big") % 100_000 for i in range(0, 25, 5)]
    assert " ".join(f"{g:05d}" for g in groups) == v["code"]


def test_the_verify_head_code_with_missing_counters_follows_the_spec() -> None:
    """protocol.md 4.20 `missing` (rev-complete F4): none leaves the vector's code as it is;
    ranges are hashed after the record ids, sorted, author || device || u64be lo || hi."""
    v, as_owner, _, _ = chain_vector()
    journal, raw = h(v["journal_id"]), [h(e["entry"]) for e in v["entries"]]
    state = access.verify(
        None, as_owner, journal, h(v["owner_id"]), h(v["owner_sign_public_key"]), raw
    )
    ids = [h(r) for r in v["record_ids"]]
    assert access.head_code(state, ids, []) == v["code"]
    a, b = b"\x05" * 16, b"\x06" * 16
    missing = [(b, a, 3, 3), (a, b, 2, 4)]
    inner = hashlib.blake2b(b"".join(sorted(ids)), digest_size=32).digest()
    ranges = b"".join(
        author + device + lo.to_bytes(8, "big") + hi.to_bytes(8, "big")
        for author, device, lo, hi in sorted(missing)
    )
    inner = hashlib.blake2b(inner + ranges, digest_size=32).digest()
    digest = hashlib.blake2b(
        crypto.frame(b"tj/verify-head/v1", journal, (3).to_bytes(4, "big"), state.head, inner),
        digest_size=32,
    ).digest()
    groups = [int.from_bytes(digest[i : i + 5], "big") % 100_000 for i in range(0, 25, 5)]
    code = " ".join(f"{g:05d}" for g in groups)
    assert access.head_code(state, ids, missing) == code != v["code"]


@pytest.mark.parametrize("position", [0, 1, 2])
def test_an_altered_or_reordered_access_chain_entry_is_refused(position: int) -> None:
    v, as_owner, _, _ = chain_vector()
    journal, raw = h(v["journal_id"]), [h(e["entry"]) for e in v["entries"]]
    verify = functools.partial(
        access.verify, None, as_owner, journal, h(v["owner_id"]), h(v["owner_sign_public_key"])
    )
    with pytest.raises(IntegrityError):
        verify(
            [
                *raw[:position],
                flip_byte(raw[position], len(raw[position]) - 70),
                *raw[position + 1 :],
            ]
        )
    if position < len(raw) - 1:  # (the last one dropped is a shorter chain: check_length)
        with pytest.raises(IntegrityError):
            verify([r for i, r in enumerate(raw) if i != position])


def test_a_shorter_chain_or_another_entry_at_a_known_position_is_a_rollback() -> None:
    v, as_owner, _, _ = chain_vector()
    journal, raw = h(v["journal_id"]), [h(e["entry"]) for e in v["entries"]]
    owner_id, owner_key = h(v["owner_id"]), h(v["owner_sign_public_key"])
    known = access.verify(None, as_owner, journal, owner_id, owner_key, raw[:2])
    with pytest.raises(RollbackError):
        access.check_length(known, 1)
    owner = keys.AccountSecrets(h(v["owner_account_key"]), h(v["owner_sign_seed"]), bytes(32))
    older = access.verify(None, as_owner, journal, owner_id, owner_key, raw[:1])
    changes = [access.rotated(1, [], CHECK), access.rotated(2, [], CHECK)]
    other, _ = access.extend(older, as_owner, owner.signing_key, changes, 1)
    with pytest.raises(RollbackError):  # signed by the owner, but another history
        access.verify(known, as_owner, journal, owner_id, owner_key, [other[1]])


def test_a_version_1_chain_kept_on_a_device_reads_back_and_goes_on_at_this_version() -> None:
    """What a device of the SDK before version 2 stored: the access-chain vector and its
    `limited` entry (version 1), read back from the store (`replay`, no signature check:
    verified when stored), then ended by this SDK's `limited_removed` (CHAIN_VERSION)."""
    v, as_owner, as_member, _ = chain_vector()
    journal = h(v["journal_id"])
    kept = [*(h(e["entry"]) for e in v["entries"]), h(VECTORS["access-limited"]["entry"])]
    state = access.replay(as_owner, journal, kept)
    assert (state.length, state.version, len(state.limited)) == (4, 1, 1)
    owner = keys.AccountSecrets(h(v["owner_account_key"]), h(v["owner_sign_seed"]), bytes(32))
    [share] = state.limited
    added, after = access.extend(
        state, as_owner, owner.signing_key, [access.limited_removed(share)], v["at"]
    )
    assert after.version == access.CHAIN_VERSION and list(after.limited_removed) == [share]
    for reader in (as_owner, as_member):
        again = access.verify(
            None, reader, journal, h(v["owner_id"]), h(v["owner_sign_public_key"]),
            [*kept, *added],
        )  # fmt: skip
        assert (again.length, again.version, again.limited) == (5, access.CHAIN_VERSION, {})
