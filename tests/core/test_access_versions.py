"""Chain versions and the padded `granted` entry (client_sdk/access.py; protocol.md 4.19,
"Chain versions"), pure: every entry here is signed by the owner itself, so only the rule a
test names can refuse it, as when a hostile server serves owner-signed entries in another
place or order, or an owner device of another app version signed them."""

from __future__ import annotations

from typing import Any

import msgpack
import nacl.bindings as sodium
import pytest

from client_sdk import access, crypto, forgotten
from client_sdk.crypto import Context
from client_sdk.errors import ChainUpdateNeeded, IntegrityError
from tests.core.test_access_rules import (
    ANA,
    BEN,
    JOURNAL,
    NOW,
    TOM,
    Account,
    account,
    extend,
    grant,
    start,
    verify,
)

CHECK = bytes(32)  # a key check, as a `rotated` entry from chain version 3 on carries

LONGEST = "t" * 64  # the longest username the server accepts (server/service.py USERNAME)


def signed_as(state: access.AccessState, version: int, kind: str, payload: Any) -> bytes:
    """The owner's entry of `version` at the chain's next position."""
    body = access.encode_body(JOURNAL, state.length, state.head, kind, NOW, payload, version)
    return access.sign_entry(ANA.secrets.signing_key, body)


def details_of(who: Account, salt: bytes) -> bytes:
    i = who.identity
    packed: bytes = msgpack.packb(
        [i.account_id, i.username, i.sign_public_key, i.box_public_key, salt], use_bin_type=True
    )
    return packed


def grant_sealed(who: Account, plain: Any, context: Context) -> dict[str, Any]:
    """A `granted` payload whose owner_copy seals `plain(details)` under `context`."""
    handle, salt = crypto.random_bytes(16), crypto.random_bytes(32)
    ad = crypto.associated_data(context, JOURNAL, handle)
    return {
        "member": handle,
        "commit": access.member_commit(JOURNAL, handle, salt, who.identity),
        "owner_copy": crypto.seal(ANA.secrets.account_key, plain(details_of(who, salt)), ad),
        "member_copy": crypto.seal_to(who.identity.box_public_key, salt),
        "role": "read",
        "expires_at": 0,
    }


def test_granted_entries_for_usernames_of_different_lengths_are_of_equal_length() -> None:
    """What the journal's other members (and the server) see of a `granted` entry: the same
    number of bytes whether the member's username has 3 characters or 64."""
    short, long = account("tom"), account(LONGEST)
    entries = {}
    for who in (short, long):
        raw, state = start(grant(who))
        entries[who.username] = raw[1]  # created, granted, rotated
        assert state.member_by_account(who.account_id) is not None
        assert verify(raw, BEN).length == 3  # another member verifies it (a handle to it)
    a, b = entries["tom"], entries[LONGEST]
    assert len(a) == len(b)
    body_a, body_b = (msgpack.unpackb(msgpack.unpackb(e)[0]) for e in (a, b))
    assert len(body_a[6]["owner_copy"]) == len(body_b[6]["owner_copy"]) == 24 + 256 + 16
    assert body_a[0] == body_b[0] == access.CHAIN_VERSION == 3


def test_owner_devices_refuse_a_version_2_grant_that_is_not_padded_or_sealed_as_version_1() -> None:
    """A version-2 `granted` must carry a padded owner_copy under the version-2 context: an
    unpadded one, one padded to more than one block, or a version-1 copy (its context) put
    into a version-2 entry is refused by the owner's devices, the only ones that open it."""
    _, state = start()
    cases = {
        "unpadded": grant_sealed(TOM, lambda d: d, Context.ACCESS_OWNER_PADDED),
        "two blocks": grant_sealed(
            TOM, lambda d: bytes(sodium.sodium_pad(d, 512)), Context.ACCESS_OWNER_PADDED
        ),
        "version-1 copy": grant_sealed(TOM, lambda d: d, Context.ACCESS_OWNER),
        "version-1 context, padded": grant_sealed(TOM, crypto.pad, Context.ACCESS_OWNER),
    }
    for name, payload in cases.items():
        entry = signed_as(state, access.CHAIN_VERSION, access.GRANTED, payload)
        with pytest.raises(IntegrityError):
            verify([entry], known=state)
        assert verify([entry], TOM, known=state).length == state.length + 1, name
    good = grant_sealed(TOM, crypto.pad, Context.ACCESS_OWNER_PADDED)
    after = verify([signed_as(state, access.CHAIN_VERSION, access.GRANTED, good)], known=state)
    assert after.member_by_account(TOM.account_id) is not None


def test_a_padded_copy_in_a_version_1_entry_is_refused() -> None:
    """The version decides how owner_copy is read: a version-1 `granted` (in a chain still at
    version 1) holding a version-2 copy does not open."""
    raw, _ = start()
    v1 = [access.sign_entry(ANA.secrets.signing_key, _v1_body(raw[0]))]
    state = verify(v1)
    assert state.version == 1
    padded = grant_sealed(TOM, crypto.pad, Context.ACCESS_OWNER_PADDED)
    with pytest.raises(IntegrityError):
        verify([signed_as(state, 1, access.GRANTED, padded)], known=state)
    unpadded = grant_sealed(TOM, lambda d: d, Context.ACCESS_OWNER)
    after = verify([signed_as(state, 1, access.GRANTED, unpadded)], known=state)
    assert after.member_by_account(TOM.account_id) is not None and after.version == 1


def _v1_body(raw: bytes) -> bytes:
    """The body of `raw` (position 0) as version 1 (whose `created` carries no key check)."""
    fields = msgpack.unpackb(msgpack.unpackb(raw)[0])
    payload = {k: v for k, v in fields[6].items() if k != "check"}
    return access.encode_body(JOURNAL, 0, access.GENESIS, fields[4], fields[5], payload, 1)


def test_an_unpadded_version_1_grant_signed_after_the_chain_moved_to_version_2_is_refused() -> None:
    """Replaying an old app's entry after the update: an owner device of the app before
    version 2 (or a key the server got hold of an entry of) signs an unpadded `granted` at
    the head of a version-2 chain; every reader refuses it, the member's device too, so a
    member's username length never reaches other members through an accepted entry."""
    _, state = start(grant(BEN))
    assert state.version == access.CHAIN_VERSION
    old = grant_sealed(TOM, lambda d: d, Context.ACCESS_OWNER)
    entry = signed_as(state, 1, access.GRANTED, old)
    for reader in (ANA, BEN, TOM):
        with pytest.raises(IntegrityError, match="never decrease"):
            verify([entry], reader, known=state)


def test_an_old_granted_entry_served_again_after_the_update_is_refused() -> None:
    """The server serves, at the head of the chain, an entry the owner signed earlier (here
    the version-2 `granted` of ben, or a version-1 one of another chain): it names its own
    position and previous hash, so it does not continue the chain."""
    raw, state = start(grant(BEN))
    _, after = extend(
        state, [access.removed(next(iter(state.members))), access.rotated(2, [], CHECK)]
    )
    with pytest.raises(IntegrityError, match="out of order"):
        verify([raw[1]], known=after)


def test_a_newer_version_read_back_from_the_store_says_update() -> None:
    """A device whose app was downgraded reads back entries a newer app verified and kept:
    ChainUpdateNeeded, the chain stops there (never a crash, never tampering)."""
    raw, state = start(grant(TOM))
    body = msgpack.packb(
        [access.CHAIN_VERSION + 1, JOURNAL, state.length, state.head, "later", NOW, {}],
        use_bin_type=True,
    )
    newer = access.sign_entry(ANA.secrets.signing_key, body)
    with pytest.raises(ChainUpdateNeeded) as raised:
        access.replay(ANA.reader, JOURNAL, [*raw, newer])
    assert raised.value.version == access.CHAIN_VERSION + 1


@pytest.mark.parametrize(
    "fields",
    [
        [0, JOURNAL, 3, bytes(32), "rotated", NOW, {}],  # version 0
        [True, JOURNAL, 3, bytes(32), "rotated", NOW, {}],  # not an int
        ["3", JOURNAL, 3, bytes(32), "rotated", NOW, {}],
        [3, JOURNAL, 3],  # too short to place it
        {"version": 3},  # not an array
        [2, JOURNAL, 3, bytes(32), "rotated", NOW, {}, "extra"],  # version 2 has 7 elements
    ],
)
def test_a_malformed_version_is_an_integrity_failure(fields: Any) -> None:
    _, state = start()
    fields = (
        [state.head if x == bytes(32) else x for x in fields]
        if isinstance(fields, list)
        else fields
    )
    entry = access.sign_entry(ANA.secrets.signing_key, msgpack.packb(fields, use_bin_type=True))
    with pytest.raises(IntegrityError, match="malformed"):
        verify([entry], known=state)


def test_a_forgotten_journals_chain_with_a_newer_entry_stays_forgotten_without_an_error() -> None:
    """A forgotten copy's chain walked again (forgotten.Walk) that goes on with an entry of a
    newer chain version: the walk stops there (the copy stays forgotten until an updated app
    reads it); the sync that walks it does not fail."""
    raw, state = start(grant(TOM))
    body = msgpack.packb(
        [access.CHAIN_VERSION + 1, JOURNAL, state.length, state.head, "later", NOW, {}],
        use_bin_type=True,
    )
    newer = access.sign_entry(ANA.secrets.signing_key, body)
    walk = forgotten.Walk(
        TOM.reader, JOURNAL, ANA.account_id, ANA.secrets.sign_public_key,
        forgotten.Mark(len(raw), state.head),
    )  # fmt: skip
    assert walk.feed(raw)
    assert not walk.feed([newer]) and walk.failed
    assert walk.result(NOW) is None
