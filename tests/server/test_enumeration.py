"""No account enumeration: /v1/auth/prelogin and /v1/auth/challenge answer an unknown name
like a real one, in content (including accounts with a non-default Argon2id cost) and in
timing; looking an identity up needs a session and is rate-limited (test_quotas.py)."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import aiohttp
import msgpack
import pytest

from client_sdk import INSECURE_TEST_COST, Client, KdfCost
from client_sdk.crypto import MAXIMUM_COST, MODERATE
from server.service import Settings
from tests.conftest import PASSWORD
from tests.server.conftest import Serve
from tests.server.raw import RawClient, signed_signup
from tests.server.servers import signup

# A second cost, as an account created with a stronger setting would have.
STRONGER = KdfCost(INSECURE_TEST_COST.opslimit + 1, INSECURE_TEST_COST.memlimit * 2)
MiB = 1024 * 1024


async def prelogin(raw: RawClient, username: str) -> dict[str, object]:
    answer = await raw.call("/v1/auth/prelogin", {"username": username})
    assert answer.status == 200
    value = answer.value()
    assert isinstance(value, dict)
    return value


async def test_an_unknown_name_gets_a_stable_answer_shaped_like_a_real_one(
    serve: Serve, tmp_path: Path, raw_session: aiohttp.ClientSession
) -> None:
    async with serve() as server:
        raw = RawClient(raw_session, server.url)
        ana = await signup(server.url, tmp_path, "ana")
        real = await prelogin(raw, "ana")
        fake = await prelogin(raw, "nobody-here")
        assert set(fake) == set(real) == {"salt", "opslimit", "memlimit"}
        assert isinstance(fake["salt"], bytes) and len(fake["salt"]) == 16
        assert fake == await prelogin(raw, "nobody-here")  # stable, like a stored salt
        assert fake["salt"] != (await prelogin(raw, "nobody-else"))["salt"]
        # A challenge for an unknown name is made like any other (a MAC; nothing is stored).
        for name in ("ana", "nobody-here"):
            answer = await raw.call("/v1/auth/challenge", {"username": name, "purpose": "login"})
            assert len(answer.value()["challenge"]) == 32
            assert answer.status == 200
            assert set(answer.value()) == {"challenge", "server_id", "expires_at"}
        await ana.close()


async def test_unknown_names_get_the_declared_costs_in_proportion_whatever_accounts_use(
    serve: Serve, tmp_path: Path, raw_session: aiohttp.ClientSession
) -> None:
    """An account with a non-default cost does not stand out when the operator lists that
    cost: unknown names are given each listed cost with its weight (here the test cost 3,
    STRONGER 1), however many accounts use which cost (here: only STRONGER)."""
    listed = (
        (INSECURE_TEST_COST.opslimit, INSECURE_TEST_COST.memlimit, 3),
        (STRONGER.opslimit, STRONGER.memlimit, 1),
    )
    async with serve(unknown_name_costs=listed) as server:
        raw = RawClient(raw_session, server.url)
        clients = [
            await Client.signup(
                server.url,
                name,
                PASSWORD,
                home=tmp_path / name,
                device_name="laptop",
                kdf_cost=STRONGER,
            )
            for name in ("ana", "ben")
        ]
        declared = {
            (INSECURE_TEST_COST.opslimit, INSECURE_TEST_COST.memlimit),
            (STRONGER.opslimit, STRONGER.memlimit),
        }
        real = await prelogin(raw, "ana")
        assert (real["opslimit"], real["memlimit"]) == (STRONGER.opslimit, STRONGER.memlimit)
        fakes = [await prelogin(raw, f"unknown-{n}") for n in range(400)]
        drawn = [(value["opslimit"], value["memlimit"]) for value in fakes]
        assert set(drawn) == declared
        share = drawn.count((STRONGER.opslimit, STRONGER.memlimit)) / len(drawn)
        assert 0.15 <= share <= 0.35  # weight 1 in 4; 400 draws: about ±0.065 at 3 sigma
        for client in clients:
            await client.close()


async def prelogin_cost(raw: RawClient, username: str) -> tuple[int, int]:
    value = await prelogin(raw, username)
    opslimit, memlimit = value["opslimit"], value["memlimit"]
    assert isinstance(opslimit, int) and isinstance(memlimit, int)
    return opslimit, memlimit


async def test_an_unknown_names_cost_does_not_change_when_someone_signs_up(
    serve: Serve, raw_session: aiohttp.ClientSession
) -> None:
    """R9 FINDING 3: an unknown name's cost was `draw % total` over the number of accounts,
    so as soon as two costs were in use the fake cost of many unknown names flipped
    whenever anyone signed up: asking the same names again a minute later told real names
    (stable) from unknown ones (some flipped). Now it depends on the name and the server's
    secret only."""
    async with serve() as server:
        raw = RawClient(raw_session, server.url)
        for n in range(3):
            answer = await raw.call("/v1/auth/signup", signed_signup(f"ann{n}", 3, 256 * MiB))
            assert answer.status == 200
        answer = await raw.call("/v1/auth/signup", signed_signup("dora", 4, 512 * MiB))
        assert answer.status == 200
        names = [f"someone-{n}" for n in range(60)]
        before = {name: await prelogin_cost(raw, name) for name in names}
        assert len(set(before.values())) == 2  # both costs are drawn, as the design wants
        assert (await raw.call("/v1/auth/signup", signed_signup("eve", 3, 256 * MiB))).status == 200
        server.clock.now += 120_000  # past the one-minute cache the cost mix once had
        after = {name: await prelogin_cost(raw, name) for name in names}
        flipped = [name for name in names if before[name] != after[name]]
        assert await prelogin_cost(raw, "dora") == (4, 512 * MiB)  # a real name never flips
        assert not flipped, f"{len(flipped)} of 60 unknown names changed cost after one signup"


async def test_accounts_cannot_steer_the_cost_given_for_names_they_do_not_own(
    serve: Serve, raw_session: aiohttp.ClientSession
) -> None:
    """R9 FINDING 15: signup took any Argon2id cost above the minimum (up to 2**32 passes
    and 2**63 bytes), although the SDK refuses anything above MAXIMUM_COST, and unknown
    names were given costs drawn from what accounts use: 20 accounts of one prober with an
    absurd cost made most unknown names answer it. Now such a cost is refused at signup
    and at a password change (400 `invalid_kdf_cost`), and unknown names get only the
    operator's listed costs."""
    async with serve() as server:
        raw = RawClient(raw_session, server.url)
        for n in range(3):
            answer = await raw.call("/v1/auth/signup", signed_signup(f"user{n}", 3, 256 * MiB))
            assert answer.status == 200
        absurd = (2**32 - 1, 2**62)
        answers = [
            await raw.call("/v1/auth/signup", signed_signup(f"prober{n}", *absurd))
            for n in range(20)
        ]
        server.clock.now += 120_000  # past the cost mix the server once cached
        costs = [await prelogin_cost(raw, f"typo-{n}") for n in range(40)]
        above = [
            cost
            for cost in costs
            if cost[0] > MAXIMUM_COST.opslimit or cost[1] > MAXIMUM_COST.memlimit
        ]
        accepted = [answer.status for answer in answers].count(200)
        assert accepted == 0 and not above, (
            f"{accepted} signups with cost {absurd} accepted; {len(above)} of 40 "
            "unknown names now answer a cost no client accepts"
        )
        assert {answer.error() for answer in answers} == {(400, "invalid_kdf_cost")}
        assert "above this server's maximum" in answers[0].value()["message"]
        for opslimit, memlimit in (
            (MAXIMUM_COST.opslimit + 1, MiB),
            (3, MAXIMUM_COST.memlimit + 1),
        ):
            answer = await raw.call("/v1/auth/signup", signed_signup("edge", opslimit, memlimit))
            assert answer.error() == (400, "invalid_kdf_cost"), (opslimit, memlimit)
        edge = signed_signup("edge", MAXIMUM_COST.opslimit, MAXIMUM_COST.memlimit)
        assert (await raw.call("/v1/auth/signup", edge)).status == 200  # the maximum itself


def test_the_servers_cost_bounds_are_the_sdks() -> None:
    """The server refuses exactly what the SDK refuses (client_sdk.crypto.MAXIMUM_COST)."""
    assert (Settings().max_opslimit, Settings().max_memlimit) == (
        MAXIMUM_COST.opslimit,
        MAXIMUM_COST.memlimit,
    )
    assert Settings().unknown_name_costs == ((MODERATE.opslimit, MODERATE.memlimit, 1),)


def test_listed_costs_must_be_within_the_accepted_bounds() -> None:
    for costs in ((), ((3, 2**62, 1),), ((1, 8192, 1),), ((3, 256 * MiB, 0),)):
        with pytest.raises(ValueError, match="unknown_name_costs"):
            Settings(unknown_name_costs=costs)


async def timed(raw: RawClient, path: str, body: dict[str, str]) -> float:
    started = time.perf_counter()
    answer = await raw.call(path, body)
    elapsed = time.perf_counter() - started
    assert answer.status == 200
    return elapsed


async def test_unknown_and_real_names_take_the_same_time(
    serve: Serve, tmp_path: Path, raw_session: aiohttp.ClientSession
) -> None:
    """Pairs of requests, one for the real name and one for an unknown name, the order inside
    each pair alternating (so neither side is always the first after a pause): the median of
    the pairs' differences is at most 0.25 ms + 5% of the slower median.

    Pairs, because a busy machine slows both requests of a pair alike and the difference
    cancels most of it (two medians taken apart drifted by a millisecond under CPU load with
    no leak). Rounds of 150 pairs, up to 4: after a round whose estimate is over the bound,
    another round is measured and the bound is checked on all pairs so far, so noise (which
    shrinks as pairs are added) gets a chance to average out, while a real difference does
    not: it is in every pair. Measured here: a few tens of microseconds out of about 1 ms
    on a quiet machine. The leak this guards against is larger: when a challenge was stored
    only for a real name, the durable write it skipped for an unknown one made each pair
    about 1 ms apart, and this test failed (checked by putting that code back, quiet and
    under load). Challenges are now stateless (a MAC, no database work for any name): the
    test still catches any work done on one side only, such as an account lookup."""
    async with serve() as server:
        raw = RawClient(raw_session, server.url)
        ana = await signup(server.url, tmp_path, "ana")
        try:
            for path, body in (
                ("/v1/auth/prelogin", {"username": "{name}"}),
                ("/v1/auth/challenge", {"username": "{name}", "purpose": "login"}),
            ):
                real: list[float] = []
                unknown: list[float] = []
                for _round in range(4):
                    for n in range(len(real), len(real) + 150):
                        pair = [("ana", real), (f"nobody-{n}", unknown)]
                        for name, times in pair if n % 2 else reversed(pair):
                            filled = {k: v.format(name=name) for k, v in body.items()}
                            times.append(await timed(raw, path, filled))
                    slower = max(statistics.median(real), statistics.median(unknown))
                    gap = abs(
                        statistics.median([r - u for r, u in zip(real, unknown, strict=True)])
                    )
                    if gap <= 0.00025 + 0.05 * slower:
                        break
                assert gap <= 0.00025 + 0.05 * slower, (path, len(real), gap, real, unknown)
        finally:
            await ana.close()


async def test_identity_lookup_needs_a_session(
    serve: Serve, raw_session: aiohttp.ClientSession
) -> None:
    async with serve() as server:
        raw = RawClient(raw_session, server.url)
        answer = await raw.send("/v1/account/identity", msgpack.packb({"username": "ana"}))
        assert answer.error() == (401, "auth_required")
