"""A sync progress bar on stderr for long syncs, shared by `tj sync` and `tj login`."""

from __future__ import annotations

import time
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn

from client_sdk import Client, SyncProgress, SyncReport

BAR_AFTER_S = 0.5  # a sync that ends sooner shows only its summary line


class ProgressBar:
    """A rich bar on stderr that appears only once a sync has run for BAR_AFTER_S."""

    def __init__(self) -> None:
        self._started = time.monotonic()
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def __call__(self, state: SyncProgress) -> None:
        if self._progress is None:
            if time.monotonic() - self._started < BAR_AFTER_S:
                return
            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.percentage:>3.0f}%"),
                console=Console(stderr=True),
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task("syncing", total=100)
        assert self._task is not None
        push_share = state.pushed / state.to_push if state.to_push else 1.0
        done = 50 * push_share + 50 * state.pull_fraction
        description = f"pushed {state.pushed}/{state.to_push}, pulling"
        self._progress.update(self._task, completed=done, description=description)

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


async def sync_once(client: Client) -> SyncReport:
    """One sync, with the bar if it runs long."""
    with ProgressBar() as bar:
        return await client.sync(bar)
