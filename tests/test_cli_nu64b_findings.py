"""NU64: a therapist (tom) with several clients, through `tj` against a real server on
127.0.0.1: a scores-only client in the caseload, a PHQ-9 a copy without results never carries,
a brief of such a copy, assignments in a copy without homework, and the words after a client
ended their share (the warning, `tj assignments`, the Markdown export)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_r22_departures import ana, tom

__all__ = ["ana", "tom"]  # the fixtures, used by name

ITEM_9_ONE = "1,1,1,1,1,1,1,1,1"  # PHQ-9 9, item 9 answered 1
ITEM_9_TWO = "3,3,3,3,2,3,2,2,2"  # PHQ-9 23, item 9 answered 2
ITEM_9_ZERO = "1,1,1,1,1,1,1,1,0"


def flat(text: str) -> str:
    return " ".join(text.split())


async def client(live_server: RunningServer, tmp_path: Path, name: str) -> Device:
    device = Device(tmp_path / name, live_server.url)
    device.signup = await device.json("signup", live_server.url, name)
    return device


def fingerprint(tom: Device) -> tuple[str, str]:
    return ("--fingerprint", tom.signup["fingerprint"])


async def test_a_scores_only_client_with_item_9_unknown_is_flagged_and_ranked_to_look_at(
    ana: Device, tom: Device, live_server: RunningServer, tmp_path: Path
) -> None:
    """zoe shares mood and scores only and takes a PHQ-9 (item 9 answered 1, which tom cannot
    know): her only flag was "no shared entries yet", and she sorted by name after ana, who
    shares her whole journal and wrote nothing. Now "PHQ-9 item 9 not shared" is a flag of
    its own, timed, so zoe comes first; "no entries shared yet (mood, scores only)" says why
    there are no entries; kim, who shares scores only, reads "no entries shared (scores
    only)". Text, --json and --html agree."""
    zoe = await client(live_server, tmp_path, "zoe")
    kim = await client(live_server, tmp_path, "kim")
    await zoe.ok("share", "Personal", "tom", "--only", "mood,scores", *fingerprint(tom))
    await zoe.ok("measure", "take", "phq9", "--answers", ITEM_9_ONE)
    await kim.ok("share", "Personal", "tom", "--only", "scores", *fingerprint(tom))
    await ana.ok("share", "Personal", "tom", *fingerprint(tom))
    rows = await tom.json("caseload")
    assert [r["client"] for r in rows] == ["zoe", "ana", "kim"], rows
    zoe_row, ana_row, kim_row = rows
    assert zoe_row["flags"][:2] == [
        "PHQ-9 item 9 not shared",
        "no entries shared yet (mood, scores only)",
    ], zoe_row["flags"]
    assert zoe_row["signal_at"] is not None and zoe_row["shared_fields"] == ["mood", "scores"]
    assert "no shared entries yet" in ana_row["flags"] and ana_row["shared_fields"] is None
    assert "no entries shared (scores only)" in kim_row["flags"], kim_row["flags"]
    brief = flat((await kim.ok("brief", "tom", "--yes")).stdout)  # no moods to record (F3)
    assert "Mood: not shared" in brief and "Homework: not shared" in brief, brief
    table = await tom.ok("caseload", env={"COLUMNS": "120"})
    [line] = [x for x in table.stdout.splitlines() if x.startswith("zoe (?)")]
    assert "PHQ-9 item 9 not shared" in line, table.stdout
    page = tmp_path / "caseload.html"
    await tom.ok("caseload", "--html", str(page))
    assert "<li>PHQ-9 item 9 not shared</li>" in page.read_text()
    assert "through a copy of some fields" not in flat(table.stdout)

    out = tmp_path / "zoe-export"  # a record for later readers: neutral words (F21)
    await tom.ok("export", "--client", "zoe", "--format", "markdown", "--out", str(out))
    said = flat(" ".join(p.read_text() for p in out.rglob("*.md")))
    assert "whether item 9 was answered above 0 is not known to the therapist" in said, said
    assert "not known to you" not in said


async def share_mood_and_tags(ana: Device, tom: Device) -> str:
    """ana shares mood and tags only, takes a PHQ-9 with item 9 answered 2 and sends it to tom
    alone, score only: its id."""
    await ana.ok("share", "Personal", "tom", "--only", "mood,tags", *fingerprint(tom))
    taken = await ana.ok("measure", "take", "phq9", "--answers", ITEM_9_TWO, "--json")
    result = json.loads(taken.stdout)["id"]
    said = flat(taken.stderr)
    assert (
        "Note: tom does not see this PHQ-9, nor that item 9 was answered above 0: what you "
        "share with them carries mood and tags, not results. To send it with your answers: "
        f"`tj measure share {result[:12]} tom`" in said
    ), said
    sent = await ana.ok("measure", "share", result, "tom", "--without-answers")
    said = flat(sent.stderr)
    assert "Note: this PHQ-9 has item 9 answered above 0, and tom will not know it" in said, said
    assert f"To send your answers too: `tj measure share {result[:12]} tom`" in said, said
    return str(result)


async def test_a_result_a_copy_without_results_never_carries_is_said_to_both(
    ana: Device, tom: Device
) -> None:
    """ana shares mood and tags and has sent tom a PHQ-9 one by one; a newer PHQ-9 said nothing
    of tom, and tom's caseload showed the older one with no word that newer results may
    exist."""
    await share_mood_and_tags(ana, tom)
    later = await ana.ok("measure", "take", "phq9", "--answers", ITEM_9_ZERO, "--json")
    said = flat(later.stderr)
    assert "Note: tom does not see this result: what you share with them carries mood and " in said
    assert "To send it: `tj measure share " in said, said
    [row] = await tom.json("caseload")
    assert row["results_one_by_one"] is True, row
    shown = flat((await tom.ok("caseload")).stdout)
    assert (
        "ana: the scores shown are the results sent to you one at a time: none of the journals "
        "shared with you carries the client's results, so a newer result may exist" in shown
    ), shown
    assert "through a copy of some fields" not in shown  # it came one by one (F4)
    assert "no safety flag comes with a score shared without its answers" in shown


async def test_a_brief_of_a_copy_says_what_it_does_not_carry_and_what_came_separately(
    ana: Device, tom: Device
) -> None:
    """A brief of ana's copy (mood, tags) said "Homework: none recorded", and ana was told the
    PHQ-9 she had sent tom was "not shared with tom"; tom's brief did not name it at all."""
    await share_mood_and_tags(ana, tom)
    made = await ana.ok("brief", "tom", "--yes")
    text = flat(made.stdout)
    assert "Homework: not shared" in text and "none recorded" not in text, text
    day = re.search(r"Shared separately, not in the journals this brief covers: PHQ-9 of "
                    r"(\d{4}-\d\d-\d\d) \(score only\)", text)  # fmt: skip
    assert day is not None, text
    told = flat(made.stderr)
    assert (
        "Not in the journals this brief covers (shared with tom one by one, as the brief "
        f"says): PHQ-9 of {day.group(1)}, 1 safety item answered above 0." in told
    ), told
    assert "not shared with tom" not in told, told
    [brief] = await tom.json("briefs")
    assert "Shared separately, not in the journals this brief covers: PHQ-9 of" in brief["text"]
    assert "(score only)" in brief["text"] and "item 9 answered" not in brief["text"]
    assert brief["digest"]["homework_shared"] is False


async def test_assignments_in_a_copy_of_mood_and_scores(ana: Device, tom: Device) -> None:
    """A weekly PHQ-9 whose first due date counts the client's latest one was told to be
    cancelled; homework in a copy without homework read "not seen", as if not done."""
    await ana.ok(
        "share", "Personal", "tom", "--only", "mood,scores", "--role", "annotate",
        *fingerprint(tom),
    )  # fmt: skip
    await ana.ok("measure", "take", "phq9", "--answers", ITEM_9_ZERO)
    await tom.ok("sync")
    weekly = await tom.ok("assign", "ana", "measure", "phq9", "--every", "7")
    said = flat(weekly.stderr)
    assert "which counts for it" in said, said
    assert "assignments cancel" not in said and "may repeat it" not in said, said
    homework = await tom.ok("assign", "ana", "homework", "thought-record")
    said = flat(homework.stderr)
    assert "cannot be seen in this copy: it does not carry the client's homework" in said, said
    found = {a["target_id"]: a for a in await tom.json("assignments")}
    assert found["thought-record"]["status"] == "cannot be seen", found
    assert found["phq9"]["status"] == "upcoming", found
    table = flat((await tom.ok("assignments", env={"COLUMNS": "200"})).stdout)
    assert "cannot be seen in this copy" in table, table
    out = tom.home.parent / "copy-export"
    await tom.ok("export", "--client", "ana", "--format", "markdown", "--out", str(out))
    said = flat(" ".join(p.read_text() for p in out.rglob("*.md")))
    assert "- status: cannot be seen in this copy: it does not carry the client's homework" in said


async def test_after_a_client_ends_the_share_the_words_are_plain(ana: Device, tom: Device) -> None:
    """After ana's `tj unshare`: "keep them, and keep them for your clinical records", her old
    Severe GAD-7 read as her present state, tom's assignments "are no longer served to you",
    and the Markdown export said "the server is withholding it"."""
    await ana.ok("share", "Personal", "tom", "--role", "annotate", *fingerprint(tom))
    await ana.ok(
        "measure", "take", "gad7", "--answers", "3,3,3,3,3,2,2", "--date", "2026-11-01 09:00"
    )
    await ana.ok("measure", "take", "gad7", "--answers", "1,1,0,0,0,0,0")
    await tom.ok("sync")
    await tom.ok("assign", "ana", "measure", "gad7", "--every", "14")
    await ana.ok("unshare", "Personal", "tom", "--yes")
    synced = await tom.ok("caseload")
    said = flat(synced.stderr)
    assert "keep them, and export them for your clinical records" in said, said
    assert "keep them, and keep them" not in said
    assert re.search(
        r"1 GAD-7 in its highest band \(19, Severe, 2026-11-01 09:00, an older result: the "
        r"latest is 2, Minimal, \d{4}-\d\d-\d\d \d\d:\d\d\)",
        said,
    ), said
    listed = flat((await tom.ok("assignments")).stderr + (await tom.ok("assignments")).stdout)
    assert "(GAD-7 every 14 days) is no longer due: " in listed, listed
    assert "is no longer served to you:" not in listed, listed
    out = tom.home.parent / "ended-export"
    await tom.ok("export", "--client", "ana", "--format", "markdown", "--out", str(out))
    said = flat(" ".join(p.read_text() for p in out.rglob("*.md")))
    assert (
        "ended with the share: not served as of this export (the server's word; nothing the "
        "owner signed says so); ana may have ended or changed the share; no longer due" in said
    ), said
    assert "withholding" not in said
