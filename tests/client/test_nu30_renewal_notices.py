"""NU30 #4: a share renewed, or given anew, from one of the owner's devices is told once to
the account's other devices, from the owner-signed chain they verify ("renewed": a new
membership after one that reached its end date, or new terms signed after the end date had
passed; "shared": a first membership), never on the device that made it. Real server on
127.0.0.1, real crypto."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from client_sdk import access
from client_sdk.departures import EXPIRED, RENEWED, SHARED, UNSHARED
from tests.client.sharing_support import journal_id, share_with
from tests.client.test_nu29_findings import DAY_MS, move_clock
from tests.conftest import ClientFactory, RunningServer


def ms(moment: datetime | None) -> int:
    return int(moment.timestamp() * 1000) if moment is not None else 0


def utc(at: int) -> str:
    return datetime.fromtimestamp(at / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")


async def test_a_lapsed_share_renewed_on_one_device_is_told_once_on_the_other(
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    phone = await login("ana")
    await ana.entries.write("Personal", "Shared until tomorrow.")
    first = await share_with(
        ana, tom, role="annotate", expires_at=datetime.now().astimezone() + timedelta(days=1)
    )
    await phone.sync()
    later = move_clock(live_server, monkeypatch, 2 * DAY_MS)
    assert [d.reason for d in (await ana.sync()).departures] == [EXPIRED]  # signs `ended`
    assert [d.reason for d in (await phone.sync()).departures] == [EXPIRED]

    new_end = datetime.fromtimestamp((later + 30 * DAY_MS) / 1000, UTC)
    renewed = await ana.shares.grant("Personal", "tom", expires_at=new_end)
    # said by `grant` as a renewal: the terms of the membership that reached its end date
    # (an `ended` entry closed it: this is a new membership, told as a renewal all the same)
    assert (renewed.previous_role, renewed.previous_expired) == ("annotate", True)
    assert renewed.previous_expires_at == first.expires_at is not None
    assert (await ana.sync()).departures == []  # its own renewal: said by `grant`
    [told] = (await phone.sync()).departures
    personal = await journal_id(ana, "Personal")
    assert (told.member, told.owner, told.journal_id, told.reason) == (
        "tom",
        "",
        personal.hex(),
        RENEWED,
    )
    assert (told.role, told.until) == ("annotate", ms(renewed.expires_at))
    assert str(told).startswith("tom's share of Personal was renewed from one of your devices (")
    assert str(told).endswith(f"): annotate until {utc(ms(renewed.expires_at))}")
    assert (await phone.sync()).departures == []  # once


async def test_a_share_ended_and_renewed_before_the_other_device_synced_is_told_renewed_alone(
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    phone = await login("ana")
    await ana.entries.write("Personal", "Shared until tomorrow.")
    await share_with(ana, tom, expires_at=datetime.now().astimezone() + timedelta(days=1))
    await phone.sync()
    later = move_clock(live_server, monkeypatch, 2 * DAY_MS)
    await ana.sync()  # signs the `ended` entry; the phone does not sync meanwhile
    await ana.shares.grant("Personal", "tom", no_end=True)
    [told] = (await phone.sync()).departures
    assert (told.reason, told.role, told.until, told.at > later - DAY_MS) == (
        RENEWED,
        "read",
        0,
        True,
    )
    assert str(told).endswith("): read, with no end date")
    assert (await phone.sync()).departures == []


async def test_new_terms_signed_after_the_end_date_passed_are_told_as_a_renewal(
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The membership lapsed but no device signed its `ended` entry yet: a `changed` entry
    signed then renews the same membership, told "renewed", not "given new terms"."""
    ana, tom = await signup("ana"), await signup("tom")
    phone = await login("ana")
    await ana.entries.write("Personal", "Shared until tomorrow.")
    await share_with(ana, tom, expires_at=datetime.now().astimezone() + timedelta(days=1))
    await phone.sync()
    later = move_clock(live_server, monkeypatch, 2 * DAY_MS)
    personal = await journal_id(ana, "Personal")
    local = await ana.context.local_journal("Personal")
    member = ana.replica.chains.current(personal).member_by_account(tom.profile.account_id)
    assert member is not None and member.ended(later)
    new_end = later + 30 * DAY_MS
    await ana.replica.change_access(local, [access.changed(member.handle, "read", new_end)])
    after = ana.replica.chains.current(personal).member_by_account(tom.profile.account_id)
    assert after is not None and after.handle == member.handle  # the same membership
    [told] = (await phone.sync()).departures
    assert (told.member, told.reason, told.role, told.until) == ("tom", RENEWED, "read", new_end)
    assert "renewed from one of your devices" in str(told)
    assert (await phone.sync()).departures == []


async def test_a_new_share_is_told_once_to_the_other_device_and_an_unshare_then_a_share_too(
    signup: ClientFactory, login: ClientFactory
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    phone = await login("ana")
    await ana.entries.write("Personal", "Not shared yet.")
    await phone.sync()
    shared = await share_with(ana, tom, role="annotate")
    assert (await ana.sync()).departures == []
    [told] = (await phone.sync()).departures
    personal = await journal_id(ana, "Personal")
    assert (told.member, told.owner, told.journal_id, told.reason) == (
        "tom",
        "",
        personal.hex(),
        SHARED,
    )
    assert (told.role, told.until) == ("annotate", ms(shared.expires_at))
    assert str(told).startswith("Personal was shared with tom from one of your devices (")
    assert str(told).endswith("): annotate, with no end date")
    assert (await phone.sync()).departures == []

    await ana.shares.revoke("Personal", "tom")
    assert [d.reason for d in (await phone.sync()).departures] == [UNSHARED]
    await share_with(ana, tom)
    [again] = (await phone.sync()).departures
    assert (again.reason, again.role) == (SHARED, "read")
    # Shared and unshared again before the phone synced: only the end is told.
    await ana.shares.revoke("Personal", "tom")
    await share_with(ana, tom)
    await ana.shares.revoke("Personal", "tom")
    assert [d.reason for d in (await phone.sync()).departures] == [UNSHARED]
