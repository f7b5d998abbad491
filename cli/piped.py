"""Lines of a stdin that is not a terminal (a pipe, a file), read from file descriptor 0 by
one reader: a piped passphrase (`cli.main.piped_line`) and a questionnaire's answers
(`cli.measures`) come from the same pipe in turn, and no byte is lost or read twice whichever
read first. `sys.stdin` is not used for them: its buffer takes the rest of a pipe ahead (up
to 8 KiB), which a reader of file descriptor 0 then never sees.

A line ends with "\n", "\r\n" or a lone "\r" (a file saved on an old Mac; some terminals'
paste), as a terminal ends it: a terminal's Enter sends "\r", which it reads as the end of
the line. What a chunked read took past the line is kept for the next line (`_pending`); a
file is read back to just past the line (`lseek`), so a file's position is exact. A
byte-wise read takes nothing past the line of a pipe: for a line whose rest of stdin may be
read by something else (`sys.stdin`: an entry's text after a piped passphrase). A pipe
cannot be peeked at, so a line it ends with "\r" is followed by one more byte read when
one is there to read now: the "\n" of a "\r\n" is taken with the line (never left as an
empty line for `sys.stdin`); any other byte is the next line's, kept in `_pending` and read
first by `sys.stdin` too (`_PendingFirst`).

System calls per line: none when the line was read ahead (`_pending`); else one `lseek`
(which tells a file from a pipe) before the reads, and for a file one more, back to just
past the line, when a read took more.
"""

from __future__ import annotations

import io
import os
import select
import sys

CHUNK = 65536
"""Bytes asked of one read of a pipe or a file, when reading ahead is allowed."""

_pending = bytearray()
"""Bytes of file descriptor 0 read past the last line given, given first by the next (only
ever of a pipe: a file is read back instead)."""

_after_cr = False
"""Whether the last line given ended with a "\r" that was the last byte read: a "\n"
read next is the rest of its "\r\n", not a line of its own (a pipe's "\r\n" split between
two reads, or a byte-wise read's "\r")."""

_file_at: int | None = None
"""The position this reader left a file on file descriptor 0 at: found there again, nothing
read the file since (`sys.stdin` read nothing ahead), and there is nothing to take back."""

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
    global _after_cr, _file_at
    _pending.clear()
    _after_cr = False
    _file_at = None


def read_line(wake: int | None = None, *, ahead: bool = True) -> bytes:
    """The next line of file descriptor 0 with its line ending ("\n", "\r\n" or "\r";
    none at the end of input without one), b"" at the end of input. `ahead`: a pipe is read
    in chunks (what follows the line is kept for the next call); else byte by byte, so that
    nothing past the line is taken from it (a file is read in chunks either way, and read
    back to just past the line). `wake`: a file descriptor waited on with stdin
    (`signal.set_wakeup_fd`'s pipe): when it is readable, its bytes are drained and the
    wait goes on, so that a signal's Python handler runs (and may point stdin at /dev/null,
    or raise). OSError: stdin could not be read."""
    global _after_cr, _file_at
    _skip_the_rest_of_a_crlf()
    end, undecided = _line_end(_pending, 0)
    if end:  # read ahead of a pipe already: no system call
        _after_cr = undecided  # its next byte is read with the next line
        return _given(end)
    at = None if _pending else _file_position()  # bytes of a pipe pending: not a file
    waiting = None
    if wake is not None:
        waiting = select.poll()
        waiting.register(0, select.POLLIN)
        waiting.register(wake, select.POLLIN)
    while True:
        if waiting is not None and wake is not None:
            ready = dict(waiting.poll())
            if wake in ready:
                _drain(wake)  # the signal's handler runs here, back in Python code
                continue
            if not ready.get(0):
                continue
        chunk = os.read(0, CHUNK if ahead or at is not None else 1)
        if not chunk:  # end of input
            _after_cr = False
            if at is not None:
                _file_at = at
            return _given(len(_pending))
        searched = len(_pending)
        if at is not None:
            at += len(chunk)
        _pending.extend(chunk)
        _skip_the_rest_of_a_crlf()
        end, undecided = _line_end(_pending, searched)
        if not end:
            continue
        if at is not None:  # a file: read back to just past the line
            if undecided:  # its "\r" was the last byte read: a "\n" may follow it
                more = os.read(0, 1)
                at += len(more)
                _pending.extend(more)  # read back below unless it is that "\n"
                if more == b"\n":
                    end += 1
            if end < len(_pending):
                at = os.lseek(0, end - len(_pending), os.SEEK_CUR)
                del _pending[end:]
            _file_at = at
        elif undecided and not ahead:  # a pipe read byte-wise: its "\n" taken now if there
            end += _rest_of_a_crlf()
        else:
            _after_cr = undecided  # a pipe's next byte is read with the next line
        return _given(end)


def _rest_of_a_crlf() -> int:
    """After a line of a pipe read byte by byte that ends with a "\r": the byte after it read
    too when there is one to read now (`poll`, no wait). 1 when it is the "\n" of a "\r\n"
    (the line's end is a byte longer); another byte is the next line's, left in `_pending`,
    and `sys.stdin` reads it first (`_PendingFirst`), 0. None there yet, 0: the "\n" that
    may follow is dropped by the next line read here (`_after_cr`)."""
    global _after_cr
    waiting = select.poll()
    waiting.register(0, select.POLLIN)
    if not waiting.poll(0):
        _after_cr = True
        return 0
    more = os.read(0, 1)
    _pending.extend(more)
    if more == b"\n":
        return 1
    if more:
        _stdin_reads_pending_first()
    return 0


class _PendingFirst(io.RawIOBase):
    """File descriptor 0 read as `sys.stdin`'s raw stream, the bytes `_pending` holds
    (read past a line's "\r" to tell it from a "\r\n") given first and taken from it: so
    that whichever of `sys.stdin` and `read_line` reads next gets them, once."""

    def readable(self) -> bool:
        return True

    def fileno(self) -> int:
        return 0

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if _pending:
            taken = min(len(buffer), len(_pending))
            buffer[:taken] = _pending[:taken]
            del _pending[:taken]
            return taken
        data = os.read(0, len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _stdin_reads_pending_first() -> None:
    """Make `sys.stdin` (file descriptor 0's, not a terminal) read `_pending` first: a text
    stream as it was (its encoding and errors; lines split at "\n", as Python's own stdin
    on POSIX) over `_PendingFirst`. Nothing when it does already, or is another stream."""
    stdin = sys.stdin
    if isinstance(getattr(getattr(stdin, "buffer", None), "raw", None), _PendingFirst):
        return
    if not stdin_is_a_pipe_or_file():
        return
    sys.stdin = io.TextIOWrapper(
        io.BufferedReader(_PendingFirst()),
        encoding=getattr(stdin, "encoding", None) or "utf-8",
        errors=getattr(stdin, "errors", None) or "strict",
        newline="\n",
    )


def read_text_line(wake: int | None = None, *, ahead: bool = True) -> str | None:
    """`read_line` decoded as `sys.stdin` decodes (its encoding and errors), without its line
    ending ("\n", "\r\n" or "\r"); None at the end of input."""
    line = read_line(wake, ahead=ahead)
    if not line:
        return None
    encoding = getattr(sys.stdin, "encoding", None) or "utf-8"
    errors = getattr(sys.stdin, "errors", None) or "strict"
    return line.decode(encoding, errors).removesuffix("\n").removesuffix("\r")


def _line_end(data: bytearray, start: int) -> tuple[int, bool]:
    """Where the first line of `data` ends, looked for from `start` (what comes before holds
    no line end): the index just past its "\n", "\r\n" or lone "\r", 0 when there is
    none yet; and whether that is a "\r" that is the last byte of `data` (a "\n" not read
    yet may still be part of it)."""
    newline = data.find(b"\n", start)
    cr = data.find(b"\r", start, newline if newline >= 0 else len(data))
    if cr < 0:
        return newline + 1, False
    if cr + 1 < len(data):
        return cr + (2 if data[cr + 1] == ord("\n") else 1), False
    return cr + 1, True


def _given(end: int) -> bytes:
    """The first `end` bytes of `_pending`, taken from it."""
    line = bytes(_pending[:end])
    del _pending[:end]
    return line


def _skip_the_rest_of_a_crlf() -> None:
    """Drop a "\n" that is the first byte of `_pending` after a line that ended with a
    "\r" read last (`_after_cr`): the two are one line end. Once a byte follows, the "\r"
    is settled either way."""
    global _after_cr
    if _after_cr and _pending:
        _after_cr = False
        if _pending[0] == ord("\n"):
            del _pending[0]


def _file_position() -> int | None:
    """The position of file descriptor 0 if it is a file (one `lseek`), None if it cannot
    seek (a pipe, a socket, a terminal). A file found where this reader did not leave it
    was read by `sys.stdin` since, whose buffer read it ahead (a confirmation's answer): it
    is put back where `sys.stdin` has read to first. A pipe cannot be put back: what
    `sys.stdin` read ahead of a pipe stays in its buffer, which is why every line tj reads
    of a piped stdin before an answer is read here, or byte by byte."""
    try:
        at = os.lseek(0, 0, os.SEEK_CUR)
    except OSError:  # a pipe, a socket, a terminal
        return None
    if at == _file_at:
        return at
    try:
        sys.stdin.seek(sys.stdin.tell())  # drops its buffer, points fd 0 at its position
    except (AttributeError, OSError, ValueError):
        return at
    return os.lseek(0, 0, os.SEEK_CUR)


def _drain(wake: int) -> None:
    """Read every byte waiting in the non-blocking pipe `wake`."""
    try:
        while os.read(wake, 512):
            pass
    except BlockingIOError:
        pass
