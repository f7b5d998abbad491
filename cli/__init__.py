"""`tj`, the Therapy Journal command line (cli/main.py).

Importing this package comes first when `tj` starts: until a command begins (`TJGroup.invoke`
calls `ready_for_ctrl_c`), Ctrl-C ends the process with one line (STOPPED_AT_START) and status
130, as it does once a command runs, instead of a traceback from the middle of an import.
"""

from __future__ import annotations

import _signal  # type: ignore[import-not-found]  # the C module: `signal` would import enum first, a long window of its own
import os as _os  # imported by Python itself as it starts
from types import FrameType

STOPPED_AT_START_EXIT = 130
"""The exit status of `tj` stopped by Ctrl-C while it starts (128 + SIGINT, as a shell gives;
cli.main.INTERRUPTED_EXIT)."""


STOPPED_AT_START = b"\nStopped as tj started: nothing was done.\n"
"""What `tj` stopped by Ctrl-C while it starts says (on stderr, after the terminal's "^C"):
every stop says one line (nu80 F6: `tj sync` and `tj share` stopped early printed nothing).
No command had begun: nothing was asked of the server, nothing changed on the device."""


def _stopped_at_start(_signum: int, _frame: FrameType | None) -> None:
    try:
        _os.write(2, STOPPED_AT_START)
    except OSError:  # no stderr to say it on: the status says it
        pass
    raise SystemExit(STOPPED_AT_START_EXIT)


def ready_for_ctrl_c() -> None:
    """Hand Ctrl-C back to Python's KeyboardInterrupt, which each command turns into its own
    "Stopped: ..." line (cli.main): called as a command begins."""
    if _signal.getsignal(_signal.SIGINT) is _stopped_at_start:
        try:
            _signal.signal(_signal.SIGINT, _signal.default_int_handler)
        except ValueError:  # a command run in another thread (a test's): only the main one may
            pass


# Only where Ctrl-C would raise KeyboardInterrupt (not where it is ignored, as in a process
# started in the background) and in the main thread (the only one that may set a handler).
try:
    if _signal.getsignal(_signal.SIGINT) is _signal.default_int_handler:
        _signal.signal(_signal.SIGINT, _stopped_at_start)
except ValueError:  # not the main thread: imported as a library; nothing to do
    pass
