"""Deleting the account or a shared journal right after a PHQ-9 item 9 answered above 0
erases, with everything else on the server, the safety flag the client was told the
therapist would see: `client.delete_account` and `client.journals.delete` refuse
(SafetyUndelivered, nothing erased) unless the caller says the user agreed, and sync first,
so a flag still waiting on this device reaches the server and an acknowledgement made since
is seen (real server on loopback)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web

from client_sdk import (
    INSECURE_TEST_COST,
    NetworkError,
    SafetyUndelivered,
    UnsentChanges,
    UnsyncedChanges,
    wire,
)
from client_sdk.errors import SUBJECTS
from tests.client.hostile import HostileServer, hostile, login_through  # noqa: F401 (fixture)
from tests.client.sharing_support import share_with
from tests.conftest import PASSWORD, ClientFactory

# Replies are lost or requests failed here to test what the retry does, not how long it
# waits: every client retries with QUICK_RETRY (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("quick_retries")


async def test_deleting_the_account_refuses_while_a_flag_may_not_have_reached_the_therapist(
    signup: ClientFactory,
) -> None:
    fay, drlee = await signup("fay"), await signup("drlee")
    await share_with(fay, drlee, role="annotate")
    await fay.safety.set_plan(share_flags=True, flags_for="drlee")
    taken = await fay.measures.take("phq9", [1] * 8 + [3])
    response = await fay.safety.respond(taken.result)
    assert response.flagged_to == ["drlee"]

    with pytest.raises(UnsyncedChanges):  # first: the result and flag are only here
        await fay.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)
    with pytest.raises(SafetyUndelivered) as refused:  # their loss agreed: still asked
        await fay.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST, discard_unsynced=True)
    error = refused.value
    assert error.subject == "undelivered" and error.subject in SUBJECTS
    [flag] = error.undelivered["drlee"]
    assert (flag.kind, flag.id, flag.answer, flag.waiting) == (
        "safety_flag",
        response.flag_id,
        3,
        False,
    )  # fmt: skip  (the sync before the refusal sent it: on the server, not yet fetched)
    assert "drlee may not have received 1 safety flag" in str(error)
    assert "discard_undelivered=True" in str(error) and "Nothing was deleted" in str(error)
    # nothing was erased: the therapist's next sync brings the flag
    await drlee.sync()
    [received] = await drlee.safety.flags()
    assert received.id == response.flag_id

    await drlee.safety.acknowledge(received.id)
    await drlee.sync()
    # marked read since: the deletion's own sync sees it, and erases without asking
    await fay.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)


async def test_the_user_agreeing_erases_and_deleting_the_shared_journal_refuses_alike(
    signup: ClientFactory,
) -> None:
    fay, drlee = await signup("fay"), await signup("drlee")
    await fay.journals.create("Work")
    await share_with(fay, drlee, role="annotate")
    await fay.safety.set_plan(share_flags=True, flags_for="drlee")
    taken = await fay.measures.take("phq9", [0] * 8 + [2])
    await fay.safety.respond(taken.result)

    await fay.journals.delete("Work")  # holds nothing of the kind: asks nothing
    with pytest.raises(SafetyUndelivered) as checked:  # offline check: no sync, same answer
        await fay.journals.delete("Personal", check_only=True)
    assert [u.kind for u in checked.value.undelivered["drlee"]] == ["safety_flag"]
    with pytest.raises(SafetyUndelivered) as refused:
        await fay.journals.delete("Personal")
    assert "erasing the journal 'Personal' erases it from the server" in str(refused.value)
    assert "Personal" in [j.name for j in await fay.journals.list()]
    assert await fay.shares.undelivered_by_member() == refused.value.undelivered

    await fay.journals.delete("Personal", discard_undelivered=True)
    assert await fay.shares.undelivered_by_member() == {}
    await fay.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)


async def test_deleting_the_account_with_the_users_word_erases_at_once(
    signup: ClientFactory,
) -> None:
    fay, drlee = await signup("fay"), await signup("drlee")
    await share_with(fay, drlee, role="annotate")  # no opt-in: the answer itself counts
    await fay.measures.take("phq9", [0] * 8 + [1])
    await fay.sync()
    [item] = (await fay.shares.undelivered_by_member())["drlee"]
    assert item.kind == "result"
    await fay.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST, discard_undelivered=True)
    await drlee.sync()
    assert await drlee.safety.flags() == []


async def test_deleting_the_copy_kept_for_a_member_alone_refuses_for_its_item9_answer(
    signup: ClientFactory,
) -> None:
    """The member reads the copy's answers (shared with answers), though only with the read
    role: deleting that copy alone erases an answer they may not have seen, so it asks."""
    omar, drlee = await signup("omar"), await signup("drlee")
    await share_with(omar, drlee, only=["mood", "answers"])  # no whole-journal share
    await omar.measures.take("phq9", [0] * 8 + [3])
    await omar.sync()
    await omar.context.replica.load_access()
    [copy] = [j for j, s in omar.context.sharing.disclosures().items() if s.kind == "mirror"]
    alone = await omar.shares.undelivered_by_member(copy.hex())
    assert [(u.kind, u.answer) for u in alone["drlee"]] == [("result", 3)]
    with pytest.raises(SafetyUndelivered) as refused:
        await omar.journals.delete(copy.hex())
    assert "drlee" in str(refused.value)
    await drlee.sync()
    assert [r.answers for r in await drlee.measures.list()] == [(0,) * 8 + (3,)]


async def test_an_item9_answer_shared_one_by_one_refuses_account_and_journal_deletion(
    signup: ClientFactory,
) -> None:
    """A PHQ-9 shared with tom one by one with its answers ("Shared with tom", read role):
    tom reads its item 9 (`answer_readers`), so deleting that journal or the account asks."""
    ana, tom = await signup("ana"), await signup("tom")
    taken = await ana.measures.take("phq9", [0] * 8 + [3])
    await ana.measures.share(taken.result.id, "tom", fingerprint=await tom.shares.fingerprint())
    await ana.sync()
    assert await ana.measures.answer_readers(taken.result.id) == {"tom": "Shared with tom"}
    found = await ana.shares.undelivered_by_member()
    assert [(u.kind, u.answer) for u in found["tom"]] == [("result", 3)]
    with pytest.raises(SafetyUndelivered):
        await ana.journals.delete("Shared with tom")
    with pytest.raises(SafetyUndelivered):
        await ana.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)
    await tom.sync()
    assert [r.answers for r in await tom.measures.list()] == [(0,) * 8 + (3,)]


async def test_deleting_with_the_items_shown_refuses_one_found_beyond_them(
    signup: ClientFactory,
) -> None:
    """`discard_undelivered` given the ids the user was shown agrees to those only: a later
    item-9 answer (recorded meanwhile, by another program) refuses the deletion."""
    omar, drlee = await signup("omar"), await signup("drlee")
    await share_with(omar, drlee, role="annotate")
    await omar.measures.take("phq9", [0] * 8 + [3])
    await omar.sync()
    shown = {u.id for u in (await omar.shares.undelivered_by_member("Personal"))["drlee"]}
    await omar.measures.take("phq9", [0] * 8 + [2])  # while the question was on screen
    with pytest.raises(SafetyUndelivered) as refused:  # its words agreed lost: still asked
        await omar.journals.delete("Personal", drop_unsent=True, discard_undelivered=shown)
    [beyond] = refused.value.undelivered["drlee"]
    assert (beyond.answer, beyond.id in shown) == (2, False)
    with pytest.raises(SafetyUndelivered):
        await omar.delete_account(
            PASSWORD, minimum_cost=INSECURE_TEST_COST, discard_undelivered=shown
        )
    now = {u.id for u in (await omar.shares.undelivered_by_member("Personal"))["drlee"]}
    await omar.journals.delete("Personal", discard_undelivered=now)
    assert "Personal" not in [j.name for j in await omar.journals.list()]


async def test_two_results_taken_at_one_time_in_two_journals_are_both_listed_and_asked(
    signup: ClientFactory,
) -> None:
    """Two paper PHQ-9s dated the same day in two journals read by one member are two items:
    the worse item 9 answer is never hidden behind the other, and an erasure agreed to the
    ids shown erases both knowingly (a copy is matched to its result only by its id)."""
    ana, ben = await signup("ana"), await signup("ben")
    await ana.journals.create("Work")
    await share_with(ana, ben, "Personal", role="annotate")
    await share_with(ana, ben, "Work", role="annotate")
    paper = datetime(2026, 12, 1, tzinfo=UTC)
    await ana.measures.take("phq9", [0] * 8 + [1], journal="Personal", taken_at=paper)
    await ana.measures.take("phq9", [0] * 8 + [3], journal="Work", taken_at=paper)
    await ana.sync()
    found = await ana.shares.undelivered_by_member()
    assert sorted((u.journal, u.answer) for u in found["ben"]) == [("Personal", 1), ("Work", 3)]
    one = {found["ben"][0].id}
    with pytest.raises(SafetyUndelivered) as refused:
        await ana.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST, discard_undelivered=one)
    assert [u.id for u in refused.value.undelivered["ben"]] == [found["ben"][1].id]
    said = {u.id for u in found["ben"]}
    await ana.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST, discard_undelivered=said)


async def test_an_item9_answer_only_in_a_brief_is_asked_before_the_account_is_erased(
    signup: ClientFactory,
) -> None:
    """ben shares with drsmith only moods and tags, and a brief of "Personal" whose safety
    items carry his PHQ-9 item 9 answered 3: the brief is the one way drsmith learns it (no
    receipt is ever signed for a brief), so erasing the account asks first, naming it."""
    drsmith, ben = await signup("drsmith"), await signup("ben")
    await ben.entries.write("Personal", "A week.", mood=5)
    await share_with(ben, drsmith, only=["mood", "tags"])
    await ben.measures.take("phq9", [3, 3, 2, 2, 2, 2, 2, 1, 3])
    brief = await ben.briefs.prepare(journals=["Personal"])
    assert [i["answer"] for i in brief.safety_items] == [3]
    await ben.briefs.share(brief, "drsmith", fingerprint=await drsmith.shares.fingerprint())
    await ben.sync()
    [shared] = await ben.briefs.received()
    found = await ben.shares.undelivered_by_member()
    [item] = found["drsmith"]
    assert (item.kind, item.id, item.measure, item.item, item.answer, item.score) == (
        "brief",
        shared.id,
        "phq9",
        9,
        3,
        None,
    )  # fmt: skip
    with pytest.raises(SafetyUndelivered) as refused:
        await ben.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)
    assert [u.id for u in refused.value.undelivered["drsmith"]] == [shared.id]
    await drsmith.sync()  # nothing was erased: the brief reaches drsmith
    [received] = await drsmith.briefs.received()
    assert [i["answer"] for i in received.digest["safety_items"]] == [3]
    await ben.delete_account(
        PASSWORD, minimum_cost=INSECURE_TEST_COST, discard_undelivered={shared.id}
    )


async def test_deleting_the_journal_of_a_brief_alone_asks_too(signup: ClientFactory) -> None:
    """The brief's own journal deleted (`journals.delete` by its id) erases the brief: asked
    as for the account; a brief that says no safety answer above 0 is not."""
    drsmith, ben = await signup("drsmith"), await signup("ben")
    fingerprint = await drsmith.shares.fingerprint()
    calm = await ben.briefs.prepare(journals=["Personal"])
    await ben.briefs.share(calm, "drsmith", fingerprint=fingerprint)
    await ben.measures.take("phq9", [3, 3, 2, 2, 2, 2, 2, 1, 3])
    brief = await ben.briefs.prepare(journals=["Personal"])
    await ben.briefs.share(brief, "drsmith", fingerprint=fingerprint)
    await ben.sync()
    newest, oldest = await ben.briefs.received()
    assert newest.digest["safety_items"] and not oldest.digest["safety_items"]
    with pytest.raises(SafetyUndelivered) as refused:
        await ben.journals.delete(newest.journal_id)
    assert [u.id for u in refused.value.undelivered["drsmith"]] == [newest.id]
    await ben.journals.delete(oldest.journal_id)  # says none: not asked
    await ben.journals.delete(newest.journal_id, discard_undelivered=True)
    assert await ben.briefs.received() == []


async def test_an_item9_answer_recorded_on_another_device_is_asked_before_the_account_goes(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """The laptop found nothing of its own: the sync before the count brings the phone's
    PHQ-9 (item 9 answered 3), still on the server for drlee, and the erasure asks."""
    fay, drlee = await signup("fay"), await signup("drlee")
    await share_with(fay, drlee, role="annotate")
    phone = await login("fay")
    await phone.sync()
    await phone.measures.take("phq9", [0] * 8 + [3])
    await phone.sync()
    assert await fay.shares.undelivered_by_member() == {}  # the laptop has not synced
    with pytest.raises(SafetyUndelivered) as refused:
        await fay.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)
    [item] = refused.value.undelivered["drlee"]
    assert (item.kind, item.answer) == ("result", 3)


async def test_an_item9_answer_recorded_on_another_device_is_asked_before_its_journal_goes(
    signup: ClientFactory, login: ClientFactory
) -> None:
    fay, drlee = await signup("fay"), await signup("drlee")
    await share_with(fay, drlee, role="annotate")
    phone = await login("fay")
    await phone.sync()
    await phone.measures.take("phq9", [0] * 8 + [3])
    await phone.sync()
    with pytest.raises(SafetyUndelivered):
        await fay.journals.delete("Personal")
    await drlee.sync()  # nothing was erased
    assert [r.answers[8] for r in await drlee.measures.list() if r.answers] == [3]


async def test_words_not_yet_sent_refuse_a_journal_deletion_before_its_sync_sends_them(
    signup: ClientFactory,
) -> None:
    """The sync before the count would send an entry waiting on this device, and the
    deletion then erase it from the server unasked: UnsentChanges comes first, nothing sent."""
    omar, drlee = await signup("omar"), await signup("drlee")
    await share_with(omar, drlee, role="annotate")
    await omar.measures.take("phq9", [0] * 8 + [3])
    await omar.sync()
    await omar.entries.write("Personal", "Written here, on no other device.")
    with pytest.raises(UnsentChanges):
        await omar.journals.delete("Personal")
    assert await omar.unsynced_changes() == 1  # still waiting here, not sent


async def test_an_invalid_result_with_item_9_above_0_is_asked_as_the_caseload_ranks_it(
    signup: ClientFactory,
) -> None:
    """A PHQ-9 whose answers are not the instrument's (a 7 for item 9, written by another
    implementation) is an invalid result, yet its item-9 answer counts, as the caseload puts
    it first: the erasure asks, naming it with the item's highest option (no score)."""
    from client_sdk.results import MEASURE
    from tests.client.test_review_care import write_as

    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, role="annotate")
    await write_as(
        ana,
        "Personal",
        MEASURE,
        {"measure": "phq9", "version": 1, "score": 4, "band": "Minimal", "taken_at": 1000,
         "answers": [0, 0, 0, 0, 0, 0, 0, 0, 7], "unscored": None, "created_at": 1000,
         "updated_at": 1000, "deleted": False},
    )  # fmt: skip
    await ana.sync()
    [bad] = await ana.measures.invalid()
    assert bad.safety_answer
    with pytest.raises(SafetyUndelivered) as refused:
        await ana.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)
    [item] = refused.value.undelivered["tom"]
    assert (item.kind, item.id, item.item, item.answer, item.score) == (
        "result",
        bad.id,
        9,
        3,
        None,
    )


async def fail_the_sync() -> None:
    """A hold of the hostile proxy: the server answers 503 to this request."""
    raise web.HTTPServiceUnavailable()


async def test_a_journal_is_not_deleted_when_the_sync_before_the_count_fails(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The phone recorded a PHQ-9 with item 9 answered 2 in "Mood", shared annotate with
    drsmith; the laptop last synced before it. A server failing only /v1/sync while it would
    serve the deletion: the laptop cannot count what drsmith has not received, so it refuses
    (NetworkError saying nothing was erased) and drsmith still gets the result."""
    phone, drsmith = await signup("ana"), await signup("drsmith")
    await phone.journals.create("Mood")
    await share_with(phone, drsmith, "Mood", role="annotate")
    await phone.sync()
    laptop = await login_through(hostile, "ana", tmp_path / "laptop")
    try:
        await laptop.sync()
        await phone.measures.take("phq9", [1] * 8 + [2], journal="Mood")
        await phone.sync()
        hostile.holds["/v1/sync"] = fail_the_sync
        with pytest.raises(NetworkError, match="nothing was erased: the journal 'Mood'"):
            await laptop.journals.delete("Mood")
        assert "/v1/journals/delete" not in hostile.paths
        del hostile.holds["/v1/sync"]
        with pytest.raises(SafetyUndelivered):  # once the server answers: asked
            await laptop.journals.delete("Mood")
    finally:
        await laptop.close()
    await drsmith.sync()
    assert [r.answers[8] for r in await drsmith.measures.list() if r.answers] == [2]


async def test_the_account_is_not_erased_when_the_sync_before_the_count_fails(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    phone, drsmith = await signup("ana"), await signup("drsmith")
    await share_with(phone, drsmith, role="annotate")
    await phone.sync()
    laptop = await login_through(hostile, "ana", tmp_path / "laptop")
    try:
        await laptop.sync()
        await phone.measures.take("phq9", [1] * 8 + [2])
        await phone.sync()
        hostile.holds["/v1/sync"] = fail_the_sync
        with pytest.raises(NetworkError, match="nothing was erased: the account"):
            await laptop.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)
        assert "/v1/account/delete" not in hostile.paths
    finally:
        await laptop.close()
    await drsmith.sync()
    assert [r.answers[8] for r in await drsmith.measures.list() if r.answers] == [2]


def stall(body: bytes, reply: bytes) -> bytes:
    """A reply rewrite of the hostile proxy for /v1/sync: every page keeps its head (more
    records exist) but carries none, its cursor unchanged, and the pull is "not done": the
    device's pull makes no progress and stops (`SyncReport.incomplete`), answered 200."""
    asked = wire.decode(wire.SyncRequest, body)
    after = {c.journal_id: c.after for c in asked.cursors}
    got = wire.decode(wire.SyncReply, reply)
    pages = [replace(p, records=[], cursor=after.get(p.journal_id, 0)) for p in got.pages]
    return wire.encode(replace(got, pages=pages, done=False))


async def test_a_journal_is_not_deleted_after_a_stalled_sync_before_the_count(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """As above, but the server answers /v1/sync (200) with pages that keep the journal's
    head and carry no record: the sync returns, cut short (`incomplete`); the count would
    miss the phone's result, so the deletion is refused as when the sync fails."""
    phone, drsmith = await signup("ana"), await signup("drsmith")
    await phone.journals.create("Mood")
    await share_with(phone, drsmith, "Mood", role="annotate")
    await phone.sync()
    laptop = await login_through(hostile, "ana", tmp_path / "laptop")
    try:
        await laptop.sync()
        await phone.measures.take("phq9", [1] * 8 + [2], journal="Mood")
        await phone.sync()
        hostile.replies["/v1/sync"] = stall
        with pytest.raises(NetworkError, match="nothing was erased: the journal 'Mood'.*did not"):
            await laptop.journals.delete("Mood")
        assert "/v1/journals/delete" not in hostile.paths
        hostile.replies.clear()
        with pytest.raises(SafetyUndelivered):  # the whole pull: asked
            await laptop.journals.delete("Mood")
    finally:
        await laptop.close()
    await drsmith.sync()
    assert [r.answers[8] for r in await drsmith.measures.list() if r.answers] == [2]


async def test_the_account_is_not_erased_after_a_stalled_sync_before_the_count(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    phone, drsmith = await signup("ana"), await signup("drsmith")
    await share_with(phone, drsmith, role="annotate")
    await phone.sync()
    laptop = await login_through(hostile, "ana", tmp_path / "laptop")
    try:
        await laptop.sync()
        await phone.measures.take("phq9", [1] * 8 + [2])
        await phone.sync()
        hostile.replies["/v1/sync"] = stall
        with pytest.raises(NetworkError, match="nothing was erased: the account.*did not"):
            await laptop.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)
        assert "/v1/account/delete" not in hostile.paths
    finally:
        await laptop.close()
    await drsmith.sync()
    assert [r.answers[8] for r in await drsmith.measures.list() if r.answers] == [2]
