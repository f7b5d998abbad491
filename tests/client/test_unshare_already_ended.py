"""A share ended on one device, then asked to end on another of the same account after its
sync brought the first end (no race): `Shares.revoke` raises ShareAlreadyEnded (a NotFound,
subject "share already ended"), decided from the journal's verified access chain, which
`tj unshare` takes as done (exit 0, NU21 C4). A share that never was is a plain NotFound.
Real server on 127.0.0.1, real crypto."""

from __future__ import annotations

import pytest

from client_sdk import NotFound, ShareAlreadyEnded
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory


async def test_ending_a_share_another_device_ended_says_already_ended_in_a_typed_way(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop, tom = await signup("ana"), await signup("tom")
    await share_with(laptop, tom)
    await laptop.sync()
    phone = await login("ana")
    await phone.sync()
    assert [s.member_name for s in await phone.replica.current_shares()] == ["tom"]
    assert await laptop.shares.revoke("Personal", "tom") == ["Personal"]
    await phone.sync()  # brings the laptop's end of the share: no race
    with pytest.raises(ShareAlreadyEnded) as raised:
        await phone.shares.revoke("Personal", "tom")
    said = raised.value
    assert isinstance(said, NotFound) and said.subject == "share already ended"
    assert (said.journal, said.member) == ("Personal", "tom")
    assert "already ended" in str(said)


async def test_ending_a_share_that_never_was_is_not_found_not_already_ended(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    await signup("tom")
    with pytest.raises(NotFound) as raised:
        await ana.shares.revoke("Personal", "tom")
    assert not isinstance(raised.value, ShareAlreadyEnded)
    assert raised.value.subject != "share already ended"
