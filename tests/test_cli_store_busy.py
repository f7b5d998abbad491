"""`tj` on a profile whose local store another program (another `tj`, an app) keeps busy
while it opens: one plain line saying so, never "damaged", no traceback. Real server on
loopback, real SQLite: the other program is a second connection holding the write lock."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from client_sdk import database
from client_sdk.store import STORE_FILE
from tests.conftest import RunningServer
from tests.test_cli import failed_with_one_line
from tests.test_cli_insights import new_device


async def test_a_store_kept_busy_while_it_opens_is_said_busy_in_one_line(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("write", "Kept here.")
    with sqlite3.connect(ana.home / STORE_FILE, isolation_level=None) as aged:
        aged.execute("DROP TABLE entry_rows_read")  # as an earlier version left it: migrated
    aged.close()
    monkeypatch.setattr(database, "WRITE_WAIT_S", 0.2)  # the wait, shortened for the test
    other = sqlite3.connect(ana.home / STORE_FILE, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another program writing, for longer than the wait
        line = failed_with_one_line(await ana.tj("list"))
    finally:
        other.close()
    assert "damaged" not in line, line
    assert "another program" in line and "tj" in line and "try again" in line, line
    assert [e["body"] for e in await ana.json("list")] == ["Kept here."]  # once it is done
