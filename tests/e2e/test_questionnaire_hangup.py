"""Closing the terminal in the middle of a questionnaire (SIGHUP), or the process being told to
end (SIGTERM), after PHQ-9 item 9 was answered above 0: a real `tj` process stops as on Ctrl-C,
saves no score, and still seals and sends the safety flag the client opted into.

Timeouts only bound a hang (tests/README.md); they never measure speed.
"""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, RunningServer
from tests.e2e.test_sync_watch import HANG, TJ, read_line_containing
from tests.test_cli_safety_item import DIFFICULTY, EIGHT, HEADING, opted_in


@pytest.mark.parametrize("ending", [signal.SIGHUP, signal.SIGTERM], ids=["SIGHUP", "SIGTERM"])
async def test_closing_the_terminal_after_item_9_still_seals_and_sends_the_flag(
    live_server: RunningServer, tmp_path: Path, ending: signal.Signals
) -> None:
    ben, drsmith = await opted_in(live_server, tmp_path)
    env = {
        **os.environ,
        "TJ_HOME": str(ben.home),
        "TJ_PASSWORD": PASSWORD,
        "TJ_INSECURE_TEST_KDF": "1",
    }
    taking = await asyncio.create_subprocess_exec(
        TJ, "measure", "take", "phq9",
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert taking.stdin is not None and taking.stderr is not None
    try:
        taking.stdin.write((EIGHT + "2\n").encode())
        await taking.stdin.drain()
        await read_line_containing(taking.stderr, HEADING)  # the message was shown at item 9
        await read_line_containing(taking.stderr, DIFFICULTY)  # now asking the next question
        taking.send_signal(ending)
        assert await asyncio.wait_for(taking.wait(), HANG) == 1
    finally:
        if taking.returncode is None:
            taking.kill()
            await taking.wait()

    assert await ben.json("measure", "list") == []  # no score without every answer
    await drsmith.ok("sync")
    [flag] = await drsmith.json("safety", "flags")
    assert (flag["owner"], flag["item"], flag["answer"], flag["result_id"]) == ("ben", 9, 2, "")
