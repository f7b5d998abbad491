"""Bad input, on every endpoint, gets a 4xx `{code, message}`: never a 5xx, never a write.

Each test sends a valid session token to authenticated endpoints, so the body validation is
what answers, not the missing login.
"""

from __future__ import annotations

import asyncio
import dataclasses

import msgpack
import pytest

from client_sdk import Client, wire
from server.routes import LIVE_PATH, PUBLIC_PATHS, ROUTES, body_limit
from tests.conftest import RunningServer
from tests.server.raw import (
    RawClient,
    journal_id,
    pack,
    push,
    snapshot,
    stored_records,
    upload,
)
from tests.server.samples import (
    BODY_ROUTES,
    SAMPLES,
    Variant,
    missing_field_variants,
    out_of_range_variants,
    oversize_field_variants,
    request_type,
    sample_body,
    unknown_field_variants,
    wrong_type_variants,
)

ROUTES_WITH_FIELDS = [path for path in BODY_ROUTES if dataclasses.fields(request_type(path))]

GARBAGE = [
    b"\xc1",  # a byte msgpack never uses
    b"this is not msgpack \xff\xfe",
    b"",
    b"\x82\xa1a",  # a map cut short
    pack({}) + b"\x00",  # trailing bytes after a complete value
    b"\x81\xa2\xff\xfe\x01",  # a map key that is not UTF-8
    pack({1: 2}),  # a map key that is not a string
    b"\x91" * 100_000 + b"\xc0",  # nested deeper than any parser should follow
]
NOT_A_MAP = [[], [1, 2], "text", b"binary", 7, -1, 1.5, True, None]
CONTENT_TYPES = [
    "text/plain",
    "application/json",
    "application/octet-stream",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=xyz",
    None,
]
METHODS = ["GET", "PUT", "DELETE", "PATCH", "OPTIONS"]
OVERSIZE_BODY = pack({"padding": bytes(wire.MAX_BODY_BYTES)})


def token_for(path: str, client: Client) -> str | None:
    return None if path in PUBLIC_PATHS else client.profile.token


async def refusals(
    raw: RawClient, path: str, token: str | None, variants: list[Variant]
) -> list[str]:
    """Send every variant; describe each answer that is not the expected error."""
    failures = []
    for variant in variants:
        answer = await raw.send(path, pack(variant.body), token=token)
        wrong = answer.mismatch(variant.status, variant.code)
        if wrong is not None:
            expected = (variant.status, variant.code)
            failures.append(f"{path} {variant.description}: expected {expected}, got {wrong}")
    return failures


def test_every_endpoint_but_the_live_channel_has_a_sample_body() -> None:
    assert set(SAMPLES) == set(ROUTES) - {LIVE_PATH}


@pytest.mark.parametrize("path", BODY_ROUTES)
def test_each_sample_body_fits_its_schema(path: str) -> None:
    assert wire.decode(request_type(path), pack(sample_body(path))) == SAMPLES[path]


# Each check below runs over every endpoint against one server and one account (a test per
# endpoint would start a server and sign an account up 700 times over the two backends);
# every endpoint is still checked, and a failure names it.


async def test_garbage_bytes_are_a_malformed_body(raw: RawClient, ana: Client) -> None:
    """...or, past the endpoint's body limit (routes.BODY_LIMITS: 1 KiB for `/v1/health`,
    64 KiB for `/v1/auth/*`, REV-SRV F4), 413 `too_large` unread."""
    failures = []
    for path in BODY_ROUTES:
        for garbage in GARBAGE:
            answer = await raw.send(path, garbage, token=token_for(path, ana))
            if len(garbage) > body_limit(path):
                wrong = answer.mismatch(413, "too_large")
            else:
                wrong = answer.mismatch(400, "malformed_body")
            if wrong is not None:
                failures.append(f"{path} {garbage[:20]!r}: {wrong}")
    assert not failures, "\n".join(failures)


async def test_a_binary_map_key_is_refused_even_when_its_bytes_spell_a_field(
    raw: RawClient, ana: Client
) -> None:
    """protocol.md 2.2: every key is a msgpack `str`; a `bin` key is an unknown field."""
    failures = []
    for path in BODY_ROUTES:
        body = dict(sample_body(path))
        if body:
            name = next(iter(body))
            body[name.encode()] = body.pop(name)
        else:
            body[b"padding"] = 1
        answer = await raw.send(path, pack(body), token=token_for(path, ana))
        wrong = answer.mismatch(400, "invalid_field")
        if wrong is not None:
            failures.append(f"{path}: {wrong}")
    assert not failures, "\n".join(failures)


async def test_a_body_that_does_not_decompress_is_refused_as_malformed(
    raw: RawClient, ana: Client
) -> None:
    """The server inflates request bodies itself (aiohttp's decoding is off since R9B
    findings 1 and 10), so a body that does not decompress is always the app's
    `malformed_body` ErrorReply, never aiohttp's bare 400. A public endpoint inflates
    nothing: any coding there is 415 `unsupported_media_type`, unread (REV-SRV F4)."""
    failures = []
    for path in BODY_ROUTES:
        body = pack(sample_body(path))
        for encoding in ["gzip", "deflate"]:
            headers = {"Content-Encoding": encoding}
            answer = await raw.send(path, body, token=token_for(path, ana), headers=headers)
            if path in PUBLIC_PATHS:
                wrong = answer.mismatch(415, "unsupported_media_type")
            else:
                wrong = answer.mismatch(400, "malformed_body")
            if wrong is not None:
                failures.append(f"{path} {encoding}: {wrong}")
    assert not failures, "\n".join(failures)


async def test_a_body_that_is_not_a_map_is_an_invalid_field(raw: RawClient, ana: Client) -> None:
    variants = [Variant(f"body = {value!r}", value, 400, "invalid_field") for value in NOT_A_MAP]
    failures = []
    for path in BODY_ROUTES:
        failures += await refusals(raw, path, token_for(path, ana), variants)
    assert not failures, "\n".join(failures)


async def test_a_field_of_the_wrong_type_is_an_invalid_field(raw: RawClient, ana: Client) -> None:
    failures = []
    for path in ROUTES_WITH_FIELDS:
        failures += await refusals(raw, path, token_for(path, ana), wrong_type_variants(path))
    assert not failures, "\n".join(failures)


async def test_a_missing_field_is_reported_as_missing(raw: RawClient, ana: Client) -> None:
    failures = []
    for path in ROUTES_WITH_FIELDS:
        failures += await refusals(raw, path, token_for(path, ana), missing_field_variants(path))
    assert not failures, "\n".join(failures)


async def test_an_unknown_field_is_an_invalid_field(raw: RawClient, ana: Client) -> None:
    failures = []
    for path in BODY_ROUTES:
        failures += await refusals(raw, path, token_for(path, ana), unknown_field_variants(path))
    assert not failures, "\n".join(failures)


async def test_a_number_or_size_below_or_above_its_range_is_an_invalid_field(
    raw: RawClient, ana: Client
) -> None:
    failures = []
    for path in ROUTES_WITH_FIELDS:
        failures += await refusals(raw, path, token_for(path, ana), out_of_range_variants(path))
    assert not failures, "\n".join(failures)


async def test_a_field_over_its_maximum_size_is_too_large(raw: RawClient, ana: Client) -> None:
    failures = []
    for path in ROUTES_WITH_FIELDS:
        failures += await refusals(raw, path, token_for(path, ana), oversize_field_variants(path))
    assert not failures, "\n".join(failures)


async def test_a_body_over_the_size_limit_is_too_large(raw: RawClient, ana: Client) -> None:
    assert len(OVERSIZE_BODY) > wire.MAX_BODY_BYTES
    failures = []
    for path in BODY_ROUTES:
        answer = await raw.send(path, OVERSIZE_BODY, token=token_for(path, ana))
        if (wrong := answer.mismatch(413, "too_large")) is not None:
            failures.append(f"{path}: {wrong}")
    assert not failures, "\n".join(failures)


async def test_a_body_that_is_not_msgpack_is_an_unsupported_media_type(
    raw: RawClient, ana: Client
) -> None:
    failures = []
    for path in BODY_ROUTES:
        body = pack(sample_body(path))
        for content_type in CONTENT_TYPES:
            answer = await raw.send(
                path, body, token=token_for(path, ana), content_type=content_type
            )
            if (wrong := answer.mismatch(415, "unsupported_media_type")) is not None:
                failures.append(f"{path} {content_type}: {wrong}")
    assert not failures, "\n".join(failures)


async def test_any_method_but_post_is_not_allowed(raw: RawClient, ana: Client) -> None:
    failures = []
    for path in BODY_ROUTES:
        for method in METHODS:
            answer = await raw.send(path, b"", token=token_for(path, ana), method=method)
            if (wrong := answer.mismatch(405, "method_not_allowed")) is not None:
                failures.append(f"{path} {method}: {wrong}")
    assert not failures, "\n".join(failures)


async def raw_exchange(server: RunningServer, request: bytes) -> bytes:
    """Bytes on a new connection, and the answer's first bytes (the server's, within 5 s)."""
    host, port = server.url.split("//")[1].rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(request)
        await writer.drain()
        return await asyncio.wait_for(reader.read(65536), 5)
    finally:
        writer.close()


async def test_a_token_that_is_not_one_of_ours_is_refused_without_a_traceback(
    live_server: RunningServer, ana: Client
) -> None:
    """REV-SRV F2: an `Authorization: Bearer` value that is not UTF-8 (aiohttp keeps its
    bytes as surrogates) failed to encode in the token hash: a 500 `internal_error` and an
    ERROR traceback for each stranger's request, the live channel's handshake included.
    Now any token that is not base64url (what the server makes) is 401 `auth_failed`
    before any lookup, on every session endpoint and the live channel, and logs no ERROR."""
    tokens = [b"\xff\xfe\xfd", b"\xe9\xe9", "caf\u00e9".encode(), b"a.b", b"a=b", b"a b"]
    answers = []
    for token in tokens:
        for path in [p for p in BODY_ROUTES if p not in PUBLIC_PATHS]:
            answers.append(
                await raw_exchange(
                    live_server,
                    f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/msgpack\r\n".encode()
                    + b"Authorization: Bearer "
                    + token
                    + b"\r\nContent-Length: 1\r\n\r\n\x80",
                )
            )
        answers.append(
            await raw_exchange(
                live_server,
                b"GET /v1/live HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                b"Sec-WebSocket-Version: 13\r\nAuthorization: Bearer " + token + b"\r\n\r\n",
            )
        )
    for answer in answers:
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 401"), answer[:200]
        assert msgpack.unpackb(body)["code"] == "auth_failed", answer[:200]
    assert await ana.devices.list()  # the real token still works
    log = live_server.log_file.read_text(errors="replace")
    assert " ERROR " not in log and "Traceback" not in log, log[-2000:]


@pytest.mark.parametrize("path", ["/", "/v1", "/v1/sync/", "/v1/records/delete", "/v2/sync"])
async def test_an_unknown_endpoint_is_not_found(path: str, raw: RawClient, ana: Client) -> None:
    answer = await raw.send(path, pack({}), token=ana.profile.token)
    assert answer.error() == (404, "not_found")


async def test_the_live_channel_refuses_anything_but_a_websocket_handshake(
    raw: RawClient, ana: Client
) -> None:
    token = ana.profile.token
    for method in ["POST", "PUT", "DELETE", "PATCH"]:
        for body in [pack({}), *GARBAGE[:2]]:
            answer = await raw.send(LIVE_PATH, body, token=token, method=method)
            assert answer.error() == (405, "method_not_allowed"), (method, body)
    for body in [b"", *GARBAGE[:2], OVERSIZE_BODY]:
        answer = await raw.send(LIVE_PATH, body, token=token, method="GET")
        assert answer.error() == (400, "malformed_request"), body[:10]
    answer = await raw.send(LIVE_PATH, b"", method="GET")
    assert answer.error() == (401, "auth_required")


# --- nothing stored changes ------------------------------------------------------------------


def bad_bodies(path: str) -> list[tuple[str, bytes]]:
    """Every schema-breaking body of this module for one endpoint, as bytes on the wire."""
    variants = [
        *[Variant(f"body = {value!r}", value, 400, "invalid_field") for value in NOT_A_MAP],
        *wrong_type_variants(path),
        *missing_field_variants(path),
        *unknown_field_variants(path),
        *out_of_range_variants(path),
        *oversize_field_variants(path),
    ]
    return [
        *[(f"garbage {garbage[:10]!r}", garbage) for garbage in GARBAGE],
        *[(variant.description, pack(variant.body)) for variant in variants],
        ("an oversize body", OVERSIZE_BODY),
    ]


async def test_a_barrage_of_bad_requests_changes_nothing_stored(
    live_server: RunningServer, raw: RawClient, ana: Client, ben: Client
) -> None:
    ana_journal, ben_journal = await journal_id(ana), await journal_id(ben)
    assert (await push(raw, ana, ana_journal, [upload(1), upload(2)])).status == 200
    [stored, _] = await stored_records(live_server, ana_journal)
    before = await snapshot(live_server)
    failures = []
    for path in BODY_ROUTES:
        token = token_for(path, ana)
        for description, body in bad_bodies(path):
            problem = (await raw.send(path, body, token=token)).shape_problem()
            if problem is not None:
                failures.append(f"{path} {description}: {problem}")
    refused = [
        # (path, body, token, status, code): well-formed requests the rules refuse
        (
            "/v1/records/push",
            wire.PushRequest(ben_journal, [wire.RecordUpload(bytes(16), 0, bytes(40))]),
            ana.profile.token,
            403,
            "forbidden",
        ),
        (
            "/v1/records/push",
            wire.PushRequest(ana_journal, [wire.RecordUpload(stored[1], stored[2], bytes(40))]),
            ana.profile.token,
            409,
            "record_conflict",
        ),
        (
            "/v1/journals/create",
            wire.JournalCreateRequest(
                ben_journal, wire.KeyEnvelope(0, bytes(40)), bytes(40), [bytes(40)]
            ),
            ana.profile.token,
            409,
            "journal_exists",
        ),
        (
            "/v1/journals/meta",
            wire.JournalMetaRequest(ben_journal, bytes(40)),
            ana.profile.token,
            403,
            "forbidden",
        ),
        (
            "/v1/devices/revoke",
            wire.DeviceRevokeRequest(ben.profile.device_id),
            ana.profile.token,
            404,
            "not_found",
        ),
        (
            "/v1/sync",
            wire.SyncRequest([wire.Cursor(ben_journal, 0)], 10),
            ana.profile.token,
            403,
            "forbidden",
        ),
        (
            "/v1/auth/login",
            wire.LoginRequest("ana", bytes(32), bytes(64), "intruder"),
            None,
            401,
            "auth_failed",
        ),
        (
            "/v1/account/password",
            dataclasses.replace(SAMPLES["/v1/account/password"], opslimit=3, memlimit=2**28),
            ana.profile.token,
            401,
            "auth_failed",
        ),
        ("/v1/auth/signup", SAMPLES["/v1/auth/signup"], None, 400, "invalid_signature"),
        ("/v1/records/push", SAMPLES["/v1/records/push"], "not-a-token", 401, "auth_failed"),
    ]
    for path, message, token, status, code in refused:
        answer = await raw.call(path, message, token=token)
        wrong = answer.mismatch(status, code)
        if wrong is not None:
            failures.append(f"{path} {message!r}: expected {(status, code)}, got {wrong}")
    assert not failures, "\n".join(failures)
    assert await snapshot(live_server) == before


LAST_RECORDS = {
    "repeats an id of the batch": (
        {**upload(1), "ciphertext": b"\x07" * 40},
        400,
        "duplicate_record",
    ),
    "reuses a stored id with other content": (
        {**upload(9), "ciphertext": b"\x07" * 40},
        409,
        "record_conflict",
    ),
    "has another epoch than the journal's": (upload(4, epoch=1), 409, "stale_epoch"),
    "has an oversize ciphertext": (upload(4, size=wire.MAX_RECORD_BYTES + 1), 413, "too_large"),
    "has an epoch that is not a number": ({**upload(4), "epoch": "0"}, 400, "invalid_field"),
}


@pytest.mark.parametrize("fault", LAST_RECORDS)
async def test_a_push_whose_last_record_is_invalid_stores_none_of_the_batch(
    fault: str, live_server: RunningServer, raw: RawClient, ana: Client
) -> None:
    journal = await journal_id(ana)
    assert (await push(raw, ana, journal, [upload(9)])).status == 200
    batch = [upload(1), upload(2), upload(3)]
    last, status, code = LAST_RECORDS[fault]
    before = await snapshot(live_server)
    answer = await push(raw, ana, journal, [*batch, last])
    assert answer.error() == (status, code)
    assert await snapshot(live_server) == before
    assert (await push(raw, ana, journal, batch)).status == 200  # the rest of it was fine
    assert len(await stored_records(live_server, journal)) == 4
