"""The access chain's pure core (client_sdk/access.py): what a device accepts from a chain,
as the owner's devices and a member's device verify it. Brought in from the hostile review of
issue 8 (R8-FINDINGS.md, "held" defences), where removing several of these checks had left
every suite green.
"""

from __future__ import annotations

import dataclasses

import msgpack
import nacl.signing
import pytest

from client_sdk import IntegrityError, RollbackError, access, crypto, keys

KEY = bytes(range(32))  # a journal key: chains verify without the keys themselves
CHECK = bytes(32)  # a key check, as a `rotated` entry from chain version 3 on carries


def _reader(account_id: bytes, username: str, secrets: keys.AccountSecrets) -> access.Reader:
    return access.Reader(
        account_id,
        username,
        secrets.account_key,
        secrets.box_secret,
        secrets.sign_public_key,
        secrets.box_public_key,
    )


def _identity(account_id: bytes, username: str, secrets: keys.AccountSecrets) -> access.Identity:
    return access.Identity(account_id, username, secrets.sign_public_key, secrets.box_public_key)


@dataclasses.dataclass
class Chain:
    owner_id: bytes
    owner: keys.AccountSecrets
    reader: access.Reader
    journal_id: bytes
    entries: list[bytes]
    state: access.AccessState
    member_id: bytes
    member: keys.AccountSecrets


def _chain() -> Chain:
    """An owner's chain: created, granted(tom, annotate), rotated(1), removed(tom), rotated(2)."""
    owner_id, member_id = crypto.random_bytes(16), crypto.random_bytes(16)
    owner, member = keys.AccountSecrets.generate(), keys.AccountSecrets.generate()
    reader = _reader(owner_id, "ana", owner)
    journal = crypto.random_bytes(16)
    grant = access.granted(
        _identity(member_id, "tom", member), "annotate", 0, journal, owner.account_key
    )
    entries, state = access.genesis(journal, reader, owner.signing_key, 1, [grant], key=KEY)
    more, state = access.extend(
        state, reader, owner.signing_key, [access.rotated(1, state.members, CHECK)], 2
    )
    entries += more
    handle = next(iter(state.members))
    more, state = access.extend(
        state, reader, owner.signing_key, [access.removed(handle), access.rotated(2, [], CHECK)], 3
    )
    return Chain(owner_id, owner, reader, journal, entries + more, state, member_id, member)


def test_a_member_verifies_the_owners_chain_and_reads_its_own_terms() -> None:
    chain = _chain()
    tom = _reader(chain.member_id, "tom", chain.member)
    first_three = access.verify(
        None, tom, chain.journal_id, chain.owner_id, chain.owner.sign_public_key, chain.entries[:3]
    )
    assert first_three.member_by_account(chain.member_id) is not None
    assert first_three.may_annotate(chain.member_id, 1)
    full = access.verify(
        None, tom, chain.journal_id, chain.owner_id, chain.owner.sign_public_key, chain.entries
    )
    assert full.member_by_account(chain.member_id) is None and full.epoch == 2
    assert not full.may_read(chain.member_id, 2)


def test_chain_entries_of_another_journal_of_the_same_owner_are_refused() -> None:
    chain = _chain()
    other = crypto.random_bytes(16)
    with pytest.raises(IntegrityError):
        access.verify(
            None, chain.reader, other, chain.owner_id, chain.owner.sign_public_key, chain.entries
        )


def test_an_owner_signed_entry_replayed_at_another_position_is_refused() -> None:
    chain = _chain()
    known = access.verify(
        None,
        chain.reader,
        chain.journal_id,
        chain.owner_id,
        chain.owner.sign_public_key,
        chain.entries[:3],
    )
    # The server drops `removed` and serves the grant's rotation again, or skips ahead.
    for served in ([chain.entries[2]], [chain.entries[4]], [chain.entries[1]]):
        with pytest.raises(IntegrityError):
            access.verify(
                known,
                chain.reader,
                chain.journal_id,
                chain.owner_id,
                chain.owner.sign_public_key,
                served,
            )


def test_another_history_at_a_verified_position_is_a_rollback() -> None:
    chain = _chain()
    known = access.verify(
        None,
        chain.reader,
        chain.journal_id,
        chain.owner_id,
        chain.owner.sign_public_key,
        chain.entries[:3],
    )
    # A fork signed by the owner itself (say, from another device): same position, other head.
    forked_state = access.verify(
        None,
        chain.reader,
        chain.journal_id,
        chain.owner_id,
        chain.owner.sign_public_key,
        chain.entries[:2],
    )
    fork, _ = access.extend(
        forked_state,
        chain.reader,
        chain.owner.signing_key,
        [access.disclosure(b"x" * 40), access.disclosure(b"y" * 40)],
        9,
    )
    more = fork[1:]  # position 3, linked to another entry 2 than the one this device verified
    with pytest.raises(RollbackError):
        access.verify(
            known,
            chain.reader,
            chain.journal_id,
            chain.owner_id,
            chain.owner.sign_public_key,
            more,
        )


def test_a_member_cannot_sign_itself_a_role_into_the_owners_chain() -> None:
    chain = _chain()
    tom = _reader(chain.member_id, "tom", chain.member)
    state = access.verify(
        None, tom, chain.journal_id, chain.owner_id, chain.owner.sign_public_key, chain.entries
    )
    handle = next(iter(state.sealed_to[1]))
    body = access.encode_body(
        chain.journal_id,
        state.length,
        state.head,
        access.GRANTED,
        4,
        access.granted(
            _identity(chain.member_id, "tom", chain.member),
            "annotate",
            0,
            chain.journal_id,
            chain.member.account_key,
        )[1],
    )
    forged = access.sign_entry(chain.member.signing_key, body)
    with pytest.raises(IntegrityError, match="signature"):
        access.verify(
            state, tom, chain.journal_id, chain.owner_id, chain.owner.sign_public_key, [forged]
        )
    assert handle  # tom's old handle: the chain never gives it the current epoch


def test_a_rotation_that_seals_to_anyone_but_the_members_is_refused() -> None:
    chain = _chain()
    state = access.verify(
        None,
        chain.reader,
        chain.journal_id,
        chain.owner_id,
        chain.owner.sign_public_key,
        chain.entries,
    )
    body = access.encode_body(
        chain.journal_id,
        state.length,
        state.head,
        access.ROTATED,
        5,
        {"epoch": 3, "members": [crypto.random_bytes(16)], "check": CHECK},
    )
    entry = access.sign_entry(chain.owner.signing_key, body)
    with pytest.raises(IntegrityError, match="other accounts"):
        access.verify(
            state,
            chain.reader,
            chain.journal_id,
            chain.owner_id,
            chain.owner.sign_public_key,
            [entry],
        )


def test_a_chain_entry_with_an_unknown_payload_key_is_refused() -> None:
    chain = _chain()
    body, signature = msgpack.unpackb(chain.entries[0])
    fields = msgpack.unpackb(body)
    fields[6] = {**fields[6], "members": []}
    evil = msgpack.packb(fields, use_bin_type=True)
    entry = access.sign_entry(nacl.signing.SigningKey(chain.owner.sign_seed), evil)
    with pytest.raises(IntegrityError, match="malformed"):
        access.verify(
            None,
            chain.reader,
            chain.journal_id,
            chain.owner_id,
            chain.owner.sign_public_key,
            [entry],
        )


def test_a_grant_reusing_a_members_handle_is_refused() -> None:
    chain = _chain()
    state = access.verify(
        None,
        chain.reader,
        chain.journal_id,
        chain.owner_id,
        chain.owner.sign_public_key,
        chain.entries,
    )
    old_handle = next(iter(state.sealed_to[1]))
    _, payload = access.granted(
        _identity(chain.member_id, "tom", chain.member),
        "read",
        0,
        chain.journal_id,
        chain.owner.account_key,
    )
    body = access.encode_body(
        chain.journal_id,
        state.length,
        state.head,
        access.GRANTED,
        6,
        {**payload, "member": old_handle},
    )
    entry = access.sign_entry(chain.owner.signing_key, body)
    with pytest.raises(IntegrityError, match="reuses"):
        access.verify(
            state,
            chain.reader,
            chain.journal_id,
            chain.owner_id,
            chain.owner.sign_public_key,
            [entry],
        )


def test_a_chain_created_for_another_owner_is_refused() -> None:
    chain = _chain()
    with pytest.raises(IntegrityError, match="another owner"):
        access.verify(
            None,
            chain.reader,
            chain.journal_id,
            crypto.random_bytes(16),
            chain.owner.sign_public_key,
            chain.entries,
        )


def test_a_stored_chain_replays_with_the_owner_its_created_entry_names() -> None:
    chain = _chain()
    state = access.replay(chain.reader, chain.journal_id, chain.entries)
    assert (state.owner_id, state.length, state.epoch) == (chain.owner_id, 5, 2)
    with pytest.raises(IntegrityError, match="created"):
        access.replay(chain.reader, chain.journal_id, chain.entries[1:])


# --- R22 F5: a `removed` entry's signed reason -------------------------------------------------


def _dropped_chain(because: str | None) -> Chain:
    """created, granted(tom), rotated(1), then removed(tom) with `because`, rotated(2)."""
    chain = _chain()
    entries = chain.entries[:3]
    state = access.verify(
        None, chain.reader, chain.journal_id, chain.owner_id, chain.owner.sign_public_key, entries
    )
    handle = next(iter(state.members))
    more, state = access.extend(
        state,
        chain.reader,
        chain.owner.signing_key,
        [access.removed(handle, because=because), access.rotated(2, [], CHECK)],
        3,
    )
    return dataclasses.replace(chain, entries=entries + more, state=state)


def _with_payload(entry: bytes, change: dict[str, object], drop: str = "") -> bytes:
    """`entry` with its payload changed, its owner signature kept (what a server can do)."""
    body, signature = msgpack.unpackb(entry)
    fields = msgpack.unpackb(body)
    payload = {k: v for k, v in {**fields[6], **change}.items() if k != drop}
    fields[6] = payload
    packed: bytes = msgpack.packb([msgpack.packb(fields, use_bin_type=True), signature])
    return packed


def _verify(chain: Chain, entries: list[bytes], reader: access.Reader | None = None) -> object:
    return access.verify(
        None,
        reader or chain.reader,
        chain.journal_id,
        chain.owner_id,
        chain.owner.sign_public_key,
        entries,
    )


def test_a_removal_on_the_servers_word_says_so_to_every_reader() -> None:
    chain = _dropped_chain(access.NOT_SERVED)
    tom = _reader(chain.member_id, "tom", chain.member)
    for reader in (chain.reader, tom):
        state = _verify(chain, chain.entries, reader)
        assert isinstance(state, access.AccessState)
        [(member, at)] = state.not_served.values()
        assert (member.account_id, at) == (chain.member_id, 3)


def test_an_older_removed_entry_without_a_reason_still_verifies() -> None:
    chain = _chain()  # `removed` without `because`, as every device signed before R22 F5
    state = _verify(chain, chain.entries)
    assert isinstance(state, access.AccessState)
    assert state.members == {} and state.not_served == {}


def test_a_server_cannot_add_the_servers_word_to_an_owners_removal() -> None:
    chain = _dropped_chain(None)
    forged = _with_payload(chain.entries[3], {"because": access.NOT_SERVED})
    with pytest.raises(IntegrityError, match="invalid signature"):
        _verify(chain, [*chain.entries[:3], forged])


def test_a_server_cannot_strip_the_servers_word_from_a_removal() -> None:
    chain = _dropped_chain(access.NOT_SERVED)
    stripped = _with_payload(chain.entries[3], {}, drop="because")
    with pytest.raises(IntegrityError, match="invalid signature"):
        _verify(chain, [*chain.entries[:3], stripped])


def test_a_removal_with_an_unknown_reason_is_refused_even_signed() -> None:
    with pytest.raises(IntegrityError, match="unknown reason"):
        _dropped_chain("the owner hates you")


def test_cut_at_names_the_latest_cut_at_or_before_an_epoch() -> None:
    """protocol.md 4.18 "Cuts": the cut a record sealed under an epoch belongs to."""
    state = access.AccessState(b"\x01" * 16, b"\x02" * 16)
    state.cuts = [0, 3, 7]
    assert [state.cut_at(e) for e in (0, 1, 2, 3, 6, 7, 9)] == [0, 0, 0, 3, 3, 7, 7]
