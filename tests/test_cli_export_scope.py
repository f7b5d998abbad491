"""`tj export` holds everything the device can read: entries, goals and notes, and the care
records too (questionnaire results, homework, assignments, the safety plan, safety flags), in
JSON and in Markdown (real server, CliRunner)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli_insights import new_device

BEHAVIOURAL_ACTIVATION = [
    "--set", "activity=Walk by the river", "--set", "planned=yes", "--set", "done=yes",
    "--set", "pleasure=6", "--set", "mastery=7", "--completion", "fully",
]  # fmt: skip


async def test_every_kind_a_client_wrote_or_was_assigned_is_in_the_export(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--trust-on-first-use"
    )
    await drsmith.ok("sync")
    assigned = await drsmith.json("assign", "ana/Personal", "measure", "phq9", "--every", "14")
    await drsmith.ok("safety", "crisis-line", "ana/Personal", "Samaritans: call 116 123")
    await drsmith.ok("sync")
    await ana.ok("sync")

    await ana.ok("write", "--mood", "5", "A day.")
    taken = await ana.json("measure", "take", "phq9", "--answers", "1,2,1,1,0,1,1,0,0")
    homework = await ana.json("homework", "add", "behavioural-activation", *BEHAVIOURAL_ACTIVATION)
    await ana.ok("safety", "plan", "--emergency", "999", "--text", "Ring Jo, then walk.")
    help_text = " ".join((await ana.ok("export", "--help")).stdout.split())
    assert "Export everything you can read on this device" in help_text

    path = Path((await ana.ok("export", "--out", str(tmp_path / "out"))).stdout.strip())
    data = json.loads(path.read_text())
    assert set(data) == {
        "format", "version", "account", "exported_at", "journals", "entries", "goals", "notes",
        "results", "homework", "assignments", "safety_plans", "safety_flags", "private_notes",
    }  # fmt: skip
    personal = next(j["id"] for j in data["journals"] if j["name"] == "Personal")

    [result] = data["results"]
    assert result == {**taken_result(taken), "journal_id": personal}
    assert result["answers"] == [1, 2, 1, 1, 0, 1, 1, 0, 0] and result["score"] == 7

    [done] = data["homework"]
    assert done == {**homework, "journal_id": personal}
    assert done["values"]["activity"] == "Walk by the river" and done["completion"] == "fully"

    [assignment] = data["assignments"]
    [listed] = await ana.json("assignments")  # the shape `tj assignments --json` has (NU46 #6)
    assert assignment == {**listed, "journal_id": personal}
    said = {k: v for k, v in assigned.items() if k not in ("counted_result_id", "result_note")}
    assert assigned["counted_result_id"] is None  # the PHQ-9 was taken after it
    assert assignment == {
        **said,
        "journal": "Personal",
        "journal_id": personal,
        "status": "upcoming",  # the PHQ-9 taken above
        "due_at": assignment["due_at"],
        "last_done": taken["taken_at"],
    }
    assert (assignment["target_id"], assignment["assigned_by"]) == ("phq9", "drsmith")

    [plan] = data["safety_plans"]
    assert (plan["journal_id"], plan["emergency_number"], plan["plan"]) == (
        personal,
        "999",
        "Ring Jo, then walk.",
    )
    assert plan["crisis_line_in_use"] == "Samaritans: call 116 123"
    assert data["safety_flags"] == []

    markdown = tmp_path / "md"
    await ana.ok("export", "--format", "markdown", "--out", str(markdown))
    pages = {p.name: p.read_text() for p in (markdown / "personal").iterdir()}
    assert "PHQ-9: 7 (Mild)" in pages["questionnaires.md"]
    assert "Walk by the river" in pages["homework.md"]
    assert "assigned by: drsmith" in pages["assignments.md"]
    assert "Ring Jo, then walk." in pages["safety.md"]
    assert "Samaritans: call 116 123" in pages["safety.md"]

    # Importing the file restores entries, goals and notes, and the client's own results
    # and safety plan (NU45 #13, NU48 #3); the summary names the care records it left in
    # the file (NU18 C9), and --json counts them.
    bob = await new_device(live_server, tmp_path, "bob")
    # named: an import writes into an existing journal (bob's own Personal) only so
    said = (await bob.ok("import", str(path), "--journal", "Personal")).stdout.strip()
    said = " ".join(said.split())  # wrapped at the width (NU50 F5)
    assert said == (
        "Imported 1 entry, 1 questionnaire result and 1 safety plan into 'Personal' (read by "
        "no one else); not imported (they stay in the file): 1 homework entry and 1 assignment; "
        "the emergency number the safety message shows for Personal is now the file's, '999' "
        "(check it with `tj safety plan --journal Personal`)."
    ), said
    cleo = await new_device(live_server, tmp_path, "cleo")
    report = await cleo.json("import", str(path))  # the default: a journal of its own
    assert report["left_out"] == {"homework": 1, "assignments": 1}
    assert len(report["results"]) == 1 and report["safety_plans"] == ["Personal (imported)"]
    help_text = " ".join((await cleo.ok("import", "--help")).stdout.split())
    assert "Not imported (they stay in the file, and the summary counts them): homework," in (
        help_text
    )


async def test_a_safety_flag_and_its_acknowledgement_are_in_the_clients_export(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate",
        "--trust-on-first-use", "--safety-flags",
    )  # fmt: skip
    await ana.ok("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,1")
    [flag] = (await drsmith.json("safety", "flags"))["flags"]
    await drsmith.ok("safety", "ack", flag["id"])
    await ana.ok("sync")

    data = await ana.json("export", "--out", str(tmp_path / "out"))
    exported = json.loads(Path(data["files"][0]).read_text())
    [kept] = exported["safety_flags"]
    assert (kept["id"], kept["item"], kept["answer"]) == (flag["id"], 9, 1)
    assert [a["by"] for a in kept["acknowledged"]] == ["drsmith"]
    [result] = exported["results"]
    assert result["safety_concern"] is True and kept["result_id"] == result["id"]


def taken_result(taken: dict[str, object]) -> dict[str, object]:
    """`tj measure take --json` prints the result with its previous one, the change, the
    course's first result and the change since it, its safety message, (a PHQ-9) who
    reads its score without its answers, and the safety flag it sealed (`flag`)."""
    context = (
        "previous", "change", "baseline", "since_baseline", "safety_message",
        "score_only_readers", "flag",
    )  # fmt: skip
    return {k: v for k, v in taken.items() if k not in context}


async def test_a_markdown_export_refuses_a_folder_that_is_not_empty(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("write", "Mine.")
    used = tmp_path / "used"
    used.mkdir()
    (used / "someone-else.md").write_text("not ana's")
    refused = await ana.tj("export", "--format", "markdown", "--out", str(used))
    assert refused.exit_code == 1 and "is not empty" in refused.output
    assert [p.name for p in used.iterdir()] == ["someone-else.md"]


async def test_export_holds_the_trash_and_import_puts_it_back_in_the_trash(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("write", "Kept.")
    trashed = (await ana.ok("write", "Thrown away.")).stdout.strip()
    await ana.ok("delete", trashed[:8], "--yes")
    [in_trash] = await ana.json("trash")
    path = Path((await ana.ok("export", "--out", str(tmp_path / "out"))).stdout.strip())
    exported = json.loads(path.read_text())
    marks = {e["body"]: e["trashed_at"] for e in exported["entries"]}
    assert marks["Kept."] is None
    assert moment(marks["Thrown away."]) == moment(in_trash["trashed_at"])
    assert "trash" in " ".join((await ana.ok("export", "--help")).stdout.split())

    bob = await new_device(live_server, tmp_path, "bob")
    said = await bob.ok("import", str(path))
    assert "Imported 2 entries (1 into the trash)" in said.stdout
    assert [e["body"] for e in await bob.json("list")] == ["Kept."]
    [back] = await bob.json("trash")
    assert back["body"] == "Thrown away."
    assert moment(back["trashed_at"]) == moment(in_trash["trashed_at"])
    await bob.ok("restore", back["id"][:8])
    assert sorted(e["body"] for e in await bob.json("list")) == ["Kept.", "Thrown away."]


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def test_a_therapists_private_notes_are_in_the_json_and_markdown_export(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU19 C7: `tj export` ("everything you can read on this device") left out the
    therapist's private notes, and the Markdown export made an empty private-notes folder."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--trust-on-first-use"
    )
    await drsmith.ok("sync")
    text = "Avoidance around her sister: revisit. Safety plan next session."
    await drsmith.ok("private-notes", "add", "ana/Personal", text)
    [note] = await drsmith.json("private-notes")

    path = Path((await drsmith.ok("export", "--out", str(tmp_path / "out"))).stdout.strip())
    data = json.loads(path.read_text())
    assert data["private_notes"] == [note]
    assert note["journal"] == "ana/Personal" and note["text"] == text
    ana_journal = next(j["id"] for j in data["journals"] if j["owner"] == "ana")
    assert note["journal_id"] == ana_journal  # the client's journal the note is about

    markdown = tmp_path / "md"
    await drsmith.ok("export", "--format", "markdown", "--out", str(markdown))
    page = (markdown / "private-notes" / "private-notes.md").read_text()
    assert text in page and "ana/Personal" in page and note["id"] in page

    # The client's own export holds no note of the therapist's.
    mine = json.loads(
        Path((await ana.ok("export", "--out", str(tmp_path / "ana"))).stdout.strip()).read_text()
    )
    assert mine["private_notes"] == []
    assert text not in json.dumps(mine)
