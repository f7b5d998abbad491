"""`client.briefs.share` syncs first (fix30e item 3): a device that had not synced since a
share with the therapist ended on another device no longer shares a brief of that journal;
prepared for what is shared with them, a brief whose scope changed is refused (subject
BRIEF_SCOPE), nothing shared. Real server, two devices of one account."""

from __future__ import annotations

import pytest

from client_sdk import InvalidInput
from client_sdk.practice import BRIEF_SCOPE
from tests.conftest import ClientFactory


async def test_a_stale_device_never_shares_a_brief_of_a_share_ended_elsewhere(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    drsmith = await signup("drsmith")
    fingerprint = await drsmith.shares.fingerprint()
    await laptop.journals.create("Dreams")
    await laptop.entries.write("Dreams", "Flying again.", mood=4, tags=["to-discuss"])
    await laptop.entries.write(None, "A day.", mood=5)
    for journal in ("Personal", "Dreams"):
        await laptop.shares.grant(journal, "drsmith", fingerprint=fingerprint, full=True)
    await laptop.sync()
    phone = await login("ana")
    await phone.sync()
    brief = await laptop.briefs.prepare(therapist="drsmith")
    assert sorted(brief.journals) == ["Dreams", "Personal"], brief.journals
    await phone.shares.revoke("Dreams", "drsmith")  # on the phone; the laptop has not synced
    await phone.sync()
    with pytest.raises(InvalidInput) as refused:
        await laptop.briefs.share(brief, "drsmith", fingerprint=fingerprint)
    assert refused.value.subject == BRIEF_SCOPE, refused.value
    assert "changed since this brief was prepared" in str(refused.value), refused.value
    await drsmith.sync()
    assert await drsmith.briefs.received() == []
    again = await laptop.briefs.prepare(therapist="drsmith")  # synced now: Personal alone
    assert again.journals == ["Personal"], again.journals
    await laptop.briefs.share(again, "drsmith", fingerprint=fingerprint)
    await drsmith.sync()
    [received] = await drsmith.briefs.received()
    assert "Flying again." not in received.text, received.text
