"""A hostile server answering /v1/journals/keys: it cannot hang a device, withhold the owner's
keys unnoticed, or substitute a key (issue 9).

A new device meets records under epochs the journal list left out (`listed_key_bytes` set
low, so that a dozen real rotations pass it) and pages the missing envelopes through the
rewriting proxy of tests/client/hostile.py. Each lie ends in a reported problem for the
records it concerns, within one bounded sync; the device stores no envelope that failed, and
the records it holds keys for are read as usual. Real server on 127.0.0.1, real crypto.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from client_sdk import INSECURE_TEST_COST, Client, SyncReport, wire
from tests.client.hostile import HostileServer
from tests.client.sharing_support import share_with
from tests.conftest import PASSWORD, ClientFactory, RunningServer
from tests.server.servers import serving

LISTED_KEY_BYTES = 700  # nine of the owner's key wraps, two share envelopes
ROTATIONS = 12
HANG = 60.0  # bounds a hang only
KEYS = "/v1/journals/keys"
Rewrite = Callable[[wire.KeyPageRequest, wire.KeyPage], wire.KeyPage]


@pytest.fixture
async def live_server(tmp_path: Path) -> AsyncIterator[RunningServer]:
    async with serving(tmp_path, listed_key_bytes=LISTED_KEY_BYTES) as server:
        yield server


@dataclass(frozen=True)
class Setup:
    ana: Client
    tom: Client
    journal_id: bytes


async def rotated(signup: ClientFactory) -> Setup:
    """ana's "Personal": "oldest" at epoch 0, shared with tom at epoch 1 ("first shared"),
    ROTATIONS rotations, then "newest"."""
    ana, tom = await signup("ana"), await signup("tom")
    await ana.journals.create("Work")
    await ana.entries.write("Personal", "oldest")
    await ana.sync()
    await share_with(ana, tom)
    await ana.entries.write("Personal", "first shared")
    await ana.sync()
    local = await ana.context.local_journal("Personal")
    for _ in range(ROTATIONS):
        await ana.replica.rotate(local)
    await ana.entries.write("Personal", "newest")
    await ana.sync()
    return Setup(ana, tom, local.journal_id)


def rewrite_keys(hostile: HostileServer, rewrite: Rewrite) -> None:
    def replace(request: bytes, reply: bytes) -> bytes:
        asked = wire.decode(wire.KeyPageRequest, request)
        return wire.encode(rewrite(asked, wire.decode(wire.KeyPage, reply)))

    hostile.replies[KEYS] = replace


async def new_device(hostile: HostileServer, tmp_path: Path, username: str) -> Client:
    return await Client.login(
        hostile.url,
        username,
        PASSWORD,
        home=tmp_path / f"{username}-new-via-proxy",
        device_name="new",
        minimum_cost=INSECURE_TEST_COST,
    )


async def sync_through(
    hostile: HostileServer, tmp_path: Path, username: str
) -> tuple[Client, SyncReport, list[str]]:
    """A new device of `username` syncs once through the hostile server: it, its report and
    the bodies of the entries it reads."""
    device = await new_device(hostile, tmp_path, username)
    async with asyncio.timeout(HANG):
        report = await device.sync()
    return device, report, sorted(e.body for e in await device.entries.list())


async def held_epochs(device: Client, journal: bytes) -> set[int]:
    return {epoch for (j, epoch) in await device.store.journal_keys() if j == journal}


async def refused_for_the_oldest_record(
    hostile: HostileServer,
    tmp_path: Path,
    setup: Setup,
    reason: str,
    readable: tuple[str, ...] = ("newest",),
    refused_epoch: int = 0,
) -> None:
    """ana's new device reads `readable` ("newest": its epoch's envelope is listed), reports
    the records under the refused epochs with `reason`, stores no envelope of
    `refused_epoch`, and asked the key endpoint a bounded number of times."""
    device, report, bodies = await sync_through(hostile, tmp_path, "ana")
    try:
        assert bodies == sorted(readable)
        assert report.problems, "the records under the refused epochs are reported"
        assert all(reason in problem for problem in report.problems), report.problems
        assert refused_epoch not in await held_epochs(device, setup.journal_id)
        assert len(hostile.bodies(KEYS)) <= 3, "one walk, asked once for the whole range"
    finally:
        await device.close()


async def test_a_server_that_withholds_the_owners_older_envelopes_is_reported(
    signup: ClientFactory, hostile: HostileServer, tmp_path: Path
) -> None:
    """The server answers "done" with no envelope: the owner is sealed into every epoch, so
    the device reports the withholding instead of a record it merely cannot open."""
    setup = await rotated(signup)
    rewrite_keys(hostile, lambda asked, page: wire.KeyPage([], True))
    await refused_for_the_oldest_record(hostile, tmp_path, setup, "withheld")


async def test_a_server_that_repeats_a_key_page_forever_is_refused(
    signup: ClientFactory, hostile: HostileServer, tmp_path: Path
) -> None:
    setup = await rotated(signup)
    first: list[wire.KeyPage] = []

    def repeat(asked: wire.KeyPageRequest, page: wire.KeyPage) -> wire.KeyPage:
        first.append(page)
        return wire.KeyPage(first[0].keys[:1], False)  # epoch 0 again, and "there is more"

    rewrite_keys(hostile, repeat)
    # Epoch 0's envelope came once, verified: "oldest" is read; the repeat is refused.
    await refused_for_the_oldest_record(
        hostile, tmp_path, setup, "a repeated page", ("oldest", "newest"), refused_epoch=1
    )


async def test_a_server_that_never_finishes_a_key_walk_is_refused(
    signup: ClientFactory, hostile: HostileServer, tmp_path: Path
) -> None:
    """Empty pages that are never the last: the walk stops at the first one."""
    setup = await rotated(signup)
    rewrite_keys(hostile, lambda asked, page: wire.KeyPage([], False))
    await refused_for_the_oldest_record(hostile, tmp_path, setup, "was not the last")


async def test_a_key_page_with_an_epoch_outside_the_range_asked_is_refused(
    signup: ClientFactory, hostile: HostileServer, tmp_path: Path
) -> None:
    setup = await rotated(signup)

    def beyond(asked: wire.KeyPageRequest, page: wire.KeyPage) -> wire.KeyPage:
        extra = wire.KeyEnvelope(asked.to_epoch + 1, page.keys[-1].envelope)
        return wire.KeyPage([*page.keys, extra], True)

    rewrite_keys(hostile, beyond)
    await refused_for_the_oldest_record(hostile, tmp_path, setup, "outside the range")


async def test_another_journals_envelope_under_this_journal_is_refused(
    live_server: RunningServer, signup: ClientFactory, hostile: HostileServer, tmp_path: Path
) -> None:
    """The server serves ana's key wrap of her journal "Work" as epoch 0 of "Personal": the
    wrap's associated data names the journal (4.12), so it does not open."""
    setup = await rotated(signup)
    work = bytes.fromhex((await setup.ana.journals.get("Work")).id)
    [(other,)] = await live_server.rows(
        "SELECT envelope FROM journal_keys WHERE journal_id = ? AND epoch = 0", work
    )

    def substitute(asked: wire.KeyPageRequest, page: wire.KeyPage) -> wire.KeyPage:
        keys = [
            wire.KeyEnvelope(k.epoch, bytes(other) if k.epoch == 0 else k.envelope)
            for k in page.keys
        ]
        return wire.KeyPage(keys, page.done)

    rewrite_keys(hostile, substitute)
    await refused_for_the_oldest_record(hostile, tmp_path, setup, "were refused")


async def test_another_epochs_envelope_is_refused_for_the_owner_and_for_a_member(
    signup: ClientFactory, hostile: HostileServer, tmp_path: Path
) -> None:
    """Each envelope the server sends is served as the epoch before its own: the owner's
    wrap binds its epoch in the associated data (4.12), a member's share envelope in the
    owner's signature (4.13)."""
    setup = await rotated(signup)

    def shifted(asked: wire.KeyPageRequest, page: wire.KeyPage) -> wire.KeyPage:
        keys = page.keys[1:]
        return wire.KeyPage(
            [wire.KeyEnvelope(k.epoch - 1, k.envelope) for k in keys] + page.keys[-1:], page.done
        )

    rewrite_keys(hostile, shifted)
    await refused_for_the_oldest_record(hostile, tmp_path, setup, "were refused")

    tablet, report, bodies = await sync_through(hostile, tmp_path, "tom")
    try:
        assert "newest" in bodies and "first shared" not in bodies
        assert report.problems
        assert all("were refused" in problem for problem in report.problems), report.problems
        assert 1 not in await held_epochs(tablet, setup.journal_id)
    finally:
        await tablet.close()
