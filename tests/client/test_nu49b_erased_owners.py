"""NU49 F6: /v1/account/known, the question that tells a therapist's device that a former
client erased her account after her share ended, is the server's word for words only
(real server on loopback behind a hostile proxy, real crypto)."""

from __future__ import annotations

from pathlib import Path

import pytest

from client_sdk import INSECURE_TEST_COST, Client, departures, wire
from client_sdk.caseload import ERASED_UNLISTED, UNLISTED_ENDED
from client_sdk.models import now_ms
from tests.client.hostile import HostileServer, serving
from tests.client.sharing_support import share_with
from tests.conftest import PASSWORD, ClientFactory, RunningServer


def nobody(request: bytes, reply: bytes) -> bytes:
    """A reply that says none of the accounts asked about exists any more."""
    return wire.encode(wire.AccountsKnown([]))


async def test_a_server_claiming_former_clients_erased_changes_no_trust_and_no_copy(
    signup: ClientFactory,
    live_server: RunningServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A hostile server that answers /v1/account/known "none of them" is never asked about
    a client whose share goes on (kim), so her row says nothing of it; of a client whose
    share ended (lea), its claim only words the caseload's tag and `with_me`'s mark: her
    pin stays verified, her copy stays read, and the true answer, asked a week later (not
    before), takes the words back."""
    kim, lea = await signup("kim"), await signup("lea")
    async with serving(HostileServer(live_server.url)) as hostile:
        drsmith = await Client.signup(
            hostile.url, "drsmith", PASSWORD, home=tmp_path / "drsmith", kdf_cost=INSECURE_TEST_COST
        )
        try:
            for client in (kim, lea):
                await share_with(client, drsmith)
                await drsmith.shares.verify(
                    client.profile.username, await client.shares.fingerprint()
                )
                await client.entries.write(None, "Before.", mood=4)
                await client.sync()
            await drsmith.sync()
            hostile.replies["/v1/account/known"] = nobody
            assert await drsmith.shares.ask_erased_owners() == []  # nothing ended: not asked
            assert hostile.bodies("/v1/account/known") == []

            await lea.shares.revoke("Personal", "drsmith")
            await drsmith.sync()  # asks identity-by-id for lea: the real answer, she exists
            clock = [now_ms() + departures.ASK_AGAIN_MS]  # asked again a week on
            monkeypatch.setattr("client_sdk.sharing.now_ms", lambda: clock[0])
            assert await drsmith.shares.ask_erased_owners() == [lea.profile.account_id.hex()]
            [asked] = hostile.bodies("/v1/account/known")
            assert wire.decode(wire.AccountsRequest, asked).account_ids == [lea.profile.account_id]
            rows = {r.client: r for r in await drsmith.caseload.list()}
            assert rows["lea"].flags[0] == ERASED_UNLISTED and rows["lea"].owner_verified
            assert ERASED_UNLISTED not in rows["kim"].flags and not rows["kim"].share_ended
            shared = {s.owner: s for s in await drsmith.shares.with_me(refresh=False)}
            assert shared["lea"].owner_erased and shared["lea"].owner_verified
            assert not shared["kim"].owner_erased
            pinned = await drsmith.store.peer(lea.profile.account_id)
            assert pinned is not None and pinned.verified
            copy = [e.body for e in await drsmith.entries.list(shared["lea"].name)]
            assert copy == ["Before."]

            assert await drsmith.shares.ask_erased_owners() == []  # asked: not again yet
            assert len(hostile.bodies("/v1/account/known")) == 1
            del hostile.replies["/v1/account/known"]  # the truth: lea's account exists
            clock[0] += departures.ASK_AGAIN_MS  # and again another week on
            assert await drsmith.shares.ask_erased_owners() == []
            assert len(hostile.bodies("/v1/account/known")) == 2
            rows = {r.client: r for r in await drsmith.caseload.list()}
            assert rows["lea"].unlisted and rows["lea"].flags[0] == UNLISTED_ENDED
        finally:
            await drsmith.close()
