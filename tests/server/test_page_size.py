"""SQLite's page size (issue 10, disk per entry): a new database takes `PAGE_BYTES` pages;
a database made by a release before them (4 KiB pages) is not converted (changing a page size
means rewriting the whole file, and a WAL database cannot change it at all), keeps its pages
and its records, and goes on working: pushes, restarts and pulls by a new device. The
conversion README.md gives operators (server stopped: out of WAL, VACUUM, back to WAL) keeps
every record too."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing
from pathlib import Path

from aiohttp.test_utils import TestServer

from client_sdk import INSECURE_TEST_COST, Client
from server import create_app
from server.app import DB_NAME
from server.storage.sqlite import PAGE_BYTES
from tests.conftest import PASSWORD, TEST_SETTINGS, Clock

OLD_PAGE_BYTES = 4096  # SQLite's default, which every database took before 16 KiB pages
CONVERSION = (  # README.md, Deployment: "SQLite page size", run while the server is stopped
    "PRAGMA journal_mode=DELETE; PRAGMA page_size=16384; VACUUM; PRAGMA journal_mode=WAL;"
)


def page_size(data_dir: Path) -> int:
    with closing(sqlite3.connect(data_dir / DB_NAME)) as db:
        return int(db.execute("PRAGMA page_size").fetchone()[0])


def integrity(data_dir: Path) -> list[str]:
    with closing(sqlite3.connect(data_dir / DB_NAME)) as db:
        return [str(row[0]) for row in db.execute("PRAGMA integrity_check")]


@asynccontextmanager
async def server_on(data_dir: Path) -> AsyncIterator[str]:
    """A real server on loopback over the SQLite database in `data_dir`; yields its URL."""
    app = create_app(data_dir, settings=TEST_SETTINGS, clock=Clock())
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


async def test_a_new_database_takes_the_larger_pages(tmp_path: Path) -> None:
    data_dir = tmp_path / "new"
    async with server_on(data_dir) as url:
        client = await Client.signup(
            url, "ana", PASSWORD, home=tmp_path / "ana", kdf_cost=INSECURE_TEST_COST
        )
        await client.entries.write(None, "a first entry")
        await client.sync()
        await client.close()
    assert PAGE_BYTES == 16384
    assert page_size(data_dir) == PAGE_BYTES
    assert integrity(data_dir) == ["ok"]


def old_database(data_dir: Path) -> None:
    """An empty database file with 4 KiB pages, as releases before 16 KiB pages made."""
    data_dir.mkdir()
    with closing(sqlite3.connect(data_dir / DB_NAME)) as db:
        db.execute(f"PRAGMA page_size={OLD_PAGE_BYTES}")
        db.execute("PRAGMA journal_mode=WAL")  # writes the header: the page size is now fixed


async def test_a_database_with_old_4_kib_pages_keeps_them_and_its_records(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "old"
    old_database(data_dir)
    async with server_on(data_dir) as url:
        laptop = await Client.signup(
            url, "ana", PASSWORD, home=tmp_path / "laptop", kdf_cost=INSECURE_TEST_COST
        )
        for day in range(3):
            await laptop.entries.write(None, f"entry {day} " + "words " * 200)
        await laptop.sync()
        await laptop.close()
    assert page_size(data_dir) == OLD_PAGE_BYTES
    with closing(sqlite3.connect(data_dir / DB_NAME)) as db:
        stored = db.execute("SELECT COUNT(*) FROM records").fetchone()[0]
    assert stored >= 3

    async with server_on(data_dir) as url:  # the same file, served again
        phone = await Client.login(
            url, "ana", PASSWORD, home=tmp_path / "phone", minimum_cost=INSECURE_TEST_COST
        )
        await phone.sync()
        bodies = sorted(entry.body for entry in await phone.entries.list())
        assert bodies == [f"entry {day} " + "words " * 200 for day in range(3)]
        await phone.entries.write(None, "written after the restart")
        await phone.sync()
        await phone.close()
    assert page_size(data_dir) == OLD_PAGE_BYTES
    assert integrity(data_dir) == ["ok"]
    with closing(sqlite3.connect(data_dir / DB_NAME)) as db:
        assert db.execute("SELECT COUNT(*) FROM records").fetchone()[0] == stored + 1


async def test_the_documented_conversion_gives_an_old_database_the_larger_pages(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "converted"
    old_database(data_dir)
    texts = [f"entry {day} " + "words " * 200 for day in range(3)]
    async with server_on(data_dir) as url:
        laptop = await Client.signup(
            url, "ana", PASSWORD, home=tmp_path / "laptop", kdf_cost=INSECURE_TEST_COST
        )
        for text in texts:
            await laptop.entries.write(None, text)
        await laptop.sync()
        await laptop.close()
    with closing(sqlite3.connect(data_dir / DB_NAME)) as db:
        before = db.execute(
            "SELECT seq, record_id, ciphertext FROM records ORDER BY seq"
        ).fetchall()
    with closing(sqlite3.connect(data_dir / DB_NAME, isolation_level=None)) as db:
        db.executescript(CONVERSION)
    assert page_size(data_dir) == PAGE_BYTES
    assert integrity(data_dir) == ["ok"]
    with closing(sqlite3.connect(data_dir / DB_NAME)) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        after = db.execute("SELECT seq, record_id, ciphertext FROM records ORDER BY seq").fetchall()
    assert after == before and len(before) >= 3

    async with server_on(data_dir) as url:  # served again, on another port
        phone = await Client.login(
            url, "ana", PASSWORD, home=tmp_path / "phone", minimum_cost=INSECURE_TEST_COST
        )
        await phone.sync()
        bodies = sorted(entry.body for entry in await phone.entries.list())
        assert bodies == sorted(texts)
        await phone.entries.write(None, "written after the conversion")
        await phone.sync()
        await phone.close()
    with closing(sqlite3.connect(data_dir / DB_NAME)) as db:
        assert db.execute("SELECT COUNT(*) FROM records").fetchone()[0] == len(before) + 1
    assert page_size(data_dir) == PAGE_BYTES
