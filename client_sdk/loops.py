"""A `Client` belongs to the event loop it was opened in: its store's calls (database.py) and
its HTTP sessions (transport.py) check that they run there (NU45 #11).
"""

from __future__ import annotations

import asyncio

from client_sdk.errors import ClientClosed

OTHER_LOOP = (
    "this Client was opened in another event loop; open the home again in this one "
    "(Client.open): a Client belongs to the event loop it was opened in (one asyncio.run), "
    "as its HTTP session and locks do; nothing was changed"
)
OTHER_LOOP_SUBJECT = "other event loop"
"""`TJError.subject` of the ClientClosed (OTHER_LOOP) raised by a Client used from another
event loop than the one it was opened in: such a Client would seem to work, with "Unclosed
client session" warnings, until a call failed with "Event loop is closed"."""


def running_loop() -> asyncio.AbstractEventLoop | None:
    """The running event loop, or None outside one."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def check_loop(loop: asyncio.AbstractEventLoop | None) -> None:
    """ClientClosed (OTHER_LOOP) when an event loop runs and it is not `loop` (the loop a
    Client's store or HTTP session was opened in; None: not known, nothing checked). Outside
    any event loop, nothing is checked either."""
    if loop is None:
        return
    try:  # `running_loop`, inline: this runs before every call on the store
        running = asyncio.get_running_loop()
    except RuntimeError:
        return
    if running is not loop:
        raise ClientClosed(OTHER_LOOP, subject=OTHER_LOOP_SUBJECT)
