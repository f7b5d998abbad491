"""nu78 F14: `tj shares log` said only how many *entries* a therapist fetched, while the fetch
also held the client's questionnaire results (every answer, item 9 too), goals and safety
plan. The log now counts every kind of document a fetch held, from the records the client's
device verified, in the text and in `--json` ("kinds"); what the therapist wrote themselves
is not counted as read.

A real server on loopback, real crypto (CliRunner devices of tests/test_cli.py).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from tests.conftest import RunningServer
from tests.test_cli import Device


@pytest.fixture
async def ana(live_server: RunningServer, tmp_path: Path) -> Device:
    device = Device(tmp_path / "ana", live_server.url)
    device.signup = await device.json("signup", live_server.url, "ana")
    return device


@pytest.fixture
async def tom(live_server: RunningServer, tmp_path: Path) -> Device:
    device = Device(tmp_path / "tom", live_server.url)
    device.signup = await device.json("signup", live_server.url, "tom")
    return device


async def test_shares_log_counts_results_goals_and_the_safety_plan_a_therapist_fetched(
    ana: Device, tom: Device
) -> None:
    await ana.ok("share", "Personal", "tom", "--role", "annotate", "--trust-on-first-use")
    await ana.ok("write", "One.")
    await ana.ok("write", "Two.")
    await ana.ok("measure", "take", "phq9", "--answers", "0,1,0,1,0,0,0,0,0")
    await ana.ok("goal", "add", "Walk three times a week")
    await ana.ok("safety", "plan", "--emergency", "999", "--text", "Ring Jo.")
    await ana.ok("sync")
    await tom.ok("sync")
    [fetch] = await ana.json("shares", "log", "Personal")
    assert fetch["entries"] == 2
    kinds = fetch["kinds"]
    assert kinds == {"entry": 2, "measure": 1, "goal": 1, "safety_plan": 1}, kinds
    day = datetime.fromisoformat(fetch["at"]).astimezone().date().isoformat()
    said = (await ana.ok("shares", "log", "Personal")).stdout
    line = " ".join(said.split())
    assert line.startswith("tom read 2 entries, 1 goal, 1 questionnaire result"), line
    assert "1 safety plan" in line and f"on {day} (device {fetch['device_id'][:12]})" in line

    # what tom writes himself (a note) he did not read: a later fetch of it counts nothing
    await tom.ok("note", "ana/Personal", "See you Thursday.")
    await tom.ok("sync")
    await ana.ok("sync")
    await tom.ok("sync")
    log = await ana.json("shares", "log", "Personal")
    assert all("note" not in f["kinds"] for f in log), log
    assert await tom.json("shares", "log", "ana/Personal") == log
