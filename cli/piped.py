"""Lines of a stdin that is not a terminal (a pipe, a file), read from file descriptor 0 by
one reader: a piped passphrase (`cli.main.piped_line`) and a questionnaire's answers
(`cli.measures`) come from the same pipe in turn, and no byte is lost or read twice whichever
read first. `sys.stdin` is not used for them: its buffer takes the rest of a pipe ahead (up
to 8 KiB), which a reader of file descriptor 0 then never sees.

What a chunked read took past the line is kept for the next line (`_pending`); a file is
read back to just past the line (`lseek`), so a file's position is exact. A byte-wise read
takes nothing past the line of a pipe: for a line whose rest of stdin may be read by
something else (`sys.stdin`: an entry's text after a piped passphrase).
"""

from __future__ import annotations

import os
import select
import sys

CHUNK = 65536
"""Bytes asked of one read of a pipe or a file, when reading ahead is allowed."""

_pending = bytearray()
"""Bytes of file descriptor 0 read past the last line given, given first by the next."""

WAKES: list[int] = []
"""The read ends of the wake-up pipes (`signal.set_wakeup_fd`) in force, innermost last: a
line read while one is (`awake`) waits on it too, so that a signal always ends the wait."""


def awake() -> int | None:
    """The wake-up pipe a read of stdin waits on with it now (`WAKES`), or None."""
    return WAKES[-1] if WAKES else None


def stdin_is_a_pipe_or_file() -> bool:
    """Whether `sys.stdin` reads file descriptor 0 and it is not a terminal (a pipe, a file)."""
    try:
        return sys.stdin.fileno() == 0 and not os.isatty(0)
    except (AttributeError, OSError, ValueError):  # replaced (a test's), closed, or none
        return False


def forget_pending() -> None:
    """Drop what was read ahead: stdin was pointed elsewhere (a hang-up's /dev/null)."""
    _pending.clear()


def read_line(wake: int | None = None, *, ahead: bool = True) -> bytes:
    """The next line of file descriptor 0 with its "\\n" (none at the end of input without
    one), b"" at the end of input. `ahead`: a pipe is read in chunks (what follows the line is
    kept for the next call); else byte by byte, so that nothing past the line is taken from
    it (a file is read in chunks either way, and read back to just past the line). `wake`: a
    file descriptor waited on with stdin (`signal.set_wakeup_fd`'s pipe): when it is
    readable, its bytes are drained and the wait goes on, so that a signal's Python handler
    runs (and may point stdin at /dev/null, or raise). OSError: stdin could not be read."""
    _take_back_read_ahead()
    seekable = _seekable()
    line = bytearray()
    waiting = None
    if wake is not None:
        waiting = select.poll()
        waiting.register(0, select.POLLIN)
        waiting.register(wake, select.POLLIN)
    while True:
        end = _pending.find(b"\n")
        if end >= 0:
            line += _pending[: end + 1]
            del _pending[: end + 1]
            return bytes(line)
        line += _pending
        _pending.clear()
        if waiting is not None and wake is not None:
            ready = dict(waiting.poll())
            if wake in ready:
                _drain(wake)  # the signal's handler runs here, back in Python code
                continue
            if not ready.get(0):
                continue
        chunk = os.read(0, CHUNK if ahead or seekable else 1)
        if not chunk:  # end of input
            return bytes(line)
        end = chunk.find(b"\n")
        if end >= 0 and end + 1 < len(chunk):
            if seekable:
                os.lseek(0, end + 1 - len(chunk), os.SEEK_CUR)
            else:
                _pending.extend(chunk[end + 1 :])
            chunk = chunk[: end + 1]
        line += chunk
        if end >= 0:
            return bytes(line)


def read_text_line(wake: int | None = None, *, ahead: bool = True) -> str | None:
    """`read_line` decoded as `sys.stdin` decodes (its encoding and errors), without its line
    ending (LF or CRLF); None at the end of input."""
    line = read_line(wake, ahead=ahead)
    if not line:
        return None
    encoding = getattr(sys.stdin, "encoding", None) or "utf-8"
    errors = getattr(sys.stdin, "errors", None) or "strict"
    return line.decode(encoding, errors).removesuffix("\n").removesuffix("\r")


def _take_back_read_ahead() -> None:
    """Put file descriptor 0 back where `sys.stdin` has read to: a file `sys.stdin` read a
    line of (a confirmation's answer) was read ahead by its buffer. A pipe cannot be put
    back: what `sys.stdin` read ahead of a pipe stays in its buffer, which is why every line
    tj reads of a piped stdin before an answer is read here, or byte by byte."""
    if _pending or not _seekable():
        return
    try:
        sys.stdin.seek(sys.stdin.tell())  # drops its buffer, points fd 0 at its position
    except (AttributeError, OSError, ValueError):
        pass


def _seekable() -> bool:
    try:
        os.lseek(0, 0, os.SEEK_CUR)
    except OSError:  # a pipe, a socket, a terminal
        return False
    return True


def _drain(wake: int) -> None:
    """Read every byte waiting in the non-blocking pipe `wake`."""
    try:
        while os.read(wake, 512):
            pass
    except BlockingIOError:
        pass
