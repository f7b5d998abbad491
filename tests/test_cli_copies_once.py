"""A therapist who reads a client's whole journal AND copies the client shared one by one or
field by field (`share-entry --only`, `measure share`, "Shared with NAME") counts each entry
and result once: in `tj list`, `tj search` and `tj caseload`, the whole journal's entry
preferred (real server on loopback, CliRunner)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli_insights import new_device

ZEROS = "0,0,0,0,0,0,0,0,0"
HIGHER = "1,1,1,1,1,1,1,1,0"


async def test_entries_and_results_shared_twice_count_once_for_the_therapist(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    first = (await ana.ok("write", "--mood", "4", "--tag", "sleep", "Slept badly.")).stdout
    second = (await ana.ok("write", "--mood", "6", "Better day.")).stdout
    await ana.ok("measure", "take", "phq9", "--answers", ZEROS)
    later = (await ana.json("measure", "take", "phq9", "--answers", HIGHER))["id"]
    await ana.ok("share", "Personal", "drsmith", "--trust-on-first-use")
    await ana.ok("share-entry", first.strip()[:8], "drsmith", "--only", "mood")
    await ana.ok("share-entry", second.strip()[:8], "drsmith")  # every field
    await ana.ok("measure", "share", later[:8], "drsmith", "--without-answers")
    await ana.ok("journal", "create", "Private")  # not shared: its entry reaches drsmith
    private = await ana.ok("write", "--journal", "Private", "--mood", "3", "Copy only.")
    await ana.ok("share-entry", private.stdout.strip()[:8], "drsmith")  # only as a copy

    listed = await drsmith.json("list")
    assert sorted((e["body"], e["journal"]) for e in listed) == [
        ("Better day.", "ana/Personal"),
        ("Copy only.", "ana/Shared with drsmith"),
        ("Slept badly.", "ana/Personal"),
    ]
    assert len(await drsmith.json("search", "day")) == 1
    copies = await drsmith.json("list", "--journal", "ana/Shared with drsmith")
    assert len(copies) == 3  # the copies are still there, read by name

    [row] = await drsmith.json("caseload")
    assert row["entries_this_week"] == 3
    [score] = row["scores"]
    assert (score["score"], score["change"]["earlier"], score["change"]["later"]) == (8, 0, 8)


async def test_the_sync_summary_counts_a_result_and_an_entry_shared_twice_once(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU19 C18 remainder: a client who shares a journal whole AND `--only mood,scores`
    takes one PHQ-9 and writes one entry: the therapist's `tj sync` summary says "1 new
    questionnaire result" and "1 new entry", as `tj measure list` and `tj list` count them;
    a result or entry only in the copy still counts."""
    june = await new_device(live_server, tmp_path, "june")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await june.ok("share", "Personal", "drlee", "--only", "mood,scores", "--trust-on-first-use")
    await june.ok("share", "Personal", "drlee", "--full", "--role", "annotate")
    assert len(await june.json("shares")) == 2  # the whole journal and the copy
    await drlee.ok("sync")
    await june.ok("measure", "take", "phq9", "--answers", HIGHER)
    await june.ok("write", "--mood", "4", "Rough night.")

    report = await drlee.json("sync")
    news = {(n["kind"], n["new"], n["from"]): n["count"] for n in report["news"]}
    assert news == {("measure", True, "june"): 1, ("entry", True, "june"): 1}
    assert "1 new questionnaire result from june" not in (await drlee.ok("sync")).stdout  # once
    assert len(await drlee.json("measure", "list")) == 1
    assert len(await drlee.json("measure", "list", "--journal", "june/Personal")) == 1

    # only in a copy (a journal june does not share whole): still news, counted once
    await june.ok("journal", "create", "Private")
    private = (await june.ok("write", "--journal", "Private", "--mood", "3", "Copy.")).stdout
    await june.ok("share-entry", private.strip()[:8], "drlee")
    report = await drlee.json("sync")
    assert {(n["kind"], n["count"]) for n in report["news"]} == {("entry", 1)}
