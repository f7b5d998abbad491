"""`tj-server` / `python -m server`: run the sync server on SQLite under a data directory."""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

from aiohttp import web
from nacl.pwhash import argon2id

from server.app import create_app
from server.service import Settings

ACCESS_LOG_FORMAT = '%a "%r" %s %b %Tfs'  # no headers: tokens travel in Authorization


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="tj-server", description=__doc__)
    parser.add_argument(
        "--data",
        default=os.environ.get("TJ_SERVER_DATA", "tj-server-data"),
        help="directory holding the SQLite database (created if missing)",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8765, help="port to listen on")
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING or ERROR")
    # TEST ONLY (hidden from --help): accept the weakest Argon2id cost so end-to-end tests run
    # fast. Never use it for real accounts: it lets clients register trivially crackable keys.
    parser.add_argument(
        "--insecure-test-kdf",
        action="store_true",
        default=os.environ.get("TJ_SERVER_INSECURE_TEST_KDF") == "1",
        help=argparse.SUPPRESS,
    )
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    data = Path(args.data)
    data.mkdir(parents=True, exist_ok=True)
    os.chmod(data, 0o700)
    app = create_app(data, settings=insecure_test_settings() if args.insecure_test_kdf else None)
    web.run_app(
        app,
        host=args.host,
        port=args.port,
        access_log_format=ACCESS_LOG_FORMAT,
        print=lambda message: logging.getLogger("tj.server").info(
            "listening on http://%s:%s (data in %s)", args.host, args.port, data
        ),
    )


def insecure_test_settings() -> Settings:
    """TEST ONLY: Settings that accept libsodium's minimum Argon2id cost."""
    logging.getLogger("tj.server").warning(
        "--insecure-test-kdf: accepting the weakest Argon2id cost; for tests only"
    )
    return Settings(min_opslimit=argon2id.OPSLIMIT_MIN, min_memlimit=argon2id.MEMLIMIT_MIN)


if __name__ == "__main__":
    main()
