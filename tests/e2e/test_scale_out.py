"""Several server processes over one PostgreSQL database (issue 11): sequence numbers stay
strictly increasing per journal under concurrent pushes through different processes, a pull
running meanwhile never skips a record that commits late, live notices and sign-outs reach a
device connected to the other process, and `tj-server --workers N` shares one port.

Every server here is a real `python -m server` process on loopback, on a fresh database.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from client_sdk import INSECURE_TEST_COST, AuthError, Client, QuotaExceeded, RateLimited, wire
from tests.conftest import PASSWORD
from tests.postgres_cluster import PostgresCluster, free_port
from tests.server.raw import RawClient, journal_id, pack, push

WRITERS = 6  # concurrent pushers, half through each process
BATCHES = 25  # batches per writer
BATCH = 4  # records per batch
HANG = 60.0  # seconds: only bounds a hang (tests/README.md: never a deadline on speed)


class ServerProcess:
    """`python -m server` on a free port, its log in a file."""

    def __init__(self, argv: list[str], log_path: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self._log = log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "server", "--port", str(self.port), *argv],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "TJ_SERVER_INSECURE_TEST_KDF": "1"},
        )

    async def wait_until_up(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                assert self.process.poll() is None, self.log_path.read_text()
                try:
                    async with session.post(
                        self.url + "/v1/health",
                        data=pack({}),
                        headers={"Content-Type": "application/msgpack"},
                    ) as reply:
                        if reply.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.05)
        raise AssertionError(f"the server did not start: {self.log_path.read_text()}")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=20)
        finally:
            self._log.close()


@pytest.fixture
async def database(postgres_cluster: PostgresCluster) -> AsyncIterator[str]:
    from tests.conftest import drop_database, fresh_database

    url = await fresh_database(postgres_cluster)
    yield url
    await drop_database(postgres_cluster, url)


@asynccontextmanager
async def servers(
    database: str, tmp_path: Path, count: int, *options: str
) -> AsyncIterator[list[ServerProcess]]:
    started = [
        ServerProcess(["--database", database, *options], tmp_path / f"server-{n}.log")
        for n in range(count)
    ]
    try:
        await asyncio.gather(*(server.wait_until_up() for server in started))
        yield started
    finally:
        for server in started:
            server.stop()


async def signup(url: str, username: str, home: Path) -> Client:
    return await Client.signup(
        url, username, PASSWORD, home=home, device_name="laptop", kdf_cost=INSECURE_TEST_COST
    )


async def login(url: str, username: str, home: Path) -> Client:
    return await Client.login(
        url, username, PASSWORD, home=home, device_name="phone", minimum_cost=INSECURE_TEST_COST
    )


async def test_concurrent_pushes_through_two_processes_keep_seq_increasing_and_pulls_skip_nothing(
    database: str, tmp_path: Path
) -> None:
    async with servers(database, tmp_path, 2) as (first, second), aiohttp.ClientSession() as http:
        ana = await signup(first.url, "ana", tmp_path / "ana")
        journal = await journal_id(ana)
        raws = [RawClient(http, first.url), RawClient(http, second.url)]
        accepted: list[list[int]] = []
        writing = True

        async def writer(number: int) -> None:
            raw = raws[number % 2]
            for batch in range(BATCHES):
                base = (number * BATCHES + batch) * BATCH + 1
                records = [
                    {"record_id": (base + i).to_bytes(wire.ID_BYTES, "big"), "epoch": 0,
                     "ciphertext": os.urandom(48)}
                    for i in range(BATCH)
                ]  # fmt: skip
                answer = await push(raw, ana, journal, records)
                assert answer.status == 200, answer.body
                accepted.append([item["seq"] for item in answer.value()["accepted"]])

        async def puller(raw: RawClient) -> list[tuple[int, bytes]]:
            """Pull by cursor while the writers push, as a device would; every record seen."""
            seen: list[tuple[int, bytes]] = []
            cursor = 0
            while True:
                finished = not writing  # read before the pull: this pull sees every commit
                request = {"cursors": [{"journal_id": journal, "after": cursor}], "limit": 7}
                answer = await raw.call("/v1/sync", request, token=ana.profile.token)
                assert answer.status == 200, answer.body
                reply = answer.value()
                [page] = [p for p in reply["pages"] if p["journal_id"] == journal]
                for record in page["records"]:
                    assert record["seq"] > cursor, "a pull went backwards"
                    seen.append((record["seq"], record["record_id"]))
                    cursor = record["seq"]
                cursor = max(cursor, page["cursor"])
                if finished and reply["done"]:
                    return seen

        pullers = [asyncio.create_task(puller(raw)) for raw in raws]
        await asyncio.gather(*(writer(number) for number in range(WRITERS)))
        writing = False
        pulled = await asyncio.gather(*pullers)

        seqs = sorted(seq for batch in accepted for seq in batch)
        assert len(seqs) == len(set(seqs)) == WRITERS * BATCHES * BATCH
        for batch in accepted:
            assert batch == sorted(batch), "a batch's records are numbered in order"
        expected = {(n).to_bytes(wire.ID_BYTES, "big") for n in range(1, len(seqs) + 1)}
        for seen in pulled:
            assert [seq for seq, _ in seen] == sorted(seq for seq, _ in seen)
            assert len(seen) == len(expected), "a pull skipped a record that committed late"
            assert {record_id for _, record_id in seen} == expected
        await ana.close()


async def test_a_push_that_commits_late_is_never_skipped_by_a_pull_through_another_process(
    database: str, tmp_path: Path
) -> None:
    """Push A takes its sequence numbers, then stalls before committing (here: an open
    transaction holds the id of A's first record, so A waits on the unique index); push B to
    the same journal goes through the other process. If B could commit a higher number before
    A commits a lower one, a device pulling meanwhile would move its cursor past A's records
    and never fetch them. The journal lock makes B wait for A instead."""
    async with servers(database, tmp_path, 2) as (first, second), aiohttp.ClientSession() as http:
        ana = await signup(first.url, "ana", tmp_path / "ana")
        journal = await journal_id(ana)
        raw_first, raw_second = RawClient(http, first.url), RawClient(http, second.url)
        late = [upload_number(1), upload_number(2)]
        stall = await asyncpg.connect(database)
        transaction = stall.transaction()
        await transaction.start()
        await stall.execute(
            "INSERT INTO records (journal_id, record_id, epoch, ciphertext, pushed_by, "
            "created_at) VALUES ($1, $2, 0, $3, $4, 0)",
            journal,
            late[0]["record_id"],
            b"held",
            ana.profile.account_id,
        )
        push_a = asyncio.create_task(push(raw_first, ana, journal, late))
        await backends_waiting_on_locks(stall, 1)  # A holds the journal, waits on the held id
        push_b = asyncio.create_task(push(raw_second, ana, journal, [upload_number(3)]))
        await backends_waiting_on_locks(stall, 2)  # B waits for A's journal lock
        cursor, seen = await pull(raw_second, ana, journal, 0)
        assert seen == [], "nothing is visible while A is stalled"
        await transaction.rollback()
        await stall.close()
        for answer in await asyncio.gather(push_a, push_b):
            assert answer.status == 200, answer.body
        cursor, more = await pull(raw_second, ana, journal, cursor)
        ids = [record_id for _, record_id in seen + more]
        assert sorted(ids) == sorted(upload_number(n)["record_id"] for n in (1, 2, 3))
        await ana.close()


async def backends_waiting_on_locks(connection: asyncpg.Connection, count: int) -> None:
    """Return once `count` other backends of this database wait on a lock (polling
    pg_stat_activity; the deadline only bounds a hang)."""
    deadline = time.monotonic() + HANG
    query = (
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
    )
    while (waiting := await connection.fetchval(query)) < count:
        assert time.monotonic() < deadline, f"{waiting} of {count} pushes reached their lock"
        await asyncio.sleep(0.02)


def upload_number(number: int) -> dict[str, object]:
    return {"record_id": number.to_bytes(wire.ID_BYTES, "big"), "epoch": 0,
            "ciphertext": os.urandom(48)}  # fmt: skip


async def pull(
    raw: RawClient, client: Client, journal: bytes, cursor: int
) -> tuple[int, list[tuple[int, bytes]]]:
    """Pull one journal until done, as a device does; (new cursor, (seq, record id) seen)."""
    seen: list[tuple[int, bytes]] = []
    while True:
        request = {"cursors": [{"journal_id": journal, "after": cursor}], "limit": 100}
        answer = await raw.call("/v1/sync", request, token=client.profile.token)
        assert answer.status == 200, answer.body
        reply = answer.value()
        [page] = [p for p in reply["pages"] if p["journal_id"] == journal]
        seen += [(r["seq"], r["record_id"]) for r in page["records"]]
        cursor = page["cursor"]
        if reply["done"]:
            return cursor, seen


async def test_a_live_change_and_a_sign_out_reach_a_device_on_the_other_process(
    database: str, tmp_path: Path
) -> None:
    async with servers(database, tmp_path, 2) as (first, second):
        laptop = await signup(first.url, "ana", tmp_path / "laptop")
        phone = await login(second.url, "ana", tmp_path / "phone")
        reports: asyncio.Queue[object] = asyncio.Queue()

        async def watch() -> None:
            async for report in phone.watch():
                reports.put_nowait(report)

        watcher = asyncio.create_task(watch())
        await asyncio.wait_for(reports.get(), HANG)  # the sync that follows connecting
        entry = await laptop.entries.write(None, "Written through the first process")
        await laptop.sync()
        async with asyncio.timeout(HANG):
            while entry.id not in {e.id for e in await phone.entries.list()}:
                await reports.get()

        await laptop.devices.revoke(phone.profile.device_id.hex())
        with pytest.raises(AuthError):
            await asyncio.wait_for(watcher, HANG)
        await laptop.close()
        await phone.close()


async def test_login_throttling_and_quotas_count_across_processes(
    database: str, tmp_path: Path
) -> None:
    """The counters live in PostgreSQL, not in one process's memory: failures and journals
    through either process add up to one limit."""
    limits = ("--login-free-failures-per-user", "2", "--login-delay-base-ms", "600000",
              "--max-journals", "3")  # fmt: skip
    async with servers(database, tmp_path, 2, *limits) as (first, second):
        ana = await signup(first.url, "ana", tmp_path / "ana")  # owns "Personal"
        await ana.journals.create("Dreams")
        with pytest.raises(QuotaExceeded) as refused:
            await second_device(second.url, tmp_path, "journal")
        assert refused.value.code == "journal_quota_exceeded"

        for server in (first, second):  # the two free failures, one through each process
            with pytest.raises(AuthError):
                await wrong_login(server.url, tmp_path)
        for server in (first, second):
            with pytest.raises(RateLimited) as throttled:
                await wrong_login(server.url, tmp_path)
            assert throttled.value.code == "login_throttled"
        await ana.close()


async def second_device(url: str, tmp_path: Path, name: str) -> None:
    """ana's second device, through `url`, creates two journals (her third and fourth)."""
    phone = await login(url, "ana", tmp_path / name)
    try:
        await phone.journals.create("Work")
        await phone.journals.create("One too many")
    finally:
        await phone.close()


async def wrong_login(url: str, tmp_path: Path) -> None:
    client = await Client.login(
        url, "ana", "not the password", home=tmp_path / f"guess-{os.urandom(4).hex()}",
        device_name="guess", minimum_cost=INSECURE_TEST_COST,
    )  # fmt: skip
    await client.close()


async def test_workers_share_one_port_and_stop_together(database: str, tmp_path: Path) -> None:
    server = ServerProcess(["--database", database, "--workers", "2"], tmp_path / "workers.log")
    try:
        await server.wait_until_up()
        laptop = await signup(server.url, "ana", tmp_path / "laptop")
        phones = [await login(server.url, "ana", tmp_path / f"phone{n}") for n in range(4)]
        entry = await laptop.entries.write(None, "Through any worker")
        await laptop.sync()
        for phone in phones:
            await phone.sync()
            assert [e.id for e in await phone.entries.list()] == [entry.id]
            await phone.close()
        await laptop.close()
        deadline = time.monotonic() + HANG
        while time.monotonic() < deadline and server.log_path.read_text().count("listening on") < 2:
            await asyncio.sleep(0.1)
        listening = [
            line for line in server.log_path.read_text().splitlines() if "listening on" in line
        ]
        workers = {line.rsplit("pid ", 1)[-1].strip(" )") for line in listening}
        assert len(workers) == 2
        children = subprocess.run(
            ["ps", "--ppid", str(server.process.pid), "-o", "pid="], capture_output=True, text=True
        ).stdout.split()
        assert len(children) >= 2
    finally:
        assert server.stop() == 0
    assert workers <= set(children)
    assert not [worker for worker in workers if running(worker)], "the supervisor joins its workers"
    # multiprocessing's resource tracker (the other child) exits once it reads the end of its
    # pipe, which can be just after the supervisor: poll, bounded by HANG.
    deadline = time.monotonic() + HANG
    while alive := [child for child in children if running(child)]:
        assert time.monotonic() < deadline, f"children still running after the stop: {alive}"
        await asyncio.sleep(0.05)


def running(pid: str) -> bool:
    """Whether the process is still running (a zombie has exited)."""
    try:
        return "zombie" not in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False


def test_workers_on_sqlite_are_refused_with_a_clear_message(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "server", "--data", str(tmp_path), "--workers", "2"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "--workers needs PostgreSQL" in result.stderr
    assert "Traceback" not in result.stderr


def test_data_and_a_database_url_from_the_environment_are_refused_together(
    tmp_path: Path,
) -> None:
    """An explicit --data (SQLite) with TJ_DATABASE_URL exported must not silently run on the
    PostgreSQL database the environment names."""
    result = subprocess.run(
        [sys.executable, "-m", "server", "--data", str(tmp_path / "sqlite")],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "TJ_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"},
    )
    assert result.returncode == 2
    assert "--data (SQLite) and TJ_DATABASE_URL (PostgreSQL) are both set" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "sqlite").exists()
