"""The key hierarchy of DESIGN.md, as pure functions.

password + salt --Argon2id--> root --BLAKE2b(ctx)--> login key (Ed25519 seed)
                                                 └--> key-encryption key (KEK)
KEK ──seals──> key bundle {account key, identity signing seed, identity box secret}
recovery key ──seals──> a second copy of the bundle; it also yields a recovery login key
account key ──wraps──> each journal key (per epoch)
"""

from __future__ import annotations

import base64
import functools
import hmac
from dataclasses import dataclass, field

import msgpack
import nacl.encoding
import nacl.hash
import nacl.public
import nacl.signing

from client_sdk import crypto
from client_sdk.crypto import Context, KdfCost
from client_sdk.errors import BAD_VALUE, WRONG_RECOVERY_KEY, IntegrityError, InvalidInput
from client_sdk.models import normalize_username

BUNDLE_VERSION = 1
RECOVERY_KEY_BYTES = 32
RECOVERY_CHECK_BYTES = 3
LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B"})


@dataclass(frozen=True)
class PasswordKeys:
    """What a password yields: a login signing key and a key-encryption key."""

    login_key: nacl.signing.SigningKey = field(repr=False)
    kek: bytes = field(repr=False)


def password_keys(password: str, salt: bytes, cost: KdfCost) -> PasswordKeys:
    root = crypto.derive_root(password, salt, cost)
    return PasswordKeys(
        login_key=crypto.signing_key_from_seed(crypto.derive_subkey(root, Context.KDF_LOGIN)),
        kek=crypto.derive_subkey(root, Context.KDF_KEK),
    )


@dataclass(frozen=True)
class AccountSecrets:
    """The random secrets of an account; they never leave a device unsealed (nor show in
    its `repr()`)."""

    account_key: bytes = field(repr=False)
    sign_seed: bytes = field(repr=False)
    box_secret: bytes = field(repr=False)

    @staticmethod
    def generate() -> AccountSecrets:
        return AccountSecrets(crypto.new_key(), crypto.new_key(), crypto.new_key())

    @functools.cached_property
    def signing_key(self) -> nacl.signing.SigningKey:
        """Derived from the seed once per AccountSecrets (it is used for every record)."""
        return crypto.signing_key_from_seed(self.sign_seed)

    @property
    def box_key(self) -> nacl.public.PrivateKey:
        return nacl.public.PrivateKey(self.box_secret)

    @functools.cached_property
    def sign_public_key(self) -> bytes:
        return bytes(self.signing_key.verify_key)

    @property
    def box_public_key(self) -> bytes:
        return bytes(self.box_key.public_key)

    def to_bytes(self) -> bytes:
        return bytes([BUNDLE_VERSION]) + self.account_key + self.sign_seed + self.box_secret

    @staticmethod
    def from_bytes(data: bytes) -> AccountSecrets:
        if len(data) != 97 or data[0] != BUNDLE_VERSION:
            raise IntegrityError("the key bundle has an unknown layout")
        return AccountSecrets(data[1:33], data[33:65], data[65:97])


def seal_bundle(kek: bytes, secrets: AccountSecrets, account_id: bytes, username: str) -> bytes:
    ad = crypto.associated_data(Context.BUNDLE, account_id, username.encode())
    return crypto.seal(kek, secrets.to_bytes(), ad)


def open_bundle(kek: bytes, bundle: bytes, account_id: bytes, username: str) -> AccountSecrets:
    ad = crypto.associated_data(Context.BUNDLE, account_id, username.encode())
    return AccountSecrets.from_bytes(crypto.open_sealed(kek, bundle, ad, "the key bundle"))


# --- recovery key ----------------------------------------------------------------------------


def new_recovery_key() -> bytes:
    return crypto.random_bytes(RECOVERY_KEY_BYTES)


def format_recovery_key(key: bytes) -> str:
    """56 base32 characters in groups of four; the last 3 bytes are a typo check."""
    check = crypto.hash32(key)[:RECOVERY_CHECK_BYTES]
    text = base64.b32encode(key + check).decode()
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def parse_recovery_key(text: str) -> bytes:
    # Base32 has no 0, 1 or 8: read them as the letters they are mistaken for.
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum()).translate(LOOKALIKES)
    try:
        raw = base64.b32decode(cleaned)
    except ValueError:
        raise InvalidInput(
            "that is not a recovery key: expected 56 letters and digits", subject=WRONG_RECOVERY_KEY
        ) from None
    key, check = raw[:RECOVERY_KEY_BYTES], raw[RECOVERY_KEY_BYTES:]
    if len(raw) != RECOVERY_KEY_BYTES + RECOVERY_CHECK_BYTES or crypto.hash32(key)[:3] != check:
        raise InvalidInput(
            "that recovery key has a typo: check it letter by letter", subject=WRONG_RECOVERY_KEY
        )
    return key


def recovery_login_key(recovery_key: bytes) -> nacl.signing.SigningKey:
    return crypto.signing_key_from_seed(
        crypto.derive_subkey(recovery_key, Context.KDF_RECOVERY_LOGIN)
    )


def seal_recovery_bundle(
    recovery_key: bytes, secrets: AccountSecrets, account_id: bytes, username: str
) -> bytes:
    wrap = crypto.derive_subkey(recovery_key, Context.KDF_RECOVERY_WRAP)
    ad = crypto.associated_data(Context.RECOVERY_BUNDLE, account_id, username.encode())
    return crypto.seal(wrap, secrets.to_bytes(), ad)


def open_recovery_bundle(
    recovery_key: bytes, bundle: bytes, account_id: bytes, username: str
) -> AccountSecrets:
    wrap = crypto.derive_subkey(recovery_key, Context.KDF_RECOVERY_WRAP)
    ad = crypto.associated_data(Context.RECOVERY_BUNDLE, account_id, username.encode())
    opened = crypto.open_sealed(wrap, bundle, ad, "the recovery copy of the key bundle")
    return AccountSecrets.from_bytes(opened)


# --- login challenge -------------------------------------------------------------------------


def challenge_message(username: str, server_id: bytes, purpose: str, challenge: bytes) -> bytes:
    return crypto.frame(
        Context.LOGIN_CHALLENGE.value, username.encode(), server_id, purpose.encode(), challenge
    )


def sign_challenge(
    key: nacl.signing.SigningKey, username: str, server_id: bytes, purpose: str, challenge: bytes
) -> bytes:
    return crypto.sign(key, challenge_message(username, server_id, purpose, challenge))


def device_sign_in_message(challenge: bytes, device_id: bytes, signed_at: int) -> bytes:
    """What a home's device key signs at a login or recovery (protocol.md 4.21): the
    server's single-use challenge of that sign-in, the new session's device id and the
    home's own time of the sign-in (`signed_at`, ms, its clock; u64 big-endian), which the
    other devices require to be later than every earlier sign-in of that key they saw."""
    return crypto.frame(
        Context.DEVICE_SIGN_IN.value, challenge, device_id, signed_at.to_bytes(8, "big")
    )


def device_proof(
    key: nacl.signing.SigningKey, challenge: bytes, device_id: bytes, signed_at: int
) -> tuple[bytes, bytes]:
    """(device key, its signature of this sign-in at `signed_at`, ms) for `LoginRequest`
    (protocol.md 4.21)."""
    public = bytes(key.verify_key)
    return public, crypto.sign(key, device_sign_in_message(challenge, device_id, signed_at))


def device_proof_holds(
    row_key: bytes, challenge: bytes, device_id: bytes, signed_at: int, signature: bytes
) -> bool:
    """Whether `signature` is `row_key`'s over the sign-in of `device_id` under `challenge`
    at `signed_at` (a sign-in log row's device proof, protocol.md 4.21); False for a
    `signed_at` of 0 (a proof without a time, of before it was signed) or out of u64.
    Pure; raises nothing."""
    if not 0 < signed_at < 2**64:
        return False
    message = device_sign_in_message(challenge, device_id, signed_at)
    try:
        crypto.verify(row_key, message, signature, "a sign-in")
    except IntegrityError:
        return False
    return True


# --- identity and fingerprints ---------------------------------------------------------------


def identity_message(
    account_id: bytes, username: str, sign_public_key: bytes, box_public_key: bytes
) -> bytes:
    return crypto.frame(
        Context.IDENTITY.value, account_id, username.encode(), sign_public_key, box_public_key
    )


def sign_identity(secrets: AccountSecrets, account_id: bytes, username: str) -> bytes:
    message = identity_message(
        account_id, username, secrets.sign_public_key, secrets.box_public_key
    )
    return crypto.sign(secrets.signing_key, message)


def verify_identity(
    account_id: bytes,
    username: str,
    sign_public_key: bytes,
    box_public_key: bytes,
    signature: bytes,
) -> None:
    """Raises IntegrityError for a signature that does not verify, or a username not in the
    normal form the server keeps every username in (lowercase, 3 to 64 characters:
    models.normalize_username): a server serving "KIM" beside a pinned "kim" would split
    or rename a client's caseload row, which groups ignoring case (REV-TOP F5)."""
    try:
        normal = normalize_username(username)
    except InvalidInput:
        normal = None
    if normal != username:
        raise IntegrityError(
            f"the identity of {username!r} names a username in another form than every "
            "account's: refused"
        )
    message = identity_message(account_id, username, sign_public_key, box_public_key)
    crypto.verify(sign_public_key, message, signature, f"the identity of {username}")


def fingerprint(
    account_id: bytes, username: str, sign_public_key: bytes, box_public_key: bytes
) -> str:
    """Safety number: six groups of five digits from BLAKE2b over identity and both keys."""
    digest = crypto.hash32(
        crypto.frame(
            Context.FINGERPRINT.value,
            account_id,
            username.encode(),
            sign_public_key,
            box_public_key,
        )
    )
    groups = [int.from_bytes(digest[i : i + 5], "big") % 100_000 for i in range(0, 30, 5)]
    return " ".join(f"{group:05d}" for group in groups)


def normalize_fingerprint(text: str) -> str:
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) != 30:
        raise InvalidInput("a fingerprint has 30 digits (six groups of five)", subject=BAD_VALUE)
    return " ".join(digits[i : i + 5] for i in range(0, 30, 5))


# --- journal keys ----------------------------------------------------------------------------


def _journal_key_ad(account_id: bytes, journal_id: bytes, epoch: int) -> bytes:
    return crypto.associated_data(
        Context.JOURNAL_KEY, account_id, journal_id, epoch.to_bytes(4, "big")
    )


def wrap_journal_key(
    account_key: bytes, account_id: bytes, journal_id: bytes, epoch: int, journal_key: bytes
) -> bytes:
    return crypto.seal(account_key, journal_key, _journal_key_ad(account_id, journal_id, epoch))


def unwrap_journal_key(
    account_key: bytes, account_id: bytes, journal_id: bytes, epoch: int, wrapped: bytes
) -> bytes:
    ad = _journal_key_ad(account_id, journal_id, epoch)
    return crypto.open_sealed(account_key, wrapped, ad, f"the key of journal {journal_id.hex()}")


def _meta_ad(journal_id: bytes, epoch: int) -> bytes:
    return crypto.associated_data(Context.JOURNAL_META, journal_id, epoch.to_bytes(4, "big"))


def seal_journal_meta(journal_key: bytes, journal_id: bytes, epoch: int, meta: bytes) -> bytes:
    """Journal metadata (its name) sealed with the journal key; prefixed by the epoch."""
    sealed = crypto.seal(journal_key, crypto.pad(meta), _meta_ad(journal_id, epoch))
    return epoch.to_bytes(4, "big") + sealed


def journal_name_message(
    journal_id: bytes, epoch: int, name: str, named_at: int = 0, archived: bool = False
) -> bytes:
    """What the owner signs over a journal's name (protocol.md 4.14): version 2,
    frame("tj/journal-name/v2", journal_id, u32be(epoch), u64be(named_at), u8(archived),
    name), when `named_at` (ms UTC, 1..2^64-1: when the owner chose the name, or last
    archived or unarchived the journal) is given, with `archived` one byte, 1 for a journal
    the owner archived, else 0 (rev-cut W1: a member holds the key that seals the metadata,
    so the flag is the owner's only under this signature); version 1,
    frame("tj/journal-name/v1", journal_id, u32be(epoch), name), for `named_at` 0 (metadata
    written before names carried one, read as today; it covers no `archived`). ValueError
    for `named_at` out of range, or `archived` with `named_at` 0."""
    if named_at == 0:
        if archived:
            raise ValueError("a version-1 name (named_at 0) carries no archived flag")
        return crypto.frame(
            Context.JOURNAL_NAME.value, journal_id, epoch.to_bytes(4, "big"), name.encode()
        )
    if not 0 < named_at < 1 << 64:
        raise ValueError(f"named_at {named_at} is outside 1..2^64-1")
    return crypto.frame(
        Context.JOURNAL_NAME_V2.value,
        journal_id,
        epoch.to_bytes(4, "big"),
        named_at.to_bytes(8, "big"),
        bytes([1 if archived else 0]),
        name.encode(),
    )


def sign_journal_name(
    owner: AccountSecrets,
    journal_id: bytes,
    epoch: int,
    name: str,
    named_at: int,
    archived: bool = False,
) -> bytes:
    """The owner's signature over a journal's name, `named_at` and `archived`
    (journal_name_message): members hold the journal key and could re-seal the metadata,
    but not re-sign the name (say, to make a journal they read pass for one the owner writes
    in) nor archive or unarchive the journal on the owner's devices (rev-cut W1), and the
    server can not serve a name or archive setting the owner replaced as the current one:
    devices refuse a `named_at` below the highest they verified for the journal (F4).
    ValueError as journal_name_message."""
    message = journal_name_message(journal_id, epoch, name, named_at, archived)
    return crypto.sign(owner.signing_key, message)


def verify_journal_name(
    owner_sign_public_key: bytes,
    journal_id: bytes,
    epoch: int,
    name: str,
    signature: bytes,
    named_at: int = 0,
    archived: bool = False,
) -> None:
    """Raise IntegrityError unless `signature` is the owner's over the name (version 2 with
    `named_at` and `archived`, version 1 for `named_at` 0, which covers no `archived`;
    journal_name_message)."""
    try:
        message = journal_name_message(journal_id, epoch, name, named_at, archived)
    except ValueError:
        raise IntegrityError(f"the name of journal {journal_id.hex()} is malformed") from None
    what = f"the name of journal {journal_id.hex()}"
    crypto.verify(owner_sign_public_key, message, signature, what)


def meta_epoch(sealed_meta: bytes) -> int:
    if len(sealed_meta) < 4:
        raise IntegrityError("journal metadata is truncated")
    return int.from_bytes(sealed_meta[:4], "big")


def open_journal_meta(journal_key: bytes, journal_id: bytes, sealed_meta: bytes) -> bytes:
    epoch = meta_epoch(sealed_meta)
    what = f"the name of journal {journal_id.hex()}"
    padded = crypto.open_sealed(journal_key, sealed_meta[4:], _meta_ad(journal_id, epoch), what)
    return crypto.unpad(padded, what)


# --- share envelopes -------------------------------------------------------------------------

ENVELOPE_VERSION = 1
ROLES = ("read", "annotate")


@dataclass(frozen=True)
class ShareTerms:
    """What an owner grants a member for one journal key epoch; all of it is signed.

    The member's name and both identity keys are part of it, so an envelope also tells the
    owner's other devices which keys the owner confirmed for that member.
    """

    owner_id: bytes
    member_id: bytes
    member_name: str
    member_sign_public_key: bytes
    member_box_public_key: bytes
    journal_id: bytes
    role: str
    epoch: int
    expires_at: int  # milliseconds since the epoch; 0 = no expiry


def share_message(terms: ShareTerms, sealed_key: bytes) -> bytes:
    return crypto.frame(
        Context.SHARE_ENVELOPE.value,
        terms.owner_id,
        terms.member_id,
        terms.member_name.encode(),
        terms.member_sign_public_key,
        terms.member_box_public_key,
        terms.journal_id,
        terms.role.encode(),
        terms.epoch.to_bytes(4, "big"),
        terms.expires_at.to_bytes(8, "big"),
        crypto.hash32(sealed_key),
    )


def seal_share_envelope(owner: AccountSecrets, terms: ShareTerms, journal_key: bytes) -> bytes:
    """The journal key in a sealed box to the member, inside a structure the owner signs."""
    if terms.role not in ROLES:
        raise InvalidInput(f"a share's role is one of {', '.join(ROLES)}", subject=BAD_VALUE)
    sealed = crypto.seal_to(terms.member_box_public_key, journal_key)
    signature = crypto.sign(owner.signing_key, share_message(terms, sealed))
    packed: bytes = msgpack.packb(
        [
            ENVELOPE_VERSION,
            sealed,
            signature,
            terms.role,
            terms.expires_at,
            terms.member_name,
            terms.member_sign_public_key,
            terms.member_box_public_key,
        ],
        use_bin_type=True,
    )
    return packed


def envelope_terms(envelope: bytes) -> tuple[str, int]:
    """(role, expires_at) as the envelope claims them, before verification."""
    parsed = _parse_envelope(envelope)
    return parsed.role, parsed.expires_at


def open_share_envelope(
    member: AccountSecrets,
    member_id: bytes,
    member_name: str,
    owner_id: bytes,
    owner_sign_public_key: bytes,
    journal_id: bytes,
    epoch: int,
    envelope: bytes,
) -> tuple[bytes, ShareTerms]:
    """Verify the owner's signature over the terms as this member sees them, then open."""
    parsed = _parse_envelope(envelope)
    terms = ShareTerms(
        owner_id,
        member_id,
        member_name,
        member.sign_public_key,
        member.box_public_key,
        journal_id,
        parsed.role,
        epoch,
        parsed.expires_at,
    )
    what = f"the share envelope of journal {journal_id.hex()}"
    crypto.verify(
        owner_sign_public_key, share_message(terms, parsed.sealed), parsed.signature, what
    )
    journal_key = crypto.open_sealed_box(member.box_key, parsed.sealed, what)
    if len(journal_key) != crypto.KEY_BYTES:
        raise IntegrityError(f"{what} holds a key of the wrong size")
    return journal_key, terms


def verify_share_terms(
    owner_sign_public_key: bytes,
    owner_id: bytes,
    member_id: bytes,
    journal_id: bytes,
    epoch: int,
    envelope: bytes,
) -> ShareTerms:
    """The terms of an envelope this owner signed (checked with the owner's own key): how the
    owner's other devices learn the member keys the owner confirmed, without trusting the
    server for them."""
    parsed = _parse_envelope(envelope)
    terms = ShareTerms(
        owner_id,
        member_id,
        parsed.member_name,
        parsed.member_sign_public_key,
        parsed.member_box_public_key,
        journal_id,
        parsed.role,
        epoch,
        parsed.expires_at,
    )
    what = f"the share envelope of journal {journal_id.hex()}"
    crypto.verify(
        owner_sign_public_key, share_message(terms, parsed.sealed), parsed.signature, what
    )
    return terms


@dataclass(frozen=True)
class _Envelope:
    sealed: bytes
    signature: bytes
    role: str
    expires_at: int
    member_name: str
    member_sign_public_key: bytes
    member_box_public_key: bytes


def _parse_envelope(envelope: bytes) -> _Envelope:
    try:
        fields = msgpack.unpackb(envelope, raw=False)
        version, sealed, signature, role, expires_at, name, sign_key, box_key = fields
    except (ValueError, TypeError, msgpack.UnpackException):
        raise IntegrityError("a share envelope is malformed") from None
    well_formed = (
        version == ENVELOPE_VERSION
        and isinstance(sealed, bytes)
        and isinstance(signature, bytes)
        and role in ROLES
        and isinstance(expires_at, int)
        and not isinstance(expires_at, bool)
        and 0 <= expires_at < 2**63
        and isinstance(name, str)
        and isinstance(sign_key, bytes)
        and isinstance(box_key, bytes)
        and len(sign_key) == len(box_key) == 32
    )
    if not well_formed:
        raise IntegrityError("a share envelope is malformed")
    return _Envelope(sealed, signature, role, expires_at, name, sign_key, box_key)


def disclosure_doc_id(account_key: bytes, source_doc_id: bytes, journal_id: bytes) -> bytes:
    """The id of an entry's copy in a disclosure journal: the same on every owner device,
    unlinkable to the source for anyone without the account key."""
    return nacl.hash.blake2b(
        source_doc_id + journal_id,
        digest_size=16,
        key=account_key,
        person=Context.DISCLOSURE_ID.value,
        encoder=nacl.encoding.RawEncoder,
    )


def default_journal_id(account_key: bytes, account_id: bytes) -> bytes:
    """The id of the account's default journal, the one its sign-up creates (protocol.md
    4.16): keyed BLAKE2b of the account id (16 bytes) under the account key, personal
    DEFAULT_JOURNAL_ID, 16 bytes. Every device of the account computes the same id from the
    key bundle, whatever the journal's name; nobody without the account key can, so no
    server's answer decides which journal is the default."""
    return nacl.hash.blake2b(
        account_id,
        digest_size=16,
        key=account_key,
        person=Context.DEFAULT_JOURNAL_ID.value,
        encoder=nacl.encoding.RawEncoder,
    )


def kept_counters_tag(account_key: bytes, journal_id: bytes) -> bytes:
    """What the store names a removed journal's kept write counters by
    (`kept_write_counters`, store.py; R36 F4/F5): keyed BLAKE2b-256 (libsodium) of the
    journal id (16 bytes) under a subkey of the account key (`crypto.derive_subkey`, context
    `KDF_KEPT_COUNTERS`), 32 bytes. Only a holder of the account's secrets can compute it, so
    the store file alone (a stolen disk, a backup), with the journal's id, which the server
    and every member know, does not tell that this home had the journal (R38 G1, G2)."""
    subkey = crypto.derive_subkey(account_key, Context.KDF_KEPT_COUNTERS)
    return nacl.hash.blake2b(
        journal_id, digest_size=32, key=subkey, encoder=nacl.encoding.RawEncoder
    )


DOC_ID_NONCE_BYTES = 8
"""A document id is 8 random bytes, then 8 bytes that bind them to the creator's account."""


_DOCUMENT_TAG = crypto.blake2b_state(16 - DOC_ID_NONCE_BYTES, person=Context.DOCUMENT_ID.value)


def _document_tag(creator: bytes, nonce: bytes) -> bytes:
    """BLAKE2b(creator || nonce), 8 bytes, personal DOCUMENT_ID (every entry written)."""
    return crypto.blake2b_from(_DOCUMENT_TAG, creator + nonce)


def new_doc_id(creator: bytes) -> bytes:
    """A fresh document id that names its creator's account (protocol.md 4.15):
    nonce (8 random bytes) || BLAKE2b(creator account id || nonce, 8 bytes,
    personal "tj-document-v1..")."""
    nonce = crypto.random_bytes(DOC_ID_NONCE_BYTES)
    return nonce + _document_tag(creator, nonce)


def late_flag_doc_id(
    account_key: bytes,
    account_id: bytes,
    journal_id: bytes,
    event: str,
    item: int,
    answer: int,
    member_id: bytes,
) -> bytes:
    """The id of the late safety flag for one answer (`event`: the result's id in hex, or the
    id a stopped questionnaire's answer was given; `item`: the safety item, numbered from 1;
    `answer`: the answer to it the flag carries) and one member (`member_id`, 16 bytes) in
    `journal_id` (16 bytes): the same on every device of the owner (`account_id`, whose
    `account_key` keys it), so two devices sealing it write one document, which merges; a
    worse answer under the same `event` (a changed answer, a result saved under a stopped
    answer's id) is another document (protocol.md "Late flags"). A document id of the
    owner's (`created_by(id, account_id)`): nonce = BLAKE2b(journal id || member id || item
    (1 byte) || answer (1 byte) || UTF-8 of `event`, 8 bytes, key = account key, personal
    "tj-late-flag-v2."), then the tag of `new_doc_id`. Raises ValueError for an item or an
    answer outside 0-255."""
    nonce = nacl.hash.blake2b(
        journal_id + member_id + bytes((item, answer)) + event.encode("utf-8"),
        digest_size=DOC_ID_NONCE_BYTES,
        key=account_key,
        person=Context.LATE_FLAG_ID.value,
        encoder=nacl.encoding.RawEncoder,
    )
    return nonce + _document_tag(account_id, nonce)


def created_by(doc_id: bytes, account_id: bytes) -> bool:
    """Whether `doc_id` was made by `new_doc_id(account_id)`: how a device knows, from the
    record alone and in any order, that a member writes only in documents it created."""
    if len(doc_id) != 16:
        return False
    nonce, tag = doc_id[:DOC_ID_NONCE_BYTES], doc_id[DOC_ID_NONCE_BYTES:]
    return hmac.compare_digest(tag, _document_tag(account_id, nonce))
