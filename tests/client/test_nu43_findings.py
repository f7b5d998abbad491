"""NU43: a therapist with many clients (real server on loopback, real crypto)."""

from __future__ import annotations

from pathlib import Path

from client_sdk import INSECURE_TEST_COST, Client, departures, wire
from client_sdk.caseload import ERASED_UNLISTED
from tests.client.hostile import HostileServer, ReplyRewrite, serving
from tests.client.sharing_support import journal_id, share_with
from tests.conftest import PASSWORD, ClientFactory, RunningServer


async def test_a_username_taken_again_after_an_erasure_is_another_client_in_the_caseload(
    signup: ClientFactory,
) -> None:
    """NU43 #1: kim shared with drsmith and erased her account; another person signed up as
    "kim" and shared; once drsmith compared the new fingerprint, the caseload put both in
    one row (entries, moods and the ended share mixed). Rows are by account: two rows, the
    erased account's named by the start of its id."""
    kim = await signup("kim")
    drsmith = await signup("drsmith")
    await share_with(kim, drsmith)
    await kim.entries.write(None, "The first kim's words.", mood=2)
    await kim.sync()
    await drsmith.sync()
    old_id = kim.profile.account_id
    await kim.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)
    await drsmith.sync()
    other = await signup("kim", "another laptop")
    fingerprint = await other.shares.fingerprint()
    await drsmith.shares.verify("kim", fingerprint)
    await share_with(other, drsmith)
    await other.entries.write(None, "Another person's words.", mood=8)
    await other.sync()
    await drsmith.sync()
    rows = {row.client: row for row in await drsmith.caseload.list()}
    assert set(rows) == {"kim", f"kim (account {old_id.hex()[:8]})"}, list(rows)
    assert rows["kim"].mood_recent == 8.0 and not rows["kim"].share_ended
    # the erased account's share: the server stopped serving it, nothing kim signed ended it
    erased = rows[f"kim (account {old_id.hex()[:8]})"]
    assert erased.unlisted and not erased.share_ended, erased


def hiding(journal: bytes) -> ReplyRewrite:
    def hide(request: bytes, reply: bytes) -> bytes:
        listed = wire.decode(wire.JournalList, reply).journals
        return wire.encode(wire.JournalList([j for j in listed if j.journal_id != journal]))

    return hide


async def test_a_server_claiming_an_owner_erased_while_the_share_goes_on_changes_no_trust(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    """NU43 #8: a share the server stopped serving says "kim's account appears to have been
    erased" when the server says no account has kim's id. A hostile server that says so
    while kim's share goes on (it hides the journal for a sync) gets those words, beside
    "or the server is withholding it", and nothing else: a claim alone while it lists the
    journal changes nothing; once it serves the journal again, what kim wrote
    meanwhile arrives, her pin stays verified and the caseload's words go."""
    kim = await signup("kim")
    gone: set[bytes] = set()
    async with serving(HostileServer(live_server.url), gone) as hostile:
        drsmith = await Client.signup(
            hostile.url,
            "drsmith",
            PASSWORD,
            home=tmp_path / "drsmith-via-proxy",
            kdf_cost=INSECURE_TEST_COST,
        )
        try:
            await share_with(kim, drsmith)
            await drsmith.shares.verify("kim", await kim.shares.fingerprint())
            await kim.entries.write(None, "Before.", mood=4)
            await kim.sync()
            await drsmith.sync()
            gone.add(kim.profile.account_id)
            assert (await drsmith.sync()).departures == []  # listed: nothing asked or said

            hostile.replies["/v1/journals/list"] = hiding(await journal_id(kim, "Personal"))
            await drsmith.shares.with_me()  # the journal list read again (a sync reads it
            [told] = (await drsmith.sync()).departures  # when something changed)
            assert (told.reason, told.owner_erased) == (departures.UNLISTED, True)
            assert told.describe().endswith(
                "kim's account appears to have been erased (the server no longer knows it), or "
                "the server is withholding it"
            )
            [row] = await drsmith.caseload.list()
            assert row.unlisted and not row.share_ended and row.flags[0] == ERASED_UNLISTED
            assert row.owner_verified

            await kim.entries.write(None, "After.", mood=6)
            await kim.sync()
            del hostile.replies["/v1/journals/list"]
            await drsmith.shares.with_me()
            report = await drsmith.sync()
            assert [d.reason for d in report.departures] == [departures.RELISTED]
            entries = await drsmith.entries.list("kim/Personal")
            assert sorted(e.body for e in entries) == ["After.", "Before."]
            [row] = await drsmith.caseload.list()
            assert (
                not row.read_only_copies and row.owner_verified and ERASED_UNLISTED not in row.flags
            )
            pinned = await drsmith.store.peer(kim.profile.account_id)
            assert pinned is not None and pinned.verified
        finally:
            await drsmith.close()
