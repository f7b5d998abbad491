"""rev31e F2: `Shares.limited(journal, username)` looked the member up by name, taking the
account the server gives the name now, and `tj share --safety-flags` matched shares by name:
a name an erased account freed may be another person's now. `limited` judges the account a
`grant` goes to (the one its `fingerprint` matches, else the one pinned here, refusing a
changed account as `grant` does), and `member_id` names that account from what this device
holds (real server on 127.0.0.1, real crypto)."""

from __future__ import annotations

import pytest

from client_sdk import INSECURE_TEST_COST, KeyChangedError
from tests.client.sharing_support import share_with
from tests.conftest import PASSWORD, ClientFactory


async def test_limited_and_member_id_go_by_the_account_a_share_goes_to(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    tom = await signup("tom")
    copy = await share_with(ana, tom, only=["mood"])
    first_fp, first_id = await tom.shares.fingerprint(), tom.profile.account_id.hex()
    found = await ana.shares.limited("Personal", "tom")
    assert found is not None and (found.journal, found.member_id) == (copy.journal, first_id)
    assert await ana.shares.member_id("tom") == first_id
    await tom.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)
    await ana.sync()  # the copy's share ends with the erasure
    new = await signup("tom", device="phone")  # someone new takes the name
    new_fp, new_id = await new.shares.fingerprint(), new.profile.account_id.hex()
    assert new_id != first_id

    # the name is pinned here to the erased account: refused, as `grant` refuses it
    with pytest.raises(KeyChangedError, match="another account than the one pinned"):
        await ana.shares.limited("Personal", "tom")
    with pytest.raises(KeyChangedError, match="another account than the one pinned"):
        await ana.shares.grant("Personal", "tom", only=["mood"])
    assert await ana.shares.limited("Personal", "tom", fingerprint=new_fp) is None

    assert await ana.shares.member_id("tom") == first_id  # the pin, with no server asked
    assert await ana.shares.member_id("tom", fingerprint=first_fp) == first_id
    assert await ana.shares.member_id("tom", fingerprint=new_fp) == new_id  # checked, matching
    shares = await ana.shares.list(local_only=True)
    assert [(s.member, s.member_id, s.expired) for s in shares] == [("tom", first_id, True)]
