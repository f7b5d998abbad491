"""A member writes several changes offline in a share (new notes, and the withdrawal of a
note the server already holds); the owner ends the share; the member's next sync has them
refused for good and set aside; the member agrees to lose them (`drop_set_aside`, what `tj
set-aside drop` does) and discards the copy (`shares.forget`); the owner shares the journal
again. Every counter the dropped records drew must be withdrawn in the member's next record
there (protocol.md 4.18, kept under the keyed tag while the copy is gone), so that no
device, the member's or the owner's, reports the server as withholding records; and a
hostile server deleting the record that carries the withdrawal is still reported.

Real server on 127.0.0.1, real crypto."""

from __future__ import annotations

import pytest

from client_sdk import Client
from client_sdk.errors import WithheldRecordsError
from client_sdk.store import STORE_FILE
from tests.client.sharing_support import journal_id, rows, server_db, share_with
from tests.client.test_withdrawal_outlives_forget import assert_nothing_withheld, share_again
from tests.client.test_withholding import drop_record, journal_seqs
from tests.conftest import ClientFactory, RunningServer


async def several_changes_set_aside(ana: Client, tom: Client) -> bytes:
    """tom's delivered note, then three changes no sync sends before ana ends the share: two
    new notes and the withdrawal of the delivered one. Returns the journal's id."""
    await ana.entries.write("Personal", "an entry")
    await share_with(ana, tom, role="annotate")
    await ana.sync(strict=True)
    await tom.sync(strict=True)
    delivered = await tom.notes.add("ana/Personal", "sent before the end")
    await tom.sync(strict=True)
    await tom.notes.add("ana/Personal", "offline one")  # not sent: as written offline
    await tom.notes.add("ana/Personal", "offline two")
    await tom.notes.withdraw(delivered.id)
    await ana.shares.revoke("Personal", tom.username)
    await ana.sync(strict=True)
    report = await tom.sync()
    assert len(report.set_aside) == 3 and {r.code for r in report.set_aside} == {"forbidden"}
    return await journal_id(ana, "Personal")


async def discard_and_share_again(ana: Client, tom: Client) -> None:
    dropped = await tom.drop_set_aside()  # the user's consent to lose them
    assert len(dropped) == 3
    assert await tom.shares.forget("ana/Personal", unlisted=True) is True
    await share_again(ana, tom)
    await tom.sync(strict=True)


async def test_unsent_records_dropped_at_discard_leave_nothing_withheld(
    signup: ClientFactory, login: ClientFactory
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await several_changes_set_aside(ana, tom)
    await discard_and_share_again(ana, tom)
    await assert_nothing_withheld(ana, tom)  # before tom writes there again
    await tom.notes.add("ana/Personal", "after the share again")
    await tom.sync(strict=True)
    await assert_nothing_withheld(ana, tom)
    phone, tablet = await login("ana", "phone"), await login("tom", "tablet")
    await assert_nothing_withheld(phone, tablet, ana, tom)
    texts = {n.text for n in await phone.notes.list("Personal")}
    assert "after the share again" in texts
    assert not {"offline one", "offline two"} & texts


async def test_the_record_carrying_those_withdrawals_deleted_is_still_reported(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    journal = await several_changes_set_aside(ana, tom)
    await discard_and_share_again(ana, tom)
    before = journal_seqs(live_server, journal)
    await tom.notes.add("ana/Personal", "after the share again")
    await tom.sync(strict=True)
    [carrying] = journal_seqs(live_server, journal)[len(before) :]
    [(record_id,)] = rows(
        server_db(live_server), "SELECT record_id FROM records WHERE seq = ?", carrying
    )
    [(counter,)] = rows(
        tom.home / STORE_FILE, "SELECT counter FROM seen_records WHERE record_id = ?", record_id
    )
    drop_record(live_server, carrying)
    await tom.notes.add("ana/Personal", "the next note")
    await tom.sync(strict=True)
    tablet = await login("tom", "tablet")
    for client in (ana, tablet):
        with pytest.raises(WithheldRecordsError):
            await client.sync(strict=True)
        [gap] = (await client.sync()).withheld
        assert (gap.author, gap.device) == (tom.profile.account_id, tom.profile.device_id)
        assert gap.missing == ((2, counter),), (gap.missing, counter)
