"""How the caseload words a client whose shares ended (REV-LIVE L2): "share ended" only when
the owner's signed terms ended it on this device (an end date passed, by the chain this device
verified); a journal the server stopped serving while those terms still grant it is "no longer
served", the server's word, with the server possibly withholding it said beside, never as a
share the client ended (real server on loopback, real crypto)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from client_sdk import INSECURE_TEST_COST, Client
from client_sdk.caseload import CLIENT_ENDED, UNLISTED_ENDED
from tests.client.hostile import HostileServer, serving
from tests.client.sharing_support import journal_id, server_db, share_with
from tests.client.test_nu43_findings import hiding
from tests.client.test_share_ended_notices import DAY_MS, move_clocks, shared_until_tomorrow
from tests.conftest import PASSWORD, ClientFactory, RunningServer


async def test_a_share_whose_signed_end_date_passed_reads_share_ended(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana, tom, _, _ = await shared_until_tomorrow(signup)
    await ana.entries.write(None, "Before the end.", mood=5)
    await ana.sync()
    await tom.sync()
    [row] = await tom.caseload.list()
    assert not row.share_ended, row.flags
    later = move_clocks(live_server, monkeypatch, 2 * DAY_MS)
    await tom.sync()
    [row] = await tom.caseload.list(now=datetime.fromtimestamp(later / 1000, UTC))
    assert row.share_ended and row.flags[0] == "share ended", row.flags
    assert UNLISTED_ENDED not in row.flags


async def test_a_journal_the_server_hides_while_its_share_goes_on_is_no_longer_served(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    kim = await signup("kim")
    async with serving(HostileServer(live_server.url), set()) as hostile:
        drsmith = await Client.signup(
            hostile.url, "drsmith", PASSWORD, home=tmp_path / "drsmith", kdf_cost=INSECURE_TEST_COST
        )
        try:
            await share_with(kim, drsmith)
            await drsmith.shares.verify("kim", await kim.shares.fingerprint())
            await kim.entries.write(None, "Before.", mood=4)
            await kim.sync()
            await drsmith.sync()
            hostile.replies["/v1/journals/list"] = hiding(await journal_id(kim, "Personal"))
            await drsmith.shares.with_me()
            await drsmith.sync()
            [row] = await drsmith.caseload.list()
            # kim's signed grant still stands on drsmith's device: the server's word alone
            assert row.unlisted and not row.share_ended, row
            assert row.flags[0] == UNLISTED_ENDED, row.flags
            assert "share ended" not in row.flags
        finally:
            await drsmith.close()


async def test_a_clients_own_unshare_reads_as_no_signed_end_held_on_this_device(
    signup: ClientFactory,
) -> None:
    """The client's own signed `unshare` is not served to the member it removes (protocol.md
    4.19): the therapist's row says what their device holds (no signed end of the share: the
    client may have ended it, or the server may be holding it back), never that nothing the
    client signed ended it, which reads as "the client did not end it"."""
    fay, drsmith = await signup("fay"), await signup("drsmith")
    await share_with(fay, drsmith)
    await drsmith.shares.verify("fay", await fay.shares.fingerprint())
    await fay.entries.write(None, "Before.", mood=4)
    await fay.sync()
    await drsmith.sync()
    await fay.shares.revoke("Personal", "drsmith")
    await fay.sync()
    await drsmith.sync()
    [row] = await drsmith.caseload.list()
    assert row.unlisted and not row.share_ended, row
    assert row.flags[0] == UNLISTED_ENDED, row.flags
    assert "this device holds no signed end of the share" in row.flags[0], row.flags
    assert "the client may have ended it" in row.flags[0], row.flags
    assert not any("nothing the client signed" in flag for flag in row.flags), row.flags


async def test_a_caseload_row_names_each_journal_by_id_beside_its_name(
    signup: ClientFactory,
) -> None:
    """`journal_ids` beside `journals` (same order), as every JSON row that names a journal
    carries its `journal_id`: a rename by the client changes the name, never the id, so an
    app joins the row to the safety flags' and results' `journal_id` by these."""
    ana, drsmith = await signup("ana"), await signup("drsmith")
    await ana.journals.create("Work")
    await share_with(ana, drsmith)
    await share_with(ana, drsmith, "Work")
    await drsmith.shares.verify("ana", await ana.shares.fingerprint())
    await ana.sync()
    await drsmith.sync()
    personal, work = (
        (await journal_id(ana, "Personal")).hex(),
        (await journal_id(ana, "Work")).hex(),
    )
    [row] = await drsmith.caseload.list()
    shown = row.to_dict()
    assert (shown["journals"], shown["journal_ids"]) == (
        ["ana/Personal", "ana/Work"],
        [personal, work],
    ), shown
    await ana.journals.rename("Work", "Another")
    await ana.sync()
    await drsmith.sync()
    [row] = await drsmith.caseload.list()
    assert dict(zip(row.journals, row.journal_ids, strict=True)) == {
        "ana/Another": work,
        "ana/Personal": personal,
    }, row


async def test_a_clients_signed_unshare_held_here_reads_the_client_ended_it(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    """When the therapist's device does hold the client's signed end (here a server going on
    listing the journal serves the `removed` entry, which the device verifies), the row says
    the client ended the share: from the owner's signature, never the server's word."""
    kim, drsmith = await signup("kim"), await signup("drsmith")
    await share_with(kim, drsmith)
    await drsmith.shares.verify("kim", await kim.shares.fingerprint())
    await kim.entries.write(None, "Before.", mood=4)
    await kim.sync()
    await drsmith.sync()
    await kim.shares.revoke("Personal", "drsmith")
    await kim.sync()
    with closing(sqlite3.connect(server_db(live_server))) as db:  # listed on: chain served
        db.execute(
            "INSERT INTO members (journal_id, account_id, role, expires_at) "
            "VALUES (?, ?, 'annotate', 0)",
            (await journal_id(kim, "Personal"), drsmith.profile.account_id),
        )
        db.commit()
    await drsmith.sync()
    [row] = await drsmith.caseload.list()
    assert row.share_ended and not row.unlisted, row
    assert row.flags[0] == CLIENT_ENDED, row.flags
    assert "the client ended it" in CLIENT_ENDED
