"""The default journal's readers that a set-aside move would add are told apart from the
entry's journal's readers by account id, never by username: the first kim read "Night"
and erased her account, a new person signed up as "kim" and reads the default journal;
moving words written in "Night" into it is "wider" (real server on loopback)."""

from __future__ import annotations

import pytest

from client_sdk import INSECURE_TEST_COST, InvalidInput
from tests.client.sharing_support import share_with
from tests.conftest import PASSWORD, ClientFactory


async def test_a_new_account_under_a_former_readers_name_is_a_wider_reader(
    signup: ClientFactory, login: ClientFactory
) -> None:
    ana, kim = await signup("ana"), await signup("kim")
    await ana.journals.create("Night")
    await share_with(ana, kim, "Night", role="read")
    phone = await login("ana")
    await phone.sync()
    await kim.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)
    new_kim = await signup("kim")
    await share_with(ana, new_kim, "Personal", role="read")
    await ana.journals.delete("Night", discard_undelivered=True)
    await phone.entries.write("Night", "For the first kim only.")
    await phone.sync()
    [kept] = await phone.set_aside()
    readers = await phone.default_readers(kept.record_id)
    assert readers == [f"kim (account {new_kim.replica.profile.account_id.hex()[:8]})"]
    with pytest.raises(InvalidInput) as refused:
        await phone.move_set_aside(kept.record_id)
    assert refused.value.subject == "wider default"
