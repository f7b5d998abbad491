"""A safety flag that left the device, whose journal is no longer listed here before its
first judgement (the sync that sent it was cut off; then the server left the journal out of
its list: withheld, or deleted on another device) was kept in FLAGS_SENT unjudged and without bound, and nothing was said. It is now
judged once as "delivery unknown" (told: `SyncReport.undelivered_flags`, cause
DELIVERY_UNKNOWN, "tell them yourself"), then judged no more after JUDGED_FOR_MS and dropped.
A flag judged while its journal was listed, whose journal goes afterwards, keeps its bound
(JUDGED_FOR_MS from that first judgement), told nothing more (real server on loopback, real
crypto; hostile proxy)."""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from client_sdk import INSECURE_TEST_COST, Client, NetworkError, RetryPolicy, wire
from client_sdk.safety import DELIVERY_UNKNOWN, FLAGS_SENT, JUDGED_FOR_MS
from tests.client.hostile import HostileServer, serving
from tests.client.sharing_support import journal_id, share_with
from tests.client.test_nu43_findings import hiding
from tests.conftest import PASSWORD, ClientFactory, RunningServer

# Replies are lost or requests failed here to test what the retry does, not how long it
# waits: every client retries with QUICK_RETRY (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("quick_retries")

ITEM_9 = [1, 1, 1, 1, 1, 1, 1, 1, 2]


async def held(client: Client) -> dict[str, object]:
    found = json.loads(await client.store.setting(FLAGS_SENT) or "{}")
    assert isinstance(found, dict)
    return found


def fail_pulls(proxy: HostileServer) -> list[bool]:
    """While armed: every /v1/sync is forwarded but answered 503 (a sync cut off after its
    push was answered: the flag left, and no judgement ran)."""
    armed = [True]
    forward = proxy.forward

    async def failed(session: aiohttp.ClientSession, request: web.Request) -> web.Response:
        reply = await forward(session, request)
        if armed[0] and request.path == "/v1/sync":
            error = wire.encode(wire.ErrorReply("unavailable", "try later"))
            return web.Response(status=503, body=error, content_type="application/msgpack")
        return reply

    proxy.forward = failed  # type: ignore[method-assign]
    return armed


def later_by(monkeypatch: pytest.MonkeyPatch, ms: int) -> None:
    """This process's device clocks `ms` later, as the judgement after a sync reads them."""
    from client_sdk import client, safety_path

    real = safety_path.now_ms
    for module in (client, safety_path):
        monkeypatch.setattr(module, "now_ms", lambda: real() + ms)


async def test_a_flag_whose_journal_the_server_hides_as_it_leaves_is_told_once_then_dropped(
    signup: ClientFactory,
    live_server: RunningServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    laptop, drsmith = await signup("ana"), await signup("drsmith")
    await laptop.journals.create("Work")
    await share_with(laptop, drsmith, role="annotate", journal="Work")
    await laptop.safety.set_plan(journal="Work", share_flags=True)
    await laptop.sync()
    work = await journal_id(laptop, "Work")
    async with serving(HostileServer(live_server.url)) as hostile:
        phone = await Client.login(
            hostile.url, "ana", PASSWORD, home=tmp_path / "phone", minimum_cost=INSECURE_TEST_COST
        )
        try:
            await phone.sync()
            taken = await phone.measures.take("phq9", ITEM_9, journal="Work")
            flag_id = (await phone.safety.respond(taken.result)).flag_id
            assert flag_id is not None
            failing = fail_pulls(hostile)  # the push is answered, the pull is not
            with pytest.raises(NetworkError):
                await phone.sync(retry=RetryPolicy(attempts=1))
            failing[0] = False
            assert not await phone.safety.waiting(flag_id)  # it left, not judged yet
            hostile.replies["/v1/journals/list"] = hiding(work)  # withheld, or deleted
            await phone.replica.refresh_journals()
            report = await phone.sync()
            [told] = report.undelivered_flags
            assert (told.flag_id, told.cause, told.surely) == (flag_id, DELIVERY_UNKNOWN, False)
            line = told.line()
            assert "left this device, but Work is no longer on the server" in line, line
            assert "cannot tell whether it reached drsmith" in line, line
            assert "tell them yourself" in line and "was deleted" not in line, line
            assert told.to_dict()["ended_at"] is None
            assert (await phone.sync()).undelivered_flags == []  # told once
            assert flag_id in await held(phone)  # kept, judged, for JUDGED_FOR_MS

            later_by(monkeypatch, JUDGED_FOR_MS + 60_000)
            await phone.entries.write(None, "A month later.")  # a sync that sends something
            assert (await phone.sync()).undelivered_flags == []
            assert flag_id not in await held(phone)  # bounded: dropped once told
        finally:
            await phone.close()
    await drsmith.sync()
    assert flag_id in {f.id for f in await drsmith.safety.flags()}  # it was delivered


async def test_a_flag_judged_before_its_journal_went_is_dropped_after_the_bound_untold(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    laptop, drsmith = await signup("ana"), await signup("drsmith")
    await laptop.journals.create("Work")
    await share_with(laptop, drsmith, role="annotate", journal="Work")
    await laptop.safety.set_plan(journal="Work", share_flags=True)
    await laptop.sync()
    phone = await login("ana")
    await phone.sync()
    taken = await phone.measures.take("phq9", ITEM_9, journal="Work")
    flag_id = (await phone.safety.respond(taken.result)).flag_id
    assert flag_id is not None
    assert (await phone.sync()).undelivered_flags == []  # judged: delivered
    assert flag_id in await held(phone)
    await laptop.journals.delete("Work", discard_undelivered=True)
    assert (await phone.sync()).undelivered_flags == []  # judged before: not told now
    later_by(monkeypatch, JUDGED_FOR_MS + 60_000)
    await phone.entries.write(None, "A month later.")
    await phone.sync()
    assert flag_id not in await held(phone)  # bounded, where it was kept for good
