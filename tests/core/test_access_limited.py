"""`limited` and `limited_removed` entries (R23 F1; protocol.md 4.19): a source journal's
chain names a field-level share of it (the member and the copy, sealed for the owner's
devices), which is never a membership. Pure: entries signed by the owner itself, so only the
rule under test can refuse them."""

from __future__ import annotations

import msgpack
import pytest

from client_sdk import access, crypto
from client_sdk.crypto import Context
from client_sdk.errors import IntegrityError, RollbackError
from tests.core.test_access_rules import (
    ANA,
    BEN,
    JOURNAL,
    TOM,
    extend,
    grant,
    signed,
    start,
    verify,
)

CHECK = bytes(32)  # a key check, as a `rotated` entry from chain version 3 on carries

MIRROR = crypto.random_bytes(16)


def limit(who_id: bytes = TOM.account_id, mirror: bytes = MIRROR) -> tuple[str, dict[str, object]]:
    who = access.Identity(who_id, "tom", TOM.identity.sign_public_key, TOM.identity.box_public_key)
    return access.limited(who, mirror, JOURNAL, ANA.secrets.account_key)


def test_the_owner_reads_whom_and_which_copy_and_it_is_no_membership() -> None:
    entries, state = start(grant(BEN))
    more, after = extend(state, [limit()])
    rotation, after = extend(after, [access.rotated(after.epoch + 1, after.members, CHECK)])
    chain = entries + more + rotation
    owner = verify(chain)
    [share] = owner.limited.values()
    assert (share.account_id, share.mirror, share.position) == (TOM.account_id, MIRROR, 3)
    assert owner.member_by_account(TOM.account_id) is None
    assert owner.last_terms(TOM.account_id) is None
    assert not owner.may_read(TOM.account_id, owner.epoch)
    assert set(owner.members) == set(owner.sealed_to[owner.epoch])  # ben alone, as before
    assert owner.limited_of(TOM.account_id) == ([share], [])
    # Read back from the store the same way; another member sees an entry naming nobody.
    assert access.replay(ANA.reader, JOURNAL, chain).limited == owner.limited
    ben = verify(chain, BEN)
    assert [(s.who, s.mirror) for s in ben.limited.values()] == [(None, None)]
    assert ben.limited_of(TOM.account_id) == ([], [])


def test_a_rotation_may_not_seal_the_key_to_a_limited_share() -> None:
    entries, state = start()
    more, state = extend(state, [limit()])
    [handle] = state.limited
    bad = signed(
        state, access.ROTATED, {"epoch": state.epoch + 1, "members": [handle], "check": CHECK}
    )
    with pytest.raises(IntegrityError, match="other accounts than the members"):
        verify([*entries, *more, bad])


def test_ending_a_limited_share_closes_it_once() -> None:
    entries, state = start()
    more, state = extend(state, [limit()])
    [handle] = state.limited
    ended, after = extend(state, [access.limited_removed(handle)])
    owner = verify([*entries, *more, *ended])
    assert owner.limited == {} and list(owner.limited_removed) == [handle]
    assert owner.limited_of(TOM.account_id)[1][0].mirror == MIRROR
    again = signed(after, access.LIMITED_REMOVED, {"share": handle})
    with pytest.raises(IntegrityError, match="not in force"):
        verify([*entries, *more, *ended, again])
    unknown = signed(state, access.LIMITED_REMOVED, {"share": crypto.random_bytes(16)})
    with pytest.raises(IntegrityError, match="not in force"):
        verify([*entries, *more, unknown])


def test_a_limited_share_never_reuses_a_members_handle_nor_ends_a_membership() -> None:
    entries, state = start(grant(BEN))
    [ben] = state.members
    reused = signed(state, access.LIMITED, {**limit()[1], "share": ben})
    with pytest.raises(IntegrityError, match="reuses"):
        verify([*entries, reused])
    not_limited = signed(state, access.LIMITED_REMOVED, {"share": ben})
    with pytest.raises(IntegrityError, match="not in force"):
        verify([*entries, not_limited])
    more, state = extend(state, [limit()])
    [handle] = state.limited
    removal = signed(state, access.REMOVED, {"member": handle, "counters": []})
    with pytest.raises(IntegrityError, match="not a member"):
        verify([*entries, *more, removal])


def test_the_owners_devices_refuse_an_entry_naming_the_owner_or_the_journal_itself() -> None:
    entries, state = start()
    for bad in (limit(who_id=ANA.account_id), limit(mirror=JOURNAL)):
        raw = signed(state, *bad)
        with pytest.raises(IntegrityError, match="names no account"):
            verify([*entries, raw])
        assert verify([*entries, raw], BEN).length == len(entries) + 1  # opaque to a member


def test_an_owner_copy_sealed_for_another_purpose_or_journal_does_not_open() -> None:
    entries, state = start()
    kind, payload = limit()
    details = msgpack.packb(
        [TOM.account_id, "tom", b"k" * 32, b"k" * 32, MIRROR], use_bin_type=True
    )
    for ad in (
        crypto.associated_data(Context.ACCESS_OWNER, JOURNAL, payload["share"]),  # a grant's
        crypto.associated_data(Context.ACCESS_LIMITED, MIRROR, payload["share"]),  # elsewhere
    ):
        forged = {**payload, "owner_copy": crypto.seal(ANA.secrets.account_key, details, ad)}
        with pytest.raises(IntegrityError):
            verify([*entries, signed(state, kind, forged)])


def test_a_server_can_neither_drop_nor_replay_a_limited_entry() -> None:
    entries, state = start()
    more, after = extend(state, [limit()])
    known = verify(entries + more)
    with pytest.raises(RollbackError):
        access.check_length(known, len(entries))  # served without it: a rollback
    later, _ = extend(after, [access.rotated(after.epoch + 1, after.members, CHECK)])
    with pytest.raises(IntegrityError):  # the rotation alone, skipping the entry before it
        verify([*entries, *later])
    with pytest.raises(IntegrityError):  # the same entry again, at the next position
        verify(more, known=known)


@pytest.mark.parametrize(
    "payload",
    [
        {"share": b"short", "owner_copy": b"x"},
        {"share": crypto.random_bytes(16), "owner_copy": "text"},
        {"share": crypto.random_bytes(16)},
        {"share": crypto.random_bytes(16), "owner_copy": b"x", "mirror": b"y"},
    ],
)
def test_a_malformed_limited_entry_is_refused_on_every_device(payload: dict[str, object]) -> None:
    entries, state = start()
    for reader in (ANA, BEN):
        with pytest.raises(IntegrityError, match="malformed"):
            verify([*entries, signed(state, access.LIMITED, payload)], reader)
