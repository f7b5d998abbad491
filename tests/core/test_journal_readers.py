"""`readers.journal_readers`: who reads a journal besides its owner, by its verified chain
alone, the one rule behind `client.journals.readers`, `set_default`'s refusals and an
import's readers (NU73 F10 follow-up: four copies of it counted a member whose end date had
passed differently). `ended` says whether such a member counts: not for what is written
next, yes for what the journal holds. Pure: chains built in memory."""

from __future__ import annotations

from datetime import UTC, datetime

from client_sdk import access
from client_sdk.readers import FIELDS, UNKNOWN_READER, JournalReader, journal_readers, reader_names
from tests.core.test_access_limited import MIRROR, limit
from tests.core.test_access_rules import (
    ANA,
    BEN,
    DAY,
    NOW,
    TOM,
    extend,
    grant,
    handle_of,
    start,
    verify,
)


def both(state: access.AccessState | None, now: int = NOW) -> tuple[list[str], list[str]]:
    """The usernames counted without, then with, members whose end date passed."""
    return (
        reader_names(journal_readers(state, now, ended=False, viewer=ANA.account_id)),
        reader_names(journal_readers(state, now, ended=True, viewer=ANA.account_id)),
    )


def test_no_chain_held_and_no_member_name_no_reader() -> None:
    assert both(None) == ([], [])
    _, alone = start()
    assert both(alone) == ([], [])


def test_a_member_whose_end_date_passed_counts_only_for_what_the_journal_holds() -> None:
    """tom's signed end date passed at NOW (no `ended` entry yet: he holds the key until an
    owner device ends the share): not a reader of what is written next, a reader of what
    the journal holds, marked `ended`. ben, with no end date, counts in both."""
    _, state = start(grant(TOM, "read", expires_at=NOW - DAY), grant(BEN))
    assert both(state) == (["ben"], ["ben", "tom"])
    ben, tom = journal_readers(state, NOW, ended=True, viewer=ANA.account_id)  # sorted by username
    assert tom == JournalReader(
        TOM.account_id.hex(),
        "tom",
        "read",
        datetime.fromtimestamp((NOW - DAY) / 1000, tz=UTC),
        ended=True,
    )
    assert ben == JournalReader(BEN.account_id.hex(), "ben", "annotate", None, ended=False)
    # the day before his end date he reads what is written next too
    assert both(state, NOW - 2 * DAY) == (["ben", "tom"], ["ben", "tom"])


def test_on_a_members_device_an_ended_member_still_sealed_the_current_key_counts() -> None:
    """rev29b F1: tom's end date passed with no `ended` entry yet. On ben's device (a
    member's: it can neither end the share nor rotate the key, and its push is not held)
    what ben writes next is sealed under the current epoch, whose key the owner sealed to
    tom: tom counts for what is written next too (fail closed), as "an account". Once the
    owner's device ended the share and rotated the key, he counts in neither; on the
    owner's device he never counts for what is written next (its push ends him first)."""
    entries, state = start(grant(TOM, "read", expires_at=NOW - DAY), grant(BEN))
    seen = verify(entries, BEN)
    for ended in (False, True):
        readers = journal_readers(seen, NOW, ended=ended, viewer=BEN.account_id)
        assert reader_names(readers, besides=BEN.account_id.hex()) == [UNKNOWN_READER]
        assert [r.ended for r in readers if r.username == UNKNOWN_READER] == [True]
    assert both(state) == (["ben"], ["ben", "tom"])  # the owner's device
    more, after = extend(state, [access.ended(handle_of(state, TOM))])
    rotation, after = extend(
        after, [access.rotated(after.epoch + 1, after.members, after.key_checks[state.epoch])]
    )
    seen = verify(entries + more + rotation, BEN)
    for ended in (False, True):
        readers = journal_readers(seen, NOW, ended=ended, viewer=BEN.account_id)
        assert reader_names(readers, besides=BEN.account_id.hex()) == []


def test_a_share_an_owner_device_ended_or_removed_counts_until_its_rotation() -> None:
    """rev29c F1: an `ended` or `removed` entry takes the member out of `members`, but the
    current epoch's key was sealed to them: until the `rotated` entry signed with it (a
    server may withhold it), they read what is sealed next under that key and count in
    both answers, marked `ended`; once it is verified, in neither."""
    _, state = start(grant(TOM, expires_at=NOW - DAY), grant(BEN))
    _, after = extend(state, [access.ended(handle_of(state, TOM))])
    _, after = extend(after, [access.removed(handle_of(after, BEN))])
    assert not after.members
    assert both(after) == (["ben", "tom"], ["ben", "tom"])
    next_readers = journal_readers(after, NOW, ended=False, viewer=ANA.account_id)
    assert [r.ended for r in next_readers] == [True, True]
    _, rotated = extend(
        after, [access.rotated(after.epoch + 1, after.members, after.key_checks[after.epoch])]
    )
    assert both(rotated) == ([], [])


def test_on_a_members_device_a_removed_member_whose_rotation_is_withheld_counts() -> None:
    """rev29c F1 on ben's device: tom removed, the `rotated` entry not (yet) served: what
    ben writes next is sealed under the key tom holds, so tom counts, as "an account"."""
    entries, state = start(grant(TOM, "read"), grant(BEN))
    more, after = extend(state, [access.removed(handle_of(state, TOM))])
    seen = verify(entries + more, BEN)
    readers = journal_readers(seen, NOW, ended=False, viewer=BEN.account_id)
    assert reader_names(readers, besides=BEN.account_id.hex()) == [UNKNOWN_READER]
    assert [r.ended for r in readers if r.username == UNKNOWN_READER] == [True]
    rotation, _ = extend(
        after, [access.rotated(after.epoch + 1, after.members, after.key_checks[after.epoch])]
    )
    seen = verify(entries + more + rotation, BEN)
    readers = journal_readers(seen, NOW, ended=False, viewer=BEN.account_id)
    assert reader_names(readers, besides=BEN.account_id.hex()) == []


def test_a_field_level_share_counts_in_both_until_the_owner_signs_its_end() -> None:
    """tom reads some fields through a copy: a reader in both answers, role FIELDS, no end
    date of its own; closed by `limited_removed`, in neither."""
    _, state = start()
    _, state = extend(state, [limit()])
    readers = journal_readers(state, NOW, ended=False, viewer=ANA.account_id)
    assert readers == [JournalReader(TOM.account_id.hex(), "tom", FIELDS)]
    assert journal_readers(state, NOW, ended=True, viewer=ANA.account_id) == readers
    [handle] = state.limited
    _, closed = extend(state, [access.limited_removed(handle)])
    assert both(closed) == ([], [])


def test_a_lapsed_field_level_share_still_counts() -> None:
    """The copy's own chain says tom's membership there reached its end date
    (`access.lapsed_field_shares` names it): a server can withhold the owner's renewal from
    that chain, so the share counts, in both answers, until the owner unshares (fail
    closed)."""
    _, state = start()
    _, state = extend(state, [limit()])
    copy_entries, copy = access.genesis(
        MIRROR,
        ANA.reader,
        ANA.secrets.signing_key,
        NOW - 2 * DAY,
        [access.granted(TOM.identity, "read", NOW - DAY, MIRROR, ANA.secrets.account_key)],
        key=bytes(32),
    )
    assert copy_entries
    lapsed = access.lapsed_field_shares(state, {MIRROR: copy}.get, NOW)
    assert [s.account_id for s in lapsed] == [TOM.account_id]
    assert both(state) == (["tom"], ["tom"])


def test_a_member_with_a_field_level_share_too_is_one_reader_as_member() -> None:
    _, state = start(grant(TOM, "read"))
    _, state = extend(state, [limit()])
    [tom] = journal_readers(state, NOW, ended=False, viewer=ANA.account_id)
    assert (tom.username, tom.role) == ("tom", "read")


def test_on_a_members_device_another_member_is_an_account_and_itself_is_left_out() -> None:
    """ben's device verifies the chain: tom's entry names nobody it can open (members do
    not learn each other), so he is "an account" with no account id; `besides` leaves ben
    himself out of the names."""
    entries, _ = start(grant(TOM), grant(BEN))
    seen = verify(entries, BEN)
    readers = journal_readers(seen, NOW, ended=False, viewer=BEN.account_id)
    assert sorted((r.account_id, r.username) for r in readers) == sorted(
        [("", UNKNOWN_READER), (BEN.account_id.hex(), "ben")]
    )
    assert reader_names(readers, besides=BEN.account_id.hex()) == [UNKNOWN_READER]


def test_the_owner_is_never_a_reader_and_a_reader_has_a_plain_json_form() -> None:
    _, state = start(grant(TOM, expires_at=NOW + DAY))
    [tom] = journal_readers(state, NOW, ended=True, viewer=ANA.account_id)
    assert ANA.account_id.hex() not in {
        r.account_id for r in journal_readers(state, NOW, ended=True, viewer=ANA.account_id)
    }
    assert tom.to_dict() == {
        "account_id": TOM.account_id.hex(),
        "username": "tom",
        "role": "annotate",
        "expires_at": "2026-01-02T00:00:00.000+00:00",
        "ended": False,
    }
