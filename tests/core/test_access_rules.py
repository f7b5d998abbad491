"""The access chain's rules, pure (client_sdk/access.py; protocol.md 4.19): each test breaks one
rule a device enforces when it verifies a chain, with entries signed by the owner itself (so
only that rule can refuse them). ana owns the journal; tom and ben are members."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from client_sdk import access, crypto, keys, wire
from client_sdk.crypto import Context
from client_sdk.errors import IntegrityError

KEY = bytes(range(32))  # a journal key: chains verify without the keys themselves
CHECK = bytes(32)  # a key check, as a `rotated` entry from chain version 3 on carries

DAY = 24 * 3600 * 1000
NOW = 1_767_225_600_000


@dataclass
class Account:
    account_id: bytes
    username: str
    secrets: keys.AccountSecrets

    @property
    def reader(self) -> access.Reader:
        s = self.secrets
        return access.Reader(
            self.account_id,
            self.username,
            s.account_key,
            s.box_secret,
            s.sign_public_key,
            s.box_public_key,
        )

    @property
    def identity(self) -> access.Identity:
        s = self.secrets
        return access.Identity(self.account_id, self.username, s.sign_public_key, s.box_public_key)


def account(username: str) -> Account:
    return Account(crypto.random_bytes(16), username, keys.AccountSecrets.generate())


ANA, TOM, BEN = account("ana"), account("tom"), account("ben")
JOURNAL = crypto.random_bytes(16)


def grant(who: Account, role: str = "annotate", expires_at: int = 0) -> tuple[str, dict[str, Any]]:
    return access.granted(who.identity, role, expires_at, JOURNAL, ANA.secrets.account_key)


def start(*grants: tuple[str, dict[str, Any]]) -> tuple[list[bytes], access.AccessState]:
    """A chain: created, the grants, then a rotation sealed to the members."""
    entries, state = access.genesis(
        JOURNAL, ANA.reader, ANA.secrets.signing_key, NOW, grants, key=KEY
    )
    more, state = extend(state, [access.rotated(state.epoch + 1, state.members, CHECK)])
    return entries + more, state


def extend(
    state: access.AccessState, changes: list[tuple[str, dict[str, Any]]]
) -> tuple[list[bytes], access.AccessState]:
    return access.extend(state, ANA.reader, ANA.secrets.signing_key, changes, NOW)


def signed(state: access.AccessState, kind: str, payload: dict[str, Any]) -> bytes:
    """An entry the owner signed at the next position, whatever its content."""
    body = access.encode_body(JOURNAL, state.length, state.head, kind, NOW, payload)
    return access.sign_entry(ANA.secrets.signing_key, body)


def verify(
    entries: list[bytes], reader: Account = ANA, known: access.AccessState | None = None
) -> access.AccessState:
    return access.verify(
        known, reader.reader, JOURNAL, ANA.account_id, ANA.secrets.sign_public_key, entries
    )


def handle_of(state: access.AccessState, who: Account) -> bytes:
    member = state.member_by_account(who.account_id)
    assert member is not None
    return member.handle


# --- created --------------------------------------------------------------------------------


def test_a_chain_created_for_another_owner_is_refused_even_signed_by_the_owner() -> None:
    """The server serves ana's devices a chain ana signed for another journal's owner."""
    kind, payload = access.created(TOM.account_id, 0, CHECK)
    body = access.encode_body(JOURNAL, 0, access.GENESIS, kind, NOW, payload)
    with pytest.raises(IntegrityError, match="another owner"):
        verify([access.sign_entry(ANA.secrets.signing_key, body)])
    assert verify(start()[0]).owner_id == ANA.account_id


# --- rotations --------------------------------------------------------------------------------


def test_a_rotation_seals_to_exactly_the_current_members() -> None:
    _, state = start(grant(TOM), grant(BEN))
    tom, ben = handle_of(state, TOM), handle_of(state, BEN)
    _, after = extend(state, [access.removed(tom)])
    stranger = crypto.random_bytes(16)
    for members in ([], [ben, tom], [ben, stranger], [tom]):
        entry = signed(
            after,
            access.ROTATED,
            {"epoch": after.epoch + 1, "members": sorted(members), "check": CHECK},
        )
        with pytest.raises(IntegrityError, match="other accounts than the members"):
            verify([entry], known=after)
    exact = signed(
        after, access.ROTATED, {"epoch": after.epoch + 1, "members": [ben], "check": CHECK}
    )
    assert verify([exact], known=after).sealed_to[after.epoch + 1] == {ben}


def test_a_rotation_must_start_the_next_epoch() -> None:
    _, state = start(grant(TOM))
    for epoch in (state.epoch, state.epoch + 2):
        entry = signed(
            state,
            access.ROTATED,
            {"epoch": epoch, "members": [handle_of(state, TOM)], "check": CHECK},
        )
        with pytest.raises(IntegrityError, match="next epoch"):
            verify([entry], known=state)


# --- handles ----------------------------------------------------------------------------------


def grant_under(handle: bytes, who: Account) -> dict[str, Any]:
    """A well-formed `granted` payload under a chosen handle (the owner's copy and the
    commitment made for it), as an owner device could sign by mistake or a replay."""
    salt = crypto.random_bytes(32)
    i = who.identity
    details = msgpack.packb(
        [i.account_id, i.username, i.sign_public_key, i.box_public_key, salt], use_bin_type=True
    )
    ad = crypto.associated_data(Context.ACCESS_OWNER_PADDED, JOURNAL, handle)  # version 2
    return {
        "member": handle,
        "commit": access.member_commit(JOURNAL, handle, salt, i),
        "owner_copy": crypto.seal(ANA.secrets.account_key, crypto.pad(details), ad),
        "member_copy": crypto.seal_to(i.box_public_key, salt),
        "role": "read",
        "expires_at": 0,
    }


def test_a_handle_is_never_granted_twice_even_after_its_member_left() -> None:
    _, state = start(grant(TOM))
    old = handle_of(state, TOM)
    _, after = extend(state, [access.removed(old), access.rotated(state.epoch + 1, [], CHECK)])
    entry = signed(after, access.GRANTED, grant_under(old, BEN))
    with pytest.raises(IntegrityError, match="reuses"):
        verify([entry], known=after)
    _, payload = grant(TOM)
    assert verify([signed(after, access.GRANTED, payload)], known=after).members


def test_the_same_account_cannot_be_granted_twice_at_once() -> None:
    _, state = start(grant(TOM))
    with pytest.raises(IntegrityError, match="already a member"):
        verify([signed(state, *grant(TOM))], known=state)


# --- who a member is: the owner's copy and its commitment ------------------------------------


def test_the_owners_devices_refuse_a_grant_whose_owner_copy_names_someone_else() -> None:
    """The owner's copy says tom, the commitment (what tom's device recognises) says ben: an
    owner device would seal tom's key while ben's device believes it is the member."""
    _, state = start()
    _, for_tom = grant(TOM)
    _, for_ben = grant(BEN)
    mixed = {**for_ben, "member": for_tom["member"], "owner_copy": for_tom["owner_copy"]}
    entry = signed(state, access.GRANTED, mixed)
    with pytest.raises(IntegrityError, match="does not commit"):
        verify([entry], known=state)
    as_tom = verify(start()[0], reader=TOM)
    assert [m.who for m in verify([entry], reader=TOM, known=as_tom).members.values()] == [None]


def test_a_member_recognises_its_own_grant_and_no_one_elses() -> None:
    entries, _ = start(grant(TOM), grant(BEN, role="read"))
    as_tom = verify(entries, reader=TOM)
    known = [m for m in as_tom.members.values() if m.who is not None]
    assert [(m.who, m.role) for m in known] == [(TOM.identity, "annotate")]
    assert as_tom.member_by_account(BEN.account_id) is None


# --- end dates --------------------------------------------------------------------------------


def test_a_members_device_ends_its_share_by_the_date_the_owner_signed() -> None:
    entries, _ = start(grant(TOM, expires_at=NOW + DAY))
    as_tom = verify(entries, reader=TOM)
    assert as_tom.current_terms(TOM.account_id, NOW) is not None
    assert as_tom.current_terms(TOM.account_id, NOW + DAY - 1) is not None
    assert as_tom.current_terms(TOM.account_id, NOW + DAY) is None
    assert as_tom.current_terms(BEN.account_id, NOW) is None
    forever = verify(start(grant(TOM))[0], reader=TOM)
    assert forever.current_terms(TOM.account_id, NOW + 10_000 * DAY) is not None


def test_a_changed_end_date_is_the_one_the_member_honours() -> None:
    entries, state = start(grant(TOM, expires_at=NOW + 10 * DAY))
    more, _ = extend(state, [access.changed(handle_of(state, TOM), "annotate", NOW + DAY)])
    as_tom = verify(entries + more, reader=TOM)
    assert as_tom.current_terms(TOM.account_id, NOW + 2 * DAY) is None


def test_a_member_not_sealed_the_current_epoch_reads_nothing_new() -> None:
    """Granted, but the owner has not rotated yet: no key of the current epoch is its own."""
    entries, state = start()
    more, _ = extend(state, [grant(TOM)])
    as_tom = verify(entries + more, reader=TOM)
    assert as_tom.current_terms(TOM.account_id, NOW) is None


# --- write limits (a member whose right to write ended) --------------------------------------

PHONE, LAPTOP = b"\x01" * 16, b"\x02" * 16


def test_a_removed_member_may_not_annotate_beyond_the_counters_the_owner_signed() -> None:
    _, state = start(grant(TOM))
    tom, epoch = handle_of(state, TOM), state.epoch
    _, after = extend(
        state, [access.removed(tom, {PHONE: 3}), access.rotated(epoch + 1, [], CHECK)]
    )
    assert after.may_annotate(TOM.account_id, epoch, PHONE, 3)
    assert not after.may_annotate(TOM.account_id, epoch, PHONE, 4)
    assert not after.may_annotate(TOM.account_id, epoch, LAPTOP, 1)  # a device not listed
    assert not after.may_annotate(TOM.account_id, epoch)


def test_a_change_to_read_limits_writes_and_a_change_back_lifts_the_limit() -> None:
    _, state = start(grant(TOM))
    tom, epoch = handle_of(state, TOM), state.epoch
    _, read = extend(state, [access.changed(tom, "read", 0, {PHONE: 5})])
    assert not read.may_annotate(TOM.account_id, epoch, PHONE, 6)
    assert read.may_annotate(TOM.account_id, epoch, PHONE, 5)
    _, back = extend(read, [access.changed(tom, "annotate", 0)])
    assert back.may_annotate(TOM.account_id, epoch, PHONE, 6)


def test_a_new_membership_is_not_held_to_the_limit_of_an_earlier_one() -> None:
    _, state = start(grant(TOM))
    epoch = state.epoch
    _, gone = extend(
        state,
        [access.removed(handle_of(state, TOM), {PHONE: 3}), access.rotated(epoch + 1, [], CHECK)],
    )
    _, again = extend(gone, [grant(TOM)])
    _, again = extend(again, [access.rotated(again.epoch + 1, again.members, CHECK)])
    assert again.may_annotate(TOM.account_id, again.epoch, PHONE, 9)
    assert not again.may_annotate(TOM.account_id, epoch, PHONE, 9)


@pytest.mark.parametrize(
    "counters",
    [
        [[LAPTOP, 1], [PHONE, 1]],  # not ascending
        [[PHONE, 1], [PHONE, 2]],  # a device twice
        [[PHONE[:8], 1]],  # not a device id
        [[PHONE, -1]],
        [PHONE, 1],
        "all",
    ],
)
def test_malformed_write_limits_are_refused(counters: Any) -> None:
    _, state = start(grant(TOM))
    entry = signed(state, access.REMOVED, {"member": handle_of(state, TOM), "counters": counters})
    with pytest.raises(IntegrityError, match="malformed"):
        verify([entry], known=state)


def test_counters_signed_as_gaps_below_a_limit_are_refused_like_those_above_it() -> None:
    """A gap the signing owner device never received (neither a record nor a cover) is
    signed with the limit; no device accepts that membership's record in it (protocol.md
    4.19 "Write limits"), and the withholding check counts it as not writable."""
    _, state = start(grant(TOM))
    tom, epoch = handle_of(state, TOM), state.epoch
    counters, gaps = access.limits_and_gaps({PHONE: 1000}, {PHONE: [(1, 1), (1000, 1000)]})
    assert (counters, gaps) == ({PHONE: 1000}, {PHONE: [(2, 999)]})
    change = access.with_counters(access.removed(tom), counters, gaps)
    assert change[1]["gaps"] == [[PHONE, [[2, 999]]]]
    _, after = extend(state, [change, access.rotated(epoch + 1, [], CHECK)])
    assert after.may_annotate(TOM.account_id, epoch, PHONE, 1)
    assert after.may_annotate(TOM.account_id, epoch, PHONE, 1000)
    assert not after.may_annotate(TOM.account_id, epoch, PHONE, 500)
    assert not after.may_annotate(TOM.account_id, epoch, PHONE, 1001)
    assert after.writable(TOM.account_id, PHONE) == [(1, 1), (1000, 1000)]
    assert after.writable(TOM.account_id, LAPTOP) == []


def test_an_entry_with_no_gap_carries_no_gaps_key() -> None:
    """Honest members leave no gap: the entry's bytes are what they were before gaps."""
    counters, gaps = access.limits_and_gaps({PHONE: 7}, {PHONE: [(1, 9)]})
    assert (counters, gaps) == ({PHONE: 7}, {})
    assert "gaps" not in access.with_counters(access.ended(b"h" * 16), counters, gaps)[1]


def test_too_many_gaps_lower_the_limit_below_the_first_one_not_named() -> None:
    """A member that left more gap ranges than an entry names gets its limit lowered to just
    below the first one left out: no counter never received stays writable."""
    received = [(c, c) for c in range(1, 2 * access.MAX_GAP_RANGES + 10, 2)]
    counters, gaps = access.limits_and_gaps({PHONE: received[-1][0]}, {PHONE: received})
    [named] = gaps.values()
    assert len(named) == access.MAX_GAP_RANGES
    assert counters[PHONE] == 2 * access.MAX_GAP_RANGES + 1
    assert named[-1][1] < counters[PHONE]


@pytest.mark.parametrize(
    "gaps",
    [
        [],  # present but empty
        [[LAPTOP, [[2, 3]]]],  # a device the counters do not name
        [[PHONE, []]],
        [[PHONE, [[0, 3]]]],
        [[PHONE, [[4, 3]]]],
        [[PHONE, [[2, 9]]]],  # reaches the limit
        [[PHONE, [[2, 3], [4, 5]]]],  # not apart
        [[PHONE, [[5, 6], [2, 3]]]],  # not ascending
        [[PHONE, [[2, 3]]], [PHONE, [[5, 6]]]],  # a device twice
        [[PHONE, [[c, c] for c in range(1, 2 * access.MAX_GAP_RANGES + 3, 2)]]],  # too many
        "all",
    ],
)
def test_malformed_write_gaps_are_refused(gaps: Any) -> None:
    _, state = start(grant(TOM))
    limit = 9 if len(gaps) != 1 or len(gaps[0][1]) < 10 else 10**6
    payload = {"member": handle_of(state, TOM), "counters": [[PHONE, limit]], "gaps": gaps}
    entry = signed(state, access.REMOVED, payload)
    with pytest.raises(IntegrityError, match="malformed"):
        verify([entry], known=state)


def test_gaps_present_as_nil_are_refused() -> None:
    """`gaps` is absent when there is none, never present and empty: nil is malformed."""
    _, state = start(grant(TOM))
    payload = {"member": handle_of(state, TOM), "counters": [[PHONE, 9]], "gaps": None}
    with pytest.raises(IntegrityError, match="malformed"):
        verify([signed(state, access.REMOVED, payload)], known=state)


def _many_devices(count: int, gaps_each: int) -> tuple[access.Counters, dict[bytes, list[Any]]]:
    """`count` device ids at the highest counter, each with `gaps_each` gaps below it."""
    top = 2**63 - 1
    tops = {i.to_bytes(16, "big"): top for i in range(1, count + 1)}
    held = [(c, c) for c in range(1, 2 * gaps_each, 2)] + [(top, top)] if gaps_each else [(1, top)]
    return tops, {d: held for d in tops}


@pytest.mark.parametrize("gaps_each", [0, 1, 3, 100])
def test_an_entry_ending_a_members_writes_fits_whatever_devices_it_wrote_from(
    gaps_each: int,
) -> None:
    """A member chooses its device ids and counters freely: however many it wrote from, and
    with however many gaps, the entry ending its right to write (each kind, at its largest)
    stays under the server's entry cap, names at most MAX_LIMIT_DEVICES devices and verifies."""
    tops, received = _many_devices(300, gaps_each)
    counters, gaps = access.limits_and_gaps(tops, received)
    assert len(counters) == access.MAX_LIMIT_DEVICES
    assert sum(len(r) for r in gaps.values()) <= access.MAX_GAP_RANGES
    _, state = start(grant(TOM))
    tom = handle_of(state, TOM)
    for change in (
        access.removed(tom, because=access.NOT_SERVED),
        access.ended(tom),
        access.changed(tom, "read", 2**63 - 1),
    ):
        kind, payload = access.with_counters(change, counters, gaps)
        raw = signed(state, kind, payload)
        assert len(raw) <= wire.MAX_CHAIN_ENTRY_BYTES, (kind, len(raw))
        after = verify([raw], known=state)
        assert after.write_limits[tom] == counters


def test_the_devices_with_the_most_records_are_named_first_then_by_id() -> None:
    """Past MAX_LIMIT_DEVICES, the devices with the most verified records held are named
    (ties by id): device ids cost a member nothing, a stored record does."""
    tops, received = _many_devices(access.MAX_LIMIT_DEVICES + 8, 0)
    honest = max(tops)  # the highest id: last by id alone
    counts = {d: 2 for d in tops} | {honest: 3}
    counters, _ = access.limits_and_gaps(tops, received, counts)
    assert honest in counters
    assert set(counters) == {honest, *sorted(tops)[: access.MAX_LIMIT_DEVICES - 1]}
    unnamed = min(d for d in tops if d not in counters)
    _, state = start(grant(TOM))
    _, after = extend(state, [access.with_counters(access.removed(handle_of(state, TOM)),
                                                   counters)])  # fmt: skip
    assert not after.may_annotate(TOM.account_id, state.epoch, unnamed, 1)
    assert after.may_annotate(TOM.account_id, state.epoch, honest, 1)


def test_the_byte_budget_lowers_limits_before_it_drops_devices() -> None:
    """When the gaps of the devices named do not fit MAX_LIMIT_BYTES, a device's limit is
    lowered below its first gap not named; a device is never dropped for its gaps alone."""
    tops, received = _many_devices(access.MAX_LIMIT_DEVICES, 2)
    counters, gaps = access.limits_and_gaps(tops, received)
    named = sum(len(r) for r in gaps.values())
    assert named < access.MAX_GAP_RANGES  # the byte budget binds, not the range cap
    assert len(counters) == access.MAX_LIMIT_DEVICES
    lowered = [d for d in counters if counters[d] < tops[d]]
    assert lowered
    for device in lowered:
        assert all(hi < counters[device] for _, hi in gaps.get(device, []))
    encoded = msgpack.packb([access.encode_counters(counters), access.encode_gaps(gaps)])
    assert len(encoded) <= access.MAX_LIMIT_BYTES


def test_a_later_entry_never_widens_a_write_limit() -> None:
    """Once a membership's writes are limited (narrowed to `read`), a later entry ending them
    again (a removal, an `ended`) is narrowed to it when signed and when read: the lower limit
    for each device, none for a device the earlier one did not name, and the gaps of both,
    whatever the later entry says."""
    _, state = start(grant(TOM))
    tom, epoch = handle_of(state, TOM), state.epoch
    first = access.with_counters(access.changed(tom, "read", 0), {PHONE: 1000}, {PHONE: [(2, 999)]})
    _, narrowed = extend(state, [first])
    wide = {"member": tom, "counters": [[PHONE, 2000], [LAPTOP, 5]], "gaps": [[PHONE, [[7, 8]]]]}
    after = verify([signed(narrowed, access.REMOVED, wide)], known=narrowed)
    assert after.write_limits[tom] == {PHONE: 1000}
    assert after.write_gaps[tom] == {PHONE: [(2, 999)]}
    assert not after.may_annotate(TOM.account_id, epoch, PHONE, 500)
    assert not after.may_annotate(TOM.account_id, epoch, LAPTOP, 1)
    before = (narrowed.write_limits[tom], narrowed.write_gaps[tom])
    signs = access.limits_and_gaps({PHONE: 1000, LAPTOP: 5}, {PHONE: [(1, 1000)]}, None, before)
    assert signs == ({PHONE: 1000}, {PHONE: [(2, 999)]})
    # a later top inside an earlier gap (600, 500: the earlier entry refused them): lowered
    # below that gap, never writable again
    lower = access.limits_and_gaps({PHONE: 600}, {PHONE: [(1, 600)]}, None, before)
    assert lower == ({PHONE: 1}, {})
    inside = access.limits_and_gaps({PHONE: 500}, {PHONE: [(1, 1), (500, 500)]}, None, before)
    assert inside == ({PHONE: 1}, {})
    late = {"member": tom, "counters": [[PHONE, 500]], "gaps": [[PHONE, [[2, 499]]]]}
    read = verify([signed(narrowed, access.REMOVED, late)], known=narrowed)
    assert read.write_limits[tom] == {PHONE: 1}
    assert not read.may_annotate(TOM.account_id, epoch, PHONE, 500)


Limit = tuple[dict[bytes, int], dict[bytes, list[tuple[int, int]]]]


def _allowed(limit: Limit, device: bytes, upto: int) -> set[int]:
    """The counters of `device` in [1, upto] a limit (tops, gaps) lets a device accept."""
    tops, gaps = limit
    return {
        c
        for c in range(1, upto + 1)
        if c <= tops.get(device, 0) and not any(lo <= c <= hi for lo, hi in gaps.get(device, []))
    }


def _read_back(limit: Limit) -> access.AccessState:
    """A chain state holding `limit` for one membership, as `AccessState.within_limit` and
    `writable` read it."""
    state = access.AccessState.__new__(access.AccessState)
    state.write_limits, state.write_gaps = {b"h": limit[0]}, {b"h": limit[1]}
    return state


def _assert_intersection(before: Limit, after: Limit, upto: int) -> None:
    result = access.narrowed(before, after)
    state = _read_back(result)
    for device in (PHONE, LAPTOP):
        both = _allowed(before, device, upto) & _allowed(after, device, upto)
        assert _allowed(result, device, upto) == both, (before, after, result)
        assert {c for c in range(1, upto + 1) if state.within_limit(b"h", device, c)} == both
        assert (device in result[0]) == bool(both)  # a device left at 0 is not named
        for lo, hi in result[1].get(device, []):
            assert 1 <= lo <= hi < result[0][device]  # what the `_gaps` parser accepts


@pytest.mark.parametrize(
    ("before", "after"),
    [
        # the later top inside an earlier gap (it was writable again)
        (({PHONE: 1000}, {PHONE: [(2, 999)]}), ({PHONE: 500}, {PHONE: [(2, 499)]})),
        # the earlier top inside a later gap
        (({PHONE: 1000}, {}), ({PHONE: 1500}, {PHONE: [(900, 1200)]})),
        # the top inside a gap that starts at 1: nothing left, the device is not named
        (({PHONE: 10}, {PHONE: [(1, 9)]}), ({PHONE: 5}, {})),
        # gaps of both that touch merge into one, the top inside it
        (({PHONE: 30}, {PHONE: [(5, 9)]}), ({PHONE: 12}, {PHONE: [(10, 12)]})),
        # a device the later entry does not name, one the earlier does not
        (({PHONE: 8, LAPTOP: 3}, {}), ({PHONE: 6}, {PHONE: [(2, 3)]})),
        (({PHONE: 8}, {}), ({PHONE: 8, LAPTOP: 4}, {})),
        # disjoint gaps, the top between them
        (({PHONE: 40}, {PHONE: [(3, 4), (30, 35)]}), ({PHONE: 20}, {PHONE: [(10, 12)]})),
    ],
)
def test_a_narrowed_limit_is_the_intersection_of_both_entries(before: Limit, after: Limit) -> None:
    """The limit a later entry ending a membership's writes leaves (`narrowed`, signed and
    read) allows exactly the counters both entries allow: a top that falls in a gap of
    either is lowered below it, so no counter one of them refuses is writable again."""
    _assert_intersection(before, after, 1600)


def _limits() -> st.SearchStrategy[Limit]:
    """A write limit over PHONE and LAPTOP whose gaps are sorted, apart and below its top, as
    a verified entry carries them."""

    def one(top: int, cuts: list[int]) -> tuple[int, list[tuple[int, int]]]:
        points = sorted({c for c in cuts if 1 <= c < top})
        gaps = [(points[i], points[i + 1]) for i in range(0, len(points) - 1, 2)]
        apart: list[tuple[int, int]] = []
        for lo, hi in gaps:
            if not apart or lo > apart[-1][1] + 1:
                apart.append((lo, hi))
        return top, apart

    device = st.builds(one, st.integers(1, 40), st.lists(st.integers(1, 40), max_size=8))
    return st.builds(
        lambda phone, laptop, named: (
            {d: t for d, (t, _) in ((PHONE, phone), (LAPTOP, laptop)) if d in named},
            {d: g for d, (_, g) in ((PHONE, phone), (LAPTOP, laptop)) if d in named and g},
        ),
        device,
        device,
        st.sets(st.sampled_from([PHONE, LAPTOP])),
    )


@settings(max_examples=300, deadline=None)
@given(_limits(), _limits())
def test_narrowing_any_two_limits_allows_exactly_what_both_allow(
    before: Limit, after: Limit
) -> None:
    _assert_intersection(before, after, 45)


def test_a_change_that_lets_a_member_write_carries_no_limit() -> None:
    _, state = start(grant(TOM, role="read"))
    payload = {"member": handle_of(state, TOM), "role": "annotate", "expires_at": 0,
               "counters": [[PHONE, 1]]}  # fmt: skip
    with pytest.raises(IntegrityError, match="limits the writes"):
        verify([signed(state, access.CHANGED, payload)], known=state)


def test_only_changes_that_end_writing_get_a_limit() -> None:
    handle = crypto.random_bytes(16)
    assert access.with_counters(access.changed(handle, "annotate", 5), {PHONE: 2}) == (
        access.changed(handle, "annotate", 5)
    )
    assert access.with_counters(access.removed(handle), {PHONE: 2}) == (
        access.removed(handle, {PHONE: 2})
    )
    assert access.with_counters(access.changed(handle, "read", 0), {PHONE: 2})[1]["counters"] == [
        [PHONE, 2]
    ]


# --- what a member's record may change (the creator rule) ------------------------------------


def change(
    author: Account, doc_id: bytes, kind: str = "note", epoch: int = 1
) -> access.MemberWrite:
    return access.MemberWrite(author.account_id, doc_id, kind, epoch, PHONE)


def test_a_member_changes_only_documents_whose_id_names_it() -> None:
    _, state = start(grant(TOM), grant(BEN))
    toms, bens = keys.new_doc_id(TOM.account_id), keys.new_doc_id(BEN.account_id)
    assert access.member_may_change(state, change(TOM, toms), 1)
    assert not access.member_may_change(state, change(TOM, bens), 1)  # another member's note
    owners = keys.new_doc_id(ANA.account_id)
    assert not access.member_may_change(state, change(TOM, owners), 1)  # the owner's entry
    legacy = crypto.random_bytes(16)  # an id from before the rule, or from the server
    assert not access.member_may_change(state, change(TOM, legacy), 1)


def test_a_member_changes_only_annotation_kinds_while_it_annotates() -> None:
    _, state = start(grant(TOM), grant(BEN, role="read"))
    toms = keys.new_doc_id(TOM.account_id)
    for kind in access.ANNOTATION_KINDS:
        assert access.member_may_change(state, change(TOM, toms, kind), 1)
    for kind in ("entry", "goal", "measure", "safety_flag", "homework"):
        assert not access.member_may_change(state, change(TOM, toms, kind), 1)
    assert not access.member_may_change(state, change(TOM, toms, epoch=0), 1)  # before its share
    bens = keys.new_doc_id(BEN.account_id)
    assert not access.member_may_change(state, change(BEN, bens), 1)  # a reader


def test_a_change_that_renews_a_lapsed_membership_restarts_it_for_late_safety_flags() -> None:
    """R37 F1 residual: `granted_at` is when a membership began, for the late safety flag
    rule; terms signed after the membership's end date had passed renew it: it begins again
    at that entry (no late flag for an answer given in the gap). Terms changed before the
    end date keep the start."""
    _, state = start(grant(TOM, expires_at=NOW + DAY))
    tom = handle_of(state, TOM)
    assert state.granted_at[tom] == NOW
    _, kept = extend(state, [access.changed(tom, "annotate", NOW + 30 * DAY)])
    assert kept.granted_at[tom] == NOW  # changed before the end: the same membership
    later = NOW + 2 * DAY
    _, renewed = access.extend(
        state, ANA.reader, ANA.secrets.signing_key,
        [access.changed(tom, "annotate", NOW + 30 * DAY)], later,
    )  # fmt: skip
    assert renewed.granted_at[tom] == later
