"""`tj export` says exactly what it leaves out, and leaves out exactly that (real server, CliRunner)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli_insights import new_device


async def test_export_help_names_what_is_not_exported_and_the_file_holds_only_the_rest(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    said = " ".join((await ana.ok("export", "--help")).stdout.split())
    for left_out in (
        "questionnaire results", "homework", "assignments", "the safety plan and crisis line",
        "safety flags", "briefs",
    ):  # fmt: skip
        assert left_out in said.split("NOT exported yet:")[1], left_out
    await ana.ok("write", "--mood", "5", "A day.")
    await ana.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,0")
    await ana.ok("safety", "plan", "--text", "Ring Jo.")
    path = Path((await ana.ok("export", "--out", str(tmp_path / "out"))).stdout.strip())
    data = json.loads(path.read_text())
    assert set(data) == {
        "format", "version", "account", "exported_at", "journals", "entries", "goals", "notes",
    }  # fmt: skip
    assert "Ring Jo." not in path.read_text() and len(data["entries"]) == 1
