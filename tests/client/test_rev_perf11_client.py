"""rev-perf11: 859e92c's checkpoint trigger (CHECKPOINT_CHANGES rows) measured on the SDK's
own write path: a long entry edited again and again (an app saving as its user types, as
store.py's comment on synchronous=NORMAL expects). Fails at 5bee784, passes at fa56c49."""

from __future__ import annotations

from tests.conftest import ClientFactory

LOG_BOUND = 12_000_000  # database.CHECKPOINT_CHANGES's docstring: "about 12 MB at most"


async def test_editing_a_long_entry_keeps_the_log_bounded(signup: ClientFactory) -> None:
    client = await signup("ana")
    wal = client.home / "store.db-wal"
    entry = await client.entries.write(None, "x" * 99_000)
    sizes = []
    db = client.store._db._connection
    before = db.total_changes
    for _ in range(150):
        await client.entries.edit(entry.id, append="y")
        sizes.append(wal.stat().st_size if wal.exists() else 0)
    rows = (db.total_changes - before) / 150
    assert max(sizes) < LOG_BOUND, (
        f"log reached {max(sizes):,} bytes after 150 edits ({rows} rows each)"
    )
