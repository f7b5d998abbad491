"""Pure sync bookkeeping: batching the outbox, cursors, and the report of one sync."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from client_sdk import wire

PUSH_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class OutboxRecord:
    """A sealed record waiting in the local outbox, in write order."""

    position: int
    journal_id: bytes
    record_id: bytes
    epoch: int
    ciphertext: bytes
    doc_id: bytes | None = None


@dataclass
class SyncReport:
    """What one `Client.sync()` did; `problems` names records that failed verification."""

    pushed: int = 0
    pulled: int = 0
    merged: int = 0
    compacted: int = 0
    problems: list[str] = field(default_factory=list)
    incomplete: list[str] = field(default_factory=list)
    """Journals whose pull stopped because the server made no progress (see StallGuard)."""
    touched: set[bytes] = field(default_factory=set, repr=False)
    """Documents this sync pushed or merged: the only ones worth checking for compaction."""

    def to_dict(self) -> dict[str, object]:
        return {
            "pushed": self.pushed,
            "pulled": self.pulled,
            "merged": self.merged,
            "compacted": self.compacted,
            "problems": list(self.problems),
            "incomplete": list(self.incomplete),
        }


@dataclass(frozen=True)
class SyncProgress:
    """Where a sync stands: records pushed of those waiting, and the share of the pull done
    (estimated from sequence numbers, since the server does not count records for us)."""

    pushed: int
    to_push: int
    pull_fraction: float


Progress = Callable[[SyncProgress], None]


class ProgressTracker:
    """Turns push acknowledgements and pull pages into SyncProgress callbacks."""

    def __init__(self, callback: Progress | None, to_push: int) -> None:
        self._callback = callback
        self._to_push = to_push
        self._pushed = 0
        self._start: dict[bytes, int] | None = None
        self._fraction = 0.0

    def pushed(self, count: int) -> None:
        self._pushed += count
        self._emit()

    def pulled(self, pages: list[wire.JournalPage], cursors: dict[bytes, int]) -> None:
        if self._start is None:
            self._start = {page.journal_id: cursors.get(page.journal_id, 0) for page in pages}
        total = done = 0
        for page in pages:
            start = self._start.get(page.journal_id, 0)
            total += max(page.head - start, 0)
            done += max(min(page.cursor, page.head) - start, 0)
        self._fraction = 1.0 if total == 0 else done / total
        self._emit()

    def _emit(self) -> None:
        if self._callback is not None:
            self._callback(SyncProgress(self._pushed, self._to_push, self._fraction))


def push_batches(
    outbox: list[OutboxRecord],
    max_records: int = wire.MAX_RECORDS_PER_PUSH,
    max_bytes: int = PUSH_BYTES,
) -> list[list[OutboxRecord]]:
    """Split the outbox into per-journal batches within the server's limits, keeping order."""
    batches: list[list[OutboxRecord]] = []
    current: list[OutboxRecord] = []
    size = 0
    for record in outbox:
        fits = (
            current
            and current[0].journal_id == record.journal_id
            and len(current) < max_records
            and size + len(record.ciphertext) <= max_bytes
        )
        if current and not fits:
            batches.append(current)
            current, size = [], 0
        current.append(record)
        size += len(record.ciphertext)
    if current:
        batches.append(current)
    return batches


def push_request(batch: list[OutboxRecord]) -> wire.PushRequest:
    return wire.PushRequest(
        batch[0].journal_id,
        [wire.RecordUpload(r.record_id, r.epoch, r.ciphertext) for r in batch],
    )


def check_accepted(batch: list[OutboxRecord], reply: wire.PushReply) -> dict[bytes, int]:
    """Map record id -> seq, insisting the server acknowledged exactly what was sent."""
    seqs = {accepted.record_id: accepted.seq for accepted in reply.accepted}
    if set(seqs) != {record.record_id for record in batch}:
        raise ValueError("the server acknowledged a different set of records than was pushed")
    return seqs


def sync_request(cursors: dict[bytes, int], limit: int) -> wire.SyncRequest:
    return wire.SyncRequest(
        [wire.Cursor(journal_id, after) for journal_id, after in sorted(cursors.items())], limit
    )


class StallGuard:
    """Counts sync replies in a row that made no progress; `stalled` once there were `limit`."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._idle = 0

    def stalled(self, progressed: bool) -> bool:
        self._idle = 0 if progressed else self._idle + 1
        return self._idle >= self._limit
