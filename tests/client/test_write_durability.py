"""The one-hand-off write path: a write that returned survives the process being killed, two
processes of one profile never reuse a device counter, and every written record is pushed."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import textwrap
from pathlib import Path

import pytest

from client_sdk import Client
from client_sdk.errors import AccessError, NotFound
from client_sdk.store import Store
from tests.conftest import ClientFactory

WRITER = textwrap.dedent(
    """
    import asyncio, sys
    from client_sdk import Client

    async def main() -> None:
        client = await Client.open(sys.argv[1])
        index = 0
        while True:
            entry = await client.entries.write(None, f"entry {index} " + "x" * 800)
            print(entry.id, flush=True)  # only after write() returned
            index += 1

    asyncio.run(main())
    """
)


async def test_every_write_that_returned_survives_the_process_being_killed(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    home = ana.home
    await ana.close()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", WRITER, str(home), stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )  # fmt: skip
    assert process.stdout is not None
    acknowledged = []
    while len(acknowledged) < 200:
        line = await asyncio.wait_for(process.stdout.readline(), timeout=30)
        assert line, "the writer stopped early"
        acknowledged.append(line.decode().strip())
    process.send_signal(signal.SIGKILL)  # no clean close: whatever is not committed is gone
    await process.wait()
    while line := await process.stdout.readline():
        acknowledged.append(line.decode().strip())  # printed before the kill landed
    reopened = await Client.open(home)
    try:
        held = {entry.id for entry in await reopened.entries.list()}
        assert set(acknowledged) <= held
        assert await reopened.pending() == len(held)
    finally:
        await reopened.close()


async def test_two_processes_of_one_profile_never_reuse_a_device_counter(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    other = await Client.open(ana.home)  # a second connection: the CLI beside an app
    try:
        for index in range(5):
            await ana.entries.write(None, f"from the app {index}")
            await other.entries.write(None, f"from the cli {index}")
        store = await Store.open(ana.home)
        try:
            rows = await store._all("SELECT counter FROM seen_records WHERE counter IS NOT NULL")
        finally:
            await store.close()
        counters = [row[0] for row in rows]
        assert len(counters) == 10
        assert sorted(counters) == sorted(set(counters))
        report = await ana.sync()
        assert report.pushed == 10 and not report.problems
    finally:
        await other.close()


async def test_written_entries_reach_another_device_intact(
    signup: ClientFactory, login: ClientFactory
) -> None:
    ana = await signup("ana")
    written = [
        await ana.entries.write(None, f"body {i}", title=f"t{i}", mood=1 + i % 10, tags=["a"])
        for i in range(30)
    ]
    await ana.sync()
    phone = await login("ana")
    await phone.sync()
    assert sorted(await phone.entries.list(), key=lambda e: e.id) == sorted(
        [await ana.entries.get(e.id) for e in written], key=lambda e: e.id
    )
    assert [await ana.entries.get(e.id) for e in written] == written


async def test_a_write_goes_by_the_journals_as_another_process_left_them(
    signup: ClientFactory,
) -> None:
    # issue 10: a write acts on the journal list it read last without reading it again, and
    # checks inside its transaction that the journals did not change since.
    ana = await signup("ana")
    await ana.journals.create("Work")
    await ana.entries.write(None, "before")  # the list is read and kept
    other = await Client.open(ana.home)  # a second connection: the CLI beside an app
    try:
        await other.entries.write("Work", "the other process writes")
        # the list ana kept still holds, but the store moved: the check runs, the write too
        work = await ana.entries.write("Work", "after the other's write")
        assert work.journal == "Work"
        await other.journals.rename("Personal", "Diary")
        with pytest.raises(NotFound):
            await ana.entries.write("Personal", "to a name no journal has any more")
        moved = await ana.entries.write("Diary", "after the rename")
        assert moved.journal == "Diary"
        await other.journals.archive("Diary")
        with pytest.raises(AccessError, match="archived"):
            await ana.entries.write("Diary", "refused: archived meanwhile")
        bodies = sorted(entry.body for entry in await other.entries.list())
        assert bodies == sorted(
            ["before", "the other process writes", "after the other's write", "after the rename"]
        )
        store = await Store.open(ana.home)
        try:
            rows = await store._all(
                "SELECT journal_id, counter FROM seen_records WHERE counter IS NOT NULL"
            )
        finally:
            await store.close()
        counters = [(bytes(row[0]), row[1]) for row in rows]  # a device's, per journal
        assert len(counters) == len(set(counters))
    finally:
        await other.close()
