"""A safety flag sealed on a device that did not know its journal had been deleted on
another of the client's devices is refused by the server for good (set aside): the sync
that finds it says once that it may NOT reach the therapist (`SyncReport.undelivered_flags`,
cause JOURNAL_GONE), in words that never claim the deletion on the server's word alone (real
server on loopback, real crypto)."""

from __future__ import annotations

import pytest

from client_sdk import INSECURE_TEST_COST, AuthError, Client
from client_sdk.safety import JOURNAL_GONE, NOT_SENT
from tests.client.sharing_support import share_with
from tests.conftest import PASSWORD, ClientFactory

ITEM_9 = [1, 1, 1, 1, 1, 1, 1, 1, 2]


async def opted_in(signup: ClientFactory, login: ClientFactory) -> tuple[Client, Client, Client]:
    laptop, drsmith = await signup("ana"), await signup("drsmith")
    await laptop.journals.create("Work")
    await share_with(laptop, drsmith, role="annotate", journal="Work")
    await laptop.safety.set_plan(journal="Work", share_flags=True)
    await laptop.sync()
    phone = await login("ana")
    await phone.sync()
    return laptop, phone, drsmith


async def test_a_flag_of_a_journal_deleted_elsewhere_is_told_as_may_not_reach(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop, phone, drsmith = await opted_in(signup, login)
    taken = await phone.measures.take("phq9", ITEM_9, journal="Work")  # not synced: "offline"
    flag_id = (await phone.safety.respond(taken.result)).flag_id
    assert flag_id is not None and await phone.safety.waiting(flag_id)
    await laptop.journals.delete("Work")

    report = await phone.sync()
    [told] = report.undelivered_flags
    assert (told.flag_id, told.members, told.measure) == (flag_id, ("drsmith",), "phq9")
    assert told.cause == JOURNAL_GONE and not told.surely
    assert told.to_dict()["cause"] == JOURNAL_GONE
    said = " ".join(report.lines())
    assert "may NOT reach drsmith" in said and "tell them yourself" in said
    assert "may have been deleted on another of your devices" in said
    assert "was deleted" not in told.line()  # the server's word alone: never claimed
    assert report.has_notices()
    assert await phone.safety.waiting(flag_id)  # still kept set aside on this device
    assert (await phone.sync()).undelivered_flags == []  # told once
    [left] = await phone.safety.unsent()  # still set aside here, with why
    assert (left.flag_id, left.cause) == (flag_id, JOURNAL_GONE)

    await drsmith.sync()
    assert flag_id not in {f.id for f in await drsmith.safety.flags()}


async def test_a_flag_left_on_the_device_of_an_erased_account_is_told_as_not_sent(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop, phone, _ = await opted_in(signup, login)
    taken = await phone.measures.take("phq9", ITEM_9, journal="Work")  # not synced: "offline"
    flag_id = (await phone.safety.respond(taken.result)).flag_id
    await laptop.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)
    with pytest.raises(AuthError):
        await phone.sync()
    [left] = await phone.safety.unsent()
    assert (left.flag_id, left.members, left.cause) == (flag_id, ("drsmith",), NOT_SENT)
    assert "has NOT left this device" in left.line() and "tell them yourself" in left.line()
