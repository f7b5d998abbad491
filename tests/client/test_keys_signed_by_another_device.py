"""NU20 C8: on the client's second device, narrowing a share or changing its terms asked for
the therapist's fingerprint again, although the client's laptop had compared it before
sharing. The owner's own signed access chain names the member's keys: a device of the owner
takes exactly those keys without asking again, and nothing else (keys the server swapped in
match no signed entry; an account never shared with still needs its fingerprint). Real
server on 127.0.0.1, real crypto; the hostile server edits its own database."""

from __future__ import annotations

import pytest

from client_sdk.errors import InvalidInput
from tests.client.sharing_support import membership_rows, share_with, swap_identity_keys
from tests.conftest import ClientFactory, RunningServer


async def test_the_owners_second_device_narrows_and_changes_terms_without_the_fingerprint(
    signup: ClientFactory, login: ClientFactory
) -> None:
    ana = await signup("ana")
    tom = await signup("tom")
    await share_with(ana, tom, role="annotate")  # the laptop compared tom's fingerprint
    phone = await login("ana")
    await phone.sync()
    changed = await phone.shares.grant("Personal", "tom", role="read")
    assert (changed.fields, changed.role) == (None, "read")
    narrowed = await phone.shares.grant("Personal", "tom", only=["mood"])
    assert (narrowed.fields, narrowed.role) == (("mood",), "read")
    pinned = await phone.store.peer(tom.profile.account_id)
    assert pinned is not None and not pinned.verified  # this device did not compare it


async def test_keys_the_server_swapped_in_are_not_taken_from_the_chain(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    ana = await signup("ana")
    tom = await signup("tom")
    await share_with(ana, tom)
    phone = await login("ana")
    await phone.sync()
    account_id = tom.profile.account_id
    swap_identity_keys(live_server, account_id, "tom")
    before = membership_rows(live_server)
    with pytest.raises(InvalidInput, match="confirm tom's fingerprint first"):
        await phone.shares.grant("Personal", "tom", only=["mood"])
    assert membership_rows(live_server) == before
    assert await phone.store.peer(account_id) is None


async def test_an_account_never_shared_with_still_needs_its_fingerprint(
    signup: ClientFactory, login: ClientFactory
) -> None:
    ana = await signup("ana")
    tom = await signup("tom")
    await signup("lee")
    await share_with(ana, tom)
    phone = await login("ana")
    await phone.sync()
    with pytest.raises(InvalidInput, match="confirm lee's fingerprint first"):
        await phone.shares.grant("Personal", "lee", full=True)
