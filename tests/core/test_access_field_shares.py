"""`access.field_shares_in_force`: the field-level shares of a journal in force, by its own
verified chain (`limited`, not closed by `limited_removed`), less one whose copy's verified
chain shows the member's share over by what the owner signed (`ended`, or a signed end date
passed); a copy not held here ends nothing (fail closed). Pure: chains built in memory."""

from __future__ import annotations

from typing import Any

from client_sdk import access
from tests.core.test_access_limited import MIRROR, limit
from tests.core.test_access_rules import ANA, CHECK, DAY, KEY, NOW, TOM, extend, start


def source_with_share() -> access.AccessState:
    """ana's journal, its chain naming tom's field-level share through the copy MIRROR."""
    _, state = start()
    _, state = extend(state, [limit()])
    return state


def copy_chain(expires_at: int = 0, *, ended: bool = False) -> access.AccessState:
    """The verified chain of the copy MIRROR: tom granted (until `expires_at`, ms UTC; 0 for
    no end), then that membership `ended` when asked."""
    grant = access.granted(TOM.identity, "read", expires_at, MIRROR, ANA.secrets.account_key)
    signing = ANA.secrets.signing_key
    _, state = access.genesis(MIRROR, ANA.reader, signing, NOW, [grant], key=KEY)
    epoch = state.epoch + 1
    changes: list[tuple[str, dict[str, Any]]] = [access.rotated(epoch, state.members, CHECK)]
    if ended:
        [handle] = state.members
        changes += [access.ended(handle), access.rotated(epoch + 1, [], CHECK)]
    _, state = access.extend(state, ANA.reader, signing, changes, NOW)
    return state


def in_force(state: access.AccessState | None, copy: access.AccessState | None) -> list[bytes]:
    """The account ids of the shares in force at NOW, the copy's chain here being `copy`."""
    return [
        s.account_id or b""
        for s in access.field_shares_in_force(state, lambda _mirror, _member: copy, NOW)
    ]


def test_a_share_in_force_counts_by_the_journals_own_chain() -> None:
    assert in_force(source_with_share(), copy_chain()) == [TOM.account_id]
    assert in_force(source_with_share(), copy_chain(NOW + DAY)) == [TOM.account_id]


def test_a_share_past_its_signed_end_in_the_copys_chain_is_over() -> None:
    assert in_force(source_with_share(), copy_chain(NOW)) == []
    assert in_force(source_with_share(), copy_chain(NOW - DAY)) == []


def test_a_share_the_copys_chain_shows_ended_is_over() -> None:
    assert in_force(source_with_share(), copy_chain(ended=True)) == []


def test_a_share_the_owner_closed_by_limited_removed_is_over() -> None:
    state = source_with_share()
    [handle] = state.limited
    _, closed = extend(state, [access.limited_removed(handle)])
    assert in_force(closed, copy_chain()) == []
    assert in_force(closed, None) == []


def test_a_copy_not_held_here_ends_nothing_fail_closed() -> None:
    assert in_force(source_with_share(), None) == [TOM.account_id]


def test_a_copy_chain_cut_before_the_grant_ends_nothing() -> None:
    """A copy's chain that names no membership of tom (served cut before the grant) is no
    sign of an end."""
    signing = ANA.secrets.signing_key
    _, cut = access.genesis(MIRROR, ANA.reader, signing, NOW, [], key=KEY)
    assert in_force(source_with_share(), cut) == [TOM.account_id]


def test_the_copy_looked_up_is_the_shares_for_its_member() -> None:
    asked: list[tuple[bytes, bytes]] = []

    def lookup(mirror: bytes, member: bytes) -> access.AccessState | None:
        asked.append((mirror, member))
        return None

    access.field_shares_in_force(source_with_share(), lookup, NOW)
    assert asked == [(MIRROR, TOM.account_id)]


def test_no_chain_held_names_no_share() -> None:
    assert in_force(None, copy_chain()) == []
