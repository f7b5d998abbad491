"""/v1/journals/keys: the key envelopes a journal list leaves out, a bounded page at a time.

A journal list carries at most `Settings.listed_key_bytes` (256 KiB by default) of one
journal's envelopes, the newest epochs' (R9 finding 1), and says `keys_complete: false` when
it cut older ones; the key endpoint serves the caller's own envelopes of a journal it reads,
oldest first, at most `wire.MAX_KEY_PAGE` a reply. The envelopes are put straight into the
database (the server never opens one, so random bytes do), as many as a journal rotated past
the list's default cap has; everything is asserted through HTTP. Both backends.
"""

from __future__ import annotations

import os
from typing import Any

from client_sdk import Client, wire
from tests.conftest import RunningServer
from tests.server.raw import RawClient, journal_id
from tests.server.test_paged_lists import insert

EPOCHS = 1_200  # 1,200 envelopes of 300 bytes: 360,000 bytes, past the 256 KiB cap
ENVELOPE_BYTES = 300


async def rotated_past_the_cap(server: RunningServer, client: Client) -> tuple[bytes, list[bytes]]:
    """The client's journal with envelopes for epochs 0..EPOCHS-1 (epoch 0's is the real one
    the SDK made); the envelopes, by epoch."""
    journal = await journal_id(client)
    [(first,)] = await server.rows(
        "SELECT envelope FROM journal_keys WHERE journal_id = ? AND account_id = ?",
        journal,
        client.profile.account_id,
    )
    envelopes = [bytes(first)] + [os.urandom(ENVELOPE_BYTES) for _ in range(1, EPOCHS)]
    rows = [(journal, client.profile.account_id, e, envelopes[e]) for e in range(1, EPOCHS)]
    await insert(server, "journal_keys", rows)
    return journal, envelopes


def listed(answer_value: Any, journal: bytes) -> dict[str, Any]:
    [entry] = [j for j in answer_value["journals"] if j["journal_id"] == journal]
    assert isinstance(entry, dict)
    return entry


async def every_page(
    raw: RawClient, client: Client, journal: bytes, **bounds: int
) -> tuple[list[dict[str, Any]], int]:
    """Every envelope of the range through /v1/journals/keys, and how many replies it took."""
    keys: list[dict[str, Any]] = []
    start, replies = bounds.pop("from_epoch", 0), 0
    while True:
        request = {"journal_id": journal, "from_epoch": start, **bounds}
        answer = await raw.call("/v1/journals/keys", request, token=client.profile.token)
        assert answer.status == 200, answer.body[:200]
        page = answer.value()
        replies += 1
        assert len(page["keys"]) <= wire.MAX_KEY_PAGE
        keys += page["keys"]
        if page["done"]:
            return keys, replies
        assert page["keys"], "a page that is not the last holds at least one envelope"
        start = page["keys"][-1]["epoch"] + 1


async def test_a_journal_rotated_past_the_lists_cap_is_listed_incomplete_and_paged_whole(
    live_server: RunningServer, raw: RawClient, ana: Client
) -> None:
    journal, envelopes = await rotated_past_the_cap(live_server, ana)
    answer = await raw.call("/v1/journals/list", {}, token=ana.profile.token)
    entry = listed(answer.value(), journal)
    assert entry["keys_complete"] is False
    epochs = [key["epoch"] for key in entry["keys"]]
    assert epochs == list(range(epochs[0], EPOCHS)), "the newest epochs, in order"
    assert sum(len(key["envelope"]) for key in entry["keys"]) <= 256 * 1024
    assert epochs[0] > 0, "the oldest envelopes are left out of the list"

    keys, replies = await every_page(raw, ana, journal)
    assert [key["epoch"] for key in keys] == list(range(EPOCHS))
    assert [key["envelope"] for key in keys] == envelopes
    assert replies == -(-EPOCHS // wire.MAX_KEY_PAGE)

    # A range and a smaller page: what a device missing epochs 10..29 asks.
    keys, replies = await every_page(raw, ana, journal, from_epoch=10, to_epoch=29, limit=7)
    assert [key["epoch"] for key in keys] == list(range(10, 30))
    assert replies == 3


async def test_a_journal_within_the_cap_is_listed_complete(raw: RawClient, ana: Client) -> None:
    journal = await journal_id(ana)
    answer = await raw.call("/v1/journals/list", {}, token=ana.profile.token)
    entry = listed(answer.value(), journal)
    assert "keys_complete" not in entry, "complete is the default, left out of the message"
    assert [key["epoch"] for key in entry["keys"]] == [0]
    keys, _ = await every_page(raw, ana, journal)
    assert keys == entry["keys"]


async def test_a_member_pages_only_its_own_envelopes(
    live_server: RunningServer, raw: RawClient, ana: Client, ben: Client
) -> None:
    """ben reads ana's journal: the endpoint gives him his envelopes, never ana's."""
    journal, anas = await rotated_past_the_cap(live_server, ana)
    await insert(live_server, "members", [(journal, ben.profile.account_id, "read", 0)])
    bens = {e: os.urandom(ENVELOPE_BYTES) for e in range(500, 520)}
    await insert(
        live_server,
        "journal_keys",
        [(journal, ben.profile.account_id, e, v) for e, v in bens.items()],
    )
    keys, _ = await every_page(raw, ben, journal)
    assert {key["epoch"]: key["envelope"] for key in keys} == bens
    anas_bytes = set(anas)
    assert not [key for key in keys if key["envelope"] in anas_bytes]


async def test_another_account_cannot_read_envelopes_through_the_key_endpoint(
    live_server: RunningServer, raw: RawClient, ana: Client, ben: Client
) -> None:
    """ben asks for ana's envelopes: the same answer as for a journal that does not exist,
    and none of ana's bytes."""
    journal, envelopes = await rotated_past_the_cap(live_server, ana)
    asked = await raw.call("/v1/journals/keys", {"journal_id": journal}, token=ben.profile.token)
    unknown = await raw.call(
        "/v1/journals/keys", {"journal_id": os.urandom(16)}, token=ben.profile.token
    )
    assert asked.error() == (403, "forbidden")
    assert (asked.status, asked.value()) == (unknown.status, unknown.value())
    assert not [e for e in envelopes if e in asked.body]

    # Nor as a former member: membership ended, so did its envelopes.
    await insert(live_server, "members", [(journal, ben.profile.account_id, "read", 1)])
    expired = await raw.call("/v1/journals/keys", {"journal_id": journal}, token=ben.profile.token)
    assert expired.error() == (403, "forbidden")


async def test_a_key_range_that_ends_before_it_starts_is_refused(
    raw: RawClient, ana: Client
) -> None:
    journal = await journal_id(ana)
    request = {"journal_id": journal, "from_epoch": 5, "to_epoch": 4}
    answer = await raw.call("/v1/journals/keys", request, token=ana.profile.token)
    assert answer.error() == (400, "invalid_field")
    too_many = {"journal_id": journal, "limit": wire.MAX_KEY_PAGE + 1}
    answer = await raw.call("/v1/journals/keys", too_many, token=ana.profile.token)
    assert answer.error() == (400, "invalid_field")
