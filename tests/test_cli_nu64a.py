"""NU64 (a therapist with four clients, questionnaires and safety): what a client is told of
results in a copy of some fields, and what the therapist's device says when a copy is
replaced. Real server on loopback, real crypto, the CLI."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device, Outage, laptop, outage, phone
from tests.test_cli_insights import new_device

__all__ = ["laptop", "outage", "phone"]  # fixtures


def flat(text: str) -> str:
    return " ".join(text.split())


async def test_a_result_dated_before_a_scores_copy_began_is_not_sent_and_the_client_is_told(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU64 F1: ben shares `--only mood,scores` ("dated from now on, nothing dated before,
    also when written later"), then enters an old paper GAD-7 with `--date`: it reached the
    therapist, with no word to ben. Now it stays out of the copy, as an entry dated back
    does, and ben is told so with the command that sends it."""
    ben = await new_device(live_server, tmp_path, "ben")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await ben.ok("share", "Personal", "drlee", "--only", "mood,scores", "--trust-on-first-use")
    back = await ben.ok(
        "measure", "take", "gad7", "--answers", "2,2,1,1,1,1,1", "--date", "2025-01-05 09:00"
    )
    said = flat(back.stderr)
    assert "Not shared with drlee: the copy of Personal kept for them holds results" in said
    assert "this GAD-7 is dated before, so drlee does not see it" in said
    assert "tj measure share" in said and "drlee --without-answers" in said, said
    # a PHQ-9 dated back with item 9 above 0: the command with its answers comes first, and
    # nothing says drlee "sees only the score" of a result they never receive
    phq = await ben.ok(
        "measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,1", "--date", "2025-01-06 09:00"
    )
    said = flat(phq.stderr)
    assert "this PHQ-9 is dated before" in said, said
    assert "(with your answers, so drlee sees item 9 too); the score only:" in said, said
    assert "sees only the score of this PHQ-9" not in said, said
    now = await ben.ok("measure", "take", "gad7", "--answers", "1,1,1,1,1,1,1")
    assert "Not shared with drlee" not in flat(now.stderr)
    await ben.ok("sync")
    await drlee.ok("sync")
    seen = await drlee.json("measure", "list")
    assert [r["score"] for r in seen] == [7], seen  # only the one taken now
    shown = await ben.json("measure", "list")
    old = next(r for r in shown if r["score"] == 9)
    await ben.ok("measure", "share", old["id"][:12], "drlee")
    await drlee.ok("sync")
    assert sorted(r["score"] for r in await drlee.json("measure", "list")) == [7, 9]


async def test_widening_a_scores_copy_names_what_ends_and_what_stays_score_only(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU64 F13/F19: ben shares mood and scores; drlee assigns a PHQ-9 there; ben takes one
    with item 9 above 0 (drlee sees its score only). ben then shares answers too: the old
    copy ends with drlee's assignment, which his `tj share` did not say; it did not say
    that PHQ-9 stays score-only (nor how to send it with its answers); and it counted "the 1
    questionnaire result already in Personal" of the three there."""
    ben = await new_device(live_server, tmp_path, "ben")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await ben.ok("measure", "take", "gad7", "--answers", "0,0,0,0,0,0,1")  # before any share
    await ben.ok(
        "share",
        "Personal",
        "drlee",
        "--only",
        "mood,scores",
        "--role",
        "annotate",
        "--trust-on-first-use",
    )
    await ben.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,1")
    await ben.ok("measure", "take", "gad7", "--answers", "1,1,1,1,1,1,1")
    await ben.ok("sync")
    await drlee.ok("sync")
    await drlee.ok("assign", "ben", "measure", "phq9", "--every", "7")
    await ben.ok("sync")

    wider = await ben.ok(
        "share", "Personal", "drlee", "--only", "mood,scores,answers", "--yes", input=""
    )
    said = flat(wider.stderr)
    assert "drlee's assignment in Personal (mood, scores) for drlee" in said, said
    assert "ended with this share" in said, said
    assert "drlee has 2 questionnaire results of Personal only by their score" in said, said
    assert "The PHQ-9 of" in said and "(score 9; item 9 answered above 0), with its" in said
    assert "1 of the 3 questionnaire results already in Personal" in said, said
    assert "drlee already has the other 2" in said, said


async def test_an_old_item9_result_offers_the_command_with_answers_first(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU64 F19: sam's only result not yet with drlee is a PHQ-9 with item 9 above 0; `tj
    share --only mood,tags,scores` offered only `tj measure share ID drlee
    --without-answers`, which hides exactly that answer."""
    sam = await new_device(live_server, tmp_path, "sam")
    await new_device(live_server, tmp_path, "drlee")
    await sam.ok("measure", "take", "phq9", "--answers", "2,2,2,2,1,2,1,1,2")
    shared = await sam.ok(
        "share", "Personal", "drlee", "--only", "mood,tags,scores", "--trust-on-first-use"
    )
    said = flat(shared.stderr)
    assert "Not shared: the 1 questionnaire result already in Personal" in said, said
    assert "results dated from now on" in said
    with_answers = said.index("(with your answers, so drlee sees item 9 too)")
    score_only = said.index("--without-answers")
    assert with_answers < score_only, said


async def test_the_therapist_reads_a_replaced_copy_as_what_the_client_shares_now(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU64 F13 (therapist's side) and F18: ben widens `--only mood,scores` to add answers.
    drlee's sync said "ben stopped sharing it or now shares less of it ..., or the server is
    withholding it"; the new copy (owner-signed) now frames it. `tj measure list --journal
    ben` then listed only the new copy's results, with no word of the three in the ended
    copy; and ben's own sync announced drlee's ended assignment as new."""
    ben = await new_device(live_server, tmp_path, "ben")
    drlee = await new_device(live_server, tmp_path, "drlee")
    share = ("share", "Personal", "drlee", "--trust-on-first-use", "--role", "annotate")
    await ben.ok(*share, "--only", "mood,scores")
    for answers in ("1,1,1,1,1,1,1,1,0", "2,2,1,1,1,1,1"):
        await ben.ok(
            "measure", "take", "phq9" if answers.count(",") == 8 else "gad7", "--answers", answers
        )
    await drlee.ok("sync")
    await drlee.ok("assign", "ben", "measure", "phq9", "--every", "7")
    await ben.ok("due")  # its quick sync fetches the assignment: news for `tj sync`
    await ben.ok("share", "Personal", "drlee", "--only", "mood,scores,answers", "--yes")
    await ben.ok("measure", "take", "gad7", "--answers", "1,1,1,1,1,1,1")  # synced: fetched
    seen = await ben.ok("sync")
    synced = flat(seen.stdout + seen.stderr)
    assert "new assignment" not in synced, synced

    seen = await drlee.ok("sync")
    told = flat(seen.stdout + seen.stderr)
    assert (
        "ben now shares 'Personal' with you as 'Personal (mood, scores, answers) for drlee'" in told
    ), told
    assert "the new one most likely replaces" in told, told
    assert "stopped sharing it or now shares less of it" not in told, told

    seen = await drlee.ok("measure", "list", "--journal", "ben")
    listed = flat(seen.stdout + seen.stderr)
    # drlee's device is not served ben's signed end of the old copy: the server's word
    held = "'ben/Personal (mood, scores) for drlee' (no longer served) holds 2 more results"
    assert held in listed, listed
    assert "--journal 'ben/Personal (mood, scores) for drlee'" in listed, listed
    assert "Listed 'ben/Personal (mood, scores, answers) for drlee'" in listed, listed
    earlier = await drlee.json(
        "measure", "list", "--journal", "ben/Personal (mood, scores) for drlee"
    )
    assert sorted(r["score"] for r in earlier) == [8, 9], earlier


async def test_a_results_only_journal_left_is_shared_again_with_measure_share(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU64 F20: drlee left 'sam/Shared with drlee', which held only two PHQ-9 results; sam's
    sync said "If they did not mean to leave, share again: `tj share-entry ENTRY_ID drlee`"
    although nothing in it was an entry."""
    sam = await new_device(live_server, tmp_path, "sam")
    drlee = await new_device(live_server, tmp_path, "drlee")
    taken = await sam.json("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,0")
    result = taken["result"]["id"] if "result" in taken else taken["id"]
    await sam.ok("measure", "share", result[:12], "drlee", "--trust-on-first-use")
    await drlee.ok("sync")
    await drlee.ok("leave", "sam/Shared with drlee", input="y\n")
    seen = await sam.ok("sync")
    said = flat(seen.stdout + seen.stderr)
    fingerprint = drlee.signup["fingerprint"]  # as the chain holds it (fix34b)
    assert f"share again: `tj measure share RESULT_ID drlee --fingerprint '{fingerprint}'`" in (
        said
    ), said
    assert "share-entry" not in said, said


async def test_an_answer_given_just_after_an_opt_in_elsewhere_is_told_it_got_no_flag(
    live_server: RunningServer,
    tmp_path: Path,
    laptop: Device,
    phone: Device,
    outage: Outage,
) -> None:
    """NU64 F11: maya's laptop opts drsmith in (08:38); her phone, offline since before,
    records a PHQ-9 with item 9 above 0 two minutes later. No flag is sealed (an answer
    within 15 minutes of the opt-in never gets one later), and the phone's sync that brought
    the opt-in said "safety flags reach them" and nothing of her answer. It now says so,
    once; and the laptop's `tj share --safety-flags` tells her to sync her other devices."""
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await phone.ok("sync")
    shared = await laptop.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate",
        "--trust-on-first-use", "--safety-flags",
    )  # fmt: skip
    # run on each other device: never this one's --home (`BARE`: a command naming no profile)
    assert "Sync your other devices now (`BARE tj sync` on each)" in flat(shared.stderr)
    await outage.begin()
    await phone.ok("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,3")
    await outage.end()
    synced = await phone.ok("sync")
    said = flat(synced.stdout + synced.stderr)
    assert "Safety: No safety flag was sent to drsmith for your PHQ-9 of" in said, said
    assert "after safety flags were turned on for drsmith on another of your devices" in said
    assert "tell them yourself" in said and "`tj safety plan`" in said, said
    assert (await phone.json("sync"))["unflagged"] == []  # once
    await drsmith.ok("sync")
    assert (await drsmith.json("safety", "flags"))["flags"] == []  # as the rule says: none


async def test_replacing_a_copy_asks_first_when_it_may_not_have_delivered_an_item9_result(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU64 F13: a `tj share --only` with other fields ends the old copy as `tj unshare`
    would; `tj unshare` names a PHQ-9 with item 9 above 0 the therapist may not have
    received and asks first. So does the share that replaces the copy now."""
    ben = await new_device(live_server, tmp_path, "ben")
    await new_device(live_server, tmp_path, "drlee")
    await ben.ok("share", "Personal", "drlee", "--only", "mood,answers", "--trust-on-first-use")
    await ben.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,2")
    asked = await ben.tj("share", "Personal", "drlee", "--only", "mood,scores,answers", input="n\n")
    said = flat(asked.stderr)
    assert asked.exit_code != 0, said
    assert "drlee may not have received this from Personal" in said, said
    assert "item 9 answered 2" in said, said
    shares = await ben.json("shares")
    assert [s["fields"] for s in shares if s.get("fields")] == [["mood", "answers"]], shares
