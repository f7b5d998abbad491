"""Every refusal has one shape: a msgpack map with exactly `code` and `message`, both strings.

One request per status class the server answers with; clients (and protocol.md) rely on it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import msgpack
import pytest

from client_sdk import Client, wire
from tests.server.raw import MSGPACK, Answer, RawClient, journal_id, pack, upload

Request = Callable[[RawClient, Client, Client], Awaitable[Answer]]


async def bad_request(raw: RawClient, ana: Client, ben: Client) -> Answer:
    return await raw.send("/v1/auth/prelogin", b"\xc1 not msgpack")


async def unauthorized(raw: RawClient, ana: Client, ben: Client) -> Answer:
    return await raw.call("/v1/sync", wire.SyncRequest([], 10))


async def forbidden(raw: RawClient, ana: Client, ben: Client) -> Answer:
    message = {"journal_id": await journal_id(ana), "records": [upload(1)]}
    return await raw.call("/v1/records/push", message, token=ben.profile.token)


async def not_found(raw: RawClient, ana: Client, ben: Client) -> Answer:
    return await raw.call("/v1/no/such/endpoint", {}, token=ana.profile.token)


async def method_not_allowed(raw: RawClient, ana: Client, ben: Client) -> Answer:
    return await raw.send("/v1/sync", b"", method="GET", token=ana.profile.token)


async def conflict(raw: RawClient, ana: Client, ben: Client) -> Answer:
    journal = await journal_id(ben)
    message = wire.JournalCreateRequest(
        journal, wire.KeyEnvelope(0, bytes(40)), bytes(40), [bytes(40)]
    )
    return await raw.call("/v1/journals/create", message, token=ana.profile.token)


async def too_large(raw: RawClient, ana: Client, ben: Client) -> Answer:
    body = pack({"username": "ana", "padding": bytes(wire.MAX_BODY_BYTES)})
    return await raw.send("/v1/auth/prelogin", body)


async def unsupported_media_type(raw: RawClient, ana: Client, ben: Client) -> Answer:
    return await raw.send("/v1/auth/prelogin", b'{"username": "ana"}', content_type="text/json")


REQUESTS: dict[int, Request] = {
    400: bad_request,
    401: unauthorized,
    403: forbidden,
    404: not_found,
    405: method_not_allowed,
    409: conflict,
    413: too_large,
    415: unsupported_media_type,
}


@pytest.mark.parametrize("status", REQUESTS)
async def test_an_error_is_a_msgpack_map_of_exactly_code_and_message(
    status: int, raw: RawClient, ana: Client, ben: Client
) -> None:
    answer = await REQUESTS[status](raw, ana, ben)
    assert answer.status == status
    assert answer.content_type == MSGPACK
    error = msgpack.unpackb(answer.body, raw=False)
    assert isinstance(error, dict)
    assert set(error) == {"code", "message"}
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    assert answer.shape_problem() is None  # and the code is one of the documented ones
    assert wire.decode(wire.ErrorReply, answer.body) == wire.ErrorReply(**error)
