"""NU47 #3: the summary of a big sync, one line per client when it does not fit the
terminal's line (30 clients' first sync was one line of 3,517 characters, a client in three
places), with no empty line before it; a short one is the one line it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli import progress
from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device


async def clients_wrote(server: RunningServer, tmp_path: Path) -> Device:
    """drsmith, reading the Personal journals of zoe, ana.b and ana, each of whom wrote two
    entries since drsmith's last sync (ana.b and zoe a goal too)."""
    drsmith = await new_device(server, tmp_path, "drsmith")
    clients = [await new_device(server, tmp_path, name) for name in ("zoe", "ana.b", "ana")]
    for client in clients:
        await client.ok("share", "Personal", "drsmith", "--trust-on-first-use")
    await drsmith.ok("sync")
    for client in clients:
        await client.ok("write", "--mood", "4", "Monday.")
        if client is not clients[-1]:
            await client.ok("goal", "add", "Walk daily")
        await client.ok("write", "--mood", "5", "Tuesday.")
    return drsmith


async def test_a_long_sync_summary_is_one_line_per_client_sorted_by_name(
    live_server: RunningServer, tmp_path: Path
) -> None:
    drsmith = await clients_wrote(live_server, tmp_path)
    said = await drsmith.ok("sync", env={"COLUMNS": "80"})
    assert said.stdout.splitlines() == [
        "ana: 2 new entries",
        "ana.b: 2 new entries, 1 new goal",
        "zoe: 2 new entries, 1 new goal",
    ]
    office = Device(tmp_path / "office", live_server.url)  # a short one: the line it was
    logged = await office.ok(
        "login", live_server.url, "drsmith", "--device-name", "office", env={"COLUMNS": "200"}
    )
    [synced] = [line for line in logged.stderr.splitlines() if line.startswith("Synced: ")]
    assert sorted(synced.removeprefix("Synced: ").split(", ")) == [
        "1 new goal from ana.b",
        "1 new goal from zoe",
        "2 new entries from ana",
        "2 new entries from ana.b",
        "2 new entries from zoe",
    ]


async def test_a_new_devices_first_sync_says_each_client_on_a_line(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """`tj login`'s "Synced:" says the same summary, its lines under it."""
    await clients_wrote(live_server, tmp_path)
    office = Device(tmp_path / "office", live_server.url)
    logged = await office.ok(
        "login", live_server.url, "drsmith", "--device-name", "office", env={"COLUMNS": "80"}
    )
    lines = logged.stderr.splitlines()
    start = lines.index("Synced:")
    assert lines[start + 1 : start + 4] == [
        "  ana: 2 new entries",
        "  ana.b: 2 new entries, 1 new goal",
        "  zoe: 2 new entries, 1 new goal",
    ]


async def test_a_sync_long_enough_for_the_bar_prints_no_empty_line(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """rich's bar, never drawn on a stderr that is no terminal, wrote an empty line as it
    stopped: the first line of `tj sync > out.txt 2>&1` was empty."""
    drsmith = await clients_wrote(live_server, tmp_path)
    monkeypatch.setattr(progress, "BAR_AFTER_S", 0.0)
    said = await drsmith.ok("sync", env={"COLUMNS": "80"})
    assert "" not in said.stderr.splitlines(), said.stderr
    assert said.stdout.splitlines()[0] == "ana: 2 new entries"
