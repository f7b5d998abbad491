"""Every cryptographic operation of the protocol, on top of libsodium (PyNaCl).

Nothing here invents a primitive: AEAD is XChaCha20-Poly1305-IETF, passwords go through
Argon2id, subkeys come from keyed BLAKE2b, signatures are Ed25519, sealed boxes are
libsodium's `crypto_box_seal`, padding is libsodium's ISO/IEC 7816-4 padding. Each purpose
has its own context string (see `Context`) so that nothing valid in one place is valid in
another. This module is pure: no I/O, no clock.
"""

from __future__ import annotations

import enum
import unicodedata
from dataclasses import dataclass

import nacl.bindings as sodium
import nacl.encoding
import nacl.exceptions
import nacl.hash
import nacl.public
import nacl.pwhash.argon2id as argon2id
import nacl.signing
import nacl.utils
from nacl.bindings.crypto_generichash import Blake2State

from client_sdk.errors import BAD_VALUE, CostBelowMinimum, IntegrityError, InvalidInput

KEY_BYTES = 32
NONCE_BYTES = sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES  # 24
TAG_BYTES = sodium.crypto_aead_xchacha20poly1305_ietf_ABYTES  # 16
SALT_BYTES = argon2id.SALTBYTES  # 16
SIGNATURE_BYTES = 64


class Context(bytes, enum.Enum):
    """Domain-separation strings: one per purpose, listed in protocol.md."""

    KDF_LOGIN = b"tj-login-key-v1."  # 16 bytes: BLAKE2b personalisation
    KDF_KEK = b"tj-kek-v1......."
    KDF_RECOVERY_LOGIN = b"tj-rec-login-v1."
    KDF_RECOVERY_WRAP = b"tj-rec-wrap-v1.."
    KDF_KEPT_COUNTERS = b"tj-kept-ctr-v1.."  # R38 G1/G2: keys the kept write counters' tags
    RECORD = b"tj/record/v1"
    RECORD_SIGNATURE = b"tj/record-signature/v1"
    BUNDLE = b"tj/bundle/v1"
    RECOVERY_BUNDLE = b"tj/recovery-bundle/v1"
    JOURNAL_KEY = b"tj/journal-key/v1"
    JOURNAL_META = b"tj/journal-meta/v1"
    LOGIN_CHALLENGE = b"tj/login-challenge/v1"
    IDENTITY = b"tj/identity/v1"
    FINGERPRINT = b"tj/fingerprint/v1"
    LOCAL_SECRETS = b"tj/local-secrets/v1"
    PENDING_RECOVERY_KEY = b"tj/pending-recovery-key/v1"
    SHARE_ENVELOPE = b"tj/share-envelope/v1"
    DISCLOSURE_ID = b"tj-disclosure-v1"  # 16 bytes: BLAKE2b personalisation
    DOCUMENT_ID = b"tj-document-v1.."  # 16 bytes: BLAKE2b personalisation
    # 16 bytes: BLAKE2b personalisation (R37 F3); v2: the id names the answer carried too
    LATE_FLAG_ID = b"tj-late-flag-v2."
    DEFAULT_JOURNAL_ID = b"tj-default-v1..."  # 16 bytes: BLAKE2b personalisation
    JOURNAL_NAME = b"tj/journal-name/v1"
    JOURNAL_NAME_V2 = b"tj/journal-name/v2"  # F4, W1: the name with `named_at` and `archived`
    ACCESS_CHAIN = b"tj/access-chain/v1"
    ACCESS_MEMBER = b"tj/access-member/v1"
    ACCESS_OWNER = b"tj/access-owner/v1"
    ACCESS_OWNER_PADDED = b"tj/access-owner/v2"
    ACCESS_LIMITED = b"tj/access-limited/v1"
    VERIFY_HEAD = b"tj/verify-head/v1"
    EPOCH_KEY_CHECK = b"tj/epoch-key-check/v1"
    DEVICE_SIGN_IN = b"tj/device-sign-in/v2"  # fix34a, fix34i: a device key signs a sign-in


@dataclass(frozen=True)
class KdfCost:
    """Argon2id cost. The client refuses anything cheaper than INTERACTIVE."""

    opslimit: int
    memlimit: int

    def check(self, minimum: KdfCost) -> None:
        """Refuse a cost below `minimum` (a hostile server weakening the hash) or above
        MAXIMUM_COST (a hostile server making the device hang or run out of memory)."""
        if self.opslimit < minimum.opslimit or self.memlimit < minimum.memlimit:
            raise CostBelowMinimum(
                f"the account's password hashing cost, {self.words()}, is below the minimum "
                f"this client accepts ({minimum.words()})",
                cost=self,
                minimum=minimum,
            )
        if self.opslimit > MAXIMUM_COST.opslimit or self.memlimit > MAXIMUM_COST.memlimit:
            raise InvalidInput(
                f"password hashing cost {self.words()} is above the maximum this client "
                f"accepts; refusing to derive keys",
                subject="refused",
            )

    def words(self) -> str:
        """ "2 passes / 64 MiB", "1 pass / 8 KiB": the cost as a message shows it."""
        passes = f"{self.opslimit} pass{'es' if self.opslimit != 1 else ''}"
        if self.memlimit >= 1 << 20:
            return f"{passes} / {self.memlimit >> 20} MiB"
        return f"{passes} / {self.memlimit >> 10} KiB"


MODERATE = KdfCost(argon2id.OPSLIMIT_MODERATE, argon2id.MEMLIMIT_MODERATE)
INTERACTIVE = KdfCost(argon2id.OPSLIMIT_INTERACTIVE, argon2id.MEMLIMIT_INTERACTIVE)
# libsodium's SENSITIVE memory (1 GiB) with a few times its passes: anything above is refused.
MAXIMUM_COST = KdfCost(4 * argon2id.OPSLIMIT_SENSITIVE, argon2id.MEMLIMIT_SENSITIVE)
# Only for test suites and benchmarks, and only when asked for explicitly.
INSECURE_TEST_COST = KdfCost(argon2id.OPSLIMIT_MIN, argon2id.MEMLIMIT_MIN)


def random_bytes(size: int) -> bytes:
    return nacl.utils.random(size)


def new_key() -> bytes:
    return random_bytes(KEY_BYTES)


def normalize_password(password: str) -> str:
    """A password (or local passphrase) in Unicode NFKC, the form that goes into the KDF.

    NIST SP 800-63B (§5.1.1.2 in revision 3, §3.1.1.2 in revision 4) recommends NFKC or NFKD
    so that one password typed on keyboards that produce composed ("é", U+00E9) or decomposed
    ("e" + U+0301) characters, or compatibility forms (full-width "Ｍ", the ligature "ﬁ"),
    derives the same keys. protocol.md 4.4, vector `password-nfkc`.
    """
    return unicodedata.normalize("NFKC", password)


def derive_root(password: str, salt: bytes, cost: KdfCost) -> bytes:
    """Password → 32-byte root secret: Argon2id (explicit limits) over the UTF-8 bytes of the
    password in Unicode NFKC (`normalize_password`). Raises InvalidInput for a salt that is
    not 16 bytes or a cost this device cannot use."""
    if len(salt) != SALT_BYTES:
        raise InvalidInput("the password salt must be 16 bytes", subject=BAD_VALUE)
    try:
        return argon2id.kdf(
            KEY_BYTES,
            normalize_password(password).encode("utf-8"),
            salt,
            opslimit=cost.opslimit,
            memlimit=cost.memlimit,
        )
    except (nacl.exceptions.ValueError, nacl.exceptions.RuntimeError, MemoryError):
        # Out of libsodium's range, or more memory than this device can give.
        raise InvalidInput(
            f"password hashing cost {cost.opslimit} passes / {cost.memlimit >> 20} MiB "
            "cannot be used on this device; refusing to derive keys",
            subject="refused",
        ) from None


def derive_subkey(root: bytes, context: Context) -> bytes:
    """Keyed BLAKE2b: subkey = BLAKE2b-256(message="", key=root, personal=context)."""
    if len(context.value) != 16:
        raise ValueError("KDF contexts are exactly 16 bytes")
    return nacl.hash.blake2b(
        b"", digest_size=KEY_BYTES, key=root, person=context.value, encoder=nacl.encoding.RawEncoder
    )


_HASH32 = sodium.crypto_generichash_blake2b_init(digest_size=32)
"""The state of an unkeyed BLAKE2b-256 before any input: `hash32` hashes from a copy of it."""


def hash32(data: bytes) -> bytes:
    """Unkeyed BLAKE2b-256, used for fingerprints and envelope digests. From a copy of a
    state made once (libsodium's init, update and final, as nacl.hash.blake2b calls them):
    the same digest in about 60% of its time (a push digests every record it sent, issue
    10)."""
    return blake2b_from(_HASH32, data)


def blake2b_state(digest_size: int, person: bytes = b"") -> Blake2State:
    """A BLAKE2b state of `digest_size` bytes and personalisation `person` (16 bytes, or
    none) before any input, for `blake2b_from`: the parameters are checked once, here."""
    return sodium.crypto_generichash_blake2b_init(person=person, digest_size=digest_size)


def blake2b_from(start: Blake2State, data: bytes) -> bytes:
    """BLAKE2b of `data` from a copy of `start` (`blake2b_state`), which stays as it was."""
    state = start.copy()
    sodium.crypto_generichash_blake2b_update(state, data)
    return bytes(sodium.crypto_generichash_blake2b_final(state))


def keyed_hash32(key: bytes, data: bytes) -> bytes:
    """Keyed BLAKE2b-256 (libsodium's `crypto_generichash` with a 32-byte key): a value that
    commits to `key` and says nothing of it."""
    _check_key(key)
    return nacl.hash.blake2b(data, digest_size=32, key=key, encoder=nacl.encoding.RawEncoder)


def same_secret(a: bytes, b: bytes) -> bool:
    """Whether two secrets (keys) are equal, compared in constant time (libsodium's
    `sodium_memcmp`); secrets of different lengths are never equal."""
    return len(a) == len(b) and bool(sodium.sodium_memcmp(a, b))


def frame(*parts: bytes) -> bytes:
    """Length-prefixed concatenation (u32 big-endian length, then bytes) for AD and signatures."""
    return b"".join(len(part).to_bytes(4, "big") + part for part in parts)


def associated_data(context: Context, *parts: bytes) -> bytes:
    return frame(context.value, *parts)


def seal(key: bytes, plaintext: bytes, ad: bytes) -> bytes:
    """AEAD-encrypt with a fresh random nonce; returns nonce || ciphertext || tag."""
    return _seal_with_nonce(key, plaintext, ad, random_bytes(NONCE_BYTES))


def _seal_with_nonce(key: bytes, plaintext: bytes, ad: bytes, nonce: bytes) -> bytes:
    """Deterministic form of `seal`, for protocol.md test vectors only."""
    _check_key(key)
    body = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, ad, nonce, key)
    return nonce + body


def open_sealed(key: bytes, sealed: bytes, ad: bytes, what: str) -> bytes:
    """Reverse of `seal`; any tampering or wrong key/AD raises IntegrityError naming `what`."""
    _check_key(key)
    if len(sealed) < NONCE_BYTES + TAG_BYTES:
        raise IntegrityError(f"{what} is too short to be a ciphertext")
    nonce, body = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:]
    try:
        return bytes(sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(body, ad, nonce, key))
    except nacl.exceptions.CryptoError:
        raise IntegrityError(
            f"{what} failed authentication: it was altered, moved, or sealed with another key"
        ) from None


def _check_key(key: bytes) -> None:
    if len(key) != KEY_BYTES:
        raise ValueError("symmetric keys are 32 bytes")


def padded_block(length: int) -> int:
    """Bucket size for padding: 256 bytes up to 8 KiB, then 1/16 of the next power of two.

    Sizes thus reveal at most ~4 bits beyond their order of magnitude.
    """
    if length < 8192:
        return 256
    return max(256, 1 << (length.bit_length() - 4))


def pad(data: bytes) -> bytes:
    block = padded_block(len(data) + 1)
    return bytes(sodium.sodium_pad(data, block))


def sealed_length(plaintext_length: int) -> int:
    """Bytes of `seal(key, pad(data), ...)` for `plaintext_length` bytes of `data`: the padded
    length (the next multiple of the bucket above it, as `pad`), a nonce and a tag."""
    block = padded_block(plaintext_length + 1)
    return (plaintext_length // block + 1) * block + NONCE_BYTES + TAG_BYTES


UNPAD_TAIL = 256
"""Bytes at the end of a padded plaintext `unpad` scans first: the whole padding of anything
`pad` writes below 8 KiB (most records)."""


def unpad(padded: bytes, what: str) -> bytes:
    """`padded` without its ISO/IEC 7816-4 padding (protocol.md 4.7): any correctly padded
    input, whatever block size padded it. libsodium scans its whole block size; the last
    UNPAD_TAIL bytes are scanned first (less than half the time for a 1 KB record, issue 10)
    and the whole length only when the padding does not end there, so exactly the same
    inputs are accepted, with the same result: the padding is the zero bytes at the end and
    the 0x80 before them, wherever that is. IntegrityError for anything else."""
    if not padded:
        raise IntegrityError(f"{what} has no padding")
    try:
        return bytes(sodium.sodium_unpad(padded, min(len(padded), UNPAD_TAIL)))
    except (nacl.exceptions.CryptoError, ValueError):
        pass  # the padding may be longer than the tail: scanned whole
    try:
        return bytes(sodium.sodium_unpad(padded, len(padded)))
    except (nacl.exceptions.CryptoError, ValueError):
        raise IntegrityError(f"{what} has invalid padding") from None


def signing_key_from_seed(seed: bytes) -> nacl.signing.SigningKey:
    return nacl.signing.SigningKey(seed)


def sign(key: nacl.signing.SigningKey, message: bytes) -> bytes:
    return bytes(key.sign(message).signature)


def verify(public_key: bytes, message: bytes, signature: bytes, what: str) -> None:
    """Ed25519 verification of a detached signature (libsodium's crypto_sign_open, as
    PyNaCl's VerifyKey.verify calls it, without building a VerifyKey per call: a pull
    verifies every record, issue 10). Raises IntegrityError naming `what`."""
    if (
        not isinstance(public_key, bytes)
        or len(public_key) != SIGN_PUBLIC_KEY_BYTES
        or not isinstance(signature, bytes)
        or len(signature) != SIGNATURE_BYTES
    ):
        raise IntegrityError(f"{what} has an invalid signature")
    try:
        sodium.crypto_sign_open(signature + message, public_key)
    except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError, ValueError, TypeError):
        raise IntegrityError(f"{what} has an invalid signature") from None


SIGN_PUBLIC_KEY_BYTES = sodium.crypto_sign_PUBLICKEYBYTES
SIGNATURE_BYTES = sodium.crypto_sign_BYTES


def seal_to(recipient_box_public: bytes, plaintext: bytes) -> bytes:
    """Anonymous sealed box to an X25519 key; callers add a signature for the sender."""
    return bytes(
        nacl.public.SealedBox(nacl.public.PublicKey(recipient_box_public)).encrypt(plaintext)
    )


def open_sealed_box(private_key: nacl.public.PrivateKey, sealed: bytes, what: str) -> bytes:
    try:
        return bytes(nacl.public.SealedBox(private_key).decrypt(sealed))
    except nacl.exceptions.CryptoError:
        raise IntegrityError(f"{what} could not be opened with this account's key") from None
