"""`tj measure list` and `tj homework list` show the newest 20 by default, as `tj list` does,
say how many match and how to see more (keeping the filters given), and take --limit N, --all,
--since and --until; --json lists every one unless --limit is given (NU47 #9). Real server on
loopback; results and homework written through the SDK, dated a day apart."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from client_sdk import Client, InvalidInput
from tests.conftest import RunningServer
from tests.test_cli import Device, failed_with_one_line
from tests.test_cli_insights import new_device

COUNT = 22
START = datetime(2026, 1, 1, 12)  # local time: day n is 2026-01-(n + 1)


def footer(device: Device, shown: int, noun: str, words: str, limited: bool = False) -> str:
    command = f"{device.command} {words}"
    more = "" if limited else f"`{command} --limit N` shows N, "  # each written whole (NU48)
    return f"Showing the newest {shown} of {COUNT} {noun}: {more}`{command} --all` shows every one."


@pytest.fixture
async def ana(live_server: RunningServer, tmp_path: Path) -> Device:
    """ana with COUNT PHQ-9 results and COUNT homework entries, one a day from 1 January
    2026 (result n scores n, so each changes by +1 from the one before)."""
    device = await new_device(live_server, tmp_path, "ana")
    async with await Client.open(device.home) as client:
        for n in range(COUNT):
            day = START + timedelta(days=n)
            answers = [min(3, max(0, n - 3 * i)) for i in range(8)] + [0]
            await client.measures.take("phq9", answers, taken_at=day)
            values = {"activity": f"Walk {n:02}", "planned": True, "done": True}
            await client.homework.add("behavioural-activation", values, created_at=day)
    return device


async def test_measure_list_shows_the_newest_20_and_says_how_to_see_the_rest(ana: Device) -> None:
    listed = await ana.ok("measure", "list", env={"COLUMNS": "200"})
    assert len([line for line in listed.stdout.splitlines() if " PHQ-9 " in line]) == 20
    assert "2026-01-03 12:00" in listed.stdout and "2026-01-02 12:00" not in listed.stdout
    assert footer(ana, 20, "results", "measure list") in listed.stderr

    cut = await ana.ok("measure", "list", "--measure", "phq9", "--limit", "3")
    assert footer(ana, 3, "results", "measure list --measure phq9", limited=True) in cut.stderr
    every = await ana.ok("measure", "list", "--all", env={"COLUMNS": "200"})
    assert len([line for line in every.stdout.splitlines() if " PHQ-9 " in line]) == COUNT
    assert "Showing" not in every.stderr

    assert len(await ana.json("measure", "list")) == COUNT  # --json: every one
    [newest] = await ana.json("measure", "list", "--limit", "1")
    assert newest["score"] == COUNT - 1  # its change is from a result not listed
    assert (newest["change"]["earlier"], newest["change"]["difference"]) == (COUNT - 2, 1)

    days = await ana.json("measure", "list", "--since", "2026-01-05", "--until", "2026-01-07")
    assert [r["score"] for r in days] == [6, 5, 4]
    assert days[-1]["change"]["earlier"] == 3  # from the day before --since
    ranged = await ana.ok("measure", "list", "--since", "2026-01-02", "--limit", "2")
    words = "measure list --since 2026-01-02"
    assert f"Showing the newest 2 of {COUNT - 1} results: `" in ranged.stderr
    assert f"{words} --all` shows every one." in ranged.stderr
    none = await ana.ok("measure", "list", "--since", "2027-01-01")
    assert "No results match." in none.stderr


async def test_homework_list_shows_the_newest_20_and_says_how_to_see_the_rest(
    ana: Device,
) -> None:
    listed = await ana.ok("homework", "list", env={"COLUMNS": "200"})
    shown = [n for n in range(COUNT) if f"Walk {n:02}" in listed.stdout]
    assert shown == list(range(2, COUNT))
    assert footer(ana, 20, "homework entries", "homework list") in listed.stderr

    cut = await ana.ok("homework", "list", "--journal", "Personal", "--limit", "4")
    words = "homework list --journal Personal"
    assert footer(ana, 4, "homework entries", words, limited=True) in cut.stderr
    every = await ana.ok("homework", "list", "--all", env={"COLUMNS": "200"})
    assert all(f"Walk {n:02}" in every.stdout for n in range(COUNT))
    assert "Showing" not in every.stderr

    assert len(await ana.json("homework", "list")) == COUNT
    days = await ana.json("homework", "list", "--since", "2026-01-21", "--limit", "5")
    assert [h["values"]["activity"] for h in days] == ["Walk 21", "Walk 20"]
    assert (
        "No homework matches." in (await ana.ok("homework", "list", "--until", "2025-12-31")).stderr
    )


async def test_list_options_refuse_limit_with_all_and_since_after_until(ana: Device) -> None:
    for command in (["measure", "list"], ["homework", "list"]):
        both = await ana.tj(*command, "--all", "--limit", "3")
        assert both.exit_code == 2 and "give --limit N or --all, not both" in both.stderr
        backwards = failed_with_one_line(
            await ana.tj(*command, "--since", "2026-02-01", "--until", "2026-01-01"), 2
        )
        assert "2026-02-01 is after --until 2026-01-01" in backwards


async def test_the_sdk_lists_results_and_homework_by_day_and_limit(ana: Device) -> None:
    async with await Client.open(ana.home) as client:
        newest = await client.measures.list(limit=2)
        assert [r.score for r in newest] == [COUNT - 1, COUNT - 2]
        days = await client.measures.list(
            measure="phq9", since=START.date(), until=START.date() + timedelta(days=1)
        )
        assert [r.score for r in days] == [1, 0]
        homework = await client.homework.list(since=START + timedelta(days=20, hours=1))
        assert [h.values["activity"] for h in homework] == ["Walk 21"]
        with pytest.raises(InvalidInput, match="limit is at least 1"):
            await client.homework.list(limit=0)
        with pytest.raises(InvalidInput, match="since is after until"):
            await client.measures.list(since=START.date(), until=START.date() - timedelta(1))
