"""What an app parses from `--json`: every row that names a journal carries its id
(`journal_id`, which a rename keeps), every time is one layout (ISO 8601 in UTC with
milliseconds and "+00:00", the JSON export's too), and the keys that meant two things have an
unambiguous one beside them. Real server on loopback, the CLI through CliRunner; every output
is parsed as JSON, never grepped."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device

TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00")
"""The one layout of a time in JSON (README: "2026-12-06T14:40:39.947+00:00")."""
ANY_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)")
"""Any ISO 8601 time with an offset, however written: each must be in TIME's layout."""


def times_and_journals(value: Any, path: str = "") -> tuple[list[str], list[str]]:
    """The times not in TIME's layout, and the objects naming a journal without its id,
    in parsed JSON `value` (by path)."""
    odd: list[str] = []
    nameless: list[str] = []
    if isinstance(value, dict):
        if "journal" in value and "journal_id" not in value:
            nameless.append(path or "top")
        for key, item in value.items():
            if isinstance(item, str) and ANY_TIME.fullmatch(item) and not TIME.fullmatch(item):
                odd.append(f"{path}.{key}={item}")
            more = times_and_journals(item, f"{path}.{key}")
            odd += more[0]
            nameless += more[1]
    elif isinstance(value, list):
        for n, item in enumerate(value):
            more = times_and_journals(item, f"{path}[{n}]")
            odd += more[0]
            nameless += more[1]
    return odd, nameless


async def journal_ids(device: Device) -> dict[str, str]:
    return {j["name"]: j["id"] for j in await device.json("journal", "list")}


async def test_every_row_naming_a_journal_has_its_id_and_every_time_one_layout(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    # a time with no fraction (a --date entry) beside one with milliseconds (now)
    await ana.ok("write", "--mood", "5", "--tag", "sleep", "--date", "2026-11-20 21:00", "Slept.")
    trashed = (await ana.ok("write", "Into the trash.")).stdout.strip()
    await ana.ok("delete", trashed[:8], "--yes")
    goal = (await ana.ok("goal", "add", "Walk daily", "--measure", "4 sessions")).stdout.strip()
    await ana.ok("goal", "checkin", goal)
    await ana.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,0")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--trust-on-first-use"
    )
    await drsmith.ok("sync")
    await drsmith.ok("note", "ana/Personal", "Good progress.")
    await drsmith.ok("note", "ana/Personal", "--prompt", "What helped this week?")
    await ana.ok("sync")
    [personal] = (await journal_ids(ana)).values()

    outputs = {
        "list": await ana.json("list"),
        "search": await ana.json("search", "slept"),
        "trash": await ana.json("trash"),
        "goal list": await ana.json("goal", "list"),
        "measure list": await ana.json("measure", "list"),
        "notes": await ana.json("notes"),  # the note and the prompt
        "prompt": [await ana.json("prompt")],  # the therapist's first
        "insights": (await ana.json("insights"))["goals"],
        "therapist list": await drsmith.json("list", "--journal", "ana/Personal"),
        "therapist notes": await drsmith.json("notes", "--journal", "ana/Personal"),
        "shared-with-me": await drsmith.json("shared-with-me"),
    }
    for command, parsed in outputs.items():
        assert parsed, command  # something to check in each
        odd, nameless = times_and_journals(parsed)
        assert odd == [], (command, odd)
        assert nameless == [], (command, nameless)
        ids = {row["journal_id"] for row in parsed if "journal_id" in row}
        ids |= {row["entry"]["journal_id"] for row in parsed if "entry" in row}
        assert ids == {personal}, (command, ids)

    # the --date entry's time has no fraction of its own: ".000", as every other time
    assert any(e["created_at"].endswith(":00.000+00:00") for e in outputs["list"])
    # the JSON export: the same layout
    exported = Path((await ana.ok("export", "--out", str(tmp_path / "out"))).stdout.strip())
    odd, _ = times_and_journals(json.loads(exported.read_text()))
    assert odd == []

    # a rename changes "journal", never "journal_id"
    await ana.ok("journal", "rename", "Personal", "Mine")
    renamed = await ana.json("goal", "list")
    assert [(g["journal"], g["journal_id"]) for g in renamed] == [("Mine", personal)]


async def test_keys_that_meant_two_things_have_an_unambiguous_one_beside_them(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--trust-on-first-use"
    )
    await drsmith.ok("sync")
    await drsmith.ok("note", "ana/Personal", "Good progress.")
    await drsmith.ok("note", "ana/Personal", "--prompt", "What helped this week?")
    await ana.ok("sync")

    [shared] = await drsmith.json("shared-with-me")
    # "journal" is what a command takes, as "journal" holds it in every other row (NU72 F9:
    # it was the owner's bare name here alone), also "name"; "owner_journal_name" is the
    # owner's own name for it
    assert (shared["journal"], shared["owner_journal_name"], shared["name"]) == (
        "ana/Personal",
        "Personal",
        "ana/Personal",
    )
    notes = await drsmith.json("notes", "--journal", "ana/Personal")
    assert {(n["journal"], n["journal_id"]) for n in notes} == {
        (shared["name"], shared["journal_id"])
    }
    # "by_therapist" (a note's) and "from_therapist" (a prompt's): both in a note's JSON
    assert {(n["by_therapist"], n["from_therapist"]) for n in await ana.json("notes")} == {
        (True, True)
    }
    prompt = await ana.json("prompt")
    assert (prompt["from_therapist"], prompt["journal_id"]) == (True, shared["journal_id"])
