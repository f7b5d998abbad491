"""nu76 F4 (safety item 9): `tj measure take --json` refused after item 9 was answered
above 0 (the default journal archived) gives the safety message and the command that saves
the answers in its JSON error object, not on stderr only: an app reading `--json` has the
message to show and the command to run (real server on loopback, CliRunner)."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli_insights import new_device


async def test_refused_take_with_item_9_gives_the_message_and_the_save_command_in_json(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("safety", "plan", "--emergency", "999", "--text", "Breathe first.")
    await ana.ok("journal", "archive", "Personal")
    answers = "0,0,0,0,0,0,0,0,2"
    refused = await ana.tj("measure", "take", "phq9", "--answers", answers, "--json")
    assert refused.exit_code == 1, refused.stderr
    error = json.loads(refused.raw_stdout)["error"]
    assert error["subject"] == "archived", error
    message = error["safety_message"]
    assert message["emergency_number"] == "999" and message["plan"] == "Breathe first."
    stderr = " ".join(refused.stderr.split())  # wrapped at the width
    assert message["lines"] and all(" ".join(line.split()) in stderr for line in message["lines"])
    assert any("999" in line for line in message["lines"]), message
    command = error["save_command"]
    assert command.startswith("tj ") and f"--answers {answers}" in command, command
    assert f"--result-id {error['result_id']}" in command, error

    # the command as given saves them, once the journal takes writes again
    await ana.ok("journal", "unarchive", "Personal")
    words = shlex.split(command)[1:]
    saved = await ana.tj(*words, "--json")
    assert saved.exit_code == 0, saved.stderr
    taken = json.loads(saved.raw_stdout)
    assert taken["id"] == error["result_id"], taken
    assert [r["id"] for r in await ana.json("measure", "list")] == [error["result_id"]]


async def test_refused_take_without_a_safety_answer_gives_no_message(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("journal", "archive", "Personal")
    refused = await ana.tj("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,0", "--json")
    assert refused.exit_code == 1, refused.stderr
    error = json.loads(refused.raw_stdout)["error"]
    assert error["safety_message"] is None, error
    # no flag owed: the same command, run again, saves them (none is said)
    assert error["save_command"] is None and error["result_id"] is None, error
