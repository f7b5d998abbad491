"""NU45: an app developer's review of the SDK. #2: a datetime passed where a calendar day is
taken (a goal's target, ...) is refused, never stored as a day that reads back as none. #3:
`logout()` refuses to delete changes that never reached the server unless told to. #5:
renaming, archiving or deleting a journal needs the server: offline, NetworkError and
nothing changed. #10: `devices.revoke` refuses this device and points to `logout()`. Real
server on loopback, real crypto."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from client_sdk import (
    AuthError,
    Client,
    InvalidInput,
    LoggedOut,
    NetworkError,
    UnsyncedChanges,
)
from client_sdk.documents import Document
from client_sdk.goals import GOAL, goal_view, new_goal_update
from client_sdk.inputs import expected
from client_sdk.transport import NO_RETRY
from tests.client.test_nu27_inputs import MANAGERS, manager_class, public_methods
from tests.client.test_nu40_findings import unused_port
from tests.conftest import ClientFactory

TARGET = date(2027, 3, 1)
NOON = datetime(2027, 4, 1, 12, 0)


def go_offline(client: Client) -> str:
    """Point `client` at a port nobody listens on (the server unreachable, no retries);
    returns the server's address, to go back online with."""
    online = client.transport.base_url
    client.transport.base_url = f"http://127.0.0.1:{unused_port()}"
    client.transport.retry = NO_RETRY
    return online


# --- #2: a calendar day is a date, never a datetime ------------------------------------------


async def test_a_datetime_for_a_goal_target_is_refused_and_an_existing_target_kept(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    goal = await ana.goals.add("Walk", target=TARGET)
    assert goal.target == TARGET
    for call_it in (
        lambda: ana.goals.add("Run", target=NOON),
        lambda: ana.goals.edit(goal.id, target=NOON.astimezone()),
    ):
        with pytest.raises(InvalidInput) as raised:
            await call_it()
        assert str(raised.value).startswith(
            "target is a date or None, not a datetime (datetime.datetime(2027, 4, 1, 12, 0"
        ), raised.value
        assert str(raised.value).endswith(
            ": it takes a calendar day (a datetime.date); pass the datetime's .date()"
        )
    assert [(g.title, g.target) for g in await ana.goals.list()] == [("Walk", TARGET)]
    edited = await ana.goals.edit(goal.id, target=NOON.date())  # as the message says
    assert edited.target == date(2027, 4, 1)


async def test_every_date_only_parameter_of_the_public_api_refuses_a_datetime(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    await ana.entries.write(None, "x", mood=5)
    for call_it, name in [
        (lambda: ana.entries.on_this_day(NOON), "today"),
        (lambda: ana.insights.summary(since=NOON), "since"),
        (lambda: ana.insights.summary(today=NOON), "today"),
        (lambda: ana.insights.report_html(since=NOON), "since"),
    ]:
        with pytest.raises(InvalidInput, match=rf"^{name} is a date or None, not a datetime"):
            await call_it()
    # a parameter that takes a day or a moment still takes both
    assert len(await ana.entries.list(since=datetime(2000, 1, 1, tzinfo=UTC))) == 1
    assert len(await ana.entries.list(since=date(2000, 1, 1))) == 1
    # and every public parameter annotated with a date, but not a datetime, refuses one
    date_only = []
    for cls in [Client, *(manager_class(name) for name in MANAGERS)]:
        for method, signature in public_methods(cls):
            for parameter in signature.parameters.values():
                wanted = expected(parameter.annotation)
                if wanted is None or "date" not in (*wanted.scalars, *(wanted.items or ())):
                    continue
                if "datetime" in (*wanted.scalars, *(wanted.items or ())):
                    assert wanted.accepts(NOON)
                    continue
                date_only.append(f"{cls.__name__}.{method}({parameter.name})")
                assert not wanted.accepts(NOON) and not wanted.accepts([NOON])
                assert wanted.accepts(TARGET) or wanted.accepts([TARGET])
    assert {
        "Goals.add(target)",
        "Goals.edit(target)",
        "Entries.on_this_day(today)",
        "InsightReports.summary(since)",
        "InsightReports.summary(today)",
        "InsightReports.report_html(since)",
    } <= set(date_only), date_only


def test_a_target_an_older_sdk_stored_as_a_date_time_reads_as_its_day() -> None:
    """What a datetime target became before the check (on every device and member it
    synced to) reads back as its day, no longer as no target."""
    document = Document(b"\x07" * 16, GOAL)
    new_goal_update(document, "Walk", 1_000, target=TARGET)
    for stored, day in [
        ("2027-03-01T12:00:00", TARGET),
        ("2027-04-01T23:30:00+02:00", date(2027, 4, 1)),
        ("next spring", None),
    ]:
        document.change(fields={"target": stored})
        assert goal_view(document, "Personal", "00" * 16).target == day


def test_the_pure_goal_core_refuses_a_datetime_target() -> None:
    document = Document(b"\x08" * 16, GOAL)
    with pytest.raises(InvalidInput, match=r"calendar day \(a datetime.date\), not a datetime"):
        new_goal_update(document, "Walk", 1_000, target=NOON)


# --- #3: logout keeps unsynced changes unless told to drop them ------------------------------


async def test_logout_refuses_while_changes_never_reached_the_server_and_deletes_nothing(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    phone = await login("ana")
    online = go_offline(phone)
    await phone.entries.write(None, "Written offline on the phone.")
    with pytest.raises(UnsyncedChanges) as raised:
        await phone.logout()
    refused = raised.value
    assert isinstance(refused, InvalidInput)
    assert (refused.count, refused.set_aside, refused.subject) == (1, 0, "unsynced changes")
    assert str(refused) == (
        "changes to 1 item (entries, goals, notes...) written on this device have not reached "
        "the server, and logging out would delete them for good. Sync first when the server "
        "can be reached, or log out with discard_unsynced=1 once the user agreed to lose "
        "them. Nothing was deleted"
    )
    assert (phone.home / "store.db").exists()
    assert await phone.unsynced_changes() == 1  # still open, still there

    phone.transport.base_url = online  # back online: a sync sends it, then logout is free
    await phone.sync()
    assert await phone.logout() == LoggedOut(0, True, phone.profile.device_id.hex())
    await laptop.sync()
    assert [e.body for e in await laptop.entries.list()] == ["Written offline on the phone."]


async def test_logout_with_discard_unsynced_drops_them_as_before(
    signup: ClientFactory, login: ClientFactory
) -> None:
    await signup("ana")
    phone = await login("ana")
    go_offline(phone)
    await phone.entries.write(None, "Dropped on purpose.")
    await phone.goals.add("Dropped too")
    done = await phone.logout(discard_unsynced=True)
    assert done == LoggedOut(2, False, phone.profile.device_id.hex())
    assert not (phone.home / "store.db").exists()


# --- #5: journal metadata changes need the server --------------------------------------------


async def test_renaming_archiving_or_deleting_a_journal_offline_raises_and_changes_nothing(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    await ana.journals.create("Dreams")
    await ana.sync()
    go_offline(ana)
    for call_it in (
        lambda: ana.journals.rename("Dreams", "Night"),
        lambda: ana.journals.archive("Dreams"),
        lambda: ana.journals.delete("Dreams"),
    ):
        with pytest.raises(NetworkError):
            await call_it()
    dreams = await ana.journals.get("Dreams")
    assert (dreams.name, dreams.archived) == ("Dreams", False)
    # a journal created offline, which the server never held, is deleted offline
    await ana.journals.create("Draft")
    await ana.journals.delete("Draft")
    assert sorted(j.name for j in await ana.journals.list()) == ["Dreams", "Personal"]


# --- #10: revoking this device is refused ----------------------------------------------------


async def test_revoking_this_device_is_refused_and_points_to_logout(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    phone = await login("ana")
    me = laptop.profile.device_id.hex()
    for named in (me, me[:8], "laptop"):
        with pytest.raises(InvalidInput) as raised:
            await laptop.devices.revoke(named)
        assert raised.value.subject == "device"
        assert str(raised.value) == (
            f"'laptop' ({me[:12]}) is this device: to sign it out, log out (Client.logout), "
            "which also deletes its local data; revoking it would leave the data here with a "
            "session that no longer works. Nothing was changed"
        )
    await laptop.sync()  # still signed in
    await laptop.devices.revoke("phone")  # another device: signed out as before
    assert [d.name for d in await laptop.devices.list()] == ["laptop"]
    with pytest.raises(AuthError):
        await phone.sync()
