"""`access.field_shares_in_force`: the field-level shares of a journal in force, by its own
verified chain alone (`limited`, not closed by `limited_removed`): nothing a copy's chain shows
ends one, for a server can withhold the owner's renewal or re-grant there (fail closed). Pure:
chains built in memory."""

from __future__ import annotations

from client_sdk import access
from tests.core.test_access_limited import limit
from tests.core.test_access_rules import TOM, extend, start


def source_with_share() -> access.AccessState:
    """ana's journal, its chain naming tom's field-level share through the copy MIRROR."""
    _, state = start()
    _, state = extend(state, [limit()])
    return state


def in_force(state: access.AccessState | None) -> list[bytes]:
    """The account ids of the shares in force."""
    return [s.account_id or b"" for s in access.field_shares_in_force(state)]


def test_a_share_in_force_counts_by_the_journals_own_chain() -> None:
    assert in_force(source_with_share()) == [TOM.account_id]


def test_a_share_the_owner_closed_by_limited_removed_is_over() -> None:
    state = source_with_share()
    [handle] = state.limited
    _, closed = extend(state, [access.limited_removed(handle)])
    assert in_force(closed) == []


def test_no_chain_held_names_no_share() -> None:
    assert in_force(None) == []
