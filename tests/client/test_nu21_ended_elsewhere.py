"""NU21 C4 (second half): a share ended from one of the owner's devices is told once to the
owner's other devices, by their next sync report, decided from the owner-signed access chain
entries each verifies for the first time, never from a server answer. Real server on
127.0.0.1, real crypto; a hostile server is the proxy of tests/client/hostile.py."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from client_sdk import INSECURE_TEST_COST, Client, NetworkError, wire
from client_sdk.departures import EXPIRED, SHARED, UNSHARED, Departure
from client_sdk.errors import NotFound
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import journal_id, share_with
from tests.client.test_share_ended_notices import DAY_MS, move_clocks, shared_until_tomorrow
from tests.client.test_signup_failures import NOT_MSGPACK
from tests.conftest import PASSWORD, ClientFactory, RunningServer


def unshared_at(client: Client, journal: bytes) -> int:
    """The signed time (ms, UTC) of the journal's latest `removed` entry without `because`,
    as the client's verified chain has it."""
    state = client.replica.chains.state(journal)
    assert state is not None and state.unshared
    return list(state.unshared.values())[-1][1]


async def test_the_other_device_is_told_once_and_the_device_that_unshared_is_not(
    signup: ClientFactory, login: ClientFactory
) -> None:
    ana = await signup("ana")
    tom = await signup("tom")
    await ana.entries.write("Personal", "Before the share.")
    await share_with(ana, tom)
    phone = await login("ana")
    await phone.sync()
    await ana.sync()
    personal = await journal_id(ana, "Personal")
    ended = await phone.shares.revoke("Personal", "tom")
    assert list(ended) == ["Personal"]
    assert [(await phone.sync()).departures for _ in range(2)] == [[], []]  # it said so itself
    report = await ana.sync()
    told = Departure("tom", "Personal", personal.hex(), UNSHARED, unshared_at(ana, personal))
    assert report.departures == [told]
    assert told.at == unshared_at(phone, personal)  # the entry's signed time
    assert str(told).startswith(
        "Personal is no longer shared with tom: the share was ended from one of your devices ("
    )
    assert report.to_dict()["departures"] == [told.to_dict()]
    assert (await ana.sync()).departures == []  # once
    # A device that logs in later verifies the chain for the first time: old news.
    tablet = await login("ana", device="tablet")
    assert [(await tablet.sync()).departures for _ in range(2)] == [[], []]


async def test_a_share_ended_and_granted_again_before_the_other_device_syncs_is_not_told(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """Not told as ended: told once as the share given again, with its terms (NU30 #4)."""
    ana = await signup("ana")
    tom = await signup("tom")
    await share_with(ana, tom)
    phone = await login("ana")
    await phone.sync()
    await ana.sync()
    await phone.shares.revoke("Personal", "tom")
    await share_with(phone, tom, role="annotate")
    told = [[(d.member, d.reason, d.role) for d in (await ana.sync()).departures] for _ in "12"]
    assert told == [[("tom", SHARED, "annotate")], []]
    [share] = await ana.shares.list()
    assert (share.member, share.role) == ("tom", "annotate")


async def test_a_field_level_copy_ended_from_another_device_is_told_once_by_its_source(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """`tj share Personal tom --only mood`, later `tj unshare Personal tom`, both on the
    phone: the laptop hears once that tom no longer reads the moods of Personal (from the
    copy's signed `removed`; the source's `limited_removed` tells nothing more), with the
    source and fields to share again with."""
    ana = await signup("ana")
    tom = await signup("tom")
    await ana.entries.write("Personal", "Mood only.", mood=3)
    phone = await login("ana")
    await phone.sync()
    copy = await share_with(phone, tom, only=["mood"])
    [given] = (await ana.sync()).departures  # the new copy, told once (NU62 F6)
    assert (given.member, given.journal_id, given.reason) == ("tom", copy.journal_id, SHARED)
    assert (given.source, given.fields) == ("Personal", ("mood",))
    assert (await ana.sync()).departures == []
    await phone.shares.revoke("Personal", "tom")
    copy_id = bytes.fromhex(copy.journal_id)
    [told] = (await ana.sync()).departures
    assert (told.member, told.journal_id, told.reason, told.owner) == (
        "tom",
        copy_id.hex(),
        UNSHARED,
        "",
    )
    assert (told.source, told.fields, told.at) == ("Personal", ("mood",), unshared_at(ana, copy_id))
    assert str(told).startswith(
        "tom no longer reads the mood of Personal (a copy kept for them): the share was ended "
        "from one of your devices ("
    )
    assert (await ana.sync()).departures == []
    assert (await phone.sync()).departures == []


async def test_a_share_narrowed_to_a_copy_on_another_device_is_told_as_narrowed(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """Narrowing removes tom's whole share of Personal (a signed `removed`) and gives him a
    copy of its moods: he still reads part of Personal, through the copy; the laptop is told
    once that his whole-journal share ended, naming the copy (NU24 C10: it was told nothing,
    while `tj unshare` on the phone is told)."""
    ana = await signup("ana")
    tom = await signup("tom")
    await ana.entries.write("Personal", "Narrowed.", mood=2)
    await share_with(ana, tom)
    phone = await login("ana")
    await phone.sync()
    await ana.sync()
    await share_with(phone, tom, only=["mood"])
    personal = await journal_id(ana, "Personal")
    first, second = [(await ana.sync()).departures for _ in range(2)]
    assert first == [
        Departure(
            "tom", "Personal", personal.hex(), UNSHARED, unshared_at(ana, personal),
            narrowed="Personal (mood) for tom",
        )
    ]  # fmt: skip
    assert second == []
    assert str(first[0]).startswith("tom no longer reads all of Personal: the share was ended")
    assert unshared_at(ana, personal) > 0  # precondition: the whole share was removed


async def test_an_end_date_another_device_acted_on_is_told_once_without_naming_the_device(
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The phone's sync ends tom's share at its signed end date (an `ended` entry) and tells
    it; the laptop, verifying that entry, is told once too, in words true of either."""
    ana, _, personal, end = await shared_until_tomorrow(signup)
    phone = await login("ana")
    await phone.sync()
    await ana.sync()
    move_clocks(live_server, monkeypatch, 2 * DAY_MS)
    told = Departure("tom", "Personal", personal.hex(), EXPIRED, end)
    assert (await phone.sync()).departures == [told]
    assert (await ana.sync()).departures == [told]
    assert "one of your devices removed them" in str(told)
    assert [(await d.sync()).departures for d in (ana, phone, ana)] == [[], [], []]


async def test_a_server_withholding_the_signed_removal_only_delays_the_notice(
    signup: ClientFactory, login: ClientFactory, hostile: HostileServer, tmp_path: Path
) -> None:
    """The laptop syncs through a server that lists Personal with the access chain it had
    before the phone's removal: nothing is told (the laptop has not verified any removal);
    once the chain is served, the notice comes, once."""
    ana = await signup("ana")
    tom = await signup("tom")
    await share_with(ana, tom)
    laptop = await Client.login(
        hostile.url,
        "ana",
        PASSWORD,
        home=tmp_path / "ana-via-proxy",
        device_name="laptop2",
        minimum_cost=INSECURE_TEST_COST,
    )
    try:
        await laptop.sync()
        personal = await journal_id(ana, "Personal")
        state = laptop.replica.chains.state(personal)
        assert state is not None
        verified = state.length

        def withheld(request: bytes, reply: bytes) -> bytes:
            listed = wire.decode(wire.JournalList, reply).journals
            return wire.encode(
                wire.JournalList(
                    [
                        dataclasses.replace(j, chain_length=verified)
                        if j.journal_id == personal
                        else j
                        for j in listed
                    ]
                )
            )

        hostile.replies["/v1/journals/list"] = withheld
        await ana.shares.revoke("Personal", "tom")
        for _ in range(2):
            try:
                assert [d.reason for d in (await laptop.sync()).departures] == []
            except NetworkError:
                pass  # refusing to go on is a fine answer too; telling is not
        del hostile.replies["/v1/journals/list"]
        told = [d for _ in range(2) for d in (await laptop.sync()).departures]
        assert [(d.member, d.reason) for d in told] == [("tom", UNSHARED)]
    finally:
        await laptop.close()


async def test_a_device_whose_unshare_reply_was_lost_is_told_the_outcome_once(
    through: Through, signup: ClientFactory, hostile: HostileServer
) -> None:
    """ana's only device unshares; the server applies the rotation but garbles its reply.
    The call fails; the next syncs verify the removal this device signed: told once, in
    words true of it ("from one of your devices"), never "another device"."""
    ana = await through("ana")
    tom = await signup("tom")
    await share_with(ana, tom)
    await ana.sync()
    personal = await journal_id(ana, "Personal")
    hostile.replies["/v1/journals/rotate"] = lambda request, reply: NOT_MSGPACK
    with pytest.raises(NetworkError):
        await ana.shares.revoke("Personal", "tom")
    del hostile.replies["/v1/journals/rotate"]
    told = [d for _ in range(2) for d in (await ana.sync()).departures]
    assert told == [
        Departure("tom", "Personal", personal.hex(), UNSHARED, unshared_at(ana, personal))
    ]
    assert "another" not in str(told[0])


@pytest.mark.parametrize("change", ["other fields", "whole journal"])
async def test_a_copy_replaced_on_another_device_is_not_told_as_ended(
    change: str, signup: ClientFactory, login: ClientFactory
) -> None:
    """tom reads the moods of Personal through a copy; the phone gives him other fields (a
    new copy: the old one ends) or the whole journal. He still reads Personal: the laptop is
    told no end; the whole journal shared is told as a share given (NU30 #4), and so is a new
    copy (NU62 F6: a journal this device did not have)."""
    ana = await signup("ana")
    tom = await signup("tom")
    await ana.entries.write("Personal", "Copied.", mood=4)
    await share_with(ana, tom, only=["mood"])
    phone = await login("ana")
    await phone.sync()
    await ana.sync()
    if change == "other fields":
        await share_with(phone, tom, only=["mood", "tags"])
    else:
        await share_with(phone, tom, full=True)
    told = [[(d.member, d.reason) for d in (await ana.sync()).departures] for _ in "12"]
    assert told == [[("tom", SHARED)], []]


async def test_the_device_told_already_ended_by_its_own_unshare_is_not_told_again(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """Laptop and phone end the same share (NU21 C4's race): the laptop, whose unshare
    found the phone's removal, says "already ended"; its next sync does not say it again."""
    ana = await signup("ana")
    tom = await signup("tom")
    await share_with(ana, tom)
    phone = await login("ana")
    await phone.sync()
    await ana.sync()
    await phone.shares.revoke("Personal", "tom")
    with pytest.raises(NotFound) as found:
        await ana.shares.revoke("Personal", "tom")
    assert found.value.subject == "share already ended"
    assert [(await ana.sync()).departures for _ in range(2)] == [[], []]


async def test_the_journal_of_single_items_ended_on_another_device_is_told_as_such(
    signup: ClientFactory, login: ClientFactory
) -> None:
    ana = await signup("ana")
    tom = await signup("tom")
    entry = await ana.entries.write("Personal", "One entry to share.")
    await ana.sync()
    phone = await login("ana")
    await phone.sync()
    await phone.shares.grant_entry(entry.id, "tom", fingerprint=await tom.shares.fingerprint())
    assert (await ana.sync()).departures == []
    await phone.shares.revoke("Shared with tom", "tom")
    [told] = (await ana.sync()).departures
    assert (told.member, told.journal, told.reason, told.items) == (
        "tom",
        "Shared with tom",
        UNSHARED,
        True,
    )
    assert str(told).startswith(
        "the entries and results you shared one by one with tom ('Shared with tom') are no "
        "longer shared with them: the share was ended from one of your devices ("
    )
    assert (await ana.sync()).departures == []
