"""NU43: a therapist with many clients (real server on loopback, real crypto)."""

from __future__ import annotations

from client_sdk import INSECURE_TEST_COST
from tests.client.sharing_support import share_with
from tests.conftest import PASSWORD, ClientFactory


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
    rows = {row.client: row for row in await drsmith.caseload.rows()}
    assert set(rows) == {"kim", f"kim (account {old_id.hex()[:8]})"}, list(rows)
    assert rows["kim"].mood_recent == 8.0 and not rows["kim"].share_ended
    assert rows[f"kim (account {old_id.hex()[:8]})"].share_ended
