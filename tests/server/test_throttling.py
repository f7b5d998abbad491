"""Failed logins are throttled per username and per client address, with growing delays;
the answer is 429 `login_throttled` with Retry-After; the SDK raises RateLimited; the right
password works again once the delay has passed. The clock is the server's injected clock: no
test sleeps."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

import aiohttp
import pytest

from client_sdk import INSECURE_TEST_COST, AuthError, Client, RateLimited, wire
from server.throttle import address_buckets, client_address, delay_ms, parse_networks
from tests.conftest import PASSWORD, RunningServer
from tests.server.conftest import Serve
from tests.server.raw import Answer, RawClient, pack, plain, signed_signup
from tests.server.servers import login, signup

WRONG = "not the password"
LIMITS = {
    "login_free_failures_per_user": 3,
    "login_free_failures_per_address": 1000,
    "login_delay_base_ms": 1000,
    "login_delay_max_ms": 8000,
}
devices = itertools.count()


async def attempt(server: RunningServer, tmp_path: Path, username: str, password: str) -> None:
    client = await login(server.url, tmp_path, username, password, device=f"d{next(devices)}")
    await client.close()


def test_delays_double_after_the_free_failures_up_to_the_cap() -> None:
    assert [delay_ms(n, 3, 1000, 8000) for n in range(9)] == [
        0, 0, 0, 1000, 2000, 4000, 8000, 8000, 8000,
    ]  # fmt: skip
    assert delay_ms(10**6, 5, 1000, 900_000) == 900_000  # no overflow, no huge numbers


async def test_wrong_passwords_for_one_username_get_growing_delays(
    serve: Serve, tmp_path: Path
) -> None:
    async with serve(**LIMITS) as server:
        ana = await signup(server.url, tmp_path, "ana")
        await ana.close()
        for _ in range(3):
            with pytest.raises(AuthError):
                await attempt(server, tmp_path, "ana", WRONG)
        with pytest.raises(RateLimited) as throttled:
            await attempt(server, tmp_path, "ana", WRONG)
        assert throttled.value.code == "login_throttled"
        assert throttled.value.retry_after == 1
        assert "try again" in str(throttled.value)
        # Even the right password is refused during the delay: a guesser learns nothing.
        with pytest.raises(RateLimited):
            await attempt(server, tmp_path, "ana", PASSWORD)

        server.clock.now += 1000
        with pytest.raises(AuthError):  # one more wrong guess: the next delay doubles
            await attempt(server, tmp_path, "ana", WRONG)
        with pytest.raises(RateLimited) as throttled:
            await attempt(server, tmp_path, "ana", PASSWORD)
        assert throttled.value.retry_after == 2

        server.clock.now += 2000
        await attempt(server, tmp_path, "ana", PASSWORD)  # the delay passed: it works
        with pytest.raises(AuthError):  # and a success cleared the username's counter
            await attempt(server, tmp_path, "ana", WRONG)


async def test_a_throttled_login_is_a_429_with_retry_after_and_its_code(
    serve: Serve, tmp_path: Path
) -> None:
    async with serve(**LIMITS) as server, RawSession(server) as raw:
        answers = [await raw.bad_login("nobody") for _ in range(4)]
        assert answers == [(401, "auth_failed")] * 3 + [(429, "login_throttled")]
        assert raw.last.headers["Retry-After"] == "1"
        assert "try again in 1 s" in raw.last.value()["message"]


async def test_the_delay_tops_out_at_the_cap(serve: Serve, tmp_path: Path) -> None:
    async with serve(**LIMITS) as server, RawSession(server) as raw:
        for waited in (0, 0, 0, 1000, 2000, 4000, 8000, 8000):
            server.clock.now += waited
            assert await raw.bad_login("nobody") == (401, "auth_failed")
        assert await raw.bad_login("nobody") == (429, "login_throttled")
        assert raw.last.headers["Retry-After"] == "8"


async def test_failures_from_one_address_throttle_every_username(
    serve: Serve, tmp_path: Path
) -> None:
    limits = {**LIMITS, "login_free_failures_per_user": 100, "login_free_failures_per_address": 4}
    async with serve(**limits) as server:
        ana = await signup(server.url, tmp_path, "ana")
        await ana.close()
        async with RawSession(server) as raw:
            for number in range(4):
                assert await raw.bad_login(f"user{number}") == (401, "auth_failed")
        with pytest.raises(RateLimited):  # from the same address, for a username never tried
            await attempt(server, tmp_path, "ana", PASSWORD)


PER_ADDRESS = {**LIMITS, "login_free_failures_per_user": 100, "login_free_failures_per_address": 2}


async def test_forwarded_for_is_ignored_by_default(serve: Serve, tmp_path: Path) -> None:
    async with serve(**PER_ADDRESS) as server, RawSession(server) as raw:
        answers = [await raw.bad_login(f"user{n}", f"203.0.113.{n}") for n in range(3)]
    assert answers == [(401, "auth_failed"), (401, "auth_failed"), (429, "login_throttled")]


async def test_forwarded_for_names_the_client_behind_a_trusted_proxy(
    serve: Serve, tmp_path: Path
) -> None:
    async with (
        serve(trusted_proxies=("127.0.0.1",), **PER_ADDRESS) as server,
        RawSession(server) as raw,
    ):
        answers = [await raw.bad_login(f"user{n}", f"203.0.113.{n}") for n in range(3)]
        spoofed = [await raw.bad_login("xavier", f"198.51.100.{n}, 203.0.113.7") for n in range(3)]
    assert answers == [(401, "auth_failed")] * 3  # one client address each
    # The proxy appends the real peer: what the client wrote further left is not believed.
    assert spoofed == [(401, "auth_failed"), (401, "auth_failed"), (429, "login_throttled")]


def test_client_address_reads_forwarded_for_from_the_right() -> None:
    proxies = parse_networks(["10.0.0.0/8", "::1"])
    assert client_address("192.0.2.1", ["1.2.3.4"], proxies) == "192.0.2.1"
    assert client_address("10.1.1.1", ["1.2.3.4, 5.6.7.8"], proxies) == "5.6.7.8"
    assert client_address("10.1.1.1", ["1.2.3.4, 10.2.2.2"], proxies) == "1.2.3.4"
    assert client_address("10.1.1.1", ["garbage"], proxies) == "10.1.1.1"
    assert client_address("10.1.1.1", [], proxies) == "10.1.1.1"
    assert client_address("192.0.2.1", ["1.2.3.4"], ()) == "192.0.2.1"
    assert client_address("2001:db8::1", [], ()) == "2001:db8::/56"
    assert client_address("::ffff:192.0.2.1", [], ()) == "192.0.2.1"
    assert client_address(None, [], ()) == "unknown"


class RawSession:
    """A RawClient of its own (the fixture's belongs to the default live server)."""

    def __init__(self, server: RunningServer) -> None:
        self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True))
        self._url = server.url

    async def __aenter__(self) -> RawWithHeaders:
        return RawWithHeaders(self._session, self._url)

    async def __aexit__(self, *exc: object) -> None:
        await self._session.close()


class RawWithHeaders(RawClient):
    last: Answer

    async def bad_login(self, username: str, forwarded_for: str | None = None) -> tuple[int, str]:
        """A login with a fresh challenge and a signature that cannot verify."""
        reply = await self.call("/v1/auth/challenge", wire.ChallengeRequest(username, "login"))
        request = wire.LoginRequest(username, reply.value()["challenge"], bytes(64), "x")
        headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else None
        self.last = await self.send("/v1/auth/login", pack(plain(request)), headers=headers)
        return self.last.error()


async def test_parallel_guesses_cannot_slip_past_the_counter(serve: Serve, tmp_path: Path) -> None:
    async with serve(**LIMITS) as server, RawSession(server) as raw:
        challenges = [
            (await raw.call("/v1/auth/challenge", wire.ChallengeRequest("ana", "login"))).value()
            for _ in range(20)
        ]
        requests = [
            raw.call("/v1/auth/login", wire.LoginRequest("ana", c["challenge"], bytes(64), "x"))
            for c in challenges
        ]
        answers = [answer.error() for answer in await asyncio.gather(*requests)]
    assert answers.count((401, "auth_failed")) == 3
    assert answers.count((429, "login_throttled")) == 17


def elsewhere(address: str) -> aiohttp.ClientSession:
    """A client session whose connections come from another loopback address."""
    connector = aiohttp.TCPConnector(force_close=True, local_addr=(address, 0))
    return aiohttp.ClientSession(connector=connector)


async def guess(raw: RawClient, username: str, ticket: bytes = b"") -> Answer:
    """A login with a fresh challenge and a signature that cannot verify."""
    reply = await raw.call("/v1/auth/challenge", wire.ChallengeRequest(username, "login"))
    assert reply.status == 200, reply.value()
    request = wire.LoginRequest(username, reply.value()["challenge"], bytes(64), "x", ticket)
    return await raw.call("/v1/auth/login", request)


async def test_a_guesser_cannot_lock_a_user_out_for_good(serve: Serve, tmp_path: Path) -> None:
    """R9 FINDING 16: the per-username throttle applied to everyone, the owner of the
    password included, so whoever knew a username kept its owner out of new logins for as
    long as they liked: one wrong guess each time the delay ended (at most one request every
    15 minutes, from another address) and the real user, trying from their own address half
    a second later, got 429 every time. Two simulated hours here (server clock), each try
    of the real user on a new device (no login ticket): the delays now fall on the
    guesser's address."""
    limits = {"login_free_failures_per_address": 10_000, "login_delay_max_ms": 900_000}
    async with serve(**limits) as server:
        victim = await signup(server.url, tmp_path, "victim")
        await victim.close()
        async with elsewhere("127.0.0.2") as session:
            attacker = RawClient(session, server.url)
            for _free in range(5):  # the free failures, in a burst
                assert (await guess(attacker, "victim")).status == 401
            started, successes, tries = server.clock.now, 0, 0
            while server.clock.now - started < 2 * 3600 * 1000:
                answer = await guess(attacker, "victim")
                if answer.status == 429:
                    server.clock.now += int(answer.headers["Retry-After"]) * 1000
                    continue
                server.clock.now += 500  # the real user tries half a second later
                tries += 1
                try:
                    client = await login(server.url, tmp_path, "victim", device=f"d{tries}")
                except RateLimited:
                    continue
                successes += 1
                await client.close()
        assert successes > 0, f"the real user tried {tries} times in 2 hours: always 429"
        assert successes == tries  # never refused, in fact


HELD = {
    "login_free_failures_per_user": 3,
    "login_free_failures_per_user_all_addresses": 6,
    "login_free_failures_per_address": 1000,
    "login_delay_base_ms": 60_000,
    "login_delay_max_ms": 900_000,
}


async def hold_username(server: RunningServer, username: str) -> None:
    """Guess `username`'s password from three other addresses until every address and the
    username itself (over all addresses) must wait."""
    for address in ("127.0.0.2", "127.0.0.3", "127.0.0.4"):
        async with elsewhere(address) as session:
            raw = RawClient(session, server.url)
            answers = [(await guess(raw, username)).error() for _ in range(4)]
            assert answers[-1] == (429, "login_throttled"), answers


async def test_a_known_device_logs_in_while_guessers_from_many_addresses_hold_the_username(
    serve: Serve, tmp_path: Path
) -> None:
    """Guessing from many addresses is what the looser per-username limit is for: past it,
    a new device waits like the guessers (the documented trade-off). A device that logged
    in before presents its login ticket, counted on its own, so it gets in, also after a
    logout; a password change (made with a session) is not held up either."""
    async with serve(**HELD) as server:
        laptop = await signup(server.url, tmp_path, "ana")
        assert (tmp_path / "ana-laptop" / "login_tickets").exists()
        await laptop.logout()
        await hold_username(server, "ana")
        with pytest.raises(RateLimited) as held:
            await attempt(server, tmp_path, "ana", PASSWORD)  # a new device, no ticket
        assert held.value.code == "login_throttled"
        again = await Client.login(
            server.url,
            "ana",
            PASSWORD,
            home=tmp_path / "ana-laptop",
            minimum_cost=INSECURE_TEST_COST,
        )
        await again.change_password(
            PASSWORD, "another good password", kdf_cost=INSECURE_TEST_COST,
            minimum_cost=INSECURE_TEST_COST,
        )  # fmt: skip
        await again.close()
        # Wrong passwords with a ticket are throttled too, on the ticket alone.
        home = tmp_path / "ana-laptop"
        for _ in range(3):
            with pytest.raises(AuthError):
                await Client.login(
                    server.url, "ana", WRONG, home=home, minimum_cost=INSECURE_TEST_COST
                )
        with pytest.raises(RateLimited):
            await Client.login(
                server.url, "ana", "another good password", home=home,
                minimum_cost=INSECURE_TEST_COST,
            )  # fmt: skip


async def test_a_ticket_counts_only_for_the_username_it_was_given_for(
    serve: Serve, tmp_path: Path
) -> None:
    """A ticket is a MAC of (username, id) by the server's secret: one of another account,
    or a forged or altered one, is no ticket, and the attempt counts on the username."""
    async with serve(**HELD) as server, RawSession(server) as raw:
        mallory = await raw.call("/v1/auth/signup", signed_signup("mallory"))
        ticket = mallory.value()["login_ticket"]
        assert isinstance(ticket, bytes) and len(ticket) == 48
        await hold_username(server, "victim")
        altered = ticket[:-1] + bytes([ticket[-1] ^ 1])
        for presented in (ticket, altered, bytes(48), b"short"):
            assert (await guess(raw, "victim", presented)).error() == (429, "login_throttled")
        # Mallory's own ticket does work for mallory (a failure, but not held up).
        assert (await guess(raw, "mallory", ticket)).error() == (401, "auth_failed")


async def test_a_password_change_voids_the_login_tickets_of_every_other_device(
    serve: Serve, tmp_path: Path
) -> None:
    """R9B FINDING 7: a ticket is bound to the account's login key, so a password change
    voids every ticket given before it (someone who once knew the password keeps no
    counters of its own); the device that changed it gets a new ticket in the reply. With
    the username held by guessers from many addresses, the changing device still gets in;
    another device, whose ticket predates the change, waits like a new device."""
    async with serve(**HELD) as server:
        laptop = await signup(server.url, tmp_path, "bea")
        phone_home = tmp_path / "bea-phone"
        phone = await Client.login(
            server.url, "bea", PASSWORD, home=phone_home, minimum_cost=INSECURE_TEST_COST
        )
        await phone.logout()
        await laptop.change_password(
            PASSWORD, "a brand new password", kdf_cost=INSECURE_TEST_COST,
            minimum_cost=INSECURE_TEST_COST,
        )  # fmt: skip
        await laptop.logout()
        await hold_username(server, "bea")
        with pytest.raises(RateLimited) as held:
            await Client.login(
                server.url, "bea", "a brand new password", home=phone_home,
                minimum_cost=INSECURE_TEST_COST,
            )  # fmt: skip
        assert held.value.code == "login_throttled"
        again = await Client.login(
            server.url, "bea", "a brand new password", home=tmp_path / "bea-laptop",
            minimum_cost=INSECURE_TEST_COST,
        )  # fmt: skip
        await again.close()


def test_an_ipv6_client_is_counted_by_its_56_and_its_48() -> None:
    """R9B FINDING 9: a /56 (one site) is worth one IPv4 address; its /48 (256 sites) gets
    four times the limit; an IPv4 address has one bucket."""
    client = client_address("2001:db8:77:1ff:1:2:3:4", [], ())
    assert client == "2001:db8:77:100::/56"
    assert address_buckets(client) == [("2001:db8:77:100::/56", 1), ("2001:db8:77::/48", 4)]
    assert address_buckets("192.0.2.1") == [("192.0.2.1", 1)]
    assert address_buckets("unknown") == [("unknown", 1)]
