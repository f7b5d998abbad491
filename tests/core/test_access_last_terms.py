"""AccessState.last_terms (client_sdk/access.py): a lapsed membership (`ended`) keeps its
terms, a removed one (`removed`) does not, and a new grant is the latest (R22 F2: renewing a
lapsed field-level share renews it as it was). Pure: chains built and replayed in memory."""

from __future__ import annotations

from client_sdk import access, crypto, keys

KEY = bytes(range(32))  # a journal key: chains verify without the keys themselves
CHECK = bytes(32)  # a key check, as a `rotated` entry from chain version 3 on carries


def _owner_chain(
    ended: bool,
) -> tuple[access.AccessState, access.Reader, keys.AccountSecrets, access.Identity]:
    owner_id, tom_id = crypto.random_bytes(16), crypto.random_bytes(16)
    owner, tom = keys.AccountSecrets.generate(), keys.AccountSecrets.generate()
    reader = access.Reader(
        owner_id,
        "ana",
        owner.account_key,
        owner.box_secret,
        owner.sign_public_key,
        owner.box_public_key,
    )
    who = access.Identity(tom_id, "tom", tom.sign_public_key, tom.box_public_key)
    journal = crypto.random_bytes(16)
    grant = access.granted(who, "annotate", 1_000, journal, owner.account_key)
    _, state = access.genesis(journal, reader, owner.signing_key, 1, [grant], key=KEY)
    _, state = access.extend(
        state, reader, owner.signing_key, [access.rotated(1, state.members, CHECK)], 2
    )
    handle = next(iter(state.members))
    end = access.ended(handle) if ended else access.removed(handle)
    _, state = access.extend(
        state, reader, owner.signing_key, [end, access.rotated(2, [], CHECK)], 3
    )
    return state, reader, owner, who


def test_a_lapsed_membership_keeps_its_terms_and_a_removed_one_does_not() -> None:
    lapsed, _, _, who = _owner_chain(ended=True)
    last = lapsed.last_terms(who.account_id)
    assert last is not None
    terms, current = last
    assert (terms.role, terms.expires_at, terms.who, current) == ("annotate", 1_000, who, False)
    assert lapsed.member_by_account(who.account_id) is None

    removed, _, _, who = _owner_chain(ended=False)
    assert removed.last_terms(who.account_id) is None
    assert removed.last_terms(crypto.random_bytes(16)) is None  # never a member


def test_a_new_grant_after_the_lapse_is_the_latest_terms() -> None:
    state, reader, owner, who = _owner_chain(ended=True)
    grant = access.granted(who, "read", 0, state.journal_id, owner.account_key)
    _, state = access.extend(state, reader, owner.signing_key, [grant], 4)
    last = state.last_terms(who.account_id)
    assert last is not None
    assert (last[0].role, last[0].expires_at, last[1]) == ("read", 0, True)
