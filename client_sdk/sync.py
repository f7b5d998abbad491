"""Pure sync bookkeeping: batching the outbox, cursors, and the report of one sync."""

from __future__ import annotations

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


@dataclass
class SyncReport:
    """What one `Client.sync()` did; `problems` names records that failed verification."""

    pushed: int = 0
    pulled: int = 0
    merged: int = 0
    problems: list[str] = field(default_factory=list)


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
