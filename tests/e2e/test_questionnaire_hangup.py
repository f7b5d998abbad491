"""Closing the terminal in the middle of a questionnaire (SIGHUP), or the process being told to
end (SIGTERM): a real `tj` process stops as on Ctrl-C instead of dying. At the skippable
difficulty question, after PHQ-9 item 9 was answered above 0, the complete result is saved and
the safety flag the client opted into is sealed and sent; before the last item, nothing is
saved.

Timeouts only bound a hang (tests/README.md); they never measure speed.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, RunningServer
from tests.e2e.test_sync_watch import HANG, TJ, read_line_containing
from tests.test_cli import Device
from tests.test_cli_safety_item import EIGHT, LINE_STARTS, opted_in


async def take_phq9(device: Device) -> asyncio.subprocess.Process:
    """`tj measure take phq9` as a real process on `device`'s profile, asking item by item."""
    env = {
        **os.environ,
        "TJ_HOME": str(device.home),
        "TJ_PASSWORD": PASSWORD,
        "TJ_INSECURE_TEST_KDF": "1",
    }
    return await asyncio.create_subprocess_exec(
        TJ, "measure", "take", "phq9",
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


@pytest.mark.parametrize("ending", [signal.SIGHUP, signal.SIGTERM], ids=["SIGHUP", "SIGTERM"])
async def test_closing_the_terminal_at_the_difficulty_question_saves_and_sends_the_flag(
    live_server: RunningServer, tmp_path: Path, ending: signal.Signals
) -> None:
    ben, drsmith = await opted_in(live_server, tmp_path)
    taking = await take_phq9(ben)
    assert taking.stdin is not None and taking.stderr is not None
    try:
        taking.stdin.write((EIGHT + "2\n").encode())
        await taking.stdin.drain()
        heading, difficulty = LINE_STARTS
        await read_line_containing(taking.stderr, heading)  # the message was shown at item 9
        await read_line_containing(taking.stderr, difficulty)  # now asking the next question
        taking.send_signal(ending)
        assert await asyncio.wait_for(taking.wait(), HANG) == 0
    finally:
        if taking.returncode is None:
            taking.kill()
            await taking.wait()

    [result] = await ben.json("measure", "list")  # every scored item was answered
    assert (result["score"], result["unscored"]) == (10, None)
    await drsmith.ok("sync")  # the flag left ben's device before tj ended
    [flag] = await drsmith.json("safety", "flags")
    assert (flag["owner"], flag["item"], flag["answer"]) == ("ben", 9, 2)
    assert flag["result_id"] == result["id"]


async def test_closing_the_terminal_before_the_last_item_saves_nothing(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ben, _drsmith = await opted_in(live_server, tmp_path)
    taking = await take_phq9(ben)
    assert taking.stdin is not None and taking.stderr is not None
    try:
        taking.stdin.write(b"1\n1\n1\n")
        await taking.stdin.drain()
        await read_line_containing(taking.stderr, "4. ")  # item 4 is being asked
        taking.send_signal(signal.SIGHUP)
        assert await asyncio.wait_for(taking.wait(), HANG) == 1
    finally:
        if taking.returncode is None:
            taking.kill()
            await taking.wait()
    assert await ben.json("measure", "list") == []


FINALIZER_HANGUP = """
import gc, os, signal, sys
from client_sdk.scoring import instrument
from cli.measures import ask

class Finalized:
    def __del__(self):  # the signal lands while the garbage collector runs a finalizer
        os.kill(os.getpid(), signal.SIGHUP)
        sum(range(1000))  # Python code after it: where the handler runs

def safety_message():
    first, second = Finalized(), Finalized()
    first.other, second.other = second, first
    del first, second
    gc.collect()
    return ["SAFETY"]

answers, difficulty = ask(instrument("phq9"), True, safety_message)
with open(sys.argv[1], "w") as out:
    out.write(f"{answers} {difficulty}")
"""


async def test_a_hangup_that_arrives_while_a_finalizer_runs_still_stops_the_questionnaire(
    tmp_path: Path,
) -> None:
    """A signal handler's exception raised inside a finalizer is only logged as ignored:
    `tj` lost the hang-up and went on waiting for the difficulty answer on a terminal that
    no longer exists (the flaky SIGHUP test above). The stop must not depend on where the
    main thread is when the signal arrives."""
    done = tmp_path / "asked"
    asking = await asyncio.create_subprocess_exec(
        sys.executable, "-c", FINALIZER_HANGUP, str(done),
        cwd=Path(__file__).parents[2],  # the repository: `cli` and `client_sdk` import
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    assert asking.stdin is not None
    try:
        asking.stdin.write((EIGHT + "2\n").encode())  # stdin stays open, like a terminal's
        await asking.stdin.drain()
        assert await asyncio.wait_for(asking.wait(), HANG) == 0
    finally:
        if asking.returncode is None:
            asking.kill()
            await asking.wait()
    # every scored item answered: saved without the difficulty answer, as on Ctrl-C
    assert done.read_text() == "[1, 1, 1, 1, 1, 1, 1, 1, 2] None"


CLOSED_TERMINAL_HANGUP = """
import os, signal, sys
from client_sdk.scoring import instrument
from cli.measures import ask

def safety_message():  # the terminal closes while the message is fetched (a client opens)
    read, write = os.pipe()
    os.close(read)
    os.dup2(write, 2)  # every write to it fails from now on, as on a hung-up terminal (EIO)
    os.close(write)
    os.kill(os.getpid(), signal.SIGHUP)
    return ["SAFETY"]

answers, difficulty = ask(instrument("phq9"), True, safety_message)
with open(sys.argv[1], "w") as out:
    out.write(f"{answers} {difficulty}")
"""


async def test_a_hangup_while_the_safety_message_is_fetched_still_keeps_every_answer(
    tmp_path: Path,
) -> None:
    """rev-c: the handler only marked the hang-up (eab683e), so the safety message fetched
    when item 9 was answered above 0 was then written to the terminal that had closed: the
    write failed (EIO; here a broken pipe) and the error ended `tj` before the answers, and
    the flag they owe, were kept. A closed terminal's output is silenced by the handler."""
    done = tmp_path / "asked"
    asking = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CLOSED_TERMINAL_HANGUP, str(done),
        cwd=Path(__file__).parents[2],  # the repository: `cli` and `client_sdk` import
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert asking.stdin is not None and asking.stderr is not None
    try:
        asking.stdin.write((EIGHT + "2\n").encode())  # stdin stays open, like a terminal's
        await asking.stdin.drain()
        await asyncio.wait_for(asking.stderr.read(), HANG)  # until fd 2 is replaced
        assert await asyncio.wait_for(asking.wait(), HANG) == 0
    finally:
        if asking.returncode is None:
            asking.kill()
            await asking.wait()
    assert done.read_text() == "[1, 1, 1, 1, 1, 1, 1, 1, 2] None"
