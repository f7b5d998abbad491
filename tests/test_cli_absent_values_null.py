"""JSON gives `null` for a value the device does not have, never "": an untitled entry's
`title` (list, search, export), an own journal's `kept_for`, a goal's `why` and a check-in's
`note` written without one, the discuss list's untitled entry, a safety plan with no text (`plan`, `tj safety plan --json` and
the export); an export with `null` there imports, as do older files with "" (real server on
loopback, CliRunner, each `--json` parsed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.test_cli import Device, failed_with_one_line, laptop  # noqa: F401


def strings(value: Any) -> list[str]:
    """The keys (dotted paths) of every "" in `value`."""
    if isinstance(value, dict):
        return [f"{k}.{p}" if p else k for k, v in value.items() for p in strings(v) or []] + [
            k for k, v in value.items() if v == ""
        ]
    if isinstance(value, list):
        return [p for v in value for p in strings(v)]
    return []


async def test_absent_values_are_null_in_json_and_an_export_of_them_imports(
    laptop: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    await laptop.ok("write", "Slept well for once.")
    goal = (await laptop.ok("goal", "add", "Walk daily")).stdout.strip()
    await laptop.ok("goal", "checkin", goal, "--progress", "20")
    await laptop.ok("safety", "plan", "--emergency", "999")

    [entry] = await laptop.json("list")
    assert entry["title"] is None and entry["body"] == "Slept well for once."
    [found] = await laptop.json("search", "Slept")
    assert found["entry"]["title"] is None
    journals = await laptop.json("journal", "list")
    assert journals and all(j["kept_for"] is None for j in journals)
    [walk] = await laptop.json("goal", "list")
    assert walk["why"] is None and [c["note"] for c in walk["checkins"]] == [None]
    assert (await laptop.json("safety", "plan"))["plan"] is None
    marked = await laptop.json("discuss", entry["id"])  # the discuss list: the same entry
    assert [m["title"] for m in marked] == [None], marked
    commands = (["list"], ["search", "Slept"], ["journal", "list"], ["goal", "list"], ["discuss"])
    for command in commands:
        assert strings(await laptop.json(*command)) == [], command

    exported = await laptop.ok("export", "--out", str(tmp_path / "backup"))
    path = Path(exported.stdout.strip())
    data = json.loads(path.read_text(encoding="utf-8"))
    [kept] = data["entries"]
    assert kept["title"] is None
    assert [g["why"] for g in data["goals"]] == [None]
    assert [c["note"] for g in data["goals"] for c in g["checkins"]] == [None]
    assert [p["plan"] for p in data["safety_plans"]] == [None]

    imported = await laptop.ok("import", str(path))  # read whole: nothing new here
    assert "1 entry, 1 goal and 1 safety plan already here" in imported.stdout
    older = json.loads(path.read_text(encoding="utf-8"))  # a file of an earlier version: ""
    for each in older["entries"]:
        each["title"] = ""
    for each in older["goals"]:
        each["why"] = ""
        for checkin in each["checkins"]:
            checkin["note"] = ""
    for each in older["safety_plans"]:
        each["plan"] = ""
    old = tmp_path / "older.json"
    old.write_text(json.dumps(older), encoding="utf-8")
    again = await laptop.ok("import", str(old))
    assert "1 entry, 1 goal and 1 safety plan already here" in again.stdout


async def test_an_export_says_version_2_and_a_version_1_file_still_imports(
    laptop: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Version 2 gives null where version 1 gave "": a reader of version 1 is told the file
    is newer (the version), never that a field is bad; this app reads both, and names a
    later version as made by a newer app."""
    await laptop.ok("write", "Untitled, exported.")
    exported = await laptop.ok("export", "--out", str(tmp_path / "backup"))
    path = Path(exported.stdout.strip())
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["version"] == 2 and data["entries"][0]["title"] is None

    older = {**data, "version": 1, "entries": [{**data["entries"][0], "title": ""}]}
    older["entries"][0]["created_at"] = "2026-01-02T03:04:05.000Z"  # not already here
    old = tmp_path / "version-1.json"
    old.write_text(json.dumps(older), encoding="utf-8")
    await laptop.ok("import", str(old))
    bodies = [(e["title"], e["body"]) for e in await laptop.json("list")]
    assert bodies == [(None, "Untitled, exported."), (None, "Untitled, exported.")], bodies

    newer = tmp_path / "version-3.json"
    newer.write_text(json.dumps({**data, "version": 3}), encoding="utf-8")
    said = failed_with_one_line(await laptop.tj("import", str(newer)))
    assert "this export has version 3, made by a newer app: update" in said, said
