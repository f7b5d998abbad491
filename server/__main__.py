"""`tj-server` / `python -m server`: run the sync server.

    tj-server [--data DIR]                        SQLite under DIR (the embedded default)
    tj-server --database postgresql://...         PostgreSQL (or TJ_DATABASE_URL)
    tj-server --database postgresql://... --workers 4    four processes sharing the port
    tj-server migrate [--data DIR | --database URL]      apply schema migrations and exit

Migrations also run at every start; `migrate` lets an operator run them on their own, e.g.
before rolling out a new release to several machines.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import errno
import fcntl
import gc
import logging
import os
import socket
import sqlite3
import sys
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit, urlunsplit

from aiohttp import web
from nacl.pwhash import argon2id

from server import logs, workers
from server.app import DB_NAME, create_app
from server.errors import StorageError
from server.service import DEFAULT_UNKNOWN_NAME_COSTS, Settings
from server.storage import migrations, postgres, sqlite

log = logging.getLogger("tj.server")
SQLITE_WORKERS = (
    "--workers needs PostgreSQL (--database postgresql://...): processes sharing one SQLite file "
    "would not see each other's live notices. Run one process on SQLite."
)
LOCK_NAME = "server.lock"
STARTED_WITH = {
    "port": "--port N (`PORT=N bash .ci/serve`)",
    "data": "--data DIR (`TJ_SERVER_DATA=DIR bash .ci/serve`)",
}
"""How to give another port or data folder, in a start-up refusal: the option, and the
variable the README's quick start (`bash .ci/serve`) reads instead (NU33 #10)."""
_held_locks: list[TextIO] = []  # open for the process's lifetime: closing one releases it


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["migrate"]:
        return migrate_command(argv[1:])
    parser = argparse.ArgumentParser(prog="tj-server", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    add_database_options(parser)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8765, help="port to listen on")
    parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("TJ_SERVER_WORKERS", "1")),
        help="server processes sharing the port (PostgreSQL only; default 1)",
    )
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING or ERROR")
    # TEST ONLY (hidden from --help): accept the weakest Argon2id cost so end-to-end tests run
    # fast. Never use it for real accounts: it lets clients register trivially crackable keys.
    parser.add_argument(
        "--insecure-test-kdf",
        action="store_true",
        default=os.environ.get("TJ_SERVER_INSECURE_TEST_KDF") == "1",
        help=argparse.SUPPRESS,
    )
    add_limit_options(parser)
    args = parser.parse_args(argv)
    resolve_database(parser, args)
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    if args.workers > 1 and not args.database:
        parser.error(SQLITE_WORKERS)
    configure_logging(args.log_level)
    if args.database and not postgres.is_postgres_url(args.database):
        parser.error("--database takes a postgresql:// URL (SQLite uses --data)")
    check_port_free(args.host, args.port)
    if not args.database:
        lock_data_dir(sqlite_dir(args))
    applied = migrate_or_exit(args)
    log.info("schema migrations applied: %s", ", ".join(map(str, applied)) or "none pending")
    if args.workers > 1:
        sys.exit(workers.supervise(args))
    else:
        serve(args, reuse_port=False)


def add_database_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data",
        default=None,
        help="directory holding the SQLite database (created if missing; default: "
        "$TJ_SERVER_DATA or ./tj-server-data)",
    )
    parser.add_argument(
        "--database",
        default=None,
        metavar="URL",
        help="a postgresql://user:password@host:port/dbname URL: use PostgreSQL instead of "
        "SQLite (default: $TJ_DATABASE_URL)",
    )


def resolve_database(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Apply the environment's defaults: an explicit flag wins; TJ_DATABASE_URL selects
    PostgreSQL unless --data asks for SQLite, in which case both are named and refused (an
    operator testing on SQLite must never write to the database the environment names)."""
    from_env = os.environ.get("TJ_DATABASE_URL") or None
    if args.database is None and from_env is not None:
        if args.data is not None:
            parser.error(
                "--data (SQLite) and TJ_DATABASE_URL (PostgreSQL) are both set: unset "
                "TJ_DATABASE_URL, or drop --data"
            )
        args.database = from_env
    if args.data is None:
        args.data = os.environ.get("TJ_SERVER_DATA", "tj-server-data")


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )


def where(args: argparse.Namespace) -> str:
    return f"database {redact(args.database)}" if args.database else f"data in {args.data}"


def redact(url: str) -> str:
    """The URL without its password, for logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[-1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))


def check_port_free(host: str, port: int) -> None:
    """End the program with one line on stderr when `host`:`port` cannot be listened on
    (another server holds it, the address is not this machine's, a privileged port), before
    anything is created; bound the way aiohttp binds (SO_REUSEADDR), then released."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as error:
        sys.exit(f"tj-server: cannot listen on {host}: {error.strerror}")
    family, kind, proto, _name, address = infos[0]
    try:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            sys.exit(
                f"tj-server: port {port} on {host} is already in use (another tj-server?): "
                f"stop it, or choose another port: {STARTED_WITH['port']}"
            )
        sys.exit(f"tj-server: cannot listen on {host} port {port}: {error.strerror}")


def lock_data_dir(data: Path) -> None:
    """Hold an exclusive lock on `data` for this process's lifetime (released by the kernel
    when the process ends, even killed); a second server on the same folder ends with one
    line naming the first one's pid. Two processes on one SQLite file would not hear each
    other's live notices (the reason --workers needs PostgreSQL)."""
    handle = (data / LOCK_NAME).open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "unknown"
        handle.close()
        sys.exit(
            f"tj-server: another tj-server (pid {holder}) is using the data folder {data}: "
            f"stop it first, or give this one its own: {STARTED_WITH['data']}"
        )
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    _held_locks.append(handle)


def sqlite_dir(args: argparse.Namespace) -> Path:
    data = Path(args.data)
    data.mkdir(parents=True, exist_ok=True)
    os.chmod(data, 0o700)
    return data


def new_event_loop() -> asyncio.AbstractEventLoop:
    """libuv's event loop (uvloop) where it is installed (every platform but Windows): the
    same asyncio API at about 10% less of the server's CPU a small request (a no-op
    /v1/sync: ~20 µs of ~260, issue 10); else asyncio's own."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
    return loop


def serve(args: argparse.Namespace, reuse_port: bool) -> None:
    settings = settings_from(args)
    if args.insecure_test_kdf:
        settings = insecure_test_settings(settings)
    if args.database:
        app = create_app(database=args.database, settings=settings)
    else:
        app = create_app(sqlite_dir(args), settings=settings)
    app.on_startup.append(freeze_start_up_objects)  # after create_app's own start-up
    app.on_cleanup.append(say_stopped)  # after create_app's own clean-up (storage closed)
    web.run_app(
        app,
        loop=new_event_loop(),
        host=args.host,
        port=args.port,
        reuse_port=reuse_port or None,
        access_log_class=logs.AccessLogger,  # method, endpoint, status: no client bytes
        print=lambda _message: say_listening(args),
    )


README_URL = "http://127.0.0.1:8765"
"""The server address every README example gives (`.ci/serve`'s default host and port)."""

WILDCARD_HOSTS = ("", "0.0.0.0", "::")
"""Hosts that mean every address of the machine: no client connects to them as such."""


def say_listening(args: argparse.Namespace) -> None:
    """Log that the server listens, then the command a new user runs next with this server's
    own address (NU78 F15: on another port, nothing said README's http://127.0.0.1:8765 was
    not this server's): "next, in another terminal: `tj signup http://127.0.0.1:18778 NAME`
    ...". A wildcard host names no address a client can use: HOST stands for it."""
    log.info(
        "listening on http://%s:%s (%s, pid %s)", args.host, args.port, where(args), os.getpid()
    )
    host = "HOST" if args.host in WILDCARD_HOSTS else args.host
    url = f"http://{f'[{host}]' if ':' in host else host}:{args.port}"
    other = (
        ""
        if url == README_URL
        else f"; README's examples use {README_URL}, this server is {url}: "
        f"TJ_SERVER={url} for its SDK example"
    )
    log.info(
        "next, in another terminal: `tj signup %s NAME` (in the project, "
        "`source .venv/bin/activate` first%s)",
        url,
        other,
    )


async def say_stopped(_app: web.Application) -> None:
    """The log's last line on a clean stop (SIGTERM, SIGINT): that it stopped, and that its
    storage was closed (NU39 #10: nothing told a stop from a crash)."""
    log.info("stopped (pid %s): storage closed", os.getpid())


async def freeze_start_up_objects(_app: web.Application) -> None:
    """Once the server has started (modules imported, storage open), move every object the
    garbage collector tracks into its permanent generation (`gc.freeze`), after collecting
    what start-up left behind: a full collection then walks only what was made since,
    instead of pausing the whole process for the ~45,000 start-up objects as well (30-70 ms
    on this project's 2-core machines, for every request in flight, live notices included:
    issue 10). Python's documentation of gc.freeze: frozen objects are ignored "in all the
    future collections"; what start-up made lives as long as the process anyway."""
    gc.collect()
    gc.freeze()


def migrate_command(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(
        prog="tj-server migrate",
        description="Apply the pending schema migrations to the database, then exit.",
    )
    add_database_options(parser)
    args = parser.parse_args(argv)
    resolve_database(parser, args)
    configure_logging("INFO")
    if args.database and not postgres.is_postgres_url(args.database):
        parser.error("--database takes a postgresql:// URL (SQLite uses --data)")
    if not args.database:
        lock_data_dir(sqlite_dir(args))
    applied = migrate_or_exit(args)
    versions = ", ".join(str(version) for version in applied) or "none pending"
    print(f"schema migrations applied to {where(args)}: {versions}")


def migrate_or_exit(args: argparse.Namespace) -> list[int]:
    """Apply pending migrations; a database that cannot be opened, or was migrated by a newer
    release or another build (migrations.SchemaError), ends the program with one line on
    stderr (no traceback)."""
    try:
        if args.database:
            return asyncio.run(postgres.migrate_url(args.database))
        return _migrate_sqlite(sqlite_dir(args) / DB_NAME)
    except migrations.SchemaError as error:
        sys.exit(f"tj-server: {error}")
    except (OSError, sqlite3.Error, StorageError, *postgres.UNAVAILABLE) as error:
        sys.exit(f"tj-server: cannot open the database ({where(args)}): {error}")


def _migrate_sqlite(path: Path) -> list[int]:
    connection = sqlite3.connect(str(path), isolation_level=None)
    try:
        connection.execute(f"PRAGMA busy_timeout={sqlite.BUSY_TIMEOUT_MS}")  # as a server waits
        return sqlite.migrate(connection)
    finally:
        connection.close()


def insecure_test_settings(settings: Settings | None = None) -> Settings:
    """TEST ONLY: Settings that accept libsodium's minimum Argon2id cost."""
    logging.getLogger("tj.server").warning(
        "--insecure-test-kdf: accepting the weakest Argon2id cost; for tests only"
    )
    return dataclasses.replace(
        settings or Settings(),
        min_opslimit=argon2id.OPSLIMIT_MIN,
        min_memlimit=argon2id.MEMLIMIT_MIN,
        unknown_name_costs=(
            ((argon2id.OPSLIMIT_MIN, argon2id.MEMLIMIT_MIN, 1),)
            if settings is None or settings.unknown_name_costs == DEFAULT_UNKNOWN_NAME_COSTS
            else settings.unknown_name_costs
        ),
    )


# (flag, Settings field, help): each flag also reads TJ_SERVER_<FIELD IN UPPER CASE>.
LIMIT_OPTIONS = (
    ("--max-journals", "max_journals", "journals one account may own"),
    ("--max-devices", "max_devices", "signed-in (unrevoked, unexpired) devices per account"),
    ("--max-stored-bytes", "max_stored_bytes", "bytes of records one account may store"),
    ("--max-records-per-minute", "max_records_per_minute", "records one account may write a minute"),
    ("--max-bytes-per-minute", "max_bytes_per_minute", "record bytes one account may write a minute"),
    ("--max-shares", "max_shares", "memberships one account may grant, over all its journals"),
    ("--identity-lookups-per-minute", "identity_lookups_per_minute", "lookups of an account by username, per account and per client address"),
    ("--id-lookups-per-minute", "id_lookups_per_minute", "lookups of accounts by id (each id asked), per account"),
    ("--signups-per-address-per-hour", "signups_per_address_per_hour", "accounts created from one client address (IPv6: /56, and 4x per /48) an hour"),
    ("--login-free-failures-per-user", "login_free_failures_per_user", "failed logins of one username from one client address (and of one login ticket, one device) before delays start"),
    ("--login-free-failures-per-user-all-addresses", "login_free_failures_per_user_all_addresses", "failed logins of one username from all addresses before delays start for every device without a login ticket"),
    ("--login-free-failures-per-address", "login_free_failures_per_address", "failed logins from one client address (IPv6: /56, and 4x per /48) before delays start"),
    ("--login-delay-base-ms", "login_delay_base_ms", "first delay after the free failures; it doubles with each failure"),
    ("--login-delay-max-ms", "login_delay_max_ms", "longest delay between two login attempts"),
    ("--login-forget-ms", "login_forget_ms", "a failure counter is forgotten after this quiet time"),
    ("--purge-interval-ms", "purge_interval_ms", "how often used login challenges past their expiry and stale counters are deleted"),
    ("--live-check-interval-ms", "live_check_interval_ms", "how often a live socket re-checks that its session was not revoked (expiry is timed exactly)"),
    ("--max-live-per-device", "max_live_per_device", "live WebSockets one signed-in device may hold open (over all --workers, and all processes on one PostgreSQL database)"),
    ("--max-live-per-account", "max_live_per_account", "live WebSockets one account may hold open over all its devices (over all --workers, and all processes on one PostgreSQL database)"),
    ("--live-outbox", "live_outbox", "frames (notices) one live socket may have waiting to be sent; past it the socket is dropped and its device reconnects and syncs"),
    ("--live-send-timeout-ms", "live_send_timeout_ms", "time one frame may take to be sent on a live socket; past it the socket is dropped and its device reconnects and syncs"),
    ("--live-heartbeat-ms", "live_heartbeat_ms", "time from one ping of the server's to the next on a live socket (once nothing waits to be sent); a socket whose pong is not back within half of it is dropped, and a refused live upgrade is told to retry after it and 5 s more"),
    ("--max-requests-per-address", "max_requests_per_address", "requests one client address (IPv6: /56, and 4x per /48) may have in progress at once in one server process, each open live WebSocket counting as one"),
    ("--listed-key-bytes", "listed_key_bytes", "bytes of one journal's key envelopes a journal list carries, newest epochs first (older ones are paged through /v1/journals/keys)"),
    ("--body-timeout-ms", "body_timeout_ms", "a request body must arrive within this time, and as much again for each further MiB (else 408 body_timeout)"),
    ("--public-body-timeout-ms", "public_body_timeout_ms", "a request body to an endpoint without a session (signup, login) must arrive whole within this time, or the body timeout if shorter (else 408 body_timeout)"),
    ("--send-timeout-ms", "send_timeout_ms", "an answer must be taken by its client within this time, and as much again for each further MiB, else the connection is dropped; until then the request counts under --max-requests-per-address"),
    ("--header-timeout-ms", "header_timeout_ms", "a connection must send a complete request line and headers within this time of opening, and of its previous answer, else it is closed; 0: the body timeout"),
)  # fmt: skip


def env_name(field: str) -> str:
    return "TJ_SERVER_" + field.upper()


def add_limit_options(parser: argparse.ArgumentParser) -> None:
    defaults = Settings()
    group = parser.add_argument_group(
        "limits", "Quotas and throttling; each flag also reads the environment variable named."
    )
    for flag, field, text in LIMIT_OPTIONS:
        default = int(os.environ.get(env_name(field), getattr(defaults, field)))
        group.add_argument(
            flag,
            dest=field,
            type=int,
            default=default,
            metavar="N",
            help=f"{text} (default {getattr(defaults, field):,}; env {env_name(field)})",
        )
    proxies = os.environ.get("TJ_SERVER_TRUSTED_PROXIES", "")
    group.add_argument(
        "--trusted-proxy",
        dest="trusted_proxies",
        action="append",
        default=[p for p in proxies.split(",") if p.strip()],
        metavar="ADDRESS",
        help="a reverse proxy (address or network, e.g. 127.0.0.1 or 10.0.0.0/8) whose "
        "X-Forwarded-For names the client; repeatable. By default none: the TCP peer is the "
        "client (env TJ_SERVER_TRUSTED_PROXIES, comma-separated)",
    )
    costs = os.environ.get("TJ_SERVER_UNKNOWN_NAME_COSTS")
    group.add_argument(
        "--unknown-name-costs",
        dest="unknown_name_costs",
        type=parse_costs,
        default=parse_costs(costs) if costs else defaults.unknown_name_costs,
        metavar="OPS:MEM:WEIGHT,...",
        help="the Argon2id costs (opslimit, memlimit in bytes, weight) a username without an "
        "account is told, each with probability weight/total; list every cost your clients "
        "use, weighted like their share of accounts (default "
        + ",".join(f"{o}:{m}:{w}" for o, m, w in defaults.unknown_name_costs)
        + "; env TJ_SERVER_UNKNOWN_NAME_COSTS)",
    )


def parse_costs(text: str) -> tuple[tuple[int, int, int], ...]:
    """`OPSLIMIT:MEMLIMIT:WEIGHT[,...]` (memlimit in bytes) as Settings.unknown_name_costs."""
    costs = []
    for item in text.split(","):
        parts = item.strip().split(":")
        if len(parts) != 3 or not all(part.strip().isdigit() for part in parts):
            raise argparse.ArgumentTypeError(
                f"{item.strip()!r} is not OPSLIMIT:MEMLIMIT:WEIGHT (e.g. 3:268435456:1)"
            )
        opslimit, memlimit, weight = (int(part) for part in parts)
        costs.append((opslimit, memlimit, weight))
    return tuple(costs)


def settings_from(args: argparse.Namespace) -> Settings:
    values = {field: getattr(args, field) for _, field, _ in LIMIT_OPTIONS}
    try:
        return Settings(
            trusted_proxies=tuple(args.trusted_proxies),
            unknown_name_costs=args.unknown_name_costs,
            **values,
        )
    except ValueError as error:
        raise SystemExit(f"tj-server: {error}") from None


if __name__ == "__main__":
    main()
