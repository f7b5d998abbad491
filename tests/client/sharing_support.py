"""Helpers for the sharing tests: the server's database as an attacker with a copy of it sees
it, the keys a therapist's client ever held, and sharing after a fingerprint check."""

from __future__ import annotations

import sqlite3
import zlib
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgpack
import zstandard

from client_sdk import Client, ShareInfo, crypto, keys, records, wire
from client_sdk.documents import Document
from client_sdk.errors import IntegrityError
from tests.conftest import RunningServer


@dataclass(frozen=True)
class ServerRecord:
    seq: int
    journal_id: bytes
    record_id: bytes
    epoch: int
    ciphertext: bytes


def server_db(live_server: RunningServer) -> Path:
    return live_server.data_dir / "journal.db"


def swap_identity_keys(
    live_server: RunningServer, account_id: bytes, username: str
) -> keys.AccountSecrets:
    """What a hostile server (or a real key change) does: give the account new identity keys,
    self-signed under its name, in the server's database. Returns the new secrets."""
    replacement = keys.AccountSecrets.generate()
    with closing(sqlite3.connect(server_db(live_server))) as db, db:
        db.execute(
            "UPDATE accounts SET sign_public_key = ?, box_public_key = ?, identity_signature = ? "
            "WHERE account_id = ?",
            (
                replacement.sign_public_key,
                replacement.box_public_key,
                keys.sign_identity(replacement, account_id, username),
                account_id,
            ),
        )
    return replacement


def copy_of_server_db(live_server: RunningServer, tmp_path: Path) -> Path:
    """A full copy of the server's database, as a thief or a backup would have it."""
    target = tmp_path / f"stolen-{len(list(tmp_path.glob('stolen-*')))}.db"
    with closing(sqlite3.connect(server_db(live_server))) as source:
        with closing(sqlite3.connect(target)) as copy:
            source.backup(copy)
    return target


def rows(database: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(database)) as db:
        return [tuple(row) for row in db.execute(sql, params).fetchall()]


def stolen_records(database: Path) -> list[ServerRecord]:
    found = rows(database, "SELECT seq, journal_id, record_id, epoch, ciphertext FROM records")
    return [ServerRecord(s, bytes(j), bytes(r), e, bytes(c)) for s, j, r, e, c in found]


def membership_rows(live_server: RunningServer) -> list[tuple[Any, ...]]:
    """Every membership and every key envelope the server holds."""
    database = server_db(live_server)
    return sorted(rows(database, "SELECT * FROM members")) + sorted(
        rows(database, "SELECT * FROM journal_keys")
    )


def therapist_keys(therapist: Client) -> list[bytes]:
    """Every journal key the therapist's client ever unwrapped."""
    return list(therapist.replica._keys.values())


def plaintexts_openable_with(record: ServerRecord, journal_keys: list[bytes]) -> list[bytes]:
    """The record's padded plaintext for each key that opens it (the AD is public), its
    payload inflated where it travels compressed (protocol.md 4.15 "Compressed payloads":
    `inflated`), so that a search for words finds what the key holder reads.

    Fails on an empty key list: "nothing opens" with no key tried would prove nothing."""
    assert journal_keys, "no journal key to try"
    ad = records.record_ad(record.journal_id, record.record_id, record.epoch)
    opened = []
    for key in journal_keys:
        try:
            plaintext = crypto.open_sealed(key, record.ciphertext, ad, "a stolen record")
        except IntegrityError:
            continue
        opened.append(inflated(plaintext))
    return opened


def inflated(plaintext: bytes) -> bytes:
    """A record's padded plaintext as a key holder reads it: a version 3 body with `encoding`
    1 (zlib) or a version 4 body (Zstandard) written again with its payload inflated
    (without bound: an attacker's view) in version 2's layout, padded again (the signature,
    over the compressed body, is kept as it came and no longer verifies); any other
    plaintext as it is."""
    inner = msgpack.unpackb(crypto.unpad(plaintext, "a stolen record"), raw=False)
    fields = msgpack.unpackb(inner[0], raw=False)
    if fields[0] == records.COMPRESSED_VERSION and fields[11] == records.ZLIB:
        payload = zlib.decompress(fields[7])
    elif fields[0] == records.ZSTD_VERSION:
        payload = zstandard.ZstdDecompressor().decompress(fields[7])
    else:
        return plaintext
    body = msgpack.packb([2, *fields[1:7], payload, *fields[8:11]])
    return crypto.pad(msgpack.packb([body, inner[1]], use_bin_type=True))


async def share_with(
    owner: Client, member: Client, journal: str = "Personal", **terms: Any
) -> ShareInfo:
    """Share after comparing the member's fingerprint, as in a session: the whole journal
    (`full=True`, which sharing with a new member takes: R23 F1) unless `only` or `full`
    is given."""
    if "only" not in terms:
        terms.setdefault("full", True)
    fingerprint = await member.shares.fingerprint()
    return await owner.shares.grant(journal, member.username, fingerprint=fingerprint, **terms)


async def journal_id(client: Client, name: str) -> bytes:
    return bytes.fromhex((await client.journals.get(name)).id)


async def forged_record(
    author: Client, journal_name: str, document: Document, kind: str, payload: bytes
) -> wire.RecordUpload:
    """A record sealed with the journal key `author` holds and signed by `author`."""
    local = await author.context.local_journal(journal_name)
    key = await author.replica.journal_key(local, local.epoch)
    body = records.RecordBody(
        author=author.profile.account_id,
        device=author.profile.device_id,
        counter=10_000,
        doc_id=document.doc_id,
        doc_kind=kind,
        kind=records.UPDATE,
        payload=payload,
        written_at=1,
    )
    record_id = crypto.random_bytes(wire.ID_BYTES)
    ciphertext = records.seal_record(
        key,
        local.journal_id,
        record_id,
        local.epoch,
        body,
        author.profile.secrets.signing_key,
    )
    return wire.RecordUpload(record_id, local.epoch, ciphertext)


async def journal_named_by_another_sdk(home: Path, name: str) -> None:
    """Create, on the device whose profile is at `home`, a journal named `name` as another
    SDK could sign it (a control character in it: the stock SDK's `journals.create` refuses
    one, a device reading it shows it escaped), through the replica below that check. The
    journal reaches the server at the device's next sync (or `tj share`)."""
    async with await Client.open(home) as client:
        await client.replica.create_journal(name)
