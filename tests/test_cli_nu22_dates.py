"""NU22 C8: `today`/`yesterday` worked in `tj list` but not in `tj search`, `tj insights` or
`tj goal add`, whose errors quoted Python's '%Y-%m-%d'. One date parser (cli/dates.py) for
every command, refusals in plain words (real server on loopback, CliRunner)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from cli.dates import no_such_day
from tests.conftest import RunningServer
from tests.run_days import days_from
from tests.test_cli import Device
from tests.test_cli_insights import new_device


@pytest.fixture
async def ana(live_server: RunningServer, tmp_path: Path) -> Device:
    return await new_device(live_server, tmp_path, "ana")


async def test_today_and_yesterday_work_in_every_command_that_takes_a_date(ana: Device) -> None:
    written = (await ana.ok("write", "--tag", "sleep", "Slept badly.")).stdout.strip()
    [hit] = await ana.json("search", "slept", "--since", "yesterday")
    assert written in str(hit), hit
    assert await ana.json("search", "slept", "--since", "tomorrow") == []
    assert (await ana.json("insights", "--since", "today"))["entries"] == 1
    assert (await ana.json("insights", "--since", "tomorrow"))["entries"] == 0
    start = date.today()
    goal = await ana.json("goal", "add", "Sleep by 11", "--target", "tomorrow")
    assert goal["target"] in days_from(start, shift=1)  # tomorrow, as the command read it
    start = date.today()
    edited = await ana.json("goal", "edit", goal["id"][:8], "--target", "today")
    assert edited["target"] in days_from(start)


@pytest.mark.parametrize(
    "command",
    [
        ["search", "x", "--since"],
        ["insights", "--since"],
        ["goal", "add", "x", "--target"],
        ["list", "--since"],
        ["share", "Personal", "drsmith", "--until"],
        ["write", "x", "--date"],
    ],
)
async def test_a_day_that_does_not_exist_is_refused_in_plain_words(
    ana: Device, command: list[str]
) -> None:
    refused = await ana.tj(*command, "2027-02-30")
    assert refused.exit_code == 2, refused.output
    said = " ".join(refused.stderr.split())
    assert "there is no 2027-02-30: February 2027 has 28 days" in said, said
    assert "%" not in said
    wrong = await ana.tj(*command, "soon")
    assert wrong.exit_code == 2 and "%" not in wrong.stderr and "YYYY-MM-DD" in wrong.stderr


async def test_before_1970_is_refused_in_words_and_a_past_goal_target_is_said(
    ana: Device,
) -> None:
    refused = await ana.tj("write", "--date", "1900-01-01", "far past")
    assert refused.exit_code == 2
    assert "dates before 1970 are not supported" in refused.stderr
    assert "created_at" not in refused.stderr and "milliseconds" not in refused.stderr
    added = await ana.ok("goal", "add", "Old goal", "--target", "2020-01-01")
    assert "Note: the target date 2020-01-01 has already passed." in added.stderr
    fresh = await ana.ok("goal", "add", "New goal", "--target", "tomorrow")
    assert "has already passed" not in fresh.stderr


def test_no_such_day_names_the_month_length_and_leaves_real_days_alone() -> None:
    assert no_such_day("2024-02-30") == "there is no 2024-02-30: February 2024 has 29 days"
    assert no_such_day("2026-04-31 10:00") == "there is no 2026-04-31: April 2026 has 30 days"
    assert no_such_day("2026-13-01") == "there is no 2026-13-01: a month is 01 to 12"
    assert no_such_day("2026-12-31") is None and no_such_day("today") is None
