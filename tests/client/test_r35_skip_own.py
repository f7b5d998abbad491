"""R35 (hostile review of issue 10, `skip_own`): findings as failing tests.

Real server on loopback, real crypto; the proxy stands for a server released before issue 10.
"""

from __future__ import annotations

from pathlib import Path

import msgpack

from client_sdk import INSECURE_TEST_COST, Client
from tests.client.hostile import HostileServer, hostile  # noqa: F401  (fixture)
from tests.conftest import PASSWORD, ClientFactory


def as_a_server_before_issue_10(body: bytes) -> bytes:
    """A server from before issue 10 has no `skip_own` in its SyncRequest: its decoder (the
    same `wire_decoding.message` as today, protocol.md 2.2) answers an unknown field with
    400 `invalid_field`. Renaming the key to one today's server does not know either gets
    exactly that answer from the real server."""
    request = msgpack.unpackb(body, raw=False)
    if "skip_own" in request:
        request["skip_own_unknown_before_issue_10"] = request.pop("skip_own")
    packed: bytes = msgpack.packb(request, use_bin_type=True)
    return packed


async def test_the_sdk_still_syncs_with_a_server_that_does_not_know_skip_own(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """protocol.md "Own records as stubs": "A server that does not know the field ignores it
    and sends records whole, which a client handles as before." But every server of this
    protocol refuses an unknown field (protocol.md 2.2, `invalid_field`), so a new SDK against
    a server not yet upgraded fails every sync of an owner's journal."""
    laptop = await signup("ana")
    await laptop.entries.write(None, "written before the server upgrade")
    await laptop.sync(strict=True)
    hostile.requests["/v1/sync"] = as_a_server_before_issue_10
    phone = await Client.login(
        hostile.url,
        "ana",
        PASSWORD,
        home=tmp_path / "ana-phone",
        device_name="phone",
        minimum_cost=INSECURE_TEST_COST,
    )
    try:
        await phone.sync(strict=True)  # first pull: cursor 0 in its own journal
        await phone.entries.write(None, "written on the phone")
        report = await phone.sync(strict=True)
        assert report.pushed == 1
        assert sorted(e.body for e in await phone.entries.list()) == [
            "written before the server upgrade",
            "written on the phone",
        ]
    finally:
        await phone.close()
