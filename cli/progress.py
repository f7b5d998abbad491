"""A sync progress bar on stderr for long syncs, shared by `tj sync` and `tj login`."""

from __future__ import annotations

import time
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn

from cli import output

if TYPE_CHECKING:
    from collections.abc import Callable

    from client_sdk import Client, SyncProgress, SyncReport

BAR_AFTER_S = 0.5  # a sync that ends sooner shows only its summary line
UPLOAD_WAIT_S = 600.0
"""How long, in all, `tj sync` and `tj import` wait for the server's per-account upload limit
(10 minutes: about 200,000 changes at the server's default of 20,000 a minute)."""


class ProgressBar:
    """Rich bars on stderr that appear only once a sync has run for BAR_AFTER_S: one for the
    push (while there is anything to push), one for the pull, each with its own percentage."""

    def __init__(self) -> None:
        self._started = time.monotonic()
        self._progress: Progress | None = None
        self._push: TaskID | None = None
        self._pull: TaskID | None = None
        self._announced: datetime | None = None

    def _say(self, text: str) -> None:
        if self._progress is not None:
            # one line, as output.message writes it: rich would break it at 80 columns when
            # stderr is not a terminal (the terminal itself wraps it on a screen)
            said = output.shown(output.one_line(text), prose=True)
            self._progress.console.print(said, highlight=False, markup=False, soft_wrap=True)
        else:
            output.message(text)

    def __call__(self, state: SyncProgress) -> None:
        if state.waiting_until is not None and state.waiting_until != self._announced:
            self._announced = state.waiting_until
            left = state.to_push - state.pushed
            self._say(
                "The server limits how fast one account can upload: "
                f"{left:,} {'change waits' if left == 1 else 'changes wait'}; uploading again at "
                f"{state.waiting_until.astimezone():%H:%M:%S} (Ctrl-C stops: nothing is lost, "
                f"the next {output.command_text('tj sync')} goes on)"
            )
        if self._progress is None:
            if time.monotonic() - self._started < BAR_AFTER_S and state.waiting_until is None:
                return
            console = Console(stderr=True)
            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.percentage:>3.0f}%"),
                console=console,
                transient=True,
                # not drawn where stderr is no terminal (a file, a pipe): rich then draws
                # nothing, but its stop wrote an empty line before the summary (NU47 #3)
                disable=not console.is_interactive,
            )
            self._progress.start()
            self._push = self._progress.add_task("pushing", total=1, visible=False)
            self._pull = self._progress.add_task("pulling", total=1)
        assert self._push is not None and self._pull is not None
        self._progress.update(
            self._push,
            completed=state.pushed,
            total=state.to_push,
            description=push_text(state),
            visible=state.to_push > 0,
        )
        pulled = "pulled" if state.pull_fraction >= 1.0 else "pulling"
        self._progress.update(self._pull, completed=state.pull_fraction, description=pulled)

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.stop()


def push_text(state: SyncProgress) -> str:
    """The push's row of the bar: its counts, which its percentage is the share of (NU38 #1:
    one bar for push and pull read "pushed 500/1000" beside 75%, the pull being done)."""
    counts = f"pushed {state.pushed}/{state.to_push}"
    if state.waiting_until is None:
        return counts
    return f"{counts}, upload limit: waiting until {state.waiting_until.astimezone():%H:%M:%S}"


async def sync_once(client: Client, max_upload_wait: float = UPLOAD_WAIT_S) -> SyncReport:
    """One sync, with the bar if it runs long; it waits for the server's upload limit up to
    `max_upload_wait` seconds in all, saying so (see Client.sync)."""
    with ProgressBar() as bar:
        return await client.sync(bar, max_upload_wait=max_upload_wait)


async def sync_told(client: Client, show: Callable[[SyncReport], None] | None = None) -> SyncReport:
    """`sync_once` for a command that shows its summary (`tj login`'s first sync), by
    `show`, called here: its news and share changes are marked seen, so the next `tj sync`
    does not say them again as "earlier" (NU44 F3), and the sign-ins it told once shown,
    those only (others that other commands told on their stderr are said by `tj sync`)."""
    report = await sync_once(client)
    await client.mark_news_seen([*report.news, *report.departures])
    if show is not None:
        show(report)
    if report.new_devices or report.credential_changes:  # shown with it: these only
        await client.devices.mark_sign_ins_seen([*report.new_devices, *report.credential_changes])
    return report
