"""The body of a /v1/sync request decoded once (issue 10's no-op sync: a device asks the
same every few seconds): the same bytes again are the message they decoded to, any other
bytes are decoded and checked as always, and a body that does not decode is refused every
time it comes. Real server on 127.0.0.1, real SQLite."""

from __future__ import annotations

from typing import Any

import aiohttp
import msgpack
import pytest

from client_sdk import wire
from server import routes
from tests.conftest import RunningServer
from tests.server.raw import RawClient
from tests.server.test_hostile_bodies import signed_in


@pytest.fixture
def decoded(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The /v1/sync bodies the server decodes, in order (the kept ones forgotten first)."""
    routes._kept_sync_request.cache_clear()
    found: list[bytes] = []
    decode = wire.decode

    def counted(kind: Any, raw: bytes) -> Any:
        if kind is wire.SyncRequest:
            found.append(raw)
        return decode(kind, raw)

    monkeypatch.setattr(wire, "decode", counted)
    return found


async def test_the_same_sync_body_again_is_not_decoded_again(
    live_server: RunningServer, decoded: list[bytes]
) -> None:
    token = await signed_in(live_server.url)
    same = msgpack.packb({"cursors": [], "limit": 100})
    other = msgpack.packb({"cursors": [], "limit": 99})
    async with aiohttp.ClientSession() as session:
        raw = RawClient(session, live_server.url)
        answers = [await raw.send("/v1/sync", body, token=token) for body in (same, same, other)]
    assert [a.status for a in answers] == [200, 200, 200]
    assert answers[0].body == answers[1].body == answers[2].body  # no journal: nothing, done
    assert decoded == [same, other]


@pytest.mark.parametrize(
    "body, code",
    [
        (msgpack.packb({"cursors": [], "limit": 0}), "invalid_field"),  # limit below 1
        (msgpack.packb({"cursors": []}), "missing_field"),
        (b"\xc1", "malformed_body"),
    ],
)
async def test_a_sync_body_that_does_not_decode_is_refused_each_time(
    live_server: RunningServer, decoded: list[bytes], body: bytes, code: str
) -> None:
    token = await signed_in(live_server.url)
    async with aiohttp.ClientSession() as session:
        raw = RawClient(session, live_server.url)
        answers = [await raw.send("/v1/sync", body, token=token) for _ in range(2)]
    assert [(a.status, a.value()["code"]) for a in answers] == [(400, code)] * 2
    assert decoded == [body, body]


async def test_a_large_sync_body_is_not_kept(
    live_server: RunningServer, decoded: list[bytes]
) -> None:
    token = await signed_in(live_server.url)
    cursors = [{"journal_id": bytes([n]) * 16, "after": 0} for n in range(60)]
    large = msgpack.packb({"cursors": cursors, "limit": 100})
    assert len(large) > routes.KEPT_SYNC_BYTES
    async with aiohttp.ClientSession() as session:
        raw = RawClient(session, live_server.url)
        for _ in range(2):
            answer = await raw.send("/v1/sync", large, token=token)
            assert answer.status == 403  # journals this account does not read
    assert decoded == [large, large]


async def test_the_same_sync_body_from_another_account_is_decoded_for_it(
    live_server: RunningServer, decoded: list[bytes]
) -> None:
    """The kept message is per account (rev32b F2): tom sending the very bytes ana sent gets
    them decoded for him (no object, no time saved, shared across accounts); ana's and
    tom's own repeats are kept."""
    ana = await signed_in(live_server.url, "ana")
    tom = await signed_in(live_server.url, "tom")
    same = msgpack.packb({"cursors": [], "limit": 100})
    async with aiohttp.ClientSession() as session:
        raw = RawClient(session, live_server.url)
        answers = [await raw.send("/v1/sync", same, token=t) for t in (ana, tom, ana, tom)]
    assert [a.status for a in answers] == [200] * 4
    assert decoded == [same, same]
    kept = [routes.sync_request(same, account) for account in (b"a" * 16, b"t" * 16)]
    assert kept[0] == kept[1] and kept[0] is not kept[1]


def test_a_sync_body_of_40_journals_is_kept() -> None:
    """KEPT_SYNC_BYTES fits the device of a therapist with thirty clients and more: 40
    cursors at the largest counters, with an `after_journal`, are kept (rev32b F2)."""
    cursors = [wire.Cursor(bytes([n]) * 16, 2**63 - 1) for n in range(40)]
    body = wire.encode(wire.SyncRequest(cursors, 100, b"\xff" * 16, True))
    assert len(body) <= routes.KEPT_SYNC_BYTES
    routes._kept_sync_request.cache_clear()
    assert routes.sync_request(body, b"a" * 16) is routes.sync_request(body, b"a" * 16)
