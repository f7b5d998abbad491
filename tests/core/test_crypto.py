"""The crypto core and key hierarchy: round trips, tamper cases, cost floor, recovery keys,
fingerprints. Pure: no server, no clock."""

from __future__ import annotations

import nacl.bindings
import nacl.exceptions
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from client_sdk import crypto, keys
from client_sdk.crypto import INSECURE_TEST_COST, INTERACTIVE, MODERATE, Context, KdfCost
from client_sdk.errors import IntegrityError, InvalidInput

key_bytes = st.binary(min_size=32, max_size=32)
ids = st.binary(min_size=16, max_size=16)
B32_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def flip_byte(data: bytes, index: int) -> bytes:
    index %= len(data)
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


# --- AEAD ------------------------------------------------------------------------------------


@given(key=key_bytes, plaintext=st.binary(max_size=2048), ad=st.binary(max_size=256))
def test_sealed_data_opens_to_the_same_plaintext(key: bytes, plaintext: bytes, ad: bytes) -> None:
    sealed = crypto.seal(key, plaintext, ad)
    assert len(sealed) == crypto.NONCE_BYTES + len(plaintext) + crypto.TAG_BYTES
    assert crypto.open_sealed(key, sealed, ad, "the test message") == plaintext


def test_sealing_twice_uses_a_fresh_nonce() -> None:
    key = crypto.new_key()
    first, second = crypto.seal(key, b"same", b"ad"), crypto.seal(key, b"same", b"ad")
    assert first[: crypto.NONCE_BYTES] != second[: crypto.NONCE_BYTES]
    assert first != second


@given(plaintext=st.binary(max_size=512), index=st.integers(min_value=0))
def test_flipping_any_byte_of_a_sealed_message_is_detected(plaintext: bytes, index: int) -> None:
    key = crypto.new_key()
    sealed = crypto.seal(key, plaintext, b"ad")
    with pytest.raises(IntegrityError, match="the test message"):
        crypto.open_sealed(key, flip_byte(sealed, index), b"ad", "the test message")


def test_a_sealed_message_does_not_open_with_another_key_or_associated_data() -> None:
    key = crypto.new_key()
    sealed = crypto.seal(key, b"secret", b"ad")
    with pytest.raises(IntegrityError, match="failed authentication"):
        crypto.open_sealed(crypto.new_key(), sealed, b"ad", "the test message")
    with pytest.raises(IntegrityError, match="failed authentication"):
        crypto.open_sealed(key, sealed, b"other ad", "the test message")


@given(length=st.integers(min_value=0, max_value=crypto.NONCE_BYTES + crypto.TAG_BYTES - 1))
def test_a_truncated_ciphertext_is_an_integrity_error(length: int) -> None:
    sealed = crypto.seal(crypto.new_key(), b"", b"")
    with pytest.raises(IntegrityError, match="too short"):
        crypto.open_sealed(crypto.new_key(), sealed[:length], b"", "the test message")


def test_a_key_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError):
        crypto.seal(b"short", b"plaintext", b"")


# --- padding ---------------------------------------------------------------------------------


@given(data=st.binary(max_size=20_000))
def test_padding_round_trips_and_hides_the_exact_length(data: bytes) -> None:
    padded = crypto.pad(data)
    assert len(padded) > len(data)
    assert len(padded) % crypto.padded_block(len(data) + 1) == 0
    assert crypto.unpad(padded, "the test message") == data


@given(data=st.binary(max_size=20_000) | st.sampled_from([bytes(n) for n in (255, 8191, 70_000)]))
def test_sealed_length_is_the_length_of_the_padded_and_sealed_data(data: bytes) -> None:
    sealed = crypto.seal(bytes(crypto.KEY_BYTES), crypto.pad(data), b"ad")
    assert crypto.sealed_length(len(data)) == len(sealed)


def test_short_messages_of_different_lengths_pad_to_the_same_size() -> None:
    assert {len(crypto.pad(b"x" * n)) for n in range(255)} == {256}


@given(garbage=st.binary(max_size=300).filter(lambda b: 0x80 not in b))
def test_data_without_a_padding_marker_is_refused(garbage: bytes) -> None:
    with pytest.raises(IntegrityError, match="padding"):
        crypto.unpad(garbage, "the test message")


def whole_length_unpad(padded: bytes) -> bytes | None:
    """What libsodium's unpad with the whole length as block size gives (None: refused)."""
    try:
        return bytes(nacl.bindings.sodium_unpad(padded, len(padded)))
    except (nacl.exceptions.CryptoError, ValueError):
        return None


@given(
    data=st.binary(max_size=600),
    marker=st.sampled_from([b"\x80", b"\x81", b"\x00", b""]),
    zeros=st.integers(0, 1200) | st.sampled_from([254, 255, 256, 257]),
    tail=st.binary(max_size=3),
)
def test_unpad_takes_exactly_what_a_scan_of_the_whole_length_takes(
    data: bytes, marker: bytes, zeros: int, tail: bytes
) -> None:
    """issue 10: `unpad`, read without libsodium, accepts the same inputs, with the same
    result, as libsodium's scan of the whole length (padding longer than one block, a
    marker that is not 0x80, a non-zero byte after it)."""
    padded = data + marker + bytes(zeros) + tail
    if not padded:
        return
    expected = whole_length_unpad(padded)
    if expected is None:
        with pytest.raises(IntegrityError, match="padding"):
            crypto.unpad(padded, "the test message")
    else:
        assert crypto.unpad(padded, "the test message") == expected


def test_unpad_reads_a_padding_longer_than_its_first_scan() -> None:
    padded = b"data" + b"\x80" + bytes(512)
    assert crypto.unpad(padded, "the test message") == b"data"


# --- password hashing cost -------------------------------------------------------------------


@pytest.mark.parametrize(
    "cost",
    [
        KdfCost(INTERACTIVE.opslimit - 1, INTERACTIVE.memlimit),
        KdfCost(INTERACTIVE.opslimit, INTERACTIVE.memlimit - 1),
        KdfCost(1, 8192),
        INSECURE_TEST_COST,
    ],
)
def test_a_cost_below_interactive_is_refused(cost: KdfCost) -> None:
    with pytest.raises(InvalidInput, match="below the minimum"):
        cost.check(INTERACTIVE)


@pytest.mark.parametrize("cost", [INTERACTIVE, MODERATE, KdfCost(10, 2**30)])
def test_a_cost_at_or_above_interactive_is_accepted(cost: KdfCost) -> None:
    cost.check(INTERACTIVE)


def test_password_keys_depend_on_password_and_salt() -> None:
    salt = bytes(16)
    base = keys.password_keys("correct horse", salt, INSECURE_TEST_COST)
    again = keys.password_keys("correct horse", salt, INSECURE_TEST_COST)
    other_password = keys.password_keys("correct horsf", salt, INSECURE_TEST_COST)
    other_salt = keys.password_keys("correct horse", bytes(15) + b"\x01", INSECURE_TEST_COST)
    assert (base.kek, bytes(base.login_key)) == (again.kek, bytes(again.login_key))
    assert base.kek != bytes(base.login_key)
    for other in (other_password, other_salt):
        assert other.kek != base.kek
        assert bytes(other.login_key.verify_key) != bytes(base.login_key.verify_key)


@pytest.mark.parametrize(
    "cost",
    [KdfCost(3, 2**62), KdfCost(2**40, INTERACTIVE.memlimit)],
    ids=["memory beyond libsodium's range", "passes beyond libsodium's range"],
)
def test_a_cost_libsodium_cannot_run_is_an_invalid_input_error(cost: KdfCost) -> None:
    with pytest.raises(InvalidInput, match="cannot be used on this device"):
        crypto.derive_root("password", bytes(16), cost)


def test_a_salt_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(InvalidInput, match="16 bytes"):
        crypto.derive_root("password", b"short", INSECURE_TEST_COST)


def test_subkeys_of_distinct_contexts_differ() -> None:
    root = crypto.new_key()
    contexts = [c for c in Context if len(c.value) == 16]
    assert len({crypto.derive_subkey(root, c) for c in contexts}) == len(contexts)


def test_every_context_string_is_distinct() -> None:
    assert len({c.value for c in Context}) == len(Context)


# --- key bundles -----------------------------------------------------------------------------


@settings(max_examples=30)
@given(account_id=ids, username=st.from_regex(r"[a-z0-9._-]{3,64}", fullmatch=True))
def test_a_key_bundle_opens_to_the_same_secrets(account_id: bytes, username: str) -> None:
    secrets = keys.AccountSecrets.generate()
    kek = crypto.new_key()
    bundle = keys.seal_bundle(kek, secrets, account_id, username)
    assert keys.open_bundle(kek, bundle, account_id, username) == secrets


def test_a_key_bundle_is_bound_to_its_account_and_username() -> None:
    secrets, kek, account_id = keys.AccountSecrets.generate(), crypto.new_key(), bytes(16)
    bundle = keys.seal_bundle(kek, secrets, account_id, "ana")
    with pytest.raises(IntegrityError, match="key bundle"):
        keys.open_bundle(kek, bundle, account_id, "bob")
    with pytest.raises(IntegrityError, match="key bundle"):
        keys.open_bundle(kek, bundle, b"\x01" * 16, "ana")
    with pytest.raises(IntegrityError, match="key bundle"):
        keys.open_bundle(crypto.new_key(), bundle, account_id, "ana")


@given(index=st.integers(min_value=0))
def test_flipping_any_byte_of_a_key_bundle_is_detected(index: int) -> None:
    secrets, kek = keys.AccountSecrets.generate(), crypto.new_key()
    bundle = keys.seal_bundle(kek, secrets, bytes(16), "ana")
    with pytest.raises(IntegrityError, match="key bundle"):
        keys.open_bundle(kek, flip_byte(bundle, index), bytes(16), "ana")


def test_a_password_bundle_does_not_open_as_a_recovery_bundle() -> None:
    secrets, recovery_key = keys.AccountSecrets.generate(), keys.new_recovery_key()
    wrap = crypto.derive_subkey(recovery_key, Context.KDF_RECOVERY_WRAP)
    password_style = keys.seal_bundle(wrap, secrets, bytes(16), "ana")
    with pytest.raises(IntegrityError):
        keys.open_recovery_bundle(recovery_key, password_style, bytes(16), "ana")


def test_a_recovery_bundle_opens_only_with_its_recovery_key() -> None:
    secrets, recovery_key = keys.AccountSecrets.generate(), keys.new_recovery_key()
    bundle = keys.seal_recovery_bundle(recovery_key, secrets, bytes(16), "ana")
    assert keys.open_recovery_bundle(recovery_key, bundle, bytes(16), "ana") == secrets
    with pytest.raises(IntegrityError, match="recovery copy"):
        keys.open_recovery_bundle(keys.new_recovery_key(), bundle, bytes(16), "ana")


@given(data=st.binary(max_size=200).filter(lambda b: len(b) != 97))
def test_secrets_of_an_unknown_layout_are_refused(data: bytes) -> None:
    with pytest.raises(IntegrityError, match="unknown layout"):
        keys.AccountSecrets.from_bytes(data)


# --- recovery keys ---------------------------------------------------------------------------


@given(key=key_bytes)
def test_a_recovery_key_round_trips_through_its_text_form(key: bytes) -> None:
    text = keys.format_recovery_key(key)
    groups = text.split("-")
    assert len(groups) == 14 and all(len(group) == 4 for group in groups)
    assert keys.parse_recovery_key(text) == key


@given(key=key_bytes)
def test_a_recovery_key_may_be_typed_in_lower_case_with_spaces(key: bytes) -> None:
    typed = " " + keys.format_recovery_key(key).lower().replace("-", " ") + "\n"
    assert keys.parse_recovery_key(typed) == key


@given(key=key_bytes, position=st.integers(0, 55), replacement=st.sampled_from(B32_ALPHABET))
def test_a_recovery_key_with_one_wrong_character_is_detected(
    key: bytes, position: int, replacement: str
) -> None:
    text = keys.format_recovery_key(key).replace("-", "")
    if text[position] == replacement:
        replacement = B32_ALPHABET[(B32_ALPHABET.index(replacement) + 1) % 32]
    typo = text[:position] + replacement + text[position + 1 :]
    with pytest.raises(InvalidInput, match="typo"):
        keys.parse_recovery_key(typo)


def test_two_swapped_characters_of_a_recovery_key_are_detected() -> None:
    text = keys.format_recovery_key(bytes(range(32))).replace("-", "")
    position = next(i for i in range(55) if text[i] != text[i + 1])
    swapped = text[:position] + text[position + 1] + text[position] + text[position + 2 :]
    with pytest.raises(InvalidInput, match="typo"):
        keys.parse_recovery_key(swapped)


@pytest.mark.parametrize("text", ["", "not a key", "ABCD-EFGH", "A" * 57, "!" * 56])
def test_text_that_is_not_a_recovery_key_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        keys.parse_recovery_key(text)


def test_a_truncated_recovery_key_is_refused() -> None:
    text = keys.format_recovery_key(bytes(32)).replace("-", "")
    with pytest.raises(InvalidInput):
        keys.parse_recovery_key(text[:48])


def test_the_recovery_login_key_differs_from_the_recovery_wrapping_key() -> None:
    recovery_key = keys.new_recovery_key()
    login_seed = bytes(keys.recovery_login_key(recovery_key))
    assert login_seed != crypto.derive_subkey(recovery_key, Context.KDF_RECOVERY_WRAP)
    assert login_seed != recovery_key


# --- fingerprints ----------------------------------------------------------------------------


def _identity() -> tuple[bytes, str, bytes, bytes]:
    secrets = keys.AccountSecrets.generate()
    return bytes(16), "ana", secrets.sign_public_key, secrets.box_public_key


def test_a_fingerprint_is_six_groups_of_five_digits_and_stable() -> None:
    identity = _identity()
    printed = keys.fingerprint(*identity)
    groups = printed.split(" ")
    assert len(groups) == 6 and all(len(g) == 5 and g.isdigit() for g in groups)
    assert keys.fingerprint(*identity) == printed


@pytest.mark.parametrize("changed", ["account_id", "username", "sign_key", "box_key"])
def test_a_fingerprint_changes_with_any_part_of_the_identity(changed: str) -> None:
    account_id, username, sign_key, box_key = _identity()
    other = keys.AccountSecrets.generate()
    variants = {
        "account_id": (b"\x01" * 16, username, sign_key, box_key),
        "username": (account_id, "anb", sign_key, box_key),
        "sign_key": (account_id, username, other.sign_public_key, box_key),
        "box_key": (account_id, username, sign_key, other.box_public_key),
    }
    original = keys.fingerprint(account_id, username, sign_key, box_key)
    assert keys.fingerprint(*variants[changed]) != original


def test_a_fingerprint_typed_loosely_normalizes_to_the_printed_form() -> None:
    printed = keys.fingerprint(*_identity())
    assert keys.normalize_fingerprint(printed.replace(" ", "-") + " ") == printed
    with pytest.raises(InvalidInput, match="30 digits"):
        keys.normalize_fingerprint(printed[:-1])


# --- identities and login challenges ---------------------------------------------------------


def test_an_identity_signature_is_bound_to_username_and_keys() -> None:
    secrets = keys.AccountSecrets.generate()
    account_id = bytes(16)
    signature = keys.sign_identity(secrets, account_id, "ana")
    keys.verify_identity(
        account_id, "ana", secrets.sign_public_key, secrets.box_public_key, signature
    )
    with pytest.raises(IntegrityError, match="identity of bob"):
        keys.verify_identity(
            account_id, "bob", secrets.sign_public_key, secrets.box_public_key, signature
        )
    other_box = keys.AccountSecrets.generate().box_public_key
    with pytest.raises(IntegrityError):
        keys.verify_identity(account_id, "ana", secrets.sign_public_key, other_box, signature)


def test_a_login_signature_is_bound_to_its_purpose_and_server() -> None:
    login_key = keys.password_keys("a password", bytes(16), INSECURE_TEST_COST).login_key
    challenge, server_id = crypto.random_bytes(32), crypto.random_bytes(16)
    signature = keys.sign_challenge(login_key, "ana", server_id, "login", challenge)
    public = bytes(login_key.verify_key)
    crypto.verify(
        public, keys.challenge_message("ana", server_id, "login", challenge), signature, "login"
    )
    for message in (
        keys.challenge_message("ana", server_id, "recover", challenge),
        keys.challenge_message("ana", bytes(16), "login", challenge),
        keys.challenge_message("bob", server_id, "login", challenge),
    ):
        with pytest.raises(IntegrityError, match="invalid signature"):
            crypto.verify(public, message, signature, "the login")


# --- journal keys and metadata ---------------------------------------------------------------


@given(epoch=st.integers(0, 2**32 - 1), journal_id=ids)
def test_a_wrapped_journal_key_unwraps_only_for_its_journal_and_epoch(
    epoch: int, journal_id: bytes
) -> None:
    account_key, account_id, journal_key = crypto.new_key(), bytes(16), crypto.new_key()
    wrapped = keys.wrap_journal_key(account_key, account_id, journal_id, epoch, journal_key)
    assert keys.unwrap_journal_key(account_key, account_id, journal_id, epoch, wrapped) == (
        journal_key
    )
    other_epoch = (epoch + 1) % 2**32
    with pytest.raises(IntegrityError, match=journal_id.hex()):
        keys.unwrap_journal_key(account_key, account_id, journal_id, other_epoch, wrapped)
    with pytest.raises(IntegrityError):
        keys.unwrap_journal_key(account_key, b"\x01" * 16, journal_id, epoch, wrapped)


def test_journal_metadata_round_trips_and_is_bound_to_its_journal() -> None:
    journal_key, journal_id = crypto.new_key(), bytes(16)
    sealed = keys.seal_journal_meta(journal_key, journal_id, 3, "Ängste 😀".encode())
    assert keys.meta_epoch(sealed) == 3
    assert keys.open_journal_meta(journal_key, journal_id, sealed) == "Ängste 😀".encode()
    with pytest.raises(IntegrityError, match="name of journal"):
        keys.open_journal_meta(journal_key, b"\x01" * 16, sealed)
    with pytest.raises(IntegrityError):
        keys.open_journal_meta(journal_key, journal_id, (4).to_bytes(4, "big") + sealed[4:])


# --- sealed boxes ----------------------------------------------------------------------------


def test_a_sealed_box_opens_only_with_the_recipient_key() -> None:
    recipient, stranger = keys.AccountSecrets.generate(), keys.AccountSecrets.generate()
    sealed = crypto.seal_to(recipient.box_public_key, b"journal key")
    assert crypto.open_sealed_box(recipient.box_key, sealed, "the envelope") == b"journal key"
    with pytest.raises(IntegrityError, match="the envelope"):
        crypto.open_sealed_box(stranger.box_key, sealed, "the envelope")


def test_kdf_cost_above_the_maximum_is_refused() -> None:
    from client_sdk.crypto import INTERACTIVE, MAXIMUM_COST, KdfCost

    with pytest.raises(InvalidInput, match="above the maximum"):
        KdfCost(MAXIMUM_COST.opslimit + 1, INTERACTIVE.memlimit).check(INTERACTIVE)
    with pytest.raises(InvalidInput, match="above the maximum"):
        KdfCost(INTERACTIVE.opslimit, MAXIMUM_COST.memlimit * 2).check(INTERACTIVE)
    MAXIMUM_COST.check(INTERACTIVE)


def test_recovery_key_typed_with_digits_for_lookalike_letters_still_parses() -> None:
    key = bytes(range(32))
    text = keys.format_recovery_key(key)
    typed = text.replace("O", "0").replace("I", "1").replace("B", "8").lower()
    assert keys.parse_recovery_key(typed) == key


def test_verify_accepts_only_the_signers_exact_message_with_well_sized_key_and_signature() -> None:
    key = crypto.signing_key_from_seed(bytes(range(32)))
    public = bytes(key.verify_key)
    signature = crypto.sign(key, b"the record")
    crypto.verify(public, b"the record", signature, "the record")
    bad = [
        (public, b"the recorD", signature),
        (public, b"the record", signature[:-1] + bytes([signature[-1] ^ 1])),
        (public, b"the record", signature[:63]),
        (public, b"the record", signature + b"\x00"),
        (public[:31], b"the record", signature),
        (bytes(crypto.signing_key_from_seed(bytes(32)).verify_key), b"the record", signature),
    ]
    for public_key, message, sig in bad:
        with pytest.raises(IntegrityError, match="the record has an invalid signature"):
            crypto.verify(public_key, message, sig, "the record")
