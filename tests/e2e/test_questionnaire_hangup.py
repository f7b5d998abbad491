"""Closing the terminal in the middle of a questionnaire (SIGHUP), or the process being told to
end (SIGTERM): a real `tj` process stops as on Ctrl-C instead of dying. At the skippable
difficulty question, after PHQ-9 item 9 was answered above 0, the complete result is saved and
the safety flag the client opted into is sealed and sent; before the last item, nothing is
saved.

Timeouts only bound a hang (tests/README.md); they never measure speed. Each process runs with
Python's fault handler on (`PYTHONFAULTHANDLER`): a hang fails with where every thread was
(`ends_within_hang`).
"""

from __future__ import annotations

import asyncio
import json
import os
import pty
import select
import signal
import sys
import termios
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, RunningServer
from tests.e2e.test_sync_watch import HANG, TJ, read_line_containing
from tests.test_cli import Device
from tests.test_cli_safety_item import DIFFICULTY, EIGHT, HEADING, LINE_STARTS, flat, opted_in

DUMPING = {"PYTHONFAULTHANDLER": "1"}
"""A fatal signal (SIGABRT) makes the process write every thread's stack to its stderr."""

REPOSITORY = Path(__file__).parents[2]  # a snippet's cwd: `cli` and `client_sdk` import


async def ends_within_hang(process: asyncio.subprocess.Process) -> int:
    """`process`'s exit status, awaited for up to HANG seconds. Past that it hung: the test
    fails with what each of its threads was blocked in (/proc: state, wait channel, kernel
    stack) and, after SIGABRT, the Python stack of each thread, which the fault handler
    writes to its stderr (read here when it is a pipe; the hang-up handler keeps it there
    when it points stderr at /dev/null: `silence_the_closed_terminal`)."""
    try:
        return await asyncio.wait_for(asyncio.shield(process.wait()), HANG)
    except TimeoutError:
        pass
    threads = waiting_threads(process.pid)
    process.send_signal(signal.SIGABRT)
    try:
        await asyncio.wait_for(process.wait(), HANG)
    except TimeoutError:
        process.kill()
        await process.wait()
    stderr = b""
    if process.stderr is not None:
        stderr = await asyncio.wait_for(process.stderr.read(), HANG)
    pytest.fail(
        f"the process did not end within {HANG:.0f} s.\nIts threads:\n{threads}\n"
        f"Its stderr, with the fault handler's stacks after SIGABRT:\n"
        f"{stderr.decode(errors='replace')[-20000:]}"
    )


def waiting_threads(pid: int) -> str:
    """Each thread of process `pid` as /proc shows it: id, name, state, wait channel, its
    signal masks (pending, blocked, ignored, caught), and the kernel stack (where the kernel
    lets it be read)."""

    def shown(task: Path, name: str) -> str:
        try:
            return (task / name).read_text().strip()
        except OSError as error:
            return f"({name}: {error.strerror})"

    lines = []
    try:
        tasks = sorted(Path(f"/proc/{pid}/task").iterdir(), key=lambda task: int(task.name))
    except OSError as error:
        return f"(no /proc for it: {error.strerror})"
    for task in tasks:
        state = shown(task, "stat").rpartition(")")[2].split()[:1]
        signals = [  # pending, blocked, ignored, caught: hexadecimal masks
            line
            for line in shown(task, "status").splitlines()
            if line.startswith(("SigPnd", "ShdPnd", "SigBlk", "SigIgn", "SigCgt"))
        ]
        lines.append(
            f"{task.name} {shown(task, 'comm')} state={''.join(state)} "
            f"wchan={shown(task, 'wchan')} {' '.join(' '.join(signals).split())}\n"
            f"{shown(task, 'stack')}"
        )
    return "\n".join(lines)


async def take_phq9(device: Device) -> asyncio.subprocess.Process:
    """`tj measure take phq9` as a real process on `device`'s profile, asking item by item."""
    env = {
        **os.environ,
        "TJ_HOME": str(device.home),
        "TJ_PASSWORD": PASSWORD,
        "TJ_INSECURE_TEST_KDF": "1",
        **DUMPING,
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
        assert await ends_within_hang(taking) == 0
    finally:
        if taking.returncode is None:
            taking.kill()
            await taking.wait()

    [result] = await ben.json("measure", "list")  # every scored item was answered
    assert (result["score"], result["unscored"]) == (10, None)
    await drsmith.ok("sync")  # the flag left ben's device before tj ended
    [flag] = (await drsmith.json("safety", "flags"))["flags"]
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
        assert await ends_within_hang(taking) == 1
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
        cwd=REPOSITORY,
        env={**os.environ, **DUMPING},
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,  # a few lines: the pipe never fills
    )  # fmt: skip
    assert asking.stdin is not None
    try:
        asking.stdin.write((EIGHT + "2\n").encode())  # stdin stays open, like a terminal's
        await asking.stdin.drain()
        assert await ends_within_hang(asking) == 0
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
        cwd=REPOSITORY,
        env={**os.environ, **DUMPING},
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert asking.stdin is not None and asking.stderr is not None
    try:
        asking.stdin.write((EIGHT + "2\n").encode())  # stdin stays open, like a terminal's
        await asking.stdin.drain()
        await asyncio.wait_for(asking.stderr.read(), HANG)  # until fd 2 is replaced
        assert await ends_within_hang(asking) == 0
    finally:
        if asking.returncode is None:
            asking.kill()
            await asking.wait()
    assert done.read_text() == "[1, 1, 1, 1, 1, 1, 1, 1, 2] None"


UNINTERRUPTED_HANGUP = """
import signal, sys, threading
from client_sdk.scoring import instrument
from cli.measures import ask

# Ctrl-C raises KeyboardInterrupt, as in a `tj` command run on a terminal (this process may
# have been started with SIGINT ignored, as a background job: tests/e2e/test_sync_watch.py)
signal.signal(signal.SIGINT, signal.default_int_handler)
threading.Thread(target=threading.Event().wait, daemon=True).start()  # it receives them:
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGHUP, signal.SIGTERM, signal.SIGINT})
answers, difficulty = ask(instrument("phq9"), True, lambda: ["SAFETY"])
with open(sys.argv[1], "w") as out:
    out.write(f"{answers} {difficulty}")
"""


@pytest.mark.parametrize(
    "ending", [signal.SIGHUP, signal.SIGTERM, signal.SIGINT], ids=["SIGHUP", "SIGTERM", "SIGINT"]
)
async def test_a_hangup_that_interrupts_no_read_still_stops_the_questionnaire(
    tmp_path: Path, ending: signal.Signals
) -> None:
    """A signal's Python handler runs in the main thread between two steps of Python code;
    a read blocked in the kernel lets it run only when the signal interrupts that read. One
    that arrived just before the read began (after Python's last check, while `input` was
    still in C code), or that another thread of the process received (the SDK's workers),
    interrupted nothing: `tj` waited for ever on stdin, a pipe that stays open (the flaky
    SIGHUP test above, twice in ~260 CI runs). Here the main thread blocks the signals, so
    the other thread receives each one while the difficulty answer is awaited: the stop
    must come all the same, for a hang-up, SIGTERM and Ctrl-C alike."""
    done = tmp_path / "asked"
    asking = await asyncio.create_subprocess_exec(
        sys.executable, "-c", UNINTERRUPTED_HANGUP, str(done),
        cwd=REPOSITORY,
        env={**os.environ, **DUMPING},
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert asking.stdin is not None and asking.stderr is not None
    try:
        asking.stdin.write((EIGHT + "2\n").encode())  # stdin stays open, like a terminal's
        await asking.stdin.drain()
        await read_line_containing(asking.stderr, LINE_STARTS[1])
        # its prompt: the main thread now waits for the answer (`input` writes it from C
        # code, its last step before the read)
        await asyncio.wait_for(asking.stderr.readuntil(b"answer:"), HANG)
        asking.send_signal(ending)
        assert await ends_within_hang(asking) == 0
    finally:
        if asking.returncode is None:
            asking.kill()
            await asking.wait()
    # every scored item answered: saved without the difficulty answer, as on Ctrl-C
    assert done.read_text() == "[1, 1, 1, 1, 1, 1, 1, 1, 2] None"


TERMINAL_CLOSES = """
import sys
from client_sdk.scoring import instrument
from cli.measures import ask

answers, difficulty = ask(instrument("phq9"), True, lambda: ["SAFETY"])
with open(sys.argv[1], "w") as out:
    out.write(f"{answers} {difficulty}")
"""


def quiet_terminal() -> tuple[int, int]:
    """A pseudo-terminal (its main side, its terminal side) that echoes nothing. The line
    discipline echoes what the test types (a newline as CR LF) when it gets round to it, not
    when it is typed: under load that echo landed between two writes of the process
    (b"Fatal Python error: \\r\\nAborted", the CI run of `5d9abd99`), and could as well
    split a prompt. The tests read only what the process writes."""
    main, terminal = pty.openpty()
    settings = termios.tcgetattr(terminal)
    settings[3] &= ~termios.ECHO  # the local modes
    termios.tcsetattr(terminal, termios.TCSANOW, settings)
    return main, terminal


def read_until(main: int, *texts: bytes) -> None:
    """Read the terminal's side `main` until each of `texts` was shown, in that order."""
    shown = b""
    for text in texts:
        while text not in shown:
            ready, _, _ = select.select([main], [], [], HANG)
            assert ready, f"{text!r} was not shown within {HANG:.0f} s: {shown[-2000:]!r}"
            shown += os.read(main, 4096)
        shown = shown.partition(text)[2]


async def test_a_terminal_that_closes_at_the_difficulty_question_keeps_every_answer(
    tmp_path: Path,
) -> None:
    """On a real terminal (here a pseudo-terminal), closing it makes the read waiting on it
    fail at once (EIO), before or without its SIGHUP: that error ended `tj` (an OSError
    from `input`), with every answer lost and the safety flag they owe unsealed. A read that
    fails so is a hang-up: the complete result is kept without the difficulty answer."""
    done = tmp_path / "asked"
    main, terminal = quiet_terminal()
    try:
        asking = await asyncio.create_subprocess_exec(
            sys.executable, "-c", TERMINAL_CLOSES, str(done),
            cwd=REPOSITORY,
            env={**os.environ, **DUMPING},
            stdin=terminal,
            stdout=terminal,
            stderr=terminal,
        )  # fmt: skip
    finally:
        os.close(terminal)
    try:
        os.write(main, (EIGHT + "2\n").encode())  # typed ahead: the terminal keeps each line
        await asyncio.to_thread(read_until, main, LINE_STARTS[1].encode(), b"answer:")
        os.close(main)  # the terminal closes while the difficulty answer is awaited
        main = -1
        assert await ends_within_hang(asking) == 0
    finally:
        if main >= 0:
            os.close(main)
        if asking.returncode is None:
            asking.kill()
            await asking.wait()
    assert done.read_text() == "[1, 1, 1, 1, 1, 1, 1, 1, 2] None"


CTRL_C_AT_THE_SAFETY_MESSAGE = """
import asyncio, os, signal, sys
from client_sdk.scoring import instrument
from cli import ready_for_ctrl_c
from cli.measures import ask

signal.signal(signal.SIGINT, signal.default_int_handler)  # as on a terminal (see above)
ready_for_ctrl_c()  # as each tj command begins

def safety_message():  # fetched as `home.run` does (asyncio.run): Ctrl-C meanwhile
    os.kill(os.getpid(), signal.SIGINT)

    async def fetch():
        await asyncio.sleep(HANG)
        return ["SAFETY"]

    return asyncio.run(fetch())

answers, difficulty = ask(instrument("phq9"), True, safety_message)
with open(sys.argv[1], "w") as out:
    out.write(f"{answers} {difficulty}")
""".replace("HANG", str(HANG))


async def test_ctrl_c_while_the_safety_message_is_fetched_keeps_every_answer(
    tmp_path: Path,
) -> None:
    """Ctrl-C while the safety message of item 9 answered above 0 was fetched (a client
    opens: `asyncio.run`, whose own Ctrl-C handling raises KeyboardInterrupt) escaped the
    questionnaire: not a stop, so the answer was lost with the flag it owes. It stops the
    questionnaire as Ctrl-C at a question does: every scored item answered, the result is
    kept without the difficulty answer (and `tj` saves it and seals the flag). The message
    that needs no profile is shown at once instead, and the stop names no question: it said
    "(no answer to this one...)" of the difficulty question, never shown."""
    done = tmp_path / "asked"
    asking = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CTRL_C_AT_THE_SAFETY_MESSAGE, str(done),
        cwd=REPOSITORY,
        env={**os.environ, **DUMPING},
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert asking.stdin is not None and asking.stderr is not None
    try:
        asking.stdin.write((EIGHT + "2\n").encode())  # stdin stays open, like a terminal's
        await asking.stdin.drain()
        assert await ends_within_hang(asking) == 0
    finally:
        if asking.returncode is None:
            asking.kill()
            await asking.wait()
    assert done.read_text() == "[1, 1, 1, 1, 1, 1, 1, 1, 2] None"
    said = flat((await asking.stderr.read()).decode())
    assert HEADING in said and "could not be read on this device just now (Ctrl-C" in said
    assert "no answer to this one" not in said and DIFFICULTY not in said
    assert said.endswith("(stopped: your PHQ-9 is saved with its 9 answers)")


HANGUP_THEN_ABORT = """
import os, signal
from client_sdk.scoring import instrument
from cli.measures import Stopped, ask

try:
    ask(instrument("phq9"), True, lambda: ["SAFETY"])
except Stopped:
    os.kill(os.getpid(), signal.SIGABRT)  # stuck: where does the fault handler write?
"""


async def test_a_hangup_on_a_terminal_keeps_the_fault_handler_on_it() -> None:
    """On a terminal, the hang-up was handled twice: by its SIGHUP, then by the read that
    follows (stdin, then /dev/null, was no longer a terminal); the second pass pointed the
    fault handler at /dev/null, so the stacks of a `tj` stuck after a hang-up went nowhere.
    Here the terminal stays open after the SIGHUP: the stacks reach it."""
    main, terminal = quiet_terminal()
    try:
        asking = await asyncio.create_subprocess_exec(
            sys.executable, "-c", HANGUP_THEN_ABORT,
            cwd=REPOSITORY,
            env={**os.environ, **DUMPING},
            stdin=terminal,
            stdout=terminal,
            stderr=terminal,
        )  # fmt: skip
    except BaseException:
        os.close(terminal)
        raise
    # The terminal's other side stays open here until the end: once every copy of it is
    # closed (the process ending right after its last write), Linux may answer a read of
    # `main` with EIO before the bytes still buffered (ci-278, at load ~10: the stacks were
    # written, the read failed). The terminal "stays open after the SIGHUP", as meant.
    try:
        os.write(main, b"1\n1\n")  # typed ahead: the terminal keeps each line
        await asyncio.to_thread(read_until, main, b"3. ", b"answer:")
        asking.send_signal(signal.SIGHUP)
        # Enter, for a SIGHUP that came before the read began (it interrupted nothing: the
        # read waits for a line, then the handler runs); after the handler, nothing reads it
        os.write(main, b"\n")
        await asyncio.to_thread(read_until, main, b"Fatal Python error: Aborted")
        assert await ends_within_hang(asking) == -signal.SIGABRT
    finally:
        os.close(main)
        os.close(terminal)
        if asking.returncode is None:
            asking.kill()
            await asking.wait()


def sockets_of(pid: int) -> int:
    """How many sockets process `pid` has open (none while it waits for an answer)."""
    count = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            count += os.readlink(fd).startswith("socket:")
        except OSError:  # closed meanwhile
            pass
    return count


@pytest.mark.parametrize("ending", [signal.SIGHUP, signal.SIGTERM], ids=["SIGHUP", "SIGTERM"])
async def test_closing_the_terminal_as_the_answers_are_saved_still_sends_the_flag(
    live_server: RunningServer, tmp_path: Path, ending: signal.Signals
) -> None:
    """Once the questionnaire ended, closing the terminal (SIGHUP) or SIGTERM ended `tj` by
    their default action: as the answers were being saved (the sync before the save), a
    positive item 9's flag was never sealed. Here the signal comes as the save begins (the
    first socket `tj` opens after the last answer; the server, in this process, answers
    nothing until it was sent)."""
    ben, drsmith = await opted_in(live_server, tmp_path)
    taking = await take_phq9(ben)
    assert taking.stdin is not None and taking.stderr is not None
    try:
        taking.stdin.write((EIGHT + "2\n").encode())
        await taking.stdin.drain()
        await read_line_containing(taking.stderr, LINE_STARTS[1])
        await asyncio.wait_for(taking.stderr.readuntil(b"answer:"), HANG)
        assert sockets_of(taking.pid) == 0
        taking.stdin.write(b"1\n")  # written at once: the pipe is empty
        waited = 0
        while not sockets_of(taking.pid):  # blocks this loop, so the server too
            assert waited < HANG * 1000, "tj opened no socket after the last answer"
            select.select([], [], [], 0.001)
            waited += 1
        taking.send_signal(ending)
        assert await ends_within_hang(taking) == 0
    finally:
        if taking.returncode is None:
            taking.kill()
            await taking.wait()
    [result] = await ben.json("measure", "list")
    assert (result["score"], result["unscored"]) == (10, 1)
    await drsmith.ok("sync")  # the flag left ben's device before tj ended
    [flag] = (await drsmith.json("safety", "flags"))["flags"]
    assert (flag["owner"], flag["item"], flag["answer"]) == ("ben", 9, 2)
    assert flag["result_id"] == result["id"]


SECRET_AFTER_A_SAFETY_ANSWER = """
import signal, sys
from cli import main, piped

# as in a terminal's session: a run under nohup (or a CI job started so) ignores SIGHUP,
# which this process would then rightly keep ignoring
signal.signal(signal.SIGHUP, signal.SIG_DFL)
signal.signal(signal.SIGTERM, signal.SIG_DFL)
from cli.measures import hangups_wait_for_the_flag
from client_sdk.scoring import instrument

reading = piped.read_text_line

def announced(*args, **kwargs):
    print("waiting for the passphrase", flush=True)  # SECRET_WAITS holds it by now
    return reading(*args, **kwargs)

piped.read_text_line = announced
phq9 = instrument("phq9")
with hangups_wait_for_the_flag(phq9, [1, 1, 1, 1, 1, 1, 1, 1, 2]):  # the flag is owed
    main.secret_prompt("Passphrase", instead="no passphrase")
"""


@pytest.mark.parametrize("ending", [signal.SIGHUP, signal.SIGTERM], ids=["SIGHUP", "SIGTERM"])
async def test_a_passphrase_awaited_after_a_safety_answer_still_ends_on_a_signal(
    ending: signal.Signals,
) -> None:
    """Once item 9 is answered above 0, SIGHUP and SIGTERM are held off while the flag is
    sealed and sent (bounded waits); a passphrase awaited then had no bound, and `tj`
    outlived SIGTERM for as long as its stdin stayed open. A wait on a person ends on them."""
    asking = await asyncio.create_subprocess_exec(
        sys.executable, "-c", SECRET_AFTER_A_SAFETY_ANSWER,
        cwd=REPOSITORY,
        env={**os.environ, **DUMPING},
        stdin=asyncio.subprocess.PIPE,  # kept open: no line comes
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert asking.stdout is not None
        line = await asyncio.wait_for(asking.stdout.readline(), HANG)
        assert line == b"waiting for the passphrase\n"
        asking.send_signal(ending)
        assert await ends_within_hang(asking) == -ending
    finally:
        if asking.returncode is None:
            asking.kill()
            await asking.wait()


async def test_sigterm_as_answers_owing_no_flag_are_saved_keeps_them_in_a_draft(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """SIGTERM (or SIGHUP) as the answers are being saved, with no flag owed (item 9 answered
    0), ends `tj` by its default action, as before: it ended with no draft, so every answer
    typed was lost. Now the answers are kept in a draft (naming the result's id once it is
    chosen) before the process ends; the next `tj measure take` names the draft, with the command that saves it
    and the one that discards it; saving it stores one result."""
    ben, _drsmith = await opted_in(live_server, tmp_path)
    taking = await take_phq9(ben)
    assert taking.stdin is not None and taking.stderr is not None
    try:
        taking.stdin.write((EIGHT + "0\n").encode())
        await taking.stdin.drain()
        await read_line_containing(taking.stderr, LINE_STARTS[1])
        await asyncio.wait_for(taking.stderr.readuntil(b"answer:"), HANG)
        assert sockets_of(taking.pid) == 0
        taking.stdin.write(b"1\n")
        waited = 0
        while not sockets_of(taking.pid):  # blocks this loop, so the server too
            assert waited < HANG * 1000, "tj opened no socket after the last answer"
            select.select([], [], [], 0.001)
            waited += 1
        taking.send_signal(signal.SIGTERM)
        assert await ends_within_hang(taking) == -signal.SIGTERM
    finally:
        if taking.returncode is None:
            taking.kill()
            await taking.wait()
    [draft] = sorted((ben.home / "drafts").glob("phq9-*.answers.json"))
    kept = json.loads(draft.read_text())
    assert (kept["answers"], kept["unscored"]) == ([1] * 8 + [0], 1)

    named = await ben.tj("measure", "take", "gad7", input="")  # stops at the first item
    said = flat(named.stderr)
    assert f"Note: answers a failed save kept are still in {draft}: " in said, said
    assert f"`tj measure take phq9 --draft {draft}` saves them" in said
    assert f"`rm {draft}` discards them" in said

    await ben.ok("measure", "take", "phq9", "--draft", str(draft))
    [result] = await ben.json("measure", "list")
    assert (result["score"], result["unscored"]) == (8, 1)
    assert kept["result_id"] in (None, result["id"])  # chosen by then, or not yet
    assert not draft.exists()
