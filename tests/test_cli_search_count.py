"""`tj search` says how many entries matched when it shows fewer, with the command that shows
more, keeping the filters given (NU47 #5: "20 of 6,410" was shown without a word). Real
server on loopback."""

from __future__ import annotations

import json
from pathlib import Path

from client_sdk import Client
from tests.conftest import RunningServer
from tests.test_cli_insights import new_device

COUNT = 25


async def test_search_says_it_shows_the_best_20_of_how_many_and_how_to_see_more(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    async with await Client.open(ana.home) as client:
        for n in range(COUNT):
            await client.entries.write(None, f"Slept badly, night {n}.", tags=["sleep"])
        await client.entries.write(None, "A walk by the river.")
    tj = ana.command

    found = await ana.ok("search", "slept", env={"COLUMNS": "200"})
    assert (
        f"Showing the best 20 of {COUNT} matches: `{tj} search slept --limit {COUNT}` shows "
        "every one."
    ) in found.stderr
    cut = await ana.ok("search", "slept bad", "--tag", "sleep", "--limit", "3")
    assert (
        f"Showing the best 3 of {COUNT} matches: "
        f"`{tj} search 'slept bad' --tag sleep --limit {COUNT}` shows every one."
    ) in cut.stderr
    every = await ana.ok("search", "slept", "--limit", "100", env={"COLUMNS": "200"})
    assert "Showing" not in every.stderr and every.stdout.count("Slept badly") == COUNT
    assert len(json.loads((await ana.ok("search", "slept", "--json")).stdout)) == 20
    helped = (await ana.ok("search", "--help")).stdout
    assert "--limit N" in helped and "At most N matches, the best first" in helped


async def test_search_takes_until_as_list_does(live_server: RunningServer, tmp_path: Path) -> None:
    """NU47 #5's rest: `tj search` had `--since` but no `--until` (`tj list` has both)."""
    from datetime import datetime

    from client_sdk import InvalidInput

    ana = await new_device(live_server, tmp_path, "ana")
    async with await Client.open(ana.home) as client:
        await client.entries.write(
            None, "Slept badly in June.", created_at=datetime(2026, 6, 10, 22)
        )
        await client.entries.write(
            None, "Slept badly in July.", created_at=datetime(2026, 7, 10, 22)
        )
        early = await client.entries.search_results("slept", until=datetime(2026, 6, 30).date())
        assert [h.entry.body for h in early.hits] == ["Slept badly in June."], early
        try:
            await client.entries.search(
                "slept", since=datetime(2026, 7, 1).date(), until=datetime(2026, 6, 1).date()
            )
        except InvalidInput as refused:
            assert "since is after until" in str(refused)
        else:
            raise AssertionError("an until before since was taken")
    found = json.loads((await ana.ok("search", "slept", "--until", "2026-06-30", "--json")).stdout)
    assert [hit["entry"]["body"] for hit in found] == ["Slept badly in June."], found
    both = await ana.ok("search", "slept", "--since", "2026-06-01", "--until", "2026-07-31")
    assert "June" in both.stdout and "July" in both.stdout
