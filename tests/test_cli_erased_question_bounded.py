"""The caseload's and `tj shared-with-me`'s question whether former clients still have an
account (/v1/account/known) is one try within the quick sync's time: a server that holds it,
or answers "try later", does not hold the view, which shows what the device knows (real
server on loopback behind a hostile proxy, CliRunner; REV-S11 S11-2)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from aiohttp import web

from client_sdk import INSECURE_TEST_COST, Client, departures, wire
from client_sdk.models import now_ms
from tests.client.hostile import HostileServer, serving
from tests.client.sharing_support import share_with
from tests.conftest import PASSWORD, ClientFactory, RunningServer
from tests.test_cli import run_tj

KNOWN = "/v1/account/known"


async def ended_share(
    lea: Client, hostile: HostileServer, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """drsmith (profile `home`, every request through `hostile`) kept a copy of lea's
    journal, whose share ended, and a week went by since his device asked whether lea's
    account exists (when the server stopped serving it): she is due to be asked about."""
    drsmith = await Client.signup(
        hostile.url, "drsmith", PASSWORD, home=home, kdf_cost=INSECURE_TEST_COST
    )
    try:
        await share_with(lea, drsmith)
        await drsmith.shares.verify("lea", await lea.shares.fingerprint())
        await lea.entries.write(None, "x", mood=4)
        await lea.sync()
        await drsmith.sync()
        await lea.shares.revoke("Personal", "drsmith")
        await drsmith.sync()
    finally:
        await drsmith.close()
    week = now_ms() + departures.ASK_AGAIN_MS
    monkeypatch.setattr("client_sdk.sharing.now_ms", lambda: week)


async def test_a_held_erased_question_does_not_hold_the_caseload(
    signup: ClientFactory,
    live_server: RunningServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The server holds the question and never answers it: `tj caseload`, with a server
    wait of two minutes, still shows lea's row at once (it finishes while the question is
    still held; a minute is allowed, for a loaded machine), exit 0, nothing said erased."""
    lea, home = await signup("lea"), tmp_path / "dr"
    answer = asyncio.Event()

    async def held() -> None:
        await answer.wait()

    async with serving(HostileServer(live_server.url)) as hostile:
        await ended_share(lea, hostile, home, monkeypatch)
        hostile.holds[KNOWN] = held
        try:
            result = await asyncio.wait_for(
                run_tj(["--home", str(home), "--server-wait", "120", "caseload"]), 60
            )
            assert not answer.is_set()
        finally:
            answer.set()
        assert hostile.paths.count(KNOWN) == 1
    assert result.exit_code == 0, result.output
    [row] = [line for line in result.stdout.splitlines() if line.startswith("lea ")]
    assert "no longer served" in row and "erased" not in result.output


async def test_a_try_later_answer_is_not_retried(
    signup: ClientFactory,
    live_server: RunningServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A 429 with a short Retry-After: the question is made once, not four times; `tj
    shared-with-me` shows lea's kept copy, exit 0. The owner stays due: the next view asks
    again, and the true answer says nothing erased."""
    lea, home = await signup("lea"), tmp_path / "dr"

    async def later() -> None:
        error = wire.encode(wire.ErrorReply("lookup_rate_exceeded", "try again in 1 s"))
        raise web.HTTPTooManyRequests(
            headers={"Retry-After": "1"}, body=error, content_type="application/msgpack"
        )

    async with serving(HostileServer(live_server.url)) as hostile:
        await ended_share(lea, hostile, home, monkeypatch)
        hostile.holds[KNOWN] = later
        result = await run_tj(["--home", str(home), "shared-with-me"])
        assert result.exit_code == 0, result.output
        assert "lea" in result.stdout and "erased" not in result.output
        assert hostile.paths.count(KNOWN) == 1

        del hostile.holds[KNOWN]
        result = await run_tj(["--home", str(home), "shared-with-me"])
        assert result.exit_code == 0, result.output
        assert hostile.paths.count(KNOWN) == 2 and len(hostile.bodies(KNOWN)) == 1
        assert "erased" not in result.output
