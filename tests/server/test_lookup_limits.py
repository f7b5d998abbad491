"""Lookups of accounts by id (identity-by-id, each id of /v1/account/known as one) count in
a per-minute limit per account, apart from lookups by username: a stranger cannot check
thousands of ids, a therapist's caseload with 30 former clients stays well within it, and
lookups by id leave the username lookups' budget (per account and per address) untouched
(real server at the production defaults; REV-S11 S11-4)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from client_sdk import Client, RateLimited, departures, wire
from client_sdk.models import now_ms
from server.routes import SERVICE
from server.service import Settings
from tests.conftest import RunningServer
from tests.server.conftest import Serve
from tests.server.servers import signup

LIMIT = Settings().id_lookups_per_minute
NAME_LIMIT = Settings().identity_lookups_per_minute
KNOWN = "/v1/account/known"
BY_ID = "/v1/account/identity-by-id"


def new_window(server: RunningServer) -> None:
    """The server's clock at the start of the next minute: every lookup limit starts again."""
    server.clock.now += 60_000 - server.clock.now % 60_000


async def lookups(server: RunningServer, account: Client) -> int:
    """The lookups counted this minute for `account`."""
    rows = await server.rows(
        "SELECT window_start, requests FROM rate_windows WHERE subject = ?",
        "account-ids:" + account.profile.account_id.hex(),
    )
    minute = server.clock.now - server.clock.now % 60_000
    return sum(int(requests) for start, requests in rows if int(start) == minute)


async def test_a_stranger_checking_account_ids_is_refused_at_the_lookup_limit(
    serve: Serve, tmp_path: Path
) -> None:
    """mallory asks about 599 random ids and ana's (600 lookups, in questions of 100) and is
    answered; the next id, by either question, is refused 429 `lookup_rate_exceeded`
    (Retry-After: the rest of the minute), nothing looked up, while her lookups by username
    still answer (another budget); the next minute she may ask again. 6,000 ids a minute
    (REV-S11) are now 600."""
    assert (LIMIT, NAME_LIMIT) == (600, 60)
    async with serve(id_lookups_per_minute=LIMIT, identity_lookups_per_minute=NAME_LIMIT) as server:
        ana = await signup(server.url, tmp_path, "ana")
        mallory = await signup(server.url, tmp_path, "mallory")
        new_window(server)
        real = ana.profile.account_id
        ids = [os.urandom(16) for _ in range(LIMIT - 1)] + [real]
        found = []
        for start in range(0, LIMIT, 100):  # at most 100 ids a question
            question = wire.AccountsRequest(ids[start : start + 100])
            found += (await mallory.transport.call(KNOWN, question, wire.AccountsKnown)).account_ids
        assert found == [real]
        questions = [
            (KNOWN, wire.AccountsRequest([real]), wire.AccountsKnown),
            (BY_ID, wire.AccountRequest(real), wire.Identity),
        ]
        for path, message, answer in questions:
            with pytest.raises(RateLimited) as refused:
                await mallory.transport.call(path, message, answer, wait_rate_limit=False)
            assert refused.value.code == "lookup_rate_exceeded"
            assert refused.value.retry_after == 60
        assert (await mallory.sharing.identity("ana")).account_id == real  # by name: apart
        assert await lookups(server, mallory) == LIMIT
        new_window(server)
        identity = await mallory.transport.call(BY_ID, wire.AccountRequest(real), wire.Identity)
        assert identity.account_id == real
        # a question past what is left of the limit is refused whole: nothing counted
        for _ in range(LIMIT // 100 - 1):  # 1 + 500 asked: 99 left of the 600
            question = wire.AccountsRequest([os.urandom(16) for _ in range(100)])
            await mallory.transport.call(KNOWN, question, wire.AccountsKnown)
        many = [os.urandom(16) for _ in range(100)]
        with pytest.raises(RateLimited):
            await mallory.transport.call(
                KNOWN, wire.AccountsRequest(many), wire.AccountsKnown, wait_rate_limit=False
            )
        assert await lookups(server, mallory) == 1 + LIMIT - 100
        for client in (ana, mallory):
            await client.close()


async def test_a_caseload_of_30_former_clients_stays_well_within_the_lookup_limit(
    serve: Serve, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """30 clients shared with drsmith, and all ended their shares. In the minute drsmith's
    device syncs (which asks about each owner once, as it finds the share no longer served)
    and runs the caseload's question three times, as three caseloads would (which ask
    nothing more that week); and in a minute a week later, when the three caseloads ask
    about every former client again (20, then 10, then none): never refused, and each
    minute counts a tenth of the limit at most, for his account."""
    async with serve(id_lookups_per_minute=LIMIT) as server:
        drsmith = await signup(server.url, tmp_path, "drsmith")
        clients = []
        for n in range(30):
            if n % 10 == 0:
                new_window(server)  # the set-up's lookups (a share names drsmith) apart
            client = await signup(server.url, tmp_path, f"client{n}")
            await client.shares.grant("Personal", "drsmith", trust_on_first_use=True, full=True)
            clients.append(client)
        new_window(server)
        await drsmith.sync()
        for client in clients:
            await client.shares.revoke("Personal", "drsmith")
        asked: list[int] = []
        call = drsmith.transport.call

        async def counted(path: str, message: Any, *args: Any, **kw: Any) -> Any:
            if path == KNOWN:
                asked.append(len(message.account_ids))
            return await call(path, message, *args, **kw)

        monkeypatch.setattr(drsmith.transport, "call", counted)

        async def three_caseloads() -> None:
            for _ in range(3):
                assert await drsmith.shares.ask_erased_owners() == []  # all 30 still exist
            assert 30 <= await lookups(server, drsmith) <= LIMIT // 10

        new_window(server)
        await drsmith.sync()
        await three_caseloads()
        assert asked == []  # the sync asked: the caseloads of that week ask nothing
        new_window(server)
        week = now_ms() + departures.ASK_AGAIN_MS
        monkeypatch.setattr("client_sdk.sharing.now_ms", lambda: week)
        await three_caseloads()
        assert asked == [20, 10]
        for client in [drsmith, *clients]:
            await client.close()


async def test_a_sync_with_more_new_clients_than_the_id_limit_stores_those_it_could_pin(
    serve: Serve, tmp_path: Path
) -> None:
    """5 clients share with drsmith, each with an entry; his first sync must look up 5 owners
    by id and his limit is 3 (a new device of a therapist with more current clients than
    the limit): the 4th lookup is refused (Retry-After 50 s, not waited for), and the sync
    goes on with the 3 owners pinned, their journals stored and pulled, and says the other
    2 journals wait; the next minute's sync brings them (REV-S11B S11B-6: the whole sync
    failed, nothing stored)."""
    async with serve(id_lookups_per_minute=3) as server:
        drsmith = await signup(server.url, tmp_path, "drsmith")
        clients = []
        for n in range(5):
            client = await signup(server.url, tmp_path, f"client{n}")
            await client.shares.grant("Personal", "drsmith", trust_on_first_use=True, full=True)
            await client.entries.write(None, f"entry of client{n}", mood=4)
            await client.sync()
            clients.append(client)
        new_window(server)
        server.clock.now += 10_000  # 50 s left of the minute: more than the transport waits
        report = await drsmith.sync()
        assert await lookups(server, drsmith) == 3
        [waiting] = report.incomplete
        assert waiting.startswith(
            "2 journals shared with you not fetched in this sync: the server did not answer "
            "the lookup of their 2 owners (this account is looking up other accounts faster "
            "than the server allows"
        ), waiting
        assert waiting.endswith("the next sync goes on with them"), waiting
        shared = await drsmith.shares.with_me(refresh=False)
        assert len(shared) == 3
        bodies = {e.body for e in await drsmith.entries.list()}
        assert bodies == {f"entry of {s.owner}" for s in shared}
        new_window(server)
        report = await drsmith.sync()
        assert report.incomplete == []
        assert {s.owner for s in await drsmith.shares.with_me(refresh=False)} == {
            c.profile.username for c in clients
        }
        bodies = {e.body for e in await drsmith.entries.list()}
        assert bodies == {f"entry of client{n}" for n in range(5)}
        for client in [drsmith, *clients]:
            await client.close()


async def test_a_known_question_reads_its_accounts_in_one_query(
    serve: Serve, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/v1/account/known read one account row per id asked (up to 100 queries a question);
    it now reads them all in one: a question of 100 ids makes as many storage queries as a
    question of one, and still answers which of them exist, in the order asked."""
    async with serve() as server:
        ana = await signup(server.url, tmp_path, "ana")
        ben = await signup(server.url, tmp_path, "ben")
        storage = server.server.app[SERVICE].storage
        queries: list[str] = []
        for name in ("_one", "_all"):
            read = getattr(storage, name)

            async def counted(sql: str, *params: Any, _read: Any = read) -> Any:
                queries.append(sql)
                return await _read(sql, *params)

            monkeypatch.setattr(storage, name, counted)

        async def queries_for(ids: list[bytes]) -> tuple[int, list[bytes]]:
            before = len(queries)
            known = await ana.transport.call(KNOWN, wire.AccountsRequest(ids), wire.AccountsKnown)
            return len(queries) - before, known.account_ids

        real = [ben.profile.account_id, ana.profile.account_id]
        one, found = await queries_for([real[0]])
        assert found == [real[0]]
        many = [os.urandom(16) for _ in range(98)]
        hundred, found = await queries_for([many[0], real[0], *many[1:], real[1]])
        assert found == real  # in the order asked
        assert hundred == one, (one, hundred, queries[-hundred:][:5])
        for client in (ana, ben):
            await client.close()
