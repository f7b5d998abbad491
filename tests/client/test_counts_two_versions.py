"""Two SDK versions whose counts of row changes differ (store.COUNTS: another digest, so
another table and other triggers) with one store open at once, as when `tj` is upgraded while
the older one syncs: the newer one's opening keeps the older one's table and triggers while
another process has the store open (its statements would fail "no such table" without
them), and drops them at an opening when no other process has it open (perf32b)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import sys
from pathlib import Path

from client_sdk import Client, store
from tests.conftest import ClientFactory

OTHER_VERSION = """
import asyncio, sys
from client_sdk import Client, store

# Test-only: this process counts as another SDK version would, one more trigger in its
# counts (so another digest, another table, other trigger names), made as that version makes
# its own: every constant derived from the counts' statements derived again.
made = [
    *store._MADE_COUNTS,
    f"CREATE TRIGGER {store._TABLE}_other_version AFTER INSERT ON problems "
    f"BEGIN UPDATE {store._TABLE} SET settings = settings + 1; END",
]
table = "tj_counts_" + __import__("hashlib").sha256(";".join(made).encode()).hexdigest()[:12]
store._MADE_COUNTS = made
store.COUNTS = [s.replace(store._TABLE, table) for s in made]
for name in ("CHANGES_READ", "TAKE_COUNTERS"):
    setattr(store, name, getattr(store, name).replace(store.COUNTS_TABLE, table))
store._COUNTS_NAMES = [s.split()[2] for s in store.COUNTS]
store._COUNTS_FOUND = (
    "SELECT count(*), coalesce(sum(name GLOB '" + table + "*'), 0), coalesce(sum(name IN ("
    + ", ".join(f"'{n}'" for n in store._COUNTS_NAMES) + ")), 0) "
    f"FROM sqlite_master WHERE name GLOB '{store.COUNTS_PREFIX}*'"
)
store.COUNTS_TABLE = table


async def main() -> None:
    client = await Client.open(sys.argv[1])
    try:
        print(store.COUNTS_TABLE, flush=True)
        for line in sys.stdin:  # one entry written (and all listed) a line, while open
            await client.entries.write(None, line.strip())
            print(len(await client.entries.list()), flush=True)
    finally:
        await client.close()


asyncio.run(main())
"""


def counts_names(home: Path) -> set[str]:
    with contextlib.closing(sqlite3.connect(home / store.STORE_FILE)) as db:
        return set(store._counts_made(db))


async def test_another_versions_counts_are_kept_while_it_has_the_store_open(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    home = ana.home
    await ana.entries.write(None, "first")
    await ana.close()
    older = await asyncio.create_subprocess_exec(
        sys.executable, "-c", OTHER_VERSION, str(home),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )  # fmt: skip
    assert older.stdin is not None and older.stdout is not None
    try:
        other_table = (await asyncio.wait_for(older.stdout.readline(), 60)).decode().strip()
        assert other_table.startswith("tj_counts_") and other_table != store.COUNTS_TABLE
        # This version opens the store while the other one has it open (and writes).
        newer = await Client.open(home)
        try:
            await newer.entries.write(None, "from the newer version")
            assert other_table in counts_names(home)
            older.stdin.write(b"from the older version\n")
            await older.stdin.drain()
            listed = await asyncio.wait_for(older.stdout.readline(), 60)
            assert listed.strip() == b"3"  # its statements still find its table
            assert len(await newer.entries.list()) == 3
        finally:
            await newer.close()
        older.stdin.close()
        assert await asyncio.wait_for(older.wait(), 60) == 0
    finally:
        if older.returncode is None:
            older.kill()
            await older.wait()
    # Opened when no other process has it open: only this version's counts are left.
    both = counts_names(home)
    assert other_table in both
    again = await Client.open(home)
    try:
        names = counts_names(home)
        assert names and all(name.startswith(store.COUNTS_TABLE) for name in names)
        assert names == {s.split()[2] for s in store.COUNTS}
        await again.entries.write(None, "after")
        assert len(await again.entries.list()) == 4
    finally:
        await again.close()


def as_an_earlier_version_opens(home: Path) -> str:
    """What opening the store does in a version from before each version's counts were its
    own: every counts' table and trigger there dropped (this version's too) and its own made,
    its triggers named tj_count_<table>_<event>. Returns its table's name."""
    table = "tj_counts_0123456789ab"
    with contextlib.closing(sqlite3.connect(home / store.STORE_FILE, isolation_level=None)) as db:
        db.execute("BEGIN IMMEDIATE")
        made = store._counts_made(db)
        for name, kind in sorted(made.items(), key=lambda item: item[1] == "table"):
            db.execute(f"DROP {kind.upper()} {name}")
        for statement in store._MADE_COUNTS:
            db.execute(
                statement.replace(f"{store._TABLE}_", "tj_count_").replace(store._TABLE, table)
            )
        db.execute(f"INSERT INTO {table} VALUES ({', '.join('0' for _ in store.COUNTED)})")
        db.execute("COMMIT")
    return table


async def test_counts_an_earlier_version_dropped_under_a_running_client_are_made_again(
    signup: ClientFactory,
) -> None:
    """An earlier version drops every other version's counts at its opening: this version's
    statements, which read its table, then make its counts again and go on (the earlier
    version's kept: it is running), where they failed "no such table"."""
    ana = await signup("ana")
    await ana.entries.write(None, "first")
    await ana.sync(strict=True)
    earlier = as_an_earlier_version_opens(ana.home)
    assert store.COUNTS_TABLE not in counts_names(ana.home)
    await ana.entries.write(None, "second")  # takes a counter: reads the counts
    assert len(await ana.entries.list()) == 2
    assert (await ana.sync(strict=True)).pushed == 1
    names = counts_names(ana.home)
    assert {s.split()[2] for s in store.COUNTS} <= names and earlier in names
    as_an_earlier_version_opens(ana.home)
    # A read first (the counts read outside any write: made again in a write of its own).
    assert [j.name for j in await ana.store.journals(as_of=await ana.store.version())] == [
        "Personal"
    ]
    assert store.COUNTS_TABLE in counts_names(ana.home)
    assert (await ana.sync(strict=True)).withheld == []
