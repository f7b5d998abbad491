"""A questionnaire's answers piped to a real `tj measure take`, with what else stdin carries
(a locked profile's passphrase), or read from a file: every line is read once, in its turn,
whatever read stdin before, and a long line costs a few reads, not one per byte.

Timeouts only bound a hang (tests/README.md); they never measure speed.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from tests.conftest import RunningServer
from tests.e2e.test_questionnaire_hangup import REPOSITORY, ends_within_hang, take_phq9
from tests.test_cli_safety_item import EIGHT, opted_in

PASSPHRASE = "a long local passphrase"


async def test_a_locked_profiles_passphrase_and_the_answers_on_one_open_pipe(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """A locked profile's piped passphrase was read through `sys.stdin`, whose buffer took the
    rest of the pipe: the answers piped after it were never read by the questionnaire (which
    reads the pipe itself), and `tj` waited for ever on a pipe kept open; item 9 answered 2
    was never read, so no safety message, no flag. The passphrase is piped once, where `tj`
    asks for it (before the form: it is not asked again at item 9's message or the save),
    with the answers, in one write."""
    ben, drsmith = await opted_in(live_server, tmp_path)
    await ben.ok("lock", env={"TJ_NEW_PASSPHRASE": PASSPHRASE})
    secret = PASSPHRASE + "\n"
    taking = await take_phq9(ben)
    assert taking.stdin is not None
    try:
        taking.stdin.write((secret + EIGHT + "2\n1\n").encode())
        await taking.stdin.drain()  # and the pipe stays open
        assert await ends_within_hang(taking) == 0
    finally:
        if taking.returncode is None:
            taking.kill()
            await taking.wait()
    [result] = await ben.json("measure", "list", env={"TJ_PASSPHRASE": PASSPHRASE})
    assert (result["score"], result["unscored"]) == (10, 1)
    await drsmith.ok("sync")  # the flag left ben's device before tj ended
    [flag] = await drsmith.json("safety", "flags")
    assert (flag["owner"], flag["item"], flag["answer"]) == ("ben", 9, 2)


COUNTED_READS = """
import os, sys
from client_sdk.scoring import instrument
from cli import piped
from cli.main import piped_line
from cli.measures import ask

reads = 0
read = os.read

def counted(fd, size):
    global reads
    if fd == 0:
        reads += 1
    return read(fd, size)

os.read = counted
secret = piped_line("no passphrase")
answers, difficulty = ask(instrument("phq9"), True, lambda: ["SAFETY"])
if sys.argv[2] == "file":  # what follows the form, read by what comes next
    rest = sys.stdin.read()  # the file is just past the form
else:  # read ahead of the pipe by the form: kept for the next line read of it
    rest = piped.read_text_line()
with open(sys.argv[1], "w") as out:
    out.write(f"{len(secret)} {answers} {difficulty} {rest!r} {reads}")
"""


async def run_counted(tmp_path: Path, stdin: int, kind: str) -> str:
    done = tmp_path / "asked"
    asking = await asyncio.create_subprocess_exec(
        sys.executable, "-c", COUNTED_READS, str(done), kind,
        cwd=REPOSITORY,
        stdin=stdin,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert await ends_within_hang(asking) == 0
    finally:
        if asking.returncode is None:
            asking.kill()
            await asking.wait()
    return done.read_text()


LONG = 1_000_000
"""Bytes of the first answer: one line refused ("give one of ..."), then asked again."""

PIPED = b"x" * 3000 + b"\n" + b"y" * LONG + b"\n" + EIGHT.encode() + b"2\n1\nafter the form\n"


def test_a_long_piped_line_is_read_in_chunks_and_nothing_is_lost(tmp_path: Path) -> None:
    """Answers were read one byte at a time, two system calls a byte: a line of 4 MB took
    seconds. The passphrase before the form is read byte by byte (3001 reads: what follows
    it stays on the pipe for whatever reads it next); the form's lines, in chunks."""
    read, write = os.pipe()
    try:
        os.set_blocking(write, True)

        def feed() -> None:
            view = memoryview(PIPED)
            while view:
                view = view[os.write(write, view) :]
            os.close(write)

        async def both() -> str:
            feeding = asyncio.to_thread(feed)
            got, _ = await asyncio.gather(run_counted(tmp_path, read, "pipe"), feeding)
            return got

        got = asyncio.run(both())
    finally:
        os.close(read)
    secret, answers, rest, reads = parse(got)
    assert (secret, answers, rest) == (3000, "[1, 1, 1, 1, 1, 1, 1, 1, 2] 1", "'after the form'")
    assert 3001 <= reads < 3001 + LONG // 4096  # one per byte would be 3001 + LONG + 20


def test_answers_from_a_file_leave_it_just_past_the_form(tmp_path: Path) -> None:
    """A file is read in chunks and read back to just past each line: what follows the form
    is still there for the next reader (`sys.stdin`), however it was read before."""
    answers_file = tmp_path / "answers"
    answers_file.write_bytes(PIPED)
    with answers_file.open("rb") as stdin:
        got = asyncio.run(run_counted(tmp_path, stdin.fileno(), "file"))
    secret, answers, rest, reads = parse(got)
    assert (secret, answers, rest) == (3000, "[1, 1, 1, 1, 1, 1, 1, 1, 2] 1", "'after the form\\n'")
    assert reads < 100


def parse(got: str) -> tuple[int, str, str, int]:
    """COUNTED_READS' line: the passphrase's length, the answers, what was left, the reads."""
    secret, _, rest = got.partition(" ")
    answers, _, rest = rest.partition("] ")
    difficulty, _, rest = rest.partition(" ")
    left, _, reads = rest.rpartition(" ")
    return int(secret), f"{answers}] {difficulty}", left, int(reads)


async def test_a_passphrase_piped_once_is_not_asked_again_at_the_safety_message(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """A locked profile's passphrase piped once, before the answers (as a script writes it
    for a command that asks it once): `tj measure take` asked it again at item 9's safety
    message and took the next piped line (the difficulty answer) as it: "wrong passphrase",
    no safety message, no flag, nothing saved. The profile is unlocked once, before the form."""
    ben, drsmith = await opted_in(live_server, tmp_path)
    await ben.ok("lock", env={"TJ_NEW_PASSPHRASE": PASSPHRASE})
    taking = await take_phq9(ben)
    assert taking.stdin is not None and taking.stderr is not None
    taking.stdin.write((PASSPHRASE + "\n" + EIGHT + "2\n1\n").encode())
    taking.stdin.close()
    try:
        assert await ends_within_hang(taking) == 0
    finally:
        if taking.returncode is None:
            taking.kill()
            await taking.wait()
    said = (await taking.stderr.read()).decode()
    assert "wrong passphrase" not in said
    assert said.count("nearest emergency department") == 1  # the message, once
    assert PASSPHRASE not in said
    [result] = await ben.json("measure", "list", env={"TJ_PASSPHRASE": PASSPHRASE})
    assert (result["score"], result["unscored"]) == (10, 1)
    await drsmith.ok("sync")
    [flag] = await drsmith.json("safety", "flags")
    assert (flag["owner"], flag["item"], flag["answer"]) == ("ben", 9, 2)


async def test_a_wrong_passphrase_is_said_before_the_first_question(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """A locked profile that cannot be unlocked is said so before anything is asked (not at
    item 9's safety message, where it lost the message and the answers)."""
    ben, _drsmith = await opted_in(live_server, tmp_path)
    await ben.ok("lock", env={"TJ_NEW_PASSPHRASE": PASSPHRASE})
    taking = await take_phq9(ben)
    assert taking.stdin is not None and taking.stderr is not None
    taking.stdin.write(("not it\n" + EIGHT + "2\n1\n").encode())
    taking.stdin.close()
    try:
        assert await ends_within_hang(taking) == 1
    finally:
        if taking.returncode is None:
            taking.kill()
            await taking.wait()
    said = (await taking.stderr.read()).decode()
    assert "wrong passphrase" in said
    assert "1. " not in said  # no question was asked
