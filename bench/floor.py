"""This machine's floor for the sync benchmark: what the work costs with nothing of ours around it.

- `floor_push_s`: for N records of the benchmark's size, sign with Ed25519, pad and seal with
  XChaCha20-Poly1305 (PyNaCl, as records.py does), and store them in SQLite (WAL mode, like
  the client's store), one transaction per batch of 1,000.
- `floor_pull_s`: open, unpad, verify and store the same records, one transaction per batch.
- `floor_write_each_s`: the push floor's work with one transaction per record instead (WAL,
  `synchronous=NORMAL`, as the client's store commits each `write()` before it returns): the
  floor of a write loop in which every write is durable when it returns, what `write_s`
  measures.
- `floor_commit_ms`: the median of one durable SQLite commit of one small row (WAL,
  `synchronous=FULL`, as the server commits a push before it answers and announces it):
  the floor of live propagation, which waits for one.
- `commit_samples_ms`: the same commit, many times at a given pace, for a median and a p99
  (bench.live prints them beside live propagation, which waits for one such commit);
- `floor_rtt_ms`: the median of one HTTP round trip to the running server on loopback (an
  aiohttp request that the server answers without touching its database).
- `floor_ws_rtt_ms`: the median of one WebSocket round trip on the running server's open live
  channel (`/v1/live`): a ping frame of the client and the server's pong (its outbox and
  sender task, as a notice; no database), on one connection opened once: the floor of a
  request answered over a socket already open instead of a new HTTP request.
"""

from __future__ import annotations

import sqlite3
import statistics
import time
from pathlib import Path

import aiohttp
import msgpack
import nacl.bindings as sodium
import nacl.signing
import nacl.utils

BATCH = 1000


def _sealed_records(count: int, body_bytes: int) -> tuple[float, list[tuple[bytes, bytes, bytes]]]:
    key = nacl.utils.random(32)
    signing_key = nacl.signing.SigningKey.generate()
    records = []
    start = time.perf_counter()
    for _ in range(count):
        record_id = nacl.utils.random(16)
        body = nacl.utils.random(body_bytes)
        signature = signing_key.sign(record_id + body).signature
        plaintext = sodium.sodium_pad(msgpack.packb([body, signature]), 256)
        nonce = nacl.utils.random(24)
        sealed = nonce + sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
            plaintext, record_id, nonce, key
        )
        records.append((record_id, sealed, key + bytes(signing_key.verify_key)))
    return time.perf_counter() - start, records


def _database(path: Path, synchronous: str) -> sqlite3.Connection:
    db = sqlite3.connect(str(path), isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(f"PRAGMA synchronous={synchronous}")
    db.execute("CREATE TABLE records (record_id BLOB PRIMARY KEY, data BLOB NOT NULL)")
    return db


def _store(db: sqlite3.Connection, rows: list[tuple[bytes, bytes]]) -> float:
    start = time.perf_counter()
    for first in range(0, len(rows), BATCH):
        db.execute("BEGIN IMMEDIATE")
        db.executemany("INSERT INTO records VALUES (?, ?)", rows[first : first + BATCH])
        db.execute("COMMIT")
    return time.perf_counter() - start


def floor_push_pull_s(count: int, body_bytes: int, work: Path) -> tuple[float, float]:
    """(push floor, pull floor) in seconds for `count` records of `body_bytes` each."""
    seal_s, records = _sealed_records(count, body_bytes)
    push_db = _database(work / "floor-push.db", "NORMAL")
    push_s = seal_s + _store(push_db, [(record_id, sealed) for record_id, sealed, _ in records])
    push_db.close()
    pull_db = _database(work / "floor-pull.db", "NORMAL")
    start = time.perf_counter()
    opened = []
    for record_id, sealed, keys in records:
        key, verify_key = keys[:32], nacl.signing.VerifyKey(keys[32:])
        plaintext = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
            sealed[24:], record_id, sealed[:24], key
        )
        body, signature = msgpack.unpackb(sodium.sodium_unpad(plaintext, 256))
        verify_key.verify(record_id + body, signature)
        opened.append((record_id, body))
    open_s = time.perf_counter() - start
    pull_s = open_s + _store(pull_db, opened)
    pull_db.close()
    return push_s, pull_s


def floor_write_each_s(count: int, body_bytes: int, work: Path) -> float:
    """Seconds to seal and sign `count` records of `body_bytes` each and store each in its own
    SQLite transaction (BEGIN IMMEDIATE, one INSERT, COMMIT; WAL, synchronous=NORMAL)."""
    seal_s, records = _sealed_records(count, body_bytes)
    path = work / "floor-write-each.db"
    db = _database(path, "NORMAL")
    try:
        start = time.perf_counter()
        for record_id, sealed, _ in records:
            db.execute("BEGIN IMMEDIATE")
            db.execute("INSERT INTO records VALUES (?, ?)", (record_id, sealed))
            db.execute("COMMIT")
        return seal_s + time.perf_counter() - start
    finally:
        db.close()


def floor_commit_ms(work: Path, rounds: int = 100) -> float:
    """Median milliseconds of one durable commit (WAL, synchronous=FULL) of one ~1.6 KB row."""
    return statistics.median(commit_samples_ms(work, rounds))


def commit_samples_ms(work: Path, rounds: int, pause_s: float = 0.0) -> list[float]:
    """Milliseconds of each of `rounds` durable commits (WAL, synchronous=FULL) of one ~1.6 KB
    row in a new database under `work`, `pause_s` seconds apart (the live benchmark's pace:
    a disk idle between commits may answer an fsync more slowly than one kept busy)."""
    path = work / "floor-commit.db"
    db = _database(path, "FULL")
    samples = []
    try:
        for _ in range(rounds):
            time.sleep(pause_s)
            row = (nacl.utils.random(16), nacl.utils.random(1600))
            start = time.perf_counter()
            db.execute("BEGIN IMMEDIATE")
            db.execute("INSERT INTO records VALUES (?, ?)", row)
            db.execute("COMMIT")
            samples.append((time.perf_counter() - start) * 1000)
    finally:
        db.close()
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
    return samples


def filesystem_of(path: Path) -> str:
    """The type of the file system `path` is on (/proc/self/mounts: the longest mount point
    that holds it), e.g. "ext4" or "tmpfs"; "" where unknown."""
    resolved, found, kind = str(path.resolve()), "", ""
    try:
        with open("/proc/self/mounts", encoding="utf-8") as mounts:
            for line in mounts:
                fields = line.split()
                point = fields[1].replace("\\040", " ")
                inside = resolved == point or resolved.startswith(point.rstrip("/") + "/")
                if inside and len(point) >= len(found):
                    found, kind = point, fields[2]
    except OSError:
        return ""
    return kind


async def floor_rtt_ms(url: str, rounds: int = 200) -> float:
    """Median loopback HTTP round trip to the server's health endpoint, in milliseconds."""
    samples = []
    async with aiohttp.ClientSession() as session:
        for _ in range(rounds):
            start = time.perf_counter()
            async with session.post(
                url + "/v1/health", data=b"\x80", headers={"Content-Type": "application/msgpack"}
            ) as reply:
                await reply.read()
            samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


async def floor_ws_rtt_ms(url: str, token: str, rounds: int = 200) -> float:
    """Median loopback WebSocket round trip (a ping and its pong) on the server's live channel,
    opened once with the session `token`, in milliseconds."""
    samples = []
    headers = {"Authorization": f"Bearer {token}"}
    live = "ws" + url.removeprefix("http") + "/v1/live"
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(live, headers=headers, autoping=False) as socket:
            await socket.receive()  # the server's hello notice
            for index in range(rounds):
                payload = index.to_bytes(4, "big")
                start = time.perf_counter()
                await socket.ping(payload)
                while True:  # a ping of the server's own (every heartbeat) is left unanswered
                    message = await socket.receive()
                    if message.type == aiohttp.WSMsgType.PONG and message.data == payload:
                        break
                    if message.type not in (aiohttp.WSMsgType.PING, aiohttp.WSMsgType.BINARY):
                        raise RuntimeError(f"the live channel closed: {message.type!r}")
                samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)
