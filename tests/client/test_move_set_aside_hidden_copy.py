"""A set-aside entry moved into the default journal (`move_set_aside` with no journal): the
field-level readers of the default journal are read from its own verified chain, so a server
that leaves the copy journal out of one device's journal list cannot hide a reader from that
device's refusal (real server on loopback behind a rewriting proxy)."""

from __future__ import annotations

from pathlib import Path

import pytest

from client_sdk import INSECURE_TEST_COST, Client, InvalidInput
from client_sdk.default_journal import current_readers
from tests.client.hostile import HostileServer, serving
from tests.client.sharing_support import share_with
from tests.client.test_nu43_findings import hiding
from tests.conftest import PASSWORD, ClientFactory, RunningServer


async def test_a_field_level_reader_named_by_the_default_journals_chain_refuses_the_move(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    ana, drlee = await signup("ana"), await signup("drlee")
    await ana.journals.create("Night")
    await share_with(ana, drlee, only=["body"])
    await ana.sync()
    await ana.context.replica.load_access()
    [mirror] = [j for j, s in ana.context.sharing.disclosures().items() if s.kind == "mirror"]
    async with serving(HostileServer(live_server.url), set()) as hostile:
        hostile.replies["/v1/journals/list"] = hiding(mirror)
        phone = await Client.login(
            hostile.url, "ana", PASSWORD, home=tmp_path / "phone",
            minimum_cost=INSECURE_TEST_COST,
        )  # fmt: skip
        try:
            await phone.sync()
            personal = bytes.fromhex((await phone.journals.get("Personal")).id)
            await phone.context.replica.load_access()
            state = phone.context.replica.chains.state(personal)
            assert current_readers(state, 2**62) == ["drlee"]
            await ana.journals.delete("Night", discard_undelivered=True)
            await phone.entries.write("Night", "Only for me, at night.")
            await phone.sync()
            [kept] = await phone.set_aside()
            assert await phone.default_readers(kept.record_id) == ["drlee"]
            with pytest.raises(InvalidInput) as refused:
                await phone.move_set_aside(kept.record_id)
            assert refused.value.subject == "wider default"
            await phone.sync()
        finally:
            await phone.close()
    await ana.sync()
    await drlee.sync()
    assert "Only for me, at night." not in [e.body for e in await drlee.entries.list()]
