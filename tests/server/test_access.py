"""Another account gets nothing, and no session means no access.

ana and ben are real accounts made with the SDK; ben then aims every authenticated endpoint
at ana's journal, records and devices over raw HTTP.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from client_sdk import AuthError, Client, ConflictError, KdfCost, keys, wire
from server.routes import LIVE_PATH, PUBLIC_PATHS
from server.service import CHALLENGE_TTL_MS
from tests.conftest import PASSWORD, TEST_SETTINGS, ClientFactory, RunningServer
from tests.server.raw import (
    RawClient,
    journal_id,
    pack,
    push,
    snapshot,
    upload,
)
from tests.server.samples import SAMPLES

AUTHENTICATED = sorted(set(SAMPLES) - PUBLIC_PATHS)


def random_upload(number: int) -> dict[str, Any]:
    """A record whose ciphertext cannot turn up in an answer by coincidence."""
    return {**upload(number), "ciphertext": number.to_bytes(4, "big") + bytes(range(60, 120))}


async def anas_secrets(server: RunningServer, ana: Client) -> dict[str, bytes]:
    """Everything the server holds for ana that no other account may ever receive."""
    account_id = ana.profile.account_id
    [account] = await server.rows(
        "SELECT bundle, recovery_bundle, login_public_key, recovery_login_public_key "
        "FROM accounts WHERE account_id = ?",
        account_id,
    )
    journals = await server.rows(
        "SELECT journal_id, meta FROM journals WHERE owner_id = ?", account_id
    )
    envelopes = await server.rows(
        "SELECT envelope FROM journal_keys WHERE account_id = ?", account_id
    )
    records = await server.rows(
        "SELECT record_id, ciphertext FROM records WHERE pushed_by = ?", account_id
    )
    secrets = {
        "bundle": account[0],
        "recovery bundle": account[1],
        "login key": account[2],
        "recovery login key": account[3],
        "device id": ana.profile.device_id,
    }
    for journal, meta in journals:
        secrets[f"journal {bytes(journal).hex()}"] = bytes(journal)
        secrets[f"meta of {bytes(journal).hex()}"] = bytes(meta)
    for (envelope,) in envelopes:
        secrets[f"envelope {bytes(envelope)[:4].hex()}"] = bytes(envelope)
    for record_id, ciphertext in records:
        secrets[f"record id {bytes(record_id).hex()}"] = bytes(record_id)
        secrets[f"ciphertext of {bytes(record_id).hex()}"] = bytes(ciphertext)
    return secrets


def aimed_at_ana(ana: Client, journal: bytes, record_ids: list[bytes]) -> dict[str, Any]:
    """For each authenticated endpoint, the request that reaches furthest into ana's data."""
    account, device = ana.profile.account_id, ana.profile.device_id
    key = {"epoch": 0, "envelope": bytes(48)}
    return {
        "/v1/records/push": {"journal_id": journal, "records": [random_upload(99)]},
        "/v1/records/compact": {
            "journal_id": journal,
            "snapshot": random_upload(98),
            "supersedes": record_ids,
        },
        "/v1/sync": {"cursors": [{"journal_id": journal, "after": 0}], "limit": 1000},
        "/v1/journals/list": {},
        "/v1/journals/keys": {"journal_id": journal},
        "/v1/journals/meta": {"journal_id": journal, "meta": bytes(48)},
        "/v1/journals/delete": {"journal_id": journal},
        "/v1/journals/create": {
            "journal_id": journal,
            "key": key,
            "meta": bytes(48),
            "chain": [bytes(48)],
        },
        "/v1/journals/access": {"cursors": [{"journal_id": journal, "after": 0}]},
        "/v1/journals/rotate": {
            "journal_id": journal,
            "epoch": 1,
            "meta": bytes(48),
            "keys": [
                {"account_id": account, "envelope": bytes(48), "role": "owner", "expires_at": 0}
            ],
            "chain_after": 1,
            "chain": [bytes(48)],
        },
        "/v1/shares/list": {},
        "/v1/shares/audit": {"journal_id": journal},
        "/v1/shares/leave": {"journal_id": journal},
        "/v1/devices/list": {},
        "/v1/devices/revoke": {"device_id": device},
        "/v1/devices/rename": {"device_id": device, "name": "mine now"},
        "/v1/account/identity": {"username": "ana"},
        "/v1/account/identity-by-id": {"account_id": account},
        "/v1/account/known": {"account_ids": [account]},
        "/v1/account/password": wire.encode(SAMPLES["/v1/account/password"]),
        "/v1/account/recovery-key": wire.encode(SAMPLES["/v1/account/recovery-key"]),
        "/v1/account/recovery-key/current": {},  # names the caller's own key only
        "/v1/account/sign-ins": {},  # the caller's own account's log only
        "/v1/account/delete": {"challenge": bytes(32), "signature": bytes(64)},
        "/v1/auth/logout": {},  # last: it signs ben's own device out
    }


# --- another account -----------------------------------------------------------------------


async def test_ben_cannot_push_to_anas_journal(
    live_server: RunningServer, raw: RawClient, ana: Client, ben: Client
) -> None:
    journal = await journal_id(ana)
    before = await snapshot(live_server)
    answer = await push(raw, ben, journal, [upload(1)])
    assert answer.error() == (403, "forbidden")
    assert await snapshot(live_server) == before


async def test_ben_cannot_sync_with_a_cursor_for_anas_journal(
    raw: RawClient, ana: Client, ben: Client
) -> None:
    anas, bens = await journal_id(ana), await journal_id(ben)
    assert (await push(raw, ana, anas, [random_upload(1)])).status == 200
    for cursors in ([anas], [bens, anas], [anas, bens]):
        message = wire.SyncRequest([wire.Cursor(j, 0) for j in cursors], 100)
        answer = await raw.call("/v1/sync", message, token=ben.profile.token)
        assert answer.error() == (403, "forbidden")


async def test_bens_sync_without_cursors_pages_only_his_own_journals(
    raw: RawClient, ana: Client, ben: Client
) -> None:
    anas, bens = await journal_id(ana), await journal_id(ben)
    assert (await push(raw, ana, anas, [random_upload(1)])).status == 200
    answer = await raw.call("/v1/sync", wire.SyncRequest([], 100), token=ben.profile.token)
    assert [page["journal_id"] for page in answer.value()["pages"]] == [bens]


async def test_the_journal_list_shows_ben_only_his_own_journals(
    raw: RawClient, ana: Client, ben: Client
) -> None:
    await ana.journals.create("Work")
    await ben.journals.create("Dreams")
    answer = await raw.call("/v1/journals/list", wire.Empty(), token=ben.profile.token)
    journals = answer.value()["journals"]
    assert {j["journal_id"] for j in journals} == {
        await journal_id(ben),
        await journal_id(ben, "Dreams"),
    }
    assert {j["owner_id"] for j in journals} == {ben.profile.account_id}


async def test_ben_cannot_change_the_metadata_of_anas_journal(
    live_server: RunningServer, raw: RawClient, ana: Client, ben: Client
) -> None:
    message = wire.JournalMetaRequest(await journal_id(ana), bytes(48))
    before = await snapshot(live_server)
    answer = await raw.call("/v1/journals/meta", message, token=ben.profile.token)
    assert answer.error() == (403, "forbidden")
    assert await snapshot(live_server) == before


async def test_ben_cannot_take_over_anas_journal_by_creating_one_with_its_id(
    live_server: RunningServer, raw: RawClient, ana: Client, ben: Client
) -> None:
    message = wire.JournalCreateRequest(
        await journal_id(ana), wire.KeyEnvelope(0, bytes(48)), bytes(48), [bytes(48)]
    )
    before = await snapshot(live_server)
    answer = await raw.call("/v1/journals/create", message, token=ben.profile.token)
    assert answer.error() == (409, "journal_exists")
    assert await snapshot(live_server) == before


async def test_revoking_anas_device_as_ben_is_not_found_and_her_device_keeps_working(
    raw: RawClient, ana: Client, ben: Client
) -> None:
    message = wire.DeviceRevokeRequest(ana.profile.device_id)
    answer = await raw.call("/v1/devices/revoke", message, token=ben.profile.token)
    assert answer.error() == (404, "not_found")
    [device] = await ana.devices.list()
    assert (device.id, device.current) == (ana.profile.device_id.hex(), True)
    assert (await push(raw, ana, await journal_id(ana), [upload(1)])).status == 200


async def test_renaming_anas_device_as_ben_is_not_found_and_her_device_keeps_its_name(
    raw: RawClient, ana: Client, ben: Client
) -> None:
    message = wire.DeviceRenameRequest(ana.profile.device_id, "ben's now")
    answer = await raw.call("/v1/devices/rename", message, token=ben.profile.token)
    assert answer.error() == (404, "not_found")
    [device] = await ana.devices.list()
    assert device.name == "laptop"


async def test_ben_cannot_delete_anas_journal_and_ana_deletes_it_whole_on_both_backends(
    live_server: RunningServer, raw: RawClient, ana: Client, ben: Client
) -> None:
    journal = await journal_id(ana)
    assert (await push(raw, ana, journal, [upload(1), upload(2)])).status == 200
    before = await snapshot(live_server)
    answer = await raw.call("/v1/journals/delete", {"journal_id": journal}, token=ben.profile.token)
    assert answer.error() == (403, "forbidden")
    assert await snapshot(live_server) == before

    answer = await raw.call("/v1/journals/delete", {"journal_id": journal}, token=ana.profile.token)
    assert answer.status == 200
    after = await snapshot(live_server)
    for table, rows in after.items():
        assert not any(journal in row for row in rows), table
    [(stored,)] = await live_server.rows(
        "SELECT stored_bytes FROM account_usage WHERE account_id = ?", ana.profile.account_id
    )
    assert stored == 0  # the freed bytes are counted back


async def test_no_endpoint_gives_ben_anything_of_anas(
    live_server: RunningServer, raw: RawClient, ana: Client, ben: Client
) -> None:
    journal = await journal_id(ana)
    uploads = [random_upload(n) for n in (1, 2, 3)]
    assert (await push(raw, ana, journal, uploads)).status == 200
    secrets = await anas_secrets(live_server, ana)
    requests = aimed_at_ana(ana, journal, [u["record_id"] for u in uploads])
    assert set(requests) == set(AUTHENTICATED), "aim every authenticated endpoint at ana"
    before = await snapshot(live_server)
    leaks = []
    for path, message in requests.items():
        body = message if isinstance(message, bytes) else pack(message)
        answer = await raw.send(path, body, token=ben.profile.token)
        assert answer.status < 500, path
        leaks += [
            f"{path} answered with ana's {name}"
            for name, secret in secrets.items()
            if secret in answer.body
        ]
    assert not leaks, "\n".join(leaks)
    after = await snapshot(live_server)
    ana_devices = [row for row in after["devices"] if row[1] == ana.profile.account_id]
    assert ana_devices == [row for row in before["devices"] if row[1] == ana.profile.account_id]
    assert {**after, "devices": []} == {**before, "devices": []}


# --- no session ------------------------------------------------------------------------------


async def refused_everywhere(raw: RawClient, code: str, **how: Any) -> list[str]:
    """Send each authenticated endpoint its sample; list those not refused with 401 `code`."""
    wrong = []
    for path in [*AUTHENTICATED, LIVE_PATH]:
        method = "GET" if path == LIVE_PATH else "POST"
        body = b"" if path == LIVE_PATH else wire.encode(SAMPLES[path])
        answer = await raw.send(path, body, method=method, **how)
        mismatch = answer.mismatch(401, code)
        if mismatch is not None:
            wrong.append(f"{path}: {mismatch}")
    return wrong


async def sync_refusal(client: Client) -> str:
    with pytest.raises(AuthError) as refused:
        await client.sync()
    code: str = refused.value.code  # type: ignore[attr-defined]
    return code


async def test_a_request_without_a_token_is_told_to_log_in(raw: RawClient, ana: Client) -> None:
    assert not await refused_everywhere(raw, "auth_required")
    for header in ["", "Bearer", "Bearer ", f"Basic {ana.profile.token}", "Bearer " + "a" * 129]:
        assert not await refused_everywhere(raw, "auth_required", authorization=header), header
    ana.transport.token = None
    assert await sync_refusal(ana) == "auth_required"


async def test_the_bearer_scheme_is_read_in_any_case_and_after_any_number_of_spaces(
    raw: RawClient, ana: Client
) -> None:
    """RFC 7235 (the scheme is case-insensitive, `1*SP` before the credentials) and RFC 6750:
    `bearer`, `BEARER` and `Bearer  <token>` authenticate; the token itself is still checked
    strictly (REV-SRV F2: no lookup for one that is not base64url)."""
    token = ana.profile.token
    path = "/v1/devices/list"
    for header in [f"bearer {token}", f"BEARER {token}", f"bEaReR   {token}", f"Bearer  {token}"]:
        answer = await raw.send(path, wire.encode(SAMPLES[path]), authorization=header)
        assert answer.status == 200, (header, answer)
    for header in [f"Bearer {token}=", f"Bearer  {token}.", f"bearer \t{token}"]:
        answer = await raw.send(path, wire.encode(SAMPLES[path]), authorization=header)
        assert answer.mismatch(401, "auth_failed") is None, (header, answer)
    for header in [f"Bearer\t{token}", f"Bearerx {token}", "bearer   ", f"Beare {token}"]:
        answer = await raw.send(path, wire.encode(SAMPLES[path]), authorization=header)
        assert answer.mismatch(401, "auth_required") is None, (header, answer)


async def test_a_garbage_token_fails_authentication(raw: RawClient, ana: Client) -> None:
    assert not await refused_everywhere(raw, "auth_failed", token="garbage")
    assert not await refused_everywhere(raw, "auth_failed", token=ana.profile.token[:-1] + "x")
    ana.transport.token = "garbage"
    assert await sync_refusal(ana) == "auth_failed"


async def test_a_revoked_device_is_refused_while_the_other_keeps_working(
    raw: RawClient, signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    phone = await login("ana")
    await laptop.devices.revoke(phone.profile.device_id.hex())
    assert not await refused_everywhere(raw, "device_revoked", token=phone.profile.token)
    assert await sync_refusal(phone) == "device_revoked"
    assert [d.current for d in await laptop.devices.list()] == [True]


async def test_a_logged_out_token_is_refused_as_revoked(raw: RawClient, ana: Client) -> None:
    token = ana.profile.token
    assert (await raw.call("/v1/auth/logout", wire.Empty(), token=token)).status == 200
    assert not await refused_everywhere(raw, "device_revoked", token=token)


async def test_a_session_works_until_its_expiry_and_not_a_millisecond_longer(
    live_server: RunningServer, raw: RawClient, ana: Client
) -> None:
    [(expires_at,)] = await live_server.rows(
        "SELECT expires_at FROM devices WHERE device_id = ?", ana.profile.device_id
    )
    assert expires_at == live_server.clock.now + TEST_SETTINGS.token_ttl_ms
    live_server.clock.now = expires_at
    answer = await raw.call("/v1/journals/list", wire.Empty(), token=ana.profile.token)
    assert answer.status == 200
    live_server.clock.now = expires_at + 1
    assert not await refused_everywhere(raw, "token_expired", token=ana.profile.token)
    assert await sync_refusal(ana) == "token_expired"


# --- login -----------------------------------------------------------------------------------


async def signed_login(
    raw: RawClient, username: str, password: str = PASSWORD, purpose: str = "login"
) -> wire.LoginRequest:
    """A login request signed over a fresh challenge, as the SDK would make it."""
    pre = (await raw.call("/v1/auth/prelogin", wire.PreloginRequest(username))).value()
    cost = KdfCost(pre["opslimit"], pre["memlimit"])
    login_key = keys.password_keys(password, pre["salt"], cost).login_key
    message = wire.ChallengeRequest(username, purpose)
    challenge = (await raw.call("/v1/auth/challenge", message)).value()
    signature = keys.sign_challenge(
        login_key, username, challenge["server_id"], purpose, challenge["challenge"]
    )
    return wire.LoginRequest(username, challenge["challenge"], signature, "raw")


async def test_a_wrong_password_cannot_log_in(ana: Client, login: ClientFactory) -> None:
    with pytest.raises(AuthError):
        await login("ana", password="not the password")
    assert (await login("ana")).profile.account_id == ana.profile.account_id


async def test_a_signed_login_challenge_works_only_once(raw: RawClient, ana: Client) -> None:
    request = await signed_login(raw, "ana")
    first = await raw.call("/v1/auth/login", request)
    assert first.status == 200
    assert first.value()["account_id"] == ana.profile.account_id
    replay = await raw.call("/v1/auth/login", request)
    assert replay.error() == (401, "auth_failed")


async def test_a_login_challenge_expires_after_sixty_seconds(
    live_server: RunningServer, raw: RawClient, ana: Client
) -> None:
    assert CHALLENGE_TTL_MS == 60_000
    on_time = await signed_login(raw, "ana")
    late = await signed_login(raw, "ana")
    live_server.clock.now += 60_000
    assert (await raw.call("/v1/auth/login", on_time)).status == 200
    live_server.clock.now += 1
    assert (await raw.call("/v1/auth/login", late)).error() == (401, "auth_failed")


async def test_a_login_challenge_is_bound_to_its_username_and_purpose(
    raw: RawClient, ana: Client, ben: Client
) -> None:
    for_password = await signed_login(raw, "ana", purpose="password")
    assert (await raw.call("/v1/auth/login", for_password)).error() == (401, "auth_failed")
    bens = await signed_login(raw, "ben")
    as_ana = wire.LoginRequest("ana", bens.challenge, bens.signature, "raw")
    assert (await raw.call("/v1/auth/login", as_ana)).error() == (401, "auth_failed")
    assert (await raw.call("/v1/auth/recover", await signed_login(raw, "ana"))).error() == (
        401,
        "auth_failed",
    )


async def test_a_signed_challenge_presented_twice_at_once_logs_in_once(
    raw: RawClient, ana: Client
) -> None:
    """Single use holds under a race: the nonce of a verified challenge is recorded in the
    same step that accepts it (a unique key), so two concurrent logins cannot both pass."""
    request = await signed_login(raw, "ana")
    answers = await asyncio.gather(*(raw.call("/v1/auth/login", request) for _ in range(4)))
    assert sorted(answer.status for answer in answers) == [200, 401, 401, 401]


async def test_a_challenge_the_server_did_not_make_is_refused(
    live_server: RunningServer, raw: RawClient, ana: Client
) -> None:
    """A challenge is a MAC by the server secret over (username, purpose, issue time, nonce):
    changing any byte (say, a later issue time to stretch its life) or making one up fails
    like a wrong password, even correctly signed by the login key."""
    pre = (await raw.call("/v1/auth/prelogin", wire.PreloginRequest("ana"))).value()
    login_key = keys.password_keys(
        PASSWORD, pre["salt"], KdfCost(pre["opslimit"], pre["memlimit"])
    ).login_key
    reply = (await raw.call("/v1/auth/challenge", wire.ChallengeRequest("ana", "login"))).value()
    issued = (live_server.clock.now + 50_000).to_bytes(6, "big")
    made_up = [
        issued + reply["challenge"][6:],  # a later issue time
        reply["challenge"][:-1] + bytes([reply["challenge"][-1] ^ 1]),  # one bit of the MAC
        bytes(32),
    ]
    for challenge in made_up:
        signature = keys.sign_challenge(login_key, "ana", reply["server_id"], "login", challenge)
        request = wire.LoginRequest("ana", challenge, signature, "raw")
        assert (await raw.call("/v1/auth/login", request)).error() == (401, "auth_failed")
    assert await live_server.rows("SELECT * FROM used_challenges") == []
    signature = keys.sign_challenge(
        login_key, "ana", reply["server_id"], "login", reply["challenge"]
    )
    request = wire.LoginRequest("ana", reply["challenge"], signature, "raw")
    assert (await raw.call("/v1/auth/login", request)).status == 200  # the real one still works


async def test_prelogin_for_an_unknown_username_is_stable_and_shaped_like_a_real_one(
    raw: RawClient, ana: Client
) -> None:
    async def prelogin(username: str) -> dict[str, Any]:
        answer = await raw.call("/v1/auth/prelogin", wire.PreloginRequest(username))
        assert answer.status == 200
        reply: dict[str, Any] = answer.value()
        return reply

    real, unknown = await prelogin("ana"), await prelogin("nobody")
    assert unknown == await prelogin("nobody") == await prelogin("NoBody")
    assert unknown["salt"] != (await prelogin("somebody"))["salt"]
    assert set(unknown) == set(real)
    assert {k: type(v) for k, v in unknown.items()} == {k: type(v) for k, v in real.items()}
    assert len(unknown["salt"]) == len(real["salt"])
    assert wire.decode(wire.PreloginReply, pack(unknown))


async def test_signing_up_with_a_taken_username_is_a_conflict(
    raw: RawClient, ana: Client, signup: ClientFactory
) -> None:
    for username in ("ana", "ANA"):
        with pytest.raises(ConflictError) as refused:
            await signup(username, device=f"second-{username}")
        assert refused.value.code == "username_taken"  # type: ignore[attr-defined]
