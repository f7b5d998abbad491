"""The journal news a journal list read inside another call brings (a share's own sync, a
push outside a sync) are kept for `unseen_news`, never lost: an owner's rename seen by a
therapist's sync run inside her own share, and a journal another of this account's devices
created, seen by a `push_outbox`'s list read (rev30c F5). Those reads store the new names,
so no later sync finds them changed. Real server on loopback, real crypto."""

from __future__ import annotations

from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory


async def test_an_owners_rename_seen_by_a_therapists_own_share_is_kept(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    drsmith = await signup("drsmith")
    colleague = await signup("colleague")
    await share_with(ana, drsmith, role="annotate")
    await drsmith.sync()
    await drsmith.mark_news_seen()
    await drsmith.journals.create("Practice")
    await ana.journals.rename("Personal", "Work")
    await ana.sync()

    await share_with(drsmith, colleague, journal="Practice")  # its grant syncs first
    told = [str(n) for n in await drsmith.unseen_news()]
    assert any("ana/Work renamed (from ana/Personal)" in n for n in told), told
    assert (await drsmith.journals.get("ana/Work")).name == "ana/Work"


async def test_a_journal_made_on_another_device_seen_by_a_push_outside_a_sync_is_kept(
    signup: ClientFactory,
    login: ClientFactory,
) -> None:
    laptop = await signup("ana")
    phone = await login("ana")
    await laptop.sync()
    await phone.sync()
    await laptop.mark_news_seen()
    await phone.journals.create("Dreams")
    await phone.sync()

    await laptop.entries.write("Personal", "Written on the laptop.")
    await laptop.replica.push_outbox()  # reads the journal list first: stores "Dreams"
    told = [str(n) for n in await laptop.unseen_news()]
    assert any("Dreams" in n for n in told), told
    assert (await laptop.sync()).news == []  # stored: no sync finds it new again
