"""A journal rotated past what a journal list carries: new devices still read its oldest
records (issue 9, continuity after R9 finding 1).

A journal list carries only the newest epochs' key envelopes of a journal
(`Settings.listed_key_bytes`, 256 KiB by default: a thousand rotations or more) and says
`keys_complete: false`; a device that meets a record under an older epoch fetches the missing
envelopes from /v1/journals/keys and verifies them. Here the cap is set low (a test setting,
like the quotas of tests/server/test_quotas.py) so that twenty real rotations, made and
verified by the SDK, pass it; tests/server/test_key_pages.py pages a journal past the
default cap. Real server on 127.0.0.1, both storage backends.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from client_sdk import Client, wire
from tests.client.sharing_support import share_with
from tests.conftest import BACKENDS, ClientFactory, RunningServer
from tests.server.servers import serving

LISTED_KEY_BYTES = 1024  # three share envelopes, or fourteen of the owner's key wraps
ROTATIONS = 20


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def live_server(tmp_path: Path, database_url: str | None) -> AsyncIterator[RunningServer]:
    """The test server with a journal list that carries LISTED_KEY_BYTES of a journal's
    envelopes."""
    async with serving(tmp_path, database_url, listed_key_bytes=LISTED_KEY_BYTES) as server:
        yield server


@dataclass(frozen=True)
class Rotated:
    owner: Client
    member: Client
    journal_id: bytes


async def rotated_journal(signup: ClientFactory) -> Rotated:
    """ana's "Personal": a record at epoch 0, shared with tom, a record at the share's epoch,
    ROTATIONS rotations, and a record at the newest epoch; both synced."""
    ana, tom = await signup("ana"), await signup("tom")
    await ana.entries.write("Personal", "before the share")
    await ana.sync()
    await share_with(ana, tom)
    await ana.entries.write("Personal", "first shared")
    await ana.sync()
    local = await ana.context.local_journal("Personal")
    for _ in range(ROTATIONS):
        await ana.replica.rotate(local)
    await ana.entries.write("Personal", "newest")
    await ana.sync()
    await tom.sync()
    return Rotated(ana, tom, local.journal_id)


async def listed_journal(server: RunningServer, client: Client, journal: bytes) -> wire.Journal:
    """The journal's entry in the client's journal list, as the server sends it."""
    async with aiohttp.ClientSession() as session:
        async with session.post(
            server.url + "/v1/journals/list",
            data=wire.encode(wire.ListRequest()),
            headers={
                "Content-Type": "application/msgpack",
                "Authorization": f"Bearer {client.profile.token}",
            },
        ) as response:
            assert response.status == 200
            listing = wire.decode(wire.JournalList, await response.read())
    [found] = [j for j in listing.journals if j.journal_id == journal]
    return found


async def test_new_devices_of_the_owner_and_of_a_member_read_the_oldest_records(
    live_server: RunningServer, signup: ClientFactory, login: ClientFactory
) -> None:
    rotated = await rotated_journal(signup)
    ana, tom = rotated.owner, rotated.member

    for client, first in ((ana, 0), (tom, 1)):
        listed = await listed_journal(live_server, client, rotated.journal_id)
        assert not listed.keys_complete, "the list must have cut the envelopes for this test"
        assert listed.keys[0].epoch > first, "the oldest readable epoch is not in the list"
        assert listed.epoch == ROTATIONS + 1

    phone = await login("ana")
    report = await phone.sync()
    assert not report.problems, report.problems
    bodies = sorted(e.body for e in await phone.entries.list())
    assert bodies == ["before the share", "first shared", "newest"]
    held = {e for (j, e) in await phone.store.journal_keys() if j == rotated.journal_id}
    assert held == set(range(ROTATIONS + 2)), "every epoch's key, each verified and kept"

    tablet = await login("tom", "tablet")
    report = await tablet.sync()
    assert not report.problems, report.problems
    bodies = sorted(e.body for e in await tablet.entries.list())
    assert bodies == ["before the share", "first shared", "newest"]  # a grant re-seals


async def test_the_first_device_of_a_member_reads_records_of_every_epoch_after_many_rotations(
    live_server: RunningServer, signup: ClientFactory
) -> None:
    """tom's own device synced only before and after the rotations: the records written in
    between are under epochs the journal list no longer carries."""
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom)
    await tom.sync()
    local = await ana.context.local_journal("Personal")
    written = []
    for n in range(8):
        written.append(f"session {n}")
        await ana.entries.write("Personal", written[-1])
        await ana.sync()
        await ana.replica.rotate(local)
    assert not (await listed_journal(live_server, tom, local.journal_id)).keys_complete
    report = await tom.sync()
    assert not report.problems, report.problems
    assert sorted(e.body for e in await tom.entries.list()) == written
