"""The question whether former clients still have an account (/v1/account/known) tells the
server little: an owner is asked about when their share is first seen ended, then once a
week, and a copy discarded changes nothing in what is asked (real server on loopback behind
a hostile proxy, real crypto; REV-S11 S11-3)."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from client_sdk import INSECURE_TEST_COST, Client, departures, wire
from client_sdk.models import now_ms
from tests.client.hostile import HostileServer, serving
from tests.client.sharing_support import server_db, share_with
from tests.conftest import PASSWORD, ClientFactory, RunningServer

KNOWN = "/v1/account/known"
BY_ID = "/v1/account/identity-by-id"
DAY_MS = 86_400_000


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

            [copy] = [s for s in await drsmith.shares.with_me(refresh=False) if s.read_only_copy]
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


@pytest.mark.parametrize("copy", ["kept", "discarded", "discarded, not noted by the sync"])
async def test_a_copy_discarded_before_the_first_answer_is_asked_about_as_a_kept_one(
    signup: ClientFactory,
    live_server: RunningServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    copy: str,
) -> None:
    """The server garbles the sync's identity-by-id answer when lea's share stops being
    served (so the sync records no answer about her). drsmith then keeps the copy or
    discards it (`tj forget --unlisted`) before any caseload, with the sync's note that her
    share ended, or without it (a sync of an older SDK, an end date seen by no sync): a week
    on, his caseload asks about lea alike, so the questions do not tell the server which
    copy was discarded (REV-S11B S11B-5: only a kept copy's owner was asked about)."""
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
            hostile.replies[BY_ID] = lambda request, reply: b"\xc1garbage"
            await lea.shares.revoke("Personal", "drsmith")
            await drsmith.sync()
            assert hostile.bodies(BY_ID), "the sync asked identity-by-id (answer garbled)"
            del hostile.replies[BY_ID]
            noted = departures.decode_asked(await drsmith.store.setting(departures.OWNERS_ASKED))
            assert noted == {lea.profile.account_id.hex(): 0}  # seen ended: not yet asked
            if copy != "kept":
                if copy == "discarded, not noted by the sync":
                    async with drsmith.store.transaction() as tx:
                        await tx.set_setting(departures.OWNERS_ASKED, None)
                [ended] = [
                    s for s in await drsmith.shares.with_me(refresh=False) if s.read_only_copy
                ]
                await drsmith.shares.forget(ended.name, unlisted=True)
            week = now_ms() + departures.ASK_AGAIN_MS
            monkeypatch.setattr("client_sdk.sharing.now_ms", lambda: week)
            await drsmith.shares.ask_erased_owners()
            assert asked(hostile) == [[lea.profile.account_id]], copy
        finally:
            await drsmith.close()


async def test_a_stored_erased_answer_goes_once_the_server_names_her(
    signup: ClientFactory,
    live_server: RunningServer,
    tmp_path: Path,
) -> None:
    """The server answers the sync's identity-by-id 404 for lea as her share stops being
    served: "appears erased" (its word). It then answers drsmith's lookup of her by
    username: she exists, and the stored word goes at once, not at the weekly question
    (REV-S11B S11B-7). Likewise an answer by id (`Replica.note_account_exists`)."""
    lea = await signup("lea")
    async with serving(HostileServer(live_server.url), gone := set()) as hostile:
        drsmith = await Client.signup(
            hostile.url, "drsmith", PASSWORD, home=tmp_path / "dr", kdf_cost=INSECURE_TEST_COST
        )
        try:
            await share_with(lea, drsmith)
            await drsmith.shares.verify("lea", await lea.shares.fingerprint())
            await drsmith.sync()
            gone.add(lea.profile.account_id)
            await lea.shares.revoke("Personal", "drsmith")
            await drsmith.sync()
            [ended] = [s for s in await drsmith.shares.with_me(refresh=False) if s.read_only_copy]
            assert ended.owner_erased  # the server's (forged) word, said
            gone.clear()
            assert (await drsmith.sharing.identity("lea")).account_id == lea.profile.account_id
            [ended] = [s for s in await drsmith.shares.with_me(refresh=False) if s.read_only_copy]
            assert not ended.owner_erased
            assert await drsmith.shares.ask_erased_owners() == []
            assert asked(hostile) == []  # this week's question was the sync's

            async with drsmith.store.transaction() as tx:  # said erased again, as stored
                said = json.dumps([lea.profile.account_id.hex()])
                await tx.set_setting(departures.ERASED_OWNERS, said)
            [ended] = [s for s in await drsmith.shares.with_me(refresh=False) if s.read_only_copy]
            assert ended.owner_erased
            assert not await drsmith.replica._erased(lea.profile.account_id, {})  # by id
            [ended] = [s for s in await drsmith.shares.with_me(refresh=False) if s.read_only_copy]
            assert not ended.owner_erased
        finally:
            await drsmith.close()


@pytest.mark.parametrize("server", ["keeps serving it", "stops serving it"])
async def test_a_share_ended_by_its_end_date_notes_its_owner_due_with_no_question(
    signup: ClientFactory,
    live_server: RunningServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    server: str,
) -> None:
    """lea shares with drsmith until tomorrow; three days on, drsmith's sync ends the share
    by its signed end date (the end-date route of REV-S11B S11B-5), whether the server keeps
    serving the journal or stops at the end: no identity-by-id question is asked about her,
    yet the sync notes her as seen ended, not yet asked (`departures.OWNERS_ASKED`, 0); his
    copy discarded before any caseload, the next question asks about lea as for a kept
    copy. The note must come from the sync alone: the discard's own note is taken out."""
    lea = await signup("lea")
    async with serving(HostileServer(live_server.url)) as hostile:
        drsmith = await Client.signup(
            hostile.url, "drsmith", PASSWORD, home=tmp_path / "dr", kdf_cost=INSECURE_TEST_COST
        )
        try:
            tomorrow = datetime.now().astimezone() + timedelta(days=1)
            await share_with(lea, drsmith, expires_at=tomorrow)
            await drsmith.shares.verify("lea", await lea.shares.fingerprint())
            await lea.entries.write(None, "x", mood=4)
            await lea.sync()
            await drsmith.sync()
            if server == "keeps serving it":  # its index forgets the end date
                with contextlib.closing(sqlite3.connect(server_db(live_server))) as db, db:
                    db.execute(
                        "UPDATE members SET expires_at = 0 WHERE account_id = ?",
                        (drsmith.profile.account_id,),
                    )
            live_server.clock.now += 3 * DAY_MS
            later = live_server.clock.now
            for module in ("replica", "context", "sharing"):
                monkeypatch.setattr(f"client_sdk.{module}.now_ms", lambda: later)
            by_id_before = len(hostile.bodies(BY_ID))
            report = await drsmith.sync()
            assert [(d.reason, d.owner) for d in report.departures] == [(departures.EXPIRED, "lea")]
            assert len(hostile.bodies(BY_ID)) == by_id_before  # the end date asks nothing
            noted = departures.decode_asked(await drsmith.store.setting(departures.OWNERS_ASKED))
            assert noted == {lea.profile.account_id.hex(): 0}  # seen ended: not yet asked
            monkeypatch.setattr(departures, "owners_seen_ended", lambda asked, owners: asked)
            [ended] = [s for s in await drsmith.shares.with_me(refresh=False) if s.read_only_copy]
            await drsmith.shares.forget(ended.name, unlisted=server == "keeps serving it")
            assert not [s for s in await drsmith.shares.with_me(refresh=False) if s.read_only_copy]
            await drsmith.shares.ask_erased_owners()
            assert asked(hostile) == [[lea.profile.account_id]]
        finally:
            await drsmith.close()
