"""NU46 #5 and #6: homework that names its assignment counts for it whatever its date, and
what was done for an assignment survives the share being narrowed, on both sides and in the
export (real server on loopback, CliRunner)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from client_sdk.models import json_time
from tests.conftest import RunningServer
from tests.table_cells import column
from tests.test_cli import Device
from tests.test_cli_care import NIGHT
from tests.test_cli_insights import new_device

THOUGHT = [
    "--set", "situation=Late for work", "--set", "automatic_thought=I always fail",
    "--set", "emotion=shame", "--set", "intensity=70",
]  # fmt: skip


async def sharing_pair(server: RunningServer, tmp_path: Path) -> tuple[Device, Device]:
    """carla shares Personal whole with drruiz, who may annotate (assign)."""
    carla = await new_device(server, tmp_path, "carla")
    drruiz = await new_device(server, tmp_path, "drruiz")
    await carla.ok(
        "share", "Personal", "drruiz", "--full", "--role", "annotate", "--trust-on-first-use"
    )
    await drruiz.ok("sync")
    return carla, drruiz


def earlier(minutes: int) -> str:
    """A `--date` some minutes ago (local time, to the minute)."""
    return (datetime.now() - timedelta(minutes=minutes)).strftime("%Y-%m-%d %H:%M")


async def standing(device: Device, *options: str) -> dict[str, dict[str, Any]]:
    return {a["id"]: a for a in await device.json("assignments", *options)}


async def test_homework_naming_an_assignment_counts_though_dated_before_it_was_made(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU46 #5: a sleep diary dated this morning, written with `--assignment` right after the
    therapist assigned it, left the assignment "never done" on both sides. Named, it counts
    whatever its date (a weekly one is next due a week after its start); homework of the
    template that does not name it still counts only from the start."""
    carla, drruiz = await sharing_pair(live_server, tmp_path)
    morning = earlier(5)
    once = await drruiz.json("assign", "carla/Personal", "homework", "sleep-diary")
    weekly = await drruiz.json(
        "assign", "carla/Personal", "homework", "sleep-diary", "--every", "7"
    )
    loose = await drruiz.json("assign", "carla/Personal", "homework", "thought-record")
    await carla.ok("sync")
    for made in (once, weekly):
        await carla.ok(
            "homework", "add", "sleep-diary", *NIGHT, "--assignment", made["id"], "--date", morning
        )
    await carla.ok("homework", "add", "thought-record", *THOUGHT, "--date", morning)

    due = {d["id"]: d["status"] for d in await carla.json("due", "--all")}
    assert once["id"] not in due  # done
    assert due[weekly["id"]] == "upcoming" and due[loose["id"]] in ("due", "overdue")
    await drruiz.ok("sync")
    for device in (carla, drruiz):
        rows = await standing(device)
        done_at = datetime.fromisoformat(rows[once["id"]]["last_done"]).astimezone()
        assert rows[once["id"]]["status"] == "done"
        assert done_at.strftime("%Y-%m-%d %H:%M") == morning  # its own date, not the start
        assert rows[weekly["id"]]["status"] == "upcoming"
        assert rows[weekly["id"]]["due_at"] == json_time(
            datetime.fromisoformat(weekly["starts_at"]) + timedelta(days=7)
        )
        assert rows[weekly["id"]]["last_done"] == rows[once["id"]]["last_done"]
        assert rows[loose["id"]]["status"] in ("due", "overdue")  # not named: from the start
        assert rows[loose["id"]]["last_done"] is None


async def test_a_narrowed_share_keeps_what_was_done_on_both_sides_and_in_the_export(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU46 #6: after `tj share Personal drruiz --only mood,tags`, a thought record carla had
    done showed "last done: -" and "ended with the share" on both sides, `tj due` said it
    was no longer due, and the export's assignments had no status. Done stays done, with
    when; what was not done says so on the client's side ("never") and is left unsaid on
    the therapist's ("-": their copy may not hold it)."""
    carla, drruiz = await sharing_pair(live_server, tmp_path)
    thought = await drruiz.json("assign", "carla/Personal", "homework", "thought-record")
    phq9 = await drruiz.json("assign", "carla/Personal", "measure", "phq9", "--every", "14")
    await carla.ok("sync")
    await carla.ok("homework", "add", "thought-record", *THOUGHT, "--assignment", thought["id"])
    await drruiz.ok("sync")
    before = await standing(drruiz)
    assert before[thought["id"]]["status"] == "done"
    done_at = before[thought["id"]]["last_done"]

    await carla.ok("share", "Personal", "drruiz", "--only", "mood,tags", "--yes")
    await drruiz.ok("sync")
    for device in (carla, drruiz):
        rows = await standing(device, "--all")
        assert (rows[thought["id"]]["status"], rows[thought["id"]]["last_done"]) == (
            "done",
            done_at,
        )
        ended = rows[thought["id"]]
        # one meaning in every JSON: "share_ended" beyond the server's word, else "unlisted"
        assert ended["share_ended"] is not ended["unlisted"], ended
        if device is carla:  # her own signed change ended it
            assert ended["share_ended"] is True, ended
        else:  # as the therapist's copy of the journal says it
            [kept] = [
                j for j in await device.json("journal", "list") if j["id"] == ended["journal_id"]
            ]
            assert (ended["share_ended"], ended["unlisted"]) == (
                kept["share_ended"],
                kept["unlisted"],
            ), (ended, kept)
        assert (rows[phq9["id"]]["status"], rows[phq9["id"]]["last_done"]) == ("ended", None)
        table = (await device.ok("assignments", "--all", env={"COLUMNS": "250"})).stdout
        by_what = dict(zip(column(table, "what"), column(table, "status"), strict=True))
        assert by_what["Thought record (CBT), once"] == "done, then the share ended"
        assert by_what["PHQ-9, every 14 days"] == "ended with the share"
        done_cells = dict(zip(column(table, "what"), column(table, "last done"), strict=True))
        assert done_cells["Thought record (CBT), once"] != "-"
        assert done_cells["PHQ-9, every 14 days"] == ("never" if device is carla else "-")

    said = " ".join((await carla.ok("due")).stderr.split())
    assert "Thought record (CBT) once (done " in said
    assert "PHQ-9 every 14 days," in said or "PHQ-9 every 14 days)" in said

    for device, name in ((carla, "carla"), (drruiz, "drruiz")):
        out = tmp_path / f"{name}-out"
        path = Path((await device.ok("export", "--out", str(out))).stdout.strip())
        exported = {a["id"]: a for a in json.loads(path.read_text())["assignments"]}
        listed = await standing(device, "--all")
        for assignment_id in (thought["id"], phq9["id"]):
            shown = listed[assignment_id]
            assert {k: exported[assignment_id][k] for k in shown} == shown  # the same shape
        markdown = tmp_path / f"{name}-md"
        await device.ok("export", "--format", "markdown", "--out", str(markdown))
        [page] = [p.read_text() for p in markdown.rglob("assignments.md")]
        thought_part, phq9_part = (
            part for part in page.split("\n## ")[1:] if part.startswith(("Thought", "PHQ"))
        )
        assert "- status: done\n- last done: " in thought_part
        assert "ended with the share" in thought_part and "ended with the share" in phq9_part
        assert ("- last done: never" in phq9_part) == (device is carla)


async def test_what_never_reached_the_therapist_before_the_narrowing_is_not_called_never_done(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """The thought record was done and the share narrowed before drruiz's device synced: the
    copy drruiz keeps does not hold it, so drruiz's side says nothing was seen ("-", status
    "ended") while carla's says done."""
    carla, drruiz = await sharing_pair(live_server, tmp_path)
    thought = await drruiz.json("assign", "carla/Personal", "homework", "thought-record")
    await carla.ok("sync")
    await carla.ok("homework", "add", "thought-record", *THOUGHT, "--assignment", thought["id"])
    await carla.ok("share", "Personal", "drruiz", "--only", "mood,tags", "--yes")
    await drruiz.ok("sync")
    mine = (await standing(carla, "--all"))[thought["id"]]
    assert mine["status"] == "done" and mine["last_done"] is not None
    theirs = (await standing(drruiz, "--all"))[thought["id"]]
    assert (theirs["status"], theirs["last_done"]) == ("ended", None)
    table = (await drruiz.ok("assignments", "--all", env={"COLUMNS": "250"})).stdout
    assert column(table, "last done") == ["-"]  # not "never": this copy may not hold it
