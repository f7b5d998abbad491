"""`tj list` shows a screenful by default (the newest 20, saying how many more and how to see
them), --limit N and --all show more, --json stays complete, and click's pager is used only
when stdout is a terminal (real server on loopback; CliRunner, and a real `tj` process on a
pseudo-terminal for the pager)."""

from __future__ import annotations

import asyncio
import json
import os
import pty
import stat
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import RunningServer
from tests.test_cli import Device

TJ = str(Path(sys.executable).parent / "tj")
COUNT = 25
HANG = 60.0  # seconds after which the subprocess is hung, not slow


def titles(count: int) -> list[str]:
    return [f"Day {n:02}" for n in range(count)]


@pytest.fixture
async def ana(live_server: RunningServer, tmp_path: Path) -> Device:
    """ana with COUNT entries, "Day 00" the oldest, imported in one command."""
    device = Device(tmp_path / "ana", live_server.url)
    await device.json("signup", live_server.url, "ana")
    start = datetime(2026, 1, 1, 9, tzinfo=UTC)
    moments = [(start + timedelta(days=n)).isoformat(timespec="milliseconds") for n in range(COUNT)]
    archive = {
        "format": "therapy-journal-export",
        "version": 1,
        "account": "ana",
        "exported_at": moments[-1],
        "journals": [{"id": "j1", "name": "Personal", "role": "owner", "owner": "ana"}],
        "entries": [
            {
                "id": f"e{n}",
                "journal_id": "j1",
                "journal": "Personal",
                "title": title,
                "body": "Some words.",
                "mood": 5,
                "tags": [],
                "emotions": [],
                "prompt_id": None,
                "created_at": moments[n],
                "updated_at": moments[n],
            }
            for n, title in enumerate(titles(COUNT))
        ],
        "goals": [],
        "notes": [],
    }
    path = tmp_path / "entries.json"
    path.write_text(json.dumps(archive))
    await device.ok("import", str(path), "--journal", "Personal")  # named: her own Personal
    return device


def shown(stdout: str) -> list[str]:
    return [title for title in titles(COUNT) if title in stdout]


def marking_pager(tmp_path: Path) -> tuple[Path, Path]:
    """A $PAGER that copies what it is given to a file (the marker)."""
    marker = tmp_path / "paged.txt"
    script = tmp_path / "pager.sh"
    script.write_text(f"#!/bin/sh\ncat > {marker}\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script, marker


async def test_list_shows_the_newest_20_and_says_how_to_see_the_rest(ana: Device) -> None:
    listed = await ana.ok("list", env={"COLUMNS": "200"})
    assert shown(listed.stdout) == titles(COUNT)[-20:]
    assert "Showing the newest 20 of 25 entries" in listed.stderr
    assert "--limit N" in listed.stderr and "--all" in listed.stderr

    oldest = await ana.ok("list", "--oldest-first", env={"COLUMNS": "200"})
    assert shown(oldest.stdout) == titles(COUNT)[:20]
    assert "Showing the oldest 20 of 25 entries" in oldest.stderr

    tj = ana.command  # a hint runs as printed (NU48)
    for args, count in ((["--all"], COUNT), (["--limit", "22"], 22), (["--limit", "3"], 3)):
        result = await ana.ok("list", *args, env={"COLUMNS": "200"})
        assert len(shown(result.stdout)) == count, args
        # NU14 finding 7: a list cut by --limit says how many more match, as the default does
        footer = (
            f"Showing the newest {count} of {COUNT} entries: `{tj} list --all` shows every one."
        )
        assert ("Showing" not in result.stderr) if count == COUNT else (footer in result.stderr)

    assert [e["title"] for e in await ana.json("list")] == titles(COUNT)[::-1]
    assert len(await ana.json("list", "--limit", "3")) == 3
    both = await ana.tj("list", "--all", "--limit", "3")
    assert both.exit_code == 2 and "not both" in both.stderr


async def test_list_does_not_page_when_stdout_is_not_a_terminal(
    ana: Device, tmp_path: Path
) -> None:
    pager, marker = marking_pager(tmp_path)
    result = await ana.ok("list", "--all", env={"PAGER": str(pager), "LINES": "10"})
    assert len(shown(result.stdout)) == COUNT
    assert not marker.exists()


async def test_list_on_a_terminal_pages_a_long_list_through_pager(
    ana: Device, tmp_path: Path
) -> None:
    pager, marker = marking_pager(tmp_path)
    env = {
        **os.environ,
        "TJ_HOME": str(ana.home),
        "TJ_INSECURE_TEST_KDF": "1",
        "PAGER": str(pager),
        "LINES": "10",
        "COLUMNS": "200",
    }
    main, terminal = pty.openpty()
    try:
        process = await asyncio.create_subprocess_exec(
            TJ, "list", "--all", env=env, stdin=terminal, stdout=terminal, stderr=terminal
        )
        assert await asyncio.wait_for(process.wait(), HANG) == 0
    finally:
        os.close(terminal)
        os.close(main)
    assert len(shown(marker.read_text())) == COUNT

    marker.unlink()
    short = {**env, "LINES": "100"}
    main, terminal = pty.openpty()
    try:
        process = await asyncio.create_subprocess_exec(
            TJ, "list", "--limit", "3", env=short, stdin=terminal, stdout=terminal, stderr=terminal
        )
        assert await asyncio.wait_for(process.wait(), HANG) == 0
    finally:
        os.close(terminal)
        os.close(main)
    assert not marker.exists()  # a table that fits the terminal is printed, not paged


async def test_the_footer_keeps_the_journal_and_the_filters_given(ana: Device) -> None:
    """NU47 #11: `tj list --journal ana` ended "`tj list --limit N` shows N, `tj list --all`
    shows every one", commands that list every client's entries."""
    listed = await ana.ok("list", "--journal", "Personal")
    tj = ana.command  # a hint runs as printed (NU48)
    assert (
        f"Showing the newest 20 of {COUNT} entries: `{tj} list --journal Personal --limit N` "
        f"shows N, `{tj} list --journal Personal --all` shows every one."
    ) in listed.stderr, listed.stderr
    cut = await ana.ok("list", "--journal", "Personal", "--since", "2026-01-02", "--until",
                       "2026-01-20", "--oldest-first", "--limit", "2")  # fmt: skip
    assert (
        f"Showing the oldest 2 of 19 entries: `{tj} list --journal Personal --since 2026-01-02 "
        "--until 2026-01-20 --oldest-first --all` shows every one."
    ) in cut.stderr, cut.stderr
