"""Both sides are told, once, by a sync report, when a share ends (NU19 C6, C8): the owner
when the end date it signed passes (and its list of shares keeps the ended share), the member
when the owner-signed chain its device verified ends or narrows its share, or, as the
server's word, when the server stops serving a journal the chain still grants."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from client_sdk import INSECURE_TEST_COST, Client
from client_sdk.departures import EXPIRED, NARROWED, UNLISTED, Departure
from tests.client.recording_proxy import recording_proxy
from tests.client.sharing_support import journal_id, share_with
from tests.conftest import PASSWORD, ClientFactory, RunningServer

DAY_MS = 24 * 3600 * 1000


def move_clocks(live_server: RunningServer, monkeypatch: pytest.MonkeyPatch, ms: int) -> int:
    """The server's clock and the devices' clocks `ms` later; returns the new time."""
    live_server.clock.now += ms
    later = live_server.clock.now
    for module in ("client_sdk.replica", "client_sdk.sharing"):
        monkeypatch.setattr(f"{module}.now_ms", lambda: later)
    return later


async def shared_until_tomorrow(signup: ClientFactory) -> tuple[Client, Client, bytes, int]:
    ana, tom = await signup("ana"), await signup("tom")
    await ana.entries.write("Personal", "Before the end date.")
    share = await share_with(
        ana, tom, role="annotate", expires_at=datetime.now().astimezone() + timedelta(days=1)
    )
    assert share.expires_at is not None
    await tom.sync()
    assert [s.role for s in await tom.shares.with_me()] == ["annotate"]
    end = int(share.expires_at.timestamp() * 1000)
    return ana, tom, await journal_id(ana, "Personal"), end


async def test_the_owner_is_told_once_when_the_end_date_passed_and_keeps_the_row(
    signup: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    ana, tom, journal, end = await shared_until_tomorrow(signup)
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
            move_clocks(live_server, monkeypatch, 2 * DAY_MS)
            report = await phone.sync()
            told = Departure("tom", "Personal", journal.hex(), EXPIRED, end)
            assert report.departures == [told]
            assert str(told).startswith("your share of Personal with tom ended (its end date, ")
            assert report.to_dict()["departures"] == [told.to_dict()]
            proxy.requests.clear()
            assert (await phone.sync()).departures == []  # once
            assert proxy.paths() == ["/v1/sync"]  # and a no-op sync stays one request
            listed = await phone.shares.list()
            assert [(s.member, s.role, s.expired) for s in listed] == [("tom", "annotate", True)]
            assert listed[0].expires_at is not None
            assert int(listed[0].expires_at.timestamp() * 1000) == end
        finally:
            await phone.close()
    # The other device of the owner learns the signed end from the chain: it is told once
    # too, in words true of either device ("one of your devices removed them", NU21 C4), and
    # lists the ended share too (the chain's `ended` entry).
    told = Departure("tom", "Personal", journal.hex(), EXPIRED, end)
    assert (await ana.sync()).departures == [told]
    assert "one of your devices removed them" in str(told) and "this device" not in str(told)
    assert (await ana.sync()).departures == []
    assert [(s.member, s.expired) for s in await ana.shares.list()] == [("tom", True)]
    # Sharing again replaces the ended row with the new share.
    await share_with(ana, tom, role="read")
    assert [(s.member, s.role, s.expired) for s in await ana.shares.list()] == [
        ("tom", "read", False)
    ]


async def test_the_member_is_told_once_when_the_signed_end_date_passed(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana, tom, journal, end = await shared_until_tomorrow(signup)
    move_clocks(live_server, monkeypatch, 2 * DAY_MS)
    await ana.sync()  # the owner's device ends the share (signed `ended`, new key epoch)
    report = await tom.sync()
    told = Departure("tom", "Personal", journal.hex(), EXPIRED, end, owner="ana")
    assert report.departures == [told]
    assert str(told).startswith("ana's share of 'Personal' with you ended (its end date, ")
    assert (await tom.sync()).departures == []
    assert [s.share_ended for s in await tom.shares.with_me()] == [True]
    assert (await tom.sync()).departures == []  # listing shares tells nothing again


async def test_the_member_is_told_when_the_server_stops_serving_a_revoked_share(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await ana.entries.write("Personal", "Shared.")
    await share_with(ana, tom)
    await tom.sync()
    journal = await journal_id(ana, "Personal")
    await ana.shares.revoke("Personal", "tom")
    report = await tom.sync()
    # A removed member is not served the signed removal: the server's word, said as such.
    [told] = report.departures
    assert (told.member, told.owner, told.journal, told.journal_id, told.reason) == (
        "tom",
        "ana",
        "Personal",
        journal.hex(),
        UNLISTED,
    )
    assert (
        "ana stopped sharing it or now shares less of it (the server no longer shows this "
        "device their signed change), or the server is withholding it" in str(told)
    )
    assert (await tom.sync()).departures == []


async def test_the_member_is_told_when_the_owner_narrows_the_share_to_read(
    signup: ClientFactory,
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await ana.entries.write("Personal", "Shared.")
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    await share_with(ana, tom, role="read")
    [told] = (await tom.sync()).departures
    assert (told.owner, told.reason) == ("ana", NARROWED)
    assert str(told).startswith("ana made your share of 'Personal' read-only")
    assert (await tom.sync()).departures == []


async def test_a_member_who_left_is_not_told_its_own_leave(signup: ClientFactory) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await ana.entries.write("Personal", "Shared.")
    await share_with(ana, tom)
    await tom.sync()
    await tom.shares.leave("ana/Personal")
    assert (await tom.sync()).departures == []


async def test_a_server_whose_clock_runs_ahead_cannot_make_a_member_told_the_end_date_passed(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    # The server stops serving the share by its own clock; the member's device, whose clock
    # has not reached the signed end date, says only what the server did, as its word.
    ana, tom, journal, end = await shared_until_tomorrow(signup)
    live_server.clock.now += 2 * DAY_MS  # the server's clock alone
    [told] = (await tom.sync()).departures
    assert (told.journal_id, told.reason) == (journal.hex(), UNLISTED)
    assert "or the server is withholding it" in str(told)
    assert (await tom.sync()).departures == []


async def test_a_member_device_is_told_once_and_a_no_op_sync_stays_one_request(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await ana.entries.write("Personal", "Shared.")
    await share_with(ana, tom)
    await tom.sync()
    async with recording_proxy(live_server.url) as proxy:
        phone = await Client.login(
            proxy.url,
            "tom",
            PASSWORD,
            home=tmp_path / "tom-phone",
            device_name="phone",
            minimum_cost=INSECURE_TEST_COST,
        )
        try:
            await phone.sync()
            await phone.sync()
            proxy.requests.clear()
            assert (await phone.sync()).departures == []
            assert proxy.paths() == ["/v1/sync"]
            await ana.shares.revoke("Personal", "tom")
            assert [d.reason for d in (await phone.sync()).departures] == [UNLISTED]
            proxy.requests.clear()
            assert (await phone.sync()).departures == []
            assert proxy.paths() == ["/v1/sync"]
        finally:
            await phone.close()
    # The other device of the member learns it on its own, once.
    assert [d.reason for d in (await tom.sync()).departures] == [UNLISTED]
    assert (await tom.sync()).departures == []


async def test_a_brief_reaching_its_end_date_is_no_news_to_either_side(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A pre-session brief is shared for one session until an end date: its end is not a
    # share the client renews, and the client's list of shares does not keep every old one.
    ana, tom, journal, end = await shared_until_tomorrow(signup)
    brief = await ana.briefs.prepare(journals=["Personal"])
    await ana.briefs.share(
        brief,
        "tom",
        expires_at=datetime.now().astimezone() + timedelta(days=1),
        fingerprint=await tom.shares.fingerprint(),
    )
    await ana.sync()
    await tom.sync()
    assert len(await tom.briefs.received()) == 1
    move_clocks(live_server, monkeypatch, 2 * DAY_MS)
    assert [(d.journal, d.reason) for d in (await ana.sync()).departures] == [("Personal", EXPIRED)]
    assert [(s.journal, s.kind) for s in await ana.shares.list()] == [("Personal", "journal")]
    assert [(d.journal_id, d.reason) for d in (await tom.sync()).departures] == [
        (journal.hex(), EXPIRED)
    ]
