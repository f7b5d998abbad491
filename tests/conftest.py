"""Shared fixtures: a real server on 127.0.0.1 (aiohttp TestServer, real SQLite, real crypto)
and SDK clients with the low Argon2id cost that tests must ask for explicitly."""

from __future__ import annotations

import ast
import asyncio
import collections
import concurrent.futures
import functools
import gc
import itertools
import logging
import os
import shutil
import sqlite3
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from contextlib import closing
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import hypothesis
import pytest
from aiohttp.test_utils import TestServer
from nacl.pwhash import argon2id

from client_sdk import INSECURE_TEST_COST, Client, database, records
from client_sdk.store import STORE_FILE, Store
from client_sdk.transport import DEFAULT_RETRY, RetryPolicy, Transport
from server import create_app, logs
from server.app import DB_NAME
from server.service import Settings
from server.storage import postgres
from server.storage.sqlite import connect_writer
from tests.postgres_cluster import PostgresCluster, PostgresUnavailable

# No test asserts on how long one example takes (speed is measured in bench/): Hypothesis's
# default 200 ms deadline per example failed a pure test on a loaded 2-core machine.
# The suite draws the same examples on every run (derandomize: a seed from each test's code),
# so whether a change lands never turns on one draw's luck. To search for new cases, draw new
# examples each run, as often as you like (a seed reproduces a run):
#   TJ_HYPOTHESIS=explore .venv/bin/pytest tests/core -q --hypothesis-seed=7
# A case found that way is fixed at its cause and pinned with @example.
hypothesis.settings.register_profile("tj", deadline=None, derandomize=True, print_blob=True)
hypothesis.settings.register_profile("explore", deadline=None, print_blob=True)
hypothesis.settings.load_profile(os.environ.get("TJ_HYPOTHESIS", "tj"))

# Python's cycle collector looks at the young objects every 700 allocations (its default
# threshold) and, every 100 of those passes, at every object of the process: in a test process,
# pytest's ~180,000 objects of the collected tests and the garbage of the tests run before,
# while each test allocates millions more (servers, clients, msgpack, the AST scans of the
# docs tests). At the defaults a test process spent ~9 % of its CPU collecting (3.1 s of
# 35.4 s in 200 tests drawn at random, -n 0); every 10,000 allocations, 1.2 s (33.5 s in all).
# Garbage is still collected, in larger batches; a test that needs it gone at a point calls
# gc.collect() as before, and `tj` and `tj-server` (the product's processes, the tests'
# subprocesses) keep Python's defaults.
gc.set_threshold(10_000, 10, 10)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests marked `slow` (the longest, over ~15 s alone) first, the rest after them,
    each part in the order collected. pytest-xdist hands the tests out in this order as each
    process asks for more: a long test handed out near the end keeps one process busy while
    the other has none left (the two mypy runs of tests/test_sdk_typecheck.py, ~30 s each at
    load, were collected fourth and fifth from the end of ~6,000). First, they run while the
    short tests after them still fill the other process."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


# The server refuses weak Argon2id parameters by default; tests lower the floor explicitly.
# Unknown usernames are told libsodium's INTERACTIVE or MODERATE cost (3:1), as a server whose
# users chose either would list them: a draw over two costs, both above the SDK's minimum.
TEST_SETTINGS = Settings(
    min_opslimit=INSECURE_TEST_COST.opslimit,
    min_memlimit=INSECURE_TEST_COST.memlimit,
    unknown_name_costs=(
        (argon2id.OPSLIMIT_INTERACTIVE, argon2id.MEMLIMIT_INTERACTIVE, 3),
        (argon2id.OPSLIMIT_MODERATE, argon2id.MEMLIMIT_MODERATE, 1),
    ),
    # Every test signs up from 127.0.0.1; the per-address limit is tested with its
    # production default in tests/server/test_public_limits.py.
    signups_per_address_per_hour=100_000,
    # The test clock stands still, so a whole test is one minute: lookups by id (each id of
    # /v1/account/known) are tested at the production default in
    # tests/server/test_lookup_limits.py.
    id_lookups_per_minute=100_000,
)
PASSWORD = "correct horse battery"
T = TypeVar("T")


def product_tree(path: Path) -> ast.Module:
    """The syntax tree of a product source file (client_sdk/, cli/, server/), parsed once per
    test process: the scans of the docs, SDK-surface, layer and error-subject tests read the
    same files (client_sdk/*.py alone is ~3.9 MB, ~1.7 s of CPU to parse), each parsed it
    again, one of them twice. A tree is shared: walk it, never change it."""
    return _parsed(path.resolve())


@functools.cache
def _parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


class Clock:
    """A settable clock (milliseconds) injected into the server for expiry tests."""

    def __init__(self) -> None:
        import time

        self.now = int(time.time() * 1000)

    def __call__(self) -> int:
        return self.now


# Storage backends the server tests run against (tests/server/conftest.py parametrises them).
BACKENDS = ("sqlite", "postgresql")
TEMPLATE_DATABASE = "tj_template"
_database_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """A throwaway PostgreSQL cluster for the whole session, with a migrated template database
    that each test copies. Skips (with how to enable it) where PostgreSQL is not installed,
    except under CI (CI=true), where the PostgreSQL tests must run: there it fails."""
    try:
        cluster = PostgresCluster.start()
    except PostgresUnavailable as missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the PostgreSQL tests: {missing}")
        pytest.skip(str(missing))
    try:
        # Its own loop in a thread: the fixture is first requested from inside a test's loop.
        with concurrent.futures.ThreadPoolExecutor(1) as thread:
            thread.submit(asyncio.run, _make_template(cluster)).result()
        yield cluster
    finally:
        cluster.stop()


async def _make_template(cluster: PostgresCluster) -> None:
    admin = await asyncpg.connect(cluster.url())
    try:
        await admin.execute(f"CREATE DATABASE {TEMPLATE_DATABASE}")
    finally:
        await admin.close()
    await postgres.migrate_url(cluster.url(TEMPLATE_DATABASE))


async def fresh_database(cluster: PostgresCluster) -> str:
    """A new database copied from the migrated template (tens of milliseconds); its URL."""
    name = f"tj_test_{os.getpid()}_{next(_database_numbers)}"
    admin = await asyncpg.connect(cluster.url())
    try:
        await admin.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE_DATABASE}")
    finally:
        await admin.close()
    return cluster.url(name)


async def drop_database(cluster: PostgresCluster, url: str) -> None:
    admin = await asyncpg.connect(cluster.url())
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[-1]} WITH (FORCE)")
    finally:
        await admin.close()


@pytest.fixture(scope="session")
def database_pool(postgres_cluster: PostgresCluster) -> Iterator[DatabasePool]:
    """Fresh databases copied from the template ahead of the tests that take them."""
    pool = DatabasePool(postgres_cluster)
    try:
        yield pool
    finally:
        pool.close()


@pytest.fixture
def uncompressed_records(monkeypatch: pytest.MonkeyPatch) -> None:
    """Writers seal every payload as it is (body version 2, protocol.md 4.15 "Compressed
    payloads"), for tests whose scenario needs records as large as their text: byte budgets
    reached with 100 KB entries of random hex (which zlib halves), written before payloads
    were compressed. Readers still read both forms."""
    monkeypatch.setattr(records, "may_compress", lambda doc_kind, answers_prompt=False: False)


QUICK_RETRY = replace(DEFAULT_RETRY, first=0.01, cap=0.04)
"""DEFAULT_RETRY with back-off waits of 10 to 40 ms (DEFAULT_RETRY: 0.25 s, doubling, up to
4 s): the same attempts, the same Retry-After believed and waited for, a refused connection
tried as often and as soon. A test setting, as INSECURE_TEST_COST is for Argon2id: for tests
that lose a reply or fail a request to check what the retry does (sent again, stored once,
told once), not how long it waits (the back-off itself: tests/client/test_retries.py).
A test takes it with `pytest.mark.usefixtures("quick_retries")`."""


@pytest.fixture
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> RetryPolicy:
    """Every Transport made during the test (every client's: signed up, logged in, opened
    from its home, a CLI command's) that would retry with DEFAULT_RETRY retries with
    QUICK_RETRY; one given another policy keeps it."""
    made = Transport.__init__

    def init(transport: Transport, *args: Any, **kwargs: Any) -> None:
        made(transport, *args, **kwargs)
        if transport.retry is DEFAULT_RETRY:
            transport.retry = QUICK_RETRY

    monkeypatch.setattr(Transport, "__init__", init)
    return QUICK_RETRY


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """The storage backend of `live_server`: SQLite unless a test module parametrises it."""
    return str(getattr(request, "param", "sqlite"))


class DatabasePool:
    """Databases copied from the migrated template one test ahead, and dropped after their
    test, by a thread of its own, so that PostgreSQL copies and drops them while the tests
    run (on the other core) instead of while they wait. Every test still gets a database
    no other test has touched: a copy of the template made for it alone, as
    `fresh_database` makes (the same statement), never a reused or emptied one."""

    AHEAD = 2  # databases kept ready: the next PostgreSQL test's, and one more

    def __init__(self, cluster: PostgresCluster) -> None:
        self._cluster = cluster
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="tj-test-databases", daemon=True
        )
        self._thread.start()
        self._lock = self._call(self._make_lock()).result()
        self._admin: asyncpg.Connection | None = None
        self._ready: collections.deque[concurrent.futures.Future[str]] = collections.deque()
        self._drops: list[concurrent.futures.Future[None]] = []

    @staticmethod
    async def _make_lock() -> asyncio.Lock:
        return asyncio.Lock()

    def _call(self, work: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        return asyncio.run_coroutine_threadsafe(work, self._loop)

    async def _execute(self, sql: str) -> None:
        async with self._lock:  # one statement at a time on the one admin connection
            if self._admin is None:
                self._admin = await asyncpg.connect(self._cluster.url())
            await self._admin.execute(sql)

    async def _create(self) -> str:
        name = f"tj_test_{os.getpid()}_{next(_database_numbers)}"
        await self._execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE_DATABASE}")
        return self._cluster.url(name)

    async def take(self) -> str:
        """A new database (its URL) that no test has used, and start copying the next ones."""
        while len(self._ready) < self.AHEAD + 1:
            self._ready.append(self._call(self._create()))
        return await asyncio.wrap_future(self._ready.popleft())

    def give_back(self, url: str) -> None:
        """Drop a test's database (in the background; `close` waits for it)."""
        name = url.rsplit("/", 1)[-1]
        self._drops.append(
            self._call(self._execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        )

    def close(self) -> None:
        """Wait for every copy and drop (raising the first failure), then stop the thread."""
        try:
            for made in self._ready:
                self.give_back(made.result())
            for dropped in self._drops:
                dropped.result()
        finally:
            if self._admin is not None:
                self._call(self._admin.close()).result()
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
            self._loop.close()


@pytest.fixture
async def database_url(backend: str, request: pytest.FixtureRequest) -> AsyncIterator[str | None]:
    """A fresh PostgreSQL database for the test when the backend is PostgreSQL, else None."""
    if backend != "postgresql":
        yield None
        return
    pool: DatabasePool = request.getfixturevalue("database_pool")
    url = await pool.take()
    try:
        yield url
    finally:
        pool.give_back(url)


@dataclass
class RunningServer:
    url: str
    data_dir: Path
    log_file: Path
    clock: Clock
    server: TestServer
    backend: str = "sqlite"
    database_url: str | None = None  # PostgreSQL's, when backend == "postgresql"

    async def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Rows of a query on the server's database, whichever the backend; write `?` for
        parameters. Byte strings come back as bytes."""
        if self.database_url is None:
            with closing(sqlite3.connect(self.data_dir / "journal.db")) as db:
                return [tuple(row) for row in db.execute(sql, params).fetchall()]
        numbered = sql.split("?")
        sql = numbered[0] + "".join(f"${n}{part}" for n, part in enumerate(numbered[1:], 1))
        connection = await asyncpg.connect(self.database_url)
        try:
            return [tuple(row) for row in await connection.fetch(sql, *params)]
        finally:
            await connection.close()


@pytest.fixture
def server_settings() -> Settings:
    """The Settings of `live_server`: TEST_SETTINGS; a test module overrides this fixture
    for other ones."""
    return TEST_SETTINGS


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A server database file migrated once for the session by the server's own
    `connect_writer` (every migration, in one transaction, then closed: no log left beside
    it), which `live_server` copies for each SQLite test, as `fresh_database` copies
    PostgreSQL's template: each test still gets a file no other test has touched, and its
    server still opens it and checks its migrations at start. Migrating an empty file takes
    ~8 ms of CPU at 16 KiB pages (server/storage/sqlite.py PAGE_BYTES), a copy well under
    1 ms. Migrating an empty or older file is tested by tests/server/test_migrations.py and
    tests/e2e/test_server_start.py, whose servers start from nothing."""
    path = tmp_path_factory.mktemp("sqlite-template") / DB_NAME
    connect_writer(path).close()
    leftovers = [p.name for p in path.parent.iterdir() if p != path]
    assert not leftovers, f"the template's connection left {leftovers} beside it"
    return path


@pytest.fixture(scope="session")
def store_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A device's store as `Store.open` makes it in a new home (its tables, indexes, triggers
    and counts: no account, no device, nothing else), made once for the session by that
    code and copied whole by SQLite's backup (without the log beside it): two stores made so
    are the same, row for row (the same statements, no time, id or random value in them)."""
    made = tmp_path_factory.mktemp("store-template")

    async def make() -> None:
        await (await Store.open(made)).close()

    with concurrent.futures.ThreadPoolExecutor(1) as thread:  # may be asked inside a loop
        thread.submit(asyncio.run, make()).result()
    path = made.parent / f"{made.name}.db"
    with (
        closing(sqlite3.connect(made / STORE_FILE)) as source,
        closing(sqlite3.connect(path)) as copy,
    ):
        source.backup(copy)
    return path


@pytest.fixture(autouse=True)
def stores_from_template(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A store made in a new home during the test starts as a copy of `store_template`
    (the file `Store.open` would have made there, readable by its owner only, linked into
    place whole, so another opener never sees half of it) instead of an empty file that
    `Store.open` then fills: ~3 ms of CPU a store (its ~150 statements), as a SQLite
    `live_server` starts from `sqlite_template`. `Store.open` still opens it and checks
    every table, column, trigger and count, as it does any store. A test about making a
    store from nothing (its statements, its write lock) takes the `new_store_from_nothing`
    marker."""
    if request.node.get_closest_marker("new_store_from_nothing") is not None:
        return
    content = request.getfixturevalue("store_template").read_bytes()
    made = database.create_private

    def create_private(path: Path) -> None:
        if path.name != STORE_FILE or path.exists():
            return made(path)
        ready = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.new")
        descriptor = os.open(ready, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(content)
        try:
            os.link(ready, path)  # fails if another opener made it meanwhile: theirs is kept
        except FileExistsError:
            pass
        finally:
            os.unlink(ready)
        return None

    monkeypatch.setattr(database, "create_private", create_private)


@pytest.fixture
async def live_server(
    tmp_path: Path,
    backend: str,
    database_url: str | None,
    server_settings: Settings,
    request: pytest.FixtureRequest,
) -> AsyncIterator[RunningServer]:
    """A real server on loopback with `server_settings`, on the test's backend (SQLite under
    `data_dir`, started on a copy of `sqlite_template`, or a fresh PostgreSQL database);
    every log record of the process goes to `log_file`."""
    data_dir = tmp_path / "server-data"
    if database_url is None:
        data_dir.mkdir()
        shutil.copyfile(request.getfixturevalue("sqlite_template"), data_dir / DB_NAME)
    log_file = tmp_path / "server.log"
    handler = logging.FileHandler(log_file)
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    clock = Clock()
    app = create_app(data_dir, database=database_url, settings=server_settings, clock=clock)
    server = TestServer(app, host="127.0.0.1")
    # The access lines `tj-server` writes (server/__main__.py), not aiohttp's default ones,
    # which echo the request line and headers a client chose: the log the tests read is the
    # product's (and cheaper to write, once a request).
    await server.start_server(access_log_class=logs.AccessLogger)
    try:
        url = str(server.make_url("")).rstrip("/")
        yield RunningServer(url, data_dir, log_file, clock, server, backend, database_url)
    finally:
        await server.close()
        root.removeHandler(handler)
        root.setLevel(previous_level)
        handler.close()


ClientFactory = Callable[..., Awaitable[Client]]


@pytest.fixture
async def signup(live_server: RunningServer, tmp_path: Path) -> AsyncIterator[ClientFactory]:
    """signup(username, device="laptop") -> Client, closed at teardown."""
    clients: list[Client] = []

    async def make(username: str, device: str = "laptop", password: str = PASSWORD) -> Client:
        client = await Client.signup(
            live_server.url,
            username,
            password,
            home=tmp_path / f"{username}-{device}",
            device_name=device,
            kdf_cost=INSECURE_TEST_COST,
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


@pytest.fixture
async def login(live_server: RunningServer, tmp_path: Path) -> AsyncIterator[ClientFactory]:
    """login(username, device="phone", password=PASSWORD) -> Client, closed at teardown."""
    clients: list[Client] = []

    async def make(username: str, device: str = "phone", password: str = PASSWORD) -> Client:
        client = await Client.login(
            live_server.url,
            username,
            password,
            home=tmp_path / f"{username}-{device}",
            device_name=device,
            minimum_cost=INSECURE_TEST_COST,
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()
