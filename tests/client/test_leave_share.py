"""A member leaves a share: the server stops serving it at once, the journal leaves the
member's list, and the owner's devices drop the member from the owner-signed access chain at
their next change of members (the member cannot sign the chain itself)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web

from client_sdk import (
    INSECURE_TEST_COST,
    AccessError,
    Client,
    InvalidInput,
    TJError,
    departures,
    wire,
)
from client_sdk.departures import Departure
from tests.client.hostile import HostileServer, Through
from tests.client.recording_proxy import recording_proxy
from tests.client.sharing_support import server_db
from tests.conftest import PASSWORD, ClientFactory, RunningServer

# Replies are lost or requests failed here to test what the retry does, not how long it
# waits: every client retries with QUICK_RETRY (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("quick_retries")

THERAPIST = "dr.tom"


async def shared(signup: ClientFactory) -> tuple[Client, Client, bytes]:
    ana = await signup("ana")
    tom = await signup(THERAPIST)
    await ana.entries.write("Personal", "Before the share.")
    await ana.shares.grant(
        "Personal", THERAPIST, role="annotate", trust_on_first_use=True, full=True
    )
    await tom.sync()
    journal = bytes.fromhex((await tom.shares.with_me())[0].journal_id)
    return ana, tom, journal


def chain_members(client: Client, journal: bytes) -> set[str]:
    state = client.replica.chains.current(journal)
    return {m.username for m in state.members.values()}


async def test_a_member_leaves_and_is_no_longer_served(signup: ClientFactory) -> None:
    ana, tom, journal = await shared(signup)
    await tom.shares.leave("ana/Personal")
    # Only the read-only copy of what tom already downloaded is left, marked as ended
    # (issue 14: an ended share's copy stays readable, never writable).
    assert [(s.owner, s.role, s.share_ended) for s in await tom.shares.with_me()] == [
        ("ana", "revoked", True)
    ]
    assert [(j.name, j.share_ended) for j in await tom.journals.list()] == [
        ("Personal", False),  # tom's own
        ("ana/Personal", True),  # the kept copy, not served any more
    ]
    # The server refuses the journal to tom from now on, whatever tom sends.
    with pytest.raises(AccessError):
        await tom.transport.call(
            "/v1/sync", wire.SyncRequest([wire.Cursor(journal, 0)], 10), wire.SyncReply
        )
    await ana.entries.write("Personal", "After tom left.")
    await ana.sync()
    report = await tom.sync()  # tom's own journal still syncs
    assert report.problems == [] and report.incomplete == []


async def test_the_owner_drops_a_member_who_left_from_the_chain(signup: ClientFactory) -> None:
    ana, tom, journal = await shared(signup)
    await ana.sync()
    assert chain_members(ana, journal) == {THERAPIST}
    await tom.shares.leave("ana/Personal")
    # The owner's device learns it from the server and signs the removal with a new epoch.
    epoch = (await ana.replica.store.journals())[0].epoch
    assert [(s.member, s.expired, s.dropped_at is not None) for s in await ana.shares.list()] == [
        (THERAPIST, True, True)
    ]  # listed as ended: they left (NU22 C9)
    assert chain_members(ana, journal) == set()
    assert max(j.epoch for j in await ana.replica.store.journals()) > epoch
    # Sharing again later works as a new share.
    await ana.shares.grant("Personal", THERAPIST, trust_on_first_use=True, full=True)
    await tom.sync()
    assert [j.owner for j in await tom.shares.with_me()] == ["ana"]


async def test_an_owner_cannot_leave_its_own_journal(signup: ClientFactory) -> None:
    ana, tom, journal = await shared(signup)
    with pytest.raises(InvalidInput):
        await ana.shares.leave("Personal")
    with pytest.raises(InvalidInput) as refused:
        await ana.transport.call("/v1/shares/leave", wire.JournalRequest(journal), wire.Empty)
    assert refused.value.code == "invalid_field"
    assert [s.member for s in await ana.shares.list()] == [THERAPIST]


async def test_another_account_cannot_leave_for_a_member(signup: ClientFactory) -> None:
    ana, tom, journal = await shared(signup)
    eve = await signup("eve")
    with pytest.raises(AccessError):
        await eve.transport.call("/v1/shares/leave", wire.JournalRequest(journal), wire.Empty)
    await tom.shares.leave("ana/Personal")
    with pytest.raises(AccessError):  # leaving twice
        await tom.transport.call("/v1/shares/leave", wire.JournalRequest(journal), wire.Empty)
    assert [(s.member, s.expired, s.dropped_at is not None) for s in await ana.shares.list()] == [
        (THERAPIST, True, True)
    ]  # listed as ended: they left (NU22 C9)


def left(journal: bytes, reason: str = "left") -> Departure:
    return Departure(THERAPIST, "Personal", journal.hex(), reason)


def utc(at: int) -> str:
    return datetime.fromtimestamp(at / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")


def timeless(told: list[Departure]) -> list[Departure]:
    """`told` without their times (when this device removed them: NU24 C4), each set."""
    assert all(d.at > 0 for d in told), told
    return [replace(d, at=0) for d in told]


async def test_the_owner_is_told_once_at_the_sync_that_learns_a_member_left(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    # NU18 C4: the client's sync said "nothing new", the share vanished from the list and the
    # safety plan still said flags are shared. Counted on a device behind a recording proxy:
    # a sync with nothing new stays one /v1/sync, as on main (issue 10).
    ana, tom, journal = await shared(signup)
    await ana.safety.set_plan(share_flags=True)
    await ana.sync()
    assert (await ana.safety.plan()).flags_reach == (THERAPIST,)
    async with recording_proxy(live_server.url) as proxy:
        phone = await Client.login(
            proxy.url,
            "ana",
            PASSWORD,
            home=tmp_path / "phone",
            device_name="phone",
            minimum_cost=INSECURE_TEST_COST,
        )
        try:
            await phone.sync()
            await phone.sync()
            proxy.requests.clear()
            assert (await phone.sync()).departures == []
            assert proxy.paths() == ["/v1/sync"]  # the chain lists a member: still one request

            await tom.shares.leave("ana/Personal")
            proxy.requests.clear()
            report = await phone.sync()
            assert timeless(report.departures) == [left(journal)]
            assert str(report.departures[0]).startswith(
                f"{THERAPIST} no longer reads Personal ({utc(report.departures[0].at)}): the server "
                "says they left the share (not signed by them)"
            )
            assert report.to_dict()["departures"] == [report.departures[0].to_dict()]
            assert timeless(report.departures) == [left(journal)]
            assert proxy.paths().count("/v1/shares/list") >= 1
            assert proxy.paths().count("/v1/account/identity-by-id") == 1  # left or erased?
            assert "/v1/journals/rotate" in proxy.paths()
            assert chain_members(phone, journal) == set()

            proxy.requests.clear()
            assert (await phone.sync()).departures == []  # once, not at every later sync
            assert proxy.paths() == ["/v1/sync"]  # and no-op syncs cost what they did
            proxy.requests.clear()
            assert (await phone.sync()).departures == []
            assert proxy.paths() == ["/v1/sync"]
            plan = await phone.safety.plan()
            assert plan.share_flags and plan.flags_reach == ()
            assert [
                (s.member, s.expired, s.dropped_at is not None) for s in await phone.shares.list()
            ] == [(THERAPIST, True, True)]  # listed as ended: they left (NU22 C9)
        finally:
            await phone.close()
        # A client opened afresh on the same device is not told again either.
        again = await Client.open(tmp_path / "phone")
        try:
            proxy.requests.clear()
            assert (await again.sync()).departures == []
            assert proxy.paths() == ["/v1/sync"]
        finally:
            await again.close()
    # The laptop learns the signed removal from the chain (the phone made it).
    await ana.sync()
    assert chain_members(ana, journal) == set()
    assert (await ana.safety.plan()).flags_reach == ()


async def test_a_departure_found_by_the_share_list_is_reported_at_the_next_sync(
    signup: ClientFactory,
) -> None:
    ana, tom, journal = await shared(signup)
    await ana.sync()
    await tom.shares.leave("ana/Personal")
    assert [(s.member, s.expired, s.dropped_at is not None) for s in await ana.shares.list()] == [
        (THERAPIST, True, True)
    ]  # listed as ended: they left (NU22 C9)
    assert timeless((await ana.sync()).departures) == [left(journal)]
    assert (await ana.sync()).departures == []


async def test_a_departure_dropped_by_sharing_with_someone_else_is_told_with_its_reason(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    """The rotation of a grant drops the member who left, stores the notice before the
    rotation is sent (reason "unknown", R22 F3), then words it once the server answers."""
    ana, tom, journal = await shared(signup)
    await ana.sync()
    carol = await signup("carol")
    await tom.shares.leave("ana/Personal")
    await ana.shares.grant("Personal", "carol", trust_on_first_use=True, full=True)
    assert chain_members(ana, journal) == {"carol"}
    assert timeless((await ana.sync()).departures) == [left(journal)]
    assert (await ana.sync()).departures == []
    await carol.sync()
    assert "ana/Personal" in [j.name for j in await carol.journals.list()]


async def test_a_removal_whose_reply_was_lost_is_still_told_without_a_reason(
    through: Through, signup: ClientFactory, hostile: HostileServer
) -> None:
    """The rotation that removes the member who left is applied by the server, but its
    reply is lost: the notice was stored before it was sent (R22 F3), so the next sync,
    which verifies the removal in the chain, tells it, without a reason (never asked)."""
    ana = await through("ana")
    tom = await signup(THERAPIST)
    carol = await signup("carol")
    await ana.entries.write("Personal", "Before the share.")
    await ana.shares.grant("Personal", THERAPIST, trust_on_first_use=True, full=True)
    await tom.sync()
    journal = bytes.fromhex((await tom.shares.with_me())[0].journal_id)
    await tom.shares.leave("ana/Personal")

    def lose(request: bytes, reply: bytes) -> bytes:
        raise web.HTTPBadGateway()  # after the real server applied the rotation

    hostile.replies["/v1/journals/rotate"] = lose
    with pytest.raises(TJError):
        await ana.shares.grant("Personal", carol.username, trust_on_first_use=True, full=True)
    del hostile.replies["/v1/journals/rotate"]
    report = await ana.sync()
    assert chain_members(ana, journal) == {"carol"}
    # The share with carol, verified now, is told as made "from one of your devices" (true
    # of this one, whose call failed: NU30 #4), after the removal it went with.
    assert timeless(report.departures) == [
        left(journal, departures.UNKNOWN),
        Departure("carol", "Personal", journal.hex(), departures.SHARED, role="read", until=0),
    ]
    assert str(report.departures[0]).startswith(
        f"{THERAPIST} no longer reads Personal ({utc(report.departures[0].at)}): the server no "
        "longer serves them and did not say why; this device removed them"
    )
    assert (await ana.sync()).departures == []


def lie_that_the_member_left(live_server: RunningServer, journal: bytes, member: bytes) -> None:
    """What /v1/shares/leave does, done by the server without the member asking."""
    with closing(sqlite3.connect(server_db(live_server))) as db:
        for table in ("members", "journal_keys"):
            db.execute(
                f"DELETE FROM {table} WHERE journal_id = ? AND account_id = ?", (journal, member)
            )
        db.execute(
            "UPDATE journals SET meta_version = meta_version + 1 WHERE journal_id = ?", (journal,)
        )
        db.commit()


async def test_a_server_that_lies_that_the_therapist_left_only_denies_service_and_says_so(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    # The leave is the server's word (the member does not sign it): a lying server makes the
    # owner's device drop the therapist, so flags and new entries stop reaching them. What it
    # cannot do: make the device believe anything it did not sign, or hide that it happened.
    ana, tom, journal = await shared(signup)
    await ana.safety.set_plan(share_flags=True)
    await ana.sync()
    lie_that_the_member_left(live_server, journal, tom.profile.account_id)
    report = await ana.sync()
    assert timeless(report.departures) == [left(journal)]
    assert "the server says they left the share (not signed by them)" in str(report.departures[0])
    # The removal is an entry the owner's device signed, like a revocation; the plan says
    # plainly that flags reach no one now.
    state = ana.replica.chains.current(journal)
    assert chain_members(ana, journal) == set()
    assert (await ana.safety.plan()).flags_reach == ()
    await ana.entries.write("Personal", "Written after the server's lie.")
    await ana.sync()
    # The therapist's access follows the signed chain: the new epoch is not sealed to them.
    await tom.sync()
    assert "Written after the server's lie." not in [e.body for e in await tom.entries.list()]
    # The owner shares again, and everything flows again.
    await ana.shares.grant(
        "Personal", THERAPIST, role="annotate", trust_on_first_use=True, full=True
    )
    assert chain_members(ana, journal) == {THERAPIST}
    assert ana.replica.chains.current(journal).epoch > state.epoch
    assert (await ana.safety.plan()).flags_reach == (THERAPIST,)
    await ana.entries.write("Personal", "After sharing again.")
    await ana.sync()
    await tom.sync()
    assert "After sharing again." in [e.body for e in await tom.entries.list()]
    assert (await ana.sync()).departures == []


async def test_a_leave_the_server_hides_from_sync_is_found_by_the_share_list(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    # A server that does not raise meta_version hides the leave from the sync: nothing is
    # told (and the chain still lists the therapist, whom flags are sealed for, as the owner
    # signed). Listing the shares asks the server's index, as before, and the next sync tells.
    ana, tom, journal = await shared(signup)
    await ana.sync()
    await tom.shares.leave("ana/Personal")
    with closing(sqlite3.connect(server_db(live_server))) as db:
        db.execute(
            "UPDATE journals SET meta_version = meta_version - 1 WHERE journal_id = ?", (journal,)
        )
        db.commit()
    assert (await ana.sync()).departures == []
    assert chain_members(ana, journal) == {THERAPIST}
    assert [(s.member, s.expired, s.dropped_at is not None) for s in await ana.shares.list()] == [
        (THERAPIST, True, True)
    ]  # listed as ended: they left (NU22 C9)
    assert timeless((await ana.sync()).departures) == [left(journal)]


async def test_a_therapist_whose_account_was_deleted_is_reported_once_with_that_reason(
    signup: ClientFactory,
) -> None:
    # Erasing an account does not raise meta_version: the owner's share list (or next change
    # of members) finds it, as before, and the next sync now tells, once.
    ana, tom, journal = await shared(signup)
    await ana.sync()
    await tom.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)
    [ended] = await ana.shares.list()
    assert ended.account_erased is not None
    [told] = (await ana.sync()).departures
    assert timeless([told]) == [left(journal, "account deleted")]
    assert "the server says their account was deleted; this device removed them" in str(told)
    assert (await ana.sync()).departures == []
