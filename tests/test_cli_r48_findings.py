"""R48: hostile review of the SIGHUP handler of `tj measure take` (eab683e). Fails on integ6
at 2eed817 (see /work/R48-FINDINGS.md, F5).

Timeouts only bound a hang (tests/README.md); they never measure speed."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from tests.e2e.test_sync_watch import HANG

# The questionnaire asked on a real pseudo-terminal; the terminal closes (its master side
# shut, then SIGHUP, as the kernel does) while the safety message is fetched after item 9 was
# answered above 0 (`safety_message` opens the profile: the slowest step between two reads).
CLOSED_DURING_THE_SAFETY_MESSAGE = """
import os, pty, select, signal, sys, termios, threading
from client_sdk.scoring import instrument
from cli.measures import Stopped, ask

master, slave = pty.openpty()
attrs = termios.tcgetattr(slave)
attrs[3] &= ~termios.ECHO
termios.tcsetattr(slave, termios.TCSANOW, attrs)
os.write(master, ("1\\n" * 8 + "2\\n").encode())  # typed before the terminal closed
stop = threading.Event()

def drain():  # the terminal shows what tj writes
    while not stop.is_set():
        if select.select([master], [], [], 0.05)[0]:
            os.read(master, 4096)

reader = threading.Thread(target=drain)
reader.start()
for fd in (0, 1, 2):
    os.dup2(slave, fd)

def safety_message():
    stop.set()
    reader.join()
    os.close(master)  # the terminal window is closed
    os.kill(os.getpid(), signal.SIGHUP)  # and the session hung up
    sum(range(1000))  # Python code after it: where the handler runs
    return ["SAFETY"]

try:
    answers, difficulty = ask(instrument("phq9"), True, safety_message)
    result = f"{answers} {difficulty}"
except Stopped as stopped:
    result = f"stopped {stopped.answers} hung_up={stopped.hung_up}"
except BaseException as error:
    result = f"raised {type(error).__name__}: {error}"
with open(sys.argv[1], "w") as out:
    out.write(result)
"""


async def test_r48_closing_the_terminal_while_the_safety_message_is_fetched_keeps_item_9(
    tmp_path: Path,
) -> None:
    """F5. Item 9 is answered above 0 and the terminal is closed at once (a window shut, a
    laptop lid closed): the hang-up lands while `ask` fetches the safety message. The handler
    now only ends stdin; stdout and stderr stay on the closed terminal, so the next write
    (the safety message, before the difficulty question is read) fails with EIO: an OSError,
    not `click.Abort`, escapes `ask`, and `tj` ends with nothing saved and no safety flag,
    although every scored item was answered (the promise: saved as on Ctrl-C)."""
    done = tmp_path / "asked"
    asking = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CLOSED_DURING_THE_SAFETY_MESSAGE, str(done),
        cwd=Path(__file__).parents[1],  # the repository: `cli` and `client_sdk` import
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        await asyncio.wait_for(asking.wait(), HANG)
    finally:
        if asking.returncode is None:
            asking.kill()
            await asking.wait()
    assert done.read_text() == "[1, 1, 1, 1, 1, 1, 1, 1, 2] None"
