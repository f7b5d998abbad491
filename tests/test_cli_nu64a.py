"""NU64 (a therapist with four clients, questionnaires and safety): what a client is told of
results in a copy of some fields, and what the therapist's device says when a copy is
replaced. Real server on loopback, real crypto, the CLI."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli_insights import new_device


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
    assert "'ben/Personal (mood, scores) for drlee' (ended) holds 2 more results" in listed, listed
    assert "--journal 'ben/Personal (mood, scores) for drlee'" in listed, listed
