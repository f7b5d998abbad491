"""Convergence, as a property: three devices of one account write, edit and delete entries
offline, sync in any order, lose push replies, get interrupted mid-sync and compact their
logs; after everyone has synced, every device holds the same journal and no word written
into a surviving entry is missing anywhere. No sync ever reports withheld records (strict
syncs raise if one does): lost replies, cancellations and compaction are no false alarm."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from client_sdk import INSECURE_TEST_COST, Client, sync, wire
from tests.conftest import PASSWORD, RunningServer

DEVICES = ("laptop", "phone", "desktop")
usernames = itertools.count()

device = st.sampled_from(range(len(DEVICES)))
choice = st.integers(min_value=0, max_value=50)
write = st.tuples(st.just("write"), device)
append = st.tuples(st.just("append"), device, choice)
operation = st.one_of(
    write,
    append,
    st.tuples(st.just("mood"), device, choice, st.integers(min_value=1, max_value=10)),
    st.tuples(st.just("title"), device, choice, st.sampled_from(["Calm", "Tired", "Hopeful"])),
    st.tuples(st.just("delete"), device, choice),
    st.tuples(st.just("sync"), device),
    st.tuples(st.just("lost_reply"), device),
    st.tuples(st.just("interrupted_push"), device),
    st.tuples(st.just("cancelled_sync"), device, st.integers(min_value=0, max_value=40)),
)
# Writes and appends are drawn more often, so that programs have entries to work on.
weighted = st.one_of(write, append, operation)
programs = st.integers(min_value=8, max_value=25).flatmap(
    lambda length: st.lists(weighted, min_size=length, max_size=length)
)


@dataclass
class Run:
    """The devices of one example and the words each entry was given."""

    clients: list[Client]
    counter: itertools.count[int] = field(default_factory=itertools.count)
    words: dict[str, set[str]] = field(default_factory=dict)

    def word(self) -> str:
        return f"w{next(self.counter)}x"


async def open_devices(server: RunningServer, home: Path, compact_after: int) -> list[Client]:
    username = f"conv{next(usernames)}"
    first = await Client.signup(
        server.url,
        username,
        PASSWORD,
        home=home / DEVICES[0],
        device_name=DEVICES[0],
        kdf_cost=INSECURE_TEST_COST,
    )
    clients = [first]
    try:
        for name in DEVICES[1:]:
            clients.append(
                await Client.login(
                    server.url,
                    username,
                    PASSWORD,
                    home=home / name,
                    device_name=name,
                    minimum_cost=INSECURE_TEST_COST,
                )
            )
    except BaseException:
        for client in clients:
            await client.close()
        raise
    for client in clients:
        client.replica.compact_after = compact_after
    return clients


async def known_entry(client: Client, pick: int) -> str | None:
    """An entry this device currently shows, picked by `pick`; None if it shows none."""
    ids = sorted(entry.id for entry in await client.entries.list())
    return ids[pick % len(ids)] if ids else None


async def push_without_acknowledging(client: Client, batches: int | None) -> None:
    """Push the outbox as sync does, but forget the replies: as if each reply was lost."""
    for batch in sync.push_batches(await client.store.outbox())[:batches]:
        await client.transport.call("/v1/records/push", sync.push_request(batch), wire.PushReply)


async def cancel_sync_after(client: Client, quarter_ms: int) -> None:
    """Start a sync and cancel it a moment later, as an app shutting down or giving up
    mid-sync would."""
    task = asyncio.create_task(client.sync())
    await asyncio.sleep(quarter_ms / 4000)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def perform(run: Run, step: tuple[Any, ...]) -> None:
    kind, client = step[0], run.clients[step[1]]
    if kind == "write":
        word = run.word()
        entry = await client.entries.write(None, f"start {word}")
        run.words[entry.id] = {word}
    elif kind in ("append", "mood", "title", "delete"):
        entry_id = await known_entry(client, step[2])
        if entry_id is None:
            return
        if kind == "append":
            word = run.word()
            await client.entries.edit(entry_id, append=f" {word}")
            run.words[entry_id].add(word)
        elif kind == "mood":
            await client.entries.edit(entry_id, mood=step[3])
        elif kind == "title":
            await client.entries.edit(entry_id, title=step[3])
        else:
            await client.entries.delete(entry_id)
    elif kind == "sync":
        await client.sync(strict=True)  # no false alarm of withheld records
    elif kind == "lost_reply":
        await push_without_acknowledging(client, batches=None)
    elif kind == "interrupted_push":
        await push_without_acknowledging(client, batches=1)
    elif kind == "cancelled_sync":
        await cancel_sync_after(client, step[2])


async def state_of(client: Client) -> dict[str, dict[str, Any]]:
    return {
        entry.id: {**entry.to_dict(), "deleted": entry.deleted}
        for entry in await client.entries.list(include_deleted=True)
    }


def duplicate_record_ids(server: RunningServer) -> list[tuple[bytes, bytes]]:
    with contextlib.closing(sqlite3.connect(server.data_dir / "journal.db")) as db:
        rows = db.execute(
            "SELECT journal_id, record_id FROM records GROUP BY journal_id, record_id "
            "HAVING count(*) > 1"
        ).fetchall()
    return [(bytes(j), bytes(r)) for j, r in rows]


async def compacted_after_a_long_history(run: Run, compact_after: int) -> int:
    """One device gives a new entry more updates than `compact_after` on top of whatever the
    program left, and syncs: returns how many documents were compacted, so that every example
    proves compaction really ran amid the other devices' edits and interrupted syncs."""
    client = run.clients[0]
    word = run.word()
    entry = await client.entries.write(None, f"start {word}")
    run.words[entry.id] = {word}
    for _ in range(compact_after + 1):
        word = run.word()
        await client.entries.edit(entry.id, append=f" {word}")
        run.words[entry.id].add(word)
    compacted = 0
    for _ in range(2):
        compacted += (await client.sync(strict=True)).compacted
    return compacted


@pytest.mark.slow
@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    program=programs,
    compact_after=st.sampled_from([3, 5, 100]),
)
async def test_devices_converge_and_keep_every_word_whatever_the_sync_order(
    live_server: RunningServer, program: list[tuple[Any, ...]], compact_after: int
) -> None:
    with tempfile.TemporaryDirectory() as home:
        run = Run(await open_devices(live_server, Path(home), compact_after))
        try:
            for step in program:
                await perform(run, step)
            if compact_after < 100:  # 100: the control, where nothing reaches the threshold
                assert await compacted_after_a_long_history(run, compact_after) >= 1
            for _ in range(2):
                for client in run.clients:
                    await client.sync(strict=True)

            states = [await state_of(client) for client in run.clients]
            assert states[1] == states[0]
            assert states[2] == states[0]
            assert set(states[0]) == set(run.words)
            for entry_id, entry in states[0].items():
                if not entry["deleted"]:
                    missing = {w for w in run.words[entry_id] if w not in entry["body"].split()}
                    assert not missing, f"entry {entry_id} lost {missing}"
            assert all([await client.pending() == 0 for client in run.clients])
            assert duplicate_record_ids(live_server) == []
        finally:
            for client in run.clients:
                await client.close()
