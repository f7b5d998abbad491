"""A safety flag the client was told had NOT left says "has now left" when a `tj sync
--watch` sends it, and a live change feed gets a report whose only news is that."""

from __future__ import annotations

import asyncio
import os
import signal
from datetime import UTC, datetime
from pathlib import Path

from client_sdk.safety import UndeliveredFlag
from client_sdk.sync import SyncReport
from tests.conftest import RunningServer
from tests.e2e.test_sync_watch import AS_FROM_A_TERMINAL, read_line_containing
from tests.test_cli import Outage, outage  # noqa: F401 (fixture)
from tests.test_cli_insights import new_device
from tests.test_cli_nu52_findings import flat


def test_a_report_whose_only_news_is_a_flag_that_left_has_notices() -> None:
    now = datetime.now(UTC)
    report = SyncReport()
    assert not report.has_notices()
    report.flags_sent = [
        UndeliveredFlag(
            journal="Personal", members=("drsmith",), flag_id="ab" * 16, result_id="cd" * 16,
            measure="phq9", raised_at=now, ended_at=now,
        )
    ]  # fmt: skip
    assert report.has_notices()  # a live feed delivers it as a "report" change


async def test_sync_watch_says_a_held_flag_has_now_left(
    live_server: RunningServer,
    tmp_path: Path,
    outage: Outage,  # noqa: F811
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--safety-flags",
        "--fingerprint", drsmith.signup["fingerprint"],
    )  # fmt: skip
    await outage.begin()
    taken = await ana.json("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,1")
    assert taken["flag"]["status"] == "not sent"
    await outage.end()
    env = {**os.environ, "TJ_HOME": str(ana.home), "TJ_INSECURE_TEST_KDF": "1"}
    watcher = await asyncio.create_subprocess_exec(
        *AS_FROM_A_TERMINAL, "sync", "--watch", env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert watcher.stderr is not None
        await read_line_containing(watcher.stderr, "has now left")
        [_flag] = (await drsmith.json("safety", "flags"))["flags"]  # it did reach the server
    finally:
        watcher.send_signal(signal.SIGINT)
        await asyncio.wait_for(watcher.communicate(), 60)
    assert "has now left" not in flat((await ana.tj("sync")).stderr)  # said once
