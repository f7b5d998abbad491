"""REV-TOP: review of the NU43 caseload commits (per-account rows, brief matching)."""

from __future__ import annotations

from datetime import datetime, timedelta

from cli import output
from client_sdk import INSECURE_TEST_COST
from tests.client.sharing_support import share_with
from tests.conftest import PASSWORD, ClientFactory

ITEM_9_ABOVE_0 = [3, 3, 2, 2, 2, 2, 2, 1, 1]


async def _two_kims(
    signup: ClientFactory, *, old_brief_at: datetime | None = None, whole: bool = True
):
    kim = await signup("kim")
    drsmith = await signup("drsmith")
    if whole:
        await share_with(kim, drsmith)
    await kim.entries.write(None, "The first kim's words.", mood=2)
    fingerprint = await drsmith.shares.fingerprint()
    if old_brief_at is not None:
        await kim.briefs.share(
            await kim.briefs.prepare(journals=["Personal"], now=old_brief_at),
            "drsmith",
            fingerprint=fingerprint,
        )
    await kim.sync()
    await drsmith.sync()
    old_id = kim.profile.account_id
    await kim.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)
    await drsmith.sync()
    other = await signup("kim", "another laptop")
    await drsmith.shares.verify("kim", await other.shares.fingerprint())
    return drsmith, other, old_id


async def test_cli_warns_only_of_the_erased_kims_copies(signup: ClientFactory) -> None:
    """REV-TOP F2: `tj caseload` passes row names to unverified_owners, which grouped
    journals by username again: the erased account's kept copies (its pin forgotten:
    unverified) and the verified new kim's live journal were one "kim" with ended=[] ->
    "you have not compared kim's fingerprint ... `tj verify kim`" (kim WAS verified), and no
    `tj forget` advice for the old account's copies. Now by account: only the old one, with
    its copies (the `tj forget` advice)."""
    drsmith, other, old_id = await _two_kims(signup)
    await share_with(other, drsmith)
    await other.entries.write(None, "Another person's words.", mood=8)
    await other.sync()
    await drsmith.sync()
    rows = await drsmith.caseload.list()
    by = {r.client: r for r in rows}
    old = f"kim (account {old_id.hex()[:8]})"
    assert set(by) == {"kim", old}
    assert by["kim"].owner_verified and not by[old].owner_verified
    found = await output.unverified_owners(drsmith, [r.client for r in rows])
    # what the CLI then says
    assert [(name, [j.owner_id for j in ended]) for name, ended, *_ in found] == [
        (old, [old_id.hex()])
    ], found
    # each row lists its journal as this device names it (NU46 #1: both were "kim/Personal")
    assert by["kim"].journals == ("kim/Personal",)
    assert by[old].journals == (f"{old}/Personal",)


async def test_a_brief_only_new_kim_keeps_the_plain_name(signup: ClientFactory) -> None:
    """REV-TOP F4: _client_names: the account "still sharing" keeps the plain name, but a
    client whose only live share is a brief (listed with no journal) never counted as live:
    both rows got the "(account ...)" suffix. A live brief alone is sharing."""
    drsmith, other, old_id = await _two_kims(signup)
    await other.briefs.share(
        await other.briefs.prepare(journals=["Personal"]),
        "drsmith",
        fingerprint=await drsmith.shares.fingerprint(),
    )
    await other.sync()
    await drsmith.sync()
    names = sorted(r.client for r in await drsmith.caseload.list())
    assert names == sorted([f"kim (account {old_id.hex()[:8]})", "kim"]), names


async def test_same_brief_name_of_two_accounts_does_not_hang_on_the_store_order(
    signup: ClientFactory,
) -> None:
    """briefs_of is keyed by the brief journal's displayed name: the erased kim's ended brief
    journal and the new kim's live one are both "kim/Brief <minute> for drsmith" (the name
    is the owner's free choice; the SDK's default is the minute of the period's end). Which
    account gets the new kim's brief hangs on the order store.journals() returns two journals
    of one name in (ORDER BY name COLLATE NOCASE: ties unspecified). In the order the store
    gives today the live kim wins (tier 1); in the other (simulated here by reversing the
    list), her item-9 brief is matched to the erased account, which has no row (it shared
    only a brief): the tier-1 signal was gone from the caseload. Now a brief is matched to
    its account by its journal's id (REV-TOP F1): both orders give tier 1."""
    when = datetime.now().astimezone().replace(second=0, microsecond=0) + timedelta(hours=1)
    drsmith, other, old_id = await _two_kims(signup, old_brief_at=when, whole=False)
    await other.entries.write("Personal", "A week.", mood=5)
    await share_with(other, drsmith, only=["mood", "tags"])
    await other.measures.take("phq9", ITEM_9_ABOVE_0)
    await other.briefs.share(
        await other.briefs.prepare(journals=["Personal"], now=when),
        "drsmith",
        fingerprint=await drsmith.shares.fingerprint(),
    )
    await other.sync()
    await drsmith.sync()
    rows = {r.client: r for r in await drsmith.caseload.list()}
    assert rows["kim"].tier == 1, rows["kim"].flags  # today's order: right
    store = drsmith.replica.store
    original = store.journals

    async def reversed_ties(**kw):  # the other order of two journals with one name
        return list(reversed(await original(**kw)))

    store.journals = reversed_ties  # type: ignore[method-assign]
    rows = {r.client: r for r in await drsmith.caseload.list()}
    assert set(rows) == {"kim"}
    assert rows["kim"].tier == 1, rows["kim"].flags  # matched by journal id (REV-TOP F1)


SEVERE = [3, 3, 3, 3, 3, 3, 3, 3, 0]  # 24, item 9 at 0
MINIMAL = [1, 1, 1, 0, 0, 0, 0, 0, 0]  # 3


async def test_forget_guard_names_a_severe_score_retaken(signup: ClientFactory) -> None:
    """cli/output.clinical_items (the words before `tj forget` discards a kept copy) reads only
    each measure's latest result: a 24 retaken as 3 minutes later is tier 2 in the caseload
    ("PHQ-9 severe on DATE (retaken since)") but not named before the copy is discarded."""
    ana, drsmith = await signup("ana"), await signup("drsmith")
    await share_with(ana, drsmith)
    await ana.measures.take("phq9", SEVERE)
    await ana.measures.take("phq9", MINIMAL)
    await ana.sync()
    await drsmith.sync()
    await ana.shares.revoke("Personal", "drsmith")
    await drsmith.sync()
    (got,) = await drsmith.caseload.list()
    assert got.tier == 2 and any("retaken since" in f for f in got.flags), got.flags
    items = await output.clinical_items(drsmith, ["ana/Personal"])
    assert any("PHQ-9" in i for i in items), items  # named (REV-TOP F3)
