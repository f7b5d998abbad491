"""A request body costs the server only what it is worth (R9 findings 5 and 14): a body
that never arrives is answered 408 and its connection closed, and decoding one can neither
make the server allocate far more memory than its size nor block the event loop for long."""

from __future__ import annotations

import asyncio
import io
import os
import time
import zlib
from pathlib import Path

import aiohttp
import msgpack

from client_sdk import wire
from server.service import Settings
from tests.e2e.test_server_restart import ServerProcess
from tests.server.raw import RawClient, signed_signup
from tests.server.samples import BODY_ROUTES
from tests.server.servers import serving

MiB = 1024 * 1024
PRELOGIN_HEADERS = (
    b"POST /v1/auth/prelogin HTTP/1.1\r\nHost: x\r\nContent-Type: application/msgpack\r\n"
)
# Public endpoints take small bodies only, and never compressed (REV-SRV F4): the tests of
# large and compressed bodies use a signed-in endpoint whose message is as small.
LIST_PATH = "/v1/devices/list"
LIST = msgpack.packb({})  # a ListRequest


async def signed_in(url: str, username: str = "ana") -> str:
    """The session token of a new account (a raw signup: no Argon2id)."""
    async with aiohttp.ClientSession() as session:
        answer = await RawClient(session, url).call("/v1/auth/signup", signed_signup(username))
        assert answer.status == 200, answer.value()
        token: str = answer.value()["token"]
        return token


def list_headers(token: str) -> bytes:
    """The request line and headers of a LIST_PATH call, up to the body's own headers."""
    return (
        f"POST {LIST_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/msgpack\r\n"
        f"Authorization: Bearer {token}\r\n"
    ).encode()


async def answer_to_a_stalled_body(
    port: int, deadline_s: float, sent: bytes = b"\x81"
) -> tuple[bytes, float]:
    """Headers announcing 100 bytes, `sent` of the body, then silence: the answer's first
    bytes and the time it took."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    started = time.monotonic()
    try:
        writer.write(PRELOGIN_HEADERS + b"Content-Length: 100\r\n\r\n" + sent)
        await writer.drain()
        try:
            answer = await asyncio.wait_for(reader.read(65536), deadline_s)
        except TimeoutError:
            answer = b"(no answer)"
        return answer, time.monotonic() - started
    finally:
        writer.close()


async def test_a_body_that_never_arrives_does_not_hold_a_connection_forever(
    tmp_path: Path,
) -> None:
    """R9 finding 14: a request whose headers announce a body that never comes was waited
    for forever (the reviewer's test gave up after 80 s): each such connection held a file
    descriptor and a handler task. Now it is answered 408 `body_timeout` once the body
    deadline passes (here `--body-timeout-ms 1000`, default 60 s) and the connection is
    closed ("Connection: close"; aiohttp reads and drops what still comes for at most its
    10 s lingering time, then closes)."""
    server = ServerProcess(
        tmp_path / "server-data", tmp_path / "server.log", "--body-timeout-ms", "1000"
    )
    await server.start()
    try:
        answer, took = await answer_to_a_stalled_body(server.port, 20)
        nothing, took_nothing = await answer_to_a_stalled_body(server.port, 20, sent=b"")
    finally:
        server.kill()
    assert nothing.startswith(b"HTTP/1.1 408"), nothing[:80]  # not a byte of the body
    assert 0.9 <= took_nothing < 15, took_nothing
    assert answer.startswith(b"HTTP/1.1 408"), answer[:80]
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"connection: close" in head.lower(), head
    assert msgpack.unpackb(body, raw=False)["code"] == "body_timeout"
    assert 0.9 <= took < 15, took  # the deadline, not at once and not much later
    log = (tmp_path / "server.log").read_text()
    assert " ERROR " not in log and "Traceback" not in log, log[-2000:]


async def test_a_public_body_has_a_shorter_deadline_than_a_signed_in_one(
    tmp_path: Path,
) -> None:
    """A stranger could hold a public endpoint's body (up to 64 KiB, no session needed) for
    the whole body timeout (a minute by default), on as many connections as it opened. A
    public body now has its own deadline (`--public-body-timeout-ms`, 10 s by default, here
    1 s with the body timeout at a minute): a stalled prelogin body is answered 408
    `body_timeout` and its connection closed while a signed-in body stalled at the same
    moment, on the same server, is still waited for."""
    assert Settings().public_body_timeout_ms < Settings().body_timeout_ms
    async with serving(tmp_path, body_timeout_ms=60_000, public_body_timeout_ms=1000) as server:
        port = int(server.url.rsplit(":", 1)[1])
        token = await signed_in(server.url)
        signed = await asyncio.open_connection("127.0.0.1", port)
        public = await asyncio.open_connection("127.0.0.1", port)
        try:
            signed[1].write(list_headers(token) + b"Content-Length: 100\r\n\r\n\x81")
            public[1].write(PRELOGIN_HEADERS + b"Content-Length: 100\r\n\r\n\x81")
            await asyncio.gather(signed[1].drain(), public[1].drain())
            answer = await asyncio.wait_for(public[0].read(65536), 30)  # a hang: a failure
            answered = server.log_file.read_text().count("-> 408 body_timeout")
        finally:
            for _, writer in (signed, public):
                writer.close()
    assert answer.startswith(b"HTTP/1.1 408"), answer[:80]
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"connection: close" in head.lower(), head
    assert msgpack.unpackb(body, raw=False)["code"] == "body_timeout"
    assert answered == 1  # the prelogin's: the signed-in body keeps its minute


async def test_a_trickled_body_does_not_stretch_its_deadline(tmp_path: Path) -> None:
    """A client sending one byte every 0.2 s keeps its body arriving but far below the
    rate the deadline asks for (a MiB per `body_timeout_ms`): 408 all the same."""
    async with serving(tmp_path, body_timeout_ms=1000) as server:
        port = int(server.url.rsplit(":", 1)[1])
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        started = time.monotonic()
        writer.write(PRELOGIN_HEADERS + b"Content-Length: 100\r\n\r\n")
        answer = b""
        for _ in range(100):
            writer.write(b"\xc0")
            await writer.drain()
            try:
                answer = await asyncio.wait_for(reader.read(200), 0.2)
                break
            except TimeoutError:
                continue
        writer.close()
        took = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408"), answer[:80]
    assert took < 10, took


async def test_a_large_body_on_a_slow_link_gets_time_in_proportion(tmp_path: Path) -> None:
    """The deadline grows by `body_timeout_ms` for each MiB received, so an honest large
    body on a slow link is read whole: here 3 MiB in 1 MiB pieces 0.7 s apart (2.1 s in
    all) against a 1 s timeout, answered by the endpoint's own check, not 408."""
    body = msgpack.packb({"padding": bytes(3 * MiB - 40)})
    async with serving(tmp_path, body_timeout_ms=1000) as server:
        token = await signed_in(server.url)
        port = int(server.url.rsplit(":", 1)[1])
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(list_headers(token) + f"Content-Length: {len(body)}\r\n\r\n".encode())
        for start in range(0, len(body), MiB):
            await asyncio.sleep(0.7)
            writer.write(body[start : start + MiB])
            await writer.drain()
        answer = await asyncio.wait_for(reader.read(200), 10)
        writer.close()
    assert answer.startswith(b"HTTP/1.1 400"), answer[:80]  # an unknown field, read in full
    assert b"invalid_field" in answer
    assert len(body) > 2 * MiB and wire.MAX_BODY_BYTES > len(body)


def peak_memory_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM")


def many(count: int, item: bytes) -> bytes:
    """A msgpack array32 of `count` copies of the one-value encoding `item`."""
    return b"\xdd" + count.to_bytes(4, "big") + item * count


def bombs() -> dict[str, tuple[str, bytes]]:
    """Bodies within the 16 MiB limit that hold millions of values, each for an endpoint
    that takes 16 MiB (a signed-in one: public endpoints take 64 KiB at most since REV-SRV
    F4, see test_public_endpoints_refuse_large_and_compressed_bodies_unread): endpoint and
    body. (Shapes nested in a message's lists are in tests/core/test_wire_decoding.py.)"""
    room = wire.MAX_BODY_BYTES - 64
    return {
        "empty maps": ("/v1/devices/list", many(room, b"\x80")),  # the reviewer's
        "empty arrays": ("/v1/journals/list", many(room, b"\x90")),
        "negative ints": ("/v1/sync", many(room // 2, b"\xd0\x80")),
        "short strings": ("/v1/records/push", many(room // 3, b"\xa2ab")),
        "a map of them": (
            "/v1/account/identity",
            b"\x81\xa8username" + many(room // 3, b"\xa2ab"),
        ),
    }


async def test_a_body_within_the_size_limit_cannot_make_the_server_allocate_gigabytes(
    tmp_path: Path,
) -> None:
    """R9 finding 5: msgpack was decoded whole (msgpack.unpackb) before any field was
    checked, so a 16 MiB body of 16 million empty maps became 16 million dicts: 1.2 GB of
    the server's memory for one unauthenticated POST, and the event loop blocked for
    seconds. Now a value is built only where the message's schema has one, after each
    list's size is checked: every shape of such a body is refused at once, the server's
    peak memory grows by a small multiple of the body, and other clients keep being
    served. (Public endpoints now refuse such a body unread, REV-SRV F4: the bodies go to
    signed-in endpoints here.)"""
    server = ServerProcess(tmp_path / "server-data", tmp_path / "server.log")
    await server.start()
    try:
        assert server._process is not None
        pid = server._process.pid
        token = await signed_in(server.url)
        async with aiohttp.ClientSession() as session:
            await health(session, server.url)  # warm: the first request's own allocations
            before = peak_memory_kib(pid)
            for name, (path, bomb) in bombs().items():
                assert len(bomb) <= wire.MAX_BODY_BYTES, name
                started = time.monotonic()
                async with session.post(
                    server.url + path,
                    data=io.BytesIO(bomb),
                    headers={
                        "Content-Type": "application/msgpack",
                        "Authorization": f"Bearer {token}",
                    },
                ) as response:
                    answer = msgpack.unpackb(await response.read(), raw=False)
                    assert response.status in (400, 413), (name, response.status, answer)
                    assert answer["code"] in ("invalid_field", "too_large"), (name, answer)
                took = time.monotonic() - started
                assert took < 10, (name, took)
                grown_mib = (peak_memory_kib(pid) - before) / 1024
                assert grown_mib < 128, (
                    f"one 16 MiB body ({name}) made the server's peak "
                    f"memory grow by {grown_mib:.0f} MiB"
                )
            await health(session, server.url)
    finally:
        server.kill()
    log = (tmp_path / "server.log").read_text()
    assert " ERROR " not in log and "Traceback" not in log, log[-2000:]


async def health(session: aiohttp.ClientSession, url: str) -> None:
    async with session.post(
        url + "/v1/health", data=b"\x80", headers={"Content-Type": "application/msgpack"}
    ) as response:
        assert response.status == 200


# --- compressed bodies (R9B findings 1 and 10) ----------------------------------------------


def compressed(data: bytes, wbits: int) -> bytes:
    """`data` as one gzip (wbits 31), zlib (15) or raw deflate (-15) stream."""
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    return packer.compress(data) + packer.flush()


async def test_a_compressed_body_gets_its_deadline_from_the_bytes_on_the_wire(
    tmp_path: Path,
) -> None:
    """R9B finding 1: the deadline grew by `body_timeout` per MiB *inflated*. A gzip body
    that inflates 16 times (within the inflation bound, so it is not refused for its size):
    6 MiB inflated from about 400 KB on the wire, then silence. Its deadline is 1 s plus 1 s
    per MiB on the wire (about 1.4 s), not 7 s: it is answered 408."""
    block = os.urandom(64 * 1024) + bytes(MiB - 64 * 1024)  # inflates about 16 times
    async with serving(tmp_path, body_timeout_ms=1000) as server:
        token = await signed_in(server.url)
        port = int(server.url.rsplit(":", 1)[1])
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            list_headers(token) + b"Content-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        packer, sent = zlib.compressobj(9, zlib.DEFLATED, 31), 0
        for _ in range(6):
            chunk = packer.compress(block) + packer.flush(zlib.Z_SYNC_FLUSH)
            writer.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            sent += len(chunk)
        await writer.drain()
        started = time.monotonic()
        answer = await asyncio.wait_for(reader.read(65536), 30)
        took = time.monotonic() - started
        writer.close()
    assert sent < 6 * MiB / 10, sent
    assert answer.startswith(b"HTTP/1.1 408") and b"body_timeout" in answer, answer[:200]
    assert took < 1.0 + sent / MiB + 2.5, took  # 7 s when inflated bytes stretched it


async def test_a_body_that_inflates_past_its_bound_is_refused_and_never_held(
    tmp_path: Path,
) -> None:
    """A body may inflate to 32 times its wire bytes plus 1 MiB: 4 KB of gzipped zeros that
    inflate to 4 MiB are 413 `too_large` at once (the rest is not inflated), and the
    connection is closed; the same zeros sent plain are read (and refused for their field)."""
    zeros = msgpack.packb({"padding": bytes(4 * MiB)})
    async with serving(tmp_path) as server, aiohttp.ClientSession() as session:
        token = await signed_in(server.url)
        signed = {"Authorization": f"Bearer {token}"}
        headers = {"Content-Type": "application/msgpack", "Content-Encoding": "gzip", **signed}
        gzipped = compressed(zeros, 31)
        assert len(gzipped) < 16 * 1024
        async with session.post(server.url + LIST_PATH, data=gzipped, headers=headers) as response:
            refused = msgpack.unpackb(await response.read())
            assert (response.status, refused["code"]) == (413, "too_large"), refused
            assert "32 times" in refused["message"]
            assert response.headers.get("Connection", "").lower() == "close"
        plain_headers = {"Content-Type": "application/msgpack", **signed}
        async with session.post(
            server.url + LIST_PATH, data=io.BytesIO(zeros), headers=plain_headers
        ) as response:
            assert response.status == 400
            assert msgpack.unpackb(await response.read())["code"] == "invalid_field"


async def test_gzip_and_deflate_bodies_are_inflated_and_broken_ones_refused(
    tmp_path: Path,
) -> None:
    """The server inflates request bodies itself (aiohttp's decoding is off): gzip, x-gzip,
    deflate in the zlib format (RFC 9110) and raw deflate are read; a stream cut short, one
    with bytes after it, or bytes that are no stream are 400 `malformed_body`."""
    whole = {
        "gzip": compressed(LIST, 31),
        "x-gzip": compressed(LIST, 31),
        "deflate": compressed(LIST, 15),
        "Deflate": compressed(LIST, -15),  # raw deflate, and the coding in capitals
    }
    broken = [
        ("gzip", compressed(LIST, 31)[:-6]),
        ("gzip", compressed(LIST, 31) + b"tail"),
        ("gzip", compressed(LIST, 31) * 2),
        ("deflate", b"\x78\x9cnot deflate at all"),
        ("gzip", LIST),
    ]
    async with serving(tmp_path) as server, aiohttp.ClientSession() as session:
        token = await signed_in(server.url)
        for coding, data in whole.items():
            headers = {
                "Content-Type": "application/msgpack",
                "Content-Encoding": coding,
                "Authorization": f"Bearer {token}",
            }
            async with session.post(server.url + LIST_PATH, data=data, headers=headers) as response:
                assert response.status == 200, (coding, await response.read())
        for coding, data in broken:
            headers = {
                "Content-Type": "application/msgpack",
                "Content-Encoding": coding,
                "Authorization": f"Bearer {token}",
            }
            async with session.post(server.url + LIST_PATH, data=data, headers=headers) as response:
                answer = msgpack.unpackb(await response.read())
                assert (response.status, answer["code"]) == (400, "malformed_body"), data


async def test_every_coding_the_server_does_not_inflate_gets_the_error_reply(
    tmp_path: Path,
) -> None:
    """R9B finding 10: br and zstd got aiohttp's own text/plain 400 naming its libraries.
    Every endpoint answers them, like any coding it does not take, 415
    `unsupported_media_type` in an ErrorReply, before the body is read."""
    async with serving(tmp_path) as server, aiohttp.ClientSession() as session:
        for path in BODY_ROUTES:
            for coding in ("br", "zstd", "compress", "gzip, br"):
                headers = {"Content-Type": "application/msgpack", "Content-Encoding": coding}
                async with session.post(server.url + path, data=b"\x80", headers=headers) as got:
                    assert got.content_type == "application/msgpack", (path, coding)
                    answer = msgpack.unpackb(await got.read())
                    assert (got.status, answer["code"]) == (415, "unsupported_media_type"), (
                        path,
                        coding,
                    )
    log = server.log_file.read_text(encoding="utf-8", errors="replace")
    assert "Error handling request" not in log and "Traceback" not in log, log[-2000:]


async def first_answer(port: int, request: bytes) -> bytes:
    """What the server answers to `request` (headers and part of a body at most), within 5 s."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        await writer.drain()
        return await asyncio.wait_for(reader.read(65536), 5)
    finally:
        writer.close()


async def test_public_endpoints_refuse_large_and_compressed_bodies_unread(
    tmp_path: Path,
) -> None:
    """REV-SRV F4: every public endpoint read a body of up to 16 MiB, and inflated gzip up
    to 32 times its bytes on the wire, for a stranger who then stalled: 40 connections held
    675 MiB for 90 s. Now each takes at most its messages' size (`/v1/health` 1 KiB, the
    `/v1/auth/*` ones 64 KiB, routes.BODY_LIMITS): a larger Content-Length is 413
    `too_large` before a byte of the body is read, a larger chunked body as soon as it
    passes, and any Content-Encoding but identity is 415 `unsupported_media_type` unread;
    each closes the connection. The messages themselves still pass."""
    public = {"/v1/health": 1024, **{f"/v1/auth/{p}": 64 * 1024 for p in ("prelogin", "signup", "challenge", "login", "recover")}}  # fmt: skip
    async with serving(tmp_path) as server:
        port = int(server.url.rsplit(":", 1)[1])
        for path, limit in public.items():
            head = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/msgpack\r\n"
            stalled = await first_answer(
                port, (head + f"Content-Length: {16 * MiB}\r\n\r\n").encode() + b"\x81"
            )
            assert stalled.startswith(b"HTTP/1.1 413"), (path, stalled[:200])
            assert b"too_large" in stalled and b"connection: close" in stalled.lower()
            chunked = await first_answer(
                port,
                (head + "Transfer-Encoding: chunked\r\n\r\n").encode()
                + f"{limit + 1:x}\r\n".encode()
                + bytes(limit + 1),
            )
            assert chunked.startswith(b"HTTP/1.1 413"), (path, chunked[:200])
            gzipped = gzip_bomb()
            for coding in ("gzip", "deflate", "x-gzip"):
                inflating = await first_answer(
                    port,
                    (head + f"Content-Encoding: {coding}\r\n").encode()
                    + f"Content-Length: {len(gzipped)}\r\n\r\n".encode()
                    + gzipped[: len(gzipped) // 2],
                )
                assert inflating.startswith(b"HTTP/1.1 415"), (path, coding, inflating[:200])
                assert b"unsupported_media_type" in inflating
                assert b"connection: close" in inflating.lower()
        async with aiohttp.ClientSession() as session:
            await health(session, server.url)
            raw = RawClient(session, server.url)
            assert (await raw.call("/v1/auth/signup", signed_signup("ana"))).status == 200
            assert (await raw.call("/v1/auth/prelogin", {"username": "ana"})).status == 200
    log = server.log_file.read_text(encoding="utf-8", errors="replace")
    assert " ERROR " not in log and "Traceback" not in log, log[-2000:]


def gzip_bomb() -> bytes:
    """A gzip body of 16 MiB of zeros (about 16 KB)."""
    return compressed(bytes(16 * MiB), 31)
