"""Per-account quotas: over a limit the answer is 413 (or 429 for a rate) with its own code,
the SDK raises QuotaExceeded (or RateLimited), and nothing of the request is stored."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import aiohttp
import nacl.signing
import pytest

from client_sdk import Client, QuotaExceeded, RateLimited, wire
from server.service import CHALLENGE_CONTEXT, frame
from server.storage.base import inherited_account
from tests.conftest import RunningServer
from tests.server.conftest import Serve
from tests.server.raw import (
    RawClient,
    journal_id,
    push,
    sealed_meta,
    signed_signup,
    snapshot,
    stored_records,
    upload,
)
from tests.server.servers import login, signup


class Raw:
    def __init__(self, url: str) -> None:
        self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True))
        self.client = RawClient(self._session, url)

    async def __aenter__(self) -> RawClient:
        return self.client

    async def __aexit__(self, *exc: object) -> None:
        await self._session.close()


async def test_journals_per_account(serve: Serve, tmp_path: Path) -> None:
    async with serve(max_journals=3) as server:
        ana = await signup(server.url, tmp_path, "ana")  # owns "Personal"
        await ana.journals.create("Dreams")
        await ana.journals.create("Work")
        before = await snapshot(server)
        with pytest.raises(QuotaExceeded) as refused:
            await ana.journals.create("One too many")
        assert refused.value.code == "journal_quota_exceeded"
        assert (await snapshot(server)) == before
        await ana.close()


async def test_devices_per_account(serve: Serve, tmp_path: Path) -> None:
    async with serve(max_devices=2) as server:
        laptop = await signup(server.url, tmp_path, "ana")
        phone = await login(server.url, tmp_path, "ana", device="phone")
        before = await snapshot(server)
        with pytest.raises(QuotaExceeded) as refused:
            await login(server.url, tmp_path, "ana", device="tablet")
        assert refused.value.code == "device_quota_exceeded"
        assert (await snapshot(server))["devices"] == before["devices"]
        await phone.logout()  # a revoked device frees its place
        tablet = await login(server.url, tmp_path, "ana", device="tablet")
        for client in (laptop, phone, tablet):
            await client.close()


async def test_stored_bytes_per_account(serve: Serve, tmp_path: Path) -> None:
    async with serve(max_stored_bytes=10_000) as server, Raw(server.url) as raw:
        ana = await signup(server.url, tmp_path, "ana")
        journal = await journal_id(ana)
        assert (await push(raw, ana, journal, [upload(1, size=4000)])).status == 200
        assert (await push(raw, ana, journal, [upload(2, size=4000)])).status == 200
        before = await stored_records(server, journal)
        answer = await push(raw, ana, journal, [upload(3, size=1000), upload(4, size=1001)])
        assert answer.error() == (413, "storage_quota_exceeded")
        assert (await stored_records(server, journal)) == before  # nothing partial
        # A retry of a stored batch costs nothing; a batch that fits goes in.
        assert (await push(raw, ana, journal, [upload(2, size=4000)])).status == 200
        assert (await push(raw, ana, journal, [upload(3, size=2000)])).status == 200
        # Compaction frees the bytes of the records it deletes.
        compact = {
            "journal_id": journal,
            "snapshot": upload(9, size=100),
            "supersedes": [upload(n)["record_id"] for n in (1, 2, 3)],
        }
        token = ana.profile.token
        assert (await raw.call("/v1/records/compact", compact, token=token)).status == 200
        assert (await push(raw, ana, journal, [upload(10, size=9000)])).status == 200
        await ana.close()


async def test_records_per_minute(serve: Serve, tmp_path: Path) -> None:
    async with serve(max_records_per_minute=500) as server, Raw(server.url) as raw:
        ana = await signup(server.url, tmp_path, "ana")
        journal = await journal_id(ana)
        # The start of the next minute: creating the default journal counted in this one.
        server.clock.now += 60_000 - server.clock.now % 60_000
        answer = await push(raw, ana, journal, [upload(n) for n in range(1, 451)])
        assert answer.status == 200
        server.clock.now += 15_000
        answer = await push(raw, ana, journal, [upload(n) for n in range(451, 552)])
        assert answer.error() == (429, "write_rate_exceeded")
        assert answer.headers["Retry-After"] == "45"
        assert len(await stored_records(server, journal)) == 450
        # Exactly at the limit is allowed; one record more is not.
        assert (await push(raw, ana, journal, [upload(n) for n in range(451, 501)])).status == 200
        answer = await push(raw, ana, journal, [upload(501)])
        assert answer.error() == (429, "write_rate_exceeded")
        assert len(await stored_records(server, journal)) == 500
        server.clock.now += 45_000  # the next minute
        assert (await push(raw, ana, journal, [upload(n) for n in range(501, 602)])).status == 200
        await ana.close()


async def test_bytes_per_minute_and_the_sdk_error(serve: Serve, tmp_path: Path) -> None:
    limit = 16 * 1024 * 1024
    async with serve(max_bytes_per_minute=limit) as server, Raw(server.url) as raw:
        server.clock.now -= server.clock.now % 60_000
        ana = await signup(server.url, tmp_path, "ana")
        journal = await journal_id(ana)
        big = 256 * 1024
        first = [upload(n, size=big) for n in range(1, 62)]  # 15.25 MiB
        assert (await push(raw, ana, journal, first)).status == 200
        answer = await push(raw, ana, journal, [upload(n, size=big) for n in range(62, 66)])
        assert answer.error() == (429, "write_rate_exceeded")
        # The SDK meets the same limit as a typed error that says how long to wait.
        records = [wire.RecordUpload(bytes([n]) * 16, 0, bytes(200_000)) for n in range(1, 5)]
        with pytest.raises(RateLimited) as refused:
            await ana.transport.call(
                "/v1/records/push", wire.PushRequest(journal, records), wire.PushReply
            )
        assert refused.value.code == "write_rate_exceeded"
        assert 0 < refused.value.retry_after <= 60
        await ana.close()


async def test_shares_one_account_can_grant(serve: Serve, tmp_path: Path) -> None:
    async with serve(max_shares=1) as server:
        ana = await signup(server.url, tmp_path, "ana")
        ben = await signup(server.url, tmp_path, "ben")
        cat = await signup(server.url, tmp_path, "cat")
        await ana.shares.grant("Personal", "ben", trust_on_first_use=True, full=True)
        before = (await snapshot(server))["members"]
        with pytest.raises(QuotaExceeded) as refused:
            await ana.shares.grant("Personal", "cat", trust_on_first_use=True, full=True)
        assert refused.value.code == "share_quota_exceeded"
        assert (await snapshot(server))["members"] == before
        # Changing an existing member's share is not a new grant.
        await ana.shares.grant(
            "Personal", "ben", role="annotate", trust_on_first_use=True, full=True
        )
        for client in (ana, ben, cat):
            await client.close()


async def test_identity_lookups_are_rate_limited(serve: Serve, tmp_path: Path) -> None:
    async with serve(identity_lookups_per_minute=3) as server:
        server.clock.now -= server.clock.now % 60_000
        ana = await signup(server.url, tmp_path, "ana")
        for _ in range(3):
            await ana.sharing.identity("ana")
        with pytest.raises(RateLimited) as refused:
            await ana.sharing.identity("ana")
        assert refused.value.code == "lookup_rate_exceeded"
        assert refused.value.retry_after == 60
        server.clock.now += 60_000
        await ana.sharing.identity("ana")
        await ana.close()


def test_limits_below_one_full_push_are_refused() -> None:
    from server.service import Settings

    with pytest.raises(ValueError):
        Settings(max_records_per_minute=499)
    with pytest.raises(ValueError):
        Settings(trusted_proxies=("not an address",))


async def writes_this_minute(server: RunningServer, client: Client) -> int:
    """What the account's write window holds for the server clock's minute: its records
    and its other write requests (R9B finding 8)."""
    rows = await server.rows(
        "SELECT window_start, requests FROM rate_windows WHERE subject = ?",
        "write:" + client.profile.account_id.hex(),
    )
    minute = server.clock.now - server.clock.now % 60_000
    return sum(int(requests) for start, requests in rows if int(start) == minute)


async def test_a_sync_over_the_write_rate_backs_off_and_pushes_later(
    serve: Serve, tmp_path: Path
) -> None:
    """A 429 write_rate_exceeded is transient: the sync waits Retry-After and pushes again,
    nothing is set aside, and nothing written on the device is lost."""
    async with serve(max_records_per_minute=500) as server, Raw(server.url) as raw:
        ana = await signup(server.url, tmp_path, "ana")
        await ana.sync()
        journal = await journal_id(ana)
        # One second before the end of a minute whose whole write allowance is spent.
        server.clock.now += 59_000 - server.clock.now % 60_000
        spent = await writes_this_minute(server, ana)
        answer = await push(raw, ana, journal, [upload(n) for n in range(1, 501 - spent)])
        assert answer.status == 200
        await ana.entries.write("Personal", "Written while the account is over its write rate.")
        waits: list[float] = []

        async def next_minute(seconds: float) -> None:
            """The push's wait (pushing.py), but the server's clock moves on instead."""
            waits.append(seconds)
            server.clock.now += int(seconds * 1000)

        ana.replica.sleep = next_minute
        report = await ana.sync()
        assert waits and waits[0] >= 1.0, "the first push was not refused: the test proves nothing"
        assert report.set_aside == []
        assert report.pushed >= 1
        assert [e.body for e in await ana.entries.list("Personal")] == [
            "Written while the account is over its write rate."
        ]
        fresh = await login(server.url, tmp_path, "ana", device="tablet")
        await fresh.sync()
        assert [e.body for e in await fresh.entries.list("Personal")] == [
            "Written while the account is over its write rate."
        ]
        for client in (ana, fresh):
            await client.close()


async def test_over_the_storage_quota_a_revocation_goes_through_but_no_member_is_added(
    serve: Serve, tmp_path: Path
) -> None:
    """Access chains and envelopes count in the stored bytes (R9 finding 2), but a rotation
    that only removes members is never refused: a revocation must always go through. One
    that also adds a member is refused over the quota, so removals cannot be looped to grow
    the chain without end."""
    async with serve(max_stored_bytes=64 * 1024) as server, Raw(server.url) as raw:
        ana = await signup(server.url, tmp_path, "ana")
        ben = await signup(server.url, tmp_path, "ben")
        cat = await signup(server.url, tmp_path, "cat")
        journal = os.urandom(wire.ID_BYTES)
        owner = ana.profile.account_id
        create = wire.JournalCreateRequest(
            journal, wire.KeyEnvelope(0, bytes(40)), bytes(40), [bytes(40)]
        )
        assert (
            await raw.call("/v1/journals/create", create, token=ana.profile.token)
        ).status == 200

        def rotation(
            epoch: int, length: int, members: list[bytes], chain: int
        ) -> wire.RotateRequest:
            keys = [wire.MemberKey(owner, bytes(40), "owner", 0)]
            keys += [wire.MemberKey(m, bytes(40), "read", 0) for m in members]
            return wire.RotateRequest(
                journal, epoch, sealed_meta(epoch), keys, length, [bytes(4096)] * chain
            )

        ben_id, cat_id = ben.profile.account_id, cat.profile.account_id
        answer = await raw.call(
            "/v1/journals/rotate", rotation(1, 1, [ben_id], 1), token=ana.profile.token
        )
        assert answer.status == 200, answer.value()
        # Fill the quota with chain entries, until a growing rotation is refused.
        epoch, length = 1, 2
        for _ in range(64):
            answer = await raw.call(
                "/v1/journals/rotate",
                rotation(epoch + 1, length, [ben_id], 16),
                token=ana.profile.token,
            )
            if answer.status != 200:
                break
            epoch, length = epoch + 1, length + 16
        assert answer.error() == (413, "storage_quota_exceeded")
        # Swapping ben for cat (a removal that adds) is refused too...
        swap = rotation(epoch + 1, length, [cat_id], 16)
        assert (await raw.call("/v1/journals/rotate", swap, token=ana.profile.token)).error() == (
            413,
            "storage_quota_exceeded",
        )
        # ... but removing ben goes through, over the quota.
        revoke = rotation(epoch + 1, length, [], 1)
        assert (
            await raw.call("/v1/journals/rotate", revoke, token=ana.profile.token)
        ).status == 200
        members = await server.rows("SELECT account_id FROM members WHERE journal_id = ?", journal)
        assert [bytes(m) for (m,) in members] == [owner]
        for client in (ana, ben, cat):
            await client.close()


async def test_departed_members_bytes_fill_at_most_the_owners_inherited_allowance(
    serve: Serve, tmp_path: Path
) -> None:
    """R9B FINDING 5: what a departing member pushed moves to the owner's inherited bytes, an
    allowance beside its own quota and as large: the owner's own writes are never refused
    for it. A member whose records no longer fit stays charged for them. When the owner
    compacts inherited records away, the allowance is free again; a former member's erasure
    leaves what it had handed over in the journal (continuity of care)."""
    quota = 1024 * 1024
    async with serve(max_stored_bytes=quota) as server, Raw(server.url) as raw:
        login_key = nacl.signing.SigningKey.generate()
        first_signup = signed_signup("therapist")
        first_signup["login_public_key"] = login_key.verify_key.encode()
        owner, first, second = [
            (await raw.call("/v1/auth/signup", body)).value()
            for body in (signed_signup("client"), first_signup, signed_signup("coach"))
        ]
        journal = os.urandom(wire.ID_BYTES)
        create = wire.JournalCreateRequest(
            journal, wire.KeyEnvelope(0, bytes(40)), bytes(40), [b"c"]
        )
        assert (await raw.call("/v1/journals/create", create, token=owner["token"])).status == 200
        keys = [wire.MemberKey(owner["account_id"], bytes(40), "owner", 0)] + [
            wire.MemberKey(member["account_id"], bytes(40), "annotate", 0)
            for member in (first, second)
        ]
        rotation = wire.RotateRequest(journal, 1, sealed_meta(1), keys, 1, [b"g"])
        assert (await raw.call("/v1/journals/rotate", rotation, token=owner["token"])).status == 200

        async def usage(account: dict[str, Any]) -> int:
            rows = await server.rows(
                "SELECT stored_bytes FROM account_usage WHERE account_id = ?", account["account_id"]
            )
            return int(rows[0][0]) if rows else 0

        notes: dict[str, list[dict[str, Any]]] = {}
        for member in (first, second):
            notes[member["token"]] = [
                {"record_id": os.urandom(16), "epoch": 1, "ciphertext": os.urandom(200 * 1024)}
                for _ in range(3)
            ]  # 600 KiB each
            body = {"journal_id": journal, "records": notes[member["token"]]}
            assert (await raw.call("/v1/records/push", body, token=member["token"])).status == 200
        before = await usage(owner)
        for member in (first, second):
            left = await raw.call(
                "/v1/shares/leave", {"journal_id": journal}, token=member["token"]
            )
            assert left.status == 200, left.value()
        assert await usage(owner) == before  # the owner's own quota takes none of it
        assert await usage(first) == 0  # handed over: the allowance had room
        assert await usage(second) == 600 * 1024  # no room left: still charged to it
        own = [
            {"record_id": os.urandom(16), "epoch": 1, "ciphertext": os.urandom(225 * 1024)}
            for _ in range(4)
        ]  # 900 KiB of the owner's own
        body = {"journal_id": journal, "records": own}
        assert (await raw.call("/v1/records/push", body, token=owner["token"])).status == 200
        # The first member's erasure leaves the notes it handed over.
        records = len(await stored_records(server, journal))
        challenge = (
            await raw.call("/v1/auth/challenge", {"username": "therapist", "purpose": "delete"})
        ).value()
        message = frame(
            CHALLENGE_CONTEXT, b"therapist", challenge["server_id"], b"delete",
            challenge["challenge"],
        )  # fmt: skip
        erase = wire.AccountDeleteRequest(challenge["challenge"], login_key.sign(message).signature)
        erased = await raw.call("/v1/account/delete", erase, token=first["token"])
        assert erased.status == 200, erased.value()
        assert len(await stored_records(server, journal)) == records
        # The owner compacts the inherited notes into a small snapshot of its own: the
        # allowance is free again, and the owner pays only for the snapshot.
        compact = {
            "journal_id": journal,
            "snapshot": {"record_id": os.urandom(16), "epoch": 1, "ciphertext": bytes(100)},
            "supersedes": [note["record_id"] for note in notes[first["token"]]],
        }
        answer = await raw.call("/v1/records/compact", compact, token=owner["token"])
        assert answer.status == 200, answer.value()
        inherited = await server.rows(
            "SELECT COUNT(*) FROM records WHERE pushed_by = ?",
            inherited_account(owner["account_id"]),
        )
        assert inherited[0][0] == 0
        assert await usage(owner) == before + 900 * 1024 + 100
