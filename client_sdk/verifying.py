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
many bytes: a request is a msgpack array of [public key, message, signature] items, the answer
one byte per item, 1 where `crypto.verify` would accept it (a 32-byte key, a 64-byte signature,
and libsodium's crypto_sign_open), else 0. It runs in Python's isolated mode from the root
directory, so it imports only what the interpreter's site-packages hold. It holds no key:
public keys, signed messages (record bodies, in clear: the same user's process on the same
device, as the store) and signatures.

A 1 is taken as verified; a 0, or any failure of the helper (it could not start, died, answered
something else, or not within ANSWER_TIMEOUT_S: `abandon`), as not verified here: the caller
then opens and verifies the record in this process as any other, where a bad signature is
reported. A helper that failed once is killed and reaped at once (`_Helper.end`: no zombie, no
child left running with a pipe out of step), and not started again. There is none on a machine
with a single core, in a frozen application (`sys.executable` is the application, not Python),
or where TJ_VERIFY_PROCESS=0: the worker thread opens ahead then, as before.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import msgpack

ANSWER_TIMEOUT_S = 10.0
"""How long a caller waits for an answer (`abandon` after it): a request is a few ms of work."""
REAP_TIMEOUT_S = 1.0
"""How long `_Helper.end` waits for the killed child to end (it takes well under 1 ms)."""

_CHILD = r"""
import sys
import msgpack
import nacl.bindings as sodium
read, write = sys.stdin.buffer.read, sys.stdout.buffer.write
while True:
    head = read(4)
    if len(head) < 4:
        break
    items = msgpack.unpackb(read(int.from_bytes(head, "big")), raw=False)
    out = bytearray()
    for key, message, signature in items:
        ok = (
            type(key) is bytes and len(key) == 32
            and type(signature) is bytes and len(signature) == 64
            and type(message) is bytes
        )
        if ok:
            try:
                sodium.crypto_sign_open(signature + message, key)
            except Exception:
                ok = False
        out.append(1 if ok else 0)
    write(len(out).to_bytes(4, "big") + bytes(out))
    sys.stdout.buffer.flush()
"""
"""The helper's code: `crypto.verify`'s checks and call, item by item."""


class _Helper:
    """The child process and the thread that talks to it (one request at a time, in order)."""

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
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tj-verify")
        self.broken = False

    def submit(self, items: list[tuple[bytes, bytes, bytes]]) -> Future[list[bool]]:
        return self._thread.submit(self._ask, items)

    def _ask(self, items: list[tuple[bytes, bytes, bytes]]) -> list[bool]:
        """In the helper's thread: send `items`, read the answer (blocking, without Python's
        lock). Any failure breaks the helper for good (OSError, ValueError)."""
        if self.broken:
            raise OSError("the verification helper failed before")
        stdin, stdout = self._process.stdin, self._process.stdout
        assert stdin is not None and stdout is not None  # opened with PIPE
        try:
            request = msgpack.packb([list(item) for item in items], use_bin_type=True)
            stdin.write(len(request).to_bytes(4, "big") + request)
            stdin.flush()
            head = stdout.read(4)
            length = int.from_bytes(head, "big") if len(head) == 4 else -1
            if length != len(items):
                raise ValueError("the verification helper answered something else")
            answer = stdout.read(length)
            if len(answer) != length or not set(answer) <= {0, 1}:
                raise ValueError("the verification helper answered something else")
        except BaseException:
            # Its pipe may be out of step (a part of a request or an answer left in it): it
            # is never asked again, and not left running.
            self.end()
            raise
        return [byte == 1 for byte in answer]

    def end(self) -> None:
        """Give the helper up for good: mark it broken (no request is sent to it again), kill
        the child (a read or write of the thread's in flight then ends, failing its request)
        and reap it. Any thread; killing and reaping an ended child do nothing.

        The wait is that of a killed process's end (SIGKILL is not caught nor ignored, a
        stopped process too ends): well under a millisecond, so it is done here, on the
        event loop's thread too (`abandon`). It is bounded by REAP_TIMEOUT_S all the same
        (a process stuck in the kernel, on a dead network disk, ends only when its call
        does); past it, the thread's own failure or `close` (at exit) reaps it."""
        self.broken = True
        self._process.kill()  # nothing once reaped (Popen never signals a reused pid)
        try:
            self._process.wait(timeout=REAP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            pass

    def close(self) -> None:
        """Let the child end (its stdin closes), else kill it, reap it, and stop the thread."""
        self.broken = True
        self._thread.shutdown(wait=False)
        if self._process.stdin is not None:
            try:
                self._process.stdin.close()
            except OSError:
                pass
        try:
            self._process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.end()


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
        running.end()  # the thread's read ends, and the request with it


def verify(items: Sequence[tuple[bytes, bytes, bytes]]) -> Future[list[bool]] | None:
    """Whether each (public key, message, signature) verifies, from the helper: a Future of
    one bool per item (it raises when the helper failed: take none as verified), or None
    when there is no helper."""
    running = helper()
    if running is None:
        return None
    return running.submit(list(items))
