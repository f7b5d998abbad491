"""Journal metadata (the sealed name) is stored only when sealed under the journal's current
key epoch, checked in the write's own transaction like a push's records (R21 F1): a device
that missed a rotation cannot store a name under a key a revoked member kept. The server
reads only the metadata's clear 4-byte epoch prefix (protocol.md 4.14)."""

from __future__ import annotations

from typing import Any

import pytest

from client_sdk import Client, wire
from server import routes
from tests.conftest import RunningServer
from tests.server.raw import Answer, RawClient, journal_id, sealed_meta, snapshot
from tests.server.test_push_races import ben_annotates_at_epoch_1, chain_length, rotation

BACKENDS = pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)


async def stored_meta(server: RunningServer, journal: bytes) -> tuple[bytes, int]:
    [(meta, version)] = await server.rows(
        "SELECT meta, meta_version FROM journals WHERE journal_id = ?", journal
    )
    return bytes(meta), int(version)


@BACKENDS
async def test_metadata_sealed_under_an_earlier_epoch_is_refused(
    live_server: RunningServer, raw: RawClient, ana: Client, ben: Client
) -> None:
    journal = await ben_annotates_at_epoch_1(live_server, raw, ana, ben)
    before = await snapshot(live_server)
    for epoch in (0, 2):
        request = wire.JournalMetaRequest(journal, sealed_meta(epoch))
        answer = await raw.call("/v1/journals/meta", request, token=ana.profile.token)
        assert answer.error() == (409, "stale_epoch")
    assert await snapshot(live_server) == before
    request = wire.JournalMetaRequest(journal, sealed_meta(1, 44))
    answer = await raw.call("/v1/journals/meta", request, token=ana.profile.token)
    assert answer.status == 200, answer.value()
    assert await stored_meta(live_server, journal) == (sealed_meta(1, 44), 3)


@BACKENDS
async def test_a_rotation_between_the_check_and_the_write_of_metadata_refuses_it(
    live_server: RunningServer, raw: RawClient, ana: Client, ben: Client
) -> None:
    """The order a check outside the transaction would let through: the metadata (sealed
    under epoch 1) is on its way to the storage, the owner revokes ben (epoch 2), then the
    write's transaction runs: refused, the rotation's metadata stays."""
    journal = await ben_annotates_at_epoch_1(live_server, raw, ana, ben)
    storage = live_server.server.app[routes.SERVICE].storage
    real = storage.update_meta
    rotations: list[Answer] = []

    async def rotated_first(*args: Any, **kwargs: Any) -> None:
        after = await chain_length(live_server, journal)
        request = rotation(journal, 2, ana, ben, False, after)
        rotations.append(await raw.call("/v1/journals/rotate", request, token=ana.profile.token))
        await real(*args, **kwargs)

    setattr(storage, "update_meta", rotated_first)  # noqa: B010 (one instance)
    try:
        request = wire.JournalMetaRequest(journal, sealed_meta(1, 44))
        answer = await raw.call("/v1/journals/meta", request, token=ana.profile.token)
    finally:
        delattr(storage, "update_meta")
    assert [r.status for r in rotations] == [200]
    assert answer.error() == (409, "stale_epoch")
    assert (await stored_meta(live_server, journal))[0] == sealed_meta(2)


async def test_a_rotation_or_creation_with_metadata_of_another_epoch_is_refused(
    live_server: RunningServer, raw: RawClient, ana: Client, ben: Client
) -> None:
    journal = await journal_id(ana)
    before = await snapshot(live_server)
    after = await chain_length(live_server, journal)
    wrong = wire.RotateRequest(
        journal, 1, sealed_meta(0), rotation(journal, 1, ana, ben, True, after).keys, after, [b"e"]
    )
    answer = await raw.call("/v1/journals/rotate", wrong, token=ana.profile.token)
    assert answer.error() == (409, "stale_epoch")
    create = wire.JournalCreateRequest(
        b"\x07" * 16, wire.KeyEnvelope(0, bytes(40)), sealed_meta(1), [b"c"]
    )
    answer = await raw.call("/v1/journals/create", create, token=ana.profile.token)
    assert answer.error() == (409, "stale_epoch")
    assert await snapshot(live_server) == before


@BACKENDS
async def test_a_member_cannot_set_metadata_even_under_the_current_epoch(
    live_server: RunningServer, raw: RawClient, ana: Client, ben: Client
) -> None:
    journal = await ben_annotates_at_epoch_1(live_server, raw, ana, ben)
    before = await snapshot(live_server)
    request = wire.JournalMetaRequest(journal, sealed_meta(1))
    answer = await raw.call("/v1/journals/meta", request, token=ben.profile.token)
    assert answer.error() == (403, "forbidden")
    assert await snapshot(live_server) == before


@BACKENDS
async def test_metadata_is_stored_only_over_the_meta_version_the_request_names(
    live_server: RunningServer, raw: RawClient, ana: Client, ben: Client
) -> None:
    """A rename made from metadata another device replaced since (W4): the request names
    the `meta_version` it read, and the server refuses it (409 `meta_changed`) once that is
    no longer the journal's, storing nothing. A request that names none (an older client,
    the field left out) is stored whatever the version, as before."""
    journal = await ben_annotates_at_epoch_1(live_server, raw, ana, ben)
    _, version = await stored_meta(live_server, journal)
    before = await snapshot(live_server)
    for stale in (version - 1, version + 1):
        request = wire.JournalMetaRequest(journal, sealed_meta(1, 44), stale)
        answer = await raw.call("/v1/journals/meta", request, token=ana.profile.token)
        assert answer.error() == (409, "meta_changed")
    assert await snapshot(live_server) == before
    request = wire.JournalMetaRequest(journal, sealed_meta(1, 44), version)
    answer = await raw.call("/v1/journals/meta", request, token=ana.profile.token)
    assert answer.status == 200, answer.value()
    assert await stored_meta(live_server, journal) == (sealed_meta(1, 44), version + 1)
    older_client = {"journal_id": journal, "meta": sealed_meta(1, 45)}
    answer = await raw.call("/v1/journals/meta", older_client, token=ana.profile.token)
    assert answer.status == 200, answer.value()
    assert await stored_meta(live_server, journal) == (sealed_meta(1, 45), version + 2)
