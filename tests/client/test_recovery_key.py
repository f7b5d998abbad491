"""A used recovery key is retired (NU18 C5): a recovery replaces it with a new one in the same
transaction as the new password, and a signed-in device can replace it at any time
(protocol.md, /v1/account/password and /v1/account/recovery-key). The old key is refused
afterwards, the new one works, a failure on the way leaves the old one working and says so,
and no other account, nor a session token alone, can replace anyone's key."""

from __future__ import annotations

from pathlib import Path

import nacl.signing
import pytest
from aiohttp import web

from cli.main import with_hint
from cli.output import shown
from client_sdk import INSECURE_TEST_COST, Client, crypto, keys, wire
from client_sdk.crypto import Context
from client_sdk.errors import AuthError, InvalidInput, NetworkError, TJError
from tests.client.hostile import HostileServer, Through
from tests.conftest import PASSWORD, ClientFactory, RunningServer

# Replies are lost or requests failed here to test what the retry does, not how long it
# waits: every client retries with QUICK_RETRY (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("quick_retries")

NEW_PASSWORD = "a quiet lake at dawn"
LATER_PASSWORD = "seven paper lanterns"


async def recover(
    url: str, home: Path, recovery_key: str, password: str = NEW_PASSWORD, username: str = "ana"
) -> Client:
    return await Client.recover(
        url, username, recovery_key, password, home=home, kdf_cost=INSECURE_TEST_COST
    )


async def stored_recovery_key(live_server: RunningServer, username: str) -> bytes:
    [(public_key,)] = await live_server.rows(
        "SELECT recovery_login_public_key FROM accounts WHERE username = ?", username
    )
    return bytes(public_key)


def public_half(recovery_key: str) -> bytes:
    return bytes(keys.recovery_login_key(keys.parse_recovery_key(recovery_key)).verify_key)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
async def test_recover_returns_a_new_key_the_old_one_is_refused_and_the_new_one_works(
    live_server: RunningServer, signup: ClientFactory, tmp_path: Path
) -> None:
    ana = await signup("ana")
    await ana.entries.write(None, "Before the phone was lost.")
    await ana.sync()
    old_key = ana.recovery_key
    assert old_key is not None

    rescued = await recover(live_server.url, tmp_path / "rescued", old_key)
    try:
        new_key = rescued.recovery_key
        assert new_key is not None and new_key != old_key
        keys.parse_recovery_key(new_key)  # a well-formed key, with its check
        assert await stored_recovery_key(live_server, "ana") == public_half(new_key)
        await rescued.sync()
        assert [e.body for e in await rescued.entries.list()] == ["Before the phone was lost."]
    finally:
        await rescued.close()

    with pytest.raises(AuthError, match="recovery key"):
        await recover(live_server.url, tmp_path / "with-the-old-key", old_key, LATER_PASSWORD)
    again = await recover(live_server.url, tmp_path / "with-the-new-key", new_key, LATER_PASSWORD)
    try:
        assert again.recovery_key not in (None, old_key, new_key)
        await again.sync()
        assert [e.body for e in await again.entries.list()] == ["Before the phone was lost."]
    finally:
        await again.close()
    # The device that signed up keeps its session and keys: it still syncs.
    await ana.sync()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
async def test_a_signed_in_device_replaces_the_recovery_key(
    live_server: RunningServer, signup: ClientFactory, tmp_path: Path
) -> None:
    ana = await signup("ana")
    old_key = ana.recovery_key
    assert old_key is not None
    [(salt_before, login_before)] = await live_server.rows(
        "SELECT salt, login_public_key FROM accounts WHERE username = 'ana'"
    )

    new_key = await ana.replace_recovery_key(PASSWORD, minimum_cost=INSECURE_TEST_COST)

    assert new_key != old_key
    assert await stored_recovery_key(live_server, "ana") == public_half(new_key)
    # The password is not touched: same salt, same login key, this device still signed in.
    assert await live_server.rows(
        "SELECT salt, login_public_key FROM accounts WHERE username = 'ana'"
    ) == [(salt_before, login_before)]
    await ana.sync()
    with pytest.raises(AuthError):
        await recover(live_server.url, tmp_path / "old", old_key)
    rescued = await recover(live_server.url, tmp_path / "new", new_key)
    await rescued.close()


async def test_a_wrong_password_replaces_nothing_and_says_the_old_key_works(
    live_server: RunningServer, signup: ClientFactory, tmp_path: Path
) -> None:
    ana = await signup("ana")
    assert ana.recovery_key is not None
    before = await stored_recovery_key(live_server, "ana")
    with pytest.raises(AuthError, match="old one still works"):
        await ana.replace_recovery_key("not the password", minimum_cost=INSECURE_TEST_COST)
    assert await stored_recovery_key(live_server, "ana") == before
    rescued = await recover(live_server.url, tmp_path / "rescued", ana.recovery_key)
    await rescued.close()


async def replacement_signed_with(
    client: Client, username: str, signing_key: nacl.signing.SigningKey
) -> None:
    """A /v1/account/recovery-key request on `client`'s session, for a challenge asked for
    `username` and signed with `signing_key`; the new key is a fresh random one."""
    challenge = await client.transport.call(
        "/v1/auth/challenge",
        wire.ChallengeRequest(username, "recovery-key"),
        wire.ChallengeReply,
    )
    signature = keys.sign_challenge(
        signing_key, username, challenge.server_id, "recovery-key", challenge.challenge
    )
    fresh = keys.new_recovery_key()
    request = wire.RecoveryKeyRequest(
        challenge.challenge,
        signature,
        bytes(keys.recovery_login_key(fresh).verify_key),
        crypto.random_bytes(137),
    )
    await client.transport.call("/v1/account/recovery-key", request, wire.Empty)


async def test_another_account_or_a_session_token_alone_cannot_replace_a_recovery_key(
    live_server: RunningServer, signup: ClientFactory, tmp_path: Path
) -> None:
    ana = await signup("ana")
    ben = await signup("ben")
    assert ana.recovery_key is not None and ben.recovery_key is not None
    anas = await stored_recovery_key(live_server, "ana")
    bens = await stored_recovery_key(live_server, "ben")
    pre = await ana.transport.call(
        "/v1/auth/prelogin", wire.PreloginRequest("ana"), wire.PreloginReply
    )
    anas_login_key = keys.password_keys(PASSWORD, pre.salt, INSECURE_TEST_COST).login_key

    # Ben's session with a challenge for ana, signed with ana's own login key (as if he had
    # that signature): the server checks the caller's account, ben's, and refuses.
    with pytest.raises(AuthError):
        await replacement_signed_with(ben, "ana", anas_login_key)
    # Ben's session and a challenge for ben, signed with ana's key: not ben's key.
    with pytest.raises(AuthError):
        await replacement_signed_with(ben, "ben", anas_login_key)
    # A session token alone: any other key, even one made for the purpose, is refused.
    with pytest.raises(AuthError):
        await replacement_signed_with(ana, "ana", keys.recovery_login_key(keys.new_recovery_key()))
    # A challenge of another purpose, signed with the right key, is refused.
    challenge = await ana.transport.call(
        "/v1/auth/challenge", wire.ChallengeRequest("ana", "password"), wire.ChallengeReply
    )
    signature = keys.sign_challenge(
        anas_login_key, "ana", challenge.server_id, "recovery-key", challenge.challenge
    )
    stray = wire.RecoveryKeyRequest(challenge.challenge, signature, bytes(32), bytes(40))
    with pytest.raises(AuthError):
        await ana.transport.call("/v1/account/recovery-key", stray, wire.Empty)

    assert await stored_recovery_key(live_server, "ana") == anas
    assert await stored_recovery_key(live_server, "ben") == bens
    # Ben replacing his own key leaves ana's as it was.
    await ben.replace_recovery_key(PASSWORD, minimum_cost=INSECURE_TEST_COST)
    assert await stored_recovery_key(live_server, "ana") == anas
    assert await stored_recovery_key(live_server, "ben") != bens
    rescued = await recover(live_server.url, tmp_path / "ana-rescued", ana.recovery_key)
    await rescued.close()


def refuse(hostile: HostileServer, path: str, times: int) -> list[int]:
    """Answer the next `times` requests of `path` with 502 without forwarding them (a
    server, or a network, that fails before storing anything); returns the count of those
    refused so far."""
    refused = [0]

    async def hold() -> None:
        if refused[0] < times:
            refused[0] += 1
            raise web.HTTPBadGateway()

    hostile.holds[path] = hold
    return refused


def lose_reply(hostile: HostileServer, path: str, times: int) -> list[int]:
    """Forward the next `times` requests of `path` to the real server (which stores the
    change) and answer 502 in place of its reply: the reply is lost."""
    lost = [0]

    def rewrite(request: bytes, reply: bytes) -> bytes:
        if lost[0] < times:
            lost[0] += 1
            raise web.HTTPBadGateway()
        return reply

    hostile.replies[path] = rewrite
    return lost


async def test_a_recovery_whose_password_change_fails_leaves_the_old_key_working_and_says_so(
    live_server: RunningServer, hostile: HostileServer, through: Through, tmp_path: Path
) -> None:
    ana = await through("ana")
    old_key = ana.recovery_key
    assert old_key is not None
    [row_before] = await live_server.rows(
        "SELECT salt, login_public_key, recovery_login_public_key, bundle, recovery_bundle "
        "FROM accounts WHERE username = 'ana'"
    )
    refused = refuse(hostile, "/v1/account/password", times=1)
    with pytest.raises(
        NetworkError,
        match="most likely nothing was changed and the recovery key you used still works .a "
        "request still in progress may yet set it.: try logging in with the new password first",
    ) as failed:
        await recover(hostile.url, tmp_path / "half", old_key)
    # In no app's command (NU45 #4); the CLI adds its own after "make a new one then".
    assert str(failed.value).endswith("make a new one then") and "tj " not in str(failed.value)
    assert failed.value.names["advice"] == "new recovery key"
    assert "make a new one then (`tj recovery-key new`)" in shown(with_hint(failed.value))
    assert refused == [1]
    assert await live_server.rows(
        "SELECT salt, login_public_key, recovery_login_public_key, bundle, recovery_bundle "
        "FROM accounts WHERE username = 'ana'"
    ) == [row_before]
    # The session the recovery opened was ended; the old key works, as said.
    rescued = await recover(live_server.url, tmp_path / "rescued", old_key)
    assert rescued.recovery_key not in (None, old_key)
    await rescued.close()


async def test_a_recovery_whose_reply_is_lost_is_resolved_by_the_salt_and_shows_the_new_key(
    live_server: RunningServer, hostile: HostileServer, through: Through, tmp_path: Path
) -> None:
    ana = await through("ana")
    old_key = ana.recovery_key
    assert old_key is not None
    lost = lose_reply(hostile, "/v1/account/password", times=1)
    rescued = await recover(hostile.url, tmp_path / "lost-reply", old_key)
    try:
        assert lost == [1]
        new_key = rescued.recovery_key
        assert new_key is not None and new_key != old_key
        assert await stored_recovery_key(live_server, "ana") == public_half(new_key)
    finally:
        await rescued.close()
    with pytest.raises(AuthError):
        await recover(live_server.url, tmp_path / "old", old_key, LATER_PASSWORD)
    again = await recover(live_server.url, tmp_path / "new", new_key, LATER_PASSWORD)
    await again.close()


async def test_a_lost_reply_to_a_replacement_is_resent_and_the_key_returned_is_in_force(
    live_server: RunningServer, hostile: HostileServer, through: Through, tmp_path: Path
) -> None:
    ana = await through("ana")
    old_key = ana.recovery_key
    assert old_key is not None
    lost = lose_reply(hostile, "/v1/account/recovery-key", times=1)
    new_key = await ana.replace_recovery_key(PASSWORD, minimum_cost=INSECURE_TEST_COST)
    assert lost == [1]
    assert len(hostile.bodies("/v1/account/recovery-key")) == 2  # sent twice, stored twice
    assert await stored_recovery_key(live_server, "ana") == public_half(new_key)
    with pytest.raises(AuthError):
        await recover(live_server.url, tmp_path / "old", old_key)
    rescued = await recover(live_server.url, tmp_path / "new", new_key)
    await rescued.close()


async def test_a_replacement_that_gets_no_answer_says_so_and_the_old_key_still_works(
    live_server: RunningServer, hostile: HostileServer, through: Through, tmp_path: Path
) -> None:
    ana = await through("ana")
    old_key = ana.recovery_key
    assert old_key is not None
    before = await stored_recovery_key(live_server, "ana")
    refused = refuse(hostile, "/v1/account/recovery-key", times=2)
    with pytest.raises(NetworkError, match="whether the recovery key was replaced is unknown"):
        await ana.replace_recovery_key(PASSWORD, minimum_cost=INSECURE_TEST_COST)
    assert refused == [2]
    assert await stored_recovery_key(live_server, "ana") == before
    # Nothing reached the server: the old key works; running it again replaces it.
    new_key = await ana.replace_recovery_key(PASSWORD, minimum_cost=INSECURE_TEST_COST)
    rescued = await recover(live_server.url, tmp_path / "new", new_key)
    await rescued.close()
    with pytest.raises(AuthError):
        await recover(live_server.url, tmp_path / "old", old_key, LATER_PASSWORD)


async def test_the_server_never_receives_a_new_recovery_key_or_its_wrap_key(
    hostile: HostileServer, through: Through, tmp_path: Path
) -> None:
    ana = await through("ana")
    assert ana.recovery_key is not None
    replaced = await ana.replace_recovery_key(PASSWORD, minimum_cost=INSECURE_TEST_COST)
    rescued = await recover(hostile.url, tmp_path / "rescued", replaced)
    try:
        assert rescued.recovery_key is not None
        secrets = []
        for shown in (ana.recovery_key, replaced, rescued.recovery_key):
            raw = keys.parse_recovery_key(shown)
            secrets += [
                raw,
                crypto.derive_subkey(raw, Context.KDF_RECOVERY_WRAP),
                crypto.derive_subkey(raw, Context.KDF_RECOVERY_LOGIN),
            ]
        sent = b"".join(request for _, request, _ in hostile.exchanges)
        assert hostile.bodies("/v1/account/recovery-key") and hostile.bodies("/v1/account/password")
        for secret in secrets:
            assert secret not in sent
    finally:
        await rescued.close()


async def test_a_password_change_with_half_a_new_recovery_key_is_refused(
    live_server: RunningServer, signup: ClientFactory
) -> None:
    ana = await signup("ana")
    before = await live_server.rows("SELECT * FROM accounts WHERE username = 'ana'")
    for public_key, bundle in ((bytes(32), b""), (b"", bytes(137)), (bytes(31), bytes(137))):
        request = wire.PasswordChangeRequest(
            bytes(32), bytes(64), bytes(16), 1, 8192, bytes(32), bytes(137), public_key, bundle
        )
        with pytest.raises(InvalidInput) as refused:
            await ana.transport.call("/v1/account/password", request, wire.PasswordChangeReply)
        assert refused.value.code == "invalid_field"
    assert await live_server.rows("SELECT * FROM accounts WHERE username = 'ana'") == before


async def test_a_recovery_login_key_signature_is_refused_with_a_clear_error(
    live_server: RunningServer, signup: ClientFactory, tmp_path: Path
) -> None:
    """R22 F7: whoever copied the recovery key must not replace it with one of their own
    (password and devices untouched, nothing the owner would notice): a signed-in
    replacement is proven with the password's login key only, and the recovery key's
    signature gets its own refusal, not a "wrong password"."""
    ana = await signup("ana")
    assert ana.recovery_key is not None
    before = await stored_recovery_key(live_server, "ana")
    copied = keys.recovery_login_key(keys.parse_recovery_key(ana.recovery_key))
    with pytest.raises(AuthError) as refused:
        await replacement_signed_with(ana, "ana", copied)
    assert refused.value.code == "password_required"
    assert str(refused.value) == (
        "only the password can replace the recovery key of a signed-in account, not the "
        "recovery key itself; nothing was changed"
    )
    assert await stored_recovery_key(live_server, "ana") == before
    # The key written down at signup still gets ana back in; the password-signed
    # replacement still works.
    new_key = await ana.replace_recovery_key(PASSWORD, minimum_cost=INSECURE_TEST_COST)
    assert await stored_recovery_key(live_server, "ana") == public_half(new_key)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
async def test_replacing_the_key_signs_out_only_the_sessions_it_opened_alone(
    live_server: RunningServer, signup: ClientFactory, login: ClientFactory, tmp_path: Path
) -> None:
    """R22 F6, on both backends: a session opened by `recover` without a password change
    (whoever copied the key) ends when the key is replaced, by a signed-in replacement or
    by the owner's own recovery; sessions opened with the password, and a recovery's own
    session once it set the password, stay signed in."""
    from client_sdk import account
    from client_sdk.transport import Transport

    ana = await signup("ana")
    phone = await login("ana")
    assert ana.recovery_key is not None
    owners = sorted(d.id for d in await ana.devices.list())
    assert len(owners) == 2

    async def copy_signs_in(key: str) -> Transport:
        thief = Transport(live_server.url)
        try:
            session = await account.recover(thief, "ana", keys.parse_recovery_key(key), "a phone")
        finally:
            await thief.close()
        return Transport(live_server.url, session.reply.token)

    async def still_signed_in(transport: Transport) -> bool:
        try:
            await transport.call("/v1/journals/list", wire.ListRequest(b""), wire.JournalList)
        except AuthError as error:
            assert error.code == "device_revoked"
            return False
        return True

    first = await copy_signs_in(ana.recovery_key)
    try:
        new_key = await ana.replace_recovery_key(PASSWORD, minimum_cost=INSECURE_TEST_COST)
        assert not await still_signed_in(first)
    finally:
        await first.close()
    assert sorted(d.id for d in await ana.devices.list()) == owners
    await phone.sync()

    # A copy of the new key opens a session; the owner's recovery with that key ends it, and
    # the recovering device (which set the password) stays, as do the password's devices.
    second = await copy_signs_in(new_key)
    try:
        rescued = await recover(live_server.url, tmp_path / "rescued", new_key)
        try:
            assert not await still_signed_in(second)
            await rescued.sync()
            await ana.sync()
            # The rescued session proved the password: the next replacement leaves it.
            await rescued.replace_recovery_key(NEW_PASSWORD, minimum_cost=INSECURE_TEST_COST)
            await rescued.sync()
        finally:
            await rescued.close()
    finally:
        await second.close()


async def test_a_resend_refused_for_another_reason_says_the_outcome_is_unknown(
    live_server: RunningServer, hostile: HostileServer, through: Through
) -> None:
    """R22: the first request was stored and its reply lost; the resend is refused, not for
    a wrong password. The caller must not be told that nothing changed."""
    ana = await through("ana")
    before = await stored_recovery_key(live_server, "ana")
    lose_reply(hostile, "/v1/account/recovery-key", times=1)
    seen = [0]

    async def refuse_the_resend() -> None:
        seen[0] += 1
        if seen[0] == 2:
            raise web.HTTPForbidden()

    hostile.holds["/v1/account/recovery-key"] = refuse_the_resend
    with pytest.raises(TJError, match="whether the recovery key was replaced is unknown"):
        await ana.replace_recovery_key(PASSWORD, minimum_cost=INSECURE_TEST_COST)
    assert seen == [2]
    assert await stored_recovery_key(live_server, "ana") != before  # the first was stored
