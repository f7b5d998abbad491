"""REV-SRV: what a real `python -m server` (DEBUG logs) writes to its log and its files after
an SDK workload and a barrage of malformed requests of every kind (HTTP and WebSocket).

Checked: no ERROR line or traceback for any client mistake; no token, password, recovery
key, journal text, title or username-password pair in the log; no plaintext, password or
recovery key in the database files. (The REV-SRV reviewer's sweep; it failed then only
because of F2, a non-UTF-8 Bearer token's 500 and traceback.)"""

from __future__ import annotations

import asyncio
import base64
import os
from pathlib import Path
from urllib.parse import urlsplit

import msgpack

from client_sdk import INSECURE_TEST_COST, Client
from tests.e2e.test_server_restart import ServerProcess

PASSWORD = "Secret-Passw0rd-revsrv"
TEXT = "PLAINTEXT-MARKER-revsrv-entry"
TITLE = "TITLE-MARKER-revsrv"


async def raw_http(host: str, port: int, request: bytes, wait: float = 2.0) -> bytes:
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(request)
    await writer.drain()
    try:
        return await asyncio.wait_for(reader.read(65536), wait)
    except (TimeoutError, ConnectionError):
        return b""
    finally:
        writer.close()


def post(path: bytes, body: bytes, *extra: bytes, token: str | None = None) -> bytes:
    headers = [b"POST " + path + b" HTTP/1.1", b"Host: x", b"Content-Type: application/msgpack"]
    if token:
        headers.append(b"Authorization: Bearer " + token.encode())
    headers += list(extra)
    if not any(h.lower().startswith((b"content-length", b"transfer-encoding")) for h in extra):
        headers.append(b"Content-Length: " + str(len(body)).encode())
    return b"\r\n".join(headers) + b"\r\n\r\n" + body


async def test_logs_and_files_after_a_workload_and_malformed_requests(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "data", tmp_path / "server.log", "--log-level", "DEBUG")
    await server.start()
    parts = urlsplit(server.url)
    host, port = parts.hostname, parts.port
    assert host and port
    try:
        ana = await Client.signup(
            server.url,
            "ana",
            PASSWORD,
            home=tmp_path / "ana",
            device_name="laptop",
            kdf_cost=INSECURE_TEST_COST,
        )
        ben = await Client.signup(
            server.url,
            "ben",
            PASSWORD,
            home=tmp_path / "ben",
            device_name="laptop",
            kdf_cost=INSECURE_TEST_COST,
        )
        recovery = ana.recovery_key or ""
        await ana.entries.write(None, TEXT)
        await ana.journals.create(TITLE)
        await ana.sync()
        await ana.shares.grant("Personal", "ben", trust_on_first_use=True, full=True)
        await ben.sync()
        token = ana.profile.token
        journal = bytes.fromhex((await ana.journals.get("Personal")).id)

        bad: list[bytes] = [
            post(b"/v1/sync", b"\xc1", token=token),  # never-used msgpack byte
            post(b"/v1/sync", msgpack.packb({"cursors": "x", "limit": 1}), token=token),
            post(b"/v1/sync", msgpack.packb({"cursors": [], "limit": 2**64 - 1}), token=token),
            post(b"/v1/sync", msgpack.packb({"cursors": [], "limit": -1}), token=token),
            post(
                b"/v1/sync",
                msgpack.packb({"cursors": [{"journal_id": journal, "after": -5}], "limit": 5}),
                token=token,
            ),
            post(
                b"/v1/sync",
                msgpack.packb({"cursors": [{"journal_id": journal, "after": 2**63}], "limit": 5}),
                token=token,
            ),
            post(
                b"/v1/sync",
                msgpack.packb({"cursors": [], "limit": 5, "after_journal": b"\xff" * 16}),
                token=token,
            ),
            post(b"/v1/sync", msgpack.packb({"cursors": [], "limit": 1.5}), token=token),
            post(b"/v1/sync", msgpack.packb({"cursors": [], "limit": True}), token=token),
            post(
                b"/v1/sync",
                msgpack.packb({"cursors": [], "limit": 5, "x": msgpack.ExtType(5, b"a")}),
                token=token,
            ),
            post(
                b"/v1/records/push",
                msgpack.packb(
                    {
                        "journal_id": journal,
                        "records": [
                            {"record_id": b"1" * 16, "epoch": 2**40, "ciphertext": b"x" * 40}
                        ],
                    }
                ),
                token=token,
            ),
            post(
                b"/v1/records/push",
                msgpack.packb({"journal_id": b"short", "records": []}),
                token=token,
            ),
            post(
                b"/v1/records/compact",
                msgpack.packb(
                    {
                        "journal_id": journal,
                        "snapshot": {"record_id": b"2" * 16, "epoch": 0, "ciphertext": b"y" * 40},
                        "supersedes": [b"3" * 16] * 1000,
                    }
                ),
                token=token,
            ),
            post(
                b"/v1/journals/keys",
                msgpack.packb({"journal_id": journal, "from_epoch": 5, "to_epoch": 1, "limit": 1}),
                token=token,
            ),
            post(
                b"/v1/journals/keys",
                msgpack.packb(
                    {"journal_id": journal, "from_epoch": 0, "to_epoch": 2**63 - 1, "limit": 500}
                ),
                token=token,
            ),
            post(b"/v1/journals/list", msgpack.packb({"after": b"\xff" * 24}), token=token),
            post(
                b"/v1/shares/audit",
                msgpack.packb({"journal_id": journal, "after": b"\xff" * 32}),
                token=token,
            ),
            post(b"/v1/auth/prelogin", msgpack.packb({"username": "\u0130" * 30})),
            post(b"/v1/auth/prelogin", msgpack.packb({"username": "a\x00b"})),
            post(b"/v1/auth/prelogin", b"\x81\xa8username\xa3\xff\xfe\xfd"),  # invalid UTF-8 str
            post(
                b"/v1/auth/login",
                msgpack.packb({"username": "ana", "challenge": b"", "signature": b""}),
            ),
            post(b"/v1/auth/challenge", msgpack.packb({"username": "ana", "purpose": "x" * 10000})),
            post(
                b"/v1/account/identity-by-id",
                msgpack.packb({"account_id": b"\x00" * 16}),
                token=token,
            ),
            post(b"/v1/health", b"\x80", b"Content-Encoding: gzip"),  # not gzip
            post(b"/v1/health", b"\x80", b"Content-Encoding: gzip, gzip"),
            post(b"/v1/health", b"\x80", b"Content-Length: -1"),
            post(b"/v1/health", b"\x80", b"Content-Length: 99999999999999999999"),
            post(b"/v1/health", b"", b"Transfer-Encoding: chunked") + b"zz\r\n\x80\r\n0\r\n\r\n",
            post(b"/v1/health", b"", b"Transfer-Encoding: chunked") + b"ffffffffffffffff\r\n\x80",
            post(b"/v1/sync", b"\x80", token="t\x01ken"),
            post(b"/v1/sync", b"\x80", b"Authorization: Bearer " + "\u00e9".encode("latin-1") * 20),
            post(b"/v1/sync", b"\x80", b"Authorization: Bearer " + b"\xff\xfe" * 20),
            post(b"/v1/sync", b"\x80", b"Authorization: Basic YWxhZGRpbjpvcGVuc2VzYW1l"),
            post(b"/v1/h\xffealth", b"\x80"),
            post(b"/v1/%ff%fe", b"\x80"),
            post(b"/v1/health?x=\xff", b"\x80"),
            post(b"//v1/health", b"\x80"),
            post(b"/v1/health/../auth/prelogin", b"\x80"),
            post(b"/v1/health", b"\x80", b"Expect: 100-continue"),
            post(b"/v1/health", b"\x80", b"X-Forwarded-For: \xff, ::::1, 999.1.1.1"),
            post(b"/v1/health", b"\x80", b"X-Long: " + b"a" * 9000),
            post(b"/v1/health", b"\x80", b"Content-Type: application/msgpack; charset=\xff"),
            b"GET /v1/health HTTP/1.0\r\n\r\n",
            b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
            b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + os.urandom(64),  # TLS hello
            b"GET /v1/live HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: "
            + base64.b64encode(os.urandom(16))
            + b"\r\nSec-WebSocket-Version: 8\r\n"
            b"Authorization: Bearer " + token.encode() + b"\r\n\r\n",
            b"GET /v1/live HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n"
            b"Authorization: Bearer " + token.encode() + b"\r\n\r\n",
            b"GET /v1/sync HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: "
            + base64.b64encode(os.urandom(16))
            + b"\r\nSec-WebSocket-Version: 13\r\n"
            b"Authorization: Bearer " + token.encode() + b"\r\n\r\n",
            b"GET /v1/live?records=1&x=\xff HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: "
            + base64.b64encode(os.urandom(16))
            + b"\r\nSec-WebSocket-Version: 13\r\n"
            b"Authorization: Bearer nope\r\n\r\n",
        ]
        answers = [await raw_http(host, port, request) for request in bad]
        statuses = [a.split(b"\r\n", 1)[0] for a in answers]
        # A live socket that sends garbage frames: unmasked, reserved opcode, bad close code.
        for frame in (
            b"\x81\x05hello",
            b"\x83\x80abcd",
            b"\x88\x82abcd" + bytes([0x03 ^ 0x61, 0xE7 ^ 0x62]),
            b"\x81\xff" + (2**63 - 1).to_bytes(8, "big") + b"abcd",
            b"\x01\x80abcd" * 3000,
        ):
            r, w = await asyncio.open_connection(host, port)
            w.write(
                b"GET /v1/live HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                b"Sec-WebSocket-Key: "
                + base64.b64encode(os.urandom(16))
                + b"\r\nSec-WebSocket-Version: 13\r\n"
                b"Authorization: Bearer " + token.encode() + b"\r\n\r\n" + frame
            )
            await w.drain()
            try:
                await asyncio.wait_for(r.read(65536), 2)
            except (TimeoutError, ConnectionError):
                pass
            w.close()
        await asyncio.sleep(1)
        await ana.close()
        await ben.close()
    finally:
        server.kill()

    log = (tmp_path / "server.log").read_text(errors="replace")
    for status, request in zip(statuses, bad, strict=True):
        print(status, request[:60])
    errors = [line for line in log.splitlines() if "ERROR" in line or "Traceback" in line]
    print("\n".join(errors[:40]))
    secrets = {
        "token": token,
        "password": PASSWORD,
        "recovery": recovery,
        "text": TEXT,
        "title": TITLE,
    }
    leaks = {name for name, value in secrets.items() if value and value in log}
    files = b"".join(p.read_bytes() for p in (tmp_path / "data").iterdir() if p.is_file())
    at_rest = {name for name, value in secrets.items() if value and value.encode() in files}
    print("leaks in log:", leaks, "at rest:", at_rest)
    assert not any(s.startswith(b"HTTP/1.1 5") for s in statuses), statuses
    assert not errors
    assert not leaks and not at_rest
