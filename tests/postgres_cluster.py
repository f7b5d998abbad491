"""A throwaway PostgreSQL cluster for tests and benchmarks: initdb + pg_ctl in a temporary
directory, listening on 127.0.0.1 on a free port, removed at the end.

Debian's PostgreSQL refuses to run as root, so when this process is root the cluster runs as
the `postgres` system user (`runuser -u postgres`). Durability is turned off (fsync=off): the
cluster lives for one test session or one benchmark run and is never trusted with real data.

    with PostgresCluster.start() as cluster:
        url = cluster.create_database("tj_1")   # postgresql://postgres@127.0.0.1:PORT/tj_1
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

BIN_DIRS = (
    "/usr/lib/postgresql/15/bin",
    "/usr/lib/postgresql/16/bin",
    "/usr/lib/postgresql/17/bin",
)
HOW_TO_ENABLE = (
    "PostgreSQL tests need the PostgreSQL 15 server binaries (Debian: "
    "`apt-get install --no-install-recommends postgresql-15`, which also creates the `postgres` "
    "user), or TJ_TEST_POSTGRES_BIN=/path/to/postgresql/bin; `bash .ci/run` installs them"
)


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries (or no user to run them as) on this machine."""


def find_bin_dir() -> Path:
    candidates = [os.environ.get("TJ_TEST_POSTGRES_BIN", ""), *BIN_DIRS]
    for candidate in candidates:
        if candidate and (Path(candidate) / "initdb").is_file():
            return Path(candidate)
    raise PostgresUnavailable(HOW_TO_ENABLE)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


PREFIX = "tj-postgres-"
OWNER_FILE = "owner.pid"  # the process that started the cluster
PORT_ATTEMPTS = 3  # a free port can be taken before the cluster binds it


STOP_WAIT_S = 10.0


def _running(pid: int) -> bool:
    """Whether process `pid` exists and is not a zombie (an exited child not yet reaped)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "zombie" not in status


def _wait_gone(pid: int) -> None:
    """Wait up to STOP_WAIT_S for process `pid` to exit; then kill it (SIGKILL)."""
    deadline = time.monotonic() + STOP_WAIT_S
    while _running(pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    if _running(pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def stop_orphans(bin_dir: Path, as_postgres: bool) -> list[Path]:
    """Stop and remove clusters left behind by a test run or benchmark that was killed before
    it could stop them (its owner process is gone); returns their directories. Clusters of
    runs still alive, and directories without an owner file, are left alone."""
    stopped = []
    for root in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
        try:
            owner = int((root / OWNER_FILE).read_text())
        except (OSError, ValueError):
            continue
        if Path(f"/proc/{owner}").exists():
            continue
        PostgresCluster(bin_dir, root, 0, as_postgres).stop()
        stopped.append(root)
    return stopped


class PostgresCluster:
    def __init__(self, bin_dir: Path, root: Path, port: int, as_postgres: bool) -> None:
        self.bin_dir = bin_dir
        self.root = root
        self.port = port
        self._as_postgres = as_postgres

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @classmethod
    def start(cls) -> PostgresCluster:
        """initdb and start a cluster; raises PostgresUnavailable with how to fix it."""
        bin_dir = find_bin_dir()
        as_postgres = os.geteuid() == 0
        if as_postgres and shutil.which("runuser") is None:
            raise PostgresUnavailable("running as root needs `runuser` to start PostgreSQL")
        if as_postgres:
            try:
                import pwd

                pwd.getpwnam("postgres")
            except KeyError:
                raise PostgresUnavailable(HOW_TO_ENABLE) from None
        stop_orphans(bin_dir, as_postgres)
        root = Path(tempfile.mkdtemp(prefix=PREFIX))
        (root / OWNER_FILE).write_text(str(os.getpid()))
        cluster = cls(bin_dir, root, free_port(), as_postgres)
        try:
            cluster._init_and_start()
        except BaseException:
            cluster.stop()
            raise
        return cluster

    def _run(self, *command: str) -> None:
        argv = [str(self.bin_dir / command[0]), *command[1:]]
        if self._as_postgres:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        result = subprocess.run(argv, capture_output=True, text=True, cwd="/")
        if result.returncode != 0:
            raise RuntimeError(f"{command[0]} failed: {result.stdout}{result.stderr}")

    def _init_and_start(self) -> None:
        if self._as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(
            "initdb", "-D", str(self.data_dir), "-U", "postgres", "--auth=trust",
            "--encoding=UTF8", "--no-locale", "--no-sync",
        )  # fmt: skip
        log = self.root / "server.log"
        for attempt in range(PORT_ATTEMPTS):
            options = (
                f"-c listen_addresses=127.0.0.1 -c port={self.port} "
                f"-c unix_socket_directories={self.root} -c fsync=off -c synchronous_commit=off "
                "-c full_page_writes=off -c max_connections=200 -c shared_buffers=64MB"
            )
            try:
                self._run(
                    "pg_ctl", "-D", str(self.data_dir), "-l", str(log), "-o", options, "-w", "start"
                )  # fmt: skip
                return
            except RuntimeError:
                # The free port was taken before PostgreSQL bound it (another test process
                # starting its own cluster, or any other program): try another one.
                taken = log.is_file() and "Address already in use" in log.read_text()
                if not taken or attempt == PORT_ATTEMPTS - 1:
                    raise
                self.port = free_port()

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        """Stop the cluster and remove its files. `pg_ctl stop -w` returns once the
        postmaster removed its pid file, which it does before its process has exited: the
        process is waited for too (a killed run's orphan was seen still running right after
        its files were gone, ci-167), and killed if it outlives STOP_WAIT_S."""
        pid_file = self.data_dir / "postmaster.pid"
        postmaster = None
        if pid_file.exists():
            try:
                postmaster = int(pid_file.read_text().split()[0])
            except (OSError, ValueError, IndexError):
                postmaster = None
            try:
                self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")
            except RuntimeError:
                pass
        if postmaster is not None:
            _wait_gone(postmaster)
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PostgresCluster:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
