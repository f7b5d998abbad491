"""Raw HTTP against a live server: hand-made bodies, the error shape, database snapshots.

The SDK never sends a malformed request, so these helpers build the bytes themselves.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import msgpack
import nacl.signing
import nacl.utils

from client_sdk import Client, wire
from server.service import IDENTITY_CONTEXT, frame
from tests.conftest import RunningServer

MSGPACK = "application/msgpack"

# Every code a 4xx answer may carry (server/errors.py and the wire module's WireError codes).
KNOWN_CODES = frozenset(
    {
        "malformed_body",
        "malformed_request",
        "invalid_field",
        "missing_field",
        "invalid_username",
        "invalid_signature",
        "duplicate_record",
        "too_large",
        "auth_required",
        "auth_failed",
        "token_expired",
        "device_revoked",
        "forbidden",
        "not_found",
        "method_not_allowed",
        "conflict",
        "username_taken",
        "journal_exists",
        "record_conflict",
        "stale_epoch",
        "meta_changed",
        "members_changed",
        "unsupported_media_type",
        "journal_quota_exceeded",
        "device_quota_exceeded",
        "storage_quota_exceeded",
        "share_quota_exceeded",
        "login_throttled",
        "write_rate_exceeded",
        "lookup_rate_exceeded",
        "invalid_kdf_cost",
        "signup_throttled",
        "device_id_taken",
    }
)

# The tables that hold what users stored; `sqlite_sequence` shows a rolled-back insert too.
TABLES = (
    "accounts",
    "devices",
    "journals",
    "members",
    "journal_keys",
    "records",
    "used_challenges",
    "sqlite_sequence",
)


def pack(plain: Any) -> bytes:
    packed: bytes = msgpack.packb(plain, use_bin_type=True)
    return packed


def plain(message: Any) -> Any:
    """A wire message as the msgpack-level value (maps, lists, bytes, str, int)."""
    return msgpack.unpackb(wire.encode(message), raw=False)


def signed_signup(username: str, opslimit: int = 1, memlimit: int = 8192) -> Any:
    """A /v1/auth/signup body for a new account with a valid self-signed identity (what a
    prober needs: one Ed25519 signature, no Argon2id) and the given cost."""
    key = nacl.signing.SigningKey.generate()
    account = nacl.utils.random(wire.ID_BYTES)
    box = nacl.utils.random(32)
    sign_public = key.verify_key.encode()
    signature = key.sign(frame(IDENTITY_CONTEXT, account, username.encode(), sign_public, box))
    identity = wire.Identity(account, username, sign_public, box, signature.signature)
    return plain(
        wire.SignupRequest(
            username=username,
            account_id=account,
            salt=bytes(16),
            opslimit=opslimit,
            memlimit=memlimit,
            login_public_key=bytes(32),
            recovery_login_public_key=bytes(32),
            bundle=bytes(40),
            recovery_bundle=bytes(40),
            identity=identity,
            device_name="probe",
        )
    )


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    def value(self) -> Any:
        return msgpack.unpackb(self.body, raw=False)

    def shape_problem(self) -> str | None:
        """Why this is not a 4xx whose msgpack body is exactly {code: str, message: str}."""
        if not 400 <= self.status < 500:
            return f"status {self.status}"
        if self.content_type != MSGPACK:
            return f"content type {self.content_type!r}"
        try:
            error = self.value()
        except (ValueError, msgpack.UnpackException):
            return f"a body that is not msgpack: {self.body[:80]!r}"
        if not isinstance(error, dict) or set(error) != {"code", "message"}:
            return f"a body that is not {{code, message}}: {error!r}"
        if not isinstance(error["code"], str) or not isinstance(error["message"], str):
            return f"code or message not a string: {error!r}"
        if error["code"] not in KNOWN_CODES:
            return f"an unknown code {error['code']!r}"
        return None

    def error(self) -> tuple[int, str]:
        """(status, code) of a well-formed error answer; fails the test otherwise."""
        problem = self.shape_problem()
        assert problem is None, f"expected an error answer, got {problem}"
        return self.status, self.value()["code"]

    def mismatch(self, status: int, code: str) -> str | None:
        """None if this is the error (status, code) in the right shape, else what it is."""
        problem = self.shape_problem()
        if problem is not None:
            return problem
        found = (self.status, self.value()["code"])
        return None if found == (status, code) else f"{found}"


class RawClient:
    """Posts hand-made bytes to the server, as any HTTP client on the internet could."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str) -> None:
        self._session = session
        self._base_url = base_url

    async def send(
        self,
        path: str,
        body: bytes,
        *,
        token: str | None = None,
        content_type: str | None = MSGPACK,
        method: str = "POST",
        authorization: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        headers = dict(headers or {})
        if content_type is not None:
            headers["Content-Type"] = content_type
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if authorization is not None:
            headers["Authorization"] = authorization
        skip = () if content_type is not None else ("Content-Type",)
        # aiohttp warns about (and blocks the loop on) large raw bytes; a stream it is not.
        data = io.BytesIO(body) if len(body) > 1024 * 1024 else body
        async with self._session.request(
            method, self._base_url + path, data=data, headers=headers, skip_auto_headers=skip
        ) as response:
            body = await response.read()
            return Answer(response.status, response.content_type, body, dict(response.headers))

    async def call(self, path: str, message: Any, *, token: str | None = None) -> Answer:
        """Send a wire message (dataclass) or a msgpack-level value, correctly framed."""
        if not isinstance(message, dict | list):
            message = plain(message)
        return await self.send(path, pack(message), token=token)


def sealed_meta(epoch: int, size: int = 40) -> bytes:
    """Opaque bytes shaped like journal metadata sealed under `epoch`: the server reads only
    the clear 4-byte epoch prefix (protocol.md 4.14) and refuses any other epoch than the
    journal's (409 `stale_epoch`)."""
    return epoch.to_bytes(4, "big") + bytes(size - 4)


def upload(number: int, epoch: int = 0, size: int = 40) -> dict[str, Any]:
    """A record upload with a recognizable id and filler ciphertext (opaque to the server)."""
    return {
        "record_id": number.to_bytes(wire.ID_BYTES, "big"),
        "epoch": epoch,
        "ciphertext": bytes([number % 256]) * size,
    }


async def push(raw: RawClient, client: Client, journal: bytes, records: list[Any]) -> Answer:
    return await raw.call(
        "/v1/records/push", {"journal_id": journal, "records": records}, token=client.profile.token
    )


async def journal_id(client: Client, name: str = "Personal") -> bytes:
    """The raw id of one of the client's journals."""
    return bytes.fromhex((await client.journals.get(name)).id)


async def snapshot(server: RunningServer) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table users write to, in storage order, and the record counter
    (SQLite's `sqlite_sequence`, PostgreSQL's identity sequence): a rolled-back insert shows."""
    postgres = server.database_url is not None
    order = "ctid" if postgres else "rowid"
    tables = {
        table: await server.rows(f"SELECT * FROM {table} ORDER BY {order}")
        for table in TABLES
        if table != "sqlite_sequence"
    }
    counter = (
        "SELECT last_value, is_called FROM records_seq_seq"
        if postgres
        else ("SELECT * FROM sqlite_sequence ORDER BY rowid")
    )
    tables["sqlite_sequence"] = await server.rows(counter)
    return tables


async def stored_records(
    server: RunningServer, journal_id: bytes
) -> list[tuple[int, bytes, int, bytes]]:
    """(seq, record id, epoch, ciphertext) of one journal, by seq."""
    rows = await server.rows(
        "SELECT seq, record_id, epoch, ciphertext FROM records WHERE journal_id = ? ORDER BY seq",
        journal_id,
    )
    return [(seq, bytes(rid), epoch, bytes(ct)) for seq, rid, epoch, ct in rows]
