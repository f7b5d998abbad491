"""A journal deleted on another device, brought back from this device's read-only copy
(README: `tj export --journal ID` there, then `tj import FILE`), with everything this device
holds of it (real server on loopback, real crypto; the CLI through its runner): the export of
the copy left out its questionnaire results, the one taken here that never reached the server
(set aside) included, so the restored journal had no PHQ-9 history; `tj set-aside move` could
move only an entry, and its error named an SDK function."""

from __future__ import annotations

import json
from pathlib import Path

from client_sdk import Client
from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device


async def test_the_restored_journal_has_the_results_goals_and_notes_this_device_held(
    live_server: RunningServer, tmp_path: Path
) -> None:
    laptop = await new_device(live_server, tmp_path, "ana")
    await laptop.ok("journal", "create", "Night dreams")
    await laptop.ok("write", "--journal", "Night dreams", "The lighthouse again.")
    await laptop.ok(
        "measure", "take", "gad7", "--journal", "Night dreams", "--answers", ",".join("1" * 7)
    )
    goal = (await laptop.ok("goal", "add", "Sleep by 11", "--journal", "Night dreams")).stdout
    await laptop.ok("goal", "checkin", goal.strip(), "--note", "on time")
    await laptop.ok("note", "Night dreams", "Ask about the lighthouse.")
    tablet = Device(tmp_path / "ana-tablet", live_server.url)
    await tablet.ok("login", live_server.url, "ana")
    await laptop.ok("journal", "delete", "Night dreams", input="Night dreams\n")
    offline = await Client.open(tablet.home)  # taken here offline, before this device
    try:  # heard of the deletion: the server refuses it for good (set aside)
        await offline.measures.take("phq9", [1] * 8 + [0], journal="Night dreams")
    finally:
        await offline.close()
    await tablet.tj("sync")
    assert "kind: questionnaire result" in (await tablet.ok("set-aside", "list")).stdout
    gone = next(j for j in await tablet.json("journal", "list") if j["name"] == "Night dreams")

    await tablet.ok("export", "--journal", gone["id"], "--out", str(tmp_path / "out"))
    [path] = (tmp_path / "out").glob("*.json")
    exported = json.loads(path.read_text())
    assert sorted(r["measure"] for r in exported["results"]) == ["gad7", "phq9"], exported
    assert [g["title"] for g in exported["goals"]] == ["Sleep by 11"], exported["goals"]
    assert [n["text"] for n in exported["notes"]] == ["Ask about the lighthouse."]

    done = await tablet.tj("import", str(path))
    imported = " ".join(done.stdout.split())
    assert "2 questionnaire results" in imported, imported
    [aside] = [c["doc_id"] for c in await tablet.json("set-aside", "list")]
    told = " ".join(done.stderr.split())
    assert "1 change set aside on this device (`tj set-aside list`) is in this import" in told
    assert f"`tj set-aside drop {aside[:12]}`" in told, told
    await laptop.ok("sync")
    results = await laptop.json("measure", "list", "--journal", "Night dreams (imported)")
    assert sorted((r["measure"], r["score"]) for r in results) == [("gad7", 7), ("phq9", 8)]
    [restored] = await laptop.json("goal", "list", "--journal", "Night dreams (imported)")
    assert restored["title"] == "Sleep by 11" and len(restored["checkins"]) == 1, restored
    notes = await laptop.json("notes", "--journal", "Night dreams (imported)")
    assert [n["text"] for n in notes] == ["Ask about the lighthouse."], notes


async def test_set_aside_move_writes_a_result_into_the_journal_named(
    live_server: RunningServer, tmp_path: Path
) -> None:
    laptop = await new_device(live_server, tmp_path, "ana")
    await laptop.ok("journal", "create", "Night dreams")
    tablet = Device(tmp_path / "ana-tablet", live_server.url)
    await tablet.ok("login", live_server.url, "ana")
    await laptop.ok("journal", "delete", "Night dreams", input="Night dreams\n")
    offline = await Client.open(tablet.home)
    try:
        taken = await offline.measures.take("phq9", [1] * 8 + [0], journal="Night dreams")
    finally:
        await offline.close()
    await tablet.tj("sync")
    short = taken.result.id[:12]

    refused = await tablet.tj("set-aside", "move", short)
    said = " ".join(refused.stderr.split())
    assert refused.exit_code != 0 and "`--journal JOURNAL`" in said, said
    assert "()" not in said and "set_aside" not in said, said
    moved = " ".join(
        (await tablet.ok("set-aside", "move", short, "--journal", "Personal")).output.split()
    )
    assert "Moved it into Personal as PHQ-9 result" in moved, moved
    assert "Nothing is set aside" in (await tablet.ok("set-aside", "list")).output
    await laptop.ok("sync")
    [result] = await laptop.json("measure", "list", "--journal", "Personal")
    assert (result["measure"], result["score"]) == ("phq9", 8), result
