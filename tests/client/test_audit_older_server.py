"""The audit log (`shares.log`, /v1/shares/audit) from a server released before the request's
`with_erased` flag: its strict decoder refuses the unknown field (400 `invalid_field`,
protocol.md 2.2), and the SDK asks once more without it, then without it for the client's
life. Real server on 127.0.0.1; the hostile proxy stands for the older server by renaming the
field to one today's server does not know either, which gets exactly that answer."""

from __future__ import annotations

import msgpack
import pytest

from client_sdk import InvalidInput
from tests.client.hostile import HostileServer, Through, hostile, through  # noqa: F401
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory

AUDIT = "/v1/shares/audit"


def as_a_server_before_with_erased(body: bytes) -> bytes:
    request = msgpack.unpackb(body, raw=False)
    if "with_erased" in request:
        request["with_erased_unknown_before_it"] = request.pop("with_erased")
    packed: bytes = msgpack.packb(request, use_bin_type=True)
    return packed


async def test_the_audit_log_is_read_from_a_server_that_does_not_know_with_erased(
    hostile: HostileServer,  # noqa: F811
    through: Through,  # noqa: F811
    signup: ClientFactory,
) -> None:
    ana = await through("ana")
    tom = await signup("tom")
    await ana.entries.write(None, "Before the session")
    await share_with(ana, tom, role="read")
    await ana.sync()
    await tom.sync()
    hostile.requests[AUDIT] = as_a_server_before_with_erased
    [fetch] = await ana.shares.log("Personal")
    assert (fetch.member, fetch.erased) == ("tom", False)
    assert hostile.paths.count(AUDIT) == 2  # refused with the field, then asked without
    assert [await ana.shares.log("Personal")] == [[fetch]]
    assert hostile.paths.count(AUDIT) == 3  # remembered: asked without it at once
    assert all(b"with_erased" not in body for body in hostile.bodies(AUDIT))


async def test_another_refusal_of_the_audit_request_is_not_retried_without_end(
    hostile: HostileServer,  # noqa: F811
    through: Through,  # noqa: F811
) -> None:
    """A request the server refuses for another field fails after the one retry."""
    ana = await through("ana")
    await ana.sync()

    def bad_journal_id(body: bytes) -> bytes:
        request = msgpack.unpackb(body, raw=False)
        request["journal_id"] = b"short"
        packed: bytes = msgpack.packb(request, use_bin_type=True)
        return packed

    hostile.requests[AUDIT] = bad_journal_id
    with pytest.raises(InvalidInput) as refused:
        await ana.shares.log("Personal")
    assert refused.value.code == "invalid_field"
    assert hostile.paths.count(AUDIT) == 2
