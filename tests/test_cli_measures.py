"""`tj measure` and `tj safety` through click's CliRunner against a real server on loopback
(see tests/test_cli.py for the harness)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device, failed_with_one_line
from tests.test_cli_insights import new_device

PFIZER = "Developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues"


def flat(text: str) -> str:
    """A result's lines as one: a long "change:" line or the attribution wraps at the
    terminal's width, under its value (NU37 #8)."""
    return " ".join(text.split())


async def test_take_with_answers_prints_score_band_and_change_and_json_has_the_documented_keys(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    first = await ana.json("measure", "take", "phq9", "--answers", "2,2,2,2,2,2,2,2,0")
    assert {"measure", "score", "band", "taken_at", "answers"} <= set(first)
    assert (first["measure"], first["score"], first["band"]) == ("phq9", 16, "moderately severe")
    assert first["band_label"] == "Moderately Severe"  # as the PHQ Instruction Manual prints it
    assert first["answers"] == [2, 2, 2, 2, 2, 2, 2, 2, 0] and first["safety_message"] is None
    text = flat((await ana.ok("measure", "take", "PHQ-9", "--answers", "1,1,1,1,1,1,1,0,0")).stdout)
    assert "score: 7 of 27 (Mild)" in text
    today = datetime.now().astimezone().date().isoformat()
    assert f"change: -9 since last time (from 16 on {today})" in text  # plain (REV-CLIN F1)
    assert (  # first score to last, however soon after (REV-CLIN F1)
        f"course: -9 since the first (from 16 on {today}), reliable improvement, now below the "
        "clinical cut-off of 10 (caseness)"
    ) in text
    assert "retake" not in text and "not a measure of change" not in text
    assert "recover" not in text
    assert PFIZER in text

    listed = await ana.json("measure", "list")
    assert [r["score"] for r in listed] == [7, 16]
    shown = await ana.ok("measure", "show", listed[1]["id"][:8])
    assert "Little interest" in shown.stdout and "(not scored)" not in shown.stdout
    assert "2 More than half the days" in shown.stdout


async def test_take_asks_each_item_on_the_terminal(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    result = await ana.ok("measure", "take", "phq9", input="1\n1\n1\n1\n1\n0\n0\n0\n0\n2\n")
    assert "score:   5 of 27 (Mild)" in result.stdout
    assert flat(result.stdout + result.stderr).count(PFIZER) == 1  # NU19 C28.13: once
    assert "Little interest or pleasure in doing things" in result.stderr
    assert "0 = Not at all" in result.stderr
    # then the difficulty question, recorded but not scored
    assert "how difficult have these problems made it for you" in flat(result.stderr)
    assert "2 = Very difficult" in result.stderr
    [taken] = await ana.json("measure", "list")
    assert (taken["score"], taken["unscored"]) == (5, 2)
    # GAD-7 asks none since its version 3 (REV-CLIN F2): after item 7 the form ends
    gad7 = await ana.ok("measure", "take", "gad7", input="1\n1\n1\n1\n1\n0\n0\n")
    assert "Feeling nervous, anxious or on edge" in gad7.stderr
    assert "score:   5 of 21 (Mild)" in gad7.stdout and "difficult" not in gad7.stderr


async def test_bad_answers_fail_with_one_line_and_save_nothing(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    assert "9 items" in failed_with_one_line(  # bad values: exit status 2 (NU35 #8)
        await ana.tj("measure", "take", "phq9", "--answers", "1,2"), 2
    )
    assert "not 4" in failed_with_one_line(
        await ana.tj("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,4"), 2
    )
    for digits in ("0,0,0,0,0,0,0,0,\u0663", "0,0,0,0,0,0,0,0,\u00b2"):  # "٣", "²": no answers
        refused = await ana.tj("measure", "take", "phq9", "--answers", digits)
        assert "answers are whole numbers separated by commas" in failed_with_one_line(refused, 2)
    difficulty = await ana.tj(
        "measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,0", "--difficulty", "\u0663"
    )
    assert "is not a whole number" in failed_with_one_line(difficulty, 2)
    unknown = failed_with_one_line(await ana.tj("measure", "take", "ors"), 2)
    assert "unknown measure 'ors': choose from phq9 (PHQ-9), gad7 (GAD-7), pcl5 (PCL-5)" in unknown
    assert await ana.json("measure", "list") == []


async def test_item_9_shows_the_safety_message_and_an_opted_in_flag_reaches_the_therapist(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith: Device = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate",
        "--trust-on-first-use", "--safety-flags",
    )  # fmt: skip
    await ana.ok("safety", "plan", "--emergency", "999", "--text", "Ring Jo, then walk.")
    taken = await ana.ok("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,1")
    assert "not monitored in real time" in taken.stderr
    assert "call 999" in taken.stderr and "Ring Jo, then walk." in taken.stderr
    assert "made for drsmith" in taken.stderr

    await drsmith.ok("sync")
    [flag] = (await drsmith.json("safety", "flags"))["flags"]
    assert (flag["owner"], flag["item"], flag["answer"], flag["acknowledged"]) == (
        "ana",
        9,
        1,
        [],
    )
    unknown = failed_with_one_line(await drsmith.tj("safety", "ack", "ffff"))
    assert "no safety flag ffff on this device" in unknown  # plain words, not "safety_flag"
    assert (
        "Acknowledged the safety flag" in (await drsmith.ok("safety", "ack", flag["id"][:8])).stdout
    )
    again = (await drsmith.ok("safety", "ack", flag["id"][:8])).stdout  # R13 finding 11
    assert "already" in again and "nothing written" in again
    await ana.ok("sync")
    [seen] = (await ana.json("safety", "flags"))["flags"]
    assert [a["by"] for a in seen["acknowledged"]] == ["drsmith"]


async def test_measure_delete_asks_first_says_what_it_deleted_and_refuses_a_second_time(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """New-user pass 2, finding 1: a clinical score is not deleted on one mistyped prefix."""
    ana = await new_device(live_server, tmp_path, "ana")
    taken = await ana.json("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,0")
    short = taken["id"][:6]
    declined = await ana.tj("measure", "delete", short, input="n\n")
    assert declined.exit_code == 1 and "Delete the PHQ-9 of" in declined.stderr
    assert "(score 8, Mild)" in declined.stderr
    assert len(await ana.json("measure", "list")) == 1
    deleted = await ana.ok("measure", "delete", short, input="y\n")
    assert "Deleted the PHQ-9 of" in deleted.stderr and "(score 8, Mild)" in deleted.stderr
    assert await ana.json("measure", "list") == []
    again = failed_with_one_line(await ana.tj("measure", "delete", short, "--yes"))
    assert "deleted" in again


async def test_the_safety_message_shows_the_moment_item_9_is_answered_even_if_the_form_is_left(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """New-user pass 2, finding 36: item 9 answered 3, then Ctrl-C or end of input at the
    difficulty question showed nothing and saved nothing. Now the message comes at item 9,
    and leaving at the skippable question saves the complete result (R13 finding 10)."""
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("safety", "plan", "--emergency", "999", "--text", "Ring Jo.")
    left = await ana.ok("measure", "take", "phq9", input="0\n0\n0\n0\n0\n0\n0\n0\n3\n")
    assert "not monitored in real time" in left.stderr and "call 999" in left.stderr
    assert "Ring Jo." in left.stderr
    message = left.stderr.index("not monitored in real time")
    assert message < left.stderr.index("how difficult have these problems")
    [kept] = await ana.json("measure", "list")
    assert (kept["score"], kept["unscored"]) == (3, None)

    skipped = await ana.ok("measure", "take", "phq9", input="0\n0\n0\n0\n0\n0\n0\n0\n1\n\n")
    first = skipped.stderr.index("not monitored in real time")
    assert first < skipped.stderr.index("how difficult have these problems")
    taken, _kept = await ana.json("measure", "list")
    assert (taken["score"], taken["unscored"]) == (1, None)
    calm = await ana.ok("measure", "take", "phq9", input="0\n0\n0\n0\n0\n0\n0\n0\n0\n7\n1\n")
    assert "not monitored" not in calm.stderr and "Give one of 0, 1, 2, 3" in calm.stderr


async def test_deleting_a_journal_says_it_takes_the_results_and_safety_plan_too(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """New-user pass 2, finding 54: the confirmation named entries only."""
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("journal", "create", "Therapy")
    await ana.ok("write", "--journal", "Therapy", "First session.")
    await ana.ok("measure", "take", "gad7", "--answers", "0,0,0,0,0,0,0", "--journal", "Therapy")
    await ana.ok("safety", "plan", "--journal", "Therapy", "--text", "Ring Jo.")
    kept = await ana.tj("journal", "delete", "Therapy", input="no\n")
    assert kept.exit_code == 1
    assert "(1 entry, 1 questionnaire result, 1 safety plan), with no trash" in kept.stderr
    assert len(await ana.json("measure", "list")) == 1


async def test_change_is_labelled_from_the_first_result_and_never_recovered(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU19 C12: "reliable improvement, recovered" from a GAD-7 retaken 12 minutes later, and
    "recovered (below caseness)" from a PCL-5 retaken a minute later: a single measure is
    never "recovered"; PCL-5 claims no reliable-change threshold. REV-CLIN F1: the
    difference from the result before is plain ("change:"); reliable change and the cut-off
    are judged from the first result of the measure in the journal ("course:"), however
    soon after the one before."""
    from client_sdk import Client

    omar = await new_device(live_server, tmp_path, "omar")
    fortnight_ago = datetime.now(UTC) - timedelta(days=14)
    month_ago = datetime.now(UTC) - timedelta(days=31)
    async with await Client.open(omar.home) as client:  # the CLI cannot date a result back
        await client.measures.take("gad7", [2, 2, 1, 1, 2, 1, 1], taken_at=fortnight_ago)
        await client.measures.take("pcl5", [2] * 20, taken_at=month_ago)
    first_gad7 = fortnight_ago.astimezone().date().isoformat()
    first_pcl5 = month_ago.astimezone().date().isoformat()
    text = flat((await omar.ok("measure", "take", "gad7", "--answers", "0,0,0,0,0,0,0")).stdout)
    assert f"change: -10 since last time (from 10 on {first_gad7})" in text
    assert (
        f"course: -10 since the first (from 10 on {first_gad7}), reliable improvement, now "
        "below the clinical cut-off of 8 (caseness)"
    ) in text
    assert "recover" not in text
    today = datetime.now().astimezone().date().isoformat()
    again = flat((await omar.ok("measure", "take", "gad7", "--answers", "2,2,1,1,2,1,1")).stdout)
    assert f"change: +10 since last time (from 0 on {today})" in again
    assert f"course: +0 since the first (from 10 on {first_gad7}), no reliable change" in again
    assert "retake" not in again and "not a measure of change" not in again
    pcl5 = flat(
        (await omar.ok("measure", "take", "pcl5", "--answers", ",".join(["0"] * 20))).stdout
    )
    assert (
        f"course: -40 since the first (from 40 on {first_pcl5}), no single reliable-change "
        "threshold is published for PCL-5, now below the provisional cut-point of 33"
    ) in pcl5
    back = flat(
        (await omar.ok("measure", "take", "pcl5", "--answers", ",".join(["2"] * 20))).stdout
    )
    assert f"change: +40 since last time (from 0 on {today})" in back
    assert "cut-off" not in back and "recover" not in back and "same period" not in back
    assert "caseness" not in pcl5 and "cut-off" not in pcl5  # a screening cut-point (NU50 F2)
    taken = await omar.json("measure", "take", "gad7", "--answers", "0,0,0,0,0,0,0")
    assert taken["change"] == {
        "earlier": 10,
        "later": 0,
        "difference": -10,
        "apart_ms": taken["change"]["apart_ms"],
    }
    course = taken["since_baseline"]
    assert (course["earlier"], course["reliable"], course["now_below_caseness"]) == (
        10,
        "reliable improvement",
        True,
    )
    assert "recovered" not in course and taken["baseline"]["score"] == 10


async def test_a_result_in_a_whole_share_and_in_a_mood_and_scores_copy_is_listed_once(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU19 C18: a client who shares a journal whole and also as a `--only mood,scores` copy
    took one PHQ-9; the therapist's `tj measure list` showed it twice, under two ids (an
    outcome count would see two administrations)."""
    june = await new_device(live_server, tmp_path, "june")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await june.ok("share", "Personal", "drlee", "--only", "mood,scores", "--trust-on-first-use")
    await june.ok("share", "Personal", "drlee", "--full", "--role", "annotate")
    await june.ok("measure", "take", "phq9", "--answers", "1,1,2,1,0,1,0,0,0")
    await drlee.ok("sync")
    journals = {j["name"] for j in await drlee.json("journal", "list")}
    assert any("(mood, scores)" in name or "Shared with" in name for name in journals), journals
    [listed] = await drlee.json("measure", "list")
    assert (listed["journal"], listed["score"]) == ("june/Personal", 6)
    assert listed["answers"] == [1, 1, 2, 1, 0, 1, 0, 0, 0]  # the whole journal's, with answers
