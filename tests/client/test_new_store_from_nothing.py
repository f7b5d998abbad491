"""A new home's store as `Store.open` makes it from nothing (no copy of the suite's template:
the `new_store_from_nothing` marker of tests/conftest.py): readable by its owner only, even
under umask 022, and the same, table by table and row by row, as the template the other
tests' new stores are copied from (which that fixture relies on)."""

from __future__ import annotations

import os
import sqlite3
import stat
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from client_sdk.store import STORE_FILE, Store


def content(path: Path) -> dict[str, Any]:
    """The file's schema (every table, index and trigger, as written) and each table's rows."""
    with closing(sqlite3.connect(path)) as db:
        schema = sorted(db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))
        tables = [name for kind, name, _, _ in schema if kind == "table"]
        rows = {name: sorted(db.execute(f'SELECT * FROM "{name}"')) for name in tables}
        return {"schema": schema, "rows": rows}


@pytest.mark.new_store_from_nothing
async def test_a_store_made_from_nothing_is_private_and_the_templates_twin(
    tmp_path: Path, store_template: Path
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    before = os.umask(0o022)
    try:
        store = await Store.open(home)
    finally:
        os.umask(before)
    await store.close()
    assert stat.S_IMODE((home / STORE_FILE).stat().st_mode) == 0o600
    made = content(home / STORE_FILE)
    assert made["rows"], "no table made"
    assert made == content(store_template)


async def test_a_store_copied_from_the_template_is_private_and_opens_as_made(
    tmp_path: Path, store_template: Path
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    before = os.umask(0o022)
    try:
        store = await Store.open(home)
    finally:
        os.umask(before)
    await store.close()
    assert stat.S_IMODE((home / STORE_FILE).stat().st_mode) == 0o600
    assert content(home / STORE_FILE) == content(store_template)
    assert not [p.name for p in home.iterdir() if p.name.endswith(".new")]
