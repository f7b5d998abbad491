"""The question whether former clients still have an account (/v1/account/known) tells the
server little: an owner is asked about when their share is first seen ended, then once a
week, and a copy discarded changes nothing in what is asked (real server on loopback behind
a hostile proxy, real crypto; REV-S11 S11-3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from client_sdk import INSECURE_TEST_COST, Client, departures, wire
from client_sdk.models import now_ms
from tests.client.hostile import HostileServer, serving
from tests.client.sharing_support import share_with
from tests.conftest import PASSWORD, ClientFactory, RunningServer

KNOWN = "/v1/account/known"


def asked(hostile: HostileServer) -> list[list[bytes]]:
    return [wire.decode(wire.AccountsRequest, b).account_ids for b in hostile.bodies(KNOWN)]


async def test_a_discarded_copy_changes_nothing_the_server_is_asked(
    signup: ClientFactory,
    live_server: RunningServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """lea's share ends, and the sync that finds it no longer served asks whether her
    account exists: the caseloads that week ask nothing; a week on one asks about her, the
    next ones nothing; drsmith discards her copy: another week on lea is asked about as if
    it were kept (forgetting is not seen in the questions), and not again that week."""
    lea = await signup("lea")
    async with serving(HostileServer(live_server.url)) as hostile:
        drsmith = await Client.signup(
            hostile.url, "drsmith", PASSWORD, home=tmp_path / "dr", kdf_cost=INSECURE_TEST_COST
        )
        try:
            await share_with(lea, drsmith)
            await drsmith.shares.verify("lea", await lea.shares.fingerprint())
            await lea.entries.write(None, "x", mood=4)
            await lea.sync()
            await drsmith.sync()
            await lea.shares.revoke("Personal", "drsmith")
            await drsmith.sync()
            lea_id = lea.profile.account_id
            # the server stopped serving lea's journal: the sync asked then (identity-by-id)
            [by_id] = hostile.bodies("/v1/account/identity-by-id")[-1:]
            assert wire.decode(wire.AccountRequest, by_id).account_id == lea_id
            clock = [now_ms()]
            monkeypatch.setattr("client_sdk.sharing.now_ms", lambda: clock[0])
            for _ in range(3):  # every caseload refresh that week: nothing asked
                assert await drsmith.shares.ask_erased_owners() == []
            assert asked(hostile) == []

            clock[0] += departures.ASK_AGAIN_MS  # a week on
            await drsmith.shares.ask_erased_owners()
            assert asked(hostile) == [[lea_id]]
            for _ in range(3):
                await drsmith.shares.ask_erased_owners()
            assert asked(hostile) == [[lea_id]]

            [copy] = [s for s in await drsmith.shares.with_me(refresh=False) if s.share_ended]
            await drsmith.shares.forget(copy.name, unlisted=True)
            await drsmith.shares.ask_erased_owners()
            assert asked(hostile) == [[lea_id]]  # forgotten: the traffic does not change

            clock[0] += departures.ASK_AGAIN_MS  # another week on
            await drsmith.shares.ask_erased_owners()
            assert asked(hostile) == [[lea_id], [lea_id]]  # as for a copy kept
            await drsmith.shares.ask_erased_owners()
            assert len(asked(hostile)) == 2
        finally:
            await drsmith.close()


def test_owners_are_due_when_first_seen_ended_then_weekly_longest_first() -> None:
    """The pure rule: a new ended owner at once, a remembered one after a week (or a clock
    set back), a served one never and forgotten from the list; at most ASK_AT_MOST a
    question, those asked longest ago first."""
    week, now = departures.ASK_AGAIN_MS, 10 * departures.ASK_AGAIN_MS
    asked = {"aa": now - week, "bb": now - week + 1, "cc": now + 5, "dd": now - 2 * week}
    kept, due = departures.owners_due(asked, ["ee", "ff"], ["ff"], now)
    assert kept == {**asked, "ee": 0}
    assert due == ["ee", "dd", "aa", "cc"]
    many = {f"{n:02x}": now - week - n for n in range(30)}
    _, due = departures.owners_due(many, [], [], now)
    assert len(due) == departures.ASK_AT_MOST and due[0] == f"{29:02x}"
    kept, due = departures.owners_due({"aa": now - week}, [], ["aa"], now)
    assert kept == {} and due == []  # served again: a live client is never asked about
    assert departures.decode_asked("not json") == {}
    assert departures.decode_asked('{"aa": 1, "bb": true, "cc": "x", "dd": 2}') == {
        "aa": 1,
        "dd": 2,
    }
