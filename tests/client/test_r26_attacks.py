"""R26: hostile review of live notices that carry records (28241e3 on s9-live).

Each test failed on s9-live (28241e3) for the reason in R26-FINDINGS.md (F1, F2); fixed on
s9-live2: a notice is taken only from the state a pull left, and ends with its bookkeeping.
Real server on 127.0.0.1, real crypto; a hostile server's notice is a crafted LiveNotice handed
to the sync exactly as Client.watch() hands the one it received (tests/client/test_live_records)."""

from __future__ import annotations

import nacl.utils
import pytest

from client_sdk import Client, SyncReport
from tests.client.test_live import watching
from tests.client.test_live_records import count_requests, personal
from tests.conftest import ClientFactory

OWNER = "owner"


def big_text() -> str:
    return nacl.utils.random(50_000).hex()  # 100 KB: records as large (uncompressed_records)


async def held_back_member(signup: ClientFactory, login: ClientFactory) -> tuple[Client, Client]:
    """vera (laptop, and her phone) is an annotating member of owner's Personal, whose owner
    she never verified; owner wrote 700 KB there, past the 512 KiB budget, so her laptop holds
    the journal back (hold_back.py). She wrote a note in it: the server acknowledged it (a
    claim of her own counter) and, the journal being held back, it never came back to her.
    Every sync says so in `held_back` and finds nothing withheld: the server is honest."""
    vera = await signup("vera")
    owner = await signup(OWNER)
    await owner.shares.grant(
        "Personal", "vera", role="annotate", trust_on_first_use=True, full=True
    )
    for n in range(7):
        await owner.entries.write("Personal", big_text(), title=f"e{n}")
    await owner.sync()
    assert (await vera.sync()).held_back
    await vera.notes.add(f"{OWNER}/Personal", "A note for the next session")
    for _ in range(2):
        report = await vera.sync()
        assert report.held_back and report.withheld == [] and report.incomplete == []
    phone = await login("vera")
    await phone.sync()
    return vera, phone


async def a_notice_applied(vera: Client, phone: Client) -> SyncReport:
    """vera's laptop watches; her phone writes in her own Personal; the notice (with the
    record) is applied on the laptop without a /v1/sync. Returns that sync's report."""
    async with watching(vera) as watcher:
        asked = count_requests(vera)
        await phone.entries.write(None, "Written on vera's phone")
        await phone.sync()
        report = await watcher.next_report()
        assert report.trigger is not None
        assert report.trigger.journal_id == (await personal(vera)).hex()
        assert report.pulled == 1 and "/v1/sync" not in asked, "the notice path was taken"
    return report


@pytest.mark.usefixtures("uncompressed_records")  # records as large as their text
async def test_a_notice_never_makes_a_held_back_journal_look_withheld_by_an_honest_server(
    signup: ClientFactory, login: ClientFactory
) -> None:
    vera, phone = await held_back_member(signup, login)
    report = await a_notice_applied(vera, phone)
    assert report.withheld == [], (
        "false alarm: vera's own note, acknowledged and held back with the journal, is "
        f"reported withheld by an honest server: {report.withheld}"
    )
    # The next ordinary sync says nothing is withheld: the alarm contradicts it.
    assert (await vera.sync()).withheld == []


@pytest.mark.usefixtures("uncompressed_records")  # records as large as their text
async def test_a_notice_applied_sync_still_reports_the_journals_held_back(
    signup: ClientFactory, login: ClientFactory
) -> None:
    vera, phone = await held_back_member(signup, login)
    report = await a_notice_applied(vera, phone)
    assert report.held_back, "the held-back journal is not reported by this sync"
