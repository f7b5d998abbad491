"""`Client.delete_account`'s last count, in the transaction that was to end the store, counts
the safety flags the server acknowledged and has not served back (fix31c 3): this device
holds the only copy known of such a flag, so the first count (before the erasure's request)
counts each as an item; the last one, read in the deletion's own transaction, missed them,
and a flag another program on the home sealed and pushed while the request was on its way
was deleted uncounted. Real server on loopback, a proxy in front of it that lets the other
program act before the request is forwarded."""

from __future__ import annotations

import pytest

from client_sdk import INSECURE_TEST_COST, Client
from client_sdk.errors import UnsyncedChanges
from tests.client.sharing_support import share_with
from tests.client.test_delete_keeps_unsent_words import hooked_proxy
from tests.conftest import PASSWORD, ClientFactory, RunningServer


async def test_a_flag_pushed_by_another_program_during_the_erasure_keeps_the_data(
    live_server: RunningServer, signup: ClientFactory
) -> None:
    ana = await signup("ana")
    tom = await signup("tom")
    await share_with(ana, tom, role="annotate", safety_flags=True)
    await ana.sync(strict=True)
    other = await Client.open(ana.home)
    flags: list[str | None] = []

    async def app_seals_and_pushes() -> None:  # acknowledged, not served back yet
        taken = await other.measures.take("phq9", [0] * 8 + [2])
        flags.append((await other.safety.respond(taken.result)).flag_id)
        await other.replica.push_outbox()

    server, session = await hooked_proxy(
        live_server.url, "/v1/account/delete", app_seals_and_pushes
    )
    try:
        ana.transport.base_url = str(server.make_url("")).rstrip("/")
        with pytest.raises(UnsyncedChanges) as refused:
            await ana.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)
    finally:
        ana.transport.base_url = live_server.url
        await server.close()
        await session.close()
    [flag_id] = flags
    assert flag_id is not None
    assert (refused.value.erased, refused.value.count) == (True, 1), refused.value
    assert "this device's data is kept" in str(refused.value)
    await other.close()
    again = await Client.open(ana.home)
    assert flag_id in {f.flag_id for f in await again.safety.unsent()}
    await again.close()
