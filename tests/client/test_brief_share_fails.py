"""A brief whose share fails after its journal was made leaves no journal behind that the
client's briefs would list as shared (NU19 C16); real server behind the misbehaving proxy."""

from __future__ import annotations

import pytest

from client_sdk import TJError
from tests.client.hostile import HostileServer, Through, hostile, through  # noqa: F401


async def test_a_brief_whose_share_fails_is_removed_with_its_journal(
    hostile: HostileServer,  # noqa: F811
    through: Through,  # noqa: F811
) -> None:
    ana = await through("ana")
    drsmith = await through("drsmith")
    await ana.entries.write(None, "A day.", mood=5)
    await ana.sync()
    before = {j.id for j in await ana.journals.list()}
    fingerprint = await drsmith.shares.fingerprint()

    async def refuse() -> None:
        raise RuntimeError("the proxy drops this request")  # the proxy answers 500

    hostile.holds["/v1/journals/rotate"] = refuse  # how a new share is granted
    with pytest.raises(TJError):
        await ana.briefs.share(
            await ana.briefs.prepare(journals=["Personal"]), "drsmith", fingerprint=fingerprint
        )
    assert "/v1/journals/create" in hostile.paths  # the brief's journal was made, then...
    assert "/v1/journals/delete" in hostile.paths  # ...deleted when the share failed
    del hostile.holds["/v1/journals/rotate"]
    assert {j.id for j in await ana.journals.list()} == before
    assert await ana.briefs.received() == []

    shared = await ana.briefs.share(
        await ana.briefs.prepare(journals=["Personal"]), "drsmith", fingerprint=fingerprint
    )
    assert shared.member == "drsmith"
    await drsmith.sync()
    assert [b.client for b in await drsmith.briefs.received()] == ["ana"]
