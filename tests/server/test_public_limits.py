"""The public endpoints that write or answer "does this name exist?" are limited per client
address (R9 finding 4): signups an hour, tested here with its production default
(TEST_SETTINGS raises it, because every other test signs up from 127.0.0.1). Login
challenges (R9 finding 7) are stateless and write nothing, from any number of addresses.
The server's clock is injected, no test sleeps."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest

from client_sdk import INSECURE_TEST_COST, Client, RateLimited
from server.service import Settings
from tests.client.test_account_delete import snapshot
from tests.conftest import PASSWORD, RunningServer
from tests.server.conftest import Serve
from tests.server.raw import RawClient, pack, signed_signup

DEFAULTS = Settings()
SIGNUPS = {"signups_per_address_per_hour": DEFAULTS.signups_per_address_per_hour}


async def test_signup_is_not_an_unlimited_username_oracle(
    serve: Serve, raw_session: aiohttp.ClientSession
) -> None:
    """R9 FINDING 4: /v1/auth/signup answered 409 `username_taken` for a real name, without a
    session and without any limit, while /v1/account/identity (the same question) needs a
    session and allows 60 a minute. One address asks about 120 names here; the names that
    were free would be registered by the prober (squatting), and each new account brings a
    fresh set of every per-account quota."""
    async with serve(**SIGNUPS) as server:
        raw = RawClient(raw_session, server.url)
        for name in ("ana", "ben", "cat"):
            assert (await raw.call("/v1/auth/signup", signed_signup(name))).status == 200
        answers = []
        for _round in range(40):
            for name in ("ana", "ben", "cat"):
                answers.append((await raw.call("/v1/auth/signup", signed_signup(name))).error())
        created = [
            (await raw.call("/v1/auth/signup", signed_signup(f"squat-{n}"))).status
            for n in range(100)
        ]
        assert answers.count((409, "username_taken")) <= 60, (
            f"{answers.count((409, 'username_taken'))} of {len(answers)} unthrottled "
            "signup probes said 'username_taken'"
        )
        assert created.count(200) <= 20, f"one address created {created.count(200)} accounts"


async def test_signups_per_address_are_limited_with_429_and_retry_after(
    serve: Serve, raw_session: aiohttp.ClientSession
) -> None:
    async with serve(signups_per_address_per_hour=3) as server:
        raw = RawClient(raw_session, server.url)
        answers = [await raw.call("/v1/auth/signup", signed_signup(f"new{n}")) for n in range(3)]
        assert [answer.status for answer in answers] == [200] * 3
        server.clock.now -= server.clock.now % 3_600_000  # the start of an hour window
        server.clock.now += 3_600_000
        answers = [await raw.call("/v1/auth/signup", signed_signup(f"next{n}")) for n in range(4)]
        assert [answer.status for answer in answers] == [200] * 3 + [429]
        refused = answers[-1]
        assert refused.error() == (429, "signup_throttled")
        assert refused.headers["Retry-After"] == "3600"
        assert "try again in 3600 s" in refused.value()["message"]
        # A taken name is not revealed while throttled: the limit answers first.
        assert (await raw.call("/v1/auth/signup", signed_signup("new0"))).error() == (
            429,
            "signup_throttled",
        )
        # A refused signup stored nothing; the name is free once the window has passed.
        assert await server.rows("SELECT username FROM accounts WHERE username = 'next3'") == []
        server.clock.now += 3_600_000
        assert (await raw.call("/v1/auth/signup", signed_signup("next3"))).status == 200


async def test_a_bad_signup_does_not_use_up_the_addresss_signups(
    serve: Serve, raw_session: aiohttp.ClientSession
) -> None:
    """Bodies refused before the name is looked up (a cost out of bounds, a bad identity)
    answer nothing about names, so they do not count."""
    async with serve(signups_per_address_per_hour=1) as server:
        raw = RawClient(raw_session, server.url)
        for _ in range(3):
            bad = await raw.call("/v1/auth/signup", signed_signup("ana", 2**32 - 1, 2**62))
            assert bad.error() == (400, "invalid_kdf_cost")
        assert (await raw.call("/v1/auth/signup", signed_signup("ana"))).status == 200


async def test_the_sdk_raises_rate_limited_saying_when_to_sign_up_again(
    serve: Serve, tmp_path: Path
) -> None:
    async with serve(signups_per_address_per_hour=1) as server:
        first = await Client.signup(
            server.url, "ana", PASSWORD, home=tmp_path / "ana", kdf_cost=INSECURE_TEST_COST
        )
        await first.close()
        with pytest.raises(RateLimited) as refused:
            await Client.signup(
                server.url, "ben", PASSWORD, home=tmp_path / "ben", kdf_cost=INSECURE_TEST_COST
            )
        assert refused.value.code == "signup_throttled"
        assert refused.value.retry_after > 0
        assert "new accounts from one address" in str(refused.value)
        assert "try again after" in str(refused.value)
        assert not (tmp_path / "ben" / "profile").exists()


def sqlite_files(server: RunningServer) -> dict[str, bytes]:
    """The SQLite database file and its write-ahead log, byte for byte (not the -shm index,
    which readers write too)."""
    paths = [server.data_dir / "journal.db", server.data_dir / "journal.db-wal"]
    return {path.name: path.read_bytes() for path in paths if path.exists()}


async def test_a_challenge_flood_from_many_addresses_writes_nothing(
    serve: Serve, raw_session: aiohttp.ClientSession
) -> None:
    """R9 FINDING 7, whole: /v1/auth/challenge stored a row per challenge; a limit per
    address left a prober with many addresses free to fill the table. Challenges are now a
    MAC by the server secret (protocol.md /v1/auth/challenge): 2,000 challenges asked from
    500 addresses (behind a trusted proxy, so each counts as its own client), for a real
    name and for unknown ones, every purpose, leave every row of every table, and the SQLite
    files byte for byte, as they were."""
    async with serve(trusted_proxies=("127.0.0.1",), purge_interval_ms=3_600_000) as server:
        raw = RawClient(raw_session, server.url)
        assert (await raw.call("/v1/auth/signup", signed_signup("ana"))).status == 200
        before = await snapshot(server)
        files = sqlite_files(server) if server.backend == "sqlite" else {}
        assert sum(map(len, before.values())) > 0  # the state compared is not empty

        async def ask(n: int) -> tuple[int, bytes]:
            name = "ana" if n % 4 == 0 else f"ghost-{n}"
            body = {"username": name, "purpose": ("login", "recover", "password", "delete")[n % 4]}
            address = (
                f"203.0.{n % 250}.{n % 500 // 250 + 1}" if n % 2 else f"2001:db8:{n % 500:x}::1"
            )
            answer = await raw.send(
                "/v1/auth/challenge", pack(body), headers={"X-Forwarded-For": address}
            )
            return answer.status, answer.value()["challenge"] if answer.status == 200 else b""

        answers: list[tuple[int, bytes]] = []
        for start in range(0, 2000, 50):
            answers += await asyncio.gather(*(ask(n) for n in range(start, start + 50)))
        assert [status for status, _ in answers] == [200] * 2000
        assert len({challenge for _, challenge in answers}) == 2000  # each one new
        assert await snapshot(server) == before
        if server.backend == "sqlite":
            assert sqlite_files(server) == files


async def test_signups_are_counted_per_client_behind_a_trusted_proxy_only(
    serve: Serve, raw_session: aiohttp.ClientSession
) -> None:
    """Behind a declared proxy each client (X-Forwarded-For, read from the right) has its
    own signups; without one, a forged header does not give a prober new addresses."""

    async def from_client(raw: RawClient, name: str, forwarded: str) -> tuple[int, str]:
        headers = {"X-Forwarded-For": forwarded}
        answer = await raw.send("/v1/auth/signup", pack(signed_signup(name)), headers=headers)
        return (200, "") if answer.status == 200 else answer.error()

    async with serve(signups_per_address_per_hour=1, trusted_proxies=("127.0.0.1",)) as server:
        raw = RawClient(raw_session, server.url)
        answers = [await from_client(raw, f"client{n}", f"203.0.113.{n}") for n in range(3)]
        assert answers == [(200, "")] * 3  # one client address each
        again = await from_client(raw, "client9", "198.51.100.7, 203.0.113.1")  # forged on the left
        assert again == (429, "signup_throttled")
    async with serve(signups_per_address_per_hour=1) as server:
        raw = RawClient(raw_session, server.url)
        answers = [await from_client(raw, f"direct{n}", f"203.0.113.{n}") for n in range(2)]
        assert answers == [(200, ""), (429, "signup_throttled")]  # all from 127.0.0.1
