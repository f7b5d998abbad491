"""The server's SQLite storage binds bytes and None through an adapter found first (issue 10):
Python's sqlite3 otherwise raises and discards an AttributeError for each such parameter (a
push binds several a record). Checked in a process that imports the server alone (tests
import the client SDK's store too, which registers the same adapters for the device's store)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from server.storage.sqlite import connect_writer

CHECK = """
import sqlite3, sys
import server.storage.sqlite
assert "client_sdk.database" not in sys.modules
assert sqlite3.adapters[(bytes, sqlite3.PrepareProtocol)] is bytes.__bytes__
assert sqlite3.adapters[(type(None), sqlite3.PrepareProtocol)](None) is None
"""


def test_the_server_alone_registers_the_adapters_of_bytes_and_none() -> None:
    done = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("value", [b"\x00\xffciphertext", b"", None])
def test_bytes_and_none_are_stored_as_given(tmp_path: Path, value: bytes | None) -> None:
    db = connect_writer(tmp_path / "journal.db")
    try:
        db.execute("CREATE TABLE t (v)")
        db.execute("INSERT INTO t VALUES (?)", (value,))
        assert db.execute("SELECT v, typeof(v) FROM t").fetchall() == [
            (value, "null" if value is None else "blob")
        ]
    finally:
        db.close()
