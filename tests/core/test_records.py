"""Sealing and opening records: round trips, and every way a server could tamper with one."""

from __future__ import annotations

import dataclasses

import msgpack
import nacl.signing
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from client_sdk import crypto, records, withholding
from client_sdk.errors import IntegrityError, InvalidInput
from client_sdk.records import RecordBody
from client_sdk.withholding import Cover, Seen

ids = st.binary(min_size=16, max_size=16)
AUTHOR = b"\xaa" * 16
DEVICE = b"\x03" * 16
JOURNAL = b"\x01" * 16
RECORD = b"\x02" * 16
AUTHOR_KEY = nacl.signing.SigningKey.generate()

counters = st.integers(1, 2**63 - 1)
keys = st.tuples(ids, ids)
seen_vectors = st.dictionaries(keys, counters, max_size=4).map(
    lambda found: tuple(Seen(a, d, c) for (a, d), c in sorted(found.items()))
)
cover_lists = st.dictionaries(keys, st.lists(counters, min_size=1, max_size=6), max_size=3).map(
    lambda found: tuple(
        Cover(a, d, tuple(withholding.compress(c))) for (a, d), c in sorted(found.items())
    )
)
bodies = st.builds(
    RecordBody,
    author=st.just(AUTHOR),
    device=st.just(DEVICE),
    counter=counters,
    doc_id=ids,
    doc_kind=st.sampled_from(["entry", "goal", "prompt"]),
    kind=st.sampled_from([records.UPDATE, records.SNAPSHOT]),
    payload=st.binary(max_size=4096),
    written_at=st.integers(0, 2**63 - 1),
    seen=seen_vectors,
    covers=cover_lists,
    compress=st.booleans(),  # compressed where shorter (protocol.md 4.15): the same body
)


def known_author(account_id: bytes) -> bytes | None:
    return bytes(AUTHOR_KEY.verify_key) if account_id == AUTHOR else None


def a_body(payload: bytes = b"update") -> RecordBody:
    return RecordBody(AUTHOR, DEVICE, 7, b"\x04" * 16, "entry", records.UPDATE, payload, 1)


def sealed(key: bytes, body: RecordBody | None = None, epoch: int = 0) -> bytes:
    return records.seal_record(key, JOURNAL, RECORD, epoch, body or a_body(), AUTHOR_KEY)


def flip_byte(data: bytes, index: int) -> bytes:
    index %= len(data)
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


@settings(max_examples=50)
@given(body=bodies, journal_id=ids, record_id=ids, epoch=st.integers(0, 2**32 - 1))
def test_a_sealed_record_opens_to_the_same_body(
    body: RecordBody, journal_id: bytes, record_id: bytes, epoch: int
) -> None:
    key = crypto.new_key()
    ciphertext = records.seal_record(key, journal_id, record_id, epoch, body, AUTHOR_KEY)
    opened = records.open_record(key, journal_id, record_id, epoch, ciphertext, known_author)
    assert opened == body


@given(size=st.integers(0, 100))
def test_small_records_of_different_sizes_have_the_same_ciphertext_length(size: int) -> None:
    key = crypto.new_key()
    assert len(sealed(key, a_body(b"x" * size))) == len(sealed(key, a_body(b"")))


@given(index=st.integers(min_value=0))
def test_flipping_any_byte_of_a_sealed_record_names_the_record(index: int) -> None:
    key = crypto.new_key()
    tampered = flip_byte(sealed(key), index)
    with pytest.raises(IntegrityError, match=RECORD.hex()) as raised:
        records.open_record(key, JOURNAL, RECORD, 0, tampered, known_author)
    assert raised.value.record_id == RECORD


@pytest.mark.parametrize(
    ("journal_id", "record_id", "epoch"),
    [
        (b"\x09" * 16, RECORD, 0),  # moved to another journal
        (JOURNAL, b"\x09" * 16, 0),  # presented under another record id
        (JOURNAL, RECORD, 1),  # presented under another key epoch
    ],
    ids=["other journal", "other record id", "other epoch"],
)
def test_a_record_presented_with_other_associated_data_is_refused(
    journal_id: bytes, record_id: bytes, epoch: int
) -> None:
    key = crypto.new_key()
    ciphertext = sealed(key)
    with pytest.raises(IntegrityError, match="failed authentication") as raised:
        records.open_record(key, journal_id, record_id, epoch, ciphertext, known_author)
    assert raised.value.record_id == record_id
    assert record_id.hex() in str(raised.value)


def test_a_record_under_another_journal_key_is_refused() -> None:
    ciphertext = sealed(crypto.new_key())
    with pytest.raises(IntegrityError, match=RECORD.hex()):
        records.open_record(crypto.new_key(), JOURNAL, RECORD, 0, ciphertext, known_author)


def test_a_record_signed_by_another_identity_key_is_refused() -> None:
    key = crypto.new_key()
    forger = nacl.signing.SigningKey.generate()
    forged = records.seal_record(key, JOURNAL, RECORD, 0, a_body(), forger)
    with pytest.raises(IntegrityError, match="invalid signature") as raised:
        records.open_record(key, JOURNAL, RECORD, 0, forged, known_author)
    assert raised.value.record_id == RECORD
    assert RECORD.hex() in str(raised.value)


def test_a_record_by_an_unknown_author_is_refused() -> None:
    key = crypto.new_key()
    stranger = b"\xbb" * 16
    ciphertext = sealed(key, dataclasses.replace(a_body(), author=stranger))
    with pytest.raises(IntegrityError, match=f"unknown account {stranger.hex()}") as raised:
        records.open_record(key, JOURNAL, RECORD, 0, ciphertext, known_author)
    assert raised.value.record_id == RECORD


def test_a_signature_over_other_associated_data_does_not_verify() -> None:
    """A record re-sealed by someone holding the journal key keeps its author's signature
    bound to the original position: moving it breaks the signature, not only the AEAD."""
    key = crypto.new_key()
    body = a_body().to_bytes()
    signed_at = records.record_ad(JOURNAL, RECORD, 0)
    signature = crypto.sign(AUTHOR_KEY, records.signature_input(signed_at, body))
    moved_ad = records.record_ad(JOURNAL, b"\x09" * 16, 0)
    plaintext = crypto.pad(msgpack.packb([body, signature], use_bin_type=True))
    resealed = crypto.seal(key, plaintext, moved_ad)
    with pytest.raises(IntegrityError, match="invalid signature"):
        records.open_record(key, JOURNAL, b"\x09" * 16, 0, resealed, known_author)


def _seal_plaintext(key: bytes, inner: bytes) -> bytes:
    return crypto.seal(key, crypto.pad(inner), records.record_ad(JOURNAL, RECORD, 0))


@pytest.mark.parametrize(
    "inner",
    [
        b"\xc1",  # not msgpack
        msgpack.packb([b"only one part"]),
        msgpack.packb(["text", b"signature"]),
        msgpack.packb({"body": b"x"}),
    ],
)
def test_a_record_with_a_malformed_envelope_is_refused(inner: bytes) -> None:
    key = crypto.new_key()
    with pytest.raises(IntegrityError, match="not well formed") as raised:
        records.open_record(key, JOURNAL, RECORD, 0, _seal_plaintext(key, inner), known_author)
    assert raised.value.record_id == RECORD


@pytest.mark.parametrize(
    "fields",
    [
        [4, AUTHOR, b"d" * 16, 1, b"i" * 16, "entry", "update", b"", 0, [], []],  # unknown version
        [3, AUTHOR, b"d" * 16, 1, b"i" * 16, "entry", "update", b"", 0, [], []],  # no encoding
        [
            2,
            AUTHOR[:15],
            b"d" * 16,
            1,
            b"i" * 16,
            "entry",
            "update",
            b"",
            0,
            [],
            [],
        ],  # short author
        [2, AUTHOR, b"d" * 16, "1", b"i" * 16, "entry", "update", b"", 0, [], []],  # counter as str
        [2, AUTHOR, b"d" * 16, 1, b"i" * 16, "entry", "rewrite", b"", 0, [], []],  # unknown kind
        [
            2,
            AUTHOR,
            b"d" * 16,
            1,
            b"i" * 16,
            "entry",
            "update",
            "text",
            0,
            [],
            [],
        ],  # payload as str
        [2, AUTHOR, b"d" * 16, 1, b"i" * 16, "entry", "update", b"", 0, []],  # missing covers
        [2, AUTHOR, b"d" * 16, 1, b"i" * 16, "entry", "update", b"", 0, {}, []],  # seen as map
        [2, AUTHOR, b"d" * 16, 1, b"i" * 16, "entry", "update", b"", True, [], []],  # bool time
        [2, AUTHOR, b"d" * 16, 1, b"i" * 16, "entry", "update", b"", -1, [], []],  # before 1970
        [2, AUTHOR, b"d" * 16, 1, b"i" * 16, "entry", "update"],  # missing fields
        [],  # nothing at all
    ],
)
def test_a_record_with_a_malformed_body_is_refused(fields: list[object]) -> None:
    key = crypto.new_key()
    body = msgpack.packb(fields, use_bin_type=True)
    ad = records.record_ad(JOURNAL, RECORD, 0)
    signature = crypto.sign(AUTHOR_KEY, records.signature_input(ad, body))
    inner = msgpack.packb([body, signature], use_bin_type=True)
    with pytest.raises(IntegrityError, match="malformed body|body version 4"):
        records.open_record(key, JOURNAL, RECORD, 0, _seal_plaintext(key, inner), known_author)


msgpack_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.binary(max_size=40)
    | st.text(max_size=20)
    | st.floats(allow_nan=False),
    lambda children: (
        st.lists(children, max_size=10) | st.dictionaries(st.text(max_size=5), children, max_size=5)
    ),
    max_leaves=30,
)


@given(
    inner=st.binary(max_size=300)
    | msgpack_values.map(lambda v: msgpack.packb(v, use_bin_type=True))
    | st.lists(msgpack_values, min_size=2, max_size=2).map(
        lambda pair: msgpack.packb([msgpack.packb(pair[0], use_bin_type=True), b"s" * 64])
    )
)
def test_any_plaintext_under_the_right_key_opens_or_raises_integrity_error(inner: bytes) -> None:
    """Even a journal-key holder crafting junk cannot make opening crash with another error."""
    key = crypto.new_key()
    with pytest.raises(IntegrityError) as raised:
        records.open_record(key, JOURNAL, RECORD, 0, _seal_plaintext(key, inner), known_author)
    assert raised.value.record_id == RECORD


def _sealed_fields(fields: list[object]) -> bytes:
    """A record whose body is exactly `fields`, correctly signed by AUTHOR."""
    key = b"\x07" * 32
    body = msgpack.packb(fields, use_bin_type=True)
    ad = records.record_ad(JOURNAL, RECORD, 0)
    signature = crypto.sign(AUTHOR_KEY, records.signature_input(ad, body))
    return crypto.seal(key, crypto.pad(msgpack.packb([body, signature], use_bin_type=True)), ad)


def _fields(**changes: object) -> list[object]:
    body = dataclasses.replace(a_body(), **changes)  # type: ignore[arg-type]
    fields: list[object] = msgpack.unpackb(body.to_bytes())
    return fields


OTHER = (b"\x05" * 16, b"\x06" * 16)
LATER = (b"\x08" * 16, b"\x09" * 16)


@pytest.mark.parametrize(
    ("index", "value"),
    [
        (3, 0),  # counters start at 1
        (9, [[OTHER[0], OTHER[1], 0]]),  # a seen counter of 0
        (9, [[AUTHOR, DEVICE, 5]]),  # the writer's own device in its seen vector
        (9, [[LATER[0], LATER[1], 1], [OTHER[0], OTHER[1], 1]]),  # not sorted
        (9, [[OTHER[0], OTHER[1], 1], [OTHER[0], OTHER[1], 2]]),  # a device twice
        (10, [[OTHER[0], OTHER[1], [[3, 2]]]]),  # lo > hi
        (10, [[OTHER[0], OTHER[1], [[1, 2], [3, 4]]]]),  # touching ranges, not merged
        (10, [[OTHER[0], OTHER[1], [[4, 5], [1, 2]]]]),  # ranges not sorted
        (10, [[OTHER[0], OTHER[1], []]]),  # a cover of nothing
        (10, [[OTHER[0], b"short", [[1, 1]]]]),  # not a 16-byte id
    ],
    ids=[
        "zero counter",
        "zero seen counter",
        "own device seen",
        "seen unsorted",
        "seen duplicate",
        "range reversed",
        "ranges touching",
        "ranges unsorted",
        "empty cover",
        "short id",
    ],
)
def test_a_non_canonical_counter_field_is_refused(index: int, value: object) -> None:
    fields = _fields()
    fields[index] = value
    with pytest.raises(IntegrityError, match="malformed body"):
        records.open_record(b"\x07" * 32, JOURNAL, RECORD, 0, _sealed_fields(fields), known_author)


def test_a_version_1_body_is_refused_with_a_clear_message() -> None:
    fields = _fields()[:9]
    fields[0] = 1
    with pytest.raises(IntegrityError, match="body version 1; this SDK reads version 2"):
        records.open_record(b"\x07" * 32, JOURNAL, RECORD, 0, _sealed_fields(fields), known_author)


@pytest.mark.parametrize("written_at", [True, False, -1, 2**63, 1.5])
def test_a_body_with_a_time_that_is_not_milliseconds_is_not_sealed(written_at: object) -> None:
    body = dataclasses.replace(a_body(), written_at=written_at)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="written_at must be milliseconds"):
        sealed(crypto.new_key(), body)


def _two_step(encoded: bytes) -> RecordBody | records.NewerRecord | str:
    """What `open_verified` read from a body before issue 10 decoded it once: the prefix
    (`_parse_prefix`), then the whole body with its version's parser; an IntegrityError's
    message for a refused one, a NewerRecord's prefix for a version this SDK does not read."""
    try:
        version, author, device, counter = records._parse_prefix(encoded, "r")
        parser = records.BODY_PARSERS.get(version)
        if parser is None:
            return records.NewerRecord(version, author, device, counter)
        return records._parse_body(encoded, "r", parser)
    except IntegrityError as error:
        return str(error)


msgpack_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)  # what msgpack can encode (int64 to uint64)
    | st.binary(max_size=20)
    | st.text(max_size=5)
    | ids
    | st.sampled_from([records.UPDATE, records.VOID, "entry"]),
    lambda items: st.lists(items, max_size=12) | st.dictionaries(st.text(max_size=3), items),
    max_leaves=20,
)


@given(
    body=bodies,
    value=msgpack_values,
    edits=st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), max_size=3),
    extra=st.binary(max_size=3),
)
def test_a_body_decoded_once_reads_as_the_prefix_then_the_body_read_it(
    body: RecordBody, value: object, edits: list[tuple[int, int]], extra: bytes
) -> None:
    """`_parse_current` (issue 10: a body decoded once) returns exactly the body the two
    steps it replaces return, raises what they raise, or None (then they run, as before):
    for well-formed bodies, bodies with a byte changed or bytes added, and any msgpack value
    (an array whose first elements look like a prefix included)."""
    encoded = body.to_bytes()
    changed = bytearray(encoded)
    for at, byte in edits:
        changed[at % len(changed)] = byte
    prefixed = msgpack.packb(
        [records.RECORD_VERSION, AUTHOR, DEVICE, 3, *(value if isinstance(value, list) else [])]
    )
    for candidate in (encoded, bytes(changed), encoded + extra, msgpack.packb(value), prefixed):
        try:
            once: RecordBody | str | None = records._parse_current(candidate, "r")
        except IntegrityError as error:
            once = str(error)
        if once is not None:
            assert once == _two_step(candidate)
    assert records._parse_current(encoded, "r") == body


# --- a cut's epoch (protocol.md 4.15, 4.18 "Cuts") --------------------------------------------


def a_cut(cut_epoch: int | None = 3, counter: int = 9) -> RecordBody:
    """A share's cut: a `void` whose covers name its own counter (and earlier ones)."""
    return RecordBody(
        AUTHOR,
        DEVICE,
        counter,
        records.NO_DOCUMENT,
        "",
        records.VOID,
        b"",
        1,
        covers=(Cover(OTHER[0], OTHER[1], ((1, 4),)), Cover(AUTHOR, DEVICE, ((1, counter),))),
        cut_epoch=cut_epoch,
    )


def test_a_cut_naming_its_epoch_opens_to_it_and_one_without_to_none() -> None:
    key = crypto.new_key()
    for cut_epoch in (None, 0, 3, 2**32 - 1):
        body = a_cut(cut_epoch)
        fields = msgpack.unpackb(body.to_bytes())
        assert len(fields) == (11 if cut_epoch is None else 12)
        assert records.open_record(key, JOURNAL, RECORD, 5, sealed(key, body, 5), known_author) == (
            body
        )


@pytest.mark.parametrize(
    "value",
    [-1, 2**32, True, None, "3", 3.0, b"\x03", [3]],
    ids=["negative", "past u32", "bool", "nil", "str", "float", "bin", "array"],
)
def test_a_cut_epoch_that_is_not_an_epoch_is_refused(value: object) -> None:
    fields: list[object] = msgpack.unpackb(a_cut(None).to_bytes())
    with pytest.raises(IntegrityError, match="malformed body"):
        records.open_record(
            b"\x07" * 32, JOURNAL, RECORD, 0, _sealed_fields([*fields, value]), known_author
        )


def test_a_cut_epoch_on_a_record_that_is_not_a_cut_is_refused() -> None:
    """Only a share's cut names one: a snapshot, an update, or a `void` that covers only
    earlier counters (a withdrawal) with a twelfth element is malformed; 13 elements too."""
    withdrawal = dataclasses.replace(a_cut(None), covers=(Cover(AUTHOR, DEVICE, ((1, 8),)),))
    for body in (a_body(), dataclasses.replace(a_body(), kind=records.SNAPSHOT), withdrawal):
        fields: list[object] = msgpack.unpackb(body.to_bytes())
        with pytest.raises(IntegrityError, match="malformed body"):
            records.open_record(
                b"\x07" * 32, JOURNAL, RECORD, 0, _sealed_fields([*fields, 3]), known_author
            )
        with pytest.raises(InvalidInput, match="only a share's cut"):
            dataclasses.replace(body, cut_epoch=3).to_bytes()
    fields = msgpack.unpackb(a_cut(3).to_bytes())
    with pytest.raises(IntegrityError, match="malformed body"):
        records.open_record(
            b"\x07" * 32, JOURNAL, RECORD, 0, _sealed_fields([*fields, 3]), known_author
        )


def test_a_cut_epoch_is_signed_with_the_body() -> None:
    """The server cannot add, drop or change it: the signature covers the whole body."""
    key = crypto.new_key()
    ad = records.record_ad(JOURNAL, RECORD, 5)
    named = a_cut(3).to_bytes()
    signature = crypto.sign(AUTHOR_KEY, records.signature_input(ad, named))
    for other in (a_cut(None).to_bytes(), a_cut(4).to_bytes()):
        inner = msgpack.packb([other, signature], use_bin_type=True)
        ciphertext = crypto.seal(key, crypto.pad(inner), ad)
        with pytest.raises(IntegrityError):
            records.open_record(key, JOURNAL, RECORD, 5, ciphertext, known_author)


@settings(max_examples=50)
@given(
    body=bodies,
    payload=st.binary(max_size=64),
    cut_epoch=st.none() | st.integers(0, 2**32 - 1),
    encoding=st.sampled_from([records.RAW, records.ZLIB, records.ZSTD]),
)
def test_a_body_given_its_inflated_payload_keeps_every_other_field(
    body: RecordBody, payload: bytes, cut_epoch: int | None, encoding: int
) -> None:
    """`_with_payload` (a pulled record's body once its payload inflated) sets each field
    by hand: every one of them, those equality leaves out included, is the body's."""
    body = dataclasses.replace(body, cut_epoch=cut_epoch, encoding=encoding)
    copy = records._with_payload(body, payload)
    expected = dataclasses.replace(body, payload=payload)
    for field in dataclasses.fields(RecordBody):
        assert getattr(copy, field.name) == getattr(expected, field.name), field.name
    assert type(copy) is RecordBody
    assert vars(copy) == vars(expected)  # no attribute beyond the fields
