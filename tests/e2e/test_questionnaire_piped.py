"""A questionnaire's answers piped to a real `tj measure take`, with what else stdin carries
(a locked profile's passphrase), or read from a file: every line is read once, in its turn,
whatever read stdin before, and a long line costs a few reads, not one per byte.

Timeouts only bound a hang (tests/README.md); they never measure speed.
"""

from __future__ import annotations

import ast
import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli.piped import CHUNK
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
    [flag] = (await drsmith.json("safety", "flags"))["flags"]
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
    [flag] = (await drsmith.json("safety", "flags"))["flags"]
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


async def test_a_lone_cr_ends_a_piped_line_as_enter_does_and_a_split_crlf_is_one_end(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """A piped line ending with a lone "\\r" (a file saved on an old Mac, some terminals'
    paste: a terminal's Enter is "\\r") was no line end: the passphrase ran on into the
    answers and `tj` waited for ever for a "\\n". "\\r", "\\r\\n" and "\\n" each end one
    line, a "\\r\\n" whose "\\n" comes in a later write too (not an empty answer after it)."""
    ben, drsmith = await opted_in(live_server, tmp_path)
    await ben.ok("lock", env={"TJ_NEW_PASSPHRASE": PASSPHRASE})
    taking = await take_phq9(ben)
    assert taking.stdin is not None and taking.stderr is not None
    try:
        taking.stdin.write((PASSPHRASE + "\r" + "1\r1\r\n1\n1\r").encode())
        await taking.stdin.drain()
        await asyncio.sleep(0.2)  # the "\r" read alone: its "\n" comes next
        taking.stdin.write(b"\n1\r\n1\r1\r1\r2\r")
        await taking.stdin.drain()
        await asyncio.sleep(0.2)
        taking.stdin.write(b"\n1\r")  # the difficulty: 1, the pipe left open
        await taking.stdin.drain()
        assert await ends_within_hang(taking) == 0
    finally:
        if taking.returncode is None:
            taking.kill()
            await taking.wait()
    said = (await taking.stderr.read()).decode()
    assert "wrong passphrase" not in said and "give one of" not in said
    [result] = await ben.json("measure", "list", env={"TJ_PASSPHRASE": PASSPHRASE})
    assert (result["score"], result["unscored"]) == (10, 1)
    await drsmith.ok("sync")
    [flag] = (await drsmith.json("safety", "flags"))["flags"]
    assert (flag["owner"], flag["item"], flag["answer"]) == ("ben", 9, 2)


LINES_READ = """
import os, sys
from cli import piped

seeks = 0
lseek = os.lseek

def counted(fd, position, how):
    global seeks
    seeks += 1
    return lseek(fd, position, how)

os.lseek = counted
ahead = sys.argv[2] == "ahead"
lines = [piped.read_line(ahead=ahead) for _ in range(int(sys.argv[3]))]
rest = sys.stdin.buffer.read() if sys.argv[4] == "stdin" else piped.read_line()
with open(sys.argv[1], "w") as out:
    out.write(repr((lines, rest, seeks)))
"""


def read_lines(tmp_path: Path, stdin: int, ahead: str, count: int, rest: str) -> object:
    """LINES_READ run on `stdin`: `count` lines read by `piped.read_line` (`ahead` or
    "byte"), then the rest (`rest`: "stdin", all of `sys.stdin`; else one more line), and
    the `lseek` calls made."""
    done = tmp_path / "lines"
    reading = subprocess.run(
        [sys.executable, "-c", LINES_READ, str(done), ahead, str(count), rest],
        cwd=REPOSITORY, stdin=stdin, capture_output=True, timeout=60,
    )  # fmt: skip
    assert reading.returncode == 0, reading.stderr
    return ast.literal_eval(done.read_text())


MAC = b"a\rb\r\nc\n\rd"
"""Four lines ("\\r", "\\r\\n", "\\n", then an empty one ended by "\\r") and "d" unended."""


def test_a_file_of_lone_crs_and_a_crlf_across_a_chunk_is_read_line_by_line_exactly(
    tmp_path: Path,
) -> None:
    """A file's "\\r\\n" whose "\\r" is the last byte of a chunk (CHUNK) is one line end, and
    the file is left just past it: what follows is there for `sys.stdin`. One `lseek` finds
    the file, one reads it back past the line: two per line (three before, with two more of
    `sys.stdin`'s own, not counted here, each time)."""
    long = b"x" * (CHUNK - 1) + b"\r\n"
    lines_file = tmp_path / "mac"
    lines_file.write_bytes(long + MAC)
    with lines_file.open("rb") as stdin:
        got = read_lines(tmp_path, stdin.fileno(), "ahead", 4, "stdin")
    assert got == ([long, b"a\r", b"b\r\n", b"c\n"], b"\rd", 4 * 2)
    with lines_file.open("rb") as stdin:  # byte-wise: a file is read in chunks all the same
        got = read_lines(tmp_path, stdin.fileno(), "byte", 5, "line")
    assert got == ([long, b"a\r", b"b\r\n", b"c\n", b"\r"], b"d", 5 * 2 + 1)  # + the end
    # a lone "\r" last of a chunk: the byte read after it to tell is read back (and the
    # first read of a file finds it once more: `sys.stdin` may have read it ahead)
    lines_file.write_bytes(b"x" * (CHUNK - 1) + b"\r" + MAC)
    with lines_file.open("rb") as stdin:
        got = read_lines(tmp_path, stdin.fileno(), "ahead", 2, "stdin")
    assert got == ([b"x" * (CHUNK - 1) + b"\r", b"a\r"], b"b\r\nc\n\rd", 2 * 2 + 1)


def test_piped_lines_read_ahead_cost_no_lseek_and_a_lone_cr_read_last_ends_its_line(
    tmp_path: Path,
) -> None:
    """A line read ahead of a pipe is given with no system call (one `lseek` per line
    before: two); a "\\r" read last, byte by byte, ends its line at once, and a "\\n" read
    after it is the rest of its "\\r\\n". Byte by byte, the "\\n" of a "\\r\\n" there to
    read is taken with its line, not left on the pipe as an empty line for `sys.stdin` (the
    text of an entry after a piped passphrase); a byte of the next line read past a lone
    "\\r" to tell is given first to whichever reads next, `sys.stdin` or `read_line`."""
    read, write = os.pipe()
    try:
        os.write(write, MAC)
        os.close(write)
        got = read_lines(tmp_path, read, "ahead", 4, "line")
    finally:
        os.close(read)
    assert got == ([b"a\r", b"b\r\n", b"c\n", b"\r"], b"d", 1)  # the first read only
    read, write = os.pipe()
    try:
        os.write(write, MAC)
        os.close(write)
        got = read_lines(tmp_path, read, "byte", 2, "stdin")
    finally:
        os.close(read)
    # byte by byte: "b\r\n" is one line, and nothing past it was taken ("b" was read past
    # "a\r" and given first to the next line: no lseek for it)
    assert got == ([b"a\r", b"b\r\n"], b"c\n\rd", 1)
    read, write = os.pipe()
    try:
        os.write(write, MAC)
        os.close(write)
        got = read_lines(tmp_path, read, "byte", 1, "stdin")
    finally:
        os.close(read)
    assert got == ([b"a\r"], b"b\r\nc\n\rd", 1)  # the "b" read past "a\r": to `sys.stdin`


SECRET_THEN_TEXT = """
import sys
from cli.main import piped_line

secrets = [piped_line("no passphrase") for _ in range(int(sys.argv[1]))]
print(repr((secrets, sys.stdin.read())))
"""


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"])
def test_a_piped_secret_ended_by_crlf_leaves_no_empty_line_for_stdin(end: str) -> None:
    """A secret piped ahead of text read through `sys.stdin` (an entry's text, a prompt's
    answer), its line ended by "\\n", "\\r\\n" or a lone "\\r": the "\\n" of a "\\r\\n" was
    left on the pipe and the text began with an empty line; and a lone "\\r" must not take
    the text's first character (read past it to tell), nor the next secret's."""
    for count, piped, expected in (
        (1, f"secret{end}Body of my entry", (["secret"], "Body of my entry")),
        (2, f"one{end}two{end}Body{end}", (["one", "two"], f"Body{end}")),
    ):
        reading = subprocess.run(
            [sys.executable, "-c", SECRET_THEN_TEXT, str(count)],
            cwd=REPOSITORY, input=piped.encode(), capture_output=True, timeout=60,
        )  # fmt: skip
        assert reading.returncode == 0, reading.stderr
        assert ast.literal_eval(reading.stdout.decode()) == expected
