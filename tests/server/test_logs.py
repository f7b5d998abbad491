"""Quiet logs: what a client causes is at most one WARNING line without a traceback and is
rate-limited; DEBUG never logs SQL parameters; used challenges are purged periodically."""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import socket
import time
from pathlib import Path

import aiohttp

from server.logs import ClientFaultFilter
from tests.e2e.test_server_restart import ServerProcess
from tests.server.conftest import Serve
from tests.server.raw import RawClient
from tests.server.servers import login, signup

HANG_BOUND_S = 20.0


def log_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8", errors="replace").splitlines()


def send_with_encoding(url: str, encoding: str, body: bytes) -> tuple[bytes, float]:
    """A prelogin whose body claims `encoding`; returns the answer's first bytes and the
    time it took."""
    host, port = url.removeprefix("http://").split(":")
    started = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=HANG_BOUND_S) as raw:
        raw.sendall(
            b"POST /v1/auth/prelogin HTTP/1.1\r\nHost: x\r\nContent-Type: application/msgpack\r\n"
            + f"Content-Encoding: {encoding}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        answer = raw.recv(200)
    return answer, time.monotonic() - started


async def test_a_bad_content_encoding_is_a_4xx_and_one_warning(
    serve: Serve, tmp_path: Path
) -> None:
    body = b"\x81\xa8username\xa3ana"  # {"username": "ana"}, not compressed
    async with serve() as server:
        for encoding in ("gzip", "deflate", "br", "bogus", "gzip, bogus"):
            answer, took = await asyncio.to_thread(send_with_encoding, server.url, encoding, body)
            assert answer.startswith((b"HTTP/1.1 4", b"HTTP/1.0 4")), (encoding, answer)
            assert took < 5.0, (encoding, took)  # answered at once, not after a timeout
        await asyncio.sleep(0.2)
    lines = log_lines(server.log_file)
    assert not [line for line in lines if " ERROR " in line or "Traceback" in line], lines
    warnings = [line for line in lines if " WARNING " in line]
    assert len(warnings) <= 5, warnings  # at most one line per refused request


async def test_a_flood_of_client_faults_is_rate_limited(
    serve: Serve, tmp_path: Path, raw_session: aiohttp.ClientSession
) -> None:
    async with serve() as server:
        raw = RawClient(raw_session, server.url)
        for _ in range(300):
            answer = await raw.send("/v1/auth/prelogin", b"\xc1 not msgpack")
            assert answer.error() == (400, "malformed_body")
        body = b"\x81\xa8username\xa3ana"
        for _ in range(100):
            await asyncio.to_thread(send_with_encoding, server.url, "gzip", body)
        await asyncio.sleep(0.2)
    lines = log_lines(server.log_file)
    faults = [line for line in lines if "malformed_body" in line or "content-encoding" in line]
    assert len(faults) <= ClientFaultFilter().burst + 1, len(faults)
    assert not [line for line in lines if " ERROR " in line or "Traceback" in line]


def test_the_filter_drops_past_its_burst_and_then_says_how_many() -> None:
    now = [0.0]
    fault_filter = ClientFaultFilter(burst=3, period_s=60.0, clock=lambda: now[0])

    def record(level: int = logging.INFO) -> logging.LogRecord:
        made = logging.LogRecord("tj.server", level, __file__, 1, "POST /x -> 400", None, None)
        made.client_fault = True
        return made

    passed = [fault_filter.filter(record()) for _ in range(10)]
    assert passed == [True] * 3 + [False] * 7
    now[0] = 61.0
    line = record(logging.ERROR)
    assert fault_filter.filter(line)
    assert line.levelname == "WARNING" and "7 similar lines dropped" in line.getMessage()
    other = logging.LogRecord("tj.server", logging.ERROR, __file__, 1, "disk", None, None)
    assert fault_filter.filter(other) and other.levelname == "ERROR"  # not a client's fault


async def test_debug_logs_no_sql_parameters(serve: Serve, tmp_path: Path) -> None:
    """At DEBUG, after a workload, the log holds no token, token hash, key bundle, salt or
    ciphertext (what SQL parameters carry)."""
    root = logging.getLogger()
    captured = io.StringIO()
    handler = logging.StreamHandler(captured)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    async with serve() as server:
        previous = root.level
        root.setLevel(logging.DEBUG)
        root.addHandler(handler)
        logging.getLogger("tests").debug("capture works")
        try:
            ana = await signup(server.url, tmp_path, "ana")
            await ana.entries.write("Personal", "A private line.")
            await ana.sync()
            phone = await login(server.url, tmp_path, "ana", device="phone")
            await phone.sync()
            await phone.entries.write("Personal", "Another private line.")
            await phone.sync()
            await ana.sync()
            secrets = await server.rows("SELECT salt, bundle, login_public_key FROM accounts")
            tokens = [ana.profile.token, phone.profile.token]
            hashes = [row[0] for row in await server.rows("SELECT token_hash FROM devices")]
            records = [row[0] for row in await server.rows("SELECT ciphertext FROM records")]
            for client in (ana, phone):
                await client.close()
        finally:
            root.setLevel(previous)
            root.removeHandler(handler)
    log = captured.getvalue()
    assert "DEBUG tests capture works" in log  # DEBUG lines were captured
    needles = [*tokens, *(hashlib.sha256(t.encode()).hexdigest() for t in tokens)]
    for value in [*hashes, *records, *(v for row in secrets for v in row)]:
        value = bytes(value)
        needles += [value.hex(), repr(value)[2:40], value[:16].hex()]
    leaked = [needle for needle in needles if needle and needle in log]
    assert leaked == []


async def test_used_challenges_are_purged_once_expired_without_a_login(
    serve: Serve, tmp_path: Path
) -> None:
    """Challenges are stateless (nothing is stored for asking one); a login keeps the nonce
    of the challenge it used until one lifetime past the challenge's expiry (60 s + 60 s),
    so that it cannot be replayed, and the periodic purge deletes it then."""
    async with serve(purge_interval_ms=50) as server:
        laptop = await signup(server.url, tmp_path, "ana")
        raw_session = aiohttp.ClientSession()
        raw = RawClient(raw_session, server.url)
        for name in ("ana", "nobody"):
            answer = await raw.call("/v1/auth/challenge", {"username": name, "purpose": "login"})
            assert answer.status == 200
        assert await server.rows("SELECT * FROM used_challenges") == []  # asking stores nothing
        phone = await login(server.url, tmp_path, "ana")
        used = await server.rows("SELECT nonce, keep_until FROM used_challenges")
        assert len(used) == 1 and len(used[0][0]) == 10
        assert used[0][1] == server.clock.now + 120_000  # issued now, lives 60 s, kept 60 s more
        server.clock.now += 120_000
        await asyncio.sleep(0.3)  # several purges run
        assert len(await server.rows("SELECT * FROM used_challenges")) == 1  # not past yet
        server.clock.now += 1
        deadline = time.monotonic() + HANG_BOUND_S
        while await server.rows("SELECT * FROM used_challenges"):
            assert time.monotonic() < deadline, "used challenges were never purged"
            await asyncio.sleep(0.05)
        for client in (laptop, phone):
            await client.close()
        await raw_session.close()


async def test_revoked_device_rows_are_deleted_once_their_token_would_have_expired(
    serve: Serve, tmp_path: Path
) -> None:
    async with serve(purge_interval_ms=50) as server:
        laptop = await signup(server.url, tmp_path, "ana")
        phone = await login(server.url, tmp_path, "ana", device="phone")
        phone_id = phone.profile.device_id
        await laptop.devices.revoke(phone_id.hex())
        await asyncio.sleep(0.3)  # several purges
        query = "SELECT revoked FROM devices WHERE device_id = ?"
        assert len(await server.rows(query, phone_id)) == 1  # still says "revoked" to its token
        server.clock.now += 32 * 24 * 3600 * 1000  # past the 30-day token and a day more
        deadline = time.monotonic() + HANG_BOUND_S
        while await server.rows(query, phone_id):
            assert time.monotonic() < deadline, "the revoked device's row was never deleted"
            await asyncio.sleep(0.05)
        for client in (laptop, phone):
            await client.close()


# --- a hostile client against the log (R9 findings 10 and 11) ---------------------------------


async def raw_bytes(port: int, data: bytes, *, close_early: bool = False) -> bytes:
    """Send `data` on a new connection; the answer's first bytes, or b"" after a reset
    (`close_early`: RST right after sending, in the middle of the request)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        await writer.drain()
        if close_early:
            writer.transport.abort()
            return b""
        try:
            return await asyncio.wait_for(reader.read(65536), 3)
        except TimeoutError:
            return b"(no answer)"
    finally:
        writer.close()


def debug_server(tmp_path: Path) -> ServerProcess:
    """`python -m server --log-level DEBUG`: what a curious operator would run."""
    return ServerProcess(tmp_path / "server-data", tmp_path / "server.log", "--log-level", "DEBUG")


async def test_a_client_that_leaves_in_the_middle_of_its_body_is_not_an_error(
    tmp_path: Path,
) -> None:
    """R9 finding 10: a client that sends headers and part of its body, then resets the
    connection, made the server log `ERROR ... unexpected failure` with a traceback
    (ConnectionResetError out of the body read), outside the flood limit: 30 resets, 30
    tracebacks. It is the client's doing: at most one WARNING line each, rate-limited."""
    server = debug_server(tmp_path)
    await server.start()
    try:
        for _ in range(30):
            await raw_bytes(
                server.port,
                b"POST /v1/auth/prelogin HTTP/1.1\r\nHost: x\r\n"
                b"Content-Type: application/msgpack\r\nContent-Length: 100\r\n\r\n\x81",
                close_early=True,
            )
        await asyncio.sleep(0.5)
        async with aiohttp.ClientSession() as session:  # and the server still serves
            async with session.post(
                server.url + "/v1/health",
                data=b"\x80",
                headers={"Content-Type": "application/msgpack"},
            ) as answer:
                assert answer.status == 200
    finally:
        server.kill()
    lines = log_lines(tmp_path / "server.log")
    errors = [line for line in lines if " ERROR " in line or "Traceback" in line]
    assert not errors, f"{len(errors)} error lines for 30 clients that left: {errors[:2]}"
    gone = [line for line in lines if "client went away" in line]
    assert 1 <= len(gone) <= ClientFaultFilter().burst + 1, len(gone)
    assert all(" WARNING " in line for line in gone), gone[:2]


async def test_the_access_log_never_holds_a_query_string_or_an_echoed_header(
    tmp_path: Path,
) -> None:
    """R9 finding 11: the access log wrote the request line verbatim (`%r`), query string
    included, and aiohttp's LineTooLong echoed the first bytes of an over-long header into
    a WARNING: a token in a URL, or in an oversized Authorization header, reached the log.
    Logged now: method, endpoint, status, size and time; never a byte the client chose."""
    server = debug_server(tmp_path)
    await server.start()
    try:
        ana = await signup(server.url, tmp_path, "ana")
        token = ana.profile.token
        await ana.close()
        answers = [
            await raw_bytes(
                server.port,
                b"POST /v1/health?token=" + token.encode() + b" HTTP/1.1\r\nHost: x\r\n"
                b"Content-Type: application/msgpack\r\nContent-Length: 1\r\n\r\n\x80",
            ),
            await raw_bytes(
                server.port,
                b"POST /v1/devices/list HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                + token.encode()
                + b" " * 9000
                + b"\r\nContent-Type: application/msgpack\r\nContent-Length: 1\r\n\r\n\x80",
            ),
            await raw_bytes(  # a token as the path, and a method of its own
                server.port,
                b"TOKEN" + token[:8].encode() + b" /v1/" + token.encode() + b" HTTP/1.1\r\n"
                b"Host: x\r\nContent-Type: application/msgpack\r\nContent-Length: 1\r\n\r\n\x80",
            ),
        ]
        await asyncio.sleep(0.5)
    finally:
        server.kill()
    assert answers[0].startswith(b"HTTP/1.1 200"), answers[0][:40]
    assert answers[1].startswith((b"HTTP/1.1 4", b"HTTP/1.0 4")), answers[1][:40]
    lines = log_lines(tmp_path / "server.log")
    leaking = [line[:160] for line in lines if token[:8] in line]
    assert not leaking, "the token is in the log:\n" + "\n".join(leaking)
    access = [line for line in lines if "aiohttp.access" in line]
    assert any("POST /v1/health 200" in line for line in access), access
