"""R43: a removal pushed under the journal's old key while another device shares the journal,
the server hiding it from the sharing device until the share is made. Real server on
127.0.0.1 behind a lying proxy, real crypto. Fails on integ4 at c848ad6 (see
/work/R43-FINDINGS.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from client_sdk import INSECURE_TEST_COST, Client
from tests.client.hostile import HostileServer
from tests.client.sharing_support import share_with
from tests.conftest import PASSWORD, ClientFactory


@pytest.mark.xfail(
    strict=True,
    reason="R43 F2: a pre-cut record of this account the sharing device had not pulled at "
    "its share (server delay or race) is sealed under an epoch the member never holds, and "
    "no owner device carries it across the cut: tom reads the entry live although it was "
    "trashed before the share",
)
async def test_r43_a_trash_hidden_from_the_sharing_device_until_the_share_reaches_the_member(
    hostile: HostileServer, signup: ClientFactory, tmp_path: Path
) -> None:
    """The laptop trashes an entry and pushes the trash (old key). The server answers the
    phone's pulls with its last empty reply until the phone has shared the journal with tom
    (a delay, as any slow replica gives): the phone's snapshot for tom holds the entry live.
    The trash then arrives on the phone under the old key, which tom never holds: nothing
    carries it to tom, who reads the entry the client put in the trash before the share."""
    laptop = await signup("ana", "laptop")
    phone = await Client.login(
        hostile.url,
        "ana",
        PASSWORD,
        home=tmp_path / "ana-phone-via-proxy",
        device_name="phone",
        minimum_cost=INSECURE_TEST_COST,
    )
    try:
        entry = await laptop.entries.write(None, "Monday. About my brother.", title="Hard day")
        await laptop.sync()
        await phone.sync()
        await phone.sync()  # nothing new: the reply the server will replay
        empty = hostile.replies_to("/v1/sync")[-1]
        await laptop.entries.delete(entry.id)
        await laptop.sync()  # the trash is on the server, under the key before the share
        hostile.replies["/v1/sync"] = lambda _, __: empty  # "nothing new" (a delay)
        tom = await signup("tom")
        await share_with(phone, tom, role="annotate")
        del hostile.replies["/v1/sync"]
        for _ in range(2):
            for device in (laptop, phone, tom):
                await device.sync()
        assert [e.id for e in await phone.entries.trash()] == [entry.id]
        assert await tom.entries.list() == []  # the trashed entry, readable, on integ4
    finally:
        await phone.close()
