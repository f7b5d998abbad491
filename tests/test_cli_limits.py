"""`tj` prints the server's limits as one line a user can act on."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cli import progress
from client_sdk import Client, SyncProgress, pushing
from tests.conftest import RunningServer
from tests.notice_times import unwrapped
from tests.server.servers import login, serving, signup
from tests.test_cli import Device, failed_with_one_line, run_tj

RATE = 500  # records a minute: the least a server accepts (one full push)


def at_window_start(server: RunningServer) -> None:
    """Move the server's clock to the start of the next one-minute window."""
    now = server.clock.now
    server.clock.now = now - now % 60_000 + 60_000


async def test_tj_login_says_when_to_try_again_after_too_many_wrong_passwords(
    tmp_path: Path,
) -> None:
    async with serving(tmp_path, login_free_failures_per_user=2) as server:
        ana = await signup(server.url, tmp_path, "ana")
        await ana.close()
        wrong = {"TJ_PASSWORD": "not the password"}
        for attempt in range(2):
            home = str(tmp_path / f"phone{attempt}")
            line = failed_with_one_line(
                await run_tj(["--home", home, "login", server.url, "ana"], env=wrong)
            )
            assert "login_throttled" not in line
        home = str(tmp_path / "phone-last")
        line = failed_with_one_line(
            await run_tj(["--home", home, "login", server.url, "ana"], env=wrong)
        )
        assert "login_throttled" not in line  # plain words; the code is for --verbose
        assert "(in 1 s)" in line and "try again after" in line
        verbose = failed_with_one_line(
            await run_tj(["--verbose", "--home", home, "login", server.url, "ana"], env=wrong)
        )
        assert "(code: login_throttled)" in verbose and "try again after" in verbose


async def test_tj_import_over_the_write_rate_waits_saying_so_and_uploads_everything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with serving(tmp_path, max_records_per_minute=RATE) as server:
        old = await signup(server.url, tmp_path, "old")
        for n in range(RATE + 80):
            await old.entries.write("Personal", f"Imported entry {n}.")
        export = tmp_path / "export.json"
        export.write_text(json.dumps(await old.archive.export_json()))
        await old.close()
        device = Device(tmp_path / "ana-cli", server.url)
        await device.ok("signup", server.url, "ana", "--device-name", "laptop")
        waits: list[float] = []

        async def next_window(seconds: float) -> None:  # the push's wait, without sleeping
            waits.append(seconds)
            server.clock.now += int(seconds * 1000)

        monkeypatch.setattr(pushing, "wait_out", next_window)
        at_window_start(server)
        # named: the import's own new journal would add its records to the count
        result = await device.ok("import", str(export), "--journal", "Personal")
        assert waits == [60.0]
        assert "The server limits how fast one account can upload" in result.stderr
        assert "uploading again at" in result.stderr
        assert result.stderr.strip().endswith("Synced.")
        phone = await login(server.url, tmp_path, "ana")
        await phone.sync()
        assert len(await phone.entries.list("Personal")) == RATE + 80
        await phone.close()


async def written_past_the_limit(server: RunningServer, tmp_path: Path) -> Device:
    """ana's laptop (`tj`, on `server` with the upload limit RATE) holding RATE + 20 entries
    written offline, at the start of the server's one-minute window."""
    device = Device(tmp_path / "ana-cli", server.url)
    await device.ok("signup", server.url, "ana", "--device-name", "laptop")
    offline = await Client.open(device.home)
    for n in range(RATE + 20):
        await offline.entries.write("Personal", f"Offline entry {n}.")
    await offline.close()
    at_window_start(server)
    return device


async def test_tj_sync_that_may_not_wait_says_how_many_changes_wait_and_the_next_sync_goes_on(
    tmp_path: Path,
) -> None:
    async with serving(tmp_path, max_records_per_minute=RATE) as server:
        device = await written_past_the_limit(server, tmp_path)
        result = await device.ok("sync", "--max-wait", "0", "--json")
        report = json.loads(result.stdout)
        assert report["pushed"] == RATE
        assert report["upload_limit"]["waiting"] == 20
        assert report["upload_limit"]["code"] == "write_rate_exceeded"
        assert report["upload_limit"]["capped"] is False
        assert re.search(
            r"Notice: The server limits how fast one account can upload; 20 changes are waiting "
            r"on this device and will upload at the next sync from \d\d:\d\d:\d\d\.",
            unwrapped(result.stderr),
        ), unwrapped(result.stderr)
        server.clock.now += 60_000
        again = json.loads((await device.ok("sync", "--json")).stdout)
        assert (again["pushed"], again["upload_limit"]) == (20, None)


def test_the_upload_limit_notice_stays_one_line_once_the_bar_is_showing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sync that ran past BAR_AFTER_S before the limit was reached (a slow machine) says it
    through the bar's console: the notice is still one line, not broken at 80 columns."""
    monkeypatch.setattr(progress, "BAR_AFTER_S", 0.0)
    until = datetime(2026, 12, 2, 4, 17, 27, tzinfo=UTC)
    with progress.ProgressBar() as bar:
        bar(SyncProgress(pushed=0, to_push=580, pull_fraction=0.0))
        assert bar._progress is not None  # the bar is showing
        bar(SyncProgress(pushed=500, to_push=580, pull_fraction=0.0, waiting_until=until))
    [notice] = [line for line in capsys.readouterr().err.splitlines() if "limits" in line]
    assert "80 changes wait; uploading again at " in notice
    assert notice.endswith("the next `tj sync` goes on)")
