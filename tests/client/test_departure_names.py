"""A share change told by a sync names the journal as the device holds it once that sync
is done: another device renamed it, then shared it, and the same sync brings both (real
server on loopback, real crypto)."""

from __future__ import annotations

from client_sdk.departures import CHANGED, SHARED
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory


async def test_a_share_given_after_a_rename_on_another_device_is_told_by_the_new_name(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """The laptop renamed Dreams to "Ana's day" and shared it; the phone, holding it as
    Dreams, said "Dreams was shared with drlee from one of your devices" while its journal
    list, after the same sync, said "Ana's day" and no journal Dreams existed."""
    laptop = await signup("ana")
    drlee = await signup("drlee")
    dreams = await laptop.journals.create("Dreams")
    await laptop.sync()
    phone = await login("ana")
    await phone.sync()
    await laptop.journals.rename("Dreams", "Ana's day")
    await share_with(laptop, drlee, "Ana's day")
    report = await phone.sync()
    [told] = report.departures
    assert (told.reason, told.journal_id, told.member) == (SHARED, dreams.id, "drlee")
    assert told.journal == "Ana's day"
    assert str(told).startswith('"Ana\'s day" was shared with drlee from one of your devices (')
    assert "Dreams" not in str(told)
    assert [d.journal for d in await phone.unseen_departures()] == ["Ana's day"]
    await phone.mark_news_seen(report.departures)  # the name told is not the one kept
    assert await phone.unseen_departures() == []

    await laptop.journals.rename("Ana's day", "Night dreams")
    await share_with(laptop, drlee, "Night dreams", role="annotate")
    [changed] = (await phone.sync()).departures
    assert (changed.reason, changed.journal) == (CHANGED, "Night dreams")
    assert "'Night dreams'" in str(changed) and "Ana's day" not in str(changed)
