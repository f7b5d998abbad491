"""Ed25519 verification of a pull's records in a helper process (issue 10).

A fresh pull verifies every record's signature: about 45 µs of libsodium each, most of a
pull's CPU. A worker thread runs libsodium without Python's lock, but it needs the lock back
after every call, and while the event loop's thread applies a page (Python, holding the lock
for milliseconds at a time) it gets it once per switch interval (5 ms): the thread opened a
few records per page applied, and a pull ran at the speed of one core. A process has no such
lock: while the loop's thread applies a page, the helper verifies the signatures of the next
one (`Replica._open_early` decrypts that page on the loop's thread, the helper only verifies).

The helper is a child process running `_CHILD` (given to the interpreter with `-c`, so that no
application's main module is imported again, as multiprocessing's spawn would; in a session of
its own), one per SDK process, started at first use and shared by every client. It reads
requests from its stdin and answers on its stdout, each a 4-byte big-endian length and that
many bytes: a request is a msgpack array of `Check`s ([public key, message, signature,
compressed payload or nil, limit]), the answer a msgpack array of one `Outcome` per item:
false where `crypto.verify` would refuse it (a 32-byte key, a 64-byte signature, and
libsodium's crypto_sign_open), else true, or, for an item with a zlib payload (records an
SDK from before Zstandard wrote; a Zstandard one is decompressed on the app's thread, in about
half the time zlib takes), that payload inflated as `records.inflate` inflates it (false where it does not: nothing is
inflated before its signature verified). It runs in Python's isolated mode from the root
directory, so it imports only what the interpreter's site-packages hold. It holds no key:
public keys, signed messages (record bodies, in clear: the same user's process on the same
device, as the store) and signatures, and the payloads they carry. IN_FLIGHT requests at
most are sent to it unanswered (a sending and a reading thread), so that it never waits for
this process between two; the rest wait here, where the caller can take them back.

Anything but false is taken as verified (with the payload inflated); false, or any failure of
the helper (it could not start, died, answered something else, or not within
ANSWER_TIMEOUT_S: `abandon`), as not verified here: the caller then opens and verifies the
record in this process as any other, where a bad signature or payload is reported. A helper
that failed once is killed and reaped at once (`_Helper.end`: no zombie, no child left
running with a pipe out of step), and not started again. There is none on a machine with a
single core, in a frozen application (`sys.executable` is the application, not Python), or
where TJ_VERIFY_PROCESS=0: the worker thread opens ahead then, as before.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
import threading
import zlib
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import IO, NamedTuple

import msgpack

ANSWER_TIMEOUT_S = 10.0
"""How long a caller waits for an answer (`abandon` after it): a request is a few ms of work."""
REAP_TIMEOUT_S = 1.0
"""How long `_Helper.end` waits for the killed child to end (it takes well under 1 ms)."""

_CHILD = r"""
import sys
import zlib
import msgpack
import nacl.bindings as sodium
read, write = sys.stdin.buffer.read, sys.stdout.buffer.write
while True:
    head = read(4)
    if len(head) < 4:
        break
    items = msgpack.unpackb(read(int.from_bytes(head, "big")), raw=False)
    out = []
    for key, message, signature, deflated, limit in items:
        ok = (
            type(key) is bytes and len(key) == 32
            and type(signature) is bytes and len(signature) == 64
            and type(message) is bytes
            and (deflated is None or (type(deflated) is bytes and type(limit) is int))
        )
        if ok:
            try:
                sodium.crypto_sign_open(signature + message, key)
            except Exception:
                ok = False
        if ok and deflated is not None:
            inflater = zlib.decompressobj()
            try:
                payload = inflater.decompress(deflated, limit + 1)
            except zlib.error:
                payload = None
            if (
                payload is None or len(payload) > limit or not inflater.eof
                or inflater.unused_data or inflater.unconsumed_tail
            ):
                ok = False
            else:
                ok = payload
        out.append(ok)
    answer = msgpack.packb(out, use_bin_type=True)
    write(len(answer).to_bytes(4, "big") + answer)
    sys.stdout.buffer.flush()
"""
"""The helper's code: `crypto.verify`'s checks and call, item by item, then for an item with
a compressed payload, once its signature verified, `records.inflate`'s (with the limit the
caller gives: `records.inflate_limit`)."""


class Check(NamedTuple):
    """What the helper is asked of one signed message: whether `signature` verifies over
    `message` under `key` (as `crypto.verify`), and, once it does, `deflated` inflated (as
    `records.inflate`, to at most `limit` bytes) when it is given."""

    key: bytes
    message: bytes
    signature: bytes
    deflated: bytes | None = None
    limit: int = 0


Outcome = bool | bytes
"""The helper's answer for one `Check`: False where the signature does not verify (or
`deflated` does not inflate as it must), else True, or `deflated` inflated where it was
given."""


IN_FLIGHT = 3
"""Requests sent to the helper and not answered yet, at most. While it verifies one, the next
waits in its pipe, so that it starts on it as soon as it answers (one at a time, it waited
for the thread to read each answer and send the next: 8 to 13 ms an exchange for about 6 ms
of work); a third lets the sending thread write the one after as soon as the child reads
that one, without waiting for the reading thread (each thread waits up to 5 ms for Python's
lock while the loop's thread applies a page). The others stay queued here, where the caller
can still take them back (`Future.cancel`)."""


class _Helper:
    """The child process and two threads that talk to it: one sends the requests, in order,
    IN_FLIGHT at most unanswered; the other reads the answers, in the same order."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            # Isolated mode (-I: no working directory, script directory, PYTHONPATH or
            # user site-packages on the import path) from the root directory: a `nacl/` or
            # `msgpack.py` where the app was started can neither run nor answer for
            # libsodium (rev-pull F1); the interpreter's own site-packages only.
            [sys.executable, "-I", "-c", _CHILD],
            cwd="/",
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            close_fds=True,
            # Not in the terminal's process group: a Ctrl-C reaches the app, which ends it by
            # closing its stdin (`close`, at exit), never the helper in the middle of a pull.
            start_new_session=True,
        )
        self.broken = False
        self._changed = threading.Condition()  # guards `broken`, `_queued`, `_sent`
        self._queued: deque[_Request] = deque()  # not sent yet: cancellable
        self._sent: deque[_Request] = deque()  # sent, their answers not read yet, in order
        # Daemon threads: at exit, `close` (atexit) ends the child, and with it their reads
        # and writes; they hold nothing that must be finished.
        for name, loop in (("tj-verify-send", self._send), ("tj-verify-read", self._read)):
            threading.Thread(target=loop, name=name, daemon=True).start()

    def submit(self, items: list[Check]) -> Future[list[Outcome]]:
        """Queue a request: a Future of its answer, which fails (OSError, ValueError) where
        the helper fails, or failed before."""
        future: Future[list[Outcome]] = Future()
        with self._changed:
            if not self.broken:
                self._queued.append(_Request(items, future))
                self._changed.notify_all()
                return future
        future.set_running_or_notify_cancel()
        future.set_exception(OSError("the verification helper failed before"))
        return future

    def _send(self) -> None:
        """In the sending thread: each request queued and not taken back (cancelled), once
        fewer than IN_FLIGHT are unanswered, written to the child (blocking, without
        Python's lock, while it is busy)."""
        stdin = self._process.stdin
        assert stdin is not None  # opened with PIPE
        try:
            while True:
                with self._changed:
                    while not self.broken and not (self._queued and len(self._sent) < IN_FLIGHT):
                        self._changed.wait()
                    if self.broken:
                        return
                    request = self._queued.popleft()
                    if not request.future.set_running_or_notify_cancel():
                        continue  # taken back by the caller: verified there
                    self._sent.append(request)  # before it is written: its answer may follow
                packed = msgpack.packb(request.items, use_bin_type=True)  # tuples: arrays
                stdin.write(len(packed).to_bytes(4, "big") + packed)
                stdin.flush()
        except BaseException as error:  # noqa: BLE001 - the helper failed: every request fails
            self.fail(error)
        finally:
            _close(stdin)  # the child ends when it reads to the end

    def _read(self) -> None:
        """In the reading thread: each answer (blocking, without Python's lock), given to the
        oldest request sent. Anything else than the answer it expects (one byte, 0 or 1, per
        item), or an end of the pipe, breaks the helper for good: its pipe may be out of
        step (a part of a request or an answer left in it), it is never asked again, and not
        left running."""
        stdout = self._process.stdout
        assert stdout is not None  # opened with PIPE
        try:
            while True:
                head = stdout.read(4)
                if len(head) < 4:
                    raise OSError("the verification helper ended")
                with self._changed:
                    request = self._sent[0] if self._sent else None
                length = int.from_bytes(head, "big")
                if request is None or length > _answer_bound(request.items):
                    raise ValueError("the verification helper answered something else")
                answer = _outcomes(stdout.read(length), request.items)
                with self._changed:
                    self._sent.popleft()
                    self._changed.notify_all()  # one more may be sent
                request.future.set_result(answer)
        except BaseException as error:  # noqa: BLE001 - the helper failed: every request fails
            self.fail(error)
        finally:
            _close(stdout)

    def fail(self, error: BaseException) -> None:
        """Break the helper for good (`end`), and fail every request not answered."""
        with self._changed:
            self.broken = True
            unanswered = [*self._sent, *self._queued]
            self._sent.clear()
            self._queued.clear()
            self._changed.notify_all()
        self.end()
        for request in unanswered:
            future = request.future
            if future.running() or future.set_running_or_notify_cancel():
                future.set_exception(OSError(f"the verification helper failed: {error!r}"))

    def end(self) -> None:
        """Mark the helper broken (no request is sent to it again), kill the child (a read
        or write of the threads' in flight then ends, and `fail` fails every request not
        answered) and reap it. Any thread; killing and reaping an ended child do nothing.

        The wait is that of a killed process's end (SIGKILL is not caught nor ignored, a
        stopped process too ends): well under a millisecond, so it is done here, on the
        event loop's thread too (`abandon`). It is bounded by REAP_TIMEOUT_S all the same
        (a process stuck in the kernel, on a dead network disk, ends only when its call
        does); past it, the reading thread's own failure or `close` (at exit) reaps it."""
        with self._changed:
            self.broken = True
            self._changed.notify_all()
        self._process.kill()  # nothing once reaped (Popen never signals a reused pid)
        try:
            self._process.wait(timeout=REAP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            pass

    def close(self) -> None:
        """Let the child end (its stdin closes), else kill it, and reap it; the threads end
        with its pipes."""
        with self._changed:
            self.broken = True
            self._changed.notify_all()
        if self._process.stdin is not None:
            _close(self._process.stdin)
        try:
            self._process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.end()


def _close(pipe: IO[bytes]) -> None:
    """Close one of the child's pipes (any thread; again, or while the other thread that
    uses it ends, does nothing)."""
    try:
        pipe.close()
    except (OSError, ValueError):
        pass


@dataclass(frozen=True)
class _Request:
    items: list[Check]
    future: Future[list[Outcome]]


def _answer_bound(items: list[Check]) -> int:
    """The most bytes the answer to `items` takes: per item, a msgpack bin of `limit` bytes
    (or a bool), and the array's header."""
    return 5 + sum(5 + (item.limit if item.deflated is not None else 0) for item in items)


def _outcomes(answer: bytes, items: list[Check]) -> list[Outcome]:
    """The answer to a request of `items`: one `Outcome` per item. Raises ValueError for
    anything else (a bool where a payload may be, True where one must be, a payload longer
    than its limit or whose Adler-32 is not the one its signed compressed bytes end with,
    included)."""
    try:
        outcomes = msgpack.unpackb(answer, raw=False)
    except (ValueError, msgpack.UnpackException):
        raise ValueError("the verification helper answered something else") from None
    if type(outcomes) is not list or len(outcomes) != len(items):
        raise ValueError("the verification helper answered something else")
    for item, outcome in zip(items, outcomes, strict=True):
        if item.deflated is None:
            fits = type(outcome) is bool
        else:
            fits = outcome is False or (
                type(outcome) is bytes
                and len(outcome) <= item.limit
                and _checksum_holds(outcome, item.deflated)
            )
        if not fits:
            raise ValueError("the verification helper answered something else")
    return outcomes


def _checksum_holds(payload: bytes, deflated: bytes) -> bool:
    """Whether `payload` is what `deflated` (a zlib stream, RFC 1950, inside the signed body)
    inflates to, as far as its last four bytes tell: the Adler-32 of the uncompressed data,
    big-endian (RFC 1950 section 2.2, ADLER32). Binds each payload the helper hands back to
    the signed bytes it was asked about, so that an answer corrupted or out of step, whose
    framing still holds, is refused (the helper then counts as broken and every record is
    opened on the app's thread) rather than stored as a verified record's content (REV-PULL3
    F1). Far cheaper than inflating again."""
    return len(deflated) >= 4 and zlib.adler32(payload) == int.from_bytes(deflated[-4:], "big")


_LOCK = threading.Lock()
_STATE: dict[str, _Helper | bool] = {}  # "helper": the running one; "disabled": True


def _usable() -> bool:
    if os.environ.get("TJ_VERIFY_PROCESS", "1") == "0" or getattr(sys, "frozen", False):
        return False
    if not sys.executable or not Path(sys.executable).name.startswith("python"):
        return False  # an embedding application's binary: never started with -c
    affinity = getattr(os, "sched_getaffinity", None)
    cores = len(affinity(0)) if affinity is not None else os.cpu_count() or 1
    return cores >= 2


def helper() -> _Helper | None:
    """The helper (started at first use), or None where there is none (see the module)."""
    with _LOCK:
        if _STATE.get("disabled"):
            return None
        running = _STATE.get("helper")
        if isinstance(running, _Helper):
            if not running.broken:
                return running
            _STATE["disabled"] = True
            return None
        if not _usable():
            _STATE["disabled"] = True
            return None
        try:
            started = _Helper()
        except OSError:
            _STATE["disabled"] = True
            return None
        _STATE["helper"] = started
        atexit.register(started.close)
        return started


def started() -> bool:
    """Whether a helper was started in this process (by a bulk pull) and has not failed."""
    running = _STATE.get("helper")
    return isinstance(running, _Helper) and not running.broken


def helper_pid() -> int | None:
    """The helper's process id, if one was started (benchmarks read its CPU time)."""
    running = _STATE.get("helper")
    return running._process.pid if isinstance(running, _Helper) else None


def abandon() -> None:
    """Give the helper up for good (an answer did not come in ANSWER_TIMEOUT_S): every
    request not answered fails, and none is made again."""
    with _LOCK:
        running = _STATE.get("helper")
        _STATE["disabled"] = True
    if isinstance(running, _Helper):
        running.fail(TimeoutError("the verification helper did not answer in time"))


def verify(items: Sequence[Check]) -> Future[list[Outcome]] | None:
    """Whether each (public key, message, signature) verifies, from the helper: a Future of
    one bool per item (it raises when the helper failed: take none as verified), or None
    when there is no helper."""
    running = helper()
    if running is None:
        return None
    return running.submit(list(items))
