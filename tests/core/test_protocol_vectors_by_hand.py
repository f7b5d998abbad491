"""protocol.md's vectors recomputed WITHOUT the SDK code that produced them, as a client author
in another language would: libsodium called directly (`nacl.bindings`, with each vector's fixed
nonce and key), BLAKE2b through `hashlib`, framing, padding and msgpack written out by hand
below from protocol.md's rules (msgpack: github.com/msgpack/msgpack/blob/master/spec.md).

tests/core/test_protocol_vectors.py checks the same vectors against the SDK and opens them
back; this module is what makes that check more than the code agreeing with itself.
tests/core/regenerate_vectors.py rewrites the vectors from their fixed inputs.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
import zlib
from pathlib import Path
from typing import Any

import nacl.bindings as sodium
import pytest
import zstandard

PROTOCOL = Path(__file__).resolve().parents[2] / "protocol.md"
VECTOR_BLOCK = re.compile(r"^```json vector-([a-z0-9-]+)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
VECTORS: dict[str, Any] = {
    name: json.loads(text) for name, text in VECTOR_BLOCK.findall(PROTOCOL.read_text("utf-8"))
}
h = bytes.fromhex


# --- the protocol's building blocks, by hand ----------------------------------------------------


def frame(*parts: bytes) -> bytes:
    """protocol.md: each part as a 4-byte big-endian length, then its bytes."""
    return b"".join(len(part).to_bytes(4, "big") + part for part in parts)


def u32(value: int) -> bytes:
    return value.to_bytes(4, "big")


def u64(value: int) -> bytes:
    return value.to_bytes(8, "big")


def pad(data: bytes) -> bytes:
    """protocol.md: append 0x80, then zeros up to the next multiple of the block (256 bytes
    below 8 KiB, else 1/16 of the next power of two); always at least one byte added."""
    total = len(data) + 1
    block = 256 if total < 8192 else max(256, 1 << (total.bit_length() - 4))
    padded_length = (len(data) // block + 1) * block
    return data + b"\x80" + bytes(padded_length - len(data) - 1)


def subkey(root: bytes, personal: bytes) -> bytes:
    return hashlib.blake2b(b"", digest_size=32, key=root, person=personal).digest()


def signing_pair(seed: bytes) -> tuple[bytes, bytes]:
    public_key, secret_key = sodium.crypto_sign_seed_keypair(seed)
    return public_key, secret_key


def sign(seed: bytes, message: bytes) -> bytes:
    """Ed25519, detached: the first 64 bytes of libsodium's combined signed message."""
    _, secret_key = signing_pair(seed)
    return sodium.crypto_sign(message, secret_key)[:64]


def aead(key: bytes, nonce: bytes, plaintext: bytes, ad: bytes) -> bytes:
    """XChaCha20-Poly1305 (IETF), laid out as nonce || ciphertext || tag."""
    return nonce + sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, ad, nonce, key)


def mp(value: Any) -> bytes:
    """msgpack, smallest encoding of each value, as the spec prescribes."""
    if value is None:
        return b"\xc0"
    if value is True or value is False:
        return b"\xc3" if value else b"\xc2"
    if isinstance(value, int):
        return _mp_int(value)
    if isinstance(value, str):
        raw = value.encode("utf-8")
        if len(raw) < 32:
            return bytes([0xA0 | len(raw)]) + raw
        return _sized(len(raw), {1: 0xD9, 2: 0xDA, 4: 0xDB}) + raw
    if isinstance(value, bytes):
        return _sized(len(value), {1: 0xC4, 2: 0xC5, 4: 0xC6}) + value
    if isinstance(value, list):
        head = (
            bytes([0x90 | len(value)])
            if len(value) < 16
            else _sized(len(value), {2: 0xDC, 4: 0xDD})
        )
        return head + b"".join(mp(item) for item in value)
    if isinstance(value, dict):
        head = (
            bytes([0x80 | len(value)])
            if len(value) < 16
            else _sized(len(value), {2: 0xDE, 4: 0xDF})
        )
        return head + b"".join(mp(key) + mp(item) for key, item in value.items())
    raise TypeError(f"no msgpack form for {type(value).__name__}")


def _mp_int(value: int) -> bytes:
    if 0 <= value < 0x80:
        return bytes([value])
    if -32 <= value < 0:
        return bytes([value & 0xFF])
    tags = (
        {1: 0xCC, 2: 0xCD, 4: 0xCE, 8: 0xCF} if value >= 0 else {1: 0xD0, 2: 0xD1, 4: 0xD2, 8: 0xD3}
    )
    for size, tag in tags.items():
        if (value >= 0 and value < 1 << (8 * size)) or (
            value < 0 and value >= -(1 << (8 * size - 1))
        ):
            return bytes([tag]) + value.to_bytes(size, "big", signed=value < 0)
    raise ValueError("integer out of msgpack's range")


def _sized(length: int, tags: dict[int, int]) -> bytes:
    for size, tag in tags.items():
        if length < 1 << (8 * size):
            return bytes([tag]) + length.to_bytes(size, "big")
    raise ValueError("too long for msgpack")


def test_the_hand_written_helpers_match_the_specs_own_examples() -> None:
    assert mp([1, -1, 200, -200, 70000, 2**40]) == bytes.fromhex(
        "96" "01" "ff" "ccc8" "d1ff38" "ce00011170" "cf0000010000000000"
    )  # fmt: skip
    assert mp({"a": b"\x00" * 3, "b": "x" * 40, "c": None}) == (
        b"\x83\xa1a\xc4\x03\x00\x00\x00\xa1b\xd9\x28" + b"x" * 40 + b"\xa1c\xc0"
    )
    assert pad(b"hi") == b"hi\x80" + bytes(253)
    assert VECTORS, "protocol.md holds no vectors"


# --- text positions in UTF-16 code units, as Yjs counts them -------------------------------------


def utf16_units(text: str) -> list[int]:
    """The UTF-16 code units of `text`: an astral character (most emoji) is two of them."""
    raw = text.encode("utf-16-le")
    return [int.from_bytes(raw[i : i + 2], "little") for i in range(0, len(raw), 2)]


def utf16_delta(diff: list[list[str]]) -> list[dict[str, Any]]:
    """A diff (`=` kept, `-` deleted, `+` inserted) as the Yjs delta an editor would apply:
    `retain` and `delete` count UTF-16 code units."""
    names = {"=": "retain", "-": "delete"}
    return [
        {"insert": chunk} if op == "+" else {names[op]: len(utf16_units(chunk))}
        for op, chunk in diff
    ]


def delta_edits(delta: list[dict[str, Any]]) -> list[tuple[int, int, list[int]]]:
    """A delta as (position in the old text, code units deleted, code units inserted)."""
    edits, position = [], 0
    for step in delta:
        if "retain" in step:
            position += step["retain"]
        elif "delete" in step:
            edits.append((position, step["delete"], []))
            position += step["delete"]
        else:
            edits.append((position, 0, utf16_units(step["insert"])))
    return edits


def apply_deltas(old: str, *deltas: list[dict[str, Any]]) -> str:
    """Deltas made concurrently on `old` at different places, applied together (what a CRDT
    gives for edits that touch neither each other's characters nor positions)."""
    units = utf16_units(old)
    edits = sorted((edit for delta in deltas for edit in delta_edits(delta)), reverse=True)
    for position, deleted, inserted in edits:
        units[position : position + deleted] = inserted
    raw = b"".join(unit.to_bytes(2, "little") for unit in units)
    return raw.decode("utf-16-le")


# --- the vectors -------------------------------------------------------------------------------


def test_frame_vector() -> None:
    v = VECTORS["frame"]
    assert frame(*(h(part) for part in v["parts"])).hex() == v["framed"]


def test_epoch_key_check_vector() -> None:
    """The key check a version-3 `rotated` or `created` entry carries: libsodium's keyed
    BLAKE2b-256 (crypto_generichash) with the journal key as its key, over the frame of the
    label, the journal id and the epoch as u64be; and the entry's payload, msgpack by hand."""
    v = VECTORS["access-key-check"]
    label, epoch = b"tj/epoch-key-check/v1", v["epoch"]
    framed = frame(label, h(v["journal_id"]), epoch.to_bytes(8, "big"))
    assert framed.hex() == v["input"]
    check = sodium.crypto_generichash_blake2b_salt_personal(
        framed, digest_size=32, key=h(v["journal_key"])
    )
    assert check.hex() == v["check"]
    e = v["entry"]
    payload = {"epoch": epoch, "members": [h(m) for m in e["payload"]["members"]], "check": check}
    assert mp(payload) in h(e["body"])


def test_padding_vector() -> None:
    v = VECTORS["padding"]
    assert pad(h(v["example"]["data"])).hex() == v["example"]["padded"]
    for length, padded_length in v["lengths"]:
        assert len(pad(bytes(length))) == padded_length, length


def test_kdf_vector() -> None:
    v = VECTORS["kdf"]
    assert v["subkeys"]
    for entry in v["subkeys"]:
        assert subkey(h(v["root"]), entry["personal"].encode()).hex() == entry["subkey"]


def test_argon2id_vector_from_libsodium_directly() -> None:
    v = VECTORS["argon2id"]
    root = sodium.crypto_pwhash_alg(
        32, v["password"].encode(), h(v["salt"]), v["opslimit"], v["memlimit"],
        sodium.crypto_pwhash_ALG_ARGON2ID13,
    )  # fmt: skip
    assert root.hex() == v["root"]


def test_password_keys_vector() -> None:
    v = VECTORS["password-keys"]
    root = sodium.crypto_pwhash_alg(
        32, v["password"].encode(), h(v["salt"]), v["opslimit"], v["memlimit"],
        sodium.crypto_pwhash_ALG_ARGON2ID13,
    )  # fmt: skip
    login_seed = subkey(root, b"tj-login-key-v1.")
    assert login_seed.hex() == v["login_seed"]
    assert subkey(root, b"tj-kek-v1.......").hex() == v["kek"]
    assert signing_pair(login_seed)[0].hex() == v["login_public_key"]


def test_password_nfkc_vector_from_libsodium_directly() -> None:
    v = VECTORS["password-nfkc"]
    assert unicodedata.normalize("NFKC", v["password"]) == v["nfkc"]
    for typed in [v["password"], *v["typed_forms"]]:
        normalised = unicodedata.normalize("NFKC", typed).encode("utf-8")
        assert normalised.hex() == v["nfkc_utf8"]
        root = sodium.crypto_pwhash_alg(
            32, normalised, h(v["salt"]), v["opslimit"], v["memlimit"],
            sodium.crypto_pwhash_ALG_ARGON2ID13,
        )  # fmt: skip
        assert root.hex() == v["root"]


def record_body(b: dict[str, Any]) -> bytes:
    return mp(
        [
            2, h(b["author"]), h(b["device"]), b["counter"], h(b["doc_id"]), b["doc_kind"],
            b["kind"], h(b["payload"]), b["written_at"],
            [[h(account), h(device), counter] for account, device, counter in b["seen"]],
            [[h(account), h(device), ranges] for account, device, ranges in b["covers"]],
        ]
    )  # fmt: skip


def record_body_compressed(b: dict[str, Any]) -> bytes:
    """A compressed body (protocol.md 4.15, "Compressed payloads"): version 2's elements with
    the compressed payload as the payload, then `encoding`: version 3 and 1 with the zlib
    stream `payload_zlib`, version 4 and 2 with the Zstandard frame `payload_zstd`."""
    zstd = b["encoding"] == 2
    return mp(
        [
            4 if zstd else 3, h(b["author"]), h(b["device"]), b["counter"], h(b["doc_id"]), b["doc_kind"],
            b["kind"], h(b["payload_zstd"] if zstd else b["payload_zlib"]), b["written_at"],
            [[h(account), h(device), counter] for account, device, counter in b["seen"]],
            [[h(account), h(device), ranges] for account, device, ranges in b["covers"]],
            b["encoding"],
        ]
    )  # fmt: skip


def test_record_vector_sealed_by_hand() -> None:
    v = VECTORS["record"]
    assert signing_pair(h(v["author_sign_seed"]))[0].hex() == v["author_sign_public_key"]
    ad = frame(b"tj/record/v1", h(v["journal_id"]), h(v["record_id"]), u32(v["epoch"]))
    assert ad.hex() == v["associated_data"]
    body = record_body(v["body"])
    assert body.hex() == v["body_msgpack"]
    signature_input = frame(b"tj/record-signature/v1", ad, body)
    assert signature_input.hex() == v["signature_input"]
    signature = sign(h(v["author_sign_seed"]), signature_input)
    assert signature.hex() == v["signature"]
    padded = pad(mp([body, signature]))
    assert padded.hex() == v["padded_plaintext"]
    assert aead(h(v["journal_key"]), h(v["nonce"]), padded, ad).hex() == v["ciphertext"]


def test_record_newer_vector_sealed_by_hand() -> None:
    v = VECTORS["record-newer"]
    assert signing_pair(h(v["author_sign_seed"]))[0].hex() == v["author_sign_public_key"]
    ad = frame(b"tj/record/v1", h(v["journal_id"]), h(v["record_id"]), u32(v["epoch"]))
    assert ad.hex() == v["associated_data"]
    body = mp([h(x) if i in v["binary"] else x for i, x in enumerate(v["body"])])
    assert body.hex() == v["body_msgpack"]
    signature = sign(h(v["author_sign_seed"]), frame(b"tj/record-signature/v1", ad, body))
    assert signature.hex() == v["signature"]
    padded = pad(mp([body, signature]))
    assert padded.hex() == v["padded_plaintext"]
    assert aead(h(v["journal_key"]), h(v["nonce"]), padded, ad).hex() == v["ciphertext"]
    assert v["opens_to"] == dict(
        zip(("version", "author", "device", "counter"), v["body"][:4], strict=True)
    )


def test_record_compressed_vector_sealed_by_hand() -> None:
    """The payload is the zlib stream of the entry's update (RFC 1950): inflated by zlib
    itself, and sealed as any record."""
    v = VECTORS["record-compressed"]
    b = v["body"]
    assert zlib.decompress(h(b["payload_zlib"])).hex() == b["payload"]
    assert len(h(b["payload_zlib"])) < len(h(b["payload"]))
    check_compressed_sealed(v)


def check_compressed_sealed(v: dict[str, Any]) -> None:
    """A compressed record vector's derived values, recomputed by hand: its associated data,
    body (`record_body_compressed`), signature, padded plaintext and ciphertext."""
    ad = frame(b"tj/record/v1", h(v["journal_id"]), h(v["record_id"]), u32(v["epoch"]))
    assert ad.hex() == v["associated_data"]
    body = record_body_compressed(v["body"])
    assert body.hex() == v["body_msgpack"]
    signature = sign(h(v["author_sign_seed"]), frame(b"tj/record-signature/v1", ad, body))
    assert signature.hex() == v["signature"]
    padded = pad(mp([body, signature]))
    assert padded.hex() == v["padded_plaintext"]
    assert aead(h(v["journal_key"]), h(v["nonce"]), padded, ad).hex() == v["ciphertext"]


def test_record_zstd_vector_sealed_by_hand() -> None:
    """The payload is one Zstandard frame (RFC 8878) of the entry's update: its header read
    by hand (the magic number, then a Frame_Header_Descriptor naming a content size and no
    dictionary: section 3.1.1.1), decompressed by libzstd itself, and sealed as any record."""
    v = VECTORS["record-zstd"]
    b = v["body"]
    frame_bytes, payload = h(b["payload_zstd"]), h(b["payload"])
    assert frame_bytes[:4] == bytes.fromhex("28b52ffd") and b["encoding"] == 2
    descriptor = frame_bytes[4]
    content_size_flag, single_segment, dictionary_flag = (
        descriptor >> 6,
        descriptor >> 5 & 1,
        descriptor & 3,
    )
    assert dictionary_flag == 0 and (content_size_flag or single_segment)  # the size is named
    assert zstandard.ZstdDecompressor().decompress(frame_bytes) == payload
    assert zstandard.frame_content_size(frame_bytes) == len(payload) > len(frame_bytes)
    check_compressed_sealed(v)


def test_bundle_vector_sealed_by_hand() -> None:
    v = VECTORS["bundle"]
    plaintext = b"\x01" + h(v["account_key"]) + h(v["sign_seed"]) + h(v["box_secret"])
    assert plaintext.hex() == v["plaintext"]
    ad = frame(b"tj/bundle/v1", h(v["account_id"]), v["username"].encode())
    assert ad.hex() == v["associated_data"]
    assert aead(h(v["kek"]), h(v["nonce"]), plaintext, ad).hex() == v["sealed"]


def test_recovery_vector_by_hand() -> None:
    v = VECTORS["recovery"]
    key = h(v["recovery_key"])
    login_seed = subkey(key, b"tj-rec-login-v1.")
    assert login_seed.hex() == v["login_seed"]
    assert signing_pair(login_seed)[0].hex() == v["login_public_key"]
    wrap_key = subkey(key, b"tj-rec-wrap-v1..")
    assert wrap_key.hex() == v["wrap_key"]
    plaintext = b"\x01" + h(v["account_key"]) + h(v["sign_seed"]) + h(v["box_secret"])
    ad = frame(b"tj/recovery-bundle/v1", h(v["account_id"]), v["username"].encode())
    assert ad.hex() == v["associated_data"]
    assert aead(wrap_key, h(v["nonce"]), plaintext, ad).hex() == v["sealed"]


def test_journal_key_vector_wrapped_by_hand() -> None:
    v = VECTORS["journal-key"]
    ad = frame(b"tj/journal-key/v1", h(v["account_id"]), h(v["journal_id"]), u32(v["epoch"]))
    assert ad.hex() == v["associated_data"]
    wrapped = aead(h(v["account_key"]), h(v["nonce"]), h(v["journal_key"]), ad)
    assert wrapped.hex() == v["wrapped"]


def test_journal_meta_vector_sealed_by_hand() -> None:
    v = VECTORS["journal-meta"]
    meta = mp({"name": v["name"]})
    assert meta.hex() == v["meta_msgpack"]
    ad = frame(b"tj/journal-meta/v1", h(v["journal_id"]), u32(v["epoch"]))
    assert ad.hex() == v["associated_data"]
    sealed = u32(v["epoch"]) + aead(h(v["journal_key"]), h(v["nonce"]), pad(meta), ad)
    assert sealed.hex() == v["sealed_meta"]


def test_journal_name_vector_signed_by_hand() -> None:
    v = VECTORS["journal-name"]
    seed, journal_id, epoch = h(v["sign_seed"]), h(v["journal_id"]), u32(v["epoch"])
    name = v["name"].encode()
    named_at = u64(v["named_at"])
    message = frame(b"tj/journal-name/v2", journal_id, epoch, named_at, b"\x00", name)
    assert message.hex() == v["message"]
    assert sign(seed, message).hex() == v["signature"]
    meta = {"name": v["name"], "name_signature": v["signature"], "named_at": v["named_at"]}
    assert mp(meta).hex() == v["meta_msgpack"]
    archived = frame(b"tj/journal-name/v2", journal_id, epoch, named_at, b"\x01", name)
    assert archived.hex() == v["message_archived"]
    assert sign(seed, archived).hex() == v["signature_archived"]
    meta = {**meta, "name_signature": v["signature_archived"], "archived": True}
    assert mp(meta).hex() == v["meta_msgpack_archived"]
    message_v1 = frame(b"tj/journal-name/v1", journal_id, epoch, name)
    assert message_v1.hex() == v["message_v1"]
    assert sign(seed, message_v1).hex() == v["signature_v1"]


def test_challenge_vector_signed_by_hand() -> None:
    v = VECTORS["challenge"]
    message = frame(
        b"tj/login-challenge/v1", v["username"].encode(), h(v["server_id"]),
        v["purpose"].encode(), h(v["challenge"]),
    )  # fmt: skip
    assert message.hex() == v["message"]
    assert signing_pair(h(v["login_seed"]))[0].hex() == v["login_public_key"]
    assert sign(h(v["login_seed"]), message).hex() == v["signature"]


def test_device_sign_in_vector_signed_by_hand() -> None:
    v = VECTORS["device-sign-in"]
    message = frame(
        b"tj/device-sign-in/v2", h(v["challenge"]), h(v["device_id"]),
        v["signed_at"].to_bytes(8, "big"),
    )  # fmt: skip
    assert message.hex() == v["message"]
    assert signing_pair(h(v["device_seed"]))[0].hex() == v["device_key"]
    assert sign(h(v["device_seed"]), message).hex() == v["device_signature"]


def test_identity_vector_by_hand() -> None:
    v = VECTORS["identity"]
    sign_pk = signing_pair(h(v["sign_seed"]))[0]
    box_pk = sodium.crypto_scalarmult_base(h(v["box_secret"]))
    assert (sign_pk.hex(), box_pk.hex()) == (v["sign_public_key"], v["box_public_key"])
    account_id, username = h(v["account_id"]), v["username"].encode()
    message = frame(b"tj/identity/v1", account_id, username, sign_pk, box_pk)
    assert message.hex() == v["message"]
    assert sign(h(v["sign_seed"]), message).hex() == v["signature"]
    framed = frame(b"tj/fingerprint/v1", account_id, username, sign_pk, box_pk)
    assert framed.hex() == v["fingerprint_input"]
    digest = hashlib.blake2b(framed, digest_size=32).digest()
    groups = [int.from_bytes(digest[5 * i : 5 * i + 5], "big") % 100_000 for i in range(6)]
    assert " ".join(f"{group:05d}" for group in groups) == v["fingerprint"]


def test_share_envelope_vector_by_hand() -> None:
    v = VECTORS["share-envelope"]
    member_box_pk = sodium.crypto_scalarmult_base(h(v["member_box_secret"]))
    assert member_box_pk.hex() == v["member_box_public_key"]
    assert signing_pair(h(v["member_sign_seed"]))[0].hex() == v["member_sign_public_key"]
    sealed_box = h(v["sealed_box"])  # random by design: checked by opening it
    opened = sodium.crypto_box_seal_open(sealed_box, member_box_pk, h(v["member_box_secret"]))
    assert opened.hex() == v["journal_key"]
    sealed_hash = hashlib.blake2b(sealed_box, digest_size=32).digest()
    assert sealed_hash.hex() == v["sealed_box_hash"]
    message = frame(
        b"tj/share-envelope/v1", h(v["owner_id"]), h(v["member_id"]), v["member_name"].encode(),
        h(v["member_sign_public_key"]), h(v["member_box_public_key"]), h(v["journal_id"]),
        v["role"].encode(), u32(v["epoch"]), v["expires_at"].to_bytes(8, "big"), sealed_hash,
    )  # fmt: skip
    assert message.hex() == v["message"]
    assert signing_pair(h(v["owner_sign_seed"]))[0].hex() == v["owner_sign_public_key"]
    signature = sign(h(v["owner_sign_seed"]), message)
    assert signature.hex() == v["signature"]
    envelope = mp(
        [
            1, sealed_box, signature, v["role"], v["expires_at"], v["member_name"],
            h(v["member_sign_public_key"]), h(v["member_box_public_key"]),
        ]
    )  # fmt: skip
    assert envelope.hex() == v["envelope"]


def test_disclosure_id_vector_by_hand() -> None:
    v = VECTORS["disclosure-id"]
    derived = hashlib.blake2b(
        h(v["source_doc_id"]) + h(v["journal_id"]),
        digest_size=16,
        key=h(v["account_key"]),
        person=b"tj-disclosure-v1",
    )
    assert derived.hexdigest() == v["disclosure_doc_id"]


def test_document_id_vector_by_hand() -> None:
    v = VECTORS["document-id"]
    for account, doc_id in ((v["creator"], v["doc_id"]), (v["other_creator"], v["other_doc_id"])):
        tag = hashlib.blake2b(h(account) + h(v["nonce"]), digest_size=8, person=b"tj-document-v1..")
        assert v["nonce"] + tag.hexdigest() == doc_id


def plain(value: Any, binary: list[str], path: str = "") -> Any:
    """The vector's JSON as msgpack-ready data: the hex strings at the paths the vector marks
    `binary` become bytes; every other string stays a str."""
    if isinstance(value, dict):
        return {
            name: plain(item, binary, f"{path}.{name}" if path else name)
            for name, item in value.items()
        }
    if isinstance(value, list):
        return [plain(item, binary, f"{path}[]") for item in value]
    return h(value) if path in binary else value


@pytest.mark.parametrize("example", VECTORS["wire"]["examples"], ids=lambda e: str(e["message"]))
def test_wire_vector_written_by_hand(example: dict[str, Any]) -> None:
    assert mp(plain(example["fields"], example["binary"])).hex() == example["msgpack"]


def test_the_regeneration_script_finds_every_vector_up_to_date() -> None:
    from tests.core.regenerate_vectors import REGENERATED, regenerate

    assert set(REGENERATED) <= set(VECTORS)
    text = PROTOCOL.read_text("utf-8")
    _, changed = regenerate(text)
    assert changed == []
    # And the script can see a stale vector: alter one input, its outputs no longer match.
    stale = text.replace('"username": "ana"', '"username": "bob"', 1)
    assert regenerate(stale)[1]


def test_body_edit_vector_in_utf16_code_units() -> None:
    v = VECTORS["body-edit"]
    assert "".join(chunk for op, chunk in v["diff"] if op != "+") == v["old"]
    assert "".join(chunk for op, chunk in v["diff"] if op != "-") == v["new"]
    assert utf16_delta(v["diff"]) == v["delta"]
    assert apply_deltas(v["old"], v["delta"]) == v["new"]
    assert apply_deltas(v["old"], v["concurrent_delta"]) == v["concurrent"]
    assert apply_deltas(v["old"], v["delta"], v["concurrent_delta"]) == v["merged"]
    assert len(utf16_units("\U0001f60c")) == 2  # the vector's emoji: two units, one code point
